"""The LP as HiGHS receives it: one sparse matrix, bounds and costs, with the maps back to the model.

Two builders produce it (see docs/performance.md for the measurements behind the choice):
- `compile_pyomo`: Pyomo's standard-form compiler over the built Pyomo model (model/lp/__init__.py);
- `model.lp.matrix.build_matrix`: the same matrix assembled directly from the index tables with
  numpy, with no Pyomo object (tests/lp/test_matrix.py checks that both give the same LP, entry by
  entry).
Everything downstream (the solve, values and duals, ranging, sensitivity) reads the LP through this
form and its maps, whichever builder made it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import highspy
import numpy as np
import pandas as pd
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from model.lp.rows import RowBlock, VarGrid


@dataclass
class StandardForm:
    """`lower <= A x <= upper` over `col_lower <= x <= col_upper`, minimise `cost x + offset`.

    `column_at[family]` is the HiGHS column of each of the family's variables, in the order of
    `VarGrid.exists` (row-major: index row, then period), -1 for a variable that never reached HiGHS
    (one in no row and no cost term, or fixed): it takes `absent_value[family]` (its lower bound, or
    the value it is fixed at). `row_at[block]` is the HiGHS row of each of the block's rows.
    """

    cost: np.ndarray
    offset: float
    matrix: sp.csc_matrix
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    integer: np.ndarray
    column_at: dict[str, np.ndarray]
    absent_value: dict[str, np.ndarray]
    row_at: dict[str, np.ndarray]

    @property
    def num_col(self) -> int:
        return len(self.cost)

    @property
    def num_row(self) -> int:
        return len(self.row_lower)

    def signature(self) -> np.ndarray:
        """Where every variable and row sits: two forms with equal signatures have the same shape, so
        a basis of one is a basis of the other."""
        parts = [np.array([self.num_col, self.num_row]), *self.column_at.values(), *self.row_at.values()]
        return np.concatenate([np.asarray(p, dtype=np.int64) for p in parts])

    def with_integers_fixed(self, values: np.ndarray) -> StandardForm:
        """The LP left when each integer column is fixed at its value in `values` (one per column),
        rounded: those columns become constants, moved to the row bounds and the cost offset, as
        Pyomo's compiler does with fixed variables."""
        fixed, keep = self.integer, ~self.integer
        at = np.round(values[fixed])
        shift = self.matrix[:, fixed] @ at
        renumber = np.where(keep, np.cumsum(keep) - 1, -1)
        column_at, absent_value = {}, {}
        for name, columns in self.column_at.items():
            now_fixed = (columns >= 0) & fixed[np.maximum(columns, 0)]
            absent = self.absent_value[name].copy()
            absent[now_fixed] = np.round(values[columns[now_fixed]])
            column_at[name] = np.where(columns >= 0, renumber[np.maximum(columns, 0)], -1)
            absent_value[name] = absent
        return replace(
            self,
            cost=self.cost[keep],
            offset=self.offset + float(self.cost[fixed] @ at),
            matrix=self.matrix[:, keep].tocsc(),
            col_lower=self.col_lower[keep],
            col_upper=self.col_upper[keep],
            row_lower=self.row_lower - shift,
            row_upper=self.row_upper - shift,
            integer=self.integer[keep],
            column_at=column_at,
            absent_value=absent_value,
        )


def compile_pyomo(lp: pyo.ConcreteModel, variables: dict[str, VarGrid], blocks: dict[str, RowBlock]) -> StandardForm:
    """Pyomo's standard form of `lp`, with columns and rows mapped back to the grids and blocks by identity."""
    repn = LinearStandardFormCompiler().write(lp, mixed_form=True)
    columns, rows = repn.columns, repn.rows
    cost = np.asarray(repn.c.toarray()).ravel() if repn.c.shape[0] else np.zeros(len(columns))
    lower = np.array([v.lb if v.lb is not None else -np.inf for v in columns], dtype=float)
    upper = np.array([v.ub if v.ub is not None else np.inf for v in columns], dtype=float)
    integer = np.array([v.is_integer() for v in columns], dtype=bool)
    sense = np.array([r.bound_type for r in rows], dtype=int)  # -1: >=, 0: ==, 1: <=
    rhs = np.asarray(repn.rhs, dtype=float)
    row_lower = np.where(sense <= 0, rhs, -np.inf)
    row_upper = np.where(sense >= 0, rhs, np.inf)
    offset = float(np.asarray(repn.c_offset).ravel()[0]) if np.size(repn.c_offset) else 0.0

    column_index = _by_identity(columns)
    column_at, absent_value = {}, {}
    for name, grid in variables.items():
        found = grid.grid[grid.exists]
        at = column_index.get_indexer(_identities(found))
        absent = np.zeros(len(found))
        for k in np.flatnonzero(at < 0):  # the few variables the compiler left out
            absent[k] = found[k].value if found[k].fixed else (found[k].lb or 0.0)
        column_at[name], absent_value[name] = at, absent
    row_index = _by_identity([r.constraint for r in rows])
    row_at = {
        name: row_index.get_indexer(_identities(list(block.constraint.values()))) for name, block in blocks.items()
    }
    return StandardForm(
        cost, offset, repn.A.tocsc(), lower, upper, row_lower, row_upper, integer, column_at, absent_value, row_at
    )


def _identities(objects: list | np.ndarray) -> np.ndarray:
    return np.fromiter((id(o) for o in objects), dtype=np.int64, count=len(objects))


def _by_identity(objects: list) -> pd.Index:
    """Positions of Pyomo objects by identity, for vectorised look-ups."""
    return pd.Index(_identities(objects))


def highs_lp(form: StandardForm) -> highspy.HighsLp:
    """The form as a HighsLp, for one `Highs.passModel` call."""
    lp = highspy.HighsLp()
    lp.num_col_ = form.num_col
    lp.num_row_ = form.num_row
    lp.col_cost_ = form.cost
    lp.offset_ = form.offset
    lp.col_lower_ = form.col_lower
    lp.col_upper_ = form.col_upper
    lp.row_lower_ = form.row_lower
    lp.row_upper_ = form.row_upper
    matrix = form.matrix
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = lp.num_col_
    lp.a_matrix_.num_row_ = lp.num_row_
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(float)
    if form.integer.any():
        kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
        lp.integrality_ = [kinds[i] for i in form.integer.tolist()]
    return lp
