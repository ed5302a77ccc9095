"""Sweeps: the grid grammar, points equal to separate solves, engines that agree, failures kept, resume."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import APPLIANCE_FILE

from model import optimise
from model.errors import ScenarioError
from model.runs import read_run
from model.scenario.overrides import resolve
from model.sweep import Axis, finished_points, new_sweep_folder, parse_axis, plan_sweep, read_plan, run_sweep

GRID = [Axis("demands.*.volume", ("*0.9", "*1.1")), Axis("roles.technician.cost_per_fte", ("*1", "*1.1"))]


# --- the grid grammar ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, values",
    [
        ("demands.*.volume=*0.8:*1.4:0.1", ("*0.8", "*0.9", "*1", "*1.1", "*1.2", "*1.3", "*1.4")),
        ("roles.technician.cost_per_fte=*1,*1.1", ("*1", "*1.1")),
        ("nodes.plant_a.capacity=100:200:50", ("100", "150", "200")),
        ("roles.*.cost_per_fte=+0%:+10%:5", ("+0%", "+5%", "+10%")),
        ("demands.a.max_mean_response_time=-3", ("-3",)),
    ],
)
def test_grid_values(text, values):
    axis = parse_axis(text)
    assert axis.path == text.split("=")[0] and axis.values == values


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("demands.*.volume", "is not path=values"),
        ("demands.*.volume=*0.8:+1.4:0.1", "is not a range"),
        ("demands.*.volume=1.4:0.8:0.1", "STOP >= START"),
        ("demands.*.volume=1:2:0", "positive STEP"),
        ("demands.*.volume=*1,*1", "repeat"),
        ("demands.*.volume=twice", "twice"),
    ],
)
def test_bad_grids_are_refused_with_the_reason(text, fragment):
    with pytest.raises(ScenarioError) as error:
        parse_axis(text)
    assert fragment in str(error.value) and "--grid" in str(error.value)


# --- solving ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def serial(tmp_path_factory) -> tuple:
    plan = plan_sweep(APPLIANCE_FILE, GRID)
    folder = new_sweep_folder(plan, tmp_path_factory.mktemp("serial"))
    return plan, run_sweep(plan, folder, workers=1)


def test_every_point_equals_a_separate_solve(serial):
    _plan, result = serial
    assert list(result.points.point) == [1, 2, 3, 4] and set(result.points.status) == {"optimal"}
    for row in result.points.itertuples(index=False):
        volume, wage = row[1], row[2]
        # The separate solve: the command line's own path (--set), built and solved from scratch.
        separate = resolve(APPLIANCE_FILE, [f"demands.*.volume={volume}", f"roles.technician.cost_per_fte={wage}"])
        cold = optimise(separate.scenario, sensitivity=False)
        assert row.total_cost == pytest.approx(cold.objective, rel=1e-7)
        summary, tables = read_run(result.folder / "points" / f"{row.point:04d}")
        assert summary["objective"] == pytest.approx(cold.objective, rel=1e-7)
        assert tables["costs"].amount.sum() == pytest.approx(row.total_cost, rel=1e-9)


def test_points_table_holds_costs_by_stage_fte_by_role_and_demand_kpis(serial):
    _, result = serial
    points = result.points
    stages = [c for c in points.columns if c.startswith("cost.")]
    assert len(stages) == 6
    assert (points[stages].sum(axis=1) - points.total_cost).abs().max() < 1e-6
    assert "fte.technician" in points.columns and "served.retail_orders" in points.columns
    # Volume x1.1 (points 3, 4) serves 1.1 x what volume x0.9 (points 1, 2) serves: all demand is met.
    assert points.loc[2, "served.retail_orders"] == pytest.approx(points.loc[0, "served.retail_orders"] * 1.1 / 0.9)
    # A dearer technician cannot make the plan cheaper.
    assert points.loc[1, "total_cost"] >= points.loc[0, "total_cost"]
    saved = pd.read_parquet(result.folder / "points.parquet")
    pd.testing.assert_frame_equal(saved, points)
    # Money in its currency, named on every row; each column's declared unit in the Parquet metadata.
    assert list(points.columns[:8]) == [
        "point",
        "demands.*.volume",
        "roles.technician.cost_per_fte",
        "used.demands.*.volume",
        "used.roles.technician.cost_per_fte",
        "status",
        "message",
        "total_cost",
    ]
    # The value each change made: 4300 x 1 and 4300 x 1.1 = 4730 EUR per FTE; the volumes differ
    # from demand to demand, so no one value is shown for them.
    assert list(points["used.roles.technician.cost_per_fte"]) == ["4300", "4730", "4300", "4730"]
    assert set(points["used.demands.*.volume"]) == {""}
    assert points.columns[8] == "currency" and set(points.currency) == {"EUR"}
    units = json.loads(pq.read_schema(result.folder / "points.parquet").metadata[b"units"])
    assert units["total_cost"] == units["cost.service"] == "EUR"
    assert units["mean_response_time.retail_orders"] == "hour (mean over the units served, all periods)"
    assert "currency" not in units and "demands.*.volume" not in units
    assert list(pd.read_csv(result.folder / "points.csv").columns) == list(points.columns)
    dictionary = pd.read_csv(result.folder / "columns.csv", keep_default_na=False)
    assert list(dictionary.column) == list(points.columns)
    assert dictionary.set_index("column").unit["cost.service"] == "EUR"


def test_engines_and_worker_counts_give_identical_tables(serial, tmp_path):
    plan, result = serial
    folder = new_sweep_folder(plan, tmp_path / "pool")
    pooled = run_sweep(plan, folder, workers=2)
    pd.testing.assert_frame_equal(pooled.points, result.points, check_exact=True)
    for point in ("0001", "0004"):
        for table in ("flows", "staffing"):
            a = pd.read_parquet(result.folder / "points" / point / f"{table}.parquet")
            b = pd.read_parquet(folder / "points" / point / f"{table}.parquet")
            pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_a_dask_local_cluster_gives_the_same_tables(serial, tmp_path):
    import distributed  # in the test extra: a missing engine is a failure, not a skip

    plan, result = serial
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        folder = new_sweep_folder(plan, tmp_path / "dask")
        on_dask = run_sweep(plan, folder, engine="dask", scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(on_dask.points, result.points, check_exact=True)


def test_infeasible_and_bad_points_are_recorded_and_the_sweep_goes_on(tmp_path):
    axes = [Axis("demands.*.max_mean_response_time", ("*1", "=1", "-100000"))]
    plan = plan_sweep(APPLIANCE_FILE, axes)
    result = run_sweep(plan, new_sweep_folder(plan, tmp_path), workers=1)
    assert list(result.points.status) == ["optimal", "infeasible", "bad_input"]
    assert "max_mean_response_time" in result.points.message[2]  # the field a negative time broke
    summary, _ = read_run(result.folder / "points" / "0002")
    assert summary["diagnosis"]  # the infeasible point says what would make it feasible


def test_a_resumed_sweep_solves_only_what_is_missing(serial, tmp_path):
    _plan, result = serial
    folder = tmp_path / "copy"
    shutil.copytree(result.folder, folder)
    shutil.rmtree(folder / "points" / "0002")
    shutil.rmtree(folder / "points" / "0004")
    (folder / "points" / ".incomplete-abc").mkdir()  # what a killed worker leaves behind
    (folder / "points.csv").unlink()
    again = run_sweep(read_plan(folder), folder, workers=1)
    assert again.solved == 2
    assert finished_points(folder) == {1, 2, 3, 4}
    assert not list((folder / "points").glob(".incomplete-*"))
    pd.testing.assert_frame_equal(again.points, result.points, check_exact=True)


def test_a_worker_that_dies_leaves_its_points_to_resume(tmp_path):
    """A worker killed outright (as by the out-of-memory killer) breaks the pool: the sweep still
    returns, names the points left without a record, and a resume solves exactly those."""
    import multiprocessing
    import os
    import signal
    import threading
    import time

    plan = plan_sweep(APPLIANCE_FILE, [Axis("demands.*.volume", tuple(f"*{1 + i / 100:g}" for i in range(10)))])
    folder = new_sweep_folder(plan, tmp_path)

    def kill_a_worker_after_the_first_point() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            children = multiprocessing.active_children()
            if children and finished_points(folder):
                os.kill(children[0].pid, signal.SIGKILL)
                return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_a_worker_after_the_first_point)
    killer.start()
    broken = run_sweep(plan, folder, workers=2)
    killer.join()
    assert broken.missing, "the kill came too late to break the pool"
    assert any("BrokenProcessPool" in f for f in broken.failures)
    assert set(broken.missing).isdisjoint(finished_points(folder))
    resumed = run_sweep(read_plan(folder), folder, workers=1)
    assert resumed.missing == [] and resumed.solved == len(broken.missing)
    assert list(resumed.points.point) == list(range(1, 11)) and set(resumed.points.status) == {"optimal"}


def test_a_points_met_column_is_false_when_any_period_left_units_unserved():
    from model.sweep import _demand_columns

    # d: 100 served of 100 in P1, nothing of 50 in P2 (all unmet): its quality target was neither met nor
    # missed in P2, but the demand was not met. e: everything served in both periods at its targets.
    kpis = pd.DataFrame(
        {
            "period": ["P1", "P2", "P1", "P2"],
            "demand": ["d", "d", "e", "e"],
            "volume": [100.0, 50.0, 10.0, 10.0],
            "served": [100.0, 0.0, 10.0, 10.0],
            "backlog": [0.0, 0.0, 0.0, 0.0],
            "unmet": [0.0, 50.0, 0.0, 0.0],
            "quality": [0.95, float("nan"), 0.99, 0.99],
            "min_quality": [0.9, 0.9, 0.9, 0.9],
            "response_time": [10.0, float("nan"), 5.0, 7.0],  # a point written before the rename
            "max_response_time": [float("nan")] * 4,
            "quality_met": [True, True, True, True],
            "response_time_met": [True, True, True, True],
        }
    )
    row = _demand_columns(kpis)
    assert not row["met.d"]
    assert bool(row["met.e"])
    assert row["served.d"] == 100 and row["mean_response_time.e"] == pytest.approx(6.0)
    assert row["quality.d"] == pytest.approx(0.95)  # weighted by the units served: P2 served none
