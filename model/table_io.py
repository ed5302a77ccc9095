"""Fast CSV writing for result tables, byte-identical to `DataFrame.to_csv(path, index=False)`.

Finance imports the run folders' CSV files into their own tools, which infer column types from the
text, so the text is a contract: `0.0` not `0`, `True` not `true`, an empty field for a missing
value. pandas' writer produces that text but slowly: it turns every cell into a Python object and
hands the rows to the standard library's `csv.writer`, which made it most of the cost of writing a
run folder for a large solve. pyarrow's CSV writer is fast but writes other text (`0`, `true`).

`write_csv` formats each column as a whole into an Arrow string array, by the rules pandas and
`csv.writer` apply cell by cell, and joins the columns into rows with one Arrow compute kernel:

- float64: pandas writes numpy's `astype(str)`, Python's shortest repr (`0.0`, `1e-05`, `1e+16`,
  `inf`), NaN as an empty field. Arrow's float-to-string cast has the same shortest digits in
  another layout (`0`, `0.00001`, `1e-7`, `1e+10`). Where the layouts differ by a missing `.0` or
  a one-digit exponent that is patched; any other difference (in practice 1e-6 <= |x| < 1e-4 and
  1e10 <= |x| < 1e16) is formatted by numpy itself. At import the patched path is checked against
  numpy on awkward values (powers of ten, limits, subnormals, boundaries) and unused if they differ;
- other numpy floats: numpy's `astype(str)`, as pandas does;
- numpy ints and bools, pandas' nullable Int/UInt and boolean: `123`, `True`/`False`, `<NA>` empty;
- pandas' `str`/`string` (any storage) and object columns holding only strings and missing values:
  as they are, missing values empty;
- object columns holding anything else: each cell as `csv.writer` writes it (`str()`), in Python;
- categorical: its categories formatted by these rules, then taken by code.

Text fields are quoted as `csv.QUOTE_MINIMAL` does, embedded quotes doubled; the characters that
force quotes are probed from `csv.writer` at import (`\\r` does on some Python versions, not on
others). A row that is a single empty field is written `""`, as `csv.writer` does. The header goes
through `csv.writer` itself (or pandas, for labels that are not all strings).

Guarantee: the bytes written are those of `frame.to_csv(path, index=False)`; what this module does
not format is handed to pandas, as a whole frame: frames with no columns or MultiIndex columns, a
file name pandas would compress (`.gz`, `.zip`, ...), and frames with any column of another dtype:
datetime, timedelta, period, interval, sparse, complex, nullable Float, `pd.ArrowDtype`, numpy
bytes/unicode, and categorical with such categories; and wide tables (more columns than rows and
than `WIDE`), where pandas' row-wise writer is the faster. On an error (a string that is not valid
UTF-8, say) no partial file is left behind, whichever writer wrote.
"""

from __future__ import annotations

import csv
import functools
import io
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

DELIMITER = ","
LINE_TERMINATOR = "\n"  # pandas' default for to_csv, on every platform
TEXT = pa.large_string()
COMPRESSED = {".gz", ".bz2", ".zip", ".xz", ".zst", ".tar", ".tgz"}  # pandas would compress these


@functools.cache
def text_scalar(value: str) -> pa.Scalar:
    return pa.scalar(value, TEXT)


EMPTY = text_scalar("")
QUOTE = text_scalar('"')


class Cells(NamedTuple):
    """A column's fields: `text` (null: an empty field), and where `.0` is still to be appended."""

    text: pa.Array
    whole: np.ndarray | None = None


CHUNK_ROWS = 20_000
"""Rows formatted at a time: the text of a large table is never all in memory at once."""


WIDE = 64
"""A table with more columns than this and than rows is written by pandas: its row-wise writer is
the faster there (a sweep's points table, 11 rows of 12,023 columns: 0.16 s against 1.5 s)."""


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write `frame` to `path` with exactly the bytes of `frame.to_csv(path, index=False)`, faster."""
    wide = frame.shape[1] > max(WIDE, len(frame))
    body = None if wide or Path(path).suffix.lower() in COMPRESSED else csv_body(frame.iloc[:CHUNK_ROWS])
    if body is None:
        try:
            frame.to_csv(path, index=False)
        except BaseException:
            Path(path).unlink(missing_ok=True)  # no half-written file
            raise
        return
    header = csv_header(frame).encode("utf-8")
    try:
        with open(path, "wb") as stream:
            stream.write(header)
            stream.write(body)
            for start in range(CHUNK_ROWS, len(frame), CHUNK_ROWS):
                rest = csv_body(frame.iloc[start : start + CHUNK_ROWS])
                assert rest is not None  # the same columns as the first chunk, which was handled
                stream.write(rest)
    except BaseException:
        Path(path).unlink(missing_ok=True)  # no half-written file
        raise


def csv_header(frame: pd.DataFrame) -> str:
    """The header line as pandas writes it: string labels through `csv.writer`, others by pandas."""
    labels = list(frame.columns)
    if isinstance(frame.columns, pd.MultiIndex) or not all(isinstance(label, str) for label in labels):
        return frame.iloc[:0].to_csv(index=False)
    return csv_line(labels)


def csv_line(fields: list[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=LINE_TERMINATOR, delimiter=DELIMITER).writerow(fields)
    return buffer.getvalue()


def csv_body(frame: pd.DataFrame) -> memoryview | None:
    """The rows' UTF-8 bytes, or None when a column's dtype is not handled here (then use pandas)."""
    if frame.shape[1] == 0 or isinstance(frame.columns, pd.MultiIndex):
        return None
    if len(frame) == 0:
        return memoryview(b"")
    columns = []
    for _label, column in frame.items():
        cells = column_cells(column)
        if cells is None:
            return None
        columns.append(cells)
    if len(columns) == 1:
        columns = [lone_column(columns[0])]
    return string_buffers(joined_rows(columns))[1].data  # ndarray.data is memoryview(array)


def joined_rows(columns: list[Cells]) -> pa.Array:
    """Each row's fields, delimited and terminated, in one kernel: the `.0`s go with the delimiters."""
    pieces = []
    for position, (text, whole) in enumerate(columns):
        end = LINE_TERMINATOR if position == len(columns) - 1 else DELIMITER
        suffix = text_scalar(end)
        if whole is not None and whole.any():
            suffix = pc.if_else(pa.array(whole), text_scalar(".0" + end), suffix)
        pieces += [as_array(text), suffix]
    return pc.binary_join_element_wise(*pieces, EMPTY, null_handling="replace")


def lone_column(cells: Cells) -> Cells:
    """csv.writer writes a record that is one empty field as `""`."""
    text = finished(cells).fill_null("")
    return Cells(pc.if_else(pc.equal(pc.binary_length(text), 0), text_scalar('""'), text))


def finished(cells: Cells) -> pa.Array:
    """The fields with their `.0`s appended (nulls stay null)."""
    if cells.whole is None or not cells.whole.any():
        return as_array(cells.text)
    suffix = pc.if_else(pa.array(cells.whole), text_scalar(".0"), EMPTY)
    return pc.binary_join_element_wise(as_array(cells.text), suffix, EMPTY)


def as_array(text: pa.Array | pa.ChunkedArray) -> pa.Array:
    return text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text


def string_buffers(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A large_string array's offsets (from 0) and the bytes of its values, concatenated."""
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[text.offset : text.offset + len(text) + 1]
    start, end = int(offsets[0]), int(offsets[-1])
    buffer = text.buffers()[2]
    data = np.frombuffer(buffer, dtype=np.uint8)[start:end] if buffer is not None else np.empty(0, np.uint8)
    return offsets - start, data


def rows_containing(text: pa.Array, characters: list[bytes]) -> np.ndarray | None:
    """Which values hold any of these ASCII characters (None: none does); nulls may count either way.

    ASCII bytes never occur inside a UTF-8 multi-byte character, so a byte search is exact.
    """
    offsets, data = string_buffers(text)
    raw = data.tobytes()
    present = [character[0] for character in characters if character in raw]
    if not present:
        return None
    found = data == present[0]
    for character in present[1:]:
        found |= data == character
    rows = np.zeros(len(text), dtype=bool)
    rows[np.searchsorted(offsets, np.flatnonzero(found), side="right") - 1] = True
    return rows


def column_cells(column: pd.Series) -> Cells | None:
    """Each cell's CSV field (quoted when needed, missing values empty), or None when not handled."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype):
        return numpy_cells(column.to_numpy())
    array = column.array
    if isinstance(dtype, pd.StringDtype):
        return Cells(quoted(as_array(pa.array(array)).cast(TEXT)))
    if isinstance(array, pd.arrays.BooleanArray):
        return Cells(bool_text(pa.array(array)))
    if isinstance(array, pd.arrays.IntegerArray):
        return Cells(pc.cast(pa.array(array), TEXT))
    if isinstance(dtype, pd.CategoricalDtype):
        return categorical_cells(array)
    return None


def numpy_cells(values: np.ndarray) -> Cells | None:
    kind = values.dtype.kind
    if kind == "f":
        return float64_cells(values) if values.dtype == np.float64 and ARROW_FLOATS else numpy_float_cells(values)
    if kind in "iu":
        return Cells(pc.cast(pa.array(values), TEXT))
    if kind == "b":
        return Cells(bool_text(pa.array(values)))
    if kind == "O":
        return Cells(object_text(values))
    return None


def bool_text(values: pa.Array) -> pa.Array:
    return pc.if_else(values, text_scalar("True"), text_scalar("False"))


def numpy_float_cells(values: np.ndarray) -> Cells:
    """numpy's own shortest repr, exactly what pandas writes; NaN empty."""
    return Cells(pa.array(values.astype(str), type=TEXT, mask=np.isnan(values)))


def float64_cells(values: np.ndarray) -> Cells:
    """numpy's `astype(str)` text for float64, from Arrow's cast where its layout can be patched.

    Python's repr is positional (always with a `.`) for 1e-4 <= |x| < 1e16 and zero, else
    scientific with at least two exponent digits. Arrow's cast has the same digits; it is positional
    for small exponents (no `.0` on whole numbers) and scientific otherwise (one-digit exponents).
    """
    nan = np.isnan(values)
    text = pc.cast(pa.array(values, mask=nan), TEXT)  # NaN: null, an empty field
    with np.errstate(invalid="ignore"):  # signalling NaNs
        magnitude = np.abs(values)
        finite = np.isfinite(values)
        positional = ((magnitude >= 1e-4) & (magnitude < 1e16)) | (values == 0)
        integral = values == np.trunc(values)
    arrow_scientific = rows_containing(text, [b"e"])
    if arrow_scientific is None:
        arrow_scientific = np.zeros(len(values), dtype=bool)
    short_exponent = finite & ~positional & arrow_scientific
    other = finite & (positional == arrow_scientific)  # numpy formats these
    if other.any():
        text = pc.replace_with_mask(text, pa.array(other), pa.array(values[other].astype(str), type=TEXT))
    if short_exponent.any():
        exponents = pc.replace_substring_regex(text.filter(short_exponent), r"e([+-])(\d)$", r"e\10\2")  # \1 then 0
        text = pc.replace_with_mask(text, pa.array(short_exponent), exponents)
    return Cells(text, positional & ~arrow_scientific & integral)  # Arrow writes "1" for 1.0, never "1.5"


def object_text(values: np.ndarray) -> pa.Array:
    """Strings as they are; other objects as `csv.writer` writes them (`str`); missing values empty."""
    missing = pd.isna(values)
    if pd.api.types.infer_dtype(values[~missing], skipna=False) in ("string", "empty"):
        filled = values.copy()
        filled[missing] = ""
        return quoted(pa.array(filled, type=TEXT))
    cells = ["" if gap else value if isinstance(value, str) else str(value) for value, gap in zip(values, missing)]
    return quoted(pa.array(cells, type=TEXT))


def categorical_cells(values: pd.Categorical) -> Cells | None:
    categories = column_cells(pd.Series(values.categories))
    if categories is None:
        return None
    codes = values.codes
    return Cells(pc.take(finished(categories), pa.array(codes, mask=codes < 0)))


def probe_quoted_characters() -> list[bytes]:
    """The ASCII characters that make `csv.writer` (QUOTE_MINIMAL, as pandas uses it) quote a field."""
    return [
        character.encode("ascii")
        for character in map(chr, range(128))
        if csv_line([f"a{character}b", "x"]) != f"a{character}b{DELIMITER}x{LINE_TERMINATOR}"
    ]


QUOTED_CHARACTERS = probe_quoted_characters()


def quoted(text: pa.Array) -> pa.Array:
    """Fields with a delimiter, quote or line break in quotes, embedded quotes doubled."""
    needs = rows_containing(text, QUOTED_CHARACTERS)
    if needs is None:
        return text
    fields = text if needs.all() else text.filter(needs)
    if rows_containing(fields, [b'"']) is not None:
        fields = pc.replace_substring(fields, '"', '""')
    fields = pc.binary_join_element_wise(QUOTE, fields, QUOTE, EMPTY)
    return fields if needs.all() else pc.replace_with_mask(text, pa.array(needs), fields)


def awkward_floats() -> np.ndarray:
    """Values where Arrow's and Python's float layouts meet: powers of ten, limits, specials."""
    powers = [
        sign * mantissa * 10.0**exponent
        for exponent in range(-325, 309)
        for mantissa in (1, 1.5, 9.99)
        for sign in (1, -1)
    ]
    specials = [0.0, -0.0, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, np.inf, -np.inf, np.nan]
    edges = [np.nextafter(edge, direction) for edge in (1e-4, 1e-6, 1e10, 1e16) for direction in (0, np.inf)]
    return np.array(powers + specials + edges + [2.0**50 + 0.25, 2.0**53 + 2, 0.1 + 0.2, 1 / 3])


def arrow_floats_agree() -> bool:
    values = awkward_floats()
    return finished(float64_cells(values)).to_pylist() == as_array(numpy_float_cells(values).text).to_pylist()


ARROW_FLOATS = arrow_floats_agree()
