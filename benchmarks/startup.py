"""Start-up time of the command line and of the scenario package: what a user waits for before any work.

    .venv/bin/python benchmarks/startup.py
    .venv/bin/python benchmarks/startup.py --runs 15

Each command runs `--runs` times (default 7), each time in a fresh process, and the median wall time
is printed, start-up of the interpreter included: `e2eopt --help`, `e2eopt solve --help`,
`e2eopt validate data/tiny.yaml` (loads the scenario and builds its LP to count it, so it needs
pandas), `python -c "import model.scenario"`, and `python -c "pass"` (the floor: the interpreter
alone). The e2eopt and python used are the ones next to this interpreter (the project's .venv).
tests/test_startup.py checks which modules each entry point loads; this script times them.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
E2EOPT = str(BIN / "e2eopt")

COMMANDS: list[tuple[str, list[str]]] = [
    ("e2eopt --help", [E2EOPT, "--help"]),
    ("e2eopt solve --help", [E2EOPT, "solve", "--help"]),
    ("e2eopt validate data/tiny.yaml", [E2EOPT, "validate", "data/tiny.yaml"]),
    ('python -c "import model.scenario"', [sys.executable, "-c", "import model.scenario"]),
    ('python -c "pass"', [sys.executable, "-c", "pass"]),
]


def wall_time(argv: list[str]) -> float:
    """Seconds from starting the process to its exit; it must succeed."""
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="Fresh processes per command (median of them).")
    args = parser.parse_args()
    for _, argv in COMMANDS:  # warm the file cache and the __pycache__ once, not timed
        wall_time(argv)
    width = max(len(name) for name, _ in COMMANDS)
    print(f"{'command':<{width}}  median (s)  min (s)  max (s)  ({args.runs} fresh processes each)")
    for name, argv in COMMANDS:
        times = [wall_time(argv) for _ in range(args.runs)]
        print(f"{name:<{width}}  {statistics.median(times):10.3f}  {min(times):7.3f}  {max(times):7.3f}")


if __name__ == "__main__":
    main()
