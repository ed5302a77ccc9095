"""Erlang C (M/M/N) queueing: probability of waiting, service level, average
wait, and the staffing requirement g(A) with its tangent, for real-valued N.

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
"""

from __future__ import annotations

import math
from types import ModuleType

import numpy as np
from numpy.typing import ArrayLike


def _special() -> ModuleType:
    """scipy.special, imported when a queue is first computed (0.1 s of every start-up otherwise)."""
    from scipy import special

    return special


__all__ = [
    "average_wait",
    "erlang_b",
    "erlang_b_integer",
    "erlang_c",
    "required_agents",
    "requirement_tangent",
    "service_level",
]

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
# Below this N the direct log-pmf has no cancellation worth avoiding, and the
# Stirling series for stirlerr() is not yet accurate to double precision.
_LOADER_MIN_N = 10.0
# Default relative tolerance of the bisection on x = N - A.
_RTOL = 1e-12


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
    """log Q(N + 1, A), Q = regularised upper incomplete gamma (Poisson CDF)."""
    with np.errstate(divide="ignore"):
        # Q underflows to 0 only for A >> N (unstable, C = 1): -inf is fine.
        return np.log(_special().gammaincc(n + 1.0, a))


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


def average_wait(agents: ArrayLike, load: ArrayLike, handle_time: ArrayLike) -> np.ndarray:
    """Mean wait in queue over all arrivals (ASA): Wq = C tau / (N - A).

    +inf where N <= A (A > 0); 0 where A == 0.  Same time unit as ``handle_time``.
    """
    n, a, tau = _as_float(agents, load, handle_time)
    c = erlang_c(n, a)
    n, a, tau, c = np.broadcast_arrays(n, a, tau, c)
    out = np.full(c.shape, np.inf)
    out[a == 0] = 0.0
    stable = (n > a) & (a > 0)
    out[stable] = c[stable] * tau[stable] / (n[stable] - a[stable])
    out[np.isnan(n) | np.isnan(a) | np.isnan(tau)] = np.nan
    return out


def service_level(agents: ArrayLike, load: ArrayLike, handle_time: ArrayLike, within: ArrayLike) -> np.ndarray:
    """P(wait <= t) = 1 - C exp(-(N - A) t / tau).

    0 where N <= A (A > 0); 1 where A == 0.
    """
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
    """
    a = a[idx]
    lo = np.zeros_like(a)  # H(A+) > 0: s > 0 for SL, log(0+) -> -inf for AW
    # Square-root staffing scale; doubled until the target holds.
    hi = 2.0 * np.sqrt(a) + 2.0
    todo = np.arange(a.size)
    for _ in range(200):
        fails = target.h(hi[todo], a[todo], idx[todo]) > 0
        if not fails.any():
            break
        grow = todo[fails]
        lo[grow] = hi[grow]
        hi[grow] *= 2.0
        todo = grow
    else:  # pragma: no cover - would need an absurd target (w / tau ~ 1e-60)
        raise RuntimeError("could not bracket the staffing requirement")

    # Stop when the bracket is rtol relative to x = N - A (not only to N: with
    # tight staffing, x << N, and the targets move like 1/x per agent), or at
    # the resolution of N = A + x in doubles, below which H cannot change.
    def wide(k: np.ndarray) -> np.ndarray:
        tol = rtol * hi[k] + 4.0 * np.finfo(float).eps * (a[k] + hi[k])
        return hi[k] - lo[k] > tol

    active = np.arange(a.size)
    active = active[wide(active)]
    while active.size:
        mid = 0.5 * (lo[active] + hi[active])
        ok = target.h(mid, a[active], idx[active]) <= 0
        hi[active[ok]] = mid[ok]
        lo[active[~ok]] = mid[~ok]
        active = active[wide(active)]
    return hi


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


def _targets(
    load: ArrayLike,
    handle_time: ArrayLike,
    service_level: ArrayLike | None,
    within: ArrayLike | None,
    average_wait: ArrayLike | None,
) -> tuple[np.ndarray, list[tuple[_Target, np.ndarray]], tuple[int, ...]]:
    """Validate, broadcast and flatten; return load, [(target, active mask)], shape."""
    if service_level is None and within is None and average_wait is None:
        raise ValueError("give a target: service_level with within, and/or average_wait")
    if (service_level is None) != (within is None):
        raise ValueError("service_level and within must be given together")

    given_arrays: list[ArrayLike] = [load, handle_time]
    if service_level is not None and within is not None:  # given together (checked above)
        given_arrays += [service_level, within]
    if average_wait is not None:
        given_arrays += [average_wait]
    arrays = np.broadcast_arrays(*_as_float(*given_arrays))
    shape = arrays[0].shape
    flat = [np.ascontiguousarray(x).ravel() for x in arrays]
    a, tau = flat[0], flat[1]
    if np.any(~(np.isfinite(a) & (a >= 0))):
        raise ValueError("load must be finite and >= 0")
    if np.any(~(tau > 0)):
        raise ValueError("handle_time must be > 0")

    targets: list[tuple[_Target, np.ndarray]] = []
    rest = flat[2:]
    if service_level is not None:
        s, t = rest[0], rest[1]
        rest = rest[2:]
        given = ~np.isnan(s) & ~np.isnan(t)
        if np.any(given & ~((s > 0) & (s < 1))):
            raise ValueError("service_level must be in (0, 1) (NaN: no target)")
        if np.any(given & ~(t >= 0)):
            raise ValueError("within must be >= 0 (NaN: no target)")
        with np.errstate(invalid="ignore"):
            theta = t / tau
            rhs = np.log1p(-s)
        targets.append((_Target("sl", theta, rhs), given & (a > 0)))
    if average_wait is not None:
        w = rest[0]
        given = ~np.isnan(w)
        if np.any(given & ~(w > 0)):
            raise ValueError("average_wait must be > 0 (NaN: no target)")
        with np.errstate(invalid="ignore", divide="ignore"):
            rhs = np.log(w / tau)
        targets.append((_Target("aw", np.empty(0), rhs), given & (a > 0)))
    return a, targets, shape


def _requirement(
    load: ArrayLike,
    handle_time: ArrayLike,
    service_level: ArrayLike | None,
    within: ArrayLike | None,
    average_wait: ArrayLike | None,
    want_slope: bool,
) -> tuple[np.ndarray, np.ndarray]:
    a, targets, shape = _targets(load, handle_time, service_level, within, average_wait)
    if want_slope and np.any(~(a > 0)):
        raise ValueError("requirement_tangent needs load > 0 everywhere")
    # No active target (all NaN): only stability N > A is left; return its
    # infimum A (the limit of g as the target is relaxed), slope 1.
    g = a.copy()
    slope = np.ones_like(a)
    for target, mask in targets:
        idx = np.nonzero(mask)[0]
        if idx.size == 0:
            continue
        x = _solve_excess(target, a, idx, _RTOL)
        n = a[idx] + x
        binding = n > g[idx]
        g[idx[binding]] = n[binding]
        if want_slope:
            sl = _slope(target, x, a[idx], idx)
            slope[idx[binding]] = sl[binding]
    return g.reshape(shape), slope.reshape(shape)


def required_agents(
    load: ArrayLike,
    handle_time: ArrayLike,
    service_level: ArrayLike | None = None,
    within: ArrayLike | None = None,
    average_wait: ArrayLike | None = None,
) -> np.ndarray:
    """g(A): the smallest real N > A meeting the target(s).

    Service level: 1 - C(N, A) exp(-(N - A) t / tau) >= s  (``service_level``
    s in (0, 1) with ``within`` t >= 0; t = 0 makes it a delay-probability
    target C <= 1 - s).  Average wait: C(N, A) tau / (N - A) <= w
    (``average_wait`` w > 0).  With both, both must hold: g = max(g_SL, g_AW).

    Everything broadcasts (per-queue targets are fine).  NaN in a target array
    means "no such target for this element"; an element left with no target
    at all gets g = A, the stability floor (limit of g as targets relax).
    g = 0 where load == 0.  Bisection on x = N - A to relative tolerance 1e-12
    in x (hence <= 1e-12 in N), floored at the double resolution of N: the
    target holds at the returned N and fails just below it.
    Raises ValueError when no target is given, or on out-of-range inputs.
    """
    g, _ = _requirement(load, handle_time, service_level, within, average_wait, False)
    return g


def requirement_tangent(
    load: ArrayLike,
    handle_time: ArrayLike,
    service_level: ArrayLike | None = None,
    within: ArrayLike | None = None,
    average_wait: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(g(A0), g'(A0)) at load A0 > 0: the LP cut N >= g(A0) + g'(A0) (A - A0).

    g' = -H_A / H_N by implicit differentiation of the binding target
    H(N, A) = 0 (see module docstring); with both targets the slope is that of
    the larger requirement.  Elements with no target get (A0, 1).
    Raises ValueError if any load <= 0.
    """
    return _requirement(load, handle_time, service_level, within, average_wait, True)
