"""Business rules solved (model/rules.py, constraint 12): hand-worked optima for each quantity and
each comparison, a share rule's price against a finite difference, a horizon rule, a rule that
cannot hold named by the diagnosis with its line, and an override of a rule re-solved in place.

The scenarios are small enough to work by hand:

TWO_VENDORS: 1,000 repairs a period go from the call centre to a cheap vendor (40 EUR a unit) or a
good one (60 EUR a unit); nothing else costs. Without a rule every repair goes to the cheap vendor,
40,000 EUR.

TEAM: 1,000 repairs a period go to an in-house team (1 h a unit; a technician costs 5,600 EUR for
140 h, 40 EUR/h, and may work 28 h of overtime at 20 EUR/h) or to the good vendor (60 EUR). Without
a rule the team does all: hours 1,000 = 140 s + o with o <= 28 s, so s = 1,000 / 168 and o = 28 s,
cost 5,600 x 1,000/168 + 20 x 28,000/168 = 33,333.33 + 3,333.33 = 36,666.67 EUR (36.67 EUR a unit,
below the vendor's 60).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from conftest import RULES_FILE

from model.explain.diagnose import diagnose
from model.lp import build
from model.network import index_sets
from model.optimise import optimise
from model.resolver import Resolver
from model.scenario import parse_yaml, validate_data
from model.scenario.overrides import apply_overrides, parse_assignment

TWO_VENDORS = """\
scenario: {name: two-vendors, currency: EUR, period_length: 730, periods: PERIODS}
stages: [market, service]
nodes:
  call_centre: {stage: market}
  cheap_vendor: {stage: service, unit_cost: 40}
  good_vendor: {stage: service, unit_cost: 60}
arcs:
  - {from: call_centre, to: cheap_vendor}
  - {from: call_centre, to: good_vendor}
demands:
  premium: {origin: call_centre, sinks: [cheap_vendor, good_vendor], volume: 400, segment: premium,
            labels: {region: north}}
  standard: {origin: call_centre, sinks: [cheap_vendor, good_vendor], volume: 600, segment: standard,
             labels: {region: south}}
"""

TEAM = """\
scenario: {name: team, currency: EUR, period_length: 730}
stages: [market, service]
roles:
  technician: {cost_per_fte: 5600, hours_per_fte: 140, overtime: {max_hours_per_fte: 28, cost_per_hour: 20}}
nodes:
  call_centre: {stage: market}
  team:
    stage: service
    work: {technician: {hours_per_unit: 1}}
  good_vendor: {stage: service, unit_cost: 60}
arcs:
  - {from: call_centre, to: team}
  - {from: call_centre, to: good_vendor}
demands:
  repairs: {origin: call_centre, sinks: [team, good_vendor], volume: 1000}
"""


def scenario(base: str, rules: str, periods: int = 1):
    text = base.replace("PERIODS", str(periods)) + "rules:\n" + textwrap.indent(textwrap.dedent(rules), "  ")
    data, source = parse_yaml(text, "rules.yaml")
    return validate_data(data, source), source, text


def solved(base: str, rules: str, periods: int = 1):
    found = optimise(scenario(base, rules, periods)[0])
    assert found.status == "optimal", found.message
    return found


def units_at(outcome, node: str) -> float:
    work = outcome.tables["work"]
    return float(work.units[work.node == node].sum())


def test_without_a_rule_every_repair_goes_to_the_cheap_vendor():
    found = optimise(validate_data(*parse_yaml(TWO_VENDORS.replace("PERIODS", "1"), "plain.yaml")))
    assert found.objective == pytest.approx(1000 * 40)
    assert "rules" not in found.tables


def test_a_share_rule_caps_the_cheap_vendor_at_30_percent_of_the_service_stage():
    # 300 at 40 + 700 at 60 = 12,000 + 42,000 = 54,000 EUR.
    found = solved(
        TWO_VENDORS,
        """
        cheap_cap:
          about: At most 30% of repairs to the cheap vendor
          sum: units
          where: {node: cheap_vendor}
          at_most: 0.30
          of: {sum: units, where: {stage: service}}
        """,
    )
    assert found.objective == pytest.approx(54_000)
    assert units_at(found, "cheap_vendor") == pytest.approx(300)
    row = found.tables["rules"].iloc[0]
    assert (row.rule, row.sense, row.lhs, row.of_sum, row.rhs, row.binding) == ("cheap_cap", "<=", 300, 1000, 300, True)
    # The row 300 - 0.3 x 1,000 <= 0 binds; one unit more of its bound sends one repair from the
    # good vendor to the cheap one: dual -20 EUR. A share point is 0.01 x 1,000 = 10 repairs: -200 EUR.
    assert row.dual == pytest.approx(-20)
    assert row.price == pytest.approx(-200)
    assert row.unit_step == 0.01
    assert row.about == "At most 30% of repairs to the cheap vendor"


def test_the_share_price_is_the_finite_difference():
    rule = """
        cheap_cap: {sum: units, where: {node: cheap_vendor}, at_most: SHARE, of: {sum: units, where: {stage: service}}}
        """
    costs = {share: solved(TWO_VENDORS, rule.replace("SHARE", str(share))).objective for share in (0.29, 0.30, 0.31)}
    # By hand: 290 x 40 + 710 x 60 = 54,200; 310 x 40 + 690 x 60 = 53,800: 200 EUR a point.
    assert costs[0.29] == pytest.approx(54_200) and costs[0.31] == pytest.approx(53_800)
    central = (costs[0.31] - costs[0.29]) / 2  # per percentage point
    sensitivity = solved(TWO_VENDORS, rule.replace("SHARE", "0.3")).tables["sensitivity"]
    row = sensitivity[sensitivity.family == "business_rule"].iloc[0]
    assert row.shadow_price == pytest.approx(central) == pytest.approx(-200)
    assert row.field == "rules.cheap_cap.at_most"
    assert row.sentence.startswith("Relaxing the rule cheap_cap by 1 percentage point in P1 would save 200.00 EUR")
    # The price holds while the cheap vendor's share can move, from 0 to 100% of the repairs; HiGHS's
    # range (where the basis stays optimal) lies within that and holds 30%.
    assert 0.0 <= row.valid_from <= 0.29 and 0.31 <= row.valid_to <= 1.0


def test_a_bound_on_units_with_its_dual_per_unit():
    # At most 400 units at the cheap vendor: 400 x 40 + 600 x 60 = 52,000 EUR; each unit more saves 20.
    found = solved(TWO_VENDORS, "cap: {sum: units, where: {node: cheap_vendor}, at_most: 400}")
    assert found.objective == pytest.approx(52_000)
    row = found.tables["rules"].iloc[0]
    assert (row.lhs, row.rhs, row.dual, row.price, row.unit) == (
        400,
        400,
        pytest.approx(-20),
        pytest.approx(-20),
        "units",
    )
    sensitivity = found.tables["sensitivity"]
    sentence = sensitivity[sensitivity.family == "business_rule"].sentence.iloc[0]
    assert sentence.startswith("Relaxing the rule cap by 1 unit in P1 would save 20.00 EUR")


def test_at_least_on_the_good_vendor():
    # At least 900 at the good vendor: 100 x 40 + 900 x 60 = 58,000 EUR; each unit less saves 20.
    found = solved(TWO_VENDORS, "floor: {sum: units, where: {node: good_vendor}, at_least: 900}")
    assert found.objective == pytest.approx(58_000)
    assert found.tables["rules"].iloc[0].dual == pytest.approx(20)


def test_equal_on_the_flow_to_the_good_vendor():
    # Exactly 500 handed over to the good vendor: 500 x 40 + 500 x 60 = 50,000 EUR.
    found = solved(TWO_VENDORS, "split: {sum: flow, where: {to: good_vendor}, equal: 500}")
    assert found.objective == pytest.approx(50_000)
    flows = found.tables["flows"]
    assert float(flows.units[flows.to == "good_vendor"].sum()) == pytest.approx(500)


def test_segment_and_label_filters_select_the_premium_demand():
    # Premium (400) may send at most 25% of its repairs to the cheap vendor: 100 cheap + 300 good;
    # standard's 600 all go cheap: (100 + 600) x 40 + 300 x 60 = 28,000 + 18,000 = 46,000 EUR.
    for where in ("{segment: premium}", "{label.region: north}", "{demand: 'prem*'}"):
        found = solved(
            TWO_VENDORS,
            f"""
            premium_care:
              sum: units
              where: {{node: cheap_vendor, {where[1:-1]}}}
              at_most: 0.25
              of: {{sum: units, where: {{stage: service, {where[1:-1]}}}}}
            """,
        )
        assert found.objective == pytest.approx(46_000), where


def test_a_cost_rule_over_a_node():
    # The cheap vendor's cost at most 20,000 EUR: 500 repairs there, 500 at the good one = 50,000 EUR;
    # one EUR more of budget moves 1/40 repair, saving 20/40 = 0.5 EUR.
    found = solved(
        TWO_VENDORS, "budget: {sum: cost, where: {node: cheap_vendor, category: processing}, at_most: 20000}"
    )
    assert found.objective == pytest.approx(50_000)
    assert found.tables["rules"].iloc[0].dual == pytest.approx(-0.5)


def test_a_horizon_rule_sums_every_period():
    # Two periods of 1,000 repairs; at most 1,500 at the cheap vendor over both: 1,500 x 40 + 500 x 60
    # = 90,000 EUR. The same number per period would not bind: 2 x 40,000 = 80,000.
    rule = "contract: {sum: units, where: {node: cheap_vendor}, at_most: 1500, per: PER}"
    horizon = solved(TWO_VENDORS, rule.replace("PER", "horizon"), periods=2)
    assert horizon.objective == pytest.approx(90_000)
    table = horizon.tables["rules"]
    assert list(table.period) == ["P2"] and table.lhs.iloc[0] == pytest.approx(1500)
    assert units_at(horizon, "cheap_vendor") == pytest.approx(1500)
    per_period = solved(TWO_VENDORS, rule.replace("PER", "period"), periods=2)
    assert per_period.objective == pytest.approx(80_000)
    assert list(per_period.tables["rules"].period) == ["P1", "P2"]


def test_a_period_filter_makes_rows_only_in_its_periods():
    # Only P2 is capped at 400 cheap: 40,000 + 52,000 = 92,000 EUR.
    found = solved(TWO_VENDORS, "cap: {sum: units, where: {node: cheap_vendor, period: P2}, at_most: 400}", periods=2)
    assert found.objective == pytest.approx(92_000)
    assert list(found.tables["rules"].period) == ["P2"]


def test_fte_floor():
    # At least 8 technicians (1,120 regular hours >= the 1,000 needed): 8 x 5,600 = 44,800 EUR, no
    # overtime needed, the team does all 1,000.
    found = solved(TEAM, "floor: {sum: fte, where: {node: team, role: technician}, at_least: 8}")
    assert found.objective == pytest.approx(44_800)
    # A little less floor still leaves more than 1,000 regular hours (1,120 - 140 x a little), so
    # each FTE of floor given up saves its 5,600 EUR: dual 5,600.
    assert found.tables["rules"].iloc[0].dual == pytest.approx(5_600)


def test_overtime_at_most_5_percent_of_hours():
    # o <= 0.05 x 1,000 h = 50 h, regular hours 950 = 140 s: s = 6.7857; cost 5,600 x 950/140
    # + 20 x 50 = 38,000 + 1,000 = 39,000 EUR (39 EUR a unit, still below the vendor's 60).
    found = solved(
        TEAM,
        """
        overtime_cap:
          sum: overtime
          where: {role: technician}
          at_most: 0.05
          of: {sum: hours, where: {role: technician}}
        """,
    )
    assert found.objective == pytest.approx(39_000)
    row = found.tables["rules"].iloc[0]
    assert (row.lhs, row.of_sum, row.unit) == (pytest.approx(50), pytest.approx(1000), "hours")


def test_hours_cap_sends_the_rest_to_the_vendor():
    # At most 500 hours at the team: 500 units there at 36.67 EUR (18,333.33) and 500 at the vendor
    # (30,000): 48,333.33 EUR.
    found = solved(TEAM, "hours_cap: {sum: hours, where: {node: team}, at_most: 500}")
    assert found.objective == pytest.approx(500 * 5600 / 168 + 500 * 28 * 20 / 168 + 500 * 60)
    assert found.objective == pytest.approx(48_333.33, abs=0.01)


def test_a_rule_that_cannot_hold_is_named_with_its_line_by_the_diagnosis():
    rules = """
        enough_good:
          about: At least 1,200 repairs to the good vendor
          sum: units
          where: {node: good_vendor}
          at_least: 1200
        """
    sc, source, text = scenario(TWO_VENDORS, rules)
    found = optimise(sc, source=source)
    assert found.status == "infeasible"
    table = found.diagnosis
    relaxation = table[(table.kind == "relaxation")].iloc[0]
    line = text.splitlines().index("    at_least: 1200") + 1
    assert (relaxation.family, relaxation.field, relaxation.line) == (
        "business rule",
        "rules.enough_good.at_least",
        line,
    )
    # Only 1,000 repairs exist: the rule can hold at 1,000.
    assert relaxation.relaxed_to == pytest.approx(1000)
    assert relaxation.sentence == (
        f"rules.enough_good.at_least (line {line}): rule enough_good (At least 1,200 repairs to the good vendor) "
        "cannot hold in P1: its units can be at most 1,000.00 units, not the 1,200.00 asked."
    )


def test_an_at_most_rule_that_cannot_hold_says_how_low_the_sum_can_go():
    """At most 800 repairs at the service stage, but all 1,000 (400 + 600) must be served there: the
    sum must be at least 1,000 (the diagnosis named the side the rule's sense asks for, finding 6)."""
    sc, source, text = scenario(TWO_VENDORS, "few: {sum: units, where: {stage: service}, at_most: 800}")
    found = optimise(sc, source=source)
    assert found.status == "infeasible"
    relaxation = found.diagnosis[found.diagnosis.kind == "relaxation"].iloc[0]
    line = len(text.splitlines())
    assert relaxation.relaxed_to == pytest.approx(1000)
    assert relaxation.sentence == (
        f"rules.few.at_most (line {line}): rule few cannot hold in P1: its units must be at least "
        "1,000.00 units, not the 800.00 asked."
    )


def test_an_impossible_share_is_relaxed_to_the_share_that_works():
    # At least 120% of the service stage at the good vendor: the most is 100%.
    sc, source, _ = scenario(
        TWO_VENDORS,
        "all_good: {sum: units, where: {node: good_vendor}, at_least: 1.2, of: {sum: units, where: {stage: service}}}",
    )
    model = build(index_sets(sc))
    table = diagnose(model, sc, source)
    relaxation = table[table.kind == "relaxation"].iloc[0]
    assert relaxation.field == "rules.all_good.at_least"
    assert relaxation.relaxed_to == pytest.approx(1.0)
    # The good vendor can take at most all of the stage's 1,000 repairs: 100%, not 120%.
    assert relaxation.sentence.endswith(
        "cannot hold in P1: its units can be at most 100.00% of its units sum, not the 120.00% asked."
    )


def test_an_override_of_a_share_re_solves_in_place():
    # --set rules.cheap_cap.at_most=0.35: 350 x 40 + 650 x 60 = 14,000 + 39,000 = 53,000 EUR.
    sc, source, text = scenario(
        TWO_VENDORS,
        "cheap_cap: {sum: units, where: {node: cheap_vendor}, at_most: 0.3, of: {sum: units, where: {stage: service}}}",
    )
    resolver = Resolver(sc, sensitivity=False)
    assert resolver.base_outcome.objective == pytest.approx(54_000)
    data, _ = parse_yaml(text, "rules.yaml")
    changed, _ = apply_overrides(data, [parse_assignment("rules.cheap_cap.at_most=0.35")])
    variant = resolver.solve(validate_data(changed, source))
    assert variant.objective == pytest.approx(53_000)
    assert variant.solver["lp"] == "updated in place"


def test_the_independent_check_refuses_a_plan_that_breaks_a_rule():
    from model.check import check_solution
    from model.solution import evaluate

    sc, _, _ = scenario(TWO_VENDORS, "cap: {sum: units, where: {node: cheap_vendor}, at_most: 400}")
    sets = index_sets(sc)
    values = {name: np.zeros_like(grid, dtype=float) for name, grid in build(sets).columns.items()}
    modes = sets.demand_modes
    values["y"][(modes.node == "cheap_vendor").to_numpy()] = [[400], [600]]  # 1,000 > 400
    found = [v for v in check_solution(evaluate(sets, values)) if v.startswith("business rule")]
    assert found == ["business rule cap P1: off by 600"]


@pytest.fixture(scope="module")
def rules_run(tmp_path_factory):
    """data/business-rules.yaml solved once, with its run folder."""
    from model import load_scenario, write_run

    outcome = optimise(load_scenario(RULES_FILE))
    return outcome, write_run(outcome, RULES_FILE, tmp_path_factory.mktemp("rules"))


def test_the_example_prices_its_partner_cap_by_hand(rules_run):
    # A premium repair in house takes 1.5 h; with overtime capped at 5% of hours, an hour costs
    # 0.95 x 4,300/145 + 0.05 x 25 = 28.1724 + 1.25 = 29.4224 EUR, so a repair 44.1336 EUR; at
    # partner_south (not full) it costs 36 + 2 = 38 EUR. One more unit of the cap's bound saves
    # 6.1336 EUR; a percentage point of premium repairs (9, 10, 11 a month) saves 55.20, 61.34, 67.47.
    outcome, _ = rules_run
    table = outcome.tables["rules"]
    cap = table[table.rule == "partner_cap"]
    unit_saving = 1.5 * (0.95 * 4300 / 145 + 0.05 * 25) - 38
    np.testing.assert_allclose(cap.dual, -unit_saving, rtol=1e-9)
    np.testing.assert_allclose(cap.price, [-unit_saving * 9, -unit_saving * 10, -unit_saving * 11], rtol=1e-9)
    assert list(cap.of_sum) == [900, 1000, 1100] and list(cap.binding) == [True] * 3


def test_the_report_says_which_rules_bind_and_what_they_cost(rules_run):
    from model.report.run import read, rules_section

    section = rules_section(read(rules_run[1]))
    saving = 0.01 * (1.5 * (0.95 * 4300 / 145 + 0.05 * 25) - 38) * (900 + 1000 + 1100)  # 184.01, as above
    assert section.intro[1] == (
        "- partner_cap (At most 30% of premium repairs go to partners) binds in 3 periods: relaxing it by "
        f"1 percentage point of its share would save {saving:,.2f} EUR over those periods."
    )
    assert section.intro[0] == "4 rules; 7 of 10 rows bind."


def test_a_sweep_over_a_share_moves_the_cost_by_its_price(rules_run, tmp_path):
    # Each point of the cap saves 184.01 EUR (above) while the same rows bind: 0.3 -> 0.35 saves 920.04.
    import csv

    from conftest import e2eopt, only_folder

    run = e2eopt(
        "sweep",
        str(RULES_FILE),
        "--grid",
        "rules.partner_cap.at_most=0.3,0.35",
        "--workers",
        "1",
        "--out",
        str(tmp_path),
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    with (only_folder(tmp_path) / "points.csv").open() as file:
        points = list(csv.DictReader(file))
    costs = [float(p["total_cost"]) for p in points]
    assert [p["rules.partner_cap.at_most"] for p in points] == ["0.3", "0.35"]
    assert costs[0] == pytest.approx(rules_run[0].objective, rel=1e-9)
    assert costs[0] - costs[1] == pytest.approx(5 * 0.01 * (1.5 * (0.95 * 4300 / 145 + 0.05 * 25) - 38) * 3000)


def test_a_milps_rules_table_has_the_duals_of_the_lp_with_the_sites_fixed():
    """The cheap vendor is a decided site (fixed cost 100 EUR) capped at 300 repairs by a rule: open,
    300 x 40 + 700 x 60 + 100 = 54,100 EUR (closed: 60,000). With the site fixed open, one more repair
    allowed at the cheap vendor saves 60 - 40 = 20 EUR: dual and price -20 EUR, from that LP, labelled
    as the sensitivity table is (finding 14; they were empty in a MILP run)."""
    base = TWO_VENDORS.replace(
        "cheap_vendor: {stage: service, unit_cost: 40}",
        "cheap_vendor: {stage: service, unit_cost: 40, open: decide, fixed_cost: 100}",
    )
    found = solved(base, "cheap_cap: {sum: units, where: {node: cheap_vendor}, at_most: 300}")
    assert found.objective == pytest.approx(54_100)
    row = found.tables["rules"].iloc[0]
    assert (row.binding, row.dual, row.price, row.basis) == (
        True,
        pytest.approx(-20),
        pytest.approx(-20),
        "LP with site decisions fixed",
    )
    assert found.tables["sensitivity"].basis.tolist()[0] == row.basis


def test_a_rule_with_room_shows_zero_not_minus_zero():
    """Non-binding rules (500 and 2,000 repairs of room, 1,000 in all to the cheap vendor) have dual,
    price 0.0, written without the sign HiGHS gives them (-0.0 before), and the LP's basis."""
    found = solved(
        TWO_VENDORS,
        """\
        good_cap: {sum: units, where: {node: good_vendor}, at_most: 500}
        cheap_cap: {sum: units, where: {node: cheap_vendor}, at_most: 2000}
        """,
    )
    rules = found.tables["rules"]
    assert rules.slack.tolist() == [500.0, 1000.0]
    figures = rules[["slack", "dual", "price"]].to_numpy()
    assert (figures >= 0).all() and not np.signbit(figures).any()
    assert rules.basis.tolist() == ["LP", "LP"]
