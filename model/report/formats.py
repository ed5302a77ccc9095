"""What the reports of sweeps, frontiers and comparisons share besides the look (model.report.style):
the hover format of money, how many rows a table shows, and reading a folder's files.

Tables in a report are small and read by people: their numbers are formatted by model.formatting
(two decimals for money and FTE, percent for shares), and every column header carries its unit. The
figures keep the exact numbers; their hover texts format them with the same rules (d3 formats).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from model.errors import ReportError
from model.report import unreadable
from model.run_folder import RunFolderError, read_json_object

MONEY_HOVER = ":,.2f"
"""d3 format of money in hover texts: thousands separated, two decimals (as the tables)."""

MAX_TABLE_ROWS = 200
"""A report's table shows at most this many rows; the folder's CSV file has them all."""


COUNTED = frozenset({"unit", "hour", "minute", "second", "day", "week", "month", "year", "agent", "period"})
"""Unit names that count things, and so take a plural: the time units a scenario allows, units, agents."""


def units(unit: str) -> str:
    """A unit's name as every axis title, table header and hover gives it: plural (`hours`, `units`,
    `hours per unit`, `units per hour (peak)`), so that a page never mixes `hour` and `hours`; a
    currency, FTE, % or a share is unchanged."""
    first, space, rest = unit.partition(" ")
    return f"{first}s{space}{rest}" if first in COUNTED else unit


def unsigned_zero(value: float, decimals: int) -> float:
    """`value`, or 0.0 when it shows as zero at `decimals` places: a slack of -1e-12, or a share of
    0 / a negative total (-0.0), is written 0.00, never -0.00."""
    return 0.0 if round(value, decimals) == 0 else value


def shown_rows(frame: pd.DataFrame, what: str) -> tuple[pd.DataFrame, list[str]]:
    """At most MAX_TABLE_ROWS rows, and a sentence saying where the rest are when some are left out."""
    if len(frame) <= MAX_TABLE_ROWS:
        return frame, []
    return frame.head(MAX_TABLE_ROWS), [f"The table shows the first {MAX_TABLE_ROWS:,} of {len(frame):,} rows; {what}."]


def _unreadable(path: Path, error: Exception) -> ReportError:
    """A table a report needs and cannot read, in the words of every file it cannot read (unreadable)."""
    missing = isinstance(error, FileNotFoundError)
    return unreadable(RunFolderError(path, str(error), missing=missing))


def read_json(path: Path) -> dict:
    """A JSON object from a report's input folder (model.run_folder.read_json_object); ReportError
    naming the file when it is missing or damaged."""
    try:
        return read_json_object(path)
    except RunFolderError as error:
        raise unreadable(error) from None


def read_parquet_units(path: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """A Parquet table and the units its metadata records (column -> unit); ReportError when unreadable."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
        raise _unreadable(path, error) from None
    try:
        units = json.loads((table.schema.metadata or {}).get(b"units", b"{}"))
    except ValueError:
        units = {}
    return table.to_pandas(), units if isinstance(units, dict) else {}


def read_csv(path: Path, text: tuple[str, ...] = ()) -> pd.DataFrame:
    """A CSV table of a folder (the `text` columns kept as written); ReportError when missing or damaged."""
    try:
        frame = pd.read_csv(path, dtype={name: str for name in text}, keep_default_na=False, na_values=[""])
    except (OSError, ValueError) as error:  # pandas' ParserError is a ValueError
        raise _unreadable(path, error) from None
    for name in text:  # an empty text cell is empty text; "null" stays "null", as the scenario file says
        if name in frame.columns:
            frame[name] = frame[name].fillna("")
    return frame
