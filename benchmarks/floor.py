"""The floor for any Python front end: the LP of `model.lp.build` assembled directly with numpy and
scipy from the index tables, handed to HiGHS with one `passModel` call.

    .venv/bin/python benchmarks/floor.py data/appliance-co.yaml
    .venv/bin/python benchmarks/floor.py SCENARIO.yaml --integer-staff --algorithm ipm

`build_direct(index_sets(scenario))` gives the same LP as
`model.solve.to_standard_form(model.lp.build(index_sets(scenario)))`: the same columns in the same
order, the same rows in the same order, the same coefficients, bounds and costs
(tests/test_floor.py checks this entry by entry). No Pyomo object is made: each variable family is
an integer grid of column numbers (rows of its index table x periods, -1 where no variable), each
constraint family a set of (row, column, coefficient) triplets collected with numpy over the index
tables, as model/lp/constraints.py collects Pyomo terms. `solve_direct` then times the phases a
front end cannot avoid: assemble (index tables -> CSC matrix), pass (HighsLp + passModel), solve
(`Highs.run`) and extract (`getSolution` -> numpy arrays on the variable grids).

Queues (q, a and families 9-11) are not built: a scenario with queues raises NotImplementedError.
The module keeps no global state, so a caller can measure its peak memory in a fresh process.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the project's `model` package
    sys.path.insert(0, str(ROOT))

from model.lp.rows import period_grid, period_rows  # noqa: E402
from model.network import IndexSets, position  # noqa: E402
from model.solve import IPM_FROM_COLUMNS  # noqa: E402

FAMILIES = ("s", "o", "hire", "fire", "y", "x", "k", "b", "u", "z")
"""Column order. Pyomo's standard-form compiler numbers whole variable components in the order it
first meets them, walking the objective (cost terms labour s, overtime o, hiring, layoffs, processing
y, hand-offs x, holding k, backlog b, unmet u) and then the rows (z first appears in the
pass-through rows); inside a component, in index order, i.e. row of the index table, then period.
The direct LP uses the same order, so HiGHS receives the same matrix and the solve phases compare."""

BLOCKS = ("pass_through", "work_balance", "labour_capacity", "overtime_limit", "staff_balance",
          "node_capacity_limit", "arc_capacity_limit", "quality_target", "response_time_target",
          "final_backlog", "final_stock")
"""Row families in the order `model.lp.build` declares them (the order of the compiled rows)."""

LEFT_OUT = -2
"""Column number of a variable that exists but entered no row and no cost."""

MIP_GAP = 1e-4
"""model.solve.SolveOptions' default `mip_gap`."""


@dataclass
class DirectLP:
    """The LP as HiGHS receives it, with the maps back to the variable grids and row families.

    `columns[family]` is a (rows of the family's index table, periods) grid of column numbers: -1
    where no variable exists, LEFT_OUT where the variable entered no row and no cost (Pyomo's
    compiler leaves such a column out, and so does this build; it sits at its lower bound,
    `left_out[family]`, in row-major order). `blocks[name]` is the (start, stop) range of the
    family's rows, and `row_ids[name]` each kept row's id in the family's full numbering (index row x
    periods), as `RowBlock.labels` are kept in model/lp/rows.py.
    """

    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    matrix: sp.csc_matrix
    integer: np.ndarray
    columns: dict[str, np.ndarray]
    left_out: dict[str, np.ndarray]
    blocks: dict[str, tuple[int, int]]
    row_ids: dict[str, np.ndarray]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def num_col(self) -> int:
        return len(self.cost)

    @property
    def num_row(self) -> int:
        return len(self.row_lower)


class _Columns:
    """Column numbers of every variable family, in FAMILIES order, before empty columns are dropped."""

    def __init__(self) -> None:
        self.count = 0

    def add(self, name: str, exists: np.ndarray) -> np.ndarray:
        grid = np.full(exists.shape, -1, dtype=np.int64)
        n = int(exists.sum())
        grid[exists] = np.arange(self.count, self.count + n)  # row-major: index row, then period
        self.count += n
        return grid


class _Terms:
    """(row, column, coefficient) triplets of one row family: the numeric twin of model.lp.rows.Terms."""

    def __init__(self, row_count: int) -> None:
        self.row_count = row_count
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.coefs: list[np.ndarray] = []

    def add(self, rows: np.ndarray, cols: np.ndarray, coefs: object) -> None:
        """Arrays broadcast together; terms without a row or column, or with a coefficient of 0, drop.

        Pyomo drops a zero coefficient too: Terms.add for numbers, the compiler's LinearRepnVisitor for
        a parameter expression that evaluates to 0 (it records a variable only at a nonzero coefficient).
        """
        rows, cols, coefs = np.broadcast_arrays(np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64),
                                                np.asarray(coefs, dtype=float))
        keep = (rows >= 0) & (cols >= 0) & (coefs != 0.0)
        self.rows.append(rows[keep])
        self.cols.append(cols[keep])
        self.coefs.append(coefs[keep])

    def add_served(self, rows: np.ndarray, backlog: np.ndarray, unmet: np.ndarray, coef: np.ndarray) -> None:
        """coef * (b[t-1] - b[t] - u[t]) on the given (D x T) rows (Context.add_served)."""
        self.add(rows, _shifted(backlog), coef)
        self.add(rows, backlog, -coef)
        self.add(rows, unmet, -coef)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
            return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

        return cat(self.rows, np.int64), cat(self.cols, np.int64), cat(self.coefs, float)


def _shifted(grid: np.ndarray) -> np.ndarray:
    """The grid one period earlier: column t holds period t-1's column number (-1 in the first)."""
    out = np.full(grid.shape, -1, dtype=np.int64)
    out[:, 1:] = grid[:, :-1]
    return out


def _per_demand(grid: np.ndarray, table: pd.DataFrame, demands: pd.DataFrame) -> np.ndarray:
    """A (D x T) grid of a family indexed by a subset of demands (b, u), -1 for the others."""
    full = np.full((len(demands), grid.shape[1]), -1, dtype=np.int64)
    full[position(demands, ["demand"], table)] = grid
    return full


def build_direct(sets: IndexSets, integer_staff: bool = False) -> DirectLP:
    """The LP of `model.lp.build(sets, integer_staff=...)` as CSC matrix, bounds and costs (numpy only).

    ValueError where `model.lp.build` raises InfeasibleRow (a row no variable enters whose bounds
    exclude 0); NotImplementedError for a scenario with queues.
    """
    if len(sets.queues) > 0:
        raise NotImplementedError("the direct build has no queues (q, a, rows 9-11): solve with model.optimise")
    start = time.perf_counter()
    T = sets.period_count
    staff, demands, modes, arcs = sets.staff, sets.demands, sets.demand_modes, sets.demand_arcs
    nodes, sinks, stocks = sets.demand_nodes, sets.sinks, sets.stocks
    backlog_table = demands[demands.backlog.to_numpy(dtype=bool)].reset_index(drop=True)
    unmet_table = demands[demands.unmet.to_numpy(dtype=bool)].reset_index(drop=True)

    # Variables (model/lp/variables.py), numbered in FAMILIES order.
    every = {name: np.ones((len(table), T), dtype=bool) for name, table in
             (("s", staff), ("y", modes), ("x", arcs), ("k", stocks), ("b", backlog_table),
              ("u", unmet_table), ("z", sinks))}
    changes = np.ones((len(staff), T), dtype=bool)
    changes[np.isnan(staff["initial"].to_numpy(dtype=float)), 0] = False  # no `initial`: period 1 is free
    exists = {**every, "o": np.repeat((staff.overtime_max.to_numpy() > 0)[:, None], T, axis=1),
              "hire": changes, "fire": changes}
    numbering = _Columns()
    v = {name: numbering.add(name, exists[name]) for name in FAMILIES}
    n_full = numbering.count

    # Bounds: all >= 0; staff min <= s <= max (Pyomo's lb is the larger of the domain's 0 and min).
    lower, upper = np.zeros(n_full), np.full(n_full, np.inf)
    s_cols = v["s"][exists["s"]]
    lower[s_cols] = np.repeat(np.maximum(staff["min"].to_numpy(dtype=float), 0.0), T)
    upper[s_cols] = np.repeat(staff["max"].to_numpy(dtype=float), T)  # inf: no bound
    integer = np.zeros(n_full, dtype=bool)
    integer[s_cols] = integer_staff

    # Costs (model/lp/objective.py): each variable at its price, every period.
    cost = np.zeros(n_full)
    arc_cost = sets.arcs.cost.to_numpy(dtype=float)[position(sets.arcs, ["arc"], arcs)]
    prices = {"s": staff.cost_per_fte, "o": staff.overtime_cost, "hire": staff.hire_cost,
              "fire": staff.layoff_cost, "y": modes.unit_cost, "x": arc_cost, "k": stocks.holding_cost,
              "b": backlog_table.backlog_cost, "u": unmet_table.unmet_penalty}
    for name, price in prices.items():
        grid = v[name]
        cost[grid[exists[name]]] = np.broadcast_to(np.asarray(price, dtype=float)[:, None], grid.shape)[exists[name]]

    backlog = _per_demand(v["b"], backlog_table, demands)
    unmet = _per_demand(v["u"], unmet_table, demands)
    volume = sets.volumes.reshape(len(demands), T)

    def node_rows(table: pd.DataFrame, column: str) -> np.ndarray:
        return period_rows(position(nodes, ["demand", "node"], table, ["demand", column]), T)

    origin_rows = node_rows(demands, "origin")
    families: list[tuple[str, _Terms, np.ndarray, np.ndarray]] = []  # name, terms, row lower, row upper

    def equal(rhs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return rhs, rhs

    def at_most(bound: object, count: int) -> tuple[np.ndarray, np.ndarray]:
        return np.full(count, -np.inf), np.broadcast_to(np.asarray(bound, dtype=float), (count,))

    # 1 pass-through: theta = sum of x out + z; served's V moves right.
    terms = _Terms(len(nodes) * T)
    terms.add(node_rows(arcs, "target"), v["x"], 1.0)
    terms.add(node_rows(arcs, "source"), v["x"], -1.0)
    terms.add(node_rows(sinks, "node"), v["z"], -1.0)
    terms.add_served(origin_rows, backlog, unmet, np.ones((len(demands), 1)))
    rhs = np.zeros(terms.row_count)
    rhs[origin_rows.ravel()] = -volume.ravel()
    families.append(("pass_through", terms, *equal(rhs)))

    # 2 work balance: sum_m y + k[t-1] = theta + k[t], k[0] = initial.
    terms = _Terms(len(nodes) * T)
    terms.add(node_rows(modes, "node"), v["y"], 1.0)
    terms.add(node_rows(arcs, "target"), v["x"], -1.0)
    stock_rows = node_rows(stocks, "node")
    terms.add(stock_rows, _shifted(v["k"]), 1.0)
    terms.add(stock_rows, v["k"], -1.0)
    terms.add_served(origin_rows, backlog, unmet, -np.ones((len(demands), 1)))
    rhs = np.zeros(terms.row_count)
    rhs[origin_rows.ravel()] = volume.ravel()
    rhs[stock_rows[:, 0]] -= stocks.initial.to_numpy(dtype=float)
    families.append(("work_balance", terms, *equal(rhs)))

    # 3 labour: sum_d h y <= rho (H s + o), only where some demand can load the position.
    staffed_mask = modes.role.notna().to_numpy()
    staffed = modes[staffed_mask]
    at = position(staff, ["node", "role"], staffed, ["node", "mode"])
    terms = _Terms(len(staff) * T)
    terms.add(period_rows(at, T), v["y"][staffed_mask], staffed.hours_per_unit.to_numpy(dtype=float)[:, None])
    loaded = np.zeros(len(staff), dtype=bool)
    loaded[np.unique(at)] = True
    rows = np.where(loaded[:, None], period_grid(len(staff), T), -1)
    rho = staff.max_utilisation.to_numpy(dtype=float)[:, None]
    terms.add(rows, v["s"], -rho * staff.hours_per_fte.to_numpy(dtype=float)[:, None])
    terms.add(rows, v["o"], -rho)
    families.append(("labour_capacity", terms, *at_most(0.0, terms.row_count)))

    # 3 overtime: o <= OT s.
    terms = _Terms(len(staff) * T)
    rows = np.where(exists["o"], period_grid(len(staff), T), -1)
    terms.add(rows, v["o"], 1.0)
    terms.add(rows, v["s"], -staff.overtime_max.to_numpy(dtype=float)[:, None])
    families.append(("overtime_limit", terms, *at_most(0.0, terms.row_count)))

    # 4 staff balance: s[t] - s[t-1] - hire + fire = 0, or = initial in the first period.
    terms = _Terms(len(staff) * T)
    rows = np.where(exists["hire"], period_grid(len(staff), T), -1)
    terms.add(rows, v["s"], 1.0)
    terms.add(rows, _shifted(v["s"]), -1.0)
    terms.add(rows, v["hire"], -1.0)
    terms.add(rows, v["fire"], 1.0)
    rhs = np.zeros((len(staff), T))
    rhs[:, 0] = np.nan_to_num(staff["initial"].to_numpy(dtype=float), nan=0.0)
    families.append(("staff_balance", terms, *equal(rhs.ravel())))

    # 5 capacities: sum_d sum_m y <= cap[n]; sum_d x <= cap[a] (finite capacities only).
    for name, owners, key, users, grid in (("node_capacity_limit", sets.nodes, "node", modes, v["y"]),
                                           ("arc_capacity_limit", sets.arcs, "arc", arcs, v["x"])):
        capped = owners[np.isfinite(owners.capacity.to_numpy(dtype=float))].reset_index(drop=True)
        terms = _Terms(len(capped) * T)
        terms.add(period_rows(position(capped, [key], users), T), grid, 1.0)
        families.append((name, terms, *at_most(np.repeat(capped.capacity.to_numpy(dtype=float), T), terms.row_count)))

    def target_rows(column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        figure = demands[column].to_numpy(dtype=float)
        has_target = ~np.isnan(figure)
        return np.where(has_target[:, None], period_grid(len(demands), T), -1), has_target, figure

    def by_demand(rows_by_demand: np.ndarray, table: pd.DataFrame) -> np.ndarray:
        return rows_by_demand[position(demands, ["demand"], table)]

    # 6 quality: sum (1 - q) y <= (1 - Q) served.
    rows, has_target, quality = target_rows("min_quality")
    terms = _Terms(len(demands) * T)
    terms.add(by_demand(rows, modes), v["y"], (1.0 - modes.quality.to_numpy(dtype=float))[:, None])
    allowance = np.where(has_target, 1.0 - quality, 0.0)[:, None]
    terms.add_served(rows, backlog, unmet, -allowance)
    families.append(("quality_target", terms, *at_most((-(-allowance * volume)).ravel(), terms.row_count)))

    # 7 response time: sum l x + sum (p + w) y (theta at storable nodes) + L b <= T served.
    rows, has_target, limit = target_rows("max_response_time")
    terms = _Terms(len(demands) * T)
    terms.add(by_demand(rows, arcs), v["x"], arcs.lead_time.to_numpy(dtype=float)[:, None])
    flowing = ~modes.storable.to_numpy(dtype=bool)
    terms.add(by_demand(rows, modes)[flowing], v["y"][flowing],
              (modes.processing_time + modes.wait_time).to_numpy(dtype=float)[flowing, None])
    into_storable = arcs.merge(nodes[nodes.storable], left_on=["demand", "target"], right_on=["demand", "node"])
    inflow = position(arcs, ["demand", "arc"], into_storable)
    terms.add(by_demand(rows, into_storable), v["x"][inflow], into_storable.node_time.to_numpy(dtype=float)[:, None])
    terms.add(rows, backlog, sets.period_length)
    origin = nodes.iloc[position(nodes, ["demand", "node"], demands, ["demand", "origin"])]
    origin_time = np.where(origin.storable.to_numpy(dtype=bool), origin.node_time.to_numpy(dtype=float), 0.0)
    coef = np.where(has_target, origin_time - limit, 0.0)[:, None]
    terms.add_served(rows, backlog, unmet, coef)
    families.append(("response_time_target", terms, *at_most((-(coef * volume)).ravel(), terms.row_count)))

    # 8 end of horizon: b[last] <= final_backlog; k[last] >= final_min.
    terms = _Terms(len(demands))
    terms.add(np.arange(len(demands)), backlog[:, -1], 1.0)
    families.append(("final_backlog", terms, *at_most(demands.final_backlog.to_numpy(dtype=float), len(demands))))
    terms = _Terms(len(stocks))
    terms.add(np.arange(len(stocks)), v["k"][:, -1], 1.0)
    families.append(("final_stock", terms, stocks.final_min.to_numpy(dtype=float), np.full(len(stocks), np.inf)))

    # One matrix: each family's rows that kept a term, renumbered in order (model/lp/rows.add_rows).
    all_rows, all_cols, all_coefs, row_lower, row_upper = [], [], [], [], []
    blocks, row_ids, offset = {}, {}, 0
    for name, terms, low, high in families:
        r, c, a = terms.arrays()
        present = np.zeros(terms.row_count, dtype=bool)
        present[r] = True
        _refuse_empty_rows(name, ~present, low, high)
        kept = np.flatnonzero(present)
        renumber = np.cumsum(present) - 1
        all_rows.append(renumber[r] + offset)
        all_cols.append(c)
        all_coefs.append(a)
        row_lower.append(np.asarray(low, dtype=float)[kept])
        row_upper.append(np.asarray(high, dtype=float)[kept])
        blocks[name], row_ids[name] = (offset, offset + len(kept)), kept
        offset += len(kept)
    matrix = sp.csc_matrix((np.concatenate(all_coefs), (np.concatenate(all_rows), np.concatenate(all_cols))),
                           shape=(offset, n_full))  # duplicates summed (e.g. x's lead time and node time)
    matrix.eliminate_zeros()

    # Columns in no row and no cost never reach HiGHS (as in Pyomo's compiler): drop them.
    used = (np.diff(matrix.indptr) > 0) | (cost != 0.0)
    left_out = {name: lower[grid[(grid >= 0) & ~used[grid]]] for name, grid in v.items()}
    if not used.all():
        matrix = sp.csc_matrix((matrix.data, matrix.indices, matrix.indptr[np.append(used, True)]),
                               shape=(offset, int(used.sum())))
        new_number = np.where(used, np.cumsum(used) - 1, LEFT_OUT)
        v = {name: np.where(grid >= 0, new_number[grid], -1) for name, grid in v.items()}
        cost, lower, upper, integer = cost[used], lower[used], upper[used], integer[used]
    lp = DirectLP(cost, lower, upper, np.concatenate(row_lower), np.concatenate(row_upper), matrix, integer,
                  v, left_out, blocks, row_ids)
    lp.timings["assemble"] = time.perf_counter() - start
    return lp


def _refuse_empty_rows(name: str, empty: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
    """A row no variable enters reads 0; bounds excluding 0 make the LP infeasible as written
    (model/lp/rows.py raises InfeasibleRow there, with the same tolerance)."""
    low = np.broadcast_to(np.asarray(lower, dtype=float), empty.shape)[empty]
    high = np.broadcast_to(np.asarray(upper, dtype=float), empty.shape)[empty]
    bad = (low > 1e-9 * (1 + np.abs(low))) | (high < -1e-9 * (1 + np.abs(high)))
    if bad.any():
        i = int(np.flatnonzero(empty)[np.flatnonzero(bad)[0]])
        raise ValueError(f"{name} row {i} cannot hold: no decision enters it, and its bounds exclude 0")


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


def solve_direct(lp: DirectLP, algorithm: str = "auto", threads: int | None = None,
                 time_limit: float | None = None) -> dict:
    """Hand the LP to HiGHS with model/solve.py's settings, solve, and read the solution back.

    Returns status, objective, timings (assemble, pass, solve, extract: seconds), the LP's size, the
    algorithm, iteration counts, `values` and `reduced_costs` (family -> (rows, T) grid, NaN where
    no variable; a variable left out for being in no row and no cost sits at its lower bound, reduced
    cost NaN) and `row_values`, `row_duals` (block -> per kept row), as model.solve._extract gives them.
    """
    timings = {"assemble": lp.timings.get("assemble", float("nan"))}
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
        label = ("simplex" if lp.num_col < IPM_FROM_COLUMNS else "ipm") if algorithm == "auto" else algorithm
        _set(highs, "solver", label)
    model = highspy.HighsLp()
    model.num_col_, model.num_row_ = lp.num_col, lp.num_row
    model.col_cost_, model.offset_ = lp.cost, 0.0
    model.col_lower_, model.col_upper_ = lp.col_lower, lp.col_upper
    model.row_lower_, model.row_upper_ = lp.row_lower, lp.row_upper
    matrix = model.a_matrix_
    matrix.format_ = highspy.MatrixFormat.kColwise
    matrix.num_col_, matrix.num_row_ = lp.num_col, lp.num_row
    matrix.start_ = lp.matrix.indptr.astype(np.int32)
    matrix.index_ = lp.matrix.indices.astype(np.int32)
    matrix.value_ = lp.matrix.data.astype(float)
    if is_mip:
        kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
        model.integrality_ = [kinds[i] for i in lp.integer.tolist()]  # as model/solve.highs_lp
    highs.passModel(model)
    timings["pass"] = time.perf_counter() - start

    start = time.perf_counter()
    highs.run()
    model_status = highs.getModelStatus()
    timings["solve"] = time.perf_counter() - start
    info = highs.getInfo()
    out = {"status": STATUS.get(model_status, "error"), "message": highs.modelStatusToString(model_status),
           "objective": None, "timings": timings, "columns": lp.num_col, "rows": lp.num_row,
           "nonzeros": int(lp.matrix.nnz), "algorithm": label, "mip": is_mip,
           "simplex_iterations": int(info.simplex_iteration_count), "ipm_iterations": int(info.ipm_iteration_count),
           "crossover_iterations": int(info.crossover_iteration_count)}
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
    for name, grid in lp.columns.items():
        at = grid >= 0
        values[name], reduced[name] = np.full(grid.shape, np.nan), np.full(grid.shape, np.nan)
        values[name][at], reduced[name][at] = col_value[grid[at]], col_dual[grid[at]]
        values[name][grid == LEFT_OUT] = lp.left_out[name]
    out["values"], out["reduced_costs"] = values, reduced
    out["row_values"] = {name: row_value[a:b] for name, (a, b) in lp.blocks.items()}
    out["row_duals"] = {name: row_dual[a:b] for name, (a, b) in lp.blocks.items()}
    timings["extract"] = time.perf_counter() - start
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", help="a scenario YAML file")
    parser.add_argument("--integer-staff", action="store_true", help="whole FTE (a MILP)")
    parser.add_argument("--algorithm", choices=["auto", "simplex", "ipm"], default="auto")
    args = parser.parse_args()

    from model.network import index_sets
    from model.scenario import load_scenario

    start = time.perf_counter()
    scenario = load_scenario(args.scenario)
    load = time.perf_counter() - start
    start = time.perf_counter()
    sets = index_sets(scenario)
    index = time.perf_counter() - start
    result = solve_direct(build_direct(sets, integer_staff=args.integer_staff), algorithm=args.algorithm)
    t = result["timings"]
    print(f"{args.scenario}: {result['columns']:,} columns, {result['rows']:,} rows, {result['nonzeros']:,} "
          f"nonzeros, {result['algorithm']}")
    print(f"load {load:.3f} s, index sets {index:.3f} s (not part of the floor)")
    print("floor: " + ", ".join(f"{phase} {t[phase]:.3f} s" for phase in ("assemble", "pass", "solve", "extract")
                                if phase in t)
          + f"; assemble + pass + extract {t['assemble'] + t['pass'] + t.get('extract', 0.0):.3f} s")
    objective = f"{result['objective']:.6f}" if result["objective"] is not None else "none"
    print(f"status {result['status']}, objective {objective}")


if __name__ == "__main__":
    main()
