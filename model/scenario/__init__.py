"""Scenario files: the schema, loading with line numbers, and cross-checks."""

from model.scenario.loader import load_scenario, load_scenario_with_source, parse_yaml, read_scenario, validate_data
from model.scenario.schema import Scenario

__all__ = ["Scenario", "load_scenario", "load_scenario_with_source", "parse_yaml", "read_scenario", "validate_data"]
