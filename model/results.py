"""Solution -> the tables of model.md (and a stock table), with KPIs recomputed from the solution values.

Columns are stable, declared with their types and units in model/tables.py (the data dictionary,
docs/tables.md); the run folder's writer checks each table against that declaration.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from model.check import RELATIVE_TOLERANCE
from model.explain.cost_to_serve import (
    UNALLOCATED,
    allocate,
    cost_to_serve_by_stage_table,
    cost_to_serve_table,
    transfer_prices,
)
from model.lp import LinearModel
from model.lp.objective import REPORTED_TERMS
from model.lp.variables import BY_NAME
from model.network import IndexSets
from model.rules import rules_table
from model.solution import Evaluated, group_sum, previous, roster
from model.solve import Solution
from model.tables import RENAMED_COLUMNS, RESULT_TABLES

TABLES = RESULT_TABLES
"""The result tables in the order they are written; their columns, types and units: model/tables.py."""


def text(values: object) -> pd.Series:
    """A text column of a result table (pandas' own string type)."""
    return pd.Series(np.asarray(values, dtype=object), dtype="str")


TABLE_KEYS: dict[str, Callable[[IndexSets], pd.DataFrame]] = {
    "staffing": lambda sets: sets.staff[["node", "stage", "role"]],
    "work": lambda sets: sets.demand_modes[["demand", "node", "stage", "mode"]],
    "flows": lambda sets: sets.demand_arcs[["demand", "arc", "source", "target"]].set_axis(
        ["demand", "arc", "from", "to"], axis=1
    ),
    "demand_kpis": lambda sets: sets.demands[["demand"]],
    "stock": lambda sets: sets.stocks[["demand", "node"]].assign(
        stage=sets.stocks.node.map(dict(zip(sets.nodes.node, sets.nodes.stage)))
    ),
    "rework": lambda sets: sets.demand_reworks[["demand", "node", "mode", "to"]],
    "roster": lambda sets: sets.patterns[["node", "role", "pattern"]],
    "coverage": lambda sets: sets.rosters[["node", "role", "interval"]],
}
"""The key columns of each table with one row per index row and period (besides `period`)."""


def _repeated(sets: IndexSets, name: str) -> dict[str, pd.Series]:
    """The key columns of a table, each row once per period with `period` first: made once per
    structure (index sets of what-ifs of one scenario share them, `IndexSets.lookups`)."""
    found = sets.lookups.get(("result keys", name))
    if found is None:
        frame, T = TABLE_KEYS[name](sets), sets.period_count
        found = {"period": text(np.tile(np.asarray(sets.periods, dtype=object), len(frame)))}
        found.update({column: text(np.repeat(frame[column].to_numpy(dtype=object), T)) for column in frame.columns})
        sets.lookups[("result keys", name)] = found
    return found


def _long(sets: IndexSets, name: str, **columns: np.ndarray) -> pd.DataFrame:
    """One row per (key row, period): `period` first, then the keys, then each (rows x T) column."""
    figures = {column: np.asarray(grid, dtype=float).reshape(-1) for column, grid in columns.items()}
    return pd.DataFrame({**_repeated(sets, name), **figures})


def prepare_tables(model: LinearModel) -> None:
    """Make what the tables take from the structure alone (key columns, cost groups, row labels), so
    that it is ready when the solution is: run beside HiGHS's solve, which leaves the interpreter free
    (model/resolver.py). Cached per structure, so a re-solve finds it all made."""
    for name in TABLE_KEYS:
        _repeated(model.sets, name)
    _cost_groups(model.sets)
    for family in model.blocks:
        _constraint_keys(model, family)


EXTENSION = "(extension)"
"""The costs table's period, stage and node of a cost term an extension added: it belongs to none."""


def build_tables(
    model: LinearModel,
    solution: Solution,
    ev: Evaluated,
    currency: str,
    extension_costs: dict[str, float] | None = None,
) -> dict[str, pd.DataFrame]:
    """The result tables of a checked solution; the costs table ends with a row per cost term an
    extension added (period, stage and node `(extension)`), so that it sums to the objective."""
    sets, v, P = ev.sets, ev.values, ev.sets.periods
    with np.errstate(invalid="ignore", divide="ignore"):
        utilisation = np.where(ev.hours_available > 0, ev.hours_used / ev.hours_available, np.nan)
    staffing = _long(
        sets,
        "staffing",
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
        sets,
        "work",
        units=v["y"],
        hours=ev.mode_hours,
        quality=np.repeat(modes.quality.to_numpy()[:, None], len(P), axis=1),
        cost=ev.costs["processing"],
        unit_cost_from=y_from,
        unit_cost_to=y_to,
    )

    arcs = sets.demand_arcs
    x_from, x_to = _cost_range(solution, "x")
    flows = _long(
        sets,
        "flows",
        units=v["x"],
        cost=ev.costs["handoffs"],
        lead_time=np.repeat(arcs.lead_time.to_numpy()[:, None], len(P), axis=1),
        cost_from=x_from,
        cost_to=x_to,
    )

    marginal = marginal_costs(model, solution)
    allocation = allocate(ev)
    serving = cost_to_serve_table(ev, allocation, marginal, sets.demands.price.to_numpy(), currency)
    tables = {
        "staffing": staffing,
        "work": work,
        "flows": flows,
        "demand_kpis": _demand_kpis(ev, serving, marginal),
        "costs": _costs_table(ev, extension_costs or {}),
        "constraints": _constraints_table(model, solution),
        "stock": _stock_table(ev),
        "cost_to_serve": serving,
        "cost_to_serve_by_stage": cost_to_serve_by_stage_table(ev, allocation, currency),
        "transfer_prices": transfer_prices(model, solution.rows, currency),
    }
    if len(sets.demand_reworks):
        w_from, w_to = _cost_range(solution, "w", lowest=0.0)  # a rework cost is >= 0
        tables["rework"] = _long(sets, "rework", units=v["w"], cost=ev.costs["rework"], cost_from=w_from, cost_to=w_to)
    if len(sets.sites):
        tables["sites"] = _sites_table(ev)
    if len(sets.patterns):
        tables.update(_roster_tables(ev))
    for name in ("staffing", "work", "flows", "demand_kpis", "costs", "stock", "rework", "sites", "roster"):
        if name in tables:
            tables[name]["currency"] = currency
    if len(sets.rules):
        tables["rules"] = rules_table(sets, v, _rule_duals(model, solution), currency)
    return tables


def rules_from_fixed_lp(
    model: LinearModel, solution: Solution, fixed: Solution, currency: str, basis: str
) -> pd.DataFrame | None:
    """A MILP's rules table with the duals and prices of the LP with its integers fixed (`fixed`, the
    sensitivity table's, labelled `basis` as it is); the sums are the MILP's. None when that LP has
    no duals (not optimal)."""
    if fixed.status != "optimal" or not fixed.rows:
        return None
    return rules_table(model.sets, solution.values, _rule_duals(fixed.model or model, fixed), currency, basis)


def _rule_duals(model: LinearModel, solution: Solution) -> np.ndarray:
    """The business rules' duals on their (rules x T) grid, NaN where no row (or no dual: a MILP)."""
    sets = model.sets
    grid = np.full(len(sets.rules) * sets.period_count, np.nan)
    found = solution.rows.get("business_rule")
    if found is not None:
        grid[model.blocks["business_rule"].positions] = found.dual
    return grid.reshape(len(sets.rules), sets.period_count)


def _sites_table(ev: Evaluated) -> pd.DataFrame:
    """Per site and period (docs/model.md, Sites): open or closed, the level chosen and its capacity
    (the node's own capacity without levels; empty: unlimited), the fixed and capacity costs and the
    units processed."""
    sets, v, T = ev.sets, ev.values, ev.sets.period_count
    sites, levels = sets.sites, sets.site_levels
    is_open = np.round(v["open"]) == 1
    at = sets.position("sites", ["node"], "site_levels")
    level = np.full(is_open.shape, "", dtype=object)
    capacity = np.repeat(sets.nodes.capacity.to_numpy()[sets.position("nodes", ["node"], "sites")][:, None], T, axis=1)
    chosen = np.round(v["level"]) == 1
    for row, t in zip(*np.nonzero(chosen)):
        level[at[row], t] = levels.level.iloc[row]
        capacity[at[row], t] = levels.capacity.iloc[row]
    capacity[~is_open] = 0.0
    capacity = np.where(np.isinf(capacity), np.nan, capacity)
    capacity_cost = group_sum(at, ev.costs["capacity"], len(sites))
    units = ev.node_units[sets.position("nodes", ["node"], "sites")]
    return pd.DataFrame(
        {
            "period": text(np.tile(np.asarray(sets.periods, dtype=object), len(sites))),
            "node": text(np.repeat(sites.node.to_numpy(dtype=object), T)),
            "stage": text(
                np.repeat(sites.node.map(dict(zip(sets.nodes.node, sets.nodes.stage))).to_numpy(dtype=object), T)
            ),
            "open": is_open.ravel(),
            "level": text(level.ravel()),
            "capacity": capacity.ravel(),
            "fixed_cost": ev.costs["fixed"].ravel(),
            "capacity_cost": capacity_cost.ravel(),
            "units": units.ravel(),
        }
    )


def _roster_tables(ev: Evaluated) -> dict[str, pd.DataFrame]:
    """The `roster` table (heads, FTE and cost per shift pattern and period) and the `coverage` table
    (per rostered node, role, interval and period: heads and agents on duty against the agents the
    work needs there, and the over-staffing the shifts force)   (docs/model.md, Shifts)."""
    sets, v = ev.sets, ev.values
    patterns = sets.patterns
    heads = v["e"]
    plan = roster(sets, v)
    return {
        "roster": _long(
            sets,
            "roster",
            heads=heads,
            fte=patterns.fte.to_numpy(dtype=float)[:, None] * heads,
            cost=patterns.cost.to_numpy(dtype=float)[:, None] * heads + 0.0,
        ),
        "coverage": _long(
            sets,
            "coverage",
            heads=plan.heads,
            agents_on_duty=plan.on_duty,
            agents_needed=plan.needed,
            over=plan.over,
        ),
    }


def _cost_range(solution: Solution, family: str, lowest: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per variable, the range of its cost per unit over which the plan stays optimal (HiGHS's cost
    ranging for this variable alone); NaN without ranging (a MILP, or not optimal). `lowest`: the least
    value the cost's field allows (0 for a rework cost), where the range's lower end is clipped: HiGHS
    ranges the LP's coefficient, which may go where the scenario's field may not (-640 EUR a unit)."""
    ranging = solution.column_ranging.get(family)
    if ranging is None:
        shape = solution.values[family].shape
        return np.full(shape, np.nan), np.full(shape, np.nan)
    if lowest is None:
        return ranging.cost_lower, ranging.cost_upper
    return np.maximum(ranging.cost_lower, lowest), ranging.cost_upper  # NaN stays NaN


def _stock_table(ev: Evaluated) -> pd.DataFrame:
    """Per storable node and demand: stock at the start, units produced, orders shipped, stock at the end."""
    sets = ev.sets
    stocks = sets.stocks
    at = sets.position("demand_nodes", ["demand", "node"], "stocks")
    closing = ev.values["k"]
    return _long(
        sets,
        "stock",
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
        per_unit = np.where(ev.units_served > 0, cost_to_serve / ev.units_served, np.nan)
    kpis = _long(
        sets,
        "demand_kpis",
        volume=ev.volume,
        served=ev.units_served,  # lost by a queue without overflow: unmet, not served
        backlog=ev.backlog,
        unmet=ev.units_unmet,
        quality=ev.quality,
        min_quality=np.repeat(demands.min_quality.to_numpy()[:, None], T, axis=1),
        mean_response_time=ev.response_time,
        max_mean_response_time=np.repeat(demands.max_mean_response_time.to_numpy()[:, None], T, axis=1),
        cost_to_serve=cost_to_serve,
        cost_per_unit=per_unit,
        marginal_cost=marginal,
    )
    kpis["quality_met"], kpis["response_time_met"], kpis["met"] = target_flags(kpis)
    return kpis


def target_flags(kpis: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """`quality_met`, `response_time_met` and `met` of demand_kpis rows (nullable booleans).

    A target is an average over the units served, so where nothing was served it was neither met nor
    missed: its flag is empty (NA), never true. Without a target the flag is true. `met` asks more: every
    unit due in the period served in it (no backlog carried out, nothing unmet) and no target missed;
    an empty target flag then means nothing was due, and counts as met."""
    tolerance = RELATIVE_TOLERANCE
    scale = 1.0 + kpis.volume.abs()
    nothing_served = kpis.served <= tolerance * scale
    quality = kpis.min_quality.isna() | (kpis.quality >= kpis.min_quality - tolerance)
    limit = kpis.max_mean_response_time
    response = limit.isna() | (kpis.mean_response_time <= limit * (1 + tolerance))
    quality_met = pd.Series(quality, dtype="boolean").mask(nothing_served & kpis.min_quality.notna())
    response_met = pd.Series(response, dtype="boolean").mask(nothing_served & limit.notna())
    in_full = (kpis.backlog <= tolerance * scale) & (kpis.unmet <= tolerance * scale)
    met = pd.Series(in_full, dtype="boolean") & quality_met.fillna(True) & response_met.fillna(True)
    return quality_met, response_met, met


RENAMED_KPIS = RENAMED_COLUMNS["demand_kpis"]
"""demand_kpis columns renamed since earlier runs (old name -> new), as model/tables.py declares them."""


def upgrade_kpis(kpis: pd.DataFrame) -> pd.DataFrame:
    """A demand_kpis table read from a run folder, in today's columns: a run written before the
    rename to mean response times is renamed, and one without `met` gets it (target_flags)."""
    kpis = kpis.rename(columns={old: new for old, new in RENAMED_KPIS.items() if new not in kpis.columns})
    if "met" not in kpis.columns and {"volume", "served", "backlog", "unmet"} <= set(kpis.columns):
        kpis["quality_met"], kpis["response_time_met"], kpis["met"] = target_flags(kpis)
    return kpis


def unallocated_cost(tables: dict[str, pd.DataFrame]) -> float:
    """Cost no demand caused (staff at nodes no demand ever loaded); 0 within float round-off."""
    serving = tables["cost_to_serve"]
    left = float(serving[serving.demand == UNALLOCATED].cost_to_serve.sum())
    return 0.0 if abs(left) < 1e-6 else left  # a millionth of a currency unit: far below a cent


def marginal_costs(model: LinearModel, solution: Solution) -> np.ndarray:
    """d(total cost) / d(volume[d,t]) in currency per unit: the reduced cost of the volume column
    v[d,t], which is fixed at V[d,t] (model.md, Duals). Under `objective: margin`, d(cost - revenue)
    / dV: the reduced cost less the demand's price (the LP's objective is cost - revenue + the
    revenue of every unit due). NaN without duals (a MILP, or not optimal)."""
    found = solution.reduced_costs.get("v")
    if found is None:
        return np.full((len(model.sets.demands), model.sets.period_count), np.nan)
    found = found - model.sets.demands["forgone_price"].to_numpy(dtype=float)[:, None]
    return np.where(np.abs(found) < 1e-12, 0.0, found)


def _costs_table(ev: Evaluated, extension_costs: dict[str, float]) -> pd.DataFrame:
    """Cost per period, stage, node and category: each cost term (model.lp.objective) at the node it
    is booked at (hand-offs at the receiving node; backlog and unmet penalties at the demand's
    origin, where the waiting order sits), then the extension's cost terms. Zero sums are left out."""
    groups, codes = _cost_groups(ev.sets)
    amounts = np.concatenate([ev.costs[term.category].ravel() for term in REPORTED_TERMS])
    total = np.bincount(codes, weights=amounts, minlength=len(groups["period"]))
    kept = total != 0
    frame = pd.DataFrame(
        {**{c: values[kept].reset_index(drop=True) for c, values in groups.items()}, "amount": total[kept]}
    )
    extra = {name: amount for name, amount in extension_costs.items() if amount != 0}
    if not extra:
        return frame
    rows = pd.DataFrame(
        {
            "period": text([EXTENSION] * len(extra)),
            "stage": text([EXTENSION] * len(extra)),
            "node": text([EXTENSION] * len(extra)),
            "category": text(list(extra)),
            "amount": list(extra.values()),
        }
    )
    return pd.concat([frame, rows], ignore_index=True)


def _cost_groups(sets: IndexSets) -> tuple[dict[str, pd.Series], np.ndarray]:
    """The (period, stage, node, category) of the costs table, sorted, and the group of each cost item
    (every reported term's items x periods, in COST_TERMS order): made once per structure."""
    found = sets.lookups.get("cost groups")
    if found is not None:
        return found
    T = sets.period_count
    stage_of = dict(zip(sets.nodes.node, sets.nodes.stage))
    parts = []
    for term in REPORTED_TERMS:
        node = getattr(sets, BY_NAME[term.variable].table)[term.booked_at].to_numpy(dtype=object)
        parts.append(
            pd.DataFrame(
                {"period": np.tile(np.arange(T), len(node)), "node": np.repeat(node, T), "category": term.category}
            )
        )
    items = pd.concat(parts, ignore_index=True)
    items["stage"] = items.node.map(stage_of)
    keys = ["period", "stage", "node", "category"]  # periods in their order, the rest alphabetically
    unique = items[keys].drop_duplicates().sort_values(keys).reset_index(drop=True)
    codes = pd.MultiIndex.from_frame(unique).get_indexer(pd.MultiIndex.from_frame(items[keys]))
    groups = {
        "period": text(np.asarray(sets.periods, dtype=object)[unique.period.to_numpy()]),
        **{column: text(unique[column]) for column in ("stage", "node", "category")},
    }
    sets.lookups["cost groups"] = (groups, codes)
    return groups, codes


def _constraint_keys(model: LinearModel, family: str) -> dict[str, pd.Series]:
    """The constraints table's text columns of a family's rows: made once per LP layout (refigured
    models share them)."""

    def make() -> dict[str, pd.Series]:
        labels = model.labels(family)
        subject, period = labels.subject.to_numpy(dtype=str), labels.period.to_numpy(dtype=str)
        inside = np.char.add(np.char.add(np.char.replace(subject, " ", ","), ","), period)
        names = np.char.add(np.char.add(family + "[", inside), "]")
        return {
            "constraint": text(names.astype(object)),
            "family": text(np.full(len(labels), family, dtype=object)),
            "period": text(labels.period),
            "subject": text(labels.subject),
        }

    return model.cached(("constraint keys", family), make)


def _constraints_table(model: LinearModel, solution: Solution) -> pd.DataFrame:
    parts = []
    for name, block in model.blocks.items():
        if name not in solution.rows or not len(block):
            continue
        rows = solution.rows[name]
        keys = _constraint_keys(model, name)
        frame = pd.DataFrame(
            {
                **keys,
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
