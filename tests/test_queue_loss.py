"""Units a queue loses without an overflow are unmet (docs/model.md, Abandonment and loss), worked by
hand on one hour of 200 calls of 3 minutes (10 Erlangs) at an erlang_a desk whose callers' mean
patience is the handle time and of whom at most 5 % may abandon: 13 agents, P(Ab) = 3.22 %, by the
birth-death chain of M/M/N+M written out in tests/test_queue_intervals.py (`abandoned_share`).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import e2eopt, one_hour_desk, scenario_from_text
from test_queue_intervals import abandoned_share

from model import queueing
from model.network import index_sets
from model.queues import QueuePlan, implied_wait, start_tangents, tangents_at

sys.path.insert(0, str(Path(__file__).parent / "lp"))
from helpers import solve

# One hour-long interval; an FTE works the hour (one agent on duty); nothing but the desk serves the
# calls, so every call is offered to its queue.
LOST = one_hour_desk(
    "lost",
    scenario="OBJECTIVE",
    rest="""\
    queue:
      model: erlang_a
      patience: 3
      target: {max_abandoned: 0.05}
demands:
  calls: {origin: desk, sinks: [desk], volume_by_interval: [200]DEMAND}
""",
)


def lost_text(demand: str = "", objective: str = "") -> str:
    return LOST.replace("DEMAND", demand).replace("OBJECTIVE", objective)


ABANDONED = abandoned_share(13, 10.0, 1.0) * 200  # 6.449 calls hang up at 13 agents


@pytest.fixture(scope="module")
def penalised():
    return solve(scenario_from_text(lost_text(", unmet_penalty: 50")))


def test_the_chain_gives_13_agents_and_6_45_calls_abandoned():
    assert abandoned_share(12, 10.0, 1.0) > 0.05 >= abandoned_share(13, 10.0, 1.0)
    assert round(ABANDONED, 3) == 6.449


def test_abandoned_calls_without_an_overflow_are_unmet_in_the_demand_kpis(penalised):
    # 200 calls offered, 6.449 abandoned (the queue_routing table), so 193.551 served and 6.449 unmet;
    # `met` is false: not every call due was served.
    assert penalised.tables["queue_routing"].units_lost.sum() == pytest.approx(ABANDONED, rel=1e-6)
    kpis = penalised.tables["demand_kpis"].iloc[0]
    assert (kpis.served, kpis.unmet) == (pytest.approx(200 - ABANDONED, rel=1e-6), pytest.approx(ABANDONED, rel=1e-6))
    assert not kpis.met
    assert penalised.tables["cost_to_serve"].set_index("demand").served["calls"] == pytest.approx(200 - ABANDONED)


def test_they_carry_the_demands_unmet_penalty_at_its_origin(penalised):
    # 13 agents x 100 EUR, and 50 EUR for each of the 6.449 calls abandoned: 1,622.47 EUR. The penalty is
    # too dear to leave calls unmet on purpose (u = 0): one call fewer saves about g'(10) x 0.05 x 100 =
    # 6 EUR of agents, so the LP answers every call it can.
    costs = penalised.tables["costs"].set_index("category")
    assert costs.amount["unmet"] == pytest.approx(50 * ABANDONED, rel=1e-6)
    assert costs.node["unmet"] == "desk"  # the demand's origin
    assert costs.amount["labour"] == pytest.approx(1300, rel=1e-9)
    assert penalised.objective == pytest.approx(1300 + 50 * ABANDONED, rel=1e-6)
    assert penalised.tables["cost_to_serve"].set_index("demand").cost_to_serve["calls"] == pytest.approx(
        1300 + 50 * ABANDONED, rel=1e-6
    )


def test_without_a_penalty_they_are_unmet_at_no_cost():
    outcome = solve(scenario_from_text(lost_text()))
    assert outcome.objective == pytest.approx(1300, rel=1e-9)
    assert outcome.tables["demand_kpis"].unmet.iloc[0] == pytest.approx(ABANDONED, rel=1e-6)


def test_under_margin_they_forgo_their_price_in_summary_and_on_the_screen(tmp_path):
    # price 30 EUR, no penalty: revenue = 30 x 193.551 = 5,806.53 EUR, margin 4,506.53 EUR; the LP's
    # objective is cost + revenue forgone = 1300 + 30 x 6.449 = 1,493.47 EUR; summary.json lists the
    # 6.449 calls as dropped, 3.22 % of the volume, 193.47 EUR forgone.
    (tmp_path / "lost.yaml").write_text(lost_text(", price: 30", ", objective: margin"))
    result = e2eopt("solve", "lost.yaml", "--out", "runs", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    (folder,) = (tmp_path / "runs").iterdir()
    summary = json.loads((folder / "summary.json").read_text())
    profit = summary["profit"]
    assert profit["revenue"] == pytest.approx(30 * (200 - ABANDONED), rel=1e-6)
    assert profit["margin"] == pytest.approx(30 * (200 - ABANDONED) - 1300, rel=1e-6)
    assert summary["objective"] == pytest.approx(1300 + 30 * ABANDONED, rel=1e-6)
    (dropped,) = profit["dropped"]
    assert dropped["units_dropped"] == pytest.approx(ABANDONED, rel=1e-6)
    assert dropped["share_dropped"] == pytest.approx(ABANDONED / 200, rel=1e-6)
    assert dropped["revenue_forgone"] == pytest.approx(30 * ABANDONED, rel=1e-6)
    assert f"{200 - ABANDONED:,.1f}" in result.stdout  # the demand table's served column: 193.6
    assert summary["violations"] == []  # the independent check (model/check.py) found nothing


# --- Erlang A tangents where the requirement is not concave ------------------------------------------

# 40,000 calls of 3 minutes in one hour: at most 2,000 Erlangs reach the desk; patience = handle time,
# at most 5 % abandoned. g turns convex at such loads (docs/model.md, Queues, concavity).
BIG = one_hour_desk(
    "big",
    rest="""\
    queue: {model: erlang_a, patience: 3, whole_agents: false, target: {max_abandoned: 0.05}}
demands:
  calls: {origin: desk, sinks: [desk], volume_by_interval: [40000]}
""",
)


def log_abandoned_share(n: int, load: float, patience: float, tail: int = 1500) -> float:
    """P(Ab) of M/M/n+M (handle time 1) from its birth-death chain, as `abandoned_share` but with the
    state weights in logs (at 2,000 Erlangs they overflow a float): E[queue] / patience / load."""
    logs = [0.0]
    for k in range(1, n + tail):
        logs.append(logs[-1] + math.log(load) - math.log(min(k, n) + max(k - n, 0) / patience))
    top = max(logs)
    weights = [math.exp(x - top) for x in logs]
    queued = sum(max(k - n, 0) * w for k, w in enumerate(weights)) / sum(weights)
    return queued / patience / load


def test_an_erlang_a_tangent_is_raised_to_cover_every_load_the_lane_may_get():
    # A tangent of g at 500 Erlangs, extended to 2,000 (the most the desk may get), asks
    # g(500) + g'(500) x 1,500 = 476.67 + 0.94737 x 1,500 = 1,897.73 agents; but 1,898 agents leave
    # more than 5 % of the callers abandoning (the chain), so the plain tangent is short there.
    # tangents_at raises it: at 2,000 Erlangs the row asks g(2000) = 1,900.19 agents, which lose at
    # most 5 %, and at every load on the way it asks at least g.
    sets = index_sets(scenario_from_text(BIG))
    handle, patience, kw = 0.05, 0.05, {"model": "erlang_a", "max_abandoned": np.array([0.05])}
    kw["patience"] = np.array([patience])
    value, slope = queueing.requirement_tangent(np.array([500.0]), np.array([handle]), **kw)
    plain = float(value[0] + slope[0] * 1500)
    assert plain == pytest.approx(1897.73, abs=0.01)
    assert log_abandoned_share(math.ceil(plain), 2000.0, 1.0) > 0.05

    load = np.array([[500.0]])
    plan = QueuePlan(load, implied_wait(sets, load), np.array([[False]]))
    tangents = tangents_at(sets, plan, start_tangents(sets))

    def row_agents(erlangs: np.ndarray) -> np.ndarray:
        """Agents row 10 asks at a load: (beta + gamma U) / h_i, U = A h_i / handle calls, h_i = 1 h."""
        units = erlangs / handle
        return tangents.service_level_intercept[0, 0] + tangents.service_level_slope[0, 0] * units

    loads = np.geomspace(2.0, 2000.0, 40)
    need = queueing.required_agents(
        loads, np.full(40, handle), **{k: np.full(40, v[0]) for k, v in kw.items() if k != "model"}, model="erlang_a"
    )
    assert (row_agents(loads) >= need - 1e-6).all()
    at_most = float(row_agents(np.array([2000.0]))[0])
    assert at_most == pytest.approx(1900.19, abs=0.01)
    assert float(queueing.lost_share("erlang_a", at_most, 2000.0, handle, patience)) <= 0.05 + 1e-9
    assert log_abandoned_share(math.ceil(at_most), 2000.0, 1.0) <= 0.05


def test_the_plan_at_2000_erlangs_meets_its_target_by_the_exact_formula():
    # The iterations converge at the desk's load, 2,000 Erlangs; the row there is raised by what the
    # tangent at 2,000 falls short of g at the lower loads the lane might get (g is convex there): the
    # plan staffs g(2000) = 1,900.19 agents plus that shortfall, found here by brute force on 2,000
    # loads from 2 to 2,000 Erlangs (about 2.5 agents: the price of a cut safe at every load), and the
    # queues table's exact check is met.
    outcome = solve(scenario_from_text(BIG))
    row = outcome.tables["queues"].iloc[0]
    assert row.load == pytest.approx(2000.0, rel=1e-9)
    assert row.agents_required == pytest.approx(1900.19, abs=0.01)
    targets = {"model": "erlang_a", "patience": 0.05, "max_abandoned": 0.05}
    value, slope = queueing.requirement_tangent(2000.0, 0.05, **targets)
    loads = np.geomspace(2.0, 2000.0, 2000)
    short = np.max(queueing.required_agents(loads, 0.05, **targets) - (value + slope * (loads - 2000.0)))
    assert 2.0 < short < 3.0
    assert row.agents == pytest.approx(float(value) + short, abs=0.02)
    assert row.lost_share <= 0.05 + 1e-9
    assert row.met


def test_the_report_and_the_screen_show_the_share_lost(tmp_path):
    # 6.449 of 200 calls abandoned at 13 agents: 3.22 % against the 5 % allowed.
    from model import optimise, write_run
    from model.report.run import page

    path = tmp_path / "lost.yaml"
    path.write_text(lost_text(", unmet_penalty: 50"))
    folder = write_run(optimise(scenario_from_text(lost_text(", unmet_penalty: 50"), tmp_path)), path, tmp_path)
    _, _, sections = page(folder)
    section = next(s for s in sections if s.title == "Queues: service levels")
    lost = next(f for f in section.figures if "lost" in f.layout.title.text)
    assert list(lost.data[0].y) == pytest.approx([ABANDONED / 200], rel=1e-6)
    assert "1 lane-interval-period" in section.intro[1]
