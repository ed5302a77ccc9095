"""The rework table's cost range stays within what a rework cost may be (issue 16's trial, finding 19):
HiGHS ranges the LP's coefficient of the reworked units, which for the qa rework below reaches -640 EUR
a unit, but `rework.cost` is never negative, so the range's lower end is clipped at 0 EUR a unit."""

from __future__ import annotations

import math

import pytest
from conftest import scenario_from_text

from model.optimise import optimise

RW = """\
scenario: {name: rw, currency: EUR, time_unit: hour, period_length: 730}
stages: [intake, make, test]
roles:
  fitter: {cost_per_fte: 4000, hours_per_fte: 160}
nodes:
  desk: {stage: intake}
  line:
    stage: make
    unit_cost: 10
    processing_time: 5
    work:
      fitter: {hours_per_unit: 2, quality: 0.9, rework: {to: same, cost: 3, time: 10}}
  workshop: {stage: make, unit_cost: 30, processing_time: 8, quality: 1}
  qa: {stage: test, unit_cost: 2, quality: 0.95, processing_time: 1, rework: {to: workshop, cost: 1, time: 4}}
arcs: [{from: desk, to: line}, {from: line, to: qa}, {from: workshop, to: qa}, {from: qa, to: workshop}]
demands:
  orders: {origin: desk, sinks: [qa], volume: 400, min_quality: 0.99}
"""


def test_a_rework_cost_range_starts_at_0_at_the_lowest():
    rework = optimise(scenario_from_text(RW)).tables["rework"].set_index("node")
    # qa reworks what it catches: 400 / 0.95 x 0.05 = 21.05 units at 1 EUR; its rework was ranged down to
    # -640 EUR a unit, a cost the field does not allow: 0 is the lowest rework cost there is
    assert rework.loc["qa", "units"] == pytest.approx(400 / 0.95 * 0.05)
    assert rework.loc["qa", "cost_from"] == 0.0
    assert (rework.cost_from >= 0.0).all()
    assert all(math.isinf(value) or value >= 1.0 for value in rework.cost_to)  # each holds its own 1 or 3 EUR
