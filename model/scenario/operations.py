"""The value of an override: a number that replaces a field, or a relative change of it.

Grammar (the same in a `set:` file and after `--set path=`):

    12   =12   12.5   1e3      set the field to this number
    *1.2                       multiply by 1.2
    /4                         divide by 4
    +5   -3                    add 5, subtract 3 (in the field's own unit)
    +5%  -3%                   raise or lower by 5 or 3 percent of the current value
    [700, 800, 900]            set a per-period field (a volume) to these numbers, one per period
    never   margin   north     set a field that takes a word or a name (CHOICES, by path) to it
    =never                     the same ('=' sets, as in =12)

A leading sign always means a change: `-3` subtracts 3, it never sets -3 (a negative figure, an
arc's rebate, is set after '=': `=-3`). The number after an operator is unsigned. A relative
change of a per-period list (a volume) or of a mapping of numbers (stock by demand) changes every
entry; a plain number replaces the whole field. Arithmetic is decimal, so 3400 * 1.05 is 3570
exactly, as worked out by hand; a whole result of a whole-number field stays a whole number.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

GRAMMAR = (
    "Allowed: a number (12, =12, 12.5; =-3 for a negative one, an arc's rebate) that replaces the value, "
    "or a change of it: "
    "*1.2, /4, +5, -3, +5%, -3%; or a list of numbers, one per period, that replaces a per-period "
    "field: [700, 800, 900]; or, for a field that takes a word, the word: nodes.NAME.open=never "
    "(always, never, decide), nodes.NAME.decide_per=period, scenario.objective=margin, "
    "nodes.NAME.rework.to=origin (same, origin or a node), demands.NAME.segment=pro, "
    "demands.NAME.labels.LABEL=north. In YAML, quote changes that start with '*': \"*1.2\"."
)

_NUMBER = r"(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"  # unsigned: the sign is the operator
_OPERATION = re.compile(rf"(?P<op>[=*/+-]?)\s*(?P<number>{_NUMBER})\s*(?P<percent>%?)")
_LIST_ITEM = rf"[+-]?\s*{_NUMBER}"  # in a list a sign is the number's own
_NEGATIVE = re.compile(rf"=\s*-\s*(?P<number>{_NUMBER})")  # "=-3": a negative number set, not a change
VALUE_PATTERN = (
    rf"^\s*(?:[=*/]?\s*{_NUMBER}|=\s*-\s*{_NUMBER}|[+-]\s*{_NUMBER}\s*%?"
    rf"|\[\s*{_LIST_ITEM}(?:\s*,\s*{_LIST_ITEM})*\s*\])\s*$"
)
"""The override values `parse_value` takes as text, as one regular expression (the what-if files'
JSON Schema): a number, or a change of it (a percentage only after + or -), or a list of numbers.
The fields of CHOICES take their words instead (NAME_PATTERN where any name goes)."""

NAME = "a name"
NODE = "a node's name"
"""In CHOICES: the field takes any name (a segment, a label's value; a node for rework.to), which
validation then checks against the scenario, as any overridden value."""
FLAG = "true or false"
"""In CHOICES: the field is a flag, set by `true` or `false` (`=true`; yes/no, on/off and 1/0 too):
`--set nodes.desk.queue.whole_agents=false`. The override sets a boolean, not the word."""
FLAG_WORDS = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False, "1": True, "0": False}
NAMES = "a list of names"
"""In CHOICES: the field takes a list of names, written [en, fr] ([] for none): a role's or a
demand's skills. Validation checks the names against the scenario."""

CHOICES: dict[str, tuple[str, ...]] = {
    "scenario.objective": ("cost", "margin"),
    "nodes.*.open": ("always", "never", "decide"),
    "nodes.*.decide_per": ("horizon", "period"),
    "nodes.*.rework.to": ("same", "origin", NODE),
    "nodes.*.work.*.rework.to": ("same", "origin", NODE),
    "nodes.*.queue.model": ("erlang_c", "erlang_a", "erlang_b"),
    "nodes.*.queue.overflow": (NODE,),
    "nodes.*.queue.whole_agents": (FLAG,),
    "demands.*.segment": (NAME,),
    "demands.*.labels.*": (NAME,),
    "roles.*.skills": (NAMES,),
    "demands.*.skills": (NAMES,),
}
"""The fields an override sets to a word rather than a number, by path (`*`: any name), with the
words each takes: `--set scenario.objective=margin`, `--set nodes.plant.open=never`. The one place
that says which fields take words; every other override changes numbers."""

WORDS = frozenset(word for words in CHOICES.values() for word in words if word not in (NAME, NODE, NAMES, FLAG))
"""Every word some choice takes: given for a figure, it is refused as 'not a choice', not as a typo."""

NAME_PATTERN = r"^\s*[A-Za-z0-9_][\w\-. ]*$"
"""A name an override gives a CHOICES field that takes any name (the what-if files' JSON Schema too)."""
_NAME_TEXT = re.compile(NAME_PATTERN)


def choice_path_pattern(pattern: str) -> str:
    """A CHOICES path as a regular expression over override paths (the what-if JSON Schema's keys)."""
    return "^" + r"\.".join("[^.]+" if part == "*" else re.escape(part) for part in pattern.split(".")) + "$"


def choice_words(path: str) -> tuple[str, ...] | None:
    """The words the field at `path` takes (CHOICES), None for a field that takes numbers. `path` may
    hold wildcards itself (`nodes.*.open`): a pattern's `*` matches any segment, its names only the same."""
    segments = path.strip().split(".")
    for pattern, words in CHOICES.items():
        parts = pattern.split(".")
        if len(parts) == len(segments) and all(p == "*" or p == s for p, s in zip(parts, segments)):
            return words
    return None


def choice(path: str, value: Any) -> str | list[str] | bool | None:
    """The word an override of a CHOICES field sets (a list of names for a NAMES field, a boolean for a
    FLAG field); None for a path that is no such field. ValueError when the word is not one the field
    takes, with the closest ('did you mean')."""
    words = choice_words(path)
    if words is None:
        return None
    if words == (NAMES,):
        return names_value(path, value)
    if words == (FLAG,):
        return flag_value(path, value)
    word = str(value).strip() if is_number(value) else value.strip() if isinstance(value, str) else value
    if isinstance(word, str) and word.startswith("="):
        word = word[1:].strip()  # `=never` sets the word, as `=12` sets 12
    if not isinstance(word, str) or not word:
        raise ValueError(f"{value!r} is not allowed for {path.strip()}: give {_allowed(words)}")
    if word in words:
        return word
    if (NAME in words or NODE in words) and _NAME_TEXT.match(word):
        return word  # a name: validation says whether the scenario has it (a node for rework.to)
    close = difflib.get_close_matches(word, [w for w in words if w in WORDS], n=1, cutoff=0.5)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise ValueError(f"{value!r} is not allowed for {path.strip()}: give {_allowed(words)}.{hint}")


def names_value(path: str, value: Any) -> list[str]:
    """The names a NAMES field is set to: a list, or its text `[en, fr]` (`=[en, fr]`; `[]` for none).
    ValueError naming the item that is no name, or a value that is no list."""
    items: Any = value
    if isinstance(value, str):
        text = value.strip().removeprefix("=").strip()
        if not (text.startswith("[") and text.endswith("]")):
            raise ValueError(f"{value!r} is not allowed for {path.strip()}: give a list of names, e.g. [en, fr]")
        items = [item.strip() for item in text[1:-1].split(",")]
        items = [] if items == [""] else items
    if not isinstance(items, list):
        raise ValueError(f"{value!r} is not allowed for {path.strip()}: give a list of names, e.g. [en, fr]")
    for position, item in enumerate(items, 1):
        if not isinstance(item, str) or not _NAME_TEXT.match(item):
            raise ValueError(
                f"item {position} of the list, {item!r}, is not a name (letters, digits, _ - . and spaces)"
            )
    return [item.strip() for item in items]


def flag_value(path: str, value: Any) -> bool:
    """The boolean a FLAG field is set to: true or false (a YAML boolean, or its word as typed, with or
    without '='). ValueError for anything else: a flag has no arithmetic."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().removeprefix("=").strip().lower() if isinstance(value, (str, int)) else None
    if text not in FLAG_WORDS:
        raise ValueError(f"{value!r} is not allowed for {path.strip()}: give true or false")
    return FLAG_WORDS[text]


def _allowed(words: tuple[str, ...]) -> str:
    if words == (NAME,):
        return "a name (letters, digits, _ - . and spaces)"
    return "one of " + ", ".join(words)


@dataclass(frozen=True)
class Operation:
    """A parsed override value: what to do to a field's number."""

    op: str  # "=", "*", "/", "+", "-"
    operand: Decimal
    percent: bool
    absolute: float | int | list[float | int] | str | None  # the number (list of numbers, word) to set, for "="

    @property
    def relative(self) -> bool:
        return self.op != "="

    def apply(self, old: Any) -> Any:
        """The field's new value; `old` is a number, or a list or mapping of numbers."""
        if not self.relative:
            return list(self.absolute) if isinstance(self.absolute, list) else self.absolute
        if isinstance(old, list):
            return [self._change(v) for v in old]
        if isinstance(old, dict):
            return {k: self._change(v) for k, v in old.items()}
        return self._change(old)

    def _change(self, old: int | float) -> int | float:
        if isinstance(old, float) and not math.isfinite(old):
            return old  # left for validation to refuse
        value = Decimal(repr(old)) if isinstance(old, float) else Decimal(old)
        if self.op == "*":
            new = value * self.operand
        elif self.op == "/":
            new = value / self.operand
        elif self.percent:
            sign = 1 if self.op == "+" else -1
            new = value * (1 + sign * self.operand / 100)
        else:
            new = value + self.operand if self.op == "+" else value - self.operand
        return int(new) if isinstance(old, int) and new == new.to_integral_value() else float(new)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_numeric(value: Any) -> bool:
    """A field an override can change: a number, or a non-empty list or mapping of numbers."""
    if is_number(value):
        return True
    items = value if isinstance(value, list) else value.values() if isinstance(value, dict) else None
    return items is not None and len(items) > 0 and all(is_number(v) for v in items)


MAX_EXPONENT = 300
"""Most decimal exponent of an override's number: any real figure is far inside (the plausible
ranges, docs/model.md), and a change by it still fits a float."""


def parse_value(value: Any) -> Operation:
    """The operation an override value stands for; ValueError saying what is wrong otherwise."""
    if is_number(value):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
        return Operation("=", Decimal(repr(value)), False, value)
    if isinstance(value, list):
        return _list(value)
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a number or a change of one")
    if value.strip().startswith("["):
        return _list(_list_items(value))
    negative = _NEGATIVE.fullmatch(value.strip())
    if negative is not None:  # "=-3": a leading "-" is a change, so a negative number is set after "="
        positive = parse_value(negative.group("number"))
        assert isinstance(positive.absolute, (int, float))  # a plain number parses to "=" it
        return Operation("=", -positive.operand, False, -positive.absolute)
    match = _OPERATION.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"'{value}' is not a number or a change of one")
    op, number, percent = match.group("op") or "=", match.group("number"), bool(match.group("percent"))
    if percent and op not in "+-":
        raise ValueError(f"'{value}': a percentage is a change, written +{number}% or -{number}%")
    try:
        operand = Decimal(number.replace("_", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimal numbers
        raise ValueError(f"'{value}' is not a number or a change of one") from None
    if op == "/" and operand == 0:
        raise ValueError(f"'{value}' divides by zero")
    if operand != 0 and abs(operand.adjusted()) > MAX_EXPONENT:
        # 1e999999999 overflowed the decimal arithmetic; 1e-999999999 made any figure a silent 0
        raise ValueError(
            f"'{value}' is not a plausible number: its size must lie within 1e-{MAX_EXPONENT} to 1e{MAX_EXPONENT}"
        )
    absolute = _literal(number) if op == "=" else None
    return Operation(op, operand, percent, absolute)


def _literal(text: str) -> int | float:
    """A number as written: whole-number text is an int (a count of periods must stay one)."""
    text = text.replace("_", "")
    return int(text) if text.isdigit() else float(text)


def _list_items(text: str) -> list[Any]:
    """The items of `[700, 800, 900]` as written: each a number's text (checked by `_list`)."""
    inner = text.strip()
    if not inner.endswith("]"):
        raise ValueError(f"'{text}' is not a list of numbers: it does not end with ']'")
    items = [item.strip() for item in inner[1:-1].split(",")]
    return [] if items == [""] else items


def _list(items: list[Any]) -> Operation:
    """A list of numbers that replaces a per-period field; each item a number (or its plain text)."""
    if not items:
        raise ValueError("an empty list sets nothing: give one number per period, e.g. [700, 800, 900]")
    numbers: list[float | int] = []
    for position, item in enumerate(items, 1):
        number = _list_item(item)
        if number is None:
            raise ValueError(f"item {position} of the list, {item!r}, is not a number: a list holds plain numbers")
        numbers.append(number)
    return Operation("=", Decimal(0), False, numbers)


_SIGNED = re.compile(rf"(?P<sign>[+-]?)\s*(?P<number>{_NUMBER})")


def _list_item(item: Any) -> float | int | None:
    """A list's item as a number, None if it is not one. In a list a sign is the number's own, not a
    change: `[700, -5]` holds -5, which the field's range then refuses where it must (a volume)."""
    if isinstance(item, list):
        return None
    sign, text = 1, item
    if isinstance(item, str):
        match = _SIGNED.fullmatch(item.strip())
        if match is None:
            return None
        sign, text = (-1 if match.group("sign") == "-" else 1), match.group("number")
    try:
        literal = parse_value(text).absolute  # its size checked as any number's
    except ValueError:
        return None
    if isinstance(literal, bool) or not isinstance(literal, int | float):
        return None
    return sign * literal
