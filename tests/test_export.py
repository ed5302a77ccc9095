"""`e2eopt export`: the workbook equals the run's Parquet tables, money rounded to cents that still add
up to the rounded total; the CSV and Parquet exports; bad runs and places refused with exit 2."""

from __future__ import annotations

import importlib.metadata
import json
import math
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import APPLIANCE_FILE, TINY_FILE, e2eopt
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from model import load_scenario, optimise, write_run
from model.cli import app
from model.export import ExportError, cents_that_add_up, export, read_run_tables, total_in_cents, write_export
from model.tables import KINDS, RESULT_TABLES, TABLES


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """appliance-co's run folder, solved once."""
    outcome = optimise(load_scenario(APPLIANCE_FILE))
    return write_run(outcome, APPLIANCE_FILE, tmp_path_factory.mktemp("runs"))


@pytest.fixture(scope="module")
def workbook(run, tmp_path_factory):
    return export(run, "xlsx", tmp_path_factory.mktemp("xlsx") / "appliance.xlsx")


def summary_of(run) -> dict:
    return json.loads((run / "summary.json").read_text())


# --- largest remainder, by hand and as a property ----------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0.333, 0.333, 0.334], [0.33, 0.33, 0.34]),  # total 1.00: the largest remainder (.4) takes the cent
        ([1.005, 1.005, 1.005, 1.005], [1.01, 1.01, 1.00, 1.00]),  # 4.02: two cents to hand out, ties in order
        ([10.0, 20.0], [10.0, 20.0]),
        ([-0.005, 0.015], [0.0, 0.01]),  # total 0.01
        ([np.nan, 2.004, 2.004], [np.nan, 2.01, 2.0]),  # 4.008 -> 4.01: a tie, the earlier row; NaN stays
    ],
)
def test_cents_by_largest_remainder_by_hand(values, expected):
    np.testing.assert_array_equal(cents_that_add_up(np.array(values)), np.array(expected))


money = st.floats(min_value=-1e7, max_value=1e7, allow_nan=False).map(lambda x: round(x, 6))


@settings(max_examples=200, deadline=None)
@given(st.lists(money, min_size=1, max_size=40))
def test_rounded_rows_are_within_a_cent_and_add_up_to_the_rounded_total(values):
    rounded = cents_that_add_up(np.array(values))
    cents = np.round(rounded * 100).astype(np.int64)
    assert np.all(np.abs(rounded * 100 - cents) < 1e-6)  # whole cents
    assert np.all(np.abs(rounded - np.array(values)) < 0.01 + 1e-9)  # each row down or up to a cent
    assert int(cents.sum()) == round(math.fsum(values) * 100)


# --- the workbook ---------------------------------------------------------------------------------------


def test_costs_sum_to_the_rounded_total_where_rounding_each_row_does_not(run, workbook):
    """The issue's figures: appliance-co's total is 2,234,629.68 EUR; each row rounded on its own sums to
    2,234,629.66. The workbook's rows sum to the total in whole cents."""
    total = summary_of(run)["total_cost"]
    assert round(total * 100) == 223_462_968
    exact = pd.read_parquet(run / "costs.parquet").amount
    assert int(np.round(exact.round(2) * 100).sum()) == 223_462_966  # the naive way: two cents short
    sheet = pd.read_excel(workbook, sheet_name="costs", header=0, skiprows=[1])
    assert int(np.round(sheet.amount * 100).sum()) == 223_462_968


def test_every_sheet_equals_its_parquet_table(run, workbook):
    summary = summary_of(run)
    sheets = pd.read_excel(workbook, sheet_name=None, header=0, skiprows=[1])
    assert list(sheets) == ["run", *(name for name in RESULT_TABLES if name in summary["tables"])]
    for name in summary["tables"]:
        exact, sheet = pd.read_parquet(run / f"{name}.parquet"), sheets[name]
        assert list(sheet.columns) == list(exact.columns), name
        assert len(sheet) == len(exact), name
        for column in exact.columns:
            _same_column(exact[column], sheet[column], KINDS[TABLES[name].column(column).kind], f"{name}.{column}")


def _same_column(exact: pd.Series, shown: pd.Series, kind, where: str) -> None:
    """Text and flags exactly; money to the cent, adding up when it sums; other floats to the kind's
    significant digits; infinities empty."""
    if exact.dtype != np.float64:
        expected = exact.astype(object).where(exact.notna(), None).tolist()
        got = shown.astype(object).where(shown.notna(), None).tolist()
        if exact.dtype.kind == "i" or str(exact.dtype) == "Int64":
            got = [None if v is None else int(v) for v in got]
        assert got == expected, where
        return
    finite = np.isfinite(exact.to_numpy())
    assert shown[~finite].isna().all(), where  # NaN and infinities: empty cells
    exact, shown = exact[finite].to_numpy(), shown[finite].to_numpy(dtype=float)
    if kind.cents:
        assert np.all(np.abs(shown - exact) < 0.01 + 1e-9), where
        assert np.allclose(shown * 100, np.round(shown * 100), atol=1e-6), where
        if kind.sums:
            assert round(float(np.sum(shown)) * 100) == round(math.fsum(exact.tolist()) * 100), where
        return
    scale = 10.0 ** (np.floor(np.log10(np.where(exact == 0, 1, np.abs(exact)))) - kind.digits + 1)
    assert np.all(np.abs(shown - exact) <= 0.5 * scale * (1 + 1e-9)), where


def test_the_run_sheets_total_is_the_one_the_rows_add_up_to_on_a_half_cent():
    """1,000,000 + 472,996.595 = 1,472,996.595: written as a binary float it lies just below the half
    cent, and round(x, 2) gives .59; the rows, rounded to add up, give .60 (the exact sum's fsum, x 100,
    rounded: 147,299,659.5 -> 147,299,660, half to even). The run sheet must show the rows' total."""
    values = np.array([1e6, 472996.595])
    assert round(float(values.sum()), 2) == 1472996.59  # the naive total a sheet could show
    assert total_in_cents(values) == 147_299_660
    assert int(np.round(cents_that_add_up(values) * 100).sum()) == total_in_cents(values)


def test_run_sheet_names_the_run(run, workbook):
    summary = summary_of(run)
    fields = pd.read_excel(workbook, sheet_name="run").set_index("field").value
    assert fields["scenario"] == "appliance-co" and fields["status"] == "optimal"
    assert fields["currency"] == "EUR"
    assert fields["input hash (scenario_sha256)"] == summary["input"]["scenario_sha256"]
    assert fields["created (UTC)"] == summary["created_utc"]
    assert fields["total cost (rounded to the cent)"] == pytest.approx(2234629.68, abs=1e-9)
    assert fields["package pandas"] == summary["packages"]["pandas"]
    # The export's own versions, read from the installed distributions (not from summary.json).
    assert fields["exported with openpyxl"] == openpyxl.__version__
    assert fields["exported with e2e-optimiser"] == importlib.metadata.version("e2e-optimiser")


def test_sheets_have_frozen_headers_with_units_filters_formats_and_widths(run, workbook):
    book = openpyxl.load_workbook(workbook)
    dictionary = pd.read_csv(run / "columns.csv", keep_default_na=False)
    for name in summary_of(run)["tables"]:
        sheet = book[name]
        rows = len(pd.read_parquet(run / f"{name}.parquet"))
        names = [cell.value for cell in sheet[1]]
        units = [cell.value or "" for cell in sheet[2]]
        assert names == list(dictionary[dictionary.table == name].column), name
        assert units == list(dictionary[dictionary.table == name].unit), name
        assert sheet.freeze_panes == "A3"
        assert sheet.auto_filter.ref == f"A2:{openpyxl.utils.get_column_letter(len(names))}{rows + 2}"
        for position, column in enumerate(names, start=1):
            width = sheet.column_dimensions[openpyxl.utils.get_column_letter(position)].width
            assert width >= len(column) + 2, (name, column)
    staffing = book["staffing"]
    formats = {staffing.cell(1, i).value: staffing.cell(3, i).number_format for i in range(1, staffing.max_column + 1)}
    assert formats["cost"] == "#,##0.00"  # currency, two decimals
    assert formats["utilisation"] == "0.00%"  # a share as a percentage
    assert formats["fte"] == formats["hours_used"] == "#,##0.00"  # FTE and hours, two decimals
    assert book["staffing"]["L2"].value == "EUR"  # the cost column's unit


# --- CSV and Parquet exports ------------------------------------------------------------------------------


def test_csv_export_holds_the_workbooks_tables_and_the_dictionary(run, workbook, tmp_path):
    folder = export(run, "csv", tmp_path / "csv")
    sheets = pd.read_excel(workbook, sheet_name=None, header=0, skiprows=[1])
    assert (folder / "columns.csv").is_file()
    for name in summary_of(run)["tables"]:
        table = pd.read_csv(folder / f"{name}.csv")
        pd.testing.assert_frame_equal(table, sheets[name], check_dtype=False, rtol=1e-12, obj=name)
    zipped = export(run, "csv", tmp_path / "tables.zip")
    with zipfile.ZipFile(zipped) as archive:
        assert sorted(archive.namelist()) == sorted(p.name for p in folder.iterdir())
        assert archive.read("costs.csv") == (folder / "costs.csv").read_bytes()
    again = export(run, "csv", tmp_path / "csv")  # an earlier export is replaced
    assert sorted(p.name for p in again.iterdir()) == sorted(p.name for p in folder.iterdir())


def test_parquet_export_is_the_exact_tables(run, tmp_path):
    folder = export(run, "parquet", tmp_path / "exact")
    for name in summary_of(run)["tables"]:
        assert (folder / f"{name}.parquet").read_bytes() == (run / f"{name}.parquet").read_bytes()
    assert (folder / "columns.csv").read_bytes() == (run / "columns.csv").read_bytes()


# --- refusals ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def infeasible_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("infeasible")
    path = work / "impossible.yaml"
    path.write_text(TINY_FILE.read_text().replace("min_quality: 0.95", "min_quality: 0.99"))
    return write_run(optimise(load_scenario(path)), path, work / "runs")


def test_a_table_longer_than_a_worksheet_is_refused_before_writing(run, tmp_path):
    tables = read_run_tables(run)
    costs = tables.tables["costs"]
    tables.tables["costs"] = costs.iloc[np.zeros(1_048_575, dtype=int)].reset_index(drop=True)  # + 2 header rows
    with pytest.raises(ExportError, match="costs: more rows than a worksheet holds"):
        write_export(tables, "xlsx", tmp_path / "book.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_an_infeasible_run_has_nothing_to_export(infeasible_run):
    with pytest.raises(ExportError, match="status is infeasible and it holds no result tables"):
        export(infeasible_run, "xlsx")
    assert not list(infeasible_run.glob("*.xlsx"))


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        (["{missing}"], "not a run folder"),
        (["{infeasible}"], "holds no result tables"),
        (["{run}", "--format", "pdf"], "error: --format pdf: not allowed; choose xlsx, csv or parquet"),
        (["{run}", "--out", "{tmp}/book.txt"], "ending in .xlsx"),
        (["{run}", "--format", "csv", "--out", "{tmp}/taken"], "is not an earlier export"),
        (["{run}", "--out", "{tmp}/no/such/folder/book.xlsx"], "does not exist"),
    ],
)
def test_bad_runs_and_places_exit_2_and_write_nothing(run, infeasible_run, tmp_path, arguments, fragment):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    before = sorted(p.name for p in run.iterdir())
    given = [
        a.format(run=run, infeasible=infeasible_run, tmp=tmp_path, missing=tmp_path / "missing") for a in arguments
    ]
    result = CliRunner().invoke(app, ["export", *given])  # in this process: no subprocess needed to refuse
    assert result.exit_code == 2, result.output
    assert fragment in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in run.iterdir()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["notes.txt"]


def test_the_command_writes_the_workbook_into_the_run_folder(run, tmp_path):
    result = e2eopt("export", str(run), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    book = run / f"{run.name}.xlsx"
    assert str(book) in result.stdout.replace("\n", "")
    assert openpyxl.load_workbook(book).sheetnames[0] == "run"
    book.unlink()  # the module's run folder is shared


def test_a_full_disk_during_the_write_exits_6_and_leaves_nothing(run, tmp_path, monkeypatch):
    import errno
    import sys

    exporting = sys.modules["model.export"]  # the module: `model.export` is the function, as model.optimise is

    def full(_run, path):
        path.write_bytes(b"half a workbook")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(exporting, "write_workbook", full)
    result = CliRunner().invoke(app, ["export", str(run), "--out", str(tmp_path / "book.xlsx")])
    assert result.exit_code == 6, result.output
    assert "could not be written" in " ".join(result.output.split())
    assert list(tmp_path.iterdir()) == []
