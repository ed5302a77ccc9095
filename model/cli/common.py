"""What every command shares: the Typer app, the consoles, exit codes and scenario loading."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer
from pydantic import ValidationError
from rich.console import Console

from model.errors import ScenarioError
from model.highs_options import parse_assignment
from model.scenario import Scenario
from model.scenario.loader import SourceMap
from model.scenario.overrides import Resolved, resolve

EXIT = {"optimal": 0, "error": 1, "bad_input": 2, "infeasible": 3, "unbounded": 4, "time_limit": 5}
"""Exit codes: 0 optimal, 1 solver error or failed check, 2 bad input, 3 infeasible, 4 unbounded, 5 time limit."""

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="End-to-end process cost optimiser: cheapest staffing and routing that meets quality and "
    "response-time targets.",
)
out = Console(highlight=False, width=None if sys.stdout.isatty() else 132)
err = Console(stderr=True, highlight=False, soft_wrap=True)

ScenarioFile = Annotated[
    Path, typer.Argument(help="Scenario YAML file, or an override file (extends:).", show_default=False)
]
SetOption = Annotated[
    Optional[list[str]],
    typer.Option(
        "--set",
        metavar="PATH=VALUE",
        show_default=False,
        help="Override a number, after the file's own overrides; repeatable. PATH may hold wildcards "
        "(roles.*.cost_per_fte); VALUE is a number, or a change: *1.2, /2, +5, -3, +5%, -3%.",
    ),
]
RemoveOption = Annotated[
    Optional[list[str]],
    typer.Option(
        "--remove",
        metavar="PATH",
        show_default=False,
        help="Remove nodes.NAME (with its arcs), arcs.FROM->TO, demands.NAME or nodes.NAME.queue; repeatable.",
    ),
]
SolverOption = Annotated[
    Optional[list[str]],
    typer.Option(
        "--solver-option",
        metavar="KEY=VALUE",
        show_default=False,
        help="A HiGHS option passed through, e.g. presolve=off or simplex_strategy=4; repeatable; checked against "
        "HiGHS, added to the scenario's solver.highs_options.",
    ),
]


def load(
    path: Path, assignments: Sequence[str] = (), removals: Sequence[str] = ()
) -> tuple[Scenario, SourceMap, bytes]:
    """The validated scenario (its overrides applied), or every problem printed and exit 2."""
    resolved = load_resolved(path, assignments, removals)
    return resolved.scenario, resolved.source, resolved.text


def load_resolved(path: Path, assignments: Sequence[str] = (), removals: Sequence[str] = ()) -> Resolved:
    """The scenario resolved through `extends` and the command line's overrides; or exit 2 saying why."""
    try:
        return resolve(path, assignments or (), removals or ())
    except ScenarioError as error:
        err.print(str(error), markup=False)
        raise typer.Exit(EXIT["bad_input"]) from None


def refuse_options(error: ValidationError) -> NoReturn:
    """Solver options the scenario's `solver:` schema refused: each named as its option, then exit 2."""
    for problem in error.errors():
        message = problem["msg"].removeprefix("Value error, ")
        field = str(problem["loc"][0])
        if field == "highs_options":  # HiGHS's own word on a --solver-option (or the file's highs_options)
            err.print(f"--solver-option: {message}", markup=False)
            continue
        err.print(
            f"--{field.replace('_', '-')}: {problem['input']!r} is not allowed: {message[:1].lower()}{message[1:]}",
            markup=False,
        )
    raise typer.Exit(EXIT["bad_input"]) from None


def highs_options(assignments: Sequence[str] | None) -> dict[str, str] | None:
    """The --solver-option KEY=VALUE pairs as a mapping (checked later, against HiGHS); or exit 2."""
    if not assignments:
        return None
    try:
        return dict(parse_assignment(text) for text in assignments)
    except ValueError as error:
        err.print(str(error), markup=False)
        raise typer.Exit(EXIT["bad_input"]) from None
