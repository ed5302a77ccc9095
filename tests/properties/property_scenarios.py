"""Hypothesis strategies for random VALID scenarios, and the transformations the invariance tests apply.

A scenario is built from small pieces, as plain data (what `parse_yaml` gives for a file): 2-3 stages in
a chain, 1-3 nodes per stage (staffed teams with one or two roles, or bought-in vendors), arcs from
every node to a non-empty subset of the next stage's nodes (so every node reaches the last stage),
1-3 demands whose sinks are last-stage nodes their origin reaches, and optional figures of every
kind: periods given as a count or as labels, volumes per period, quality and response-time targets,
backlog, unmet penalties, prices, capacities, staff bounds, overtime, hiring and layoff costs, stock
(with initial and final stock per demand), demands' stage lists and, where asked for, Erlang C queues
and whole-FTE staffing. Every figure lies well inside its plausible range, so the scenario is valid by
construction; it may still be infeasible (a target or a staff bound no routing can meet), which the
solve must then diagnose.

Imported by the test modules of this folder as `from property_scenarios import ...` (pytest puts
tests/properties, which has no __init__.py, on sys.path, as it does for tests/lp/helpers.py).
"""

from __future__ import annotations

import copy
import itertools
import random
import typing
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st
from pydantic import BaseModel

HORIZON_HOURS = 730.0
"""Every generated scenario counts time in hours, one period a month: queues may be open up to this."""


def _money(draw: st.DrawFn, low: int, high: int) -> float:
    """An amount with cents, as finance writes it."""
    return draw(st.integers(low * 100, high * 100)) / 100


def _share(draw: st.DrawFn, low: float, high: float) -> float:
    """A share with three decimals in [low, high]."""
    return draw(st.integers(round(low * 1000), round(high * 1000))) / 1000


def _maybe(draw: st.DrawFn, probability_in_8: int = 4) -> bool:
    """True with probability probability_in_8 / 8 (Hypothesis shrinks it to False)."""
    return draw(st.integers(0, 7)) < probability_in_8


def _role(draw: st.DrawFn) -> dict:
    role: dict[str, Any] = {"cost_per_fte": _money(draw, 2000, 8000), "hours_per_fte": draw(st.integers(120, 170))}
    if _maybe(draw, 3):
        role["hire_cost"] = _money(draw, 0, 4000)
    if _maybe(draw, 3):
        role["layoff_cost"] = _money(draw, 0, 6000)
    if _maybe(draw, 2):
        role["overtime"] = {"max_hours_per_fte": draw(st.integers(0, 30)), "cost_per_hour": _money(draw, 20, 90)}
    return role


def _team(draw: st.DrawFn, roles: list[str], periods: int, queues: bool) -> dict:
    """A staffed node: one or more roles that can do the work, with optional figures."""
    chosen = draw(st.lists(st.sampled_from(roles), min_size=1, max_size=len(roles), unique=True))
    work = {}
    for role in chosen:
        mode: dict[str, Any] = {"hours_per_unit": draw(st.integers(5, 300)) / 100}
        if _maybe(draw, 5):
            mode["quality"] = _share(draw, 0.9, 1.0)
        if _maybe(draw):
            mode["processing_time"] = draw(st.integers(0, 40)) / 2
        if _maybe(draw, 2):
            mode["unit_cost"] = _money(draw, 0, 60)
        work[role] = mode
    node: dict[str, Any] = {"work": work}
    if _maybe(draw, 2):
        node["max_utilisation"] = _share(draw, 0.7, 1.0)
    if _maybe(draw, 2):
        node["capacity"] = draw(st.integers(100, 2000))
    if _maybe(draw, 3):
        bounds: dict[str, Any] = {}
        low = draw(st.integers(0, 3))
        if low:
            bounds["min"] = low
        if _maybe(draw, 3):
            bounds["max"] = low + draw(st.integers(1, 40))
        if _maybe(draw):
            bounds["initial"] = draw(st.integers(low, bounds.get("max", low + 10)))
        node["staff"] = {chosen[0]: bounds}
    if queues and _maybe(draw, 3):
        node["queue"] = _queue(draw)
        return node  # a queue sets the wait and holds no stock
    if _maybe(draw):
        node["wait_time"] = draw(st.integers(0, 20)) / 2
    if periods > 1 and _maybe(draw, 2):
        node["stock"] = {"holding_cost": _money(draw, 0, 8)}
    return node


def _queue(draw: st.DrawFn) -> dict:
    """An Erlang C queue open part of the month, with a service-level or average-wait target (hours)."""
    target: dict[str, Any] = {}
    if _maybe(draw):
        target["service_level"] = _share(draw, 0.6, 0.95)
        target["within"] = draw(st.integers(1, 40)) / 20
    if not target or _maybe(draw, 2):
        target["average_wait"] = draw(st.integers(1, 40)) / 10
    queue: dict[str, Any] = {"open_hours": draw(st.integers(100, 700)), "target": target}
    if _maybe(draw, 3):
        queue["peak_factor"] = 1 + draw(st.integers(0, 50)) / 100
    return queue


def _vendor(draw: st.DrawFn) -> dict:
    """A bought-in node paid per unit."""
    node: dict[str, Any] = {"unit_cost": _money(draw, 5, 120)}
    if _maybe(draw, 5):
        node["quality"] = _share(draw, 0.85, 1.0)
    if _maybe(draw, 5):
        node["processing_time"] = draw(st.integers(0, 80)) / 2
    if _maybe(draw, 3):
        node["capacity"] = draw(st.integers(50, 1500))
    if _maybe(draw, 2):
        node["wait_time"] = draw(st.integers(0, 20)) / 2
    return node


def _reach(start: str, arcs: list[dict]) -> set[str]:
    """Nodes reachable from `start` along the arcs, itself included."""
    seen, todo = {start}, [start]
    while todo:
        here = todo.pop()
        for arc in arcs:
            if arc["from"] == here and arc["to"] not in seen:
                seen.add(arc["to"])
                todo.append(arc["to"])
    return seen


def _arcs(draw: st.DrawFn, layers: list[list[str]]) -> list[dict]:
    """From each node to a non-empty subset of the next stage's nodes, with optional figures."""
    arcs = []
    for here, there in itertools.pairwise(layers):
        for source in here:
            for target in draw(st.lists(st.sampled_from(there), min_size=1, max_size=len(there), unique=True)):
                arc: dict[str, Any] = {"from": source, "to": target}
                if _maybe(draw):
                    arc["cost"] = _money(draw, 0, 12)
                if _maybe(draw):
                    arc["lead_time"] = draw(st.integers(0, 48)) / 2
                if _maybe(draw, 1):
                    arc["capacity"] = draw(st.integers(50, 3000))
                arcs.append(arc)
    return arcs


def _demand(draw: st.DrawFn, origins: list[str], last: list[str], arcs: list[dict], periods: int) -> dict:
    origin = draw(st.sampled_from(origins))
    reachable = sorted(_reach(origin, arcs) & set(last))
    sinks = draw(st.lists(st.sampled_from(reachable), min_size=1, max_size=len(reachable), unique=True))
    per_period = [draw(st.integers(0, 1200)) for _ in range(periods)]
    volume: Any = per_period if periods > 1 and _maybe(draw) else per_period[0]
    demand: dict[str, Any] = {"origin": origin, "sinks": sinks, "volume": volume}
    if _maybe(draw):
        demand["min_quality"] = _share(draw, 0.85, 0.99)
    if _maybe(draw):
        demand["max_response_time"] = draw(st.integers(10, 240)) / 2
    if periods > 1 and _maybe(draw, 3):
        demand["backlog_cost"] = _money(draw, 1, 60)
        if _maybe(draw, 2):
            demand["final_backlog"] = draw(st.integers(0, 100))
    if _maybe(draw, 3):
        demand["unmet_penalty"] = _money(draw, 20, 3000)
    if _maybe(draw, 2):
        demand["price"] = _money(draw, 10, 500)
    return demand


def _stock_figures(draw: st.DrawFn, nodes: dict, demands: dict, arcs: list[dict]) -> None:
    """Stock before the first period and a least stock at the end, per demand that passes a stocking
    node (from its origin, the node reached, and from the node one of its sinks)."""
    for name, node in nodes.items():
        if "stock" not in node:
            continue
        users = [
            d for d, spec in demands.items() if name in _reach(spec["origin"], arcs) and _passes_on(name, spec, arcs)
        ]
        for key in ("initial", "final_min"):
            chosen = [d for d in users if _maybe(draw, 2)]
            if chosen:
                node["stock"][key] = {d: draw(st.integers(0, 200)) for d in chosen}


def _passes_on(node: str, demand: dict, arcs: list[dict]) -> bool:
    """Whether one of the demand's sinks can be reached from the node."""
    return bool(_reach(node, arcs) & set(demand["sinks"]))


@st.composite
def scenarios(draw: st.DrawFn, queues: bool = False, integer: bool = False) -> dict:
    """A random valid scenario as plain data; `queues` and `integer` allow queues and whole-FTE staffing
    (both make the solve an iteration or a MILP, kept out of the exact invariance tests)."""
    periods = draw(st.integers(1, 3))
    stages = [f"stage{i}" for i in range(draw(st.integers(2, 3)))]
    roles = {f"role{i}": _role(draw) for i in range(draw(st.integers(1, 2)))}
    nodes: dict[str, dict] = {}
    layers: list[list[str]] = []
    for s, stage in enumerate(stages):
        names = [f"{stage}_node{j}" for j in range(draw(st.integers(1, 2 if s == 0 else 3)))]
        layers.append(names)
        for name in names:
            if s == 0 and _maybe(draw, 5):
                node: dict[str, Any] = {}  # an entry point that costs nothing
            elif _maybe(draw, 5):
                node = _team(draw, list(roles), periods, queues)
            else:
                node = _vendor(draw)
            nodes[name] = {"stage": stage, **node}
    arcs = _arcs(draw, layers)
    count = draw(st.integers(1, 3))
    demands = {f"demand{i}": _demand(draw, layers[0], layers[-1], arcs, periods) for i in range(count)}
    for demand in demands.values():
        if _maybe(draw, 2):
            demand["stages"] = stages  # the chain's stages in order: every path here visits them all
    _stock_figures(draw, nodes, demands, arcs)
    meta: dict[str, Any] = {"name": "random", "currency": "EUR", "time_unit": "hour", "period_length": HORIZON_HOURS}
    if periods > 1 or _maybe(draw, 2):
        meta["periods"] = [f"M{t + 1}" for t in range(periods)] if _maybe(draw) else periods
    data: dict[str, Any] = {"scenario": meta, "stages": stages, "roles": roles, "nodes": nodes, "arcs": arcs}
    data["demands"] = demands
    if integer and _maybe(draw, 2):
        data["solver"] = {"integer_staff": True}
    return data


# --- transformations that must not change the optimum -------------------------------------------------


def rename(data: dict, names: Callable[[str, str], str]) -> dict:
    """The scenario with every stage, role, node and demand renamed by names(kind, old): keys and every
    reference to them (node stages, work and staff roles, arc ends, origins, sinks, stock demands and
    the per-demand stock figures)."""
    stage, role, node, demand = (
        lambda old, kind=kind: names(kind, old) for kind in ("stage", "role", "node", "demand")
    )
    out = copy.deepcopy(data)
    out["stages"] = [stage(s) for s in data["stages"]]
    out["roles"] = {role(r): spec for r, spec in out["roles"].items()}
    renamed_nodes = {}
    for name, spec in out["nodes"].items():
        spec["stage"] = stage(spec["stage"])
        for key in ("work", "staff"):
            if key in spec:
                spec[key] = {role(r): v for r, v in spec[key].items()}
        stock = spec.get("stock", {})
        if "demands" in stock:
            stock["demands"] = [demand(d) for d in stock["demands"]]
        for key in ("initial", "final_min"):
            if isinstance(stock.get(key), dict):
                stock[key] = {demand(d): units for d, units in stock[key].items()}
        renamed_nodes[node(name)] = spec
    out["nodes"] = renamed_nodes
    for arc in out["arcs"]:
        arc["from"], arc["to"] = node(arc["from"]), node(arc["to"])
    renamed_demands = {}
    for name, spec in out["demands"].items():
        spec["origin"] = node(spec["origin"])
        spec["sinks"] = [node(s) for s in spec["sinks"]]
        if "stages" in spec:
            spec["stages"] = [stage(s) for s in spec["stages"]]
        renamed_demands[demand(name)] = spec
    out["demands"] = renamed_demands
    return out


ORDERED_LISTS = {("stages",), ("scenario", "periods"), ("demands", "*", "volume"), ("demands", "*", "stages")}
"""Lists whose order means something (stages in chain order, periods in time order, one volume per
period); every other list (arcs, sinks, stock demands) and every mapping may be given in any order."""


def reorder(data: Any, rng: random.Random, path: tuple[str, ...] = ()) -> Any:
    """The same scenario with the entries of every mapping, and of every list without meaningful order,
    shuffled (a copy)."""
    if isinstance(data, dict):
        items = [
            (key, reorder(value, rng, (*path, "*" if path in {("nodes",), ("demands",)} else key)))
            for key, value in data.items()
        ]
        rng.shuffle(items)
        return dict(items)
    if isinstance(data, list):
        items = [reorder(value, rng, path) for value in data]
        if path not in ORDERED_LISTS:
            rng.shuffle(items)
        return items
    return data


def schema_money_fields() -> set[str]:
    """Every field of the scenario schema that holds money, found from the schema itself: by name (cost,
    penalty, price, wage, fee) or by a docstring that says it is in the currency. `Model.field` each."""
    from model.scenario.schema import Scenario

    found: set[str] = set()
    for model in _models(Scenario):
        for name, info in model.model_fields.items():
            words = ("cost", "penalty", "price", "wage", "fee", "salary", "tariff")
            if any(word in name for word in words) or "(currency" in (info.description or ""):
                found.add(f"{model.__name__}.{name}")
    return found


def _models(model: type[BaseModel], seen: set[type] | None = None) -> list[type[BaseModel]]:
    """The model and every pydantic model reachable through its fields' annotations."""
    seen = set() if seen is None else seen
    if model in seen:
        return []
    seen.add(model)
    found = [model]
    for info in model.model_fields.values():
        for inner in _inner_models(info.annotation):
            found += _models(inner, seen)
    return found


def _inner_models(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds, through Optional, unions, Annotated, lists and dicts."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in typing.get_args(annotation) for model in _inner_models(arg)]


def scale_money(data: Any, factor: float, money: set[str], model: type[BaseModel] | None = None) -> Any:
    """A copy of the scenario data with every field named in `money` (`Model.field`) multiplied by factor,
    walking the data alongside the schema, so a money field is found wherever the schema puts it."""
    from model.scenario.schema import Scenario

    model = Scenario if model is None else model
    out = {}
    for key, value in data.items():
        name, info = next(((n, i) for n, i in model.model_fields.items() if key in (n, i.alias)), (key, None))
        if f"{model.__name__}.{name}" in money:
            out[key] = [v * factor for v in value] if isinstance(value, list) else value * factor
            continue
        inner = _inner_models(info.annotation) if info is not None else []
        out[key] = _scale_inner(value, factor, money, inner[0]) if inner else copy.deepcopy(value)
    return out


def _scale_inner(value: Any, factor: float, money: set[str], model: type[BaseModel]) -> Any:
    """scale_money through a field that holds a model, a list of them or a mapping name -> model."""
    if isinstance(value, list):
        return [scale_money(v, factor, money, model) for v in value]
    if (
        isinstance(value, dict)
        and all(isinstance(v, dict) for v in value.values())
        and not _is_model_data(value, model)
    ):
        return {k: scale_money(v, factor, money, model) for k, v in value.items()}
    return scale_money(value, factor, money, model)


def _is_model_data(value: dict, model: type[BaseModel]) -> bool:
    """Whether a mapping is the model's own fields (a Meta, a Stock) rather than name -> model."""
    names = {n for n in model.model_fields} | {i.alias for i in model.model_fields.values() if i.alias}
    return bool(value) and set(value) <= names
