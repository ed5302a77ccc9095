"""HiGHS's LP algorithms, timed per problem size on this project's LPs, to choose the default per size.

    .venv/bin/python benchmarks/solvers.py                                  # the ladder below
    .venv/bin/python benchmarks/solvers.py --sizes 6:300:1 10:900:1 --repeats 3 --time-limit 600
    .venv/bin/python benchmarks/solvers.py --sizes 70:30000:1 --repeats 1   # adds to solvers.csv
    .venv/bin/python benchmarks/solvers.py --sizes 4:60:1 --repeats 1 --out /tmp/solvers.csv   # a quick check

Sizes are generated scenarios (`model.generate`, seed 1, as benchmarks/scale.py), NODES_PER_STAGE:DEMANDS:PERIODS:
6:300:1 (~11k columns), 10:900:1 (~28k), 22:3000:1 (~100k), 40:9000:1 (~300k), 8:300:3 (~35k),
15:1000:3 (~115k), 30:3000:3 (~333k); 70:30000:1 (~1.0M) on request. Each size's LP is assembled once
(benchmarks/floor.py's `assemble`: `model.lp.build`, the LP `e2eopt solve` hands over, as a HighsLp by
`model.solve.highs_lp`) and each run gets a fresh
`highspy.Highs` (output off, `time_limit`, HiGHS's default threads: option `threads` = 0, automatic),
the same HighsLp via `passModel`, and one timed `Highs.run()`. Configurations (CONFIGS):

- `dual`: solver=simplex, simplex_strategy=1 (dual simplex), presolve on (`model.solve.default_algorithm`'s
  choice for one period, for warm starts and below 25,000 columns);
- `ipm_xover`: solver=ipm, run_crossover=on (model/solve.py's default from 50,000 columns when this was
  written; since then from 25,000 columns with more than one period: `model.solve.default_algorithm`);
- `ipm`: solver=ipm, run_crossover=off (no basis afterwards: no ranging); `ipm_nopre` the same with
  presolve off (without a basis, postsolve can leave wrong duals: status Unknown on multi-period LPs);
- `pdlp`: solver=pdlp (cuPDLP-C on the CPU), and `hipdlp`: solver=hipdlp (HiGHS's own PDLP), where the
  build accepts them; first-order methods, so their accuracy is recorded;
- small sizes only (fewer than --small-below columns): `dual_nopre` (dual simplex, presolve off),
  `primal` (simplex_strategy=4, presolve on), `ipm_xover_nopre` (ipm + crossover, presolve off).

Recorded per run: wall seconds of `run()` (and this process's CPU seconds, and the 1-minute load average
just before: other work on the machine shows there), model status, objective and its relative difference from
the size's reference (the median objective of the optimal `dual` and `ipm_xover` runs), simplex / ipm
/ crossover / pdlp iteration counts, whether a basis is valid afterwards (`getBasis().valid`: ranging
and sensitivity need one), whether duals are valid (`getSolution().dual_valid`), and `getInfo()`'s max
and sum of primal and dual infeasibilities (absolute, on the original LP after postsolve), the max
relative ones and the primal-dual objective error.
Sizes up to --repeat-below columns run --repeats times (median reported), larger ones once; within a
size, each round runs every configuration, in an order rotated per round so machine noise spreads.
Each run is a forked child process (a crash is recorded as such). A configuration that hits the
time limit or crashes is not repeated at that size nor run at larger sizes (the
row says so), unless --no-skip.

Prints the medians and writes benchmarks/out/solvers.csv (one row per size and configuration: medians,
ratio to the 50,000-column rule and to the project's `default_algorithm` now) and
benchmarks/out/solvers-runs.csv (every run). Rows for a (size, configuration) not measured in this
invocation are kept, so sizes and configurations can be measured in separate invocations.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from importlib import metadata
from multiprocessing.connection import Connection
from pathlib import Path

import highspy
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the project's `model` package
    sys.path.insert(0, str(ROOT))

from benchmarks.floor import assemble  # noqa: E402
from model.solve import highs_lp  # noqa: E402

Log = Callable[[str], None]

BRIEF_IPM_FROM_COLUMNS = 50_000
"""The default this benchmark was written to judge (model/solve.py before these measurements): dual simplex
below 50,000 columns, interior point + crossover from there, whatever the number of periods."""

OUT = ROOT / "benchmarks" / "out"
LADDER = ["6:300:1", "10:900:1", "8:300:3", "22:3000:1", "15:1000:3", "40:9000:1", "30:3000:3"]

CONFIGS: dict[str, dict[str, object]] = {
    "dual": {"solver": "simplex", "simplex_strategy": 1, "presolve": "on"},
    "ipm_xover": {"solver": "ipm", "run_crossover": "on", "presolve": "on"},
    "ipm": {"solver": "ipm", "run_crossover": "off", "presolve": "on"},
    "ipm_nopre": {"solver": "ipm", "run_crossover": "off", "presolve": "off"},
    "pdlp": {"solver": "pdlp", "presolve": "on"},
    "hipdlp": {"solver": "hipdlp", "presolve": "on"},
    "dual_nopre": {"solver": "simplex", "simplex_strategy": 1, "presolve": "off"},
    "primal": {"solver": "simplex", "simplex_strategy": 4, "presolve": "on"},
    "ipm_xover_nopre": {"solver": "ipm", "run_crossover": "on", "presolve": "off"},
}
SMALL_ONLY = {"dual_nopre", "primal", "ipm_xover_nopre"}
REFERENCE = ("dual", "ipm_xover")


def default_config(columns: int) -> str:
    """The 50,000-column rule (BRIEF_IPM_FROM_COLUMNS) for a cold LP."""
    return "dual" if columns < BRIEF_IPM_FROM_COLUMNS else "ipm_xover"


def project_default(columns: int, periods: int) -> str:
    """model/solve.py's `algorithm: auto` for a cold LP as the project has it now ("" if it has no such rule)."""
    try:
        from model.solve import default_algorithm
    except ImportError:
        return ""
    return {"simplex": "dual", "ipm": "ipm_xover"}[default_algorithm(columns, periods)]


def build_lp(size: str) -> tuple[highspy.HighsLp, dict]:
    from model.generate import Size, generate
    from model.network import index_sets
    from model.scenario import parse_yaml, validate_data

    nodes, demands, periods = (int(x) for x in size.split(":"))
    data = generate(Size(nodes, demands, periods, 1))
    scenario = validate_data(*parse_yaml(json.dumps(data), "gen.json"))
    form, seconds = assemble(index_sets(scenario))
    return highs_lp(form), {
        "columns": form.num_col,
        "rows": form.num_row,
        "nonzeros": int(form.matrix.nnz),
        "assemble_s": seconds,
    }


def available(config: dict[str, object]) -> bool:
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    return all(highs.setOptionValue(name, value) == highspy.HighsStatus.kOk for name, value in config.items())


def run_once(lp: highspy.HighsLp, config: dict[str, object], time_limit: float) -> dict:
    highs = highspy.Highs()
    for name, value in {"output_flag": False, "time_limit": float(time_limit), **config}.items():
        if highs.setOptionValue(name, value) != highspy.HighsStatus.kOk:
            raise ValueError(f"HiGHS refused {name} = {value!r}")
    highs.passModel(lp)
    load = os.getloadavg()[0]
    start, cpu = time.perf_counter(), time.process_time()
    run_status = highs.run()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    info = highs.getInfo()
    status = highs.modelStatusToString(highs.getModelStatus())
    has_primal = info.primal_solution_status == 2  # kSolutionStatusFeasible
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "load_before": load,
        "run_status": str(run_status).split(".")[-1],
        "status": status,
        "objective": float(info.objective_function_value) if has_primal or status == "Optimal" else float("nan"),
        "simplex_iterations": int(info.simplex_iteration_count),
        "ipm_iterations": int(info.ipm_iteration_count),
        "crossover_iterations": int(info.crossover_iteration_count),
        "pdlp_iterations": int(info.pdlp_iteration_count),
        "basis_valid": bool(highs.getBasis().valid),
        "dual_valid": bool(highs.getSolution().dual_valid),
        "primal_status": int(info.primal_solution_status),
        "dual_status": int(info.dual_solution_status),
        "max_primal_infeasibility": float(info.max_primal_infeasibility),
        "sum_primal_infeasibilities": float(info.sum_primal_infeasibilities),
        "num_primal_infeasibilities": int(info.num_primal_infeasibilities),
        "max_dual_infeasibility": float(info.max_dual_infeasibility),
        "sum_dual_infeasibilities": float(info.sum_dual_infeasibilities),
        "num_dual_infeasibilities": int(info.num_dual_infeasibilities),
        "max_relative_primal_infeasibility": float(info.max_relative_primal_infeasibility),
        "max_relative_dual_infeasibility": float(info.max_relative_dual_infeasibility),
        "primal_dual_objective_error": float(info.primal_dual_objective_error),
        "threads_option": int(highs.getOptionValue("threads")[1]),
    }


def _child(conn: Connection, lp: highspy.HighsLp, config: dict[str, object], time_limit: float) -> None:
    try:
        conn.send(run_once(lp, config, time_limit))
    except BaseException as error:  # reported to the parent, which records it
        conn.send({"error": repr(error)})
    conn.close()


def run_forked(lp: highspy.HighsLp, config: dict[str, object], time_limit: float) -> dict:
    """`run_once` in a forked child (it inherits the LP): a solver that crashes the process is recorded,
    and no HiGHS thread pool or memory carries over from one run to the next."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, lp, config, time_limit))
    start = time.perf_counter()
    child.start()
    send.close()
    try:
        result = receive.recv()
    except EOFError:
        result = None
    child.join()
    if result is None or "error" in result:
        why = result["error"] if result else f"process ended with exit code {child.exitcode}"
        return {"seconds": time.perf_counter() - start, "status": "crashed", "objective": float("nan"), "error": why}
    return result


def measure_size(
    size: str,
    configs: list[str],
    repeats: int,
    repeat_below: int,
    time_limit: float,
    small_below: int,
    skipped: set[str],
    log: Log,
    persist: Callable[[list[dict]], None] | None = None,
    known_reference: float = float("nan"),
) -> tuple[list[dict], dict]:
    lp, shape = build_lp(size)
    columns = shape["columns"]
    if columns > repeat_below:
        repeats = 1
    names = [c for c in configs if c not in SMALL_ONLY or columns < small_below]
    log(
        f"\n== {size}: {columns:,} columns, {shape['rows']:,} rows, {shape['nonzeros']:,} nonzeros; "
        f"{repeats} round(s): {', '.join(names)}; load average {os.getloadavg()[0]:.2f}"
    )
    runs: list[dict] = []
    timed_out: set[str] = set()
    for round_ in range(repeats):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            if name in skipped or name in timed_out:
                continue
            row = {
                "size": size,
                **shape,
                "config": name,
                "round": round_ + 1,
                **run_forked(lp, CONFIGS[name], time_limit),
            }
            if row["status"] == "crashed":
                log(f"  round {round_ + 1} {name:16s} CRASHED after {row['seconds']:.1f} s: {row['error']}")
                timed_out.add(name)
                runs.append(row)
                continue
            runs.append(row)
            if persist:
                persist(runs)
            log(
                f"  round {round_ + 1} {name:16s} {row['seconds']:9.3f} s (cpu {row['cpu_seconds']:8.2f}, load "
                f"{row['load_before']:.2f})  {row['status']:>20s}  "
                f"obj {row['objective']:.10g}  it s/i/x/p {row['simplex_iterations']}/{row['ipm_iterations']}/"
                f"{row['crossover_iterations']}/{row['pdlp_iterations']}  basis {row['basis_valid']} "
                f"duals {row['dual_valid']}  max inf p/d {row['max_primal_infeasibility']:.2e}/"
                f"{row['max_dual_infeasibility']:.2e}"
            )
            if row["status"] == "Time limit reached":
                timed_out.add(name)
    # the reference optimum: median objective of the optimal dual-simplex and ipm+crossover runs
    ref = [r["objective"] for r in runs if r["config"] in REFERENCE and r["status"] == "Optimal"]
    reference = statistics.median(ref) if ref else known_reference  # else from an earlier invocation
    for row in runs:
        row["reference_objective"] = reference
        row["objective_rel_diff"] = abs(row["objective"] - reference) / max(1.0, abs(reference))
    return runs, {"timed_out": timed_out, "names": names, "shape": shape}


def summarise(runs: list[dict], skipped_at: dict[tuple[str, str], str]) -> pd.DataFrame:
    frame = pd.DataFrame(runs)
    rows = []
    for (size, config), group in frame.groupby(["size", "config"], sort=False):
        first = group.iloc[0]
        rows.append(
            {
                "size": size,
                "columns": first["columns"],
                "rows": first["rows"],
                "nonzeros": first["nonzeros"],
                "config": config,
                "options": ", ".join(f"{k}={v}" for k, v in CONFIGS[config].items()),
                "runs": len(group),
                "median_s": group["seconds"].median(),
                "min_s": group["seconds"].min(),
                "max_s": group["seconds"].max(),
                "median_cpu_s": group["cpu_seconds"].median(),
                "max_load_before": group["load_before"].max(),
                "status": "/".join(sorted(set(group["status"]))),
                "objective": group["objective"].median(),
                "reference_objective": first["reference_objective"],
                "objective_rel_diff": group["objective_rel_diff"].max(),
                **{
                    k: group[k].median()
                    for k in ("simplex_iterations", "ipm_iterations", "crossover_iterations", "pdlp_iterations")
                },
                "basis_valid": bool(group["basis_valid"].fillna(False).all()),
                "dual_valid": bool(group["dual_valid"].fillna(False).all()),
                **{
                    k: group[k].max()
                    for k in (
                        "max_primal_infeasibility",
                        "sum_primal_infeasibilities",
                        "max_dual_infeasibility",
                        "sum_dual_infeasibilities",
                        "max_relative_primal_infeasibility",
                        "max_relative_dual_infeasibility",
                        "primal_dual_objective_error",
                    )
                },
                "threads_option": first["threads_option"],
                "note": "; ".join(sorted(set(group["error"].dropna()))) if "error" in group else "",
            }
        )
    for (size, config), note in skipped_at.items():
        rows.append({"size": size, "config": config, "runs": 0, "status": "not run", "note": note})
    return pd.DataFrame(rows)


def add_ratios(table: pd.DataFrame) -> pd.DataFrame:
    """Each size's default, by the 50,000-column rule and by the project's `default_algorithm` now, and every
    configuration's median seconds as a multiple of each."""
    table = table.copy()
    table["periods"] = table["size"].map(lambda s: int(s.split(":")[2]))
    for which, rule in (("", lambda c, p: default_config(c)), ("project_", project_default)):
        table[f"{which}default"] = ""
        table[f"ratio_to_{which}default"] = float("nan")
        for _, group in table.groupby("size", sort=False):
            columns = group["columns"].dropna()
            if columns.empty:
                continue
            default = rule(int(columns.iloc[0]), int(group["periods"].iloc[0]))
            base = group.loc[(group["config"] == default) & (group["runs"] > 0), "median_s"]
            table.loc[group.index, f"{which}default"] = default
            if not base.empty and base.iloc[0] > 0:
                table.loc[group.index, f"ratio_to_{which}default"] = group["median_s"] / base.iloc[0]
    return table


def merge(path: Path, new: pd.DataFrame) -> pd.DataFrame:
    """`new` over the file's rows: a (size, configuration) measured now replaces the file's, other rows stay
    (a 'not run' row never replaces a measured one)."""
    if path.exists() and not new.empty:
        old = pd.read_csv(path)
        measured = set(
            zip(
                new.loc[new.get("runs", pd.Series(1, index=new.index)) != 0, "size"],
                new.loc[new.get("runs", pd.Series(1, index=new.index)) != 0, "config"],
            )
        )
        old_measured = (
            set(zip(old["size"], old["config"]))
            if "runs" not in old
            else set(zip(old.loc[old["runs"] != 0, "size"], old.loc[old["runs"] != 0, "config"]))
        )
        keep_new = [(sz, c) in measured or (sz, c) not in old_measured for sz, c in zip(new["size"], new["config"])]
        new = new[keep_new]
        replaced = set(zip(new["size"], new["config"]))
        old = old[[(sz, c) not in replaced for sz, c in zip(old["size"], old["config"])]]
        new = pd.concat([old, new], ignore_index=True)
    if new.empty:
        return new
    columns = new.groupby("size")["columns"].max()
    order = {s: i for i, s in enumerate([*LADDER, "70:30000:1", "55:10000:3"])}
    new = new.assign(_c=new["size"].map(columns), _o=new["size"].map(order))
    return new.sort_values(["_c", "_o"], kind="stable").drop(columns=["_c", "_o"])


def print_tables(table: pd.DataFrame, log: Log) -> None:
    ran = table[table["runs"] > 0]
    wide = ran.pivot_table(index=["size", "columns"], columns="config", values="median_s", sort=False)
    wide = wide.sort_index(level="columns")
    order = [c for c in CONFIGS if c in wide.columns]
    log("\nmedian seconds of Highs.run() (one run above --repeat-below columns):")
    log(wide[order].to_string(float_format=lambda x: f"{x:.3f}"))
    ratio = ran.pivot_table(index=["size", "columns"], columns="config", values="ratio_to_default", sort=False)
    ratio = ratio.sort_index(level="columns")
    log("\nratio to the 50,000-column rule (dual below 50,000 columns, ipm_xover from there):")
    log(ratio[order].to_string(float_format=lambda x: f"{x:.2f}"))
    if ran["project_default"].ne("").any():
        log(
            "\nthe project's default now (model.solve.default_algorithm): "
            + ", ".join(f"{s} {d}" for s, d in ran.groupby("size", sort=False)["project_default"].first().items())
        )
    cols = [
        "size",
        "config",
        "runs",
        "median_s",
        "status",
        "objective_rel_diff",
        "simplex_iterations",
        "ipm_iterations",
        "crossover_iterations",
        "pdlp_iterations",
        "basis_valid",
        "dual_valid",
        "max_primal_infeasibility",
        "max_dual_infeasibility",
        "note",
    ]
    log("\ndetail:")
    log(table[cols].to_string(index=False, float_format=lambda x: f"{x:.3g}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=LADDER, help="NODES_PER_STAGE:DEMANDS:PERIODS ...")
    parser.add_argument("--repeats", type=int, default=3, help="rounds per size up to --repeat-below columns")
    parser.add_argument("--repeat-below", type=int, default=120_000, help="columns; larger sizes run once")
    parser.add_argument("--time-limit", type=float, default=600.0, help="seconds, per run")
    parser.add_argument(
        "--small-below",
        type=int,
        default=BRIEF_IPM_FROM_COLUMNS,
        help="columns; the small-only configurations run below this",
    )
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--no-skip", action="store_true", help="keep running a configuration after a time-out")
    parser.add_argument("--out", default=str(OUT / "solvers.csv"))
    args = parser.parse_args()

    def log(text: str) -> None:
        print(text, flush=True)

    configs = [c for c in args.configs if available(CONFIGS[c])]
    for c in set(args.configs) - set(configs):
        log(f"{c}: this HiGHS build refuses {CONFIGS[c]}; not run")
    log(
        f"HiGHS {highspy.Highs().version()}, highspy {metadata.version('highspy')}, threads option 0 "
        f"(automatic), {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
        f"time limit {args.time_limit:g} s"
    )

    out = Path(args.out)
    runs_out = out.with_name(out.stem + "-runs.csv")
    known: dict[str, float] = {}
    if out.exists():  # reference optima measured by an earlier invocation, for first-order-only runs
        earlier = pd.read_csv(out).dropna(subset=["reference_objective"])
        known = dict(zip(earlier["size"], earlier["reference_objective"]))
    all_runs: list[dict] = []
    skipped: set[str] = set()
    skipped_at: dict[tuple[str, str], str] = {}
    for size in args.sizes:

        def persist(partial: list[dict]) -> None:  # each run as it ends: survives a crash
            merge(runs_out, pd.DataFrame(all_runs + partial)).to_csv(runs_out, index=False)

        runs, meta = measure_size(
            size,
            configs,
            args.repeats,
            args.repeat_below,
            args.time_limit,
            args.small_below,
            skipped,
            log,
            persist,
            known.get(size, float("nan")),
        )
        for name in meta["names"]:
            if name in skipped:
                skipped_at[(size, name)] = "not run: timed out or crashed at a smaller size"
        if not args.no_skip:
            skipped |= meta["timed_out"]
        all_runs.extend(runs)
        table = add_ratios(merge(out, summarise(all_runs, skipped_at)))
        table.to_csv(out, index=False)
        merge(runs_out, pd.DataFrame(all_runs)).to_csv(runs_out, index=False)
        log(f"  wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    print_tables(table, log)


if __name__ == "__main__":
    main()
