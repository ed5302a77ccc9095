"""The matrix build (model/lp/matrix.py) is the Pyomo model's LP, entry by entry.

Worked out by a second method: Pyomo's own standard form of `model.lp.build` (its compiler's
columns and rows, mapped to the variable grids and constraint blocks by object identity), and the
optimum that the Pyomo model gives through the same solve.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from model.errors import InfeasibleRow
from model.generate import Size, generate
from model.lp import build
from model.lp.matrix import BLOCKS, FAMILIES, QUEUE_BLOCKS, build_matrix
from model.network import index_sets
from model.optimise import optimise
from model.scenario import load_scenario, parse_yaml, validate_data
from model.solve import solve

TINY = "data/tiny.yaml"
APPLIANCE = "data/appliance-co.yaml"
TINY_PLUS = "tiny-plus"  # tiny_plus() below
GENERATED = [Size(3, 30, 1, 1), Size(3, 30, 3, 2), Size(4, 40, 4, 3)]
CASES = [TINY, APPLIANCE, TINY_PLUS, *GENERATED]


def from_data(data: dict, name: str = "case.json"):
    return validate_data(*parse_yaml(json.dumps(data), name))


def load_data(path: str) -> dict:
    with open(path, encoding="utf-8") as stream:
        data, _ = parse_yaml(stream.read(), path)
    return json.loads(json.dumps(data))


def tiny_plus() -> dict:
    """tiny with what neither the data files nor the generator have: a finite arc capacity (besides
    two periods, a backlog, and staff bounds with initial staff)."""
    data = load_data(TINY)
    data["scenario"]["periods"] = 2
    data["arcs"][1]["capacity"] = 300
    data["demands"]["repairs"].update(volume=[1000, 1300], backlog_cost=20)
    data["nodes"]["service_team"]["staff"] = {"technician": {"min": 2, "max": 12, "initial": 5}}
    return data


def scenario_of(case):
    if case == TINY_PLUS:
        return from_data(tiny_plus())
    return load_scenario(case) if isinstance(case, str) else from_data(generate(case))


def case_id(case) -> str:
    return case if isinstance(case, str) else f"{case.nodes_per_stage}:{case.demands}:{case.periods}:{case.seed}"


def assert_same_lp(scenario, integer_staff: bool = False):
    """Both builders give the same standard form, maps and row labels; return (matrix model, Pyomo model)."""
    sets = index_sets(scenario)
    pyomo_model = build(sets, integer_staff=integer_staff)
    theirs = pyomo_model.standard_form()
    matrix_model = build_matrix(sets, integer_staff=integer_staff)
    ours = matrix_model.standard_form()
    assert matrix_model.lp is None and ours is matrix_model.form

    assert (ours.num_col, ours.num_row, ours.matrix.nnz) == (theirs.num_col, theirs.num_row, theirs.matrix.nnz)
    # Columns: each variable of each family sits in the same column (or is left out of both, at the same value).
    assert list(matrix_model.variables) == list(pyomo_model.variables)
    for name, grid in pyomo_model.variables.items():
        mine = matrix_model.variables[name]
        assert np.array_equal(mine.exists, grid.exists), name
        assert mine.rows.equals(grid.rows), name
        assert np.array_equal(ours.column_at[name], theirs.column_at[name]), name
        np.testing.assert_array_equal(ours.absent_value[name], theirs.absent_value[name], err_msg=name)
    # Rows: each block's rows at the same positions, with the same labels.
    assert list(matrix_model.blocks) == list(pyomo_model.blocks) == [*BLOCKS, *QUEUE_BLOCKS]
    for name, block in pyomo_model.blocks.items():
        assert np.array_equal(ours.row_at[name], theirs.row_at[name]), name
        assert matrix_model.blocks[name].labels.equals(block.labels), name
    # Same figures everywhere (no permutation: the same order).
    for mine, pyomo in (
        (ours.cost, theirs.cost),
        (ours.col_lower, theirs.col_lower),
        (ours.col_upper, theirs.col_upper),
        (ours.row_lower, theirs.row_lower),
        (ours.row_upper, theirs.row_upper),
    ):
        np.testing.assert_allclose(mine, pyomo, rtol=1e-12, atol=0)
    assert np.array_equal(ours.integer, theirs.integer) and ours.offset == theirs.offset == 0.0
    a, b = ours.matrix.tocsc(), theirs.matrix.tocsc()
    a.sort_indices()
    b.sort_indices()
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    np.testing.assert_allclose(a.data, b.data, rtol=1e-12, atol=0)
    return matrix_model, pyomo_model


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_matrix_lp_is_pyomos_standard_form(case):
    assert_same_lp(scenario_of(case))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_same_optimum_values_and_duals(case):
    matrix_model, pyomo_model = assert_same_lp(scenario_of(case))
    ours, theirs = solve(matrix_model), solve(pyomo_model)
    assert ours.status == theirs.status == "optimal"
    assert ours.objective == pytest.approx(theirs.objective, rel=1e-9)
    for name in theirs.values:
        np.testing.assert_allclose(ours.values[name], theirs.values[name], rtol=1e-7, atol=1e-6, err_msg=name)
    for name in theirs.rows:
        np.testing.assert_allclose(ours.rows[name].dual, theirs.rows[name].dual, rtol=1e-7, atol=1e-6, err_msg=name)


def test_the_cases_cover_every_family():
    # Stock, backlog, unmet, overtime, hiring: each family has variables and rows in the multi-period
    # generated case (all but an arc capacity, which TINY_PLUS has).
    model, _ = assert_same_lp(scenario_of(Size(3, 30, 3, 2)))
    for name in FAMILIES:
        assert (model.form.column_at[name] >= 0).any(), name
    for name in BLOCKS:
        assert (len(model.form.row_at[name]) > 0) == (name != "arc_capacity_limit"), name
    model, _ = assert_same_lp(scenario_of(TINY_PLUS))
    assert len(model.form.row_at["arc_capacity_limit"]) == 2


def test_integer_staff_on_tiny():
    scenario = load_scenario(TINY)
    model, _ = assert_same_lp(scenario, integer_staff=True)
    staff_columns = model.form.column_at["s"]
    assert model.form.integer.sum() == (staff_columns >= 0).sum() > 0
    outcome = optimise(scenario, integer_staff=True, sensitivity=False)
    relaxed = optimise(scenario, integer_staff=False, sensitivity=False)
    staff = outcome.tables["staffing"].fte
    assert outcome.status == "optimal" and np.allclose(staff, np.round(staff))
    assert relaxed.objective < outcome.objective  # 7.14 technicians relaxed, 8 whole


def test_a_column_in_no_row_and_no_cost_is_left_out_as_pyomo_does():
    # A free role at a node no demand reaches: its staff enter no row (no labour row without load,
    # no balance without `initial`, one period) and cost nothing, so Pyomo's compiler drops them.
    data = load_data(TINY)
    data["roles"]["volunteer"] = {"cost_per_fte": 0, "hours_per_fte": 100}
    data["nodes"]["spare_team"] = {"stage": "service", "work": {"volunteer": {"hours_per_unit": 1.0}}}
    data["arcs"].append({"from": "call_centre", "to": "spare_team"})
    model, pyomo_model = assert_same_lp(from_data(data))
    spare = (model.variables["s"].rows.node == "spare_team").to_numpy()
    at = model.form.column_at["s"].reshape(model.variables["s"].exists.shape)
    assert (at[spare] == -1).all()
    assert solve(model).values["s"][spare].tolist() == [[0.0]]


def test_a_row_nothing_enters_that_cannot_hold_is_refused_as_pyomo_refuses_it():
    text = """
scenario: {name: slow, currency: EUR, period_length: 730}
stages: [make]
nodes:
  plant: {stage: make, processing_time: 50, stock: {holding_cost: 1}}
demands:
  d1: {origin: plant, sinks: [plant], volume: 100, max_response_time: 24}
"""
    sets = index_sets(validate_data(*parse_yaml(text, "slow.yaml")))
    with pytest.raises(InfeasibleRow) as ours:
        build_matrix(sets)
    with pytest.raises(InfeasibleRow) as theirs:
        build(sets)
    assert str(ours.value) == str(theirs.value) and "response_time_target demand=d1 P1" in str(ours.value)


def test_queues_are_built_in_pyomo():
    with pytest.raises(NotImplementedError):
        build_matrix(index_sets(load_scenario("data/contact-centre.yaml")))
