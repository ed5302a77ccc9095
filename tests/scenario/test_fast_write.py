"""The fast writing of scenario YAML (libyaml's emitter) reads back, by the round-trip parser, as the
data it was given: every scalar's type and value, every key's order.

`fastyaml.plain_text` quotes each text YAML 1.2 would read as something else, and checks its own
output with the fast reading; here an independent reader, ruamel's round-trip parser (the reading
of record, `loader._round_trip` then `_plain`), reads it back. `scenario_yaml` falls back to ruamel's
writer where the fast one refuses.
"""

from __future__ import annotations

import datetime
import math

import pytest
from conftest import APPLIANCE_FILE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fast_load import round_trip, typed

from model.generate import Size, generate
from model.scenario import fastyaml, read_scenario
from model.scenario.fastyaml import NotPlain, plain_text
from model.scenario.overrides import resolve, scenario_yaml

# Texts YAML 1.1 (PyYAML's own quoting rules) reads as text but YAML 1.2 reads as something else,
# or the other way round, and texts YAML needs quoted for its syntax.
AWKWARD_TEXTS = [
    "0o17", "0x1F", "0b101", "1e3", "1E3", "-1e-3", "+12", "1_000", "017", ".5", "5.", ".inf", "-.Inf", ".NaN",
    "yes", "no", "on", "off", "y", "n", "Yes", "TRUE", "true", "False", "null", "Null", "~", "", " ",
    "2026-12-05", "2026-12-05 10:30:00", "12:30", "1:30:00", "a: b", "#comment", "- x", "[x]", "{y}", "*ref",
    "&anchor", "!tag", "%directive", "'quoted'", '"double"', "trailing ", " leading", "ünïcödé €", "a\nb",
    "=", "<<", "?", "-", ":", "|", ">",
]  # fmt: skip


def read_back(text: str) -> object:
    """The text as the round-trip parser reads it (the reading of record), made plain."""
    return round_trip(text)[0]


def test_awkward_texts_read_back_as_texts():
    data = {"texts": AWKWARD_TEXTS, "as keys": {text: index for index, text in enumerate(AWKWARD_TEXTS) if text}}
    text = plain_text(data)
    assert typed(read_back(text)) == typed(data)


def test_numbers_bools_nulls_and_dates_keep_their_types():
    data = {
        "ints": [0, -7, 12345678901234567890],
        "floats": [0.0, -0.0, 1.5, 1e-05, 1e20, 123456.789, math.inf, -math.inf],
        "bools": [True, False],
        "nothing": None,
        "when": datetime.date(2026, 12, 5),
        "nested": {"a": [1, {"b": [2.5, "c"]}], "d": {}},
        "empty": [],
    }
    back = read_back(plain_text(data))
    assert typed(back) == typed(data)
    nan = read_back(plain_text({"x": math.nan}))["x"]
    assert math.isnan(nan)


def test_a_value_met_twice_is_written_twice_without_anchors():
    shared = {"capacity": 10.0, "tags": ["a", "b"]}
    text = plain_text({"first": shared, "second": shared})
    assert "&" not in text and "*" not in text
    assert read_back(text) == {"first": shared, "second": shared}


def test_short_collections_are_inline_and_keys_keep_their_order():
    text = plain_text({"zeta": {"y": 1, "x": 2}, "alpha": [1, 2, 3]})
    assert text == "zeta: {y: 1, x: 2}\nalpha: [1, 2, 3]\n"


def test_what_the_fast_writer_refuses_ruamel_writes():
    data = {"name": "line\u2028separator"}  # YAML 1.1 and 1.2 read LS differently: the check refuses it
    with pytest.raises(NotPlain):
        plain_text(data)
    assert read_back(scenario_yaml(data, ["a header"]).decode()) == data


def test_a_missing_libyaml_leaves_the_writing_to_ruamel(monkeypatch):
    monkeypatch.setattr(fastyaml, "CSafeDumper", None)
    data = {"a": [1, "0o17", None]}
    with pytest.raises(NotPlain):
        plain_text(data)
    assert typed(read_back(scenario_yaml(data).decode())) == typed(data)


def test_a_resolved_scenario_is_written_fast_and_solves_the_same_problem(tmp_path):
    """`e2eopt solve --set` writes the resolved scenario; read again it is the same scenario."""
    resolved = resolve(APPLIANCE_FILE, ["demands.*.volume=*0.95", "roles.*.cost_per_fte=*1.05"])
    text = resolved.text.decode()
    assert text.startswith("# Resolved by e2eopt from")
    plain_text(resolved.data)  # the fast writer took it (it raises where it would not)
    written = tmp_path / "scenario.yaml"
    written.write_bytes(resolved.text)
    again = read_scenario(written)[0]
    assert again.model_dump() == resolved.scenario.model_dump()


def test_a_generated_scenario_reads_back_the_same():
    data = generate(Size(4, 60, 2, seed=3))
    assert typed(read_back(plain_text(data))) == typed(data)


SCALARS = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
    st.sampled_from(AWKWARD_TEXTS),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
)
PLAIN = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8).filter(bool), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.text(max_size=8).filter(bool), PLAIN, max_size=5))
def test_whatever_the_fast_writer_writes_the_round_trip_parser_reads_back(data):
    try:
        text = plain_text(data)
    except NotPlain:
        return  # refused: scenario_yaml writes it with ruamel
    assert typed(read_back(text)) == typed(data)
