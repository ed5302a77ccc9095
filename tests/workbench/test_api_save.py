"""Keeping a scenario in the served folder (POST /api/save/scenario) and opening a broken file to fix it
(GET /api/scenario answering 422 with the file's text): each refusal, and the kept or fixed file solved
by the command line to the hand figure.

tiny.yaml by hand (tests/workbench/test_api.py): 1000 repairs cost 53,485.71 EUR at the optimum, each
repair 53.4857... EUR for any volume below 1,333."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest
from conftest import TINY_FILE, e2eopt

from .conftest import PER_REPAIR, TINY

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

BROKEN = TINY_FILE.read_text().replace("volume: 1000", "volume: -5")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tiny.yaml, a broken copy, a sub-folder, a runs folder, and a file outside the folder."""
    root = tmp_path_factory.mktemp("served")
    shutil.copy(TINY_FILE, root / "tiny.yaml")
    (root / "sub").mkdir()
    (root / "runs").mkdir()
    return root


@pytest.fixture(scope="module")
def client(folder: Path) -> TestClient:
    from model.workbench import create_app

    return TestClient(create_app(folder, runs=folder / "runs"))


def cli_objective(scenario: Path, cwd: Path) -> float:
    result = e2eopt("solve", str(scenario), "--json", "--out", str(cwd / "cli-runs"), cwd=cwd)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["objective"]


def save(client: TestClient, name: str, text: str, overwrite: bool = False) -> object:
    return client.post("/api/save/scenario", json={"name": name, "yaml": text, "overwrite": overwrite})


def test_a_kept_scenario_is_written_whole_and_solves_from_the_cli(
    client: TestClient, folder: Path, tmp_path: Path
) -> None:
    text = TINY_FILE.read_text().replace("volume: 1000", "volume: 1100")
    answer = save(client, "kept.yaml", text)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"path": "kept.yaml"}
    assert (folder / "kept.yaml").read_text() == text
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]  # no temporary file left
    assert cli_objective(folder / "kept.yaml", tmp_path) == pytest.approx(1100 * PER_REPAIR, abs=0.01)
    listed = {entry["path"] for entry in client.get("/api/scenarios").json()["scenarios"]}
    assert "kept.yaml" in listed
    opened = client.get("/api/scenario", params={"path": "kept.yaml"})
    assert opened.status_code == 200 and opened.json()["editable"]["tables"]


def test_an_existing_file_is_kept_only_when_overwrite_is_asked(client: TestClient, folder: Path) -> None:
    (folder / "twice.yaml").write_text(TINY_FILE.read_text())
    text = TINY_FILE.read_text().replace("volume: 1000", "volume: 900")
    refused = save(client, "twice.yaml", text)
    assert refused.status_code == 409, refused.text
    assert "twice.yaml exists" in refused.json()["error"]
    assert (folder / "twice.yaml").read_text() == TINY_FILE.read_text()  # untouched
    assert save(client, "twice.yaml", text, overwrite=True).status_code == 200
    assert (folder / "twice.yaml").read_text() == text


def test_invalid_text_is_refused_with_located_problems_and_nothing_written(client: TestClient, folder: Path) -> None:
    answer = save(client, "bad.yaml", BROKEN)
    assert answer.status_code == 422, answer.text
    line = BROKEN[: BROKEN.index("volume: -5")].count("\n") + 1
    problem = answer.json()["problems"][0]
    assert (problem["file"], problem["line"], problem["path"]) == ("bad.yaml", line, "demands.repairs.volume")
    assert not (folder / "bad.yaml").exists()
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("plan.txt", 400),  # not .yaml / .yml
        ("../outside.yaml", 400),  # a folder part that is not a name
        (".hidden.yaml", 400),
        ("/tmp/abs.yaml", 400),
        ("nofolder/plan.yaml", 404),
        ("runs/plan.yaml", 403),
        ("sub", 400),
    ],
)
def test_a_bad_name_is_refused(client: TestClient, folder: Path, name: str, status: int) -> None:
    answer = save(client, name, TINY_FILE.read_text())
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]
    assert not (folder / "runs" / "plan.yaml").exists() and not (folder.parent / "outside.yaml").exists()


def test_a_file_in_a_sub_folder_can_be_saved_where_it_is(client: TestClient, folder: Path) -> None:
    assert save(client, "sub/plan.yml", TINY_FILE.read_text()).json() == {"path": "sub/plan.yml"}
    assert (folder / "sub" / "plan.yml").read_text() == TINY_FILE.read_text()


def test_a_link_out_of_the_folder_is_refused(client: TestClient, folder: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.yaml"
    outside.write_text("keep: me\n")
    (folder / "link.yaml").symlink_to(outside)
    try:
        answer = save(client, "link.yaml", TINY_FILE.read_text(), overwrite=True)
        assert answer.status_code == 403, answer.text
        assert outside.read_text() == "keep: me\n"
    finally:
        (folder / "link.yaml").unlink()


def test_unknown_or_missing_fields_are_400(client: TestClient) -> None:
    answer = client.post("/api/save/scenario", json={"name": "x.yaml", "yaml": "a: 1", "colour": "red"})
    assert answer.status_code == 400
    assert "unknown field 'colour'" in answer.json()["error"] and "overwrite" in answer.json()["error"]
    assert client.post("/api/save/scenario", json={"name": "x.yaml"}).json()["error"] == "'yaml' is required"


def test_a_broken_file_opens_with_its_text_and_located_problems_then_fixed_it_solves(
    client: TestClient, folder: Path, tmp_path: Path
) -> None:
    (folder / "broken.yaml").write_text(BROKEN)
    answer = client.get("/api/scenario", params={"path": "broken.yaml"})
    assert answer.status_code == 422, answer.text
    document = answer.json()
    assert document["path"] == "broken.yaml" and document["yaml"] == BROKEN and document["valid"] is False
    line = BROKEN[: BROKEN.index("volume: -5")].count("\n") + 1
    assert [(p["file"], p["line"], p["path"]) for p in document["problems"]] == [
        ("broken.yaml", line, "demands.repairs.volume")
    ]
    fixed = BROKEN.replace("volume: -5", "volume: 1000")
    assert save(client, "broken.yaml", fixed, overwrite=True).status_code == 200
    opened = client.get("/api/scenario", params={"path": "broken.yaml"})
    assert opened.status_code == 200, opened.text
    solved = client.post("/api/solve", json={"scenario": "broken.yaml", "view": False}).json()
    assert solved["objective"] == pytest.approx(TINY, abs=0.01)  # the hand figure, 53,485.71 EUR
    assert cli_objective(folder / "broken.yaml", tmp_path) == pytest.approx(TINY, abs=0.01)


def test_a_file_outside_or_missing_gets_no_text(client: TestClient, tmp_path: Path, folder: Path) -> None:
    outside = tmp_path / "secret.yaml"
    outside.write_text(BROKEN)
    (folder / "out.yaml").symlink_to(outside)
    try:
        for path, status in (("../secret.yaml", 403), (str(outside), 403), ("out.yaml", 403), ("none.yaml", 404)):
            answer = client.get("/api/scenario", params={"path": path})
            assert answer.status_code == status, (path, answer.text)
            assert "yaml" not in answer.json()
    finally:
        (folder / "out.yaml").unlink()


def test_a_run_of_edited_text_records_the_text_and_solves_again_from_its_folder(
    client: TestClient, folder: Path
) -> None:
    """Edited text (1100 repairs) is no file on disk: the run folder names it as edited, digests the
    text as sent, and its recorded command (the run folder) gives the hand figure again."""
    import hashlib

    text = TINY_FILE.read_text().replace("volume: 1000", "volume: 1100")
    answer = client.post("/api/save/run", json={"scenario": "tiny.yaml", "yaml": text})
    assert answer.status_code == 200, answer.text
    assert answer.json()["objective"] == pytest.approx(1100 * PER_REPAIR, abs=0.005)
    run_folder = Path(answer.json()["run_folder"])
    summary = json.loads((run_folder / "summary.json").read_text())
    assert summary["input"]["file"] == "tiny.yaml (edited in the workbench)"
    assert summary["input"]["file_sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert summary["label"] == "edited" and run_folder.name.endswith("-edited")
    assert (run_folder / "scenario.yaml").read_text() == text
    command = summary["command"]
    assert command[:2] == ["e2eopt", "solve"] and len(command) == 3
    assert (Path.cwd() / command[2]).resolve() == run_folder.resolve()
    again = e2eopt("solve", str(run_folder), "--json", "--out", str(folder.parent / "edited-runs"), cwd=folder)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["objective"] == pytest.approx(1100 * PER_REPAIR, abs=0.005)
    listed = e2eopt("runs", "list", "--runs", str(folder / "runs"), "--json", cwd=folder)
    entry = next(e for e in json.loads(listed.stdout) if e["name"] == run_folder.name)
    assert entry["label"] == "edited"


def test_a_run_of_edited_text_with_a_set_is_labelled_edited_and_the_set(client: TestClient, folder: Path) -> None:
    """Edited text (1100 repairs) with volume *0.5: 550 repairs, solved again from the run folder."""
    text = TINY_FILE.read_text().replace("volume: 1000", "volume: 1100")
    body = {"scenario": "tiny.yaml", "yaml": text, "set": {"demands.repairs.volume": "*0.5"}}
    answer = client.post("/api/save/run", json=body)
    assert answer.status_code == 200, answer.text
    run_folder = Path(answer.json()["run_folder"])
    summary = json.loads((run_folder / "summary.json").read_text())
    assert summary["label"].startswith("edited-set-")
    again = e2eopt("solve", str(run_folder), "--json", "--out", str(folder.parent / "edited-runs"), cwd=folder)
    assert json.loads(again.stdout)["objective"] == pytest.approx(550 * PER_REPAIR, abs=0.005)


def test_one_what_if_has_one_scenario_digest_in_the_saved_run_and_the_cli_run(client: TestClient, folder: Path) -> None:
    """A what-if file (extends tiny.yaml, 1200 repairs) with a --set (+10%: 1320 repairs, below 1,333):
    the run the API saves and the run its recorded command makes from the server's working folder hold
    the same scenario.yaml bytes, so the same scenario_sha256; the API's solve answers the digest of
    the resolved data (model.runs.scenario_digest), documented as such."""
    import hashlib

    import model
    from model.runs import scenario_digest

    (folder / "more.yaml").write_text('extends: "tiny.yaml"\nset:\n  "demands.repairs.volume": 1200\n')
    body = {"scenario": "more.yaml", "set": {"demands.repairs.volume": "+10%"}}
    solved = client.post("/api/solve", json={**body, "view": False}).json()
    assert solved["objective"] == pytest.approx(1320 * PER_REPAIR, abs=0.005)
    saved = client.post("/api/save/run", json=body)
    assert saved.status_code == 200, saved.text
    run_folder = Path(saved.json()["run_folder"])
    summary = json.loads((run_folder / "summary.json").read_text())
    digest = summary["input"]["scenario_sha256"]
    assert digest == hashlib.sha256((run_folder / "scenario.yaml").read_bytes()).hexdigest()
    out = folder.parent / "digest-runs"
    again = e2eopt(*summary["command"][1:], "--json", "--out", str(out), cwd=Path.cwd())
    assert again.returncode == 0, again.stderr
    cli = json.loads(again.stdout)
    assert cli["objective"] == pytest.approx(1320 * PER_REPAIR, abs=0.005)
    assert cli["input"]["scenario_sha256"] == digest
    resolved = model.resolve(folder / "more.yaml", ["demands.repairs.volume=+10%"])
    assert solved["input"]["scenario_sha256"] == scenario_digest(resolved.data)


def test_a_solve_of_edited_text_claims_no_file_on_disk(client: TestClient) -> None:
    text = TINY_FILE.read_text().replace("volume: 1000", "volume: 1100")
    document = client.post("/api/solve", json={"scenario": "tiny.yaml", "yaml": text, "view": False}).json()
    assert document["objective"] == pytest.approx(1100 * PER_REPAIR, abs=0.005)
    assert document["input"]["file"] == "tiny.yaml (edited in the workbench)"
    assert document["command"] is None
