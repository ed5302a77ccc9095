"""Limits on what a scenario file may hold, so that reading one never crashes, hangs or eats the memory.

A scenario is plain YAML 1.2: mappings, lists and untagged scalars. Everything else YAML allows is
refused with its position before any value is built:

- a file larger than `max_file_bytes()` (E2EOPT_MAX_FILE_MB, default 64 MB): refused before it is read;
- control characters (NUL, BEL, ESC, DEL, C1 controls ...), which YAML forbids and editors hide;
- tags (`!!python/object`, `!!binary`, `!!str`, any local `!tag`): they ask for types a scenario has none of;
- nesting deeper than MAX_DEPTH mappings and lists (the parsers recurse, and no scenario needs it);
- aliases that repeat more values than `alias_budget(text)` (a "billion laughs" expands 1 kB into 10^9 values);
  an alias inside its own anchor (a structure that contains itself);
- an integer of more than MAX_DIGITS digits (Python refuses to convert more than 4,300);
- a mapping or list used as a key.

The fast reading (fastyaml) checks depth and integers while it builds, and hands a text whose aliases
pass the budget to the round-trip reading. That is preceded by `screen_events`, which checks all of the
above on the parser's events, with no tree built, its scanner bounded (`round_trip_yaml`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scanner import RoundTripScanner
from ruamel.yaml.util import create_timestamp, timestamp_regexp

from model.errors import Problem, ScenarioError

MAX_DEPTH = 64  # mappings and lists inside each other; a scenario needs 6
MAX_DIGITS = 100  # digits of an integer; the largest meaningful figure has 16
DEFAULT_MAX_FILE_MB = 64  # megabytes (10^6 bytes); benchmarks' largest scenario (200,000 demands) is ~40 MB
MAX_FILE_ENV = "E2EOPT_MAX_FILE_MB"
ALIAS_VALUES_FREE = 100_000  # values any file's aliases may repeat (a tenth of a second to build) ...
ALIAS_BYTES_PER_VALUE = 4  # ... plus one per this many bytes of the file (`e2eopt generate` needs 1 per 50)

ALLOWED = "a scenario holds plain YAML: mappings, lists, texts, numbers, true/false and null"


class Refused(Exception):
    """What a scenario file may not hold, at a 1-based line and column; the reader adds the file."""

    def __init__(self, line: int, column: int, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.line, self.column, self.message, self.hint = line, column, message, hint

    def problem(self, file: str) -> Problem:
        return Problem(file, self.line, self.column, "", self.message, self.hint)


def max_file_bytes(file: str) -> int:
    """The size limit in bytes: E2EOPT_MAX_FILE_MB megabytes, else the default."""
    setting = os.environ.get(MAX_FILE_ENV, "").strip()
    if not setting:
        return DEFAULT_MAX_FILE_MB * 1_000_000
    try:
        megabytes = float(setting)
    except ValueError:
        megabytes = -1.0
    if not 0 < megabytes < 1e6:
        message = f"the environment variable {MAX_FILE_ENV}={setting!r} is not a size in megabytes"
        raise ScenarioError([Problem(file, None, None, "", message, "Give a number > 0, e.g. 200, or unset it.")])
    return int(megabytes * 1_000_000)


def read_bounded(path: Path, file: str) -> bytes:
    """The file's bytes, refused before reading when it is larger than the limit.

    The size is checked on the file's entry and again on what is read, which reads one byte more than
    the limit at most (a pipe or a growing file has no reliable size)."""
    limit = max_file_bytes(file)
    try:
        size = path.stat().st_size
        if size <= limit:
            with path.open("rb") as stream:
                data = stream.read(limit + 1)
            size = max(size, len(data))
    except OSError as error:
        raise ScenarioError([Problem(file, None, None, "", f"cannot read the file: {error.strerror}")]) from None
    if size > limit:
        message = f"the file is {_size(size)}, above the limit of {_size(limit)}"
        hint = f"A scenario this large is unusual; to read it anyway, set {MAX_FILE_ENV} (megabytes), e.g. 200."
        raise ScenarioError([Problem(file, None, None, "", message, hint)])
    return data


def _size(count: int) -> str:
    """A size in megabytes, or in bytes where megabytes would show 0.0."""
    return f"{count / 1e6:,.1f} MB" if count >= 100_000 else f"{count:,} bytes"


# YAML 1.2's printable characters are tab, line feed, carriage return, x20-x7E, NEL (x85), xA0-xD7FF,
# xE000-xFFFD and above; the rest may not appear, even quoted.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_NAMES = {0: "NUL", 7: "BEL", 8: "backspace", 11: "vertical tab", 12: "form feed", 27: "ESC", 127: "DEL"}


def position(text: str, index: int) -> tuple[int, int]:
    """The 1-based line and column of a character of the text."""
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)


def check_characters(text: str) -> None:
    """Refuse the first character YAML does not allow in a file."""
    found = _CONTROL.search(text)
    if found is None:
        return
    code = ord(found.group())
    name = f"U+{code:04X}" + (f" ({_NAMES[code]})" if code in _NAMES else "")
    line, column = position(text, found.start())
    raise Refused(
        line,
        column,
        f"the control character {name} is not allowed in a YAML file",
        "Remove it: most editors do not show it (it often comes with text pasted from another program).",
    )


def alias_budget(text: str) -> int:
    """How many values the file's aliases may repeat in all: enough for any real use, far below a bomb."""
    return ALIAS_VALUES_FREE + len(text) // ALIAS_BYTES_PER_VALUE


def too_deep(line: int, column: int) -> Refused:
    return Refused(
        line,
        column,
        f"mappings and lists are nested more than {MAX_DEPTH} deep here",
        "A scenario needs a few levels; check for brackets that are never closed or a runaway indentation.",
    )


def too_many_aliases(line: int, column: int, budget: int) -> Refused:
    return Refused(
        line,
        column,
        f"the aliases (*name) repeat more than {budget:,} values in all",
        "Aliases that refer to aliases multiply (a 'billion laughs'); write the values out, or use fewer aliases.",
    )


def self_alias(line: int, column: int, anchor: str) -> Refused:
    return Refused(
        line,
        column,
        f"the alias *{anchor} stands inside the anchor &{anchor} it refers to",
        "A value cannot contain itself: refer to an anchor defined before and outside the alias.",
    )


def tagged(line: int, column: int, tag: str) -> Refused:
    """A tag, shown as written where it is one of YAML's own (`!!int`, not `tag:yaml.org,2002:int`)."""
    core = "tag:yaml.org,2002:"
    shown = "!!" + tag.removeprefix(core) if tag.startswith(core) else tag
    return Refused(
        line,
        column,
        f"the YAML tag '{shown}' is not allowed",
        f"Remove it: {ALLOWED}; each is typed by how it is written.",
    )


_INTEGER = re.compile(r"[-+]?(?:0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|[0-9_]+)\Z")  # YAML 1.2's, with ruamel's `_`


def check_integer(text: str, line: int, column: int) -> None:
    """Refuse an integer too long to be a figure (and too long for Python to convert)."""
    if len(text) > MAX_DIGITS and _INTEGER.match(text):
        body = text.lstrip("+-")
        digits = len(body.replace("_", "")) - (2 if body[:2] in ("0x", "0o", "0b") else 0)
        if digits > MAX_DIGITS:
            raise Refused(
                line,
                column,
                f"a number of {digits:,} digits is too long (at most {MAX_DIGITS} digits)",
                "No figure in a scenario needs more; check for a pasted or repeated value.",
            )


_TIMESTAMP = re.compile(timestamp_regexp.pattern, timestamp_regexp.flags)


def check_timestamp(text: str, line: int, column: int) -> None:
    """Refuse a plain text that YAML reads as a date or time but that is no real one (2027-13-45,
    2027-02-30): both parsers fail on it, the round-trip one with no position."""
    match = _TIMESTAMP.match(text)
    if match is None:
        return
    try:
        create_timestamp(**match.groupdict())
    except ValueError as error:
        raise Refused(
            line,
            column,
            f"'{text}' reads as a date or time but is not one ({error})",
            f"Write a real date, or quote the text: '{text}'.",
        ) from None


_STARTS = ("MappingStartEvent", "SequenceStartEvent")
_ENDS = ("MappingEndEvent", "SequenceEndEvent")


def screen_events(events: Iterable[Any], text: str) -> None:
    """Refuse tags, deep nesting, alias bombs, self-containing aliases, huge integers and mappings or
    lists used as keys (the round-trip parser fails on some with a TypeError), from the parser's
    events: iterative, no tree built, stopping at the first offence."""
    screen = _Screen(alias_budget(text))
    for event in events:
        screen.event(event)


class _Screen:
    """The state `screen_events` keeps. Each alias costs the values its anchor holds, aliases within
    it included, known from the anchor's events without expanding anything."""

    def __init__(self, budget: int) -> None:
        self.budget, self.spent = budget, 0
        self.stack: list[list[Any]] = []  # per open mapping or list: [anchor, values in it, next is a key]
        self.sizes: dict[str, int] = {}  # values held by each complete anchor

    def event(self, event: Any) -> None:
        kind = type(event).__name__
        mark = event.start_mark
        at: tuple[int, int] = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        tag = getattr(event, "tag", None)
        if tag is not None and kind != "DocumentStartEvent":
            raise tagged(at[0], at[1], str(tag))
        if kind == "AliasEvent":
            self.node(kind, at, self.alias(str(event.anchor), at))
        elif kind == "ScalarEvent":
            if event.style is None:
                check_integer(str(event.value), *at)
                check_timestamp(str(event.value), *at)
            if event.anchor is not None:
                self.sizes[str(event.anchor)] = 1
            self.node(kind, at, 1)
        elif kind in _STARTS:
            self.node(kind, at, 0)  # its values are added to its parent when it ends
            if len(self.stack) >= MAX_DEPTH:
                raise too_deep(*at)
            anchor = None if event.anchor is None else str(event.anchor)
            self.stack.append([anchor, 1, True if kind == "MappingStartEvent" else None])
        elif kind in _ENDS and self.stack:
            anchor, count, _ = self.stack.pop()
            if anchor is not None:
                self.sizes[anchor] = count
            if self.stack:
                self.stack[-1][1] += count

    def node(self, kind: str, at: tuple[int, int], values: int) -> None:
        """A node in the open mapping or list: counted, and in a mapping, a key or a value in turn."""
        if not self.stack:
            return
        top = self.stack[-1]
        top[1] += values
        if top[2] is not None:
            if top[2] and kind in _STARTS:
                raise Refused(*at, "a mapping or list used as a key", "Keys are names or numbers.")
            top[2] = not top[2]

    def alias(self, anchor: str, at: tuple[int, int]) -> int:
        """The values an alias repeats, within the budget."""
        if anchor not in self.sizes and any(frame[0] == anchor for frame in self.stack):
            raise self_alias(*at, anchor)
        count = self.sizes.get(anchor, 1)
        self.spent += count
        if self.spent > self.budget:
            raise too_many_aliases(*at, self.budget)
        return count


class _BoundedScanner(RoundTripScanner):
    """ruamel's round-trip scanner, refusing nesting far beyond MAX_DEPTH as it reads: its work per
    token grows with the depth of brackets (10,000 `[` took 1.5 s; 100,000 would take minutes).
    It reads ahead of the parser, so its bound is twice MAX_DEPTH: the events' check (`screen_events`)
    refuses first, at the same place as the fast reading."""

    def fetch_flow_collection_start(self, TokenClass: Any, to_push: Any) -> None:
        opened: list[Any] = self.__dict__.setdefault("opened", [])  # the open brackets' marks
        if len(opened) >= 2 * MAX_DEPTH:
            # Where the events' check would refuse: the bracket that opens level MAX_DEPTH + 1,
            # counting the block mappings and lists open around the brackets.
            mark = opened[max(0, min(len(opened) - 1, MAX_DEPTH - len(self.indents)))]
            raise too_deep(mark.line + 1, mark.column + 1)
        opened.append(self.reader.get_mark())
        super().fetch_flow_collection_start(TokenClass, to_push)

    def fetch_flow_collection_end(self, TokenClass: Any) -> None:
        opened: list[Any] = self.__dict__.setdefault("opened", [])
        if opened:
            opened.pop()
        super().fetch_flow_collection_end(TokenClass)

    def add_indent(self, column: int) -> bool:
        if len(self.indents) >= 2 * MAX_DEPTH and self.indent < column:
            mark = self.reader.get_mark()
            raise too_deep(mark.line + 1, mark.column + 1)
        return bool(super().add_indent(column))


def round_trip_yaml() -> YAML:
    """ruamel's round-trip reader with the bounded scanner."""
    yaml = YAML(typ="rt")
    yaml.Scanner = _BoundedScanner
    return yaml
