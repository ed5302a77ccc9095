"""Why a scenario is infeasible, and the smallest relaxation that would make it feasible.

The built LP is taken as HiGHS would receive it (its standard form) and made elastic: every row a
planner can relax gets a slack column, each staff maximum becomes a row with a slack, and every
demand that must be met in full may leave volume unserved. The slacks alone are minimised, each
measured relative to the figure it relaxes and weighted per family (`solver.relaxation_weights`),
so the answer is the smallest relaxation in business terms. Each non-zero slack is reported as the
scenario field it relaxes, its line in the YAML, and the value that would work.
Separately, HiGHS's IIS names a set of rows and bounds that cannot hold together.
"""

from __future__ import annotations

from dataclasses import dataclass

import math

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp

from model.lp import LinearModel, build, volume_weights
from model.lp.form import StandardForm, highs_lp
from model.network import position
from model.scenario.loader import SourceMap, dotted
from model.scenario.schema import Scenario
from model.solve import SolveOptions

COLUMNS = ["kind", "family", "field", "line", "period", "subject", "current", "relaxed_to", "unit", "sentence"]

RELAXABLE_ROWS = {  # constraint block -> (weight family, direction of its bound)
    "quality_target": ("quality", "upper"),
    "response_time_target": ("response_time", "upper"),
    "node_capacity_limit": ("node_capacity", "upper"),
    "arc_capacity_limit": ("arc_capacity", "upper"),
    "final_backlog": ("end_of_horizon", "upper"),
    "final_stock": ("end_of_horizon", "lower"),
}
SLACK_TOLERANCE = 1e-7


@dataclass
class Slack:
    """One elastic column: what it relaxes and the figure its size is measured against."""

    family: str  # a block name, "staff_max" or "demand"
    index: int  # row of the block, staff row, or demand row
    period: int
    scale: float  # the relaxation's size is slack / scale
    field: tuple  # the scenario field it relaxes: slacks of one field in several periods share one price
    weight: float


@dataclass
class Elastic:
    matrix: sp.csc_matrix
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    slacks: list[Slack]
    integer: np.ndarray


def diagnose(
    model: LinearModel, scenario: Scenario, source: SourceMap | None = None, options: SolveOptions = SolveOptions()
) -> pd.DataFrame:
    """The diagnosis of an infeasible model: relaxations that make it feasible, then an IIS.

    A field that applies to every period (a capacity, a target, a staff maximum) is charged once, for
    its largest relaxation over the periods. With integer staff the elastic model keeps them whole,
    so a relaxation it reports is one whole-FTE staffing can meet.
    """
    if model.lp is None:  # assembled as a matrix: the diagnosis reads the Pyomo model's parameters
        model = build(model.sets, integer_staff=model.integer_staff)
    form = model.standard_form()
    elastic = _elastic(model, form, scenario)
    values, status = _solve_elastic(form, elastic, options)
    if status != highspy.HighsModelStatus.kOptimal:
        rows = [
            _row(
                "relaxation",
                "",
                "",
                None,
                "",
                "",
                np.nan,
                np.nan,
                "",
                "No relaxation of targets, capacities, staff maxima, served volume or end-of-horizon "
                "conditions makes this scenario feasible: check staff minima and initial figures.",
            )
        ]
    else:
        rows = _relaxations(model, scenario, source, form, elastic, values)
    rows += _conflicts(model, form, scenario, source, options)
    return pd.DataFrame(rows, columns=COLUMNS).astype({"line": "Int64"})


# --- the elastic LP ----------------------------------------------------------------------------------


def _block_rows(model: LinearModel, form: StandardForm) -> dict[str, np.ndarray]:
    """For each constraint block, the position of each of its rows in the standard form (-1: dropped)."""
    return form.row_at


def _elastic(model: LinearModel, form: StandardForm, scenario: Scenario) -> Elastic:
    weights = scenario.solver.relaxation_weights.model_dump()
    sets, lp = model.sets, model.lp
    period_of = {p: t for t, p in enumerate(sets.periods)}
    demand_of = {d: i for i, d in enumerate(sets.demands.demand)}
    volume = model.sets.volumes
    block_rows = _block_rows(model, form)
    m, n = form.num_row, form.num_col
    entries: list[tuple[int, int, float]] = []  # (row, slack column, coefficient)
    slacks: list[Slack] = []

    def add_slack(slack: Slack, coefficients: list[tuple[int, float]]) -> None:
        column = len(slacks)
        slacks.append(slack)
        entries.extend((row, column, coefficient) for row, coefficient in coefficients)

    final_backlog = dict(zip(sets.demands.demand, sets.demands.final_backlog))
    final_min = dict(zip(zip(sets.stocks.demand, sets.stocks.node), sets.stocks.final_min))
    for block, (family, direction) in RELAXABLE_ROWS.items():
        labels = model.blocks[block].labels
        for j, (row, label) in enumerate(zip(block_rows[block], labels.itertuples())):
            if row < 0:
                continue
            t = period_of[label.period]
            scale = _row_scale(
                block,
                label,
                volume[demand_of[label.demand], t] if "demand" in labels else 0.0,
                lp,
                final_backlog,
                final_min,
            )
            field = (block, *(getattr(label, key) for key in ("demand", "node", "arc") if key in labels))
            add_slack(
                Slack(block, j, t, max(scale, 1.0 if "capacity" in block else 1e-9), field, weights[family]),
                [(row, -1.0 if direction == "upper" else 1.0)],
            )

    col_upper = form.col_upper.copy()
    staff_rows = []
    s_grid = model.variables["s"]
    for (i, t), j in zip(zip(*np.nonzero(s_grid.exists)), form.column_at["s"]):
        if j < 0 or not np.isfinite(col_upper[j]):
            continue
        staff_rows.append((j, col_upper[j]))
        col_upper[j] = np.inf
        add_slack(
            Slack(
                "staff_max", int(i), int(t), max(staff_rows[-1][1], 1.0), ("staff_max", int(i)), weights["staff_max"]
            ),
            [(m + len(staff_rows) - 1, -1.0)],
        )

    # Unserved volume: a column like the unmet variable u, entering every row V enters, with V's
    # coefficients there (origin pass-through -1, origin work balance +1, quality 1 - Q, response T - time).
    entering = _volume_rows(model, block_rows)
    for d, demand in enumerate(sets.demands.itertuples()):
        if demand.unmet:
            continue
        for t in range(sets.period_count):
            coefficients = [(row[d, t], weight[d]) for row, weight in entering if row[d, t] >= 0]
            add_slack(Slack("demand", d, t, max(volume[d, t], 1.0), ("demand", d, t), weights["demand"]), coefficients)

    # Columns: the model's n, then k slacks, then one z per field (cost: its weight). Rows: the
    # model's m, the staff maxima turned into rows, then one link per slack: slack / scale - z_field <= 0.
    k, s_rows = len(slacks), len(staff_rows)
    fields = {slack.field: None for slack in slacks}
    field_of = {f: i for i, f in enumerate(fields)}
    g = len(field_of)
    rows_, cols_, vals_ = zip(*entries) if entries else ((), (), ())
    slack_block = sp.csc_matrix((vals_, (rows_, cols_)), shape=(m + s_rows, k))
    staff_block = sp.csc_matrix(([1.0] * s_rows, (range(s_rows), [j for j, _ in staff_rows])), shape=(s_rows, n))
    links = sp.hstack(
        [
            sp.csc_matrix((k, n)),
            sp.diags([1.0 / slack.scale for slack in slacks]),
            sp.csc_matrix(([-1.0] * k, (range(k), [field_of[slack.field] for slack in slacks])), shape=(k, g)),
        ]
    )
    model_rows = sp.hstack([sp.vstack([form.matrix, staff_block]), slack_block, sp.csc_matrix((m + s_rows, g))])
    field_weight = {slack.field: slack.weight for slack in slacks}
    return Elastic(
        matrix=sp.vstack([model_rows, links]).tocsc(),
        cost=np.concatenate([np.zeros(n + k), [field_weight[f] for f in field_of]]),
        col_lower=np.concatenate([form.col_lower, np.zeros(k + g)]),
        col_upper=np.concatenate([col_upper, np.full(k + g, np.inf)]),
        row_lower=np.concatenate([form.row_lower, np.full(s_rows + k, -np.inf)]),
        row_upper=np.concatenate([form.row_upper, [upper for _, upper in staff_rows], np.zeros(k)]),
        slacks=slacks,
        integer=np.concatenate([form.integer, np.zeros(k + g, dtype=bool)]),
    )


def _row_scale(block: str, label: object, volume: float, lp: object, final_backlog: dict, final_min: dict) -> float:
    """The figure a slack on this row is measured against, in the row's own unit."""
    if block == "quality_target":
        return volume  # defect units per unit of volume: a share of quality
    if block == "response_time_target":
        return volume * lp.max_response_time[label.demand].value
    if block == "node_capacity_limit":
        return lp.node_capacity[label.node].value
    if block == "arc_capacity_limit":
        return lp.arc_capacity[label.arc].value
    if block == "final_backlog":
        return max(final_backlog[label.demand], volume)
    return final_min[(label.demand, label.node)]


def _volume_rows(model: LinearModel, block_rows: dict[str, np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Where V[d,t] enters: per block, the standard-form row of each (d, t) (-1: none) and V's
    coefficient on that row's right-hand side, per demand."""
    sets = model.sets
    demands = sets.demands
    D, T = len(demands), sets.period_count
    keys = pd.DataFrame(
        {
            "demand": np.repeat(demands.demand.to_numpy(), T),
            "node": np.repeat(demands.origin.to_numpy(), T),
            "period": np.tile(np.asarray(sets.periods, dtype=object), D),
        }
    )
    weights = volume_weights(model)
    found = []
    for block, key in (
        ("pass_through", ["demand", "node", "period"]),
        ("work_balance", ["demand", "node", "period"]),
        ("quality_target", ["demand", "period"]),
        ("response_time_target", ["demand", "period"]),
    ):
        weight = weights[block]
        j = position(model.blocks[block].labels, key, keys)
        rows = np.where(j >= 0, block_rows[block][np.maximum(j, 0)] if len(block_rows[block]) else -1, -1)
        found.append((rows.reshape(D, T), weight))
    return found


def _limited_highs(options: SolveOptions) -> highspy.Highs:
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    if options.time_limit is not None:
        highs.setOptionValue("time_limit", float(options.time_limit))
    if options.threads is not None:
        highs.setOptionValue("threads", int(options.threads))
    return highs


def _solve_elastic(form: StandardForm, elastic: Elastic, options: SolveOptions) -> tuple[np.ndarray, object]:
    stretched = StandardForm(
        cost=elastic.cost,
        offset=0.0,
        matrix=elastic.matrix,
        col_lower=elastic.col_lower,
        col_upper=elastic.col_upper,
        row_lower=elastic.row_lower,
        row_upper=elastic.row_upper,
        integer=elastic.integer,
        column_at={},
        absent_value={},
        row_at={},
    )
    highs = _limited_highs(options)
    highs.passModel(highs_lp(stretched))
    highs.run()
    status = highs.getModelStatus()
    found = status == highspy.HighsModelStatus.kOptimal or (
        status == highspy.HighsModelStatus.kTimeLimit and highs.getInfo().primal_solution_status == 2
    )
    values = np.asarray(highs.getSolution().col_value) if found else np.zeros(0)
    status = highspy.HighsModelStatus.kOptimal if found else status
    return values, status


# --- reporting ---------------------------------------------------------------------------------------


def _row(kind, family, field, line, period, subject, current, relaxed_to, unit, sentence) -> dict:
    return dict(zip(COLUMNS, (kind, family, field, line, period, subject, current, relaxed_to, unit, sentence)))


def _relaxations(
    model: LinearModel,
    scenario: Scenario,
    source: SourceMap | None,
    form: StandardForm,
    elastic: Elastic,
    values: np.ndarray,
) -> list[dict]:
    n = form.num_col
    served = _served(model, form, elastic, values)
    found = []
    for slack, amount in zip(elastic.slacks, values[n : n + len(elastic.slacks)]):
        if amount > SLACK_TOLERANCE * max(1.0, slack.scale):
            row = _describe(model, scenario, source, slack, float(amount), served)
            found.append((-slack.weight * amount / slack.scale, row))  # the largest relaxations first
    return [row for _, row in sorted(found, key=lambda item: item[0])]


def _served(model: LinearModel, form: StandardForm, elastic: Elastic, values: np.ndarray) -> np.ndarray:
    """Volume served per demand and period in the elastic solution (volume less backlog, unmet, unserved)."""
    sets = model.sets
    served = model.sets.volumes.astype(float)
    for name, sign in (("b", -1.0), ("u", -1.0)):
        grid = model.variables[name]
        if not grid.exists.any():
            continue
        at = form.column_at[name]
        amounts = np.zeros(grid.exists.shape)
        amounts[grid.exists] = np.where(at >= 0, values[np.maximum(at, 0)], 0.0)
        rows = pd.Index(sets.demands.demand).get_indexer(grid.rows.demand)
        served[rows] += sign * amounts
        if name == "b":
            served[rows, 1:] += amounts[:, :-1]  # backlog carried in from the period before
    for slack, amount in zip(elastic.slacks, values[form.num_col : form.num_col + len(elastic.slacks)]):
        if slack.family == "demand":
            served[slack.index, slack.period] -= amount
    return served


def _up(value: float, digits: int = 2) -> float:
    """Rounded outward (up), so that the printed figure, applied as printed, still works."""
    return math.ceil(value * 10**digits - 1e-9) / 10**digits


def _down(value: float, digits: int = 2) -> float:
    return math.floor(value * 10**digits + 1e-9) / 10**digits


def _line(source: SourceMap | None, path: tuple) -> int | None:
    return source.locate(path)[0] if source is not None else None


def _describe(
    model: LinearModel, scenario: Scenario, source: SourceMap | None, slack: Slack, amount: float, served: np.ndarray
) -> dict:
    sets, lp = model.sets, model.lp
    period = sets.periods[slack.period]
    time_unit = {"minute": "min", "hour": "h", "day": "days", "week": "weeks"}[scenario.scenario.time_unit]
    if slack.family == "staff_max":
        node, role = sets.staff.node.iloc[slack.index], sets.staff.role.iloc[slack.index]
        path = ("nodes", node, "staff", role, "max")
        current = lp.staff_max[node, role].value
        relaxed = current + amount
        sentence = f"{node} needs {_up(relaxed):,.2f} {role} FTE in {period}, more than its maximum of {current:g}"
        return _row(
            "relaxation",
            "staff maximum",
            dotted(path),
            _line(source, path),
            period,
            f"node={node} role={role}",
            current,
            relaxed,
            "FTE",
            _sentence(path, source, sentence),
        )
    if slack.family == "demand":
        demand = sets.demands.demand.iloc[slack.index]
        listed = isinstance(scenario.demands[demand].volume, list)
        path = ("demands", demand, "volume", slack.period) if listed else ("demands", demand, "volume")
        volume = lp.volume[demand, period].value
        sentence = (
            f"{_up(amount):,.2f} of {volume:,.2f} units of {demand} in {period} cannot be served; "
            f"{_down(volume - amount):,.2f} can"
        )
        return _row(
            "relaxation",
            "demand served",
            dotted(path),
            _line(source, path),
            period,
            f"demand={demand}",
            volume,
            volume - amount,
            "units",
            _sentence(path, source, sentence),
        )
    label = model.blocks[slack.family].labels.iloc[slack.index]
    return _describe_row(model, scenario, source, slack, label, amount, served, period, time_unit)


def _describe_row(model, scenario, source, slack, label, amount, served, period, time_unit) -> dict:
    sets, lp = model.sets, model.lp
    family = slack.family
    if family in ("quality_target", "response_time_target"):
        demand = label.demand
        d = sets.demands.demand.tolist().index(demand)
        volume_served = max(served[d, slack.period], 1e-12)
        if family == "quality_target":
            path, current = ("demands", demand, "min_quality"), lp.min_quality[demand].value
            relaxed = current - amount / volume_served
            sentence = (
                f"{demand} can reach {_down(relaxed * 100):.2f}% quality in {period}, not the {current:.2%} asked"
            )
            unit = "share done right"
        else:
            path, current = ("demands", demand, "max_response_time"), lp.max_response_time[demand].value
            relaxed = current + amount / volume_served
            sentence = (
                f"{current:g} {time_unit} cannot be met for {demand} in {period}; {_up(relaxed):,.2f} {time_unit} can"
            )
            unit = scenario.scenario.time_unit
        return _row(
            "relaxation",
            family.replace("_", " "),
            dotted(path),
            _line(source, path),
            period,
            label.subject,
            current,
            relaxed,
            unit,
            _sentence(path, source, sentence),
        )
    if family in ("node_capacity_limit", "arc_capacity_limit"):
        if family == "node_capacity_limit":
            path, current, what = ("nodes", label.node, "capacity"), lp.node_capacity[label.node].value, label.node
        else:
            index = [a.key for a in scenario.arcs].index(label.arc)
            path, current, what = ("arcs", index, "capacity"), lp.arc_capacity[label.arc].value, f"arc {label.arc}"
        relaxed = current + amount
        sentence = f"{what} needs a capacity of {_up(relaxed):,.2f} units in {period}, not {current:g}"
        return _row(
            "relaxation",
            family.replace("_limit", "").replace("_", " "),
            dotted(path),
            _line(source, path),
            period,
            label.subject,
            current,
            relaxed,
            "units per period",
            _sentence(path, source, sentence),
        )
    if family == "final_backlog":
        demand = label.demand
        path = ("demands", demand, "final_backlog")
        current = float(sets.demands.set_index("demand").final_backlog[demand])
        relaxed = current + amount
        sentence = f"{demand} ends the horizon with {_up(relaxed):,.2f} units in backlog, not at most {current:g}"
        return _row(
            "relaxation",
            "final backlog",
            dotted(path),
            _line(source, path),
            period,
            label.subject,
            current,
            relaxed,
            "units",
            _sentence(path, source, sentence),
        )
    demand, node = label.demand, label.node
    per_demand = isinstance(scenario.nodes[node].stock.final_min, dict)
    path = ("nodes", node, "stock", "final_min", demand) if per_demand else ("nodes", node, "stock", "final_min")
    current = float(sets.stocks.set_index(["demand", "node"]).final_min[(demand, node)])
    relaxed = current - amount
    sentence = f"{node} can end with {_down(relaxed):,.2f} units of {demand} in stock, not the {current:g} asked"
    return _row(
        "relaxation",
        "final stock",
        dotted(path),
        _line(source, path),
        period,
        label.subject,
        current,
        relaxed,
        "units",
        _sentence(path, source, sentence),
    )


def _sentence(path: tuple, source: SourceMap | None, text: str) -> str:
    line = _line(source, path)
    return f"{dotted(path)}" + (f" (line {line})" if line else "") + f": {text}."


# --- the irreducible infeasible set ------------------------------------------------------------------

IIS_UP_TO_ROWS = 2_000
"""The irreducible infeasible set is computed up to this many rows only: HiGHS's reduction took 51 s
at 8,000 rows and 338 s at 100k columns, and its quick set came back empty on larger models here."""


def _conflicts(
    model: LinearModel, form: StandardForm, scenario: Scenario, source: SourceMap | None, options: SolveOptions
) -> list[dict]:
    if form.num_row > IIS_UP_TO_ROWS:
        return []
    highs = _limited_highs(options)
    highs.setOptionValue("solver", "simplex")  # an interior-point infeasible solve cannot give an IIS
    highs.setOptionValue("iis_strategy", 4)
    highs.passModel(highs_lp(form))
    highs.run()
    status, iis = highs.getIis()
    if status != highspy.HighsStatus.kOk or not iis.valid_:
        return []
    where = {}
    for name, rows in _block_rows(model, form).items():
        for j, row in enumerate(rows):
            if row >= 0:
                where[row] = (name, j)
    found = []
    origins = dict(zip(model.sets.demands.demand, model.sets.demands.origin))
    for row in iis.row_index_:
        name, j = where.get(row, ("", -1))
        if j < 0:
            continue
        label = model.blocks[name].labels.iloc[j]
        field = _field_of_row(model, scenario, name, label, origins)
        path = tuple(int(p) if p.isdigit() else p for p in field.replace("[", ".").replace("]", "").split("."))
        line = _line(source, path) if field else None
        text = f"{name.replace('_', ' ')} for {label.subject} in {label.period}"
        found.append(
            _row(
                "conflict",
                name,
                field,
                line,
                label.period,
                label.subject,
                np.nan,
                np.nan,
                "",
                f"In the conflicting set: {text}" + (f" ({field}, line {line})" if line else "") + ".",
            )
        )
    staff_columns = form.column_at["s"]
    staff_at = dict(zip(staff_columns, zip(*np.nonzero(model.variables["s"].exists))))
    for column in iis.col_index_:
        if column in staff_at:
            i, t = staff_at[column]
            node, role = model.sets.staff.node.iloc[i], model.sets.staff.role.iloc[i]
            path = ("nodes", node, "staff", role)
            found.append(
                _row(
                    "conflict",
                    "staff bounds",
                    dotted(path),
                    _line(source, path),
                    model.sets.periods[t],
                    f"node={node} role={role}",
                    np.nan,
                    np.nan,
                    "FTE",
                    f"In the conflicting set: the staff bounds of {role} at {node} in "
                    f"{model.sets.periods[t]} ({'.'.join(path)}, line {_line(source, path)}).",
                )
            )
    return found


def _field_of_row(model: LinearModel, scenario: Scenario, name: str, label: pd.Series, origins: dict) -> str:
    """The scenario field a row's bound comes from, where there is one."""
    if name == "quality_target":
        return f"demands.{label.demand}.min_quality"
    if name == "response_time_target":
        return f"demands.{label.demand}.max_response_time"
    if name == "node_capacity_limit":
        return f"nodes.{label.node}.capacity"
    if name == "arc_capacity_limit":
        return f"arcs[{[a.key for a in scenario.arcs].index(label.arc)}].capacity"
    if name == "final_backlog":
        return f"demands.{label.demand}.final_backlog"
    if name == "final_stock":
        return f"nodes.{label.node}.stock.final_min"
    if name in ("pass_through", "work_balance") and label.node == origins[label.demand]:
        return f"demands.{label.demand}.volume"
    if name in ("labour_capacity", "overtime_limit", "staff_balance"):
        return f"nodes.{label.node}.staff.{label.role}"
    return ""
