"""model.compare: the input diff, and the cost bridge checked against hand-worked cases.

The bridge cases solve tiny scenarios whose optimal plans can be worked out on paper: a team of
technicians (1.5 h a repair, 5,200 EUR per 140 h FTE: 55.714286 EUR a unit, no minimum staff, so
the team is paid for exactly the hours it works) and a vendor (50 EUR + 2 EUR hand-off = 52 EUR a
unit, 93% done right against the team's 98%). Each demand's quality target fixes the vendor's
share: repairs (95%) 0.02 + 0.05 x <= 0.05 -> x = 0.6; installs (97%) -> x = 0.2. Cost per unit:
repairs 0.6 x 52 + 0.4 x 55.714286 = 53.485714, installs 0.2 x 52 + 0.8 x 55.714286 = 54.971429,
plus 1 EUR at the call centre (market) for every unit. The plan is linear in the volumes.
"""

from __future__ import annotations

import errno
import json
import os
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from conftest import APPLIANCE_FILE, REWORK_FILE, TINY_FILE, e2eopt

import model
from model.compare import TOTAL, CompareError, compare, cost_to_serve_by_stage, diff_inputs, load_run, write_comparison
from model.scenario import parse_yaml

IN_HOUSE = 1.5 * 5200 / 140  # EUR per unit done by the team
REPAIR = 0.6 * 52 + 0.4 * IN_HOUSE  # EUR per repair in the service stage
INSTALL = 0.2 * 52 + 0.8 * IN_HOUSE  # EUR per install in the service stage

LINEAR = """\
scenario: {{name: {name}, currency: {currency}, time_unit: hour, period_length: 730, periods: 2}}
stages: [market, service]
roles:
  technician: {{cost_per_fte: {wage}, hours_per_fte: 140}}
nodes:
  call_centre: {{stage: market, unit_cost: 1}}
  service_team:
    stage: service
    work:
      technician: {{hours_per_unit: 1.5, quality: 0.98}}
  vendor: {{stage: service, unit_cost: 50, quality: 0.93}}
arcs:
  - {{from: call_centre, to: service_team}}
  - {{from: call_centre, to: vendor, cost: 2}}
demands:
  repairs: {{origin: call_centre, sinks: [service_team, vendor], volume: {repairs}, min_quality: 0.95}}
{installs}"""


def linear(
    name: str = "linear",
    wage: float = 5200,
    repairs: str = "[1000, 800]",
    installs: str | None = "500",
    currency: str = "EUR",
) -> str:
    line = (
        ""
        if installs is None
        else f"  installs: {{origin: call_centre, sinks: [service_team, vendor], volume: {installs}, "
        "min_quality: 0.97}\n"
    )
    return LINEAR.format(name=name, wage=wage, repairs=repairs, installs=line, currency=currency)


def run_of(text: str, tmp_path: Path, name: str) -> Path:
    """Solve a scenario written as YAML text and write its run folder under tmp_path/runs."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(text))
    outcome = model.optimise(model.load_scenario(path))
    return model.write_run(outcome, path, tmp_path / "runs", command=["test"])


def stage_row(bridge: pd.DataFrame, stage: str) -> pd.Series:
    return bridge.set_index("stage").loc[stage]


def assert_reconciles(bridge: pd.DataFrame) -> None:
    """The four effects add up to each stage's change, and the total row to the sum of the stages."""
    effects = bridge[["volume", "rate", "mix", "routing"]].sum(axis=1)
    assert (effects - bridge.change).abs().max() < 0.005
    stages = bridge[bridge.stage != TOTAL]
    total = stage_row(bridge, TOTAL)
    for column in ("cost_a", "cost_b", "change", "volume", "rate", "mix", "routing"):
        assert total[column] == pytest.approx(stages[column].sum(), abs=0.005)


# ---- the bridge: hand-worked cases ---------------------------------------------------------------


def test_a_wage_rise_with_the_same_plan_is_all_rate(tmp_path):
    a = run_of(linear(), tmp_path, "a")
    b = run_of(linear(wage=5460), tmp_path, "b")
    bridge = compare(a, b).bridge
    # The team works 0.4 x 1800 + 0.8 x 1000 = 1,520 units = 2,280 h = 16.285714 FTE-periods, each 260 EUR dearer.
    rise = 1520 * 1.5 / 140 * 260
    service = stage_row(bridge, "service")
    assert service.change == pytest.approx(rise, abs=1e-6)
    assert service.rate == pytest.approx(rise, abs=1e-6)
    assert abs(service.volume) < 1e-6 and abs(service.mix) < 1e-6 and abs(service.routing) < 1e-6
    assert stage_row(bridge, "market")[["change", "volume", "rate", "mix", "routing"]].abs().max() < 1e-6
    assert_reconciles(bridge)


def test_every_volume_up_20_percent_in_a_linear_plan_is_all_volume(tmp_path):
    a = run_of(linear(), tmp_path, "a")
    b = run_of(linear(repairs="[1200, 960]", installs="600"), tmp_path, "b")
    bridge = compare(a, b).bridge
    service_a = 1800 * REPAIR + 1000 * INSTALL
    market_a = 2800 * 1.0
    for stage, cost_a in (("service", service_a), ("market", market_a)):
        row = stage_row(bridge, stage)
        assert row.cost_a == pytest.approx(cost_a, abs=1e-6)
        assert row.volume == pytest.approx(0.2 * cost_a, abs=1e-6)
        assert row.change == pytest.approx(0.2 * cost_a, abs=1e-6)
        assert max(abs(row.rate), abs(row.mix), abs(row.routing)) < 1e-6
    assert_reconciles(bridge)


def test_one_demand_up_is_volume_plus_mix(tmp_path):
    a = run_of(linear(), tmp_path, "a")
    b = run_of(linear(installs="750"), tmp_path, "b")  # installs 1,000 -> 1,500 units, repairs stay 1,800
    bridge = compare(a, b).bridge
    # By hand: V_A = 2,800, V_B = 3,300, r = 33/28, r - 1 = 5/28; r_repairs = 1, r_installs = 1.5.
    # Service in A: repairs 1,800 x 53.485714 = 96,274.29, installs 1,000 x 54.971429 = 54,971.43.
    #   volume = 151,245.71 x 5/28 = 27,008.16
    #   mix = 96,274.29 x (1 - 33/28) + 54,971.43 x (1.5 - 33/28)
    #       = (-5 x 96,274.29 + 9 x 54,971.43) / 28 = 477.55: installs dearer per unit than the average grew
    #   change = 500 x 54.971429 = 27,485.71 = volume + mix, so rate = routing = 0.
    # Market: 1 EUR a unit for every demand, so mix = (-5 x 1,800 + 9 x 1,000) / 28 = 0 and volume = 500.
    service = stage_row(bridge, "service")
    assert service.volume == pytest.approx((1800 * REPAIR + 1000 * INSTALL) * 5 / 28, abs=1e-6)
    assert service.mix == pytest.approx((-5 * 1800 * REPAIR + 9 * 1000 * INSTALL) / 28, abs=1e-6)
    assert service.mix == pytest.approx(477.55, abs=0.01)
    assert service.change == pytest.approx(500 * INSTALL, abs=1e-6)
    assert abs(service.rate) < 1e-6 and abs(service.routing) < 1e-6
    market = stage_row(bridge, "market")
    assert market.volume == pytest.approx(500, abs=1e-6) and abs(market.mix) < 1e-6
    assert_reconciles(bridge)


def test_a_removed_demand_is_volume_and_mix_and_a_new_one_is_routing(tmp_path):
    both = run_of(linear(), tmp_path, "both")
    repairs_only = run_of(linear(installs=None), tmp_path, "repairs")
    # Removed: r_installs = 0, so volume + mix = -(installs' cost in A) = the whole change.
    removed = stage_row(compare(both, repairs_only).bridge, "service")
    assert removed.change == pytest.approx(-1000 * INSTALL, abs=1e-6)
    assert removed.volume + removed.mix == pytest.approx(-1000 * INSTALL, abs=1e-6)
    assert abs(removed.routing) < 1e-6
    # Added: A's only demand did not grow (r_repairs = 1), so volume + mix = 0 and routing holds the new cost.
    added = compare(repairs_only, both).bridge
    service = stage_row(added, "service")
    assert service.volume + service.mix == pytest.approx(0.0, abs=1e-6)
    assert service.routing == pytest.approx(1000 * INSTALL, abs=1e-6)
    assert_reconciles(added)


def test_a_new_node_has_no_old_price_so_its_saving_is_routing_not_rate(tmp_path):
    a = run_of(linear(), tmp_path, "a")
    cheaper = (
        linear()
        .replace("  vendor: {", "  cheap_vendor: {stage: service, unit_cost: 40, quality: 0.93}\n  vendor: {")
        .replace(
            "  - {from: call_centre, to: service_team}",
            "  - {from: call_centre, to: service_team}\n  - {from: call_centre, to: cheap_vendor, cost: 2}",
        )
        .replace(
            "sinks: [service_team, vendor], volume: [1000, 800]",
            "sinks: [service_team, vendor, cheap_vendor], volume: [1000, 800]",
        )
    )
    b = run_of(cheaper, tmp_path, "b")
    service = stage_row(compare(a, b).bridge, "service")
    # Repairs' vendor share (0.6 x 1,800 units) moves to a vendor 10 EUR cheaper: -10,800 EUR, a change of plan.
    assert service.change == pytest.approx(-10 * 0.6 * 1800, abs=1e-6)
    assert service.routing == pytest.approx(-10 * 0.6 * 1800, abs=1e-6)
    assert max(abs(service.rate), abs(service.volume), abs(service.mix)) < 1e-6


# ---- a realistic comparison -------------------------------------------------------------------------


def test_a_dearer_rework_with_the_same_plan_is_all_rate_and_the_cost_of_poor_quality(tmp_path):
    """data/rework.yaml with vendor_good at 45 EUR, so vendor_cheap (quality 0.93, its 7 % redone at
    15 EUR) takes the 1,000 repairs: w = 70 / 0.93 = 75.268817 units reworked. At 20 EUR a unit reworked
    vendor_cheap still costs (40 + 20 x 0.07) / 0.93 = 44.52 < 45 a repair: the same plan, so the
    change in service is all rate, 5 x 75.268817 = 376.344086 EUR, and it is the change in the cost
    of poor quality: 15 x 75.268817 = 1,129.032258 -> 20 x 75.268817 = 1,505.376344 EUR."""
    base = REWORK_FILE.read_text().replace("unit_cost: 44", "unit_cost: 45")
    a = run_of(base, tmp_path, "a")
    b = run_of(base.replace("cost: 15", "cost: 20"), tmp_path, "b")
    comparison = compare(a, b)
    reworked = 70 / 0.93
    service = stage_row(comparison.bridge, "service")
    assert service.change == pytest.approx(5 * reworked, abs=1e-6)
    assert service.rate == pytest.approx(5 * reworked, abs=1e-6)
    assert max(abs(service.volume), abs(service.mix), abs(service.routing)) < 1e-6
    assert_reconciles(comparison.bridge)
    poor = comparison.as_dict()["cost_of_poor_quality"]
    assert poor["cost_a"] == pytest.approx(15 * reworked, abs=1e-6)
    assert poor["cost_b"] == pytest.approx(20 * reworked, abs=1e-6)
    assert poor["change"] == pytest.approx(5 * reworked, abs=1e-6)
    assert (
        "cost_of_poor_quality"
        not in compare(run_of(linear(), tmp_path, "c"), run_of(linear(), tmp_path, "d")).as_dict()
    )


@pytest.fixture(scope="module")
def appliance(tmp_path_factory: pytest.TempPathFactory, appliance_whatif_text: str) -> tuple[Path, Path]:
    """appliance-co, and a what-if: technicians 5% dearer (4,300 -> 4,515 EUR), repairs_south +20%."""
    work = tmp_path_factory.mktemp("appliance")
    whatif = appliance_whatif_text
    assert whatif.count("4515") == 1 and whatif.count("[1200, 1320, 1500]") == 1
    return run_of(APPLIANCE_FILE.read_text(), work, "a"), run_of(whatif, work, "b")


def test_appliance_bridge_reconciles_and_prices_technicians(appliance):
    a, b = appliance
    comparison = compare(*appliance)
    bridge = comparison.bridge
    assert_reconciles(bridge)
    summary_a = json.loads((a / "summary.json").read_text())
    summary_b = json.loads((b / "summary.json").read_text())
    assert stage_row(bridge, TOTAL).change == pytest.approx(summary_b["objective"] - summary_a["objective"], abs=0.01)
    # Rate: only the technician wage changed, so rate = 215 EUR x B's technician FTE-periods, all in service.
    staffing_b = pd.read_csv(b / "staffing.csv")
    technician_fte = staffing_b[staffing_b.role == "technician"].fte.sum()
    assert stage_row(bridge, "service").rate == pytest.approx(215 * technician_fte, abs=1e-6)
    assert bridge[bridge.stage.isin(["market", "rnd", "sales", "manufacturing", "delivery"])].rate.abs().max() < 1e-6
    # Nothing but service and the call centre serves repairs_south: elsewhere volume and mix cancel.
    for stage in ("rnd", "sales", "manufacturing", "delivery"):
        row = stage_row(bridge, stage)
        assert row.change == pytest.approx(0.0, abs=1e-6) and row.volume == pytest.approx(-row.mix, abs=1e-6)
    assert comparison.notes == []


def test_cost_to_serve_by_stage_adds_up_to_the_cost_to_serve_table(appliance):
    run = load_run(appliance[0])
    by_stage = cost_to_serve_by_stage(run).groupby("demand").cost.sum()
    table = pd.read_csv(appliance[0] / "cost_to_serve.csv")
    per_demand = table[table.demand != "(unallocated)"].groupby("demand").cost_to_serve.sum()
    pd.testing.assert_series_equal(by_stage.sort_index(), per_demand.sort_index(), check_names=False, atol=1e-6)
    # Staff at rnd_custom serves custom orders only; its cost is theirs.
    rnd = cost_to_serve_by_stage(run).set_index(["demand", "stage"]).cost
    costs = pd.read_csv(appliance[0] / "costs.csv")
    assert rnd[("custom_orders", "rnd")] == pytest.approx(costs[costs.stage == "rnd"].amount.sum(), abs=1e-6)


def test_appliance_tables_show_the_what_if(appliance):
    comparison = compare(*appliance, top=5)
    inputs = comparison.inputs.set_index("path")
    assert inputs.loc["roles.technician.cost_per_fte", ["old", "new"]].tolist() == ["4300", "4515"]
    assert inputs.loc["roles.technician.cost_per_fte", "delta"] == 215
    assert inputs.loc["demands.repairs_south.volume", "new"] == "[1200, 1320, 1500]"
    assert len(comparison.routing) == 5
    assert comparison.routing.change.abs().is_monotonic_decreasing
    top = comparison.routing.iloc[0]  # repairs_south's 670 extra calls all enter at the call centre
    assert (top.demand, top["where"], top.change) == ("repairs_south", "call_centre", pytest.approx(670))
    kpis = comparison.demand_kpis.set_index(["demand", "period"])
    assert kpis.loc[("repairs_south", "2027-03"), "volume_change"] == pytest.approx(250)
    assert kpis.loc[("retail_orders", "2027-01"), "cost_per_unit_change"] == pytest.approx(0, abs=1e-9)
    staffing = comparison.staffing
    assert (staffing.fte_change == staffing.fte_b - staffing.fte_a).all()
    totals = comparison.totals
    assert totals.change.sum() == pytest.approx(stage_row(comparison.bridge, TOTAL).change, abs=1e-6)
    assert set(totals.currency) == {"EUR"} and comparison.units()["bridge"]["mix"] == "EUR"


# ---- the input diff --------------------------------------------------------------------------------


def parsed(text: str):
    return parse_yaml(textwrap.dedent(text), "x.yaml")[0]


def test_input_diff_names_nested_fields_arcs_by_ends_and_whole_added_or_removed_entries():
    old = parsed("""
        scenario: {name: s, currency: EUR, period_length: 730}
        roles:
          technician: {cost_per_fte: 5200, hours_per_fte: 140, overtime: {max_hours_per_fte: 10, cost_per_hour: 40}}
        arcs:
          - {from: a, to: b, cost: 2}
          - {from: a, to: c}
          - {from: c, to: d, lead_time: 4}
        demands:
          repairs: {origin: a, sinks: [b, c], volume: [100, 200]}
          filters: {origin: a, sinks: [c], volume: 50}
        """)
    new = parsed("""
        scenario: {name: s, currency: EUR, period_length: 730.0}
        roles:
          technician: {cost_per_fte: 5200, hours_per_fte: 140, overtime: {max_hours_per_fte: 10, cost_per_hour: 45}}
        arcs:
          - {from: a, to: c}
          - {from: a, to: b, cost: 2.5}
          - {from: b, to: d}
        demands:
          repairs: {origin: a, sinks: [b, c], volume: [100, 250]}
          installs: {origin: a, sinks: [b], volume: 10}
        """)
    diff = diff_inputs(old, new)
    rows = {
        path: (change, o, n) for path, change, o, n in diff[["path", "change", "old", "new"]].itertuples(index=False)
    }
    assert rows == {
        "roles.technician.overtime.cost_per_hour": ("changed", "40", "45"),
        "arcs[a->b].cost": ("changed", "2", "2.5"),
        "arcs[c->d]": ("removed", "{from: c, to: d, lead_time: 4}", ""),
        "arcs[b->d]": ("added", "", "{from: b, to: d}"),
        "demands.repairs.volume": ("changed", "[100, 200]", "[100, 250]"),
        "demands.filters": ("removed", "{origin: a, sinks: [c], volume: 50}", ""),
        "demands.installs": ("added", "", "{origin: a, sinks: [b], volume: 10}"),
    }  # the arcs' new order and 730 -> 730.0 are no change
    delta = diff.set_index("path").delta
    assert delta["arcs[a->b].cost"] == pytest.approx(0.5) and delta["roles.technician.overtime.cost_per_hour"] == 5
    assert pd.isna(delta["demands.repairs.volume"]) and pd.isna(delta["demands.installs"])
    added = diff_inputs({"nodes": {"team": {"stage": "s"}}}, {"nodes": {"team": {"stage": "s", "capacity": 2}}})
    assert added[["path", "old", "new"]].values.tolist() == [["nodes.team.capacity", "", "2"]]  # not "2.0"


def test_input_diff_of_identical_scenarios_is_empty_and_a_flag_is_not_a_number():
    tiny = parsed(TINY_FILE.read_text())
    assert diff_inputs(tiny, tiny).empty
    flagged = diff_inputs({"solver": {"integer_staff": 1}}, {"solver": {"integer_staff": True}})
    assert flagged[["path", "old", "new"]].values.tolist() == [["solver.integer_staff", "1", "true"]]


# ---- what cannot be compared, and what is missing ---------------------------------------------------


def test_runs_in_different_currencies_are_refused(tmp_path):
    a = run_of(linear(), tmp_path, "a")
    b = run_of(linear(currency="USD"), tmp_path, "b")
    with pytest.raises(CompareError, match=r"different currencies.*EUR.*USD"):
        compare(a, b)


def test_a_folder_that_is_not_a_run_is_refused(tmp_path):
    a = run_of(linear(), tmp_path, "a")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CompareError, match=r"not a run folder.*no summary\.json"):
        compare(a, tmp_path / "empty")
    with pytest.raises(CompareError, match="does not exist"):
        compare(tmp_path / "nowhere", a)


DAMAGED_SUMMARIES = {
    "a list": ("[1, 2]", "a JSON list, not an object"),
    "an empty object": ("{}", "no status, no currency, no time_unit"),
    "not JSON": ('{"status": "optimal", ', "not JSON"),
    "not UTF-8": (b"\xff\xfe{}", "not JSON"),
    "a currency of the wrong kind": (None, "currency not text"),
    "tables of the wrong kind": (None, "'tables' is not a list of table names"),
}


def _damage(summary: Path, how: str) -> None:
    text, _ = DAMAGED_SUMMARIES[how]
    if how == "a currency of the wrong kind":
        text = json.dumps({**json.loads(summary.read_text()), "currency": ["EUR"]})
    elif how == "tables of the wrong kind":
        text = json.dumps({**json.loads(summary.read_text()), "tables": "costs"})
    assert text is not None
    if isinstance(text, bytes):
        summary.write_bytes(text)
    else:
        summary.write_text(text)


@pytest.mark.parametrize("how", list(DAMAGED_SUMMARIES))
def test_a_run_whose_summary_is_damaged_is_refused_saying_so(tmp_path, how):
    a = run_of(linear(), tmp_path, "a")
    b = run_of(linear(wage=5500), tmp_path, "b")
    _damage(b / "summary.json", how)
    reason = DAMAGED_SUMMARIES[how][1]
    with pytest.raises(CompareError) as refused:
        compare(a, b)
    message = str(refused.value)
    assert message.startswith(f"{b} is not a run folder: its summary.json is damaged ("), message
    assert reason in message and "None" not in message


@pytest.mark.parametrize("how", ["a list", "an empty object", "not JSON"])
def test_compare_of_a_run_with_a_damaged_summary_exits_2_without_a_traceback(tmp_path, how):
    a = run_of(linear(), tmp_path, "a")
    b = run_of(linear(wage=5500), tmp_path, "b")
    _damage(a / "summary.json", how)
    result = e2eopt("compare", str(a), str(b), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert f"{a} is not a run folder: its summary.json is damaged" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert not (b / f"compare-{a.name}").exists()  # nothing written


def test_an_infeasible_run_is_compared_on_its_inputs_only(tmp_path):
    a = run_of(linear(), tmp_path, "a")
    b = run_of(linear().replace("min_quality: 0.95", "min_quality: 0.99"), tmp_path, "b")  # the team does 98%
    assert json.loads((b / "summary.json").read_text())["status"] == "infeasible"
    comparison = compare(a, b)
    assert not comparison.has_results
    assert comparison.bridge.empty and comparison.totals.empty and comparison.demand_kpis.empty
    assert comparison.inputs[["path", "old", "new"]].values.tolist() == [
        ["demands.repairs.min_quality", "0.95", "0.99"]
    ]
    assert any("Run B" in note and "infeasible" in note and "only the inputs" in note for note in comparison.notes)


def test_writing_replaces_an_earlier_comparison_but_never_a_foreign_folder(tmp_path):
    a = run_of(linear(), tmp_path, "a")
    b = run_of(linear(installs="750"), tmp_path, "b")
    comparison = compare(a, b)
    folder = write_comparison(comparison, tmp_path / "cmp")
    write_comparison(comparison, folder)  # again: replaced in place
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [
            "comparison.json",
            "columns.csv",
            "inputs.csv",
            "totals.csv",
            "bridge.csv",
            "staffing.csv",
            "routing.csv",
            "demand_kpis.csv",
        ]
    )
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".incomplete", ".replaced"))]
    description = json.loads((folder / "comparison.json").read_text())
    assert description["units"]["demand_kpis"]["cost_per_unit_a"] == "EUR per unit"
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(CompareError, match="not a comparison folder"):
        write_comparison(comparison, foreign)
    assert (foreign / "notes.txt").read_text() == "keep me"


def test_a_replacement_that_fails_keeps_the_earlier_comparison_and_leaves_nothing_hidden(tmp_path, monkeypatch):
    a = run_of(linear(), tmp_path, "a")
    b = run_of(linear(installs="750"), tmp_path, "b")
    folder = write_comparison(compare(a, b), tmp_path / "cmp")
    before = (folder / "totals.csv").read_text()
    renames = []
    real_rename = os.rename

    def second_rename_fails(source, target):
        renames.append((source, target))
        if len(renames) == 2:  # the new comparison into place, after the old one was moved aside
            raise OSError(errno.EIO, "Input/output error")
        real_rename(source, target)

    monkeypatch.setattr(os, "rename", second_rename_fails)  # model.compare is the function after `import model`
    with pytest.raises(OSError):
        write_comparison(compare(b, a), folder)
    assert (folder / "totals.csv").read_text() == before
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]


def test_a_run_from_before_the_mean_response_time_rename_compares_with_one_after(tmp_path):
    # The same tiny scenario solved twice; the first run folder is then made to look as runs written
    # before the rename did: `max_response_time` in its scenario.yaml, `response_time` and
    # `max_response_time` in its demand_kpis table. Nothing changed, so nothing may show as changed.
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    old = run_of(TINY_FILE.read_text(), tmp_path / "a", "tiny")
    new = run_of(TINY_FILE.read_text(), tmp_path / "b", "tiny")
    scenario = old / "scenario.yaml"
    scenario.write_text(scenario.read_text().replace("max_mean_response_time:", "max_response_time:"))
    kpis = pd.read_parquet(old / "demand_kpis.parquet")
    kpis = kpis.rename(columns={"mean_response_time": "response_time", "max_mean_response_time": "max_response_time"})
    kpis.drop(columns=["met"]).to_parquet(old / "demand_kpis.parquet")
    comparison = compare(old, new)
    assert comparison.inputs.empty, comparison.inputs
    row = comparison.demand_kpis.iloc[0]
    assert row.mean_response_time_a == row.mean_response_time_b == pytest.approx(23.6)
    assert row.mean_response_time_change == 0
