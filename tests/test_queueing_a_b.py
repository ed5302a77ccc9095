"""Tests for Erlang A (M/M/N+M) and Erlang B in model.queueing: measures, requirements, tangents.

Every asserted value is worked out independently of the code under test:

* Erlang B, published figures:
  - erlang.com calculator manual, "How much traffic can a trunk group handle?": 15 lines at 1 %
    blocking carry at most 8.108 Erlangs;
  - erlang.com / Westbay forum "Trunk Engineering" (5 Dec 2001): 1200 calls per hour of 100 s
    (33.333 Erlangs) at 1 % blocking need 45 lines;
  - the traffic a trunk group carries at 1 % blocking as printed in the usual Erlang B tables
    (5 trunks 1.36, 10 trunks 4.46, 20 trunks 12.03, 100 trunks 84.06 Erlangs); no copy of such a
    table was found in the stored corpora, so these are checked also against the Erlang B
    recursion (erlang_b_integer, itself checked against exact rationals in test_queueing.py).
* Erlang A: no published table of figures could be found in the stored corpora (Mandelbaum &
  Zeltyn's note and 4CallCenters print their examples only as screenshots).  The second method is
  the exact birth-death chain of M/M/N+M for integer N, truncated far in the tail: P(W > 0) and
  the mean queue E[Q] from its stationary law, P(Ab) = theta E[Q] / lambda and E[W] = E[Q] /
  lambda (Little), and the service level from a tagged caller's absorbing chain solved with a
  matrix exponential (no incomplete gamma anywhere); plus the limits patience -> infinity
  (Erlang C) and patience -> 0 (Erlang B blocking as abandonment).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.linalg import expm
from scipy.optimize import brentq

from model import queueing as q

pytestmark = pytest.mark.filterwarnings("error")


def birth_death(n: int, a: float, patience: float, within: float, tail: int = 400) -> tuple[float, ...]:
    """M/M/n+M with mean handle time 1: (P(W > 0), P(Ab), E[W], SL(t)) from the chain itself.

    States k = 0 .. n + tail, birth rate a, death rate min(k, n) + max(k - n, 0) / patience.
    SL(t): an arrival finding k < n is answered at once; one finding k >= n starts a tagged chain
    at j = k - n callers ahead, which moves to j - 1 at rate n + j theta (to 'served' from j = 0 at
    rate n) and abandons at rate theta from any j; SL adds P(served by t) from each start.
    """
    theta = 1.0 / patience
    log_p = np.zeros(n + tail + 1)
    for k in range(1, n + tail + 1):
        log_p[k] = log_p[k - 1] + math.log(a) - math.log(min(k, n) + max(k - n, 0) * theta)
    pi = np.exp(log_p - log_p.max())
    pi /= pi.sum()
    queue = float(np.maximum(np.arange(pi.size) - n, 0) @ pi)
    m = tail + 1
    gen = np.zeros((m + 2, m + 2))  # j = 0..tail, then 'served' (m), 'abandoned' (m + 1)
    for j in range(m):
        if j:
            gen[j, j - 1] = n + j * theta
        else:
            gen[j, m] = n
        gen[j, m + 1] = theta
        gen[j, j] = -(n + (j + 1) * theta)
    served_by_t = expm(gen * within)[:m, m]
    service = pi[:n].sum() + float(pi[n:] @ served_by_t)
    return float(pi[n:].sum()), theta * queue / a, queue / a, float(service)


def measures_a(n: float, a: float, patience: float, within: float) -> tuple[float, ...]:
    """The module's (P(W > 0), P(Ab), E[W], SL(t)) for Erlang A with handle time 1."""
    kw = dict(model="erlang_a", patience=patience)
    return (
        float(q.wait_probability(n, a, 1.0, **kw)),
        float(q.lost_share("erlang_a", n, a, 1.0, patience)),
        float(q.average_wait(n, a, 1.0, **kw)),
        float(q.service_level(n, a, 1.0, within, **kw)),
    )


# ---------------------------------------------------------------------------
# Erlang A measures against the birth-death chain
# ---------------------------------------------------------------------------
CHAIN_CASES = [
    # n, a, patience / handle time, within / handle time
    (12, 10.0, 1.0, 0.2),  # QED: some wait, few abandon
    (5, 7.5, 0.3, 0.1),  # overloaded, impatient
    (30, 28.0, 3.0, 0.1),
    (3, 1.2, 10.0, 0.5),  # patient callers, light load
    (50, 60.0, 0.5, 0.05),  # N < A: stable only through abandonment
    (1, 0.4, 2.0, 1.0),
]


@pytest.mark.parametrize("n, a, patience, within", CHAIN_CASES)
def test_erlang_a_matches_birth_death_chain(n, a, patience, within):
    want = birth_death(n, a, patience, within)
    got = measures_a(n, a, patience, within)
    for name, g, w in zip(("P(W>0)", "P(Ab)", "E[W]", "SL"), got, want):
        assert g == pytest.approx(w, rel=1e-9), name


def test_erlang_a_thousand_agents_keeps_its_digits():
    # 1000 agents at 99 % occupancy: the factorial route would overflow; the chain (in logs) does not.
    want = birth_death(1000, 990.0, 2.0, 0.1, tail=600)
    got = measures_a(1000, 990.0, 2.0, 0.1)
    assert all(0.0 < g < 1.0 for g in got)
    np.testing.assert_allclose(got, want, rtol=1e-8)


def test_erlang_a_relations_between_measures():
    # E[W] = P(Ab) x patience (Little's law for the abandoning); the service level can never exceed
    # the share served, 1 - P(Ab), and reaches it as t grows; at t = 0 it is 1 - P(W > 0).
    n, a, p = np.array([8.0, 8.5, 20.0]), np.array([7.0, 9.0, 15.5]), 0.7
    ab = q.lost_share("erlang_a", n, a, 1.0, p)
    np.testing.assert_allclose(q.average_wait(n, a, 1.0, "erlang_a", p), ab * p, rtol=1e-15)
    sl = q.service_level(n, a, 1.0, 0.3, "erlang_a", p)
    assert np.all(sl < 1 - ab)
    np.testing.assert_allclose(q.service_level(n, a, 1.0, 200.0, "erlang_a", p), 1 - ab, rtol=1e-12)
    np.testing.assert_allclose(
        q.service_level(n, a, 1.0, 0.0, "erlang_a", p), 1 - q.wait_probability(n, a, 1.0, "erlang_a", p), rtol=1e-12
    )


def test_erlang_a_time_units_only_enter_as_ratios():
    # Handle 180 s, patience 120 s, within 20 s is the same queue as handle 1, patience 2/3, within 1/9.
    in_seconds = q.service_level(12.0, 10.0, 180.0, 20.0, "erlang_a", 120.0)
    in_handles = q.service_level(12.0, 10.0, 1.0, 1 / 9, "erlang_a", 2 / 3)
    assert float(in_seconds) == pytest.approx(float(in_handles), rel=1e-13)
    assert float(q.average_wait(12.0, 10.0, 180.0, "erlang_a", 120.0)) == pytest.approx(
        180.0 * float(q.average_wait(12.0, 10.0, 1.0, "erlang_a", 2 / 3)), rel=1e-13
    )


def test_erlang_a_tends_to_erlang_c_as_patience_grows():
    # The gap to Erlang C shrinks like 1 / patience: ~2.4e-5 relative at N = 11, A = 10 with a
    # patience of 1e6 handle times (the chain agrees: the ~7 callers queued each leave at rate 1e-6,
    # against a spare capacity of one agent), 100 times less at 1e8.
    n, a, t = np.array([11.0, 12.0, 14.0, 105.0]), np.array([10.0, 10.0, 10.0, 100.0]), 20 / 180
    c_wait, c_sl = q.average_wait(n, a, 1.0), q.service_level(n, a, 1.0, t)
    gaps = []
    for p in (1e6, 1e8):
        np.testing.assert_allclose(q.wait_probability(n, a, 1.0, "erlang_a", p), q.erlang_c(n, a), rtol=1e-4)
        np.testing.assert_allclose(q.service_level(n, a, 1.0, t, "erlang_a", p), c_sl, rtol=1e-4)
        gaps.append(np.abs(q.average_wait(n, a, 1.0, "erlang_a", p) / c_wait - 1))
    assert np.all(gaps[0] < 1e-4) and np.all(gaps[1] < 1e-6)
    assert np.all(gaps[1] < 2e-2 * gaps[0])
    want = birth_death(11, 10.0, 1e6, t, tail=800)
    np.testing.assert_allclose(measures_a(11, 10.0, 1e6, t), want, rtol=1e-9)


def test_erlang_a_tends_to_erlang_b_as_patience_vanishes():
    # Patience 1e-8 handle times: a caller who finds every agent busy hangs up at once, so the
    # abandoned share is Erlang B's blocked share (integer and real N), and nobody is answered late.
    n, a = np.array([1.0, 5.0, 7.5, 45.0]), np.array([0.5, 7.0, 5.0, 33.333])
    np.testing.assert_allclose(q.lost_share("erlang_a", n, a, 1.0, 1e-8), q.erlang_b(n, a), rtol=1e-6)
    np.testing.assert_allclose(q.service_level(n, a, 1.0, 0.5, "erlang_a", 1e-8), 1 - q.erlang_b(n, a), rtol=1e-6)


def test_erlang_a_conventions_and_monotone_in_agents():
    # N = 0: nobody is served; A = 0: nobody arrives.
    assert measures_a(0.0, 3.0, 1.0, 0.2) == (1.0, 1.0, 1.0, 0.0)
    assert measures_a(4.0, 0.0, 1.0, 0.2) == (0.0, 0.0, 0.0, 1.0)
    n = np.linspace(0.05, 40.0, 800)
    ab = q.lost_share("erlang_a", n, 20.0, 1.0, 0.5)
    sl = q.service_level(n, 20.0, 1.0, 0.1, "erlang_a", 0.5)
    assert np.all(np.diff(ab) < 0) and np.all(np.diff(sl) > 0)
    # Continuous through integers: real N between two integers lies between their values.
    lo, mid, hi = q.lost_share("erlang_a", [7.0, 7.5, 8.0], 8.0, 1.0, 0.5)
    assert hi < mid < lo


def test_overloaded_far_beyond_the_staff_stays_finite():
    # A = 5000 Erlangs on 500 agents: the incomplete gamma underflows in scipy; the logs must not.
    b = float(q.erlang_b(500.0, 5000.0))
    assert b == pytest.approx(q.erlang_b_integer(500, 5000.0), rel=1e-12)  # ~0.9000222
    ab = float(q.lost_share("erlang_a", 500.0, 5000.0, 1.0, 1.0))
    # Fluid bound: at most N agents' worth is served, so P(Ab) >= 1 - N / A = 0.9.
    # Here 1 / A(x, y) ~ e^-4000: P(Ab) = 1 - (N / A)(1 - 1 / A(x, y)) is 0.9 to double precision.
    assert ab == pytest.approx(0.9, abs=1e-15) and ab >= 0.9


# ---------------------------------------------------------------------------
# Erlang B: published figures and the max_blocked requirement
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "trunks, carried",
    [(5, "1.36"), (10, "4.46"), (15, "8.108"), (20, "12.03"), (100, "84.06")],
)
def test_erlang_b_table_traffic_at_one_percent_blocking(trunks, carried):
    # The most Erlangs `trunks` lines take at 1 % blocking (15 lines: erlang.com; the rest: the
    # usual tables, see the module docstring), by root-finding on the module's B(N, A) = 0.01 ...
    a = brentq(lambda x: float(q.erlang_b(trunks, x)) - 0.01, 1e-9, trunks)
    decimals = len(carried.split(".")[1])
    assert abs(a - float(carried)) <= 0.5 * 10.0**-decimals
    # ... and the same with the independent recursion.
    assert q.erlang_b_integer(trunks, float(carried)) == pytest.approx(0.01, abs=2e-4)
    # The requirement inverts it: at that load, exactly `trunks` lines are needed.
    assert float(q.required_agents(a, 1.0, model="erlang_b", max_blocked=0.01)) == pytest.approx(trunks, rel=1e-9)


def test_westbay_forum_1200_calls_an_hour_need_45_lines():
    # 1200 calls / hour, 100 s each (1200 / 36 = 33.333 Erlangs), 1 % blocking -> 45 lines.
    a = 1200 / 36
    assert float(q.required_agents(a, 1.0, model="erlang_b", max_blocked=0.01, whole=True)) == 45.0
    assert q.erlang_b_integer(45, a) <= 0.01 < q.erlang_b_integer(44, a)


@pytest.mark.parametrize("b", [0.001, 0.01, 0.2, 0.9])
def test_erlang_b_requirement_binds_and_whole_is_least_integer(b):
    loads = np.array([0.01, 0.7, 4.0, 33.3, 250.0, 4000.0])
    g = q.required_agents(loads, 1.0, model="erlang_b", max_blocked=b)
    assert np.all(q.erlang_b(g, loads) <= b * (1 + 1e-12))
    assert np.all(q.erlang_b(g * (1 - 1e-9), loads) > b)
    whole = q.required_agents(loads, 1.0, model="erlang_b", max_blocked=b, whole=True)
    for a, k in zip(loads, whole):
        k = int(k)
        assert q.erlang_b_integer(k, a) <= b and (k == 0 or q.erlang_b_integer(k - 1, a) > b), (a, b, k)


# ---------------------------------------------------------------------------
# Erlang A requirements
# ---------------------------------------------------------------------------
A_TARGETS = {
    "80% in 0.2, patience 1": dict(patience=1.0, service_level=0.8, within=0.2),
    "90% in 0.1, patience 0.3": dict(patience=0.3, service_level=0.9, within=0.1),
    "abandon 5%, patience 1": dict(patience=1.0, max_abandoned=0.05),
    "abandon 2%, patience 4": dict(patience=4.0, max_abandoned=0.02),
    "wait 0.05, patience 1": dict(patience=1.0, average_wait=0.05),
}
LOADS = np.array([0.02, 0.5, 5.0, 50.0, 500.0])


def _achieved(kw: dict, n: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, float, int]:
    """The measure a target bounds at N, its bound, and +1 if it must stay above, -1 below."""
    p = kw["patience"]
    if "service_level" in kw:
        return q.service_level(n, a, 1.0, kw["within"], "erlang_a", p), kw["service_level"], 1
    if "average_wait" in kw:
        return q.average_wait(n, a, 1.0, "erlang_a", p), kw["average_wait"], -1
    return q.lost_share("erlang_a", n, a, 1.0, p), kw["max_abandoned"], -1


@pytest.mark.parametrize("name", list(A_TARGETS))
def test_erlang_a_requirement_binds(name):
    kw = A_TARGETS[name]
    g = q.required_agents(LOADS, 1.0, model="erlang_a", **kw)
    at, bound, sign = _achieved(kw, g, LOADS)
    below, _, _ = _achieved(kw, g * (1 - 1e-8), LOADS)
    assert np.all(sign * (at - bound) >= -1e-12 * bound)
    assert np.all(sign * (below - bound) < 0)


def test_erlang_a_whole_requirement_is_least_integer_by_the_chain():
    # Least integer N with P(Ab) <= 5 %, scanned on the birth-death chain (patience 1, A = 10, 40).
    for a in (10.0, 40.0):
        n = 1
        while birth_death(n, a, 1.0, 0.0)[1] > 0.05:
            n += 1
        got = q.required_agents(a, 1.0, model="erlang_a", patience=1.0, max_abandoned=0.05, whole=True)
        assert float(got) == n
        real = float(q.required_agents(a, 1.0, model="erlang_a", patience=1.0, max_abandoned=0.05))
        assert n - 1 < real <= n


def test_erlang_a_average_wait_is_an_abandonment_bound():
    # E[W] = P(Ab) patience, so E[W] <= w is P(Ab) <= w / patience; w >= patience needs nobody.
    kw = dict(model="erlang_a", patience=2.0)
    g_wait = q.required_agents(LOADS, 1.0, average_wait=0.1, **kw)
    g_ab = q.required_agents(LOADS, 1.0, max_abandoned=0.05, **kw)
    np.testing.assert_array_equal(g_wait, g_ab)
    np.testing.assert_array_equal(q.required_agents(LOADS, 1.0, average_wait=2.0, **kw), np.zeros(LOADS.size))


def test_erlang_a_needs_fewer_agents_than_erlang_c_for_the_same_service_level():
    # Abandonment shortens the queue for those who stay, but abandoners count as unanswered: with
    # patient callers (patience 5 handle times) the answered-within-t share still needs fewer agents.
    a = np.array([5.0, 50.0, 500.0])
    g_c = q.required_agents(a, 1.0, service_level=0.8, within=0.1)
    g_a = q.required_agents(a, 1.0, service_level=0.8, within=0.1, model="erlang_a", patience=5.0)
    assert np.all(g_a < g_c)


def test_lost_share_by_model():
    assert float(q.lost_share("erlang_c", 12, 10)) == 0.0
    assert float(q.lost_share("erlang_b", 15, 8.108)) == pytest.approx(q.erlang_b_integer(15, 8.108), rel=1e-12)
    assert float(q.lost_share("erlang_a", 12, 10, 1.0, 1.0)) == pytest.approx(birth_death(12, 10.0, 1.0, 0.0)[1])
    assert float(q.wait_probability(15, 8.108, model="erlang_b")) == 0.0
    assert float(q.average_wait(15, 8.108, 1.0, "erlang_b")) == 0.0


def test_errors_name_what_is_allowed():
    with pytest.raises(ValueError, match="erlang_c, erlang_a, erlang_b"):
        q.lost_share("erlang_x", 1, 1)
    with pytest.raises(ValueError, match="needs patience"):
        q.required_agents(1.0, 1.0, model="erlang_a", max_abandoned=0.1)
    with pytest.raises(ValueError, match="max_blocked"):
        q.required_agents(1.0, 1.0, model="erlang_b", service_level=0.8, within=0.1)
    with pytest.raises(ValueError, match="not max_abandoned"):
        q.required_agents(1.0, 1.0, max_abandoned=0.1)
    with pytest.raises(ValueError, match="in \\(0, 1\\)"):
        q.required_agents(1.0, 1.0, model="erlang_b", max_blocked=1.0)
    with pytest.raises(ValueError, match="patience must be"):
        q.service_level(1.0, 1.0, 1.0, 0.1, "erlang_a", 0.0)


# ---------------------------------------------------------------------------
# Tangents: slopes, whole agents, concavity
# ---------------------------------------------------------------------------
TANGENT_CASES = {
    **{f"A {k}": dict(model="erlang_a", **v) for k, v in A_TARGETS.items()},
    "B 1%": dict(model="erlang_b", max_blocked=0.01),
    "B 20%": dict(model="erlang_b", max_blocked=0.2),
}


@pytest.mark.parametrize("name", list(TANGENT_CASES))
def test_tangent_slope_matches_finite_difference_of_g(name):
    kw = TANGENT_CASES[name]
    a0 = np.array([0.05, 0.5, 5.0, 50.0, 500.0])
    g0, slope = q.requirement_tangent(a0, 1.0, **kw)
    np.testing.assert_array_equal(g0, q.required_agents(a0, 1.0, **kw))
    h = 1e-3 * a0
    gm2, gm1, gp1, gp2 = (q.required_agents(a0 + k * h, 1.0, **kw) for k in (-2, -1, 1, 2))
    fd = (gm2 - 8 * gm1 + 8 * gp1 - gp2) / (12 * h)
    np.testing.assert_allclose(slope, fd, rtol=1e-6)


def test_whole_tangent_is_ceil_with_the_same_slope():
    kw = dict(model="erlang_a", patience=1.0, service_level=0.8, within=0.2)
    g, s = q.requirement_tangent([3.3, 47.0], 1.0, **kw)
    gw, sw = q.requirement_tangent([3.3, 47.0], 1.0, whole=True, **kw)
    np.testing.assert_array_equal(gw, np.ceil(g))
    np.testing.assert_array_equal(sw, s)
    # Erlang C too: the worked example of test_queueing.py needs 14 whole agents.
    assert float(q.requirement_tangent(10.0, 180.0, 0.8, 20.0, whole=True)[0]) == 14.0


GRID = np.unique(np.concatenate([np.logspace(-3, math.log10(5000), 500), LOADS]))
CONCAVE = {
    "A 80% in 0.2, patience 1": dict(model="erlang_a", patience=1.0, service_level=0.8, within=0.2),
    "A 95% in 0.2, patience 3": dict(model="erlang_a", patience=3.0, service_level=0.95, within=0.2),
    "A delay 50%, patience 1": dict(model="erlang_a", patience=1.0, service_level=0.5, within=0.0),
    "B 1%": dict(model="erlang_b", max_blocked=0.01),
    "B 20%": dict(model="erlang_b", max_blocked=0.2),
    "B 90%": dict(model="erlang_b", max_blocked=0.9),
}


@pytest.mark.parametrize("name", list(CONCAVE))
def test_tangent_lies_above_requirement_everywhere(name):
    kw = CONCAVE[name]
    g = q.required_agents(GRID, 1.0, **kw)
    for a0 in LOADS:
        g0, s0 = q.requirement_tangent(a0, 1.0, **kw)
        gap = float(g0) + float(s0) * (GRID - a0) - g
        assert np.all(gap >= -1e-9 * np.maximum(g, 1.0)), (name, a0, GRID[np.argmin(gap)], gap.min())


def test_abandonment_requirement_is_not_concave_at_large_loads():
    # P(Ab) >= 1 - N / A (at most N agents' worth is served), so g(A) >= (1 - m) A, and g - (1 - m) A
    # falls to 0 as the load grows (efficiency-driven staffing): g turns convex there.  The tangent
    # at 500 Erlangs (5 % abandoning, patience = handle time) undercuts g at 5000 Erlangs, by about
    # 10 agents of 4750 (0.2 %); see the module docstring for what the LP does about it.
    kw = dict(model="erlang_a", patience=1.0, max_abandoned=0.05)
    g = q.required_agents(np.array([500.0, 5000.0]), 1.0, **kw)
    assert np.all(g >= 0.95 * np.array([500.0, 5000.0]))
    assert g[1] - 0.95 * 5000 < 0.01
    g0, s0 = q.requirement_tangent(500.0, 1.0, **kw)
    under = g[1] - (float(g0) + float(s0) * 4500.0)
    assert 5.0 < under < 20.0
    assert float(s0) < 0.95  # the slope dips below the asymptote 1 - m: the convex stretch


def test_safe_between_makes_the_cut_cover_g_over_the_range():
    # The same non-concave case: raised by the shortfall found on 64 loads over [0.001, 5000], the
    # cut covers g on a 3000-point grid up to the second-order gap between the 64 points (measured
    # < 0.002 agents), keeps its slope, and is unchanged where g is concave (tangent at 5 Erlangs).
    kw = dict(model="erlang_a", patience=1.0, max_abandoned=0.05)
    fine = np.geomspace(1e-3, 5000.0, 3000)
    g = q.required_agents(fine, 1.0, **kw)
    v, s = q.requirement_tangent(500.0, 1.0, safe_between=(1e-3, 5000.0), **kw)
    v0, s0 = q.requirement_tangent(500.0, 1.0, **kw)
    assert float(s) == float(s0)
    assert 10.0 < float(v - v0) < 10.5  # the 10.2 agents short at 5000 Erlangs
    assert np.min(float(v) + float(s) * (fine - 500.0) - g) > -2e-3
    # Where g is concave on the range the value stays g(A0): exact at its point.
    v5, _ = q.requirement_tangent(5.0, 1.0, safe_between=(1e-3, 50.0), **kw)
    assert float(v5) == float(q.required_agents(5.0, 1.0, **kw))
    with pytest.raises(ValueError, match="0 < lo <= hi"):
        q.requirement_tangent(5.0, 1.0, safe_between=(10.0, 1.0), **kw)


def test_per_lane_patience_and_targets_broadcast():
    # One call for lanes with different patience and bounds equals one call per lane.
    loads = np.array([3.0, 30.0, 300.0])
    patience = np.array([0.5, 1.0, 4.0])
    bounds = np.array([0.1, np.nan, 0.02])  # NaN: the middle lane has no target (g = 0)
    g = q.required_agents(loads, 1.0, model="erlang_a", patience=patience, max_abandoned=bounds)
    assert g[1] == 0.0
    for i in (0, 2):
        one = q.required_agents(loads[i], 1.0, model="erlang_a", patience=patience[i], max_abandoned=bounds[i])
        assert g[i] == float(one)
