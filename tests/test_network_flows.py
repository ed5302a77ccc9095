"""Any directed network (issue 16, item 1): hand-off graphs with loops, negative arc costs, and an
unbounded LP named by its loop. Textbook min-cost-flow problems written as scenarios solve to their
published optima.

How a textbook min-cost flow becomes a scenario (`flow_scenario`): one stage holds every node; a
super-source `source` is every demand's origin; each supply node gets an arc source -> node with
cost 0 and capacity = its supply; each demand node is a demand (origin `source`, sinks [that node],
volume its demand); every textbook arc is an arc with its cost and capacity; nodes cost nothing.
Arc capacities are shared by all demands, so the sum of the demands' flows is one single-commodity
flow meeting every supply and demand, and any such flow splits into per-demand paths (flow
decomposition): the optimum is the single-commodity min-cost flow's. A circulation (no supply) is a
demand of volume 0 whose origin and only sink is a node on the loops: the walks from it back to it
are the circulation's arcs.

Sources (the published optima asserted here):
- networkx's min-cost-flow tests, networkx/algorithms/flow/tests/test_mincost.py (commit
  096887c71165a129d42f49db6a9b4dec6ea22005, https://github.com/networkx/networkx/blob/096887c71165a129d42f49db6a9b4dec6ea22005/networkx/algorithms/flow/tests/test_mincost.py):
  `test_digraph1`, from Bradley, Hax and Magnanti, Applied Mathematical Programming (Addison-Wesley,
  1977), optimum 150 (a loop 3 -> 4 -> 5 -> 3); `test_transshipment`, optimum 41 (negative costs);
  `test_max_flow_min_cost` with the arc t -> s at cost -100, optimum -410 (a circulation whose
  negative loop is capacitated at 5 units by d -> t); `test_digraph2` with t -> s at -100, optimum
  -3007 (Princeton COS 226 lecture "mincost", slide 11, per the test); `test_infinite_capacity_neg_digon`,
  unbounded (the loop 1 -> 2 -> 1 at -600 per round, no capacity).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import LOOP_NETWORK

from model.loops import negative_cycle, unbounded_loop
from model.optimise import optimise
from model.scenario import parse_yaml, validate_data
from model.scenario.loader import load_scenario_with_source

Arc = tuple[object, object, float, float | None]  # from, to, cost, capacity (None: unlimited)


def flow_scenario(name: str, balance: dict[object, float], arcs: list[Arc], circulate_at: object = None) -> str:
    """A textbook min-cost flow as a scenario (module docstring): balance < 0 supplies, > 0 demands."""
    nodes = list(dict.fromkeys([n for a in arcs for n in a[:2]] + list(balance)))
    lines = [
        f"scenario: {{name: {name}, currency: EUR, time_unit: hour, period_length: 1}}",
        "stages: [net]",
        "nodes:",
        "  source: {stage: net}",
        *[f"  n{n}: {{stage: net}}" for n in nodes],
        "arcs:",
    ]
    for n, amount in balance.items():
        if amount < 0:
            lines.append(f"  - {{from: source, to: n{n}, cost: 0, capacity: {-amount:g}}}")
    for u, v, cost, capacity in arcs:
        cap = "" if capacity is None else f", capacity: {capacity:g}"
        lines.append(f"  - {{from: n{u}, to: n{v}, cost: {cost:g}{cap}}}")
    lines.append("demands:")
    for n, amount in balance.items():
        if amount > 0:
            lines.append(f"  to_{n}: {{origin: source, sinks: [n{n}], volume: {amount:g}}}")
    if circulate_at is not None:
        lines.append(f"  circulation: {{origin: n{circulate_at}, sinks: [n{circulate_at}], volume: 0}}")
    return "\n".join(lines) + "\n"


def solved(text: str, name: str = "flow.yaml"):
    scenario = validate_data(*parse_yaml(text, name))
    return optimise(scenario, sensitivity=False)


def arc_flows(outcome) -> dict[str, float]:
    flows = outcome.tables["flows"]
    return flows.groupby("arc").units.sum().round(9).to_dict()


# ---- published optima -----------------------------------------------------------------------------

BRADLEY = [  # test_digraph1: supply 20 at 1, demands 5 at 4 and 15 at 5
    (1, 2, 4, 15),
    (1, 3, 4, 8),
    (2, 3, 2, None),
    (2, 4, 2, 4),
    (2, 5, 6, 10),
    (3, 4, 1, 15),
    (3, 5, 3, 5),
    (4, 5, 2, None),
    (5, 3, 1, 4),
]


def test_bradley_hax_magnanti_with_a_loop_solves_to_150():
    """Optimum 150 (networkx test_digraph1; Bradley, Hax & Magnanti 1977). The flow networkx publishes:
    1->2 12, 1->3 8, 2->3 8, 2->4 4, 3->4 11, 3->5 5, 4->5 10, costing 48 + 32 + 16 + 8 + 11 + 15 + 20
    = 150. The graph has the loop 3 -> 4 -> 5 -> 3 (it was refused before issue 16)."""
    outcome = solved(flow_scenario("bradley", {1: -20, 4: 5, 5: 15}, BRADLEY))
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(150.0, abs=1e-6)
    flows = arc_flows(outcome)
    assert flows.get("n5->n3", 0.0) == pytest.approx(0.0)  # the loop is not worth using: 3->4->5->3 costs 4
    assert flows["source->n1"] == pytest.approx(20.0)


TRANSSHIPMENT = [  # test_transshipment: no capacities; three negative costs
    ("a", "c", 3, None),
    ("r", "a", 2, None),
    ("b", "a", 9, None),
    ("r", "c", 0, None),
    ("b", "r", -6, None),
    ("c", "d", 5, None),
    ("e", "r", 4, None),
    ("e", "f", 3, None),
    ("h", "b", 4, None),
    ("f", "d", 7, None),
    ("f", "h", 12, None),
    ("g", "d", 12, None),
    ("f", "g", -1, None),
    ("h", "g", -10, None),
]
TRANSSHIPMENT_BALANCE = {"a": 1, "b": -2, "c": -2, "d": 3, "e": -4, "f": -4, "g": 3, "h": 2, "r": 3}


def test_transshipment_with_negative_costs_solves_to_41():
    """Optimum 41 (networkx test_transshipment). Its published flow: b->r 2 (-12), c->d 3 (15),
    e->r 3 (12), e->f 1 (3), f->g 3 (-3), f->h 2 (24), r->a 1 (2), r->c 1 (0): -12 + 15 + 12 + 3 - 3
    + 24 + 2 + 0 = 41."""
    outcome = solved(flow_scenario("transshipment", TRANSSHIPMENT_BALANCE, TRANSSHIPMENT))
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(41.0, abs=1e-6)
    costs = outcome.tables["costs"]
    assert costs.amount.sum() == pytest.approx(41.0, abs=1e-6)  # the costs table holds the rebates too


MAX_FLOW_MIN_COST = [  # test_max_flow_min_cost, with the return arc t -> s at -100
    ("s", "a", 0, 6),
    ("s", "c", 10, 10),
    ("a", "b", 6, None),
    ("b", "d", 7, 8),
    ("c", "d", 10, None),
    ("d", "t", 5, 5),
    ("t", "s", -100, None),
]


def test_a_capacitated_negative_loop_is_saturated():
    """Optimum -410 (networkx test_max_flow_min_cost): the circulation's best loop s-a-b-d-t-s costs
    0 + 6 + 7 + 5 - 100 = -82 per unit and d -> t carries at most 5: 5 x -82 = -410 (the other loop,
    via c, costs 10 + 10 + 5 - 100 = -75 and shares d -> t)."""
    outcome = solved(flow_scenario("maxflow", {}, MAX_FLOW_MIN_COST, circulate_at="s"))
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(-410.0, abs=1e-6)
    flows = arc_flows(outcome)
    assert flows["nt->ns"] == pytest.approx(5.0) and flows["na->nb"] == pytest.approx(5.0)
    assert flows.get("nc->nd", 0.0) == pytest.approx(0.0)
    assert unbounded_loop(validate_data(*parse_yaml(flow_scenario("m", {}, MAX_FLOW_MIN_COST, "s"), "m"))) is None


PRINCETON = [  # test_digraph2, with the return arc t -> s at -100
    ("s", 1, 0, 12),
    ("s", 2, 0, 6),
    ("s", 3, 0, 14),
    (1, 2, 4, 11),
    (2, 3, 6, 9),
    (1, 4, 5, 5),
    (1, 5, 12, 2),
    (2, 5, 4, 4),
    (2, 6, 6, 2),
    (3, 6, 3, 31),
    (4, 5, 4, 18),
    (5, 6, 5, 9),
    (4, "t", 0, 3),
    (5, "t", 0, 7),
    (6, "t", 0, 22),
    ("t", "s", -100, None),
]


def test_a_max_flow_min_cost_circulation_solves_to_minus_3007():
    """Optimum -3007 (networkx test_digraph2): the maximum flow of 32 units (t's in-arcs 3 + 7 + 22)
    at its least cost 193, each unit earning 100 on t -> s: 193 - 3,200 = -3,007."""
    outcome = solved(flow_scenario("princeton", {}, PRINCETON, circulate_at="s"))
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(-3007.0, abs=1e-6)
    assert arc_flows(outcome)["nt->ns"] == pytest.approx(32.0)


# ---- unbounded: named by its loop, exit 4 --------------------------------------------------------

DIGON = [  # test_infinite_capacity_neg_digon: supply 4 at 2, demand 4 at 3
    (1, 2, -600, None),
    (2, 1, 0, None),
    (2, 3, 714285, 5),
    (3, 2, 0, 2),
]


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of the file holding `fragment` (found independently of the SourceMap)."""
    return next(i for i, line in enumerate(text.splitlines(), start=1) if fragment in line)


@pytest.fixture(scope="module")
def digon_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("digon") / "digon.yaml"
    path.write_text(flow_scenario("digon", {2: -4, 3: 4}, DIGON))
    return path


def test_an_uncapacitated_negative_loop_is_unbounded_and_named(digon_file: Path):
    """networkx test_infinite_capacity_neg_digon is unbounded: 1 -> 2 -> 1 earns 600 - 0 = 600 EUR per
    round and neither arc nor node has a capacity. The message names the loop (from n1, the first
    of its nodes in the file) and the lines of its two arcs."""
    scenario, source = load_scenario_with_source(digon_file)
    outcome = optimise(scenario, source=source, sensitivity=False)
    text = digon_file.read_text()
    first, second = line_of(text, "from: n1, to: n2"), line_of(text, "from: n2, to: n1")
    assert outcome.status == "unbounded"
    assert outcome.message == (
        "the loop n1 -> n2 -> n1 earns 600.00 EUR per unit per round and has no capacity on any of its "
        f"arcs or nodes (arcs at lines {first} and {second}); give one of them a capacity or raise a cost"
    )
    assert outcome.tables == {}


def test_the_command_line_exits_4_and_writes_a_whole_run_folder(digon_file: Path, tmp_path: Path):
    """`solve --json` prints the status and the named loop, exit 4; the run folder holds a complete
    summary.json (no tables: there is no plan)."""
    done = subprocess.run(
        [sys.executable, "-m", "model", "solve", str(digon_file), "--out", str(tmp_path), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 4, done.stderr
    summary = json.loads(done.stdout)
    assert summary["status"] == "unbounded" and "the loop n1 -> n2 -> n1 earns 600.00 EUR" in summary["message"]
    folder = Path(summary["run_folder"])
    assert json.loads((folder / "summary.json").read_text())["status"] == "unbounded"
    assert not list(folder.glob("*.csv")) and not list(folder.glob("*.parquet"))


def test_a_rebate_alone_is_no_loop():
    """A negative cost on an arc of a path without loops is bounded: tiny's call_centre -> vendor at
    -2 EUR is a rebate (vendor 50 - 2 = 48 EUR per unit, service team 5,200 / 140 x 1.5 = 55.71 EUR):
    the vendor takes its capacity of 800, the team the other 200 (in whole hours: 300 h = 2.142857 FTE,
    11,142.86 EUR): 800 x 48 + 11,142.86 = 49,542.86 EUR. tiny's targets are left out here."""
    text = Path("data/tiny.yaml").read_text().replace("cost: 2, lead_time: 4", "cost: -2, lead_time: 4")
    text = text.replace("    min_quality: 0.95\n    max_mean_response_time: 24\n", "")
    outcome = solved(text, "tiny-rebate.yaml")
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(800 * 48 + 300 / 140 * 5200, abs=1e-4)


# ---- the loop finder on its own ------------------------------------------------------------------


def test_negative_cycle_follows_the_listed_order():
    """Two negative loops, a -> b -> a (-1) and c -> d -> c (-5): Bellman-Ford finds one of them, the
    same on every run, named from its node listed first; with none, None."""
    edges = [(0, "a", "b", -1.0), (1, "b", "a", 0.0), (2, "c", "d", -2.0), (3, "d", "c", -3.0)]
    found = negative_cycle(["a", "b", "c", "d"], edges)
    assert found in (["a", "b"], ["c", "d"])
    assert negative_cycle(["a", "b", "c", "d"], edges) == found
    assert negative_cycle(["a", "b"], [(0, "a", "b", -1.0), (1, "b", "a", 1.0)]) is None  # +0 per round


LOOPED_STAGES = textwrap.dedent("""
    scenario: {name: rework, currency: EUR, period_length: 730}
    stages: [market, service, delivery]
    nodes:
      shop: {stage: market}
      repair: {stage: service, unit_cost: 10}
      test: {stage: service, unit_cost: 1}
      customer: {stage: delivery}
    arcs:
      - {from: shop, to: repair}
      - {from: repair, to: test}
      - {from: test, to: repair, cost: 3}
      - {from: test, to: customer}
      - {from: customer, to: shop, cost: -4}
      - {from: customer, to: test, cost: 2}
    demands:
      fix: {origin: shop, sinks: [customer], stages: [market, service, delivery], volume: 5}
""")


def test_stages_allow_loops_within_and_back_but_forward_one_step():
    """With stages [market, service, delivery] a demand may move forward one stage, within one, or
    back: every arc above is allowed (customer -> shop goes back two stages). The loop customer ->
    shop -> repair -> test -> customer costs -4 + 10 + 1 + 0 = 7 per round: bounded, not used.
    Optimum 5 x (repair 10 + test 1) = 55 EUR."""
    from model.network import index_sets

    scenario = validate_data(*parse_yaml(LOOPED_STAGES, "rework.yaml"))
    arcs = set(index_sets(scenario).demand_arcs.arc)
    assert arcs == {
        "shop->repair",
        "repair->test",
        "test->repair",
        "test->customer",
        "customer->shop",
        "customer->test",
    }
    outcome = optimise(scenario, sensitivity=False)
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(55.0)


def test_each_pass_round_a_loop_counts_again_in_the_response_time():
    """A rebate of 20 EUR on test -> repair (at most 2 units) makes the loop repair -> test -> repair
    pay: -20 + 10 (repair) + 1 (test) = -9 EUR per round. Processing takes 2 h at repair, 1 h at test.
    Target 10 h: both rounds run (cost 5 x 11 - 2 x 9 = 37 EUR); 7 units pass repair and test, so the
    mean response time is 7 x (2 + 1) / 5 = 4.2 h. The subgraph has loops, so the response row is
    kept although its longest simple path (3 h) meets 10 h. Target 4 h: 3 (5 + r) <= 4 x 5 allows
    r = 5/3 rounds: 55 - 9 x 5/3 = 40 EUR."""
    from model.network import index_sets

    text = (
        LOOPED_STAGES.replace("unit_cost: 10}", "unit_cost: 10, processing_time: 2}")
        .replace("unit_cost: 1}", "unit_cost: 1, processing_time: 1}")
        .replace("{from: test, to: repair, cost: 3}", "{from: test, to: repair, cost: -20, capacity: 2}")
        .replace("volume: 5}", "volume: 5, max_mean_response_time: 10}")
    )
    scenario = validate_data(*parse_yaml(text, "rework.yaml"))
    assert bool(index_sets(scenario).demands.response_row.iloc[0])
    outcome = optimise(scenario, sensitivity=False)
    assert outcome.objective == pytest.approx(37.0)
    kpis = outcome.tables["demand_kpis"]
    assert kpis.mean_response_time.iloc[0] == pytest.approx(4.2)
    tight = optimise(validate_data(*parse_yaml(text.replace("time: 10}", "time: 4}"), "r.yaml")), sensitivity=False)
    assert tight.objective == pytest.approx(40.0)
    assert tight.tables["demand_kpis"].mean_response_time.iloc[0] == pytest.approx(4.0)


def test_without_a_source_map_the_loop_names_its_arcs_by_position():
    """A scenario built in Python has no lines: the arcs are named by their place in `arcs` (the
    digon's supply arc source -> n2 is arcs[0], so 1 -> 2 is arcs[1] and 2 -> 1 is arcs[2])."""
    outcome = solved(flow_scenario("digon", {2: -4, 3: 4}, DIGON))
    assert outcome.status == "unbounded"
    assert "(arcs[1] and arcs[2]); give one of them a capacity" in outcome.message


def test_a_response_time_target_bounds_a_loop_that_takes_time(tmp_path: Path):
    """`--set 'arcs.customer->test.cost==-3'` sets -3 (a leading '-' alone would be a change). The
    loop customer -> test -> customer then earns 3 - 1 (test) = 2 EUR a round, without capacity, but
    each round takes test's 1 h and the mean is at most 10 h: 5 x 10 = 50 h in all. The rework loop
    (2 rounds of 3 h, 9 EUR each) and 5 x 3 h leave 50 - 15 - 6 = 29 rounds: 37 - 29 x 2 = -21 EUR.
    Without the target the loop is unbounded, named from test (listed before customer)."""
    (tmp_path / "rework.yaml").write_text(LOOP_NETWORK)
    solve = [sys.executable, "-m", "model", "solve", str(tmp_path / "rework.yaml"), "--out", str(tmp_path), "--json"]
    rebate = ["--set", "arcs.customer->test.cost==-3"]
    bounded = subprocess.run([*solve, *rebate], capture_output=True, text=True, timeout=120)
    assert bounded.returncode == 0, bounded.stderr
    assert json.loads(bounded.stdout)["objective"] == pytest.approx(-21.0)
    (tmp_path / "rework.yaml").write_text(LOOP_NETWORK.replace(", max_mean_response_time: 10}", "}"))
    unbounded = subprocess.run([*solve, *rebate], capture_output=True, text=True, timeout=120)
    assert unbounded.returncode == 4, unbounded.stderr
    summary = json.loads(unbounded.stdout)
    assert summary["message"].startswith(
        "the loop test -> customer -> test earns 2.00 EUR per unit per round and has no capacity"
    )
    lines = line_of(LOOP_NETWORK, "from: test, to: customer"), line_of(LOOP_NETWORK, "from: customer, to: test")
    assert f"(arcs at lines {lines[0]} and {lines[1]})" in summary["message"]


BACK_AND_FORTH = """\
scenario: {name: back, currency: EUR, period_length: 730}
stages: [plants, depots]
nodes:
  a1: {stage: plants}
  a2: {stage: plants, unit_cost: 3}
  b1: {stage: depots, unit_cost: 1}
  b2: {stage: depots}
arcs:
  - {from: a1, to: b1, cost: 2}
  - {from: b1, to: a2, cost: 4}
  - {from: a2, to: b2, cost: 5}
demands:
  ship: {origin: a1, sinks: [b2], stages: [plants, depots], volume: 10}
"""


def test_a_sink_reached_only_by_going_back_a_stage_is_valid():
    """b2 is reached from a1 only by a1 -> b1 -> a2 -> b2 (back from depots to plants and forward
    again): refused before issue 16 (an arc into an earlier stage, and no direct plants -> depots step
    to b2), allowed now. Each unit costs 2 + 1 (b1) + 4 + 3 (a2) + 5 = 15 EUR: 150 EUR for 10."""
    outcome = solved(BACK_AND_FORTH, "back.yaml")
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(150.0)


def test_a_sink_beyond_the_demand_s_stages_is_still_refused():
    """The stage names still bind: with stages [plants] alone, the sink b2 (a depot) is not in the
    demand's last stage, and is refused at its line."""
    from model.errors import ScenarioError

    text = BACK_AND_FORTH.replace("stages: [plants, depots], volume", "stages: [plants], volume")
    with pytest.raises(ScenarioError) as caught:
        validate_data(*parse_yaml(text, "back.yaml"))
    problem = caught.value.problems[0]
    assert "sink 'b2' is in stage 'depots', not in the demand's last stage 'plants'" in problem.message
    assert problem.line == line_of(text, "ship:")


STAFFED_LOOP = """\
scenario: {name: loopstaff, currency: EUR, time_unit: hour, period_length: 730}
stages: [supply, net]
roles:
  driver: {cost_per_fte: 1400, hours_per_fte: 140, overtime: {max_hours_per_fte: 20, cost_per_hour: 5}}
nodes:
  plant: {stage: supply}
  hub:
    stage: net
    work:
      driver: {hours_per_unit: 0.1}
  depot: {stage: net}
arcs:
  - {from: plant, to: hub, cost: 1}
  - {from: hub, to: depot, cost: -2}
  - {from: depot, to: hub, cost: -1}
demands:
  orders: {origin: plant, sinks: [depot], volume: 10}
"""


def test_labour_at_its_cheapest_hour_counts_in_a_round_and_a_staff_maximum_limits_it():
    """A round hub -> depot -> hub earns 2 + 1 EUR on the arcs and pays 0.1 h of driver at hub. The
    cheapest driver hour: 1,400 / 140 = 10 EUR regular, or (1,400 + 20 x 5) / (140 + 20) = 9.375 EUR
    with overtime; so 0.9375 EUR a round, and the loop earns 3 - 0.9375 = 2.0625 EUR (HiGHS agrees:
    unbounded). With a staff maximum at hub the loop is limited: none is named, and HiGHS solves it."""
    scenario = validate_data(*parse_yaml(STAFFED_LOOP, "staffed.yaml"))
    loop = unbounded_loop(scenario)
    assert loop is not None and loop.ring() == "hub -> depot -> hub"
    assert loop.cost == pytest.approx(-2.0625)
    assert optimise(scenario, sensitivity=False).status == "unbounded"
    capped = STAFFED_LOOP.replace(
        "      driver: {hours_per_unit: 0.1}\n",
        "      driver: {hours_per_unit: 0.1}\n    staff:\n      driver: {max: 3}\n",
    )
    limited = validate_data(*parse_yaml(capped, "capped.yaml"))
    assert unbounded_loop(limited) is None
    assert optimise(limited, sensitivity=False).status == "optimal"


LOOP = """\
scenario: {name: loop, currency: EUR, time_unit: hour, period_length: 730}
stages: [supply, net]
nodes:
  plant: {stage: supply}
  hub: {stage: net}
  depot: {stage: net}
arcs:
  - {from: plant, to: hub, cost: 1}
  - {from: hub, to: depot, cost: 2}
  - {from: depot, to: hub, cost: -1}
demands:
  orders: {origin: plant, sinks: [depot], volume: 10}
"""


def test_a_sweep_lists_an_unbounded_point_with_its_loop(tmp_path: Path):
    """hub -> depot at 2 EUR: the round costs 2 - 1 = 1, so 10 units x (1 + 2) = 30 EUR; at -2 EUR
    (`=-2`) the round earns 2 + 1 = 3 EUR and nothing limits it: that point is unbounded, the sweep
    goes on and exits 0, and the point's message names the loop."""
    (tmp_path / "loop.yaml").write_text(LOOP)
    grid = ["--grid", "arcs.hub->depot.cost=2,=-2", "--workers", "1", "--json"]
    done = subprocess.run(
        [sys.executable, "-m", "model", "sweep", str(tmp_path / "loop.yaml"), "--out", str(tmp_path), *grid],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    points = json.loads(done.stdout)["points"]
    assert [p["status"] for p in points] == ["optimal", "unbounded"]
    assert points[0]["total_cost"] == pytest.approx(30.0)
    assert points[1]["message"].startswith("the loop hub -> depot -> hub earns 3.00 EUR per unit per round")
