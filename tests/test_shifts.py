"""Shifts and rosters (docs/model.md, Shifts): published covering and shift-scheduling problems solved
as scenarios to their published optima, a hand-worked shrinkage case, the patterns' covers, and the
located errors of a pattern that does not fit the intervals."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ROOT

from model import optimise
from model.check import check_solution
from model.errors import ScenarioError
from model.network import index_sets
from model.scenario import load_scenario
from model.solution import evaluate

POST_OFFICE = """
scenario: {name: post-office, currency: EUR, period_length: 168}
intervals:
  days: [Mon, Tue, Wed, Thu, Fri, Sat, Sun]
  hours: 8
stages: [office]
roles:
  clerk: {cost_per_fte: 1, hours_per_fte: 40}
nodes:
  office:
    stage: office
    work:
      clerk: {hours_per_unit: 8, days_on: 5}
demands:
  mail: {origin: office, sinks: [office], volume_by_interval: [17, 13, 15, 19, 14, 16, 11]}
"""
"""Winston, Operations Research: Applications and Algorithms (4th ed., 2004), Section 3.5, Example 8
(the post office): full-time employees needed Mon..Sun 17, 13, 15, 19, 14, 16, 11; each works five
consecutive days, then two off; minimise the employees. As a scenario: one week a period (weight 1),
a day of 8 hours, a unit of mail per employee-day (8 hours a unit), days_on: 5 makes the seven
patterns; a head on one covers 40 hours = cost_per_fte 1 x 40 / hours_per_fte 40 = 1 per head."""

UNION_AIRWAYS = """
scenario: {name: union-airways, currency: USD, period_length: 24}
intervals:
  times: ["06:00", "08:00", "10:00", "12:00", "14:00", "16:00", "18:00", "20:00", "22:00", "00:00"]
  hours: [2, 2, 2, 2, 2, 2, 2, 2, 2, 6]
stages: [service]
roles:
  agent: {cost_per_fte: 1, hours_per_fte: 8}
nodes:
  desk:
    stage: service
    work:
      agent:
        hours_per_unit: 1
        shifts:
          s1: {start: "06:00", hours: 8, cost: 170}
          s2: {start: "08:00", hours: 8, cost: 160}
          s3: {start: "12:00", hours: 8, cost: 175}
          s4: {start: "16:00", hours: 8, cost: 180}
          s5: {start: "22:00", hours: 8, cost: 195}
demands:
  calls: {origin: desk, sinks: [desk], volume_by_interval: [96, 158, 130, 174, 128, 146, 164, 86, 104, 90]}
"""
"""Hillier & Lieberman, Introduction to Operations Research (9th ed., 2010), Section 3.4 (Union
Airways): agents needed 48, 79, 65, 87, 64, 73, 82, 43, 52, 15 in the periods 6-8, 8-10, ..., 22-24,
0-6; five 8-hour shifts from 6, 8, 12, 16 and 22 h at 170, 160, 175, 180, 195 $ a day per agent.
Published optimum x = (48, 31, 39, 43, 15), 30,610 $ a day, integer as it stands. As a scenario:
the work in each period is agents x the period's hours (96 = 48 x 2, ..., 90 = 15 x 6) at 1 hour a
unit, so the roster row reads agents on duty >= agents needed."""


def _load(tmp_path_factory, text: str, name: str):
    path = tmp_path_factory.mktemp(name) / f"{name}.yaml"
    path.write_text(text)
    return load_scenario(path)


@pytest.fixture(scope="module")
def post_office(tmp_path_factory):
    return _load(tmp_path_factory, POST_OFFICE, "post")


@pytest.fixture(scope="module")
def union_airways(tmp_path_factory):
    return _load(tmp_path_factory, UNION_AIRWAYS, "union")


def test_days_on_makes_the_seven_five_day_patterns(post_office):
    sets = index_sets(post_office)
    assert list(sets.patterns.pattern) == ["Mon-Fri", "Tue-Sat", "Wed-Sun", "Thu-Mon", "Fri-Tue", "Sat-Wed", "Sun-Thu"]
    assert sets.cover[3].tolist() == [1, 0, 0, 1, 1, 1, 1]  # Thu-Mon: Thu, Fri, Sat, Sun, Mon
    assert sets.patterns.cost.tolist() == [1.0] * 7 and sets.patterns.fte.tolist() == [1.0] * 7


def test_the_post_office_lp_optimum_is_67_thirds(post_office):
    # Winston's LP optimum: x = (4/3, 10/3, 2, 22/3, 0, 10/3, 5) by starting day, 67/3 = 22.333 employees.
    outcome = optimise(post_office, sensitivity=False)
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(67 / 3)
    coverage = outcome.tables["coverage"]
    assert (coverage.agents_on_duty >= coverage.agents_needed - 1e-9).all()
    assert coverage.agents_needed.tolist() == pytest.approx([17, 13, 15, 19, 14, 16, 11])


def test_the_post_office_integer_optimum_is_23(post_office):
    # Winston (Section 9.x, the integer version): 23 employees.
    outcome = optimise(post_office, integer_staff=True, sensitivity=False)
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(23.0)
    heads = outcome.tables["roster"].heads
    assert np.allclose(heads, np.round(heads)) and heads.sum() == pytest.approx(23.0)


@pytest.mark.parametrize("integer", [False, True])
def test_union_airways_reaches_the_published_roster(union_airways, integer):
    outcome = optimise(union_airways, integer_staff=integer, sensitivity=False)
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(30610.0)
    roster = outcome.tables["roster"]
    assert roster.heads.tolist() == pytest.approx([48, 31, 39, 43, 15])
    assert roster.cost.sum() == pytest.approx(30610.0)
    costs = outcome.tables["costs"]
    assert costs.loc[costs.category == "labour", "amount"].sum() == pytest.approx(30610.0)
    # Exact covers read 0 over, never a negative rounding dust (-1.8e-15 would read as under-staffed).
    over = outcome.tables["coverage"].over
    assert (over >= 0).all() and (over == 0).sum() >= 3


def test_the_night_shift_wraps_past_midnight(union_airways):
    # s5 from 22:00 for 8 hours: 22:00-24:00 (2 h) and 00:00-06:00 (6 h), the last two intervals.
    assert index_sets(union_airways).cover[4].tolist() == [0] * 8 + [1, 1]


SHRINKAGE = """
scenario: {name: shrink, currency: EUR, period_length: 8}
intervals: {times: ["09:00"], hours: 1}
stages: [s]
roles:
  agent: {cost_per_fte: 100, hours_per_fte: 8, shrinkage: 0.3}
nodes:
  desk:
    stage: s
    work:
      agent: {hours_per_unit: 0.5, shifts: {day: {covers: ["09:00"]}}}
demands:
  calls: {origin: desk, sinks: [desk], volume_by_interval: [28]}
"""


def test_shrinkage_needs_heads_over_one_less_the_share(tmp_path_factory):
    # 28 calls x 0.5 h in a 1-hour interval: 14 agents needed; 30 % of rostered time is lost, so
    # 14 / (1 - 0.3) = 20 heads. A head costs its covered hour at 100 / 8 = 12.5 EUR: 250 EUR.
    # Integer: 20 is whole already (19 heads give 13.3 agents, short of 14).
    scenario = _load(tmp_path_factory, SHRINKAGE, "shrink")
    for integer in (False, True):
        outcome = optimise(scenario, integer_staff=integer, sensitivity=False)
        coverage = outcome.tables["coverage"].iloc[0]
        assert coverage.heads == pytest.approx(20.0)
        assert coverage.agents_on_duty == pytest.approx(14.0)
        assert coverage.agents_needed == pytest.approx(14.0)
        assert outcome.objective == pytest.approx(250.0)


def test_integer_heads_round_up_the_agents_over_shrinkage(tmp_path_factory):
    # 30 calls: 15 agents needed, 15 / 0.7 = 21.43 heads in the LP; whole heads: 22 (21 give 14.7).
    scenario = _load(tmp_path_factory, SHRINKAGE.replace("[28]", "[30]"), "shrink2")
    assert optimise(scenario, sensitivity=False).tables["roster"].heads[0] == pytest.approx(15 / 0.7)
    assert optimise(scenario, integer_staff=True, sensitivity=False).tables["roster"].heads[0] == pytest.approx(22)


def test_the_check_finds_a_roster_short_of_its_work(union_airways):
    # One agent fewer on s1 (47) leaves 06:00 one agent short (96 h of work, 2 x 47 = 94 h on duty)
    # and 08:00 too (s1 + s2 = 79 agents exactly at the optimum: 158 h of work, 2 x 78 = 156 h);
    # 10:00 and 12:00 had room (79 >= 65, 118 >= 87).
    sets = index_sets(union_airways)
    outcome = optimise(union_airways, sensitivity=False)
    assert outcome.ok
    values = {"e": np.array([[47.0], [31.0], [39.0], [43.0], [15.0]])}
    values["y"] = np.array([[sets.volumes[0, 0]]])
    values["s"] = np.array([[sets.patterns.fte.to_numpy() @ values["e"][:, 0]]])
    values["z"] = values["y"].copy()
    values["v"] = sets.volumes.copy()
    empty = {
        "x": (0, 1),
        "k": (0, 1),
        "q": (0, 1),
        "a": (0, 1),
        "w": (0, 1),
        "open": (0, 1),
        "level": (0, 1),
        "lost": (0, 1),
    }
    values.update({name: np.zeros(shape) for name, shape in empty.items()})
    values.update({name: np.full((1, 1), np.nan) for name in ("o", "hire", "fire", "b", "u")})
    found = check_solution(evaluate(sets, values))
    assert [v for v in found if v.startswith("roster labour")] == [
        "roster labour desk/agent@06:00 P1: off by 2",
        "roster labour desk/agent@08:00 P1: off by 2",
    ]


@pytest.mark.parametrize(
    ("shift", "message"),
    [
        ('{start: "07:00", hours: 8}', "unknown time '07:00'"),
        ('{start: "06:00", hours: 7}', "ends inside the interval 12:00"),
        ('{start: "06:00", hours: 8, breaks: ["14:00"]}', "the break 14:00 is outside the shift"),
        ('{covers: ["06:00", "9:00"]}', "unknown interval '9:00'"),
        ('{start: "06:00", hours: 8, days: [Mon]}', "intervals has no days"),
    ],
)
def test_a_pattern_that_does_not_fit_is_refused_where_it_is(tmp_path, shift, message):
    path = tmp_path / "bad.yaml"
    path.write_text(UNION_AIRWAYS.replace('{start: "06:00", hours: 8, cost: 170}', shift))
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    text = str(error.value)
    assert message in text and "nodes.desk.work.agent.shifts.s1" in text and "bad.yaml:16:" in text


def test_shifts_without_intervals_are_refused(tmp_path):
    path = tmp_path / "bad.yaml"
    text = UNION_AIRWAYS.split("intervals:")[0] + "stages:" + UNION_AIRWAYS.split("stages:")[1]
    path.write_text(text.replace("volume_by_interval: [96, 158, 130, 174, 128, 146, 164, 86, 104, 90]", "volume: 1"))
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert "shifts needs intervals" in str(error.value)


def test_days_on_longer_than_the_week_is_refused(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(POST_OFFICE.replace("days_on: 5", "days_on: 8"))
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert "days_on 8 is more than the 7 days" in str(error.value)


def test_the_price_of_one_more_agent_and_of_a_shifts_cost(union_airways):
    # One more agent at 00:00 (only the night shift covers it): one more night agent, 195 USD. At
    # 08:00, whose row binds, the cheapest cover is one more morning agent, 160 USD. At 06:00 (covered
    # by the early shift alone, which also covers 08:00-12:00) one early agent replaces one morning
    # agent: 170 - 160 = 10 USD. A shift's cost is worth its heads: d cost / d c[early] = 48 agents.
    outcome = optimise(union_airways)
    table = outcome.tables["sensitivity"]
    agents = table[table.family == "roster_labour"]
    by_interval = dict(zip(agents.subject.str.split("interval=").str[1], agents.shadow_price))
    assert -by_interval["00:00"] == pytest.approx(195.0)
    assert -by_interval["08:00"] == pytest.approx(160.0)
    assert -by_interval["06:00"] == pytest.approx(10.0)
    costs = table[table.family == "pattern_cost"].set_index("field")
    assert costs.loc["nodes.desk.work.agent.shifts.s1.cost", "shadow_price"] == pytest.approx(48.0)
    assert costs.loc["nodes.desk.work.agent.shifts.s1.cost", "value"] == pytest.approx(170.0)
    assert any(
        "One more agent on duty needed at desk (agent) in interval 00:00 of P1 costs 195.00 USD" in text
        for text in agents.sentence
    )


def test_a_figure_what_if_is_solved_in_place_to_the_fresh_optimum(union_airways):
    # s1 cheaper (150), 10 % shrinkage and at most 20 heads on s5: the same rows and columns, so the
    # kept LP is updated in place; its optimum is the one a solve from scratch finds.
    from model.resolver import Resolver
    from model.scenario.schema import Scenario

    resolver = Resolver(union_airways, sensitivity=False)
    data = union_airways.model_dump(by_alias=True, exclude_unset=True)
    shifts = data["nodes"]["desk"]["work"]["agent"]["shifts"]
    shifts["s1"]["cost"], shifts["s5"]["max"] = 150, 20
    data["roles"]["agent"]["shrinkage"] = 0.1
    variant = Scenario.model_validate(data)
    outcome = resolver.solve(variant)
    assert outcome.solver["lp"] == "updated in place"
    assert outcome.objective == pytest.approx(optimise(variant, sensitivity=False).objective)


def test_a_shift_maximum_too_low_is_named_by_the_diagnosis(union_airways):
    # At most 10 heads on the night shift, the only one covering 00:00-06:00 where 15 agents are
    # needed: infeasible, and the smallest relaxation is 5 more heads on s5 (15 = its published value).
    from model.scenario.schema import Scenario

    data = union_airways.model_dump(by_alias=True, exclude_unset=True)
    data["nodes"]["desk"]["work"]["agent"]["shifts"]["s5"]["max"] = 10
    outcome = optimise(Scenario.model_validate(data))
    assert outcome.status == "infeasible"
    relaxed = outcome.diagnosis[outcome.diagnosis.kind == "relaxation"]
    assert relaxed.field.tolist() == ["nodes.desk.work.agent.shifts.s5.max"]
    assert "needs 15.00 agent heads on shift s5 in P1, more than its maximum of 10" in relaxed.sentence.iloc[0]


def test_compare_reprices_the_heads_on_each_pattern(tmp_path):
    # B: the early shift at 150 instead of 170 (data/union-airways.yaml). The rate effect is B's plan
    # at B's minus A's prices: B's heads on `early` x (150 - 170); B's tables reprice exactly at B's
    # prices (no note), so routing takes only the change of plan.
    from model import write_run
    from model.compare import compare

    base = ROOT / "data" / "union-airways.yaml"
    cheaper = tmp_path / "cheaper.yaml"
    cheaper.write_text(base.read_text().replace("cost: 170", "cost: 150"))
    folder_a = write_run(optimise(load_scenario(base), sensitivity=False), base, tmp_path / "a")
    outcome_b = optimise(load_scenario(cheaper), sensitivity=False)
    folder_b = write_run(outcome_b, cheaper, tmp_path / "b")
    comparison = compare(folder_a, folder_b)
    roster = outcome_b.tables["roster"].set_index("pattern")
    assert comparison.bridge.set_index("stage").loc["service", "rate"] == pytest.approx(
        roster.loc["early", "heads"] * (150 - 170)
    )
    assert not any("reprice" in note for note in comparison.notes)


def test_add_rostered_duty_gives_each_interval_the_hours_its_agents_are_on_duty(tmp_path_factory):
    # For the queue duty row per (node, interval): -(1 - shrinkage) x hours x heads. In SHRINKAGE one
    # pattern covers the one 1-hour interval at 30 % shrinkage: the coefficient of e is -0.7.
    from model.lp import build
    from model.lp.families import Context, add_rostered_duty, roster_rows
    from model.lp.tangents import QueueTangents
    from model.lp.terms import Terms

    sets = index_sets(_load(tmp_path_factory, SHRINKAGE, "duty"))
    model = build(sets)
    ctx = Context(sets, model.columns, QueueTangents.relaxed(sets))
    rows = roster_rows(ctx)
    terms = Terms(rows.size)
    add_rostered_duty(ctx, terms, rows)
    row, column, coefficient = terms.arrays()
    assert row.tolist() == [0] and column.tolist() == [model.columns["e"][0, 0]]
    assert coefficient.tolist() == pytest.approx([-0.7])


def test_the_report_draws_the_coverage_heat_map(tmp_path):
    # Union Airways' over-staffing per period (agents on duty - needed): 0, 0, 14, 31, 6, 9, 0, 0, 6,
    # 0 (e.g. 10:00: early + morning = 48 + 31 = 79 on duty for 65 needed), 66 in all.
    from model import write_run
    from model.report.run import page

    path = ROOT / "data" / "union-airways.yaml"
    folder = write_run(optimise(load_scenario(path), sensitivity=False), path, tmp_path)
    _, _, sections = page(folder)
    section = next(s for s in sections if s.title == "Shifts: heads per pattern and coverage")
    assert list(section.figures[0].data[0].z[0]) == pytest.approx([0, 0, 14, 31, 6, 9, 0, 0, 6, 0], abs=1e-9)
    assert "66.00 agent-intervals" in section.intro[0]


def test_a_rostered_role_s_overtime_is_ignored_and_said_to_be(tmp_path_factory):
    # SHRINKAGE with 2 overtime hours per FTE at 20 EUR: the roster still needs 20 heads (no o column
    # exists), and the scenario's notes say why.
    from model.validity import scenario_notes

    text = SHRINKAGE.replace("shrinkage: 0.3}", "shrinkage: 0.3, overtime: {max_hours_per_fte: 2, cost_per_hour: 20}}")
    scenario = _load(tmp_path_factory, text, "overtime")
    assert scenario_notes(scenario) == [
        "desk: agent works shifts there, so its overtime does not apply there (it does where the role is not rostered)"
    ]
    outcome = optimise(scenario, sensitivity=False)
    assert outcome.tables["coverage"].heads.iloc[0] == pytest.approx(20.0)
    assert outcome.tables["staffing"].overtime_hours.fillna(0).tolist() == [0.0]
