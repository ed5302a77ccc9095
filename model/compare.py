"""Two run folders side by side: what changed in the inputs, and what it did to cost, staff and service.

`compare(run_a, run_b)` reads both folders (scenario.yaml, summary.json, the result tables) and
returns a `Comparison` of long tables, one row per key, every number in the unit `UNITS` gives (the
tables are declared, with each column's type, unit and meaning, in model/tables.py):

  inputs       every scenario field that differs (path, old, new); arcs are keyed FROM->TO, not by
               their position in the list, so reordering arcs is no change
  totals       cost by stage and category over the horizon, A, B and the change
  bridge       per stage, the change in cost split exactly into volume, rate, mix and routing
               effects (docs/model.md, "Comparing two runs")
  staffing     FTE and staff cost per node, role and period
  routing      the biggest shifts of work (demand at node and mode) and hand-offs (demand on arc)
  demand_kpis  each demand's volume, service, quality, response time and cost per period

A run without result tables (infeasible, failed) is compared on its inputs only; `notes` says so.
Runs in different currencies or time units are refused: their figures do not add up.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.errors import E2EError, ScenarioError
from model.explain.cost_to_serve import UNALLOCATED
from model.lp.objective import CATEGORIES
from model.network import modes_of, roster_patterns
from model.results import upgrade_kpis
from model.runs import COLUMNS_FILE, read_run, run_input
from model.scenario import Scenario
from model.scenario.fieldpaths import arc_key
from model.scenario.overrides import resolve
from model.scenario.schema import with_current_names
from model.staging import STAGING_PREFIX, discard, staging_folder, unmark
from model.table_io import write_csv
from model.tables import TABLES, column_names, conform, dictionary, for_csv, table_units

TOTAL = "(total)"
"""Stage label of the bridge's last row: the sum of the stage rows."""

ABSENT = ""
"""What `inputs.old` / `inputs.new` hold for a field that one scenario does not have."""

MARKER = "comparison.json"
"""The file that makes a folder a comparison folder (and so one `write_comparison` may replace)."""

TABLE_NAMES = ("inputs", "totals", "bridge", "staffing", "routing", "demand_kpis")

RESULTS_NEEDED = (
    "costs",
    "staffing",
    "work",
    "flows",
    "stock",
    "demand_kpis",
    "cost_to_serve",
    "cost_to_serve_by_stage",
)


def declared(name: str) -> str:
    """The name comparison table `name` is declared under in model/tables.py (a run folder has a
    `staffing` and a `demand_kpis` of its own)."""
    return f"comparison.{name}"


UNITS: dict[str, dict[str, str]] = {
    name: {column.name: column.unit for column in TABLES[declared(name)].columns if column.unit} for name in TABLE_NAMES
}
"""Unit of every numeric column of every comparison table, from the declaration in model/tables.py;
`{currency}` and `{time_unit}` are the runs'."""

COLUMNS: dict[str, list[str]] = {name: column_names(declared(name)) for name in TABLE_NAMES}
"""Each comparison table's columns, in order, as declared in model/tables.py."""


class CompareError(E2EError):
    """A folder is not a run folder, or two runs cannot be compared (different currency or time unit)."""


@dataclass
class Run:
    """One run folder as the comparison needs it."""

    folder: Path
    summary: dict
    tables: dict[str, pd.DataFrame]
    tree: Any  # scenario.yaml as plain Python (dicts, lists, scalars)
    scenario: Scenario

    @property
    def status(self) -> str:
        return str(self.summary.get("status", "unknown"))

    def __repr__(self) -> str:  # not the tables or the scenario's data
        return f"Run(folder='{self.folder}', status={self.status!r}, tables=[{', '.join(self.tables)}])"

    @property
    def has_results(self) -> bool:
        return all(name in self.tables for name in RESULTS_NEEDED)


@dataclass
class Comparison:
    """Run B against run A: every table is B's figure, A's, and B - A."""

    run_a: Path
    run_b: Path
    status_a: str
    status_b: str
    currency: str
    time_unit: str
    inputs: pd.DataFrame
    totals: pd.DataFrame
    bridge: pd.DataFrame
    staffing: pd.DataFrame
    routing: pd.DataFrame
    demand_kpis: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def has_results(self) -> bool:
        return len(self.bridge) > 0

    def __repr__(self) -> str:  # the tables are attributes: comparison.bridge, .totals, ...
        change = ""
        if len(self.totals):
            change = f", cost change={float(self.totals.change.sum()):,.2f} {self.currency}"
        return (
            f"Comparison(run_a='{self.run_a}', run_b='{self.run_b}', status={self.status_a!r} -> "
            f"{self.status_b!r}, inputs changed={len(self.inputs)}{change}, tables=[{', '.join(TABLE_NAMES)}])"
        )

    def as_dict(self) -> dict:
        """The comparison in words and units, without its tables: the runs, their statuses, currency,
        time unit, notes, the tables' names and units. comparison.json holds it, and `compare --json`
        adds the bridge's rows to it: one description, written once."""
        return {
            "run_a": str(self.run_a),
            "run_b": str(self.run_b),
            "status_a": self.status_a,
            "status_b": self.status_b,
            "currency": self.currency,
            "time_unit": self.time_unit,
            "notes": list(self.notes),
            "tables": list(TABLE_NAMES),
            "units": self.units(),
            **self.cost_of_poor_quality(),
        }

    def cost_of_poor_quality(self) -> dict[str, dict[str, float]]:
        """The cost of poor quality (the `rework` cost category, docs/model.md, Rework) of A and B and
        its change, in the currency: `{"cost_of_poor_quality": {...}}`, or {} when neither run reworks."""
        rework = self.totals[self.totals.category == "rework"]
        if not len(rework):
            return {}
        a, b = float(rework.cost_a.sum()), float(rework.cost_b.sum())
        return {"cost_of_poor_quality": {"cost_a": a, "cost_b": b, "change": b - a}}

    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in TABLE_NAMES}

    def units(self) -> dict[str, dict[str, str]]:
        """UNITS with this comparison's currency and time unit filled in."""
        return {name: table_units(declared(name), self.currency, self.time_unit) for name in TABLE_NAMES}


# ---- reading ---------------------------------------------------------------------------------------


def load_run(folder: str | Path) -> Run:
    """A run folder's summary, tables and scenario; CompareError when the folder is not a run."""
    folder = Path(folder)
    scenario_file = "point.yaml" if (folder / "point.yaml").is_file() else "scenario.yaml"  # a sweep's point
    missing = [name for name in ("summary.json", scenario_file) if not (folder / name).is_file()]
    if not folder.is_dir() or missing:
        what = (
            "does not exist"
            if not folder.exists()
            else ("is not a folder" if not folder.is_dir() else f"has no {' and no '.join(missing)}")
        )
        raise CompareError(
            f"{folder} is not a run folder: it {what}. A run folder is what `e2eopt solve` "
            "writes (runs/<timestamp>-<scenario>/)."
        )
    _read_summary(folder)  # checked before read_run trusts it
    try:
        summary, tables = read_run(folder)
        path, overrides, _ = run_input(folder)
        resolved = resolve(path, overrides)
        tree, scenario = with_current_names(resolved.data), resolved.scenario
    except ScenarioError as error:
        raise CompareError(f"{folder} is not a usable run folder: its {scenario_file} is not valid:\n{error}") from None
    except (OSError, ValueError) as error:
        raise CompareError(f"{folder} is not a usable run folder: {error}") from None
    if "demand_kpis" in tables:
        tables["demand_kpis"] = upgrade_kpis(tables["demand_kpis"])  # a run from before the rename
    return Run(folder, summary, tables, tree, scenario)


SUMMARY_TEXTS = ("status", "currency", "time_unit")
"""What every run's summary.json holds, as text, and the comparison reads."""


def _read_summary(folder: Path) -> dict:
    """The run's summary.json, checked to be the shape a run writes; CompareError saying it is damaged
    otherwise (not JSON, not an object, a key missing or of the wrong kind)."""

    def damaged(reason: str) -> CompareError:
        return CompareError(
            f"{folder} is not a run folder: its summary.json is damaged ({reason}). Solve its scenario again."
        )

    try:
        summary = json.loads((folder / "summary.json").read_bytes().decode("utf-8"))
    except ValueError as error:  # not UTF-8, or not JSON (json.JSONDecodeError is a ValueError)
        raise damaged(f"not JSON: {error}") from None
    if not isinstance(summary, dict):
        raise damaged(f"a JSON {type(summary).__name__}, not an object")
    missing = [key for key in SUMMARY_TEXTS if key not in summary]
    if missing:
        raise damaged(f"no {', no '.join(missing)}")
    wrong = [key for key in SUMMARY_TEXTS if not isinstance(summary[key], str)]
    if wrong:
        raise damaged(f"{', '.join(wrong)} not text")
    tables = summary.get("tables", [])
    if not isinstance(tables, list) or not all(isinstance(name, str) for name in tables):
        raise damaged("'tables' is not a list of table names")
    return summary


# ---- the comparison ---------------------------------------------------------------------------------


def compare(run_a: str | Path, run_b: str | Path, top: int | None = 20) -> Comparison:
    """Run B against run A. `top`: how many routing shifts to keep, the largest first (None: all)."""
    return compare_runs(load_run(run_a), load_run(run_b), top)


def compare_runs(a: Run, b: Run, top: int | None = 20, tables: Collection[str] = TABLE_NAMES) -> Comparison:
    """Run B against run A, both already read (`load_run`) or made in memory (the workbench's what-if
    against its base): what `compare` gives for their folders. `tables`: the tables to work out (the
    others are left empty; the inputs are always compared), for a caller that shows only some."""
    currency, time_unit = _common_units(a, b)
    notes = _status_notes(a, b)
    inputs = diff_inputs(a.tree, b.tree)
    frames: dict[str, pd.DataFrame] = {name: pd.DataFrame(columns=COLUMNS[name]) for name in TABLE_NAMES[1:]}
    if a.has_results and b.has_results:
        builders: dict[str, Callable[[], pd.DataFrame]] = {
            "totals": lambda: cost_totals(a, b),
            "bridge": lambda: cost_bridge(a, b, notes),
            "staffing": lambda: staffing_change(a, b),
            "routing": lambda: routing_shifts(a, b, top),
            "demand_kpis": lambda: demand_kpi_change(a, b),
        }
        frames.update({name: build() for name, build in builders.items() if name in tables})
        for frame in frames.values():
            if "currency" in frame.columns:
                frame["currency"] = currency
    inputs = conform(inputs, declared("inputs"))  # each table in its declared types, as written
    frames = {name: conform(frame, declared(name)) for name, frame in frames.items()}
    return Comparison(a.folder, b.folder, a.status, b.status, currency, str(time_unit), inputs, notes=notes, **frames)


def _common_units(a: Run, b: Run) -> tuple[str, str]:
    """The currency and time unit both runs share; CompareError when they differ."""
    for key, what in (("currency", "currencies"), ("time_unit", "time units")):
        if a.summary.get(key) != b.summary.get(key):
            raise CompareError(
                f"cannot compare runs in different {what}: {a.folder} is in {a.summary.get(key)}, "
                f"{b.folder} in {b.summary.get(key)}. Convert one scenario and solve it again."
            )
    return str(a.summary.get("currency")), str(a.summary.get("time_unit"))


def _status_notes(a: Run, b: Run) -> list[str]:
    notes = []
    for label, run in (("A", a), ("B", b)):
        if not run.has_results:
            notes.append(
                f"Run {label} ({run.folder.name}) has no result tables (status {run.status}): "
                "only the inputs are compared."
            )
    if a.has_results and b.has_results and a.scenario.periods != b.scenario.periods:
        notes.append("The runs have different periods: costs and volumes are compared over each run's horizon.")
    if a.has_results and b.has_results:
        notes += _profit_notes(a, b)
    return notes


def _profit_notes(a: Run, b: Run) -> list[str]:
    """Revenue and margin, A -> B, when either run has revenue (demands with a price), and what each
    run under `objective: margin` dropped: the bridge explains cost alone, and a margin plan's saving
    from dropping demand is routing there (model.md, Objective)."""
    profits = [run.summary.get("profit") or {} for run in (a, b)]
    if all(p.get("revenue") is None for p in profits):
        return []
    currency = str(a.summary.get("currency") or "")

    def shown(value: object) -> str:
        return "-" if value is None else f"{float(value):,.2f} {currency}"  # type: ignore[arg-type]

    (pa, pb) = profits
    notes = [
        f"Revenue {shown(pa.get('revenue'))} -> {shown(pb.get('revenue'))}; margin (revenue - total cost) "
        f"{shown(pa.get('margin'))} -> {shown(pb.get('margin'))} (objective: {pa.get('objective', 'cost')} -> "
        f"{pb.get('objective', 'cost')})."
    ]
    for label, profit in (("A", pa), ("B", pb)):
        dropped = profit.get("dropped") or []
        if dropped:
            units = sum(float(row["units_dropped"]) for row in dropped)
            names = ", ".join(str(row["demand"]) for row in dropped[:5]) + (", ..." if len(dropped) > 5 else "")
            notes.append(
                f"Run {label} (objective: margin) left {units:,.1f} units of {names} unserved, forgoing "
                f"{shown(sum(float(row['revenue_forgone']) for row in dropped))} of revenue."
            )
    return notes


# ---- inputs -----------------------------------------------------------------------------------------


_Row = tuple[str, str, Any, Any]  # path, change, old, new


def diff_inputs(old: Any, new: Any) -> pd.DataFrame:
    """Every field that differs between two parsed scenario files: path, change, old, new, delta.

    Mappings are compared key by key; a list of mappings with `from` and `to` (the arcs) by
    FROM->TO; any other list is one value. A field present on one side only is one row (`added` or
    `removed`) holding the whole sub-tree, so a new demand is one line, not ten.
    """
    rows: list[_Row] = []
    _diff(old, new, "", rows)
    frame = pd.DataFrame(rows, columns=["path", "change", "old", "new"], dtype=object)  # 2 stays 2, not 2.0
    frame["delta"] = [_delta(o, n) for o, n in zip(frame.old, frame.new)]
    frame["old"] = [ABSENT if c == "added" else _text(v) for c, v in zip(frame.change, frame.old)]
    frame["new"] = [ABSENT if c == "removed" else _text(v) for c, v in zip(frame.change, frame.new)]
    return frame[COLUMNS["inputs"]]


def _diff(old: Any, new: Any, path: str, rows: list[_Row]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        _diff_mappings(old, new, path, rows, lambda key: f"{path}.{key}" if path else str(key))
    elif _is_table(old) and _is_table(new):
        _diff_mappings(_keyed(old), _keyed(new), path, rows, lambda key: f"{path}[{key}]")
    elif old != new or isinstance(old, bool) != isinstance(new, bool):  # 1 -> true is a change; 5 -> 5.0 is not
        rows.append((path, "changed", old, new))


def _diff_mappings(old: dict, new: dict, path: str, rows: list[_Row], child: Callable[[Any], str]) -> None:
    for key in [*old, *(k for k in new if k not in old)]:
        if key not in new:
            rows.append((child(key), "removed", old[key], None))
        elif key not in old:
            rows.append((child(key), "added", None, new[key]))
        else:
            _diff(old[key], new[key], child(key), rows)


def _is_table(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


def _keyed(items: list[dict]) -> dict[str, dict]:
    """List items by FROM->TO (arcs), or by position for other lists of mappings."""
    keyed: dict[str, dict] = {}
    for index, item in enumerate(items):
        key = arc_key(item) if "from" in item and "to" in item else str(index)
        keyed[key if key not in keyed else f"{key}#{index}"] = item
    return keyed


def _delta(old: Any, new: Any) -> float:
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (old, new))
    return float(new) - float(old) if numbers else np.nan


def _text(value: Any) -> str:
    """A field's value as YAML flow text, so a CSV cell reads like the scenario file."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ---- costs and the bridge -----------------------------------------------------------------------------


def _stage_order(a: Run, b: Run) -> list[str]:
    return list(dict.fromkeys([*b.scenario.stages, *a.scenario.stages]))


def cost_totals(a: Run, b: Run) -> pd.DataFrame:
    """Cost by stage and category over the horizon (rows non-zero in either run), A, B and B - A."""

    def by(run: Run) -> pd.Series:
        return run.tables["costs"].groupby(["stage", "category"]).amount.sum()

    frame = pd.concat({"cost_a": by(a), "cost_b": by(b)}, axis=1).fillna(0.0).reset_index()
    frame["change"] = frame.cost_b - frame.cost_a
    stage_rank = {s: i for i, s in enumerate(_stage_order(a, b))}
    category_rank = {c: i for i, c in enumerate(CATEGORIES)}
    frame = frame.sort_values(
        ["stage", "category"], key=lambda c: c.map(stage_rank if c.name == "stage" else category_rank)
    )
    frame["currency"] = ""
    return frame.reset_index(drop=True)[COLUMNS["totals"]]


def stage_costs(run: Run) -> pd.Series:
    """Total cost per stage over the horizon (currency)."""
    return run.tables["costs"].groupby("stage").amount.sum()


def cost_bridge(a: Run, b: Run, notes: list[str] | None = None) -> pd.DataFrame:
    """Per stage: C_A, C_B, their change, and its split into volume, rate, mix and routing effects.

    volume  = C_A,s (V_B / V_A - 1): the cost had every demand grown at the overall rate;
    rate    = sum over B's cost items of (p_B - p_A) q_B: B's plan repriced at A's prices;
    mix     = sum_d CTS_A[d,s] (r_d - r): demands growing faster or slower than the total;
    routing = the rest: where the work went and how it was staffed (and unallocated cost).
    The last row, stage `(total)`, sums the stages. The four effects add up to the change exactly
    (routing is defined as the rest), so the bridge reconciles to the cent by construction.
    """
    notes = notes if notes is not None else []
    stages = _stage_order(a, b)
    cost_a = stage_costs(a).reindex(stages, fill_value=0.0)
    cost_b = stage_costs(b).reindex(stages, fill_value=0.0)
    volume_a, volume_b = demand_volumes(a), demand_volumes(b)
    total_a, total_b = float(volume_a.sum()), float(volume_b.sum())
    growth = total_b / total_a if total_a > 0 else np.nan
    if not total_a > 0:
        notes.append("Run A has no demand volume: the volume and mix effects are 0 and fall to routing.")
    frame = pd.DataFrame({"stage": stages, "cost_a": cost_a.to_numpy(), "cost_b": cost_b.to_numpy()})
    frame["change"] = frame.cost_b - frame.cost_a
    frame["volume"] = frame.cost_a * (growth - 1.0) if total_a > 0 else 0.0
    frame["rate"] = rate_effect(a, b, notes).reindex(stages, fill_value=0.0).to_numpy()
    frame["mix"] = mix_effect(a, volume_a, volume_b, growth).reindex(stages, fill_value=0.0).to_numpy()
    for effect in ("volume", "rate", "mix"):
        frame[effect] = _no_dust(frame[effect])
    frame["routing"] = _no_dust(frame.change - frame.volume - frame.rate - frame.mix)
    total = frame.drop(columns="stage").sum().to_frame().T.assign(stage=TOTAL)
    frame = pd.concat([frame, total], ignore_index=True)
    frame["currency"] = ""
    return frame[COLUMNS["bridge"]]


def _no_dust(amounts: pd.Series) -> pd.Series:
    """Float round-off (below a millionth of a currency unit) is not cost: no "-0.00" in a bridge."""
    return amounts.where(amounts.abs() >= 1e-6, 0.0)


def demand_volumes(run: Run) -> pd.Series:
    """Each demand's volume over the horizon (units), from demand_kpis."""
    return run.tables["demand_kpis"].groupby("demand", sort=False).volume.sum()


def mix_effect(a: Run, volume_a: pd.Series, volume_b: pd.Series, growth: float) -> pd.Series:
    """Per stage: sum_d CTS_A[d,s] (r_d - r), r_d = V_B[d] / V_A[d] (0 for a demand B no longer has).

    A demand with no volume in A (new in B, or 0 before) has no growth rate: its cost is routing.
    """
    if not np.isfinite(growth):
        return pd.Series(dtype=float)
    serving = cost_to_serve_by_stage(a)
    ratio = volume_b.reindex(volume_a.index, fill_value=0.0) / volume_a.where(volume_a > 0)
    excess = serving.demand.map(ratio - growth).fillna(0.0)
    return (serving.cost * excess).groupby(serving.stage).sum()


# ---- the rate effect: B's plan at A's prices -------------------------------------------------------

_STAFF_ITEMS = {"labour": "fte", "overtime": "overtime_hours", "hiring": "hires", "layoffs": "layoffs"}
"""Cost category -> staffing column holding its quantity (FTE, hours, FTE, FTE)."""


def prices(scenario: Scenario) -> pd.DataFrame:
    """Every price of a scenario as (category, key, mode, price): per FTE, per overtime hour, per hire
    and layoff (key = role), per unit processed (key = node, mode), per unit handed over (key = arc
    FROM->TO), per unit held (key = node), per unit backlogged or unmet (key = demand), per unit
    reworked (key = node, mode), per period open (`fixed`, key = node) and per period at a capacity
    level (`capacity`, key = node, mode = the level). A price that does not exist (no overtime section,
    backlog or unmet not allowed, no rework) has no row."""
    rows: list[tuple[str, str, str, float]] = []
    for name, role in scenario.roles.items():
        rows += [
            ("labour", name, "", role.cost_per_fte),
            ("hiring", name, "", role.hire_cost),
            ("layoffs", name, "", role.layoff_cost),
        ]
        if role.overtime is not None:
            rows.append(("overtime", name, "", role.overtime.cost_per_hour))
    for name, node in scenario.nodes.items():
        rows += [("processing", name, mode["mode"], mode["unit_cost"]) for mode in modes_of(scenario, name)]
        rows += [
            ("rework", name, mode["mode"], mode["rework"].cost)
            for mode in modes_of(scenario, name)
            if mode["rework"] is not None
        ]
        if node.stock is not None:
            rows.append(("holding", name, "", node.stock.holding_cost))
        rows.append(("fixed", name, "", node.fixed_cost))  # per period open (docs/model.md, Sites)
        rows += [("capacity", name, str(i + 1), level.cost) for i, level in enumerate(node.capacity_levels or ())]
    rows += [("handoffs", arc.key, "", arc.cost) for arc in scenario.arcs]
    # A shift pattern's head per period (docs/model.md, Shifts): key node/role, mode the pattern.
    weight = scenario.interval_weight
    rows += [("labour", f"{n}/{r}", p.name, weight * p.cost) for n, r, p in roster_patterns(scenario)]
    margin = scenario.scenario.objective == "margin"
    for name, demand in scenario.demands.items():
        # Under margin a demand with a price may go unmet without a penalty: its unmet units cost 0.
        unmet = demand.unmet_penalty if demand.unmet_penalty is not None or not margin or demand.price is None else 0.0
        rows += [
            (category, name, "", price)
            for category, price in (("backlog", demand.backlog_cost), ("unmet", unmet))
            if price is not None
        ]
    return pd.DataFrame(rows, columns=["category", "key", "mode", "price"])


def cost_items(run: Run) -> pd.DataFrame:
    """The run's priced quantities as (stage, category, key, mode, quantity), from its tables."""
    tables, scenario = run.tables, run.scenario
    stage_of = {name: node.stage for name, node in scenario.nodes.items()}
    staffing = tables["staffing"]
    parts = [
        staffing[["stage", "role"]]
        .rename(columns={"role": "key"})
        .assign(category=category, mode="", quantity=staffing[column].to_numpy())
        for category, column in _STAFF_ITEMS.items()
    ]
    parts += _roster_items(run, staffing, stage_of)
    work = tables["work"]
    parts.append(
        work[["stage", "node", "mode"]]
        .rename(columns={"node": "key"})
        .assign(category="processing", quantity=work.units.to_numpy())
    )
    flows = tables["flows"]
    parts.append(
        pd.DataFrame(
            {
                "stage": flows["to"].map(stage_of),
                "key": flows.arc,
                "mode": "",
                "category": "handoffs",
                "quantity": flows.units,
            }
        )
    )
    stock = tables["stock"]
    parts.append(
        pd.DataFrame(
            {"stage": stock.stage, "key": stock.node, "mode": "", "category": "holding", "quantity": stock.closing}
        )
    )
    if "rework" in tables:  # units reworked x the rework cost, at the node where the defect arose
        rework = tables["rework"]
        parts.append(
            pd.DataFrame(
                {
                    "stage": rework.node.map(stage_of),
                    "key": rework.node,
                    "mode": rework["mode"],
                    "category": "rework",
                    "quantity": rework.units,
                }
            )
        )
    kpis = tables["demand_kpis"]
    origin_stage = kpis.demand.map({d: stage_of[spec.origin] for d, spec in scenario.demands.items()})
    for category, column in (("backlog", "backlog"), ("unmet", "unmet")):
        parts.append(
            pd.DataFrame(
                {"stage": origin_stage, "key": kpis.demand, "mode": "", "category": category, "quantity": kpis[column]}
            )
        )
    parts += _site_items(tables.get("sites"))
    items = pd.concat(parts, ignore_index=True)
    return items[items.quantity != 0]


def _roster_items(run: Run, staffing: pd.DataFrame, stage_of: dict[str, str]) -> list[pd.DataFrame]:
    """A rostered role's labour is priced per head on its patterns (the `roster` table), not per FTE:
    its FTE are taken off the labour items and its heads added, keyed node/role and pattern."""
    roster = run.tables.get("roster")
    if roster is None or not len(roster):
        return []
    pairs = set(zip(roster.node, roster.role))
    rostered = np.array([(n, r) in pairs for n, r in zip(staffing.node, staffing.role)], dtype=bool)
    off = pd.DataFrame(
        {
            "stage": staffing.stage[rostered].to_numpy(),
            "key": staffing.role[rostered].to_numpy(),
            "mode": "",
            "category": "labour",
            "quantity": -staffing.fte[rostered].to_numpy(),
        }
    )
    heads = pd.DataFrame(
        {
            "stage": roster.node.map(stage_of).to_numpy(),
            "key": (roster.node + "/" + roster.role).to_numpy(),
            "mode": roster.pattern.to_numpy(),
            "category": "labour",
            "quantity": roster.heads.to_numpy(),
        }
    )
    return [off, heads]


def _site_items(sites: pd.DataFrame | None) -> list[pd.DataFrame]:
    """A site's periods open (priced by its fixed cost) and its levels chosen (mode = the level,
    priced by the level's cost), one per period, from the `sites` table."""
    if sites is None or not len(sites):
        return []
    base = {"stage": sites.stage.to_numpy(), "key": sites.node.to_numpy()}
    opened = pd.DataFrame({**base, "mode": "", "category": "fixed", "quantity": sites.open.to_numpy(dtype=float)})
    chosen = sites.level.fillna("").astype(str).to_numpy()
    levels = pd.DataFrame({**base, "mode": chosen, "category": "capacity", "quantity": (chosen != "").astype(float)})
    return [opened, levels]


def rate_effect(a: Run, b: Run, notes: list[str] | None = None) -> pd.Series:
    """Per stage: sum over B's cost items of (p_B - p_A) q_B (currency).

    An item A had no price for (a new role, node, arc or demand; overtime, backlog or unmet that A
    did not allow) counts as unchanged: its cost is a change of plan, so it falls to routing.
    Repricing B's items at B's prices must give B's costs table; a note says when it does not.
    """
    keys = ["category", "key", "mode"]
    items = cost_items(b).merge(prices(b.scenario), on=keys, how="left")
    items = items.merge(prices(a.scenario).rename(columns={"price": "price_a"}), on=keys, how="left")
    items["price_a"] = items.price_a.fillna(items.price)
    repriced = (items.price * items.quantity).groupby(items.stage).sum()
    costs = stage_costs(b).reindex(repriced.index.union(stage_costs(b).index), fill_value=0.0)
    gap = (repriced.reindex(costs.index, fill_value=0.0) - costs).abs()
    if notes is not None and (items.price.isna().any() or (gap > 1e-6 * (1.0 + costs.abs())).any()):
        notes.append(
            f"Run B's tables do not reprice exactly with its scenario.yaml (largest gap "
            f"{gap.max():,.2f} in stage {gap.idxmax()}): the rate effect is approximate, routing takes "
            "the rest."
        )
    return ((items.price - items.price_a) * items.quantity).groupby(items.stage).sum()


# ---- cost-to-serve by stage (run A), for the mix effect -------------------------------------------


def cost_to_serve_by_stage(run: Run) -> pd.DataFrame:
    """Cost allocated to each demand in each stage over the horizon: (demand, stage, cost), from the
    run's cost_to_serve_by_stage table. Staff cost no demand caused (`(unallocated)`) is left out."""
    table = run.tables["cost_to_serve_by_stage"]
    table = table[table.demand != UNALLOCATED]
    return (
        table.groupby(["demand", "stage"], sort=False, as_index=False)
        .cost_to_serve.sum()
        .rename(columns={"cost_to_serve": "cost"})
    )


# ---- staffing, routing, service -------------------------------------------------------------------------


def _side_by_side(frame_a: pd.DataFrame, frame_b: pd.DataFrame, keys: list[str], values: list[str]) -> pd.DataFrame:
    """Outer join on keys: B's rows in B's order, then rows only A has; `<value>_a`, `<value>_b`
    (NaN on the side that lacks the row: the caller says whether that means 0)."""
    left = frame_b[keys + values].assign(_at_b=np.arange(len(frame_b)))
    right = frame_a[keys + values].assign(_at_a=np.arange(len(frame_a)))
    merged = left.merge(right, on=keys, how="outer", suffixes=("_b", "_a"))  # pandas sorts an outer join
    merged = merged.sort_values(["_at_b", "_at_a"], na_position="last", kind="stable")
    return merged.drop(columns=["_at_b", "_at_a"]).reset_index(drop=True)


def staffing_change(a: Run, b: Run) -> pd.DataFrame:
    """FTE and staff cost per node, role and period: A, B and B - A (a role a run lacks has 0 FTE)."""
    keys = ["node", "role", "period"]
    frame = _side_by_side(a.tables["staffing"], b.tables["staffing"], keys, ["fte", "cost"])
    stage_of = {
        **{n: x.stage for n, x in a.scenario.nodes.items()},
        **{n: x.stage for n, x in b.scenario.nodes.items()},
    }
    frame["stage"] = frame.node.map(stage_of)
    for value in ("fte", "cost"):
        frame[[f"{value}_a", f"{value}_b"]] = frame[[f"{value}_a", f"{value}_b"]].fillna(0.0)
        frame[f"{value}_change"] = frame[f"{value}_b"] - frame[f"{value}_a"]
    frame["currency"] = ""
    return frame[COLUMNS["staffing"]]


def _placements(run: Run) -> pd.DataFrame:
    """Units of each demand per node and mode (work) and per arc (hand-offs), over the horizon."""
    work = run.tables["work"].groupby(["demand", "stage", "node", "mode"], sort=False, as_index=False).units.sum()
    where = np.where(work.node == work["mode"], work.node, work.node + " (" + work["mode"] + ")")
    work = pd.DataFrame(
        {"demand": work.demand, "kind": "work", "where": where, "stage": work.stage, "units": work.units}
    )
    stage_of = {name: node.stage for name, node in run.scenario.nodes.items()}
    flows = run.tables["flows"].groupby(["demand", "arc", "to"], sort=False, as_index=False).units.sum()
    flows = pd.DataFrame(
        {
            "demand": flows.demand,
            "kind": "hand-off",
            "where": flows.arc,
            "stage": flows["to"].map(stage_of),
            "units": flows.units,
        }
    )
    return pd.concat([work, flows], ignore_index=True)


def routing_shifts(a: Run, b: Run, top: int | None = 20) -> pd.DataFrame:
    """The largest changes in where each demand's units are worked or handed over (horizon totals).

    `where` is `node (mode)` for work done by a role, the node for bought-in work, FROM->TO for a
    hand-off. Sorted by the size of the change; `top` keeps that many (None: every change).
    """
    frame = _side_by_side(_placements(a), _placements(b), ["demand", "kind", "where"], ["units", "stage"])
    frame["stage"] = frame.stage_b.fillna(frame.stage_a)
    frame[["units_a", "units_b"]] = frame[["units_a", "units_b"]].fillna(0.0)
    frame["change"] = frame.units_b - frame.units_a
    scale = 1e-6 * (1.0 + frame[["units_a", "units_b"]].abs().max(axis=1))
    frame = frame[frame.change.abs() > scale]
    frame = frame.reindex(frame.change.abs().sort_values(ascending=False, kind="stable").index)
    if top is not None:
        frame = frame.head(top)
    return frame.reset_index(drop=True)[COLUMNS["routing"]]


_KPIS = ["volume", "served", "quality", "mean_response_time", "cost_to_serve", "cost_per_unit"]


def demand_kpi_change(a: Run, b: Run) -> pd.DataFrame:
    """Each demand's KPIs per period, A, B and B - A; a demand only one run has is empty on the other side."""
    frame = _side_by_side(a.tables["demand_kpis"], b.tables["demand_kpis"], ["demand", "period"], _KPIS)
    for kpi in _KPIS:
        frame[f"{kpi}_change"] = frame[f"{kpi}_b"] - frame[f"{kpi}_a"]
    frame["currency"] = ""
    return frame[COLUMNS["demand_kpis"]]


# ---- writing --------------------------------------------------------------------------------------------


def default_folder(run_a: str | Path, run_b: str | Path) -> Path:
    """`<RUN_B>/compare-<RUN_A folder name>/`: the comparison lives with the run it explains."""
    return Path(run_b) / f"compare-{Path(run_a).resolve().name}"


def write_comparison(comparison: Comparison, folder: str | Path) -> Path:
    """Write each table as CSV, its floats at the significant digits of their kind and no `inf` text
    (model.tables.for_csv), the data dictionary `columns.csv` and comparison.json (runs, units,
    notes) into `folder`.

    Written into a temporary folder beside it and renamed into place, so a reader never sees a
    half-written comparison. An existing comparison folder is replaced; any other non-empty folder
    is refused (CompareError), so a mistyped --out never deletes someone's files.
    """
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or (any(folder.iterdir()) and not (folder / MARKER).is_file())):
        raise CompareError(f"{folder} exists and is not a comparison folder: choose another --out.")
    with staging_folder(folder.parent, prefix=".incomplete-compare-") as staging:
        tables = {declared(name): conform(frame, declared(name)) for name, frame in comparison.tables().items()}
        for name, frame in tables.items():
            write_csv(for_csv(frame, name), staging / f"{TABLES[name].file}.csv")
        write_csv(dictionary(tables, comparison.currency, comparison.time_unit), staging / COLUMNS_FILE)
        (staging / MARKER).write_text(json.dumps(comparison.as_dict(), indent=2) + "\n")
        unmark(staging)
        os.chmod(staging, 0o755)
        _replace(staging, folder)
    return folder


def _replace(staging: Path, folder: Path) -> None:
    """Rename staging to folder; an old comparison there is moved aside first and then deleted.

    The old one is moved into a staging folder of its own (marked and locked as this process's), so a
    kill between the two renames leaves nothing that the next write into this parent does not remove;
    a failure of the second rename puts the old comparison back."""
    if not folder.exists():
        os.rename(staging, folder)
        return
    with staging_folder(folder.parent, prefix=f"{STAGING_PREFIX}replaced-compare-") as aside:
        os.rename(folder, aside / folder.name)
        try:
            os.rename(staging, folder)
        except BaseException:
            os.rename(aside / folder.name, folder)  # the old comparison back where it was
            raise
        discard(aside)
