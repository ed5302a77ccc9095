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
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from model.lp import Builder, LinearModel, QueueTangents, Restructured, build, refigure
from model.network import IndexSets
from model.queueing import (
    average_wait,
    lost_share,
    required_agents,
    requirement_tangent,
    service_level,
    wait_probability,
)
from model.solution import Evaluated, duty_hours, group_sum, without_dust
from model.solve import Solution, SolveOptions, Solver, WarmStart
from model.tables import column_names

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


Stop = Literal["converged", "iteration cap", "time limit", "infeasible", "start"]


@dataclass
class QueueRun:
    """What the iterations produced: the plan reported (the cheapest iterate that met every queue
    target), the plan it was solved with, the log, and why the iterations stopped."""

    solution: Solution
    plan: QueuePlan | None
    log: pd.DataFrame
    stopped: Stop
    timings: dict[str, float]  # each solve phase (handoff, solve, extract) summed over the iterations
    start_basis: WarmStart | None = None  # the start solve's basis: a what-if's iterations start from it

    @property
    def model(self) -> LinearModel | None:
        """The LP of the plan reported (its queue rows at that plan's tangents)."""
        return self.solution.model

    @property
    def converged(self) -> bool:
        return self.stopped == "converged"

    @property
    def iterations(self) -> int:
        return int((self.log.iteration > 0).sum())


# --- loads and waits --------------------------------------------------------------------------------


def lane_units(sets: IndexSets, values: dict[str, np.ndarray]) -> np.ndarray:
    """Units routed into each queue row per period (queues x T): the lane's units, or with intervals
    its units in one occurrence of the row's interval, sum_d pi[d,i] q[d,n,l,t]."""
    j, k, c = sets.lane_pairs()
    return group_sum(j, c[:, None] * np.nan_to_num(values["q"], nan=0.0)[k], len(sets.queues))


def erlangs(sets: IndexSets, units: np.ndarray) -> np.ndarray:
    """Peak load in Erlangs: A = units / open hours x peak factor x handle time."""
    q = sets.queues
    return units * (q.peak_factor * q.handle_time / q.open_hours).to_numpy()[:, None]


def potential_units(sets: IndexSets) -> np.ndarray:
    """The most units each lane could receive per period: the volume of every demand that can use
    its node (queues x T)."""
    j, k, c = sets.lane_pairs()
    return group_sum(j, c[:, None] * sets.volumes[sets.demand_of("demand_lanes")][k], len(sets.queues))


def _per_period(sets: IndexSets, column: str) -> np.ndarray:
    """A column of the queues table repeated over the periods (queues x T)."""
    return np.repeat(sets.queues[column].to_numpy()[:, None], sets.period_count, axis=1)


QUEUE_MODELS = ("erlang_c", "erlang_a", "erlang_b")
LOSS_TARGETS = ("service_level", "max_abandoned", "max_blocked")
"""The targets of a lane's first requirement row (`queue_service_level`): its service level, and the
most share it may lose (abandoned, erlang_a; blocked, erlang_b)."""


def _targets(sets: IndexSets, model: str, mask: np.ndarray, wait: np.ndarray | None = None) -> dict[str, Any]:
    """The keyword arguments of model.queueing's requirement for the rows `mask` of one queue model:
    the service-level and loss targets of the first row, or the average wait `wait` of the second."""
    if wait is not None:
        given: dict[str, Any] = {"average_wait": wait[mask]}
    elif model == "erlang_b":
        given = {"max_blocked": _per_period(sets, "max_blocked")[mask]}
    else:
        given = {"service_level": _per_period(sets, "service_level")[mask], "within": _per_period(sets, "within")[mask]}
        if model == "erlang_a":
            given["max_abandoned"] = _per_period(sets, "max_abandoned")[mask]
    if model == "erlang_a":
        given["patience"] = _per_period(sets, "patience")[mask]
    return {"model": model, **given}


def _model_of(sets: IndexSets) -> np.ndarray:
    return np.repeat(sets.queues.model.to_numpy(dtype=object)[:, None], sets.period_count, axis=1)


def _has_first_row(sets: IndexSets) -> np.ndarray:
    """Per queue row and period: whether it has a service-level or loss target (row 10's first family)."""
    return np.logical_or.reduce([~np.isnan(_per_period(sets, c)) for c in LOSS_TARGETS])


def _needed(sets: IndexSets, load: np.ndarray, has: np.ndarray, wait: np.ndarray | None = None) -> np.ndarray:
    """g(A): the agents the rows `has` need at `load` by their queue model (whole where `whole_agents`)."""
    handle, model = _per_period(sets, "handle_time"), _model_of(sets)
    whole = _per_period(sets, "whole_agents").astype(bool)
    needed = np.zeros(load.shape)
    for name in QUEUE_MODELS:
        mask = has & (model == name)
        if mask.any():
            needed[mask] = required_agents(load[mask], handle[mask], **_targets(sets, name, mask, wait))
    return np.where(whole & has, whole_agents(needed), needed)


def _lost_at_requirement(sets: IndexSets, load: np.ndarray, live: np.ndarray) -> np.ndarray:
    """The share an erlang_a or erlang_b row loses at `load` with the agents its targets require there
    (whole where `whole_agents`): the share the LP's lost flows take (row `lane_loss`); 0 elsewhere.
    More agents lose less, so the plan, staffed at least to the requirement, loses at most this."""
    model, handle, patience = _model_of(sets), _per_period(sets, "handle_time"), _per_period(sets, "patience")
    lossy = live & (model != "erlang_c")
    needed = agents_required(sets, np.where(lossy, load, 0.0))
    lost = np.zeros(load.shape)
    for name in ("erlang_a", "erlang_b"):
        mask = lossy & (model == name)
        if mask.any():
            lost[mask] = lost_share(
                name, needed[mask], load[mask], handle[mask], patience[mask] if name == "erlang_a" else None
            )
    return lost


def implied_wait(sets: IndexSets, load: np.ndarray) -> np.ndarray:
    """The average wait (hours) at exactly the agents a lane's service-level (and loss) target needs
    at `load` (whole agents where `whole_agents`), by its queue model; NaN for lanes without such a
    target, 0 where the load is 0 and for erlang_b (nobody waits)."""
    handle, model, patience = _per_period(sets, "handle_time"), _model_of(sets), _per_period(sets, "patience")
    first = _has_first_row(sets)
    wait = np.full(load.shape, np.nan)
    has = first & (load > 0) & (model != "erlang_b")
    if has.any():
        needed = _needed(sets, load, has)
        for name in ("erlang_c", "erlang_a"):
            mask = has & (model == name)
            if mask.any():
                wait[mask] = average_wait(
                    needed[mask],
                    load[mask],
                    handle[mask],
                    model=name,
                    patience=patience[mask] if name == "erlang_a" else None,
                )
    wait[first & ((load <= 0) | (model == "erlang_b"))] = 0.0
    return wait


def _counted_wait(sets: IndexSets, load: np.ndarray) -> np.ndarray:
    """The wait a lane counts at `load`: its average-wait target, else the one its service level implies."""
    target = _per_period(sets, "average_wait")
    return np.where(np.isnan(target), implied_wait(sets, load), target)


# --- the plan: where the tangents touch ----------------------------------------------------------------


def start_waits(sets: IndexSets) -> np.ndarray:
    """The waits (hours) the start solve counts: the average-wait targets, and for service-level
    lanes the wait implied at the most units they could receive (the least such a lane can count,
    as the implied wait falls with the load), so the start asks no more than the iterations will."""
    return np.nan_to_num(_counted_wait(sets, erlangs(sets, potential_units(sets))))


def start_plan(sets: IndexSets, units: np.ndarray) -> QueuePlan:
    """Tangents at the loads of the start solve, each node's load split evenly over its lanes: the
    start prices every lane alike, so how it splits a node's units between lanes says little, and
    an even split lets the iterations try every lane. A node without load closes."""
    q = sets.queues
    node_units = pd.DataFrame(units).groupby([q.node.to_numpy(), q.interval.to_numpy()]).transform("sum").to_numpy()
    lanes = q.groupby(["node", "interval"]).lane.transform("count").to_numpy()[:, None]
    closed = node_units < CLOSED_UNITS
    load = np.where(closed, 0.0, erlangs(sets, node_units / lanes))
    return QueuePlan(load, np.where(closed, 0.0, _counted_wait(sets, load)), closed)


def as_routed(sets: IndexSets, units: np.ndarray) -> QueuePlan:
    """Tangents at the lanes' own loads in the start solve, the lanes it left empty closed: the
    second try when the even split's tangents are infeasible (a fixed part that does not fit)."""
    closed = units < CLOSED_UNITS
    load = np.where(closed, 0.0, erlangs(sets, units))
    return QueuePlan(load, np.where(closed, 0.0, _counted_wait(sets, load)), closed)


def next_plan(sets: IndexSets, plan: QueuePlan, units: np.ndarray) -> QueuePlan:
    """Tangents moved to the loads just solved; a lane left without units closes; a
    service-level-only lane's wait moves to the one its target implies, if that is lower."""
    closed = plan.closed | (units < CLOSED_UNITS)
    load = np.where(closed, 0.0, erlangs(sets, units))
    implied = np.where(closed, np.inf, implied_wait(sets, load))
    wait = np.where(np.isnan(_per_period(sets, "average_wait")), np.fmin(plan.wait, implied), plan.wait)
    return QueuePlan(load, np.where(closed, 0.0, wait), closed)


def _moved(plan: QueuePlan, load: np.ndarray) -> float:
    """Largest move of a lane's load from its tangent point, relative to the load (or one Erlang)."""
    if load.size == 0:
        return 0.0
    return float(np.max(np.abs(load - plan.load) / np.maximum(1.0, plan.load)))


# --- the model's queue parameters ---------------------------------------------------------------------


def start_tangents(sets: IndexSets) -> QueueTangents:
    """Every lane relaxed to agents >= load (the tangent of N = A), waiting `start_waits`."""
    return QueueTangents.relaxed(sets, start_waits(sets) / sets.hours_per_time_unit)


WHOLE_SLACK = 1e-9
"""A requirement within this of a whole number of agents is that number (g is found by bisection to
about 1e-12 relative): 14.0000000001 agents is 14, not 15."""


def whole_agents(needed: np.ndarray) -> np.ndarray:
    """ceil(g): the whole agents on duty that meet a target needing g (real) agents."""
    return np.ceil(needed - WHOLE_SLACK * np.maximum(1.0, needed))


def tangents_at(sets: IndexSets, plan: QueuePlan, before: QueueTangents) -> QueueTangents:
    """The queue rows' figures with every open lane's tangents at the plan's loads; a closed lane's
    q is bounded at 0 and its coefficients stay as they were (`before`), so closing it changes
    bounds only. With `whole_agents` the tangent's value at its point is ceil(g(A0)) and its slope
    g'(A0): N >= ceil(g(A0)) + g'(A0) (A - A0) lies above the concave g everywhere (it is the tangent
    raised by ceil(g) - g >= 0), and at the fixed point A = A0 it asks whole agents."""
    handle, open_hours = _per_period(sets, "handle_time"), _per_period(sets, "open_hours")
    unit_hours = _per_period(sets, "peak_factor") * handle
    live = ~plan.closed & (plan.load > 0)
    whole = _per_period(sets, "whole_agents").astype(bool)

    model = _model_of(sets)
    low, high = _safe_range(sets, plan)

    def tangent(
        has: np.ndarray, wait: np.ndarray | None = None, not_concave: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        has = has & live
        value = np.zeros(plan.load.shape)
        slope = np.where(model == "erlang_c", 1.0, 0.0)  # without a target: N >= A (C), N >= 0 (A, B)
        for name in QUEUE_MODELS:
            mask = has & (model == name)
            if mask.any():
                value[mask], slope[mask] = requirement_tangent(
                    plan.load[mask], handle[mask], **_targets(sets, name, mask, wait)
                )
            raise_it = mask & not_concave if not_concave is not None else None
            if raise_it is not None and raise_it.any():  # raised to cover g over the loads the lane may get
                value[raise_it], slope[raise_it] = requirement_tangent(
                    plan.load[raise_it],
                    handle[raise_it],
                    **_targets(sets, name, raise_it, wait),
                    safe_between=(low[raise_it], high[raise_it]),
                )
        value = np.where(whole & has, whole_agents(value), value)
        return slope * unit_hours, np.where(live, open_hours * (value - slope * plan.load), 0.0)

    erlang_a = model == "erlang_a"
    sl_slope, sl_intercept = tangent(
        _has_first_row(sets), None, erlang_a & ~np.isnan(_per_period(sets, "max_abandoned"))
    )
    waiting = ~np.isnan(plan.wait) & (plan.wait > 0) & (model != "erlang_b")
    wait_slope, wait_intercept = tangent(waiting, np.where(live, plan.wait, np.nan), erlang_a)
    closed = plan.closed
    lost = np.where(closed, before.lost_share, _lost_at_requirement(sets, plan.load, live))
    return QueueTangents(
        service_level_slope=np.where(closed, before.service_level_slope, sl_slope),
        service_level_intercept=sl_intercept,
        wait_slope=np.where(closed, before.wait_slope, wait_slope),
        wait_intercept=wait_intercept,
        lane_wait=np.where(closed, before.lane_wait, plan.wait / sets.hours_per_time_unit),
        closed=closed,
        lost_share=lost,
    )


SAFE_LOW = 1e-3
"""The low end of the loads an erlang_a tangent is made safe over, as a share of the high end."""


def _safe_range(sets: IndexSets, plan: QueuePlan) -> tuple[np.ndarray, np.ndarray]:
    """The loads (Erlangs, queues x T) over which a tangent of a requirement that is not concave
    (Erlang A with an abandonment or average-wait target: docs/model.md, Queues, "Concavity") is
    raised to cover g: from SAFE_LOW of the high end to the most load the lane could receive, the
    volume of every demand able to use its node (per interval with intervals), or its load now if
    that is more. Over that range every load the iterations can reach meets the targets by the exact
    formula at the tangent's agents."""
    high = np.maximum(erlangs(sets, potential_units(sets)), plan.load)
    high = np.where(high > 0, high, 1.0)  # a lane with no load has no tangent: any range will do
    return SAFE_LOW * high, high


def fitted(solver: Solver, model: LinearModel, tangents: QueueTangents, builder: Builder = build) -> LinearModel:
    """The model with the queue rows at `tangents`, held by `solver`: changed in place, or, when a
    coefficient turns zero or non-zero (or the model is an extension's), built by `builder` and
    loaded afresh (same rows and columns)."""
    try:
        changed = refigure(model, model.sets, tangents)
    except Restructured:
        changed = builder(model.sets, tangents, model.integer_staff)
        solver.load(changed)
        return changed
    if solver.model is not None and solver.model.layout is changed.layout:
        solver.update(changed)
    else:
        solver.load(changed)
    return changed


# --- the iterations ----------------------------------------------------------------------------------


class _Iterations:
    """The log, the summed timings, the time budget and the cheapest iterate that met every target."""

    def __init__(self, options: SolveOptions) -> None:
        self.options = options
        self.rows: list[dict[str, object]] = []
        self.timings: dict[str, float] = {}
        self.started = time.perf_counter()
        self.best: tuple[Solution, QueuePlan, QueueTangents] | None = None
        self.ranging = 0.0  # seconds HiGHS's ranging took outside the logged solves

    def range_in_place(self, solver: Solver, solution: Solution) -> bool:
        """Add HiGHS's ranging to the plan it still holds (Solver.add_ranging), timed; False if it
        has solved another LP since."""
        start = time.perf_counter()
        ranged = solver.add_ranging(solution)
        self.ranging += time.perf_counter() - start
        return ranged

    def options_left(self) -> SolveOptions | None:
        """The solver options with the time left of `time_limit` (over all the solves); None when spent."""
        if self.options.time_limit is None:
            return self.options
        left = self.options.time_limit - (time.perf_counter() - self.started)
        return replace(self.options, time_limit=left) if left > 0 else None

    def record(
        self,
        iteration: int,
        solution: Solution,
        plan: QueuePlan | None,
        moved: float,
        since: float,
        tangents: QueueTangents | None = None,
    ) -> None:
        for phase, spent in solution.timings.items():
            self.timings[phase] = self.timings.get(phase, 0.0) + spent
        self.rows.append(
            {
                "iteration": iteration,
                "status": solution.status,
                "cost": solution.objective,
                "load_moved": moved,
                "lanes_closed": int(plan.closed.sum()) if plan else 0,
                "algorithm": solution.solver.get("algorithm"),
                "simplex_iterations": solution.solver.get("simplex_iterations"),
                "ipm_iterations": solution.solver.get("ipm_iterations"),
                "seconds": time.perf_counter() - since,
            }
        )
        if (
            iteration > 0
            and solution.has_values
            and plan is not None  # iterations after the start have a plan and its tangents
            and tangents is not None
            and (self.best is None or not _dearer(solution, self.best[0]))
        ):
            self.best = (solution, plan, tangents)  # on a tie the later iterate: its tangents are nearer its loads

    def run(self, solution: Solution, plan: QueuePlan | None, stopped: Stop, start: WarmStart | None) -> QueueRun:
        log = pd.DataFrame(self.rows, columns=column_names("queue_iterations"))
        self.timings["queue_tangents"] = float(log.seconds.sum()) - sum(self.timings.values())
        if self.ranging:
            self.timings["extract"] = self.timings.get("extract", 0.0) + self.ranging
        return QueueRun(solution, plan, log, stopped, self.timings, start)


def _dearer(solution: Solution, than: Solution) -> bool:
    cost, best = solution.objective, than.objective
    assert cost is not None and best is not None  # solutions with values have their cost
    return cost > best + 1e-9 * (1.0 + abs(best))


def solve_queues(
    solver: Solver,
    model: LinearModel,
    options: SolveOptions,
    ranging: bool = True,
    cap: int = 20,
    warm_start: WarmStart | None = None,
    builder: Builder = build,
) -> QueueRun:
    """Solve a model with queues by tangent iterations (see the module docstring), on `solver`, which
    holds `model` or an LP of its layout; each iteration changes the queue rows in place.

    `options.time_limit` bounds all the solves together. The plan reported is the cheapest iterate
    that met every queue target; when the iterations stop early (iteration cap, time limit) it is
    still safe, and the run says so. If the first iteration is infeasible, it is tried once more
    with the tangents where the start routed the units (`as_routed`). `warm_start`: the basis the
    start solve begins from (a what-if's: its base's start), else HiGHS starts from scratch.
    `builder` builds the LP when it cannot be changed in place (an extension's: through Pyomo)."""
    sets, work = model.sets, _Iterations(options)
    since = time.perf_counter()
    tangents = start_tangents(sets)
    if not model.tangents.same_as(tangents) or solver.model is not model:
        model = fitted(solver, model, tangents, builder)
    start = solver.solve(options, warm_start=warm_start, ranging=False)
    work.record(0, start, None, np.nan, since)
    if start.status != "optimal":  # the start is not a plan: it does not meet the queue targets
        failed = Solution(start.status, start.message, timings=start.timings, solver=start.solver, model=model)
        return work.run(failed, None, "start", start.warm_start)
    routed = lane_units(sets, start.values)
    plan = start_plan(sets, routed)
    solution, basis = start, start.warm_start
    stopped: Stop = "iteration cap"
    for iteration in range(1, cap + 1):
        left = work.options_left()
        if left is None:
            stopped = "time limit"
            break
        since = time.perf_counter()
        tangents = tangents_at(sets, plan, tangents)
        model = fitted(solver, model, tangents, builder)
        solution = solver.solve(left, warm_start=basis, ranging=False, carry_on=True)
        basis = solution.warm_start or basis
        if solution.status == "infeasible" and iteration == 1:
            work.record(iteration, solution, plan, np.nan, since)
            plan = as_routed(sets, routed)
            continue
        units = lane_units(sets, solution.values) if solution.has_values else None
        moved = _moved(plan, np.where(plan.closed, 0.0, erlangs(sets, units))) if units is not None else np.nan
        work.record(iteration, solution, plan, moved, since, tangents)
        if solution.status != "optimal":
            stopped = "time limit" if solution.status == "time_limit" else "infeasible"
            break
        assert units is not None  # an optimal solve has values
        if moved <= CONVERGED_LOAD and not np.any(~plan.closed & (units < CLOSED_UNITS) & (plan.load > 0)):
            stopped = "converged"
            break
        if iteration < cap:
            plan = next_plan(sets, plan, units)
    if work.best is None:  # no iteration gave a plan: report the status, without values
        status = solution.status if solution is not start else "time_limit"
        failed = Solution(status, solution.message, timings=solution.timings, solver=solution.solver, model=model)
        return work.run(failed, None, stopped, start.warm_start)
    solution, plan, tangents = work.best
    left = work.options_left()
    if stopped == "time limit":
        solution = replace(
            solution,
            status="time_limit",
            message=f"{solution.message}; the time limit ran out during the queue iterations",
        )
    elif (
        ranging
        and solution.status == "optimal"
        and left is not None
        and not model.integer.any()  # a MILP (integer staff or site decisions) has no basis to range
        and not work.range_in_place(solver, solution)  # ranged as HiGHS holds it, if it is the last LP solved
    ):  # HiGHS has solved another LP since: the plan's LP again, from its basis (no pivots)
        since = time.perf_counter()
        fitted(solver, model, tangents, builder)
        solution = solver.solve(left, warm_start=solution.warm_start, ranging=True, carry_on=True)
        work.record(-1, solution, plan, 0.0, since)
    return work.run(solution, plan, stopped, start.warm_start)


# --- the tables --------------------------------------------------------------------------------------

MET_TOLERANCE = 1e-6
"""A target counts as met within this share of it (the LP's rows hold to about 1e-9 relative)."""


def queues_table(ev: Evaluated, plan: QueuePlan) -> pd.DataFrame:
    """Per lane and period, the queue as staffed, by the exact Erlang C formula (model.queueing), at
    the peak arrival rate and the node's handle time (its longest hours per unit: whoever answers).

    The agents are the node's staff on duty (model.solution.duty_hours, over open hours), split over
    its lanes as the plan splits them (a[n,l,t]).
    """
    sets = ev.sets
    q, T = sets.queues, sets.period_count
    units = lane_units(sets, ev.values)
    handle, within = _per_period(sets, "handle_time"), _per_period(sets, "within")
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = units / _per_period(sets, "open_hours") * _per_period(sets, "peak_factor")
        load = rate * handle
        agents = _serving_agents(ev)
        probability, wait, achieved, lost = _measures(sets, agents, load)
        wait = wait / sets.hours_per_time_unit
        utilisation = np.where(agents > 0, load / agents, np.nan)
    to_unit = 1.0 / sets.hours_per_time_unit
    level_target, wait_target = _per_period(sets, "service_level"), _per_period(sets, "average_wait") * to_unit
    counted = plan.wait * to_unit
    slack = 1 + MET_TOLERANCE
    lost_target = np.fmin(_per_period(sets, "max_abandoned"), _per_period(sets, "max_blocked"))
    met = (
        (np.isnan(level_target) | (achieved >= level_target - MET_TOLERANCE))
        & (np.isnan(wait_target) | (wait <= wait_target * slack))
        & (wait <= counted * slack + 1e-12)
        & (np.isnan(lost_target) | (lost <= lost_target + MET_TOLERANCE))
    )
    busy = units > 0
    stage = q.node.map(dict(zip(sets.nodes.node, sets.nodes.stage)))
    keys = q[["node", "lane", "interval"]].assign(
        stage=stage, target=[_target_text(row, sets) for row in q.itertuples()]
    )
    frame = keys.loc[keys.index.repeat(T)].reset_index(drop=True)
    frame.insert(0, "period", np.tile(np.asarray(sets.periods, dtype=object), len(q)))
    columns = dict(
        units=units,
        arrival_rate=rate,
        handle_time=handle,
        load=load,
        agents=agents,
        agents_required=agents_required(sets, load),
        utilisation=utilisation,
        probability_of_waiting=np.where(busy, probability, 0.0),
        average_wait=np.where(busy, wait, 0.0),
        service_level=np.where(busy, achieved, np.nan),
        service_level_target=level_target,
        within=within * to_unit,
        average_wait_target=wait_target,
        wait_counted=counted,
        lost_share=np.where(busy, lost, 0.0),
        lost_share_target=lost_target,
    )
    for name, grid in columns.items():
        frame[name] = np.asarray(grid, dtype=float).reshape(-1)
    frame["met"] = (met | ~busy).reshape(-1)
    return frame


def _measures(
    sets: IndexSets, agents: np.ndarray, load: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per queue row, by its queue model (model.queueing), at `agents` and `load`: the probability of
    waiting, the average wait (hours), the service level within `within` (NaN without one) and the
    share lost (abandoned, erlang_a; blocked, erlang_b; 0 for erlang_c)."""
    handle, within, model = _per_period(sets, "handle_time"), _per_period(sets, "within"), _model_of(sets)
    patience = _per_period(sets, "patience")
    out = [np.zeros(load.shape), np.zeros(load.shape), np.full(load.shape, np.nan), np.zeros(load.shape)]
    for name in QUEUE_MODELS:
        mask = model == name
        if not mask.any():
            continue
        n, a, h = agents[mask], np.nan_to_num(load[mask]), handle[mask]
        mean_patience = patience[mask] if name == "erlang_a" else None
        out[0][mask] = wait_probability(n, a, h, model=name, patience=mean_patience)
        out[1][mask] = average_wait(n, a, h, model=name, patience=mean_patience)
        t = within[mask]
        achieved = service_level(n, a, h, np.nan_to_num(t), model=name, patience=mean_patience)
        out[2][mask] = np.where(np.isnan(t), np.nan, achieved)
        out[3][mask] = lost_share(name, n, a, h, mean_patience)
    return out[0], out[1], out[2], out[3]


def agents_required(sets: IndexSets, load: np.ndarray) -> np.ndarray:
    """The agents on duty each queue row's targets need at `load` (Erlangs), by its queue model: g(A),
    rounded up to whole agents where `whole_agents`; 0 without load."""
    busy = np.nan_to_num(load) > 0
    first = _has_first_row(sets) & busy
    needed = _needed(sets, load, first)
    target = _per_period(sets, "average_wait")
    waiting = busy & ~np.isnan(target)
    if waiting.any():
        needed = np.maximum(needed, _needed(sets, load, waiting, target))
    return needed


def coverage_with_queues(ev: Evaluated, coverage: pd.DataFrame, queues: pd.DataFrame) -> pd.DataFrame:
    """The `coverage` table with, at a queued node, the agents its queue needs counted in `agents_needed`
    (docs/model.md, Shifts): the whole agents its lanes require in the interval (the queues table's
    `agents_required`, summed over the node's lanes) are shared among the node's roles on duty there in
    proportion to their agents on duty (alike when none is on duty), and a rostered role's
    `agents_needed` is the larger of its work's need and its share; `over` = on duty - needed, the
    over-staffing the shifts force. A node with one role gets the whole requirement."""
    sets = ev.sets
    if not len(coverage) or not len(sets.queues):
        return coverage
    S, T = len(sets.staff), sets.period_count
    pair, duty = _duty_by_role(ev)
    unique, inverse = np.unique(pair, return_inverse=True)
    if not len(unique):  # no staff at any queued node
        return coverage
    hours = np.zeros((len(unique), T))
    np.add.at(hours, inverse, duty)
    node_row = unique // S
    total = group_sum(node_row, hours, len(sets.queue_nodes))[node_row]
    roles = np.bincount(node_row, minlength=len(sets.queue_nodes))[node_row][:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, hours / total, 1.0 / roles)
    required = queues.agents_required.to_numpy(dtype=float).reshape(len(sets.queues), T)
    at_node = sets.position("queue_nodes", ["node", "interval"], "queues")
    node_required = group_sum(at_node, np.nan_to_num(required), len(sets.queue_nodes))
    rosters = sets.rosters
    wanted = sets.position("queue_nodes", ["node", "interval"], "rosters") * S + sets.position(
        "staff", ["node", "role"], "rosters"
    )
    found = np.clip(np.searchsorted(unique, wanted), 0, max(len(unique) - 1, 0))
    queued = (sets.position("queue_nodes", ["node", "interval"], "rosters") >= 0) & (unique[found] == wanted)
    queue_need = np.zeros((len(rosters), T))
    queue_need[queued] = (share * node_required[node_row])[found[queued]]
    out = coverage.copy()
    needed = np.maximum(out.agents_needed.to_numpy(dtype=float), queue_need.reshape(-1))
    out["agents_needed"] = needed
    out["over"] = without_dust(out.agents_on_duty.to_numpy(dtype=float) - needed)
    return out


def _duty_by_role(ev: Evaluated) -> tuple[np.ndarray, np.ndarray]:
    """Hours on duty per (queue_nodes row, staff row) term, keyed queue_nodes row x staff count + staff
    row, from `IndexSets.duty_terms` (a pattern's heads count for its role)."""
    sets = ev.sets
    of_pattern = sets.position("staff", ["node", "role"], "patterns")
    keys, hours = [], []
    for variable, at, row, per_unit in sets.duty_terms():
        staff_row = of_pattern[row] if variable == "e" else row
        keys.append(at * len(sets.staff) + staff_row)
        hours.append(per_unit[:, None] * np.nan_to_num(ev.values[variable], nan=0.0)[row])
    return np.concatenate(keys), np.concatenate(hours)


def queue_routing_table(ev: Evaluated, plan: QueuePlan) -> pd.DataFrame:
    """Per demand, queued node, lane and period: the units routed into the lane (q, offered), those it
    lost (erlang_a, erlang_b) and the wait each unit adds to the demand's response time."""
    sets = ev.sets
    keys = sets.demand_lanes[["demand", "node", "lane"]].reset_index(drop=True)
    frame = keys.loc[keys.index.repeat(sets.period_count)].reset_index(drop=True)
    frame.insert(0, "period", np.tile(np.asarray(sets.periods, dtype=object), len(keys)))
    frame["units"] = ev.values["q"].reshape(-1)
    frame["units_lost"] = np.nan_to_num(ev.values["lost"], nan=0.0).reshape(-1)
    frame["wait_counted"] = (sets.per_demand_lane(plan.wait) / sets.hours_per_time_unit).reshape(-1)
    return frame


def _serving_agents(ev: Evaluated) -> np.ndarray:
    """The node's staff on duty (in the row's interval) over its lanes, in the plan's proportions
    (a[n,l,i,t]); every lane of a node serves with some of its staff, so spare hours on duty go to
    the lanes too."""
    sets, q = ev.sets, ev.sets.queues
    on_duty = duty_hours(sets, ev.values)
    duty_row = sets.position("queue_nodes", ["node", "interval"], "queues")
    assigned = ev.values["a"]
    per_node = group_sum(duty_row, assigned, len(sets.queue_nodes))[duty_row]
    lanes = q.groupby(["node", "interval"]).lane.transform("count").to_numpy()[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(per_node > 0, assigned / per_node, 1.0 / lanes)
    return share * on_duty[duty_row] / q.open_hours.to_numpy()[:, None]


def _target_text(row: Any, sets: IndexSets) -> str:  # row: a namedtuple of sets.queues
    to_unit = 1.0 / sets.hours_per_time_unit
    parts = []
    if not np.isnan(row.service_level):
        parts.append(f"{row.service_level:.0%} within {row.within * to_unit:g}")
    if not np.isnan(row.average_wait):
        parts.append(f"average wait <= {row.average_wait * to_unit:g}")
    if not np.isnan(row.max_abandoned):
        parts.append(f"at most {row.max_abandoned:.0%} abandoned")
    if not np.isnan(row.max_blocked):
        parts.append(f"at most {row.max_blocked:.0%} blocked")
    return " and ".join(parts)


__all__ = ["QueuePlan", "QueueRun", "coverage_with_queues", "queue_routing_table", "queues_table", "solve_queues"]
