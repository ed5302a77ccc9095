"""`e2eopt solve` on the contact-centre example: queues tables in the run folder, the README's
tightening of the desk's service level, and the warning printed for a missed target."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from conftest import CONTACT_CENTRE_FILE, e2eopt

from model import queueing

TIGHTER = [
    "--set",
    "nodes.contact_desk.queue.target.service_level=0.9",
    "--set",
    "nodes.contact_desk.queue.target.within=0.3333",
]


def run(tmp_path: Path, *extra: str) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path / "runs"
    result = e2eopt("solve", str(CONTACT_CENTRE_FILE), "--out", str(out), *extra, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    (folder,) = [f for f in out.iterdir() if f.is_dir()]
    return result, folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[subprocess.CompletedProcess, Path]]:
    return {"base": run(tmp_path_factory.mktemp("base")), "tighter": run(tmp_path_factory.mktemp("tight"), *TIGHTER)}


def test_the_run_folder_holds_the_queue_tables_with_units(runs):
    result, folder = runs["base"]
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["queues"]["converged"] is True and 1 <= summary["queues"]["iterations"] <= 20
    assert summary["queues"]["targets_missed"] == 0
    assert summary["units"]["queues"]["average_wait"] == "minute"
    queues = pd.read_parquet(folder / "queues.parquet")
    assert set(queues.node) == {"contact_desk", "field_team"} and len(queues) == 3 * 3
    assert queues.met.all()
    log = pd.read_csv(folder / "queue_iterations.csv")
    assert log.iteration.tolist() == list(range(len(log)))  # the last iterate is the plan: ranged as solved
    assert "Queue staffing converged" in result.stdout and "Warning" not in result.stderr


def test_each_service_level_in_the_table_is_the_exact_erlang_c_figure(runs):
    # Recomputed here from the staffing and work tables alone: agents on duty = FTE x 140 h / 264 h,
    # load = calls worked / 264 h x 1.3 x 0.1 h; the desk has one lane.
    _, folder = runs["base"]
    staffing, work = pd.read_csv(folder / "staffing.csv"), pd.read_csv(folder / "work.csv")
    queues = pd.read_csv(folder / "queues.csv").set_index(["period", "node"])
    for period in staffing.period.unique():
        fte = staffing[(staffing.period == period) & (staffing.node == "contact_desk")].fte.sum()
        calls = work[(work.period == period) & (work.node == "contact_desk")].units.sum()
        agents, load = fte * 140 / 264, calls / 264 * 1.3 * 0.1
        level = float(queueing.service_level(agents, load, 0.1, 1 / 60))
        row = queues.loc[(period, "contact_desk")]
        assert row.service_level == pytest.approx(level, rel=1e-9)
        assert level >= 0.8 - 1e-7


def test_tightening_the_desk_to_90_in_20_seconds_costs_more_agents(runs):
    base, tighter = (pd.read_csv(runs[k][1] / "queues.csv") for k in ("base", "tighter"))
    desk = [frame[frame.node == "contact_desk"].reset_index(drop=True) for frame in (base, tighter)]
    # More agents per Erlang of load in every month, and more agent-months in all (March sends
    # more calls to the overflow desk instead, so its own agents need not all rise).
    assert (desk[1].agents / desk[1].load > desk[0].agents / desk[0].load).all()
    assert desk[1].agents.sum() > desk[0].agents.sum()
    assert (desk[1].service_level >= 0.9 - 1e-7).all() and (desk[1].within == 0.3333).all()
    costs = [json.loads((runs[k][1] / "summary.json").read_text())["total_cost"] for k in ("base", "tighter")]
    assert costs[1] > costs[0]


def test_a_missed_target_is_a_warning(capsys):
    from model.cli.solve import _print_queues
    from model.optimise import Outcome
    from model.scenario import load_scenario

    queues = pd.DataFrame(
        [
            {
                "period": "P1",
                "node": "desk",
                "lane": "main",
                "target": "80% within 1",
                "load": 10.0,
                "agents": 12.0,
                "service_level": 0.7,
                "average_wait": 0.9,
                "wait_counted": 0.6,
                "met": False,
            }
        ]
    )
    log = pd.DataFrame({"iteration": [0, 1], "cost": [1.0, 2.0]})
    outcome = Outcome(
        load_scenario(CONTACT_CENTRE_FILE),
        "optimal",
        "",
        2.0,
        {"queues": queues, "queue_iterations": log},
        solver={"queue_converged": True},
    )
    _print_queues(outcome, "minute")
    printed = capsys.readouterr()
    assert "queue desk/main in P1 misses its target (80% within 1)" in printed.err
