"""Helpers for the benchmarks that time the command line as a user runs it (not a benchmark itself).

`run_cli(argv)` runs one `e2eopt ...` command in a fresh process and measures it the way
`/usr/bin/time` does: wall seconds from starting the process to its exit (interpreter start-up,
imports, reading the YAML and writing the run folder included) and the process's peak resident
memory (`ru_maxrss` from `os.wait4`). `run_folder` and `summary` read back what the command wrote, so
that HiGHS's own time and the phases (`summary.json`'s `timings_s`) sit beside the wall time of the
same run. `own_peak_mib()` is the peak a benchmark's own child process reads of itself.

Peak memory needs care on Linux: a process started by a large one (a benchmark that generated a
scenario) reports at least its parent's peak as its own `ru_maxrss` (at `exec` the kernel records
the peak of the memory it replaces, the parent's while the child shares it). So each command is
started by a small launcher process (`LAUNCHER`, a bare interpreter of about 11 MiB) that times
and reaps it, and a child reads its own peak from `/proc/self/status` (`VmHWM`), which counts only
its own memory.

Used by benchmarks/scale.py, benchmarks/sweep_cli.py, benchmarks/queues.py and benchmarks/startup.py;
`median_solve` by benchmarks/network_features.py and benchmarks/intervals.py.

Every command runs as on a user's machine after its first run, where Python keeps the package's
compiled bytecode (`__pycache__`): the package is byte-compiled once when this module is imported,
and the commands run without PYTHONDONTWRITEBYTECODE (set on some CI machines; with it, and stale
bytecode, every command would compile the package again: 0.2-0.4 s).
"""

from __future__ import annotations

import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
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


LAUNCHER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
process = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(process.pid, 0)
wall = time.perf_counter() - start
with open(sys.argv[1], "w") as out:
    json.dump({"returncode": os.waitstatus_to_exitcode(status), "wall_s": wall, "maxrss_kib": usage.ru_maxrss}, out)
"""
"""Starts the command given after a result file, waits for it and writes its exit code, wall seconds
and peak RSS there: a small parent, so that the command's `ru_maxrss` is its own (module docstring),
or the launcher's own 11 MiB if that is more. A command that cannot be started fails the launcher."""


def run_cli(argv: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None) -> CliRun:
    """Run `argv` in a fresh process; wall seconds and peak RSS as /usr/bin/time reports them.

    Output goes to temporary files (not pipes, which a large output could fill and stall); rich
    sees no terminal, as in a script or CI. The wall time runs from the launcher starting the
    command to reaping it, so the launcher's own start-up is not in it."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "result.json"
        launcher = [sys.executable, "-I", "-c", LAUNCHER, str(result), *argv]
        subprocess.run(launcher, cwd=cwd, stdout=out, stderr=err, env=USER_ENV if env is None else env, check=False)
        out.seek(0)
        err.seek(0)
        if not result.exists():
            raise RuntimeError(f"the launcher of `{' '.join(argv)}` failed:\n{err.read()[-3000:]}")
        measured = json.loads(result.read_text())
        return CliRun(
            argv, measured["returncode"], measured["wall_s"], measured["maxrss_kib"] / 1024, out.read(), err.read()
        )


def own_peak_mib() -> float:
    """This process's peak resident memory (MiB): `VmHWM`, which, unlike `ru_maxrss`, does not
    include the peak of the process that started it, for a process started by `exec` (a forked
    child without `exec` starts with its parent's memory resident)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError as error:
        raise RuntimeError(f"no /proc/self/status (not Linux?): {error}") from None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def run_folder(parent: Path, suffix: str = "") -> Path:
    """The one folder a command wrote into `parent` (each run is given an empty `--out` folder)."""
    found = [p for p in parent.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name.endswith(suffix)]
    if len(found) != 1:
        raise RuntimeError(f"expected one run folder in {parent}, found {[p.name for p in found]}")
    return found[0]


def summary(folder: Path) -> dict:
    """A run folder's summary.json."""
    return json.loads((folder / "summary.json").read_text())


def median_solve(path: Path, repeats: int, options: list[str] | None = None) -> dict:
    """The median wall and HiGHS seconds of `repeats` runs of `e2eopt solve path -q [options]`, and the
    last run's figures (model size, status, objective, queue tangent iterations, MIP gap).

    One measurement for the benchmarks that compare variants of a scenario side by side: wall time
    as a user sees it (run_cli) next to HiGHS's own (summary.json's timings_s.solve) of the same run."""
    walls, highs = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as out:
            run = run_cli([E2EOPT, "solve", str(path), "--out", out, "-q", *(options or [])]).check((0,))
            found = summary(run_folder(Path(out)))
        walls.append(run.wall_s)
        highs.append(found["timings_s"]["solve"])
    solver = found["solver"]
    return {
        "wall_s": statistics.median(walls),
        "highs_s": statistics.median(highs),
        "columns": solver["columns"],
        "rows": solver["rows"],
        "nonzeros": solver["nonzeros"],
        "status": found["status"],
        "objective": found["objective"],
        "iterations": (found.get("queues") or {}).get("iterations"),
        "mip_gap": solver.get("mip_gap"),
    }


def relative_difference(a: float, b: float) -> float:
    """|a - b| relative to the larger magnitude (at least 1)."""
    return abs(a - b) / max(1.0, abs(a), abs(b))


def solve_takes_no_sensitivity() -> bool:
    """Whether `e2eopt solve` takes `--no-sensitivity` (click refuses an unknown option before `--help`)."""
    return run_cli([E2EOPT, "solve", "--no-sensitivity", "--help"]).returncode == 0
