"""Sparse terms and the grids they are written on.

A variable family is a grid of column numbers: one line per row of its index table, one column per
period, -1 where no variable exists. A constraint family is a set of terms (row, column,
coefficient) collected with numpy over the index tables, its rows numbered on a grid of the same
kind (index row * T + period). Nothing here knows the model; model/lp/families.py writes the
families with these.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

NO_COLUMN = -1


@dataclass
class Terms:
    """(row, column, coefficient) triplets of one constraint family, in the order they were added.

    Every term whose row and column exist is kept, a zero coefficient too: which terms exist is the
    structure of the family, the coefficients its figures (model/lp/assemble.py drops zeros when it
    hands the matrix over, and notices when a what-if turns one zero or non-zero).
    """

    row_count: int
    rows: list[np.ndarray] = field(default_factory=list)
    cols: list[np.ndarray] = field(default_factory=list)
    coefs: list[np.ndarray] = field(default_factory=list)

    def add(self, rows: np.ndarray, cols: np.ndarray, coefs: object) -> None:
        """Add the terms of arrays that broadcast together; those without a row or a column are skipped."""
        rows, cols, coefs = np.broadcast_arrays(
            np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64), np.asarray(coefs, dtype=float)
        )
        keep = (rows >= 0) & (cols >= 0)
        self.rows.append(rows[keep])
        self.cols.append(cols[keep])
        self.coefs.append(coefs[keep])

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        def joined(parts: list[np.ndarray], dtype: type) -> np.ndarray:
            return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

        return joined(self.rows, np.int64), joined(self.cols, np.int64), joined(self.coefs, float)


def period_rows(at: np.ndarray, period_count: int) -> np.ndarray:
    """Row ids i * T + t of a family with one row per (index row, period), for index rows `at` (one
    line of ids per entry; -1 throughout where `at` is -1: no such row)."""
    at = np.asarray(at)[:, None]
    return np.where(at >= 0, at * period_count + np.arange(period_count)[None, :], -1)


def period_grid(row_count: int, period_count: int) -> np.ndarray:
    """Row ids of every index row over every period."""
    return period_rows(np.arange(row_count), period_count)


def only_where(mask: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """The grid's ids where `mask` (broadcast over periods) holds, -1 elsewhere."""
    mask = np.asarray(mask, dtype=bool)
    return np.where(mask[:, None] if mask.ndim == 1 else mask, grid, -1)


def shifted(grid: np.ndarray) -> np.ndarray:
    """The grid one period earlier: column t holds period t-1's entry (-1 in the first period)."""
    out = np.full(grid.shape, NO_COLUMN, dtype=np.int64)
    out[:, 1:] = grid[:, :-1]
    return out


def per_period(values: np.ndarray, period_count: int) -> np.ndarray:
    """A figure per index row as a (rows, T) grid."""
    return np.repeat(np.asarray(values, dtype=float)[:, None], period_count, axis=1)
