"""What-if overrides: every operator, wildcard, removal and refusal, with figures worked out by hand.

The base is tests/scenario/overrides/base.yaml: technician 3400 EUR/FTE, junior 3000; nodes desk,
team (stock of repairs 10 and filters 5), vendor (capacity 500), partner; arcs desk->team
(lead time 1, no cost), desk->vendor (cost 2, lead 4), desk->partner (cost 3, lead 8); demands
repairs (sinks team and vendor, volume [1000, 1200], max response 48) and filters (sinks team and
partner, volume 300, no response target).
"""

from __future__ import annotations

import copy
import shutil
import textwrap
from pathlib import Path

import pytest
from conftest import OVERRIDES_FOLDER, cpu_clock, scenario_data

from model import Change, Override, apply_overrides, load_scenario, read_scenario, resolve
from model.errors import ScenarioError
from model.scenario.loader import parse_yaml, validate_data
from model.scenario.overrides import Removal, parse_assignment

BASE = OVERRIDES_FOLDER / "base.yaml"


@pytest.fixture(scope="module")
def base() -> dict:
    return scenario_data(BASE)


def apply(data: dict, *assignments: str, removals: tuple[str, ...] = ()) -> tuple[dict, list[Change]]:
    return apply_overrides(data, [parse_assignment(a) for a in assignments], removals)


def refusal(data: dict, *assignments: str, removals: tuple[str, ...] = ()) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        apply(data, *assignments, removals=removals)
    return caught.value


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A scratch folder holding a copy of base.yaml, for override files written by a test."""
    shutil.copy(BASE, tmp_path / "base.yaml")
    return tmp_path


# ---- operators ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3600", 3600),
        ("=3600", 3600),
        ("3600.5", 3600.5),
        ("*1.05", 3570),  # 3400 x 1.05
        ("/4", 850),  # 3400 / 4
        ("+5", 3405),
        ("-3", 3397),
        ("+5%", 3570),  # 3400 + 170
        ("-3%", 3298),  # 3400 - 102
        ("=-3", -3),  # a negative number is set after "=" (an arc's rebate; validation refuses it here)
        ("= - 2.5", -2.5),
    ],
)
def test_each_operator_on_a_number(base, value, expected):
    data, changes = apply(base, f"roles.technician.cost_per_fte={value}")
    assert data["roles"]["technician"]["cost_per_fte"] == expected
    assert changes == [
        Change(
            "roles.technician.cost_per_fte", 3400, expected, "roles.technician.cost_per_fte", "--set", changes[0].value
        )
    ]


def test_arithmetic_is_decimal_as_by_hand(base):
    data, _ = apply(base, "nodes.vendor.quality=+0.01", "arcs.desk->partner.cost=*1.1")
    assert data["nodes"]["vendor"]["quality"] == 0.94  # not 0.9400000000000001
    assert data["arcs"][2]["cost"] == 3.3  # not 3.3000000000000003


def test_a_whole_number_field_stays_whole(base):
    data, _ = apply(base, "scenario.periods=*2")
    assert data["scenario"]["periods"] == 4 and isinstance(data["scenario"]["periods"], int)


def test_overrides_apply_in_order(base):
    data, changes = apply(base, "roles.junior.cost_per_fte=*2", "roles.junior.cost_per_fte=-1000")
    assert data["roles"]["junior"]["cost_per_fte"] == 5000  # 3000 x 2 - 1000
    assert [(c.old, c.new) for c in changes] == [(3000, 6000), (6000, 5000)]


def test_per_period_volumes_change_entry_by_entry_or_are_replaced(base):
    assert apply(base, "demands.repairs.volume=*1.2")[0]["demands"]["repairs"]["volume"] == [1200, 1440]
    assert apply(base, "demands.repairs.volume=+10%")[0]["demands"]["repairs"]["volume"] == [1100, 1320]
    assert apply(base, "demands.repairs.volume=-200")[0]["demands"]["repairs"]["volume"] == [800, 1000]
    assert apply(base, "demands.repairs.volume=900")[0]["demands"]["repairs"]["volume"] == 900


def test_a_list_of_numbers_replaces_a_per_period_field(base):
    data, changes = apply(base, "demands.repairs.volume=[900, 1_300.5]", "demands.filters.volume=[310, 320]")
    assert data["demands"]["repairs"]["volume"] == [900, 1300.5]
    assert data["demands"]["filters"]["volume"] == [310, 320]  # a single figure becomes one per period
    assert [(c.old, c.new) for c in changes] == [([1000, 1200], [900, 1300.5]), (300, [310, 320])]


def test_a_list_in_a_set_file_replaces_a_per_period_field(folder):
    path = write(
        folder,
        "listed.yaml",
        """
        extends: base.yaml
        set:
          demands.repairs.volume: [1100, 1150]
          demands.filters.volume: "[280, 290]"
        """,
    )
    scenario = resolve(path).scenario
    assert scenario.demands["repairs"].volume == [1100, 1150]
    assert scenario.demands["filters"].volume == [280, 290]


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("[]", "an empty list sets nothing"),
        ("[1, *2]", "item 2 of the list, '*2', is not a number"),
        ("[1, +5%]", "item 2 of the list, '+5%', is not a number"),
        ("[1, x]", "item 2 of the list, 'x', is not a number"),
        ("[1, 2", "it does not end with ']'"),
    ],
)
def test_a_bad_list_is_refused_saying_which_item(value, said):
    with pytest.raises(ScenarioError) as caught:
        parse_assignment(f"demands.repairs.volume={value}")
    assert said in caught.value.problems[0].message
    assert "[700, 800, 900]" in caught.value.problems[0].hint


def test_a_sign_in_a_list_is_the_number_s_own_and_its_range_is_checked(base, folder):
    # [1100, -5] holds -5, not "the old value minus 5": the volume's range then refuses it, located
    data, _ = apply(base, "demands.repairs.volume=[1100, -5]")
    assert data["demands"]["repairs"]["volume"] == [1100, -5]
    assert apply(base, "demands.repairs.volume=[+900, 1e3]")[0]["demands"]["repairs"]["volume"] == [900, 1000.0]
    with pytest.raises(ScenarioError) as caught:
        resolve(folder / "base.yaml", ["demands.repairs.volume=[1100, -5]"])
    (problem,) = caught.value.problems
    assert problem.path == "demands.repairs.volume[1]"
    assert "greater than or equal to 0" in problem.message


def test_a_list_of_the_wrong_length_is_refused_by_validation(folder):
    with pytest.raises(ScenarioError) as caught:
        resolve(folder / "base.yaml", ["demands.repairs.volume=[1, 2, 3]"])
    assert caught.value.problems[0].path == "demands.repairs.volume"


def test_a_mapping_of_numbers_changes_entry_by_entry(base):
    data, _ = apply(base, "nodes.team.stock.initial=*2")
    assert data["nodes"]["team"]["stock"]["initial"] == {"repairs": 20, "filters": 10}


@pytest.mark.parametrize("value", ["abc", "*x", "5%", "*5%", "/0", "++5", "+", "*-2", "inf", ""])
def test_a_bad_value_is_refused_naming_the_option(value):
    with pytest.raises(ScenarioError) as caught:
        parse_assignment(f"roles.technician.cost_per_fte={value}")
    problem = caught.value.problems[0]
    assert (problem.file, problem.line, problem.path) == ("--set", None, "roles.technician.cost_per_fte")
    assert "*1.2" in problem.hint and "+5%" in problem.hint


@pytest.mark.parametrize("text", ["roles.technician.cost_per_fte", "=5", "  =5"])
def test_an_assignment_needs_path_and_value(text):
    with pytest.raises(ScenarioError, match="is not path=value"):
        parse_assignment(text)


def test_a_bad_value_in_a_file_names_its_line(base):
    override = Override("roles.technician.cost_per_fte", "about 5%", "whatif.yaml:7")
    with pytest.raises(ScenarioError) as caught:
        apply_overrides(base, [override])
    problem = caught.value.problems[0]
    assert (problem.file, problem.line) == ("whatif.yaml", 7)
    assert "'about 5%' is not a number or a change of one" in problem.message


# ---- wildcards ---------------------------------------------------------------------------------


def test_wildcard_over_a_mapping_of_names(base):
    data, changes = apply(base, "roles.*.cost_per_fte=+100")
    assert {r: body["cost_per_fte"] for r, body in data["roles"].items()} == {"technician": 3500, "junior": 3100}
    assert [c.path for c in changes] == ["roles.technician.cost_per_fte", "roles.junior.cost_per_fte"]


def test_wildcard_inside_a_name_and_deeper_in_the_path(base):
    data, _ = apply(base, "nodes.team.work.*.hours_per_unit=*2", "nodes.*dor.capacity=-100")
    assert data["nodes"]["team"]["work"]["technician"]["hours_per_unit"] == 3.0
    assert data["nodes"]["team"]["work"]["junior"]["hours_per_unit"] == 4.0
    assert data["nodes"]["vendor"]["capacity"] == 400


def test_wildcard_over_arcs_by_their_from_to_key(base):
    data, changes = apply(base, "arcs.*.lead_time=+1", "arcs.*->partner.cost=10")
    assert [a["lead_time"] for a in data["arcs"]] == [2, 5, 9]
    assert data["arcs"][2]["cost"] == 10
    assert [c.path for c in changes][-1] == "arcs.desk->partner.cost"


def test_a_relative_wildcard_skips_fields_that_are_absent(base):
    data, changes = apply(base, "arcs.desk->*.cost=*2", "demands.*.max_mean_response_time=*2")
    assert [a.get("cost") for a in data["arcs"]] == [None, 4, 6]  # desk->team has no cost to double
    assert data["demands"]["repairs"]["max_mean_response_time"] == 96
    assert "max_mean_response_time" not in data["demands"]["filters"]
    assert len(changes) == 3


def test_an_absolute_wildcard_sets_absent_fields_too(base):
    data, changes = apply(base, "demands.*.max_mean_response_time=72")
    assert [d["max_mean_response_time"] for d in data["demands"].values()] == [72, 72]
    assert [(c.old, c.new) for c in changes] == [(48, 72), (None, 72)]


# ---- absent and unknown fields -----------------------------------------------------------------


def test_an_absent_optional_field_can_be_set(base):
    data, changes = apply(base, "nodes.team.capacity=800")
    assert data["nodes"]["team"]["capacity"] == 800
    assert changes[0].old is None


def test_a_missing_top_level_section_is_created_for_its_field(base):
    data, _ = apply(base, "solver.time_limit=30")
    scenario = validate_data(data, parse_yaml(BASE.read_text(), str(BASE))[1])
    assert scenario.solver.time_limit == 30


@pytest.mark.parametrize(
    ("assignment", "owner", "section"),
    [
        ("nodes.vendor.rework.cost=0", "node vendor", "rework"),
        ("nodes.vendor.rework.to=same", "node vendor", "rework"),
        ("roles.junior.overtime.cost_per_hour=25", "role junior", "overtime"),
        ("nodes.vendor.stock.holding_cost=1", "node vendor", "stock"),
        ("nodes.vendor.queue.servers=2", "node vendor", "queue"),
        ("nodes.team.work.junior.rework.cost=1", "work junior of node team", "rework"),
    ],
)
def test_an_override_never_adds_a_section_the_scenario_leaves_out(base, assignment, owner, section):
    # A "cost" override on a node without rework once added a rework (to: same): another model.
    problem = refusal(base, assignment).problems[0]
    assert problem.message == f"matches nothing: {owner} has no {section}: add one in the file"
    assert f"write '{section}:' under {owner} in the file" in problem.hint


def test_a_wildcard_into_sections_changes_those_given_and_adds_none(base):
    data, changes = apply(base, "roles.*.overtime.cost_per_hour=+5%")
    assert [c.path for c in changes] == ["roles.technician.overtime.cost_per_hour"]  # 30 +5% = 31.5
    assert data["roles"]["technician"]["overtime"]["cost_per_hour"] == 31.5
    assert "overtime" not in data["roles"]["junior"]
    problem = refusal(base, "nodes.*.rework.cost=1").problems[0]
    assert problem.message == (
        "matches nothing: none of the 4 matched (node desk, node team, node vendor, ...) has a rework: "
        "add one in the file"
    )


def test_an_absent_field_has_no_value_to_change(base):
    problem = refusal(base, "nodes.team.capacity=*2").problems[0]
    assert "'nodes.team.capacity' has no value to change" in problem.message
    assert "unlimited when absent" in problem.hint and "nodes.team.capacity=100" in problem.hint


def test_a_relative_wildcard_with_nothing_to_change_is_refused(base):
    problem = refusal(base, "demands.*.price=+1").problems[0]
    assert "none of the 2 fields it matches has a number to change" in problem.message


def test_text_is_not_a_number_to_change(base):
    problem = refusal(base, "nodes.team.stage=*2").problems[0]
    assert "holds the text 'service', not a number" in problem.message


@pytest.mark.parametrize(
    ("pattern", "suggestion"),
    [
        ("roles.technican.cost_per_fte", "roles.technician.cost_per_fte"),  # a misspelt name
        ("nodes.team.capacty", "nodes.team.capacity"),  # a misspelt (absent) field
        ("arcs.desk->vendr.cost", "arcs.desk->vendor.cost"),  # a misspelt arc
        ("demands.*.max_respons_time", "demands.*.max_mean_response_time"),  # behind a wildcard
        ("rols.technican.cost_per_fte", "roles.technician.cost_per_fte"),  # two mistakes
    ],
)
def test_an_unmatched_pattern_names_the_closest_valid_path(base, pattern, suggestion):
    problem = refusal(base, f"{pattern}=5").problems[0]
    assert problem.file == "--set" and problem.path == pattern
    assert problem.message.startswith("matches nothing")
    assert f"'{suggestion}'" in problem.hint


def test_an_unmatched_pattern_far_from_anything_lists_what_is_there(base):
    problem = refusal(base, "nodes.zzz.capacity=5").problems[0]
    assert problem.hint == "Under 'nodes': desk, partner, team, vendor."
    problem = refusal(base, "roles.technician.overtime.zzz=5").problems[0]  # an unknown field: the allowed ones
    assert problem.hint == "Under 'roles.technician.overtime': cost_per_hour, max_hours_per_fte."
    problem = refusal(base, "zzz.x=5").problems[0]
    assert (
        problem.hint
        == "The scenario's sections: arcs, demands, intervals, nodes, roles, rules, scenario, solver, stages."
    )


def test_every_problem_is_reported_at_once(base):
    error = refusal(base, "roles.technican.cost_per_fte=5", "nodes.team.stage=1", removals=("nodes.nowhere",))
    assert len(error.problems) == 3


# ---- removals ----------------------------------------------------------------------------------


def test_removing_a_node_removes_its_arcs_and_its_place_in_sinks(base):
    data, changes = apply(base, removals=("nodes.partner",))
    assert list(data["nodes"]) == ["desk", "team", "vendor"]
    assert [(a["from"], a["to"]) for a in data["arcs"]] == [("desk", "team"), ("desk", "vendor")]
    assert data["demands"]["filters"]["sinks"] == ["team"]
    assert [(c.path, c.new) for c in changes] == [
        ("nodes.partner", None),
        ("arcs.desk->partner", None),
        ("demands.filters.sinks", ["team"]),
    ]
    assert all(c.override == "nodes.partner" and c.value == "removed" for c in changes)
    validate_data(data, parse_yaml(BASE.read_text(), str(BASE))[1])  # still a valid scenario


def test_removing_an_arc(base):
    data, changes = apply(base, removals=("arcs.desk->partner",))
    assert len(data["arcs"]) == 2 and changes[0].old == {"from": "desk", "to": "partner", "cost": 3, "lead_time": 8}


def test_removing_a_demand_removes_it_from_stock_settings(base):
    data, changes = apply(base, removals=("demands.filters",))
    assert list(data["demands"]) == ["repairs"]
    assert data["nodes"]["team"]["stock"] == {"demands": ["repairs"], "initial": {"repairs": 10}}
    assert {c.path for c in changes} == {"demands.filters", "nodes.team.stock.demands", "nodes.team.stock.initial"}


def test_removal_with_a_wildcard(base):
    data, _ = apply(base, removals=("nodes.*artner",))
    assert "partner" not in data["nodes"]


def test_a_demand_left_without_sinks_is_named(base):
    error = refusal(base, removals=("nodes.team", "nodes.vendor"))
    assert [p.message for p in error.problems] == [
        "demand 'repairs' is left without a path: its last sink, 'vendor', was removed"
    ]
    assert error.problems[0].path == "nodes.vendor"  # the removal that emptied the list
    data = copy.deepcopy(base)
    data["demands"]["repairs"]["sinks"] = ["vendor", "partner"]
    error = refusal(data, removals=("nodes.*r",))  # both at once
    assert [p.message for p in error.problems] == [
        "demand 'repairs' is left without a path: all its sinks (vendor, partner) were removed"
    ]


def test_a_demand_whose_origin_is_removed_is_named(base):
    error = refusal(base, removals=("nodes.desk",))
    assert sorted(p.message for p in error.problems) == [
        "demand 'filters' is left without a path: its origin 'desk' was removed",
        "demand 'repairs' is left without a path: its origin 'desk' was removed",
    ]


def test_removing_the_demand_too_settles_it(base):
    data, _ = apply(base, removals=("nodes.team", "nodes.vendor", "demands.repairs"))
    assert list(data["demands"]) == ["filters"] and data["demands"]["filters"]["sinks"] == ["partner"]


def test_a_demand_cut_off_by_a_removed_arc_is_named_by_validation(folder):
    path = write(
        folder,
        "cut.yaml",
        """
        extends: base.yaml
        remove: [arcs.desk->vendor]
        """,
    )
    with pytest.raises(ScenarioError) as caught:
        resolve(path)
    problem = caught.value.problems[0]
    assert (Path(problem.file).name, problem.line, problem.path) == ("base.yaml", 28, "demands.repairs.sinks[1]")
    assert "cannot be reached" in problem.message
    assert f"removed arcs.desk->vendor ({path}:2)" in problem.hint


@pytest.mark.parametrize("path", ["roles.technician", "nodes", "nodes.team.work"])
def test_only_nodes_arcs_and_demands_can_be_removed(base, path):
    problem = refusal(base, removals=(path,)).problems[0]
    assert problem.message == f"cannot remove '{path}'"


def test_an_unmatched_removal_names_the_closest(base):
    problem = apply_overrides_error(base, Removal("nodes.partnr", "whatif.yaml:9"))
    assert (problem.file, problem.line) == ("whatif.yaml", 9)
    assert "'nodes.partner'" in problem.hint


def apply_overrides_error(data: dict, removal: Removal):
    with pytest.raises(ScenarioError) as caught:
        apply_overrides(data, [], [removal])
    return caught.value.problems[0]


# ---- purity and speed --------------------------------------------------------------------------


def test_apply_overrides_never_modifies_its_input(base):
    before = copy.deepcopy(base)
    data, _ = apply(
        base,
        "roles.*.cost_per_fte=*2",
        "demands.repairs.volume=+1",
        "solver.time_limit=5",
        removals=("nodes.partner", "demands.filters"),
    )
    assert base == before
    assert data != before
    assert data["stages"] is base["stages"]  # what did not change is shared, not copied


def test_apply_overrides_is_fast_on_a_large_scenario():
    from model.generate import Size, generate

    data = generate(Size(20, 2500, 1, 0))  # about 100,000 LP variables
    start = cpu_clock()  # CPU seconds, not the wall clock: ~0.03 s, and the limit holds whatever the load
    _, changes = apply(data, "demands.*.volume=*1.1", "arcs.*.lead_time=+1")
    elapsed = cpu_clock() - start
    assert len(changes) == 2500 + len(data["arcs"])
    assert elapsed < 0.5


# ---- files: extends ----------------------------------------------------------------------------


def test_an_override_file_resolves_against_its_base():
    resolved = resolve(OVERRIDES_FOLDER / "whatif.yaml")
    scenario = resolved.scenario
    assert scenario.roles["technician"].cost_per_fte == 3570  # 3400 + 5 %
    assert scenario.demands["repairs"].volume == [1200, 1440]  # [1000, 1200] x 1.2
    assert "partner" not in scenario.nodes and scenario.demands["filters"].sinks == ["team"]
    origins = {c.path: c.origin for c in resolved.changes}
    assert origins["roles.technician.cost_per_fte"] == f"{OVERRIDES_FOLDER / 'whatif.yaml'}:4"
    assert origins["nodes.partner"] == f"{OVERRIDES_FOLDER / 'whatif.yaml'}:7"
    assert resolved.inputs == {
        "whatif.yaml": (OVERRIDES_FOLDER / "whatif.yaml").read_bytes(),
        "base.yaml": BASE.read_bytes(),
    }


def test_a_chain_of_extends_applies_the_deepest_first_then_the_command_line():
    resolved = resolve(OVERRIDES_FOLDER / "chain.yaml", ["roles.technician.cost_per_fte=*2"])
    assert resolved.scenario.roles["technician"].cost_per_fte == 7200  # (3400 x 1.05 + 30) x 2
    assert [c.origin.rsplit("/", 1)[-1] for c in resolved.changes if c.path == "roles.technician.cost_per_fte"] == [
        "whatif.yaml:4",
        "chain.yaml:4",
        "--set",
    ]
    assert list(resolved.inputs) == ["chain.yaml", "whatif.yaml", "base.yaml"]


def test_signed_numbers_in_a_set_file_are_changes(folder):
    path = write(
        folder,
        "signed.yaml",
        """
        extends: base.yaml
        set:
          roles.technician.cost_per_fte: +5
          roles.junior.cost_per_fte: -3
          nodes.vendor.capacity: 450
        """,
    )
    scenario = resolve(path).scenario
    assert scenario.roles["technician"].cost_per_fte == 3405
    assert scenario.roles["junior"].cost_per_fte == 2997
    assert scenario.nodes["vendor"].capacity == 450


def test_an_unquoted_star_gets_a_hint_to_quote_it(folder):
    path = write(
        folder,
        "star.yaml",
        """
        extends: base.yaml
        set:
          roles.technician.cost_per_fte: *1.2
        """,
    )
    with pytest.raises(ScenarioError) as caught:
        resolve(path)
    assert caught.value.problems[0].line == 3
    assert 'quote a change, e.g. "*1.2"' in caught.value.problems[0].hint


def test_an_unmatched_path_in_a_file_names_its_file_and_line(folder):
    path = write(
        folder,
        "typo.yaml",
        """
        extends: base.yaml
        set:
          demands.filters.volume: "+10%"
          roles.technican.cost_per_fte: "+5%"
        """,
    )
    with pytest.raises(ScenarioError) as caught:
        resolve(path)
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.path) == (str(path), 4, "roles.technican.cost_per_fte")
    assert problem.hint == "Did you mean 'roles.technician.cost_per_fte'?"


def test_extends_outside_the_folder_is_refused(folder):
    path = write(
        folder,
        "sub/escape.yaml",
        """
        # escapes its folder
        extends: ../base.yaml
        """,
    )
    with pytest.raises(ScenarioError) as caught:
        resolve(path)
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.path) == (str(path), 2, "extends")
    assert problem.message == "'../base.yaml' is outside this file's folder"


def test_an_absolute_extends_outside_the_folder_is_refused(folder):
    path = write(folder, "sub/absolute.yaml", f"extends: {folder / 'base.yaml'}\n")
    with pytest.raises(ScenarioError, match="is outside this file's folder"):
        resolve(path)


def test_an_absolute_extends_inside_the_folder_is_allowed(folder):
    path = write(folder, "absolute.yaml", f"extends: {folder / 'base.yaml'}\nset: {{nodes.vendor.capacity: 1}}\n")
    assert resolve(path).scenario.nodes["vendor"].capacity == 1


def test_a_base_in_a_subfolder_is_found_relative_to_the_file(folder):
    (folder / "bases").mkdir()
    shutil.move(folder / "base.yaml", folder / "bases" / "base.yaml")
    path = write(folder, "deep.yaml", "extends: bases/base.yaml\nset: {nodes.vendor.capacity: 1}\n")
    resolved = resolve(path)
    assert resolved.scenario.nodes["vendor"].capacity == 1
    assert list(resolved.inputs) == ["deep.yaml", "bases/base.yaml"]


@pytest.mark.parametrize(
    "files",
    [
        {"self.yaml": "extends: self.yaml\n"},
        {"self.yaml": "extends: other.yaml\n", "other.yaml": "extends: self.yaml\n"},
    ],
)
def test_an_extends_cycle_is_refused(folder, files):
    for name, text in files.items():
        write(folder, name, text)
    with pytest.raises(ScenarioError) as caught:
        resolve(folder / "self.yaml")
    assert "the extends chain makes a cycle" in caught.value.problems[0].message
    assert caught.value.problems[0].line == 1


def test_a_missing_base_is_named(folder):
    path = write(folder, "lost.yaml", "extends: nowhere.yaml\n")
    with pytest.raises(ScenarioError, match=r"no such file: .*nowhere\.yaml"):
        resolve(path)


def test_an_override_file_holds_only_extends_set_and_remove(folder):
    path = write(
        folder,
        "mixed.yaml",
        """
        extends: base.yaml
        stages: [market, service]
        remove: nodes.partner
        """,
    )
    with pytest.raises(ScenarioError) as caught:
        resolve(path)
    messages = {p.line: p.message for p in caught.value.problems}
    assert messages == {2: "unknown field 'stages' in a file that extends another", 3: "remove is a list of paths"}


# ---- validation after overrides points at the override -----------------------------------------


def test_a_validation_problem_at_an_overridden_field_names_the_override(folder):
    path = write(
        folder,
        "negative.yaml",
        """
        extends: base.yaml
        set:
          roles.technician.cost_per_fte: "-5000"
        """,
    )
    with pytest.raises(ScenarioError) as caught:
        resolve(path)
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.path) == (str(path), 3, "roles.technician.cost_per_fte")
    assert problem.message == "-1600 is not allowed: input should be greater than or equal to 0"  # 3400 - 5000
    assert "it was 3400, now -1600" in problem.hint


def test_a_validation_problem_from_the_command_line_names_the_option():
    with pytest.raises(ScenarioError) as caught:
        resolve(BASE, ["nodes.vendor.quality=+10%"])
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.path) == ("--set", None, "nodes.vendor.quality")
    assert problem.message.startswith("1.023 is not allowed")  # 0.93 x 1.1


@pytest.mark.parametrize("change", ["*1e999999999", "+1e999999999%", "*1e-999999999", "=1e999", "/1e-301"])
def test_a_number_beyond_any_plausible_size_is_refused_not_overflowed_or_made_0(change):
    """*1e999999999 overflowed the decimal arithmetic (an internal error); *1e-999999999 made the volume
    a silent 0, which the ranges allow."""
    with pytest.raises(ScenarioError) as caught:
        resolve(BASE, [f"demands.*.volume={change}"])
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == ("--set", None)
    assert problem.message == f"'{change}' is not a plausible number: its size must lie within 1e-300 to 1e300"


def test_a_change_by_a_number_of_300_digits_is_still_applied():
    resolved = resolve(BASE, ["roles.technician.cost_per_fte=*1e300", "roles.technician.cost_per_fte=/1e300"])
    assert resolved.scenario.roles["technician"].cost_per_fte == load_scenario(BASE).roles["technician"].cost_per_fte


def test_problems_at_fields_nobody_changed_point_at_the_base_file_past_removed_arcs(folder):
    path = write(
        folder,
        "shifted.yaml",
        """
        extends: base.yaml
        remove: [arcs.desk->team]
        """,
    )
    with pytest.raises(ScenarioError):
        resolve(path)  # the team can no longer be reached
    from model.scenario.located import OverriddenSource

    data, source = parse_yaml(BASE.read_text(), str(BASE))
    resolved, changes = apply_overrides(data, [], ["arcs.desk->team"])
    located = OverriddenSource(source, data, resolved, changes)
    assert located.locate(("arcs", 0, "cost")) == source.locate(("arcs", 1, "cost"))  # desk->vendor, line 23
    assert located.locate(("arcs", 0, "cost"))[0] == 23


# ---- the resolved text -------------------------------------------------------------------------


def test_without_overrides_the_text_is_the_input_bytes():
    assert resolve(BASE).text == BASE.read_bytes()
    assert read_scenario(BASE)[2] == BASE.read_bytes()


def test_an_extends_file_without_changes_gives_its_base_bytes(folder):
    path = write(folder, "same.yaml", "extends: base.yaml\n")
    resolved = resolve(path)
    assert resolved.text == (folder / "base.yaml").read_bytes() and resolved.changes == []


def test_the_resolved_text_is_the_complete_scenario_with_its_origin_in_a_header():
    resolved = resolve(OVERRIDES_FOLDER / "whatif.yaml", ["demands.filters.volume==250"])
    text = resolved.text.decode()
    assert text.startswith(f"# Resolved by e2eopt from {OVERRIDES_FOLDER / 'whatif.yaml'} (extends {BASE}) with these")
    assert "#   remove nodes.partner   (" in text and "#   demands.filters.volume: 250   (--set)" in text
    data, source = parse_yaml(text, "resolved.yaml")
    assert validate_data(data, source) == resolved.scenario
    assert data["demands"]["filters"]["volume"] == 250 and "extends" not in data


def test_read_scenario_and_load_scenario_accept_an_override_file():
    scenario, _, text = read_scenario(OVERRIDES_FOLDER / "whatif.yaml")
    assert scenario.roles["technician"].cost_per_fte == 3570
    assert text.startswith(b"# Resolved by e2eopt")
    assert load_scenario(OVERRIDES_FOLDER / "chain.yaml").roles["technician"].cost_per_fte == 3600  # 3570 + 30
