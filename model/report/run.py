"""The report of one run folder: headline, demands against their targets, the value chain as a
Sankey, cost, staffing and utilisation, what binds, queues, and the diagnosis of an infeasible run.

Every figure is read from the run's own tables (summary.json and the Parquet files) and every unit
from summary.json's `units`, so the page shows what the folder holds, not a second computation.
Large runs are aggregated so that the page stays readable: the demands and nodes that carry the
most work are shown by name, the rest folded into one entry per stage ("other ... (k)").
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from model import run_folder
from model.errors import ReportError
from model.formatting import money, number, percent, percent_change, plural
from model.report import unreadable
from model.report.formats import units, unsigned_zero
from model.report.page import SANKEY_LABELS, Section
from model.report.style import COLOURS, layout, translucent
from model.run_folder import RunFolderError

TOP_DEMANDS = 10
"""Demands shown by name in the Sankey (the rest are one flow, "other demands")."""
TOP_NODES_PER_STAGE = 12
"""Nodes of a stage shown by name in the Sankey (the rest are one node per stage)."""
TOP_STAFFED = 30
"""Nodes shown in the staffing chart and node-roles in the heat map (those with the most hours)."""
TOP_KPI_DEMANDS = 30
"""Demands shown against their targets (those closest to a target)."""
TOP_SENTENCES = 10
"""Rows of the sensitivity table put in words."""
TOP_LANES = 30
"""Queue lanes shown (those with the lowest service level against their target)."""
TOP_REWORK = 30
"""Rows of the rework table shown (those with the highest rework cost, then the most units)."""
TABLES_USED = (
    "costs",
    "demand_kpis",
    "flows",
    "queues",
    "rework",
    "rules",
    "segments",
    "sensitivity",
    "staffing",
    "work",
    "sites",
    "roster",
    "coverage",
)
"""The run's tables the report reads (the others are not shown: no need to read them)."""
OTHER = "other"
"""Label of what is folded together in a large run."""
FOLDED_COLOUR = "#9e9e9e"
"""The colour of the demands folded together in a large run's Sankey."""
FIGURE_BARS = "#6baed6"
"""Bars drawn against a target (response time, average wait): a mid blue, on which TARGET stands out."""
TARGET = "#222222"
"""Targets' marks: near black, seen on the blue bars and markers even where a figure equals its target."""


@dataclass(frozen=True)
class Run:
    """What a run folder holds, as the report reads it."""

    folder: Path
    summary: dict
    tables: dict[str, pd.DataFrame]
    stages: list[str]  # the value chain's stages in the scenario's order

    @property
    def currency(self) -> str:
        return str(self.summary.get("currency") or "")

    def unit(self, table: str, column: str) -> str:
        """The column's unit as summary.json gives it ("" if it gives none)."""
        return str(self.summary.get("units", {}).get(table, {}).get(column, ""))

    def has(self, table: str) -> bool:
        return table in self.tables and len(self.tables[table]) > 0


def page(folder: Path, base: Path | None = None) -> tuple[str, list[str], list[Section]]:
    """The run report's title, headline lines and sections (a base run adds the difference, and
    warnings first when it is not a run of the same scenario)."""
    run = read(folder)
    headline = headline_lines(run)
    sections: list[Section] = []
    if base is not None:
        base_summary = read_summary(base)
        warnings = base_warnings(run, base_summary, Path(base))
        lines, section = against_base(run, base_summary, base)
        headline = [*warnings, *headline, *lines]
        sections.append(replace(section, intro=[*warnings, *section.intro]))
    diagnosis = folder / "diagnosis.csv"
    if diagnosis.is_file():
        sections.append(diagnosis_section(diagnosis))
    sections.extend(run_sections(run))
    title = f"Run report: {run.summary.get('scenario', folder.name)} ({folder.name})"
    return title, headline, sections


# --- reading ---------------------------------------------------------------------------------------


def read_summary(folder: Path) -> dict:
    """summary.json of a run folder (model.run_folder.read_summary), or ReportError naming the file
    and what is wrong."""
    try:
        return run_folder.read_summary(folder)
    except RunFolderError as error:
        raise unreadable(error) from None


def read(folder: Path) -> Run:
    """The run's summary and the tables the report shows (model.run_folder: as model.runs.read_run
    reads them, without importing the solver machinery that module brings), and its stages in order."""
    summary = read_summary(folder)
    try:
        tables = run_folder.read_tables(folder, summary, TABLES_USED)
    except RunFolderError as error:
        raise unreadable(error) from None
    return Run(Path(folder), summary, tables, stage_order(Path(folder), tables))


def stage_order(folder: Path, tables: dict[str, pd.DataFrame]) -> list[str]:
    """The stages as the scenario lists them, then any other stage the tables name (the tables'
    order alone if the scenario cannot be read)."""
    try:
        listed = scenario_stages(folder)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, StopIteration):
        listed = []
    seen = [str(s) for name in ("work", "costs", "staffing") if name in tables for s in tables[name].stage.unique()]
    return list(dict.fromkeys([*listed, *seen]))


def scenario_stages(folder: Path) -> list[str]:
    """The `stages:` list of the run's scenario.yaml (a sweep point's: of the sweep's base.yaml, which
    point.yaml names; overrides change figures, not stages). Only that entry is parsed, every value
    as text (a stage called `no` stays "no"), so a large scenario costs no more than a small one."""
    import yaml

    path = folder / "scenario.yaml"
    if not path.is_file():
        point = (folder / "point.yaml").read_text(encoding="utf-8")
        record = json.loads("".join(line for line in point.splitlines(True) if not line.startswith("#")))
        path = folder / record["base"]
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("stages:"))
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i][:1] not in ("", " ", "-", "#", "\t")),
        len(lines),
    )
    try:
        entry = yaml.load("\n".join(lines[start:end]), Loader=yaml.BaseLoader)
    except yaml.YAMLError as error:
        raise ValueError(f"{path}: stages: {error}") from None
    return [str(stage) for stage in entry["stages"]]


# --- headline and base --------------------------------------------------------------------------------


def headline_lines(run: Run) -> list[str]:
    """Status, total cost with its currency, the periods, the input and when it was solved."""
    summary = run.summary
    lines = [f"Status: {summary.get('status', 'unknown')} ({summary.get('message', '')})".replace(" ()", "")]
    periods = [str(p) for p in summary.get("periods", [])]
    span = f"{periods[0]} to {periods[-1]}" if len(periods) > 1 else "".join(periods)
    over = f" over {plural(len(periods), 'period')} ({span})" if periods else ""
    if summary.get("total_cost") is not None:
        lines.append(f"Total cost: {money(summary['total_cost'], run.currency)}{over}")
    elif over:
        lines.append(f"No total cost: the run has no solution{over}.")
    given = summary.get("input", {})
    if given:
        lines.append(
            f"Scenario {summary.get('scenario', '?')} from {given.get('file', '?')} "
            f"(scenario SHA-256 {str(given.get('scenario_sha256', '?'))[:12]}), "
            f"solved {summary.get('created_utc', '?')}"
        )
    if summary.get("overrides"):
        lines.append(overrides_line(summary["overrides"], (run.folder / "overrides.yaml").is_file()))
    lines += [f"Note: {note}" for note in summary.get("notes", [])]
    return lines


SHOWN_OVERRIDES = 5
"""Overrides named in the headline (the rest are counted, and listed in overrides.yaml)."""


def overrides_line(overrides: Sequence[dict], in_folder: bool) -> str:
    """The overrides applied, by path and value as given (`demands.*.volume = *1.1 (--set)`); where
    they are kept when the run has an overrides.yaml (a what-if solved in the workbench has none)."""
    shown = [
        f"{item.get('override', '?')} "
        + ("removed" if item.get("value") == "removed" else f"= {item.get('value', '?')}")
        + f" ({item.get('origin', '?')})"
        for item in overrides[:SHOWN_OVERRIDES]
    ]
    more = len(overrides) - len(shown)
    listed = "; ".join(shown) + (f"; and {more:,} more" if more > 0 else "")
    where = " (overrides.yaml)" if in_folder else ""
    return f"With {plural(len(overrides), 'override')}{where}: {listed}."


def base_warnings(run: Run, base: dict, folder: Path) -> list[str]:
    """Why a base run may not be a fair base: another scenario (by summary.json's `scenario`), or other
    stages; a ReportError for costs in another currency, which cannot be subtracted."""
    currency, base_currency = run.currency, str(base.get("currency") or "")
    if currency and base_currency and currency != base_currency:
        raise ReportError(
            f"--base {folder}: its costs are in {base_currency} and this run's in {currency}; costs in two "
            f"currencies cannot be subtracted. Give a base run whose scenario's currency is {currency}"
        )
    warnings = []
    name, base_name = run.summary.get("scenario"), base.get("scenario")
    if name != base_name:
        warnings.append(
            f"Warning: the base run is of another scenario ({base_name}, this run {name}): the difference "
            "compares two different businesses, not a change to one."
        )
    stages, base_stages = listed_stages(run.folder, run.summary), listed_stages(Path(folder), base)
    if stages != base_stages:
        only_base = [s for s in base_stages if s not in stages]
        only_this = [s for s in stages if s not in base_stages]
        how = "; ".join(
            [f"only in the base: {', '.join(only_base)}"] * bool(only_base)
            + [f"only in this run: {', '.join(only_this)}"] * bool(only_this)
        )
        warnings.append(
            f"Warning: the base run's stages differ ({how or 'the same stages in another order'}): "
            "the difference stage by stage compares two value chains."
        )
    return warnings


def listed_stages(folder: Path, summary: dict) -> list[str]:
    """A run's stages as its scenario lists them; summary.json's cost_by_stage order when the scenario
    cannot be read."""
    try:
        return scenario_stages(folder)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, StopIteration):
        return [str(stage) for stage in summary.get("cost_by_stage", {})]


def against_base(run: Run, base: dict, folder: Path) -> tuple[list[str], Section]:
    """The headline's comparison with a base run (total, difference and %) and a section by stage
    (the currencies are the same: base_warnings refuses others)."""
    name = f"{base.get('scenario', '?')} ({Path(folder).name})"
    total, base_total = run.summary.get("total_cost"), base.get("total_cost")
    if total is None or base_total is None:
        missing, status = (
            ("this run", run.summary.get("status")) if total is None else ("the base run", base.get("status"))
        )
        line = f"Against base run {name}: no difference, {missing} has no total cost (status {status})."
        return [line], Section("Against the base run", intro=[line])
    currency = run.currency
    difference = total - base_total
    line = (
        f"Against base run {name}: {money(base_total, currency)}; difference {money(difference, currency, signed=True)}"
        f" ({percent_change(difference, base_total)})"
    )
    frame = stage_differences(run, base)
    figure = go.Figure(
        go.Bar(
            x=frame.stage,
            y=frame.difference,
            customdata=frame[["base", "this"]].to_numpy(),
            marker_color=["#d62728" if d > 0 else "#2ca02c" for d in frame.difference],
            hovertemplate=f"%{{x}}: %{{y:+,.2f}} {currency}<br>base %{{customdata[0]:,.2f}} {currency}, "
            f"this run %{{customdata[1]:,.2f}} {currency}<extra></extra>",
            name="difference",
        )
    )
    layout(figure, "Cost difference by stage (this run - base)", "stage", f"difference ({currency})")
    shown = pd.DataFrame(
        {
            "stage": frame.stage,
            f"base ({currency})": frame.base.map(number),
            f"this run ({currency})": frame.this.map(number),
            f"difference ({currency})": frame.difference.map(lambda v: number(v, signed=True)),
            "difference (%)": [percent_change(d, b) for d, b in zip(frame.difference, frame.base)],
        }
    )
    return [line], Section("Against the base run", intro=[line], figures=[figure], tables=[("Cost by stage", shown)])


def stage_differences(run: Run, base: dict) -> pd.DataFrame:
    """Cost by stage in both runs (summary.json's cost_by_stage; 0 for a stage one run lacks)."""
    this, before = run.summary.get("cost_by_stage", {}), base.get("cost_by_stage", {})
    stages = [s for s in run.stages if s in this or s in before] + sorted((set(this) | set(before)) - set(run.stages))
    frame = pd.DataFrame(
        {"stage": stages, "base": [before.get(s, 0.0) for s in stages], "this": [this.get(s, 0.0) for s in stages]}
    )
    return frame.assign(difference=frame.this - frame.base)


# --- sections ------------------------------------------------------------------------------------


def diagnosis_section(path: Path) -> Section:
    """An infeasible run: what would make it feasible, and what conflicts (diagnosis.csv's sentences)."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as error:
        raise ReportError(f"{path}: cannot be read: {error}") from None
    if "sentence" not in frame.columns:
        raise ReportError(f"{path}: has no `sentence` column; it is not a diagnosis that e2eopt wrote")
    return diagnosis_of(frame)


def diagnosis_of(frame: pd.DataFrame) -> Section:
    """The diagnosis section from diagnosis.csv's table, every value as text (the workbench gives the
    outcome's table, conformed as written)."""
    kind = frame.get("kind", pd.Series([""] * len(frame)))
    relax, conflict = frame[kind == "relaxation"], frame[kind == "conflict"]
    intro = ["The scenario has no feasible plan."]
    if len(relax):
        intro.append("What would make it feasible (the smallest relaxation):")
        intro += [f"- {s}" for s in relax.sentence]
    if len(conflict):
        intro.append("What conflicts (an irreducible infeasible set, from HiGHS):")
        intro += [f"- {s}" for s in conflict.sentence]
    intro += [f"- {s}" for s in frame[(kind != "relaxation") & (kind != "conflict")].sentence]
    tables = []
    if len(relax) and {"field", "period", "current", "relaxed_to", "unit"} <= set(frame.columns):
        shown = relax[["field", "period", "current", "relaxed_to", "unit"]].rename(columns={"relaxed_to": "relaxed to"})
        tables.append(("The relaxation, field by field (in the field's unit)", shown))
    return Section("Diagnosis: why there is no plan", intro=intro, tables=tables)


def demand_section(run: Run) -> Section | None:
    """Each demand's quality and mean response time per period against its targets."""
    if not run.has("demand_kpis"):
        return None
    kpis = run.tables["demand_kpis"]
    shown, intro = closest_to_target(kpis), []
    if shown.demand.nunique() < kpis.demand.nunique():
        intro.append(
            f"Showing the {shown.demand.nunique()} of {kpis.demand.nunique()} demands closest to a target "
            "(all in demand_kpis.parquet)."
        )
    x = [shown.demand.tolist(), shown.period.tolist()]
    quality_unit, hours = run.unit("demand_kpis", "quality"), units(str(run.summary.get("time_unit", "hour")))
    quality = go.Figure()
    quality.add_trace(
        go.Scatter(
            x=x,
            y=shown.quality,
            mode="markers",
            name="quality",
            marker={"size": 10, "color": COLOURS[0]},
            hovertemplate=f"%{{x}}: quality %{{y:.2%}} ({quality_unit})<extra></extra>",
        )
    )
    quality.add_trace(target_marks(x, shown.min_quality, "minimum quality (target)", "%{y:.2%}"))
    layout(
        quality, "Quality against the minimum, by demand and period", "demand, period", f"quality ({quality_unit}, %)"
    )
    quality.update_yaxes(tickformat=".1%")
    response = go.Figure()
    response.add_trace(
        go.Bar(
            x=x,
            y=shown.mean_response_time,
            name="mean response time",
            marker_color=FIGURE_BARS,
            hovertemplate=f"%{{x}}: %{{y:,.2f}} {hours}<extra></extra>",
        )
    )
    response.add_trace(
        target_marks(x, shown.max_mean_response_time, "limit on the mean (target)", f"%{{y:,.2f}} {hours}")
    )
    layout(
        response,
        "Mean response time against its limit, by demand and period",
        "demand, period",
        f"mean response time ({hours})",
    )
    return Section(
        "Demands against their targets",
        intro=[*intro, demand_summary(kpis)],
        figures=[quality, response],
        tables=[("Demands against their targets", demand_table(shown, run))],
    )


def closest_to_target(kpis: pd.DataFrame) -> pd.DataFrame:
    """The demand_kpis rows of the demands with the least room to their targets (all of a small run)."""
    if kpis.demand.nunique() <= TOP_KPI_DEMANDS:
        return kpis
    room = pd.concat(
        [
            (kpis.quality - kpis.min_quality) / (1 - kpis.min_quality).clip(lower=1e-9),
            (kpis.max_mean_response_time - kpis.mean_response_time) / kpis.max_mean_response_time,
        ],
        axis=1,
    ).min(axis=1)
    tightest = room.fillna(float("inf")).groupby(kpis.demand).min().nsmallest(TOP_KPI_DEMANDS).index
    return kpis[kpis.demand.isin(tightest)]


def demand_summary(kpis: pd.DataFrame) -> str:
    """One sentence: how many demand-periods met everything."""
    met = kpis.met.fillna(False).astype(bool) if "met" in kpis else pd.Series([], dtype=bool)
    return (
        f"{int(met.sum())} of {plural(len(kpis), 'demand-period')} met every target with every unit due served "
        "in its period."
    )


def demand_table(kpis: pd.DataFrame, run: Run) -> pd.DataFrame:
    """The demands' figures as shown, with their units in the headers."""
    unit = units(run.unit("demand_kpis", "served") or "unit")
    hours = units(str(run.summary.get("time_unit", "")))
    return pd.DataFrame(
        {
            "period": kpis.period,
            "demand": kpis.demand,
            f"served ({unit})": kpis.served.map(lambda v: number(v, 1)),
            "quality (%)": kpis.quality.map(lambda v: percent(v, missing="")),
            "min quality (%)": kpis.min_quality.map(lambda v: percent(v, missing="")),
            f"mean response ({hours})": kpis.mean_response_time.map(lambda v: number(v, missing="")),
            f"limit on mean ({hours})": kpis.max_mean_response_time.map(lambda v: number(v, missing="")),
            f"cost per unit ({run.currency} per unit)": kpis.cost_per_unit.map(lambda v: number(v, missing="")),
            "met": kpis.met.map(lambda v: "-" if pd.isna(v) else ("yes" if v else "no")),
        }
    )


def value_chain_section(run: Run) -> Section | None:
    """The Sankey of demand flowing through the value chain, stage by stage, coloured by demand."""
    if not run.has("flows") or not run.has("work"):
        return None
    figure, intro = sankey(run)
    if figure is None:
        return None
    return Section("The value chain: where each demand goes", intro=intro, figures=[figure])


def sankey(run: Run) -> tuple[go.Figure | None, list[str]]:
    """Nodes ordered by stage (left to right), one link per demand and arc, width in units over the
    whole horizon; hover: units and hand-off cost on a link, units worked and cost at a node."""
    flows, work, costs = run.tables["flows"], run.tables["work"], run.tables.get("costs")
    currency, unit = run.currency, units(run.unit("flows", "units") or "unit")
    stage_of = dict(zip(work.node, work.stage))
    demands, node_names, intro = fold_names(run, flows, work, stage_of)
    moved = flows[flows.units > 0]
    links = (
        moved.assign(
            demand=moved.demand.map(demands), source=moved["from"].map(node_names), target=moved.to.map(node_names)
        )
        .groupby(["demand", "source", "target"], sort=False)[["units", "cost"]]
        .sum()
        .reset_index()
    )
    links = links[links.source != links.target]  # two folded nodes of one stage: no link within a node
    if links.empty:
        return None, []
    nodes = node_table(run, links, work, costs, node_names, stage_of)
    index = {name: i for i, name in enumerate(nodes.name)}
    colour = {d: COLOURS[i % len(COLOURS)] for i, d in enumerate(dict.fromkeys(demands.values()))}
    colour.update({d: FOLDED_COLOUR for d in colour if d.startswith(f"{OTHER} ")})
    figure = go.Figure(
        go.Sankey(
            arrangement="snap",
            valueformat=",.1f",
            valuesuffix=f" {unit}",
            node={
                "label": nodes.name.tolist(),
                "x": nodes.x.tolist(),
                "y": nodes.y.tolist(),
                "pad": 12,
                # the full name in the hover: the page shortens the labels on a narrow screen (page.py)
                "customdata": nodes[["stage", "worked", "cost", "name"]].to_numpy().tolist(),
                "hovertemplate": f"%{{customdata[3]}} (%{{customdata[0]}})<br>worked %{{customdata[1]:,.1f}} {unit}"
                f"<br>cost %{{customdata[2]:,.2f}} {currency}<extra></extra>",
                "color": "#888888",
            },
            link={
                "source": links.source.map(index).tolist(),
                "target": links.target.map(index).tolist(),
                "value": links.units.tolist(),
                "label": links.demand.tolist(),
                "color": [translucent(colour[d]) for d in links.demand],
                "customdata": links[["demand", "cost", "source", "target"]].to_numpy().tolist(),
                "hovertemplate": f"%{{customdata[0]}}: %{{customdata[2]}} to %{{customdata[3]}}"
                f"<br>%{{value:,.1f}} {unit}<br>hand-off cost %{{customdata[1]:,.2f}} {currency}<extra></extra>",
            },
            meta={SANKEY_LABELS: nodes.name.tolist()},
        )
    )
    for demand, shade in colour.items():  # the Sankey has no legend of its own: a key of the demands' colours
        figure.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=demand,
                hoverinfo="skip",
                marker={"color": shade, "size": 12, "symbol": "square"},
            )
        )
    layout(figure, f"Demand through the value chain, stage by stage (width: {unit} over the horizon)", "", "")
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    figure.update_layout(
        height=max(500, 45 * int(nodes.groupby("stage").size().max())),
        # the key of the demands below the chart: above, a long one ran into the title on a narrow screen
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -0.04, "yanchor": "top"},
        margin={"t": 60},
    )
    stages = " -> ".join(s for s in run.stages if s in set(nodes.stage))
    intro = [
        f"Stages from left to right: {stages}. Each band is one demand's units on one arc over the whole horizon, "
        f"coloured by demand; hover for the units and the hand-off cost ({currency}), or a node for its cost.",
        *_loops_said(links, nodes),
        *intro,
    ]
    return figure, intro


def _loops_said(links: pd.DataFrame, nodes: pd.DataFrame) -> list[str]:
    """A sentence when some band runs back to an earlier stage or within one (a loop: rework, a
    return, a transfer), which the Sankey draws as a band curling round: one per such band counted."""
    rank = dict(zip(nodes.name, nodes["rank"]))
    back = int((links.target.map(rank) < links.source.map(rank)).sum())
    within = int((links.target.map(rank) == links.source.map(rank)).sum())
    if not back and not within:
        return []
    said = [f"{back} back to an earlier stage" if back else "", f"{within} within a stage" if within else ""]
    return [f"Bands that curl round are hand-offs against the stage order ({' and '.join(w for w in said if w)})."]


def fold_names(
    run: Run, flows: pd.DataFrame, work: pd.DataFrame, stage_of: dict[str, str]
) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """Each demand's and node's name in the Sankey: its own, or "other ..." beyond the largest few."""
    by_demand = flows.groupby("demand", sort=False).units.sum().sort_values(ascending=False)
    kept = set(by_demand.index[:TOP_DEMANDS])
    others = len(by_demand) - len(kept)
    demands = {d: d if d in kept else f"{OTHER} demands ({others})" for d in by_demand.index}
    worked = work.groupby("node", sort=False).units.sum()
    names: dict[str, str] = {}
    intro = []
    if others:
        intro.append(
            f"The {TOP_DEMANDS} demands with the most units are shown by name, the other {others} as one flow."
        )
    folded_stages = []
    for stage, group in worked.groupby(worked.index.map(stage_of), sort=False):
        ranked = group.sort_values(ascending=False).index
        folded = len(ranked) - TOP_NODES_PER_STAGE
        for i, node in enumerate(ranked):
            names[node] = node if folded <= 0 or i < TOP_NODES_PER_STAGE else f"{OTHER} {stage} nodes ({folded})"
        if folded > 0:
            folded_stages.append(f"{stage} {folded} of {len(ranked)}")
    if folded_stages:
        intro.append(
            f"Each stage shows its {TOP_NODES_PER_STAGE} busiest nodes by name and the rest as one node "
            f"({', '.join(folded_stages)} folded)."
        )
    for node in set(flows["from"]) | set(flows.to):
        names.setdefault(node, node)
    return demands, names, intro


def node_table(
    run: Run,
    links: pd.DataFrame,
    work: pd.DataFrame,
    costs: pd.DataFrame | None,
    names: dict[str, str],
    stage_of: dict[str, str],
) -> pd.DataFrame:
    """The Sankey's nodes: name, stage, units worked, cost (costs table), and x, y (x by stage)."""
    used = list(dict.fromkeys([*links.source, *links.target]))
    stage_by_name = {names[n]: stage_of.get(n, "?") for n in names}
    worked = work.groupby(work.node.map(names)).units.sum()
    cost = costs.groupby(costs.node.map(names)).amount.sum() if costs is not None else pd.Series(dtype=float)
    nodes = pd.DataFrame({"name": used})
    nodes["stage"] = nodes.name.map(stage_by_name).fillna("?")
    nodes["worked"] = nodes.name.map(worked).fillna(0.0)
    nodes["cost"] = nodes.name.map(cost).fillna(0.0)
    order = {s: i for i, s in enumerate([s for s in run.stages if s in set(nodes.stage)] + ["?"])}
    nodes["rank"] = nodes.stage.map(order)
    inflow, outflow = links.groupby("target").units.sum(), links.groupby("source").units.sum()
    nodes["size"] = pd.concat([nodes.name.map(inflow), nodes.name.map(outflow)], axis=1).max(axis=1).fillna(0.0)
    nodes["folded"] = nodes.name.str.startswith(f"{OTHER} ")
    nodes = nodes.sort_values(["rank", "folded", "size"], ascending=[True, True, False], kind="stable")
    nodes = nodes.reset_index(drop=True)
    columns = max(1, len(set(nodes["rank"])) - 1)
    ranks = {r: i for i, r in enumerate(sorted(set(nodes["rank"])))}
    nodes["x"] = [0.01 + 0.98 * ranks[r] / columns for r in nodes["rank"]]
    # each node's centre at its share of its column's units, so that big nodes do not overlap their neighbours
    column = nodes.groupby("rank")["size"]
    nodes["y"] = 0.02 + 0.96 * (column.cumsum() - nodes["size"] / 2) / column.transform("sum").where(lambda t: t > 0, 1)
    return nodes


def cost_section(run: Run) -> Section | None:
    """Cost by stage and category, and by period and stage (stacked bars in the currency)."""
    if not run.has("costs"):
        return None
    costs, currency = run.tables["costs"], run.currency
    stages = [s for s in run.stages if s in set(costs.stage)] + sorted(set(costs.stage) - set(run.stages))
    by_stage = costs.pivot_table(index="stage", columns="category", values="amount", aggfunc="sum", sort=False)
    by_stage = by_stage.reindex(stages).fillna(0.0)
    stage_figure = stacked(by_stage, currency, "category")
    layout(stage_figure, f"Cost by stage and category ({currency})", "stage", f"cost ({currency})")
    by_period = costs.pivot_table(index="period", columns="stage", values="amount", aggfunc="sum", sort=False)
    by_period = by_period[[s for s in stages if s in by_period.columns]].fillna(0.0)
    period_figure = stacked(by_period, currency, "stage")
    layout(period_figure, f"Cost by period and stage ({currency})", "period", f"cost ({currency})")
    period_figure.update_xaxes(type="category")  # periods are names: "2027-01" is not a date here
    total = float(costs.amount.sum())
    table = pd.DataFrame(
        {
            "stage": by_stage.index,
            f"cost ({currency})": by_stage.sum(axis=1).map(number).to_numpy(),
            "share (%)": (by_stage.sum(axis=1) / total if total else by_stage.sum(axis=1) * 0)
            .map(lambda share: percent(unsigned_zero(share, 4)))  # 0 of a negative total: 0.00%, not -0.00%
            .to_numpy(),
        }
    )
    intro = [f"Total {money(total, currency)}; each bar's parts are the costs table's categories."]
    if run.summary.get("unallocated_cost"):
        intro.append(f"Staff no demand used cost {money(run.summary['unallocated_cost'], currency)} (unallocated).")
    return Section(
        "Cost by stage and category",
        intro=intro,
        figures=[stage_figure, period_figure],
        tables=[("Cost by stage", table)],
    )


REWORK_TITLE = "Rework cost (the cost of poor quality the scenario prices)"
"""The run report's rework section: the rework category only, not the second passes' other costs."""


def rework_section(run: Run) -> Section | None:
    """The rework cost (the cost of poor quality the scenario prices): the rework cost category, and
    where units were done wrong and sent back (the rework table, horizon totals per demand, node, mode
    and `to`)."""
    if not run.has("rework"):
        return None
    rework, currency = run.tables["rework"], run.currency
    keys = ["demand", "node", "mode", "to"]
    totals = rework.groupby(keys, sort=False, as_index=False)[["units", "cost"]].sum()
    shown = totals.sort_values(["cost", "units"], ascending=False, kind="stable").head(TOP_REWORK)
    table = shown[keys].assign(
        **{"units reworked": shown.units.map(number), f"rework cost ({currency})": shown.cost.map(number)}
    )
    intro = [
        f"Rework cost (the cost of poor quality the scenario prices): {money(float(rework.cost.sum()), currency)} "
        f"of rework for {number(float(rework.units.sum()))} units done wrong and done again (the costs table's "
        "rework category). The second passes' processing, hand-offs and staff are in their own categories.",
    ]
    if len(totals) > len(shown):
        intro.append(f"Showing the {len(shown)} of {len(totals)} rows with the highest rework cost.")
    return Section(REWORK_TITLE, intro=intro, tables=[("Units reworked, over the horizon", table)])


HORIZON = "(horizon)"
"""The segments table's period of a row over every period (model.explain.segments)."""


def profit_section(run: Run) -> Section | None:
    """Revenue, cost and margin by segment (the segments table's horizon rows) and, under `objective:
    margin`, the demands dropped with the revenue forgone and what serving every demand would cost."""
    profit = run.summary.get("profit") or {}
    if profit.get("revenue") is None and profit.get("objective") != "margin":
        return None
    currency = run.currency
    intro = [profit_sentence(profit, currency)]
    tables: list[tuple[str, pd.DataFrame]] = []
    figures: list[go.Figure] = []
    if run.has("segments"):
        segments = run.tables["segments"]
        rows = segments[(segments.group == "segment") & (segments.period == HORIZON)]
        figure = go.Figure(
            [
                go.Bar(
                    x=rows.value.tolist(),
                    y=rows[column].fillna(0.0).tolist(),
                    name=column.replace("_", " "),
                    marker_color=COLOURS[i],
                    hovertemplate=f"%{{x}}: %{{y:,.2f}} {currency}<extra>{column}</extra>",
                )
                for i, column in enumerate(("revenue", "cost_to_serve", "margin"))
            ]
        )
        layout(figure, f"Revenue, cost to serve and margin by segment ({currency})", "segment", f"amount ({currency})")
        figure.update_xaxes(type="category")
        figures.append(figure)
        tables.append(("By segment, over the horizon", segment_table(rows, currency)))
    dropped = profit.get("dropped") or []
    if dropped:
        tables.append(("Demands dropped", dropped_table(dropped, currency)))
    return Section("Profit by segment", intro=intro, figures=figures, tables=tables)


def profit_sentence(profit: dict, currency: str) -> str:
    """Revenue, cost and margin in words; under margin, what was dropped and what serving all costs."""
    revenue, cost, margin = profit.get("revenue"), profit.get("total_cost"), profit.get("margin")
    kind = "the plan of greatest margin (objective: margin)" if profit.get("objective") == "margin" else "least cost"
    text = (
        f"Revenue {money(revenue, currency)}, total cost {money(cost, currency)}, margin {money(margin, currency)}: "
        f"{kind}."
    )
    dropped = profit.get("dropped")
    if dropped is None:
        return text
    if not dropped:
        return f"{text} Every demand with a price pays: none was dropped."
    units = sum(float(row["units_dropped"]) for row in dropped)
    forgone = sum(float(row["revenue_forgone"]) for row in dropped)
    text += (
        f" {plural(len(dropped), 'demand')} left {number(units, 1)} units unserved, forgoing "
        f"{money(forgone, currency)} of revenue."
    )
    served = profit.get("serving_all") or {}
    if served.get("status") == "optimal":
        text += (
            f" Serving every demand would cost {money(served['extra_cost'], currency)} more "
            f"({money(served['total_cost'], currency)} in all), for a margin of {money(served['margin'], currency)}."
        )
    elif served:
        text += f" Serving every demand is {served.get('status')}."
    return text


def segment_table(rows: pd.DataFrame, currency: str) -> pd.DataFrame:
    """The segments' horizon rows, formatted, units in the headers."""
    return pd.DataFrame(
        {
            "segment": rows.value.to_numpy(),
            "demands": rows.demands.to_numpy(),
            "served (units)": rows.served.map(lambda x: number(x, 1)).to_numpy(),
            "unmet (units)": rows.unmet.map(lambda x: number(x, 1)).to_numpy(),
            f"revenue ({currency})": rows.revenue.map(number).to_numpy(),
            f"cost to serve ({currency})": rows.cost_to_serve.map(number).to_numpy(),
            f"margin ({currency})": rows.margin.map(number).to_numpy(),
            f"cost per unit ({currency})": rows.cost_per_unit.map(number).to_numpy(),
        }
    )


def dropped_table(dropped: Sequence[dict], currency: str) -> pd.DataFrame:
    """The demands dropped under margin (summary.json's profit.dropped), formatted."""
    return pd.DataFrame(
        {
            "demand": [row["demand"] for row in dropped],
            "segment": [row.get("segment") or "-" for row in dropped],
            "units dropped": [number(row["units_dropped"], 1) for row in dropped],
            "of volume": [percent(row.get("share_dropped")) for row in dropped],
            f"revenue forgone ({currency})": [number(row["revenue_forgone"]) for row in dropped],
        }
    )


def stacked(frame: pd.DataFrame, currency: str, part: str) -> go.Figure:
    """A stacked bar chart: one bar per row of `frame`, one trace per column, in the currency; positive
    parts stack up from 0 and negative ones (a rebate) down from it."""
    figure = go.Figure(
        [
            go.Bar(
                x=frame.index.tolist(),
                y=frame[column].tolist(),
                name=str(column),
                marker_color=COLOURS[i % len(COLOURS)],
                hovertemplate=f"%{{x}}, {part} {column}: %{{y:,.2f}} {currency}<extra></extra>",
            )
            for i, column in enumerate(frame.columns)
        ]
    )
    figure.update_layout(barmode="relative")  # a rebate (a negative cost) stacks below 0, the rest above
    return figure


def staffing_section(run: Run) -> Section | None:
    """FTE by node and role in each period (stacked by role), and utilisation as a heat map."""
    if not run.has("staffing"):
        return None
    staffing = run.tables["staffing"]
    fte_unit = run.unit("staffing", "fte") or "FTE"
    hours = staffing.groupby("node", sort=False).hours_available.sum().sort_values(ascending=False)
    nodes = list(hours.index[:TOP_STAFFED])
    intro = []
    if len(hours) > len(nodes):
        intro.append(
            f"Showing the {len(nodes)} of {len(hours)} staffed nodes with the most hours (all in staffing.parquet)."
        )
    shown = staffing[staffing.node.isin(nodes)]
    order = {p: i for i, p in enumerate(dict.fromkeys(staffing.period))}  # the periods' own order, not text
    shown = shown.assign(
        rank=shown.node.map({n: i for i, n in enumerate(nodes)}), when=shown.period.map(order)
    ).sort_values(["rank", "when"], kind="stable")
    figure = go.Figure()
    for i, (role, rows) in enumerate(shown.groupby("role", sort=False)):
        figure.add_trace(
            go.Bar(
                x=[rows.node.tolist(), rows.period.tolist()],
                y=rows.fte.tolist(),
                name=str(role),
                marker_color=COLOURS[i % len(COLOURS)],
                hovertemplate=f"%{{x}}, {role}: %{{y:,.2f}} {fte_unit}<extra></extra>",
            )
        )
    figure.update_layout(barmode="stack")
    layout(figure, f"Staff by node and role, each period ({fte_unit})", "node, period", f"staff ({fte_unit})")
    return Section("Staffing and utilisation", intro=intro, figures=[figure, utilisation_map(run, shown)])


def utilisation_map(run: Run, staffing: pd.DataFrame) -> go.Figure:
    """Utilisation (staffing.utilisation: hours used over hours paid) by node and role x period, in %."""
    unit = run.unit("staffing", "utilisation") or "share of staffed hours"
    roles = staffing.groupby("node").role.nunique()
    label = staffing.node.where(staffing.node.map(roles) == 1, staffing.node + " / " + staffing.role)
    # rows with no staffed hours in any period (utilisation undefined throughout) are left out
    grid = staffing.assign(row=label).pivot_table(index="row", columns="period", values="utilisation", sort=False)
    periods = [p for p in run.summary.get("periods", []) if p in grid.columns] or list(grid.columns)
    grid = grid[periods]
    figure = go.Figure(
        go.Heatmap(
            z=grid.to_numpy().tolist(),
            x=periods,
            y=grid.index.tolist(),
            zmin=0,
            zmax=max(1.0, float(grid.max().max())),
            colorscale="Blues",
            # the title beside the bar, not above it, where it ran into the 100 % tick
            colorbar={"title": {"text": "utilisation (%)", "side": "right"}, "tickformat": ".0%"},
            texttemplate="%{z:.0%}" if grid.size <= 400 else None,
            hovertemplate=f"%{{y}}, %{{x}}: %{{z:.1%}} ({unit})<extra></extra>",
        )
    )
    layout(figure, f"Utilisation by node (and role) and period (%, {unit})", "period", "node (role)")
    figure.update_layout(height=max(350, 60 + 22 * len(grid)))
    figure.update_yaxes(autorange="reversed", type="category")
    figure.update_xaxes(type="category")
    return figure


def binds_section(run: Run) -> Section | None:
    """What binds and what it is worth: the sensitivity table's first rows, as its sentences."""
    if not run.has("sensitivity"):
        return None
    table = run.tables["sensitivity"]
    sentences = [f"- {s}" for s in table.sentence.head(TOP_SENTENCES)]
    basis = str(table.basis.iloc[0]) if "basis" in table else "LP"
    head = f"The first {min(TOP_SENTENCES, len(table))} of {plural(len(table), 'price')} (all in sensitivity.parquet)"
    note = "" if basis == "LP" else f"; {basis}"
    return Section("What binds, and what it is worth", intro=[f"{head}{note}:", *sentences])


TOP_SITES = 60
"""Rows of the sites table shown (site-periods, in the table's order)."""


def sites_section(run: Run) -> Section | None:
    """Which sites are open in which period, at what level, and what they cost (docs/model.md, Sites);
    with a MILP's gap and HiGHS's bound, the proof of the choice."""
    if not run.has("sites"):
        return None
    sites, currency = run.tables["sites"], run.currency
    opened = sites[sites.open.astype(bool)]
    intro = [
        f"{plural(opened.node.nunique(), 'site')} of {sites.node.nunique()} open in some period; "
        f"fixed costs {money(float(sites.fixed_cost.sum()), currency)}, capacity levels "
        f"{money(float(sites.capacity_cost.sum()), currency)} over the horizon."
    ]
    solver = run.summary.get("solver", {})
    bound_margin = (run.summary.get("profit") or {}).get("margin_bound")
    if solver.get("mip") and "mip_gap" in solver and bound_margin is not None:
        intro.append(
            f"MILP: gap {percent(float(solver['mip_gap']), decimals=2)}; HiGHS's bound: no plan earns a "
            f"margin above {money(float(bound_margin), currency)}."
        )
    elif solver.get("mip") and "mip_gap" in solver:
        intro.append(
            f"MILP: gap {percent(float(solver['mip_gap']), decimals=2)}; HiGHS's bound "
            f"{money(float(solver.get('mip_dual_bound', float('nan'))), currency)} (no plan costs less)."
        )
    shown = sites.head(TOP_SITES)
    table = pd.DataFrame(
        {
            "period": shown.period,
            "site": shown.node,
            "open": shown.open.map(lambda v: "yes" if v else "no"),
            "level": shown.level.fillna("").replace("", "-"),
            f"capacity ({run.unit('sites', 'capacity') or 'units per period'})": shown.capacity.map(
                lambda v: "unlimited" if pd.isna(v) else number(v, 0)
            ),
            f"fixed cost ({currency})": shown.fixed_cost.map(lambda v: number(v, 2)),
            f"capacity cost ({currency})": shown.capacity_cost.map(lambda v: number(v, 2)),
            "units": shown.units.map(lambda v: number(v, 1)),
        }
    )
    if len(sites) > TOP_SITES:
        intro.append(f"Showing the first {TOP_SITES} of {len(sites)} site-periods (all in sites.parquet).")
    return Section("Sites: which are open", intro=intro, tables=[("sites", table)])


def _lane_label(queues: pd.DataFrame) -> pd.Series:
    """ "node / lane", and the interval after it where the run has intervals (one row per lane and interval)."""
    label = queues.node + " / " + queues.lane
    if "interval" in queues:
        interval = queues.interval.fillna("").astype(str)
        label = label + np.where(interval != "", " " + interval, "")
    return label


TOP_ROSTER_ROWS = 40
"""Rows of the coverage heat map (node / role / period) drawn at most; the rest are in coverage.parquet."""


def roster_section(run: Run) -> Section | None:
    """Shift rosters (docs/model.md, Shifts): a heat map of the agents on duty beyond those the work
    needs per interval (the over-staffing the shifts force), and the heads on each pattern."""
    if not run.has("coverage") or not run.has("roster"):
        return None
    coverage, roster, currency = run.tables["coverage"], run.tables["roster"], run.currency
    row = coverage.node + " / " + coverage.role + " / " + coverage.period
    rows = list(dict.fromkeys(row))[:TOP_ROSTER_ROWS]
    intervals = list(dict.fromkeys(coverage.interval))
    shown = coverage[row.isin(rows)]
    key = shown.node + " / " + shown.role + " / " + shown.period

    def grid(column: str) -> list:
        return (
            shown.pivot_table(index=key, columns="interval", values=column, aggfunc="first")
            .reindex(index=rows, columns=intervals)
            .to_numpy()
        )

    detail = [
        [list(v) for v in zip(*triple)] for triple in zip(grid("heads"), grid("agents_on_duty"), grid("agents_needed"))
    ]
    figure = go.Figure(
        go.Heatmap(
            x=intervals,
            y=rows,
            z=grid("over"),
            customdata=detail,
            colorscale="Blues",
            colorbar={"title": {"text": "over-staffing (agents)", "side": "right"}},
            hovertemplate=(
                "%{y}, %{x}: %{customdata[1]:,.2f} agents on duty (%{customdata[0]:,.2f} heads) for "
                "%{customdata[2]:,.2f} needed: %{z:,.2f} over<extra></extra>"
            ),
        )
    )
    layout(figure, "Coverage: agents on duty beyond those needed, per interval", "interval", "node / role / period")
    figure.update_xaxes(type="category")
    figure.update_yaxes(type="category", autorange="reversed")
    over = float(coverage.over.clip(lower=0).sum())
    intro = [
        f"{plural(len(roster.pattern.unique()), 'shift pattern')}, "
        f"{number(float(roster.heads.sum()), 2)} heads over the horizon, labour "
        f"{money(float(roster.cost.sum()), currency)}; the shifts leave {number(over, 2)} agent-intervals "
        "on duty beyond what the work (and a queued node's queue) needs (coverage.csv)."
    ]
    table = pd.DataFrame(
        {
            "period": roster.period,
            "node": roster.node,
            "role": roster.role,
            "pattern": roster.pattern,
            "heads": roster.heads.map(lambda v: number(v, 2)),
            "FTE": roster.fte.map(lambda v: number(v, 2)),
            f"cost ({currency})": roster.cost.map(lambda v: number(v, 2)),
        }
    )
    return Section("Shifts: heads per pattern and coverage", intro=intro, figures=[figure], tables=[("roster", table)])


def _bars_against_target(
    x: list, values: pd.Series, target: pd.Series, what: tuple[str, str, str], title: str, axis: str
) -> go.Figure:
    """Bars of a queue figure per lane and period with its target marked: `what` is (the bars' name,
    the target's name, the hover's number format with its unit)."""
    name, target_name, shown = what
    figure = go.Figure(
        go.Bar(
            x=x,
            y=values,
            name=name,
            marker_color=FIGURE_BARS,
            hovertemplate=f"%{{x}}: {shown}<extra></extra>",
        )
    )
    figure.add_trace(target_marks(x, target, target_name, shown))
    layout(figure, title, "node / lane, period", axis)
    return figure


def queue_section(run: Run) -> Section | None:
    """Queues' service levels (and average waits) per lane and period against their targets."""
    if not run.has("queues"):
        return None
    queues = run.tables["queues"]
    lane = _lane_label(queues)
    room = (queues.service_level - queues.service_level_target.fillna(0)).groupby(lane).min().nsmallest(TOP_LANES)
    shown = queues[lane.isin(room.index)]
    shown_lane = _lane_label(shown)
    x = [shown_lane.tolist(), shown.period.tolist()]
    time_unit = units(str(run.summary.get("time_unit", "")))
    figure = go.Figure(
        go.Scatter(
            x=x,
            y=shown.service_level,
            mode="markers",
            name="service level",
            marker={"size": 10, "color": COLOURS[0]},
            customdata=shown.within.to_numpy(),
            hovertemplate=f"%{{x}}: %{{y:.1%}} answered within %{{customdata:,.2f}} {time_unit}<extra></extra>",
        )
    )
    figure.add_trace(target_marks(x, shown.service_level_target, "service level target", "%{y:.1%}"))
    layout(
        figure,
        "Queues: service level against target, by lane and period",
        "node / lane, period",
        "service level (% answered in time)",
    )
    figure.update_yaxes(tickformat=".0%", range=[0, 1.02])  # the whole scale: levels sit close to their targets
    figures = [figure]
    if shown.average_wait_target.notna().any():
        figures.append(
            _bars_against_target(
                x,
                shown.average_wait,
                shown.average_wait_target,
                ("average wait", "average wait target", f"%{{y:,.3f}} {time_unit}"),
                "Queues: average wait against target",
                f"average wait ({time_unit})",
            )
        )
    if "lost_share" in shown and (shown.lost_share.fillna(0) > 0).any():
        lost = _bars_against_target(
            x,
            shown.lost_share,
            shown.lost_share_target,
            ("share lost (abandoned or blocked)", "most allowed", "%{y:.2%}"),
            "Queues: share of arrivals lost against its limit",
            "share lost",
        )
        figures.append(lost.update_yaxes(tickformat=".1%"))
    missed = int((~queues.met.astype(bool)).sum())
    rows = (
        "lane-interval-period" if "interval" in queues and (queues.interval.fillna("") != "").any() else "lane-period"
    )
    intro = [
        "A lane's service level is the share of its arrivals answered within the lane's time limit "
        f"(its target's time, in {time_unit}; the hover gives it).",
        f"{missed} of {plural(len(queues), rows)} miss their target.",
    ]
    if len(room) < lane.nunique():
        intro.append(f"Showing the {len(room)} of {lane.nunique()} lanes closest to their targets.")
    return Section("Queues: service levels", intro=intro, figures=figures)


def rules_section(run: Run) -> Section | None:
    """Business rules: which bind, and what each costs (its price per step of its number, summed over
    the periods it binds in; under `objective: margin`, what it would raise or lower the margin by, in
    solve's words), with a table of every rule row."""
    if not run.has("rules"):
        return None
    rules = run.tables["rules"]
    currency = run.currency
    binding = rules[rules.binding.astype(bool)]
    margin = (run.summary.get("profit") or {}).get("objective") == "margin"  # a price is then on the margin
    intro = [f"{plural(rules.rule.nunique(), 'rule')}; {len(binding)} of {plural(len(rules), 'row')} bind."]
    for name, rows in binding.groupby("rule", sort=False):
        price = float(rows.price.fillna(0.0).sum())
        share = bool((rows.unit_step == 0.01).all())
        unit = {"units": "unit", "hours": "hour"}.get(str(rows.unit.iloc[0]), str(rows.unit.iloc[0]))
        step = "1 percentage point of its share" if share else f"1 {unit} of its bound"
        sense = str(rows.sense.iloc[0])
        move = "raising" if sense == "==" else "relaxing"
        saves = -price if sense != ">=" else price
        if margin:  # as solve's sensitivity lines say it (model/explain/sensitivity.py)
            verb = "would raise the margin by" if saves > 0 else "would lower the margin by"
        else:
            verb = "would save" if saves > 0 else "would cost"
        about = f" ({rows.about.iloc[0]})" if str(rows.about.iloc[0]) else ""
        intro.append(
            f"- {name}{about} binds in {plural(len(rows), 'period')}: {move} it by {step} "
            f"{verb} {abs(saves):,.2f} {currency} over those periods."
        )
    shown = rules[["period", "rule", "sense", "value", "lhs", "rhs", "slack", "binding", "price", "unit"]].copy()
    shown["binding"] = shown.binding.map({True: "yes", False: "no"})
    for column in ("lhs", "rhs", "slack"):
        shown[column] = shown[column].map(lambda x: f"{unsigned_zero(x, 2):,.2f}")
    shown["price"] = shown.price.map(lambda x: "" if pd.isna(x) else f"{unsigned_zero(x, 2):,.2f}")
    shown = shown.rename(columns={"price": f"price per step ({currency})"})
    return Section("Business rules", intro=intro, tables=[("Every rule's rows (rules.parquet)", shown)])


# --- figure and text helpers ------------------------------------------------------------------------


RUN_SECTIONS: tuple[Callable[[Run], Section | None], ...] = (
    demand_section,
    profit_section,
    value_chain_section,
    cost_section,
    rework_section,
    staffing_section,
    sites_section,
    roster_section,
    binds_section,
    queue_section,
    rules_section,
)
"""The report's section builders in the page's order (after the base's and the diagnosis's): the run
report (page) and the workbench's sections (model.workbench.views) both build these."""


def run_sections(run: Run) -> list[Section]:
    """The sections RUN_SECTIONS build for a run, in their order, leaving out those it has nothing for
    (profit by segment, rework, sites and business rules only where the run has them)."""
    return [part for part in (build(run) for build in RUN_SECTIONS) if part is not None]


def target_marks(x: Sequence, values: pd.Series, name: str, value_format: str) -> go.Scatter:
    """A target drawn as a short dark horizontal bar over each category (none where there is no target)."""
    return go.Scatter(
        x=x,
        y=values.tolist(),
        mode="markers",
        name=name,
        marker={"symbol": "line-ew-open", "size": 26, "color": TARGET, "line": {"width": 3, "color": TARGET}},
        hovertemplate=f"%{{x}}: {name} {value_format}<extra></extra>",
    )
