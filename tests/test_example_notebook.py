"""docs/example_notebook.py runs as a script, in a fresh folder, and prints figures that agree with
the README's optimum, with each other, with the run folders it writes, and with `e2eopt solve` of
the what-if's run folder (which must give the same objective: the folder reproduces the what-if)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import DATA, ROOT, e2eopt, only_folder

SCRIPT = ROOT / "docs" / "example_notebook.py"
FIGURE = re.compile(r"^(?P<name>[a-z -]+(?: in \S+)?): (?P<value>-?\d+\.\d\d) (?P<unit>\S+)$")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, float], dict[str, Path], str]:
    work = tmp_path_factory.mktemp("notebook")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, str(SCRIPT)], cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    figures = {m["name"]: float(m["value"]) for m in map(FIGURE.match, done.stdout.splitlines()) if m}
    folders = {
        line.split(": ")[0]: work / line.split(": ")[1] for line in done.stdout.splitlines() if "run folder: " in line
    }
    return work, figures, folders, done.stdout


def test_the_base_optimum_is_the_readme_s(run):
    _, figures, _, _ = run
    assert figures["base objective"] == 2_234_629.68  # README, "A first look"
    assert figures["costs table total"] == figures["base objective"]


def test_the_cost_by_stage_adds_up_to_the_total(run):
    _, figures, _, stdout = run
    stages = re.findall(r"^(market|rnd|sales|manufacturing|delivery|service)\s+(-?\d+\.\d\d)$", stdout, re.MULTILINE)
    assert len(stages) == 6
    assert sum(float(v) for _, v in stages) == pytest.approx(figures["base objective"], abs=0.03)  # 6 roundings


def test_the_staff_figure_is_the_run_folder_s(run):
    _, figures, folders, _ = run
    staffing = pd.read_parquet(folders["base run folder"] / "staffing.parquet")
    assert round(staffing[staffing.period == "2027-01"].fte.sum(), 2) == figures["staff in 2027-01"]


def test_the_what_if_folder_reproduces_the_what_if(run):
    work, figures, folders, _ = run
    folder = folders["what-if run folder"]
    summary = json.loads((folder / "summary.json").read_text())
    assert round(summary["objective"], 2) == figures["what-if objective"]
    assert (folder / "inputs" / "whatif-wage-rise.yaml").read_bytes() == (DATA / "whatif-wage-rise.yaml").read_bytes()
    again = e2eopt("solve", str(folder), "--out", str(work / "again"), "--no-sensitivity", cwd=work)
    assert again.returncode == 0, again.stderr
    resolved = json.loads((only_folder(work / "again") / "summary.json").read_text())
    assert resolved["objective"] == pytest.approx(summary["objective"], rel=1e-6)


def test_the_bridge_adds_up_to_the_change_in_cost(run):
    _, figures, _, _ = run
    change = figures["what-if objective"] - figures["base objective"]
    assert figures["bridge total change"] == pytest.approx(change, abs=0.011)
