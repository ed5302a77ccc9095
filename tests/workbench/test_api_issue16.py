"""The workbench on issue 16's features (a run under `objective: margin` with segments, rework, a
decided site with capacity levels and business rules): the report's new sections and the headline's
revenue, margin and MILP gap in the view, the editable prices, sites and rules (each edit re-solved to
the cost `--set` gives), no capacity cell for a node with levels, and revenue and margin in a sweep.

COMBO's plan, worked by hand (a user's trial checked it the same way): the plant (level 2, 800 units
a period) makes everything; it passes (premium + budget) / (0.95 x 0.9) units, 800 in P2 at most, so
16 of P2's 400 budget units are dropped. Revenue: premium 500 x 90 + budget (800 - 16) x 40 = 45,000 +
31,360 = 76,360.00 EUR. Total cost 51,271.79 EUR, margin 76,360 - 51,271.79 = 25,088.21 EUR; the LP's
objective is the cost plus the 16 x 40 = 640 EUR of revenue forgone: 51,911.79 EUR.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from conftest import COMBO, e2eopt

from model.report.run import REWORK_TITLE

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's own deprecation of httpx's TestClient transport
    from fastapi.testclient import TestClient

REVENUE = 500 * 90 + (800 - 16) * 40  # 76,360.00 EUR
TOTAL_COST = 51271.789473684206  # EUR, the plan's cost (the trial's hand check: 51,271.79)
FORGONE = 16 * 40  # 640 EUR of revenue of the 16 budget units dropped in P2


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("served")
    (root / "combo.yaml").write_text(COMBO, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def client(folder: Path) -> TestClient:
    from model.workbench import create_app

    return TestClient(create_app(folder, runs=folder / "runs"))


def solve(client: TestClient, **body: object) -> dict:
    answer = client.post("/api/solve", json={"scenario": "combo.yaml", **body})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_view_has_the_reports_new_sections_and_the_headline_revenue_margin_and_gap(client: TestClient) -> None:
    document = solve(client)
    assert document["total_cost"] == pytest.approx(TOTAL_COST, abs=0.005)
    assert document["profit"]["revenue"] == pytest.approx(REVENUE, abs=0.005)
    titles = [section["title"] for section in document["view"]["sections"]]
    assert titles == [  # the run report's order (model/report/run.py's page)
        "Demands against their targets",
        "Profit by segment",
        "The value chain: where each demand goes",
        "Cost by stage and category",
        REWORK_TITLE,
        "Staffing and utilisation",
        "Sites: which are open",
        "What binds, and what it is worth",
        "Business rules",
    ]
    headline = document["view"]["headline"]
    at = headline.index("Total cost: 51,271.79 EUR over 2 periods (P1 to P2)")
    # margin = 76,360 - 51,271.79 = 25,088.21; the bound is the objective's, 51,271.79 + 640 = 51,911.79 EUR,
    # given as a margin as the command line gives it: full service 500 x 90 + 800 x 40 = 77,000.00 EUR of
    # revenue, less 51,911.79 = 25,088.21 EUR, the plan's margin (gap 0)
    assert headline[at + 1] == "Revenue: 76,360.00 EUR, margin: 25,088.21 EUR (objective: margin)"
    assert headline[at + 2].startswith(
        "MILP: gap 0.00%, HiGHS's bound: no plan earns a margin above 25,088.21 EUR (77,000.00 EUR of revenue "
        "at full service - the bound 51,911.79 EUR on cost + revenue forgone), "
    )
    assert document["objective"] == pytest.approx(TOTAL_COST + FORGONE, abs=0.005)


def test_a_node_with_capacity_levels_has_no_capacity_cell_and_the_new_tables_are_offered(client: TestClient) -> None:
    document = client.get("/api/scenario", params={"path": "combo.yaml"}).json()
    tables = {table["name"]: table for table in document["editable"]["tables"]}
    assert list(tables) == ["volumes", "wages", "targets", "capacities", "staff_bounds", "prices", "sites", "rules"]
    capacities = [cell["path"] for row in tables["capacities"]["rows"] for cell in row["cells"]]
    assert "nodes.plant.capacity" not in capacities  # setting it beside the levels is refused
    assert "nodes.copacker.capacity" in capacities
    cells = {cell["path"]: cell for table in tables.values() for row in table["rows"] for cell in row["cells"]}
    assert cells["demands.premium.price"] == {"path": "demands.premium.price", "value": 90, "min": 0}
    assert cells["nodes.plant.fixed_cost"]["value"] == 1500
    assert cells["nodes.plant.min_volume"]["value"] == 100
    assert cells["rules.copack_share.at_most"] == {
        "path": "rules.copack_share.at_most",
        "value": 0.4,
        "min": 0,
        "column": "at most",
        "unit": "share (0 to 1)",
    }
    assert cells["rules.lab_budget.at_most"]["min"] is None  # a bound without `of` may be negative
    assert cells["rules.lab_budget.at_most"]["unit"] == "EUR"
    assert tables["sites"]["columns"][1] == "fixed cost (EUR per period)"


def test_a_fixed_cost_and_a_price_edit_re_solve_to_the_figures_worked_by_hand(client: TestClient) -> None:
    fixed = solve(client, set={"nodes.plant.fixed_cost": "1600"}, view=False)
    # the plant stays open in both periods: 2 x 100 EUR more, the revenue the same
    assert fixed["total_cost"] == pytest.approx(TOTAL_COST + 2 * 100, abs=0.005)
    assert fixed["profit"]["revenue"] == pytest.approx(REVENUE, abs=0.005)
    assert fixed["resolve"]["how"] in ("re-solve", "first solve")
    priced = solve(client, set={"demands.premium.price": "100"}, view=False)
    # premium was served in full: its 500 units earn 10 EUR more each, the plan is the same
    assert priced["profit"]["revenue"] == pytest.approx(REVENUE + 500 * 10, abs=0.005)
    assert priced["total_cost"] == pytest.approx(TOTAL_COST, abs=0.005)


@pytest.mark.parametrize(
    "sets",
    [
        {"nodes.plant.fixed_cost": "1600"},
        {"nodes.plant.min_volume": "700"},
        {"demands.budget.price": "45"},
        {"rules.lab_budget.at_most": "4000"},
        {"rules.copack_share.at_most": "0"},
    ],
)
def test_each_new_editable_figure_re_solves_to_what_set_gives(client: TestClient, folder: Path, sets: dict) -> None:
    """The same edit through model.resolve (what `e2eopt solve --set` reads) and model.optimise."""
    import model

    document = solve(client, set=sets, view=False)
    resolved = model.resolve(folder / "combo.yaml", [f"{path}={value}" for path, value in sets.items()])
    outcome = model.optimise(resolved.scenario)
    assert document["status"] == outcome.status == "optimal"
    assert document["total_cost"] == pytest.approx(outcome.profit["total_cost"], abs=0.005)
    assert document["profit"]["margin"] == pytest.approx(outcome.profit["margin"], abs=0.005)


def test_a_rule_bound_edit_matches_the_command_line(client: TestClient, folder: Path) -> None:
    document = solve(client, set={"rules.lab_budget.at_most": "4000"}, view=False)
    cli = e2eopt(
        "solve",
        "combo.yaml",
        "--set",
        "rules.lab_budget.at_most=4000",
        "--json",
        "--out",
        str(folder.parent / "cli-runs"),
        cwd=folder,
    )
    assert cli.returncode == 0, cli.stderr
    expected = json.loads(cli.stdout)
    assert document["total_cost"] == pytest.approx(expected["total_cost"], abs=0.005)
    assert document["total_cost"] < TOTAL_COST  # less lab work: more budget units dropped


def test_sweep_points_give_revenue_and_margin(client: TestClient) -> None:
    answer = client.post(
        "/api/sweep",
        json={"scenario": "combo.yaml", "path": "demands.premium.price", "values": "90,100", "request_id": "p"},
    )
    assert answer.status_code == 200, answer.text
    document = answer.json()
    # premium's 500 units at 90 and 100 EUR, the plan's cost the same: revenue +5,000 EUR, margin too
    assert [p["kpis"]["revenue"] for p in document["points"]] == pytest.approx([REVENUE, REVENUE + 5000], abs=0.005)
    margin = REVENUE - TOTAL_COST
    assert [p["kpis"]["margin"] for p in document["points"]] == pytest.approx([margin, margin + 5000], abs=0.005)
    assert document["units"]["revenue"] == document["units"]["margin"] == "EUR"


def test_a_saved_run_opens_with_the_same_headline_lines_and_sections(client: TestClient) -> None:
    answer = client.post("/api/save/run", json={"scenario": "combo.yaml"})
    assert answer.status_code == 200, answer.text
    opened = client.get(f"/api/runs/{Path(answer.json()['run_folder']).name}").json()
    # 76,360 - 51,271.79 = 25,088.21 EUR, as the solve's view
    assert "Revenue: 76,360.00 EUR, margin: 25,088.21 EUR (objective: margin)" in opened["view"]["headline"]
    titles = {section["title"] for section in opened["view"]["sections"]}
    assert {"Profit by segment", REWORK_TITLE, "Sites: which are open", "Business rules"} <= titles
