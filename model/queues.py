"""Staffing that meets Erlang C queue targets inside the LP: tangent iterations (model.md, queues).

The agents a queue needs, g(A), grow concavely with its load A in Erlangs, so the tangent at any
load A0 lies above g: a[n,l,t] >= open (g(A0) + g'(A0) (A - A0)) is safe at every load and exact
at A0. Each iteration solves the LP with every lane's tangent at its last load, then moves the
tangents to the new loads. The last solution stays feasible for the next LP (its staff meets the
new tangent at its own load, which is g there), so the cost never rises. It stops when no lane's
load moved from its tangent point: the next LP would be the same, so staffing has stopped changing.

Per lane and period the plan also holds the wait each unit adds to its demand's response time: a
lane with an `average_wait` target waits that long at most; a service-level-only lane gets the
average wait its target implies at its load, lowered (never raised) as the loads move, with a
second tangent row keeping the lane's average wait at or below it, so the response times stay
bounds of the waits the staffing gives.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.lp import LinearModel
from model.network import IndexSets, position
from model.queueing import average_wait, erlang_c, required_agents, requirement_tangent, service_level
from model.solution import Evaluated, group_sum
from model.solve import Solution, SolveOptions, solve

CONVERGED_LOAD = 1e-4
"""The iterations stop when no lane's load moved from its tangent point by more than this share of
it (or of one Erlang, for lanes under one): the next LP would be the same one, so staffing has
stopped changing."""

CLOSED_UNITS = 1e-6
"""A lane with fewer units than this in a period carries no load: it is closed from then on."""


@dataclass(frozen=True)
class QueuePlan:
    """Per lane (row of `sets.queues`) and period: where the tangents touch and the wait counted."""

    load: np.ndarray  # A0, Erlangs
    wait: np.ndarray  # w, hours: the wait a unit in the lane adds to its response time
    closed: np.ndarray  # bool: the lane carries no units (its q fixed at 0)


@dataclass
class QueueRun:
    """What the iterations produced: the final solution, the plan it was solved with, and the log."""

    solution: Solution
    plan: QueuePlan | None
    log: pd.DataFrame
    converged: bool
    timings: dict[str, float]  # each solve phase (handoff, solve, extract) summed over the iterations

    @property
    def iterations(self) -> int:
        return int((self.log.iteration > 0).sum())


def lane_units(sets: IndexSets, values: dict[str, np.ndarray]) -> np.ndarray:
    """Units routed into each lane per period (queues x T)."""
    at = position(sets.queues, ["node", "lane"], sets.demand_lanes)
    return group_sum(at, np.nan_to_num(values["q"], nan=0.0), len(sets.queues))


def erlangs(sets: IndexSets, units: np.ndarray) -> np.ndarray:
    """Peak load in Erlangs: A = units / open hours x peak factor x handle time (`units` in handle
    times h[n], as `lane_load` gives them)."""
    q = sets.queues
    return units * (q.peak_factor * q.handle_time / q.open_hours).to_numpy()[:, None]


def lane_load(sets: IndexSets, values: dict[str, np.ndarray]) -> np.ndarray:
    """The load the LP sees in each lane (queues x T), in units of the node's handle time h[n]: a
    node's only lane, its hours worked / h[n]; a lane of several, its units (model.lp, constraint 10)."""
    q = sets.queues
    load = lane_units(sets, values)
    alone = (q.groupby("node").lane.transform("count") == 1).to_numpy()
    modes = sets.demand_modes
    at = position(q[alone].reset_index(drop=True), ["node"], modes)
    hours = group_sum(at, modes.hours_per_unit.to_numpy()[:, None] * np.nan_to_num(values["y"], nan=0.0),
                      int(alone.sum()))
    load[alone] = hours / q.handle_time.to_numpy()[alone, None]
    return load


def _targets(sets: IndexSets, T: int) -> dict[str, np.ndarray]:
    q = sets.queues
    return {name: np.repeat(q[name].to_numpy()[:, None], T, axis=1)
            for name in ("handle_time", "service_level", "within", "average_wait")}


def implied_wait(sets: IndexSets, load: np.ndarray) -> np.ndarray:
    """The average wait (hours) at exactly the agents a lane's service-level target needs at `load`;
    NaN for lanes without one, 0 where the load is 0."""
    t = _targets(sets, load.shape[1])
    wait = np.full(load.shape, np.nan)
    has = ~np.isnan(t["service_level"]) & (load > 0)
    if has.any():
        needed = required_agents(load[has], t["handle_time"][has], service_level=t["service_level"][has],
                                 within=t["within"][has])
        wait[has] = average_wait(needed, load[has], t["handle_time"][has])
    wait[~np.isnan(t["service_level"]) & (load <= 0)] = 0.0
    return wait


def start_plan(sets: IndexSets, units: np.ndarray) -> QueuePlan:
    """Tangents at the loads of the start solve (queues relaxed to agents >= load), each node's
    load split evenly over its lanes (the start cannot tell them apart); nodes without load close."""
    q = sets.queues
    node_units = pd.DataFrame(units).groupby(q.node.to_numpy()).transform("sum").to_numpy()
    lanes = q.groupby("node").lane.transform("count").to_numpy()[:, None]
    load = erlangs(sets, node_units / lanes)
    closed = node_units < CLOSED_UNITS
    average = np.repeat(q.average_wait.to_numpy()[:, None], load.shape[1], axis=1)
    wait = np.where(np.isnan(average), implied_wait(sets, load), average)
    return QueuePlan(np.where(closed, 0.0, load), np.where(closed, 0.0, wait), closed)


def next_plan(sets: IndexSets, plan: QueuePlan, units: np.ndarray) -> QueuePlan:
    """Tangents moved to the loads just solved; a lane left without units closes; a
    service-level-only lane's wait moves to the one its target implies, if that is lower."""
    closed = plan.closed | (units < CLOSED_UNITS)
    load = np.where(closed, 0.0, erlangs(sets, units))
    implied = implied_wait(sets, load)
    wait = np.where(np.isnan(sets.queues.average_wait.to_numpy())[:, None],
                    np.fmin(plan.wait, np.where(closed, np.inf, implied)), plan.wait)
    return QueuePlan(load, np.where(closed, 0.0, wait), closed)


def set_tangents(model: LinearModel, plan: QueuePlan) -> None:
    """Write the plan into the model's queue parameters and close the closed lanes' q."""
    sets, lp = model.sets, model.lp
    q, T = sets.queues, sets.period_count
    t = _targets(sets, T)
    open_hours = np.repeat(q.open_hours.to_numpy()[:, None], T, axis=1)
    to_hours_per_unit = (q.peak_factor * q.handle_time).to_numpy()[:, None] * np.ones((1, T))
    live = ~plan.closed & (plan.load > 0)

    def tangent(**target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        has = live & ~np.isnan(next(iter(target.values())))
        value, slope = np.zeros(plan.load.shape), np.ones(plan.load.shape)
        if has.any():
            value[has], slope[has] = requirement_tangent(plan.load[has], t["handle_time"][has],
                                                         **{k: v[has] for k, v in target.items()})
        return slope * to_hours_per_unit, np.where(live, open_hours * (value - slope * plan.load), 0.0)

    sl_slope, sl_intercept = tangent(service_level=t["service_level"], within=t["within"])
    wait_slope, wait_intercept = tangent(average_wait=np.where(live, plan.wait, np.nan))
    figures = {"service_level_slope": sl_slope, "service_level_intercept": sl_intercept,
               "wait_slope": wait_slope, "wait_intercept": wait_intercept,
               "lane_wait": plan.wait / sets.hours_per_time_unit}
    keys = [(n, lane, p) for n, lane in zip(q.node, q.lane) for p in sets.periods]
    for name, values in figures.items():
        lp.component(name).store_values(dict(zip(keys, values.ravel().tolist())))
    _close_lanes(model, plan.closed)


def _close_lanes(model: LinearModel, closed: np.ndarray) -> None:
    grid = model.variables["q"].grid
    lane_of = position(model.sets.queues, ["node", "lane"], model.sets.demand_lanes)
    for variable in grid[closed[lane_of] & model.variables["q"].exists]:
        variable.setub(0.0)


def _moved(plan: QueuePlan, load: np.ndarray) -> float:
    """Largest move of a lane's load from its tangent point, relative to the load (or one Erlang)."""
    if load.size == 0:
        return 0.0
    return float(np.max(np.abs(load - plan.load) / np.maximum(1.0, plan.load)))


def solve_queues(model: LinearModel, options: SolveOptions, ranging: bool = True, cap: int = 20) -> QueueRun:
    """Solve a model with queues by tangent iterations (see the module docstring)."""
    sets, log, timings = model.sets, [], {}

    def record(iteration: int, solution: Solution, moved: float, plan: QueuePlan | None, seconds: float) -> None:
        for phase, spent in solution.timings.items():
            timings[phase] = timings.get(phase, 0.0) + spent
        log.append({"iteration": iteration, "status": solution.status, "cost": solution.objective,
                    "load_moved": moved, "lanes_closed": int(plan.closed.sum()) if plan else 0,
                    "algorithm": solution.solver.get("algorithm"),
                    "simplex_iterations": solution.solver.get("simplex_iterations"),
                    "ipm_iterations": solution.solver.get("ipm_iterations"), "seconds": seconds})

    start = time.perf_counter()
    solution = solve(model, options, ranging=False)
    record(0, solution, np.nan, None, time.perf_counter() - start)
    if solution.status != "optimal":
        return QueueRun(solution, None, _log(log), False, timings)
    plan, converged = start_plan(sets, lane_load(sets, solution.values)), False
    for iteration in range(1, cap + 1):
        start = time.perf_counter()
        set_tangents(model, plan)
        solution = solve(model, options, warm_start=solution.warm_start, ranging=ranging)
        if solution.status != "optimal":
            record(iteration, solution, np.nan, plan, time.perf_counter() - start)
            break
        units = lane_load(sets, solution.values)
        moved = _moved(plan, np.where(plan.closed, 0.0, erlangs(sets, units)))
        converged = moved <= CONVERGED_LOAD and not np.any(~plan.closed & (units < CLOSED_UNITS) & (plan.load > 0))
        record(iteration, solution, moved, plan, time.perf_counter() - start)
        if converged:
            break
        if iteration < cap:  # else `plan` stays the one the last solution was solved with
            plan = next_plan(sets, plan, units)
    timings["queue_tangents"] = sum(row["seconds"] for row in log) - sum(timings.values())
    return QueueRun(solution, plan, _log(log), converged, timings)


LOG_UNITS = {"iteration": "count (0: start, queues relaxed to agents >= load)", "status": "text",
             "cost": "{currency}", "load_moved": "share of the lane's load at its tangent point (largest over lanes and periods)",
             "lanes_closed": "lane-periods", "algorithm": "text", "simplex_iterations": "count",
             "ipm_iterations": "count", "seconds": "s"}


def _log(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(LOG_UNITS))


__all__ = ["QueuePlan", "QueueRun", "solve_queues", "lane_units", "lane_load", "erlangs"]


ROUTING_UNITS = {"units": "unit", "wait_counted": "{time_unit} per unit"}

QUEUE_UNITS = {"units": "unit", "arrival_rate": "unit per hour (peak)", "handle_time": "hour per unit",
               "load": "Erlang", "agents": "agents on duty", "utilisation": "share of agents' time",
               "probability_of_waiting": "share of arrivals", "average_wait": "{time_unit}",
               "service_level": "share of arrivals answered within `within`",
               "service_level_target": "share of arrivals", "within": "{time_unit}",
               "average_wait_target": "{time_unit}", "wait_counted": "{time_unit}"}

MET_TOLERANCE = 1e-6
"""A target counts as met within this share of it (the LP's rows hold to about 1e-9 relative)."""


def queues_table(ev: Evaluated, plan: QueuePlan) -> pd.DataFrame:
    """Per lane and period, the queue as staffed, by the exact Erlang C formula (model.queueing).

    The handle time is the node's actual mix, hours worked / units worked; the agents are the node's
    staff on duty (FTE x hours per FTE + overtime, over open hours), split over its lanes as the plan
    splits them (a[n,l,t]).
    """
    sets, values = ev.sets, ev.values
    q, T = sets.queues, sets.period_count
    units = lane_units(sets, values)
    nodes = pd.Index(q.node.drop_duplicates())
    hours = group_sum(nodes.get_indexer(sets.demand_modes.node), ev.mode_hours, len(nodes))[nodes.get_indexer(q.node)]
    worked = ev.node_units[position(sets.nodes, ["node"], q)]
    with np.errstate(invalid="ignore", divide="ignore"):
        handle = np.where(worked > 0, hours / worked, q.handle_time.to_numpy()[:, None])
        rate = units / q.open_hours.to_numpy()[:, None] * q.peak_factor.to_numpy()[:, None]
        load = rate * handle
        agents = _serving_agents(sets, values)
        C = erlang_c(agents, load)
        wait = average_wait(agents, load, handle) / sets.hours_per_time_unit
        within = q.within.to_numpy()[:, None] * np.ones((1, T))
        achieved = np.where(np.isnan(within), np.nan, service_level(agents, load, handle, np.nan_to_num(within)))
        utilisation = np.where(agents > 0, load / agents, np.nan)
    to_unit = 1.0 / sets.hours_per_time_unit
    sl_target = q.service_level.to_numpy()[:, None] * np.ones((1, T))
    wait_target = q.average_wait.to_numpy()[:, None] * to_unit * np.ones((1, T))
    counted = plan.wait * to_unit
    slack = 1 + MET_TOLERANCE
    met = ((np.isnan(sl_target) | (achieved >= sl_target - MET_TOLERANCE))
           & (np.isnan(wait_target) | (wait <= wait_target * slack)) & (wait <= counted * slack + 1e-12))
    met |= units <= 0
    stage = q.node.map(dict(zip(sets.nodes.node, sets.nodes.stage)))
    keys = q[["node", "lane"]].assign(stage=stage, target=[_target_text(row, sets) for row in q.itertuples()])
    frame = keys.loc[keys.index.repeat(T)].reset_index(drop=True)
    frame.insert(0, "period", np.tile(np.asarray(sets.periods, dtype=object), len(q)))
    columns = dict(units=units, arrival_rate=rate, handle_time=handle, load=load, agents=agents,
                   utilisation=utilisation, probability_of_waiting=np.where(units > 0, C, 0.0),
                   average_wait=np.where(units > 0, wait, 0.0), service_level=np.where(units > 0, achieved, np.nan),
                   service_level_target=sl_target, within=within * to_unit, average_wait_target=wait_target,
                   wait_counted=counted)
    for name, grid in columns.items():
        frame[name] = np.asarray(grid, dtype=float).reshape(-1)
    frame["met"] = met.reshape(-1)
    return frame


def queue_routing_table(ev: Evaluated, plan: QueuePlan) -> pd.DataFrame:
    """Per demand, queued node, lane and period: the units routed into the lane (q) and the wait
    each of them adds to the demand's response time."""
    sets = ev.sets
    lane_of = position(sets.queues, ["node", "lane"], sets.demand_lanes)
    keys = sets.demand_lanes[["demand", "node", "lane"]].reset_index(drop=True)
    frame = keys.loc[keys.index.repeat(sets.period_count)].reset_index(drop=True)
    frame.insert(0, "period", np.tile(np.asarray(sets.periods, dtype=object), len(keys)))
    frame["units"] = ev.values["q"].reshape(-1)
    frame["wait_counted"] = (plan.wait[lane_of] / sets.hours_per_time_unit).reshape(-1)
    return frame


def _serving_agents(sets: IndexSets, values: dict[str, np.ndarray]) -> np.ndarray:
    """The node's staff on duty over its lanes, in the plan's proportions (a[n,l,t]); every lane
    of a node serves with some of its staff, so spare staffed hours go to the lanes too."""
    q, staff = sets.queues, sets.staff
    node_of = pd.Index(q.node.drop_duplicates())
    on_duty = group_sum(node_of.get_indexer(staff.node), staff.hours_per_fte.to_numpy()[:, None]
                        * np.nan_to_num(values["s"]) + np.nan_to_num(values["o"]), len(node_of))
    assigned = np.nan_to_num(values["a"], nan=0.0)
    per_node = group_sum(node_of.get_indexer(q.node), assigned, len(node_of))
    lane_node = node_of.get_indexer(q.node)
    lanes = q.groupby("node").lane.transform("count").to_numpy()[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(per_node[lane_node] > 0, assigned / per_node[lane_node], 1.0 / lanes)
    return share * on_duty[lane_node] / q.open_hours.to_numpy()[:, None]


def _target_text(row: object, sets: IndexSets) -> str:
    to_unit = 1.0 / sets.hours_per_time_unit
    parts = []
    if not np.isnan(row.service_level):
        parts.append(f"{row.service_level:.0%} within {row.within * to_unit:g}")
    if not np.isnan(row.average_wait):
        parts.append(f"average wait <= {row.average_wait * to_unit:g}")
    return " and ".join(parts)
