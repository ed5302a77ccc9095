"""Why an LP is unbounded: a loop of hand-offs that earns money on every round and that nothing limits.

Arc costs may be negative (a rebate, a subsidy, a credit). A loop whose round costs less than nothing
and whose arcs and nodes have no capacity lets the LP send units round it without end. HiGHS says only
"unbounded"; `unbounded_loop` names such a loop, its gain per round and the lines of its arcs, so the
planner knows which capacity to give or which cost to raise.

A unit of demand d may go round a loop only if every arc of it is one d may use (A_d, model/paths.py).
A round costs the loop's arc costs plus, at each node it enters, the cheapest cost of processing a
unit there in a mode nothing limits: the mode's unit cost plus its labour at the cheapest hourly rate
of its role (regular hours, or regular plus overtime). Nodes with a `capacity`, arcs with a
`capacity`, and modes whose role has a staff maximum are limited and left out; so are, for a demand
with a response-time (quality) target, the arcs and modes that take time (make defects), whose rounds
the target's row bounds. The loop is found by
Bellman-Ford over the arcs in the file's order, from every node at once, so it is the same loop on
every run, whatever Python's hash seed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from model.network import build_graph, modes_of
from model.paths import PathFinder
from model.scenario.loader import SourceMap
from model.scenario.schema import Demand, Scenario

ROUND_OFF = 1e-9
"""A loop must earn more than this per round (in currency) to count: costs that cancel are no gain."""


@dataclass(frozen=True)
class Loop:
    """A loop of hand-offs: its nodes in order (the first repeated at the end), its arcs' positions in
    `arcs`, and its cost per unit per round (negative: what it earns)."""

    nodes: list[str]
    arcs: list[int]
    cost: float

    def ring(self) -> str:
        return " -> ".join(self.nodes)


def unit_cost_unlimited(scenario: Scenario, name: str, timed: bool = False, graded: bool = False) -> float | None:
    """The least cost of processing one unit at node `name` in a mode nothing limits (the mode's unit
    cost plus its labour at its role's cheapest hourly rate); None when the node or every mode is limited.
    `timed`: for a demand with a response-time target, which bounds every round that takes time, only
    modes without processing or wait time (and no queue) count; `graded`: for a demand with a quality
    target, only modes that do every unit right."""
    node = scenario.nodes[name]
    if node.capacity is not None or (timed and (node.wait_time > 0 or node.queue is not None)):
        return None
    costs = []
    for mode in modes_of(scenario, name):
        if (timed and mode["processing_time"] > 0) or (graded and mode["quality"] < 1):
            continue  # the target bounds the rounds through this mode
        role = mode["role"]
        if role is None:
            costs.append(mode["unit_cost"])
            continue
        staff = node.staff.get(role)
        if staff is not None and staff.max is not None:
            continue  # the staff maximum limits the units this mode can do
        costs.append(mode["unit_cost"] + mode["hours_per_unit"] * _hourly_rate(scenario, role) / node.max_utilisation)
    return min(costs, default=None)


def _hourly_rate(scenario: Scenario, role: str) -> float:
    """The least cost of one hour of `role`: an FTE's regular hours, or with its overtime at most."""
    spec = scenario.roles[role]
    regular = spec.cost_per_fte / spec.hours_per_fte
    overtime = spec.overtime
    if overtime is None or overtime.max_hours_per_fte <= 0:
        return regular
    hours = spec.hours_per_fte + overtime.max_hours_per_fte
    return min(regular, (spec.cost_per_fte + overtime.max_hours_per_fte * overtime.cost_per_hour) / hours)


def unbounded_loop(scenario: Scenario) -> Loop | None:
    """A loop some demand may use that earns money per round and has no capacity on any of its arcs
    or nodes, or None. Demands sharing origin, sinks, stages and kinds of target are looked at once;
    for a demand with a response-time (quality) target, only arcs and modes that take no time (make
    no defect) count, since the target bounds any other round."""
    finder = PathFinder(build_graph(scenario), {n: node.stage for n, node in scenario.nodes.items()}.get)
    entering: dict[tuple[bool, bool], dict[str, float | None]] = {}
    position = {arc.key: i for i, arc in enumerate(scenario.arcs)}
    seen: set[tuple] = set()
    for demand in scenario.demands.values():
        targets = (demand.max_mean_response_time is not None, demand.min_quality is not None)
        stages = tuple(demand.stages) if demand.stages is not None else None
        key = (demand.origin, tuple(demand.sinks), stages, targets)
        if key in seen:
            continue
        seen.add(key)
        if targets not in entering:
            entering[targets] = {n: unit_cost_unlimited(scenario, n, *targets) for n in scenario.nodes}
        found = _loop_of(scenario, finder, demand, entering[targets], timed=targets[0])
        if found is not None:
            nodes = [*found, found[0]]
            picked = [position[f"{u}->{v}"] for u, v in itertools.pairwise(nodes)]
            cost = sum(scenario.arcs[i].cost + (entering[targets][scenario.arcs[i].target] or 0.0) for i in picked)
            return Loop(nodes, picked, cost)
    return None


def _loop_of(
    scenario: Scenario, finder: PathFinder, demand: Demand, entering: dict[str, float | None], timed: bool
) -> list[str] | None:
    """A negative loop among the demand's usable arcs that nothing limits, or None."""
    _, arcs = finder.nodes_and_arcs(demand.origin, demand.sinks, demand.stages)
    usable = set(arcs)
    edges = []
    for i, arc in enumerate(scenario.arcs):  # in the file's order
        cost = entering[arc.target]
        limited = arc.capacity is not None or cost is None or (timed and arc.lead_time > 0)
        if (arc.source, arc.target) in usable and not limited:
            edges.append((i, arc.source, arc.target, arc.cost + cost))  # type: ignore[operator]
    return negative_cycle(list(scenario.nodes), edges)


def negative_cycle(nodes: list[str], edges: list[tuple[int, str, str, float]]) -> list[str] | None:
    """A cycle of negative total weight (its nodes in order, starting with the one listed first in
    `nodes`), or None. Bellman-Ford from a virtual source joined to every node at weight 0, the edges
    relaxed in the order given: deterministic, O(nodes x edges)."""
    distance = dict.fromkeys(nodes, 0.0)
    before: dict[str, str] = {}
    changed = None
    for _ in range(len(nodes)):
        changed = None
        for _, u, v, weight in edges:
            if distance[u] + weight < distance[v] - ROUND_OFF:
                distance[v] = distance[u] + weight
                before[v] = u
                changed = v
        if changed is None:
            return None
    assert changed is not None  # relaxed in the n-th round: a negative cycle leads to it
    for _ in range(len(nodes)):
        changed = before.get(changed, changed)  # n steps back from a node relaxed last is on the cycle
    cycle = [changed]
    while (step := before.get(cycle[-1], changed)) != changed:
        cycle.append(step)
    cycle.reverse()  # predecessors walk against the arcs
    order = {n: i for i, n in enumerate(nodes)}
    first = min(range(len(cycle)), key=lambda i: order[cycle[i]])
    return cycle[first:] + cycle[:first]


def unbounded_message(scenario: Scenario, source: SourceMap | None) -> str | None:
    """The sentence that says why the LP is unbounded, naming the loop and its arcs' lines; None
    when no such loop is found (the cause is elsewhere, e.g. an extension's cost term)."""
    loop = unbounded_loop(scenario)
    if loop is None:
        return None
    where = [_written_at(source, i) for i in loop.arcs]
    lines = [w.removeprefix("line ") for w in where if w.startswith("line ")]
    if source is not None and len(lines) == len(where):
        said = f"lines {_and(lines)}" if len(lines) > 1 else f"line {lines[0]}"
        at = f"arcs at {said}"
    else:
        at = _and([f"arcs[{i}]" + (f" at {w}" if w else "") for i, w in zip(loop.arcs, where)])
    return (
        f"the loop {loop.ring()} earns {-loop.cost:,.2f} {scenario.currency} per unit per round and "
        f"has no capacity on any of its arcs or nodes ({at}); give one of them a capacity or raise a cost"
    )


def _written_at(source: SourceMap | None, index: int) -> str:
    return source.written_at(("arcs", index))[1] if source is not None else ""


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
