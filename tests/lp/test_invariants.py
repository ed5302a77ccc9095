"""Invariants of model.md on the shipped scenario and a busier one, and marginal costs against finite
differences of re-solved scenarios.

helpers.check_invariants runs inside every solve of this folder; these tests add scenarios where many
families interact (several demands sharing nodes, per-demand stock, targets, backlog and unmet).
"""

from __future__ import annotations

import copy

import pytest
import test_families as fam
import test_multi_period as multi
from conftest import TINY_FILE, scenario_from_data
from helpers import kpi, solve, solve_text

from model.scenario import load_scenario, parse_yaml


def test_tiny_scenario_file():
    # data/tiny.yaml: 600 units to the vendor (the quality target caps its share at 0.6), 400 in-house:
    # 600 * 50 + 600 * 2 + 400 * 1.5 / 140 * 5200 = 53485.714285714...
    scenario = load_scenario(TINY_FILE)
    out = solve(scenario)
    assert out.objective == pytest.approx(600 * 52 + 400 * 1.5 / 140 * 5200, rel=1e-9)
    assert kpi(out, "quality", "repairs") == pytest.approx(0.95)


BUSY = """
scenario: {name: busy, currency: EUR, time_unit: hour, period_length: 160, periods: [Jan, Feb, Mar, Apr]}
stages: [market, sales, make, deliver]
roles:
  rep: {cost_per_fte: 4000, hours_per_fte: 150, hire_cost: 1500, layoff_cost: 2500,
        overtime: {max_hours_per_fte: 15, cost_per_hour: 40}}
  tech: {cost_per_fte: 5000, hours_per_fte: 140, hire_cost: 2000, layoff_cost: 3000,
         overtime: {max_hours_per_fte: 20, cost_per_hour: 50}}
  junior: {cost_per_fte: 3000, hours_per_fte: 140}
nodes:
  web: {stage: market}
  shop: {stage: market}
  sales_team:
    stage: sales
    wait_time: 2
    max_utilisation: 0.9
    work: {rep: {hours_per_unit: 0.5, processing_time: 1}}
    staff: {rep: {min: 1, initial: 3}}
  reseller: {stage: sales, unit_cost: 15, quality: 0.97, processing_time: 8, capacity: 400}
  plant:
    stage: make
    processing_time: 4
    wait_time: 2
    work:
      tech: {hours_per_unit: 2, quality: 0.99, processing_time: 6}
      junior: {hours_per_unit: 3, quality: 0.94, processing_time: 9}
    staff: {tech: {max: 12, initial: 8}, junior: {max: 6}}
    stock: {holding_cost: 4, initial: {retail: 30, trade: 0}, final_min: {retail: 10}}
  contract: {stage: make, unit_cost: 95, quality: 0.96, processing_time: 30, capacity: 250}
  courier: {stage: deliver, unit_cost: 6, processing_time: 24}
  van: {stage: deliver, unit_cost: 3, quality: 0.995, processing_time: 48, capacity: 500}
arcs:
  - {from: web, to: sales_team, cost: 1, lead_time: 1}
  - {from: web, to: reseller, cost: 2, lead_time: 2}
  - {from: shop, to: sales_team, lead_time: 1}
  - {from: sales_team, to: plant, lead_time: 4}
  - {from: sales_team, to: contract, cost: 3, lead_time: 12, capacity: 200}
  - {from: reseller, to: plant, cost: 1, lead_time: 8}
  - {from: reseller, to: contract, cost: 3, lead_time: 12}
  - {from: plant, to: courier, cost: 2, lead_time: 2}
  - {from: plant, to: van, cost: 1, lead_time: 6, capacity: 600}
  - {from: contract, to: courier, cost: 2, lead_time: 2}
demands:
  retail:
    origin: web
    sinks: [courier, van]
    stages: [market, sales, make, deliver]
    volume: [300, 420, 520, 260]
    min_quality: 0.93
    max_mean_response_time: 140
    backlog_cost: 35
  trade:
    origin: shop
    sinks: [courier]
    volume: 150
    min_quality: 0.95
    max_mean_response_time: 120
    unmet_penalty: 400
"""


def test_busy_scenario_holds_every_invariant(tmp_path):
    # Loaded from a file; every invariant is checked inside solve_text.
    out = solve_text(BUSY, tmp_path)
    tables = out.tables
    assert len(tables["demand_kpis"]) == 8
    assert (tables["staffing"].utilisation.dropna() <= 1 + 1e-6).all()
    # the integer version holds the same invariants (whole FTE included) and costs at least as much
    whole = solve_text(BUSY, integer_staff=True)
    assert whole.objective >= out.objective - 1e-6 * abs(out.objective)


# --- marginal cost = finite difference of the objective ------------------------------------------------


def volume_changed(text: str, demand: str, period: int, delta: float):
    """The scenario with `delta` more units of `demand` in the given period (0-based)."""
    data, _ = parse_yaml(text, "case.yaml")
    data = copy.deepcopy(data)
    count = data["scenario"].get("periods", 1)
    count = count if isinstance(count, int) else len(count)
    volume = data["demands"][demand]["volume"]
    volume = list(volume) if isinstance(volume, list) else [volume] * count
    volume[period] += delta
    data["demands"][demand]["volume"] = volume
    return scenario_from_data(data)


CASES = [
    # (name, scenario text, demand, periods to probe, hand value of the first probe or None)
    # each extra unit is split 7/9 good (30) and 2/9 poor (10): 2300 / 90
    ("quality_split", fam.QUALITY.replace("{prep}", "0.98"), "d", [0], 2300 / 90),
    ("capacities", fam.CAPACITY, "d", [0], 40),  # the dear vendor
    ("utilisation", fam.UTILISATION, "d", [0], 62.5),  # 4000 / (160 * 0.8) * 2
    # served units only carry the quality allowance; unmet (penalty 25) stays 0 at this slope
    ("quality_unmet", fam.QUALITY_UNMET.replace("{penalty}", "25"), "d", [0], 1900 / 90),
    ("response_time", fam.RESPONSE, "d", [0], 2150 / 130),  # the fast/slow mix 10/13, 3/13
    ("tiny", fam.TINY, "repairs", [0], 0.6 * 52 + 0.4 * 1.5 / 140 * 5200),  # vendor/in-house mix
    ("staff_min_idle", fam.staff_bounds_case(5000, "{min: 3}", 20, 100), "d", [0], 0),  # idle hours
    ("unmet", fam.UNMET, "d", [0], 30),  # the penalty
    ("backlog_time", fam.BACKLOG.replace("{target}", ", max_mean_response_time: 30"), "d", [0, 1], None),
    # P2 of the stock case: one more unit needs one more made in P1 (10 + 2 holding)
    ("stock", fam.STOCK, "d", [1], 12),
    ("storable_origin", fam.STORABLE_ORIGIN, "d", [0], 1500 / 90),  # the fast/slow mix 7/9, 2/9
    ("three_periods", multi.YAML, "d", [0, 1, 2], None),
]


@pytest.mark.parametrize("name, text, demand, periods, hand", CASES, ids=[c[0] for c in CASES])
def test_marginal_cost_is_the_finite_difference(name, text, demand, periods, hand):
    base = solve_text(text)
    for t in periods:
        label = base.scenario.periods[t]
        up = solve(volume_changed(text, demand, t, +1.0)).objective - base.objective
        down = base.objective - solve(volume_changed(text, demand, t, -1.0)).objective
        # the same slope on both sides: the basis does not change within +-1 unit
        assert up == pytest.approx(down, rel=1e-6, abs=1e-6), f"{name} {label}: kink at the volume ({down}, {up})"
        if hand is not None and t == periods[0]:
            assert up == pytest.approx(hand, rel=1e-6, abs=1e-6), f"{name} {label}: slope {up}, by hand {hand}"
        assert kpi(base, "marginal_cost", demand, label) == pytest.approx(up, rel=1e-6, abs=1e-6), (
            f"{name} {label}: marginal_cost {kpi(base, 'marginal_cost', demand, label)} vs finite difference {up}"
        )


def test_marginal_cost_is_missing_for_integer_staff():
    # A MILP has no duals: marginal_cost is NaN, and the invariants still hold.
    out = solve_text(fam.TINY, integer_staff=True)
    assert out.tables["demand_kpis"].marginal_cost.isna().all()


@pytest.mark.parametrize(
    "table, column, row, delta",
    [
        ("costs", "amount", 0, 1.0),  # costs no longer sum to the objective
        ("demand_kpis", "served", 0, -5.0),  # volume not accounted for
        ("flows", "units", 1, 10.0),  # flow not conserved
        ("work", "units", 2, -10.0),  # processed != arriving
        ("staffing", "fte", 0, -0.5),  # hours used above hours available
        ("demand_kpis", "quality", 0, 0.01),  # quality not recomputed from the work table
    ],
)
def test_the_invariant_checker_catches_a_corrupted_table(table, column, row, delta):
    # The checker itself is tested: one number changed in a correct solution must fail it.
    from helpers import check_invariants

    scenario = load_scenario(TINY_FILE)
    out = solve(scenario)
    out.tables = {name: frame.copy() for name, frame in out.tables.items()}
    out.tables[table].loc[row, column] += delta
    with pytest.raises(AssertionError):
        check_invariants(out, scenario)
