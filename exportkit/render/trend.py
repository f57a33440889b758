"""The import-trend fit a country brief draws.

The renderer fits nothing: it draws what ``exportkit.analytics.trends.fit_trend`` returns (a
:class:`~exportkit.models.TrendFit`). Any object with the attributes of :class:`TrendLike`
works too. A refused fit (too few years, a structural break …) carries the reason instead,
and the brief prints it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from exportkit.render.charts import TrendSeries


@runtime_checkable
class TrendLike(Protocol):
    """What a trend must offer to be drawn — the fields of ``exportkit.models.TrendFit``.

    ``ok`` False means refused, with ``reason`` (a bilingual ``Text`` or a string);
    ``years``/``values`` the observed series; ``fitted`` the trend at those years;
    ``forecast_years``, ``forecast``, ``lower``, ``upper`` the forecast and its prediction
    interval at ``interval_level``; ``method`` the model chosen (e.g. ``log-linear``).
    """

    ok: bool
    reason: object
    method: str | None
    years: Sequence[int]
    values: Sequence[float]
    fitted: Sequence[float]
    forecast_years: Sequence[int]
    forecast: Sequence[float]
    lower: Sequence[float]
    upper: Sequence[float]
    interval_level: float


@dataclass(frozen=True, slots=True)
class TrendView:
    """A fit ready for the template: the series to draw, or the reason there is none."""

    series: TrendSeries | None
    method: str
    level: float | None
    refused: str | None


def _reason(reason: object, lang: str) -> str:
    if reason is None:
        return ""
    get = getattr(reason, "get", None)
    return get(lang) if callable(get) and not isinstance(reason, dict) else str(reason)


def trend_view(fit: TrendLike | None, lang: str = "en") -> TrendView | None:
    """Normalise a fit for drawing; ``None`` when there is no fit at all."""
    if fit is None:
        return None
    if not fit.ok:
        return TrendView(None, "", None, _reason(fit.reason, lang) or "—")
    years = [int(y) for y in fit.years]
    values = [float(v) for v in fit.values]
    if not years or len(values) != len(years):
        return TrendView(None, "", None, "—")
    fitted = [float(v) for v in fit.fitted] if len(fit.fitted) == len(years) else None
    series = TrendSeries(
        years=years,
        values=values,
        fitted=fitted,
        forecast_years=[int(y) for y in fit.forecast_years],
        forecast_mean=[float(v) for v in fit.forecast],
        forecast_lower=[float(v) for v in fit.lower],
        forecast_upper=[float(v) for v in fit.upper],
    )
    return TrendView(series, fit.method or "", fit.interval_level, None)
