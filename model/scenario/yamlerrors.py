"""YAML syntax errors as problems that point where the mistake is, with a hint on how to fix it.

The parser reports where it gave up, which is often far from the mistake: an unclosed quote at the
end of the file, an unclosed bracket at the next line's colon. Its error also carries where the
construct it was reading began (the "context"); for those, that is the place to show. A duplicate key
names the first occurrence's line; "mapping values are not allowed here" and its kin get a hint
on indentation, tabs and colons inside texts.
"""

from __future__ import annotations

import re

from ruamel.yaml.error import MarkedYAMLError

from model.errors import Problem

_OPENERS = {
    "while scanning a quoted scalar": "quote",
    "while parsing a flow sequence": "[",
    "while parsing a flow mapping": "{",
}
_DUPLICATE = re.compile(r'found duplicate key "(.*)" with value')
_INDENT = "the keys of one mapping line up exactly, each nested level further in; tabs are not allowed."


def syntax_problem(error: MarkedYAMLError, text: str, file: str) -> Problem:
    """The parser's error, located at the mistake, with a hint."""
    lines = text.splitlines()
    problem = str(error.problem or error.context or "")
    at = error.problem_mark or error.context_mark
    line, column = (at.line + 1, at.column + 1) if at is not None else (1, 1)
    opened = error.context_mark
    what = _OPENERS.get(str(error.context))
    if what is not None and opened is not None and (at is None or at.line > opened.line):
        return _unclosed(file, what, opened.line + 1, opened.column + 1, line, problem)
    duplicate = _DUPLICATE.search(problem)
    if duplicate is not None:
        return _duplicate(file, duplicate.group(1), lines, error, line, column)
    if "could not find expected ':'" in problem and opened is not None:
        return Problem(
            file,
            opened.line + 1,
            opened.column + 1,
            "",
            "not valid YAML: this key has no ': ' after it",
            "A key and its value are written `key: value`, with a space after the colon "
            "(`capacity:800` is read as one text); a text that runs over lines needs quotes.",
        )
    if "another document" in problem:
        return Problem(
            file,
            line,
            column,
            "",
            "not valid YAML: a second document starts here",
            "A scenario is one YAML document: remove this `---` and what follows, or make it a file of its own.",
        )
    return Problem(file, line, column, "", f"not valid YAML: {problem}", _hint(problem, lines, line, column))


def _unclosed(file: str, what: str, line: int, column: int, gave_up: int, problem: str) -> Problem:
    """An unclosed quote or bracket, at the line where it opened."""
    closing = {"quote": "the same quote", "[": "]", "{": "}"}[what]
    noun = "this quote" if what == "quote" else f"this {what}"
    message = f"not valid YAML: {noun} is never closed (the parser read on to line {gave_up}: {problem})"
    hint = f"Close it with {closing} on this line" + (
        ", or remove it; inside '...' a quote is written twice ('it''s')." if what == "quote" else "."
    )
    return Problem(file, line, column, "", message, hint)


def _duplicate(file: str, key: str, lines: list[str], error: MarkedYAMLError, line: int, column: int) -> Problem:
    """A duplicate key: its name and both lines, not the parser's dump of the mapping."""
    first = _first_occurrence(key, lines, error, line, column)
    where = f" (first at line {first})" if first is not None else ""
    message = f'not valid YAML: duplicate key "{key}"{where}'
    return Problem(file, line, column, "", message, "Each key appears once in a mapping: remove or rename one.")


def _first_occurrence(key: str, lines: list[str], error: MarkedYAMLError, line: int, column: int) -> int | None:
    """The line of the key's first occurrence in its mapping: in block style, the same key at the
    same column between the mapping's start and the duplicate; in flow style, after a `{` or `,`."""
    start = error.context_mark.line if error.context_mark is not None else 0
    name = re.escape(key)
    written = rf"""(?:{name}|"{name}"|'{name}')\s*:(?:\s|$)"""
    in_flow = (lines[line - 1][: column - 1].rstrip()[-1:] in ("{", ",")) if line <= len(lines) else False
    flow = re.compile(rf"[{{,]\s*{written}")
    for index in range(start, min(line, len(lines))):
        text = lines[index][: column - 1] if index == line - 1 else lines[index]
        if in_flow and flow.search(text):
            return index + 1
        if not in_flow and not text[: column - 1].strip(" -") and re.match(written, text[column - 1 :]):
            return index + 1
    return None


def _hint(problem: str, lines: list[str], line: int, column: int) -> str:
    """A hint for the errors whose message says what, not why."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in problem or "\t" in text[: max(column, 1)]:
        return "YAML indents with spaces only: replace the tab by spaces."
    if "mapping values are not allowed" in problem and ": " in text[: column - 1].lstrip(" -"):
        return f'A text that holds ": " must be quoted, e.g. name: "A: B"; otherwise {_indentation(lines, line)}'
    if any(words in problem for words in ("mapping values are not allowed", "expected <block end>", "expected key")):
        hint = _indentation(lines, line)
        return hint[:1].upper() + hint[1:]
    if "found undefined alias" in problem:
        return "An unquoted '*' starts a YAML alias: quote a text that starts with '*'."
    return ""


def _indentation(lines: list[str], line: int) -> str:
    """The indentation of the line against the line above it that holds something."""
    spaces = _indent(lines[line - 1]) if 0 < line <= len(lines) else 0
    above = next(
        (n for n in range(line - 1, 0, -1) if lines[n - 1].strip() and not lines[n - 1].lstrip().startswith("#")),
        None,
    )
    compared = f" (line {line} is indented {spaces} spaces, line {above} {_indent(lines[above - 1])})" if above else ""
    return f"check the indentation{compared}: {_INDENT}"


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))
