"""What every command shares: the Typer app, the consoles, exit codes and scenario loading."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from model.errors import ScenarioError
from model.scenario import Scenario, read_scenario
from model.scenario.loader import SourceMap

EXIT = {"optimal": 0, "error": 1, "bad_input": 2, "infeasible": 3, "unbounded": 4, "time_limit": 5}
"""Exit codes: 0 optimal, 1 solver error or failed check, 2 bad input, 3 infeasible, 4 unbounded, 5 time limit."""

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="End-to-end process cost optimiser: cheapest staffing and routing that meets quality and "
                       "response-time targets.")
out = Console(highlight=False, width=None if sys.stdout.isatty() else 132)
err = Console(stderr=True, highlight=False, soft_wrap=True)

ScenarioFile = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]


def load(path: Path) -> tuple[Scenario, SourceMap, bytes]:
    """The validated scenario, or every problem printed and exit 2."""
    try:
        return read_scenario(path)
    except ScenarioError as error:
        err.print(str(error), markup=False)
        raise typer.Exit(EXIT["bad_input"]) from None
