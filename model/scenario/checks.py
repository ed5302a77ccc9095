"""Cross-checks of a scenario: names that must exist, bounds that must agree, a graph that must work.

They run on the raw YAML data, beside schema validation, so that a file with a bad number and a
misspelt node gets both reported at once. Each check skips what is too malformed to judge: the
schema reports that part.
"""

from __future__ import annotations

import difflib
import fnmatch
import functools
from collections.abc import Callable, Iterator
from typing import Any, TypeGuard

import networkx as nx

import model.scenario.rulespec as rulespec
from model.errors import Problem
from model.paths import PathFinder, allowed_graph, most_passes, unskilled_nodes
from model.scenario.loader import SourceMap, closest
from model.scenario.ranges import DURATION, PERIODS
from model.scenario.schema import FORMER_NAMES, HOURS_PER_TIME_UNIT, Intervals, Role, Scenario, Work
from model.scenario.shifts import CoverError, patterns


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
        self.data = data
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
        yield from _queue_hours(raw, src, path)
        yield from _queue_model(raw, src, name, path)


def _queue_hours(raw: Raw, src: SourceMap, path: tuple) -> Iterator[Problem]:
    """Without intervals a queue needs `open_hours` (its peak factor is optional); with intervals
    neither is allowed: each interval gives its own hours and arrivals (docs/model.md, Queues)."""
    queue = _mapping(_mapping(raw.nodes.get(path[1])).get("queue"))
    if not queue:
        return
    if "intervals" in raw.data:
        for key in ("open_hours", "peak_factor"):
            if key in queue:
                yield src.problem(
                    (*path, key),
                    f"{key} is not allowed on a queue when the scenario has intervals",
                    "Remove it: each interval's hours and arrivals size the queue there.",
                    at_key=True,
                )
    elif "open_hours" not in queue:
        yield src.problem(
            path,
            "a queue needs open_hours (hours per period it is served) when the scenario has no intervals",
            "Give open_hours, or declare the intervals of a period in a top-level `intervals:` section.",
            at_key=True,
        )


QUEUE_TARGETS = {
    "erlang_c": ("service_level", "within", "average_wait"),
    "erlang_a": ("service_level", "within", "average_wait", "max_abandoned"),
    "erlang_b": ("max_blocked",),
}
"""The targets each queue model takes: erlang_b has no queue (so no wait), only its blocked share."""


def _queue_model(raw: Raw, src: SourceMap, name: str, path: tuple) -> Iterator[Problem]:
    """erlang_a needs `patience` (and only it has one); only erlang_a and erlang_b lose units, so only
    they take `overflow`, a node other than this one; each lane's target fits the model."""
    queue = _mapping(_mapping(raw.nodes.get(name)).get("queue"))
    model = queue.get("model", "erlang_c")
    if model not in QUEUE_TARGETS:
        return  # the schema names the models allowed
    if model == "erlang_a" and "patience" not in queue:
        yield src.problem(
            path,
            "an erlang_a queue needs patience (mean time a caller waits before hanging up)",
            "Give patience (time units).",
            at_key=True,
        )
    if model != "erlang_a" and "patience" in queue:
        yield src.problem(
            (*path, "patience"),
            f"patience is for erlang_a queues, not {model}",
            "Remove patience, or set model: erlang_a.",
            at_key=True,
        )
    overflow = queue.get("overflow")
    if overflow is not None and model == "erlang_c":
        yield src.problem(
            (*path, "overflow"),
            "an erlang_c queue loses no units: overflow is for erlang_a and erlang_b",
            "Remove overflow, or set model: erlang_a or erlang_b.",
            at_key=True,
        )
    elif isinstance(overflow, str) and (overflow == name or overflow not in raw.nodes):
        why = "the queue's own node" if overflow == name else "not a node"
        hint = closest(overflow, [n for n in raw.nodes if n != name])
        yield src.problem((*path, "overflow"), f"overflow '{overflow}' is {why}", f"Name another node. {hint}".strip())
    lanes = queue.get("lanes")
    targets = [((*path, "target"), queue.get("target"))] if "target" in queue else []
    if isinstance(lanes, list):
        targets += [((*path, "lanes", i, "target"), _mapping(lane).get("target")) for i, lane in enumerate(lanes)]
    allowed = QUEUE_TARGETS[model]
    for where, target in targets:
        for key in _mapping(target):
            if key not in allowed and key in (
                "service_level",
                "within",
                "average_wait",
                "max_abandoned",
                "max_blocked",
            ):
                yield src.problem(
                    (*where, key),
                    f"{key} is not a target of an {model} queue",
                    f"An {model} queue takes {', '.join(allowed)}.",
                    at_key=True,
                )


def check_sites(raw: Raw, src: SourceMap) -> Iterator[Problem]:
    """A node's site decision must make sense (docs/model.md, Sites): `capacity` or
    `capacity_levels`, not both (a node that is never open may keep levels: it chooses none, and a
    what-if that reopens it does); a minimum volume that the node's capacity can hold; and no queue
    at a node that may close (its agents' requirement has a constant that a closed node could not
    meet)."""
    for name, node in raw.nodes.items():
        node = _mapping(node)
        path, state = ("nodes", name), node.get("open", "always")
        if "capacity_levels" in node and "capacity" in node:
            yield _capacity_and_levels(name, src)
        if "queue" in node and state != "always":
            yield src.problem(
                (*path, "open"),
                f"a node with a queue cannot be '{state}'",
                "Queued nodes are always open: remove `open` or `queue`.",
            )
        yield from _min_volume_fits(node, path, src)


def _capacity_and_levels(name: str, src: SourceMap) -> Problem:
    """Both `capacity` and `capacity_levels`: at the override that added capacity to a node with levels
    (with how to replace the levels), else at the levels."""
    path = ("nodes", name)
    changed_at = getattr(src, "changed_at", None)  # only an overridden scenario's map has it
    if changed_at is not None and changed_at((*path, "capacity")) is not None:
        return src.problem(
            (*path, "capacity"),
            "give capacity or capacity_levels, not both",
            f"Node {name} has capacity_levels: remove the levels first: --remove nodes.{name}.capacity_levels",
        )
    return src.problem(
        (*path, "capacity_levels"),
        "give capacity or capacity_levels, not both",
        "With levels the node's capacity is the chosen level's: remove `capacity`.",
        at_key=True,
    )


def _min_volume_fits(node: dict, path: tuple, src: SourceMap) -> Iterator[Problem]:
    """min_volume at most the node's capacity (or its largest level): otherwise it could never open."""
    least = _number(node.get("min_volume"))
    levels = node.get("capacity_levels")
    sizes = [_number(_mapping(level).get("capacity")) for level in levels] if isinstance(levels, list) else []
    known = [size for size in sizes if size is not None]
    room = _number(node.get("capacity")) if "capacity" in node else (max(known) if known else None)
    if least is not None and room is not None and least > room:
        yield src.problem(
            (*path, "min_volume"),
            f"min_volume {least:g} is above the node's capacity {room:g} units",
            "The node could never process its minimum: lower min_volume or raise the capacity.",
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


def _intervals(raw: Raw) -> Intervals | None:
    """The scenario's intervals where the schema accepts them (else it reports them)."""
    try:
        return Intervals.model_validate(raw.data.get("intervals"), strict=False)
    except Exception:  # any problem is the schema's to report
        return None


def check_interval_figures(raw: Raw, src: SourceMap) -> Iterator[Problem]:
    """A demand's `profile` and `volume_by_interval` need `intervals` and one figure per interval (a
    profile's {days, times}: one per day, one per time), and a profile must not be all 0."""
    intervals = _intervals(raw) if "intervals" in raw.data else None
    for name, demand in raw.demands.items():
        for key in ("profile", "volume_by_interval"):
            given = _mapping(demand).get(key)
            if given is None:
                continue
            if "intervals" not in raw.data:
                yield src.problem(
                    ("demands", name, key),
                    f"{key} needs intervals",
                    "Declare the intervals of a period in a top-level `intervals:` section (days, times or both).",
                    at_key=True,
                )
            elif intervals is not None:
                yield from _interval_figures(intervals, given, ("demands", name, key), src)


def check_interval_span(raw: Raw, src: SourceMap) -> Iterator[Problem]:
    """The intervals fit in a period: weight x the hours of one cycle of intervals is at most the
    period's length (each interval occurs `weight` times in a period)."""
    intervals = _intervals(raw) if "intervals" in raw.data else None
    period = raw.period_hours()
    if intervals is None or period is None:
        return
    span = intervals.weight * sum(intervals.interval_hours())
    if span > period * (1 + 1e-9):
        yield src.problem(
            ("intervals", "weight"),
            f"the intervals last {span:g} hours a period ({intervals.weight:g} x "
            f"{sum(intervals.interval_hours()):g} h), more than the period's {period:g} hours",
            "Lower intervals.weight or the intervals' hours, or lengthen scenario.period_length.",
            at_key="weight" not in _mapping(raw.data.get("intervals")),
        )


def _interval_figures(intervals: Intervals, given: Any, path: tuple, src: SourceMap) -> Iterator[Problem]:
    labels = intervals.labels()
    if isinstance(given, list):
        parts = [(path, given, len(labels), "interval", ", ".join(labels[:3]) + (", ..." if len(labels) > 3 else ""))]
    else:
        given = _mapping(given)
        parts = []
        for part, names in (("days", intervals.days), ("times", intervals.time_labels)):
            if given.get(part) is None:
                continue
            if not names:
                yield src.problem((*path, part), f"profile {part} given, but intervals has no {part}", "", at_key=True)
                continue
            parts.append(((*path, part), given[part], len(names), part[:-1], ", ".join(names[:3])))
    for where, figures, count, noun, first in parts:
        if not isinstance(figures, list):
            continue
        if len(figures) != count:
            yield src.problem(
                where,
                f"{_count(len(figures), 'figure')} given for {_count(count, noun)}",
                f"Give one per {noun} ({first}).",
            )
        elif path[-1] == "profile" and all(_number(f) == 0 for f in figures):
            yield src.problem(where, "a profile of zeros spreads nothing", "Give at least one figure above 0.")


def check_shifts(raw: Raw, src: SourceMap) -> Iterator[Problem]:
    """A rostered role (`shifts`, `days_on`) needs `intervals`, and each pattern must lay on them:
    known interval, time and day labels, breaks inside the shift, whole intervals, some interval
    covered (model/scenario/shifts.py)."""
    intervals = _intervals(raw) if "intervals" in raw.data else None
    for name, node in raw.nodes.items():
        for role, work in _mapping(_mapping(node).get("work")).items():
            keys = [key for key in ("shifts", "days_on") if key in _mapping(work)]
            if not keys:
                continue
            path = ("nodes", name, "work", role)
            if "intervals" not in raw.data:
                yield src.problem(
                    (*path, keys[0]),
                    f"{keys[0]} needs intervals",
                    "Declare the intervals of a period in a top-level `intervals:` section (days, times or both).",
                    at_key=True,
                )
                continue
            parsed = _parsed(Work, work), _parsed(Role, raw.roles.get(role))
            if intervals is None or parsed[0] is None or parsed[1] is None:
                continue  # the schema reports what is malformed
            try:
                patterns(parsed[0], parsed[1], intervals)
            except CoverError as error:
                yield src.problem((*path, *error.where), error.message, error.hint)


def _parsed(kind: type[Work] | type[Role], data: Any) -> Any:
    """`data` as the schema reads it, or None where the schema refuses it (and reports why)."""
    try:
        return kind.model_validate(data, strict=False)
    except Exception:  # any problem is the schema's to report
        return None


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
            origin,
            [s for s in sinks if s in raw.nodes],
            _names(stages) if stages is not None else None,
            _unskilled(raw, demand),
        )
        for node in nodes:
            users.setdefault(node, []).append(name)
    return users


def _unskilled(raw: Raw, demand: dict) -> frozenset[str]:
    """The nodes a demand cannot use for want of a role with its skills (docs/model.md, Skills). A
    skill no role has is left out: check_skills reports it, and it should not also keep the demand
    off every node (knock-on problems of one typo)."""
    if not _names(demand.get("skills")):
        return frozenset()
    skills_of = _skills_of(raw)
    known = {skill for skills in skills_of.values() for skill in skills}
    required = [skill for skill in _names(demand.get("skills")) if skill in known]
    roles_at = {n: list(_mapping(_mapping(node).get("work"))) for n, node in raw.nodes.items()}
    return unskilled_nodes(required, roles_at, skills_of)


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
    """The nodes of the last stage reachable from `origin` through the hand-offs the stages allow
    (model/paths.py: one stage forward, within a stage, or back), or the index of the first stage
    where the walk breaks (no node of it reached). Forward moves go one stage at a time, so a stage
    is reached only if the one before it is."""
    allowed = allowed_graph(graph, raw.stage_of, list(stages))
    reached = nx.descendants(allowed, origin) | {origin} if origin in allowed else {origin}
    by_stage: dict[str | None, set[str]] = {}
    for node in reached:
        by_stage.setdefault(raw.stage_of(node), set()).add(node)
    for k, stage in enumerate(stages[1:], start=1):
        if not by_stage.get(stage):
            return set(), k
    return by_stage.get(stages[-1], set()), None


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


def check_hours_by_demand(raw: Raw, src: SourceMap) -> Iterator[Problem]:
    """`hours_by_demand` names demands of the scenario that the entry's role may do at its node: a
    role with every skill the demand requires, at a node the demand passes (docs/model.md, Skills).
    An entry that could never apply would be ignored silently: it is refused."""
    entries = [
        (name, role, demand)
        for name, node in raw.nodes.items()
        for role, work in _mapping(_mapping(node).get("work")).items()
        for demand in _mapping(_mapping(work).get("hours_by_demand"))
    ]
    if not entries:
        return
    users = _users_by_node(raw)
    skills_of = _skills_of(raw)
    known = {skill for skills in skills_of.values() for skill in skills}
    for name, role, demand in entries:
        path = ("nodes", name, "work", role, "hours_by_demand", demand)
        if demand not in raw.demands:
            yield src.problem(path, f"unknown demand '{demand}'", closest(demand, raw.demands), at_key=True)
            continue
        required = _names(_mapping(raw.demands[demand]).get("skills"))
        if not known.issuperset(required):
            continue  # a skill no role has: check_skills says so, and nothing more follows from it
        missing = [s for s in required if s not in skills_of.get(role, [])]
        if missing:
            yield src.problem(
                path,
                f"role '{role}' cannot do demand '{demand}': it lacks skills {', '.join(missing)}",
                "Remove the entry, or give the role the skills (roles.ROLE.skills).",
                at_key=True,
            )
        elif raw.is_node(_mapping(raw.demands[demand]).get("origin")) and demand not in users.get(name, []):
            yield src.problem(
                path,
                f"demand '{demand}' never passes node '{name}'",
                f"Demands that can use '{name}': {', '.join(sorted(users.get(name, []))) or 'none'}.",
                at_key=True,
            )


def _skills_of(raw: Raw) -> dict[str, list[str]]:
    """Each role's skills as written (names only)."""
    return {role: _names(_mapping(spec).get("skills")) for role, spec in raw.roles.items()}


def check_skills(raw: Raw, src: SourceMap) -> Iterator[Problem]:
    """A skill a demand requires is some role's; and each demand keeps an origin -> sink walk once the
    nodes where no role has its skills are left out (docs/model.md, Skills)."""
    skills_of = _skills_of(raw)
    known = sorted({skill for skills in skills_of.values() for skill in skills})
    finder: PathFinder | None = None
    for name, demand in raw.demands.items():
        demand = _mapping(demand)
        required = _names(demand.get("skills"))
        if not required:
            continue
        unknown = [(i, skill) for i, skill in enumerate(required) if skill not in known]
        for i, skill in unknown:
            hint = closest(skill, known) if known else "No role has skills: give roles `skills`."
            yield src.problem(("demands", name, "skills", i), f"no role has skill '{skill}'", hint)
        if not unknown:
            finder = finder or PathFinder(_graph(raw), raw.stage_of)
            yield from _skilled_walk(raw, src, finder, name, demand, required, skills_of)


def _graph(raw: Raw) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(raw.nodes)
    graph.add_edges_from((s, t) for _, s, t in raw.valid_arcs())
    return graph


def _skilled_walk(
    raw: Raw,
    src: SourceMap,
    finder: PathFinder,
    name: str,
    demand: dict,
    required: list[str],
    skills_of: dict[str, list[str]],
) -> Iterator[Problem]:
    """A located problem at the demand's `skills` when no origin -> sink walk is left without the nodes
    where no role has its skills, naming those nodes of its walks and their roles. Skipped where the
    walk is broken anyway (check_paths reports that)."""
    origin, sinks, stages = demand.get("origin"), _names(demand.get("sinks")), demand.get("stages")
    if not raw.is_node(origin) or not sinks or any(s not in raw.nodes for s in sinks):
        return
    if stages is not None and not (_names(stages) and all(s in raw.stages for s in _names(stages))):
        return
    staged = _names(stages) if stages is not None else None
    nodes, _ = finder.nodes_and_arcs(origin, sinks, staged)
    if not set(sinks) & set(nodes):
        return  # no walk even without skills: check_paths says why
    roles_at = {n: list(_mapping(_mapping(raw.nodes[n]).get("work"))) for n in nodes}
    without = unskilled_nodes(required, roles_at, skills_of)
    skilled, _ = finder.nodes_and_arcs(origin, sinks, staged, without)
    if set(sinks) & set(skilled):
        return
    blocking = [n for n in nodes if n in without]
    where = "; ".join(f"no role at {n} has them (roles: {', '.join(roles_at[n])})" for n in blocking)
    yield src.problem(
        ("demands", name, "skills"),
        f"demand {name} needs skills {', '.join(required)}; {where}",
        "Give a role at those nodes the skills (roles.ROLE.skills), add a role that has them to the "
        "node's work, or route the demand through a node that has one.",
    )


REWORK_KEYWORDS = ("same", "origin")
"""`rework.to` values that are not node names: redone at the node itself, or from the demand's origin."""


def _reworks(raw: Raw) -> Iterator[tuple[str, tuple, dict]]:
    """(node, path of the `rework` entry, the entry) of every node and work entry with a `rework` mapping."""
    for name, node in raw.nodes.items():
        node = _mapping(node)
        if isinstance(node.get("rework"), dict):
            yield name, ("nodes", name, "rework"), node["rework"]
        for role, work in _mapping(node.get("work")).items():
            work = _mapping(work)
            if isinstance(work.get("rework"), dict):
                yield name, ("nodes", name, "work", role, "rework"), work["rework"]


def check_site_loops(raw: Raw, src: SourceMap) -> Iterator[Problem]:
    """A decided site (`open: decide`) without `capacity` or `capacity_levels` must not lie on a loop of
    the hand-offs some demand may use, nor be reached again through rework done on such a loop: a unit
    may then pass it any number of times, and no volume bounds what it processes while open (M[n],
    docs/model.md, Sites)."""
    decided = [
        name
        for name, node in raw.nodes.items()
        if _mapping(node).get("open") == "decide"
        and "capacity" not in _mapping(node)
        and "capacity_levels" not in _mapping(node)
    ]
    if not decided:
        return
    graph = nx.DiGraph()
    graph.add_nodes_from(raw.nodes)
    graph.add_edges_from((s, t) for _, s, t in raw.valid_arcs())
    finder = PathFinder(graph, raw.stage_of)
    found: dict[str, tuple[str, list[str]]] = {}
    for d, demand in raw.demands.items():
        demand = _mapping(demand)
        origin, sinks, stages = demand.get("origin"), _names(demand.get("sinks")), demand.get("stages")
        if not raw.is_node(origin) or (stages is not None and not _names(stages)):
            continue
        nodes, arcs = finder.nodes_and_arcs(
            origin, [s for s in sinks if s in raw.nodes], _names(stages) if stages is not None else None
        )
        reworks = [
            (name, origin if to == "origin" else name if to == "same" else to, 1.0)
            for name, _, rework in _reworks(raw)
            if name in nodes
            for to in [rework.get("to", "same")]
            if isinstance(to, str)
        ]
        for name in decided:
            if name in nodes and name not in found:
                _, loop = most_passes(arcs, reworks, name)
                if loop is not None:
                    found[name] = (d, loop)
    for name, (d, loop) in found.items():
        where = "" if loop[0] == name else f", whose node '{loop[0]}' sends units done wrong back through it"
        yield src.problem(
            ("nodes", name, "open"),
            f"a site decided on a loop needs a `capacity` (or capacity_levels): units of demand '{d}' may "
            f"pass it more than once, on the loop {' -> '.join(loop)}{where}, so no volume bounds what it "
            "processes while open",
            "Give the node a capacity (the most units it can process in a period), or capacity_levels.",
        )


def check_rework(raw: Raw, src: SourceMap) -> Iterator[Problem]:
    """`rework.to` names a node (or `same`, `origin`) that every demand passing the node can use, so
    that no unit done wrong is lost; a node with `stock` does not rework (orders filled from stock
    made earlier are not redone). A reworking mode does some units right: quality > 0 (the schema's)."""
    found = list(_reworks(raw))
    if not found:
        return
    users = _users_by_node(raw)
    for name, path, rework in found:
        if "stock" in _mapping(raw.nodes[name]):
            yield src.problem(
                path,
                "a node with `stock` cannot rework its units",
                "Orders may be filled from stock made earlier: remove `stock` or `rework`.",
                at_key=True,
            )
        to = rework.get("to", "same")
        if not isinstance(to, str) or to in REWORK_KEYWORDS:
            continue
        if to not in raw.nodes:
            yield src.problem((*path, "to"), f"unknown node '{to}'", closest(to, [*REWORK_KEYWORDS, *raw.nodes]))
            continue
        cannot = [d for d in users.get(name, []) if d not in users.get(to, [])]
        if cannot:
            yield src.problem(
                (*path, "to"),
                f"the units done wrong would go back to '{to}', which cannot be used by "
                f"{_count(len(cannot), 'demand')} passing '{name}': {', '.join(sorted(cannot))}",
                "Send them to a node on the way of every demand passing this node: `same`, `origin`, or an "
                "earlier node they all pass.",
            )


def check_overflow_users(raw: Raw, src: SourceMap) -> Iterator[Problem]:
    """A queue's `overflow` must be usable by every demand that can pass its node, so that every
    unit it loses has somewhere to go (docs/model.md, Abandonment and loss)."""
    queues = [
        (name, _mapping(_mapping(node).get("queue")))
        for name, node in raw.nodes.items()
        if isinstance(_mapping(_mapping(node).get("queue")).get("overflow"), str)
    ]
    if not queues:
        return
    users = _users_by_node(raw)
    for name, queue in queues:
        to = queue["overflow"]
        if to == name or to not in raw.nodes:
            continue  # check_queues names it
        cannot = [d for d in users.get(name, []) if d not in users.get(to, [])]
        if cannot:
            yield src.problem(
                ("nodes", name, "queue", "overflow"),
                f"the units the queue loses would go to '{to}', which cannot be used by "
                f"{_count(len(cannot), 'demand')} passing '{name}': {', '.join(sorted(cannot))}",
                "Name a node on the way of every demand passing this node (an arc to it, and a way on to a "
                "sink), or leave overflow out: the units lost are then unmet.",
            )


def _rule_names(raw: Raw, key: str) -> tuple[str, list[str]]:
    """The noun and the names a filter `key` may name, from the raw scenario."""
    demands = {name: _mapping(spec) for name, spec in raw.demands.items()}
    if key.startswith(rulespec.LABEL):
        label = key[len(rulespec.LABEL) :]
        values = {v for spec in demands.values() for k, v in _mapping(spec.get("labels")).items() if k == label}
        return f"value of label {label}", sorted(str(v) for v in values)
    periods = raw.meta.get("periods", 1)
    known = {
        "demand": ("demand", list(demands)),
        "segment": ("segment", sorted({str(s["segment"]) for s in demands.values() if "segment" in s})),
        "node": ("node", list(raw.nodes)),
        "from": ("node", list(raw.nodes)),
        "to": ("node", list(raw.nodes)),
        "role": ("role", list(raw.roles)),
        "stage": ("stage", raw.stages),
        "arc": ("arc", [f"{arc.get('from')}->{arc.get('to')}" for arc in raw.arcs]),
        "category": ("cost category", list(rulespec.CATEGORIES)),
        "period": (
            "period",
            [f"P{i + 1}" for i in range(raw.period_count or 0)]
            if not isinstance(periods, list)
            else [str(p) for p in periods],
        ),
    }
    return known[key]


def _filter_problems(raw: Raw, src: SourceMap, path: tuple, quantity: Any, where: Any) -> Iterator[Problem]:
    """A `where:` mapping's problems: a key the quantity does not allow, an unknown name, a pattern
    that matches no name. Where the quantity is unknown (the schema reports it), the keys some
    quantity allows are still checked against the names, and the others are unknown filters."""
    known = quantity in rulespec.FILTERS
    found = 0
    for key, value in _mapping(where).items():
        at = (*path, "where", key)
        if not known and not rulespec.known_filter(str(key)):
            found += 1
            yield src.problem(
                at,
                f"unknown filter '{key}'",
                _or_filters(
                    str(key), rulespec.ALL_FILTERS, "Filters: " + ", ".join(rulespec.ALL_FILTERS) + ", label.NAME."
                ),
                at_key=True,
            )
            continue
        if known and not rulespec.allows(quantity, str(key)):
            found += 1
            yield src.problem(
                at,
                f"filter '{key}' does not apply to {quantity}",
                _or_filters(
                    str(key),
                    rulespec.FILTERS[quantity],
                    f"Filters of {quantity}: {rulespec.allowed_filters(quantity)}.",
                ),
                at_key=True,
            )
            continue
        noun, names = _rule_names(raw, str(key))
        if str(key).startswith(rulespec.LABEL) and not names:
            label = str(key)[len(rulespec.LABEL) :]
            found += 1
            yield src.problem(
                at, f"no demand has the label '{label}'", "Labels are given per demand, under `labels:`.", at_key=True
            )
            continue
        items = [(at, value)] if not isinstance(value, list) else [((*at, i), v) for i, v in enumerate(value)]
        for place, pattern in items:
            if not isinstance(pattern, str):
                continue  # the schema refuses it
            if rulespec.has_wildcard(pattern):
                if not any(fnmatch.fnmatchcase(name, pattern) for name in names):
                    found += 1
                    like = rulespec.pattern_like(pattern, names)
                    hint = (
                        f"Did you mean '{like[0]}'? It matches {_some(like[1])}." if like else closest(pattern, names)
                    )
                    yield src.problem(place, f"'{pattern}' matches no {noun}", hint)
            elif pattern not in names:
                found += 1
                yield src.problem(place, f"unknown {noun} '{pattern}'", closest(pattern, names))
    together = _selects_nothing(raw, quantity, _mapping(where)) if known and not found and where else None
    if together is not None:
        yield src.problem(
            (*path, "where"),
            f"the filters {together} together select no {quantity} to sum: a rule over nothing",
            "Each matches a name alone, but nothing has them all (a role that does not work at those nodes, "
            "an arc that does not end in that stage, ...).",
        )


def _some(names: list[str], shown: int = 5) -> str:
    """The first names of a list, and how many there are when some are left out."""
    more = f", ... ({len(names)} in all)" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _or_filters(key: str, filters: tuple[str, ...], listed: str) -> str:
    """'Did you mean ...?' for a misspelt filter key, before the list of the filters allowed."""
    match = difflib.get_close_matches(key, filters, n=1, cutoff=0.6)
    return f"Did you mean '{match[0]}'? {listed}" if match else listed


def _places(raw: Raw, quantity: str) -> list[dict[str, str | None]]:
    """Where a quantity's terms can be, by the filters that say where: each node's modes (node, role,
    stage; a node without work has one mode without a role), each (node, role) of a work entry, or
    each arc (arc, from, to, stage of its receiving node)."""
    if quantity == "flow":
        return [
            {"arc": f"{source}->{target}", "from": source, "to": target, "stage": raw.stage_of(target)}
            for _, source, target in raw.valid_arcs()
        ]
    found: list[dict[str, str | None]] = []
    for name, node in raw.nodes.items():
        work = list(_mapping(_mapping(node).get("work")))
        roles: list[str | None] = list(work) if work or quantity in ("fte", "overtime", "hours") else [None]
        found += [{"node": name, "role": role, "stage": raw.stage_of(name)} for role in roles]
    return found


def _matches(value: str | None, patterns: Any) -> bool:
    wanted = [patterns] if isinstance(patterns, str) else [p for p in patterns if isinstance(p, str)]
    return value is not None and any(fnmatch.fnmatchcase(value, p) for p in wanted)


def _selects_nothing(raw: Raw, quantity: str, where: dict) -> str | None:
    """Which filters select nothing together, though each matches a name alone (a rule over nothing):
    no place has all the place filters' values, or no demand all the demand filters'. None when
    something is selected (or for `cost`, whose terms are of many kinds)."""
    if quantity == "cost":
        return None
    place_keys = [k for k in where if k in ("node", "role", "stage", "arc", "from", "to")]
    if place_keys and not any(
        all(_matches(place.get(k), where[k]) for k in place_keys) for place in _places(raw, quantity)
    ):
        return ", ".join(place_keys)
    demand_keys = [k for k in where if k in ("demand", "segment") or str(k).startswith(rulespec.LABEL)]
    demands = {name: _mapping(spec) for name, spec in raw.demands.items()}

    def value(name: str, spec: dict, key: str) -> str | None:
        if key == "demand":
            return name
        if key == "segment":
            return spec.get("segment")
        return _mapping(spec.get("labels")).get(str(key)[len(rulespec.LABEL) :])

    if demand_keys and not any(
        all(_matches(value(name, spec, k), where[k]) for k in demand_keys) for name, spec in demands.items()
    ):
        return ", ".join(demand_keys)
    return None


def check_rules(raw: Raw, src: SourceMap) -> Iterator[Problem]:
    """Each business rule: exactly one comparison, a share that is not negative, and filters that
    apply to its quantity and name what the scenario has."""
    for name, rule in _mapping(raw.data.get("rules")).items():
        rule = _mapping(rule)
        path = ("rules", name)
        given = [field for field in rulespec.SENSES if rule.get(field) is not None]
        if len(given) != 1:
            message = (
                "a rule needs one of at_most, at_least, equal"
                if not given
                else f"a rule gives one of at_most, at_least, equal, not {' and '.join(given)}"
            )
            yield src.problem(
                path, message, "Write the comparison as `at_most: 0.3`, `at_least: 10` or `equal: 0`.", at_key=True
            )
        of = rule.get("of")
        for field in given:
            value = _number(rule.get(field))
            if of is not None and value is not None and value < 0:
                yield src.problem(
                    (*path, field),
                    f"a share cannot be negative: {value:g}",
                    "With `of`, the number is a share of the `of` sum (0.3 is 30%).",
                )
        yield from _filter_problems(raw, src, path, rule.get("sum"), rule.get("where"))
        if isinstance(of, dict):
            yield from _filter_problems(raw, src, (*path, "of"), of.get("sum"), of.get("where"))


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
    check_sites,
    check_arc_ends,
    check_demand_names,
    check_former_names,
    check_volumes,
    check_interval_figures,
    check_interval_span,
    check_shifts,
    check_stock_keys,
    check_paths,
    check_stock_users,
    check_rework,
    check_overflow_users,
    check_site_loops,
    check_rules,
    check_label_names,
    check_hours_by_demand,
    check_skills,
]


# The sections whose names each check looks up: where such a section is missing (often misspelt),
# every name would be "unknown", dozens of knock-on problems of one mistake the schema reports.
READS: dict[Check, tuple[str, ...]] = {
    check_stage_names: ("stages",),
    check_role_names: ("roles",),
    check_arc_ends: ("nodes",),
    check_demand_names: ("nodes", "stages"),
    check_volumes: ("scenario",),
    check_interval_figures: ("demands",),
    check_shifts: ("roles",),
    check_stock_keys: ("demands",),
    check_paths: ("arcs",),  # without the arcs, no sink is reachable
    check_stock_users: ("arcs",),
    check_rework: ("arcs",),
    check_overflow_users: ("arcs",),
    check_site_loops: ("arcs", "nodes", "demands"),
    check_rules: ("nodes", "demands", "stages"),
    check_hours_by_demand: ("demands", "arcs"),
    check_skills: ("roles", "arcs"),
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
