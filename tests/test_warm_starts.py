"""How a re-solve starts, and how the time limit bounds a whole run.

A what-if that changes only costs leaves the kept basis primal feasible: the primal simplex goes on
from it. Any other change (a bound, a right-hand side) leaves it dual feasible: the dual simplex. A
variant's answer does not depend on the variants solved before it. `--time-limit` bounds the run,
sensitivity included, and says when a step was cut.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from conftest import APPLIANCE_FILE

from model.optimise import optimise
from model.outcome import Deadline, outcome_of
from model.resolver import Resolver
from model.scenario import parse_yaml, validate_data
from model.scenario.loader import SourceMap
from model.solve import SolveOptions

APPLIANCE = APPLIANCE_FILE


def scenario(data: dict, change=None):
    copied = copy.deepcopy(data)
    if change:
        change(copied)
    return validate_data(copied, SourceMap("variant"))


@pytest.fixture(scope="module")
def data() -> dict:
    return parse_yaml(APPLIANCE.read_text(), str(APPLIANCE))[0]


def dearer_technicians(data: dict) -> None:
    data["roles"]["technician"]["cost_per_fte"] *= 1.1


def more_of_one_demand(data: dict) -> None:
    data["demands"]["repairs_south"]["volume"] = [v * 1.2 for v in data["demands"]["repairs_south"]["volume"]]


def test_a_cost_what_if_goes_on_with_the_primal_simplex_and_a_volume_one_with_the_dual(data):
    resolver = Resolver(scenario(data), sensitivity=False)
    wage = resolver.solve(scenario(data, dearer_technicians))
    volume = resolver.solve(scenario(data, more_of_one_demand))
    assert wage.solver["lp"] == volume.solver["lp"] == "updated in place"
    assert wage.solver["algorithm"] == "primal simplex (warm start, costs changed)"
    assert volume.solver["algorithm"] == "dual simplex (warm start)"
    for outcome, change in ((wage, dearer_technicians), (volume, more_of_one_demand)):
        cold = optimise(scenario(data, change), sensitivity=False)
        assert outcome.objective == pytest.approx(cold.objective, rel=1e-9)


def test_solving_a_variant_after_another_gives_it_exactly_the_same_plan(data):
    # The HiGHS model is changed in place from point to point; every point starts from the base's
    # basis alone, so its values do not depend on what the model held before.
    alone = Resolver(scenario(data), sensitivity=False).solve_in_full(scenario(data, dearer_technicians))
    after = Resolver(scenario(data), sensitivity=False)
    after.solve(scenario(data, more_of_one_demand))
    second = after.solve_in_full(scenario(data, dearer_technicians))
    for name, values in alone.solution.values.items():
        np.testing.assert_array_equal(values, second.solution.values[name], err_msg=name)


def test_a_deadline_spent_before_the_sensitivity_table_skips_it_and_says_so(data):
    base = scenario(data)
    resolver = Resolver(base, sensitivity=False, ranging=True)
    solved = resolver.base
    spent = Deadline(0.0)
    outcome = outcome_of(base, solved.model, solved.solution, SolveOptions(), {}, sensitivity=True, deadline=spent)
    assert outcome.status == "optimal" and "sensitivity" not in outcome.tables
    assert outcome.notes == ["the sensitivity table was skipped: the time limit ran out before it"]
    whole = outcome_of(
        base, solved.model, solved.solution, SolveOptions(), {}, sensitivity=True, deadline=Deadline(600.0)
    )
    assert len(whole.tables["sensitivity"]) and whole.notes == []


def test_the_time_limit_is_what_is_left_of_the_run_when_highs_starts():
    deadline = Deadline(100.0)
    left = deadline.options(SolveOptions(time_limit=100.0)).time_limit
    assert 99.0 < left <= 100.0
    assert Deadline(None).options(SolveOptions()).time_limit is None
