"""The public Python API (docs/api.md): a what-if solved from Python writes a run folder that
reproduces it, or write_run refuses; model.sweep, .frontier and .compare after `import model`;
short reprs; each table's units.

The what-if is tests/scenario/overrides/whatif.yaml on base.yaml (technician +5%: 3400 -> 3570 EUR
per FTE, repairs' volume * 1.2, the partner node removed), with `--set`-style overrides on top.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re

import pytest
from conftest import OVERRIDES_FOLDER, ROOT, TINY_FILE

import model
from model.scenario.loader import parse_yaml

WHATIF = OVERRIDES_FOLDER / "whatif.yaml"
TINY_OPTIMUM = 600 * (50 + 2) + 400 * 1.5 / 140 * 5200  # README: vendor 600 at 52 EUR, the team the rest


@pytest.fixture(scope="module")
def whatif() -> tuple[model.Resolved, model.Outcome]:
    resolved = model.resolve(WHATIF, ["roles.technician.cost_per_fte=*2"])
    return resolved, model.optimise(resolved.scenario, sensitivity=False)


@pytest.fixture(scope="module")
def tiny() -> model.Outcome:
    return model.optimise(model.load_scenario(TINY_FILE))


# --- a what-if from Python, written ---------------------------------------------------------------


def test_a_what_if_written_from_its_resolved_reproduces_it(whatif, tmp_path):
    resolved, outcome = whatif
    folder = model.write_run(outcome, resolved, tmp_path)
    again = model.resolve(folder / "scenario.yaml")  # the folder's scenario, solved again
    assert again.scenario == resolved.scenario
    assert again.scenario.roles["technician"].cost_per_fte == 3400 * 1.05 * 2  # by hand: +5% in the file, then *2
    assert model.optimise(again.scenario, sensitivity=False).objective == pytest.approx(outcome.objective, rel=1e-9)
    assert (folder / "inputs" / "whatif.yaml").read_bytes() == WHATIF.read_bytes()
    assert (folder / "inputs" / "base.yaml").read_bytes() == (OVERRIDES_FOLDER / "base.yaml").read_bytes()
    record = parse_yaml((folder / "overrides.yaml").read_text(), "overrides.yaml")[0]
    wage = [
        (c["old"], c["new"], c["origin"]) for c in record["changes"] if c["path"] == "roles.technician.cost_per_fte"
    ]
    assert wage == [(3400, 3570, f"{WHATIF}:4"), (3570, 7140, "--set")]  # the file's +5%, then --set's *2
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["input"]["file"] == str(WHATIF)
    assert summary["objective"] == pytest.approx(outcome.objective, rel=1e-12)


def test_a_what_if_file_that_makes_the_outcome_s_scenario_is_written_resolved(tmp_path):
    """Given the what-if file by name (no overrides on top), write_run resolves it: the folder's
    scenario.yaml is the complete scenario, not the file with `extends` (which could not be read there)."""
    outcome = model.optimise(model.resolve(WHATIF).scenario, sensitivity=False)
    folder = model.write_run(outcome, WHATIF, tmp_path)
    written = parse_yaml((folder / "scenario.yaml").read_text(), "scenario.yaml")[0]
    assert "extends" not in written and "partner" not in written["nodes"]  # removed by the what-if
    assert written["roles"]["technician"]["cost_per_fte"] == 3570  # 3400 + 5%, by hand
    assert (folder / "overrides.yaml").is_file()


def test_write_run_refuses_a_file_that_does_not_make_the_outcome_s_scenario(whatif, tmp_path):
    _, outcome = whatif
    for given in (WHATIF, str(OVERRIDES_FOLDER / "base.yaml")):
        with pytest.raises(model.ScenarioMismatch) as refused:
            model.write_run(outcome, given, tmp_path / "runs")
        message = str(refused.value)
        assert message.startswith(f"{given} does not make the scenario this outcome solved")
        # the first field that differs, with both values: 3400 * 1.05 * 2 solved, 3570 in the what-if file
        if given == WHATIF:
            assert "roles.technician.cost_per_fte is 7140.0 in the solved scenario, 3570.0 in the file" in message
        assert "model.write_run(outcome, resolved)" in message
    assert not (tmp_path / "runs").exists()  # nothing written, not even the folder


def test_write_run_refuses_a_resolved_that_is_not_the_outcome_s(whatif, tmp_path):
    _, outcome = whatif
    with pytest.raises(model.ScenarioMismatch, match=r"whatif\.yaml does not make the scenario"):
        model.write_run(outcome, model.resolve(WHATIF), tmp_path)
    with pytest.raises(TypeError, match="a Resolved, or scenario_bytes"):
        model.write_run(outcome, model.resolve(WHATIF), tmp_path, scenario_bytes=b"")
    assert list(tmp_path.iterdir()) == []


# --- sweep, frontier and compare after `import model` ---------------------------------------------


@pytest.mark.parametrize("name", ["sweep", "frontier", "compare"])
def test_the_functions_named_like_their_modules_are_reachable(name):
    function = getattr(model, name)
    module = importlib.import_module(f"model.{name}")  # the module stays importable by name
    assert inspect.isfunction(function) and function is getattr(module, name)
    assert getattr(model, name) is function  # importing the module did not rebind the name


def test_model_sweep_solves_each_point(tmp_path):
    result = model.sweep(TINY_FILE, {"demands.repairs.volume": "*0.9,*1"}, out_dir=tmp_path)
    costs = result.points.set_index("demands.repairs.volume").total_cost
    # tiny scales with its volume: the vendor takes 60% and the team 40%, at 900 and at 1,000
    assert costs["*0.9"] == pytest.approx(540 * 52 + 360 * 1.5 / 140 * 5200, rel=1e-9)
    assert costs["*1"] == pytest.approx(TINY_OPTIMUM, rel=1e-9)
    assert repr(result) == f"SweepResult(folder='{result.folder}', points=2, solved=2, statuses={{'optimal': 2}})"
    from model.sweep import read_plan

    plan = repr(read_plan(result.folder))
    assert plan == "Plan(base_file='" + str(TINY_FILE) + "', scenario='tiny', axes=[demands.repairs.volume: 2 values])"


def test_model_frontier_and_model_compare(tmp_path, tiny):
    scenario = model.load_scenario(TINY_FILE)
    table = model.frontier(scenario, "min_quality", [0.95], demands=["repairs"])
    assert table.total_cost.tolist() == pytest.approx([TINY_OPTIMUM], rel=1e-9)
    dearer = model.resolve(TINY_FILE, ["roles.technician.cost_per_fte=*1.1"])
    a = model.write_run(tiny, TINY_FILE, tmp_path)
    b = model.write_run(model.optimise(dearer.scenario), dearer, tmp_path)
    comparison = model.compare(a, b)
    change = 400 * 1.5 / 140 * 5200 * 0.1  # by hand: only the team's wages rise (the vendor is at its quality cap)
    assert repr(comparison) == (
        f"Comparison(run_a='{a}', run_b='{b}', status='optimal' -> 'optimal', inputs changed=1, "
        f"cost change={change:,.2f} EUR, tables=[inputs, totals, bridge, staffing, routing, demand_kpis])"
    )


# --- short reprs, and units -----------------------------------------------------------------------


def test_reprs_are_short_and_say_what_it_is(whatif, tiny):
    resolved, _ = whatif
    raw = parse_yaml((OVERRIDES_FOLDER / "base.yaml").read_text(), "base.yaml")[0]
    counts = {k: len(raw[k]) for k in ("stages", "roles", "nodes", "arcs", "demands")}
    counts["nodes"] -= 1  # the partner node, removed
    counts["arcs"] -= sum(a["to"] == "partner" or a["from"] == "partner" for a in raw["arcs"])
    shown = ", ".join(f"{k}={v}" for k, v in counts.items())
    periods = raw["scenario"].get("periods", 1)
    expected = f"Scenario(name='{raw['scenario']['name']}', currency='EUR', {shown}, periods={periods})"
    assert repr(resolved.scenario) == str(resolved.scenario) == expected
    assert repr(resolved) == (
        f"Resolved(file='{WHATIF}', scenario='{raw['scenario']['name']}', changes={len(resolved.changes)}, "
        "inputs=[whatif.yaml, base.yaml])"
    )
    tables = ", ".join(tiny.tables)
    cost = f"{TINY_OPTIMUM:,.2f} EUR"
    assert repr(tiny) == f"Outcome(scenario='tiny', status='optimal', objective={cost}, tables=[{tables}])"


def test_an_outcome_gives_each_table_s_units(tiny, tmp_path):
    units = tiny.units
    assert set(units) == set(tiny.tables)
    # tiny.yaml: currency EUR, time unit hour
    assert units["costs"] == {"amount": "EUR"}
    assert units["staffing"]["fte"] == "FTE" and units["flows"]["lead_time"] == "hour per unit"
    assert units["demand_kpis"]["cost_per_unit"] == "EUR per unit"
    summary, _ = model.read_run(model.write_run(tiny, TINY_FILE, tmp_path))
    assert units == {name: summary["units"][name] for name in tiny.tables}  # as the run folder records them


# --- docs/api.md ----------------------------------------------------------------------------------


def shown(name: str, function: object) -> str:
    """A function's signature as docs/api.md writes it: `model.NAME(param: type = default, ...) -> type`."""
    signature = inspect.signature(function)
    stars = {inspect.Parameter.VAR_KEYWORD: "**", inspect.Parameter.VAR_POSITIONAL: "*"}
    params = []
    for p in signature.parameters.values():
        text = stars.get(p.kind, "") + p.name
        text += "" if p.annotation is p.empty else f": {p.annotation}"  # text: `from __future__ import annotations`
        text += "" if p.default is p.empty else f" = {p.default!r}"
        params.append(text)
    returns = "" if signature.return_annotation is signature.empty else f" -> {signature.return_annotation}"
    return f"model.{name}({', '.join(params)}){returns}"


def test_the_api_reference_documents_every_public_name_with_its_signature():
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    headings = re.findall(r"^### `model\.(\w+)`$", text, re.MULTILINE)
    assert sorted(headings) == sorted(model.__all__)
    lines = set(text.splitlines())
    stale = [shown(n, getattr(model, n)) for n in model.__all__ if inspect.isfunction(getattr(model, n))]
    assert [line for line in stale if line not in lines] == []  # each as the code has it now
