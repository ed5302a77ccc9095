"""JSON Schemas of scenario files and of what-if files, for editors and other tools (`e2eopt schema`).

The scenario schema is pydantic's, of the schema the loader validates with (schema.py), so it cannot
drift from it: each field's docstring is its description, `additionalProperties: false` catches a
misspelt field, and the types catch a text where a number belongs. Added to pydantic's: each
figure's plausible range (ranges.py: the highest value, and the least other than 0, with the range
and its unit in the description), period labels that may be numbers or dates, and the former names
of renamed fields (marked deprecated). Checks across fields (names that must exist, the graph) are
beyond a JSON Schema: `e2eopt validate` makes them.

A what-if file holds only `extends`, `set` and `remove` (overrides.py); its schema checks their
shapes, that each `set:` path starts with a scenario section, that each value is a number or a
change of one (operations.py's grammar), and that each `remove:` entry is one the file may remove.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from model.scenario.operations import (
    CHOICES,
    FLAG,
    FLAG_WORDS,
    NAME,
    NAME_PATTERN,
    NAMES,
    NODE,
    VALUE_PATTERN,
    choice_path_pattern,
)
from model.scenario.ranges import MAX_LABEL, Range, _label_text
from model.scenario.schema import FORMER_NAMES, Scenario

DIALECT = "https://json-schema.org/draft/2020-12/schema"
OVERRIDABLE = ("scenario", "roles", "nodes", "arcs", "demands", "solver")
"""The sections an override's path may start with: those that hold numbers."""


class _Generator(GenerateJsonSchema):
    """pydantic's generator, told what the scenario's own validators enforce beyond its types."""

    def function_after_schema(self, schema: core_schema.AfterValidatorFunctionSchema) -> JsonSchemaValue:
        """A figure checked against its plausible range: the range's bounds, and the range in words."""
        json = super().function_after_schema(schema)
        kind = getattr(schema["function"].get("function"), "__self__", None)
        if not isinstance(kind, Range):
            return json
        bounded = {**json, "maximum": kind.high, "x-allowed": kind.allowed()}
        if kind.signed:
            bounded["minimum"] = -kind.high  # a rebate: as far below 0 as the range reaches above
        if not kind.zero:
            bounded.pop("exclusiveMinimum", None)
            bounded["minimum"] = max(kind.low, json.get("minimum", kind.low))
        return bounded

    def function_before_schema(self, schema: core_schema.BeforeValidatorFunctionSchema) -> JsonSchemaValue:
        """A period label: text, or a number or a date (YAML's), which the loader reads as text."""
        if schema["function"].get("function") is _label_text:
            return {"type": ["string", "number"], "minLength": 1, "maxLength": MAX_LABEL}
        return super().function_before_schema(schema)


@cache
def _scenario_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema(schema_generator=_Generator)
    for definition in [schema, *schema.get("$defs", {}).values()]:
        _tidy(definition)
    return {
        "$schema": DIALECT,
        "title": "e2eopt scenario",
        "description": (
            "A scenario file of the end-to-end process cost optimiser (e2eopt). Every cost is in "
            "scenario.currency, every time in scenario.time_unit; hours per unit and per FTE are hours. "
            "`e2eopt validate FILE` checks what a schema cannot (names that must exist, the value chain's graph)."
        ),
        **{key: value for key, value in schema.items() if key != "title"},
    }


def _tidy(definition: dict[str, Any]) -> None:
    """One model's schema: descriptions on one line with their allowed range, former names added."""
    properties = definition.get("properties", {})
    for prop in properties.values():
        allowed = _allowed(prop)
        description = " ".join(str(prop.get("description", "")).split())
        if allowed:
            description = f"{description} Allowed: {allowed}.".strip()
        if description:
            prop["description"] = description
    for current, former in FORMER_NAMES.items():
        if current in properties:
            properties[former] = {
                **copy.deepcopy(properties[current]),
                "title": former.replace("_", " ").title(),
                "description": f"Former name of {current}, still read (not both in one place).",
                "deprecated": True,
            }


def _allowed(prop: dict[str, Any]) -> str:
    """The plausible range of a property's figure (or of the figures in its list), removed from
    where the generator put it: said once, in the property's description."""
    found = prop.pop("x-allowed", "")
    for key in ("anyOf", "oneOf"):
        for branch in prop.get(key, []):
            found = _allowed(branch) or found
    if isinstance(prop.get("items"), dict):
        found = _allowed(prop["items"]) or found
    return found


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of scenario files; a new copy at each call."""
    return copy.deepcopy(_scenario_schema())


def what_if_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of what-if files: `extends`, `set` and `remove`."""
    sections = "|".join(OVERRIDABLE)
    value = {
        "anyOf": [
            {"type": "number", "description": "Replaces the field (a leading sign written in YAML is a change)."},
            {
                "type": "string",
                "pattern": VALUE_PATTERN,
                "description": "A number, or a change of it: *1.2, /4, +5, -3, +5%, -3% (quote what starts with *); "
                "or a list of numbers, one per period: '[700, 800, 900]'.",
            },
            {
                "type": "array",
                "items": {"type": "number"},
                "minItems": 1,
                "description": "Replaces a per-period field (a volume): one number per period.",
            },
        ]
    }
    words = {choice_path_pattern(path): _word_value(path, choices) for path, choices in CHOICES.items()}
    return {
        "$schema": DIALECT,
        "title": "e2eopt what-if",
        "description": (
            "A what-if file: a base scenario (or another what-if) and what differs from it. "
            "Removals run before the same file's set:. `e2eopt validate FILE` checks that each path matches."
        ),
        "type": "object",
        "additionalProperties": False,
        "required": ["extends"],
        "properties": {
            "extends": {
                "type": "string",
                "minLength": 1,
                "description": "The base file, relative to this one: in this file's folder or below it.",
            },
            "set": {
                "type": ["object", "null"],
                "description": (
                    "Field path: value. A path names fields by name (roles.technician.cost_per_fte), arcs by "
                    "FROM->TO (arcs.plant_a->own_fleet.cost), lanes by name; * matches any part of one name."
                ),
                "propertyNames": {"pattern": rf"^(?:{sections}|[^.]*\*[^.]*)\.[^.]"},
                "patternProperties": words,
                "additionalProperties": value,
            },
            "remove": {
                "type": ["array", "null"],
                "description": (
                    "What to remove: nodes.NAME (with its arcs), arcs.FROM->TO, demands.NAME, nodes.NAME.queue, "
                    "nodes.NAME.capacity_levels."
                ),
                "items": {
                    "type": "string",
                    "pattern": r"^\s*(?:(?:nodes|arcs|demands)\.[^.]+|nodes\.[^.]+\.(?:queue|capacity_levels))\s*$",
                },
            },
        },
    }


def _word_value(path: str, choices: tuple[str, ...]) -> dict[str, Any]:
    """The value of a `set:` entry at a field that takes a word (operations.CHOICES): one of its words,
    or any name where it takes one (a node's, for rework.to: validation checks it is the scenario's)."""
    words = [w for w in choices if w not in (NAME, NODE, NAMES, FLAG)]
    described = f"{path}: {', '.join(choices)}."
    if FLAG in choices:
        return {
            "type": ["boolean", "string"],
            "pattern": rf"^\s*=?\s*({'|'.join(FLAG_WORDS)})\s*$",
            "description": f"{path}: true or false.",
        }
    if NAMES in choices:
        return {
            "type": ["array", "string"],
            "items": {"type": "string", "pattern": NAME_PATTERN},
            "pattern": r"^\s*=?\s*\[.*\]\s*$",
            "description": f"{path}: a list of names, e.g. [en, fr] ([] for none).",
        }
    if len(words) == len(choices):
        return {"type": "string", "enum": words, "description": described}
    return {"type": ["string", "number"], "pattern": NAME_PATTERN, "description": described}


def json_schema(what_if: bool = False) -> dict[str, Any]:
    """The JSON Schema of scenario files, or with `what_if` of what-if files (`e2eopt schema`)."""
    return what_if_schema() if what_if else scenario_schema()


__all__ = ["json_schema", "scenario_schema", "what_if_schema"]
