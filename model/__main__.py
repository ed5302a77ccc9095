"""`python -m model` and the `e2eopt` command (pyproject's console script names `run` here).

Until the command line is imported (Typer and rich, about a tenth of a second), Ctrl-C or SIGTERM
ends the process at once with 130 or 143: nothing has been done yet, and a KeyboardInterrupt
traceback from inside an import would be noise. model.cli.run then installs handlers that raise,
so that a command cleans up (its staging folder removed) before it exits. Only the interpreter's
own start-up, before this module runs, is left to Python's default handling.
"""

import os
import signal


def run() -> None:
    """Install the at-once handlers, then import and run the command line."""
    signal.signal(signal.SIGINT, _at_once)
    signal.signal(signal.SIGTERM, _at_once)
    from model.cli import run as command_line

    command_line()


def _at_once(signum: int, frame: object) -> None:
    """End now with 128 + the signal's number: 130 for Ctrl-C, 143 for SIGTERM (nothing to clean up)."""
    os.write(2, b"Interrupted.\n")
    os._exit(128 + signum)


if __name__ == "__main__":
    run()
