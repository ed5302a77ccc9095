"""Open, close and size the network (docs/model.md, Sites): hand-worked cases and a facility-location
case checked by enumerating every open set with a transportation LP of its own.

Each expected figure is worked out in the test's docstring or comments, or by the brute force below,
which builds its own small LP with highspy (not the model's LP, nor its families).
"""

from __future__ import annotations

import copy
import itertools
import json
import math

import highspy
import numpy as np
import pytest
from conftest import DATA, SITELOOP, scenario_from_data, scenario_from_text
from helpers import solve_data, solve_text, value

from model import load_scenario
from model.check import check_solution
from model.errors import ScenarioError
from model.lp import build
from model.network import index_sets
from model.optimise import optimise
from model.scenario.overrides import apply_overrides, parse_assignment
from model.solution import evaluate

# --- a facility-location case: 3 candidate plants x 3 customers ------------------------------------

FIXED = {"plant_a": 1000.0, "plant_b": 1500.0, "plant_c": 700.0}
CAPACITY = {"plant_a": 80.0, "plant_b": 120.0, "plant_c": 60.0}
VOLUME = {"c1": 50.0, "c2": 40.0, "c3": 30.0}
COST = {  # per unit from plant to customer
    ("plant_a", "c1"): 2.0,
    ("plant_a", "c2"): 6.0,
    ("plant_a", "c3"): 9.0,
    ("plant_b", "c1"): 7.0,
    ("plant_b", "c2"): 3.0,
    ("plant_b", "c3"): 4.0,
    ("plant_c", "c1"): 5.0,
    ("plant_c", "c2"): 8.0,
    ("plant_c", "c3"): 3.0,
}


def facility_data(**plant_fields: dict) -> dict:
    """orders -> plant (decided) -> customer; one demand per customer, served at its own node."""
    plants = {
        p: {
            "stage": "plant",
            "open": "decide",
            "fixed_cost": FIXED[p],
            "capacity": CAPACITY[p],
            **plant_fields.get(p, {}),
        }
        for p in FIXED
    }
    return {
        "scenario": {"name": "facility", "currency": "EUR", "period_length": 730},
        "stages": ["order", "plant", "customer"],
        "nodes": {"orders": {"stage": "order"}, **plants, **{c: {"stage": "customer"} for c in VOLUME}},
        "arcs": [{"from": "orders", "to": p} for p in FIXED]
        + [{"from": p, "to": c, "cost": cost} for (p, c), cost in COST.items()],
        "demands": {f"d_{c}": {"origin": "orders", "sinks": [c], "volume": v} for c, v in VOLUME.items()},
    }


def transport_cost(open_set: tuple[str, ...]) -> float:
    """The cheapest plan with exactly `open_set` open: the fixed costs plus a transportation LP, min sum
    c x over x[p,c] >= 0 with sum_p x[p,c] = V[c] and sum_c x[p,c] <= cap[p], solved with highspy
    directly (inf when the open plants cannot carry the volume)."""
    pairs = [(p, c) for p in open_set for c in VOLUME]
    if not pairs:
        return math.inf
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    for p, c in pairs:
        h.addVar(0.0, highspy.kHighsInf)
        h.changeColCost(len(h.getLp().col_cost_) - 1, COST[p, c])
    for c, volume in VOLUME.items():
        at = [i for i, (_, cc) in enumerate(pairs) if cc == c]
        h.addRow(volume, volume, len(at), np.array(at, dtype=np.int32), np.ones(len(at)))
    for p in open_set:
        at = [i for i, (pp, _) in enumerate(pairs) if pp == p]
        h.addRow(-highspy.kHighsInf, CAPACITY[p], len(at), np.array(at, dtype=np.int32), np.ones(len(at)))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return math.inf
    return sum(FIXED[p] for p in open_set) + h.getInfo().objective_function_value


def test_facility_location_matches_enumeration_of_every_open_set():
    """2^3 open sets, each priced by its own transportation LP: the cheapest is {plant_b} at
    1500 + 50 x 7 + 40 x 3 + 30 x 4 = 2,090 EUR ({a, c}: 1700 + 50 x 2 + 30 x 6 + 10 x 8 + 30 x 3 =
    2,150); the model opens exactly that set at that cost."""
    priced = {s: transport_cost(s) for k in range(4) for s in itertools.combinations(FIXED, k)}
    best = min(priced, key=priced.__getitem__)
    assert best == ("plant_b",) and priced[best] == pytest.approx(2090.0)
    outcome = solve_data(facility_data())
    assert outcome.objective == pytest.approx(priced[best], rel=1e-9)
    sites = outcome.tables["sites"]
    assert sorted(sites[sites.open].node) == list(best)
    assert outcome.solver["mip"] and outcome.solver["mip_gap"] <= 1e-4
    assert outcome.solver["mip_dual_bound"] == pytest.approx(2090.0, rel=1e-4)
    costs = outcome.tables["costs"]
    assert costs[costs.category == "fixed"].amount.sum() == pytest.approx(1500.0)
    assert outcome.tables["sensitivity"].basis.iloc[0] == "LP with site decisions fixed"


def test_the_shipped_plants_scenario_is_this_case():
    """data/plants.yaml is the case above: the same data, so the same enumerated optimum (2,090 EUR)."""
    shipped = load_scenario(DATA / "plants.yaml")
    assert (
        shipped.model_dump()
        == scenario_from_data(
            facility_data() | {"scenario": {"name": "plants", "currency": "EUR", "period_length": 730}}
        ).model_dump()
    )


def test_facility_location_with_every_open_set_forced_matches_enumeration():
    """The same brute force through the model itself: with open: always/never per subset, each solve
    costs what that subset's transportation LP does (infeasible where the capacity is too small)."""
    for k in range(4):
        for chosen in itertools.combinations(FIXED, k):
            fields = {p: {"open": "always" if p in chosen else "never"} for p in FIXED}
            expected = transport_cost(chosen)
            outcome = optimise(scenario_from_data(facility_data(**fields)), sensitivity=False)
            if math.isinf(expected):
                assert outcome.status == "infeasible", chosen
            else:
                assert outcome.status == "optimal" and outcome.objective == pytest.approx(expected), chosen


# --- small hand-worked cases ----------------------------------------------------------------------


def two_vendors(volume, vendor_a: dict, vendor_b: dict, periods: int = 1) -> dict:
    """intake -> vendor_a or vendor_b -> done; vendor_a costs 1 a unit, vendor_b 2 a unit (unless told)."""
    return {
        "scenario": {"name": "vendors", "currency": "EUR", "period_length": 730, "periods": periods},
        "stages": ["in", "work", "out"],
        "nodes": {
            "intake": {"stage": "in"},
            "vendor_a": {"stage": "work", "unit_cost": 1.0, **vendor_a},
            "vendor_b": {"stage": "work", "unit_cost": 2.0, **vendor_b},
            "done": {"stage": "out"},
        },
        "arcs": [
            {"from": "intake", "to": "vendor_a"},
            {"from": "intake", "to": "vendor_b"},
            {"from": "vendor_a", "to": "done"},
            {"from": "vendor_b", "to": "done"},
        ],
        "demands": {"jobs": {"origin": "intake", "sinks": ["done"], "volume": volume}},
    }


def test_min_volume_of_an_always_open_vendor_takes_its_share():
    """vendor_b must process at least 30 (always open): 30 x 2 + 70 x 1 = 130 EUR, against 100 without."""
    outcome = solve_data(two_vendors(100, {}, {"min_volume": 30}))
    assert outcome.objective == pytest.approx(130.0)
    assert value(outcome.tables["sites"], "units", node="vendor_b") == pytest.approx(30.0)


def test_min_volume_keeps_a_decided_vendor_closed_below_it():
    """vendor_a (1 a unit) may open only to process 60 or more; 50 jobs: it stays closed and vendor_b
    does all 50 (100 EUR). With 70 jobs it opens: 70 EUR."""
    small = solve_data(two_vendors(50, {"open": "decide", "min_volume": 60}, {}))
    assert small.objective == pytest.approx(100.0)
    assert not value(small.tables["sites"], "open", node="vendor_a")
    large = solve_data(two_vendors(70, {"open": "decide", "min_volume": 60}, {}))
    assert large.objective == pytest.approx(70.0)


def test_capacity_levels_choose_the_cheapest_size():
    """vendor_a (1 a unit) at 50 units for 100 EUR or 120 units for 200 EUR; vendor_b costs 4 a unit.
    100 jobs: the large level, 200 + 100 = 300 (small: 100 + 50 + 50 x 4 = 350; none: 400).
    40 jobs: the small level, 100 + 40 = 140 (large: 240; none: 160)."""
    levels = {"open": "decide", "capacity_levels": [{"capacity": 50, "cost": 100}, {"capacity": 120, "cost": 200}]}
    many = solve_data(two_vendors(100, levels, {"unit_cost": 4.0}))
    assert many.objective == pytest.approx(300.0)
    assert value(many.tables["sites"], "capacity", node="vendor_a") == 120.0
    assert many.tables["sites"].level.iloc[0] == "2"
    few = solve_data(two_vendors(40, levels, {"unit_cost": 4.0}))
    assert few.objective == pytest.approx(140.0)
    assert few.tables["sites"].level.iloc[0] == "1"


def test_an_always_open_node_with_levels_must_choose_one():
    """open: always with levels: a level is chosen even when another vendor is cheaper. vendor_a costs
    5 a unit at 10 units for 30 EUR (or 100 units for 80 EUR); vendor_b 2 a unit; 20 jobs: the small
    level (30 EUR) and every job at vendor_b (40 EUR): 70 EUR."""
    levels = {"unit_cost": 5.0, "capacity_levels": [{"capacity": 10, "cost": 30}, {"capacity": 100, "cost": 80}]}
    outcome = solve_data(two_vendors(20, levels, {}))
    assert outcome.objective == pytest.approx(70.0)
    assert value(outcome.tables["sites"], "open", node="vendor_a")


STAFFED = {
    "open": "decide",
    "work": {"tech": {"hours_per_unit": 1.0}},
    "staff": {"tech": {"min": 2}},
}


def staffed_vendors(volume, vendor_a: dict, periods: int = 1) -> dict:
    data = two_vendors(volume, vendor_a, {"unit_cost": 5.0}, periods)
    data["roles"] = {"tech": {"cost_per_fte": 100.0, "hours_per_fte": 10.0}}
    return data


def test_a_never_open_node_has_no_flow_and_no_staff():
    """vendor_a never open (staff min 2 applies only while open): everything at vendor_b, 10 x 5 = 50
    EUR, no FTE at vendor_a."""
    outcome = solve_data(staffed_vendors(10, {**STAFFED, "open": "never"}))
    assert outcome.objective == pytest.approx(50.0)
    staffing = outcome.tables["staffing"]
    assert value(staffing, "fte", node="vendor_a") == 0.0
    assert value(outcome.tables["sites"], "units", node="vendor_a") == 0.0


def test_a_closed_decided_node_sheds_its_minimum_staff():
    """vendor_a needs 1 h a unit and at least 2 FTE (100 EUR each, 10 h) while open. 10 jobs: open costs
    2 x 100 + 10 x 1 = 210, closed 10 x 5 = 50: closed, no staff. 100 jobs: open needs 10 FTE,
    1000 + 100 = 1100 against 500 closed: still closed. With vendor_b at 20 a unit, 100 jobs: open,
    1100 against 2000."""
    small = solve_data(staffed_vendors(10, STAFFED))
    assert small.objective == pytest.approx(50.0)
    assert value(small.tables["staffing"], "fte", node="vendor_a") == 0.0
    data = staffed_vendors(100, STAFFED)
    data["nodes"]["vendor_b"]["unit_cost"] = 20.0
    large = solve_data(data)
    assert large.objective == pytest.approx(1100.0)
    assert value(large.tables["staffing"], "fte", node="vendor_a") == pytest.approx(10.0)


def test_decide_per_period_differs_from_one_decision_for_the_horizon():
    """vendor_a costs 50 a period while open plus 1 a unit; vendor_b 2 a unit. Volumes 100 then 10.
    Per period: P1 open (50 + 100 = 150 < 200), P2 closed (20 < 50 + 10): 170 EUR.
    For the horizon: open both periods 50 + 100 + 50 + 10 = 210, closed 200 + 20 = 220: 210 EUR."""
    site = {"open": "decide", "fixed_cost": 50.0}
    per_period = solve_data(two_vendors([100, 10], {**site, "decide_per": "period"}, {}, periods=2))
    assert per_period.objective == pytest.approx(170.0)
    opened = per_period.tables["sites"].set_index("period").open
    assert bool(opened["P1"]) and not bool(opened["P2"])
    horizon = solve_data(two_vendors([100, 10], site, {}, periods=2))
    assert horizon.objective == pytest.approx(210.0)
    assert horizon.tables["sites"].open.all()


def test_fixed_costs_go_to_the_demands_by_their_units():
    """Two demands share vendor_a (fixed 60, open): 30 and 10 units, so 45 and 15 of the fixed cost."""
    data = two_vendors(30, {"fixed_cost": 60.0}, {"unit_cost": 9.0})
    data["demands"]["other"] = {"origin": "intake", "sinks": ["done"], "volume": 10}
    outcome = solve_data(data)
    serving = outcome.tables["cost_to_serve"].set_index("demand")
    assert serving.loc["jobs", "fixed"] == pytest.approx(45.0)
    assert serving.loc["other", "fixed"] == pytest.approx(15.0)


# --- the independent check, overrides and validation ----------------------------------------------


def test_the_check_finds_flow_and_staff_at_a_closed_node():
    """A solution with vendor_a closed but carrying 10 units and 1 FTE fails the check, naming both."""
    scenario = scenario_from_data(staffed_vendors(10, STAFFED))
    outcome = optimise(scenario, sensitivity=False)
    sets = index_sets(scenario)
    model = build(sets)
    values = {name: np.where(grid >= 0, 0.0, np.nan) for name, grid in model.columns.items()}
    jobs_a = (sets.demand_modes.node == "vendor_a").to_numpy()
    values["y"][jobs_a] = 10.0
    values["s"][:] = 1.0
    found = check_solution(evaluate(sets, values))
    assert any(v.startswith("closed site carries nothing vendor_a") for v in found), found
    assert any(v.startswith("closed site has no staff vendor_a/tech") for v in found), found
    assert outcome.violations == []


def test_overrides_open_and_fixed_cost():
    """--set nodes.plant_b.open=never: the next best set is {a, c} at 2,150 EUR (see the enumeration);
    --set nodes.plant_b.fixed_cost=3000 makes {a, c} cheaper than {b} (3,590): 2,150 EUR too."""
    assert transport_cost(("plant_a", "plant_c")) == pytest.approx(2150.0)
    for assignment in ("nodes.plant_b.open=never", "nodes.plant_b.fixed_cost=3000"):
        changed, _ = apply_overrides(facility_data(), [parse_assignment(assignment)])
        assert optimise(scenario_from_data(changed), sensitivity=False).objective == pytest.approx(2150.0), assignment


def test_a_word_replaces_only_a_choice():
    """`--set nodes.plant_b.fixed_cost=never` is refused, naming the field and what words are for."""
    with pytest.raises(ScenarioError, match=r"holds 1500\.0, not a choice"):
        apply_overrides(facility_data(), [parse_assignment("nodes.plant_b.fixed_cost=never")])


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"capacity_levels": [{"capacity": 10}]}, "capacity_levels", "give capacity or capacity_levels, not both"),
        ({"min_volume": 100}, "min_volume", "min_volume 100 is above the node's capacity 80 units"),
    ],
)
def test_site_mistakes_are_located(fields, field, message):
    """Each mistake names the file, the line of the field and what is allowed."""
    data = copy.deepcopy(facility_data())
    node = data["nodes"]["plant_a"]
    node.update(fields)
    if node.get("capacity") is None:
        node.pop("capacity")
    text = "\n".join(_yaml(data))
    with pytest.raises(ScenarioError) as raised:
        scenario_from_text(text)
    problems = [p for p in raised.value.problems if p.path == f"nodes.plant_a.{field}"]
    assert problems and message in problems[0].message, raised.value.problems
    lines = text.splitlines()
    assert problems[0].line == 1 + next(i for i, line in enumerate(lines) if line.startswith(f"    {field}:"))


def _yaml(data: dict, indent: int = 0) -> list[str]:
    """Block YAML, one key a line, so that each field has a line of its own to be located at."""
    import json

    lines = []
    for key, item in data.items():
        if isinstance(item, dict):
            lines.append(" " * indent + f"{key}:")
            lines.extend(_yaml(item, indent + 2))
        else:
            lines.append(" " * indent + f"{key}: {json.dumps(item)}")
    return lines


def test_a_queue_at_a_node_that_may_close_is_refused():
    data = two_vendors(10, {"open": "decide"}, {})
    data["roles"] = {"agent": {"cost_per_fte": 1.0, "hours_per_fte": 100.0}}
    data["nodes"]["vendor_a"].update(
        work={"agent": {"hours_per_unit": 0.1}}, queue={"open_hours": 100, "target": {"average_wait": 1}}
    )
    with pytest.raises(ScenarioError, match="a node with a queue cannot be 'decide'"):
        scenario_from_data(data)


def test_an_infeasible_scenario_with_decisions_names_the_capacity_to_add():
    """320 units due, 260 of capacity: the diagnosis keeps the open decisions binary (a MILP, free to
    open any plant) and asks for the cheapest relaxation by share: plant_b's 120 raised by the 60
    missing (60/120 = 0.5 of its capacity, against 0.75 at plant_a and 1 at plant_c), to 180."""
    data = facility_data()
    data["demands"]["d_c1"]["volume"] = 250
    outcome = optimise(scenario_from_data(data))
    assert outcome.status == "infeasible"
    relaxations = outcome.diagnosis[outcome.diagnosis.kind == "relaxation"]
    assert relaxations.field.tolist() == ["nodes.plant_b.capacity"]
    assert relaxations.relaxed_to.iloc[0] == pytest.approx(180.0)


def test_the_bridge_prices_a_fixed_cost_change_as_rate(tmp_path):
    """plant_b's fixed cost 1,500 -> 1,550: plant_b stays the only plant open (2,140 < 2,150 for {a, c}),
    so the whole change, 50 EUR at stage `plant`, is the rate effect (B's one open period x 50)."""
    import model
    from model.compare import compare

    folders = []
    for fixed, name in ((1500.0, "a.yaml"), (1550.0, "b.yaml")):
        data = facility_data(plant_b={"fixed_cost": fixed})
        path = tmp_path / name
        path.write_text(json.dumps(data), encoding="utf-8")
        outcome = optimise(load_scenario(path))
        folders.append(model.write_run(outcome, path, tmp_path / "runs", command=["test"]))
    bridge = compare(*folders).bridge.set_index("stage")
    assert bridge.loc["plant", "change"] == pytest.approx(50.0)
    assert bridge.loc["plant", "rate"] == pytest.approx(50.0)
    assert bridge.loc["plant", "routing"] == pytest.approx(0.0, abs=1e-6)


def test_the_report_says_which_sites_are_open(tmp_path):
    """The run report's Sites section: plant_b alone open, its fixed cost 1,500 EUR, the MILP's gap."""
    import model
    from model.report.run import page

    outcome = optimise(load_scenario(DATA / "plants.yaml"))
    folder = model.write_run(outcome, DATA / "plants.yaml", tmp_path, command=["test"])
    [section] = [s for s in page(folder)[2] if s.title == "Sites: which are open"]
    assert section.intro[0].startswith("1 site of 3 open in some period; fixed costs 1,500.00 EUR")
    assert section.intro[1].startswith("MILP: gap 0.00%")
    [(_, table)] = section.tables
    assert table.set_index("site").open.to_dict() == {"plant_a": "no", "plant_b": "yes", "plant_c": "no"}


def test_a_resolver_refigures_a_site_figure_in_place_and_rebuilds_for_a_new_decision():
    """What-ifs of data/plants.yaml in one Resolver: plant_b's fixed cost 1,550 keeps the LP's shape
    (updated in place; 2,140 EUR, as the enumeration with 1,550 gives), 3,000 too (2,150: {a, c});
    open: never makes a decision a fixed column, which a MILP's integrality cannot take in place
    (built again; 2,150); and the base again fits the base's LP (in place, 2,090)."""
    from model.resolver import Resolver

    base = facility_data()
    resolver = Resolver(scenario_from_data(base), sensitivity=False)
    assert resolver.solve(scenario_from_data(base)).objective == pytest.approx(2090.0)
    for fields, expected, how in (
        ({"fixed_cost": 1550.0}, 2140.0, "updated in place"),
        ({"fixed_cost": 3000.0}, 2150.0, "updated in place"),
        ({"open": "never"}, 2150.0, "rebuilt"),
        ({}, 2090.0, "updated in place"),
    ):
        outcome = resolver.solve(scenario_from_data(facility_data(plant_b=fields)))
        assert outcome.objective == pytest.approx(expected), fields
        assert str(outcome.solver["lp"]).startswith(how), (fields, outcome.solver["lp"])


def test_a_binding_minimum_volume_and_level_have_prices_with_the_decisions_fixed():
    """vendor_b (2 a unit) must process at least 30 (always open): one more unit of minimum volume
    costs 2 - 1 = 1 EUR (a unit moved from vendor_a). vendor_a's levels 50 units (100 EUR) or 120
    (200 EUR), vendor_b 4 a unit, 100 jobs: the large level is chosen but not full, so no price; with
    130 jobs it is full (120 at 1 + 10 at 4): one more unit of its capacity saves 4 - 1 = 3 EUR."""
    minimum = solve_data(two_vendors(100, {}, {"min_volume": 30})).tables["sensitivity"]
    row = minimum[minimum.family == "site_min_volume"].iloc[0]
    assert row.field == "nodes.vendor_b.min_volume" and row.shadow_price == pytest.approx(1.0)
    levels = {"open": "decide", "capacity_levels": [{"capacity": 50, "cost": 100}, {"capacity": 120, "cost": 200}]}
    full = solve_data(two_vendors(130, levels, {"unit_cost": 4.0}))
    assert full.objective == pytest.approx(200 + 120 + 40)
    table = full.tables["sensitivity"]
    row = table[table.family == "site_level_capacity"].iloc[0]
    assert row.field == "nodes.vendor_a.capacity_levels" and row.value == 120.0
    assert row.shadow_price == pytest.approx(-3.0)
    assert row.basis == "LP with site decisions fixed"


# --- M[n] where units pass a decided site more than once (rework, loops) ---------------------------

SITE_REWORKS = """
scenario: {name: siterw, currency: EUR, time_unit: hour, period_length: 730}
stages: [sales, factory]
nodes:
  hq: {stage: sales}
  plant: {stage: factory, unit_cost: 10, quality: 0.5, rework: {to: same, cost: 1}, open: decide, fixed_cost: 100}
  contractor: {stage: factory, unit_cost: 40}
arcs: [{from: hq, to: plant}, {from: hq, to: contractor}]
demands:
  widgets: {origin: hq, sinks: [plant, contractor], volume: 100}
"""


def test_a_decided_site_that_reworks_its_own_units_can_process_every_pass():
    """The plant does half its units wrong and redoes them: 100 widgets need 100 / 0.5 = 200 passes.
    Open, all at the plant: 200 x 10 + 100 reworked x 1 + 100 fixed = 2,200 EUR (the contractor:
    100 x 40 = 4,000). M[plant] must be 100 / 0.5 = 200, not the 100 units that reach it (which gave
    3,150 EUR: 50 at the plant, 50 at the contractor)."""
    outcome = optimise(scenario_from_text(SITE_REWORKS))  # helpers' invariants do not take rework
    assert outcome.status == "optimal" and outcome.violations == []
    assert outcome.objective == pytest.approx(2200.0)
    assert value(outcome.tables["sites"], "units", node="plant") == pytest.approx(200.0)
    sets = index_sets(scenario_from_text(SITE_REWORKS))
    assert sets.sites.set_index("node").big_m["plant"] == pytest.approx(200.0)
    # With the plant fixed open, one more widget makes 2 passes at 10 and 1 rework at 1: 21 EUR. The
    # closing row (M = 200, reached by the plan) is no bound of the LP with the decisions fixed; it
    # made the price the contractor's 40 EUR.
    volume = outcome.tables["sensitivity"].query("field == 'demands.widgets.volume'")
    assert volume.shadow_price.tolist() == [pytest.approx(21.0)]


def test_units_sent_back_upstream_raise_m_by_each_reworking_quality():
    """hq -> plant (decided, no capacity) -> lab; the lab (quality 0.8) sends units done wrong back to
    the origin, so they pass the plant again: M[plant] = 100 / 0.8 = 125 units."""
    text = """
scenario: {name: back, currency: EUR, period_length: 730}
stages: [sales, make, check]
nodes:
  hq: {stage: sales}
  plant: {stage: make, unit_cost: 10, open: decide, fixed_cost: 100}
  lab: {stage: check, unit_cost: 1, quality: 0.8, rework: {to: origin, cost: 1}}
arcs: [{from: hq, to: plant}, {from: plant, to: lab}]
demands:
  widgets: {origin: hq, sinks: [lab], volume: 100}
"""
    sets = index_sets(scenario_from_text(text))
    assert sets.sites.set_index("node").big_m["plant"] == pytest.approx(125.0)
    # 125 passes x 10 + 125 x 1 at the lab + 25 reworked x 1 + 100 fixed = 1,500 EUR
    outcome = optimise(scenario_from_text(text))
    assert outcome.status == "optimal" and outcome.objective == pytest.approx(1500.0)


SITE_LOOP = "\n" + SITELOOP  # a first blank line: the refusal is asserted at line 6


def test_a_decided_site_on_a_loop_without_capacity_is_refused():
    """No volume bounds the passes round hub_a -> hub_b -> hub_a: the check asks for a capacity, at
    hub_a.s line (6: the text starts with a blank line) and its `open`."""
    with pytest.raises(ScenarioError) as raised:
        scenario_from_text(SITE_LOOP)
    (problem,) = raised.value.problems
    assert (problem.path, problem.line) == ("nodes.hub_a.open", 6)
    assert problem.message == (
        "a site decided on a loop needs a `capacity` (or capacity_levels): units of demand 'boxes' may pass "
        "it more than once, on the loop hub_a -> hub_b -> hub_a, so no volume bounds what it processes while open"
    )


def test_a_decided_site_on_a_loop_with_a_capacity_solves():
    """With hub_a's capacity 10,000: hub_b's 500 bounds the rounds. 100 boxes enter hub_a; 500 go round
    to hub_b and back, so hub_a processes 600 and hub_b 500: 600 x 1 + 500 x 1 - 500 x 3 + 10 fixed
    = -390 EUR (as with open: always)."""
    text = SITE_LOOP.replace("fixed_cost: 10}", "fixed_cost: 10, capacity: 10000}")
    assert solve_text(text).objective == pytest.approx(-390.0)


def test_a_never_open_node_may_keep_its_levels_for_a_what_if():
    """open: never with capacity_levels is valid (a closed node chooses no level): vendor_b does all
    20 jobs at 2 a unit, 40 EUR; the override that reopens it gets the levels back (70 EUR, as above)."""
    levels = {"unit_cost": 5.0, "capacity_levels": [{"capacity": 10, "cost": 30}, {"capacity": 100, "cost": 80}]}
    closed = solve_data(two_vendors(20, {**levels, "open": "never"}, {}))
    assert closed.objective == pytest.approx(40.0)
    assert not value(closed.tables["sites"], "open", node="vendor_a")
    reopened, _ = apply_overrides(
        two_vendors(20, {**levels, "open": "never"}, {}), [parse_assignment("nodes.vendor_a.open=always")]
    )
    assert solve_data(reopened).objective == pytest.approx(70.0)


def test_a_decided_site_reached_again_from_a_loop_by_rework_is_refused():
    """The plant is on no loop, but qa is (qa -> fix -> qa) and sends its units done wrong back to the
    origin, through the plant: each round at qa may send units back, so no volume bounds the plant."""
    text = """\
scenario: {name: rwloop, currency: EUR, period_length: 730}
stages: [sales, make, check]
nodes:
  hq: {stage: sales}
  plant: {stage: make, unit_cost: 10, open: decide, fixed_cost: 100}
  qa: {stage: check, unit_cost: 1, quality: 0.9, rework: {to: origin, cost: 1}}
  fix: {stage: check, unit_cost: 1}
arcs: [{from: hq, to: plant}, {from: plant, to: qa}, {from: qa, to: fix}, {from: fix, to: qa}]
demands:
  widgets: {origin: hq, sinks: [qa], volume: 100}
"""
    with pytest.raises(ScenarioError) as raised:
        scenario_from_text(text)
    (problem,) = raised.value.problems
    assert (problem.path, problem.line) == ("nodes.plant.open", 5)
    assert problem.message == (
        "a site decided on a loop needs a `capacity` (or capacity_levels): units of demand 'widgets' may pass "
        "it more than once, on the loop qa -> fix -> qa, whose node 'qa' sends units done wrong back through it, "
        "so no volume bounds what it processes while open"
    )
