"""Cost-to-serve: every cost allocated to the demands that caused it, and internal transfer prices.

Rules, per node, role and period (n, r, t) of staff and per demand d:
- processing, hand-offs, holding, backlog and unmet penalties: to the demand that incurred them;
- labour and overtime: the share of paid hours (H s + o) that was used, in proportion to the hours
  each demand used at (n, r, t);
- idle: the paid hours not used at (n, r, t), in proportion to the demands' hours there, or, in a
  period where nobody used them, to the demands' hours at (n, r) over the whole horizon;
- hiring and layoffs: in proportion to each demand's hours at (n, r) over the whole horizon;
- the cost of a role no demand ever used, at a node where other roles were used: to the node's
  demands, in proportion to their hours at the node over the horizon;
- what no demand used at all (staff held at a minimum at a node no demand ever loaded) stays
  `unallocated`, one row per period, so the `cost_to_serve` column sums exactly to the total cost.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.solution import Evaluated, group_sum

COMPONENTS = ["processing", "handoffs", "holding", "backlog", "unmet", "labour", "overtime", "idle", "hiring",
              "layoffs"]
UNALLOCATED = "(unallocated)"


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    return np.divide(part, whole, out=np.zeros_like(part, dtype=float), where=whole > 0)


def allocate(ev: Evaluated) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per component: the amount allocated to each demand (D x T), and what stayed unallocated (T,)."""
    sets = ev.sets
    demands, modes, staff = sets.demands, sets.demand_modes, sets.staff
    D, T = len(demands), sets.period_count
    demand_index = pd.Index(demands.demand)
    demand_of_mode = demand_index.get_indexer(modes.demand)
    allocated = {
        "processing": group_sum(demand_of_mode, ev.costs["processing"], D),
        "handoffs": group_sum(demand_index.get_indexer(sets.demand_arcs.demand), ev.costs["handoffs"], D),
        "holding": group_sum(demand_index.get_indexer(sets.stocks.demand), ev.costs["holding"], D),
        "backlog": ev.costs["backlog"],
        "unmet": ev.costs["unmet"],
    }
    unallocated = {name: np.zeros(T) for name in COMPONENTS}

    paid_hours = staff.hours_per_fte.to_numpy()[:, None] * ev.values["s"] + ev.values["o"]
    used = np.minimum(_share(ev.hours_used, paid_hours), 1.0)
    staff_costs = {
        "labour": ev.costs["labour"] * used,
        "overtime": ev.costs["overtime"] * used,
        "idle": (ev.costs["labour"] + ev.costs["overtime"]) * (1.0 - used),
        "hiring": ev.costs["hiring"],
        "layoffs": ev.costs["layoffs"],
    }
    at = ev.staff_of_mode  # staff row of each mode row, -1 for bought-in modes
    rows = np.flatnonzero(at >= 0)
    hours = ev.mode_hours[rows]
    share_now = _share(hours, ev.hours_used[at[rows]])  # of (n, r, t)
    horizon_share = _share(hours.sum(axis=1), ev.hours_used[at[rows]].sum(axis=1))[:, None]  # of (n, r)
    nobody_now = ev.hours_used[at[rows]] <= 0
    by_rule = {
        "labour": share_now, "overtime": share_now,
        "idle": np.where(nobody_now, horizon_share, share_now),
        "hiring": np.broadcast_to(horizon_share, hours.shape), "layoffs": np.broadcast_to(horizon_share, hours.shape),
    }
    # A role no demand ever used at a node others did use: its cost goes to the node's demands by hours.
    node_of_staff, nodes = pd.factorize(staff.node)
    orphan = ev.hours_used.sum(axis=1) <= 0
    node_hours = group_sum(node_of_staff, ev.hours_used.sum(axis=1)[:, None], len(nodes))[:, 0]
    node_of_row = node_of_staff[at[rows]]
    node_share = _share(hours.sum(axis=1), node_hours[node_of_row])[:, None]
    for name, amounts in staff_costs.items():
        allocated[name] = group_sum(demand_of_mode[rows], by_rule[name] * amounts[at[rows]], D)
        orphaned = group_sum(node_of_staff[orphan], amounts[orphan], len(nodes))
        allocated[name] += group_sum(demand_of_mode[rows], node_share * orphaned[node_of_row], D)
        unallocated[name] = amounts.sum(axis=0) - allocated[name].sum(axis=0)
    # Float dust (1e-12 of a cent) is not cost: no "-0.00" or "4.9e-12" in finance's tables.
    for table in (allocated, unallocated):
        for name, amounts in table.items():
            table[name] = np.where(np.abs(amounts) < 1e-9, 0.0, amounts)
    return {name: allocated[name] for name in COMPONENTS}, unallocated


def cost_to_serve_table(ev: Evaluated, marginal_cost: np.ndarray, prices: np.ndarray, currency: str) -> pd.DataFrame:
    """One row per demand and period, a column per component, and an unallocated row per period."""
    sets = ev.sets
    allocated, unallocated = allocate(ev)
    D, T = len(sets.demands), sets.period_count
    frame = pd.DataFrame({"period": np.tile(sets.periods, D), "demand": np.repeat(sets.demands.demand.to_numpy(), T)})
    for name in COMPONENTS:
        frame[name] = allocated[name].reshape(-1)
    frame["cost_to_serve"] = frame[COMPONENTS].sum(axis=1)
    frame["served"] = ev.served.reshape(-1)
    frame["cost_per_unit"] = np.divide(frame.cost_to_serve, frame.served, out=np.full(len(frame), np.nan),
                                       where=frame.served > 0)
    frame["marginal_cost"] = marginal_cost.reshape(-1)
    frame["price"] = np.repeat(prices, T)
    frame["revenue"] = frame.price * frame.served
    frame["margin"] = frame.revenue - frame.cost_to_serve
    rest = pd.DataFrame({"period": sets.periods, "demand": UNALLOCATED,
                         **{name: unallocated[name] for name in COMPONENTS}})
    rest["cost_to_serve"] = rest[COMPONENTS].sum(axis=1)
    table = pd.concat([frame, rest], ignore_index=True)
    table["currency"] = currency
    return table


def transfer_prices(model_sets, blocks: dict, rows: dict, currency: str) -> pd.DataFrame:
    """Per demand, node and period: what one more unit arriving at the node would cost to carry to its
    end (currency per unit), from the duals of the node's balances: dual(work) - dual(pass-through).
    The price a supporting unit would charge the customer-facing one. Empty without duals."""
    labels = blocks["pass_through"].labels
    work = blocks["work_balance"].labels
    if not rows or np.isnan(rows["pass_through"].dual).all():
        return pd.DataFrame(columns=["period", "demand", "node", "stage", "transfer_price", "currency"])
    keys = ["demand", "node", "period"]
    passing = labels[keys].assign(pass_dual=rows["pass_through"].dual)
    working = work[keys].assign(work_dual=rows["work_balance"].dual)
    frame = passing.merge(working, on=keys, how="outer").fillna({"pass_dual": 0.0, "work_dual": 0.0})
    frame["transfer_price"] = frame.work_dual - frame.pass_dual
    frame["stage"] = frame.node.map(dict(zip(model_sets.nodes.node, model_sets.nodes.stage)))
    frame["currency"] = currency
    return frame[["period", "demand", "node", "stage", "transfer_price", "currency"]]
