"""HiGHS options passed through (model/highs_options.py): checked against HiGHS, then used."""

from __future__ import annotations

import pytest
from conftest import DATA
from pydantic import ValidationError

import model
from model.highs_options import checked, parse_assignment
from model.optimise import optimise_options


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("presolve", "off", "off"),
        ("simplex_strategy", "4", 4),
        ("mip_rel_gap", "0.01", 0.01),
        ("output_flag", "false", False),
        ("output_flag", True, True),
        ("time_limit", 7, 7.0),
    ],
)
def test_text_is_read_as_the_option_type(name, text, value):
    assert checked(name, text) == value and type(checked(name, text)) is type(value)


@pytest.mark.parametrize(
    ("name", "text", "fragment"),
    [
        ("presolv", "off", "no option 'presolv'; did you mean presolve"),
        ("simplex_strategy", "4.5", "is a whole number"),
        ("simplex_strategy", "99", "refuses simplex_strategy = 99"),
        ("presolve", "maybe", "refuses presolve = 'maybe'"),
        ("mip_rel_gap", "tight", "is a number"),
        ("output_flag", "perhaps", "is true or false"),
    ],
)
def test_a_bad_option_says_what_is_allowed(name, text, fragment):
    with pytest.raises(ValueError, match=fragment):
        checked(name, text)


def test_command_line_pairs():
    assert parse_assignment(" presolve = off ") == ("presolve", "off")
    with pytest.raises(ValueError, match="KEY=VALUE"):
        parse_assignment("presolve")


def test_options_reach_highs_and_the_answer_stays_the_same():
    # tiny by hand: 53,485.71 EUR (README); primal simplex without presolve must find the same optimum
    scenario = model.load_scenario(DATA / "tiny.yaml")
    options, integer = optimise_options(scenario, highs_options={"presolve": "off", "simplex_strategy": "4"})
    assert options.highs_options == {"presolve": "off", "simplex_strategy": 4}
    outcome = model.optimise(scenario, options, integer_staff=integer)
    assert outcome.objective == pytest.approx(600 * 52 + 400 * 1.5 / 140 * 5200, rel=1e-9)
    assert outcome.solver["algorithm"] == "dual simplex with presolve=off, simplex_strategy=4"
    assert outcome.options["highs_options"] == {"presolve": "off", "simplex_strategy": 4}


def test_command_line_options_add_to_the_scenarios():
    scenario = model.load_scenario(DATA / "tiny.yaml")
    solver = scenario.solver.model_copy(update={"highs_options": {"presolve": "off"}})
    with_file = scenario.model_copy(update={"solver": solver})
    options, _ = optimise_options(with_file, highs_options={"simplex_strategy": "4"})
    assert options.highs_options == {"presolve": "off", "simplex_strategy": 4}
    with pytest.raises(ValidationError, match="no option 'presolv'"):
        optimise_options(scenario, highs_options={"presolv": "off"})


def test_the_default_algorithm_follows_the_measurements():
    # docs/performance.md: one period, dual simplex at every size measured (1.6 s against 5.6 s for
    # interior point at 100k columns); three periods, dual simplex at 20k columns (0.69 s against 0.76 s),
    # interior point from 29k (1.5 s against 2.1 s).
    from model.solve import IPM_FROM_COLUMNS, default_algorithm

    assert default_algorithm(1_000_000, periods=1) == "simplex"
    assert default_algorithm(IPM_FROM_COLUMNS - 1, periods=3) == "simplex"
    assert default_algorithm(IPM_FROM_COLUMNS, periods=3) == "ipm"
    assert default_algorithm(IPM_FROM_COLUMNS, periods=3, warm=True) == "simplex"
