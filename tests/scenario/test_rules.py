"""Validation of the scenario's `rules:` (model/scenario/checks.py `check_rules`, schema.Rule): every
mistake is a located problem with its exact message, and the CLI exits 2 without a traceback."""

from __future__ import annotations

import textwrap

import pytest
from conftest import e2eopt

from model.errors import ScenarioError
from model.lp.objective import CATEGORIES, COST_TERMS
from model.lp.variables import BY_NAME as VARIABLE
from model.rules import COST_PARTS
from model.scenario import parse_yaml, rulespec, validate_data

BASE = """\
scenario: {name: rules, currency: EUR, period_length: 730, periods: 2}
stages: [market, service]
roles:
  technician: {cost_per_fte: 5200, hours_per_fte: 140}
nodes:
  call_centre: {stage: market}
  service_team:
    stage: service
    work: {technician: {hours_per_unit: 1.5}}
  vendor: {stage: service, unit_cost: 50}
arcs:
  - {from: call_centre, to: service_team}
  - {from: call_centre, to: vendor}
demands:
  repairs: {origin: call_centre, sinks: [service_team, vendor], volume: 1000, segment: premium,
            labels: {region: north}}
rules:
"""


def problems(rules: str) -> list[tuple[int | None, str, str, str]]:
    """(line, path, message, hint) of each problem of BASE with these rules."""
    text = BASE + textwrap.indent(textwrap.dedent(rules), "  ")
    with pytest.raises(ScenarioError) as raised:
        validate_data(*parse_yaml(text, "rules.yaml"))
    return [(p.line, p.path, p.message, p.hint) for p in raised.value.problems]


RULES_AT = BASE.count("\n") + 1  # the line of the first rule


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            "a: {sum: units, where: {node: vendr}, at_most: 5}",
            ("rules.a.where.node", "unknown node 'vendr'", "Did you mean 'vendor'?"),
        ),
        (
            "a: {sum: flow, where: {role: technician}, at_most: 5}",
            (
                "rules.a.where.role",
                "filter 'role' does not apply to flow",
                "Filters of flow: demand, segment, arc, from, to, stage, period, label.NAME.",
            ),
        ),
        (
            "a: {sum: fte, where: {demand: repairs}, at_least: 5}",
            (
                "rules.a.where.demand",
                "filter 'demand' does not apply to fte",
                "Filters of fte: node, role, stage, period.",
            ),
        ),
        (
            "a: {sum: units, where: {node: 'part*'}, at_most: 5}",
            ("rules.a.where.node", "'part*' matches no node", "Allowed: call_centre, service_team, vendor."),
        ),
        (  # a misspelt pattern: the pattern of the same shape closest to it, and what that matches
            "a: {sum: units, where: {node: 'vendr*'}, at_most: 5}",
            ("rules.a.where.node", "'vendr*' matches no node", "Did you mean 'vendor*'? It matches vendor."),
        ),
        (
            "a: {sum: units, where: {node: 'srvice_*'}, at_most: 5}",
            (
                "rules.a.where.node",
                "'srvice_*' matches no node",
                "Did you mean 'service_*'? It matches service_team.",
            ),
        ),
        (  # a misspelt filter key
            "a: {sum: units, where: {segmnt: premium}, at_most: 5}",
            (
                "rules.a.where.segmnt",
                "filter 'segmnt' does not apply to units",
                "Did you mean 'segment'? Filters of units: demand, segment, node, role, stage, period, label.NAME.",
            ),
        ),
        (
            "a: {sum: units, where: {node: [vendor, 'x?']}, at_most: 5}",
            ("rules.a.where.node[1]", "'x?' matches no node", "Allowed: call_centre, service_team, vendor."),
        ),
        (
            "a: {sum: units, at_most: 5, at_least: 2}",
            (
                "rules.a",
                "a rule gives one of at_most, at_least, equal, not at_most and at_least",
                "Write the comparison as `at_most: 0.3`, `at_least: 10` or `equal: 0`.",
            ),
        ),
        (
            "a: {sum: units}",
            (
                "rules.a",
                "a rule needs one of at_most, at_least, equal",
                "Write the comparison as `at_most: 0.3`, `at_least: 10` or `equal: 0`.",
            ),
        ),
        (
            "a: {sum: units, at_most: -0.3, of: {sum: units}}",
            (
                "rules.a.at_most",
                "a share cannot be negative: -0.3",
                "With `of`, the number is a share of the `of` sum (0.3 is 30%).",
            ),
        ),
        (
            "a: {sum: units, at_most: 0.3, of: {sum: units, where: {segment: premum}}}",
            ("rules.a.of.where.segment", "unknown segment 'premum'", "Did you mean 'premium'?"),
        ),
        (
            "a: {sum: units, where: {period: P3}, at_most: 3}",
            ("rules.a.where.period", "unknown period 'P3'", "Allowed: P1, P2."),
        ),
        (
            "a: {sum: units, where: {label.region: east}, at_most: 3}",
            ("rules.a.where.label.region", "unknown value of label region 'east'", "Allowed: north."),
        ),
        (
            "a: {sum: units, where: {label.channel: web}, at_most: 3}",
            (
                "rules.a.where.label.channel",
                "no demand has the label 'channel'",
                "Labels are given per demand, under `labels:`.",
            ),
        ),
        (
            "a: {sum: cost, where: {category: labor}, at_most: 3}",
            ("rules.a.where.category", "unknown cost category 'labor'", "Did you mean 'labour'?"),
        ),
        (
            "a: {sum: flow, where: {arc: 'call_centre->vendr'}, at_most: 3}",
            ("rules.a.where.arc", "unknown arc 'call_centre->vendr'", "Did you mean 'call_centre->vendor'?"),
        ),
    ],
)
def test_each_mistake_is_located_with_its_message(rule, expected):
    found = problems(rule)
    assert [p[1:] for p in found] == [expected]
    assert found[0][0] == RULES_AT


def test_an_unknown_quantity_names_the_allowed_ones():
    (found,) = problems("a: {sum: unit, at_most: 3}")
    assert found[:3] == (
        RULES_AT,
        "rules.a.sum",
        "'unit' is not allowed: input should be 'flow', 'units', 'fte', 'hours', 'overtime' or 'cost'",
    )


def test_an_unknown_quantity_does_not_hide_the_filters_problems():
    # The schema refuses 'ftes'; the filters are still checked: a known key against the names, an
    # unknown key as a filter no quantity has.
    found = problems("a: {sum: ftes, where: {node: servce_team, segmnt: premium}, at_least: 3}")
    assert [p[1:] for p in found] == [
        (
            "rules.a.sum",
            "'ftes' is not allowed: input should be 'flow', 'units', 'fte', 'hours', 'overtime' or 'cost'",
            "sum: The quantity summed: flow | units | fte | hours | overtime | cost.",
        ),
        ("rules.a.where.node", "unknown node 'servce_team'", "Did you mean 'service_team'?"),
        (
            "rules.a.where.segmnt",
            "unknown filter 'segmnt'",
            "Did you mean 'segment'? Filters: demand, segment, arc, from, to, stage, period, node, role, category, "
            "label.NAME.",
        ),
    ]


def test_a_number_out_of_range_is_refused_with_the_range():
    (found,) = problems("a: {sum: cost, at_most: 1.0e+13}")
    assert found[1] == "rules.a.at_most"
    assert "outside the plausible range of a rule's number: 0, or -1e12 to -1e-9 or 1e-9 to 1e12" in found[2]


def test_a_valid_rule_set_loads_with_wildcards_lists_and_labels():
    text = BASE + textwrap.indent(
        textwrap.dedent("""
        a: {sum: units, where: {node: ['serv*', vendor], period: 'P?'}, at_most: 0.5, of: {sum: units}}
        b: {sum: cost, where: {category: [labour, processing], label.region: north}, at_most: -5, per: horizon}
        """),
        "  ",
    )
    scenario = validate_data(*parse_yaml(text, "rules.yaml"))
    assert scenario.rules["a"].comparison == ("at_most", 0.5)
    assert scenario.rules["b"].comparison == ("at_most", -5.0)  # a bound may be negative (a credit)
    assert scenario.rules["b"].per == "horizon"


def test_the_cost_categories_and_parts_are_the_objectives():
    assert rulespec.CATEGORIES == CATEGORIES
    declared = [(p.variable, p.table, p.weight, p.category) for p in COST_PARTS]
    assert declared == [(t.variable, VARIABLE[t.variable].table, t.price, t.category) for t in COST_TERMS]


def test_the_command_line_exits_2_with_the_located_problem(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BASE + "  a: {sum: units, where: {node: vendr}, at_most: 5}\n", encoding="utf-8")
    run = e2eopt("validate", str(path), cwd=tmp_path)
    assert run.returncode == 2
    assert f"bad.yaml:{RULES_AT}:" in run.stderr + run.stdout
    assert "rules.a.where.node: unknown node 'vendr'" in run.stderr + run.stdout
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("rule", "keys", "quantity"),
    [
        # call_centre has no work, so no technician works there.
        ("a: {sum: units, where: {node: call_centre, role: technician}, at_most: 5}", "node, role", "units"),
        # no arc ends at the call centre (stage market).
        ("a: {sum: flow, where: {stage: market}, at_most: 5}", "stage", "flow"),
        # the one demand is premium, in region north.
        ("a: {sum: units, where: {segment: premium, label.region: north, demand: 'x*'}, at_most: 5}", None, None),
    ],
)
def test_filters_that_select_nothing_together_are_a_rule_over_nothing(rule, keys, quantity):
    found = problems(rule)
    if keys is None:  # 'x*' alone matches no demand: that problem, not a knock-on one
        assert [p[2] for p in found] == ["'x*' matches no demand"]
        return
    assert [p[1:3] for p in found] == [
        ("rules.a.where", f"the filters {keys} together select no {quantity} to sum: a rule over nothing")
    ]
    assert found[0][0] == RULES_AT


def test_demand_filters_that_select_nothing_together():
    # The only demand is in segment premium and region north: south matches a label value of no demand
    # alone, so give a second demand in the south that is standard.
    text = (
        BASE.replace(
            "demands:\n",
            "demands:\n  returns: {origin: call_centre, sinks: [vendor], volume: 10, segment: standard,"
            " labels: {region: south}}\n",
        )
        + "  a: {sum: units, where: {segment: premium, label.region: south}, at_most: 5}\n"
    )
    with pytest.raises(ScenarioError) as raised:
        validate_data(*parse_yaml(text, "rules.yaml"))
    assert [(p.path, p.message) for p in raised.value.problems] == [
        ("rules.a.where", "the filters segment, label.region together select no units to sum: a rule over nothing")
    ]


def test_a_misspelt_pattern_over_many_names_names_five_and_counts_them():
    extra = "".join(f"  vendor_{i}: {{stage: service, unit_cost: {50 + i}}}\n" for i in range(1, 8))
    text = BASE.replace("arcs:\n", extra + "arcs:\n") + "  a: {sum: units, where: {node: 'vendr_*'}, at_most: 5}\n"
    with pytest.raises(ScenarioError) as raised:
        validate_data(*parse_yaml(text, "rules.yaml"))
    assert [(p.path, p.message, p.hint) for p in raised.value.problems] == [
        (
            "rules.a.where.node",
            "'vendr_*' matches no node",
            "Did you mean 'vendor_*'? It matches vendor_1, vendor_2, vendor_3, vendor_4, vendor_5, ... (7 in all).",
        )
    ]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("prtner_*", ("partner_*", ["partner_a", "partner_b"])),  # the trial's typo
        ("*_c", None),  # nothing of that shape is close: the hint falls back to the closest name
        ("prtner_?", None),  # only a text, one `*`, a text is rebuilt
    ],
)
def test_the_pattern_suggested_for_a_pattern_that_matches_nothing(pattern, expected):
    assert rulespec.pattern_like(pattern, ["desk", "team", "partner_a", "partner_b"]) == expected
