"""Demand trends: a fitted growth path for a market's imports, a forecast with a prediction
interval, the CAGR over the window — or a refusal with a reason when the series cannot
carry a trend.

Models, both on log values (so growth is multiplicative and forecasts stay positive):

* ``log-linear``: OLS of log(value) on year (constant growth).
* ``holt``: Holt's linear-trend exponential smoothing with additive errors
  (statsmodels ``ETSModel(error="add", trend="add")``), only from ``HOLT_MIN_POINTS``
  points on: with 5 parameters (α, β, initial level, initial trend, σ) fewer points leave
  AICc undefined or meaningless.

Choice: the smaller AICc (Hurvich & Tsai 1989), computed here the same way for both from
each model's Gaussian log-likelihood of the log series, AICc = −2·llf + 2k + 2k(k+1)/(n−k−1),
k counting σ (log-linear k=3, Holt k=5). Forecasts are the exp of the log-scale forecast
(the median of a log-normal, not its mean) with the exp of the log-scale prediction interval.

Refusals (``TrendFit.ok`` False, ``reason`` in zh-TW and English):
fewer than ``MIN_POINTS`` points; missing, zero or negative values (logs break); years not
consecutive; a structural break — a Chow test on the log-linear model at every year that
leaves at least 3 points on each side, Bonferroni-adjusted over the candidates,
p < ``BREAK_ALPHA``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from exportkit.models.analytics import TrendFit
from exportkit.models.common import Text

MIN_POINTS = 5
HOLT_MIN_POINTS = 8
BREAK_ALPHA = 0.01
CRITERION = "AICc on log values (log-linear k=3, Holt k=5 incl. sigma); Holt only from 8 points"


def _refuse(years, values, zh: str, en: str) -> TrendFit:
    return TrendFit(
        ok=False,
        reason=Text(zh_TW=zh, en=en),
        method=None,
        criterion=CRITERION,
        criterion_values={},
        years=tuple(int(y) for y in years),
        values=tuple(float(v) for v in values),
    )


def _aicc(llf: float, k: int, n: int) -> float:
    if n - k - 1 <= 0:
        return math.inf
    return -2.0 * llf + 2.0 * k + 2.0 * k * (k + 1) / (n - k - 1)


def chow_break(years: np.ndarray, logs: np.ndarray, min_side: int = 3) -> tuple[int | None, float]:
    """The most likely break year and its Bonferroni-adjusted Chow-test p-value.

    For each candidate year b (at least ``min_side`` points before and from b), compare one
    log-linear line with two separate lines: F = ((SSR_pooled − SSR_split)/2) /
    (SSR_split/(n − 4)). Returns (None, 1.0) when the series is too short to test.
    """
    n = len(years)
    best_year, best_p = None, 1.0
    candidates = range(min_side, n - min_side + 1)
    if n < 2 * min_side or len(candidates) == 0:
        return None, 1.0
    X = np.column_stack([np.ones(n), years - years.mean()])
    ssr_pooled = float(np.sum((logs - X @ np.linalg.lstsq(X, logs, rcond=None)[0]) ** 2))
    for cut in candidates:
        ssr_split = 0.0
        for part in (slice(0, cut), slice(cut, n)):
            xp, yp = X[part], logs[part]
            ssr_split += float(np.sum((yp - xp @ np.linalg.lstsq(xp, yp, rcond=None)[0]) ** 2))
        if ssr_split <= 1e-300:
            p = 0.0 if ssr_pooled > 1e-12 else 1.0
        else:
            f = ((ssr_pooled - ssr_split) / 2.0) / (ssr_split / (n - 4))
            p = float(stats.f.sf(f, 2, n - 4))
        p = min(1.0, p * len(candidates))  # Bonferroni over the candidate years
        if p < best_p:
            best_year, best_p = int(years[cut]), p
    return best_year, best_p


def fit_trend(
    years: Sequence[int],
    values: Sequence[float | None],
    horizon: int = 3,
    level: float = 0.9,
) -> TrendFit:
    """Fit a growth trend to annual ``values`` and forecast ``horizon`` years ahead.

    Returns a ``TrendFit``; when the series is too short or too broken, ``ok`` is False and
    ``reason`` explains why in zh-TW and English (nothing is raised: a refusal is a result).
    """
    order = np.argsort(np.asarray(years, dtype=int), kind="stable")
    yrs = np.asarray(years, dtype=int)[order]
    raw = [values[i] for i in order]
    vals = np.array([np.nan if v is None else float(v) for v in raw], dtype=float)
    n = len(yrs)
    if n < MIN_POINTS:
        return _refuse(
            yrs,
            vals,
            f"資料點太少：只有 {n} 年，至少需要 {MIN_POINTS} 年才能估計趨勢",
            f"too short: {n} years of data, at least {MIN_POINTS} are needed for a trend",
        )
    if np.isnan(vals).any():
        missing = ", ".join(str(y) for y in yrs[np.isnan(vals)])
        return _refuse(yrs, vals, f"缺少年份的數值：{missing}", f"values missing for {missing}")
    if (vals <= 0).any():
        bad = ", ".join(str(y) for y in yrs[vals <= 0])
        return _refuse(
            yrs,
            vals,
            f"{bad} 的數值為零或負值，無法取對數估計成長率",
            f"zero or negative values in {bad} break the log scale; no growth rate can be fitted",
        )
    if len(set(yrs.tolist())) != n or (np.diff(yrs) != 1).any():
        return _refuse(
            yrs,
            vals,
            "年份不連續或重複，請提供逐年資料",
            "years are not consecutive (or repeat); give one value per year without gaps",
        )
    logs = np.log(vals)
    break_year, break_p = chow_break(yrs.astype(float), logs)
    if break_year is not None and break_p < BREAK_ALPHA:
        return _refuse(
            yrs,
            vals,
            f"{break_year} 年起出現結構性斷點（Chow 檢定，校正後 p = {break_p:.3g}），"
            "單一趨勢不適用；請只用斷點後的年份",
            f"structural break from {break_year} (Chow test, adjusted p = {break_p:.3g}); "
            "one trend does not fit; use only the years after the break",
        )

    alpha = 1.0 - level
    t = (yrs - yrs[-1]).astype(float)
    future = np.arange(1, horizon + 1, dtype=float)
    X = sm.add_constant(t)
    ols = sm.OLS(logs, X).fit()
    pred = ols.get_prediction(sm.add_constant(future, has_constant="add")).summary_frame(
        alpha=alpha
    )
    with np.errstate(divide="ignore"):  # an exact fit: ssr 0, llf +inf — the best fit there is
        llf = ols.llf
    candidates: dict[str, dict] = {
        "log-linear": {
            "aicc": _aicc(llf, 3, n),
            "fitted": ols.fittedvalues,
            "mean": pred["mean"].to_numpy(),
            "lower": pred["obs_ci_lower"].to_numpy(),
            "upper": pred["obs_ci_upper"].to_numpy(),
            "growth": math.expm1(ols.params[1]) * 100,
        }
    }
    if n >= HOLT_MIN_POINTS:
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        series = pd.Series(logs)  # a Series: get_prediction fails on bare arrays (0.14–0.15)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            holt = ETSModel(series, error="add", trend="add").fit(disp=False)
            frame = holt.get_prediction(start=n, end=n + horizon - 1).summary_frame(alpha=alpha)
        if np.isfinite(holt.llf):
            candidates["holt"] = {
                "aicc": _aicc(holt.llf, 5, n),
                "fitted": np.asarray(holt.fittedvalues),
                "mean": frame["mean"].to_numpy(),
                "lower": frame["pi_lower"].to_numpy(),
                "upper": frame["pi_upper"].to_numpy(),
                "growth": math.expm1(float(np.asarray(holt.slope)[-1])) * 100,
            }
    method = min(candidates, key=lambda m: candidates[m]["aicc"])
    best = candidates[method]
    span = int(yrs[-1] - yrs[0])
    cagr = ((vals[-1] / vals[0]) ** (1.0 / span) - 1.0) * 100
    return TrendFit(
        ok=True,
        reason=None,
        method=method,
        criterion=CRITERION,
        criterion_values={m: float(c["aicc"]) for m, c in candidates.items()},
        years=tuple(int(y) for y in yrs),
        values=tuple(float(v) for v in vals),
        fitted=tuple(float(v) for v in np.exp(best["fitted"])),
        forecast_years=tuple(int(yrs[-1] + h) for h in range(1, horizon + 1)),
        forecast=tuple(float(v) for v in np.exp(best["mean"])),
        lower=tuple(float(v) for v in np.exp(best["lower"])),
        upper=tuple(float(v) for v in np.exp(best["upper"])),
        interval_level=level,
        cagr=float(cagr),
        growth_rate=float(best["growth"]),
    )
