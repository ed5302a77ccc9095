"""model.table_io.write_csv writes exactly the bytes of pandas' `to_csv(path, index=False)`."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path
from random import Random

import numpy as np
import pandas as pd
import pytest
from conftest import APPLIANCE_FILE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import model
from model import table_io
from model.runs import write_table
from model.table_io import csv_body, finished, float64_cells, write_csv

AWKWARD_FLOATS = [
    0.0,
    -0.0,
    1.0,
    -1.5,
    0.1 + 0.2,
    1e-4,
    np.nextafter(1e-4, 0),
    1e-5,
    1e-6,
    np.nextafter(1e-6, 0),
    1e-7,
    1e-300,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    1e10,
    np.nextafter(1e10, 0),
    123456789012345.6,
    2.0**50 + 0.25,
    2.0**53 + 2,
    1e15,
    1e16,
    np.nextafter(1e16, 0),
    1e17,
    1e22,
    1e23,
    1.7976931348623157e308,
    np.inf,
    -np.inf,
    np.nan,
]

floats = st.one_of(
    st.floats(width=64),
    st.sampled_from(AWKWARD_FLOATS),
    st.integers(-(2**62), 2**62).map(float),
    st.decimals(places=2, min_value=-(10**9), max_value=10**9, allow_nan=False).map(float),
)
texts = st.text(
    alphabet=st.one_of(st.sampled_from(list(",\"\n\r \t;'\\|é€😀")), st.characters(codec="utf-8")), max_size=12
)
ints = st.integers(-(2**63), 2**63 - 1)


def column(size: int) -> st.SearchStrategy[pd.Series]:
    """A column of `size` rows, of a dtype the project writes (or may write), awkward values included."""

    def of(elements: st.SearchStrategy, **series: object) -> st.SearchStrategy[pd.Series]:
        return st.lists(elements, min_size=size, max_size=size).map(lambda values: pd.Series(values, **series))

    return st.one_of(
        of(floats, dtype="float64"),
        of(st.floats(width=32), dtype="float32"),
        of(ints, dtype="int64"),
        of(st.integers(0, 2**64 - 1), dtype="uint64"),
        of(st.booleans(), dtype="bool"),
        of(st.one_of(texts, st.none()), dtype="str"),
        of(st.one_of(texts, st.none()), dtype="string"),
        of(st.one_of(texts, st.none(), st.just(np.nan)), dtype=object),
        of(st.one_of(texts, st.none(), floats, ints, st.booleans(), st.just(pd.NA)), dtype=object),
        of(st.one_of(st.booleans(), st.none()), dtype="boolean"),
        of(st.one_of(ints, st.none()), dtype="Int64"),
        of(st.one_of(st.integers(-128, 127), st.none()), dtype="Int8"),
        of(st.one_of(texts, st.none()), dtype="category"),
        of(st.one_of(floats, st.none()), dtype="category"),
    )


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    size = draw(st.integers(0, 8))
    columns = draw(st.lists(column(size), min_size=1, max_size=4))
    frame = pd.concat(columns, axis=1, ignore_index=True)
    frame.columns = draw(st.lists(texts, min_size=len(columns), max_size=len(columns)))  # repeats allowed
    return frame


FOLDER = tempfile.TemporaryDirectory(prefix="test_table_io-")  # one for all examples, removed at exit


def pandas_bytes(frame: pd.DataFrame) -> bytes:
    path = Path(FOLDER.name) / "pandas.csv"
    frame.to_csv(path, index=False)
    return path.read_bytes()


def our_bytes(frame: pd.DataFrame) -> bytes:
    path = Path(FOLDER.name) / "ours.csv"
    write_csv(frame, path)
    return path.read_bytes()


def assert_same_bytes(frame: pd.DataFrame) -> None:
    assert our_bytes(frame) == pandas_bytes(frame)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames())
def test_write_csv_matches_pandas_byte_for_byte(frame: pd.DataFrame) -> None:
    assert_same_bytes(frame)
    assert_same_bytes(frame.iloc[len(frame) // 2 :])  # columns that start part-way into their buffers


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(texts, st.none()), min_size=1, max_size=6))
def test_a_single_column_of_empty_fields_is_quoted_as_csv_writer_does(values: list[str | None]) -> None:
    for dtype in ("str", object, "category"):
        assert_same_bytes(pd.DataFrame({"only": pd.Series(values, dtype=dtype)}))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.one_of(texts, st.none(), st.just(pd.NA)), max_size=4),
    st.lists(st.one_of(floats, ints, st.booleans(), st.sampled_from([np.float64(0.1), b"x", 1 + 2j])), min_size=1),
    st.randoms(),
)
def test_object_columns_of_mixed_values_match_pandas(strings: list, others: list, random: Random) -> None:
    values = strings + others + ["a,b", 'say "hi"', "two\nlines", ""]
    random.shuffle(values)
    assert_same_bytes(pd.DataFrame({"mixed": pd.Series(values, dtype=object), "n": range(len(values))}))


def float64_fields(array: np.ndarray) -> list[str]:
    return finished(float64_cells(array)).fill_null("").to_pylist()


@settings(max_examples=200, deadline=None)
@given(st.lists(floats, min_size=1, max_size=50))
def test_float64_fields_are_numpys_repr(values: list[float]) -> None:
    array = np.array(values, dtype=np.float64)
    assert float64_fields(array) == np.where(np.isnan(array), "", array.astype(str)).tolist()


def test_float64_fields_on_random_bit_patterns() -> None:
    array = np.random.default_rng(7).integers(0, 2**64, 100_000, dtype=np.uint64).view(np.float64)
    expected = np.where(np.isnan(array), "", array.astype(str))
    assert (np.array(float64_fields(array)) == expected).all()


def test_arrow_float_layout_patch_is_in_use() -> None:
    # False would still be correct (numpy formats every float) but slow: pyarrow changed its layout
    assert table_io.ARROW_FLOATS


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame(),
        pd.DataFrame(index=range(3)),
        pd.DataFrame({"a": pd.Series([], dtype="float64"), "b": pd.Series([], dtype="str")}),
        pd.DataFrame({"": [1.0, np.nan]}),
        pd.DataFrame({"a,b": [1], 'say "hi"': [2], "line\nbreak": [3]}),
        pd.DataFrame([[1, 2.5, "x"]], columns=[0, 1.5, None]),
        pd.DataFrame([[1.0, 2.0]], columns=["same", "same"]),
        pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y")])),
        pd.DataFrame({"when": pd.to_datetime(["2026-01-01", None]), "n": [1, 2]}),
        pd.DataFrame({"span": pd.to_timedelta(["1D", None]), "n": [1, 2]}),
        pd.DataFrame({"x": pd.array([1.5, None], dtype="Float64")}),
        pd.DataFrame({"x": pd.Categorical(pd.to_datetime(["2026-01-01", None]))}),
        pd.DataFrame({"x": [1 + 2j, np.nan]}),
        pd.DataFrame({"x": pd.Series(["a", None], dtype="string[python]")}),
        pd.DataFrame({"x": [b"bytes", 2.5, np.float64(0.1), np.float32(0.1), None]}, dtype=object),
    ],
    ids=lambda frame: "-".join(map(str, frame.dtypes)) or f"{frame.shape}",
)
def test_edge_frames_match_pandas(frame: pd.DataFrame) -> None:
    assert_same_bytes(frame)


def test_a_compressed_file_name_is_left_to_pandas(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1.0, 2.5], "b": ["x", "y,z"]})
    write_csv(frame, tmp_path / "table.csv.gz")
    assert gzip.decompress((tmp_path / "table.csv.gz").read_bytes()) == pandas_bytes(frame)


def test_a_wide_table_is_written_by_pandas_and_a_failure_leaves_no_file(tmp_path: Path) -> None:
    """More columns than rows (a sweep's points table): pandas' own writer, the same bytes; on an
    error no partial file stays."""
    wide = pd.DataFrame({f"c{i}": [float(i), -i / 3] for i in range(200)} | {"name": ["a", "b,c"]})
    write_csv(wide, tmp_path / "wide.csv")
    assert (tmp_path / "wide.csv").read_bytes() == pandas_bytes(wide)
    broken = wide.assign(name=pd.Series(["ok", "\ud800"], dtype=object))  # a lone surrogate: not UTF-8
    with pytest.raises(UnicodeEncodeError):
        write_csv(broken, tmp_path / "broken.csv")
    assert not (tmp_path / "broken.csv").exists()


@pytest.fixture(scope="module")
def solved_tables() -> dict[str, pd.DataFrame]:
    return model.optimise(model.load_scenario(APPLIANCE_FILE)).tables


def test_every_result_table_of_a_solve_matches_pandas(solved_tables: dict[str, pd.DataFrame]) -> None:
    assert solved_tables
    for name, frame in solved_tables.items():
        assert csv_body(frame) is not None, f"{name} fell back to pandas"
        assert our_bytes(frame) == pandas_bytes(frame), name


def test_write_table_writes_pandas_csv(solved_tables: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    frame = solved_tables["constraints"]
    write_table(frame, tmp_path / "constraints", {})
    assert (tmp_path / "constraints.csv").read_bytes() == pandas_bytes(frame)
    assert (tmp_path / "constraints.parquet").exists()
