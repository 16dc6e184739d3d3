"""Means over seeds with 95% confidence intervals (Student's t) and rank correlation, without scipy.

`mean_interval(values)` is the mean with the t interval mean ± t(0.975, n-1)·s/√n; `difference_interval(a, b)`
the interval of mean(a) − mean(b) for independent samples (Welch, real degrees of freedom);
`proportion_interval(successes, n)` Wilson's score interval of one proportion (one seed's accuracy over its
test rows, where there is no spread over seeds to use). The t
distribution's CDF comes from the regularised incomplete beta function (a continued fraction), its quantile
from bisection: accurate to about 1e-12, checked against scipy in the tests.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float
    high: float
    n: int

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    def excludes(self, value: float) -> bool:
        return not self.low <= value <= self.high


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b), the regularised incomplete beta function, by Lentz's continued fraction."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    if x > (a + 1) / (a + b + 2):  # the fraction converges fast on this side only
        return 1.0 - _incomplete_beta(b, a, 1 - x)
    front = math.exp(
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    fraction = d
    for m in range(1, 500):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            fraction *= c * d
        if abs(c * d - 1) < 1e-15:
            break
    return front * fraction / a


def t_cdf(t: float, df: float) -> float:
    """P(T ≤ t) for Student's t with `df` (> 0, not necessarily whole) degrees of freedom."""
    tail = 0.5 * _incomplete_beta(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t > 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The t with P(T ≤ t) = p, for 0.5 ≤ p < 1."""
    if not 0.5 <= p < 1 or df <= 0:
        raise ValueError(f"t_quantile needs 0.5 <= p < 1 and df > 0, got p={p}, df={df}")
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        if t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
        if high - low < 1e-13 * max(1.0, high):
            break
    return (low + high) / 2


def _variance(values: Sequence[float]) -> float:
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / (len(values) - 1)


def mean_interval(values: Sequence[float], level: float = LEVEL) -> Interval:
    """The mean and its t interval; with one value, the interval is the value itself (width 0)."""
    values = [float(v) for v in values]
    n = len(values)
    if n == 0:
        raise ValueError("mean_interval needs at least one value")
    mean = sum(values) / n
    if n == 1:
        return Interval(mean, mean, mean, 1)
    half = t_quantile((1 + level) / 2, n - 1) * math.sqrt(_variance(values) / n)
    return Interval(mean, mean - half, mean + half, n)


def difference_interval(a: Sequence[float], b: Sequence[float], level: float = LEVEL) -> Interval:
    """mean(a) − mean(b) and its Welch t interval (independent samples, unequal variances).

    `n` of the result is len(a) + len(b).
    """
    a, b = [float(v) for v in a], [float(v) for v in b]
    if len(a) < 2 or len(b) < 2:
        raise ValueError("difference_interval needs at least two values on each side")
    va, vb = _variance(a) / len(a), _variance(b) / len(b)
    difference = sum(a) / len(a) - sum(b) / len(b)
    if va + vb == 0:
        return Interval(difference, difference, difference, len(a) + len(b))
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = t_quantile((1 + level) / 2, df) * math.sqrt(va + vb)
    return Interval(difference, difference - half, difference + half, len(a) + len(b))


# the standard normal's 0.975 quantile, for the 95% proportion interval
Z_975 = 1.959963984540054


def proportion_interval(successes: int, n: int) -> Interval:
    """successes / n and Wilson's 95% score interval: it stays inside [0, 1] and keeps its coverage near
    0 and 1, where the normal approximation's p ± z·√(p(1−p)/n) does not."""
    if n <= 0 or not 0 <= successes <= n:
        raise ValueError(f"proportion_interval needs 0 <= successes <= n and n > 0, got {successes}/{n}")
    p = successes / n
    centre = (p + Z_975**2 / (2 * n)) / (1 + Z_975**2 / n)
    half = Z_975 / (1 + Z_975**2 / n) * math.sqrt(p * (1 - p) / n + Z_975**2 / (4 * n * n))
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half), n)  # no rounding past 0 or 1


def _ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, ties given their average rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for k in range(start, end + 1):
            ranks[order[k]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman's rank correlation (Pearson's correlation of the ranks, ties averaged)."""
    if len(a) != len(b) or len(a) < 2:
        raise ValueError("spearman needs two sequences of the same length >= 2")
    ra, rb = _ranks([float(v) for v in a]), _ranks([float(v) for v in b])
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb, strict=True))
    return cov / math.sqrt(sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb))
