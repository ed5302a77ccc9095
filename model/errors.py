"""The project's errors: one base class, and errors that carry where in the input they come from."""

from __future__ import annotations

from dataclasses import dataclass


class E2EError(Exception):
    """Base class of every error the optimiser raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file, located precisely enough to fix it."""

    file: str
    line: int | None  # 1-based
    column: int | None  # 1-based
    path: str  # field path, e.g. nodes.service_south.work.technician.hours_per_unit
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        text = f"{where}  {self.path or '(top level)'}: {self.message}"
        if self.hint:
            text += f"\n    {self.hint}"
        return text


class ScenarioError(E2EError):
    """A scenario file has one or more problems; all of them are listed, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line or 0, p.column or 0, p.path))
        count = len(self.problems)
        header = f"{count} problem{'s' if count != 1 else ''} in the scenario:"
        super().__init__("\n".join([header, *(str(p) for p in self.problems)]))


class InfeasibleRow(E2EError):
    """A constraint row with no variable left whose bounds exclude zero: infeasible as written."""


class SolveError(E2EError):
    """The solver could not be run at all (not: the problem was infeasible; that is a status)."""


class ExtensionError(E2EError):
    """An extension of the Pyomo model (`--extend`, `optimise(extend=...)`) could not be loaded or failed."""


class ReportError(E2EError):
    """A report cannot be made from the folder given (not a run, sweep, frontier or comparison folder)."""
