"""A queue staffed by shifts: the roster must put on duty the whole agents each interval's queue
needs, after shrinkage (docs/model.md, Queues per interval and Shifts; constraint 11 with the heads
of the patterns covering each interval).

Two half-hours: 100 calls then 50, 3-minute calls, 80 % answered within 20 s. The first is
callcentrehelper.com's worked example (10 Erlangs: 14 agents, published); the second, 5 Erlangs,
needs 8 agents by the Erlang C formula (checked below against the formula itself). Shrinkage 0.3:
14 agents on duty take 14 / 0.7 = 20 heads, 8 take 8 / 0.7 = 11.43.

Patterns: `both` covers both half-hours at 2 EUR a head, `first` only the first at 1 EUR. The LP:
minimise 2 b + f subject to 0.7 (b + f) >= 14 and 0.7 b >= 8, so b = 80/7, f = 20 - 80/7 = 60/7 and
the cost is 160/7 + 60/7 = 220/7 = 31.43 EUR. With whole heads: b >= 12 and b + f >= 20, and
2 b + f = b + (b + f) >= 32, reached at b = 12, f = 8: 32 EUR.
"""

from __future__ import annotations

import pytest
from conftest import scenario_from_text

from model import optimise
from model.queueing import service_level

SHIFT_QUEUE = """
scenario: {name: shift-queue, currency: EUR, time_unit: minute, period_length: 60}
intervals:
  times: {from: "09:00", to: "10:00", minutes: 30}
stages: [contact]
roles:
  agent: {cost_per_fte: 100, hours_per_fte: 1, shrinkage: 0.3}
nodes:
  desk:
    stage: contact
    work:
      agent:
        hours_per_unit: 0.05
        shifts:
          both: {covers: ["09:00", "09:30"], cost: 2}
          first: {covers: ["09:00"], cost: 1}
    queue:
      target: {service_level: 0.8, within: 0.3333333333333333}
demands:
  calls: {origin: desk, sinks: [desk], volume_by_interval: [100, 50]}
"""


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    return scenario_from_text(SHIFT_QUEUE, tmp_path_factory.mktemp("sq"))


def test_eight_agents_are_the_fewest_for_five_erlangs():
    # The Erlang C formula itself: 7 agents miss 80 % in 20 s at 5 Erlangs, 8 meet it.
    hours, within = 0.05, 20 / 3600
    assert service_level(7, 5.0, hours, within) < 0.8 <= service_level(8, 5.0, hours, within)


def test_the_roster_covers_the_whole_agents_after_shrinkage(scenario):
    outcome = optimise(scenario, sensitivity=False)
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(220 / 7)
    roster = outcome.tables["roster"].set_index("pattern").heads
    assert roster["both"] == pytest.approx(80 / 7) and roster["first"] == pytest.approx(60 / 7)
    queues = outcome.tables["queues"]
    assert queues.agents.tolist() == pytest.approx([14.0, 8.0])


def test_whole_heads_round_the_roster_up(scenario):
    outcome = optimise(scenario, integer_staff=True, sensitivity=False)
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(32.0)
    roster = outcome.tables["roster"].set_index("pattern").heads
    assert roster.to_dict() == pytest.approx({"both": 12.0, "first": 8.0})
    queues = outcome.tables["queues"]
    assert queues.agents.tolist() == pytest.approx([14.0, 0.7 * 12])  # 8.4 agents on duty at 09:30


def test_the_coverage_table_counts_the_agents_the_queue_needs(scenario):
    # The work alone needs 100 x 0.05 h / 0.5 h = 10 agents at 09:00 and 50 x 0.05 / 0.5 = 5 at 09:30;
    # the queue needs 14 and 8 whole agents on duty (above), the larger, and the desk has one role, so
    # agents_needed is 14 and 8. As an LP the roster puts exactly 20 and 80/7 heads on duty, 14 and 8
    # agents: nothing over. With whole heads 20 and 12, 14 and 8.4 agents: 0.4 over at 09:30, what
    # whole heads force.
    for integer, heads, over in ((False, [20.0, 80 / 7], [0.0, 0.0]), (True, [20.0, 12.0], [0.0, 0.4])):
        outcome = optimise(scenario, integer_staff=integer, sensitivity=False)
        coverage = outcome.tables["coverage"]
        assert coverage.interval.tolist() == ["09:00", "09:30"]
        assert coverage.heads.tolist() == pytest.approx(heads)
        assert coverage.agents_on_duty.tolist() == pytest.approx([0.7 * h for h in heads])
        assert coverage.agents_needed.tolist() == pytest.approx([14.0, 8.0])
        assert coverage.over.tolist() == pytest.approx(over, abs=1e-9)


def test_a_queue_shared_by_two_roles_is_split_by_their_agents_on_duty(tmp_path):
    # A lead (not rostered: 1 FTE of 1 h over the hour the intervals last = 1 agent in each
    # half-hour, held at 1 by min and max) answers beside the rostered agents. At 09:00 the queue needs
    # 14 agents: the lead is 1, so the roster puts 13 on duty (13 / 0.7 = 18.57 heads), and the 14 are
    # shared 13 : 1, the agents' share 14 x 13 / 14 = 13, nothing over. At 09:30 it needs 8: 7 agents
    # beside the lead, 8 x 7 / 8 = 7. (The work alone: at most 5 h / 0.5 h = 10 agents in all.)
    text = SHIFT_QUEUE.replace(
        "    queue:\n",
        "      lead: {hours_per_unit: 0.05}\n    staff: {lead: {min: 1, max: 1}}\n    queue:\n",
    ).replace(
        "  agent: {cost_per_fte: 100", "  lead: {cost_per_fte: 100, hours_per_fte: 1}\n  agent: {cost_per_fte: 100"
    )
    outcome = optimise(scenario_from_text(text, tmp_path), sensitivity=False)
    assert outcome.status == "optimal", outcome.message
    assert outcome.tables["queues"].agents_required.tolist() == [14.0, 8.0]
    coverage = outcome.tables["coverage"]
    assert coverage.agents_on_duty.tolist() == pytest.approx([13.0, 7.0])
    assert coverage.agents_needed.tolist() == pytest.approx([13.0, 7.0])
    assert coverage.over.tolist() == pytest.approx([0.0, 0.0], abs=1e-9)


def test_the_price_of_one_more_agent_in_an_interval(scenario):
    # One more agent on duty at 09:00: 0.7 (b + f) >= 15, so f rises by 1/0.7 heads at 1 EUR: 10/7 EUR.
    # At 09:30: 0.7 b >= 9, so b rises by 1/0.7 at 2 EUR while f falls by 1/0.7 at 1 EUR: also 10/7 EUR.
    outcome = optimise(scenario)
    table = outcome.tables["sensitivity"]
    rows = table[table.family == "queue_duty"]
    assert len(rows) == 2
    assert rows.shadow_price.abs().tolist() == pytest.approx([10 / 7, 10 / 7])
    assert rows.field.tolist() == ["nodes.desk.queue"] * 2
