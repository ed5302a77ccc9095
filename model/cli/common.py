"""What every command shares: the Typer app, the consoles, exit codes and scenario loading.

Kept light (typer, rich and the standard library): every command's module imports it, and
`e2eopt --help` imports every command's module. The scenario package is imported on first load.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

from model.errors import Problem, ScenarioError
from model.highs_options import parse_assignment

if TYPE_CHECKING:
    from pydantic import ValidationError

    from model.scenario import Scenario
    from model.scenario.loader import SourceMap
    from model.scenario.overrides import Resolved

EXIT = {
    "optimal": 0,
    "error": 1,
    "bad_input": 2,
    "infeasible": 3,
    "unbounded": 4,
    "time_limit": 5,
    "write_error": 6,
    "interrupted": 130,
    "terminated": 143,
}
"""Exit codes: 0 optimal, 1 solver error, failed check or internal error, 2 bad input (a bad --out
too, found before any work), 3 infeasible, 4 unbounded, 5 time limit, 6 the results could not be
written (disk full, file too large, I/O error, permission lost during the write), 130 Ctrl-C
(SIGINT), 143 SIGTERM."""

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="End-to-end process cost optimiser: cheapest staffing and routing that meets quality and "
    "response-time targets.",
)
out = Console(highlight=False, width=None if sys.stdout.isatty() else 132)
err = Console(stderr=True, highlight=False, soft_wrap=True)

ScenarioFile = Annotated[
    Path,
    typer.Argument(
        help="Scenario YAML file, an override file (extends:), or a run folder to solve again.", show_default=False
    ),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="PATH=VALUE",
        show_default=False,
        help="Override a number, after the file's own overrides; repeatable. PATH may hold wildcards "
        "(roles.*.cost_per_fte); VALUE is a number, or a change: *1.2, /2, +5, -3, +5%, -3%.",
    ),
]
RemoveOption = Annotated[
    list[str] | None,
    typer.Option(
        "--remove",
        metavar="PATH",
        show_default=False,
        help="Remove nodes.NAME (with its arcs), arcs.FROM->TO, demands.NAME or nodes.NAME.queue; repeatable.",
    ),
]
SolverOption = Annotated[
    list[str] | None,
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
    """The scenario resolved through `extends` and the command line's overrides; or exit 2 saying why.

    `path` may be a run folder: the scenario it was solved from (a sweep point's: the sweep's base with
    the point's overrides, checked against the digest the point recorded), then the command line's."""
    from model.scenario.overrides import resolve

    try:
        recorded: list[str] = []
        expected: str | None = None
        extra = list(assignments or ())
        if path.is_dir():
            from model.runs import run_input

            path, recorded, expected = run_input(path)
        resolved = resolve(path, [*recorded, *extra], removals or ())
        if expected is not None and not extra and not removals:
            _check_digest(resolved, expected, path)
        return resolved
    except ScenarioError as error:
        err.print(str(error), markup=False)
        raise typer.Exit(EXIT["bad_input"]) from None


def _check_digest(resolved: Resolved, expected: str, base: Path) -> None:
    from model.runs import scenario_digest

    if scenario_digest(resolved.data) != expected:
        raise ScenarioError(
            [
                Problem(
                    str(base),
                    None,
                    None,
                    "",
                    "the sweep point's base and overrides make another "
                    "scenario than the one solved (its SHA-256 differs)",
                    "Was base.yaml edited? Solve the sweep again.",
                )
            ]
        )


def load_extension(spec: str | None) -> Callable | None:
    """`--extend PATH.py:FUNCTION` or `--extend MODULE:FUNCTION`: the extension function, wrapped so that
    what it raises becomes an ExtensionError naming it; or exit 2 saying what is wrong."""
    if spec is None:
        return None
    import importlib
    import importlib.util
    import inspect

    from model.errors import ExtensionError

    where, colon, name = spec.rpartition(":")
    try:
        if not colon or not where or not name.isidentifier():
            raise ExtensionError("expected FILE.py:FUNCTION or MODULE:FUNCTION, e.g. data/extensions.py:vendor_fee")
        if where.endswith(".py"):
            path = Path(where)
            if not path.is_file():
                raise ExtensionError(f"no file {where}")
            found = importlib.util.spec_from_file_location(f"e2eopt_extension_{path.stem}", path)
            if found is None or found.loader is None:  # not for a .py file, but typed so
                raise ExtensionError(f"{where} cannot be imported as a module")
            module = importlib.util.module_from_spec(found)
            found.loader.exec_module(module)
        else:
            module = importlib.import_module(where)
        function = getattr(module, name, None)
        if not callable(function):
            names = [n for n, f in vars(module).items() if inspect.isfunction(f) and f.__module__ == module.__name__]
            raise ExtensionError(f"{where} has no function {name!r} (it has: {', '.join(names) or 'none'})")
    except ExtensionError as error:
        err.print(f"--extend {spec}: {error}", markup=False)
        raise typer.Exit(EXIT["bad_input"]) from None
    except Exception as error:
        err.print(f"--extend {spec}: importing {where} failed: {type(error).__name__}: {error}", markup=False)
        raise typer.Exit(EXIT["bad_input"]) from None

    def extension(lp: object, parts: object) -> None:
        try:
            function(lp, parts)
        except Exception as error:  # the user's code: its failure is bad input, with its reason
            raise ExtensionError(f"--extend {spec} failed: {type(error).__name__}: {error}") from error

    return extension


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


def check_out(folder: Path, option: str = "--out") -> None:
    """Exit 2 before any work if the command cannot write under `folder`: a file, under a file, a
    parent that cannot be made, read-only or not permitted (found by trying; nothing is left)."""
    from model.staging import OutputError, check_output_folder

    try:
        removed = check_output_folder(folder)
    except OutputError as error:
        err.print(f"{option} {error}; nothing was done.", markup=False)
        raise typer.Exit(EXIT["bad_input"]) from None
    if removed:
        err.print(f"Removed {len(removed)} unfinished folder(s) that a killed run left in {folder}.", markup=False)


def write_failed(error: OSError, what: str, folder: Path, outcome: str) -> NoReturn:
    """The results could not be written (a full disk, most often): say where and why, what the work
    found (`outcome`), and the command that does it again; exit 6. Nothing is left half-written."""
    from model.staging import describe

    err.print(
        f"error: {what} could not be written under {folder}: {describe(error)}; nothing was written there. "
        f"{outcome} Free some space or choose another --out, then run again: {rerun_command()}",
        markup=False,
    )
    raise typer.Exit(EXIT["write_error"])


def rerun_command() -> str:
    """The command line that started this process, as a shell would take it back."""
    import shlex

    return shlex.join(["e2eopt", *sys.argv[1:]])
