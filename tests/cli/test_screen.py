"""What the commands put on the screen, and what a script gets: HiGHS's banner kept off stdout (and in
the run folder's highs.log), literal text never read as markup or emoji codes, a closed pipe ending
quietly with the command's own status, --json, --quiet, --version, shell completion, help at 80
columns, plurals, and progress on stderr.

data/tiny.yaml's plan, worked out by hand (it is the one every figure here is checked against): the
vendor costs 50 + 2 (arc) = 52 EUR a unit; the service team 1.5 h / 140 h per FTE x 5,200 EUR =
55.714 EUR. Quality 0.93 x v + 0.98 x (1000 - v) >= 950 allows v <= 600 units at the vendor, the mean
response time (34 h there, 8 h in house, at most 24 h) v <= 615: so v = 600, and the cost is
600 x 52 + 400 x 55.714 = 53,485.71 EUR. Without the vendor: 1000 x 55.714 = 55,714.29 EUR. The LP
has no fixed cost, so volumes x0.9 and x1.1 cost 0.9 and 1.1 times as much.
"""

from __future__ import annotations

import json
import platform
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, TINY_FILE, e2eopt, only_folder

TINY_COST = 600 * 52 + 400 * 1.5 / 140 * 5200  # 53,485.71 EUR (the module's docstring)
IN_HOUSE_COST = 1000 * 1.5 / 140 * 5200  # 55,714.29 EUR: every unit at the service team
BANNER = "Running HiGHS"
ODD_NAME = "tiny [x] :100:"
"""A scenario name rich would mangle: `[x]` read as markup, `:100:` as the emoji code of 💯."""


def in_house(tiny_text: str) -> str:
    """tiny.yaml named ODD_NAME, without the vendor as a sink, with a HiGHS option in the file (the
    options check made a HiGHS instance that printed its banner, in `validate` too)."""
    text = tiny_text.replace("name: tiny", f'name: "{ODD_NAME}"')
    text = text.replace("sinks: [service_team, vendor]", "sinks: [service_team]")
    assert ODD_NAME in text and "sinks: [service_team]" in text
    return text + 'solver:\n  highs_options: {presolve: "off"}\n'


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, tiny_text: str) -> dict:
    """tiny solved with --json (and a HiGHS option from the command line), and the in-house variant
    with --quiet and HiGHS's console log switched on: their results and run folders."""
    work = tmp_path_factory.mktemp("screen")
    (work / "in-house.yaml").write_text(in_house(tiny_text))
    a = e2eopt("solve", str(TINY_FILE), "--out", "runs-a", "--json", "--solver-option", "presolve=off", cwd=work)
    # HiGHS's console log asked for is still kept off the screen (stdout holds the results alone).
    b = e2eopt("solve", "in-house.yaml", "--out", "runs-b", "--quiet", "--solver-option", "log_to_console=on", cwd=work)
    return {
        "work": work,
        "a": a,
        "b": b,
        "folder_a": only_folder(work / "runs-a"),
        "folder_b": only_folder(work / "runs-b"),
    }


# --- HiGHS's banner and log ------------------------------------------------------------------------------


def test_solve_json_is_one_document_the_summary_and_the_run_folder(runs):
    result, folder = runs["a"], runs["folder_a"]
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)  # the whole of stdout: one document, nothing else
    summary = json.loads((folder / "summary.json").read_text())
    absent = {  # every key, always: tiny neither reworks, queues nor diagnoses
        "cost_of_poor_quality": None,
        "diagnosis": None,
        "extension_costs": None,
        "overrides": [],
        "queues": None,
    }
    assert document == {**summary, **absent, "run_folder": str(Path("runs-a") / folder.name)}
    assert document["objective"] == pytest.approx(TINY_COST, abs=0.01)
    assert pd.read_parquet(folder / "costs.parquet").amount.sum() == pytest.approx(TINY_COST, abs=0.01)


def test_highs_banner_is_kept_off_stdout_and_in_the_run_folders_highs_log(runs):
    result, folder = runs["a"], runs["folder_a"]
    assert BANNER not in result.stdout and BANNER not in result.stderr
    log = (folder / "highs.log").read_text()
    assert log.startswith(f"{BANNER} ")
    assert "Solving LP without presolve" in log  # --solver-option presolve=off reached HiGHS, and its log
    objective = float(re.search(r"Objective value\s*:\s*(\S+)", log).group(1))
    assert objective == pytest.approx(TINY_COST, rel=1e-9)


def test_validate_with_highs_options_prints_no_banner(runs):
    result = e2eopt("validate", "in-house.yaml", cwd=runs["work"])
    assert result.returncode == 0, result.stderr
    assert BANNER not in result.stdout and "is valid" in result.stdout


def test_sweep_json_prints_no_banner_and_each_points_log_holds_highs_log(tmp_path):
    result = e2eopt(
        "sweep",
        str(TINY_FILE),
        "--grid",
        "demands.repairs.volume=*0.9,*1.1",
        "--workers",
        "1",
        "--out",
        "s",
        "--json",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert BANNER not in result.stdout
    document = json.loads(result.stdout)
    assert document["statuses"] == {"optimal": 2} and document["missing"] == []
    costs = [point["total_cost"] for point in document["points"]]
    assert costs == pytest.approx([0.9 * TINY_COST, 1.1 * TINY_COST], abs=0.01)
    folder = tmp_path / document["sweep_folder"]
    for point, scale in (("0001", 0.9), ("0002", 1.1)):  # HiGHS logs its banner once; each log has it
        log = (folder / "points" / point / "highs.log").read_text()
        assert log.startswith(BANNER) and log.count(BANNER) == 1
        assert float(re.search(r"Objective value\s*:\s*(\S+)", log).group(1)) == pytest.approx(scale * TINY_COST)


# --- literal text ----------------------------------------------------------------------------------------


def test_quiet_prints_only_the_run_folder(runs):
    result, folder = runs["b"], runs["folder_b"]
    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == (f"{Path('runs-b') / folder.name}\n", "")
    assert json.loads((folder / "summary.json").read_text())["objective"] == pytest.approx(IN_HOUSE_COST, abs=0.01)


def test_brackets_and_emoji_codes_print_as_written(runs, tmp_path, tiny_text):
    result = e2eopt("validate", "in-house.yaml", cwd=runs["work"])
    assert f"scenario {ODD_NAME}, currency EUR" in result.stdout and "💯" not in result.stdout
    # A problem at line 100, column 13: `file:100:13`, not `file💯13`.
    lines = tiny_text.replace("volume: 1000", "volume: -5").splitlines()
    at = next(i for i, line in enumerate(lines) if "volume: -5" in line)
    (tmp_path / "bad.yaml").write_text("\n".join(["# padding"] * (99 - at) + lines) + "\n")
    bad = e2eopt("validate", "bad.yaml", cwd=tmp_path)
    assert bad.returncode == 2 and "bad.yaml:100:13  demands.repairs.volume: -5 is not allowed" in bad.stderr


def test_compare_shows_list_values_and_its_json_is_the_bridge(runs):
    a, b, work = runs["folder_a"], runs["folder_b"], runs["work"]
    shown = e2eopt("compare", str(a), str(b), "--out", "cmp", cwd=work)
    assert shown.returncode == 0, shown.stderr
    row = next(line for line in shown.stdout.splitlines() if "demands.repairs.sinks" in line)
    assert "[service_team, vendor]" in row and "[service_team]" in row
    assert "scenario.name" in shown.stdout and ODD_NAME in shown.stdout
    result = e2eopt("compare", str(a), str(b), "--out", "cmp", "--json", cwd=work)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    total = next(row for row in document["bridge"] if row["stage"] == "(total)")
    assert total["change"] == pytest.approx(IN_HOUSE_COST - TINY_COST, abs=0.01)
    assert (document["currency"], document["comparison_folder"]) == ("EUR", "cmp")
    # The rest is what the folder's comparison.json says: one description of a comparison, not two.
    described = json.loads((work / "cmp" / "comparison.json").read_text())
    assert {k: v for k, v in document.items() if k not in ("bridge", "comparison_folder")} == described
    assert described["units"]["bridge"]["change"] == "EUR" and described["time_unit"] == "hour"


# --- a closed pipe ---------------------------------------------------------------------------------------


def test_a_closed_pipe_ends_quietly_with_the_solves_status(tmp_path):
    """`e2eopt solve data/tiny.yaml | head -1`: the reader goes after the first line."""
    process = subprocess.Popen(
        [sys.executable, "-m", "model", "solve", str(TINY_FILE), "--out", str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 0, stderr
    assert first.startswith("Status: optimal")
    assert "Traceback" not in stderr and "Broken" not in stderr and "internal error" not in stderr
    assert json.loads((only_folder(tmp_path) / "summary.json").read_text())["status"] == "optimal"


def closed_early(args: list[str], cwd: Path, lines: int = 1) -> tuple[int, list[str], str]:
    """Run `e2eopt ARGS | head -LINES` (0: a reader that goes before anything is written): the exit
    code, the lines read and stderr."""
    process = subprocess.Popen(
        [sys.executable, "-m", "model", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    read = [process.stdout.readline() for _ in range(lines)]
    process.stdout.close()
    stderr = process.stderr.read()
    return process.wait(timeout=120), read, stderr


@pytest.mark.parametrize("output", ["csv", "json"])
def test_a_closed_pipe_ends_runs_query_quietly(tmp_path, output):
    """`e2eopt runs query ... --format csv | head -1` with 300,000 rows (about 2 MB, far more than a
    pipe holds, so the writer does meet the closed pipe): exit 0, nothing on stderr."""
    (tmp_path / "runs").mkdir()
    sql = "select range as n from range(300000)"
    code, read, stderr = closed_early(["runs", "query", sql, "--runs", "runs", "--format", output], tmp_path)
    assert (code, stderr) == (0, "")
    assert read == (["n\n"] if output == "csv" else ["{\n"])


@pytest.mark.parametrize("what_if", [False, True])
def test_a_closed_pipe_ends_schema_quietly(tmp_path, what_if):
    """The reader goes before `schema` writes (it has to start Python first): every write meets a closed pipe."""
    code, read, stderr = closed_early(["schema", *(["--what-if"] if what_if else [])], tmp_path, lines=0)
    assert (code, read, stderr) == (0, [], "")


def test_a_closed_pipe_ends_runs_list_json_quietly(runs):
    code, _, stderr = closed_early(["runs", "list", "--runs", "runs-a", "--json"], runs["work"], lines=0)
    assert (code, stderr) == (0, "")


# --- --quiet and the path of what was written ------------------------------------------------------------


def test_report_and_export_quiet_print_only_the_path_written(runs, tmp_path):
    folder = runs["folder_a"]
    page = tmp_path / "page.html"
    report = e2eopt("report", str(folder), "--out", str(page), "-q", cwd=tmp_path)
    assert (report.returncode, report.stdout, report.stderr) == (0, f"{page}\n", "")
    assert "53,485.71 EUR" in page.read_text()  # the page is tiny's: its total, worked out by hand
    book = tmp_path / "book.xlsx"
    export = e2eopt("export", str(folder), "--out", str(book), "--quiet", cwd=tmp_path)
    assert (export.returncode, export.stdout, export.stderr) == (0, f"{book}\n", "")
    costs = pd.read_excel(book, sheet_name="costs", skiprows=[1])  # row 2: the units
    assert costs.amount.sum() == pytest.approx(TINY_COST, abs=0.01)
    shown = e2eopt("export", str(folder), "--format", "csv", "--out", str(tmp_path / "csv"), cwd=tmp_path)
    assert (shown.returncode, shown.stdout) == (0, f"Exported (csv): {tmp_path / 'csv'}\n")


def test_schema_out_says_what_it_wrote_on_stdout(tmp_path):
    target = tmp_path / "scenario.schema.json"
    result = e2eopt("schema", "--out", str(target), cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"Schema: {target}\n", "")
    printed = e2eopt("schema", cwd=tmp_path)
    assert target.read_text() == printed.stdout and json.loads(printed.stdout)["type"] == "object"
    quiet = e2eopt("schema", "--what-if", "--out", str(target), "-q", cwd=tmp_path)
    assert (quiet.returncode, quiet.stdout) == (0, f"{target}\n")
    assert "extends" in json.loads(target.read_text())["properties"]


# --- validate --json -------------------------------------------------------------------------------------


def test_validate_json_says_what_the_file_holds():
    result = e2eopt("validate", str(TINY_FILE), "--json", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["valid"] is True and document["scenario"] == "tiny"
    # data/tiny.yaml: call_centre, service_team and vendor; technician; two arcs; repairs.
    assert document["counts"] == {"nodes": 3, "roles": 1, "arcs": 2, "demands": 1}
    assert document["stages"][1] == {"stage": "service", "nodes": 2, "staffed_nodes": 1, "roles": ["technician"]}
    lp = document["lp"]
    assert lp["kind"] == "LP" and lp["variables"] == sum(lp["families"].values()) > 0


def test_validate_json_lists_the_problems_with_their_place(tmp_path, tiny_text):
    (tmp_path / "bad.yaml").write_text(tiny_text.replace("volume: 1000", "volume: -5"))
    result = e2eopt("validate", "bad.yaml", "--json", cwd=tmp_path)
    assert result.returncode == 2
    document = json.loads(result.stdout)
    line = next(i for i, text in enumerate(tiny_text.splitlines(), start=1) if "volume: 1000" in text)
    assert document["valid"] is False and len(document["problems"]) == 1
    problem = document["problems"][0]
    assert (problem["file"], problem["line"], problem["path"]) == ("bad.yaml", line, "demands.repairs.volume")
    assert "-5 is not allowed" in problem["message"] and "-5 is not allowed" in result.stderr


# --- --version, completion, help ---------------------------------------------------------------------------


def test_version_names_the_package_highs_and_python():
    result = e2eopt("--version", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    highs = ".".join(metadata.version("highspy").split(".")[:3])
    expected = f"e2eopt {metadata.version('e2e-optimiser')}, HiGHS {highs}, Python {platform.python_version()}\n"
    assert result.stdout == expected


def complete(words: str) -> str:
    """What bash completion offers for the command line `words` (the cursor at its last word)."""
    environment = {
        "_E2EOPT_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - 1),
        "PATH": "/usr/bin:/bin",
    }
    program = "import sys; sys.argv[0] = 'e2eopt'; from model.__main__ import run; run()"
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_shell_completion_completes_commands_and_options():
    assert complete("e2eopt sw").split() == ["sweep"]
    assert complete("e2eopt sweep --gr").split() == ["--grid"]
    assert complete("e2eopt solve --js").split() == ["--json"]


COMMANDS = [
    "validate",
    "solve",
    "generate",
    "sweep",
    "frontier",
    "compare",
    "report",
    "export",
    "schema",
    "template",
    "import",
    "serve",
    "runs",
]
SUBCOMMANDS = [["runs", "list"], ["runs", "show"], ["runs", "rm"], ["runs", "query"]]


@pytest.mark.parametrize("command", [[], *[[name] for name in COMMANDS], *SUBCOMMANDS])
def test_help_reads_well_at_80_columns(command):
    from typer.testing import CliRunner

    from model.cli import app

    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "80"}, prog_name="e2eopt")
    assert result.exit_code == 0, result.output
    text = result.output
    assert max(len(line) for line in text.splitlines()) <= 80
    assert not re.search(r"<(bool|path|str|int|float|list)", text), text  # metavars, not Python types
    cut = [line for line in text.splitlines()[1:] if line.rstrip().endswith("...") and ",..." not in line]
    assert "…" not in text and cut == []  # nothing cut short (click ends a cut command summary with ...)
    if command == ["sweep"]:
        assert "'demands.*.volume=*0.8:*1.4:0.1'" in text and "--grid PATH=VALUES" in text
    if command == ["solve"]:
        assert "--time-limit SECONDS" in text and "--json" in text and "--quiet" in text


def test_validate_says_one_role_and_one_demand():
    result = e2eopt("validate", str(TINY_FILE), cwd=ROOT)
    assert "1 role, 2 arcs, 1 demand\n" in result.stdout
    assert "1 period of 730 hours (P1)" in result.stdout


def test_plural():
    from model.formatting import plural

    assert [plural(n, "role") for n in (0, 1, 2, 1500)] == ["0 roles", "1 role", "2 roles", "1,500 roles"]
    assert plural(1, "axis", "axes") == "1 axis" and plural(3, "axis", "axes") == "3 axes"


# --- progress --------------------------------------------------------------------------------------------


def test_solve_phases_are_told_in_order():
    from conftest import scenario_from_text

    from model.optimise import optimise

    phases: list[str] = []
    optimise(scenario_from_text(TINY_FILE.read_text()), on_phase=phases.append)
    assert phases == ["build", "HiGHS", "check", "tables", "sensitivity"]
    phases.clear()
    infeasible = TINY_FILE.read_text().replace("min_quality: 0.95", "min_quality: 0.99")  # above 0.98, the best
    optimise(scenario_from_text(infeasible), on_phase=phases.append)
    assert phases == ["build", "HiGHS", "diagnosis"]


class Clock:
    """time.perf_counter for the progress module, moved by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_lines_say_the_phase_the_time_and_the_time_left(monkeypatch):
    from model.cli import progress

    clock = Clock()
    monkeypatch.setattr(progress, "perf_counter", clock)
    phases = progress.Phases("Solving tiny", time_limit=60)
    clock.now += 3.0
    phases.phase("HiGHS")
    clock.now += 4.5
    assert phases.line() == "Solving tiny: HiGHS solving, 4.5 s (run 7.5 s; 52.5 s left of 60 s)"
    points = progress.Points("Sweep of tiny", total=10, done=2)  # two finished before (a resume)
    clock.now += 8.0
    points.advance(2)  # two solved in 8 s: 6 left take about 24 s
    assert points.line() == "Sweep of tiny: 4 of 10 points done, 8.0 s, about 24.0 s left"
    clock.now += 100.0
    assert progress.clock(clock.now - points.started) == "1 min 48 s"


def test_plain_progress_lines_only_for_a_step_over_two_seconds(monkeypatch, capsys):
    """Off a terminal (stderr captured here): no line for a step shorter than STARTS_AFTER, then one
    plain line, not redrawn."""
    import time

    from model.cli import progress

    monkeypatch.setattr(progress, "TICK", 0.01)
    with progress.Phases("Solving tiny") as phases:
        phases.phase("build")
        time.sleep(0.1)
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(progress, "STARTS_AFTER", 0.05)
    with progress.Phases("Solving tiny") as phases:
        phases.phase("tables")
        time.sleep(0.2)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and re.fullmatch(r"Solving tiny: making the tables, 0\.\d s \(run 0\.\d s\)", lines[0])
