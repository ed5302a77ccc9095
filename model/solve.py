"""Solve a built LinearModel with HiGHS; the outcome is a status to act on, never an exception.

The handoff is one sparse matrix for the whole model (`LinearModel.standard_form`: Pyomo's
standard-form compiler, or the matrix assembled directly) and one `Highs.passModel` call: measured
~4x faster than Pyomo's persistent interface on 100k-variable models
(../shared/docs/pyomo-highs-notes.md). Values, duals and row activities come back as numpy arrays
aligned with the model's variable grids and constraint blocks, through the form's maps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

import highspy
import numpy as np
import scipy.sparse  # noqa: F401  Pyomo imports it lazily inside the first handoff; pay that here, untimed

from model.errors import SolveError
from model.lp import LinearModel
from model.lp.form import StandardForm, highs_lp

Status = Literal["optimal", "infeasible", "unbounded", "time_limit", "error"]

IPM_FROM_COLUMNS = 25_000
"""`algorithm: auto` switches a multi-period LP from dual simplex to interior point (with crossover,
so duals and a basis remain) at this many columns; a single-period LP stays with dual simplex.
Measured with benchmarks/solvers.py (docs/performance.md): with one period dual simplex took 1.6 s
against 5.6 s for interior point at 100k columns, 12.1 s against 34.3 s at 302k and 66 s against
332 s at 1M; with three periods, where staff and backlog link the periods, dual simplex took 0.69 s against 0.76 s at 20k
columns, and interior point 1.5 s against 2.1 s at 29k, 1.8 s against 3.2 s at 35k, 12.4 s against
49.3 s at 115k and 81 s against 153 s at 333k."""


def default_algorithm(columns: int, periods: int, warm: bool = False) -> Literal["simplex", "ipm"]:
    """`algorithm: auto`: dual simplex for a warm start (a few hundred iterations from a nearby
    basis), for one period and for small LPs; interior point with crossover for large multi-period LPs."""
    return "simplex" if warm or periods == 1 or columns < IPM_FROM_COLUMNS else "ipm"


ZERO = 1e-9
"""Values closer to zero than this are round-off and reported as 0."""


@dataclass(frozen=True)
class SolveOptions:
    time_limit: float | None = None
    mip_gap: float = 1e-4
    threads: int | None = None
    algorithm: Literal["auto", "simplex", "ipm"] = "auto"
    log_file: str | None = None
    highs_options: dict[str, bool | int | float | str] = field(default_factory=dict)  # checked: model.highs_options


@dataclass
class RowValues:
    """Per constraint block: each row's activity, bounds as solved, and dual (NaN when none)."""

    activity: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    dual: np.ndarray


BASIS_STATUS = ("lower", "basic", "upper", "zero", "nonbasic")
"""Names of HiGHS's basis status codes 0..4 (`HighsBasisStatus`); -1 marks a row or variable that never
reached HiGHS."""
NOT_IN_LP = -1


@dataclass
class RowRanging:
    """Per constraint block, HiGHS's right-hand-side ranging, aligned with `Solution.rows[block]`.

    Figures are in the row's own terms as HiGHS received it (StandardForm's row_lower/row_upper,
    which for this model's rows are the Pyomo constraint's bounds, never flipped).
    For a row at its bound (nonbasic): `lower`..`upper` is the range of that bound's value over which
    the row's dual holds (the optimal basis stays optimal), and `cost_at_lower`/`cost_at_upper` the
    total cost at each end. For a basic row (dual 0): the range of the bound over which 0 holds, from
    the activity outwards (<= row: [activity, inf); >= row: (-inf, activity]; an equality row: the
    bound itself), at unchanged cost. NaN where the row never reached HiGHS (Pyomo dropped it).
    """

    lower: np.ndarray
    upper: np.ndarray
    cost_at_lower: np.ndarray
    cost_at_upper: np.ndarray
    status: np.ndarray  # int8 codes of BASIS_STATUS, NOT_IN_LP where the row never reached HiGHS


@dataclass
class ColumnRanging:
    """Per variable family, (rows, T) grids like `Solution.values`, NaN where no variable or where
    the variable never reached HiGHS (fixed, or in no row and no cost term).

    Cost ranging: `cost_lower`..`cost_upper` is the range of the variable's cost coefficient over
    which the solution stays optimal, `cost_at_cost_lower/upper` the total cost at each end.
    Bound ranging, for a variable at a bound (nonbasic): `bound_lower`..`bound_upper` is the range of
    that active bound's value over which its reduced cost holds, `cost_at_bound_lower/upper` the
    total cost at each end; NaN for a basic variable (no active bound).
    """

    cost_lower: np.ndarray
    cost_upper: np.ndarray
    cost_at_cost_lower: np.ndarray
    cost_at_cost_upper: np.ndarray
    bound_lower: np.ndarray
    bound_upper: np.ndarray
    cost_at_bound_lower: np.ndarray
    cost_at_bound_upper: np.ndarray
    status: np.ndarray  # int8 codes of BASIS_STATUS, NOT_IN_LP where no variable reached HiGHS


@dataclass(frozen=True)
class WarmStart:
    """An optimal basis and the shape of the LP it belongs to (`StandardForm.signature`)."""

    basis: highspy.HighsBasis
    signature: np.ndarray

    def fits(self, form: StandardForm) -> bool:
        """The form has the same columns and rows in the same order (the same model with new figures,
        where no coefficient turned zero and dropped a row or column)."""
        return np.array_equal(form.signature(), self.signature)


@dataclass
class Solution:
    status: Status
    message: str
    objective: float | None = None
    values: dict[str, np.ndarray] = field(default_factory=dict)  # family -> (rows, T), NaN where no variable
    rows: dict[str, RowValues] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    solver: dict[str, object] = field(default_factory=dict)
    # Optimal LPs only (empty otherwise): reduced costs (family -> (rows, T), like `values`), and
    # HiGHS's ranging per constraint block (like `rows`) and per variable family (like `values`).
    reduced_costs: dict[str, np.ndarray] = field(default_factory=dict)
    ranging: dict[str, RowRanging] = field(default_factory=dict)
    column_ranging: dict[str, ColumnRanging] = field(default_factory=dict)
    warm_start: WarmStart | None = None  # an optimal LP's basis, to start a nearby re-solve from
    form: StandardForm | None = None  # the LP as solved (sensitivity reads its basis against it)

    @property
    def has_values(self) -> bool:
        return bool(self.values)


def _set(highs: highspy.Highs, name: str, value: object) -> None:
    if highs.setOptionValue(name, value) != highspy.HighsStatus.kOk:
        raise SolveError(f"HiGHS refused the option {name} = {value!r}")


def _configure(
    highs: highspy.Highs, options: SolveOptions, columns: int, periods: int, is_mip: bool, warm: bool = False
) -> str:
    _set(highs, "output_flag", options.log_file is not None)
    if options.log_file:
        _set(highs, "log_to_console", False)
        _set(highs, "log_file", options.log_file)
    if options.time_limit is not None:
        _set(highs, "time_limit", float(options.time_limit))
    if options.threads is not None:
        # HiGHS keeps one thread pool per process; a different size needs it started afresh.
        highspy.Highs.resetGlobalScheduler(True)
        _set(highs, "threads", int(options.threads))
    _set(highs, "mip_rel_gap", float(options.mip_gap))
    label = _choose_algorithm(highs, options, columns, periods, is_mip, warm)
    for name, value in options.highs_options.items():  # the user's word is last
        _set(highs, name, value)
    if options.highs_options:
        label += " with " + ", ".join(f"{name}={value}" for name, value in options.highs_options.items())
    return label


def _choose_algorithm(
    highs: highspy.Highs, options: SolveOptions, columns: int, periods: int, is_mip: bool, warm: bool
) -> str:
    if is_mip:
        return "branch-and-cut"
    algorithm = options.algorithm
    if algorithm == "auto":
        algorithm = default_algorithm(columns, periods, warm)
    _set(highs, "solver", algorithm)
    if algorithm == "ipm":
        return "interior point + crossover"
    return "dual simplex (warm start)" if warm else "dual simplex"


_STATUS: dict[object, Status] = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kTimeLimit: "time_limit",
    highspy.HighsModelStatus.kModelEmpty: "optimal",
}


def solve(
    model: LinearModel,
    options: SolveOptions = SolveOptions(),
    warm_start: WarmStart | None = None,
    ranging: bool = True,
) -> Solution:
    """Hand the model to HiGHS and return its outcome, values and duals mapped back to the model.

    `warm_start` is an earlier solve's basis for a model of the same shape (see `WarmStart.fits`): an
    LP then starts dual simplex from it instead of solving from scratch. The solution keeps its own
    basis for that.
    `ranging=False` skips HiGHS's ranging (0.4 s at 100k columns), which only explanations use.
    """
    start = time.perf_counter()
    form = model.standard_form()
    timings = {"handoff_compile": time.perf_counter() - start}
    return solve_form(model, form, options, warm_start, ranging, timings)


def solve_form(
    model: LinearModel,
    form: StandardForm,
    options: SolveOptions = SolveOptions(),
    warm_start: WarmStart | None = None,
    ranging: bool = True,
    timings: dict[str, float] | None = None,
) -> Solution:
    """`solve` for a given form of the model's LP (e.g. one with its integers fixed)."""
    timings = dict(timings or {})
    start = time.perf_counter()
    highs = highspy.Highs()
    is_mip = bool(form.integer.any())
    has_columns = form.num_col > 0
    warm = warm_start is not None and not is_mip and has_columns and warm_start.fits(form)
    try:
        algorithm = _configure(highs, options, form.num_col, model.sets.period_count, is_mip, warm)
    except SolveError as error:
        return Solution("error", str(error), timings=timings)
    if has_columns:
        highs.passModel(highs_lp(form))
        if warm:
            highs.setBasis(warm_start.basis)
    timings["handoff_pass"] = time.perf_counter() - start

    start = time.perf_counter()
    if has_columns:
        highs.run()
        status, message = _status(highs)
    else:
        status, message = "optimal", "the model has no variables"
    timings["solve"] = time.perf_counter() - start

    info = highs.getInfo()
    solver = {
        "name": "HiGHS",
        "version": highs.version(),
        "algorithm": algorithm,
        "mip": is_mip,
        "columns": form.num_col,
        "rows": form.num_row,
        "nonzeros": int(form.matrix.nnz),
        "simplex_iterations": int(info.simplex_iteration_count),
        "ipm_iterations": int(info.ipm_iteration_count),
        "crossover_iterations": int(info.crossover_iteration_count),
        "pdlp_iterations": int(info.pdlp_iteration_count),
    }
    if is_mip:
        solver.update(mip_gap=float(info.mip_gap), mip_nodes=int(info.mip_node_count))
    solution = Solution(status, message, timings=timings, solver=solver, form=form)
    if status == "optimal" and not is_mip and has_columns:
        solution.warm_start = WarmStart(highs.getBasis(), form.signature())
    has_primal = info.primal_solution_status == 2 or (status == "optimal" and not has_columns)
    if has_primal and status in ("optimal", "time_limit"):
        start = time.perf_counter()
        _extract(model, form, highs, solution, with_duals=(status == "optimal" and not is_mip), ranging=ranging)
        timings["extract"] = time.perf_counter() - start
    return solution


def _status(highs: highspy.Highs) -> tuple[Status, str]:
    model_status = highs.getModelStatus()
    if model_status == highspy.HighsModelStatus.kUnboundedOrInfeasible:
        # Presolve could not tell which; without presolve the simplex can.
        highs.setOptionValue("presolve", "off")
        highs.setOptionValue("solver", "simplex")
        highs.run()
        model_status = highs.getModelStatus()
    text = highs.modelStatusToString(model_status)
    status = _STATUS.get(model_status, "error")
    return status, f"HiGHS: {text}"


def _extract(
    model: LinearModel,
    form: StandardForm,
    highs: highspy.Highs,
    solution: Solution,
    with_duals: bool,
    ranging: bool = True,
) -> None:
    result = highs.getSolution()
    col_value = np.asarray(result.col_value, dtype=float)
    row_value = np.asarray(result.row_value, dtype=float)
    row_dual = np.asarray(result.row_dual, dtype=float) if with_duals and result.dual_valid else None
    solution.objective = float(highs.getInfo().objective_function_value)

    # Each array gets one trailing entry for "not in the LP": a position of -1 picks it.
    col_value = np.append(col_value, np.nan)
    for name, grid in model.variables.items():
        at = form.column_at[name]
        # A variable in no row and no cost term never reached HiGHS: it sits at its lower bound;
        # a fixed one (see model.explain.sensitivity.fixed_integer_lp) became a constant: its value.
        found = np.where(at >= 0, col_value[at], form.absent_value[name])
        found[np.abs(found) < ZERO] = 0.0  # solver round-off, not a decision; no "-0.00" in tables
        solution.values[name] = _on_grid(grid.exists, found)

    # A row dropped for having no variable left: no activity to report, and it binds nothing (dual 0).
    row_value, lower, upper = (
        np.append(a, pad) for a, pad in ((row_value, np.nan), (form.row_lower, -np.inf), (form.row_upper, np.inf))
    )
    row_dual = np.append(row_dual, 0.0) if row_dual is not None else None
    for name in model.blocks:
        i = form.row_at[name]
        activity, dual = row_value[i], row_dual[i] if row_dual is not None else np.full(len(i), np.nan)
        solution.rows[name] = RowValues(activity, lower[i], upper[i], dual)

    if row_dual is not None:
        _extract_ranging(model, form, highs, result, solution, ranging)


def _extract_ranging(
    model: LinearModel,
    form: StandardForm,
    highs: highspy.Highs,
    result: object,
    solution: Solution,
    ranging: bool = True,
) -> None:
    """Reduced costs and HiGHS's ranging, mapped back like values and duals (NaN where none).

    Ranging needs a simplex basis (dual simplex, or interior point with crossover); without one the
    dictionaries stay empty.
    """
    exists = {name: grid.exists for name, grid in model.variables.items()}
    at = form.column_at
    col_dual = np.append(np.asarray(result.col_dual, dtype=float), np.nan)
    for name in model.variables:
        solution.reduced_costs[name] = _on_grid(exists[name], col_dual[at[name]])
    if not form.num_col or not ranging:
        return
    status, ranging = highs.getRanging()
    basis = highs.getBasis()
    if status != highspy.HighsStatus.kOk or not ranging.valid or not basis.valid:
        return
    n, m = form.num_col, form.num_row
    col_status = np.fromiter((s.value for s in basis.col_status), dtype=np.int8, count=n)
    row_status = np.fromiter((s.value for s in basis.row_status), dtype=np.int8, count=m)

    def arr(values: object) -> np.ndarray:
        return np.asarray(values, dtype=float)

    # Rows: HiGHS's figures hold for rows at a bound; a basic row's dual 0 holds from its activity
    # outwards, whatever HiGHS reports for it.
    lower, upper = arr(ranging.row_bound_dn.value_), arr(ranging.row_bound_up.value_)
    at_lower, at_upper = arr(ranging.row_bound_dn.objective_), arr(ranging.row_bound_up.objective_)
    basic = row_status == int(highspy.HighsBasisStatus.kBasic)
    if basic.any():
        activity = arr(result.row_value)
        equality = form.row_lower == form.row_upper
        low = np.where(equality, form.row_lower, np.where(np.isfinite(form.row_lower), -np.inf, activity))
        high = np.where(equality, form.row_upper, np.where(np.isfinite(form.row_upper), np.inf, activity))
        lower[basic], upper[basic] = low[basic], high[basic]
        at_lower[basic] = at_upper[basic] = solution.objective
    pad = [np.append(a, np.nan) for a in (lower, upper, at_lower, at_upper)]
    status_pad = np.append(row_status, NOT_IN_LP).astype(np.int8)
    for name in model.blocks:
        i = form.row_at[name]
        solution.ranging[name] = RowRanging(*(a[i] for a in pad), status=status_pad[i])

    # Columns: cost ranging as HiGHS reports it; bound ranging only for variables at a bound.
    bound = [
        arr(ranging.col_bound_dn.value_),
        arr(ranging.col_bound_up.value_),
        arr(ranging.col_bound_dn.objective_),
        arr(ranging.col_bound_up.objective_),
    ]
    col_basic = col_status == int(highspy.HighsBasisStatus.kBasic)
    for a in bound:
        a[col_basic] = np.nan
    figures = [
        np.append(a, np.nan)
        for a in (
            arr(ranging.col_cost_dn.value_),
            arr(ranging.col_cost_up.value_),
            arr(ranging.col_cost_dn.objective_),
            arr(ranging.col_cost_up.objective_),
            *bound,
        )
    ]
    status_pad = np.append(col_status, NOT_IN_LP).astype(np.int8)
    for name in model.variables:
        j, where = at[name], exists[name]
        codes = np.full(where.shape, NOT_IN_LP, dtype=np.int8)
        codes[where] = status_pad[j]
        solution.column_ranging[name] = ColumnRanging(*(_on_grid(where, a[j]) for a in figures), status=codes)


def _on_grid(exists: np.ndarray, found: np.ndarray) -> np.ndarray:
    """Figures of a family's existing variables on its (rows, T) grid (`exists`), NaN elsewhere."""
    values = np.full(exists.shape, np.nan)
    values[exists] = found
    return values
