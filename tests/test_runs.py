"""Run folders are written whole or not at all, and read back as written."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import TINY_FILE

from model import load_scenario, optimise, read_run, write_run
from model import runs as runs_module


@pytest.fixture(scope="module")
def outcome():
    return optimise(load_scenario(TINY_FILE))


def test_written_run_reads_back_identically(tmp_path, outcome):
    folder = write_run(outcome, TINY_FILE, tmp_path)
    summary, tables = read_run(folder)
    assert summary["objective"] == pytest.approx(outcome.objective)
    for name, table in outcome.tables.items():
        pd.testing.assert_frame_equal(
            tables[name].reset_index(drop=True), table.reset_index(drop=True), check_dtype=False
        )


def test_parquet_carries_column_units(tmp_path, outcome):
    import json

    import pyarrow.parquet as pq

    folder = write_run(outcome, TINY_FILE, tmp_path)
    units = json.loads(pq.read_schema(folder / "costs.parquet").metadata[b"units"])
    assert units == {"amount": "EUR"}


@pytest.mark.parametrize("writer", ["write_csv", "write_parquet"])
def test_an_interrupt_while_writing_leaves_nothing(tmp_path, outcome, monkeypatch, writer):
    """An interrupt on the third table, in this thread (CSV) or in the Parquet writer's thread."""
    calls = []
    original = getattr(runs_module, writer)

    def interrupted(*args):
        calls.append(args[1])
        if len(calls) == 3:
            raise KeyboardInterrupt
        return original(*args)

    monkeypatch.setattr(runs_module, writer, interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_run(outcome, TINY_FILE, tmp_path)
    assert len(calls) == 3
    assert list(tmp_path.iterdir()) == []


def test_an_interrupt_while_waiting_for_the_parquet_thread_stops_it(tmp_path, outcome, monkeypatch):
    """Ctrl-C lands in the main thread, most likely while it waits for the slower Parquet writer:
    the writer stops after its table, and nothing is left. The interrupt is raised where the main
    thread waits (not sent as a signal, whose moment of arrival a busy machine decides)."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    written, writing = [], threading.Event()
    original = runs_module.write_parquet

    def slow(frame, path, units):
        writing.set()
        time.sleep(0.2)
        written.append(path)
        return original(frame, path, units)

    class InterruptedWhileWaiting(ThreadPoolExecutor):
        def submit(self, fn, /, *args, **kwargs):
            future = super().submit(fn, *args, **kwargs)

            def result(timeout=None):
                assert writing.wait(10), "the Parquet thread never started writing"
                raise KeyboardInterrupt  # Ctrl-C while the main thread waits for the Parquet thread

            future.result = result
            return future

    monkeypatch.setattr(runs_module, "write_parquet", slow)
    monkeypatch.setattr(runs_module, "ThreadPoolExecutor", InterruptedWhileWaiting)
    with pytest.raises(KeyboardInterrupt):
        write_run(outcome, TINY_FILE, tmp_path)
    assert 1 <= len(written) < len(outcome.tables)  # the table being written, then it stopped
    assert list(tmp_path.iterdir()) == []


def test_two_runs_in_the_same_second_get_distinct_folders(tmp_path, outcome, monkeypatch):
    monkeypatch.setattr(runs_module, "new_run_folder_name", lambda name, now=None, label="": f"20270101T000000Z-{name}")
    first = write_run(outcome, TINY_FILE, tmp_path)
    second = write_run(outcome, TINY_FILE, tmp_path)
    assert first != second and first.exists() and second.exists()
    assert second.name == first.name + "-2"


# --- staging folders: only a dead writer's are removed -------------------------------------------------


def test_a_live_writer_s_staging_folder_is_left_and_a_dead_one_s_removed(tmp_path):
    """The marker's lock tells them apart (flock conflicts between two opens, even in one process). A
    folder that only looks like staging (no marker, or a symbolic link) is never touched."""
    from model.staging import STAGING_MARKER, remove_stale_staging, staging_folder

    dead = tmp_path / ".incomplete-999999-dead"
    dead.mkdir()
    (dead / STAGING_MARKER).write_text("pid 999999\n")  # written by a writer that is gone: nobody holds its lock
    (dead / "costs.csv").write_text("half a table")
    unmarked = tmp_path / ".incomplete-someone-else"
    unmarked.mkdir()
    link = tmp_path / ".incomplete-link"
    link.symlink_to(dead)
    with staging_folder(tmp_path) as live:  # removes `dead` as it starts
        assert not dead.exists() and unmarked.is_dir() and link.is_symlink()
        assert (live / STAGING_MARKER).is_file()
        assert remove_stale_staging(tmp_path) == []  # the live writer holds its lock
        assert live.is_dir()
    assert live.is_dir()  # the block ended without renaming it: the caller's business; now stale
    assert remove_stale_staging(tmp_path) == [live] and not live.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".incomplete-link", ".incomplete-someone-else"]


def test_a_failed_write_leaves_no_staging_folder_and_no_folder_it_made(tmp_path, outcome, monkeypatch):
    import errno

    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(runs_module, "write_csv", full)
    with pytest.raises(OSError, match="No space left"):
        write_run(outcome, TINY_FILE, tmp_path / "new" / "runs")
    assert list(tmp_path.iterdir()) == []


def test_the_output_check_leaves_nothing_and_names_what_is_wrong(tmp_path):
    from model.staging import OutputError, check_output_folder

    assert check_output_folder(tmp_path / "a" / "b" / "runs") == []
    assert list(tmp_path.iterdir()) == []  # the folders it made to try are gone
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError, match=f"^{tmp_path}/file is a file, not a folder$"):
        check_output_folder(tmp_path / "file" / "runs")


def test_a_folder_killed_while_being_marked_is_removed_once_its_draft_is_old(tmp_path):
    """Killed between making the folder and renaming its marker into place: only the draft is there. A
    young draft may be a live writer's that has not locked it yet, so only an old one is judged."""
    import os
    import time

    from model.staging import DRAFT_AGE, STAGING_MARKER, remove_stale_staging

    young, old = tmp_path / ".incomplete-1-young", tmp_path / ".incomplete-2-old"
    for folder in (young, old):
        folder.mkdir()
        (folder / f"{STAGING_MARKER}.draft").write_text("")
    then = time.time() - DRAFT_AGE - 5
    os.utime(old / f"{STAGING_MARKER}.draft", (then, then))
    assert remove_stale_staging(tmp_path) == [old]
    assert [p.name for p in tmp_path.iterdir()] == [young.name]


def test_a_long_scenario_name_still_makes_a_folder_name_the_file_system_takes():
    """A folder name has at most 255 bytes: the name's part is cut at 200 bytes, whole characters only
    (100 two-byte letters of a 300-letter name)."""
    from datetime import UTC, datetime

    from model.runs import new_run_folder_name

    name = new_run_folder_name("é" * 300, datetime(2027, 1, 1, tzinfo=UTC))
    assert name == "20270101T000000Z-" + "é" * 100
    assert len(name.encode("utf-8")) == 17 + 200
