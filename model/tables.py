"""Every table a run, a sweep, a frontier or a comparison writes, declared once: each column's name,
type, unit and meaning.

The declaration is what the code writes by (model/runs.py, model/sweep.py, model/frontier.py and
model/compare.py check and cast each table to it before writing; the `units` of summary.json,
comparison.json and the Parquet metadata, and each folder's `columns.csv`, come from it), what the
workbook export formats by (model/export.py), and what docs/tables.md is generated from (`python -m
model.tables` writes it; a test keeps the two equal). A column added to a table without its
declaration fails the tests that pin the tables.

Each column has a *kind*, which says how its figures are presented: the significant digits of the
CSV files (Parquet keeps the exact figures), and the number format and rounding of the workbook.
Units may name `{currency}` and `{time_unit}`: the scenario's, filled in by `column_units`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Kind:
    """How a kind of figure is presented. `digits`: significant digits in CSV (None: not a float);
    `excel`: the workbook's number format; `cents`: rounded to cents in the rounded export, `sums`
    with largest-remainder rounding so that the column still adds up to its rounded total."""

    name: str
    digits: int | None
    excel: str
    meaning: str
    cents: bool = False
    sums: bool = False


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("key", None, "General", "a key or label (text)"),
        Kind("text", None, "General", "text"),
        Kind("flag", None, "General", "true/false"),
        Kind("count", None, "#,##0", "a whole number"),
        Kind("money", 12, "#,##0.00", "an amount of money that adds up to a total", cents=True, sums=True),
        Kind("money_each", 12, "#,##0.00", "money that does not add up (a total at a variant)", cents=True),
        Kind("price", 12, "#,##0.00##", "money per unit of something (a price, a dual, a marginal cost)"),
        Kind("units", 12, "#,##0.00", "a number of units of demand"),
        Kind("share", 10, "0.00%", "a share (0.95 is 95 %)"),
        Kind("fte", 10, "#,##0.00", "full-time equivalents"),
        Kind("hours", 10, "#,##0.00", "hours"),
        Kind("time", 10, "#,##0.00", "a time in the scenario's time unit"),
        Kind("measure", 12, "General", "a figure in its own unit (a row's, a field's, Erlang, agents, a rate)"),
        Kind("seconds", 6, "0.000", "seconds of computing time"),
    )
}

TYPES: dict[str, str] = {
    "text": "str",
    "float": "float64",
    "integer": "int64",
    "integer or empty": "Int64",
    "true/false": "bool",
    "true/false or empty": "boolean",
}
"""The declared types and the pandas dtype each is written with. A float is empty when it has no
value (NaN) and, in CSV, when it is unbounded (an infinite end of a range)."""


PLACEHOLDERS = {"<axis>": r"(?:scenario|stages|roles|nodes|arcs|demands|solver|rules)\..+"}
"""What a placeholder of a family's name matches (any other: any text). A sweep's axis is an override
path, which starts with a section of the scenario."""


@dataclass(frozen=True)
class Column:
    """One column: `name` (for a family of columns, a pattern such as `cost.<stage>`), `type` (a key of
    TYPES), `kind` (a key of KINDS), `unit` (may name {currency} and {time_unit}; empty for text),
    and what it means."""

    name: str
    type: str
    kind: str
    unit: str
    meaning: str

    @property
    def pattern(self) -> re.Pattern[str] | None:
        """For a family of columns (`cost.<stage>`, `<axis>`), the names it matches; None otherwise."""
        if "<" not in self.name:
            return None
        pieces = re.split(r"(<[^>]+>)", self.name)  # literal, placeholder, literal, ...
        text = "".join(PLACEHOLDERS.get(p, ".+") if p.startswith("<") else re.escape(p) for p in pieces)
        return re.compile(text + r"\Z", re.DOTALL)

    def matches(self, column: str) -> bool:
        return column == self.name if self.pattern is None else bool(self.pattern.match(column))

    def unit_in(self, currency: str, time_unit: str) -> str:
        return self.unit.format(currency=currency, time_unit=time_unit)


@dataclass(frozen=True)
class Table:
    """A table: its name (the file stem, unless `stem` says otherwise), what one row is, where it is
    written, and its columns in order. `stem`: the file stem when the name cannot be it, because
    another table of another kind of folder has that stem (a comparison's `staffing`) or because the
    table is declared once per variant (a frontier's units depend on the target varied)."""

    name: str
    row: str
    written: str
    columns: tuple[Column, ...]
    stem: str = ""

    @property
    def file(self) -> str:
        """The file stem the table is written under (`<file>.csv`, `<file>.parquet`)."""
        return self.stem or self.name

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def fixed(self) -> bool:
        """Whether the columns are the same in every run (no family such as a sweep's `cost.<stage>`)."""
        return all(column.pattern is None for column in self.columns)

    def column(self, name: str) -> Column:
        """The declaration of a column of this table: by its name, else the family whose pattern it
        matches (`cost.<stage>`); KeyError if none."""
        for column in self.columns:
            if column.name == name:
                return column
        for column in self.columns:
            if column.pattern is not None and column.matches(name):
                return column
        raise KeyError(f"{self.name}.{name} is not declared in model/tables.py")


def _columns(*rows: tuple[str, str, str, str, str]) -> tuple[Column, ...]:
    return tuple(Column(*row) for row in rows)


def _key(name: str, meaning: str) -> tuple[str, str, str, str, str]:
    return (name, "text", "key", "", meaning)


def _figure(name: str, kind: str, unit: str, meaning: str, type_: str = "float") -> tuple[str, str, str, str, str]:
    return (name, type_, kind, unit, meaning)


PERIOD = _key("period", "the period, as named in the scenario")
DEMAND = _key("demand", "the demand")
NODE = _key("node", "the node (team, site, vendor, channel)")
STAGE = _key("stage", "the node's stage of the value chain")
CURRENCY = _key("currency", "the scenario's currency, repeated on every row")

COST_COMPONENTS: tuple[tuple[str, str], ...] = (
    ("processing", "unit costs of the work done for the demand"),
    ("handoffs", "hand-off costs of its flows"),
    ("holding", "holding cost of its stock"),
    ("backlog", "backlog penalties of its units carried to the next period"),
    ("unmet", "penalties of its units never served"),
    ("labour", "the used share of paid hours, by the hours it used"),
    ("overtime", "the used share of overtime, by the hours it used"),
    ("idle", "the paid hours left unused, shared by the hours it used there"),
    ("hiring", "hiring, by its hours over the horizon"),
    ("layoffs", "layoffs, by its hours over the horizon"),
    ("rework", "the rework cost of its units done wrong (`rework.cost` x units reworked)"),
    ("fixed", "fixed costs of the open sites it used, by its units processed there"),
    ("capacity", "capacity-level costs of the sites it used, by its units processed there"),
)
"""The components of cost-to-serve, in the order of the tables (model/explain/cost_to_serve.py allocates them)."""

_COMPONENT_COLUMNS = tuple(_figure(name, "money", "{currency}", meaning) for name, meaning in COST_COMPONENTS)

RUN = "run folder (optimal or time-limited runs with a solution)"


def _frontier(field: str, target_kind: str, target_unit: str, per_step: str, meaning: str) -> Table:
    """A frontier's table when `field` is varied: the target's kind and unit and the marginal cost's
    unit follow the field (model/frontier.py: STEP, ORIENTATION)."""
    step_unit = f"{per_step} ({meaning})"
    return Table(
        f"frontier.{field}",
        f"value of the target (`e2eopt frontier --vary {field}=...`)",
        "frontier folder",
        _columns(
            _key("field", f"the target varied: `{field}`"),
            _key("demands", "the varied demands, comma-separated, or `all` (every demand set alike)"),
            _figure("target", target_kind, target_unit, "the target's value at this point"),
            ("status", "text", "text", "", "the point's status"),
            _figure(
                "objective",
                "money_each",
                "{currency}",
                "the LP's objective at this target: the total cost, under `objective: margin` the total cost + the "
                "revenue forgone (the marginal cost and the slopes are this column's; empty: no optimum)",
            ),
            _figure(
                "total_cost",
                "money_each",
                "{currency}",
                "total cost at this target, the costs table's sum (empty: no optimum)",
            ),
            _figure(
                "margin",
                "money_each",
                "{currency}",
                "revenue - total cost at this target (empty: no demand has a price, or no optimum)",
            ),
            _figure(
                "marginal_cost",
                "price",
                step_unit,
                "from the duals of the varied demands' target rows, summed over periods (empty: no duals)",
            ),
            _figure("slope_left", "price", step_unit, "finite-difference slope from the previous target (empty: none)"),
            _figure("slope_right", "price", step_unit, "finite-difference slope to the next target (empty: none)"),
            _figure(
                "basis_from",
                target_kind,
                target_unit,
                "lowest target at which the point's optimal basis stays optimal (empty: no basis, or queues)",
            ),
            _figure("basis_to", target_kind, target_unit, "highest such target (empty: no basis, queues, unbounded)"),
            _figure(
                "basis_unchanged_to_next",
                "flag",
                "",
                "the next target lies in this point's basis range (empty: no range, or the last point)",
                "true/false or empty",
            ),
            (
                "dual_check",
                "text",
                "text",
                "",
                "how the marginal cost compares with the slopes: `equal`, `between`, `backlog/unmet`, `queues`, "
                "`no neighbours`, `mismatch`; empty without an optimum",
            ),
            _figure(
                "dual_consistent",
                "flag",
                "",
                "true for `equal` and `between`, false for `mismatch`, empty otherwise",
                "true/false or empty",
            ),
            _figure("backlog", "units", "unit", "units of the varied demands carried to a later period, all periods"),
            _figure("unmet", "units", "unit", "units of the varied demands never served, all periods"),
            CURRENCY,
        ),
        stem="frontier",
    )


FRONTIER_TABLES = (
    _frontier(
        "min_quality",
        "share",
        "share done right",
        "{currency} per percentage point",
        "cost of raising min_quality by one point",
    ),
    _frontier(
        "max_mean_response_time",
        "time",
        "{time_unit}",
        "{currency} per {time_unit}",
        "cost of tightening max_mean_response_time by one {time_unit}",
    ),
)
"""A frontier folder's `frontier` table, declared once per target it can vary (`frontier.<field>`)."""

COMPARED = "comparison folder (`e2eopt compare`; CSV only)"
RUNS_CURRENCY = _key("currency", "the two runs' currency (the same: runs in different ones are refused), on every row")


def _sides(name: str, kind: str, unit: str, what: str) -> tuple[tuple[str, str, str, str, str], ...]:
    """`<name>_a`, `<name>_b` and `<name>_change`: a figure in run A, in run B, and B - A."""
    return (
        _figure(f"{name}_a", kind, unit, f"{what}, run A"),
        _figure(f"{name}_b", kind, unit, f"{what}, run B"),
        _figure(f"{name}_change", kind, unit, f"{name}_b - {name}_a"),
    )


def _compared(stem: str, row: str, *columns: tuple[str, str, str, str, str]) -> Table:
    """A comparison folder's table `stem`, declared as `comparison.<stem>` (a run folder has a
    `staffing` and a `demand_kpis` of its own)."""
    return Table(f"comparison.{stem}", row, COMPARED, _columns(*columns), stem=stem)


COMPARISON_TABLES = (
    _compared(
        "inputs",
        "scenario field that differs from run A to run B",
        _key("path", "the field's path (arcs keyed `FROM->TO`)"),
        _key("change", "`changed`, `added` or `removed`"),
        ("old", "text", "text", "", "A's value as YAML flow text (empty: added)"),
        ("new", "text", "text", "", "B's value as YAML flow text (empty: removed)"),
        _figure("delta", "measure", "the field's unit (new - old; numbers only)", "new - old (empty: not two numbers)"),
    ),
    _compared(
        "totals",
        "stage and cost category with a cost in either run, over its horizon (0 where a run has none)",
        _key("stage", "the stage"),
        _key("category", "the cost category"),
        _figure("cost_a", "money", "{currency}", "the cost, run A"),
        _figure("cost_b", "money", "{currency}", "the cost, run B"),
        _figure("change", "money", "{currency}", "cost_b - cost_a"),
        RUNS_CURRENCY,
    ),
    _compared(
        "bridge",
        "stage of either run, over its horizon; the last, stage `(total)`, sums the stages",
        _key("stage", "the stage, or `(total)`"),
        _figure("cost_a", "money_each", "{currency}", "the stage's cost, run A"),
        _figure("cost_b", "money_each", "{currency}", "the stage's cost, run B"),
        _figure("change", "money_each", "{currency}", "cost_b - cost_a = volume + rate + mix + routing"),
        _figure("volume", "money_each", "{currency}", "A's cost x (B's total volume / A's - 1): every demand alike"),
        _figure("rate", "money_each", "{currency}", "B's priced quantities x (B's prices - A's prices)"),
        _figure("mix", "money_each", "{currency}", "A's cost to serve of each demand x (its growth - the total's)"),
        _figure("routing", "money_each", "{currency}", "change - volume - rate - mix: changes of plan"),
        RUNS_CURRENCY,
    ),
    _compared(
        "staffing",
        "node, role and period of either run (0 FTE and cost where a run has no such staff)",
        STAGE,
        NODE,
        _key("role", "the role"),
        PERIOD,
        *_sides("fte", "fte", "FTE", "staff on the books"),
        *_sides("cost", "money", "{currency}", "staff cost"),
        RUNS_CURRENCY,
    ),
    _compared(
        "routing",
        "place where a demand's units changed (horizon totals; the `--top` largest changes first)",
        DEMAND,
        _key("kind", "`work` or `hand-off`"),
        _key("where", "`node (role)` for work by a role, the node for bought-in work, `FROM->TO` for a hand-off"),
        _key("stage", "the node's stage (a hand-off: the receiving node's)"),
        _figure("units_a", "units", "unit", "units worked or handed over there, run A (0: none)"),
        _figure("units_b", "units", "unit", "units worked or handed over there, run B (0: none)"),
        _figure("change", "units", "unit", "units_b - units_a"),
    ),
    _compared(
        "demand_kpis",
        "demand and period of either run (a demand only one run has is empty on the other side)",
        DEMAND,
        PERIOD,
        *_sides("volume", "units", "unit", "units due"),
        *_sides("served", "units", "unit", "units served"),
        *_sides("quality", "share", "share done right", "served-weighted quality"),
        *_sides("mean_response_time", "time", "{time_unit} (mean over the units served)", "mean response time"),
        *_sides("cost_to_serve", "money", "{currency}", "every cost allocated to the demand"),
        *_sides("cost_per_unit", "price", "{currency} per unit", "cost_to_serve / served"),
        RUNS_CURRENCY,
    ),
)
"""A comparison folder's tables (`comparison.<stem>`, in writing order): each figure is run A's, run
B's, or B - A."""

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "staffing",
            "period, node, role",
            RUN,
            _columns(
                PERIOD,
                NODE,
                STAGE,
                _key("role", "the role"),
                _figure("fte", "fte", "FTE", "staff on the books in the period"),
                _figure("hires", "fte", "FTE", "staff hired at the start of the period"),
                _figure("layoffs", "fte", "FTE", "staff laid off at the start of the period"),
                _figure("overtime_hours", "hours", "hour", "overtime worked"),
                _figure("hours_used", "hours", "hour", "hours of work done"),
                _figure("hours_available", "hours", "hour", "max_utilisation x (hours_per_fte x fte + overtime_hours)"),
                _figure("utilisation", "share", "share of staffed hours", "hours_used / hours_available"),
                _figure("cost", "money", "{currency}", "labour + overtime + hiring + layoffs"),
                CURRENCY,
            ),
        ),
        Table(
            "work",
            "period, demand, node, mode",
            RUN,
            _columns(
                PERIOD,
                DEMAND,
                NODE,
                STAGE,
                _key("mode", "the role doing the work, or the node's own name for a bought-in node"),
                _figure("units", "units", "unit", "units of the demand processed"),
                _figure("hours", "hours", "hour", "hours worked on them"),
                _figure("quality", "share", "share done right", "the mode's quality"),
                _figure("cost", "money", "{currency}", "processing: unit cost x units"),
                _figure(
                    "unit_cost_from",
                    "price",
                    "{currency} per unit",
                    "lowest unit cost at which the plan stays optimal (HiGHS's cost ranging; empty for integer "
                    "staff or unbounded)",
                ),
                _figure("unit_cost_to", "price", "{currency} per unit", "highest such unit cost (empty: unbounded)"),
                CURRENCY,
            ),
        ),
        Table(
            "flows",
            "period, demand, arc",
            RUN,
            _columns(
                PERIOD,
                DEMAND,
                _key("arc", "the arc, FROM->TO"),
                _key("from", "the sending node"),
                _key("to", "the receiving node"),
                _figure("units", "units", "unit", "units handed off"),
                _figure("cost", "money", "{currency}", "hand-off cost"),
                _figure("lead_time", "time", "{time_unit} per unit", "the arc's lead time"),
                _figure(
                    "cost_from",
                    "price",
                    "{currency} per unit",
                    "lowest hand-off cost at which the plan stays optimal (empty: unbounded or no ranging)",
                ),
                _figure("cost_to", "price", "{currency} per unit", "highest such hand-off cost (empty: unbounded)"),
                CURRENCY,
            ),
        ),
        Table(
            "demand_kpis",
            "period, demand",
            RUN,
            _columns(
                PERIOD,
                DEMAND,
                _figure("volume", "units", "unit", "units due in the period"),
                _figure(
                    "served",
                    "units",
                    "unit",
                    "volume + backlog carried in - backlog carried out - unmet (units a queue lost without "
                    "overflow are unmet, not served)",
                ),
                _figure("backlog", "units", "unit", "units carried to the next period"),
                _figure(
                    "unmet",
                    "units",
                    "unit",
                    "units never served: left unmet (u) or lost by an erlang_a/erlang_b queue without overflow",
                ),
                _figure("quality", "share", "share done right", "served-weighted quality, recomputed"),
                _figure("min_quality", "share", "share done right", "the target (empty: none)"),
                _figure(
                    "mean_response_time",
                    "time",
                    "{time_unit} (mean over the units served)",
                    "mean response time, recomputed",
                ),
                _figure(
                    "max_mean_response_time",
                    "time",
                    "{time_unit} (the target on that mean)",
                    "the target (empty: none)",
                ),
                _figure("cost_to_serve", "money", "{currency}", "every cost allocated to the demand"),
                _figure("cost_per_unit", "price", "{currency} per unit", "cost_to_serve / served"),
                _figure(
                    "marginal_cost",
                    "price",
                    "{currency} per unit",
                    "change in total cost per extra unit of volume; under `objective: margin`, in cost - revenue "
                    "(empty for integer staff)",
                ),
                _figure(
                    "quality_met",
                    "flag",
                    "",
                    "quality target met (empty: nothing served)",
                    "true/false or empty",
                ),
                _figure(
                    "response_time_met",
                    "flag",
                    "",
                    "response-time target met (empty: nothing served)",
                    "true/false or empty",
                ),
                _figure(
                    "met",
                    "flag",
                    "",
                    "every unit due served in the period, none unmet or carried out, no target missed",
                    "true/false or empty",
                ),
                CURRENCY,
            ),
        ),
        Table(
            "costs",
            "period, stage, node, category with a non-zero amount",
            RUN,
            _columns(
                _key("period", "the period; `(extension)` for an extension's cost term"),
                _key("stage", "the stage of the node the cost is booked at"),
                _key("node", "the node the cost is booked at (hand-offs: the receiving node)"),
                _key(
                    "category",
                    "labour, overtime, hiring, layoffs, processing, handoffs, holding, backlog, unmet, rework, fixed, "
                    "capacity",
                ),
                _figure(
                    "amount",
                    "money",
                    "{currency}",
                    "the cost; the column sums to the total cost, which is the objective under `objective: cost` "
                    "(under `objective: margin` the objective adds the revenue forgone, which is no cost)",
                ),
                CURRENCY,
            ),
        ),
        Table(
            "constraints",
            "constraint row",
            RUN,
            _columns(
                _key("constraint", "the row's name: family[subject,period]"),
                _key("family", "the constraint family (docs/model.md)"),
                PERIOD,
                _key("subject", "what the row is about (demand, node, role, arc)"),
                _figure("activity", "measure", "row's own unit", "the row's value at the solution"),
                _figure("lower", "measure", "row's own unit", "lower bound (empty: none)"),
                _figure("upper", "measure", "row's own unit", "upper bound (empty: none)"),
                _figure("slack", "measure", "row's own unit", "distance to the nearer bound"),
                _figure("dual", "price", "{currency} per unit of the row", "the row's shadow price"),
                _figure("binding", "flag", "", "at its bound", "true/false"),
            ),
        ),
        Table(
            "stock",
            "period, demand, storable node",
            RUN,
            _columns(
                PERIOD,
                DEMAND,
                NODE,
                STAGE,
                _figure("opening", "units", "unit", "stock at the start of the period"),
                _figure("produced", "units", "unit", "units made"),
                _figure("shipped", "units", "unit", "units shipped to orders"),
                _figure("closing", "units", "unit", "stock at the end of the period"),
                _figure("holding_cost", "money", "{currency}", "holding cost"),
                CURRENCY,
            ),
        ),
        Table(
            "rework",
            "period, demand, node, mode that reworks its units done wrong; scenarios with `rework`",
            RUN,
            _columns(
                PERIOD,
                DEMAND,
                NODE,
                _key("mode", "the mode (the role, or the node itself for bought-in work)"),
                _key("to", "the node the units done wrong go back to"),
                _figure("units", "units", "unit", "units done wrong and reworked: (1 - quality) x units worked"),
                _figure("cost", "money", "{currency}", "rework cost: `rework.cost` x units"),
                _figure(
                    "cost_from",
                    "price",
                    "{currency} per unit reworked",
                    "lowest rework cost at which the plan stays optimal, at least 0 (a rework cost is never "
                    "negative: 0 when every cost down to 0 keeps the plan; empty: no ranging)",
                ),
                _figure(
                    "cost_to", "price", "{currency} per unit reworked", "highest such rework cost (empty: unbounded)"
                ),
                CURRENCY,
            ),
        ),
        Table(
            "sites",
            "period, node with a site decision or figure (`open`, `fixed_cost`, `min_volume`, `capacity_levels`)",
            RUN,
            _columns(
                PERIOD,
                NODE,
                STAGE,
                _figure("open", "flag", "", "the node is open in the period", "true/false"),
                _key("level", "the capacity level chosen (1 for the first listed), empty: none (no levels, or closed)"),
                _figure(
                    "capacity", "units", "units per period", "the capacity while open (empty: unlimited; 0 closed)"
                ),
                _figure("fixed_cost", "money", "{currency}", "fixed cost of being open"),
                _figure("capacity_cost", "money", "{currency}", "cost of the capacity level chosen"),
                _figure("units", "units", "unit", "units processed at the node"),
                CURRENCY,
            ),
        ),
        Table(
            "roster",
            "period, shift pattern of a rostered role at a node (`shifts`, `days_on`); scenarios with shifts",
            RUN,
            _columns(
                PERIOD,
                NODE,
                _key("role", "the rostered role"),
                _key("pattern", "the shift pattern (its name under `shifts`, or `Mon-Fri`, ... from `days_on`)"),
                _figure("heads", "measure", "heads", "people on the pattern (whole with --integer-staff)"),
                _figure("fte", "fte", "FTE", "their FTE: heads x weight x covered hours / hours_per_fte"),
                _figure("cost", "money", "{currency}", "their labour cost: heads x weight x the pattern's cost"),
                CURRENCY,
            ),
        ),
        Table(
            "coverage",
            "period, rostered node, role and interval; scenarios with shifts",
            RUN,
            _columns(
                PERIOD,
                NODE,
                _key("role", "the rostered role"),
                _key("interval", "the interval (`Mon 08:00`, or the day or time alone)"),
                _figure("heads", "measure", "heads", "people on duty: heads on the patterns covering the interval"),
                _figure("agents_on_duty", "measure", "agents", "agents working: (1 - the role's shrinkage) x heads"),
                _figure(
                    "agents_needed",
                    "measure",
                    "agents",
                    "agents the work arriving there needs: its hours / (max_utilisation x the interval's hours); at a "
                    "queued node the larger of that and the role's share of the whole agents its queue requires there "
                    "(queues `agents_required` summed over the node's lanes, shared among the node's roles in "
                    "proportion to their agents on duty; all of it for a node with one role)",
                ),
                _figure(
                    "over", "measure", "agents", "agents_on_duty - agents_needed: the over-staffing the shifts force"
                ),
            ),
        ),
        Table(
            "cost_to_serve",
            "period, demand; plus an `(unallocated)` row per period",
            RUN,
            _columns(
                PERIOD,
                _key("demand", "the demand, or `(unallocated)`"),
                *_COMPONENT_COLUMNS,
                _figure("cost_to_serve", "money", "{currency}", "the components' sum; the column sums to the total"),
                _figure("served", "units", "unit", "units served (as in demand_kpis)"),
                _figure("cost_per_unit", "price", "{currency} per unit", "cost_to_serve / served"),
                _figure("marginal_cost", "price", "{currency} per unit", "as in demand_kpis"),
                _figure("price", "price", "{currency} per unit", "the demand's price (empty: none given)"),
                _figure("revenue", "money", "{currency}", "price x served"),
                _figure("margin", "money", "{currency}", "revenue - cost_to_serve"),
                CURRENCY,
            ),
        ),
        Table(
            "cost_to_serve_by_stage",
            "period, demand, stage with a cost; plus `(unallocated)` rows",
            RUN,
            _columns(
                PERIOD,
                _key("demand", "the demand, or `(unallocated)`"),
                _key("stage", "the stage where the cost arose"),
                *_COMPONENT_COLUMNS,
                _figure("cost_to_serve", "money", "{currency}", "the components' sum; the column sums to the total"),
                CURRENCY,
            ),
        ),
        Table(
            "transfer_prices",
            "period, demand, node",
            RUN,
            _columns(
                PERIOD,
                DEMAND,
                NODE,
                STAGE,
                _figure(
                    "transfer_price",
                    "price",
                    "{currency} per unit",
                    "what one more unit arriving at the node costs to carry to its end (from the duals)",
                ),
                CURRENCY,
            ),
        ),
        Table(
            "segments",
            "group (`segment`, or a label's name), value and period; plus a `(horizon)` row per group and value",
            RUN,
            _columns(
                _key("group", "`segment`, or the name of a label the demands carry (`channel`, `region`, ...)"),
                _key("value", "the segment or the label's value; `(none)` for demands without one"),
                _key("period", "the period, as named in the scenario; `(horizon)` for every period together"),
                _figure("demands", "count", "demands", "the demands in the group", "integer"),
                _figure("volume", "units", "unit", "units due (demand_kpis, summed)"),
                _figure("served", "units", "unit", "units served (demand_kpis, summed)"),
                _figure("unmet", "units", "unit", "units never served (demand_kpis, summed)"),
                _figure(
                    "revenue",
                    "money",
                    "{currency}",
                    "price x served over the group's demands with a price (empty: none has a price)",
                ),
                _figure(
                    "cost_to_serve",
                    "money",
                    "{currency}",
                    "cost_to_serve of the group's demands, summed (the `(unallocated)` rows in no group)",
                ),
                _figure("margin", "money", "{currency}", "revenue - cost_to_serve (empty: no revenue)"),
                _figure("cost_per_unit", "price", "{currency} per unit", "cost_to_serve / served"),
                _figure("revenue_per_unit", "price", "{currency} per unit", "revenue / served"),
                CURRENCY,
            ),
        ),
        Table(
            "sensitivity",
            "binding constraint with a non-zero shadow price (optimal solves)",
            RUN,
            _columns(
                _key(
                    "basis",
                    "`LP`, or `LP with integer staff fixed`, `LP with site decisions fixed`, "
                    "`LP with integer staff and site decisions fixed`",
                ),
                _key("family", "the constraint family"),
                PERIOD,
                _key("subject", "what the row is about"),
                _key("field", "the scenario field path"),
                _figure("value", "measure", "the field's unit (column unit)", "the field's current value"),
                _figure(
                    "shadow_price",
                    "price",
                    "{currency} per unit_step of the field",
                    "cost of one more step (under `objective: margin`: of cost - revenue, the margin lost)",
                ),
                CURRENCY,
                ("unit", "text", "text", "", "the field's unit"),
                _figure("unit_step", "measure", "the field's unit", "the step the price is per (0.01 for a share)"),
                _figure("valid_from", "measure", "the field's unit", "lowest value the price holds for"),
                _figure("valid_to", "measure", "the field's unit", "highest value the price holds for"),
                _figure(
                    "cost_at_from",
                    "money_each",
                    "{currency}",
                    "total cost at valid_from (under `objective: margin`: cost - revenue)",
                ),
                _figure("cost_at_to", "money_each", "{currency}", "total cost at valid_to (as cost_at_from)"),
                ("sentence", "text", "text", "", "the finding in words"),
            ),
        ),
        Table(
            "queues",
            "period, queued node, lane (`main` for a single target), interval (with intervals); scenarios with queues",
            RUN,
            _columns(
                PERIOD,
                NODE,
                _key("lane", "the lane, `main` for a single target"),
                _key("interval", "the interval (empty without intervals): one row per lane and interval"),
                STAGE,
                ("target", "text", "text", "", "the lane's target in words"),
                _figure(
                    "units",
                    "units",
                    "unit",
                    "units routed to the lane (with intervals: in one occurrence of the interval)",
                ),
                _figure(
                    "arrival_rate",
                    "measure",
                    "unit per hour (peak)",
                    "arrivals per hour at the peak (with intervals: in the interval)",
                ),
                _figure("handle_time", "hours", "hour per unit", "the node's longest hours_per_unit"),
                _figure("load", "measure", "Erlang", "arrival_rate x handle_time"),
                _figure("agents", "measure", "agents on duty", "agents on duty in the lane"),
                _figure(
                    "agents_required",
                    "measure",
                    "agents on duty",
                    "agents the lane's targets need at its load (whole agents where `whole_agents`)",
                ),
                _figure("utilisation", "share", "share of agents' time", "load / agents"),
                _figure("probability_of_waiting", "share", "share of arrivals", "Erlang C"),
                _figure("average_wait", "time", "{time_unit}", "average wait at the peak"),
                _figure(
                    "service_level",
                    "share",
                    "share of arrivals answered within `within`",
                    "service level achieved",
                ),
                _figure("service_level_target", "share", "share of arrivals", "its target (empty: none)"),
                _figure("within", "time", "{time_unit}", "the service level's time (empty: none)"),
                _figure("average_wait_target", "time", "{time_unit}", "average-wait target (empty: none)"),
                _figure("wait_counted", "time", "{time_unit}", "wait each unit adds to its response time"),
                _figure(
                    "lost_share",
                    "share",
                    "share of arrivals",
                    "share lost at the agents on duty: abandoned (erlang_a), blocked (erlang_b); 0 for erlang_c",
                ),
                _figure(
                    "lost_share_target",
                    "share",
                    "share of arrivals",
                    "max_abandoned or max_blocked (empty: none)",
                ),
                _figure("met", "flag", "", "every target met", "true/false"),
            ),
        ),
        Table(
            "queue_routing",
            "period, demand, queued node, lane; scenarios with queues",
            RUN,
            _columns(
                PERIOD,
                DEMAND,
                NODE,
                _key("lane", "the lane"),
                _figure("units", "units", "unit", "units of the demand routed to (offered to) the lane"),
                _figure(
                    "units_lost",
                    "units",
                    "unit",
                    "of those, units lost: abandoned (erlang_a) or blocked (erlang_b); they go to the queue's "
                    "overflow, or are unmet without one",
                ),
                _figure("wait_counted", "time", "{time_unit} per unit", "wait each unit adds to its response time"),
            ),
        ),
        Table(
            "queue_iterations",
            "tangent iteration; scenarios with queues",
            RUN,
            _columns(
                _figure(
                    "iteration",
                    "count",
                    "count (0: the start, each queue relaxed to agents >= load; -1: the reported plan "
                    "solved again for HiGHS's ranging, when it was not the last solved)",
                    "the iteration",
                    "integer",
                ),
                ("status", "text", "text", "", "the LP's status"),
                _figure(
                    "cost",
                    "money_each",
                    "{currency}",
                    "the LP's total cost (under `objective: margin`, plus the revenue forgone: its objective)",
                ),
                _figure(
                    "load_moved",
                    "share",
                    "share of the lane's load at its tangent point (largest over lanes and periods)",
                    "how far the loads moved",
                ),
                _figure("lanes_closed", "count", "lane-periods", "lanes closed", "integer"),
                ("algorithm", "text", "text", "", "HiGHS's algorithm"),
                _figure("simplex_iterations", "count", "count", "simplex iterations", "integer"),
                _figure("ipm_iterations", "count", "count", "interior-point iterations", "integer"),
                _figure("seconds", "seconds", "s", "time of the iteration"),
            ),
        ),
        Table(
            "rules",
            "period, business rule (each period of a `per: period` rule; the last for `per: horizon`); scenarios "
            "with rules",
            RUN,
            _columns(
                PERIOD,
                _key("rule", "the rule's name under `rules:`"),
                ("about", "text", "text", "", "the rule's `about`, empty when not given"),
                _key("quantity", "what the rule sums: flow, units, fte, hours, overtime or cost"),
                _key("per", "`period` (a row per period) or `horizon` (one row over every period)"),
                _key("sense", "`<=` (at_most), `>=` (at_least) or `==` (equal)"),
                _figure("value", "measure", "the rule's unit, or a share with `of`", "the rule's number as written"),
                _figure("lhs", "measure", "the rule's unit (column unit)", "the rule's sum at the plan"),
                _figure("of_sum", "measure", "the `of` sum's unit", "the `of` sum at the plan (empty: no `of`)"),
                _figure(
                    "rhs",
                    "measure",
                    "the rule's unit (column unit)",
                    "what lhs is compared with: the number, or value x of_sum",
                ),
                _figure(
                    "slack", "measure", "the rule's unit (column unit)", "how far lhs is inside the rule (0: binding)"
                ),
                _figure("binding", "flag", "", "the rule holds with equality", "true/false"),
                _figure(
                    "dual",
                    "price",
                    "{currency} per unit of the row's bound",
                    "HiGHS's row dual (a MILP's: of the LP with its decisions fixed, as the sensitivity table's; "
                    "empty: none, a MILP run without the sensitivity table)",
                ),
                _figure(
                    "price",
                    "price",
                    "{currency} per unit_step of value",
                    "the change in total cost when the rule's number rises by unit_step (negative: it saves)",
                ),
                (
                    "basis",
                    "text",
                    "text",
                    "",
                    "the LP dual and price come from, as the sensitivity table's basis: `LP`, or `LP with integer "
                    "staff fixed`, `LP with site decisions fixed`, `LP with integer staff and site decisions fixed`"
                    " (empty: no dual)",
                ),
                _figure(
                    "unit_step", "measure", "the rule's unit, or a share", "1, or 0.01 (a percentage point) with `of`"
                ),
                ("unit", "text", "text", "", "the rule's unit"),
                CURRENCY,
            ),
        ),
        Table(
            "diagnosis",
            "finding (infeasible runs; CSV only)",
            "run folder of an infeasible run",
            _columns(
                _key("kind", "`relaxation` or `conflict`"),
                _key("family", "the constraint family"),
                _key("field", "the scenario field path"),
                _figure(
                    "line",
                    "count",
                    "",
                    "its line in the scenario file (empty: none, or an override wrote the value: see sentence)",
                    "integer or empty",
                ),
                PERIOD,
                _key("subject", "what the finding is about"),
                _figure("current", "measure", "the field's unit (column unit)", "the field's value"),
                _figure("relaxed_to", "measure", "the field's unit (column unit)", "the value that would work"),
                ("unit", "text", "text", "", "the field's unit"),
                ("sentence", "text", "text", "", "the finding in words"),
            ),
        ),
        Table(
            "points",
            "sweep point",
            "sweep folder",
            _columns(
                _figure("point", "count", "", "the point's number (its folder points/NNNN)", "integer"),
                ("<axis>", "text", "text", "", "one column per axis (its override path): the value as written"),
                (
                    "used.<axis>",
                    "text",
                    "text",
                    "",
                    "the value the axis's field took (a change applied: -5 lowers a rebate of -4 to -9); "
                    "empty when its fields took different values",
                ),
                ("status", "text", "text", "", "the point's status"),
                ("message", "text", "text", "", "the solver's message or the reason it failed"),
                _figure("total_cost", "money_each", "{currency}", "the point's total cost"),
                CURRENCY,
                _figure("cost.<stage>", "money_each", "{currency}", "cost of the stage at this point"),
                _figure("fte.<role>", "fte", "FTE (mean over periods)", "FTE summed over nodes"),
                _figure("served.<demand>", "units", "unit (sum over periods)", "units served"),
                _figure("quality.<demand>", "share", "share done right (served-weighted)", "quality"),
                _figure(
                    "mean_response_time.<demand>",
                    "time",
                    "{time_unit} (mean over the units served, all periods)",
                    "mean response time",
                ),
                _figure(
                    "met.<demand>",
                    "flag",
                    "true/false: every unit served in its period and both targets met, in every period",
                    "met in every period",
                    "true/false or empty",
                ),
                _figure(
                    "queues.iterations",
                    "count",
                    "count (tangent iterations)",
                    "with queues",
                    "integer or empty",
                ),
                _figure("queues.converged", "flag", "true/false", "with queues", "true/false or empty"),
                _figure("queues.targets_missed", "count", "lane-periods", "with queues", "integer or empty"),
                _figure("revenue", "money_each", "{currency}", "price x served (when some demand has a price)"),
                _figure("margin", "money_each", "{currency}", "revenue - total_cost (when some demand has a price)"),
            ),
        ),
        *FRONTIER_TABLES,
        *COMPARISON_TABLES,
    )
}
"""Every table: a run folder's result tables (RESULT_TABLES, in writing order), an infeasible run's
diagnosis, a sweep's points, a frontier's table and a comparison's tables."""

RESULT_TABLES = tuple(name for name, table in TABLES.items() if table.written == RUN)

RENAMED_COLUMNS: dict[str, dict[str, str]] = {
    "demand_kpis": {"response_time": "mean_response_time", "max_response_time": "max_mean_response_time"},
}
"""Columns renamed since earlier runs wrote them, per table (old name -> new): model/run_folder.py reads
an older run's tables under today's names."""


def column_names(table: str) -> list[str]:
    """The declared columns of a table with fixed columns, in order."""
    return TABLES[table].names


def table_units(table: str, currency: str, time_unit: str, columns: Iterable[str] | None = None) -> dict[str, str]:
    """Column -> unit of the columns of `table` that have a unit (of `columns`, for a table whose
    columns depend on the run: a sweep's points)."""
    declared = TABLES[table]
    names = declared.names if columns is None else list(columns)
    units = {name: declared.column(name).unit_in(currency, time_unit) for name in names}
    return {name: unit for name, unit in units.items() if unit}


def column_units(currency: str, time_unit: str) -> dict[str, dict[str, str]]:
    """Table -> column -> unit of every result table (summary.json's `units`)."""
    return {name: table_units(name, currency, time_unit) for name in RESULT_TABLES}


# --- writing by the declaration --------------------------------------------------------------------


def conform(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """The table with its declared columns, in order, each cast to its declared type: what the run
    folders hold. A column missing or not declared is a bug, raised as ValueError naming it."""
    declared = TABLES[table]
    names = [str(name) for name in frame.columns]
    if declared.fixed and names != declared.names:
        raise ValueError(f"table {table}: columns {names} are not the declared {declared.names} (model/tables.py)")
    casts = {}
    for name in names:
        try:
            dtype = TYPES[declared.column(name).type]
        except KeyError:
            raise ValueError(f"table {table}: column {name!r} is not declared in model/tables.py") from None
        if str(frame[name].dtype) != dtype:
            casts[name] = dtype
    if not casts:
        return frame
    return frame.astype(casts)


EXACT_POWERS = np.array([float(f"1e{k}") for k in range(23)])
"""10**0 .. 10**22: the powers of ten a float holds exactly."""


def round_significant(values: np.ndarray, digits: int) -> np.ndarray:
    """Each finite value to `digits` significant digits, as the nearest float to that decimal (so
    its shortest text has at most `digits` digits: 399.9999999999988 -> 400.0 at 12); NaN, zeros and
    infinities unchanged. Vectorised: scaled by an exact power of ten, rounded to a whole number and
    scaled back, which is correctly rounded; values too small or large for that (below about 1e-11 or
    above 1e34) go through Python's decimal formatting."""
    values = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        decimals = (digits - 1) - np.floor(np.log10(np.abs(values)))
        fits = np.abs(decimals) <= 22  # false for 0, NaN, infinities and extreme magnitudes
        k = np.where(fits, decimals, 0).astype(np.int64)
        scale = EXACT_POWERS[np.abs(k)]
        rounded = np.where(k >= 0, np.round(values * scale) / scale, np.round(values / scale) * scale)
        out = np.where(fits, rounded, values)
    rest = ~fits & np.isfinite(values) & (values != 0)
    if rest.any():
        out[rest] = [float(f"{value:.{digits - 1}e}") for value in values[rest]]
    return out


def for_csv(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """The table as its CSV holds it: each float column at its kind's significant digits, and
    infinities (an unbounded end of a range) as missing values, written as empty fields."""
    declared = TABLES[table]
    changed = {}
    for name in frame.columns:
        values = frame[name]
        if values.dtype != np.float64:
            continue
        digits = KINDS[declared.column(str(name)).kind].digits
        rounded = round_significant(values.to_numpy(), digits or 17)
        rounded[np.isinf(rounded)] = np.nan
        changed[name] = rounded
    return frame.assign(**changed) if changed else frame


# --- the data dictionary ---------------------------------------------------------------------------


def dictionary(tables: Mapping[str, pd.DataFrame], currency: str, time_unit: str) -> pd.DataFrame:
    """The data dictionary of these tables (`columns.csv`): table (its file stem), column, type, unit
    with the currency and time unit resolved, meaning; one row per column actually written. `tables`
    is keyed by the declared names (`frontier.min_quality`, `comparison.staffing`)."""
    rows = []
    for name, frame in tables.items():
        declared = TABLES[name]
        for column in frame.columns:
            found = declared.column(str(column))
            rows.append((declared.file, str(column), found.type, found.unit_in(currency, time_unit), found.meaning))
    return pd.DataFrame(rows, columns=["table", "column", "type", "unit", "meaning"])


def markdown() -> str:
    """docs/tables.md: every table's columns, the types, and how each kind of figure is presented."""
    lines = [
        "# Tables: the data dictionary",
        "",
        "Generated from model/tables.py by `python -m model.tables` (it writes this file); do not edit by hand",
        "(a test keeps this file equal to the declaration, which is also what the code writes the tables by).",
        "",
        "Every run, sweep, frontier and comparison folder holds `columns.csv` beside its tables: one row",
        "per column written, with the table (its file stem), column, type, unit (the scenario's currency",
        "and time unit filled in) and meaning. The CSV column names never carry a unit or currency, so",
        "that imports keep working from one scenario to the next; `summary.json`'s `units` (a",
        "comparison's: `comparison.json`'s) and each Parquet file's `units` metadata give the same units.",
        "`{currency}` and `{time_unit}` below stand for the scenario's.",
        "",
        "## How figures are written",
        "",
        "- **Parquet** (`<table>.parquet`) holds the exact figures as computed (float64), infinities",
        "  included (an unbounded end of a range).",
        "- **CSV** (`<table>.csv`) holds each float rounded to the significant digits of its kind (below),",
        "  which removes the float noise of the solver (`399.9999999999988` is written `400.0`,",
        "  `0.9999999999999998` is `1.0`). A missing value and an unbounded end of a range (`inf`,",
        "  `-inf` in Parquet) are both an empty field; the text `inf` never appears. True/false columns",
        "  read `True`/`False`, empty where neither applies. Twelve significant digits keep every cent of",
        "  an amount below 10 billion; the run folder's CSV money is not rounded to cents (the exports are).",
        "- **Workbook and rounded exports** (`e2eopt export RUN --format xlsx|csv`): money that adds up",
        "  (kind `money`) is rounded to cents by largest remainder, per column, so that each column still",
        "  sums to its exact total rounded to the cent (a row's components may then differ from its own",
        "  rounded total by a cent); other money (`money_each`) to cents; everything else as in the CSV.",
        "  The workbook shows each kind with the number format below.",
        "",
        "| kind | what it is | CSV significant digits | workbook format |",
        "| --- | --- | ---: | --- |",
    ]
    for kind in KINDS.values():
        digits = str(kind.digits) if kind.digits is not None else "(not a float)"
        lines.append(f"| `{kind.name}` | {kind.meaning} | {digits} | `{kind.excel}` |")
    lines += ["", "Types: " + "; ".join(f"`{name}` (pandas `{dtype}`)" for name, dtype in TYPES.items()) + ".", ""]
    for table in TABLES.values():
        written = table.written if not table.stem else f"{table.written}, as `{table.stem}.csv`"
        lines += [f"## `{table.name}`", "", f"One row per {table.row}. Written in: {written}.", ""]
        lines += ["| column | type | kind | unit | meaning |", "| --- | --- | --- | --- | --- |"]
        for column in table.columns:
            unit = column.unit.replace("|", "\\|")
            lines.append(f"| `{column.name}` | {column.type} | {column.kind} | {unit} | {column.meaning} |")
        lines.append("")
    return "\n".join(lines)


DOCS = Path(__file__).resolve().parents[1] / "docs" / "tables.md"


def main(argv: list[str]) -> None:
    """`python -m model.tables [FILE]`: write the data dictionary to FILE (default docs/tables.md);
    `--check`: write nothing, and exit 1 if the file differs from the declaration."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m model.tables", description=main.__doc__)
    parser.add_argument("file", nargs="?", type=Path, default=DOCS, help="default: docs/tables.md")
    parser.add_argument("--check", action="store_true", help="compare, do not write; exit 1 if they differ")
    given = parser.parse_args(argv)
    text = markdown()
    if not given.check:
        given.file.write_text(text, encoding="utf-8")
    elif not given.file.is_file() or given.file.read_text(encoding="utf-8") != text:
        parser.exit(1, f"{given.file} differs from model/tables.py: run `python -m model.tables` to write it\n")


if __name__ == "__main__":
    main(sys.argv[1:])

__all__ = ["KINDS", "RESULT_TABLES", "TABLES", "Column", "Table", "column_units", "conform", "for_csv", "markdown"]
