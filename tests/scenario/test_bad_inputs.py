"""The bad-input corpus: every file in bad/ breaks one validation rule and must be refused, located.

Each file opens with comment lines that say what the refusal must contain:

    # expect: <fragment>    (one or more; each must appear in the error text)
    # field: <field path>   (optional; some problem must have this path ...)
    # line: <N>             (optional; ... and this 1-based line)
    # problems: <N>         (optional; exactly this many problems, where knock-on ones would be wrong)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import bad_files

from model.errors import ScenarioError
from model.scenario import load_scenario

HEADER = re.compile(r"#\s*(expect|field|line|problems):\s?(.*)$")


def expectations(path: Path) -> dict[str, list[str]]:
    """The `# expect/field/line:` comments at the top of a file."""
    found: dict[str, list[str]] = {"expect": [], "field": [], "line": [], "problems": []}
    # Read leniently: some files hold bytes that are not UTF-8 on purpose, after their header.
    for text in path.read_bytes().decode("utf-8", "replace").splitlines():
        match = HEADER.match(text)
        if not match:
            break
        found[match.group(1)].append(match.group(2).rstrip())
    return found


def test_corpus_is_there():
    assert len(bad_files()) >= 150
    assert len([p for p in bad_files() if p.name.startswith("yaml_")]) >= 74


@pytest.mark.parametrize("path", bad_files(), ids=lambda p: p.stem)
def test_bad_file_is_refused(path: Path):
    expected = expectations(path)
    assert expected["expect"], f"{path.name} has no '# expect:' line"

    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    error = caught.value
    text = str(error)

    for fragment in expected["expect"]:
        assert fragment in text, f"{fragment!r} not in:\n{text}"

    assert error.problems, "a ScenarioError must list its problems"
    for problem in error.problems:
        assert Path(problem.file).name == path.name, problem
        assert isinstance(problem.line, int) and problem.line >= 1, f"problem without a line number: {problem}"

    field = expected["field"][0] if expected["field"] else None
    line = int(expected["line"][0]) if expected["line"] else None
    if field is not None or line is not None:
        matching = [
            p for p in error.problems if (field is None or p.path == field) and (line is None or p.line == line)
        ]
        seen = "\n".join(f"  {p.path or '(top level)'} at line {p.line}: {p.message}" for p in error.problems)
        assert matching, f"no problem at field={field!r} line={line}; problems:\n{seen}"

    if expected["problems"]:
        count = int(expected["problems"][0])
        assert len(error.problems) == count, f"expected {count} problem(s), got:\n{text}"
