"""The catalogue of runs: what every folder under a runs folder holds, read from what it wrote, and
SQL over all their Parquet tables at once (DuckDB, embedded: no server, nothing to set up).

A folder directly under the runs folder is, by what it holds (model.run_folder.folder_kind, the
rule reports and exports follow too):
  run       summary.json of a solve (model/runs.py), its tables as Parquet
  sweep     sweep.json (model/sweep.py); its points (points/NNNN/, each a run) are read as runs of
            kind `point`, named `<sweep>/points/NNNN`
  frontier  summary.json with "kind": "frontier" (model/frontier.py) and frontier.parquet
  damaged   a folder of one of these kinds that cannot be read whole: why is in `problem`
Anything else (a folder of the user's, a comparison, a hidden staging folder) is not in the catalogue.

Nothing here writes, except `remove`, which renames a folder out of sight before deleting it, so that
a reader never sees half a run.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.run_folder import (
    POINT_RECORD,
    RunFolderError,
    folder_kind,
    in_sweep,
    read_json_object,
    read_summary,
    table_files,
)
from model.run_folder import (
    whole_parquet as whole_parquet,  # re-exported: the check belongs to model.run_folder now
)

if TYPE_CHECKING:
    import duckdb

STAMP = re.compile(r"^(\d{8}T\d{6}Z)-")
"""The UTC time at the start of a generated folder name (runs.new_run_folder_name)."""
REMOVABLE = ("run", "sweep", "frontier", "damaged")
"""The kinds `remove` takes: a sweep's point goes with its sweep only (its points table names it)."""


class CatalogueError(Exception):
    """A runs folder, a run or a query that cannot be used as asked; the message says why (exit 2)."""


@dataclass(frozen=True)
class Entry:
    """One folder of the catalogue, as `runs list` shows it and `runs query`'s `runs` view holds it."""

    name: str  # relative to the runs folder: `<folder>`, or `<sweep>/points/NNNN` for a sweep's point
    path: Path
    kind: str  # run, point, sweep, frontier or damaged
    created: str  # ISO 8601 UTC; '' when unknown
    scenario: str | None = None
    status: str | None = None  # a run's status; a sweep's or frontier's counts ("2 optimal")
    total_cost: float | None = None  # in `currency`
    revenue: float | None = None  # in `currency`; None when no demand has a price (summary.json profit)
    margin: float | None = None  # revenue - total cost, in `currency`; None without a revenue
    rework_cost: float | None = None  # the rework category, in `currency`; None without rework
    currency: str | None = None
    time_unit: str | None = None
    file: str | None = None  # the input file as given
    file_sha256: str | None = None
    scenario_sha256: str | None = None
    overrides: tuple[str, ...] = ()  # short: a what-if file's stem, `path=value`, `-path` (removed)
    label: str = ""  # what the folder's name adds to the scenario's (runs.run_label)
    points: int | None = None  # sweeps and frontiers
    problem: str | None = None  # damaged: what is wrong
    tables: dict[str, Path] = field(default_factory=dict)  # table name -> Parquet file
    summary: dict = field(default_factory=dict, repr=False)  # summary.json or sweep.json as read

    def as_dict(self) -> dict[str, Any]:
        """Every field as plain JSON values (paths as text, tables by name), for `runs list --json`."""
        return {
            "name": self.name,
            "path": str(self.path),
            "kind": self.kind,
            "created": self.created,
            "scenario": self.scenario,
            "status": self.status,
            "total_cost": self.total_cost,
            "revenue": self.revenue,
            "margin": self.margin,
            "rework_cost": self.rework_cost,
            "currency": self.currency,
            "time_unit": self.time_unit,
            "file": self.file,
            "file_sha256": self.file_sha256,
            "scenario_sha256": self.scenario_sha256,
            "overrides": list(self.overrides),
            "label": self.label,
            "points": self.points,
            "problem": self.problem,
            "tables": sorted(self.tables),
        }


@dataclass(frozen=True)
class Catalogue:
    """The folders under a runs folder: its entries sorted by time, the sweeps' points, and the folders
    that are no run (named, so that a command can say what it left out)."""

    root: Path
    entries: list[Entry]
    points: list[Entry]
    skipped: list[Path]

    def queryable(self) -> list[Entry]:
        """Entries and points whose tables can be read (damaged ones have none)."""
        return [e for e in [*self.entries, *self.points] if e.kind != "damaged"]


def scan(root: str | Path) -> Catalogue:
    """Read every folder directly under `root` (not hidden ones: staging and removals in progress)."""
    root = Path(root)
    if not root.is_dir():
        why = "is not a folder" if root.exists() else "does not exist"
        raise CatalogueError(f"runs folder {root} {why}; give the folder `e2eopt solve --out` wrote to (--runs DIR)")
    entries, points, skipped = [], [], []
    try:
        children = sorted(p for p in root.iterdir() if not p.name.startswith("."))
    except OSError as error:
        raise CatalogueError(f"runs folder {root} cannot be read: {error.strerror or error}") from None
    for child in children:
        if not child.is_dir() or child.is_symlink():
            continue
        entry = read_entry(child, child.name)
        if entry is None:
            skipped.append(child)
            continue
        entries.append(entry)
        if entry.kind == "sweep":
            points.extend(sweep_points(entry))
    return Catalogue(root, sorted(entries, key=_order), points, skipped)


def _order(entry: Entry) -> tuple[str, str]:
    return entry.created, entry.name


def read_entry(folder: Path, name: str) -> Entry | None:
    """The folder as a catalogue entry; None when it is no run at all (it holds none of e2eopt's files)."""
    kind = _kind(folder)
    if kind is None:
        return None
    try:
        if kind == "sweep":
            return _sweep(folder, name)
        return _run(folder, name, kind)
    except _Damaged as damage:
        return Entry(name, folder, "damaged", _created_from_name(folder) or _mtime(folder), problem=str(damage))


def _kind(folder: Path) -> str | None:
    """The folder's kind (model.run_folder.folder_kind); None for a comparison or no folder of e2eopt's."""
    try:
        kind = folder_kind(folder)
    except RunFolderError:
        return None
    return None if kind == "comparison" else kind


def is_point(folder: Path) -> bool:
    """Whether the folder is a sweep's point: it holds point.yaml, or lies in a sweep's points/ (a
    point that failed before the solver has only its summary.json)."""
    return (folder / POINT_RECORD).is_file() or in_sweep(folder)


def is_run_like(folder: Path) -> bool:
    """Whether e2eopt wrote the folder as a run, point, sweep or frontier (model.run_folder.folder_kind:
    a folder holding only a scenario.yaml is the user's, not a run)."""
    return _kind(folder) is not None


class _Damaged(Exception):
    """What makes a run-like folder unreadable (becomes its entry's `problem`)."""


def _damaged(error: RunFolderError) -> _Damaged:
    """The entry's problem: the file by its name (the entry names the folder), missing or damaged and why."""
    if error.missing:
        return _Damaged(f"{error.path.name} is missing")
    return _Damaged(f"{error.path.name} is damaged ({error.reason})")


def _run(folder: Path, name: str, kind: str) -> Entry:
    """A run (or a sweep's point, or a frontier) from its summary.json; _Damaged if a table is missing."""
    try:
        summary = read_summary(folder)
        if kind == "frontier":
            return _frontier(folder, name, summary)
        tables = table_files(folder, summary)
    except RunFolderError as error:
        raise _damaged(error) from None
    if kind == "run" and not (folder / "scenario.yaml").is_file():
        raise _Damaged("scenario.yaml is missing")
    given = _mapping(summary.get("input"))
    return Entry(
        name,
        folder,
        kind,
        _text(summary.get("created_utc")) or _created_from_name(folder),
        scenario=_text(summary.get("scenario")),
        status=summary["status"],
        total_cost=_number(summary.get("total_cost")),
        revenue=_number(_mapping(summary.get("profit")).get("revenue")),
        margin=_number(_mapping(summary.get("profit")).get("margin")),
        rework_cost=_number(_mapping(summary.get("cost_of_poor_quality")).get("rework_cost")),
        currency=_text(summary.get("currency")),
        time_unit=_text(summary.get("time_unit")),
        file=_text(given.get("file")),
        file_sha256=_text(given.get("file_sha256")),
        scenario_sha256=_text(given.get("scenario_sha256")),
        overrides=short_overrides(_list(summary.get("overrides"))),
        label=_text(summary.get("label")) or "",
        tables=tables,
        summary=summary,
    )


def _frontier(folder: Path, name: str, summary: dict) -> Entry:
    """A trade-off curve's folder: one point per value of the varied target."""
    given = _mapping(summary.get("input"))
    values = _list(summary.get("values"))
    demands = ",".join(str(d) for d in _list(summary.get("demands"))) or "all demands"
    return Entry(
        name,
        folder,
        "frontier",
        _text(summary.get("created_utc")) or _created_from_name(folder),
        scenario=_text(summary.get("scenario")),
        status=_counts(summary.get("statuses")),
        currency=_text(summary.get("currency")),
        time_unit=_text(summary.get("time_unit")),
        file=_text(given.get("file")),
        file_sha256=_text(given.get("file_sha256")),
        scenario_sha256=_text(given.get("scenario_sha256")),
        overrides=(f"{summary.get('field')} of {demands}",),
        points=len(values),
        tables=table_files(folder, {"tables": ["frontier"]}),
        summary=summary,
    )


def _sweep(folder: Path, name: str) -> Entry:
    """A sweep's folder from its plan (sweep.json) and, once the sweep has finished, its points table."""
    try:
        plan = read_json_object(folder / "sweep.json")
        tables = table_files(folder, {"tables": ["points"]}) if (folder / "points.parquet").exists() else {}
    except RunFolderError as error:
        raise _damaged(error) from None
    planned = _list(plan.get("points"))
    scenario = _mapping(plan.get("scenario"))
    axes = [_mapping(a) for a in _list(plan.get("axes"))]
    finished = sum(1 for p in (folder / "points").glob("*/summary.json"))
    status = _points_status(tables["points"]) if tables else f"unfinished: {finished} of {len(planned)} points"
    return Entry(
        name,
        folder,
        "sweep",
        _created_from_name(folder) or _mtime(folder / "sweep.json"),
        scenario=_text(scenario.get("name")),
        status=status,
        currency=_text(scenario.get("currency")),
        time_unit=_text(scenario.get("time_unit")),
        file=_text(plan.get("base_file")),
        file_sha256=_text(plan.get("base_sha256")),
        overrides=tuple(f"{a.get('path')}={','.join(str(v) for v in _list(a.get('values')))}" for a in axes),
        points=len(planned),
        tables=tables,
        summary=plan,
    )


def sweep_points(sweep: Entry) -> list[Entry]:
    """The sweep's point folders as runs of kind `point` (a damaged one as damaged)."""
    found = []
    for folder in sorted((sweep.path / "points").glob("[0-9]*")):
        if folder.is_dir() and not folder.is_symlink():
            name = f"{sweep.name}/points/{folder.name}"
            try:
                found.append(_run(folder, name, "point"))
            except _Damaged as damage:
                found.append(Entry(name, folder, "damaged", _mtime(folder), problem=str(damage)))
    return found


def _points_status(path: Path) -> str:
    """'2 optimal, 1 infeasible': the statuses of a finished sweep's points table."""
    import pyarrow.parquet as pq

    try:
        statuses = pq.read_table(path, columns=["status"]).column("status").to_pylist()
    except Exception as error:  # pyarrow's errors have no common base; a bad file is the folder's damage
        raise _Damaged(f"points.parquet cannot be read: {error}") from None
    counts: dict[str, int] = {}
    for status in statuses:
        counts[str(status)] = counts.get(str(status), 0) + 1
    return _counts(counts) or "no points"


def short_overrides(applied: Sequence[object]) -> tuple[str, ...]:
    """summary.json's `overrides` in short: a what-if file by its stem (once, however many lines it
    has), a command-line or grid override as typed (`roles.*.cost_per_fte=*1.1`, `-nodes.x` removed)."""
    shown: dict[str, None] = {}
    for item in applied:
        if not isinstance(item, dict):
            continue
        origin, path, value = str(item.get("origin", "")), item.get("override"), item.get("value")
        where, colon, line = origin.rpartition(":")
        if colon and line.isdigit():  # written in a file, at that line: the what-if by its stem
            shown[Path(where).stem] = None
        elif value == "removed":
            shown[f"-{path}"] = None
        else:
            shown[f"{path}={value}"] = None
    return tuple(shown)


def _counts(counts: object) -> str | None:
    if not isinstance(counts, dict) or not counts:
        return None
    return ", ".join(f"{n} {status}" for status, n in counts.items())


def _mapping(value: object) -> dict:
    """A JSON object read from a file, or {} when the file holds something else there."""
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list:
    """A JSON array read from a file, or [] when the file holds something else there."""
    return value if isinstance(value, list) else []


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: object) -> float | None:
    """A finite number read from JSON; None for anything else (NaN too: JSON has no NaN)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _created_from_name(folder: Path) -> str:
    """The UTC time a generated folder name starts with, as ISO 8601; '' when it has none."""
    found = STAMP.match(folder.name)
    try:
        stamp = datetime.strptime(found.group(1), "%Y%m%dT%H%M%SZ") if found else None
    except ValueError:  # digits in the shape of a time that is none (month 13)
        return ""
    return stamp.replace(tzinfo=UTC).isoformat(timespec="seconds") if stamp else ""


def _mtime(path: Path) -> str:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")
    except OSError:
        return ""


# --- one run, by name or path ------------------------------------------------------------------------


def find(root: str | Path, run: str) -> Entry:
    """The run named `run`: a folder path as given (absolute, or relative to the current folder), else a
    name under the runs folder (`<folder>` or `<sweep>/points/NNNN`). CatalogueError when it is no run."""
    root = Path(root)
    given = Path(run)
    folder = given if given.is_dir() else root / run
    if not folder.is_dir():
        raise CatalogueError(f"{run}: no such run folder (looked in the current folder and in {root})")
    if folder.is_symlink():
        raise CatalogueError(f"{run}: a symbolic link; give the folder it points to")
    entry = read_entry(folder, _name_under(folder, root))
    if entry is None:
        raise CatalogueError(
            f"{run}: not a run folder: it holds no summary.json, sweep.json or point.yaml "
            "(only folders `e2eopt solve`, `sweep` or `frontier` wrote are runs)"
        )
    return entry


def _name_under(folder: Path, root: Path) -> str:
    """The folder's path relative to the runs folder, or its own path when it lies elsewhere."""
    try:
        return folder.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(folder)


def table_rows(entry: Entry) -> dict[str, int]:
    """Each table's row count, from its Parquet footer (nothing else is read)."""
    import pyarrow.parquet as pq

    return {name: pq.ParquetFile(path).metadata.num_rows for name, path in sorted(entry.tables.items())}


def refusal(entry: Entry) -> str | None:
    """Why `remove` will not take the entry (None: it will). The folder itself is looked at, not only
    what the entry says: a damaged point is still a point."""
    if entry.kind == "point" or is_point(entry.path):
        return (
            f"a sweep's point: its sweep's points table names it; remove the whole sweep ({entry.path.parent.parent})"
        )
    if entry.kind not in REMOVABLE or not is_run_like(entry.path) or entry.path.is_symlink():
        return "not a run folder"
    return None


def remove(entry: Entry) -> None:
    """Delete a run, sweep, frontier or damaged folder: renamed to a hidden name first (atomic), so no
    reader sees half of it, then deleted. A sweep is removed holding its lock, never while it runs.
    CatalogueError for anything else (a sweep's point alone, a folder that is no run)."""
    refused = refusal(entry)
    if refused is not None:
        raise CatalogueError(f"{entry.name}: {refused}; nothing was removed")
    hidden = entry.path.with_name(f".removing-{os.getpid()}-{entry.path.name}"[:250])
    if entry.kind == "sweep":
        from model.sweep import SweepError, locked

        try:
            with locked(entry.path):
                os.rename(entry.path, hidden)
        except SweepError as error:
            raise CatalogueError(f"{entry.name}: {error}; nothing was removed") from None
    else:
        os.rename(entry.path, hidden)
    shutil.rmtree(hidden)


# --- SQL over every run's tables ---------------------------------------------------------------------

RUNS_COLUMNS = (
    "run",
    "kind",
    "scenario",
    "status",
    "objective",
    "total_cost",
    "revenue",
    "margin",
    "rework_cost",
    "currency",
    "time_unit",
    "created",
    "file",
    "file_sha256",
    "scenario_sha256",
    "overrides",
    "label",
    "sweep",
    "point",
    "problem",
)
"""The `runs` view: one row per run and per sweep point (damaged ones too, with their problem)."""


RUNS_TYPES = {
    "objective": "DOUBLE",
    "total_cost": "DOUBLE",
    "revenue": "DOUBLE",
    "margin": "DOUBLE",
    "rework_cost": "DOUBLE",
    "point": "INTEGER",
}
"""The `runs` view's columns that are not text."""


def runs_rows(catalogue: Catalogue) -> list[tuple]:
    """The `runs` view's rows: the runs and sweep points (sweeps and frontiers are in their own views)."""
    rows = []
    for entry in [*catalogue.entries, *catalogue.points]:
        if entry.kind in ("sweep", "frontier"):
            continue
        sweep, _, point = entry.name.partition("/points/")
        row = {
            "run": entry.name,
            "kind": entry.kind,
            "scenario": entry.scenario,
            "status": entry.status,
            "objective": _number(entry.summary.get("objective")),
            "total_cost": entry.total_cost,
            "revenue": entry.revenue,
            "margin": entry.margin,
            "rework_cost": entry.rework_cost,
            "currency": entry.currency,
            "time_unit": entry.time_unit,
            "created": entry.created or None,
            "file": entry.file,
            "file_sha256": entry.file_sha256,
            "scenario_sha256": entry.scenario_sha256,
            "overrides": ", ".join(entry.overrides) or None,
            "label": entry.label or None,
            "sweep": sweep if point else None,
            "point": int(point) if point.isdigit() else None,
            "problem": entry.problem,
        }
        rows.append(tuple(row[column] for column in RUNS_COLUMNS))
    return rows


INTROSPECTION = re.compile(r"\b(show|information_schema|duckdb_\w+|pg_catalog|sqlite_master)\b", re.IGNORECASE)
"""SQL that asks which tables there are: every view is made for it, not only the ones it names."""


def connect(catalogue: Catalogue, sql: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB database with a view per table name across every run, sweep point, sweep
    (`points`) and frontier (`frontier`) holding it: `run` (the entry's name) first, then the table's
    columns (united by name: a column some runs lack is null there); and the `runs` view.

    Making a view reads the footer of each of its files (to unite their columns), 2,200 of them for
    200 runs: given `sql`, only the views it names are made (all of them when it asks for the list)."""
    import duckdb

    database = duckdb.connect(":memory:")
    files: dict[str, list[tuple[str, Path]]] = {}
    for entry in catalogue.queryable():
        for table, path in entry.tables.items():
            files.setdefault(table, []).append((entry.name, path))
    everything = sql is None or INTROSPECTION.search(sql) is not None
    for table, found in sorted(files.items()):
        if table == "runs":
            continue  # the summaries' view has the name
        if everything or re.search(rf"(?<!\w){re.escape(table)}(?!\w)", sql or "", re.IGNORECASE):
            database.execute(_view(table, found))
    columns = ", ".join(f"{_identifier(c)} {RUNS_TYPES.get(c, 'VARCHAR')}" for c in RUNS_COLUMNS)
    database.execute(f"CREATE TABLE runs ({columns})")  # a table, filled here: no pandas to load
    rows = runs_rows(catalogue)
    one = f"({', '.join('?' * len(RUNS_COLUMNS))})"
    for start in range(0, len(rows), 500):  # one statement per 500 rows: executemany takes 3 ms a row
        batch = rows[start : start + 500]
        database.execute(f"INSERT INTO runs VALUES {', '.join([one] * len(batch))}", [v for row in batch for v in row])
    return database


def _view(table: str, found: Sequence[tuple[str, Path]]) -> str:
    """CREATE VIEW for one table: every file read at once, each row's `run` from the file it came from."""
    paths = ", ".join(_literal(str(path)) for _, path in found)
    runs = " ".join(f"WHEN {_literal(str(path))} THEN {_literal(run)}" for run, path in found)
    return (
        f"CREATE VIEW {_identifier(table)} AS SELECT CASE filename {runs} END AS run, * EXCLUDE (filename) "
        f"FROM read_parquet([{paths}], union_by_name = true, filename = true)"
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _identifier(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@dataclass(frozen=True)
class Answer:
    """A query's result: its columns, rows, the unit of each column whose unit is known, which of
    them are money (their unit is a currency of the runs), and the columns left without a unit
    because the tables read give them different ones (column -> unit -> the tables giving it; ''
    for a table where the column has none)."""

    columns: list[str]
    rows: list[tuple]
    units: dict[str, str]
    money: frozenset[str] = frozenset()
    differing: dict[str, dict[str, list[str]]] = field(default_factory=dict)


def query(catalogue: Catalogue, sql: str) -> Answer:
    """Run `sql` over the catalogue's views; CatalogueError with DuckDB's own message when it fails.
    The units are those of the tables the SQL reads (tables_read), not of every table."""
    import duckdb

    database = connect(catalogue, sql)
    try:
        result = database.execute(sql)
        if result.description is None:  # a statement with no result (SET, CREATE ...)
            return Answer([], [], {})
        columns = [d[0] for d in result.description]
        rows = result.fetchall()
        found = units_found(catalogue, database, tables_read(database, sql))
    except duckdb.Error as error:
        raise CatalogueError(str(error)) from None
    finally:
        database.close()
    units = {c: next(iter(found[c])) for c in columns if len(found.get(c, {})) == 1 and "" not in found[c]}
    differing = {c: found[c] for c in columns if len(found.get(c, {})) > 1}
    currencies = {e.currency for e in catalogue.queryable() if e.currency}
    money = frozenset(c for c, unit in units.items() if unit in currencies)
    return Answer(columns, rows, units, money, differing)


def tables_read(database: duckdb.DuckDBPyConnection, sql: str) -> set[str]:
    """The catalogue's views and tables that `sql` reads: the names DuckDB's parser finds in it
    (`duckdb.get_table_names`: not a CTE's own name, not a word in a string), those the database
    holds; by the names written in the SQL when the parser cannot tell (it binds table functions)."""
    import duckdb

    held = {
        row[0]
        for row in database.execute(
            "SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
    }
    try:
        named = {name.rsplit(".", 1)[-1].lower() for name in duckdb.get_table_names(sql)}
    except duckdb.Error:
        named = {name for name in held if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", sql, re.IGNORECASE)}
    return {name for name in held if name.lower() in named}


def units_found(
    catalogue: Catalogue, database: duckdb.DuckDBPyConnection, tables: set[str]
) -> dict[str, dict[str, list[str]]]:
    """Column name -> unit -> the tables (of `tables`) that give the column that unit, in any run; ''
    where a table holds the column with no unit in every run (a key, a text). A name with one unit is
    that unit; with two (`marginal_cost`: EUR per unit in demand_kpis, EUR per percentage point in a
    frontier of min_quality; `amount` in runs of two currencies) it has none, and says why. A
    computed column has none unless named after a column (`sum(amount) AS amount`)."""
    if not tables:
        return {}
    held: dict[str, set[str]] = {}
    marks = ", ".join("?" * len(tables))
    for table, column in database.execute(
        f"SELECT table_name, column_name FROM duckdb_columns() WHERE table_name IN ({marks})", sorted(tables)
    ).fetchall():
        held.setdefault(table, set()).add(column)
    by_table: dict[str, dict[str, set[str]]] = {}
    for entry in catalogue.queryable():
        for table, units in _entry_units(entry, database, tables).items():
            for column, unit in units.items():
                by_table.setdefault(table, {}).setdefault(column, set()).add(unit)
    found: dict[str, dict[str, set[str]]] = {}
    for table in sorted(tables):
        for column in held.get(table, set()) - {"run"}:
            for unit in by_table.get(table, {}).get(column) or {""}:
                found.setdefault(column, {}).setdefault(unit, set()).add(table)
    return {column: {unit: sorted(names) for unit, names in units.items()} for column, units in found.items()}


def _entry_units(entry: Entry, database: duckdb.DuckDBPyConnection, tables: set[str]) -> dict[str, dict[str, str]]:
    """Table -> column -> unit for the entry's tables among `tables`: a run's from its summary.json, a
    sweep's or frontier's from the Parquet metadata (where model/runs.write_parquet puts them, from
    the declaration in model/tables.py); and the `runs` view's money columns."""
    found: dict[str, dict[str, str]] = {}
    if "runs" in tables and entry.kind in ("run", "point") and entry.currency:
        found["runs"] = {
            column: entry.currency for column in ("objective", "total_cost", "revenue", "margin", "rework_cost")
        }
    summary_units = _mapping(entry.summary.get("units")) if entry.kind in ("run", "point") else {}
    for table in tables & set(entry.tables):
        if isinstance(summary_units.get(table), dict):
            found[table] = summary_units[table]
            continue
        stored = database.execute(
            "SELECT value FROM parquet_kv_metadata(?) WHERE key = 'units'::BLOB", [str(entry.tables[table])]
        ).fetchall()
        try:
            found[table] = _mapping(json.loads(stored[0][0])) if stored else {}
        except ValueError:
            found[table] = {}
    return found
