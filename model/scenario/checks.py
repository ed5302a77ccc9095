"""Cross-checks of a scenario: names that must exist, bounds that must agree, a graph that must work.

They run on the raw YAML data, beside schema validation, so that a file with a bad number and a
misspelt node gets both reported at once. Each check skips what is too malformed to judge: the
schema reports that part.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Iterator
from typing import Any, TypeGuard

import networkx as nx

from model.errors import Problem
from model.paths import PathFinder
from model.scenario.loader import SourceMap, closest
from model.scenario.ranges import DURATION, PERIODS
from model.scenario.schema import FORMER_NAMES, HOURS_PER_TIME_UNIT, Scenario


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _names(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


class Raw:
    """Typed-enough access to the raw sections the checks need."""

    def __init__(self, data: dict) -> None:
        self.stages = _names(data.get("stages"))
        self.roles = _mapping(data.get("roles"))
        self.nodes = _mapping(data.get("nodes"))
        self.demands = _mapping(data.get("demands"))
        arcs = data.get("arcs")
        self.arcs = [a for a in arcs if isinstance(a, dict)] if isinstance(arcs, list) else []
        self.arc_index = [i for i, a in enumerate(arcs) if isinstance(a, dict)] if isinstance(arcs, list) else []
        meta = self.meta = _mapping(data.get("scenario"))
        periods = meta.get("periods", 1)
        self.period_count = (
            periods
            if isinstance(periods, int) and not isinstance(periods, bool) and PERIODS.contains(periods)
            else len(periods)
            if isinstance(periods, list)
            else None
        )  # None also where the schema refuses the count: what is checked against it would be knock-on

    def period_hours(self) -> float | None:
        """One period in hours, where `period_length` and `time_unit` are readable."""
        length = _number(self.meta.get("period_length"))
        hours = HOURS_PER_TIME_UNIT.get(self.meta.get("time_unit", "hour"))
        if length is None or hours is None or not DURATION.contains(length):
            return None  # the schema refuses an implausible length: no knock-on problem with it
        return length * hours

    def stage_of(self, node: str) -> str | None:
        stage = _mapping(self.nodes.get(node)).get("stage")
        return stage if stage in self.stages else None

    def is_node(self, name: Any) -> TypeGuard[str]:
        return isinstance(name, str) and name in self.nodes

    def valid_arcs(self) -> Iterator[tuple[int, str, str]]:
        """(position in `arcs`, from, to) for arcs whose both ends are known nodes."""
        for index, arc in zip(self.arc_index, self.arcs):
            source, target = arc.get("from"), arc.get("to")
            if self.is_node(source) and self.is_node(target):
                yield index, source, target


Check = Callable[[Raw, SourceMap], Iterator[Problem]]


def check_stage_names(raw: Raw, src: SourceMap) -> Iterator[Problem]:
    seen: set[str] = set()
    for i, stage in enumerate(raw.stages):
        if stage in seen:
            yield src.problem(("stages", i), f"stage '{stage}' is listed twice", "Each stage appears once, in order.")
        seen.add(stage)
    for name, node in raw.nodes.items():
        node_stage = _mapping(node).get("stage")
        if isinstance(node_stage, str) and node_stage not in raw.stages:
            yield src.problem(
                ("nodes", name, "stage"), f"unknown stage '{node_stage}'", closest(node_stage, raw.stages)
            )


def check_role_names(raw: Raw, src: SourceMap) -> Iterator[Problem]:
    for name, node in raw.nodes.items():
        work = _mapping(_mapping(node).get("work"))
        for role in work:
            if role not in raw.roles:
                yield src.problem(
                    ("nodes", name, "work", role), f"unknown role '{role}'", closest(role, raw.roles), at_key=True
                )
        for role in _mapping(_mapping(node).get("staff")):
            if role not in work:
                hint = f"Staff bounds are for roles in this node's `work`: {', '.join(work) or 'none'}. " + (
                    closest(role, work) if work else ""
                )
                yield src.problem(
                    ("nodes", name, "staff", role),
                    f"role '{role}' is not in the node's work",
                    hint.strip(),
                    at_key=True,
                )


def check_staff_bounds(raw: Raw, src: SourceMap) -> Iterator[Problem]:
    for name, node in raw.nodes.items():
        for role, staff in _mapping(_mapping(node).get("staff")).items():
            staff = _mapping(staff)
            low = _number(staff.get("min", 0)) or 0.0
            high = _number(staff.get("max"))
            initial = _number(staff.get("initial"))
            path = ("nodes", name, "staff", role)
            if high is not None and low > high:
                yield src.problem((*path, "min"), f"min {low:g} is above max {high:g}", "Staff min must be <= max.")
            if initial is not None and (initial < low or (high is not None and initial > high)):
                bounds = f"[{low:g}, {high:g}]" if high is not None else f"[{low:g}, unlimited)"
                yield src.problem(
                    (*path, "initial"),
                    f"initial {initial:g} is outside the staff bounds {bounds}",
                    "The staff before the first period must lie within min and max.",
                )


def check_queues(raw: Raw, src: SourceMap) -> Iterator[Problem]:
    """A queue sizes staff, so its node needs `work`; its wait replaces `wait_time`; it cannot hold
    stock (orders filled from stock do not queue); and it cannot be open longer than a period."""
    period_hours = raw.period_hours()
    for name, node in raw.nodes.items():
        node = _mapping(node)
        if "queue" not in node:
            continue
        path = ("nodes", name, "queue")
        if not _mapping(node.get("work")):
            yield src.problem(
                path,
                "a queue needs staff to size, but the node has no `work`",
                "Give the node `work` (the roles that serve the queue), or remove `queue`.",
                at_key=True,
            )
        if "wait_time" in node:
            yield src.problem(
                ("nodes", name, "wait_time"),
                "a queued node's wait comes from its queue",
                "Remove wait_time: the queue's target sets the wait.",
                at_key=True,
            )
        if "stock" in node:
            yield src.problem(
                path,
                "a node with `stock` cannot have a queue",
                "Orders filled from stock do not queue: remove `stock` or `queue`.",
                at_key=True,
            )
        open_hours = _number(_mapping(node.get("queue")).get("open_hours"))
        if open_hours is not None and period_hours is not None and open_hours > period_hours:
            yield src.problem(
                (*path, "open_hours"),
                f"open_hours {open_hours:g} is longer than a period ({period_hours:g} hours)",
                "A queue is open at most the whole period.",
            )


def check_arc_ends(raw: Raw, src: SourceMap) -> Iterator[Problem]:
    seen: dict[tuple[str, str], int] = {}
    for index, arc in zip(raw.arc_index, raw.arcs):
        for end in ("from", "to"):
            name = arc.get(end)
            if isinstance(name, str) and name not in raw.nodes:
                yield src.problem(("arcs", index, end), f"unknown node '{name}'", closest(name, raw.nodes))
    for index, source, target in raw.valid_arcs():
        if (source, target) in seen:
            yield src.problem(
                ("arcs", index),
                f"arc {source} -> {target} is defined twice (first at arcs[{seen[source, target]}])",
                "Give each hand-off one arc.",
            )
        seen.setdefault((source, target), index)
        s_stage, t_stage = raw.stage_of(source), raw.stage_of(target)
        if s_stage and t_stage and raw.stages.index(t_stage) < raw.stages.index(s_stage):
            yield src.problem(
                ("arcs", index, "to"),
                f"arc {source} -> {target} goes back from stage '{s_stage}' to the earlier stage '{t_stage}'",
                f"Arcs follow the stage order: {' -> '.join(raw.stages)}.",
            )


def check_cycles(raw: Raw, src: SourceMap) -> Iterator[Problem]:
    """One cycle, named the same on every run: found by a depth-first walk in the file's order (arcs
    and nodes as listed), not by networkx's cycle enumeration, whose order follows Python's hash seed."""
    graph = nx.DiGraph()
    graph.add_nodes_from(raw.nodes)
    first_arc: dict[tuple[str, str], int] = {}
    for index, source, target in raw.valid_arcs():
        graph.add_edge(source, target)
        first_arc.setdefault((source, target), index)
    try:
        edges = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return
    cycle_nodes = [source for source, _ in edges]
    ring = " -> ".join([*cycle_nodes, cycle_nodes[0]])
    index = first_arc[edges[-1][0], edges[-1][1]]
    yield src.problem(
        ("arcs", index),
        f"the hand-off graph has a cycle: {ring}",
        "Work must not return to a node it has passed; remove one of these arcs.",
    )  # one named cycle is enough to act on; more follow once it is broken


def check_demand_names(raw: Raw, src: SourceMap) -> Iterator[Problem]:
    for name, demand in raw.demands.items():
        demand = _mapping(demand)
        origin = demand.get("origin")
        if isinstance(origin, str) and origin not in raw.nodes:
            yield src.problem(("demands", name, "origin"), f"unknown node '{origin}'", closest(origin, raw.nodes))
        for i, sink in enumerate(_names(demand.get("sinks"))):
            if sink not in raw.nodes:
                yield src.problem(("demands", name, "sinks", i), f"unknown node '{sink}'", closest(sink, raw.nodes))
        stages = _names(demand.get("stages"))
        for i, stage in enumerate(stages):
            if stage not in raw.stages:
                yield src.problem(
                    ("demands", name, "stages", i), f"unknown stage '{stage}'", closest(stage, raw.stages)
                )
        known = [raw.stages.index(s) for s in stages if s in raw.stages]
        if known != sorted(set(known)):
            yield src.problem(
                ("demands", name, "stages"),
                "stages must be distinct and in the chain's order",
                f"The chain's order: {' -> '.join(raw.stages)}.",
            )


def check_volumes(raw: Raw, src: SourceMap) -> Iterator[Problem]:
    if raw.period_count is None:
        return
    for name, demand in raw.demands.items():
        volume = _mapping(demand).get("volume")
        if isinstance(volume, list) and len(volume) != raw.period_count:
            yield src.problem(
                ("demands", name, "volume"),
                f"{_count(len(volume), 'volume')} given for {_count(raw.period_count, 'period')}",
                "Give one volume per period, or a single number that repeats.",
            )


def check_stock_keys(raw: Raw, src: SourceMap) -> Iterator[Problem]:
    for name, node in raw.nodes.items():
        stock = _mapping(_mapping(node).get("stock"))
        for i, demand in enumerate(_names(stock.get("demands"))):
            if demand not in raw.demands:
                yield src.problem(
                    ("nodes", name, "stock", "demands", i), f"unknown demand '{demand}'", closest(demand, raw.demands)
                )
        for key in ("initial", "final_min"):
            for demand in _mapping(stock.get(key)):
                if demand not in raw.demands:
                    yield src.problem(
                        ("nodes", name, "stock", key, demand),
                        f"unknown demand '{demand}'",
                        closest(demand, raw.demands),
                        at_key=True,
                    )


def check_stock_users(raw: Raw, src: SourceMap) -> Iterator[Problem]:
    """A single-number stock figure is allowed only where exactly one demand can use the node."""
    stocked = {
        n: _mapping(node)["stock"] for n, node in raw.nodes.items() if isinstance(_mapping(node).get("stock"), dict)
    }
    if not stocked:
        return
    users = _users_by_node(raw)
    for name, stock in stocked.items():
        listed = stock.get("demands")
        stockers = [d for d in users.get(name, []) if not isinstance(listed, list) or d in listed]
        yield from _stock_demands_that_never_pass(raw, src, name, stock, users.get(name, []), stockers)
        for key in ("initial", "final_min"):
            amount = _number(stock.get(key))
            if amount and len(stockers) != 1:
                who = ", ".join(sorted(stockers)) or "no demand"
                yield src.problem(
                    ("nodes", name, "stock", key),
                    f"a single number ({amount:g}) needs exactly one demand using the node; {who} can use it",
                    "Give a mapping {demand: units} instead.",
                )


def _stock_demands_that_never_pass(
    raw: Raw, src: SourceMap, node: str, stock: dict, users: list[str], stockers: list[str]
) -> Iterator[Problem]:
    """Stock named for a demand that cannot be stocked at the node would be silently ignored: refuse it."""
    hint = f"Demands that can use '{node}': {', '.join(sorted(users)) or 'none'}."
    for i, demand in enumerate(_names(stock.get("demands"))):
        if demand in raw.demands and demand not in users:
            yield src.problem(
                ("nodes", node, "stock", "demands", i), f"demand '{demand}' never passes node '{node}'", hint
            )
    for key in ("initial", "final_min"):
        for demand in _mapping(stock.get(key)):
            if demand in raw.demands and demand not in users:
                yield src.problem(
                    ("nodes", node, "stock", key, demand),
                    f"demand '{demand}' never passes node '{node}'",
                    hint,
                    at_key=True,
                )
            elif demand in raw.demands and demand not in stockers:
                yield src.problem(
                    ("nodes", node, "stock", key, demand),
                    f"demand '{demand}' is not in this node's stock.demands",
                    f"Stock here is kept for: {', '.join(sorted(stockers)) or 'no demand'}.",
                    at_key=True,
                )


def _users_by_node(raw: Raw) -> dict[str, list[str]]:
    graph = nx.DiGraph()
    graph.add_nodes_from(raw.nodes)
    graph.add_edges_from((s, t) for _, s, t in raw.valid_arcs())
    users: dict[str, list[str]] = {}
    finder = PathFinder(graph, raw.stage_of)
    for name, demand in raw.demands.items():
        demand = _mapping(demand)
        origin, sinks, stages = demand.get("origin"), _names(demand.get("sinks")), demand.get("stages")
        if not raw.is_node(origin) or (stages is not None and not _names(stages)):
            continue
        nodes, _ = finder.nodes_and_arcs(
            origin, [s for s in sinks if s in raw.nodes], _names(stages) if stages is not None else None
        )
        for node in nodes:
            users.setdefault(node, []).append(name)
    return users


def check_paths(raw: Raw, src: SourceMap) -> Iterator[Problem]:
    """Each demand's sinks must be reachable from its origin, through its stages when it lists them.

    Demands share origins and stage lists (72 distinct pairs among 30,000 generated demands), so each
    walk is done once per pair."""
    graph = nx.DiGraph()
    graph.add_nodes_from(raw.nodes)
    graph.add_edges_from((s, t) for _, s, t in raw.valid_arcs())
    reachable = functools.cache(lambda origin: nx.descendants(graph, origin) | {origin})
    walk = functools.cache(lambda origin, stages: _walk_stages(raw, graph, origin, stages))
    for name, demand in raw.demands.items():
        demand = _mapping(demand)
        origin, sinks = demand.get("origin"), _names(demand.get("sinks"))
        if not raw.is_node(origin) or not sinks or any(s not in raw.nodes for s in sinks):
            continue
        stages = demand.get("stages")
        if isinstance(stages, list):
            if all(isinstance(s, str) and s in raw.stages for s in stages) and stages:
                yield from _check_staged_path(raw, src, walk(origin, tuple(stages)), name, origin, sinks, stages)
            continue
        for i, sink in enumerate(sinks):
            if sink not in reachable(origin):
                yield src.problem(
                    ("demands", name, "sinks", i),
                    f"sink '{sink}' cannot be reached from origin '{origin}'",
                    "Add an arc on the way, or remove this sink.",
                )


def _walk_stages(raw: Raw, graph: nx.DiGraph, origin: str, stages: tuple[str, ...]) -> tuple[set[str], int | None]:
    """The nodes of the last stage reachable from `origin` stage by stage, or the index of the stage
    where the walk breaks (no node of it reached)."""
    frontier = {origin}
    for k, stage in enumerate(stages[1:], start=1):
        frontier = {t for s in frontier for t in graph.successors(s) if raw.stage_of(t) == stage}
        if not frontier:
            return frontier, k
    return frontier, None


def _check_staged_path(
    raw: Raw,
    src: SourceMap,
    walked: tuple[set[str], int | None],
    name: str,
    origin: str,
    sinks: list[str],
    stages: list[str],
) -> Iterator[Problem]:
    path = ("demands", name)
    if raw.stage_of(origin) != stages[0]:
        yield src.problem(
            (*path, "origin"),
            f"origin '{origin}' is in stage '{raw.stage_of(origin)}', not in the demand's first stage '{stages[0]}'",
        )
        return
    for i, sink in enumerate(sinks):
        if raw.stage_of(sink) != stages[-1]:
            yield src.problem(
                (*path, "sinks", i),
                f"sink '{sink}' is in stage '{raw.stage_of(sink)}', not in the demand's last stage '{stages[-1]}'",
            )
    frontier, broken_at = walked
    if broken_at is not None:
        yield src.problem(
            (*path, "stages"),
            f"the path breaks at stage '{stages[broken_at]}': no arc leads from the "
            f"nodes this demand reaches in '{stages[broken_at - 1]}' into '{stages[broken_at]}'",
            "Add an arc between those stages, or change the demand's stages.",
        )
        return
    for i, sink in enumerate(sinks):
        if raw.stage_of(sink) == stages[-1] and sink not in frontier:
            yield src.problem(
                (*path, "sinks", i),
                f"sink '{sink}' cannot be reached from origin '{origin}' through stages {' -> '.join(stages)}",
                f"Reachable in '{stages[-1]}': {', '.join(sorted(frontier))}.",
            )


def check_former_names(raw: Raw, src: SourceMap) -> Iterator[Problem]:
    """A demand gives a renamed field (schema.FORMER_NAMES) under one name: the current or the former."""
    for name, demand in raw.demands.items():
        given = _mapping(demand)
        for current, former in FORMER_NAMES.items():
            if current in given and former in given:
                yield src.problem(
                    ("demands", name, former),
                    f"{former} is the former name of {current}: give one of them, not both",
                    f"Keep {current}.",
                    at_key=True,
                )


def check_label_names(raw: Raw, src: SourceMap) -> Iterator[Problem]:
    """A demand's labels do not use the name `segment`: the segments table rolls demands up by the
    `segment` field under that group, and a label of that name would be a second, different one."""
    for name, demand in raw.demands.items():
        if "segment" in _mapping(_mapping(demand).get("labels")):
            yield src.problem(
                ("demands", name, "labels", "segment"),
                "a label may not be called segment: the demand's segment is its own field",
                f"Write `segment: {_mapping(_mapping(demand).get('labels')).get('segment')}` beside `labels:`, "
                "or give the label another name.",
                at_key=True,
            )


CHECKS: list[Check] = [
    check_stage_names,
    check_role_names,
    check_staff_bounds,
    check_queues,
    check_arc_ends,
    check_cycles,
    check_demand_names,
    check_former_names,
    check_volumes,
    check_stock_keys,
    check_paths,
    check_stock_users,
    check_label_names,
]


# The sections whose names each check looks up: where such a section is missing (often misspelt),
# every name would be "unknown", dozens of knock-on problems of one mistake the schema reports.
READS: dict[Check, tuple[str, ...]] = {
    check_stage_names: ("stages",),
    check_role_names: ("roles",),
    check_arc_ends: ("nodes",),
    check_demand_names: ("nodes", "stages"),
    check_volumes: ("scenario",),
    check_stock_keys: ("demands",),
    check_paths: ("arcs",),  # without the arcs, no sink is reachable
    check_stock_users: ("arcs",),
}
REQUIRED = ("scenario", "stages", "nodes", "demands")
SECTION_TYPES = {"scenario": dict, "stages": list, "roles": dict, "nodes": dict, "demands": dict, "arcs": list}


def unusable_sections(data: dict) -> set[str]:
    """Sections the checks cannot look names up in, each already a problem of the schema: a required
    section missing, empty or of the wrong kind, or an optional one of the wrong kind or misspelt
    (missing, with an unknown top-level key close to its name)."""
    found = set()
    unknown = [str(key) for key in data if key not in Scenario.model_fields]
    for section, kind in SECTION_TYPES.items():
        value = data.get(section)
        wrong_kind = section in data and not isinstance(value, kind)
        misspelt = section not in data and bool(difflib.get_close_matches(section, unknown, n=1, cutoff=0.6))
        if wrong_kind or misspelt or (section in REQUIRED and not value):
            found.add(section)
    return found


def cross_check(data: dict, source: SourceMap) -> list[Problem]:
    """Every check's problems, leaving out the checks that would only repeat a missing section."""
    raw = Raw(data)
    unusable = unusable_sections(data)
    checks = [check for check in CHECKS if not unusable.intersection(READS.get(check, ()))]
    return [problem for check in checks for problem in check(raw, source)]
