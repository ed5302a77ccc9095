"""Trade-off curves (model.frontier) on a scenario whose cost-versus-target curve is worked out by hand,
and on data/appliance-co.yaml, where the duals must agree with the finite-difference slopes.

ROUTES, by hand. Demand d (100 units) goes to `cheap` (10 EUR, 89% right, 25 h, at most 50 units) or
`dear` (20 EUR, 99% right, 5 h); demand e (200 units) to `cheap2` (5 EUR, 90% right, at most 50
units) or `dear2` (10 EUR, 98% right). The origin adds nothing. With a share c of d sent cheap:

  quality   0.11 c + 0.01 (1 - c) <= 1 - Q   ->  c <= 10 (0.99 - Q)
  response  25 c + 5 (1 - c) <= T            ->  c <= (T - 5) / 20
  capacity  100 c <= 50                      ->  c <= 0.5
  cost      100 (20 c' + ...) = 2000 - 1000 c

and with a share c2 of e sent cheap2: quality 0.02 + 0.08 c2 <= 1 - Q -> c2 <= (0.98 - Q) / 0.08,
capacity c2 <= 0.25, cost 200 (10 - 5 c2) = 2000 - 1000 c2. At its own target (90%) e sends the most
it can (c2 = 0.25): 1,750 EUR. Base: d at 95% sends c = 0.4 (quality binds before capacity, and the
30 h response target allows c <= 1.25): 1,600 + 1,750 = 3,350 EUR.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import APPLIANCE_FILE, ROUTES, scenario_from_text

from model.frontier import COLUMNS, check_values, frontier, parse_vary, variant, varied_demands
from model.optimise import optimise
from model.scenario import load_scenario

E_COST = 1750.0  # e alone at its own 90% target: 2000 - 1000 x 0.25 (EUR)


# --- the --vary grammar ------------------------------------------------------------------------------


def test_range_includes_its_stop_despite_round_off():
    field, values = parse_vary("min_quality=0.90:0.99:0.01")
    assert field == "min_quality"
    assert values == [0.90, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99]  # ten points, exact decimals


def test_range_and_list_forms():
    assert parse_vary("max_mean_response_time=24:48:12") == ("max_mean_response_time", [24.0, 36.0, 48.0])
    assert parse_vary("max_mean_response_time=0.5:2:0.6")[1] == [0.5, 1.1, 1.7]  # 2.3 would pass the stop
    assert parse_vary("min_quality=0.99:0.97:-0.01")[1] == [0.99, 0.98, 0.97]
    assert parse_vary("min_quality=0.9, 0.95,0.99") == ("min_quality", [0.9, 0.95, 0.99])


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("min_qualty=0.9:0.99:0.01", "Did you mean 'min_quality'?"),
        ("min_quality", "expected FIELD=START:STOP:STEP"),
        ("min_quality=0.9:0.99", "a range is START:STOP:STEP"),
        ("min_quality=0.9:0.99:0", "does not lead from 0.9 to 0.99"),
        ("min_quality=0.9:0.99:-0.01", "does not lead from 0.9 to 0.99"),
        ("min_quality=0.9,high", "'high' is not a number"),
        ("max_mean_response_time=1:100000:1", "at most 1,000"),
    ],
)
def test_bad_vary_specs_say_what_is_wrong(spec, says):
    with pytest.raises(ValueError) as error:
        parse_vary(spec)
    assert says in str(error.value)


def test_demands_must_exist_and_have_the_target():
    scenario = scenario_from_text(ROUTES)
    with pytest.raises(ValueError, match=r"unknown demand 'dd'\. Did you mean 'd'"):
        varied_demands(scenario, "min_quality", ["dd"])
    with pytest.raises(ValueError, match=r"demand 'e' has no max_mean_response_time target .*demands with one: d"):
        varied_demands(scenario, "max_mean_response_time", ["e"])
    assert varied_demands(scenario, "max_mean_response_time", None) == ["d", "e"]  # whole chain: every demand
    with pytest.raises(ValueError, match=r"min_quality must be a share in \(0, 1\]; not 1.2"):
        check_values("min_quality", [0.9, 1.2])
    with pytest.raises(ValueError, match="no demand given"):
        frontier(scenario, "min_quality", [0.9], demands=[])


# --- hand-checked curves -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def quality_curve():
    return frontier(
        scenario_from_text(ROUTES), "min_quality", parse_vary("min_quality=0.90:1.00:0.01")[1], demands=["d"]
    )


def test_quality_curve_costs_are_the_hand_figures(quality_curve):
    # c = min(0.5, 10 (0.99 - Q)): Q <= 0.94 -> c = 0.5, d costs 1,500; each point above costs 100 more
    # (0.1 of c, 100 EUR); at 0.99 d goes all dear (2,000). 100% is above dear's 99%: infeasible.
    table = quality_curve
    assert list(table.columns) == COLUMNS
    d_cost = [1500, 1500, 1500, 1500, 1500, 1600, 1700, 1800, 1900, 2000]
    assert table.status.tolist() == ["optimal"] * 10 + ["infeasible"]
    assert table.total_cost.iloc[:10].tolist() == pytest.approx([c + E_COST for c in d_cost], rel=1e-9)
    assert np.isnan(table.total_cost.iat[10]) and np.isnan(table.marginal_cost.iat[10])
    assert table.attrs["units"]["marginal_cost"].startswith("EUR per percentage point (cost of raising")


def test_quality_marginal_cost_equals_the_slopes_where_the_basis_holds(quality_curve):
    # Above 94% each point costs 10,000 EUR per unit of share = 100 EUR per point; below, nothing binds.
    table = quality_curve.set_index("target")
    for q in (0.95, 0.96, 0.97, 0.98):
        row = table.loc[q]
        assert row.marginal_cost == pytest.approx(100, rel=1e-9)
        assert row.slope_left == pytest.approx(100, rel=1e-9) and row.slope_right == pytest.approx(100, rel=1e-9)
        assert (row.basis_from, row.basis_to) == (pytest.approx(0.94), pytest.approx(0.99))  # c from 0.5 to 0
        assert row.dual_check == "equal" and row.dual_consistent
    for q in (0.91, 0.92, 0.93):
        row = table.loc[q]
        assert row.marginal_cost == 0 and row.slope_left == 0 and row.slope_right == 0
        # The quality row is slack until 1 - Q = 6 defects in 100: Q = 0.94.
        assert row.basis_to == pytest.approx(0.94) and row.dual_check == "equal"
    assert table.basis_unchanged_to_next.loc[[0.90, 0.91, 0.92, 0.93, 0.95, 0.96, 0.97, 0.98]].all()


def test_quality_kink_has_the_dual_between_the_one_sided_slopes(quality_curve):
    table = quality_curve.set_index("target")
    kink = table.loc[0.94]
    assert kink.slope_left == 0 and kink.slope_right == pytest.approx(100, rel=1e-9)
    assert 0 <= kink.marginal_cost <= 100 + 1e-9
    assert kink.dual_consistent
    # 0.99 is the last feasible point: any price of at least 100 EUR per point is a valid dual there.
    edge = table.loc[0.99]
    assert edge.slope_left == pytest.approx(100) and np.isnan(edge.slope_right)
    assert edge.marginal_cost >= 100 - 1e-6 and edge.dual_consistent
    assert not edge.basis_unchanged_to_next  # the next point has no plan at all


def test_response_time_curve_by_hand():
    # c = min(0.4 (the 95% quality target), (T - 5) / 20): below 5 h nothing meets the target; from
    # 5 h each hour more sends 5 units cheap and saves 50 EUR, until 13 h (c = 0.4); then flat.
    # Marginal cost = cost of tightening by one hour: 50 EUR on (5, 13), 0 above 13.
    values = parse_vary("max_mean_response_time=4:16:1")[1]
    table = frontier(scenario_from_text(ROUTES), "max_mean_response_time", values, demands=["d"]).set_index("target")
    assert table.status.loc[4.0] == "infeasible" and np.isnan(table.total_cost.loc[4.0])
    hand = {t: 2000 - 1000 * min(0.4, (t - 5) / 20) + E_COST for t in range(5, 17)}
    for t, cost in hand.items():
        assert table.total_cost.loc[float(t)] == pytest.approx(cost, rel=1e-9), t
    for t in range(6, 13):
        row = table.loc[float(t)]
        assert row.marginal_cost == pytest.approx(50, rel=1e-9)
        assert row.slope_left == pytest.approx(50, rel=1e-9) and row.slope_right == pytest.approx(50, rel=1e-9)
        assert row.dual_check == "equal"
    for t in (14, 15):
        assert table.marginal_cost.loc[float(t)] == 0 and table.slope_right.loc[float(t)] == 0
    kink = table.loc[13.0]
    assert kink.slope_left == pytest.approx(50) and kink.slope_right == 0
    assert -1e-9 <= kink.marginal_cost <= 50 + 1e-9 and kink.dual_consistent
    assert (
        table.attrs["units"]["marginal_cost"] == "EUR per hour (cost of tightening max_mean_response_time by one hour)"
    )


def test_whole_chain_sets_every_demand_and_adds_the_prices():
    # Both demands at Q: d as above; e sends c2 = min(0.25, (0.98 - Q) / 0.08), so e binds from 96%
    # at 1000 / 0.08 = 12,500 EUR per unit of share = 125 EUR per point; above 98% e cannot go.
    values = parse_vary("min_quality=0.90:0.99:0.01")[1]
    table = frontier(scenario_from_text(ROUTES), "min_quality", values).set_index("target")
    e_cost = {q: 2000 - 1000 * min(0.25, (0.98 - q) / 0.08) for q in values}
    d_cost = {q: 2000 - 1000 * min(0.5, 10 * (0.99 - q)) for q in values}
    for q in values[:-1]:
        assert table.total_cost.loc[q] == pytest.approx(d_cost[q] + e_cost[q], rel=1e-9), q
    assert table.status.loc[0.99] == "infeasible"
    assert (table.demands == "all").all()
    assert table.marginal_cost.loc[0.95] == pytest.approx(100, rel=1e-9)  # d alone binds
    assert table.marginal_cost.loc[0.97] == pytest.approx(100 + 125, rel=1e-9)  # both bind
    assert table.slope_left.loc[0.97] == pytest.approx(225) and table.slope_right.loc[0.97] == pytest.approx(225)
    assert table.dual_check.loc[0.97] == "equal"
    kink = table.loc[0.96]  # e starts to bind: slopes 100 then 225
    assert kink.slope_left == pytest.approx(100) and kink.slope_right == pytest.approx(225)
    assert 100 - 1e-9 <= kink.marginal_cost <= 225 + 1e-9 and kink.dual_consistent


def test_unmet_units_make_the_curve_non_convex_and_are_not_compared():
    # d may go unserved at 30 EUR a unit. Below 5 h no route meets the target, so nothing is served:
    # 3,000 EUR at 3 h and at 4 h (flat), then 2,000 at 5 h and 1,950 at 6 h: slopes 0, then 1,000 and
    # 50 EUR per hour. Not convex, so the dual at 4 h (0: nothing served) is not held to the slopes.
    text = ROUTES.replace("max_mean_response_time: 30}", "max_mean_response_time: 30, unmet_penalty: 30}")
    table = frontier(scenario_from_text(text), "max_mean_response_time", [3, 4, 5, 6], demands=["d"])
    assert table.total_cost.tolist() == pytest.approx([3000 + E_COST, 3000 + E_COST, 2000 + E_COST, 1950 + E_COST])
    assert table.unmet.tolist() == pytest.approx([100, 100, 0, 0])
    assert table.slope_right.tolist()[:3] == pytest.approx([0, 1000, 50])
    assert table.marginal_cost.tolist() == pytest.approx([0, 0, 50, 50])
    assert table.dual_check.tolist() == ["backlog/unmet", "backlog/unmet", "equal", "equal"]
    assert "mismatch" not in table.dual_check.tolist()


def test_points_cost_what_a_solve_from_scratch_costs():
    scenario = scenario_from_text(ROUTES)
    table = frontier(scenario, "min_quality", [0.93, 0.97], demands=["d"])
    for q, cost in zip(table.target, table.total_cost, strict=True):
        assert optimise(variant(scenario, "min_quality", ["d"], q)).objective == pytest.approx(cost, rel=1e-9)


# --- a real scenario ---------------------------------------------------------------------------------


def test_appliance_co_marginal_costs_match_the_slopes_where_the_basis_holds():
    # Three periods: the target moves three quality rows at once, so the basis range is the joint one.
    scenario = load_scenario(APPLIANCE_FILE)
    values = parse_vary("min_quality=0.9645:0.9665:0.0002")[1]
    table = frontier(scenario, "min_quality", values, demands=["retail_orders"])
    assert table.status.eq("optimal").all()
    assert table.dual_consistent.all()
    held = table[table.basis_unchanged_to_next.fillna(False)]
    assert len(held) >= 4
    assert held.marginal_cost.to_numpy() == pytest.approx(held.slope_right.to_numpy(), rel=1e-6)
    assert table.total_cost.iat[5] == pytest.approx(
        optimise(variant(scenario, "min_quality", ["retail_orders"], table.target.iat[5])).objective, rel=1e-9
    )
