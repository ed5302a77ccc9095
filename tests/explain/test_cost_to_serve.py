"""Cost-to-serve allocations and transfer prices, worked out by hand; the table reconciles to the total."""

from __future__ import annotations

import textwrap

import pytest
from conftest import TINY_FILE, scenario_from_text

from model.generate import Size, generate, write_scenario
from model.optimise import optimise
from model.scenario import load_scenario


def solve(text: str):
    outcome = optimise(scenario_from_text(text))
    assert outcome.status == "optimal", outcome.message
    return outcome


def rows_of(outcome):
    return outcome.tables["cost_to_serve"].set_index(["demand", "period"])


SHIFTS = """
    scenario: {name: shifts, currency: EUR, period_length: 730, periods: 2}
    stages: [a, b]
    roles:
      agent: {cost_per_fte: 1000, hours_per_fte: 100, hire_cost: 50}
    nodes:
      desk: {stage: a}
      team:
        stage: b
        work: {agent: {hours_per_unit: 1}}
        staff: {agent: {initial: 2, min: 2}}
    arcs:
      - {from: desk, to: team}
    demands:
      early: {origin: desk, sinks: [team], volume: [100, 0], price: 30}
      late: {origin: desk, sinks: [team], volume: [0, 300]}
"""


def test_hiring_and_idle_staff_are_shared_by_use_over_the_horizon():
    # team starts at its minimum of 2 FTE. P1: 100 h of work for `early`, 200 h paid: labour 1,000 and
    # idle 1,000 EUR, both `early`'s. P2: 300 h for `late` need 3 FTE: hire 1 (50 EUR), 3,000 labour,
    # all `late`'s. Over the horizon early used 100 h and late 300 h of the team, so the hire is shared
    # 1:3: 12.5 and 37.5 EUR. Total 2,000 + 3,000 + 50 = 5,050 EUR.
    outcome = solve(SHIFTS)
    assert outcome.objective == pytest.approx(5050)
    rows = rows_of(outcome)
    assert rows.loc[("early", "P1"), ["labour", "idle", "hiring"]].tolist() == pytest.approx([1000, 1000, 0])
    assert rows.loc[("late", "P1"), "cost_to_serve"] == pytest.approx(0)
    assert rows.loc[("early", "P2"), ["labour", "hiring"]].tolist() == pytest.approx([0, 12.5])
    assert rows.loc[("late", "P2"), ["labour", "idle", "hiring"]].tolist() == pytest.approx([3000, 0, 37.5])
    assert rows.loc[("(unallocated)", "P1"), "cost_to_serve"] == pytest.approx(0)
    # price 30 x 100 served = 3,000 revenue against 1,000 + 1,000 cost in P1
    assert rows.loc[("early", "P1"), ["revenue", "margin"]].tolist() == pytest.approx([3000, 1000])


def test_idle_staff_in_a_period_nobody_worked_goes_to_those_who_used_the_team():
    # Swap the volumes of P2: nobody works in P2, yet the minimum keeps 2 FTE paid (2,000 EUR idle).
    # Only `early` ever used the team (100 h in P1), so P2's idle cost is all its own.
    outcome = solve(SHIFTS.replace("volume: [0, 300]", "volume: [0, 0]"))
    rows = rows_of(outcome)
    assert rows.loc[("early", "P2"), "idle"] == pytest.approx(2000)
    assert rows.loc[("late", "P2"), "cost_to_serve"] == pytest.approx(0)


def test_staff_no_demand_ever_used_stays_unallocated():
    spare = "  spare:\n    stage: b\n    work: {agent: {hours_per_unit: 1}}\n    staff: {agent: {min: 1}}\n"
    outcome = solve(textwrap.dedent(SHIFTS).replace("arcs:", spare + "arcs:"))
    assert outcome.unallocated_cost == pytest.approx(2 * 1000)  # 1 FTE x 1,000 EUR x 2 periods
    rows = rows_of(outcome)
    assert rows.loc[("(unallocated)", "P1"), "idle"] == pytest.approx(1000)


def test_a_role_nobody_used_at_a_used_node_goes_to_the_nodes_demands():
    # A second role at team, held at 1 FTE (2,000 EUR a month) but with 100 EUR of materials a unit
    # never worth using: its 4,000 EUR go to team's demands by their hours at the node over the
    # horizon (early 100 h : late 300 h), 500 : 1,500 a month, not to unallocated. 5,050 + 4,000.
    text = textwrap.dedent(SHIFTS).replace("roles:\n", "roles:\n  senior: {cost_per_fte: 2000, hours_per_fte: 100}\n")
    text = text.replace(
        "work: {agent: {hours_per_unit: 1}}",
        "work: {agent: {hours_per_unit: 1}, senior: {hours_per_unit: 1, unit_cost: 100}}",
    )
    text = text.replace(
        "staff: {agent: {initial: 2, min: 2}}", "staff: {agent: {initial: 2, min: 2}, senior: {min: 1}}"
    )
    outcome = solve(text)
    assert outcome.objective == pytest.approx(9050)
    rows = rows_of(outcome)
    assert outcome.unallocated_cost == pytest.approx(0)
    assert rows.loc[("early", "P1"), "idle"] == pytest.approx(1000 + 500)  # its agent idle + senior share
    assert rows.loc[("late", "P1"), "idle"] == pytest.approx(1500)
    assert rows.loc[("early", "P2"), "idle"] == pytest.approx(500)
    assert rows.loc[("late", "P2"), "idle"] == pytest.approx(1500)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_table_reconciles_to_the_total_cost(tmp_path, seed):
    path = tmp_path / "g.yaml"
    write_scenario(generate(Size(4, 30, 3, seed)), path)
    outcome = optimise(load_scenario(path))
    table = outcome.tables["cost_to_serve"]
    assert table.cost_to_serve.sum() == pytest.approx(outcome.objective, rel=1e-9)
    # What stays unallocated is the staff cost at nodes no demand ever used, read off the staffing table.
    staffing = outcome.tables["staffing"]
    idle_nodes = staffing.groupby("node").hours_used.transform("sum") <= 1e-9
    assert table[table.demand == "(unallocated)"].cost_to_serve.sum() == pytest.approx(
        staffing[idle_nodes].cost.sum(), abs=1e-6
    )
    components = table.drop(
        columns=[
            "period",
            "demand",
            "cost_to_serve",
            "served",
            "cost_per_unit",
            "marginal_cost",
            "price",
            "revenue",
            "margin",
            "currency",
        ]
    )
    assert (components.sum(axis=1) - table.cost_to_serve).abs().max() < 1e-6


def test_transfer_prices_are_the_cost_of_one_more_unit_arriving_at_a_node():
    # tiny: a repair arriving at the team costs 1.5 h x 5,200 / 140 = 55.71 in labour plus 0.02 defects
    # at the quality row's price 74.29 per defect unit (moving one unit from the vendor to the team
    # saves 55.71 - 52 = 3.71 per 0.05 defects): 57.20. At the vendor: 50 + 0.07 x 74.29 = 55.20.
    outcome = optimise(load_scenario(TINY_FILE))
    prices = outcome.tables["transfer_prices"].set_index("node").transfer_price
    assert prices["service_team"] == pytest.approx(1.5 / 140 * 5200 + 0.02 * (1.5 / 140 * 5200 - 52) / 0.05)
    assert prices["vendor"] == pytest.approx(50 + 0.07 * (1.5 / 140 * 5200 - 52) / 0.05)
