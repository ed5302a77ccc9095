"""From a solve to its Outcome: the diagnosis of an infeasible LP, or the independent check, the
result tables and the sensitivity table of a solution. Every entry point ends here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import pandas as pd

from model.check import check_objective, check_solution
from model.errors import InfeasibleRow
from model.explain.diagnose import COLUMNS as DIAGNOSIS_COLUMNS
from model.explain.diagnose import diagnose
from model.explain.segments import profit, segments_table
from model.explain.sensitivity import fixed_basis, fixed_integer_lp, sensitivity_table
from model.formatting import money, plural
from model.loops import unbounded_message
from model.lp import LinearModel
from model.queues import QueueRun, coverage_with_queues, queue_routing_table, queues_table
from model.results import build_tables, rules_from_fixed_lp, unallocated_cost
from model.scenario.loader import SourceMap
from model.scenario.schema import Scenario
from model.solution import evaluate
from model.solve import RANGING_SKIPPED, Deadline, Solution, SolveOptions, Status  # Deadline: importable here
from model.tables import column_units
from model.validity import scenario_notes


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
    notes: list[str] = field(default_factory=list)  # what a reader of the run should know (a step cut short)
    time_limited: bool = False  # the time limit cut a step after the solve short (notes says which)
    extension_costs: dict[str, float] = field(default_factory=dict)  # cost terms an extension added
    highs_log: str = ""  # what HiGHS logged while solving (never on the screen): the run folder's highs.log
    profit: dict[str, object] = field(default_factory=dict)  # revenue, cost, margin, dropped (explain.segments)

    @property
    def ok(self) -> bool:
        return self.status == "optimal"

    @property
    def currency(self) -> str:
        return self.scenario.currency

    @property
    def units(self) -> dict[str, dict[str, str]]:
        """The unit of each numeric column of each of `tables`: {table: {column: unit}}, with the
        scenario's currency and time unit filled in (`units["costs"]["amount"]` is 'EUR'); the same
        as summary.json's `units` and the Parquet files' metadata. Columns not named are labels."""
        units = column_units(self.currency, self.scenario.scenario.time_unit)
        return {name: dict(units.get(name, {})) for name in self.tables}

    def __repr__(self) -> str:
        cost = "" if self.objective is None else f", objective={self.objective:,.2f} {self.currency}"
        return (
            f"Outcome(scenario={self.scenario.name!r}, status={self.status!r}{cost}, tables=[{', '.join(self.tables)}])"
        )


def _no_phase(name: str) -> None:
    """No one follows the progress."""


def infeasible_at_build(scenario: Scenario, reason: InfeasibleRow, timings: dict[str, float]) -> Outcome:
    """A row that no plan can meet, found while building (a row no decision enters whose bounds
    exclude its constant)."""
    diagnosis = pd.DataFrame([{"kind": "conflict", "sentence": f"{reason}."}], columns=DIAGNOSIS_COLUMNS)
    return Outcome(scenario, "infeasible", str(reason), timings=timings, diagnosis=diagnosis)


def _unserved_note(scenario: Scenario, found: dict[str, object]) -> list[str]:
    """Under `objective: margin`, a plan that serves no unit of any demand with a price: its 0 margin
    is a choice the solver made (or the only plan there is), said so rather than left as a bare 0."""
    rows = found.get("dropped")
    priced = [name for name, demand in scenario.demands.items() if demand.price is not None]
    if not isinstance(rows, list) or not priced:
        return []
    whole = {row["demand"] for row in rows if float(row.get("share_dropped") or 0.0) >= 1.0 - 1e-6}
    if set(priced) - whole:
        return []
    forgone = sum(float(row["revenue_forgone"]) for row in rows)
    return [
        f"every demand was left unserved: the plan serves none of its {plural(len(priced), 'demand')} with a "
        f"price ({money(forgone, scenario.currency)} of revenue forgone), as serving costs more than it brings "
        "or no route is open"
    ]


def _bound_as_margin(outcome: Outcome) -> None:
    """Under `objective: margin`, a MILP's bound as a margin, in `outcome.profit`: the LP minimises
    cost + revenue forgone = revenue at full service - margin, so HiGHS's lower bound B on it says no
    plan earns a margin above (revenue at full service - B). Kept as `revenue_at_full_service` (the
    revenue served plus the revenue forgone) and `margin_bound`, both in the currency."""
    found, bound = outcome.profit, outcome.solver.get("mip_dual_bound")
    if found.get("objective") != "margin" or found.get("revenue") is None:
        return
    if not outcome.solver.get("mip") or bound is None:
        return
    dropped = found.get("dropped")
    rows: list[dict] = dropped if isinstance(dropped, list) else []
    full = float(found["revenue"]) + sum(float(row["revenue_forgone"]) for row in rows)  # type: ignore[arg-type]
    found["revenue_at_full_service"] = full
    found["margin_bound"] = full - float(bound)  # type: ignore[arg-type]


def outcome_of(
    scenario: Scenario,
    model: LinearModel,
    solution: Solution,
    options: SolveOptions,
    timings: dict[str, float],
    source: SourceMap | None = None,
    sensitivity: bool = True,
    queues: QueueRun | None = None,
    deadline: Deadline | None = None,
    on_phase: Callable[[str], None] | None = None,
) -> Outcome:
    """A solve's Outcome: diagnosis when infeasible; else the independent check, then the tables and,
    with `sensitivity`, the sensitivity table (skipped, and said so, when the deadline has passed).
    `queues`: the tangent iterations that produced `solution`, for a scenario with queues.
    `on_phase(name)` is told as each step starts (diagnosis, check, tables, sensitivity), for progress."""
    phase = on_phase or _no_phase
    timings = {**timings, **solution.timings}
    outcome = Outcome(
        scenario,
        solution.status,
        solution.message,
        solution.objective,
        timings=timings,
        solver=solution.solver,
        options={**asdict(options), "integer_staff": model.integer_staff},
    )
    if queues is not None:
        _note_queue_iterations(outcome, queues)
    outcome.notes.extend(scenario_notes(scenario))
    if solution.status == "unbounded":
        outcome.message = unbounded_message(scenario, source) or outcome.message
    if solution.status == "infeasible":
        phase("diagnosis")
        start = time.perf_counter()
        outcome.diagnosis = diagnose(model, scenario, source, options, deadline)
        timings["diagnosis"] = time.perf_counter() - start
        if deadline is not None and deadline.spent:
            _cut_short(outcome, "the diagnosis was cut short: the time limit ran out during it")
    if solution.solver.get("ranging") == RANGING_SKIPPED:
        _cut_short(
            outcome,
            "HiGHS's ranging was skipped: the solve used all the time limit (the cost-range columns are empty)",
        )
    if not solution.has_values:
        return outcome

    # Set with the values (model.solve._extract); a queue run with values has its plan.
    assert solution.objective is not None and solution.column_values is not None
    assert queues is None or queues.plan is not None
    plan = queues.plan if queues is not None else None

    phase("check")
    start = time.perf_counter()
    lane_wait = plan.wait / model.sets.hours_per_time_unit if plan is not None else None
    ev = evaluate(model.sets, solution.values, lane_wait)
    outcome.extension_costs = model.extension_costs(solution.column_values)
    extended = sum(outcome.extension_costs.values())  # the objective holds the extension's cost terms too
    outcome.violations = check_solution(ev, model.integer_staff) + check_objective(ev, solution.objective - extended)
    timings["check"] = time.perf_counter() - start
    if outcome.violations:
        # An optimal answer that fails is an error; a time-limited incumbent stays "time_limit".
        outcome.status = "error" if outcome.status == "optimal" else outcome.status
        outcome.message = (
            f"{outcome.message}; the solver's answer failed {len(outcome.violations)} independent "
            f"checks and is not reported; first: {outcome.violations[0]}"
        )
        return outcome

    phase("tables")
    start = time.perf_counter()
    outcome.tables = build_tables(model, solution, ev, scenario.currency, outcome.extension_costs)
    outcome.tables["segments"] = segments_table(
        scenario, outcome.tables["cost_to_serve"], outcome.tables["demand_kpis"]
    )
    outcome.profit = profit(scenario, outcome.tables)
    _bound_as_margin(outcome)
    outcome.notes.extend(_unserved_note(scenario, outcome.profit))
    if queues is not None and plan is not None:
        outcome.tables["queues"] = queues_table(ev, plan)
        if "coverage" in outcome.tables:  # a queued node's roster must cover what its queue needs
            outcome.tables["coverage"] = coverage_with_queues(ev, outcome.tables["coverage"], outcome.tables["queues"])
        outcome.tables["queue_routing"] = queue_routing_table(ev, plan)
        outcome.tables["queue_iterations"] = queues.log
    outcome.unallocated_cost = unallocated_cost(outcome.tables)
    timings["tables"] = time.perf_counter() - start
    if sensitivity and outcome.status == "optimal":
        if deadline is not None and deadline.spent:
            _cut_short(outcome, "the sensitivity table was skipped: the time limit ran out before it")
            return outcome
        phase("sensitivity")
        start = time.perf_counter()
        fixed = None
        if "rules" in outcome.tables and solution.solver.get("mip"):  # the rules' duals: the fixed LP's
            fixed = fixed_integer_lp(model, solution, deadline.options(SolveOptions()) if deadline else None)
            basis = fixed_basis(model)
            found = rules_from_fixed_lp(model, solution, fixed, scenario.currency, basis)
            outcome.tables["rules"] = found if found is not None else outcome.tables["rules"]
        table = sensitivity_table(model, solution, scenario, deadline, fixed)  # a MILP's: integers fixed
        timings["sensitivity"] = time.perf_counter() - start
        if table is None:
            _cut_short(outcome, "the sensitivity table was cut short: the time limit ran out during it")
        else:
            outcome.tables["sensitivity"] = table
    return outcome


def _cut_short(outcome: Outcome, note: str) -> None:
    """A step the time limit cut short: said in the notes, and the run counts as time-limited."""
    if note not in outcome.notes:
        outcome.notes.append(note)
    outcome.time_limited = True


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
