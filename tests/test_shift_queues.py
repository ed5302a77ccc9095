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
