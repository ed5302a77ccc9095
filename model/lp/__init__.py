"""The Pyomo formulation of model.md. `build` reads as its table of contents."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pyomo.environ as pyo

from model.lp.constraints import (
    Context,
    add_arc_capacity,
    add_end_of_horizon,
    add_labour_capacity,
    add_node_capacity,
    add_overtime_limit,
    add_pass_through,
    add_quality_targets,
    add_response_time_targets,
    add_staff_balance,
    add_work_balance,
)
from model.lp.objective import COST_TERMS, add_objective
from model.lp.rows import RowBlock, VarGrid
from model.lp.variables import add_parameters, add_variables, update_parameters
from model.network import IndexSets


@dataclass
class LinearModel:
    """The Pyomo model `lp` with its variable grids and constraint blocks, aligned to the index sets."""

    lp: pyo.ConcreteModel
    sets: IndexSets
    variables: dict[str, VarGrid]
    blocks: dict[str, RowBlock]
    integer_staff: bool


def build(sets: IndexSets, name: str = "value_chain", integer_staff: bool = False) -> LinearModel:
    lp = pyo.ConcreteModel(name=name)
    add_parameters(lp, sets)
    v = add_variables(lp, sets, integer_staff)
    ctx = Context.create(lp, sets, v)
    blocks = [
        add_pass_through(ctx),  # 1
        add_work_balance(ctx),  # 2
        add_labour_capacity(ctx),  # 3
        add_overtime_limit(ctx),  # 3
        add_staff_balance(ctx),  # 4
        add_node_capacity(ctx),  # 5
        add_arc_capacity(ctx),  # 5
        add_quality_targets(ctx),  # 6
        add_response_time_targets(ctx),  # 7
        *add_end_of_horizon(ctx),  # 8
    ]
    add_objective(lp, v)
    return LinearModel(lp, sets, v, {b.name: b for b in blocks}, integer_staff)


def structure(sets: IndexSets) -> tuple:
    """What decides which variables and rows exist; a re-solve may change anything else.

    The index tables' keys, which staff positions start from `initial` or have overtime, and which
    demands have backlog, unmet allowance, and quality and response-time targets.
    """
    staff, demands = sets.staff, sets.demands
    return (
        tuple(sets.periods),
        *(tuple(map(tuple, table[keys].to_numpy().tolist())) for table, keys in (
            (sets.demand_arcs, ["demand", "arc"]), (sets.demand_modes, ["demand", "node", "mode"]),
            (sets.demand_nodes, ["demand", "node", "storable"]), (sets.sinks, ["demand", "node"]),
            (sets.stocks, ["demand", "node"]), (sets.nodes, ["node"]), (sets.arcs, ["arc"]))),
        tuple(zip(staff.node, staff.role, staff.initial.notna(), staff.overtime_max > 0)),
        tuple(zip(demands.demand, demands.backlog, demands.unmet, demands.min_quality.notna(),
                  demands.max_response_time.notna(), np.isfinite(demands.final_backlog))),
        tuple(np.isfinite(sets.nodes.capacity)), tuple(np.isfinite(sets.arcs.capacity)),
    )


def update(model: LinearModel, sets: IndexSets) -> LinearModel:
    """The same Pyomo model with the figures of `sets` (a what-if of the same structure), for a
    re-solve without rebuilding. ValueError where the structure differs: build a new model then."""
    if structure(sets) != structure(model.sets):
        raise ValueError("the scenario's structure changed (paths, modes, periods, targets present, "
                         "staff with initial or overtime, finite capacities): build the model again")
    update_parameters(model.lp, sets)
    return replace(model, sets=sets)


__all__ = ["COST_TERMS", "LinearModel", "build", "update"]
