"""The run report in Chromium: appliance-co's page and an infeasible run's, each drawn in full,
fetching nothing, with every chart holding data and every axis carrying its unit."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import APPLIANCE_FILE, TINY_FILE

from model.report import write_report

from .conftest import open_report
from .runs import solved_run


@pytest.fixture(scope="module")
def appliance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return solved_run(APPLIANCE_FILE, tmp_path_factory.mktemp("browser-runs"))


def test_appliance_co_report_draws_every_chart_with_units(browser, appliance, tmp_path):
    page = write_report(appliance, out=tmp_path / "report.html")
    screenshot = tmp_path / "appliance-co.png"
    seen = open_report(browser, page, screenshot)
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
    assert seen["colorbar_titles"] == ["utilisation (%, share of staffed hours)"]
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
