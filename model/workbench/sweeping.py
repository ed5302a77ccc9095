"""POST /api/sweep: one field over a range of values, each point a re-solve on the warm model.

The values are those of `e2eopt sweep --grid` (model.sweep.axis_values: a list, a comma list, or
START:STOP:STEP); each point's figures are those of the sweep's points table (model/sweep.py): its
status, total cost, cost by stage, FTE per role and each demand's served units, quality, mean
response time and whether it was met; when some demand has a price, its revenue and margin.

A point's `objective` is the LP's: the total cost, but under `objective: margin` the total cost + the
revenue forgone. The point's cost is `kpis.total_cost`, its margin `kpis.margin`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from model.errors import ScenarioError

if TYPE_CHECKING:
    from model.optimise import Outcome
    from model.scenario.overrides import Resolved
    from model.workbench.api import SweepRequest
    from model.workbench.session import Progress, Workbench


def sweep_values(request: SweepRequest) -> list:
    """The request's values, as `e2eopt sweep --grid` reads them (ScenarioError, a 422, if they are not)."""
    from model.sweep import axis_values
    from model.workbench.session import as_typed

    spec = request.values if isinstance(request.values, str) else [str(as_typed(v)) for v in request.values]
    return list(axis_values(spec, "values", request.path))


def sweep_points(bench: Workbench, request: SweepRequest, values: list, progress: Progress) -> dict:
    """The sweep's document: the path, its `values`, and each point's figures. A cancel answers the
    points done so far, with `cancelled` true."""
    progress.phase = "read"
    base = bench.base(request.scenario, request.yaml, request.set, request.remove)
    variants: list[Resolved | ScenarioError] = []
    for number, value in enumerate(values):
        try:
            variants.append(bench.variant(base, {**request.set, request.path: value}, request.remove))
        except ScenarioError as error:
            if number == 0:  # the path matches nothing, or the first value is refused: the request is wrong
                raise
            variants.append(error)
    to_solve = [None if isinstance(v, ScenarioError) else v for v in variants]
    outcomes, cancelled = bench.solve_series(base, to_solve, progress)
    scenario = base.resolved.scenario
    points = []
    for value, variant, outcome in zip(values, variants, outcomes):  # the points done, when cancelled
        if isinstance(variant, ScenarioError) or outcome is None:
            message = variant.problems[0].message if isinstance(variant, ScenarioError) else None
            points.append(_point(value, "bad_input", message, None, scenario.currency, {}))
            continue
        points.append({"value": value, **point_figures(outcome)})
    return {
        "path": request.path,
        "values": list(values),
        "points": points,
        "units": units(scenario.currency, scenario.scenario.time_unit),
        "cancelled": cancelled,
    }


def _point(value: Any, status: str, message: str | None, objective: float | None, currency: str, kpis: dict) -> dict:
    """A sweep point: the same keys whatever its status (null, or no KPIs, where it has none)."""
    return {
        "value": value,
        "status": status,
        "message": message,
        "objective": objective,
        "currency": currency,
        "kpis": kpis,
    }


def units(currency: str, time_unit: str) -> dict[str, str]:
    """Each figure's unit, by the prefix of its name in `kpis` (as the sweep's points table)."""
    return {
        "objective": currency,
        "total_cost": currency,
        "revenue": currency,
        "margin": currency,
        "cost": currency,
        "fte": "FTE (mean over the periods)",
        "served": "units (over the periods)",
        "quality": "share (0 to 1)",
        "mean_response_time": time_unit,
        "met": "true/false",
    }


def point_figures(outcome: Outcome) -> dict[str, Any]:
    """One point's figures, as the sweep's points table has them (model/sweep.py's columns)."""
    from model.sweep import _demand_columns

    currency = outcome.scenario.currency
    figures: dict[str, Any] = {
        "status": outcome.status,
        "message": outcome.message,
        "objective": outcome.objective,
        "currency": currency,
    }
    tables = outcome.tables
    kpis: dict[str, Any] = {}
    if "costs" in tables:
        costs = tables["costs"]
        kpis["total_cost"] = float(costs.amount.sum())
        kpis.update({f"cost.{stage}": float(a) for stage, a in costs.groupby("stage", sort=False).amount.sum().items()})
    if "staffing" in tables and len(tables["staffing"]):
        staffing = tables["staffing"]
        per_role = staffing.groupby("role", sort=True).fte.sum() / staffing.period.nunique()
        kpis.update({f"fte.{role}": float(fte) for role, fte in per_role.items()})
    if "demand_kpis" in tables:
        kpis.update(_demand_columns(tables["demand_kpis"]))
    revenue, margin = outcome.profit.get("revenue"), outcome.profit.get("margin")
    if isinstance(revenue, (int, float)) and isinstance(margin, (int, float)):  # some demand has a price
        kpis.update(revenue=float(revenue), margin=float(margin))  # what the point earns, as the points table
    figures["kpis"] = kpis
    return figures


__all__ = ["point_figures", "sweep_points", "sweep_values"]
