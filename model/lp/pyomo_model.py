"""The formulation of record: the LP of docs/model.md written as a readable Pyomo model.

Every solve goes through `model.lp.build`, which assembles the LP with numpy from the index tables
(model/lp/families.py). This module writes the same LP a second time, independently, the way
docs/model.md states it, so that people can read it against the document, extend it with Pyomo, and
write it out as an LP or MPS file. It reads `VARIABLES`, `FAMILIES` and `COST_TERMS` only for their
names; no row here comes from model/lp/families.py.

How it maps to docs/model.md:

- **Sets**: one Pyomo `Set` per index table of `IndexSets` (model.md, Sets), over the table's key
  tuples (`lp.demand_arcs` holds (demand, arc), `lp.staff` (node, role), ...), and `lp.periods`.
- **Variables** (model.md, Variables): one `Var` per family of `VARIABLES`, named as there and indexed
  by (its index table's keys..., period): x[d,a,t], y[d,n,m,t], z[d,n,t], v[d,t], s[n,r,t], o[n,r,t],
  hire[n,r,t], fire[n,r,t], k[d,n,t], b[d,t], u[d,t], q[d,n,l,t], a[n,l,t], open[n,t], level[n,l,t]
  (`Binary` where a site is decided: docs/model.md, Sites). Each exists exactly where
  the production family does, with the same bounds: the volume v[d,t] is a column held at V[d,t] by
  its bounds (so that its reduced cost is the volume's marginal cost), min <= s <= max (integer with
  `integer_staff`), q bounded at 0 in a lane the queue iterations closed, everything else >= 0.
- **Constraints** (model.md, Constraints 1 to 11, and Sites 14 to 16): one `Constraint` per family of
  `FAMILIES`, named as there, indexed by (its index table's keys..., period), the end-of-horizon rows in the last period
  only. Each rule (a method of `Rules`, its formula in its docstring and in the component's `doc`)
  collects the row's terms as (coefficient, variable) pairs, variables on the left and constants on
  the right, served[d,t] and theta[d,n,t] written out as model.md defines them. As in model.md, terms
  with a zero coefficient are left out, and a row that no decision enters (the fixed volume is no
  decision) is not built (`Constraint.Skip`), nor are the rows model.md leaves out (labour rows no
  demand can load, target rows no plan can bind: the demands table's `quality_row`/`response_row`).
- **Objective** (model.md, Objective): `lp.cost[category]`, one `Expression` per category of
  `COST_TERMS`, `lp.forgone_revenue` (under `objective: margin`, the price of every unit never
  served; empty under cost), and `lp.objective`, the sum of those and of any cost terms an extension
  added (`lp.extension_cost[name]`).

Extending (after PyPSA's `extra_functionality`): `extend_pyomo(lp, sets, fn)` calls `fn(lp, parts)`;
`fn` adds Pyomo variables and constraints to `lp` as it likes, and cost terms with
`parts.add_cost(name, expression)` (data/extensions.py has two examples). `to_linear_model` compiles
the model with Pyomo's `LinearStandardFormCompiler` into a `model.lp.LinearModel` that
`model.solve.Solver` loads and solves like the production LP: its variable and constraint families
are found by label (component name and index), so values, duals and ranging read back per family;
what the extension added stays in the matrix, in no family. `extension_costs` gives the value of each
added cost term at a solution. `write_lp` writes the model with Pyomo's own LP and MPS writers.

How the tests compare it with the production LP (tests/lp/test_pyomo_record.py): on hand-made,
example, queued, generated multi-period and integer-staff scenarios, both LPs are turned into dicts
keyed by label, (family, keys..., period): every column's bounds, cost and integrality, every row's
bounds, and every nonzero coefficient (row label, column label) must agree to a relative 1e-12, and
every variable and constraint family must have columns or rows in some case. The compiled Pyomo
model is solved too, and must give the production LP's optimum and values.
"""

from __future__ import annotations

import math
import os
import secrets
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.common.gc_manager import PauseGC
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.base.indexed_component import IndexedComponent
from pyomo.core.base.var import VarData
from pyomo.core.expr.numeric_expr import LinearExpression
from pyomo.core.expr.relational_expr import RelationalExpression
from pyomo.opt import ProblemFormat
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler
from pyomo.repn.standard_repn import generate_standard_repn

from model.errors import InfeasibleRow
from model.lp import LinearModel, RowBlock
from model.lp.assemble import Numbers
from model.lp.families import BY_NAME as FAMILY
from model.lp.families import FAMILIES
from model.lp.objective import CATEGORIES
from model.lp.tangents import QueueTangents
from model.lp.variables import BY_NAME as VARIABLE
from model.lp.variables import VARIABLES
from model.network import IndexSets

Term = tuple[float, VarData | None]
"""One term of a row: coefficient x variable; None where the family has no such variable (e.g. the
backlog of a demand without one, or stock in the period before the first)."""

Row: TypeAlias = RelationalExpression | type[IndexedComponent.Skip]
"""What a constraint rule returns: its row (variables on the left, a constant on the right), or
Constraint.Skip where the family builds no row."""

Extension = Callable[[pyo.ConcreteModel, "Parts"], None]
"""A user's function `fn(lp, parts)` that adds to the model (see `extend_pyomo`)."""


# --- look-ups -----------------------------------------------------------------------------------------


def _records(table: pd.DataFrame, *keys: str) -> dict[Any, Any]:
    """Each row of an index table as a named tuple of its figures, by its key tuple (by its key, for
    a table with one key column)."""
    if len(keys) == 1:
        return {getattr(row, keys[0]): row for row in table.itertuples(index=False)}
    return {tuple(getattr(row, key) for key in keys): row for row in table.itertuples(index=False)}


_Key = TypeVar("_Key", bound=Hashable)
_Item = TypeVar("_Item")


def _grouped(pairs: Iterable[tuple[_Key, _Item]]) -> defaultdict[_Key, list[_Item]]:
    found: defaultdict[_Key, list[_Item]] = defaultdict(list)
    for key, item in pairs:
        found[key].append(item)
    return found


class Tables:
    """Plain dict look-ups over the index tables, made once, so that every rule is a few dict reads
    and the build stays linear in the size of the tables.

    Figures, by key: `demand[d]`, `arc[a]`, `node[n]`, `mode[d,n,m]`, `place[d,n]` (the
    demand_nodes row: origin, storable, node_time), `stock[d,n]`, `staff[n,r]`, `lane[n,l]`.
    Who meets where: `arcs_into[d,n]`, `arcs_out_of[d,n]`, `modes_at[d,n]`, `arcs_of[d]`,
    `modes_of[d]` ((n, m) pairs), `lanes_of[d]` ((n, l) pairs), `storable_at[d]` (nodes),
    `loaders[n,r]` (demands whose mode r at n loads the staff), `node_users[n]` ((d, m) pairs),
    `arc_users[a]` (demands), `lane_users[n,l]` (demands), `lanes_at[n]`, `roles_at[n]`.
    Rework: `rework[d,n,m]` (to, cost, time, defect), `reworked_at[d,n]` (modes), `sent_back_to[d,n]`
    ((n', m) whose units done wrong come back to n), `reworks_of[d]` ((n, m) pairs).
    """

    def __init__(self, sets: IndexSets, tangents: QueueTangents) -> None:
        self.periods = list(sets.periods)
        self.first, self.last = self.periods[0], self.periods[-1]
        self.before = dict(zip(self.periods[1:], self.periods[:-1]))  # t -> t-1
        self.period_at = {t: i for i, t in enumerate(self.periods)}
        self.period_length = sets.period_length

        self.demand = _records(sets.demands, "demand")
        self.volume = {
            (d, t): float(sets.volumes[i, j])
            for i, d in enumerate(sets.demands.demand)
            for j, t in enumerate(self.periods)
        }
        self.arc = _records(sets.arcs, "arc")
        self.node = _records(sets.nodes, "node")
        self.mode = _records(sets.demand_modes, "demand", "node", "mode")
        self.place = _records(sets.demand_nodes, "demand", "node")
        self.stock = _records(sets.stocks, "demand", "node")
        self.staff = _records(sets.staff, "node", "role")
        self.lane = _records(sets.queues, "node", "lane", "interval")
        self.lane_row = {key: i for i, key in enumerate(self.lane)}  # the row's place in the tangents' grids
        self.duty = _records(sets.queue_nodes, "node", "interval")
        # Intervals ("" alone without): pi[d,i] the share of d's period volume in one occurrence of i.
        self.intervals = list(sets.intervals.interval) or [""]
        self.weight = sets.interval_weight
        self.share = {
            (d, i): float(sets.shares[row, col]) if len(sets.intervals) else 1.0
            for row, d in enumerate(sets.demands.demand)
            for col, i in enumerate(self.intervals)
        }

        arcs = list(sets.demand_arcs[["demand", "arc", "source", "target"]].itertuples(index=False, name=None))
        modes = list(sets.demand_modes[["demand", "node", "mode", "role"]].itertuples(index=False, name=None))
        lanes = list(sets.demand_lanes[["demand", "node", "lane"]].itertuples(index=False, name=None))
        self.arcs_into = _grouped(((d, target), a) for d, a, _, target in arcs)
        self.arcs_out_of = _grouped(((d, source), a) for d, a, source, _ in arcs)
        self.arcs_of = _grouped((d, a) for d, a, _, _ in arcs)
        self.arc_users = _grouped((a, d) for d, a, _, _ in arcs)
        self.modes_at = _grouped(((d, n), m) for d, n, m, _ in modes)
        self.modes_of = _grouped((d, (n, m)) for d, n, m, _ in modes)
        self.node_users = _grouped((n, (d, m)) for d, n, m, _ in modes)
        self.loaders = _grouped(
            ((n, role), d) for d, n, _, role in modes if role is not None and (n, role) in self.staff
        )
        self.storable_at = _grouped((d, n) for (d, n), place in self.place.items() if place.storable)
        self.lanes_of = _grouped((d, (n, lane)) for d, n, lane in lanes)
        self.lane_users = _grouped(((n, lane), d) for d, n, lane in lanes)
        self.lanes_at = _grouped((n, lane) for n, lane, i in self.lane if i == self.intervals[0])
        # Queues that lose units (erlang_a, erlang_b): lost[d,n,l,t] exists in their lanes; the units
        # go to the queue's overflow where the demand may use it (else they are unmet).
        self.lossy = {n for (n, _, _), row in self.lane.items() if row.model != "erlang_c"}
        self.lost_into = _grouped(
            ((d, self.lane[n, lane, self.intervals[0]].overflow), (n, lane))
            for d, n, lane in lanes
            if n in self.lossy and (d, self.lane[n, lane, self.intervals[0]].overflow) in self.place
        )
        # ... and are unmet where it has none (docs/model.md, Abandonment and loss): priced at the demand's
        # unmet_penalty, and its price under objective: margin.
        self.lost_unmet = {
            (d, n, lane)
            for d, n, lane in lanes
            if n in self.lossy and (d, self.lane[n, lane, self.intervals[0]].overflow) not in self.place
        }
        self.roles_at = _grouped((n, r) for n, r in self.staff)
        self.rework = _records(sets.demand_reworks, "demand", "node", "mode")
        self.reworked_at = _grouped(((d, n), m) for d, n, m in self.rework)
        self.sent_back_to = _grouped(((d, row.to), (n, m)) for (d, n, m), row in self.rework.items())
        self.reworks_of = _grouped((d, (n, m)) for d, n, m in self.rework)
        self.site = _records(sets.sites, "node")
        self.level = _records(sets.site_levels, "node", "level")
        self.levels_at = _grouped((n, level) for n, level in self.level)
        hours = _grouped(((n, role), self.mode[d, n, m].hours_per_unit) for d, n, m, role in modes if role is not None)
        self.most_hours = {key: max(found) for key, found in hours.items()}  # h of (n, r): its largest

        # Shifts: patterns[n,r,p], who covers (n, r, interval), the rosters rows (pi[d,i] is above).
        self.pattern = _records(sets.patterns, "node", "role", "pattern")
        self.patterns_of = _grouped(((n, r), p) for n, r, p in self.pattern)
        interval_labels = list(sets.intervals.interval)
        self.covering = _grouped(
            ((n, r, interval_labels[i]), p)
            for (n, r, p), row in zip(self.pattern, sets.cover)
            for i in np.flatnonzero(row)
        )
        self.roster = _records(sets.rosters, "node", "role", "interval")  # pi[d,i]: self.share, above

        self.rule = _records(sets.rules, "rule")
        self.rule_terms = _grouped(
            (rule, (side, variable, row, weight))
            for rule, side, variable, row, weight in sets.rule_terms[
                ["rule", "side", "variable", "row", "weight"]
            ].itertuples(index=False, name=None)
        )
        self.sets, self.tangents = sets, tangents

    def tangent(self, grid: np.ndarray, n: str, lane: str, i: str, t: str) -> float:
        """A queue figure (one of `QueueTangents`' grids) of lane (n, lane) in interval i and period t."""
        return float(grid[self.lane_row[n, lane, i], self.period_at[t]])

    def lane_mean(self, grid: np.ndarray, d: str, n: str, lane: str, t: str) -> float:
        """A queue figure as a unit of d in lane (n, lane) meets it: the lane's, or with intervals the
        mean over the period's units, sum_i omega pi[d,i] grid[n,l,i,t]."""
        return sum(self.weight * self.share[d, i] * self.tangent(grid, n, lane, i, t) for i in self.intervals)

    def lane_wait(self, d: str, n: str, lane: str, t: str) -> float:
        """The wait a unit of d adds in lane (n, lane) (`lane_mean` of the lanes' waits)."""
        return self.lane_mean(self.tangents.lane_wait, d, n, lane, t)

    def lane_closed(self, d: str, n: str, lane: str, t: str) -> bool:
        """Whether q[d,n,l,t] is held at 0: the lane is closed in an interval d arrives in."""
        return any(self.share[d, i] > 0 and self.tangent(self.tangents.closed, n, lane, i, t) for i in self.intervals)


def _maybe(var: pyo.Var, *index: Any) -> VarData | None:
    """var[index], or None where the family has no such variable (or the index holds None: the
    period before the first)."""
    return None if None in index or index not in var else var[index]


def _redone_here(var: VarData | None, n: str) -> bool:
    """Whether `var` is w[d,n,m,t] of a mode of n that redoes its units at n itself."""
    return var is not None and var.parent_component().name == "w" and var.index()[1] == n


def _linear(terms: Iterable[Term]) -> LinearExpression:
    """sum c * var over the terms, leaving out absent variables and zero coefficients."""
    kept = [(c, var) for c, var in terms if var is not None and c != 0.0]
    return LinearExpression(constant=0.0, linear_coefs=[c for c, _ in kept], linear_vars=[var for _, var in kept])


# --- the constraint families --------------------------------------------------------------------------


class Rules:
    """One method per constraint family of model.md (named as in FAMILIES), each the rule of its Pyomo
    `Constraint`: the row of one index (keys..., period), with its formula in the docstring.

    Notation: served[d,t] = v[d,t] + b[d,t-1] - b[d,t] - u[d,t] (b, u where they exist);
    theta[d,n,t] = sum_{a into n} x[d,a,t] + (served[d,t] if n is d's origin).
    """

    def __init__(self, lp: pyo.ConcreteModel, tables: Tables) -> None:
        self.lp, self.f = lp, tables
        self.volume_ids = {id(var) for var in lp.v.values()}

    # The derived expressions of model.md, as terms times a coefficient.

    def served(self, d: str, t: str, coef: float = 1.0) -> list[Term]:
        """coef * served[d,t] = coef * (v[d,t] + b[d,t-1] - b[d,t] - u[d,t])."""
        lp, before = self.lp, self.f.before.get(t)
        return [
            (coef, lp.v[d, t]),
            (coef, _maybe(lp.b, d, before)),
            (-coef, _maybe(lp.b, d, t)),
            (-coef, _maybe(lp.u, d, t)),
        ]

    def theta(self, d: str, n: str, t: str, coef: float = 1.0) -> list[Term]:
        """coef * theta[d,n,t]: the units of d arriving at n (handed over, served at d's origin, or done
        wrong and sent back to n for rework)."""
        arrived = [(coef, self.lp.x[d, a, t]) for a in self.f.arcs_into[d, n]]
        back = [(coef, self.lp.w[d, n_, m, t]) for n_, m in self.f.sent_back_to[d, n]]
        lost = [(coef, self.lp.lost[d, n_, lane, t]) for n_, lane in self.f.lost_into[d, n]]
        return arrived + back + lost + (self.served(d, t, coef) if self.f.demand[d].origin == n else [])

    def lost_here(self, d: str, n: str, t: str, coef: float) -> list[Term]:
        """coef * sum_l lost[d,n,l,t]: the units of d n's queue loses (erlang_a, erlang_b)."""
        return [(coef, _maybe(self.lp.lost, d, n, lane, t)) for lane in self.f.lanes_at[n]]

    def row(self, terms: list[Term], sense: str, rhs: float) -> Row:
        """The row `terms sense rhs` (sense "==", "<=" or ">="), without zero terms; Constraint.Skip
        when no decision enters it (model.md: such a row is not built). If its constant (the fixed
        volume's terms) breaks its bound, the scenario is infeasible as written: InfeasibleRow (Pyomo
        logs which row)."""
        kept = [(c, var) for c, var in terms if var is not None and c != 0.0]
        if all(id(var) in self.volume_ids for _, var in kept):
            constant = sum(c * var.lb for c, var in kept)
            slack = 1e-9 * (1.0 + abs(constant))
            if (sense != ">=" and constant > rhs + slack) or (sense != "<=" and constant < rhs - slack):
                raise InfeasibleRow(
                    f"no decision enters the row, so it holds the constant {constant:g} (the volume), "
                    f"which breaks its bound {sense} {rhs:g}"
                )
            return pyo.Constraint.Skip
        body = _linear(kept)
        if sense == "==":
            return body == rhs
        return body <= rhs if sense == "<=" else body >= rhs

    # 1-2: flows

    def pass_through(self, lp: pyo.ConcreteModel, d: str, n: str, t: str) -> Row:
        """theta[d,n,t] - sum_m w[d,n,m,t] - sum_{a out of n} x[d,a,t] - z[d,n,t] = 0: the units done
        wrong at n go back for rework instead of on (a unit redone at n itself adds and takes one w
        here, which sum to 0: left out)   (model.md, constraint 1)."""
        passed_on = [(-1.0, lp.x[d, a, t]) for a in self.f.arcs_out_of[d, n]]
        fulfilled = [(-1.0, _maybe(lp.z, d, n, t))]
        wrong = [(-1.0, lp.w[d, n, m, t]) for m in self.f.reworked_at[d, n] if self.f.rework[d, n, m].to != n]
        arrived = [(c, var) for c, var in self.theta(d, n, t) if not _redone_here(var, n)]
        lost = self.lost_here(d, n, t, -1.0)
        return self.row(arrived + wrong + lost + passed_on + fulfilled, "==", 0.0)

    def work_balance(self, lp: pyo.ConcreteModel, d: str, n: str, t: str) -> Row:
        """sum_m y[d,n,m,t] + k[d,n,t-1] - k[d,n,t] - theta[d,n,t] = -initial[d,n] in the first period
        (k[d,n,0] = initial, moved to the right), 0 after; k terms only at storable nodes
        (constraint 2)."""
        f = self.f
        worked = [(1.0, lp.y[d, n, m, t]) for m in f.modes_at[d, n]]
        stock = [(1.0, _maybe(lp.k, d, n, f.before.get(t))), (-1.0, _maybe(lp.k, d, n, t))]
        initial = f.stock[d, n].initial if (d, n) in f.stock and t == f.first else 0.0
        return self.row(worked + self.lost_here(d, n, t, 1.0) + stock + self.theta(d, n, t, -1.0), "==", -initial)

    # 3-4: staff

    def labour_capacity(self, lp: pyo.ConcreteModel, n: str, r: str, t: str) -> Row:
        """sum_d h[n,r] y[d,n,r,t] - rho[n] H[r] s[n,r,t] - rho[n] o[n,r,t] <= 0, for the (n, r) some
        demand can load; elsewhere staff is held by its bounds alone   (constraint 3)."""
        if not self.f.loaders[n, r] or self.f.staff[n, r].rostered:  # rostered: rows 17 instead
            return pyo.Constraint.Skip
        staff, rho = self.f.staff[n, r], self.f.staff[n, r].max_utilisation
        work = [(self.f.mode[d, n, r].hours_per_unit, lp.y[d, n, r, t]) for d in self.f.loaders[n, r]]
        hours = [(-rho * staff.hours_per_fte, lp.s[n, r, t]), (-rho, _maybe(lp.o, n, r, t))]
        return self.row(work + hours, "<=", 0.0)

    def overtime_limit(self, lp: pyo.ConcreteModel, n: str, r: str, t: str) -> Row:
        """o[n,r,t] - OT[r] s[n,r,t] <= 0, where o exists   (constraint 3)."""
        if (n, r, t) not in lp.o:
            return pyo.Constraint.Skip
        return self.row([(1.0, lp.o[n, r, t]), (-self.f.staff[n, r].overtime_max, lp.s[n, r, t])], "<=", 0.0)

    def staff_balance(self, lp: pyo.ConcreteModel, n: str, r: str, t: str) -> Row:
        """s[n,r,t] - s[n,r,t-1] - hire[n,r,t] + fire[n,r,t] = initial[n,r] in the first period
        (s[n,r,0] = initial, moved to the right), 0 after; where hire exists (t >= 2, and t = 1 where
        `initial` is set)   (constraint 4)."""
        if (n, r, t) not in lp.hire:
            return pyo.Constraint.Skip
        before = _maybe(lp.s, n, r, self.f.before.get(t))
        terms = [(1.0, lp.s[n, r, t]), (-1.0, before), (-1.0, lp.hire[n, r, t]), (1.0, lp.fire[n, r, t])]
        return self.row(terms, "==", self.f.staff[n, r].initial if t == self.f.first else 0.0)

    # 5: capacities

    def node_capacity_limit(self, lp: pyo.ConcreteModel, n: str, t: str) -> Row:
        """sum_d sum_m y[d,n,m,t] <= cap[n], nodes with a capacity   (constraint 5)."""
        capacity = self.f.node[n].capacity
        if not math.isfinite(capacity):
            return pyo.Constraint.Skip
        return self.row([(1.0, lp.y[d, n, m, t]) for d, m in self.f.node_users[n]], "<=", capacity)

    def arc_capacity_limit(self, lp: pyo.ConcreteModel, a: str, t: str) -> Row:
        """sum_d x[d,a,t] <= cap[a], arcs with a capacity   (constraint 5)."""
        capacity = self.f.arc[a].capacity
        if not math.isfinite(capacity):
            return pyo.Constraint.Skip
        return self.row([(1.0, lp.x[d, a, t]) for d in self.f.arc_users[a]], "<=", capacity)

    # 6-7: targets

    def quality_target(self, lp: pyo.ConcreteModel, d: str, t: str) -> Row:
        """sum_{n,m} (1 - q[n,m]) y[d,n,m,t] - (1 - Q[d]) served[d,t] <= 0, demands whose row can bind
        (the demands table's `quality_row`); a mode with `rework` counts no defect (its units done wrong
        are reworked)   (constraint 6)."""
        demand = self.f.demand[d]
        if not demand.quality_row:
            return pyo.Constraint.Skip
        defects = [
            (1.0 - self.f.mode[d, n, m].quality, lp.y[d, n, m, t])
            for n, m in self.f.modes_of[d]
            if (d, n, m) not in self.f.rework
        ]
        return self.row(defects + self.served(d, t, -(1.0 - demand.min_quality)), "<=", 0.0)

    def response_time_target(self, lp: pyo.ConcreteModel, d: str, t: str) -> Row:
        """sum_a l[a] x[d,a,t] + sum_{n,m} (p[n,m] + w[n]) y[d,n,m,t] + sum_{n,l} w[n,l,t] q[d,n,l,t]
        + L b[d,t] + sum_{n,m} tau_rw[n,m] w[d,n,m,t] - T[d] served[d,t] <= 0, demands whose row can
        bind (`response_row`)   (constraint 7).

        At a storable node (p[n] + w[n]) theta[d,n,t] (the node's own times the orders arriving)
        replaces its modes' terms; at a queued node w[n] = 0 and the wait w[n,l,t] of the lane each
        unit is routed to counts (`tangents.lane_wait`)."""
        f, demand = self.f, self.f.demand[d]
        if not demand.response_row:
            return pyo.Constraint.Skip
        handed_over = [(f.arc[a].lead_time, lp.x[d, a, t]) for a in f.arcs_of[d]]
        worked = [
            (f.mode[d, n, m].processing_time + f.mode[d, n, m].wait_time, lp.y[d, n, m, t])
            for n, m in f.modes_of[d]
            if not f.mode[d, n, m].storable
        ]
        from_stock = [term for n in f.storable_at[d] for term in self.theta(d, n, t, f.place[d, n].node_time)]
        queued = [(f.lane_wait(d, n, lane, t), lp.q[d, n, lane, t]) for n, lane in f.lanes_of[d]]
        carried = [(f.period_length, _maybe(lp.b, d, t))]
        reworked = [(f.rework[d, n, m].time, lp.w[d, n, m, t]) for n, m in f.reworks_of[d]]
        allowed = self.served(d, t, -demand.max_mean_response_time)
        return self.row(handed_over + worked + from_stock + queued + carried + reworked + allowed, "<=", 0.0)

    # 8: end of horizon

    def final_backlog(self, lp: pyo.ConcreteModel, d: str, t: str) -> Row:
        """b[d,last] <= final_backlog[d], where b exists   (constraint 8)."""
        if (d, t) not in lp.b:
            return pyo.Constraint.Skip
        return self.row([(1.0, lp.b[d, t])], "<=", self.f.demand[d].final_backlog)

    def final_stock(self, lp: pyo.ConcreteModel, d: str, n: str, t: str) -> Row:
        """k[d,n,last] >= final_min[d,n]   (constraint 8)."""
        return self.row([(1.0, lp.k[d, n, t])], ">=", self.f.stock[d, n].final_min)

    # 9-11: queues

    def lane_split(self, lp: pyo.ConcreteModel, d: str, n: str, t: str) -> Row:
        """sum_l q[d,n,l,t] - sum_m y[d,n,m,t] = 0 at a queued node: each unit queues in one lane
        (constraint 9)."""
        if not self.f.lanes_at[n]:
            return pyo.Constraint.Skip
        queued = [(1.0, lp.q[d, n, lane, t]) for lane in self.f.lanes_at[n]]
        worked = [(-1.0, lp.y[d, n, m, t]) for m in self.f.modes_at[d, n]]
        return self.row(queued + self.lost_here(d, n, t, -1.0) + worked, "==", 0.0)

    def lane_loss(self, lp: pyo.ConcreteModel, d: str, n: str, lane: str, t: str) -> Row:
        """lost[d,n,l,t] - l[d,n,l,t] q[d,n,l,t] = 0 in the lanes of erlang_a and erlang_b queues, l the
        share lost at the staffing the lane's rows require, sum_i omega pi[d,i] l[n,l,i,t] with
        intervals (`tangents.lost_share`)   (constraint 9)."""
        if n not in self.f.lossy:
            return pyo.Constraint.Skip
        share = self.f.lane_mean(self.f.tangents.lost_share, d, n, lane, t)
        return self.row([(1.0, lp.lost[d, n, lane, t]), (-share, lp.q[d, n, lane, t])], "==", 0.0)

    def queue_service_level(self, lp: pyo.ConcreteModel, n: str, lane: str, i: str, t: str) -> Row:
        """a[n,l,i,t] - gamma[n,l,i,t] sum_d pi[d,i] q[d,n,l,t] >= beta[n,l,i,t], lanes with a
        service-level target: the tangent at load A0 of the agents the target needs, gamma = g'(A0) peak h
        (hours per unit), beta = open (g(A0) - g'(A0) A0) (hours; g(A0) rounded up with whole agents);
        pi = 1 and open = the open hours without intervals, open = h_i and peak = 1 with them; lanes
        with a most share abandoned or blocked too (erlang_a, erlang_b)   (constraint 10)."""
        row = self.f.lane[n, lane, i]
        if math.isnan(row.service_level) and math.isnan(row.max_abandoned) and math.isnan(row.max_blocked):
            return pyo.Constraint.Skip
        tangents = self.f.tangents
        return self.requirement(n, lane, i, t, tangents.service_level_slope, tangents.service_level_intercept)

    def queue_average_wait(self, lp: pyo.ConcreteModel, n: str, lane: str, i: str, t: str) -> Row:
        """a[n,l,i,t] - gamma[n,l,i,t] sum_d pi[d,i] q[d,n,l,t] >= beta[n,l,i,t], every lane: the tangent of
        the agents that keep the lane's average wait at or below w[n,l,i,t]   (constraint 10)."""
        tangents = self.f.tangents
        return self.requirement(n, lane, i, t, tangents.wait_slope, tangents.wait_intercept)

    def requirement(self, n: str, lane: str, i: str, t: str, slope: np.ndarray, intercept: np.ndarray) -> Row:
        """a[n,l,i,t] - slope[n,l,i,t] sum_d pi[d,i] q[d,n,l,t] >= intercept[n,l,i,t]."""
        lp, f = self.lp, self.f
        gamma = f.tangent(slope, n, lane, i, t)
        load = [(-gamma * f.share[d, i], lp.q[d, n, lane, t]) for d in f.lane_users[n, lane]]
        return self.row([(1.0, lp.a[n, lane, i, t]), *load], ">=", f.tangent(intercept, n, lane, i, t))

    def queue_duty(self, lp: pyo.ConcreteModel, n: str, i: str, t: str) -> Row:
        """sum_l a[n,l,i,t] - sum_r h_i / W[n] (D[n,r] s[n,r,t] + E[n,r] o[n,r,t]) <= 0: the lanes share the
        staff on duty, D = min(H[r], W[n]) and E = min(1, (W[n] - H[r]) / OT[r]) (0 when H >= W), the staff
        table's `duty_per_fte` and `duty_per_overtime_hour`; W = h_i = the open hours without intervals,
        W = omega sum_i h_i with them (the queue_nodes table's `hours` and `cycle`); a rostered role gives
        instead (1 - shrinkage[r]) h_i sum_p cover[p,i] e[n,r,p,t], its agents on duty in interval i
        (Shifts)   (constraint 11)."""
        f = self.f
        spread = f.duty[n, i].hours / f.duty[n, i].cycle
        on_duty = [(1.0, lp.a[n, lane, i, t]) for lane in f.lanes_at[n]]
        staffed = [
            term
            for r in f.roles_at[n]
            if not f.staff[n, r].rostered
            for term in (
                (-spread * f.staff[n, r].duty_per_fte, lp.s[n, r, t]),
                (-spread * f.staff[n, r].duty_per_overtime_hour, _maybe(lp.o, n, r, t)),
            )
        ]
        rostered = [
            (-(1.0 - f.staff[n, r].shrinkage) * f.duty[n, i].hours, lp.e[n, r, p, t])
            for r in f.roles_at[n]
            if f.staff[n, r].rostered
            for p in f.covering[n, r, i]
        ]
        return self.row(on_duty + staffed + rostered, "<=", 0.0)

    # 12: rework

    def rework_volume(self, lp: pyo.ConcreteModel, d: str, n: str, m: str, t: str) -> Row:
        """w[d,n,m,t] - (1 - q[n,m]) y[d,n,m,t] = 0: the units done wrong at a mode with `rework` are
        reworked, sent back to `to`   (constraint 12)."""
        return self.row([(1.0, lp.w[d, n, m, t]), (-self.f.rework[d, n, m].defect, lp.y[d, n, m, t])], "==", 0.0)

    # 13: business rules

    def business_rule(self, lp: pyo.ConcreteModel, rule: str, t: str) -> Row:
        """sum_i g[i] var[i,t] - share[r] sum_j g[j] var[j,t] (<= | >= | ==) bound[r]: the terms i of the
        rule's sum and j of its `of` sum (the rule_terms table: variable, index row, weight g), in
        each period its sum selects (`per: period`); `per: horizon`: one row in the last period
        over every period each side selects   (constraint 13)."""
        f = self.f
        r = list(f.rule).index(rule)
        spec = f.rule[rule]
        horizon = spec.per == "horizon"
        if (horizon and t != f.last) or (not horizon and not f.sets.rule_periods[r, 0, f.period_at[t]]):
            return pyo.Constraint.Skip
        periods = f.periods if horizon else [t]
        terms: list[Term] = []
        for side, variable, row, weight in f.rule_terms[r]:
            var = VARIABLE[variable]
            keys = tuple(getattr(f.sets, var.table)[list(var.keys)].iloc[row])
            coef = weight if side == 0 else -spec.share * weight
            terms += [
                (coef, _maybe(lp.component(variable), *keys, p))
                for p in periods
                if f.sets.rule_periods[r, side, f.period_at[p]]
            ]
        return self.row(terms, spec.sense, spec.bound)

    # 14-16: sites (docs/model.md, Sites)

    def throughput(self, n: str, t: str, coef: float = 1.0) -> list[Term]:
        """coef * sum_d sum_m y[d,n,m,t]: the units processed at n."""
        return [(coef, self.lp.y[d, n, m, t]) for d, m in self.f.node_users[n]]

    def site_closed(self, lp: pyo.ConcreteModel, n: str, t: str) -> Row:
        """sum_d sum_m y[d,n,m,t] - M[n] open[n,t] <= 0, sites not `always` open and without capacity
        levels (their level rows imply it): a closed node processes nothing (M[n]: the sites table's
        big_m)   (constraint 14)."""
        site = self.f.site[n]
        if site.open == "always" or self.f.levels_at[n]:
            return pyo.Constraint.Skip
        return self.row([*self.throughput(n, t), (-site.big_m, lp.open[n, t])], "<=", 0.0)

    def site_min_volume(self, lp: pyo.ConcreteModel, n: str, t: str) -> Row:
        """sum_d sum_m y[d,n,m,t] - mv[n] open[n,t] >= 0, sites with a min_volume   (constraint 14)."""
        least = self.f.site[n].min_volume
        if least <= 0:
            return pyo.Constraint.Skip
        return self.row([*self.throughput(n, t), (-least, lp.open[n, t])], ">=", 0.0)

    def ceiling(self, n: str, r: str) -> float:
        """Smax[n,r]: the staff max, else M[n] h / (rho H) (the FTE M[n] units need without overtime),
        and at least the staff min."""
        staff = self.f.staff[n, r]
        need = self.f.site[n].big_m * self.f.most_hours.get((n, r), 0.0) / (staff.max_utilisation * staff.hours_per_fte)
        return max(staff.max if math.isfinite(staff.max) else need, staff.min)

    def site_staff(self, lp: pyo.ConcreteModel, n: str, r: str, t: str) -> Row:
        """s[n,r,t] - Smax[n,r] open[n,t] <= 0 at nodes that may be closed: no staff while closed
        (constraint 14)."""
        if not self.f.staff[n, r].switchable:
            return pyo.Constraint.Skip
        return self.row([(1.0, lp.s[n, r, t]), (-self.ceiling(n, r), lp.open[n, t])], "<=", 0.0)

    def site_staff_min(self, lp: pyo.ConcreteModel, n: str, r: str, t: str) -> Row:
        """s[n,r,t] - min[n,r] open[n,t] >= 0 at nodes that may be closed, min > 0: the staff minimum
        while open   (constraint 14)."""
        staff = self.f.staff[n, r]
        if not staff.switchable or staff.min <= 0:
            return pyo.Constraint.Skip
        return self.row([(1.0, lp.s[n, r, t]), (-staff.min, lp.open[n, t])], ">=", 0.0)

    def site_level_choice(self, lp: pyo.ConcreteModel, n: str, t: str) -> Row:
        """sum_l level[n,l,t] - open[n,t] = 0, sites with capacity levels: one level while open
        (constraint 15)."""
        if not self.f.levels_at[n]:
            return pyo.Constraint.Skip
        chosen = [(1.0, lp.level[n, level, t]) for level in self.f.levels_at[n]]
        return self.row([*chosen, (-1.0, lp.open[n, t])], "==", 0.0)

    def site_level_capacity(self, lp: pyo.ConcreteModel, n: str, t: str) -> Row:
        """sum_d sum_m y[d,n,m,t] - sum_l cap[n,l] level[n,l,t] <= 0, sites with capacity levels
        (constraint 15)."""
        if not self.f.levels_at[n]:
            return pyo.Constraint.Skip
        sizes = [(-self.f.level[n, level].capacity, lp.level[n, level, t]) for level in self.f.levels_at[n]]
        return self.row(self.throughput(n, t) + sizes, "<=", 0.0)

    def site_horizon(self, lp: pyo.ConcreteModel, n: str, t: str) -> Row:
        """open[n,t] - open[n,t-1] = 0 for t >= 2, decided sites with `decide_per: horizon`
        (constraint 16)."""
        site, before = self.f.site[n], self.f.before.get(t)
        if site.open != "decide" or site.per_period or before is None:
            return pyo.Constraint.Skip
        return self.row([(1.0, lp.open[n, t]), (-1.0, lp.open[n, before])], "==", 0.0)

    def level_horizon(self, lp: pyo.ConcreteModel, n: str, level: str, t: str) -> Row:
        """level[n,l,t] - level[n,l,t-1] = 0 for t >= 2, levels of nodes with `decide_per: horizon`
        (constraint 16)."""
        before = self.f.before.get(t)
        if self.f.level[n, level].per_period or before is None:
            return pyo.Constraint.Skip
        return self.row([(1.0, lp.level[n, level, t]), (-1.0, lp.level[n, level, before])], "==", 0.0)

    # 17-18: shifts (docs/model.md, Shifts)

    def roster_labour(self, lp: pyo.ConcreteModel, n: str, r: str, i: str, t: str) -> Row:
        """sum_d h[d,n,r] pi[d,i] y[d,n,r,t] - rho[n] h[i] (1 - shrink[r]) sum_p cover[p,i] e[n,r,p,t] <= 0:
        the work arriving in one occurrence of interval i fits the hours of the agents on duty there
        (constraint 17)."""
        f, row = self.f, self.f.roster[n, r, i]
        work = [(f.mode[d, n, r].hours_per_unit * f.share[d, i], lp.y[d, n, r, t]) for d in f.loaders[n, r]]
        on_duty = row.max_utilisation * row.hours * (1.0 - row.shrinkage)
        heads = [(-on_duty, lp.e[n, r, p, t]) for p in f.covering[n, r, i]]
        return self.row(work + heads, "<=", 0.0)

    def roster_fte(self, lp: pyo.ConcreteModel, n: str, r: str, t: str) -> Row:
        """s[n,r,t] - sum_p f[p] e[n,r,p,t] = 0, f[p] = weight x covered hours / H[r]: a rostered
        role's FTE   (constraint 18)."""
        if not self.f.staff[n, r].rostered:
            return pyo.Constraint.Skip
        heads = [(-self.f.pattern[n, r, p].fte, lp.e[n, r, p, t]) for p in self.f.patterns_of[n, r]]
        return self.row([(1.0, lp.s[n, r, t]), *heads], "==", 0.0)

    # The objective

    def costs(self) -> dict[str, list[Term]]:
        """The cost terms of model.md (Objective), by category: price x variable."""
        lp, f = self.lp, self.f
        shifts = [(f.pattern[n, r, p].cost, e) for (n, r, p, _), e in lp.e.items()]  # sum weight c[p] e[n,r,p,t]
        return {
            "labour": [(f.staff[n, r].cost_per_fte, s) for (n, r, _), s in lp.s.items()] + shifts,  # sum C[r] s
            "overtime": [(f.staff[n, r].overtime_cost, o) for (n, r, _), o in lp.o.items()],  # sum COT[r] o[n,r,t]
            "hiring": [(f.staff[n, r].hire_cost, h) for (n, r, _), h in lp.hire.items()],  # sum CH[r] hire[n,r,t]
            "layoffs": [(f.staff[n, r].layoff_cost, h) for (n, r, _), h in lp.fire.items()],  # sum CF[r] fire[n,r,t]
            "processing": [(f.mode[d, n, m].unit_cost, y) for (d, n, m, _), y in lp.y.items()],  # sum c[n,m] y
            "handoffs": [(f.arc[a].cost, x) for (_, a, _), x in lp.x.items()],  # sum c[a] x[d,a,t]
            "holding": [(f.stock[d, n].holding_cost, k) for (d, n, _), k in lp.k.items()],  # sum hc[n] k[d,n,t]
            "backlog": [(f.demand[d].backlog_cost, b) for (d, _), b in lp.b.items()],  # sum cb[d] b[d,t]
            "unmet": [(f.demand[d].unmet_penalty, u) for (d, _), u in lp.u.items()]  # sum cu[d] u[d,t]
            + [
                (f.demand[d].unmet_penalty, x) for (d, n, lane, _), x in lp.lost.items() if (d, n, lane) in f.lost_unmet
            ],
            "rework": [(f.rework[d, n, m].cost, w) for (d, n, m, _), w in lp.w.items()],  # sum c_rw[n,m] w
            "fixed": [(f.site[n].fixed_cost, w) for (n, _), w in lp.open.items()],  # sum F[n] open[n,t]
            "capacity": [(f.level[n, lv].cost, w) for (n, lv, _), w in lp.level.items()],  # sum CL level[n,l,t]
        }

    def forgone_revenue(self) -> list[Term]:
        """Revenue forgone under `objective: margin` (model.md, Objective): sum p[d] u[d,t] + sum p[d]
        b[d,last] + sum p[d] lost[d,n,l,t] over lanes without overflow, p[d] the price under margin (0
        under cost). Minimising cost plus this maximises revenue - cost, since sum_t p served[d,t] = p
        (sum_t V[d,t] - b[d,last] - sum_t u[d,t] - the units lost without overflow)."""
        lp, f = self.lp, self.f
        unmet = [(f.demand[d].forgone_price, u) for (d, _), u in lp.u.items()]
        backlog = [(f.demand[d].forgone_price, b) for (d, t), b in lp.b.items() if t == f.last]
        lost = [
            (f.demand[d].forgone_price, x) for (d, n, lane, _), x in lp.lost.items() if (d, n, lane) in f.lost_unmet
        ]
        return [(price, var) for price, var in unmet + backlog + lost if price != 0]


# --- the model ----------------------------------------------------------------------------------------


def _keys(table: pd.DataFrame, *columns: str) -> list:
    """The key tuples of an index table (plain values for a single key), in the table's order."""
    if len(columns) == 1:
        return table[columns[0]].tolist()
    return list(table[list(columns)].itertuples(index=False, name=None))


def _upper(value: float) -> float | None:
    return None if math.isinf(value) else value


def build_pyomo(
    sets: IndexSets, tangents: QueueTangents | None = None, integer_staff: bool = False, name: str = "value_chain"
) -> pyo.ConcreteModel:
    """The LP of docs/model.md over `sets` as a Pyomo model; the queue rows at `tangents` (default:
    every lane relaxed to agents >= load, as `model.lp.build`). Raises InfeasibleRow for a row no
    decision enters whose bounds exclude its constant."""
    tangents = tangents or QueueTangents.relaxed(sets)
    with PauseGC():  # as Pyomo's writers do: its many small objects would set the cyclic GC off again and again
        return _declare(Tables(sets, tangents), tangents, integer_staff, name)


def _declare(f: Tables, tangents: QueueTangents, integer_staff: bool, name: str) -> pyo.ConcreteModel:
    """The model's sets, variables, constraints and objective (see build_pyomo)."""
    lp = pyo.ConcreteModel(name=name)

    # Sets (model.md, Sets): the index tables' key tuples, and the periods.
    lp.periods = pyo.Set(initialize=f.periods, ordered=True, doc="t")
    lp.last_period = pyo.Set(initialize=[f.last], ordered=True, doc="the last period")
    lp.demands = pyo.Set(initialize=_keys(f.sets.demands, "demand"), dimen=1, doc="d")
    lp.nodes = pyo.Set(initialize=_keys(f.sets.nodes, "node"), dimen=1, doc="n")
    lp.arcs = pyo.Set(initialize=_keys(f.sets.arcs, "arc"), dimen=1, doc="a")
    lp.demand_arcs = pyo.Set(initialize=_keys(f.sets.demand_arcs, "demand", "arc"), dimen=2, doc="(d, a in A_d)")
    lp.demand_nodes = pyo.Set(initialize=_keys(f.sets.demand_nodes, "demand", "node"), dimen=2, doc="(d, n in N_d)")
    lp.demand_modes = pyo.Set(
        initialize=_keys(f.sets.demand_modes, "demand", "node", "mode"), dimen=3, doc="(d, n in N_d, m a mode of n)"
    )
    lp.sinks = pyo.Set(initialize=_keys(f.sets.sinks, "demand", "node"), dimen=2, doc="(d, sink n of d)")
    lp.stocks = pyo.Set(initialize=_keys(f.sets.stocks, "demand", "node"), dimen=2, doc="(d, storable n in N_d)")
    lp.staff = pyo.Set(initialize=_keys(f.sets.staff, "node", "role"), dimen=2, doc="(n, r): a role in n's work")
    lp.queues = pyo.Set(
        initialize=_keys(f.sets.queues, "node", "lane", "interval"),
        dimen=3,
        doc="(queued n, lane l, interval i; i empty without intervals)",
    )
    lp.queue_nodes = pyo.Set(
        initialize=_keys(f.sets.queue_nodes, "node", "interval"), dimen=2, doc="(queued n, interval i)"
    )
    lp.demand_lanes = pyo.Set(
        initialize=_keys(f.sets.demand_lanes, "demand", "node", "lane"),
        dimen=3,
        doc="(d, queued n in N_d, lane l of n)",
    )
    lp.demand_reworks = pyo.Set(
        initialize=_keys(f.sets.demand_reworks, "demand", "node", "mode"),
        dimen=3,
        doc="(d, n in N_d, m a mode of n with `rework`)",
    )
    lp.rules = pyo.Set(initialize=_keys(f.sets.rules, "rule"), dimen=1, doc="r: a business rule")
    lp.sites = pyo.Set(initialize=_keys(f.sets.sites, "node"), dimen=1, doc="n with a site decision or figure")
    lp.site_levels = pyo.Set(
        initialize=_keys(f.sets.site_levels, "node", "level"), dimen=2, doc="(n, capacity level l of n)"
    )
    lp.patterns = pyo.Set(
        initialize=_keys(f.sets.patterns, "node", "role", "pattern"), dimen=3, doc="(n, r, shift pattern p)"
    )
    lp.rosters = pyo.Set(
        initialize=_keys(f.sets.rosters, "node", "role", "interval"), dimen=3, doc="(rostered n, r, interval i)"
    )
    # Where the optional variables exist.
    lp.overtime_staff = pyo.Set(
        initialize=[key for key, s in f.staff.items() if s.overtime_max > 0],
        dimen=2,
        doc="(n, r) with overtime allowed",
    )
    lp.staff_changes = pyo.Set(
        initialize=[
            (n, r, t) for (n, r), s in f.staff.items() for t in f.periods if t != f.first or not math.isnan(s.initial)
        ],
        dimen=3,
        doc="(n, r, t): t >= 2, and t = 1 where `initial` is set",
    )
    lp.backlog_demands = pyo.Set(
        initialize=[d for d, x in f.demand.items() if x.backlog], dimen=1, doc="d with a backlog_cost"
    )
    lp.unmet_demands = pyo.Set(
        initialize=[d for d, x in f.demand.items() if x.unmet],
        dimen=1,
        doc="d with an unmet_penalty, or with a price under objective: margin",
    )

    # Variables (model.md, Variables), in the order of VARIABLES.
    def staff_bounds(lp: pyo.ConcreteModel, n: str, r: str, t: str) -> tuple[float, float | None]:
        """min <= s <= max; at a node that may be closed the min is a row while open (constraint 14)."""
        return (0.0 if f.staff[n, r].switchable else max(f.staff[n, r].min, 0.0)), _upper(f.staff[n, r].max)

    def lane_bounds(lp: pyo.ConcreteModel, d: str, n: str, lane: str, t: str) -> tuple[float, float | None]:
        return 0.0, (0.0 if f.lane_closed(d, n, lane, t) else None)

    positive = pyo.NonNegativeReals
    lp.x = pyo.Var(lp.demand_arcs, lp.periods, domain=positive, doc=VARIABLE["x"].meaning)
    lp.y = pyo.Var(lp.demand_modes, lp.periods, domain=positive, doc=VARIABLE["y"].meaning)
    lp.z = pyo.Var(lp.sinks, lp.periods, domain=positive, doc=VARIABLE["z"].meaning)
    lp.v = pyo.Var(
        lp.demands,
        lp.periods,
        domain=positive,
        bounds=lambda lp, d, t: (f.volume[d, t], f.volume[d, t]),
        doc=VARIABLE["v"].meaning,
    )
    lp.s = pyo.Var(
        lp.staff,
        lp.periods,
        domain=lambda lp, n, r, t: (
            pyo.NonNegativeIntegers if integer_staff and not f.staff[n, r].rostered else positive
        ),
        bounds=staff_bounds,
        doc=VARIABLE["s"].meaning,
    )
    lp.o = pyo.Var(lp.overtime_staff, lp.periods, domain=positive, doc=VARIABLE["o"].meaning)
    lp.hire = pyo.Var(lp.staff_changes, domain=positive, doc=VARIABLE["hire"].meaning)
    lp.fire = pyo.Var(lp.staff_changes, domain=positive, doc=VARIABLE["fire"].meaning)
    lp.k = pyo.Var(lp.stocks, lp.periods, domain=positive, doc=VARIABLE["k"].meaning)
    lp.b = pyo.Var(lp.backlog_demands, lp.periods, domain=positive, doc=VARIABLE["b"].meaning)
    lp.u = pyo.Var(lp.unmet_demands, lp.periods, domain=positive, doc=VARIABLE["u"].meaning)
    lp.q = pyo.Var(lp.demand_lanes, lp.periods, domain=positive, bounds=lane_bounds, doc=VARIABLE["q"].meaning)
    lp.a = pyo.Var(lp.queues, lp.periods, domain=positive, doc=VARIABLE["a"].meaning)
    lp.w = pyo.Var(lp.demand_reworks, lp.periods, domain=positive, doc=VARIABLE["w"].meaning)
    lp.open = pyo.Var(
        lp.sites,
        lp.periods,
        domain=lambda lp, n, t: pyo.Binary if f.site[n].lower < f.site[n].upper else positive,
        bounds=lambda lp, n, t: (f.site[n].lower, f.site[n].upper),
        doc=VARIABLE["open"].meaning,
    )
    lp.level = pyo.Var(lp.site_levels, lp.periods, domain=pyo.Binary, doc=VARIABLE["level"].meaning)
    lp.lossy_lanes = pyo.Set(
        initialize=[key for key in _keys(f.sets.demand_lanes, "demand", "node", "lane") if key[1] in f.lossy],
        dimen=3,
        doc="(d, n, l): lanes of erlang_a and erlang_b queues",
    )
    lp.lost = pyo.Var(lp.lossy_lanes, lp.periods, domain=positive, doc=VARIABLE["lost"].meaning)
    lp.e = pyo.Var(
        lp.patterns,
        lp.periods,
        domain=pyo.NonNegativeIntegers if integer_staff else positive,
        bounds=lambda lp, n, r, p, t: (f.pattern[n, r, p].min, _upper(f.pattern[n, r, p].max)),
        doc=VARIABLE["e"].meaning,
    )

    # Constraints (model.md, constraints 1 to 11), in the order of FAMILIES.
    rules = Rules(lp, f)
    over = {
        "pass_through": (lp.demand_nodes, lp.periods),
        "work_balance": (lp.demand_nodes, lp.periods),
        "labour_capacity": (lp.staff, lp.periods),
        "overtime_limit": (lp.staff, lp.periods),
        "staff_balance": (lp.staff, lp.periods),
        "node_capacity_limit": (lp.nodes, lp.periods),
        "arc_capacity_limit": (lp.arcs, lp.periods),
        "quality_target": (lp.demands, lp.periods),
        "response_time_target": (lp.demands, lp.periods),
        "final_backlog": (lp.demands, lp.last_period),
        "final_stock": (lp.stocks, lp.last_period),
        "lane_split": (lp.demand_nodes, lp.periods),
        "queue_service_level": (lp.queues, lp.periods),
        "queue_average_wait": (lp.queues, lp.periods),
        "queue_duty": (lp.queue_nodes, lp.periods),
        "rework_volume": (lp.demand_reworks, lp.periods),
        "business_rule": (lp.rules, lp.periods),
        "site_closed": (lp.sites, lp.periods),
        "site_min_volume": (lp.sites, lp.periods),
        "site_staff": (lp.staff, lp.periods),
        "site_staff_min": (lp.staff, lp.periods),
        "site_level_choice": (lp.sites, lp.periods),
        "site_level_capacity": (lp.sites, lp.periods),
        "site_horizon": (lp.sites, lp.periods),
        "level_horizon": (lp.site_levels, lp.periods),
        "lane_loss": (lp.demand_lanes, lp.periods),
        "roster_labour": (lp.rosters, lp.periods),
        "roster_fte": (lp.staff, lp.periods),
    }
    for family in FAMILIES:
        rule = getattr(rules, family.name)
        lp.add_component(family.name, pyo.Constraint(*over[family.name], rule=rule, doc=rule.__doc__))

    # Objective (model.md, Objective): the cost terms by category, plus what extensions add.
    costs = rules.costs()
    assert tuple(costs) == CATEGORIES, "the cost categories follow COST_TERMS"
    lp.cost_categories = pyo.Set(initialize=list(costs), ordered=True)
    lp.cost = pyo.Expression(lp.cost_categories, rule=lambda lp, category: _linear(costs[category]))
    lp.extension_cost_names = pyo.Set(initialize=[], ordered=True, dimen=1)
    lp.extension_cost = pyo.Expression(lp.extension_cost_names, doc="cost terms added by extensions (Parts.add_cost)")
    forgone = rules.forgone_revenue()
    lp.forgone_revenue = pyo.Expression(expr=_linear(forgone), doc=rules.forgone_revenue.__doc__)
    lp.objective = pyo.Objective(expr=_total_cost(lp), sense=pyo.minimize)
    return lp


def _total_cost(lp: pyo.ConcreteModel) -> Any:
    """The objective: the cost terms, what extensions add and, under `objective: margin`, the revenue
    forgone (an empty expression under cost)."""
    return (
        pyo.quicksum(lp.cost[c] for c in lp.cost_categories)
        + pyo.quicksum(lp.extension_cost[name] for name in lp.extension_cost_names)
        + lp.forgone_revenue
    )


# --- extensions ---------------------------------------------------------------------------------------


@dataclass
class Parts:
    """What an extension function `fn(lp, parts)` is given besides the model: the index sets, every
    variable and constraint family by name, the periods, and `add_cost`."""

    sets: IndexSets = field(repr=False)
    variables: dict[str, pyo.Var] = field(repr=False)
    constraints: dict[str, pyo.Constraint] = field(repr=False)
    periods: list[str]
    lp: pyo.ConcreteModel = field(repr=False)

    def add_cost(self, name: str, expression: Any) -> None:
        """Add a named cost term (a linear expression, in the scenario's currency) to the objective;
        it is kept as `lp.extension_cost[name]`."""
        lp = self.lp
        if name in lp.extension_cost_names or name in CATEGORIES:
            raise ValueError(f"a cost term named {name!r} exists already")
        lp.extension_cost_names.add(name)
        lp.extension_cost[name] = expression
        lp.objective.set_value(_total_cost(lp))


def extend_pyomo(lp: pyo.ConcreteModel, sets: IndexSets, fn: Extension) -> None:
    """Call the extension `fn(lp, parts)` on a model made by `build_pyomo` over `sets`."""
    parts = Parts(
        sets=sets,
        variables={variable.name: lp.component(variable.name) for variable in VARIABLES},
        constraints={family.name: lp.component(family.name) for family in FAMILIES},
        periods=list(sets.periods),
        lp=lp,
    )
    fn(lp, parts)


# --- to HiGHS -----------------------------------------------------------------------------------------


@dataclass
class CompiledModel(LinearModel):
    """A LinearModel compiled from the Pyomo model (`to_linear_model`), which also knows the Pyomo
    variable of each column by its label, (component name, index tuple): `extension_costs` reads a
    solution through it."""

    pyomo_columns: list[tuple[str, tuple]] = field(default_factory=list, repr=False)
    record: pyo.ConcreteModel | None = field(default=None, repr=False)  # the Pyomo model it was compiled from

    def extension_costs(self, col_value: np.ndarray) -> dict[str, float]:
        return extension_costs(self.record, self, col_value) if self.record is not None else {}


class _Labels:
    """(component name, index tuple) of variables and constraints: the label they are found by."""

    def __init__(self) -> None:
        self.names: dict[int, str] = {}

    def __call__(self, data: VarData | ConstraintData) -> tuple[str, tuple]:
        component = data.parent_component()
        name = self.names.get(id(component))
        if name is None:
            name = self.names[id(component)] = component.name
        index = data.index()
        return name, index if isinstance(index, tuple) else (index,)


def build_extended(
    sets: IndexSets, tangents: QueueTangents | None, integer_staff: bool, extend: Extension
) -> CompiledModel:
    """The Pyomo model of record with the extension `extend` applied, compiled for HiGHS."""
    lp = build_pyomo(sets, tangents, integer_staff)
    extend_pyomo(lp, sets, extend)
    return to_linear_model(lp, sets, tangents, integer_staff)


def to_linear_model(
    lp: pyo.ConcreteModel, sets: IndexSets, tangents: QueueTangents | None = None, integer_staff: bool = False
) -> CompiledModel:
    """The Pyomo model (with any extension) as a `model.lp.LinearModel` for `model.solve.Solver`.

    Pyomo's `LinearStandardFormCompiler` (mixed form, columns in the order the variables were
    declared) gives the columns, rows, matrix, costs and right-hand sides. Each variable and
    constraint family is then found by label: a column of Var `x` at index (keys..., period) is
    `columns["x"][row of the keys in x's index table, period]`, a row of Constraint `pass_through`
    likewise on its family's grid (`RowBlock`). Variables of a family that the compiler left out (in
    no row and no cost term) are added as empty columns, so that every family is complete as in the
    production LP; columns and rows an extension added stay in the matrix, in no family.

    The LP's objective has no constant: an extension cost's constant is left out (`extension_costs`
    counts it), and so is the cost of a variable fixed with `.fix()`, which the compiler moves out of
    the LP (its terms to the right-hand sides; a fixed family variable comes back as an empty column
    at its value). To hold a variable at a value, give it that value as both bounds, as v is."""
    tangents = tangents or QueueTangents.relaxed(sets)
    with PauseGC():
        return _compiled(lp, sets, tangents, integer_staff)


def _compiled(lp: pyo.ConcreteModel, sets: IndexSets, tangents: QueueTangents, integer_staff: bool) -> CompiledModel:
    repn = LinearStandardFormCompiler().write(lp, mixed_form=True, column_order=True)
    label = _Labels()
    columns: list[VarData] = list(repn.columns)
    labels = [label(var) for var in columns]
    empty = _left_out(lp, columns, labels)
    columns += empty
    labels += [label(var) for var in empty]
    rows, count = repn.rows, len(columns)

    cost = np.zeros(count)
    if repn.c.shape[0]:
        cost[: count - len(empty)] = np.asarray(repn.c.toarray()).ravel()
    compiled = repn.A.tocsc()
    indptr = np.concatenate([compiled.indptr, np.full(len(empty), compiled.indptr[-1])])
    matrix = sp.csc_matrix((compiled.data, compiled.indices, indptr), shape=(len(rows), count))
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    matrix.sort_indices()

    col_lower = np.array([_bound(var, var.lb, -np.inf) for var in columns], dtype=float)
    col_upper = np.array([_bound(var, var.ub, np.inf) for var in columns], dtype=float)
    integer = np.array([var.is_integer() for var in columns], dtype=bool)
    sense = np.array([r.bound_type for r in rows], dtype=int)  # -1: >=, 0: ==, 1: <=
    rhs = np.asarray(repn.rhs, dtype=float).reshape(len(rows))
    row_lower, row_upper = np.where(sense <= 0, rhs, -np.inf), np.where(sense >= 0, rhs, np.inf)

    grids = _column_grids(sets, labels)
    blocks = _row_blocks(sets, [label(r.constraint) for r in rows])
    numbers = Numbers(cost, col_lower, col_upper, row_lower, row_upper, matrix.data)
    return CompiledModel(
        sets, tangents, integer_staff, grids, blocks, matrix, numbers, integer, None, pyomo_columns=labels, record=lp
    )


def _bound(var: VarData, bound: float | None, none: float) -> float:
    """A column's bound: a fixed variable (only ever an empty column here) at its value."""
    if var.fixed:
        return float(var.value)
    return none if bound is None else bound


def _left_out(lp: pyo.ConcreteModel, columns: list[VarData], labels: list[tuple[str, tuple]]) -> list[VarData]:
    """The variables of the families that the compiler left out (those in no row and no cost term)."""
    compiled_in_families = sum(1 for name, _ in labels if name in VARIABLE)
    if compiled_in_families == sum(len(lp.component(v.name)) for v in VARIABLES):
        return []
    compiled = {id(var) for var in columns}
    return [var for v in VARIABLES for var in lp.component(v.name).values() if id(var) not in compiled]


class _Positions:
    """The row of each key tuple in each index table, made when first asked for."""

    def __init__(self, sets: IndexSets) -> None:
        self.sets = sets
        self.found: dict[tuple[str, tuple[str, ...]], dict[tuple, int]] = {}

    def __call__(self, table: str, keys: tuple[str, ...]) -> dict[tuple, int]:
        if (table, keys) not in self.found:
            frame = getattr(self.sets, table)[list(keys)]
            self.found[table, keys] = {key: i for i, key in enumerate(frame.itertuples(index=False, name=None))}
        return self.found[table, keys]


def _column_grids(sets: IndexSets, labels: list[tuple[str, tuple]]) -> dict[str, np.ndarray]:
    """Per variable family, the column of each (index row, period), -1 where none."""
    period_at = {t: i for i, t in enumerate(sets.periods)}
    positions = _Positions(sets)
    grids = {v.name: np.full((len(getattr(sets, v.table)), sets.period_count), -1, dtype=np.int64) for v in VARIABLES}
    for column, (name, index) in enumerate(labels):
        variable = VARIABLE.get(name)
        if variable is not None:
            grids[name][positions(variable.table, variable.keys)[index[:-1]], period_at[index[-1]]] = column
    return grids


def _row_blocks(sets: IndexSets, labels: list[tuple[str, tuple]]) -> dict[str, RowBlock]:
    """Per constraint family, its rows: positions on its grid (index row x period, or index row for
    the last-period families), ascending, and their rows in the LP."""
    period_at = {t: i for i, t in enumerate(sets.periods)}
    positions = _Positions(sets)
    found: dict[str, list[tuple[int, int]]] = {family.name: [] for family in FAMILIES}
    for at, (name, index) in enumerate(labels):
        family = FAMILY.get(name)
        if family is None:
            continue
        row = positions(family.table, family.keys)[index[:-1]]
        found[name].append((row if family.last_period else row * sets.period_count + period_at[index[-1]], at))
    blocks = {}
    for family in FAMILIES:
        pairs = np.array(sorted(found[family.name]), dtype=np.int64).reshape(-1, 2)
        if len(np.unique(pairs[:, 0])) != len(pairs):
            raise ValueError(f"a row of {family.name} was compiled into two rows (a ranged constraint)")
        blocks[family.name] = RowBlock(family, pairs[:, 0], pairs[:, 1])
    return blocks


def extension_costs(lp: pyo.ConcreteModel, linear_model: LinearModel, col_value: np.ndarray) -> dict[str, float]:
    """The value of each cost term an extension added (`Parts.add_cost`), at a solution of
    `to_linear_model(lp, ...)` given as HiGHS's column values."""
    if not isinstance(linear_model, CompiledModel):
        raise TypeError("extension_costs needs the LinearModel to_linear_model made of this Pyomo model")
    column = {label: i for i, label in enumerate(linear_model.pyomo_columns)}
    label, values = _Labels(), np.asarray(col_value, dtype=float)

    def value_of(var: VarData) -> float:
        at = column.get(label(var))
        if at is not None:
            return float(values[at])
        return float(var.value) if var.fixed else 0.0  # left out by the compiler: fixed, or in no row or cost

    costs = {}
    for name in lp.extension_cost_names:
        repn = generate_standard_repn(lp.extension_cost[name].expr, compute_values=True, quadratic=False)
        if not repn.is_linear():
            raise ValueError(f"the extension cost {name!r} is not linear")
        costs[name] = float(repn.constant) + sum(
            float(coef) * value_of(var) for coef, var in zip(repn.linear_coefs, repn.linear_vars)
        )
    return costs


# --- files --------------------------------------------------------------------------------------------

WRITERS = {".lp": ProblemFormat.cpxlp, ".mps": ProblemFormat.mps}
"""The files `write_lp` writes, by suffix: Pyomo's LP (CPLEX LP format) and free MPS writers."""


def write_lp(lp: pyo.ConcreteModel, path: str | Path) -> None:
    """Write the model with Pyomo's own writer and readable names (symbolic labels): LP format for a
    `.lp` file, MPS for `.mps`. Written beside `path` and renamed onto it when complete, so that a
    failure (a full disk) leaves no part of a file, and an earlier file at `path` as it was."""
    path = Path(path)
    kind = WRITERS.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"write_lp writes {' or '.join(WRITERS)} files, not {path.suffix or 'no suffix'!r}: {path}")
    # a name of its own beside `path`, created by Pyomo's writer as `path` would be (the same permissions)
    partial = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.incomplete")
    try:
        lp.write(str(partial), format=kind, io_options={"symbolic_solver_labels": True})
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


__all__ = [
    "CompiledModel",
    "Extension",
    "Parts",
    "Rules",
    "Tables",
    "build_extended",
    "build_pyomo",
    "extend_pyomo",
    "extension_costs",
    "to_linear_model",
    "write_lp",
]
