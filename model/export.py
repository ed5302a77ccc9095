"""Exports of a run folder for finance: an xlsx workbook, rounded CSV files, or the exact Parquet tables.

The workbook and the CSV export present money rounded to cents so that it still adds up: each money
column that sums to a total (kind `money` in model/tables.py: costs.amount, staffing.cost, work.cost,
flows.cost, the cost-to-serve components...) is rounded by largest remainder, so the rounded rows sum
to the exact total rounded to the cent. Rounding each row on its own does not (appliance-co's costs:
2,234,629.66 against a total of 2,234,629.68). Other floats are kept at their kind's significant
digits, as in the run folder's CSV files; the Parquet export is the run's exact tables.

Everything is written under a temporary name beside the target and renamed into place, so a failed
export leaves nothing half-written; an earlier export at the same place is replaced.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.run_folder import COLUMNS_FILE, RunFolderError, folder_kind, read_summary, read_tables
from model.staging import OutputError, check_output_file, staged_file
from model.table_io import write_csv
from model.tables import KINDS, RESULT_TABLES, TABLES, dictionary, round_significant

FORMATS = ("xlsx", "csv", "parquet")


class ExportError(Exception):
    """The run cannot be exported as asked (not a run, no tables, a bad --out): the message says why."""


@dataclass
class Run:
    """A run folder read for export: its summary and its result tables (exact, from Parquet)."""

    folder: Path
    summary: dict
    tables: dict[str, pd.DataFrame]

    @property
    def currency(self) -> str:
        return str(self.summary.get("currency", ""))

    @property
    def time_unit(self) -> str:
        return str(self.summary.get("time_unit", ""))


def read_run_tables(folder: str | Path) -> Run:
    """The run's summary and result tables, in their declared columns (model.run_folder); ExportError
    when the folder is not a run, or holds no result tables (an infeasible or failed run), or a table
    is missing or damaged."""
    folder = Path(folder)
    try:
        kind = folder_kind(folder)
    except RunFolderError:
        kind = None
    if kind == "sweep":
        raise ExportError(f"{folder}: a sweep folder, not a run; export one of its points ({folder / 'points'}/NNNN)")
    if kind not in ("run", "point") or not (folder / "summary.json").is_file():
        what = f"a {kind} folder" if kind in ("frontier", "comparison") else "it holds no summary.json"
        raise ExportError(f"{folder}: not a run folder: {what} (give a folder `e2eopt solve` wrote)")
    try:
        summary = read_summary(folder)
        listed = summary.get("tables", [])
        names = [name for name in RESULT_TABLES if name in listed]  # in the order runs write them
        if not names:
            status = summary.get("status", "unknown")
            raise ExportError(
                f"{folder}: the run's status is {status} and it holds no result tables: nothing to export"
                + (" (its diagnosis is in diagnosis.csv)" if (folder / "diagnosis.csv").is_file() else "")
            )
        return Run(folder, summary, read_tables(folder, summary, names))
    except RunFolderError as error:
        raise ExportError(str(error)) from None


# --- money rounded so that it adds up -------------------------------------------------------------


def cents_that_add_up(values: np.ndarray) -> np.ndarray:
    """The values rounded to cents by largest remainder: each value goes down or up to a cent, and
    the rounded values sum exactly (in cents) to the exact sum rounded to the cent. NaN stays NaN.
    Ties of remainder go to the earlier row, so the result does not depend on anything but the order."""
    values = np.asarray(values, dtype=float)
    out = np.full(len(values), np.nan)
    present = np.isfinite(values)
    if not present.any():
        return out
    scaled = values[present] * 100.0
    floor = np.floor(scaled)
    target = total_in_cents(values[present])
    short = int(target - floor.sum())  # cents still to hand out: 0 <= short <= rows
    order = np.argsort(-(scaled - floor), kind="stable")
    floor[order[: max(0, min(short, len(floor)))]] += 1.0
    out[present] = floor / 100.0
    return out


def total_in_cents(values: np.ndarray) -> int:
    """The exact sum of the values (math.fsum: no rounding on the way), rounded to a whole cent: the
    total every rounded money column adds up to, and the total the run sheet shows."""
    return round(math.fsum(np.asarray(values, dtype=float).tolist()) * 100.0)


def presented(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """A table as the rounded exports show it: money that adds up rounded to cents by largest
    remainder (per column), other money to cents, other floats at their kind's significant digits;
    infinities (unbounded ends of ranges) empty."""
    declared = TABLES[table]
    changed: dict[str, np.ndarray] = {}
    for name in frame.columns:
        if frame[name].dtype != np.float64:
            continue
        kind = KINDS[declared.column(str(name)).kind]
        values = frame[name].to_numpy(dtype=float, copy=True)
        values[np.isinf(values)] = np.nan
        if kind.sums:
            changed[name] = cents_that_add_up(values)
        elif kind.cents:
            changed[name] = np.round(values, 2)
        else:
            changed[name] = round_significant(values, kind.digits or 17)
    return frame.assign(**changed) if changed else frame


# --- writing atomically -----------------------------------------------------------------------------


def _is_export_folder(folder: Path) -> bool:
    """Whether a folder holds only what an export writes (columns.csv, CSV and Parquet files)."""
    entries = list(folder.iterdir())
    return any(p.name == COLUMNS_FILE for p in entries) and all(
        p.is_file() and p.suffix in (".csv", ".parquet") for p in entries
    )


@contextmanager
def _staged_folder(target: Path) -> Iterator[Path]:
    """A temporary folder beside `target`, put in its place when the block ends without error (an
    earlier export there is replaced; any other folder that is not empty is refused before)."""
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        yield staging
        os.chmod(staging, 0o755)
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.rename(target, old)
            os.rename(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def default_target(run: Path, format_: str) -> Path:
    """RUN/<run folder name>.xlsx, or RUN/<run folder name>-csv/ or -parquet/."""
    name = run.resolve().name
    return run / (f"{name}.xlsx" if format_ == "xlsx" else f"{name}-{format_}")


def check_target(target: Path, format_: str) -> None:
    """ExportError before any work when `target` cannot take this export: an xlsx export needs a
    `.xlsx` file; CSV and Parquet a folder (new, empty or an earlier export) or a `.zip` file."""
    if format_ not in FORMATS:
        raise ExportError(f"--format {format_}: not allowed; choose {', '.join(FORMATS[:-1])} or {FORMATS[-1]}")
    zipped = target.suffix.lower() == ".zip"
    if format_ == "xlsx" and target.suffix.lower() != ".xlsx":
        raise ExportError(f"--out {target}: an xlsx export is written to a file ending in .xlsx")
    if format_ == "xlsx" or zipped:
        if target.is_dir():
            raise ExportError(f"--out {target}: is a folder; give a file name")
    elif target.exists() and (not target.is_dir() or (any(target.iterdir()) and not _is_export_folder(target))):
        raise ExportError(
            f"--out {target}: exists and is not an earlier export (a folder of CSV/Parquet files with "
            f"{COLUMNS_FILE}); give a new folder, or a name ending in .zip"
        )
    try:
        check_output_file(target)
    except OutputError as error:
        raise ExportError(f"--out {target}: {error.said_of(target)}") from None


def export(run_folder: str | Path, format_: str, target: str | Path | None = None) -> Path:
    """Export a run folder as `format_` (xlsx, csv or parquet) to `target` (default: default_target);
    returns where. ExportError for a bad run or target, before anything is written."""
    run = read_run_tables(run_folder)
    target = Path(target) if target is not None else default_target(run.folder, format_)
    check_target(target, format_)
    return write_export(run, format_, target)


def write_export(run: Run, format_: str, target: Path) -> Path:
    """Write the export of a run read by read_run_tables to a target check_target accepted."""
    if format_ == "xlsx":
        too_long = [name for name, frame in run.tables.items() if len(frame) + 2 > EXCEL_ROWS]
        if too_long:
            raise ExportError(
                f"{', '.join(too_long)}: more rows than a worksheet holds ({EXCEL_ROWS:,} with the two header "
                "rows); export with --format csv or parquet"
            )
        with staged_file(target) as staging:
            write_workbook(run, staging)
        return target
    files = _csv_files if format_ == "csv" else _parquet_files
    if target.suffix.lower() == ".zip":
        with staged_file(target) as staging, tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as work:
            files(run, Path(work))
            with zipfile.ZipFile(staging, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(Path(work).iterdir()):
                    archive.write(path, path.name)
        return target
    with _staged_folder(target) as staging:
        files(run, staging)
    return target


def _csv_files(run: Run, folder: Path) -> None:
    """The rounded tables as CSV, and columns.csv."""
    for name, frame in run.tables.items():
        write_csv(presented(frame, name), folder / f"{name}.csv")
    write_csv(dictionary(run.tables, run.currency, run.time_unit), folder / COLUMNS_FILE)


def _parquet_files(run: Run, folder: Path) -> None:
    """The run's exact Parquet tables, as written, and columns.csv."""
    for name in run.tables:
        shutil.copyfile(run.folder / f"{name}.parquet", folder / f"{name}.parquet")
    write_csv(dictionary(run.tables, run.currency, run.time_unit), folder / COLUMNS_FILE)


# --- the workbook ----------------------------------------------------------------------------------

EXCEL_ROWS = 1_048_576
"""Rows a worksheet holds."""

MAX_WIDTH = 60
"""Widest column of the workbook, in characters: longer text (sentences) wraps past it."""


def write_workbook(run: Run, path: Path) -> None:
    """The workbook: a first sheet `run` (what was solved, its status and total, the currency, the
    package versions), then one sheet per table named by its file stem: the column names, then their
    units, both frozen; an autofilter; number formats by kind; widths that fit the content.

    Written in openpyxl's write-only mode, row by row as the rows are made: a cell-by-cell workbook
    of a 100,000-variable run's tables took 3 minutes and 1.1 GB."""
    from openpyxl import Workbook  # here: only an xlsx export needs it

    book = Workbook(write_only=True)
    _run_sheet(book.create_sheet("run"), run)
    for name, frame in run.tables.items():
        _table_sheet(book.create_sheet(name), presented(frame, name), name, run)
    book.save(path)


def _run_sheet(sheet: Any, run: Run) -> None:
    """What was solved and how it ended, one field a row; money in the money format. The package
    versions are the solve's (summary.json), then the export's own (`exported with`): a workbook made
    later, or by another version of e2eopt, says so."""
    from openpyxl.styles import Font

    from model.runs import package_version

    exported_with = ("e2e-optimiser", "openpyxl")

    summary = run.summary
    given = summary.get("input", {}) if isinstance(summary.get("input"), dict) else {}
    rows: list[tuple[str, object, str]] = [
        ("scenario", summary.get("scenario"), ""),
        ("run folder", run.folder.resolve().name, ""),
        ("status", summary.get("status"), ""),
        ("objective", summary.get("objective"), _objective_note(summary, run.currency)),
        ("total cost (rounded to the cent)", _rounded_total(run), run.currency),
        *_profit_rows(summary, run.currency, _rounded_total(run)),
        ("currency", run.currency, ""),
        ("time unit", run.time_unit, ""),
        ("input file", given.get("file"), ""),
        ("input hash (scenario_sha256)", given.get("scenario_sha256"), "SHA-256 of the scenario solved"),
        ("created (UTC)", summary.get("created_utc"), ""),
        ("exported (UTC)", datetime.now(UTC).isoformat(timespec="seconds"), ""),
        (
            "money",
            "rounded to cents; each money column that adds up sums to its exact total rounded to the cent "
            "(largest remainder). Exact figures: the run's Parquet files",
            "",
        ),
        *((f"package {name}", version, "solved with") for name, version in summary.get("packages", {}).items()),
        *((f"exported with {name}", package_version(name), "wrote this workbook") for name in exported_with),
    ]
    for letter, width in {"A": 34, "B": 70, "C": 32}.items():
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_styled(sheet, text, font=Font(bold=True)) for text in ("field", "value", "note")])
    for field, value, note in rows:
        shown = _cell(value)
        if field in ("objective", "total cost (rounded to the cent)", "revenue", "margin") and isinstance(shown, float):
            shown = _styled(sheet, shown, number_format=KINDS["money"].excel)
        sheet.append([field, shown, note])


def _objective_note(summary: dict, currency: str) -> str:
    """The objective row's note: under `objective: margin` the LP's value is no cost."""
    if (summary.get("profit") or {}).get("objective") == "margin":
        return f"{currency}, the LP's value: total cost + revenue forgone"
    return currency


def _profit_rows(summary: dict, currency: str, total: float | None = None) -> list[tuple[str, object, str]]:
    """The objective's kind, revenue and margin (summary.json's `profit`), when some demand has a
    price or the run maximised the margin; none otherwise. Revenue and margin are rounded to the cent
    as the total cost is: the margin is the rounded revenue - `total` (the rounded total cost), in
    cents, so that the three rows agree to the cent."""
    profit = summary.get("profit") or {}
    if profit.get("revenue") is None and profit.get("objective") != "margin":
        return []
    dropped = profit.get("dropped") or []
    revenue, margin = profit.get("revenue"), profit.get("margin")
    if isinstance(revenue, (int, float)):
        cents = round(float(revenue) * 100)
        revenue = cents / 100.0
        if total is not None:
            margin = (cents - round(total * 100)) / 100.0
        elif isinstance(margin, (int, float)):
            margin = round(float(margin) * 100) / 100.0
    rows: list[tuple[str, object, str]] = [
        ("optimised", profit.get("objective"), "cost, or margin: revenue - cost (objective = cost + revenue forgone)"),
        ("revenue", revenue, f"{currency}, rounded to the cent"),
        ("margin", margin, f"{currency}, revenue - total cost, rounded to the cent"),
    ]
    if profit.get("objective") == "margin":
        names = ", ".join(str(row["demand"]) for row in dropped) or "none"
        rows.append(("demands dropped", names, "units never served: demand_kpis unmet"))
    return rows


def _styled(sheet: Any, value: object, **style: object) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value)
    for attribute, setting in style.items():
        setattr(cell, attribute, setting)
    return cell


def _rounded_total(run: Run) -> float | None:
    """The costs table's total rounded to the cent as its sheet's rows add up to it (total_in_cents),
    so that the run sheet and the costs sheet agree to the cent; None for a run without costs."""
    costs = run.tables.get("costs")
    if costs is None:
        return None
    amounts = costs.amount.to_numpy(dtype=float)
    return total_in_cents(amounts[np.isfinite(amounts)]) / 100.0


def _cell(value: object) -> object:
    """A value as a cell takes it: NaN, infinities and pandas' NA empty, numpy scalars as Python's."""
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


def _values(column: pd.Series) -> list[object]:
    """A column's cells as Python values, missing values (NaN, NA, infinities) as None."""
    if column.dtype == np.float64:
        values = column.to_numpy()
        return pd.Series(values, dtype=object).where(np.isfinite(values), None).tolist()
    return column.astype(object).where(column.notna(), None).tolist()


def _table_sheet(sheet: Any, frame: pd.DataFrame, name: str, run: Run) -> None:
    """One table: names (bold) and units (italic) frozen above the rows, a filter on the units row
    (so that sorting never moves it), number formats by kind, widths that fit."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    declared = TABLES[name]
    labels = [str(column) for column in frame.columns]
    columns = [declared.column(label) for label in labels]
    units = [column.unit_in(run.currency, run.time_unit) for column in columns]
    for position, (label, column, unit) in enumerate(zip(labels, columns, units), start=1):
        width = _width(frame[label], column.kind, unit, label)
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A2:{get_column_letter(max(1, len(labels)))}{len(frame) + 2}"
    sheet.append([_styled(sheet, label, font=Font(bold=True)) for label in labels])
    sheet.append([_styled(sheet, unit or None, font=Font(italic=True)) for unit in units])
    formats = [KINDS[column.kind].excel for column in columns]
    cells = [_styled(sheet, None, number_format=f) if f != "General" else None for f in formats]
    for values in zip(*(_values(frame[label]) for label in labels)):
        row: list[object] = list(values)
        for position, cell in enumerate(cells):
            if cell is not None and row[position] is not None:
                cell.value = row[position]  # one styled cell per column, written as the row is sent
                row[position] = cell
        sheet.append(row)


def _width(values: pd.Series, kind: str, unit: str, name: str) -> float:
    """Characters the column needs: its name, its unit, and its widest value as formatted."""
    if len(values) == 0:
        widest = 0
    elif values.dtype == np.float64:
        finite = values[np.isfinite(values)]
        widest = 0 if finite.empty else len(_shown(float(finite.abs().max()), kind)) + 1
    else:
        widest = int(values.astype(str).str.len().max())
    return float(min(MAX_WIDTH, max(len(name), len(unit), widest) + 2))


def _shown(value: float, kind: str) -> str:
    """A float roughly as the workbook shows it in its kind's format (for the width)."""
    if kind == "share":
        return f"{value:.2%}"
    if KINDS[kind].excel.startswith("#,##0.00"):
        return f"{value:,.4f}" if kind == "price" else f"{value:,.2f}"
    return repr(value)


__all__ = [
    "FORMATS",
    "ExportError",
    "cents_that_add_up",
    "export",
    "presented",
    "read_run_tables",
    "write_export",
    "write_workbook",
]
