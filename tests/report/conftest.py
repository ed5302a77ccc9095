"""The report tests' page check, `open_report`: a report opened from its file in Chromium.

tests/report/ is a package, so this file is `report.conftest` and does not hide tests/conftest.py
from the modules that `from conftest import ...`; the report tests import `open_report` from here
with `from .conftest import open_report`. The `browser` fixture and the chart probes are shared with
the workbench's page tests: tests/chromium.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chromium import ALL_DRAWN, CHART_STATE, LOAD_TIMEOUT_MS

__all__ = ["ALL_DRAWN", "CHART_STATE", "LOAD_TIMEOUT_MS", "open_report"]


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
