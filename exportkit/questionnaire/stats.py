"""Batch statistics: percentile ranks and Cronbach's alpha (pure functions)."""

from __future__ import annotations

from collections.abc import Sequence


def percentiles(values: Sequence[float]) -> list[float]:
    """Mid-rank percentile (0–100) of each value among ``values``.

    (number below + half the number equal, itself included) / n × 100, so the single firm of a
    batch of one is at 50 and ties share a percentile.

    >>> percentiles([10, 20, 20, 40])
    [12.5, 50.0, 50.0, 87.5]
    """
    n = len(values)
    out = []
    for v in values:
        below = sum(1 for w in values if w < v)
        equal = sum(1 for w in values if w == v)
        out.append(round((below + 0.5 * equal) / n * 100, 1))
    return out


def standings(values: Sequence[float]) -> list[tuple[int, int, int]]:
    """``(lower, tied, n)`` for each value: how many *other* values are lower, how many equal,
    and how many there are — the counts a sentence such as "higher than 3 of 6" needs.

    >>> standings([10, 20, 20, 40])
    [(0, 0, 4), (1, 1, 4), (1, 1, 4), (3, 0, 4)]
    """
    n = len(values)
    return [
        (sum(1 for w in values if w < v), sum(1 for w in values if w == v) - 1, n) for v in values
    ]


def _variance(xs: Sequence[float]) -> float:
    mean = sum(xs) / len(xs)
    return sum((x - mean) ** 2 for x in xs) / (len(xs) - 1)


def cronbach_alpha(rows: Sequence[Sequence[float]]) -> float | None:
    """Cronbach's alpha of a respondents × items matrix; ``None`` when it is undefined.

    alpha = k / (k − 1) × (1 − Σ var(item) / var(total)), sample variances. Undefined with
    fewer than 3 respondents, fewer than 2 items, or no variance in the totals.

    Four respondents, two items: item variances 5/3 and 19/12 (sum 3.25), totals 3, 5, 6, 9
    with variance 6.25, so alpha = 2 × (1 − 3.25 / 6.25) = 0.96.

    >>> cronbach_alpha([[1, 2], [2, 3], [3, 3], [4, 5]])
    0.96
    """
    if len(rows) < 3:
        return None
    k = len(rows[0])
    if k < 2:
        return None
    totals = [sum(r) for r in rows]
    total_var = _variance(totals)
    if total_var == 0:
        return None
    item_var = sum(_variance([r[j] for r in rows]) for j in range(k))
    return round(k / (k - 1) * (1 - item_var / total_var), 3)
