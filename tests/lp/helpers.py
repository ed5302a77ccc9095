"""Shared helpers of tests/lp: solve a scenario built from YAML text (or a dict), and check the
invariants of model.md on the result tables. The scenario builders are tests/conftest.py's, named here too.

The invariant checker works only from the result tables and the scenario's own figures (read from the
validated Scenario, not from the model's index tables), so it does not take the model's word for
anything it recomputes: served volumes, flow conservation, hours, quality, response time, costs.

Imported by the test modules as `from helpers import ...`: pytest's default import mode puts this
folder (tests/lp, which has no __init__.py) on sys.path, as it puts tests/ for conftest.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import pandas as pd
from conftest import scenario_from_data, scenario_from_text

from model.optimise import Outcome, optimise
from model.scenario.schema import Scenario

REL = 1e-6
TABLES = ("staffing", "work", "flows", "demand_kpis", "costs", "constraints")


def tol(*magnitudes: float) -> float:
    """Absolute tolerance for a comparison of figures of the given size (relative 1e-6, floor 1e-6)."""
    return REL * (1.0 + max((abs(m) for m in magnitudes if m is not None and not math.isnan(m)), default=0.0))


def solve(scenario: Scenario, expect: str | None = "optimal", integer_staff: bool | None = None) -> Outcome:
    """optimise(); assert the expected status; on an optimum, check every invariant of model.md."""
    outcome = optimise(scenario, integer_staff=integer_staff)
    if expect is not None:
        assert outcome.status == expect, f"{outcome.status}: {outcome.message} {outcome.violations}"
    if outcome.status == "optimal":
        integer = scenario.solver.integer_staff if integer_staff is None else integer_staff
        check_invariants(outcome, scenario, integer_staff=integer)
    return outcome


def solve_text(
    text: str, tmp_path: Path | None = None, expect: str | None = "optimal", integer_staff: bool | None = None
) -> Outcome:
    return solve(scenario_from_text(text, tmp_path), expect=expect, integer_staff=integer_staff)


def solve_data(data: dict, expect: str | None = "optimal", integer_staff: bool | None = None) -> Outcome:
    return solve(scenario_from_data(data), expect=expect, integer_staff=integer_staff)


# --- reading the tables ---------------------------------------------------------------------------


def value(table: pd.DataFrame, column: str, **keys: object) -> float:
    """The single value of `column` in the row matching all keys (e.g. period="P1", arc="a->b")."""
    rows = table
    for key, wanted in keys.items():
        rows = rows[rows[key] == wanted]
    assert len(rows) == 1, f"{len(rows)} rows match {keys}"
    return float(rows[column].iloc[0])


def total(table: pd.DataFrame, column: str, **keys: object) -> float:
    """The sum of `column` over the rows matching all keys (0 when none)."""
    rows = table
    for key, wanted in keys.items():
        rows = rows[rows[key] == wanted]
    return float(rows[column].sum())


def flow(outcome: Outcome, source: str, target: str, period: str = "P1", demand: str | None = None) -> float:
    keys = dict(period=period, arc=f"{source}->{target}")
    if demand is not None:
        keys["demand"] = demand
    return total(outcome.tables["flows"], "units", **keys)


def units(outcome: Outcome, node: str, period: str = "P1", mode: str | None = None, demand: str | None = None) -> float:
    keys = dict(period=period, node=node)
    if mode is not None:
        keys["mode"] = mode
    if demand is not None:
        keys["demand"] = demand
    return total(outcome.tables["work"], "units", **keys)


def kpi(outcome: Outcome, column: str, demand: str, period: str = "P1") -> float:
    return value(outcome.tables["demand_kpis"], column, demand=demand, period=period)


def staff(outcome: Outcome, column: str, node: str, role: str, period: str = "P1") -> float:
    return value(outcome.tables["staffing"], column, node=node, role=role, period=period)


def binding(outcome: Outcome, family: str, subject_part: str, period: str = "P1") -> bool:
    rows = outcome.tables["constraints"]
    rows = rows[
        (rows.family == family) & (rows.period == period) & rows.subject.str.contains(subject_part, regex=False)
    ]
    assert len(rows) == 1, f"{len(rows)} {family} rows for {subject_part} in {period}"
    return bool(rows.binding.iloc[0])


# --- the scenario's own figures -------------------------------------------------------------------


def mode_figures(scenario: Scenario, node: str, mode: str) -> dict:
    """quality, processing_time, unit_cost, hours_per_unit of a mode, with model.md's inheritance."""
    n = scenario.nodes[node]
    if not n.work:
        assert mode == node, f"node {node} has no work, so its only mode is itself, not {mode}"
        return dict(quality=n.quality, processing_time=n.processing_time, unit_cost=n.unit_cost, hours_per_unit=0.0)
    w = n.work[mode]
    return dict(
        quality=w.quality if w.quality is not None else n.quality,
        processing_time=w.processing_time if w.processing_time is not None else n.processing_time,
        unit_cost=w.unit_cost if w.unit_cost is not None else n.unit_cost,
        hours_per_unit=w.hours_per_unit,
    )


# --- invariants -----------------------------------------------------------------------------------


def stocks(scenario, node: str, demand: str) -> bool:
    """Whether `demand` may be held in stock at `node` (model.md; `stock.demands` narrows it)."""
    stock = scenario.nodes[node].stock
    return stock is not None and (stock.demands is None or demand in stock.demands)


def check_invariants(outcome: Outcome, scenario: Scenario, integer_staff: bool = False) -> None:
    """Every invariant of model.md that the result tables allow to recompute; raises AssertionError."""
    tables = outcome.tables
    assert set(TABLES) <= set(tables), f"missing tables: {set(TABLES) - set(tables)}"
    periods = scenario.periods
    T = len(periods)
    objective = outcome.objective
    assert objective is not None and math.isfinite(objective)
    work, flows, kpis, staffing, costs = (tables[n] for n in ("work", "flows", "demand_kpis", "staffing", "costs"))
    for name in ("work", "flows", "staffing"):
        column = {"work": "units", "flows": "units", "staffing": "fte"}[name]
        assert (tables[name][column] >= -tol(0)).all(), f"negative {column} in {name}"

    # 1. the costs table sums to the objective, and so does the cost-to-serve allocation
    assert math.isclose(costs.amount.sum(), objective, rel_tol=REL, abs_tol=1e-6), (
        f"costs table sums to {costs.amount.sum()} but the objective is {objective}"
    )
    serving = tables["cost_to_serve"]
    assert math.isclose(serving.cost_to_serve.sum(), objective, rel_tol=1e-6, abs_tol=1e-6), (
        f"cost_to_serve sums to {serving.cost_to_serve.sum()} but the objective is {objective}"
    )
    # ... and what it leaves unallocated is exactly the staff cost at nodes no demand ever used
    idle_nodes = staffing.groupby("node").hours_used.transform("sum") <= 1e-9
    unallocated = serving[serving.demand == "(unallocated)"].cost_to_serve.sum()
    sites = tables.get("sites")  # ... and the fixed and capacity costs of sites open with no units
    unused_sites = 0.0
    if sites is not None and len(sites):
        unused = sites.groupby("node").units.transform("sum") <= 1e-9
        unused_sites = float((sites.fixed_cost + sites.capacity_cost)[unused].sum())
    assert math.isclose(unallocated, staffing[idle_nodes].cost.sum() + unused_sites, rel_tol=1e-6, abs_tol=1e-6), (
        f"unallocated {unallocated} but staff at never-used nodes cost {staffing[idle_nodes].cost.sum()}"
    )
    # ... and split by stage it gives each (period, demand)'s cost to serve and each stage's cost
    by_stage = tables["cost_to_serve_by_stage"]
    summed = by_stage.groupby(["period", "demand"]).cost_to_serve.sum()
    whole = serving.set_index(["period", "demand"]).cost_to_serve
    # (max(..., default=0.0): with nothing to pay, as when every volume is 0, the tables are empty and
    # a pandas max would be NaN, which no comparison passes)
    gap = max((summed.reindex(whole.index, fill_value=0.0) - whole).abs(), default=0.0)
    assert gap <= 1e-6 * (1 + abs(objective)), f"cost_to_serve_by_stage misses cost_to_serve by {gap}"
    stage_gap = max(
        by_stage.groupby("stage").cost_to_serve.sum().sub(costs.groupby("stage").amount.sum(), fill_value=0.0).abs(),
        default=0.0,
    )
    assert stage_gap <= 1e-6 * (1 + abs(objective)), f"cost_to_serve_by_stage misses the stage costs by {stage_gap}"

    # units a queue without overflow loses (erlang_a abandons, erlang_b blocks) are unmet (demand_kpis),
    # whatever the demand's unmet_penalty, though they entered the chain (the targets' means count them)
    unmet_lost: dict[tuple, float] = defaultdict(float)
    routing = tables.get("queue_routing")
    if routing is not None and "units_lost" in routing:
        for r in routing.itertuples(index=False):
            queue = scenario.nodes[r.node].queue
            if queue is not None and queue.overflow is None:
                unmet_lost[r.demand, r.period] += r.units_lost

    # 2. every unit of volume is served, backlogged or unmet; no backlog or unmet where not allowed
    assert len(kpis) == len(scenario.demands) * T
    served: dict[tuple[str, str], float] = {}
    backlog: dict[tuple[str, str], float] = {}
    unmet: dict[tuple[str, str], float] = {}
    for d, demand in scenario.demands.items():
        volumes = scenario.demand_volumes(d)
        before = 0.0
        for t, p in enumerate(periods):
            row = kpis[(kpis.demand == d) & (kpis.period == p)]
            assert len(row) == 1, f"demand_kpis has {len(row)} rows for {d} {p}"
            r = row.iloc[0]
            assert math.isclose(r.volume, volumes[t], abs_tol=tol(volumes[t])), f"volume of {d} {p}"
            for column in ("served", "backlog", "unmet"):
                assert r[column] >= -tol(volumes[t]), f"{column} of {d} {p} is negative: {r[column]}"
            assert math.isclose(volumes[t] + before, r.served + r.backlog + r.unmet, abs_tol=tol(volumes[t], before)), (
                f"{d} {p}: volume {volumes[t]} + backlog before {before} != served {r.served} + backlog "
                f"{r.backlog} + unmet {r.unmet}"
            )
            if demand.backlog_cost is None:
                assert abs(r.backlog) <= tol(volumes[t]), f"{d} {p}: backlog {r.backlog} where not allowed"
            if demand.unmet_penalty is None:
                assert abs(r.unmet - unmet_lost[d, p]) <= tol(volumes[t]), f"{d} {p}: unmet {r.unmet} where not allowed"
            if t == T - 1:
                assert r.backlog <= demand.final_backlog + tol(volumes[t]), f"{d}: final backlog {r.backlog}"
            # served: the units that entered the chain, those its queues lost without overflow included
            served[d, p], backlog[d, p], unmet[d, p] = r.served + unmet_lost[d, p], r.backlog, r.unmet
            before = r.backlog

    # 3. flow conservation from the tables: orders arriving at a node (theta) leave along arcs or are
    #    fulfilled at a sink; at a non-storable node its modes process exactly theta
    into: dict[tuple, float] = defaultdict(float)
    out_of: dict[tuple, float] = defaultdict(float)
    for d, source, target, p, u in zip(flows.demand, flows["from"], flows["to"], flows.period, flows.units):
        into[d, target, p] += u
        out_of[d, source, p] += u
    processed: dict[tuple, float] = defaultdict(float)
    for r in work.itertuples(index=False):
        processed[r.demand, r.node, r.period] += r.units
    # units a queue loses (erlang_a, erlang_b): they leave the node unprocessed and arrive at its
    # overflow, or are unmet without one
    lost: dict[tuple, float] = defaultdict(float)
    if routing is not None and "units_lost" in routing:
        for r in routing.itertuples(index=False):
            lost[r.demand, r.node, r.period] += r.units_lost
            queue = scenario.nodes[r.node].queue
            overflow = queue.overflow if queue is not None else None
            if overflow is not None:
                into[r.demand, overflow, r.period] += r.units_lost
    for d, demand in scenario.demands.items():
        for p in periods:
            nodes = {n for (dd, n, pp) in list(into) + list(out_of) + list(processed) if dd == d and pp == p}
            nodes.add(demand.origin)
            fulfilled = 0.0
            for n in nodes:
                theta = into[d, n, p] + (served[d, p] if n == demand.origin else 0.0)
                leaving = out_of[d, n, p] + lost[d, n, p]
                scale = tol(theta, leaving)
                if n in demand.sinks:
                    assert leaving <= theta + scale, f"{d} {n} {p}: {leaving} leave but {theta} arrive"
                    fulfilled += theta - leaving
                else:
                    assert math.isclose(theta, leaving, abs_tol=scale), f"{d} {n} {p}: {theta} arrive, {leaving} leave"
                if not stocks(scenario, n, d):
                    assert math.isclose(processed[d, n, p] + lost[d, n, p], theta, abs_tol=scale), (
                        f"{d} {n} {p}: {processed[d, n, p]} processed but {theta} arrive"
                    )
            assert math.isclose(fulfilled + unmet_lost[d, p], served[d, p], abs_tol=tol(served[d, p])), (
                f"{d} {p}: {fulfilled} fulfilled at sinks but {served[d, p]} served"
            )

    # 4. no flow above capacity (arcs: shared by all demands; nodes: all modes and demands)
    for arc in scenario.arcs:
        if arc.capacity is None:
            continue
        for p in periods:
            used = total(flows, "units", period=p, arc=arc.key)
            assert used <= arc.capacity + tol(arc.capacity), f"arc {arc.key} {p}: {used} > capacity {arc.capacity}"
    for n, node in scenario.nodes.items():
        if node.capacity is None:
            continue
        for p in periods:
            used = total(work, "units", period=p, node=n)
            assert used <= node.capacity + tol(node.capacity), f"node {n} {p}: {used} > capacity {node.capacity}"

    # 5. quality and response time recomputed from the work and flow tables, and their targets met
    defects: dict[tuple, float] = defaultdict(float)
    time_spent: dict[tuple, float] = defaultdict(float)
    for r in work.itertuples(index=False):
        figures = mode_figures(scenario, r.node, r.mode)
        assert math.isclose(r.quality, figures["quality"], abs_tol=1e-12), f"quality of {r.node}/{r.mode}"
        defects[r.demand, r.period] += (1.0 - figures["quality"]) * r.units
        if not stocks(scenario, r.node, r.demand):
            time_spent[r.demand, r.period] += (figures["processing_time"] + scenario.nodes[r.node].wait_time) * r.units
    arc_of = {a.key: a for a in scenario.arcs}
    for r in flows.itertuples(index=False):
        time_spent[r.demand, r.period] += arc_of[r.arc].lead_time * r.units
    if "queue_routing" in tables:  # a queued node's wait: the lane's, counted per unit routed to it
        check_queue_routing(tables, scenario.interval_weight)
        for r in tables["queue_routing"].itertuples(index=False):
            time_spent[r.demand, r.period] += r.wait_counted * r.units
    for d, demand in scenario.demands.items():
        for p in periods:
            storable = {n for (dd, n, pp) in processed if dd == d and pp == p and stocks(scenario, n, d)}
            for n in storable:
                node = scenario.nodes[n]
                theta = into[d, n, p] + (served[d, p] if n == demand.origin else 0.0)
                time_spent[d, p] += (node.processing_time + node.wait_time) * theta
            time_spent[d, p] += scenario.scenario.period_length * backlog[d, p]
            s = served[d, p]
            if s <= 1e-9:
                continue
            quality = 1.0 - defects[d, p] / s
            response = time_spent[d, p] / s
            assert math.isclose(kpi_row(kpis, d, p).quality, quality, abs_tol=1e-6), f"{d} {p} quality"
            assert math.isclose(kpi_row(kpis, d, p).mean_response_time, response, rel_tol=1e-6, abs_tol=1e-6), (
                f"{d} {p}: response time {kpi_row(kpis, d, p).mean_response_time} but recomputed {response}"
            )
            if demand.min_quality is not None:
                assert quality >= demand.min_quality - 1e-6, f"{d} {p}: quality {quality} < {demand.min_quality}"
                assert bool(kpi_row(kpis, d, p).quality_met)
            if demand.max_mean_response_time is not None:
                assert response <= demand.max_mean_response_time + tol(demand.max_mean_response_time), (
                    f"{d} {p}: response time {response} > {demand.max_mean_response_time}"
                )
                assert bool(kpi_row(kpis, d, p).response_time_met)

    # 6. staffing: hours used, available, overtime limit, staff bounds and balance
    site_rows = tables.get("sites", pd.DataFrame(columns=["node", "period", "open"]))
    closed_sites: dict[str, set[str]] = defaultdict(set)
    for r in site_rows.itertuples(index=False):
        if not r.open:
            closed_sites[r.node].add(r.period)
    hours: dict[tuple, float] = defaultdict(float)
    for r in work.itertuples(index=False):
        if scenario.nodes[r.node].work:
            hours[r.node, r.mode, r.period] += mode_figures(scenario, r.node, r.mode)["hours_per_unit"] * r.units
    for n, node in scenario.nodes.items():
        for role in node.work:
            spec = scenario.roles[role]
            bounds = node.staff.get(role)
            hi_open = bounds.max if bounds and bounds.max is not None else math.inf
            initial = bounds.initial if bounds else None
            previous = initial
            for p in periods:
                r = kpi_like(staffing, node=n, role=role, period=p)
                scale = tol(r.fte, r.hours_used)
                closed = p in closed_sites.get(n, ())  # a closed site has no staff: bounds [0, 0]
                lo, hi = (0.0, 0.0) if closed else (bounds.min if bounds else 0.0, hi_open)
                assert math.isclose(r.hours_used, hours[n, role, p], abs_tol=tol(hours[n, role, p])), (
                    f"hours {n}/{role} {p}"
                )
                available = node.max_utilisation * (spec.hours_per_fte * r.fte + r.overtime_hours)
                assert math.isclose(r.hours_available, available, abs_tol=tol(available)), f"available {n}/{role} {p}"
                assert r.hours_used <= available + tol(available), (
                    f"labour {n}/{role} {p}: {r.hours_used} > {available}"
                )
                ot = spec.overtime.max_hours_per_fte if spec.overtime else 0.0
                assert r.overtime_hours <= ot * r.fte + scale, f"overtime {n}/{role} {p}"
                assert lo - scale <= r.fte <= hi + scale, f"staff bounds {n}/{role} {p}: {r.fte} not in [{lo}, {hi}]"
                if integer_staff:
                    assert abs(r.fte - round(r.fte)) <= 1e-6, f"{n}/{role} {p}: {r.fte} FTE is not whole"
                if previous is not None:
                    assert math.isclose(r.fte - previous, r.hires - r.layoffs, abs_tol=scale), (
                        f"staff balance {n}/{role} {p}"
                    )
                previous = r.fte

    # 7. the objective recomputed from the tables and the scenario's prices, category by category
    recomputed: dict[str, float] = defaultdict(float)
    for r in staffing.itertuples(index=False):
        spec = scenario.roles[r.role]
        recomputed["labour"] += spec.cost_per_fte * r.fte
        recomputed["overtime"] += (spec.overtime.cost_per_hour if spec.overtime else 0.0) * r.overtime_hours
        recomputed["hiring"] += spec.hire_cost * r.hires
        recomputed["layoffs"] += spec.layoff_cost * r.layoffs
    for r in work.itertuples(index=False):
        recomputed["processing"] += mode_figures(scenario, r.node, r.mode)["unit_cost"] * r.units
    for r in flows.itertuples(index=False):
        recomputed["handoffs"] += arc_of[r.arc].cost * r.units
    for (d, _), b in backlog.items():
        recomputed["backlog"] += (scenario.demands[d].backlog_cost or 0.0) * b
    for (d, _), u in unmet.items():
        recomputed["unmet"] += (scenario.demands[d].unmet_penalty or 0.0) * u
    holding = costs[costs.category == "holding"]
    assert all(scenario.nodes[n].stock is not None for n in holding.node), "holding cost at a node without stock"
    assert (holding.amount >= -1e-9).all()
    recomputed["holding"] = float(holding.amount.sum())
    for r in tables.get("sites", pd.DataFrame()).itertuples(index=False):  # site costs: from the scenario
        node = scenario.nodes[r.node]
        recomputed["fixed"] += node.fixed_cost * float(r.open)
        levels = node.capacity_levels or []
        recomputed["capacity"] += levels[int(r.level) - 1].cost if r.level else 0.0
        assert r.open or r.units <= tol(0), f"closed site {r.node} {r.period} processes {r.units}"
    for category, amount in recomputed.items():
        reported = float(costs.loc[costs.category == category, "amount"].sum())
        assert math.isclose(reported, amount, rel_tol=REL, abs_tol=1e-6), (
            f"costs table: {category} {reported} but the tables and prices give {amount}"
        )
    assert math.isclose(sum(recomputed.values()), objective, rel_tol=REL, abs_tol=1e-6), (
        f"objective {objective} but the tables and prices give {sum(recomputed.values())}"
    )


def kpi_row(kpis: pd.DataFrame, demand: str, period: str) -> pd.Series:
    return kpis[(kpis.demand == demand) & (kpis.period == period)].iloc[0]


def kpi_like(table: pd.DataFrame, **keys: object) -> pd.Series:
    rows = table
    for key, wanted in keys.items():
        rows = rows[rows[key] == wanted]
    assert len(rows) == 1, f"{len(rows)} rows match {keys}"
    return rows.iloc[0]


def assert_no_tables(outcome: Outcome) -> None:
    """A solve without a checked solution reports no tables (or only empty ones)."""
    assert all(len(table) == 0 for table in outcome.tables.values()), (
        f"tables reported for status {outcome.status}: {[n for n, t in outcome.tables.items() if len(t)]}"
    )


def check_queue_routing(tables: dict[str, pd.DataFrame], weight: float = 1.0) -> None:
    """Each unit worked at a queued node sits in one lane; the lanes' units add up in `queues` (with
    intervals: weight x the sum of the lane's rows); each lane's counted wait is the same in both tables
    (without intervals), and at least its exact average wait."""
    routing, queues, work = tables["queue_routing"], tables["queues"], tables["work"]
    worked = work[work.node.isin(routing.node.unique())].groupby(["period", "demand", "node"]).units.sum()
    answered = routing.units - (routing.units_lost if "units_lost" in routing else 0.0)
    laned = routing.assign(units=answered).groupby(["period", "demand", "node"]).units.sum()
    gap = worked.sub(laned, fill_value=0.0).abs()
    assert (gap <= 1e-6 * (1 + worked.reindex(gap.index, fill_value=0.0).abs())).all(), f"lane split: {gap.max()}"
    per_lane = routing.groupby(["period", "node", "lane"]).units.sum()
    busy = queues[queues.units > 0]
    if (queues.interval != "").any():  # per interval: a period's units are weight x the sum over intervals
        per_interval = queues.groupby(["period", "node", "lane"]).units.sum() * weight
        assert ((per_lane - per_interval.reindex(per_lane.index)).abs() <= 1e-6 * (1 + per_lane)).all()
        assert (busy.average_wait <= busy.wait_counted * (1 + 1e-6) + 1e-9).all(), "a lane waits longer than counted"
        return
    lanes = queues.set_index(["period", "node", "lane"])
    assert ((per_lane - lanes.units.reindex(per_lane.index)).abs() <= 1e-6 * (1 + per_lane)).all()
    counted = routing.set_index(["period", "node", "lane"]).wait_counted
    assert max((counted - lanes.wait_counted.reindex(counted.index)).abs(), default=0.0) <= 1e-9  # none: no lane used
    busy = lanes[lanes.units > 0]
    assert (busy.average_wait <= busy.wait_counted * (1 + 1e-6) + 1e-9).all(), "a lane waits longer than counted"
