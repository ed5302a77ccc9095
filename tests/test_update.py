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
