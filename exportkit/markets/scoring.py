"""The index arithmetic: pure functions from raw figures to 0–100 scores and ranks.

Raw figures arrive as a matrix (markets × indicators, NaN = missing). Each indicator is scored
against its fixed goalposts (``worst`` → 0, ``best`` → 100), so a market's score does not depend
on the other markets ranked. Nothing here touches the database, so the arithmetic can be
checked by hand (see tests/test_markets.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from exportkit.markets.spec import IndexSpec, IndicatorSpec


@dataclass(frozen=True)
class Scored:
    """Scores of one ranking: per indicator, per dimension, overall and coverage."""

    markets: tuple[str, ...]
    dimension_ids: tuple[str, ...]
    indicator_scores: np.ndarray  # markets × indicators, NaN where missing
    dimension_scores: np.ndarray  # markets × dimensions, NaN where no indicator had data
    overall: np.ndarray  # markets, NaN where no dimension had data
    coverage: np.ndarray  # markets, 0–1

    def order(self) -> np.ndarray:
        """Market indices best first: by score, then coverage, then code (stable, NaN last)."""
        keys = [
            (
                -(self.overall[i] if np.isfinite(self.overall[i]) else -np.inf),
                -self.coverage[i],
                self.markets[i],
            )
            for i in range(len(self.markets))
        ]
        return np.array(sorted(range(len(keys)), key=keys.__getitem__), dtype=int)


def transform(values: np.ndarray | float, spec: IndicatorSpec) -> np.ndarray:
    """Apply the indicator's transform (``log`` = log10(1 + x), negatives clipped to 0)."""
    values = np.asarray(values, dtype=float)
    if spec.transform == "log":
        return np.log10(1.0 + np.clip(values, 0.0, None))
    return values


def goalposts(values: np.ndarray, spec: IndicatorSpec) -> np.ndarray:
    """Score raw ``values`` on the indicator's fixed goalposts: ``worst`` → 0, ``best`` → 100,
    linear in between (after the transform), clipped outside; NaN stays NaN."""
    lo, hi = transform(spec.worst, spec), transform(spec.best, spec)
    with np.errstate(invalid="ignore"):
        scaled = (transform(values, spec) - lo) / (hi - lo) * 100.0
    return np.clip(scaled, 0.0, 100.0)


def min_max(
    values: np.ndarray,
    direction: str = "higher",
    equal: float = 50.0,
    reference: np.ndarray | None = None,
) -> np.ndarray:
    """Scale to 0–100 between the smallest and largest of ``reference`` (default: ``values``);
    ``lower`` flips the scale, values beyond the reference are clipped.

    All reference values equal → ``equal`` for each; NaN stays NaN (missing is never zero).
    """
    ref = values if reference is None else reference
    out = np.full(values.shape, np.nan)
    ok, rok = np.isfinite(values), np.isfinite(ref)
    if not ok.any() or not rok.any():
        return out
    lo, hi = ref[rok].min(), ref[rok].max()
    if hi - lo <= 1e-12 * max(abs(hi), 1.0):
        out[ok] = equal
        return out
    scaled = np.clip((values[ok] - lo) / (hi - lo) * 100.0, 0.0, 100.0)
    out[ok] = 100.0 - scaled if direction == "lower" else scaled
    return out


def percentile_rank(
    values: np.ndarray, direction: str = "higher", reference: np.ndarray | None = None
) -> np.ndarray:
    """Position of each value among ``reference`` (default: ``values``), 0 = lowest, 100 =
    highest reference value, ties sharing the mean position; ``lower`` flips the scale."""
    ref = values if reference is None else reference
    ref = np.sort(ref[np.isfinite(ref)])
    out = np.full(values.shape, np.nan)
    ok = np.isfinite(values)
    if not ok.any() or len(ref) == 0:
        return out
    if len(ref) == 1:
        out[ok] = 50.0
        return out
    below = np.searchsorted(ref, values[ok], side="left")
    upto = np.searchsorted(ref, values[ok], side="right")
    pos = np.clip((below + upto - 1) / 2.0, 0.0, len(ref) - 1) / (len(ref) - 1) * 100.0
    out[ok] = 100.0 - pos if direction == "lower" else pos
    return out


def normalise(
    raw: np.ndarray,
    indicators: Sequence[tuple[str, IndicatorSpec]],
    scheme: str = "goalposts",
    reference: np.ndarray | None = None,
    equal: float = 50.0,
) -> np.ndarray:
    """Indicator scores (markets × indicators) under ``scheme``: ``goalposts`` (the index's
    own), or ``reference_min_max`` / ``reference_rank`` over the rows of ``reference`` (raw
    figures of the fixed reference markets, same columns) — the robustness alternatives."""
    if not indicators:
        return np.empty((raw.shape[0], 0))
    cols = []
    for k, (_, ind) in enumerate(indicators):
        if scheme == "goalposts":
            cols.append(goalposts(raw[:, k], ind))
            continue
        values = transform(raw[:, k], ind)
        ref = values if reference is None else transform(reference[:, k], ind)
        if scheme == "reference_min_max":
            cols.append(min_max(values, ind.direction, equal, ref))
        elif scheme == "reference_rank":
            cols.append(percentile_rank(values, ind.direction, ref))
        else:
            raise ValueError(f"unknown normalisation {scheme!r}")
    return np.column_stack(cols)


def combine(dimension_scores: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean over the dimensions with data; returns (overall, weight share with data).

    ``weights`` may be one vector (dimensions) or many (draws × dimensions): the result then has
    one row per draw.
    """
    have = np.isfinite(dimension_scores).astype(float)  # markets × dims
    filled = np.nan_to_num(dimension_scores, nan=0.0)
    num = weights @ filled.T
    den = weights @ have.T
    with np.errstate(invalid="ignore", divide="ignore"):
        overall = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return overall, den / weights.sum(axis=-1, keepdims=weights.ndim > 1)


def _membership(indicators: Sequence[tuple[str, IndicatorSpec]], dim_ids: Sequence[str]):
    """indicators × dimensions, 1 where the indicator belongs to the dimension."""
    return np.array([[float(d == dim) for dim in dim_ids] for d, _ in indicators]).reshape(
        len(indicators), len(dim_ids)
    )


def dimension_means(ind_scores: np.ndarray, member: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean available indicator score per dimension (NaN without any), and the share of the
    dimension's indicators that had data."""
    have = np.isfinite(ind_scores).astype(float)
    sums = np.nan_to_num(ind_scores) @ member
    counts = have @ member
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        share = np.where(member.sum(axis=0) > 0, counts / np.maximum(member.sum(axis=0), 1), 0)
    return means, share


def score(
    raw: np.ndarray,
    markets: Sequence[str],
    indicators: Sequence[tuple[str, IndicatorSpec]],
    spec: IndexSpec,
    weights: dict[str, float],
) -> Scored:
    """Score ``raw`` (markets × indicators in ``indicators`` order) with ``weights`` (sum 100)."""
    dim_ids = tuple(d.id for d in spec.dimensions)
    ind_scores = normalise(raw, indicators)
    member = _membership(indicators, dim_ids)
    dim_scores, coverage_parts = dimension_means(ind_scores, member)
    w = np.array([weights.get(d, 0.0) for d in dim_ids], dtype=float)
    overall, _ = combine(dim_scores, w)
    # Coverage counts dimensions that have indicators in this view, weighted like the index.
    wv = w * (member.sum(axis=0) > 0)
    coverage = (coverage_parts @ wv) / wv.sum() if wv.sum() > 0 else np.zeros(len(markets))
    return Scored(tuple(markets), dim_ids, ind_scores, dim_scores, overall, coverage)


def robustness(
    raw: np.ndarray,
    indicators: Sequence[tuple[str, IndicatorSpec]],
    spec: IndexSpec,
    weights: dict[str, float],
    draws: int,
    seed: int = 0,
    reference: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Share of draws in which each market ranks first, and in the top three (OECD/JRC 2008,
    uncertainty analysis).

    Each draw varies three choices at once: the weights (Dirichlet centred on ``weights``,
    alpha = concentration × weight share; weight-0 dimensions stay 0), the indicator set (with
    probability ``spec.drop_probability`` one indicator in use is left out) and the
    normalisation (one of ``spec.normalisations``; the alternatives scale over ``reference``,
    the fixed reference markets' raw figures). Ties go to the lower market index.
    """
    dim_ids = tuple(d.id for d in spec.dimensions)
    n = raw.shape[0]
    w = np.array([weights.get(d, 0.0) for d in dim_ids], dtype=float)
    active = w > 0
    rng = np.random.default_rng(seed)
    sampled = np.zeros((draws, len(w)))
    if active.any():
        sampled[:, active] = rng.dirichlet(
            spec.concentration * w[active] / w[active].sum(), size=draws
        )
    k = len(indicators)
    keep = np.ones((draws, k))
    if k > 1 and spec.drop_probability > 0:
        dropping = rng.random(draws) < spec.drop_probability
        dropped = rng.integers(0, k, size=draws)
        keep[np.flatnonzero(dropping), dropped[dropping]] = 0.0
    schemes = spec.normalisations or ("goalposts",)
    picked = rng.integers(0, len(schemes), size=draws)
    member = _membership(indicators, dim_ids)
    overall = np.full((draws, n), -np.inf)
    for s, scheme in enumerate(schemes):
        rows = np.flatnonzero(picked == s)
        if not len(rows):
            continue
        ind = normalise(raw, indicators, scheme, reference, spec.equal_values_score)
        have = np.isfinite(ind).astype(float)  # markets × indicators
        filled = np.nan_to_num(ind)
        # per draw: dimension sums and counts over the indicators kept
        sums = np.einsum("mk,dk,kj->dmj", filled, keep[rows], member)
        counts = np.einsum("mk,dk,kj->dmj", have, keep[rows], member)
        with np.errstate(invalid="ignore", divide="ignore"):
            dims = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        wd = sampled[rows][:, None, :]  # draws × 1 × dims
        present = np.isfinite(dims)
        num = (np.nan_to_num(dims) * wd).sum(axis=2)
        den = (present * wd).sum(axis=2)
        with np.errstate(invalid="ignore", divide="ignore"):
            overall[rows] = np.where(den > 0, num / np.where(den > 0, den, 1.0), -np.inf)
    order = np.argsort(-overall, axis=1, kind="stable")
    first = np.bincount(order[:, 0], minlength=n) / draws
    top = min(3, n)
    top3 = np.bincount(order[:, :top].ravel(), minlength=n) / draws
    return first, top3
