"""The browser harness itself, on the smallest page render() makes: one bar chart of two bars."""

from __future__ import annotations

import pandas as pd
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


LINES = """
() => [...document.querySelectorAll('td')].map((cell) => {
  const range = document.createRange();
  range.selectNodeContents(cell);
  const tops = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
  return [cell.textContent, tops.size];
})
"""
"""Each table cell's text and the number of lines it is drawn on."""


def test_at_800_px_a_wide_table_scrolls_in_its_box_and_short_cells_keep_to_one_line(browser, tmp_path):
    """Twelve columns of `2027-01` and money: wider than 800 px. The page does not grow past the window
    (the table's box scrolls), no short cell breaks (`2027-` over `01`), and a sentence still wraps."""
    wide = pd.DataFrame({f"cost per unit {i} (EUR per unit)": ["2027-01", "12,345.67"] for i in range(12)})
    notes = pd.DataFrame({"note": ["a sentence long enough to wrap in a narrow window, " * 4]})
    page = write_html(
        render("Wide", [], [Section("Tables", tables=[("Wide", wide), ("Notes", notes)])]), tmp_path / "report.html"
    )
    context = browser.new_context(viewport={"width": 800, "height": 600})
    try:
        tab = context.new_page()
        tab.goto(page.resolve().as_uri())
        widths = tab.evaluate(
            "() => [document.documentElement.scrollWidth,"
            " ...[...document.querySelectorAll('div.table')].map((box) => [box.clientWidth, box.scrollWidth])]"
        )
        lines = tab.evaluate(LINES)
        tab.screenshot(path=str(tmp_path / "wide-800.png"), full_page=True)
    finally:
        context.close()
    page_width, (box, table), _ = widths
    assert page_width <= 800, "the page itself scrolls sideways"
    assert table > box, "the wide table is cut, not scrolled in its box"
    short = [(text, count) for text, count in lines if len(text) <= 40]
    assert len(short) == 24 and all(count == 1 for _, count in short), short
    assert next(count for text, count in lines if len(text) > 40) > 1  # the sentence wraps
