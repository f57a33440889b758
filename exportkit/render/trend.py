"""The import-trend fit a country brief draws, as a small protocol.

The renderer does not fit anything: it draws what ``exportkit.analytics.trends.fit_trend``
returns. It needs only the attributes of :class:`TrendLike`; a fit that was refused (too few
years, a structural break …) carries the reason instead and the brief prints it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from exportkit.render.charts import TrendSeries


@runtime_checkable
class TrendLike(Protocol):
    """What a trend fit must offer to be drawn (attribute names as in the analytics issue).

    ``years``/``values``: the observed series; ``fitted``: the trend at those years;
    ``forecast_years``/``forecast_mean``/``forecast_lower``/``forecast_upper``: the forecast and
    its prediction interval; ``method``: a short description (e.g. "log-linear OLS");
    ``refused``: ``None`` for a fit, else the reason no trend is given.
    """

    years: Sequence[int]
    values: Sequence[float]


@dataclass(frozen=True, slots=True)
class TrendView:
    """A fit normalised for the template: the series to draw, or the reason there is none."""

    series: TrendSeries | None
    method: str
    level: float | None
    refused: str | None
    last_year: int | None


def _seq(obj: Any, *names: str) -> list:
    for name in names:
        value = getattr(obj, name, None)
        if value is not None:
            return [None if v is None else v for v in list(value)]
    return []


def _first(obj: Any, *names: str) -> Any:
    for name in names:
        value = getattr(obj, name, None)
        if value is not None:
            return value
    return None


def trend_view(fit: Any | None) -> TrendView | None:
    """Normalise a fit (or a refusal) from the analytics layer; ``None`` when there is none."""
    if fit is None:
        return None
    refused = _first(fit, "refused", "refusal", "reason", "refusal_reason")
    ok = _first(fit, "ok")
    years = [int(y) for y in _seq(fit, "years")]
    values = [None if v is None else float(v) for v in _seq(fit, "values")]
    if ok is False and refused is None:
        refused = "no fit"
    if refused is not None and ok is not True:
        return TrendView(None, "", None, str(refused), years[-1] if years else None)
    forecast = _first(fit, "forecast")
    source = forecast if forecast is not None else fit
    series = TrendSeries(
        years=years,
        values=values,
        fitted=[None if v is None else float(v) for v in _seq(fit, "fitted", "fitted_values")]
        or None,
        forecast_years=[int(y) for y in _seq(source, "forecast_years", "years")]
        if forecast is not None
        else [int(y) for y in _seq(fit, "forecast_years")],
        forecast_mean=[float(v) for v in _seq(source, "forecast_mean", "mean")],
        forecast_lower=[float(v) for v in _seq(source, "forecast_lower", "lower")],
        forecast_upper=[float(v) for v in _seq(source, "forecast_upper", "upper")],
    )
    if not years or len(values) != len(years):
        return TrendView(None, "", None, "no observed series", None)
    level = _first(fit, "level", "interval_level", "alpha_level")
    return TrendView(
        series=series,
        method=str(_first(fit, "method") or ""),
        level=float(level) if level is not None else None,
        refused=None,
        last_year=years[-1],
    )
