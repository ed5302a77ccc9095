"""Properties of the optimum on random valid scenarios (tests/properties/property_scenarios.py).

- Every random valid scenario either solves optimal, and its solution passes the independent check
  (model/check.py, run inside every solve) and the invariants recomputed from the result tables alone
  (tests/lp/helpers.py's check_invariants: a second method), or is reported infeasible with a diagnosis
  whose relaxations, applied, make it feasible.
- The optimum does not change when stages, roles, nodes and demands are renamed, nor when the entries
  of every mapping and of every list without meaningful order are reordered.
- Scaling every money field of the schema by k scales the optimum by k (and the list of money fields
  is checked against the schema, so a new one fails here until it is added).
- A capacity or a staff maximum that does not bind (twice what the optimum uses, plus one) changes
  nothing.

Derandomized, with bounded examples, so CI is reproducible and quick; the counts are printed
(`pytest -s`) and a floor on them keeps the tests from passing vacuously.
"""

from __future__ import annotations

import copy
import math
import sys
from collections import Counter

import pytest
from conftest import ROOT, scenario_from_data
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from property_scenarios import rename, reorder, scale_money, scenarios, schema_money_fields

from model.optimise import Outcome, optimise
from model.scenario.schema import Scenario

sys.path.insert(0, str(ROOT / "tests" / "lp"))  # tests/lp/helpers.py: the invariants from the tables
from helpers import check_invariants


def bounded(examples: int) -> settings:
    """Hypothesis settings for CI: `examples` derandomized examples, no deadline, no example database,
    and no shrinking (a solve per step made it take minutes; the failing example is printed whole)."""
    return settings(
        max_examples=examples,
        phases=(Phase.explicit, Phase.generate),
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


REL = 1e-6
COUNTS: Counter[str] = Counter()
"""What the properties saw, printed at the end of the module: solved, infeasible, compared."""


@pytest.fixture(scope="module", autouse=True)
def _report_counts():
    yield
    print(f"\nproperty counts: {dict(sorted(COUNTS.items()))}")


def solved(data: dict, sensitivity: bool = False) -> tuple[Scenario, Outcome]:
    """The scenario validated as a file would be, and its outcome."""
    scenario = scenario_from_data(data)
    return scenario, optimise(scenario, sensitivity=sensitivity)


def same_optimum(first: Outcome, second: Outcome, factor: float = 1.0) -> None:
    """Both outcomes have the same status, and optimal ones objectives that differ by `factor` (rel 1e-6)."""
    assert first.status == second.status, f"{first.status} ({first.message}) but {second.status} ({second.message})"
    if first.status == "optimal":
        assert first.objective is not None and second.objective is not None
        expected = first.objective * factor
        assert math.isclose(second.objective, expected, rel_tol=REL, abs_tol=1e-6), (
            f"{second.objective} but expected {expected} ({first.objective} x {factor})"
        )


# --- 1. solved and checked, or infeasible and diagnosed -----------------------------------------------


@bounded(40)
@given(scenarios(queues=True, integer=True))
def test_random_scenario_solves_checked_or_is_diagnosed(data: dict):
    scenario, outcome = solved(data, sensitivity=True)
    assert outcome.status in ("optimal", "infeasible"), f"{outcome.status}: {outcome.message} {outcome.violations}"
    if outcome.status == "optimal":
        COUNTS["solved optimal"] += 1
        assert outcome.violations == []
        check_invariants(outcome, scenario, integer_staff=scenario.solver.integer_staff)
        assert "sensitivity" in outcome.tables
        return
    COUNTS["infeasible, diagnosed"] += 1
    diagnosis = outcome.diagnosis
    assert diagnosis is not None and len(diagnosis) > 0, "an infeasible outcome without a diagnosis"
    assert diagnosis.sentence.str.len().gt(0).all(), diagnosis
    assert set(diagnosis.kind) <= {"relaxation", "conflict"}, diagnosis
    assert_relaxation_works(data, diagnosis)


def assert_relaxation_works(data: dict, diagnosis) -> None:
    """The scenario with every relaxation of the diagnosis applied (each field at its loosest value over
    the periods, nudged outward by 1e-6 as the printed figures are rounded outward) solves optimal: the
    elastic solve's plan meets them all at once.

    Only relaxations of targets, capacities and staff maxima, without queues, are applied; a diagnosis
    that also leaves volume unserved or relaxes the end of the horizon is counted, not re-applied."""
    if any("queue" in node for node in data["nodes"].values()):
        # The diagnosis of a queued scenario relaxes the LP of the tangent iteration that failed; the
        # iterations re-run from the start with the relaxed figures may take other tangents.
        COUNTS["infeasible, diagnosis not re-applied"] += 1
        return
    relaxations = diagnosis[diagnosis.kind == "relaxation"]
    settable = ("min_quality", "max_response_time", "capacity", "max")
    if relaxations.empty or not all(str(field).endswith(settable) for field in relaxations.field):
        COUNTS["infeasible, diagnosis not re-applied"] += 1
        return
    loosest: dict[str, float] = {}
    for field, value in zip(relaxations.field, relaxations.relaxed_to):
        pick = min if field.endswith("min_quality") else max
        loosest[field] = pick(loosest.get(field, value), value)
    relaxed = copy.deepcopy(data)
    for field, value in loosest.items():
        nudged = value - 1e-6 if field.endswith("min_quality") else value + 1e-6 * (1 + abs(value))
        if field.endswith("min_quality") and nudged <= 0:
            COUNTS["infeasible, diagnosis not re-applied"] += 1
            return  # no quality target at all: the field would be removed, not set
        set_field(relaxed, field, nudged)
    outcome = optimise(scenario_from_data(relaxed), sensitivity=False)
    assert outcome.status == "optimal", f"the diagnosis' relaxations {loosest} give {outcome.status}: {outcome.message}"
    COUNTS["infeasible, diagnosis re-applied: optimal"] += 1


def set_field(data: dict, field: str, value: float) -> None:
    """Set a diagnosis' field path (`demands.d.min_quality`, `arcs[3].capacity`) in plain data."""
    parts: list = [int(p) if p.isdigit() else p for p in field.replace("[", ".").replace("]", "").split(".")]
    here = data
    for part in parts[:-1]:
        here = here[part]
    here[parts[-1]] = value


def test_nothing_to_serve_costs_nothing():
    # Every volume 0 and no staff bound: nothing is done, nothing is paid (the tables are empty), and
    # the invariants hold (they once compared an empty table's NaN maximum, which no check passes).
    data = {
        "scenario": {"name": "idle", "currency": "EUR", "period_length": 730},
        "stages": ["in", "out"],
        "roles": {"r": {"cost_per_fte": 2000, "hours_per_fte": 120}},
        "nodes": {"desk": {"stage": "in"}, "team": {"stage": "out", "work": {"r": {"hours_per_unit": 0.5}}}},
        "arcs": [{"from": "desk", "to": "team"}],
        "demands": {"d": {"origin": "desk", "sinks": ["team"], "volume": 0}},
    }
    scenario, outcome = solved(data)
    assert outcome.status == "optimal" and outcome.objective == pytest.approx(0.0, abs=1e-9)
    assert outcome.tables["costs"].empty
    check_invariants(outcome, scenario)


def test_an_unused_queue_costs_nothing():
    # A queued team no arc leads to: the 10 units go to the vendor at 60.70 EUR, 607.00 EUR in all, and
    # the unused lane's empty routing passes the invariants (an empty table's NaN maximum once failed them).
    data = {
        "scenario": {"name": "unused", "currency": "EUR", "period_length": 730},
        "stages": ["in", "out"],
        "roles": {"r": {"cost_per_fte": 2000, "hours_per_fte": 120}},
        "nodes": {
            "desk": {"stage": "in"},
            "vendor": {"stage": "out", "unit_cost": 60.7},
            "team": {"stage": "out", "work": {"r": {"hours_per_unit": 0.05}},
                     "queue": {"open_hours": 268, "target": {"average_wait": 0.3}}},
        },
        "arcs": [{"from": "desk", "to": "vendor"}],
        "demands": {"d": {"origin": "desk", "sinks": ["vendor"], "volume": 10}},
    }  # fmt: skip
    scenario, outcome = solved(data)
    assert outcome.status == "optimal" and outcome.objective == pytest.approx(10 * 60.7, rel=1e-9)
    assert outcome.tables["queue_routing"].empty
    check_invariants(outcome, scenario)


# --- 2. invariances ---------------------------------------------------------------------------------------

NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-é ", min_size=1, max_size=9)


@bounded(15)
@given(scenarios(), st.lists(NAME, min_size=40, max_size=40, unique=True))
def test_optimum_invariant_under_renaming(data: dict, fresh: list[str]):
    old_names = [
        (k, n)
        for k, key in (("stage", "stages"), ("role", "roles"), ("node", "nodes"), ("demand", "demands"))
        for n in data[key]
    ]
    mapping = {old: fresh[i] for i, old in enumerate(old_names)}
    renamed = rename(data, lambda kind, old: mapping[kind, old])
    assert set(renamed["nodes"]).isdisjoint(data["nodes"])  # the test renames for real
    _, first = solved(data)
    _, second = solved(renamed)
    same_optimum(first, second)
    COUNTS["renamed, compared"] += 1


@bounded(15)
@given(scenarios(), st.randoms(use_true_random=False))
def test_optimum_invariant_under_reordering(data: dict, rng):
    shuffled = reorder(data, rng)
    _, first = solved(data)
    _, second = solved(shuffled)
    same_optimum(first, second)
    COUNTS["reordered, compared"] += 1


MONEY_FIELDS = {
    "Role.cost_per_fte",
    "Role.hire_cost",
    "Role.layoff_cost",
    "Overtime.cost_per_hour",
    "Work.unit_cost",
    "Node.unit_cost",
    "Node.fixed_cost",
    "CapacityLevel.cost",
    "Rework.cost",
    "Stock.holding_cost",
    "Arc.cost",
    "Demand.backlog_cost",
    "Demand.unmet_penalty",
    "Demand.price",
    "Shift.cost",
}
"""Every money field of the scenario schema (model/scenario/schema.py), written out."""


def test_money_fields_are_every_money_field_of_the_schema():
    # A new money field must be scaled by the test below: add it to MONEY_FIELDS.
    assert schema_money_fields() == MONEY_FIELDS


def test_scale_money_reaches_every_money_field():
    # Scaled by 10: every money figure it gives, and nothing else, is 10 times what it was.
    data = {
        "roles": {"r": {"cost_per_fte": 1, "hours_per_fte": 2, "hire_cost": 3, "layoff_cost": 4,
                        "overtime": {"max_hours_per_fte": 5, "cost_per_hour": 6}}},
        "nodes": {"n": {"stage": "s", "unit_cost": 7, "capacity": 8,
                        "work": {"r": {"hours_per_unit": 9, "unit_cost": 10}},
                        "stock": {"holding_cost": 11, "initial": 12}},
                  "m": {"stage": "s", "open": "decide", "fixed_cost": 22, "quality": 0.5,
                        "rework": {"to": "same", "cost": 23, "time": 24},
                        "capacity_levels": [{"capacity": 25, "cost": 26}]}},
        "arcs": [{"from": "n", "to": "n", "cost": 13, "lead_time": 14}],
        "demands": {"d": {"origin": "n", "sinks": ["n"], "volume": [15, 16], "backlog_cost": 17,
                          "unmet_penalty": 18, "price": 19, "max_response_time": 20}},
        "scenario": {"name": "x", "currency": "EUR", "period_length": 21},
    }  # fmt: skip
    scaled = scale_money(data, 10, MONEY_FIELDS)
    assert scaled == {
        "roles": {"r": {"cost_per_fte": 10, "hours_per_fte": 2, "hire_cost": 30, "layoff_cost": 40,
                        "overtime": {"max_hours_per_fte": 5, "cost_per_hour": 60}}},
        "nodes": {"n": {"stage": "s", "unit_cost": 70, "capacity": 8,
                        "work": {"r": {"hours_per_unit": 9, "unit_cost": 100}},
                        "stock": {"holding_cost": 110, "initial": 12}},
                  "m": {"stage": "s", "open": "decide", "fixed_cost": 220, "quality": 0.5,
                        "rework": {"to": "same", "cost": 230, "time": 24},
                        "capacity_levels": [{"capacity": 25, "cost": 260}]}},
        "arcs": [{"from": "n", "to": "n", "cost": 130, "lead_time": 14}],
        "demands": {"d": {"origin": "n", "sinks": ["n"], "volume": [15, 16], "backlog_cost": 170,
                          "unmet_penalty": 180, "price": 190, "max_response_time": 20}},
        "scenario": {"name": "x", "currency": "EUR", "period_length": 21},
    }  # fmt: skip


@bounded(15)
@given(scenarios(), st.sampled_from([0.01, 0.37, 3.0, 12.5, 100.0]))
def test_scaling_every_cost_scales_the_optimum(data: dict, factor: float):
    _, first = solved(data)
    _, second = solved(scale_money(data, factor, MONEY_FIELDS))
    same_optimum(first, second, factor)
    COUNTS["costs scaled, compared"] += 1


@bounded(15)
@given(scenarios(), st.integers(0, 10_000), st.sampled_from(["arc", "node", "staff"]))
def test_a_capacity_that_does_not_bind_changes_nothing(data: dict, pick: int, kind: str):
    _, first = solved(data)
    if first.status != "optimal":
        COUNTS["capacity: base not optimal, skipped"] += 1
        return
    capped = add_loose_bound(data, first, kind, pick)
    if capped is None:
        COUNTS[f"capacity: no {kind} to cap"] += 1
        return
    _, second = solved(capped)
    same_optimum(first, second)
    COUNTS[f"loose {kind} bound added, compared"] += 1


def add_loose_bound(data: dict, outcome: Outcome, kind: str, pick: int) -> dict | None:
    """A copy of the data with one bound set at twice what the optimum uses, plus one: an arc's or a
    node's capacity (units per period), or a staff maximum (FTE, at least the initial staff)."""
    out = copy.deepcopy(data)
    if kind == "arc":
        free = [arc for arc in out["arcs"] if "capacity" not in arc]
        if not free:
            return None
        arc = free[pick % len(free)]
        flows = outcome.tables["flows"]
        used = flows[flows.arc == f"{arc['from']}->{arc['to']}"].groupby("period").units.sum()
        arc["capacity"] = 2 * float(used.max() if len(used) else 0.0) + 1
        return out
    if kind == "node":
        free = [name for name, node in out["nodes"].items() if "capacity" not in node]
        if not free:
            return None
        name = free[pick % len(free)]
        work = outcome.tables["work"]
        used = work[work.node == name].groupby("period").units.sum()
        out["nodes"][name]["capacity"] = 2 * float(used.max() if len(used) else 0.0) + 1
        return out
    staffed = [(n, r) for n, node in out["nodes"].items() for r in node.get("work", {})]
    free = [(n, r) for n, r in staffed if "max" not in out["nodes"][n].get("staff", {}).get(r, {})]
    if not free:
        return None
    name, role = free[pick % len(free)]
    staffing = outcome.tables["staffing"]
    fte = float(staffing[(staffing.node == name) & (staffing.role == role)].fte.max())
    bounds = out["nodes"][name].setdefault("staff", {}).setdefault(role, {})
    bounds["max"] = max(2 * fte + 1, bounds.get("initial", 0))
    return out


def test_the_properties_were_not_vacuous():
    # Runs after the properties above (pytest keeps a module's order): each must have compared enough
    # optima for its verdict to mean something. Skipped when they were not run (-k).
    families = {
        "solved optimal": 10,
        "infeasible, diagnosed": 3,
        "infeasible, diagnosis re-applied: optimal": 1,
        "renamed, compared": 10,
        "reordered, compared": 10,
        "costs scaled, compared": 10,
    }
    if not COUNTS:
        pytest.skip("the property tests of this module did not run")
    ran = {name for name in COUNTS if not name.startswith("capacity")}
    short = {name: COUNTS[name] for name, least in families.items() if name in ran and COUNTS[name] < least}
    assert not short, f"too few examples: {short} (all: {dict(COUNTS)})"
    loose = sum(n for name, n in COUNTS.items() if name.startswith("loose"))
    assert loose >= 5 or not any(name.startswith(("loose", "capacity")) for name in COUNTS), dict(COUNTS)
