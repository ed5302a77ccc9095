"""The floor for any Python front end: the LP assembled directly with numpy and scipy from the index
tables (`model.lp.build`), handed to HiGHS with one `passModel` call, solved and read back.

    .venv/bin/python benchmarks/floor.py data/appliance-co.yaml
    .venv/bin/python benchmarks/floor.py SCENARIO.yaml --integer-staff --algorithm ipm

`solve_direct(build(index_sets(scenario)))` times the phases no front end can avoid: assemble (index
tables -> CSC matrix), pass (HighsLp + passModel on a plain `highspy.Highs`), solve (`Highs.run`) and
extract (`getSolution` -> numpy arrays per variable family). `e2eopt solve` does this too, and besides
reads the YAML, checks the answer, builds the tables, the sensitivity table and writes the run folder.
A scenario with queues is built with its queues relaxed (agents >= load): one LP, not the iterations.
The module keeps no global state, so a caller can measure its peak memory in a fresh process.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import highspy
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the project's `model` package
    sys.path.insert(0, str(ROOT))

from model.lp import LinearModel, build  # noqa: E402
from model.network import IndexSets  # noqa: E402
from model.solve import default_algorithm, highs_lp  # noqa: E402

MIP_GAP = 1e-4
"""model.solve.SolveOptions' default `mip_gap`."""


def assemble(sets: IndexSets, integer_staff: bool = False) -> tuple[LinearModel, float]:
    """The LP as HiGHS receives it, and the seconds its assembly took."""
    start = time.perf_counter()
    model = build(sets, integer_staff=integer_staff)
    return model, time.perf_counter() - start


STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kTimeLimit: "time_limit",
    highspy.HighsModelStatus.kModelEmpty: "optimal",
}


def _set(highs: highspy.Highs, name: str, value: object) -> None:
    if highs.setOptionValue(name, value) != highspy.HighsStatus.kOk:
        raise ValueError(f"HiGHS refused the option {name} = {value!r}")


def solve_direct(
    lp: LinearModel,
    algorithm: str = "auto",
    threads: int | None = None,
    time_limit: float | None = None,
    assembled_in: float = float("nan"),
    periods: int = 1,
    ranging: bool = False,
) -> dict:
    """Hand the LP to HiGHS with model/solve.py's settings, solve, and read the solution back.

    Returns status, objective, timings (assemble, pass, solve, extract: seconds), the LP's size, the
    algorithm, iteration counts, `values` and `reduced_costs` (family -> (rows, T) grid, NaN where
    no variable) and `row_values`, `row_duals` (family -> per row built), as model.solve reads them.
    With `ranging`, extract also asks HiGHS for its ranging (`getRanging`), as `e2eopt solve` does
    for its sensitivity table: the like-for-like floor for a solve with sensitivity on.
    """
    timings = {"assemble": assembled_in}
    start = time.perf_counter()
    highs = highspy.Highs()
    _set(highs, "output_flag", False)
    if time_limit is not None:
        _set(highs, "time_limit", float(time_limit))
    if threads is not None:
        highspy.Highs.resetGlobalScheduler(True)
        _set(highs, "threads", int(threads))
    _set(highs, "mip_rel_gap", MIP_GAP)
    is_mip = bool(lp.integer.any())
    if is_mip:
        label = "branch-and-cut"
    else:
        label = default_algorithm(lp.num_col, periods) if algorithm == "auto" else algorithm
        _set(highs, "solver", label)
    model = highs_lp(lp)
    highs.passModel(model)
    timings["pass"] = time.perf_counter() - start

    start = time.perf_counter()
    highs.run()
    model_status = highs.getModelStatus()
    timings["solve"] = time.perf_counter() - start
    info = highs.getInfo()
    out = {
        "status": STATUS.get(model_status, "error"),
        "message": highs.modelStatusToString(model_status),
        "objective": None,
        "timings": timings,
        "columns": lp.num_col,
        "rows": lp.num_row,
        "nonzeros": int(lp.matrix.nnz),
        "algorithm": label,
        "mip": is_mip,
        "simplex_iterations": int(info.simplex_iteration_count),
        "ipm_iterations": int(info.ipm_iteration_count),
        "crossover_iterations": int(info.crossover_iteration_count),
    }
    if info.primal_solution_status != 2:
        return out

    start = time.perf_counter()
    solution = highs.getSolution()
    col_value = np.asarray(solution.col_value, dtype=float)
    row_value = np.asarray(solution.row_value, dtype=float)
    row_dual = np.asarray(solution.row_dual, dtype=float) if solution.dual_valid else np.full(lp.num_row, np.nan)
    col_dual = np.asarray(solution.col_dual, dtype=float)
    out["objective"] = float(info.objective_function_value)
    values, reduced = {}, {}
    for name, grid in lp.columns.items():  # each family's variables on its grid
        values[name] = np.where(grid >= 0, col_value[np.maximum(grid, 0)], np.nan)
        reduced[name] = np.where(grid >= 0, col_dual[np.maximum(grid, 0)], np.nan)
    out["values"], out["reduced_costs"] = values, reduced
    out["row_values"] = {name: row_value[block.at] for name, block in lp.blocks.items()}
    out["row_duals"] = {name: row_dual[block.at] for name, block in lp.blocks.items()}
    if ranging and not is_mip:
        status, out["ranging"] = highs.getRanging()
        if status != highspy.HighsStatus.kOk:
            raise RuntimeError("HiGHS could not range the optimal basis")
    timings["extract"] = time.perf_counter() - start
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", help="a scenario YAML file")
    parser.add_argument("--integer-staff", action="store_true", help="whole FTE (a MILP)")
    parser.add_argument("--algorithm", choices=["auto", "simplex", "ipm"], default="auto")
    parser.add_argument("--ranging", action="store_true", help="extract HiGHS's ranging too (sensitivity on)")
    args = parser.parse_args()

    from model.network import index_sets
    from model.scenario import load_scenario

    start = time.perf_counter()
    scenario = load_scenario(args.scenario)
    load = time.perf_counter() - start
    start = time.perf_counter()
    sets = index_sets(scenario)
    index = time.perf_counter() - start
    lp, seconds = assemble(sets, integer_staff=args.integer_staff)
    result = solve_direct(
        lp, algorithm=args.algorithm, assembled_in=seconds, periods=sets.period_count, ranging=args.ranging
    )
    t = result["timings"]
    print(
        f"{args.scenario}: {result['columns']:,} columns, {result['rows']:,} rows, {result['nonzeros']:,} "
        f"nonzeros, {result['algorithm']}"
    )
    print(f"load {load:.3f} s, index sets {index:.3f} s (not part of the floor)")
    print(
        "floor: "
        + ", ".join(f"{phase} {t[phase]:.3f} s" for phase in ("assemble", "pass", "solve", "extract") if phase in t)
        + f"; assemble + pass + extract {t['assemble'] + t['pass'] + t.get('extract', 0.0):.3f} s"
    )
    objective = f"{result['objective']:.6f}" if result["objective"] is not None else "none"
    print(f"status {result['status']}, objective {objective}")


if __name__ == "__main__":
    main()
