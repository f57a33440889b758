"""The index arithmetic: pure functions from raw figures to 0–100 scores and ranks.

Raw figures arrive as a matrix (markets × indicators, NaN = missing). Nothing here touches
the database, so the arithmetic can be checked by hand (see tests/test_markets.py).
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


def transform(values: np.ndarray, spec: IndicatorSpec) -> np.ndarray:
    """Apply the indicator's transform (``log`` = log10(1 + x), negatives clipped to 0)."""
    if spec.transform == "log":
        return np.log10(1.0 + np.clip(values, 0.0, None))
    return values


def min_max(values: np.ndarray, direction: str = "higher", equal: float = 50.0) -> np.ndarray:
    """Scale to 0–100 across the non-missing values; ``lower`` flips the scale.

    All equal → ``equal`` for each; NaN stays NaN (missing is never zero).
    """
    out = np.full(values.shape, np.nan)
    ok = np.isfinite(values)
    if not ok.any():
        return out
    lo, hi = values[ok].min(), values[ok].max()
    if hi - lo <= 1e-12 * max(abs(hi), 1.0):
        out[ok] = equal
        return out
    scaled = (values[ok] - lo) / (hi - lo) * 100.0
    out[ok] = 100.0 - scaled if direction == "lower" else scaled
    return out


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


def score(
    raw: np.ndarray,
    markets: Sequence[str],
    indicators: Sequence[tuple[str, IndicatorSpec]],
    spec: IndexSpec,
    weights: dict[str, float],
) -> Scored:
    """Score ``raw`` (markets × indicators in ``indicators`` order) with ``weights`` (sum 100)."""
    dim_ids = tuple(d.id for d in spec.dimensions)
    ind_scores = (
        np.column_stack(
            [
                min_max(transform(raw[:, k], ind), ind.direction, spec.equal_values_score)
                for k, (_, ind) in enumerate(indicators)
            ]
        )
        if indicators
        else np.empty((len(markets), 0))
    )
    dim_scores = np.full((len(markets), len(dim_ids)), np.nan)
    coverage_parts = np.zeros((len(markets), len(dim_ids)))
    for j, dim in enumerate(dim_ids):
        cols = [k for k, (d, _) in enumerate(indicators) if d == dim]
        if not cols:
            continue
        block = ind_scores[:, cols]
        have = np.isfinite(block)
        counts = have.sum(axis=1)
        with np.errstate(invalid="ignore"):
            dim_scores[:, j] = np.where(
                counts > 0, np.nansum(block, axis=1) / np.maximum(counts, 1), np.nan
            )
        coverage_parts[:, j] = counts / len(cols)
    w = np.array([weights.get(d, 0.0) for d in dim_ids], dtype=float)
    overall, _ = combine(dim_scores, w)
    # Coverage counts dimensions that have indicators in this view, weighted like the index.
    in_view = np.array([any(d == dim for d, _ in indicators) for dim in dim_ids], dtype=float)
    wv = w * in_view
    coverage = (coverage_parts @ wv) / wv.sum() if wv.sum() > 0 else np.zeros(len(markets))
    return Scored(tuple(markets), dim_ids, ind_scores, dim_scores, overall, coverage)


def sensitivity(
    dimension_scores: np.ndarray,
    weights: dict[str, float],
    dimension_ids: Sequence[str],
    draws: int,
    concentration: float,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Share of Dirichlet weight draws in which each market ranks first, and in the top three.

    Draws are centred on ``weights`` (alpha = concentration × weight share); dimensions with
    weight 0 stay at 0. Ties are broken like the main ranking's first key (lower index first).
    """
    w = np.array([weights.get(d, 0.0) for d in dimension_ids], dtype=float)
    active = w > 0
    rng = np.random.default_rng(seed)
    sampled = np.zeros((draws, len(w)))
    sampled[:, active] = rng.dirichlet(concentration * w[active] / w[active].sum(), size=draws)
    overall, _ = combine(dimension_scores, sampled)  # draws × markets
    overall = np.where(np.isfinite(overall), overall, -np.inf)
    order = np.argsort(-overall, axis=1, kind="stable")
    n = dimension_scores.shape[0]
    first = np.bincount(order[:, 0], minlength=n) / draws
    top = min(3, n)
    top3 = np.bincount(order[:, :top].ravel(), minlength=n) / draws
    return first, top3
