"""Plausible ranges (docs/model.md, Plausible ranges): each enforced at its documented bounds, located,
on every numeric field of the schema, and the absurd values of issue 14 refused before any work.

The bounds below are written out by hand from the docs' table, not read from model/scenario/ranges.py,
so that a changed range fails here until the docs and this test agree.
"""

from __future__ import annotations

import copy
import types
import typing
from collections.abc import Iterator

import pytest
from conftest import (
    BAD_FOLDER,
    DATA,
    ROOT,
    TINY_FILE,
    cpu_clock,
    scenario_data,
    scenario_from_data,
    scenario_from_text,
)
from pydantic import AfterValidator, BaseModel

from model.errors import ScenarioError
from model.generate import Size, generate
from model.scenario import load_scenario
from model.scenario.ranges import Range, docs_table
from model.scenario.schema import Scenario

TINY = scenario_data(TINY_FILE)


def with_value(path: tuple[str, ...], value: object) -> dict:
    """data/tiny.yaml's data with the field at `path` set to `value` (missing mappings made)."""
    data = copy.deepcopy(TINY)
    node = data
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    return data


# (field path, values accepted, values refused as implausible), bounds from docs/model.md's table.
CASES = [
    (("demands", "repairs", "volume"), [0, 1e-6, 1e9], [9e-7, 1.0001e9, 1e308]),
    (("roles", "technician", "cost_per_fte"), [0, 1e-9, 1e12], [1e-10, 1.01e12, 1e308]),
    (("roles", "technician", "hire_cost"), [0, 1e12], [2e12]),
    (("nodes", "vendor", "unit_cost"), [0, 1e-9, 1e12], [5e-10, 1e13]),
    (("demands", "repairs", "unmet_penalty"), [0, 1e12], [1e15]),
    (("nodes", "service_team", "work", "technician", "hours_per_unit"), [1e-6, 1e5], [9e-7, 1e-320, 100001]),
    (("roles", "technician", "hours_per_fte"), [1e-3, 1e6], [9e-4, 1.1e6]),
    (("nodes", "vendor", "processing_time"), [0, 1e-6, 1e7], [1e-7, 1.1e7]),
    (("demands", "repairs", "max_mean_response_time"), [1e-6, 1e7], [5e-7, 2e7]),
    (("scenario", "period_length"), [1e-6, 1e7], [1e-320, 1.5e7]),
    (("nodes", "vendor", "quality"), [1e-6, 1], [1e-7]),
    (("demands", "repairs", "min_quality"), [1e-6, 1], [1e-9]),
    (("nodes", "vendor", "capacity"), [0, 1e-6, 1e12], [1e-7, 1.1e12]),
    (("arcs_0", "capacity"), [0, 1e12], [2e12]),
    (("nodes", "service_team", "staff", "technician", "max"), [0, 1e-6, 1e7], [1e-7, 1.1e7]),
    (("solver", "time_limit"), [1e-3, 1e9], [1e-4, 2e9]),
    (("solver", "mip_gap"), [0, 1e-12, 1], [1e-13, 1.5]),
    (("solver", "threads"), [1, 1024], [1025]),
    (("solver", "queue_iterations"), [1, 10_000], [10_001]),
    (("solver", "relaxation_weights", "demand"), [1e-6, 1e6], [1e-7, 2e6]),
    (("scenario", "periods"), [1, 100_000], [100_001, 10**9]),
]


def case_data(path: tuple[str, ...], value: object) -> tuple[dict, str]:
    """The data with the value set, and the field's dotted path as a problem names it."""
    if path[0] == "arcs_0":  # the first arc, a list item
        data = copy.deepcopy(TINY)
        data["arcs"][0][path[1]] = value
        return data, f"arcs[0].{path[1]}"
    return with_value(path, value), ".".join(path)


@pytest.mark.parametrize(
    ("path", "value"), [(path, value) for path, ok, _ in CASES for value in ok], ids=lambda x: str(x)
)
def test_a_plausible_value_is_accepted(path, value):
    data, _ = case_data(path, value)
    scenario_from_data(data)


@pytest.mark.parametrize(
    ("path", "value"), [(path, value) for path, _, bad in CASES for value in bad], ids=lambda x: str(x)
)
def test_an_implausible_value_is_refused_at_its_field(path, value):
    data, field = case_data(path, value)
    with pytest.raises(ScenarioError) as caught:
        scenario_from_data(data)
    problems = caught.value.problems
    assert [p.path for p in problems] == [field], str(caught.value)
    assert "outside the plausible range of" in problems[0].message
    assert "(docs/model.md, Plausible ranges)" in problems[0].message


def refusal(text: str, tmp_path) -> str:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_text(text, tmp_path)
    return str(caught.value)


def test_the_refusal_names_file_line_field_value_and_range_with_its_unit(tmp_path):
    text = TINY_FILE.read_text().replace("volume: 1000", "volume: 1e308")
    line = text.splitlines().index("    volume: 1e308") + 1
    message = refusal(text, tmp_path)
    assert f"case.yaml:{line}:13  demands.repairs.volume: 1e+308 is not allowed: " in message
    assert "outside the plausible range of a volume: 0, or 1e-6 to 1e9 units per period" in message
    assert message.startswith("1 problem in the scenario:")  # and no "should be a valid list" besides


def test_a_wage_of_1e308_is_refused_naming_its_field(tmp_path):
    # Issue 14: it reached HiGHS (1e20 is its infinity) and came back `Status: error` naming no field.
    message = refusal(TINY_FILE.read_text().replace("cost_per_fte: 5200", "cost_per_fte: 1e308"), tmp_path)
    assert "roles.technician.cost_per_fte: 1e+308 is not allowed" in message
    assert "0, or 1e-9 to 1e12 currency" in message


def test_denormal_hours_per_unit_are_refused(tmp_path):
    # Issue 14: 1e-320 hours per unit passed and was solved as if the work took no time.
    message = refusal(TINY_FILE.read_text().replace("hours_per_unit: 1.5", "hours_per_unit: 1e-320"), tmp_path)
    assert "nodes.service_team.work.technician.hours_per_unit: 1e-320 is not allowed" in message
    assert "1e-6 to 100000 hours per unit" in message


def test_a_billion_periods_are_refused_at_once(tmp_path):
    # Issue 14: a MemoryError after 10 GB. One problem, not also "2 volumes given for 1000000000 periods".
    text = TINY_FILE.read_text().replace("period_length: 730", "period_length: 730\n  periods: 1000000000")
    start = cpu_clock()  # CPU seconds: the limit holds whatever else runs on the machine
    message = refusal(text.replace("volume: 1000", "volume: [1000, 1000]"), tmp_path)
    assert cpu_clock() - start < 5.0
    assert message.startswith("1 problem in the scenario:")
    assert "scenario.periods: 1000000000 is not allowed: outside the plausible range of a number of periods" in message


@pytest.mark.parametrize(
    ("label", "fragment"),
    [
        ("{month: feb}", "a period label is text (or a number or date), not a mapping"),
        ("[feb, mar]", "a period label is text (or a number or date), not a list"),
        ("true", "input should be a valid string"),
        ("x" * 101, "a period label has 1 to 100 characters; this one has 101"),
    ],
    ids=["mapping", "list", "bool", "101-characters"],
)
def test_a_period_label_that_is_not_text_is_refused_where_it_stands(label, fragment, tmp_path):
    # Issue 14: a mapping as a period label was accepted and solved, printed as "{'a': 1}".
    text = TINY_FILE.read_text().replace("period_length: 730", f"period_length: 730\n  periods: [jan, {label}]")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "periods: [jan" in row)
    with pytest.raises(ScenarioError) as caught:
        scenario_from_text(text, tmp_path)
    [problem] = caught.value.problems
    assert (problem.path, problem.line) == ("scenario.periods[1]", line)
    assert fragment in problem.message


def test_numbers_and_dates_are_period_labels_as_text():
    scenario = scenario_from_text(
        TINY_FILE.read_text().replace(
            "period_length: 730", f"period_length: 730\n  periods: [2027-01-31, 2, 2.5, {'y' * 100}]"
        )
    )
    assert scenario.periods == ["2027-01-31", "2", "2.5", "y" * 100]


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_nan_and_infinity_are_refused(value):
    text = TINY_FILE.read_text().replace("cost_per_fte: 5200", f"cost_per_fte: {value}")
    with pytest.raises(
        ScenarioError, match=r"roles.technician.cost_per_fte: .* is not allowed: input should be a finite"
    ):
        scenario_from_text(text)


# --- every numeric field has its range --------------------------------------------------------------


def numeric_leaves(annotation: object, metadata: tuple = ()) -> Iterator[tuple[str, tuple]]:
    """Each int or float an annotation can hold, with the metadata (constraints, validators) on it."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        yield from numeric_leaves(args[0], metadata + tuple(args[1:]))
    elif origin in (typing.Union, types.UnionType):
        for arg in args:
            yield from numeric_leaves(arg, ())
    elif origin in (list, dict):
        yield from numeric_leaves(args[-1], ())
    elif annotation in (int, float):
        yield annotation.__name__, metadata


def numeric_fields(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, str, tuple]]:
    """(dotted field, int or float, metadata) for every numeric field under `model`, nested models too."""
    for name, info in model.model_fields.items():
        path = f"{prefix}{info.alias or name}"
        yield from ((path, kind, meta) for kind, meta in numeric_leaves(info.annotation, tuple(info.metadata)))
        for nested in nested_models(info.annotation):
            yield from numeric_fields(nested, path + ".")


def nested_models(annotation: object) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from nested_models(arg)


def test_every_numeric_field_of_the_schema_has_a_plausible_range():
    fields = list(numeric_fields(Scenario))
    ranged = {
        path
        for path, _, metadata in fields
        if any(isinstance(m, AfterValidator) and isinstance(getattr(m.func, "__self__", None), Range) for m in metadata)
    }
    # solver.highs_options passes HiGHS's own options through; HiGHS checks each (model/highs_options.py).
    unranged = sorted({path for path, _, _ in fields} - ranged - {"solver.highs_options"})
    assert unranged == []
    assert len(ranged) >= 50  # the schema's numeric fields, counted when this test was written: 53


def test_the_walk_finds_a_number_without_a_range():
    """The test above can fail: a plain float, nested in an optional list, is found and has no range."""

    class Inner(BaseModel):
        figure: list[float] | None = None

    class Outer(BaseModel):
        inner: Inner | None = None

    assert [(path, kind, meta) for path, kind, meta in numeric_fields(Outer)] == [("inner.figure", "float", ())]


def test_the_docs_table_is_the_registry():
    assert docs_table() in (ROOT / "docs" / "model.md").read_text()


# --- nothing real is refused --------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(DATA.glob("*.yaml")), ids=lambda p: p.name)
def test_the_shipped_scenarios_are_plausible(path):
    load_scenario(path)


@pytest.mark.parametrize("size", [Size(3, 40, 1, 0), Size(6, 300, 1, 1), Size(4, 60, 3, 2)], ids=str)
def test_generated_scenarios_are_plausible(size):
    scenario_from_data(generate(size))


def test_the_corpus_has_a_file_per_range_case():
    files = sorted(BAD_FOLDER.glob("range_*.yaml"))
    assert len(files) >= 35
    for path in files:
        head = path.read_text().splitlines()[:8]
        assert any(h.startswith("# expect:") for h in head) and any(h.startswith("# line:") for h in head), path


def test_each_schema_type_allows_0_exactly_when_its_range_says_so():
    """The docs' table says "0, or ..." from Range.zero; the schema's types refuse 0 by their sign
    (gt=0). The two must agree, or the table promises a 0 the validation refuses."""
    import typing

    from pydantic import AfterValidator
    from pydantic.fields import FieldInfo

    from model.scenario import ranges

    checked = []
    for name, alias in vars(ranges).items():
        if typing.get_origin(alias) is not typing.Annotated:
            continue
        metadata = typing.get_args(alias)[1:]
        kinds = [m.func.__self__ for m in metadata if isinstance(m, AfterValidator)]
        signs = [c for m in metadata if isinstance(m, FieldInfo) for c in m.metadata]
        if not kinds or not signs:
            continue
        refuses_0 = any(getattr(c, "gt", None) == 0 or getattr(c, "ge", 0) >= 1 for c in signs)
        assert refuses_0 == (not kinds[0].zero), f"{name}: the sign and {kinds[0].kind!r}'s zero disagree"
        checked.append(name)
    assert {"Money", "HoursPerPeriod", "HoursPerPeriodOr0", "Time", "PositiveTime", "Share"} <= set(checked)
