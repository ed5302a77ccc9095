"""Cost-to-serve: every cost allocated to the demands that caused it, and internal transfer prices.

Rules, per node, role and period (n, r, t) of staff and per demand d:
- processing, hand-offs, holding, backlog and unmet penalties, rework: to the demand that incurred
  them (rework at the stage of the node where the defect arose);
- labour and overtime: the share of paid hours (H s + o) that was used, in proportion to the hours
  each demand used at (n, r, t);
- idle: the paid hours not used at (n, r, t), in proportion to the demands' hours there, or, in a
  period where nobody used them, to the demands' hours at (n, r) over the whole horizon;
- hiring and layoffs: in proportion to each demand's hours at (n, r) over the whole horizon;
- the cost of a role no demand ever used, at a node where other roles were used: to the node's
  demands, in proportion to their hours at the node over the horizon;
- a site's fixed and capacity-level costs (docs/model.md, Sites): in proportion to the units each
  demand processed at the node in the period, or, in a period where the open node processed nothing,
  to its units there over the whole horizon;
- what no demand used at all (staff held at a minimum at a node no demand ever loaded, a site open
  with no units over the horizon) stays `unallocated`, one row per period, so the `cost_to_serve`
  column sums exactly to the total cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.lp import LinearModel
from model.solution import Evaluated, group_sum
from model.tables import COST_COMPONENTS

COMPONENTS = [name for name, _ in COST_COMPONENTS]
"""The components allocated, in the tables' order (declared with their meanings in model/tables.py)."""
UNALLOCATED = "(unallocated)"


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    return np.divide(part, whole, out=np.zeros_like(part, dtype=float), where=whole > 0)


@dataclass(frozen=True)
class Allocation:
    """Every cost allocated by the rules above, per (demand, stage of the node where it arose): per
    component, the amount of each (demand, stage) row (D x S, T; row d x S + s) and what no demand
    used, per stage (S x T). Float dust (1e-12 of a cent) is 0."""

    stages: pd.Index
    allocated: dict[str, np.ndarray]
    unallocated: dict[str, np.ndarray]

    def per_demand(self, demands: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Per component: the amount allocated to each demand (D x T), and what stayed unallocated (T,)."""
        S = len(self.stages)
        return (
            {n: _no_dust(a.reshape(demands, S, -1).sum(axis=1)) for n, a in self.allocated.items()},
            {n: _no_dust(a.sum(axis=0)) for n, a in self.unallocated.items()},
        )


def allocate(ev: Evaluated) -> Allocation:
    """The allocation rules (module docstring), to (demand, stage) rows. A hand-off's cost arises at its
    target's stage; backlog and unmet penalties at the demand's origin's."""
    stages, allocated, unallocated = _allocate(ev)
    return Allocation(
        stages, {n: _no_dust(a) for n, a in allocated.items()}, {n: _no_dust(a) for n, a in unallocated.items()}
    )


def _no_dust(amounts: np.ndarray) -> np.ndarray:
    """Float dust (1e-12 of a cent) is not cost: no "-0.00" or "4.9e-12" in finance's tables."""
    return np.where(np.abs(amounts) < 1e-9, 0.0, amounts)


def _allocate(ev: Evaluated) -> tuple[pd.Index, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The allocation rules (module docstring), to (demand, stage) rows d x S + s, and per stage what no
    demand used; float dust not yet removed."""
    sets = ev.sets
    demands, modes, staff = sets.demands, sets.demand_modes, sets.staff
    D, T = len(demands), sets.period_count
    stages = pd.Index(pd.unique(sets.nodes.stage))
    S = len(stages)
    stage_of_node = pd.Series(stages.get_indexer(sets.nodes.stage), index=sets.nodes.node)
    demand_index = pd.Index(demands.demand)
    demand_of_mode = demand_index.get_indexer(modes.demand)

    def at(demand_rows: np.ndarray, nodes: pd.Series) -> np.ndarray:
        """(demand, stage) row of each item: its demand's row, the stage of its node."""
        return demand_rows * S + stage_of_node.reindex(nodes).to_numpy()

    origin_rows = at(np.arange(D), demands.origin)
    allocated = {
        "processing": group_sum(at(demand_of_mode, modes.node), ev.costs["processing"], D * S),
        "handoffs": group_sum(
            at(demand_index.get_indexer(sets.demand_arcs.demand), sets.demand_arcs.target), ev.costs["handoffs"], D * S
        ),
        "holding": group_sum(
            at(demand_index.get_indexer(sets.stocks.demand), sets.stocks.node), ev.costs["holding"], D * S
        ),
        "backlog": group_sum(origin_rows, ev.costs["backlog"], D * S),
        "unmet": group_sum(origin_rows, ev.costs["unmet"], D * S),
        "rework": group_sum(
            at(demand_index.get_indexer(sets.demand_reworks.demand), sets.demand_reworks.node),
            ev.costs["rework"],
            D * S,
        ),
    }
    unallocated = {name: np.zeros((S, T)) for name in COMPONENTS}

    paid_hours = staff.hours_per_fte.to_numpy()[:, None] * ev.values["s"] + ev.values["o"]
    used = np.minimum(_share(ev.hours_used, paid_hours), 1.0)
    staff_costs = {
        "labour": ev.costs["labour"] * used,
        "overtime": ev.costs["overtime"] * used,
        "idle": (ev.costs["labour"] + ev.costs["overtime"]) * (1.0 - used),
        "hiring": ev.costs["hiring"],
        "layoffs": ev.costs["layoffs"],
    }
    of_mode = ev.staff_of_mode  # staff row of each mode row, -1 for bought-in modes
    rows = np.flatnonzero(of_mode >= 0)
    hours = ev.mode_hours[rows]
    share_now = _share(hours, ev.hours_used[of_mode[rows]])  # of (n, r, t)
    horizon_share = _share(hours.sum(axis=1), ev.hours_used[of_mode[rows]].sum(axis=1))[:, None]  # of (n, r)
    nobody_now = ev.hours_used[of_mode[rows]] <= 0
    by_rule = {
        "labour": share_now,
        "overtime": share_now,
        "idle": np.where(nobody_now, horizon_share, share_now),
        "hiring": np.broadcast_to(horizon_share, hours.shape),
        "layoffs": np.broadcast_to(horizon_share, hours.shape),
    }
    # A role no demand ever used at a node others did use: its cost goes to the node's demands by hours.
    node_of_staff, nodes = pd.factorize(staff.node)
    stage_of_staff = stage_of_node.reindex(staff.node).to_numpy()
    orphan = ev.hours_used.sum(axis=1) <= 0
    node_hours = group_sum(node_of_staff, ev.hours_used.sum(axis=1)[:, None], len(nodes))[:, 0]
    node_of_row = node_of_staff[of_mode[rows]]
    node_share = _share(hours.sum(axis=1), node_hours[node_of_row])[:, None]
    target = demand_of_mode[rows] * S + stage_of_staff[of_mode[rows]]
    for name, amounts in staff_costs.items():
        allocated[name] = group_sum(target, by_rule[name] * amounts[of_mode[rows]], D * S)
        orphaned = group_sum(node_of_staff[orphan], amounts[orphan], len(nodes))
        allocated[name] += group_sum(target, node_share * orphaned[node_of_row], D * S)
        unallocated[name] = group_sum(stage_of_staff, amounts, S) - allocated[name].reshape(D, S, T).sum(axis=0)
    _allocate_sites(
        ev, demand_of_mode * S + stage_of_node.reindex(modes.node).to_numpy(), stages, allocated, unallocated
    )
    return stages, allocated, unallocated


def _allocate_sites(
    ev: Evaluated,
    target: np.ndarray,
    stages: pd.Index,
    allocated: dict[str, np.ndarray],
    unallocated: dict[str, np.ndarray],
) -> None:
    """Fixed and capacity costs of each site to the demands by their units processed there (per period,
    or over the horizon in a period with none); `target` is each mode row's (demand, stage) row."""
    sets = ev.sets
    sites = sets.sites
    S, D = len(stages), len(sets.demands)
    costs = {
        "fixed": ev.costs["fixed"],
        "capacity": group_sum(sets.position("sites", ["node"], "site_levels"), ev.costs["capacity"], len(sites)),
    }
    site_of_mode = sets.position("sites", ["node"], "demand_modes")
    rows = np.flatnonzero(site_of_mode >= 0)
    units = ev.values["y"][rows]
    at = site_of_mode[rows]
    now = group_sum(at, units, len(sites))[at]
    share = np.where(now > 0, _share(units, now), _share(units.sum(axis=1), now.sum(axis=1))[:, None])
    stage_of_site = stages.get_indexer(sites.node.map(dict(zip(sets.nodes.node, sets.nodes.stage))))
    for name, amounts in costs.items():
        allocated[name] = group_sum(target[rows], share * amounts[at], D * S)
        unallocated[name] = group_sum(stage_of_site, amounts, S) - allocated[name].reshape(D, S, -1).sum(axis=0)


def cost_to_serve_table(
    ev: Evaluated, allocation: Allocation, marginal_cost: np.ndarray, prices: np.ndarray, currency: str
) -> pd.DataFrame:
    """One row per demand and period, a column per component, and an unallocated row per period."""
    sets = ev.sets
    allocated, unallocated = allocation.per_demand(len(sets.demands))
    D, T = len(sets.demands), sets.period_count
    frame = pd.DataFrame({"period": np.tile(sets.periods, D), "demand": np.repeat(sets.demands.demand.to_numpy(), T)})
    for name in COMPONENTS:
        frame[name] = allocated[name].reshape(-1)
    frame["cost_to_serve"] = frame[COMPONENTS].sum(axis=1)
    frame["served"] = ev.units_served.reshape(-1)  # lost by a queue without overflow: not served
    frame["cost_per_unit"] = np.divide(
        frame.cost_to_serve, frame.served, out=np.full(len(frame), np.nan), where=frame.served > 0
    )
    frame["marginal_cost"] = marginal_cost.reshape(-1)
    frame["price"] = np.repeat(prices, T)
    frame["revenue"] = frame.price * frame.served
    frame["margin"] = frame.revenue - frame.cost_to_serve
    rest = pd.DataFrame(
        {"period": sets.periods, "demand": UNALLOCATED, **{name: unallocated[name] for name in COMPONENTS}}
    )
    rest["cost_to_serve"] = rest[COMPONENTS].sum(axis=1)
    table = pd.concat([frame, rest], ignore_index=True)
    table["currency"] = currency
    return table


def cost_to_serve_by_stage_table(ev: Evaluated, allocation: Allocation, currency: str) -> pd.DataFrame:
    """`cost_to_serve` split by the stage where each cost arose: one row per period, demand and stage
    with any cost, and an `(unallocated)` row per period and stage that has some; the
    `cost_to_serve` column sums to the total cost as the table's does."""
    sets = ev.sets
    stages, allocated, unallocated = allocation.stages, allocation.allocated, allocation.unallocated
    D, S, T = len(sets.demands), len(stages), sets.period_count
    keys = pd.DataFrame(
        {
            "period": np.tile(sets.periods, D * S),
            "demand": np.repeat(sets.demands.demand.to_numpy(), S * T),
            "stage": np.tile(np.repeat(stages.to_numpy(), T), D),
        }
    )
    rest = pd.DataFrame(
        {"period": np.tile(sets.periods, S), "demand": UNALLOCATED, "stage": np.repeat(stages.to_numpy(), T)}
    )
    frame = pd.concat(
        [
            keys.assign(**{name: allocated[name].reshape(-1) for name in COMPONENTS}),
            rest.assign(**{name: unallocated[name].reshape(-1) for name in COMPONENTS}),
        ],
        ignore_index=True,
    )
    frame["cost_to_serve"] = frame[COMPONENTS].sum(axis=1)
    frame = frame[(frame[COMPONENTS] != 0).any(axis=1)].reset_index(drop=True)
    frame["currency"] = currency
    return frame


def transfer_prices(model: LinearModel, rows: dict, currency: str) -> pd.DataFrame:
    """Per demand, node and period: what one more unit arriving at the node would cost to carry to its
    end (currency per unit), from the duals of the node's balances: dual(work) - dual(pass-through).
    The price a supporting unit would charge the customer-facing one. Empty without duals."""
    if not rows or np.isnan(rows["pass_through"].dual).all():
        return pd.DataFrame(columns=["period", "demand", "node", "stage", "transfer_price", "currency"])
    keys = ["demand", "node", "period"]
    labels, work = model.labels("pass_through"), model.labels("work_balance")
    passing = labels[keys].assign(pass_dual=rows["pass_through"].dual)
    working = work[keys].assign(work_dual=rows["work_balance"].dual)
    frame = passing.merge(working, on=keys, how="outer").fillna({"pass_dual": 0.0, "work_dual": 0.0})
    frame["transfer_price"] = frame.work_dual - frame.pass_dual
    frame["stage"] = frame.node.map(dict(zip(model.sets.nodes.node, model.sets.nodes.stage)))
    frame["currency"] = currency
    return frame[["period", "demand", "node", "stage", "transfer_price", "currency"]]
