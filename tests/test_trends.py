"""Demand trends: fit, forecast interval, CAGR, model choice, and refusals with reasons."""

from __future__ import annotations

import math

import numpy as np
import pytest

from exportkit.analytics.trends import fit_trend

YEARS = list(range(2014, 2024))


def test_log_linear_growth_is_recovered_with_interval_and_cagr():
    rng = np.random.default_rng(0)
    values = [100 * 1.08**i * math.exp(rng.normal(0, 0.02)) for i in range(len(YEARS))]
    fit = fit_trend(YEARS, values, horizon=3)
    assert fit.ok and fit.reason is None
    assert fit.method in {"log-linear", "holt"}
    assert set(fit.criterion_values) == {"log-linear", "holt"}
    assert fit.method == min(fit.criterion_values, key=fit.criterion_values.get)
    assert fit.growth_rate == pytest.approx(8.0, abs=1.5)
    assert fit.cagr == pytest.approx(((values[-1] / values[0]) ** (1 / 9) - 1) * 100)
    assert fit.forecast_years == (2024, 2025, 2026)
    for lo, mid, hi in zip(fit.lower, fit.forecast, fit.upper, strict=True):
        assert lo < mid < hi
    # The interval widens with the horizon.
    widths = [hi / lo for lo, hi in zip(fit.lower, fit.upper, strict=True)]
    assert widths == sorted(widths)
    assert fit.forecast[0] == pytest.approx(values[-1] * 1.08, rel=0.06)


def test_short_series_uses_log_linear_only():
    fit = fit_trend([2019, 2020, 2021, 2022, 2023], [10, 11, 12.5, 13, 14.8])
    assert fit.ok and fit.method == "log-linear"
    assert set(fit.criterion_values) == {"log-linear"}


def test_too_short_is_refused_with_bilingual_reason():
    fit = fit_trend([2020, 2021, 2022, 2023], [1, 2, 3, 4])
    assert not fit.ok and fit.method is None and fit.forecast == ()
    assert "too short" in fit.reason.en and "4" in fit.reason.en
    assert "資料點太少" in fit.reason.zh_TW


@pytest.mark.parametrize("bad", [0.0, -5.0])
def test_zero_or_negative_values_are_refused(bad):
    values = [10, 12, bad, 15, 16, 18]
    fit = fit_trend(range(2018, 2024), values)
    assert not fit.ok
    assert "2020" in fit.reason.en and "log" in fit.reason.en
    assert "對數" in fit.reason.zh_TW


def test_missing_and_gappy_years_are_refused():
    assert "missing" in fit_trend(range(2018, 2024), [1, 2, None, 4, 5, 6]).reason.en
    gap = fit_trend([2015, 2016, 2018, 2019, 2020, 2021], [1, 2, 3, 4, 5, 6])
    assert not gap.ok and "consecutive" in gap.reason.en


def test_structural_break_is_refused():
    values = [100, 104, 108, 112, 117, 40, 42, 44, 45, 47]  # collapse in 2019
    fit = fit_trend(YEARS, values)
    assert not fit.ok
    assert "structural break from 2019" in fit.reason.en
    assert "結構性斷點" in fit.reason.zh_TW


def test_noisy_series_without_break_is_not_refused():
    rng = np.random.default_rng(3)
    values = [50 * math.exp(0.03 * i + rng.normal(0, 0.1)) for i in range(len(YEARS))]
    assert fit_trend(YEARS, values).ok


def test_unsorted_input_is_sorted():
    fit = fit_trend([2023, 2019, 2021, 2020, 2022], [15, 10, 12, 11, 13])
    assert fit.years == (2019, 2020, 2021, 2022, 2023)
    assert fit.values == (10, 11, 12, 13, 15)


@pytest.mark.parametrize(
    ("values", "growth"),
    [([5e6] * 5, 0.0), ([5e6] * 10, 0.0), ([100 * 0.9**i for i in range(6)], -10.0)],
)
def test_an_exact_growth_series_is_fitted_without_numpy_warnings(values, growth, recwarn):
    # log-linear fits these exactly (no residuals): its likelihood is infinite, the best there
    # is, and a consultant's terminal gets no "divide by zero encountered in log"
    fit = fit_trend(YEARS[: len(values)], values)
    assert fit.ok and fit.method == "log-linear"
    assert fit.growth_rate == pytest.approx(growth, abs=1e-9)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
