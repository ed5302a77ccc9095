"""The constraint families of model.md, one function each, the formula in its docstring.

Notation: served[d,t] = V[d,t] + b[d,t-1] - b[d,t] - u[d,t];
theta[d,n,t] = sum of x into n + (served[d,t] if n is d's origin).
Each function collects sparse terms over the index tables and adds one row per index where the
family's variables exist; constants (volumes, initial staff and stock) move to the right-hand side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from model.lp.rows import (
    NO_VAR,
    RowBlock,
    Terms,
    VarGrid,
    add_rows,
    labels_over_periods,
    period_grid,
    period_rows,
    shifted,
)
from model.network import IndexSets, position


@dataclass
class Context:
    """What every family reads: the model, its index sets, variables, and per-demand grids (D x T)."""

    lp: pyo.ConcreteModel
    sets: IndexSets
    v: dict[str, VarGrid]
    volume: np.ndarray  # the volume parameters V[d,t]
    backlog: np.ndarray  # b[d,t], None where the demand has no backlog
    unmet: np.ndarray  # u[d,t], None where the demand has no unmet allowance

    @property
    def T(self) -> int:
        return self.sets.period_count

    @classmethod
    def create(cls, lp: pyo.ConcreteModel, sets: IndexSets, v: dict[str, VarGrid]) -> Context:
        demands = sets.demands
        volume = np.array([[lp.volume[d, p] for p in sets.periods] for d in demands.demand], dtype=object)
        volume = volume.reshape(len(demands), sets.period_count)
        return cls(lp, sets, v, volume, _per_demand(v["b"], demands), _per_demand(v["u"], demands))

    def add_served(self, terms: Terms, rows: np.ndarray, coef: np.ndarray) -> np.ndarray:
        """Add coef * (b[t-1] - b[t] - u[t]) to the given (D x T) rows; return coef * V to move right."""
        terms.add(rows, shifted(self.backlog), coef)
        terms.add(rows, self.backlog, -coef)
        terms.add(rows, self.unmet, -coef)
        return coef * self.volume


def _per_demand(grid: VarGrid, demands: pd.DataFrame) -> np.ndarray:
    full = np.full((len(demands), grid.grid.shape[1]), NO_VAR, dtype=object)
    full[position(demands, ["demand"], grid.rows)] = grid.grid
    return full


def _node_rows(ctx: Context, table: pd.DataFrame, node_column: str) -> np.ndarray:
    """For each row of `table`, the (d, n) balance row ids over periods (row of demand_nodes * T + t)."""
    return period_rows(position(ctx.sets.demand_nodes, ["demand", "node"], table, ["demand", node_column]), ctx.T)


def _origin_rows(ctx: Context) -> np.ndarray:
    """The balance rows of each demand's origin (D x T)."""
    return _node_rows(ctx, ctx.sets.demands, "origin")


def row_labels(sets: IndexSets, family: str, ids: np.ndarray | None = None) -> pd.DataFrame:
    """A label for every row id of a family (index row x period), before rows left without terms drop,
    or for the row ids `ids` only: the period and a readable subject, plus the keys of the index table
    the family runs over."""

    def capped(table: str, key: str) -> pd.DataFrame:
        owners = getattr(sets, table)
        return owners.loc[np.isfinite(owners.capacity), [key]].reset_index(drop=True)

    balance = ("demand_nodes", ["demand", "node"])
    staff = ("staff", ["node", "role"])
    lanes = ("queues", ["node", "lane"])
    keys = {
        "pass_through": balance,
        "work_balance": balance,
        "lane_split": balance,
        "labour_capacity": staff,
        "overtime_limit": staff,
        "staff_balance": staff,
        "quality_target": ("demands", ["demand"]),
        "response_time_target": ("demands", ["demand"]),
        "final_backlog": ("demands", ["demand"]),
        "final_stock": ("stocks", ["demand", "node"]),
        "queue_service_level": lanes,
        "queue_average_wait": lanes,
    }
    if family in keys:
        table, columns = keys[family]
        index = getattr(sets, table)[columns]
    elif family == "queue_duty":
        index = sets.queues[["node"]].drop_duplicates().reset_index(drop=True)
    else:
        index = capped(*{"node_capacity_limit": ("nodes", "node"), "arc_capacity_limit": ("arcs", "arc")}[family])
    periods = sets.periods[-1:] if family.startswith("final_") else sets.periods
    return labels_over_periods(index, periods, family, ids)


def add_pass_through(ctx: Context) -> RowBlock:
    """theta[d,n,t] = sum_a out of n x[d,a,t] + z[d,n,t]   (model.md, constraint 1)."""
    sets, v = ctx.sets, ctx.v
    terms = Terms(len(sets.demand_nodes) * ctx.T)
    terms.add(_node_rows(ctx, sets.demand_arcs, "target"), v["x"].grid, 1.0)
    terms.add(_node_rows(ctx, sets.demand_arcs, "source"), v["x"].grid, -1.0)
    terms.add(_node_rows(ctx, sets.sinks, "node"), v["z"].grid, -1.0)
    origin_rows = _origin_rows(ctx)
    constant = ctx.add_served(terms, origin_rows, np.ones((len(sets.demands), 1), dtype=object))
    rhs = np.zeros(terms.row_count, dtype=object)
    rhs[origin_rows.ravel()] = -constant.ravel()
    return add_rows(ctx.lp, "pass_through", terms, row_labels(sets, "pass_through"), equal=rhs)


def add_work_balance(ctx: Context) -> RowBlock:
    """sum_m y[d,n,m,t] (+ k[d,n,t-1]) = theta[d,n,t] (+ k[d,n,t]), k[d,n,0] = initial   (constraint 2)."""
    sets, v = ctx.sets, ctx.v
    terms = Terms(len(sets.demand_nodes) * ctx.T)
    terms.add(_node_rows(ctx, sets.demand_modes, "node"), v["y"].grid, 1.0)
    terms.add(_node_rows(ctx, sets.demand_arcs, "target"), v["x"].grid, -1.0)
    stock_rows = _node_rows(ctx, sets.stocks, "node")
    terms.add(stock_rows, shifted(v["k"].grid), 1.0)
    terms.add(stock_rows, v["k"].grid, -1.0)
    origin_rows = _origin_rows(ctx)
    constant = ctx.add_served(terms, origin_rows, -np.ones((len(sets.demands), 1), dtype=object))
    rhs = np.zeros(terms.row_count, dtype=object)
    rhs[origin_rows.ravel()] = -constant.ravel()
    rhs[stock_rows[:, 0]] -= sets.stocks.initial.to_numpy()
    return add_rows(ctx.lp, "work_balance", terms, row_labels(sets, "work_balance"), equal=rhs)


def add_labour_capacity(ctx: Context) -> RowBlock:
    """sum_d h[n,r] y[d,n,r,t] <= rho[n] (H[r] s[n,r,t] + o[n,r,t])   (constraint 3, first part)."""
    sets, v, staff = ctx.sets, ctx.v, ctx.sets.staff
    staffed = sets.demand_modes[sets.demand_modes.role.notna()]
    at = position(staff, ["node", "role"], staffed, ["node", "mode"])
    terms = Terms(len(staff) * ctx.T)
    staffed_rows = np.flatnonzero(sets.demand_modes.role.notna().to_numpy())
    terms.add(period_rows(at, ctx.T), v["y"].grid[staffed_rows], staffed.hours_per_unit.to_numpy()[:, None])
    # Only positions some demand can load get a row: elsewhere staff is bounded by min and max alone.
    loaded = np.zeros(len(staff), dtype=bool)
    loaded[np.unique(at)] = True
    rows = np.where(loaded[:, None], period_grid(len(staff), ctx.T), -1)
    rho = staff.max_utilisation.to_numpy()[:, None]
    terms.add(rows, v["s"].grid, -rho * staff.hours_per_fte.to_numpy()[:, None])
    terms.add(rows, v["o"].grid, -rho)
    return add_rows(ctx.lp, "labour_capacity", terms, row_labels(ctx.sets, "labour_capacity"), upper=0.0)


def add_overtime_limit(ctx: Context) -> RowBlock:
    """o[n,r,t] <= OT[r] s[n,r,t]   (constraint 3, second part)."""
    staff, v = ctx.sets.staff, ctx.v
    terms = Terms(len(staff) * ctx.T)
    rows = np.where(v["o"].exists, period_grid(len(staff), ctx.T), -1)
    terms.add(rows, v["o"].grid, 1.0)
    terms.add(rows, v["s"].grid, -staff.overtime_max.to_numpy()[:, None])
    return add_rows(ctx.lp, "overtime_limit", terms, row_labels(ctx.sets, "overtime_limit"), upper=0.0)


def add_staff_balance(ctx: Context) -> RowBlock:
    """s[n,r,t] = s[n,r,t-1] + hire[n,r,t] - fire[n,r,t], s[n,r,0] = initial where set   (constraint 4).

    min <= s <= max are the bounds of s (mutable parameters).
    """
    staff, v, lp = ctx.sets.staff, ctx.v, ctx.lp
    terms = Terms(len(staff) * ctx.T)
    rows = np.where(v["hire"].exists, period_grid(len(staff), ctx.T), -1)
    terms.add(rows, v["s"].grid, 1.0)
    terms.add(rows, shifted(v["s"].grid), -1.0)
    terms.add(rows, v["hire"].grid, -1.0)
    terms.add(rows, v["fire"].grid, 1.0)
    rhs = np.zeros((len(staff), ctx.T), dtype=object)
    for i, (node, role) in enumerate(zip(staff.node, staff.role)):
        if (node, role) in lp.staff_initial:
            rhs[i, 0] = lp.staff_initial[node, role]
    return add_rows(lp, "staff_balance", terms, row_labels(ctx.sets, "staff_balance"), equal=rhs.ravel())


def _capacity_rows(
    ctx: Context, name: str, owners: pd.DataFrame, key: str, users: pd.DataFrame, grid: np.ndarray, capacity: pyo.Param
) -> RowBlock:
    """sum of the variables in `grid` whose row of `users` has owner k <= capacity[k], per period."""
    capped = owners[np.isfinite(owners.capacity)].reset_index(drop=True)
    at = position(capped, [key], users)
    terms = Terms(len(capped) * ctx.T)
    terms.add(period_rows(at, ctx.T), grid, 1.0)
    bound = np.repeat([capacity[k] for k in capped[key]], ctx.T)
    return add_rows(ctx.lp, name, terms, row_labels(ctx.sets, name), upper=bound)


def add_node_capacity(ctx: Context) -> RowBlock:
    """sum_d sum_m y[d,n,m,t] <= cap[n]   (constraint 5, nodes with a capacity)."""
    sets = ctx.sets
    return _capacity_rows(
        ctx, "node_capacity_limit", sets.nodes, "node", sets.demand_modes, ctx.v["y"].grid, ctx.lp.node_capacity
    )


def add_arc_capacity(ctx: Context) -> RowBlock:
    """sum_d x[d,a,t] <= cap[a]   (constraint 5, arcs with a capacity)."""
    sets = ctx.sets
    return _capacity_rows(
        ctx, "arc_capacity_limit", sets.arcs, "arc", sets.demand_arcs, ctx.v["x"].grid, ctx.lp.arc_capacity
    )


TARGET_ROW = {"min_quality": "quality_row", "max_response_time": "response_row"}
"""The column of the index sets' demands that says whether a target's row is built (network.py
leaves out the rows no plan can bind)."""


def _target_rows(ctx: Context, column: str) -> tuple[np.ndarray, np.ndarray, Terms]:
    """Rows (D x T, -1 where the demand has no such target), its row ids by demand, fresh terms."""
    has_target = ctx.sets.demands[TARGET_ROW[column]].to_numpy(dtype=bool)
    rows = np.where(has_target[:, None], period_grid(len(has_target), ctx.T), -1)
    return rows, has_target, Terms(len(has_target) * ctx.T)


def _by_demand(ctx: Context, rows_by_demand: np.ndarray, table: pd.DataFrame) -> np.ndarray:
    """For each row of `table`, the (D x T) row ids of its demand."""
    return rows_by_demand[position(ctx.sets.demands, ["demand"], table)]


def add_quality_targets(ctx: Context) -> RowBlock:
    """sum_{n,m} (1 - q[n,m]) y[d,n,m,t] <= (1 - Q[d]) served[d,t]   (constraint 6)."""
    sets, lp = ctx.sets, ctx.lp
    rows, has_target, terms = _target_rows(ctx, "min_quality")
    modes = sets.demand_modes
    terms.add(_by_demand(ctx, rows, modes), ctx.v["y"].grid, (1.0 - modes.quality.to_numpy())[:, None])
    allowance = np.array(
        [1 - lp.min_quality[d] if ok else 0.0 for d, ok in zip(sets.demands.demand, has_target)], dtype=object
    )[:, None]
    constant = ctx.add_served(terms, rows, -allowance)
    return add_rows(lp, "quality_target", terms, row_labels(sets, "quality_target"), upper=-constant.ravel())


def add_response_time_targets(ctx: Context) -> RowBlock:
    """sum_a l[a] x + sum_{n,m} (p[n,m] + w[n]) y + sum_{n,l} w[n,l,t] q[d,n,l,t] + L b[d,t]
    <= T[d] served[d,t]   (constraint 7; at a queued node w[n] = 0 and its lanes' waits count).

    At a storable node orders may be filled from stock, so the node adds (p[n] + w[n]) theta[d,n,t]
    with its own processing time instead of its modes' terms.
    """
    sets, lp, v = ctx.sets, ctx.lp, ctx.v
    rows, has_target, terms = _target_rows(ctx, "max_response_time")
    arcs, modes, nodes = sets.demand_arcs, sets.demand_modes, sets.demand_nodes
    terms.add(_by_demand(ctx, rows, arcs), v["x"].grid, arcs.lead_time.to_numpy()[:, None])
    flowing = ~modes.storable.to_numpy()
    terms.add(
        _by_demand(ctx, rows, modes)[flowing],
        v["y"].grid[flowing],
        (modes.processing_time + modes.wait_time).to_numpy()[flowing, None],
    )
    # Storable nodes: (p + w) times the orders arriving, i.e. the arcs into the node...
    into_storable = arcs.merge(nodes[nodes.storable], left_on=["demand", "target"], right_on=["demand", "node"])
    inflow = position(arcs, ["demand", "arc"], into_storable)
    terms.add(_by_demand(ctx, rows, into_storable), v["x"].grid[inflow], into_storable.node_time.to_numpy()[:, None])
    terms.add(rows, ctx.backlog, sets.period_length)
    # A queued node's wait is its lane's: the unit waits in the lane it is routed to.
    lanes = sets.demand_lanes
    terms.add(_by_demand(ctx, rows, lanes), v["q"].grid, _lane_parameter(ctx, "lane_wait", lanes))
    # ... and served itself where the origin stores; then -T[d] served, with volumes moved right.
    origin = nodes.iloc[position(nodes, ["demand", "node"], sets.demands, ["demand", "origin"])]
    origin_time = np.where(origin.storable, origin.node_time, 0.0)
    coef = np.array(
        [
            origin_time[i] - lp.max_response_time[d] if ok else 0.0
            for i, (d, ok) in enumerate(zip(sets.demands.demand, has_target))
        ],
        dtype=object,
    )[:, None]
    constant = ctx.add_served(terms, rows, coef)
    return add_rows(
        lp, "response_time_target", terms, row_labels(sets, "response_time_target"), upper=-constant.ravel()
    )


def add_end_of_horizon(ctx: Context) -> list[RowBlock]:
    """b[d,last] <= final_backlog[d];  k[d,n,last] >= final_min[d,n]   (constraint 8)."""
    sets, lp, v = ctx.sets, ctx.lp, ctx.v
    backlog = Terms(len(sets.demands))
    backlog.add(np.arange(len(sets.demands)), ctx.backlog[:, -1], 1.0)
    stock = Terms(len(sets.stocks))
    stock.add(np.arange(len(sets.stocks)), v["k"].grid[:, -1], 1.0)
    return [
        add_rows(
            lp, "final_backlog", backlog, row_labels(sets, "final_backlog"), upper=sets.demands.final_backlog.to_numpy()
        ),
        add_rows(lp, "final_stock", stock, row_labels(sets, "final_stock"), lower=sets.stocks.final_min.to_numpy()),
    ]


def _lane_parameter(ctx: Context, name: str, table: pd.DataFrame) -> np.ndarray:
    """A queue parameter per row of `table` (with node and lane columns) and period: Pyomo objects."""
    component = ctx.lp.component(name)
    return np.array(
        [[component[n, lane, p] for p in ctx.sets.periods] for n, lane in zip(table.node, table.lane)], dtype=object
    ).reshape(len(table), ctx.T)


def add_lane_split(ctx: Context) -> RowBlock:
    """sum_l q[d,n,l,t] = sum_m y[d,n,m,t] at a queued node: each unit queues in one lane   (constraint 9)."""
    sets, v = ctx.sets, ctx.v
    terms = Terms(len(sets.demand_nodes) * ctx.T)
    terms.add(_node_rows(ctx, sets.demand_lanes, "node"), v["q"].grid, 1.0)
    queued = sets.demand_modes.node.isin(sets.queues.node).to_numpy()
    terms.add(_node_rows(ctx, sets.demand_modes[queued], "node"), v["y"].grid[queued], -1.0)
    return add_rows(ctx.lp, "lane_split", terms, row_labels(sets, "lane_split"), equal=0.0)


def _queue_requirement(ctx: Context, family: str, has_target: np.ndarray, slope: str, intercept: str) -> RowBlock:
    """a[n,l,t] - slope[n,l,t] sum_d q[d,n,l,t] >= intercept[n,l,t] for the lanes `has_target`."""
    sets, v, queues = ctx.sets, ctx.v, ctx.sets.queues
    rows = np.where(has_target[:, None], period_grid(len(queues), ctx.T), -1)
    terms = Terms(len(queues) * ctx.T)
    terms.add(rows, v["a"].grid, 1.0)
    lane_of = position(queues, ["node", "lane"], sets.demand_lanes)
    terms.add(rows[lane_of], v["q"].grid, -_lane_parameter(ctx, slope, sets.demand_lanes))
    return add_rows(
        ctx.lp, family, terms, row_labels(ctx.sets, family), lower=_lane_parameter(ctx, intercept, queues).ravel()
    )


def add_queue_service_level(ctx: Context) -> RowBlock:
    """a[n,l,t] >= open[n] (g(A0) + g'(A0) (A - A0)), A = peak[n] h[n] sum_d q[d,n,l,t] / open[n]:
    the tangent at the load A0 of the agents a service-level target needs   (constraint 10).

    Written a - gamma sum_d q >= beta, gamma = g'(A0) peak h (hours per unit), beta = open (g(A0) - g'(A0) A0)."""
    has_target = ctx.sets.queues.service_level.notna().to_numpy()
    return _queue_requirement(ctx, "queue_service_level", has_target, "service_level_slope", "service_level_intercept")


def add_queue_average_wait(ctx: Context) -> RowBlock:
    """The same tangent for the agents that keep the lane's average wait at or below w[n,l,t], the
    wait its units add to response times   (constraint 10, every lane)."""
    every_lane = np.ones(len(ctx.sets.queues), dtype=bool)
    return _queue_requirement(ctx, "queue_average_wait", every_lane, "wait_slope", "wait_intercept")


def add_queue_duty(ctx: Context) -> RowBlock:
    """sum_l a[n,l,t] <= sum_r (D[n,r] s[n,r,t] + E[n,r] o[n,r,t]): the lanes share the staff on duty,
    D = min(H[r], open[n]) and E = min(1, (open[n] - H[r]) / OT[r]) (0 when H >= open), so that no
    one counts for more than the queue's open hours   (constraint 11)."""
    sets, v, staff = ctx.sets, ctx.v, ctx.sets.staff
    nodes = sets.queues[["node"]].drop_duplicates().reset_index(drop=True)
    terms = Terms(len(nodes) * ctx.T)
    terms.add(period_rows(position(nodes, ["node"], sets.queues), ctx.T), v["a"].grid, 1.0)
    at = period_rows(position(nodes, ["node"], staff), ctx.T)
    terms.add(at, v["s"].grid, -staff.duty_per_fte.to_numpy()[:, None])
    terms.add(at, v["o"].grid, -staff.duty_per_overtime_hour.to_numpy()[:, None])
    return add_rows(ctx.lp, "queue_duty", terms, row_labels(sets, "queue_duty"), upper=0.0)
