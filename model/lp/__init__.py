"""The Pyomo formulation of model.md. `build` reads as its table of contents."""

from __future__ import annotations

from dataclasses import dataclass

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
from model.lp.variables import add_parameters, add_variables
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


__all__ = ["COST_TERMS", "LinearModel", "build"]
