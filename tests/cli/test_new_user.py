"""The command line as a new user meets it: --json documents that hold every key whatever the status,
one form for every refusal of --out, progress that fits the terminal, `generate --quiet`, plain
argument names in usage lines, and a diagnosis that says where an overridden value came from.

data/tiny.yaml by hand (tests/cli/test_screen.py's docstring): the plan costs 600 x 52 + 400 x 1.5 /
140 x 5,200 = 53,485.71 EUR. With `max_mean_response_time=1` (h) no plan meets it: the quickest route
is the service team's, 6 h wait + 2 h processing = 8 h, so the diagnosis relaxes the target to 8 h.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import TINY_FILE, UNKEEPABLE_PROMISE, e2eopt, only_folder
from typer.testing import CliRunner

from model.cli import app

TINY_COST = 600 * 52 + 400 * 1.5 / 140 * 5200  # 53,485.71 EUR
TOO_QUICK = "demands.*.max_mean_response_time=1"
SOMETIMES = {  # keys summary.json holds only when the run has them, and what stands for none
    "total_cost": None,
    "cost_by_stage": None,
    "cost_by_category": None,
    "unallocated_cost": None,
    "diagnosis": None,
    "queues": None,
    "extension_costs": None,
    "overrides": [],
}


def tiny_line(text: str) -> int:
    """The line of data/tiny.yaml that holds `text`."""
    return next(i for i, line in enumerate(TINY_FILE.read_text().splitlines(), start=1) if text in line)


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """tiny solved with --json as it is (optimal) and with a response time no route meets (infeasible)."""
    work = tmp_path_factory.mktemp("new-user")
    optimal = e2eopt("solve", str(TINY_FILE), "--json", "--out", "optimal", cwd=work)
    infeasible = e2eopt("solve", str(TINY_FILE), "--set", TOO_QUICK, "--json", "--out", "infeasible", cwd=work)
    return {
        "work": work,
        "optimal": optimal,
        "infeasible": infeasible,
        "optimal_folder": only_folder(work / "optimal"),
        "infeasible_folder": only_folder(work / "infeasible"),
    }


# --- --json: every key whatever the status -------------------------------------------------------------


def test_solve_json_holds_every_key_whatever_the_status(solved):
    assert solved["optimal"].returncode == 0, solved["optimal"].stderr
    assert solved["infeasible"].returncode == 3, solved["infeasible"].stderr
    optimal, infeasible = json.loads(solved["optimal"].stdout), json.loads(solved["infeasible"].stdout)
    assert sorted(optimal) == sorted(infeasible)
    # The infeasible run has no figures: each key is there, null.
    assert infeasible["status"] == "infeasible" and infeasible["total_cost"] is None
    assert {key: infeasible[key] for key in SOMETIMES if key not in ("diagnosis", "overrides")} == {
        key: None for key in SOMETIMES if key not in ("diagnosis", "overrides")
    }
    assert [entry["override"] for entry in infeasible["overrides"]] == ["demands.*.max_mean_response_time"]
    assert optimal["total_cost"] == pytest.approx(TINY_COST, abs=0.01)
    assert (optimal["diagnosis"], optimal["queues"], optimal["extension_costs"], optimal["overrides"]) == (
        None,
        None,
        None,
        [],
    )
    # summary.json on disk is as before: the document adds only the keys it lacks.
    on_disk = json.loads((solved["infeasible_folder"] / "summary.json").read_text())
    assert "total_cost" not in on_disk and {k: v for k, v in infeasible.items() if k in on_disk} == on_disk


def test_validate_json_holds_the_same_keys_for_a_plan_that_cannot_be_met(tmp_path):
    (tmp_path / "slow.yaml").write_text(UNKEEPABLE_PROMISE)
    valid = json.loads(e2eopt("validate", str(TINY_FILE), "--json", cwd=tmp_path).stdout)
    slow = json.loads(e2eopt("validate", "slow.yaml", "--json", cwd=tmp_path).stdout)
    assert sorted(valid) == sorted(slow) and valid["problems"] == slow["problems"] == []
    keys = ["constraints", "families", "infeasible_as_written", "kind", "variables"]
    assert sorted(valid["lp"]) == sorted(slow["lp"]) == keys
    assert valid["lp"]["infeasible_as_written"] is None and valid["lp"]["variables"] > 0
    assert (slow["lp"]["variables"], slow["lp"]["constraints"], slow["lp"]["families"]) == (None, None, None)
    assert "cannot hold" in slow["lp"]["infeasible_as_written"]


def test_sweep_and_compare_json_hold_the_same_keys_for_an_infeasible_point_or_run(solved, tmp_path):
    swept = e2eopt(
        "sweep", str(TINY_FILE), "--grid", "demands.*.min_quality=0.95,0.99", "--json", "--out", "s", cwd=tmp_path
    )
    points = json.loads(swept.stdout)["points"]
    assert [p["status"] for p in points] == ["optimal", "infeasible"]  # 0.99 is above the best, 0.98
    assert sorted(points[0]) == sorted(points[1])
    assert points[0]["total_cost"] == pytest.approx(TINY_COST, abs=0.01) and points[1]["total_cost"] is None
    a, b = str(solved["optimal_folder"]), str(solved["infeasible_folder"])
    both = json.loads(e2eopt("compare", a, a, "--json", "--out", "same", cwd=tmp_path).stdout)
    one = json.loads(e2eopt("compare", a, b, "--json", "--out", "one", cwd=tmp_path).stdout)
    assert sorted(both) == sorted(one) and (one["status_b"], one["bridge"]) == ("infeasible", [])


# --- a diagnosis says where an overridden value came from ----------------------------------------------


def test_the_diagnosis_names_the_set_that_wrote_a_value_not_the_files_line(solved):
    document = json.loads(solved["infeasible"].stdout)
    volume = tiny_line("volume: 1000")
    assert document["diagnosis"][0] == (
        "demands.repairs.max_mean_response_time (--set): 1 h cannot be met for repairs in P1; 8.00 h can."
    )
    assert f"(demands.repairs.volume, line {volume})." in document["diagnosis"][1]  # not overridden
    assert f"line {tiny_line('max_mean_response_time: 24')}" not in " ".join(document["diagnosis"])
    import pandas as pd

    table = pd.read_csv(solved["infeasible_folder"] / "diagnosis.csv")  # an infeasible run: CSV only
    target = table[table.field == "demands.repairs.max_mean_response_time"]
    assert len(target) == 2 and target.line.isna().all()  # no line of tiny.yaml: the value is --set's
    assert set(table[table.field == "demands.repairs.volume"].line) == {volume}


def test_the_diagnosis_names_the_what_if_files_line(tmp_path, monkeypatch):
    from model.optimise import optimise
    from model.scenario.overrides import resolve

    monkeypatch.chdir(tmp_path)
    (tmp_path / "tiny.yaml").write_text(TINY_FILE.read_text())
    (tmp_path / "quick.yaml").write_text("extends: tiny.yaml\nset:\n  demands.repairs.max_mean_response_time: 1\n")
    resolved = resolve(Path("quick.yaml"))
    outcome = optimise(resolved.scenario, source=resolved.source, sensitivity=False)
    assert outcome.status == "infeasible" and outcome.diagnosis is not None
    assert outcome.diagnosis.sentence.iloc[0] == (
        "demands.repairs.max_mean_response_time (quick.yaml:3): 1 h cannot be met for repairs in P1; 8.00 h can."
    )  # the override is on quick.yaml's line 3
    assert outcome.diagnosis.line.isna().iloc[0]


# --- --out: one form for every refusal -----------------------------------------------------------------


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    (tmp_path / "r.txt").write_text("a file\n")
    return tmp_path / "r.txt"


def refusal(*args: str) -> str:
    """What a refused command printed (in this process), on one line; it must exit 2."""
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return " ".join(result.output.split())


def test_an_out_under_a_file_says_the_file_is_not_a_folder(solved, a_file):
    run = str(solved["optimal_folder"])
    for command in (["export", run], ["report", run], ["generate"]):
        target = a_file / ("x.xlsx" if command[0] == "export" else "x.html")
        said = refusal(*command, "--out", str(target))
        assert said == f"error: --out {target}: {a_file} is a file, not a folder; nothing was written.", command
    assert a_file.read_text() == "a file\n"


@pytest.mark.parametrize("place", ["/proc", "/sys"])
def test_an_out_in_a_virtual_file_system_names_the_folder_and_why(solved, place):
    run = str(solved["optimal_folder"])
    said = refusal("report", run, "--out", f"{place}/x.html")
    reason = {
        "/proc": "it takes no new files (a virtual file system: it answers No such file or directory, ENOENT)",
        "/sys": "Operation not permitted (EPERM)",
    }[place]
    assert said == f"error: --out {place}/x.html: {place} cannot be written to: {reason}; nothing was written."
    assert refusal("solve", str(TINY_FILE), "--out", f"{place}/runs").startswith(
        f"error: --out {place}/runs: {place} cannot be written to: "
    )


def test_export_format_says_what_is_allowed(solved):
    said = refusal("export", str(solved["optimal_folder"]), "--format", "pdf")
    assert said == "error: --format pdf: not allowed; choose xlsx, csv or parquet; nothing was written."


# --- progress fits the terminal -------------------------------------------------------------------------


@pytest.mark.parametrize("width", [80, 60])
def test_progress_fits_the_terminal_and_keeps_the_time_left(monkeypatch, width):
    from model.cli import progress

    now = [100.0]
    monkeypatch.setattr(progress, "perf_counter", lambda: now[0])
    phases = progress.Phases("Solving appliance-co-whatif-wage-rise-set-1a2b3c4d", time_limit=60)
    now[0] += 3.0
    phases.phase("sensitivity")
    now[0] += 4.5  # 7.5 s of the 60: 52.5 s left
    whole = phases.line()
    assert whole == (
        "Solving appliance-co-whatif-wage-rise-set-1a2b3c4d: sensitivity (HiGHS's ranging), 4.5 s "
        "(run 7.5 s; 52.5 s left of 60 s)"
    )
    monkeypatch.setattr(progress.err, "width", width)
    phases.live = True  # as on a terminal, where the line is redrawn beside the spinner
    shown = phases._shown()
    assert len(shown) <= width - progress.SPINNER
    assert re.search(r"52\.5 s left( of 60 s)?\)$", shown), shown
    assert shown.startswith("Solving appliance") and "…" in shown
    points = progress.Points("Sweep of appliance-co-whatif-wage-rise-set-1a2b3c4d", total=1000, done=0)
    now[0] += 6.0
    points.advance(3)  # 3 in 6 s: 997 left take about 1,994 s, 33 min 14 s
    points.live = True
    shown = points._shown()
    assert len(shown) <= width - progress.SPINNER and shown.endswith(", about 33 min 14 s left"), shown
    assert "3 of 1,000 points done, " in shown  # the count is never cut


# --- generate --quiet; usage lines -----------------------------------------------------------------------


def test_generate_quiet_prints_only_the_files_path(tmp_path):
    loud = e2eopt("generate", "--nodes-per-stage", "1", "--demands", "2", "--out", "a.yaml", cwd=tmp_path)
    quiet = e2eopt("generate", "--nodes-per-stage", "1", "--demands", "2", "--out", "b.yaml", "-q", cwd=tmp_path)
    assert loud.returncode == quiet.returncode == 0, loud.stderr + quiet.stderr
    # one node in each of the six stages; two demands; the default, one period
    assert loud.stdout == "Generated 6 nodes, " + loud.stdout.split(", ", 1)[1]
    assert loud.stdout.endswith(", 2 demands, 1 period\nScenario file: a.yaml\n")
    assert (quiet.stdout, quiet.stderr) == ("b.yaml\n", "")
    assert (tmp_path / "a.yaml").read_text() == (tmp_path / "b.yaml").read_text()  # the same seed


@pytest.mark.parametrize(
    ("command", "usage"),
    [
        (["export"], "e2eopt export [OPTIONS] RUN"),
        (["compare"], "e2eopt compare [OPTIONS] RUN_A RUN_B"),
        (["solve"], "e2eopt solve [OPTIONS] FILE"),
        (["report"], "e2eopt report [OPTIONS] PATH"),
        (["runs", "rm"], "e2eopt runs rm [OPTIONS] RUN..."),
        (["template"], "e2eopt template [OPTIONS] SCENARIO"),
        (["import"], "e2eopt import [OPTIONS] BOOK.xlsx"),
    ],
)
def test_usage_lines_name_arguments_plainly(command, usage):
    result = CliRunner().invoke(app, [*command, "--help"], prog_name="e2eopt")
    assert result.exit_code == 0 and result.output.startswith(f"Usage: {usage}\n"), result.output
