"""Small sweep, frontier and comparison folders of data/tiny.yaml for the report tests.

tiny.yaml by hand: 1,000 repairs go to the service team (1.5 h of a technician at 5,200 EUR per 140 h:
55.714... EUR a unit, quality 0.98, 8 h) or the vendor (50 + 2 EUR hand-off: 52 EUR a unit, quality
0.93, 34 h, at most 800). The cheap vendor takes all it can while quality >= 0.95 (team share >= 0.4)
and the mean response time <= 24 h (team share >= 10/26) hold: 400 units in house and 600 bought,
53,485.71 EUR. At 2,000 units the vendor is full (800) and the team takes 1,200.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from conftest import TINY_FILE

import model
from model.compare import compare, write_comparison
from model.frontier import frontier, write_frontier
from model.sweep import new_sweep_folder, parse_axis, plan_sweep, run_sweep

TEAM_UNIT = 1.5 / 140 * 5200  # EUR per unit done in house
VENDOR_UNIT = 50 + 2  # EUR per unit bought, with its hand-off
BASE_TOTAL = 400 * TEAM_UNIT + 600 * VENDOR_UNIT  # 53,485.71 EUR: tiny as shipped


def sweep_folder(where: Path, *grid: str) -> Path:
    """A sweep of tiny.yaml over `grid` (each `path=values`), solved in this process."""
    plan = plan_sweep(TINY_FILE, [parse_axis(axis) for axis in grid])
    folder = new_sweep_folder(plan, where)
    run_sweep(plan, folder, workers=1)
    return folder


def frontier_folder(where: Path, field: str, values: list[float]) -> Path:
    """A frontier of tiny.yaml's repairs over `values` of `field`."""
    scenario = model.load_scenario(TINY_FILE)
    table = frontier(scenario, field, values, demands=["repairs"])  # type: ignore[arg-type]
    data = TINY_FILE.read_bytes()
    return write_frontier(table, scenario, data, str(TINY_FILE), where, command=["test"])


def run_folder(where: Path, name: str, changes: dict[str, str]) -> Path:
    """tiny.yaml with some of its lines replaced (old text -> new text), solved, as a run folder."""
    text = TINY_FILE.read_text()
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    path = where / f"{name}.yaml"
    path.write_text(textwrap.dedent(text))
    outcome = model.optimise(model.load_scenario(path))
    return model.write_run(outcome, path, where / "runs", command=["test"])


def comparison_folder(where: Path, run_a: Path, run_b: Path) -> Path:
    return write_comparison(compare(run_a, run_b), where / f"compare-{run_b.name}")
