"""Raw figures for the index from the store: indicators, Taiwan's exports, their provenance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from exportkit.markets.spec import IndicatorSpec
from exportkit.models import Indicator
from exportkit.store import Store

TAIWAN_IMPORTS = "trade:imports_from_taiwan"


@dataclass
class RawFigures:
    """markets × indicators (NaN = missing) and, per (iso3, code), where the figure came from."""

    values: np.ndarray
    provenance: dict[tuple[str, str], Indicator] = field(default_factory=dict)


def gather(
    store: Store, markets: Sequence[str], indicators: Sequence[tuple[str, IndicatorSpec]]
) -> RawFigures:
    """The non-product figures (product ones are filled in from a ``FlowCube``)."""
    values = np.full((len(markets), len(indicators)), np.nan)
    provenance: dict[tuple[str, str], Indicator] = {}
    plain = sorted({i.code for _, i in indicators if ":" not in i.code and not i.aggregate})
    averaged = sorted({i.code for _, i in indicators if ":" not in i.code and i.aggregate})
    latest = store.latest_indicators(markets, plain) if plain else {}
    means = _mean_5y(store, markets, averaged) if averaged else {}
    provenance.update(latest)
    provenance.update({k: v[1] for k, v in means.items()})
    taiwan = (
        _imports_from_taiwan(store, markets)
        if any(i.code == TAIWAN_IMPORTS for _, i in indicators)
        else {}
    )
    provenance.update({(k, TAIWAN_IMPORTS): v for k, v in taiwan.items()})
    for m, iso3 in enumerate(markets):
        for k, (_, ind) in enumerate(indicators):
            if ind.code in plain and (iso3, ind.code) in latest:
                values[m, k] = latest[(iso3, ind.code)].value
            elif ind.code in averaged and (iso3, ind.code) in means:
                values[m, k] = means[(iso3, ind.code)][0]
            elif ind.code == TAIWAN_IMPORTS and iso3 in taiwan:
                values[m, k] = taiwan[iso3].value
    return RawFigures(values, provenance)


def _mean_5y(
    store: Store, markets: Sequence[str], codes: Sequence[str]
) -> dict[tuple[str, str], tuple[float, Indicator]]:
    """Mean of the latest five stored years with a value; provenance = the latest year's row."""
    series = store.indicator_series(markets, codes)
    series = series[series["value"].notna()]
    out: dict[tuple[str, str], tuple[float, Indicator]] = {}
    for (iso3, code), group in series.groupby(["iso3", "indicator"]):
        recent = group.sort_values("year").tail(5)
        last = recent.iloc[-1]
        ind = Indicator(
            iso3,
            code,
            int(last["year"]),
            float(recent["value"].mean()),
            f"{last['unit']} (mean {int(recent['year'].min())}–{int(last['year'])})",
            last["source"],
            last["source_url"],
            last["retrieved_at"].to_pydatetime(),
        )
        out[(iso3, code)] = (ind.value, ind)
    return out


def _imports_from_taiwan(store: Store, markets: Sequence[str]) -> dict[str, Indicator]:
    """Each market's total imports from Taiwan, latest year: the market's own report (Comtrade
    partner 490) if stored, else Taiwan's customs exports to it (reporter TWN, flow X)."""
    out: dict[str, Indicator] = {}
    mirror = store.trade_flows(["TWN"], ["TOTAL"], partners=markets, flow="X")
    own = store.trade_flows(markets, ["TOTAL"], partners=["TWN"], flow="M")
    for frame, key in ((mirror, "partner_iso3"), (own, "reporter_iso3")):
        frame = frame[frame["value_usd"].notna()]
        for iso3, group in frame.groupby(key):
            row = group.sort_values("year").iloc[-1]
            out[iso3] = Indicator(
                iso3,
                TAIWAN_IMPORTS,
                int(row["year"]),
                float(row["value_usd"]),
                "US$",
                row["source"],
                row["source_url"],
                row["retrieved_at"].to_pydatetime(),
            )
    return out
