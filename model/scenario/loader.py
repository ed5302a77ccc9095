"""Read a scenario YAML file into a validated Scenario, every problem located by file, line and field.

A file is read by libyaml with ruamel's YAML 1.2 rules (model/scenario/fastyaml.py): the same
data as ruamel's round-trip parser, thirty times faster. What that reading might get differently is
read by the round-trip parser instead, exactly as before. Positions of fields, which only the round-trip
parser gives, are found only when a problem has to be located (see SourceMap).
"""

from __future__ import annotations

import datetime
import difflib
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from model.errors import Problem, ScenarioError
from model.scenario.fastyaml import NotPlain, collector_paused, fast_plain, fast_positions
from model.scenario.schema import FORMER_NAMES, Scenario
from model.scenario.yamlerrors import syntax_problem
from model.scenario.yamlsafety import Refused, check_characters, read_bounded, round_trip_yaml, screen_events

FieldPath = tuple[str | int, ...]
Positions = dict[FieldPath, tuple[int, int]]


class SourceMap:
    """Where each field of a YAML document stands: path -> (line, column), both 1-based.

    Made by `parse_yaml`, it holds the file's text and finds the positions the first time `keys`,
    `values`, `locate` or `problem` is used: a valid file never needs them. libyaml finds them
    (`fastyaml.fast_positions`, where the round-trip parser would); should it fail, the round-trip
    parser, at thirty times the cost, and should that refuse a text libyaml read, its refusal (what
    reading the file gave before) is raised then.
    Made with explicit `keys` and `values` (or none), it holds just those.
    """

    def __init__(
        self, file: str, keys: Positions | None = None, values: Positions | None = None, *, text: str | None = None
    ) -> None:
        self.file = file
        self._text = text if keys is None and values is None else None
        self._found: tuple[Positions, Positions] | None = None
        if self._text is None:
            self._found = ({} if keys is None else keys, {} if values is None else values)

    def __repr__(self) -> str:  # never reads the positions
        return f"{type(self).__name__}({self.file!r})"

    @property
    def keys(self) -> Positions:
        """Position of each mapping key."""
        return self._positions()[0]

    @property
    def values(self) -> Positions:
        """Position of each value (and of each list item)."""
        return self._positions()[1]

    def _positions(self) -> tuple[Positions, Positions]:
        if self._found is None:
            try:  # libyaml's positions: seconds where the round-trip parser takes minutes for 50 MB
                self._found = fast_positions(self._text or "")
            except NotPlain:  # not expected for a text the fast reading read
                keys: Positions = {}
                values: Positions = {}
                _plain(_round_trip(self._text or "", self.file, screened=True), (), keys, values)
                self._found = (keys, values)
            self._text = None
        return self._found

    def written_at(self, path: FieldPath) -> tuple[int | None, str]:
        """Where the field's value was written: its line and that in words, `(38, 'line 38')`; `(None,
        '')` when not found. An overridden scenario's map says which override wrote it instead."""
        line = self.locate(path)[0]
        return line, f"line {line}" if line else ""

    def locate(self, path: FieldPath, at_key: bool = False) -> tuple[int | None, int | None]:
        """The position of a field's value (or its key); for a missing field, its parent's key."""
        keys, values = self.keys, self.values
        if path in (keys if at_key else values):
            return (keys if at_key else values)[path]
        former = FORMER_NAMES.get(str(path[-1])) if path else None
        if former is not None and (*path[:-1], former) in (keys if at_key else values):
            return self.locate((*path[:-1], former), at_key)  # a file written with a field's former name
        for end in range(len(path) - 1 if path else 0, -1, -1):
            parent = path[:end]
            # A parent mapping is found at its key: its value position is its first child's line.
            if parent in keys:
                return keys[parent]
            if parent in values:
                return values[parent]
        return 1, 1  # the document itself

    def problem(self, path: FieldPath, message: str, hint: str = "", at_key: bool = False) -> Problem:
        line, column = self.locate(path, at_key)
        return Problem(self.file, line, column, dotted(path), message, hint)


def dotted(path: FieldPath) -> str:
    """A field's path as messages show it: `arcs[3].cost`; a capacity level by its number from 1, as the
    override grammar and the sites table name it (`nodes.plant.capacity_levels.2.cost`)."""
    text = ""
    for index, part in enumerate(path):
        if isinstance(part, int):
            text += f".{part + 1}" if index and path[index - 1] == "capacity_levels" else f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def closest(name: str, candidates: typing.Iterable[str]) -> str:
    """'Did you mean ...?' for an unknown name, or the list of what is allowed when nothing is close."""
    options = sorted(str(c) for c in candidates)
    match = difflib.get_close_matches(str(name), options, n=1, cutoff=0.6)
    if match:
        return f"Did you mean '{match[0]}'?"
    shown = ", ".join(options[:12]) + (", ..." if len(options) > 12 else "")
    return f"Allowed: {shown}." if options else ""


def decode(data: bytes, file: str) -> str:
    """The file's text; a file that is not UTF-8 is a located problem, not a traceback."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise ScenarioError(
            [
                Problem(
                    file,
                    line,
                    column,
                    "",
                    f"the file is not UTF-8 text (byte {data[error.start]:#04x})",
                    "Save the scenario as UTF-8.",
                )
            ]
        ) from None


def read_text(path: Path, file: str) -> str:
    """A YAML file's text: within the size limit and UTF-8, or a problem naming the file (sweep files)."""
    return decode(read_file(path, file), file)


def read_file(path: Path, file: str) -> bytes:
    """A YAML file's bytes: a regular file, within the size limit (yamlsafety.read_bounded)."""
    if not path.is_file():
        message = "not a regular file" if path.exists() else "no such file"
        raise ScenarioError([Problem(file, None, None, "", message)])
    return read_bounded(path, file)


def parse_yaml(text: str, file: str) -> tuple[Any, SourceMap]:
    """The document as plain Python data, and where its fields stand (found when first needed).

    What no scenario may hold (model/scenario/yamlsafety.py: control characters, tags, deep nesting,
    alias bombs, huge integers) is a located problem, found before or while the data is built."""
    try:
        check_characters(text)
        try:
            return fast_plain(text), SourceMap(file, text=text)
        except NotPlain:
            pass
    except Refused as refused:
        raise ScenarioError([refused.problem(file)]) from None
    keys: Positions = {}
    values: Positions = {}
    data = _plain(_round_trip(text, file), (), keys, values)
    return data, SourceMap(file, keys, values)


def _round_trip(text: str, file: str, screened: bool = False) -> Any:
    """ruamel's round-trip tree of the text, which knows every position; bad YAML is a located problem.

    The text is first screened on the parser's events (`screen_events`), unless the fast reading
    already built it, which checks the same limits."""
    try:
        with collector_paused():
            if not screened:
                check_characters(text)
                screen_events(round_trip_yaml().parse(text), text)
            return round_trip_yaml().load(text)
    except Refused as refused:
        raise ScenarioError([refused.problem(file)]) from None
    except MarkedYAMLError as error:
        raise ScenarioError([syntax_problem(error, text, file)]) from None
    except (YAMLError, RecursionError, ValueError, TypeError) as error:  # not expected after the screen
        raise ScenarioError([Problem(file, None, None, "", f"not valid YAML: {error}")]) from None


def _plain(node: Any, path: FieldPath, keys: Positions, values: Positions) -> Any:
    """Convert ruamel's commented containers and scalar subclasses to plain Python, noting positions."""
    if isinstance(node, CommentedMap):
        result = {}
        for key in node:
            child = (*path, str(key))
            if node.lc.data and key in node.lc.data:
                kl, kc = node.lc.key(key)
                vl, vc = node.lc.value(key)
                keys[child] = (kl + 1, kc + 1)
                # An empty value (`volume:` and nothing) is placed at the next token, often the next
                # key's line: it is shown at its own key.
                values[child] = (kl + 1, kc + 1) if node[key] is None and vl > kl else (vl + 1, vc + 1)
            # else: a key merged in from an anchor (`<<: *base`); it is located at its parent
            result[str(key) if not isinstance(key, (int, float)) else key] = _plain(node[key], child, keys, values)
        return result
    if isinstance(node, CommentedSeq):
        items = []
        for index, item in enumerate(node):
            line, column = node.lc.item(index)
            values[(*path, index)] = (line + 1, column + 1)
            items.append(_plain(item, (*path, index), keys, values))
        return items
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario file; raise ScenarioError listing every problem found."""
    scenario, _ = load_scenario_with_source(path)
    return scenario


def load_scenario_with_source(path: str | Path) -> tuple[Scenario, SourceMap]:
    scenario, source, _ = read_scenario(path)
    return scenario, source


def read_scenario(path: str | Path) -> tuple[Scenario, SourceMap, bytes]:
    """Load and validate; also return the exact bytes validated, so a run keeps what it solved.

    An override file (`extends:`) is resolved; its bytes are then the resolved scenario as YAML.
    """
    path = Path(path)
    raw = read_file(path, str(path))
    data, source = parse_yaml(decode(raw, str(path)), str(path))
    if isinstance(data, dict) and "extends" in data:
        from model.scenario.overrides import resolve  # overrides builds on this module

        resolved = resolve(path)
        return resolved.scenario, resolved.source, resolved.text
    return validate_data(data, source), source, raw


def validate_data(data: Any, source: SourceMap) -> Scenario:
    """Schema validation and cross-checks together, so one pass reports every problem of a file."""
    from model.scenario.checks import cross_check  # checks needs the loader's helpers

    if not isinstance(data, dict):
        raise ScenarioError([source.problem((), "a scenario is a mapping of sections (scenario, stages, nodes, ...)")])
    problems: list[Problem] = []
    scenario = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        problems.extend(_schema_problems(error, data, source))
    problems.extend(cross_check(data, source))
    if problems or scenario is None:
        raise ScenarioError(_unique(problems))
    return scenario


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: dict[tuple[str, str], Problem] = {}
    for problem in problems:
        seen.setdefault((problem.path, problem.message), problem)
    return list(seen.values())


def _schema_problems(error: ValidationError, data: Any, source: SourceMap) -> list[Problem]:
    """One problem per bad field; the alternatives of a union are merged into one message."""
    grouped: dict[FieldPath, list[ErrorDetails]] = {}
    for item in error.errors():
        grouped.setdefault(_data_path(item["loc"], data), []).append(item)
    # A number-or-list field given a list with a bad item fails both ways; the item's own problem
    # says what is wrong, so the field-level "should be a number" is dropped.
    inner = {path[:end] for path in grouped for end in range(len(path))}
    misspelt = _misspelt(grouped)
    return [
        _describe(path, items, source) for path, items in grouped.items() if path not in inner and path not in misspelt
    ]


def _misspelt(grouped: dict[FieldPath, list[ErrorDetails]]) -> set[FieldPath]:
    """Required fields reported missing because they are misspelt: `nodse:` for `nodes:`.

    The unknown field's problem says "Did you mean 'nodes'?"; the missing field's would say the same
    mistake again."""
    unknown = [path for path, items in grouped.items() if any(i["type"] == "extra_forbidden" for i in items)]
    found = set()
    for path in unknown:
        missing = [
            m[-1]
            for m, items in grouped.items()
            if m[:-1] == path[:-1] and any(i["type"] == "missing" for i in items) and isinstance(m[-1], str)
        ]
        match = difflib.get_close_matches(str(path[-1]), sorted(missing), n=1, cutoff=0.6)
        if match:
            found.add((*path[:-1], match[0]))
    return found


def _data_path(loc: tuple, data: Any) -> FieldPath:
    """Drop pydantic's union-branch tags from an error location, keeping the path through the data."""
    path: list[str | int] = []
    node = data
    for part in loc:
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if (isinstance(node, dict) and part in node) or in_list:
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and part.isidentifier():
            path.append(part)  # a missing field
            node = None
    return tuple(path)


def _describe(path: FieldPath, items: list[ErrorDetails], source: SourceMap) -> Problem:
    kinds = {item["type"] for item in items}
    value = items[0].get("input")
    if "extra_forbidden" in kinds:
        allowed = _allowed_fields(path[:-1])
        return source.problem(path, f"unknown field '{path[-1]}'", closest(str(path[-1]), allowed), at_key=True)
    if "missing" in kinds:
        return source.problem(path, "required field is missing", _field_doc(path))
    if len(path) >= 2 and path[-2] == "capacity_levels" and isinstance(path[-1], int) and "model_type" in kinds:
        # not pydantic's "a valid dictionary or instance of CapacityLevel", a class name the user never wrote
        return source.problem(path, f"{_show(value)} is not allowed: a level is a mapping {{capacity, cost}}")
    messages = list(dict.fromkeys(_plain_message(item) for item in items))
    if isinstance(value, dict) and kinds == {"value_error"}:
        # A check across a mapping's fields (give either volume or volume_by_interval): its words, not the
        # mapping printed back.
        own = dict.fromkeys(item["msg"].removeprefix("Value error, ") for item in items)  # as written
        return source.problem(path, "; ".join(own), _field_doc(path))
    shown = "an empty value (null)" if value is None else _show(value)
    message = f"{shown} is not allowed: " + "; or ".join(messages)
    return source.problem(path, message, _field_doc(path))


def _plain_message(item: ErrorDetails) -> str:
    text = item["msg"].removeprefix("Value error, ")
    return text[0].lower() + text[1:] if text else text


def _show(value: Any) -> str:
    return shown(value)


def shown(value: Any) -> str:
    """A value as the file has it, not as Python prints it: 2027-01-01 (not datetime.date(2027, 1, 1)),
    null (not None), true; a whole number of 16 digits or more by its length; cut to 60 characters."""
    if isinstance(value, bool) or value is None:
        text = {True: "true", False: "false", None: "null"}[value]
    elif isinstance(value, int) and abs(value) >= 10**15:
        text = f"a number of {len(str(abs(value))):,} digits"
    elif isinstance(value, (datetime.date, datetime.datetime)):
        text = value.isoformat()
    else:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _schema_model_at(path: FieldPath) -> type[BaseModel] | None:
    """The pydantic model that describes the mapping at `path` (for listing its fields)."""
    current: Any = Scenario
    for part in path:
        current = _unwrap_model(current)
        if current is None:
            return None
        if isinstance(current, type) and issubclass(current, BaseModel):
            if not isinstance(part, str):  # a list index where a mapping is: no such field
                return None
            info = current.model_fields.get(part) or next(
                (f for f in current.model_fields.values() if f.alias == part), None
            )
            if info is None:
                return None
            current = info.annotation
        else:
            current = _container_item(current)
    return _unwrap_model(current)


def _unwrap_model(annotation: Any) -> Any:
    """Strip Optional/Annotated/unions down to the pydantic model or container they hold."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap_model(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _unwrap_model(arg)
            if isinstance(found, type) and issubclass(found, BaseModel):
                return found
            if typing.get_origin(found) in (dict, list):
                return found
        return None
    return annotation


def _container_item(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin is dict:
        return typing.get_args(annotation)[1]
    if origin is list:
        return typing.get_args(annotation)[0]
    return None


def _allowed_fields(path: FieldPath) -> list[str]:
    model = _schema_model_at(path)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return []
    return [info.alias or name for name, info in model.model_fields.items()]


def _field_doc(path: FieldPath) -> str:
    """The field's own reference text, which says what is allowed and its unit."""
    if not path:
        return ""
    model = _schema_model_at(path[:-1])
    if isinstance(model, type) and issubclass(model, BaseModel):
        for name, info in model.model_fields.items():
            if path[-1] in (name, info.alias) and info.description:
                return f"{path[-1]}: {info.description}"
    return ""
