"""The command line: parses arguments, prints, and maps outcomes to exit codes. No modelling here.

One module per group of commands; importing them registers each on the shared Typer app.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from typing import NoReturn

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
    """The command line, ending in SystemExit with its exit code (as Typer does)."""
    app()


def run() -> NoReturn:
    """The `e2eopt` command: `main()`, then the process ends at once with its exit code.

    Everything is written, closed and flushed by then; what is skipped is the interpreter tearing
    down its objects one by one, a fifth of a second after a 100,000-variable solve. A traceback
    still ends the process the usual way, and so does every command under a debugger, a profiler
    or a coverage tool (they write what they found at exit).

    The cycle collector's young generation is collected every 50,000 new container objects, not
    700: building the tables of a 100,000-variable solve makes millions of them and hardly any
    cycles, and the default's 400 collections cost 0.15 s."""
    gc.set_threshold(50_000, 20, 20)
    try:
        main()
        code = 0
    except SystemExit as done:
        code = _exit_code(done)
    if _watched():
        sys.exit(code)  # a debugger, profiler or coverage tool writes its findings at exit
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader that has gone (a closed pipe)
            stream.flush()
    os._exit(code)


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


__all__ = ["EXIT", "app", "main", "run"]
