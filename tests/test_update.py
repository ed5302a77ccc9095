"""What-if figures are mutable parameters: a re-solve after `update` needs no rebuild and is exact."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.check import check_objective, check_solution
from model.lp import build, update
from model.network import index_sets
from model.scenario import parse_yaml, validate_data
from model.solution import evaluate
from model.solve import solve

TINY = (Path(__file__).resolve().parents[1] / "data" / "tiny.yaml").read_text()


def sets_of(text: str):
    return index_sets(validate_data(*parse_yaml(text, "tiny.yaml")))


def test_a_volume_and_wage_what_if_re_solves_exactly_without_rebuilding():
    model = build(sets_of(TINY))
    base = solve(model)
    assert base.objective == pytest.approx(600 * 52 + 400 * 1.5 / 140 * 5200)
    what_if = TINY.replace("volume: 1000", "volume: 1200").replace("cost_per_fte: 5200", "cost_per_fte: 5460")
    lp_before = model.lp
    model = update(model, sets_of(what_if))
    assert model.lp is lp_before
    solution = solve(model)
    # By hand: the quality row allows the vendor 0.05 x 1200 - 0.02 x 1200 = 36 defect units over the
    # team's rate, 36 / (0.07 - 0.02) = 720 units; the team does 480 at 1.5 h x 5460 / 140 per unit.
    assert solution.objective == pytest.approx(720 * 52 + 480 * 1.5 / 140 * 5460, rel=1e-9)
    ev = evaluate(model.sets, solution.values, {n: g.rows for n, g in model.variables.items()})
    assert check_solution(ev) == [] and check_objective(ev, solution.objective) == []


def test_a_structural_change_asks_for_a_rebuild():
    model = build(sets_of(TINY))
    with pytest.raises(ValueError, match="build the model again"):
        update(model, sets_of(TINY.replace("    max_response_time: 24\n", "")))


@pytest.mark.parametrize(
    "old, new",
    [
        ("volume: 1000", "volume: 900"),
        ("cost_per_fte: 5200", "cost_per_fte: 5000"),
        ("unit_cost: 50", "unit_cost: 55"),
        ("min_quality: 0.95", "min_quality: 0.96"),
        ("capacity: 800", "capacity: 500"),
    ],
)
def test_parameter_what_ifs_re_solve_to_the_rebuilt_optimum(old, new):
    what_if = TINY.replace(old, new)
    assert what_if != TINY
    updated = solve(update(build(sets_of(TINY)), sets_of(what_if)))
    assert updated.objective == pytest.approx(solve(build(sets_of(what_if))).objective, rel=1e-9)


@pytest.mark.parametrize(
    "old, new",
    [
        ("hours_per_unit: 1.5", "hours_per_unit: 3"),  # labour row coefficient
        ("quality: 0.98", "quality: 0.97"),  # quality row coefficient
        ("processing_time: 2}", "processing_time: 3}"),  # response-time row coefficient
        ("lead_time: 4", "lead_time: 5"),
        ("wait_time: 6", "wait_time: 7"),
        ("hours_per_fte: 140", "hours_per_fte: 70"),
        ("period_length: 730", "period_length: 700"),
    ],
)
def test_what_ifs_on_figures_held_as_plain_numbers_ask_for_a_rebuild(old, new):
    what_if = TINY.replace(old, new)
    assert what_if != TINY
    with pytest.raises(ValueError, match="build the model again"):
        update(build(sets_of(TINY)), sets_of(what_if))
