"""`e2eopt solve` with rework (data/rework.yaml): the cost of poor quality printed and in summary.json,
the rework table in the run folder with its units, an override of the rework cost, and a bad `to`
refused with exit 2 at its line.

The figures are tests/lp/test_rework.py's: with vendor_good at 45 EUR, vendor_cheap takes the 1,000
repairs and redoes 70 / 0.93 = 75.27 of them at 15 EUR (1,129.03 EUR), or at 20 EUR (1,505.38 EUR).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from conftest import REWORK_FILE, e2eopt


def test_solve_prints_and_writes_the_cost_of_poor_quality(tmp_path):
    out = tmp_path / "runs"
    result = e2eopt(
        "solve",
        str(REWORK_FILE),
        "--set",
        "nodes.vendor_good.unit_cost=45",
        "--set",
        "nodes.vendor_cheap.rework.cost=20",
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "Rework cost (the cost of poor quality the scenario prices): 1,505.38 EUR of rework for 75.27 units done "
        "wrong and done again (rework.csv); the second passes' processing, hand-offs and staff are in their own "
        "categories"
    ) in " ".join(result.stdout.split())
    (folder,) = [f for f in out.iterdir() if f.is_dir()]
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["cost_of_poor_quality"] == pytest.approx(
        {"rework_cost": 20 * 70 / 0.93, "units_reworked": 70 / 0.93}, rel=1e-9
    )
    assert summary["units"]["rework"] == {
        "units": "unit",
        "cost": "EUR",
        "cost_from": "EUR per unit reworked",
        "cost_to": "EUR per unit reworked",
    }
    rework = pd.read_csv(folder / "rework.csv")
    assert rework[["demand", "node", "mode", "to"]].values.tolist() == [
        ["repairs", "vendor_cheap", "vendor_cheap", "vendor_cheap"]
    ]
    assert rework.cost.sum() == pytest.approx(20 * 70 / 0.93, rel=1e-6)


def test_a_rework_sent_to_an_unknown_node_exits_2_at_its_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(REWORK_FILE.read_text().replace("to: same ", "to: vendor_god"))
    result = e2eopt("solve", str(path), "--out", str(tmp_path / "runs"), cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    line = 1 + REWORK_FILE.read_text().splitlines().index("      to: same                # redone here")
    assert f"bad.yaml:{line}:11  nodes.vendor_cheap.rework.to: unknown node 'vendor_god'" in result.stderr
    assert "Did you mean 'vendor_good'?" in result.stderr
    assert "Traceback" not in result.stderr
