"""`e2eopt report` and `e2eopt solve --report` end to end, in fresh processes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import TINY_FILE, e2eopt, only_folder


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """`e2eopt solve data/tiny.yaml --report`: the run folder, with report.html in it, and stdout."""
    work = tmp_path_factory.mktemp("report-cli")
    result = e2eopt("solve", str(TINY_FILE), "--out", str(work / "runs"), "--report", cwd=work)
    assert result.returncode == 0, result.stderr
    return only_folder(work / "runs"), result.stdout


def test_solve_with_report_writes_it_into_the_run_folder(tiny_run):
    folder, stdout = tiny_run
    page = folder / "report.html"
    assert stdout.splitlines()[-2:] == [f"Run folder: {folder}", f"Report: {page}"]
    text = page.read_text()
    assert "Total cost: 53,485.71 EUR over 1 period (P1)" in text  # the README's figure for tiny.yaml
    assert text.count('class="plotly-graph-div"') == 7


def test_solve_quiet_with_report_prints_only_the_run_folder(tmp_path):
    """`folder=$(e2eopt solve FILE -q --report)` holds the run folder; the page is in it."""
    result = e2eopt("solve", str(TINY_FILE), "--out", "runs", "-q", "--report", cwd=tmp_path)
    folder = only_folder(tmp_path / "runs")
    assert (result.returncode, result.stdout, result.stderr) == (0, f"{Path('runs') / folder.name}\n", "")
    assert "Total cost: 53,485.71 EUR over 1 period (P1)" in (folder / "report.html").read_text()


def test_report_writes_the_page_where_asked(tiny_run, tmp_path):
    folder, _ = tiny_run
    copy = tmp_path / "run"
    shutil.copytree(folder, copy)
    (copy / "report.html").unlink()
    result = e2eopt("report", str(copy), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Report: {copy / 'report.html'}\n"
    elsewhere = tmp_path / "page.html"
    result = e2eopt("report", str(copy), "--out", str(elsewhere), "--base", str(folder), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    total = json.loads((folder / "summary.json").read_text())["total_cost"]
    assert f"Against base run tiny ({folder.name}): {total:,.2f} EUR; difference +0.00 EUR (+0.00%)" in (
        elsewhere.read_text()
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["missing"], "error: missing: no such folder; nothing was written."),
        (["."], "error: .: not a run, sweep, frontier or comparison folder"),
        (["RUN", "--base", "."], "error: --base .: not a run, sweep, frontier or comparison folder"),
        (["RUN", "--out", "nowhere/page.html"], "error: --out nowhere/page.html: the folder nowhere does not exist"),
        (["RUN", "--out", "."], "error: --out .: is a folder; give a file name, e.g. report.html"),
    ],
)
def test_bad_input_exits_2_saying_why_and_writes_nothing(tiny_run, tmp_path, arguments, message):
    folder, _ = tiny_run
    before = sorted(p.name for p in folder.iterdir())
    result = e2eopt("report", *[str(folder) if a == "RUN" else a for a in arguments], cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    assert result.stderr.startswith(message), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert list(tmp_path.iterdir()) == [] and sorted(p.name for p in folder.iterdir()) == before


def test_a_base_run_in_another_currency_exits_2_and_writes_nothing(tiny_run, tmp_path):
    """Costs in USD cannot be subtracted from costs in EUR: refused, saying why, before a byte is written."""
    folder, _ = tiny_run
    usd = tmp_path / "tiny-usd.yaml"
    usd.write_text(TINY_FILE.read_text().replace("currency: EUR", "currency: USD"))
    solved = e2eopt("solve", str(usd), "--out", str(tmp_path / "runs"), cwd=tmp_path)
    assert solved.returncode == 0, solved.stderr
    base = only_folder(tmp_path / "runs")
    page = tmp_path / "page.html"
    result = e2eopt("report", str(folder), "--base", str(base), "--out", str(page), cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    message = " ".join(result.stderr.split())
    assert message == (
        f"error: --base {base}: its costs are in USD and this run's in EUR; costs in two currencies cannot be "
        "subtracted. Give a base run whose scenario's currency is EUR; nothing was written."
    )
    assert result.stdout == "" and not page.exists()


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 64 kB tmpfs: room for a probe file, not for a 4.9 MB page (root only: mount)."""
    import os
    import subprocess

    folder = tmp_path / "small"
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("not root: cannot mount a small tmpfs")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk_exits_6_and_leaves_nothing(tiny_run, small_disk, tmp_path):
    folder, _ = tiny_run
    target = small_disk / "report.html"
    result = e2eopt("report", str(folder), "--out", str(target), cwd=tmp_path)
    assert result.returncode == 6, result.stderr
    message = " ".join(result.stderr.split())
    assert message.startswith(
        f"error: {target} could not be written: No space left on device (ENOSPC); nothing was written."
    )
    assert message.endswith(f"run again: e2eopt report {folder} --out {target}")
    assert list(small_disk.iterdir()) == []  # no page, no temporary file
