"""The browser harness of the report tests: Chromium (Debian's package) driven by Playwright.

tests/report/ is a package, so this file is `report.conftest` and does not hide tests/conftest.py
from the modules that `from conftest import ...`; the report tests import `open_report` from here
with `from .conftest import open_report`.

`browser` skips the browser tests with the reason when Chromium or Playwright is missing, except in
CI (the environment variable CI is "true"), where it fails: `.ci/install-chromium` installs Chromium there.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

LOAD_TIMEOUT_MS = 60_000
"""How long a page may take to load and draw every chart (plotly.js alone is 4.8 MB of script)."""

CHART_STATE = """
() => [...document.querySelectorAll('.plotly-graph-div')].map((div) => {
  const layout = div._fullLayout || {};
  const length = (value) => (value && typeof value.length === 'number') ? value.length : 0;
  const points = (trace) => Math.max(
    length(trace.x), length(trace.y), length(trace.z), length(trace.values),
    length(trace.link && trace.link.value), length(trace.cells && trace.cells.values));
  const title = (thing) => (thing && thing.title && thing.title.text) || '';
  return {
    traces: (div._fullData || []).length,
    points: (div._fullData || []).map(points),
    marks: div.querySelectorAll(
      'g.trace path, g.trace image, g.hm image, .sankey-link, .sankey-node rect, g.slice path').length,
    title: title(layout),
    axes: Object.keys(layout).filter((key) => /^[xy]axis[0-9]*$/.test(key)).map((key) => title(layout[key])),
    colorbars: (div._fullData || []).map((trace) => title(trace.colorbar)).filter((text) => text),
    clipped: [...div.querySelectorAll('.infolayer text, .cbtitle text')].filter((text) => {
      const box = text.getBoundingClientRect(), frame = div.getBoundingClientRect();
      return text.textContent && box.width > 0 && (box.left < frame.left - 1 || box.right > frame.right + 1
        || box.top < frame.top - 1 || box.bottom > frame.bottom + 1);
    }).map((text) => text.textContent),
  };
})
"""
"""Each chart as drawn: its traces, the points of each, the SVG marks drawn, its titles, and the titles
(chart, axes, colour bar) drawn partly outside the chart, where the page cuts them off."""

ALL_DRAWN = """
() => [...document.querySelectorAll('.plotly-graph-div')].every(
  (div) => div._fullLayout && div._fullData && div.querySelector('.main-svg'))
"""


def _unavailable(reason: str) -> None:
    """Skip with the reason, or fail in CI, where Chromium and Playwright must be there."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium from Debian's `chromium` package, through Playwright's sync API."""
    executable = shutil.which("chromium")
    if executable is None:
        _unavailable("no `chromium` on PATH; run .ci/install-chromium (as root: apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is missing; pip install -e '.[test]'")
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=executable, headless=True)
        except Exception as error:  # Playwright's Error: a Chromium that does not start here
            _unavailable(f"{executable} does not start under Playwright: {str(error).splitlines()[0]}")
        try:
            yield launched
        finally:
            launched.close()


def open_report(browser: Any, html: Path, screenshot: Path, width: int = 1280) -> dict:
    """Open `html` from its file, wait until every chart is drawn, and check the page: no console
    error, no page error, no failed request, no request for anything but the file itself or data:
    (the page must fetch nothing), and every chart with at least one trace holding a point and SVG
    marks drawn, no title cut off at the chart's edge, and the page no wider than the window (`width`
    px: a wide table scrolls in its own box). Saves a full-page screenshot to `screenshot`; returns the
    number of charts, their titles and their axis titles (and colour-bar titles), for the tests to
    check the units."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda message: errors.append(f"console {message.type}: {message.text}") if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: errors.append(f"failed request: {request.url} ({request.failure})"))

    def outside(route: Any) -> None:
        """Any request for something other than the file or data: is a fault, and is not made."""
        url = route.request.url
        if url.startswith(("file://", "data:")):
            route.continue_()
            return
        errors.append(f"request outside the page: {url}")
        route.abort()

    context.route("**/*", outside)
    try:
        page.goto(Path(html).resolve().as_uri(), wait_until="load", timeout=LOAD_TIMEOUT_MS)
        page.wait_for_function(ALL_DRAWN, timeout=LOAD_TIMEOUT_MS)
        charts = page.evaluate(CHART_STATE)
        page_width = page.evaluate("() => document.documentElement.scrollWidth")
        page.screenshot(path=str(screenshot), full_page=True)
    finally:
        context.close()
    assert not errors, "the page reported errors:\n" + "\n".join(errors)
    for number, chart in enumerate(charts, 1):
        described = f"chart {number} ({chart['title'] or 'untitled'})"
        assert chart["traces"] >= 1, f"{described} has no trace"
        assert max(chart["points"]) >= 1, f"{described} has no data point"
        assert chart["marks"] >= 1, f"{described} drew nothing"
        assert not chart["clipped"], f"{described} cuts off {chart['clipped']}"
    assert page_width <= width, f"the page is {page_width} px wide in a {width} px window"
    return {
        "charts": len(charts),
        "titles": [chart["title"] for chart in charts],
        "axis_titles": [text for chart in charts for text in chart["axes"] if text],
        "colorbar_titles": [text for chart in charts for text in chart["colorbars"]],
        "state": charts,
    }
