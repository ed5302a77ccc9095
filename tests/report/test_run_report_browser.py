"""The run report in Chromium: appliance-co's page and an infeasible run's, each drawn in full,
fetching nothing, with every chart holding data and every axis carrying its unit."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import APPLIANCE_FILE, CONTACT_CENTRE_FILE, TINY_FILE

from model.report import write_report

from .conftest import open_report
from .runs import solved_run


@pytest.fixture(scope="module")
def appliance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return solved_run(APPLIANCE_FILE, tmp_path_factory.mktemp("browser-runs"))


@pytest.mark.parametrize("width", [1280, 800])
def test_appliance_co_report_draws_every_chart_with_units(browser, appliance, tmp_path, width):
    page = write_report(appliance, out=tmp_path / "report.html")
    screenshot = tmp_path / f"appliance-co-{width}.png"
    seen = open_report(browser, page, screenshot, width)
    assert seen["charts"] == 7  # quality, response time, Sankey, cost by stage, by period, staffing, utilisation
    assert seen["titles"] == [
        "Quality against the minimum, by demand and period",
        "Mean response time against its limit, by demand and period",
        "Demand through the value chain, stage by stage (width: units over the horizon)",
        "Cost by stage and category (EUR)",
        "Cost by period and stage (EUR)",
        "Staff by node and role, each period (FTE)",
        "Utilisation by node (and role) and period (%, share of staffed hours)",
    ]
    value_axes = seen["axis_titles"][1::2]  # x, y of each chart with axes, as read from the drawn page
    assert value_axes == [
        "quality (share done right, %)",
        "mean response time (hours)",
        "cost (EUR)",
        "cost (EUR)",
        "staff (FTE)",
        "node (role)",
    ]
    assert seen["colorbar_titles"] == ["utilisation (%)"]
    flows = pd.read_parquet(appliance / "flows.parquet")
    carrying = flows[flows.units > 0].groupby(["demand", "from", "to"]).ngroups  # 34 demand-arcs carry units
    assert seen["state"][2]["points"][0] == carrying  # the Sankey's links, as plotly.js holds them
    assert screenshot.stat().st_size > 100_000


def test_an_infeasible_runs_report_opens_with_its_diagnosis(browser, tmp_path):
    folder = solved_run(TINY_FILE, tmp_path / "runs", ("demands.repairs.max_mean_response_time=5",))
    page = write_report(folder)
    assert page == folder / "report.html"
    seen = open_report(browser, page, tmp_path / "infeasible.png")
    assert seen["charts"] == 0
    text = page.read_text()
    assert "Status: infeasible (HiGHS: Infeasible)" in text
    assert "5 h cannot be met for repairs in P1; 8.00 h can." in text


def test_a_queued_runs_report_draws_its_service_levels(browser, tmp_path):
    """data/contact-centre.yaml: the queues' chart too (some lanes have no service-level target)."""
    folder = solved_run(CONTACT_CENTRE_FILE, tmp_path / "runs")
    seen = open_report(browser, write_report(folder), tmp_path / "queues.png")
    assert "Queues: service level against target, by lane and period" in seen["titles"]
    assert "service level (% answered in time)" in seen["axis_titles"]


SANKEY_LABELS = """
() => [...document.querySelectorAll('.sankey .node-label')].filter((text) => text.textContent).map((text) => {
  const box = text.getBoundingClientRect();
  return [text.textContent, box.left, box.top, box.right, box.bottom];
})
"""
"""The Sankey's drawn node labels: text and box on the screen."""


def overlaps(first: list, second: list) -> bool:
    """Two label boxes (text, left, top, right, bottom) overlap by more than a pixel each way."""
    return (
        min(first[3], second[3]) - max(first[1], second[1]) > 1
        and min(first[4], second[4]) - max(first[2], second[2]) > 1
    )


@pytest.mark.parametrize("width", [1280, 800])
def test_the_sankeys_labels_fit_without_overlapping_and_the_page_does_not_scroll_sideways(
    browser, appliance, tmp_path, width
):
    """At 800 px appliance-co's labels overlapped (logistics_3pl over partner_south) and the demand table
    ran past the right edge. Now each label is its node's name or the name's start and an ellipsis,
    no two labels overlap, and only a table's own box scrolls sideways."""
    page = write_report(appliance, out=tmp_path / "report.html")
    names = set(pd.read_parquet(appliance / "work.parquet").node)
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        tab = context.new_page()
        tab.goto(page.resolve().as_uri())
        tab.wait_for_function("() => document.querySelectorAll('.sankey .node-label').length > 0")
        tab.wait_for_timeout(500)  # the labels are fitted after the first drawing
        labels = tab.evaluate(SANKEY_LABELS)
        scroll = tab.evaluate("() => document.documentElement.scrollWidth")
        tab.screenshot(path=str(tmp_path / f"sankey-{width}.png"), full_page=True)
    finally:
        context.close()
    assert scroll <= width
    texts = [label[0] for label in labels]
    assert len(texts) == len(names)  # every node labelled at these widths
    whole = [t for t in texts if t in names]
    cut = [t for t in texts if t not in names]
    assert all(t.endswith("\u2026") and any(n.startswith(t[:-1]) for n in names) for t in cut), cut
    clashes = [(a[0], b[0]) for i, a in enumerate(labels) for b in labels[i + 1 :] if overlaps(a, b)]
    assert not clashes, clashes
    assert (not cut) if width == 1280 else (cut and whole), (width, cut)
