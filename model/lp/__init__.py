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
    add_lane_split,
    add_pass_through,
    add_quality_targets,
    add_queue_average_wait,
    add_queue_duty,
    add_queue_service_level,
    add_response_time_targets,
    add_staff_balance,
    add_work_balance,
)
from model.lp.form import StandardForm, compile_pyomo
from model.lp.objective import COST_TERMS, add_objective
from model.lp.rows import RowBlock, VarGrid
from model.lp.variables import add_parameters, add_queue_parameters, add_variables, update_parameters
from model.network import IndexSets, position


@dataclass
class LinearModel:
    """The LP's variable grids and constraint blocks, aligned to the index sets, and the LP itself:
    the Pyomo model `lp` (from `build`), or, from `model.lp.matrix.build_matrix`, its standard form
    `form` assembled directly (then `lp` is None)."""

    lp: pyo.ConcreteModel | None
    sets: IndexSets
    variables: dict[str, VarGrid]
    blocks: dict[str, RowBlock]
    integer_staff: bool
    shape: tuple = ()  # `structure(sets)`: what a re-solve must leave unchanged
    form: StandardForm | None = None

    def standard_form(self) -> StandardForm:
        """The LP as HiGHS receives it: compiled from the Pyomo model (its current parameter values),
        or the one assembled directly."""
        if self.lp is None:
            return self.form
        return compile_pyomo(self.lp, self.variables, self.blocks)


def build(sets: IndexSets, name: str = "value_chain", integer_staff: bool = False) -> LinearModel:
    lp = pyo.ConcreteModel(name=name)
    add_parameters(lp, sets)
    add_queue_parameters(lp, sets)
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
        add_lane_split(ctx),  # 9
        add_queue_service_level(ctx),  # 10
        add_queue_average_wait(ctx),  # 10
        add_queue_duty(ctx),  # 11
    ]
    add_objective(lp, v)
    return LinearModel(lp, sets, v, {b.name: b for b in blocks}, integer_staff, structure(sets))


FIXED_FIGURES = {
    "demand_arcs": ["demand", "arc", "lead_time"],
    "demand_modes": ["demand", "node", "mode", "hours_per_unit", "quality", "processing_time", "wait_time"],
    "demand_nodes": ["demand", "node", "storable", "node_time"],
    "sinks": ["demand", "node"],
    "stocks": ["demand", "node", "initial", "final_min"],
    "staff": ["node", "role", "hours_per_fte", "max_utilisation", "overtime_max"],
    "demands": ["demand", "origin", "backlog", "unmet", "final_backlog", "quality_row", "response_row"],
    "nodes": ["node"],
    "arcs": ["arc"],
    "queues": ["node", "lane", "open_hours", "peak_factor", "handle_time", "service_level", "within", "average_wait"],
    "demand_lanes": ["demand", "node", "lane"],
}
"""Everything the model holds as a plain number or as its shape: the index tables' keys and every
figure that is not a mutable parameter. A re-solve may change only the parameters."""


def volume_weights(model: LinearModel) -> dict[str, np.ndarray]:
    """Where a volume V[d,t] enters the LP, and its coefficient on that row's right-hand side, per
    demand (D,): -1 in its origin's pass-through, +1 in its origin's work balance, 1 - Q[d] in its
    quality target, T[d] - the origin's own time (a storable origin) in its response-time target
    (0 where the demand has no such row). Marginal costs, the diagnosis and sensitivity read V's
    effect off these."""
    demands, nodes = model.sets.demands, model.sets.demand_nodes
    origin = nodes.iloc[position(nodes, ["demand", "node"], demands, ["demand", "origin"])]
    origin_time = np.where(origin.storable, origin.node_time, 0.0)
    quality = demands.min_quality.to_numpy(dtype=float)
    response = demands.max_response_time.to_numpy(dtype=float)
    return {
        "pass_through": np.full(len(demands), -1.0),
        "work_balance": np.full(len(demands), 1.0),
        "quality_target": np.where(np.isnan(quality), 0.0, 1.0 - quality),
        "response_time_target": np.where(np.isnan(response), 0.0, response - origin_time),
    }


def structure(sets: IndexSets) -> tuple:
    """What a re-solve must leave unchanged: FIXED_FIGURES, the periods and period length, and
    which optional parts exist (initial staff, targets, finite capacities)."""
    tables = tuple(
        tuple(map(tuple, getattr(sets, table)[columns].to_numpy().tolist())) for table, columns in FIXED_FIGURES.items()
    )
    present = (
        tuple(sets.staff.initial.notna()),
        tuple(sets.demands.min_quality.notna()),
        tuple(sets.demands.max_response_time.notna()),
        tuple(np.isfinite(sets.nodes.capacity)),
        tuple(np.isfinite(sets.arcs.capacity)),
    )
    return (tuple(sets.periods), sets.period_length, *tables, *present)


def update(model: LinearModel, sets: IndexSets) -> LinearModel:
    """The same Pyomo model with the figures of `sets` (a what-if that changes only mutable
    parameters), for a re-solve without rebuilding. ValueError otherwise: build a new model then.

    The Pyomo model is changed in place: the LinearModel passed in shares it and is stale afterwards.
    """
    if len(sets.queues):
        raise ValueError("a scenario with queues is solved by tangent iterations (model.queues): build it again")
    if structure(sets) != model.shape:
        raise ValueError(
            "the what-if changes more than the mutable parameters (volumes, costs, targets, "
            "capacities, staff bounds): build the model again"
        )
    update_parameters(model.lp, sets)
    return replace(model, sets=sets)


__all__ = ["COST_TERMS", "LinearModel", "StandardForm", "build", "update", "volume_weights"]
