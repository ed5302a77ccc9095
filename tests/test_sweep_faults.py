"""Sweeps under faults: killed (SIGKILL, SIGTERM, Ctrl-C) at random moments, run twice at once, or
pointed at a Dask scheduler that is not there.

Each sweep here is a real `python -m model sweep` process with two worker processes. The workers
carry a marker in their environment (inherited from the sweep), so a worker left running after its
sweep died is found by scanning /proc, whatever became of its parent.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest
from conftest import APPLIANCE_FILE, ROOT, TINY_FILE, e2eopt, scenario_from_data

import model
from model.scenario.overrides import Override, apply_overrides, resolve
from model.sweep import (
    Axis,
    SweepError,
    SweepLocked,
    locked,
    new_sweep_folder,
    plan_sweep,
    read_plan,
    run_sweep,
)

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds processes through /proc")

GRID = "demands.*.volume=*0.81:*1:0.01"  # 20 points
POINTS = 20
KILLS = 4  # of each kind: SIGTERM, SIGKILL


def _marked(marker: str) -> list[int]:
    """Processes whose environment holds `marker` (a sweep and its workers carry it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone, or not ours
            continue
        if marker.encode() in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def _none_left(marker: str, within: float = 10.0) -> list[int]:
    """The marked processes still there after `within` seconds (a killed parent's workers get their
    parent-death signal at once; the watchdog fallback takes a second)."""
    deadline = time.monotonic() + within
    while (left := _marked(marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def _start(args: list[str], marker: str, cwd: Path) -> subprocess.Popen:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "E2E_FAULT_MARK": marker}
    return subprocess.Popen(
        [sys.executable, "-m", "model", "sweep", *args],
        cwd=cwd,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: a signal to the group reaches only this sweep
    )


def _finished(folder: Path | None) -> set[str]:
    if folder is None or not (folder / "points").is_dir():
        return set()
    return {p.name for p in (folder / "points").iterdir() if p.name.isdigit()}


def _assert_no_half_written_point(folder: Path) -> None:
    """Every point folder is whole: its summary, and every table the summary lists, in both formats."""
    for point in _finished(folder):
        summary = json.loads((folder / "points" / point / "summary.json").read_text())
        for table in summary["tables"]:
            for suffix in (".csv", ".parquet"):
                assert (folder / "points" / point / f"{table}{suffix}").is_file(), (point, table)


def _fresh_costs(folder: Path) -> list[float]:
    """Each point's total cost from a separate solve of its scenario (the base file with the point's
    override, validated and solved afresh: not a re-solve from the sweep's base)."""
    resolved = resolve(APPLIANCE_FILE)
    costs = []
    for point in read_plan(folder).points:
        overrides = [Override("demands.*.volume", point.values[0], "test")]
        data, _ = apply_overrides(resolved.data, overrides, source=resolved.source)
        outcome = model.optimise(scenario_from_data(data), sensitivity=False)
        assert outcome.status == "optimal" and outcome.objective is not None
        costs.append(outcome.objective)
    return costs


def _wait_for_moment(process: subprocess.Popen, moment: str, tmp_path: Path, folder: Path | None, rng: random.Random):
    """Wait for a random moment of the sweep's life: in start-up (imports, planning), just after it
    took the folder's lock (workers starting, the base solving), or after 1 or 2 more points."""
    before, deadline = _finished(folder), time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None and moment != "start-up":
        folder = folder or next(iter(tmp_path.glob("*-sweep")), None)
        lock = folder / ".lock" if folder is not None else None
        if moment == "locked" and lock is not None and f"process {process.pid}" in _read(lock):
            break
        if moment.startswith("points") and len(_finished(folder) - before) >= int(moment[-1]):
            break
        time.sleep(0.01)
    time.sleep(rng.uniform(0.0, 1.0 if moment == "start-up" else 0.3))


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def test_kills_at_random_moments_leave_no_worker_and_resume_completes_every_point_once(tmp_path):
    """SIGTERM and SIGKILL (KILLS of each, in a seeded random order) of a sweep and then of each of
    its resumes, at a random moment (_wait_for_moment). After each: no worker left, no half-written
    point, and a SIGTERM exits 143 without a traceback. Then a last resume completes the sweep: every
    point once, each point's cost equal to a separate solve's."""
    rng = random.Random(14)
    kinds = [signal.SIGTERM] * KILLS + [signal.SIGKILL] * KILLS
    rng.shuffle(kinds)
    folder: Path | None = None
    survived = 0
    for kind in kinds:
        if len(_finished(folder)) >= POINTS - 2:
            break  # keep some points for the last resume
        marker = f"e2e-fault-{uuid.uuid4()}"
        args = ["--resume", str(folder)] if folder is not None else [str(APPLIANCE_FILE), "--grid", GRID]
        process = _start([*args, "--workers", "2", "--out", str(tmp_path)], marker, tmp_path)
        _wait_for_moment(process, rng.choice(["start-up", "locked", "points 1", "points 2"]), tmp_path, folder, rng)
        assert process.poll() is None, "the sweep ended before the kill"
        process.send_signal(kind)  # the sweep process only: its workers must follow by themselves
        _, stderr = process.communicate(timeout=60)
        assert not _none_left(marker), f"worker processes outlived a {kind.name}"
        if kind == signal.SIGTERM:
            # 143 from the sweep's handler; -15 when it came in start-up, before the sweep command ran
            assert process.returncode in (143, -signal.SIGTERM), stderr
            assert "Traceback" not in stderr, stderr
        else:
            assert process.returncode == -signal.SIGKILL
        folder = folder or next(iter(tmp_path.glob("*-sweep")), None)
        if folder is not None:
            _assert_no_half_written_point(folder)
            if process.returncode == 143:
                assert not list((folder / "points").glob(".incomplete-*")), "the parent tidies what it killed"
        survived += 1
    assert survived >= KILLS and folder is not None, "the sweep ran out of points to kill"

    done_before = _finished(folder)
    result = e2eopt("sweep", "--resume", str(folder), "--workers", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"solved now: {POINTS - len(done_before)}" in result.stdout  # nothing finished was solved again
    assert sorted(_finished(folder)) == [f"{i:04d}" for i in range(1, POINTS + 1)]
    assert not list((folder / "points").glob(".incomplete-*"))
    table = pd.read_csv(folder / "points.csv")
    assert list(table.point) == list(range(1, POINTS + 1)) and set(table.status) == {"optimal"}
    assert list(table.total_cost) == pytest.approx(_fresh_costs(folder), rel=1e-7)
    print(f"kills survived: {survived} of {len(kinds)}")


def test_ctrl_c_stops_the_sweep_and_its_workers_with_exit_130_and_no_traceback(tmp_path):
    """A terminal's Ctrl-C reaches the whole process group: the sweep and its workers."""
    marker = f"e2e-fault-{uuid.uuid4()}"
    process = _start([str(APPLIANCE_FILE), "--grid", GRID, "--workers", "2", "--out", str(tmp_path)], marker, tmp_path)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(tmp_path.glob("*-sweep/points/0001")):
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "--resume" in stderr, stderr
    assert not _none_left(marker)


def _hold_lock(folder: Path) -> subprocess.Popen:
    """Another process holding the sweep folder's lock until it is killed."""
    code = (
        "import sys\nfrom model.sweep import locked\n"
        "with locked(sys.argv[1]):\n    print('held', flush=True)\n    sys.stdin.read()"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(folder)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def test_a_locked_sweep_is_refused_naming_the_holder_and_a_dead_holders_lock_is_taken_over(tmp_path):
    plan = plan_sweep(APPLIANCE_FILE, [Axis("demands.*.volume", ("*1", "*1.1"))])
    folder = new_sweep_folder(plan, tmp_path)
    holder = _hold_lock(folder)
    with pytest.raises(SweepLocked) as refused:
        run_sweep(plan, folder, workers=1)
    assert f"process {holder.pid}" in str(refused.value) and str(folder) in str(refused.value)
    assert not (folder / "points").exists()  # refused before any work
    holder.kill()  # SIGKILL: no chance to let go of the lock; the kernel does
    holder.wait()
    result = run_sweep(read_plan(folder), folder, workers=1)
    assert result.solved == 2 and list(result.points.status) == ["optimal", "optimal"]
    with locked(folder):  # and let go again after the run
        pass


def test_two_resumes_at_once_one_is_refused_and_every_point_is_solved_once(tmp_path):
    plan = plan_sweep(APPLIANCE_FILE, [Axis("demands.*.volume", tuple(f"*{0.81 + i / 100:g}" for i in range(POINTS)))])
    folder = new_sweep_folder(plan, tmp_path)
    marker = f"e2e-fault-{uuid.uuid4()}"
    both = [_start(["--resume", str(folder), "--workers", "1"], marker, tmp_path) for _ in range(2)]
    errors = [process.communicate(timeout=300)[1] for process in both]
    codes = sorted(process.returncode for process in both)
    assert codes == [0, 2], errors
    winner, loser = (0, 1) if both[0].returncode == 0 else (1, 0)
    assert f"in use by process {both[winner].pid}" in errors[loser] and str(folder) in errors[loser]
    assert "Traceback" not in errors[loser]
    assert sorted(_finished(folder)) == [f"{i:04d}" for i in range(1, POINTS + 1)]
    assert list(pd.read_csv(folder / "points.csv").point) == list(range(1, POINTS + 1))


def _free_port() -> int:
    """A loopback port nothing listens on (bound and let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        (
            ["--engine", "dask", "--scheduler", "tcp://127.0.0.1:{port}", "--connect-timeout", "1"],
            "no Dask scheduler answered",
        ),
        (["--engine", "dask"], "needs --scheduler"),
        (["--scheduler", "tcp://127.0.0.1:{port}"], "--scheduler is for --engine dask"),
        (["--engine", "spark"], "'spark' is not allowed"),
    ],
)
def test_engine_failures_exit_2_with_the_reason_and_leave_nothing_behind(tmp_path, options, fragment):
    port = _free_port()
    out = tmp_path / "runs"
    started = time.monotonic()
    result = e2eopt(
        "sweep",
        str(APPLIANCE_FILE),
        "--grid",
        "demands.*.volume=*1,*1.1",
        *[o.format(port=port) for o in options],
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stderr
    assert fragment in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()  # no sweep folder, not even the parent folder
    assert time.monotonic() - started < 60  # a one-second connect timeout, not the old 30 s and a traceback


class _NotAScheduler:
    """A loopback TCP server that accepts connections and is not a Dask scheduler: it sends `reply`
    (an HTTP response, as a web server on the address would; or nothing) and keeps the connection
    open without another word, until the test ends."""

    def __init__(self, reply: bytes) -> None:
        self.reply = reply
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:  # closed: the test is over
                return
            self.connections.append(connection)
            if self.reply:
                with contextlib.suppress(OSError):
                    connection.sendall(self.reply)

    def close(self) -> None:
        self.server.close()
        for connection in self.connections:
            connection.close()


HTTP_REPLY = b"HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11\r\nContent-Type: text/html\r\n\r\n<html>"


@pytest.mark.parametrize("reply", [HTTP_REPLY, b""], ids=["http-reply", "silent"])
def test_an_address_that_answers_but_is_not_a_dask_scheduler_exits_2_in_time_and_leaves_nothing(tmp_path, reply):
    """A web server (or anything that accepts and never speaks Dask) at --scheduler: once hung for
    ever, or ended in `internal error: MemoryError` reading the reply as a frame length."""
    server = _NotAScheduler(reply)
    out = tmp_path / "runs"
    timeout = 2
    started = time.monotonic()
    try:
        result = e2eopt(
            "sweep",
            str(TINY_FILE),
            "--grid",
            "demands.*.volume=*1,*1.1",
            "--engine",
            "dask",
            "--scheduler",
            f"tcp://127.0.0.1:{server.port}",
            "--connect-timeout",
            str(timeout),
            "--out",
            str(out),
            cwd=tmp_path,
            timeout=120,
        )
    finally:
        server.close()
    elapsed = time.monotonic() - started
    assert result.returncode == 2, result.stderr
    assert f"no Dask scheduler answered at tcp://127.0.0.1:{server.port} within {timeout} s: " in result.stderr
    assert "as a Dask scheduler does" in result.stderr  # not a MemoryError's "3.07 EiB"
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert elapsed < timeout + 15, elapsed
    assert not out.exists()  # no sweep folder, not even the parent folder


# ---- a damaged sweep folder, at --resume --------------------------------------------------------------


def _tiny_sweep(tmp_path: Path) -> Path:
    """A sweep folder as a sweep writes it, before any point is solved."""
    return new_sweep_folder(plan_sweep(TINY_FILE, [Axis("demands.*.volume", ("*1", "*1.1"))]), tmp_path)


def _edited(plan: dict, how: str) -> object:
    if how == "a list":
        return [plan]
    if how == "a key missing":
        return {k: v for k, v in plan.items() if k != "axes"}
    if how == "an axis of the wrong shape":
        return {**plan, "axes": [{"path": "demands.*.volume", "values": "*1"}]}
    if how == "options of the wrong shape":
        return {**plan, "options": {**plan["options"], "solver_speed": "fast"}}
    return {**plan, "scenario": None}  # "no scenario"


DAMAGED_PLANS = {
    "not JSON": ("{\n", "not JSON"),
    "a list": (None, "a JSON list, not an object"),
    "a key missing": (None, "no axes"),
    "an axis of the wrong shape": (None, "an axis is not a path and a list of values"),
    "options of the wrong shape": (None, "'options' is not the solver's settings"),
    "no scenario": (None, "'scenario' is not"),
}


@pytest.mark.parametrize("how", list(DAMAGED_PLANS))
def test_a_damaged_sweep_json_is_refused_saying_so(tmp_path, how):
    folder = _tiny_sweep(tmp_path)
    text, reason = DAMAGED_PLANS[how]
    if text is None:
        text = json.dumps(_edited(json.loads((folder / "sweep.json").read_text()), how))
    (folder / "sweep.json").write_text(text)
    with pytest.raises(SweepError) as refused:
        read_plan(folder)
    message = str(refused.value)
    assert message.startswith(f"{folder} is not a sweep folder: its sweep.json is damaged ("), message
    assert reason in message


@pytest.mark.parametrize("text", ["{\n", "[1, 2]\n", "{}\n"], ids=["not-json", "list", "empty-object"])
def test_resume_of_a_damaged_sweep_json_exits_2_without_a_traceback_or_any_work(tmp_path, text):
    folder = _tiny_sweep(tmp_path)
    (folder / "sweep.json").write_text(text)
    result = e2eopt("sweep", "--resume", str(folder), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert f"{folder} is not a sweep folder: its sweep.json is damaged (" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert not (folder / "points").exists()


def test_resume_of_a_sweep_whose_base_yaml_was_changed_exits_2_naming_it(tmp_path):
    folder = _tiny_sweep(tmp_path)
    with (folder / "base.yaml").open("a") as base:
        base.write("garbage: [\n")
    with pytest.raises(SweepError, match=r"base\.yaml was changed after the sweep started"):
        read_plan(folder)
    result = e2eopt("sweep", "--resume", str(folder), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert f"{folder / 'base.yaml'} was changed after the sweep started" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert not (folder / "points").exists()  # refused before any point, not each point failed


def test_a_sweep_json_from_before_the_base_digest_was_recorded_is_still_read(tmp_path):
    folder = _tiny_sweep(tmp_path)
    saved = json.loads((folder / "sweep.json").read_text())
    assert saved["base_sha256"] == hashlib.sha256((folder / "base.yaml").read_bytes()).hexdigest()
    plan = read_plan(folder)
    del saved["base_sha256"]
    (folder / "sweep.json").write_text(json.dumps(saved))
    older = read_plan(folder)
    assert older == plan and [p.values for p in older.points] == [("*1",), ("*1.1",)]
