"""Cost terms as a registry; the objective is their sum (model.md, Objective).

Each term prices one variable family with a column of its index table (currency per unit of the
variable, the same in every period). The build sets each column's cost from it, the solution's
costs are recomputed from it (model/solution.py), and the `costs` table reports each category at the
node named by `booked_at`; so the objective and the table reconcile by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from model.lp.variables import BY_NAME

if TYPE_CHECKING:
    from model.network import IndexSets


@dataclass(frozen=True)
class CostTerm:
    category: str
    variable: str  # the family it prices
    price: str  # the column of the family's index table: currency per unit of the variable
    booked_at: str  # the column of that table naming the node the cost is booked at
    formula: str
    onto: str | None = None  # reported with this family's term of the same category, summed over its keys

    def prices(self, sets: IndexSets) -> np.ndarray:
        """The price of each row of the family's index table."""
        return getattr(sets, BY_NAME[self.variable].table)[self.price].to_numpy(dtype=float)


COST_TERMS: tuple[CostTerm, ...] = (
    CostTerm("labour", "s", "cost_per_fte", "node", "sum C[r] s[n,r,t]"),
    CostTerm("overtime", "o", "overtime_cost", "node", "sum COT[r] o[n,r,t]"),
    CostTerm("hiring", "hire", "hire_cost", "node", "sum CH[r] hire[n,r,t]"),
    CostTerm("layoffs", "fire", "layoff_cost", "node", "sum CF[r] fire[n,r,t]"),
    CostTerm("processing", "y", "unit_cost", "node", "sum c[n,m] y[d,n,m,t]"),
    CostTerm("handoffs", "x", "cost", "target", "sum c[a] x[d,a,t] (at the receiving node)"),
    CostTerm("holding", "k", "holding_cost", "node", "sum hc[n] k[d,n,t]"),
    CostTerm("backlog", "b", "backlog_cost", "origin", "sum cb[d] b[d,t] (at the demand's origin)"),
    CostTerm("unmet", "u", "unmet_penalty", "origin", "sum cu[d] u[d,t] (at the demand's origin)"),
    CostTerm("rework", "w", "cost", "node", "sum c_rw[n,m] w[d,n,m,t] (at the node where the defect arose)"),
    CostTerm("fixed", "open", "fixed_cost", "node", "sum F[n] open[n,t]"),
    CostTerm("capacity", "level", "cost", "node", "sum CL[n,l] level[n,l,t]"),
    CostTerm("labour", "e", "cost", "node", "sum weight c[p] e[n,r,p,t] (shift patterns, docs/model.md Shifts)", "s"),
    CostTerm(
        "unmet",
        "lost",
        "lost_penalty",
        "origin",
        "sum cu[d] lost[d,n,l,t] over lanes without overflow (lost units are unmet: docs/model.md, Abandonment)",
        "u",
    ),
)
"""In the order the costs table reports them."""

CATEGORIES = tuple(dict.fromkeys(term.category for term in COST_TERMS))
"""Each category once (a rostered role's labour is priced on its patterns e and reported with s's)."""

REPORTED_TERMS = tuple(term for term in COST_TERMS if term.onto is None)
"""The terms whose grids the solution's costs are kept on: one per category (the others are summed onto them)."""


@dataclass(frozen=True)
class ForgoneTerm:
    """Revenue forgone under `objective: margin`, priced on a variable family: the LP minimises cost
    plus revenue forgone, which is cost - revenue + a constant (model.md, Objective). Not a cost: the
    costs table never shows it."""

    variable: str
    last_period_only: bool  # backlog left at the end of the horizon is never served
    formula: str
    price: str = "forgone_price"  # the column of the family's index table: p[d] where it applies, else 0

    def prices(self, sets: IndexSets) -> np.ndarray:
        """The price of each (row of the family's index table, period): p[d], 0 where it does not apply."""
        price = getattr(sets, BY_NAME[self.variable].table)[self.price].to_numpy(dtype=float)
        grid = np.repeat(price[:, None], sets.period_count, axis=1)
        if self.last_period_only:
            grid[:, :-1] = 0.0
        return grid


FORGONE_TERMS: tuple[ForgoneTerm, ...] = (
    ForgoneTerm("u", False, "sum p[d] u[d,t]"),
    ForgoneTerm("b", True, "sum p[d] b[d,last]"),
    ForgoneTerm("lost", False, "sum p[d] lost[d,n,l,t] over lanes without overflow", "lost_forgone"),
)
"""Revenue forgone (p[d] = the demand's price under `objective: margin`, else 0): the units never
served, unmet (u, and lost by a queue without overflow) or still in backlog at the end. sum_t p
served[d,t] = p (sum_t V[d,t] - b[d,last] - sum_t u[d,t] - sum lost), so minimising cost + these terms
maximises revenue - cost."""


def forgone_revenue(sets: IndexSets, values: dict[str, np.ndarray]) -> np.ndarray:
    """Revenue forgone per demand and period (demands x T, currency) at a solution's values (0 where
    a variable does not exist)."""
    total = np.zeros((len(sets.demands), sets.period_count))
    for term in FORGONE_TERMS:
        amounts = term.prices(sets) * np.nan_to_num(values[term.variable], nan=0.0)
        np.add.at(total, sets.demand_of(BY_NAME[term.variable].table), amounts)  # lost: each lane onto its demand
    return total
