"""The sweep report's figures against the sweep folder's own tables (points.parquet, each point's summary.json).

Two small sweeps of tiny.yaml, made once: min_quality at 0.95, 0.97 and 0.99 (the last infeasible: all
in house gives 0.98 at best), and volume x min_quality on two axes (a heat map).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import e2eopt

from model.errors import ReportError
from model.report import folder_kind, report_html
from model.report.sweep import MAX_SERIES, page

from .folders import BASE_TOTAL, TEAM_UNIT, VENDOR_UNIT, sweep_folder

QUALITY_AXIS = "demands.repairs.min_quality"
VOLUME_AXIS = "demands.repairs.volume"


@pytest.fixture(scope="module")
def one_axis(tmp_path_factory):
    return sweep_folder(tmp_path_factory.mktemp("sweep1"), f"{QUALITY_AXIS}=0.95,0.97,0.99")


@pytest.fixture(scope="module")
def two_axes(tmp_path_factory):
    return sweep_folder(tmp_path_factory.mktemp("sweep2"), f"{VOLUME_AXIS}=*1,*2", f"{QUALITY_AXIS}=0.95,0.99")


def figures(sections):
    return {figure.layout.title.text: figure for section in sections for figure in section.figures}


def summary_cost(folder, point: int) -> float:
    """A point's total cost from its own summary.json: a second source beside points.parquet."""
    return json.loads((folder / "points" / f"{point:04d}" / "summary.json").read_text()).get("total_cost", math.nan)


def test_the_cost_line_is_the_points_total_cost(one_axis):
    points = pd.read_parquet(one_axis / "points.parquet")
    title, headline, sections = page(one_axis)
    cost = figures(sections)[f"Total cost against {QUALITY_AXIS} (EUR)"]
    line = cost.data[0]
    assert list(line.x) == ["0.95", "0.97"]  # the optimal points, as written in --grid
    assert list(line.y) == pytest.approx([summary_cost(one_axis, 1), summary_cost(one_axis, 2)], abs=1e-6)
    assert list(line.y) == pytest.approx(points.total_cost[:2].tolist(), abs=1e-6)
    # 0.95 by hand: 400 units in house, 600 at the vendor; at 0.97 the team takes 800: 0.98 s + 0.93 (1 - s) >= 0.97
    assert line.y[0] == pytest.approx(BASE_TOTAL, abs=1e-6)
    assert line.y[1] == pytest.approx(800 * TEAM_UNIT + 200 * VENDOR_UNIT, abs=1e-6)
    marked = cost.data[1]
    assert marked.name == "infeasible (no plan, no cost)"
    assert list(marked.x) == ["0.99"] and points.status[2] == "infeasible"
    assert list(marked.y) == pytest.approx([BASE_TOTAL])  # at the lowest cost drawn, keeping the line's scale
    assert "EUR" in cost.layout.yaxis.title.text and QUALITY_AXIS in cost.layout.xaxis.title.text
    assert "EUR" in line.hovertemplate
    assert title == "Sweep of tiny"
    assert headline[0] == f"3 points over 1 axis ({QUALITY_AXIS}): 2 optimal, 1 infeasible."


def test_stage_bars_add_up_to_each_points_total(one_axis):
    points = pd.read_parquet(one_axis / "points.parquet")
    _, _, sections = page(one_axis)
    stages = figures(sections)["Cost by stage (EUR)"]
    stacked = np.sum([np.asarray(bar.y, dtype=float) for bar in stages.data], axis=0)
    assert stacked == pytest.approx(points.total_cost[points.status == "optimal"].to_numpy(), abs=1e-6)


def test_staff_and_service_are_the_points_columns(one_axis):
    points = pd.read_parquet(one_axis / "points.parquet")
    solved = points[points.status == "optimal"]
    _, _, sections = page(one_axis)
    found = figures(sections)
    staff = found["Staff by role: FTE (mean over periods)"].data[0]
    assert list(staff.y) == pytest.approx(solved["fte.technician"].tolist())
    assert staff.y[0] == pytest.approx(400 * 1.5 / 140)  # 400 units at 1.5 h, 140 h an FTE
    kpis = found["Quality (%), mean response time and units served by demand"]
    quality, response, served = kpis.data
    assert list(quality.y) == pytest.approx([95.0, 97.0])  # the target binds: the cheapest plan meets it exactly
    assert list(quality.y) == pytest.approx((solved["quality.repairs"] * 100).tolist())
    assert list(response.y) == pytest.approx(solved["mean_response_time.repairs"].tolist())
    assert list(served.y) == pytest.approx([1000.0, 1000.0])
    axis_titles = [kpis.layout[name].title.text for name in ("yaxis", "yaxis2", "yaxis3")]
    assert axis_titles == ["quality (%)", "response (hours)", "served (units)"]


def test_the_points_table_lists_every_point_with_its_status(one_axis):
    _, _, sections = page(one_axis)
    caption, table = sections[-1].tables[0]
    assert caption == "Points of the sweep (money in EUR)"
    assert table.status.tolist() == ["optimal", "optimal", "infeasible"]
    assert table["total cost (EUR)"].tolist()[0] == f"{BASE_TOTAL:,.2f}"
    assert table["total cost (EUR)"].tolist()[2] == "-"
    assert table["message"].tolist()[2] != ""


def test_two_axes_make_a_heat_map_and_a_line_per_value_of_the_second(two_axes):
    points = pd.read_parquet(two_axes / "points.parquet")
    assert folder_kind(two_axes) == "sweep"
    _, headline, sections = page(two_axes)
    found = figures(sections)
    heat = next(f for title, f in found.items() if title.startswith("Total cost (EUR) over"))
    z = np.asarray(heat.data[0].z, dtype=float)
    for _, row in points.iterrows():
        i = ["0.95", "0.99"].index(row[QUALITY_AXIS])  # the heat map's y
        j = ["*1", "*2"].index(row[VOLUME_AXIS])  # its x
        if row.status == "optimal":
            assert z[i, j] == pytest.approx(row.total_cost, abs=1e-6)
        else:
            assert math.isnan(z[i, j])
    # volume *2 at 0.95: the vendor is full at 800, the team takes 1,200
    assert z[0, 1] == pytest.approx(1200 * TEAM_UNIT + 800 * VENDOR_UNIT, abs=1e-6)
    assert "EUR" in heat.data[0].colorbar.title.text
    lines = found[f"Total cost against {VOLUME_AXIS} (EUR)"].data
    assert lines[0].name == f"{QUALITY_AXIS} = 0.95"
    assert list(lines[0].y) == pytest.approx(points.total_cost[points[QUALITY_AXIS] == "0.95"].tolist())
    assert headline[0].startswith("4 points over 2 axes")
    assert MAX_SERIES >= 2


def test_the_page_renders_every_section(one_axis):
    html = report_html(one_axis)
    assert html.count('class="plotly-graph-div"') == 4  # cost, stages, staff, service
    assert "Sweep of tiny" in html


def test_an_unfinished_sweep_says_how_to_finish_it(one_axis, tmp_path):
    unfinished = tmp_path / one_axis.name
    unfinished.mkdir()
    for name in ("sweep.json", "base.yaml"):
        (unfinished / name).write_bytes((one_axis / name).read_bytes())
    with pytest.raises(ReportError, match=r"has no points\.parquet.*e2eopt sweep --resume"):
        page(unfinished)


def test_a_damaged_plan_is_a_clear_error(one_axis, tmp_path):
    damaged = tmp_path / "damaged-sweep"
    damaged.mkdir()
    (damaged / "base.yaml").write_bytes((one_axis / "base.yaml").read_bytes())
    (damaged / "sweep.json").write_text("{not json")
    with pytest.raises(ReportError, match=r"cannot report on .*sweep\.json is damaged"):
        page(damaged)


def test_many_points_are_stacked_areas_not_hairline_bars(one_axis, monkeypatch):
    monkeypatch.setattr("model.report.sweep.MAX_BARS", 1)  # 2 solved points: "many"
    points = pd.read_parquet(one_axis / "points.parquet")
    _, _, sections = page(one_axis)
    (area,) = figures(sections)["Cost by stage (EUR)"].data
    assert area.type == "scatter" and area.stackgroup == "all"
    assert list(area.y) == pytest.approx(points["cost.service"][:2].tolist())


def test_the_command_refuses_an_unfinished_sweep_and_writes_nothing(one_axis, tmp_path):
    unfinished = tmp_path / "unfinished-sweep"
    unfinished.mkdir()
    for name in ("sweep.json", "base.yaml"):
        (unfinished / name).write_bytes((one_axis / name).read_bytes())
    done = e2eopt("report", str(unfinished), cwd=tmp_path)
    assert done.returncode == 2
    assert f"e2eopt sweep --resume {unfinished}" in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in unfinished.iterdir()) == ["base.yaml", "sweep.json"]
