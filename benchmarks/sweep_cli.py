"""A CLI sweep of 11 points against the same 11 points as separate `e2eopt solve --set` commands.

    .venv/bin/python benchmarks/sweep_cli.py                     # 22:3000:1 (~100k variables), 3 rounds
    .venv/bin/python benchmarks/sweep_cli.py --size 4:60:1 --repeats 1      # a quick check that it runs
    .venv/bin/python benchmarks/sweep_cli.py --no-sweep-sensitivity         # skip (d)

The target (issue): (b) / (a) >= 3x at 100k variables with `--workers 1`.

The scenario is generated once, by the command line as a user would (`e2eopt generate --nodes-per-stage
22 --demands 3000 --periods 1 --seed 1 --out FILE`; `--size N:D:T` and `--seed` change it), and not
timed. Each round then times, every command a fresh process, wall seconds from its start to its exit
(interpreter start-up, imports, reading the YAML and writing the folders included) and its peak
resident memory, as /usr/bin/time would:

(a) `e2eopt sweep FILE --grid 'demands.*.volume=*0.95:*1.05:0.01' --workers 1 --out DIR` (11 points: the
    base solved once, each point re-solved from its basis; sweeps skip the sensitivity table by default);
(b) the same 11 points as 11 `e2eopt solve FILE --set 'demands.*.volume=*0.95' --out DIR` commands, one
    after the other (each a cold build and solve; `solve` computes the sensitivity table by default);
(c) the same 11 solves with the options a sweep point gets (no sensitivity table), if `e2eopt solve` has
    such an option (probed: `e2eopt solve --no-sensitivity --help` exits 0); if not, the output says so;
(d) the sweep with `--sensitivity`, which a sweep does have: the like-for-like comparison with (b)
    from the sweep's side (on by default; `--no-sweep-sensitivity` leaves it out).

Rounds alternate (a), (b), (c), (d), `--repeats` times (default 3). Printed: each command's seconds, the
medians, seconds per point, the ratios (b)/(a), (c)/(a), (b)/(d); per point, the sweep's in-process
seconds and HiGHS's seconds (the point's summary.json) beside each separate solve's wall, in-process and
HiGHS seconds. Checked in every round: each point's `total_cost` in the sweep's points.csv equals the
separate solve's summary.json `total_cost` (relative 1e-7); exit 1 if not.

Writes benchmarks/out/sweep_cli.csv (one row per command run and kind, then a median row per kind) and
benchmarks/out/sweep_cli_points.csv (one row per point and round: costs, their difference, seconds).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the project's `model` and `benchmarks` packages
    sys.path.insert(0, str(ROOT))

from benchmarks.cli_runs import (  # noqa: E402
    E2EOPT,
    relative_difference,
    run_cli,
    run_folder,
    solve_takes_no_sensitivity,
    summary,
)
from model.sweep import parse_axis  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
GRID = "demands.*.volume=*0.95:*1.05:0.01"
TOLERANCE = 1e-7
TARGET = 3.0
KINDS = {
    "a": "(a) e2eopt sweep --workers 1",
    "b": "(b) 11 x e2eopt solve --set (defaults: sensitivity on)",
    "c": "(c) 11 x e2eopt solve --set --no-sensitivity (a sweep point's options)",
    "d": "(d) e2eopt sweep --workers 1 --sensitivity",
}


def generate(size: str, seed: int, path: Path) -> None:
    """The scenario, written by `e2eopt generate` as a user would (not timed)."""
    nodes, demands, periods = size.split(":")
    argv = [E2EOPT, "generate", "--nodes-per-stage", nodes, "--demands", demands, "--periods", periods]
    run_cli([*argv, "--seed", str(seed), "--out", str(path)]).check()


def run_sweep(scenario: Path, grid: str, workers: int, folder: Path, sensitivity: bool) -> tuple[dict, pd.DataFrame]:
    """One `e2eopt sweep`: its record, and per point (by grid value) total cost and seconds."""
    argv = [E2EOPT, "sweep", str(scenario), "--grid", grid, "--workers", str(workers), "--out", str(folder)]
    run = run_cli(argv + (["--sensitivity"] if sensitivity else [])).check()
    swept = run_folder(folder, "-sweep")
    path = grid.partition("=")[0]
    points = pd.read_csv(swept / "points.csv", dtype={path: str})
    rows = []
    for record in points.to_dict("records"):
        point = summary(swept / "points" / f"{int(record['point']):04d}")
        rows.append(
            {
                "value": record[path],
                "status": record["status"],
                "total_cost": record["total_cost"],
                "in_process_s": sum(point.get("timings_s", {}).values()),
                "highs_s": point.get("timings_s", {}).get("solve", float("nan")),
                "lp": point.get("solver", {}).get("lp", ""),
            }
        )
    return {"wall_s": run.wall_s, "peak_mib": run.peak_mib, "points": len(points)}, pd.DataFrame(rows)


def run_solves(
    scenario: Path, path: str, values: tuple[str, ...], folder: Path, extra: list[str]
) -> tuple[dict, pd.DataFrame]:
    """The points as separate `e2eopt solve --set` commands, one after the other."""
    rows, peak = [], 0.0
    for number, value in enumerate(values, start=1):
        out = folder / f"{number:04d}"
        run = run_cli([E2EOPT, "solve", str(scenario), "--set", f"{path}={value}", "--out", str(out), *extra])
        run.check()
        result = summary(run_folder(out))
        timings = result.get("timings_s", {})
        rows.append(
            {
                "value": value,
                "status": result["status"],
                "total_cost": result.get("total_cost", float("nan")),
                "wall_s": run.wall_s,
                "in_process_s": sum(timings.values()),
                "highs_s": timings.get("solve", float("nan")),
                "sensitivity_s": timings.get("sensitivity", float("nan")),
            }
        )
        peak = max(peak, run.peak_mib)
    frame = pd.DataFrame(rows)
    return {"wall_s": float(frame.wall_s.sum()), "peak_mib": peak, "points": len(frame)}, frame


def compare_costs(sweep: pd.DataFrame, solves: pd.DataFrame, kind: str) -> tuple[pd.DataFrame, list[str]]:
    """Each point's total cost in the sweep's points.csv against the separate solve's summary.json."""
    joined = sweep.merge(solves, on="value", suffixes=("_sweep", "_solve"), how="outer")
    joined["relative_difference"] = [
        relative_difference(a, b) for a, b in zip(joined.total_cost_sweep, joined.total_cost_solve, strict=True)
    ]
    bad = joined[~(joined.relative_difference <= TOLERANCE)]  # NaN (a missing point) fails too
    problems = [
        f"{kind}: point {row.value}: sweep {row.total_cost_sweep!r} against solve {row.total_cost_solve!r}"
        for row in bad.itertuples()
    ]
    return joined, problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="22:3000:1", help="nodes_per_stage:demands:periods for e2eopt generate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--grid", default=GRID, help="one sweep axis PATH=VALUES (the solves use each value)")
    parser.add_argument("--workers", type=int, default=1, help="the sweep's --workers")
    parser.add_argument("--repeats", type=int, default=3, help="rounds of (a), (b), (c), (d)")
    parser.add_argument("--no-sweep-sensitivity", action="store_true", help="leave out (d), the sweep --sensitivity")
    parser.add_argument("--out", type=Path, default=OUT / "sweep_cli.csv", help="CSV file to write")
    parser.add_argument("--keep", type=Path, help="keep the scenario and every run folder under this folder")
    args = parser.parse_args()

    axis = parse_axis(args.grid)
    kinds = ["a", "b"]
    if solve_takes_no_sensitivity():
        kinds.append("c")
        c_note = "(c) measured: e2eopt solve --no-sensitivity"
    else:
        c_note = (
            "(c) not measured: `e2eopt solve` has no option to skip the sensitivity table (a sweep point's "
            "default); (d) compares from the sweep's side instead"
        )
    if not args.no_sweep_sensitivity:
        kinds.append("d")

    work = Path(tempfile.mkdtemp(prefix="sweep-cli-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    scenario = work / f"generated-{args.size.replace(':', '-')}.yaml"
    generate(args.size, args.seed, scenario)
    print(
        f"scenario: {scenario} (e2eopt generate {args.size}, seed {args.seed}); grid {args.grid}: "
        f"{len(axis.values)} points; sweep --workers {args.workers}; {args.repeats} round(s)"
    )
    print(c_note, flush=True)

    runs: list[dict] = []
    points: list[pd.DataFrame] = []
    problems: list[str] = []
    try:
        for round_ in range(1, args.repeats + 1):
            sweeps: dict[str, pd.DataFrame] = {}
            solves: dict[str, pd.DataFrame] = {}
            for kind in kinds:
                folder = work / f"round{round_}-{kind}"
                if kind in ("a", "d"):
                    record, sweeps[kind] = run_sweep(scenario, args.grid, args.workers, folder, kind == "d")
                else:
                    extra = ["--no-sensitivity"] if kind == "c" else []
                    record, solves[kind] = run_solves(scenario, axis.path, axis.values, folder, extra)
                runs.append(
                    {"kind": kind, "round": round_, **record, "per_point_s": record["wall_s"] / record["points"]}
                )
                print(
                    f"  round {round_} {KINDS[kind]}: {record['wall_s']:.2f} s wall, "
                    f"{record['wall_s'] / record['points']:.3f} s per point, peak {record['peak_mib']:,.0f} MiB",
                    flush=True,
                )
            for kind, frame in solves.items():
                for sweep_kind, sweep in sweeps.items():
                    joined, bad = compare_costs(sweep, frame, f"round {round_} {sweep_kind} vs {kind}")
                    problems += bad
                    points.append(joined.assign(round=round_, sweep=sweep_kind, solves=kind))
            if args.keep is None:  # the run folders are large at 100k variables
                for kind in kinds:
                    shutil.rmtree(work / f"round{round_}-{kind}", ignore_errors=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)

    frame = pd.DataFrame(runs)
    medians = frame.groupby("kind", sort=False).median(numeric_only=True).reset_index().assign(round="median")
    per_point = pd.concat(points, ignore_index=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    pd.concat([frame, medians], ignore_index=True).assign(description=lambda f: f.kind.map(KINDS)).to_csv(
        args.out, index=False
    )
    points_out = args.out.with_name(args.out.stem + "_points.csv")
    per_point.to_csv(points_out, index=False)
    report(medians, per_point, kinds, len(axis.values), args.repeats, c_note)
    checked = len(per_point)
    print(
        f"\ntotal_cost check (sweep points.csv against each solve's summary.json, relative {TOLERANCE:g}): "
        + ("all " if not problems else f"{len(problems)} of ")
        + f"{checked} point comparisons {'agree' if not problems else 'DIFFER'}"
        + (f"; largest difference {per_point.relative_difference.max():.1e}" if checked else "")
    )
    for problem in problems[:20]:
        print(f"  {problem}")
    print(f"written: {args.out}, {points_out}")
    if problems:
        raise SystemExit(1)


def report(medians: pd.DataFrame, points: pd.DataFrame, kinds: list[str], count: int, repeats: int, note: str) -> None:
    wall = dict(zip(medians.kind, medians.wall_s, strict=True))
    print(f"\nmedians of {repeats} round(s), {count} points each (wall seconds, start-up included)")
    for kind in kinds:
        print(f"  {KINDS[kind]:<72s} {wall[kind]:8.2f} s   {wall[kind] / count:6.3f} s per point")
    print(f"  ratio (b)/(a): {wall['b'] / wall['a']:.2f}x (target >= {TARGET:g}x)")
    if "c" in wall:
        print(f"  ratio (c)/(a): {wall['c'] / wall['a']:.2f}x (like for like: no sensitivity table either side)")
    else:
        print(f"  {note}")
    if "d" in wall:
        print(f"  ratio (b)/(d): {wall['b'] / wall['d']:.2f}x (like for like: sensitivity table on both sides)")

    sweep = points[(points.sweep == "a") & (points.solves == "b")]
    if not len(sweep):
        return
    table = sweep.groupby("value", sort=False).agg(
        sweep_in_process_s=("in_process_s_sweep", "median"),
        sweep_highs_s=("highs_s_sweep", "median"),
        solve_wall_s=("wall_s", "median"),
        solve_in_process_s=("in_process_s_solve", "median"),
        solve_highs_s=("highs_s_solve", "median"),
        solve_sensitivity_s=("sensitivity_s", "median"),
        total_cost=("total_cost_solve", "first"),
        rel_diff=("relative_difference", "max"),
        lp=("lp", "first"),
    )
    print("\nper point, medians over the rounds (seconds; sweep (a) in-process from each point's summary.json):")
    print(
        table.to_string(
            formatters={
                "total_cost": "{:,.2f}".format,
                "rel_diff": "{:.1e}".format,
                **{c: "{:.3f}".format for c in table.columns if c.endswith("_s")},
            }
        )
    )
    print(
        f"  sums: sweep points in-process {table.sweep_in_process_s.sum():.2f} s (HiGHS "
        f"{table.sweep_highs_s.sum():.2f} s); separate solves wall {table.solve_wall_s.sum():.2f} s, in-process "
        f"{table.solve_in_process_s.sum():.2f} s (HiGHS {table.solve_highs_s.sum():.2f} s, sensitivity "
        f"{statistics.fsum(table.solve_sensitivity_s.fillna(0)):.2f} s)"
    )


if __name__ == "__main__":
    main()
