"""The frontier report's figures against the frontier folder's own table (frontier.parquet).

Two frontiers of tiny.yaml's repairs, made once: min_quality at 0.95, 0.97, 0.99 (0.99 infeasible: all
in house gives 0.98 at best) and max_mean_response_time at 8, 12, 24 hours.

By hand (tests/report/folders.py): at quality Q the team's share s is (Q - 0.93) / 0.05, and each unit
moved in house costs TEAM_UNIT - VENDOR_UNIT more, so a percentage point of quality costs
1000 * 0.01 / 0.05 * (TEAM_UNIT - VENDOR_UNIT) = 742.86 EUR.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from model.errors import ReportError
from model.report import folder_kind, report_html
from model.report.frontier import page

from .folders import BASE_TOTAL, TEAM_UNIT, VENDOR_UNIT, frontier_folder

PER_POINT = 1000 * 0.01 / 0.05 * (TEAM_UNIT - VENDOR_UNIT)  # EUR per percentage point of quality


@pytest.fixture(scope="module")
def quality(tmp_path_factory):
    return frontier_folder(tmp_path_factory.mktemp("quality"), "min_quality", [0.95, 0.97, 0.99])


@pytest.fixture(scope="module")
def response(tmp_path_factory):
    return frontier_folder(tmp_path_factory.mktemp("response"), "max_mean_response_time", [8.0, 12.0, 24.0])


def test_the_curve_is_the_tables_total_cost_with_the_infeasible_target_marked(quality):
    table = pd.read_parquet(quality / "frontier.parquet")
    assert folder_kind(quality) == "frontier"
    title, headline, sections = page(quality)
    curve = sections[0].figures[0]
    line, marked = curve.data
    assert list(line.x) == pytest.approx([95.0, 97.0])  # percent, as people read a quality target
    assert list(line.y) == pytest.approx(table.total_cost[:2].tolist(), abs=1e-6)
    assert line.y[0] == pytest.approx(BASE_TOTAL, abs=1e-6)
    assert line.y[1] - line.y[0] == pytest.approx(2 * PER_POINT, abs=1e-6)
    assert list(marked.x) == pytest.approx([99.0]) and marked.name == "infeasible: no plan"
    assert table.status[2] == "infeasible"
    assert curve.layout.xaxis.title.text == "minimum quality (%)"
    assert curve.layout.yaxis.title.text == "total cost (EUR)"
    assert title == "Cost of min_quality (repairs) in tiny"
    assert headline[0] == "3 targets of min_quality for repairs, from 95% to 99%: 2 optimal, 1 infeasible."


def test_the_steps_in_words_carry_their_cost_per_point(quality):
    _, _, sections = page(quality)
    assert sections[0].intro == [
        f"Raising min_quality from 95% to 97% costs +{2 * PER_POINT:,.2f} EUR ({PER_POINT:,.2f} EUR per percentage "
        "point).",
        "No optimal plan at 99% (infeasible).",
    ]


def test_marginal_costs_and_slopes_are_the_tables(quality):
    table = pd.read_parquet(quality / "frontier.parquet")
    _, _, sections = page(quality)
    marginal = sections[1].figures[0]
    duals, slopes = marginal.data
    assert list(duals.y) == pytest.approx(table.marginal_cost[:2].tolist())
    assert list(duals.y) == pytest.approx([PER_POINT, PER_POINT])
    # one segment, from 95% to 97%, at the slope between them (None separates segments)
    assert list(slopes.x) == [95.0, 97.0, None]
    assert slopes.y[:2] == pytest.approx((table.slope_right[0], table.slope_right[0]))
    assert marginal.layout.yaxis.title.text == "marginal cost (EUR per percentage point)"


def test_a_response_time_frontier_reads_as_tightening(response):
    table = pd.read_parquet(response / "frontier.parquet")
    _, headline, sections = page(response)
    curve = sections[0].figures[0]
    assert list(curve.data[0].x) == [8.0, 12.0, 24.0]
    assert list(curve.data[0].y) == pytest.approx(table.total_cost.tolist())
    assert curve.layout.xaxis.title.text == "limit on the mean response time (hours)"
    cost = table.total_cost.to_numpy()
    first, second = sections[0].intro
    assert first == (
        f"Tightening max_mean_response_time from 24 hours to 12 hours costs +{cost[1] - cost[2]:,.2f} EUR "
        f"({(cost[1] - cost[2]) / 12:,.2f} EUR per hour)."
    )
    assert second.startswith("Tightening max_mean_response_time from 12 hours to 8 hours")
    assert headline[-1] == "Marginal cost in EUR per hour: the cost of tightening the target by one hour."
    assert sections[1].figures[0].layout.yaxis.title.text == "marginal cost (EUR per hour)"


def test_the_table_shows_every_target_and_an_open_basis_range(response):
    table = pd.read_parquet(response / "frontier.parquet")
    _, _, sections = page(response)
    caption, shown = sections[-1].tables[0]
    assert caption == "Each target (money in EUR)"
    assert shown["target (hours)"].tolist() == ["8", "12", "24"]
    assert shown["total cost (EUR)"].tolist() == [f"{v:,.2f}" for v in table.total_cost]
    ends = shown["basis holds to (hours)"].tolist()
    assert [e == "no limit" for e in ends] == [math.isinf(v) for v in table.basis_to]


def test_the_page_renders_and_bad_folders_are_refused(quality, tmp_path):
    assert report_html(quality).count('class="plotly-graph-div"') == 2
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "frontier.parquet").write_bytes((quality / "frontier.parquet").read_bytes())
    (broken / "summary.json").write_text("[]")
    with pytest.raises(ReportError, match=r"summary\.json is damaged \(a JSON list, not an object\)"):
        page(broken)
    (broken / "summary.json").write_text((quality / "summary.json").read_text())
    (broken / "frontier.parquet").write_bytes(b"not parquet")
    with pytest.raises(ReportError, match=r"frontier\.parquet is damaged"):
        page(broken)
