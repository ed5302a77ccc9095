"""Infeasible scenarios are diagnosed: the smallest relaxation of each relaxable family, worked out
by hand, named by field and YAML line; and a conflicting set from HiGHS."""

from __future__ import annotations

import textwrap

import pytest
from conftest import ROOT, e2eopt

from model.optimise import optimise
from model.scenario import parse_yaml, validate_data


def diagnosed(text: str):
    text = textwrap.dedent(text)
    data, source = parse_yaml(text, "case.yaml")
    outcome = optimise(validate_data(data, source), source=source)
    assert outcome.status == "infeasible", outcome.message
    relaxations = outcome.diagnosis[outcome.diagnosis.kind == "relaxation"].reset_index(drop=True)
    return text, relaxations, outcome.diagnosis


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def only(relaxations, field: str):
    assert relaxations.field.tolist() == [field], relaxations.sentence.tolist()
    return relaxations.iloc[0]


def test_quality_target_relaxes_to_the_best_mode(tiny_text):
    # The team does 98% right, the vendor 93%: 99% cannot be had; 98% can (all to the team).
    text, relaxations, _ = diagnosed(tiny_text.replace("min_quality: 0.95", "min_quality: 0.99"))
    row = only(relaxations, "demands.repairs.min_quality")
    assert row.relaxed_to == pytest.approx(0.98) and row.current == pytest.approx(0.99)
    assert row.line == line_of(text, "min_quality: 0.99")
    assert "98.00% quality" in row.sentence and f"(line {row.line})" in row.sentence


def test_response_time_target_relaxes_to_the_fastest_path(tiny_text):
    # The team takes 2 h processing + 6 h wait = 8 h; the vendor 4 h lead + 30 h: 5 h cannot be met.
    text, relaxations, _ = diagnosed(tiny_text.replace("max_mean_response_time: 24", "max_mean_response_time: 5"))
    row = only(relaxations, "demands.repairs.max_mean_response_time")
    assert row.relaxed_to == pytest.approx(8.0)
    assert row.line == line_of(text, "max_mean_response_time: 5")
    assert "5 h cannot be met" in row.sentence and "8.00 h can" in row.sentence


VENDOR_ONLY = """
    scenario: {name: vendor, currency: EUR, period_length: 730}
    stages: [a, b]
    nodes:
      src: {stage: a}
      vendor: {stage: b, unit_cost: 10, capacity: 800}
    arcs:
      - {from: src, to: vendor}
    demands:
      d: {origin: src, sinks: [vendor], volume: 1000}
"""


def test_node_capacity_rather_than_unserved_volume():
    # 200 units short: +200 capacity is 25% of 800 (weight 1: 0.25); leaving 200 of 1000 unserved is
    # 20% (weight 10: 2.0). The capacity is relaxed to 1000.
    text, relaxations, _ = diagnosed(VENDOR_ONLY)
    row = only(relaxations, "nodes.vendor.capacity")
    assert (row.current, row.relaxed_to) == (pytest.approx(800), pytest.approx(1000))
    assert row.line == line_of(text, "capacity: 800")


def test_weights_are_configurable_and_unserved_volume_is_reported():
    # With demand weighing 0.1, leaving 200 of 1000 unserved costs 0.02 against 0.25 for capacity.
    _text, relaxations, _ = diagnosed(VENDOR_ONLY + "    solver: {relaxation_weights: {demand: 0.1}}\n")
    row = only(relaxations, "demands.d.volume")
    assert (row.current, row.relaxed_to) == (pytest.approx(1000), pytest.approx(800))
    assert "200.00 of 1,000.00 units of d in P1 cannot be served" in row.sentence


def test_arc_capacity_relaxes_to_the_volume():
    text, relaxations, _ = diagnosed(
        VENDOR_ONLY.replace("capacity: 800}", "capacity: 5000}").replace(
            "- {from: src, to: vendor}", "- {from: src, to: vendor, capacity: 600}"
        )
    )
    row = only(relaxations, "arcs[0].capacity")
    assert (row.current, row.relaxed_to) == (pytest.approx(600), pytest.approx(1000))
    assert row.line == line_of(text, "capacity: 600")


TEAM_ONLY = """
    scenario: {name: staff, currency: EUR, period_length: 730}
    stages: [a, b]
    roles:
      technician: {cost_per_fte: 5200, hours_per_fte: 140}
    nodes:
      src: {stage: a}
      team:
        stage: b
        work: {technician: {hours_per_unit: 1.5}}
        staff:
          technician: {max: 3}
    arcs:
      - {from: src, to: team}
    demands:
      d: {origin: src, sinks: [team], volume: 400}
    solver: {integer_staff: true}
"""


def test_staff_maximum_relaxes_to_the_fte_the_work_needs():
    # 1000 repairs x 1.5 h = 1500 h = 10.714 FTE of 140 h; the maximum is 3 (+257%, weight 1: 2.57)
    # against leaving 720 of 1000 unserved (72%, weight 10: 7.2).
    text, relaxations, _ = diagnosed(
        TEAM_ONLY.replace("volume: 400", "volume: 1000").replace("    solver: {integer_staff: true}\n", "")
    )
    row = only(relaxations, "nodes.team.staff.technician.max")
    assert row.relaxed_to == pytest.approx(1500 / 140)
    assert row.line == line_of(text, "technician: {max: 3}")


def test_final_backlog_relaxes_rather_than_capacity():
    # 200 units cannot be served in the one period: carrying them as final backlog is 200 / 1000 of
    # the volume (0.2) against +25% capacity (0.25).
    _text, relaxations, _ = diagnosed(VENDOR_ONLY.replace("volume: 1000}", "volume: 1000, backlog_cost: 1}"))
    row = only(relaxations, "demands.d.final_backlog")
    assert (row.current, row.relaxed_to) == (pytest.approx(0), pytest.approx(200))


def test_final_stock_relaxes_rather_than_capacity():
    # 50 units to serve and 200 to leave in stock need 250 from a plant that makes 100: lowering the
    # final stock by 150 is 75% of it; raising the capacity by 150 is 150%. Final stock goes to 50.
    _text, relaxations, _ = diagnosed("""
        scenario: {name: stock, currency: EUR, period_length: 730}
        stages: [a, b]
        nodes:
          src: {stage: a}
          plant: {stage: b, capacity: 100, stock: {final_min: 200}}
        arcs:
          - {from: src, to: plant}
        demands:
          d: {origin: src, sinks: [plant], volume: 50}
    """)
    row = only(relaxations, "nodes.plant.stock.final_min")
    assert (row.current, row.relaxed_to) == (pytest.approx(200), pytest.approx(50))


def test_the_conflicting_set_names_the_fields_involved(tiny_text):
    _, _, diagnosis = diagnosed(tiny_text.replace("min_quality: 0.95", "min_quality: 0.99"))
    conflicts = diagnosis[diagnosis.kind == "conflict"]
    assert {"demands.repairs.min_quality", "demands.repairs.volume"} <= set(conflicts.field)
    assert not conflicts.field.str.contains("capacity").any()  # the vendor's capacity plays no part


def test_the_cli_writes_diagnosis_csv_and_prints_it(tmp_path, tiny_text):
    import pandas as pd

    scenario = tmp_path / "impossible.yaml"
    scenario.write_text(tiny_text.replace("max_mean_response_time: 24", "max_mean_response_time: 5"))
    result = e2eopt("solve", str(scenario), "--out", str(tmp_path / "runs"), cwd=ROOT, timeout=120)
    assert result.returncode == 3
    assert "5 h cannot be met for repairs in P1; 8.00 h can" in result.stdout
    (folder,) = (tmp_path / "runs").iterdir()
    table = pd.read_csv(folder / "diagnosis.csv")
    assert table[table.kind == "relaxation"].field.tolist() == ["demands.repairs.max_mean_response_time"]


def test_with_integer_staff_the_relaxation_is_in_whole_fte_and_works():
    # 400 x 1.5 h = 600 h = 4.29 FTE of 140 h: with whole FTE the maximum must become 5, not 4.29.
    text, relaxations, _ = diagnosed(TEAM_ONLY)
    row = only(relaxations, "nodes.team.staff.technician.max")
    assert row.relaxed_to == pytest.approx(5)
    fixed = validate_data(*parse_yaml(textwrap.dedent(text).replace("{max: 3}", "{max: 5}"), "fixed.yaml"))
    assert optimise(fixed).status == "optimal"


def test_a_field_for_every_period_is_charged_once():
    # Three months 100 units short each at a 900-unit vendor: capacity +100 is 11% once (0.11),
    # against carrying 300 units of final backlog, 30% of the last month's volume (0.30).
    text = VENDOR_ONLY.replace("currency: EUR, period_length: 730}", "currency: EUR, period_length: 730, periods: 3}")
    text = text.replace("capacity: 800", "capacity: 900").replace("volume: 1000}", "volume: 1000, backlog_cost: 1}")
    _, relaxations, _ = diagnosed(text)
    assert set(relaxations.field) == {"nodes.vendor.capacity"}
    assert relaxations.relaxed_to.tolist() == pytest.approx([1000, 1000, 1000])


def test_printed_figures_are_rounded_outward_so_they_still_work():
    # 1500 h / 140 h = 10.714... FTE: printed as 10.72, which works, not 10.71, which does not.
    _, relaxations, _ = diagnosed(
        TEAM_ONLY.replace("volume: 400", "volume: 1000").replace("    solver: {integer_staff: true}\n", "")
    )
    assert "needs 10.72 technician FTE" in relaxations.sentence.iloc[0]


def test_no_relaxation_names_the_never_relaxed_fields_of_the_conflict():
    """plant must process at least 300 units while (always) open, but only 250 widgets come: no
    relaxation of targets, capacities or served volume helps (serving more than 250 is not one), so
    the first line names min_volume, with its line, as what the conflict holds (finding 9)."""
    text, relaxations, _ = diagnosed(
        """\
        scenario: {name: mv, currency: EUR, period_length: 730}
        stages: [sales, factory]
        nodes:
          hq: {stage: sales}
          plant: {stage: factory, unit_cost: 10, min_volume: 300}
        arcs: [{from: hq, to: plant}]
        demands:
          widgets: {origin: hq, sinks: [plant], volume: 250}
        """
    )
    line = line_of(text, "min_volume: 300")
    assert relaxations.sentence.tolist() == [
        "No relaxation of targets, capacities, staff maxima, served volume or end-of-horizon conditions makes "
        f"this scenario feasible: the conflict holds nodes.plant.min_volume (line {line}), which is never relaxed."
    ]
