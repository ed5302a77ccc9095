"""The independent check refuses solutions that break the scenario, naming what broke."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from model.check import check_objective, check_solution
from model.lp import build
from model.network import index_sets
from model.scenario import load_scenario
from model.solution import evaluate
from model.solve import solve

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny.yaml"


@pytest.fixture(scope="module")
def solved():
    sets = index_sets(load_scenario(TINY))
    model = build(sets)
    solution = solve(model)
    rows = {name: grid.rows for name, grid in model.variables.items()}
    return sets, solution, rows


def evaluated(solved, change=None):
    sets, solution, rows = solved
    values = {name: grid.copy() for name, grid in solution.values.items()}
    if change:
        change(values)
    return evaluate(sets, values, rows)


def test_the_optimum_passes(solved):
    assert check_solution(evaluated(solved)) == []
    assert check_objective(evaluated(solved), solved[1].objective) == []


def test_fewer_staff_than_the_work_needs_is_refused(solved):
    def understaff(values):
        values["s"][0, 0] -= 0.5  # 4.29 FTE -> 3.79: 600 h of work, 530 h staffed

    found = check_solution(evaluated(solved, understaff))
    assert any(v.startswith("labour service_team/technician P1") for v in found)
    assert check_objective(evaluated(solved, understaff), solved[1].objective) != []


def test_more_vendor_work_than_quality_allows_is_refused(solved):
    def shift(values):  # move 100 repairs from the team to the vendor: arrivals and quality both break
        values["y"][2, 0] += 100
        values["y"][1, 0] -= 100

    found = check_solution(evaluated(solved, shift))
    assert any(v.startswith("quality target repairs P1") for v in found)
    assert any(v.startswith("work balance") for v in found)


def test_fractional_staff_is_refused_when_whole_fte_were_asked_for(solved):
    assert check_solution(evaluated(solved), integer_staff=False) == []
    assert any(v.startswith("whole FTE") for v in check_solution(evaluated(solved), integer_staff=True))


def test_a_negative_flow_is_refused(solved):
    def negative(values):
        values["x"][0, 0] = -1.0

    assert any(v.startswith("nonnegative x") for v in check_solution(evaluated(solved, negative)))
    assert np.isfinite(evaluated(solved).total_cost)
