"""The README stays true: every scenario field is in its reference, and CI runs its test command."""

from __future__ import annotations

import re

from conftest import ROOT
from pydantic import BaseModel

from model.scenario.schema import (
    Arc,
    Demand,
    Lane,
    Meta,
    Node,
    Overtime,
    Queue,
    QueueTarget,
    RelaxationWeights,
    Role,
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
    ("arcs[]", Arc),
    ("demands.<demand>", Demand),
    ("solver", Solver),
    ("solver.relaxation_weights", RelaxationWeights),
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
