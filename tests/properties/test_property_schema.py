"""The scenario JSON Schema (`e2eopt schema`) never refuses a file the loader accepts, on random
mutations of the shipped scenarios (mutations.py): an editor's marks are always real problems. It
must also catch most of what the loader refuses for a single field (a misspelt key, a wrong type, a
figure out of range), or it would be of no use while typing.
"""

from __future__ import annotations

import random

import jsonschema
import pytest
from conftest import DATA
from mutations import mutate_data

from model.errors import ScenarioError
from model.scenario.json_schema import scenario_schema
from model.scenario.loader import parse_yaml, validate_data

CASES = {"tiny.yaml": 80, "contact-centre.yaml": 40, "appliance-co.yaml": 16}
"""Mutations per file, seeded 0, 1, ... (about 3 s in all on a loaded 2-core machine)."""


def verdicts(name: str, count: int, schema: jsonschema.Draft202012Validator) -> list[tuple[int, bool, bool]]:
    """(seed, schema accepts, loader accepts) for each mutation that still parses as YAML."""
    path = DATA / name
    data = parse_yaml(path.read_text(encoding="utf-8"), str(path))[0]
    found = []
    for seed in range(count):
        text = mutate_data(data, random.Random(seed)).decode("utf-8")
        try:
            mutated, source = parse_yaml(text, f"{name} mutation {seed}")
        except ScenarioError:
            continue  # not YAML the loader reads: nothing for a schema to judge
        try:
            validate_data(mutated, source)
            loads = True
        except ScenarioError:
            loads = False
        found.append((seed, schema.is_valid(mutated), loads))
    return found


@pytest.mark.parametrize(("name", "count"), CASES.items())
def test_the_schema_refuses_only_what_the_loader_refuses(name, count):
    schema = jsonschema.Draft202012Validator(scenario_schema())
    found = verdicts(name, count, schema)
    false_alarms = [seed for seed, schema_ok, loads in found if loads and not schema_ok]
    assert false_alarms == [], f"valid mutations of {name} the schema refuses (seeds): {false_alarms}"
    refused = [schema_ok for _, schema_ok, loads in found if not loads]
    caught = refused.count(False) / len(refused)
    assert len(refused) >= count // 2 and caught > 0.5, (len(refused), caught)  # measured: 0.83, 0.70, 0.83
