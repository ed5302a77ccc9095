"""Loading valid scenarios (frozen objects, the defaults of model.md) and how problems are reported."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from conftest import TINY_FILE

from model.errors import ScenarioError
from model.network import modes_of
from model.scenario import load_scenario


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def refusal(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return caught.value


# A small valid scenario that leaves almost everything to its default. `expert_mode` is a second
# role, so that one work entry sets its own figures. Line numbers used below: 11 `stage: market`,
# 16 `processing_time: 3`, 26 `origin: desk`, 27 `sinks: [team]`.
DEFAULTS = """
scenario:
  name: defaults
  currency: EUR
  period_length: 730
stages: [market, service]
roles:
  technician: {cost_per_fte: 5200, hours_per_fte: 140}
  expert_mode: {cost_per_fte: 7000, hours_per_fte: 140}
nodes:
  desk:
    stage: market
  team:
    stage: service
    quality: 0.9
    unit_cost: 7
    processing_time: 3
    work:
      technician: {hours_per_unit: 1.5}
      expert_mode: {hours_per_unit: 2, quality: 0.99, unit_cost: 1, processing_time: 0.5}
    staff:
      technician: {max: 5}
arcs:
  - {from: desk, to: team}
demands:
  repairs:
    origin: desk
    sinks: [team]
    volume: 1000
"""


def defaults_file(tmp_path: Path) -> Path:
    return write(tmp_path, DEFAULTS)


# --- valid files -------------------------------------------------------------------------------


def test_tiny_loads():
    scenario = load_scenario(TINY_FILE)
    assert scenario.name == "tiny"
    assert scenario.currency == "EUR"
    assert scenario.stages == ["market", "service"]
    assert set(scenario.nodes) == {"call_centre", "service_team", "vendor"}
    assert [(a.source, a.target) for a in scenario.arcs] == [("call_centre", "service_team"), ("call_centre", "vendor")]
    assert scenario.demands["repairs"].min_quality == 0.95


def test_loaded_objects_are_frozen():
    scenario = load_scenario(TINY_FILE)
    frozen_error = (TypeError, ValueError, AttributeError)  # pydantic raises a ValidationError (a ValueError)
    with pytest.raises(frozen_error):
        scenario.stages = ["x"]
    with pytest.raises(frozen_error):
        scenario.scenario.name = "other"
    with pytest.raises(frozen_error):
        scenario.nodes["vendor"].unit_cost = 0
    with pytest.raises(frozen_error):
        scenario.nodes["service_team"].work["technician"].quality = 1
    with pytest.raises(frozen_error):
        scenario.roles["technician"].cost_per_fte = 1
    with pytest.raises(frozen_error):
        scenario.arcs[0].cost = 1
    with pytest.raises(frozen_error):
        scenario.demands["repairs"].volume = 1


def test_node_defaults(tmp_path):
    scenario = load_scenario(defaults_file(tmp_path))
    desk = scenario.nodes["desk"]
    assert desk.unit_cost == 0
    assert desk.processing_time == 0
    assert desk.wait_time == 0
    assert desk.max_utilisation == 1
    assert desk.quality == 1
    assert desk.capacity is None  # unlimited
    assert desk.work == {} and desk.staff == {} and desk.stock is None
    staff = scenario.nodes["team"].staff["technician"]
    assert staff.min == 0
    assert staff.max == 5
    assert staff.initial is None


def test_other_defaults(tmp_path):
    scenario = load_scenario(defaults_file(tmp_path))
    assert scenario.scenario.time_unit == "hour"
    assert scenario.periods == ["P1"]
    role = scenario.roles["technician"]
    assert (role.hire_cost, role.layoff_cost, role.overtime) == (0, 0, None)
    arc = scenario.arcs[0]
    assert (arc.cost, arc.lead_time, arc.capacity) == (0, 0, None)
    demand = scenario.demands["repairs"]
    assert demand.stages is None
    assert demand.min_quality is None and demand.max_mean_response_time is None
    assert demand.backlog_cost is None and demand.unmet_penalty is None
    assert demand.final_backlog == 0
    assert scenario.solver.integer_staff is False


def test_work_inherits_from_its_node(tmp_path):
    scenario = load_scenario(defaults_file(tmp_path))
    modes = {m["mode"]: m for m in modes_of(scenario, "team")}
    assert set(modes) == {"technician", "expert_mode"}
    inherited = modes["technician"]
    assert inherited["quality"] == pytest.approx(0.9)
    assert inherited["unit_cost"] == pytest.approx(7)
    assert inherited["processing_time"] == pytest.approx(3)
    assert inherited["hours_per_unit"] == pytest.approx(1.5)
    own = modes["expert_mode"]
    assert (own["quality"], own["unit_cost"], own["processing_time"]) == pytest.approx((0.99, 1, 0.5))
    # a node without `work` is its own single mode, with the node defaults
    (desk,) = modes_of(scenario, "desk")
    assert (desk["quality"], desk["unit_cost"], desk["processing_time"]) == (1, 0, 0)


def test_periods_as_a_count(tmp_path):
    text = DEFAULTS.replace("  period_length: 730\n", "  period_length: 730\n  periods: 4\n")
    scenario = load_scenario(write(tmp_path, text))
    assert scenario.periods == ["P1", "P2", "P3", "P4"]


def test_periods_as_labels(tmp_path):
    text = DEFAULTS.replace("  period_length: 730\n", "  period_length: 730\n  periods: [2027-01, 2027-02-28, 3]\n")
    scenario = load_scenario(write(tmp_path, text))
    assert scenario.periods == ["2027-01", "2027-02-28", "3"]


def test_single_volume_repeats(tmp_path):
    text = DEFAULTS.replace("  period_length: 730\n", "  period_length: 730\n  periods: 3\n")
    scenario = load_scenario(write(tmp_path, text))
    assert scenario.demands["repairs"].volumes(3) == [1000, 1000, 1000]


def test_volume_list_is_kept(tmp_path):
    text = DEFAULTS.replace("  period_length: 730\n", "  period_length: 730\n  periods: 3\n").replace(
        "volume: 1000", "volume: [900, 950, 1200]"
    )
    scenario = load_scenario(write(tmp_path, text))
    assert scenario.demands["repairs"].volumes(3) == [900, 950, 1200]


# --- problems ------------------------------------------------------------------------------------

# Seven mistakes of different kinds, one per place. Line numbers counted by hand (1-based):
MANY_MISTAKES = """\
scenario:
  name: many-mistakes
  currency: EUR
  period_length: -730
  periods: 2
stages: [market, service]
roles:
  technician: {cost_per_fte: 5200, hours_per_fte: 140, overtme: {}}
nodes:
  call_centre:
    stage: markt
  service_team:
    stage: service
    quality: 1.5
    work:
      technician: {hours_per_unit: 1.5}
    staff:
      technician: {min: 4, max: 2}
arcs:
  - {from: call_centre, to: service_team}
  - {from: call_centre, to: service_tem}
demands:
  repairs:
    origin: call_centre
    sinks: [service_team]
    volume: [1000, 1100, 1200]
"""
MANY_EXPECTED = [  # (field path, line, what the line holds, message fragment)
    ("scenario.period_length", 4, "period_length: -730", "greater than 0"),
    ("roles.technician.overtme", 8, "overtme", "unknown field 'overtme'"),
    ("nodes.call_centre.stage", 11, "stage: markt", "unknown stage 'markt'"),
    ("nodes.service_team.quality", 14, "quality: 1.5", "less than or equal to 1"),
    ("nodes.service_team.staff.technician.min", 18, "{min: 4, max: 2}", "min 4 is above max 2"),
    ("arcs[1].to", 21, "to: service_tem", "unknown node 'service_tem'"),
    ("demands.repairs.volume", 26, "volume: [1000", "3 volumes given for 2 periods"),
]


def test_many_mistakes_reported_at_once_in_line_order(tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text(MANY_MISTAKES, encoding="utf-8")
    lines = MANY_MISTAKES.splitlines()
    for _, line, holds, _ in MANY_EXPECTED:  # the hand count above is right
        assert holds in lines[line - 1]

    error = refusal(path)
    got = [(p.path, p.line) for p in error.problems]
    assert got == [(f, n) for f, n, _, _ in MANY_EXPECTED], "\n" + str(error)
    for problem, (_, _, _, fragment) in zip(error.problems, MANY_EXPECTED):
        assert fragment in problem.message
        assert problem.file == str(path)
    assert str(error).startswith("7 problems in the scenario:")
    # the text lists them in the same order
    positions = [str(error).index(f"{path}:{n}:") for _, n, _, _ in MANY_EXPECTED]
    assert positions == sorted(positions)


def test_unknown_field_suggests_the_closest(tmp_path):
    path = write(tmp_path, DEFAULTS.replace("    processing_time: 3\n", "    procesing_time: 3\n"))
    error = refusal(path)
    (problem,) = error.problems
    assert problem.path == "nodes.team.procesing_time"
    assert problem.line == 16
    assert "unknown field 'procesing_time'" in problem.message
    assert "Did you mean 'processing_time'?" in problem.hint
    assert "Did you mean 'processing_time'?" in str(error)


def test_unknown_field_with_nothing_close_lists_the_allowed(tmp_path):
    path = write(
        tmp_path,
        DEFAULTS.replace(
            "  technician: {cost_per_fte: 5200, hours_per_fte: 140}",
            "  technician: {cost_per_fte: 5200, hours_per_fte: 140, zzz: 1}",
        ),
    )
    (problem,) = refusal(path).problems
    assert problem.path == "roles.technician.zzz"
    assert "cost_per_fte" in problem.hint and "hours_per_fte" in problem.hint


def test_unknown_node_suggests_the_closest(tmp_path):
    path = write(tmp_path, DEFAULTS.replace("    origin: desk\n", "    origin: dsek\n"))
    error = refusal(path)
    (problem,) = error.problems
    assert problem.path == "demands.repairs.origin"
    assert problem.line == 26
    assert "unknown node 'dsek'" in problem.message
    assert "Did you mean 'desk'?" in problem.hint


def test_invalid_yaml_has_a_line_number(tmp_path):
    path = write(tmp_path, DEFAULTS.replace("    sinks: [team]\n", "    sinks: [team\n"))
    (problem,) = refusal(path).problems
    assert "not valid YAML" in problem.message
    assert problem.file == str(path)
    assert isinstance(problem.line, int) and 27 <= problem.line <= 28  # the open bracket, or where it is noticed


def test_tab_indentation_is_invalid_yaml(tmp_path):
    path = write(tmp_path, DEFAULTS.replace("    stage: market\n", "\tstage: market\n"))
    (problem,) = refusal(path).problems
    assert "not valid YAML" in problem.message
    assert problem.line == 11


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.yaml"
    error = refusal(path)
    (problem,) = error.problems
    assert problem.file == str(path)
    assert "no such file" in problem.message
    assert str(path) in str(error)


def test_a_file_that_is_not_a_mapping(tmp_path):
    path = write(tmp_path, "- just\n- a list\n")
    (problem,) = refusal(path).problems
    assert "mapping of sections" in problem.message
    assert problem.line == 1


def test_single_number_stock_on_a_one_demand_node(tmp_path):
    text = DEFAULTS.replace("    staff:\n", "    stock: {holding_cost: 2, initial: 50, final_min: 10}\n    staff:\n")
    scenario = load_scenario(write(tmp_path, text))
    stock = scenario.nodes["team"].stock
    assert (stock.holding_cost, stock.initial, stock.final_min) == (2, 50, 10)


def test_keys_merged_from_an_anchor_are_validated_and_located(tmp_path):
    text = TINY_FILE.read_text().replace("  vendor:\n    stage: service", "  vendor: &vendor\n    stage: service")
    text = text.replace("arcs:", "  vendor_b:\n    <<: *vendor\n    unit_cost: -60\narcs:")
    path = tmp_path / "merge.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert problem.path == "nodes.vendor_b.unit_cost"
    assert problem.line == text.splitlines().index("    unit_cost: -60") + 1


def test_a_file_that_is_not_utf8_is_a_located_problem(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(TINY_FILE.read_bytes().replace(b"name: tiny", b"name: t\xe9ny"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert "not UTF-8" in problem.message and (problem.line, problem.column) == (3, 10)


def test_a_mapping_made_only_of_a_merge_key_loads(tmp_path):
    path = write(
        tmp_path,
        """
        scenario: {name: m, currency: EUR, period_length: 730}
        stages: [market, service]
        nodes:
          call_centre: &centre {stage: market}
          other_centre:
            <<: *centre
        demands:
          d: {origin: call_centre, sinks: [call_centre], volume: 1}
    """,
    )
    assert load_scenario(path).nodes["other_centre"].stage == "market"


# --- max_mean_response_time and its former name ----------------------------------------------------


def test_the_former_name_max_response_time_still_loads_and_solves_alike(tmp_path):
    from model import optimise

    old = write(tmp_path, TINY_FILE.read_text().replace("max_mean_response_time:", "max_response_time:"), "old.yaml")
    assert "max_response_time: 24" in old.read_text()
    before, now = load_scenario(old), load_scenario(TINY_FILE)
    assert before.demands["repairs"].max_mean_response_time == now.demands["repairs"].max_mean_response_time == 24
    assert before == now
    assert optimise(before).objective == pytest.approx(optimise(now).objective, rel=1e-12)


def test_the_former_name_is_located_where_it_is_written(tmp_path):
    from model.scenario.loader import read_scenario

    text = TINY_FILE.read_text().replace("max_mean_response_time: 24", "max_response_time: -5")
    problem = refusal(write(tmp_path, text)).problems[0]
    assert (problem.line, problem.path) == (38, "demands.repairs.max_response_time")
    assert "greater than 0" in problem.message
    # A message naming the field by its current name (a diagnosis, the sensitivity table) finds its line.
    _, source, _ = read_scenario(write(tmp_path, text.replace("-5", "24"), "ok.yaml"))
    assert source.locate(("demands", "repairs", "max_mean_response_time"))[0] == 38


def test_both_names_given_is_one_located_problem(tmp_path):
    text = TINY_FILE.read_text().replace(
        "max_mean_response_time: 24", "max_response_time: 24\n    max_mean_response_time: 30"
    )
    problems = refusal(write(tmp_path, text)).problems
    assert [(p.line, p.path) for p in problems] == [(38, "demands.repairs.max_response_time")]
    assert "give one of them, not both" in problems[0].message


def test_an_override_by_the_current_name_changes_a_figure_written_under_the_former(tmp_path):
    from model.scenario.overrides import resolve

    text = TINY_FILE.read_text().replace("max_mean_response_time:", "max_response_time:")
    old = write(tmp_path, text, "old.yaml")
    for change, expected in (("=30", 30.0), ("=*1.5", 36.0)):
        resolved = resolve(old, [f"demands.repairs.max_mean_response_time{change}"])
        assert resolved.scenario.demands["repairs"].max_mean_response_time == expected
