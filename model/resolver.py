"""Fast re-solves: variants of one base scenario solved on one built model, warm-started from its basis.

A what-if that changes only the model's mutable parameters (volumes, costs, targets, capacities,
staff bounds: see `model.lp.update`) is solved by setting those parameters on the base's Pyomo
model, compiling its standard form again and starting HiGHS's dual simplex from the base's optimal
basis. Anything else (a removed node, a new quality figure, other periods) is built and solved
from scratch, on a model of its own.

Every variant starts from the *base's* basis, never from the previous variant's, so a variant's
answer does not depend on which variants were solved before it: a sweep gives the same tables
whatever its order, engine or number of workers.
"""

from __future__ import annotations

import time

from model.errors import InfeasibleRow
from model.lp import LinearModel, build, update
from model.network import IndexSets, index_sets
from model.optimise import Outcome, infeasible_at_build, optimise, optimise_options, outcome_of
from model.scenario.schema import Scenario
from model.solve import SolveOptions, WarmStart, solve


class Resolver:
    """Solves `base` once, then each variant given to `solve` as a re-solve where it can.

    `base_outcome` is the base's own Outcome. With integer staffing there is no basis to start from:
    variants still skip the rebuild, and HiGHS solves each MILP afresh.
    """

    def __init__(self, base: Scenario, options: SolveOptions | None = None, integer_staff: bool | None = None,
                 sensitivity: bool = True) -> None:
        default_options, self.integer_staff = optimise_options(base, integer_staff=integer_staff)
        self.options = options or default_options
        self.sensitivity = sensitivity
        self._model: LinearModel | None = None
        self._warm_start: WarmStart | None = None
        self.base_outcome = self._solve_base(base)

    def _solve_base(self, base: Scenario) -> Outcome:
        timings: dict[str, float] = {}
        start = time.perf_counter()
        sets = index_sets(base)
        timings["index_sets"] = time.perf_counter() - start
        start = time.perf_counter()
        try:
            model = build(sets, name=base.name, integer_staff=self.integer_staff)
        except InfeasibleRow as reason:
            return infeasible_at_build(base, reason, timings)  # every variant is then built afresh
        timings["build"] = time.perf_counter() - start
        solution = solve(model, self.options, ranging=self.sensitivity)
        self._model, self._warm_start = model, solution.warm_start
        return outcome_of(base, model, solution, self.options, timings, sensitivity=self.sensitivity)

    def solve(self, scenario: Scenario) -> Outcome:
        """The variant's Outcome, as `optimise(scenario)` would give it; `solver["re_solve"]` says
        whether it was a re-solve on the base's model (True) or built afresh (False)."""
        start = time.perf_counter()
        sets = index_sets(scenario)
        timings = {"index_sets": time.perf_counter() - start}
        start = time.perf_counter()
        model = self._updated(sets)
        if model is None:
            outcome = optimise(scenario, self.options, self.integer_staff, sensitivity=self.sensitivity)
            outcome.solver["re_solve"] = False
            return outcome
        timings["update"] = time.perf_counter() - start
        solution = solve(model, self.options, warm_start=self._warm_start, ranging=self.sensitivity)
        outcome = outcome_of(scenario, model, solution, self.options, timings, sensitivity=self.sensitivity)
        outcome.solver["re_solve"] = True
        return outcome

    def _updated(self, sets: IndexSets) -> LinearModel | None:
        """The base's model with the variant's parameters, or None if the variant changes more."""
        if self._model is None:
            return None
        try:
            self._model = update(self._model, sets)
        except ValueError:
            return None
        return self._model
