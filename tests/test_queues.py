"""Queues inside the LP (model/queues.py): staffing meets Erlang C targets, checked by hand, against a
published worked example, and against a brute-force search over the routing.

The Erlang C figures themselves are tested against published tables in test_queueing.py; here the
tests check that the LP's tangent iterations staff and route as the exact formula says they must.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import CONTACT_CENTRE_FILE, queued_generated_data, scenario_from_data, scenario_from_text
from scipy.optimize import minimize

from model import queueing
from model.generate import Size
from model.optimise import optimise
from model.resolver import Resolver
from model.scenario import load_scenario
from model.solve import SolveOptions, Solver

sys.path.insert(0, str(Path(__file__).parent / "lp"))
from helpers import solve

# The worked example of the CRAN package ErlangC 0.1.0 and callcentrehelper.com's "Erlang C formula
# made simple" (test_queueing.py quotes them): 100 calls in 30 minutes, 180 s handle time, 80 % of
# calls answered within 20 s. Here: 200 calls an hour over 200 open hours, 3 minutes = 0.05 h each.
DESK = """
scenario: {name: desk, currency: EUR, time_unit: minute, period_length: 43800}
stages: [service]
roles:
  agent: {cost_per_fte: 4000, hours_per_fte: HOURS}
nodes:
  desk:
    stage: service
    work: {agent: {hours_per_unit: 0.05}}
    queue:
      open_hours: 200
      target: {service_level: 0.8, within: 0.3333333333333333}
demands:
  calls: {origin: desk, sinks: [desk], volume: 40000}
"""


def desk(hours_per_fte: float = 200) -> str:
    return DESK.replace("HOURS", str(hours_per_fte))


def test_whole_agents_match_the_published_worked_example():
    # With hours_per_fte = open_hours one FTE is one agent on duty. Published: 14 agents are the
    # fewest that answer 80 % within 20 s (13 give 79.56 %); with 14 the service level is 88.835 %,
    # the probability of waiting 0.1741319 and the average wait 7.8359 s.
    outcome = solve(scenario_from_text(desk()), integer_staff=True)
    assert outcome.tables["staffing"].fte.tolist() == [14.0]
    assert outcome.objective == pytest.approx(14 * 4000, rel=1e-12)
    row = outcome.tables["queues"].iloc[0]
    assert row.load == pytest.approx(10.0, rel=1e-12)
    assert row.agents == pytest.approx(14.0, rel=1e-12)
    assert round(row.service_level, 5) == 0.88835
    assert round(row.probability_of_waiting, 7) == 0.1741319
    assert round(row.average_wait * 60, 4) == 7.8359  # minutes -> seconds
    assert bool(row.met)


def test_fractional_staff_meet_the_target_exactly():
    # FTE are continuous: the plan staffs exactly the agents at which 80 % within 20 s holds,
    # 13.04 agents on duty (between the published 13 and 14), i.e. 13.04 x 200 h / 160 h of FTE.
    outcome = solve(scenario_from_text(desk(hours_per_fte=160)))
    fte = outcome.tables["staffing"].fte.iloc[0]
    agents = fte * 160 / 200
    assert 13 < agents < 14
    assert float(queueing.service_level(agents, 10.0, 0.05, 20 / 3600)) == pytest.approx(0.8, abs=1e-7)
    assert float(queueing.service_level(agents - 1e-3, 10.0, 0.05, 20 / 3600)) < 0.8
    assert outcome.objective == pytest.approx(fte * 4000, rel=1e-12)
    log = outcome.tables["queue_iterations"]
    # one iteration: the start's load is the only possible one, so its tangent is already exact
    assert outcome.solver["queue_converged"] and outcome.solver["queue_iterations"] == 1
    # the plan is the last LP solved: HiGHS ranges it as it stands (no iteration -1 solving it again)
    assert log.iteration.tolist() == [0, 1]
    assert len(outcome.tables["sensitivity"]) and outcome.tables["sensitivity"].valid_to.notna().any()


def test_peak_factor_scales_the_load():
    # 30 % more calls in the peak interval: the queue is sized for 13 Erlangs, not 10.
    outcome = solve(scenario_from_text(desk().replace("open_hours: 200", "open_hours: 200\n      peak_factor: 1.3")))
    row = outcome.tables["queues"].iloc[0]
    assert row.arrival_rate == pytest.approx(260.0, rel=1e-12)
    assert row.load == pytest.approx(13.0, rel=1e-12)
    needed = float(queueing.required_agents(13.0, 0.05, service_level=0.8, within=20 / 3600))
    assert row.agents == pytest.approx(needed, rel=1e-7)


AVERAGE_WAIT_DESK = desk(160).replace(
    "target: {service_level: 0.8, within: 0.3333333333333333}", "target: {average_wait: 0.5}"
)


def test_average_wait_target_and_the_wait_in_response_times():
    # An average-wait target of 30 s: the staffing keeps the wait there, and each call counts 0.5 min
    # of waiting in its response time (no processing time here, so response time = 0.5 min).
    outcome = solve(scenario_from_text(AVERAGE_WAIT_DESK))
    row = outcome.tables["queues"].iloc[0]
    assert row.average_wait == pytest.approx(0.5, rel=1e-6)
    assert row.wait_counted == 0.5
    assert outcome.tables["demand_kpis"].mean_response_time.iloc[0] == pytest.approx(0.5, rel=1e-9)


# Two lanes on one desk: premium calls must average at most 1 minute of waiting, others 10 minutes.
# The express lane promises an average wait of 0.5 min, the standard one 5 min.
LANES = """
scenario: {name: lanes, currency: EUR, time_unit: minute, period_length: 43800}
stages: [service]
roles:
  agent: {cost_per_fte: 4000, hours_per_fte: 200}
nodes:
  desk:
    stage: service
    work: {agent: {hours_per_unit: 0.1}}
    queue:
      open_hours: 200
      lanes:
        - {name: express, target: {average_wait: 0.5}}
        - {name: standard, target: {average_wait: 5}}
demands:
  premium: {origin: desk, sinks: [desk], volume: 6000, max_mean_response_time: 1}
  others: {origin: desk, sinks: [desk], volume: 14000, max_mean_response_time: 10}
"""


def brute_force_lanes() -> float:
    """Fewest agents over every split: a share f of premium and g of others in express. Premium's
    counted wait f 0.5 + (1 - f) 5 must stay <= 1; each lane's agents are its exact requirement."""
    hours, open_hours = 0.1, 200.0

    def needed(f: np.ndarray, g: np.ndarray) -> np.ndarray:
        """The agents of both lanes at shares f and g (arrays, element by element; an empty lane needs
        none), infinite where premium's counted wait is over 1 minute."""
        f, g = np.clip(f, 0.0, 1.0), np.clip(g, 0.0, 1.0)
        express = (f * 6000 + g * 14000) / open_hours * hours
        standard = ((1 - f) * 6000 + (1 - g) * 14000) / open_hours * hours
        total = queueing.required_agents(express, hours, average_wait=0.5 / 60) + queueing.required_agents(
            standard, hours, average_wait=5 / 60
        )
        return np.where(f * 0.5 + (1 - f) * 5.0 > 1.0 + 1e-12, np.inf, total)

    def agents(split: np.ndarray) -> float:
        return float(needed(np.array([split[0]]), np.array([split[1]]))[0])

    # The grid in one call (required_agents takes arrays): 4,141 splits in a fraction of a second, not a minute.
    f, g = np.meshgrid(np.linspace(8 / 9, 1, 41), np.linspace(0, 1, 101), indexing="ij")
    on_grid = needed(f.ravel(), g.ravel())
    best = np.array([f.ravel()[on_grid.argmin()], g.ravel()[on_grid.argmin()]])  # the first of the fewest
    refined = minimize(agents, best, method="Nelder-Mead", options={"xatol": 1e-9, "fatol": 1e-12})
    return min(float(on_grid.min()), float(refined.fun))


def test_lanes_route_as_a_brute_force_search_over_the_split_does():
    outcome = solve(scenario_from_text(LANES))
    fewest = brute_force_lanes()  # agents; one FTE is one agent on duty here
    assert outcome.objective == pytest.approx(fewest * 4000, rel=1e-6)
    routing = outcome.tables["queue_routing"].set_index(["demand", "lane"]).units
    # premium needs f >= 8/9 of its calls in express to average 1 minute; the rest wait 5 minutes
    assert routing["premium", "express"] >= 6000 * 8 / 9 - 1e-6
    kpis = outcome.tables["demand_kpis"].set_index("demand")
    assert kpis.mean_response_time["premium"] <= 1 + 1e-9
    assert outcome.tables["queues"].met.all()


def test_a_lane_or_node_left_without_load_is_closed_and_costs_nothing():
    # The vendor (1 EUR a call) is cheaper than agents (4,000 EUR / 160 h x 0.05 h = 1.25 EUR of labour
    # a call before any queueing), so the desk's queue gets nothing:
    # it closes, keeps no staff and the cost is the vendor's alone.
    text = scenario_from_text("""
        scenario: {name: closed, currency: EUR, time_unit: minute, period_length: 43800}
        stages: [entry, service]
        roles:
          agent: {cost_per_fte: 4000, hours_per_fte: 160}
        nodes:
          line: {stage: entry}
          desk:
            stage: service
            work: {agent: {hours_per_unit: 0.05}}
            queue: {open_hours: 200, target: {service_level: 0.8, within: 0.5}}
          vendor: {stage: service, unit_cost: 1, capacity: 100000}
        arcs:
          - {from: line, to: desk}
          - {from: line, to: vendor}
        demands:
          calls: {origin: line, sinks: [desk, vendor], volume: 40000}
        """)
    outcome = solve(text)
    assert outcome.objective == pytest.approx(40000 * 1, rel=1e-9)
    assert outcome.tables["staffing"].fte.iloc[0] == pytest.approx(0.0, abs=1e-9)
    assert outcome.tables["queues"].units.iloc[0] == 0.0


def test_mixed_roles_are_sized_at_the_longest_handle_time():
    # Agents take 0.05 h a call, juniors 0.08 h. All on duty share one queue, so whoever answers, the
    # queue is sized at 0.08 h a call: 200 calls an hour are 16 Erlangs, and it gets g(16) at 0.08 h,
    # from the cheaper FTE (juniors: 3,500 EUR against 4,000), who then do the work too.
    text = desk(160).replace(
        "work: {agent: {hours_per_unit: 0.05}}", "work: {agent: {hours_per_unit: 0.05}, junior: {hours_per_unit: 0.08}}"
    )
    text = text.replace("roles:\n", "roles:\n  junior: {cost_per_fte: 3500, hours_per_fte: 160}\n")
    outcome = solve(scenario_from_text(text))
    row = outcome.tables["queues"].iloc[0]
    assert (row.handle_time, row.load) == (0.08, pytest.approx(16.0, rel=1e-12))
    needed = float(queueing.required_agents(16.0, 0.08, service_level=0.8, within=20 / 3600))
    assert row.agents == pytest.approx(needed, rel=1e-7) and row.met
    assert outcome.objective == pytest.approx(needed * 200 / 160 * 3500, rel=1e-7)


def test_the_cost_never_rises_from_one_iteration_to_the_next():
    for scenario in (load_scenario(CONTACT_CENTRE_FILE), queued_generated()):
        outcome = solve(scenario)  # with every invariant of model.md checked on the tables
        costs = outcome.tables["queue_iterations"].cost.to_numpy()[1:]
        assert len(costs) >= 2
        assert np.all(np.diff(costs) <= 1e-9 * costs[:-1]), costs
        assert outcome.tables["queues"].met.all()
        assert outcome.solver["queue_converged"]


def test_the_plan_is_ranged_as_solved_or_after_solving_it_again_alike(monkeypatch):
    """The sensitivity table of a queued plan from HiGHS's ranging of the last LP solved, and from
    the plan's LP solved once more (iteration -1, what happens when the plan was not the last LP
    solved): two ways to the same basis, the same figures."""
    scenario = load_scenario(CONTACT_CENTRE_FILE)
    direct = optimise(scenario)
    assert -1 not in direct.tables["queue_iterations"].iteration.tolist()
    monkeypatch.setattr(Solver, "add_ranging", lambda self, solution: False)
    again = optimise(scenario)
    log = again.tables["queue_iterations"]
    assert log.iteration.tolist()[-1] == -1 and log.simplex_iterations.iloc[-1] == 0
    assert again.objective == pytest.approx(direct.objective, rel=1e-12)
    ours, theirs = direct.tables["sensitivity"], again.tables["sensitivity"]
    assert len(ours) > 0 and ours.field.tolist() == theirs.field.tolist()
    for column in ("shadow_price", "valid_from", "valid_to", "cost_at_from", "cost_at_to"):
        np.testing.assert_allclose(ours[column], theirs[column], rtol=1e-9, atol=1e-6, err_msg=column)


def test_the_time_of_ranging_the_plan_in_place_counts_as_extract(monkeypatch):
    """Ranging the plan HiGHS holds is no logged solve: its seconds go to the outcome's `extract`."""
    original = Solver.add_ranging

    def slow(self, solution):
        time.sleep(0.3)
        return original(self, solution)

    monkeypatch.setattr(Solver, "add_ranging", slow)
    outcome = optimise(load_scenario(CONTACT_CENTRE_FILE))
    assert -1 not in outcome.tables["queue_iterations"].iteration.tolist()
    assert outcome.timings["extract"] >= 0.3
    assert outcome.timings["queue_tangents"] < outcome.tables["queue_iterations"].seconds.sum()


def queued_generated() -> object:
    """A small generated chain with a queue (its old wait as the average-wait target) at every team."""
    return scenario_from_data(queued_generated_data(Size(3, 30, 2, 5)))


def test_an_iteration_cap_keeps_a_safe_plan_and_says_so():
    text = load_scenario(CONTACT_CENTRE_FILE)
    capped = text.model_copy(update={"solver": text.solver.model_copy(update={"queue_iterations": 1})})
    outcome = optimise(capped, sensitivity=False)
    assert outcome.status == "optimal" and not outcome.solver["queue_converged"]
    assert "did not converge" in outcome.message or "still moved" in outcome.message
    assert outcome.tables["queues"].met.all()
    full = optimise(text, sensitivity=False)
    assert outcome.objective >= full.objective - 1e-6


def test_a_sweep_point_with_queues_is_solved_as_optimise_does():
    # The variant's tangent iterations run on the base's LP, changed in place, and end where a solve
    # from scratch ends.
    base = load_scenario(CONTACT_CENTRE_FILE)
    resolver = Resolver(base, sensitivity=False)
    assert resolver.base_outcome.objective == pytest.approx(optimise(base, sensitivity=False).objective, rel=1e-9)
    roles = {**base.roles, "agent": base.roles["agent"].model_copy(update={"cost_per_fte": 3800.0})}
    dearer = base.model_copy(update={"roles": roles})
    again = resolver.solve(dearer)
    assert again.solver["lp"] == "updated in place" and again.solver["queue_converged"]
    assert again.objective == pytest.approx(optimise(dearer, sensitivity=False).objective, rel=1e-9)


def test_no_one_is_on_duty_longer_than_the_queue_is_open():
    # The desk is open 50 h a month and each FTE works 200 h: one FTE is at most one agent on duty
    # (50 h), not four. 10,000 calls over 50 h at 0.05 h are 10 Erlangs: 13.04 agents, so 13.04 FTE.
    text = desk(200).replace("open_hours: 200", "open_hours: 50").replace("volume: 40000", "volume: 10000")
    outcome = solve(scenario_from_text(text))
    needed = float(queueing.required_agents(10.0, 0.05, service_level=0.8, within=20 / 3600))
    assert outcome.tables["staffing"].fte.iloc[0] == pytest.approx(needed, rel=1e-7)
    assert outcome.tables["queues"].agents.iloc[0] == pytest.approx(needed, rel=1e-7)


TWO_DESKS = """
scenario: {name: two-desks, currency: EUR, time_unit: minute, period_length: 43800}
stages: [entry, service]
roles: {agent: {cost_per_fte: 4000, hours_per_fte: 200}, senior: {cost_per_fte: 6000, hours_per_fte: 200}}
nodes:
  line: {stage: entry}
  a: {stage: service, work: {agent: {hours_per_unit: 0.05}}, queue: {open_hours: 200, target: {average_wait: 5}}}
  b: {stage: service, work: {senior: {hours_per_unit: 0.05}}, queue: {open_hours: 200, target: {average_wait: 1}}}
arcs: [{from: line, to: a}, {from: line, to: b}]
demands:
  calls: {origin: line, sinks: [a, b], volume: 40000, max_mean_response_time: 3}
"""


def test_the_start_counts_the_known_waits_so_the_faster_desk_stays_open():
    # Desk a is cheap but slow (5 min average wait), b dear and fast (1 min); calls must average
    # 3 min, so at most half go to a. Counting no wait at the start would send all to a and close b.
    # Brute force over the share f sent to a (one FTE is one agent on duty here):
    def cost(f: np.ndarray) -> np.ndarray:
        """The agents' cost at each share f (required_agents takes arrays: 5,001 shares in one call)."""
        a, b = 40000 * f / 200 * 0.05, 40000 * (1 - f) / 200 * 0.05
        return 4000 * queueing.required_agents(a, 0.05, average_wait=5 / 60) + 6000 * queueing.required_agents(
            b, 0.05, average_wait=1 / 60
        )

    best = float(cost(np.linspace(0.0, 0.5, 5001)).min())
    outcome = solve(scenario_from_text(TWO_DESKS))
    assert outcome.objective == pytest.approx(best, rel=1e-6)
    assert outcome.tables["demand_kpis"].mean_response_time.iloc[0] <= 3 + 1e-9


def test_an_empty_lane_that_makes_the_first_tangents_infeasible_is_closed():
    # Only premium calls, which must wait 0.5 min on average: all go express. The staff maximum
    # (13.2519 agents) allows exactly that, g(10) = 13.16 at 0.5 min, but not also the fixed part of
    # a tangent for the empty standard lane; the first iteration closes it and solves again.
    text = LANES.replace(
        "demands:\n  premium: {origin: desk, sinks: [desk], volume: 6000, max_mean_response_time: 1}\n"
        "  others: {origin: desk, sinks: [desk], volume: 14000, max_mean_response_time: 10}",
        "demands:\n  premium: {origin: desk, sinks: [desk], volume: 20000, max_mean_response_time: 0.5}",
    )
    text = text.replace("    queue:", "    staff: {agent: {max: 13.2519}}\n    queue:")
    outcome = solve(scenario_from_text(text))
    needed = float(queueing.required_agents(10.0, 0.1, average_wait=0.5 / 60))
    assert outcome.objective == pytest.approx(needed * 4000, rel=1e-7)
    assert outcome.tables["queue_iterations"].status.iloc[1] == "infeasible"


def test_a_time_limit_spent_in_the_start_reports_no_plan():
    scenario = queued_generated()
    outcome = optimise(scenario, SolveOptions(time_limit=0.001), integer_staff=True)
    assert outcome.status == "time_limit" and outcome.tables == {}


def test_lane_targets_are_addressed_by_lane_name():
    from model.scenario import parse_yaml, validate_data
    from model.scenario.overrides import Override, apply_overrides

    path = CONTACT_CENTRE_FILE
    data, source = parse_yaml(path.read_text(), str(path))
    changed, changes = apply_overrides(
        data, [Override("nodes.field_team.queue.lanes.standard.target.average_wait", "=240", "--set")]
    )
    assert [c.path for c in changes] == ["nodes.field_team.queue.lanes.standard.target.average_wait"]
    lanes = validate_data(changed, source).nodes["field_team"].queue.lanes
    assert [(lane.name, lane.target.average_wait) for lane in lanes] == [("express", None), ("standard", 240.0)]


def test_removing_a_queue_gives_back_a_plain_node():
    # Without its queue the desk is staffed for its hours worked alone: 40,000 calls x 0.05 h over
    # 160 h an FTE = 12.5 FTE, against 13.04 agents x 200 h / 160 h = 16.3 with the queue.
    from model.scenario import parse_yaml, validate_data
    from model.scenario.overrides import Removal, apply_overrides

    data, source = parse_yaml(desk(160), "desk.yaml")
    changed, changes = apply_overrides(data, [], [Removal("nodes.*.queue", "--remove")])
    assert [c.path for c in changes] == ["nodes.desk.queue"]
    outcome = solve(validate_data(changed, source))
    assert outcome.objective == pytest.approx(12.5 * 4000, rel=1e-9) and "queues" not in outcome.tables
