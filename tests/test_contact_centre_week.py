"""data/contact-centre-week.yaml, the contact centre by the half-hour (README, "A contact centre by
the half-hour"): its solved figures recomputed here without the model's own code for them.

- Each pattern's half-hours are laid out by hand below (start, 17 half-hours for 8.5 h, less the
  break; the part-time shifts 8 half-hours, no break), so the agents on duty in each half-hour are
  (1 - 0.3) x the heads of the patterns covering it.
- Each half-hour's calls: the month's 52,000 spread by the day profile times the time profile, over
  4.33 occurrences: units = 52,000 x p_day x p_time / (4.33 x sum p_day x sum p_time); the load is
  units x 0.1 h / 0.5 h (Erlangs).
- The agents each half-hour needs: the smallest whole N whose Erlang A (patience 3 min) service level
  within 1 minute is at least 80 % and whose abandoned share is at most 5 %, found by trying N = 0,
  1, 2, ... with model.queueing's formulas (the functions the published Erlang A figures are tested
  against in tests/test_queueing_a_b.py), not by the model's requirement tangents.
- A pattern's cost: its covered hours x 3,600 EUR / 173 h (agent) per week, x 4.33 weeks a month.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import scenario_from_text

from model import optimise
from model.queueing import lost_share, service_level
from model.scenario import load_scenario

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "contact-centre-week.yaml"
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
TIMES = [f"{8 + k // 2:02d}:{30 * (k % 2):02d}" for k in range(24)]  # 08:00 .. 19:30
WEIGHT, SHRINKAGE = 4.33, 0.3
DAY_PROFILE = [1.25, 1.1, 1.05, 1.0, 0.95, 0.6, 0.35]
TIME_PROFILE = [0.6, 0.9, 1.2, 1.5, 1.6, 1.5, 1.3, 1.1, 0.9, 0.8, 0.9, 1.1,
                1.2, 1.2, 1.1, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4, 0.35]  # fmt: skip
SHIFT_TIMES = {"early": ("08:00", 17, "12:00"), "late": ("11:30", 17, "15:30"), "mid": ("10:00", 17, "14:00")}


def _phone_patterns() -> dict[str, set[str]]:
    """The phone desk's patterns: the interval labels each covers, laid out by hand."""
    out: dict[str, set[str]] = {}

    def lay(name: str, start: str, count: int, brk: str | None, days: list[str]) -> None:
        first = TIMES.index(start)
        times = [t for t in TIMES[first : first + count] if t != brk]
        out[name] = {f"{day} {t}" for day in days for t in times}

    for shift in ("early", "late"):
        start, count, brk = SHIFT_TIMES[shift]
        for first in range(7):
            days = [DAYS[(first + k) % 7] for k in range(5)]
            lay(f"{shift}_{days[0].lower()}_{days[-1].lower()}", start, count, brk, days)
    lay("mid_mon_fri", *SHIFT_TIMES["mid"], DAYS[:5])
    lay("peak_mon_fri", "09:00", 8, None, DAYS[:5])
    lay("peak_sat_sun", "09:00", 8, None, DAYS[5:])
    lay("evening_mon_fri", "16:00", 8, None, DAYS[:5])
    return out


PATTERNS = _phone_patterns()


def _units() -> pd.Series:
    """Calls arriving in one occurrence of each half-hour, by the profiles."""
    total = sum(DAY_PROFILE) * sum(TIME_PROFILE)
    return pd.Series(
        {
            f"{day} {t}": 52000 * pd_ * pt / (WEIGHT * total)
            for day, pd_ in zip(DAYS, DAY_PROFILE, strict=True)
            for t, pt in zip(TIMES, TIME_PROFILE, strict=True)
        }
    )


def _needed(load: float) -> int:
    """The fewest whole agents meeting 80 % within 1 min and at most 5 % abandoned (hours)."""
    for n in range(200):
        sl = service_level(n, load, 0.1, 1 / 60, model="erlang_a", patience=3 / 60)
        lost = lost_share("erlang_a", n, load, 0.1, 3 / 60)
        if sl >= 0.8 and lost <= 0.05:
            return n
    raise AssertionError(f"no staffing up to 200 agents meets the targets at {load} Erlangs")


def _pattern_cost(name: str, cost_per_fte: float = 3600) -> float:
    """EUR per head per week: the pattern's covered hours at the role's hourly wage."""
    return len(PATTERNS[name]) * 0.5 * cost_per_fte / 173


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(EXAMPLE)


@pytest.fixture(scope="module")
def lp(scenario):
    outcome = optimise(scenario, sensitivity=False)
    assert outcome.status == "optimal"
    return outcome


@pytest.fixture(scope="module")
def whole(scenario):
    outcome = optimise(scenario, integer_staff=True, sensitivity=False)
    assert outcome.status == "optimal"
    return outcome


def _phone_roster(outcome) -> pd.Series:
    roster = outcome.tables["roster"]
    return roster[roster.node == "phone_desk"].set_index("pattern").heads


def _on_duty(heads: pd.Series) -> pd.Series:
    """(1 - shrinkage) x the heads of the patterns covering each half-hour."""
    return pd.Series(
        {
            label: (1 - SHRINKAGE) * sum(heads[p] for p, cover in PATTERNS.items() if label in cover)
            for label in _units().index
        }
    )


def test_the_calls_arrive_by_the_profiles(lp):
    queues = lp.tables["queues"].set_index("interval")
    units = _units()
    assert queues.units.to_dict() == pytest.approx(units.to_dict())
    assert queues.load.to_dict() == pytest.approx((units * 0.1 / 0.5).to_dict())  # Erlangs
    assert (units.sum() * WEIGHT) == pytest.approx(52000)


@pytest.mark.parametrize("plan", ["lp", "whole"])
def test_every_half_hour_has_the_whole_agents_its_queue_needs(plan, request):
    outcome = request.getfixturevalue(plan)
    queues = outcome.tables["queues"].set_index("interval")
    on_duty = _on_duty(_phone_roster(outcome))
    assert queues.agents.to_dict() == pytest.approx(on_duty.to_dict())
    needed = pd.Series({label: _needed(load) for label, load in queues.load.items()})
    assert (on_duty >= needed - 1e-6).all(), (on_duty - needed)[on_duty < needed - 1e-6]
    assert queues.agents_required.to_dict() == pytest.approx(needed.astype(float).to_dict())
    if plan == "lp":  # the cheapest roster leaves some half-hour with no agent to spare
        assert (on_duty - needed).min() == pytest.approx(0, abs=1e-6)
    slack = on_duty - needed  # the figures the README quotes: Monday 10:00, the week's peak
    assert needed["Mon 10:00"] == 37 and needed["Sun 19:30"] == 5
    assert slack.sum() > 0


def test_the_labour_cost_is_the_heads_times_the_pattern_costs(lp, whole):
    for outcome in (lp, whole):
        heads = _phone_roster(outcome)
        expected = sum(heads[p] * _pattern_cost(p) * WEIGHT for p in PATTERNS)
        costs = outcome.tables["costs"]
        booked = costs[(costs.node == "phone_desk") & (costs.category == "labour")].amount.sum()
        assert booked == pytest.approx(expected)
    whole_heads = _phone_roster(whole)
    assert np.allclose(whole_heads, whole_heads.round())
    assert whole.objective >= lp.objective - 1e-6


def test_french_e_mails_go_to_the_bilingual_writers(lp, whole):
    for outcome in (lp, whole):
        work = outcome.tables["work"]
        french = work[(work.demand == "email_fr") & (work.node == "email_team") & (work.units > 1e-9)]
        assert french["mode"].tolist() == ["writer_bi"]
        assert french.units.sum() == pytest.approx(2500)
        assert french.hours.sum() == pytest.approx(2500 * 0.2)  # hours_by_demand
    english = lp.tables["work"]
    english = english[(english.demand == "email_en") & (english.node == "email_team")].set_index("mode")
    assert english.units.sum() == pytest.approx(9000)
    # As an LP the cheaper writer_en (3,400 EUR, same 0.15 h) takes every English e-mail.
    assert english.units.get("writer_bi", 0) == pytest.approx(0, abs=1e-6)


def test_shrinkage_scales_the_desk_by_one_over_what_is_left(lp, tmp_path):
    # The half-hours need the same whole agents on duty whatever the shrinkage (the loads do not
    # change), and heads = agents / (1 - shrinkage) on every pattern, so as an LP the desk's cost
    # scales by (1 - 0.3) / (1 - 0.2) when shrinkage drops to 20 %; the e-mail team's does not move.
    text = EXAMPLE.read_text().replace("shrinkage: 0.3, skills: [en]}", "shrinkage: 0.2, skills: [en]}")
    lower = optimise(scenario_from_text(text, tmp_path), sensitivity=False)
    assert lower.status == "optimal"

    def by_node(outcome):
        return outcome.tables["costs"].groupby("node").amount.sum()

    assert by_node(lower)["phone_desk"] == pytest.approx(by_node(lp)["phone_desk"] * 0.7 / 0.8)
    assert by_node(lower)["email_team"] == pytest.approx(by_node(lp)["email_team"])
