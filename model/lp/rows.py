"""Building blocks of the formulation: variable grids, sparse terms, and rows made from them.

A constraint family is written as a set of terms (row, variable, coefficient), assembled with numpy
over the index tables, then turned into one Pyomo `LinearExpression` per row: the fast construction
path (see ../shared/docs/pyomo-highs-notes.md), with no per-element rule walking Pyomo sets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

from model.errors import InfeasibleRow

NO_VAR = None


@dataclass
class VarGrid:
    """One variable family: its index table, where its variables exist on the (rows, periods) grid,
    and, in a Pyomo model, the Pyomo Var with its variables on that grid.

    `grid[i, t]` is the variable for row i of `rows` in period t, or None where it does not exist;
    a model assembled as a matrix (model/lp/matrix.py) has no Pyomo objects: `var` and `grid` are None.
    """

    name: str
    var: pyo.Var | None
    rows: pd.DataFrame
    grid: np.ndarray | None
    exists: np.ndarray = None  # (rows, periods) bool; from `grid` when not given

    def __post_init__(self) -> None:
        if self.exists is None:
            self.exists = self.grid != NO_VAR


@dataclass
class Terms:
    """Sparse terms of a family of rows, collected from several sources before assembly."""

    row_count: int
    rows: list[np.ndarray] = field(default_factory=list)
    variables: list[np.ndarray] = field(default_factory=list)
    coefs: list[np.ndarray] = field(default_factory=list)

    def add(self, rows: np.ndarray, variables: np.ndarray, coefs: object) -> None:
        """Add terms; arrays broadcast together. Terms without a variable or row, or with a numeric
        coefficient of 0, are dropped: a row with nothing left constrains nothing and is not built."""
        numeric = np.asarray(coefs).dtype != object
        rows, variables, coefs = np.broadcast_arrays(
            np.asarray(rows), np.asarray(variables, dtype=object), np.asarray(coefs, dtype=object)
        )
        keep = (variables != NO_VAR) & (rows >= 0)
        if numeric:
            keep &= coefs.astype(float) != 0.0
        self.rows.append(rows[keep].ravel())
        self.variables.append(variables[keep].ravel())
        self.coefs.append(coefs[keep].ravel())

    def assemble(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Terms sorted by row, and the start of each row's run (CSR-style `indptr`)."""
        rows = np.concatenate(self.rows) if self.rows else np.zeros(0, dtype=int)
        variables = np.concatenate(self.variables) if self.variables else np.zeros(0, dtype=object)
        coefs = np.concatenate(self.coefs) if self.coefs else np.zeros(0, dtype=object)
        order = np.argsort(rows, kind="stable")
        indptr = np.searchsorted(rows[order], np.arange(self.row_count + 1))
        return indptr, variables[order], coefs[order]


@dataclass
class RowBlock:
    """One constraint family as built: a label per row (period, subject), and its Pyomo component in
    a Pyomo model (None in a model assembled as a matrix)."""

    name: str
    constraint: pyo.Constraint | None
    labels: pd.DataFrame  # columns: period, subject, plus the family's own keys


def add_rows(
    lp: pyo.ConcreteModel,
    name: str,
    terms: Terms,
    labels: pd.DataFrame,
    *,
    lower: object = None,
    upper: object = None,
    equal: object = None,
) -> RowBlock:
    """Add `sum(terms of row) == equal`, or `lower <= sum(terms of row) <= upper`, for each row.

    Bounds broadcast to one per row: numbers, Pyomo expressions of mutable parameters, or None
    for no bound. Rows without any term are dropped: they constrain nothing.
    """
    if lower is not None and upper is not None:
        raise ValueError("ranged rows are not supported: give lower or upper, or equal")
    indptr, variables, coefs = terms.assemble()
    kept = np.flatnonzero(np.diff(indptr) > 0)

    def per_row(bound: object) -> np.ndarray:
        return np.broadcast_to(np.asarray(bound, dtype=object), (terms.row_count,))

    is_equality = equal is not None
    lower, upper = (per_row(equal), per_row(equal)) if is_equality else (per_row(lower), per_row(upper))
    refuse_infeasible_empty_rows(name, np.flatnonzero(np.diff(indptr) == 0), lower, upper, labels)

    def expression(i: int) -> LinearExpression:
        a, b = indptr[i], indptr[i + 1]
        return LinearExpression(linear_coefs=coefs[a:b].tolist(), linear_vars=variables[a:b].tolist())

    def rule(_: pyo.ConcreteModel, j: int) -> object:
        i = kept[j]
        if is_equality:
            return expression(i) == lower[i]
        return (lower[i], expression(i), upper[i])

    constraint = pyo.Constraint(range(len(kept)), rule=rule)
    lp.add_component(name, constraint)
    return RowBlock(name, constraint, labels.iloc[kept].reset_index(drop=True))


def refuse_infeasible_empty_rows(
    name: str, empty: np.ndarray, lower: np.ndarray, upper: np.ndarray, labels: pd.DataFrame
) -> None:
    """A row whose terms all dropped out reads 0 within its bounds; if the bounds exclude 0, the
    scenario is infeasible as written, whatever the solver does."""
    for i in empty:
        low = pyo.value(lower[i]) if lower[i] is not None else -np.inf
        high = pyo.value(upper[i]) if upper[i] is not None else np.inf
        if low > 1e-9 * (1 + abs(low)) or high < -1e-9 * (1 + abs(high)):
            label = labels.iloc[i]
            need = f"at least {low:g}" if low > 0 else f"at most {high:g}"
            raise InfeasibleRow(
                f"{name} {label.subject} {label.period} cannot hold: no decision enters it, "
                f"so it stays 0, and it needs {need}"
            )


def period_rows(at: np.ndarray, period_count: int) -> np.ndarray:
    """Row ids i * T + t of a family with one row per (index row, period), for index rows `at`
    (one line of ids per entry; -1 throughout where `at` is -1, i.e. no such row)."""
    at = np.asarray(at)[:, None]
    return np.where(at >= 0, at * period_count + np.arange(period_count)[None, :], -1)


def period_grid(row_count: int, period_count: int) -> np.ndarray:
    """Row ids of every index row over every period."""
    return period_rows(np.arange(row_count), period_count)


def shifted(grid: np.ndarray, by: int = 1) -> np.ndarray:
    """The grid one period earlier: column t holds period t-1's variable (None in the first)."""
    out = np.full(grid.shape, NO_VAR, dtype=object)
    out[:, by:] = grid[:, :-by]
    return out


def labels_over_periods(
    keys: pd.DataFrame, periods: list[str], family: str, ids: np.ndarray | None = None
) -> pd.DataFrame:
    """One label per (key row, period), in row-id order i * T + t, with a readable subject; only for
    the row ids `ids` when given (the rows kept), in that order."""
    T = len(periods)
    ids = np.arange(len(keys) * T) if ids is None else np.asarray(ids, dtype=np.int64)
    repeated = keys.iloc[ids // T].reset_index(drop=True)
    repeated.insert(0, "period", np.asarray(periods)[ids % T])
    subject = pd.Series("", index=repeated.index)
    for column in keys.columns:
        subject = subject + np.where(subject == "", "", " ") + column + "=" + repeated[column].astype(str)
    repeated["subject"] = subject
    repeated.insert(0, "family", family)
    return repeated
