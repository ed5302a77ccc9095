"""The direct-highspy floor (benchmarks/floor.py) builds the same LP as the Pyomo front end.

Worked out by a second method: Pyomo's own standard form of `model.lp.build` (the matrix HiGHS
receives from `model.solve`), matched column by column through the Pyomo variables on each family's
grid and row by row through each constraint block, and the optimum `model.optimise` reports.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from benchmarks.floor import BLOCKS, FAMILIES, LEFT_OUT, build_direct, solve_direct
from model.generate import Size, generate
from model.lp import build
from model.network import index_sets
from model.optimise import optimise
from model.scenario import load_scenario, parse_yaml, validate_data
from model.solve import object_ids, to_standard_form

TINY = "data/tiny.yaml"
APPLIANCE = "data/appliance-co.yaml"
GENERATED = [Size(3, 30, 1, 1), Size(3, 30, 3, 2), Size(4, 40, 4, 3)]


TINY_PLUS = "tiny-plus"  # tiny_plus() below


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


CASES = [TINY, APPLIANCE, TINY_PLUS, *GENERATED]


def assert_same_lp(scenario, integer_staff: bool = False):
    """The direct LP is Pyomo's standard form entry by entry; return both and the Pyomo model."""
    sets = index_sets(scenario)
    linear = build(sets, integer_staff=integer_staff)
    form = to_standard_form(linear)
    lp = build_direct(sets, integer_staff=integer_staff)

    assert (lp.num_col, lp.num_row, lp.matrix.nnz) == (len(form.columns), len(form.rows), form.matrix.nnz)

    # Columns: the Pyomo variable at (index row, period) of each family is the form's column with
    # the direct LP's number there; a variable the compiler left out (LEFT_OUT here) is in no form column.
    column_of = {i: j for j, i in enumerate(object_ids(form.columns).tolist())}
    assert set(lp.columns) == set(FAMILIES) and all(len(linear.variables[n].var) == 0 for n in ("q", "a"))
    matched = np.full(lp.num_col, -1)
    for name in FAMILIES:
        pyomo_grid, direct = linear.variables[name], lp.columns[name]
        assert direct.shape == pyomo_grid.grid.shape
        assert np.array_equal(direct != -1, pyomo_grid.exists), name  # a variable where Pyomo has one
        at = [column_of.get(i, -1) for i in object_ids(pyomo_grid.grid[pyomo_grid.exists]).tolist()]
        assert np.array_equal(np.asarray(at, dtype=int), np.maximum(direct[pyomo_grid.exists], -1)), name
        left_out = pyomo_grid.grid[direct == LEFT_OUT]  # Pyomo reports these at their lower bound
        assert lp.left_out[name].tolist() == [v.lb or 0.0 for v in left_out], name
        matched[direct[direct >= 0]] = direct[direct >= 0]
    assert (matched == np.arange(lp.num_col)).all()  # every column belongs to one variable...
    assert sum(int((lp.columns[name] >= 0).sum()) for name in FAMILIES) == lp.num_col  # ... and only one

    # Rows: each block's kept rows in order, at the same positions of the form (same family order).
    row_of = {i: j for j, i in enumerate(object_ids([r.constraint for r in form.rows]).tolist())}
    assert list(lp.blocks) == list(BLOCKS)
    for name, (start, stop) in lp.blocks.items():
        constraints = list(linear.blocks[name].constraint.values())
        assert [row_of[i] for i in object_ids(constraints).tolist()] == list(range(start, stop)), name
        assert len(lp.row_ids[name]) == stop - start
    assert sum(len(linear.blocks[b].constraint) for b in linear.blocks) == lp.num_row

    # Same figures everywhere (columns and rows are in the same order, so no permutation).
    for ours, theirs in ((lp.cost, form.cost), (lp.col_lower, form.col_lower), (lp.col_upper, form.col_upper),
                         (lp.row_lower, form.row_lower), (lp.row_upper, form.row_upper)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)
    assert np.array_equal(lp.integer, form.integer)
    assert form.offset == 0.0
    ours, theirs = lp.matrix.tocsc(), form.matrix.tocsc()
    ours.sort_indices()
    theirs.sort_indices()
    assert np.array_equal(ours.indptr, theirs.indptr) and np.array_equal(ours.indices, theirs.indices)
    np.testing.assert_allclose(ours.data, theirs.data, rtol=1e-12, atol=0)
    return lp, form, linear


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_direct_lp_is_pyomos_standard_form(case):
    assert_same_lp(scenario_of(case))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_the_direct_optimum_is_optimises(case):
    scenario = scenario_of(case)
    result = solve_direct(build_direct(index_sets(scenario)))
    outcome = optimise(scenario, sensitivity=False)
    assert outcome.status == result["status"] == "optimal", outcome.message
    assert result["objective"] == pytest.approx(outcome.objective, rel=1e-7)
    assert set(result["timings"]) == {"assemble", "pass", "solve", "extract"}
    assert (result["columns"], result["rows"], result["nonzeros"]) == tuple(
        outcome.solver[k] for k in ("columns", "rows", "nonzeros"))


def test_the_cases_cover_every_family():
    # Stock, backlog, unmet, overtime, hiring: each family has variables and rows in the multi-period
    # generated case (all but an arc capacity, which TINY_PLUS has), so the comparisons above reach
    # every part of the direct build.
    lp, _, _ = assert_same_lp(scenario_of(Size(3, 30, 3, 2)))
    for name in FAMILIES:
        assert (lp.columns[name] >= 0).any(), name
    for name in BLOCKS:
        start, stop = lp.blocks[name]
        assert (stop > start) == (name != "arc_capacity_limit"), name
    lp, _, _ = assert_same_lp(scenario_of(TINY_PLUS))
    start, stop = lp.blocks["arc_capacity_limit"]
    assert stop - start == 2


def test_integer_staff_on_tiny():
    scenario = load_scenario(TINY)
    lp, _, _ = assert_same_lp(scenario, integer_staff=True)
    assert lp.integer.sum() == (lp.columns["s"] >= 0).sum() > 0
    result = solve_direct(lp)
    outcome = optimise(scenario, integer_staff=True, sensitivity=False)
    assert outcome.status == result["status"] == "optimal"
    assert result["mip"] and np.allclose(result["values"]["s"], np.round(result["values"]["s"]))
    assert result["objective"] == pytest.approx(outcome.objective, rel=1e-7)
    continuous = solve_direct(build_direct(index_sets(scenario)))
    assert continuous["objective"] < result["objective"]  # 7.14 technicians relaxed, 8 whole


def test_a_column_in_no_row_and_no_cost_is_left_out_as_pyomo_does():
    # A free role at a node no demand reaches: its staff enter no row (no labour row without load,
    # no balance without `initial`, one period) and cost nothing, so Pyomo's compiler drops them.
    data = load_data(TINY)
    data["roles"]["volunteer"] = {"cost_per_fte": 0, "hours_per_fte": 100}
    data["nodes"]["spare_team"] = {"stage": "service", "work": {"volunteer": {"hours_per_unit": 1.0}}}
    data["arcs"].append({"from": "call_centre", "to": "spare_team"})
    scenario = from_data(data)
    lp, _, linear = assert_same_lp(scenario)
    spare = (linear.variables["s"].rows.node == "spare_team").to_numpy()
    assert linear.variables["s"].exists[spare].all() and (lp.columns["s"][spare] == LEFT_OUT).all()
    result = solve_direct(lp)
    assert result["values"]["s"][spare].tolist() == [[0.0]]
    assert result["objective"] == pytest.approx(optimise(scenario, sensitivity=False).objective, rel=1e-7)


def test_a_row_nothing_enters_that_cannot_hold_is_refused():
    text = """
scenario: {name: slow, currency: EUR, period_length: 730}
stages: [make]
nodes:
  plant: {stage: make, processing_time: 50, stock: {holding_cost: 1}}
demands:
  d1: {origin: plant, sinks: [plant], volume: 100, max_response_time: 24}
"""
    with pytest.raises(ValueError, match="response_time_target"):
        build_direct(index_sets(validate_data(*parse_yaml(text, "slow.yaml"))))


def test_queues_are_not_built():
    with pytest.raises(NotImplementedError):
        build_direct(index_sets(load_scenario("data/contact-centre.yaml")))
