"""Labels of the LP's rows and columns: the index table's keys and the period.

A family's grid has one position per row of its index table and period (`i * T + t`; the last
period only for end-of-horizon rows); labels are made on demand, for the positions asked for, so
that a solve that never shows a row never pays for its text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from model.lp.families import Family
    from model.lp.variables import Variable
    from model.network import IndexSets


def family_periods(sets: IndexSets, family: Family) -> list[str]:
    """The periods of a family's grid."""
    return sets.periods[-1:] if family.last_period else list(sets.periods)


def grid_labels(
    sets: IndexSets,
    table: str,
    keys: tuple[str, ...],
    periods: list[str],
    positions: np.ndarray,
    family: str | None = None,
) -> pd.DataFrame:
    """Labels of grid positions `i * len(periods) + t`: (family,) period, subject, then the keys."""
    positions = np.asarray(positions, dtype=np.int64)
    count = len(periods)
    index = getattr(sets, table)
    frame = pd.DataFrame({"period": pd.Series(np.asarray(periods, dtype=object)[positions % count], dtype=object)})
    chosen = positions // count
    subject = None
    for key in keys if len(sets.intervals) else [key for key in keys if key != "interval"]:
        values = index[key].to_numpy(dtype=object)[chosen]
        frame[key] = pd.Series(values, dtype=object)
        part = np.char.add(key + "=", values.astype(str))
        subject = part if subject is None else np.char.add(np.char.add(subject, " "), part)
    text = subject.astype(object) if subject is not None else np.full(len(frame), "", dtype=object)
    frame.insert(1, "subject", pd.Series(text, dtype=object))
    if family is not None:
        frame.insert(0, "family", family)
    return frame


def row_labels(sets: IndexSets, family: Family, positions: np.ndarray) -> pd.DataFrame:
    """A label per row of `family` at grid `positions`: family, period, subject, and the keys."""
    return grid_labels(sets, family.table, family.keys, family_periods(sets, family), positions, family.name)


def column_labels(sets: IndexSets, variable: Variable, positions: np.ndarray) -> pd.DataFrame:
    """A label per column of `variable` at grid `positions`: period, subject, and the keys."""
    return grid_labels(sets, variable.table, variable.keys, list(sets.periods), positions)


def label_subject(sets: IndexSets, family: Family, position: int) -> tuple[str, str]:
    """The period and subject of one row, for a message."""
    label = row_labels(sets, family, np.array([position])).iloc[0]
    return str(label.period), str(label.subject)
