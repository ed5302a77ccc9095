"""Queues per interval, the duty row per interval and whole agents (docs/model.md, Queues), worked by
hand on two half-hours against an Erlang C written out here (not model.queueing's).

The published figures: callcentrehelper.com's "Erlang C formula made simple" (and the CRAN package
ErlangC 0.1.0's worked example, quoted in test_queueing.py): 100 calls in 30 minutes, 180 s handle
time, 80 % of calls answered within 20 s need 14 agents (13 give 79.56 %, 14 give 88.835 %).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import e2eopt, one_hour_desk, scenario_from_text

from model import queueing
from model.errors import ScenarioError
from model.lp import build
from model.network import index_sets
from model.queues import start_tangents
from model.scenario import load_scenario

sys.path.insert(0, str(Path(__file__).parent / "lp"))
from helpers import solve

# Two half-hours, each occurring 20 times a period (20 working days): 100 calls in the first one
# (the published example: 200 calls an hour x 0.05 h = 10 Erlangs) and 50 in the second (5 Erlangs),
# so 20 x 150 = 3,000 calls a period. An agent works 10 hours a period and the intervals last
# W = 20 x (0.5 + 0.5) = 20 hours a period, so one FTE is on duty min(1, 10 / 20) = half an agent in
# every interval (model.md, constraint 11: h_i / W x min(H, W) hours = 0.5 / 20 x 10 = 0.25 h of each
# 0.5 h interval).
TWO = """
scenario: {name: two, currency: EUR, time_unit: minute, period_length: 43800}
intervals:
  times: {from: "08:00", to: "09:00", minutes: 30}
  weight: 20
stages: [service]
roles:
  agent: {cost_per_fte: 4000, hours_per_fte: 10}
nodes:
  desk:
    stage: service
    work: {agent: {hours_per_unit: 0.05}}
    queue:
      WHOLE
      target: {service_level: 0.8, within: 0.3333333333333333}
demands:
  calls: {origin: desk, sinks: [desk], ARRIVALS}
"""


def two(whole: str = "", arrivals: str = "volume_by_interval: [100, 50]") -> str:
    return TWO.replace("WHOLE", whole).replace("ARRIVALS", arrivals)


def erlang_c_service_level(agents: int, load: float, within_s: float = 20.0, handle_s: float = 180.0) -> float:
    """1 - C(N, A) exp(-(N - A) t / tau), C from the Erlang B recursion B(n) = A B(n-1) / (n + A B(n-1))."""
    blocked = 1.0
    for n in range(1, agents + 1):
        blocked = load * blocked / (n + load * blocked)
    waiting = agents * blocked / (agents - load * (1 - blocked))
    return 1 - waiting * math.exp(-(agents - load) * within_s / handle_s)


def fewest_agents(load: float) -> int:
    """The fewest whole agents meeting 80 % within 20 s, by counting up from the load."""
    agents = math.floor(load) + 1
    while erlang_c_service_level(agents, load) < 0.8:
        agents += 1
    return agents


@pytest.fixture(scope="module")
def whole():
    return solve(scenario_from_text(two()))


def test_the_independent_erlang_c_gives_the_published_figures():
    # Published: 13 agents 79.56 %, 14 agents 88.835 % at 10 Erlangs; the second interval (5 Erlangs)
    # needs 8: 7 give 74.04 %, 8 give 88.01 %.
    assert round(erlang_c_service_level(13, 10.0), 4) == 0.7956
    assert round(erlang_c_service_level(14, 10.0), 5) == 0.88835
    assert (fewest_agents(10.0), fewest_agents(5.0)) == (14, 8)


def test_two_intervals_get_two_loads_and_two_requirements(whole):
    queues = whole.tables["queues"]
    assert queues.interval.tolist() == ["08:00", "08:30"]
    # 100 and 50 calls in half an hour: 200 and 100 an hour, x 0.05 h = 10 and 5 Erlangs.
    assert queues.units.tolist() == pytest.approx([100.0, 50.0], rel=1e-12)
    assert queues.arrival_rate.tolist() == pytest.approx([200.0, 100.0], rel=1e-12)
    assert queues.load.tolist() == pytest.approx([10.0, 5.0], rel=1e-12)
    # whole agents by default with intervals: 14 and 8, as counted above
    assert queues.agents_required.tolist() == [14.0, 8.0]
    assert queues.met.all()


def test_the_busier_interval_sets_the_staff_and_the_other_is_over_staffed(whole):
    # Each FTE is half an agent in every interval: 14 agents in the first half-hour need 28 FTE,
    # 112,000 EUR; the second half-hour then has the same 14 agents, where it needs only 8.
    assert whole.tables["staffing"].fte.tolist() == pytest.approx([28.0], rel=1e-9)
    assert whole.objective == pytest.approx(28 * 4000, rel=1e-9)
    assert whole.tables["queues"].agents.tolist() == pytest.approx([14.0, 14.0], rel=1e-9)


def test_without_whole_agents_the_requirement_is_real():
    outcome = solve(scenario_from_text(two("whole_agents: false")))
    fte = outcome.tables["staffing"].fte.iloc[0]
    agents = fte / 2  # half an agent per FTE in every interval
    assert 13 < agents < 14  # between the published 13 and 14
    assert float(queueing.service_level(agents, 10.0, 0.05, 20 / 3600)) == pytest.approx(0.8, abs=1e-7)
    assert outcome.tables["queues"].agents_required.iloc[0] == pytest.approx(agents, rel=1e-6)


def test_a_profile_spreads_the_volume_as_the_volumes_by_interval_do(whole):
    # 3,000 a period in the proportions 2 : 1 over the two half-hours: 20 x (100 + 50) again.
    outcome = solve(scenario_from_text(two(arrivals="volume: 3000, profile: [2, 1]")))
    assert outcome.objective == pytest.approx(whole.objective, rel=1e-9)
    assert outcome.tables["queues"].load.tolist() == pytest.approx([10.0, 5.0], rel=1e-9)


def test_the_lane_wait_in_the_response_time_is_the_mean_over_the_period(whole):
    # A unit of calls arrives in the first half-hour with probability 20 x 100 / 3000 = 2/3, in the
    # second with 1/3: the wait it adds to its response time is 2/3 w1 + 1/3 w2.
    waits = whole.tables["queues"].wait_counted.to_numpy()
    routed = whole.tables["queue_routing"].wait_counted.iloc[0]
    assert routed == pytest.approx(2 / 3 * waits[0] + 1 / 3 * waits[1], rel=1e-12)
    # with whole agents the first half-hour counts the wait at its 14 agents: the average wait there
    assert waits[0] == pytest.approx(whole.tables["queues"].average_wait.iloc[0], rel=1e-9)


def test_the_rows_of_the_lp_per_interval():
    # The start LP (agents >= load): a[desk,main,i] - h pi[calls,i] q >= 0 with h = 0.05 h per call
    # and pi = (100, 50) / 3000; the duty row per interval: a - 0.5 / 20 x 10 s <= 0.
    sets = index_sets(scenario_from_text(two()))
    model = build(sets, start_tangents(sets))
    assert list(sets.queues.interval) == ["08:00", "08:30"]
    matrix = model.matrix.toarray()
    q, s = model.columns["q"][0, 0], model.columns["s"][0, 0]
    a = model.columns["a"][:, 0]
    service = model.blocks["queue_service_level"].at
    duty = model.blocks["queue_duty"].at
    assert [matrix[row, q] for row in service] == pytest.approx([-0.05 * 100 / 3000, -0.05 * 50 / 3000], rel=1e-12)
    assert [matrix[row, a[i]] for i, row in enumerate(service)] == [1.0, 1.0]
    assert [matrix[row, s] for row in duty] == pytest.approx([-0.25, -0.25], rel=1e-12)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("queue:\n", "queue:\n      open_hours: 200\n"),
        ("queue:\n", "queue:\n      peak_factor: 1.5\n"),
    ],
)
def test_open_hours_and_peak_factor_are_refused_with_intervals(tmp_path, change, message):
    path = tmp_path / "bad.yaml"
    path.write_text(two().replace(change, message, 1))
    key = message.split("\n")[1].strip().split(":")[0]
    with pytest.raises(ScenarioError, match=f"{key} is not allowed on a queue when the scenario has intervals"):
        load_scenario(path)


def test_a_queue_without_intervals_needs_open_hours(tmp_path):
    text = two().split("stages:")[1]
    path = tmp_path / "bad.yaml"
    path.write_text(
        "scenario: {name: two, currency: EUR, time_unit: minute, period_length: 43800}\nstages:"
        + text.replace("volume_by_interval: [100, 50]", "volume: 3000")
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert "a queue needs open_hours" in str(caught.value)
    assert "bad.yaml:9" in str(caught.value)  # the queue's line


@pytest.mark.parametrize(
    ("queue", "message"),
    [
        ("model: erlang_a", "an erlang_a queue needs patience"),
        ("patience: 2", "patience is for erlang_a queues, not erlang_c"),
        ("overflow: desk", "an erlang_c queue loses no units"),
        ("model: erlang_b\n      overflow: dsk", "overflow 'dsk' is not a node"),
        ("model: erlang_b", "service_level is not a target of an erlang_b queue"),
    ],
)
def test_the_queue_models_fields_are_checked_where_they_are(tmp_path, queue, message):
    path = tmp_path / "bad.yaml"
    path.write_text(two(queue))
    with pytest.raises(ScenarioError, match=message):
        load_scenario(path)


def test_scenarios_without_intervals_keep_one_row_per_lane():
    body = two().split("stages:")[1].replace("queue:\n", "queue:\n      open_hours: 200\n", 1)
    text = two().split("intervals:")[0] + "stages:" + body.replace("volume_by_interval: [100, 50]", "volume: 3000")
    sets = index_sets(scenario_from_text(text))
    assert sets.queues.interval.tolist() == [""]
    assert sets.queue_nodes[["node", "hours", "cycle"]].values.tolist() == [["desk", 200.0, 200.0]]


# --- Erlang B and Erlang A lanes in the LP ---------------------------------------------------------------

# One hour-long interval, one FTE = one agent on duty (hours_per_fte 1 = the hour the intervals last).
LINES = one_hour_desk(
    "lines",
    hours="HOURS",
    rest="""\
    queue:
      QUEUE
  backup: {stage: service, unit_cost: 2}    # bought-in: paid per call
arcs:
  - {from: desk, to: backup}
demands:
  calls: {origin: desk, sinks: [desk, backup], volume_by_interval: [CALLS]}
""",
)


def lines(queue: str, hours: float, calls: int) -> str:
    return LINES.replace("QUEUE", queue).replace("HOURS", repr(hours)).replace("CALLS", str(calls))


def test_an_erlang_b_desk_staffs_the_published_trunk_group():
    # erlang.com / Westbay forum "Trunk Engineering" (5 Dec 2001): 1200 calls an hour of 100 s
    # (33.333 Erlangs) at 1 % blocking need 45 lines. Checked here with the Erlang B recursion too:
    # B(44, A) > 1 % >= B(45, A).
    def blocked(n: int, load: float) -> float:
        b = 1.0
        for k in range(1, n + 1):
            b = load * b / (k + load * b)
        return b

    assert blocked(45, 1200 / 36) <= 0.01 < blocked(44, 1200 / 36)
    queue = "model: erlang_b\n      overflow: backup\n      target: {max_blocked: 0.01}"
    outcome = solve(scenario_from_text(lines(queue, 100 / 3600, 1200)))
    row = outcome.tables["queues"].iloc[0]
    assert row.load == pytest.approx(1200 / 36, rel=1e-12)
    assert (row.agents_required, row.agents) == (45.0, pytest.approx(45.0, rel=1e-9))
    assert row.lost_share == pytest.approx(blocked(45, 1200 / 36), rel=1e-9)
    assert (row.probability_of_waiting, row.average_wait) == (0.0, 0.0)  # no waiting room
    # The blocked calls, B(45, A) x 1200 = 11.58 of them, go to the backup desk at 2 EUR each; the
    # desk answers the rest.
    lost = blocked(45, 1200 / 36) * 1200
    assert outcome.tables["queue_routing"].units_lost.iloc[0] == pytest.approx(lost, rel=1e-9)
    work = outcome.tables["work"].groupby("node").units.sum()
    assert work["desk"] == pytest.approx(1200 - lost, rel=1e-9)
    assert work["backup"] == pytest.approx(lost, rel=1e-9)
    assert outcome.objective == pytest.approx(45 * 100 + 2 * lost, rel=1e-9)


def abandoned_share(n: int, load: float, patience: float, tail: int = 400) -> float:
    """P(Ab) of M/M/n+M (handle time 1) from its birth-death chain: births at `load`, deaths at
    min(k, n) + max(k - n, 0) / patience; P(Ab) = (1 / patience) E[queue] / load (abandonment rate
    over arrival rate)."""
    weights = [1.0]
    for k in range(1, n + tail):
        weights.append(weights[-1] * load / (min(k, n) + max(k - n, 0) / patience))
    total = sum(weights)
    queued = sum(max(k - n, 0) * w for k, w in enumerate(weights)) / total
    return queued / patience / load


def test_an_erlang_a_desk_staffs_the_fewest_agents_whose_callers_abandon_at_most_5_percent():
    # 200 calls of 3 minutes in an hour: 10 Erlangs; mean patience 3 minutes (= the handle time).
    # The chain gives P(Ab) = 5.31 % at 12 agents and 3.22 % at 13: 13 whole agents.
    assert abandoned_share(12, 10.0, 1.0) > 0.05 >= abandoned_share(13, 10.0, 1.0)
    queue = "model: erlang_a\n      patience: 3\n      target: {max_abandoned: 0.05}"
    outcome = solve(scenario_from_text(lines(queue, 0.05, 200)))
    row = outcome.tables["queues"].iloc[0]
    assert row.agents_required == 13.0
    assert row.lost_share == pytest.approx(abandoned_share(13, 10.0, 1.0), rel=1e-6)
    # Erlang A's average wait over all arrivals is P(Ab) x patience (Little's law for the abandoning)
    assert row.average_wait == pytest.approx(row.lost_share * 3, rel=1e-9)
    assert outcome.objective == pytest.approx(13 * 100, rel=1e-9)
    # Without an overflow the abandoned calls are unmet: the desk answers 200 x (1 - P(Ab)).
    lost = abandoned_share(13, 10.0, 1.0) * 200
    assert outcome.tables["queue_routing"].units_lost.iloc[0] == pytest.approx(lost, rel=1e-6)
    assert outcome.tables["work"].units.sum() == pytest.approx(200 - lost, rel=1e-6)


def test_an_overflow_some_demand_passing_the_queue_cannot_use_is_refused(tmp_path):
    # `lonely` has no arc from the desk: the calls blocked at the desk could not reach it.
    text = lines("model: erlang_b\n      overflow: lonely\n      target: {max_blocked: 0.01}", 0.05, 100)
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace("  backup:", "  lonely: {stage: service}\n  backup:"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert "would go to 'lonely', which cannot be used by 1 demand passing 'desk': calls" in str(caught.value)
    assert "bad.yaml:14" in str(caught.value)  # the overflow's line (the text starts with a blank line)


def test_a_what_if_with_other_arrivals_is_solved_in_place_to_the_fresh_answer(whole):
    # 60 and 120 calls in the two half-hours (6 and 12 Erlangs): the second now sets the staff. 12
    # Erlangs need 16 agents for 80 % within 20 s (15 give 77.1 %, counted by the Erlang C above),
    # so 32 FTE, 128,000 EUR; the shares are figures, so the base's LP is updated in place.
    from model.resolver import Resolver

    assert fewest_agents(12.0) == 16 and fewest_agents(6.0) == 9
    variant = scenario_from_text(two(arrivals="volume_by_interval: [60, 120]"))
    resolver = Resolver(scenario_from_text(two()))
    resolver.solve(scenario_from_text(two()))
    outcome = resolver.solve(variant)
    assert outcome.solver["lp"] == "updated in place"
    assert outcome.tables["queues"].agents_required.tolist() == [9.0, 16.0]
    assert outcome.objective == pytest.approx(32 * 4000, rel=1e-9)


def test_whole_agents_is_set_on_the_command_line(tmp_path):
    # `--set nodes.desk.queue.whole_agents=false` turns the default (whole agents, with intervals) off:
    # the busier half-hour then needs the real g(10) = 13.04 agents (between the published 13 and 14,
    # see test_without_whole_agents_the_requirement_is_real), 26.08 FTE at half an agent each; and
    # `=true` on a file saying false brings back 14 whole agents, 28 FTE. A word that is no flag is
    # refused, exit 2, naming the field.
    (tmp_path / "two.yaml").write_text(two())
    (tmp_path / "fractional.yaml").write_text(two("whole_agents: false"))

    def fte(file: str, value: str) -> float:
        out = tmp_path / f"runs-{file}-{value}"
        result = e2eopt(
            "solve", file, "--out", str(out), "--set", f"nodes.desk.queue.whole_agents={value}", cwd=tmp_path
        )
        assert result.returncode == 0, result.stdout + result.stderr
        (folder,) = [f for f in out.iterdir() if f.is_dir()]
        summary = (folder / "summary.json").read_text()
        assert f'"value": "{value}"' in summary
        return float(pd.read_csv(folder / "staffing.csv").fte.sum())

    agents = fte("two.yaml", "false") / 2
    assert 13 < agents < 14
    assert float(queueing.service_level(agents, 10.0, 0.05, 20 / 3600)) == pytest.approx(0.8, abs=1e-6)
    assert fte("fractional.yaml", "true") == pytest.approx(28.0, rel=1e-9)
    # A sweep over the flag: 28 x 4,000 = 112,000 EUR with whole agents, 26.08 x 4,000 without.
    swept = e2eopt(
        "sweep",
        "two.yaml",
        "--grid",
        "nodes.desk.queue.whole_agents=true,false",
        "--out",
        "sweeps",
        "--workers",
        "1",
        cwd=tmp_path,
    )
    assert swept.returncode == 0, swept.stdout + swept.stderr
    (points,) = (tmp_path / "sweeps").glob("*/points.csv")
    costs = pd.read_csv(points).total_cost.tolist()
    assert costs == pytest.approx([112_000.0, 2 * agents * 4000], rel=1e-6)
    refused = e2eopt("validate", "two.yaml", "--set", "nodes.desk.queue.whole_agents=maybe", cwd=tmp_path)
    assert refused.returncode == 2
    assert "nodes.desk.queue.whole_agents" in refused.stderr and "give true or false" in refused.stderr


def test_a_what_if_file_sets_whole_agents_as_a_boolean(tmp_path):
    # In a what-if file the flag is a YAML boolean (or its word); the JSON Schema takes both and
    # refuses other words and numbers. Solved, `false` gives the 13.04 real agents (26.08 FTE).
    import jsonschema

    from model.scenario.json_schema import what_if_schema

    schema = what_if_schema()
    for value, allowed in ((False, True), ("true", True), ("=false", True), ("maybe", False), (1, False)):
        document = {"extends": "two.yaml", "set": {"nodes.desk.queue.whole_agents": value}}
        assert jsonschema.Draft202012Validator(schema).is_valid(document) is allowed, value
    (tmp_path / "two.yaml").write_text(two())
    (tmp_path / "fractional.yaml").write_text("extends: two.yaml\nset:\n  nodes.desk.queue.whole_agents: false\n")
    outcome = solve(load_scenario(tmp_path / "fractional.yaml"))
    assert 26 < outcome.tables["staffing"].fte.iloc[0] < 28
