"""Synthetic scenarios of a chosen size with the structure of a real value chain.

Each stage has N nodes spread over regions of about three; roughly one node in four beyond the
first of each region is a bought-in vendor. Arcs are sparse: a node hands over to the nodes of its
own region in the next stage and to one node elsewhere. Demands are regional and of three kinds:
product orders (market -> sales -> manufacturing -> delivery), custom orders that pass R&D first,
and service requests (market -> service). Targets are set from a reference path of in-house nodes
that every demand can use, so every generated scenario is feasible.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from ruamel.yaml import YAML

STAGES = ["market", "rnd", "sales", "manufacturing", "delivery", "service"]
HANDOFFS = [
    ("market", "rnd"),
    ("market", "sales"),
    ("rnd", "sales"),
    ("sales", "manufacturing"),
    ("manufacturing", "delivery"),
    ("market", "service"),
]
ROUTES = {
    "product": ["market", "sales", "manufacturing", "delivery"],
    "custom": ["market", "rnd", "sales", "manufacturing", "delivery"],
    "service": ["market", "service"],
}
ROLES = {  # role: (cost per FTE per month, productive hours per month), per stage
    "market": {"agent": (3400, 145), "senior_agent": (4200, 145)},
    "rnd": {"engineer": (6500, 140), "designer": (5800, 140)},
    "sales": {"sales_rep": (4800, 140), "account_manager": (6200, 140)},
    "manufacturing": {"operator": (3900, 150), "line_technician": (4700, 150)},
    "delivery": {"driver": (3500, 150), "dispatcher": (3800, 150)},
    "service": {"technician": (5200, 140), "junior_technician": (3600, 140)},
}
STAGE_FIGURES = {  # stage: (hours per unit, processing time h, wait time h, quality range)
    "market": (0.15, 0.5, 1.0, (0.995, 1.0)),
    "rnd": (6.0, 40.0, 8.0, (0.97, 0.99)),
    "sales": (0.5, 2.0, 4.0, (0.99, 0.999)),
    "manufacturing": (2.0, 24.0, 6.0, (0.97, 0.995)),
    "delivery": (0.8, 30.0, 4.0, (0.985, 0.998)),
    "service": (1.5, 3.0, 8.0, (0.96, 0.99)),
}


@dataclass(frozen=True)
class Size:
    nodes_per_stage: int
    demands: int
    periods: int
    seed: int = 0


def _node_name(stage: str, j: int) -> str:
    return f"{stage}_{j:03d}"


def generate(size: Size) -> dict:
    """A scenario as plain data (ready for YAML), valid and feasible by construction."""
    rng = np.random.default_rng(size.seed)
    n, periods = size.nodes_per_stage, size.periods
    regions = max(1, math.ceil(n / 3))
    roles = {name: _role(rng, cost, hours) for stage in STAGES for name, (cost, hours) in ROLES[stage].items()}
    nodes: dict[str, dict] = {}
    in_house: dict[tuple[str, int], str] = {}
    for stage in STAGES:
        for j in range(n):
            vendor = j >= regions and rng.random() < 0.3
            nodes[_node_name(stage, j)] = _vendor(rng, stage) if vendor else _team(rng, stage, periods)
            if not vendor:
                in_house.setdefault((stage, j % regions), _node_name(stage, j))
    arcs = _arcs(rng, n, regions)
    arc_lookup = {(a["from"], a["to"]): a for a in arcs}
    demands = {}
    for i in range(size.demands):
        kind = ["product", "custom", "service"][int(rng.choice(3, p=[0.6, 0.1, 0.3]))]
        region = int(rng.integers(regions))
        demands[f"{kind}_{i:05d}"] = _demand(rng, kind, region, regions, n, periods, nodes, in_house, arc_lookup)
    _size_vendors(nodes, demands, periods)
    return {
        "scenario": {
            "name": f"synthetic-n{n}-d{size.demands}-t{periods}-s{size.seed}",
            "currency": "EUR",
            "time_unit": "hour",
            "period_length": 730,
            "periods": periods,
        },
        "stages": STAGES,
        "roles": roles,
        "nodes": nodes,
        "arcs": arcs,
        "demands": demands,
    }


def _role(rng: np.random.Generator, cost: float, hours: float) -> dict:
    role: dict[str, Any] = {
        "cost_per_fte": round(cost * rng.uniform(0.9, 1.1)),
        "hours_per_fte": hours,
        "hire_cost": round(cost * 0.6),
        "layoff_cost": round(cost * 1.0),
    }
    if rng.random() < 0.5:
        role["overtime"] = {"max_hours_per_fte": 20, "cost_per_hour": round(cost / hours * 1.5, 2)}
    return role


def _team(rng: np.random.Generator, stage: str, periods: int) -> dict:
    hours, processing, wait, (q_low, q_high) = STAGE_FIGURES[stage]
    names = list(ROLES[stage])
    chosen = names if rng.random() < 0.6 else names[:1]
    work = {}
    for k, role in enumerate(chosen):
        slower = 1.0 + 0.35 * k  # the second role is cheaper but slower and a little less careful
        work[role] = {
            "hours_per_unit": round(hours * slower * rng.uniform(0.85, 1.15), 3),
            "quality": round(float(rng.uniform(q_low, q_high)) - 0.005 * k, 4),
            "processing_time": round(processing * slower, 2),
        }
    node: dict = {
        "stage": stage,
        "wait_time": wait,
        "max_utilisation": round(float(rng.uniform(0.8, 0.95)), 2),
        "work": work,
    }
    if rng.random() < 0.5:
        node["staff"] = {chosen[0]: {"min": 1, "initial": int(rng.integers(1, 6))}}
    if stage == "manufacturing":
        node["unit_cost"] = round(float(rng.uniform(40, 80)), 2)  # materials
        if periods > 1 and rng.random() < 0.5:
            node["stock"] = {"holding_cost": round(float(rng.uniform(1, 4)), 2)}
    return node


def _vendor(rng: np.random.Generator, stage: str) -> dict:
    hours, processing, wait, (q_low, q_high) = STAGE_FIGURES[stage]
    in_house_cost = hours * 5000 / 145
    return {
        "stage": stage,
        "unit_cost": round(in_house_cost * float(rng.uniform(0.8, 1.2)), 2),
        "quality": round(float(rng.uniform(q_low - 0.02, q_high - 0.01)), 4),
        "processing_time": round(processing * 1.5, 2),
        "wait_time": wait,
    }


def _arcs(rng: np.random.Generator, n: int, regions: int) -> list[dict]:
    arcs = []
    for source_stage, target_stage in HANDOFFS:
        for j in range(n):
            targets = {k for k in range(n) if k % regions == j % regions}
            if n > 1:
                targets.add(int(rng.integers(n)))
            for k in sorted(targets):
                arc = {
                    "from": _node_name(source_stage, j),
                    "to": _node_name(target_stage, k),
                    "cost": round(float(rng.uniform(0, 5)), 2),
                    "lead_time": round(float(rng.uniform(0, 12)), 1),
                }
                arcs.append(arc)
    return arcs


def _best_mode(node: dict) -> tuple[float, float]:
    """(time, defect share) of a node's most careful mode."""
    if not node.get("work"):
        return node["processing_time"] + node["wait_time"], 1.0 - node["quality"]
    work = min(node["work"].values(), key=lambda w: 1.0 - w["quality"])
    return work["processing_time"] + node["wait_time"], 1.0 - work["quality"]


def _demand(
    rng: np.random.Generator,
    kind: str,
    region: int,
    regions: int,
    n: int,
    periods: int,
    nodes: dict,
    in_house: dict,
    arcs: dict,
) -> dict:
    route = ROUTES[kind]
    path = [in_house[(stage, region)] for stage in route]
    lead_times = sum(arcs[(a, b)]["lead_time"] for a, b in itertools.pairwise(path))
    time = sum(_best_mode(nodes[p])[0] for p in path) + lead_times
    defects = sum(_best_mode(nodes[p])[1] for p in path)
    last = route[-1]
    sinks = [_node_name(last, k) for k in range(n) if k % regions == region]
    base = float(rng.uniform(20, 400))
    season = 1.0 + 0.25 * np.sin(np.arange(periods) * 2 * np.pi / max(periods, 4) + rng.uniform(0, 6.3))
    demand: dict = {
        "origin": path[0],
        "sinks": sinks,
        "stages": route,
        "volume": [round(float(v), 1) for v in base * season] if periods > 1 else round(base, 1),
        "min_quality": round(max(0.5, 1.0 - defects * float(rng.uniform(1.2, 2.0))), 4),
        "max_mean_response_time": round(time * float(rng.uniform(1.2, 1.8)), 1),
    }
    if rng.random() < 0.3:
        demand["backlog_cost"] = round(float(rng.uniform(5, 40)), 2)
    if rng.random() < 0.1:
        demand["unmet_penalty"] = round(float(rng.uniform(400, 1500)), 2)
    return demand


def _size_vendors(nodes: dict, demands: dict, periods: int) -> None:
    """Give vendors a capacity of about a third of the volume that could reach their stage."""
    total = sum(max(d["volume"]) if isinstance(d["volume"], list) else d["volume"] for d in demands.values())
    for node in nodes.values():
        if not node.get("work"):
            node["capacity"] = round(max(50.0, total / 3 / max(1, len(nodes) / len(STAGES))), 1)


def write_scenario(data: dict, path: str | Path) -> None:
    yaml = YAML(typ="safe")
    yaml.default_flow_style = None  # short mappings inline, the rest in block style
    yaml.width = 120
    with Path(path).open("w", encoding="utf-8") as stream:
        stream.write(f"# Synthetic scenario written by `e2eopt generate`: {data['scenario']['name']}\n")
        yaml.dump(data, stream)
