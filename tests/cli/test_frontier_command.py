"""`e2eopt frontier` end to end: a real process, a real folder, the table read back against the hand
figures of tests/test_frontier.py (two demands, each with a cheap and a dear route)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import Result
from conftest import ROUTES, e2eopt
from typer.testing import CliRunner

from model.cli import app
from model.cli import frontier as frontier_cli


def in_process(*args: str) -> Result:
    """The same command in this process (no solve happens on bad input, so no subprocess is needed)."""
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def quality_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, Path, Path]:
    work = tmp_path_factory.mktemp("frontier")
    scenario = work / "routes.yaml"
    scenario.write_text(ROUTES)
    result = e2eopt(
        "frontier",
        str(scenario),
        "--demand",
        "d",
        "--vary",
        "min_quality=0.90:1.00:0.01",
        "--out",
        str(work / "runs"),
        "--plot",
        cwd=work,
    )
    folders = list((work / "runs").iterdir())
    assert len(folders) == 1, (result.stdout, result.stderr)
    return result, folders[0], scenario


def test_frontier_prints_the_curve_with_units(quality_run):
    result, folder, _ = quality_run
    assert result.returncode == 0, result.stderr
    text = result.stdout.replace("\n", " ")
    assert "marginal (EUR/pt)" in text and "EUR/pt = EUR per percentage point" in text
    assert "total cost (EUR)" in text and "infeasible" in text
    assert "3,350.00" in text and "100.00" in text  # 95%: 1,600 + 1,750 EUR; 100 EUR per point
    assert str(folder.name) in text.replace(" ", "")


def test_frontier_folder_holds_table_summary_scenario_and_plots(quality_run):
    _, folder, scenario = quality_run
    assert folder.name.endswith("-routes-frontier-min_quality")
    assert (folder / "scenario.yaml").read_bytes() == scenario.read_bytes()
    table = pd.read_csv(folder / "frontier.csv")
    assert len(table) == 11 and table.status.tolist() == ["optimal"] * 10 + ["infeasible"]
    hand = [1500, 1500, 1500, 1500, 1500, 1600, 1700, 1800, 1900, 2000]  # d's cost, then + 1,750 for e
    assert table.total_cost.iloc[:10].tolist() == pytest.approx([c + 1750 for c in hand], rel=1e-9)
    assert table.marginal_cost.iloc[5:9].tolist() == pytest.approx([100] * 4, rel=1e-9)
    parquet = pq.read_table(folder / "frontier.parquet")
    units = json.loads(parquet.schema.metadata[b"units"])
    assert units["total_cost"] == "EUR" and units["target"] == "share done right"
    assert units["marginal_cost"].startswith("EUR per percentage point")
    assert parquet.num_rows == 11
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["field"] == "min_quality" and summary["demands"] == ["d"]
    assert summary["values"] == pytest.approx([0.90 + 0.01 * i for i in range(11)])
    assert summary["statuses"] == {"optimal": 10, "infeasible": 1}
    assert summary["command"][:2] == ["e2eopt", "frontier"] and "--plot" in summary["command"]
    assert summary["units"]["frontier"] == units
    png, svg = folder / "frontier.png", folder / "frontier.svg"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    assert "<svg" in svg.read_text()[:2000] and svg.stat().st_size > 10_000
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".incomplete")]


def test_whole_chain_response_time_without_plot(tmp_path):
    scenario = tmp_path / "routes.yaml"
    scenario.write_text(ROUTES)
    result = e2eopt(
        "frontier",
        str(scenario),
        "--all-demands",
        "--vary",
        "max_mean_response_time=5,13,20",
        "--out",
        str(tmp_path / "runs"),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    (folder,) = (tmp_path / "runs").iterdir()
    assert folder.name.endswith("-routes-frontier-max_mean_response_time")
    assert not (folder / "frontier.png").exists()
    table = pd.read_csv(folder / "frontier.csv")
    # e gains a 5 h target and meets it (no times on its routes); d: c = min(0.4, (T - 5) / 20).
    assert table.total_cost.tolist() == pytest.approx([2000 + 1750, 1600 + 1750, 1600 + 1750])
    assert (table.demands == "all").all()
    assert "EUR per hour" in result.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--demand", "dd", "--vary", "min_quality=0.9:0.95:0.01"], "unknown demand 'dd'. Did you mean 'd'?"),
        (["--vary", "min_quality=0.9:0.95:0.01"], "give --demand D (one or more) or --all-demands"),
        (["--demand", "d", "--all-demands", "--vary", "min_quality=0.9"], "not both"),
        (["--demand", "d", "--vary", "min_qualty=0.9"], "Did you mean 'min_quality'?"),
        (
            ["--demand", "e", "--vary", "max_mean_response_time=10:20:5"],
            "demand 'e' has no max_mean_response_time target",
        ),
        (["--demand", "d", "--vary", "min_quality=0.9,1.5"], "min_quality must be a share in (0, 1]; not 1.5"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(tmp_path, args, says):
    scenario = tmp_path / "routes.yaml"
    scenario.write_text(ROUTES)
    result = in_process("frontier", str(scenario), *args, "--out", str(tmp_path / "runs"))
    assert result.exit_code == 2, result.output
    assert says in result.stderr.replace("\n", " ")
    assert not (tmp_path / "runs").exists()


def test_bad_input_from_a_real_process_exits_2(tmp_path):
    scenario = tmp_path / "routes.yaml"
    scenario.write_text(ROUTES)
    result = e2eopt(
        "frontier",
        str(scenario),
        "--demand",
        "dd",
        "--vary",
        "min_quality=0.9",
        "--out",
        str(tmp_path / "runs"),
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "Did you mean 'd'?" in result.stderr
    assert not (tmp_path / "runs").exists()


def test_plot_without_matplotlib_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(frontier_cli, "plot_available", lambda: False)  # as if matplotlib were not installed
    scenario = tmp_path / "routes.yaml"
    scenario.write_text(ROUTES)
    result = in_process(
        "frontier",
        str(scenario),
        "--demand",
        "d",
        "--vary",
        "min_quality=0.95",
        "--plot",
        "--out",
        str(tmp_path / "runs"),
    )
    assert result.exit_code == 2, result.output
    assert "pip install -e '.[plot]'" in result.stderr
    assert not (tmp_path / "runs").exists()
