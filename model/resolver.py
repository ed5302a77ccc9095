"""One pipeline for every solve: a scenario, then its what-ifs, on one LP that HiGHS keeps.

    scenario -> index sets -> LP (built; or the kept one with the what-if's figures: refigured)
             -> HiGHS (loaded; or updated in place) -> solution (from the kept basis)
             -> Outcome (diagnosis, or the independent check, tables and sensitivity)

`model.optimise` runs it once. A `Resolver` runs it for a base scenario and then for each variant
given to `solve`. A variant that changes only figures (volumes, costs, wages, targets, capacities,
staff bounds, prices, penalties, hours, times, qualities) is fitted into the kept LP
(`model.lp.refigure`): HiGHS gets just the numbers that changed and starts dual simplex from the
kept optimal basis. Anything that changes the LP's shape (a node or demand removed, other periods, a
target row that can bind now, a coefficient turned zero) is built afresh; `Outcome.solver["lp"]`
says which happened and why. A scenario with queues runs its tangent iterations on the same kept
LP, changing the queue rows in place (model/queues.py).

Which basis a variant starts from is a choice:
- the base's (the default, for sweeps): every variant is fitted into the base's LP and starts from
  the base's basis alone, so its answer does not depend on which variants were solved before it; a
  sweep gives the same tables whatever its order, engine or number of workers. A variant built
  afresh is solved on a HiGHS model of its own, leaving the base's in place;
- the last optimal one (`follow=True`, for a parametric series such as a frontier, where each point
  is close to the one before): the last LP solved is kept for the points after it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from model.errors import InfeasibleRow
from model.lp import Builder, LinearModel, QueueTangents, Restructured, build, refigure
from model.lp.numerics import numerics_warnings
from model.network import IndexSets, index_sets
from model.outcome import Outcome, infeasible_at_build, outcome_of
from model.queues import solve_queues, start_tangents
from model.results import prepare_tables
from model.scenario.loader import SourceMap
from model.scenario.schema import Scenario
from model.scenario.schema import Solver as SolverSettings
from model.solve import Deadline, Solution, SolveOptions, Solver, WarmStart

if TYPE_CHECKING:
    from model.lp.pyomo_model import Extension


def optimise_options(scenario: Scenario, **overrides: object) -> tuple[SolveOptions, bool]:
    """Solver options from the scenario's `solver:` section with each non-None override applied,
    validated by the same schema (pydantic.ValidationError for a value the scenario could not hold).
    `highs_options` overrides are added to the scenario's HiGHS options."""
    given = {key: value for key, value in overrides.items() if value is not None}
    if "highs_options" in given:  # added to the scenario's, not instead of them
        extra = given["highs_options"]
        if not isinstance(extra, Mapping):
            raise TypeError(f"highs_options must be a mapping of HiGHS option names to values, not {extra!r}")
        given["highs_options"] = {**scenario.solver.highs_options, **extra}
    settings = SolverSettings.model_validate({**scenario.solver.model_dump(), **given})
    options = SolveOptions(
        time_limit=settings.time_limit,
        mip_gap=settings.mip_gap,
        threads=settings.threads,
        algorithm=settings.algorithm,
        highs_options=dict(settings.highs_options),
    )
    return options, settings.integer_staff


@dataclass
class Solved:
    """A scenario's Outcome with the LP and solution behind it (None if the build found it infeasible),
    and the Solver holding that LP with the solution's basis (until the Resolver's next solve)."""

    outcome: Outcome
    model: LinearModel | None
    solution: Solution | None
    solver: Solver | None


BUILT, IN_PLACE = "built", "updated in place"
PYOMO = "built through the Pyomo model of record, with the extension"


def _extended(extend: Extension) -> Builder:
    """A Builder of the Pyomo model of record with `extend` applied (Pyomo is imported only here)."""
    from model.lp.pyomo_model import build_extended

    def builder(sets: IndexSets, tangents: QueueTangents | None, integer_staff: bool) -> LinearModel:
        return build_extended(sets, tangents, integer_staff, extend)

    return builder


class Resolver:
    """Solves `base` once (`base_outcome`), then each variant given to `solve`, in place where it can.

    `sensitivity` adds each solve's sensitivity table; `ranging` keeps HiGHS's ranging and basis
    statuses (default: with sensitivity). `source` (from `read_scenario`) lets a diagnosis name the
    YAML line of each field. `extend(lp, parts)` adds to the Pyomo model of record before each solve
    (model/lp/pyomo_model.py): every LP is then built through Pyomo, none changed in place. `once`:
    no variant will follow (`model.optimise`), so HiGHS lets its model go as soon as the solution is
    read, and the tables reuse its memory. With
    integer staffing there is no basis to start from: variants are
    still updated in place, and HiGHS solves each MILP afresh. Not thread-safe: one Resolver per
    thread. `warn(text)` is told of each numerics warning (model/lp/numerics.py) as soon as an LP is
    built or refigured, before HiGHS runs; each is also in that solve's `Outcome.notes`.
    `on_phase(name)` is told as each step of a solve starts (build, HiGHS, then those of `outcome_of`),
    for a progress display; it must not raise.
    """

    def __init__(
        self,
        base: Scenario,
        options: SolveOptions | None = None,
        integer_staff: bool | None = None,
        sensitivity: bool = True,
        follow: bool = False,
        ranging: bool | None = None,
        source: SourceMap | None = None,
        extend: Extension | None = None,
        once: bool = False,
        warn: Callable[[str], None] | None = None,
        on_phase: Callable[[str], None] | None = None,
    ) -> None:
        default_options, self.integer_staff = optimise_options(base, integer_staff=integer_staff)
        self.once = once
        self.warn = warn
        self.on_phase = on_phase
        self.builder: Builder = build if extend is None else _extended(extend)
        self.options = options or default_options
        self.sensitivity = sensitivity
        self.ranging = sensitivity if ranging is None else ranging
        self.follow = follow
        self.solver = Solver()  # holds the kept LP (or one of its layout)
        self._kept: LinearModel | None = None  # what variants are fitted into
        self._warm: WarmStart | None = None  # and the basis they start from
        self._queue_start: WarmStart | None = None  # with queues: the kept start solve's basis
        self.base = self._solve(base, source)
        self.base_outcome = self.base.outcome

    def solve(self, scenario: Scenario, source: SourceMap | None = None) -> Outcome:
        """The variant's Outcome, as `optimise(scenario)` would give it; `solver["lp"]` says whether
        its LP was updated in place or built, and why."""
        return self.solve_in_full(scenario, source).outcome

    def solve_in_full(self, scenario: Scenario, source: SourceMap | None = None) -> Solved:
        return self._solve(scenario, source)

    def _solve(self, scenario: Scenario, source: SourceMap | None) -> Solved:
        deadline = Deadline(self.options.time_limit)
        self._phase("build")
        start = time.perf_counter()
        sets = index_sets(scenario, like=self._kept.sets if self._kept is not None else None)
        timings = {"index_sets": time.perf_counter() - start}
        start = time.perf_counter()
        try:
            model, how = self._model_for(sets)
        except InfeasibleRow as reason:
            return Solved(infeasible_at_build(scenario, reason, timings), None, None, None)
        timings["build" if how != IN_PLACE else "update"] = time.perf_counter() - start
        warnings = numerics_warnings(model)  # a few ms at 100k columns: labels only for what it names
        if self.warn is not None:
            for text in warnings:
                self.warn(text)
        solver, passed = self._solver_for(model, how)
        timings["handoff_pass" if how != IN_PLACE else "update_pass"] = passed
        options, queues = deadline.options(self.options), None
        self._phase("HiGHS")
        if len(sets.queues):
            first = self._kept is None
            with _beside(prepare_tables, model):  # beside the start solve, the longest
                queues = solve_queues(
                    solver,
                    model,
                    options,
                    ranging=self.ranging,
                    cap=scenario.solver.queue_iterations,
                    warm_start=None if first or how != IN_PLACE else self._queue_start,
                    builder=self.builder,
                )
            solution = queues.solution
            model = queues.model or model
            if first:
                self._queue_start = queues.start_basis
        else:
            with _beside(prepare_tables, model):  # HiGHS leaves the interpreter free while it solves
                solution = solver.solve(options, warm_start=self._warm, ranging=self.ranging)
        if (self._kept is None or self.follow) and solution.status == "optimal" and solver is self.solver:
            self._kept, self._warm = model, solution.warm_start or self._warm
        if self.once:
            solver.release()
        outcome = outcome_of(
            scenario, model, solution, self.options, timings, source, self.sensitivity, queues, deadline, self.on_phase
        )
        outcome.solver.update(lp=how, re_solve=how == IN_PLACE)
        outcome.notes[:0] = warnings
        outcome.highs_log = solver.take_log()
        return Solved(outcome, model, solution, solver)

    def _phase(self, name: str) -> None:
        if self.on_phase is not None:
            self.on_phase(name)

    def _model_for(self, sets: IndexSets) -> tuple[LinearModel, str]:
        """The variant's LP: the kept one refigured, or built (the reason said)."""
        if self._kept is None:
            tangents = start_tangents(sets) if len(sets.queues) else None  # what the queue iterations start at
            return self.builder(sets, tangents, self.integer_staff), BUILT if self.builder is build else PYOMO
        try:
            return refigure(self._kept, with_target_rows_of(sets, self._kept.sets)), IN_PLACE
        except Restructured as why:
            rebuilt = PYOMO if self.builder is not build else f"rebuilt: {why}"
            tangents = start_tangents(sets) if len(sets.queues) else None
            return self.builder(sets, tangents, self.integer_staff), rebuilt

    def _solver_for(self, model: LinearModel, how: str) -> tuple[Solver, float]:
        """The Solver to solve `model` on, holding it: the kept one (updated in place, or loaded), or,
        for a variant built afresh while variants start from the base, one of its own."""
        if how == IN_PLACE:
            if self.solver.model is not None and self.solver.model.layout is model.layout:
                start = time.perf_counter()
                self.solver.update(model)
                return self.solver, time.perf_counter() - start
            return self.solver, self.solver.load(model)
        if self._kept is None or self.follow:
            return self.solver, self.solver.load(model)
        own = Solver()
        return own, own.load(model)


@contextmanager
def _beside(work: Callable[[LinearModel], None], model: LinearModel) -> Iterator[None]:
    """Run `work(model)` in a thread while the body runs (HiGHS's solve, which releases the GIL), and
    wait for it at the end. It only fills caches: if it fails, the tables make the same again, and
    fail there with the reason."""
    thread = threading.Thread(target=_quietly, args=(work, model), daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join()


def _quietly(work: Callable[[LinearModel], None], model: LinearModel) -> None:
    with suppress(Exception):
        work(model)


def with_target_rows_of(sets: IndexSets, kept: IndexSets) -> IndexSets:
    """A variant's index sets building the kept model's target rows, when those include every row the
    variant needs (a row that cannot bind costs nothing to keep); otherwise as they are."""
    demands, before = sets.demands, kept.demands
    if len(demands) != len(before):
        return sets
    flags = ("quality_row", "response_row")
    needed = all(not np.any(demands[f].to_numpy() & ~before[f].to_numpy()) for f in flags)
    if not needed or all(np.array_equal(demands[f].to_numpy(), before[f].to_numpy()) for f in flags):
        return sets
    return replace(sets, demands=demands.assign(**{f: before[f].to_numpy() for f in flags}))


__all__ = ["Resolver", "Solved", "optimise_options"]
