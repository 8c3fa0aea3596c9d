"""The exact binomial test and its Clopper-Pearson interval, as scipy's ``binomtest`` gives them.

Plain Python: the binomial tails are regularised incomplete beta functions,
evaluated by their continued fraction, and the interval's limits are found
by bisection. The reason is start-up, not speed: importing scipy.stats took
most of a second, paid by the first statistics page of every server process,
for two numbers. The tests compare every result with scipy itself.
"""

from __future__ import annotations

import math
from functools import lru_cache

#: Stands in for a zero denominator in the continued fraction.
_TINY = 1e-300
#: The continued fraction is summed until a step changes it by less than this (relative).
_PRECISION = 1e-15


def _betacf(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, _nonzero(1.0 - qab * x / qap)
    d = h = 1.0 / d
    for m in range(1, 100_000):
        even = m * (b - m) * x / ((qam + 2 * m) * (a + 2 * m))
        odd = -(a + m) * (qab + m) * x / ((a + 2 * m) * (qap + 2 * m))
        for term in (even, odd):
            d = 1.0 / _nonzero(1.0 + term * d)
            c = _nonzero(1.0 + term / c)
            delta = d * c
            h *= delta
        if abs(delta - 1.0) < _PRECISION:
            return h
    raise ArithmeticError(f"the incomplete beta function did not converge: a={a}, b={b}, x={x}")


def _nonzero(value: float) -> float:
    return value if abs(value) > _TINY else _TINY


def betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b), for a, b > 0 and 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    # The fraction converges quickly on the side of the distribution's mean.
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _betacf(b, a, 1.0 - x) / b


def pmf(k: int, n: int, p: float) -> float:
    """P(X = k) for X ~ Binomial(n, p)."""
    if k < 0 or k > n:
        return 0.0
    if p in (0.0, 1.0):
        return float(k == (0 if p == 0.0 else n))
    log = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
    return math.exp(log + k * math.log(p) + (n - k) * math.log1p(-p))


def cdf(k: int, n: int, p: float) -> float:
    """P(X <= k)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    return betainc(n - k, k + 1, 1.0 - p)


def sf(k: int, n: int, p: float) -> float:
    """P(X > k)."""
    if k < 0:
        return 1.0
    if k >= n:
        return 0.0
    return betainc(k + 1, n - k, p)


def _root(f, target: float) -> float:
    """The p in [0, 1] where the increasing ``f`` reaches ``target``, by bisection."""
    low, high = 0.0, 1.0
    while True:
        middle = (low + high) / 2
        if middle in (low, high):  # no float left between them
            return middle
        if f(middle) < target:
            low = middle
        else:
            high = middle


@lru_cache(maxsize=256)
def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The exact (Clopper-Pearson) two-sided interval for p, given k successes in n.

    Remembered: the dashboard asks for the same released counts on every view, and the
    bisection costs a few milliseconds.
    """
    alpha = (1 - confidence) / 2
    low = 0.0 if k == 0 else _root(lambda p: sf(k - 1, n, p), alpha)
    high = 1.0 if k == n else _root(lambda p: -cdf(k, n, p), -alpha)
    return low, high


def _search(a, d: float, lo: int, hi: int) -> int:
    """The i in [lo, hi] with a(i) <= d < a(i + 1), for a increasing (scipy's search)."""
    while lo < hi:
        mid = lo + (hi - lo) // 2
        value = a(mid)
        if value < d:
            lo = mid + 1
        elif value > d:
            hi = mid - 1
        else:
            return mid
    return lo if a(lo) <= d else lo - 1


@lru_cache(maxsize=256)
def two_sided_p(k: int, n: int, p: float = 0.5) -> float:
    """The exact two-sided p-value: outcomes no more likely than k (scipy's rule)."""
    d = pmf(k, n, p)
    rerr = 1 + 1e-7
    if k == p * n:
        return 1.0
    if k < p * n:
        ix = _search(lambda x: -pmf(x, n, p), -d * rerr, math.ceil(p * n), n)
        y = n - ix + int(d * rerr == pmf(ix, n, p))
        value = cdf(k, n, p) + sf(n - y, n, p)
    else:
        ix = _search(lambda x: pmf(x, n, p), d * rerr, 0, math.floor(p * n))
        y = ix + 1
        value = cdf(y - 1, n, p) + sf(k - 1, n, p)
    return min(1.0, value)
