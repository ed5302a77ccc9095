"""The command line: parses arguments, prints, and maps outcomes to exit codes. No modelling here.

One module per group of commands; importing them registers each on the shared Typer app.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

# Importing a command module registers its commands; the import order is the order of `e2eopt --help`:
# one scenario, then what-ifs, then comparing runs, then the catalogue of runs.
# isort: off
from model.cli import solve as _solve  # noqa: F401
from model.cli import sweep as _sweep  # noqa: F401
from model.cli import frontier as _frontier  # noqa: F401
from model.cli import compare as _compare  # noqa: F401
from model.cli import report as _report  # noqa: F401
from model.cli import export as _export  # noqa: F401
from model.cli import runs as _runs  # noqa: F401
from model.cli import schema as _schema  # noqa: F401
from model.cli import serve as _serve  # noqa: F401
from model.cli.common import EXIT, app, err, output_mode, print_stdout

# isort: on

DEBUG = {"on": False}
"""Whether --debug was given (E2EOPT_DEBUG=1 does the same): an internal error prints its traceback."""
_SIGNALLED: list[int] = []
"""The signals that interrupted the command (SIGTERM ends it with 143, not 130)."""


def _version(asked: bool) -> None:
    """`--version`: the package's, HiGHS's and Python's versions, then exit 0."""
    if not asked:
        return
    import platform
    from importlib import metadata

    from model.highs_options import highs_version

    try:
        version = metadata.version("e2e-optimiser")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        version = "(not installed)"
    print_stdout(f"e2eopt {version}, HiGHS {highs_version()}, Python {platform.python_version()}\n")
    raise typer.Exit(0)


@app.callback()
def _options(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help="On an internal error, print the traceback instead of writing it to a log file "
            "(E2EOPT_DEBUG=1 does the same).",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            callback=_version,
            help="Print the versions of e2eopt, HiGHS and Python, and exit.",
        ),
    ] = False,
) -> None:
    """End-to-end process cost optimiser: cheapest staffing and routing that meets quality and response-time targets."""
    DEBUG["on"] = debug
    output_mode()  # each command sets its own (--json, --quiet); none carries over from the one before


def main() -> None:
    """The command line, ending in SystemExit with its exit code (as Typer does).

    Typer turns a Ctrl-C inside a command into exit 130; one outside (while the commands are being
    built) is 130 here. Any other exception is a bug: one line and the log file holding its
    traceback (internal_error), exit 1, never a traceback on the user's screen unless asked for."""
    DEBUG["on"] = False
    try:
        app()
    except KeyboardInterrupt:
        err.print("Interrupted.")
        raise SystemExit(EXIT["interrupted"]) from None
    except Exception as error:
        internal_error(error)
        raise SystemExit(EXIT["error"]) from None


def internal_error(error: BaseException) -> None:
    """Say that the tool failed (not the input), where the traceback is, and how to see it."""
    import traceback  # here, with datetime and tempfile: only a failure needs them, not `e2eopt --help`

    first = (str(error).strip().splitlines() or [""])[0][:300]
    err.print(f"internal error: {type(error).__name__}: {first}", markup=False)
    text = "".join(traceback.format_exception(error))
    if DEBUG["on"] or os.environ.get("E2EOPT_DEBUG", "") not in ("", "0"):
        sys.stderr.write(text)
        return
    log = write_log(text)
    if log is None:  # nowhere to write it: the traceback is all the user can report
        sys.stderr.write(text)
        return
    err.print(
        f"The traceback is in {log}; please report it with that file. --debug (or E2EOPT_DEBUG=1) prints it here.",
        markup=False,
    )


def write_log(text: str) -> Path | None:
    """The traceback, with the command and the time, in `$XDG_STATE_HOME/e2eopt/logs/` (default
    ~/.local/state/e2eopt/logs/), else in the temporary folder; None if neither can be written."""
    import tempfile
    from datetime import UTC, datetime

    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    now = datetime.now(UTC)
    name = f"internal-error-{now:%Y%m%dT%H%M%SZ}-{os.getpid()}.log"
    header = f"e2eopt internal error, {now.isoformat(timespec='seconds')}\ncommand: {sys.argv!r}\n\n"
    for folder in (Path(state) / "e2eopt" / "logs", Path(tempfile.gettempdir()) / "e2eopt-logs"):
        with contextlib.suppress(OSError):
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(header + text, encoding="utf-8")
            return folder / name
    return None


def run() -> NoReturn:
    """The `e2eopt` command: `main()`, then the process ends at once with its exit code.

    Everything is written, closed and flushed by then; what is skipped is the interpreter tearing
    down its objects one by one, a fifth of a second after a 100,000-variable solve. A traceback
    still ends the process the usual way, and so does every command under a debugger, a profiler
    or a coverage tool (they write what they found at exit).

    Ctrl-C (SIGINT) and SIGTERM raise KeyboardInterrupt, so that each command removes what it had
    half-written and exits 130, or 143 for SIGTERM; once the command has ended, either ends the
    process at once with that code (while the output is being flushed).

    The cycle collector's young generation is collected every 50,000 new container objects, not
    700: building the tables of a 100,000-variable solve makes millions of them and hardly any
    cycles, and the default's 400 collections cost 0.15 s."""
    gc.set_threshold(50_000, 20, 20)
    try:
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
        main()
        code = 0
    except SystemExit as done:
        code = _exit_code(done)
    except KeyboardInterrupt:  # between the handlers' installation and main's own
        code = EXIT["interrupted"]
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, _at_once)
    if code == EXIT["interrupted"] and signal.SIGTERM in _SIGNALLED:
        code = EXIT["terminated"]
    if _watched():
        sys.exit(code)  # a debugger, profiler or coverage tool writes its findings at exit
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader that has gone (a closed pipe)
            stream.flush()
    os._exit(code)


def _interrupt(signum: int, frame: object) -> None:
    """SIGINT or SIGTERM during the command: a KeyboardInterrupt where the command is."""
    _SIGNALLED.append(signum)
    raise KeyboardInterrupt


def _at_once(signum: int, frame: object) -> None:
    """A signal once the command has ended: nothing is left to clean up, so end now."""
    os._exit(128 + signum)


def _watched() -> bool:
    """Whether a debugger, profiler or coverage tool follows this process: by sys.settrace or
    sys.setprofile, or (Python 3.12+) registered with sys.monitoring."""
    if sys.gettrace() is not None or sys.getprofile() is not None:
        return True
    monitoring = getattr(sys, "monitoring", None)
    return monitoring is not None and any(monitoring.get_tool(tool) is not None for tool in range(6))


def _exit_code(done: SystemExit) -> int:
    """SystemExit's code as the interpreter takes it: None is 0; a message is printed, and is 1."""
    if done.code is None:
        return 0
    if isinstance(done.code, int):
        return done.code
    sys.stderr.write(f"{done.code}\n")
    return 1


__all__ = ["EXIT", "app", "internal_error", "main", "run"]
