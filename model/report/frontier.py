"""The report of a frontier folder: total cost against a demand target, and the price of each step.

It reads what `e2eopt frontier` writes (model/frontier.py): summary.json (what was varied, the currency
and time unit) and frontier.parquet (one row per target, each column's unit in its metadata). The
curve is the table's total cost at each target; targets with no plan are marked at the lowest cost
drawn (as frontier.png marks them), with their status in the hover. Below it, the marginal cost from
the duals at each target, and the finite-difference slope between neighbouring targets as a segment
spanning them: where the two agree the cost is linear there; across a kink the marginal cost lies
between the slopes (docs/model.md, "Trade-off curves").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from model.errors import ReportError
from model.formatting import money, number, plural
from model.frontier import FIELDS, PER_STEP, axis_label
from model.report.formats import MONEY_HOVER, read_json, read_parquet_units, shown_rows
from model.report.page import Section
from model.report.style import look

TABLE = "frontier.parquet"
OPTIMAL = "optimal"
MAX_SENTENCES = 12
"""Steps told in words at most; the chart and the table have every one."""


@dataclass(frozen=True)
class Frontier:
    """A frontier folder as its report needs it."""

    folder: Path
    scenario: str
    field: str
    demands: str  # "all", or the varied demands joined by ", "
    currency: str
    time_unit: str
    table: pd.DataFrame
    units: dict[str, str]

    @property
    def quality(self) -> bool:
        return self.field == "min_quality"

    @property
    def optimal(self) -> pd.Series:
        return self.table.status == OPTIMAL

    @property
    def x(self) -> np.ndarray:
        """Targets as people read them: quality in percent, response time in its time unit."""
        return self.table.target.to_numpy(dtype=float) * (100.0 if self.quality else 1.0)

    @property
    def x_title(self) -> str:
        return axis_label(self.field, self.time_unit)

    @property
    def x_unit(self) -> str:
        return "%" if self.quality else f" {self.time_unit}s"

    @property
    def per_step(self) -> str:
        """The marginal cost's unit: currency per percentage point, or per time unit."""
        return PER_STEP[self.field].format(currency=self.currency, time_unit=self.time_unit)


def page(folder: Path) -> tuple[str, list[str], list[Section]]:
    """Title, headline and sections of a frontier folder's report."""
    frontier = read_frontier(folder)
    sections = [curve_section(frontier)]
    if frontier.optimal.any() and frontier.table.marginal_cost.notna().any():
        sections.append(marginal_section(frontier))
    sections.append(table_section(frontier))
    title = f"Cost of {frontier.field} ({frontier.demands}) in {frontier.scenario}"
    return title, headline(frontier), sections


def read_frontier(folder: Path) -> Frontier:
    """summary.json and frontier.parquet; ReportError when either is missing, damaged or not a frontier's."""
    folder = Path(folder)
    summary = read_json(folder / "summary.json")
    field = summary.get("field")
    if summary.get("kind") != "frontier" or field not in FIELDS:
        raise ReportError(f"{folder / 'summary.json'} is not a frontier's (no kind: frontier, or no field it varies)")
    table, units = read_parquet_units(folder / TABLE)
    missing = [c for c in ("target", "status", "total_cost", "marginal_cost", "slope_right") if c not in table.columns]
    if missing:
        raise ReportError(f"{folder / TABLE} is damaged (no column {', '.join(missing)}): cannot report on it")
    demands = summary.get("demands", "all")
    shown = (
        "all demands" if demands == "all" else ", ".join(map(str, demands if isinstance(demands, list) else [demands]))
    )
    return Frontier(
        folder,
        str(summary.get("scenario", folder.name)),
        str(field),
        shown,
        str(summary.get("currency", "")),
        str(summary.get("time_unit", "")),
        table.reset_index(drop=True),
        units,
    )


# --- words ------------------------------------------------------------------------------------------


def headline(frontier: Frontier) -> list[str]:
    table = frontier.table
    ended = ", ".join(f"{count:,} {status}" for status, count in table.status.value_counts().items())
    lines = [
        f"{plural(len(table), 'target')} of {frontier.field} for {frontier.demands}, "
        f"from {frontier.x.min():g}{frontier.x_unit} to {frontier.x.max():g}{frontier.x_unit}: {ended}."
    ]
    solved = table[frontier.optimal]
    if len(solved):
        lines.append(
            f"Total cost from {money(solved.total_cost.min(), frontier.currency)} to "
            f"{money(solved.total_cost.max(), frontier.currency)}."
        )
    else:
        lines.append("No target has an optimal plan: there is no cost to show.")
    lines.append(f"Marginal cost in {frontier.per_step}: {_meaning(frontier)}.")
    return lines


def _meaning(frontier: Frontier) -> str:
    if frontier.quality:
        return "the cost of raising the target by one percentage point"
    return f"the cost of tightening the target by one {frontier.time_unit}"


def steps_in_words(frontier: Frontier) -> list[str]:
    """Each step between neighbouring solved targets, in the business direction (raising quality,
    tightening response time), with its cost and its cost per step unit; then the targets with no plan."""
    table, x, currency = frontier.table, frontier.x, frontier.currency
    sentences = []
    steps = range(len(table) - 1) if frontier.quality else reversed(range(len(table) - 1))
    for i in steps:
        if not (frontier.optimal[i] and frontier.optimal[i + 1]):
            continue
        low, high = f"{x[i]:g}{frontier.x_unit}", f"{x[i + 1]:g}{frontier.x_unit}"
        if frontier.quality:
            cost, what = table.total_cost[i + 1] - table.total_cost[i], f"Raising {frontier.field} from {low} to {high}"
            per = cost / (x[i + 1] - x[i])
        else:
            cost, what = (
                table.total_cost[i] - table.total_cost[i + 1],
                f"Tightening {frontier.field} from {high} to {low}",
            )
            per = cost / (x[i + 1] - x[i])
        sentences.append(f"{what} costs {money(cost, currency, signed=True)} ({number(per)} {frontier.per_step}).")
    told = sentences[:MAX_SENTENCES]
    if len(sentences) > MAX_SENTENCES:
        told.append(f"... and {len(sentences) - MAX_SENTENCES} more steps (in the chart and the table).")
    failed = table[~frontier.optimal]
    if len(failed):
        targets = ", ".join(f"{v:g}{frontier.x_unit} ({s})" for v, s in zip(x[~frontier.optimal], failed.status))
        told.append(f"No optimal plan at {targets}.")
    return told


# --- the charts ---------------------------------------------------------------------------------------


def curve_section(frontier: Frontier) -> Section:
    return Section("Cost against the target", intro=steps_in_words(frontier), figures=[curve_figure(frontier)])


def curve_figure(frontier: Frontier) -> go.Figure:
    """Total cost at each solved target; the others marked at the lowest cost drawn."""
    table, x, currency, ok = frontier.table, frontier.x, frontier.currency, frontier.optimal.to_numpy()
    marginal = table.marginal_cost[ok]
    hover = f"{frontier.x_title}: %{{x:g}}<br>total cost: %{{y{MONEY_HOVER}}} {currency}"
    if marginal.notna().any():  # integer staff: no duals, no marginal cost to show
        hover += f"<br>marginal cost: %{{customdata{MONEY_HOVER}}} {frontier.per_step}"
    figure = go.Figure(
        go.Scatter(
            x=x[ok],
            y=table.total_cost[ok],
            customdata=marginal,
            mode="lines+markers",
            name="total cost",
            hovertemplate=hover + "<extra></extra>",
        )
    )
    floor = float(table.total_cost[ok].min()) if ok.any() else 0.0
    for status, rows in table[~ok].groupby("status", sort=False):
        figure.add_trace(
            go.Scatter(
                x=x[rows.index],
                y=[floor] * len(rows),
                mode="markers",
                marker={"symbol": "x", "size": 12, "color": "#d62728"},
                name=f"{status}: no plan",
                hovertemplate=f"{frontier.x_title}: %{{x:g}}<br>{status}: no plan, no cost<extra></extra>",
            )
        )
    figure.update_layout(
        title=f"Total cost ({currency}) against {frontier.field} of {frontier.demands}",
        xaxis={"title": {"text": frontier.x_title}},
        yaxis={"title": {"text": f"total cost ({frontier.units.get('total_cost', currency)})"}, "tickformat": ",.0f"},
    )
    return look(figure)


def marginal_section(frontier: Frontier) -> Section:
    intro = [
        f"The marginal cost from the duals at each target ({frontier.per_step}: {_meaning(frontier)}), and the "
        "finite-difference slope to the next target, drawn across the step. Where a neighbour lies in the range "
        "over which the target's optimal basis holds, the two agree; across a kink the marginal cost lies "
        "between the slopes on either side."
    ]
    return Section("Marginal cost of the target", intro=intro, figures=[marginal_figure(frontier)])


def marginal_figure(frontier: Frontier) -> go.Figure:
    """Marginal cost (markers) and the slope of each step between neighbours (a segment across it)."""
    table, x, unit = frontier.table, frontier.x, frontier.per_step
    ok = frontier.optimal.to_numpy() & table.marginal_cost.notna().to_numpy()
    figure = go.Figure(
        go.Scatter(
            x=x[ok],
            y=table.marginal_cost[ok],
            mode="markers",
            marker={"size": 10},
            name="marginal cost (duals)",
            hovertemplate=f"{frontier.x_title}: %{{x:g}}<br>marginal cost: %{{y{MONEY_HOVER}}} {unit}<extra></extra>",
        )
    )
    step_x: list[float | None] = []
    step_y: list[float | None] = []
    for i in np.flatnonzero(table.slope_right.notna().to_numpy()):
        if i + 1 < len(table):
            step_x += [float(x[i]), float(x[i + 1]), None]
            step_y += [float(table.slope_right[i])] * 2 + [None]
    if step_x:
        figure.add_trace(
            go.Scatter(
                x=step_x,
                y=step_y,
                mode="lines",
                line={"width": 3},
                name="finite-difference slope",
                hovertemplate=f"{frontier.x_title}: %{{x:g}}<br>slope: %{{y{MONEY_HOVER}}} {unit}<extra></extra>",
            )
        )
    figure.update_layout(
        title=f"Marginal cost of {frontier.field} ({unit})",
        xaxis={"title": {"text": frontier.x_title}},
        # from zero: equal marginal costs differing by round-off would otherwise fill the height
        yaxis={"title": {"text": f"marginal cost ({unit})"}, "tickformat": ",.0f", "rangemode": "tozero"},
    )
    return look(figure)


# --- the table ------------------------------------------------------------------------------------------


def table_section(frontier: Frontier) -> Section:
    """Every target: status, total cost, marginal cost and slopes, the basis range and the check."""
    table, x, unit, currency = frontier.table, frontier.x, frontier.per_step, frontier.currency
    scale = 100.0 if frontier.quality else 1.0

    def cells(name: str, factor: float = 1.0) -> list[str]:
        """A column's numbers (a basis range without an end: `no limit`)."""
        if name not in table:
            return ["-"] * len(x)
        return [("no limit" if np.isinf(v) else number(v * factor)) if pd.notna(v) else "-" for v in table[name]]

    shown = pd.DataFrame(
        {
            f"target ({frontier.x_unit.strip()})": [f"{v:g}" for v in x],
            "status": table.status.astype(str),
            f"total cost ({currency})": cells("total_cost"),
            f"marginal cost ({unit})": cells("marginal_cost"),
            f"slope to previous ({unit})": cells("slope_left"),
            f"slope to next ({unit})": cells("slope_right"),
            f"basis holds from ({frontier.x_unit.strip()})": cells("basis_from", scale),
            f"basis holds to ({frontier.x_unit.strip()})": cells("basis_to", scale),
            "check": table.dual_check.fillna("").astype(str) if "dual_check" in table else "",
        }
    )
    shown, note = shown_rows(shown, "frontier.csv has every target")
    return Section("Targets", intro=note, tables=[(f"Each target (money in {currency})", shown)])
