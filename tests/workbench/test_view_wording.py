"""The view's wording as the command line's: a business rule's worth under `objective: margin` said as
a margin (as solve's sensitivity lines say it), no signed zero in the rules table or in the cost by
stage shares, and the Sites table's capacity in units per period.

COMBO with the lab budget at 3,000 EUR: the budget binds in P2. Each budget unit served takes
3 / 0.95 EUR of lab work plus 1 x 0.05 / 0.95 EUR of lab rework (to origin), 3.2105 EUR in all, so one
EUR more of budget serves 1 / 3.2105 more budget units, each worth its price less its other costs.
Raising the budget unit's price from 40 to 44 EUR raises that worth by 4 / 3.2105 = 1.2459 EUR a EUR
of budget (the trial's 1.19 and 2.43 EUR).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest
from conftest import COMBO, e2eopt

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's own deprecation of httpx's TestClient transport
    from fastapi.testclient import TestClient

from .test_api_set_and_base import SITELOOP_ALWAYS

LAB_EUR_PER_UNIT = 3 / 0.95 + 1 * 0.05 / 0.95  # 3.2105 EUR of lab budget a budget unit served


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("served")
    (root / "combo.yaml").write_text(COMBO, encoding="utf-8")
    (root / "siteloop_always.yaml").write_text(SITELOOP_ALWAYS, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def client(folder: Path) -> TestClient:
    from model.workbench import create_app

    return TestClient(create_app(folder, runs=folder / "runs"))


def section(client: TestClient, title: str, **body: object) -> dict:
    answer = client.post("/api/solve", json={"scenario": "combo.yaml", **body})
    assert answer.status_code == 200, answer.text
    return next(s for s in answer.json()["view"]["sections"] if s["title"] == title)


def test_a_rule_under_margin_is_worth_a_margin_raise(client: TestClient) -> None:
    worth = []
    for price in ("40", "44"):
        rules = section(
            client, "Business rules", set={"rules.lab_budget.at_most": "3000", "demands.budget.price": price}
        )
        line = next(line for line in rules["intro"] if line.startswith("- lab_budget"))
        found = re.fullmatch(
            r"- lab_budget binds in 1 period: relaxing it by 1 EUR of its bound would raise the margin by "
            r"([\d.]+) EUR over those periods\.",
            line,
        )
        assert found, line
        worth.append(float(found.group(1)))
    assert worth == [1.19, 2.43]  # solve's sensitivity line: "would raise the margin by 1.19 EUR"
    assert worth[1] - worth[0] == pytest.approx(4 / LAB_EUR_PER_UNIT, abs=0.01)  # 1.2459 EUR


def test_the_sites_table_gives_capacity_in_units_per_period(client: TestClient) -> None:
    sites = section(client, "Sites: which are open")
    assert "capacity (units per period)" in sites["tables"][0]["columns"]


def test_the_rules_table_writes_no_signed_zero() -> None:
    from model.report.run import Run, rules_section

    rows = pd.DataFrame(
        {
            "period": ["P1", "P2"],
            "rule": ["cap", "cap"],
            "sense": ["<=", "<="],
            "value": [10.0, 10.0],
            "lhs": [10.0, 10.000000000001],
            "rhs": [10.0, 10.0],
            "slack": [-0.0, -1.8e-12],  # a binding row's slack, as HiGHS may leave it
            "binding": [True, True],
            "price": [-0.0, -1.5],
            "unit": ["units", "units"],
            "unit_step": [1.0, 1.0],
            "about": ["", ""],
        }
    )
    run = Run(Path("run"), {"currency": "EUR", "profit": None}, {"rules": rows}, ["make"])
    built = rules_section(run)
    assert built is not None
    table = built.tables[0][1]
    assert list(table.slack) == ["0.00", "0.00"]
    assert list(table["price per step (EUR)"]) == ["0.00", "-1.50"]
    # under objective: cost the worth is a saving: 0 + 1.5 EUR over the 2 periods
    assert (
        built.intro[1]
        == "- cap binds in 2 periods: relaxing it by 1 unit of its bound would save 1.50 EUR over those periods."
    )


def test_a_stage_of_zero_cost_under_a_negative_total_has_a_share_of_0_percent(folder: Path) -> None:
    ran = e2eopt("solve", "siteloop_always.yaml", "--out", str(folder / "cli-runs"), cwd=folder)
    assert ran.returncode == 0, ran.stderr
    # -390.00 EUR, all of it at the hub (500 x (1 + 1 - 3) + 100 + 10): sales and out cost 0.00 EUR
    shares = {
        row.split("│")[1].strip(): row.split("│")[3].strip() for row in ran.stdout.splitlines() if row.count("│") == 4
    }
    assert shares == {"sales": "0.0%", "hub": "100.0%", "out": "0.0%"}
    from model.report.formats import unsigned_zero

    assert f"{unsigned_zero(0.0 / -390.0, 4):.2%}" == "0.00%"  # the report's share of the same stage
