"""The one place a :class:`~exportkit.models.MarketProfile` is built.

:class:`ProfileBuilder` reads what a set of markets needs from the store once — the
attractiveness ranking, indicators, notes, tariffs, and the product view (imports of a firm's
HS codes, growth, Taiwan's share, export potential, trade provenance) for every distinct set
of HS codes in one pass — and then assembles each firm's profiles from memory, so 1,000 firms
× 18 markets do not mean 18,000 database round trips. :func:`market_profile` is the same for
one market. :func:`import_trend` fits the trend a country brief draws (asked only for the
markets that get a brief).

>>> import tempfile, pathlib
>>> from exportkit.store import open_store
>>> with open_store(pathlib.Path(tempfile.mkdtemp()) / "m.duckdb") as store:
...     thailand = market_profile(store, "泰國")
>>> thailand.country.name.en, thailand.score.iso3, thailand.trade is None
('Thailand', 'THA', True)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import pandas as pd

from exportkit import countries
from exportkit.errors import UsageError
from exportkit.markets.product import load_import_flows, validate_hs_codes
from exportkit.markets.ranking import rank_markets_many, resolve_markets
from exportkit.markets.spec import index_spec
from exportkit.models import (
    DataVintage,
    Indicator,
    MarketNote,
    MarketProfile,
    MarketScore,
    Provenance,
    Tariff,
    TrendFit,
)
from exportkit.models.market import TAIWAN_EXPORTS
from exportkit.store import Store

# (sources of the rows used, newest row's URL, newest retrieval time) per (market, code asked)
TradeParts = dict[tuple[str, str], tuple[frozenset[str], str | None, object]]


def hs_key(codes: Iterable[str]) -> tuple[str, ...]:
    """Sorted, cleaned HS codes. The questionnaire validated them already; a code the market
    index would still refuse is left out here rather than failing a whole run."""
    clean = []
    for code in codes:
        try:
            clean.extend(validate_hs_codes((code,)))
        except UsageError:
            continue
    return tuple(sorted(dict.fromkeys(clean)))


class ProfileBuilder:
    """Everything profiles of ``markets`` need, for the HS-code sets ``hs_sets``.

    The attractiveness ranking is computed once, without any firm's products, so every firm
    sees the same market scores (a macro screen); products enter through the market fit
    instead. Scores are on fixed goalposts, so they do not depend on the markets compared; the
    ranks and their robustness are taken among ``peers`` (default: all 18 New Southbound
    markets plus any other asked for), so Thailand's rank does not change with whether Vietnam
    was also asked about. Rank robustness (share of draws of weights, indicator set and
    normalisation ranking a market first / in the top three) goes into every profile.
    ``suppliers``: list each set's competing suppliers in the product view (the brief shows
    them); None: only when there is one set of HS codes, as :func:`rank_markets_many` decides.
    """

    def __init__(
        self,
        store: Store,
        markets: Sequence[str],
        hs_sets: Iterable[Iterable[str]] = (),
        *,
        peers: Sequence[str] | None = None,
        suppliers: bool | None = True,
    ) -> None:
        self.markets = tuple(markets)
        ranked_among = tuple(dict.fromkeys((*(peers or countries.NSB18), *self.markets)))
        gathered: dict = {}  # the markets' figures, read once for both rankings
        self.ranking: list[MarketScore] = rank_markets_many(
            store,
            ranked_among,
            [()],
            sensitivity=index_spec().assess_draws,
            seed=0,
            potential=False,
            gathered=gathered,
        )[0]
        self.scores = {s.iso3: s for s in self.ranking if s.iso3 in self.markets}
        keys = sorted({hs_key(s) for s in hs_sets} - {()})
        self.product: dict[tuple[str, ...], dict[str, MarketScore]] = {}
        if keys:
            many = rank_markets_many(
                store, self.markets, keys, suppliers=suppliers, gathered=gathered
            )
            for key, scores in zip(keys, many, strict=True):
                self.product[key] = {s.iso3: s for s in scores}
        # reported figures only: an IMF WEO projection (to 2030) is not a market fact
        latest = store.latest_indicators(self.markets, None, projections=False)
        self.indicators: dict[str, dict[str, Indicator]] = {m: {} for m in self.markets}
        for (iso3, code), ind in latest.items():
            self.indicators.setdefault(iso3, {})[code] = ind
        self.notes: dict[str, tuple[MarketNote, ...]] = {
            m: tuple(store.notes(m)) for m in self.markets
        }
        self.taiwan_exports = taiwan_exports_growth(store, self.markets)
        union = sorted({c for key in keys for c in key})
        self.trade_parts = trade_provenance_many(store, self.markets, union)
        self.tariffs: dict[str, tuple[Tariff, ...]] = {
            m: tuple(store.tariffs(m, union)) if union else () for m in self.markets
        }
        self._profiles: dict[tuple[str, tuple[str, ...]], MarketProfile] = {}

    def profile(self, iso3: str, hs_codes: Iterable[str] = ()) -> MarketProfile:
        """The profile of ``iso3`` for a firm selling ``hs_codes`` (cached per code set)."""
        key = hs_key(hs_codes)
        cached = self._profiles.get((iso3, key))
        if cached is not None:
            return cached
        product = self.product.get(key, {}).get(iso3)
        codes = set(key)
        profile = MarketProfile(
            country=countries.country(iso3),
            score=self.scores.get(iso3),
            indicators=self.indicators.get(iso3, {}),
            hs_codes=key,
            imports_usd=product.imports_usd if product else None,
            imports_growth_5y=product.imports_growth_5y if product else None,
            taiwan_share=product.taiwan_share if product else None,
            top_suppliers=product.top_suppliers if product else (),
            tariffs=tuple(t for t in self.tariffs.get(iso3, ()) if t.hs_code in codes),
            notes=self.notes.get(iso3, ()),
            trade=combine_provenance((self.trade_parts.get((iso3, c)) for c in key), key),
            potential=product.potential if product else None,
            product_year=product.product_year if product else None,
            taiwan_exports_growth=self.taiwan_exports.get(iso3, (None, 0))[0],
            taiwan_exports_span=self.taiwan_exports.get(iso3, (None, 0))[1],
        )
        self._profiles[(iso3, key)] = profile
        return profile

    def vintage(self, snapshot_version: str | None, snapshot_loaded: str | None) -> DataVintage:
        """When the market figures used are from: years, retrieval dates and sources."""
        inds = [i for by_code in self.indicators.values() for i in by_code.values()]
        years = [i.year for i in inds if i.year is not None]
        retrieved = [i.retrieved_at for i in inds if isinstance(i.retrieved_at, datetime)]
        return DataVintage(
            snapshot_version=snapshot_version,
            snapshot_loaded=snapshot_loaded,
            newest_indicator_year=max(years) if years else None,
            oldest_indicator_year=min(years) if years else None,
            last_retrieved_at=max(retrieved) if retrieved else None,
            sources=tuple(sorted({i.source for i in inds if i.source})),
        )


def taiwan_exports_growth(
    store: Store, markets: Sequence[str], years: int = 5
) -> dict[str, tuple[float, int]]:
    """Per market: the compound annual growth (%) of Taiwan's exports to it over up to
    ``years`` years to the latest reported year, and that span (MOF country totals)."""
    series = store.indicator_series(markets, [TAIWAN_EXPORTS])
    out: dict[str, tuple[float, int]] = {}
    if series.empty:
        return out
    projected = series["is_projection"].fillna(False).astype(bool)
    series = series[series["value"].notna() & ~projected]
    for iso3, rows in series.groupby("iso3"):
        values = dict(zip(rows["year"].astype(int), rows["value"].astype(float), strict=True))
        last = max(values)
        first = min((y for y in values if y >= last - years and values[y] > 0), default=last)
        if first < last and values[last] > 0:
            span = last - first
            out[str(iso3)] = (((values[last] / values[first]) ** (1 / span) - 1) * 100, span)
    return out


def market_profile(
    store: Store,
    iso3: str,
    hs_codes: Iterable[str] | str = (),
    markets: Iterable[str] | str | None = None,
) -> MarketProfile:
    """Everything known of one market, as an assessment sees it: its attractiveness among
    ``markets`` (default: all 18 New Southbound markets), the indicators with provenance, the
    product view for ``hs_codes`` (with competing suppliers), tariffs and market notes."""
    iso3 = countries.resolve(iso3)
    codes = validate_hs_codes(hs_codes)
    builder = ProfileBuilder(
        store, (iso3,), [codes], peers=resolve_markets(markets), suppliers=None
    )
    return builder.profile(iso3, codes)


def trade_provenance_many(
    store: Store, markets: Sequence[str], hs_codes: Sequence[str]
) -> TradeParts:
    """Per (market, code asked): the sources of the rows the product view uses, the newest
    row's URL and retrieval time — one query for a whole run (see :func:`combine_provenance`)."""
    if not hs_codes or not markets:
        return {}
    rows = load_import_flows(store, tuple(markets), tuple(hs_codes), provenance=True)
    out: TradeParts = {}
    for (iso3, asked), group in rows.groupby(["reporter_iso3", "asked"]):
        # the newest row; among rows retrieved at the same time (one load), the last URL in
        # sort order, so the URL shown does not depend on the order the database returns
        newest = group.sort_values(
            ["retrieved_at", "source_url"], kind="stable", na_position="first"
        ).iloc[-1]
        url = None if pd.isna(newest["source_url"]) else str(newest["source_url"])
        out[(iso3, asked)] = (frozenset(group["source"].astype(str)), url, newest["retrieved_at"])
    return out


def combine_provenance(parts, hs_codes: Sequence[str] = ()) -> Provenance | None:
    """:attr:`MarketProfile.trade` from :func:`trade_provenance_many` parts: the sources of
    the rows used, the newest row's URL and retrieval time (None: no rows)."""
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    sources = sorted(set().union(*(p[0] for p in parts)))
    _, url, when = max(parts, key=lambda p: p[2])
    return Provenance(
        source=" + ".join(sources),
        url=url or "",
        retrieved_at=when.to_pydatetime() if hasattr(when, "to_pydatetime") else when,
        indicator="imports (M), HS " + ",".join(hs_codes) if hs_codes else None,
    )


def trade_provenance(store: Store, iso3: str, hs_codes: Sequence[str]) -> Provenance | None:
    """Where the market's imports of ``hs_codes`` came from (None: no codes or no flows)."""
    codes = hs_key(hs_codes)
    found = trade_provenance_many(store, (iso3,), codes)
    return combine_provenance((found.get((iso3, c)) for c in codes), codes)


def import_trend(store: Store, iso3: str, hs_codes: Sequence[str]) -> TrendFit | None:
    """The trend and forecast of the market's imports of ``hs_codes`` from the world (the rows
    the product view uses, summed per year), or None when the database holds none."""
    from exportkit.analytics.trends import fit_trend

    codes = hs_key(hs_codes)
    if not codes:
        return None
    flows = load_import_flows(store, (iso3,), codes)
    world = flows[flows["partner_iso3"] == "WLD"].groupby("year")["value_usd"].sum().sort_index()
    if not len(world):
        return None
    return fit_trend([int(y) for y in world.index], [float(v) for v in world.values])


def trade_evidence(
    store: Store, iso3: str, hs_codes: Sequence[str]
) -> tuple[Provenance | None, TrendFit | None]:
    """A brief's evidence for its product view: :func:`trade_provenance` and
    :func:`import_trend` of the market's imports of ``hs_codes``."""
    return trade_provenance(store, iso3, hs_codes), import_trend(store, iso3, hs_codes)
