"""Every random valid scenario (property_scenarios.py: periods as a count or labels, volumes per period,
stock per demand, queues with targets or lanes, every optional figure) comes back from its workbook
as the same scenario: the book holds all of it, whatever the mix of fields."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from property_scenarios import scenarios

from model.scenario.excel import read_workbook, write_template
from model.scenario.loader import SourceMap, parse_yaml, validate_data


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(queues=True, integer=True) | scenarios())
def test_a_random_scenario_comes_back_from_its_workbook(data):
    original = validate_data(data, SourceMap("random.yaml"))
    stream = io.BytesIO()
    write_template(data, stream, source_name="random.yaml")
    imported, source = parse_yaml(read_workbook(stream.getvalue(), "random.xlsx").decode(), "imported.yaml")
    assert validate_data(imported, source) == original
