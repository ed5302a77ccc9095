"""The workbench's warm models: cancellation, progress, the bases it keeps and when it reads a file again.

Hand figures on data/tiny.yaml as in test_api.py: 53.4857... EUR a repair at the optimum.
"""

from __future__ import annotations

import shutil
import threading
import time
import warnings
from pathlib import Path

import pytest
from conftest import TINY_FILE

from .conftest import PER_REPAIR

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tiny.yaml, and a generated scenario whose HiGHS solve takes most of a second (12 nodes a stage,
    800 demands: ~0.8 s on the CI's two cores), to be cancelled."""
    from model.generate import Size, generate
    from model.scenario.overrides import scenario_yaml

    root = tmp_path_factory.mktemp("bench")
    shutil.copy(TINY_FILE, root / "tiny.yaml")
    (root / "slow.yaml").write_bytes(scenario_yaml(generate(Size(12, 800, 1))))
    return root


def test_a_cancelled_solve_answers_409_at_once_and_the_next_solve_is_right(folder: Path) -> None:
    import model
    from model.workbench import create_app

    client = TestClient(create_app(folder))
    answers: list = []
    request = threading.Thread(
        target=lambda: answers.append(client.post("/api/solve", json={"scenario": "slow.yaml", "request_id": "r1"}))
    )
    request.start()
    deadline = time.monotonic() + 60
    while client.get("/api/progress/r1").json()["phase"] != "HiGHS" and time.monotonic() < deadline:
        time.sleep(0.005)
    assert client.get("/api/progress/r1").json()["state"] == "running"
    asked = time.monotonic()
    assert client.post("/api/cancel/r1").json() == {"cancelled": True}
    request.join(timeout=30)
    took = time.monotonic() - asked
    [answer] = answers
    assert answer.status_code == 409
    assert answer.json()["error"] == "cancelled"
    assert took < 1.0, f"the cancelled request answered {took:.2f} s after the cancel"
    assert client.get("/api/progress/r1").json()["state"] == "cancelled"
    assert client.post("/api/cancel/r1").json() == {"cancelled": False}  # not running any more
    assert client.get("/api/health").json()["warm_models"] == 0  # the cancelled model was dropped

    again = client.post("/api/solve", json={"scenario": "slow.yaml", "view": False})
    assert again.status_code == 200
    expected = model.optimise(model.resolve(folder / "slow.yaml").scenario, sensitivity=False).objective
    assert again.json()["objective"] == pytest.approx(expected, rel=1e-9)
    assert again.json()["resolve"]["how"] == "first solve"


def test_progress_of_an_unknown_request(folder: Path) -> None:
    from model.workbench import create_app

    client = TestClient(create_app(folder))
    assert client.get("/api/progress/nope").json()["state"] == "unknown"
    assert client.post("/api/cancel/nope").json() == {"cancelled": False}


def test_a_base_is_read_again_when_its_file_changes(tmp_path: Path) -> None:
    from model.workbench.session import Workbench

    shutil.copy(TINY_FILE, tmp_path / "tiny.yaml")
    bench = Workbench(tmp_path)
    with bench.request(None) as progress:
        first = bench.solve("tiny.yaml", None, {}, [], progress)
    assert first.outcome.objective == pytest.approx(1000 * PER_REPAIR, abs=0.005)
    kept = bench.base("tiny.yaml", None)
    assert kept is first.base  # unchanged: the parsed base is kept, with its warm model
    text = TINY_FILE.read_text().replace("volume: 1000", "volume: 500")
    (tmp_path / "tiny.yaml").write_text(text)
    with bench.request(None) as progress:
        second = bench.solve("tiny.yaml", None, {}, [], progress)
    assert second.base is not first.base
    assert second.outcome.objective == pytest.approx(500 * PER_REPAIR, abs=0.005)


def test_at_most_four_bases_are_kept_the_least_recently_used_dropped(tmp_path: Path) -> None:
    from model.workbench.session import KEPT, Workbench

    for number in range(KEPT + 1):
        shutil.copy(TINY_FILE, tmp_path / f"t{number}.yaml")
    bench = Workbench(tmp_path)
    first = bench.base("t0.yaml", None)
    for number in range(1, KEPT):
        bench.base(f"t{number}.yaml", None)
    assert bench.base("t0.yaml", None) is first  # used again: now the most recent
    bench.base(f"t{KEPT}.yaml", None)  # drops t1, the least recently used
    assert bench.base("t0.yaml", None) is first
    assert len(bench._bases) == KEPT


def test_edited_text_extends_relative_to_the_file_it_stands_for(tmp_path: Path) -> None:
    """The editor's text of a what-if in a sub-folder extends a base beside it, as the file would."""
    from model.workbench.session import Workbench

    (tmp_path / "sub").mkdir()
    shutil.copy(TINY_FILE, tmp_path / "sub" / "tiny.yaml")
    text = 'extends: tiny.yaml\nset:\n  demands.repairs.volume: "*1.1"\n'
    bench = Workbench(tmp_path)
    base = bench.base("sub/whatif.yaml", text)
    assert base.resolved.scenario.demands["repairs"].volume == 1100
    assert base.path == "sub/whatif.yaml"


def test_a_cancelled_sweep_answers_the_points_done_and_progress_counts_every_value(folder: Path) -> None:
    """A sweep of tiny.yaml's volume over 500, 501, ..., 899 (400 values, all below 1,333: each point
    costs volume x 53.4857... EUR), cancelled after a few points: 200 with the points done so far,
    each at its hand figure, and `cancelled` true; progress said 400 from the start, and its seconds
    stop when the request has answered."""
    from model.workbench import create_app

    client = TestClient(create_app(folder))
    body = {"scenario": "tiny.yaml", "path": "demands.repairs.volume", "values": "500:899:1", "request_id": "s1"}
    answers: list = []
    worker = threading.Thread(target=lambda: answers.append(client.post("/api/sweep", json=body)))
    worker.start()
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        progress = client.get("/api/progress/s1").json()
        if progress["state"] == "running":
            seen.append(progress["total"])
            if progress["done"] >= 3:
                break
        time.sleep(0.005)
    assert client.post("/api/cancel/s1").json() == {"cancelled": True}
    worker.join(60)
    answer = answers[0]
    assert answer.status_code == 200, answer.text
    document = answer.json()
    assert document["cancelled"] is True
    points = document["points"]
    assert 3 <= len(points) < 400
    assert [float(p["value"]) for p in points] == list(range(500, 500 + len(points)))
    for point in points:
        assert set(point) == {"value", "status", "message", "objective", "currency", "kpis"}
        assert point["objective"] == pytest.approx(float(point["value"]) * PER_REPAIR, abs=0.005)
    assert seen and set(seen) == {400}
    done = client.get("/api/progress/s1").json()
    assert done["state"] == "cancelled" and done["done"] == len(points) and done["total"] == 400
    time.sleep(0.2)
    assert client.get("/api/progress/s1").json()["seconds"] == done["seconds"]


def test_a_solve_without_view_never_reports_the_view_phase(folder: Path) -> None:
    from model.workbench import create_app

    client = TestClient(create_app(folder))
    answer = client.post("/api/solve", json={"scenario": "tiny.yaml", "view": False, "request_id": "v1"})
    assert answer.json()["objective"] == pytest.approx(1000 * PER_REPAIR, abs=0.005)
    progress = client.get("/api/progress/v1").json()
    assert progress["state"] == "done" and progress["phase"] == "answer"


def test_sweep_points_carry_the_same_keys_whatever_their_status(folder: Path) -> None:
    """Volume 1000 (optimal: 53,485.71 EUR) and the text '-2000' (a change: 1000 - 2000 = -1000 repairs,
    refused: bad_input; the JSON number -2000 would set it to -2000): both points have the same keys,
    null (or no KPIs) where the refused one has none."""
    from model.workbench import create_app

    client = TestClient(create_app(folder))
    body = {"scenario": "tiny.yaml", "path": "demands.repairs.volume", "values": [1000, "-2000"]}
    points = client.post("/api/sweep", json=body).json()["points"]
    assert [set(p) for p in points] == [{"value", "status", "message", "objective", "currency", "kpis"}] * 2
    assert points[0]["objective"] == pytest.approx(1000 * PER_REPAIR, abs=0.005)
    assert points[0]["kpis"]["total_cost"] == pytest.approx(1000 * PER_REPAIR, abs=0.005)
    assert points[1]["status"] == "bad_input" and "-1000 is not allowed" in points[1]["message"]
    assert points[1]["objective"] is None and points[1]["currency"] == "EUR" and points[1]["kpis"] == {}
