"""The workbench's JSON API, through FastAPI's TestClient: every endpoint, its answers checked against
figures worked out by hand on data/tiny.yaml (tests/workbench/conftest.py works them out) or by a
second method (model.optimise, the command line)."""

from __future__ import annotations

import json
import shutil
import threading
import time
import warnings
from pathlib import Path

import pytest
from conftest import APPLIANCE_FILE, DATA, TINY_FILE, e2eopt

from .conftest import PER_REPAIR, TINY, WITHOUT_VENDOR

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's own deprecation of httpx's TestClient transport
    from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A served folder: tiny, appliance-co and its what-if; a sweep file, a broken file, files under
    runs/ and a hidden folder (not listed), and a link to a file outside the folder."""
    root = tmp_path_factory.mktemp("served")
    for name in ("tiny.yaml", "appliance-co.yaml", "whatif-wage-rise.yaml"):
        shutil.copy(DATA / name, root / name)
    (root / "sweep.yaml").write_text("base: tiny.yaml\ngrid: {demands.repairs.volume: '*0.9,*1.1'}\n")
    (root / "broken.yaml").write_text(TINY_FILE.read_text().replace("volume: 1000", "volume: -5"))
    for hidden in ("runs", ".hidden"):
        (root / hidden).mkdir()
        shutil.copy(TINY_FILE, root / hidden / "copy.yaml")
    outside = tmp_path_factory.mktemp("outside") / "secret.yaml"
    shutil.copy(TINY_FILE, outside)
    (root / "link.yaml").symlink_to(outside)
    return root


@pytest.fixture(scope="module")
def client(folder: Path) -> TestClient:
    from model.workbench import create_app

    return TestClient(create_app(folder, runs=folder / "runs"))


def solve(client: TestClient, **body: object) -> dict:
    answer = client.post("/api/solve", json={"scenario": "tiny.yaml", **body})
    assert answer.status_code == 200, answer.text
    return answer.json()


# ---- reading ------------------------------------------------------------------------------------


def test_health_names_the_folder_and_version(client: TestClient, folder: Path) -> None:
    answer = client.get("/api/health")
    assert answer.status_code == 200
    document = answer.json()
    assert document["status"] == "ok"
    assert document["folder"] == str(folder.resolve())
    assert document["version"] == "0.1.0"  # pyproject.toml's
    assert isinstance(document["warm_models"], int)


def test_scenarios_lists_scenarios_and_what_ifs_not_sweeps_runs_or_hidden_files(
    client: TestClient, folder: Path
) -> None:
    listed = {entry["path"]: entry for entry in client.get("/api/scenarios").json()["scenarios"]}
    assert set(listed) == {"tiny.yaml", "appliance-co.yaml", "whatif-wage-rise.yaml", "broken.yaml"}  # no link out
    assert listed["whatif-wage-rise.yaml"] == {
        "path": "whatif-wage-rise.yaml",
        "name": "appliance-co",
        "extends": "appliance-co.yaml",
        "valid": True,
    }
    assert listed["broken.yaml"]["valid"] is False
    assert listed["tiny.yaml"]["extends"] is None
    (folder / "sub").mkdir()
    (folder / "sub" / "later.yaml").write_text(TINY_FILE.read_text().replace("name: tiny", "name: later"))
    again = {entry["path"]: entry for entry in client.get("/api/scenarios").json()["scenarios"]}
    assert again["sub/later.yaml"]["name"] == "later"  # a new file is listed; the others from what was read


def test_a_large_file_is_listed_at_once_and_checked_in_the_background(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # every file counts as large here: listed first with `valid` null, then as checked
    from model.workbench import create_app, session

    monkeypatch.setattr(session, "CHECKED_AT_ONCE", 10)
    shutil.copy(TINY_FILE, tmp_path / "tiny.yaml")
    (tmp_path / "bad.yaml").write_text(TINY_FILE.read_text().replace("volume: 1000", "volume: -5"))
    client = TestClient(create_app(tmp_path, runs=tmp_path / "runs"))
    first = {entry["path"]: entry for entry in client.get("/api/scenarios").json()["scenarios"]}
    assert first["tiny.yaml"] == {"path": "tiny.yaml", "name": "tiny", "extends": None, "valid": None}
    assert first["bad.yaml"]["valid"] is None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        listed = {entry["path"]: entry["valid"] for entry in client.get("/api/scenarios").json()["scenarios"]}
        if None not in listed.values():
            break
        time.sleep(0.05)
    assert listed == {"tiny.yaml": True, "bad.yaml": False}


def test_scenario_gives_text_resolved_data_and_editable_cells(client: TestClient) -> None:
    answer = client.get("/api/scenario", params={"path": "whatif-wage-rise.yaml"})
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert document["yaml"] == (DATA / "whatif-wage-rise.yaml").read_text()
    assert document["extends"] == "appliance-co.yaml"
    assert document["set"]["roles.technician.cost_per_fte"] == "+5%"
    assert document["remove"] == ["nodes.partner_north"]
    assert document["resolved"]["roles"]["technician"]["cost_per_fte"] == 4515  # 4300 + 5%, by hand
    assert "partner_north" not in document["resolved"]["nodes"]
    tables = {table["name"]: table for table in document["editable"]["tables"]}
    assert list(tables) == ["volumes", "wages", "targets", "capacities", "staff_bounds"]
    volumes = {row["key"]: row["cells"] for row in tables["volumes"]["rows"]}
    # filter_replacement_south: [600, 700, 900] x 1.2 in the what-if
    assert [c["value"] for c in volumes["filter_replacement_south"]] == [720, 840, 1080]
    assert [c["period"] for c in volumes["filter_replacement_south"]] == [0, 1, 2]
    assert {c["path"] for c in volumes["filter_replacement_south"]} == {"demands.filter_replacement_south.volume"}
    wages = {row["key"]: row["cells"] for row in tables["wages"]["rows"]}
    assert wages["technician"][0] == {"path": "roles.technician.cost_per_fte", "value": 4515, "min": 0}
    assert document["summary"]["valid"] is True
    assert document["summary"]["periods"] == ["2027-01", "2027-02", "2027-03"]


def test_validate_answers_as_the_command_line(client: TestClient, folder: Path) -> None:
    """The document equals `e2eopt validate --json` on the same file with the same --set."""
    answer = client.post(
        "/api/validate", json={"scenario": "appliance-co.yaml", "set": {"demands.repairs_north.volume": "*1.1"}}
    )
    assert answer.status_code == 200, answer.text
    cli = e2eopt(
        "validate", "appliance-co.yaml", "--set", "demands.repairs_north.volume=*1.1", "--json", cwd=folder, timeout=120
    )
    assert cli.returncode == 0, cli.stderr
    expected = json.loads(cli.stdout)
    assert answer.json() == expected


def test_edited_text_is_validated_with_its_lines(client: TestClient) -> None:
    text = TINY_FILE.read_text().replace("min_quality: 0.95", "min_quality: 1.5")
    line = text.splitlines().index("    min_quality: 1.5") + 1
    answer = client.post("/api/validate", json={"scenario": "tiny.yaml", "yaml": text, "lp": False})
    assert answer.status_code == 422
    document = answer.json()
    assert document["valid"] is False
    [problem] = document["problems"]
    assert (problem["file"], problem["line"], problem["path"]) == ("tiny.yaml", line, "demands.repairs.min_quality")
    assert "tiny.yaml" in document["error"]


# ---- solving ------------------------------------------------------------------------------------


def test_first_solve_then_volume_re_solve_then_removal_rebuild(client: TestClient) -> None:
    base = solve(client)
    assert base["status"] == "optimal"
    assert base["objective"] == pytest.approx(TINY, abs=0.005)
    assert base["resolve"]["how"] == "first solve"
    assert base["bridge"] is None  # nothing changed

    more = solve(client, set={"demands.repairs.volume": "*1.2"})
    assert more["objective"] == pytest.approx(1200 * PER_REPAIR, abs=0.005)
    assert more["resolve"]["how"] == "re-solve"
    assert more["base_objective"] == pytest.approx(TINY, abs=0.005)
    assert more["changes"] == [
        {"override": "demands.repairs.volume", "value": "*1.2", "origin": "--set", "fields_changed": 1}
    ]
    [total] = [row for row in more["bridge"]["rows"] if row["stage"] == "(total)"]
    assert total["change"] == pytest.approx(more["objective"] - more["base_objective"], abs=0.01)
    assert more["bridge"]["units"]["bridge"]["change"] == "EUR"
    assert more["bridge"]["figure"]["data"][0]["type"] == "waterfall"

    without = solve(client, remove=["nodes.vendor"])
    assert without["objective"] == pytest.approx(WITHOUT_VENDOR, abs=0.005)
    assert without["resolve"]["how"] == "rebuild"
    assert "rebuilt" in without["resolve"]["why"]


def test_solve_document_is_the_command_lines_and_the_cost_optimise_gives(client: TestClient, folder: Path) -> None:
    """appliance-co with a per-period volume list and a wage change: the objective equals
    model.optimise on model.resolve with the same overrides, and `e2eopt solve --json` has the same keys."""
    import model

    sets = {"demands.repairs_north.volume": "[700, 850, 900]", "roles.technician.cost_per_fte": "+3%"}
    document = solve(client, scenario="appliance-co.yaml", set=sets, base_view=True)
    resolved = model.resolve(APPLIANCE_FILE, [f"{path}={value}" for path, value in sets.items()])
    assert resolved.scenario.demands["repairs_north"].volume == [700, 850, 900]
    assert document["objective"] == pytest.approx(model.optimise(resolved.scenario).objective, abs=0.005)
    assert document["resolve"]["how"] in ("first solve", "re-solve")
    cli = e2eopt(
        "solve",
        "appliance-co.yaml",
        *[arg for path, value in sets.items() for arg in ("--set", f"{path}={value}")],
        "--json",
        "--out",
        str(folder.parent / "cli-runs"),
        cwd=folder,
        timeout=300,
    )
    assert cli.returncode == 0, cli.stderr
    expected = json.loads(cli.stdout)
    assert expected["objective"] == pytest.approx(document["objective"], abs=0.005)
    assert set(expected) <= set(document)
    assert document["run_folder"] is None
    assert document["cost_by_stage"] == pytest.approx(expected["cost_by_stage"], abs=0.005)
    # the same scenario: its data's digest (the API does not write its YAML, whose SHA-256 the command line gives)
    from model.runs import scenario_digest

    assert document["input"]["scenario_sha256"] == scenario_digest(resolved.data)
    assert document["input"]["file_sha256"] == expected["input"]["file_sha256"]
    titles = [section["title"] for section in document["view"]["sections"]]
    assert titles == [section["title"] for section in document["base_view"]["sections"]]
    assert "Cost by stage and category" in titles
    assert all(figure["data"] for section in document["view"]["sections"] for figure in section["figures"])


def test_the_same_request_again_is_answered_without_solving_again(client: TestClient) -> None:
    """The page asks for the plan, then for its charts: the second answer is the first's, with its view."""
    sets = {"demands.repairs.volume": "*0.9"}
    plan = solve(client, set=sets, view=False)
    charts = solve(client, set=sets)
    assert (plan["resolve"]["reused"], charts["resolve"]["reused"]) == (False, True)
    assert charts["objective"] == plan["objective"] == pytest.approx(900 * PER_REPAIR, abs=0.005)
    assert "view" not in plan and charts["view"]["sections"]
    other = solve(client, set={"demands.repairs.volume": "*0.8"}, view=False)
    assert other["resolve"]["reused"] is False


def test_an_infeasible_what_if_says_what_it_would_take(client: TestClient) -> None:
    """tiny's best quality is the service team's 0.98: a 0.99 target cannot be met."""
    document = solve(client, set={"demands.repairs.min_quality": "0.99"})
    assert document["status"] == "infeasible"
    assert document["objective"] is None
    sentences = [row["sentence"] for row in document["diagnosis"]]
    assert any("98.00%" in sentence and "99.00%" in sentence for sentence in sentences), sentences
    assert document["view"]["sections"][0]["title"] == "Diagnosis: why there is no plan"
    assert document["bridge"] is None


def test_two_concurrent_what_ifs_on_one_base_each_get_their_answer(client: TestClient) -> None:
    answers: dict[float, float] = {}

    def ask(factor: float) -> None:
        document = solve(client, set={"demands.repairs.volume": f"*{factor}"}, view=False)
        answers[factor] = document["objective"]

    threads = [threading.Thread(target=ask, args=(factor,)) for factor in (0.5, 1.3, 0.7, 1.1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert answers == pytest.approx({f: 1000 * f * PER_REPAIR for f in (0.5, 1.3, 0.7, 1.1)}, abs=0.005)


def test_sweep_of_three_points_equals_three_solves(client: TestClient) -> None:
    answer = client.post(
        "/api/sweep",
        json={"scenario": "tiny.yaml", "path": "demands.repairs.volume", "values": "*0.8:*1.2:0.2", "request_id": "s1"},
    )
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert document["values"] == ["*0.8", "*1", "*1.2"]
    assert [p["objective"] for p in document["points"]] == pytest.approx(
        [800 * PER_REPAIR, TINY, 1200 * PER_REPAIR], abs=0.005
    )
    assert document["points"][2]["kpis"]["served.repairs"] == pytest.approx(1200)
    assert document["units"]["objective"] == "EUR"
    assert client.get("/api/progress/s1").json()["state"] == "done"


def test_sweep_with_a_path_that_matches_nothing_is_refused(client: TestClient) -> None:
    body = {"scenario": "tiny.yaml", "path": "demands.nope.volume", "values": "1,2", "request_id": "s2"}
    answer = client.post("/api/sweep", json=body)
    assert answer.status_code == 422
    assert answer.json()["problems"][0]["path"] == "demands.nope.volume"
    assert client.get("/api/progress/s2").json()["state"] == "failed"


# ---- saving -------------------------------------------------------------------------------------


def test_saved_what_if_solves_from_the_command_line_to_the_same_cost(client: TestClient, folder: Path) -> None:
    sets = {"demands.repairs.volume": "*1.1", "roles.technician.cost_per_fte": 5500}
    body = {"base": "tiny.yaml", "set": sets, "remove": [], "name": "whatif-more.yaml"}
    answer = client.post("/api/save/whatif", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"path": "whatif-more.yaml"}
    assert client.post("/api/save/whatif", json=body).status_code == 409
    assert client.post("/api/save/whatif", json={**body, "overwrite": True}).status_code == 200
    api = solve(client, scenario="whatif-more.yaml", view=False)
    cli = e2eopt("solve", "whatif-more.yaml", "--json", "--out", str(folder.parent / "cli-runs"), cwd=folder)
    assert cli.returncode == 0, cli.stderr
    # by hand: 1100 repairs, the team's at 1.5 h x 5,500 / 140 EUR: 440 x 58.93 + 660 x 52
    assert json.loads(cli.stdout)["objective"] == pytest.approx(440 * 1.5 / 140 * 5500 + 660 * 52, abs=0.005)
    assert api["objective"] == pytest.approx(json.loads(cli.stdout)["objective"], abs=0.005)


def test_a_what_if_that_does_not_resolve_is_not_written(client: TestClient, folder: Path) -> None:
    body = {"base": "tiny.yaml", "set": {"demands.nope.volume": "2"}, "name": "whatif-bad.yaml"}
    answer = client.post("/api/save/whatif", json=body)
    assert answer.status_code == 422
    assert not (folder / "whatif-bad.yaml").exists()
    for name in ("../escape.yaml", "x.txt", ".hidden.yaml"):
        assert client.post("/api/save/whatif", json={**body, "name": name}).status_code == 400


def test_saved_run_is_in_the_catalogue_and_opens(client: TestClient, folder: Path) -> None:
    answer = client.post("/api/save/run", json={"scenario": "tiny.yaml", "set": {"demands.repairs.volume": "*0.5"}})
    assert answer.status_code == 200, answer.text
    run_folder = Path(answer.json()["run_folder"])
    assert run_folder.parent == folder / "runs"
    summary = json.loads((run_folder / "summary.json").read_text())
    assert summary["objective"] == pytest.approx(500 * PER_REPAIR, abs=0.005)
    # its scenario.yaml is the resolved scenario, as `e2eopt solve tiny.yaml --set ...` writes it: solved again,
    # the same cost; its command names the file as the server's working folder sees it
    again = e2eopt("solve", str(run_folder), "--json", "--out", str(folder.parent / "cli-runs"), cwd=folder)
    assert json.loads(again.stdout)["objective"] == pytest.approx(500 * PER_REPAIR, abs=0.005)
    command = summary["command"]
    assert command[:2] == ["e2eopt", "solve"] and Path(command[2]).resolve() == (folder / "tiny.yaml").resolve()
    assert command[3:] == ["--set", "demands.repairs.volume=*0.5"]
    listed = e2eopt("runs", "list", "--runs", str(folder / "runs"), "--json", cwd=folder)
    assert run_folder.name in [entry["name"] for entry in json.loads(listed.stdout)]
    assert run_folder.name in [entry["name"] for entry in client.get("/api/runs").json()]
    opened = client.get(f"/api/runs/{run_folder.name}")
    assert opened.status_code == 200
    assert opened.json()["summary"]["total_cost"] == pytest.approx(500 * PER_REPAIR, abs=0.005)
    assert any(s["title"] == "Cost by stage and category" for s in opened.json()["view"]["sections"])


def test_the_bridge_is_e2eopt_compare_s_on_the_two_run_folders(client: TestClient) -> None:
    """The bridge made in memory equals model.compare on the base's and the what-if's run folders."""
    import model

    sets = {"demands.repairs.volume": "*1.25", "roles.technician.cost_per_fte": "+10%"}
    document = solve(client, set=sets)
    base = client.post("/api/save/run", json={"scenario": "tiny.yaml"}).json()["run_folder"]
    what_if = client.post("/api/save/run", json={"scenario": "tiny.yaml", "set": sets}).json()["run_folder"]
    expected = model.compare(base, what_if).bridge.to_dict("records")
    assert len(document["bridge"]["rows"]) == len(expected)
    for row, want in zip(document["bridge"]["rows"], expected):
        assert row == pytest.approx(want, abs=1e-6)


def test_a_runs_folder_that_cannot_be_written_is_a_clear_refusal(folder: Path, tmp_path: Path) -> None:
    from model.workbench import create_app

    runs = tmp_path / "runs-is-a-file"
    runs.write_text("not a folder")
    refusing = TestClient(create_app(folder, runs=runs))
    answer = refusing.post("/api/save/run", json={"scenario": "tiny.yaml"})
    assert answer.status_code == 507, answer.text
    assert answer.json()["error"].startswith(f"a run folder under {runs} could not be written: ")
    assert runs.read_text() == "not a folder"


# ---- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "said"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"[1, 2]", 400, "must be a JSON object"),
        (b'{"scenario": "tiny.yaml", "sett": {}}', 400, "unknown field 'sett'"),
        (b'{"scenario": "tiny.yaml", "set": {"demands.repairs.volume": true}}', 400, "'set.demands.repairs.volume'"),
        (b'{"scenario": "tiny.yaml", "set": {"demands.nope.volume": "*2"}}', 422, "matches nothing"),
        (b'{"scenario": "tiny.yaml", "set": {"demands.repairs.volume": "x2"}}', 422, "not a number"),
        (b'{"scenario": "tiny.yaml", "set": {"demands.repairs.volume": "[1, *2]"}}', 422, "item 2 of the list"),
        (b'{"scenario": "../tiny.yaml"}', 403, "outside the served folder"),
        (b'{"scenario": "/etc/passwd"}', 403, "absolute path"),
        (b'{"scenario": "link.yaml"}', 403, "outside the served folder"),
        (b'{"scenario": "missing.yaml"}', 404, "no such scenario file"),
        (b'{"scenario": "broken.yaml"}', 422, "demands.repairs.volume"),
        (b"{}", 400, "give 'scenario'"),
    ],
)
def test_bad_requests_get_a_json_error_saying_what_is_wrong(
    client: TestClient, body: bytes, status: int, said: str
) -> None:
    answer = client.post("/api/solve", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == status, answer.text
    assert said in answer.json()["error"], answer.json()


def test_a_problem_of_an_override_is_located_at_its_path(client: TestClient) -> None:
    answer = client.post("/api/solve", json={"scenario": "tiny.yaml", "set": {"demands.nope.volume": "*2"}})
    [problem] = answer.json()["problems"]
    assert problem["path"] == "demands.nope.volume"
    assert problem["hint"] == "Under 'demands': repairs."


def test_paths_outside_the_folder_are_refused_everywhere(client: TestClient) -> None:
    assert client.get("/api/scenario", params={"path": "../x.yaml"}).status_code == 403
    assert client.get("/api/scenario", params={"path": "runs/../../x.yaml"}).status_code == 403
    assert client.get("/api/runs/..%2F..%2Fetc").status_code in (403, 404)
    assert client.get("/api/runs/no-such-run").status_code == 404
    assert client.get("/static/..%2Fapi.py").status_code == 404
    body = {"base": "../tiny.yaml", "set": {}, "name": "x.yaml"}
    assert client.post("/api/save/whatif", json=body).status_code == 403


def test_an_unexpected_fault_is_a_500_json_answer_and_the_server_stays_up(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    bench = client.app.state.bench  # type: ignore[attr-defined]
    as_served = TestClient(client.app, raise_server_exceptions=False)  # as a browser sees it

    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(bench, "base", broken)
    answer = as_served.post("/api/solve", json={"scenario": "tiny.yaml"})
    assert answer.status_code == 500
    assert answer.json()["error"] == "internal error: RuntimeError: a bug"
    monkeypatch.undo()
    assert solve(client, view=False)["objective"] == pytest.approx(TINY, abs=0.005)


def test_unknown_routes_and_methods_answer_json(client: TestClient) -> None:
    assert client.get("/api/nope").json() == {"error": "Not Found", "problems": []}
    assert client.put("/api/solve").status_code == 405
    assert client.get("/docs").status_code == 404  # its assets come from a CDN: off
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/health", "/api/solve", "/api/validate", "/api/sweep", "/api/runs"} <= set(paths)


# ---- the page, its files, the token ------------------------------------------------------------


def test_page_and_plotly_are_served_from_the_package(client: TestClient) -> None:
    import plotly

    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    script = client.get("/static/plotly.min.js")
    assert script.status_code == 200
    assert script.content == (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()


def test_the_token_is_needed_on_every_request(folder: Path) -> None:
    from model.workbench import create_app

    guarded = TestClient(create_app(folder, runs=folder / "runs", token="s3cret"))
    for path in ("/", "/static/plotly.min.js", "/api/health", "/openapi.json"):
        answer = guarded.get(path)
        assert answer.status_code == 401, path
        assert "no token" in answer.json()["error"]
    assert guarded.get("/api/health", params={"token": "wrong"}).status_code == 401
    assert guarded.get("/api/health", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert guarded.get("/api/health", params={"token": "s3cret"}).status_code == 200
    assert guarded.get("/api/health", headers={"Authorization": "Bearer s3cret"}).status_code == 200
