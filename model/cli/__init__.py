"""The command line: parses arguments, prints, and maps outcomes to exit codes. No modelling here.

One module per group of commands; importing them registers each on the shared Typer app.
"""

from __future__ import annotations

# Importing a command module registers its commands; the import order is the order of `e2eopt --help`:
# one scenario, then what-ifs, then comparing runs.
# isort: off
from model.cli import solve as _solve  # noqa: F401
from model.cli import sweep as _sweep  # noqa: F401
from model.cli import frontier as _frontier  # noqa: F401
from model.cli import compare as _compare  # noqa: F401
from model.cli.common import EXIT, app

# isort: on


def main() -> None:
    app()


__all__ = ["EXIT", "app", "main"]
