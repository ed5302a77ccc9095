"""The LP's variable families (model.md, Variables), declared once.

Each family runs over one index table (model/network.py): a variable per row of the table and
period, where `exists` says so, labelled by the table's key columns and the period. The build, the
solution's read-back, the checks and the tables all iterate `VARIABLES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from model.lp.terms import per_period

if TYPE_CHECKING:
    from model.lp.tangents import QueueTangents
    from model.network import IndexSets

Grid = np.ndarray
"""A (rows of the index table, periods) array."""


@dataclass(frozen=True)
class Variable:
    """One family of columns: `name[keys..., period]`, all >= 0 unless `bounds` says otherwise."""

    name: str
    table: str  # the IndexSets table it runs over
    keys: tuple[str, ...]  # the columns of that table that label it
    meaning: str
    exists: Callable[[IndexSets], Grid] | None = None  # where it exists (default: every row and period)
    bounds: Callable[[IndexSets, QueueTangents | None], tuple[Grid, Grid]] | None = None
    staff: bool = False  # integer under `integer_staff`
    binary: bool = False  # a 0/1 decision wherever its bounds leave one (lower < upper): always integer
    continuous: Callable[[IndexSets], np.ndarray] | None = None  # index rows never integer (a staff family's)

    def where(self, sets: IndexSets) -> Grid:
        rows = len(getattr(sets, self.table))
        return np.ones((rows, sets.period_count), dtype=bool) if self.exists is None else self.exists(sets)


def _has_overtime(sets: IndexSets) -> Grid:
    return per_period(sets.staff.overtime_max.to_numpy() > 0, sets.period_count).astype(bool)


def _changes(sets: IndexSets) -> Grid:
    """hire and fire exist from the second period on, and in the first where `initial` is set (without
    it, the first period's staff is chosen freely)."""
    changes = np.ones((len(sets.staff), sets.period_count), dtype=bool)
    changes[np.isnan(sets.staff["initial"].to_numpy(dtype=float)), 0] = False
    return changes


def _demand_flag(column: str) -> Callable[[IndexSets], Grid]:
    def exists(sets: IndexSets) -> Grid:
        return per_period(sets.demands[column].to_numpy(dtype=bool), sets.period_count).astype(bool)

    return exists


def _staff_bounds(sets: IndexSets, _: QueueTangents | None) -> tuple[Grid, Grid]:
    """min[n,r] <= s[n,r,t] <= max[n,r] (model.md, constraint 4; max inf: no bound). At a node that may
    be closed the minimum holds only while open: a row s - min open >= 0 (constraint 14) instead."""
    staff, T = sets.staff, sets.period_count
    low = np.where(staff.switchable.to_numpy(dtype=bool), 0.0, np.maximum(staff["min"].to_numpy(dtype=float), 0.0))
    return per_period(low, T), per_period(staff["max"], T)


def _rostered(sets: IndexSets) -> np.ndarray:
    """The staff rows of rostered roles: their FTE is sum_p f_p e[n,r,p,t] (row 18), not a whole
    number of its own, so it stays continuous under `integer_staff` (the heads e are integer)."""
    return sets.staff.rostered.to_numpy(dtype=bool)


def _pattern_bounds(sets: IndexSets, _: QueueTangents | None) -> tuple[Grid, Grid]:
    """min[p] <= e[n,r,p,t] <= max[p] (heads on the pattern; max inf: no bound)   (docs/model.md, Shifts)."""
    patterns, T = sets.patterns, sets.period_count
    return per_period(patterns["min"], T), per_period(patterns["max"], T)


def _open_bounds(sets: IndexSets, _: QueueTangents | None) -> tuple[Grid, Grid]:
    """open[n,t] in [1, 1] (always), [0, 0] (never) or [0, 1] (decide: a binary)   (docs/model.md, Sites)."""
    sites, T = sets.sites, sets.period_count
    return per_period(sites.lower, T), per_period(sites.upper, T)


def _level_bounds(sets: IndexSets, _: QueueTangents | None) -> tuple[Grid, Grid]:
    """level[n,l,t] in [0, 1]: a binary."""
    shape = (len(sets.site_levels), sets.period_count)
    return np.zeros(shape), np.ones(shape)


def _volume_bounds(sets: IndexSets, _: QueueTangents | None) -> tuple[Grid, Grid]:
    """v[d,t] = V[d,t]: a column fixed at the volume, so that its reduced cost is the volume's marginal
    cost and HiGHS's ranging of its bound is the volume's range (model.md, Duals)."""
    return sets.volumes, sets.volumes


def _lane_bounds(sets: IndexSets, tangents: QueueTangents | None) -> tuple[Grid, Grid]:
    """q[d,n,l,t] >= 0, and 0 in a lane the queue iterations closed (with intervals: closed in an
    interval the demand arrives in)."""
    lanes = sets.demand_lanes
    upper = np.full((len(lanes), sets.period_count), np.inf)
    if tangents is not None and len(lanes):
        j, k, c = sets.lane_pairs()
        closed = np.zeros(upper.shape, dtype=bool)
        np.logical_or.at(closed, k, tangents.closed[j] & (c > 0)[:, None])
        upper[closed] = 0.0
    return np.zeros(upper.shape), upper


def _lossy(sets: IndexSets) -> Grid:
    """lost exists in the lanes of erlang_a and erlang_b queues."""
    return per_period(sets.lossy_lanes(), sets.period_count).astype(bool)


VARIABLES: tuple[Variable, ...] = (
    Variable("x", "demand_arcs", ("demand", "arc"), "units of d handed over along arc a"),
    Variable("y", "demand_modes", ("demand", "node", "mode"), "units of d processed at n in mode m"),
    Variable("z", "sinks", ("demand", "node"), "units of d fulfilled at sink n"),
    Variable("v", "demands", ("demand",), "the volume of d, fixed at V[d,t]", bounds=_volume_bounds),
    Variable(
        "s", "staff", ("node", "role"), "FTE of role r at n", bounds=_staff_bounds, staff=True, continuous=_rostered
    ),
    Variable("o", "staff", ("node", "role"), "overtime hours", exists=_has_overtime),
    Variable("hire", "staff", ("node", "role"), "FTE hired", exists=_changes),
    Variable("fire", "staff", ("node", "role"), "FTE laid off", exists=_changes),
    Variable("k", "stocks", ("demand", "node"), "stock of d held at n at the end of t"),
    Variable("b", "demands", ("demand",), "backlog of d carried to t+1", exists=_demand_flag("backlog")),
    Variable("u", "demands", ("demand",), "unmet units of d", exists=_demand_flag("unmet")),
    Variable("q", "demand_lanes", ("demand", "node", "lane"), "units of d queued in lane l of n", bounds=_lane_bounds),
    Variable(
        "a",
        "queues",
        ("node", "lane", "interval"),
        "hours on duty in lane l of n (in interval i) (agents x open hours)",
    ),
    Variable("w", "demand_reworks", ("demand", "node", "mode"), "units of d done wrong at n in mode m and reworked"),
    Variable("open", "sites", ("node",), "1 while site n is open in t", bounds=_open_bounds, binary=True),
    Variable(
        "level",
        "site_levels",
        ("node", "level"),
        "1 while level l of n is chosen in t",
        bounds=_level_bounds,
        binary=True,
    ),
    Variable(
        "lost",
        "demand_lanes",
        ("demand", "node", "lane"),
        "units of d offered to lane l of n and lost (abandoned, erlang_a; blocked, erlang_b)",
        exists=_lossy,
    ),
    Variable(
        "e",
        "patterns",
        ("node", "role", "pattern"),
        "heads on shift pattern p of role r at n",
        bounds=_pattern_bounds,
        staff=True,
    ),
)
"""Column order: the families in this order; within one, index row, then period."""

BY_NAME = {variable.name: variable for variable in VARIABLES}
