"""Pure routing (no roles, no targets) cross-checked against networkx's min-cost-flow solvers.

The networkx graph is built independently from the same numbers: every scenario node n becomes an
edge n_in -> n_out carrying its unit cost and capacity (all of a node's work passes its modes), every
arc an edge u_out -> v_in with its cost and capacity, every sink an edge s_out -> SINK of cost 0, and
an unmet allowance an edge origin_in -> SINK priced at the penalty. Arc and node capacities are shared
by all demands in the model, so several demands with one origin and one set of sinks are one commodity.
"""

from __future__ import annotations

import random

import networkx as nx
import pytest
from helpers import flow, kpi, solve_data

SINK = "SINK"


def scenario(stages, nodes, arcs, demands, name="routing"):
    return {
        "scenario": {"name": name, "currency": "EUR", "period_length": 100},
        "stages": stages,
        "nodes": nodes,
        "arcs": arcs,
        "demands": demands,
    }


def flow_network(
    nodes: dict, arcs: list, origin: str, sinks: list, volume: int, unmet_penalty: int | None = None
) -> nx.DiGraph:
    g = nx.DiGraph()
    for n, spec in nodes.items():
        attrs = {"weight": spec.get("unit_cost", 0)}
        if "capacity" in spec:
            attrs["capacity"] = spec["capacity"]
        g.add_edge((n, "in"), (n, "out"), **attrs)
    for a in arcs:
        attrs = {"weight": a.get("cost", 0)}
        if "capacity" in a:
            attrs["capacity"] = a["capacity"]
        g.add_edge((a["from"], "out"), (a["to"], "in"), **attrs)
    for s in sinks:
        g.add_edge((s, "out"), SINK, weight=0)
    if unmet_penalty is not None:
        g.add_edge((origin, "in"), SINK, weight=unmet_penalty)
    g.nodes[(origin, "in")]["demand"] = -volume
    g.nodes[SINK]["demand"] = volume
    return g


# --- a hand-made network with binding capacities and three sinks -------------------------------------------

NODES = {
    "o": {"stage": "s0"},
    "a": {"stage": "s1", "unit_cost": 2},
    "b": {"stage": "s1", "unit_cost": 1, "capacity": 35},
    "c": {"stage": "s2", "unit_cost": 3},
    "d": {"stage": "s2"},
    "e": {"stage": "s3", "unit_cost": 1},
    "f": {"stage": "s3", "unit_cost": 4},
    "g": {"stage": "s3"},
}
ARCS = [
    {"from": "o", "to": "a", "cost": 1, "capacity": 50},
    {"from": "o", "to": "b", "cost": 2},
    {"from": "a", "to": "c", "cost": 2, "capacity": 30},
    {"from": "a", "to": "d", "cost": 5},
    {"from": "b", "to": "c", "cost": 1},
    {"from": "b", "to": "d", "cost": 3, "capacity": 20},
    {"from": "c", "to": "e", "cost": 2, "capacity": 25},
    {"from": "c", "to": "f", "cost": 1},
    {"from": "d", "to": "g", "cost": 4},
    {"from": "d", "to": "e", "cost": 6, "capacity": 10},
    {"from": "a", "to": "g", "cost": 12},
]
STAGES = ["s0", "s1", "s2", "s3"]
SINKS = ["e", "f", "g"]


def test_single_demand_three_sinks_matches_networkx():
    volume = 80
    out = solve_data(scenario(STAGES, NODES, ARCS, {"d1": {"origin": "o", "sinks": SINKS, "volume": volume}}))
    expected = nx.min_cost_flow_cost(flow_network(NODES, ARCS, "o", SINKS, volume))
    assert out.objective == pytest.approx(expected, rel=1e-6)
    assert kpi(out, "served", "d1") == pytest.approx(volume)


def test_two_demands_share_arc_capacities():
    # 30 + 50 units from the same origin to the same sinks: one commodity of 80 units, the capacities
    # shared. (Each demand alone, 30 or 50, would be cheaper per unit: the sharing is what binds.)
    demands = {"d1": {"origin": "o", "sinks": SINKS, "volume": 30}, "d2": {"origin": "o", "sinks": SINKS, "volume": 50}}
    out = solve_data(scenario(STAGES, NODES, ARCS, demands))
    expected = nx.min_cost_flow_cost(flow_network(NODES, ARCS, "o", SINKS, 80))
    assert out.objective == pytest.approx(expected, rel=1e-6)
    separately = nx.min_cost_flow_cost(flow_network(NODES, ARCS, "o", SINKS, 30)) + nx.min_cost_flow_cost(
        flow_network(NODES, ARCS, "o", SINKS, 50)
    )
    assert separately < expected  # the shared capacities really bind in this case
    for arc in ARCS:
        if "capacity" in arc:
            assert flow(out, arc["from"], arc["to"]) <= arc["capacity"] + 1e-6


def test_volume_above_max_flow_matches_max_flow_min_cost():
    # Without an unmet allowance no more than the max flow F can be served; with a penalty P above any
    # path's cost the model serves exactly F at least cost and pays P for the rest:
    # objective = cost(max_flow_min_cost) + P * (V - F).
    network = flow_network(NODES, ARCS, "o", SINKS, 0)
    max_flow = nx.maximum_flow_value(network, ("o", "in"), SINK)
    best = nx.max_flow_min_cost(network, ("o", "in"), SINK)
    cost = nx.cost_of_flow(network, best)
    volume, penalty = int(max_flow) + 25, 1000
    out = solve_data(
        scenario(
            STAGES, NODES, ARCS, {"d1": {"origin": "o", "sinks": SINKS, "volume": volume, "unmet_penalty": penalty}}
        )
    )
    assert out.objective == pytest.approx(cost + penalty * (volume - max_flow), rel=1e-6)
    assert kpi(out, "served", "d1") == pytest.approx(max_flow)
    assert kpi(out, "unmet", "d1") == pytest.approx(25)


# --- random layered networks -------------------------------------------------------------------------


def random_case(seed: int):
    rng = random.Random(seed)
    layers = [["o"]] + [[f"n{i}_{j}" for j in range(rng.randint(2, 3))] for i in range(1, 4)]
    stages = [f"L{i}" for i in range(len(layers))]
    nodes = {}
    for i, layer in enumerate(layers):
        for n in layer:
            spec = {"stage": stages[i], "unit_cost": rng.randint(0, 5)}
            if n != "o" and rng.random() < 0.3:
                spec["capacity"] = rng.randint(10, 50)
            nodes[n] = spec
    arcs = []
    for i in range(len(layers) - 1):
        for u in layers[i]:
            for v in layers[i + 1]:
                if (v == layers[i + 1][0] and u == layers[i][0]) or rng.random() < 0.7:  # a backbone always exists
                    arcs.append({"from": u, "to": v, "cost": rng.randint(0, 9)})
            if i + 2 < len(layers):
                for v in layers[i + 2]:
                    if rng.random() < 0.2:
                        arcs.append({"from": u, "to": v, "cost": rng.randint(0, 12)})
    for a in arcs:
        if rng.random() < 0.5:
            a["capacity"] = rng.randint(5, 40)
    graph = nx.DiGraph((a["from"], a["to"]) for a in arcs)
    reachable = nx.descendants(graph, "o")
    sinks = [n for n in layers[-1] if n in reachable]
    extra = [n for n in layers[2] if n in reachable and rng.random() < 0.3]  # a sink that also passes work on
    return stages, nodes, arcs, sinks + extra, rng.randint(20, 90)


@pytest.mark.parametrize("seed", range(6))
def test_random_networks_match_networkx(seed):
    stages, nodes, arcs, sinks, volume = random_case(seed)
    penalty = 100  # above any path's cost (3 arcs * 12 + 4 nodes * 5), so units go unmet only when they must
    demands = {"d1": {"origin": "o", "sinks": sinks, "volume": volume, "unmet_penalty": penalty}}
    out = solve_data(scenario(stages, nodes, arcs, demands, name=f"random{seed}"))
    expected = nx.min_cost_flow_cost(flow_network(nodes, arcs, "o", sinks, volume, unmet_penalty=penalty))
    assert out.objective == pytest.approx(expected, rel=1e-6)
