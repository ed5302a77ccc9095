"""`e2eopt runs list|show|rm|query` end to end, on one runs folder written by the command line once for
the module: data/tiny.yaml, the same with `--set roles.*.cost_per_fte=*1.1`, data/whatif-wage-rise.yaml
and a 2-point sweep of tiny. Removal tests work on copies."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import pty
import re
import shlex
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import DATA, ROOT, TINY_FILE, e2eopt

SET = "roles.*.cost_per_fte=*1.1"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("runs-command")
    root = work / "runs"
    for args in (
        ("solve", str(TINY_FILE)),
        ("solve", str(TINY_FILE), "--set", SET),
        ("solve", str(DATA / "whatif-wage-rise.yaml")),
        ("sweep", str(TINY_FILE), "--grid", "demands.*.volume=*1,*1.1", "--workers", "1"),
    ):
        result = e2eopt(*args, "--out", str(root), cwd=work)
        assert result.returncode == 0, result.stdout + result.stderr
    return root


def summaries(root: Path) -> dict[str, dict]:
    """Every run's and sweep point's summary.json by its name under the runs folder."""
    found = {p.parent.relative_to(root).as_posix(): p for p in root.glob("*/summary.json")}
    found.update({p.parent.relative_to(root).as_posix(): p for p in root.glob("*/points/*/summary.json")})
    return {name: json.loads(path.read_text()) for name, path in found.items()}


def test_list_piped_is_one_tab_separated_line_a_run_with_its_cost(runs):
    result = e2eopt("runs", "list", "--runs", str(runs), cwd=runs.parent)
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in runs.iterdir())
    digest = hashlib.sha256(SET.encode()).hexdigest()[:8]
    suffixes = ["-tiny", f"-tiny-set-{digest}", "-appliance-co-whatif-wage-rise", "-tiny-sweep"]
    assert sorted(name.split("Z-", 1)[1] for name in names) == sorted(s[1:] for s in suffixes)
    lines = result.stdout.splitlines()
    assert len(lines) == 1 + len(names)  # a header, then one line a run: nothing wrapped
    for name in names:  # each name whole on exactly one line, as its first field
        assert [line.split("\t")[0] for line in lines if name in line] == [name]
    rows = {row["name"]: row for row in csv.DictReader(io.StringIO(result.stdout), delimiter="\t")}
    assert set(rows) == set(names)
    by_suffix = {name.split("Z-", 1)[1]: rows[name] for name in names}
    known = summaries(runs)
    for name in names:
        if name in known:
            assert float(rows[name]["total_cost"]) == known[name]["total_cost"]  # at full precision
    # By hand (tests/test_catalogue.py): 400 x 1.5 h x 5,200 EUR / 140 h + 600 x 52 EUR; the wage x 1.1.
    assert float(by_suffix["tiny"]["total_cost"]) == pytest.approx(400 * 1.5 * 5200 / 140 + 600 * 52, rel=1e-9)
    assert float(by_suffix[f"tiny-set-{digest}"]["total_cost"]) == pytest.approx(55714.2857142857, rel=1e-9)
    assert by_suffix["tiny"]["currency"] == "EUR" and by_suffix["tiny"]["overrides"] == ""
    assert by_suffix[f"tiny-set-{digest}"]["overrides"] == SET
    assert by_suffix["appliance-co-whatif-wage-rise"]["overrides"] == "whatif-wage-rise"
    sweep = by_suffix["tiny-sweep"]
    assert (sweep["kind"], sweep["status"], sweep["total_cost"], sweep["overrides"]) == (
        "sweep",
        "2 optimal",
        "",
        "demands.*.volume=*1,*1.1",
    )
    assert by_suffix["tiny"]["scenario_sha256"] == hashlib.sha256(TINY_FILE.read_bytes()).hexdigest()
    grepped = [line.split("\t")[0] for line in lines if "wage" in line]  # `runs list | grep wage`
    assert grepped == [name for name in names if name.endswith("-whatif-wage-rise")]


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def on_a_terminal(args: list[str], cwd: Path, columns: int = 80) -> tuple[int, str]:
    """`e2eopt ARGS` with stdout on a pseudo-terminal `columns` wide (COLUMNS): its exit code and what
    it showed, without the terminal's escape codes and carriage returns."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "model", *args],
        stdout=follower,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        env={**os.environ, "COLUMNS": str(columns), "TERM": "xterm"},
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the command ended and closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    code = process.wait(timeout=60)
    return code, ANSI.sub("", b"".join(chunks).decode()).replace("\r", "")


def test_list_on_an_80_column_terminal_shows_each_name_whole_and_no_line_wider(runs):
    # The default runs folder, `runs` in the working folder: the title names the folder as given, whole, and
    # an absolute path would make the title's width that of the temporary folder's path (longer under
    # `pytest -n`, whose workers each have one, and on other systems), not the command's.
    code, shown = on_a_terminal(["runs", "list"], runs.parent)
    assert code == 0, shown
    lines = shown.splitlines()
    assert lines[0] == "4 folders in runs, oldest first", shown  # 3 runs and a sweep
    assert max(len(line) for line in lines) <= 80, shown
    names = sorted(p.name for p in runs.iterdir())
    for name in names:  # alone on its line: never wrapped, never cut
        assert [line for line in lines if name in line] == [name], shown
    [changed] = runs.glob("*-tiny-set-*")
    summary = summaries(runs)[changed.name]
    written = datetime.fromisoformat(summary["created_utc"]).strftime("%Y-%m-%d %H:%M").split()
    digest = summary["input"]["scenario_sha256"][:8]
    figures = lines[lines.index(changed.name) + 1].split()
    assert figures == [*written, "run", "optimal", "55,714.29", "EUR", digest]
    assert lines[lines.index(changed.name) + 2].strip() == f"overrides: {SET}"
    assert len(lines) < 4 * len(names)  # not one letter a line: a title, a header, 2 or 3 lines a run


def test_a_long_status_wraps_at_words_in_its_column():
    """A damaged folder's problem is the long status: wrapped within its column, the name whole above."""
    from model.catalogue import Catalogue, Entry
    from model.cli.runs import _list_lines

    problem = "summary.json is not valid JSON (Expecting value: line 1 column 2 (char 1))"
    name = "20261205T101010Z-a-what-if-with-a-long-name-that-fills-most-of-the-line"
    entry = Entry(name, Path(name), "damaged", "2026-12-05T10:10:10+00:00", problem=problem)
    lines = [line for line, _ in _list_lines(Catalogue(Path("runs"), [entry], [], []), 80)]
    assert max(len(line) for line in lines) <= 80 and lines.index(name) == 3  # title, 2 header lines
    figures = lines[4:-1]
    assert figures[0].split()[:4] == ["2026-12-05", "10:10", "damaged", "summary.json"]
    start = figures[0].index("summary.json")
    assert all(line[:start].strip() == "" for line in figures[1:]) and len(figures) > 1  # in its column
    assert " ".join(line[start:].split("  ")[0].strip() for line in figures) == problem


def test_a_what_if_solved_again_lists_its_label(runs, tmp_path):
    """The folder of a run solved again from a what-if's folder records no overrides of its own: its
    label (and name) keep the what-if's stem, and the list shows it."""
    [whatif] = runs.glob("*-whatif-wage-rise")
    root = tmp_path / "again"
    result = e2eopt("solve", str(whatif), "--out", str(root), "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [again] = root.iterdir()
    assert again.name.endswith("-appliance-co-whatif-wage-rise")
    summary = json.loads((again / "summary.json").read_text())
    assert summary["label"] == "whatif-wage-rise" and not summary.get("overrides")
    assert summary["total_cost"] == pytest.approx(summaries(runs)[whatif.name]["total_cost"], rel=1e-9)
    piped = e2eopt("runs", "list", "--runs", str(root), cwd=tmp_path)
    [row] = csv.DictReader(io.StringIO(piped.stdout), delimiter="\t")
    assert row["overrides"] == "whatif-wage-rise (label)"
    code, shown = on_a_terminal(["runs", "list", "--runs", str(root)], tmp_path)
    assert code == 0 and "  overrides: whatif-wage-rise (label)" in shown.splitlines(), shown


def test_list_json_is_one_document_with_every_field(runs):
    result = e2eopt("runs", "list", "--runs", str(runs), "--json", cwd=runs.parent)
    assert result.returncode == 0, result.stderr
    listed = {entry["name"]: entry for entry in json.loads(result.stdout)}
    known = summaries(runs)
    assert set(listed) == {name for name in known if "/" not in name} | {p.name for p in runs.glob("*-sweep")}
    for name, entry in listed.items():
        if entry["kind"] == "run":
            assert entry["total_cost"] == known[name]["total_cost"]
            assert entry["scenario_sha256"] == known[name]["input"]["scenario_sha256"]
    times = [entry["created"] for entry in json.loads(result.stdout)]
    assert times == sorted(times)


def test_query_totals_by_run_equal_the_summaries(runs):
    sql = "select run, sum(amount) from costs group by run"
    result = e2eopt("runs", "query", sql, "--runs", str(runs), "--format", "json", cwd=runs.parent)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    totals = {row["run"]: row["sum(amount)"] for row in document["rows"]}
    known = summaries(runs)
    assert set(totals) == set(known) and len(totals) == 5  # 3 runs, 2 sweep points
    for name, total in totals.items():
        assert total == pytest.approx(known[name]["total_cost"], abs=1e-6)


def test_query_as_csv_and_as_a_table_with_units(runs):
    sql = "select run, sum(amount) as amount from costs where run not like '%/%' group by run order by run"
    result = e2eopt("runs", "query", sql, "--runs", str(runs), "--format", "csv", cwd=runs.parent)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    for row in rows:
        expected = pd.read_parquet(runs / row["run"] / "costs.parquet").amount.sum()
        assert float(row["amount"]) == pytest.approx(expected, abs=1e-6)
    assert len(rows) == 3
    table = e2eopt("runs", "query", sql, "--runs", str(runs), cwd=runs.parent)
    assert table.returncode == 0, table.stderr
    assert "amount (EUR)" in table.stdout and "53,485.71" in table.stdout and "3 rows" in table.stdout


def test_query_json_holds_numbers_and_null_for_what_json_cannot_hold(runs):
    sql = "select cast('nan' as double) as x, 1.5 as y, cast('inf' as double) as z, date '2027-01-31' as d"
    result = e2eopt("runs", "query", sql, "--runs", str(runs), "--format", "json", cwd=runs.parent)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["rows"] == [{"x": None, "y": 1.5, "z": None, "d": "2027-01-31"}]


def test_query_of_the_points_view_names_each_sweep(runs):
    [sweep] = runs.glob("*-sweep")
    sql = 'select run, point, "demands.*.volume", total_cost from points order by point'
    result = e2eopt("runs", "query", sql, "--runs", str(runs), "--format", "csv", cwd=runs.parent)
    assert result.returncode == 0, result.stderr
    points = pd.read_parquet(sweep / "points.parquet")
    got = pd.read_csv(io.StringIO(result.stdout))
    assert list(got.run) == [sweep.name] * 2 and list(got.point) == [1, 2]
    assert list(got["demands.*.volume"]) == ["*1", "*1.1"]
    assert list(got.total_cost) == pytest.approx(list(points.total_cost), abs=1e-6)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("selec 1",), "syntax error"),
        (("select * from nowhere",), "nowhere"),
        (("select 1", "--format", "xml"), "expected table, csv or json"),
    ],
)
def test_bad_queries_exit_2_with_the_reason(runs, args, fragment):
    result = e2eopt("runs", "query", *args, "--runs", str(runs), cwd=runs.parent)
    assert result.returncode == 2 and fragment in result.stderr and "Traceback" not in result.stderr


def test_a_missing_runs_folder_exits_2(tmp_path):
    result = e2eopt("runs", "list", "--runs", str(tmp_path / "none"), cwd=tmp_path)
    assert result.returncode == 2 and "does not exist" in result.stderr


def test_show_tells_a_run_in_words(runs):
    [changed] = runs.glob("*-tiny-set-*")
    result = e2eopt("runs", "show", changed.name, "--runs", str(runs), cwd=runs.parent)
    assert result.returncode == 0, result.stderr
    rows = len(pd.read_parquet(changed / "costs.parquet"))
    for expected in (
        "Status: optimal",
        "Total cost: 55,714.29 EUR over 1 period",
        f"Input: {TINY_FILE}",
        "roles.*.cost_per_fte = *1.1 (--set; 1 field changed)",
        f"costs {rows}",
        "Command: e2eopt solve",
    ):
        assert expected in result.stdout, expected


def test_show_gives_a_sweep_point_a_command_that_solves_it_again(runs, tmp_path):
    [sweep] = runs.glob("*-sweep")
    point = sweep / "points" / "0002"
    result = e2eopt("runs", "show", f"{sweep.name}/points/0002", "--runs", str(runs), cwd=runs.parent)
    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stdout.splitlines() if line.startswith("Command")]
    prefix = "Command (solves this sweep point again): "
    assert line == prefix + f"e2eopt solve {shlex.quote(str(point))}"  # under --runs as given
    args = shlex.split(line.removeprefix(prefix))
    assert args[:2] == ["e2eopt", "solve"]
    again = e2eopt(*args[1:], "--out", str(tmp_path / "again"), "--quiet", cwd=runs.parent)  # run as shown
    assert again.returncode == 0, again.stderr
    [folder] = (tmp_path / "again").iterdir()
    total = json.loads((folder / "summary.json").read_text())["total_cost"]
    # Volume x 1.1 by hand: 440 repairs in-house (1.5 h, 5,200 EUR a 140 h FTE), 660 at the vendor's 52 EUR.
    assert total == pytest.approx(440 * 1.5 * 5200 / 140 + 660 * 52, rel=1e-9)
    assert total == pytest.approx(json.loads((point / "summary.json").read_text())["total_cost"], rel=1e-9)


def test_query_units_come_from_the_tables_read(runs):
    """backlog is a number of units in demand_kpis but money in cost_to_serve: read from demand_kpis
    alone it has its unit; read from both it has none, and the output says why."""
    sql = "select backlog, marginal_cost from demand_kpis"
    result = e2eopt("runs", "query", sql, "--runs", str(runs), "--format", "json", cwd=runs.parent)
    assert result.returncode == 0, result.stderr
    [kpis] = runs.glob("*Z-tiny")
    stored = json.loads(pq.read_schema(kpis / "demand_kpis.parquet").metadata[b"units"])
    assert json.loads(result.stdout)["units"] == {
        "backlog": stored["backlog"],
        "marginal_cost": stored["marginal_cost"],
    }
    assert (stored["backlog"], stored["marginal_cost"]) == ("unit", "EUR per unit")
    both = "select k.backlog, c.cost_to_serve from demand_kpis k join cost_to_serve c using (run, period, demand)"
    result = e2eopt("runs", "query", both, "--runs", str(runs), "--format", "json", cwd=runs.parent)
    document = json.loads(result.stdout)
    assert document["units"] == {"cost_to_serve": "EUR"}
    assert document["units_differ"] == {"backlog": {"EUR": ["cost_to_serve"], "unit": ["demand_kpis"]}}
    table = e2eopt("runs", "query", both, "--runs", str(runs), cwd=runs.parent)
    assert table.returncode == 0, table.stderr
    said = "No unit for backlog: the tables read give it different ones (EUR in cost_to_serve; unit in demand_kpis)."
    assert said in table.stdout and "cost_to_serve (EUR)" in table.stdout


def test_a_damaged_folder_is_listed_as_damaged(runs, tmp_path):
    root = tmp_path / "runs"
    [base] = runs.glob("*Z-tiny")
    shutil.copytree(base, root / "broken")
    (root / "broken" / "summary.json").write_text("{")
    result = e2eopt("runs", "list", "--runs", str(root), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [entry] = json.loads(result.stdout)
    assert entry["kind"] == "damaged" and entry["problem"].startswith("summary.json is damaged (not JSON: ")
    shown = e2eopt("runs", "show", "broken", "--runs", str(root), cwd=tmp_path)
    assert shown.returncode == 2 and "Damaged: summary.json is damaged (not JSON: " in shown.stdout
    queried = e2eopt("runs", "query", "select count(*) from runs", "--runs", str(root), cwd=tmp_path)
    assert queried.returncode == 0 and "Left out, damaged: broken" in queried.stderr


def copied(runs: Path, where: Path) -> Path:
    root = where / "runs"
    shutil.copytree(runs, root)
    (root / "notes").mkdir()
    (root / "notes" / "scenario.yaml").write_text(TINY_FILE.read_text())
    return root


def with_a_terminal(args: list[str], answer: bytes, cwd: Path) -> subprocess.CompletedProcess:
    """`e2eopt ARGS` with stdin on a pseudo-terminal that types `answer`."""
    leader, follower = pty.openpty()
    try:
        os.write(leader, answer)
        process = subprocess.run(
            [sys.executable, "-m", "model", *args],
            stdin=follower,
            capture_output=True,
            cwd=cwd,
            timeout=60,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    finally:
        os.close(leader)
        os.close(follower)
    return subprocess.CompletedProcess(
        process.args, process.returncode, process.stdout.decode(), process.stderr.decode()
    )


def test_rm_asks_on_a_terminal_and_removes_only_on_yes(runs, tmp_path):
    root = copied(runs, tmp_path)
    [base] = root.glob("*Z-tiny")
    args = ["runs", "rm", base.name, "--runs", str(root)]
    declined = with_a_terminal(args, b"n\n", tmp_path)
    assert declined.returncode == 1 and "Nothing was removed" in declined.stdout and base.is_dir()
    accepted = with_a_terminal(args, b"y\n", tmp_path)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert f"Removed {base}" in accepted.stdout and not base.exists()


def test_rm_refuses_without_a_terminal_unless_yes(runs, tmp_path):
    root = copied(runs, tmp_path)
    [base] = root.glob("*Z-tiny")
    [sweep] = root.glob("*-sweep")
    refused = e2eopt("runs", "rm", base.name, "--runs", str(root), cwd=tmp_path)
    assert refused.returncode == 2 and "stdin is not a terminal" in refused.stderr and base.is_dir()
    removed = e2eopt("runs", "rm", base.name, sweep.name, "--runs", str(root), "--yes", cwd=tmp_path)
    assert removed.returncode == 0, removed.stderr
    assert not base.exists() and not sweep.exists()
    left = sorted(p.name.split("Z-", 1)[-1] for p in root.iterdir())  # nothing hidden left behind either
    assert left == [
        "appliance-co-whatif-wage-rise",
        "notes",
        f"tiny-set-{hashlib.sha256(SET.encode()).hexdigest()[:8]}",
    ]


def test_rm_leaves_a_sweep_that_is_running(runs, tmp_path):
    """The sweep's lock held (as by a sweep running in another process): the sweep is not removed."""
    from model.sweep import locked

    root = copied(runs, tmp_path)
    [sweep] = root.glob("*-sweep")
    with locked(sweep):
        result = e2eopt("runs", "rm", sweep.name, "--runs", str(root), "--yes", cwd=tmp_path)
    assert result.returncode == 2 and "is in use by process" in result.stderr, result.stderr
    assert (sweep / "points.parquet").is_file() and (sweep / "sweep.json").is_file()


@pytest.mark.parametrize("target", ["notes", "sweep-point", "."])
def test_rm_never_removes_what_is_not_a_run(runs, tmp_path, target):
    root = copied(runs, tmp_path)
    [sweep] = root.glob("*-sweep")
    name = {"notes": "notes", "sweep-point": f"{sweep.name}/points/0001", ".": str(root)}[target]
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    result = e2eopt("runs", "rm", name, "--runs", str(root), "--yes", cwd=tmp_path)
    assert result.returncode == 2 and "nothing was removed" in result.stderr, result.stderr
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before
