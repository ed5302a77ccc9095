"""Check a solution against the scenario's own constraints, without asking the LP or HiGHS.

Run after every solve that returns values; a solution that fails any check is not reported.
Each violation names its family, its subject and by how much it fails.
"""

from __future__ import annotations

import numpy as np

from model.solution import Evaluated, duty_hours, group_sum

RELATIVE_TOLERANCE = 1e-6
"""A row passes when it fails by at most this share of its magnitude (1 + |left| + |right|): HiGHS's
primal feasibility tolerance is 1e-7 on scaled rows, so a real error is far larger than this."""


def _violations(family: str, labels: list[str], excess: np.ndarray, scale: np.ndarray, periods: list[str]) -> list[str]:
    """Where `excess` (how far past its limit each row is) is beyond tolerance: one message each."""
    bad = np.argwhere(excess > RELATIVE_TOLERANCE * (1.0 + np.abs(scale)))
    return [f"{family} {labels[i]} {periods[t]}: off by {excess[i, t]:.6g}" for i, t in bad[:20]]


def check_solution(ev: Evaluated, integer_staff: bool = False) -> list[str]:
    """Every constraint family of model.md, recomputed; an empty list means the solution holds."""
    sets, v, P = ev.sets, ev.values, ev.sets.periods
    dn, staff, demands = sets.demand_nodes, sets.staff, sets.demands
    node_labels = (dn.demand + "@" + dn.node).tolist()
    staff_labels = (staff.node + "/" + staff.role).tolist()
    demand_labels = demands.demand.tolist()
    found: list[str] = []

    for name, grid in v.items():
        found += _violations(f"nonnegative {name}", [str(i) for i in range(len(grid))], -grid, grid, P)
    balance = ev.arrivals - ev.outflow - ev.fulfilled
    found += _violations("pass-through", node_labels, np.abs(balance), ev.arrivals, P)
    work = ev.processed + ev.stock_before - ev.arrivals - ev.stock
    found += _violations("work balance", node_labels, np.abs(work), ev.arrivals, P)

    found += _violations("labour", staff_labels, ev.hours_used - ev.hours_available, ev.hours_used, P)
    overtime_cap = staff.overtime_max.to_numpy()[:, None] * v["s"]
    found += _violations("overtime", staff_labels, v["o"] - overtime_cap, overtime_cap, P)
    found += _violations("staff min", staff_labels, staff["min"].to_numpy()[:, None] - v["s"], v["s"], P)
    found += _violations("staff max", staff_labels, v["s"] - staff["max"].to_numpy()[:, None], v["s"], P)
    initial = staff.initial.to_numpy()
    change = v["s"] - np.concatenate([np.nan_to_num(initial, nan=0.0)[:, None], v["s"][:, :-1]], axis=1)
    change[np.isnan(initial), 0] = 0.0  # without `initial` the first period's staff is free
    found += _violations("staff balance", staff_labels, np.abs(change - v["hire"] + v["fire"]), v["s"], P)
    if integer_staff:
        found += _violations("whole FTE", staff_labels, np.abs(v["s"] - np.round(v["s"])), v["s"] * 0, P)

    capacity = sets.nodes.capacity.to_numpy()[:, None]
    found += _violations("node capacity", sets.nodes.node.tolist(), ev.node_units - capacity, ev.node_units, P)
    arc_capacity = sets.arcs.capacity.to_numpy()[:, None]
    found += _violations("arc capacity", sets.arcs.arc.tolist(), ev.arc_units - arc_capacity, ev.arc_units, P)

    min_quality = demands.min_quality.to_numpy()[:, None]
    allowed_defects = np.where(np.isnan(min_quality), np.inf, (1.0 - min_quality) * ev.served)
    found += _violations("quality target", demand_labels, ev.defects - allowed_defects, ev.defects, P)
    max_time = demands.max_mean_response_time.to_numpy()[:, None]
    allowed_time = np.where(np.isnan(max_time), np.inf, max_time * ev.served)
    found += _violations("response-time target", demand_labels, ev.time_spent - allowed_time, ev.time_spent, P)

    found += _check_queues(ev)

    final_backlog = (ev.backlog[:, -1] - demands.final_backlog.to_numpy())[:, None]
    found += _violations("final backlog", demand_labels, final_backlog, ev.backlog[:, -1:], P[-1:])
    final_stock = (sets.stocks.final_min.to_numpy() - v["k"][:, -1])[:, None] if len(sets.stocks) else np.zeros((0, 1))
    stock_labels = (sets.stocks.demand + "@" + sets.stocks.node).tolist()
    found += _violations("final stock", stock_labels, final_stock, final_stock * 0, P[-1:])
    return found


def _check_queues(ev: Evaluated) -> list[str]:
    """Each unit at a queued node queues in one lane; the lanes' hours on duty are staffed hours."""
    sets, v, P = ev.sets, ev.values, ev.sets.periods
    if not len(sets.queues):
        return []
    dn = sets.demand_nodes
    queued = dn.node.isin(sets.queues.node).to_numpy()
    in_lanes = group_sum(sets.position("demand_nodes", ["demand", "node"], "demand_lanes"), v["q"], len(dn))
    labels = (dn.demand + "@" + dn.node).tolist()
    split = np.where(queued[:, None], np.abs(in_lanes - ev.processed), 0.0)
    found = _violations("lane split", labels, split, ev.processed, P)
    nodes, on_duty = duty_hours(sets, v)
    assigned = group_sum(nodes.get_indexer(sets.queues.node), v["a"], len(nodes))
    return found + _violations("queue duty", nodes.tolist(), assigned - on_duty, on_duty, P)


def check_objective(ev: Evaluated, objective: float) -> list[str]:
    """The cost recomputed from the solution equals the solver's objective; under `objective: margin`
    the cost plus the revenue forgone (price x units never served) does, so that revenue - cost is
    the objective's constant, the revenue of every unit due, minus it."""
    total = ev.objective
    if abs(total - objective) > RELATIVE_TOLERANCE * (1.0 + abs(objective)):
        forgone = float(ev.forgone.sum())
        made_of = f"the costs add up to {ev.total_cost:.6f}" + (
            f" and the revenue forgone to {forgone:.6f}" if forgone else ""
        )
        return [f"objective: the solver reports {objective:.6f} but {made_of}"]
    return []
