"""Target rows no plan can bind are left out (model.network._targets_that_can_bind), and the optimum
stays the same.

By hand on tiny (data/tiny.yaml): the worst path in quality is the vendor's, 1 - 0.93 = 0.07 (the
call centre and the service team's 1 - 0.98 = 0.02 are better); the slowest is the vendor's, lead
time 4 h + processing 30 h = 34 h (the service team: processing 2 h + wait 6 h = 8 h). So a quality
target of 0.95 (allowance 0.05 < 0.07) and a response time of 24 h (< 34 h) can bind; 0.92
(allowance 0.08) and 40 h cannot. The second method: the same scenario solved with every row kept.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import TINY_FILE, generated_scenario, scenario_data, scenario_from_data

from model.generate import Size
from model.lp import build
from model.network import index_sets
from model.solve import solve


def tiny(**demand: object):
    data = scenario_data(TINY_FILE)
    data["demands"]["repairs"].update(demand)
    return scenario_from_data(data, "tiny-variant.json")


def rows(sets, block: str) -> int:
    return len(build(sets).blocks[block])


def every_row(sets):
    """The index sets with every target row built (a target where the demand has one)."""
    demands = sets.demands
    return replace(
        sets,
        demands=demands.assign(
            quality_row=demands.min_quality.notna(), response_row=demands.max_mean_response_time.notna()
        ),
    )


@pytest.mark.parametrize(
    ("quality", "response", "quality_rows", "response_rows"),
    [
        (0.95, 24, 1, 1),  # the shipped figures: both can bind
        (0.92, 24, 0, 1),  # allowance 0.08 >= 0.07
        (0.95, 40, 1, 0),  # 40 h >= 34 h
        (0.93, 34, 1, 1),  # exactly the worst path: the worst path meets it with equality, so it stays
        (0.9299, 34.01, 0, 0),  # just beyond the worst path: left out
    ],
)
def test_rows_by_hand_on_tiny(quality, response, quality_rows, response_rows):
    sets = index_sets(tiny(min_quality=quality, max_mean_response_time=response))
    assert (rows(sets, "quality_target"), rows(sets, "response_time_target")) == (quality_rows, response_rows)
    kept = every_row(index_sets(tiny(min_quality=quality, max_mean_response_time=response)))
    assert (rows(kept, "quality_target"), rows(kept, "response_time_target")) == (1, 1)


def test_backlog_keeps_the_response_row_but_not_the_quality_row():
    # With backlog, the response row holds L b[d,t] too: being late is its own term, so it stays.
    sets = index_sets(tiny(min_quality=0.92, max_mean_response_time=40, backlog_cost=5))
    assert (rows(sets, "quality_target"), rows(sets, "response_time_target")) == (0, 1)


def test_stock_keeps_both_rows():
    # Output made ahead and held in stock does not follow one period's paths.
    data = scenario_data(TINY_FILE)
    data["nodes"]["vendor"]["stock"] = {"holding_cost": 1}
    data["demands"]["repairs"].update(min_quality=0.5, max_mean_response_time=1000)
    sets = index_sets(scenario_from_data(data, "stock.json"))
    assert (rows(sets, "quality_target"), rows(sets, "response_time_target")) == (1, 1)


@pytest.mark.parametrize("size", [Size(6, 300, 1, 1), Size(4, 60, 3, 2)], ids=str)
def test_the_optimum_is_the_same_without_the_rows(size):
    scenario = generated_scenario(size)
    reduced = index_sets(scenario)
    full = every_row(reduced)
    dropped = (~reduced.demands.quality_row).sum() + (~reduced.demands.response_row).sum()
    assert dropped > 0  # the case exercises the reduction
    ours, theirs = solve(build(reduced)), solve(build(full))
    assert ours.status == theirs.status == "optimal"
    assert ours.objective == pytest.approx(theirs.objective, rel=1e-9)
    assert ours.solver["rows"] < theirs.solver["rows"]
