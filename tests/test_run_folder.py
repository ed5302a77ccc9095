"""The one reader of run folders (model/run_folder.py): each kind told apart by one rule, damaged
summaries and missing tables named, an older run's renamed columns read under today's names.

tiny.yaml by hand: 1,000 repairs, 400 done in house (1.5 h of a technician at 5,200 EUR per 140 h:
55.714... EUR a unit, 6 h wait + 2 h) and 600 bought (50 EUR + 2 EUR hand-off, 4 h lead + 30 h): a
total of 53,485.71 EUR, quality 0.4 x 0.98 + 0.6 x 0.93 = 0.95, mean response time
(400 x 8 + 600 x 34) / 1,000 = 23.6 h against a target of 24 h.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, TINY_FILE

import model
from model.catalogue import read_entry
from model.export import ExportError, read_run_tables
from model.report import folder_kind as report_kind
from model.run_folder import RunFolderError, folder_kind, read_run, read_summary, read_tables, table_files
from model.tables import TABLES

TOTAL = 400 * 1.5 / 140 * 5200 + 600 * (50 + 2)  # EUR: 53,485.71
MEAN_RESPONSE = (400 * (6 + 2) + 600 * (4 + 30)) / 1000  # hours: 23.6


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    """tiny.yaml solved once, as a run folder."""
    outcome = model.optimise(model.load_scenario(TINY_FILE))
    return model.write_run(outcome, TINY_FILE, tmp_path_factory.mktemp("runs"), command=["test"])


@pytest.fixture
def copy(run, tmp_path) -> Path:
    """A copy of the run folder, to damage."""
    return Path(shutil.copytree(run, tmp_path / "run"))


# --- the kind of a folder ----------------------------------------------------------------------------

KINDS = {
    "comparison": ({"comparison.json": "{}", "summary.json": "{}"}, "comparison"),
    "sweep": ({"sweep.json": "{}"}, "sweep"),
    "frontier by its table": ({"frontier.parquet": "", "summary.json": "{}", "scenario.yaml": ""}, "frontier"),
    "frontier by its summary": ({"summary.json": '{"kind": "frontier"}', "scenario.yaml": ""}, "frontier"),
    "point by its record": ({"point.yaml": "{}", "summary.json": "{}"}, "point"),
    "run": ({"summary.json": "{}", "scenario.yaml": ""}, "run"),
    "run without its summary": ({"scenario.yaml": "", "costs.parquet": ""}, "run"),
    "run whose summary is not JSON": ({"summary.json": "{", "scenario.yaml": ""}, "run"),
}


@pytest.mark.parametrize("case", list(KINDS))
def test_each_kind_is_told_apart_by_the_files_it_holds(tmp_path, case):
    files, kind = KINDS[case]
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert folder_kind(tmp_path) == kind


def test_a_failed_point_holding_only_its_summary_is_a_point(tmp_path):
    point = tmp_path / "sweep" / "points" / "0003"
    point.mkdir(parents=True)
    (point / "summary.json").write_text('{"status": "error", "message": "killed", "tables": []}')
    assert folder_kind(point) == "run"  # not yet in a sweep: sweep.json makes it one
    (tmp_path / "sweep" / "sweep.json").write_text("{}")
    assert folder_kind(point) == "point"
    assert read_summary(point)["status"] == "error"  # a failed point has no currency: still whole


def test_what_is_no_folder_of_e2eopt_s_is_refused_saying_so(tmp_path):
    (tmp_path / "scenario.yaml").write_text("")  # the user's scenario, no result table beside it
    with pytest.raises(RunFolderError, match="not a run, sweep, frontier or comparison folder"):
        folder_kind(tmp_path)
    with pytest.raises(RunFolderError, match="no such folder"):
        folder_kind(tmp_path / "nowhere")
    with pytest.raises(RunFolderError, match="not a folder"):
        folder_kind(tmp_path / "scenario.yaml")


def test_report_catalogue_and_export_agree_on_a_frontier_that_lost_its_table(tmp_path):
    folder = tmp_path / "frontier"
    folder.mkdir()
    summary = {"kind": "frontier", "currency": "EUR", "time_unit": "hour", "scenario": "tiny", "values": [1, 2]}
    (folder / "summary.json").write_text(json.dumps(summary))
    (folder / "scenario.yaml").write_text(TINY_FILE.read_text())
    assert report_kind(folder) == "frontier"  # before: a run (summary.json beside scenario.yaml)
    entry = read_entry(folder, "frontier")
    assert entry is not None and (entry.kind, entry.problem) == ("damaged", "frontier.parquet is missing")
    with pytest.raises(ExportError, match="not a run folder: a frontier folder"):
        read_run_tables(folder)


# --- summary.json ------------------------------------------------------------------------------------

NOT_NAMES = "'tables' is not a list of table names"
DAMAGED = {
    "a list": ("[1, 2]", "a JSON list, not an object"),
    "cut short": ('{"status": "opt', "not JSON: Unterminated string starting at: line 1 column 12 (char 11)"),
    "not UTF-8": (b"\xff\xfe{}", "not JSON: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"),
    "no status": ('{"currency": "EUR"}', "no status"),
    "a status of the wrong kind": ('{"status": 1}', "status not text"),
    "a currency of the wrong kind": ('{"status": "optimal", "currency": ["EUR"]}', "currency not text"),
    "tables as one text": ('{"status": "optimal", "tables": "costs"}', NOT_NAMES),
    "a table outside the folder": ('{"status": "optimal", "tables": ["../x"]}', NOT_NAMES),
    "a frontier without its units": ('{"kind": "frontier", "currency": "EUR"}', "no time_unit"),
}


@pytest.mark.parametrize("case", list(DAMAGED))
def test_a_damaged_summary_is_named_with_what_is_wrong(tmp_path, case):
    text, reason = DAMAGED[case]
    path = tmp_path / "summary.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(RunFolderError) as refused:
        read_summary(tmp_path)
    error = refused.value
    assert (error.path, error.reason, error.missing) == (path, reason, False)
    assert str(error) == f"{path} is damaged ({reason})"


def test_a_missing_summary_is_missing_not_damaged(tmp_path):
    with pytest.raises(RunFolderError) as refused:
        read_summary(tmp_path)
    assert refused.value.missing and str(refused.value) == f"{tmp_path / 'summary.json'} is missing"


def test_required_keys_are_checked_as_the_caller_asks(run):
    assert read_summary(run, require=("currency", "time_unit"))["currency"] == "EUR"
    with pytest.raises(RunFolderError, match=r"\(no label_of_nothing\)"):
        read_summary(run, require=("label_of_nothing",))


# --- the tables --------------------------------------------------------------------------------------


def test_a_run_reads_back_in_its_declared_columns_with_the_hand_figures(run):
    summary, tables = read_run(run)
    assert sorted(tables) == sorted(summary["tables"])
    for name, frame in tables.items():
        assert list(frame.columns) == TABLES[name].names, name
    assert tables["costs"].amount.sum() == pytest.approx(TOTAL)
    [kpis] = tables["demand_kpis"].itertuples()
    assert kpis.mean_response_time == pytest.approx(MEAN_RESPONSE)
    assert kpis.quality == pytest.approx(0.4 * 0.98 + 0.6 * 0.93)
    assert bool(kpis.met) and kpis.currency == "EUR"
    summary_again, tables_again = model.read_run(run)  # model.runs.read_run: the same reader
    assert summary_again == summary and sorted(tables_again) == sorted(tables)


def test_only_the_tables_asked_for_are_read_in_the_order_asked(run):
    tables = read_tables(run, read_summary(run), ["demand_kpis", "costs", "not_a_table"])
    assert list(tables) == ["demand_kpis", "costs"]


def test_a_missing_table_is_named_with_the_summary_that_lists_it(copy):
    (copy / "costs.parquet").unlink()
    with pytest.raises(RunFolderError) as refused:
        read_run(copy)
    error = refused.value
    assert error.missing and error.path == copy / "costs.parquet"
    assert str(error) == f"{copy / 'costs.parquet'} is missing"
    assert error.reason == "summary.json lists the table costs"
    with pytest.raises(ValueError):  # a ValueError too: model.compare's catch reports it as unusable
        model.read_run(copy)


def test_a_cut_short_or_garbled_table_is_damaged(copy):
    costs = copy / "costs.parquet"
    whole = costs.read_bytes()
    costs.write_bytes(whole[: len(whole) // 2])  # a write cut short: no Parquet footer
    with pytest.raises(RunFolderError, match=r"costs\.parquet is damaged \(cut short: not a whole Parquet file\)"):
        table_files(copy, read_summary(copy))
    costs.write_bytes(b"PAR1" + b"\0" * 40 + b"PAR1")  # framed as Parquet, but nothing inside
    assert table_files(copy, read_summary(copy), ["costs"]) == {"costs": costs}  # the quick check passes
    with pytest.raises(RunFolderError, match=r"costs\.parquet is damaged \(not a Parquet table: "):
        read_tables(copy, read_summary(copy), ["costs"])


def test_an_older_run_reads_under_today_s_names_and_types(copy):
    """demand_kpis as runs wrote it before the rename to mean response times: `response_time` and
    `max_response_time`, no `met` flags, no currency column, columns in another order, served as an
    integer."""
    path = copy / "demand_kpis.parquet"
    today = pd.read_parquet(path)
    old = today.rename(columns={"mean_response_time": "response_time", "max_mean_response_time": "max_response_time"})
    old = old.drop(columns=["met", "quality_met", "response_time_met", "currency"])
    old = old[list(reversed(old.columns))].astype({"served": "int64"})
    old.to_parquet(path)
    kpis = read_tables(copy, read_summary(copy), ["demand_kpis"])["demand_kpis"]
    assert list(kpis.columns) == TABLES["demand_kpis"].names
    assert str(kpis.served.dtype) == "float64" and kpis.served.tolist() == [1000.0]
    assert kpis.mean_response_time.tolist() == pytest.approx([MEAN_RESPONSE])
    assert kpis.max_mean_response_time.tolist() == [24.0]  # tiny.yaml's target
    assert kpis.met.tolist() == [True] and kpis.quality_met.tolist() == [True]  # 0.95 >= 0.95, 23.6 <= 24
    assert kpis.currency.tolist() == ["EUR"]  # the summary's


def test_a_table_with_a_column_this_version_does_not_know_is_refused(copy):
    path = copy / "costs.parquet"
    pd.read_parquet(path).assign(colour="red").to_parquet(path)
    with pytest.raises(RunFolderError, match=r"costs\.parquet is damaged \(.*'colour'.*another version of e2eopt"):
        read_run(copy)


# --- light to import ---------------------------------------------------------------------------------


def test_reading_folders_loads_neither_pandas_nor_the_solver_until_it_reads_tables():
    code = (
        "import sys, model.run_folder, model.catalogue; light = 'pandas' not in sys.modules; "
        "import model.runs; print(light, 'pyomo' in sys.modules, 'highspy' in sys.modules)"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert found.stdout.split() == ["True", "False", "False"]
