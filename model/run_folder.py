"""The one reader of the folders e2eopt writes: which kind a folder is, its summary.json, its tables.

Reports, exports, the catalogue of runs and `model.read_run` all read run folders here, so that they
agree on what a folder is and on what is wrong with a damaged one. Each raises RunFolderError, which
says which file is missing or damaged and why; each caller turns it into its own error (a report's,
an export's, the catalogue's damaged entry) in one place.

The kind of a folder, by the first rule that holds (folder_kind):
  comparison  comparison.json (model/compare.py)
  sweep       sweep.json (model/sweep.py)
  frontier    frontier.parquet, or a summary.json saying "kind": "frontier" (model/frontier.py): a
              frontier folder also holds summary.json and scenario.yaml, as a run folder does
  point       a sweep's point: point.yaml, or summary.json in the points/ folder of a sweep (a point
              that failed before the solver has only its summary.json)
  run         summary.json (model/runs.py), or scenario.yaml beside a result table (a run whose
              summary.json is lost is a damaged run, not the user's folder)
Anything else is no folder of e2eopt's (RunFolderError).

Light on purpose: pandas and pyarrow are imported inside the functions that read tables, so that a
command that only lists or checks folders starts quickly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from model.errors import E2EError

if TYPE_CHECKING:
    import pandas as pd

FolderKind = Literal["run", "point", "sweep", "frontier", "comparison"]

SUMMARY = "summary.json"
COLUMNS_FILE = "columns.csv"
"""The data dictionary written beside the tables (model.tables.dictionary)."""
POINT_RECORD = "point.yaml"
MARKERS: tuple[tuple[FolderKind, str], ...] = (
    ("comparison", "comparison.json"),
    ("sweep", "sweep.json"),
    ("frontier", "frontier.parquet"),
)
"""The file that tells a comparison, a sweep and a frontier apart, looked for in this order."""
REQUIRED_TEXTS = {"frontier": ("currency", "time_unit")}
"""What a summary.json of each kind must hold as text (any other kind: REQUIRED_TEXT)."""
REQUIRED_TEXT = ("status",)
"""What every run's and point's summary.json holds as text (a failed point's has no currency)."""
TEXTS = ("status", "currency", "time_unit", "scenario", "kind")
"""Keys that are text whenever a summary.json holds them."""
PARQUET_MAGIC = b"PAR1"
"""The four bytes a whole Parquet file starts and ends with."""


class RunFolderError(E2EError, ValueError):
    """A folder that is not what e2eopt writes, or a file in it that is missing or damaged.

    `path` is the folder or the file, `reason` why (for a damaged file: what is wrong with it), and
    `missing` whether the file is not there at all. A ValueError too, so that code catching a bad
    value read from a file (as model.compare does) catches this."""

    def __init__(self, path: str | Path, reason: str, missing: bool = False, message: str | None = None) -> None:
        self.path = Path(path)
        self.reason = reason
        self.missing = missing
        if message is None:
            message = f"{path} is missing" if missing else f"{path} is damaged ({reason})"
        super().__init__(message)


# --- the kind of a folder ------------------------------------------------------------------------------


def folder_kind(folder: str | Path) -> FolderKind:
    """What `folder` holds, by the rules in this module's docstring; RunFolderError (path: the folder)
    saying what was expected for a folder that is none of them."""
    folder = Path(folder)
    if not folder.exists():
        raise RunFolderError(folder, "no such folder", message=f"{folder}: no such folder")
    if not folder.is_dir():
        raise RunFolderError(
            folder,
            "not a folder",
            message=f"{folder}: not a folder; give a run, sweep, frontier or comparison folder",
        )
    for kind, marker in MARKERS:
        if (folder / marker).is_file():
            return kind
    summary = folder / SUMMARY
    if summary.is_file() and _says_frontier(summary):
        return "frontier"
    if (folder / POINT_RECORD).is_file() or (summary.is_file() and in_sweep(folder)):
        return "point"
    if summary.is_file() or ((folder / "scenario.yaml").is_file() and _holds_a_result_table(folder)):
        return "run"
    raise RunFolderError(
        folder,
        "not a folder e2eopt wrote",
        message=(
            f"{folder}: not a run, sweep, frontier or comparison folder (it holds no summary.json, no "
            "sweep.json, frontier.parquet or comparison.json); give a folder that `e2eopt solve`, "
            "`sweep`, `frontier` or `compare` wrote"
        ),
    )


def in_sweep(folder: Path) -> bool:
    """Whether the folder lies in a sweep's points/ folder (a sweep's point, whatever it holds)."""
    return folder.parent.name == "points" and (folder.parent.parent / "sweep.json").is_file()


def _says_frontier(path: Path) -> bool:
    """Whether a summary.json says it is a frontier's; False when it cannot be read (then the folder
    is read as a run, and its summary's damage is reported when it is read)."""
    try:
        summary = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(summary, dict) and summary.get("kind") == "frontier"


def _holds_a_result_table(folder: Path) -> bool:
    from model.tables import RESULT_TABLES  # here: it brings pandas, which listing folders does not need

    return any((folder / f"{name}{suffix}").exists() for name in RESULT_TABLES for suffix in (".parquet", ".csv"))


# --- summary.json ------------------------------------------------------------------------------------


def read_json_object(path: str | Path) -> dict:
    """A JSON object from a file e2eopt wrote; RunFolderError when it is missing or is not one."""
    path = Path(path)
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise RunFolderError(path, "not there", missing=True) from None
    except OSError as error:
        raise RunFolderError(path, f"cannot be read: {error.strerror or error}") from None
    except ValueError as error:  # not UTF-8, or not JSON (json.JSONDecodeError is a ValueError)
        raise RunFolderError(path, f"not JSON: {error}") from None
    if not isinstance(data, dict):
        raise RunFolderError(path, f"a JSON {type(data).__name__}, not an object")
    return data


def read_summary(folder: str | Path, require: Sequence[str] = ()) -> dict:
    """The folder's summary.json, checked to be the shape e2eopt writes: a JSON object; `status` as
    text (a frontier's: `currency` and `time_unit`), and `require`d keys too; the texts it holds as
    text; `tables` a list of table names. RunFolderError naming the file and what is wrong."""
    path = Path(folder) / SUMMARY
    summary = read_json_object(path)
    required = [*REQUIRED_TEXTS.get(str(summary.get("kind")), REQUIRED_TEXT), *require]
    missing = [key for key in dict.fromkeys(required) if key not in summary]
    if missing:
        raise RunFolderError(path, f"no {', no '.join(missing)}")
    wrong = [key for key in dict.fromkeys([*required, *TEXTS]) if key in summary and not isinstance(summary[key], str)]
    if wrong:
        raise RunFolderError(path, f"{', '.join(wrong)} not text")
    tables = summary.get("tables", [])
    if not isinstance(tables, list) or not all(_is_table_name(name) for name in tables):
        raise RunFolderError(path, "'tables' is not a list of table names")
    return summary


def _is_table_name(name: object) -> bool:
    return isinstance(name, str) and bool(name) and "/" not in name and "\\" not in name and name not in (".", "..")


# --- the tables --------------------------------------------------------------------------------------


def table_files(folder: str | Path, summary: dict, names: Iterable[str] | None = None) -> dict[str, Path]:
    """The Parquet file of each table summary.json lists (of `names` only, in their order, when given),
    checked to be there and whole (Parquet's magic bytes at both ends: a write cut short has no end)
    without reading it; RunFolderError naming the first that is not."""
    listed = summary.get("tables", [])
    chosen = list(listed) if names is None else [name for name in names if name in listed]
    files = {}
    for name in chosen:
        path = Path(folder) / f"{name}.parquet"
        if not path.is_file():
            raise RunFolderError(path, f"summary.json lists the table {name}", missing=True)
        if not whole_parquet(path):
            raise RunFolderError(path, "cut short: not a whole Parquet file")
        files[name] = path
    return files


def whole_parquet(path: Path) -> bool:
    """Whether the file starts and ends with Parquet's magic bytes (a cut-short file does not end so)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
            handle.seek(-4, 2)  # 4 bytes before the end
            return head == PARQUET_MAGIC and handle.read(4) == PARQUET_MAGIC
    except OSError:  # missing, unreadable, or shorter than 4 bytes (seek before the start)
        return False


def read_tables(folder: str | Path, summary: dict, names: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
    """The tables summary.json lists (of `names` only, when given), from Parquet, each in today's
    declared columns and types (model/tables.py): a run written before a column was renamed reads
    under the new name (upgrade). RunFolderError naming the file that is missing, damaged, or holds
    columns this version cannot read."""
    import pandas as pd

    tables = {}
    for name, path in table_files(folder, summary, names).items():
        try:
            frame = pd.read_parquet(path)
        except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
            raise RunFolderError(path, f"not a Parquet table: {error}") from None
        tables[name] = upgrade(frame, name, summary, path)
    return tables


def upgrade(frame: pd.DataFrame, name: str, summary: dict, path: Path) -> pd.DataFrame:
    """A table as read, in today's columns (in their declared order) and types: columns renamed since
    it was written (model.tables.RENAMED_COLUMNS) take their new names, an older demand_kpis gets its
    target flags, a missing `currency` column the summary's currency. A table this version does not
    declare is left as it is; one whose columns still differ is RunFolderError naming them."""
    from model.tables import RENAMED_COLUMNS, TABLES, conform

    declared = TABLES.get(name)
    if declared is None:
        return frame
    renamed = {old: new for old, new in RENAMED_COLUMNS.get(name, {}).items() if old in frame.columns}
    if renamed:
        frame = frame.rename(columns={old: new for old, new in renamed.items() if new not in frame.columns})
    if name == "demand_kpis" and "met" not in frame.columns:
        from model.results import upgrade_kpis  # here: an old run's flags need the model's tolerance (1 s)

        frame = upgrade_kpis(frame)
    if "currency" in declared.names and "currency" not in frame.columns and isinstance(summary.get("currency"), str):
        frame = frame.assign(currency=summary["currency"])
    names = [str(column) for column in frame.columns]
    if declared.fixed and names != declared.names and set(names) == set(declared.names):
        frame = frame[declared.names]  # a copy: only for a table written in another order
    try:
        return conform(frame, name)
    except (ValueError, TypeError) as error:
        raise RunFolderError(path, f"{error}; written by another version of e2eopt?") from None


def read_run(folder: str | Path) -> tuple[dict, dict[str, pd.DataFrame]]:
    """A run folder's summary and every table it lists, read and checked as above."""
    summary = read_summary(folder)
    return summary, read_tables(folder, summary)
