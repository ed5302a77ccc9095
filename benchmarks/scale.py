"""Scale ladder: every phase of a solve, the command line's wall time against HiGHS's own, the floor and
peak memory, from ~10,000 to ~1,000,000 variables.

    .venv/bin/python benchmarks/scale.py                        # the ladder below, one round per size
    .venv/bin/python benchmarks/scale.py --sizes 22:3000:1 15:1000:3 --repeats 3   # the two wall-time targets
    .venv/bin/python benchmarks/scale.py --sizes 4:60:1 --no-floor --no-cli        # a quick check that it runs
    .venv/bin/python benchmarks/scale.py --pyomo                # also the Pyomo model of record's build + compile
    .venv/bin/python benchmarks/scale.py --no-sensitivity       # the in-process solve without the sensitivity table
    .venv/bin/python benchmarks/scale.py --sizes 167:200000:1 --time-limit 1800 --out scale-large.csv

Sizes are generated scenarios (`model.generate`, seed 1), NODES_PER_STAGE:DEMANDS:PERIODS:

    single period: 6:300:1 (~11k variables), 10:900:1 (~28k), 22:3000:1 (~100k), 40:9000:1 (~300k),
                   70:30000:1 (~1.0M)
    three periods: 8:300:3 (~35k), 15:1000:3 (~115k), 30:3000:3 (~333k), 55:10000:3 (~1.03M)

The parent writes each size's scenario as YAML once (not timed). Then, per round and size, each of these
runs in a fresh process, one after the other, so that its peak memory is its own:

- **cli**: `e2eopt solve FILE --out DIR` as a user runs it (defaults: sensitivity on), timed as
  /usr/bin/time does: wall seconds from the process's start to its exit (interpreter start-up,
  imports, reading the YAML, printing and writing the run folder included) and peak RSS (`wait4`,
  from a small launcher process: see benchmarks/cli_runs.py for why; the other two read their own
  `VmHWM`).
  HiGHS's own solve time and the phases are read from the run folder's summary.json (`timings_s`) of
  the same run; "outside" = wall - the phases summed: start-up, imports, load, write, print.
- **in-process**: the same solve through the package, phase by phase: `load` (read and validate the
  YAML, `read_scenario`); `model.optimise`'s timings: `index_sets`, `build` (the LP, `model.lp.build`),
  `handoff_pass` (HighsLp + passModel), `solve` (HiGHS's own), `extract` (values, duals and HiGHS's
  ranging), `check`, `tables`, `sensitivity` (on, as `e2eopt solve` has it; `--no-sensitivity` turns
  it off here, and then `extract` skips the ranging too); `write` (the run folder, `model.write_run`).
  Any other timing key (queue_tangents, diagnosis) is summed into `other`.
- **floor** (default; `--no-floor` leaves it out): the same LP built and handed straight to a plain
  `highspy.Highs` (benchmarks/floor.py): assemble, pass, solve, extract; its peak memory. With
  sensitivity on (the default) its extract reads HiGHS's ranging too (`getRanging`), so that the
  floor does what the sensitivity table cannot do without; `--no-sensitivity` leaves it out of both.
- **pyomo** (`--pyomo`): the Pyomo model of record built (`model.lp.pyomo_model.build_pyomo`) and
  compiled to the LP HiGHS gets (`to_linear_model`); its peak memory.

The ratios the issue sets targets for are computed within each round (the same process for wall and
solve, the same round for ours and the floor) and their medians over rounds reported:
- CLI wall / HiGHS solve: <= 2.0x at 22:3000:1, <= 1.25x at 15:1000:3;
- sensitivity / HiGHS solve: <= 0.2x at every size (from the CLI run; the in-process one beside it);
- peak memory, CLI / floor: <= 1.2x (the in-process one beside it);
and, as before, in-process end to end / floor total and everything but the solve / the solve.

Prints three tables (phases in seconds, the command line, against the floor; a fourth with --pyomo) and
writes benchmarks/out/scale.csv (or `--out`): one row per size and round, then one median row per size
(`repeat` = median); seconds (`_s` or phase names), MiB (`_mib`), ratios (`_per_`).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the project's `model` and `benchmarks` packages
    sys.path.insert(0, str(ROOT))

from benchmarks.cli_runs import (  # noqa: E402
    E2EOPT,
    own_peak_mib,
    run_cli,
    run_folder,
    solve_takes_no_sensitivity,
    summary,
)

OUT = ROOT / "benchmarks" / "out"
LADDER = [
    "6:300:1",
    "10:900:1",
    "22:3000:1",
    "40:9000:1",
    "70:30000:1",
    "8:300:3",
    "15:1000:3",
    "30:3000:3",
    "55:10000:3",
]
SOLVE_PHASES = ["index_sets", "build", "handoff_pass", "solve", "extract", "check", "tables", "sensitivity"]
"""`Outcome.timings` of a solve (a base solve: build and handoff_pass, not update and update_pass)."""
PHASES = ["load", *SOLVE_PHASES, "other", "write"]
FLOOR_PHASES = ["assemble", "pass", "solve", "extract"]
WALL_TARGETS = {"22:3000:1": 2.0, "15:1000:3": 1.25}
SENSITIVITY_TARGET = 0.2
PEAK_TARGET = 1.2


def scenario_file(size: str, folder: str | Path) -> Path:
    """Where the parent wrote the size's generated scenario (the children only read it, so that
    generating it counts in no child's time or peak memory)."""
    return Path(folder) / f"scale-{size.replace(':', '-')}.yaml"


def write_size(size: str, folder: str | Path) -> None:
    from model.generate import Size, generate, write_scenario

    nodes, demands, periods = (int(x) for x in size.split(":"))
    write_scenario(generate(Size(nodes, demands, periods, 1)), scenario_file(size, folder))


# --- the measurements, each in its own process -------------------------------------------------------


def child_front_end(size: str, folder: str, time_limit: float | None, sensitivity: bool) -> dict:
    """One solve through the package, timed per phase (runs in its own process)."""
    from model.optimise import optimise, optimise_options
    from model.runs import write_run
    from model.scenario.loader import read_scenario

    path = scenario_file(size, folder)
    start = time.perf_counter()
    scenario, _, text = read_scenario(path)
    load = time.perf_counter() - start
    options, integer = optimise_options(scenario, time_limit=time_limit)
    outcome = optimise(scenario, options, integer_staff=integer, sensitivity=sensitivity)
    start = time.perf_counter()
    # The bytes solved, as the command line gives them: write_run does not read and check the file again.
    written = write_run(
        outcome, path, Path(folder) / "runs", command=["benchmarks/scale.py", size], scenario_bytes=text
    )
    write = time.perf_counter() - start
    peak = own_peak_mib()
    shutil.rmtree(written, ignore_errors=True)
    timings = dict(outcome.timings)
    row = {
        "size": size,
        "status": outcome.status,
        "objective": outcome.objective,
        "variables": outcome.solver.get("columns"),
        "constraints": outcome.solver.get("rows"),
        "nonzeros": outcome.solver.get("nonzeros"),
        "algorithm": outcome.solver.get("algorithm"),
        "simplex_iterations": outcome.solver.get("simplex_iterations"),
        "ipm_iterations": outcome.solver.get("ipm_iterations"),
        "lp": outcome.solver.get("lp"),
        "load": load,
        **{phase: timings.pop(phase, float("nan")) for phase in SOLVE_PHASES},  # NaN: the phase did not run
        "other": sum(timings.values()),
        "other_phases": " ".join(sorted(timings)),
        "write": write,
        "peak_mib": peak,
    }
    return row


def child_floor(size: str, folder: str, ranging: bool) -> dict:
    """The same LP built and handed straight to highspy (benchmarks/floor.py), in its own process; with
    `ranging`, its extract reads HiGHS's ranging too, as ours does with sensitivity on."""
    from benchmarks.floor import assemble, solve_direct
    from model.network import index_sets
    from model.scenario.loader import read_scenario

    sets = index_sets(read_scenario(scenario_file(size, folder))[0])
    lp, seconds = assemble(sets)
    result = solve_direct(lp, assembled_in=seconds, periods=sets.period_count, ranging=ranging)
    timings = {"assemble": seconds, **{k: result["timings"].get(k, float("nan")) for k in ("pass", "solve", "extract")}}
    return {
        "size": size,
        "floor_status": result["status"],
        "floor_objective": result["objective"],
        **{f"floor_{k}": v for k, v in timings.items()},
        "floor_peak_mib": own_peak_mib(),
    }


def child_pyomo(size: str, folder: str) -> dict:
    """The Pyomo model of record built and compiled to the LP HiGHS gets, in its own process."""
    from model.lp.pyomo_model import build_pyomo, to_linear_model
    from model.network import index_sets
    from model.scenario.loader import read_scenario

    sets = index_sets(read_scenario(scenario_file(size, folder))[0])
    start = time.perf_counter()
    lp = build_pyomo(sets)
    built = time.perf_counter()
    compiled = to_linear_model(lp, sets)
    done = time.perf_counter()
    return {
        "size": size,
        "pyomo_build": built - start,
        "pyomo_compile": done - built,
        "pyomo_columns": compiled.num_col,
        "pyomo_peak_mib": own_peak_mib(),
    }


def measure_cli(size: str, folder: str, time_limit: float | None, extra: list[str]) -> dict:
    """`e2eopt solve FILE --out DIR` in a fresh process: wall and peak as /usr/bin/time gives them,
    HiGHS's time and the phases from the run's summary.json."""
    out = Path(tempfile.mkdtemp(prefix="cli-", dir=folder))
    argv = [E2EOPT, "solve", str(scenario_file(size, folder)), "--out", str(out), *extra]
    if time_limit is not None:
        argv += ["--time-limit", str(time_limit)]
    run = run_cli(argv).check(allowed=(0, 5))  # 5: time limit
    timings = summary(run_folder(out)).get("timings_s", {})
    shutil.rmtree(out, ignore_errors=True)
    in_process = sum(timings.values())
    return {
        "cli_wall_s": run.wall_s,
        "cli_solve_s": timings.get("solve", float("nan")),
        "cli_sensitivity_s": timings.get("sensitivity", float("nan")),
        "cli_phases_s": in_process,
        "cli_outside_s": run.wall_s - in_process,
        "cli_peak_mib": run.peak_mib,
        "cli_exit": run.returncode,
    }


CHILDREN = {"front": child_front_end, "floor": child_floor, "pyomo": child_pyomo}


def run_child(kind: str, size: str, folder: str, **options: object) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", kind, size, folder, json.dumps(options)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{kind} {size} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- the tables ---------------------------------------------------------------------------------------


def with_ratios(frame: pd.DataFrame) -> pd.DataFrame:
    """The ratios, each within its row (one round of one size)."""
    frame = frame.copy()
    frame["end_to_end"] = frame[PHASES].sum(axis=1)
    frame["not_solve_per_solve"] = (frame.end_to_end - frame.solve) / frame.solve
    frame["sensitivity_per_solve"] = frame.sensitivity / frame.solve
    if "cli_wall_s" in frame:
        frame["cli_wall_per_solve"] = frame.cli_wall_s / frame.cli_solve_s
        frame["cli_sensitivity_per_solve"] = frame.cli_sensitivity_s / frame.cli_solve_s
    if "floor_solve" in frame:
        frame["floor_total"] = frame[[f"floor_{p}" for p in FLOOR_PHASES]].sum(axis=1)
        frame["floor_objective_rel_diff"] = (
            frame.objective - frame.floor_objective
        ).abs() / frame.objective.abs().clip(lower=1.0)
        frame["end_to_end_per_floor"] = frame.end_to_end / frame.floor_total
        frame["peak_per_floor"] = frame.peak_mib / frame.floor_peak_mib
        if "cli_wall_s" in frame:
            frame["cli_wall_per_floor"] = frame.cli_wall_s / frame.floor_total
            frame["cli_peak_per_floor"] = frame.cli_peak_mib / frame.floor_peak_mib
    return frame


def medians_of(frame: pd.DataFrame) -> pd.DataFrame:
    numbers = frame.groupby("size", sort=False).median(numeric_only=True)
    text = frame.groupby("size", sort=False)[["status", "algorithm", "lp", "other_phases"]].first()
    return numbers.join(text).reset_index().assign(repeat="median")


def show(frame: pd.DataFrame, columns: dict[str, str], formats: dict[str, str]) -> str:
    """The columns present, renamed to their headings, with per-column number formats."""
    present = {c: h for c, h in columns.items() if c in frame}
    table = frame[list(present)].rename(columns=present)
    formatters = {present[c]: f.format for c, f in formats.items() if c in present}
    return table.to_string(index=False, formatters=formatters)


def report(medians: pd.DataFrame, sensitivity: bool, cli_note: str) -> None:
    seconds = "{:,.2f}"
    ratio = "{:.2f}x"
    phases = {
        "size": "size",
        "variables": "variables",
        "constraints": "constraints",
        "nonzeros": "nonzeros",
        "algorithm": "algorithm",
        **{p: p.replace("handoff_", "") for p in PHASES},
        "end_to_end": "end to end",
        "peak_mib": "peak MiB",
        "sensitivity_per_solve": "sens / solve",
        "not_solve_per_solve": "rest / solve",
    }
    counts = {"variables": "{:,.0f}", "constraints": "{:,.0f}", "nonzeros": "{:,.0f}", "peak_mib": "{:,.0f}"}
    print(
        f"\nIn-process phases (seconds, medians; `model.optimise` with sensitivity {'on' if sensitivity else 'OFF'};"
        " load = read the YAML, write = the run folder; rest = everything but the solve):"
    )
    print(
        show(
            medians,
            phases,
            {
                **{p: seconds for p in [*PHASES, "end_to_end"]},
                **counts,
                "sensitivity_per_solve": ratio,
                "not_solve_per_solve": ratio,
            },
        )
    )
    other = medians.loc[medians.other_phases.fillna("") != "", ["size", "other_phases"]]
    for row in other.itertuples():
        print(f"  {row.size}: other = {row.other_phases}")

    if "cli_wall_s" in medians:
        targets = medians["size"].map(lambda s: f"<= {WALL_TARGETS[s]:g}x" if s in WALL_TARGETS else "")
        print(f"\nThe command line as a user runs it (`e2eopt solve FILE --out DIR`, {cli_note}; seconds, medians):")
        print(
            show(
                medians.assign(wall_target=targets),
                {
                    "size": "size",
                    "cli_wall_s": "wall",
                    "cli_solve_s": "HiGHS solve",
                    "cli_wall_per_solve": "wall / solve",
                    "wall_target": "target",
                    "cli_phases_s": "phases",
                    "cli_outside_s": "outside phases",
                    "cli_sensitivity_s": "sensitivity",
                    "cli_sensitivity_per_solve": f"sens / solve (<= {SENSITIVITY_TARGET:g}x)",
                    "cli_peak_mib": "peak MiB",
                },
                {
                    "cli_wall_s": seconds,
                    "cli_solve_s": seconds,
                    "cli_phases_s": seconds,
                    "cli_outside_s": seconds,
                    "cli_sensitivity_s": seconds,
                    "cli_wall_per_solve": ratio,
                    "cli_sensitivity_per_solve": ratio,
                    "cli_peak_mib": "{:,.0f}",
                },
            )
        )
        print("  outside phases = wall - the summary's timings: interpreter start-up, imports, load, print, write")

    if "floor_total" in medians:
        print(f"\nAgainst the floor (benchmarks/floor.py; seconds and MiB, medians; peak target <= {PEAK_TARGET:g}x):")
        print(
            show(
                medians,
                {
                    "size": "size",
                    **{f"floor_{p}": f"floor {p}" for p in FLOOR_PHASES},
                    "floor_total": "floor total",
                    "end_to_end": "ours in-process",
                    "end_to_end_per_floor": "ratio",
                    "cli_wall_s": "ours CLI wall",
                    "cli_wall_per_floor": "ratio",
                    "floor_peak_mib": "floor peak",
                    "cli_peak_mib": "CLI peak",
                    "cli_peak_per_floor": "CLI / floor",
                    "peak_mib": "in-process peak",
                    "peak_per_floor": "in-process / floor",
                },
                {
                    **{f"floor_{p}": seconds for p in FLOOR_PHASES},
                    "floor_total": seconds,
                    "end_to_end": seconds,
                    "cli_wall_s": seconds,
                    "end_to_end_per_floor": ratio,
                    "cli_wall_per_floor": ratio,
                    "floor_peak_mib": "{:,.0f}",
                    "cli_peak_mib": "{:,.0f}",
                    "peak_mib": "{:,.0f}",
                    "cli_peak_per_floor": ratio,
                    "peak_per_floor": ratio,
                },
            )
        )

    if "pyomo_build" in medians:
        print("\nPyomo model of record: build + compile (seconds, MiB; medians) beside model.lp.build:")
        print(
            show(
                medians,
                {
                    "size": "size",
                    "pyomo_build": "build_pyomo",
                    "pyomo_compile": "to_linear_model",
                    "build": "model.lp.build",
                    "pyomo_columns": "columns",
                    "variables": "ours",
                    "pyomo_peak_mib": "peak MiB",
                },
                {
                    "pyomo_build": seconds,
                    "pyomo_compile": seconds,
                    "build": seconds,
                    "pyomo_columns": "{:,.0f}",
                    "variables": "{:,.0f}",
                    "pyomo_peak_mib": "{:,.0f}",
                },
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=LADDER, help="NODES_PER_STAGE:DEMANDS:PERIODS, each")
    parser.add_argument("--repeats", type=int, default=1, help="rounds per size (medians reported)")
    parser.add_argument("--no-floor", action="store_true", help="leave out benchmarks/floor.py's direct solve")
    parser.add_argument("--floor", action="store_true", help="(the default now; kept for the commands in the docs)")
    parser.add_argument("--no-cli", action="store_true", help="leave out the `e2eopt solve` wall-time measurement")
    parser.add_argument("--pyomo", action="store_true", help="also build and compile the Pyomo model of record")
    parser.add_argument(
        "--no-sensitivity", action="store_true", help="the in-process solve without the sensitivity table"
    )
    parser.add_argument("--out", default="scale.csv", help="file name under benchmarks/out/ (or a path)")
    parser.add_argument("--time-limit", type=float, help="HiGHS's time limit in seconds, for our solves")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, size, folder, options = args.child
        print(json.dumps(CHILDREN[kind](size, folder, **json.loads(options))))
        return

    sensitivity = not args.no_sensitivity
    cli_extra, cli_note = [], "defaults: sensitivity on"
    if not args.no_cli and not sensitivity:
        if solve_takes_no_sensitivity():
            cli_extra, cli_note = ["--no-sensitivity"], "with --no-sensitivity"
        else:
            cli_note = "defaults: sensitivity on (e2eopt solve has no option to turn it off)"
    out = Path(args.out) if "/" in args.out else OUT / args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="scale-") as folder:
        for size in args.sizes:
            write_size(size, folder)
            for repeat in range(1, args.repeats + 1):
                row: dict = {}
                if not args.no_cli:
                    row.update(measure_cli(size, folder, args.time_limit, cli_extra))
                row.update(
                    run_child("front", size, folder, time_limit=args.time_limit, sensitivity=sensitivity),
                )
                if not args.no_floor:
                    row.update(
                        {k: v for k, v in run_child("floor", size, folder, ranging=sensitivity).items() if k != "size"}
                    )
                if args.pyomo:
                    row.update({k: v for k, v in run_child("pyomo", size, folder).items() if k != "size"})
                row["repeat"] = repeat
                rows.append(row)
                print(progress(row), flush=True)
                medians = save(rows, out)  # after every round: a long ladder keeps what it measured
    report(medians, sensitivity, cli_note)
    print(f"\nwritten: {out}")


def save(rows: list[dict], out: Path) -> pd.DataFrame:
    """Write the rounds so far and their medians per size; the medians."""
    frame = with_ratios(pd.DataFrame(rows))
    medians = medians_of(frame)
    table = pd.concat([frame, medians], ignore_index=True)
    first = ["size", "repeat", "status", "variables", "constraints", "nonzeros", "algorithm"]
    table[first + [c for c in table.columns if c not in first]].to_csv(out, index=False)
    return medians


def progress(row: dict) -> str:
    """One line per round: size, status, phases in seconds, peak; the CLI and the floor when measured."""
    text = (
        f"{row['size']} #{row['repeat']}: {row.get('variables') or 0:,} variables, {row['status']}, "
        + ", ".join(f"{p} {row[p]:.2f}" for p in PHASES if row.get(p) == row.get(p) and row.get(p))  # not NaN, not 0
        + f" s; peak {row['peak_mib']:,.0f} MiB"
    )
    if "cli_wall_s" in row:
        text += (
            f"; CLI wall {row['cli_wall_s']:.2f} s (HiGHS {row['cli_solve_s']:.2f} s, "
            f"{row['cli_wall_s'] / max(row['cli_solve_s'], 1e-9):.2f}x), peak {row['cli_peak_mib']:,.0f} MiB"
        )
    if "floor_solve" in row:
        total = sum(row[f"floor_{p}"] for p in FLOOR_PHASES)
        text += f"; floor {total:.2f} s, {row['floor_peak_mib']:,.0f} MiB"
    if "pyomo_build" in row:
        text += f"; Pyomo build {row['pyomo_build']:.2f} + compile {row['pyomo_compile']:.2f} s"
    return text


if __name__ == "__main__":
    main()
