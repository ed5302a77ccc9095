"""A what-if that changes figures only is fitted into the LP already built, and HiGHS takes just the
numbers that changed; the answer is the optimum of the what-if built from scratch."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import scenario_from_text

from model.check import check_objective, check_solution
from model.lp import Restructured, build, refigure
from model.network import index_sets
from model.solution import evaluate
from model.solve import Solver, solve


def sets_of(text: str, like=None):
    return index_sets(scenario_from_text(text, name="tiny.yaml"), like=like)


def test_a_volume_and_wage_what_if_is_changed_in_place_and_re_solved_exactly(tiny_text):
    sets = sets_of(tiny_text)
    model = build(sets)
    solver = Solver()
    solver.load(model)
    base = solver.solve()
    assert base.objective == pytest.approx(600 * 52 + 400 * 1.5 / 140 * 5200)
    what_if = tiny_text.replace("volume: 1000", "volume: 1200").replace("cost_per_fte: 5200", "cost_per_fte: 5460")
    changed = refigure(model, sets_of(what_if, like=sets))
    assert changed.layout is model.layout and changed.matrix.nnz == model.matrix.nnz
    pushed = solver.update(changed)
    # The volume is the bound of one column (v, fixed at V); the wage the cost of one (s).
    assert pushed == {"costs": 1, "column_bounds": 1, "row_bounds": 0, "coefficients": 0}
    solution = solver.solve(warm_start=base.warm_start)
    # By hand: the quality row allows the vendor 0.05 x 1200 - 0.02 x 1200 = 36 defect units over the
    # team's rate, 36 / (0.07 - 0.02) = 720 units; the team does 480 at 1.5 h x 5460 / 140 per unit.
    assert solution.objective == pytest.approx(720 * 52 + 480 * 1.5 / 140 * 5460, rel=1e-9)
    ev = evaluate(changed.sets, solution.values)
    assert check_solution(ev) == [] and check_objective(ev, solution.objective) == []


def test_a_structural_change_asks_for_a_build(tiny_text):
    sets = sets_of(tiny_text)
    model = build(sets)
    with pytest.raises(Restructured, match="terms of the LP"):
        refigure(model, sets_of(tiny_text.replace("    max_mean_response_time: 24\n", ""), like=sets))
    with pytest.raises(Restructured, match="other variables"):  # a backlog: b[d,t] exists now
        refigure(
            model,
            sets_of(
                tiny_text.replace(
                    "    max_mean_response_time: 24\n", "    max_mean_response_time: 24\n    backlog_cost: 5\n"
                )
            ),
        )


@pytest.mark.parametrize(
    "old, new",
    [
        ("volume: 1000", "volume: 900"),
        ("cost_per_fte: 5200", "cost_per_fte: 5000"),
        ("unit_cost: 50", "unit_cost: 55"),
        ("min_quality: 0.95", "min_quality: 0.96"),
        ("capacity: 800", "capacity: 500"),
        ("hours_per_unit: 1.5", "hours_per_unit: 3"),  # labour row coefficient
        ("quality: 0.98", "quality: 0.97"),  # quality row coefficient
        ("processing_time: 2}", "processing_time: 3}"),  # response-time row coefficient
        ("lead_time: 4", "lead_time: 5"),
        ("wait_time: 6", "wait_time: 7"),
        ("hours_per_fte: 140", "hours_per_fte: 70"),
        ("max_mean_response_time: 24", "max_mean_response_time: 30"),
    ],
)
def test_figure_what_ifs_re_solve_in_place_to_the_optimum_built_from_scratch(old, new, tiny_text):
    what_if = tiny_text.replace(old, new)
    assert what_if != tiny_text
    sets = sets_of(tiny_text)
    model = build(sets)
    solver = Solver()
    solver.load(model)
    base = solver.solve()
    solver.update(refigure(model, sets_of(what_if, like=sets)))
    updated = solver.solve(warm_start=base.warm_start)
    assert updated.objective == pytest.approx(solve(build(sets_of(what_if))).objective, rel=1e-9)


def test_a_coefficient_turned_zero_asks_for_a_build(tiny_text):
    # The vendor's hand-off takes no time any more: its lead time leaves the response-time row.
    sets = sets_of(tiny_text)
    with pytest.raises(Restructured, match="turns 0"):
        refigure(build(sets), sets_of(tiny_text.replace("lead_time: 4", "lead_time: 0"), like=sets))


def test_updating_pushes_exactly_the_numbers_that_differ(tiny_text):
    sets = sets_of(tiny_text)
    model = build(sets)
    solver = Solver()
    solver.load(model)
    changed = refigure(model, sets_of(tiny_text.replace("hours_per_unit: 1.5", "hours_per_unit: 2"), like=sets))
    differs = np.flatnonzero(changed.matrix.data != model.matrix.data)
    assert len(differs) == 1  # the one labour row's y term: 1.5 -> 2 hours per repair
    assert solver.update(changed)["coefficients"] == 1
    assert solver.update(changed) == {"costs": 0, "column_bounds": 0, "row_bounds": 0, "coefficients": 0}
