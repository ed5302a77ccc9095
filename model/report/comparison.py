"""The report of a comparison folder: the cost bridge from run A to run B as a waterfall, and what moved.

It reads what `e2eopt compare A B --out DIR` writes (model/compare.py): comparison.json (the runs, their
statuses, currency, notes and every column's unit) and the CSV tables. The waterfall starts at A's
total, steps through the bridge's four effects over all stages (volume, rate, mix, routing: they add
up to the change exactly, by the bridge's construction) and ends at B's total. Below it: the effects
by stage, cost by stage and category side by side, the largest staffing changes, each demand's KPIs,
the inputs that differ and the biggest routing shifts. A comparison of a run without results
(infeasible) has only its inputs: the report shows those and the notes saying why.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from model.compare import COLUMNS, MARKER, TABLE_NAMES, TOTAL, UNITS
from model.errors import ReportError
from model.formatting import money, number, percent, plural
from model.report.formats import MONEY_HOVER, read_csv, read_json, shown_rows, units
from model.report.page import Section
from model.report.style import look

EFFECTS = ("volume", "rate", "mix", "routing")
"""The bridge's effects, in the order the waterfall steps through them (model/compare.py, cost_bridge)."""

TOP_STAFFING = 15
"""Staffing changes drawn (the largest in FTE); staffing.csv has every node, role and period."""

TEXT_COLUMNS = {name: tuple(c for c in COLUMNS[name] if c not in UNITS.get(name, {})) for name in TABLE_NAMES}
"""Each table's columns without a unit, read as text: names (a period `1`, a node `001`) and scenario values
as written (`[a, b]`, `null`) must not become numbers or NaN."""


@dataclass(frozen=True)
class Compared:
    """A comparison folder as its report needs it."""

    folder: Path
    run_a: str
    run_b: str
    status_a: str
    status_b: str
    currency: str
    time_unit: str
    notes: list[str]
    tables: dict[str, pd.DataFrame]

    @property
    def has_results(self) -> bool:
        return len(self.tables["bridge"]) > 0

    @property
    def total(self) -> pd.Series:
        """The bridge's last row: A's and B's totals, the change and each effect over all stages."""
        bridge = self.tables["bridge"]
        return bridge[bridge.stage == TOTAL].iloc[0]


def page(folder: Path) -> tuple[str, list[str], list[Section]]:
    """Title, headline and sections of a comparison folder's report."""
    compared = read_comparison(folder)
    sections: list[Section | None] = []
    if compared.has_results:
        sections += [
            bridge_section(compared),
            totals_section(compared),
            staffing_section(compared),
            kpi_section(compared),
        ]
    sections += [inputs_section(compared), routing_section(compared)]
    title = f"Comparison: {run_name(compared.run_b)} against {run_name(compared.run_a)}"
    return title, headline(compared), [s for s in sections if s is not None]


def read_comparison(folder: Path) -> Compared:
    """comparison.json and the tables; ReportError when one is missing or damaged."""
    folder = Path(folder)
    described = read_json(folder / MARKER)
    missing = [k for k in ("run_a", "run_b", "currency", "time_unit") if not isinstance(described.get(k), str)]
    if missing:
        raise ReportError(f"{folder / MARKER} is damaged (no {', '.join(missing)}): cannot report on it")
    tables = {name: read_csv(folder / f"{name}.csv", TEXT_COLUMNS[name]) for name in TABLE_NAMES}
    for name, frame in tables.items():
        _check_columns(folder, name, frame)
    bridge = tables["bridge"]
    if len(bridge) and TOTAL not in set(bridge.stage):
        raise ReportError(f"{folder / 'bridge.csv'} is damaged (no {TOTAL} row): run `e2eopt compare` again")
    notes = described.get("notes", [])
    return Compared(
        folder,
        described["run_a"],
        described["run_b"],
        str(described.get("status_a", "unknown")),
        str(described.get("status_b", "unknown")),
        described["currency"],
        described["time_unit"],
        [str(n) for n in notes] if isinstance(notes, list) else [],
        tables,
    )


def _check_columns(folder: Path, name: str, frame: pd.DataFrame) -> None:
    """Every column `e2eopt compare` writes is there, and those with a unit hold numbers (made numeric
    in place); ReportError naming the file and the column otherwise (damaged, or another version's)."""
    missing = [c for c in COLUMNS[name] if c not in frame.columns]
    if missing:
        raise ReportError(
            f"{folder / name}.csv lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            "(damaged, or written by another version): run `e2eopt compare` again to make the folder anew"
        )
    for column in UNITS.get(name, {}):
        try:
            frame[column] = pd.to_numeric(frame[column])
        except (ValueError, TypeError):
            raise ReportError(
                f"{folder / name}.csv is damaged (column {column} holds text where numbers belong): "
                "run `e2eopt compare` again"
            ) from None


def run_name(run: str) -> str:
    """A run folder's name; a sweep's point as `<sweep folder> point NNNN`."""
    path = Path(run)
    return f"{path.parent.parent.name} point {path.name}" if path.parent.name == "points" else path.name


# --- words ------------------------------------------------------------------------------------------


def headline(compared: Compared) -> list[str]:
    """The two runs, their statuses and totals, the change, and the comparison's notes."""
    lines = [f"A: {compared.run_a} ({compared.status_a}).", f"B: {compared.run_b} ({compared.status_b})."]
    if compared.has_results:
        total, currency = compared.total, compared.currency
        change = total.cost_b - total.cost_a
        share = f" ({percent(change / total.cost_a, signed=True)})" if total.cost_a else ""
        lines.append(
            f"Total cost {money(total.cost_a, currency)} -> {money(total.cost_b, currency)}: "
            f"{money(change, currency, signed=True)}{share}."
        )
    lines += compared.notes
    return lines


# --- the bridge ---------------------------------------------------------------------------------------


def bridge_section(compared: Compared) -> Section:
    total, currency = compared.total, compared.currency
    steps = ", ".join(f"{effect} {money(total[effect], currency, signed=True)}" for effect in EFFECTS)
    intro = [
        f"From A's {money(total.cost_a, currency)} to B's {money(total.cost_b, currency)}: {steps}. "
        "Volume: A's cost scaled by the growth of total demand; rate: B's plan at B's prices against A's; "
        "mix: demands growing faster or slower than the total; routing: the rest, a change in where work "
        'went and how it was staffed (docs/model.md, "Comparing two runs").',
    ]
    bottom = axis_start(running_totals(compared))
    if bottom > 0:
        intro.append(
            f"The waterfall's axis starts at {money(bottom, currency)}, not at zero, so that the steps can be seen: "
            "the bars of the totals are cut short and the steps look larger against them than they are."
        )
    return Section("Cost bridge from A to B", intro=intro, figures=[waterfall(compared), effects_by_stage(compared)])


def waterfall(compared: Compared) -> go.Figure:
    """A's total, each effect over all stages, B's total: the steps add up to B's total minus A's.
    A step's hover gives the step itself and, labelled as such, the running total after it (plotly's
    own %{y} of a waterfall's step is the running total, which read as the effect). Increases are red
    and decreases green (a cost); the axis starts near the lowest level, which the axis title says."""
    total, currency = compared.total, compared.currency
    labels = ["A: total", *EFFECTS, "B: total"]
    amounts = [float(total.cost_a), *(float(total[e]) for e in EFFECTS), float(total.cost_b)]
    running = running_totals(compared)
    figure = go.Figure(
        go.Waterfall(
            x=labels,
            y=amounts,
            measure=["absolute", *["relative"] * len(EFFECTS), "total"],
            text=[money(amount, currency, signed=0 < i < len(labels) - 1) for i, amount in enumerate(amounts)],
            textposition="outside",
            connector={"line": {"color": "#888"}},
            increasing={"marker": {"color": INCREASE}},
            decreasing={"marker": {"color": DECREASE}},
            totals={"marker": {"color": TOTALS}},
            customdata=[[amount, level] for amount, level in zip(amounts, running)],
            hovertemplate=[waterfall_hover(i, len(labels), currency) for i in range(len(labels))],
            name="cost bridge",
        )
    )
    bottom = axis_start(running)
    start = f"; axis from {number(bottom, 0)}, not 0" if bottom > 0 else ""
    figure.update_layout(
        title=f"Cost bridge, A to B ({currency})",
        xaxis={"title": {"text": "step (effect over all stages)"}},
        yaxis={"title": {"text": f"total cost ({currency}{start})"}, "tickformat": ",.0f"},
        showlegend=False,
    )
    if bottom > 0:
        top = max(running)
        figure.update_yaxes(range=[bottom, top + 0.15 * (top - bottom)])  # room for the labels above the bars
    return look(figure)


def running_totals(compared: Compared) -> list[float]:
    """The waterfall's levels: A's total, the running total after each effect, and B's total."""
    total = compared.total
    steps = [float(total.cost_a), *(float(total[effect]) for effect in EFFECTS)]
    return [*itertools.accumulate(steps), float(total.cost_b)]


INCREASE, DECREASE, TOTALS = "#d62728", "#2ca02c", "#4c78a8"
"""The waterfall's colours: a step that adds cost red, one that saves green, the two totals blue."""


def waterfall_hover(index: int, bars: int, currency: str) -> str:
    """The hover of the waterfall's bar `index` of `bars`: a total's amount, or a step's effect (signed)
    and the running total after it, both from the bar's customdata (amount, running total)."""
    if index in (0, bars - 1):
        return f"%{{x}}: %{{customdata[0]{MONEY_HOVER}}} {currency}<extra></extra>"
    return (
        f"%{{x}}: %{{customdata[0]:+,.2f}} {currency} (this step)"
        f"<br>running total after it: %{{customdata[1]{MONEY_HOVER}}} {currency}<extra></extra>"
    )


ZERO_AXIS_SHARE = 0.5
"""The waterfall's axis starts at 0 when its levels span at least this share of the highest level;
otherwise near the lowest level, so that steps of a few percent are seen."""


def axis_start(levels: Sequence[float]) -> float:
    """Where the waterfall's value axis starts: 0 when the levels span much of the scale (or one is not
    positive), else a round number below the lowest level by a quarter of the span (a truncated axis
    exaggerates the steps: the axis title says where it starts)."""
    low, high = min(levels), max(levels)
    if low <= 0 or high - low >= ZERO_AXIS_SHARE * high:
        return 0.0
    margin = max(high - low, 1e-6 * high) * 0.25
    step = 10 ** math.floor(math.log10(margin))
    return float(max(0.0, math.floor((low - margin) / step) * step))


def effects_by_stage(compared: Compared) -> go.Figure:
    """Each stage's change split into the four effects (bars stacked: positive up, negative down)."""
    bridge, currency = compared.tables["bridge"], compared.currency
    stages = bridge[bridge.stage != TOTAL]
    figure = go.Figure(
        [
            go.Bar(
                x=stages.stage,
                y=stages[effect],
                name=effect,
                hovertemplate=f"stage %{{x}}<br>{effect}: %{{y{MONEY_HOVER}}} {currency}<extra></extra>",
            )
            for effect in EFFECTS
        ]
    )
    figure.update_layout(
        barmode="relative",
        title=f"Change in cost by stage and effect ({currency})",
        xaxis={"title": {"text": "stage"}},
        yaxis={"title": {"text": f"change in cost, B - A ({currency})"}, "tickformat": ",.0f"},
    )
    return look(figure)


# --- cost, staff, service -------------------------------------------------------------------------------


def totals_section(compared: Compared) -> Section | None:
    """Cost by stage and category over the horizon, A's bar beside B's."""
    totals, currency = compared.tables["totals"], compared.currency
    if totals.empty:
        return None
    x = [totals.stage.astype(str).tolist(), totals.category.astype(str).tolist()]
    figure = go.Figure(
        [
            go.Bar(
                x=x,
                y=totals[column],
                name=side,
                customdata=list(zip(totals.stage, totals.category)),
                hovertemplate=(
                    f"{side}<br>%{{customdata[0]}}, %{{customdata[1]}}: %{{y{MONEY_HOVER}}} {currency}<extra></extra>"
                ),
            )
            for side, column in (("A", "cost_a"), ("B", "cost_b"))
        ]
    )
    figure.update_layout(
        barmode="group",
        title=f"Cost by stage and category, A and B ({currency})",
        xaxis={"title": {"text": "stage and cost category"}},
        yaxis={"title": {"text": f"cost over the horizon ({currency})"}, "tickformat": ",.0f"},
    )
    return Section("Cost by stage and category", figures=[look(figure)])


def staffing_section(compared: Compared) -> Section | None:
    """The largest changes in FTE (node, role, period), with their change in staff cost."""
    staffing, currency = compared.tables["staffing"], compared.currency
    moved = staffing[staffing.fte_change.abs() > 1e-9]
    if moved.empty:
        return Section("Staffing", intro=["No node, role or period has a different number of FTE."])
    top = moved.reindex(moved.fte_change.abs().sort_values(ascending=False, kind="stable").index).head(TOP_STAFFING)
    labels = (top.node.astype(str) + " / " + top.role.astype(str) + " / " + top.period.astype(str)).tolist()
    figure = go.Figure(
        go.Bar(
            x=top.fte_change,
            y=labels,
            orientation="h",
            customdata=list(zip(top.fte_a, top.fte_b, top.cost_change)),
            hovertemplate=(
                "%{y}<br>FTE %{customdata[0]:,.2f} -> %{customdata[1]:,.2f}: %{x:+,.2f} FTE"
                f"<br>staff cost %{{customdata[2]:+,.2f}} {currency}<extra></extra>"
            ),
            name="change in FTE",
        )
    )
    figure.update_layout(
        title=f"Largest staffing changes (FTE, B - A; top {len(top)} of {len(moved)})",
        xaxis={"title": {"text": "change in staff, B - A (FTE)"}, "tickformat": ",.1f"},
        yaxis={
            "title": {"text": "node / role / period"},
            "autorange": "reversed",
            "type": "category",
            "automargin": True,
        },
        height=max(320, 60 + 28 * len(top)),
    )
    table = pd.DataFrame(
        {
            "node": top.node.astype(str),
            "role": top.role.astype(str),
            "period": top.period.astype(str),
            "FTE A": [number(v) for v in top.fte_a],
            "FTE B": [number(v) for v in top.fte_b],
            "change (FTE)": [number(v, signed=True) for v in top.fte_change],
            f"staff cost change ({currency})": [number(v, signed=True) for v in top.cost_change],
        }
    )
    intro = [
        f"{plural(len(moved), 'change')} in staff (node, role and period); the {len(top)} largest drawn. "
        "staffing.csv has every node, role and period."
    ]
    return Section("Staffing", intro=intro, figures=[look(figure)], tables=[("Largest staffing changes", table)])


def kpi_section(compared: Compared) -> Section | None:
    """Each demand's cost to serve (A beside B) and its KPIs per period, A -> B."""
    kpis, currency, time_unit = compared.tables["demand_kpis"], compared.currency, compared.time_unit
    if kpis.empty:
        return None
    by_demand = kpis.groupby("demand", sort=False)[["cost_to_serve_a", "cost_to_serve_b"]].sum(min_count=1)
    figure = go.Figure(
        [
            go.Bar(
                x=by_demand.index,
                y=by_demand[column],
                name=side,
                hovertemplate=f"{side}<br>%{{x}}: %{{y{MONEY_HOVER}}} {currency}<extra></extra>",
            )
            for side, column in (("A", "cost_to_serve_a"), ("B", "cost_to_serve_b"))
        ]
    )
    figure.update_layout(
        barmode="group",
        title=f"Cost to serve by demand, A and B ({currency}, all periods)",
        xaxis={"title": {"text": "demand"}},
        yaxis={"title": {"text": f"cost to serve ({currency})"}, "tickformat": ",.0f"},
    )

    def pair(column: str, share: bool = False) -> list[str]:
        show = percent if share else number
        return [f"{show(a)} -> {show(b)}" for a, b in zip(kpis[f"{column}_a"], kpis[f"{column}_b"])]

    table = pd.DataFrame(
        {
            "demand": kpis.demand.astype(str),
            "period": kpis.period.astype(str),
            "served, A -> B (units)": pair("served"),
            "quality, A -> B (% done right)": pair("quality", share=True),
            f"mean response time, A -> B ({units(time_unit)})": pair("mean_response_time"),
            f"cost per unit, A -> B ({currency} per unit)": pair("cost_per_unit"),
        }
    )
    shown, note = shown_rows(table, "demand_kpis.csv has every demand and period")
    return Section("Demands", intro=note, figures=[look(figure)], tables=[("Each demand's KPIs per period", shown)])


def inputs_section(compared: Compared) -> Section:
    """Every scenario field that differs, as the scenario files write it."""
    inputs = compared.tables["inputs"]
    if inputs.empty:
        return Section("Inputs", intro=["The two scenarios are the same: every difference is the solver's."])
    table = inputs[["path", "change", "old", "new"]].rename(columns={"old": "A", "new": "B"})
    shown, note = shown_rows(table, "inputs.csv has every field")
    differ = "differs" if len(inputs) == 1 else "differ"
    intro = [f"{plural(len(inputs), 'field')} of the scenario {differ}.", *note]
    return Section("Inputs", intro=intro, tables=[("Scenario fields that differ (values as in the files)", shown)])


def routing_section(compared: Compared) -> Section | None:
    """The biggest shifts of work and hand-offs (units over the horizon)."""
    routing = compared.tables["routing"]
    if routing.empty:
        return None
    table = pd.DataFrame(
        {
            "demand": routing.demand.astype(str),
            "kind": routing.kind.astype(str),
            "where": routing["where"].astype(str),
            "units A": [number(v) for v in routing.units_a],
            "units B": [number(v) for v in routing.units_b],
            "change (units)": [number(v, signed=True) for v in routing.change],
        }
    )
    shown, note = shown_rows(table, "routing.csv has them all")
    return Section("Routing shifts", intro=note, tables=[("Biggest shifts of work and hand-offs (units)", shown)])
