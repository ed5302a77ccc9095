"""The numerics check (model/lp/numerics.py): spans worked out by hand on data/tiny.yaml, a warning
naming the fields behind a span above 1e9, given before HiGHS runs and kept in the run's notes.

data/tiny.yaml's LP, by hand (docs/model.md, constraints):
- matrix: labour_capacity has hours_per_unit 1.5 on y and max_utilisation x hours_per_fte = 1 x 140
  on s; quality_target has 1 - 0.98 = 0.02 (service team), 1 - 0.93 = 0.07 (vendor) and
  1 - 0.95 = 0.05 (on the volume); response_time_target has the times 2 + 6 = 8, 30 and the lead
  time 4, and -24 (the target) on the volume; the balances have 1 and -1.
  Largest 140, smallest 0.02: span 7,000.
- costs: 5,200 per technician FTE, 50 per vendor unit, 2 per unit over the vendor arc: 5,200 / 2 = 2,600.
- bounds and right-hand sides: the volume 1,000 (v fixed) and the vendor's capacity 800: 1.25.
"""

from __future__ import annotations

import json

import pytest
from conftest import DATA, TINY_FILE, e2eopt, only_folder, scenario_from_text

from model.lp import build
from model.lp.numerics import SPAN_LIMIT, numerics_warnings, spans
from model.network import index_sets
from model.optimise import optimise


def lp_of(text: str):
    return build(index_sets(scenario_from_text(text)))


def by_kind(text: str, above: float = 0.0) -> dict:
    return {span.what: span for span in spans(lp_of(text), above=above)}


def test_tiny_spans_are_the_hand_worked_ones():
    found = by_kind(TINY_FILE.read_text())
    matrix, costs, bounds = found["matrix coefficients"], found["costs"], found["bounds and right-hand sides"]
    assert matrix.largest.value == pytest.approx(140.0)
    assert matrix.smallest.value == pytest.approx(0.02)
    assert matrix.ratio == pytest.approx(7000.0)
    assert (costs.largest.value, costs.smallest.value) == (5200.0, 2.0)
    assert (bounds.largest.value, bounds.smallest.value) == (1000.0, 800.0)
    assert matrix.largest.source == "nodes.service_team.max_utilisation x roles.technician.hours_per_fte"
    assert matrix.smallest.source == "1 - nodes.service_team.work.technician.quality"
    assert costs.largest.source == "roles.technician.cost_per_fte"
    assert costs.smallest.source == "the cost of arc call_centre->vendor"
    assert bounds.largest.source == "demands.repairs.volume" and bounds.smallest.source == "nodes.vendor.capacity"
    assert numerics_warnings(lp_of(TINY_FILE.read_text())) == []


WIDE = (
    TINY_FILE.read_text()
    .replace("hours_per_unit: 1.5", "hours_per_unit: 1e-6")
    .replace("hours_per_fte: 140", "hours_per_fte: 1e6")
)
"""Each figure plausible, together 1e6 / 1e-6 = 1e12 in the labour-capacity row (the rest as in tiny)."""


def test_a_matrix_span_above_1e9_warns_naming_both_fields_with_values_and_units():
    [warning] = numerics_warnings(lp_of(WIDE))
    assert warning.startswith("the LP's matrix coefficients span 1.0e+12")
    assert (
        "largest nodes.service_team.max_utilisation x roles.technician.hours_per_fte = 1e+06 hours per FTE" in warning
    )
    assert "smallest nodes.service_team.work.technician.hours_per_unit = 1e-06 hours per unit" in warning
    assert "row labour_capacity node=service_team role=technician P1" in warning
    assert "the solve goes on" in warning


def test_costs_and_bounds_are_checked_apart_from_the_matrix():
    # costs: 5,200 / 1e-6 (the vendor arc) = 5.2e9; bounds: the volume 1e9 / the capacity 0.5 = 2e9.
    text = (
        TINY_FILE.read_text()
        .replace("cost: 2,", "cost: 0.000001,")
        .replace("volume: 1000", "volume: 1e9")
        .replace("capacity: 800", "capacity: 0.5")
    )
    found = by_kind(text, above=SPAN_LIMIT)
    assert set(found) == {"costs", "bounds and right-hand sides"}
    assert found["costs"].ratio == pytest.approx(5.2e9)
    assert str(found["costs"].smallest).startswith("the cost of arc call_centre->vendor = 1e-06 currency per unit")
    assert found["bounds and right-hand sides"].ratio == pytest.approx(2e9)
    assert str(found["bounds and right-hand sides"].largest).startswith("demands.repairs.volume = 1e+09 units")
    assert str(found["bounds and right-hand sides"].smallest).startswith("nodes.vendor.capacity = 0.5 units")


def test_just_below_the_limit_no_warning():
    # 1e6 / 1.0001e-3 < 1e9: within; the same with 9.99e-4 is above.
    within = WIDE.replace("hours_per_unit: 1e-6", "hours_per_unit: 1.0001e-3")
    above = WIDE.replace("hours_per_unit: 1e-6", "hours_per_unit: 9.99e-4")
    assert numerics_warnings(lp_of(within)) == []
    assert len(numerics_warnings(lp_of(above))) == 1


def test_the_warning_comes_before_the_solve_and_stays_in_the_notes(monkeypatch):
    from model.solve import Solver

    events: list[str] = []
    solve = Solver.solve

    def recorded(self, *args, **kwargs):
        events.append("solve")
        return solve(self, *args, **kwargs)

    monkeypatch.setattr(Solver, "solve", recorded)
    outcome = optimise(scenario_from_text(WIDE), warn=lambda text: events.append("warning"))
    assert events == ["warning", "solve"]
    assert outcome.status == "optimal"  # a warning, not a refusal
    assert outcome.notes[0].startswith("the LP's matrix coefficients span 1.0e+12")


@pytest.mark.parametrize("path", sorted(DATA.glob("*.yaml")), ids=lambda p: p.name)
def test_the_shipped_scenarios_give_no_warning(path):
    from model.scenario import load_scenario

    assert numerics_warnings(build(index_sets(load_scenario(path)))) == []


def test_the_command_line_prints_it_on_stderr_and_in_summary_json(tmp_path):
    (tmp_path / "wide.yaml").write_text(WIDE)
    result = e2eopt("solve", "wide.yaml", "--out", "runs", "--no-sensitivity", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Warning: the LP's matrix coefficients span 1.0e+12" in result.stderr
    assert "Status: optimal" in result.stdout
    summary = json.loads((only_folder(tmp_path / "runs") / "summary.json").read_text())
    assert any(note.startswith("the LP's matrix coefficients span 1.0e+12") for note in summary["notes"])


def test_an_lp_compiled_from_an_extended_pyomo_model_is_checked_too():
    def nothing_added(lp, parts) -> None:
        """An extension that adds nothing: the LP goes through Pyomo, and is the same LP."""

    outcome = optimise(scenario_from_text(WIDE), sensitivity=False, extend=nothing_added)
    assert outcome.solver["lp"] != "built"  # through the Pyomo model of record
    assert (
        len(outcome.notes) == 1
        and "smallest nodes.service_team.work.technician.hours_per_unit = 1e-06" in (outcome.notes[0])
    )
