"""One tiny scenario per constraint family of model.md, built so that the family binds and the optimum
can be worked out by hand (the calculation is in each test's comment). Every solve also goes through
helpers.check_invariants.

Conventions in the hand calculations: the origin node is a plain node (its only mode is itself, cost
0, quality 1, time 0 unless stated), so it adds nothing; a role's cost per unit is
cost_per_fte / (hours_per_fte * max_utilisation) * hours_per_unit.
"""

from __future__ import annotations

import pytest
from helpers import assert_no_tables, binding, check_invariants, flow, kpi, scenario_from_text, solve_text, staff, units

from model.optimise import optimise

approx = lambda x: pytest.approx(x, rel=1e-6, abs=1e-6)  # noqa: E731


def head(periods: int = 1, period_length: float = 100) -> str:
    return f"""
scenario: {{name: case, currency: EUR, time_unit: hour, period_length: {period_length}, periods: {periods}}}
"""


# --- 1. pass-through and routing ---------------------------------------------------------------------

ROUTING = (
    head()
    + """
stages: [a, b, c]
nodes:
  src: {stage: a}
  m1:  {stage: b, unit_cost: 3}
  m2:  {stage: b, unit_cost: 1}
  m3:  {stage: b}
  out: {stage: c, unit_cost: 0.5}
arcs:
  - {from: src, to: m1, cost: 1}
  - {from: src, to: m2, cost: 4}
  - {from: src, to: m3, cost: 10}
  - {from: m1, to: out, cost: 2}
  - {from: m2, to: out, cost: 2}
  - {from: m3, to: out, cost: 0}
demands:
  d: {origin: src, sinks: [out], volume: 100}
"""
)


def test_routing_takes_the_cheapest_path(tmp_path):
    # Per unit: via m1 1 + 3 + 2 = 6; via m2 4 + 1 + 2 = 7; via m3 10 + 0 + 0 = 10; plus 0.5 at out.
    # 100 units * (6 + 0.5) = 650, all through m1.
    out = solve_text(ROUTING, tmp_path)
    assert out.objective == approx(650)
    assert flow(out, "src", "m1") == approx(100)
    assert flow(out, "m1", "out") == approx(100)
    assert flow(out, "src", "m2") == approx(0)
    assert flow(out, "src", "m3") == approx(0)
    assert units(out, "out") == approx(100)
    assert kpi(out, "served", "d") == approx(100)


SINK_CHOICE = (
    head()
    + """
stages: [a, b, c]
nodes:
  src: {stage: a}
  hub: {stage: b, unit_cost: 2}
  near: {stage: b, unit_cost: 9}
  far: {stage: c, unit_cost: 1}
arcs:
  - {from: src, to: hub, cost: 1}
  - {from: src, to: near, cost: 0.5}
  - {from: hub, to: far, cost: 3}
demands:
  d: {origin: src, sinks: [near, far], volume: 40}
"""
)


def test_scenario_without_roles_solves():
    # Regression: a scenario where no node has `work` (empty staff table) once made optimise raise
    # TypeError (np.isnan on an object column in model/lp/variables.py). It must return the optimum.
    scenario = scenario_from_text(ROUTING)
    out = optimise(scenario)
    assert out.status == "optimal", out.message
    assert out.objective == approx(650)
    check_invariants(out, scenario)


def test_pass_through_at_an_intermediate_sink():
    # Two sinks: `near` (0.5 + 9 = 9.5 per unit) and `far` through hub (1 + 2 + 3 + 1 = 7 per unit).
    # All 40 go to far: 280; nothing is fulfilled at near.
    out = solve_text(SINK_CHOICE)
    assert out.objective == approx(280)
    assert flow(out, "hub", "far") == approx(40)
    assert units(out, "near") == approx(0)


# --- 2. work split across roles ------------------------------------------------------------------------

ROLES = (
    head()
    + """
stages: [a, b]
roles:
  senior: {cost_per_fte: 7000, hours_per_fte: 140}
  junior: {cost_per_fte: 3500, hours_per_fte: 140}
nodes:
  src: {stage: a}
  team:
    stage: b
    work:
      senior: {hours_per_unit: 2, quality: 0.99}
      junior: {hours_per_unit: 2.5, quality: 0.90}
arcs:
  - {from: src, to: team}
demands:
  d: {origin: src, sinks: [team], volume: 300, min_quality: 0.96}
"""
)


def test_work_split_across_roles_for_quality():
    # Per unit: senior 7000/140*2 = 100, junior 3500/140*2.5 = 62.5. Quality: with a senior share f,
    # defects 0.01 f + 0.10 (1 - f) <= 0.04  =>  f >= 2/3. So senior 200 units, junior 100:
    # 200*100 + 100*62.5 = 26250. FTE: senior 400 h / 140 = 2.857142..., junior 250 h / 140 = 1.785714...
    out = solve_text(ROLES)
    assert out.objective == approx(26250)
    assert units(out, "team", mode="senior") == approx(200)
    assert units(out, "team", mode="junior") == approx(100)
    assert staff(out, "fte", "team", "senior") == approx(400 / 140)
    assert staff(out, "fte", "team", "junior") == approx(250 / 140)
    assert staff(out, "hours_used", "team", "junior") == approx(250)
    assert kpi(out, "quality", "d") == approx(0.96)
    assert binding(out, "quality_target", "demand=d")


# --- 3. labour capacity with max_utilisation < 1 ----------------------------------------------------------

UTILISATION = (
    head()
    + """
stages: [a, b]
roles:
  tech: {cost_per_fte: 4000, hours_per_fte: 160}
nodes:
  src: {stage: a}
  team:
    stage: b
    max_utilisation: 0.8
    work: {tech: {hours_per_unit: 2}}
  vendor: {stage: b, unit_cost: 70}
arcs:
  - {from: src, to: team}
  - {from: src, to: vendor}
demands:
  d: {origin: src, sinks: [team, vendor], volume: 100}
"""
)


def test_labour_capacity_with_max_utilisation():
    # In-house per unit: 4000 / (160 * 0.8) * 2 = 62.5 < vendor 70, so all 100 units in-house:
    # hours 200, FTE = 200 / (160 * 0.8) = 1.5625, cost 1.5625 * 4000 = 6250.
    out = solve_text(UTILISATION)
    assert out.objective == approx(6250)
    assert staff(out, "fte", "team", "tech") == approx(1.5625)
    assert staff(out, "hours_used", "team", "tech") == approx(200)
    assert staff(out, "hours_available", "team", "tech") == approx(200)  # rho * H * s = 0.8 * 160 * 1.5625
    assert staff(out, "utilisation", "team", "tech") == approx(1.0)
    assert flow(out, "src", "vendor") == approx(0)
    assert binding(out, "labour_capacity", "node=team")


# --- 4. overtime ----------------------------------------------------------------------------------------

OVERTIME = (
    head()
    + """
stages: [a, b]
roles:
  tech: {cost_per_fte: 4200, hours_per_fte: 140, overtime: {max_hours_per_fte: 20, cost_per_hour: 40}}
nodes:
  src: {stage: a}
  team:
    stage: b
    max_utilisation: {rho}
    work: {tech: {hours_per_unit: 1}}
    staff: {tech: {max: 5}}
  vendor: {stage: b, unit_cost: 60}
arcs:
  - {from: src, to: team}
  - {from: src, to: vendor}
demands:
  d: {origin: src, sinks: [team, vendor], volume: 900}
"""
)


def test_overtime_limit_binds_at_the_staff_maximum():
    # Regular hour 4200/140 = 30, overtime hour 40, vendor 60 per unit (1 h per unit in-house).
    # Staff capped at 5 FTE: 700 regular h; overtime <= 20 * 5 = 100 h, cheaper than the vendor, so all
    # of it is used (o <= OT s binds); the last 900 - 800 = 100 units go to the vendor.
    # 5 * 4200 + 100 * 40 + 100 * 60 = 21000 + 4000 + 6000 = 31000.
    out = solve_text(OVERTIME.replace("{rho}", "1"))
    assert out.objective == approx(31000)
    assert staff(out, "fte", "team", "tech") == approx(5)
    assert staff(out, "overtime_hours", "team", "tech") == approx(100)
    assert flow(out, "src", "vendor") == approx(100)
    assert binding(out, "overtime_limit", "node=team")


def test_overtime_counts_under_max_utilisation():
    # As above with max_utilisation 0.8: hours available 0.8 * (140 * 5 + o), o <= 100, so in-house
    # does at most 0.8 * 800 = 640 units; per in-house unit: overtime 40 / 0.8 = 50 < vendor 60.
    # 21000 + 100 * 40 + (900 - 640) * 60 = 21000 + 4000 + 15600 = 40600.
    out = solve_text(OVERTIME.replace("{rho}", "0.8"))
    assert out.objective == approx(40600)
    assert staff(out, "overtime_hours", "team", "tech") == approx(100)
    assert units(out, "team") == approx(640)
    assert staff(out, "hours_available", "team", "tech") == approx(640)


OVERTIME_INTEGER = (
    head()
    + """
stages: [a, b]
roles:
  tech: {cost_per_fte: 4200, hours_per_fte: 140, overtime: {max_hours_per_fte: 20, cost_per_hour: 40}}
nodes:
  src: {stage: a}
  team:
    stage: b
    work: {tech: {hours_per_unit: 1}}
arcs:
  - {from: src, to: team}
demands:
  d: {origin: src, sinks: [team], volume: 705}
solver: {integer_staff: true}
"""
)


def test_overtime_is_cheaper_than_a_whole_extra_fte():
    # 705 h of work, whole FTE (from the scenario's `solver: integer_staff: true`): 5 FTE give 700 h,
    # and 5 overtime hours (<= 20 * 5) cost 5 * 40 = 200, against 4200 for a 6th FTE.
    # 5 * 4200 + 200 = 21200.  (As an LP it would be 705/140 FTE = 21150, no overtime: 40 > 30 per h.)
    out = solve_text(OVERTIME_INTEGER)
    assert out.objective == approx(21200)
    assert staff(out, "fte", "team", "tech") == approx(5)
    assert staff(out, "overtime_hours", "team", "tech") == approx(5)
    relaxed = solve_text(OVERTIME_INTEGER, integer_staff=False)
    assert relaxed.objective == approx(705 / 140 * 4200)
    assert staff(relaxed, "overtime_hours", "team", "tech") == approx(0)


# --- 5. staff bounds -----------------------------------------------------------------------------------

STAFF_BOUNDS = (
    head()
    + """
stages: [a, b]
roles:
  tech: {cost_per_fte: {cost}, hours_per_fte: 140}
nodes:
  src: {stage: a}
  team:
    stage: b
    work: {tech: {hours_per_unit: 1}}
    staff: {tech: {bounds}}
  vendor: {stage: b, unit_cost: {vendor}}
arcs:
  - {from: src, to: team}
  - {from: src, to: vendor}
demands:
  d: {origin: src, sinks: [team, vendor], volume: {volume}}
"""
)


def staff_bounds_case(cost, bounds, vendor, volume):
    return (
        STAFF_BOUNDS.replace("{cost}", str(cost))
        .replace("{bounds}", bounds)
        .replace("{vendor}", str(vendor))
        .replace("{volume}", str(volume))
    )


def test_staff_min_forces_idle_cost():
    # Team per unit 5000/140 = 35.7 > vendor 20, but min 3 FTE are paid anyway (15000) and give 420 h,
    # so the 100 units cost nothing more in-house: 15000, vendor unused, utilisation 100/420.
    out = solve_text(staff_bounds_case(5000, "{min: 3}", 20, 100))
    assert out.objective == approx(15000)
    assert staff(out, "fte", "team", "tech") == approx(3)
    assert staff(out, "utilisation", "team", "tech") == approx(100 / 420)
    assert flow(out, "src", "vendor") == approx(0)


def test_staff_min_then_vendor_beyond_its_hours():
    # Same min 3 FTE (15000, 420 h), volume 500: 420 units in-house at no extra cost, and the other 80 at
    # the vendor (20) rather than on more FTE (35.7 per unit): 15000 + 80 * 20 = 16600.
    out = solve_text(staff_bounds_case(5000, "{min: 3}", 20, 500))
    assert out.objective == approx(16600)
    assert staff(out, "fte", "team", "tech") == approx(3)
    assert flow(out, "src", "vendor") == approx(80)


def test_staff_max_forces_routing_to_a_dearer_vendor():
    # Team per unit 4200/140 = 30 < vendor 50; max 2 FTE = 280 h = 280 units; 120 to the vendor.
    # 2 * 4200 + 120 * 50 = 8400 + 6000 = 14400.
    out = solve_text(staff_bounds_case(4200, "{max: 2}", 50, 400))
    assert out.objective == approx(14400)
    assert staff(out, "fte", "team", "tech") == approx(2)
    assert flow(out, "src", "vendor") == approx(120)
    assert flow(out, "src", "team") == approx(280)


# --- 6. node and arc capacity --------------------------------------------------------------------------

CAPACITY = (
    head()
    + """
stages: [a, b]
nodes:
  src: {stage: a}
  cheap: {stage: b, unit_cost: 10, capacity: 60}
  mid: {stage: b, unit_cost: 15}
  dear: {stage: b, unit_cost: 40}
arcs:
  - {from: src, to: cheap}
  - {from: src, to: mid, capacity: 30}
  - {from: src, to: dear}
demands:
  d: {origin: src, sinks: [cheap, mid, dear], volume: 100}
"""
)


def test_node_and_arc_capacity_bind():
    # cheap (10) is full at its node capacity 60, mid (15) at its arc capacity 30, the last 10 go to
    # dear (40): 600 + 450 + 400 = 1450.
    out = solve_text(CAPACITY)
    assert out.objective == approx(1450)
    assert units(out, "cheap") == approx(60)
    assert flow(out, "src", "mid") == approx(30)
    assert flow(out, "src", "dear") == approx(10)
    assert binding(out, "node_capacity_limit", "node=cheap")
    assert binding(out, "arc_capacity_limit", "arc=src->mid")


# --- 7. quality target --------------------------------------------------------------------------------

QUALITY = (
    head()
    + """
stages: [a, b, c]
nodes:
  src: {stage: a}
  prep: {stage: b, quality: {prep}}
  good: {stage: c, unit_cost: 30, quality: 0.99}
  poor: {stage: c, unit_cost: 10, quality: 0.90}
arcs:
  - {from: src, to: prep}
  - {from: prep, to: good}
  - {from: prep, to: poor}
demands:
  d: {origin: src, sinks: [good, poor], volume: 90, min_quality: 0.95}
"""
)


@pytest.mark.parametrize(
    "prep, good, cost",
    [
        # prep perfect: 0.01 f + 0.10 (1 - f) <= 0.05  =>  f = 5/9: good 50, poor 40: 1500 + 400 = 1900.
        (1.0, 50, 1900),
        # prep 0.98 uses 0.02 of the 0.05 budget (defects add up along the path):
        # 0.02 + 0.01 f + 0.10 (1 - f) <= 0.05  =>  f = 7/9: good 70, poor 20: 2100 + 200 = 2300.
        (0.98, 70, 2300),
    ],
)
def test_quality_target_splits_good_and_poor(prep, good, cost):
    out = solve_text(QUALITY.replace("{prep}", str(prep)))
    assert out.objective == approx(cost)
    assert units(out, "good") == approx(good)
    assert units(out, "poor") == approx(90 - good)
    assert kpi(out, "quality", "d") == approx(0.95)
    assert binding(out, "quality_target", "demand=d")


# --- 8. response-time target --------------------------------------------------------------------------

RESPONSE = (
    head()
    + """
stages: [a, b]
nodes:
  src: {stage: a, wait_time: 2}
  fast: {stage: b, unit_cost: 20, processing_time: 2, wait_time: 1}
  slow: {stage: b, unit_cost: 5, processing_time: 20, wait_time: 4}
arcs:
  - {from: src, to: fast, lead_time: 1}
  - {from: src, to: slow, lead_time: 6}
demands:
  d: {origin: src, sinks: [fast, slow], volume: 130, max_mean_response_time: 12}
"""
)


def test_response_time_target_with_lead_and_wait_times():
    # Every unit waits 2 at the origin. Fast path 1 (lead) + 2 + 1 = 4, slow path 6 + 20 + 4 = 30.
    # 2 + 4 f + 30 (1 - f) <= 12  =>  26 f >= 20  =>  f = 10/13: fast 100, slow 30.
    # 100 * 20 + 30 * 5 = 2150; average time (130*2 + 100*4 + 30*30) / 130 = 12.
    out = solve_text(RESPONSE)
    assert out.objective == approx(2150)
    assert flow(out, "src", "fast") == approx(100)
    assert flow(out, "src", "slow") == approx(30)
    assert kpi(out, "mean_response_time", "d") == approx(12)
    assert binding(out, "response_time_target", "demand=d")


# --- 9. stock at a storable node ------------------------------------------------------------------------

STOCK = (
    head(periods=3)
    + """
stages: [a, b]
nodes:
  src: {stage: a}
  plant: {stage: b, unit_cost: 10, capacity: 50, stock: {holding_cost: 2, initial: 10, final_min: 5}}
  vendor: {stage: b, unit_cost: 30}
arcs:
  - {from: src, to: plant}
  - {from: src, to: vendor}
demands:
  d: {origin: src, sinks: [plant, vendor], volume: [30, 70, 40]}
"""
)


def test_stock_builds_ahead_of_a_peak():
    # Making a unit a period ahead costs 10 + 2 < vendor 30, so the plant fills every order.
    # Production y_t <= 50; k_t = k_{t-1} + y_t - orders_t, k_0 = 10, k_3 >= 5.
    # Total production = 140 + 5 - 10 = 135 (1350). P2 needs 70 > 50, so k_1 >= 20: y_1 = 40, k_1 = 20,
    # y_2 = 50, k_2 = 0, y_3 = 45, k_3 = 5. Holding 2 * (20 + 0 + 5) = 50. Total 1400.
    out = solve_text(STOCK)
    assert out.objective == approx(1400)
    assert [units(out, "plant", p) for p in ("P1", "P2", "P3")] == [approx(40), approx(50), approx(45)]
    assert [flow(out, "src", "plant", p) for p in ("P1", "P2", "P3")] == [approx(30), approx(70), approx(40)]
    holding = out.tables["costs"]
    holding = holding[holding.category == "holding"].set_index("period").amount
    assert holding.get("P1", 0) == approx(40)  # k_1 = 20
    assert holding.get("P2", 0) == approx(0)
    assert holding.get("P3", 0) == approx(10)  # k_3 = 5 = final_min
    assert binding(out, "node_capacity_limit", "node=plant", "P2")


STOCK_TIME = (
    head()
    + """
stages: [a, b]
roles:
  tech: {cost_per_fte: 1000, hours_per_fte: 100}
nodes:
  src: {stage: a}
  plant:
    stage: b
    processing_time: 3
    wait_time: 1
    work: {tech: {hours_per_unit: 1, processing_time: 50}}
    stock: {holding_cost: 1, initial: 100}
arcs:
  - {from: src, to: plant, lead_time: 2}
demands:
  d: {origin: src, sinks: [plant], volume: 150, max_mean_response_time: 6}
"""
)


def test_storable_node_times_orders_with_its_own_processing_time():
    # Orders at a storable node count the node's own time (3 + 1) per order, not the mode's 50:
    # 2 (lead) + 4 = 6 <= 6 (binding). 100 from stock, 50 made: 50 h = 0.5 FTE = 500; no stock left.
    out = solve_text(STOCK_TIME)
    assert out.objective == approx(500)
    assert units(out, "plant") == approx(50)
    assert staff(out, "fte", "plant", "tech") == approx(0.5)
    assert kpi(out, "mean_response_time", "d") == approx(6)


# --- 10. backlog and unmet demand ----------------------------------------------------------------------

BACKLOG = (
    head(periods=2, period_length=100)
    + """
stages: [a, b]
nodes:
  src: {stage: a}
  plant: {stage: b, unit_cost: 10, capacity: 60, processing_time: 10}
  vendor: {stage: b, unit_cost: 40, processing_time: 10}
arcs:
  - {from: src, to: plant}
  - {from: src, to: vendor}
demands:
  d: {origin: src, sinks: [plant, vendor], volume: [100, 20], backlog_cost: 5{target}}
"""
)


def test_backlog_carries_a_peak():
    # Backlogging a unit costs 5 and the plant 10 next period (15) < vendor 40. P1: plant 60, backlog 40;
    # P2: 20 + 40 = 60 at the plant (capacity 60). 120 * 10 + 40 * 5 = 1400.
    out = solve_text(BACKLOG.replace("{target}", ""))
    assert out.objective == approx(1400)
    assert kpi(out, "backlog", "d", "P1") == approx(40)
    assert kpi(out, "served", "d", "P1") == approx(60)
    assert kpi(out, "served", "d", "P2") == approx(60)
    assert kpi(out, "backlog", "d", "P2") == approx(0)
    assert flow(out, "src", "vendor", "P1") == approx(0)


def test_backlog_limited_by_response_time():
    # Each backlogged unit adds L = period_length = 100 to the P1 time. With target 30 and 10 per unit:
    # 10 s_1 + 100 b <= 30 s_1, s_1 = 100 - b  =>  120 b <= 2000  =>  b = 50/3 (each backlogged unit saves
    # 40 - 15 = 25, so b is as large as allowed). s_1 = 250/3: plant 60, vendor 70/3; s_2 = 110/3 at the plant.
    # 10 * (60 + 110/3) + 40 * 70/3 + 5 * 50/3 = 600 + 4150/3 = 1983.333...
    out = solve_text(BACKLOG.replace("{target}", ", max_mean_response_time: 30"))
    assert out.objective == approx(600 + 4150 / 3)
    assert kpi(out, "backlog", "d", "P1") == approx(50 / 3)
    assert flow(out, "src", "vendor", "P1") == approx(70 / 3)
    assert kpi(out, "served", "d", "P2") == approx(110 / 3)
    assert kpi(out, "mean_response_time", "d", "P1") == approx(30)
    assert binding(out, "response_time_target", "demand=d", "P1")


UNMET = (
    head()
    + """
stages: [a, b]
nodes:
  src: {stage: a}
  plant: {stage: b, unit_cost: 10, capacity: 60}
  vendor: {stage: b, unit_cost: 50}
arcs:
  - {from: src, to: plant}
  - {from: src, to: vendor}
demands:
  d: {origin: src, sinks: [plant, vendor], volume: 100, unmet_penalty: 30, min_quality: 0.9}
"""
)


def test_unmet_penalty_cheaper_than_serving():
    # Plant 60 at 10; the other 40 would cost 50 at the vendor, the penalty is 30: 600 + 40 * 30 = 1800.
    out = solve_text(UNMET)
    assert out.objective == approx(1800)
    assert kpi(out, "unmet", "d") == approx(40)
    assert kpi(out, "served", "d") == approx(60)
    assert flow(out, "src", "vendor") == approx(0)


# --- integer staffing ---------------------------------------------------------------------------------

TINY = (
    head(period_length=730)
    + """
stages: [market, service]
roles:
  technician: {cost_per_fte: 5200, hours_per_fte: 140}
nodes:
  call_centre: {stage: market}
  service_team:
    stage: service
    wait_time: 6
    work:
      technician: {hours_per_unit: 1.5, quality: 0.98, processing_time: 2}
  vendor: {stage: service, unit_cost: 50, quality: 0.93, processing_time: 30, capacity: 800}
arcs:
  - {from: call_centre, to: service_team}
  - {from: call_centre, to: vendor, cost: 2, lead_time: 4}
demands:
  repairs: {origin: call_centre, sinks: [service_team, vendor], volume: 1000, min_quality: 0.95,
            max_mean_response_time: 24}
"""
)


def test_integer_staff_rounds_up(tmp_path):
    # LP: the vendor (52 per unit) is cheaper than in-house (1.5 * 5200 / 140 = 55.71), but quality
    # 0.07 f + 0.02 (1 - f) <= 0.05 caps the vendor share at 0.6: in-house 400 units = 600 h = 4.2857 FTE.
    # 600 * 52 + 4.2857 * 5200 = 31200 + 22285.71 = 53485.714...
    # Whole FTE: 4 FTE give 560 h = 373.3 units < 400 (infeasible), so 5 FTE (26000) giving 700 h =
    # 466.67 units in-house at no extra cost, vendor 533.33 * 52 = 27733.33: 53733.333...
    # (Response time: (466.67 * 8 + 533.33 * 34) / 1000 = 21.9 <= 24, slack.)
    relaxed = solve_text(TINY, tmp_path)
    assert relaxed.objective == approx(600 * 52 + 600 / 140 * 5200)
    assert staff(relaxed, "fte", "service_team", "technician") == approx(600 / 140)
    whole = solve_text(TINY, tmp_path, integer_staff=True)
    assert whole.objective == approx(26000 + (1000 - 700 / 1.5) * 52)
    assert staff(whole, "fte", "service_team", "technician") == approx(5)
    assert units(whole, "service_team") == approx(700 / 1.5)
    assert flow(whole, "call_centre", "vendor") == approx(1000 - 700 / 1.5)


# --- infeasible cases -----------------------------------------------------------------------------------

INFEASIBLE_QUALITY = (
    head()
    + """
stages: [a, b]
nodes:
  src: {stage: a}
  v1: {stage: b, unit_cost: 1, quality: 0.9}
  v2: {stage: b, unit_cost: 2, quality: 0.95}
arcs:
  - {from: src, to: v1}
  - {from: src, to: v2}
demands:
  d: {origin: src, sinks: [v1, v2], volume: 10, min_quality: 0.99}
"""
)

INFEASIBLE_CAPACITY = (
    head()
    + """
stages: [a, b]
nodes:
  src: {stage: a}
  v1: {stage: b, unit_cost: 1, capacity: 30}
  v2: {stage: b, unit_cost: 2}
arcs:
  - {from: src, to: v1}
  - {from: src, to: v2, capacity: 50}
demands:
  d: {origin: src, sinks: [v1, v2], volume: 100}
"""
)

INFEASIBLE_TIME = (
    head()
    + """
stages: [a, b]
nodes:
  src: {stage: a}
  v1: {stage: b, processing_time: 10}
arcs:
  - {from: src, to: v1, lead_time: 1}
demands:
  d: {origin: src, sinks: [v1], volume: 10, max_mean_response_time: 10}
"""
)

INFEASIBLE_STAFF = (
    head()
    + """
stages: [a, b]
roles:
  tech: {cost_per_fte: 1, hours_per_fte: 100}
nodes:
  src: {stage: a}
  team: {stage: b, work: {tech: {hours_per_unit: 1}}, staff: {tech: {max: 2}}}
arcs:
  - {from: src, to: team}
demands:
  d: {origin: src, sinks: [team], volume: 201}
"""
)


@pytest.mark.parametrize(
    "text",
    [INFEASIBLE_QUALITY, INFEASIBLE_CAPACITY, INFEASIBLE_TIME, INFEASIBLE_STAFF],
    ids=["quality", "capacity", "response_time", "staff_max"],
)
def test_infeasible_reports_status_and_no_tables(text):
    # quality: the best mode reaches 0.95 < 0.99; capacity: at most 30 + 50 = 80 < 100 units;
    # response time: every unit takes 1 + 10 = 11 > 10; staff: 2 FTE * 100 h = 200 h < 201 h.
    out = solve_text(text, expect=None)
    assert out.status == "infeasible", out.message
    assert out.objective is None
    assert_no_tables(out)


# --- more interactions, each by hand -------------------------------------------------------------------

QUALITY_UNMET = (
    head()
    + """
stages: [a, b]
nodes:
  src: {stage: a}
  good: {stage: b, unit_cost: 30, quality: 0.99}
  poor: {stage: b, unit_cost: 10, quality: 0.90}
arcs:
  - {from: src, to: good}
  - {from: src, to: poor}
demands:
  d: {origin: src, sinks: [good, poor], volume: 90, min_quality: 0.95, unmet_penalty: {penalty}}
"""
)


@pytest.mark.parametrize(
    "penalty, cost, unmet",
    [
        # Serving costs the quality mix 5/9 * 30 + 4/9 * 10 = 21.11 per unit (poor alone breaks the target,
        # and the target is on served units): a penalty of 15 leaves all 90 unmet (1350) ...
        (15, 1350, 90),
        # ... a penalty of 25 serves them all at 1900.
        (25, 1900, 0),
    ],
)
def test_quality_target_counts_served_units_only(penalty, cost, unmet):
    out = solve_text(QUALITY_UNMET.replace("{penalty}", str(penalty)))
    assert out.objective == approx(cost)
    assert kpi(out, "unmet", "d") == approx(unmet)


FIRST_PERIOD_FREE = (
    head(periods=2)
    + """
stages: [a, b]
roles:
  tech: {cost_per_fte: 4200, hours_per_fte: 140, hire_cost: 1000, layoff_cost: 1000}
nodes:
  src: {stage: a}
  team: {stage: b, work: {tech: {hours_per_unit: 1}}}
  vendor: {stage: b, unit_cost: 50}
arcs:
  - {from: src, to: team}
  - {from: src, to: vendor}
demands:
  d: {origin: src, sinks: [team, vendor], volume: [280, 560]}
"""
)


def test_first_period_staff_is_free_without_initial():
    # No `initial`: P1's 2 FTE come without a hire cost. P2 needs 4 FTE: 2 hires (1000 each); per unit
    # 30 + 1000/140 = 37.1 < vendor 50. 2 * 4200 + 4 * 4200 + 2 * 1000 = 27200.
    out = solve_text(FIRST_PERIOD_FREE)
    assert out.objective == approx(27200)
    assert staff(out, "fte", "team", "tech", "P1") == approx(2)
    assert staff(out, "hires", "team", "tech", "P1") == approx(0)
    assert staff(out, "hires", "team", "tech", "P2") == approx(2)


STOCK_PER_DEMAND = (
    head()
    + """
stages: [a, b]
nodes:
  src: {stage: a}
  plant: {stage: b, unit_cost: 5, stock: {holding_cost: 1, initial: {da: 20}}}
arcs:
  - {from: src, to: plant}
demands:
  da: {origin: src, sinks: [plant], volume: 10}
  db: {origin: src, sinks: [plant], volume: 30}
"""
)


def test_stock_is_kept_per_demand():
    # da's 20 units in stock serve only da: da takes 10 from stock and 10 stay (holding 10);
    # db's 30 are made (150). 160. (Pooled stock would give 100.)
    out = solve_text(STOCK_PER_DEMAND)
    assert out.objective == approx(160)
    assert units(out, "plant", demand="da") == approx(0)
    assert units(out, "plant", demand="db") == approx(30)


SHARED = (
    head()
    + """
stages: [a, b, c]
roles:
  tech: {cost_per_fte: 4200, hours_per_fte: 140}
nodes:
  o1: {stage: a}
  o2: {stage: a}
  team: {stage: b, work: {tech: {hours_per_unit: 1}}, staff: {tech: {max: 2}}}
  vendor: {stage: b, unit_cost: 50}
  near: {stage: c}
  far: {stage: c, unit_cost: 10}
arcs:
  - {from: o1, to: team}
  - {from: o2, to: team}
  - {from: o1, to: vendor}
  - {from: o2, to: vendor}
  - {from: team, to: near, capacity: 200}
  - {from: team, to: far}
  - {from: vendor, to: far}
demands:
  da: {origin: o1, sinks: [near, far], volume: 100}
  db: {origin: o2, sinks: [near, far], volume: 250}
"""
)


def test_labour_and_arc_capacity_shared_by_demands_from_two_origins():
    # One labour pool of 2 FTE = 280 h for both demands (350 units): 70 go to the vendor (50, then far 10).
    # The team's 280 units share the arc to `near` (capacity 200): 80 go on to far (10).
    # 2 * 4200 + 70 * (50 + 10) + 80 * 10 = 8400 + 4200 + 800 = 13400.
    out = solve_text(SHARED)
    assert out.objective == approx(13400)
    assert staff(out, "hours_used", "team", "tech") == approx(280)
    assert flow(out, "team", "near") == approx(200)
    assert flow(out, "o1", "vendor") + flow(out, "o2", "vendor") == approx(70)


STORABLE_ORIGIN = (
    head()
    + """
stages: [a, b]
nodes:
  plant: {stage: a, processing_time: 4, wait_time: 1, stock: {holding_cost: 0}}
  fast: {stage: b, unit_cost: 20}
  slow: {stage: b, unit_cost: 5}
arcs:
  - {from: plant, to: fast, lead_time: 1}
  - {from: plant, to: slow, lead_time: 10}
demands:
  d: {origin: plant, sinks: [fast, slow], volume: 90, max_mean_response_time: 8}
"""
)


def test_response_time_at_a_storable_origin():
    # Every order takes the storable origin's 4 + 1 = 5, then lead 1 (fast) or 10 (slow):
    # 5 + f + 10 (1 - f) <= 8  =>  f = 7/9: fast 70, slow 20: 1400 + 100 = 1500.
    out = solve_text(STORABLE_ORIGIN)
    assert out.objective == approx(1500)
    assert flow(out, "plant", "fast") == approx(70)
    assert kpi(out, "mean_response_time", "d") == approx(8)


FINAL_BACKLOG = (
    head()
    + """
stages: [a, b]
nodes:
  src: {stage: a}
  plant: {stage: b, unit_cost: 10, capacity: 60}
  vendor: {stage: b, unit_cost: 40}
arcs:
  - {from: src, to: plant}
  - {from: src, to: vendor}
demands:
  d: {origin: src, sinks: [plant, vendor], volume: 100, backlog_cost: 5, final_backlog: 25}
"""
)


def test_final_backlog_allowance():
    # One period: 60 at the plant (600); 25 may stay in backlog at the end (5 each: 125); 15 to the
    # vendor (600). 1325.
    out = solve_text(FINAL_BACKLOG)
    assert out.objective == approx(1325)
    assert kpi(out, "backlog", "d") == approx(25)
    assert flow(out, "src", "vendor") == approx(15)


STAGED = (
    head()
    + """
stages: [a, b, c]
nodes:
  src: {stage: a}
  cheap: {stage: b}
  dear: {stage: b, unit_cost: 7}
  out: {stage: c}
arcs:
  - {from: src, to: cheap}
  - {from: cheap, to: out}
  - {from: src, to: dear}
  - {from: dear, to: out}
  - {from: src, to: out, cost: 4}
demands:
  free: {origin: src, sinks: [out], volume: 10}
  direct: {origin: src, sinks: [out], volume: 10, stages: [a, c]}
"""
)


def test_demand_stages_restrict_the_path():
    # `free` goes src -> cheap -> out at 0; `direct` may only use arcs from stage a straight to c: 4 each.
    out = solve_text(STAGED)
    assert out.objective == approx(40)
    assert flow(out, "src", "out", demand="direct") == approx(10)
    assert flow(out, "src", "cheap", demand="free") == approx(10)


MAKE_TO_ORDER = (
    head()
    + """
stages: [a, b]
roles:
  worker: {cost_per_fte: 1000, hours_per_fte: 100}
nodes:
  src: {stage: a}
  plant:
    stage: b
    processing_time: 1
    work:
      worker: {hours_per_unit: 1, processing_time: 20}
    stock: {demands: [mts], holding_cost: 1}
arcs:
  - {from: src, to: plant}
demands:
  mts: {origin: src, sinks: [plant], volume: 10, max_mean_response_time: {mts_target}}
  mto: {origin: src, sinks: [plant], volume: 10, max_mean_response_time: {mto_target}}
"""
)


def test_stock_demands_limits_who_is_timed_as_filled_from_stock():
    # mts may be held at plant: its orders take the node's own processing time, 1 h. mto may not: its
    # units take the worker's 20 h. Both need 10 units x 1 h = 20 h of work: 0.2 FTE x 1000 = 200.
    out = solve_text(MAKE_TO_ORDER.replace("{mts_target}", "50").replace("{mto_target}", "50"))
    assert out.objective == approx(200)
    assert kpi(out, "mean_response_time", "mts") == approx(1)
    assert kpi(out, "mean_response_time", "mto") == approx(20)
    # A 10 h promise is kept for the stocked demand but cannot be for the make-to-order one.
    assert solve_text(MAKE_TO_ORDER.replace("{mts_target}", "10").replace("{mto_target}", "50")).objective == approx(
        200
    )
    assert_no_tables(
        solve_text(MAKE_TO_ORDER.replace("{mts_target}", "50").replace("{mto_target}", "10"), expect="infeasible")
    )
