"""The workbench API's OpenAPI document (/openapi.json) declares the answers the server really gives:
every route's error answers as `{error, problems}` (not FastAPI's `{"detail": ...}`), and the main
answers' shapes; real answers are checked against the declared schemas with jsonschema.

tiny.yaml by hand (tests/workbench/test_api.py): 1000 repairs cost 53,485.71 EUR at the optimum."""

from __future__ import annotations

import warnings
from pathlib import Path

import jsonschema
import pytest
from conftest import TINY_FILE

from .conftest import PER_REPAIR

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def client(folder: Path) -> TestClient:
    from model.workbench import create_app

    return TestClient(create_app(str(folder), runs=str(folder / "runs")))  # str paths work as Path ones


@pytest.fixture(scope="module")
def openapi(client: TestClient) -> dict:
    return client.get("/openapi.json").json()


def check(openapi: dict, path: str, method: str, status: int, document: object) -> None:
    """`document` validates against the schema /openapi.json declares for that route and status."""
    schema = openapi["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]
    assert schema, f"{method.upper()} {path} {status}: no schema declared"
    jsonschema.validate(document, {**schema, "components": openapi["components"]})


def test_every_api_route_declares_the_error_answer_not_fastapi_s_detail(openapi: dict) -> None:
    routes = [(path, method, op) for path, ops in openapi["paths"].items() for method, op in ops.items()]
    assert len(routes) == 16
    for path, method, operation in routes:
        responses = operation["responses"]
        for status in ("400", "401", "403", "404", "409", "422"):
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorAnswer"}, (path, method, status)
        if method == "post" and path != "/api/cancel/{request_id}":
            assert "413" in responses, (path, method)
    for path in ("/api/save/whatif", "/api/save/scenario", "/api/save/run"):
        assert "507" in openapi["paths"][path]["post"]["responses"]
    assert "HTTPValidationError" not in openapi["components"]["schemas"]
    assert set(openapi["components"]["schemas"]["ErrorAnswer"]["required"]) == {"error", "problems"}


def test_a_real_422_and_400_and_404_validate_against_the_declared_error_schema(
    client: TestClient, openapi: dict
) -> None:
    bad = client.post("/api/solve", json={"scenario": "tiny.yaml", "set": {"demands.repairs.volume": "-2000"}})
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["path"] == "demands.repairs.volume"
    check(openapi, "/api/solve", "post", 422, bad.json())
    with pytest.raises(jsonschema.ValidationError):  # the check can fail: FastAPI's own shape does not pass
        check(openapi, "/api/solve", "post", 422, {"detail": [{"loc": ["body"], "msg": "x", "type": "y"}]})
    unknown = client.post("/api/solve", json={"scenario": "tiny.yaml", "nope": 1})
    assert unknown.status_code == 400
    check(openapi, "/api/solve", "post", 400, unknown.json())
    missing = client.post("/api/validate", json={"scenario": "missing.yaml"})
    assert missing.status_code == 404
    check(openapi, "/api/validate", "post", 404, missing.json())


def test_main_answers_validate_against_their_declared_schemas(client: TestClient, openapi: dict) -> None:
    check(openapi, "/api/health", "get", 200, client.get("/api/health").json())
    body = {"scenario": "tiny.yaml", "path": "demands.repairs.volume", "values": [1000, -2000], "request_id": "p"}
    sweep = client.post("/api/sweep", json=body).json()
    assert sweep["points"][0]["objective"] == pytest.approx(1000 * PER_REPAIR, abs=0.005)
    check(openapi, "/api/sweep", "post", 200, sweep)
    check(openapi, "/api/progress/{request_id}", "get", 200, client.get("/api/progress/p").json())
    check(openapi, "/api/cancel/{request_id}", "post", 200, client.post("/api/cancel/p").json())
    run = client.post("/api/save/run", json={"scenario": "tiny.yaml"}).json()
    assert run["objective"] == pytest.approx(1000 * PER_REPAIR, abs=0.005)
    check(openapi, "/api/save/run", "post", 200, run)
    saved = client.post(
        "/api/save/whatif", json={"base": "tiny.yaml", "set": {"demands.repairs.volume": 900}, "name": "w.yaml"}
    )
    check(openapi, "/api/save/whatif", "post", 200, saved.json())


def test_files_the_workbench_writes_get_the_mode_the_umask_gives(client: TestClient, folder: Path) -> None:
    """Under umask 022 a what-if file and a kept scenario are 0644 (as any file `open` makes), not 0600."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        whatif = client.post(
            "/api/save/whatif", json={"base": "tiny.yaml", "set": {"demands.repairs.volume": 800}, "name": "m.yaml"}
        )
        kept = client.post("/api/save/scenario", json={"name": "kept.yaml", "yaml": TINY_FILE.read_text()})
    finally:
        os.umask(old)
    assert whatif.status_code == 200 and kept.status_code == 200, (whatif.text, kept.text)
    for name in ("m.yaml", "kept.yaml"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o644, name


def test_docs_api_md_gives_the_workbench_and_excel_signatures_as_the_code_has_them() -> None:
    import inspect

    from conftest import ROOT

    from model.scenario import excel
    from model.workbench import create_app

    lines = set((ROOT / "docs" / "api.md").read_text(encoding="utf-8").splitlines())
    for name, function in (
        ("model.workbench.create_app", create_app),
        ("model.scenario.excel.read_workbook", excel.read_workbook),
    ):
        shown = f"{name}{inspect.signature(function)}".replace("'", "")
        assert shown in lines, shown
    named = ", ".join(inspect.signature(excel.write_template).parameters).replace("source_name", "*, source_name")
    assert any(f"`write_template({named})`" in line for line in lines), named


def test_the_documented_ways_work_uvicorn_in_a_thread_and_a_workbook_to_a_scenario(tmp_path: Path) -> None:
    """docs/api.md's recipes: the app served from a thread answers /api/health; a workbook of tiny.yaml
    read back to a Scenario solves to the hand figure (1000 repairs: 53,485.71 EUR)."""
    import json
    import socket
    import threading
    import time
    import urllib.request

    import uvicorn

    import model
    from model.scenario.excel import read_workbook, write_template
    from model.workbench import create_app

    bound = socket.socket()  # bound to a free port until the server takes it: no other test worker can take it
    bound.bind(("127.0.0.1", 0))
    port = bound.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(str(TINY_FILE.parent)), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [bound]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=10) as reply:
            assert json.load(reply)["folder"] == str(TINY_FILE.parent.resolve())
    finally:
        server.should_exit = True
        thread.join(20)
        bound.close()
    book = tmp_path / "tiny.xlsx"
    write_template(model.resolve(TINY_FILE).data, book, source_name="tiny.yaml")
    text = read_workbook(book.read_bytes(), "tiny.xlsx")
    scenario = model.resolve(tmp_path / "tiny.yaml", text=text).scenario
    assert model.optimise(scenario, sensitivity=False).objective == pytest.approx(1000 * PER_REPAIR, abs=0.005)


# ---- small API details --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"scenario": "tiny.yaml", "view": "yes"}, "'view': Input should be a valid boolean"),
        ({"scenario": "tiny.yaml", "base_view": 1}, "'base_view': Input should be a valid boolean"),
        ({"scenario": ""}, "'scenario' is empty: give a file name"),
    ],
)
def test_strict_booleans_and_an_empty_scenario_are_400(client: TestClient, body: dict, said: str) -> None:
    answer = client.post("/api/solve", json=body)
    assert answer.status_code == 400, answer.text
    assert said in answer.json()["error"]


def test_strict_booleans_on_validate_and_saves(client: TestClient) -> None:
    assert client.post("/api/validate", json={"scenario": "tiny.yaml", "lp": "no"}).status_code == 400
    body = {"base": "tiny.yaml", "name": "x.yaml", "overwrite": "true"}
    assert client.post("/api/save/whatif", json=body).status_code == 400


def test_a_save_with_a_bad_override_names_the_file_as_it_will_be_called(client: TestClient, folder: Path) -> None:
    body = {"base": "tiny.yaml", "set": {"demands.repairs.volume": "-2000"}, "name": "w2.yaml"}
    answer = client.post("/api/save/whatif", json=body)
    assert answer.status_code == 422, answer.text
    problem = answer.json()["problems"][0]
    assert problem["file"] == "w2.yaml" and problem["path"] == "demands.repairs.volume"
    assert str(folder) not in answer.text
    assert not (folder / "w2.yaml").exists()


def test_a_json_body_over_64_mib_is_413_by_its_length_or_as_it_streams(client: TestClient) -> None:
    limit = 64 * 1024 * 1024
    big = b'{"scenario": "tiny.yaml", "yaml": "' + b"x" * limit + b'"}'
    answer = client.post("/api/solve", content=big, headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert answer.json()["error"] == f"the body is {len(big):,} bytes or more; at most {limit:,} are taken"

    def chunks():  # no Content-Length: sent in chunks
        yield b'{"scenario": "tiny.yaml", "yaml": "'
        for _ in range(65):
            yield b"x" * (1024 * 1024)

    streamed = client.post("/api/validate", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413, streamed.text
    assert streamed.json()["error"].startswith("the body is ")
