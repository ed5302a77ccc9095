"""Why a scenario is infeasible, and the smallest relaxation that would make it feasible.

The built LP (model/lp) is made elastic: every row of a family the registry marks relaxable gets a
slack column, each staff maximum becomes a row with a slack, and every demand that must be met in
full may leave volume unserved (a slack that takes units off its volume column v). The slacks alone are minimised, each
measured relative to the figure it relaxes and weighted per family (`solver.relaxation_weights`),
so the answer is the smallest relaxation in business terms. Each non-zero slack is reported as the
scenario field it relaxes, its line in the YAML, and the value that would work.
Separately, HiGHS's IIS names a set of rows and bounds that cannot hold together.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import ArrayLike

from model.highs_options import new_highs
from model.highs_run import run_interruptibly
from model.lp import FAMILIES, LinearModel
from model.lp.families import BY_NAME
from model.lp.variables import VARIABLES
from model.rules import QUANTITIES, rule_sums
from model.scenario.loader import FieldPath, SourceMap, dotted
from model.scenario.schema import Scenario
from model.solve import Deadline, SolveOptions, as_highs_lp, highs_lp
from model.tables import column_names

COLUMNS = column_names("diagnosis")  # declared with types and units in model/tables.py
SLACK_TOLERANCE = 1e-7


@dataclass
class Slack:
    """One elastic column: what it relaxes and the figure its size is measured against."""

    family: str  # a constraint family, "staff_max", "pattern_max" or "demand"
    index: int  # row of the family's rows built, staff row, or demand row
    period: int
    scale: float  # the relaxation's size is slack / scale
    field: tuple  # the scenario field it relaxes: slacks of one field in several periods share one price
    weight: float
    sign: float = -1.0  # its coefficient in the row: -1 gives way on the upper bound, +1 on the lower


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
    model: LinearModel,
    scenario: Scenario,
    source: SourceMap | None = None,
    options: SolveOptions | None = None,
    deadline: Deadline | None = None,
) -> pd.DataFrame:
    """The diagnosis of an infeasible model: relaxations that make it feasible, then an IIS.

    A field that applies to every period (a capacity, a target, a staff maximum) is charged once, for
    its largest relaxation over the periods. With integer staff the elastic model keeps them whole,
    so a relaxation it reports is one whole-FTE staffing can meet. Each HiGHS call gets what is left
    of `deadline`; the IIS is skipped when it is spent (check `deadline.spent` after).
    """
    options = options or SolveOptions()
    timed = deadline.options if deadline is not None else (lambda given: given)
    elastic = _elastic(model, scenario)
    values, status = _solve_elastic(elastic, timed(options))
    conflicts: list[dict] | None = None
    if status == highspy.HighsModelStatus.kTimeLimit:
        rows = [_row("relaxation", "", "", None, "", "", np.nan, np.nan, "", TIMED_OUT)]
    elif status != highspy.HighsModelStatus.kOptimal:
        if deadline is None or not deadline.spent:
            conflicts = _conflicts(model, scenario, source, timed(options))
        rows = [_row("relaxation", "", "", None, "", "", np.nan, np.nan, "", _no_relaxation(conflicts or []))]
    else:
        rows = _relaxations(model, scenario, source, elastic, values)
    if conflicts is None and (deadline is None or not deadline.spent):
        conflicts = _conflicts(model, scenario, source, timed(options))
    return pd.DataFrame(rows + (conflicts or []), columns=COLUMNS).astype({"line": "Int64"})


NO_RELAXATION = (
    "No relaxation of targets, capacities, staff maxima, served volume or end-of-horizon conditions makes "
    "this scenario feasible"
)


def _no_relaxation(conflicts: list[dict]) -> str:
    """The first line when no relaxation works: the fields of the conflicting set that the diagnosis
    never relaxes (a site's min_volume, a staff minimum, the rework volume's quality, ...), each once
    with its line; else where to look."""
    never: dict[str, int | None] = {}
    for row in conflicts:
        family, field = row["family"], row["field"]
        relaxed = family in ("volume",) or (family in BY_NAME and BY_NAME[family].relax is not None)
        if field and not relaxed and not field.endswith(".volume"):
            never.setdefault(field, None if pd.isna(row["line"]) else int(row["line"]))
    if not never:
        return f"{NO_RELAXATION}: check staff minima and initial figures."
    named = [field + (f" (line {line})" if line is not None else "") for field, line in never.items()]
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    verb = "is" if len(named) == 1 else "are"
    return f"{NO_RELAXATION}: the conflict holds {listed}, which {verb} never relaxed."


TIMED_OUT = (
    "The time limit ran out before the diagnosis found a relaxation that makes this scenario feasible: "
    "give it more time (--time-limit, solver.time_limit) to see one."
)


# --- the elastic LP ----------------------------------------------------------------------------------


def _elastic(model: LinearModel, scenario: Scenario) -> Elastic:
    weights = scenario.solver.relaxation_weights.model_dump()
    sets, numbers = model.sets, model.numbers
    period_of = {p: t for t, p in enumerate(sets.periods)}
    m, n = model.num_row, model.num_col
    entries: list[tuple[np.ndarray, int, np.ndarray]] = []  # (rows, slack column, coefficients)
    slacks: list[Slack] = []

    def add_slack(slack: Slack, rows: ArrayLike, coefficients: ArrayLike) -> None:
        entries.append((np.asarray(rows, dtype=np.int64), len(slacks), np.asarray(coefficients, dtype=float)))
        slacks.append(slack)

    # Every row of a relaxable family (model.lp.families: `relax`) gets a slack on its bound.
    for family in FAMILIES:
        if family.relax is None or not len(model.blocks[family.name]):
            continue
        linked = _linked_rows(model, family.name)
        labels = model.labels(family.name)
        scale = family.relax.measure(sets, labels)
        floor = 1.0 if "capacity" in family.name else 1e-9
        signs = _slack_signs(model, family.name, family.relax.bound)
        for j, (row, label) in enumerate(zip(model.blocks[family.name].at, labels.itertuples(index=False))):
            field = (family.name, *(getattr(label, key) for key in family.keys))
            for sign in signs[j]:
                add_slack(
                    Slack(
                        family.name,
                        j,
                        period_of[label.period],
                        max(float(scale[j]), floor),
                        field,
                        weights[family.relax.weight],
                        sign,
                    ),
                    [row, *linked.get((label.period, *field[1:]), [])],
                    [sign, *([sign] if (label.period, *field[1:]) in linked else [])],
                )

    # Staff maxima (FTE, and heads on a shift pattern, weighted as staff_max): each bound becomes a
    # row s - slack <= max.
    col_upper = numbers.col_upper.copy()
    staff_rows = []
    for variable, name in (("s", "staff_max"), ("e", "pattern_max")):
        staff = model.columns[variable]
        for i, t in zip(*np.nonzero(staff >= 0)):
            j = staff[i, t]
            if not np.isfinite(col_upper[j]):
                continue
            staff_rows.append((j, col_upper[j]))
            col_upper[j] = np.inf
            add_slack(
                Slack(name, int(i), int(t), max(staff_rows[-1][1], 1.0), (name, int(i)), weights["staff_max"]),
                [m + len(staff_rows) - 1],
                [-1.0],
            )

    # Unserved volume: a slack that takes units off v[d,t] (the column fixed at the volume) in every
    # row v enters, for demands that must be met in full.
    volume, matrix = model.columns["v"], model.matrix
    for d, unmet in enumerate(sets.demands.unmet.to_numpy(dtype=bool)):
        if unmet:
            continue
        for t in range(sets.period_count):
            j = volume[d, t]
            rows = matrix.indices[matrix.indptr[j] : matrix.indptr[j + 1]]
            coefficients = -matrix.data[matrix.indptr[j] : matrix.indptr[j + 1]]
            add_slack(
                Slack("demand", d, t, max(float(sets.volumes[d, t]), 1.0), ("demand", d, t), weights["demand"]),
                rows,
                coefficients,
            )

    # Columns: the model's n, then k slacks, then one z per field (cost: its weight). Rows: the
    # model's m, the staff maxima turned into rows, then one link per slack: slack / scale - z_field <= 0.
    k, s_rows = len(slacks), len(staff_rows)
    field_of = {f: i for i, f in enumerate(dict.fromkeys(slack.field for slack in slacks))}
    g = len(field_of)
    rows_ = np.concatenate([r for r, _, _ in entries]) if entries else np.zeros(0, dtype=np.int64)
    cols_ = np.concatenate([np.full(len(r), c) for r, c, _ in entries]) if entries else np.zeros(0, dtype=np.int64)
    vals_ = np.concatenate([v for _, _, v in entries]) if entries else np.zeros(0)
    slack_block = sp.csc_matrix((vals_, (rows_, cols_)), shape=(m + s_rows, k))
    staff_block = sp.csc_matrix(([1.0] * s_rows, (range(s_rows), [j for j, _ in staff_rows])), shape=(s_rows, n))
    links = sp.hstack(
        [
            sp.csc_matrix((k, n)),
            sp.diags([1.0 / slack.scale for slack in slacks]),
            sp.csc_matrix(([-1.0] * k, (range(k), [field_of[slack.field] for slack in slacks])), shape=(k, g)),
        ]
    )
    model_rows = sp.hstack([sp.vstack([model.matrix, staff_block]), slack_block, sp.csc_matrix((m + s_rows, g))])
    field_weight = {slack.field: slack.weight for slack in slacks}
    return Elastic(
        matrix=sp.vstack([model_rows, links]).tocsc(),
        cost=np.concatenate([np.zeros(n + k), [field_weight[f] for f in field_of]]),
        col_lower=np.concatenate([numbers.col_lower, np.zeros(k + g)]),
        col_upper=np.concatenate([col_upper, np.full(k + g, np.inf)]),
        row_lower=np.concatenate([numbers.row_lower, np.full(s_rows + k, -np.inf)]),
        row_upper=np.concatenate([numbers.row_upper, [upper for _, upper in staff_rows], np.zeros(k)]),
        slacks=slacks,
        integer=np.concatenate([model.integer, np.zeros(k + g, dtype=bool)]),
    )


def _slack_signs(model: LinearModel, family: str, bound: str) -> list[tuple[float, ...]]:
    """Per row built of the family, the slacks' coefficients: -1 lets the upper bound give way, +1
    the lower; a business rule's by its sense (both for "==")."""
    rows = len(model.blocks[family])
    if bound != "sense":
        return [(-1.0,) if bound == "upper" else (1.0,)] * rows
    senses = dict(zip(model.sets.rules["rule"], model.sets.rules["sense"]))
    by_sense = {"<=": (-1.0,), ">=": (1.0,), "==": (-1.0, 1.0)}
    return [by_sense[senses[rule]] for rule in model.labels(family)["rule"]]


def _limited_highs(options: SolveOptions) -> highspy.Highs:
    highs = new_highs()
    if options.time_limit is not None:
        highs.setOptionValue("time_limit", float(options.time_limit))
    if options.threads is not None:
        highs.setOptionValue("threads", int(options.threads))
    return highs


LINKED = {"node_capacity_limit": "site_closed"}
"""Rows a relaxation also relaxes: more capacity at a site relaxes its closing row too, whose M is
the capacity (docs/model.md, Sites), by the same slack."""


def _linked_rows(model: LinearModel, name: str) -> dict[tuple, list[int]]:
    """The rows of the family LINKED to `name`, by (period, keys...): one slack relaxes both."""
    other = LINKED.get(name)
    if other is None or other not in model.blocks or not len(model.blocks[other]):
        return {}
    labels, keys = model.labels(other), BY_NAME[other].keys
    return {
        (label.period, *(getattr(label, key) for key in keys)): [int(row)]
        for row, label in zip(model.blocks[other].at, labels.itertuples(index=False))
    }


def _solve_elastic(elastic: Elastic, options: SolveOptions) -> tuple[np.ndarray, object]:
    highs = _limited_highs(options)
    highs.passModel(
        as_highs_lp(
            elastic.matrix,
            elastic.cost,
            elastic.col_lower,
            elastic.col_upper,
            elastic.row_lower,
            elastic.row_upper,
            elastic.integer,
        )
    )
    run_interruptibly(highs)
    status = highs.getModelStatus()
    found = status == highspy.HighsModelStatus.kOptimal or (
        status == highspy.HighsModelStatus.kTimeLimit and highs.getInfo().primal_solution_status == 2
    )
    values = np.asarray(highs.getSolution().col_value) if found else np.zeros(0)
    status = highspy.HighsModelStatus.kOptimal if found else status
    return values, status


# --- reporting ---------------------------------------------------------------------------------------


def _row(
    kind: str,
    family: str,
    field: str,
    line: int | None,
    period: str,
    subject: str,
    current: float,
    relaxed_to: float,
    unit: str,
    sentence: str,
) -> dict:
    return dict(zip(COLUMNS, (kind, family, field, line, period, subject, current, relaxed_to, unit, sentence)))


def _relaxations(
    model: LinearModel, scenario: Scenario, source: SourceMap | None, elastic: Elastic, values: np.ndarray
) -> list[dict]:
    n = model.num_col
    served = _served(model, elastic, values)
    of_sums = rule_sums(model.sets, {v.name: model.read(v.name, values[:n], absent=0.0) for v in VARIABLES})[1]
    found = []
    for slack, amount in zip(elastic.slacks, values[n : n + len(elastic.slacks)]):
        if amount > SLACK_TOLERANCE * max(1.0, slack.scale):
            row = _describe(model, scenario, source, slack, float(amount), served, of_sums)
            found.append((-slack.weight * amount / slack.scale, row))  # the largest relaxations first
    return [row for _, row in sorted(found, key=lambda item: item[0])]


def _served(model: LinearModel, elastic: Elastic, values: np.ndarray) -> np.ndarray:
    """Volume served per demand and period in the elastic solution (volume less backlog, unmet, unserved)."""
    backlog, unmet = (model.read(name, values, absent=0.0) for name in ("b", "u"))
    served = model.sets.volumes.astype(float) - backlog - unmet
    served[:, 1:] += backlog[:, :-1]  # backlog carried in from the period before
    for slack, amount in zip(elastic.slacks, values[model.num_col : model.num_col + len(elastic.slacks)]):
        if slack.family == "demand":
            served[slack.index, slack.period] -= amount
    return served


def _up(value: float, digits: int = 2) -> float:
    """Rounded outward (up), so that the printed figure, applied as printed, still works."""
    return math.ceil(value * 10**digits - 1e-9) / 10**digits


def _down(value: float, digits: int = 2) -> float:
    return math.floor(value * 10**digits + 1e-9) / 10**digits


def _line(source: SourceMap | None, path: tuple) -> int | None:
    """The field's line in the scenario file; None when an override wrote its value (the sentence
    says which), as a line of the base file would point at a value that was not solved."""
    return _where(source, path)[0]


def _where(source: SourceMap | None, path: tuple) -> tuple[int | None, str]:
    """Where the field's value was written, as SourceMap.written_at says it: (38, 'line 38'), or
    (None, '--set') for a value from the command line; (None, '') when not known."""
    return source.written_at(path) if source is not None else (None, "")


def _describe(
    model: LinearModel,
    scenario: Scenario,
    source: SourceMap | None,
    slack: Slack,
    amount: float,
    served: np.ndarray,
    of_sums: np.ndarray | None = None,
) -> dict:
    sets = model.sets
    period = sets.periods[slack.period]
    time_unit = {"minute": "min", "hour": "h", "day": "days", "week": "weeks"}[scenario.scenario.time_unit]
    path: FieldPath
    if slack.family == "staff_max":
        node, role = sets.staff.node.iloc[slack.index], sets.staff.role.iloc[slack.index]
        path = ("nodes", node, "staff", role, "max")
        current = float(sets.staff["max"].iloc[slack.index])
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
    if slack.family == "pattern_max":
        node, role, pattern = (sets.patterns[key].iloc[slack.index] for key in ("node", "role", "pattern"))
        path = ("nodes", node, "work", role, "shifts", pattern, "max")
        current = float(sets.patterns["max"].iloc[slack.index])
        relaxed = current + amount
        sentence = (
            f"{node} needs {_up(relaxed):,.2f} {role} heads on shift {pattern} in {period}, more than its "
            f"maximum of {current:g}"
        )
        return _row(
            "relaxation",
            "shift maximum",
            dotted(path),
            _line(source, path),
            period,
            f"node={node} role={role} pattern={pattern}",
            current,
            relaxed,
            "heads",
            _sentence(path, source, sentence),
        )
    if slack.family == "demand":
        demand = sets.demands.demand.iloc[slack.index]
        listed = isinstance(scenario.demands[demand].volume, list)
        path = ("demands", demand, "volume", slack.period) if listed else ("demands", demand, "volume")
        volume = float(sets.volumes[slack.index, slack.period])
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
    label = model.labels(slack.family).iloc[slack.index]
    if slack.family == "business_rule":
        return _describe_rule(scenario, source, slack, label, amount, of_sums, period)
    return _describe_row(model, scenario, source, slack, label, amount, served, period, time_unit)


def _describe_row(
    model: LinearModel,
    scenario: Scenario,
    source: SourceMap | None,
    slack: Slack,
    label: pd.Series,
    amount: float,
    served: np.ndarray,
    period: str,
    time_unit: str,
) -> dict:
    sets = model.sets
    family = slack.family
    path: FieldPath
    if family in ("quality_target", "response_time_target"):
        demand = label.demand
        d = sets.demands.demand.tolist().index(demand)
        volume_served = max(served[d, slack.period], 1e-12)
        if family == "quality_target":
            path, current = ("demands", demand, "min_quality"), _figure(sets.demands, "demand", demand, "min_quality")
            relaxed = current - amount / volume_served
            sentence = (
                f"{demand} can reach {_down(relaxed * 100):.2f}% quality in {period}, not the {current:.2%} asked"
            )
            unit = "share done right"
        else:
            path = ("demands", demand, "max_mean_response_time")
            current = _figure(sets.demands, "demand", demand, "max_mean_response_time")
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
    if family in ("node_capacity_limit", "arc_capacity_limit", "site_level_capacity"):
        if family == "node_capacity_limit":
            path, what = ("nodes", label.node, "capacity"), label.node
            current = _figure(sets.nodes, "node", label.node, "capacity")
        elif family == "arc_capacity_limit":
            index = [a.key for a in scenario.arcs].index(label.arc)
            path, what = ("arcs", index, "capacity"), f"arc {label.arc}"
            current = _figure(sets.arcs, "arc", label.arc, "capacity")
        else:
            path, what = ("nodes", label.node, "capacity_levels"), label.node
            current = _figure(sets.sites, "node", label.node, "big_m")  # the largest level
        relaxed = current + amount
        sentence = (
            f"{what} needs a capacity level of {_up(relaxed):,.2f} units in {period}, more than its "
            f"largest, {current:g}"
            if family == "site_level_capacity"
            else f"{what} needs a capacity of {_up(relaxed):,.2f} units in {period}, not {current:g}"
        )
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
    stock = scenario.nodes[node].stock
    assert stock is not None  # a final_stock row is at a node that keeps stock
    per_demand = isinstance(stock.final_min, dict)
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


def _describe_rule(
    scenario: Scenario,
    source: SourceMap | None,
    slack: Slack,
    label: pd.Series,
    amount: float,
    of_sums: np.ndarray | None,
    period: str,
) -> dict:
    """A business rule that cannot hold as written: the number that would work. Its row is
    sum - share x of (sense) bound; a slack with coefficient -sign moves the bound by -sign x amount,
    or, for a share, the share by -sign x amount / the `of` sum at the elastic solution."""
    name = str(label.rule)
    rule = scenario.rules[name]
    field_name, current = rule.comparison
    path: FieldPath = ("rules", name, field_name)
    grows = slack.sign < 0  # the number must go up
    # The side the plan can reach, not the rule's own sense: an `at_least` rule that cannot hold has a
    # sum that can be at most so much; an `at_most` one, a sum that must be at least so much; `equal`
    # either, by the side its slack moves.
    wording = "must be at least" if grows else "can be at most"
    what = f"rule {name}" + (f" ({rule.about})" if rule.about else "")
    unit = QUANTITIES[rule.sum].unit.replace("currency", scenario.currency)
    if rule.of is not None:
        rule_at = list(scenario.rules).index(name)
        of_sum = float(of_sums[rule_at, slack.period]) if of_sums is not None else float("nan")
        relaxed = current + (amount if grows else -amount) / of_sum if of_sum > 0 else float("nan")
        shown = _up(relaxed * 100) if grows else _down(relaxed * 100)
        sentence = (
            f"{what} cannot hold in {period}: its {rule.sum} {wording} {shown:.2f}% of its {rule.of.sum} "
            f"sum, not the {current:.2%} asked"
        )
        unit = "share"
    else:
        relaxed = current + amount if grows else current - amount
        shown = _up(relaxed) if grows else _down(relaxed)
        sentence = (
            f"{what} cannot hold in {period}: its {rule.sum} {wording} {shown:,.2f} {unit}, "
            f"not the {current:,.2f} asked"
        )
    return _row(
        "relaxation",
        "business rule",
        dotted(path),
        _line(source, path),
        period,
        label.subject,
        current,
        relaxed,
        unit,
        _sentence(path, source, sentence),
    )


def _figure(table: pd.DataFrame, key: str, name: str, column: str) -> float:
    return float(table[column].to_numpy()[table[key].to_numpy() == name][0])


def _sentence(path: tuple, source: SourceMap | None, text: str) -> str:
    place = _where(source, path)[1]
    return f"{dotted(path)}" + (f" ({place})" if place else "") + f": {text}."


# --- the irreducible infeasible set ------------------------------------------------------------------

IIS_UP_TO_ROWS = 2_000
"""The irreducible infeasible set is computed up to this many rows only: HiGHS's reduction took 51 s
at 8,000 rows and 338 s at 100k columns, and its quick set came back empty on larger models here."""


def _conflicts(model: LinearModel, scenario: Scenario, source: SourceMap | None, options: SolveOptions) -> list[dict]:
    """HiGHS's irreducible infeasible set, its rows and bounds named as scenario fields."""
    if model.num_row > IIS_UP_TO_ROWS:
        return []
    highs = _limited_highs(options)
    highs.setOptionValue("solver", "simplex")  # an interior-point infeasible solve cannot give an IIS
    highs.setOptionValue("iis_strategy", 4)
    highs.passModel(highs_lp(model))
    run_interruptibly(highs)
    status, iis = highs.getIis()
    if status != highspy.HighsStatus.kOk or not iis.valid_:
        return []
    where = {int(row): (name, j) for name, block in model.blocks.items() for j, row in enumerate(block.at)}
    found = []
    for row in iis.row_index_:
        name, j = where.get(int(row), ("", -1))
        if j < 0:
            continue
        label = model.labels(name).iloc[j]
        field = field_of_row(model, scenario, name, label)
        found.append(
            _conflict(
                name,
                field,
                _path_where(source, field),
                label.period,
                label.subject,
                f"{name.replace('_', ' ')} for {label.subject} in {label.period}",
                "",
            )
        )
    columns = {
        name: dict(zip(grid[grid >= 0].tolist(), zip(*np.nonzero(grid >= 0))))
        for name, grid in model.columns.items()
        if name in ("s", "v")
    }
    for column in iis.col_index_:
        if column in columns["s"]:
            i, t = columns["s"][column]
            node, role = model.sets.staff.node.iloc[i], model.sets.staff.role.iloc[i]
            field = f"nodes.{node}.staff.{role}"
            found.append(
                _conflict(
                    "staff bounds",
                    field,
                    _path_where(source, field),
                    model.sets.periods[t],
                    f"node={node} role={role}",
                    f"the staff bounds of {role} at {node} in {model.sets.periods[t]}",
                    "FTE",
                )
            )
        elif column in columns["v"]:
            d, t = columns["v"][column]
            demand = model.sets.demands.demand.iloc[d]
            field = f"demands.{demand}.volume"
            found.append(
                _conflict(
                    "volume",
                    field,
                    _path_where(source, field),
                    model.sets.periods[t],
                    f"demand={demand}",
                    f"the volume of {demand} in {model.sets.periods[t]}",
                    "units",
                )
            )
    return found


def _conflict(
    family: str, field: str, place: tuple[int | None, str], period: str, subject: str, text: str, unit: str
) -> dict:
    """A row of the conflicting set; `place` is where its field's value was written (_where)."""
    return _row(
        "conflict",
        family,
        field,
        place[0],
        period,
        subject,
        np.nan,
        np.nan,
        unit,
        f"In the conflicting set: {text}" + (f" ({field}, {place[1]})" if place[1] else "") + ".",
    )


def _path_where(source: SourceMap | None, field: str) -> tuple[int | None, str]:
    """_where for a field given as text (`demands.repairs.volume`, `arcs[2].cost`)."""
    if not field:
        return None, ""
    path = tuple(int(p) if p.isdigit() else p for p in field.replace("[", ".").replace("]", "").split("."))
    return _where(source, path)


def field_of_row(model: LinearModel, scenario: Scenario, name: str, label: pd.Series) -> str:
    """The scenario field a row's bound comes from, where there is one (the family's `field`, with
    the row's keys; the origin's balances hold the demand's volume)."""
    family = BY_NAME[name]
    if name in ("pass_through", "work_balance"):
        origin = model.sets.demands.origin.to_numpy()[model.sets.demands.demand.to_numpy() == label.demand][0]
        return f"demands.{label.demand}.volume" if label.node == origin else ""
    if family.field is None:
        return ""
    keys = {key: getattr(label, key) for key in family.keys}
    if "arc" in keys:
        keys["arc_index"] = [a.key for a in scenario.arcs].index(label.arc)
    return family.field.format(**keys)
