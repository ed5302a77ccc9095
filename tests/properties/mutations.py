"""Random mutations of valid scenario files, at the text level and at the data level, for the tests that
load them (test_property_mutations.py): whatever a hand edit can do to a file, the tool must answer with
a valid scenario or located problems, never a traceback or a hang.

Every mutation is drawn from a `random.Random` the caller seeds, so a case is made again from its seed.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Callable
from typing import Any

import yaml

SYNTAX = [":", ": ", "[", "]", "{", "}", "!", "&", "*", "%", "#", '"', "'", "\t", "- ", "? ", "|", ">", "@", "`", ","]
"""Characters with a meaning in YAML, inserted one at a time."""
SNIPPETS = [
    "!!python/object/apply:os.system ['true']",
    "!local_tag",
    "&anchor ",
    "*anchor",
    "*nowhere",
    "<<: *anchor",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "%YAML 1.1\n---\n",
    "---\n",
    "...\n",
    "[[[[[[[[[[",
    "{a: {b: {c: {d: ",
    '"unclosed',
    "'unclosed",
    "key: value: other",
    "- item",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\ufeff",
    "é",
    "\u202e",
]
"""Whole pieces of YAML (tags, anchors, directives, unclosed brackets and quotes) and odd characters."""
NUMBERS = ["1e308", "-1e308", "1e-320", "-5", "-0.0", ".nan", ".inf", "-.inf", "NaN", "9" * 400, "0x1F", "0o17",
           "1_000", "abc", "null", "~", "true", "''", "[]", "{}", "2027-01-31", "1e999"]  # fmt: skip
"""What a number may be replaced by: huge, tiny, negative, not a number, text, another type."""
NUMBER = re.compile(r"(?<![\w.])-?\d+(\.\d+)?(?![\w.])")


# --- text level ---------------------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return text.split("\n")


def delete_line(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    del lines[rng.randrange(len(lines))]
    return "\n".join(lines)


def duplicate_line(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    lines.insert(i, lines[i])
    return "\n".join(lines)


def swap_lines(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def reindent_line(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    stripped = lines[i].lstrip(" ")
    indent = len(lines[i]) - len(stripped)
    change = rng.choice([-4, -2, -1, 1, 2, 4, "tab"])
    prefix = "\t" + " " * indent if change == "tab" else " " * max(0, indent + int(change))
    lines[i] = prefix + stripped
    return "\n".join(lines)


def insert_syntax(text: str, rng: random.Random) -> str:
    at = rng.randrange(len(text) + 1)
    return text[:at] + rng.choice(SYNTAX + SNIPPETS) + text[at:]


def insert_random_characters(text: str, rng: random.Random) -> str:
    at = rng.randrange(len(text) + 1)
    junk = "".join(
        chr(rng.choice([rng.randrange(0, 0x80), rng.randrange(0x80, 0x3000)])) for _ in range(rng.randint(1, 4))
    )
    return text[:at] + junk + text[at:]


def truncate(text: str, rng: random.Random) -> str:
    return text[: rng.randrange(len(text) + 1)]


def replace_number(text: str, rng: random.Random) -> str:
    found = list(NUMBER.finditer(text))
    if not found:
        return insert_syntax(text, rng)
    match = rng.choice(found)
    return text[: match.start()] + rng.choice(NUMBERS) + text[match.end() :]


def crlf_and_tabs(text: str, rng: random.Random) -> str:
    """Windows line ends, or a tab where the file had indentation."""
    if rng.random() < 0.5:
        return text.replace("\n", "\r\n")
    return text.replace("  ", "\t", rng.randint(1, 3))


VALUE = re.compile(r"(?<=: )(?=[^\s{\[|>#])")
"""Where a plain value starts after `key: `."""
TAGS = ["!!python/object/apply:os.system ['true'] ", "!!python/name:os.system ", "!local ", "!!str ", "!!float ",
        "!!int ", "!!binary ", "!!timestamp ", "!<tag:example.com,2000:app/x> ", "!!omap ", "!!set "]  # fmt: skip


def tag_value(text: str, rng: random.Random) -> str:
    """A tag put before a value, as a file written by another program (or an attacker) might have."""
    spots = [m.start() for m in VALUE.finditer(text)]
    if not spots:
        return insert_syntax(text, rng)
    at = rng.choice(spots)
    return text[:at] + rng.choice(TAGS) + text[at:]


def alias_value(text: str, rng: random.Random) -> str:
    """One value anchored and another made an alias of it (or of an anchor that does not exist)."""
    spots = [m.start() for m in VALUE.finditer(text)]
    if len(spots) < 2:
        return insert_syntax(text, rng)
    first, second = sorted(rng.sample(spots, 2))
    name = rng.choice(["a", "a", "missing"])
    end = text.find("\n", second)
    end = len(text) if end < 0 else end
    return text[:first] + "&a " + text[first:second] + f"*{name}" + text[end:]


def nest_deeply(text: str, rng: random.Random) -> str:
    """A value nested in thousands of lists or mappings."""
    spots = [m.start() for m in VALUE.finditer(text)] or [len(text)]
    at = rng.choice(spots)
    depth = rng.choice([100, 1000, 5000])
    opening, closing = rng.choice([("[", "]"), ("{a: ", "}")])
    return text[:at] + opening * depth + "1" + closing * depth + text[at:]


def alias_bomb(text: str, rng: random.Random) -> str:
    """A "billion laughs": nine levels of nine aliases to the level below, under a key of its own."""
    levels = ["lol0: &l0 [lol]"]
    levels += [f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
    return text + "\nbomb:\n" + "".join(f"  {level}\n" for level in levels)


TEXT_MUTATIONS: list[Callable[[str, random.Random], str]] = [
    tag_value,
    alias_value,
    delete_line,
    duplicate_line,
    swap_lines,
    reindent_line,
    insert_syntax,
    insert_random_characters,
    truncate,
    replace_number,
    replace_number,  # the most common hand edit, so twice as likely
    crlf_and_tabs,
]


RARE_MUTATIONS: list[Callable[[str, random.Random], str]] = [nest_deeply, alias_bomb]
"""Mutations that cost their load a little time each (a few in a hundred cases)."""


def mutate_text(text: str, rng: random.Random) -> bytes:
    """One to three text mutations; now and then a deep nesting or an alias bomb, or bytes that are not
    UTF-8, as a file saved wrongly."""
    for _ in range(rng.randint(1, 3)):
        text = rng.choice(TEXT_MUTATIONS)(text, rng)
    if rng.random() < 0.02:
        text = rng.choice(RARE_MUTATIONS)(text, rng)
    raw = text.encode("utf-8", "surrogatepass")
    if rng.random() < 0.04:
        at = rng.randrange(len(raw) + 1)
        raw = raw[:at] + rng.choice([b"\xff", b"\xc3", b"\xe9", b"\x80\x80"]) + raw[at:]
    if rng.random() < 0.02:
        raw = raw.decode("utf-8", "replace").encode("latin-1", "replace")
    return raw


# --- data level ---------------------------------------------------------------------------------------


def _containers(data: Any, path: tuple = ()) -> list[tuple[tuple, Any]]:
    """(path, container) of every mapping and list in the data."""
    found: list[tuple[tuple, Any]] = []
    if isinstance(data, dict):
        found.append((path, data))
        for key, value in data.items():
            found += _containers(value, (*path, key))
    elif isinstance(data, list):
        found.append((path, data))
        for i, value in enumerate(data):
            found += _containers(value, (*path, i))
    return found


def _other_type(value: Any, rng: random.Random) -> Any:
    """A value of another type than `value`'s: a number, text, a list, a mapping, null, a boolean."""
    choices = [1e308, -1.0, float("nan"), float("inf"), 10**40, "text", "", [1, 2], [], {"a": 1}, {}, None, True]
    return rng.choice([c for c in choices if type(c) is not type(value)])


def delete_key(data: Any, rng: random.Random) -> None:
    mappings = [c for _, c in _containers(data) if isinstance(c, dict) and c]
    if mappings:
        mapping = rng.choice(mappings)
        del mapping[rng.choice(list(mapping))]


def change_type(data: Any, rng: random.Random) -> None:
    containers = [c for _, c in _containers(data) if c]
    if containers:
        container = rng.choice(containers)
        key = rng.choice(list(container)) if isinstance(container, dict) else rng.randrange(len(container))
        container[key] = _other_type(container[key], rng)


def rename_key(data: Any, rng: random.Random) -> None:
    """A typo in a key (a letter dropped, doubled or swapped), or another key's name, or a number."""
    mappings = [c for _, c in _containers(data) if isinstance(c, dict) and c]
    if not mappings:
        return
    mapping = rng.choice(mappings)
    old = rng.choice(list(mapping))
    name = str(old)
    i = rng.randrange(max(1, len(name)))
    new: Any = rng.choice(
        [name[:i] + name[i + 1 :], name[:i] + name[i : i + 1] * 2 + name[i + 1 :], name[::-1], name.upper(), 7, ""]
    )
    value = mapping.pop(old)
    mapping[new if new not in mapping else f"{new}_"] = value


def duplicate_item(data: Any, rng: random.Random) -> None:
    lists = [c for _, c in _containers(data) if isinstance(c, list) and c]
    if lists:
        items = rng.choice(lists)
        items.append(copy.deepcopy(rng.choice(items)))


def replace_figure(data: Any, rng: random.Random) -> None:
    """A number replaced by a huge, tiny, negative or non-finite one, or a very long integer."""
    spots = [
        (c, k)
        for _, c in _containers(data)
        for k in (c if isinstance(c, dict) else range(len(c)))
        if isinstance(c[k], (int, float)) and not isinstance(c[k], bool)
    ]
    if spots:
        container, key = rng.choice(spots)
        container[key] = rng.choice([1e308, 1e-320, -1.0, -1e-9, float("nan"), float("inf"), 10**5000, 10**9, 0])


DATA_MUTATIONS: list[Callable[[Any, random.Random], None]] = [
    delete_key,
    change_type,
    rename_key,
    duplicate_item,
    replace_figure,
]


def mutate_data(data: Any, rng: random.Random) -> bytes:
    """One or two data mutations of a copy of the data, written back as YAML (libyaml's emitter)."""
    data = copy.deepcopy(data)
    for _ in range(rng.randint(1, 2)):
        rng.choice(DATA_MUTATIONS)(data, rng)
    try:
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120).encode("utf-8")
    except (ValueError, OverflowError):  # an integer too long for the emitter's str(): written by hand
        return yaml.safe_dump(_shorter(data), sort_keys=False).replace("999999", "9" * 5000, 1).encode("utf-8")


def _shorter(data: Any) -> Any:
    """The data with integers of more than 4,300 digits (Python's str() limit) replaced by 999999."""
    if isinstance(data, dict):
        return {k: _shorter(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_shorter(v) for v in data]
    if isinstance(data, int) and not isinstance(data, bool) and data.bit_length() > 14_000:
        return 999999
    return data
