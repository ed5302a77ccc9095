"""model/solve.py: an LP that HiGHS refuses is a solver error, not an "optimal" answer without a solution.

HiGHS refuses a matrix value of 1e15 or more: `passModel` returns an error and HiGHS holds an empty model,
which it then "solves" to kModelEmpty. That once came back as status optimal with no values (a run
folder saying optimal with no cost; a queued scenario's iterations then failed with KeyError 'q'). Found
by the mutation tests (tests/properties): hours per FTE of 1e308.
"""

from __future__ import annotations

import dataclasses

import pytest
from conftest import TINY_FILE

from model.lp import build
from model.network import index_sets
from model.scenario import load_scenario
from model.solve import REFUSED, Solver


@pytest.fixture(scope="module")
def tiny_lp():
    return build(index_sets(load_scenario(TINY_FILE)))


def with_coefficient(model, value: float):
    """The same LP (same layout) with its first matrix value replaced."""
    matrix = model.matrix.copy()
    matrix.data[0] = value
    return dataclasses.replace(model, matrix=matrix, numbers=dataclasses.replace(model.numbers, data=matrix.data))


def test_a_refused_lp_is_an_error(tiny_lp):
    solver = Solver()
    solver.load(with_coefficient(tiny_lp, 1e16))
    solution = solver.solve()
    assert (solution.status, solution.message) == ("error", REFUSED)
    assert not solution.has_values


def test_a_refused_change_is_an_error_and_a_load_starts_afresh(tiny_lp):
    solver = Solver()
    solver.load(tiny_lp)
    assert solver.solve().status == "optimal"
    solver.update(with_coefficient(tiny_lp, 1e16))  # HiGHS keeps the old value: it would answer another LP
    assert solver.solve().status == "error"
    solver.load(tiny_lp)
    solution = solver.solve()
    # data/tiny.yaml's optimum (README): 600 units to the vendor at 52 EUR, 400 in-house at 1.5 h x 5200/140
    assert solution.status == "optimal" and solution.objective == pytest.approx(600 * 52 + 400 * 1.5 / 140 * 5200)


def test_an_update_after_a_refused_change_gives_highs_the_whole_model(tiny_lp):
    """HiGHS kept the figure it refused; the next update (a sweep's next point) must not build on it."""
    solver = Solver()
    solver.load(tiny_lp)
    solver.update(with_coefficient(tiny_lp, 1e16))
    assert solver.solve().status == "error"
    solver.update(tiny_lp)
    solution = solver.solve()
    assert solution.status == "optimal" and solution.objective == pytest.approx(600 * 52 + 400 * 1.5 / 140 * 5200)
