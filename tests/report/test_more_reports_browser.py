"""The sweep, frontier and comparison reports in headless Chromium (the harness in conftest.py): each
page opens from its file, fetches nothing, logs no error, and draws every chart with data; every axis
title of a money chart names the currency, and the screenshot is saved in the test's tmp_path."""

from __future__ import annotations

import importlib

import pytest

from model.report import write_report

from .conftest import ALL_DRAWN, open_report
from .folders import comparison_folder, frontier_folder, run_folder, sweep_folder

UNITS = ("(EUR)", "(FTE", "(%)", "(hours)", "(units)", "(x the base value)", "(in the field's unit)", "(EUR per ")
"""Every axis title of numbers names one of these (a currency, FTE, a share, a time, units, or what a
sweep's values are)."""

CATEGORIES = {"stage", "demand", "stage and cost category", "node / role / period", "step (effect over all stages)"}
"""The axis titles of names (no unit to give)."""


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    where = tmp_path_factory.mktemp("reports")
    a = run_folder(where, "a", {})
    b = run_folder(where, "b", {"volume: 1000": "volume: 2000"})
    return {
        "sweep": sweep_folder(
            where / "sweeps", "demands.repairs.volume=*1,*2", "demands.repairs.min_quality=0.95,0.97,0.99"
        ),
        "frontier": frontier_folder(where / "frontiers", "min_quality", [0.95, 0.97, 0.99]),
        "comparison": comparison_folder(where, a, b),
    }


@pytest.mark.parametrize("width", [1280, 800])
@pytest.mark.parametrize(
    ("kind", "charts"),
    [
        ("sweep", 5),  # cost lines, heat map, cost by stage, staff, service
        ("frontier", 2),  # cost curve, marginal cost
        ("comparison", 5),  # waterfall, effects by stage, costs side by side, staffing, cost to serve
    ],
)
def test_the_report_draws_every_chart_with_units(browser, folders, tmp_path, kind, charts, width):
    """At 1280 px and at 800 px (a laptop's half screen): no title cut off, no page wider than the window."""
    page = write_report(folders[kind])
    assert page == folders[kind] / "report.html"
    shot = tmp_path / f"{kind}-{width}.png"
    seen = open_report(browser, page, shot, width)
    assert seen["charts"] == charts
    assert all(title for title in seen["titles"]), seen["titles"]
    untitled = [t for t in seen["axis_titles"] if t not in CATEGORIES and not any(unit in t for unit in UNITS)]
    assert not untitled, f"axis titles without a unit: {untitled}"
    money = [title for title in seen["titles"] if "cost" in title.lower()]
    assert money and all("EUR" in title for title in money), money
    assert shot.stat().st_size > 10_000


@pytest.mark.parametrize("kind", ["sweep", "frontier", "comparison"])
def test_every_hover_with_a_number_gives_its_unit(folders, kind):
    """A trace whose hover shows a value (y or z) names its unit there too (no browser needed)."""
    module = importlib.import_module(f"model.report.{kind}")
    _, _, sections = module.page(folders[kind])
    templates = [trace.hovertemplate for s in sections for figure in s.figures for trace in figure.data]
    # a trace's hover is one text, or one per point (the waterfall's: a total's and a step's differ)
    hovers = [h for t in templates for h in ((t,) if isinstance(t, str) or t is None else t)]
    assert hovers and all(hovers), "every trace has a hover text"
    numbers = [h for h in hovers if "%{y" in h or "%{z" in h]
    assert numbers
    bare = [h for h in numbers if not any(unit in h for unit in ("EUR", "FTE", "(%)", "hour", "units"))]
    assert not bare, bare


HOVER_STEP = """
(step) => {
  const waterfall = document.querySelector('.plotly-graph-div');
  Plotly.Fx.hover(waterfall, [{curveNumber: 0, pointNumber: step}]);
  const text = waterfall.querySelector('.hoverlayer .hovertext');
  return text ? text.textContent : null;
}
"""
"""The hover text of one of the waterfall's bars, as plotly.js draws it (by its own hover call)."""


def test_hovering_a_waterfall_step_shows_the_step_then_the_running_total(browser, folders):
    """As a reader sees it in Chromium: tiny's repairs doubled (the module's comparison). By hand:
    A 53,485.71 EUR; volume +53,485.71 (A's cost once more: 106,971.43); rate and mix 0 (same prices,
    one demand); B: the vendor full (800 x 52 EUR) and 1,200 in house at 55.71 EUR, 108,457.14 EUR,
    so routing +1,485.71."""
    page = write_report(folders["comparison"])
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        tab = context.new_page()
        tab.goto(page.resolve().as_uri())
        tab.wait_for_function(ALL_DRAWN)
        shown = []
        for step in (1, 4):  # volume, routing
            tab.wait_for_timeout(200)  # plotly.js throttles hover calls in quick succession
            shown.append(tab.evaluate(HOVER_STEP, step))
    finally:
        context.close()
    assert shown == [
        "volume: +53,485.71 EUR (this step)running total after it: 106,971.43 EUR",
        "routing: +1,485.71 EUR (this step)running total after it: 108,457.14 EUR",
    ]
