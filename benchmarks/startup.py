"""Start-up time of the command line and of the package: what a user waits for before any work.

    .venv/bin/python benchmarks/startup.py
    .venv/bin/python benchmarks/startup.py --runs 15
    .venv/bin/python benchmarks/startup.py --runs 2 --out /tmp/startup.csv      # a quick check

The target (issue): `e2eopt --help` <= 0.3 s.

Each command runs `--runs` times (default 7), each time in a fresh process, after one untimed run that
warms the file cache and `__pycache__`; commands take turns, so drift in the machine's load hits all
alike. Wall seconds from the process's start to its exit, interpreter start-up included, and peak
memory (MiB, as /usr/bin/time reports it); median, min and max are printed; for each `e2eopt`
command also the seconds to its first line of output (one more fresh process each time, reading a
pipe): for `validate`, its verdict, which it prints before it builds the LP to count it:

- `e2eopt --help`, `e2eopt solve --help`: the command line alone;
- `e2eopt validate data/tiny.yaml`: loads the scenario and builds its LP to count it;
- `e2eopt solve data/tiny.yaml --out DIR`: a whole solve of the smallest scenario (8 variables), so
  nearly all of it is start-up, imports and writing the run folder; the imports a solve needs alone:
  `python -c "import model.optimise, model.runs, model.cli.solve"`;
- `python -c "import model.scenario"` and `python -c "pass"` (the floor: the interpreter alone).

The e2eopt and python used are the ones next to this interpreter (the project's .venv).
tests/test_startup.py checks which modules each entry point loads; this script times them.
Writes benchmarks/out/startup.csv (or `--out`): one row per command and run, then a median row per command.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the project's `benchmarks` package
    sys.path.insert(0, str(ROOT))

from benchmarks.cli_runs import E2EOPT, USER_ENV, CliRun, run_cli  # noqa: E402

HELP_TARGET = 0.3
RUNS_DIR = Path(tempfile.gettempdir()) / "e2eopt-startup-runs"

COMMANDS: list[tuple[str, list[str]]] = [
    ("e2eopt --help", [E2EOPT, "--help"]),
    ("e2eopt solve --help", [E2EOPT, "solve", "--help"]),
    ("e2eopt validate data/tiny.yaml", [E2EOPT, "validate", "data/tiny.yaml"]),
    ("e2eopt solve data/tiny.yaml", [E2EOPT, "solve", "data/tiny.yaml", "--out", str(RUNS_DIR)]),
    (
        'python -c "import model.optimise, model.runs, model.cli.solve"',
        [sys.executable, "-c", "import model.optimise, model.runs, model.cli.solve"],
    ),
    ('python -c "import model.scenario"', [sys.executable, "-c", "import model.scenario"]),
    ('python -c "pass"', [sys.executable, "-c", "pass"]),
]


def timed(argv: list[str]) -> CliRun:
    """One fresh process; it must succeed. The solve's run folders are removed after each run."""
    run = run_cli(argv).check()
    shutil.rmtree(RUNS_DIR, ignore_errors=True)
    return run


def first_line(argv: list[str]) -> float:
    """Seconds from starting the process to its first line of output (`validate`'s verdict), read
    from a pipe as a terminal or a script would see it; the rest is read and the process awaited."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=USER_ENV)
    assert process.stdout is not None
    process.stdout.readline()
    seconds = time.perf_counter() - start
    process.communicate()
    shutil.rmtree(RUNS_DIR, ignore_errors=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="Fresh processes per command (median of them).")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "startup.csv", help="CSV to write")
    args = parser.parse_args()
    for _, argv in COMMANDS:  # warm the file cache and the __pycache__ once, not timed
        timed(argv)
    rows = []
    for run in range(1, args.runs + 1):  # commands take turns
        for name, argv in COMMANDS:
            result = timed(argv)
            first = first_line(argv) if name.startswith("e2eopt") else float("nan")
            rows.append(
                {
                    "command": name,
                    "run": run,
                    "wall_s": result.wall_s,
                    "first_line_s": first,
                    "peak_mib": result.peak_mib,
                }
            )
    frame = pd.DataFrame(rows)
    width = max(len(name) for name, _ in COMMANDS)
    print(
        f"{'command':<{width}}  median (s)  min (s)  max (s)  first line (s)  peak (MiB)  "
        f"({args.runs} fresh processes each; medians)"
    )
    medians = []
    for name, _ in COMMANDS:
        runs = frame[frame.command == name]
        wall = runs.wall_s.tolist()
        median = statistics.median(wall)
        first = runs.first_line_s.median()
        medians.append(
            {
                "command": name,
                "run": "median",
                "wall_s": median,
                "first_line_s": first,
                "peak_mib": runs.peak_mib.median(),
            }
        )
        shown = f"{first:14.3f}" if first == first else f"{'-':>14}"
        print(
            f"{name:<{width}}  {median:10.3f}  {min(wall):7.3f}  {max(wall):7.3f}  {shown}  "
            f"{runs.peak_mib.median():10,.0f}"
        )
    help_median = medians[0]["wall_s"]
    verdict = "met" if help_median <= HELP_TARGET else "MISSED"
    print(f"\ne2eopt --help: {help_median:.3f} s, target <= {HELP_TARGET:g} s: {verdict}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    pd.concat([frame, pd.DataFrame(medians)], ignore_index=True).to_csv(args.out, index=False)
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
