"""`e2eopt compare` end to end: two real solves, a real comparison folder, its CSVs reconciled."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import e2eopt

CSVS = ["inputs", "totals", "bridge", "staffing", "routing", "demand_kpis"]


@pytest.fixture(scope="module")
def runs(
    tmp_path_factory: pytest.TempPathFactory, appliance_cli_run: tuple, appliance_whatif_text: str
) -> tuple[Path, Path, Path]:
    """appliance-co solved (the session's run), and again with technicians 5% dearer and repairs_south 20% up."""
    work = tmp_path_factory.mktemp("compare")
    whatif = work / "whatif.yaml"
    whatif.write_text(appliance_whatif_text)
    base_result, base_folder = appliance_cli_run
    assert base_result.returncode == 0, base_result.stderr
    result = e2eopt("solve", str(whatif), "--out", str(work / "runs-b"), cwd=work)
    assert result.returncode == 0, result.stderr
    return work, base_folder, next((work / "runs-b").iterdir())


def test_compare_prints_and_writes_tables_that_reconcile_beside_run_b(runs):
    work, a, b = runs
    result = e2eopt("compare", str(a), str(b), "--top", "5", cwd=work)
    assert result.returncode == 0, result.stderr
    folder = b / f"compare-{a.name}"  # the default --out
    text = " ".join(result.stdout.split())
    for expected in (
        "roles.technician.cost_per_fte",
        "4300",
        "4515",
        "demands.repairs_south.volume",
        "A (EUR)",
        "change (EUR)",
        "volume",
        "rate",
        "mix",
        "routing",
        "(total)",
        "FTE A",
        "units A",
        "response A -> B (hours)",
        "Demands, A -> B (response: the mean time over the units served)",
        str(folder),
    ):
        assert expected in text, expected
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{name}.csv" for name in CSVS] + ["columns.csv", "comparison.json"]
    )
    tables = {name: pd.read_csv(folder / f"{name}.csv") for name in CSVS}
    objective = {run: json.loads((run / "summary.json").read_text())["objective"] for run in (a, b)}
    bridge = tables["bridge"].set_index("stage")
    assert bridge.loc["(total)", "change"] == pytest.approx(objective[b] - objective[a], abs=0.01)
    assert bridge.loc["(total)", "cost_a"] == pytest.approx(objective[a], abs=0.01)
    effects = bridge[["volume", "rate", "mix", "routing"]].sum(axis=1)
    assert (effects - bridge.change).abs().max() < 0.01
    assert tables["totals"].change.sum() == pytest.approx(objective[b] - objective[a], abs=0.01)
    assert len(tables["routing"]) == 5
    description = json.loads((folder / "comparison.json").read_text())
    assert description["units"]["bridge"]["rate"] == "EUR"
    assert description["units"]["demand_kpis"]["mean_response_time_a"] == "hour (mean over the units served)"


def test_a_folder_that_is_not_a_run_exits_2_and_writes_nothing(runs):
    work, a, _ = runs
    (work / "not-a-run").mkdir()
    result = e2eopt("compare", str(a), str(work / "not-a-run"), "--out", str(work / "nothing"), cwd=work)
    assert result.returncode == 2
    assert "not-a-run is not a run folder" in " ".join(result.stderr.split())
    assert not (work / "nothing").exists()
