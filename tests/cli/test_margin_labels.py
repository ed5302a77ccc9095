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
from conftest import COMBO, e2eopt, only_folder, scenario_from_text, varied

from model.optimise import optimise
from model.validity import NO_PRICE_NOTE

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
    assert "capacity (units per period)" in result.stdout  # the sites table's capacity column has its unit
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


FRONTIER_MARGIN = """\
    scenario: {name: dropped, currency: EUR, time_unit: hour, period_length: 730, objective: margin}
    stages: [sales, service]
    nodes:
      desk: {stage: sales}
      vendor: {stage: service, unit_cost: 30}
    arcs: [{from: desk, to: vendor}]
    demands:
      a: {origin: desk, sinks: [vendor], volume: 10, price: 20, min_quality: 0.9}
      b: {origin: desk, sinks: [vendor], volume: 10, price: 50}
"""


def test_a_frontier_under_margin_gives_the_true_cost_the_margin_and_the_objective_apart():
    from model.frontier import frontier

    # a costs 30 EUR a unit and pays 20: dropped at any target, 10 x 20 = 200 EUR forgone. b is served:
    # total cost 10 x 30 = 300 EUR, revenue 10 x 50 = 500 EUR, margin 500 - 300 = 200 EUR;
    # the LP's objective is cost + revenue forgone = 300 + 200 = 500 EUR.
    table = frontier(scenario_from_text(FRONTIER_MARGIN), "min_quality", [0.9, 0.95], ["a"])
    assert table.status.tolist() == ["optimal", "optimal"]
    assert table.total_cost.tolist() == pytest.approx([300.0, 300.0], abs=1e-6)
    assert table.margin.tolist() == pytest.approx([200.0, 200.0], abs=1e-6)
    assert table.objective.tolist() == pytest.approx([500.0, 500.0], abs=1e-6)


# NO_PRICE's chain with prices on pro and hobby, and spare: a demand without one.
SEG = varied(
    NO_PRICE,
    ("name: noprice", "name: seg"),
    ("volume: 100}", "volume: 100, price: 120}"),
    ("volume: 120}", "volume: 120, price: 60}\n      spare: {origin: web, sinks: [mill, outsourcer], volume: 10}"),
)
"""The outsourcer's unit costs 70 + 5 = 75 USD: hobby (60 USD) pays only at the mill (20 USD). With the
mill at 100 units, a mill unit saves 75 - 20 = 55 USD for pro or spare but earns 60 - 20 = 40 for
hobby: pro and spare take the mill's 100 and 10 go out; hobby is dropped. Cost 100 x 20 + 10 x 75 =
2,750 USD, revenue 100 x 120 = 12,000 USD, margin 9,250 USD. At 150 pro and spare take 110 of the
mill and hobby the other 40: cost 150 x 20 = 3,000 USD, revenue 12,000 + 40 x 60 = 14,400 USD, margin
11,400 USD (hobby's other 80 units are dropped: 80 x 60 = 4,800 USD forgone)."""


def test_a_margin_sweeps_screen_table_shows_revenue_and_margin(tmp_path):
    (tmp_path / "seg.yaml").write_text(textwrap.dedent(SEG), encoding="utf-8")
    result = e2eopt("sweep", "seg.yaml", "--grid", "nodes.mill.capacity=100,150", "--out", "sweeps", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split("│")[1:-1] for line in result.stdout.splitlines() if line.startswith("│")]
    assert [[cell.strip() for cell in row] for row in rows] == [
        ["1", "100", "optimal", "2,750.00", "12,000.00", "9,250.00"],
        ["2", "150", "optimal", "3,000.00", "14,400.00", "11,400.00"],
    ]
    assert "revenue (USD)" in result.stdout and "margin (USD)" in result.stdout


def test_the_workbenchs_sweep_point_carries_revenue_and_margin():
    from model.workbench.sweeping import point_figures

    outcome = optimise(scenario_from_text(SEG))
    figures = point_figures(outcome)
    # capacity 150 (the docstring above): cost 3,000 USD, margin 11,400 USD; the LP's objective adds the
    # 80 hobby units forgone at 60 USD: 3,000 + 4,800 = 7,800 USD.
    assert figures["objective"] == pytest.approx(7800.0, abs=1e-6)
    assert figures["kpis"]["total_cost"] == pytest.approx(3000.0, abs=1e-6)
    assert figures["kpis"]["revenue"] == pytest.approx(14400.0, abs=1e-6)
    assert figures["kpis"]["margin"] == pytest.approx(11400.0, abs=1e-6)


def test_runs_show_and_list_give_revenue_and_margin(milp_run):
    _, folder = milp_run
    work = folder.parent.parent
    shown = e2eopt("runs", "show", str(folder), cwd=work)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    # revenue 60 x 40 = 2,400 EUR, margin 2,400 - 700 = 1,700 EUR (the module's docstring)
    assert (
        "Revenue: 2,400.00 EUR; margin (revenue - total cost): 1,700.00 EUR, maximised (objective: margin)"
        in shown.stdout
    )
    listed = e2eopt("runs", "list", "--runs", "runs", cwd=work)  # piped: tab-separated
    header, line = listed.stdout.splitlines()
    row = dict(zip(header.split("\t"), line.split("\t"), strict=True))
    assert float(row["total_cost"]) == pytest.approx(700.0, abs=1e-6)
    assert float(row["revenue"]) == pytest.approx(2400.0, abs=1e-6)
    assert float(row["margin"]) == pytest.approx(1700.0, abs=1e-6)
    assert row["rework_cost"] == ""  # no rework


def test_the_export_rounds_revenue_and_margin_to_the_cent_like_the_total_cost(tmp_path):
    """The trial's combo.yaml (findings.md, item 20), checked by hand there: total cost 51,271.789... EUR,
    revenue 76,360 EUR (77,000 due less 640 forgone), so the run sheet shows 51,271.79 and a margin
    of 76,360.00 - 51,271.79 = 25,088.21 EUR, not 25,088.2105..."""
    from openpyxl import load_workbook

    from model.export import export

    (tmp_path / "combo.yaml").write_text(COMBO, encoding="utf-8")
    result = e2eopt("solve", "combo.yaml", "--out", "runs", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    book = load_workbook(export(only_folder(tmp_path / "runs"), "xlsx", tmp_path / "book.xlsx"))
    rows = {row[0]: (row[1], row[2]) for row in book["run"].iter_rows(min_row=2, values_only=True)}
    assert rows["total cost (rounded to the cent)"][0] == 51271.79
    assert rows["revenue"][0] == 76360.0
    assert rows["margin"][0] == 25088.21
    assert rows["objective"][1] == "EUR, the LP's value: total cost + revenue forgone"


def test_a_frontier_of_a_demand_without_the_target_raises_the_frontiers_own_error():
    from model import E2EError
    from model.frontier import FrontierError, frontier

    with pytest.raises(FrontierError) as error:
        frontier(scenario_from_text(FRONTIER_MARGIN), "min_quality", [0.9], ["b"])
    assert isinstance(error.value, E2EError) and isinstance(error.value, ValueError)
    assert str(error.value) == (
        "demand 'b' has no min_quality target to vary (demands with one: a); vary every demand to set it on all"
    )


def test_the_run_reports_sites_section_gives_the_bound_as_a_margin(milp_run):
    from model.report.run import read, sites_section

    _, folder = milp_run
    section = sites_section(read(folder))
    assert section is not None
    # 3,900 EUR of revenue at full service - the bound 2,200 EUR = 1,700 EUR (the module's docstring)
    assert "MILP: gap 0.00%; HiGHS's bound: no plan earns a margin above 1,700.00 EUR." in section.intro
