"""`e2eopt schema`: the JSON Schemas of scenario and what-if files (model/scenario/json_schema.py).

The shipped files docs/schema/*.json are the command's output; every shipped YAML file passes the
right schema; files with a misspelt field, a text for a number, a figure beyond its plausible range
or a bad override are refused by the schema, and by the loader too (the schema never refuses more
than `e2eopt validate`; tests/properties/test_property_schema.py checks that on random mutations).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest
from conftest import DATA, OVERRIDES_FOLDER, ROOT, e2eopt

import model
from model.errors import ScenarioError
from model.scenario.loader import parse_yaml

SHIPPED = {"scenario": ROOT / "docs" / "schema" / "scenario.json", "what-if": ROOT / "docs" / "schema" / "what-if.json"}
YAML_FILES = sorted([*DATA.glob("*.yaml"), *OVERRIDES_FOLDER.glob("*.yaml")])
"""Every YAML file the repository ships as a valid input (not tests/scenario/bad/)."""


@pytest.fixture(scope="module")
def validators() -> dict[str, jsonschema.Draft202012Validator]:
    schemas = {kind: json.loads(path.read_text(encoding="utf-8")) for kind, path in SHIPPED.items()}
    for schema in schemas.values():
        jsonschema.Draft202012Validator.check_schema(schema)  # a well-formed draft 2020-12 schema
    return {kind: jsonschema.Draft202012Validator(schema) for kind, schema in schemas.items()}


def data_of(path: Path) -> object:
    """A YAML file's data as the loader reads it (YAML 1.2: `2027-01` stays text)."""
    return parse_yaml(path.read_text(encoding="utf-8"), str(path))[0]


def kind_of(data: object) -> str:
    return "what-if" if isinstance(data, dict) and "extends" in data else "scenario"


@pytest.mark.parametrize(("option", "kind"), [((), "scenario"), (("--what-if",), "what-if")])
def test_the_shipped_schemas_are_the_command_s_output(tmp_path, option, kind):
    printed = e2eopt("schema", *option, cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == SHIPPED[kind].read_text(encoding="utf-8"), (
        f"docs/schema/{kind}.json is stale: run `e2eopt schema {' '.join(option)} --out docs/schema/{kind}.json`"
    )
    written = e2eopt("schema", *option, "--out", "schema.json", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    assert (tmp_path / "schema.json").read_text(encoding="utf-8") == printed.stdout


def test_a_bad_out_exits_2_and_writes_nothing(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    result = e2eopt("schema", "--out", "file/schema.json", cwd=tmp_path)
    assert result.returncode == 2
    said = "error: --out file/schema.json: file is a file, not a folder; nothing was written."
    assert " ".join(result.stderr.split()) == said and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_the_schema_is_the_loader_s_fields_with_units_and_ranges(validators):
    schema = validators["scenario"].schema
    role = schema["$defs"]["Role"]["properties"]["cost_per_fte"]
    # schema.py: "Cost of one FTE for one period (currency)"; ranges.py: money is 0, or 1e-9 to 1e12
    assert role["description"] == "Cost of one FTE for one period (currency). Allowed: 0, or 1e-9 to 1e12 currency."
    assert (role["type"], role["minimum"], role["maximum"]) == ("number", 0, 1e12)
    hours = schema["$defs"]["Role"]["properties"]["hours_per_fte"]  # never 0: at least 1e-3 h
    assert (hours["minimum"], hours["maximum"], "exclusiveMinimum" in hours) == (1e-3, 1e6, False)
    assert schema["$defs"]["Arc"]["required"] == ["from", "to"]  # the YAML's names, not the model's
    demand = schema["$defs"]["Demand"]["properties"]
    assert demand["max_response_time"]["deprecated"] is True  # the former name is still read


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_shipped_yaml_file_passes_its_schema(validators, path):
    data = data_of(path)
    errors = validators[kind_of(data)].iter_errors(data)
    assert [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in errors] == []


def test_the_shipped_files_are_of_both_kinds():
    kinds = {path.name: kind_of(data_of(path)) for path in YAML_FILES}
    assert kinds["whatif-wage-rise.yaml"] == "what-if" and kinds["appliance-co.yaml"] == "scenario"


TINY = (DATA / "tiny.yaml").read_text(encoding="utf-8")
WHATIF = "extends: tiny.yaml\nset:\n  roles.technician.cost_per_fte: '+5%'\nremove: [nodes.vendor]\n"

BROKEN = {
    "a misspelt field": (TINY.replace("cost_per_fte:", "cost_per_ftee:"), "'cost_per_ftee' was unexpected"),
    "a misspelt section": (TINY.replace("\nnodes:", "\nnodse:"), "'nodes' is a required property"),
    "a text for a number": (TINY.replace("cost_per_fte: 5200", 'cost_per_fte: "5200"'), "'5200' is not of type"),
    "a figure above its range": (TINY.replace("cost_per_fte: 5200", "cost_per_fte: 5e13"), "is greater than"),
    "a negative cost": (TINY.replace("unit_cost: 50", "unit_cost: -50"), "-50 is less than the minimum of 0"),
    # an arc's cost may be a rebate (negative), within the range of money
    "a rebate beyond its range": (TINY.replace("cost: 2,", "cost: -2e13,"), "is less than the minimum of -1"),
    "an unknown time unit": (TINY.replace("time_unit: hour", "time_unit: month"), "is not one of"),
}
BROKEN_WHATIF = {
    "a value that is no change": (WHATIF.replace("'+5%'", "'x1.05'"), "'x1.05' is not valid under any"),
    "a percentage without a sign": (WHATIF.replace("'+5%'", "'5%'"), "'5%' is not valid under any"),
    "a path outside the sections": (WHATIF.replace("roles.technician", "rolse.technician"), "does not match"),
    "a removal of a role": (WHATIF.replace("nodes.vendor", "roles.technician"), "does not match"),
    "a scenario field in a what-if": (WHATIF + "stages: [market]\n", "'stages' was unexpected"),
    "a list that holds a change": (WHATIF.replace("'+5%'", "'[5200, *2]'"), "is not valid under any"),
    "an empty list": (WHATIF.replace("'+5%'", "[]"), "is not valid under any"),
    "a word a choice does not take": (
        WHATIF.replace("remove:", "  nodes.vendor.open: maybe\nremove:"),
        "'maybe' is not one of",
    ),
    "a choice's word for a figure": (WHATIF.replace("'+5%'", "never"), "is not valid under any"),
    "a removal of a rework": (WHATIF.replace("nodes.vendor", "nodes.vendor.rework"), "does not match"),
}


@pytest.mark.parametrize("value", ["[1100]", "'[1100]'", "' [ 1_100.0 ] '", "'[1.1e3]'"])
def test_a_list_of_numbers_per_period_passes_the_what_if_schema_and_the_loader(validators, tmp_path, value):
    (tmp_path / "tiny.yaml").write_text(TINY)
    (tmp_path / "whatif.yaml").write_text(f"extends: tiny.yaml\nset:\n  demands.repairs.volume: {value}\n")
    assert validators["what-if"].is_valid(data_of(tmp_path / "whatif.yaml"))
    assert model.resolve(tmp_path / "whatif.yaml").scenario.demands["repairs"].volume == [1100]  # tiny: 1 period


def test_words_and_names_pass_the_what_if_schema_at_their_fields_and_the_loader(validators, tmp_path):
    (tmp_path / "tiny.yaml").write_text(TINY)
    words = "  nodes.vendor.open: never\n  nodes.*.decide_per: period\n  scenario.objective: margin\n"
    names = "  demands.*.segment: pro\n"
    (tmp_path / "whatif.yaml").write_text(WHATIF.replace("remove: [nodes.vendor]\n", "") + words + names)
    assert list(validators["what-if"].iter_errors(data_of(tmp_path / "whatif.yaml"))) == []
    scenario = model.resolve(tmp_path / "whatif.yaml").scenario
    assert (scenario.nodes["vendor"].open, scenario.scenario.objective) == ("never", "margin")
    assert {d.segment for d in scenario.demands.values()} == {"pro"}


def test_the_cases_below_start_from_valid_files(validators, tmp_path):
    (tmp_path / "tiny.yaml").write_text(TINY)
    (tmp_path / "whatif.yaml").write_text(WHATIF)
    model.resolve(tmp_path / "whatif.yaml")  # the loader takes both
    assert validators["scenario"].is_valid(data_of(tmp_path / "tiny.yaml"))
    assert validators["what-if"].is_valid(data_of(tmp_path / "whatif.yaml"))


@pytest.mark.parametrize("case", [*BROKEN, *BROKEN_WHATIF])
def test_a_broken_file_is_refused_by_the_schema_and_by_the_loader(validators, tmp_path, case):
    text, message = BROKEN[case] if case in BROKEN else BROKEN_WHATIF[case]
    (tmp_path / "tiny.yaml").write_text(TINY if case in BROKEN_WHATIF else text)
    path = tmp_path / ("whatif.yaml" if case in BROKEN_WHATIF else "tiny.yaml")
    path.write_text(textwrap.dedent(text))
    data = data_of(path)
    messages = [e.message for e in validators[kind_of(data)].iter_errors(data)]
    assert any(message in m for m in messages), messages
    with pytest.raises(ScenarioError):
        model.resolve(path)


def test_the_readme_s_what_if_example_passes_its_schema(validators):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    yaml_blocks = [b.split("```")[0] for b in readme.split("```yaml\n")[1:]]
    blocks = [b for b in yaml_blocks if any(line.startswith("extends:") for line in b.splitlines())]
    assert len(blocks) == 1  # What-if overrides: the wage-rise example
    data = parse_yaml(blocks[0], "README.md")[0]
    assert list(validators["what-if"].iter_errors(data)) == []
