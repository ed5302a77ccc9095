"""The report of a sweep folder: total cost, cost by stage, staffing and each demand's KPIs against the
grid's axes, and every point's status.

It reads what `e2eopt sweep` writes (model/sweep.py): sweep.json for the axes and the base's currency
and time unit, and points.parquet, one row per point with each column's unit in its metadata. Every
number drawn is a cell of points.parquet; nothing is recomputed. The first axis is the x axis of the
cost chart, with one line per combination of the other axes' values; two axes also get a heat map.
Points without an optimal plan (infeasible, bad input, error, time limit) have no cost to draw: they
are marked on the cost chart at the lowest cost drawn (as a frontier's infeasible targets are, so the
line keeps its scale) with their status and message in the hover, and listed in the table.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from model.errors import E2EError, ReportError
from model.formatting import money, number, plural
from model.report.formats import MONEY_HOVER, read_parquet_units, shown_rows, units
from model.report.page import Section
from model.report.style import look
from model.sweep import Axis, SweepError, read_plan

POINTS_TABLE = "points.parquet"
OPTIMAL = "optimal"
MAX_SERIES = 20
"""Lines on the cost chart at most (combinations of the axes after the first); the table has every point."""
MAX_DEMANDS = 12
"""Demands drawn on the KPI chart at most, in the table's order; points.csv has every one."""
JOIN = " · "
"""Between the values of a point's axes, in its label (`*0.9 · *1.1`)."""


@dataclass(frozen=True)
class Sweep:
    """A sweep folder as its report needs it: the axes, the points table and its units."""

    folder: Path
    name: str
    currency: str
    time_unit: str
    axes: tuple[Axis, ...]
    points: pd.DataFrame
    units: dict[str, str]

    @property
    def optimal(self) -> pd.Series:
        return self.points.status == OPTIMAL

    @functools.cached_property
    def labels(self) -> pd.Series:
        """Each point's values, one per axis, as written in --grid (`*0.9 · *1.1`); joined column by
        column, not row by row (a row-wise join took seconds for a sweep of thousands of points)."""
        columns = [self.points[axis.path].astype(str) for axis in self.axes]
        return functools.reduce(lambda joined, column: joined + JOIN + column, columns)

    @property
    def label_order(self) -> list[str]:
        """Every combination of the axes' values in grid order: the x axis of the per-point charts."""
        return [JOIN.join(combo) for combo in itertools.product(*(axis.values for axis in self.axes))]

    def unit(self, column: str, default: str) -> str:
        return self.units.get(column, default)

    def columns(self, prefix: str) -> list[str]:
        return [c for c in self.points.columns if c.startswith(prefix)]


def page(folder: Path) -> tuple[str, list[str], list[Section]]:
    """Title, headline and sections of a sweep folder's report."""
    sweep = read_sweep(folder)
    sections = [cost_section(sweep)]
    if len(sweep.axes) == 2 and sweep.optimal.any():
        sections.append(Section("Total cost over both axes", figures=[heat_map(sweep)]))
    sections += [s for s in (stage_section(sweep), staffing_section(sweep), kpi_section(sweep)) if s is not None]
    sections.append(points_section(sweep))
    return f"Sweep of {sweep.name}", headline(sweep), sections


def read_sweep(folder: Path) -> Sweep:
    """The sweep's plan (sweep.json, as `--resume` reads it) and its points table; ReportError when the
    folder is not a finished sweep (no points table: it was interrupted) or a file is damaged."""
    folder = Path(folder)
    try:
        plan = read_plan(folder)
    except (E2EError, SweepError) as error:  # no sweep.json or base.yaml, or damaged ones
        raise ReportError(f"cannot report on {folder}: {error}") from None
    if not (folder / POINTS_TABLE).is_file():
        raise ReportError(
            f"{folder} has no {POINTS_TABLE}: the sweep did not run to its end. "
            f"`e2eopt sweep --resume {folder}` solves the missing points and writes the table"
        )
    points, units = read_parquet_units(folder / POINTS_TABLE)
    missing = [c for c in ("point", "status", "total_cost", *(a.path for a in plan.axes)) if c not in points.columns]
    if missing:
        raise ReportError(f"{folder / POINTS_TABLE} is damaged (no column {', '.join(missing)}): cannot report on it")
    scenario = plan.scenario
    return Sweep(folder, scenario["name"], scenario["currency"], scenario["time_unit"], plan.axes, points, units)


# --- words ---------------------------------------------------------------------------------------------


def headline(sweep: Sweep) -> list[str]:
    """How many points, how they ended, and the cheapest and dearest plan."""
    points = sweep.points
    statuses = points.status.value_counts()
    ended = ", ".join(f"{count:,} {status}" for status, count in statuses.items())
    lines = [
        f"{plural(len(points), 'point')} over {plural(len(sweep.axes), 'axis', 'axes')} "
        f"({', '.join(a.path for a in sweep.axes)}): {ended}.",
    ]
    solved = points[sweep.optimal]
    if len(solved):
        low, high = solved.total_cost.idxmin(), solved.total_cost.idxmax()
        labels = sweep.labels
        lines.append(
            f"Total cost from {money(solved.total_cost[low], sweep.currency)} (point {points.point[low]}: "
            f"{labels[low]}) to {money(solved.total_cost[high], sweep.currency)} (point {points.point[high]}: "
            f"{labels[high]})."
        )
    else:
        lines.append("No point has an optimal plan: there is no cost to show.")
    lines.append(f"Base scenario {sweep.name}: money in {sweep.currency}, times in {sweep.time_unit}s.")
    return lines


def axis_title(axis: Axis) -> str:
    """The axis's path and what its values are, which is their unit: a factor on the base value, a
    change of it, or the value itself in the field's unit."""
    operators = {value.strip()[:1] if value.strip()[:1] in "*/+-=" else "=" for value in axis.values}
    percent = all(value.strip().endswith("%") for value in axis.values)
    if operators == {"*"}:
        meaning = "x the base value"
    elif operators == {"/"}:
        meaning = "the base value divided by"
    elif operators <= {"+", "-"}:
        meaning = "% change of the base value" if percent else "change of the base value, in the field's unit"
    elif operators == {"="}:
        meaning = "in the field's unit"
    else:
        meaning = "override value as written"
    return f"{axis.path} ({meaning})"


def points_title(sweep: Sweep) -> str:
    return f"point ({JOIN.join(axis_title(a) for a in sweep.axes)})"


# --- the charts ---------------------------------------------------------------------------------------


def cost_section(sweep: Sweep) -> Section:
    figure, left_out = cost_figure(sweep)
    intro = [
        f"Total cost of each point's optimal plan against {sweep.axes[0].path}"
        + (
            f", one line per combination of {', '.join(a.path for a in sweep.axes[1:])}."
            if len(sweep.axes) > 1
            else "."
        ),
    ]
    if (~sweep.optimal).any():
        intro.append(
            "Points without an optimal plan have no cost: they are marked at the lowest cost drawn (as a frontier "
            "marks its infeasible targets), with their status in the legend and the hover."
        )
    if left_out:
        intro.append(
            f"{plural(left_out, 'combination')} of the other axes left out of the chart (at most {MAX_SERIES})."
        )
    return Section("Total cost", intro=intro, figures=[figure])


def _series(sweep: Sweep) -> list[tuple[str, pd.DataFrame]]:
    """The points grouped by the values of the axes after the first (one group when there is one axis)."""
    others = [a.path for a in sweep.axes[1:]]
    if not others:
        return [("total cost", sweep.points)]
    groups = sweep.points.groupby(others, sort=False)
    return [
        (
            ", ".join(f"{path} = {value}" for path, value in zip(others, key if isinstance(key, tuple) else (key,))),
            frame,
        )
        for key, frame in groups
    ]


def cost_figure(sweep: Sweep) -> tuple[go.Figure, int]:
    """Total cost against the first axis, a line per series; the points without a plan marked at the
    lowest cost drawn. Returns the figure and how many series were left out (beyond MAX_SERIES)."""
    first, currency = sweep.axes[0], sweep.currency
    figure = go.Figure()
    series = _series(sweep)
    for name, frame in series[:MAX_SERIES]:
        solved = frame[frame.status == OPTIMAL]
        figure.add_trace(
            go.Scatter(
                x=solved[first.path],
                y=solved.total_cost,
                customdata=solved.point,
                mode="lines+markers",
                name=name,
                hovertemplate=(
                    f"{first.path} = %{{x}}<br>{name}<br>total cost: %{{y{MONEY_HOVER}}} {currency}"
                    "<br>point %{customdata}<extra></extra>"
                ),
            )
        )
    failed = sweep.points[~sweep.optimal]
    floor = float(sweep.points.total_cost[sweep.optimal].min()) if sweep.optimal.any() else 0.0
    for status, frame in failed.groupby("status", sort=False):
        messages = frame["message"] if "message" in frame.columns else pd.Series("", index=frame.index)
        figure.add_trace(
            go.Scatter(
                x=frame[first.path],
                y=[floor] * len(frame),
                customdata=list(zip(frame.point, messages.fillna("").astype(str))),
                mode="markers",
                marker={"symbol": "x", "size": 11, "color": "#d62728"},
                name=f"{status} (no plan, no cost)",
                hovertemplate=(
                    f"{first.path} = %{{x}}<br>point %{{customdata[0]}}: {status}<br>%{{customdata[1]}}<extra></extra>"
                ),
            )
        )
    figure.update_layout(
        title=f"Total cost against {first.path} ({currency})",
        xaxis={
            "title": {"text": axis_title(first)},
            "type": "category",
            "categoryorder": "array",
            "categoryarray": list(first.values),
        },
        yaxis={"title": {"text": f"total cost ({sweep.unit('total_cost', currency)})"}, "tickformat": ",.0f"},
    )
    return look(figure), max(0, len(series) - MAX_SERIES)


def heat_map(sweep: Sweep) -> go.Figure:
    """Total cost over the two axes (x: the first, y: the second); a point without a plan is a gap."""
    x_axis, y_axis = sweep.axes
    solved = sweep.points[sweep.optimal]
    grid = solved.pivot_table(index=y_axis.path, columns=x_axis.path, values="total_cost", aggfunc="first")
    grid = grid.reindex(index=list(y_axis.values), columns=list(x_axis.values))
    currency = sweep.currency
    figure = go.Figure(
        go.Heatmap(
            x=list(x_axis.values),
            y=list(y_axis.values),
            z=grid.to_numpy(),
            colorscale="Viridis",
            colorbar={"title": {"text": f"total cost ({currency})", "side": "right"}},  # not over the top tick
            hovertemplate=(
                f"{x_axis.path} = %{{x}}<br>{y_axis.path} = %{{y}}<br>total cost: %{{z{MONEY_HOVER}}} {currency}"
                "<extra></extra>"
            ),
        )
    )
    figure.update_layout(
        title=f"Total cost ({currency}) over both axes; a gap: no optimal plan",
        xaxis={"title": {"text": axis_title(x_axis)}, "type": "category"},
        yaxis={"title": {"text": axis_title(y_axis)}, "type": "category"},
    )
    return look(figure)


def _per_point_axis(sweep: Sweep) -> dict:
    return {
        "title": {"text": points_title(sweep)},
        "type": "category",
        "categoryorder": "array",
        "categoryarray": sweep.label_order,
    }


MAX_BARS = 60
"""Points drawn as stacked bars at most; more are drawn as stacked areas (a bar would be thinner than a pixel)."""


def stacked(
    sweep: Sweep, columns: Sequence[str], prefix: str, what: str, unit: str, fmt: str
) -> list[go.Scatter | go.Bar]:
    """One trace per column over the solved points, stacked: bars, or areas when there are many points.
    `what` names a column's part in the hover (`stage`, `role`), `fmt` its d3 number format."""
    solved, labels = sweep.points[sweep.optimal], sweep.labels[sweep.optimal]
    traces: list[go.Scatter | go.Bar] = []
    for column in columns:
        name = column.removeprefix(prefix)
        hover = f"point %{{x}}<br>{what} {name}: %{{y{fmt}}} {sweep.unit(column, unit)}<extra></extra>"
        if len(solved) <= MAX_BARS:
            traces.append(go.Bar(x=labels, y=solved[column], name=name, hovertemplate=hover))
        else:
            traces.append(go.Scatter(x=labels, y=solved[column], name=name, hovertemplate=hover, stackgroup="all"))
    return traces


def stage_section(sweep: Sweep) -> Section | None:
    """Cost by stage of each point's plan, stacked: the stack is the point's total cost."""
    stages = sweep.columns("cost.")
    if not stages or not sweep.optimal.any():
        return None
    currency = sweep.currency
    figure = go.Figure(stacked(sweep, stages, "cost.", "stage", currency, MONEY_HOVER))
    figure.update_layout(
        barmode="relative",  # a stage whose rebates outweigh its costs stacks below 0
        title=f"Cost by stage ({currency})",
        xaxis=_per_point_axis(sweep),
        yaxis={"title": {"text": f"cost ({currency})"}, "tickformat": ",.0f"},
    )
    return Section(
        "Cost by stage",
        intro=["Each point's cost by stage, stacked: the stack is its total cost."],
        figures=[look(figure)],
    )


def staffing_section(sweep: Sweep) -> Section | None:
    """FTE by role of each point's plan (summed over nodes, mean over the periods), stacked."""
    roles = sweep.columns("fte.")
    if not roles or not sweep.optimal.any():
        return None
    figure = go.Figure(stacked(sweep, roles, "fte.", "role", "FTE (mean over periods)", ":,.2f"))
    figure.update_layout(
        barmode="stack",
        title="Staff by role: FTE (mean over periods)",
        xaxis=_per_point_axis(sweep),
        yaxis={"title": {"text": "staff (FTE, mean over periods)"}, "tickformat": ",.1f"},
    )
    return Section(
        "Staffing", intro=["Each point's staff by role, summed over nodes, mean over periods."], figures=[look(figure)]
    )


KPI_ROWS = (
    ("quality.", "quality", "%", 100.0, ":.2f"),
    ("mean_response_time.", "response", "{time_units}", 1.0, ":,.2f"),
    ("served.", "served", "units", 1.0, ":,.0f"),
)
"""The KPI chart's rows: column prefix, name, unit, scale (a share shown as %), hover number format. The
axis titles are short (three charts share the height); the section's text says what each figure is."""


def demands_of(sweep: Sweep) -> list[str]:
    return [c.removeprefix("served.") for c in sweep.columns("served.")]


def kpi_section(sweep: Sweep) -> Section | None:
    """Each demand's quality, mean response time and served units at each point: one line per demand;
    a hollow marker where the demand was not met (a unit unserved in its period, or a target missed)."""
    demands = demands_of(sweep)
    if not demands or not sweep.optimal.any():
        return None
    figure = kpi_figure(sweep, demands[:MAX_DEMANDS])
    intro = [
        "Each demand's quality (% of units done right, served-weighted over the periods), mean response time "
        f"({sweep.time_unit}s, over the units served) and units served (all periods) at each point's plan; a "
        "hollow marker where the demand was not met (a unit not served in its period, or a target missed)."
    ]
    if len(demands) > MAX_DEMANDS:
        intro.append(f"The first {MAX_DEMANDS} of {len(demands)} demands are drawn; points.csv has every one.")
    return Section("Service by demand", intro=intro, figures=[figure])


def kpi_figure(sweep: Sweep, demands: Sequence[str]) -> go.Figure:
    solved, labels = sweep.points[sweep.optimal], sweep.labels[sweep.optimal]
    figure = make_subplots(rows=len(KPI_ROWS), cols=1, shared_xaxes=True, vertical_spacing=0.06)
    colours = go.Figure().layout.template.layout.colorway or ()
    for index, demand in enumerate(demands):
        met = solved[f"met.{demand}"].astype(bool) if f"met.{demand}" in solved else pd.Series(True, solved.index)
        # plotly's symbol numbers (0: circle, 100: circle-open), one for all when every point is met: a list
        # of thousands of symbol names costs seconds of plotly's validation
        symbols = 0 if met.all() else [0 if m else 100 for m in met]
        answers = ["yes" if m else "no" for m in met]
        for row, (prefix, name, unit, scale, fmt) in enumerate(KPI_ROWS, start=1):
            column = prefix + demand
            if column not in solved:
                continue
            shown_unit = unit.format(time_units=units(sweep.time_unit))
            figure.add_trace(
                go.Scatter(
                    x=labels,
                    y=solved[column].astype(float) * scale,
                    customdata=answers,
                    mode="lines+markers",
                    name=demand,
                    legendgroup=demand,
                    showlegend=row == 1,
                    line={"color": colours[index % len(colours)]} if colours else None,
                    marker={"symbol": symbols, "size": 8},
                    hovertemplate=(
                        f"point %{{x}}<br>{demand}: {name} %{{y{fmt}}} ({shown_unit})<br>met: %{{customdata}}"
                        "<extra></extra>"
                    ),
                ),
                row=row,
                col=1,
            )
            figure.update_yaxes(title_text=f"{name} ({shown_unit})", row=row, col=1)
    figure.update_layout(title="Quality (%), mean response time and units served by demand", height=720)
    look(figure)
    # room at the left for the three axis titles whatever their ticks' widths (the middle one was cut off)
    figure.update_layout(margin={"l": 90})
    figure.update_yaxes(tickformat=",", title_standoff=8)
    figure.update_xaxes(type="category", categoryorder="array", categoryarray=sweep.label_order)
    for row in range(1, len(KPI_ROWS)):  # the charts above share the bottom one's x axis and its title
        figure.update_xaxes(title_text="", row=row, col=1)
    figure.update_xaxes(title_text=points_title(sweep), row=len(KPI_ROWS), col=1)
    return figure


# --- the table ------------------------------------------------------------------------------------------


def points_section(sweep: Sweep) -> Section:
    """Every point (up to MAX_TABLE_ROWS): its values, status, total cost and whether every demand was met."""
    points, currency = sweep.points, sweep.currency
    table = pd.DataFrame({"point": points.point.astype(str)})
    for axis in sweep.axes:
        table[axis.path] = points[axis.path].astype(str)
    table["status"] = points.status.astype(str)
    table[f"total cost ({currency})"] = [
        number(v) if s == OPTIMAL else "-" for v, s in zip(points.total_cost, points.status)
    ]
    met = sweep.columns("met.")
    if met:
        every = points[met].fillna(False).astype(bool).all(axis=1)  # no KPIs (not solved): not met
        table["every demand met"] = ["yes" if m and s == OPTIMAL else "no" for m, s in zip(every, points.status)]
    if "message" in points.columns:
        table["message"] = ["" if s == OPTIMAL else str(m) for m, s in zip(points.message.fillna(""), points.status)]
    shown, note = shown_rows(table, "points.csv has every point")
    return Section("Points", intro=note, tables=[(f"Points of the sweep (money in {currency})", shown)])
