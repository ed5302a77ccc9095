"""`e2eopt solve` end to end: a real process, a real run folder, tables read back and reconciled."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import APPLIANCE_FILE, TINY_FILE, e2eopt

TABLES = [
    "staffing",
    "work",
    "flows",
    "demand_kpis",
    "costs",
    "constraints",
    "stock",
    "cost_to_serve",
    "transfer_prices",
]


def test_appliance_co_is_optimal_and_says_so(appliance_cli_run):
    result, folder = appliance_cli_run
    assert result.returncode == 0, result.stderr
    assert "Status: optimal" in result.stdout
    assert "Total cost:" in result.stdout and "EUR" in result.stdout
    assert str(folder) in result.stdout.replace("\n", "")
    for stage in ["market", "rnd", "sales", "manufacturing", "delivery", "service"]:
        assert stage in result.stdout


def test_run_folder_holds_scenario_summary_and_every_table(appliance_cli_run):
    _, folder = appliance_cli_run
    assert folder.name.endswith("-appliance-co")
    assert (folder / "scenario.yaml").read_bytes() == APPLIANCE_FILE.read_bytes()
    for name in TABLES:
        csv = pd.read_csv(folder / f"{name}.csv")
        parquet = pd.read_parquet(folder / f"{name}.parquet")
        assert len(csv) == len(parquet) > 0, name
        assert list(csv.columns) == list(parquet.columns)
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".incomplete")]


def test_summary_records_status_units_versions_and_input_hash(appliance_cli_run):
    import hashlib

    _, folder = appliance_cli_run
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "optimal"
    assert summary["currency"] == "EUR" and summary["time_unit"] == "hour"
    digest = hashlib.sha256(APPLIANCE_FILE.read_bytes()).hexdigest()  # nothing overridden: the file is what was solved
    assert (summary["input"]["file_sha256"], summary["input"]["scenario_sha256"]) == (digest, digest)
    assert {"pyomo", "highspy", "pandas", "python"} <= set(summary["packages"])
    assert {"build", "handoff_pass", "solve", "tables"} <= set(summary["timings_s"])
    assert summary["units"]["costs"]["amount"] == "EUR"
    assert summary["units"]["demand_kpis"]["mean_response_time"] == "hour (mean over the units served)"


def test_tables_read_back_reconcile_to_the_objective(appliance_cli_run):
    _, folder = appliance_cli_run
    summary = json.loads((folder / "summary.json").read_text())
    costs = pd.read_parquet(folder / "costs.parquet")
    assert costs.amount.sum() == pytest.approx(summary["objective"], rel=1e-6)
    # The same money seen three ways: by category, per staffing/work/flow row, and per demand.
    staffing, work, flows = (pd.read_csv(folder / f"{n}.csv") for n in ("staffing", "work", "flows"))
    holding = pd.read_csv(folder / "stock.csv").holding_cost.sum()
    kpis = pd.read_csv(folder / "demand_kpis.csv")
    by_rows = staffing.cost.sum() + work.cost.sum() + flows.cost.sum() + holding
    backlog_and_unmet = costs[costs.category.isin(["backlog", "unmet"])].amount.sum()
    assert by_rows + backlog_and_unmet == pytest.approx(summary["objective"], rel=1e-6)
    # Unallocated: staff cost at nodes no demand used in any period (here none: 0).
    never_used = staffing.groupby("node").hours_used.transform("sum") <= 1e-9
    idle = staffing[never_used].cost.sum()
    assert summary["unallocated_cost"] == pytest.approx(idle, abs=1e-6)
    assert kpis.cost_to_serve.sum() + idle == pytest.approx(summary["objective"], rel=1e-6)
    serving = pd.read_csv(folder / "cost_to_serve.csv")
    assert serving.cost_to_serve.sum() == pytest.approx(summary["objective"], rel=1e-9)


def test_every_demand_meets_its_targets(appliance_cli_run):
    _, folder = appliance_cli_run
    kpis = pd.read_csv(folder / "demand_kpis.csv")
    with_quality = kpis.dropna(subset=["min_quality"])
    assert (with_quality.quality >= with_quality.min_quality - 1e-6).all()
    with_time = kpis.dropna(subset=["max_mean_response_time"])
    assert (with_time.mean_response_time <= with_time.max_mean_response_time * (1 + 1e-6)).all()
    assert kpis.quality_met.all() and kpis.response_time_met.all()
    # every unit of volume is served, backlogged or unmet
    previous = kpis.groupby("demand").backlog.shift(fill_value=0.0)
    assert (kpis.volume + previous - kpis.served - kpis.backlog - kpis.unmet).abs().max() < 1e-6


def test_infeasible_scenario_writes_its_folder_and_exits_non_zero(tmp_path):
    text = TINY_FILE.read_text().replace("min_quality: 0.95", "min_quality: 0.99")
    scenario = tmp_path / "impossible.yaml"
    scenario.write_text(text)  # 0.99 is above the best mode's 0.98: no routing can reach it
    result = e2eopt("solve", str(scenario), "--out", str(tmp_path / "runs"), cwd=tmp_path)
    assert result.returncode == 3, result.stdout
    assert "infeasible" in result.stdout
    (folder,) = (tmp_path / "runs").iterdir()
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "infeasible"
    assert (folder / "scenario.yaml").read_text() == text
    assert sorted(p.name for p in folder.glob("*.csv")) == ["columns.csv", "diagnosis.csv"]  # no result tables
    dictionary = pd.read_csv(folder / "columns.csv")  # the data dictionary of diagnosis.csv alone
    assert set(dictionary.table) == {"diagnosis"}
    assert list(dictionary.column) == list(pd.read_csv(folder / "diagnosis.csv").columns)
    assert "demands.repairs.min_quality" in result.stdout  # what would make it feasible


def test_bad_scenario_exits_2_and_writes_nothing(tmp_path):
    text = TINY_FILE.read_text().replace("stage: market", "stage: markt")
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(text)
    result = e2eopt("solve", str(scenario), "--out", str(tmp_path / "runs"), cwd=tmp_path)
    assert result.returncode == 2
    assert "bad.yaml:" in result.stderr and "Did you mean 'market'?" in result.stderr
    assert not (tmp_path / "runs").exists() or not list((tmp_path / "runs").iterdir())


def test_integer_staff_flag_gives_whole_fte(tmp_path):
    result = e2eopt("solve", str(TINY_FILE), "--integer-staff", "--out", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (folder,) = tmp_path.iterdir()
    staffing = pd.read_csv(folder / "staffing.csv")
    # tiny: 400 in-house repairs x 1.5 h = 600 h need 4.29 FTE of 140 h; whole FTE: 5
    assert staffing.fte.tolist() == [5.0]
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["solver"]["mip"] is True
    assert summary["solver_options"]["integer_staff"] is True  # the flag, not the scenario's false


def test_validate_prints_summary_or_every_problem(tmp_path):
    good = e2eopt("validate", str(APPLIANCE_FILE), cwd=tmp_path)
    assert good.returncode == 0, good.stderr
    assert "is valid" in good.stdout and "variables" in good.stdout and "constraints" in good.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        TINY_FILE.read_text().replace("stage: market", "stage: markt").replace("capacity: 800", "capacity: -800")
    )
    result = e2eopt("validate", str(bad), cwd=tmp_path)
    assert result.returncode == 2
    assert "2 problems" in result.stderr
    assert "nodes.call_centre.stage" in result.stderr and "nodes.vendor.capacity" in result.stderr


def test_generate_writes_a_valid_scenario(tmp_path):
    out = tmp_path / "g.yaml"
    result = e2eopt(
        "generate",
        "--nodes-per-stage",
        "3",
        "--demands",
        "12",
        "--periods",
        "2",
        "--seed",
        "4",
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert e2eopt("validate", str(out), cwd=tmp_path).returncode == 0


@pytest.mark.parametrize(
    "option, value, message",
    [
        ("--time-limit", "-5", "--time-limit: -5.0 is not allowed"),
        ("--threads", "0", "--threads: 0 is not allowed"),
        ("--mip-gap", "-1", "--mip-gap: -1.0 is not allowed"),
        ("--algorithm", "fast", "--algorithm: 'fast' is not allowed"),
        ("--solver-option", "presolv=off", "--solver-option: HiGHS has no option 'presolv'; did you mean presolve"),
        ("--solver-option", "simplex_strategy=99", "--solver-option: HiGHS refuses simplex_strategy = 99"),
        ("--solver-option", "presolve", "--solver-option takes KEY=VALUE"),
    ],
)
def test_bad_solver_options_exit_2_and_write_nothing(tmp_path, option, value, message):
    result = e2eopt("solve", str(TINY_FILE), option, value, "--out", str(tmp_path / "runs"), cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "runs").exists()


def test_solver_options_reach_highs_and_the_run_records_them(tmp_path):
    result = e2eopt(
        "solve",
        str(TINY_FILE),
        "--solver-option",
        "presolve=off",
        "--solver-option",
        "simplex_strategy=4",
        "--out",
        str(tmp_path / "runs"),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    (folder,) = (tmp_path / "runs").iterdir()
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["solver_options"]["highs_options"] == {"presolve": "off", "simplex_strategy": 4}
    assert summary["solver"]["algorithm"].endswith("with presolve=off, simplex_strategy=4")
    assert summary["objective"] == pytest.approx(600 * 52 + 400 * 1.5 / 140 * 5200, rel=1e-9)
    assert {"simplex_iterations", "ipm_iterations", "crossover_iterations", "pdlp_iterations"} <= set(summary["solver"])


def test_the_screen_says_a_demand_left_unmet_was_not_met(tmp_path):
    # tiny at 53 EUR a repair left unmet: serving costs at least 53.486 EUR, so nothing is served. The
    # targets' columns are empty ("-": a mean over no units) and `met` says NO; the headers say what the
    # response figures are.
    scenario = tmp_path / "unmet.yaml"
    scenario.write_text(
        TINY_FILE.read_text().replace("max_mean_response_time: 24", "max_mean_response_time: 24\n    unmet_penalty: 53")
    )
    result = e2eopt("solve", str(scenario), "--out", str(tmp_path / "runs"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if "repairs" in line and "P1" in line)
    cells = [cell.strip() for cell in row.strip("│ ").split("│")]
    assert cells == ["P1", "repairs", "0.0", "-", "95.00%", "-", "24.00", "-", "NO"]
    text = " ".join(result.stdout.split())
    assert "mean response" in text and "limit on mean" in text and "mean response time in hours" in text
