"""`--time-limit` bounds the run, not just one HiGHS call: queue iterations, the diagnosis of an
infeasible scenario and the sensitivity table all get what is left of it, what it cut short is said,
and the exit code is the time limit's (5) when an optimal run was cut short."""

from __future__ import annotations

import json
import time

import pytest
from conftest import APPLIANCE_FILE, e2eopt, only_folder, queued_generated_data, scenario_from_data

from model.cli.solve import exit_code
from model.explain.diagnose import TIMED_OUT, diagnose
from model.generate import Size, generate, write_scenario
from model.outcome import outcome_of
from model.resolver import Resolver
from model.scenario.overrides import resolve
from model.solve import Deadline, SolveOptions

IN_THE_BOUND = ("index_sets", "build", "update", "handoff_pass", "update_pass", "solve", "extract", "diagnosis")
"""The phases of summary.json's timings_s that run inside the time limit (start-up, loading the file
and writing the run folder are outside it)."""


@pytest.fixture(scope="module")
def unreachable_quality():
    """appliance-co with every demand's minimum quality at 99.9 %: infeasible, and the diagnosis
    (with the limit's time to spare) names the quality targets."""
    scenario = resolve(APPLIANCE_FILE, ["demands.*.min_quality=0.999"]).scenario
    return scenario, Resolver(scenario).base


def test_a_diagnosis_with_its_time_spent_says_so_instead_of_no_relaxation(unreachable_quality):
    scenario, solved = unreachable_quality
    assert solved.outcome.status == "infeasible"
    assert set(solved.outcome.diagnosis.field.dropna()) >= {"demands.custom_orders.min_quality"}  # given the time
    cut = diagnose(solved.model, scenario, deadline=Deadline(0.0))
    assert list(cut.sentence) == [TIMED_OUT]  # no IIS either: its time was spent
    outcome = outcome_of(scenario, solved.model, solved.solution, SolveOptions(), {}, deadline=Deadline(0.0))
    assert outcome.notes == ["the diagnosis was cut short: the time limit ran out during it"]
    assert outcome.time_limited and exit_code(outcome) == 3  # infeasible is known: the exit says so


def test_an_optimal_run_whose_sensitivity_the_limit_skipped_exits_5():
    scenario = resolve(APPLIANCE_FILE).scenario
    solved = Resolver(scenario, sensitivity=False, ranging=True).base
    cut = outcome_of(scenario, solved.model, solved.solution, SolveOptions(), {}, deadline=Deadline(0.0))
    assert cut.status == "optimal" and "sensitivity" not in cut.tables and exit_code(cut) == 5
    whole = outcome_of(scenario, solved.model, solved.solution, SolveOptions(), {}, deadline=Deadline(600.0))
    assert "sensitivity" in whole.tables and not whole.time_limited and exit_code(whole) == 0


def _run(tmp_path, *args: str) -> tuple[int, dict, float, str]:
    """`e2eopt solve ARGS`: exit code, summary.json, wall seconds, stdout."""
    started = time.monotonic()
    result = e2eopt("solve", *args, "--out", str(tmp_path / "runs"), cwd=tmp_path)
    wall = time.monotonic() - started
    summary = json.loads((only_folder(tmp_path / "runs") / "summary.json").read_text())
    return result.returncode, summary, wall, result.stdout


def _inside(summary: dict) -> float:
    timings = summary["timings_s"]
    return sum(seconds for phase, seconds in timings.items() if phase in IN_THE_BOUND or phase.startswith("queue"))


def test_queue_iterations_stop_at_the_limit(tmp_path):
    data = queued_generated_data(Size(3, 30, 2, 5))
    whole = Resolver(scenario_from_data(data), sensitivity=False).base_outcome
    assert whole.status == "optimal" and whole.solver["queue_iterations"] >= 2  # it needs iterations
    path = tmp_path / "queued.yaml"
    write_scenario(data, path)
    limit = 0.05
    code, summary, wall, stdout = _run(tmp_path, str(path), "--time-limit", str(limit))
    assert code == 5 and summary["status"] == "time_limit", stdout
    # Bounds, generously (a loaded machine): the work inside the limit ends near it (a build or one
    # HiGHS call runs to its end), and the command within the limit plus start-up and writing.
    assert _inside(summary) < limit + 2.0, summary["timings_s"]
    assert wall < limit + 60


def test_an_infeasible_run_with_a_limit_ends_near_it_and_never_blames_no_relaxation(tmp_path):
    path = tmp_path / "mid.yaml"
    write_scenario(generate(Size(6, 250, 2, 3)), path)
    limit = 1.5  # about the solve and the diagnosis together here; on a loaded machine the solve alone
    code, summary, wall, stdout = _run(
        tmp_path, str(path), "--set", "demands.*.min_quality=0.995", "--time-limit", "1.5"
    )
    assert (code, summary["status"]) in ((3, "infeasible"), (5, "time_limit")), stdout
    # Before, the diagnosis got the whole limit again for each of its two HiGHS calls.
    assert _inside(summary) < limit + 1.0, summary["timings_s"]
    assert "No relaxation" not in stdout  # a diagnosis that ran out of time never says none exists
    if summary["notes"]:  # the diagnosis was cut short: said so
        assert summary["notes"] == ["the diagnosis was cut short: the time limit ran out during it"]
    assert wall < limit + 60
