"""Re-solves on the base's model equal solves from scratch, whatever was solved before them."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
from conftest import APPLIANCE_FILE, scenario_data

from model import optimise
from model.resolver import Resolver
from model.scenario import validate_data
from model.scenario.loader import SourceMap


@pytest.fixture(scope="module")
def base_data() -> dict:
    return scenario_data(APPLIANCE_FILE)


def variant(data: dict, change) -> object:
    copied = copy.deepcopy(data)
    change(copied)
    return validate_data(copied, SourceMap("variant"))


def more_volume(data: dict) -> None:
    for demand in data["demands"].values():
        demand["volume"] = (
            [v * 1.15 for v in demand["volume"]] if isinstance(demand["volume"], list) else demand["volume"] * 1.15
        )


def dearer_technicians(data: dict) -> None:
    data["roles"]["technician"]["cost_per_fte"] *= 1.05


def faster_response(data: dict) -> None:
    for demand in data["demands"].values():
        if "max_mean_response_time" in demand:
            demand["max_mean_response_time"] *= 0.97


def sloppier_plant(data: dict) -> None:
    data["nodes"]["plant_a"]["work"]["assembler"]["quality"] = 0.98  # a coefficient of the quality rows


VARIANTS = {"volume": more_volume, "wage": dearer_technicians, "speed": faster_response, "quality": sloppier_plant}


@pytest.fixture(scope="module")
def resolver(base_data) -> Resolver:
    return Resolver(validate_data(copy.deepcopy(base_data), SourceMap("base")), sensitivity=False)


def test_the_base_solve_is_the_plain_solve(resolver, base_data):
    plain = optimise(validate_data(copy.deepcopy(base_data), SourceMap("base")), sensitivity=False)
    assert resolver.base_outcome.status == "optimal"
    assert resolver.base_outcome.objective == pytest.approx(plain.objective, rel=1e-9)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_each_variant_equals_a_solve_from_scratch(resolver, base_data, name):
    scenario = variant(base_data, VARIANTS[name])
    again = resolver.solve(scenario)
    cold = optimise(scenario, sensitivity=False)
    assert again.status == cold.status == "optimal"
    assert again.objective == pytest.approx(cold.objective, rel=1e-7)
    assert again.violations == []
    # Faster responses make a response-time row bind that no plan could bind before: a new row.
    assert again.solver["re_solve"] is (name != "speed")
    if name == "speed":
        assert (
            again.solver["lp"].startswith("rebuilt: a target row the LP left out")
            and "max_mean_response_time" in again.solver["lp"]
        )
    assert again.tables["costs"].amount.sum() == pytest.approx(cold.objective, rel=1e-7)
    if name == "wage":  # a dearer wage must cost more: the figures reached the model
        assert again.objective > resolver.base_outcome.objective


def test_a_variant_does_not_depend_on_what_was_solved_before(base_data):
    """Each variant starts from the base's basis, so order cannot change the (possibly degenerate) answer."""
    scenarios = [variant(base_data, VARIANTS[name]) for name in ("volume", "wage", "speed", "quality")]
    forward = Resolver(scenarios[0].model_copy(), sensitivity=False)
    first = [forward.solve(s) for s in scenarios]
    backward = Resolver(scenarios[0].model_copy(), sensitivity=False)
    second = [backward.solve(s) for s in reversed(scenarios)][::-1]
    for a, b in zip(first, second):
        for name in ("staffing", "work", "flows", "demand_kpis"):
            pd.testing.assert_frame_equal(a.tables[name], b.tables[name], check_exact=True)


def test_an_infeasible_variant_is_diagnosed_and_the_next_one_is_fine(resolver, base_data):
    def impossible(data: dict) -> None:
        for demand in data["demands"].values():
            if "max_mean_response_time" in demand:
                demand["max_mean_response_time"] = 1.0  # faster than any route's processing time

    bad = resolver.solve(variant(base_data, impossible))
    assert bad.status == "infeasible" and bad.diagnosis is not None and len(bad.diagnosis)
    good = resolver.solve(variant(base_data, dearer_technicians))
    assert good.status == "optimal" and good.solver["re_solve"] is True
