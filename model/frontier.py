"""Trade-off curves: total cost against a quality or response-time target, with the price of each step.

A frontier re-solves one scenario with one target set, in turn, to each value of a series, for some
demands or for all of them (the whole-chain variant: every demand gets the same target), and reports
per point the total cost and the marginal cost of the target. The marginal cost comes from the duals
of the target's rows (one per period and demand) and is cross-checked against the finite-difference
slopes to the neighbouring points. Where the target moves only right-hand sides (no backlog or unmet
units of the varied demands: see COLUMNS), the optimal cost is a convex, piecewise-linear function
of the target, so

- where a neighbour lies inside the range over which the point's optimal basis holds, the cost is
  linear between them and the slope to it equals the marginal cost;
- elsewhere (a kink between them) the marginal cost lies between the two one-sided slopes.

Sign conventions (docs/model.md, "Trade-off curves"): for `min_quality`, the marginal cost and the
slopes are the cost of raising the target by one percentage point; for `max_mean_response_time`, the cost
of tightening it (lowering it) by one time unit. Both are >= 0 for a binding target.

Infeasible points are kept, with their status and NaN costs; the series goes on.

The points are solved on one Pyomo model whose target parameters are set for each point, warm-started
from the previous optimal basis (model.resolver.Resolver with `follow=True`).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal, TypeGuard, get_args

import numpy as np
import pandas as pd

from model.errors import E2EError
from model.lp import LinearModel
from model.network import IndexSets
from model.resolver import Resolver, Solved
from model.runs import (
    COLUMNS_FILE,
    json_default,
    move_into_place,
    new_run_folder_name,
    package_version,
    package_versions,
    sha256,
    write_table,
)
from model.scenario.loader import closest
from model.scenario.schema import CURRENT_NAMES, Scenario
from model.solution import units_served
from model.solve import Solution, SolveOptions, Solver
from model.staging import staging_folder
from model.table_io import write_csv
from model.tables import TABLES, column_names, conform, dictionary, table_units

Target = Literal["min_quality", "max_mean_response_time"]
FIELDS: tuple[str, ...] = get_args(Target)

STEP = {"min_quality": 0.01, "max_mean_response_time": 1.0}
"""The unit the marginal cost is quoted per, in the field's own terms: one percentage point of a
quality share, one time unit of response time (as `unit_step` in the sensitivity table)."""

ORIENTATION = {"min_quality": 1.0, "max_mean_response_time": -1.0}
"""Business direction against the field's direction: raising quality (+), tightening response time (-).
A marginal cost m in business terms is ORIENTATION * STEP * d(cost)/d(field)."""

DOMAIN = {"min_quality": (0.0, 1.0), "max_mean_response_time": (0.0, math.inf)}
"""Values the field can take: a basis range is cut to these."""

MAX_POINTS = 1000
"""A longer series is almost surely a typo in the step (0.0001 for 0.01)."""

SLOPE_TOLERANCE = 1e-6
"""Relative tolerance of the dual-against-slope check, applied to the cost (the solver's optimality
tolerances are about 1e-7 of it) and to the marginal cost itself."""

ROUND_OFF = 1e-9
"""A cost change smaller than this, relative to the cost, is round-off: its slope is reported as 0."""

UNITS_ZERO = 1e-6
"""Backlog or unmet units below this are none."""

RANGE_TOLERANCE = 1e-7
"""A neighbour this close (relative) to an end of a basis range counts as inside it."""

COLUMNS = column_names("frontier.min_quality")  # declared once per field in model/tables.py, alike
"""`dual_check`: `equal` (a neighbour lies inside the basis range and its slope equals the marginal
cost; any other neighbour's slope bounds it), `between` (no neighbour inside the range; the marginal
cost lies between the one-sided slopes), `backlog/unmet` (no test applies: see below), `queues` (no test applies:
see below), `no neighbours`, `mismatch`; empty for a point without an optimum. `dual_consistent` is True for `equal`
and `between`, False for `mismatch`, empty otherwise.

`backlog`, `unmet`: units of the varied demands carried to a later period and not served, summed
over the periods. The target scales those units too ((1 - Q) served, T served, with served = volume
+ backlog in - backlog out - unmet), so where a point or its neighbour has any, the cost need not be
a convex function of the target between them (a demand dropped as unmet below some response time
makes the cost jump), and a slope to that neighbour is not compared.

`queues` (the check's value): the scenario has queues. Each point is the last LP of its tangent
iterations, whose cost need not be convex in the target (the queues' staffing is concave in their
loads), and whose basis range is that LP's, not the point's: no slope is compared and the range is
left empty; the marginal cost is that of the last LP, exact to first order at the point."""


class FrontierError(E2EError, ValueError):
    """A frontier that cannot be drawn as asked (bad input, raised before anything is solved): a field
    that is no target, a demand that is unknown or lacks the target, a value out of range, a bad
    `--vary`. Its message says what is wrong and what is allowed. A `ValueError` too."""


PER_STEP = {"min_quality": "{currency} per percentage point", "max_mean_response_time": "{currency} per {time_unit}"}
"""The marginal cost's unit without its meaning (the plot's axis); the table's units are declared in
model/tables.py (`frontier.<field>`)."""


def declared(field: str) -> str:
    """The name the frontier's table is declared under when `field` is varied (model/tables.py)."""
    return f"frontier.{field}"


UNITS: dict[str, dict[str, str]] = {
    field: {column.name: column.unit for column in TABLES[declared(field)].columns if column.unit} for field in FIELDS
}
"""Column units per varied field, from the declaration; `frontier_units` fills in the scenario's
currency and time unit."""


def frontier_units(field: str, currency: str, time_unit: str) -> dict[str, str]:
    return table_units(declared(field), currency, time_unit)


# --- the --vary grammar ----------------------------------------------------------------------------


def parse_vary(spec: str) -> tuple[Target, list[float]]:
    """`field=start:stop:step` (stop included when the steps reach it) or `field=v1,v2,...`.

    Decimal arithmetic, so `min_quality=0.90:0.99:0.01` is exactly 0.90, 0.91, ..., 0.99 (ten points),
    not ten-ish floats that miss the stop by round-off. Raises FrontierError saying what is wrong.
    """
    field, sep, values = (part.strip() for part in spec.partition("="))
    if not sep or not values:
        raise FrontierError(
            f"--vary {spec!r}: expected FIELD=START:STOP:STEP or FIELD=V1,V2,... (e.g. min_quality=0.90:0.99:0.01)"
        )
    field = CURRENT_NAMES.get(field, field)  # a field's former name read as its current one
    if not _is_target(field):
        raise FrontierError(f"--vary {spec!r}: cannot vary {field!r}. {closest(field, FIELDS)}")
    numbers = _range(spec, values) if ":" in values else [_decimal(spec, v) for v in values.split(",")]
    if len(numbers) > MAX_POINTS:
        raise FrontierError(f"--vary {spec!r}: {len(numbers):,} points; at most {MAX_POINTS:,}")
    return field, [float(n) for n in numbers]


def _is_target(field: str) -> TypeGuard[Target]:
    return field in FIELDS


def _decimal(spec: str, text: str) -> Decimal:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        raise FrontierError(f"--vary {spec!r}: {text.strip()!r} is not a number") from None
    if not number.is_finite():
        raise FrontierError(f"--vary {spec!r}: {text.strip()!r} is not a finite number")
    return number


def _range(spec: str, text: str) -> list[Decimal]:
    parts = text.split(":")
    if len(parts) != 3:
        raise FrontierError(f"--vary {spec!r}: a range is START:STOP:STEP, e.g. 0.90:0.99:0.01")
    start, stop, step = (_decimal(spec, p) for p in parts)
    if step == 0 or (stop - start) * step < 0:
        raise FrontierError(f"--vary {spec!r}: the step {step} does not lead from {start} to {stop}")
    count = int((stop - start) / step) + 1
    if count > MAX_POINTS:
        raise FrontierError(f"--vary {spec!r}: {count:,} points; at most {MAX_POINTS:,}")
    return [start + i * step for i in range(count)]


# --- inputs ----------------------------------------------------------------------------------------


def varied_demands(scenario: Scenario, field: str, demands: Sequence[str] | None) -> list[str]:
    """The demands whose `field` the frontier sets: all of them for None (the whole-chain variant,
    which adds the target where a demand has none); otherwise each must exist and already have the
    target (adding one to a single demand is a different question from moving it). FrontierError else."""
    if field not in FIELDS:
        raise FrontierError(f"cannot vary {field!r}. {closest(field, FIELDS)}")
    if demands is None:
        return list(scenario.demands)
    if not demands:
        raise FrontierError("no demand given: name one or more, or vary every demand (the whole-chain variant)")
    problems = []
    for name in dict.fromkeys(demands):
        if name not in scenario.demands:
            problems.append(f"unknown demand {name!r}. {closest(name, scenario.demands)}")
        elif getattr(scenario.demands[name], field) is None:
            having = [d for d, spec in scenario.demands.items() if getattr(spec, field) is not None]
            problems.append(
                f"demand {name!r} has no {field} target to vary (demands with one: "
                f"{', '.join(having) or 'none'}); vary every demand to set it on all"
            )
    if problems:
        raise FrontierError("; ".join(problems))
    return list(dict.fromkeys(demands))


def check_values(field: str, values: Sequence[float]) -> list[float]:
    """Sorted distinct values, each one the field may hold (quality in (0, 1], response time > 0)."""
    if not len(values):
        raise FrontierError("no target values to solve for")
    bad = [v for v in values if not math.isfinite(v) or v <= 0 or (field == "min_quality" and v > 1)]
    if bad:
        allowed = "a share in (0, 1]" if field == "min_quality" else "a time > 0"
        raise FrontierError(f"{field} must be {allowed}; not {', '.join(f'{v:g}' for v in bad)}")
    return sorted(set(float(v) for v in values))


def variant(scenario: Scenario, field: str, demands: Sequence[str], value: float) -> Scenario:
    """The scenario with `field` of each of `demands` set to `value`, nothing else changed."""
    data = scenario.model_dump(by_alias=True, exclude_none=True)
    for name in demands:
        data["demands"][name][field] = value
    return Scenario.model_validate(data)


# --- one point -------------------------------------------------------------------------------------

FAMILY = {"min_quality": "quality_target", "max_mean_response_time": "response_time_target"}


def marginal_cost(
    model: LinearModel, solution: Solution, kpis: pd.DataFrame, field: str, demands: Sequence[str]
) -> float:
    """Cost of one step of the target in business terms (ORIENTATION x STEP x d cost / d field), from
    the duals of the varied demands' target rows in every period.

    The target multiplies the units served in its row (model.md rows 6 and 7: (1 - Q) served,
    T served), so d cost / d field = sum over rows of dual x d(row bound) / d field, which is
    -dual x served for quality and dual x served for response time. (Served, not the volume V alone:
    with backlog or unmet units the target also scales those terms.) `kpis`: the point's demand_kpis.
    NaN without duals (a MILP).
    """
    rows = _target_rows(model, solution, kpis, field, demands)
    if rows is None:
        return 0.0  # no row of these demands: the target binds nothing
    dual, served = rows
    if np.isnan(dual).any():
        return math.nan
    sign = -1.0 if field == "min_quality" else 1.0
    return ORIENTATION[field] * STEP[field] * float((sign * dual * served).sum()) + 0.0


def _target_rows(
    model: LinearModel, solution: Solution, kpis: pd.DataFrame, field: str, demands: Sequence[str]
) -> tuple[np.ndarray, np.ndarray] | None:
    """Duals and units served of the varied demands' target rows, or None when there are none."""
    block = FAMILY[field]
    if block not in solution.rows:
        return None
    labels = model.labels(block)  # aligned with solution.rows[block]
    select = labels.demand.isin(list(demands)).to_numpy()
    if not select.any():
        return None
    served = kpis.set_index(["demand", "period"]).served
    keys = pd.MultiIndex.from_arrays([labels.demand[select], labels.period[select]])
    return solution.rows[block].dual[select], served.reindex(keys).to_numpy(dtype=float)


def basis_range(
    solver: Solver, model: LinearModel, solution: Solution, field: str, demands: Sequence[str], value: float
) -> tuple[float, float]:
    """The target values over which the point's optimal basis stays optimal when the target moves in
    every period and for every varied demand at once: the ratio test of parametric right-hand-side
    analysis on the basis `solver` holds (`Solver.bounds_range`), each row's bound moving by
    d(bound) / d(field): -S for quality ((1 - Q) S), S for response time (T S), S the units served at
    this point (the volume when none are carried or unmet; sensitivity.py prices targets alike).

    The range is over the right-hand side, S held: exact when the demands' backlog and unmet units
    (whose coefficients the target scales as well) are not in the basis, first order otherwise. A
    varied demand whose target row was left out (model/network.py: no plan could bind it) caps the
    range where it could start to bind. NaN without a basis (a MILP).
    """
    block = FAMILY[field]
    if not solution.ranging:
        return math.nan, math.nan  # no basis
    labels = model.labels(block)
    sets = model.sets
    served = units_served(sets.volumes, solution.values)[
        pd.Index(sets.demands.demand).get_indexer(labels.demand), pd.Index(sets.periods).get_indexer(labels.period)
    ]
    moving = labels.demand.isin(list(demands)).to_numpy() & (served > 0)
    low, high = -np.inf, np.inf
    if moving.any():
        direction = np.zeros(model.num_row)
        sign = -1.0 if field == "min_quality" else 1.0
        direction[model.blocks[block].at[moving]] = sign * served[moving]
        low, high = solver.bounds_range(direction)
    low, high = _cap_at_rows_left_out(sets, field, demands, value + low, value + high)
    return _clip(low, value, DOMAIN[field][0]), _clip(high, value, DOMAIN[field][1], upper=True)


def _cap_at_rows_left_out(
    sets: IndexSets, field: str, demands: Sequence[str], low: float, high: float
) -> tuple[float, float]:
    """The range cut where a varied demand's target row, left out at this point, could start to bind:
    quality above 1 - its worst path's defects, response time below its slowest path."""
    table = sets.demands
    varied = table.demand.isin(list(demands)).to_numpy()
    if field == "min_quality":
        left_out = varied & table.min_quality.notna().to_numpy() & ~table.quality_row.to_numpy(dtype=bool)
        caps = 1.0 - table.worst_path_defects.to_numpy(dtype=float)[left_out]
        return low, float(np.min(caps, initial=high))
    left_out = varied & table.max_mean_response_time.notna().to_numpy() & ~table.response_row.to_numpy(dtype=bool)
    return float(np.max(table.slowest_path.to_numpy(dtype=float)[left_out], initial=low)), high


def _clip(end: float, value: float, bound: float, upper: bool = False) -> float:
    """A range end inside the field's domain, with round-off of the ratio test snapped to the value."""
    if math.isnan(end):
        return end
    if abs(end - value) <= 1e-9 * (1 + abs(value)):
        end = value
    return min(end, bound) if upper else max(end, bound)


def _solve_series(
    variants: Sequence[Scenario],
    options: SolveOptions | None,
    integer_staff: bool | None,
    on_point: Callable[[int, int], None] | None = None,
) -> Iterator[Solved]:
    """Each point warm-started from the one before, keeping its model and solution: the basis range
    needs them (the basis statuses come with HiGHS's ranging)."""
    if not variants:
        return
    resolver = Resolver(variants[0], options, integer_staff, sensitivity=False, follow=True, ranging=True)
    for done, variant in enumerate(variants, start=1):
        solved = resolver.base if done == 1 else resolver.solve_in_full(variant)
        if on_point is not None:
            on_point(done, len(variants))
        yield solved


def _point(solved: Solved, field: str, demands: Sequence[str], value: float) -> dict[str, object]:
    outcome, model, solution, solver = solved.outcome, solved.model, solved.solution, solved.solver
    row: dict[str, object] = {
        "target": value,
        "status": outcome.status,
        "objective": math.nan,
        "total_cost": math.nan,
        "margin": math.nan,
        "marginal_cost": math.nan,
        "basis_from": math.nan,
        "basis_to": math.nan,
        "backlog": math.nan,
        "unmet": math.nan,
    }
    queued = model is not None and len(model.sets.queues) > 0
    row["queues"] = queued
    objective = outcome.objective
    # An optimal outcome with tables has its cost, LP, solution and solver (only a build found
    # infeasible has none of them).
    if (
        outcome.status == "optimal"
        and outcome.tables
        and objective is not None
        and model is not None
        and solution is not None
        and solver is not None
    ):
        low, high = (math.nan, math.nan) if queued else basis_range(solver, model, solution, field, demands, value)
        kpis = outcome.tables["demand_kpis"]
        marginal = marginal_cost(model, solution, kpis, field, demands)
        kpis = kpis[kpis.demand.isin(list(demands))]
        if abs(marginal) <= ROUND_OFF * max(1.0, abs(objective)):
            marginal = 0.0  # round-off in the duals
        margin = outcome.profit.get("margin")
        row.update(
            objective=float(objective),
            total_cost=float(outcome.tables["costs"].amount.sum()),
            margin=math.nan if margin is None else float(margin),  # type: ignore[arg-type]
            marginal_cost=marginal,
            basis_from=low,
            basis_to=high,
            backlog=float(kpis.backlog.sum()),
            unmet=float(kpis.unmet.sum()),
        )
    return row


# --- the series ------------------------------------------------------------------------------------


def frontier(
    scenario: Scenario,
    field: Target,
    values: Sequence[float],
    demands: Sequence[str] | None = None,
    options: SolveOptions | None = None,
    integer_staff: bool | None = None,
    on_point: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Total cost and marginal cost of `field` at each of `values` (sorted, distinct), for `demands`
    (None: every demand, all set to the same value). One row per point, columns COLUMNS, units in
    `frame.attrs["units"]` (`frontier_units`). FrontierError (a ValueError) for a field, demand or
    value it cannot vary. Under `objective: margin` the marginal cost and slopes are of `objective`
    (cost + revenue forgone); `total_cost` is the true cost and `margin` revenue - total cost.

    `options` and `integer_staff` replace the scenario's solver settings as in `optimise`. With integer
    staff the points are MILPs: costs only (no duals, so no marginal costs or basis ranges).
    `on_point(done, total)` is told as each point is solved, for a progress display.
    """
    names = varied_demands(scenario, field, demands)
    targets = check_values(field, values)
    variants = [variant(scenario, field, names, v) for v in targets]  # every value checked before solving
    points = pd.DataFrame(
        [
            _point(solved, field, names, t)
            for solved, t in zip(_solve_series(variants, options, integer_staff, on_point), targets, strict=True)
        ]
    )
    table = cross_check(points, field)
    table.insert(0, "field", field)
    table.insert(1, "demands", "all" if demands is None else ",".join(names))
    table["currency"] = scenario.currency
    table.attrs["units"] = frontier_units(field, scenario.currency, scenario.scenario.time_unit)
    table.attrs["demands"] = names
    table.attrs["time_unit"] = scenario.scenario.time_unit
    return conform(table[COLUMNS], declared(field))  # in the declared types, as written


def cross_check(points: pd.DataFrame, field: str) -> pd.DataFrame:
    """Adds the finite-difference slopes to each neighbour, whether the basis holds to the next point,
    and how the marginal cost from the duals compares with the slopes (see the module's docstring).

    `points` holds target (sorted), status, objective, marginal_cost, basis_from, basis_to; the slopes
    are the objective's (under `objective: margin` cost + revenue forgone), as the duals are.
    """
    table = points.reset_index(drop=True).copy()
    x, cost = table.target.to_numpy(dtype=float), table.objective.to_numpy(dtype=float)
    change = np.diff(cost)  # NaN next to an infeasible point
    change[np.abs(change) <= ROUND_OFF * np.fmax(1.0, np.fmax(np.abs(cost[:-1]), np.abs(cost[1:])))] = 0.0
    between = ORIENTATION[field] * STEP[field] * change / np.diff(x) + 0.0  # + 0.0: no -0
    table["slope_left"] = np.concatenate([[np.nan], between])
    table["slope_right"] = np.concatenate([between, [np.nan]])
    inside = [_inside(table, i, i + 1) for i in range(len(table) - 1)]
    table["basis_unchanged_to_next"] = pd.array([*inside, pd.NA], dtype="boolean")
    checks = [_check(table, i, field) for i in range(len(table))]
    table["dual_check"] = [c for c, _ in checks]
    table["dual_consistent"] = pd.array([ok for _, ok in checks], dtype="boolean")
    return table


def _inside(table: pd.DataFrame, i: int, j: int) -> bool | None:
    """Does point j's target lie in point i's basis range? None when i has no optimum."""
    low, high = table.basis_from.iat[i], table.basis_to.iat[i]
    if math.isnan(low) or math.isnan(high):
        return None
    x = table.target.iat[j]
    near = RANGE_TOLERANCE * (1 + abs(x))
    return bool(low - near <= x <= high + near)


def _check(table: pd.DataFrame, i: int, field: str) -> tuple[str, bool | None]:
    """('equal' | 'between' | 'backlog/unmet' | 'no neighbours' | 'mismatch' | '', consistent)."""
    m = table.marginal_cost.iat[i]
    if math.isnan(m):
        return "", None
    if "queues" in table and bool(table.queues.iat[i]):
        return "queues", None
    if not _convex_at(table, i):
        return "backlog/unmet", None
    equal_applied, ok, skipped = False, True, False
    for j, slope, side in ((i - 1, table.slope_left.iat[i], -1), (i + 1, table.slope_right.iat[i], 1)):
        if math.isnan(slope):
            continue
        if not _convex_at(table, j):
            skipped = True
            continue
        tol = _tolerance(table, i, j, m, field)
        if _inside(table, i, j):
            equal_applied = True
            ok &= abs(m - slope) <= tol
        else:
            # Convex cost: left secant <= d cost / d field <= right secant (in the field's direction).
            ok &= side * ORIENTATION[field] * (slope - m) >= -tol
    if not ok:
        return "mismatch", False
    if equal_applied:
        return "equal", True
    if skipped and not (_compared(table, i, i - 1) or _compared(table, i, i + 1)):
        return "backlog/unmet", None
    if math.isnan(table.slope_left.iat[i]) and math.isnan(table.slope_right.iat[i]):
        return "no neighbours", None
    return "between", True


def _convex_at(table: pd.DataFrame, i: int) -> bool:
    """No backlog or unmet units of the varied demands at point i (see COLUMNS)."""
    return bool(table.backlog.iat[i] + table.unmet.iat[i] <= UNITS_ZERO)


def _compared(table: pd.DataFrame, i: int, j: int) -> bool:
    """Was the slope from point i to its neighbour j compared with i's marginal cost?"""
    return 0 <= j < len(table) and not math.isnan(table.objective.iat[j]) and _convex_at(table, j)


def _tolerance(table: pd.DataFrame, i: int, j: int, marginal: float, field: str) -> float:
    """Round-off allowed in a slope: the costs' relative tolerance over the step, plus the price's own."""
    steps = abs(table.target.iat[j] - table.target.iat[i]) / STEP[field]
    scale = max(1.0, abs(table.objective.iat[i]), abs(table.objective.iat[j]))
    return SLOPE_TOLERANCE * (scale / steps + abs(marginal))


# --- the folder ------------------------------------------------------------------------------------

FILES = ("frontier.csv", "frontier.parquet", COLUMNS_FILE, "summary.json", "scenario.yaml")
PLOTS = ("frontier.png", "frontier.svg")


def write_frontier(
    table: pd.DataFrame,
    scenario: Scenario,
    scenario_bytes: bytes,
    source: str,
    out_dir: str | Path = "runs",
    command: list[str] | None = None,
    plot: bool = False,
    file_bytes: bytes | None = None,
) -> Path:
    """Write `<timestamp>-<scenario>-frontier-<field>/` under `out_dir` (FILES, and PLOTS with `plot`),
    filled under a temporary name and renamed into place, as a run folder is (model.runs).
    `file_bytes`: the file as given, when it is not `scenario_bytes` (an override file)."""
    out_dir = Path(out_dir)
    field = str(table.field.iat[0])
    units = table.attrs["units"]
    with staging_folder(out_dir) as staging:
        (staging / "scenario.yaml").write_bytes(scenario_bytes)
        write_table(table, staging / "frontier", units, table=declared(field))
        currency, time_unit = scenario.currency, scenario.scenario.time_unit
        write_csv(dictionary({declared(field): table}, currency, time_unit), staging / COLUMNS_FILE)
        summary = frontier_summary(table, scenario, scenario_bytes, source, command, file_bytes)
        (staging / "summary.json").write_text(json.dumps(summary, indent=2, default=json_default) + "\n")
        if plot:
            plot_frontier(table, staging / "frontier", scenario.name)
        return move_into_place(staging, out_dir, new_run_folder_name(f"{scenario.name}-frontier-{field}"))


def frontier_summary(
    table: pd.DataFrame,
    scenario: Scenario,
    scenario_bytes: bytes,
    source: str,
    command: list[str] | None,
    file_bytes: bytes | None = None,
) -> dict:
    """summary.json: what was varied, over which values, how it went, and the unit of every column."""
    field = str(table.field.iat[0])
    return {
        "kind": "frontier",
        "scenario": scenario.name,
        "field": field,
        "demands": "all" if table.demands.iat[0] == "all" else table.attrs["demands"],
        "varied_demands": table.attrs["demands"],
        "values": table.target.tolist(),
        "currency": scenario.currency,
        "time_unit": scenario.scenario.time_unit,
        "marginal_cost": (
            "cost of raising min_quality by one percentage point"
            if field == "min_quality"
            else f"cost of tightening max_mean_response_time by one {scenario.scenario.time_unit}"
        ),
        "statuses": table.status.value_counts().to_dict(),
        "dual_checks": table.dual_check[table.dual_check != ""].value_counts().to_dict(),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "input": {
            "file": source,
            "file_sha256": sha256(file_bytes if file_bytes is not None else scenario_bytes),
            "scenario_sha256": sha256(scenario_bytes),
        },
        "command": command if command is not None else sys.argv,
        "packages": {**package_versions(), "matplotlib": package_version("matplotlib")},
        "units": {"frontier": table.attrs["units"]},
    }


# --- the picture -----------------------------------------------------------------------------------


def plot_available() -> bool:
    """matplotlib is an optional extra (`pip install -e '.[plot]'`)."""
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def axis_label(field: str, time_unit: str) -> str:
    """The target's axis title: max_mean_response_time limits the MEAN response time, not every unit's."""
    return "minimum quality (%)" if field == "min_quality" else f"limit on the mean response time ({time_unit}s)"


def shown_target(table: pd.DataFrame) -> np.ndarray:
    """Targets as people read them: quality in percent, response time as it is."""
    scale = 100.0 if table.field.iat[0] == "min_quality" else 1.0
    return table.target.to_numpy(dtype=float) * scale


def plot_frontier(table: pd.DataFrame, stem: Path, title: str) -> list[Path]:
    """`stem`.png and `stem`.svg: total cost against the target (and, under `objective: margin` where
    demand is dropped, cost + revenue forgone, whose slopes the duals are; infeasible targets marked on
    the axis), and below it the marginal cost from the duals with the finite-difference slopes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import StrMethodFormatter

    field, units = str(table.field.iat[0]), table.attrs["units"]
    x = shown_target(table)
    feasible = table.status.eq("optimal").to_numpy()
    figure, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(8, 7), constrained_layout=True)
    top.plot(x[feasible], table.total_cost[feasible], "o-", color="tab:blue", label="total cost")
    if not np.allclose(table.objective[feasible], table.total_cost[feasible]):  # objective: margin, demand dropped
        top.plot(x[feasible], table.objective[feasible], "s--", color="tab:purple", label="cost + revenue forgone")
    if (~feasible).any():
        top.plot(
            x[~feasible],
            np.full((~feasible).sum(), np.nanmin(table.total_cost) if feasible.any() else 0),
            "x",
            color="tab:red",
            markersize=9,
            label="no feasible plan",
        )
    top.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    top.set_ylabel(f"total cost ({units['total_cost']})")
    top.set_title(f"{title}: cost of {field} ({table.demands.iat[0]})")
    top.legend(loc="best")
    top.grid(alpha=0.3)
    bottom.plot(x[feasible], table.marginal_cost[feasible], "o", color="tab:green", label="marginal cost (duals)")
    slopes = table.slope_right.to_numpy(dtype=float)
    for i in np.flatnonzero(np.isfinite(slopes)):
        bottom.plot(
            x[i : i + 2],
            [slopes[i]] * 2,
            "-",
            color="tab:orange",
            alpha=0.8,
            label="finite-difference slope" if i == np.flatnonzero(np.isfinite(slopes))[0] else None,
        )
    bottom.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    time_unit = table.attrs["time_unit"]
    bottom.set_ylabel(f"marginal cost\n({PER_STEP[field].format(currency=table.currency.iat[0], time_unit=time_unit)})")
    bottom.set_xlabel(axis_label(field, time_unit))
    bottom.legend(loc="best")
    bottom.grid(alpha=0.3)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    for path in paths:
        figure.savefig(path, dpi=120)
    plt.close(figure)
    return paths
