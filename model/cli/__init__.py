"""The command line: parses arguments, prints, and maps outcomes to exit codes. No modelling here.

One module per group of commands; importing them registers each on the shared Typer app.
"""

from __future__ import annotations

from model.cli import solve as _solve  # noqa: F401  registers validate, solve, generate
from model.cli.common import EXIT, app


def main() -> None:
    app()


__all__ = ["EXIT", "app", "main"]
