"""Run folders: everything a solve produced, written atomically, enough to reproduce it.

runs/<UTC timestamp>-<scenario name>[-<what-if file stem>][-set-<digest of the command-line overrides>]/
  scenario.yaml       the scenario file exactly as solved (resolved, when overrides were applied)
  summary.json        status, objective, currency, units, solver and package versions, timings, input SHA-256
  highs.log           what HiGHS logged while solving (its banner, presolve, iterations), never shown on screen
  <table>.csv         each result table (see model/tables.py), floats at their kind's significant digits
  <table>.parquet     the same at full precision, with the column units in the schema metadata
  columns.csv         the data dictionary of the tables written: table, column, type, unit, meaning
  overrides.yaml      with overrides: the input files' SHA-256 and every field changed (old, new, by what)
  inputs/             with overrides: each input file as read, in its folder layout, so extends still works

A sweep's point (model/sweep.py) keeps no copy of its scenario: point.yaml names the sweep's
base.yaml, the point's overrides and the SHA-256 of the scenario they make (`scenario_digest`), and
`e2eopt solve` on the point's folder (`run_input`) makes that scenario again and checks the digest.

The folder is filled under a temporary name and renamed into place at the end, so an error or an
interrupt leaves no half-written run behind; a kill leaves the temporary folder, and the next
write into the same folder removes it (model/staging.py).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa

from model.errors import E2EError, Problem, ScenarioError
from model.memory import give_back_freed_memory
from model.run_folder import COLUMNS_FILE
from model.run_folder import read_run as _read_run
from model.scenario.overrides import Change, Resolved, overrides_applied, resolve, scenario_yaml
from model.scenario.schema import Scenario
from model.staging import staging_folder, unmark
from model.table_io import write_csv  # the bytes of frame.to_csv(index=False), faster
from model.tables import RESULT_TABLES, column_units, conform, dictionary, for_csv

if TYPE_CHECKING:
    from model.optimise import Outcome  # a type only: importing it loads the solver (1 s)

PACKAGES = ("e2e-optimiser", "pyomo", "highspy", "pandas", "numpy", "networkx", "pydantic", "pyarrow", "ruamel.yaml")


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def package_versions() -> dict[str, str]:
    """The versions every summary.json records: read once a process (importlib.metadata reads each
    package's files, 14 ms in all: a server answering many what-ifs would pay it each time)."""
    return dict(_package_versions())


@functools.cache
def _package_versions() -> tuple[tuple[str, str], ...]:
    return (("python", platform.python_version()), *((name, package_version(name)) for name in PACKAGES))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def scenario_digest(data: dict) -> str:
    """The SHA-256 of a resolved scenario's data as canonical JSON (keys sorted): what a sweep point
    records instead of a copy of its scenario, and checks when it is solved again."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return sha256(text.encode("utf-8"))


@dataclass(frozen=True)
class PointRecord:
    """How to make a sweep point's scenario again: the sweep's base.yaml (relative to the point's
    folder) with its SHA-256, the point's overrides, and the digest of the scenario they make."""

    base: str
    base_sha256: str
    set: dict[
        str, str | float | int | list[float | int] | list[str]
    ]  # override path -> value: a number, or a change such as '*1.05'
    scenario_sha256: str
    what: str  # "appliance-co.yaml, sweep point 0003", for the reader

    def yaml(self) -> bytes:
        """point.yaml: a comment saying how to solve it again, then the record (JSON is YAML)."""
        head = (
            f"# {self.what}: the sweep's base.yaml with these overrides.\n"
            "# `e2eopt solve` on this folder makes the scenario again, checks scenario_sha256, and solves it.\n"
        )
        return (head + json.dumps(asdict(self), indent=2) + "\n").encode("utf-8")


def run_input(folder: str | Path) -> tuple[Path, list[str], str | None]:
    """What a run folder was solved from: the scenario file, the overrides to apply to it (`--set`
    texts), and the digest the resolved scenario must have (None: not recorded). A folder is a run
    if it holds scenario.yaml, or point.yaml (a sweep point). ScenarioError otherwise."""
    folder = Path(folder)
    if (folder / "scenario.yaml").is_file():
        return folder / "scenario.yaml", [], None
    if not (folder / "point.yaml").is_file():
        raise ScenarioError(
            [
                Problem(
                    str(folder),
                    None,
                    None,
                    "",
                    "not a run folder: it holds no scenario.yaml and no point.yaml",
                    "Give a scenario file, or a folder `e2eopt solve` or `e2eopt sweep` wrote.",
                )
            ]
        )
    record = json.loads(
        "".join(
            line
            for line in (folder / "point.yaml").read_text(encoding="utf-8").splitlines(True)
            if not line.startswith("#")
        )
    )
    base = folder / record["base"]
    if not base.is_file() or sha256(base.read_bytes()) != record["base_sha256"]:
        raise ScenarioError(
            [
                Problem(
                    str(folder / "point.yaml"),
                    None,
                    None,
                    "base",
                    f"the sweep's base {base} is missing or changed since the point was solved",
                    "Solve the sweep again.",
                )
            ]
        )
    return base, [f"{path}={value}" for path, value in record["set"].items()], record["scenario_sha256"]


def summary_of(
    outcome: Outcome,
    scenario_text: bytes | None,
    source: str,
    command: list[str] | None,
    point: PointRecord | None = None,
    file_bytes: bytes | None = None,
) -> dict:
    """The run's summary.json: what was solved, how, and what came out, with units.

    `input` names the file as given with the SHA-256 of its bytes (`file_sha256`: what the user can
    check against the file they hold; for an override file, the override file itself), and the
    SHA-256 of the scenario that was solved (`scenario_sha256`: the bytes of the run's scenario.yaml,
    the resolved scenario when overrides were applied). They are equal when nothing was overridden.
    A sweep point's `scenario_sha256` is its record's digest of the resolved scenario (point.yaml)."""
    scenario = outcome.scenario
    tables = outcome.tables
    given: dict[str, object]
    if point is not None:
        given = {"file": source, "scenario_sha256": point.scenario_sha256, "point": asdict(point)}
    elif scenario_text is not None:
        given = {
            "file": source,
            "file_sha256": sha256(file_bytes) if file_bytes is not None else None,
            "scenario_sha256": sha256(scenario_text),
        }
    else:
        raise ValueError("summary_of needs the scenario's bytes, or a sweep point's record")
    summary: dict = {
        "scenario": scenario.name,
        "status": outcome.status,
        "message": outcome.message,
        "objective": outcome.objective,
        "currency": scenario.currency,
        "time_unit": scenario.scenario.time_unit,
        "periods": scenario.periods,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "input": given,
        "command": command if command is not None else sys.argv,
        "solver": outcome.solver,
        "solver_options": outcome.options,
        "timings_s": {phase: round(seconds, 6) for phase, seconds in outcome.timings.items()},
        "packages": package_versions(),
        "violations": outcome.violations,
        "notes": outcome.notes,
    }
    if outcome.extension_costs:
        summary["extension_costs"] = outcome.extension_costs
    if "queues" in tables:
        queues = tables["queues"]
        summary["queues"] = {
            "iterations": outcome.solver.get("queue_iterations"),
            "converged": outcome.solver.get("queue_converged"),
            "lane_periods": len(queues),
            "targets_missed": int((~queues.met).sum()),
        }
    if "rework" in tables:
        summary["cost_of_poor_quality"] = cost_of_poor_quality(tables["rework"])
    if outcome.diagnosis is not None:
        summary["diagnosis"] = outcome.diagnosis.sentence.tolist()
    if "costs" in tables:
        costs = tables["costs"]
        summary["total_cost"] = float(costs.amount.sum())
        summary["cost_by_stage"] = costs.groupby("stage", sort=False).amount.sum().to_dict()
        summary["cost_by_category"] = costs.groupby("category", sort=False).amount.sum().to_dict()
        summary["unallocated_cost"] = outcome.unallocated_cost
    if outcome.profit:
        summary["profit"] = outcome.profit
    summary["units"] = column_units(scenario.currency, scenario.scenario.time_unit)
    summary["tables"] = sorted(tables)
    return summary


SOMETIMES: dict[str, list | None] = {
    "overrides": [],
    "extension_costs": None,
    "queues": None,
    "cost_of_poor_quality": None,
    "diagnosis": None,
    "total_cost": None,
    "cost_by_stage": None,
    "cost_by_category": None,
    "unallocated_cost": None,
    "profit": None,
}
"""The keys summary.json holds only when the run has them (overrides applied, an extension's costs,
queues, a diagnosis, costs), with what stands for "none" in a document that holds every key."""


def cost_of_poor_quality(rework: pd.DataFrame) -> dict[str, float]:
    """The cost of poor quality of a run with `rework` (docs/model.md, Rework): the rework cost category
    (currency) and the units reworked, horizon totals. The second passes' own processing, hand-off and
    staff costs stay in their categories."""
    return {"rework_cost": float(rework.cost.sum()), "units_reworked": float(rework.units.sum())}


def complete_summary(summary: dict) -> dict:
    """`summary` with every key a run's summary may hold (SOMETIMES: null, or [] for no overrides):
    a script reading `document["total_cost"]` of an infeasible run gets null, not a KeyError."""
    return {**summary, **{key: empty for key, empty in SOMETIMES.items() if key not in summary}}


def new_run_folder_name(scenario_name: str, now: datetime | None = None, label: str = "") -> str:
    """`<UTC time>-<scenario>`, or `<UTC time>-<scenario>-<label>` for a what-if (run_label), so that a
    what-if, a `--set` run and the base solved in the same minute are told apart by name."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    safe = _safe_name(f"{scenario_name}-{label}" if label else scenario_name)
    # A folder name has at most 255 bytes; the stamp and a sweep's or a second run's suffix need 30.
    safe = safe.encode("utf-8")[:200].decode("utf-8", errors="ignore")
    return f"{stamp}-{safe}"


class ScenarioMismatch(E2EError, ValueError):
    """write_run was given a file whose scenario is not the one the outcome solved: its run folder
    would not reproduce the outcome, so nothing is written."""


def _safe_name(text: str) -> str:
    """Letters, digits, `-`, `_` and `.` kept; anything else (a slash, a space) becomes `_`."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)


COMMAND_LINE = ("--set", "--remove")
"""The origins of the overrides given on the command line (overrides.Change.origin)."""


def run_label(scenario_file: str | Path | None, changes: Sequence[Change], inputs: Mapping[str, bytes] | None) -> str:
    """What tells a run apart from its base's in the folder name: the what-if file's stem when the file
    extends another (`whatif-wage-rise`), `set-<8 hex digits>` for command-line overrides (a digest of
    the `--set` and `--remove` texts, so the same overrides give the same name), both when both; ''
    for the base. A run folder solved again keeps the label it recorded (its scenario.yaml is complete,
    so the what-if it came from is no longer in the inputs); a sweep point's folder records none."""
    parts = []
    if scenario_file and Path(scenario_file).is_dir():  # None or '': a scenario given without its file
        parts.append(_recorded_label(Path(scenario_file)))
    elif inputs is not None and len(inputs) > 1:
        parts.append(Path(next(iter(inputs))).stem[:60])
    given = list(
        dict.fromkeys(_override_text(c.override, c.value, c.origin) for c in changes if c.origin in COMMAND_LINE)
    )
    if given:
        parts.append("set-" + sha256("\n".join(given).encode("utf-8"))[:8])
    return _safe_name("-".join(part for part in parts if part))


def _override_text(path: str, value: object, origin: str) -> str:
    """An override as typed: `path=value` for --set, `-path` for --remove."""
    return f"-{path}" if origin == "--remove" else f"{path}={value}"


def _recorded_label(folder: Path) -> str:
    """The label a run folder's summary.json recorded ('' when none: a sweep point, an older run)."""
    if not (folder / "scenario.yaml").is_file():
        return ""  # a sweep point: its overrides come back as --set, and make the label
    try:
        label = json.loads((folder / "summary.json").read_text(encoding="utf-8")).get("label", "")
    except (OSError, ValueError, AttributeError):
        return ""
    return label if isinstance(label, str) else ""


def write_run(
    outcome: Outcome,
    scenario_file: str | Path | Resolved,
    out_dir: str | Path = "runs",
    command: list[str] | None = None,
    scenario_bytes: bytes | None = None,
    changes: Sequence[Change] = (),
    inputs: dict[str, bytes] | None = None,
    folder_name: str | None = None,
    point: PointRecord | None = None,
    label: str | None = None,
) -> Path:
    """Write the run folder for an outcome (any status) and return its final path.

    From Python, give what was solved: a `Resolved` (`model.resolve(file, overrides)`), whose
    resolved scenario, changes and input files are written as `e2eopt solve` writes them; or the
    scenario file itself, which is then resolved again (its `extends` too) and must give the
    outcome's scenario: ScenarioMismatch otherwise (a what-if solved from Python and written with
    its base file's name would record another scenario), and nothing is written.

    `scenario_bytes` are the bytes that were validated and solved (the command line's: no check
    then, the caller vouches for them); for an overridden scenario, the resolved YAML
    (overrides.Resolved.text), with its `changes` and `inputs` (file name -> bytes, names relative
    to the first file's folder). They go to overrides.yaml and inputs/ when there are changes or
    more than one input file. The folder is named `<timestamp>-<scenario>`, with the what-if's
    label (run_label, from `changes`, `inputs` and the file) after it. `folder_name` replaces that
    name (a sweep's `0001`); unlike a generated name it is never altered, so FileExistsError if it
    is taken. `point`: a sweep point's record, written as point.yaml instead of the scenario and
    its overrides.yaml (summary.json still counts the fields each override changed). `label`
    replaces run_label's (the workbench's edited text: `edited`, so it is not taken for the file's).
    """
    out_dir = Path(out_dir)
    if isinstance(scenario_file, Resolved) or (point is None and scenario_bytes is None):
        if scenario_bytes is not None or changes or inputs is not None:
            raise TypeError("write_run takes a Resolved, or scenario_bytes with changes and inputs, not both")
        resolved = as_solved(outcome.scenario, scenario_file)
        scenario_file, scenario_bytes = resolved.file, resolved.text
        changes, inputs = resolved.changes, resolved.inputs
    scenario_text = scenario_bytes if point is None else None
    summary = summary_of(outcome, scenario_text, str(scenario_file), command, point, _file_bytes(scenario_file, inputs))
    overridden = bool(changes) or len(inputs or {}) > 1
    if overridden:
        summary["overrides"] = overrides_applied(changes)
    if label is None:
        label = run_label(scenario_file, changes, inputs) if point is None else ""
    if point is None:
        summary["label"] = label  # what the folder's name adds to the scenario's (run_label)
    units = summary["units"]
    scenario = outcome.scenario
    with staging_folder(out_dir) as staging:
        if point is not None:
            (staging / "point.yaml").write_bytes(point.yaml())
        elif scenario_text is not None:  # given, or resolved above, whenever there is no point
            (staging / "scenario.yaml").write_bytes(scenario_text)
        if overridden and point is None:
            _write_overrides(staging, changes, inputs or {})
        start = time.perf_counter()
        tables = {name: conform(outcome.tables[name], name) for name in RESULT_TABLES if name in outcome.tables}
        write_tables(tables, staging, units)
        summary["timings_s"]["write_tables"] = round(time.perf_counter() - start, 6)
        if outcome.diagnosis is not None:
            tables["diagnosis"] = conform(outcome.diagnosis, "diagnosis")
            write_csv(for_csv(tables["diagnosis"], "diagnosis"), staging / "diagnosis.csv")
        if tables:
            write_csv(dictionary(tables, scenario.currency, scenario.scenario.time_unit), staging / COLUMNS_FILE)
        if outcome.highs_log:
            (staging / "highs.log").write_text(outcome.highs_log, encoding="utf-8")
        (staging / "summary.json").write_text(json.dumps(summary, indent=2, default=json_default) + "\n")
        if folder_name is not None:
            return move_to_fixed_name(staging, out_dir, folder_name)
        return move_into_place(staging, out_dir, new_run_folder_name(outcome.scenario.name, label=label))


def as_solved(scenario: Scenario, given: str | Path | Resolved) -> Resolved:
    """`given` resolved (a file, its `extends` too, or a run folder: what it was solved from), checked
    to make `scenario`; ScenarioMismatch naming the first field that differs otherwise."""
    if isinstance(given, Resolved):
        resolved = given
    elif Path(given).is_dir():
        base, assignments, _ = run_input(given)
        resolved = resolve(base, assignments)
    else:
        resolved = resolve(given)
    if resolved.scenario is scenario or resolved.scenario == scenario:
        return resolved
    where = first_difference(scenario.model_dump(by_alias=True), resolved.scenario.model_dump(by_alias=True))
    shown = resolved.file or "the Resolved given"
    raise ScenarioMismatch(
        f"{shown} does not make the scenario this outcome solved ({where}), so its run folder would "
        "not reproduce the outcome; nothing was written. Give write_run what you solved: "
        "resolved = model.resolve(file, overrides); outcome = model.optimise(resolved.scenario); "
        "model.write_run(outcome, resolved)."
    )


_ABSENT = object()
"""A key one side's data does not have."""


def first_difference(solved: object, given: object, path: str = "") -> str:
    """Where two scenarios' data first differ, in words: 'roles.technician.cost_per_fte is 5460.0 in the
    solved scenario, 5200.0 in the file'."""
    if isinstance(solved, dict) and isinstance(given, dict):
        for key in [*solved, *(k for k in given if k not in solved)]:
            if solved.get(key, _ABSENT) != given.get(key, _ABSENT):
                return first_difference(solved.get(key, _ABSENT), given.get(key, _ABSENT), f"{path}.{key}")
    if isinstance(solved, list) and isinstance(given, list) and len(solved) == len(given):
        for i, (a, b) in enumerate(zip(solved, given)):
            if a != b:
                return first_difference(a, b, f"{path}[{i}]")
    where = path.lstrip(".") or "the scenario"
    return f"{where} is {_shown(solved)} in the solved scenario, {_shown(given)} in the file"


def _shown(value: object) -> str:
    return "absent" if value is _ABSENT else repr(value)[:60]


def _file_bytes(file: str | Path, inputs: dict[str, bytes] | None) -> bytes | None:
    """The bytes of the file as given: the first input read (the file named, before its `extends`);
    else the file read now (a sweep's base; None: not a file)."""
    if inputs:
        return next(iter(inputs.values()))
    path = Path(file)
    if not path.is_file():
        return None
    return path.read_bytes()


def _write_overrides(folder: Path, changes: Sequence[Change], inputs: dict[str, bytes]) -> None:
    """overrides.yaml (inputs with SHA-256, every change) and inputs/ (each input file's bytes)."""
    for name, data in inputs.items():
        relative = Path(name)
        if relative.is_absolute() or ".." in relative.parts:
            raise ValueError(f"input file name {name!r} must be relative and inside the run folder")
        target = folder / "inputs" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    record = {
        "inputs": [{"file": name, "sha256": sha256(data)} for name, data in inputs.items()],
        "changes": [
            {
                "path": c.path,
                "old": _plain(c.old),
                "new": _plain(c.new),
                "override": c.override,
                "value": _plain(c.value),
                "origin": c.origin,
            }
            for c in changes
        ],
    }
    header = (
        "What turned the input files (inputs/) into scenario.yaml: each field changed, by which",
        "override (pattern, value, and where it was written). new: null means removed.",
    )
    (folder / "overrides.yaml").write_bytes(scenario_yaml(record, header))  # keys in the order above


def _plain(value: object) -> object:
    """Plain YAML values: containers copied as built-in types, anything unusual as text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)


def json_default(value: object) -> object:
    """What `json.dumps` cannot write itself: numpy scalars, and pandas' missing value (as null)."""
    if value is pd.NA:
        return None
    if hasattr(value, "item"):
        return value.item()  # numpy scalars
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def write_table(frame: pd.DataFrame, stem: Path, units: dict[str, str], table: str | None = None) -> None:
    """`stem`.csv and `stem`.parquet with the column units in its metadata. `table`: its name in
    model/tables.py, whose declaration it is cast to and whose kinds round the CSV's floats (without
    it, e.g. a frontier's table, the CSV holds every float at full precision)."""
    if table is not None:
        frame = conform(frame, table)
    write_csv(frame if table is None else for_csv(frame, table), stem.with_suffix(".csv"))
    write_parquet(frame, stem.with_suffix(".parquet"), units)


def write_tables(tables: Mapping[str, pd.DataFrame], folder: Path, units: Mapping[str, dict[str, str]]) -> None:
    """Each result table, `name`.csv (floats at the significant digits of their kind, infinities
    empty: model.tables.for_csv) and `name`.parquet (exact) in `folder`. The tables are already in
    their declared columns and types (model.tables.conform).

    The Parquet files are written in a second thread while this one writes the CSV files: Arrow lets
    go of the interpreter while it converts and encodes, so the two overlap (0.41 s -> 0.29 s for the
    tables of a 100,000-variable solve). An error or an interrupt in either stops both and is raised
    here, once the second thread has stopped. The memory the solve freed is given back to the system
    first: the Parquet thread could not reuse it, and would add to the process's peak (model/memory.py)."""
    give_back_freed_memory()
    stop = threading.Event()

    def parquet_files() -> None:
        for name, frame in tables.items():
            if stop.is_set():
                return
            write_parquet(frame, folder / f"{name}.parquet", units.get(name, {}))

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet") as thread:
        parquet = thread.submit(parquet_files)
        try:
            for name, frame in tables.items():
                if parquet.done() and parquet.exception() is not None:
                    break  # raised below
                write_csv(for_csv(frame, name), folder / f"{name}.csv")
            parquet.result()
        except BaseException:  # an interrupt too, while waiting for the thread
            stop.set()  # `with` waits for the table being written, then the thread ends
            raise


def write_parquet(frame: pd.DataFrame, path: Path, units: dict[str, str]) -> None:
    """The table as Parquet, its column units (column -> unit) as JSON in the schema's metadata."""
    import pyarrow.parquet as pq  # here: Parquet's library (about 6 MiB resident) only once it writes

    table = pa.Table.from_pandas(frame, preserve_index=False)
    metadata_ = dict(table.schema.metadata or {})
    metadata_[b"units"] = json.dumps(units).encode()
    pq.write_table(table.replace_schema_metadata(metadata_), path)


def move_to_fixed_name(staging: Path, out_dir: Path, name: str) -> Path:
    """Rename the finished folder to exactly `name` (a sweep's point); FileExistsError if it is taken."""
    unmark(staging)
    os.chmod(staging, 0o755)
    target = out_dir / name
    if target.exists():
        raise FileExistsError(f"run folder {target} exists already")
    target.parent.mkdir(parents=True, exist_ok=True)
    os.rename(staging, target)
    return target


def move_into_place(staging: Path, out_dir: Path, name: str) -> Path:
    """Rename the finished folder to its final name; a second run in the same second gets a suffix."""
    unmark(staging)
    os.chmod(staging, 0o755)  # mkdtemp makes it private; a run folder is for its users
    for attempt in range(1, 1000):
        target = out_dir / (name if attempt == 1 else f"{name}-{attempt}")
        try:
            os.rename(staging, target)  # atomic; fails if target exists and is not empty
            return target
        except OSError:
            if not target.exists():
                raise
    raise FileExistsError(f"no free run folder name for {name} in {out_dir}")


def read_run(folder: str | Path) -> tuple[dict, dict[str, pd.DataFrame]]:
    """A run folder's summary and tables (from Parquet), in today's declared columns and types (an
    older run's renamed columns under their new names); model.run_folder.RunFolderError (a ValueError)
    naming the file when one is missing or damaged."""
    return _read_run(folder)
