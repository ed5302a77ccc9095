"""`e2eopt solve FILE --out DIR` on random valid scenarios: the run folder's cost tables reconcile with
summary.json's objective to the cent, and that objective is the one `model.optimise` finds in-process.

A few examples only: each is a fresh process (about a second of start-up).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import yaml
from conftest import e2eopt, only_folder, scenario_from_data
from hypothesis import HealthCheck, Phase, given, settings
from property_scenarios import scenarios

from model.optimise import optimise

CENT = 0.005
"""Two amounts agree to the cent when they round to the same cent: they differ by less than half of one."""


@settings(
    max_examples=4,
    derandomize=True,
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=list(HealthCheck),
)
@given(scenarios(queues=True, integer=True))
def test_run_folder_costs_reconcile_with_the_objective(tmp_path_factory, data: dict):
    work = tmp_path_factory.mktemp("cli")
    path = work / "random.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = e2eopt("solve", str(path), "--out", str(work / "runs"), cwd=work)
    assert result.returncode in (0, 3), f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    folder = only_folder(work / "runs")
    summary = json.loads((folder / "summary.json").read_text())
    in_process = optimise(scenario_from_data(data))
    assert summary["status"] == in_process.status
    print(f"\ne2eopt solve on a random scenario: exit {result.returncode}, {summary['status']}")
    if result.returncode == 3:
        assert summary["status"] == "infeasible" and (folder / "diagnosis.csv").is_file()
        assert not (folder / "costs.csv").exists()
        return
    objective = summary["objective"]
    assert math.isclose(objective, in_process.objective, rel_tol=1e-6, abs_tol=1e-6)
    assert_reconciles(folder, summary, objective)


def assert_reconciles(folder: Path, summary: dict, objective: float) -> None:
    """Every total of the run folder agrees with the objective to the cent."""
    costs = pd.read_csv(folder / "costs.csv")
    serving = pd.read_csv(folder / "cost_to_serve.csv")
    totals = {
        "costs.csv amount": costs.amount.sum(),
        "cost_to_serve.csv cost_to_serve": serving.cost_to_serve.sum(),
        "summary total_cost": summary["total_cost"],
        "summary cost_by_stage": sum(summary["cost_by_stage"].values()),
        "summary cost_by_category": sum(summary["cost_by_category"].values()),
    }
    off = {name: total for name, total in totals.items() if abs(total - objective) >= CENT}
    assert not off, f"objective {objective:.4f} EUR but {off}"
