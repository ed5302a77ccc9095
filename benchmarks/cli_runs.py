"""Helpers for the benchmarks that time the command line as a user runs it (not a benchmark itself).

`run_cli(argv)` runs one `e2eopt ...` command in a fresh process and measures it the way
`/usr/bin/time` does: wall seconds from starting the process to its exit (interpreter start-up,
imports, reading the YAML and writing the run folder included) and the process's peak resident
memory (`ru_maxrss` from `os.wait4`). `run_folder` and `summary` read back what the command wrote, so
that HiGHS's own time and the phases (`summary.json`'s `timings_s`) sit beside the wall time of the
same run.

Used by benchmarks/scale.py, benchmarks/sweep_cli.py, benchmarks/queues.py and benchmarks/startup.py.

Every command runs as on a user's machine after its first run, where Python keeps the package's
compiled bytecode (`__pycache__`): the package is byte-compiled once when this module is imported,
and the commands run without PYTHONDONTWRITEBYTECODE (set on some CI machines; with it, and stale
bytecode, every command would compile the package again: 0.2-0.4 s).
"""

from __future__ import annotations

import compileall
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
E2EOPT = str(Path(sys.executable).parent / "e2eopt")
"""The e2eopt next to this interpreter (the project's .venv)."""


compileall.compile_dir(ROOT / "model", quiet=1)
USER_ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


@dataclass
class CliRun:
    """One command: its exit code, wall seconds, peak memory (MiB) and output."""

    argv: list[str]
    returncode: int
    wall_s: float
    peak_mib: float
    stdout: str
    stderr: str

    def check(self, allowed: tuple[int, ...] = (0,)) -> CliRun:
        """Itself, or RuntimeError with the command's last output if its exit code is not allowed."""
        if self.returncode not in allowed:
            raise RuntimeError(
                f"`{' '.join(self.argv)}` exited {self.returncode}:\n{self.stdout[-2000:]}\n{self.stderr[-3000:]}"
            )
        return self


def run_cli(argv: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None) -> CliRun:
    """Run `argv` in a fresh process; wall seconds and peak RSS as /usr/bin/time reports them.

    Output goes to temporary files (not pipes, which a large output could fill and stall); rich
    sees no terminal, as in a script or CI."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, env=USER_ENV if env is None else env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4: Popen must not wait again
        out.seek(0)
        err.seek(0)
        return CliRun(argv, process.returncode, wall, usage.ru_maxrss / 1024, out.read(), err.read())


def run_folder(parent: Path, suffix: str = "") -> Path:
    """The one folder a command wrote into `parent` (each run is given an empty `--out` folder)."""
    found = [p for p in parent.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name.endswith(suffix)]
    if len(found) != 1:
        raise RuntimeError(f"expected one run folder in {parent}, found {[p.name for p in found]}")
    return found[0]


def summary(folder: Path) -> dict:
    """A run folder's summary.json."""
    return json.loads((folder / "summary.json").read_text())


def relative_difference(a: float, b: float) -> float:
    """|a - b| relative to the larger magnitude (at least 1)."""
    return abs(a - b) / max(1.0, abs(a), abs(b))


def solve_takes_no_sensitivity() -> bool:
    """Whether `e2eopt solve` takes `--no-sensitivity` (click refuses an unknown option before `--help`)."""
    return run_cli([E2EOPT, "solve", "--no-sensitivity", "--help"]).returncode == 0
