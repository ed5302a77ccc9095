"""Sweeps: every combination of a grid of overrides, solved into one sweep folder.

runs/<UTC timestamp>-<scenario>-sweep/
  sweep.json          the plan: base file and its SHA-256, the grid, every point's values, solver settings
  base.yaml           the base scenario as resolved (a sweep resumes from this, not from the original file)
  points/0001/ ...    each point's run folder (model.runs), written atomically when the point ends: its
                      tables and summary, and point.yaml (its overrides of base.yaml and the SHA-256 of
                      the scenario they make) instead of a copy of the scenario: `e2eopt solve
                      points/0001` solves it again
  points.csv/.parquet one row per point: its grid values, status, total cost, cost by stage, FTE by
                      role, each demand's served volume, quality, mean response time and whether it was met
  .lock               held (fcntl.flock) by the process running the sweep: a second run or resume of
                      the folder is refused; the kernel lets it go when that process dies, however

Each worker (a process, or a Dask worker) solves the base once and then every point it is given as
a re-solve from the base's basis (model.resolver), so a point's answer does not depend on the
engine, the number of workers or the order the points ran in. A point that fails is recorded
with its reason; an interrupted sweep keeps every finished point, and a resumed one skips them.

Worker processes die with the sweep: the parent kills them when interrupted (KeyboardInterrupt, or
any exception a signal handler raises), and each asks the kernel for SIGKILL when its parent dies
(Linux's parent-death signal; elsewhere a watchdog thread notices within a second), so a sweep
killed outright leaves no worker solving on.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import itertools
import json
import multiprocessing
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from model.errors import Problem, ScenarioError
from model.optimise import optimise_options
from model.resolver import Resolver
from model.results import upgrade_kpis
from model.run_folder import RunFolderError, read_summary, read_tables
from model.runs import (
    COLUMNS_FILE,
    PointRecord,
    move_into_place,
    move_to_fixed_name,
    new_run_folder_name,
    scenario_digest,
    sha256,
    write_run,
    write_table,
)
from model.scenario.loader import SourceMap, parse_yaml, read_text, validate_data
from model.scenario.operations import GRAMMAR, WORDS, choice, choice_words, parse_value
from model.scenario.overrides import Override, apply_overrides, resolve
from model.solve import SolveOptions
from model.staging import staging_folder
from model.table_io import write_csv
from model.tables import conform, dictionary, table_units

Engine = Literal["process", "dask"]
POINTS = "points"
PLAN = "sweep.json"
BASE = "base.yaml"
LOCK = ".lock"
CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a Dask scheduler before giving up (`--connect-timeout`)."""
_RANGE = re.compile(
    r"^(?P<op>[=*/+-]?)(?P<start>[^:]+?)(?P<pct>%?):(?P<op2>[=*/+-]?)(?P<stop>[^:]+?)(?P<pct2>%?):(?P<step>[^:]+)$"
)


# --- the grid ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Axis:
    """One `--grid path=values` entry: a field path (wildcards allowed) and the values it takes in turn."""

    path: str
    values: tuple[str, ...]


def parse_axis(text: str, origin: str = "--grid") -> Axis:
    """`path=v1,v2,...` or `path=START:STOP:STEP` (STOP included), where the values are override values:
    `demands.*.volume=*0.8:*1.4:0.1` is *0.8, *0.9, ..., *1.4; `roles.x.cost_per_fte=*1,*1.1`."""
    path, equals, spec = text.partition("=")
    path, spec = path.strip(), spec.strip()
    if not equals or not path or not spec:
        raise _grid_error(
            origin,
            path,
            f"'{text}' is not path=values",
            "For example: --grid 'demands.*.volume=*0.8:*1.4:0.1' or --grid 'roles.x.cost_per_fte=*1,*1.1'.",
        )
    return Axis(path, axis_values(spec, origin, path))


def axis_values(spec: str | Sequence[object], origin: str, path: str) -> tuple[str, ...]:
    """The values of one axis: a list, a comma list, or a START:STOP:STEP range of override values."""
    if isinstance(spec, (list, tuple)):
        values = [str(v).strip() for v in spec]
    elif ":" in str(spec):
        values = _range(str(spec).strip(), origin, path)
    else:
        values = [v.strip() for v in str(spec).split(",")]
    for value in values:
        try:
            if choice(path, value) is None and value not in WORDS:  # a word: once matched, the field says
                parse_value(value)
        except ValueError as error:
            raise _grid_error(origin, path, str(error), GRAMMAR if choice_words(path) is None else "") from None
    if not values or len(set(values)) != len(values):
        raise _grid_error(origin, path, f"the values {values} are empty or repeat one", "Give each value once.")
    return tuple(values)


def _range(spec: str, origin: str, path: str) -> list[str]:
    match = _RANGE.match(spec)
    hint = "A range is START:STOP:STEP with STOP included and one operator for both ends: *0.8:*1.4:0.1, 100:200:25."
    if not match or match["op"] != match["op2"] or match["pct"] != match["pct2"]:
        raise _grid_error(origin, path, f"'{spec}' is not a range", hint)
    try:
        start, stop, step = (Decimal(match[k]) for k in ("start", "stop", "step"))
    except ArithmeticError:
        raise _grid_error(origin, path, f"'{spec}' is not a range of numbers", hint) from None
    if step <= 0 or stop < start:
        raise _grid_error(origin, path, f"'{spec}' needs STOP >= START and a positive STEP", hint)
    count = int((stop - start) / step) + 1  # Decimal: 0.8 to 1.4 by 0.1 is exactly 7 values
    if count > 10_000:
        raise _grid_error(origin, path, f"'{spec}' has {count:,} values", "A sweep axis holds at most 10,000.")
    return [f"{match['op']}{format((start + i * step).normalize(), 'f')}{match['pct']}" for i in range(count)]


def _grid_error(origin: str, path: str, message: str, hint: str) -> ScenarioError:
    return ScenarioError([Problem(origin, None, None, path, message, hint)])


def read_sweep_file(path: str | Path) -> tuple[Path, list[Axis]]:
    """A sweep YAML: `base: FILE` (relative to the sweep file) and `grid: {path: values}`."""
    path = Path(path)
    data, source = parse_yaml(read_text(path, str(path)), str(path))
    problems = []
    if not isinstance(data, dict) or set(data) - {"base", "grid"} or "base" not in data or "grid" not in data:
        problems.append(
            source.problem(
                (),
                "a sweep file has exactly `base: FILE` and `grid: {path: values}`",
                f"Found: {', '.join(map(str, data)) if isinstance(data, dict) else type(data).__name__}.",
            )
        )
    elif not isinstance(data["grid"], dict) or not data["grid"]:
        problems.append(source.problem(("grid",), "grid is a mapping of field paths to values"))
    if problems:
        raise ScenarioError(problems)
    axes = []
    for key, spec in data["grid"].items():
        line, _ = source.locate(("grid", key), at_key=True)
        axes.append(Axis(str(key), axis_values(spec, f"{path}:{line}", str(key))))
    return (path.parent / str(data["base"])), axes


# --- the plan -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    number: int  # 1-based, in grid order
    values: tuple[str, ...]  # one per axis

    @property
    def name(self) -> str:
        return f"{self.number:04d}"


@dataclass(frozen=True)
class Plan:
    """What a sweep solves: a resolved base, the grid and its points, and how to solve them."""

    base_file: str
    base_text: bytes
    axes: tuple[Axis, ...]
    options: dict[str, Any]  # SolveOptions fields and integer_staff
    sensitivity: bool
    scenario: dict[str, str]  # the base's name, currency and time unit

    def __repr__(self) -> str:  # not the base's YAML text
        axes = ", ".join(f"{a.path}: {len(a.values)} values" for a in self.axes)
        return f"Plan(base_file={self.base_file!r}, scenario={self.scenario['name']!r}, axes=[{axes}])"

    @property
    def points(self) -> list[Point]:
        combos = itertools.product(*(axis.values for axis in self.axes))
        return [Point(i + 1, values) for i, values in enumerate(combos)]

    @property
    def key(self) -> str:
        """Identifies the base and the settings: a worker's Resolver serves every point of one key."""
        digest = hashlib.sha256(self.base_text)
        digest.update(json.dumps([self.options, self.sensitivity], sort_keys=True).encode())
        return digest.hexdigest()

    def to_json(self) -> dict:
        return {
            "base_file": self.base_file,
            "base_sha256": hashlib.sha256(self.base_text).hexdigest(),
            "scenario": self.scenario,
            "axes": [{"path": a.path, "values": list(a.values)} for a in self.axes],
            "options": self.options,
            "sensitivity": self.sensitivity,
            "points": [{"point": p.number, **dict(zip([a.path for a in self.axes], p.values))} for p in self.points],
        }


def plan_sweep(base_file: str | Path, axes: Sequence[Axis], sensitivity: bool = False, **solver: object) -> Plan:
    """Resolve the base (an `extends` file too), and settle the solver options every point uses;
    `solver` holds overrides of the scenario's `solver:` section (time_limit, threads, ...)."""
    if not axes:
        raise _grid_error(
            "--grid", "", "a sweep needs at least one --grid", "For example: --grid 'demands.*.volume=*0.9,*1.1'."
        )
    repeated = sorted({a.path for a in axes if [b.path for b in axes].count(a.path) > 1})
    if repeated:
        raise _grid_error("--grid", repeated[0], "the same path is on two axes", "Give each path one --grid.")
    resolved = resolve(base_file)
    # Every axis's path must match a field of the base before any work starts: a typo is one error
    # naming the closest paths, not a sweep of failed points.
    apply_overrides(
        resolved.data, [Override(axis.path, axis.values[0], "--grid") for axis in axes], source=resolved.source
    )
    options, integer = optimise_options(resolved.scenario, **solver)
    meta = resolved.scenario.scenario
    return Plan(
        str(base_file),
        resolved.text,
        tuple(axes),
        {**asdict(options), "integer_staff": integer},
        sensitivity,
        {"name": meta.name, "currency": meta.currency, "time_unit": meta.time_unit},
    )


# --- one point, in a worker -----------------------------------------------------------------------


@dataclass
class _Base:
    data: dict
    source: SourceMap
    resolver: Resolver


_WORKER = threading.local()
"""A Resolver's Pyomo model is changed by each solve, so threads cannot share one: a Dask worker with
several threads holds a model per thread (run Dask workers with --nthreads 1 to hold one)."""


def _base_for(plan: Plan) -> _Base:
    cache: dict[str, _Base] = getattr(_WORKER, "bases", None) or {}
    _WORKER.bases = cache
    if plan.key not in cache:
        cache.clear()  # one sweep at a time: free the last one's model before building this one's
        data, source = parse_yaml(plan.base_text.decode("utf-8"), plan.base_file)
        scenario = validate_data(data, source)
        options = {k: v for k, v in plan.options.items() if k != "integer_staff"}
        resolver = Resolver(scenario, SolveOptions(**options), plan.options["integer_staff"], plan.sensitivity)
        cache[plan.key] = _Base(data, source, resolver)
    return cache[plan.key]


def solve_point(plan: Plan, point: Point, folder: str) -> str:
    """Solve one point and write its run folder `folder/points/NNNN`; returns its status."""
    base = _base_for(plan)
    overrides = [Override(axis.path, value, f"grid point {point.name}") for axis, value in zip(plan.axes, point.values)]
    target = Path(folder) / POINTS
    try:
        data, changes = apply_overrides(base.data, overrides, source=base.source)
        scenario = validate_data(data, base.source)
    except ScenarioError as error:
        _write_failed(target, point, "bad_input", str(error))
        return "bad_input"
    outcome = base.resolver.solve(scenario)
    record = PointRecord(
        f"../../{BASE}",
        sha256(plan.base_text),
        {o.path: o.value for o in overrides},
        scenario_digest(data),
        f"{plan.base_file}, sweep point {point.name}",
    )
    write_run(
        outcome,
        plan.base_file,
        target,
        command=["e2eopt", "sweep", f"point {point.name}"],
        changes=changes,
        folder_name=point.name,
        point=record,
    )
    return outcome.status


def _write_failed(target: Path, point: Point, status: str, message: str) -> None:
    """A point that never reached the solver: a folder with its summary only, written atomically."""
    with staging_folder(target) as staging:
        summary = {"status": status, "message": message, "tables": []}
        (staging / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        move_to_fixed_name(staging, target, point.name)


WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS})
"""What stops a whole sweep rather than failing a point: the folder cannot take more (a full disk,
a quota, a file-size limit, a failing or read-only device). The sweep ends, resumable."""


def is_write_error(error: BaseException) -> bool:
    """Whether `error` says the sweep's folder cannot be written (WRITE_ERRORS)."""
    return isinstance(error, OSError) and error.errno in WRITE_ERRORS


def _safe_point(plan: Plan, point: Point, folder: str) -> tuple[int, str]:
    """`solve_point`, but an unexpected error is recorded as the point's outcome, never raised; an
    error writing the folder is raised (no record either: the point is solved again on a resume)."""
    try:
        return point.number, solve_point(plan, point, folder)
    except Exception as error:
        if is_write_error(error):
            raise
        if not (Path(folder) / POINTS / point.name).exists():
            _write_failed(Path(folder) / POINTS, point, "error", f"{type(error).__name__}: {error}")
        return point.number, "error"


# --- running a sweep --------------------------------------------------------------------------------


@dataclass
class SweepResult:
    folder: Path
    points: pd.DataFrame
    solved: int  # points solved in this call (the others were finished before a resume)
    missing: list[int] = field(default_factory=list)  # points with no record: their worker died
    failures: list[str] = field(default_factory=list)  # why, as the engine reported it

    @property
    def statuses(self) -> dict[str, int]:
        """How many points ended in each status."""
        return self.points.status.value_counts().to_dict() if len(self.points) else {}

    def __repr__(self) -> str:  # the points table is `result.points`
        missing = f", missing={self.missing}" if self.missing else ""
        return (
            f"SweepResult(folder='{self.folder}', points={len(self.points)}, solved={self.solved}, "
            f"statuses={self.statuses}{missing})"
        )


def sweep(
    base_file: str | Path,
    grid: Mapping[str, str | Sequence[object]] | Sequence[str | Axis],
    out_dir: str | Path = "runs",
    workers: int = 1,
    sensitivity: bool = False,
    **solver: object,
) -> SweepResult:
    """Solve every combination of `grid` on `base_file` into a new sweep folder under `out_dir`, as
    `e2eopt sweep` does: `model.sweep("data/tiny.yaml", {"demands.*.volume": "*0.9,*1,*1.1"})`.

    `grid` maps each field path to its values (a list, a comma list or a START:STOP:STEP range, as a
    sweep file's `grid:`), or lists `path=values` texts (`--grid`) or `Axis` objects. `workers`
    processes (1: this one); `solver` overrides the scenario's `solver:` section (time_limit, ...).
    ScenarioError, before any folder is made, for a path that matches nothing or a bad value. The
    result's `points` is the points table (`points.parquet` carries its units)."""
    if isinstance(grid, Mapping):
        axes = [Axis(str(path), axis_values(values, "grid", str(path))) for path, values in grid.items()]
    else:
        axes = [axis if isinstance(axis, Axis) else parse_axis(axis) for axis in grid]
    plan = plan_sweep(base_file, axes, sensitivity, **solver)
    return run_sweep(plan, new_sweep_folder(plan, out_dir), workers)


def new_sweep_folder(plan: Plan, out_dir: str | Path = "runs") -> Path:
    """Create the sweep folder with its plan and base, whole or not at all: they are written into a
    staging folder that is renamed into place (a kill or a full disk leaves no folder that is not a
    sweep's). Points are added as they finish."""
    out_dir = Path(out_dir)
    with staging_folder(out_dir) as staging:
        (staging / BASE).write_bytes(plan.base_text)
        (staging / PLAN).write_bytes(json.dumps(plan.to_json(), indent=2).encode() + b"\n")
        return move_into_place(staging, out_dir, new_run_folder_name(plan.scenario["name"]) + "-sweep")


def read_plan(folder: str | Path) -> Plan:
    """The plan of an existing sweep folder, for --resume: the base as it was, not as the file is now.

    SweepError (the command line exits 2) when sweep.json is damaged (not JSON, or not the shape
    `Plan.to_json` writes) or base.yaml is not the base the sweep started from (its SHA-256, which
    sweep.json records; a sweep.json from before it was recorded is taken as it is)."""
    folder = Path(folder)
    if not (folder / PLAN).is_file() or not (folder / BASE).is_file():
        raise ScenarioError([Problem(str(folder), None, None, "", "not a sweep folder (no sweep.json and base.yaml)")])
    base_text = (folder / BASE).read_bytes()
    try:
        saved = json.loads((folder / PLAN).read_bytes().decode("utf-8"))
    except ValueError as error:  # not UTF-8, or not JSON (json.JSONDecodeError is a ValueError)
        raise _damaged_plan(folder, f"not JSON: {error}") from None
    plan = _plan_from_json(folder, saved, base_text)
    recorded = saved.get("base_sha256")
    if recorded is not None and recorded != sha256(base_text):
        raise SweepError(
            f"{folder / BASE} was changed after the sweep started (its SHA-256 is not the one {PLAN} "
            f"recorded), so the sweep cannot go on from it: put back the {BASE} the sweep wrote, or start "
            f"a new sweep from {plan.base_file}"
        )
    return plan


def _plan_from_json(folder: Path, saved: object, base_text: bytes) -> Plan:
    """A Plan from sweep.json's contents, checked to be the shape `Plan.to_json` writes."""
    if not isinstance(saved, dict):
        raise _damaged_plan(folder, f"a JSON {type(saved).__name__}, not an object")
    missing = [key for key in ("base_file", "scenario", "axes", "options", "sensitivity") if key not in saved]
    if missing:
        raise _damaged_plan(folder, f"no {', no '.join(missing)}")
    axes = saved["axes"]
    if not isinstance(axes, list) or not axes:
        raise _damaged_plan(folder, "'axes' is not a list of axes")
    for axis in axes:
        values = axis.get("values") if isinstance(axis, dict) else None
        if (
            not isinstance(axis, dict)
            or not isinstance(axis.get("path"), str)
            or not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) for v in values)
        ):
            raise _damaged_plan(folder, f"an axis is not a path and a list of values: {json.dumps(axis)[:100]}")
    scenario = saved["scenario"]
    if not isinstance(scenario, dict) or not all(
        isinstance(scenario.get(key), str) for key in ("name", "currency", "time_unit")
    ):
        raise _damaged_plan(folder, "'scenario' is not the base's name, currency and time unit")
    options = saved["options"]
    if not isinstance(options, dict) or not isinstance(options.get("integer_staff"), bool):
        raise _damaged_plan(folder, "'options' is not the solver's settings")
    try:
        SolveOptions(**{k: v for k, v in options.items() if k != "integer_staff"})
    except TypeError as error:
        raise _damaged_plan(folder, f"'options' is not the solver's settings: {error}") from None
    if not isinstance(saved["sensitivity"], bool) or not isinstance(saved["base_file"], str):
        raise _damaged_plan(folder, "'sensitivity' or 'base_file' is not what a sweep writes")
    if not isinstance(saved.get("base_sha256", ""), str):
        raise _damaged_plan(folder, "'base_sha256' is not a SHA-256")
    return Plan(
        saved["base_file"],
        base_text,
        tuple(Axis(a["path"], tuple(a["values"])) for a in axes),
        options,
        saved["sensitivity"],
        scenario,
    )


def _damaged_plan(folder: Path, reason: str) -> SweepError:
    return SweepError(
        f"{folder} is not a sweep folder: its {PLAN} is damaged ({reason}). It cannot be resumed; "
        "start the sweep again from its scenario file"
    )


def finished_points(folder: Path) -> set[int]:
    """Points whose folder is complete (renamed into place)."""
    points = folder / POINTS
    if not points.is_dir():
        return set()
    return {int(p.name) for p in points.iterdir() if p.name.isdigit() and (p / "summary.json").is_file()}


def _remove_staging(folder: Path) -> None:
    """What a killed sweep left half-written: staging folders that will never be renamed into place
    (a point's, the points table's, the plan's). Called with the folder's lock held, so no other
    run of this tool is writing them."""
    # `.sweep.json-*`: what versions before the folder was made whole left when killed making it.
    leftovers = [*(folder / POINTS).glob(".incomplete-*"), *folder.glob(".points-*"), *folder.glob(f".{PLAN}-*")]
    for staging in leftovers:
        if staging.is_dir():
            shutil.rmtree(staging, ignore_errors=True)
        else:
            staging.unlink(missing_ok=True)


# --- faults: the folder's lock, the engines' checks, workers that die with the sweep ---------------


class SweepError(RuntimeError):
    """A sweep that cannot run as asked (the engine's options, an unreachable scheduler, a folder in
    use): said before anything is written; the command line exits 2."""


class SweepLocked(SweepError):
    """Another process is running or resuming this sweep folder."""

    def __init__(self, folder: Path, holder: str) -> None:
        self.folder, self.holder = folder, holder
        super().__init__(
            f"the sweep folder {folder} is in use by {holder} (a sweep or a resume of it still running): "
            f"wait for it to end, or stop it and then `e2eopt sweep --resume {folder}`"
        )


_HELD: set[Path] = set()
"""The sweep folders this process holds the lock of."""


@contextlib.contextmanager
def locked(folder: str | Path) -> Iterator[Path]:
    """Hold the sweep folder's lock while the body runs; SweepLocked if another process holds it.

    fcntl.flock on `folder/.lock`: the kernel releases it when the holder's file is closed, however
    the process ends (a SIGKILL too), so a stale lock is simply taken over. The file keeps the
    holder's pid and host, for the message. Where fcntl is missing (Windows) nothing is locked."""
    folder = Path(folder)
    key = folder.resolve()
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield folder
        return
    if key in _HELD:  # this process holds it already (the command line locks before run_sweep does)
        yield folder
        return
    path = folder / LOCK
    try:
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115  # not truncated before we hold it
    except OSError as error:
        raise SweepError(f"cannot lock the sweep folder {folder}: {error.strerror or error}") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            held_by = handle.read().strip()
            raise SweepLocked(folder, held_by or "another process") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()} on {_host()}\n")
        handle.flush()
        _HELD.add(key)
        try:
            yield folder
        finally:
            _HELD.discard(key)
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def _host() -> str:
    import socket

    return socket.gethostname()


def check_engine(engine: str, scheduler: str | None) -> Engine:
    """The engine and its options, checked before any work or folder; SweepError saying what is wrong."""
    if engine not in ("process", "dask"):
        raise SweepError(f"--engine: '{engine}' is not allowed: process or dask")
    if engine == "process":
        if scheduler:
            raise SweepError("--scheduler is for --engine dask: give both, or neither")
        return "process"
    if not scheduler:
        raise SweepError("the dask engine needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise SweepError("the dask engine needs the 'dask' extra: pip install -e '.[dask]'") from None
    return "dask"


CONNECT_GRACE = 5.0
"""Seconds `connect` waits beyond the connect timeout for the Client to succeed or fail on its own."""


def connect(scheduler: str, timeout: float = CONNECT_TIMEOUT) -> Any:
    """A Dask client of the scheduler at `scheduler`, or SweepError within `timeout` seconds (and
    CONNECT_GRACE more) saying why: a scheduler that is down, a wrong address, or something else
    answering there. Made before the sweep folder, so a failure leaves nothing behind.

    The Client is made in a daemon thread, and waited for no longer than that: distributed's own
    timeout does not cover every step of its handshake, so an address that accepts the connection
    but is not a Dask scheduler (a web server, say) can keep it waiting for ever, or have it read
    the reply's first bytes as a frame length and fail to allocate exabytes (a MemoryError). Any
    exception from it becomes the SweepError. A thread still stuck is left behind: it is a daemon,
    so it does not keep the process from exiting (the command line ends just after, exit 2); it
    holds nothing of the sweep (no folder is made yet); and should its Client come up after all,
    it closes that Client itself rather than hand it over."""
    from distributed import Client

    lock = threading.Lock()
    made: list[Any] = []
    failed: list[BaseException] = []
    abandoned = threading.Event()

    def make() -> None:
        try:
            client = Client(scheduler, timeout=timeout)
        except BaseException as error:  # MemoryError too: all become the SweepError
            failed.append(error)
            return
        with lock:
            if not abandoned.is_set():
                made.append(client)
                return
        with contextlib.suppress(Exception):  # too late: no one will use it
            client.close()

    thread = threading.Thread(target=make, daemon=True, name=f"dask-connect-{scheduler}")
    thread.start()
    thread.join(timeout + CONNECT_GRACE)
    with lock:
        if made:
            return made[0]
        abandoned.set()
    if failed:
        error = failed[0]
        if isinstance(error, MemoryError):
            reason = "something answered there, but not as a Dask scheduler does (its reply made no sense)"
        else:
            reason = str(error).strip() or type(error).__name__
    else:
        reason = "something accepted the connection but did not answer as a Dask scheduler does"
    raise SweepError(
        f"no Dask scheduler answered at {scheduler} within {timeout:g} s: {reason}. "
        "Is the scheduler running, and is the address right? (--connect-timeout S waits longer)"
    )


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _die_with_parent(parent: int) -> None:
    """A worker's initializer: never outlive the sweep process, and leave Ctrl-C to it.

    Linux: the kernel sends SIGKILL when the parent dies (prctl PR_SET_PDEATHSIG), however it died.
    Everywhere: a daemon thread checks each second that the parent is still there (the fallback
    where there is no parent-death signal). SIGINT is ignored: a Ctrl-C reaches the whole process
    group, and the parent stops the workers itself, without a traceback from each."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))
    if os.getppid() != parent:  # the parent died before the death signal was asked for
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="watch-parent").start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


# --- running a sweep --------------------------------------------------------------------------------


def run_sweep(
    plan: Plan,
    folder: str | Path,
    workers: int = 1,
    engine: Engine = "process",
    scheduler: str | None = None,
    on_point: Callable[[int, str], None] | None = None,
    client: Any = None,
    connect_timeout: float = CONNECT_TIMEOUT,
) -> SweepResult:
    """Solve every point of `plan` not yet finished in `folder`, then write the points table.

    `workers` processes (1: in this process), or `engine="dask"` on the cluster at `scheduler` (or on
    `client`, a connected Dask client). `on_point(number, status)` is called as each point ends
    (progress). The folder is locked for the run (SweepLocked if another process holds it). An
    exception from `on_point` or a signal handler (KeyboardInterrupt, ...) stops the sweep and kills
    the worker processes; finished points stay, and `run_sweep` on the same folder goes on from there.
    """
    folder = Path(folder)
    with locked(folder):
        _remove_staging(folder)
        done = finished_points(folder)
        todo = [p for p in plan.points if p.number not in done]
        notify = on_point or (lambda number, status: None)
        failures: list[str] = []
        if engine == "dask":
            failures = _run_dask(plan, todo, folder, client, scheduler, connect_timeout, notify)
        elif workers <= 1:
            for point in todo:
                notify(*_safe_point(plan, point, str(folder)))
        else:
            failures = _run_processes(plan, todo, folder, workers, notify)
        points = points_table(plan, folder)
        write_points(points, folder, plan)
        missing = sorted({p.number for p in todo} - finished_points(folder))
    return SweepResult(folder, points, len(todo) - len(missing), missing, failures)


def _run_processes(
    plan: Plan, todo: list[Point], folder: Path, workers: int, notify: Callable[[int, str], None]
) -> list[str]:
    """Points in worker processes. A worker that dies (out of memory, a crash in the solver) breaks
    the pool: its points and those still queued get no record, are reported, and a resume retries them.
    An interrupt kills the workers at once (a point they were writing is left as a staging folder,
    removed here) and goes on up."""
    # spawn: a fresh interpreter per worker, never a fork of a process that may hold solver threads
    context = multiprocessing.get_context("spawn")
    failures: list[str] = []
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_die_with_parent, initargs=(os.getpid(),)
    )
    try:
        pending: set[Future] = {pool.submit(_safe_point, plan, point, str(folder)) for point in todo}
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                _collect(future, notify, failures)
    except BaseException:
        _stop_workers(pool)  # before anything else: a second signal must not leave them running
        _remove_staging(folder)
        raise
    finally:
        if failures:  # a broken pool: no worker may go on writing once we return
            _stop_workers(pool)
        pool.shutdown(wait=True, cancel_futures=True)
    return sorted(set(failures))


def _collect(future: Any, notify: Callable[[int, str], None], failures: list[str]) -> None:
    """A finished point's status to `notify`; a worker's failure (a dead process, a lost Dask task) noted
    in `failures`, its point left without a record; a write error raised: the sweep stops, resumable."""
    try:
        notify(*future.result())
    except Exception as error:
        if is_write_error(error):
            raise
        failures.append(f"{type(error).__name__}: {error}")


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's worker processes and wait for them (a killed process cannot refuse)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        with contextlib.suppress(OSError, ValueError):
            process.kill()
    for process in processes:
        with contextlib.suppress(OSError, ValueError, AssertionError):
            process.join(timeout=10)


def _run_dask(
    plan: Plan,
    todo: list[Point],
    folder: Path,
    client: Any,
    scheduler: str | None,
    connect_timeout: float,
    notify: Callable[[int, str], None],
) -> list[str]:
    from distributed import as_completed

    own = client is None
    if own:
        check_engine("dask", scheduler)  # a scheduler given, and the extra installed
        client = connect(str(scheduler), connect_timeout)
    try:
        shared = client.scatter(plan, broadcast=True)  # the base travels once per worker, not per point
        # pure=False: a fresh task key per submission, never another sweep's result for the same point
        futures = [client.submit(_safe_point, shared, point, str(folder), pure=False) for point in todo]
        failures: list[str] = []
        try:
            for future in as_completed(futures):
                _collect(future, notify, failures)
        except BaseException:
            client.cancel(futures)
            raise
    finally:
        if own:
            client.close()
    return sorted(set(failures))


# --- the points table -------------------------------------------------------------------------------


def points_table(plan: Plan, folder: Path) -> pd.DataFrame:
    """One row per finished point, in point order, read back from the point folders (so a resumed
    sweep's table is built the same way as a straight one)."""
    finished = [point for point in plan.points if (folder / POINTS / point.name / "summary.json").is_file()]
    used = values_used(plan) if finished else {}
    rows = [_point_row(plan, point, folder / POINTS / point.name, used) for point in finished]
    return conform(pd.DataFrame(rows), "points")  # in the declared types (model/tables.py), as written


USED = "used."
"""The points table's column of the value an axis's field took (`used.<axis path>`) beside the value
as written: `arcs.a->b.cost=-5` lowers a rebate of -4 to -9, which the column shows."""


def values_used(plan: Plan) -> dict[tuple[str, str], str]:
    """(axis path, value as written) -> the value its field takes when applied to the base, as text
    ('' when the path reaches fields that end with different values, or the value is refused)."""
    data, source = parse_yaml(plan.base_text.decode("utf-8"), plan.base_file)
    used: dict[tuple[str, str], str] = {}
    for axis in plan.axes:
        for value in axis.values:
            try:
                _, changes = apply_overrides(data, [Override(axis.path, value, "--grid")], source=source)
            except ScenarioError:
                used[axis.path, value] = ""
                continue
            shown = {_as_text(change.new) for change in changes}
            used[axis.path, value] = shown.pop() if len(shown) == 1 else ""
    return used


def _as_text(value: object) -> str:
    """A field's value as a user writes it: -9 (not -9.0), 0.95, [720, 840], never."""
    if isinstance(value, list):
        return "[" + ", ".join(_as_text(v) for v in value) + "]"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return "" if value is None else str(value)


def _point_row(plan: Plan, point: Point, where: Path, used: dict[tuple[str, str], str]) -> dict[str, object]:
    """The point's row of the points table, from its folder (model.run_folder, as every reader reads
    it); SweepError naming the file when the folder is damaged."""
    try:
        summary = read_summary(where)
        kpis = read_tables(where, summary, ["demand_kpis"]).get("demand_kpis")
    except RunFolderError as error:
        again = "remove its folder and run the sweep again with --resume"
        raise SweepError(f"sweep point {point.name}: {error}; {again}") from None
    row: dict[str, object] = {"point": point.number}
    row.update(zip((a.path for a in plan.axes), point.values))
    row.update({USED + a.path: used.get((a.path, value), "") for a, value in zip(plan.axes, point.values)})
    row.update(
        status=summary["status"],
        message=summary.get("message", ""),
        total_cost=summary.get("total_cost", float("nan")),
        currency=plan.scenario["currency"],
    )
    for stage, amount in summary.get("cost_by_stage", {}).items():
        row[f"cost.{stage}"] = amount
    if "staffing" in summary.get("tables", []):
        staffing = pd.read_parquet(where / "staffing.parquet", columns=["period", "role", "fte"])
        per_role = staffing.groupby("role", sort=True).fte.sum() / staffing.period.nunique()
        row.update({f"fte.{role}": fte for role, fte in per_role.items()})
    if kpis is not None:
        row.update(_demand_columns(kpis))
    profit = summary.get("profit") or {}
    if profit.get("revenue") is not None:  # some demand has a price: what the point earns
        row.update(revenue=profit["revenue"], margin=profit["margin"])
    if "queues" in summary:  # a scenario with queues: how its tangent iterations ended
        queues = summary["queues"]
        row.update(
            {
                "queues.iterations": queues["iterations"],
                "queues.converged": queues["converged"],
                "queues.targets_missed": queues["targets_missed"],
            }
        )
    return row


def _demand_columns(kpis: pd.DataFrame) -> dict[str, object]:
    """Per demand over the periods: units served, served-weighted quality and mean response time, and
    whether it was met in every period (demand_kpis' `met`: every unit due served in its period, no
    target missed); as `served.<demand>`, `quality.<demand>`, `mean_response_time.<demand>`, `met.<demand>`."""
    kpis = upgrade_kpis(kpis)  # a point written before the rename to mean response times reads the same
    by_demand = kpis.demand
    weight = kpis.served.where(kpis.served > 0, 0.0)
    served = kpis.served.groupby(by_demand, sort=False).sum()
    per_demand = pd.DataFrame(
        {
            "served": served,
            **{
                name: (kpis[name] * weight).groupby(by_demand, sort=False).sum() / served.where(served > 0)
                for name in ("quality", "mean_response_time")
            },
            "met": kpis.met.astype(bool).groupby(by_demand, sort=False).all(),
        }
    )
    names = [f"{column}.{demand}" for demand in per_demand.index for column in per_demand.columns]
    return dict(zip(names, per_demand.astype(object).to_numpy().ravel()))


def write_points(points: pd.DataFrame, folder: Path, plan: Plan) -> None:
    """points.csv, points.parquet (units in its metadata) and their data dictionary columns.csv."""
    currency, time_unit = plan.scenario["currency"], plan.scenario["time_unit"]
    units = table_units("points", currency, time_unit, points.columns)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".points-") as staging:
        write_table(points, Path(staging) / "points", units, table="points")
        write_csv(dictionary({"points": points}, currency, time_unit), Path(staging) / COLUMNS_FILE)
        for name in ("points.csv", "points.parquet", COLUMNS_FILE):
            os.replace(Path(staging) / name, folder / name)


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
