"""Rework (docs/model.md, Rework): units done wrong at a mode with `rework` are sent back and done again.

Every figure below is worked out by hand in the test's docstring. The LP's answer passes the
independent check (model/check.py) in every solve; one test breaks a solution to see the check fail.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from conftest import (
    REWORK_FILE,
    REWORK_LOOPS,
    one_value,
    scenario_data,
    scenario_from_data,
    scenario_from_text,
    solved_optimally,
)

from model.check import check_solution
from model.errors import ScenarioError
from model.lp import build
from model.network import index_sets
from model.optimise import optimise
from model.resolver import Resolver
from model.scenario import load_scenario
from model.solution import evaluate
from model.solve import solve


@pytest.fixture(scope="module")
def example():
    return solved_optimally(load_scenario(REWORK_FILE))


def test_the_cheaper_vendor_loses_once_its_rework_counts(example):
    """data/rework.yaml: 1,000 repairs, vendor_cheap at 40 EUR with quality 0.93 and rework at the same
    node at 15 EUR a unit, vendor_good at 44 EUR with quality 1.

    At vendor_cheap a unit served takes 1 / 0.93 = 1.0753 passes (the geometric series of rework:
    y = theta + w, w = 0.07 y, so y = theta / 0.93), of which 0.07 / 0.93 = 0.0753 are reworked:
    (40 + 15 x 0.07) / 0.93 = 41.05 / 0.93 = 44.1398 EUR per repair served, above vendor_good's 44.
    So every repair goes to vendor_good: 1,000 x 44 = 44,000 EUR, nothing reworked. vendor_cheap would
    win at a unit cost c with (c + 1.05) / 0.93 < 44, c < 40.92 - 1.05 = 39.87 EUR: the work table's
    unit_cost_from at vendor_cheap; or at a rework cost r with (40 + 0.07 r) / 0.93 < 44,
    r < 0.92 / 0.07 = 13.142857 EUR: the rework table's cost_from."""
    work, costs = example.tables["work"], example.tables["costs"]
    assert example.objective == pytest.approx(44_000.0, rel=1e-9)
    assert one_value(work, "units", node="vendor_good") == pytest.approx(1000.0, rel=1e-9)
    assert one_value(work, "units", node="vendor_cheap") == pytest.approx(0.0, abs=1e-9)
    assert one_value(work, "unit_cost_from", node="vendor_cheap") == pytest.approx(40.92 - 1.05, rel=1e-9)
    assert example.tables["rework"].units.sum() == pytest.approx(0.0, abs=1e-9)
    assert one_value(example.tables["rework"], "cost_from", node="vendor_cheap") == pytest.approx(0.92 / 0.07, rel=1e-9)
    assert set(costs.category) == {"processing"}


def test_without_rework_the_cheaper_vendor_wins():
    """The same scenario without `rework`: defects cost nothing (no quality target), so all 1,000
    repairs go to vendor_cheap at 40 EUR: 40,000 EUR, and no rework table."""
    data = scenario_data(REWORK_FILE)
    del data["nodes"]["vendor_cheap"]["rework"]
    outcome = solved_optimally(scenario_from_data(data))
    assert outcome.objective == pytest.approx(40_000.0, rel=1e-9)
    assert one_value(outcome.tables["work"], "units", node="vendor_cheap") == pytest.approx(1000.0, rel=1e-9)
    assert "rework" not in outcome.tables


@pytest.fixture(scope="module")
def dearer_good_vendor():
    """data/rework.yaml with vendor_good at 45 EUR: now vendor_cheap (44.14 EUR a repair) is cheaper."""
    data = scenario_data(REWORK_FILE)
    data["nodes"]["vendor_good"]["unit_cost"] = 45
    data["demands"]["repairs"]["min_quality"] = 0.99
    return solved_optimally(scenario_from_data(data))


def test_a_node_reworking_its_own_units_processes_theta_over_q(dearer_good_vendor):
    """vendor_cheap takes the 1,000 repairs: it processes y = 1000 / 0.93 = 1,075.2688 units, of which
    w = 0.07 y = 75.2688 are done wrong and redone. Processing 40 x 1,075.2688 = 43,010.7527 EUR,
    rework 15 x 75.2688 = 1,129.0323 EUR, total 44,139.7849 EUR (< 45,000 at vendor_good). The
    rework cost is booked at vendor_cheap and is the summary's cost of poor quality; cost_to_serve's
    rework component holds it. Quality: the units done wrong are caught and redone, so the demand's
    quality is 1 and its 0.99 target holds (without rework 0.93 would miss it)."""
    outcome = dearer_good_vendor
    y, w = 1000 / 0.93, 0.07 * 1000 / 0.93
    assert one_value(outcome.tables["work"], "units", node="vendor_cheap") == pytest.approx(y, rel=1e-9)
    rework = outcome.tables["rework"]
    assert one_value(rework, "units", node="vendor_cheap") == pytest.approx(w, rel=1e-9)
    assert one_value(rework, "cost", node="vendor_cheap") == pytest.approx(15 * w, rel=1e-9)
    assert rework.to.tolist() == ["vendor_cheap"]
    costs = outcome.tables["costs"]
    assert one_value(costs, "amount", category="rework", node="vendor_cheap") == pytest.approx(1129.0323, abs=1e-4)
    assert outcome.objective == pytest.approx(40 * y + 15 * w, rel=1e-9)
    assert outcome.objective == pytest.approx(44_139.7849, abs=1e-4)
    serving = outcome.tables["cost_to_serve"]
    assert one_value(serving, "rework", demand="repairs") == pytest.approx(15 * w, rel=1e-9)
    assert one_value(serving, "cost_to_serve", demand="repairs") == pytest.approx(outcome.objective, rel=1e-9)
    assert one_value(outcome.tables["demand_kpis"], "quality", demand="repairs") == pytest.approx(1.0, abs=1e-12)


def test_a_reworked_unit_takes_its_second_pass_and_the_extra_time(dearer_good_vendor):
    """Mean response time at vendor_cheap: each pass takes 24 h and each reworked unit 48 h more:
    (24 y + 48 w) / 1000 = (24 x 1,075.2688 + 48 x 75.2688) / 1000 = (25,806.45 + 3,612.90) / 1000
    = 29.4194 h per repair served."""
    kpis = dearer_good_vendor.tables["demand_kpis"]
    y, w = 1000 / 0.93, 0.07 * 1000 / 0.93
    assert one_value(kpis, "mean_response_time", demand="repairs") == pytest.approx((24 * y + 48 * w) / 1000, rel=1e-9)
    assert (24 * y + 48 * w) / 1000 == pytest.approx(29.4194, abs=1e-4)


LOOP = textwrap.dedent("""
    scenario: {name: loop, currency: EUR, time_unit: hour, period_length: 730}
    stages: [intake, repair]
    nodes:
      intake: {stage: intake, unit_cost: 5, processing_time: 1}
      workshop:
        stage: repair
        unit_cost: 20
        quality: 0.9
        processing_time: 4
        rework: {to: origin, cost: 3, time: 10}
    arcs:
      - {from: intake, to: workshop, cost: 1, lead_time: 2}
    demands:
      jobs: {origin: intake, sinks: [workshop], volume: 100, min_quality: 0.95, max_mean_response_time: 20}
""")


def test_scrapped_and_redone_from_the_origin():
    """The workshop's units done wrong (10 %) are scrapped and redone from the intake: a loop through
    two nodes. The intake takes the 100 jobs and the w units sent back; all go to the workshop, which
    passes on 0.9 of them: y = 100 + w, w = 0.1 y, so y = 100 / 0.9 = 111.1111 at both nodes and on
    the arc, w = 11.1111. Cost: intake 5 x 111.1111 = 555.5556, hand-off 1 x 111.1111 = 111.1111,
    workshop 20 x 111.1111 = 2,222.2222, rework 3 x 11.1111 = 33.3333; total 2,922.2222 EUR.
    Response time per job served: (1 + 2 + 4) x 111.1111 / 100 + 10 x 11.1111 / 100 = 7.7778 + 1.1111
    = 8.8889 h. Quality 1 (the intake does all right; the workshop's defects are reworked)."""
    outcome = solved_optimally(scenario_from_text(LOOP))
    y, w = 100 / 0.9, 10 / 0.9
    work, flows = outcome.tables["work"], outcome.tables["flows"]
    assert one_value(work, "units", node="intake") == pytest.approx(y, rel=1e-9)
    assert one_value(work, "units", node="workshop") == pytest.approx(y, rel=1e-9)
    assert one_value(flows, "units", arc="intake->workshop") == pytest.approx(y, rel=1e-9)
    rework = outcome.tables["rework"]
    assert one_value(rework, "units", node="workshop") == pytest.approx(w, rel=1e-9)
    assert rework.to.tolist() == ["intake"]
    assert outcome.objective == pytest.approx(2922.2222, abs=1e-4)
    kpis = outcome.tables["demand_kpis"]
    assert one_value(kpis, "mean_response_time", demand="jobs") == pytest.approx(8.8889, abs=1e-4)
    assert one_value(kpis, "quality", demand="jobs") == pytest.approx(1.0, abs=1e-12)
    assert one_value(outcome.tables["cost_to_serve"], "rework", demand="jobs") == pytest.approx(3 * w, rel=1e-9)


def test_sent_back_to_an_earlier_node():
    """A tester (quality 0.8, 1 EUR a unit) sends its units done wrong back to the workshop (10 EUR a
    unit, quality 1) at 2 EUR each: a loop workshop -> tester -> workshop. The tester passes on 0.8 of
    what it tests: 0.8 y_t = 100, y_t = 125, w = 25; the workshop does the 100 jobs and the 25 sent
    back, y_w = 125. Cost: 10 x 125 + 1 x 125 + 2 x 25 = 1,250 + 125 + 50 = 1,425 EUR."""
    text = textwrap.dedent("""
        scenario: {name: back, currency: EUR, period_length: 730}
        stages: [repair, test]
        nodes:
          workshop: {stage: repair, unit_cost: 10}
          tester: {stage: test, unit_cost: 1, quality: 0.8, rework: {to: workshop, cost: 2}}
        arcs:
          - {from: workshop, to: tester}
        demands:
          jobs: {origin: workshop, sinks: [tester], volume: 100}
    """)
    outcome = solved_optimally(scenario_from_text(text))
    assert one_value(outcome.tables["work"], "units", node="workshop") == pytest.approx(125.0, rel=1e-9)
    assert one_value(outcome.tables["work"], "units", node="tester") == pytest.approx(125.0, rel=1e-9)
    assert one_value(outcome.tables["rework"], "units", node="tester") == pytest.approx(25.0, rel=1e-9)
    assert outcome.objective == pytest.approx(1425.0, rel=1e-9)


def test_the_independent_check_sees_units_done_wrong_that_were_not_reworked():
    """Break the loop's solution: w = 0 at the workshop, all else as solved. The check then finds
    the rework volume row off by 11.1111 (w should be 0.1 x 111.1111) and the balances off."""
    sets = index_sets(scenario_from_text(LOOP))
    values = {name: grid.copy() for name, grid in solve(build(sets)).values.items()}
    assert check_solution(evaluate(sets, values)) == []
    values["w"][:] = 0.0
    found = check_solution(evaluate(sets, values))
    assert any(v.startswith("rework volume jobs@workshop/workshop P1: off by 11.1111") for v in found), found
    assert any(v.startswith("pass-through") for v in found), found


def test_a_what_if_on_the_rework_cost_re_solves_in_place():
    """The rework cost is a figure: a what-if raising vendor_cheap's from 15 to 20 EUR re-solves the
    kept LP in place. With vendor_good at 45: (40 + 20 x 0.07) / 0.93 = 41.4 / 0.93 = 44.5161 EUR a
    repair, still below 45: 44,516.13 EUR. At 30 EUR: (40 + 2.1) / 0.93 = 45.27 > 45, so vendor_good
    takes them: 45,000 EUR."""
    data = scenario_data(REWORK_FILE)
    data["nodes"]["vendor_good"]["unit_cost"] = 45
    resolver = Resolver(scenario_from_data(data), sensitivity=False)
    for cost, expected in ((20, 41.4 / 0.93 * 1000), (30, 45_000.0)):
        data["nodes"]["vendor_cheap"]["rework"]["cost"] = cost
        outcome = resolver.solve(scenario_from_data(data))
        assert outcome.status == "optimal" and outcome.violations == []
        assert outcome.solver["lp"] == "updated in place"
        assert outcome.objective == pytest.approx(expected, rel=1e-9)


def test_every_form_of_rework_solves_and_checks():
    """tests/conftest.py's REWORK_LOOPS (rework to the origin, to the node itself and to an earlier
    node, with staff, a capacity and a storable origin) solves, passes the independent check, and
    each reworked row holds w = (1 - q) y: 0.1 of the workshop's units, 0.05 of the vendor's, 0.03 of
    the tester's."""
    outcome = solved_optimally(scenario_from_text(REWORK_LOOPS))
    work, rework = outcome.tables["work"], outcome.tables["rework"]
    merged = rework.merge(work[["period", "demand", "node", "mode", "units"]], on=["period", "demand", "node", "mode"])
    share = merged.node.map({"workshop": 0.1, "vendor": 0.05, "tester": 0.03}).to_numpy()
    assert np.allclose(merged.units_x, share * merged.units_y, rtol=1e-9, atol=1e-9)
    assert set(zip(rework.node, rework.to)) == {
        ("workshop", "intake"),
        ("workshop", "store"),
        ("vendor", "vendor"),
        ("tester", "workshop"),
    }


BAD = textwrap.dedent("""
    scenario: {name: bad, currency: EUR, period_length: 730}
    stages: [a, b]
    roles:
      tech: {cost_per_fte: 1, hours_per_fte: 100}
    nodes:
      desk: {stage: a}
      other: {stage: a}
      shop:
        stage: b
        rework: {to: dessk}
        work:
          tech: {hours_per_unit: 1, rework: {to: other}}
      store: {stage: b, stock: {holding_cost: 1}, rework: {}}
    arcs:
      - {from: desk, to: shop}
      - {from: desk, to: store}
      - {from: other, to: shop}
    demands:
      d: {origin: desk, sinks: [shop, store], volume: 1}
""")


def test_bad_rework_is_reported_where_it_is_written(tmp_path):
    """Three mistakes, each at its line: an unknown `to` (line 11, with the near name), a `to` the
    demand passing the node cannot use (line 13: d comes from desk, never from other), and rework at
    a node with stock (line 14)."""
    with pytest.raises(ScenarioError) as raised:
        scenario_from_text(BAD, tmp_path)
    found = {(p.line, p.path): (p.message, p.hint) for p in raised.value.problems}
    assert found[11, "nodes.shop.rework.to"] == ("unknown node 'dessk'", "Did you mean 'desk'?")
    message, _ = found[13, "nodes.shop.work.tech.rework.to"]
    assert (
        message == "the units done wrong would go back to 'other', which cannot be used by 1 demand passing 'shop': d"
    )
    assert found[14, "nodes.store.rework"][0] == "a node with `stock` cannot rework its units"
    assert len(found) == 3


def test_a_capacity_too_small_for_the_rework_is_diagnosed():
    """The loop with the workshop capped at 105 units: it must process 100 / 0.9 = 111.1111 (the jobs
    and their rework), so the scenario is infeasible, and the smallest relaxation is the workshop's
    capacity raised to 111.1111; the rework volume row is in the conflicting set, never relaxed."""
    outcome = optimise(
        scenario_from_text(LOOP.replace("    processing_time: 4\n", "    processing_time: 4\n    capacity: 105\n"))
    )
    assert outcome.status == "infeasible"
    diagnosis = outcome.diagnosis
    relaxed = diagnosis[diagnosis.kind == "relaxation"]
    assert relaxed.field.tolist() == ["nodes.workshop.capacity"]
    assert relaxed.relaxed_to.iloc[0] == pytest.approx(100 / 0.9, rel=1e-6)
    conflicts = diagnosis[diagnosis.kind == "conflict"]
    assert "rework_volume" in set(conflicts.family)
