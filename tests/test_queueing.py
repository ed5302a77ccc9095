"""Tests for model.queueing (Erlang C for real-valued agents).

Every asserted value is worked out independently of the code under test:

* published figures, quoted with the rounding the source prints:
  - CRAN package ErlangC 0.1.0 (Damonsoul, 2024), README and
    tests/testthat/test-calculate_agents.R: the "100 calls in 30 min, AHT
    180 s, 80 % in 20 s" example, table for 11..14 agents;
  - callcentrehelper.com, "Erlang C Formula - Made Simple With an Easy Worked
    Example" (same example; figures for 14 agents), read from a stored copy;
  - pyworkforce 0.1.0 on PyPI (README example, same inputs);
  - H. C. Tijms, "A First Course in Stochastic Models", Wiley 2003, sec. 5.3,
    p. 200 (c = 100, rho = 0.95) and Table 5.3.2 p. 201 (exact least c with
    delay probability <= alpha, offered load R up to 1000 Erlangs);
  - jonesthenet.com, "Erlang uplift" (250 calls/h, AHT 330 s, 80 % in 30 s ->
    28 advisors);
* second methods: the Erlang B recursion, exact rational arithmetic with
  Python integers/fractions, and Jagerman's integral for real N;
* analytic identities (implicit-function slope vs finite differences of g).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import integrate

from model import queueing as q

# Any overflow / invalid-value RuntimeWarning inside the module is a failure.
pytestmark = pytest.mark.filterwarnings("error")


# ---------------------------------------------------------------------------
# Independent reference implementations
# ---------------------------------------------------------------------------
def exact_erlang_b(n: int, a: Fraction) -> Fraction:
    """B(n, a) = (a^n / n!) / sum_k a^k / k!, in exact rationals."""
    term = Fraction(1)
    total = Fraction(1)
    for k in range(1, n + 1):
        term = term * a / k
        total += term
    return term / total


def exact_erlang_c(n: int, a: Fraction) -> float:
    """Erlang C in exact integer arithmetic, correctly rounded to a float.

    With A = p / r and R_n = sum_{k<=n} p^k r^(n-k) n!/k!  (R_n = n r R_{n-1} + p^n),
    B = p^n / R_n and C = n r p^n / (R_n (n r - p) + p^(n+1)).
    Big integers only (tens of thousands of digits at n = 5000), no rounding.
    """
    p, r = a.numerator, a.denominator
    big_r, p_pow = 1, 1
    for k in range(1, n + 1):
        p_pow *= p
        big_r = k * r * big_r + p_pow
    return (n * r * p_pow) / (big_r * (n * r - p) + p_pow * p)


def erlang_c_from_recursion(n: int, a: float) -> float:
    """C = N B / (N - A (1 - B)) with B from the integer recursion."""
    if n <= a:
        return 1.0
    b = q.erlang_b_integer(n, a)
    return n * b / (n - a * (1.0 - b))


def erlang_b_jagerman(n: float, a: float) -> float:
    """Real-N Erlang B from Jagerman's integral 1/B = A int_0^inf e^{-Ay} (1+y)^N dy.

    (Substitute t = A (1 + y) in Gamma(N + 1, A).)  Numerical quadrature:
    a route independent of scipy.special.gammaincc.
    """
    val, _ = integrate.quad(lambda y: math.exp(n * math.log1p(y) - a * y), 0.0, math.inf, epsabs=0.0, epsrel=1e-13)
    return 1.0 / (a * val)


def assert_printed(value: float, printed: str, decimals: int | None = None) -> None:
    """``value`` rounds to the figure a source printed (half a unit in the last place)."""
    if decimals is None:
        decimals = len(printed.split(".")[1]) if "." in printed else 0
    tol = 0.5 * 10.0**-decimals
    assert abs(float(value) - float(printed)) <= tol * (1 + 1e-9), (value, printed)


# ---------------------------------------------------------------------------
# Erlang B / C against exact and recursive evaluation
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, 1, 2, 5, 13, 30])
@pytest.mark.parametrize("a", [Fraction(1, 10), Fraction(7, 2), Fraction(12), Fraction(45, 2)])
def test_erlang_b_integer_matches_exact_rationals(n, a):
    assert q.erlang_b_integer(n, float(a)) == pytest.approx(float(exact_erlang_b(n, a)), rel=1e-13)


def test_erlang_c_continuous_equals_integer_formula_at_integer_n():
    loads = [0.01, 0.3, 0.999, 1.0, 2.5, 7.0, 19.9, 33.3, 58.0]
    for n in range(1, 61):
        for a in loads:
            got = float(q.erlang_c(n, a))
            want = erlang_c_from_recursion(n, a)
            assert got == pytest.approx(want, rel=1e-12, abs=1e-300), (n, a)


@pytest.mark.parametrize(
    "n, a",
    [(3, Fraction(2)), (11, Fraction(10)), (25, Fraction(37, 2)), (60, Fraction(1, 3))],
)
def test_erlang_c_small_n_matches_exact_direct_summation(n, a):
    # Direct textbook summation in exact rationals:
    # C = (a^n/n! * n/(n-a)) / (sum_{k<n} a^k/k! + a^n/n! * n/(n-a))
    top = a**n / math.factorial(n) * n / (n - a)
    bottom = sum(a**k / math.factorial(k) for k in range(n)) + top
    assert float(q.erlang_c(n, float(a))) == pytest.approx(float(top / bottom), rel=1e-13)


@pytest.mark.parametrize(
    "n, a",
    [
        (300, Fraction(280)),
        (500, Fraction(961, 2)),
        (1000, Fraction(950)),
        (2000, Fraction(1960)),
        (5000, Fraction(4900)),
        (5000, Fraction(19961, 4)),  # A = 4990.25, occupancy 99.8 %
    ],
)
def test_erlang_c_hundreds_to_thousands_of_agents(n, a):
    exact = exact_erlang_c(n, a)
    got = float(q.erlang_c(n, float(a)))
    assert np.isfinite(got) and 0.0 < got < 1.0
    assert got == pytest.approx(exact, rel=1e-10)
    assert erlang_c_from_recursion(n, float(a)) == pytest.approx(exact, rel=1e-10)


@pytest.mark.parametrize(
    "n, a",
    [(0.4, 0.1), (2.5, 1.7), (7.3, 5.0), (9.5, 8.0), (10.5, 9.0), (15.7, 12.0), (40.5, 38.0)],
)
def test_erlang_b_real_n_matches_jagerman_integral(n, a):
    assert float(q.erlang_b(n, a)) == pytest.approx(erlang_b_jagerman(n, a), rel=1e-9)


def test_extreme_arguments_stay_finite_and_follow_conventions():
    # Very large pools, A >> N, N >> A, A == 0: no NaN, no warnings.
    n = np.array([1e5, 1e6, 50.0, 1000.0, 3.0, 0.5, 2.0])
    a = np.array([1e5 - 300, 1e6 - 1000, 1e4, 1.0, 0.0, 0.5, 3.0])
    c = q.erlang_c(n, a)
    assert np.all(np.isfinite(c)) and np.all((c >= 0) & (c <= 1))
    assert c[2] == 1.0 and c[5] == 1.0 and c[6] == 1.0  # N <= A: everyone waits
    assert c[4] == 0.0  # no arrivals
    assert 0.0 <= c[3] < 1e-300  # C(1000, 1) ~ 1/1000!: underflows to 0, not NaN
    assert 0.0 < c[0] < 1.0 and 0.0 < c[1] < 1.0
    np.testing.assert_array_equal(q.average_wait([3.0, 2.0], [0.0, 3.0], 1.0), [0.0, np.inf])
    np.testing.assert_array_equal(q.service_level([3.0, 2.0], [0.0, 3.0], 1.0, 1.0), [1.0, 0.0])


def test_broadcasting_and_array_outputs():
    c = q.erlang_c(np.array([[11.0], [12.0]]), np.array([10.0, 10.5, 11.0]))
    assert isinstance(c, np.ndarray) and c.shape == (2, 3)
    assert c[0, 2] == 1.0 and c[1, 0] == pytest.approx(erlang_c_from_recursion(12, 10.0))
    assert isinstance(q.erlang_c(11, 10), np.ndarray)


# ---------------------------------------------------------------------------
# Monotonicity in N (real-valued)
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("a", [0.01, 0.7, 10.0, 333.3, 4000.0])
def test_monotone_in_agents(a):
    n = np.linspace(a + 1e-3, a + 8 * math.sqrt(a) + 8, 700)
    c = q.erlang_c(n, a)
    sl = q.service_level(n, a, 1.0, 0.2)
    wq = q.average_wait(n, a, 1.0)
    assert np.all(np.diff(c) < 0)
    assert np.all(np.diff(wq) < 0)
    assert np.all(np.diff(sl) >= 0)
    unsaturated = (1.0 - sl[1:]) > 1e-10  # where 1 - SL is resolvable in doubles
    assert np.all(np.diff(sl)[unsaturated] > 0)


# ---------------------------------------------------------------------------
# Published worked examples
# ---------------------------------------------------------------------------
# 100 calls per 30 min, AHT 180 s -> A = 100 * 180 / 1800 = 10 Erlangs; target
# 80 % answered within 20 s.  CRAN ErlangC 0.1.0 README, `calculate_agents`
# output, $process table (R prints 7 significant digits, so the service level
# "0.640158" is 0.6401580 and "0.88835" is 0.8883500; ASA is printed by
# lubridate with 15 significant digits):
ERLANGC_TABLE = [
    # agents, wait_probability, service_level, average_speed_of_answer [s]
    (11, "0.6821182", "0.3896138", "122.78127684408"),
    (12, "0.4493882", "0.6401580", "40.4449401868444"),
    (13, "0.2852705", "0.7955948", "17.1162271821896"),
    (14, "0.1741319", "0.8883500", "7.83593701177724"),
]


@pytest.mark.parametrize("agents, pw, sl, asa", ERLANGC_TABLE)
def test_cran_erlangc_worked_example_table(agents, pw, sl, asa):
    a, aht, target = 100 * 180 / 1800, 180.0, 20.0
    assert a == 10.0
    assert_printed(q.erlang_c(agents, a), pw)
    assert_printed(q.service_level(agents, a, aht, target), sl)
    assert_printed(q.average_wait(agents, a, aht), asa)
    # "immediate_answer_probability" column is 1 - wait_probability.


def test_callcentrehelper_worked_example_14_agents():
    # callcentrehelper.com "Erlang C Formula - Made Simple": with 14 agents,
    # P[w] = 0.1741, Service Level = 88.8 %, ASA = 7.8 s, 82.6 % answered
    # immediately, occupancy 71.4 %; 14 is the raw number of agents needed.
    a = 10.0
    assert_printed(q.erlang_c(14, a), "0.1741")
    assert_printed(100 * q.service_level(14, a, 180.0, 20.0), "88.8")
    assert_printed(q.average_wait(14, a, 180.0), "7.8")
    assert_printed(100 * (1 - q.erlang_c(14, a)), "82.6")
    assert_printed(100 * a / 14, "71.4")


def test_pyworkforce_readme_example():
    # pyworkforce 0.1.0 (PyPI README): ErlangC(transactions=100, asa=20/60,
    # aht=3, interval=30) -> raw_positions 14, service_level
    # 0.8883500191794669, waiting_probability 0.1741319335950498.  Those are
    # doubles from a factorial-series evaluation; we allow 1e-13 relative for
    # the different rounding path (incomplete gamma).
    a = 100 * 3 / 30
    assert float(q.service_level(14, a, 3.0, 20 / 60)) == pytest.approx(0.8883500191794669, rel=1e-13)
    assert float(q.erlang_c(14, a)) == pytest.approx(0.1741319335950498, rel=1e-13)


def test_integer_staffing_of_worked_example_is_ceil_of_real_requirement():
    # CRAN ErlangC ($agents = 14), pyworkforce (raw_positions 14) and
    # callcentrehelper (14 agents) all give 14 as the least integer N with
    # service level >= 80 % in 20 s.
    g = float(q.required_agents(10.0, 180.0, service_level=0.8, within=20.0))
    assert 13.0 < g < 14.0
    assert math.ceil(g) == 14


def test_jonesthenet_erlang_uplift_example():
    # jonesthenet.com "Erlang uplift": 250 calls in the average hour, AHT 330 s,
    # 80 % of calls in 30 s: "the accountant thinks you need 250 x 330 / 3600 =
    # 22.9 advisors ...; Erlang ... thinks we need 28 advisors".
    a = 250 * 330 / 3600
    assert_printed(a, "22.9")
    assert math.ceil(float(q.required_agents(a, 330.0, service_level=0.8, within=30.0))) == 28


def test_tijms_page_200_hundred_servers():
    # Tijms (2003) p. 200: "take c = 100 and rho = 0.95. Then on average 50.6 %
    # of the customers must wait, but the average wait of a delayed customer
    # is only 1/5 of its mean service time. Moreover, on average, only 5 % of
    # the delayed customers have to wait more than 3/5 of the mean service time."
    c = float(q.erlang_c(100, 95.0))
    assert_printed(100 * c, "50.6")
    assert float(q.average_wait(100, 95.0, 1.0)) / c == pytest.approx(1 / 5, rel=1e-12)
    late_given_delayed = (1 - float(q.service_level(100, 95.0, 1.0, 3 / 5))) / c
    assert_printed(100 * late_given_delayed, "5")


# Tijms (2003) Table 5.3.2, "The exact and approximate values of c*": the least
# number of servers with delay probability P_W <= alpha (exact columns only).
TIJMS_TABLE_532 = {
    # R: (alpha = 0.5, alpha = 0.2, alpha = 0.1)
    1: (2, 3, 3),
    5: (7, 8, 9),
    10: (12, 14, 16),
    50: (54, 58, 61),
    100: (106, 111, 115),
    250: (259, 268, 274),
    500: (512, 525, 533),
    1000: (1017, 1034, 1046),
}


@pytest.mark.parametrize("load", sorted(TIJMS_TABLE_532))
def test_tijms_square_root_staffing_table(load):
    for alpha, c_star in zip((0.5, 0.2, 0.1), TIJMS_TABLE_532[load]):
        # Delay probability C <= alpha is a service-level target at t = 0.
        g = float(q.required_agents(load, 1.0, service_level=1 - alpha, within=0.0))
        assert math.ceil(g) == c_star, (load, alpha, g)
        # Second method: scan integer c with the Erlang B recursion.
        b, c = 1.0, 0
        while True:
            c += 1
            b = load * b / (c + load * b)
            if c > load and c * b / (c - load * (1 - b)) <= alpha:
                break
        assert c == c_star


# ---------------------------------------------------------------------------
# required_agents
# ---------------------------------------------------------------------------
LOADS = np.array([1e-3, 0.05, 0.5, 5.0, 50.0, 500.0, 5000.0])
SL_TARGETS = [
    pytest.param(dict(handle_time=180.0, service_level=0.8, within=20.0), id="80in20s"),
    pytest.param(dict(handle_time=180.0, service_level=0.9, within=20.0), id="90in20s"),
    pytest.param(dict(handle_time=1.5, service_level=0.8, within=24.0), id="80in1day"),
    pytest.param(dict(handle_time=1.0, service_level=0.95, within=0.0), id="delay5pct"),
]


@pytest.mark.parametrize("kw", SL_TARGETS)
def test_required_agents_service_level_binds(kw):
    g = q.required_agents(LOADS, **kw)
    s = kw["service_level"]
    at = q.service_level(g, LOADS, kw["handle_time"], kw["within"])
    below = q.service_level(g - 1e-6, LOADS, kw["handle_time"], kw["within"])
    assert np.all(g > LOADS)
    assert np.all(at >= s - 1e-12) and np.all(at - s <= 1e-9)
    assert np.all(below < s)


@pytest.mark.parametrize("w", [30.0, 1.0, 600.0])
def test_required_agents_average_wait_binds(w):
    g = q.required_agents(LOADS, 180.0, average_wait=w)
    at = q.average_wait(g, LOADS, 180.0)
    assert np.all(at <= w * (1 + 1e-12)) and np.all(at >= w * (1 - 1e-9))
    assert np.all(q.average_wait(g - 1e-6, LOADS, 180.0) > w)


def test_ceil_of_real_requirement_is_least_integer_staffing():
    # Integer check through the independent recursion: ceil(g) meets the
    # target, ceil(g) - 1 does not.
    for a in [0.3, 2.0, 7.7, 23.4, 88.0, 240.5]:
        g = float(q.required_agents(a, 180.0, service_level=0.8, within=20.0))
        n = math.ceil(g)

        def sl(k: int, a: float = a) -> float:
            return 1 - erlang_c_from_recursion(k, a) * math.exp(-(k - a) * 20 / 180)

        assert sl(n) >= 0.8 > sl(n - 1), (a, g)


def test_both_targets_take_the_max():
    a = np.array([0.05, 1.0, 1.5, 50.0, 500.0])
    g_sl = q.required_agents(a, 180.0, service_level=0.8, within=20.0)
    g_aw = q.required_agents(a, 180.0, average_wait=30.0)
    g = q.required_agents(a, 180.0, service_level=0.8, within=20.0, average_wait=30.0)
    np.testing.assert_array_equal(g, np.maximum(g_sl, g_aw))
    # Each target binds somewhere in this range (crossover near A = 1.24).
    assert (g_aw > g_sl)[0] and (g_sl > g_aw)[-1]


def test_targets_broadcast_and_nan_means_no_target():
    loads = np.array([[1.0], [100.0]])
    levels = np.array([0.5, 0.8, 0.95])
    g = q.required_agents(loads, 1.0, service_level=levels, within=0.1)
    assert g.shape == (2, 3)
    for i, a in enumerate(loads[:, 0]):
        for j, s in enumerate(levels):
            assert g[i, j] == float(q.required_agents(a, 1.0, service_level=s, within=0.1))
    # NaN service level: that element has only the average-wait target ...
    g2 = q.required_agents([2.0, 2.0], 1.0, [0.8, np.nan], [0.5, 0.5], [np.nan, 0.1])
    assert g2[0] == float(q.required_agents(2.0, 1.0, service_level=0.8, within=0.5))
    assert g2[1] == float(q.required_agents(2.0, 1.0, average_wait=0.1))
    # ... and an element with no target at all is left at the stability floor A.
    assert float(q.required_agents(3.0, 1.0, average_wait=np.nan)) == 3.0


def test_required_agents_zero_load_and_errors():
    np.testing.assert_array_equal(q.required_agents([0.0, 0.0], 1.0, average_wait=0.5), [0.0, 0.0])
    with pytest.raises(ValueError):
        q.required_agents(1.0, 1.0)
    with pytest.raises(ValueError):
        q.required_agents(1.0, 1.0, service_level=0.8)
    with pytest.raises(ValueError):
        q.required_agents(1.0, 1.0, service_level=1.0, within=1.0)
    with pytest.raises(ValueError):
        q.required_agents(-1.0, 1.0, average_wait=1.0)
    with pytest.raises(ValueError):
        q.requirement_tangent([1.0, 0.0], 1.0, average_wait=1.0)


# ---------------------------------------------------------------------------
# requirement_tangent: slope and the concavity / safety claim
# ---------------------------------------------------------------------------
TANGENT_TARGETS = {
    "80% in 20 s, AHT 3 min": dict(handle_time=180.0, service_level=0.8, within=20.0),
    "90% in 20 s, AHT 3 min": dict(handle_time=180.0, service_level=0.9, within=20.0),
    "average wait 30 s, AHT 3 min": dict(handle_time=180.0, average_wait=30.0),
    "80% in 1 day, handle 1.5 h (hours)": dict(handle_time=1.5, service_level=0.8, within=24.0),
}
A0S = [0.05, 0.5, 5.0, 50.0, 500.0]
GRID = np.unique(np.concatenate([np.logspace(-3, math.log10(5000), 600), A0S]))


@pytest.fixture(scope="module")
def g_on_grid():
    return {name: q.required_agents(GRID, **kw) for name, kw in TANGENT_TARGETS.items()}


@pytest.mark.parametrize("name", list(TANGENT_TARGETS))
def test_tangent_value_and_slope_match_finite_difference(name):
    kw = TANGENT_TARGETS[name]
    a0 = np.array([0.001, *A0S, 5000.0])
    g0, slope = q.requirement_tangent(a0, **kw)
    np.testing.assert_array_equal(g0, q.required_agents(a0, **kw))
    # Five-point central difference of g itself, step 1e-3 A0: truncation
    # ~1e-12, bisection noise ~1e-12 g / (1e-3 A0) ~ 1e-9.
    h = 1e-3 * a0
    gm2, gm1, gp1, gp2 = (q.required_agents(a0 + k * h, **kw) for k in (-2, -1, 1, 2))
    fd = (gm2 - 8 * gm1 + 8 * gp1 - gp2) / (12 * h)
    np.testing.assert_allclose(slope, fd, rtol=1e-7)


@pytest.mark.parametrize("a0", A0S)
@pytest.mark.parametrize("name", list(TANGENT_TARGETS))
def test_tangent_lies_above_requirement_everywhere(name, a0, g_on_grid):
    g0, slope = q.requirement_tangent(a0, **TANGENT_TARGETS[name])
    tangent = float(g0) + float(slope) * (GRID - a0)
    g = g_on_grid[name]
    gap = tangent - g
    worst = int(np.argmin(gap / g))
    assert np.all(gap >= -1e-9 * g), (
        f"{name}: tangent at A0={a0} is below g at A={GRID[worst]:.6g} "
        f"by {-gap[worst]:.3g} agents ({-gap[worst] / g[worst]:.3g} relative)"
    )


def test_combined_targets_tangent_is_not_safe_across_the_switch():
    # With two targets g = max(g_SL, g_AW) has a convex kink where the binding
    # target changes (here near A = 1.24): the binding target's tangent at
    # A0 = 1 (average wait binds) undercuts g once service level binds.  The
    # module docstring tells the LP to add one cut per target instead; the max
    # of the per-target tangents is safe.
    kw_sl = dict(service_level=0.8, within=20.0)
    kw_aw = dict(average_wait=30.0)
    g = q.required_agents(GRID, 180.0, **kw_sl, **kw_aw)
    g0, s0 = q.requirement_tangent(1.0, 180.0, **kw_sl, **kw_aw)
    combined = float(g0) + float(s0) * (GRID - 1.0)
    assert np.min(combined - g) < -1e-3
    cuts = []
    for kw in (kw_sl, kw_aw):
        gi, si = q.requirement_tangent(1.0, 180.0, **kw)
        cuts.append(float(gi) + float(si) * (GRID - 1.0))
    assert np.all(np.maximum(*cuts) - g >= -1e-9 * g)
