"""Erlang C (M/M/N), Erlang A (M/M/N+M) and Erlang B (M/M/N/N) queueing for real-valued N:
probability of waiting, lost (abandoned / blocked) share, service level, average wait, and the
staffing requirement g(A) with its tangent.  Every public function takes ``model`` ('erlang_c',
the default, 'erlang_a' or 'erlang_b') and, for Erlang A, ``patience`` (mean patience, in the
time unit of ``handle_time``); see "Erlang A" and "Erlang B" at the end of this docstring.

Model and notation
------------------
Poisson arrivals at rate lambda, exponential handle times with mean tau,
N agents, one FIFO queue, nobody abandons (M/M/N).  The offered load is

    A = lambda * tau                      (Erlangs)

and the queue is stable only when N > A.  All time figures (``handle_time``,
``within``, ``average_wait``) share one unit, whatever the caller uses; only
the ratios t / tau and w / tau enter the formulas.

Erlang B and C for real N
-------------------------
The classic Erlang B (loss) formula for integer N,

    B(N, A) = (A^N / N!) / sum_{k=0..N} A^k / k!,

extends to real N > 0 through the upper incomplete gamma function
(Jagerman 1974, "Some properties of the Erlang loss function"):

    B(N, A) = A^N e^{-A} / Gamma(N + 1, A)
            = PoissonPmf(N; A) / Q(N + 1, A),

where Q(a, x) = Gamma(a, x) / Gamma(a) is the regularised upper incomplete
gamma function (scipy.special.gammaincc) and, at integer N, Q(N + 1, A) is the
Poisson CDF P[Poisson(A) <= N], so both expressions agree exactly there.
Erlang C (probability that an arrival waits) follows from B:

    C(N, A) = N B / (N - A (1 - B))                      for N > A.

Conventions: C = 1 where N <= A (unstable queue: everyone waits), C = 0 where
A == 0 (no arrivals).

Numerical stability: nothing is ever formed as a factorial or a power.  We
work with log B = log PoissonPmf(N; A) - log Q(N + 1, A).  For N >= 10 the
log-pmf uses Loader's (2000) saddle-point form

    log pmf = -stirlerr(N) - bd0(N, A) - 0.5 log(2 pi N),
    bd0     = N (u - 1 - log u),  u = A / N   (computed as d - log1p(d)),

which avoids the catastrophic cancellation in N log A - A - lgamma(N + 1)
(each term ~ N log N, i.e. ~1e6 at N = 1e5).  log B is then accurate to
~1e-14 absolute for N in the hundreds of thousands, and C never overflows or
underflows to NaN.  Q(N + 1, A) only underflows when A >> N, which is the
unstable region C = 1 anyway.

Derived measures
----------------
    average wait     Wq     = C tau / (N - A)
    service level    SL(t)  = P(wait <= t) = 1 - C exp(-(N - A) t / tau)

Staffing requirement g(A) and why tangents
-----------------------------------------
``required_agents`` returns g(A): the smallest real N > A meeting the
target(s): SL(t) >= s and/or Wq <= w.  Both targets are monotone in N, so the
requirement is found by a vectorised bisection on x = N - A (relative
tolerance 1e-12 on x, so at most 1e-12 on N), without any per-element Python
loop.

``requirement_tangent`` returns (g(A0), g'(A0)).  g' comes from implicit
differentiation of the binding target written in log form,

    H(N, A) = log C(N, A) - theta (N - A) - log(1 - s) = 0,  theta = t / tau
    H(N, A) = log C(N, A) - log(N - A) + log(tau / w)    = 0,

g'(A) = -H_A / H_N, with d log B / dA = N / A - 1 + B exact, and
d log B / dN = log A - digamma(N + 1) - d log Q(N + 1, A) / dN, where the last
derivative (of the incomplete gamma in its parameter, which has no closed
form) is taken by a five-point central difference with step ~2e-3 (1 + sqrt N).

The LP uses the tangent as a linear staffing constraint

    N >= g(A0) + g'(A0) (A - A0).

Because of pooling (economies of scale), g typically grows concavely with the
load, and for a concave g the tangent lies above g everywhere: staffing to the
tangent is then safe at every load and exact at A0.  This is a numerical
property of each target, not a theorem we rely on blindly:
tests/test_queueing.py checks it on a grid of loads for several targets and
documents where it fails.  Two caveats, both checked there:

* near A = 0 with fractional N, g rises like 1 / log(1 / A) (infinite slope at
  0), which is concave;
* with both targets given, g = max(g_SL, g_AW) is a maximum of two functions
  and need not be concave where the binding target switches; the slope
  returned is that of the binding target at A0.  An LP that wants a safe cut
  everywhere should add the tangent of each target separately.

Erlang A (Palm's queue, M/M/N+M)
--------------------------------
Callers abandon after an exponential patience of mean 1/theta.  With tau the handle time,
x = N patience / tau, y = A patience / tau (x / y = N / A) and Mandelbaum & Zeltyn's
(2007, "The Palm/Erlang-A queue, with applications to call centers", sec. 4; also Garnett,
Mandelbaum & Reiman 2002)

    A(x, y) = x e^y y^-x gamma(x, y) = P(x, y) / PoissonPmf(x; y)
            = 1 + sum_{j>=1} y^j / prod_{k=1..j} (x + k)           (>= 1),

where gamma is the lower incomplete gamma and P(a, z) its regularised form (scipy gammainc):

    P(W > 0)       = A(x, y) E / (1 - E + A(x, y) E),   E = Erlang B(N, A)
    P(Ab | W > 0)  = 1 - (N / A) (1 - 1 / A(x, y))
                   = sum_j t_j (j + 1) / (x + j + 1) / sum_j t_j,  t_j = the series' terms
    P(Ab)          = P(W > 0) P(Ab | W > 0)                          (abandoned share)
    E[W]           = P(Ab) patience                                  (all arrivals; Little)
    SL(t)          = 1 - P(W > 0) [P(Ab | W > 0) + (N / A) P(x + 1, y e^{-t/patience}) / P(x, y)]

SL(t) is the usual WFM service level: the share of ALL arrivals answered within t (abandoners
count as not answered, whenever they hang up; so SL <= 1 - P(Ab)).  Derivation of the last line:
a caller who finds j waiting ahead has an offered wait V (what he would wait if patient) that is
a sum of exponentials of rates (x + j) theta, ..., x theta, so e^{-theta V} ~ Beta(x, j + 1); he
is served iff his patience outlasts V (probability e^{-theta V}); summing over j with weights
t_j gives P(served, 0 < V <= t | W > 0) = (N / A) [P(x + 1, y) - P(x + 1, y e^{-theta t})] / P(x, y).
All of it holds for real N (the incomplete gammas extend, as Jagerman's Erlang B does); N = 0
gives P(W > 0) = P(Ab) = 1, SL = 0, E[W] = patience.  Numerics: everything in logs; where scipy's
P underflows (argument far below the parameter) log P = log pmf + log of the series; where the
closed form of P(Ab | W > 0) would lose more than two digits (rho = A / N < 1 with patience >>
tau), its positive series is summed instead.  tests/test_queueing_a_b.py checks every measure
against the exact birth-death chain (integer N, up to 1,000 agents) to 1e-9, and the limits
patience -> infinity (Erlang C) and patience -> 0 (Erlang B).

Erlang A requirements (``model='erlang_a'``): the service level SL(t) >= s; the average wait
E[W] <= w, which is P(Ab) <= w / patience (no requirement when w >= patience: E[W] < patience);
``max_abandoned`` P(Ab) <= m.  Erlang A is stable at any N, so g(A) may be below A (an overloaded
lane that loses its share).  The requirement is a bisection on N in (0, hi]; its slope is
-F_A / F_N of the binding target in log form F = log(measure) - log(bound), both partials by
five-point central differences of F (no closed form for the incomplete gamma's parameter
derivative).

Erlang B (``model='erlang_b'``): no waiting room; ``lost_share`` is the blocked share B(N, A),
``service_level`` is 1 - B (answered at once), ``average_wait`` and ``wait_probability`` are 0.
Requirement: ``max_blocked`` B(N, A) <= b; slope from d log B / dA = N / A - 1 + B and d log B / dN
as above.  ``_log_q`` keeps log Q(N + 1, A) finite where scipy's Q underflows (A far above N),
so B tends to 1 - N / A there instead of 1.

Concavity (the tangents' safety), checked in tests/test_queueing_a_b.py on loads 0.001 to 5,000
Erlangs, tangent points 0.05 to 500:
* Erlang B (1 %, 20 %, 90 % blocked) and Erlang A service-level targets (80 % in 0.2 tau with
  patience tau, 95 % in 0.2 tau with patience 3 tau, delay probability 50 %): g concave, every
  tangent above g.
* Erlang A abandonment (and so average-wait) targets: NOT concave at large loads.  At most
  N agents' worth is served, so P(Ab) >= 1 - N / A and g(A) >= (1 - m) A; g - (1 - m) A falls to 0
  as the load grows (efficiency-driven staffing), so g turns convex: g' dips below 1 - m and comes
  back to it (5 % abandoning, patience = tau: g' is least, 0.946, near 176 Erlangs; 20 % with
  patience 0.2 tau near 11 Erlangs; 50 % from below 1 Erlang).  A tangent there lies below g on
  both sides: over loads 0.001 to 10 A0 the tangent at 500 Erlangs (5 %, patience tau) falls
  10.2 agents (2 %) short at 5,000 Erlangs, but only 0.42 agents between A0 / 2 and 2 A0; the
  worst relative case seen is 50 % abandoning, tangent at 5 Erlangs, 0.79 agents (30 % of
  g(A0) = 2.6) short over 0.001 to 50 Erlangs.  The cut stays exact at A0, so the iterations still
  end where g is met at the final loads; what is lost is the guarantee that each iteration's
  solution is feasible for the next.  ``requirement_tangent(..., safe_between=(lo, hi))``
  restores it over a load range: the value is raised by the largest shortfall at SAFE_POINTS
  loads spread geometrically over [lo, hi] (slope unchanged, so still exact at A0 wherever g is
  concave); between those points the cut may still fall short by a second-order amount
  (measured: at most 0.002 agents over 0.001 to 10 A0 with 64 points).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

import numpy as np
from numpy.typing import ArrayLike


def _special() -> ModuleType:
    """scipy.special, imported when a queue is first computed (0.1 s of every start-up otherwise)."""
    from scipy import special

    return special


__all__ = [
    "MODELS",
    "average_wait",
    "erlang_b",
    "erlang_b_integer",
    "erlang_c",
    "lost_share",
    "required_agents",
    "requirement_tangent",
    "service_level",
    "wait_probability",
]

MODELS = ("erlang_c", "erlang_a", "erlang_b")
"""The queue models: Erlang C (callers wait forever), Erlang A (they abandon after an exponential
patience), Erlang B (no waiting room: a caller who finds every agent busy is blocked)."""

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
# Below this N the direct log-pmf has no cancellation worth avoiding, and the
# Stirling series for stirlerr() is not yet accurate to double precision.
_LOADER_MIN_N = 10.0
# Default relative tolerance of the bisection on x = N - A.
_RTOL = 1e-12
# Below this, scipy's regularised incomplete gammas are taken in logs from a series instead
# (they would underflow: the argument far from the parameter).
_TINY_P = 1e-280
SAFE_POINTS = 64
"""Loads at which ``requirement_tangent(..., safe_between=...)`` makes the cut cover g."""


# ---------------------------------------------------------------------------
# Erlang B
# ---------------------------------------------------------------------------
def erlang_b_integer(agents: int, load: float) -> float:
    """Erlang B for integer ``agents`` by the classic stable recursion.

    B(0) = 1,  B(k) = A B(k-1) / (k + A B(k-1)).

    Every step stays in [0, 1], so this never overflows; it costs O(N) and is
    used as an independent cross-check of the incomplete-gamma route.
    """
    n = int(agents)
    if n != agents or n < 0:
        raise ValueError(f"agents must be a non-negative integer, got {agents!r}")
    a = float(load)
    if a < 0:
        raise ValueError(f"load must be >= 0, got {load!r}")
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


def _stirlerr(n: np.ndarray) -> np.ndarray:
    """stirlerr(n) = lgamma(n + 1) - (n + 1/2) log n + n - log(2 pi) / 2.

    For n >= 10 we use the asymptotic (Stirling) series, whose omitted term is
    < 1e-16 there; computing it as the difference would lose ~log10(n log n)
    digits to cancellation, which is the whole point of Loader's method.
    """
    n = np.asarray(n, dtype=float)
    inv = 1.0 / n
    inv2 = inv * inv
    # 1/(12n) - 1/(360n^3) + 1/(1260n^5) - 1/(1680n^7) + 1/(1188n^9)
    #   - 691/(360360n^11) + 1/(156n^13)
    series = inv * (
        1.0 / 12.0
        - inv2
        * (
            1.0 / 360.0
            - inv2
            * (1.0 / 1260.0 - inv2 * (1.0 / 1680.0 - inv2 * (1.0 / 1188.0 - inv2 * (691.0 / 360360.0 - inv2 / 156.0))))
        )
    )
    return series


def _log_poisson_pmf(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """log(A^N e^{-A} / Gamma(N + 1)) for real N > 0, A > 0, without cancellation.

    N < 10:  N log A - A - lgamma(N + 1) (terms are small, direct is exact).
    N >= 10: -stirlerr(N) - N (u - 1 - log u) - log(2 pi N) / 2,  u = A / N.
    """
    n = np.asarray(n, dtype=float)
    a = np.asarray(a, dtype=float)
    out = np.empty(np.broadcast(n, a).shape)
    n, a = np.broadcast_arrays(n, a)
    small = n < _LOADER_MIN_N
    if small.any():
        ns, as_ = n[small], a[small]
        out[small] = ns * np.log(as_) - as_ - _special().gammaln(ns + 1.0)
    big = ~small
    if big.any():
        nb, ab = n[big], a[big]
        u = ab / nb
        d = (ab - nb) / nb  # u - 1, formed from the difference to keep digits
        # u - 1 - log u: near u = 1 it is ~d^2/2, so go through log1p(d);
        # far from 1 (A << N) 1 + d would lose digits, so take log u directly.
        near = np.abs(d) < 0.5
        bd0 = nb * np.where(near, d - np.log1p(np.where(near, d, 0.0)), u - 1.0 - np.log(u))
        out[big] = -_stirlerr(nb) - bd0 - _HALF_LOG_2PI - 0.5 * np.log(nb)
    return out


def _log_q(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """log Q(N + 1, A), Q = regularised upper incomplete gamma (Poisson CDF).

    Where scipy's Q underflows (A far above N, Q < 1e-280) it is taken in logs as
    log PoissonPmf(N; A) + log S, S = sum_j prod_{i<j} (N - i) / A (the expansion of
    Gamma(N + 1, A) / (A^N e^{-A}), exact for integer N; for real N its terms shrink like
    (N / A)^j long before they turn, so truncating at 1e-17 is exact to double precision).
    Erlang B needs this: B -> 1 - N / A there, not 1.
    """
    q = _special().gammaincc(n + 1.0, a)
    out = np.empty(q.shape)
    ok = q > _TINY_P
    out[ok] = np.log(q[ok])
    low = ~ok
    if low.any():
        out[low] = _log_poisson_pmf(n[low], a[low]) + _log_falling_series(n[low], a[low])
    return out


def _log_falling_series(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """log(1 + N / A + N (N - 1) / A^2 + ...), for A well above N (where Q(N + 1, A) underflows)."""
    total = np.ones_like(n)
    term = np.ones_like(n)
    active = np.arange(n.size)
    j = 0
    while active.size and j < 100_000:
        term[active] *= (n[active] - j) / a[active]
        total[active] += term[active]
        j += 1
        active = active[np.abs(term[active]) > 1e-17 * total[active]]
    return np.log(total)


def _log_erlang_b(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """log B(N, A) for real N > 0 and A > 0 (Jagerman's continuous extension)."""
    return _log_poisson_pmf(n, a) - _log_q(n, a)


def erlang_b(agents: ArrayLike, load: ArrayLike) -> np.ndarray:
    """Erlang B (blocking probability) for real agents N >= 0 and load A >= 0.

    B(N, A) = A^N e^{-A} / Gamma(N + 1, A), evaluated in logs; B = 1 where
    N == 0 and A > 0, B = 0 where A == 0 and N > 0.
    """
    n, a = _as_float(agents, load)
    _check_load(a)
    out = np.zeros(np.broadcast(n, a).shape)
    n, a = np.broadcast_arrays(n, a)
    out[(n <= 0) & (a > 0)] = 1.0
    ok = (n > 0) & (a > 0)
    if ok.any():
        out[ok] = np.minimum(np.exp(_log_erlang_b(n[ok], a[ok])), 1.0)
    out[np.isnan(n) | np.isnan(a)] = np.nan
    return out


# ---------------------------------------------------------------------------
# Erlang C and derived measures
# ---------------------------------------------------------------------------
def _log_erlang_c_stable(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """log C(N, A) for N > A > 0: log N + log B - log(N - A + A B)."""
    log_b = _log_erlang_b(n, a)
    b = np.exp(log_b)
    return np.log(n) + log_b - np.log((n - a) + a * b)


def _as_float(*args: ArrayLike) -> list[np.ndarray]:
    return [np.asarray(x, dtype=float) for x in args]


def _check_load(a: np.ndarray) -> None:
    if np.any(a < 0):
        raise ValueError("load must be >= 0")


def erlang_c(agents: ArrayLike, load: ArrayLike) -> np.ndarray:
    """Probability that an arrival has to wait, C(N, A), for real N.

    C = N B / (N - A (1 - B)),  B = A^N e^{-A} / Gamma(N + 1, A)   (N > A > 0)
    C = 1 where N <= A (unstable: everyone waits);  C = 0 where A == 0.
    Broadcasts over ``agents`` and ``load``; returns a float array.
    """
    n, a = _as_float(agents, load)
    _check_load(a)
    out = np.ones(np.broadcast(n, a).shape)
    n, a = np.broadcast_arrays(n, a)
    out[a == 0] = 0.0
    stable = (n > a) & (a > 0)
    if stable.any():
        out[stable] = np.exp(_log_erlang_c_stable(n[stable], a[stable]))
    out[np.isnan(n) | np.isnan(a)] = np.nan
    return out


def average_wait(
    agents: ArrayLike,
    load: ArrayLike,
    handle_time: ArrayLike,
    model: str = "erlang_c",
    patience: ArrayLike | None = None,
) -> np.ndarray:
    """Mean wait in queue over all arrivals (ASA), same time unit as ``handle_time``.

    erlang_c: Wq = C tau / (N - A); +inf where N <= A (A > 0); 0 where A == 0.
    erlang_a: E[W] = P(Ab) x patience (Little's law for the abandoning: theta E[Q] = lambda P(Ab),
    E[Q] = lambda E[W]); the wait of an abandoning caller counts up to the moment he hangs up.
    patience at N == 0.  erlang_b: 0 (nobody waits).
    """
    _check_model(model)
    if model == "erlang_a":
        p = np.asarray(patience if patience is not None else np.nan, dtype=float)
        return _erlang_a_measure(agents, load, handle_time, patience, None, "abandon") * p
    if model == "erlang_b":
        n, a, tau = _as_float(agents, load, handle_time)
        _check_load(a)
        return np.zeros(np.broadcast(n, a, tau).shape)
    n, a, tau = _as_float(agents, load, handle_time)
    c = erlang_c(n, a)
    n, a, tau, c = np.broadcast_arrays(n, a, tau, c)
    out = np.full(c.shape, np.inf)
    out[a == 0] = 0.0
    stable = (n > a) & (a > 0)
    out[stable] = c[stable] * tau[stable] / (n[stable] - a[stable])
    out[np.isnan(n) | np.isnan(a) | np.isnan(tau)] = np.nan
    return out


def service_level(
    agents: ArrayLike,
    load: ArrayLike,
    handle_time: ArrayLike,
    within: ArrayLike,
    model: str = "erlang_c",
    patience: ArrayLike | None = None,
) -> np.ndarray:
    """The share of ALL arrivals answered within ``within`` t (the usual WFM service level).

    erlang_c: P(wait <= t) = 1 - C exp(-(N - A) t / tau); 0 where N <= A (A > 0).
    erlang_a: P(served and wait <= t) = 1 - P(W > 0) [P(Ab | W > 0) + (N / A) P(x + 1, y e^{-t /
    patience}) / P(x, y)]; callers who abandon count as not answered, whenever they hang up (so
    SL <= 1 - P(Ab)); 0 at N == 0.  erlang_b: 1 - B(N, A) (answered at once, or blocked).
    1 where A == 0 for every model.
    """
    _check_model(model)
    if model == "erlang_a":
        return 1.0 - _erlang_a_measure(agents, load, handle_time, patience, within, "late")
    if model == "erlang_b":
        n, a, tau, t = _as_float(agents, load, handle_time, within)
        shape = np.broadcast(n, a, tau, t).shape
        return np.broadcast_to(1.0 - erlang_b(n, a), shape).copy()
    n, a, tau, t = _as_float(agents, load, handle_time, within)
    c = erlang_c(n, a)
    n, a, tau, t, c = np.broadcast_arrays(n, a, tau, t, c)
    out = np.zeros(c.shape)
    out[a == 0] = 1.0
    stable = (n > a) & (a > 0)
    ns, as_, ts, taus = n[stable], a[stable], t[stable], tau[stable]
    out[stable] = -np.expm1(np.log(c[stable]) - (ns - as_) * ts / taus)
    out[np.isnan(n) | np.isnan(a) | np.isnan(tau) | np.isnan(t)] = np.nan
    return out


# ---------------------------------------------------------------------------
# Erlang A (M/M/N+M) and Erlang B measures
# ---------------------------------------------------------------------------


def _check_model(model: str) -> None:
    """A clear error for a misspelt queue model."""
    if model not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)}, got {model!r}")


def _log_kummer_series(a: np.ndarray, z: np.ndarray) -> np.ndarray:
    """log M(1; a + 1; z) = log(1 + sum_{j>=1} z^j / prod_{k=1..j} (a + k)), z < a.

    Used only where P(a, z) < 1e-280, hence z well below a: the terms shrink at least
    geometrically (ratio z / (a + j) < 1), so the loop ends after a few hundred steps at most.
    """
    total, _, _ = _ratio_series(a, z)
    return np.log(total)


def _ratio_series(a: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sum_j t_j, sum_j t_j (j + 1) / (a + j + 1), the elements not converged), j >= 0, t_0 = 1,
    t_j = t_{j-1} z / (a + j): the Kummer series and Erlang A's abandonment series in one loop.

    Every term is positive, so nothing cancels; an element stops once its term is below 1e-17 of
    its sum, all after 100,000 terms (z < a makes the terms fall at least like (z / a)^j).
    """
    total = np.ones_like(a)
    weighted = 1.0 / (a + 1.0)
    term = np.ones_like(a)
    active = np.arange(a.size)
    j = 0
    while active.size and j < 100_000:
        j += 1
        term[active] *= z[active] / (a[active] + j)
        total[active] += term[active]
        weighted[active] += term[active] * (j + 1) / (a[active] + j + 1)
        active = active[term[active] > 1e-17 * total[active]]
    return total, weighted, active


def _log_gammainc(a: np.ndarray, z: np.ndarray) -> np.ndarray:
    """log P(a, z), the regularised lower incomplete gamma, for a > 0, z > 0, in logs throughout.

    P(a, z) = PoissonPmf(a; z) M(1; a + 1; z) (the Kummer series), so where scipy's P underflows
    (z far below a) log P = log pmf + log M, both finite.
    """
    p = _special().gammainc(a, z)
    out = np.empty(p.shape)
    ok = p > _TINY_P
    out[ok] = np.log(p[ok])
    out[z <= 0] = -np.inf  # P(a, 0) = 0 (z underflows to 0 when t >> patience)
    low = ~ok & (z > 0)
    if low.any():
        out[low] = _log_poisson_pmf(a[low], z[low]) + _log_kummer_series(a[low], z[low])
    return out


def _log_kummer(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """log A(x, y), Mandelbaum & Zeltyn's A(x, y) = x e^y y^-x gamma(x, y) = P(x, y) / PoissonPmf(x; y).

    A = 1 + sum_{j>=1} y^j / prod_{k=1..j} (x + k) >= 1: the queue's states relative to N busy.
    """
    p = _special().gammainc(x, y)
    out = np.empty(p.shape)
    ok = p > _TINY_P
    out[ok] = np.log(p[ok]) - _log_poisson_pmf(x[ok], y[ok])
    # Where P underflows take the series itself: log pmf (up to ~1e9 for huge x) would cancel.
    out[~ok] = _log_kummer_series(x[~ok], y[~ok])
    return out


@dataclass(frozen=True)
class _ErlangA:
    """Erlang A at N > 0, A > 0 (arrays): the pieces every measure is made of (module docstring).

    log_wait:     log P(W > 0)
    log_no_wait:  log (1 - P(W > 0))
    abandon_wait: P(Ab | W > 0)
    x, y:         N patience / tau and A patience / tau (the incomplete gammas' arguments)
    """

    log_wait: np.ndarray
    log_no_wait: np.ndarray
    abandon_wait: np.ndarray
    x: np.ndarray
    y: np.ndarray
    log_kummer: np.ndarray


def _erlang_a(n: np.ndarray, a: np.ndarray, ratio: np.ndarray) -> _ErlangA:
    """The Erlang A pieces for N > 0, A > 0 and ratio = patience / tau > 0 (broadcast, same shape).

    P(W > 0) = A(x, y) E / (1 - E + A(x, y) E)  with E = Erlang B(N, A), in logs;
    P(Ab | W > 0) = 1 - (N / A) (1 - 1 / A(x, y))  (Mandelbaum & Zeltyn 2007, sec. 4.4-4.5).
    """
    x, y = n * ratio, a * ratio
    log_e = _log_erlang_b(n, a)
    log_k = _log_kummer(x, y)
    with np.errstate(divide="ignore"):
        log_free = np.log1p(-np.minimum(np.exp(log_e), 1.0))  # log(1 - E)
    log_den = np.logaddexp(log_free, log_k + log_e)
    # 1 - 1/A(x, y) = -expm1(-log A); subtracting from 1 loses digits only when rho = A/N < 1 and
    # x (1 - rho)^3 is large (patience >> handle time): the result is then tiny (~1 / (x (1 - rho)^2)).
    served = (n / a) * -np.expm1(-log_k)
    abandon = np.clip(1.0 - served, np.finfo(float).tiny, 1.0)
    # Where that subtraction would cost more than two digits, sum the positive series instead.
    with np.errstate(divide="ignore"):
        lossy = (y < x) & ((a / n) * abandon * 100.0 < 1.0 - a / n)
    if lossy.any():
        abandon[lossy] = _abandon_series(x[lossy], y[lossy], abandon[lossy])
    return _ErlangA(log_k + log_e - log_den, log_free - log_den, abandon, x, y, log_k)


def _abandon_series(x: np.ndarray, y: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """P(Ab | W > 0) = sum_j t_j (j + 1) / (x + j + 1) / sum_j t_j,  t_j = y^j / prod_{k<=j} (x + k).

    A delayed caller with j callers ahead abandons with probability (j + 1) / (x + j + 1) (he
    leaves before the j ahead of him and one agent are through), and t_j weighs the j's; every
    term is positive, so nothing cancels.  For y < x the terms fall at least like (y / x)^j;
    elements not converged after 100,000 terms keep ``fallback``.
    """
    total, weighted, active = _ratio_series(x, y)
    out = weighted / total
    out[active] = fallback[active]
    return out


def _late_given_wait(ea: _ErlangA, n: np.ndarray, a: np.ndarray, theta_t: np.ndarray) -> np.ndarray:
    """P(not answered within t | W > 0) = P(Ab | W > 0) + (N / A) P(x + 1, y e^{-t/patience}) / P(x, y).

    The second term is the share served after t: among delayed callers the offered wait V has
    P(e^{-theta V} <= u) = P(x, y u) / P(x, y), and a delayed caller is served iff his patience
    outlasts V (probability e^{-theta V}); integrating gives the term (derivation: module docstring).
    """
    z = ea.y * np.exp(-theta_t)
    log_after = np.log(n / a) + _log_gammainc(ea.x + 1.0, z) - _log_gammainc(ea.x, ea.y)
    return np.minimum(ea.abandon_wait + np.exp(log_after), 1.0)


def _ratio(handle_time: np.ndarray, patience: ArrayLike | None) -> np.ndarray:
    """patience / tau, validated: Erlang A needs a finite mean patience > 0."""
    if patience is None:
        raise ValueError("model 'erlang_a' needs patience (mean patience, same time unit as handle_time)")
    p = np.asarray(patience, dtype=float)
    if np.any(~(np.isfinite(p) & (p > 0))):
        raise ValueError("patience must be finite and > 0")
    if np.any(~(handle_time > 0)):
        raise ValueError("handle_time must be > 0")
    return p / handle_time


def _erlang_a_measure(
    agents: ArrayLike,
    load: ArrayLike,
    handle_time: ArrayLike,
    patience: ArrayLike | None,
    within: ArrayLike | None,
    what: str,
) -> np.ndarray:
    """One Erlang A measure on broadcast arrays: 'wait' P(W>0), 'abandon' P(Ab), 'late' 1 - SL(t).

    Conventions: A == 0 gives 0 for all three; N == 0 (A > 0) gives 1 for all three (nobody is
    served, everyone waits and abandons).
    """
    n, a, tau = _as_float(agents, load, handle_time)
    _check_load(a)
    if np.any(n < 0):
        raise ValueError("agents must be >= 0")
    ratio = _ratio(tau, patience)
    t = np.asarray(0.0 if within is None else within, dtype=float)
    if np.any(t < 0):
        raise ValueError("within must be >= 0")
    n, a, tau, ratio, t = np.broadcast_arrays(n, a, tau, ratio, t)
    out = np.ones(n.shape)
    out[a == 0] = 0.0
    live = (n > 0) & (a > 0)
    if live.any():
        nl, al = n[live], a[live]
        ea = _erlang_a(nl, al, ratio[live])
        if what == "wait":
            out[live] = np.exp(ea.log_wait)
        elif what == "abandon":
            out[live] = np.exp(ea.log_wait) * ea.abandon_wait
        else:
            theta_t = t[live] / (ratio[live] * tau[live])
            out[live] = np.exp(ea.log_wait) * _late_given_wait(ea, nl, al, theta_t)
    return out


def wait_probability(
    agents: ArrayLike,
    load: ArrayLike,
    handle_time: ArrayLike = 1.0,
    model: str = "erlang_c",
    patience: ArrayLike | None = None,
) -> np.ndarray:
    """P(W > 0): the share of arrivals that find every agent busy and wait (are queued).

    erlang_c: C(N, A); erlang_a: A(x, y) E / (1 - E + A(x, y) E) (everyone who is queued counts,
    whether later served or not); erlang_b: 0 (nobody waits: the blocked are lost, see lost_share).
    ``handle_time`` and ``patience`` (same time unit) matter for erlang_a only.
    """
    _check_model(model)
    if model == "erlang_c":
        return erlang_c(agents, load)
    if model == "erlang_b":
        n, a = _as_float(agents, load)
        _check_load(a)
        return np.zeros(np.broadcast(n, a).shape)
    return _erlang_a_measure(agents, load, handle_time, patience, None, "wait")


def lost_share(
    model: str,
    agents: ArrayLike,
    load: ArrayLike,
    handle_time: ArrayLike = 1.0,
    patience: ArrayLike | None = None,
) -> np.ndarray:
    """The share of the units a lane is offered that it loses, at ``agents`` N and ``load`` A.

    erlang_c: 0 (callers wait forever); erlang_b: the blocked share B(N, A); erlang_a: the
    abandoned share P(Ab) = P(W > 0) P(Ab | W > 0).  1 at N == 0 with A > 0; 0 at A == 0.
    """
    _check_model(model)
    if model == "erlang_c":
        n, a = _as_float(agents, load)
        _check_load(a)
        return np.zeros(np.broadcast(n, a).shape)
    if model == "erlang_b":
        return erlang_b(agents, load)
    return _erlang_a_measure(agents, load, handle_time, patience, None, "abandon")


# ---------------------------------------------------------------------------
# Staffing requirement g(A)
# ---------------------------------------------------------------------------
class _Target:
    """One target family in log form H(N, A) = log C(N, A) - k(N - A) - r <= 0.

    Service level: k(x) = theta x, r = log(1 - s)       (theta = t / tau)
    Average wait:  k(x) = log x,   r = log(w / tau)
    H decreases strictly in N (C does, k increases), from H(A+) > 0 to -inf.
    """

    def __init__(self, kind: str, param: np.ndarray, rhs: np.ndarray) -> None:
        self.kind = kind  # "sl" or "aw"
        self.param = param  # theta for "sl"; unused for "aw"
        self.rhs = rhs

    def h(self, x: np.ndarray, a: np.ndarray, idx: np.ndarray) -> np.ndarray:
        n = a + x
        log_c = _log_erlang_c_stable(n, a)
        if self.kind == "sl":
            return log_c - self.param[idx] * (n - a) - self.rhs[idx]
        return log_c - np.log(n - a) - self.rhs[idx]

    def dk(self, x: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """k'(N - A): the slope of the non-Erlang part."""
        if self.kind == "sl":
            return self.param[idx]
        return 1.0 / x


def _solve_excess(target: _Target, a: np.ndarray, idx: np.ndarray, rtol: float) -> np.ndarray:
    """x = g(A) - A > 0 solving H(A + x, A) = 0 by vectorised bisection.

    Returns the upper end of the final bracket, so the target always holds
    at A + x and fails at A + x (1 - rtol) (down to double resolution of N).
    H(A+) > 0 (s > 0 for SL, log(0+) -> -inf for AW), so the bracket starts at x = 0 and the
    square-root staffing scale 2 sqrt(A) + 2.  The bracket is relative to x = N - A (not only to
    N: with tight staffing, x << N, and the targets move like 1/x per agent), down to the
    resolution of N = A + x in doubles, below which H cannot change.
    """
    a = a[idx]
    return _bisect(target.h, a, idx, 2.0 * np.sqrt(a) + 2.0, a, rtol)


def _dlogq_dn(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """d/dN log Q(N + 1, A) by a five-point central difference.

    Q(N + 1, A) varies in N on the scale of the Poisson spread ~ sqrt(A) ~ sqrt(N)
    (and on scale 1 for small N), so h = 2e-3 (1 + sqrt N) makes the truncation
    error ~(2e-3)^4 / 30 ~ 5e-13 relative and the rounding error ~1e-16 / h.
    h <= 0.25 (N + 1) keeps the parameter N + 1 - 2h > 0 for tiny N.
    """
    h = np.minimum(2e-3 * (1.0 + np.sqrt(n)), 0.25 * (n + 1.0))
    f = [_log_q(n + k * h, a) for k in (-2.0, -1.0, 1.0, 2.0)]
    return (f[0] - 8.0 * f[1] + 8.0 * f[2] - f[3]) / (12.0 * h)


def _slope(target: _Target, x: np.ndarray, a: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """g'(A) = -H_A / H_N at N = A + x on the curve H = 0.

    log C = log N + log B - log D,  D = N - A + A B, with
      d log B / dA = N / A - 1 + B                         (exact)
      d log B / dN = log A - digamma(N + 1) - d log Q / dN (Q part numeric)
    """
    n = a + x
    log_b = _log_erlang_b(n, a)
    b = np.exp(log_b)
    d = (n - a) + a * b
    b_a = n / a - 1.0 + b
    b_n = np.log(a) - _special().digamma(n + 1.0) - _dlogq_dn(n, a)
    logc_n = 1.0 / n + b_n - (1.0 + a * b * b_n) / d
    logc_a = b_a - (-1.0 + b + a * b * b_a) / d
    k1 = target.dk(x, idx)
    h_n = logc_n - k1
    h_a = logc_a + k1
    return -h_a / h_n


class _NTarget:
    """One Erlang A / B target in log form F(N, A) = log m(N, A) - log bound <= 0, solved on N itself.

    m is the blocked share B ('blocked'), the abandoned share P(Ab) ('abandon', also the average
    wait E[W] = P(Ab) patience <= w as P(Ab) <= w / patience) or 1 - SL(t) ('late'). m = 1 at
    N = 0 and falls strictly to 0 as N grows, so F(0+) > 0 for any bound < 1 and the root is unique.
    No stability floor: these queues are stable at every N (N < A is fine when much is lost).
    """

    def __init__(self, kind: str, log_bound: np.ndarray, ratio: np.ndarray, theta_t: np.ndarray) -> None:
        self.kind = kind  # "blocked", "abandon" or "late"
        self.log_bound = log_bound
        self.ratio = ratio  # patience / tau (Erlang A)
        self.theta_t = theta_t  # within / patience ("late")

    def f(self, n: np.ndarray, a: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """F(N, A) at N > 0, A > 0."""
        if self.kind == "blocked":
            return _log_erlang_b(n, a) - self.log_bound[idx]
        ea = _erlang_a(n, a, self.ratio[idx])
        share = ea.abandon_wait if self.kind == "abandon" else _late_given_wait(ea, n, a, self.theta_t[idx])
        return ea.log_wait + np.log(share) - self.log_bound[idx]


def _solve_agents(target: _NTarget, a: np.ndarray, idx: np.ndarray, rtol: float) -> np.ndarray:
    """N = g(A) > 0 solving F(N, A) = 0 by vectorised bisection on N in (0, hi].

    Returns the upper end of the final bracket: the target holds there and fails at N (1 - rtol).
    """
    a = a[idx]
    return _bisect(target.f, a, idx, a + 2.0 * np.sqrt(a) + 2.0, np.zeros_like(a), rtol)


def _bisect(
    fails_by: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
    a: np.ndarray,
    idx: np.ndarray,
    hi: np.ndarray,
    base: np.ndarray,
    rtol: float,
) -> np.ndarray:
    """The least v > 0 with fails_by(v, a, idx) <= 0, to rtol v, by vectorised bisection.

    One search serves Erlang C's excess x = N - A (``base`` = A) and Erlang A / B's agents N
    (``base`` = 0): fails_by > 0 at 0+ and decreasing in v.  ``hi`` (a first guess) is doubled
    until the target holds, then [lo, hi] is halved until hi - lo <= rtol hi + 4 eps (base + hi),
    the resolution of N = base + v in doubles below which fails_by cannot change.  Returns the
    upper end of the final bracket, where the target holds.
    """
    lo = np.zeros_like(a)
    todo = np.arange(a.size)
    for _ in range(200):
        fails = fails_by(hi[todo], a[todo], idx[todo]) > 0
        if not fails.any():
            break
        grow = todo[fails]
        lo[grow] = hi[grow]
        hi[grow] *= 2.0
        todo = grow
    else:  # pragma: no cover - would need an absurd target (w / tau ~ 1e-60, a bound ~1e-300)
        raise RuntimeError("could not bracket the staffing requirement")

    def wide(k: np.ndarray) -> np.ndarray:
        return hi[k] - lo[k] > rtol * hi[k] + 4.0 * np.finfo(float).eps * (base[k] + hi[k])

    active = np.arange(a.size)
    active = active[wide(active)]
    while active.size:
        mid = 0.5 * (lo[active] + hi[active])
        ok = fails_by(mid, a[active], idx[active]) <= 0
        hi[active[ok]] = mid[ok]
        lo[active[~ok]] = mid[~ok]
        active = active[wide(active)]
    return hi


def _central(fun: Callable[[np.ndarray], np.ndarray], v: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Five-point central difference of ``fun`` at ``v`` with step ``h`` (truncation ~h^4 f^(5) / 30)."""
    f = [fun(v + k * h) for k in (-2.0, -1.0, 1.0, 2.0)]
    return (f[0] - 8.0 * f[1] + 8.0 * f[2] - f[3]) / (12.0 * h)


def _n_slope(target: _NTarget, n: np.ndarray, a: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """g'(A) = -F_A / F_N at N = g(A) for an Erlang A / B target.

    Erlang B: d log B / dA = N / A - 1 + B exactly, d log B / dN as for Erlang C (digamma and a
    numerical derivative of log Q in its parameter).  Erlang A: both partials of F by five-point
    central differences of F itself (smooth, accurate to ~1e-14), steps 2e-3 min(v, 1 + sqrt v):
    relative to v below 1 (where F moves like log v) and on the Poisson scale sqrt v above.
    """
    if target.kind == "blocked":
        b = np.exp(_log_erlang_b(n, a))
        b_a = n / a - 1.0 + b
        b_n = np.log(a) - _special().digamma(n + 1.0) - _dlogq_dn(n, a)
        return -b_a / b_n
    h_n = 2e-3 * np.minimum(n, 1.0 + np.sqrt(n))
    h_a = 2e-3 * np.minimum(a, 1.0 + np.sqrt(a))
    f_n = _central(lambda v: target.f(v, a, idx), n, h_n)
    f_a = _central(lambda v: target.f(n, v, idx), a, h_a)
    return -f_a / f_n


@dataclass(frozen=True)
class _Given:
    """The targets of one call, broadcast and flattened (NaN: no such target for that element)."""

    level: np.ndarray | None
    within: np.ndarray | None
    wait: np.ndarray | None
    abandoned: np.ndarray | None
    blocked: np.ndarray | None
    patience: np.ndarray | None


def _flatten(
    load: ArrayLike, handle_time: ArrayLike, **given: ArrayLike | None
) -> tuple[np.ndarray, np.ndarray, _Given, tuple[int, ...]]:
    """Broadcast load, handle time and every given target together; flatten them."""
    present = {k: v for k, v in given.items() if v is not None}
    names = list(present)
    arrays = np.broadcast_arrays(*_as_float(load, handle_time, *present.values()))
    shape = arrays[0].shape
    flat = [np.ascontiguousarray(x).ravel() for x in arrays]
    values = dict(zip(names, flat[2:]))
    g = _Given(*(values.get(k) for k in ("level", "within", "wait", "abandoned", "blocked", "patience")))
    return flat[0], flat[1], g, shape


def _share(values: np.ndarray, name: str) -> np.ndarray:
    """The elements with a share target in (0, 1); NaN means none."""
    given = ~np.isnan(values)
    if np.any(given & ~((values > 0) & (values < 1))):
        raise ValueError(f"{name} must be in (0, 1) (NaN: no target)")
    return given


def _check_targets(model: str, given: dict[str, ArrayLike | None]) -> None:
    """Which targets each model takes, and that some target is given."""
    _check_model(model)
    allowed = {
        "erlang_c": ("service_level", "within", "average_wait"),
        "erlang_a": ("service_level", "within", "average_wait", "max_abandoned"),
        "erlang_b": ("max_blocked",),
    }[model]
    wrong = [k for k, v in given.items() if v is not None and k not in allowed]
    if wrong:
        raise ValueError(f"model {model!r} takes the targets {', '.join(allowed)}, not {', '.join(wrong)}")
    if all(given[k] is None for k in allowed):
        raise ValueError(f"give a target for model {model!r}: {', '.join(allowed)}")
    if (given["service_level"] is None) != (given["within"] is None):
        raise ValueError("service_level and within must be given together")


def _targets(
    load: ArrayLike,
    handle_time: ArrayLike,
    model: str,
    patience: ArrayLike | None,
    **given: ArrayLike | None,
) -> tuple[np.ndarray, list[tuple[_Target | _NTarget, np.ndarray]], tuple[int, ...]]:
    """Validate, broadcast and flatten; return load, [(target, active mask)], shape."""
    _check_targets(model, given)
    if model == "erlang_a" and patience is None:
        raise ValueError("model 'erlang_a' needs patience (mean patience, same time unit as handle_time)")
    a, tau, g, shape = _flatten(
        load,
        handle_time,
        level=given["service_level"],
        within=given["within"],
        wait=given["average_wait"],
        abandoned=given["max_abandoned"],
        blocked=given["max_blocked"],
        patience=patience if model == "erlang_a" else None,
    )
    if np.any(~(np.isfinite(a) & (a >= 0))):
        raise ValueError("load must be finite and >= 0")
    if np.any(~(tau > 0)):
        raise ValueError("handle_time must be > 0")
    live = a > 0
    targets: list[tuple[_Target | _NTarget, np.ndarray]] = []
    ratio = np.empty(0) if g.patience is None else _ratio(tau, g.patience)
    none = np.empty(0)
    if g.level is not None and g.within is not None:
        s, t = g.level, g.within
        has = _share(s, "service_level") & ~np.isnan(t)
        if np.any(has & ~(t >= 0)):
            raise ValueError("within must be >= 0 (NaN: no target)")
        with np.errstate(invalid="ignore"):
            if model == "erlang_c":
                targets.append((_Target("sl", t / tau, np.log1p(-s)), has & live))
            else:
                theta_t = t / (ratio * tau)
                targets.append((_NTarget("late", np.log1p(-s), ratio, theta_t), has & live))
    if g.wait is not None:
        w = g.wait
        has = ~np.isnan(w)
        if np.any(has & ~(w > 0)):
            raise ValueError("average_wait must be > 0 (NaN: no target)")
        with np.errstate(invalid="ignore", divide="ignore"):
            if model == "erlang_c":
                targets.append((_Target("aw", none, np.log(w / tau)), has & live))
            else:
                # E[W] = P(Ab) patience <= w; met by every N when w >= patience (E[W] < patience).
                bound = w / (ratio * tau)
                targets.append((_NTarget("abandon", np.log(bound), ratio, none), has & live & (bound < 1)))
    if g.abandoned is not None:
        has = _share(g.abandoned, "max_abandoned")
        with np.errstate(invalid="ignore"):
            targets.append((_NTarget("abandon", np.log(g.abandoned), ratio, none), has & live))
    if g.blocked is not None:
        has = _share(g.blocked, "max_blocked")
        with np.errstate(invalid="ignore"):
            targets.append((_NTarget("blocked", np.log(g.blocked), none, none), has & live))
    return a, targets, shape


def _met(targets: list[tuple[_Target | _NTarget, np.ndarray]], n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Whether every active target holds at staffing ``n`` (N > 0; Erlang C also N > A)."""
    ok = n > 0
    for target, mask in targets:
        if isinstance(target, _Target):
            ok &= ~mask | (n > a)
        idx = np.nonzero(mask & ok)[0]
        if idx.size == 0:
            continue
        value = target.h(n[idx] - a[idx], a[idx], idx) if isinstance(target, _Target) else target.f(n[idx], a[idx], idx)
        ok[idx[value > 0]] = False
    return ok


def _whole(targets: list[tuple[_Target | _NTarget, np.ndarray]], g: np.ndarray, a: np.ndarray) -> np.ndarray:
    """The least whole staffing meeting every target: floor(g) when it meets them (g was an integer
    up to the bisection's tolerance), else ceil(g); 0 stays 0."""
    low = np.floor(g)
    return np.where((g == 0) | _met(targets, low, a), low, np.ceil(g))


def _requirement(
    load: ArrayLike,
    handle_time: ArrayLike,
    want_slope: bool,
    model: str,
    patience: ArrayLike | None,
    whole: bool,
    **given: ArrayLike | None,
) -> tuple[np.ndarray, np.ndarray]:
    a, targets, shape = _targets(load, handle_time, model, patience, **given)
    if want_slope and np.any(~(a > 0)):
        raise ValueError("requirement_tangent needs load > 0 everywhere")
    # No active target (all NaN): Erlang C keeps only stability N > A (g = A, the limit of g as the
    # target is relaxed, slope 1); Erlang A and B are stable at any N (g = 0, slope 0).
    g = a.copy() if model == "erlang_c" else np.zeros_like(a)
    slope = np.ones_like(a) if model == "erlang_c" else np.zeros_like(a)
    for target, mask in targets:
        idx = np.nonzero(mask)[0]
        if idx.size == 0:
            continue
        if isinstance(target, _Target):
            x = _solve_excess(target, a, idx, _RTOL)
            n = a[idx] + x
        else:
            n = _solve_agents(target, a, idx, _RTOL)
        binding = n > g[idx]
        g[idx[binding]] = n[binding]
        if want_slope:
            sl = _slope(target, x, a[idx], idx) if isinstance(target, _Target) else _n_slope(target, n, a[idx], idx)
            slope[idx[binding]] = sl[binding]
    if whole:
        g = _whole(targets, g, a)
    return g.reshape(shape), slope.reshape(shape)


def required_agents(
    load: ArrayLike,
    handle_time: ArrayLike,
    service_level: ArrayLike | None = None,
    within: ArrayLike | None = None,
    average_wait: ArrayLike | None = None,
    *,
    model: str = "erlang_c",
    patience: ArrayLike | None = None,
    max_abandoned: ArrayLike | None = None,
    max_blocked: ArrayLike | None = None,
    whole: bool = False,
) -> np.ndarray:
    """g(A): the smallest real N meeting the target(s) (N > A too for Erlang C).

    erlang_c (default): service level 1 - C(N, A) exp(-(N - A) t / tau) >= s (``service_level``
    s in (0, 1) with ``within`` t >= 0; t = 0 makes it a delay-probability target C <= 1 - s);
    average wait C(N, A) tau / (N - A) <= w (``average_wait`` w > 0).
    erlang_a (needs ``patience``, mean patience in the unit of ``handle_time``): the service level
    (answered within t among all arrivals) >= s; average wait E[W] = P(Ab) patience <= w (no
    requirement, g = 0, when w >= patience); ``max_abandoned`` P(Ab) <= m in (0, 1).
    erlang_b: ``max_blocked`` B(N, A) <= b in (0, 1).
    With several targets all must hold: g = max of the single-target requirements.

    Everything broadcasts (per-queue targets and patience are fine).  NaN in a target array
    means "no such target for this element"; an element left with no target at all gets the
    stability floor (A for Erlang C, 0 for A and B).  g = 0 where load == 0.  Bisection to
    relative tolerance 1e-12 (on N - A for Erlang C, on N otherwise): the target holds at the
    returned N and fails just below it.  ``whole``: the least whole N meeting the targets
    (ceil of the real requirement, checked at floor(g) so an integer requirement stays itself).
    Raises ValueError when no target is given, a target does not belong to the model, or on
    out-of-range inputs.
    """
    g, _ = _requirement(
        load,
        handle_time,
        False,
        model,
        patience,
        whole,
        service_level=service_level,
        within=within,
        average_wait=average_wait,
        max_abandoned=max_abandoned,
        max_blocked=max_blocked,
    )
    return g


def requirement_tangent(
    load: ArrayLike,
    handle_time: ArrayLike,
    service_level: ArrayLike | None = None,
    within: ArrayLike | None = None,
    average_wait: ArrayLike | None = None,
    *,
    model: str = "erlang_c",
    patience: ArrayLike | None = None,
    max_abandoned: ArrayLike | None = None,
    max_blocked: ArrayLike | None = None,
    whole: bool = False,
    safe_between: tuple[ArrayLike, ArrayLike] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(g(A0), g'(A0)) at load A0 > 0: the LP cut N >= g(A0) + g'(A0) (A - A0).

    Targets and models as in ``required_agents``.  g' = -F_A / F_N by implicit differentiation of
    the binding target F(N, A) = 0 (see module docstring); with several targets the slope is that
    of the larger requirement.  ``whole``: the value is the least whole staffing ceil(g(A0)) and
    the slope stays g'(A0): the cut is whole at A0 and lies above the real cut everywhere.
    ``safe_between`` (lo, hi), loads 0 < lo <= hi (broadcast with ``load``): raise the value by
    the most the cut falls below g at SAFE_POINTS loads spread geometrically over [lo, hi], so the
    cut covers g there even where g is not concave (Erlang A's abandonment and average-wait
    targets at large loads, see the module docstring); the slope stays g'(A0) and the value is
    exact at A0 wherever g is concave.  Costs SAFE_POINTS requirements per element.
    Elements with no target get (A0, 1) for Erlang C, (0, 0) for Erlang A and B.
    Raises ValueError if any load <= 0.
    """
    targets = dict(
        service_level=service_level,
        within=within,
        average_wait=average_wait,
        max_abandoned=max_abandoned,
        max_blocked=max_blocked,
    )
    value, slope = _requirement(load, handle_time, True, model, patience, whole, **targets)
    if safe_between is None:
        return value, slope
    lo, hi = (np.asarray(x, dtype=float) for x in safe_between)
    if np.any(~(np.isfinite(hi) & (lo > 0) & (lo <= hi))):
        raise ValueError("safe_between needs loads 0 < lo <= hi")
    a0, lo, hi = np.broadcast_arrays(np.asarray(load, dtype=float), lo, hi)
    grid = np.exp(np.linspace(np.log(lo), np.log(hi), SAFE_POINTS, axis=-1))
    more = {k: None if v is None else np.asarray(v, dtype=float)[..., None] for k, v in targets.items()}
    tail = None if patience is None else np.asarray(patience, dtype=float)[..., None]
    tau = np.asarray(handle_time, dtype=float)[..., None]
    need = required_agents(grid, tau, model=model, patience=tail, **more)  # type: ignore[arg-type]
    short = np.max(need - (value[..., None] + slope[..., None] * (grid - a0[..., None])), axis=-1)
    raised = value + np.maximum(short, 0.0)
    return (np.ceil(raised) if whole else raised), slope
