"""What a run under `objective: margin` says when it serves nothing, and the notes `validate` shares
with `solve` (issue 16's second trial: part 1 finding 11, part 2 finding 10).

CLOSED: demand `a` (60 units at 40 EUR) may go to the plant only, which is `open: never`: no plan
serves it, the margin is 0 and 60 x 40 = 2,400 EUR of revenue is forgone.
"""

from __future__ import annotations

import textwrap

import pytest
from conftest import e2eopt, scenario_from_text, varied

from model.optimise import optimise
from model.scenario.overrides import parse_assignment
from model.validity import NO_PRICE_NOTE

CLOSED = """\
scenario: {name: closed, currency: EUR, period_length: 730, objective: margin}
stages: [sales, make]
nodes:
  shop: {stage: sales}
  plant: {stage: make, unit_cost: 10, open: never}
arcs: [{from: shop, to: plant}]
demands:
  a: {origin: shop, sinks: [plant], volume: 60, price: 40}
"""

UNSERVED = (
    "every demand was left unserved: the plan serves none of its 1 demand with a price (2,400.00 EUR of revenue "
    "forgone), as serving costs more than it brings or no route is open"
)


def test_a_plan_that_serves_nothing_says_so_and_names_the_closed_sink():
    outcome = optimise(scenario_from_text(CLOSED), sensitivity=False)
    assert outcome.status == "optimal" and outcome.profit["margin"] == pytest.approx(0.0)
    assert outcome.notes == ["demand a's sink plant is open: never, so none of it can be served", UNSERVED]


def test_a_price_below_the_cost_drops_everything_with_the_note_alone():
    # plant open, but a unit costs 10 EUR and brings 5 EUR: dropped, 60 x 5 = 300 EUR forgone
    outcome = optimise(scenario_from_text(varied(CLOSED, (", open: never", ""), ("price: 40", "price: 5"))))
    assert outcome.notes == [UNSERVED.replace("2,400.00", "300.00")]


def test_a_plan_that_serves_something_has_no_such_note():
    # price 40 above the cost 10: all 60 served, margin 60 x (40 - 10) = 1,800 EUR
    outcome = optimise(scenario_from_text(varied(CLOSED, (", open: never", ""))), sensitivity=False)
    assert outcome.profit["margin"] == pytest.approx(1800.0) and outcome.notes == []


def test_an_equals_sign_before_a_word_sets_the_word():
    assert parse_assignment("nodes.plant.open==never") == parse_assignment("nodes.plant.open=never")


def test_validate_prints_the_notes_solve_starts_with(tmp_path):
    text = varied(CLOSED, (", open: never", ""), ("price: 40", "label: x"))  # no price under margin
    (tmp_path / "noprice.yaml").write_text(textwrap.dedent(text.replace(", label: x", "")), encoding="utf-8")
    (tmp_path / "closed.yaml").write_text(CLOSED, encoding="utf-8")
    result = e2eopt("validate", "noprice.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == f"Note: {NO_PRICE_NOTE}"
    result = e2eopt("validate", "closed.yaml", cwd=tmp_path)
    assert result.stdout.splitlines()[-1] == "Note: demand a's sink plant is open: never, so none of it can be served"
