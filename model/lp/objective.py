"""Cost terms as a registry; the objective is their sum (model.md, objective).

Each term groups its variables by the parameter that prices them, sum_k c[k] * (sum of k's
variables), so that one mutable parameter per price stays cheap for Pyomo to compile.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from model.lp.rows import NO_VAR, VarGrid


def priced_sum(price: pyo.Param, keys: list, grid: np.ndarray) -> object:
    """sum_k price[k] * (sum of the variables in rows whose key is k), over all periods."""
    codes, unique = pd.factorize(pd.Series(keys, dtype=object)) if keys else (np.zeros(0, int), [])
    codes = np.repeat(codes, grid.shape[1])
    variables = grid.ravel()
    exists = variables != NO_VAR
    codes, variables = codes[exists], variables[exists]
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(len(unique) + 1))
    variables = variables[order]
    return sum(
        price[unique[k]]
        * LinearExpression(
            linear_coefs=[1.0] * int(starts[k + 1] - starts[k]),
            linear_vars=variables[starts[k] : starts[k + 1]].tolist(),
        )
        for k in range(len(unique))
        if starts[k + 1] > starts[k]
    )


def _column(table: pd.DataFrame, *columns: str) -> list:
    return list(zip(*(table[c] for c in columns))) if len(columns) > 1 else table[columns[0]].tolist()


CostTerm = Callable[[pyo.ConcreteModel, dict[str, VarGrid]], object]

COST_TERMS: dict[str, CostTerm] = {
    "labour": lambda lp, v: priced_sum(lp.cost_per_fte, _column(v["s"].rows, "role"), v["s"].grid),
    "overtime": lambda lp, v: priced_sum(lp.overtime_cost, _column(v["o"].rows, "role"), v["o"].grid),
    "hiring": lambda lp, v: priced_sum(lp.hire_cost, _column(v["hire"].rows, "role"), v["hire"].grid),
    "layoffs": lambda lp, v: priced_sum(lp.layoff_cost, _column(v["fire"].rows, "role"), v["fire"].grid),
    "processing": lambda lp, v: priced_sum(lp.unit_cost, _column(v["y"].rows, "node", "mode"), v["y"].grid),
    "handoffs": lambda lp, v: priced_sum(lp.arc_cost, _column(v["x"].rows, "arc"), v["x"].grid),
    "holding": lambda lp, v: priced_sum(lp.holding_cost, _column(v["k"].rows, "node"), v["k"].grid),
    "backlog": lambda lp, v: priced_sum(lp.backlog_cost, _column(v["b"].rows, "demand"), v["b"].grid),
    "unmet": lambda lp, v: priced_sum(lp.unmet_penalty, _column(v["u"].rows, "demand"), v["u"].grid),
}
"""Cost categories in the order the costs table reports them: labour C[r] s, overtime COT[r] o,
hiring CH[r] hire, layoffs CF[r] fire, processing c[n,m] y, hand-offs c[a] x, holding hc[n] k,
backlog cb[d] b, unmet cu[d] u."""


def add_objective(lp: pyo.ConcreteModel, v: dict[str, VarGrid]) -> None:
    lp.cost = pyo.Expression(list(COST_TERMS), rule=lambda m, name: COST_TERMS[name](m, v))
    lp.objective = pyo.Objective(expr=sum(lp.cost[name] for name in COST_TERMS), sense=pyo.minimize)
