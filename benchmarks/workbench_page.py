"""The workbench page's latency as a planner sees it: from a volume edit to the new cost on screen.

    .venv/bin/python benchmarks/workbench_page.py                 # appliance-co and a ~100k-variable scenario
    .venv/bin/python benchmarks/workbench_page.py --size none     # appliance-co only
    .venv/bin/python benchmarks/workbench_page.py --points 20 --size 22:3000:1

The targets (issue 15): a what-if from the page on data/appliance-co.yaml answers on screen in <= 0.3 s
(median of 10); on a generated 100k-variable scenario, <= 1.5 s; from starting `e2eopt serve` to the first
page rendered, <= 2 s.

Starts `e2eopt serve FOLDER` (the e2eopt next to this interpreter) on a copy of data/ (as the README's
`e2eopt serve data/`), then again on a folder holding the generated scenario alone, and drives the page
in headless Chromium (Debian's `chromium`) with Playwright, as tests/workbench/test_page.py does:

- start: wall seconds from starting the server's process to the page drawn in the browser (its scenario
  list shown), the browser already running; and to the server's first answer (GET /api/health);
- for each scenario: the first solve when it is opened (cold: load, build and solve), then `--points`
  edits of one volume (the first cell of the volume table, one more unit each time, committed with
  Enter, as a planner tabs out of a cell; typing alone waits 300 ms for a pause first), each timed by
  the page's own clock from the key press to the new cost on screen, and to every chart of the answer
  redrawn; and as Playwright sees it (its round trips to the browser added). Median, min and max; the
  page's line under the cost (how the last one was solved, the server's seconds). One untimed edit
  first.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the project's package
    sys.path.insert(0, str(ROOT))

from model.generate import Size, generate, write_scenario  # noqa: E402

E2EOPT = str(Path(sys.executable).parent / "e2eopt")
TARGETS = {"appliance-co.yaml": 0.3, "generated.yaml": 1.5}
START_TARGET = 2.0
CELL = 'table[data-table="volumes"] input'
TIMEOUT_MS = 300_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def first_page(page: object, url: str, started: float) -> tuple[float, float]:
    """Seconds from `started` to the server's first answer (GET /api/health, polled every 10 ms), and to the
    page drawn in the browser (its list of scenarios shown)."""
    while True:
        try:
            with urllib.request.urlopen(url + "api/health", timeout=5) as answer:
                answer.read()
            break
        except OSError:  # connection refused: the server is still starting
            if time.perf_counter() - started > 60:
                raise
            time.sleep(0.01)
    answering = time.perf_counter() - started
    page.goto(url)  # type: ignore[attr-defined]
    page.wait_for_selector("#scenarios button", timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
    return answering, time.perf_counter() - started


PROBE = """
() => {
  window.benchmark = { pressed: 0, shown: 0, drawn: 0 };
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') window.benchmark.pressed = performance.now();
  }, true);
  const seen = (key) => () => { window.benchmark[key] = performance.now(); };
  new MutationObserver(seen('shown')).observe(document.querySelector('#headline'),
    { attributes: true, attributeFilter: ['data-seq'] });
  new MutationObserver(seen('drawn')).observe(document.body, { attributes: true, attributeFilter: ['data-drawn'] });
}
"""
"""Times kept by the page itself (performance.now(), ms): the Enter key down, the new cost written, the charts
drawn; so the figures leave out Playwright's own round trips to the browser."""


def edit_times(page: object, points: int) -> dict[str, list[float]]:
    """Seconds of `points` volume edits: from the Enter key to the new cost on screen and to every chart
    redrawn, as the page's clock and as Playwright's (which adds its round trips); the page's lines."""
    page.evaluate(PROBE)  # type: ignore[attr-defined]
    cell = page.locator(CELL).first  # type: ignore[attr-defined]
    base = float(cell.input_value())
    times: dict[str, list[float]] = {"cost": [], "charts": [], "cost, Playwright": [], "lines": []}
    for step in range(points + 1):
        seq = int(page.get_attribute("#headline", "data-seq") or 0)  # type: ignore[attr-defined]
        cell.fill(f"{base + step + 1:g}")
        started = time.perf_counter()
        cell.press("Enter")
        page.wait_for_function(  # type: ignore[attr-defined]
            f"() => Number(document.querySelector('#headline').dataset.seq || 0) > {seq}",
            timeout=TIMEOUT_MS,
            polling=5,
        )
        outside = time.perf_counter() - started
        page.wait_for_function(  # type: ignore[attr-defined]
            f"() => Number(document.body.dataset.drawn || 0) > {seq}", timeout=TIMEOUT_MS, polling=5
        )
        inside = page.evaluate("() => window.benchmark")  # type: ignore[attr-defined]
        if step:  # the first edit builds the warm model: not timed
            times["cost"].append((inside["shown"] - inside["pressed"]) / 1000)
            times["charts"].append((inside["drawn"] - inside["pressed"]) / 1000)
            times["cost, Playwright"].append(outside)
            times["lines"].append(page.inner_text("#resolve-line"))  # type: ignore[attr-defined]
    return times


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} s (min {min(values):.3f}, max {max(values):.3f}, n={len(values)})"


def session(browser: object, folder: Path, scenarios: list[str], points: int) -> None:
    """Start `e2eopt serve FOLDER`, time its first page, then the edits on each scenario; stop it (Ctrl-C)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()  # type: ignore[attr-defined]
    started = time.perf_counter()
    server = subprocess.Popen(
        [E2EOPT, "serve", str(folder), "--port", str(port), "--runs", str(folder.parent / "runs")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        answering, start = first_page(page, url, started)
        listed = ", ".join(sorted(path.name for path in folder.iterdir()))
        print(f"e2eopt serve {folder.name}/ ({listed}): start to first page {start:.3f} s (target <= {START_TARGET} s)")
        print(f"  the server's first answer: {answering:.3f} s")
        for name in scenarios:
            opened = time.perf_counter()
            page.goto(f"{url}?scenario={name}")
            page.wait_for_selector("#total-cost[data-value]", timeout=TIMEOUT_MS)
            print(f"{name}: opened and solved (cold) in {time.perf_counter() - opened:.2f} s")
            times = edit_times(page, points)
            print(f"  Enter -> cost on screen: {spread(times['cost'])} (target <= {TARGETS[name]} s)")
            print(f"  Enter -> every chart redrawn: {spread(times['charts'])}")
            print(f"  the same as Playwright sees it (its round trips added): {spread(times['cost, Playwright'])}")
            print(f"  the page's last line: {times['lines'][-1]}")
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10, help="timed edits per scenario")
    parser.add_argument(
        "--size", default="22:3000:1", help="the generated scenario, nodes_per_stage:demands:periods; none: none"
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), headless=True)
        try:
            data = Path(tmp) / "data"  # what the README's `e2eopt serve data/` serves
            shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
            session(browser, data, ["appliance-co.yaml"], args.points)
            if args.size != "none":
                generated = Path(tmp) / "generated"
                generated.mkdir()
                nodes, demands, periods = (int(part) for part in args.size.split(":"))
                write_scenario(generate(Size(nodes, demands, periods, seed=1)), generated / "generated.yaml")
                session(browser, generated, ["generated.yaml"], args.points)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
