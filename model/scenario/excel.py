"""Scenarios in Excel: a workbook a planner edits, read back into the same scenario.

`write_template` writes one sheet per section of a scenario (long tables, one row per thing, the
unit in each header, drop-downs on every cell that names something, ranges on numbers);
`read_workbook` reads such a book back into a scenario's YAML text, every problem located by sheet,
row and column and by the same field path a YAML file's problem has. The layout is declared once
(SHEETS): the writer, the reader, the validations and the notes sheet all read it.

Names are offered from the sheet that defines them (`nodes!$A$2:$A$...`, past the last row, so a
name added there is offered at once); the fixed choices (time units, algorithms, queue models) from
a hidden `lists` sheet. Lists inside a cell (a demand's sinks and stages, a stock's demands) are
names separated by commas.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from model.errors import Problem, ScenarioError
from model.scenario.loader import FieldPath, SourceMap, closest, dotted, shown, validate_data
from model.scenario.ranges import (
    DAYS_ON,
    DURATION,
    FTE,
    GAP,
    HOURS_PER_PERIOD,
    HOURS_PER_UNIT,
    ITERATIONS,
    MINUTES,
    MONEY,
    OVERTIME_HOURS,
    PEAK_FACTOR,
    PERIODS,
    RULE_NUMBER,
    SECONDS,
    SERVICE_LEVEL,
    SHARE,
    SHRINKAGE,
    SIGNED_MONEY,
    THREADS,
    TIME,
    UNITS,
    VOLUME,
    WEIGHT,
    Range,
)
from model.scenario.schema import (
    TIME_UNITS,
    Arc,
    CapacityLevel,
    Demand,
    Intervals,
    Lane,
    Meta,
    Node,
    Overtime,
    Queue,
    QueueTarget,
    RelaxationWeights,
    Rework,
    Role,
    Rule,
    Scenario,
    Shift,
    Solver,
    Staff,
    Stock,
    Work,
    with_current_names,
)

SPARE_ROWS = 1000
"""Empty rows below the last one that carry the validations, so that rows can be added."""
CHOICES = {
    "time_unit": TIME_UNITS,
    "algorithm": ("auto", "simplex", "ipm"),
    "model": ("erlang_c",),
    "sum": ("flow", "units", "fte", "hours", "overtime", "cost"),
    "sense": ("at_most", "at_least", "equal"),
    "of_sum": ("flow", "units", "fte", "hours", "overtime", "cost"),
    "per": ("period", "horizon"),
    "open": ("always", "never", "decide"),
    "decide_per": ("horizon", "period"),
    "objective": ("cost", "margin"),
    "field": ("volume_by_interval", "profile", "profile.days", "profile.times"),
}
"""The fixed choices, listed on the hidden `lists` sheet (one column each, in this order)."""


@dataclass(frozen=True)
class Column:
    """One column of a table sheet (or one row of a key/value sheet): its field and what it holds.

    kind: `name` (one of `names`' names), `names` (several, comma-separated), `text`, `number`,
    `whole`, `choice` (one of CHOICES[field]), `bool`, `any` (a HiGHS option's value), `labels`
    (`label=value; label=value`, a demand's labels), `numbers` (comma-separated numbers: a list, or
    one number alone), `figures` (comma-separated numbers, always a list)."""

    field: str
    kind: str = "number"
    unit: str = ""  # {cur} is the currency, {time} the time unit (plural)
    range: Range | None = None
    names: str = ""  # the sheet whose first column lists the names offered (name columns)
    required: bool = False  # a table without this column cannot be read
    doc: str = ""

    def header(self, cur: str, time: str) -> str:
        """The header cell: the field and its unit, `cost_per_fte (EUR per FTE per period)`."""
        unit = self.unit.format(cur=cur, time=time)
        return f"{self.field} ({unit})" if unit else self.field


def _doc(model: Any, name: str) -> str:
    """A field's reference text in the schema (its docstring), with what an empty cell means."""
    for key, info in model.model_fields.items():
        if name in (key, info.alias):
            text = info.description or ""
            if info.is_required():
                return f"{text} Required."
            default = info.default
            if isinstance(default, bool):
                return f"{text} Empty: {str(default).upper()}."
            if isinstance(default, (int, float)):
                return f"{text} Empty: {default:g}."
            return f"{text} Empty: {default}." if isinstance(default, str) else text
    return ""


def _col(model: Any, name: str, kind: str = "number", unit: str = "", rng: Range | None = None, **more: Any) -> Column:
    return Column(name, kind, unit, rng, doc=more.pop("doc", "") or _doc(model, name), **more)


SHARE_UNIT = "share, 0 to 1"
WHERE_DOC = (
    "The filters: `key=name` separated by `;`, several names or patterns of a key by `,` "
    "(demand=repairs_*; node=partner_north, partner_south). Keys: demand, segment, label.NAME, node, role, "
    "stage, arc, from, to, category, period, as the sum allows. Empty: every term."
)
VALUE_DOC = "The rule's number: a bound in the sum's unit, or a share (0.3 is 30%) with of_sum."
META = [
    _col(Meta, "name", "text", required=True),
    _col(Meta, "currency", "text", required=True),
    _col(Meta, "time_unit", "choice"),
    _col(Meta, "period_length", "number", "{time}", DURATION, required=True),
    _col(Meta, "periods", "whole", "count; labels on sheet 'periods'", PERIODS),
    _col(Meta, "objective", "choice"),
]
INTERVALS = [
    _col(Intervals, "days", "names", "labels, comma-separated"),
    Column(
        "times",
        "names",
        "labels, comma-separated",
        doc="Times of day listed (then give hours); or the three rows below.",
    ),
    Column("times.from", "text", "HH:MM", doc="First interval's start (with times.to and times.minutes)."),
    Column("times.to", "text", "HH:MM", doc="Last interval's end."),
    Column("times.minutes", "whole", "minutes", MINUTES, doc="Length of each interval (minutes)."),
    _col(Intervals, "hours", "numbers", "hours: one number, or one per time, comma-separated"),
    _col(Intervals, "weight", "number", "occurrences per period"),
]
"""Sheet 'intervals' (field | value): the intervals within a period; no rows, no intervals."""
SOLVER = [
    _col(Solver, "time_limit", "number", "seconds", SECONDS),
    _col(Solver, "mip_gap", "number", "fraction", GAP),
    _col(Solver, "integer_staff", "bool"),
    _col(Solver, "threads", "whole", "threads", THREADS),
    _col(Solver, "algorithm", "choice"),
    _col(Solver, "queue_iterations", "whole", "iterations", ITERATIONS),
    *(
        Column(f"relaxation_weights.{name}", "number", "relative", WEIGHT, doc=_doc(RelaxationWeights, name))
        for name in RelaxationWeights.model_fields
    ),
]


@dataclass(frozen=True)
class Sheet:
    """A table sheet: its key columns (which name the row's thing), then its fields."""

    name: str
    about: str
    columns: tuple[Column, ...]
    keys: int = 1  # how many leading columns name the row's thing
    path: str = ""  # where its rows stand in a scenario file, for problems about a whole column

    def field_path(self, column: str) -> str:
        """A column's field in a scenario file, for a problem about the whole column: roles.*.cost_per_fte."""
        if self.name == "stages":
            return "stages"
        prefix = self.path or f"{self.name}.*"
        return (
            prefix
            if column == self.columns[self.keys - 1].field or self.name == "highs_options"
            else f"{prefix}.{column}"
        )

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.field == name), None)


def _name(field: str, names: str, doc: str) -> Column:
    return Column(field, "name", names=names, required=True, doc=doc)


REWORK = (
    Column("rework.to", "text", doc=_doc(Rework, "to")),
    Column("rework.cost", unit="{cur} per unit reworked", range=MONEY, doc=_doc(Rework, "cost")),
    Column("rework.time", unit="{time} per unit reworked", range=TIME, doc=_doc(Rework, "time")),
)
"""A node's or a work entry's `rework` as three columns (all empty: no rework)."""

TABLES = (
    Sheet("stages", "The stages of the value chain, in order: one per row.", (_name("stage", "", "A stage's name."),)),
    Sheet(
        "roles",
        "Kinds of worker, one per row; overtime as two columns (both empty: no overtime).",
        (
            _name("role", "", "A role's name."),
            _col(Role, "cost_per_fte", "number", "{cur} per FTE per period", MONEY, required=True),
            _col(Role, "hours_per_fte", "number", "hours per FTE per period", HOURS_PER_PERIOD, required=True),
            _col(Role, "hire_cost", "number", "{cur} per FTE hired", MONEY),
            _col(Role, "layoff_cost", "number", "{cur} per FTE laid off", MONEY),
            Column(
                "overtime.max_hours_per_fte",
                unit="hours per FTE per period",
                range=OVERTIME_HOURS,
                doc=_doc(Overtime, "max_hours_per_fte"),
            ),
            Column("overtime.cost_per_hour", unit="{cur} per hour", range=MONEY, doc=_doc(Overtime, "cost_per_hour")),
            _col(Role, "skills", "names", "skill names, comma-separated"),
            _col(Role, "shrinkage", "number", "share of rostered time, 0 to 0.99", SHRINKAGE),
        ),
    ),
    Sheet(
        "nodes",
        "Teams, sites, vendors and channels, one per row.",
        (
            _name("node", "", "A node's name."),
            _col(Node, "stage", "name", names="stages", required=True),
            _col(Node, "unit_cost", "number", "{cur} per unit", MONEY),
            _col(Node, "processing_time", "number", "{time}", TIME),
            _col(Node, "wait_time", "number", "{time}", TIME),
            _col(Node, "max_utilisation", "number", SHARE_UNIT, SHARE),
            _col(Node, "quality", "number", SHARE_UNIT, SHARE),
            _col(Node, "capacity", "number", "units per period", UNITS),
            *REWORK,
            _col(Node, "open", "choice"),
            _col(Node, "decide_per", "choice"),
            _col(Node, "fixed_cost", "number", "{cur} per period while open", MONEY),
            _col(Node, "min_volume", "number", "units per period while open", UNITS),
        ),
    ),
    Sheet(
        "work",
        "Who can do each node's work: one row per node and role.",
        (
            _name("node", "nodes", "The node."),
            _name("role", "roles", "A role that can do its work."),
            _col(Work, "hours_per_unit", "number", "hours per unit", HOURS_PER_UNIT, required=True),
            _col(Work, "quality", "number", SHARE_UNIT, SHARE),
            _col(Work, "processing_time", "number", "{time}", TIME),
            _col(Work, "unit_cost", "number", "{cur} per unit", MONEY),
            *REWORK,
            _col(Work, "days_on", "whole", "days", DAYS_ON),
        ),
        keys=2,
        path="nodes.*.work.*",
    ),
    Sheet(
        "hours_by_demand",
        "Hours per unit of one demand for a role at a node, instead of the work's hours_per_unit: one row "
        "per node, role and demand.",
        (
            _name("node", "nodes", "The node (with its role on sheet 'work')."),
            _name("role", "roles", "The role of the node's work."),
            _name("demand", "demands", "The demand."),
            Column(
                "hours", "number", "hours per unit", HOURS_PER_UNIT, required=True, doc=_doc(Work, "hours_by_demand")
            ),
        ),
        keys=3,
        path="nodes.*.work.*.hours_by_demand",
    ),
    Sheet(
        "shifts",
        "Shift patterns of a role at a node (a row on sheet 'work'): one row per pattern. Either covers, "
        "or start and hours (with breaks and days), or days alone.",
        (
            _name("node", "nodes", "The node."),
            _name("role", "roles", "The rostered role."),
            _name("pattern", "", "The pattern's name."),
            _col(Shift, "covers", "names", "interval labels, comma-separated"),
            _col(Shift, "start", "text", "HH:MM"),
            _col(Shift, "hours", "number", "hours", HOURS_PER_PERIOD),
            _col(Shift, "breaks", "names", "times, comma-separated"),
            _col(Shift, "days", "names", "days, comma-separated"),
            _col(Shift, "cost", "number", "{cur} per head per occurrence of the intervals", MONEY),
            _col(Shift, "min", "number", "heads", FTE),
            _col(Shift, "max", "number", "heads", FTE),
        ),
        keys=3,
        path="nodes.*.work.*.shifts.*",
    ),
    Sheet(
        "staff",
        "Staff bounds: one row per node and role of its work.",
        (
            _name("node", "nodes", "The node."),
            _name("role", "roles", "A role of the node's work."),
            _col(Staff, "min", "number", "FTE", FTE),
            _col(Staff, "max", "number", "FTE", FTE),
            _col(Staff, "initial", "number", "FTE", FTE),
        ),
        keys=2,
        path="nodes.*.staff.*",
    ),
    Sheet(
        "stock",
        "Nodes that may work ahead and hold stock: one row per node. initial and final_min here are one "
        "number for the node's one demand; per demand they are on sheet 'stock_by_demand'.",
        (
            _name("node", "nodes", "The node."),
            _col(Stock, "demands", "names", "names, comma-separated"),
            _col(Stock, "holding_cost", "number", "{cur} per unit per period", MONEY),
            _col(Stock, "initial", "number", "units", UNITS),
            _col(Stock, "final_min", "number", "units", UNITS),
        ),
        path="nodes.*.stock",
    ),
    Sheet(
        "stock_by_demand",
        "A stock's initial and final units per demand: one row per node and demand.",
        (
            _name("node", "nodes", "The node (with a row on sheet 'stock')."),
            _name("demand", "demands", "The demand."),
            _col(Stock, "initial", "number", "units", UNITS),
            _col(Stock, "final_min", "number", "units", UNITS),
        ),
        keys=2,
        path="nodes.*.stock.*",
    ),
    Sheet(
        "queues",
        "Nodes whose staff follow an Erlang C (A, B) queue: one row per node. The target's columns, or "
        "rows on sheet 'lanes'.",
        (
            _name("node", "nodes", "The node."),
            _col(Queue, "model", "choice"),
            _col(Queue, "open_hours", "number", "hours per period", HOURS_PER_PERIOD),
            _col(Queue, "peak_factor", "number", "peak rate / average rate", PEAK_FACTOR),
            _col(QueueTarget, "service_level", "number", SHARE_UNIT, SERVICE_LEVEL),
            _col(QueueTarget, "within", "number", "{time}", DURATION),
            _col(QueueTarget, "average_wait", "number", "{time}", DURATION),
            _col(Queue, "patience", "number", "{time}", DURATION),
            _col(Queue, "overflow", "text"),
            _col(Queue, "whole_agents", "bool"),
            _col(QueueTarget, "max_abandoned", "number", SHARE_UNIT, SERVICE_LEVEL),
            _col(QueueTarget, "max_blocked", "number", SHARE_UNIT, SERVICE_LEVEL),
        ),
        path="nodes.*.queue",
    ),
    Sheet(
        "lanes",
        "A queue's priority lanes, each with its own target: one row per lane, in order.",
        (
            _name("node", "nodes", "The node (with a row on sheet 'queues')."),
            _name("lane", "", _doc(Lane, "name")),
            _col(QueueTarget, "service_level", "number", SHARE_UNIT, SERVICE_LEVEL),
            _col(QueueTarget, "within", "number", "{time}", DURATION),
            _col(QueueTarget, "average_wait", "number", "{time}", DURATION),
            _col(QueueTarget, "max_abandoned", "number", SHARE_UNIT, SERVICE_LEVEL),
            _col(QueueTarget, "max_blocked", "number", SHARE_UNIT, SERVICE_LEVEL),
        ),
        keys=2,
        path="nodes.*.queue.lanes[*]",
    ),
    Sheet(
        "capacity_levels",
        "Sizes a node may run at, at most one chosen: one row per level, in order (the first is level 1).",
        (
            _name("node", "nodes", "The node."),
            _col(CapacityLevel, "capacity", "number", "units per period", UNITS, required=True),
            _col(CapacityLevel, "cost", "number", "{cur} per period while chosen", MONEY),
        ),
        path="nodes.*.capacity_levels[*]",
    ),
    Sheet(
        "arcs",
        "Hand-offs between nodes: one row per arc.",
        (
            _name("from", "nodes", _doc(Arc, "from")),
            _name("to", "nodes", _doc(Arc, "to")),
            _col(Arc, "cost", "number", "{cur} per unit", SIGNED_MONEY),
            _col(Arc, "lead_time", "number", "{time}", TIME),
            _col(Arc, "capacity", "number", "units per period", UNITS),
        ),
        keys=2,
        path="arcs[*]",
    ),
    Sheet(
        "demands",
        "Customer segments or request types: one row per demand. volume here is one number for every "
        "period; per period it is on sheet 'volumes'.",
        (
            _name("demand", "", "A demand's name."),
            _col(Demand, "origin", "name", names="nodes", required=True),
            _col(Demand, "sinks", "names", "node names, comma-separated", required=True),
            _col(Demand, "stages", "names", "stage names, comma-separated"),
            _col(Demand, "volume", "number", "units per period, every period", VOLUME),
            _col(Demand, "min_quality", "number", SHARE_UNIT, SHARE),
            _col(Demand, "max_mean_response_time", "number", "{time}", DURATION),
            _col(Demand, "backlog_cost", "number", "{cur} per unit per period", MONEY),
            _col(Demand, "final_backlog", "number", "units", UNITS),
            _col(Demand, "unmet_penalty", "number", "{cur} per unit", MONEY),
            _col(Demand, "price", "number", "{cur} per unit", MONEY),
            _col(Demand, "segment", "text"),
            _col(Demand, "labels", "labels", "label=value; label=value"),
            _col(Demand, "skills", "names", "skill names, comma-separated"),
        ),
    ),
    Sheet(
        "interval_figures",
        "A demand's arrivals over the intervals: one row per demand and field (volume_by_interval, "
        "profile, profile.days or profile.times), its figures comma-separated in order.",
        (
            _name("demand", "demands", "The demand."),
            Column("field", "choice", required=True, doc="volume_by_interval, profile, profile.days or profile.times."),
            Column(
                "figures",
                "figures",
                "comma-separated, one per interval (day, time)",
                required=True,
                doc="The figures, in the order of the intervals (days, times).",
            ),
        ),
        keys=2,
        path="demands.*",
    ),
    Sheet(
        "rules",
        "Business rules, one per row: the sum of a quantity over the terms the filters select, compared "
        "(sense) with value, or with value x the `of` sum when of_sum is given.",
        (
            _name("rule", "", "A rule's name."),
            _col(Rule, "about", "text"),
            _col(Rule, "sum", "choice", required=True),
            Column("where", "text", "key=name; key=a, b", doc=WHERE_DOC),
            Column("sense", "choice", doc="at_most, at_least or equal: how the sum compares with value."),
            Column("value", "number", "the sum's unit, or a share with of_sum", RULE_NUMBER, doc=VALUE_DOC),
            Column("of_sum", "choice", doc="With it, value is a share of this sum (0.3 is 30%). Empty: no `of`."),
            Column("of_where", "text", "key=name; key=a, b", doc="The `of` sum's filters, written as `where`."),
            _col(Rule, "per", "choice"),
        ),
        path="rules.*",
    ),
    Sheet(
        "highs_options",
        "HiGHS options passed through as given: one row per option.",
        (
            _name("option", "", "A HiGHS option's name (e.g. presolve)."),
            Column("value", "any", required=True, doc="Its value: true/false, a number or text."),
        ),
        path="solver.highs_options",
    ),
)
TABLE = {sheet.name: sheet for sheet in TABLES}
KEY_VALUE = {"scenario": META, "solver": SOLVER, "intervals": INTERVALS}
"""The sheets of one thing: a row per field, `field | value | unit | about`."""
REQUIRED_SHEETS = ("scenario", "stages", "nodes", "demands")
SHEET_ORDER = (
    "notes",
    "scenario",
    "periods",
    "intervals",
    "stages",
    "roles",
    "nodes",
    "work",
    "hours_by_demand",
    "shifts",
    "staff",
    "stock",
    "stock_by_demand",
    "queues",
    "lanes",
    "capacity_levels",
    "arcs",
    "demands",
    "volumes",
    "interval_figures",
    "solver",
    "highs_options",
    "rules",
    "lists",
)
"""Every sheet a book has, in order (`periods` and `volumes` are laid out by the periods)."""


# ---- writing --------------------------------------------------------------------------------


def write_template(data: dict | Scenario, path_or_stream: Path | BinaryIO, *, source_name: str) -> None:
    """Write the workbook of a scenario: its plain data (resolved, as a YAML file holds it) or a
    `Scenario` (as `model.load_scenario` gives it, from a notebook).

    `source_name` (the scenario file the data came from) is named on the notes sheet. The file is
    written by openpyxl as a whole; a caller that must not leave half a file writes to a temporary
    name (or a stream) and renames."""
    from openpyxl import Workbook

    plain: dict = with_current_names(scenario_data(data) if isinstance(data, Scenario) else data)
    # (a field under its former name is written under its current one)
    book = Workbook()
    book.remove(book.active)
    meta = _mapping(plain.get("scenario"))
    cur = str(meta.get("currency") or "currency")
    time = f"{meta.get('time_unit') or 'hour'}s"
    labels = _period_labels(meta)
    rows = _table_rows(plain)
    for name in SHEET_ORDER:
        sheet = book.create_sheet(name)
        if name == "notes":
            _write_notes(sheet, plain, source_name, cur, time)
        elif name in KEY_VALUE:
            _write_key_values(sheet, KEY_VALUE[name], _key_values(plain, name), cur, time)
        elif name == "periods":
            _write_periods(sheet, meta)
        elif name == "volumes":
            _write_volumes(sheet, plain, labels)
        elif name == "lists":
            _write_lists(sheet)
        else:
            _write_table(sheet, TABLE[name], rows[name], cur, time)
    book.save(path_or_stream)


def scenario_data(scenario: Scenario) -> dict:
    """A Scenario as the plain data a YAML file holds: the fields' file names (an arc's `from` and
    `to`), and only the fields that were given, so that a default is left to apply (an empty cell)."""
    return scenario.model_dump(mode="json", by_alias=True, exclude_unset=True)


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _period_labels(meta: dict) -> list[str]:
    periods = meta.get("periods", 1)
    return [str(p) for p in periods] if isinstance(periods, list) else [f"P{i + 1}" for i in range(int(periods))]


def _key_values(data: dict, name: str) -> dict[str, Any]:
    """The values of a key/value sheet: the scenario's meta (periods as a count), or the solver's."""
    section = _mapping(data.get(name))
    if name == "intervals":
        times = section.get("times")
        values = {k: v for k, v in section.items() if k != "times"}
        if isinstance(times, dict):
            values.update({f"times.{key}": value for key, value in times.items()})
        elif times is not None:
            values["times"] = _joined(times)
        for key in ("days", "hours"):
            if isinstance(values.get(key), list):
                values[key] = _joined(values[key])
        return values
    if name == "scenario":
        values = dict(section)
        if isinstance(values.get("periods"), list):
            del values["periods"]  # the labels, on sheet 'periods': adding one there is all it takes
        return values
    values = {k: v for k, v in section.items() if k not in ("relaxation_weights", "highs_options")}
    for key, value in _mapping(section.get("relaxation_weights")).items():
        values[f"relaxation_weights.{key}"] = value
    return values


def _table_rows(data: dict) -> dict[str, list[list[Any]]]:
    """Each table sheet's rows, in its columns' order, from the scenario's data."""
    rows: dict[str, list[list[Any]]] = {name: [] for name in TABLE}
    rows["stages"] = [[stage] for stage in data.get("stages") or []]
    for name, role in _mapping(data.get("roles")).items():
        overtime = role.get("overtime")
        role = {**role, **_flat("overtime", overtime, Overtime)} if overtime is not None else role
        rows["roles"].append(_row(TABLE["roles"], [name], {**role, "skills": _joined(role.get("skills") or None)}))
    for name, node in _mapping(data.get("nodes")).items():
        rows["nodes"].append(_row(TABLE["nodes"], [name], _with_rework(node)))
        for role, work in _mapping(node.get("work")).items():
            rows["work"].append(_row(TABLE["work"], [name, role], _with_rework(work)))
            for demand, hours in _mapping(_mapping(work).get("hours_by_demand")).items():
                rows["hours_by_demand"].append([name, role, demand, hours])
            for pattern, shift in _mapping(_mapping(work).get("shifts")).items():
                listed = {key: _joined(shift.get(key)) for key in ("covers", "breaks", "days") if key in shift}
                rows["shifts"].append(_row(TABLE["shifts"], [name, role, pattern], {**shift, **listed}))
        for role, staff in _mapping(node.get("staff")).items():
            rows["staff"].append(_row(TABLE["staff"], [name, role], staff))
        _stock_rows(rows, name, node.get("stock"))
        _queue_rows(rows, name, node.get("queue"))
        for level in node.get("capacity_levels") or []:
            rows["capacity_levels"].append(_row(TABLE["capacity_levels"], [name], _mapping(level)))
    for arc in data.get("arcs") or []:
        ends = [arc.get("from", arc.get("source")), arc.get("to", arc.get("target"))]
        rows["arcs"].append(_row(TABLE["arcs"], ends, arc))
    for name, demand in _mapping(data.get("demands")).items():
        values = {
            **demand,
            "sinks": _joined(demand.get("sinks")),
            "stages": _joined(demand.get("stages")),
            "labels": _labels_text(demand.get("labels")),
            "skills": _joined(demand.get("skills") or None),
        }
        if isinstance(values.get("volume"), list):
            del values["volume"]  # on sheet 'volumes'
        rows["demands"].append(_row(TABLE["demands"], [name], values))
        rows["interval_figures"] += _interval_figure_rows(name, demand)
    for option, value in _mapping(_mapping(data.get("solver")).get("highs_options")).items():
        rows["highs_options"].append([option, value])
    for name, rule in _mapping(data.get("rules")).items():
        rows["rules"].append(_rule_row(name, _mapping(rule)))
    return rows


def _interval_figure_rows(name: str, demand: dict) -> list[list[Any]]:
    """A demand's volume_by_interval and profile as rows of sheet 'interval_figures'."""
    found = []
    profile = demand.get("profile")
    parts = {"volume_by_interval": demand.get("volume_by_interval")}
    if isinstance(profile, dict):
        parts.update({f"profile.{key}": value for key, value in profile.items()})
    else:
        parts["profile"] = profile
    for field_name, figures in parts.items():
        if isinstance(figures, list):
            found.append([name, field_name, _joined(figures)])
    return found


def _rule_row(name: str, rule: dict) -> list[Any]:
    """A rule as its row: the comparison as sense and value, the filters as `key=a, b; key=c` text."""
    sense = next((key for key in CHOICES["sense"] if key in rule), None)
    of = _mapping(rule.get("of"))
    values = {
        **rule,
        "where": _where_text(rule.get("where")),
        "sense": sense,
        "value": rule.get(sense) if sense else None,
        "of_sum": of.get("sum"),
        "of_where": _where_text(of.get("where")) if of else None,
    }
    return _row(TABLE["rules"], [name], values)


def _where_text(where: Any) -> str | None:
    """Filters as one cell's text: `demand=repairs_*; node=partner_north, partner_south`."""
    parts = [f"{key}={_joined(value) if isinstance(value, list) else value}" for key, value in _mapping(where).items()]
    return "; ".join(parts) or None


def _flat(prefix: str, section: dict, model: Any) -> dict:
    """A sub-section as `prefix.field` columns; given empty (all defaults), its first field's default
    is written, so that the section is still there when read back."""
    if not section:
        first, info = next(iter(model.model_fields.items()))
        section = {first: info.default}
    return {f"{prefix}.{key}": value for key, value in section.items()}


def _with_rework(section: Any) -> dict:
    """A node or work entry with its `rework` as `rework.*` columns."""
    section = _mapping(section)
    rework = section.get("rework")
    return {**section, **_flat("rework", rework, Rework)} if isinstance(rework, dict) else section


def _labels_text(labels: Any) -> str | None:
    """A demand's labels in one cell, `channel=web; region=north` (none: empty)."""
    if not isinstance(labels, dict) or not labels:
        return None
    return "; ".join(f"{key}={value}" for key, value in labels.items())


def _labels(raw: Any) -> dict[str, str]:
    """`channel=web; region=north` -> {channel: web, region: north}; ValueError naming the part that
    is not label=value, or a label given twice."""
    found: dict[str, str] = {}
    for part in (p.strip() for p in _text(raw).split(";")):
        if not part:
            continue
        key, equals, value = (piece.strip() for piece in part.partition("="))
        if not equals or not key or not value:
            raise ValueError(f"{shown(part)} is not label=value (e.g. channel=web; region=north)")
        if key in found:
            raise ValueError(f"the label {shown(key)} is given twice")
        found[key] = value
    return found


def _joined(names: Any) -> str | None:
    return ", ".join(str(n) for n in names) if isinstance(names, list) else None


def _row(sheet: Sheet, keys: list[Any], values: dict) -> list[Any]:
    return [*keys, *(values.get(column.field) for column in sheet.columns[sheet.keys :])]


def _stock_rows(rows: dict[str, list[list[Any]]], node: str, stock: Any) -> None:
    if stock is None:
        return
    per_demand = {key: stock.get(key) for key in ("initial", "final_min") if isinstance(stock.get(key), dict)}
    values = {**stock, "demands": _joined(stock.get("demands"))}
    for key in per_demand:
        del values[key]
    rows["stock"].append(_row(TABLE["stock"], [node], values))
    for demand in dict.fromkeys(d for amounts in per_demand.values() for d in amounts):
        amounts = {key: per_demand[key].get(demand) for key in per_demand}
        rows["stock_by_demand"].append(_row(TABLE["stock_by_demand"], [node, demand], amounts))


def _queue_rows(rows: dict[str, list[list[Any]]], node: str, queue: Any) -> None:
    if queue is None:
        return
    rows["queues"].append(_row(TABLE["queues"], [node], {**queue, **_mapping(queue.get("target"))}))
    for lane in queue.get("lanes") or []:
        rows["lanes"].append(_row(TABLE["lanes"], [node, lane.get("name")], _mapping(lane.get("target"))))


def _style_header(sheet: Any, row: int = 1) -> None:
    from openpyxl.styles import Font

    for cell in sheet[row]:
        cell.font = Font(bold=True)


def _comment(text: str) -> Any:
    from openpyxl.comments import Comment

    comment = Comment(text, "e2eopt")
    comment.width, comment.height = 300, 120
    return comment


def _write_table(sheet: Any, spec: Sheet, rows: list[list[Any]], cur: str, time: str) -> None:
    """A table sheet: bold, frozen headers with units and field notes, rows, validations, widths."""
    sheet.append([column.header(cur, time) for column in spec.columns])
    for index, column in enumerate(spec.columns, start=1):
        if column.doc:
            sheet.cell(1, index).comment = _comment(column.doc)
    for row in rows:
        sheet.append([_cell_value(value) for value in row])
    _exact_numbers(sheet)
    _style_header(sheet)
    sheet.freeze_panes = "A2"
    last = len(rows) + 1 + SPARE_ROWS
    for index, column in enumerate(spec.columns, start=1):
        _validate(sheet, column, f"{_letter(index)}2:{_letter(index)}{last}", cur)
    _fit_widths(sheet)


def _cell_value(value: Any) -> Any:
    """What a cell holds: a number, a bool or text (a period label that looks like a date stays text)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return str(value)


def _write_key_values(sheet: Any, columns: list[Column], values: dict[str, Any], cur: str, time: str) -> None:
    sheet.append(["field", "value", "unit", "about"])
    for index, column in enumerate(columns, start=2):
        sheet.append([column.field, _cell_value(values.get(column.field)), column.unit.format(cur=cur, time=time)])
        sheet.cell(index, 4).value = column.doc
        _validate(sheet, column, f"B{index}", cur)
    _exact_numbers(sheet)
    _style_header(sheet)
    sheet.freeze_panes = "A2"
    _fit_widths(sheet, most=60)


def _write_periods(sheet: Any, meta: dict) -> None:
    sheet.append(["period"])
    sheet.cell(1, 1).comment = _comment(
        "Period labels, in order, one per row; none: the periods are counted on sheet 'scenario' (P1, P2, ...)."
    )
    periods = meta.get("periods")
    for label in periods if isinstance(periods, list) else []:
        sheet.append([_cell_value(label)])
    for (cell,) in sheet.iter_rows(min_row=2, max_row=sheet.max_row + SPARE_ROWS, max_col=1):
        cell.number_format = "@"  # text: Excel would read 2027-01 as a date
    _style_header(sheet)
    sheet.freeze_panes = "A2"
    _fit_widths(sheet)


def _write_volumes(sheet: Any, data: dict, labels: list[str]) -> None:
    """One row per demand, one column per period: the per-period volumes (a demand whose volume is
    one number for every period has its number on sheet 'demands' and an empty row here)."""
    sheet.append(["demand", *labels])
    sheet.cell(1, 1).comment = _comment("Units per period, one column per period (its label).")
    for name, demand in _mapping(data.get("demands")).items():
        volume = demand.get("volume")
        sheet.append([name, *(volume if isinstance(volume, list) else [])])
    _exact_numbers(sheet)
    _style_header(sheet)
    sheet.freeze_panes = "B2"
    last = sheet.max_row + SPARE_ROWS
    _validate(sheet, _name("demand", "demands", ""), f"A2:A{last}")
    if labels:
        number = Column("volume", unit="units per period", range=VOLUME)
        _validate(sheet, number, f"B2:{_letter(len(labels) + 1)}{last}")
    _fit_widths(sheet)


def _write_lists(sheet: Any) -> None:
    """The fixed choices the drop-downs offer; hidden."""
    sheet.append(list(CHOICES))
    for index, choices in enumerate(CHOICES.values(), start=1):
        for row, choice in enumerate(choices, start=2):
            sheet.cell(row, index).value = choice
    sheet.sheet_state = "hidden"


def _choice_range(name: str) -> str:
    index = list(CHOICES).index(name) + 1
    letter = _letter(index)
    return f"lists!${letter}$2:${letter}${len(CHOICES[name]) + 1}"


def _names_range(sheet: str) -> str:
    return f"{sheet}!$A$2:$A${1 + 100_000}"


def in_currency(rng: Range, cur: str) -> Range:
    """A range of money in the scenario's currency (`1e12 EUR`, not `1e12 currency`); others as they are."""
    return dataclasses.replace(rng, unit=cur) if rng.unit == MONEY.unit and cur else rng  # SIGNED_MONEY too


def _validate(sheet: Any, column: Column, cells: str, cur: str = "") -> None:
    """The column's data validation: a drop-down of names or choices, or a number's range (money in `cur`)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    if column.kind == "name" and column.names:
        rule = DataValidation(type="list", formula1=_names_range(column.names), allow_blank=True)
        rule.error = f"Choose a name listed on sheet '{column.names}' (add it there first)."
    elif column.kind == "choice":
        rule = DataValidation(type="list", formula1=_choice_range(column.field), allow_blank=True)
        rule.error = f"Choose one of: {', '.join(CHOICES[column.field])}."
    elif column.kind == "bool":
        rule = DataValidation(type="list", formula1='"TRUE,FALSE"', allow_blank=True)
        rule.error = "TRUE or FALSE."
    elif column.kind in ("number", "whole") and column.range is not None:
        low = -column.range.high if column.range.signed else 0 if column.range.zero else column.range.low
        rule = DataValidation(
            type="decimal" if column.kind == "number" else "whole",
            operator="between",
            formula1=f"{low:.15G}",  # as Excel writes numbers in a formula: 1E-06
            formula2=f"{column.range.high:.15G}",
            allow_blank=True,
        )
        rule.error = f"{column.field}: {column.range.kind}, {in_currency(column.range, cur).allowed()}."
    else:
        return
    rule.errorTitle = f"Not a valid {column.field}"
    rule.showErrorMessage = True
    rule.add(cells)
    sheet.add_data_validation(rule)


def _exact_numbers(sheet: Any) -> None:
    """Numbers written to the last bit: openpyxl writes a float with 16 significant digits, which
    turns 1.3900000000000001 (1.39 * 1.0 after a what-if, say) into 1.39, another scenario. Such a
    cell keeps the shortest text that reads back as the same float (Excel reads 17 digits)."""
    for row in sheet.iter_rows():
        for cell in row:
            value = cell.value
            if type(value) is float and float(f"{value:.16g}") != value:
                cell._value = repr(value)  # stays a number (data_type "n"): only its written text changes


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _fit_widths(sheet: Any, most: int = 40) -> None:
    """Columns as wide as their longest text (first 200 rows), within 8 and `most` characters."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows(max_row=min(sheet.max_row, 200)):
        for cell in row:
            if cell.value is not None:
                widths[cell.column] = max(widths.get(cell.column, 0), len(str(cell.value)))
    for index, width in widths.items():
        sheet.column_dimensions[_letter(index)].width = min(max(width + 2, 8), most)


def _write_notes(sheet: Any, data: dict, source_name: str, cur: str, time: str) -> None:
    from openpyxl.styles import Font

    name = _mapping(data.get("scenario")).get("name", "")
    now = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    lines = [
        (f"Scenario '{name}' as a workbook, for e2eopt", True),
        (
            f"Written by e2eopt from {source_name} on {now}. A what-if file (extends) is written resolved: the book",
            False,
        ),
        ("holds the complete scenario it makes, base and overrides applied.", False),
        ("", False),
        ("How to use it", True),
        ("Edit the figures, add or delete rows, then read the book back into a scenario file:", False),
        ("    e2eopt import BOOK.xlsx --out SCENARIO.yaml", False),
        ("Every problem is then named by sheet, row and column, with the field path of the scenario file", False),
        ("(e.g. demands.repairs_north.volume) and what is allowed.", False),
        ("", False),
        ("Conventions", True),
        (
            "- Row 1 of each sheet holds the field names and, in brackets, their units; hover one for its meaning.",
            False,
        ),
        (f"- Money is in {cur}; times (processing, wait, lead and response times) in {time}; hours are hours.", False),
        ("- An empty cell leaves the field out: its default applies (see the header's note).", False),
        ("- Cells that name a node, role, stage or demand offer a drop-down of the names on the sheet that", False),
        ("  defines them (nodes, roles, stages, demands): add a new name there first. time_unit, algorithm and", False),
        ("  a queue's model offer their choices; numbers are checked against their plausible range.", False),
        (
            "- Lists inside a cell (a demand's sinks and stages, a stock's demands) are names separated by commas.",
            False,
        ),
        ("- Periods: their labels on sheet 'periods', one per row (none: the count on sheet 'scenario').", False),
        ("  Volumes per period on sheet 'volumes', one column per period; a volume that is the same in every", False),
        ("  period may be one number in the volume column of sheet 'demands' instead (not both).", False),
        ("- Formulas are read by the value the spreadsheet saved with them.", False),
        ("", False),
        ("Sheets", True),
        ("scenario: name, currency, time unit, period length, number of periods (field | value).", False),
        ("intervals: the intervals within a period, days and times of day (field | value; none: no intervals).", False),
        *((f"{spec.name}: {spec.about}", False) for spec in TABLES),
        ("volumes: units per period, one row per demand, one column per period.", False),
        ("solver: solver settings and the diagnosis's relaxation weights (field | value).", False),
        ("lists (hidden): the choices the drop-downs offer.", False),
    ]
    for text, bold in lines:
        sheet.append([text])
        if bold:
            sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    sheet.column_dimensions["A"].width = 110


# ---- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """Where a value stands in the book."""

    sheet: str
    row: int | None = None
    column: int | None = None
    header: str = ""

    def where(self, book: str) -> str:
        """`BOOK.xlsx, sheet 'demands', row 7, column C (volume)`; the book alone for no sheet."""
        if not self.sheet:
            return book
        text = f"{book}, sheet '{self.sheet}'"
        if self.row is not None:
            text += f", row {self.row}"
        if self.column is not None:
            text += f", column {_letter(self.column)}" + (f" ({self.header})" if self.header else "")
        return text


class BookSource(SourceMap):
    """A SourceMap of a workbook: each field path to the cell that holds it, so that the schema's
    and the cross-checks' problems name the sheet, row and column (as `Problem.file`; no line)."""

    def __init__(
        self,
        book: str,
        cells: dict[FieldPath, Cell],
        key_cells: dict[FieldPath, Cell],
        located: dict[str, Cell] | None = None,
    ) -> None:
        super().__init__(book, {}, {})
        self.cells = cells
        self.key_cells = key_cells
        self.located = {} if located is None else located  # each problem's place, to order them by

    def cell(self, path: FieldPath, at_key: bool = False) -> Cell:
        """The cell of the field (its name's cell with `at_key`); for a missing one, its parent's."""
        for end in range(len(path), -1, -1):
            part = tuple(path[:end])
            first, then = (self.key_cells, self.cells) if at_key or end < len(path) else (self.cells, self.key_cells)
            found = first.get(part) or then.get(part)
            if found is not None:
                return found
        return Cell("scenario")

    def locate(self, path: FieldPath, at_key: bool = False) -> tuple[int | None, int | None]:
        return None, None  # a book has no lines; `problem` and `written_at` name the cell

    def written_at(self, path: FieldPath) -> tuple[int | None, str]:
        return None, self.cell(path).where(self.file)

    def problem(self, path: FieldPath, message: str, hint: str = "", at_key: bool = False) -> Problem:
        cell = self.cell(path, at_key)
        where = cell.where(self.file)
        self.located[where] = cell
        return Problem(where, None, None, dotted(path), message, hint)


@dataclass
class Row:
    """One data row of a table sheet: its number, and each column's raw value and cell."""

    sheet: str
    number: int
    values: dict[str, Any]
    cells: dict[str, Cell]

    def cell(self, column: str) -> Cell:
        """The cell of a column; the row itself when the sheet has no such column (an optional one)."""
        return self.cells.get(column) or Cell(self.sheet, self.number)


class _Bad:
    """A cell whose value could not be read (already a problem)."""


BAD = _Bad()


@dataclass
class _Reader:
    """Reads a loaded workbook into scenario data, noting each field's cell and each problem."""

    book: str
    sheets: dict[str, list[tuple[Any, ...]]]  # each sheet's rows of (value, is_formula_without_value)
    cells: dict[FieldPath, Cell] = field(default_factory=dict)
    key_cells: dict[FieldPath, Cell] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    layout: list[Problem] = field(default_factory=list)  # problems of the sheets' layout (layout_problem)
    located: dict[str, Cell] = field(default_factory=dict)  # each problem's place (its text), to order them by
    covered: set[str] = field(default_factory=set)  # field paths a problem of the book already explains

    def problem(self, cell: Cell, path: FieldPath | str, message: str, hint: str = "") -> None:
        shown_path = path if isinstance(path, str) else dotted(path)
        where = cell.where(self.book)
        self.located[where] = cell
        self.problems.append(Problem(where, None, None, shown_path, message, hint))

    def error(self, problems: list[Problem], data: dict) -> ScenarioError:
        """The problems as one error, in the book's order (sheet, row, column), money in the currency."""
        order = list(self.sheets)

        def place(cell: Cell) -> tuple[int, int, int]:
            """Its sheet's place in the book (a sheet it lacks after them, the book as a whole last), row, column."""
            if not cell.sheet:
                return (len(order) + len(SHEET_ORDER) + 1, 0, 0)
            sheet = order.index(cell.sheet) if cell.sheet in order else len(order) + _index(cell.sheet)
            return (sheet, cell.row or 0, cell.column or 0)

        currency = _mapping(data.get("scenario")).get("currency")
        if isinstance(currency, str) and currency.strip():
            problems = [_in_currency(p, currency.strip()) for p in problems]
        return BookError(problems, {where: place(cell) for where, cell in self.located.items()})

    def layout_problem(self, cell: Cell, path: str, message: str, hint: str = "") -> None:
        """A problem with a sheet's layout (a column missing, unknown or twice): the rows of such a
        sheet are not read, so only these problems are reported, not every name it would define."""
        self.problem(cell, path, message, hint)
        self.layout.append(self.problems[-1])

    # -- sheets and headers

    def table(self, name: str) -> list[Row]:
        """The data rows of a table sheet (none when the sheet is absent); headers checked."""
        if name not in self.sheets:
            return []
        spec = TABLE[name]
        known = [c.field for c in spec.columns]
        return self._rows(name, known, [c.field for c in spec.columns if c.required], spec=spec)

    def _rows(
        self, name: str, known: list[str], required: list[str], exact: bool = False, spec: Sheet | None = None
    ) -> list[Row]:
        grid = self.sheets[name]
        headers = [_header_text(value, exact) for value in grid[0]] if grid else []
        columns: dict[str, int] = {}
        for index, header in enumerate(headers, start=1):
            if header is None:
                continue
            cell = Cell(name, 1, index, header)
            if header in columns:
                self.layout_problem(cell, "", f"column '{header}' appears twice on sheet '{name}'", "Keep one of them.")
            elif header not in known:
                hint = closest(header, known)
                self.layout_problem(cell, "", f"unknown column '{header}' on sheet '{name}'", hint)
            else:
                columns[header] = index
        for header in required:
            if header not in columns:
                allowed = ", ".join(known)
                self.layout_problem(
                    Cell(name, 1),
                    spec.field_path(header) if spec else name,
                    f"sheet '{name}' has no column '{header}', which is required",
                    f"Its columns: {allowed}.",
                )
        if any(header not in columns for header in required):
            return []  # its rows cannot be read: the problem above says why
        rows = []
        for number, values in enumerate(grid[1:], start=2):
            if all(_blank(v) for v in values):
                continue
            for index, value in enumerate(values, start=1):
                if not _blank(value) and (index > len(headers) or headers[index - 1] is None):
                    self.problem(Cell(name, number, index), "", f"a value ({shown(value)}) in a column with no header")
            rows.append(
                Row(
                    name,
                    number,
                    {h: values[i - 1] if i <= len(values) else None for h, i in columns.items()},
                    {h: Cell(name, number, i, h) for h, i in columns.items()},
                )
            )
        return rows

    # -- cells

    def value(self, row: Row, column: Column, path: FieldPath) -> Any:
        """The cell's value as the column's kind (None: empty); its cell noted for `path`."""
        cell = row.cells.get(column.field)
        if cell is None:
            return None
        self.cells[path] = cell
        raw = row.values.get(column.field)
        if isinstance(raw, _Formula):
            self.problem(
                cell,
                path,
                f"a formula with no saved value ({raw.text})",
                "Open and save the book in Excel or LibreOffice (which saves the value), or type the value.",
            )
            return BAD
        if _blank(raw):
            return None
        try:
            return _convert(raw, column)
        except ValueError as error:
            self.problem(cell, path, str(error), _allowed(column))
            return BAD

    def put(self, target: dict, key: str, row: Row, column: Column, path: FieldPath) -> None:
        """target[key] = the cell's value, unless the cell is empty (the field is left out)."""
        value = self.value(row, column, path)
        if value is not None and value is not BAD:
            target[key] = value

    def name(self, row: Row, column: str, path: FieldPath) -> str | None:
        """A row's key cell: the name it gives (None, a problem, when it gives none)."""
        spec = TABLE[row.sheet].column(column)
        assert spec is not None
        value = self.value(row, spec, path)
        if value is None:
            self.problem(
                row.cells[column], path, f"this row names no {column}", f"Give the {column}'s name in column {column}."
            )
        return value if isinstance(value, str) else None

    def known(self, row: Row, column: str, name: str, names: dict, what: str, path: FieldPath) -> bool:
        """Whether `name` is one of `names` (defined on sheet `what`); a problem, with the closest, if not."""
        if name in names:
            return True
        self.problem(
            row.cells[column],
            path,
            f"unknown {column} '{name}': not on sheet '{what}'",
            f"{closest(name, names)} Add it on sheet '{what}' first.".strip(),
        )
        return False

    def once(self, row: Row, key: tuple, seen: dict[tuple, int], path: FieldPath, what: str) -> bool:
        """Whether this row's thing is the first of its name; a problem if it was named before."""
        if key in seen:
            self.problem(
                row.cells[TABLE[row.sheet].columns[0].field],
                path,
                f"{what} is listed twice on sheet '{row.sheet}' (first at row {seen[key]})",
                "Keep one row for it.",
            )
            return False
        seen[key] = row.number
        self.key_cells[path] = row.cells[TABLE[row.sheet].columns[TABLE[row.sheet].keys - 1].field]
        return True


@dataclass(frozen=True)
class _Formula:
    """A formula cell with no value saved with it."""

    text: str


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_text(value: Any, exact: bool) -> str | None:
    """A header's field: `cost_per_fte (EUR per FTE per period)` -> cost_per_fte (period labels as they are)."""
    if _blank(value):
        return None
    text = _text(value)
    return text if exact else text.split(" (")[0].strip()


def _text(value: Any) -> str:
    if isinstance(value, datetime.time):  # a time of day typed into a cell (a shift's start): HH:MM
        return value.strftime("%H:%M")
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _convert(raw: Any, column: Column) -> Any:
    """A cell's value as its column's kind; ValueError saying what is wrong with it."""
    kind = column.kind
    if kind == "any":
        return raw.strip() if isinstance(raw, str) else raw
    if kind in ("name", "text", "choice"):
        if isinstance(raw, bool):
            raise ValueError(f"{shown(raw)} is not a name")
        return _text(raw)
    if kind == "names":
        return [part.strip() for part in _text(raw).split(",") if part.strip()]
    if kind in ("numbers", "figures"):
        numbers = [_number(part) for part in _text(raw).split(",") if part.strip()] if isinstance(raw, str) else [raw]
        numbers = [_number(n) for n in numbers]
        return numbers[0] if kind == "numbers" and len(numbers) == 1 else numbers
    if kind == "labels":
        return _labels(raw)
    if kind == "bool":
        return _boolean(raw)
    number = _number(raw)
    if kind == "whole":
        if not float(number).is_integer():
            raise ValueError(f"{shown(raw)} is not a whole number")
        return int(number)
    return number


def _number(raw: Any) -> float | int:
    if isinstance(raw, (bool, datetime.date, datetime.datetime, datetime.time)):
        raise ValueError(f"{_text(raw)!r} is not a number")
    if isinstance(raw, (int, float)):
        return raw
    try:
        return float(str(raw).strip())
    except ValueError:
        raise ValueError(f"{shown(str(raw))} is not a number") from None


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    text = str(raw).strip().lower()
    if text in ("true", "yes"):
        return True
    if text in ("false", "no"):
        return False
    raise ValueError(f"{shown(raw)} is not TRUE or FALSE")


def _allowed(column: Column) -> str:
    """What the column takes, in words with its unit."""
    if column.kind in ("number", "whole") and column.range is not None:
        whole = ", a whole number" if column.kind == "whole" else ""
        return f"{column.range.kind[:1].upper()}{column.range.kind[1:]}{whole}: {column.range.allowed()}."
    if column.kind == "bool":
        return f"{column.field}: TRUE or FALSE."
    return f"{column.field}: {column.doc}" if column.doc else ""


def read_workbook(content: bytes, name: str) -> bytes:
    """The workbook's scenario as YAML text (as `scenario_yaml` writes it), validated like a YAML file.

    Raises ScenarioError: each problem names `BOOK.xlsx, sheet 'S', row R, column C (header)` (as
    its file) and the field path a YAML file's problem would have, in the book's order (sheet, row,
    column)."""
    from model.scenario.overrides import scenario_yaml

    data, _ = _read(content, name)
    header = [f"Imported by e2eopt from the workbook {name}.", "Edit the book and import it again, or edit this file."]
    return scenario_yaml(data, header)


def read_workbook_scenario(content: bytes, name: str) -> Scenario:
    """The workbook's scenario as a `Scenario` in one step (for a notebook: `model.optimise` takes it);
    the same scenario `read_workbook`'s YAML text holds, and the same ScenarioError."""
    return _read(content, name)[1]


def _read(content: bytes, name: str) -> tuple[dict, Scenario]:
    """The book's plain scenario data and the Scenario it validates to; ScenarioError otherwise."""
    sheets = _load(content, name)
    reader = _Reader(name, sheets)
    _check_sheets(reader)
    if reader.layout:  # without a required sheet, every name it defines would be "unknown"
        raise reader.error(reader.layout, {})
    data = _assemble(reader)
    source = BookSource(name, reader.cells, reader.key_cells, reader.located)
    if reader.layout:  # the sheets whose layout is wrong were not read: their names would be "unknown"
        raise reader.error(reader.layout, data)
    problems = list(reader.problems)
    try:
        scenario = validate_data(data, source)
    except ScenarioError as error:
        reported = {p.path for p in problems} | reader.covered
        problems += [p for p in error.problems if not _reported(p.path, reported)]
    if problems:
        raise reader.error(problems, data)
    return data, scenario


class BookError(ScenarioError):
    """A workbook's problems in the book's order: by sheet (as the book orders them), row, column
    (a ScenarioError orders a file's problems by line, which a book has not)."""

    def __init__(self, problems: list[Problem], order: dict[str, tuple[int, int, int]]) -> None:
        super().__init__(problems)
        self.problems = sorted(problems, key=lambda p: order.get(p.file, (0, 0, 0)))
        count = len(self.problems)
        header = f"{count} problem{'s' if count != 1 else ''} in the scenario:"
        self.args = ("\n".join([header, *(str(p) for p in self.problems)]),)


def _index(sheet: str) -> int:
    """A sheet's place in a written book (after them, one it does not know)."""
    return SHEET_ORDER.index(sheet) if sheet in SHEET_ORDER else len(SHEET_ORDER)


def _in_currency(problem: Problem, currency: str) -> Problem:
    """The problem with the range of money in the scenario's currency (`1e12 EUR`) rather than `1e12 currency`."""
    message, hint = problem.message, problem.hint
    for kind in (SIGNED_MONEY, MONEY):  # the signed range's words hold the unsigned one's: replace it first
        generic, specific = kind.allowed(), in_currency(kind, currency).allowed()
        message, hint = message.replace(generic, specific), hint.replace(generic, specific)
    return dataclasses.replace(problem, message=message, hint=hint)


def _reported(path: str, reported: set[str]) -> bool:
    """Whether a problem of the validation repeats one the reading found: at the same field, or at a
    field that holds it (a volume list missing because one of its cells is not a number)."""
    return any(r == path or r.startswith((f"{path}.", f"{path}[")) for r in reported)


def _load(content: bytes, name: str) -> dict[str, list[tuple[Any, ...]]]:
    """Each sheet's rows of values (formulas by their saved value); a file that is no workbook is a problem."""

    def refuse(message: str, hint: str = "") -> ScenarioError:
        return ScenarioError([Problem(name, None, None, "", message, hint)])

    hint = "Give an .xlsx workbook, e.g. one written by `e2eopt template SCENARIO --xlsx BOOK.xlsx`."
    if not content:
        raise refuse("the file is empty, not an .xlsx workbook", hint)
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise refuse(
            "not an .xlsx workbook: an encrypted (password-protected) workbook or an old .xls file",
            "Remove the password, or save it as .xlsx (Excel Workbook), then import it again.",
        )
    if not zipfile.is_zipfile(io.BytesIO(content)):
        start = content[:40].decode("utf-8", "replace").splitlines()[0] if content[:40].strip() else ""
        kind = " (it is text: a CSV or YAML file?)" if start and start.isprintable() else ""
        if content.startswith(b"PK"):
            kind = ": a damaged zip archive (cut short in a download or a copy?)"
        raise refuse(f"not an .xlsx workbook{kind}", hint)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise refuse("a zip archive, but not an .xlsx workbook (it has no xl/workbook.xml)", hint)
        formulas = _sheet_rows(content, data_only=False)
        if not any(isinstance(v, _Formula) for rows in formulas.values() for row in rows for v in row):
            return formulas
        values = _sheet_rows(content, data_only=True)
    except ScenarioError:
        raise
    except Exception as error:  # openpyxl raises many kinds on a damaged file; each is bad input
        raise refuse(f"the workbook cannot be read: {type(error).__name__}: {error}", hint) from None
    return {sheet: _saved_values(rows, values.get(sheet, [])) for sheet, rows in formulas.items()}


def _saved_values(rows: list[tuple[Any, ...]], saved: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The rows with each formula replaced by the value saved with it; one saved without a value stays
    a _Formula (a problem where it is read). The saved rows may be fewer (empty ones are trimmed)."""

    def value(row: int, column: int, cell: Any) -> Any:
        if not isinstance(cell, _Formula):
            return cell
        found = saved[row][column] if row < len(saved) and column < len(saved[row]) else None
        return cell if found is None else found

    return [tuple(value(i, j, cell) for j, cell in enumerate(row)) for i, row in enumerate(rows)]


def _sheet_rows(content: bytes, data_only: bool) -> dict[str, list[tuple[Any, ...]]]:
    """Each sheet's rows; with `data_only=False`, a formula is a _Formula (its saved value read after)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True, data_only=data_only)
    try:
        result = {}
        for sheet in book.worksheets:
            rows = []
            for row in sheet.iter_rows():
                rows.append(tuple(_read_cell(cell, data_only) for cell in row))
            while rows and all(_blank(v) for v in rows[-1]):
                rows.pop()
            result[sheet.title] = rows
        return result
    finally:
        book.close()


def _read_cell(cell: Any, data_only: bool) -> Any:
    value = getattr(cell, "value", None)
    if not data_only and getattr(cell, "data_type", None) == "f":
        return _Formula(str(value))
    return value


def _check_sheets(reader: _Reader) -> None:
    """The sheets a book needs are there; a sheet whose name is close to a known one is misspelt."""
    known = [*SHEET_ORDER]
    for title in reader.sheets:
        if title not in known and closest(title, known).startswith("Did you mean"):
            reader.layout_problem(Cell(title), "", f"unknown sheet '{title}'", closest(title, known))
    missing = [s for s in REQUIRED_SHEETS if s not in reader.sheets]
    if missing:
        reader.layout_problem(
            Cell(""),
            "",
            f"the workbook has no sheet {', '.join(repr(s) for s in missing)}",
            f"A scenario book needs the sheets {', '.join(REQUIRED_SHEETS)}; it may also have "
            f"{', '.join(s for s in SHEET_ORDER if s not in REQUIRED_SHEETS)}. "
            "`e2eopt template SCENARIO --xlsx BOOK.xlsx` writes one.",
        )


# ---- assembling the scenario's data -----------------------------------------------------------


def _assemble(reader: _Reader) -> dict:
    """The scenario's plain data, in the usual key order, from the book's sheets."""
    data: dict[str, Any] = {}
    data["scenario"] = _key_value_sheet(reader, "scenario", META)
    _periods(reader, data["scenario"])
    intervals = _key_value_sheet(reader, "intervals", INTERVALS)
    if intervals:
        data["intervals"] = intervals
    data["stages"] = _stages(reader)
    data["roles"] = _roles(reader)
    data["nodes"] = _nodes(reader, data["roles"])
    data["arcs"] = _arcs(reader, data["nodes"])
    data["demands"] = _demands(reader, data["nodes"], data["scenario"])
    _stock(reader, data["nodes"], data["demands"])
    solver = _key_value_sheet(reader, "solver", SOLVER)
    _highs_options(reader, solver)
    if solver:
        data["solver"] = solver
    rules = _rules(reader)
    if rules:
        data["rules"] = rules
    for section in ("roles", "arcs"):
        if not data[section]:
            del data[section]
    return data


def _key_value_sheet(reader: _Reader, name: str, columns: list[Column]) -> dict:
    """A `field | value` sheet as a mapping (`relaxation_weights.demand` as a nested one)."""
    result: dict[str, Any] = {}
    if name not in reader.sheets:
        return result
    specs = {c.field: c for c in columns}
    rows = reader._rows(name, ["field", "value", "unit", "about"], ["field", "value"])
    seen: dict[tuple, int] = {}
    for row in rows:
        key = row.values.get("field")
        cell = row.cells["field"]
        if _blank(key):
            if not _blank(row.values.get("value")):
                reader.problem(cell, name, "a value with no field named beside it", f"Fields: {', '.join(specs)}.")
            continue
        key = _text(key)
        spec = specs.get(key)
        path = (name, *key.split("."))
        if spec is None:
            reader.problem(cell, path, f"unknown field '{key}' on sheet '{name}'", closest(key, specs))
            continue
        if (key,) in seen:
            reader.problem(cell, path, f"field '{key}' is listed twice (first at row {seen[(key,)]})", "Keep one row.")
            continue
        seen[(key,)] = row.number
        value_cell = row.cells["value"]
        row.cells[spec.field] = Cell(name, row.number, value_cell.column, key)
        row.values[spec.field] = row.values.get("value")
        reader.key_cells[path] = cell
        given: dict[str, Any] = {}
        reader.put(given, str(path[-1]), row, spec, path)
        if given:  # relaxation_weights.demand -> {"relaxation_weights": {"demand": ...}}
            target = result
            for part in path[1:-1]:
                target = target.setdefault(str(part), {})
            clash = [k for k in given if k in target or not isinstance(target, dict)]
            if clash or any(isinstance(result.get(str(part)), dict) for part in path[1:2] if len(path) == 2):
                reader.problem(cell, path, f"'{key}' is given twice, as a list and as its parts", "Keep one.")
                continue
            target.update(given)
    reader.cells.setdefault((name,), Cell(name))
    return result


def _periods(reader: _Reader, meta: dict) -> None:
    """Period labels from sheet 'periods' (they replace the count, which must then agree)."""
    if "periods" not in reader.sheets:
        return
    column = Column("period", "text")
    labels = []
    for index, row in enumerate(reader._rows("periods", ["period"], ["period"])):
        value = reader.value(row, column, ("scenario", "periods", index))
        if isinstance(value, str):
            labels.append(value)
    if not labels:
        return
    count = meta.get("periods")
    if isinstance(count, int) and count != len(labels):
        reader.problem(
            reader.cells.get(("scenario", "periods"), Cell("periods")),
            ("scenario", "periods"),
            f"{count} periods, but sheet 'periods' lists {len(labels)} labels",
            "Empty this cell, or make it the number of labels.",
        )
    meta["periods"] = labels


def _stages(reader: _Reader) -> list:
    stages: list[str] = []
    reader.cells[("stages",)] = Cell("stages")
    for row in reader.table("stages"):
        name = reader.name(row, "stage", ("stages", len(stages)))
        if name is not None:
            stages.append(name)
    return stages


def _roles(reader: _Reader) -> dict:
    roles: dict[str, dict] = {}
    seen: dict[tuple, int] = {}
    reader.cells[("roles",)] = Cell("roles")
    spec = TABLE["roles"]
    for row in reader.table("roles"):
        name = reader.name(row, "role", ("roles",))
        if name is None or not reader.once(row, (name,), seen, ("roles", name), f"role '{name}'"):
            continue
        role: dict[str, Any] = {}
        for column in spec.columns[1:]:
            if column.field.startswith("overtime."):
                part = column.field.split(".")[1]
                overtime: dict = role.get("overtime", {})
                reader.put(overtime, part, row, column, ("roles", name, "overtime", part))
                if overtime:
                    role["overtime"] = overtime
            else:
                reader.put(role, column.field, row, column, ("roles", name, column.field))
        for index, _ in enumerate(role.get("skills") or []):  # each skill located at the list's cell
            reader.cells[("roles", name, "skills", index)] = row.cell("skills")
        roles[name] = role
    return roles


def _fields(reader: _Reader, row: Row, target: dict, path: FieldPath) -> dict:
    """Every non-key column of the row into `target` (the row's thing at `path`); a column `a.b` into
    target[a][b] (`rework.cost`), the section left out when all its cells are empty."""
    spec = TABLE[row.sheet]
    for column in spec.columns[spec.keys :]:
        if "." in column.field:
            section, part = column.field.split(".", 1)
            found: dict = target.get(section, {})
            reader.put(found, part, row, column, (*path, section, part))
            if found:
                target[section] = found
        else:
            reader.put(target, column.field, row, column, (*path, column.field))
    return target


def _nodes(reader: _Reader, roles: dict) -> dict:
    nodes: dict[str, dict] = {}
    seen: dict[tuple, int] = {}
    reader.cells[("nodes",)] = Cell("nodes")
    for row in reader.table("nodes"):
        name = reader.name(row, "node", ("nodes",))
        if name is not None and reader.once(row, (name,), seen, ("nodes", name), f"node '{name}'"):
            nodes[name] = _fields(reader, row, {}, ("nodes", name))
    for sheet, section in (("work", "work"), ("staff", "staff")):
        seen = {}
        for row in reader.table(sheet):
            node = reader.name(row, "node", ("nodes",))
            role = reader.name(row, "role", ("nodes", node or "", section))
            if node is None or role is None:
                continue
            path = ("nodes", node, section, role)
            if not reader.known(row, "node", node, nodes, "nodes", path):
                continue
            if reader.once(row, (node, role), seen, path, f"node '{node}', role '{role}'"):
                nodes[node].setdefault(section, {})[role] = _fields(reader, row, {}, path)
    _queues(reader, nodes)
    _capacity_levels(reader, nodes)
    _hours_by_demand(reader, nodes)
    _shifts(reader, nodes)
    return nodes


def _hours_by_demand(reader: _Reader, nodes: dict) -> None:
    """A work entry's hours per unit by demand (sheet 'hours_by_demand'): its node and role on sheet
    'work' first; the demand's name is checked with the scenario (an unknown one is a located problem)."""
    seen: dict[tuple, int] = {}
    column = TABLE["hours_by_demand"].columns[3]
    for row in reader.table("hours_by_demand"):
        node = reader.name(row, "node", ("nodes",))
        role = reader.name(row, "role", ("nodes", node or "", "work"))
        demand = reader.name(row, "demand", ("nodes", node or "", "work", role or "", "hours_by_demand"))
        if node is None or role is None or demand is None:
            continue
        path = ("nodes", node, "work", role, "hours_by_demand")
        work = _mapping(nodes.get(node, {}).get("work")).get(role)
        if work is None:
            reader.problem(
                row.cells["role"],
                path,
                f"node '{node}' has no role '{role}' on sheet 'work'",
                "Give the node's work for the role on sheet 'work' first.",
            )
            continue
        if reader.once(
            row, (node, role, demand), seen, (*path, demand), f"node '{node}', role '{role}', demand '{demand}'"
        ):
            found = work.get("hours_by_demand", {})
            reader.put(found, demand, row, column, (*path, demand))
            if found:
                work["hours_by_demand"] = found


def _shifts(reader: _Reader, nodes: dict) -> None:
    """Shift patterns (sheet 'shifts') into their work entries (sheet 'work'), in the order of their rows."""
    seen: dict[tuple, int] = {}
    for row in reader.table("shifts"):
        node = reader.name(row, "node", ("nodes",))
        role = reader.name(row, "role", ("nodes", node or "", "work"))
        pattern = reader.name(row, "pattern", ("nodes", node or "", "work", role or "", "shifts"))
        if node is None or role is None or pattern is None:
            continue
        path = ("nodes", node, "work", role, "shifts", pattern)
        if not reader.known(row, "node", node, nodes, "nodes", path):
            continue
        work = _mapping(nodes[node].get("work"))
        if not reader.known(row, "role", role, work, "work", path):
            continue
        if reader.once(row, (node, role, pattern), seen, path, f"pattern '{pattern}' of {node}/{role}"):
            shift = _fields(reader, row, {}, path)
            for key in ("covers", "breaks", "days"):
                for index, _ in enumerate(shift.get(key) or []):
                    reader.cells[(*path, key, index)] = row.cell(key)
            work[role].setdefault("shifts", {})[pattern] = shift


def _capacity_levels(reader: _Reader, nodes: dict) -> None:
    """A node's capacity levels (sheet 'capacity_levels'), in the order of their rows."""
    for row in reader.table("capacity_levels"):
        node = reader.name(row, "node", ("nodes",))
        if node is None:
            continue
        levels = nodes.get(node, {}).get("capacity_levels", [])
        path: FieldPath = ("nodes", node, "capacity_levels", len(levels))
        if not reader.known(row, "node", node, nodes, "nodes", path):
            continue
        nodes[node]["capacity_levels"] = [*levels, _fields(reader, row, {}, path)]


def _queues(reader: _Reader, nodes: dict) -> None:
    """Queues (sheet 'queues'), their target's columns as `target`, and their lanes (sheet 'lanes')."""
    seen: dict[tuple, int] = {}
    target_fields = ("service_level", "within", "average_wait", "max_abandoned", "max_blocked")
    for row in reader.table("queues"):
        node = reader.name(row, "node", ("nodes",))
        if node is None:
            continue
        path = ("nodes", node, "queue")
        if not reader.known(row, "node", node, nodes, "nodes", path) or not reader.once(
            row, (node,), seen, path, f"the queue of node '{node}'"
        ):
            continue
        queue: dict[str, Any] = {}
        target: dict[str, Any] = {}
        for column in TABLE["queues"].columns[1:]:
            if column.field in target_fields:
                reader.put(target, column.field, row, column, (*path, "target", column.field))
            else:
                reader.put(queue, column.field, row, column, (*path, column.field))
        if target:
            queue["target"] = target
            reader.cells.setdefault((*path, "target"), row.cell("service_level"))
        nodes[node]["queue"] = queue
    seen = {}
    for row in reader.table("lanes"):
        node = reader.name(row, "node", ("nodes",))
        lane = reader.name(row, "lane", ("nodes", node or "", "queue", "lanes"))
        if node is None or lane is None:
            continue
        queue = nodes.get(node, {}).get("queue")
        if queue is None:
            reader.problem(
                row.cells["node"],
                ("nodes", node, "queue", "lanes"),
                f"node '{node}' has no row on sheet 'queues'",
                "A lane belongs to a queue: give the node's queue (open_hours, ...) on sheet 'queues' first.",
            )
            continue
        lanes = queue.setdefault("lanes", [])
        lane_path: FieldPath = ("nodes", node, "queue", "lanes", len(lanes))
        if not reader.once(row, (node, lane), seen, lane_path, f"lane '{lane}' of node '{node}'"):
            continue
        reader.cells[(*lane_path, "name")] = row.cells["lane"]
        reader.cells[(*lane_path, "target")] = row.cell("service_level")
        lanes.append({"name": lane, "target": _fields(reader, row, {}, (*lane_path, "target"))})


def _arcs(reader: _Reader, nodes: dict) -> list:
    arcs: list[dict] = []
    reader.cells[("arcs",)] = Cell("arcs")
    for row in reader.table("arcs"):
        path = ("arcs", len(arcs))
        ends = [reader.name(row, end, (*path, end)) for end in ("from", "to")]
        if None in ends:
            continue
        reader.key_cells[path] = row.cells["from"]
        arcs.append(_fields(reader, row, {"from": ends[0], "to": ends[1]}, path))
    return arcs


def _demands(reader: _Reader, nodes: dict, meta: dict) -> dict:
    """Demands (sheet 'demands'), their volumes per period (sheet 'volumes')."""
    demands: dict[str, dict] = {}
    seen: dict[tuple, int] = {}
    reader.cells[("demands",)] = Cell("demands")
    for row in reader.table("demands"):
        name = reader.name(row, "demand", ("demands",))
        if name is None or not reader.once(row, (name,), seen, ("demands", name), f"demand '{name}'"):
            continue
        demand = _fields(reader, row, {}, ("demands", name))
        for key in ("sinks", "stages", "skills"):  # each name of a list is located at the list's cell
            for index, _ in enumerate(demand.get(key) or []):
                reader.cells[("demands", name, key, index)] = row.cell(key)
        demands[name] = demand
    _volumes(reader, demands, meta)
    _interval_figures(reader, demands)
    return demands


def _interval_figures(reader: _Reader, demands: dict) -> None:
    """volume_by_interval and profile (a list, or {days, times}) from sheet 'interval_figures'."""
    seen: dict[tuple, int] = {}
    spec = TABLE["interval_figures"]
    for row in reader.table("interval_figures"):
        name = reader.name(row, "demand", ("demands",))
        field_name = reader.value(row, spec.columns[1], ("demands", name or "", "profile"))
        if name is None or not isinstance(field_name, str):
            continue
        parts = field_name.split(".")
        path = ("demands", name, *parts)
        if not reader.known(row, "demand", name, demands, "demands", path):
            continue
        if not reader.once(row, (name, field_name), seen, path, f"{field_name} of demand '{name}'"):
            continue
        figures = reader.value(row, spec.columns[2], path)
        if figures is None or figures is BAD:
            continue
        for index, _ in enumerate(figures):
            reader.cells[(*path, index)] = row.cell("figures")
        if len(parts) == 1:
            demands[name][field_name] = figures
        elif isinstance(demands[name].setdefault("profile", {}), dict):
            demands[name]["profile"][parts[1]] = figures


def _volumes(reader: _Reader, demands: dict, meta: dict) -> None:
    if "volumes" not in reader.sheets:
        _no_volumes(reader, demands)
        return
    periods = meta.get("periods", 1)
    labels = [str(p) for p in periods] if isinstance(periods, list) else _period_labels({"periods": periods})
    seen: dict[tuple, int] = {}
    for row in reader._rows("volumes", ["demand", *labels], ["demand"], exact=True):
        name = reader.value(row, _name("demand", "demands", ""), ("demands",))
        if not isinstance(name, str):
            if row.values and any(not _blank(v) for v in row.values.values()):
                reader.problem(
                    row.cells["demand"], "demands", "this row names no demand", "Give the demand's name in column A."
                )
            continue
        path = ("demands", name, "volume")
        cells = [(label, row.cells.get(label)) for label in labels]
        if all(_blank(row.values.get(label)) for label in labels):
            continue  # its volume is one number, on sheet 'demands'
        if not reader.known(row, "demand", name, demands, "demands", path):
            continue
        if (name,) in seen:
            reader.problem(
                row.cells["demand"],
                path,
                f"demand '{name}' is listed twice (first at row {seen[(name,)]})",
                "Keep one row.",
            )
            continue
        seen[(name,)] = row.number
        if "volume" in demands[name]:
            reader.problem(
                row.cells["demand"],
                path,
                f"demand '{name}' has a volume on sheet 'demands' and volumes per period here",
                "Give one: empty its volume cell on sheet 'demands', or this row.",
            )
            continue
        volumes = []
        for index, (label, cell) in enumerate(cells):
            if cell is None:
                reader.problem(Cell("volumes", 1), path, f"sheet 'volumes' has no column for period '{label}'")
                break
            value = reader.value(row, Column(label, "number", range=VOLUME), (*path, index))
            if value is None:
                reader.problem(
                    cell, (*path, index), f"no volume for period '{label}'", "Give every period a volume (0 for none)."
                )
            volumes.append(value)
        reader.cells[path] = cells[0][1] or row.cells["demand"]
        if all(isinstance(v, (int, float)) for v in volumes):
            demands[name]["volume"] = volumes


def _no_volumes(reader: _Reader, demands: dict) -> None:
    """Without sheet 'volumes', the demands with no volume on sheet 'demands' have none: one problem
    saying the sheet is gone (not one "volume is missing" per demand, at the empty volume cells)."""
    without = [name for name, demand in demands.items() if "volume" not in demand]
    if not without:
        return  # every volume is one number on sheet 'demands': the sheet is not needed
    shown_names = ", ".join(repr(name) for name in without[:5]) + (
        f" and {len(without) - 5} more" if len(without) > 5 else ""
    )
    reader.problem(
        Cell(""),
        "demands.*.volume",
        f"the workbook has no sheet 'volumes', which holds the volumes per period: demand "
        f"{shown_names} {'has' if len(without) == 1 else 'have'} no volume",
        "Add the sheet back (column A the demand, then one column per period headed by its label; "
        "`e2eopt template SCENARIO --xlsx BOOK.xlsx` writes one), or give each demand one volume for every "
        "period in the volume column of sheet 'demands'.",
    )
    reader.covered.update(dotted(("demands", name, "volume")) for name in without)


def _stock(reader: _Reader, nodes: dict, demands: dict) -> None:
    """Stocks (sheet 'stock') and their units per demand (sheet 'stock_by_demand')."""
    seen: dict[tuple, int] = {}
    for row in reader.table("stock"):
        node = reader.name(row, "node", ("nodes",))
        if node is None:
            continue
        path = ("nodes", node, "stock")
        if reader.known(row, "node", node, nodes, "nodes", path) and reader.once(
            row, (node,), seen, path, f"the stock of node '{node}'"
        ):
            stock = _fields(reader, row, {}, path)
            for index, _ in enumerate(stock.get("demands") or []):
                reader.cells[(*path, "demands", index)] = row.cell("demands")
            nodes[node]["stock"] = stock
    seen = {}
    for row in reader.table("stock_by_demand"):
        node = reader.name(row, "node", ("nodes",))
        demand = reader.name(row, "demand", ("nodes", node or "", "stock"))
        if node is None or demand is None:
            continue
        stock = nodes.get(node, {}).get("stock")
        path = ("nodes", node, "stock")
        if stock is None:
            reader.problem(
                row.cells["node"],
                path,
                f"node '{node}' has no row on sheet 'stock'",
                "Give the node's stock on sheet 'stock' first.",
            )
            continue
        if not reader.once(
            row, (node, demand), seen, (*path, "by_demand", demand), f"node '{node}', demand '{demand}'"
        ):
            continue
        for column in TABLE["stock_by_demand"].columns[2:]:
            field_path = (*path, column.field, demand)
            if isinstance(stock.get(column.field), (int, float)) and not _blank(row.values.get(column.field)):
                reader.problem(
                    row.cell(column.field),
                    field_path,
                    f"the stock's {column.field} is one number on sheet 'stock' and per demand here",
                    "Give one: empty the cell on sheet 'stock', or the cells here.",
                )
                continue
            amounts = stock.get(column.field, {})
            reader.put(amounts, demand, row, column, field_path)
            if amounts:
                stock[column.field] = amounts
                reader.cells.setdefault((*path, column.field), row.cell(column.field))


def _highs_options(reader: _Reader, solver: dict) -> None:
    seen: dict[tuple, int] = {}
    options: dict[str, Any] = {}
    value_column = TABLE["highs_options"].columns[1]
    for row in reader.table("highs_options"):
        name = reader.name(row, "option", ("solver", "highs_options"))
        path = ("solver", "highs_options", name or "")
        if name is not None and reader.once(row, (name,), seen, path, f"option '{name}'"):
            reader.put(options, name, row, value_column, path)
    if options:
        solver["highs_options"] = options


def _rules(reader: _Reader) -> dict:
    """Business rules (sheet 'rules'): sense and value as the comparison, the filters read from text."""
    rules: dict[str, dict] = {}
    seen: dict[tuple, int] = {}
    spec = TABLE["rules"]
    for row in reader.table("rules"):
        name = reader.name(row, "rule", ("rules",))
        path: FieldPath = ("rules", name or "")
        if name is None or not reader.once(row, (name,), seen, path, f"rule '{name}'"):
            continue
        values: dict[str, Any] = {}
        for column in spec.columns[1:]:
            reader.put(values, column.field, row, column, (*path, column.field))
        rule: dict[str, Any] = {key: values[key] for key in ("about", "sum") if key in values}
        where = _where(reader, row, "where", path)
        if where:
            rule["where"] = where
        if "sense" in values:
            reader.cells[(*path, values["sense"])] = row.cell("value")
            rule[values["sense"]] = values.get("value")
        if "of_sum" in values:
            of_path = (*path, "of")
            reader.cells[(*of_path, "sum")] = row.cell("of_sum")
            of_where = _where(reader, row, "of_where", of_path)
            rule["of"] = {"sum": values["of_sum"], **({"where": of_where} if of_where else {})}
        if "per" in values:
            rule["per"] = values["per"]
        rules[name] = rule
    return rules


def _where(reader: _Reader, row: Row, column: str, path: FieldPath) -> dict:
    """A filters cell (`key=a, b; key=c`) as the `where` mapping; a part without `=` is a problem."""
    text = row.values.get(column)
    if _blank(text):
        return {}
    cell = row.cell(column)
    where: dict[str, Any] = {}
    for part in _text(text).split(";"):
        if not part.strip():
            continue
        key, equals, names = part.partition("=")
        if not equals or not key.strip():
            reader.problem(cell, (*path, "where"), f"filter '{part.strip()}' has no `key=`", WHERE_DOC)
            continue
        found = [n.strip() for n in names.split(",") if n.strip()]
        where[key.strip()] = found[0] if len(found) == 1 else found
        reader.cells[(*path, "where", key.strip())] = cell
    reader.cells[(*path, "where")] = cell
    return where
