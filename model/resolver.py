"""Fast re-solves: variants of one base scenario solved on one built model, warm-started from a basis.

A what-if that changes only the model's mutable parameters (volumes, costs, targets, capacities,
staff bounds: see `model.lp.update`) is solved by setting those parameters on the built Pyomo
model, compiling its standard form again and starting HiGHS's dual simplex from an optimal basis.
Anything else (a removed node, a new quality figure, other periods) is built and solved from
scratch, and so is every scenario with queues (its tangent iterations set the model's queue
parameters themselves: model/queues.py).

Which basis a variant starts from is a choice:
- the base's (the default, for sweeps): a variant's answer then does not depend on which variants
  were solved before it, so a sweep gives the same tables whatever its order, engine or number of
  workers; a variant that needs a new model is solved on a model of its own;
- the last optimal one (`follow=True`, for a parametric series such as a frontier, where each point
  is close to the one before): the last model built is kept for the points after it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from model.errors import InfeasibleRow
from model.lp import LinearModel, build, update
from model.network import IndexSets, index_sets
from model.optimise import Outcome, infeasible_at_build, optimise_options, outcome_of, outcome_with_queues
from model.scenario.schema import Scenario
from model.solve import Solution, SolveOptions, WarmStart, solve


@dataclass
class Solved:
    """A variant's Outcome with the model and solution behind it (None if the build found it infeasible)."""

    outcome: Outcome
    model: LinearModel | None
    solution: Solution | None


class Resolver:
    """Solves `base` once (`base_outcome`), then each variant given to `solve` as a re-solve where it can.

    `sensitivity` adds each solve's sensitivity table; `ranging` keeps HiGHS's ranging and basis
    statuses (default: with sensitivity). With integer staffing there is no basis to start from:
    variants still skip the rebuild, and HiGHS solves each MILP afresh.

    Every target row is built, even those no plan can bind (network.index_sets leaves them out for a
    single solve): a variant that changes a target then stays a re-solve, and a basis range over a
    target's values sees the row it would bind at.

    A re-solve changes the kept Pyomo model in place: a `Solved.model` holds its variant's figures
    only until the next `solve`. Not thread-safe: one Resolver per thread.
    """

    def __init__(
        self,
        base: Scenario,
        options: SolveOptions | None = None,
        integer_staff: bool | None = None,
        sensitivity: bool = True,
        follow: bool = False,
        ranging: bool | None = None,
    ) -> None:
        default_options, self.integer_staff = optimise_options(base, integer_staff=integer_staff)
        self.options = options or default_options
        self.sensitivity = sensitivity
        self.ranging = sensitivity if ranging is None else ranging
        self.follow = follow
        self._model: LinearModel | None = None
        self._warm_start: WarmStart | None = None
        self._solving_base = True
        self.base = self.solve_in_full(base)
        self.base_outcome = self.base.outcome
        self._solving_base = False

    def solve(self, scenario: Scenario) -> Outcome:
        """The variant's Outcome, as `optimise(scenario)` would give it; `solver["re_solve"]` says
        whether it was a re-solve on a model already built (True) or built afresh (False)."""
        return self.solve_in_full(scenario).outcome

    def solve_in_full(self, scenario: Scenario) -> Solved:
        start = time.perf_counter()
        sets = index_sets(scenario, drop_redundant_targets=False)
        timings = {"index_sets": time.perf_counter() - start}
        start = time.perf_counter()
        model = self._updated(sets)
        re_solve = model is not None
        if model is None:
            try:
                model = build(sets, name=scenario.name, integer_staff=self.integer_staff)
            except InfeasibleRow as reason:
                return Solved(infeasible_at_build(scenario, reason, timings), None, None)
        timings["update" if re_solve else "build"] = time.perf_counter() - start
        if len(sets.queues):  # tangent iterations on a model of its own (`update` refuses queues)
            outcome, solution = outcome_with_queues(
                scenario, model, self.options, timings, sensitivity=self.sensitivity, ranging=self.ranging
            )
            outcome.solver["re_solve"] = False
            return Solved(outcome, model, solution)
        solution = solve(model, self.options, warm_start=self._warm_start if re_solve else None, ranging=self.ranging)
        if self._solving_base or self.follow:  # what later variants start from
            self._model = model
            self._warm_start = solution.warm_start or self._warm_start  # (WarmStart.fits rejects another model's)
        outcome = outcome_of(scenario, model, solution, self.options, timings, sensitivity=self.sensitivity)
        outcome.solver["re_solve"] = re_solve
        return Solved(outcome, model, solution)

    def _updated(self, sets: IndexSets) -> LinearModel | None:
        """The kept model with the variant's parameters, or None if the variant changes more."""
        if self._model is None:
            return None
        try:
            self._model = update(self._model, sets)
        except ValueError:
            return None
        return self._model
