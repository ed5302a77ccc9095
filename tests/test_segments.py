"""Segments and profit (issue 16, item 5): `objective: margin`, worked by hand, and the `segments`
roll-up against the per-demand tables.

The hand-worked chain (TWO): a desk (no cost) hands every unit to vendor_a (30 EUR a unit, at most
100 units) or vendor_b (60 EUR a unit, no limit). premium: 80 units at 100 EUR; basic: 50 units at
a price set per test. Under cost every unit is served: 100 at vendor_a, 30 at vendor_b, 3,000 +
1,800 = 4,800 EUR. Under margin a unit is served only where its price covers its cost: premium
(100 > 60) always; basic at 20 (< 30) never; basic at 45 only at vendor_a (30 < 45 < 60), where
premium leaves it 100 - 80 = 20 places.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import APPLIANCE_FILE, DATA, e2eopt, only_folder, scenario_data, scenario_from_data, scenario_from_text

from model.check import check_objective
from model.explain.segments import HORIZON, NONE
from model.lp import build
from model.network import index_sets
from model.optimise import optimise
from model.scenario import load_scenario
from model.solution import evaluate

EXAMPLE = DATA / "two-segments.yaml"
"""The shipped example: TWO under cost with basic at 45 EUR (README, Profit by segment)."""

TWO = """
scenario:
  name: two-segments
  currency: EUR
  period_length: 730
  objective: {objective}
stages: [market, service]
nodes:
  desk: {{stage: market}}
  vendor_a: {{stage: service, unit_cost: 30, capacity: 100}}
  vendor_b: {{stage: service, unit_cost: 60}}
arcs:
  - {{from: desk, to: vendor_a}}
  - {{from: desk, to: vendor_b}}
demands:
  premium: {{origin: desk, sinks: [vendor_a, vendor_b], volume: 80, price: 100, segment: premium,
             labels: {{channel: web}}}}
  basic: {{origin: desk, sinks: [vendor_a, vendor_b], volume: 50, price: {basic_price}, segment: basic}}
"""


def two(objective: str, basic_price: float) -> str:
    return textwrap.dedent(TWO.format(objective=objective, basic_price=basic_price))


@pytest.fixture(scope="module")
def outcomes():
    """The four solves the tests read: (objective, basic's price) -> Outcome."""
    return {
        (objective, price): optimise(scenario_from_text(two(objective, price)))
        for objective in ("cost", "margin")
        for price in (20, 45)
    }


def figures(outcome) -> tuple[float, float, float]:
    """(total cost, revenue, margin) of a run, EUR."""
    profit = outcome.profit
    return profit["total_cost"], profit["revenue"], profit["margin"]


def kpi(outcome, demand: str, column: str) -> float:
    kpis = outcome.tables["demand_kpis"]
    return float(kpis.loc[kpis.demand == demand, column].sum())


# ---- objective: cost and margin, by hand ---------------------------------------------------------


def test_under_cost_every_demand_is_served_and_the_objective_is_the_cost(outcomes):
    """4,800 EUR (above); revenue 80 x 100 + 50 x 20 = 9,000 EUR, margin 4,200 EUR."""
    outcome = outcomes["cost", 20]
    assert outcome.status == "optimal"
    assert figures(outcome) == pytest.approx((4800.0, 9000.0, 4200.0))
    assert outcome.objective == pytest.approx(4800.0)
    assert kpi(outcome, "basic", "served") == pytest.approx(50.0)
    assert "dropped" not in outcome.profit


def test_under_margin_the_demand_priced_below_its_cost_is_dropped(outcomes):
    """basic at 20 EUR costs at least 30: dropped. premium 80 units at vendor_a: 2,400 EUR; revenue
    8,000, margin 5,600 (against 4,200 under cost). The LP's objective is cost + revenue forgone:
    2,400 + 50 x 20 = 3,400. Serving all (the cost solve) costs 4,800, 2,400 more, margin 4,200."""
    outcome = outcomes["margin", 20]
    assert figures(outcome) == pytest.approx((2400.0, 8000.0, 5600.0))
    assert outcome.objective == pytest.approx(3400.0)
    assert kpi(outcome, "basic", "served") == pytest.approx(0.0, abs=1e-9)
    assert kpi(outcome, "basic", "unmet") == pytest.approx(50.0)
    assert not outcome.tables["demand_kpis"].set_index("demand").met["basic"]
    [dropped] = outcome.profit["dropped"]
    assert dropped["demand"] == "basic" and dropped["segment"] == "basic"
    assert dropped["units_dropped"] == pytest.approx(50.0)
    assert dropped["revenue_forgone"] == pytest.approx(1000.0)
    serving_all = outcome.profit["serving_all"]
    assert serving_all["status"] == "optimal"
    assert serving_all["total_cost"] == pytest.approx(4800.0)
    assert serving_all["extra_cost"] == pytest.approx(2400.0)
    assert serving_all["margin"] == pytest.approx(4200.0)


def best_basic_units_by_enumeration(price: float) -> tuple[int, float]:
    """A second method: try every whole number of basic units served, 0 to 50, premium's 80 always
    served; each plan's cost fills vendor_a (30, at most 100) before vendor_b (60). The best margin
    and how many basic units give it."""

    def cost(units: int) -> float:
        at_a = min(units, 100)
        return 30.0 * at_a + 60.0 * (units - at_a)

    margins = {s: 80 * 100 + price * s - cost(80 + s) for s in range(51)}
    best = max(margins, key=lambda s: margins[s])
    return best, margins[best]


def test_a_demand_that_pays_only_for_its_cheapest_units_is_partly_served(outcomes):
    """basic at 45: its units pay at vendor_a (30) but not at vendor_b (60), and premium takes 80 of
    vendor_a's 100 places, so 20 are served and 30 unmet. Cost 100 x 30 = 3,000; revenue 8,000 + 20
    x 45 = 8,900; margin 5,900. Objective 3,000 + 30 x 45 = 4,350. Serving all: 4,800 (1,800 more),
    revenue 10,250, margin 5,450."""
    outcome = outcomes["margin", 45]
    assert best_basic_units_by_enumeration(45) == (20, pytest.approx(5900.0))
    assert kpi(outcome, "basic", "served") == pytest.approx(20.0)
    assert kpi(outcome, "basic", "unmet") == pytest.approx(30.0)
    assert figures(outcome) == pytest.approx((3000.0, 8900.0, 5900.0))
    assert outcome.objective == pytest.approx(4350.0)
    [dropped] = outcome.profit["dropped"]
    assert (dropped["units_dropped"], dropped["share_dropped"], dropped["revenue_forgone"]) == pytest.approx(
        (30.0, 0.6, 1350.0)
    )
    assert outcome.profit["serving_all"]["extra_cost"] == pytest.approx(1800.0)
    assert outcome.profit["serving_all"]["revenue"] == pytest.approx(10250.0)
    # The costs table books true costs only: the revenue forgone is in no category.
    assert outcome.tables["costs"].amount.sum() == pytest.approx(3000.0)
    assert set(outcome.tables["costs"].category) == {"processing"}


def test_under_margin_the_sensitivity_table_and_marginal_costs_speak_of_the_margin(outcomes):
    """basic at 45, 20 of its units served at vendor_a. One more premium unit takes a vendor_a place
    from basic: +100 revenue, -45 revenue, cost unchanged: the margin rises by 55 (cost - revenue
    -55 per unit). One more basic unit is dropped: 0. One more unit of vendor_a's capacity serves one
    more basic unit: +45 - 30 = 15."""
    outcome = outcomes["margin", 45]
    kpis = outcome.tables["demand_kpis"].set_index("demand")
    assert kpis.marginal_cost["premium"] == pytest.approx(-55.0)
    assert kpis.marginal_cost["basic"] == pytest.approx(0.0, abs=1e-9)
    table = outcome.tables["sensitivity"].set_index("field")
    assert table.shadow_price["demands.premium.volume"] == pytest.approx(-55.0)
    assert table.shadow_price["nodes.vendor_a.capacity"] == pytest.approx(-15.0)
    assert "would raise the margin by 15.00 EUR" in table.sentence["nodes.vendor_a.capacity"]
    # cost - revenue at the capacity range's top (130 units: every basic unit at vendor_a):
    # 3,000 - 8,900 - 15 x 30 = -6,350, i.e. a margin of 6,350 = 8,000 + 2,250 - 3,900.
    assert table.valid_to["nodes.vendor_a.capacity"] == pytest.approx(130.0)
    assert table.cost_at_to["nodes.vendor_a.capacity"] == pytest.approx(-6350.0)


def test_the_independent_check_holds_cost_plus_revenue_forgone_to_the_objective(outcomes):
    """Under margin (basic at 45) the solver's 4,350 is the cost 3,000 plus 30 x 45 forgone; a claim
    that the objective is the cost alone fails, naming both parts."""
    scenario = scenario_from_text(two("margin", 45))
    sets = index_sets(scenario)
    from model.solve import solve

    solution = solve(build(sets), ranging=False)
    ev = evaluate(sets, solution.values)
    assert float(ev.forgone.sum()) == pytest.approx(1350.0)
    assert float(ev.revenue.sum()) == pytest.approx(8900.0)
    assert check_objective(ev, solution.objective) == []
    [found] = check_objective(ev, 3000.0)
    assert "the revenue forgone to 1350.000000" in found


def test_under_cost_a_price_leaves_the_lp_as_it_was():
    """objective: cost is today's LP: appliance-co with a price on every demand (or under objective:
    margin with no price) builds the very LP appliance-co builds."""
    plain = build(index_sets(load_scenario(APPLIANCE_FILE)))
    data = scenario_data(APPLIANCE_FILE)
    for spec in data["demands"].values():
        spec["price"] = 250.0
    priced = build(index_sets(scenario_from_data(data)))
    unpriced = scenario_data(APPLIANCE_FILE)
    unpriced["scenario"]["objective"] = "margin"
    margin_without_prices = build(index_sets(scenario_from_data(unpriced)))
    for other in (priced, margin_without_prices):
        for name in ("cost", "col_lower", "col_upper", "row_lower", "row_upper", "data"):
            np.testing.assert_array_equal(getattr(other.numbers, name), getattr(plain.numbers, name), err_msg=name)
        assert (other.matrix != plain.matrix).nnz == 0


# ---- the segments table --------------------------------------------------------------------------


def test_the_segments_table_of_the_hand_worked_case(outcomes):
    """basic at 45 under margin: premium 80 served at 30 (2,400 EUR, revenue 8,000), basic 20 served
    at 30 (600 EUR, revenue 900); by channel, web is premium and basic has none."""
    table = outcomes["margin", 45].tables["segments"].set_index(["group", "value", "period"])
    assert table.loc[
        ("segment", "basic", HORIZON), ["served", "unmet", "revenue", "cost_to_serve", "margin"]
    ].tolist() == [
        pytest.approx(20.0),
        pytest.approx(30.0),
        pytest.approx(900.0),
        pytest.approx(600.0),
        pytest.approx(300.0),
    ]
    assert table.loc[("channel", "web", "P1"), "margin"] == pytest.approx(5600.0)
    assert table.loc[("channel", NONE, "P1"), "revenue_per_unit"] == pytest.approx(45.0)
    assert table.loc[("segment", "premium", "P1"), "cost_per_unit"] == pytest.approx(30.0)


@pytest.fixture(scope="module")
def appliance_by_segment():
    """appliance-co (three months) with two segments and a label on some demands, under cost: the
    roll-up read against the cost_to_serve and demand_kpis tables."""
    data = scenario_data(APPLIANCE_FILE)
    names = list(data["demands"])
    for i, name in enumerate(names):
        if i % 3 != 2:  # every third demand names no segment: it rolls up as (none)
            data["demands"][name]["segment"] = "key" if i % 3 == 0 else "mass"
        data["demands"][name]["price"] = 300.0 + 10 * i
        if i < 2:
            data["demands"][name]["labels"] = {"region": "north"}
    scenario = scenario_from_data(data)
    return scenario, optimise(scenario, sensitivity=False)


def test_the_roll_up_adds_up_to_the_per_demand_tables_to_the_cent(appliance_by_segment):
    scenario, outcome = appliance_by_segment
    assert outcome.status == "optimal"
    segments, serving, kpis = (outcome.tables[n] for n in ("segments", "cost_to_serve", "demand_kpis"))
    serving = serving[serving.demand != "(unallocated)"]
    segment_of = {d: spec.segment or NONE for d, spec in scenario.demands.items()}
    region_of = {d: spec.labels.get("region", NONE) for d, spec in scenario.demands.items()}
    for group, of in (("segment", segment_of), ("region", region_of)):
        rows = segments[segments.group == group]
        expected = (
            serving.assign(value=serving.demand.map(of))
            .groupby(["value", "period"])[["cost_to_serve", "revenue"]]
            .sum()
        )
        volumes = (
            kpis.assign(value=kpis.demand.map(of)).groupby(["value", "period"])[["volume", "served", "unmet"]].sum()
        )
        by_period = rows[rows.period != HORIZON].set_index(["value", "period"])
        for column in ("cost_to_serve", "revenue"):
            pd.testing.assert_series_equal(
                by_period[column].sort_index(), expected[column].sort_index(), check_names=False, atol=0.005, rtol=0
            )
        for column in ("volume", "served", "unmet"):
            pd.testing.assert_series_equal(
                by_period[column].sort_index(), volumes[column].sort_index(), check_names=False, atol=1e-6, rtol=0
            )
        horizon = rows[rows.period == HORIZON].set_index("value")
        summed = by_period.groupby(level="value")[["cost_to_serve", "revenue", "served"]].sum()
        for column in summed.columns:
            assert (horizon[column] - summed[column]).abs().max() < 0.005, column
        # Every group's cost column adds up to the cost_to_serve table's demand rows.
        assert horizon.cost_to_serve.sum() == pytest.approx(serving.cost_to_serve.sum(), abs=0.005)
        assert set(horizon.index) == set(of.values())
    counts = segments[(segments.group == "segment") & (segments.period == HORIZON)].set_index("value").demands
    assert counts.to_dict() == pd.Series(segment_of).value_counts().to_dict()


# ---- through the commands ------------------------------------------------------------------------


def test_the_shipped_example_is_the_hand_worked_case():
    assert load_scenario(EXAMPLE) == scenario_from_text(two("cost", 45))


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("segments")
    (folder / "cost.yaml").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "margin.yaml").write_text(two("margin", 45), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def margin_run(files):
    """`e2eopt solve cost.yaml --set scenario.objective=margin`: its result and run folder."""
    result = e2eopt("solve", "cost.yaml", "--set", "scenario.objective=margin", "--out", "set", cwd=files)
    return result, only_folder(files / "set")


def test_set_objective_margin_is_a_what_if_and_solve_says_what_was_dropped(margin_run):
    result, folder = margin_run
    assert result.returncode == 0, result.stderr
    assert "Revenue: 8,900.00 EUR; margin (revenue - total cost): 5,900.00 EUR, maximised" in result.stdout
    assert "Demands dropped" in result.stdout and "1,350.00" in result.stdout
    assert "would cost 4,800.00 EUR, 1,800.00 EUR more" in result.stdout
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["profit"]["objective"] == "margin"
    assert summary["profit"]["dropped"][0]["units_dropped"] == pytest.approx(30.0)
    assert summary["total_cost"] == pytest.approx(3000.0)
    assert summary["objective"] == pytest.approx(4350.0)
    segments = pd.read_csv(folder / "segments.csv")
    assert segments.margin.dropna().gt(0).all()


def test_a_word_the_objective_does_not_take_is_refused_with_exit_2(files):
    result = e2eopt("solve", "cost.yaml", "--set", "scenario.objective=profit", cwd=files)
    assert result.returncode == 2
    assert "'profit' is not allowed for scenario.objective: give one of cost, margin" in result.stderr


def test_compare_puts_what_the_margin_plan_saves_in_routing(files):
    """cost (4,800) against margin (3,000): -1,800 EUR in service, all of it routing (the volumes due
    and the prices are the same; the plan serves fewer units); the notes give revenue and margin
    (10,250 -> 8,900 and 5,450 -> 5,900, as worked out above)."""
    for name in ("cost", "margin"):
        assert e2eopt("solve", f"{name}.yaml", "--out", f"runs-{name}", cwd=files).returncode == 0
    a, b = only_folder(files / "runs-cost"), only_folder(files / "runs-margin")
    result = e2eopt("compare", str(a), str(b), "--out", "cmp", cwd=files)
    assert result.returncode == 0, result.stderr
    assert (
        "Revenue 10,250.00 EUR -> 8,900.00 EUR; margin (revenue - total cost) 5,450.00 EUR -> 5,900.00 EUR "
        "(objective: cost -> margin)." in result.stdout
    )
    assert "left 30.0 units of basic unserved, forgoing 1,350.00 EUR" in result.stdout
    assert "do not reprice" not in result.stdout  # basic's unmet units cost nothing under margin
    bridge = pd.read_csv(files / "cmp" / "bridge.csv").set_index("stage")
    assert bridge.change["(total)"] == pytest.approx(-1800.0)
    assert bridge.routing["service"] == pytest.approx(-1800.0)


def test_a_sweep_of_the_price_under_margin(files):
    """basic at 20 is dropped (2,400 EUR), at 45 partly served (3,000 EUR), as worked above."""
    result = e2eopt(
        "sweep", "margin.yaml", "--grid", "demands.basic.price=20,45", "--workers", "1", "--out", "sweeps", cwd=files
    )
    assert result.returncode == 0, result.stderr
    points = pd.read_csv(only_folder(files / "sweeps") / "points.csv")
    assert points.total_cost.tolist() == pytest.approx([2400.0, 3000.0])
    assert points["served.basic"].tolist() == pytest.approx([0.0, 20.0])
    assert points.margin.tolist() == pytest.approx([5600.0, 5900.0])  # 8,000 - 2,400; 8,900 - 3,000


def test_the_report_shows_profit_by_segment_and_the_demands_dropped(margin_run):
    """The margin run written by the --set test (basic at 45): the report's profit section says the
    figures worked out above and lists basic, 30 units, 1,350 EUR forgone."""
    from model.report.run import page

    _, _, sections = page(margin_run[1])
    [section] = [s for s in sections if s.title == "Profit by segment"]
    assert section.intro[0] == (
        "Revenue 8,900.00 EUR, total cost 3,000.00 EUR, margin 5,900.00 EUR: the plan of greatest margin "
        "(objective: margin). 1 demand left 30.0 units unserved, forgoing 1,350.00 EUR of revenue. Serving every "
        "demand would cost 1,800.00 EUR more (4,800.00 EUR in all), for a margin of 5,450.00 EUR."
    )
    tables = dict(section.tables)
    segments = tables["By segment, over the horizon"].set_index("segment")
    assert segments["margin (EUR)"].to_dict() == {"premium": "5,600.00", "basic": "300.00"}
    assert tables["Demands dropped"].iloc[0].tolist() == ["basic", "basic", "30.0", "60.00%", "1,350.00"]


def test_the_finance_workbook_says_what_was_optimised_and_the_margin(margin_run, tmp_path):
    """The export's run sheet: objective 4,350 (cost 3,000 + 1,350 forgone), revenue 8,900, margin
    5,900, basic dropped; the segments table is a sheet."""
    from openpyxl import load_workbook

    from model.export import export

    target = export(margin_run[1], "xlsx", tmp_path / "book.xlsx")
    book = load_workbook(target)
    rows = {row[0]: row[1] for row in book["run"].iter_rows(min_row=2, values_only=True)}
    assert (rows["objective"], rows["total cost (rounded to the cent)"]) == (4350, 3000)
    assert (rows["optimised"], rows["revenue"], rows["margin"], rows["demands dropped"]) == (
        "margin",
        8900,
        5900,
        "basic",
    )
    assert "segments" in book.sheetnames


def test_under_margin_a_demand_whose_target_no_route_meets_is_dropped_not_infeasible():
    """Both vendors do 90 % right; basic asks 95 %. Under cost: infeasible (no plan meets it). Under
    margin basic is dropped whole (a mean over no units served meets any target): premium's 80 at
    vendor_a, 2,400 EUR; 50 x 45 = 2,250 EUR forgone; serving all is infeasible."""
    text = two("{objective}", 45).replace(
        "vendor_a: {stage: service, unit_cost: 30, capacity: 100}",
        "vendor_a: {stage: service, unit_cost: 30, capacity: 100, quality: 0.9}",
    )
    text = text.replace(
        "vendor_b: {stage: service, unit_cost: 60}", "vendor_b: {stage: service, unit_cost: 60, quality: 0.9}"
    )
    text = text.replace("price: 45, segment: basic", "price: 45, segment: basic, min_quality: 0.95")
    assert optimise(scenario_from_text(text.replace("{objective}", "cost")), sensitivity=False).status == "infeasible"
    outcome = optimise(scenario_from_text(text.replace("{objective}", "margin")), sensitivity=False)
    assert outcome.status == "optimal"
    assert outcome.profit["total_cost"] == pytest.approx(2400.0)
    [dropped] = outcome.profit["dropped"]
    assert (dropped["units_dropped"], dropped["revenue_forgone"]) == pytest.approx((50.0, 2250.0))
    assert outcome.profit["serving_all"] == {"status": "infeasible"}


def test_backlog_left_at_the_end_is_revenue_forgone_like_an_unmet_unit():
    """One demand, 0 then 150 units at 40 EUR; the vendor does 100 a period at 30 EUR. Of the 50 P2
    cannot serve, each unmet costs 10 (penalty) + 40 (forgone) = 50, each left in backlog at the end
    5 + 40 = 45 (final_backlog 50 allows it): all 50 stay in backlog. Cost 100 x 30 + 50 x 5 = 3,250;
    revenue 100 x 40 = 4,000; margin 750; objective 3,250 + 50 x 40 = 5,250; 50 units dropped."""
    outcome = optimise(
        scenario_from_text(
            """
            scenario: {name: end-backlog, currency: EUR, period_length: 730, periods: 2, objective: margin}
            stages: [market, service]
            nodes:
              desk: {stage: market}
              vendor: {stage: service, unit_cost: 30, capacity: 100}
            arcs: [{from: desk, to: vendor}]
            demands:
              orders: {origin: desk, sinks: [vendor], volume: [0, 150], price: 40, unmet_penalty: 10,
                       backlog_cost: 5, final_backlog: 50}
            """
        ),
        sensitivity=False,
    )
    assert outcome.status == "optimal", outcome.message
    assert figures(outcome) == pytest.approx((3250.0, 4000.0, 750.0))
    assert outcome.objective == pytest.approx(5250.0)
    [dropped] = outcome.profit["dropped"]
    assert (dropped["units_dropped"], dropped["revenue_forgone"]) == pytest.approx((50.0, 2000.0))
    assert kpi(outcome, "orders", "unmet") == pytest.approx(0.0, abs=1e-9)
