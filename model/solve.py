"""HiGHS holding one LP: loaded once, changed in place for a what-if, solved; the outcome a status.

`Solver` keeps a `highspy` model alive. `load` hands it a LinearModel (model/lp) in one `passModel`;
`update` gives it another LinearModel of the same layout (`model.lp.refigure`) by pushing only the
numbers that changed, in bulk (`changeColsCost`, `changeColsBounds`, `changeRowsBounds`, and
`changeCoeff` per changed coefficient); `solve` runs HiGHS, from a given basis when there is one, and
reads the answer back through the model's labels: values per variable family on its (index rows,
periods) grid, activities and duals per constraint family, and, for an optimal LP, HiGHS's ranging.
"""

from __future__ import annotations

import contextlib
import ctypes
import time
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import ClassVar, Literal

import highspy
import numpy as np
import scipy.sparse as sp

from model.highs_options import new_highs
from model.highs_run import run_interruptibly
from model.lp import LinearModel
from model.lp.assemble import Numbers

Status = Literal["optimal", "infeasible", "unbounded", "time_limit", "error"]

IPM_FROM_COLUMNS = 25_000
"""`algorithm: auto` switches a multi-period LP from dual simplex to interior point (with crossover,
so duals and a basis remain) at this many columns; a single-period LP stays with dual simplex.
Measured with benchmarks/solvers.py (docs/performance.md): with one period dual simplex took 1.6 s
against 5.6 s for interior point at 100k columns, 12.1 s against 34.3 s at 302k and 66 s against
332 s at 1M; with three periods, where staff and backlog link the periods, dual simplex took 0.69 s
against 0.76 s at 20k columns, and interior point 1.5 s against 2.1 s at 29k, 1.8 s against 3.2 s at
35k, 12.4 s against 49.3 s at 115k and 81 s against 153 s at 333k."""


def default_algorithm(columns: int, periods: int, warm: bool = False) -> Literal["simplex", "ipm"]:
    """`algorithm: auto`: the simplex method for a warm start (a few hundred iterations from a nearby
    basis), for one period and for small LPs; interior point with crossover for large multi-period LPs."""
    return "simplex" if warm or periods == 1 or columns < IPM_FROM_COLUMNS else "ipm"


PRIMAL_SIMPLEX = 4
"""HiGHS's `simplex_strategy` for the primal simplex. A warm start whose LP differs from the basis's
only in costs starts primal feasible, so the primal simplex goes on from it; any other change keeps
it dual feasible, so the dual simplex does (HiGHS's default). Measured on the 103k-variable generated
scenario (benchmarks/resolve.py): wages x1.05 re-solved in 917 primal against 3,893 dual iterations
(0.31 s against 0.96 s); volumes x1.1 in 265 dual against 20,101 primal iterations."""


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


class Deadline:
    """`time_limit` seconds for a whole run, from its start: the solves get what is left of it, and a
    step that finds it spent is skipped and said to be."""

    def __init__(self, seconds: float | None) -> None:
        self.ends = None if seconds is None else time.perf_counter() + seconds

    def left(self) -> float | None:
        return None if self.ends is None else max(self.ends - time.perf_counter(), 0.0)

    @property
    def spent(self) -> bool:
        return self.ends is not None and time.perf_counter() >= self.ends

    def options(self, options: SolveOptions) -> SolveOptions:
        """The solver options with the time left as HiGHS's time limit."""
        return options if self.ends is None else replace(options, time_limit=self.left())


@dataclass
class RowValues:
    """Per constraint family: each row's activity, bounds as solved, and dual (NaN when none)."""

    activity: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    dual: np.ndarray


BASIS_STATUS = ("lower", "basic", "upper", "zero", "nonbasic")
"""Names of HiGHS's basis status codes 0..4 (`HighsBasisStatus`); -1 marks a variable that does not exist."""
NOT_IN_LP = -1
BASIC = BASIS_STATUS.index("basic")


class RangingFigures:
    """HiGHS's ranging of one solve, each figure turned into an array when first read: highspy gives
    Python lists, and turning a list of 100,000 floats into an array takes 12 ms, while the tables
    and the sensitivity table read 6 of the 16 (the costs at the ends of the ranges only on demand).

    For a basic row (dual 0) HiGHS's figures are replaced by the range over which 0 holds: from the
    activity outwards (<= row: [activity, inf); >= row: (-inf, activity]; an equality row: the bound
    itself), at unchanged cost. Bound ranging of a basic column is NaN (no active bound)."""

    ROWS: ClassVar[dict[str, str]] = {
        "lower": "row_bound_dn.value_",
        "upper": "row_bound_up.value_",
        "cost_at_lower": "row_bound_dn.objective_",
        "cost_at_upper": "row_bound_up.objective_",
    }
    COLUMNS: ClassVar[dict[str, str]] = {
        "cost_lower": "col_cost_dn.value_",
        "cost_upper": "col_cost_up.value_",
        "cost_at_cost_lower": "col_cost_dn.objective_",
        "cost_at_cost_upper": "col_cost_up.objective_",
        "bound_lower": "col_bound_dn.value_",
        "bound_upper": "col_bound_up.value_",
        "cost_at_bound_lower": "col_bound_dn.objective_",
        "cost_at_bound_upper": "col_bound_up.objective_",
    }

    def __init__(
        self,
        found: highspy.HighsRanging,
        model: LinearModel,
        basis: highspy.HighsBasis,
        activity: np.ndarray,
        objective: float,
    ) -> None:
        self.found, self.model, self.basis, self.objective = found, model, basis, objective
        self.activity = activity
        self.arrays: dict[str, np.ndarray] = {}

    @cached_property
    def row_status(self) -> np.ndarray:
        """Each row's basis status (int8 codes of BASIS_STATUS), read when first asked for: HiGHS hands
        the statuses over one Python object each."""
        return _status_codes(self.basis.row_status, self.model.num_row)

    @cached_property
    def _col_statuses(self) -> list[highspy.HighsBasisStatus]:
        return self.basis.col_status

    def col_status(self, columns: np.ndarray) -> np.ndarray:
        """These columns' basis statuses (int8 codes of BASIS_STATUS). HiGHS hands over every column's
        status as a Python object (once, 0.02 s at 100,000 columns); only these are converted."""
        statuses = self._col_statuses
        return np.fromiter((statuses[i].value for i in columns.tolist()), dtype=np.int8, count=len(columns))

    def row(self, field: str) -> np.ndarray:
        if field not in self.arrays:
            values = self._list(self.ROWS[field])
            basic = self.row_status == BASIC
            if basic.any():
                numbers = self.model.numbers
                if field.startswith("cost_at"):
                    values[basic] = self.objective
                else:
                    bound = numbers.row_lower if field == "lower" else numbers.row_upper
                    equality = numbers.row_lower == numbers.row_upper
                    away = np.where(np.isfinite(bound), -np.inf if field == "lower" else np.inf, self.activity)
                    values[basic] = np.where(equality, bound, away)[basic]
            self.arrays[field] = values
        return self.arrays[field]

    def column(self, field: str) -> np.ndarray:
        """HiGHS's figure per column (bound ranging as HiGHS gives it, basic columns included)."""
        if field not in self.arrays:
            self.arrays[field] = self._list(self.COLUMNS[field])
        return self.arrays[field]

    def _list(self, path: str) -> np.ndarray:
        part, figure = path.split(".")
        return np.asarray(getattr(getattr(self.found, part), figure), dtype=float)


class RowRanging:
    """Per constraint family, HiGHS's right-hand-side ranging, aligned with `Solution.rows[family]`.

    For a row at its bound (nonbasic): `lower`..`upper` is the range of that bound's value over which
    the row's dual holds (the optimal basis stays optimal), and `cost_at_lower`/`cost_at_upper` the
    total cost at each end. For a basic row (dual 0): the range of the bound over which 0 holds, from
    the activity outwards (<= row: [activity, inf); >= row: (-inf, activity]; an equality row: the
    bound itself), at unchanged cost. `status`: int8 codes of BASIS_STATUS.
    """

    def __init__(self, figures: RangingFigures, at: np.ndarray) -> None:
        self._figures, self._at = figures, at

    @property
    def status(self) -> np.ndarray:
        return self._figures.row_status[self._at]

    def __getattr__(self, field: str) -> np.ndarray:
        if field not in RangingFigures.ROWS:
            raise AttributeError(field)
        return self._figures.row(field)[self._at]


class ColumnRanging:
    """Per variable family, (rows, T) grids like `Solution.values`, NaN where no variable.

    Cost ranging: `cost_lower`..`cost_upper` is the range of the variable's cost coefficient over
    which the solution stays optimal, `cost_at_cost_lower/upper` the total cost at each end.
    Bound ranging, for a variable at a bound (nonbasic): `bound_lower`..`bound_upper` is the range of
    that active bound's value over which its reduced cost holds, `cost_at_bound_lower/upper` the
    total cost at each end; NaN for a basic variable (no active bound). For the volume column v,
    fixed at V, that is the range of the volume over which its marginal cost holds. `status`: int8
    codes of BASIS_STATUS, NOT_IN_LP where no variable.
    """

    def __init__(self, figures: RangingFigures, family: str) -> None:
        self._figures, self._family = figures, family

    @cached_property
    def status(self) -> np.ndarray:
        grid = self._figures.model.columns[self._family]
        status = np.full(grid.shape, NOT_IN_LP, dtype=np.int8)
        present = grid >= 0
        status[present] = self._figures.col_status(grid[present])
        return status

    def __getattr__(self, field: str) -> np.ndarray:
        if field not in RangingFigures.COLUMNS:
            raise AttributeError(field)
        values = self._figures.model.read(self._family, self._figures.column(field))
        if "bound" in field:
            values[self.status == BASIC] = np.nan  # a basic variable has no active bound
        return values


@dataclass(frozen=True)
class WarmStart:
    """An optimal basis, and the shape and figures of the LP it is optimal for."""

    basis: highspy.HighsBasis
    shape: tuple[int, int]
    numbers: Numbers

    def fits(self, model: LinearModel) -> bool:
        return self.shape == (model.num_col, model.num_row)

    def costs_only(self, model: LinearModel) -> bool:
        """Whether `model` differs from the basis's LP in costs, and only there (then the basis is primal
        feasible)."""
        mine, theirs = self.numbers, model.numbers
        return (
            mine.data.shape == theirs.data.shape
            and not np.array_equal(mine.cost, theirs.cost)
            and np.array_equal(mine.col_lower, theirs.col_lower)
            and np.array_equal(mine.col_upper, theirs.col_upper)
            and np.array_equal(mine.row_lower, theirs.row_lower)
            and np.array_equal(mine.row_upper, theirs.row_upper)
            and np.array_equal(mine.data, theirs.data)
        )


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
    # HiGHS's ranging per constraint family (like `rows`) and per variable family (like `values`).
    reduced_costs: dict[str, np.ndarray] = field(default_factory=dict)
    ranging: dict[str, RowRanging] = field(default_factory=dict)
    column_ranging: dict[str, ColumnRanging] = field(default_factory=dict)
    warm_start: WarmStart | None = None  # an optimal LP's basis, to start a nearby re-solve from
    model: LinearModel | None = None  # the LP as solved
    column_values: np.ndarray | None = None  # HiGHS's value of every column (an extension's columns too)

    @property
    def has_values(self) -> bool:
        return bool(self.values)


def highs_lp(model: LinearModel) -> highspy.HighsLp:
    """The model as a HighsLp, for one `Highs.passModel` call."""
    numbers = model.numbers
    return as_highs_lp(
        model.matrix,
        numbers.cost,
        numbers.col_lower,
        numbers.col_upper,
        numbers.row_lower,
        numbers.row_upper,
        model.integer,
    )


def as_highs_lp(
    matrix: sp.csc_matrix,
    cost: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    integer: np.ndarray,
) -> highspy.HighsLp:
    """lower <= matrix x <= upper over col_lower <= x <= col_upper, minimise cost x, as a HighsLp."""
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = matrix.shape[1], matrix.shape[0]
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, col_lower, col_upper
    lp.row_lower_, lp.row_upper_ = row_lower, row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = matrix.shape[1], matrix.shape[0]
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = np.asarray(matrix.data, dtype=float)
    if integer.any():
        kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
        lp.integrality_ = [kinds[i] for i in integer.tolist()]
    return lp


REFUSED = (
    "HiGHS refused the LP: a coefficient is 1e15 or more in size, beyond what it accepts; a figure of the "
    "scenario is of an absurd magnitude (hours per FTE of 1e308, say)"
)


BANNER = "Running HiGHS"
"""How HiGHS's banner starts (`Running HiGHS 1.16.0 (git hash: ...): Copyright (c) ...`)."""
BANNER_LINES = (BANNER, "Includes third-party", "Copyright")
"""The starts of the banner's lines (one or two, by HiGHS's version)."""


class Solver:
    """One HiGHS model, kept alive: load a LinearModel, update it in place, solve it. Not thread-safe."""

    def __init__(self) -> None:
        self.log: list[str] = []  # HiGHS's log lines, kept until the caller takes them (`take_log`)
        self._banner = ""  # HiGHS's banner, from its first log
        self.highs = new_highs(self.log)
        self.model: LinearModel | None = None
        self._own: WarmStart | None = None  # the basis HiGHS holds from its last solve (None after a load)
        self._refused: str | None = None  # why HiGHS does not hold the model (it refused a figure)

    def load(self, model: LinearModel) -> float:
        """Hand HiGHS the whole model (one passModel); seconds taken. A model HiGHS refuses (a matrix
        value of 1e15 or more, say) is remembered as refused: its solve is an error, not an empty LP's
        "optimal" without a solution."""
        start = time.perf_counter()
        self.highs.clearModel()
        self._refused = None
        if model.num_col and self.highs.passModel(highs_lp(model)) == highspy.HighsStatus.kError:
            self._refused = REFUSED
        self.model, self._own = model, None
        return time.perf_counter() - start

    def release(self) -> None:
        """Let HiGHS free the model it holds (its matrix copies, factorisation, ranging): a solve that
        no re-solve follows gives that memory to the tables and the run folder."""
        self.highs.clear()
        self.model, self._own = None, None
        _give_back_memory()

    def take_log(self) -> str:
        """HiGHS's log since the last call, and forget it. HiGHS logs its banner (version, copyright)
        once per instance, at its first solve; every log taken starts with it, so that each run
        folder's highs.log says which HiGHS wrote it."""
        text = "".join(self.log)
        self.log.clear()
        if not self._banner and text.startswith(BANNER):
            lines = text.splitlines(keepends=True)
            self._banner = "".join(line for line in lines[:3] if line.startswith(BANNER_LINES))
        elif text and self._banner:
            text = self._banner + text
        return text

    def _held(self) -> LinearModel:
        """The model HiGHS holds; ValueError before the first `load`."""
        if self.model is None:
            raise ValueError("no model loaded: load one first")
        return self.model

    def update(self, model: LinearModel) -> dict[str, int]:
        """Give HiGHS `model`, of the layout of the one it holds, by pushing the numbers that differ;
        how many of each were pushed. ValueError if the layouts differ (load it instead)."""
        held = self.model
        if held is None or model.layout is None or held.layout is not model.layout:
            raise ValueError("the model to update to has another layout: load it")
        if self._refused is not None:  # HiGHS kept figures it refused: what it holds is not `held`
            self.load(model)
            return {}
        old, new = held.numbers, model.numbers
        changed: dict[str, int] = {}
        costs = np.flatnonzero(old.cost != new.cost)
        if len(costs):
            self.highs.changeColsCost(len(costs), costs.astype(np.int32), new.cost[costs])
        columns = np.flatnonzero((old.col_lower != new.col_lower) | (old.col_upper != new.col_upper))
        if len(columns):
            self.highs.changeColsBounds(
                len(columns), columns.astype(np.int32), new.col_lower[columns], new.col_upper[columns]
            )
        rows = np.flatnonzero((old.row_lower != new.row_lower) | (old.row_upper != new.row_upper))
        if len(rows):
            self.highs.changeRowsBounds(  # type: ignore[attr-defined]  # bound at run time; highspy's stub omits it
                len(rows), rows.astype(np.int32), new.row_lower[rows], new.row_upper[rows]
            )
        entries = np.flatnonzero(old.data != new.data)
        if len(entries):
            matrix = model.matrix
            entry_cols = np.repeat(np.arange(model.num_col), np.diff(matrix.indptr))[entries]
            for row, col, value in zip(
                matrix.indices[entries].tolist(), entry_cols.tolist(), new.data[entries].tolist()
            ):
                if self.highs.changeCoeff(row, col, value) == highspy.HighsStatus.kError:
                    self._refused = REFUSED  # HiGHS kept the old figure: solving would answer another LP
        changed.update(costs=len(costs), column_bounds=len(columns), row_bounds=len(rows), coefficients=len(entries))
        self.model = model
        return changed

    def solve(
        self,
        options: SolveOptions = SolveOptions(),
        warm_start: WarmStart | None = None,
        ranging: bool = True,
        carry_on: bool = False,
    ) -> Solution:
        """Run HiGHS on the model it holds, from `warm_start` when it fits (an LP); read the answer back.

        Every solve from a basis starts from that basis alone (`clearSolver` first), so the answer does
        not depend on what this Solver solved before. `carry_on`, for a series that goes on from its
        own last solve (the queue iterations): when `warm_start` is the basis HiGHS holds from its
        last solve here, HiGHS goes on from its own state (its factorisation too) instead.
        `ranging=False` skips HiGHS's ranging (which only the sensitivity table and the cost ranges of
        the tables use)."""
        model, highs = self._held(), self.highs
        timings: dict[str, float] = {}
        if self._refused is not None:
            return Solution("error", self._refused, timings=timings, model=model)
        is_mip = bool(model.integer.any())
        has_columns = model.num_col > 0
        fitting = (
            warm_start if warm_start is not None and not is_mip and has_columns and warm_start.fits(model) else None
        )
        warm = fitting is not None
        primal = fitting is not None and fitting.costs_only(model)
        try:
            algorithm = _configure(
                highs, options, model.num_col, model.sets.period_count, is_mip, warm, primal, logged=True
            )
        except ValueError as error:
            return Solution("error", str(error), timings=timings, model=model)
        start = time.perf_counter()
        if has_columns:
            if not (carry_on and fitting is not None and fitting is self._own):
                highs.clearSolver()
                if fitting is not None:
                    highs.setBasis(fitting.basis)
            run_interruptibly(highs)  # Ctrl-C and SIGTERM stop a long solve at once (model/highs_run.py)
            status, message = _status(highs)
        else:
            status, message = "optimal", "the model has no variables"
        timings["solve"] = time.perf_counter() - start
        info = highs.getInfo()
        solution = Solution(
            status, message, timings=timings, solver=_record(highs, model, algorithm, is_mip), model=model
        )
        if status == "optimal" and not is_mip and has_columns:
            solution.warm_start = WarmStart(highs.getBasis(), (model.num_col, model.num_row), model.numbers)
        self._own = solution.warm_start
        has_primal = info.primal_solution_status == 2 or (status == "optimal" and not has_columns)
        if has_primal and status in ("optimal", "time_limit"):
            start = time.perf_counter()
            _extract(model, highs, solution, with_duals=(status == "optimal" and not is_mip and has_columns))
            if ranging and solution.reduced_costs and _spent(options, timings["solve"]):
                solution.solver["ranging"] = RANGING_SKIPPED
            elif ranging and solution.reduced_costs:
                _extract_ranging(model, highs, solution)
            timings["extract"] = time.perf_counter() - start
        return solution

    def add_ranging(self, solution: Solution) -> bool:
        """HiGHS's ranging added to `solution`, when it is this Solver's last solve (HiGHS still holds
        its LP and basis); False, and nothing added, otherwise."""
        if solution.warm_start is None or solution.warm_start is not self._own or solution.model is not self.model:
            return False
        start = time.perf_counter()
        _extract_ranging(self._held(), self.highs, solution)
        solution.timings["extract"] = solution.timings.get("extract", 0.0) + time.perf_counter() - start
        return bool(solution.ranging)

    def bounds_range(self, direction: np.ndarray) -> tuple[float, float]:
        """The range of theta over which the optimal basis HiGHS holds stays optimal when every row's
        bounds move by theta * direction[row]: the ratio test of parametric right-hand-side analysis,
        with HiGHS's own basis solve (`getBasisSolve`). Valid until the next solve.

        Nonbasic rows sit at their moving bounds, so the basic variables move by d x_B = B^-1 d; the
        basic columns must stay within their bounds, and the basic rows' activities within theirs
        (which move too where the direction touches them)."""
        highs, model = self.highs, self._held()
        direction = np.asarray(direction, dtype=float)
        basis = highs.getBasis()
        row_basic = _status_codes(basis.row_status, model.num_row) == BASIC
        # Both bound at run time; highspy's stub omits them.
        _, basic_found = highs.getBasicVariables()  # type: ignore[attr-defined]
        basic = np.asarray(basic_found, dtype=np.int64)
        _, moves = highs.getBasisSolve(np.where(row_basic, 0.0, direction))  # type: ignore[attr-defined]
        step = np.zeros(model.num_col)
        structural = basic >= 0
        step[basic[structural]] = np.asarray(moves, dtype=float)[structural]
        result = highs.getSolution()
        value, activity = np.asarray(result.col_value), np.asarray(result.row_value)
        numbers = model.numbers
        columns, rows = np.flatnonzero(step != 0.0), row_basic
        bounds = numbers.col_lower[columns], numbers.col_upper[columns]
        limits = _within((-np.inf, np.inf), value[columns], step[columns], 0.0, *bounds)
        return _within(
            limits,
            activity[rows],
            (model.matrix @ step)[rows],
            direction[rows],
            numbers.row_lower[rows],
            numbers.row_upper[rows],
        )


def _within(
    limits: tuple[float, float],
    current: np.ndarray,
    rate: np.ndarray,
    bound_rate: object,
    lower: np.ndarray,
    upper: np.ndarray,
) -> tuple[float, float]:
    """Narrow `limits` to the theta with lower + theta b <= current + theta rate <= upper + theta b, where
    b = `bound_rate` moves the finite bounds."""
    moving = np.broadcast_to(np.asarray(bound_rate, dtype=float), np.shape(current))
    low, high = _ratio(*limits, current - lower, rate - np.where(np.isfinite(lower), moving, 0.0))
    return _ratio(low, high, upper - current, np.where(np.isfinite(upper), moving, 0.0) - rate)


def _ratio(low: float, high: float, slack: np.ndarray, rate: np.ndarray) -> tuple[float, float]:
    """Narrow [low, high] to the theta with slack + theta * rate >= 0 everywhere (slack >= 0 now;
    round-off below 1e-9 of the figure is taken as 0)."""
    slack = np.where(slack < 1e-9 * (1.0 + np.abs(slack)), 0.0, slack)
    rate = np.where(np.abs(rate) > 1e-10, rate, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        high = min(high, float(np.min(np.where(rate < 0, slack / -rate, np.inf), initial=np.inf)))
        low = max(low, float(np.max(np.where(rate > 0, -slack / rate, -np.inf), initial=-np.inf)))
    return low, high


RANGING_SKIPPED = "skipped: the time limit ran out with the solve"
"""`Solution.solver["ranging"]` when HiGHS's ranging was not computed because the solve used all its time."""


def _spent(options: SolveOptions, seconds: float) -> bool:
    """Whether a solve that took `seconds` used all the time `options` gave it: then nothing optional
    (HiGHS's ranging, which can take as long as a solve) follows it."""
    return options.time_limit is not None and seconds >= options.time_limit


def _status_codes(statuses: list[highspy.HighsBasisStatus], count: int) -> np.ndarray:
    """HiGHS's basis statuses as int8 codes of BASIS_STATUS."""
    return np.fromiter((status.value for status in statuses), dtype=np.int8, count=count)


def _give_back_memory() -> None:
    """Return the memory HiGHS freed to the operating system (glibc keeps freed memory for reuse;
    `malloc_trim` gives it back, so that what is allocated next does not add to the peak). A no-op
    where the C library has no such call."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def solve(
    model: LinearModel,
    options: SolveOptions = SolveOptions(),
    warm_start: WarmStart | None = None,
    ranging: bool = True,
) -> Solution:
    """Load `model` into a fresh HiGHS and solve it (see `Solver.solve`)."""
    solver = Solver()
    passed = solver.load(model)
    solution = solver.solve(options, warm_start, ranging)
    solution.timings = {"handoff_pass": passed, **solution.timings}
    return solution


def _set(highs: highspy.Highs, name: str, value: bool | float | str) -> None:
    if highs.setOptionValue(name, value) != highspy.HighsStatus.kOk:
        raise ValueError(f"HiGHS refused the option {name} = {value!r}")


def _configure(
    highs: highspy.Highs,
    options: SolveOptions,
    columns: int,
    periods: int,
    is_mip: bool,
    warm: bool = False,
    primal: bool = False,
    logged: bool = False,
) -> str:
    """Set HiGHS's options for one solve (all of them each time: a kept instance remembers the last);
    the algorithm's label. HiGHS never logs to the screen; `logged`: to the instance's logging
    callback (`new_highs(log)`), and `options.log_file` to that file."""
    highs.resetOptions()
    _set(highs, "log_to_console", False)  # first: HiGHS prints its banner the moment output is switched on
    _set(highs, "output_flag", logged or options.log_file is not None)
    if options.log_file:
        _set(highs, "log_file", options.log_file)
    if options.time_limit is not None:
        _set(highs, "time_limit", float(options.time_limit))
    if options.threads is not None:
        # HiGHS keeps one thread pool per process; a different size needs it started afresh.
        highspy.Highs.resetGlobalScheduler(True)
        _set(highs, "threads", int(options.threads))
    _set(highs, "mip_rel_gap", float(options.mip_gap))
    label = _choose_algorithm(highs, options, columns, periods, is_mip, warm, primal)
    for name, value in options.highs_options.items():  # the user's word is last
        _set(highs, name, value)
    _set(highs, "log_to_console", False)  # but never on the screen (stdout is the command's): in highs.log
    if options.highs_options:
        label += " with " + ", ".join(f"{name}={value}" for name, value in options.highs_options.items())
    return label


def _choose_algorithm(
    highs: highspy.Highs, options: SolveOptions, columns: int, periods: int, is_mip: bool, warm: bool, primal: bool
) -> str:
    if is_mip:
        return "branch-and-cut"
    algorithm = options.algorithm
    if algorithm == "auto":
        algorithm = default_algorithm(columns, periods, warm)
    _set(highs, "solver", algorithm)
    if algorithm == "ipm":
        return "interior point + crossover"
    if primal and options.algorithm == "auto":
        _set(highs, "simplex_strategy", PRIMAL_SIMPLEX)
        return "primal simplex (warm start, costs changed)"
    return "dual simplex (warm start)" if warm else "dual simplex"


_STATUS: dict[object, Status] = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kTimeLimit: "time_limit",
    highspy.HighsModelStatus.kModelEmpty: "optimal",
}


def _status(highs: highspy.Highs) -> tuple[Status, str]:
    model_status = highs.getModelStatus()
    if model_status == highspy.HighsModelStatus.kUnboundedOrInfeasible:
        # Presolve could not tell which; without presolve the simplex can.
        highs.setOptionValue("presolve", "off")
        highs.setOptionValue("solver", "simplex")
        run_interruptibly(highs)
        model_status = highs.getModelStatus()
    text = highs.modelStatusToString(model_status)
    return _STATUS.get(model_status, "error"), f"HiGHS: {text}"


def _record(highs: highspy.Highs, model: LinearModel, algorithm: str, is_mip: bool) -> dict[str, object]:
    """What summary.json says of the solve: solver, algorithm, size, iterations."""
    info = highs.getInfo()
    record: dict[str, object] = {
        "name": "HiGHS",
        "version": highs.version(),
        "algorithm": algorithm,
        "mip": is_mip,
        "columns": model.num_col,
        "rows": model.num_row,
        "nonzeros": int(model.matrix.nnz),
        "simplex_iterations": int(info.simplex_iteration_count),
        "ipm_iterations": int(info.ipm_iteration_count),
        "crossover_iterations": int(info.crossover_iteration_count),
        "pdlp_iterations": int(info.pdlp_iteration_count),
    }
    if is_mip:
        record.update(
            mip_gap=float(info.mip_gap),
            mip_dual_bound=float(info.mip_dual_bound),  # HiGHS's bound: no plan costs less
            mip_nodes=int(info.mip_node_count),
        )
    return record


def _extract(model: LinearModel, highs: highspy.Highs, solution: Solution, with_duals: bool) -> None:
    result = highs.getSolution()
    solution.objective = float(highs.getInfo().objective_function_value) if model.num_col else 0.0
    col_value = np.asarray(result.col_value, dtype=float)
    solution.column_values = col_value
    for name in model.columns:
        found = model.read(name, col_value)
        found[np.abs(found) < ZERO] = 0.0  # solver round-off, not a decision; no "-0.00" in tables
        solution.values[name] = found
    row_value = np.asarray(result.row_value, dtype=float)
    row_dual = np.asarray(result.row_dual, dtype=float) if with_duals and result.dual_valid else None
    numbers = model.numbers
    for name, block in model.blocks.items():
        at = block.at
        dual = row_dual[at] if row_dual is not None else np.full(len(at), np.nan)
        solution.rows[name] = RowValues(
            row_value[at] if len(row_value) else np.zeros(len(at)), numbers.row_lower[at], numbers.row_upper[at], dual
        )
    if row_dual is not None:
        col_dual = np.asarray(result.col_dual, dtype=float)
        solution.reduced_costs = {name: model.read(name, col_dual) for name in model.columns}


def _extract_ranging(model: LinearModel, highs: highspy.Highs, solution: Solution) -> None:
    """HiGHS's ranging, mapped back like values and duals (each figure read when first asked for).
    Ranging needs a simplex basis (dual simplex, or interior point with crossover); without one the
    dictionaries stay empty."""
    status, found = highs.getRanging()
    basis = highs.getBasis()
    if status != highspy.HighsStatus.kOk or not found.valid or not basis.valid:
        return
    activity = np.asarray(highs.getSolution().row_value, dtype=float)
    figures = RangingFigures(found, model, basis, activity, float(solution.objective or 0.0))
    solution.ranging = {name: RowRanging(figures, block.at) for name, block in model.blocks.items()}
    solution.column_ranging = {name: ColumnRanging(figures, name) for name in model.columns}
