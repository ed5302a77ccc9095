"""What every command shares: the Typer app, the consoles, exit codes and scenario loading.

Kept light (typer, rich and the standard library): every command's module imports it, and
`e2eopt --help` imports every command's module. The scenario package is imported on first load.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TextIO

import typer
from rich.console import Console
from rich.text import Text

from model.errors import Problem, ScenarioError
from model.formatting import plain_json, plural
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
"""Exit codes: 0 optimal (or done), 1 solver error, failed check, internal error, or `runs rm` declined
at its question (nothing was done that was asked, so `e2eopt runs rm X && ...` stops), 2 bad input (a bad --out
too, found before any work), 3 infeasible, 4 unbounded, 5 time limit, 6 the results could not be
written (disk full, file too large, I/O error, permission lost during the write), 130 Ctrl-C
(SIGINT), 143 SIGTERM."""

app = typer.Typer(
    add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish, PowerShell)
    rich_markup_mode=None,  # click's plain help: it wraps at 80 columns, rich's option panels cut words
    no_args_is_help=True,
    help="End-to-end process cost optimiser: cheapest staffing and routing that meets quality and "
    "response-time targets.",
)


def _no_types_beside_arguments() -> None:
    """Typer writes an argument's Python type beside its name in the help (`FILE <path>`, where
    options show their metavar alone); each argument's metavar (FILE, RUN_A) says what it takes."""
    from typer.core import TyperArgument

    if hasattr(TyperArgument, "display_type_rich"):
        TyperArgument.display_type_rich = lambda self, ctx: None  # type: ignore[method-assign]


_no_types_beside_arguments()


def _plain_argument_names() -> None:
    """Typer 0.29 writes a required argument as `{RUN}` in the usage line (`e2eopt export [OPTIONS]
    {RUN}`), where click and every manual page write `RUN`, and braces read as a set of choices. The
    usage line shows RUN for a required argument, [RUN] for an optional one, `...` after either when it
    repeats. The method is Typer's private one: if it goes, the braces come back and
    tests/cli/test_new_user.py's usage test fails."""
    from typer.core import TyperArgument

    def usage_name(self: TyperArgument) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")

    if hasattr(TyperArgument, "_usage_display_name"):
        TyperArgument._usage_display_name = usage_name  # type: ignore[method-assign]


_plain_argument_names()


class PipeSafe:
    """sys.stdout or sys.stderr (whichever is current, so that a test's capture is followed), where a
    reader that has gone (`e2eopt solve ... | head -1`) silences the rest of the output instead of
    raising BrokenPipeError in the middle of the command: the command runs to its end and exits with
    its own status. The stream's descriptor is pointed at /dev/null, so that its buffer's last
    flush does not fail either."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.closed_by_reader = False

    @property
    def stream(self) -> TextIO:
        return getattr(sys, self.name)

    def write(self, text: str) -> int:
        if self.closed_by_reader:
            return len(text)
        try:
            return self.stream.write(text)
        except BrokenPipeError:
            self._silence()
            return len(text)

    def flush(self) -> None:
        if self.closed_by_reader:
            return
        try:
            self.stream.flush()
        except BrokenPipeError:
            self._silence()

    def _silence(self) -> None:
        self.closed_by_reader = True
        try:
            descriptor = self.stream.fileno()
        except (OSError, ValueError):  # not a file (a test's capture): dropping the writes is enough
            return
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, descriptor)
        os.close(null)

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    def __getattr__(self, name: str) -> Any:  # encoding, errors, ...: the stream's own
        return getattr(self.stream, name)


# Nothing printed is read as rich markup or emoji codes: scenario names, fields and values such as
# `[a, b]` or `file:100:3` print as they are. Styles are given as such (`styled`), never as markup.
out = Console(
    file=PipeSafe("stdout"),  # type: ignore[arg-type]  # a TextIO in all the ways Console uses
    markup=False,
    emoji=False,
    highlight=False,
    width=None if sys.stdout.isatty() else 132,
)
err = Console(file=PipeSafe("stderr"), markup=False, emoji=False, highlight=False, soft_wrap=True)  # type: ignore[arg-type]
MODE = {"json": False, "quiet": False}
"""How the command prints: --json (one JSON document on stdout, nothing else there) and --quiet
(nothing but errors, and the path of what was written). Set by `output_mode`, reset for every command."""

JsonOption = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print one JSON document on stdout and nothing else there (progress, warnings and errors "
        "go to stderr); the same exit codes.",
    ),
]
QuietOption = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="Print only errors (stderr) and the path of what was written (stdout): no tables, no "
        "progress, no warnings (they stay in the files written).",
    ),
]


def output_mode(json_document: bool = False, quiet: bool = False) -> None:
    """Set how this command prints: the screen's tables go nowhere with --json or --quiet."""
    MODE.update(json=json_document, quiet=quiet)
    out.quiet = json_document or quiet


def styled(*parts: str | tuple[str, str]) -> Text:
    """Text with styles, from plain strings and (text, style) pairs: what markup did, without reading
    anything the user wrote as markup."""
    return Text.assemble(*parts)


def say(text: str | Text) -> None:
    """Progress and warnings on stderr: not with --quiet (with --json they go to stderr as usual)."""
    if not MODE["quiet"]:
        err.print(text)


def written(label: str, path: Path | str) -> None:
    """The path of what the command wrote, last on stdout: `label: path` on the screen, the bare path
    with --quiet (for `folder=$(e2eopt solve x.yaml -q)`), nothing with --json (the document has it)."""
    if MODE["json"]:
        return
    if MODE["quiet"]:
        print_stdout(f"{path}\n")
        return
    out.print(styled(f"{label}: ", (str(path), "bold")))


def print_stdout(text: str) -> None:
    """`text` on stdout as it is, past --quiet (a closed pipe silences it, as any output)."""
    stream = out.file
    stream.write(text)
    stream.flush()


def emit_json(document: object) -> None:
    """The command's one JSON document on stdout: valid JSON (NaN and infinities become null)."""
    import json

    print_stdout(json.dumps(plain_json(document), indent=2, ensure_ascii=False) + "\n")


ScenarioFile = Annotated[
    Path,
    typer.Argument(
        metavar="FILE",
        help="Scenario YAML file, an override file (extends:), or a run folder to solve again.",
        show_default=False,
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
        refuse_scenario(error)


def refuse_scenario(error: ScenarioError) -> NoReturn:
    """Every problem on stderr, and with --json the same as a document, `{"valid": false, "problems":
    [{file, line, column, path, message, hint}, ...]}`; exit 2."""
    err.print(str(error))
    if MODE["json"]:
        from dataclasses import asdict

        emit_json({"valid": False, "problems": [asdict(problem) for problem in error.problems]})
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


def check_out(folder: Path, option: str = "--out", given: Path | None = None) -> None:
    """Exit 2 before any work if the command cannot write under `folder` (`given`: what the user named,
    when the command writes a file or a folder in `folder`): a file, under a file, a parent that cannot
    be made, read-only or not permitted (found by trying; nothing is left)."""
    from model.staging import OutputError, check_output_folder

    try:
        removed = check_output_folder(folder)
    except OutputError as error:
        refuse_out(option, given or folder, error.said_of(given or folder))
    if removed:
        say(f"Removed {plural(len(removed), 'unfinished folder')} that a killed run left in {folder}.")


def check_out_file(target: Path, option: str = "--out") -> None:
    """Exit 2 before any work if the file `target` cannot be written: its folder missing, a file, or
    refusing new files (found by trying; nothing is left)."""
    from model.staging import OutputError, check_output_file

    try:
        check_output_file(target)
    except OutputError as error:
        refuse_out(option, target, error.said_of(target))


def refuse_out(option: str, given: Path, reason: str) -> NoReturn:
    """The one form of every refusal of an output place: `error: --out PATH: reason; nothing was
    written.`, exit 2."""
    err.print(f"error: {option} {given}: {reason}; nothing was written.")
    raise typer.Exit(EXIT["bad_input"])


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
