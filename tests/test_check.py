"""The independent check refuses solutions that break the scenario, naming what broke."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import TINY_FILE

from model.check import check_objective, check_solution
from model.lp import VARIABLES, build
from model.network import index_sets
from model.scenario import load_scenario
from model.solution import evaluate
from model.solve import solve


def index_tables(sets) -> dict:
    """Each variable family's index table: its values' rows."""
    return {variable.name: getattr(sets, variable.table) for variable in VARIABLES}


@pytest.fixture(scope="module")
def solved():
    sets = index_sets(load_scenario(TINY_FILE))
    model = build(sets)
    solution = solve(model)
    return sets, solution, index_tables(sets)


def evaluated(solved, change=None):
    sets, solution, _rows = solved
    values = {name: grid.copy() for name, grid in solution.values.items()}
    if change:
        change(values)
    return evaluate(sets, values)


def test_the_optimum_passes(solved):
    assert check_solution(evaluated(solved)) == []
    assert check_objective(evaluated(solved), solved[1].objective) == []


def test_fewer_staff_than_the_work_needs_is_refused(solved):
    rows = solved[2]

    def understaff(values):
        values["s"][row(rows, "s", node="service_team"), 0] -= 0.5  # 4.29 -> 3.79 FTE: 600 h of work, 530 h staffed

    found = check_solution(evaluated(solved, understaff))
    assert any(v.startswith("labour service_team/technician P1") for v in found)
    assert check_objective(evaluated(solved, understaff), solved[1].objective) != []


def test_more_vendor_work_than_quality_allows_is_refused(solved):
    rows = solved[2]

    def shift(values):  # move 100 repairs from the team to the vendor: arrivals and quality both break
        values["y"][row(rows, "y", node="vendor"), 0] += 100
        values["y"][row(rows, "y", node="service_team"), 0] -= 100

    found = check_solution(evaluated(solved, shift))
    assert any(v.startswith("quality target repairs P1") for v in found)
    assert any(v.startswith("work balance") for v in found)


def test_fractional_staff_is_refused_when_whole_fte_were_asked_for(solved):
    assert check_solution(evaluated(solved), integer_staff=False) == []
    assert any(v.startswith("whole FTE") for v in check_solution(evaluated(solved), integer_staff=True))


def test_a_negative_flow_is_refused(solved):
    rows = solved[2]

    def negative(values):
        values["x"][row(rows, "x", arc="call_centre->service_team"), 0] = -1.0

    assert any(v.startswith("nonnegative x") for v in check_solution(evaluated(solved, negative)))
    assert np.isfinite(evaluated(solved).total_cost)


FAMILIES = """
scenario: {name: families, currency: EUR, period_length: 100, periods: 2}
stages: [a, b]
roles:
  worker: {cost_per_fte: 1000, hours_per_fte: 100, hire_cost: 10, layoff_cost: 10,
           overtime: {max_hours_per_fte: 10, cost_per_hour: 15}}
nodes:
  src: {stage: a}
  plant:
    stage: b
    capacity: 150
    work: {worker: {hours_per_unit: 1, processing_time: 2}}
    staff: {worker: {initial: 1, max: 1}}
    stock: {holding_cost: 1, final_min: 5}
  vendor: {stage: b, unit_cost: 30, processing_time: 5}
arcs:
  - {from: src, to: plant, capacity: 200}
  - {from: src, to: vendor, lead_time: 1}
demands:
  d: {origin: src, sinks: [plant, vendor], volume: [100, 120], max_mean_response_time: 10, backlog_cost: 2}
"""


@pytest.fixture(scope="module")
def families():
    from model.scenario import parse_yaml, validate_data

    sets = index_sets(validate_data(*parse_yaml(FAMILIES, "families.yaml")))
    model = build(sets)
    solution = solve(model)
    assert solution.status == "optimal"
    return sets, solution, index_tables(sets)


def row(rows, family: str, **keys: str) -> int:
    table = rows[family]
    mask = np.ones(len(table), dtype=bool)
    for column, wanted in keys.items():
        mask &= (table[column] == wanted).to_numpy()
    (index,) = np.flatnonzero(mask)
    return int(index)


def refused(families, family: str, key: dict, period: int, value: float) -> list[str]:
    sets, solution, rows = families

    def change(values):
        values[family][row(rows, family, **key), period] = value

    return check_solution(evaluated((sets, solution, rows), change))


@pytest.mark.parametrize(
    "family, key, period, value, message",
    [
        ("z", {"node": "plant"}, 0, 1e3, "pass-through d@plant P1"),
        ("hire", {"node": "plant"}, 1, 0.5, "staff balance plant/worker P2"),
        ("o", {"node": "plant"}, 0, 20.0, "overtime plant/worker P1"),
        ("s", {"node": "plant"}, 0, 1.5, "staff max plant/worker P1"),
        ("y", {"node": "plant"}, 0, 160.0, "node capacity plant P1"),
        ("x", {"arc": "src->plant"}, 0, 250.0, "arc capacity src->plant P1"),
        ("b", {"demand": "d"}, 0, 50.0, "response-time target d P1"),
        ("b", {"demand": "d"}, 1, 5.0, "final backlog d P2"),
        ("k", {"node": "plant"}, 1, 0.0, "final stock d@plant P2"),
    ],
)
def test_each_family_refuses_a_broken_solution(families, family, key, period, value, message):
    assert check_solution(evaluated(families)) == []
    found = refused(families, family, key, period, value)
    assert any(v.startswith(message) for v in found), found
