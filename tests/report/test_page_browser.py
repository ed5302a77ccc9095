"""The browser harness itself, on the smallest page render() makes: one bar chart of two bars."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from model.report.page import Section, render, write_html

from .conftest import open_report


def test_a_rendered_page_draws_its_chart_in_chromium(browser, tmp_path):
    figure = go.Figure(go.Bar(x=["plant_a", "plant_b"], y=[1200.5, 300.25], name="cost"))
    figure.update_layout(title="Cost by node", xaxis_title="node", yaxis_title="cost (EUR)")
    page = write_html(
        render("Minimal", ["Total cost: 1,500.75 EUR"], [Section("Cost", figures=[figure])]), tmp_path / "report.html"
    )
    shot = tmp_path / "minimal.png"
    seen = open_report(browser, page, shot)
    assert seen["charts"] == 1
    assert seen["titles"] == ["Cost by node"]
    assert seen["axis_titles"] == ["node", "cost (EUR)"]
    assert seen["state"][0]["points"] == [2]  # the two bars given
    assert shot.stat().st_size > 10_000  # a PNG of the page, not an empty file


def test_the_harness_fails_a_page_that_fetches_something(browser, tmp_path):
    """The harness must catch a page that asks the network for anything (here a web font)."""
    text = render("Fetching", [], [Section("Cost", figures=[go.Figure(go.Bar(x=["a"], y=[1]))])])
    text = text.replace("</head>", '<link rel="stylesheet" href="https://fonts.example.org/font.css"></head>')
    page = write_html(text, tmp_path / "report.html")
    with pytest.raises(AssertionError, match=r"request outside the page: https://fonts\.example\.org/font\.css"):
        open_report(browser, page, tmp_path / "fetching.png")


def test_the_harness_fails_a_chart_without_data(browser, tmp_path):
    """An empty figure is drawn (axes and all) but shows nothing: the harness must say so."""
    empty = go.Figure()
    empty.update_layout(title="Nothing here")
    page = write_html(render("Empty", [], [Section("Empty", figures=[empty])]), tmp_path / "report.html")
    with pytest.raises(AssertionError, match=r"chart 1 \(Nothing here\) has no trace"):
        open_report(browser, page, tmp_path / "empty.png")
