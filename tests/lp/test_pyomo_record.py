"""The Pyomo formulation of record (model/lp/pyomo_model.py) against the production LP (model.lp.build).

Both LPs are turned into dicts keyed by label, (family, keys of its index table..., period): each
column's (lower, upper, cost, integer), each row's (lower, upper), and each nonzero coefficient by
(row label, column label). The production labels come from `LinearModel.columns`/`.blocks` and the
index tables; the Pyomo labels from each compiled column's and row's component name and index. They
must agree to a relative 1e-12 on the cases below (one with rework in every form, one under `objective: margin`) that
between them give every variable and constraint family columns and rows. Then: the compiled Pyomo model
(`to_linear_model`) solves to the production optimum; two hand-worked extensions on data/tiny.yaml;
the LP and MPS files read back by HiGHS.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import highspy
import numpy as np
import pyomo.environ as pyo
import pytest
from conftest import (
    APPLIANCE_FILE,
    CONTACT_CENTRE_FILE,
    LOOP_NETWORK,
    REWORK_LOOPS,
    SKILLS_DESK,
    TINY_FILE,
    UNKEEPABLE_PROMISE,
    generated_scenario,
    scenario_data,
    scenario_from_data,
    scenario_from_text,
    varied,
)
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler
from test_queue_loss import lost_text
from test_shift_queues import SHIFT_QUEUE

from data.extensions import vendor_at_most_500, vendor_fee
from model.errors import InfeasibleRow
from model.generate import Size
from model.lp import FAMILIES, VARIABLES, LinearModel, QueueTangents, build
from model.lp.pyomo_model import build_pyomo, extend_pyomo, extension_costs, to_linear_model, write_lp
from model.network import IndexSets, index_sets
from model.queues import QueuePlan, lane_units, start_plan, start_tangents, tangents_at
from model.scenario import load_scenario, parse_yaml, validate_data
from model.solve import Solution, Solver, solve

REL = 1e-12
IN_HOUSE = 1.5 * 5200 / 140  # EUR per repair at tiny's service team: 1.5 h at 5,200 EUR per 140-h FTE


# --- the cases ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    sets: IndexSets
    tangents: QueueTangents | None = None
    integer_staff: bool = False


def _queue_tangents(sets: IndexSets, close: tuple[str, str] | None = ("field_team", "standard")) -> QueueTangents:
    """Tangents at a real plan: the loads of a start solve (as model/queues.py's iterations begin),
    with the lane `close` (the field team's standard lane) closed in the first period (its q bounded
    at 0, its coefficients kept)."""
    start = start_tangents(sets)
    plan = start_plan(sets, lane_units(sets, solve(build(sets, start), ranging=False).values))
    closed = plan.closed.copy()
    lanes = list(zip(sets.queues.node, sets.queues.lane))
    if close is not None:
        closed[lanes.index(close), 0] = True
    plan = QueuePlan(np.where(closed, 0.0, plan.load), np.where(closed, 0.0, plan.wait), closed)
    return tangents_at(sets, plan, start)


def _tiny_two_periods() -> IndexSets:
    """Tiny with an arc capacity, two periods, backlog and initial staff."""
    data = scenario_data(TINY_FILE)
    data["scenario"]["periods"] = 2
    data["arcs"][1]["capacity"] = 300
    data["demands"]["repairs"].update(volume=[1000, 1300], backlog_cost=20)
    data["nodes"]["service_team"]["staff"] = {"technician": {"min": 2, "max": 12, "initial": 5}}
    return index_sets(scenario_from_data(data))


TINY_RULES = {
    "vendor_cap": {
        "about": "At most 30% of the service stage's repairs to the vendor",
        "sum": "units",
        "where": {"node": "vendor"},
        "at_most": 0.3,
        "of": {"sum": "units", "where": {"stage": "service"}},
    },
    "team_floor": {"sum": "fte", "where": {"node": "service_*"}, "at_least": 3},
    "overtime_cap": {
        "sum": "overtime",
        "where": {"role": "technician"},
        "at_most": 0.05,
        "of": {"sum": "hours", "where": {"role": "technician"}},
    },
    "contract_min": {"sum": "units", "where": {"node": "vendor"}, "at_least": 500, "per": "horizon"},
    "handoff_budget": {
        "sum": "cost",
        "where": {"category": ["handoffs", "processing"]},
        "at_most": 60000,
        "per": "horizon",
    },
    "second_month": {"sum": "flow", "where": {"to": "vendor", "period": "P2"}, "equal": 250},
}
"""Rules over every quantity, each comparison, share and horizon rules and a period filter."""


def _tiny_with_rules() -> IndexSets:
    """Tiny over two periods, with overtime, and TINY_RULES."""
    data = scenario_data(TINY_FILE)
    data["scenario"]["periods"] = 2
    data["roles"]["technician"]["overtime"] = {"max_hours_per_fte": 20, "cost_per_hour": 45}
    data["rules"] = TINY_RULES
    return index_sets(scenario_from_data(data))


def _tiny_sites() -> IndexSets:
    """Tiny over two periods with site decisions of every kind (docs/model.md, Sites): the service
    team decided for the horizon, sized by levels, with a minimum volume and staff minimum; the
    vendor decided per period with a fixed cost."""
    data = scenario_data(TINY_FILE)
    data["scenario"]["periods"] = 2
    data["demands"]["repairs"]["volume"] = [1000, 600]
    team, vendor = data["nodes"]["service_team"], data["nodes"]["vendor"]
    team.update(
        open="decide",
        min_volume=100,
        capacity_levels=[{"capacity": 500, "cost": 1000}, {"capacity": 900, "cost": 1500}],
        staff={"technician": {"min": 1, "initial": 3}},
    )
    vendor.update(open="decide", decide_per="period", fixed_cost=4000)
    return index_sets(scenario_from_data(data))


def _tiny_margin() -> IndexSets:
    """Tiny over two periods under `objective: margin`: a price, an unmet penalty and backlog allowed
    to stay at the end, so that u carries penalty + price and b[last] the price (model.md, Objective)."""
    data = scenario_data(TINY_FILE)
    data["scenario"].update(periods=2, objective="margin")
    data["demands"]["repairs"].update(
        volume=[1000, 1300], backlog_cost=20, final_backlog=100, price=90, unmet_penalty=5, segment="retail"
    )
    return index_sets(scenario_from_data(data))


def _contact_centre_intervals() -> tuple[IndexSets, QueueTangents]:
    """The contact centre over two days x two half-days (issue 17, queues per interval), the desk's
    calls heavier in the morning and on Mondays and abandoned (erlang_a) to the overflow desk, the
    field team without whole agents; tangents at a
    start plan with the standard lane closed in its first interval in the first period."""
    data = scenario_data(CONTACT_CENTRE_FILE)
    data["intervals"] = {"days": ["Mon", "Sat"], "times": ["am", "pm"], "hours": [6, 6], "weight": 11}
    for node in ("contact_desk", "field_team"):
        data["nodes"][node]["queue"].pop("open_hours")
        data["nodes"][node]["queue"].pop("peak_factor", None)
    data["nodes"]["field_team"]["queue"]["whole_agents"] = False
    desk = data["nodes"]["contact_desk"]["queue"]  # callers hang up: abandoned calls go to the overflow desk
    desk.update(model="erlang_a", patience=2, overflow="overflow_desk")
    desk["target"]["max_abandoned"] = 0.05
    data["demands"]["repairs_premium"]["min_quality"] = 0.95  # its calls lost to the overflow desk (90 %) fit
    data["demands"]["questions"]["profile"] = {"days": [3, 1], "times": [2, 1]}
    sets = index_sets(scenario_from_data(data))
    start = start_tangents(sets)
    plan = start_plan(sets, lane_units(sets, solve(build(sets, start), ranging=False).values))
    closed = plan.closed.copy()
    rows = list(zip(sets.queues.node, sets.queues.lane, sets.queues.interval))
    closed[rows.index(("field_team", "standard", "Mon am")), 0] = True
    plan = QueuePlan(np.where(closed, 0.0, plan.load), np.where(closed, 0.0, plan.wait), closed)
    return sets, tangents_at(sets, plan, start)


@functools.cache
def case(name: str) -> Case:
    if name == "contact-centre-intervals":
        return Case(*_contact_centre_intervals())
    if name == "tiny-rules":
        return Case(_tiny_with_rules())
    if name == "tiny":
        return Case(index_sets(load_scenario(TINY_FILE)))
    if name == "appliance-co":
        return Case(index_sets(load_scenario(APPLIANCE_FILE)))
    if name == "contact-centre":
        sets = index_sets(load_scenario(CONTACT_CENTRE_FILE))
        return Case(sets, _queue_tangents(sets))
    if name == "generated":
        return Case(index_sets(generated_scenario(Size(3, 30, 3, 2))))
    if name == "tiny-two-periods":
        return Case(_tiny_two_periods())
    if name == "tiny-margin":
        return Case(_tiny_margin())
    if name == "tiny-integer-staff":
        return Case(index_sets(load_scenario(TINY_FILE)), integer_staff=True)
    if name == "network-loops":
        return Case(index_sets(validate_data(*parse_yaml(NETWORK_LOOPS, "loops.yaml"))))
    if name == "rework":
        return Case(index_sets(scenario_from_text(REWORK_LOOPS)))
    if name == "tiny-sites":
        return Case(_tiny_sites())
    if name == "skills":  # modes only where the role has the demand's skills, hours per unit by demand
        return Case(index_sets(scenario_from_text(SKILLS_DESK + SKILLS_RULE)))
    if name in ("shifts", "shifts-integer"):
        return Case(index_sets(scenario_from_text(SHIFTS)), integer_staff=name == "shifts-integer")
    if name == "lost-unmet":  # an erlang_a desk without overflow: its abandoned calls are unmet
        sets = index_sets(scenario_from_text(lost_text(", unmet_penalty: 7, price: 30", ", objective: margin")))
        return Case(sets, _queue_tangents(sets, close=None))
    if name == "shift-queue":  # a queue staffed by shifts: the duty rows count the patterns' heads
        sets = index_sets(scenario_from_text(SHIFT_QUEUE))
        return Case(sets, _queue_tangents(sets, close=None))
    if name == "contact-centre-week":  # an Erlang A desk (lost units) staffed by shifts, skills
        sets = index_sets(load_scenario(CONTACT_CENTRE_FILE.with_name("contact-centre-week.yaml")))
        return Case(sets, _queue_tangents(sets, close=None))
    raise KeyError(name)


# SKILLS_DESK with a rule on the hours of French calls, whose weights are hours_by_demand's.
SKILLS_RULE = "rules:\n  fr_hours: {sum: hours, where: {demand: calls_fr}, at_most: 300}\n"


SHIFTS = """
scenario: {name: shifts, currency: EUR, period_length: 730, periods: 2}
intervals:
  days: [Mon, Tue]
  times: {from: "08:00", to: "12:00", minutes: 60}
  weight: 4
stages: [s]
roles:
  agent: {cost_per_fte: 3000, hours_per_fte: 140, shrinkage: 0.25, overtime: {max_hours_per_fte: 10, cost_per_hour: 30}}
  lead: {cost_per_fte: 5000, hours_per_fte: 140}
nodes:
  desk:
    stage: s
    max_utilisation: 0.9
    work:
      agent:
        hours_per_unit: 0.2
        days_on: 1
        shifts:
          early: {start: "08:00", hours: 3, breaks: ["09:00"], days: [Mon], cost: 40, max: 30}
          late: {covers: ["Mon 11:00", "Tue 10:00", "Tue 11:00"], min: 1}
      lead: {hours_per_unit: 0.3}
    staff: {agent: {initial: 2}}
demands:
  calls: {origin: desk, sinks: [desk], volume: [800, 900], profile: {days: [1, 2], times: [1, 2, 3, 1]}}
  mail: {origin: desk, sinks: [desk], volume_by_interval: [5, 0, 0, 5, 1, 1, 1, 1]}
rules:
  shift_budget: {sum: cost, where: {category: labour, role: agent}, at_most: 100000}
"""
"""Shift patterns of every kind (docs/model.md, Shifts): a timed shift with a break on one day, listed
covers, days_on patterns, pattern bounds, shrinkage, two demands arriving by profile and by
interval, a rostered role beside one that is not, initial staff (hiring), overtime ignored where the
role is rostered, and a rule over the patterns' labour cost."""


# The shared loop network with a repair that gets 10% wrong and a quality target on `fix`.
NETWORK_LOOPS = varied(
    LOOP_NETWORK,
    (
        "repair: {stage: service, unit_cost: 10, processing_time: 2}",
        "repair: {stage: service, unit_cost: 10, processing_time: 2, quality: 0.9}",
    ),
    ("max_mean_response_time: 10}", "max_mean_response_time: 10, min_quality: 0.5}"),
)
"""Loops (a rework loop within a stage, returns to earlier stages) and negative arc costs (issue 16):
the targets' rows are kept although every simple path meets them."""


CASES = (
    "tiny",
    "appliance-co",
    "contact-centre",
    "contact-centre-intervals",
    "generated",
    "tiny-two-periods",
    "tiny-integer-staff",
    "network-loops",
    "rework",
    "tiny-rules",
    "tiny-sites",
    "tiny-margin",
    "skills",
    "shifts",
    "shifts-integer",
    "shift-queue",
    "lost-unmet",
    "contact-centre-week",
)


@functools.cache
def production(name: str) -> LinearModel:
    c = case(name)
    return build(c.sets, c.tangents, c.integer_staff)


@functools.cache
def record(name: str) -> pyo.ConcreteModel:
    c = case(name)
    return build_pyomo(c.sets, c.tangents, c.integer_staff)


# --- the LPs as dicts keyed by label ----------------------------------------------------------------


def _key_tuples(sets: IndexSets, table: str, keys: tuple[str, ...]) -> list[tuple]:
    return list(getattr(sets, table)[list(keys)].itertuples(index=False, name=None))


def production_by_label(model: LinearModel) -> tuple[dict, dict, dict]:
    """Columns, rows and nonzero coefficients of the production LP, keyed by label."""
    sets, periods, numbers = model.sets, list(model.sets.periods), model.numbers
    column_label: list[tuple | None] = [None] * model.num_col
    for variable in VARIABLES:
        keys, grid = _key_tuples(sets, variable.table, variable.keys), model.columns[variable.name]
        for i, t in zip(*np.nonzero(grid >= 0)):
            column_label[grid[i, t]] = (variable.name, *keys[i], periods[t])
    row_label: list[tuple | None] = [None] * model.num_row
    for family in FAMILIES:
        keys, block = _key_tuples(sets, family.table, family.keys), model.blocks[family.name]
        grid_periods = periods[-1:] if family.last_period else periods
        for position, at in zip(block.positions, block.at):
            i, t = divmod(int(position), len(grid_periods))
            row_label[at] = (family.name, *keys[i], grid_periods[t])
    assert None not in column_label and None not in row_label, "every column and row of a family"
    columns = {
        label: (numbers.col_lower[j], numbers.col_upper[j], numbers.cost[j], bool(model.integer[j]))
        for j, label in enumerate(column_label)
    }
    rows = {label: (numbers.row_lower[i], numbers.row_upper[i]) for i, label in enumerate(row_label)}
    coo = model.matrix.tocoo()
    entries = {(row_label[i], column_label[j]): a for i, j, a in zip(coo.row, coo.col, coo.data) if a != 0.0}
    return columns, rows, entries


def _label(data: object) -> tuple:
    index = data.index()
    return (data.parent_component().name, *(index if isinstance(index, tuple) else (index,)))


def _bounds(var: object) -> tuple[float, float]:
    return (-math.inf if var.lb is None else var.lb), (math.inf if var.ub is None else var.ub)


def pyomo_by_label(lp: pyo.ConcreteModel) -> tuple[dict, dict, dict]:
    """Columns, rows and nonzero coefficients of the Pyomo model compiled by Pyomo's standard-form
    compiler, keyed by label (component name, index...)."""
    repn = LinearStandardFormCompiler().write(lp, mixed_form=True)
    cost = np.asarray(repn.c.toarray()).ravel()
    column_label = [_label(var) for var in repn.columns]
    columns = {
        label: (*_bounds(var), cost[j], var.is_integer())
        for j, (label, var) in enumerate(zip(column_label, repn.columns))
    }
    for variable in VARIABLES:  # the compiler leaves out a variable in no row and no cost term: an empty column
        for var in lp.component(variable.name).values():
            columns.setdefault(_label(var), (*_bounds(var), 0.0, var.is_integer()))
    row_label, rows = [], {}
    for entry, rhs in zip(repn.rows, repn.rhs):
        label = _label(entry.constraint)
        assert label not in rows, f"{label} compiled into two rows"
        rows[label] = {0: (rhs, rhs), 1: (-math.inf, rhs), -1: (rhs, math.inf)}[entry.bound_type]
        row_label.append(label)
    coo = repn.A.tocoo()
    entries: dict[tuple, float] = {}
    for i, j, a in zip(coo.row, coo.col, coo.data):
        key = (row_label[i], column_label[j])
        entries[key] = entries.get(key, 0.0) + a
    return columns, rows, {key: a for key, a in entries.items() if a != 0.0}


def _close(one: object, other: object) -> bool:
    if isinstance(one, tuple):
        return len(one) == len(other) and all(_close(a, b) for a, b in zip(one, other))
    return one == other or math.isclose(one, other, rel_tol=REL, abs_tol=0.0)


def assert_same(what: str, production: dict, pyomo: dict) -> None:
    only_production, only_pyomo = production.keys() - pyomo.keys(), pyomo.keys() - production.keys()
    assert not only_production and not only_pyomo, (
        f"{what}: {len(only_production)} only in the production LP, e.g. {list(only_production)[:3]}; "
        f"{len(only_pyomo)} only in the Pyomo model, e.g. {list(only_pyomo)[:3]}"
    )
    differ = [
        (label, production[label], pyomo[label]) for label in production if not _close(production[label], pyomo[label])
    ]
    assert not differ, f"{what}: {len(differ)} differ (label, production, Pyomo), e.g. {differ[:3]}"


# --- the comparison ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CASES)
def test_the_pyomo_model_is_the_production_lp_label_by_label(name):
    production_lp, pyomo_lp = production_by_label(production(name)), pyomo_by_label(record(name))
    for what, one, other in zip(("columns", "rows", "coefficients"), production_lp, pyomo_lp):
        assert one, f"{name}: no {what}"
        assert_same(f"{name} {what}", one, other)


def test_the_cases_cover_every_family():
    columns = {v.name: sum(int((production(n).columns[v.name] >= 0).sum()) for n in CASES) for v in VARIABLES}
    rows = {f.name: sum(len(production(n).blocks[f.name]) for n in CASES) for f in FAMILIES}
    assert all(columns.values()), f"variable families without a column in any case: {columns}"
    assert all(rows.values()), f"constraint families without a row in any case: {rows}"
    for name in CASES:  # and the Pyomo model has as many of each
        for v in VARIABLES:
            assert len(record(name).component(v.name)) == int((production(name).columns[v.name] >= 0).sum())
        for f in FAMILIES:
            assert len(record(name).component(f.name)) == len(production(name).blocks[f.name])


def test_the_generated_case_has_stock_backlog_unmet_overtime_and_hiring():
    model = production("generated")
    for family in ("k", "b", "u", "o", "hire", "fire"):
        assert (model.columns[family] >= 0).any(), family
    used = solve(model, ranging=False)
    for family in ("k", "b", "o", "hire"):
        assert np.nansum(used.values[family]) > 1.0, family
    assert model.sets.period_count == 3


def test_the_margin_case_prices_the_revenue_forgone_in_both_models():
    """repairs: price 90, unmet_penalty 5, backlog_cost 20. Under margin u costs 5 + 90 = 95 in both
    periods, b[P1] 20 and b[P2] (left at the end: never served) 20 + 90 = 110; the record's
    forgone_revenue is 90 u[P1] + 90 u[P2] + 90 b[P2]."""
    model = production("tiny-margin")
    cost = model.numbers.cost
    assert cost[model.columns["u"][0]].tolist() == [95.0, 95.0]
    assert cost[model.columns["b"][0]].tolist() == [20.0, 110.0]
    lp = record("tiny-margin")
    terms = {
        (var.name, coef) for coef, var in zip(lp.forgone_revenue.expr.linear_coefs, lp.forgone_revenue.expr.linear_vars)
    }
    assert terms == {("u[repairs,P1]", 90.0), ("u[repairs,P2]", 90.0), ("b[repairs,P2]", 90.0)}


def test_lost_units_without_overflow_carry_the_penalty_and_the_price_in_both_models():
    """calls: unmet_penalty 7, price 30, objective margin. A call abandoned at the desk (no overflow)
    is unmet: its lost column costs 7 (the unmet category) + 30 (revenue forgone) = 37, as u does; the
    record's unmet cost is 7 u + 7 lost and its forgone_revenue 30 u + 30 lost."""
    model = production("lost-unmet")
    cost = model.numbers.cost
    assert cost[model.columns["lost"][0]].tolist() == [37.0]
    assert cost[model.columns["u"][0]].tolist() == [37.0]
    lp = record("lost-unmet")

    def terms(expr: pyo.Expression) -> set[tuple[str, float]]:
        return {(var.name, coef) for coef, var in zip(expr.expr.linear_coefs, expr.expr.linear_vars)}

    assert terms(lp.forgone_revenue) == {("u[calls,P1]", 30.0), ("lost[calls,desk,main,P1]", 30.0)}
    assert terms(lp.cost["unmet"]) == {("u[calls,P1]", 7.0), ("lost[calls,desk,main,P1]", 7.0)}


def test_the_contact_centre_tangents_are_at_a_plan_with_a_closed_lane():
    tangents = case("contact-centre").tangents
    assert tangents.closed.any() and not tangents.closed.all()
    assert (tangents.service_level_intercept != 0).any() and (tangents.lane_wait > 0).any()


def test_a_row_no_decision_can_satisfy_is_refused_by_both():
    # conftest's UNKEEPABLE_PROMISE: the 24 h response-time row holds only the fixed volume
    # (tests/test_optimise.py solves the same case).
    sets = index_sets(validate_data(*parse_yaml(UNKEEPABLE_PROMISE, "slow.yaml")))
    with pytest.raises(InfeasibleRow):
        build(sets)
    with pytest.raises(InfeasibleRow, match="holds the constant"):
        build_pyomo(sets)


# --- the same optimum -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CASES)
def test_the_compiled_pyomo_model_solves_to_the_production_optimum(name):
    c = case(name)
    compiled = to_linear_model(record(name), c.sets, c.tangents, c.integer_staff)
    expected = production(name)
    for family in expected.columns:  # found by label: the same grids
        assert np.array_equal(compiled.columns[family], expected.columns[family]), family
    for family in expected.blocks:
        assert np.array_equal(compiled.blocks[family].positions, expected.blocks[family].positions), family
    ours, theirs = solve(compiled, ranging=False), solve(expected, ranging=False)
    assert ours.status == theirs.status == "optimal"
    assert ours.objective == pytest.approx(theirs.objective, rel=1e-9)
    for family, values in theirs.values.items():
        np.testing.assert_allclose(ours.values[family], values, rtol=1e-9, atol=1e-9, err_msg=family)
    for family, found in theirs.rows.items():
        np.testing.assert_allclose(ours.rows[family].activity, found.activity, rtol=1e-9, atol=1e-9, err_msg=family)


# --- extensions, worked by hand on data/tiny.yaml -----------------------------------------------------


def solved_with(extension: object) -> tuple[IndexSets, pyo.ConcreteModel, LinearModel, Solution, np.ndarray]:
    """Tiny with the extension, compiled, loaded into a Solver and solved; HiGHS's column values."""
    sets = index_sets(load_scenario(TINY_FILE))
    lp = build_pyomo(sets)
    extend_pyomo(lp, sets, extension)
    model = to_linear_model(lp, sets)
    solver = Solver()
    solver.load(model)
    solution = solver.solve()
    assert solution.status == "optimal", solution.message
    return sets, lp, model, solution, np.asarray(solver.highs.getSolution().col_value)


def units_at(sets: IndexSets, solution: Solution, node: str) -> float:
    return float(np.nansum(solution.values["y"][sets.demand_modes.node.to_numpy() == node]))


def test_a_cap_on_the_vendor_sends_the_rest_to_the_team():
    # The quality target lets the vendor take 600 of the 1,000 repairs (README); the cap stops it at
    # 500 (50 + 2 EUR each) and the team does the other 500 at 1.5 h x 5,200 / 140 = 55.71 EUR each.
    sets, lp, model, solution, col_value = solved_with(vendor_at_most_500)
    assert solution.objective == pytest.approx(500 * (50 + 2) + 500 * IN_HOUSE, rel=1e-9)
    assert solution.objective == pytest.approx(53_857.14, abs=0.01)
    assert units_at(sets, solution, "vendor") == pytest.approx(500)
    assert units_at(sets, solution, "service_team") == pytest.approx(500)
    assert units_at(sets, solution, "call_centre") == pytest.approx(1000)
    # The extension's row is in the matrix, in no family; the families are the production LP's.
    assert model.num_row == production("tiny").num_row + 1
    assert {f: len(b) for f, b in model.blocks.items()} == {f: len(b) for f, b in production("tiny").blocks.items()}
    assert extension_costs(lp, model, col_value) == {}


def test_a_vendor_fee_makes_the_team_do_every_repair():
    # 10 EUR more makes the vendor 62 EUR a repair, dearer than the team's 55.71: the team does all 1,000.
    sets, lp, model, solution, col_value = solved_with(vendor_fee)
    assert solution.objective == pytest.approx(1000 * IN_HOUSE, rel=1e-9)
    assert solution.objective == pytest.approx(55_714.29, abs=0.01)
    assert units_at(sets, solution, "vendor") == pytest.approx(0, abs=1e-9)
    assert units_at(sets, solution, "service_team") == pytest.approx(1000)
    assert extension_costs(lp, model, col_value) == {"vendor_fee": pytest.approx(0, abs=1e-9)}
    # At the plan without the fee (600 repairs at the vendor) the fee would be 6,000 EUR.
    vendor = _key_tuples(sets, "demand_modes", ("demand", "node", "mode")).index(("repairs", "vendor", "vendor"))
    elsewhere = col_value.copy()
    elsewhere[model.columns["y"][vendor, 0]] = 600.0
    assert extension_costs(lp, model, elsewhere) == {"vendor_fee": pytest.approx(6000.0)}
    assert any(term is lp.extension_cost["vendor_fee"] for term in lp.objective.expr.args), "in the objective"


def test_a_cost_term_is_added_once():
    sets = index_sets(load_scenario(TINY_FILE))
    lp = build_pyomo(sets)
    extend_pyomo(lp, sets, vendor_fee)
    with pytest.raises(ValueError, match="vendor_fee"):
        extend_pyomo(lp, sets, vendor_fee)
    with pytest.raises(ValueError, match="labour"):
        extend_pyomo(
            lp,
            sets,
            lambda lp, parts: parts.add_cost("labour", 0 * parts.variables["s"]["service_team", "technician", "P1"]),
        )


# --- the LP writer ----------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".lp", ".mps"])
def test_the_written_model_reads_back_into_highs(tmp_path, suffix):
    # 600 repairs at the vendor (52 EUR) and 400 at the team (55.71 EUR): 53,485.71 EUR (README).
    path = tmp_path / f"tiny{suffix}"
    write_lp(record("tiny"), path)
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    assert highs.readModel(str(path)) == highspy.HighsStatus.kOk
    highs.run()
    assert highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    assert highs.getInfo().objective_function_value == pytest.approx(600 * 52 + 400 * IN_HOUSE, rel=1e-9)
    assert highs.getInfo().objective_function_value == pytest.approx(53_485.71, abs=0.01)
    if suffix == ".lp":
        text = path.read_text(encoding="utf-8")
        assert any("service_team" in name for name in highs.getLp().col_names_), "readable variable names"
        assert "pass_through" in text and "quality_target" in text


def test_the_writer_refuses_other_suffixes(tmp_path):
    with pytest.raises(ValueError, match=r"\.lp or \.mps"):
        write_lp(record("tiny"), tmp_path / "tiny.txt")


def test_a_write_that_fails_leaves_the_earlier_file_as_it_was_and_no_part_of_the_new(tmp_path, monkeypatch):
    path = tmp_path / "tiny.lp"
    path.write_text("the earlier LP\n")
    lp = record("tiny")

    def full_disk(filename, **options):
        with open(filename, "w") as partial:
            partial.write("\\* half an LP")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(lp, "write", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_lp(lp, path)
    assert path.read_text() == "the earlier LP\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.lp"]


def test_a_write_replaces_the_earlier_file_with_the_usual_permissions(tmp_path):
    path, fresh = tmp_path / "tiny.lp", tmp_path / "fresh.txt"
    path.write_text("the earlier LP\n")
    fresh.write_text("made as any new file is\n")
    write_lp(record("tiny"), path)
    assert "quality_target" in path.read_text(encoding="utf-8")
    assert path.stat().st_mode & 0o777 == fresh.stat().st_mode & 0o777
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.txt", "tiny.lp"]
