"""The README stays true: every scenario field is in its reference, and CI runs its test command."""

from __future__ import annotations

import re

from conftest import ROOT
from pydantic import BaseModel

from model.scenario.schema import (
    Arc,
    Demand,
    Intervals,
    Lane,
    Meta,
    Node,
    Overtime,
    Queue,
    QueueTarget,
    RelaxationWeights,
    Rework,
    Role,
    Rule,
    RuleSum,
    Shift,
    Solver,
    Staff,
    Stock,
    Work,
)

README = (ROOT / "README.md").read_text()

SECTIONS: list[tuple[str, type[BaseModel]]] = [
    ("scenario", Meta),
    ("roles.<role>", Role),
    ("roles.<role>.overtime", Overtime),
    ("nodes.<node>", Node),
    ("nodes.<node>.work.<role>", Work),
    ("nodes.<node>.staff.<role>", Staff),
    ("nodes.<node>.stock", Stock),
    ("nodes.<node>.queue", Queue),
    ("nodes.<node>.queue.target", QueueTarget),
    ("nodes.<node>.queue.lanes[]", Lane),
    ("nodes.<node>.rework", Rework),
    ("arcs[]", Arc),
    ("demands.<demand>", Demand),
    ("solver", Solver),
    ("solver.relaxation_weights", RelaxationWeights),
    ("rules.<rule>", Rule),
    ("rules.<rule>.of", RuleSum),
    ("intervals", Intervals),
    ("nodes.<node>.work.<role>.shifts.<pattern>", Shift),
]


def test_every_schema_field_has_a_reference_row():
    missing = [
        f"{prefix}.{info.alias or name}"
        for prefix, model in SECTIONS
        for name, info in model.model_fields.items()
        if f"`{prefix}.{info.alias or name}`" not in README
    ]
    assert missing == []


def test_ci_runs_the_readme_test_command():
    commands = re.findall(r"^python3 -m venv .*$", README, flags=re.MULTILINE)
    test_command = next(c for c in commands if "pytest" in c)
    assert test_command in (ROOT / ".ci" / "run").read_text()


def test_files_the_readme_shows_whole_are_shown_as_they_are():
    shown = re.findall(r"\(`(data/[\w.-]+\.yaml)`, the whole file\):\n\n```yaml\n(.*?)```\n", README, flags=re.DOTALL)
    assert "data/whatif-wage-rise.yaml" in [path for path, _ in shown]
    for path, text in shown:
        assert text == (ROOT / path).read_text(), path


def help_texts() -> dict[str, str]:
    """Every command's --help (and the top level's), as printed at 80 columns, on one line each."""
    import typer
    from typer.testing import CliRunner

    from model.cli import app

    group = typer.main.get_command(app)
    commands = [[]] + [[name] for name in group.commands]  # type: ignore[attr-defined]
    commands += [["runs", name] for name in group.commands["runs"].commands]  # type: ignore[attr-defined]
    texts = {}
    for command in commands:
        result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "80"}, prog_name="e2eopt")
        assert result.exit_code == 0, result.output
        texts[" ".join(command) or "e2eopt"] = " ".join(result.output.split())
    return texts


def test_every_readme_section_and_doc_a_help_text_names_is_there():
    """`(docs: README, "Screens, scripts and shells")` in a help text: the README has that heading; a
    file it names (docs/model.md) exists."""
    headings = {line.lstrip("#").strip() for line in README.splitlines() if re.match(r"#{2,4} ", line)}
    texts = help_texts()
    assert {"solve", "runs list", "export"} <= set(texts)
    sections = {(name, section) for name, text in texts.items() for section in re.findall(r'README,? "([^"]+)"', text)}
    assert ("solve", "Screens, scripts and shells") in sections
    assert [(name, section) for name, section in sorted(sections) if section not in headings] == []
    files = {(name, file) for name, text in texts.items() for file in re.findall(r"\bdocs/[\w./-]*\w", text)}
    assert files and [(name, file) for name, file in sorted(files) if not (ROOT / file).exists()] == []
