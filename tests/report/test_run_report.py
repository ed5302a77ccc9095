"""The run report's figures against the run's own tables, read back from the Parquet files.

data/appliance-co.yaml is solved once for the module (and its what-if, data/whatif-wage-rise.yaml,
for --base); every figure's numbers are checked against the tables or summary.json, which the
report must show, not recompute another way.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import APPLIANCE_FILE, CONTACT_CENTRE_FILE, DATA, REWORK_FILE, TINY_FILE

from model.errors import ReportError
from model.report import folder_kind, report_html
from model.report.run import TOP_DEMANDS, page

from .runs import solved_run


@pytest.fixture(scope="module")
def runs_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("report-runs")


@pytest.fixture(scope="module")
def appliance(runs_folder: Path) -> Path:
    return solved_run(APPLIANCE_FILE, runs_folder)


@pytest.fixture(scope="module")
def appliance_page(appliance: Path) -> tuple[str, list[str], list]:
    return page(appliance)


def parquet(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(folder / f"{name}.parquet")


def summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text())


def figure(sections: list, title: str):
    """The one figure whose title starts with `title`."""
    found = [f for s in sections for f in s.figures if (f.layout.title.text or "").startswith(title)]
    assert len(found) == 1, [f.layout.title.text for s in sections for f in s.figures]
    return found[0]


def section(sections: list, title: str):
    found = [s for s in sections if s.title.startswith(title)]
    assert len(found) == 1, [s.title for s in sections]
    return found[0]


def test_headline_has_status_total_with_currency_and_periods(appliance, appliance_page):
    title, headline, _ = appliance_page
    assert title == f"Run report: appliance-co ({appliance.name})"
    assert headline[0] == "Status: optimal (HiGHS: Optimal)"
    # 2,234,629.68 EUR: the optimum the README states for data/appliance-co.yaml
    assert headline[1] == "Total cost: 2,234,629.68 EUR over 3 periods (2027-01 to 2027-03)"


def test_sankey_links_sum_to_the_flows_per_demand_and_stage(appliance, appliance_page):
    sankey = next(t for t in figure(appliance_page[2], "Demand through the value chain").data if t.type == "sankey")
    labels = list(sankey.node.label)
    stage_of = dict(zip(parquet(appliance, "work").node, parquet(appliance, "work").stage))
    links = pd.DataFrame(
        {
            "demand": [row[0] for row in sankey.link.customdata],
            "stage": [stage_of[labels[i]] for i in sankey.link.source],
            "units": list(sankey.link.value),
            "cost": [row[1] for row in sankey.link.customdata],
        }
    )
    flows = parquet(appliance, "flows")
    expected = flows.assign(stage=flows["from"].map(stage_of)).groupby(["demand", "stage"]).units.sum()
    expected = expected[expected > 0]
    shown = links.groupby(["demand", "stage"]).units.sum()
    pd.testing.assert_series_equal(shown.sort_index(), expected.sort_index(), check_exact=False, rtol=1e-12)
    assert links.cost.sum() == pytest.approx(flows.cost.sum(), rel=1e-12)  # the hover's hand-off costs
    # nodes ordered by stage: every link runs left to right, from an earlier stage's column (or the same one)
    x = list(sankey.node.x)
    assert all(x[s] <= x[t] for s, t in zip(sankey.link.source, sankey.link.target))
    assert x[labels.index("call_centre")] < x[labels.index("plant_a")] < x[labels.index("service_north")]


def test_cost_bars_sum_to_the_total_by_stage_category_and_period(appliance, appliance_page):
    total = summary(appliance)["total_cost"]
    by_stage = figure(appliance_page[2], "Cost by stage and category")
    assert sum(sum(trace.y) for trace in by_stage.data) == pytest.approx(total, rel=1e-12, abs=1e-6)
    stage_sums: dict[str, float] = {}
    for trace in by_stage.data:
        for stage, value in zip(trace.x, trace.y):
            stage_sums[stage] = stage_sums.get(stage, 0.0) + value
    assert stage_sums == pytest.approx(summary(appliance)["cost_by_stage"], rel=1e-12)
    assert list(stage_sums) == [
        "market",
        "rnd",
        "sales",
        "manufacturing",
        "delivery",
        "service",
    ]  # the scenario's order
    costs = parquet(appliance, "costs")
    category = {trace.name: sum(trace.y) for trace in by_stage.data}
    assert category == pytest.approx(costs.groupby("category").amount.sum().to_dict(), rel=1e-12)
    by_period = figure(appliance_page[2], "Cost by period and stage")
    period_sums = pd.DataFrame([(p, v) for t in by_period.data for p, v in zip(t.x, t.y)]).groupby(0)[1].sum()
    assert period_sums.to_dict() == pytest.approx(costs.groupby("period").amount.sum().to_dict(), rel=1e-12)


def test_staffing_bars_and_heat_map_are_the_staffing_table(appliance, appliance_page):
    staffing = parquet(appliance, "staffing").set_index(["node", "period", "role"])
    bars = figure(appliance_page[2], "Staff by node and role")
    shown = {(n, p, t.name): v for t in bars.data for n, p, v in zip(t.x[0], t.x[1], t.y)}
    assert shown == pytest.approx(staffing.fte.to_dict(), rel=1e-12)
    heat = figure(appliance_page[2], "Utilisation by node").data[0]
    for row, values in zip(heat.y, heat.z):
        node, _, role = row.partition(" / ")
        for period, value in zip(heat.x, values):
            rows = staffing.xs((node, period), level=("node", "period"))
            expected = rows.utilisation.iloc[0] if not role else rows.utilisation[role]
            assert value == pytest.approx(expected, rel=1e-12, nan_ok=True)
    staffed = staffing.utilisation.notna().groupby(level=("node", "role")).any()
    assert len(heat.y) == int(staffed.sum()) == 10  # every node-role with staffed hours, once (not temp_assembler)
    assert "%" in heat.colorbar.title.text and "%" in heat.hovertemplate


def test_demands_quality_and_response_time_against_their_targets(appliance, appliance_page):
    kpis = parquet(appliance, "demand_kpis").set_index(["demand", "period"])
    quality = figure(appliance_page[2], "Quality against the minimum").data
    assert [t.name for t in quality] == ["quality", "minimum quality (target)"]
    for trace, column in zip(quality, ("quality", "min_quality")):
        shown = dict(zip(zip(*trace.x), trace.y))
        assert shown == pytest.approx(kpis[column].to_dict(), rel=1e-12)
    response = figure(appliance_page[2], "Mean response time").data
    for trace, column in zip(response, ("mean_response_time", "max_mean_response_time")):
        assert dict(zip(zip(*trace.x), trace.y)) == pytest.approx(kpis[column].to_dict(), rel=1e-12)
    intro = section(appliance_page[2], "Demands against their targets").intro
    assert (
        intro[-1]
        == f"{int(kpis.met.sum())} of 18 demand-periods met every target with every unit due served in its period."
    )


def test_what_binds_is_the_sensitivity_tables_first_sentences(appliance, appliance_page):
    sentences = parquet(appliance, "sensitivity").sentence
    intro = section(appliance_page[2], "What binds").intro
    assert intro[0] == f"The first 10 of {len(sentences)} prices (all in sensitivity.parquet):"
    assert intro[1:] == [f"- {s}" for s in sentences.head(10)]


def test_every_axis_title_carries_its_unit(appliance_page):
    for s in appliance_page[2]:
        for f in s.figures:
            if any(t.type == "sankey" for t in f.data):
                assert "units" in f.layout.title.text
                continue
            y_title = f.layout.yaxis.title.text
            assert "(" in y_title and y_title.endswith(")"), y_title
            assert any(unit in y_title for unit in ("EUR", "FTE", "hours", "%", "node")), y_title
            for trace in f.data:
                assert trace.hovertemplate and any(u in trace.hovertemplate for u in ("EUR", "FTE", "hours", "%")), (
                    f.layout.title.text,
                    trace.name,
                )


def test_against_a_base_run_total_and_each_stage(appliance, runs_folder):
    whatif = solved_run(DATA / "whatif-wage-rise.yaml", runs_folder / "whatif")
    _title, headline, sections = page(whatif, appliance)
    base, this = summary(appliance), summary(whatif)
    difference = this["total_cost"] - base["total_cost"]
    assert headline[-1] == (
        f"Against base run appliance-co ({appliance.name}): {base['total_cost']:,.2f} EUR; "
        f"difference {difference:+,.2f} EUR ({difference / base['total_cost']:+.2%})"
    )
    bars = figure(sections, "Cost difference by stage").data[0]
    expected = {s: this["cost_by_stage"].get(s, 0) - base["cost_by_stage"].get(s, 0) for s in base["cost_by_stage"]}
    assert dict(zip(bars.x, bars.y)) == pytest.approx(expected, rel=1e-12, abs=1e-9)
    assert sum(bars.y) == pytest.approx(difference, rel=1e-9)
    # the what-if's five overrides, as data/whatif-wage-rise.yaml gives them (its removal runs first)
    assert headline[3].startswith("With 5 overrides (overrides.yaml): nodes.partner_north removed (")
    assert "; demands.filter_replacement_south.volume = *1.2 (" in headline[3]
    with pytest.raises(ReportError, match=r"--base .*: not a run, sweep, frontier or comparison folder"):
        report_html(whatif, base=DATA)


def test_an_infeasible_run_shows_its_headline_and_diagnosis(runs_folder):
    folder = solved_run(TINY_FILE, runs_folder / "infeasible", ("demands.repairs.max_mean_response_time=5",))
    _title, headline, sections = page(folder)
    assert headline[:2] == [
        "Status: infeasible (HiGHS: Infeasible)",
        "No total cost: the run has no solution over 1 period (P1).",
    ]
    assert [s.title for s in sections] == ["Diagnosis: why there is no plan"]
    intro = sections[0].intro
    # the README's example of this very scenario: 5 h cannot be met; 8.00 h can (the 5 h is --set's)
    assert "- demands.repairs.max_mean_response_time (--set): 5 h cannot be met for repairs in P1; 8.00 h can." in intro
    diagnosis = pd.read_csv(folder / "diagnosis.csv")
    assert sum(line.startswith("- ") for line in intro) == len(diagnosis)
    _caption, table = sections[0].tables[0]
    assert table.to_dict("records") == [
        {
            "field": "demands.repairs.max_mean_response_time",
            "period": "P1",
            "current": "5.0",
            "relaxed to": "8.0",
            "unit": "hour",
        }
    ]
    assert "<!DOCTYPE html>" in report_html(folder)  # the page renders without any table


@pytest.fixture(scope="module")
def queued(runs_folder: Path) -> Path:
    """data/contact-centre.yaml solved: a run with queues (time unit: minute)."""
    return solved_run(CONTACT_CENTRE_FILE, runs_folder / "queues")


def test_queues_service_levels_against_their_targets(queued):
    folder = queued
    queues = parquet(folder, "queues")
    levels = figure(page(folder)[2], "Queues: service level").data
    key = list(zip(queues.node + " / " + queues.lane, queues.period))
    assert dict(zip(zip(*levels[0].x), levels[0].y)) == pytest.approx(
        dict(zip(key, queues.service_level)), rel=1e-12, nan_ok=True
    )
    targets = {k: v for k, v in zip(zip(*levels[1].x), levels[1].y) if v is not None and v == v}
    assert targets == pytest.approx({k: v for k, v in zip(key, queues.service_level_target) if v == v}, rel=1e-12)


def test_the_cost_of_poor_quality_is_the_rework_table(runs_folder):
    """data/rework.yaml with vendor_good at 45 EUR: vendor_cheap takes the 1,000 repairs and redoes
    70 / 0.93 = 75.27 of them at 15 EUR: 1,129.03 EUR of rework (tests/lp/test_rework.py works it out),
    shown as the section's sentence and its one row, as in the run's rework table and summary.json."""
    folder = solved_run(REWORK_FILE, runs_folder / "rework", ("nodes.vendor_good.unit_cost=45",))
    assert summary(folder)["cost_of_poor_quality"] == pytest.approx(
        {"rework_cost": 15 * 70 / 0.93, "units_reworked": 70 / 0.93}, rel=1e-9
    )
    part = section(page(folder)[2], "Rework cost (the cost of poor quality the scenario prices)")
    assert part.intro[0].startswith(
        "Rework cost (the cost of poor quality the scenario prices): 1,129.03 EUR of rework for 75.27 units done wrong"
    )
    assert "The second passes' processing, hand-offs and staff are in their own categories." in part.intro[0]
    ((_title, table),) = part.tables
    assert table.to_dict("records") == [
        {
            "demand": "repairs",
            "node": "vendor_cheap",
            "mode": "vendor_cheap",
            "to": "vendor_cheap",
            "units reworked": "75.27",
            "rework cost (EUR)": "1,129.03",
        }
    ]
    assert "Rework cost (the cost of poor quality the scenario prices)" not in [
        s.title for s in page(solved_run(TINY_FILE, runs_folder / "tiny"))[2]
    ]


def test_a_large_run_is_folded_and_still_adds_up(runs_folder, tmp_path):
    """More demands than TOP_DEMANDS: the rest are one flow, and every stage's units are all there."""
    from model.generate import Size, generate
    from model.scenario.fastyaml import plain_text

    file = tmp_path / "generated.yaml"
    file.write_text(plain_text(generate(Size(nodes_per_stage=2, demands=TOP_DEMANDS + 5, periods=1))))
    folder = solved_run(file, runs_folder / "generated")
    sankey = figure(page(folder)[2], "Demand through the value chain").data[0]
    demands = {row[0] for row in sankey.link.customdata}
    assert len(demands) == TOP_DEMANDS + 1
    flows = parquet(folder, "flows")
    other = [d for d in demands if d.startswith("other demands")]
    assert other == [f"other demands ({flows.demand.nunique() - TOP_DEMANDS})"]
    assert sum(sankey.link.value) == pytest.approx(flows.units.sum(), rel=1e-12)


def test_folder_kind_tells_the_kinds_apart_and_names_anything_else(tmp_path, appliance):
    assert folder_kind(appliance) == "run"
    for kind, marker in (("comparison", "comparison.json"), ("sweep", "sweep.json"), ("frontier", "frontier.parquet")):
        folder = tmp_path / kind
        folder.mkdir()
        (folder / "summary.json").write_text("{}")
        (folder / "scenario.yaml").write_text("")
        (folder / marker).write_text("")
        assert folder_kind(folder) == kind
    with pytest.raises(ReportError, match="no such folder"):
        folder_kind(tmp_path / "missing")
    with pytest.raises(ReportError, match="not a folder"):
        folder_kind(appliance / "summary.json")
    with pytest.raises(ReportError, match="not a run, sweep, frontier or comparison folder"):
        folder_kind(DATA)


def test_a_damaged_run_folder_is_named_not_a_traceback(appliance, tmp_path):
    import shutil

    folder = tmp_path / "run"
    shutil.copytree(appliance, folder)
    (folder / "costs.parquet").write_bytes(b"not parquet")
    with pytest.raises(ReportError, match=r"costs\.parquet is damaged \(cut short: not a whole Parquet file\)"):
        report_html(folder)
    (folder / "costs.parquet").unlink()
    with pytest.raises(ReportError, match=r"costs\.parquet is missing: the folder is incomplete"):
        report_html(folder)
    (folder / "summary.json").write_text('{"status": ')
    with pytest.raises(ReportError, match=r"summary\.json is damaged \(not JSON: .*\): it cannot be reported"):
        report_html(folder)


def test_a_base_run_of_another_scenario_is_warned_of_first(appliance, runs_folder):
    """appliance-co against tiny: +2,181,143.97 EUR (+4077.99 %) is no change to one business. tiny's
    stages are market and service; appliance-co's market, rnd, sales, manufacturing, delivery, service."""
    tiny = solved_run(TINY_FILE, runs_folder / "tiny-base")
    _title, headline, sections = page(appliance, tiny)
    assert headline[:2] == [
        "Warning: the base run is of another scenario (tiny, this run appliance-co): the difference compares "
        "two different businesses, not a change to one.",
        "Warning: the base run's stages differ (only in this run: rnd, sales, manufacturing, delivery): the "
        "difference stage by stage compares two value chains.",
    ]
    assert section(sections, "Against the base run").intro[:2] == headline[:2]
    difference = summary(appliance)["total_cost"] - summary(tiny)["total_cost"]
    assert headline[-1].endswith(
        f"difference {difference:+,.2f} EUR ({difference / summary(tiny)['total_cost']:+,.2%})"
    )
    html = report_html(appliance, tiny)
    assert '<p class="warning">Warning: the base run is of another scenario (tiny, this run appliance-co)' in html


def test_a_base_run_of_the_same_scenario_has_no_warning(appliance, runs_folder):
    whatif = solved_run(DATA / "whatif-wage-rise.yaml", runs_folder / "whatif-no-warning")
    _title, headline, _sections = page(whatif, appliance)
    assert not [line for line in headline if line.startswith("Warning")]
    assert 'class="warning"' not in report_html(whatif, appliance)


def test_a_base_run_in_another_currency_is_refused(appliance, tmp_path):
    usd = tmp_path / "tiny-usd.yaml"
    usd.write_text(TINY_FILE.read_text().replace("currency: EUR", "currency: USD"))
    base = solved_run(usd, tmp_path / "runs")
    assert summary(base)["currency"] == "USD"
    with pytest.raises(
        ReportError, match=r"--base .*: its costs are in USD and this run's in EUR; costs in two currencies"
    ):
        page(appliance, base)


def test_targets_stand_out_and_units_are_plural_everywhere(appliance, appliance_page):
    """The response-time bars were red-orange under red targets; units read `hour` here and `hours` there."""
    from model.report.run import FIGURE_BARS, TARGET

    sections = appliance_page[2]
    bars, limit = figure(sections, "Mean response time").data
    assert bars.marker.color == FIGURE_BARS == "#6baed6" and limit.marker.color == TARGET == "#222222"
    assert limit.hovertemplate.endswith("%{y:,.2f} hours<extra></extra>")
    _caption, table = section(sections, "Demands against their targets").tables[0]
    assert [c for c in table.columns if "(" in c and ("hour" in c or "unit" in c)] == [
        "served (units)",
        "mean response (hours)",
        "limit on mean (hours)",
        "cost per unit (EUR per unit)",
    ]
    sankey = figure(sections, "Demand through the value chain").data[0]
    assert sankey.valuesuffix == " units" and " units<br>" in sankey.link.hovertemplate
    # the page may shorten the labels on a narrow screen: the full names stay in meta and the hovers
    assert list(sankey.node.label) == list(sankey.meta["full_labels"]) == [row[3] for row in sankey.node.customdata]
    assert "%{customdata[3]}" in sankey.node.hovertemplate and "%{source.label}" not in sankey.link.hovertemplate
    heat = figure(sections, "Utilisation by node").data[0]
    assert (heat.colorbar.title.text, heat.colorbar.title.side) == ("utilisation (%)", "right")


def test_the_queue_chart_says_what_a_service_level_is_in_words(queued):
    queues = section(page(queued)[2], "Queues")
    levels = queues.figures[0]
    assert levels.layout.yaxis.title.text == "service level (% answered in time)"
    assert "`" not in levels.layout.yaxis.title.text + " ".join(queues.intro)
    assert queues.intro[0].endswith("(its target's time, in minutes; the hover gives it).")
    assert levels.data[0].hovertemplate.endswith("answered within %{customdata:,.2f} minutes<extra></extra>")


def test_the_overrides_line_names_five_and_counts_the_rest():
    from model.report.run import overrides_line

    overrides = [{"override": f"roles.r{i}.cost_per_fte", "value": "+5%", "origin": "--set"} for i in range(7)]
    line = overrides_line(overrides, in_folder=False)  # a what-if solved in the workbench: no overrides.yaml
    assert line == (
        "With 7 overrides: roles.r0.cost_per_fte = +5% (--set); roles.r1.cost_per_fte = +5% (--set); "
        "roles.r2.cost_per_fte = +5% (--set); roles.r3.cost_per_fte = +5% (--set); "
        "roles.r4.cost_per_fte = +5% (--set); and 2 more."
    )
