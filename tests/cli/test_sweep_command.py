"""`e2eopt sweep` end to end: a real process, a sweep killed half-way and resumed, a sweep file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
from conftest import APPLIANCE_FILE, e2eopt


def test_a_grid_sweep_writes_every_combination(tmp_path):
    # as the README writes it: without --workers (one per core)
    result = e2eopt(
        "sweep",
        str(APPLIANCE_FILE),
        "--grid",
        "demands.*.volume=*0.9:*1.1:0.1",
        "--grid",
        "roles.technician.cost_per_fte=*1,*1.1",
        "--out",
        str(tmp_path),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    [folder] = [p for p in tmp_path.iterdir() if p.name.endswith("-appliance-co-sweep")]
    points = pd.read_csv(folder / "points.csv")
    assert len(points) == 6 and set(points.status) == {"optimal"}
    assert list(points["demands.*.volume"]) == ["*0.9", "*0.9", "*1", "*1", "*1.1", "*1.1"]
    assert sorted(p.name for p in (folder / "points").iterdir()) == [f"{i:04d}" for i in range(1, 7)]
    assert "Points: 6 (6 optimal)" in result.stdout


def test_a_sweep_file_names_its_base_and_grid(tmp_path):
    sweep_file = tmp_path / "sweep.yaml"
    sweep_file.write_text(
        f"base: {os.path.relpath(APPLIANCE_FILE, tmp_path)}\n"
        "grid:\n  demands.*.max_mean_response_time: ['*1', '*1.2']\n"
    )
    result = e2eopt("sweep", str(sweep_file), "--workers", "1", "--out", str(tmp_path / "runs"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [folder] = list((tmp_path / "runs").iterdir())
    points = pd.read_csv(folder / "points.csv")
    # A looser response target can only make the plan cheaper or leave it as it is.
    assert len(points) == 2 and points.total_cost[1] <= points.total_cost[0] + 1e-6


def test_a_sweep_file_that_is_not_utf8_is_a_located_problem(tmp_path):
    sweep_file = tmp_path / "sweep.yaml"
    base = os.path.relpath(APPLIANCE_FILE, tmp_path)
    sweep_file.write_bytes(f"base: {base}\ngrid:\n  roles.*.cost_per_fte: ['*1']\n# Z\xfcrich\n".encode("latin-1"))
    result = e2eopt("sweep", str(sweep_file), "--workers", "1", "--out", str(tmp_path / "runs"), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "sweep.yaml:4:4" in result.stderr and "not UTF-8 text (byte 0xfc)" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "runs").exists()


def test_a_bad_grid_is_refused_before_any_work(tmp_path):
    result = e2eopt(
        "sweep",
        str(APPLIANCE_FILE),
        "--grid",
        "roles.technicain.cost_per_fte=*1,*1.1",
        "--workers",
        "1",
        "--out",
        str(tmp_path),
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "technician" in result.stderr  # the closest valid path is named
    assert not any(p.name.endswith("-sweep") and (p / "points").exists() for p in tmp_path.iterdir())


def test_a_sweep_killed_half_way_and_resumed_ends_with_every_point_once(tmp_path):
    command = [
        sys.executable,
        "-m",
        "model",
        "sweep",
        str(APPLIANCE_FILE),
        "--grid",
        "demands.*.volume=*0.8:*1.2:0.05",
        "--workers",
        "1",
        "--out",
        str(tmp_path),
    ]
    process = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 120
    points = None
    while time.monotonic() < deadline:
        found = list(tmp_path.glob("*-sweep/points/0003"))
        if found:
            points = found[0].parent
            break
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # no chance to tidy up: as hard as a power cut
    process.wait()
    assert points is not None, "the sweep never finished three points"
    finished = sorted(p.name for p in points.iterdir() if p.name.isdigit())
    assert 3 <= len(finished) < 9 and not (points.parent / "points.csv").exists()

    result = e2eopt("sweep", "--resume", str(points.parent), "--workers", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(points.parent / "points.csv")
    assert list(table.point) == list(range(1, 10)) and set(table.status) == {"optimal"}
    assert sorted(p.name for p in points.iterdir()) == [f"{i:04d}" for i in range(1, 10)]
    assert f"solved now: {9 - len(finished)}" in result.stdout


def test_an_axis_of_changes_shows_the_values_used_and_says_they_are_changes(tmp_path):
    # tiny.yaml's arc call_centre->vendor costs 2 EUR: '-1' lowers it to 1, '-2' to 0 (the values used)
    from conftest import DATA

    (tmp_path / "tiny.yaml").write_text((DATA / "tiny.yaml").read_text(encoding="utf-8"))
    grid = "arcs.call_centre->vendor.cost=-1,-2"
    result = e2eopt("sweep", "tiny.yaml", "--grid", grid, "--workers", "1", "--out", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Note: every value of --grid arcs.call_centre->vendor.cost starts with '-'" in result.stderr
    assert "=-1,..." in result.stderr
    assert "-1 (= 1)" in result.stdout and "-2 (= 0)" in result.stdout
