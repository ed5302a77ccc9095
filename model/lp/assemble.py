"""The families' terms assembled into one sparse LP, and a what-if's figures fitted into it.

`assemble` numbers the rows (families in registry order, a family's rows in grid order, only rows
some decision enters) and makes the CSC matrix. It remembers where each term landed (`Layout`), so
that `refigure` can put a variant's coefficients, bounds and costs into the same matrix with a few
vectorised steps, and say when the variant's LP has another shape (`Restructured`): a row or column
more or less, a term turned zero or non-zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from model.errors import InfeasibleRow
from model.lp.families import FAMILIES, Rows
from model.lp.labels import label_subject

if TYPE_CHECKING:
    from model.network import IndexSets

CONSTANT_FAMILIES = ("v",)
"""Columns fixed at a figure (the volume): a row with no other term holds no decision."""


class Restructured(ValueError):
    """A what-if's LP has another shape than the model it was to be fitted into: build it afresh."""


@dataclass(frozen=True)
class Layout:
    """Where every term of every family landed: enough to fit another LP of the same shape into the
    same matrix without sorting anything again."""

    term_rows: np.ndarray  # every family's terms, concatenated: their rows on the families' grids (offset)
    term_cols: np.ndarray
    grid_offsets: dict[str, int]  # each family's first row on the concatenated grids
    kept: np.ndarray  # per grid row: its LP row, -1 where not built
    slot: np.ndarray  # per term: the matrix entry it adds to (-1: a zero, or a row not built)
    entry_nonzero: np.ndarray  # per summed entry: kept in the matrix (not a sum of zeros)


@dataclass
class Numbers:
    """An LP's figures in a given layout."""

    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    data: np.ndarray  # the matrix's nonzeros in CSC order


def concatenate(
    rows: dict[str, Rows],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, int]]:
    """Every family's terms and bounds on one grid of rows (families one after another)."""
    term_rows, term_cols, coefs, lower, upper, offsets = [], [], [], [], [], {}
    offset = 0
    for family in FAMILIES:
        found = rows[family.name]
        r, c, a = found.terms.arrays()
        offsets[family.name] = offset
        term_rows.append(r + offset)
        term_cols.append(c)
        coefs.append(a)
        lower.append(np.asarray(found.lower, dtype=float))
        upper.append(np.asarray(found.upper, dtype=float))
        offset += found.terms.row_count
    return (
        np.concatenate(term_rows),
        np.concatenate(term_cols),
        np.concatenate(coefs),
        np.concatenate(lower),
        np.concatenate(upper),
        offsets,
    )


def rows_with_a_decision(
    term_rows: np.ndarray, term_cols: np.ndarray, coefs: np.ndarray, constant: np.ndarray, grid_rows: int
) -> np.ndarray:
    """Per grid row: whether some term with a non-zero coefficient on a column that is not a constant
    enters it. A row without one is not built."""
    has = np.zeros(grid_rows, dtype=bool)
    has[term_rows[(coefs != 0.0) & ~constant[term_cols]]] = True
    return has


def refuse_impossible_rows(
    term_rows: np.ndarray,
    term_cols: np.ndarray,
    coefs: np.ndarray,
    values: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    built: np.ndarray,
    offsets: dict[str, int],
    sets: IndexSets,
) -> None:
    """A row no decision enters holds a constant (its fixed columns at their values); if its bounds
    exclude that, the scenario is infeasible as written, whatever the solver does: InfeasibleRow,
    naming the row."""
    constant = np.zeros(len(built))
    unbuilt = ~built[term_rows]
    np.add.at(constant, term_rows[unbuilt], coefs[unbuilt] * values[term_cols[unbuilt]])
    scale = 1e-9 * (1.0 + np.abs(constant))
    bad = ~built & ((constant < lower - scale) | (constant > upper + scale))
    if not bad.any():
        return
    row = int(np.flatnonzero(bad)[0])
    name = max((f for f in offsets if offsets[f] <= row), key=offsets.__getitem__)
    family = next(f for f in FAMILIES if f.name == name)
    period, subject = label_subject(sets, family, row - offsets[name])
    low, high = lower[row], upper[row]
    need = f"at least {low - constant[row]:g}" if constant[row] < low else f"at most {high - constant[row]:g}"
    raise InfeasibleRow(
        f"{name} {subject} {period} cannot hold: no decision enters it, so it holds a constant "
        f"(the volume), and it needs {need} more"
    )


def lay_out(
    term_rows: np.ndarray,
    term_cols: np.ndarray,
    coefs: np.ndarray,
    built: np.ndarray,
    column_count: int,
    offsets: dict[str, int],
) -> tuple[Layout, sp.csc_matrix]:
    """Number the built rows and place every non-zero term in a CSC matrix (repeated entries summed)."""
    kept = np.where(built, np.cumsum(built) - 1, -1)
    row_count = int(built.sum())
    live = (coefs != 0.0) & built[term_rows]
    rows = kept[term_rows[live]]
    cols = term_cols[live]
    keys, inverse = np.unique(cols * max(row_count, 1) + rows, return_inverse=True)
    summed = np.bincount(inverse, weights=coefs[live], minlength=len(keys))
    nonzero = summed != 0.0
    position = np.cumsum(nonzero) - 1
    slot = np.full(len(term_rows), -1, dtype=np.int64)
    slot[live] = np.where(nonzero[inverse], position[inverse], -1)
    keys, data = keys[nonzero], summed[nonzero]
    entry_cols, entry_rows = np.divmod(keys, max(row_count, 1))
    indptr = np.concatenate([[0], np.cumsum(np.bincount(entry_cols, minlength=column_count))])
    matrix = sp.csc_matrix((data, entry_rows, indptr), shape=(row_count, column_count))
    layout = Layout(term_rows, term_cols, offsets, kept, slot, nonzero)
    return layout, matrix


def fit(
    layout: Layout, term_rows: np.ndarray, term_cols: np.ndarray, coefs: np.ndarray, built: np.ndarray
) -> np.ndarray:
    """The matrix's data for another LP's terms in `layout`; Restructured if the terms, the rows built,
    or which entries are zero differ."""
    if not (np.array_equal(term_rows, layout.term_rows) and np.array_equal(term_cols, layout.term_cols)):
        raise Restructured("the what-if adds or removes terms of the LP (other paths, roles or rows)")
    if not np.array_equal(built, layout.kept >= 0):
        raise Restructured("the what-if builds other rows (a target row that can bind now, or a row left empty)")
    live = layout.slot >= 0
    zero_now = (coefs != 0.0) & ~live & built[term_rows]
    if zero_now.any():
        raise Restructured("a coefficient that was 0 is not 0 in the what-if")
    data = np.bincount(layout.slot[live], weights=coefs[live], minlength=int(layout.entry_nonzero.sum()))
    if (data == 0.0).any():
        raise Restructured("a coefficient of the LP turns 0 in the what-if")
    return data
