"""Scale ladder: every phase of a solve, and peak memory, from ~10,000 to ~1,000,000 variables.

    .venv/bin/python benchmarks/scale.py                        # the ladder below, one run per size
    .venv/bin/python benchmarks/scale.py --sizes 6:300:1 22:3000:1 --repeats 3
    .venv/bin/python benchmarks/scale.py --floor                # also the direct-highspy floor (benchmarks/floor.py)
    .venv/bin/python benchmarks/scale.py --sizes 167:200000:1 --time-limit 1800 --out scale-large.csv

Sizes are generated scenarios (`model.generate`, seed 1), NODES_PER_STAGE:DEMANDS:PERIODS:

    single period: 6:300:1 (~11k variables), 10:900:1 (~28k), 22:3000:1 (~100k), 40:9000:1 (~300k),
                   70:30000:1 (~1.0M)
    three periods: 8:300:3 (~35k), 15:1000:3 (~115k), 30:3000:3 (~333k), 55:10000:3 (~1.03M)

The parent writes each size's scenario as YAML once; each measurement then runs in a fresh process
(so its peak memory is its own: `ru_maxrss`), which times, as a user's `e2eopt solve` would run them:
- `load`: read and validate the YAML (`model.scenario.read_scenario`);
- `index_sets`, `build` (the LP: assembled as a matrix, model/lp/matrix.py), `handoff_compile`
  (nothing left to compile for the matrix build; Pyomo's standard form for the Pyomo model),
  `handoff_pass` (HighsLp + passModel), `solve` (HiGHS's own), `extract` (values and duals back),
  `check` and `tables` (the independent check and result tables): `model.optimise`'s timings,
  with sensitivity off;
- `write`: the run folder (CSV and Parquet, `model.write_run`).
With `--floor`, a second process per size builds the same LP directly as sparse matrices
(benchmarks/floor.py) and times assemble, pass, solve and extract, with its own peak memory.
With `--pyomo`, a third process builds the Pyomo model of the same LP and compiles its standard form
(the path `model.optimise` takes for scenarios with queues), with its own peak memory.

Prints one table and writes benchmarks/out/scale.csv: variables, constraints, nonzeros, each phase
in seconds, peak memory in MiB, and the ratios the scale issue sets targets for: everything except
HiGHS's own solve against the solve, and (with --floor) end to end and peak memory against the floor.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
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
PHASES = [
    "load",
    "index_sets",
    "build",
    "handoff_compile",
    "handoff_pass",
    "solve",
    "extract",
    "check",
    "tables",
    "write",
]
FLOOR_PHASES = ["assemble", "pass", "solve", "extract"]


def scenario_file(size: str, folder: str) -> Path:
    """Where the parent wrote the size's generated scenario (the children only read it, so that
    generating it counts in no child's time or peak memory)."""
    return Path(folder) / f"scale-{size.replace(':', '-')}.yaml"


def write_size(size: str, folder: str) -> None:
    sys.path.insert(0, str(ROOT))
    from model.generate import Size, generate, write_scenario

    nodes, demands, periods = (int(x) for x in size.split(":"))
    write_scenario(generate(Size(nodes, demands, periods, 1)), scenario_file(size, folder))


def child_front_end(size: str, folder: str, time_limit: float | None = None) -> dict:
    """One solve through the package, timed per phase (runs in its own process)."""
    import resource

    sys.path.insert(0, str(ROOT))
    from model.optimise import optimise, optimise_options
    from model.runs import write_run
    from model.scenario.loader import read_scenario

    path = scenario_file(size, folder)
    start = time.perf_counter()
    scenario = read_scenario(path)[0]
    load = time.perf_counter() - start
    options, _ = optimise_options(scenario, time_limit=time_limit)
    outcome = optimise(scenario, options, sensitivity=False)
    start = time.perf_counter()
    write_run(outcome, path, Path(folder) / "runs", command=["benchmarks/scale.py", size])
    write = time.perf_counter() - start
    row = {
        "size": size,
        "status": outcome.status,
        "objective": outcome.objective,
        "variables": outcome.solver.get("columns"),
        "constraints": outcome.solver.get("rows"),
        "nonzeros": outcome.solver.get("nonzeros"),
        "algorithm": outcome.solver.get("algorithm"),
        "load": load,
        "write": write,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    row.update({phase: outcome.timings.get(phase) for phase in PHASES if phase not in row})
    return row


def child_floor(size: str, folder: str) -> dict:
    """The same LP built directly as sparse matrices (benchmarks/floor.py), in its own process."""
    import resource

    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from floor import assemble, solve_direct  # noqa: PLC0415  (benchmarks/floor.py)

    from model.network import index_sets
    from model.scenario.loader import read_scenario

    sets = index_sets(read_scenario(scenario_file(size, folder))[0])
    form, seconds = assemble(sets)
    result = solve_direct(form, assembled_in=seconds, periods=sets.period_count)
    timings = {"assemble": seconds, **{k: result["timings"][k] for k in ("pass", "solve", "extract")}}
    return {
        "size": size,
        "floor_objective": result["objective"],
        **{f"floor_{k}": v for k, v in timings.items()},
        "floor_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child_pyomo(size: str, folder: str) -> dict:
    """The Pyomo model of the same LP built and compiled to its standard form (what `model.optimise`
    did before the matrix build, and still does for scenarios with queues), in its own process."""
    import resource

    sys.path.insert(0, str(ROOT))
    from model.lp import build
    from model.network import index_sets
    from model.scenario.loader import read_scenario

    sets = index_sets(read_scenario(scenario_file(size, folder))[0])
    start = time.perf_counter()
    model = build(sets)
    built = time.perf_counter()
    model.standard_form()
    compiled = time.perf_counter()
    return {
        "size": size,
        "pyomo_build": built - start,
        "pyomo_compile": compiled - built,
        "pyomo_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


CHILDREN = {"front": child_front_end, "floor": child_floor, "pyomo": child_pyomo}


def run_child(kind: str, size: str, folder: str, time_limit: float | None = None) -> dict:
    limit = [] if time_limit is None else [str(time_limit)]
    result = subprocess.run(
        [sys.executable, __file__, "--child", kind, size, folder, *limit], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{kind} {size} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def summarise(rows: list[dict], floor: bool) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    medians = frame.groupby("size", sort=False).median(numeric_only=True).reset_index()
    medians["end_to_end"] = medians[PHASES].sum(axis=1)
    medians["not_solve"] = medians.end_to_end - medians.solve
    medians["not_solve_per_solve"] = medians.not_solve / medians.solve
    if floor:
        medians["floor_end_to_end"] = medians[[f"floor_{p}" for p in FLOOR_PHASES]].sum(axis=1)
        medians["end_to_end_per_floor"] = medians.end_to_end / medians.floor_end_to_end
        medians["peak_per_floor"] = medians.peak_mib / medians.floor_peak_mib
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=LADDER, help="NODES_PER_STAGE:DEMANDS:PERIODS, each")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--floor", action="store_true", help="also time benchmarks/floor.py's direct build")
    parser.add_argument("--pyomo", action="store_true", help="also time building and compiling the Pyomo model")
    parser.add_argument("--out", default="scale.csv")
    parser.add_argument("--time-limit", type=float, help="HiGHS's time limit in seconds, for the front end's solve")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, size, folder, *limit = args.child
        extra = {"time_limit": float(limit[0])} if limit else {}
        print(json.dumps(CHILDREN[kind](size, folder, **extra)))
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="scale-") as folder:
        for size in args.sizes:
            write_size(size, folder)
            for repeat in range(args.repeats):
                row = run_child("front", size, folder, args.time_limit)
                for kind in ("floor", "pyomo"):
                    if getattr(args, kind):
                        row.update({k: v for k, v in run_child(kind, size, folder).items() if k != "size"})
                row["repeat"] = repeat + 1
                rows.append(row)
                print(
                    f"{size} #{repeat + 1}: {row['variables'] or 0:,} variables, {row['status']}, "
                    + ", ".join(f"{p} {row[p]:.2f}" for p in PHASES if row.get(p) is not None)
                    + f" s; peak {row['peak_mib']:,.0f} MiB"
                    + (
                        f"; floor {sum(row[f'floor_{p}'] for p in FLOOR_PHASES):.2f} s, "
                        f"{row['floor_peak_mib']:,.0f} MiB"
                        if args.floor
                        else ""
                    ),
                    flush=True,
                )
    medians = summarise(rows, args.floor)
    OUT.mkdir(parents=True, exist_ok=True)
    pd.concat([pd.DataFrame(rows), medians.assign(repeat="median")], ignore_index=True).to_csv(
        OUT / args.out, index=False
    )
    shown = ["size", "variables", "constraints", "nonzeros", *PHASES, "peak_mib", "not_solve_per_solve"]
    if args.floor:
        shown += ["floor_end_to_end", "end_to_end_per_floor", "peak_per_floor"]
    if args.pyomo:
        shown += ["pyomo_build", "pyomo_compile", "pyomo_peak_mib"]
    print(medians[shown].to_string(index=False, float_format=lambda x: f"{x:,.2f}"))
    print(f"written: {OUT / args.out}")


if __name__ == "__main__":
    main()
