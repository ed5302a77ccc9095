"""Solution -> the tables of model.md (and a stock table), with KPIs recomputed from the solution values.

Columns are stable; units depend on the scenario's currency and time unit and are given by
`column_units`, written beside the tables (summary.json, Parquet metadata) and in the README.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.check import RELATIVE_TOLERANCE
from model.explain.cost_to_serve import (
    COMPONENTS,
    UNALLOCATED,
    cost_to_serve_by_stage_table,
    cost_to_serve_table,
    transfer_prices,
)
from model.lp import LinearModel
from model.lp.objective import COST_TERMS
from model.lp.variables import BY_NAME
from model.queues import LOG_UNITS, QUEUE_UNITS, ROUTING_UNITS
from model.solution import Evaluated, previous
from model.solve import Solution

TABLES = (
    "staffing",
    "work",
    "flows",
    "demand_kpis",
    "costs",
    "constraints",
    "stock",
    "cost_to_serve",
    "cost_to_serve_by_stage",
    "transfer_prices",
    "sensitivity",
    "queues",
    "queue_routing",
    "queue_iterations",
)

UNITS: dict[str, dict[str, str]] = {
    "staffing": {
        "fte": "FTE",
        "hires": "FTE",
        "layoffs": "FTE",
        "overtime_hours": "hour",
        "hours_used": "hour",
        "hours_available": "hour",
        "utilisation": "share of staffed hours",
        "cost": "{currency}",
    },
    "work": {
        "units": "unit",
        "hours": "hour",
        "quality": "share done right",
        "cost": "{currency}",
        "unit_cost_from": "{currency} per unit",
        "unit_cost_to": "{currency} per unit",
    },
    "flows": {
        "units": "unit",
        "cost": "{currency}",
        "lead_time": "{time_unit} per unit",
        "cost_from": "{currency} per unit",
        "cost_to": "{currency} per unit",
    },
    "demand_kpis": {
        "volume": "unit",
        "served": "unit",
        "backlog": "unit",
        "unmet": "unit",
        "quality": "share done right",
        "min_quality": "share done right",
        "response_time": "{time_unit}",
        "max_response_time": "{time_unit}",
        "cost_to_serve": "{currency}",
        "cost_per_unit": "{currency} per unit",
        "marginal_cost": "{currency} per unit",
    },
    "costs": {"amount": "{currency}"},
    "stock": {
        "opening": "unit",
        "produced": "unit",
        "shipped": "unit",
        "closing": "unit",
        "holding_cost": "{currency}",
    },
    "cost_to_serve": {
        **{c: "{currency}" for c in COMPONENTS},
        "cost_to_serve": "{currency}",
        "served": "unit",
        "cost_per_unit": "{currency} per unit",
        "marginal_cost": "{currency} per unit",
        "price": "{currency} per unit",
        "revenue": "{currency}",
        "margin": "{currency}",
    },
    "cost_to_serve_by_stage": {**{c: "{currency}" for c in COMPONENTS}, "cost_to_serve": "{currency}"},
    "transfer_prices": {"transfer_price": "{currency} per unit"},
    "sensitivity": {
        "value": "the field's unit (column unit)",
        "shadow_price": "{currency} per unit_step of the field",
        "valid_from": "the field's unit",
        "valid_to": "the field's unit",
        "cost_at_from": "{currency}",
        "cost_at_to": "{currency}",
    },
    "queues": QUEUE_UNITS,
    "queue_routing": ROUTING_UNITS,
    "queue_iterations": {k: v for k, v in LOG_UNITS.items() if k not in ("status", "algorithm")},
    "constraints": {
        "activity": "row's own unit",
        "lower": "row's own unit",
        "upper": "row's own unit",
        "slack": "row's own unit",
        "dual": "{currency} per unit of the row",
    },
}


def column_units(currency: str, time_unit: str) -> dict[str, dict[str, str]]:
    return {
        table: {column: unit.format(currency=currency, time_unit=time_unit) for column, unit in units.items()}
        for table, units in UNITS.items()
    }


def _long(keys: pd.DataFrame, periods: list[str], **columns: np.ndarray) -> pd.DataFrame:
    """One row per (key row, period): `period` first, then the keys, then each (rows x T) column."""
    T = len(periods)
    frame = keys.loc[keys.index.repeat(T)].reset_index(drop=True)
    frame.insert(0, "period", np.tile(np.asarray(periods, dtype=object), len(keys)))
    for name, grid in columns.items():
        frame[name] = np.asarray(grid, dtype=float).reshape(-1) if np.ndim(grid) else grid
    return frame


def build_tables(model: LinearModel, solution: Solution, ev: Evaluated, currency: str) -> dict[str, pd.DataFrame]:
    sets, v, P = ev.sets, ev.values, ev.sets.periods
    staff = sets.staff
    with np.errstate(invalid="ignore", divide="ignore"):
        utilisation = np.where(ev.hours_available > 0, ev.hours_used / ev.hours_available, np.nan)
    staffing = _long(
        staff[["node", "stage", "role"]],
        P,
        fte=v["s"],
        hires=v["hire"],
        layoffs=v["fire"],
        overtime_hours=v["o"],
        hours_used=ev.hours_used,
        hours_available=ev.hours_available,
        utilisation=utilisation,
        cost=ev.staff_cost,
    )

    modes = sets.demand_modes
    y_from, y_to = _cost_range(solution, "y")
    work = _long(
        modes[["demand", "node", "stage", "mode"]],
        P,
        units=v["y"],
        hours=ev.mode_hours,
        quality=np.repeat(modes.quality.to_numpy()[:, None], len(P), axis=1),
        cost=ev.costs["processing"],
        unit_cost_from=y_from,
        unit_cost_to=y_to,
    )

    arcs = sets.demand_arcs.rename(columns={"source": "from", "target": "to"})
    x_from, x_to = _cost_range(solution, "x")
    flows = _long(
        arcs[["demand", "arc", "from", "to"]],
        P,
        units=v["x"],
        cost=ev.costs["handoffs"],
        lead_time=np.repeat(arcs.lead_time.to_numpy()[:, None], len(P), axis=1),
        cost_from=x_from,
        cost_to=x_to,
    )

    marginal = marginal_costs(model, solution)
    serving = cost_to_serve_table(ev, marginal, sets.demands.price.to_numpy(), currency)
    tables = {
        "staffing": staffing,
        "work": work,
        "flows": flows,
        "demand_kpis": _demand_kpis(ev, serving, marginal),
        "costs": _costs_table(ev),
        "constraints": _constraints_table(model, solution),
        "stock": _stock_table(ev),
        "cost_to_serve": serving,
        "cost_to_serve_by_stage": cost_to_serve_by_stage_table(ev, currency),
        "transfer_prices": transfer_prices(model, solution.rows, currency),
    }
    for name in ("staffing", "work", "flows", "demand_kpis", "costs", "stock"):
        tables[name]["currency"] = currency
    return tables


def _cost_range(solution: Solution, family: str) -> tuple[np.ndarray, np.ndarray]:
    """Per variable, the range of its cost per unit over which the plan stays optimal (HiGHS's cost
    ranging for this variable alone); NaN without ranging (a MILP, or not optimal)."""
    ranging = solution.column_ranging.get(family)
    if ranging is None:
        shape = solution.values[family].shape
        return np.full(shape, np.nan), np.full(shape, np.nan)
    return ranging.cost_lower, ranging.cost_upper


def _stock_table(ev: Evaluated) -> pd.DataFrame:
    """Per storable node and demand: stock at the start, units produced, orders shipped, stock at the end."""
    sets = ev.sets
    stocks = sets.stocks
    at = sets.position("demand_nodes", ["demand", "node"], "stocks")
    closing = ev.values["k"]
    stage = stocks.node.map(dict(zip(sets.nodes.node, sets.nodes.stage)))
    return _long(
        stocks[["demand", "node"]].assign(stage=stage),
        sets.periods,
        opening=previous(closing, stocks.initial.to_numpy()),
        produced=ev.processed[at],
        shipped=ev.arrivals[at],
        closing=closing,
        holding_cost=ev.costs["holding"],
    )


def _demand_kpis(ev: Evaluated, serving: pd.DataFrame, marginal: np.ndarray) -> pd.DataFrame:
    sets, P = ev.sets, ev.sets.periods
    demands = sets.demands
    T = len(P)
    cost_to_serve = serving[serving.demand != UNALLOCATED].cost_to_serve.to_numpy().reshape(len(demands), T)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_unit = np.where(ev.served > 0, cost_to_serve / ev.served, np.nan)
    kpis = _long(
        demands[["demand"]],
        P,
        volume=ev.volume,
        served=ev.served,
        backlog=ev.backlog,
        unmet=ev.unmet,
        quality=ev.quality,
        min_quality=np.repeat(demands.min_quality.to_numpy()[:, None], T, axis=1),
        response_time=ev.response_time,
        max_response_time=np.repeat(demands.max_response_time.to_numpy()[:, None], T, axis=1),
        cost_to_serve=cost_to_serve,
        cost_per_unit=per_unit,
        marginal_cost=marginal,
    )
    tolerance = RELATIVE_TOLERANCE
    kpis["quality_met"] = kpis.min_quality.isna() | (kpis.quality >= kpis.min_quality - tolerance) | (kpis.served <= 0)
    kpis["response_time_met"] = (
        kpis.max_response_time.isna()
        | (kpis.served <= 0)
        | (kpis.response_time <= kpis.max_response_time * (1 + tolerance))
    )
    return kpis


def unallocated_cost(tables: dict[str, pd.DataFrame]) -> float:
    """Cost no demand caused (staff at nodes no demand ever loaded); 0 within float round-off."""
    serving = tables["cost_to_serve"]
    left = float(serving[serving.demand == UNALLOCATED].cost_to_serve.sum())
    return 0.0 if abs(left) < 1e-6 else left  # a millionth of a currency unit: far below a cent


def marginal_costs(model: LinearModel, solution: Solution) -> np.ndarray:
    """d(total cost) / d(volume[d,t]) in currency per unit: the reduced cost of the volume column
    v[d,t], which is fixed at V[d,t] (model.md, Duals). NaN without duals (a MILP, or not optimal)."""
    found = solution.reduced_costs.get("v")
    if found is None:
        return np.full((len(model.sets.demands), model.sets.period_count), np.nan)
    return np.where(np.abs(found) < 1e-12, 0.0, found)


def _costs_table(ev: Evaluated) -> pd.DataFrame:
    """Cost per period, stage, node and category: each cost term (model.lp.objective) at the node it
    is booked at (hand-offs at the receiving node; backlog and unmet penalties at the demand's
    origin, where the waiting order sits)."""
    sets = ev.sets
    parts = []
    for term in COST_TERMS:
        amounts = ev.costs[term.category]
        if not amounts.size:
            continue
        table = getattr(sets, BY_NAME[term.variable].table)
        owner = pd.DataFrame({"node": pd.Series(table[term.booked_at].to_numpy(), dtype=object)})
        part = _long(owner, sets.periods, amount=amounts)
        part["category"] = term.category
        parts.append(part)
    stage = dict(zip(sets.nodes.node, sets.nodes.stage))
    frame = pd.concat(parts, ignore_index=True)
    frame["stage"] = frame.node.map(stage)
    grouped = frame.groupby(["period", "stage", "node", "category"], sort=False, as_index=False).amount.sum()
    order = {p: i for i, p in enumerate(sets.periods)}
    grouped = grouped.sort_values(
        ["period", "stage", "node", "category"], key=lambda c: c.map(order) if c.name == "period" else c
    )
    return grouped[grouped.amount != 0].reset_index(drop=True)[["period", "stage", "node", "category", "amount"]]


def _constraints_table(model: LinearModel, solution: Solution) -> pd.DataFrame:
    parts = []
    for name, block in model.blocks.items():
        if name not in solution.rows or not len(block):
            continue
        rows = solution.rows[name]
        labels = model.labels(name)
        frame = pd.DataFrame(
            {
                "constraint": name + "[" + labels.subject.str.replace(" ", ",") + "," + labels.period + "]",
                "family": name,
                "period": labels.period,
                "subject": labels.subject,
                "activity": rows.activity,
                "lower": rows.lower,
                "upper": rows.upper,
                "dual": rows.dual,
            }
        )
        slack = np.minimum(rows.activity - rows.lower, rows.upper - rows.activity)
        frame["slack"] = np.where(rows.lower == rows.upper, 0.0, slack)
        frame["binding"] = np.abs(frame.slack) <= 1e-6 * (1 + np.abs(rows.activity))
        parts.append(frame)
    columns = ["constraint", "family", "period", "subject", "activity", "lower", "upper", "slack", "dual", "binding"]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)
