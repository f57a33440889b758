"""Raw figures for the index from the store: indicators, Taiwan's exports, their provenance.

Levels are the latest *reported* year (an IMF WEO projection is never read as a level);
``mean_5y`` averages the latest five reported years, ``mean_next_5y`` the first five projected
years after them. Taiwan's exports to a market come from Taiwan's Ministry of Finance
(``MOF.TWN_EXPORTS``, bundled), else from stored all-goods trade flows (the market's imports
from Taiwan, or Taiwan's customs exports to it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from exportkit.markets.spec import IndexSpec, IndicatorSpec
from exportkit.models import Indicator
from exportkit.store import Store

TAIWAN_EXPORTS = "MOF.TWN_EXPORTS"
PER_CAPITA = "taiwan:exports_per_capita"
EXPORTS_GROWTH = "taiwan:exports_growth_5y"
POPULATION = "SP.POP.TOTL"
GROWTH_YEARS = 5


@dataclass
class RawFigures:
    """markets × indicators (NaN = missing), where each figure came from (per (iso3, key)),
    and the flags raised per market (e.g. ``re_export_hub``)."""

    values: np.ndarray
    provenance: dict[tuple[str, str], Indicator] = field(default_factory=dict)
    flags: dict[str, tuple[str, ...]] = field(default_factory=dict)


def gather(
    store: Store,
    markets: Sequence[str],
    indicators: Sequence[tuple[str, IndicatorSpec]],
    spec: IndexSpec | None = None,
) -> RawFigures:
    """The non-product figures (product ones are filled in from a ``FlowCube``).

    With ``spec``, the figures its re-export hubs must not be scored on are left missing and
    the market is flagged ``re_export_hub``.
    """
    stored = sorted({i.code for _, i in indicators if ":" not in i.code})
    plain = sorted({i.code for _, i in indicators if ":" not in i.code and not i.aggregate})
    series = store.indicator_series(markets, stored) if stored else None
    latest = store.latest_indicators(markets, plain, projections=False) if plain else {}
    provenance: dict[tuple[str, str], Indicator] = dict(latest)
    if series is not None:
        provenance.update(_estimated_levels(series, markets, plain, latest))
    for _, ind in indicators:
        if ind.aggregate and series is not None:
            provenance.update(_aggregate(series, ind))
    if any(i.code in (PER_CAPITA, EXPORTS_GROWTH) for _, i in indicators):
        provenance.update(_taiwan_exports(store, markets))
    hubs = set(spec.hubs) if spec else set()
    skipped = set(spec.hub_codes) if spec else set()
    values = np.full((len(markets), len(indicators)), np.nan)
    flags: dict[str, tuple[str, ...]] = {}
    for m, iso3 in enumerate(markets):
        for k, (_, ind) in enumerate(indicators):
            row = provenance.get((iso3, ind.key))
            if row is None or row.value is None:
                continue
            if iso3 in hubs and ind.code in skipped:
                flags[iso3] = ("re_export_hub",)
                continue
            values[m, k] = row.value
    return RawFigures(values, provenance, flags)


def _estimated_levels(
    series: pd.DataFrame,
    markets: Sequence[str],
    codes: Sequence[str],
    latest: dict[tuple[str, str], Indicator],
) -> dict[tuple[str, str], Indicator]:
    """Levels of series a source marks as estimates throughout (the IMF flags India's PPP
    figures as estimates in every year): the value of the market's latest reported year of that
    source, flagged as an estimate — never a projection beyond it."""
    flagged = series[series["is_projection"].notna() & series["value"].notna()]
    reported = flagged[~flagged["is_projection"].astype(bool)]
    out: dict[tuple[str, str], Indicator] = {}
    for iso3 in markets:
        for code in codes:
            if (iso3, code) in latest:
                continue
            rows = flagged[(flagged["iso3"] == iso3) & (flagged["indicator"] == code)]
            if rows.empty:
                continue
            same_source = reported[
                (reported["iso3"] == iso3) & (reported["source"] == rows["source"].iloc[0])
            ]
            if same_source.empty:
                continue
            row = rows[rows["year"] <= same_source["year"].max()].sort_values("year")
            if row.empty:
                continue
            last = row.iloc[-1]
            out[(iso3, code)] = Indicator(
                iso3,
                code,
                int(last["year"]),
                float(last["value"]),
                f"{last['unit']} (the source's estimate)",
                last["source"],
                last["source_url"],
                last["retrieved_at"].to_pydatetime(),
                True,
            )
    return out


def _aggregate(series: pd.DataFrame, ind: IndicatorSpec) -> dict[tuple[str, str], Indicator]:
    """Mean over five years of ``ind.code``: the latest reported (``mean_5y``) or the first
    projected after them (``mean_next_5y``); provenance = the last year's row, its unit naming
    the span and, for projections, that it is one."""
    rows = series[(series["indicator"] == ind.code) & series["value"].notna()]
    out: dict[tuple[str, str], Indicator] = {}
    for iso3, group in rows.groupby("iso3"):
        group = group.sort_values("year")
        projected = group["is_projection"].fillna(False).astype(bool)
        if ind.aggregate == "mean_next_5y":
            span, word = group[projected].head(GROWTH_YEARS), "projection, mean"
        else:
            span, word = group[~projected].tail(GROWTH_YEARS), "mean"
        if span.empty:
            continue
        last = span.iloc[-1]
        first_year, last_year = int(span["year"].min()), int(last["year"])
        out[(iso3, ind.key)] = Indicator(
            iso3,
            ind.code,
            last_year,
            float(span["value"].mean()),
            f"{last['unit']} ({word} {first_year}–{last_year})",
            last["source"],
            last["source_url"],
            last["retrieved_at"].to_pydatetime(),
            bool(ind.aggregate == "mean_next_5y"),
        )
    return out


def taiwan_export_series(store: Store, markets: Sequence[str]) -> dict[str, pd.DataFrame]:
    """Per market, Taiwan's yearly exports to it (columns year, value, and the provenance
    columns): MOF's country totals where stored, else all-goods trade flows."""
    out: dict[str, pd.DataFrame] = {}
    mof = store.indicator_series(markets, [TAIWAN_EXPORTS])
    mof = mof[mof["value"].notna()]
    for iso3, group in mof.groupby("iso3"):
        out[iso3] = group.sort_values("year")[
            ["year", "value", "unit", "source", "source_url", "retrieved_at"]
        ]
    mirror = store.trade_flows(["TWN"], ["TOTAL"], partners=markets, flow="X")
    own = store.trade_flows(markets, ["TOTAL"], partners=["TWN"], flow="M")
    for frame, key in ((mirror, "partner_iso3"), (own, "reporter_iso3")):
        frame = frame[frame["value_usd"].notna()]
        for iso3, group in frame.groupby(key):
            if iso3 in out:
                continue
            g = group.sort_values("year").drop_duplicates("year", keep="last")
            out[iso3] = pd.DataFrame(
                {
                    "year": g["year"],
                    "value": g["value_usd"],
                    "unit": "US$",
                    "source": g["source"],
                    "source_url": g["source_url"],
                    "retrieved_at": g["retrieved_at"],
                }
            )
    return out


def _taiwan_exports(store: Store, markets: Sequence[str]) -> dict[tuple[str, str], Indicator]:
    """Taiwan's exports to each market per inhabitant (latest year with both figures) and
    their compound growth over the five years before that year (or the longest span stored)."""
    series = taiwan_export_series(store, markets)
    pop = store.indicator_series(list(series), [POPULATION])
    pop = pop[pop["value"].notna()].set_index(["iso3", "year"])["value"]
    out: dict[tuple[str, str], Indicator] = {}
    for iso3, frame in series.items():
        last = frame.iloc[-1]
        row = Indicator(
            iso3,
            TAIWAN_EXPORTS,
            int(last["year"]),
            float(last["value"]),
            str(last["unit"]),
            last["source"],
            last["source_url"],
            last["retrieved_at"].to_pydatetime(),
        )
        with_pop = frame[[(iso3, int(y)) in pop.index for y in frame["year"]]]
        if not with_pop.empty:
            p = with_pop.iloc[-1]
            people = float(pop[(iso3, int(p["year"]))])
            out[(iso3, PER_CAPITA)] = replace(
                row,
                indicator=PER_CAPITA,
                year=int(p["year"]),
                value=float(p["value"]) / people if people > 0 else None,
                unit=f"US$ per inhabitant ({p['source']} ÷ World Bank WDI population)",
            )
        start = frame[frame["year"] >= int(last["year"]) - GROWTH_YEARS].iloc[0]
        years = int(last["year"]) - int(start["year"])
        if years > 0 and start["value"] > 0 and last["value"] > 0:
            cagr = (math.pow(float(last["value"]) / float(start["value"]), 1 / years) - 1) * 100
            out[(iso3, EXPORTS_GROWTH)] = replace(
                row,
                indicator=EXPORTS_GROWTH,
                value=cagr,
                unit=f"% a year, compound, {int(start['year'])}–{int(last['year'])}",
            )
    return out
