"""The formulation of docs/model.md as one sparse LP: the production path of every solve.

`build` is the table of contents: the variable families (`VARIABLES`, model/lp/variables.py), the
constraint families 1 to 11 (`FAMILIES`, model/lp/families.py, one short function each with its
formula), the cost terms (`COST_TERMS`, model/lp/objective.py), assembled into one CSC matrix with
bounds and costs (model/lp/assemble.py). Rows and columns are labelled by their index table's keys
and the period (model/lp/labels.py); everything downstream reads a solution through those labels
(`LinearModel.columns` and `.blocks`), never by position arithmetic.

`refigure` fits a what-if's figures into a model already built (same rows, columns and terms), so
that a solver holding the model can take just the changed numbers (model/highs.py). The Pyomo model
of the same formulation (model/lp/pyomo_model.py) is the formulation of record people read and
extend; the tests compare the two by labels.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from typing import TypeVar

import numpy as np
import pandas as pd
import scipy.sparse as sp

from model.lp.assemble import (
    CONSTANT_FAMILIES,
    Layout,
    Numbers,
    Restructured,
    concatenate,
    fit,
    lay_out,
    refuse_impossible_rows,
    rows_with_a_decision,
)
from model.lp.families import BY_NAME as FAMILY
from model.lp.families import FAMILIES, Context, Family, Rows
from model.lp.labels import column_labels, row_labels
from model.lp.objective import COST_TERMS, FORGONE_TERMS
from model.lp.tangents import QueueTangents
from model.lp.variables import BY_NAME as VARIABLE
from model.lp.variables import VARIABLES
from model.network import IndexSets

_Made = TypeVar("_Made")


@dataclass(frozen=True)
class RowBlock:
    """The rows of one family that were built: their positions on the family's grid (index row x
    period, ascending) and their rows in the LP."""

    family: Family
    positions: np.ndarray
    at: np.ndarray

    def __len__(self) -> int:
        return len(self.at)


@dataclass
class LinearModel:
    """lower <= A x <= upper over col_lower <= x <= col_upper, minimise cost x; with the labels of its
    columns (`columns`: per variable family, the column of each (index row, period), -1 where none)
    and rows (`blocks`: per constraint family, the rows built)."""

    sets: IndexSets
    tangents: QueueTangents
    integer_staff: bool
    columns: dict[str, np.ndarray]
    blocks: dict[str, RowBlock]
    matrix: sp.csc_matrix
    numbers: Numbers
    integer: np.ndarray
    layout: Layout | None  # None for an LP compiled from the Pyomo model (model/lp/pyomo_model.py)
    _cache: dict = field(default_factory=dict, repr=False)  # labels and keys: shared by the refigured models

    @property
    def num_col(self) -> int:
        return self.matrix.shape[1]

    @property
    def num_row(self) -> int:
        return self.matrix.shape[0]

    def exists(self, variable: str) -> np.ndarray:
        """Where the family has a variable: (index rows, periods) bool."""
        return self.columns[variable] >= 0

    def cached(self, key: Hashable, make: Callable[[], _Made]) -> _Made:
        """What `make` gives, made once per layout: models refigured from this one share it (labels, the
        result tables' key columns)."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def labels(self, family: str) -> pd.DataFrame:
        """A label per row built of the family, in its rows' order: family, period, subject, keys."""
        return self.cached(family, lambda: row_labels(self.sets, FAMILY[family], self.blocks[family].positions))

    def column_labels(self, variable: str) -> pd.DataFrame:
        """A label per column of the family, in its columns' order: period, subject, keys."""
        grid = self.columns[variable]
        return column_labels(self.sets, VARIABLE[variable], np.flatnonzero(grid.ravel() >= 0))

    def read(self, variable: str, per_column: np.ndarray, absent: float = np.nan) -> np.ndarray:
        """A figure per column (HiGHS's values, duals, ...) on the family's (index rows, periods) grid."""
        grid = self.columns[variable]
        return np.where(grid >= 0, np.asarray(per_column)[np.maximum(grid, 0)] if len(per_column) else absent, absent)

    def read_rows(self, family: str, per_row: np.ndarray) -> np.ndarray:
        """A figure per LP row, for the family's rows built."""
        return np.asarray(per_row)[self.blocks[family].at]

    def extension_costs(self, col_value: np.ndarray) -> dict[str, float]:
        """The cost terms an extension added to the objective, at a solution (HiGHS's column values):
        none here; an LP compiled from an extended Pyomo model has them (model/lp/pyomo_model.py)."""
        return {}


def number_columns(sets: IndexSets) -> dict[str, np.ndarray]:
    """Each variable family's column numbers: families in VARIABLES order, then index row, then period."""
    columns, count = {}, 0
    for variable in VARIABLES:
        exists = variable.where(sets)
        grid = np.full(exists.shape, -1, dtype=np.int64)
        grid[exists] = np.arange(count, count + int(exists.sum()))
        columns[variable.name], count = grid, count + int(exists.sum())
    return columns


def family_rows(sets: IndexSets, columns: dict[str, np.ndarray], tangents: QueueTangents) -> dict[str, Rows]:
    """Every constraint family's terms and bounds (model.md, constraints 1 to 11)."""
    ctx = Context(sets, columns, tangents)
    return {family.name: family.build(ctx) for family in FAMILIES}


def column_figures(
    sets: IndexSets, columns: dict[str, np.ndarray], tangents: QueueTangents, count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each column's cost (COST_TERMS, plus FORGONE_TERMS under `objective: margin`) and bounds
    (VARIABLES: >= 0 unless a family says otherwise)."""
    cost, lower, upper = np.zeros(count), np.zeros(count), np.full(count, np.inf)
    for term in COST_TERMS:
        grid = columns[term.variable]
        exists = grid >= 0
        cost[grid[exists]] = np.broadcast_to(term.prices(sets)[:, None], grid.shape)[exists]
    for forgone in FORGONE_TERMS:  # objective: margin (0 under cost)
        grid = columns[forgone.variable]
        exists = grid >= 0
        cost[grid[exists]] += forgone.prices(sets)[exists]
    for variable in VARIABLES:
        if variable.bounds is None:
            continue
        grid = columns[variable.name]
        exists = grid >= 0
        low, high = variable.bounds(sets, tangents)
        lower[grid[exists]], upper[grid[exists]] = low[exists], high[exists]
    return cost, lower, upper


def _constant_columns(columns: dict[str, np.ndarray], count: int) -> np.ndarray:
    constant = np.zeros(count, dtype=bool)
    for name in CONSTANT_FAMILIES:
        grid = columns[name]
        constant[grid[grid >= 0]] = True
    return constant


def build(sets: IndexSets, tangents: QueueTangents | None = None, integer_staff: bool = False) -> LinearModel:
    """The LP of model.md over `sets`; the queue rows at `tangents` (default: every lane relaxed to
    agents >= load). Raises InfeasibleRow for a row no decision enters whose bounds exclude its value."""
    tangents = tangents or QueueTangents.relaxed(sets)
    columns = number_columns(sets)
    count = max((int(grid.max(initial=-1)) for grid in columns.values()), default=-1) + 1
    cost, col_lower, col_upper = column_figures(sets, columns, tangents, count)
    term_rows, term_cols, coefs, row_lower, row_upper, offsets = concatenate(family_rows(sets, columns, tangents))
    built = rows_with_a_decision(term_rows, term_cols, coefs, _constant_columns(columns, count), len(row_lower))
    refuse_impossible_rows(term_rows, term_cols, coefs, col_lower, row_lower, row_upper, built, offsets, sets)
    layout, matrix = lay_out(term_rows, term_cols, coefs, built, count, offsets)
    integer = integer_columns(columns, integer_staff, col_lower, col_upper, sets)
    numbers = Numbers(cost, col_lower, col_upper, row_lower[built], row_upper[built], matrix.data)
    return LinearModel(sets, tangents, integer_staff, columns, _blocks(layout), matrix, numbers, integer, layout)


def integer_columns(
    columns: dict[str, np.ndarray],
    integer_staff: bool,
    lower: np.ndarray,
    upper: np.ndarray,
    sets: IndexSets | None = None,
) -> np.ndarray:
    """The integer columns: the staff families (FTE s, heads per shift pattern e) with
    `integer_staff`, but not where a family says its columns follow from others (the FTE of a
    rostered role, sum_p f_p e: docs/model.md, Shifts), and the site decisions that are decisions."""
    integer = binary_columns(columns, lower, upper)
    if integer_staff:
        for variable in VARIABLES:
            if not variable.staff or variable.name not in columns:
                continue
            grid = columns[variable.name]
            if variable.continuous is not None and sets is not None:
                grid = np.where(variable.continuous(sets)[:, None], -1, grid)
            integer[grid[grid >= 0]] = True
    return integer


def binary_columns(columns: dict[str, np.ndarray], lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """The columns of the binary families (site decisions) whose bounds leave a choice: integer in
    every solve, so that a scenario with a decided site is a MILP (docs/model.md, Sites)."""
    binary = np.zeros(len(lower), dtype=bool)
    for variable in VARIABLES:
        if variable.binary:
            grid = columns[variable.name]
            binary[grid[grid >= 0]] = True
    return binary & (lower < upper)


Builder = Callable[[IndexSets, QueueTangents | None, bool], LinearModel]
"""What builds an LP from index sets, queue tangents and integer staffing: `build`, or an extension's
(model/lp/pyomo_model.py `build_extended`)."""


def _blocks(layout: Layout) -> dict[str, RowBlock]:
    blocks, ends = {}, [*list(layout.grid_offsets.values())[1:], len(layout.kept)]
    for family, end in zip(FAMILIES, ends, strict=True):
        start = layout.grid_offsets[family.name]
        kept = layout.kept[start:end]
        positions = np.flatnonzero(kept >= 0)
        blocks[family.name] = RowBlock(family, positions, kept[positions])
    return blocks


def _same_target_rows(kept: IndexSets, sets: IndexSets) -> None:
    """Restructured, naming the demands, when the what-if builds target rows the model does not have
    (network.py leaves out the rows no plan can bind; a tighter target can make one bind)."""
    if len(kept.demands) != len(sets.demands):
        return  # other demands: the variables differ, and refigure says so
    for flag, target in (("quality_row", "min_quality"), ("response_row", "max_mean_response_time")):
        new = sets.demands[flag].to_numpy(dtype=bool) & ~kept.demands[flag].to_numpy(dtype=bool)
        if new.any():
            names = sets.demands.demand.to_numpy()[new]
            shown = ", ".join(f"demands.{d}.{target}" for d in names[:3]) + (", ..." if len(names) > 3 else "")
            raise Restructured(f"a target row the LP left out (no plan could bind it) can bind now: {shown}")


def refigure(model: LinearModel, sets: IndexSets, tangents: QueueTangents | None = None) -> LinearModel:
    """`model` with the figures of `sets` (a what-if of the scenario it was built for) and `tangents`:
    the same rows, columns and terms, new numbers. Restructured when the what-if's LP has another
    shape (then `build` it); InfeasibleRow as `build`."""
    tangents = tangents or model.tangents
    if model.layout is None:
        raise Restructured("the LP was compiled from the Pyomo model (an extension): it is built again")
    _same_target_rows(model.sets, sets)
    columns = number_columns(sets)
    if columns.keys() != model.columns.keys() or any(
        not np.array_equal(columns[name] >= 0, model.columns[name] >= 0) for name in columns
    ):
        raise Restructured("the what-if has other variables (paths, roles, periods, initial staff or allowances)")
    count = model.num_col
    cost, col_lower, col_upper = column_figures(sets, model.columns, tangents, count)
    if not np.array_equal(
        integer_columns(model.columns, model.integer_staff, col_lower, col_upper, sets), model.integer
    ):
        raise Restructured("the what-if decides other sites (open: decide, never or always)")
    term_rows, term_cols, coefs, row_lower, row_upper, offsets = concatenate(family_rows(sets, model.columns, tangents))
    if len(row_lower) != len(model.layout.kept):
        raise Restructured("the what-if has other rows")
    built = rows_with_a_decision(term_rows, term_cols, coefs, _constant_columns(model.columns, count), len(row_lower))
    refuse_impossible_rows(term_rows, term_cols, coefs, col_lower, row_lower, row_upper, built, offsets, sets)
    data = fit(model.layout, term_rows, term_cols, coefs, built)
    matrix = sp.csc_matrix((data, model.matrix.indices, model.matrix.indptr), shape=model.matrix.shape)
    numbers = Numbers(cost, col_lower, col_upper, row_lower[built], row_upper[built], data)
    return replace(model, sets=sets, tangents=tangents, matrix=matrix, numbers=numbers, _cache=model._cache)


__all__ = [
    "COST_TERMS",
    "FAMILIES",
    "VARIABLES",
    "Builder",
    "LinearModel",
    "QueueTangents",
    "Restructured",
    "RowBlock",
    "build",
    "refigure",
]
