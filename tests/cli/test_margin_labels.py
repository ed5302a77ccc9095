"""Under `objective: margin` the LP's figure is cost + revenue forgone, not a cost: what is printed
and written says so (issue 16 trial, findings 2, 11 and 18).

The MILP case, worked by hand: a plant that must be opened (fixed 100 EUR) makes a unit for 10 EUR;
demand `a` (60 units at 40 EUR) may use it, demand `b` (50 units at 30 EUR) only the co-packer at
50 EUR a unit, which loses 20 EUR a unit, so `b` is dropped. The plan opens the plant and serves `a`:
    total cost 100 + 60 x 10 = 700 EUR, revenue 60 x 40 = 2,400 EUR, margin 2,400 - 700 = 1,700 EUR;
    revenue forgone 50 x 30 = 1,500 EUR, so the LP's objective is 700 + 1,500 = 2,200 EUR;
    revenue at full service 2,400 + 1,500 = 3,900 EUR; at gap 0 HiGHS's bound is the objective, and
    no plan earns a margin above 3,900 - 2,200 = 1,700 EUR (the margin found).
"""

from __future__ import annotations

import json
import textwrap

import pytest
from conftest import e2eopt, only_folder, scenario_from_text

from model.optimise import optimise
from model.outcome import NO_PRICE_NOTE

MILP_MARGIN = """\
    scenario: {name: opened, currency: EUR, time_unit: hour, period_length: 730, objective: margin}
    stages: [sales, make]
    nodes:
      shop: {stage: sales}
      plant: {stage: make, unit_cost: 10, capacity: 100, open: decide, fixed_cost: 100}
      copacker: {stage: make, unit_cost: 50}
    arcs: [{from: shop, to: plant}, {from: shop, to: copacker}]
    demands:
      a: {origin: shop, sinks: [plant, copacker], volume: 60, price: 40}
      b: {origin: shop, sinks: [copacker], volume: 50, price: 30}
"""

NO_PRICE = """\
    scenario: {name: noprice, currency: USD, time_unit: day, period_length: 30, objective: margin}
    stages: [sales, make]
    nodes:
      web: {stage: sales}
      mill: {stage: make, unit_cost: 20, capacity: 150}
      outsourcer: {stage: make, unit_cost: 70}
    arcs: [{from: web, to: mill}, {from: web, to: outsourcer, cost: 5}]
    demands:
      pro: {origin: web, sinks: [mill, outsourcer], volume: 100}
      hobby: {origin: web, sinks: [mill, outsourcer], volume: 120}
"""


@pytest.fixture(scope="module")
def milp_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("margin")
    (work / "opened.yaml").write_text(textwrap.dedent(MILP_MARGIN), encoding="utf-8")
    result = e2eopt("solve", "opened.yaml", "--out", "runs", cwd=work)
    return result, only_folder(work / "runs")


def test_a_milps_bound_under_margin_is_given_as_a_margin(milp_run):
    result, folder = milp_run
    assert result.returncode == 0, result.stdout + result.stderr
    text = " ".join(result.stdout.split())
    assert "Total cost: 700.00 EUR" in text
    assert (
        "MILP: gap 0.00%, HiGHS's bound: no plan earns a margin above 1,700.00 EUR (3,900.00 EUR of revenue at "
        "full service - the bound 2,200.00 EUR on cost + revenue forgone)"
    ) in text
    assert "no plan costs less" not in text
    profit = json.loads((folder / "summary.json").read_text())["profit"]
    assert profit["revenue_at_full_service"] == pytest.approx(3900.0, abs=1e-6)
    assert profit["margin_bound"] == pytest.approx(1700.0, abs=1e-6)


def test_margin_without_a_price_is_noted_and_the_sensitivity_speaks_of_cost(tmp_path):
    outcome = optimise(scenario_from_text(NO_PRICE))
    assert outcome.notes == [NO_PRICE_NOTE]
    assert NO_PRICE_NOTE == "objective: margin but no demand has a price: the same plan as objective: cost"
    sentences = outcome.tables["sensitivity"].sentence.tolist()
    # mill's 150 units go first; the 70 more go to the outsourcer at 70 + 5 = 75 USD a unit, and a unit
    # of mill's capacity would save 75 - 20 = 55 USD.
    assert "One more unit of pro in P1 costs 75.00 USD (holds from 30 units upwards)." in sentences
    assert any(s.startswith("One more unit of capacity at mill in P1 would save 55.00 USD") for s in sentences)
    assert not any("margin" in s for s in sentences)
    (tmp_path / "noprice.yaml").write_text(textwrap.dedent(NO_PRICE), encoding="utf-8")
    result = e2eopt("solve", "noprice.yaml", "--out", "runs", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Note: {NO_PRICE_NOTE}" in result.stdout
    summary = json.loads((only_folder(tmp_path / "runs") / "summary.json").read_text())
    assert summary["notes"] == [NO_PRICE_NOTE]
