"""Loading valid scenarios (frozen objects, the defaults of model.md) and how problems are reported."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import tracemalloc
from pathlib import Path

import pytest
from conftest import TINY_FILE, bad_files, cpu_clock, e2eopt

from model.errors import ScenarioError
from model.network import modes_of
from model.scenario import load_scenario, loader, parse_yaml
from model.scenario.yamlsafety import MAX_FILE_ENV, alias_budget


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


def test_an_override_by_the_former_name_changes_the_figure_under_its_current_name():
    """What-if files, --set and sweep grids written before the rename go on working."""
    from model.scenario.overrides import resolve

    for change, expected in (("=30", 30.0), ("=*1.5", 36.0)):  # tiny's target is 24 h
        resolved = resolve(TINY_FILE, [f"demands.*.max_response_time{change}"])
        assert resolved.scenario.demands["repairs"].max_mean_response_time == expected
        assert [c.path for c in resolved.changes] == ["demands.repairs.max_mean_response_time"]


def test_an_override_by_the_current_name_changes_a_figure_written_under_the_former(tmp_path):
    from model.scenario.overrides import resolve

    text = TINY_FILE.read_text().replace("max_mean_response_time:", "max_response_time:")
    old = write(tmp_path, text, "old.yaml")
    for change, expected in (("=30", 30.0), ("=*1.5", 36.0)):
        resolved = resolve(old, [f"demands.repairs.max_mean_response_time{change}"])
        assert resolved.scenario.demands["repairs"].max_mean_response_time == expected


# ---- safe, bounded reading (model/scenario/yamlsafety.py) ------------------------------------------


def test_a_file_above_the_size_limit_is_refused_before_it_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A 70 MB sparse file (NUL bytes, never written) against the default 64 MB: refused by its size at
    once; with the limit raised to 100 MB it is read, and refused for its first byte instead."""
    monkeypatch.delenv(MAX_FILE_ENV, raising=False)
    path = tmp_path / "huge.yaml"
    with path.open("wb") as stream:
        stream.truncate(70_000_000)
    started = cpu_clock()  # CPU seconds (tests/conftest.py): reading 70 MB would take more, whatever the load
    problem = refusal(path).problems[0]
    assert cpu_clock() - started < 1.0
    assert problem.message == "the file is 70.0 MB, above the limit of 64.0 MB"
    assert MAX_FILE_ENV in problem.hint and problem.line is None

    monkeypatch.setenv(MAX_FILE_ENV, "100")
    problem = refusal(path).problems[0]
    assert (problem.line, problem.column) == (1, 1)
    assert problem.message == "the control character U+0000 (NUL) is not allowed in a YAML file"


def test_the_size_limit_is_configurable_in_megabytes(monkeypatch: pytest.MonkeyPatch):
    size = TINY_FILE.stat().st_size
    monkeypatch.setenv(MAX_FILE_ENV, str((size - 1) / 1e6))  # one byte too few
    assert (
        refusal(TINY_FILE).problems[0].message == f"the file is {size:,} bytes, above the limit of {size - 1:,} bytes"
    )
    monkeypatch.setenv(MAX_FILE_ENV, str(size / 1e6))  # exactly enough
    assert load_scenario(TINY_FILE).name == "tiny"
    monkeypatch.setenv(MAX_FILE_ENV, "lots")
    problem = refusal(TINY_FILE).problems[0]
    assert problem.message == f"the environment variable {MAX_FILE_ENV}='lots' is not a size in megabytes"


def test_an_extended_base_file_has_the_size_limit_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    base = tmp_path / "base.yaml"
    base.write_bytes(TINY_FILE.read_bytes() + b"#" * 2_000)
    whatif = write(tmp_path, "extends: base.yaml\nset:\n  demands.repairs.volume: 1200\n", "whatif.yaml")
    monkeypatch.setenv(MAX_FILE_ENV, str((whatif.stat().st_size + 100) / 1e6))  # the override passes, the base not
    problem = refusal(whatif).problems[0]
    assert Path(problem.file).name == "base.yaml" and "above the limit" in problem.message


@pytest.mark.parametrize(
    "text, line, column",
    [
        ("a: " + "[" * 10_000 + "]" * 10_000 + "\n", 1, 3 + 64),  # the 64th bracket is the 65th level
        ("a: " + "{b: " * 10_000 + "1" + "}" * 10_000 + "\n", 1, 3 + 4 * 63 + 1),
        ("- " * 10_000 + "x\n", 1, 1 + 2 * 64),
        ("".join(" " * i + f"k{i}:\n" for i in range(1_000)) + "x\n", 65, 65),  # 1,000 block levels
    ],
    ids=["lists", "mappings", "compact lists", "block mappings"],
)
def test_nesting_10000_deep_is_refused_at_level_65_at_once(text: str, line: int, column: int):
    """No RecursionError, and no minutes in ruamel's scanner (whose work per token grows with the depth)."""
    for read in (parse_yaml, round_trip_only):
        started = cpu_clock()  # CPU seconds: the limit holds under a parallel run's load
        with pytest.raises(ScenarioError) as caught:
            read(text, "deep.yaml")
        assert cpu_clock() - started < 2.0
        problem = caught.value.problems[0]
        assert problem.message == "mappings and lists are nested more than 64 deep here"
        assert (problem.line, problem.column) == (line, column), read


def round_trip_only(text: str, file: str) -> object:
    """The round-trip reading alone (what a text libyaml cannot read gets), screened as parse_yaml does."""
    return loader._round_trip(text, file)


BILLION_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{c}: &{c} [" + ", ".join([f"*{p}"] * 9) + "]\n" for p, c in zip("abcdefgh", "bcdefghi")
)


@pytest.mark.parametrize("read", [parse_yaml, round_trip_only], ids=["fast", "round trip"])
def test_a_billion_laughs_fails_at_once_in_little_memory(read):
    """9^9 = 387 million values from 400 bytes: refused in a tenth of a second of CPU time, at the alias that
    passes the budget (`e`'s: a..d hold 10 + 91 + 820 + 7,381 values, e's aliases 9 x 7,381 more)."""
    tracemalloc.start()
    started = cpu_clock()  # CPU seconds (~0.1 s fast, ~0.01 s round trip): the wall clock grows with the load
    try:
        with pytest.raises(ScenarioError) as caught:
            read(BILLION_LAUGHS, "bomb.yaml")
        seconds = cpu_clock() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seconds < 0.5 and peak < 50e6
    problem = caught.value.problems[0]
    assert problem.message == f"the aliases (*name) repeat more than {alias_budget(BILLION_LAUGHS):,} values in all"
    assert problem.line == 6  # f: each *e repeats 66,430 values; after two the budget is passed


def test_aliases_up_to_the_budget_are_read_and_one_value_more_is_refused():
    """Each `*s` repeats 100 values (the list and its 99 items), counted alike by both readings."""

    def text(copies: int) -> str:
        return "s: &s [" + ", ".join(map(str, range(99))) + "]\nc:\n" + "- *s\n" * copies

    copies = next(n for n in range(900, 1_200) if 100 * (n + 1) > alias_budget(text(n + 1)))
    assert 100 * copies <= alias_budget(text(copies))
    data, _ = parse_yaml(text(copies), "ok.yaml")
    assert len(data["c"]) == copies and data["c"][-1] == list(range(99))
    assert len(round_trip_only(text(copies), "ok.yaml")["c"]) == copies
    for read in (parse_yaml, round_trip_only):
        with pytest.raises(ScenarioError, match="repeat more than"):
            read(text(copies + 1), "over.yaml")


def test_merge_keys_and_generated_aliases_still_read():
    """Anchors are used in practice: `<<: *defaults`, and `e2eopt generate`'s shared lists."""
    text = "defaults: &d {stage: service, unit_cost: 5}\nnodes:\n  a:\n    <<: *d\n    unit_cost: 7\n  b: *d\n"
    data, _ = parse_yaml(text, "merge.yaml")
    assert data["nodes"] == {"a": {"stage": "service", "unit_cost": 7}, "b": {"stage": "service", "unit_cost": 5}}


@pytest.mark.parametrize(
    "value, expected",
    [
        ("9" * 5_000, "a number of 5,000 digits is too long (at most 100 digits)"),
        ("-" + "1" * 101, "a number of 101 digits is too long (at most 100 digits)"),
        ("0o" + "7" * 4_400, "a number of 4,400 digits is too long (at most 100 digits)"),
    ],
)
def test_an_integer_python_cannot_convert_is_a_located_problem(value: str, expected: str):
    for read in (parse_yaml, round_trip_only):
        with pytest.raises(ScenarioError) as caught:
            read(f"a: 1\nb: [2, {value}]\n", "int.yaml")
        problem = caught.value.problems[0]
        assert (problem.line, problem.column, problem.message) == (2, 8, expected)


def test_an_integer_of_100_digits_is_still_a_number():
    data, _ = parse_yaml("a: " + "1" * 100 + "\n", "int.yaml")
    assert data["a"] == int("1" * 100)


@pytest.mark.parametrize("text", ["name: !!str x\n", "x: !local 1\n", "- !!python/object:os.system []\n"])
def test_a_tag_is_refused_by_both_readings_alike(text: str):
    """The fast reading sends a text with a tag to the round-trip reading, whose screen refuses it."""
    with pytest.raises(ScenarioError) as fast:
        parse_yaml(text, "tag.yaml")
    with pytest.raises(ScenarioError) as slow:
        round_trip_only(text, "tag.yaml")
    assert fast.value.problems == slow.value.problems
    assert "is not allowed" in fast.value.problems[0].message and fast.value.problems[0].line == 1


def test_a_byte_order_mark_at_the_start_is_fine():
    """Windows editors save UTF-8 with a BOM; YAML allows it at the start."""
    scenario = load_scenario_from_bytes(b"\xef\xbb\xbf" + TINY_FILE.read_bytes())
    assert scenario.name == "tiny"


def load_scenario_from_bytes(data: bytes) -> object:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bom.yaml"
        path.write_bytes(data)
        return load_scenario(path)


DETERMINISM = """
import sys
from model.errors import ScenarioError
from model.scenario import load_scenario
for name in sys.argv[1:]:
    try:
        load_scenario(name)
    except ScenarioError as error:
        print(error)
"""


def test_every_message_is_the_same_under_any_hash_seed():
    """Sets and graph walks must not order a message by Python's string hashes (PYTHONHASHSEED).
    The corpus files whose messages are built from names, graphs and lists, read under two seeds at once."""
    kinds = ("stock", "staged", "sink", "misspelt", "unknown", "duplicate", "demand", "queue", "staff")
    files = [str(p) for p in bad_files() if any(kind in p.stem for kind in kinds)]
    assert len(files) >= 40
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", DETERMINISM, *files],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        for seed in ("1", "2")
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    assert "the path breaks at stage 'service'" in outputs[0]  # a walk of the graph (model/paths.py)
    assert outputs[0].count("in the scenario:") == len(files)
    assert outputs[0] == outputs[1]


# ---- the command line shows these as located problems, exit 2 ------------------------------------

DEEP = TINY_FILE.read_text(encoding="utf-8").replace("volume: 1000", "volume: " + "[" * 10_000 + "1" + "]" * 10_000)
TAGGED = TINY_FILE.read_text(encoding="utf-8").replace("name: tiny", "name: !!python/object/apply:os.system [ls]")
BOMB = TINY_FILE.read_text(encoding="utf-8") + "lol:\n" + textwrap.indent(BILLION_LAUGHS, "  ")


@pytest.mark.parametrize("command", ["validate", "solve"])
@pytest.mark.parametrize(
    "text, where, message",
    [
        (TAGGED, ":3:9", "the YAML tag '!!python/object/apply:os.system' is not allowed"),
        (BOMB, ":45:", "the aliases (*name) repeat more than"),
        (DEEP, ":36:", "mappings and lists are nested more than 64 deep here"),
    ],
    ids=["tag", "bomb", "deep"],
)
def test_the_command_line_refuses_unsafe_yaml_with_exit_2(
    tmp_path: Path, command: str, text: str, where: str, message: str
):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "runs"
    started = cpu_clock()  # the child's CPU seconds, its start-up included: not the machine's load
    args = [command, str(path)] + (["--out", str(out)] if command == "solve" else [])
    run = e2eopt(*args, cwd=tmp_path, timeout=60)
    assert cpu_clock() - started < 5.0
    shown = run.stdout + run.stderr
    assert run.returncode == 2, shown
    assert f"bad.yaml{where}" in shown and message in shown
    assert "Traceback" not in shown and "Error:" not in shown.replace("ScenarioError", "")
    assert not out.exists() or not any(out.iterdir())


def test_read_text_gives_a_yaml_file_s_text_or_a_located_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """For YAML files that are not scenarios (a sweep file): the same size limit and UTF-8 check."""
    path = tmp_path / "sweep.yaml"
    path.write_bytes(b"base: tiny.yaml\n# Z\xfcrich\n")
    with pytest.raises(ScenarioError) as caught:
        loader.read_text(path, "sweep.yaml")
    problem = caught.value.problems[0]
    assert (problem.line, problem.column, problem.message) == (2, 4, "the file is not UTF-8 text (byte 0xfc)")
    path.write_bytes(b"base: tiny.yaml\n")
    assert loader.read_text(path, "sweep.yaml") == "base: tiny.yaml\n"
    monkeypatch.setenv(MAX_FILE_ENV, "0.00001")  # 10 bytes
    with pytest.raises(ScenarioError, match="the file is 16 bytes, above the limit of 10 bytes"):
        loader.read_text(path, "sweep.yaml")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_not_a_regular_file_and_is_never_opened(tmp_path: Path):
    """Opening a pipe nobody writes to would block for ever: it is refused by what it is."""
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)
    assert refusal(pipe).problems[0].message == "not a regular file"
    assert refusal(tmp_path / "missing.yaml").problems[0].message == "no such file"
