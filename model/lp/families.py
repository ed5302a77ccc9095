"""The constraint families of model.md, one function each with its formula, and their registry.

Notation: served[d,t] = v[d,t] + b[d,t-1] - b[d,t] - u[d,t], where v is the volume column (fixed at
V[d,t]) and b, u exist only for demands with backlog or unmet allowances;
theta[d,n,t] = sum of x into n + (served[d,t] if n is d's origin) + sum of w[d,n',m,t] sent back to
n (rework, `to` = n).

Each function collects the family's terms over the index tables and returns them with a lower and
an upper bound per row of its grid (a row per index row and period, or per index row in the last
period). Constants (initial staff and stock) move to the bounds. `FAMILIES` lists every family once;
the build, the row labels, the diagnosis's relaxable rows and the sensitivity's fields iterate it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.lp.tangents import QueueTangents
from model.lp.terms import Terms, only_where, per_period, period_grid, period_rows, shifted
from model.network import IndexSets, position, roster_start
from model.rules import rows_of


@dataclass
class Rows:
    """One family's terms, and a lower and upper bound per row of its grid (-inf, inf: none)."""

    terms: Terms
    lower: np.ndarray
    upper: np.ndarray


def equal(terms: Terms, value: object) -> Rows:
    bound = np.broadcast_to(np.asarray(value, dtype=float), (terms.row_count,))
    return Rows(terms, bound, bound)


def at_most(terms: Terms, value: object) -> Rows:
    return Rows(
        terms, np.full(terms.row_count, -np.inf), np.broadcast_to(np.asarray(value, dtype=float), (terms.row_count,))
    )


def at_least(terms: Terms, value: object) -> Rows:
    return Rows(
        terms, np.broadcast_to(np.asarray(value, dtype=float), (terms.row_count,)), np.full(terms.row_count, np.inf)
    )


@dataclass
class Context:
    """What every family reads: the index sets, each variable family's column numbers (rows x T, -1
    where none), and the queue rows' figures."""

    sets: IndexSets
    v: dict[str, np.ndarray]
    tangents: QueueTangents

    @property
    def T(self) -> int:
        return self.sets.period_count

    def balance_rows(self, table: str, node: str) -> np.ndarray:
        """For each row of `table`, the (demand, node) balance row ids over periods, its node being
        the column `node` (row of demand_nodes * T + t)."""
        return period_rows(self.sets.position("demand_nodes", ["demand", "node"], table, ["demand", node]), self.T)

    def demand_rows(self, rows: np.ndarray, table: str) -> np.ndarray:
        """For each row of `table`, its demand's row ids `rows` (D x T)."""
        return rows[self.sets.demand_of(table)]

    def add_served(self, terms: Terms, rows: np.ndarray, coef: object) -> None:
        """Add coef * served[d,t] = coef * (v + b[t-1] - b[t] - u[t]) to the demands' rows (D x T)."""
        terms.add(rows, self.v["v"], coef)
        terms.add(rows, shifted(self.v["b"]), coef)
        terms.add(rows, self.v["b"], -np.asarray(coef))
        terms.add(rows, self.v["u"], -np.asarray(coef))


def pass_through(ctx: Context) -> Rows:
    """theta[d,n,t] - sum_m w[d,n,m,t] - sum_l lost[d,n,l,t] - sum_a out of n x[d,a,t] - z[d,n,t] = 0:
    the units done wrong at n (w) and those its queue loses do not go on from it; theta counts the
    reworked units sent back to n (a unit redone at its own node adds and takes one w here: the pair
    is left out, as it sums to 0) and the units lost by a queue whose `overflow` is n   (model.md,
    constraint 1)."""
    sets, v = ctx.sets, ctx.v
    terms = Terms(len(sets.demand_nodes) * ctx.T)
    terms.add(ctx.balance_rows("demand_arcs", "target"), v["x"], 1.0)
    terms.add(ctx.balance_rows("demand_arcs", "source"), v["x"], -1.0)
    terms.add(ctx.balance_rows("sinks", "node"), v["z"], -1.0)
    elsewhere = (sets.demand_reworks.to != sets.demand_reworks.node).to_numpy()
    terms.add(only_where(elsewhere, ctx.balance_rows("demand_reworks", "to")), v["w"], 1.0)
    terms.add(only_where(elsewhere, ctx.balance_rows("demand_reworks", "node")), v["w"], -1.0)
    _lost_flows(ctx, terms, 1.0)
    ctx.add_served(terms, ctx.balance_rows("demands", "origin"), 1.0)
    return equal(terms, 0.0)


def _lost_flows(ctx: Context, terms: Terms, sign: float) -> None:
    """The units a queue loses leave its node unprocessed (sign x -lost at (d, n)) and arrive at its
    `overflow` (sign x +lost at (d, overflow)), where the demand may use it; else they are unmet."""
    overflow = period_rows(ctx.sets.overflow_rows(), ctx.T)
    terms.add(ctx.balance_rows("demand_lanes", "node"), ctx.v["lost"], -sign)
    terms.add(overflow, ctx.v["lost"], sign)


def work_balance(ctx: Context) -> Rows:
    """sum_m y[d,n,m,t] + sum_l lost[d,n,l,t] + k[d,n,t-1] - k[d,n,t] - theta[d,n,t] = 0, k[d,n,0] =
    initial (moved to the right: -initial in the first period); k terms only at storable nodes; a unit
    reaching a queued node is processed or lost by its queue   (constraint 2)."""
    sets, v = ctx.sets, ctx.v
    terms = Terms(len(sets.demand_nodes) * ctx.T)
    terms.add(ctx.balance_rows("demand_modes", "node"), v["y"], 1.0)
    terms.add(ctx.balance_rows("demand_arcs", "target"), v["x"], -1.0)
    terms.add(ctx.balance_rows("demand_reworks", "to"), v["w"], -1.0)
    stock_rows = ctx.balance_rows("stocks", "node")
    terms.add(stock_rows, shifted(v["k"]), 1.0)
    terms.add(stock_rows, v["k"], -1.0)
    _lost_flows(ctx, terms, -1.0)
    ctx.add_served(terms, ctx.balance_rows("demands", "origin"), -1.0)
    rhs = np.zeros(terms.row_count)
    rhs[stock_rows[:, 0]] -= sets.stocks.initial.to_numpy(dtype=float)
    return equal(terms, rhs)


def labour_capacity(ctx: Context) -> Rows:
    """sum_d h[n,r] y[d,n,r,t] - rho[n] H[r] s[n,r,t] - rho[n] o[n,r,t] <= 0, for the (n, r) some
    demand can load (elsewhere staff is held by its bounds alone) and that are not rostered (those
    have a row per interval instead, constraint 17)   (constraint 3)."""
    sets, v, staff = ctx.sets, ctx.v, ctx.sets.staff
    modes = sets.demand_modes
    at = sets.position("staff", ["node", "role"], "demand_modes", ["node", "mode"])
    rostered = np.append(staff.rostered.to_numpy(dtype=bool), False)[at]  # rows per interval instead (17)
    staffed = modes.role.notna().to_numpy() & (at >= 0) & ~rostered
    terms = Terms(len(staff) * ctx.T)
    terms.add(period_rows(np.where(staffed, at, -1), ctx.T), v["y"], per_period(modes.hours_per_unit, ctx.T))
    loaded = np.zeros(len(staff), dtype=bool)
    loaded[at[staffed]] = True
    rows = only_where(loaded, period_grid(len(staff), ctx.T))
    rho = staff.max_utilisation.to_numpy(dtype=float)[:, None]
    terms.add(rows, v["s"], -rho * staff.hours_per_fte.to_numpy(dtype=float)[:, None])
    terms.add(rows, v["o"], -rho)
    return at_most(terms, 0.0)


def overtime_limit(ctx: Context) -> Rows:
    """o[n,r,t] - OT[r] s[n,r,t] <= 0   (constraint 3)."""
    staff, v = ctx.sets.staff, ctx.v
    terms = Terms(len(staff) * ctx.T)
    rows = only_where(v["o"] >= 0, period_grid(len(staff), ctx.T))
    terms.add(rows, v["o"], 1.0)
    terms.add(rows, v["s"], -staff.overtime_max.to_numpy(dtype=float)[:, None])
    return at_most(terms, 0.0)


def staff_balance(ctx: Context) -> Rows:
    """s[n,r,t] - s[n,r,t-1] - hire[n,r,t] + fire[n,r,t] = 0, s[n,r,0] = initial (moved to the right:
    initial in the first period); where hire exists (t >= 2, and t = 1 with `initial`)   (constraint 4)."""
    staff, v = ctx.sets.staff, ctx.v
    terms = Terms(len(staff) * ctx.T)
    rows = only_where(v["hire"] >= 0, period_grid(len(staff), ctx.T))
    terms.add(rows, v["s"], 1.0)
    terms.add(rows, shifted(v["s"]), -1.0)
    terms.add(rows, v["hire"], -1.0)
    terms.add(rows, v["fire"], 1.0)
    rhs = np.zeros((len(staff), ctx.T))
    rhs[:, 0] = np.nan_to_num(staff["initial"].to_numpy(dtype=float), nan=0.0)
    return equal(terms, rhs.ravel())


def _capacity(ctx: Context, owners: str, key: str, users: str, variable: str) -> Rows:
    """sum of `variable` over the rows of `users` owned by k <= cap[k], per period, for finite caps."""
    capacity = getattr(ctx.sets, owners).capacity.to_numpy(dtype=float)
    finite = np.isfinite(capacity)
    at = ctx.sets.position(owners, [key], users)
    terms = Terms(len(capacity) * ctx.T)
    terms.add(period_rows(np.where(finite[at], at, -1), ctx.T), ctx.v[variable], 1.0)
    return at_most(terms, np.repeat(np.where(finite, capacity, np.inf), ctx.T))


def node_capacity_limit(ctx: Context) -> Rows:
    """sum_d sum_m y[d,n,m,t] <= cap[n], nodes with a capacity   (constraint 5)."""
    return _capacity(ctx, "nodes", "node", "demand_modes", "y")


def arc_capacity_limit(ctx: Context) -> Rows:
    """sum_d x[d,a,t] <= cap[a], arcs with a capacity   (constraint 5)."""
    return _capacity(ctx, "arcs", "arc", "demand_arcs", "x")


def _target_rows(ctx: Context, flag: str) -> np.ndarray:
    """(D x T) row ids of a per-demand target, -1 where the demand's row is not built."""
    demands = ctx.sets.demands
    return only_where(demands[flag].to_numpy(dtype=bool), period_grid(len(demands), ctx.T))


def quality_target(ctx: Context) -> Rows:
    """sum_{n,m} (1 - q[n,m]) y[d,n,m,t] - (1 - Q[d]) served[d,t] <= 0, demands whose row can bind
    (model/network.py); a mode with `rework` counts no defect (its units done wrong are caught and
    reworked)   (constraint 6)."""
    sets = ctx.sets
    rows = _target_rows(ctx, "quality_row")
    modes = sets.demand_modes
    terms = Terms(rows.size)
    defect = np.where(reworking_modes(sets), 0.0, 1.0 - modes.quality.to_numpy())
    terms.add(ctx.demand_rows(rows, "demand_modes"), ctx.v["y"], per_period(defect, ctx.T))
    allowance = np.nan_to_num(1.0 - sets.demands.min_quality.to_numpy(dtype=float), nan=0.0)[:, None]
    ctx.add_served(terms, rows, -allowance)
    return at_most(terms, 0.0)


def response_time_target(ctx: Context) -> Rows:
    """sum_a l[a] x + sum_{n,m} (p[n,m] + w[n]) y + sum_{n,l} w[n,l,t] q[d,n,l,t] + L b[d,t]
    + sum_{n,m} tau_rw[n,m] w[d,n,m,t] - T[d] served[d,t] <= 0, demands whose row can bind
    (constraint 7). With intervals the lane's wait is the mean over the period's units,
    w[d,n,l,t] = sum_i omega pi[d,i] w[n,l,i,t].

    At a storable node orders may be filled from stock, so the node adds (p[n] + w[n]) theta[d,n,t]
    (its own processing and wait times the orders arriving) instead of its modes' terms. At a queued
    node w[n] = 0 and the wait of the lane each unit is routed to counts instead.
    """
    sets, v = ctx.sets, ctx.v
    rows = _target_rows(ctx, "response_row")
    arcs, modes, nodes = sets.demand_arcs, sets.demand_modes, sets.demand_nodes
    terms = Terms(rows.size)
    terms.add(ctx.demand_rows(rows, "demand_arcs"), v["x"], per_period(arcs.lead_time, ctx.T))
    flowing = ~modes.storable.to_numpy(dtype=bool)
    mode_time = (modes.processing_time + modes.wait_time).to_numpy(dtype=float)
    terms.add(ctx.demand_rows(rows, "demand_modes"), v["y"], per_period(np.where(flowing, mode_time, 0.0), ctx.T))
    # Storable nodes: (p + w) times the orders arriving: the arcs into the node, and served at an origin.
    storable = nodes.storable.to_numpy(dtype=bool)
    node_time = np.where(storable, nodes.node_time.to_numpy(dtype=float), 0.0)
    into = sets.position("demand_nodes", ["demand", "node"], "demand_arcs", ["demand", "target"])
    terms.add(ctx.demand_rows(rows, "demand_arcs"), v["x"], per_period(node_time[into], ctx.T))
    reworks = sets.demand_reworks
    back = sets.position("demand_nodes", ["demand", "node"], "demand_reworks", ["demand", "to"])
    rework_time = reworks.time.to_numpy(dtype=float) + node_time[back]  # a storable `to`: its times again
    terms.add(ctx.demand_rows(rows, "demand_reworks"), v["w"], per_period(rework_time, ctx.T))
    terms.add(rows, v["b"], sets.period_length)
    terms.add(ctx.demand_rows(rows, "demand_lanes"), v["q"], sets.per_demand_lane(ctx.tangents.lane_wait))
    origin = sets.position("demand_nodes", ["demand", "node"], "demands", ["demand", "origin"])
    limit = np.nan_to_num(sets.demands.max_mean_response_time.to_numpy(dtype=float), nan=0.0)
    ctx.add_served(terms, rows, (node_time[origin] - limit)[:, None])
    return at_most(terms, 0.0)


def final_backlog(ctx: Context) -> Rows:
    """b[d,last] <= final_backlog[d]   (constraint 8)."""
    demands = ctx.sets.demands
    terms = Terms(len(demands))
    terms.add(np.arange(len(demands)), ctx.v["b"][:, -1], 1.0)
    return at_most(terms, demands.final_backlog.to_numpy(dtype=float))


def final_stock(ctx: Context) -> Rows:
    """k[d,n,last] >= final_min[d,n]   (constraint 8)."""
    stocks = ctx.sets.stocks
    terms = Terms(len(stocks))
    terms.add(np.arange(len(stocks)), ctx.v["k"][:, -1], 1.0)
    return at_least(terms, stocks.final_min.to_numpy(dtype=float))


def lane_split(ctx: Context) -> Rows:
    """sum_l q[d,n,l,t] - sum_l lost[d,n,l,t] - sum_m y[d,n,m,t] = 0 at a queued node: each unit is
    offered to one lane (q), and answered (y) or lost there   (constraint 9)."""
    sets, v = ctx.sets, ctx.v
    terms = Terms(len(sets.demand_nodes) * ctx.T)
    terms.add(ctx.balance_rows("demand_lanes", "node"), v["q"], 1.0)
    terms.add(ctx.balance_rows("demand_lanes", "node"), v["lost"], -1.0)
    queued = sets.demand_modes.node.isin(sets.queue_nodes.node).to_numpy()
    terms.add(only_where(queued, ctx.balance_rows("demand_modes", "node")), v["y"], -1.0)
    return equal(terms, 0.0)


def _queue_requirement(ctx: Context, lanes: np.ndarray, slope: np.ndarray, intercept: np.ndarray) -> Rows:
    """a[n,l,i,t] - slope[n,l,i,t] sum_d pi[d,i] q[d,n,l,t] >= intercept[n,l,i,t] for the `lanes`
    (queue rows) that have the target; pi = 1 without intervals."""
    sets, v, queues = ctx.sets, ctx.v, ctx.sets.queues
    rows = only_where(lanes, period_grid(len(queues), ctx.T))
    terms = Terms(rows.size)
    terms.add(rows, v["a"], 1.0)
    j, k, c = sets.lane_pairs()
    terms.add(rows[j], v["q"][k], -slope[j] * c[:, None])
    return at_least(terms, np.where(rows >= 0, intercept, 0.0).ravel())


def queue_service_level(ctx: Context) -> Rows:
    """a[n,l,t] - gamma[n,l,t] sum_d q[d,n,l,t] >= beta[n,l,t]: the tangent at the load A0 of the agents
    a service-level target needs, a >= open (g(A0) + g'(A0) (A - A0)) with A = peak h sum_d q / open,
    so gamma = g'(A0) peak h (hours per unit), beta = open (g(A0) - g'(A0) A0); g by the lane's queue
    model (erlang_c, erlang_a, erlang_b), the larger of what its service level and its most share
    abandoned (erlang_a) or blocked (erlang_b) need   (constraint 10)."""
    queues, tangents = ctx.sets.queues, ctx.tangents
    lanes = (queues.service_level.notna() | queues.max_abandoned.notna() | queues.max_blocked.notna()).to_numpy()
    return _queue_requirement(ctx, lanes, tangents.service_level_slope, tangents.service_level_intercept)


def queue_average_wait(ctx: Context) -> Rows:
    """The same tangent for the agents that keep the lane's average wait at or below w[n,l,t], the
    wait its units add to response times; every lane   (constraint 10)."""
    queues, tangents = ctx.sets.queues, ctx.tangents
    return _queue_requirement(ctx, np.ones(len(queues), dtype=bool), tangents.wait_slope, tangents.wait_intercept)


def queue_duty(ctx: Context) -> Rows:
    """sum_l a[n,l,i,t] - sum_r h_i / W[n] (D[n,r] s[n,r,t] + E[n,r] o[n,r,t]) <= 0: the lanes share the
    staff on duty, D = min(H[r], W[n]) and E = min(1, (W[n] - H[r]) / OT[r]) (0 when H >= W), so that
    no one counts for more than the queue's hours; W[n] = open[n] and h_i = open[n] without intervals
    (one row per (n, t)), W[n] = omega sum_i h_i with them (staff spread evenly over the period's
    intervals, one row per (n, i, t))   (constraint 11). The staff terms: `IndexSets.duty_terms`."""
    sets, v = ctx.sets, ctx.v
    terms = Terms(len(sets.queue_nodes) * ctx.T)
    terms.add(period_rows(sets.position("queue_nodes", ["node", "interval"], "queues"), ctx.T), v["a"], 1.0)
    for variable, at, row, hours in sets.duty_terms():
        terms.add(period_rows(at, ctx.T), v[variable][row], -hours[:, None])
    return at_most(terms, 0.0)


def lane_loss(ctx: Context) -> Rows:
    """lost[d,n,l,t] - l[d,n,l,t] q[d,n,l,t] = 0 in the lanes of erlang_a and erlang_b queues: the lane
    loses the share l of the units offered to it that it loses at the staffing its rows require at its
    load (abandoned or blocked; the queue iterations refigure it), with intervals the mean over the
    period's units, l[d,n,l,t] = sum_i omega pi[d,i] l[n,l,i,t]   (constraint 9)."""
    sets, v = ctx.sets, ctx.v
    rows = only_where(sets.lossy_lanes(), period_grid(len(sets.demand_lanes), ctx.T))
    terms = Terms(rows.size)
    terms.add(rows, v["lost"], 1.0)
    terms.add(rows, v["q"], -sets.per_demand_lane(ctx.tangents.lost_share))
    return equal(terms, 0.0)


def reworking_modes(sets: IndexSets) -> np.ndarray:
    """Per demand_modes row: whether the mode reworks the demand's units done wrong."""
    return sets.position("demand_reworks", ["demand", "node", "mode"], "demand_modes") >= 0


def rework_volume(ctx: Context) -> Rows:
    """w[d,n,m,t] - (1 - q[n,m]) y[d,n,m,t] = 0: the units done wrong at a mode with `rework` are
    reworked, sent back to `to` (constraint 12)."""
    sets, v = ctx.sets, ctx.v
    reworks = sets.demand_reworks
    rows = period_grid(len(reworks), ctx.T)
    mode = sets.position("demand_modes", ["demand", "node", "mode"], "demand_reworks")
    terms = Terms(rows.size)
    terms.add(rows, v["w"], 1.0)
    terms.add(rows, v["y"][mode], -per_period(reworks.defect.to_numpy(), ctx.T))
    return equal(terms, 0.0)


def business_rule(ctx: Context) -> Rows:
    """sum_i g[i] var[i,t] - share[r] sum_j g[j] var[j,t] (<= | >= | ==) bound[r], over the terms i of
    the rule's sum and j of its `of` sum that its filters select (g: 1, hours per unit or a price),
    in each period its sum selects (`per: period`), or one row in the last period summing every
    period its sides select (`per: horizon`); share = 0 without `of`, bound = 0 with it
    (constraint 13)."""
    sets, T = ctx.sets, ctx.T
    rules = sets.rules
    terms = Terms(len(rules) * T)
    if not len(rules):
        return Rows(terms, np.zeros(0), np.zeros(0))
    has_row = rows_of(sets)
    horizon = (rules["per"] == "horizon").to_numpy()
    share = rules["share"].to_numpy(dtype=float)
    for variable, group in sets.rule_terms.groupby("variable", sort=False):
        rule, side = group["rule"].to_numpy(), group["side"].to_numpy()
        coef = group["weight"].to_numpy(dtype=float) * np.where(side == 0, 1.0, -share[rule])
        row = np.where(horizon[rule, None], rule[:, None] * T + T - 1, rule[:, None] * T + np.arange(T)[None, :])
        counted = sets.rule_periods[rule, side] & (horizon[rule, None] | has_row[rule])
        terms.add(np.where(counted, row, -1), ctx.v[str(variable)][group["row"].to_numpy()], coef[:, None])
    sense, bound = rules["sense"].to_numpy(), rules["bound"].to_numpy(dtype=float)
    lower = np.where(sense == "<=", -np.inf, bound)[:, None] * np.ones((1, T))
    upper = np.where(sense == ">=", np.inf, bound)[:, None] * np.ones((1, T))
    return Rows(terms, np.where(has_row, lower, -np.inf).ravel(), np.where(has_row, upper, np.inf).ravel())


# --- sites: open, close and size the network (docs/model.md, Sites) ---------------------------------


def _at(grid: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The lines `at` of a (rows x T) grid of ids, -1 where `at` is -1 (the grid may be empty)."""
    if not len(grid):
        return np.full((len(at), grid.shape[1]), -1, dtype=np.int64)
    return np.where((at >= 0)[:, None], grid[np.maximum(at, 0)], -1)


def _site_rows(ctx: Context, where: np.ndarray) -> np.ndarray:
    """(sites x T) row ids of a per-site family, -1 where the site has no such row."""
    return only_where(where, period_grid(len(ctx.sets.sites), ctx.T))


def _throughput(ctx: Context, terms: Terms, rows: np.ndarray) -> None:
    """Add sum_d sum_m y[d,n,m,t] to each site's rows (sites x T)."""
    at = ctx.sets.position("sites", ["node"], "demand_modes")
    terms.add(_at(rows, at), ctx.v["y"], 1.0)


def site_closed(ctx: Context) -> Rows:
    """sum_d sum_m y[d,n,m,t] - M[n] open[n,t] <= 0: a closed node processes nothing; M[n] its capacity,
    else the volume that could reach it (model/network.py `_sites`); sites whose `open` is not
    `always`, without capacity levels (there sum_l level = open and the level capacity row imply it)
    (constraint 14)."""
    sites = ctx.sets.sites
    levelled = np.isin(np.arange(len(sites)), ctx.sets.position("sites", ["node"], "site_levels"))
    rows = _site_rows(ctx, (sites.open.to_numpy() != "always") & ~levelled)
    terms = Terms(rows.size)
    _throughput(ctx, terms, rows)
    terms.add(rows, ctx.v["open"], -sites.big_m.to_numpy(dtype=float)[:, None])
    return at_most(terms, 0.0)


def site_min_volume(ctx: Context) -> Rows:
    """sum_d sum_m y[d,n,m,t] - mv[n] open[n,t] >= 0: an open node processes at least its min_volume;
    sites with min_volume > 0   (constraint 14)."""
    sites = ctx.sets.sites
    least = sites.min_volume.to_numpy(dtype=float)
    rows = _site_rows(ctx, least > 0)
    terms = Terms(rows.size)
    _throughput(ctx, terms, rows)
    terms.add(rows, ctx.v["open"], -least[:, None])
    return at_least(terms, 0.0)


def _site_of_staff(ctx: Context) -> np.ndarray:
    """Each staff row's site row where its node may be closed (-1 elsewhere)."""
    at = ctx.sets.position("sites", ["node"], "staff")
    return np.where(ctx.sets.staff.switchable.to_numpy(dtype=bool), at, -1)


def staff_ceiling(sets: IndexSets) -> np.ndarray:
    """Smax[n,r], the most FTE of r at n while open: the staff max, else the FTE that M[n] units would
    need without overtime, M h / (rho H) with h the role's largest hours per unit there, and at
    least the staff min (so that an open node can hold it)."""
    staff, modes = sets.staff, sets.demand_modes
    at = sets.position("staff", ["node", "role"], "demand_modes", ["node", "mode"])
    hours = np.zeros(len(staff))
    staffed = modes.role.notna().to_numpy() & (at >= 0)
    np.maximum.at(hours, at[staffed], modes.hours_per_unit.to_numpy(dtype=float)[staffed])
    site = sets.position("sites", ["node"], "staff")
    big_m = np.append(sets.sites.big_m.to_numpy(dtype=float), 0.0)[site]  # -1: no site, M = 0
    need = big_m * hours / (staff.max_utilisation.to_numpy(dtype=float) * staff.hours_per_fte.to_numpy(dtype=float))
    ceiling = np.where(np.isfinite(staff["max"].to_numpy(dtype=float)), staff["max"].to_numpy(dtype=float), need)
    return np.maximum(ceiling, staff["min"].to_numpy(dtype=float))


def site_staff(ctx: Context) -> Rows:
    """s[n,r,t] - Smax[n,r] open[n,t] <= 0: no staff at a closed node (`staff_ceiling`); staff rows at
    nodes that may be closed   (constraint 14)."""
    site = _site_of_staff(ctx)
    rows = only_where(site >= 0, period_grid(len(ctx.sets.staff), ctx.T))
    terms = Terms(rows.size)
    terms.add(rows, ctx.v["s"], 1.0)
    terms.add(rows, _at(ctx.v["open"], site), -staff_ceiling(ctx.sets)[:, None])
    return at_most(terms, 0.0)


def site_staff_min(ctx: Context) -> Rows:
    """s[n,r,t] - min[n,r] open[n,t] >= 0: the staff minimum holds while open (it replaces the bound);
    staff rows with min > 0 at nodes that may be closed   (constraint 14)."""
    site = _site_of_staff(ctx)
    least = ctx.sets.staff["min"].to_numpy(dtype=float)
    rows = only_where((site >= 0) & (least > 0), period_grid(len(ctx.sets.staff), ctx.T))
    terms = Terms(rows.size)
    terms.add(rows, ctx.v["s"], 1.0)
    terms.add(rows, _at(ctx.v["open"], site), -least[:, None])
    return at_least(terms, 0.0)


def site_level_choice(ctx: Context) -> Rows:
    """sum_l level[n,l,t] - open[n,t] = 0: an open node runs at exactly one level, a closed one at none;
    sites with capacity levels   (constraint 15)."""
    sites = ctx.sets.sites
    level_site = ctx.sets.position("sites", ["node"], "site_levels")
    rows = _site_rows(ctx, np.isin(np.arange(len(sites)), level_site))
    terms = Terms(rows.size)
    terms.add(_at(rows, level_site), ctx.v["level"], 1.0)
    terms.add(rows, ctx.v["open"], -1.0)
    return equal(terms, 0.0)


def site_level_capacity(ctx: Context) -> Rows:
    """sum_d sum_m y[d,n,m,t] - sum_l cap[n,l] level[n,l,t] <= 0: the node's capacity is its chosen
    level's; sites with capacity levels   (constraint 15)."""
    sites, levels = ctx.sets.sites, ctx.sets.site_levels
    level_site = ctx.sets.position("sites", ["node"], "site_levels")
    rows = _site_rows(ctx, np.isin(np.arange(len(sites)), level_site))
    terms = Terms(rows.size)
    _throughput(ctx, terms, rows)
    terms.add(_at(rows, level_site), ctx.v["level"], -levels.capacity.to_numpy(dtype=float)[:, None])
    return at_most(terms, 0.0)


def site_horizon(ctx: Context) -> Rows:
    """open[n,t] - open[n,t-1] = 0 for t >= 2: one decision for the whole horizon; sites with
    `open: decide` and `decide_per: horizon`   (constraint 16)."""
    sites = ctx.sets.sites
    once = (sites.open.to_numpy() == "decide") & ~sites.per_period.to_numpy(dtype=bool)
    rows = _site_rows(ctx, once)
    rows[:, 0] = -1
    terms = Terms(rows.size)
    terms.add(rows, ctx.v["open"], 1.0)
    terms.add(rows, shifted(ctx.v["open"]), -1.0)
    return equal(terms, 0.0)


def level_horizon(ctx: Context) -> Rows:
    """level[n,l,t] - level[n,l,t-1] = 0 for t >= 2: one level for the whole horizon; levels of nodes
    with `decide_per: horizon`   (constraint 16)."""
    levels = ctx.sets.site_levels
    rows = only_where(~levels.per_period.to_numpy(dtype=bool), period_grid(len(levels), ctx.T))
    rows[:, 0] = -1
    terms = Terms(rows.size)
    terms.add(rows, ctx.v["level"], 1.0)
    terms.add(rows, shifted(ctx.v["level"]), -1.0)
    return equal(terms, 0.0)


# --- shifts: rosters of shift patterns (docs/model.md, Shifts) -------------------------------------


def roster_rows(ctx: Context) -> np.ndarray:
    """(rosters x T) row ids of a per-(node, role, interval) family: every row of the rosters table."""
    return period_grid(len(ctx.sets.rosters), ctx.T)


def rostered_heads(ctx: Context, terms: Terms, rows: np.ndarray, coef: np.ndarray) -> None:
    """Add coef[k] x heads[n,r,i,t] = coef[k] x sum_p cover[p,i] e[n,r,p,t] to each rosters row k's
    ids `rows` (rosters x T; -1: no row), coef one figure per rosters row."""
    sets = ctx.sets
    if not len(sets.patterns):
        return
    first = roster_start(sets, "patterns")
    pattern, interval = np.nonzero(sets.cover)
    at = first[pattern] + interval
    terms.add(rows[at], ctx.v["e"][pattern], np.asarray(coef, dtype=float)[at][:, None])


def add_rostered_duty(ctx: Context, terms: Terms, rows: np.ndarray, coef: np.ndarray | None = None) -> None:
    """For the queue duty row per (node, interval): add -(1 - shrinkage[r]) x hours[i] x heads[n,r,i,t]
    (the hours on duty the roster gives, docs/model.md, Shifts) to the row ids `rows` (rosters x T:
    the duty row of each rosters row's node and interval, -1 where none), or -coef x heads when coef
    (one figure per rosters row) is given."""
    rosters = ctx.sets.rosters
    duty = (1.0 - rosters.shrinkage.to_numpy(dtype=float)) * rosters.hours.to_numpy(dtype=float)
    rostered_heads(ctx, terms, rows, -(duty if coef is None else np.asarray(coef, dtype=float)))


def roster_labour(ctx: Context) -> Rows:
    """sum_d h[d,n,r] pi[d,i] y[d,n,r,t] - rho[n] h[i] (1 - shrink[r]) sum_p cover[p,i] e[n,r,p,t] <= 0:
    the work of rostered role r at n arriving in one occurrence of interval i fits the hours its agents
    on duty give there (heads on the patterns covering i, less shrinkage); replaces the labour row (3)
    of a rostered (n, r)   (constraint 17)."""
    sets, v, rosters = ctx.sets, ctx.v, ctx.sets.rosters
    rows = roster_rows(ctx)
    terms = Terms(rows.size)
    if not len(rosters):
        return at_most(terms, 0.0)
    modes = sets.demand_modes
    first = roster_start(sets, "demand_modes", ["node", "mode"])
    loading = np.nonzero(modes.role.notna().to_numpy() & (first >= 0))[0]
    intervals = len(sets.intervals)
    shares = sets.shares[sets.demand_of("demand_modes")[loading]]  # (loading modes x intervals)
    work = modes.hours_per_unit.to_numpy(dtype=float)[loading, None] * shares
    at = first[loading, None] + np.arange(intervals)[None, :]
    terms.add(rows[at.ravel()], np.repeat(v["y"][loading], intervals, axis=0), work.ravel()[:, None])
    on_duty = rosters.max_utilisation * rosters.hours * (1.0 - rosters.shrinkage)
    rostered_heads(ctx, terms, rows, -on_duty.to_numpy(dtype=float))
    return at_most(terms, 0.0)


def roster_fte(ctx: Context) -> Rows:
    """s[n,r,t] - sum_p f[p] e[n,r,p,t] = 0, f[p] = weight x (hours p covers) / H[r]: the FTE of a
    rostered role is its heads' covered hours in FTE (what hiring, bounds and rules count)
    (constraint 18)."""
    sets, v, staff = ctx.sets, ctx.v, ctx.sets.staff
    rows = only_where(staff.rostered.to_numpy(dtype=bool), period_grid(len(staff), ctx.T))
    terms = Terms(rows.size)
    terms.add(rows, v["s"], 1.0)
    at = sets.position("staff", ["node", "role"], "patterns")
    terms.add(_at(rows, at), v["e"], -sets.patterns.fte.to_numpy(dtype=float)[:, None])
    return equal(terms, 0.0)


@dataclass(frozen=True)
class Relaxable:
    """How the infeasibility diagnosis may relax a family's rows: its weight in
    `solver.relaxation_weights`, the bound that gives way, and the figure a relaxation of each row is
    measured against (so that slack / measure is a share of what the scenario asked)."""

    weight: str
    bound: str  # "upper", "lower", or "sense" (per row: the rules table's sense; "==" gives way both ways)
    measure: Callable[[IndexSets, pd.DataFrame], np.ndarray]  # per row, from the rows' labels


def _volume_at(sets: IndexSets, labels: pd.DataFrame) -> np.ndarray:
    """V[d,t] of each row's demand and period."""
    demand = pd.Index(sets.demands.demand).get_indexer(labels.demand)
    return sets.volumes[demand, pd.Index(sets.periods).get_indexer(labels.period)]


def _figure_at(table: str, keys: list[str], column: str) -> Callable[[IndexSets, pd.DataFrame], np.ndarray]:
    def measure(sets: IndexSets, labels: pd.DataFrame) -> np.ndarray:
        index = getattr(sets, table)
        return index[column].to_numpy(dtype=float)[position(index, keys, labels)]

    return measure


def _defects_allowed(sets: IndexSets, labels: pd.DataFrame) -> np.ndarray:
    """The volume: a slack of the quality row over it is the share of quality given up."""
    return _volume_at(sets, labels)


def _time_allowed(sets: IndexSets, labels: pd.DataFrame) -> np.ndarray:
    """V[d,t] T[d]: a slack of the response-time row over it is the share of time added."""
    return _volume_at(sets, labels) * _figure_at("demands", ["demand"], "max_mean_response_time")(sets, labels)


def _final_backlog_measure(sets: IndexSets, labels: pd.DataFrame) -> np.ndarray:
    return np.maximum(_figure_at("demands", ["demand"], "final_backlog")(sets, labels), _volume_at(sets, labels))


def _rule_measure(sets: IndexSets, labels: pd.DataFrame) -> np.ndarray:
    """|bound| of a rule without `of`; share x the volume of every demand in the row's period (of the
    horizon for `per: horizon`) with it: the scale its slack is a share of (at least 1)."""
    rules = sets.rules
    at = position(rules, ["rule"], labels)
    share, bound = rules["share"].to_numpy(dtype=float)[at], rules["bound"].to_numpy(dtype=float)[at]
    period = pd.Index(sets.periods).get_indexer(labels.period)
    volume = sets.volumes.sum(axis=0)
    horizon = (rules["per"] == "horizon").to_numpy()[at]
    scale = np.where(horizon, volume.sum(), volume[period])
    has_of = rules["of_quantity"].notna().to_numpy()[at]
    return np.maximum(np.where(has_of, share * scale, np.abs(bound)), 1.0)


@dataclass(frozen=True)
class Family:
    """One family of rows: `name[keys..., period]` over the rows of an index table."""

    name: str
    build: Callable[[Context], Rows]
    table: str  # the IndexSets table its rows run over
    keys: tuple[str, ...]
    number: str  # its constraint number in model.md
    last_period: bool = False  # one row per index row, in the last period only
    relax: Relaxable | None = None
    field: str | None = None  # the scenario field its bound comes from, over the label's keys

    @property
    def formula(self) -> str:
        return (self.build.__doc__ or "").strip()


DEMAND_NODE = ("demand", "node")
STAFF = ("node", "role")
QUEUE_ROW = ("node", "lane", "interval")  # "interval" labels rows only when the scenario has intervals

FAMILIES: tuple[Family, ...] = (
    Family("pass_through", pass_through, "demand_nodes", DEMAND_NODE, "1"),
    Family("work_balance", work_balance, "demand_nodes", DEMAND_NODE, "2"),
    Family("labour_capacity", labour_capacity, "staff", STAFF, "3", field="nodes.{node}.staff.{role}"),
    Family("overtime_limit", overtime_limit, "staff", STAFF, "3", field="nodes.{node}.staff.{role}"),
    Family("staff_balance", staff_balance, "staff", STAFF, "4", field="nodes.{node}.staff.{role}"),
    Family(
        "node_capacity_limit",
        node_capacity_limit,
        "nodes",
        ("node",),
        "5",
        relax=Relaxable("node_capacity", "upper", _figure_at("nodes", ["node"], "capacity")),
        field="nodes.{node}.capacity",
    ),
    Family(
        "arc_capacity_limit",
        arc_capacity_limit,
        "arcs",
        ("arc",),
        "5",
        relax=Relaxable("arc_capacity", "upper", _figure_at("arcs", ["arc"], "capacity")),
        field="arcs[{arc_index}].capacity",
    ),
    Family(
        "quality_target",
        quality_target,
        "demands",
        ("demand",),
        "6",
        relax=Relaxable("quality", "upper", _defects_allowed),
        field="demands.{demand}.min_quality",
    ),
    Family(
        "response_time_target",
        response_time_target,
        "demands",
        ("demand",),
        "7",
        relax=Relaxable("response_time", "upper", _time_allowed),
        field="demands.{demand}.max_mean_response_time",
    ),
    Family(
        "final_backlog",
        final_backlog,
        "demands",
        ("demand",),
        "8",
        last_period=True,
        relax=Relaxable("end_of_horizon", "upper", _final_backlog_measure),
        field="demands.{demand}.final_backlog",
    ),
    Family(
        "final_stock",
        final_stock,
        "stocks",
        DEMAND_NODE,
        "8",
        last_period=True,
        relax=Relaxable("end_of_horizon", "lower", _figure_at("stocks", ["demand", "node"], "final_min")),
        field="nodes.{node}.stock.final_min",
    ),
    Family("lane_split", lane_split, "demand_nodes", DEMAND_NODE, "9"),
    Family("queue_service_level", queue_service_level, "queues", QUEUE_ROW, "10", field="nodes.{node}.queue"),
    Family("queue_average_wait", queue_average_wait, "queues", QUEUE_ROW, "10", field="nodes.{node}.queue"),
    Family("queue_duty", queue_duty, "queue_nodes", ("node", "interval"), "11", field="nodes.{node}.queue"),
    Family("rework_volume", rework_volume, "demand_reworks", ("demand", "node", "mode"), "12"),
    Family(
        "business_rule",
        business_rule,
        "rules",
        ("rule",),
        "13",
        relax=Relaxable("rules", "sense", _rule_measure),
        field="rules.{rule}",
    ),
    Family("site_closed", site_closed, "sites", ("node",), "14", field="nodes.{node}.open"),
    Family("site_min_volume", site_min_volume, "sites", ("node",), "14", field="nodes.{node}.min_volume"),
    Family("site_staff", site_staff, "staff", STAFF, "14", field="nodes.{node}.open"),
    Family("site_staff_min", site_staff_min, "staff", STAFF, "14", field="nodes.{node}.staff.{role}.min"),
    Family("site_level_choice", site_level_choice, "sites", ("node",), "15", field="nodes.{node}.capacity_levels"),
    Family(
        "site_level_capacity",
        site_level_capacity,
        "sites",
        ("node",),
        "15",
        relax=Relaxable("node_capacity", "upper", _figure_at("sites", ["node"], "big_m")),
        field="nodes.{node}.capacity_levels",
    ),
    Family("site_horizon", site_horizon, "sites", ("node",), "16", field="nodes.{node}.decide_per"),
    Family("level_horizon", level_horizon, "site_levels", ("node", "level"), "16", field="nodes.{node}.decide_per"),
    Family("lane_loss", lane_loss, "demand_lanes", ("demand", "node", "lane"), "9", field="nodes.{node}.queue"),
    Family(
        "roster_labour",
        roster_labour,
        "rosters",
        ("node", "role", "interval"),
        "17",
        field="nodes.{node}.work.{role}.shifts",
    ),
    Family("roster_fte", roster_fte, "staff", STAFF, "18", field="nodes.{node}.work.{role}.shifts"),
)
"""Every constraint family, in the order of model.md; rows are numbered in this order."""

BY_NAME = {family.name: family for family in FAMILIES}
