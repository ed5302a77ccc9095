"""Faults of single runs: a bad output location, a full disk, kills, interrupts, concurrent runs, and
an unexpected exception. Each ends with a clear message and a documented exit code, never a
traceback, and leaves nothing half-written: every visible folder under --out is complete.

The processes are real (`python -m model` through the same entry as `e2eopt`); to pick a moment
inside a run, a wrapper slows the CSV writer (a kill or an interrupt then lands during the write)
or touches a flag file as HiGHS starts. A signal is sent only once the entry has installed
its handlers (SIGTERM is caught: /proc/PID/status), since before that Python itself is starting.
"""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import APPLIANCE_FILE, ROOT, TINY_FILE
from typer.testing import CliRunner

from model.cli import app, main
from model.staging import STAGING_MARKER, STAGING_PREFIX

LINUX = Path("/proc/self/status").exists()
pytestmark = pytest.mark.skipif(not LINUX, reason="the fault tests read /proc and send POSIX signals (Linux)")

WRAPPER = """
import sys, time
from pathlib import Path
import model.runs
delay, flag = float(sys.argv[1]), sys.argv[2]
if delay:
    original = model.runs.write_csv
    def slow(frame, path):
        time.sleep(delay)
        return original(frame, path)
    model.runs.write_csv = slow
if flag:
    import model.solve
    solve = model.solve.run_interruptibly
    def flagged(*args, **kwargs):
        Path(flag).touch()
        return solve(*args, **kwargs)
    model.solve.run_interruptibly = flagged
from model.__main__ import run
sys.argv = ["e2eopt", *sys.argv[3:]]
run()
"""
"""`python -c WRAPPER DELAY FLAG ARGS...`: e2eopt ARGS with each CSV table's write slowed by DELAY
seconds, and FLAG (a path, or '') touched as HiGHS is started."""


def start(*args: str, delay: float = 0.0, flag: Path | None = None, **popen: object) -> subprocess.Popen:
    """e2eopt ARGS in a new process, its output captured as text: `python -m model` itself, or through
    WRAPPER when a write is slowed or a flag wanted."""
    command = [sys.executable, "-c", WRAPPER, str(delay), str(flag or ""), *args]
    if not delay and flag is None:
        command = [sys.executable, "-m", "model", *args]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def wait_for(condition: Callable[[], object], process: subprocess.Popen, timeout: float = 60.0) -> bool:
    """Poll until `condition()` holds (True) or the process has ended (False); fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            return False
        assert time.monotonic() < deadline, "timed out waiting for the run to get there"
        time.sleep(0.002)
    return True


def handlers_installed(pid: int) -> bool:
    """Whether the process catches SIGTERM: the entry (model/__main__.py) has installed its handlers."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) >> (signal.SIGTERM - 1) & 1)


def writing(out: Path, known: set[Path] | frozenset[Path] = frozenset()) -> bool:
    """Whether a run folder is being written under `out`: a staging folder (not one of `known`, left by
    an earlier kill) has its scenario.yaml."""
    try:
        return any((folder / "scenario.yaml").exists() for folder in staging(out) if folder not in known)
    except OSError:  # the folder appearing, or a staging folder renamed, as it is read
        return False


def staging(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.name.startswith(STAGING_PREFIX)) if out.exists() else []


def visible_runs(out: Path) -> list[Path]:
    """The run folders a reader sees under `out`, each asserted complete (its summary.json parses)."""
    runs = sorted(p for p in out.iterdir() if not p.name.startswith(".")) if out.exists() else []
    for run in runs:
        summary = json.loads((run / "summary.json").read_text())
        assert {f"{name}.parquet" for name in summary["tables"]} <= {p.name for p in run.iterdir()}, run
    return runs


def processes_naming(text: str) -> list[int]:
    """The live processes whose command line holds `text` (a test's unique folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


# --- the output location, checked before any work ----------------------------------------------------


@pytest.fixture
def no_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any solve fails the test loudly: a refused --out must be found before the work."""
    import importlib

    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("the work ran although the output location is bad")

    monkeypatch.setattr(importlib.import_module("model.optimise"), "optimise", refused)
    monkeypatch.setattr(importlib.import_module("model.frontier"), "frontier", refused)
    monkeypatch.setattr(importlib.import_module("model.sweep"), "plan_sweep", refused)


def invoke(*args: str) -> tuple[int, str]:
    """The command line in this process (Typer's runner): its exit code and everything it printed."""
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("where", "says"),
    [
        ("a_file", "{tmp}/a_file: it is a file, not a folder"),
        ("a_file/runs", "{tmp}/a_file/runs: {tmp}/a_file is a file, not a folder"),
        ("a_file/deeper/runs", "{tmp}/a_file/deeper/runs: {tmp}/a_file is a file, not a folder"),
        (
            "/proc/e2eopt-no-such/runs",
            "/proc/e2eopt-no-such/runs: /proc cannot be written to: it takes no new files (a virtual file "
            "system: it answers No such file or directory, ENOENT)",
        ),
    ],
)
@pytest.mark.parametrize("command", ["solve", "frontier", "compare", "sweep"])
def test_a_bad_out_is_refused_before_any_work(tmp_path, no_solve, where, says, command):
    (tmp_path / "a_file").write_text("not a folder\n")
    out = where if where.startswith("/") else str(tmp_path / where)
    if command == "solve":
        code, output = invoke("solve", str(TINY_FILE), "--out", out)
    elif command == "frontier":
        code, output = invoke("frontier", str(TINY_FILE), "--all-demands", "--vary", "min_quality=0.9", "--out", out)
    elif command == "sweep":
        code, output = invoke("sweep", str(TINY_FILE), "--grid", "demands.*.volume=*1,*1.1", "--out", out)
    else:  # the comparison folder itself is replaced, so its parent is what must be writable
        code, output = invoke("compare", str(tmp_path / "a"), str(tmp_path / "b"), "--out", f"{out}/comparison")
    assert code == 2, output
    given, reason = says.format(tmp=tmp_path).split(": ", 1)
    if command == "compare":  # the message names what --out named, and the place at fault in it
        given, reason = f"{given}/comparison", reason.replace("it is", f"{given} is")
    assert f"error: --out {given}: {reason}; nothing was written." in " ".join(output.split())
    assert "Traceback" not in output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]  # nothing made, not even a folder


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder nothing can be written to: a read-only tmpfs when running as root (permissions do not
    stop root), a folder without write permission otherwise."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=16k", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"root, but cannot mount a read-only tmpfs: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_read_only_out_is_refused_before_the_solve(read_only_folder, no_solve):
    code, output = invoke("solve", str(TINY_FILE), "--out", str(read_only_folder / "runs"))
    message = " ".join(output.split())
    assert code == 2, output
    reason = "Read-only file system (EROFS)" if os.geteuid() == 0 else "Permission denied (EACCES)"
    said = f"--out {read_only_folder / 'runs'}: {read_only_folder} cannot be written to: {reason}"
    assert f"error: {said}; nothing was written." in message
    assert list(read_only_folder.iterdir()) == []


# --- a full disk at write time ------------------------------------------------------------------------


def full_disk_checks(done: subprocess.CompletedProcess, out: Path, reason: str) -> None:
    """Exit 6, one clear message naming the place, the reason and the command to run again; the
    results on the screen; nothing half-written under `out`."""
    assert done.returncode == 6, done.stderr
    message = " ".join(done.stderr.split())
    assert f"error: the run folder could not be written under {out}: {reason}; nothing was written there." in message
    assert f"run again: e2eopt solve {APPLIANCE_FILE} --out {out}" in message
    assert "Traceback" not in done.stderr
    assert "Status: optimal" in done.stdout and "Total cost:" in done.stdout
    assert visible_runs(out) == [] and staging(out) == []


def test_a_file_size_limit_at_write_time_exits_6_with_the_results_kept_on_screen(tmp_path):
    """Works without root: RLIMIT_FSIZE makes a write past 4 KiB fail with EFBIG (SIGXFSZ ignored),
    as a full disk fails one with ENOSPC."""

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    out = tmp_path / "runs"
    process = start("solve", str(APPLIANCE_FILE), "--out", str(out), preexec_fn=limited)
    stdout, stderr = process.communicate(timeout=120)
    full_disk_checks(
        subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr), out, "File too large (EFBIG)"
    )


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_sweep_that_cannot_write_a_point_exits_6_and_a_resume_finishes_it(tmp_path, workers):
    """RLIMIT_FSIZE (inherited by the workers) lets the sweep folder's small files through and stops
    the first point's tables with EFBIG: the sweep ends at once, exit 6, with no point recorded as
    failed; a resume without the limit solves every point once."""

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    out = tmp_path / "runs"
    grid = "demands.*.volume=*1,*1.1,*1.2"
    process = start(
        "sweep", str(TINY_FILE), "--grid", grid, "--workers", workers, "--out", str(out), preexec_fn=limited
    )
    _, stderr = process.communicate(timeout=180)
    assert process.returncode == 6, stderr
    [folder] = [p for p in out.iterdir() if not p.name.startswith(".")]
    message = " ".join(stderr.split())
    assert f"error: the sweep could not be written under {folder}: " in message
    assert "File too large (EFBIG)." in message  # pyarrow's words come first when it wrote the table
    assert f"e2eopt sweep --resume {folder}" in message and "Traceback" not in stderr
    points = folder / "points"
    assert not points.exists() or not [p for p in points.iterdir() if not p.name.startswith(".")]
    resumed = start("sweep", "--resume", str(folder))
    _, stderr = resumed.communicate(timeout=180)
    assert resumed.returncode == 0, stderr
    assert sorted(p.name for p in points.iterdir()) == ["0001", "0002", "0003"]
    statuses = [json.loads((p / "summary.json").read_text())["status"] for p in sorted(points.iterdir())]
    assert statuses == ["optimal"] * 3


def test_a_full_tmpfs_at_write_time_exits_6(tmp_path):
    """A real full disk: a 64 KiB tmpfs, 40 KiB of it taken. Needs root to mount (CI runs as root)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        reason = f"cannot mount a tmpfs here ({mounted.stderr.decode().strip() or 'not root'}); EFBIG covers it"
        print(f"SKIPPED the tmpfs variant: {reason}")
        pytest.skip(reason)
    try:
        (disk / "taken").write_bytes(b"\0" * 40 * 1024)
        out = disk / "runs"
        done = subprocess.run(
            [sys.executable, "-m", "model", "solve", str(APPLIANCE_FILE), "--out", str(out)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        full_disk_checks(done, out, "No space left on device (ENOSPC)")
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_generate_writes_its_file_whole_or_not_at_all(tmp_path):
    """A place that cannot take the file exits 2; a write cut short (EFBIG past 4 KiB) exits 6 and leaves
    neither the file nor its draft."""
    (tmp_path / "a_file").write_text("")
    code, output = invoke("generate", "--out", str(tmp_path / "a_file" / "s.yaml"))
    said = f"error: --out {tmp_path / 'a_file' / 's.yaml'}: {tmp_path / 'a_file'} is a file, not a folder"
    assert code == 2 and f"{said}; nothing was written." in " ".join(output.split())

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    target = tmp_path / "s.yaml"
    process = start("generate", "--out", str(target), preexec_fn=limited)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 6, stderr
    assert f"--out {target}: cannot be written: File too large (EFBIG); nothing was written." in " ".join(
        stderr.split()
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


# --- kills, interrupts and stale staging folders --------------------------------------------------------


def test_a_kill_during_the_write_leaves_a_staging_folder_the_next_run_removes(tmp_path):
    out = tmp_path / "runs"
    process = start("solve", str(TINY_FILE), "--out", str(out), delay=0.5)
    assert wait_for(lambda: writing(out), process), process.communicate()
    process.kill()
    process.communicate(timeout=30)
    left = staging(out)
    assert process.returncode == -signal.SIGKILL and len(left) == 1
    assert (left[0] / STAGING_MARKER).is_file() and visible_runs(out) == []
    done = subprocess.run([sys.executable, "-m", "model", "solve", str(TINY_FILE), "--out", str(out)], **RUN)
    assert done.returncode == 0, done.stderr
    assert f"Removed 1 unfinished folder that a killed run left in {out}." in " ".join(done.stderr.split())
    assert staging(out) == [] and len(visible_runs(out)) == 1


MOMENTS = ["start-up", "solve", "write"]


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize(("sent", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupt_at_any_moment_exits_130_or_143_and_leaves_nothing(tmp_path, moment, sent, code):
    """start-up: as soon as the entry catches signals (the command line still importing); solve: once
    the solve has started; write: once the run folder is being written."""
    out, flag = tmp_path / "runs", tmp_path / "solving"
    delay, flag_wanted = {"start-up": (0.0, None), "solve": (0.0, flag), "write": (0.5, None)}[moment]
    process = start("solve", str(APPLIANCE_FILE), "--out", str(out), delay=delay, flag=flag_wanted)
    there = {"start-up": lambda: handlers_installed(process.pid), "solve": flag.exists, "write": lambda: writing(out)}
    assert wait_for(lambda: handlers_installed(process.pid), process)
    assert wait_for(there[moment], process), process.communicate()
    process.send_signal(sent)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert staging(out) == [] and visible_runs(out) == []


def test_an_interrupt_during_a_long_highs_solve_ends_it_at_once(tmp_path):
    """A solve HiGHS needs over a minute for (75 s on the machine this was written on): Ctrl-C half a
    second into HiGHS ends the command within seconds, not when HiGHS would have returned."""
    from model.generate import Size, generate, write_scenario

    scenario, out, flag = tmp_path / "large.yaml", tmp_path / "runs", tmp_path / "solving"
    write_scenario(generate(Size(nodes_per_stage=20, demands=300, periods=12)), scenario)
    process = start("solve", str(scenario), "--out", str(out), "--no-sensitivity", flag=flag)
    assert wait_for(flag.exists, process, timeout=120), process.communicate()
    time.sleep(0.5)
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    took = time.monotonic() - sent
    print(f"SIGINT during HiGHS: the command ended {took:.2f} s later")
    assert process.returncode == 130 and "Interrupted: no run folder was written." in stderr
    assert took < 10 and "Traceback" not in stderr
    assert staging(out) == [] and visible_runs(out) == []


# --- the kill loop ------------------------------------------------------------------------------------------


def test_kills_at_random_moments_leave_nothing_half_written_and_the_next_run_cleans_up(tmp_path):
    """Six SIGKILLs at seeded random moments: three anywhere in the first 1.5 s of a run, three during
    the write. After each: no visible folder is incomplete, no process is left. Then a run cleans
    every staging folder up and succeeds."""
    rng = random.Random(14)
    out = tmp_path / "runs"
    killed = {"anywhere": 0, "during the write": 0, "finished first": 0}
    left: set[Path] = set()  # the staging folders the kills left, each removed by the next run
    for repetition in range(6):
        during_write = repetition % 2 == 1
        process = start("solve", str(TINY_FILE), "--out", str(out), delay=0.3 if during_write else 0.0)
        assert wait_for(lambda p=process: handlers_installed(p.pid), process)
        if during_write:
            assert wait_for(lambda: writing(out, left), process)
            time.sleep(rng.uniform(0.0, 0.3))
        else:
            time.sleep(rng.uniform(0.0, 1.5))
        process.kill()
        process.communicate(timeout=30)
        if process.returncode == -signal.SIGKILL:
            killed["during the write" if during_write else "anywhere"] += 1
        else:
            assert process.returncode == 0
            killed["finished first"] += 1
        visible_runs(out)  # each complete
        assert processes_naming(str(tmp_path)) == []
        left.update(staging(out))
    done = subprocess.run([sys.executable, "-m", "model", "solve", str(TINY_FILE), "--out", str(out)], **RUN)
    assert done.returncode == 0, done.stderr
    assert staging(out) == [] and not any(folder.exists() for folder in left)
    assert len(visible_runs(out)) == 1 + killed["finished first"]
    print(f"kills survived: {6 - killed['finished first']} of 6 ({killed}); staging folders cleaned: {len(left)}")
    assert killed["during the write"] == 3 and len(left) >= 3


# --- two runs at once -----------------------------------------------------------------------------------------


def test_two_solves_at_once_into_the_same_out_both_complete_in_distinct_folders(tmp_path):
    """Same scenario, same --out, started together: their folders are named for the same second, so the
    second to finish takes the name with a suffix (-2); both complete, nothing left over."""
    out = tmp_path / "runs"
    processes = [start("solve", str(TINY_FILE), "--out", str(out), delay=0.2) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], results
    runs = visible_runs(out)
    assert len(runs) == 2 and staging(out) == []
    printed = ["".join(stdout.splitlines()).rstrip() for stdout, _ in results]  # a long path may be folded
    named = sorted(run for text in printed for run in runs if text.endswith(f"Run folder: {run}"))
    assert named == runs  # each process names its own folder, last


# --- an unexpected exception ------------------------------------------------------------------------------------


@pytest.fixture
def a_bug(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """write_run raises a RuntimeError: a bug, as far as the command line can tell. Logs go to tmp_path."""
    import model.runs

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the table writer broke\nwith a second line")

    monkeypatch.setattr(model.runs, "write_run", broken)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("E2EOPT_DEBUG", raising=False)
    return tmp_path


def test_an_internal_error_is_one_line_and_a_log_file(a_bug, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["e2eopt", "solve", str(TINY_FILE), "--out", str(a_bug / "runs")])
    with pytest.raises(SystemExit) as ended:
        main()
    assert ended.value.code == 1
    stderr = capsys.readouterr().err
    assert stderr.splitlines()[0] == "internal error: RuntimeError: the table writer broke"
    assert "Traceback" not in stderr
    (log,) = (a_bug / "state" / "e2eopt" / "logs").iterdir()
    assert str(log) in " ".join(stderr.split())
    text = log.read_text()
    assert "Traceback (most recent call last)" in text and "RuntimeError: the table writer broke" in text
    assert "'solve'" in text  # the command


@pytest.mark.parametrize("how", ["--debug", "E2EOPT_DEBUG=1"])
def test_debug_prints_the_traceback_instead(a_bug, monkeypatch, capsys, how):
    debug = ["--debug"] if how == "--debug" else []
    if how != "--debug":
        monkeypatch.setenv("E2EOPT_DEBUG", "1")
    monkeypatch.setattr(sys, "argv", ["e2eopt", *debug, "solve", str(TINY_FILE), "--out", str(a_bug / "runs")])
    with pytest.raises(SystemExit) as ended:
        main()
    stderr = capsys.readouterr().err
    assert ended.value.code == 1
    assert stderr.startswith("internal error: RuntimeError: the table writer broke\n")
    assert "Traceback (most recent call last)" in stderr and "in broken" in stderr
    assert not (a_bug / "state").exists()


def test_an_internal_error_in_a_real_process(tmp_path):
    program = (
        "import sys, model.runs\n"
        "def broken(*a, **k): raise KeyError('no such table')\n"
        "model.runs.write_run = broken\n"
        "from model.__main__ import run\n"
        f"sys.argv = ['e2eopt', 'solve', {str(TINY_FILE)!r}, '--out', {str(tmp_path / 'runs')!r}]\n"
        "run()\n"
    )
    environment = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    environment.pop("E2EOPT_DEBUG", None)
    done = subprocess.run([sys.executable, "-c", program], env=environment, **RUN)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == "internal error: KeyError: 'no such table'"
    assert "Traceback" not in done.stderr
    (log,) = (tmp_path / "state" / "e2eopt" / "logs").iterdir()
    assert "KeyError: 'no such table'" in log.read_text()


RUN = {"cwd": ROOT, "capture_output": True, "text": True, "check": False, "timeout": 120}
"""How a finished command is run: in the repository's root, output captured, bounded in time."""
