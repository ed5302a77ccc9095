"""One call from a validated scenario to checked result tables: the library's main entry point.

validated scenario -> graph and index sets -> LP (assembled as a matrix, or the Pyomo model where
queues need its parameters) -> HiGHS -> independent check -> tables.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import pandas as pd

from model.check import check_objective, check_solution
from model.errors import InfeasibleRow
from model.explain.diagnose import COLUMNS as DIAGNOSIS_COLUMNS
from model.explain.diagnose import diagnose
from model.explain.sensitivity import sensitivity_table
from model.lp import LinearModel, build
from model.lp.matrix import build_matrix
from model.network import IndexSets, index_sets
from model.queues import QueueRun, queue_routing_table, queues_table, solve_queues
from model.results import build_tables, unallocated_cost
from model.scenario.loader import SourceMap
from model.scenario.schema import Scenario, Solver
from model.solution import evaluate
from model.solve import Solution, SolveOptions, Status, solve


@dataclass
class Outcome:
    """What a solve produced. `tables` is empty unless a checked solution exists."""

    scenario: Scenario
    status: Status
    message: str
    objective: float | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    solver: dict[str, object] = field(default_factory=dict)
    options: dict[str, object] = field(default_factory=dict)  # the solver settings used, after overrides
    unallocated_cost: float = 0.0
    diagnosis: pd.DataFrame | None = None  # for an infeasible scenario: what would make it feasible

    @property
    def ok(self) -> bool:
        return self.status == "optimal"

    @property
    def currency(self) -> str:
        return self.scenario.currency


def optimise_options(scenario: Scenario, **overrides: object) -> tuple[SolveOptions, bool]:
    """Solver options from the scenario's `solver:` section with each non-None override applied,
    validated by the same schema (pydantic.ValidationError for a value the scenario could not hold).
    `highs_options` overrides are added to the scenario's HiGHS options."""
    given = {key: value for key, value in overrides.items() if value is not None}
    if "highs_options" in given:  # added to the scenario's, not instead of them
        given["highs_options"] = {**scenario.solver.highs_options, **given["highs_options"]}
    settings = Solver.model_validate({**scenario.solver.model_dump(), **given})
    options = SolveOptions(
        time_limit=settings.time_limit,
        mip_gap=settings.mip_gap,
        threads=settings.threads,
        algorithm=settings.algorithm,
        highs_options=dict(settings.highs_options),
    )
    return options, settings.integer_staff


def optimise(
    scenario: Scenario,
    options: SolveOptions | None = None,
    integer_staff: bool | None = None,
    source: SourceMap | None = None,
    sensitivity: bool = True,
) -> Outcome:
    """Solve the scenario; the status says how it went (never raises for infeasible or failed solves).

    An infeasible scenario is diagnosed (`Outcome.diagnosis`); `source` (from `read_scenario`) lets
    the diagnosis name the YAML line of each field. `sensitivity=False` skips the sensitivity table
    and HiGHS's ranging (then the cost-range columns of the work and flows tables are empty).
    """
    default_options, integer = optimise_options(scenario, integer_staff=integer_staff)
    options = options or default_options
    timings: dict[str, float] = {}

    start = time.perf_counter()
    sets = index_sets(scenario)
    timings["index_sets"] = time.perf_counter() - start
    start = time.perf_counter()
    try:
        model = build_lp(sets, name=scenario.name, integer_staff=integer)
    except InfeasibleRow as reason:
        return infeasible_at_build(scenario, reason, timings)
    timings["build"] = time.perf_counter() - start
    if len(sets.queues):
        return outcome_with_queues(scenario, model, options, timings, source, sensitivity)[0]
    solution = solve(model, options, ranging=sensitivity)
    return outcome_of(scenario, model, solution, options, timings, source, sensitivity)


def build_lp(sets: IndexSets, name: str, integer_staff: bool) -> LinearModel:
    """The LP assembled directly as a matrix (model/lp/matrix.py: the same LP, ~15x faster to build
    than the Pyomo model and its compiled form at 100k variables; docs/performance.md); with queues,
    the Pyomo model, whose tangent parameters the queue iterations set."""
    if len(sets.queues):
        return build(sets, name=name, integer_staff=integer_staff)
    return build_matrix(sets, name=name, integer_staff=integer_staff)


def infeasible_at_build(scenario: Scenario, reason: InfeasibleRow, timings: dict[str, float]) -> Outcome:
    """A row that no plan can meet, found while building (an empty row whose bounds exclude 0)."""
    diagnosis = pd.DataFrame([{"kind": "conflict", "sentence": f"{reason}."}], columns=DIAGNOSIS_COLUMNS)
    return Outcome(scenario, "infeasible", str(reason), timings=timings, diagnosis=diagnosis)


def outcome_with_queues(
    scenario: Scenario,
    model: LinearModel,
    options: SolveOptions,
    timings: dict[str, float],
    source: SourceMap | None = None,
    sensitivity: bool = True,
    ranging: bool | None = None,
) -> tuple[Outcome, Solution]:
    """A model with queues solved by tangent iterations (model/queues.py), and its Outcome; with the
    solution reported. `ranging` (default: with sensitivity) keeps HiGHS's ranging."""
    queues = solve_queues(
        model, options, ranging=sensitivity if ranging is None else ranging, cap=scenario.solver.queue_iterations
    )
    return outcome_of(scenario, model, queues.solution, options, timings, source, sensitivity, queues), queues.solution


def outcome_of(
    scenario: Scenario,
    model: LinearModel,
    solution: Solution,
    options: SolveOptions,
    timings: dict[str, float],
    source: SourceMap | None = None,
    sensitivity: bool = True,
    queues: QueueRun | None = None,
) -> Outcome:
    """A solve's Outcome: diagnosis when infeasible; else the independent check, then the tables.
    `queues`: the tangent iterations that produced `solution`, for a scenario with queues."""
    timings = {**timings, **solution.timings}
    integer = model.integer_staff
    outcome = Outcome(
        scenario,
        solution.status,
        solution.message,
        solution.objective,
        timings=timings,
        solver=solution.solver,
        options={**asdict(options), "integer_staff": integer},
    )
    if queues is not None:
        _note_queue_iterations(outcome, queues)
    if solution.status == "infeasible":
        start = time.perf_counter()
        outcome.diagnosis = diagnose(model, scenario, source, options)
        timings["diagnosis"] = time.perf_counter() - start
    if not solution.has_values:
        return outcome

    start = time.perf_counter()
    lane_wait = queues.plan.wait / model.sets.hours_per_time_unit if queues is not None and queues.plan else None
    ev = evaluate(model.sets, solution.values, {name: grid.rows for name, grid in model.variables.items()}, lane_wait)
    outcome.violations = check_solution(ev, integer) + check_objective(ev, solution.objective)
    timings["check"] = time.perf_counter() - start
    if outcome.violations:
        # An optimal answer that fails is an error; a time-limited incumbent stays "time_limit".
        outcome.status = "error" if outcome.status == "optimal" else outcome.status
        outcome.message = (
            f"{outcome.message}; the solver's answer failed {len(outcome.violations)} independent "
            f"checks and is not reported; first: {outcome.violations[0]}"
        )
        return outcome

    start = time.perf_counter()
    outcome.tables = build_tables(model, solution, ev, scenario.currency)
    if queues is not None:
        outcome.tables["queues"] = queues_table(ev, queues.plan)
        outcome.tables["queue_routing"] = queue_routing_table(ev, queues.plan)
        outcome.tables["queue_iterations"] = queues.log
    outcome.unallocated_cost = unallocated_cost(outcome.tables)
    timings["tables"] = time.perf_counter() - start
    if sensitivity and outcome.status == "optimal":
        start = time.perf_counter()
        outcome.tables["sensitivity"] = sensitivity_table(model, solution, scenario)  # a MILP's: integers fixed
        timings["sensitivity"] = time.perf_counter() - start
    return outcome


def _note_queue_iterations(outcome: Outcome, queues: QueueRun) -> None:
    """The iterations in the solver record and timings; a plan from iterations that stopped early says so."""
    log = queues.log
    algorithms = list(dict.fromkeys(log.algorithm.dropna()))  # in order of first use
    outcome.solver.update(
        queue_iterations=queues.iterations,
        queue_converged=queues.converged,
        queue_stopped=queues.stopped,
        algorithm=", then ".join(algorithms),
        simplex_iterations=int(log.simplex_iterations.fillna(0).sum()),
        ipm_iterations=int(log.ipm_iterations.fillna(0).sum()),
    )
    outcome.timings.update(queues.timings)  # each phase summed over the iterations
    if queues.stopped == "start":
        outcome.message += " (in the start solve, every queue relaxed to agents >= load)"
    elif queues.plan is None and queues.stopped == "infeasible":
        outcome.message += (
            f" at queue tangent iteration {queues.iterations}: with every queue relaxed to agents "
            f">= load the scenario was {log.status.iloc[0]}, so it is the queue targets, with the "
            f"tangents at the loads reached, that could not be met"
        )
    elif queues.plan is None:
        outcome.message += "; the time limit ran out before a queue iteration gave a plan"
    elif not queues.converged:
        outcome.message += (
            f"; queue staffing still moved when the iterations stopped ({queues.stopped}, after "
            f"{queues.iterations}): the plan, the cheapest iterate, meets every queue target but "
            f"may cost more than needed"
        )
