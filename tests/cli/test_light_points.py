"""A sweep point keeps its overrides and the digest of its scenario, not a copy of it; `e2eopt solve` on
the point's folder makes the scenario again, checks the digest and solves the same problem."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest
from conftest import TINY_FILE, e2eopt

from model.compare import compare

TINY = TINY_FILE
TEAM = 1.5 * 5200 / 140  # 55.714 EUR per repair in-house; the vendor costs 52


def total_cost(folder: Path) -> float:
    return json.loads((folder / "summary.json").read_text())["total_cost"]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("light")
    result = e2eopt(
        "sweep",
        str(TINY),
        "--grid",
        "demands.repairs.volume=1000,1200",
        "--workers",
        "1",
        "--out",
        str(where),
        cwd=where,
    )
    assert result.returncode == 0, result.stderr
    [folder] = [p for p in where.iterdir() if p.name.endswith("-tiny-sweep")]
    return folder


def test_a_point_holds_its_overrides_and_digest_not_its_scenario(sweep):
    point = sweep / "points" / "0002"
    assert not (point / "scenario.yaml").exists() and not (point / "overrides.yaml").exists()
    record = json.loads(
        "".join(line for line in (point / "point.yaml").read_text().splitlines(True) if not line.startswith("#"))
    )
    assert record["base"] == "../../base.yaml" and record["set"] == {"demands.repairs.volume": "1200"}
    summary = json.loads((point / "summary.json").read_text())
    assert summary["input"]["scenario_sha256"] == record["scenario_sha256"]
    # By hand: the vendor takes as many as quality allows, 0.03 / 0.05 = 60% of 1,200, the team the rest.
    assert total_cost(point) == pytest.approx(720 * 52 + 480 * TEAM, rel=1e-9)


def test_solving_the_point_folder_again_gives_the_same_answer(sweep, tmp_path):
    point = sweep / "points" / "0002"
    result = e2eopt("solve", str(point), "--out", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    # The point's overrides come back as --set, so the name carries their digest, as `--set` would give it.
    digest = hashlib.sha256(b"demands.repairs.volume=1200").hexdigest()[:8]
    [again] = [p for p in tmp_path.iterdir() if p.name.endswith(f"-tiny-set-{digest}")]
    assert total_cost(again) == pytest.approx(total_cost(point), rel=1e-9)
    assert "volume: 1200" in (again / "scenario.yaml").read_text()  # a normal run folder: the resolved scenario


def test_a_changed_base_is_refused(sweep, tmp_path):
    copied = tmp_path / "sweep"
    subprocess.run(["cp", "-r", str(sweep), str(copied)], check=True)
    base = copied / "base.yaml"
    base.write_text(base.read_text().replace("cost_per_fte: 5200", "cost_per_fte: 5300"))
    result = e2eopt("solve", str(copied / "points" / "0001"), "--out", str(tmp_path / "runs"), cwd=tmp_path)
    assert result.returncode == 2 and "missing or changed since the point was solved" in result.stderr
    assert not (tmp_path / "runs").exists()


def test_a_folder_that_is_no_run_is_refused(tmp_path):
    result = e2eopt("solve", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2 and "not a run folder" in result.stderr


def test_two_points_compare_like_two_runs(sweep):
    comparison = compare(sweep / "points" / "0001", sweep / "points" / "0002")
    bridge = comparison.bridge
    change = float(bridge[bridge.stage == "(total)"].change.sum())
    assert change == pytest.approx(total_cost(sweep / "points" / "0002") - total_cost(sweep / "points" / "0001"))
    assert list(comparison.inputs.path) == ["demands.repairs.volume"]
