"""A request's `set` as the command line's --set: a negative JSON number sets the figure (recorded,
commanded and saved as `=-5`), and a file invalid on its own is validated after the request's
overrides, so a `set` that mends it solves as `e2eopt solve FILE --set ...` does.

SITELOOP_ALWAYS by hand: 100 boxes go shop -> hub_a -> dock; the loop hub_a -> hub_b -> hub_a earns
(1 + 1 + c) EUR a round (unit costs 1 and 1, the arc's cost c), bounded by hub_b's 500 units. With
c = -5 each round costs -3 EUR, so the plan takes 500 rounds: 500 x (-3) + 100 x 1 (hub_a's pass to
the dock) + 10 (hub_a's fixed cost) = -1,390.00 EUR. With c = -3 - 5 = -8 (lower by 5) it would be
500 x (-6) + 110 = -2,890.00 EUR. With c = -3 (as in the file): 500 x (-1) + 110 = -390.00 EUR.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from conftest import SITELOOP, SITELOOP_ALWAYS, e2eopt

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's own deprecation of httpx's TestClient transport
    from fastapi.testclient import TestClient

SET_TO_MINUS_5 = 500 * (1 + 1 - 5) + 100 + 10  # -1,390 EUR
LOWERED_BY_5 = 500 * (1 + 1 - 8) + 100 + 10  # -2,890 EUR, what a bare '-5' (a change) gives
AS_FILED = 500 * (1 + 1 - 3) + 100 + 10  # -390 EUR


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("served")
    (root / "siteloop_always.yaml").write_text(SITELOOP_ALWAYS, encoding="utf-8")
    (root / "siteloop.yaml").write_text(SITELOOP, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def client(folder: Path) -> TestClient:
    from model.workbench import create_app

    return TestClient(create_app(folder, runs=folder / "runs"))


MINUS_5 = {"scenario": "siteloop_always.yaml", "set": {"arcs.hub_a->hub_b.cost": -5}}


def test_a_negative_json_number_sets_the_figure_and_is_recorded_and_commanded_as_set_to(
    client: TestClient, folder: Path
) -> None:
    document = client.post("/api/solve", json=MINUS_5).json()
    assert document["total_cost"] == pytest.approx(SET_TO_MINUS_5)
    assert [(c["override"], c["value"]) for c in document["changes"]] == [("arcs.hub_a->hub_b.cost", "=-5")]
    assert document["command"][-2:] == ["--set", "arcs.hub_a->hub_b.cost==-5"]
    # The command, run by the command line, solves the same scenario to the same cost.
    ran = e2eopt(*document["command"][1:], "--json", "--out", str(folder / "cli-runs"), cwd=folder)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["total_cost"] == pytest.approx(SET_TO_MINUS_5)
    # The text '-5' is a change, as on the command line: lowered by 5.
    text = client.post("/api/solve", json={**MINUS_5, "set": {"arcs.hub_a->hub_b.cost": "-5"}}).json()
    assert text["total_cost"] == pytest.approx(LOWERED_BY_5)


def test_a_negative_json_number_saves_its_run_and_its_what_if(client: TestClient, folder: Path) -> None:
    saved = client.post("/api/save/run", json=MINUS_5)
    assert saved.status_code == 200, saved.text  # was 409 "changed since it was solved"
    assert saved.json()["objective"] == pytest.approx(SET_TO_MINUS_5)
    summary = json.loads((Path(saved.json()["run_folder"]) / "summary.json").read_text())
    assert summary["command"][-1] == "arcs.hub_a->hub_b.cost==-5"
    body = {"base": "siteloop_always.yaml", "set": MINUS_5["set"], "name": "minus5.yaml"}
    assert client.post("/api/save/whatif", json=body).status_code == 200
    again = client.post("/api/solve", json={"scenario": "minus5.yaml"}).json()
    assert again["total_cost"] == pytest.approx(SET_TO_MINUS_5)


def test_a_sweeps_negative_json_numbers_set_the_figure(client: TestClient) -> None:
    body = {"scenario": "siteloop_always.yaml", "path": "arcs.hub_a->hub_b.cost", "values": [-5, -3]}
    points = client.post("/api/sweep", json=body).json()["points"]
    assert [(p["value"], p["kpis"]["total_cost"]) for p in points] == [("=-5", SET_TO_MINUS_5), ("=-3", AS_FILED)]


def test_a_set_that_mends_a_file_invalid_on_its_own_solves_as_the_command_line(client: TestClient) -> None:
    mend = {"scenario": "siteloop.yaml", "set": {"nodes.hub_a.capacity": "10000"}}
    # e2eopt solve siteloop.yaml --set nodes.hub_a.capacity=10000 solves at -390.00 EUR (hub_a open)
    document = client.post("/api/solve", json=mend).json()
    assert document["status"] == "optimal"
    assert document["total_cost"] == pytest.approx(AS_FILED)
    assert [c["override"] for c in document["changes"]] == ["nodes.hub_a.capacity"]
    assert document["bridge"] is None  # no base to compare with: the file alone does not solve
    assert client.post("/api/validate", json=mend).json()["valid"] is True
    assert client.post("/api/save/run", json=mend).status_code == 200
    # The file alone, or with a set that does not mend it, is refused as before, naming the field.
    for body in ({"scenario": "siteloop.yaml"}, {**mend, "set": {"nodes.hub_b.capacity": "900"}}):
        refused = client.post("/api/solve", json=body)
        assert refused.status_code == 422
        assert refused.json()["problems"][0]["path"] == "nodes.hub_a.open"
    assert client.get("/api/scenario", params={"path": "siteloop.yaml"}).json()["yaml"] == SITELOOP
