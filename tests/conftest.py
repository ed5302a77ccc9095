"""Fixtures, helpers and paths shared by the test modules.

Fixtures are found by pytest. Helpers and constants are imported by name, `from conftest import DATA,
e2eopt`: pytest puts tests/ (it has no __init__.py) on sys.path when it loads this file. Keep this the
only conftest.py outside a package under tests/, or `conftest` would name whichever one pytest loaded
last (tests/report/ is a package: its conftest.py, the browser harness, is `report.conftest`).

The model is imported inside the helpers, not here, so a module of model/ that fails to import breaks
only the tests that use it, not the collection of the whole suite.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from chromium import browser  # the browser tests' fixture (tests/report/, tests/workbench/)

if TYPE_CHECKING:
    import pandas as pd

    from model.generate import Size
    from model.optimise import Outcome
    from model.scenario.schema import Scenario

__all__ = ["browser"]  # a fixture: imported to be found by pytest, not used here

ROOT = Path(__file__).resolve().parents[1]  # the repository's root
DATA = ROOT / "data"  # the shipped scenarios
TINY_FILE = DATA / "tiny.yaml"
APPLIANCE_FILE = DATA / "appliance-co.yaml"
CONTACT_CENTRE_FILE = DATA / "contact-centre.yaml"
REWORK_FILE = DATA / "rework.yaml"  # a cheaper vendor with 7% defects loses once its rework counts
RULES_FILE = DATA / "business-rules.yaml"
OVERRIDES_FOLDER = ROOT / "tests" / "scenario" / "overrides"  # base.yaml and the what-ifs that extend it
BAD_FOLDER = ROOT / "tests" / "scenario" / "bad"  # the bad-input corpus

# Orders filled from the plant's stock take its 50 h processing time whatever is decided: a 24 h promise
# cannot be kept, and the response-time row holds only the fixed volume (no decision enters it).
UNKEEPABLE_PROMISE = textwrap.dedent("""
    scenario: {name: slow, currency: EUR, period_length: 730}
    stages: [make]
    nodes:
      plant: {stage: make, processing_time: 50, stock: {holding_cost: 1}}
    demands:
      d1: {origin: plant, sinks: [plant], volume: 100, max_mean_response_time: 24}
""")

# Two demands, each with a cheap and a dear route: the cost-versus-target curves are worked out by hand in
# tests/test_frontier.py's docstring (tests/cli/test_frontier_command.py reads its tables against them).
ROUTES = textwrap.dedent("""
    scenario: {name: routes, currency: EUR, time_unit: hour, period_length: 100}
    stages: [order, make]
    nodes:
      desk:   {stage: order}
      cheap:  {stage: make, unit_cost: 10, quality: 0.89, processing_time: 25, capacity: 50}
      dear:   {stage: make, unit_cost: 20, quality: 0.99, processing_time: 5}
      cheap2: {stage: make, unit_cost: 5, quality: 0.90, capacity: 50}
      dear2:  {stage: make, unit_cost: 10, quality: 0.98}
    arcs:
      - {from: desk, to: cheap}
      - {from: desk, to: dear}
      - {from: desk, to: cheap2}
      - {from: desk, to: dear2}
    demands:
      d: {origin: desk, sinks: [cheap, dear], volume: 100, min_quality: 0.95, max_mean_response_time: 30}
      e: {origin: desk, sinks: [cheap2, dear2], volume: 200, min_quality: 0.90}
""")

# Skills (docs/model.md, Skills; tests/test_skills.py works both out by hand). SKILLS_DESK: one desk, English
# agents cheaper but capped, bilingual agents dearer and slower on French calls. SKILLS_SITES: a router hands
# calls to two desks; desk_b's French-only agents cannot take English calls, and French calls are slower at
# desk_a (hours_by_demand), so the LP routes them to desk_b.
SKILLS_DESK = textwrap.dedent("""
    scenario: {name: skills-desk, currency: EUR, period_length: 730}
    stages: [answer]
    roles:
      agent_en: {cost_per_fte: 3000, hours_per_fte: 100, skills: [en]}
      agent_fr: {cost_per_fte: 4000, hours_per_fte: 100, skills: [en, fr]}
    nodes:
      desk:
        stage: answer
        work:
          agent_en: {hours_per_unit: 0.1}
          agent_fr: {hours_per_unit: 0.1, hours_by_demand: {calls_fr: 0.12}}
        staff: {agent_en: {max: 10}}
    demands:
      calls_en: {origin: desk, sinks: [desk], volume: 15000, skills: [en]}
      calls_fr: {origin: desk, sinks: [desk], volume: 2000, skills: [fr]}
""")
SKILLS_SITES = textwrap.dedent("""
    scenario: {name: skills-sites, currency: EUR, period_length: 730}
    stages: [route, answer]
    roles:
      bilingual: {cost_per_fte: 5000, hours_per_fte: 100, skills: [en, fr]}
      french: {cost_per_fte: 5000, hours_per_fte: 100, skills: [fr]}
    nodes:
      router: {stage: route}
      desk_a:
        stage: answer
        work:
          bilingual: {hours_per_unit: 0.1, hours_by_demand: {calls_fr: 0.3}}
      desk_b:
        stage: answer
        work:
          french: {hours_per_unit: 0.2}
    arcs:
      - {from: router, to: desk_a}
      - {from: router, to: desk_b}
    demands:
      calls_en: {origin: router, sinks: [desk_a, desk_b], volume: 1000, skills: [en]}
      calls_fr: {origin: router, sinks: [desk_a, desk_b], volume: 500, skills: [fr]}
""")

# Rework in every form (tests/lp/test_pyomo_record.py's `rework` case): the workshop's technicians send
# their units done wrong back to the demand's origin (intake, or the storable store), the vendor redoes
# its own, and the tester sends its units back to the workshop: loops through two and three nodes.
REWORK_LOOPS = textwrap.dedent("""
    scenario: {name: loops, currency: EUR, time_unit: hour, period_length: 730, periods: 2}
    stages: [intake, repair, test]
    roles:
      technician: {cost_per_fte: 5000, hours_per_fte: 140}
    nodes:
      intake: {stage: intake, unit_cost: 5, processing_time: 1, quality: 0.995}
      store: {stage: intake, processing_time: 3, stock: {holding_cost: 1}}
      workshop:
        stage: repair
        work:
          technician: {hours_per_unit: 2, quality: 0.9, processing_time: 4, rework: {to: origin, cost: 3, time: 10}}
      vendor:
        stage: repair
        unit_cost: 60
        quality: 0.95
        processing_time: 12
        capacity: 40
        rework: {to: same, cost: 8, time: 24}
      tester: {stage: test, unit_cost: 2, quality: 0.97, rework: {to: workshop, cost: 1, time: 2}}
    arcs:
      - {from: intake, to: workshop, cost: 1, lead_time: 2}
      - {from: intake, to: vendor, lead_time: 1}
      - {from: store, to: workshop}
      - {from: workshop, to: tester}
      - {from: vendor, to: tester}
    demands:
      jobs: {origin: intake, sinks: [tester], volume: [100, 120], min_quality: 0.99, max_mean_response_time: 30}
      parts: {origin: store, sinks: [tester], volume: 50, max_mean_response_time: 40}
""")

# A repair loop and returns to earlier stages with negative arc costs (issue 16): test -> repair gains
# 20 EUR a unit (at most 2), customer -> shop 4 EUR. tests/test_network_flows.py solves it as it is;
# tests/report/test_loops_report.py and tests/lp/test_pyomo_record.py vary it (`varied`).
LOOP_NETWORK = """\
scenario: {name: rework, currency: EUR, period_length: 730}
stages: [market, service, delivery]
nodes:
  shop: {stage: market}
  repair: {stage: service, unit_cost: 10, processing_time: 2}
  test: {stage: service, unit_cost: 1, processing_time: 1}
  customer: {stage: delivery}
arcs:
  - {from: shop, to: repair}
  - {from: repair, to: test}
  - {from: test, to: repair, cost: -20, capacity: 2}
  - {from: test, to: customer}
  - {from: customer, to: shop, cost: -4}
  - {from: customer, to: test, cost: 2}
demands:
  fix: {origin: shop, sinks: [customer], stages: [market, service, delivery], volume: 5, max_mean_response_time: 10}
"""

# Issue 16's features in one run (the trial's combo.yaml): `objective: margin` with segments and labels,
# rework on a loop, a decided site with capacity levels and business rules. Its plan, worked by hand in
# tests/workbench/test_api_issue16.py's docstring: total cost 51,271.79 EUR, revenue 76,360.00 EUR,
# margin 25,088.21 EUR (tests/cli/test_margin_labels.py exports it, the workbench views it).
COMBO = """\
scenario: {name: combo, currency: EUR, time_unit: hour, period_length: 730, periods: 2, objective: margin}
stages: [sales, make, check]
roles: {op: {cost_per_fte: 3200, hours_per_fte: 160}}
nodes:
  shop: {stage: sales}
  plant:
    stage: make
    unit_cost: 8
    processing_time: 4
    open: decide
    fixed_cost: 1500
    min_volume: 100
    capacity_levels: [{capacity: 300, cost: 400}, {capacity: 800, cost: 900}]
    work: {op: {hours_per_unit: 1, quality: 0.9, rework: {to: same, cost: 2, time: 6}}}
  copacker: {stage: make, unit_cost: 45, processing_time: 10}
  lab: {stage: check, unit_cost: 3, quality: 0.95, rework: {to: origin, cost: 1}}
arcs: [{from: shop, to: plant}, {from: shop, to: copacker}, {from: plant, to: lab}, {from: copacker, to: lab}]
demands:
  premium: {origin: shop, sinks: [lab], volume: [200, 300], price: 90, segment: pro, labels: {region: north},
            min_quality: 0.99}
  budget: {origin: shop, sinks: [lab], volume: 400, price: 40, segment: mass, labels: {region: south}}
rules:
  copack_share: {about: At most 40% of premium to the co-packer, sum: units, where: {demand: premium, node: copacker},
                 at_most: 0.4, of: {sum: units, where: {demand: premium, stage: make}}}
  lab_budget: {sum: cost, where: {node: lab}, at_most: 5000, per: horizon}
"""


# --- helpers ------------------------------------------------------------------------------------------


def e2eopt(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run `e2eopt ARGS` (`python -m model`) in a fresh interpreter in cwd; its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "model", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def cpu_clock() -> float:
    """CPU seconds (user and system) used so far by this process and by the child processes it has waited
    for: the clock of the "at once" tests. The wall clock grows with whatever else takes the cores (the
    other test worker under `pytest -n 2`, another job on the machine); this one only with the work done,
    so a limit on it can be tight and still never fail for the machine's load. A difference of two
    readings in one test counts only that test's work: a worker runs its tests one at a time."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def varied(text: str, *changes: tuple[str, str]) -> str:
    """A shared scenario text with each (old, new) replaced, failing unless each old text is there once,
    so that a variant cannot silently become the text it varies."""
    for old, new in changes:
        assert text.count(old) == 1, (old, text.count(old))
        text = text.replace(old, new)
    return text


# A rebate loop hub_a -> hub_b -> hub_a (issue 16): hub_a always open, and decided (then refused without a capacity).
SITELOOP_ALWAYS = """\
scenario: {name: siteloop, currency: EUR, time_unit: hour, period_length: 730}
stages: [sales, hub, out]
nodes:
  shop: {stage: sales}
  hub_a: {stage: hub, unit_cost: 1, fixed_cost: 10}
  hub_b: {stage: hub, unit_cost: 1, capacity: 500}
  dock: {stage: out}
arcs:
  - {from: shop, to: hub_a}
  - {from: hub_a, to: hub_b, cost: -3}
  - {from: hub_b, to: hub_a}
  - {from: hub_a, to: dock}
demands:
  boxes: {origin: shop, sinks: [dock], volume: 100}
"""
SITELOOP = varied(SITELOOP_ALWAYS, ("unit_cost: 1, fixed_cost: 10", "unit_cost: 1, open: decide, fixed_cost: 10"))
"""hub_a decided on the loop with no capacity: refused on its own (nodes.hub_a.open)."""


def one_hour_desk(name: str, rest: str, hours: str = "0.05", scenario: str = "") -> str:
    """A queue scenario's text on one hour-long interval (08:00-09:00) where one FTE is one agent on
    duty (role `agent`: 100 EUR per FTE, hours_per_fte 1 = the hour the intervals last), and node
    `desk` (stage service) does the work at `hours` per unit; `rest` goes on from inside desk's
    mapping (its queue, then more nodes, arcs, demands); `scenario` ends the scenario line's mapping
    (more fields, or a placeholder). Shared by tests/test_queue_intervals.py and tests/test_queue_loss.py."""
    head = f"""
scenario: {{name: {name}, currency: EUR, time_unit: minute, period_length: 43800{scenario}}}
intervals:
  times: {{from: "08:00", to: "09:00", minutes: 60}}
stages: [service]
roles:
  agent: {{cost_per_fte: 100, hours_per_fte: 1}}
nodes:
  desk:
    stage: service
    work: {{agent: {{hours_per_unit: {hours}}}}}
"""
    return head + rest


def only_folder(where: Path) -> Path:
    """The one entry of a folder (a run folder under --out), failing if there is not exactly one."""
    folders = list(where.iterdir())
    assert len(folders) == 1, folders
    return folders[0]


def bad_files() -> list[Path]:
    """The bad-input corpus, tests/scenario/bad/*.yaml, in name order."""
    return sorted(BAD_FOLDER.glob("*.yaml"))


def scenario_data(path: Path) -> dict:
    """A scenario file's data as parse_yaml reads it: plain dicts and lists, a fresh copy at each call."""
    from model.scenario import parse_yaml

    data, _ = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    return data


def scenario_from_text(text: str, tmp_path: Path | None = None, name: str = "case.yaml") -> Scenario:
    """A validated scenario from (dedented) YAML text; through the file tmp_path/name when tmp_path is given."""
    from model.scenario import load_scenario, parse_yaml, validate_data

    text = textwrap.dedent(text)
    if tmp_path is not None:
        path = Path(tmp_path) / name
        path.write_text(text, encoding="utf-8")
        return load_scenario(path)
    data, source = parse_yaml(text, name)
    return validate_data(data, source)


def scenario_from_data(data: dict, name: str = "case.yaml") -> Scenario:
    """A validated scenario from a plain dict: JSON is YAML, so it goes through the parser as a file would."""
    return scenario_from_text(json.dumps(data), name=name)


def solved_optimally(scenario: Scenario, sensitivity: bool = True) -> Outcome:
    """model.optimise's outcome, failing unless it is optimal and the independent solution check
    (model/check.py) found nothing: the start of every test that reads figures off a solve."""
    from model.optimise import optimise

    outcome = optimise(scenario, sensitivity=sensitivity)
    assert outcome.status == "optimal", outcome.message
    assert outcome.violations == []
    return outcome


def one_value(table: pd.DataFrame, column: str, **keys: object) -> float:
    """`column` of the one row of a result table whose columns equal `keys`, failing unless exactly one matches."""
    rows = table
    for key, wanted in keys.items():
        rows = rows[rows[key] == wanted]
    assert len(rows) == 1, rows
    return float(rows[column].iloc[0])


def generated_scenario(size: Size) -> Scenario:
    """The synthetic scenario model.generate makes for `size`, validated without writing a file."""
    from model.generate import generate

    return scenario_from_data(generate(size), "generated.json")


def queued_generated_data(size: Size) -> dict:
    """model.generate's chain for `size` with a queue at every team (its old wait as the average-wait
    target, else 80 % within one hour), open half the period at a 1.2 peak: solved by tangent iterations."""
    from model.generate import generate

    data = generate(size)
    hours = {"minute": 1 / 60, "hour": 1, "day": 24, "week": 168}[data["scenario"].get("time_unit", "hour")]
    for node in data["nodes"].values():
        if node.get("work") and "stock" not in node:
            wait = node.pop("wait_time", 0.0)
            target = {"average_wait": wait} if wait > 0 else {"service_level": 0.8, "within": 1.0}
            node["queue"] = {
                "open_hours": 0.5 * data["scenario"]["period_length"] * hours,
                "peak_factor": 1.2,
                "target": target,
            }
    return data


# --- order -------------------------------------------------------------------------------------------

LONGEST_FILES = ("workbench/test_page.py", "test_sweep_faults.py")
"""The test files that take longest (~230 and ~190 s of a ~2,150 s total at `pytest -n 2` on two loaded
cores, as measured by `--junitxml`), run first."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """LONGEST_FILES first, the rest in their order. `pytest -n 2 --dist loadfile --no-loadscope-reorder`
    hands the files out in the order collected, each to the first worker free (without that option,
    pytest-xdist hands out first the files with the most tests, and these two have few). A long file
    handed out last would end the run with one worker on it and the other idle (in collection order:
    1,099 s against 941 s of tests); handed out first, the short files fill in around them (1,017 s and
    1,022 s, simulated from the per-test times of a run)."""
    first = {ROOT / "tests" / name for name in LONGEST_FILES}
    items.sort(key=lambda item: item.path not in first)  # a stable sort: each group keeps its order


# --- fixtures -----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tiny_text() -> str:
    """data/tiny.yaml's text."""
    return TINY_FILE.read_text()


@pytest.fixture(scope="session")
def appliance_whatif_text() -> str:
    """data/appliance-co.yaml with technicians 5% dearer (4,300 -> 4,515 EUR) and repairs_south 20% up."""
    return (
        APPLIANCE_FILE.read_text()
        .replace("technician:        {cost_per_fte: 4300", "technician:        {cost_per_fte: 4515")
        .replace("volume: [1000, 1100, 1250]", "volume: [1200, 1320, 1500]")
    )


@pytest.fixture(scope="session")
def appliance_cli_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, Path]:
    """`e2eopt solve data/appliance-co.yaml`, run once a session: its result and its run folder (read-only)."""
    work = tmp_path_factory.mktemp("solve")
    result = e2eopt("solve", str(APPLIANCE_FILE), "--out", str(work / "runs"), cwd=work)
    folders = list((work / "runs").iterdir())
    assert len(folders) == 1, (result.stdout, result.stderr)
    return result, folders[0]
