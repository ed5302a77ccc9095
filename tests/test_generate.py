"""Synthetic scenarios: valid, reproducible from their seed, feasible, and of the size asked for."""

from __future__ import annotations

import pytest

from model.generate import Size, generate, write_scenario
from model.optimise import optimise
from model.scenario import load_scenario


def test_same_seed_same_file_other_seed_other_file(tmp_path):
    paths = [tmp_path / f"{i}.yaml" for i in range(3)]
    for path, seed in zip(paths, [7, 7, 8]):
        write_scenario(generate(Size(3, 10, 2, seed)), path)
    assert paths[0].read_text() == paths[1].read_text() != paths[2].read_text()


@pytest.mark.parametrize("size", [Size(1, 3, 1, 0), Size(3, 15, 1, 1), Size(4, 30, 3, 2), Size(5, 40, 2, 3)])
def test_generated_scenarios_are_valid_and_solve_to_a_checked_optimum(tmp_path, size):
    path = tmp_path / "g.yaml"
    write_scenario(generate(size), path)
    scenario = load_scenario(path)
    assert len(scenario.demands) == size.demands
    assert len(scenario.nodes) == 6 * size.nodes_per_stage
    assert len(scenario.periods) == size.periods
    outcome = optimise(scenario)
    assert outcome.status == "optimal", outcome.message
    assert outcome.violations == []
    assert outcome.tables["costs"].amount.sum() == pytest.approx(outcome.objective, rel=1e-6)


def test_arcs_are_sparse(tmp_path):
    data = generate(Size(12, 50, 1, 0))
    nodes_per_stage, handoff_kinds = 12, 6
    dense = handoff_kinds * nodes_per_stage * nodes_per_stage
    # each node hands over to its region (about 3 nodes) plus one more: about a third of dense here
    assert len(data["arcs"]) <= handoff_kinds * nodes_per_stage * 5 < dense
