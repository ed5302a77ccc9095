"""The comparison report's figures against the runs' own tables and summaries.

A is tiny.yaml as shipped; B doubles the repairs (2,000) and pays technicians 5,600 EUR instead of
5,200. By hand (tests/report/folders.py): A costs 400 team units + 600 vendor units = 53,485.71 EUR;
in B the vendor is full (800) and the team takes 1,200 at 1.5 / 140 * 5,600 = 60 EUR: 113,600 EUR.
The bridge: volume = A's cost x (2 - 1); rate = 400 EUR more for each of B's 1,200 * 1.5 / 140 FTE;
mix = 0 (one demand); routing = the rest.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from model.errors import ReportError
from model.report import folder_kind, report_html
from model.report.comparison import EFFECTS, axis_start, page

from .folders import BASE_TOTAL, VENDOR_UNIT, comparison_folder, run_folder

B_TOTAL = 1200 * 60.0 + 800 * VENDOR_UNIT
B_FTE = 1200 * 1.5 / 140


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    where = tmp_path_factory.mktemp("compare")
    a = run_folder(where, "a", {})
    b = run_folder(where, "b", {"volume: 1000": "volume: 2000", "cost_per_fte: 5200": "cost_per_fte: 5600"})
    return a, b, comparison_folder(where, a, b)


def total_cost(run) -> float:
    return json.loads((run / "summary.json").read_text())["total_cost"]


def test_the_waterfall_steps_from_as_total_to_bs(runs):
    a, b, folder = runs
    assert folder_kind(folder) == "comparison"
    _, headline, sections = page(folder)
    waterfall = sections[0].figures[0]
    trace = waterfall.data[0]
    assert trace.type == "waterfall"
    assert list(trace.measure) == ["absolute", "relative", "relative", "relative", "relative", "total"]
    assert list(trace.x) == ["A: total", *EFFECTS, "B: total"]
    start, *steps, end = trace.y
    assert start == pytest.approx(total_cost(a), abs=1e-6) and end == pytest.approx(total_cost(b), abs=1e-6)
    assert sum(steps) == pytest.approx(total_cost(b) - total_cost(a), abs=1e-6)  # the steps reconcile
    volume, rate, mix, routing = steps
    assert (start, end) == pytest.approx((BASE_TOTAL, B_TOTAL), abs=1e-6)
    assert volume == pytest.approx(BASE_TOTAL, abs=1e-6)  # demand doubled: A's cost once more
    assert rate == pytest.approx(400 * B_FTE, abs=1e-6)
    assert mix == pytest.approx(0.0, abs=1e-9)
    assert routing == pytest.approx(B_TOTAL - 2 * BASE_TOTAL - 400 * B_FTE, abs=1e-6)
    assert waterfall.layout.yaxis.title.text == "total cost (EUR)"
    assert all("EUR" in hover for hover in trace.hovertemplate)
    assert headline[2] == (
        f"Total cost {BASE_TOTAL:,.2f} EUR -> {B_TOTAL:,.2f} EUR: +{B_TOTAL - BASE_TOTAL:,.2f} EUR "
        f"(+{(B_TOTAL / BASE_TOTAL - 1) * 100:.2f}%)."
    )


def test_effects_by_stage_add_up_to_each_stages_change(runs):
    a, b, folder = runs
    _, _, sections = page(folder)
    by_stage = sections[0].figures[1]
    stages = list(by_stage.data[0].x)
    summed = np.sum([np.asarray(bar.y, dtype=float) for bar in by_stage.data], axis=0)
    costs_a = pd.read_parquet(a / "costs.parquet").groupby("stage").amount.sum()
    costs_b = pd.read_parquet(b / "costs.parquet").groupby("stage").amount.sum()
    change = costs_b.reindex(stages, fill_value=0.0) - costs_a.reindex(stages, fill_value=0.0)
    assert summed == pytest.approx(change.to_numpy(), abs=1e-6)


def test_cost_by_stage_and_category_side_by_side_are_the_runs_costs(runs):
    a, b, folder = runs
    _, _, sections = page(folder)
    totals = next(s for s in sections if s.title == "Cost by stage and category").figures[0]
    side_a, side_b = totals.data
    for run, side in ((a, side_a), (b, side_b)):
        costs = pd.read_parquet(run / "costs.parquet").groupby(["stage", "category"]).amount.sum()
        keys = list(zip(side.x[0], side.x[1]))
        assert list(side.y) == pytest.approx(costs.reindex(keys, fill_value=0.0).tolist(), abs=1e-6)
    assert totals.layout.yaxis.title.text == "cost over the horizon (EUR)"


def test_the_largest_staffing_change_is_the_runs_fte_difference(runs):
    a, b, folder = runs
    _, _, sections = page(folder)
    staffing = next(s for s in sections if s.title == "Staffing")
    bar = staffing.figures[0].data[0]
    fte_a = pd.read_parquet(a / "staffing.parquet").fte.sum()
    fte_b = pd.read_parquet(b / "staffing.parquet").fte.sum()
    assert list(bar.x) == pytest.approx([fte_b - fte_a])
    assert bar.x[0] == pytest.approx(B_FTE - 400 * 1.5 / 140)
    assert list(bar.y) == ["service_team / technician / P1"]
    assert staffing.figures[0].layout.xaxis.title.text == "change in staff, B - A (FTE)"


def test_demands_and_inputs(runs):
    a, b, folder = runs
    _, _, sections = page(folder)
    demands = next(s for s in sections if s.title == "Demands")
    side_a, side_b = demands.figures[0].data
    for run, side in ((a, side_a), (b, side_b)):
        kpis = pd.read_parquet(run / "demand_kpis.parquet")
        assert list(side.y) == pytest.approx([kpis.cost_to_serve.sum()], abs=1e-6)
    _, kpis = demands.tables[0]
    assert kpis["served, A -> B (units)"].tolist() == ["1,000.00 -> 2,000.00"]
    assert kpis["quality, A -> B (% done right)"].tolist() == ["95.00% -> 96.00%"]  # B: 1,200 at 0.98, 800 at 0.93
    inputs = next(s for s in sections if s.title == "Inputs")
    _, changed = inputs.tables[0]
    assert sorted(zip(changed.path, changed.A, changed.B)) == [
        ("demands.repairs.volume", "1000", "2000"),
        ("roles.technician.cost_per_fte", "5200", "5600"),
    ]


def test_an_infeasible_run_is_compared_on_its_inputs(runs, tmp_path):
    a, _, _ = runs
    infeasible = run_folder(tmp_path, "c", {"min_quality: 0.95": "min_quality: 0.99"})
    folder = comparison_folder(tmp_path, a, infeasible)
    _, headline, sections = page(folder)
    assert [s.title for s in sections] == ["Inputs"]
    assert any("has no result tables (status infeasible)" in line for line in headline)
    html = report_html(folder)
    assert 'class="plotly-graph-div"' not in html and "demands.repairs.min_quality" in html


def test_a_damaged_comparison_is_a_clear_error(runs, tmp_path):
    _, _, folder = runs
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    for file in folder.iterdir():
        (damaged / file.name).write_bytes(file.read_bytes())
    bridge = pd.read_csv(damaged / "bridge.csv").drop(columns=["rate"])
    bridge.to_csv(damaged / "bridge.csv", index=False)
    with pytest.raises(ReportError, match=r"bridge\.csv lacks the column rate .*run `e2eopt compare` again"):
        page(damaged)
    (damaged / "bridge.csv").unlink()
    with pytest.raises(ReportError, match=r"bridge\.csv is missing"):
        page(damaged)


def test_text_in_a_number_column_is_a_clear_error(runs, tmp_path):
    _, _, folder = runs
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    for file in folder.iterdir():
        (damaged / file.name).write_bytes(file.read_bytes())
    totals = pd.read_csv(damaged / "totals.csv")
    totals["cost_a"] = "lots"
    totals.to_csv(damaged / "totals.csv", index=False)
    with pytest.raises(ReportError, match=r"totals\.csv is damaged \(column cost_a holds text where numbers belong\)"):
        page(damaged)


def test_a_steps_hover_gives_the_step_and_the_running_total_labelled(runs):
    """plotly's %{y} of a waterfall's step is the running total: the hover shows the effect from the
    bar's customdata, and the running total after it under its own label."""
    *_, folder = runs
    _, _, sections = page(folder)
    trace = sections[0].figures[0].data[0]
    volume, rate = BASE_TOTAL, 400 * B_FTE  # by hand (the module's docstring)
    assert [row[0] for row in trace.customdata] == pytest.approx(list(trace.y), abs=1e-9)
    assert trace.customdata[1] == pytest.approx([volume, BASE_TOTAL + volume], abs=1e-6)
    assert trace.customdata[2] == pytest.approx([rate, BASE_TOTAL + volume + rate], abs=1e-6)
    assert trace.customdata[5] == pytest.approx([B_TOTAL, B_TOTAL], abs=1e-6)
    steps = trace.hovertemplate[1:5]
    assert all("%{customdata[0]:+,.2f} EUR (this step)" in h and "%{y" not in h for h in steps), steps
    assert all("running total after it: %{customdata[1]:,.2f} EUR" in h for h in steps), steps
    assert trace.hovertemplate[0] == trace.hovertemplate[5] == "%{x}: %{customdata[0]:,.2f} EUR<extra></extra>"


def test_small_steps_start_the_axis_near_the_lower_total_and_say_so(runs, tmp_path):
    """A 100 EUR rise of the technicians' monthly cost: 400 units in house still (the targets bind, not
    the price), so the only step is the rate, 400 x 1.5 / 140 x 100 = 428.57 EUR on 53,485.71 EUR. From 0
    that bar would be 0.8 % of the axis: the axis starts a quarter of the span (107.14) below A's
    total, rounded down to the hundred: 53,300 EUR."""
    a, _, _ = runs
    dearer = run_folder(tmp_path, "d", {"cost_per_fte: 5200": "cost_per_fte: 5300"})
    _, _, sections = page(comparison_folder(tmp_path, a, dearer))
    waterfall = sections[0].figures[0]
    rate = 400 * 1.5 / 140 * 100
    assert waterfall.data[0].customdata[2][0] == pytest.approx(rate, abs=1e-6)
    top = BASE_TOTAL + rate  # B's total; 15 % of the axis's span above it for the bars' labels
    assert list(waterfall.layout.yaxis.range) == pytest.approx([53_300.0, top + 0.15 * (top - 53_300)], abs=1e-6)
    assert waterfall.layout.yaxis.title.text == "total cost (EUR; axis from 53,300, not 0)"
    assert sections[0].intro[-1].startswith("The waterfall's axis starts at 53,300.00 EUR, not at zero")


@pytest.mark.parametrize(
    ("levels", "start"),
    [
        ([100.0, 200.0, 150.0], 0.0),  # a span of half the top or more: from zero
        ([1000.0, 990.0, 1010.0], 985.0),  # span 20: 5 below the lowest, rounded to the margin's order (1)
        ([2_234_629.68, 2_251_000.0, 2_234_651.0], 2_230_000.0),  # span 16,370.32: 4,092.58 below, to the thousand
        ([0.0, 10.0], 0.0),  # a level at zero: from zero
    ],
)
def test_axis_start(levels, start):
    assert axis_start(levels) == pytest.approx(start)
