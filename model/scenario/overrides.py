"""What-if overrides: change numbers, remove nodes, arcs or demands, without copying the scenario.

An override file names its base and says what differs:

    extends: appliance-co.yaml          # relative to this file, inside this file's folder tree
    set:
      roles.technician.cost_per_fte: "+5%"
      demands.*.max_mean_response_time: "*1.2"
    remove: [nodes.partner_north]

and the command line adds `--set 'path=value'` (applied after the file's). Paths and wildcards are
described in fieldpaths.py, values in operations.py. Removals run before the `set:` entries of the
same file (a `set:` on a removed node is an error, not a silent no-op): demands first, then nodes
(with their arcs, and dropped from demands' sinks), then arcs.

`apply_overrides` works on already parsed data, so a sweep can apply many variants to one parse;
it copies only the containers on the paths it changes and shares the rest with its input, which it
never modifies. `resolve` reads a file (and its chain of `extends`), applies everything, validates,
and returns what a run folder needs to reproduce the result.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from model.errors import Problem, ScenarioError
from model.scenario.fastyaml import NotPlain, plain_text
from model.scenario.fieldpaths import (
    ABSENT,
    Match,
    arc_key,
    expand,
    has_wildcard,
    segments_of,
    unmatched_hint,
    unmatched_message,
)
from model.scenario.loader import (
    FieldPath,
    SourceMap,
    _field_doc,
    closest,
    decode,
    parse_yaml,
    read_file,
    validate_data,
)
from model.scenario.located import OverriddenSource, split_origin
from model.scenario.operations import CHOICES, GRAMMAR, WORDS, choice, is_numeric, parse_value
from model.scenario.schema import CURRENT_NAMES, Scenario, with_current_names

EXTENDS_FIELDS = ("extends", "set", "remove")
REMOVABLE = ("demands", "nodes", "arcs")  # also the order removals run in


@dataclass(frozen=True)
class Override:
    """One `path: value` entry: a field path (wildcards allowed) and a number or a change of it."""

    path: str
    value: (
        str | float | int | bool | list[float | int] | list[str]
    )  # a list of numbers replaces a per-period field; of names, skills; a boolean sets a flag
    origin: str  # where it was written: "whatif.yaml:7", or "--set"


@dataclass(frozen=True)
class Removal:
    """One `remove:` entry: nodes.NAME, arcs.FROM->TO, demands.NAME or nodes.NAME.queue (wildcards allowed)."""

    path: str
    origin: str = "remove"


@dataclass(frozen=True)
class Change:
    """One concrete field an override changed (new is None: removed), kept for the run folder."""

    path: str  # concrete, no wildcard; arcs as arcs.FROM->TO
    old: object  # None when the field was absent
    new: object  # None when it was removed
    override: str  # the pattern that caused it
    origin: str = ""  # where that pattern was written
    value: object = ""  # the override's value as written ("+5%", 12), or "removed"


@dataclass
class Resolved:
    """A scenario file resolved through its `extends` chain and overrides, validated: what `resolve`
    returns. Solve `scenario` (`model.optimise(resolved.scenario, source=resolved.source)`) and give
    the Resolved itself to `model.write_run`, which records the resolved scenario, its overrides and
    its input files as `e2eopt solve` does."""

    scenario: Scenario
    source: SourceMap
    text: bytes  # the input bytes when nothing was overridden; else the resolved scenario as YAML
    changes: list[Change]
    inputs: dict[str, bytes] = field(default_factory=dict)  # each file read, by path relative to the first
    data: dict = field(default_factory=dict)  # the resolved scenario as plain data, as validated
    file: str = ""  # the file as given to `resolve`

    def __repr__(self) -> str:  # not the scenario's data, the YAML text or the input files' bytes
        return (
            f"Resolved(file={self.file!r}, scenario={self.scenario.name!r}, changes={len(self.changes)}, "
            f"inputs=[{', '.join(self.inputs)}])"
        )


def parse_assignment(text: str, origin: str = "--set") -> Override:
    """`path=value` from the command line; the value is checked now, so a typo fails before any work."""
    path, equals, value = text.partition("=")
    if not equals or not path.strip():
        raise ScenarioError(
            [
                _problem(
                    origin,
                    "",
                    f"'{text}' is not path=value",
                    "For example: --set 'roles.technician.cost_per_fte=*1.05'.",
                )
            ]
        )
    return override_of(path, value, origin)


def override_of(path: str, value: Any, origin: str = "--set") -> Override:
    """One override from its path and value (text as typed, or a number or list from a file or a
    request); the value is checked now. A word for a field that takes one (operations.CHOICES); a
    change, and a negative number set ('=-20'), kept as typed so the record tells them apart."""
    path = path.strip()
    try:
        word = choice(path, value)
    except ValueError as error:
        raise ScenarioError([_problem(origin, path, str(error))]) from None
    if word is not None:
        return Override(path, word, origin)
    if isinstance(value, str) and value.strip() in WORDS:  # a choice's word for a figure: refused once matched
        return Override(path, value.strip(), origin)
    try:
        operation = parse_value(value.strip() if isinstance(value, str) else value)
    except ValueError as error:
        raise ScenarioError([_problem(origin, path, str(error), GRAMMAR)]) from None
    absolute = operation.absolute  # a number for "=" (not relative), None for a change
    if isinstance(value, str) and (absolute is None or (isinstance(absolute, (int, float)) and absolute < 0)):
        # A change as typed; and "=-20" keeps its "=": recorded as -20 it would read as "lower by 20"
        # (summary.json, the run folder's name), a different scenario when typed again.
        return Override(path, "".join(value.split()), origin)
    return Override(path, absolute if absolute is not None else value, origin)


def apply_overrides(
    data: dict, overrides: Sequence[Override], removals: Sequence[str | Removal] = (), source: SourceMap | None = None
) -> tuple[dict, list[Change]]:
    """The data with removals, then overrides, applied in order; and every field changed.

    `data` is not modified; the result shares its unchanged parts. Every problem is reported at
    once (ScenarioError), located at the override that caused it; `source` (the base file's) adds
    where a demand left without a path is defined. Whether the new values are valid (a negative
    cost after "-3") is for validate_data to say.
    """
    if not isinstance(data, dict):
        raise ScenarioError([Problem(source.file if source else "", 1, 1, "", "a scenario is a mapping of sections")])
    # A field written under its former name is changed by an override by the documented one.
    draft = _Draft(with_current_names(data) if overrides else data)
    changes: list[Change] = []
    problems: list[Problem] = []
    entries = [r if isinstance(r, Removal) else Removal(str(r)) for r in removals]
    for removal in sorted(entries, key=lambda r: _kind_order(r.path)):
        problems.extend(_remove(draft, removal, changes, source))
    for override in overrides:
        problems.extend(_override(draft, _by_current_name(override), changes))
    if problems:
        raise ScenarioError(problems)
    return draft.root, changes


def _by_current_name(override: Override) -> Override:
    """The override with a field's former name (schema.FORMER_NAMES) in its path read as the current
    one: what-if files and sweeps written before a rename go on working."""
    segments = override.path.split(".")
    if not CURRENT_NAMES.keys() & set(segments):
        return override
    return replace(override, path=".".join(CURRENT_NAMES.get(segment, segment) for segment in segments))


class _Draft:
    """Copy-on-write data: each container on a changed path is copied once; the input stays as it was."""

    def __init__(self, data: dict) -> None:
        self.root = dict(data)
        self._own: dict[int, Any] = {id(self.root): self.root}  # holding them keeps their ids unique

    def container(self, path: FieldPath) -> Any:
        """The container at `path`, owned by the draft; absent sections (the schema's) are created."""
        node = self.root
        for key in path:
            if isinstance(node, dict) and node.get(key) is None:
                node[key] = self._adopt({})
            child = node[key]
            if id(child) not in self._own:
                child = self._adopt(dict(child) if isinstance(child, dict) else list(child))
                node[key] = child
            node = child
        return node

    def set(self, path: FieldPath, value: Any) -> None:
        self.container(path[:-1])[path[-1]] = value

    def _adopt(self, container: Any) -> Any:
        self._own[id(container)] = container
        return container


def _kind_order(path: str) -> int:
    kind = segments_of(path)[0]
    return REMOVABLE.index(kind) if kind in REMOVABLE else len(REMOVABLE)


def _problem(origin: str, path: str, message: str, hint: str = "") -> Problem:
    file, line = split_origin(origin)
    return Problem(file, line, None, path, message, hint)


WORD_HINT = "Words and names go to these fields only: " + "; ".join(
    f"{path} ({', '.join(words)})" for path, words in CHOICES.items()
)


def _expanded(draft: _Draft, origin: str, path: str, segments: list[str]) -> tuple[list[Match], list[Problem]]:
    """The fields `segments` reach in the draft (fieldpaths.expand); or none and the problem saying
    where the path stopped matching, with its hint, for an override or a removal of `path`."""
    matches, failure = expand(draft.root, segments)
    if failure is None:
        return matches, []
    return [], [
        _problem(
            origin,
            path,
            unmatched_message(segments, failure, draft.root),
            unmatched_hint(draft.root, segments, failure),
        )
    ]


def _set_choice(draft: _Draft, override: Override, changes: list[Change]) -> list[Problem] | None:
    """Apply an override of a field that takes a word or a name (operations.CHOICES, wildcards
    allowed); None for any other. Whether a name is the scenario's (a node for rework.to) is for
    validation to say, as for any overridden value."""
    try:
        word = choice(override.path, override.value)
    except ValueError as error:
        return [_problem(override.origin, override.path, str(error))]
    if word is None:
        return None
    segments = segments_of(override.path)
    matches, problems = _expanded(draft, override.origin, override.path, segments)
    if problems:
        return problems
    for match in matches:
        old = None if match.value is ABSENT else match.value
        draft.set(match.path, word)
        changes.append(Change(match.dotted, old, word, override.path, override.origin, override.value))
    return []


def _override(draft: _Draft, override: Override, changes: list[Change]) -> list[Problem]:
    """Apply one override to every field it matches; or say why it cannot be."""
    chosen = _set_choice(draft, override, changes)
    if chosen is not None:
        return chosen
    if isinstance(override.value, str) and override.value.strip() in WORDS:
        return _word_for_a_figure(draft, override)
    try:
        operation = parse_value(override.value)
    except ValueError as error:
        return [_problem(override.origin, override.path, str(error), GRAMMAR)]
    segments = segments_of(override.path)
    if not all(segments):
        return [
            _problem(
                override.origin,
                override.path,
                f"'{override.path}' is not a field path",
                "A field path is names joined by dots, e.g. roles.technician.cost_per_fte.",
            )
        ]
    matches, problems = _expanded(draft, override.origin, override.path, segments)
    if problems:
        return problems
    targets: list[Match] = []
    refused: list[Match] = []
    for match in matches:
        fits = (match.value is ABSENT and not operation.relative) or is_numeric(match.value)
        (targets if fits else refused).append(match)
    if refused and (not targets or not has_wildcard(override.path)):
        return [_refusal(override, refused[0], len(matches))]
    for match in targets:
        old = None if match.value is ABSENT else match.value
        new = operation.apply(old)
        draft.set(match.path, new)
        changes.append(Change(match.dotted, old, new, override.path, override.origin, override.value))
    return []


def _word_for_a_figure(draft: _Draft, override: Override) -> list[Problem]:
    """A choice's word (never, margin) for a field that takes no word: refused, naming what it holds."""
    segments = segments_of(override.path)
    matches, problems = _expanded(draft, override.origin, override.path, segments)
    if problems:
        return problems
    match = matches[0]
    held = "takes a number" if match.value is ABSENT else f"holds {_kind(match.value)}"
    return [
        _problem(
            override.origin,
            override.path,
            f"'{match.dotted}' {held}, not a choice: a word replaces only a choice",
            WORD_HINT + "; give a number for a figure.",
        )
    ]


def _refusal(override: Override, match: Match, count: int) -> Problem:
    """Why a matched field cannot take this value: it has none to change, or it is not a number."""
    several = f"none of the {count} fields it matches has a number to change; " if count > 1 else ""
    if match.value is ABSENT:
        doc = _field_doc(match.path)
        return _problem(
            override.origin,
            override.path,
            f"{several}'{match.dotted}' has no value to change: it is not given",
            f"{doc + ' ' if doc else ''}Set a number instead, e.g. '{match.dotted}=100'.",
        )
    return _problem(
        override.origin,
        override.path,
        f"{several}'{match.dotted}' holds {_kind(match.value)}, not a number",
        "Overrides change numbers: costs, times, capacities, volumes, targets, "
        "staff bounds; a list or mapping only when it holds numbers.",
    )


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, str):
        return f"the text '{value}'"
    return "a mapping" if isinstance(value, dict) else "a list" if isinstance(value, list) else repr(value)


def _remove(draft: _Draft, removal: Removal, changes: list[Change], source: SourceMap | None) -> list[Problem]:
    """Remove what one `remove:` entry matches, and what depends on it; or say why it cannot be."""
    segments = segments_of(removal.path)
    if len(segments) == 3 and segments[0] == "nodes" and segments[2] in NODE_SECTIONS and segments[1]:
        return _remove_sections(draft, segments, removal, changes)
    if len(segments) != 2 or segments[0] not in REMOVABLE or not segments[1]:
        return [
            _problem(
                removal.origin,
                removal.path,
                f"cannot remove '{removal.path}'",
                "remove takes nodes.NAME, arcs.FROM->TO, demands.NAME, nodes.NAME.queue or "
                "nodes.NAME.capacity_levels; NAME may hold wildcards (*).",
            )
        ]
    matches, problems = _expanded(draft, removal.origin, removal.path, segments)
    if problems:
        return problems
    names = [m.shown[1] for m in matches]
    if segments[0] == "demands":
        _remove_demands(draft, names, removal, changes)
        return []
    if segments[0] == "arcs":
        _drop_arcs(draft, lambda arc: arc_key(arc) in names, removal, changes)
        return []
    return _remove_nodes(draft, names, removal, changes, source)


NODE_SECTIONS = {
    "queue": "a queue",
    "capacity_levels": "capacity levels",
}
"""The sections of a node that `remove:` takes away: without its queue a node's staff follow from its
hours alone and its wait is `wait_time` again (0 unless set); without its levels a site has no
capacity to choose (unlimited, unless a `capacity` is set after the removal)."""


def _remove_sections(draft: _Draft, segments: list[str], removal: Removal, changes: list[Change]) -> list[Problem]:
    """Remove a section (NODE_SECTIONS) from the nodes `segments` match."""
    matches, problems = _expanded(draft, removal.origin, removal.path, segments)
    if problems:
        return problems
    present = [m for m in matches if m.value is not ABSENT]
    if not present:
        return [
            _problem(
                removal.origin,
                removal.path,
                f"no {segments[2]} to remove at '{removal.path}'",
                f"remove nodes.NAME.{segments[2]} takes nodes that have {NODE_SECTIONS[segments[2]]}.",
            )
        ]
    for match in present:
        node, section = match.shown[1], segments[2]
        changes.append(_removed(f"nodes.{node}.{section}", draft.container(("nodes", node)).pop(section), removal))
    return []


def _removed(path: str, old: Any, removal: Removal) -> Change:
    return Change(path, old, None, removal.path, removal.origin, "removed")


def _cascaded(path: str, old: Any, new: Any, removal: Removal) -> Change:
    return Change(path, old, new, removal.path, removal.origin, "removed")


def _remove_demands(draft: _Draft, names: list[str], removal: Removal, changes: list[Change]) -> None:
    """Remove demands, and their names from stock settings, which may list demands."""
    demands = draft.container(("demands",))
    for name in names:
        changes.append(_removed(f"demands.{name}", demands.pop(name), removal))
    gone = set(names)
    for node, body in list(_section(draft.root, "nodes").items()):
        stock = body.get("stock") if isinstance(body, dict) else None
        if not isinstance(stock, dict):
            continue
        for key in ("demands", "initial", "final_min"):
            old = stock.get(key)
            if isinstance(old, list) and any(d in gone for d in old if isinstance(d, str)):
                new: Any = [d for d in old if d not in gone]
            elif isinstance(old, dict) and gone.intersection(old):
                new = {d: v for d, v in old.items() if d not in gone}
            else:
                continue
            draft.set(("nodes", node, "stock", key), new)
            changes.append(_cascaded(f"nodes.{node}.stock.{key}", old, new, removal))


def _drop_arcs(draft: _Draft, doomed: Any, removal: Removal, changes: list[Change]) -> None:
    arcs = draft.root.get("arcs")
    if not isinstance(arcs, list):
        return
    kept = [arc for arc in arcs if not (isinstance(arc, dict) and doomed(arc))]
    if len(kept) == len(arcs):
        return
    changes.extend(
        _removed(f"arcs.{arc_key(arc)}", arc, removal) for arc in arcs if isinstance(arc, dict) and doomed(arc)
    )
    draft.set(("arcs",), kept)


def _remove_nodes(
    draft: _Draft, names: list[str], removal: Removal, changes: list[Change], source: SourceMap | None
) -> list[Problem]:
    """Remove nodes with their arcs; drop them from demands' sinks. A demand left without a path is an error."""
    nodes = draft.container(("nodes",))
    for name in names:
        changes.append(_removed(f"nodes.{name}", nodes.pop(name), removal))
    gone = set(names)
    _drop_arcs(draft, lambda arc: arc.get("from") in gone or arc.get("to") in gone, removal, changes)
    problems = []
    for name, demand in list(_section(draft.root, "demands").items()):
        if not isinstance(demand, dict):
            continue
        origin, sinks = demand.get("origin"), demand.get("sinks")
        if isinstance(origin, str) and origin in gone:
            problems.append(_pathless(name, f"its origin '{origin}' was removed", removal, source))
            continue
        if not isinstance(sinks, list) or not any(s in gone for s in sinks if isinstance(s, str)):
            continue
        kept = [s for s in sinks if not (isinstance(s, str) and s in gone)]
        if not kept:
            reason = (
                f"its last sink, '{sinks[0]}', was removed"
                if len(sinks) == 1
                else f"all its sinks ({', '.join(sinks)}) were removed"
            )
            problems.append(_pathless(name, reason, removal, source))
            continue
        draft.set(("demands", name, "sinks"), kept)
        changes.append(_cascaded(f"demands.{name}.sinks", sinks, kept, removal))
    return problems


def _section(data: dict, name: str) -> dict:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def _pathless(demand: str, reason: str, removal: Removal, source: SourceMap | None) -> Problem:
    where = ""
    if source is not None:
        line, _ = source.locate(("demands", demand), at_key=True)
        where = f", defined at {source.file}:{line}"
    return _problem(
        removal.origin,
        removal.path,
        f"demand '{demand}' is left without a path: {reason}",
        f"Keep the node, or remove the demand too (remove: demands.{demand}{where}).",
    )


# ---- files: extends chains ------------------------------------------------------------------


@dataclass
class _File:
    """One file of an extends chain, parsed; an override file has overrides, the base has none."""

    path: Path
    shown: str  # as the user would find it: relative to where they named the first file
    raw: bytes
    data: Any
    source: SourceMap
    overrides: list[Override] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)


def resolve(
    path: str | Path, assignments: Sequence[str] = (), removals: Sequence[str] = (), text: bytes | None = None
) -> Resolved:
    """Read a scenario or override file, apply its chain and the command line's, and validate.

    `assignments` are `path=value` texts (`--set`), applied after the files'; `removals` are paths
    (`--remove`). A validation problem at a changed field names the override that changed it
    (ScenarioError, listing every problem). Returns one `Resolved` object, not a tuple: `.scenario`
    to solve, `.source` for located diagnoses, `.changes`, `.text` (the resolved YAML), `.inputs`;
    `model.write_run(outcome, resolved)` writes its run folder. `text`: the first file's bytes as
    edited (the workbench's editor), read as if they were the file at `path`.
    """
    cli = _assignments(assignments)
    return resolve_chain(read_chain(Path(path), text), cli, [Removal(r, "--remove") for r in removals], str(path))


@dataclass
class Chain:
    """A file and the files it extends, parsed once (first to last; the last is a complete scenario):
    what `resolve_chain` applies overrides to, again and again, without reading the files again."""

    files: list[_File]


def read_chain(path: Path, text: bytes | None = None, shown: str | None = None) -> Chain:
    """The parsed chain of `path` (its first file's bytes given as `text`, when edited; named `shown`
    in messages, default the path as given); ScenarioError for a file that cannot be read or parsed,
    or an extends that cannot be followed."""
    return Chain(_chain(path, text, shown))


def resolve_chain(
    chain: Chain,
    overrides: Sequence[Override] = (),
    removals: Sequence[Removal] = (),
    file: str = "",
    yaml: bool = True,
) -> Resolved:
    """The chain's scenario with its files' overrides, then `overrides` and `removals`, applied and
    validated (as `resolve`); the chain's parsed data is shared, never modified. `yaml=False`: an
    overridden scenario's YAML (`Resolved.text`) is left empty, to be made by `chain_yaml` when
    needed (0.7 s at 100,000 variables: the workbench makes it only when a run is written)."""
    files = chain.files
    base = files[-1]
    data, changes = base.data, []
    layers = chain_layers(chain, overrides, removals)
    if isinstance(data, dict):
        for layer_overrides, removed in layers:
            if layer_overrides or removed:
                data, more = apply_overrides(data, layer_overrides, removed, base.source)
                changes.extend(more)
    source = OverriddenSource(base.source, base.data, data, changes) if changes else base.source
    scenario = validate_data(data, source)
    text = base.raw if not changes else chain_yaml(chain, data, layers) if yaml else b""
    return Resolved(scenario, source, text, changes, _inputs(files), data, file or files[0].shown)


def chain_layers(
    chain: Chain, overrides: Sequence[Override] = (), removals: Sequence[Removal] = ()
) -> list[tuple[list[Override], list[Removal]]]:
    """The overrides and removals applied to the chain's base, file by file (the deepest first), then
    `overrides` and `removals`."""
    layers = [(f.overrides, f.removals) for f in reversed(chain.files[:-1])]
    layers.append((list(overrides), list(removals)))
    return layers


def chain_yaml(chain: Chain, data: dict, layers: Sequence[tuple[Sequence[Override], Sequence[Removal]]]) -> bytes:
    """The resolved scenario `data` as the complete YAML file a run folder keeps (`resolved_yaml`),
    headed by the chain's files and the overrides of `layers`."""
    files = chain.files
    shown = files[0].shown + "".join(f" (extends {f.shown})" for f in files[1:])
    return resolved_yaml(data, shown, layers)


def _assignments(assignments: Sequence[str]) -> list[Override]:
    overrides, problems = [], []
    for text in assignments:
        try:
            overrides.append(parse_assignment(text))
        except ScenarioError as error:
            problems.extend(error.problems)
    if problems:
        raise ScenarioError(problems)
    return overrides


def _inputs(files: list[_File]) -> dict[str, bytes]:
    """Each file's bytes by its path relative to the first file's folder, where `extends` finds them."""
    top = files[0].path.resolve().parent
    inputs = {}
    for f in files:
        try:
            name = f.path.resolve().relative_to(top).as_posix()
        except ValueError:  # pragma: no cover - the chain is confined to the first file's tree
            name = f.path.name
        inputs[name] = f.raw
    return inputs


def _chain(path: Path, text: bytes | None = None, shown: str | None = None) -> list[_File]:
    """The file and the files it extends, first to last; the last is a complete scenario. `text`: the
    first file's bytes, when given (not read from the disk); `shown`: its name in messages."""
    files: list[_File] = []
    current, shown = path, shown or str(path)
    while True:
        raw, data, source = _read(current, shown, text if not files else None)
        if not (isinstance(data, dict) and "extends" in data):
            files.append(_File(current, shown, raw, data, source))
            return files
        overrides, removals = _layer(data, source, raw)
        files.append(_File(current, shown, raw, data, source, overrides, removals))
        current, shown = _base_of(current, shown, data["extends"], source)
        if current.resolve() in [f.path.resolve() for f in files]:
            ring = " -> ".join([*(f.shown for f in files), shown])
            raise ScenarioError(
                [
                    source.problem(
                        ("extends",),
                        f"the extends chain makes a cycle: {ring}",
                        "The last file of a chain is a complete scenario without extends.",
                    )
                ]
            )


def _read(path: Path, shown: str, text: bytes | None = None) -> tuple[bytes, Any, SourceMap]:
    raw = read_file(path, shown) if text is None else text
    try:
        data, source = parse_yaml(decode(raw, shown), shown)
    except ScenarioError as error:
        if any("undefined alias" in p.message for p in error.problems):
            raise ScenarioError(
                [
                    Problem(
                        p.file,
                        p.line,
                        p.column,
                        p.path,
                        p.message,
                        "An unquoted '*' starts a YAML alias: quote a change, e.g. \"*1.2\".",
                    )
                    for p in error.problems
                ]
            ) from None
        raise
    return raw, data, source


def _base_of(current: Path, shown: str, extends: Any, source: SourceMap) -> tuple[Path, str]:
    """The file `extends` names, which must lie in the extending file's folder or below it."""
    if not isinstance(extends, str) or not extends.strip():
        raise ScenarioError(
            [
                source.problem(
                    ("extends",),
                    f"{extends!r} is not a file name",
                    "extends names the base scenario file, relative to this file.",
                )
            ]
        )
    folder = current.parent
    target = folder / extends
    if not target.resolve().is_relative_to(folder.resolve()):
        raise ScenarioError(
            [
                source.problem(
                    ("extends",),
                    f"'{extends}' is outside this file's folder",
                    f"extends names a file in this file's folder ({folder}) or below it.",
                )
            ]
        )
    target_shown = (
        extends if os.path.isabs(extends) else os.path.normpath(os.path.join(os.path.dirname(shown), extends))
    )
    if not target.is_file():
        raise ScenarioError([source.problem(("extends",), f"no such file: {target_shown}")])
    return target, target_shown


def _layer(data: dict, source: SourceMap, raw: bytes) -> tuple[list[Override], list[Removal]]:
    """The `set:` and `remove:` entries of an override file, each with its file and line."""
    allowed = f"Such a file holds only {', '.join(EXTENDS_FIELDS)}."
    problems = [
        source.problem(
            (key,),
            f"unknown field '{key}' in a file that extends another",
            f"{allowed} {closest(str(key), EXTENDS_FIELDS)}",
            at_key=True,
        )
        for key in data
        if key not in EXTENDS_FIELDS
    ]
    sets, remove = data.get("set") or {}, data.get("remove") or []
    if not isinstance(sets, dict):
        problems.append(
            source.problem(
                ("set",),
                "set is a mapping of field path: value",
                'For example: set: {roles.technician.cost_per_fte: "+5%"}',
            )
        )
        sets = {}
    if not isinstance(remove, list) or not all(isinstance(r, str) for r in remove):
        problems.append(
            source.problem(
                ("remove",),
                "remove is a list of paths",
                "For example: remove: [nodes.partner_north, arcs.a->b, demands.x]",
            )
        )
        remove = []
    if problems:
        raise ScenarioError(problems)
    lines = decode(raw, source.file).splitlines()
    overrides = [
        Override(str(key), _as_written(value, ("set", key), source, lines), _at(source, ("set", key), True))
        for key, value in sets.items()
    ]
    removals = [Removal(path, _at(source, ("remove", i))) for i, path in enumerate(remove)]
    return overrides, removals


def _at(source: SourceMap, path: tuple, at_key: bool = False) -> str:
    line, _ = source.locate(path, at_key)
    return f"{source.file}:{line}"


def _as_written(value: Any, path: tuple, source: SourceMap, lines: list[str]) -> Any:
    """YAML reads `+5` as 5 and `-3` as -3; a sign written in the file means a change, as on the command line."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or path not in source.values:
        return value
    line, column = source.values[path]
    sign = lines[line - 1][column - 1 : column] if line <= len(lines) else ""
    return f"{sign}{abs(value)!r}" if sign in ("+", "-") else value


# ---- the resolved scenario as YAML ----------------------------------------------------------


def resolved_yaml(data: dict, chain: str, layers: Sequence[tuple[Sequence[Override], Sequence[Removal]]]) -> bytes:
    """The resolved scenario as a complete YAML file, headed by the files and overrides it came from."""
    entries = []
    for overrides, removals in layers:  # in the order applied: each layer's removals, then its values
        entries += [(f"remove {r.path}", r.origin) for r in sorted(removals, key=lambda r: _kind_order(r.path))]
        entries += [(f"{o.path}: {o.value}", o.origin) for o in overrides]
    header = [
        f"Resolved by e2eopt from {chain} with these overrides:",
        *(f"  {what}   ({origin})" for what, origin in entries[:40]),
        *([f"  ... and {len(entries) - 40} more"] if len(entries) > 40 else []),
        "A complete scenario: `e2eopt solve` on this file solves the same problem again.",
    ]
    return scenario_yaml(data, header)


def scenario_yaml(data: dict, header: Sequence[str] = ()) -> bytes:
    """Plain scenario data as a readable YAML file (keys in their order), each header line a comment.

    Written by libyaml (fastyaml.plain_text, checked by reading it back), else by ruamel: 0.2 s
    against 2.5 s for a 100,000-variable scenario's 715 kB."""
    stream = io.StringIO()
    stream.write("".join(f"# {line}\n" for line in header))
    try:
        stream.write(plain_text(data))
    except NotPlain:
        yaml = YAML(typ="rt")
        yaml.default_flow_style = None  # short mappings and lists inline, the rest in block style
        yaml.width = 120
        yaml.dump(data, stream)
    return stream.getvalue().encode("utf-8")


def overrides_applied(changes: Sequence[Change]) -> list[dict]:
    """summary.json's `overrides`: each override (pattern, value, origin) and how many fields it changed."""
    counts: dict[tuple[str, str, str], int] = {}
    for change in changes:
        value = str(change.value).lower() if isinstance(change.value, bool) else str(change.value)  # as typed
        key = (change.override, value, change.origin)
        counts[key] = counts.get(key, 0) + 1
    return [
        {"override": pattern, "value": value, "origin": origin, "fields_changed": count}
        for (pattern, value, origin), count in counts.items()
    ]
