"""What an override's refusal says (issue 16's second trial, part 2 findings 3, 6 and 7): a capacity
level named by its number from 1 as the override grammar has it, the override blamed, no pydantic
class name, the way to replace levels by a capacity, a mode's rework, and a field the file left out.

LEVELS: the plant's levels 1 (50 units for 100 EUR) and 2 (200 units for 300 EUR); WORDS: the plant's
rework is on its work entry `op` only; the hub's `open` is not given (default always).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SITELOOP_ALWAYS

from model import resolve
from model.errors import ScenarioError

LEVELS = """\
scenario: {name: levels, currency: EUR, period_length: 730}
stages: [sales, make]
nodes:
  shop: {stage: sales}
  plant:
    stage: make
    unit_cost: 1
    capacity_levels: [{capacity: 50, cost: 100}, {capacity: 200, cost: 300}]
    work: {op: {hours_per_unit: 0.1, quality: 0.9, rework: {to: same, cost: 1}}}
  copacker: {stage: make, unit_cost: 10}
roles: {op: {cost_per_fte: 1000, hours_per_fte: 100}}
arcs: [{from: shop, to: plant}, {from: shop, to: copacker, cost: 3}]
demands:
  widgets: {origin: shop, sinks: [plant, copacker], volume: 100}
"""


def refused(tmp_path: Path, *assignments: str, removals: tuple[str, ...] = ()):
    (tmp_path / "levels.yaml").write_text(LEVELS)
    with pytest.raises(ScenarioError) as caught:
        resolve(tmp_path / "levels.yaml", list(assignments), list(removals))
    [problem] = caught.value.problems
    return problem


def test_a_bad_level_figure_names_the_level_from_1_and_the_override(tmp_path: Path):
    # a change: level 2's 300 EUR - 1000 = -700 EUR, below 0
    problem = refused(tmp_path, "nodes.plant.capacity_levels.2.cost=-1000")
    assert (problem.file, problem.line, problem.path) == ("--set", None, "nodes.plant.capacity_levels.2.cost")
    assert problem.message == "-700 is not allowed: input should be greater than or equal to 0"
    assert problem.hint.endswith(
        "Changed by the override 'nodes.plant.capacity_levels.2.cost: -1000' (--set): it was 300, now -700."
    )


def test_a_level_set_to_a_number_says_what_a_level_is(tmp_path: Path):
    problem = refused(tmp_path, "nodes.plant.capacity_levels.1=5")
    assert problem.path == "nodes.plant.capacity_levels.1"
    assert problem.message == "5 is not allowed: a level is a mapping {capacity, cost}"
    assert "CapacityLevel" not in problem.message + problem.hint
    assert "Changed by the override 'nodes.plant.capacity_levels.1: 5' (--set)" in problem.hint


def test_a_level_problem_in_the_file_names_the_level_from_1(tmp_path: Path):
    (tmp_path / "bad.yaml").write_text(LEVELS.replace("{capacity: 200, cost: 300}", "{capacity: 200, cost: -3}"))
    with pytest.raises(ScenarioError) as caught:
        resolve(tmp_path / "bad.yaml")
    [problem] = caught.value.problems
    assert (Path(problem.file).name, problem.line, problem.path) == (
        "bad.yaml",
        8,
        "nodes.plant.capacity_levels.2.cost",
    )


def test_a_capacity_set_on_a_node_with_levels_says_to_remove_them(tmp_path: Path):
    problem = refused(tmp_path, "nodes.plant.capacity=500")
    assert (problem.file, problem.path) == ("--set", "nodes.plant.capacity")
    assert problem.message == "give capacity or capacity_levels, not both"
    assert problem.hint == (
        "Node plant has capacity_levels: remove the levels first: --remove nodes.plant.capacity_levels\n"
        "    Changed by the override 'nodes.plant.capacity: 500' (--set): it was not given, now 500."
    )


def test_removing_the_levels_then_setting_a_capacity_works(tmp_path: Path):
    (tmp_path / "levels.yaml").write_text(LEVELS)
    resolved = resolve(tmp_path / "levels.yaml", ["nodes.plant.capacity=500"], ["nodes.plant.capacity_levels"])
    assert resolved.scenario.nodes["plant"].capacity == 500


def test_a_node_rework_override_on_a_node_whose_rework_is_on_its_mode_points_there(tmp_path: Path):
    problem = refused(tmp_path, "nodes.plant.rework.to=origin")
    assert problem.message == "matches nothing: node plant has no rework of its own"
    assert problem.hint == "node plant's rework is on its work entry op: nodes.plant.work.op.rework.to"


def test_a_field_the_file_left_out_is_shown_with_its_default(tmp_path: Path):
    # hub_a gives no `open` (default always); deciding it on the loop hub_a -> hub_b -> hub_a without a
    # capacity is refused, at the override
    (tmp_path / "loop.yaml").write_text(SITELOOP_ALWAYS)
    with pytest.raises(ScenarioError) as caught:
        resolve(tmp_path / "loop.yaml", ["nodes.hub_a.open=decide"])
    [problem] = caught.value.problems
    assert problem.hint.endswith(
        "Changed by the override 'nodes.hub_a.open: decide' (--set): it was not given (default always), now 'decide'."
    )
