"""Overrides of the fields that take a word or a name (operations.CHOICES), of a site's capacity
levels, and how an override is recorded (issue 16's trial, findings 3, 4, 5, 8, 10, 15, 16).

LEVELS: 100 widgets a period from the shop, made at the plant (1 EUR/unit, always open, levels 1:
50 units for 100 EUR, 2: 200 units for 300 EUR) or at the co-packer (10 EUR/unit, the arc to it 3 EUR).
By hand: level 1 = 50 x 1 + 50 x (10 + 3) + 100 = 800 EUR; level 2 = 100 x 1 + 300 = 400 EUR.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from conftest import scenario_from_text

from model import Resolver, optimise, resolve, sweep
from model.cli.sweep import _axis_cell
from model.errors import ScenarioError
from model.runs import run_label
from model.scenario.loader import parse_yaml, validate_data
from model.scenario.overrides import apply_overrides, overrides_applied, parse_assignment
from model.sweep import axis_values

LEVELS = """\
scenario: {name: levels, currency: EUR, period_length: 730}
stages: [sales, make]
nodes:
  shop: {stage: sales}
  plant:
    stage: make
    unit_cost: 1
    open: always
    capacity_levels: [{capacity: 50, cost: 100}, {capacity: 200, cost: 300}]
  copacker: {stage: make, unit_cost: 10}
arcs: [{from: shop, to: plant}, {from: shop, to: copacker, cost: 3}]
demands:
  widgets: {origin: shop, sinks: [plant, copacker], volume: 100}
"""

WORDS = """\
scenario: {name: words, currency: EUR, period_length: 730}
stages: [sales, make]
roles: {op: {cost_per_fte: 1000, hours_per_fte: 100}}
nodes:
  shop: {stage: sales}
  plant:
    stage: make
    open: decide
    fixed_cost: 500
    quality: 0.9
    rework: {to: same, cost: 2}
    work: {op: {hours_per_unit: 0.1, rework: {to: same, cost: 1}}}
  copacker: {stage: make, unit_cost: 10}
arcs: [{from: shop, to: plant}, {from: shop, to: copacker}]
demands:
  widgets: {origin: shop, sinks: [plant, copacker], volume: 100, segment: mass, labels: {region: north}}
"""


def data_of(text: str) -> tuple[dict, object]:
    return parse_yaml(text, "case.yaml")


def applied(text: str, *assignments: str, removals: tuple[str, ...] = ()):
    data, source = data_of(text)
    changed, changes = apply_overrides(data, [parse_assignment(a) for a in assignments], removals, source)
    return validate_data(changed, source), changes


def refused(text: str, *assignments: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        applied(text, *assignments)
    return caught.value


# ---- words and names: one mechanism, by path ---------------------------------------------------


@pytest.mark.parametrize(
    ("assignment", "field", "expected"),
    [
        ("nodes.plant.open=never", lambda s: s.nodes["plant"].open, "never"),
        ("nodes.plant.decide_per=period", lambda s: s.nodes["plant"].decide_per, "period"),
        ("scenario.objective=margin", lambda s: s.scenario.objective, "margin"),
        ("nodes.plant.rework.to=origin", lambda s: s.nodes["plant"].rework.to, "origin"),
        ("nodes.plant.rework.to=copacker", lambda s: s.nodes["plant"].rework.to, "copacker"),
        ("nodes.plant.work.op.rework.to=origin", lambda s: s.nodes["plant"].work["op"].rework.to, "origin"),
        ("nodes.*.work.*.rework.to=same", lambda s: s.nodes["plant"].work["op"].rework.to, "same"),
        ("demands.widgets.segment=pro", lambda s: s.demands["widgets"].segment, "pro"),
        ("demands.*.labels.region=south", lambda s: s.demands["widgets"].labels["region"], "south"),
        ("demands.widgets.labels.*=east", lambda s: s.demands["widgets"].labels["region"], "east"),
    ],
)
def test_each_word_field_takes_its_words_by_path_and_wildcard(assignment, field, expected):
    scenario, changes = applied(WORDS, assignment)
    assert field(scenario) == expected
    assert [c.new for c in changes] == [expected]


def test_a_wildcard_word_sets_every_field_it_matches():
    scenario, changes = applied(WORDS, "nodes.*.decide_per=period")
    assert [c.path for c in changes] == ["nodes.shop.decide_per", "nodes.plant.decide_per", "nodes.copacker.decide_per"]
    assert scenario.nodes["plant"].decide_per == "period"


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("nodes.plant.open=maybe", "'maybe' is not allowed for nodes.plant.open: give one of always, never, decide."),
        (
            "nodes.plant.open=nevr",
            "'nevr' is not allowed for nodes.plant.open: give one of always, never, decide. Did you mean 'never'?",
        ),
        ("nodes.*.decide_per=month", "'month' is not allowed for nodes.*.decide_per: give one of horizon, period."),
        ("scenario.objective=profit", "'profit' is not allowed for scenario.objective: give one of cost, margin."),
        (
            "nodes.plant.rework.to=*2",
            "'*2' is not allowed for nodes.plant.rework.to: give one of same, origin, a node's name.",
        ),
        (
            "demands.widgets.segment=+5",
            "'+5' is not allowed for demands.widgets.segment: give a name (letters, digits, _ - . and spaces).",
        ),
    ],
)
def test_a_bad_word_is_refused_with_what_the_field_takes(assignment, message):
    with pytest.raises(ScenarioError) as caught:
        parse_assignment(assignment)
    [problem] = caught.value.problems
    assert (problem.file, problem.path, problem.message) == ("--set", assignment.partition("=")[0], message)


def test_a_name_the_scenario_lacks_is_refused_by_validation_at_the_override(tmp_path: Path):
    (tmp_path / "words.yaml").write_text(WORDS)
    with pytest.raises(ScenarioError) as caught:
        resolve(tmp_path / "words.yaml", ["nodes.plant.work.op.rework.to=copackr"])
    [problem] = caught.value.problems
    assert (problem.file, problem.path) == ("--set", "nodes.plant.work.op.rework.to")
    assert problem.message == "unknown node 'copackr'" and "Did you mean 'copacker'?" in problem.hint


def test_a_word_for_a_figure_names_what_the_field_holds():
    [problem] = refused(WORDS, "nodes.plant.fixed_cost=margin").problems
    assert problem.message == "'nodes.plant.fixed_cost' holds 500, not a choice: a word replaces only a choice"


def test_sweep_axes_take_the_words_of_their_field():
    assert axis_values("cost,margin", "--grid", "scenario.objective") == ("cost", "margin")
    assert axis_values("always,never", "--grid", "nodes.plant.open") == ("always", "never")
    with pytest.raises(ScenarioError, match="give one of cost, margin"):
        axis_values("cost,profit", "--grid", "scenario.objective")


# ---- no override adds a section ----------------------------------------------------------------


def test_a_rework_figure_on_a_node_without_rework_is_refused_not_added():
    # Finding 3: --set nodes.vendor.rework.cost=0 once added a rework (to: same) and changed the plan.
    [problem] = refused(WORDS, "nodes.copacker.rework.cost=0").problems
    assert problem.message == "matches nothing: node copacker has no rework: add one in the file"


# ---- capacity levels: by number from 1 ---------------------------------------------------------


def test_the_base_chooses_level_2():
    assert optimise(scenario_from_text(LEVELS), sensitivity=False).objective == pytest.approx(400.0)


@pytest.mark.parametrize(
    ("assignment", "cost"),
    [
        # level 2 at 600: 100 + 600 = 700 against level 1's 800: 700 EUR
        ("nodes.plant.capacity_levels.2.cost=600", 700.0),
        # level 1 holds 100: 100 x 1 + 100 = 200 EUR
        ("nodes.plant.capacity_levels.1.capacity=100", 200.0),
        # both costs doubled: level 1 50 + 650 + 200 = 900, level 2 100 + 600 = 700: 700 EUR
        ("nodes.plant.capacity_levels.*.cost=*2", 700.0),
    ],
)
def test_a_level_s_figure_is_addressed_by_its_number(assignment, cost):
    scenario, changes = applied(LEVELS, assignment)
    assert optimise(scenario, sensitivity=False).objective == pytest.approx(cost)
    assert all(c.path.startswith("nodes.plant.capacity_levels.") for c in changes)


def test_a_level_that_is_not_there_names_the_levels():
    [problem] = refused(LEVELS, "nodes.plant.capacity_levels.3.cost=1").problems
    assert problem.message == "matches nothing: there is no '3' in 'nodes.plant.capacity_levels'"
    assert problem.hint == "Under 'nodes.plant.capacity_levels': 1, 2."


def test_removing_the_levels_leaves_the_plant_unlimited():
    # no capacity then: all 100 at the plant, 100 x 1 = 100 EUR
    scenario, changes = applied(LEVELS, removals=("nodes.plant.capacity_levels",))
    assert scenario.nodes["plant"].capacity_levels is None
    assert [(c.path, c.new) for c in changes] == [("nodes.plant.capacity_levels", None)]
    assert optimise(scenario, sensitivity=False).objective == pytest.approx(100.0)


def test_removing_levels_a_node_lacks_is_refused():
    data, source = data_of(LEVELS)
    with pytest.raises(ScenarioError) as caught:
        apply_overrides(data, [], ["nodes.copacker.capacity_levels"], source)
    assert caught.value.problems[0].message == "no capacity_levels to remove at 'nodes.copacker.capacity_levels'"


def test_a_changed_level_is_refigured_in_place():
    resolver = Resolver(scenario_from_text(LEVELS), sensitivity=False)
    variant, _ = applied(LEVELS, "nodes.plant.capacity_levels.2.cost=600")
    outcome = resolver.solve(variant)
    assert outcome.solver["lp"] == "updated in place"
    assert outcome.objective == pytest.approx(700.0)


# ---- the record keeps the operator -------------------------------------------------------------


def test_set_to_minus_20_and_lower_by_20_are_recorded_apart():
    # the arc's 3 EUR: '=-20' sets -20; '-20' lowers it to 3 - 20 = -17
    data, source = data_of(LEVELS)
    runs = {}
    for typed in ("=-20", "-20"):
        override = parse_assignment(f"arcs.shop->copacker.cost={typed}")
        assert override.value == typed
        _, changes = apply_overrides(data, [override], source=source)
        assert changes[0].new == {"=-20": -20, "-20": -17}[typed]
        assert overrides_applied(changes)[0]["value"] == typed
        runs[typed] = run_label(None, changes, None)
    assert runs["=-20"] != runs["-20"]


# ---- sweeps show the value used ----------------------------------------------------------------


def test_a_sweep_shows_the_value_each_change_made(tmp_path: Path):
    base = tmp_path / "levels.yaml"
    base.write_text(LEVELS)
    result = sweep(
        base,
        ["arcs.shop->copacker.cost=-1,-2", "nodes.plant.capacity_levels.2.cost=300,=600"],
        out_dir=tmp_path,
        workers=1,
    )
    points = pd.read_csv(result.folder / "points.csv", dtype=str)
    # the arc's 3 EUR lowered by 1 and 2: 2 and 1; a level cost set: 300, 600
    assert points["arcs.shop->copacker.cost"].tolist() == ["-1", "-1", "-2", "-2"]
    assert points["used.arcs.shop->copacker.cost"].tolist() == ["2", "2", "1", "1"]
    assert points["used.nodes.plant.capacity_levels.2.cost"].tolist() == ["300", "600", "300", "600"]
    # level 2 at 600: 700 EUR (above); the co-packer's arc never pays: 10 + 1 > 1
    assert points.total_cost.astype(float).tolist() == pytest.approx([400.0, 700.0, 400.0, 700.0])
    columns = pd.read_csv(result.folder / "columns.csv")
    assert "used.arcs.shop->copacker.cost" in set(columns.iloc[:, 1])
    assert json.loads((result.folder / "sweep.json").read_text())


def test_the_screen_shows_the_typed_value_and_the_one_used():
    assert _axis_cell({"p": "-5", "used.p": "-9"}, "p") == "-5 (= -9)"
    assert _axis_cell({"p": "=-5", "used.p": "-5"}, "p") == "=-5"
    assert _axis_cell({"p": "never", "used.p": "never"}, "p") == "never"


# ---- a mode's rework: null ---------------------------------------------------------------------


def test_a_mode_s_null_rework_is_refused_saying_how_to_inherit():
    text = WORDS.replace("rework: {to: same, cost: 1}", "rework: null")
    with pytest.raises(ScenarioError) as caught:
        scenario_from_text(textwrap.dedent(text))
    [problem] = caught.value.problems
    assert problem.path == "nodes.plant.work.op.rework" and problem.line == 12
    assert problem.message == "an empty value (null) is not allowed: remove the line to inherit the node's rework"


def test_the_workbench_takes_words_and_keeps_the_operator_as_the_command_line_does():
    from model.workbench.session import request_overrides

    overrides, _ = request_overrides({"arcs.a->b.cost": "=-30", "nodes.plant.open": "never", "x.y": 5}, [])
    assert [(o.value, o.origin) for o in overrides] == [("=-30", "--set"), ("never", "--set"), (5, "--set")]
    with pytest.raises(ScenarioError) as caught:
        request_overrides({"scenario.objective": "profit"}, [])
    assert caught.value.problems[0].file == "set"
    assert caught.value.problems[0].message.endswith("give one of cost, margin.")
