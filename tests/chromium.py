"""The browser harness shared by the browser tests (tests/report/, tests/workbench/): headless Chromium
(Debian's package) driven by Playwright.

tests/conftest.py imports the `browser` fixture from here, so every test module can ask for it; the
constants (what a drawn chart looks like) are imported by name, `from chromium import ALL_DRAWN`.

`browser` skips the browser tests with the reason when Chromium or Playwright is missing, except in
CI (the environment variable CI is "true"), where it fails: `.ci/install-chromium` installs Chromium there.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
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
