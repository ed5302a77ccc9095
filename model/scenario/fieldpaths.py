"""Field path patterns over plain scenario data: `roles.*.cost_per_fte`, `arcs.plant_a->dc_north.cost`.

A pattern is a dotted path; each segment is a name or a wildcard (`*` matches any run of characters
within one segment, so `repairs_*` and `*->partner_south` work). Mappings are addressed by key;
the lists of mappings by a key: `arcs` by each arc's `FROM->TO`, a queue's `lanes` by each lane's
name (`nodes.field_team.queue.lanes.express.target.average_wait`). Other lists (volumes, sinks) are
leaves. Matching walks the data segment by segment, so its cost is that of the parts it visits,
not of the whole scenario, and an unmatched segment is known exactly, for a useful suggestion.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from model.scenario.loader import FieldPath, _allowed_fields, _schema_model_at


class _Absent:
    """A field the schema allows that the data does not give (it may be set, not changed)."""

    def __repr__(self) -> str:
        return "absent"


ABSENT = _Absent()


@dataclass(frozen=True)
class Match:
    """One concrete field a pattern reaches: where it is in the data, how it is shown, its value."""

    path: FieldPath  # through the data, arcs by position
    shown: tuple[str, ...]  # as a user writes it, arcs by FROM->TO
    value: Any  # ABSENT when the data does not give it

    @property
    def dotted(self) -> str:
        return ".".join(self.shown)


@dataclass(frozen=True)
class Failure:
    """Where a pattern stopped matching: the segment, and the fields it was looked for in."""

    depth: int
    parents: list[Match]


def arc_key(arc: Any) -> str:
    return f"{arc.get('from')}->{arc.get('to')}" if isinstance(arc, dict) else ""


def segments_of(pattern: str) -> list[str]:
    return pattern.strip().split(".")


def has_wildcard(pattern: str) -> bool:
    return "*" in pattern


def _matcher(segment: str) -> Callable[[str], bool] | None:
    """A test for a wildcard segment; None for a plain name, which is looked up directly."""
    if "*" not in segment:
        return None
    regex = re.compile(".*".join(re.escape(part) for part in segment.split("*")), re.DOTALL)
    return lambda name: regex.fullmatch(name) is not None


def children(node: Any, path: FieldPath) -> Iterator[tuple[str | int, str, Any]]:
    """(key in the data, key as shown, value) of each addressable child of a field."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, str(key), value
    elif isinstance(node, list) and path == ("arcs",):
        for index, arc in enumerate(node):
            if isinstance(arc, dict):
                yield index, arc_key(arc), arc
    elif isinstance(node, list) and len(path) == 4 and path[0] == "nodes" and path[2:] == ("queue", "lanes"):
        for index, lane in enumerate(node):
            if isinstance(lane, dict):
                yield index, str(lane.get("name")), lane
    elif isinstance(node, list) and len(path) == 3 and path[0] == "nodes" and path[2] == "capacity_levels":
        for index, level in enumerate(node):  # by number from 1, as the sites table names levels
            if isinstance(level, dict):
                yield index, str(index + 1), level


def _child(node: Any, path: FieldPath, name: str) -> tuple[str | int, Any] | None:
    if isinstance(node, dict):
        return (name, node[name]) if name in node else None
    for key, shown, value in children(node, path):
        if shown == name:
            return key, value
    return None


def settable(path: FieldPath, name: str) -> bool:
    """Whether the schema has a field `name` at `path` that may be added (never a new node, role, demand)."""
    model = _schema_model_at(path)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return False
    return name in _allowed_fields(path)


def expand(data: Any, segments: list[str]) -> tuple[list[Match], Failure | None]:
    """Every field a pattern reaches, including absent fields it names exactly; or where it failed."""
    frontier = [Match((), (), data)]
    for depth, segment in enumerate(segments):
        test = _matcher(segment)
        reached: list[Match] = []
        for parent in frontier:
            reached.extend(_step(parent, segment, test))
        if not reached:
            return [], Failure(depth, frontier)
        frontier = reached
    return frontier, None


def _step(parent: Match, segment: str, test: Callable[[str], bool] | None) -> Iterator[Match]:
    if test is not None:
        if parent.value is not ABSENT:
            for key, shown, value in children(parent.value, parent.path):
                if test(shown):
                    yield _match(parent, key, shown, value)
        return
    found = None if parent.value is ABSENT else _child(parent.value, parent.path, segment)
    if found is not None:
        yield _match(parent, found[0], segment, found[1])
    elif (isinstance(parent.value, dict) or (parent.value is ABSENT and len(parent.path) == 1)) and settable(
        parent.path, segment
    ):
        # A field the data leaves out may be set; inside a section the data leaves out, only in a
        # top-level one (solver): an override never adds a node's rework, stock or queue, or a
        # role's overtime, which would change the model behind a figure's change.
        yield Match((*parent.path, segment), (*parent.shown, segment), ABSENT)


def _match(parent: Match, key: str | int, shown: str, value: Any) -> Match:
    return Match((*parent.path, key), (*parent.shown, shown), ABSENT if value is None else value)


def names_at(parents: list[Match], limit: int = 200) -> list[str]:
    """The names a failed segment could have been: keys present and fields the schema allows there."""
    names: dict[str, None] = {}
    for parent in parents[:limit]:
        if parent.value is not ABSENT:
            names.update((shown, None) for _, shown, _ in children(parent.value, parent.path))
        names.update((name, None) for name in _allowed_fields(parent.path))
    return list(names)


def suggestions(data: Any, segments: list[str], failure: Failure, budget: int = 2) -> list[str]:
    """Close patterns that do match, by correcting the failed segment (and, within budget, later ones)."""
    found: list[str] = []
    names = names_at(failure.parents)
    for name in difflib.get_close_matches(segments[failure.depth], names, n=3, cutoff=0.6):
        trial = [*segments[: failure.depth], name, *segments[failure.depth + 1 :]]
        _, again = expand(data, trial)
        if again is None:
            found.append(".".join(trial))
        elif budget > 0:
            found.extend(suggestions(data, trial, again, budget - 1))
    return list(dict.fromkeys(found))[:3]


def _absent_sections(failure: Failure) -> list[Match]:
    """The failed segment's parents when every one is a section the data leaves out (a node's rework)."""
    parents = failure.parents
    return parents if parents and all(p.value is ABSENT for p in parents) else []


def _owner(shown: tuple[str, ...]) -> str:
    """Whose section it is, in words: node vendor, role junior, work op of node plant."""
    if len(shown) == 2 and shown[0] in ("nodes", "roles", "demands"):
        return f"{shown[0][:-1]} {shown[1]}"
    if len(shown) == 4 and shown[0] == "nodes" and shown[2] == "work":
        return f"work {shown[3]} of node {shown[1]}"
    return f"'{'.'.join(shown)}'"


def _mode_rework(data: Any, segments: list[str], failure: Failure) -> str:
    """For `nodes.N.rework...` on a node whose rework is on its work modes: where to address it instead."""
    absent = _absent_sections(failure)
    if len(absent) != 1 or absent[0].shown[-1] != "rework" or len(absent[0].shown) != 3:
        return ""
    node = absent[0].shown[1]
    work = (data.get("nodes") or {}).get(node, {}).get("work") if isinstance(data, dict) else None
    modes = (
        [m for m, mode in work.items() if isinstance(mode, dict) and "rework" in mode] if isinstance(work, dict) else []
    )
    if not modes:
        return ""
    rest = ".".join(segments[failure.depth :])
    places = " and ".join(f"nodes.{node}.work.{m}.rework" + (f".{rest}" if rest else "") for m in modes)
    entries = "entry" if len(modes) == 1 else "entries"
    return f"node {node}'s rework is on its work {entries} {', '.join(modes)}: {places}"


def unmatched_hint(data: Any, segments: list[str], failure: Failure) -> str:
    """'Did you mean ...?' with whole paths, or what the failed segment may be."""
    on_modes = _mode_rework(data, segments, failure)
    if on_modes:
        return on_modes
    absent = _absent_sections(failure)
    if absent:
        section = absent[0].shown[-1]
        others = " (and the others)" if len(absent) > 1 else ""
        return (
            f"An override changes what the scenario gives; it does not add a '{section}' section, which "
            f"would change the model: write '{section}:' under {_owner(absent[0].shown[:-1])}{others} in the file."
        )
    close = suggestions(data, segments, failure)
    if close:
        return "Did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    where = ".".join(segments[: failure.depth])
    names = sorted(names_at(failure.parents))
    if not names:
        return f"'{where}' has nothing to address below it."
    shown = ", ".join(names[:12]) + (f", ... ({len(names)} in all)" if len(names) > 12 else "")
    return f"Under '{where}': {shown}." if where else f"The scenario's sections: {shown}."


def unmatched_message(segments: list[str], failure: Failure, data: Any = None) -> str:
    segment = segments[failure.depth]
    where = ".".join(segments[: failure.depth])
    if not where:
        return f"matches nothing: the scenario has no section '{segment}'"
    if _mode_rework(data, segments, failure):
        return f"matches nothing: node {segments[1]} has no rework of its own"
    absent = _absent_sections(failure)
    if len(absent) == 1:
        return f"matches nothing: {_owner(absent[0].shown[:-1])} has no {absent[0].shown[-1]}: add one in the file"
    if absent:
        owners = ", ".join(_owner(p.shown[:-1]) for p in absent[:3]) + (", ..." if len(absent) > 3 else "")
        section = absent[0].shown[-1]
        return f"matches nothing: none of the {len(absent)} matched ({owners}) has a {section}: add one in the file"
    several = len(failure.parents) > 1
    scope = f"any of {len(failure.parents)} fields '{where}'" if several else f"'{failure.parents[0].dotted}'"
    return f"matches nothing: there is no '{segment}' in {scope}"
