"""Outcomes are returned, not raised; the public API does what the README says."""

from __future__ import annotations

import pytest
from conftest import DATA, UNKEEPABLE_PROMISE

import model
from model.generate import Size, generate, write_scenario


def test_public_api_as_in_the_readme(tmp_path):
    scenario = model.load_scenario(DATA / "tiny.yaml")
    outcome = model.optimise(scenario)
    assert (outcome.status, outcome.currency) == ("optimal", "EUR")
    # tiny, by hand: vendor 600 x (50 + 2) + service team 400 x 1.5 h / 140 h x 5,200 EUR
    assert outcome.objective == pytest.approx(600 * 52 + 400 * 1.5 / 140 * 5200, rel=1e-9)
    folder = model.write_run(outcome, DATA / "tiny.yaml", tmp_path)
    summary, tables = model.read_run(folder)
    assert summary["status"] == "optimal" and set(tables) >= {"costs", "demand_kpis"}


def test_solver_options_override_the_scenario(tmp_path):
    scenario = model.load_scenario(DATA / "tiny.yaml")
    outcome = model.optimise(scenario, model.SolveOptions(algorithm="ipm"), integer_staff=True)
    assert outcome.solver["mip"] is True
    assert outcome.tables["staffing"].fte.tolist() == [5.0]  # 4.29 FTE rounded up to whole people


def test_a_time_limit_is_a_status_not_an_exception(tmp_path):
    path = tmp_path / "mid.yaml"
    write_scenario(generate(Size(6, 250, 2, 3)), path)
    # 1 ms is far below what this 18,000-variable model needs (about 0.4 s): HiGHS stops with no solution.
    outcome = model.optimise(model.load_scenario(path), model.SolveOptions(time_limit=0.001))
    assert outcome.status == "time_limit"
    assert "Time limit" in outcome.message
    assert outcome.tables == {}


def test_field_wise_options_keep_the_scenarios_other_settings():
    text = (DATA / "tiny.yaml").read_text() + "\nsolver: {mip_gap: 0.01, integer_staff: true}\n"
    from model.scenario import parse_yaml, validate_data

    scenario = validate_data(*parse_yaml(text, "tiny.yaml"))
    options, integer = model.optimise_options(scenario, time_limit=60)
    assert (options.time_limit, options.mip_gap, integer) == (60, 0.01, True)


def test_a_row_no_decision_can_satisfy_is_infeasible_and_named():
    # conftest's UNKEEPABLE_PROMISE: a 24 h promise cannot be kept, and the response-time row has no
    # variable left to say so to HiGHS.
    from model.scenario import parse_yaml, validate_data

    outcome = model.optimise(validate_data(*parse_yaml(UNKEEPABLE_PROMISE, "slow.yaml")))
    assert outcome.status == "infeasible"
    assert "response_time_target demand=d1 P1 cannot hold" in outcome.message
    assert outcome.tables == {}


def test_read_scenario_gives_the_diagnosis_its_lines(tmp_path):
    path = tmp_path / "impossible.yaml"
    text = (DATA / "tiny.yaml").read_text().replace("max_mean_response_time: 24", "max_mean_response_time: 5")
    path.write_text(text)
    scenario, source, raw = model.read_scenario(path)
    assert raw == path.read_bytes()
    outcome = model.optimise(scenario, source=source)
    relaxation = outcome.diagnosis[outcome.diagnosis.kind == "relaxation"].iloc[0]
    assert relaxation.line == text.splitlines().index("    max_mean_response_time: 5") + 1
