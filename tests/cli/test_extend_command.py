"""`e2eopt solve --extend FILE.py:FUNCTION` and `--write-lp FILE`, end to end, with answers worked by hand
on data/tiny.yaml: the vendor costs 50 + 2 = 52 EUR a repair, the team 1.5 h x 5,200 EUR / 140 h =
55.71 EUR; the quality target lets the vendor take 600 of the 1,000 repairs."""

from __future__ import annotations

import json
from pathlib import Path

import highspy
import pandas as pd
import pytest
from conftest import DATA, ROOT, TINY_FILE, e2eopt

TINY = TINY_FILE
EXTENSIONS = DATA / "extensions.py"
TEAM = 1.5 * 5200 / 140


def only_run(where: Path) -> Path:
    [folder] = [p for p in where.iterdir() if p.is_dir() and "Z-tiny" in p.name]  # -tiny, or -tiny-set-<digest>
    return folder


def test_an_extension_from_a_file_is_solved_through_pyomo_and_checked(tmp_path):
    result = e2eopt(
        "solve", str(TINY), "--extend", f"{EXTENSIONS}:vendor_at_most_500", "--out", str(tmp_path), cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "built through the Pyomo model of record" in result.stdout
    folder = only_run(tmp_path)
    summary = json.loads((folder / "summary.json").read_text())
    # The cap stops the vendor at 500: 500 x 52 + 500 x 55.71.
    assert summary["total_cost"] == pytest.approx(500 * 52 + 500 * TEAM, rel=1e-9)
    assert summary["solver"]["lp"].startswith("built through the Pyomo model")
    work = pd.read_csv(folder / "work.csv")
    assert work[work.node == "vendor"].units.sum() == pytest.approx(500)


def test_an_extension_cost_term_is_in_the_objective_and_the_costs_table(tmp_path):
    # A 10 EUR fee per vendor repair makes the vendor (62) dearer than the team (55.71), so the team
    # takes all it can: with at most 5 FTE (a staff maximum added to tiny) that is 5 x 140 h / 1.5 h = 466.67
    # repairs; the vendor takes the other 533.33 (quality 0.98 - 0.05 x 0.533 >= 0.9, response 8 + 26 x
    # 0.533 <= 24 h, within its capacity of 800), and the fee is 10 x 533.33.
    capped = tmp_path / "tiny.yaml"
    capped.write_text(
        TINY.read_text().replace("    wait_time: 6\n", "    wait_time: 6\n    staff: {technician: {max: 5}}\n")
    )
    result = e2eopt(
        "solve",
        str(capped),
        "--extend",
        f"{EXTENSIONS}:vendor_fee",
        "--set",
        "demands.repairs.min_quality=0.9",
        "--out",
        str(tmp_path),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    folder = only_run(tmp_path)
    costs = pd.read_csv(folder / "costs.csv")
    # 5 FTE do 5 x 140 / 1.5 = 466.67 repairs; the vendor the other 533.33 at 52 + a 10 EUR fee.
    vendor = 1000 - 5 * 140 / 1.5
    fee = costs[costs.category == "vendor_fee"]
    assert list(fee.stage) == ["(extension)"] and fee.amount.iloc[0] == pytest.approx(10 * vendor, rel=1e-9)
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["extension_costs"]["vendor_fee"] == pytest.approx(10 * vendor, rel=1e-9)
    assert costs.amount.sum() == pytest.approx(summary["objective"], rel=1e-9)
    assert summary["objective"] == pytest.approx(5 * 5200 + vendor * 62, rel=1e-9)


@pytest.mark.parametrize("suffix", [".lp", ".mps"])
def test_the_lp_written_solves_in_highs_to_the_same_optimum(tmp_path, suffix):
    written = tmp_path / f"tiny{suffix}"
    result = e2eopt("solve", str(TINY), "--write-lp", str(written), "--out", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.readModel(str(written))
    highs.run()
    assert highs.getInfo().objective_function_value == pytest.approx(600 * 52 + 400 * TEAM, rel=1e-9)
    if suffix == ".lp":
        assert "service_team" in written.read_text()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--extend", "data/extensions.py"], "expected FILE.py:FUNCTION or MODULE:FUNCTION"),
        (["--extend", "data/extensions.py:nothing"], "has no function 'nothing' (it has: processed_at"),
        (["--extend", "nowhere.py:f"], "no file nowhere.py"),
        (["--extend", "no_such_module:f"], "importing no_such_module failed: ModuleNotFoundError"),
        (["--write-lp", "model.txt"], "must end in .lp (LP format) or .mps (MPS)"),
    ],
)
def test_bad_extensions_and_lp_files_exit_2_and_write_nothing(tmp_path, args, message):
    result = e2eopt("solve", str(TINY), *args, "--out", str(tmp_path / "runs"), cwd=ROOT)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize(
    "place, message",
    [
        ("missing/model.lp", "there is no folder"),
        ("a_file/model.lp", "a_file is not a folder"),
        ("folder.lp", "that is a folder"),
    ],
)
def test_an_lp_file_that_cannot_be_written_is_refused_before_the_solve(tmp_path, place, message):
    (tmp_path / "a_file").write_text("not a folder")
    (tmp_path / "folder.lp").mkdir()
    result = e2eopt("solve", str(TINY), "--write-lp", str(tmp_path / place), "--out", str(tmp_path / "runs"), cwd=ROOT)
    assert result.returncode == 2, result.stderr
    assert f"--write-lp {tmp_path / place}: " in result.stderr and message in result.stderr
    assert "nothing was written" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout and not (tmp_path / "runs").exists()


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc (Linux): a folder no file can be made in")
def test_an_lp_file_in_a_folder_that_takes_no_files_exits_2_with_the_reason(tmp_path):
    """Refused before the solve, or (as root, whom every folder lets in) when the file is made."""
    result = e2eopt(
        "solve", str(TINY), "--write-lp", "/proc/e2eopt-model.lp", "--out", str(tmp_path / "runs"), cwd=ROOT
    )
    assert result.returncode == 2, result.stderr
    assert "--write-lp /proc/e2eopt-model.lp: " in result.stderr and "nothing was written" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout and not (tmp_path / "runs").exists()


def test_an_extension_that_raises_is_bad_input_with_its_reason(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("def add(lp, parts):\n    parts.variables['y']['nobody', 'nowhere', 'x', 'P1']\n")
    result = e2eopt("solve", str(TINY), "--extend", f"{broken}:add", "--out", str(tmp_path / "runs"), cwd=tmp_path)
    assert result.returncode == 2 and f"--extend {broken}:add failed: KeyError" in result.stderr
    assert "nothing was written" in result.stderr and not (tmp_path / "runs").exists()


def test_an_lp_file_that_cannot_be_written_to_is_refused(tmp_path, monkeypatch, capsys):
    """The permission check, which the tests (run as root) cannot meet for real."""
    import typer

    from model.cli import solve as solve_command

    monkeypatch.setattr(solve_command.os, "access", lambda path, mode: False)
    with pytest.raises(typer.Exit) as exit_:
        solve_command.refuse_lp_file(tmp_path / "model.lp")
    assert exit_.value.exit_code == 2
    assert f"{tmp_path} cannot be written to; nothing was written" in capsys.readouterr().err.replace("\n", "")
