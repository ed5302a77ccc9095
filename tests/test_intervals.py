"""Intervals within a period: the interval table and each demand's arrival shares (docs/model.md,
Intervals), worked by hand on a two-day, four-half-hour scenario."""

from __future__ import annotations

import numpy as np
import pytest

from model.errors import ScenarioError
from model.network import index_sets
from model.scenario import load_scenario

SCENARIO = """
scenario: {name: iv, currency: EUR, period_length: 730}
intervals:
  days: [Mon, Tue]
  times: {from: "08:00", to: "10:00", minutes: 30}
  weight: 4
stages: [s]
roles: {agent: {cost_per_fte: 3000, hours_per_fte: 140}}
nodes:
  desk: {stage: s, work: {agent: {hours_per_unit: 0.1}}}
demands:
  calls: {origin: desk, sinks: [desk], volume: 800, profile: {days: [1, 3], times: [1, 1, 2, 4]}}
  mail: {origin: desk, sinks: [desk], volume_by_interval: [1, 2, 3, 4, 5, 6, 7, 8]}
  even: {origin: desk, sinks: [desk], volume: 10}
"""


@pytest.fixture(scope="module")
def sets(tmp_path_factory):
    path = tmp_path_factory.mktemp("iv") / "iv.yaml"
    path.write_text(SCENARIO)
    return index_sets(load_scenario(path))


def test_the_intervals_are_days_times_times_each_half_an_hour(sets):
    assert list(sets.intervals.interval) == [
        f"{d} {t}" for d in ("Mon", "Tue") for t in ("08:00", "08:30", "09:00", "09:30")
    ]
    assert list(sets.intervals.hours) == [0.5] * 8
    assert sets.interval_weight == 4


def test_a_profile_of_days_times_times_spreads_the_volume(sets):
    # Mon: 1 x (1, 1, 2, 4), Tue: 3 x (1, 1, 2, 4): 8 + 24 = 32; one occurrence of Mon 08:00 gets
    # 1 / (4 x 32) = 1/128 of the period's volume, Tue 09:30 gets 12/128.
    calls = sets.shares[0]
    assert calls[0] == pytest.approx(1 / 128)
    assert calls[7] == pytest.approx(12 / 128)
    assert calls.sum() * 4 == pytest.approx(1.0)


def test_volumes_by_interval_make_the_period_volume(sets):
    # 4 x (1 + ... + 8) = 144 units a period; interval k gets k / 144 of it in one occurrence.
    assert sets.volumes[1].tolist() == [144.0]
    assert sets.shares[1] == pytest.approx(np.arange(1, 9) / 144)


def test_without_a_profile_arrivals_are_even_in_time(sets):
    assert sets.shares[2] == pytest.approx(np.full(8, 1 / 32))


def test_a_scenario_without_intervals_has_none():
    from model.scenario import load_scenario as load

    plain = index_sets(load("data/tiny.yaml"))
    assert len(plain.intervals) == 0 and plain.shares.shape[1] == 0


@pytest.mark.parametrize(
    ("change", "bad", "line"),
    [
        ("times: [1, 1, 2, 4]}", "times: [1, 1, 2]}", ":12:"),
        ("volume_by_interval: [1, 2, 3, 4, 5, 6, 7, 8]", "volume_by_interval: [1, 2]", ":13:"),
    ],
)
def test_a_profile_of_the_wrong_length_is_refused_where_it_is(tmp_path, change, bad, line):
    path = tmp_path / "bad.yaml"
    path.write_text(SCENARIO.replace(change, bad))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    text = str(caught.value)
    assert "given for" in text and ("4 times" in text or "8 intervals" in text)
    assert f"bad.yaml{line}" in text  # the demand's line


def test_a_profile_without_intervals_is_refused(tmp_path):
    path = tmp_path / "bad.yaml"
    text = SCENARIO.split("stages:")[1]
    path.write_text("scenario: {name: iv, currency: EUR, period_length: 730}\nstages:" + text)
    with pytest.raises(ScenarioError, match="profile needs intervals"):
        load_scenario(path)


def test_hours_with_a_generated_range_is_refused(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(SCENARIO.replace("weight: 4", "weight: 4\n  hours: 1"))
    with pytest.raises(ScenarioError, match="hours follow from minutes"):
        load_scenario(path)


def test_intervals_longer_than_the_period_are_refused(tmp_path):
    # 400 occurrences of 8 half-hours = 1,600 hours, in a period of 730.
    path = tmp_path / "bad.yaml"
    path.write_text(SCENARIO.replace("weight: 4", "weight: 400"))
    with pytest.raises(ScenarioError, match=r"the intervals last 1600 hours a period \(400 x 4 h\)"):
        load_scenario(path)


def test_a_role_without_shifts_is_said_to_be_sized_on_the_period():
    from conftest import scenario_from_text

    from model.validity import scenario_notes

    said = [note for note in scenario_notes(scenario_from_text(SCENARIO)) if "roles without shifts" in note]
    assert len(said) == 1 and "desk (agent)" in said[0]
