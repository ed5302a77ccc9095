"""The workbench's page as a planner uses it, in headless Chromium: open appliance-co, edit a volume, see the
plan change, read an infeasibility's diagnosis, save a what-if, find a typo in the YAML, sweep a wage.

Every cost the page shows is checked against `e2eopt solve ... --json` run apart (a fresh process, a fresh
build): the page's figure comes from the warm model in the server, the CLI's from a cold solve. One server
(uvicorn in a thread, on a free port) and one browser serve the whole module; the served folder is a copy of
data/ in a temporary folder, so saves do not touch the repository. Every test fails on a console error, a page
error, a failed request or a request for anything but the server (the page fetches nothing from the network).
Screenshots go to the test's temporary folder and, for the record, to /tmp/w15/screens/ when it exists.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from chromium import ALL_DRAWN, CHART_STATE
from conftest import DATA, e2eopt

from .conftest import PER_REPAIR

TIMEOUT_MS = 60_000
SCREENS = Path("/tmp/w15/screens")
VOLUME = 'input[data-path="demands.retail_orders.volume"][data-period="2"]'
"""The March volume of retail_orders (3,500 units in data/appliance-co.yaml)."""
TARGET = 'input[data-path="demands.retail_orders.min_quality"]'
NEW_VOLUME = "4000"
VOLUME_SET = "demands.retail_orders.volume=[2400, 2700, 4000]"
"""The same edit as an override: the page sends a per-period figure whole, as a list."""

SANKEY_LINKS = """
() => [...document.querySelectorAll('#sections .plotly-graph-div')]
  .filter((div) => div.dataset.key.startsWith('plan|'))
  .flatMap((div) => (div._fullData || []).filter((trace) => trace.type === 'sankey'))
  .map((trace) => Array.from(trace.link.value))
"""
"""The link values of the what-if's Sankey diagram(s), as drawn."""


def cli_objective(work: Path, scenario: Path, *sets: str) -> float:
    """The optimum `e2eopt solve SCENARIO --set ... --json` finds, in a fresh process."""
    arguments = [item for text in sets for item in ("--set", text)]
    result = e2eopt("solve", str(scenario), *arguments, "--json", "--out", str(work / "cli-runs"), cwd=work)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["objective"]


def listening_socket() -> socket.socket:
    """A socket bound to a free port of the loopback, chosen by the system and kept bound until the server
    takes it: a port probed and let go could be taken meanwhile by another test worker (pytest -n)."""
    bound = socket.socket()
    bound.bind(("127.0.0.1", 0))
    return bound


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of data/, the served folder."""
    served = tmp_path_factory.mktemp("served") / "data"
    shutil.copytree(DATA, served, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return served


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """`app` served by uvicorn in a thread, on a free port of the loopback; its address."""
    import uvicorn

    bound = listening_socket()
    port = bound.getsockname()[1]
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=running.run, kwargs={"sockets": [bound]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the workbench did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=10)
        bound.close()


@pytest.fixture(scope="module")
def server(folder: Path) -> Iterator[str]:
    """The workbench on `folder`."""
    from model.workbench import create_app

    with serving(create_app(folder, runs=folder / "runs")) as address:
        yield address


class Watched:
    """A page whose faults are kept: console errors, page errors, failed requests, requests elsewhere."""

    def __init__(self, browser: Any, origin: str, width: int = 1280) -> None:
        self.origin = origin
        self.faults: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.context.route("**/*", self._only_local)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.faults.append(f"page error: {error}"))
        self.page.on("requestfailed", lambda request: self.faults.append(f"failed request: {request.url}"))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.faults.append(f"console error: {message.text}")

    def _only_local(self, route: Any) -> None:
        """The page may fetch from its server and data: only; anything else is a fault and is not made."""
        url = route.request.url
        if url.startswith((self.origin + "/", "data:")):
            route.continue_()
            return
        self.faults.append(f"request outside the server: {url}")
        route.abort()

    def check(self, answered: tuple[int, ...] = ()) -> None:
        """No fault, except Chromium's console line for an API answer with a status in `answered` (a 422 the
        test asked for is logged as 'Failed to load resource'), which the page must have shown instead."""
        expected = tuple(f"the server responded with a status of {status}" for status in answered)
        faults = [fault for fault in self.faults if not (expected and any(text in fault for text in expected))]
        assert not faults, "the page reported faults:\n" + "\n".join(faults)

    def open(self, query: str = "?scenario=appliance-co.yaml") -> Any:
        """Open the page on a scenario and wait for its plan and charts."""
        self.page.goto(self.origin + "/" + query)
        self.page.wait_for_selector("body[data-ready=true]")
        if "scenario=" in query:
            self.page.wait_for_selector("body[data-drawn]")  # the answer's charts are drawn
        return self.page

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(browser: Any, server: str) -> Iterator[Watched]:
    opened = Watched(browser, server)
    yield opened
    opened.close()


def screenshot(page: Any, where: Path, name: str) -> None:
    """A full-page screenshot under the test's folder, and a copy in /tmp/w15/screens/ when that exists."""
    path = where / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if SCREENS.is_dir():  # shared by every test run on the machine: copied whole under a name of its own, then renamed
        partial = SCREENS / f".{path.name}.{os.getpid()}"
        shutil.copy(path, partial)
        partial.replace(SCREENS / path.name)


def shown_cost(page: Any) -> float:
    return float(page.get_attribute("#total-cost", "data-value"))


def drawn(page: Any) -> int:
    """The number of the last answer whose charts are all drawn."""
    return int(page.get_attribute("body", "data-drawn") or 0)


def wait_for_answer(page: Any, after: int) -> None:
    """Wait until an answer later than `after` is on screen with every chart drawn."""
    page.wait_for_function(f"() => Number(document.body.dataset.drawn || 0) > {after}")
    page.wait_for_function(ALL_DRAWN)


@pytest.fixture(scope="module")
def volume_cost(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> float:
    """The CLI's optimum with March's retail volume at 4,000 units (`--set` with the list the page sends)."""
    return cli_objective(tmp_path_factory.mktemp("cli"), folder / "appliance-co.yaml", VOLUME_SET)


@pytest.fixture(scope="module")
def base_cost(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> float:
    return cli_objective(tmp_path_factory.mktemp("cli"), folder / "appliance-co.yaml")


def test_the_page_opens_on_a_scenario_and_shows_the_cli_cost(
    watched: Watched, base_cost: float, tmp_path: Path
) -> None:
    page = watched.open()
    assert shown_cost(page) == pytest.approx(base_cost, rel=1e-7)
    assert f"{round(base_cost):,} EUR" in page.inner_text("#total-cost")
    assert "current" in (page.get_attribute('#scenarios button[data-path="appliance-co.yaml"]', "class") or "")
    # the editable tables, with their units in the header
    assert page.locator(VOLUME).input_value() == "3500"
    assert "units" in page.inner_text('table[data-table="volumes"] caption')
    assert page.evaluate(SANKEY_LINKS), "no Sankey diagram of the plan"
    for width in (1280, 800):  # the charts follow the window (plotly's resize waits a moment for it to settle)
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_function(f"() => document.documentElement.scrollWidth <= {width}", timeout=5_000)
    screenshot(page, tmp_path, "workbench-base")
    watched.check()


def test_a_volume_edit_changes_the_plan_to_the_cli_optimum(
    watched: Watched, base_cost: float, volume_cost: float, tmp_path: Path
) -> None:
    page = watched.open()
    links_before = page.evaluate(SANKEY_LINKS)
    cell = page.locator(VOLUME)
    before = drawn(page)
    cell.fill(NEW_VOLUME)
    cell.press("Enter")
    wait_for_answer(page, before)
    cost = shown_cost(page)
    expected = volume_cost
    assert cost == pytest.approx(expected, rel=1e-7)
    assert f"{round(expected):,} EUR" in page.inner_text("#total-cost")
    # the change against the base, in money and per cent
    change = float(page.get_attribute("#cost-change", "data-value"))
    assert change == pytest.approx(expected - base_cost, rel=1e-6, abs=0.01)
    assert f"{100 * (expected - base_cost) / base_cost:.2f} %" in page.inner_text("#cost-change")
    # the edited cell is marked and says its base value; the Sankey drawn in place carries the new volume
    assert "edited" in (cell.get_attribute("class") or "")
    assert "3500" in (cell.get_attribute("title") or "")
    assert page.evaluate(SANKEY_LINKS) != links_before
    assert page.locator(".pair h4", has_text="Base").count() >= 1, "the base is not shown beside the what-if"
    assert "in place" in page.inner_text("#resolve-line") or "Rebuilt" in page.inner_text("#resolve-line")
    screenshot(page, tmp_path, "workbench-volume-edit")
    page.set_viewport_size({"width": 800, "height": 900})  # the what-if above the base, within the window
    page.wait_for_function("() => document.documentElement.scrollWidth <= 800", timeout=5_000)
    screenshot(page, tmp_path, "workbench-volume-edit-800px")
    watched.check()


def test_an_infeasible_target_shows_what_it_would_take(watched: Watched, base_cost: float, tmp_path: Path) -> None:
    page = watched.open()
    page.click('#editables button[data-show="targets"]')
    target = page.locator(TARGET)
    target.fill("0.999")
    target.press("Enter")
    page.wait_for_selector("#diagnosis:not([hidden])")
    assert page.inner_text("#headline .status") == "infeasible"
    diagnosis = page.inner_text("#diagnosis")
    # appliance-co's retail route reaches 97.5 % quality at best (0.5 + 1.5 + 0.5 points of defects)
    assert "demands.retail_orders.min_quality" in diagnosis and "97.50%" in diagnosis, diagnosis
    screenshot(page, tmp_path, "workbench-infeasible")
    page.click(f"{TARGET} + button.reset")
    page.wait_for_function("() => document.querySelector('#headline .status').textContent === 'optimal'")
    assert shown_cost(page) == pytest.approx(base_cost, rel=1e-7)
    watched.check()


def test_a_saved_what_if_solves_from_the_cli_to_the_cost_shown(watched: Watched, folder: Path, tmp_path: Path) -> None:
    page = watched.open()
    cell = page.locator(VOLUME)
    before = drawn(page)
    cell.fill(NEW_VOLUME)
    cell.press("Enter")
    wait_for_answer(page, before)
    cost = shown_cost(page)
    page.fill("#whatif-name", "whatif-page.yaml")
    page.click("#save-whatif")
    page.wait_for_function("() => document.querySelector('#save-state').textContent.includes('whatif-page.yaml')")
    saved = folder / "whatif-page.yaml"
    assert saved.is_file()
    assert cli_objective(tmp_path, saved) == pytest.approx(cost, rel=1e-7)
    # saving again under the same name asks before overwriting
    page.click("#save-whatif")
    page.wait_for_selector("#overwrite-whatif:not([hidden])")
    assert "exists" in page.inner_text("#save-state")
    page.click("#overwrite-whatif")
    page.wait_for_function("() => document.querySelector('#save-state').textContent.includes('written')")
    watched.check(answered=(409,))


def test_the_yaml_tab_locates_a_typo(watched: Watched, folder: Path, tmp_path: Path) -> None:
    page = watched.open()
    page.click("#tab-yaml")
    text = page.input_value("#yaml-text")
    typo = text.replace("min_quality: 0.965", "min_qualty: 0.965")
    line = typo[: typo.index("min_qualty")].count("\n") + 1
    page.fill("#yaml-text", typo)
    problem = page.locator("#yaml-problems li", has_text="min_qualty")
    problem.wait_for()
    shown = problem.inner_text()
    assert f":{line}:" in shown and "demands.retail_orders.min_qualty" in shown and "min_quality" in shown, shown
    problem.locator("button").click()  # goes to the line
    selected = selected_text(page)
    assert "min_qualty: 0.965" in selected
    screenshot(page, tmp_path, "workbench-yaml-typo")
    watched.check(answered=(422,))


def selected_text(page: Any) -> str:
    """The text selected in the YAML editor (where a click on a problem goes)."""
    return page.evaluate(
        "() => { const a = document.querySelector('#yaml-text');"
        " return a.value.slice(a.selectionStart, a.selectionEnd); }"
    )


def test_a_sweep_of_three_points_draws_three_points(watched: Watched, folder: Path, tmp_path: Path) -> None:
    page = watched.open()
    page.click("#tab-sweep")
    page.fill("#sweep-path", "roles.assembler.cost_per_fte")
    page.fill("#sweep-values", "*0.9:*1.1:0.1")
    page.click("#sweep-run")
    page.wait_for_selector("#sweep-chart .plotly-graph-div .main-svg")
    drawn = page.evaluate(
        "() => { const d = document.querySelector('#sweep-chart .plotly-graph-div');"
        " return d._fullData.map((t) => Array.from(t.y || [])); }"
    )
    costs = [value for trace in drawn[:1] for value in trace]
    assert sum(len(trace) for trace in drawn) == 3 and len(costs) == 3, drawn
    # the dearest assembler (*1.1) is the CLI's optimum with that wage
    assert costs[2] == pytest.approx(
        cli_objective(tmp_path, folder / "appliance-co.yaml", "roles.assembler.cost_per_fte=*1.1"), rel=1e-7
    )
    assert costs[0] < costs[1] < costs[2]
    axes = page.evaluate(
        "() => { const l = document.querySelector('#sweep-chart .plotly-graph-div')._fullLayout;"
        " return [l.xaxis.title.text, l.yaxis.title.text]; }"
    )
    assert axes[0] == "roles.assembler.cost_per_fte: value set (EUR per FTE per period, or a change of the base)", axes
    assert axes[1] == "total cost (EUR)"
    screenshot(page, tmp_path, "workbench-sweep")
    watched.check()


def test_a_saved_run_is_listed_and_opens_read_only(watched: Watched, folder: Path, base_cost: float) -> None:
    page = watched.open()
    page.click("#save-run")
    page.wait_for_function("() => document.querySelector('#save-state').textContent.includes('Run folder written')")
    written = Path(page.inner_text("#save-state").split("written: ", 1)[1].rstrip("."))
    summary = json.loads((written / "summary.json").read_text())
    assert summary["objective"] == pytest.approx(base_cost, rel=1e-7)  # the CLI's optimum, in the run folder
    run = page.locator("#runs button", has_text=written.name)
    run.click()
    page.wait_for_selector("#run-view:not([hidden]) #run-sections .plotly-graph-div .main-svg")
    page.wait_for_function(ALL_DRAWN)
    assert f"{round(base_cost):,} EUR" in page.inner_text("#run-headline")
    assert page.locator("#run-sections input").count() == 0  # read-only: nothing to edit
    assert page.is_hidden("#workspace")
    watched.check()


def test_an_uploaded_yaml_file_is_solved_as_the_cli_solves_it(watched: Watched, folder: Path, tmp_path: Path) -> None:
    upload = tmp_path / "bigger-tiny.yaml"
    text = (DATA / "tiny.yaml").read_text()
    assert "volume: 1000" in text
    upload.write_text(text.replace("volume: 1000", "volume: 1300"))
    page = watched.open("")
    before = drawn(page)
    page.set_input_files("#upload", str(upload))
    wait_for_answer(page, before)
    assert "bigger-tiny.yaml (uploaded)" in page.inner_text("#scenario-title")
    assert page.input_value("#yaml-text") == upload.read_text()
    assert shown_cost(page) == pytest.approx(cli_objective(tmp_path, upload), rel=1e-7)
    watched.check()


def test_a_long_sweep_shows_progress_and_can_be_cancelled(watched: Watched) -> None:
    page = watched.open()
    page.click("#tab-sweep")
    page.fill("#sweep-path", "roles.assembler.cost_per_fte")
    page.fill("#sweep-values", "*0.9,*1.1")
    page.click("#sweep-run")
    page.wait_for_selector("#sweep-chart .plotly-graph-div .main-svg")  # a first sweep's curve
    page.evaluate(  # every progress line shown from now on
        "() => { window.progressLines = []; new MutationObserver(() => window.progressLines.push("
        "document.querySelector('#progress-text').textContent)).observe(document.querySelector('#progress-text'),"
        " {childList: true, characterData: true, subtree: true}); }"
    )
    page.fill("#sweep-path", "demands.*.volume")
    page.fill("#sweep-values", "*0.5:*1.5:0.005")  # 201 points: far longer than the test waits
    with page.expect_response("**/api/sweep") as answered:
        page.click("#sweep-run")
        assert page.locator("#sweep-chart .plotly-graph-div").count() == 0, "the first sweep's curve stays"
        page.wait_for_function(
            "() => /Sweep: .*, ([2-9]|[1-9][0-9]+) of 201/.test(document.querySelector('#progress-text').textContent)"
        )
        started = time.monotonic()
        page.click("#cancel")
    answer = answered.value
    page.wait_for_function("() => document.querySelector('#sweep-table').textContent.includes('cancelled')")
    assert time.monotonic() - started < 5, "the sweep did not stop within seconds"
    assert page.is_hidden("#progress")
    lines = page.evaluate("() => window.progressLines")
    assert not [line for line in lines if " of 1," in line], lines  # "starting…" until the total is known
    # the points done before the cancel are kept and drawn (a server answering 409 sends none)
    if answer.status == 200:
        body = answer.json()
        assert body["cancelled"] is True
        if body["points"]:
            assert f"{len(body['points'])} point" in page.inner_text("#sweep-table caption")
            assert "cancelled part-way" in page.inner_text("#sweep-table caption")
            solved = [point["objective"] for point in body["points"] if point.get("objective") is not None]
            drawn_y = page.evaluate(
                "() => Array.from(document.querySelector('#sweep-chart .plotly-graph-div')._fullData[0].y)"
            )
            assert drawn_y == pytest.approx(solved, rel=1e-9)
        else:
            assert "before a point was done" in page.inner_text("#sweep-table")
    else:
        assert answer.status == 409
        assert page.locator("#sweep-chart .plotly-graph-div").count() == 0
    # the next request works: the plan solves again
    before = drawn(page)
    page.click("#tab-plan")
    page.click("#solve")
    wait_for_answer(page, before)
    assert page.inner_text("#headline .status") == "optimal"
    watched.check(answered=(409,))


@pytest.fixture(scope="module")
def guarded_server(folder: Path) -> Iterator[str]:
    """A second workbench on the same folder, with a token."""
    from model.workbench import create_app

    with serving(create_app(folder, runs=folder / "runs", token="s3cret")) as address:
        yield address


def test_with_a_token_every_request_carries_it(browser: Any, guarded_server: str, folder: Path) -> None:
    opened = Watched(browser, guarded_server)
    sent: list[tuple[str, str | None]] = []
    opened.page.on("request", lambda request: sent.append((request.url, request.headers.get("authorization"))))
    try:
        page = opened.open("?token=s3cret&scenario=tiny.yaml")
        assert page.inner_text("#headline .status") == "optimal"
        calls = [(url, header) for url, header in sent if "/api/" in url]
        assert calls and all(header == "Bearer s3cret" for _, header in calls), calls
        files = [url for url, _ in sent if "/static/" in url]
        assert len(files) == 3 and all(url.endswith("?token=s3cret") for url in files), files
        opened.check()
    finally:
        opened.close()


def test_edits_are_checked_as_they_are_typed(watched: Watched) -> None:
    page = watched.open()
    page.uncheck("#auto-solve")
    volume = page.locator(VOLUME)
    volume.fill("lots")  # checked in the page: not a number, not sent
    note = page.locator(f"td:has({VOLUME}) .cell-problem")
    assert note.inner_text() == "demands.retail_orders.volume: 'lots' is not a number"
    assert volume.get_attribute("aria-invalid") == "true"
    volume.fill("3500")
    page.click('#editables button[data-show="targets"]')
    target = page.locator(TARGET)
    target.fill("1.5")  # a share: the server's check says so, located by its field path
    problem = page.locator("#problems li", has_text="demands.retail_orders.min_quality")
    problem.wait_for()
    assert problem.inner_text().startswith(
        "set  demands.retail_orders.min_quality: 1.5 is not allowed: input should be less than or equal to 1"
    )
    assert "it was 0.965, now 1.5" in problem.inner_text()  # the hint
    assert page.locator(f"td:has({TARGET}) .cell-problem").inner_text() == (
        "1.5 is not allowed: input should be less than or equal to 1"
    )
    assert page.get_attribute("#headline", "data-seq") == "1"  # nothing solved since the page opened
    target.fill("0.965")
    page.wait_for_function("() => document.querySelector('#problems').children.length === 0")
    assert "valid" in page.inner_text("#resolve-line")
    watched.check(answered=(422,))


def test_the_keyboard_alone_opens_and_a_silent_server_is_reported(watched: Watched, base_cost: float) -> None:
    page = watched.open("")
    page.focus('#scenarios button[data-path="appliance-co.yaml"]')
    page.keyboard.press("Enter")
    page.wait_for_selector("body[data-drawn]")
    assert shown_cost(page) == pytest.approx(base_cost, rel=1e-7)
    page.focus("#tab-plan")
    page.keyboard.press("ArrowRight")
    assert page.get_attribute("#tab-yaml", "aria-selected") == "true" and page.is_visible("#yaml-text")
    assert page.evaluate("() => document.activeElement.id") == "tab-yaml"
    # the server stops answering: the page says so, and keeps the plan it has
    page.route("**/api/solve", lambda route: route.abort("connectionrefused"))
    page.click("#tab-plan")
    page.click("#solve")
    page.wait_for_selector(".message.error")
    assert "The server is not answering" in page.inner_text("#messages")
    assert page.inner_text("#connection") == "The server is not answering"
    assert shown_cost(page) == pytest.approx(base_cost, rel=1e-7)
    # the fault the test made, and only it
    made = [fault for fault in watched.faults if "/api/solve" in fault or "ERR_CONNECTION_REFUSED" in fault]
    assert made, watched.faults
    watched.faults = [fault for fault in watched.faults if fault not in made]
    watched.check()


def test_a_file_with_a_problem_is_marked_and_opens_in_the_yaml_tab(watched: Watched, folder: Path) -> None:
    text = (folder / "appliance-co.yaml").read_text()
    typo = folder / "typo.yaml"
    typo.write_text(text.replace("min_quality: 0.965", "min_qualty: 0.965", 1))
    line = typo.read_text().split("min_qualty")[0].count("\n") + 1
    try:
        page = watched.open("")
        listed = page.locator('#scenarios button[data-path="typo.yaml"]')
        assert listed.inner_text() == "typo.yaml (has problems)"
        listed.click()
        problem = page.locator("#yaml-problems li").first
        problem.wait_for()
        assert problem.inner_text() == (
            f"typo.yaml:{line}:5  demands.retail_orders.min_qualty: unknown field 'min_qualty'\n"
            "Did you mean 'min_quality'?"
        )
        assert page.is_visible("#yaml-text") and page.input_value("#yaml-text") == typo.read_text()
        assert page.inner_text("#scenario-title") == "typo.yaml (has problems)"
        assert page.inner_text("#save-file") == "Save file (overwrites typo.yaml)"
        watched.check(answered=(422,))
    finally:
        typo.unlink()


def test_the_edited_text_is_solved_as_the_cli_solves_the_same_figure(
    watched: Watched, base_cost: float, volume_cost: float
) -> None:
    page = watched.open()
    page.click("#tab-yaml")
    text = page.input_value("#yaml-text")
    assert text.count("volume: [2400, 2700, 3500]") == 1
    page.fill("#yaml-text", text.replace("volume: [2400, 2700, 3500]", "volume: [2400, 2700, 4000]"))
    page.wait_for_function("() => document.querySelector('#yaml-state').textContent === 'The text is valid.'")
    before = drawn(page)
    page.click("#solve-yaml")
    wait_for_answer(page, before)
    assert shown_cost(page) == pytest.approx(volume_cost, rel=1e-7)
    # the edited text is the base now: the bridge and the change compare with it, not with the file
    assert float(page.get_attribute("#cost-change", "data-value")) == pytest.approx(0, abs=0.01)
    before = drawn(page)
    page.click("#revert-yaml")
    wait_for_answer(page, before)
    assert shown_cost(page) == pytest.approx(base_cost, rel=1e-7)
    watched.check()


def test_a_sweep_marks_the_points_with_no_plan(watched: Watched) -> None:
    page = watched.open()
    page.click("#tab-sweep")
    page.fill("#sweep-path", "demands.retail_orders.min_quality")
    page.fill("#sweep-values", "0.96,0.99")  # retail_orders reaches 97.5 % at best: no plan at 99 %
    page.click("#sweep-run")
    page.wait_for_selector("#sweep-chart .plotly-graph-div .main-svg")
    traces = page.evaluate(
        "() => document.querySelector('#sweep-chart .plotly-graph-div')._fullData"
        ".map((t) => ({name: t.name, x: Array.from(t.x), symbol: t.marker && t.marker.symbol}))"
    )
    assert [(trace["name"], trace["x"]) for trace in traces] == [("total cost", ["0.96"]), ("no plan", ["0.99"])]
    assert traces[1]["symbol"] == "x"
    assert "0.99\tinfeasible\t\u2013" in page.inner_text("#sweep-table table")
    watched.check()


# ---- Excel, keeping an upload, fixing a broken file ---------------------------------------------------

TINY_SET_VOLUME = "1100"


def appliance_book(volume: object) -> bytes:
    """appliance-co's workbook (write_template on its data) with March's retail volume set to `volume`
    (sheet 'volumes', row of retail_orders, column of 2027-03)."""
    import io

    from openpyxl import load_workbook

    import model
    from model.scenario.excel import write_template
    from model.scenario.schema import with_current_names

    stream = io.BytesIO()
    data = with_current_names(model.resolve(DATA / "appliance-co.yaml").data)
    write_template(data, stream, source_name="appliance-co.yaml")
    book = load_workbook(io.BytesIO(stream.getvalue()))
    sheet = book["volumes"]
    assert [cell.value for cell in sheet[1]] == ["demand", "2027-01", "2027-02", "2027-03"]
    assert [cell.value for cell in sheet[2]] == ["retail_orders", 2400, 2700, 3500]
    sheet.cell(2, 4).value = volume  # D2
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_download_excel_gives_the_what_if_on_screen(watched: Watched, tmp_path: Path) -> None:
    from model.scenario.excel import read_workbook

    page = watched.open()
    page.uncheck("#auto-solve")  # the book needs the edit, not its plan: checked, not solved
    cell = page.locator(VOLUME)
    cell.fill(NEW_VOLUME)
    cell.press("Enter")
    page.wait_for_function("() => document.querySelector('#resolve-line').textContent.includes('The edits are valid')")
    with page.expect_download() as info:
        page.click("#download-xlsx")
    download = info.value
    assert download.suggested_filename == "appliance-co-whatif.xlsx"
    book = tmp_path / download.suggested_filename
    download.save_as(book)
    text = read_workbook(book.read_bytes(), book.name)
    scenario = model_scenario(text, tmp_path)
    assert list(scenario.demands["retail_orders"].volume) == [2400, 2700, 4000]  # the edit, in the book
    assert list(scenario.demands["online_orders"].volume) == [800, 900, 1300]  # the rest as in the file
    watched.check()


def model_scenario(text: bytes, where: Path) -> Any:
    import model

    path = where / "from-book.yaml"
    path.write_bytes(text)
    return model.load_scenario(path)


def test_an_uploaded_book_solves_as_the_cli_and_a_broken_one_says_where(
    watched: Watched, volume_cost: float, tmp_path: Path
) -> None:
    book = tmp_path / "plan.xlsx"
    book.write_bytes(appliance_book(4000))
    page = watched.open("")
    before = drawn(page)
    page.set_input_files("#upload", str(book))
    wait_for_answer(page, before)
    assert "plan.xlsx (uploaded)" in page.inner_text("#scenario-title")
    assert shown_cost(page) == pytest.approx(volume_cost, rel=1e-7)  # e2eopt solve --set VOLUME_SET
    assert page.input_value("#keep-name") == "plan.yaml"
    # Keep is offered first, on the Plan tab, for the tables it brings
    assert page.get_attribute("#tab-plan", "aria-selected") == "true"
    assert "No tables to edit here" not in page.inner_text("#editables")
    assert "kept in the folder" in page.inner_text("#editables") and "plan.yaml" in page.inner_text("#editables")
    assert "primary" in (page.get_attribute("#keep-file", "class") or "")
    screenshot(page, tmp_path, "workbench-upload-book")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(appliance_book("lots"))
    page.set_input_files("#upload", str(broken))
    problem = page.locator("#problems li", has_text="volumes")
    problem.wait_for()
    assert problem.inner_text().startswith(
        "broken.xlsx, sheet 'volumes', row 2, column D (2027-03)  demands.retail_orders.volume"
    ), problem.inner_text()
    assert "'lots'" in problem.inner_text()
    assert "broken.xlsx (not read)" in page.inner_text("#scenario-title")
    # nothing to solve or save: only the problems and the upload remain
    for hidden in ("#tabs", "#solve", "#solve-yaml", "#save-box", "#keep"):
        assert page.is_hidden(hidden), hidden
    assert page.is_visible("#problems") and page.is_visible("#upload")
    screenshot(page, tmp_path, "workbench-upload-broken-book")
    watched.check(answered=(422,))


def test_an_upload_kept_in_the_folder_is_edited_like_its_files(watched: Watched, folder: Path, tmp_path: Path) -> None:
    upload = tmp_path / "kept-plan.yaml"
    upload.write_text((DATA / "tiny.yaml").read_text())
    page = watched.open("")
    before = drawn(page)
    page.set_input_files("#upload", str(upload))
    wait_for_answer(page, before)
    assert page.input_value("#keep-name") == "kept-plan.yaml"
    before = drawn(page)
    page.click("#keep-file")
    wait_for_answer(page, before)
    kept = folder / "kept-plan.yaml"
    try:
        assert kept.read_text() == upload.read_text()
        assert page.inner_text("#scenario-title") == "kept-plan.yaml"
        assert page.locator('#scenarios button[data-path="kept-plan.yaml"]').count() == 1
        cell = page.locator('input[data-path="demands.repairs.volume"]')
        before = drawn(page)
        cell.fill(TINY_SET_VOLUME)
        cell.press("Enter")
        wait_for_answer(page, before)
        cost = shown_cost(page)
        assert cost == pytest.approx(1100 * PER_REPAIR, abs=0.01)  # by hand
        assert cost == pytest.approx(
            cli_objective(tmp_path, kept, f"demands.repairs.volume={TINY_SET_VOLUME}"), rel=1e-7
        )
        # keeping it again under the same name asks before overwriting
        page.set_input_files("#upload", str(upload))
        page.wait_for_selector("#keep:not([hidden])")
        page.click("#keep-file")
        page.wait_for_selector("#overwrite-keep:not([hidden])")
        assert "kept-plan.yaml exists already" in page.inner_text("#keep-state")
        watched.check(answered=(409,))
    finally:
        kept.unlink(missing_ok=True)


def test_a_broken_file_is_fixed_in_the_editor_saved_and_solved(watched: Watched, folder: Path, tmp_path: Path) -> None:
    broken = folder / "broken-tiny.yaml"
    broken.write_text((DATA / "tiny.yaml").read_text().replace("volume: 1000", "volume: -5"))
    try:
        page = watched.page
        page.goto(watched.origin + "/?scenario=broken-tiny.yaml")  # opened from its address, as `serve FILE` does
        page.wait_for_selector("body[data-ready=true]")
        problem = page.locator("#yaml-problems li", has_text="demands.repairs.volume")
        problem.wait_for()
        problem.locator("button").click()  # goes to the line
        selected = selected_text(page)
        assert "volume: -5" in selected
        screenshot(page, tmp_path, "workbench-broken-file")
        page.fill("#yaml-text", page.input_value("#yaml-text").replace("volume: -5", "volume: 1000"))
        before = drawn(page)
        page.click("#save-file")
        wait_for_answer(page, before)
        assert page.inner_text("#scenario-title") == "broken-tiny.yaml"
        assert "volume: 1000" in broken.read_text()
        assert shown_cost(page) == pytest.approx(53_485.71, abs=0.01)  # tiny.yaml by hand
        assert "53,486 EUR" in page.inner_text("#total-cost")
        assert page.locator('input[data-path="demands.repairs.volume"]').input_value() == "1000"
        watched.check(answered=(422,))
    finally:
        broken.unlink(missing_ok=True)


# ---- the charts' layout after an edit (the trial's findings 1 and 14) ------------------------------------

ONLINE = 'input[data-path="demands.online_orders.volume"][data-period="0"]'
"""January's volume of online_orders (800 units in data/appliance-co.yaml)."""

LAID_OUT = """
() => [...document.querySelectorAll('#sections .js-plotly-plot')].every(
  (div) => div._fullLayout && Math.abs(div._fullLayout.width - div.clientWidth) < 2)
"""
"""Every chart of the plan drawn to its column's width (a resize redraws it a frame later)."""

BOXES = """
() => {
  const boxes = [...document.querySelectorAll('#sections .js-plotly-plot, #sections .table-box')].map((node) => {
    const box = node.getBoundingClientRect();  // a table box scrolls a wide table: the box is what shows
    return {what: node.dataset.key || ('table: ' + node.textContent.slice(0, 40)),
            top: box.top, bottom: box.bottom, left: box.left, right: box.right, height: box.height};
  });
  const overlaps = [];
  for (const [i, a] of boxes.entries()) for (const b of boxes.slice(i + 1)) {
    const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (x > 1 && y > 1) overlaps.push(a.what + ' / ' + b.what);
  }
  return {heights: boxes.filter((box) => !box.what.startsWith('table')).map((box) => [box.what, box.height]),
          overlaps};
}
"""
"""The heights of the plan's charts, and the pairs of charts or tables whose boxes overlap."""


LEGEND_ON_TITLE = """
() => [...document.querySelectorAll('#sections .js-plotly-plot')].filter((div) => {
  const title = div.querySelector('.gtitle'), legend = div.querySelector('.legend');
  if (!title || !legend) return false;
  const a = title.getBoundingClientRect(), b = legend.getBoundingClientRect();
  return b.height > 0 && Math.min(a.right, b.right) > Math.max(a.left, b.left) + 1
    && Math.min(a.bottom, b.bottom) > Math.max(a.top, b.top) + 1;
}).map((div) => div.dataset.key)
"""
"""The charts whose legend's box overlaps their title's."""


def test_after_an_edit_no_chart_collapses_or_covers_another(watched: Watched, tmp_path: Path) -> None:
    page = watched.open()
    cell = page.locator(ONLINE)
    before = drawn(page)
    cell.fill("1000")
    cell.press("Enter")
    wait_for_answer(page, before)
    assert page.locator("#sections .pair").count() >= 3, "the base is not beside the what-if"
    for width in (1280, 800):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_function(LAID_OUT, timeout=5_000)
        found = page.evaluate(BOXES)
        keys = [key for key, _ in found["heights"]]
        assert any(key.startswith("plan|") for key in keys) and any(key.startswith("plan-base|") for key in keys)
        low = [(key, height) for key, height in found["heights"] if height <= 100]
        assert not low, f"at {width} px, charts collapsed: {low}"
        assert not found["overlaps"], f"at {width} px, overlapping: {found['overlaps']}"
        clipped = [chart["clipped"] for chart in page.evaluate(CHART_STATE) if chart["clipped"]]
        assert not clipped, f"at {width} px, titles cut off: {clipped}"
        covering = page.evaluate(LEGEND_ON_TITLE)
        assert covering == [], f"at {width} px, a legend covers its chart's title: {covering}"
        # a pair of columns has something in each: no empty 'What-if | Base' headings
        assert page.evaluate(
            "() => [...document.querySelectorAll('#sections .pair')].every((pair) => [...pair.children]"
            ".every((column) => column.querySelector('.js-plotly-plot, table')))"
        )
        # the cost table of the what-if is visible: the point at its centre is the table's own
        covered = page.evaluate(
            "() => { const t = [...document.querySelectorAll('#sections table')].find((t) =>"
            " t.closest('.report-section').querySelector('h3').textContent.startsWith('Cost by stage'));"
            " t.scrollIntoView({block: 'center'}); const b = t.getBoundingClientRect();"
            " const hit = document.elementFromPoint(b.left + 5, b.top + Math.min(b.height / 2, 20));"
            " return t.contains(hit) ? '' : (hit ? hit.outerHTML.slice(0, 80) : 'nothing'); }"
        )
        assert covered == "", f"at {width} px the cost table is covered by {covered}"
        screenshot(page, tmp_path, f"workbench-edit-layout-{width}px")
    watched.check()


# ---- the status bar never shows an answer of other figures (the trial's finding 4) -----------------------

NOT_SOLVED = "() => document.querySelector('#headline .status').textContent === 'not solved'"


def test_the_status_bar_says_when_the_figures_are_not_solved_and_words(watched: Watched, base_cost: float) -> None:
    page = watched.open()
    # an infeasible target, then a figure out of range: the diagnosis of 0.999 is not left on screen
    page.click('#editables button[data-show="targets"]')
    target = page.locator(TARGET)
    target.fill("0.999")
    target.press("Enter")
    page.wait_for_selector("#diagnosis:not([hidden])")
    target.fill("1.5")
    target.press("Enter")
    page.wait_for_function(NOT_SOLVED)
    assert page.inner_text("#unsolved") == "Edits not solved: 1 problem"
    assert page.is_hidden("#diagnosis")
    assert page.locator("#total-cost").count() == 0  # no cost as if it were the edits'
    # one cell not a number: the other edits are not solved either, and the bar says so
    target.fill("0.965")
    target.press("Enter")
    page.wait_for_function("() => document.querySelector('#headline .status').textContent === 'optimal'")
    assert shown_cost(page) == pytest.approx(base_cost, rel=1e-7)
    page.click('#editables button[data-show="volumes"]')
    page.locator(VOLUME).fill("lots")
    page.locator(ONLINE).fill("1000")
    page.locator(ONLINE).press("Enter")
    page.wait_for_function(NOT_SOLVED)
    assert page.inner_text("#unsolved") == "Edits not solved: 1 problem"
    assert "earlier figures" in page.inner_text("#headline")
    assert "Re-solved" not in page.inner_text("#resolve-line")
    page.locator(VOLUME).fill("3500")
    page.locator(ONLINE).fill("800")
    page.locator(ONLINE).press("Enter")
    page.wait_for_function("() => document.querySelector('#headline .status').textContent === 'optimal'")
    # a YAML text with a problem: the bar says the text is not solved
    page.click("#tab-yaml")
    text = page.input_value("#yaml-text")
    page.fill("#yaml-text", text.replace("min_quality: 0.965", "min_qualty: 0.965"))
    page.wait_for_function(NOT_SOLVED)
    assert page.inner_text("#unsolved") == "Text not solved: 1 problem"
    page.fill("#yaml-text", text)  # the text solved again: its answer is back
    page.wait_for_function("() => document.querySelector('#headline .status').textContent === 'optimal'")
    assert shown_cost(page) == pytest.approx(base_cost, rel=1e-7)
    page.click("#tab-plan")
    check_words(page)  # on the same page (one page load the less)
    watched.check(answered=(422,))


# ---- the page's words (the trial's findings 5 and 15) -----------------------------------------------------

REPEATED_UNIT = r"/(\([^()]+\)) \1/"


def check_words(page: Any) -> None:
    """The page's words on appliance-co: units said once, a capacity cleared, a refusal in words."""
    assert "3 periods of 730 hours" in page.inner_text("#summary")  # data/appliance-co.yaml: 730 hours each
    labels = page.evaluate(
        "() => [...document.querySelectorAll('#editables input')].map((i) => i.getAttribute('aria-label'))"
        ".concat([...document.querySelectorAll('#editables caption')].map((c) => c.textContent))"
    )
    assert labels and not [text for text in labels if page.evaluate(f"(t) => {REPEATED_UNIT}.test(t)", text)]
    # a capacity given cannot be cleared by an edit: the cell goes back to its figure, and says why
    page.click('#editables button[data-show="capacities"]')
    assert "blank: unlimited" in page.inner_text('#editables [data-box="capacities"] caption')
    capacity = page.locator('input[data-path="nodes.contract_mfr.capacity"]')
    assert capacity.input_value() == "1200"  # data/appliance-co.yaml
    capacity.fill("")
    capacity.press("Enter")
    assert capacity.input_value() == "1200"
    note = page.locator('td:has(input[data-path="nodes.contract_mfr.capacity"]) .cell-problem')
    assert "cannot be cleared here" in note.inner_text() and "1200" in note.inner_text()
    assert capacity.get_attribute("aria-invalid") == "false"
    assert page.locator("#problems li").count() == 0
    assert page.inner_text("#edit-count") == "No edits: the base plan"
    # a refusal in words: a what-if with a figure out of range is not saved, and the page says why
    page.uncheck("#auto-solve")
    page.click('#editables button[data-show="targets"]')
    page.locator(TARGET).fill("1.5")
    # the check of 1.5 is on screen first (the status bar it changes would move the button under the click)
    page.locator("#problems li", has_text="demands.retail_orders.min_quality").wait_for()
    page.click("#save-whatif")
    page.wait_for_function("() => document.querySelector('#save-state').textContent !== ''")
    said = page.inner_text("#save-state")
    assert said.startswith("The scenario has problems"), said
    assert "answered" not in said
    assert shown_cost_or_none(page) is None  # the bar does not show the base's cost as the edits'


def shown_cost_or_none(page: Any) -> float | None:
    """The cost in the status bar, or None when it shows none."""
    return shown_cost(page) if page.locator("#total-cost").count() else None


def test_revenue_margin_and_profit_by_segment_are_shown_and_a_price_edits(watched: Watched) -> None:
    """two-segments (objective: cost): vendor_a takes 100 units at 30 EUR, vendor_b 30 at 60: cost 4,800 EUR;
    revenue 80 x 100 + 50 x 45 = 10,250 EUR; margin 5,450 EUR. basic at 60 EUR: revenue 80 x 100 + 50 x 60
    = 11,000 EUR, the same plan, margin 6,200 EUR."""
    page = watched.open("?scenario=two-segments.yaml")
    assert float(page.get_attribute("#revenue", "data-value")) == pytest.approx(10250, abs=0.005)
    assert float(page.get_attribute("#margin", "data-value")) == pytest.approx(5450, abs=0.005)
    assert page.locator("#sections h3", has_text="Profit by segment").count() == 1
    page.click('#editables button[data-show="prices"]')
    price = page.locator('input[data-path="demands.basic.price"]')
    before = drawn(page)
    price.fill("60")
    price.press("Enter")
    wait_for_answer(page, before)
    assert float(page.get_attribute("#revenue", "data-value")) == pytest.approx(11000, abs=0.005)
    assert float(page.get_attribute("#margin", "data-value")) == pytest.approx(6200, abs=0.005)
    assert shown_cost(page) == pytest.approx(4800, abs=0.005)
    watched.check()
