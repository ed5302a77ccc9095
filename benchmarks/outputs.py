"""What the outputs cost a user: `report`, `export` and `runs` as the command line runs them.

For each scenario (appliance-co, and a generated one of about 104,000 variables) the benchmark solves
once with `e2eopt solve`, then times, each in a fresh process as a user meets it (start-up, imports,
reading the run folder and writing included; benchmarks/cli_runs.py): `e2eopt report RUN`, `e2eopt
export RUN` as xlsx, csv and parquet, `e2eopt runs list` and a `runs query` summing the costs by run
(checked against the summary's total). It prints the median wall time and peak memory of the rounds,
beside the solve's own wall time and HiGHS's time in that solve, and the size of what was written.

    .venv/bin/python benchmarks/outputs.py [--rounds 3] [--skip-large]

The xlsx export of the large run takes about a minute (openpyxl writes every cell), so it runs once.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from cli_runs import E2EOPT, ROOT, CliRun, relative_difference, run_cli, run_folder, summary

LARGE = ["--nodes-per-stage", "22", "--demands", "3000", "--periods", "1", "--seed", "0"]
"""`e2eopt generate` options of the large scenario: 104,397 variables (README, Performance)."""


def measured(argv: list[str], rounds: int) -> tuple[float, float, CliRun]:
    """Median wall seconds and peak MiB of `rounds` runs of `argv` (each must exit 0), and the last run."""
    runs = [run_cli(argv).check() for _ in range(rounds)]
    return statistics.median(r.wall_s for r in runs), statistics.median(r.peak_mib for r in runs), runs[-1]


def size_mib(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 2**20


def bench(name: str, scenario: Path, work: Path, rounds: int) -> None:
    runs_dir = work / "runs"
    solve = run_cli([E2EOPT, "solve", str(scenario), "--out", str(runs_dir), "--quiet"]).check()
    folder = run_folder(runs_dir)
    total = summary(folder)["total_cost"]
    highs = summary(folder)["timings_s"].get("solve", 0.0)
    print(f"\n{name}: solve {solve.wall_s:.2f} s wall (HiGHS {highs:.2f} s), {solve.peak_mib:.0f} MiB peak")
    print(f"  {'command':<34} {'median wall':>11} {'x solve':>8} {'peak':>9} {'written':>10}")
    steps = [
        ("report", [E2EOPT, "report", str(folder), "--out", str(work / "report.html")], work / "report.html", rounds),
        ("export xlsx", [E2EOPT, "export", str(folder), "--out", str(work / "t.xlsx")], work / "t.xlsx", 1),
        (
            "export csv",
            [E2EOPT, "export", str(folder), "--format", "csv", "--out", str(work / "csv")],
            work / "csv",
            rounds,
        ),
        (
            "export parquet",
            [E2EOPT, "export", str(folder), "--format", "parquet", "--out", str(work / "pq")],
            work / "pq",
            rounds,
        ),
        ("runs list", [E2EOPT, "runs", "list", "--runs", str(runs_dir)], None, rounds),
    ]
    for label, argv, written, times in steps:
        wall, peak, _ = measured(argv, times)
        shown = f"{size_mib(written):.1f} MiB" if written is not None else "-"
        print(f"  {label:<34} {wall:>9.2f} s {wall / solve.wall_s:>7.2f}x {peak:>5.0f} MiB {shown:>10}")
    sql = "select sum(amount) as total from costs"
    wall, peak, last = measured([E2EOPT, "runs", "query", sql, "--runs", str(runs_dir), "--format", "csv"], rounds)
    queried = float(last.stdout.strip().splitlines()[-1])
    agrees = "equal" if relative_difference(queried, total) < 1e-9 else f"DIFFERS from {total}"
    print(
        f"  {'runs query (sum of costs)':<34} {wall:>9.2f} s {wall / solve.wall_s:>7.2f}x {peak:>5.0f} MiB "
        f"{'':>10}  total {queried:,.2f}: {agrees} to summary.json"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each command (median); xlsx runs once")
    parser.add_argument("--skip-large", action="store_true", help="appliance-co only")
    given = parser.parse_args()
    print(f"e2eopt outputs, {given.rounds} rounds (medians), each command a fresh process ({sys.version.split()[0]})")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "small").mkdir()
        bench("appliance-co", ROOT / "data" / "appliance-co.yaml", work / "small", given.rounds)
        if not given.skip_large:
            (work / "large").mkdir()
            scenario = work / "large.yaml"
            run_cli([E2EOPT, "generate", *LARGE, "--out", str(scenario)]).check()
            bench("generated 22:3000:1 (104,397 variables)", scenario, work / "large", given.rounds)


if __name__ == "__main__":
    main()
