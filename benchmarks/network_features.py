"""What issue 16's modelling features cost a user: `e2eopt solve` on a generated chain with each feature.

One generated scenario (`model.generate`, seed 1) is solved as it is and with each feature of "value
chains as they really are" added over the whole chain, by the command line with its defaults, as a
user runs it (a fresh process: start-up, loading, the LP, HiGHS, the check, tables, sensitivity and
the run folder):

  base        the generated scenario
  loops       a return arc from every delivery node to a sales node of its region, with a rebate
              (cost -1 EUR per unit) and a capacity: the hand-off graph gets cycles
  rework      every manufacturing team without stock reworks its units done wrong (`rework: {to: same, cost: 5}`)
  rules       three business rules: vendors get at most 30 % of manufacturing's units, at least
              2 FTE at each of the first two service teams, overtime at most 5 % of hours
  margin      `objective: margin`, every demand priced at 400 EUR per unit
  sites       every manufacturing node `open: decide` with a fixed cost of 20,000 EUR per period
              (a MILP: a binary per node and period, one decision for the horizon)

For each: the median over REPEATS runs of the wall time (process start to exit) beside HiGHS's own
solve time (summary.json `timings_s.solve`), the LP's columns, rows and nonzeros, the status and the
objective; and the ratio of each to the base. Print only; run on a quiet machine (2 cores):

    .venv/bin/python benchmarks/network_features.py [NODES_PER_STAGE DEMANDS PERIODS]
"""

from __future__ import annotations

import copy
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from cli_runs import median_solve

from model.generate import Size, generate, write_scenario

REPEATS = 3


def _nodes(data: dict, stage: str) -> list[str]:
    return [name for name, node in data["nodes"].items() if name.startswith(stage)]


def loops(data: dict) -> None:
    sales = _nodes(data, "sales")
    for i, node in enumerate(_nodes(data, "delivery")):
        data["arcs"].append({"from": node, "to": sales[i % len(sales)], "cost": -1, "capacity": 50})


def rework(data: dict) -> None:
    for name in _nodes(data, "manufacturing"):
        if data["nodes"][name].get("work") and not data["nodes"][name].get("stock"):  # stock: no rework
            data["nodes"][name]["rework"] = {"to": "same", "cost": 5}


def rules(data: dict) -> None:
    teams = [n for n in _nodes(data, "service") if data["nodes"][n].get("work")][:2]
    vendors = [n for n in _nodes(data, "manufacturing") if not data["nodes"][n].get("work")]
    data["rules"] = {
        "team_floor": {"sum": "fte", "where": {"node": teams}, "at_least": 2},
        "overtime_cap": {"sum": "overtime", "at_most": 0.05, "of": {"sum": "hours"}},
    }
    if vendors:
        data["rules"]["vendor_share"] = {
            "sum": "units",
            "where": {"node": vendors},
            "at_most": 0.3,
            "of": {"sum": "units", "where": {"stage": "manufacturing"}},
        }


def margin(data: dict) -> None:
    data["scenario"]["objective"] = "margin"
    for demand in data["demands"].values():
        demand["price"] = 400


def sites(data: dict) -> None:
    for name in _nodes(data, "manufacturing"):
        data["nodes"][name].update(open="decide", fixed_cost=20000)


VARIANTS: dict[str, Callable[[dict], None] | None] = {
    "base": None,
    "loops": loops,
    "rework": rework,
    "rules": rules,
    "margin": margin,
    "sites": sites,
}


def main() -> None:
    nodes, demands, periods = (int(a) for a in sys.argv[1:4]) if len(sys.argv) > 3 else (6, 600, 3)
    base = generate(Size(nodes, demands, periods, 1))
    print(f"Generated scenario: {nodes} nodes per stage, {demands} demands, {periods} periods (seed 1)")
    print(f"e2eopt solve FILE -q, median of {REPEATS} runs; HiGHS = summary.json timings_s.solve")
    print(
        f"{'variant':<8} {'status':<9} {'columns':>8} {'rows':>8} {'nonzeros':>9} "
        f"{'wall s':>7} {'HiGHS s':>8} {'wall/base':>9} {'HiGHS/base':>10}  objective"
    )
    first: dict | None = None
    with tempfile.TemporaryDirectory() as folder:
        for name, change in VARIANTS.items():
            data = copy.deepcopy(base)
            if change is not None:
                change(data)
            path = Path(folder) / f"{name}.yaml"
            write_scenario(data, path)
            row = median_solve(path, REPEATS)
            first = first or row
            gap = "" if row["mip_gap"] is None else f" (MIP gap {row['mip_gap']:.2%})"
            print(
                f"{name:<8} {row['status']:<9} {row['columns']:>8,} {row['rows']:>8,} {row['nonzeros']:>9,} "
                f"{row['wall_s']:>7.2f} {row['highs_s']:>8.3f} {row['wall_s'] / first['wall_s']:>9.2f} "
                f"{row['highs_s'] / max(first['highs_s'], 1e-9):>10.2f}  {row['objective']:,.2f} EUR{gap}"
            )


if __name__ == "__main__":
    main()
