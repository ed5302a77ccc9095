"""Fast YAML: libyaml (PyYAML's C parser and emitter) with ruamel's YAML 1.2 rules for plain scalars.

Reading (`fast_plain`) gives the plain data `loader._plain` makes from ruamel's round-trip parser,
thirty times faster (0.8 s against 28 s for a 6 MB scenario), and raises NotPlain wherever the two
readings could differ (tags, directives, tabs, merge keys, duplicate keys, anchored booleans, some
keys and timestamps, any error): the loader then reads the file with the round-trip parser, as before.

Writing (`plain_text`) emits plain data as block YAML, quoting every text that YAML 1.2 would read
as something else, and reads the text back to check that it gives the same data (NotPlain if not:
the caller then writes with ruamel).
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ruamel.yaml.resolver import implicit_resolvers
from ruamel.yaml.util import create_timestamp, timestamp_regexp

from model.scenario.yamlsafety import MAX_DEPTH, Refused, alias_budget, check_integer, check_timestamp, too_deep

try:  # PyYAML with libyaml; without it every file takes the round-trip parser (and ruamel's writer)
    from yaml import CSafeDumper
    from yaml._yaml import CParser
    from yaml.nodes import ScalarNode, SequenceNode
except ImportError:  # pragma: no cover - depends on the installation
    CParser = CSafeDumper = None


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cycle collector while a large tree is built.

    Its repeated passes over the growing tree, not the parsing, took 3 s of the 3.6 s libyaml needs
    for a 6 MB file. The trees hold no cycles; other garbage is collected once it is back on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# ---- the fast reading: libyaml, with the round-trip parser's rules ---------------------------


class NotPlain(Exception):
    """The fast reading might not give what the round-trip parser and `_plain` give: use those."""


# A `!` that starts a token (a tag) or a `%` that starts a line (a directive, e.g. `%YAML 1.1`):
# the round-trip parser gives tagged nodes its own types and reads by the directive's version.
# Over-matching (a `!` inside a quoted text) only costs the fast reading.
_TAG_OR_DIRECTIVE = re.compile(r"(?:^|[\s\[\]{},:])!|^%", re.M)
# Tabs (ruamel refuses many that libyaml takes as white space), NEL, LS, PS, control characters
# and a BOM: YAML 1.1 (libyaml) and 1.2 (ruamel) read them differently.
_ODD_CHARACTER = re.compile("[\t\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


# An anchor or alias name with a character other than a letter, digit, `-` or `_` (`&a:b`): libyaml
# ends the name there, YAML 1.2 (ruamel) at the next space (found by mutating the example files).
_ODD_ANCHOR = re.compile(r"(?:^|[\s\[\]{},])[&*][A-Za-z0-9_-]*[^A-Za-z0-9_\-\s,\[\]{}]", re.M)


def _round_trip_only(text: str) -> bool:
    """Whether the text has what only the round-trip parser reads right (the cheap tests first)."""
    return bool(
        _ODD_CHARACTER.search(text)
        or (("!" in text or "%" in text) and _TAG_OR_DIRECTIVE.search(text))
        or (("&" in text or "*" in text) and _ODD_ANCHOR.search(text))
    )


_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP = (
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")
)
_SEQ, _MAP = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_BASES = {"0b": 2, "0o": 8, "0x": 16}
_PLAIN_INT_KEY = re.compile(r"[-+]?[1-9][0-9]*\Z")  # the round-trip parser's other int keys are its own type
_TIMESTAMP_TEXT = re.compile(timestamp_regexp.pattern, timestamp_regexp.flags)


def _scalar_rules() -> tuple[dict[str, list[tuple[str, re.Pattern]]], list[tuple[str, re.Pattern]]]:
    """ruamel's YAML 1.2 rules for plain scalars, by first character, and those for any character."""
    rules: dict[str | None, list[tuple[str, re.Pattern]]] = {}
    for versions, tag, regexp, first in implicit_resolvers:
        if (1, 2) in versions:
            chars: list[str | None] = list(first) if first else [None]
            for char in chars:
                rules.setdefault(char, []).append((tag, re.compile(regexp.pattern, regexp.flags)))
    anywhere = rules.pop(None, [])
    return {char: found + anywhere for char, found in rules.items() if char is not None}, anywhere


_RULES, _ANY_RULES = _scalar_rules()


def _int(text: str) -> int:
    """As the round-trip parser reads an int in YAML 1.2: `0o17` is 15, `017` is 17, `1_000` is 1000."""
    digits = text.replace("_", "")
    sign = -1 if digits[:1] == "-" else 1
    digits = digits[1:] if digits[:1] in ("-", "+") else digits
    base = _BASES.get(digits[:2], 10)
    return sign * int(digits if base == 10 else digits[2:], base)


def _float(text: str) -> float:
    """As the round-trip parser reads a float in YAML 1.2 (no sexagesimal `1:30`)."""
    digits = text.replace("_", "").lower()
    sign = -1 if digits[:1] == "-" else 1
    digits = digits[1:] if digits[:1] in ("-", "+") else digits
    if digits == ".inf":
        return sign * float("inf")
    if digits == ".nan":
        return float("nan")
    return sign * float(digits)


def _timestamp(text: str) -> Any:
    """A date, or a datetime without `T` or zone; the round-trip parser has its own type for those."""
    match = _TIMESTAMP_TEXT.match(text)
    if match is None:
        raise NotPlain(text)
    values = match.groupdict()
    if values["hour"] and any(values[part] for part in ("t", "tz_sign", "tz_hour", "tz_minute")):
        raise NotPlain(text)
    return create_timestamp(**values)


_SCALARS: dict[str, Callable[[str], Any]] = {
    _STR: str,
    _INT: _int,
    _FLOAT: _float,
    _BOOL: lambda text: text.lower() == "true",
    _NULL: lambda text: None,
    _TIMESTAMP: _timestamp,
}


if CParser is not None:

    class _Reader(CParser):
        """libyaml's parser and composer, typing plain scalars by ruamel's YAML 1.2 rules."""

        def resolve(self, kind: type, value: str | None, implicit: tuple[bool, bool]) -> str:
            if kind is ScalarNode:
                assert value is not None  # libyaml gives a scalar's text; None only for collections
                if implicit[0]:
                    for tag, rule in _RULES.get(value[:1], _ANY_RULES):
                        if rule.match(value):
                            return tag
                return _STR
            return _SEQ if kind is SequenceNode else _MAP

        def descend_resolver(self, current_node: Any, current_index: Any) -> None:
            """No path-based rules: nothing to track."""

        def ascend_resolver(self) -> None:
            """No path-based rules: nothing to track."""


def fast_plain(text: str) -> Any:
    """The document as `_plain` makes it from the round-trip parser, read by libyaml.

    Raises NotPlain where the two could differ: what `_round_trip_only` finds, merge
    keys, duplicate keys, nodes and keys the round-trip parser gives its own types, and any error
    (the round-trip parser then reports it, as it always has); Refused for what no scenario may hold
    (yamlsafety: deep nesting, alias bombs, huge integers), found while building.
    """
    with _libyaml_tree(text) as node:
        data = None if node is None else _Builder(text).data(node)
        del node  # freed before the collector is back on, which then passes over the data only
    return data


@contextmanager
def _libyaml_tree(text: str) -> Iterator[Any]:
    """libyaml's node tree of the text (None for an empty document), with the cycle collector paused
    while the block uses it. NotPlain for a text only the round-trip parser reads right, and for any
    error but Refused (a YAML error, or a scalar the round-trip parser fails on too)."""
    if CParser is None or _round_trip_only(text):
        raise NotPlain("round-trip only")
    reader = _Reader(text)
    try:
        with collector_paused():
            yield reader.get_single_node()
    except (NotPlain, Refused):
        raise
    except Exception as error:
        raise NotPlain(str(error)) from error
    finally:
        reader.dispose()


class _Builder:
    """Plain data from libyaml's nodes. An alias is a second visit of its anchor's node, and gets
    its own copy, as `_plain` gives it; the values copied so are counted against the alias budget,
    and the depth against MAX_DEPTH (libyaml's own limit is 1,000 levels)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines: list[str] | None = None
        self.seen: set[int] = set()  # the mappings and lists built once (a later visit is an alias)
        self.open: set[int] = set()  # those being built (an alias to one of them contains itself)
        self.copying = 0  # > 0 while an alias's values are built
        self.copied, self.budget = 0, alias_budget(text)
        self.sizes: dict[int, int] = {}  # values held by each aliased mapping or list (see `size`)

    def data(self, node: Any, depth: int = 0) -> Any:
        kind = type(node)
        if kind is ScalarNode:
            convert = _SCALARS.get(node.tag)
            if convert is None:  # a merge key `<<`, or `=`
                raise NotPlain(node.tag)
            if node.tag == _BOOL and self.anchored(node):  # the round-trip parser's bool, then an int
                raise NotPlain("an anchored bool")
            if node.tag == _INT:
                check_integer(node.value, *self.where(node))
            if node.tag == _TIMESTAMP:
                return self.timestamp(node)
            return convert(node.value)
        if depth >= MAX_DEPTH:
            raise too_deep(*self.where(node))
        identity = id(node)
        if identity in self.open:  # the round-trip reading's screen names the alias and its place
            raise NotPlain("an alias inside its own anchor")
        alias = identity in self.seen
        if alias and not self.copying:  # the values it repeats, aliases within it included, at once
            self.spend(self.size(node))
        self.seen.add(identity)
        self.open.add(identity)
        self.copying += alias
        try:
            return self.collection(node, depth)
        finally:
            self.copying -= alias
            self.open.discard(identity)

    def collection(self, node: Any, depth: int) -> Any:
        if type(node) is SequenceNode:
            return [self.data(item, depth + 1) for item in node.value]
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.key(key_node)
            if key in result:  # the round-trip parser names the duplicate and its line
                raise NotPlain(f"duplicate key {key!r}")
            result[key] = self.data(value_node, depth + 1)
        return result

    def spend(self, values: int) -> None:
        """Count the values an alias repeats; past the budget, the round-trip reading's screen refuses
        the file at the alias (libyaml's nodes know the anchor's place only)."""
        self.copied += values
        if self.copied > self.budget:
            raise NotPlain("aliases over the budget")

    def size(self, node: Any) -> int:
        """The values a node holds, itself and mapping keys included, aliases expanded (as `screen_events`
        counts them); each node's count is kept, so a bomb costs its few distinct nodes, not its expansion."""
        if type(node) is ScalarNode:
            return 1
        known = self.sizes.get(id(node))
        if known is None:
            if type(node) is SequenceNode:
                known = 1 + sum(self.size(item) for item in node.value)
            else:
                known = 1 + sum(1 + self.size(value) for _, value in node.value)
            self.sizes[id(node)] = known
        return known

    def timestamp(self, node: Any) -> Any:
        """A date or time as YAML reads it; no real date (2027-13-45) is refused where it stands."""
        check_timestamp(node.value, *self.where(node))
        return _timestamp(node.value)

    @staticmethod
    def where(node: Any) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def key(self, node: Any) -> str | int | bool:
        """A mapping key as `_plain` has it, where the round-trip parser gives a plain type."""
        if type(node) is not ScalarNode:
            raise NotPlain("a key that is a list or a mapping")
        tag, text = node.tag, node.value
        if tag == _STR:
            return text
        if tag == _NULL:
            return "None"  # `_plain` makes every key that is not a number text
        if tag == _TIMESTAMP:
            return str(_timestamp(text))
        if self.anchored(node):  # an anchored int or bool key keeps the round-trip parser's type
            raise NotPlain(f"anchored key {text!r}")
        if tag == _BOOL:
            return text.lower() == "true"
        if tag == _INT and _PLAIN_INT_KEY.match(text):
            check_integer(text, *self.where(node))
            return int(text)
        raise NotPlain(f"key {text!r}")

    def anchored(self, node: Any) -> bool:
        """Whether the node has an anchor: libyaml starts a node at its `&`, and keeps no anchors."""
        if self.lines is None:
            self.lines = self.text.splitlines()  # libyaml's line breaks, once `_round_trip_only` passed
        mark = node.start_mark
        return self.lines[mark.line][mark.column : mark.column + 1] == "&"


# ---- where fields stand, from libyaml's nodes -------------------------------------------------------


def fast_positions(text: str) -> tuple[dict[tuple, tuple[int, int]], dict[tuple, tuple[int, int]]]:
    """Where each key and value stands (path -> 1-based line and column), as `loader._plain` finds them
    in the round-trip tree: from libyaml's nodes, seconds where the round-trip parser takes minutes
    (a 50 MB file). For a text `fast_plain` read; NotPlain for one libyaml does not read."""
    keys: dict[tuple, tuple[int, int]] = {}
    values: dict[tuple, tuple[int, int]] = {}
    with _libyaml_tree(text) as node:
        if node is not None:
            _Locator(text).walk(node, (), keys, values)
        del node
    return keys, values


class _Locator(_Builder):
    """Positions from libyaml's nodes, by `_plain`'s rules (keys made text, an empty value at its key).
    An alias is its anchor's node, and stands where its anchor does, as in the round-trip tree."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.anchors = "&" in text  # without one, no node is anchored
        self.last_line = text.count("\n")  # 0-based; the text's last line if it ends without a break

    def walk(self, node: Any, path: tuple, keys: dict, values: dict) -> None:
        if type(node) is SequenceNode:
            for index, item in enumerate(node.value):
                values[(*path, index)] = self.where(item)
                self.walk(item, (*path, index), keys, values)
        elif type(node) is not ScalarNode:
            for key_node, value_node in node.value:
                child = (*path, str(self.key(key_node)))
                keys[child] = self.where(key_node)
                values[child] = self.value_at(key_node, value_node)
                self.walk(value_node, child, keys, values)

    def value_at(self, key_node: Any, value_node: Any) -> tuple[int, int]:
        """Where the round-trip parser places a value. An empty one (`volume:` and nothing) it places
        at the next token: `_plain` moves it to its key when that is on a later line; on the same line
        (`{to: }`, or a comment) it is just after the colon. libyaml places it at the next character."""
        at = self.where(value_node)
        empty = type(value_node) is ScalarNode and value_node.tag == _NULL and value_node.value == ""
        if not empty or (self.anchors and self.anchored(value_node)):  # an anchored one stands at its `&`
            return at
        if self.lines is None:
            self.lines = self.text.splitlines()
        mark = value_node.start_mark
        text = self.lines[mark.line] if mark.line < len(self.lines) else ""
        if not text[mark.column :].strip():  # the next token is on a later line, or is the end
            # ... on the key's line only where that is the last line, with no line break after it
            last = mark.line == self.last_line == key_node.start_mark.line
            return (mark.line + 1, len(text) + 1) if last else self.where(key_node)
        end = key_node.end_mark
        colon = text.find(":", end.column, mark.column) if end.line == mark.line else -1
        return (at[0], colon + 2) if colon >= 0 else at


# ---- the fast writing: libyaml's emitter, with YAML 1.2's reading of plain scalars in mind ----------


if CSafeDumper is not None:

    class _Writer(CSafeDumper):
        """libyaml's emitter over PyYAML's safe representers: no anchors (a value met twice is
        written twice), and a text that YAML 1.2 would read as a number, bool, null or date quoted
        (PyYAML quotes by YAML 1.1's rules, which read `0o17` or `1e3` as text)."""

        def ignore_aliases(self, data: Any) -> bool:
            return True

        def represent_text(self, data: str) -> Any:
            if any(tag != _STR and rule.match(data) for tag, rule in _RULES.get(data[:1], _ANY_RULES)):
                return self.represent_scalar(_STR, data, style="'")
            return self.represent_str(data)

    _Writer.add_representer(str, _Writer.represent_text)


def plain_text(data: Any) -> str:
    """Plain data (mappings, lists, text, numbers, bools, null, dates) as block YAML, short lists and
    mappings of scalars inline, keys in their order, lines up to 120 characters: what ruamel's
    writer makes of it, read back the same. NotPlain where libyaml is missing or the text would not
    read back as `data` (then write it with ruamel)."""
    if CSafeDumper is None:
        raise NotPlain("no libyaml")
    import yaml

    try:
        text = yaml.dump(data, Dumper=_Writer, sort_keys=False, default_flow_style=None, width=120, allow_unicode=True)
        same = _canonical(fast_plain(text)) == _canonical(data)
    except (yaml.YAMLError, NotPlain, TypeError, ValueError) as error:
        raise NotPlain(f"not written fast: {error}") from error
    if not same:
        raise NotPlain("the text would not read back as the data")
    return text


def _canonical(data: Any) -> str:
    """The data as JSON: equal for equal data (NaN included, ints apart from floats, keys in order)."""
    import json

    return json.dumps(data, default=repr, allow_nan=True)
