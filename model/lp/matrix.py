"""The LP of `model.lp.build` assembled directly as a sparse matrix, with no Pyomo object.

Pyomo's construction costs more than HiGHS's solve on mid-sized scenarios (docs/performance.md:
building and compiling 3.1 s against a 5.5 s solve at 100k variables, where this assembly takes
0.15 s), so `model.optimise` builds the matrix this way. The Pyomo model (model/lp/__init__.py)
remains the formulation of record, the one the tests read against model.md, and the one used where
a feature needs Pyomo's mutable parameters (queue tangents, what-if re-solves) or its objects (the
infeasibility diagnosis). tests/lp/test_matrix.py checks that both give the same LP entry by entry:
the same columns and rows in the same order, coefficients, bounds and costs.

Each variable family is an integer grid of column numbers (rows of its index table x periods, -1
where no variable), each constraint family a set of (row, column, coefficient) triplets collected
with numpy over the index tables, as model/lp/constraints.py collects Pyomo terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from model.lp import LinearModel
from model.lp.constraints import TARGET_ROW, row_labels
from model.lp.form import StandardForm
from model.lp.rows import RowBlock, VarGrid, period_grid, period_rows, refuse_infeasible_empty_rows
from model.network import IndexSets, position

FAMILIES = ("s", "o", "hire", "fire", "y", "x", "k", "b", "u", "z")
"""Column order, as Pyomo's standard-form compiler numbers the Pyomo model's columns: whole variable
components in the order it first meets them, walking the objective's cost terms (labour s, overtime
o, hiring, layoffs, processing y, hand-offs x, holding k, backlog b, unmet u) and then the rows (z
first appears in the pass-through rows); inside a component, row of the index table, then period."""

BLOCKS = (
    "pass_through",
    "work_balance",
    "labour_capacity",
    "overtime_limit",
    "staff_balance",
    "node_capacity_limit",
    "arc_capacity_limit",
    "quality_target",
    "response_time_target",
    "final_backlog",
    "final_stock",
)
"""Row families in the order `model.lp.build` declares them."""

QUEUE_BLOCKS = ("lane_split", "queue_service_level", "queue_average_wait", "queue_duty")
"""The Pyomo model's queue rows (none here: a scenario with queues is built in Pyomo)."""


@dataclass
class _Columns:
    """Column numbers of every variable family (grids, -1 where no variable), with bounds and costs."""

    grids: dict[str, np.ndarray] = field(default_factory=dict)
    count: int = 0

    def add(self, name: str, exists: np.ndarray) -> None:
        grid = np.full(exists.shape, -1, dtype=np.int64)
        n = int(exists.sum())
        grid[exists] = np.arange(self.count, self.count + n)  # row-major: index row, then period
        self.grids[name] = grid
        self.count += n


@dataclass
class _Terms:
    """(row, column, coefficient) triplets of one row family: the numeric twin of model.lp.rows.Terms."""

    row_count: int
    rows: list[np.ndarray] = field(default_factory=list)
    cols: list[np.ndarray] = field(default_factory=list)
    coefs: list[np.ndarray] = field(default_factory=list)

    def add(self, rows: np.ndarray, cols: np.ndarray, coefs: object) -> None:
        """Arrays broadcast together; terms without a row or column, or with a coefficient of 0, drop
        (as Pyomo's compiler records a variable only at a nonzero coefficient)."""
        rows, cols, coefs = np.broadcast_arrays(
            np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64), np.asarray(coefs, dtype=float)
        )
        keep = (rows >= 0) & (cols >= 0) & (coefs != 0.0)
        self.rows.append(rows[keep])
        self.cols.append(cols[keep])
        self.coefs.append(coefs[keep])

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
            return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

        return cat(self.rows, np.int64), cat(self.cols, np.int64), cat(self.coefs, float)


@dataclass
class _Family:
    """One row family before assembly: its terms and each row's bounds (-inf/inf: none)."""

    name: str
    terms: _Terms
    lower: np.ndarray
    upper: np.ndarray


def _shifted(grid: np.ndarray) -> np.ndarray:
    """The grid one period earlier: column t holds period t-1's column number (-1 in the first)."""
    out = np.full(grid.shape, -1, dtype=np.int64)
    out[:, 1:] = grid[:, :-1]
    return out


def _equal(name: str, terms: _Terms, rhs: np.ndarray) -> _Family:
    return _Family(name, terms, rhs, rhs)


def _at_most(name: str, terms: _Terms, bound: object) -> _Family:
    return _Family(
        name,
        terms,
        np.full(terms.row_count, -np.inf),
        np.broadcast_to(np.asarray(bound, dtype=float), (terms.row_count,)),
    )


class _Context:
    """What every family reads: the index sets, the column grids, per-demand grids and row helpers."""

    def __init__(
        self, sets: IndexSets, columns: _Columns, backlog_table: pd.DataFrame, unmet_table: pd.DataFrame
    ) -> None:
        self.sets, self.v, self.T = sets, columns.grids, sets.period_count
        self.backlog = self._per_demand(self.v["b"], backlog_table)
        self.unmet = self._per_demand(self.v["u"], unmet_table)
        self.volume = sets.volumes.reshape(len(sets.demands), self.T)
        self.origin_rows = self.node_rows(sets.demands, "origin")

    def _per_demand(self, grid: np.ndarray, table: pd.DataFrame) -> np.ndarray:
        """A (D x T) grid of a family indexed by a subset of demands (b, u), -1 for the others."""
        full = np.full((len(self.sets.demands), self.T), -1, dtype=np.int64)
        full[position(self.sets.demands, ["demand"], table)] = grid
        return full

    def node_rows(self, table: pd.DataFrame, column: str) -> np.ndarray:
        """For each row of `table`, the (d, n) balance row ids over periods."""
        return period_rows(position(self.sets.demand_nodes, ["demand", "node"], table, ["demand", column]), self.T)

    def add_served(self, terms: _Terms, rows: np.ndarray, coef: np.ndarray) -> None:
        """coef * (b[t-1] - b[t] - u[t]) on the given (D x T) rows; coef * V goes to the right-hand side."""
        terms.add(rows, _shifted(self.backlog), coef)
        terms.add(rows, self.backlog, -coef)
        terms.add(rows, self.unmet, -coef)

    def by_demand(self, rows_by_demand: np.ndarray, table: pd.DataFrame) -> np.ndarray:
        return rows_by_demand[position(self.sets.demands, ["demand"], table)]

    def target_rows(self, column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(D x T) rows of a per-demand target (-1 where the demand has no row), which have one, its figure."""
        figure = self.sets.demands[column].to_numpy(dtype=float)
        has_target = self.sets.demands[TARGET_ROW[column]].to_numpy(dtype=bool)
        return np.where(has_target[:, None], period_grid(len(figure), self.T), -1), has_target, figure


def build_matrix(
    sets: IndexSets, name: str = "value_chain", integer_staff: bool = False, labels: bool = True
) -> LinearModel:
    """The LinearModel of `model.lp.build(sets, name, integer_staff)` with its LP as a StandardForm and
    no Pyomo model (`lp` is None). Raises InfeasibleRow where `build` does; NotImplementedError for a
    scenario with queues (build those with `model.lp.build`).

    `labels=False` leaves the blocks' row labels empty (the benchmark's floor: the LP alone)."""
    if len(sets.queues) > 0:
        raise NotImplementedError("a scenario with queues is built with model.lp.build (its tangents are parameters)")
    demands = sets.demands
    backlog_table = demands[demands.backlog.to_numpy(dtype=bool)].reset_index(drop=True)
    unmet_table = demands[demands.unmet.to_numpy(dtype=bool)].reset_index(drop=True)
    columns, variables = _variables(sets, backlog_table, unmet_table)
    ctx = _Context(sets, columns, backlog_table, unmet_table)
    families = [
        _pass_through(ctx),  # 1
        _work_balance(ctx),  # 2
        _labour_capacity(ctx),  # 3
        _overtime_limit(ctx),  # 3
        _staff_balance(ctx),  # 4
        *_capacities(ctx),  # 5
        _quality_target(ctx),  # 6
        _response_time_target(ctx),  # 7
        *_end_of_horizon(ctx),  # 8
    ]
    lower, upper, cost = _bounds_and_costs(sets, columns, backlog_table, unmet_table)
    form, blocks = _assemble(sets, columns, variables, families, lower, upper, cost, integer_staff, labels)
    return LinearModel(None, sets, variables, blocks, integer_staff, form=form)


def _variables(
    sets: IndexSets, backlog_table: pd.DataFrame, unmet_table: pd.DataFrame
) -> tuple[_Columns, dict[str, VarGrid]]:
    """Every family's column grid, numbered in FAMILIES order, and its VarGrid (model/lp/variables.py's)."""
    T, staff = sets.period_count, sets.staff
    tables = {
        "x": sets.demand_arcs,
        "y": sets.demand_modes,
        "z": sets.sinks,
        "s": staff,
        "o": staff,
        "hire": staff,
        "fire": staff,
        "k": sets.stocks,
        "b": backlog_table,
        "u": unmet_table,
        "q": sets.demand_lanes,
        "a": sets.queues,
    }
    exists = {name: np.ones((len(table), T), dtype=bool) for name, table in tables.items()}
    changes = np.ones((len(staff), T), dtype=bool)
    changes[np.isnan(staff["initial"].to_numpy(dtype=float)), 0] = False  # no `initial`: period 1 is free
    exists.update(o=np.repeat((staff.overtime_max.to_numpy() > 0)[:, None], T, axis=1), hire=changes, fire=changes)
    columns = _Columns()
    for name in FAMILIES:
        columns.add(name, exists[name])
    variables = {name: VarGrid(name, None, table, None, exists[name]) for name, table in tables.items()}
    return columns, variables


def _bounds_and_costs(
    sets: IndexSets, columns: _Columns, backlog_table: pd.DataFrame, unmet_table: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bounds (all >= 0; min <= s <= max) and each column's price (model/lp/objective.py)."""
    staff, v = sets.staff, columns.grids
    lower, upper = np.zeros(columns.count), np.full(columns.count, np.inf)
    s = v["s"].ravel()
    lower[s] = np.repeat(np.maximum(staff["min"].to_numpy(dtype=float), 0.0), sets.period_count)
    upper[s] = np.repeat(staff["max"].to_numpy(dtype=float), sets.period_count)  # inf: no bound
    arc_cost = sets.arcs.cost.to_numpy(dtype=float)[position(sets.arcs, ["arc"], sets.demand_arcs)]
    prices = {
        "s": staff.cost_per_fte,
        "o": staff.overtime_cost,
        "hire": staff.hire_cost,
        "fire": staff.layoff_cost,
        "y": sets.demand_modes.unit_cost,
        "x": arc_cost,
        "k": sets.stocks.holding_cost,
        "b": backlog_table.backlog_cost,
        "u": unmet_table.unmet_penalty,
    }
    cost = np.zeros(columns.count)
    for name, price in prices.items():
        grid = v[name]
        exists = grid >= 0
        cost[grid[exists]] = np.broadcast_to(np.asarray(price, dtype=float)[:, None], grid.shape)[exists]
    return lower, upper, cost


def _pass_through(ctx: _Context) -> _Family:
    """theta[d,n,t] = sum_a out of n x[d,a,t] + z[d,n,t]   (model.md, constraint 1)."""
    sets, v = ctx.sets, ctx.v
    terms = _Terms(len(sets.demand_nodes) * ctx.T)
    terms.add(ctx.node_rows(sets.demand_arcs, "target"), v["x"], 1.0)
    terms.add(ctx.node_rows(sets.demand_arcs, "source"), v["x"], -1.0)
    terms.add(ctx.node_rows(sets.sinks, "node"), v["z"], -1.0)
    ctx.add_served(terms, ctx.origin_rows, np.ones((len(sets.demands), 1)))
    rhs = np.zeros(terms.row_count)
    rhs[ctx.origin_rows.ravel()] = -ctx.volume.ravel()
    return _equal("pass_through", terms, rhs)


def _work_balance(ctx: _Context) -> _Family:
    """sum_m y[d,n,m,t] (+ k[d,n,t-1]) = theta[d,n,t] (+ k[d,n,t]), k[d,n,0] = initial   (constraint 2)."""
    sets, v = ctx.sets, ctx.v
    terms = _Terms(len(sets.demand_nodes) * ctx.T)
    terms.add(ctx.node_rows(sets.demand_modes, "node"), v["y"], 1.0)
    terms.add(ctx.node_rows(sets.demand_arcs, "target"), v["x"], -1.0)
    stock_rows = ctx.node_rows(sets.stocks, "node")
    terms.add(stock_rows, _shifted(v["k"]), 1.0)
    terms.add(stock_rows, v["k"], -1.0)
    ctx.add_served(terms, ctx.origin_rows, -np.ones((len(sets.demands), 1)))
    rhs = np.zeros(terms.row_count)
    rhs[ctx.origin_rows.ravel()] = ctx.volume.ravel()
    rhs[stock_rows[:, 0]] -= sets.stocks.initial.to_numpy(dtype=float)
    return _equal("work_balance", terms, rhs)


def _labour_capacity(ctx: _Context) -> _Family:
    """sum_d h[n,r] y[d,n,r,t] <= rho[n] (H[r] s[n,r,t] + o[n,r,t]), where some demand can load the position."""
    sets, v, staff = ctx.sets, ctx.v, ctx.sets.staff
    staffed_mask = sets.demand_modes.role.notna().to_numpy()
    staffed = sets.demand_modes[staffed_mask]
    at = position(staff, ["node", "role"], staffed, ["node", "mode"])
    terms = _Terms(len(staff) * ctx.T)
    terms.add(period_rows(at, ctx.T), v["y"][staffed_mask], staffed.hours_per_unit.to_numpy(dtype=float)[:, None])
    loaded = np.zeros(len(staff), dtype=bool)
    loaded[np.unique(at)] = True
    rows = np.where(loaded[:, None], period_grid(len(staff), ctx.T), -1)
    rho = staff.max_utilisation.to_numpy(dtype=float)[:, None]
    terms.add(rows, v["s"], -rho * staff.hours_per_fte.to_numpy(dtype=float)[:, None])
    terms.add(rows, v["o"], -rho)
    return _at_most("labour_capacity", terms, 0.0)


def _overtime_limit(ctx: _Context) -> _Family:
    """o[n,r,t] <= OT[r] s[n,r,t]   (constraint 3, second part)."""
    staff, v = ctx.sets.staff, ctx.v
    terms = _Terms(len(staff) * ctx.T)
    rows = np.where(v["o"] >= 0, period_grid(len(staff), ctx.T), -1)
    terms.add(rows, v["o"], 1.0)
    terms.add(rows, v["s"], -staff.overtime_max.to_numpy(dtype=float)[:, None])
    return _at_most("overtime_limit", terms, 0.0)


def _staff_balance(ctx: _Context) -> _Family:
    """s[n,r,t] = s[n,r,t-1] + hire[n,r,t] - fire[n,r,t], s[n,r,0] = initial where set   (constraint 4)."""
    staff, v = ctx.sets.staff, ctx.v
    terms = _Terms(len(staff) * ctx.T)
    rows = np.where(v["hire"] >= 0, period_grid(len(staff), ctx.T), -1)
    terms.add(rows, v["s"], 1.0)
    terms.add(rows, _shifted(v["s"]), -1.0)
    terms.add(rows, v["hire"], -1.0)
    terms.add(rows, v["fire"], 1.0)
    rhs = np.zeros((len(staff), ctx.T))
    rhs[:, 0] = np.nan_to_num(staff["initial"].to_numpy(dtype=float), nan=0.0)
    return _equal("staff_balance", terms, rhs.ravel())


def _capacities(ctx: _Context) -> list[_Family]:
    """sum_d sum_m y[d,n,m,t] <= cap[n];  sum_d x[d,a,t] <= cap[a]   (constraint 5, finite capacities)."""
    sets, families = ctx.sets, []
    for name, owners, key, users, grid in (
        ("node_capacity_limit", sets.nodes, "node", sets.demand_modes, ctx.v["y"]),
        ("arc_capacity_limit", sets.arcs, "arc", sets.demand_arcs, ctx.v["x"]),
    ):
        capped = owners[np.isfinite(owners.capacity.to_numpy(dtype=float))].reset_index(drop=True)
        terms = _Terms(len(capped) * ctx.T)
        terms.add(period_rows(position(capped, [key], users), ctx.T), grid, 1.0)
        families.append(_at_most(name, terms, np.repeat(capped.capacity.to_numpy(dtype=float), ctx.T)))
    return families


def _quality_target(ctx: _Context) -> _Family:
    """sum_{n,m} (1 - q[n,m]) y[d,n,m,t] <= (1 - Q[d]) served[d,t]   (constraint 6)."""
    modes = ctx.sets.demand_modes
    rows, has_target, quality = ctx.target_rows("min_quality")
    terms = _Terms(len(has_target) * ctx.T)
    terms.add(ctx.by_demand(rows, modes), ctx.v["y"], (1.0 - modes.quality.to_numpy(dtype=float))[:, None])
    allowance = np.where(has_target, 1.0 - quality, 0.0)[:, None]
    ctx.add_served(terms, rows, -allowance)
    return _at_most("quality_target", terms, (allowance * ctx.volume).ravel())


def _response_time_target(ctx: _Context) -> _Family:
    """sum_a l[a] x + sum_{n,m} (p[n,m] + w[n]) y + L b[d,t] <= T[d] served[d,t]   (constraint 7;
    a storable node adds (p[n] + w[n]) times the orders arriving instead of its modes' terms)."""
    sets, v = ctx.sets, ctx.v
    arcs, modes, nodes = sets.demand_arcs, sets.demand_modes, sets.demand_nodes
    rows, has_target, limit = ctx.target_rows("max_response_time")
    terms = _Terms(len(has_target) * ctx.T)
    terms.add(ctx.by_demand(rows, arcs), v["x"], arcs.lead_time.to_numpy(dtype=float)[:, None])
    flowing = ~modes.storable.to_numpy(dtype=bool)
    terms.add(
        ctx.by_demand(rows, modes)[flowing],
        v["y"][flowing],
        (modes.processing_time + modes.wait_time).to_numpy(dtype=float)[flowing, None],
    )
    into_storable = arcs.merge(nodes[nodes.storable], left_on=["demand", "target"], right_on=["demand", "node"])
    inflow = position(arcs, ["demand", "arc"], into_storable)
    terms.add(
        ctx.by_demand(rows, into_storable), v["x"][inflow], into_storable.node_time.to_numpy(dtype=float)[:, None]
    )
    terms.add(rows, ctx.backlog, sets.period_length)
    origin = nodes.iloc[position(nodes, ["demand", "node"], sets.demands, ["demand", "origin"])]
    origin_time = np.where(origin.storable.to_numpy(dtype=bool), origin.node_time.to_numpy(dtype=float), 0.0)
    coef = np.where(has_target, origin_time - limit, 0.0)[:, None]
    ctx.add_served(terms, rows, coef)
    return _at_most("response_time_target", terms, (-(coef * ctx.volume)).ravel())


def _end_of_horizon(ctx: _Context) -> list[_Family]:
    """b[d,last] <= final_backlog[d];  k[d,n,last] >= final_min[d,n]   (constraint 8)."""
    sets = ctx.sets
    backlog = _Terms(len(sets.demands))
    backlog.add(np.arange(len(sets.demands)), ctx.backlog[:, -1], 1.0)
    stock = _Terms(len(sets.stocks))
    stock.add(np.arange(len(sets.stocks)), ctx.v["k"][:, -1], 1.0)
    return [
        _at_most("final_backlog", backlog, sets.demands.final_backlog.to_numpy(dtype=float)),
        _Family("final_stock", stock, sets.stocks.final_min.to_numpy(dtype=float), np.full(len(sets.stocks), np.inf)),
    ]


def _assemble(
    sets: IndexSets,
    columns: _Columns,
    variables: dict[str, VarGrid],
    families: list[_Family],
    lower: np.ndarray,
    upper: np.ndarray,
    cost: np.ndarray,
    integer_staff: bool,
    with_labels: bool,
) -> tuple[StandardForm, dict[str, RowBlock]]:
    """One CSC matrix: each family's rows that kept a term, renumbered in order (model/lp/rows.add_rows);
    then the columns in no row and no cost left out, as Pyomo's compiler leaves them out."""
    all_rows, all_cols, all_coefs, row_lower, row_upper = [], [], [], [], []
    blocks, row_at, offset = {}, {}, 0
    for family in families:
        r, c, a = family.terms.arrays()
        present = np.zeros(family.terms.row_count, dtype=bool)
        present[r] = True
        _refuse_empty_rows(sets, family, ~present)
        kept = np.flatnonzero(present)
        labels = row_labels(sets, family.name, kept) if with_labels else pd.DataFrame()
        all_rows.append((np.cumsum(present) - 1)[r] + offset)
        all_cols.append(c)
        all_coefs.append(a)
        row_lower.append(np.asarray(family.lower, dtype=float)[kept])
        row_upper.append(np.asarray(family.upper, dtype=float)[kept])
        blocks[family.name] = RowBlock(family.name, None, labels)
        row_at[family.name] = np.arange(offset, offset + len(kept))
        offset += len(kept)
    for name in QUEUE_BLOCKS:
        blocks[name] = RowBlock(name, None, row_labels(sets, name, np.zeros(0, dtype=np.int64)))  # no rows
        row_at[name] = np.zeros(0, dtype=np.int64)
    matrix = sp.csc_matrix(
        (np.concatenate(all_coefs), (np.concatenate(all_rows), np.concatenate(all_cols))), shape=(offset, columns.count)
    )  # duplicates summed (e.g. x's lead time and node time)
    matrix.eliminate_zeros()

    used = (np.diff(matrix.indptr) > 0) | (cost != 0.0)
    renumber = np.where(used, np.cumsum(used) - 1, -1)
    column_at, absent_value = {}, {}
    for name, grid in variables.items():
        numbers = columns.grids[name][grid.exists] if name in columns.grids else np.zeros(0, dtype=np.int64)
        column_at[name] = renumber[numbers]
        absent_value[name] = np.where(column_at[name] < 0, lower[numbers], 0.0)  # left out: at its lower bound
    if not used.all():
        matrix = sp.csc_matrix(
            (matrix.data, matrix.indices, matrix.indptr[np.append(used, True)]), shape=(offset, int(used.sum()))
        )
    integer = np.zeros(columns.count, dtype=bool)
    integer[columns.grids["s"].ravel()] = integer_staff
    form = StandardForm(
        cost[used],
        0.0,
        matrix,
        lower[used],
        upper[used],
        np.concatenate(row_lower),
        np.concatenate(row_upper),
        integer[used],
        column_at,
        absent_value,
        row_at,
    )
    return form, blocks


def _refuse_empty_rows(sets: IndexSets, family: _Family, empty: np.ndarray) -> None:
    """A row no variable enters reads 0; bounds that exclude 0 make the scenario infeasible as written.
    Found with numpy, then reported as model/lp/rows.py reports it (InfeasibleRow, naming the row)."""
    low = np.broadcast_to(np.asarray(family.lower, dtype=float), empty.shape)
    high = np.broadcast_to(np.asarray(family.upper, dtype=float), empty.shape)
    bad = empty & ((low > 1e-9 * (1 + np.abs(low))) | (high < -1e-9 * (1 + np.abs(high))))
    if bad.any():
        first = np.flatnonzero(bad)[:1]
        refuse_infeasible_empty_rows(family.name, first, low, high, row_labels(sets, family.name))
