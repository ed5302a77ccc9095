"""A numerics check of a built LP: does a figure's magnitude put the solve at risk?

HiGHS works to tolerances of about 1e-7 relative to the figures it is given. When an LP's
coefficients span more than about 1e9 (max |a| / min |a| over the non-zeros), those tolerances
no longer separate a real constraint from rounding: HiGHS may call a feasible plan infeasible,
return a plan that breaks a row, or stop with an error. Every figure can be within its plausible
range (model/scenario/ranges.py) and their mix still be that wide (1e-6 hours per unit beside 1e6
hours per FTE), so the spans are checked on the LP itself, before the solve, and a warning names
the scenario fields behind the largest and the smallest figure. It is a warning: the solve goes on.

Three spans, as HiGHS reports them: the matrix, the costs, and the bounds with the right-hand
sides. Each is one pass of numpy over the built arrays; labels are made only for the two extremes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from model.lp.families import BY_NAME as FAMILY
from model.lp.labels import column_labels, row_labels
from model.lp.variables import BY_NAME as VARIABLE

if TYPE_CHECKING:
    import pandas as pd

    from model.lp import LinearModel

SPAN_LIMIT = 1e9
"""Largest max |a| / min |a| that passes without a warning."""

STRUCTURAL = "a structural coefficient (1 or -1: a balance, not a figure of the scenario)"

_QUEUE_SLOPE = "nodes.{node}.queue (peak_factor x hours per unit, Erlang C tangent of lane {lane})"

MATRIX_SOURCES: dict[tuple[str, str], tuple[str, str]] = {
    ("labour_capacity", "y"): ("nodes.{node}.work.{mode}.hours_per_unit", "hours per unit"),
    ("labour_capacity", "s"): ("nodes.{node}.max_utilisation x roles.{role}.hours_per_fte", "hours per FTE"),
    ("labour_capacity", "o"): ("nodes.{node}.max_utilisation", "(a share)"),
    ("overtime_limit", "s"): ("roles.{role}.overtime.max_hours_per_fte", "hours per FTE"),
    ("quality_target", "y"): ("1 - {at}.quality", "(a share)"),
    ("quality_target", "v"): ("1 - demands.{demand}.min_quality", "(a share)"),
    ("quality_target", "b"): ("1 - demands.{demand}.min_quality", "(a share)"),
    ("quality_target", "u"): ("1 - demands.{demand}.min_quality", "(a share)"),
    ("response_time_target", "x"): (
        "the lead_time of arc {arc} (and the times of its target if it holds stock)",
        "time units",
    ),
    ("response_time_target", "y"): ("{at}.processing_time + nodes.{node}.wait_time", "time units"),
    ("response_time_target", "v"): ("demands.{demand}.max_mean_response_time (less its origin's times)", "time units"),
    ("response_time_target", "u"): ("demands.{demand}.max_mean_response_time (less its origin's times)", "time units"),
    ("response_time_target", "b"): ("scenario.period_length and demands.{demand}.max_mean_response_time", "time units"),
    ("response_time_target", "q"): ("the queue wait of nodes.{node}.queue, lane {lane}", "time units"),
    ("queue_service_level", "q"): (_QUEUE_SLOPE, "hours per unit"),
    ("queue_average_wait", "q"): (_QUEUE_SLOPE, "hours per unit"),
    ("queue_duty", "s"): (
        "min(roles.{role}.hours_per_fte, nodes.{node}.queue.open_hours) (with intervals: x the interval's share "
        "of their hours)",
        "hours per FTE",
    ),
    ("lane_loss", "q"): ("the share nodes.{node}.queue loses in lane {lane} (patience, targets)", "(a share)"),
    ("rework_volume", "y"): ("1 - {at}.quality (its units done wrong, reworked)", "(a share)"),
    ("response_time_target", "w"): ("{at}.rework.time (or nodes.{node}.rework.time)", "time units"),
    ("queue_duty", "o"): (
        "nodes.{node}.queue.open_hours and roles.{role}.overtime.max_hours_per_fte",
        "(hours on duty per overtime hour)",
    ),
}
"""The scenario fields behind a matrix coefficient and its unit, by (row family, column family); the
templates are filled from the row's and the column's labels."""

COST_SOURCES: dict[str, tuple[str, str]] = {
    "s": ("roles.{role}.cost_per_fte", "currency per FTE per period"),
    "o": ("roles.{role}.overtime.cost_per_hour", "currency per hour"),
    "hire": ("roles.{role}.hire_cost", "currency per FTE"),
    "fire": ("roles.{role}.layoff_cost", "currency per FTE"),
    "y": ("{at}.unit_cost", "currency per unit"),
    "x": ("the cost of arc {arc}", "currency per unit"),
    "k": ("nodes.{node}.stock.holding_cost", "currency per unit per period"),
    "b": (
        "demands.{demand}.backlog_cost (+ .price at the end under objective: margin)",
        "currency per unit per period",
    ),
    "u": ("demands.{demand}.unmet_penalty (+ .price under objective: margin)", "currency per unit"),
    "w": ("{at}.rework.cost (or nodes.{node}.rework.cost)", "currency per unit reworked"),
}
"""The scenario field behind a column's cost and its unit, by column family."""

BOUND_SOURCES: dict[str, tuple[str, str]] = {
    "v": ("demands.{demand}.volume", "units per period"),
    "s": ("nodes.{node}.staff.{role} (min or max)", "FTE"),
    "work_balance": ("nodes.{node}.stock.initial ({demand})", "units"),
    "staff_balance": ("nodes.{node}.staff.{role}.initial", "FTE"),
    "node_capacity_limit": ("nodes.{node}.capacity", "units per period"),
    "arc_capacity_limit": ("the capacity of arc {arc}", "units per period"),
    "final_backlog": ("demands.{demand}.final_backlog", "units"),
    "final_stock": ("nodes.{node}.stock.final_min ({demand})", "units"),
    "queue_service_level": ("nodes.{node}.queue (Erlang C tangent of lane {lane})", "hours"),
    "queue_average_wait": ("nodes.{node}.queue (Erlang C tangent of lane {lane})", "hours"),
}
"""The scenario field behind a column's bound (by column family) or a row's bound (by row family), and
its unit."""


@dataclass(frozen=True)
class Extreme:
    """One figure of the LP: its magnitude, the scenario fields behind it, and where it stands."""

    value: float
    source: str  # the scenario fields behind it
    unit: str
    where: str  # its row and column, or its column, or its row

    def __str__(self) -> str:
        return f"{self.source} = {self.value:.3g} {self.unit} ({self.where})"


@dataclass(frozen=True)
class Span:
    """The largest and smallest non-zero magnitude of one kind of figure of the LP."""

    what: str
    largest: Extreme
    smallest: Extreme

    @property
    def ratio(self) -> float:
        return self.largest.value / self.smallest.value

    def warning(self) -> str:
        """One sentence: the span, and the fields to look at."""
        return (
            f"the LP's {self.what} span {self.ratio:.1e} (max |a| / min |a|; more than {SPAN_LIMIT:.0e} puts "
            f"HiGHS's tolerances at risk): largest {self.largest}, smallest {self.smallest}. Check these "
            "figures' units; the solve goes on."
        )


def spans(model: LinearModel, above: float = 0.0) -> list[Span]:
    """The spans of the matrix, the costs, and the bounds with right-hand sides that exceed `above`
    (each kind that has a non-zero figure). Only those are labelled: labels cost more than the check."""
    found = []
    for what, values, describe in _KINDS:
        figures = values(model)
        ends = _extremes(figures)
        if ends is not None and abs(figures[ends[0]]) / abs(figures[ends[1]]) > above:
            largest, smallest = (describe(model, at, abs(float(figures[at]))) for at in ends)
            found.append(Span(what, largest, smallest))
    return found


def numerics_warnings(model: LinearModel, limit: float = SPAN_LIMIT) -> list[str]:
    """A warning per span above `limit`; none for a well-scaled LP."""
    return [span.warning() for span in spans(model, above=limit)]


def _extremes(values: np.ndarray) -> tuple[int, int] | None:
    """Positions of the largest and the smallest non-zero finite magnitude, or None if there is none."""
    magnitude = np.abs(values)
    usable = np.isfinite(magnitude) & (magnitude > 0)
    if not usable.any():
        return None
    return int(np.argmax(np.where(usable, magnitude, -np.inf))), int(np.argmin(np.where(usable, magnitude, np.inf)))


def _matrix_entry(model: LinearModel, entry: int, value: float) -> Extreme:
    """The matrix's `entry`-th non-zero (CSC order): its row and column, and the fields behind it."""
    column = int(np.searchsorted(model.matrix.indptr, entry, side="right") - 1)
    family, row_keys, row_where = _row(model, int(model.matrix.indices[entry]))
    variable, col_keys, col_where = _column(model, column)
    template, unit = MATRIX_SOURCES.get((family, variable), ("", ""))
    source = (
        _fill(template, {**col_keys, **row_keys})
        if template
        else STRUCTURAL
        if value == 1.0
        else f"row family {family} x column family {variable}"
    )
    return Extreme(value, source, unit, f"{row_where} x {col_where}")


def _cost_entry(model: LinearModel, column: int, value: float) -> Extreme:
    variable, keys, where = _column(model, column)
    template, unit = COST_SOURCES.get(variable, (f"the cost of column {variable}", "currency"))
    return Extreme(value, _fill(template, keys), unit, where)


def _bounds(model: LinearModel) -> np.ndarray:
    """Column bounds and row bounds as one array: col_lower, col_upper, row_lower, row_upper."""
    numbers = model.numbers
    return np.concatenate((numbers.col_lower, numbers.col_upper, numbers.row_lower, numbers.row_upper))


def _bound_entry(model: LinearModel, at: int, value: float) -> Extreme:
    columns = model.num_col
    if at < 2 * columns:
        name, keys, where = _column(model, at % columns)
    else:
        name, keys, where = _row(model, (at - 2 * columns) % model.num_row)
    template, unit = BOUND_SOURCES.get(name, (f"a bound of {name}", ""))
    return Extreme(value, _fill(template, keys), unit, where)


_KINDS: tuple[tuple[str, Callable[[LinearModel], np.ndarray], Callable[[LinearModel, int, float], Extreme]], ...] = (
    ("matrix coefficients", lambda model: model.matrix.data, _matrix_entry),
    ("costs", lambda model: model.numbers.cost, _cost_entry),
    ("bounds and right-hand sides", _bounds, _bound_entry),
)
"""Each kind of figure checked: its name, its values, and what names the figure at a position."""


class _Keys(dict):
    """Keys for a template; one a label lacks (an LP compiled from an extended Pyomo model) stays as
    its placeholder, so that a warning never fails the solve it warns about."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, keys: dict[str, str]) -> str:
    return template.format_map(_Keys(keys))


def _keys(label: pd.Series) -> dict[str, str]:
    """A label's keys and period as text, for the templates; `at`, for a mode, is where its figures
    are set: the node's `work` entry for the role, or the node itself when it has no work."""
    keys = {str(key): str(value) for key, value in label.to_dict().items()}
    if "mode" in keys and "node" in keys:
        node, mode = keys["node"], keys["mode"]
        keys["at"] = f"nodes.{node}" if mode == node else f"nodes.{node}.work.{mode}"
    return keys


def _row(model: LinearModel, row: int) -> tuple[str, dict[str, str], str]:
    """The family of an LP row, its label's keys, and where it stands in words."""
    for name, block in model.blocks.items():
        if len(block) and block.at[0] <= row <= block.at[-1]:
            position = int(np.searchsorted(block.at, row))
            if position < len(block) and block.at[position] == row:
                label = row_labels(model.sets, FAMILY[name], block.positions[position : position + 1]).iloc[0]
                return name, _keys(label), f"row {name} {label.subject} {label.period}"
    return "?", {}, f"row {row}"


def _column(model: LinearModel, column: int) -> tuple[str, dict[str, str], str]:
    """The family of an LP column, its label's keys, and where it stands in words."""
    for name, grid in model.columns.items():
        flat = np.flatnonzero(grid.ravel() == column)
        if len(flat):
            label = column_labels(model.sets, VARIABLE[name], flat[:1]).iloc[0]
            return name, _keys(label), f"column {name} {label.subject} {label.period}"
    return "?", {}, f"column {column}"
