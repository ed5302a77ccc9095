"""The direct-highspy floor (benchmarks/floor.py) solves the LP `model.optimise` solves.

Worked out by a second method: `model.optimise`'s objective and LP size through the package's own
solve path, and its values on the staffing table."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import generated_scenario

from benchmarks.floor import assemble, solve_direct
from model.generate import Size
from model.network import index_sets
from model.optimise import optimise
from model.scenario import load_scenario

CASES = ["data/tiny.yaml", "data/appliance-co.yaml", Size(3, 30, 3, 2)]


def scenario_of(case):
    return load_scenario(case) if isinstance(case, str) else generated_scenario(case)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_floor_optimum_is_optimises(case):
    scenario = scenario_of(case)
    lp, seconds = assemble(index_sets(scenario))
    result = solve_direct(lp, assembled_in=seconds)
    outcome = optimise(scenario, sensitivity=False)
    assert outcome.status == result["status"] == "optimal", outcome.message
    assert result["objective"] == pytest.approx(outcome.objective, rel=1e-7)
    assert set(result["timings"]) == {"assemble", "pass", "solve", "extract"} and seconds > 0
    assert (result["columns"], result["rows"], result["nonzeros"]) == tuple(
        outcome.solver[k] for k in ("columns", "rows", "nonzeros")
    )
    fte = outcome.tables["staffing"].fte.sum()
    assert np.nansum(result["values"]["s"]) == pytest.approx(fte, rel=1e-6, abs=1e-6)


def test_integer_staff_on_tiny():
    scenario = load_scenario("data/tiny.yaml")
    result = solve_direct(assemble(index_sets(scenario), integer_staff=True)[0])
    outcome = optimise(scenario, integer_staff=True, sensitivity=False)
    assert result["mip"] and np.allclose(result["values"]["s"], np.round(result["values"]["s"]))
    assert result["objective"] == pytest.approx(outcome.objective, rel=1e-7)
