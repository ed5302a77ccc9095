"""Profit by segment: the per-demand figures rolled up by a demand's `segment` and by each of its
`labels`, and, under `objective: margin`, which demands were dropped (model.md, Segments and
profit).

Everything here is read from the result tables (cost_to_serve, demand_kpis) and the scenario's
own fields, so the roll-up adds up to the per-demand tables by construction: each group's cost is
the sum of its demands' `cost_to_serve`, with the `(unallocated)` rows left out (they belong to no
demand, hence to no segment).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.scenario.schema import Scenario

NONE = "(none)"
"""The value of a demand that names no segment, or not the label grouped by."""
HORIZON = "(horizon)"
"""The period of a row that sums every period."""
SEGMENT = "segment"
"""The group of the rows by `segment`; a label's rows have the label's name as their group."""

SUMMED = ("volume", "served", "unmet", "revenue", "cost_to_serve")
"""The figures a group sums over its demands (units, and currency for the last two)."""

COLUMNS = [
    "group",
    "value",
    "period",
    "demands",
    *SUMMED,
    "margin",
    "cost_per_unit",
    "revenue_per_unit",
    "currency",
]


def groups_of(scenario: Scenario) -> dict[str, dict[str, str]]:
    """{group: {demand: value}}: `segment` first (NONE for a demand without one), then each label
    some demand has, in the order first met (NONE for a demand without it)."""
    demands = scenario.demands
    found = {SEGMENT: {d: demand.segment or NONE for d, demand in demands.items()}}
    for label in dict.fromkeys(label for demand in demands.values() for label in demand.labels):
        if label != SEGMENT:  # refused by validation (checks.check_label_names); kept out here too
            found[label] = {d: demand.labels.get(label, NONE) for d, demand in demands.items()}
    return found


def per_demand(cost_to_serve: pd.DataFrame, kpis: pd.DataFrame) -> pd.DataFrame:
    """One row per demand and period: the figures summed (SUMMED), and whether the demand has a price.
    Revenue is 0 where the demand has no price (`priced` says which)."""
    serving = cost_to_serve[cost_to_serve.demand != "(unallocated)"]
    keys = ["period", "demand"]
    frame = kpis[[*keys, "volume", "served", "unmet"]].merge(
        serving[[*keys, "revenue", "cost_to_serve", "price"]], on=keys, how="left", validate="one_to_one"
    )
    frame["priced"] = frame.price.notna()
    frame["revenue"] = frame.revenue.fillna(0.0)
    return frame.drop(columns="price")


def segments_table(scenario: Scenario, cost_to_serve: pd.DataFrame, kpis: pd.DataFrame) -> pd.DataFrame:
    """The `segments` table: per group (segment, or a label), value and period, and over the horizon
    (period HORIZON), the demands' figures summed; margin = revenue - cost_to_serve and revenue per
    unit where some demand of the group has a price (empty otherwise); per-unit figures over the
    units served (empty where none were)."""
    frame = per_demand(cost_to_serve, kpis)
    periods = list(scenario.periods)
    parts = []
    for group, values in groups_of(scenario).items():
        tagged = frame.assign(group=group, value=frame.demand.map(values))
        horizon = tagged.assign(period=HORIZON)
        parts.append(_rolled(pd.concat([tagged, horizon], ignore_index=True), [*periods, HORIZON]))
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    table["currency"] = scenario.currency
    return table[COLUMNS]


def _rolled(tagged: pd.DataFrame, periods: list[str]) -> pd.DataFrame:
    """Sum each (group, value, period); values in the order first met, periods in `periods` order."""
    keys = ["group", "value", "period"]
    grouped = tagged.groupby(keys, sort=False)
    rolled = grouped[list(SUMMED)].sum()
    rolled["demands"] = grouped.demand.nunique()
    priced = grouped.priced.any()
    rolled = rolled.reset_index()
    priced = priced.to_numpy()
    rolled["revenue"] = np.where(priced, rolled.revenue, np.nan)
    rolled["margin"] = rolled.revenue - rolled.cost_to_serve
    served = rolled.served.to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        rolled["cost_per_unit"] = np.where(served > 0, rolled.cost_to_serve / served, np.nan)
        rolled["revenue_per_unit"] = np.where(served > 0, rolled.revenue / served, np.nan)
    order = {p: i for i, p in enumerate(periods)}
    values = {v: i for i, v in enumerate(pd.unique(tagged.value))}
    rolled = rolled.sort_values(
        ["value", "period"], key=lambda column: column.map(values if column.name == "value" else order)
    )
    return rolled.reset_index(drop=True)


def profit(scenario: Scenario, tables: dict[str, pd.DataFrame]) -> dict[str, object]:
    """The run's revenue, cost and margin (currency) and, under `objective: margin`, the demands
    dropped: summary.json's `profit`. Revenue is price x served over the demands with a price (None
    when none has one); the total cost is the costs table's; a demand is dropped when units of it
    were never served (unmet, or still in backlog at the end of the horizon), with the revenue that
    forgoes at its price."""
    total_cost = float(tables["costs"].amount.sum())
    frame = per_demand(tables["cost_to_serve"], tables["demand_kpis"])
    priced = bool(frame.priced.any())
    revenue = float(frame.revenue.sum()) if priced else None
    found: dict[str, object] = {
        "objective": scenario.scenario.objective,
        "revenue": revenue,
        "total_cost": total_cost,
        "margin": None if revenue is None else revenue - total_cost,
    }
    if scenario.scenario.objective == "margin":
        found["dropped"] = dropped(scenario, tables["demand_kpis"])
    return found


def dropped(scenario: Scenario, kpis: pd.DataFrame) -> list[dict[str, object]]:
    """Per demand with a price that left units unserved over the horizon (units unmet plus backlog
    left at the end, above 1e-6 of its volume): its units due, units dropped and revenue forgone."""
    last = scenario.periods[-1]
    found: list[dict[str, object]] = []
    for name, demand in scenario.demands.items():
        if demand.price is None:
            continue
        rows = kpis[kpis.demand == name]
        volume = float(rows.volume.sum())
        units = float(rows.unmet.sum()) + float(rows[rows.period == last].backlog.sum())
        if units > 1e-6 * (1.0 + volume):
            found.append(
                {
                    "demand": name,
                    "segment": demand.segment,
                    "volume": volume,
                    "units_dropped": units,
                    "share_dropped": units / volume if volume > 0 else None,
                    "revenue_forgone": units * float(demand.price),
                }
            )
    return found
