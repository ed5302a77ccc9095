"""Result tables mean what the README says: allocations and marginal costs worked out by hand."""

from __future__ import annotations

import textwrap

import pytest
from conftest import DATA

from model import load_scenario, optimise
from model.scenario import parse_yaml, validate_data


def test_cost_to_serve_of_a_single_demand_is_all_the_cost():
    # tiny: one demand uses every node, and every staff hour is its own: nothing is left unallocated.
    outcome = optimise(load_scenario(DATA / "tiny.yaml"))
    kpis = outcome.tables["demand_kpis"]
    vendor, team = 600 * (50 + 2), 400 * 1.5 / 140 * 5200
    assert kpis.cost_to_serve.iloc[0] == pytest.approx(vendor + team, rel=1e-9)
    assert kpis.cost_per_unit.iloc[0] == pytest.approx((vendor + team) / 1000, rel=1e-9)
    assert outcome.unallocated_cost == pytest.approx(0.0, abs=1e-6)


def test_staff_cost_is_shared_by_hours_and_idle_staff_is_unallocated():
    text = textwrap.dedent("""
        scenario: {name: share, currency: EUR, period_length: 730}
        stages: [a, b]
        roles:
          agent: {cost_per_fte: 1000, hours_per_fte: 100}
        nodes:
          desk: {stage: a}
          team:
            stage: b
            work: {agent: {hours_per_unit: 1}}
          idle_team:
            stage: b
            work: {agent: {hours_per_unit: 1}}
            staff: {agent: {min: 2}}
        arcs:
          - {from: desk, to: team}
        demands:
          short: {origin: desk, sinks: [team], volume: 100}
          long: {origin: desk, sinks: [team], volume: 300}
    """)
    outcome = optimise(validate_data(*parse_yaml(text, "share.yaml")))
    # team: 400 h = 4 FTE = 4,000 EUR, shared 100 h : 300 h; idle_team: 2 FTE held at its minimum,
    # 2,000 EUR that no demand used.
    cost = outcome.tables["demand_kpis"].set_index("demand").cost_to_serve
    assert cost["short"] == pytest.approx(1000) and cost["long"] == pytest.approx(3000)
    assert outcome.unallocated_cost == pytest.approx(2000)
    assert outcome.objective == pytest.approx(6000)


def test_unallocated_cost_is_the_staff_cost_no_demand_ever_used():
    text = textwrap.dedent("""
        scenario: {name: idle, currency: EUR, period_length: 730, periods: 2}
        stages: [a, b]
        roles:
          agent: {cost_per_fte: 1000, hours_per_fte: 100}
        nodes:
          desk: {stage: a}
          team:
            stage: b
            work: {agent: {hours_per_unit: 1}}
            staff: {agent: {min: 2}}
          idle_team:
            stage: b
            work: {agent: {hours_per_unit: 1}}
            staff: {agent: {min: 1}}
        arcs:
          - {from: desk, to: team}
        demands:
          d: {origin: desk, sinks: [team], volume: [300, 0]}
    """)
    outcome = optimise(validate_data(*parse_yaml(text, "idle.yaml")))
    # team: 3 FTE in P1 (300 h), its minimum of 2 FTE idle in P2: 5,000 EUR, all charged to d, the
    # only demand that ever used the team; idle_team: 1 FTE in each period, 2,000 EUR no demand used.
    staffing = outcome.tables["staffing"].set_index(["node", "period"])
    assert staffing.loc[("team", "P2"), "hours_used"] == 0 and staffing.loc[("team", "P2"), "cost"] == 2000
    cost = outcome.tables["demand_kpis"].groupby("demand").cost_to_serve.sum()
    assert cost["d"] == pytest.approx(5000)
    assert outcome.unallocated_cost == pytest.approx(2000)
    assert outcome.objective == pytest.approx(7000)


def test_marginal_cost_where_a_target_row_has_no_variable_left():
    # Every node does perfect work, so the quality row has nothing in it; one more unit costs the arc
    # (1) and the node (3): 4 EUR.
    text = textwrap.dedent("""
        scenario: {name: perfect, currency: EUR, period_length: 730}
        stages: [a, b]
        nodes:
          src: {stage: a}
          b1: {stage: b, unit_cost: 3}
        arcs:
          - {from: src, to: b1, cost: 1}
        demands:
          d: {origin: src, sinks: [b1], volume: 10, min_quality: 0.9, max_response_time: 5}
    """)
    outcome = optimise(validate_data(*parse_yaml(text, "perfect.yaml")))
    assert outcome.objective == pytest.approx(40)
    assert outcome.tables["demand_kpis"].marginal_cost.iloc[0] == pytest.approx(4.0)


def test_cost_ranges_say_how_far_a_unit_cost_can_move_before_the_plan_changes():
    # tiny: the vendor costs 50 + 2 per repair, the team 1.5 h x 5,200 / 140 = 55.71. The vendor keeps its
    # 600 repairs until its unit cost reaches 55.71 - 2 = 53.71 (its arc: 2 + 3.71 = 5.71); the team
    # keeps the 400 quality forces on it whatever they cost, and would take all of them once its unit
    # cost fell by 3.71.
    outcome = optimise(load_scenario(DATA / "tiny.yaml"))
    team = 1.5 / 140 * 5200
    work = outcome.tables["work"].set_index("mode")
    assert work.loc["vendor", "unit_cost_to"] == pytest.approx(team - 2)
    assert work.loc["technician", "unit_cost_from"] == pytest.approx(-(team - 52))
    assert work.loc["technician", "unit_cost_to"] == float("inf")
    flows = outcome.tables["flows"].set_index("to")
    assert flows.loc["vendor", "cost_to"] == pytest.approx(team - 50)
