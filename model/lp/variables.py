"""The LP's mutable parameters and its variables, each family only where a demand can flow.

Parameters hold the figures a what-if changes (volumes, costs, targets, capacities, staff bounds),
so a re-solve can set them without rebuilding. Other figures (hours per unit, qualities, times) are
plain numbers in the index tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from model.lp.rows import NO_VAR, VarGrid
from model.network import IndexSets


def parameter_values(sets: IndexSets) -> dict[str, dict]:
    """Every mutable parameter's values, keyed as the parameter is indexed."""
    demands, staff = sets.demands, sets.staff
    modes = sets.demand_modes.drop_duplicates(["node", "mode"])
    roles = staff.drop_duplicates("role").set_index("role")
    with_quality = demands.dropna(subset=["min_quality"])
    with_time = demands.dropna(subset=["max_response_time"])
    finite_nodes = sets.nodes[np.isfinite(sets.nodes.capacity)]
    finite_arcs = sets.arcs[np.isfinite(sets.arcs.capacity)]
    positions = list(zip(staff.node, staff.role))
    with_initial = staff.dropna(subset=["initial"])
    return {
        "volume": {(d, p): float(v) for d, row in zip(demands.demand, sets.volumes) for p, v in zip(sets.periods, row)},
        "cost_per_fte": roles.cost_per_fte.to_dict(),
        "overtime_cost": roles.overtime_cost.to_dict(),
        "hire_cost": roles.hire_cost.to_dict(),
        "layoff_cost": roles.layoff_cost.to_dict(),
        "unit_cost": dict(zip(zip(modes["node"], modes["mode"]), modes["unit_cost"])),
        "arc_cost": dict(zip(sets.arcs.arc, sets.arcs.cost)),
        "holding_cost": dict(zip(sets.stocks.node, sets.stocks.holding_cost)),
        "backlog_cost": dict(zip(demands.demand, demands.backlog_cost)),
        "unmet_penalty": dict(zip(demands.demand, demands.unmet_penalty)),
        "min_quality": dict(zip(with_quality.demand, with_quality.min_quality)),
        "max_response_time": dict(zip(with_time.demand, with_time.max_response_time)),
        "node_capacity": dict(zip(finite_nodes.node, finite_nodes.capacity)),
        "arc_capacity": dict(zip(finite_arcs.arc, finite_arcs.capacity)),
        "staff_min": dict(zip(positions, staff["min"])),
        "staff_max": dict(zip(positions, staff["max"])),  # inf reads as "no bound"
        "staff_initial": dict(zip(zip(with_initial.node, with_initial.role), with_initial.initial)),
    }


def add_parameters(lp: pyo.ConcreteModel, sets: IndexSets) -> None:
    for name, values in parameter_values(sets).items():
        lp.add_component(name, pyo.Param(list(values), initialize=values, mutable=True, within=pyo.Any))


QUEUE_PARAMETERS = ("service_level_slope", "service_level_intercept", "wait_slope", "wait_intercept", "lane_wait")
"""Per (node, lane, period), set by the queue iterations (model/queues.py), not by a what-if: each
requirement's tangent, a[n,l,t] >= slope * (units in the lane) + intercept (hours per unit, hours),
and the wait per unit each unit in the lane adds to its response time (time units)."""


def add_queue_parameters(lp: pyo.ConcreteModel, sets: IndexSets) -> None:
    """The queue parameters, 0 until model/queues.py sets them (`set_start`, then `set_tangents`)."""
    queues, periods = sets.queues, sets.periods
    index = [(n, lane, p) for n, lane in zip(queues.node, queues.lane) for p in periods]
    for name in QUEUE_PARAMETERS:
        lp.add_component(name, pyo.Param(index, initialize=0.0, mutable=True, within=pyo.Reals))


def update_parameters(lp: pyo.ConcreteModel, sets: IndexSets) -> None:
    """Set every mutable parameter from `sets`; ValueError if an index changed (that needs a rebuild)."""
    for name, values in parameter_values(sets).items():
        component = lp.component(name)
        if set(values) != set(component.keys()):
            changed = sorted(map(str, set(values) ^ set(component.keys())))[:3]
            raise ValueError(f"'{name}' is indexed differently ({', '.join(changed)}): rebuild the model")
        component.store_values(values)


def _grid(
    lp: pyo.ConcreteModel,
    name: str,
    rows: pd.DataFrame,
    keys: list[str],
    periods: list[str],
    exists: np.ndarray | None = None,
    **var_options: object,
) -> VarGrid:
    """A variable for each (row, period) where `exists`, indexed by the row's keys and the period."""
    exists = np.ones((len(rows), len(periods)), dtype=bool) if exists is None else exists
    key_tuples = list(zip(*(rows[k].tolist() for k in keys))) if keys else [()] * len(rows)
    index = [(*key, p) for key, mask in zip(key_tuples, exists) for p, ok in zip(periods, mask) if ok]
    var = pyo.Var(index, **{"domain": pyo.NonNegativeReals, "dense": True, **var_options})
    lp.add_component(name, var)
    grid = np.full(exists.shape, NO_VAR, dtype=object)
    grid[exists] = list(var.values())
    return VarGrid(name, var, rows, grid)


def add_variables(lp: pyo.ConcreteModel, sets: IndexSets, integer_staff: bool) -> dict[str, VarGrid]:
    """x, y, z (flows), s, o, hire, fire (staffing), k (stock), b (backlog), u (unmet) of model.md;
    q (units of a demand in a queue's lane) and a (hours on duty in a lane) where nodes have queues."""
    periods, T = sets.periods, sets.period_count
    staff = sets.staff
    first_is_free = np.isnan(staff["initial"].to_numpy())
    changes = np.ones((len(staff), T), dtype=bool)
    changes[first_is_free, 0] = False  # without `initial`, the first period's staff is chosen freely
    has_overtime = np.repeat((staff.overtime_max.to_numpy() > 0)[:, None], T, axis=1)
    backlog = sets.demands[sets.demands.backlog].reset_index(drop=True)
    unmet = sets.demands[sets.demands.unmet].reset_index(drop=True)

    def staff_bounds(m: pyo.ConcreteModel, node: str, role: str, _period: str) -> tuple:
        return (m.staff_min[node, role], m.staff_max[node, role])

    return {
        "x": _grid(lp, "x", sets.demand_arcs, ["demand", "arc"], periods),
        "y": _grid(lp, "y", sets.demand_modes, ["demand", "node", "mode"], periods),
        "z": _grid(lp, "z", sets.sinks, ["demand", "node"], periods),
        "s": _grid(
            lp,
            "s",
            staff,
            ["node", "role"],
            periods,
            bounds=staff_bounds,
            domain=pyo.NonNegativeIntegers if integer_staff else pyo.NonNegativeReals,
        ),
        "o": _grid(lp, "o", staff, ["node", "role"], periods, exists=has_overtime),
        "hire": _grid(lp, "hire", staff, ["node", "role"], periods, exists=changes),
        "fire": _grid(lp, "fire", staff, ["node", "role"], periods, exists=changes),
        "k": _grid(lp, "k", sets.stocks, ["demand", "node"], periods),
        "b": _grid(lp, "b", backlog, ["demand"], periods),
        "u": _grid(lp, "u", unmet, ["demand"], periods),
        "q": _grid(lp, "q", sets.demand_lanes, ["demand", "node", "lane"], periods),
        "a": _grid(lp, "a", sets.queues, ["node", "lane"], periods),
    }
