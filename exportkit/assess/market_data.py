"""Market facts for a whole assessment run, read from the store once.

Ranking, indicators, notes and tariffs are read once per run; the product view (imports of
a firm's HS codes, growth, Taiwan's share) is computed for every distinct set of HS codes in
one pass (``rank_markets_many``). A firm's ``MarketProfile`` is then assembled from memory,
so 1,000 firms × 18 markets do not mean 18,000 database round trips.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from exportkit import countries
from exportkit.errors import UsageError
from exportkit.markets import (
    combine_provenance,
    index_spec,
    rank_markets,
    rank_markets_many,
    trade_provenance_many,
    validate_hs_codes,
)
from exportkit.models import Indicator, MarketNote, MarketProfile, MarketScore, Tariff


def _hs_key(codes: Iterable[str]) -> tuple[str, ...]:
    """Sorted, cleaned HS codes. The questionnaire validated them already; a code the market
    index would still refuse is left out here rather than failing a whole run."""
    clean = []
    for code in codes:
        try:
            clean.extend(validate_hs_codes((code,)))
        except UsageError:
            continue
    return tuple(sorted(dict.fromkeys(clean)))


class MarketData:
    """Everything the run needs about ``markets`` for the HS-code sets of its firms."""

    def __init__(self, store, markets: Sequence[str], hs_sets: Iterable[Iterable[str]]) -> None:
        self.markets = tuple(markets)
        # The attractiveness ranking is computed once, without any firm's products, so every
        # firm sees the same market scores; products enter through the market fit instead.
        # It is always taken among all 18 New Southbound markets (plus any other asked for):
        # the index is relative, and Thailand's advice should not change with whether Vietnam
        # was also asked about.
        peers = tuple(dict.fromkeys((*countries.NSB18, *self.markets)))
        # Rank robustness (share of weight draws ranking a market first / in the top three)
        # goes into every brief, so consultants can say how solid a rank is.
        self.ranking: list[MarketScore] = rank_markets(
            store, peers, sensitivity=index_spec().assess_draws, seed=0, potential=False
        )
        self.scores = {s.iso3: s for s in self.ranking if s.iso3 in self.markets}
        keys = sorted({_hs_key(s) for s in hs_sets} - {()})
        self.product: dict[tuple[str, ...], dict[str, MarketScore]] = {}
        if keys:
            many = rank_markets_many(store, self.markets, keys, suppliers=False)
            for key, scores in zip(keys, many, strict=True):
                self.product[key] = {s.iso3: s for s in scores}
        latest = store.latest_indicators(self.markets, None)
        self.indicators: dict[str, dict[str, Indicator]] = {m: {} for m in self.markets}
        for (iso3, code), ind in latest.items():
            self.indicators.setdefault(iso3, {})[code] = ind
        self.notes: dict[str, tuple[MarketNote, ...]] = {
            m: tuple(store.notes(m)) for m in self.markets
        }
        union = sorted({c for key in keys for c in key})
        # where each market's trade figures came from, per code, in one query
        self.trade_provenance = trade_provenance_many(store, self.markets, union)
        self.tariffs: dict[str, tuple[Tariff, ...]] = {
            m: tuple(store.tariffs(m, union)) if union else () for m in self.markets
        }
        self._profiles: dict[tuple[str, tuple[str, ...]], MarketProfile] = {}

    def profile(self, iso3: str, hs_codes: Iterable[str] = ()) -> MarketProfile:
        """The profile of ``iso3`` for a firm selling ``hs_codes`` (cached per code set)."""
        key = _hs_key(hs_codes)
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
            trade=combine_provenance((self.trade_provenance.get((iso3, c)) for c in key), key),
            potential=product.potential if product else None,
        )
        self._profiles[(iso3, key)] = profile
        return profile

    def vintage(self, snapshot_version: str | None, snapshot_loaded: str | None) -> dict[str, Any]:
        """When the market figures used are from: years, retrieval dates and sources."""
        inds = [i for by_code in self.indicators.values() for i in by_code.values()]
        years = [i.year for i in inds if i.year is not None]
        retrieved = [i.retrieved_at for i in inds if isinstance(i.retrieved_at, datetime)]
        return {
            "snapshot_version": snapshot_version,
            "snapshot_loaded": snapshot_loaded,
            "newest_indicator_year": max(years) if years else None,
            "oldest_indicator_year": min(years) if years else None,
            "last_retrieved_at": max(retrieved).isoformat() if retrieved else None,
            "sources": sorted({i.source for i in inds if i.source}),
        }


def provenance(profile: MarketProfile, codes: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Where the profile's indicators (all, or ``codes``) and tariffs came from."""
    out = []
    wanted = None if codes is None else set(codes)
    for code, ind in sorted(profile.indicators.items()):
        if wanted is not None and code not in wanted:
            continue
        value = ind.value
        if value is not None and isinstance(value, float) and math.isnan(value):
            value = None
        out.append(
            {
                "indicator": code,
                "value": value,
                "unit": ind.unit or None,
                "year": ind.year,
                "source": ind.source or "",
                "url": ind.source_url or None,
                "retrieved_at": ind.retrieved_at.isoformat()
                if isinstance(ind.retrieved_at, datetime)
                else (str(ind.retrieved_at) if ind.retrieved_at else None),
            }
        )
    for t in profile.tariffs:
        out.append(
            {
                "indicator": f"tariff:{t.tariff_type}:{t.hs_code}:{t.partner_iso3}",
                "value": t.rate,
                "unit": "percent",
                "year": t.year,
                "source": t.source or "",
                "url": t.source_url or None,
                "retrieved_at": t.retrieved_at.isoformat()
                if isinstance(t.retrieved_at, datetime)
                else None,
            }
        )
    return out


def _iso(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime) else str(value)


def product_record(profile: MarketProfile, hs_codes: Iterable[str]) -> dict[str, Any] | None:
    """The product view of one firm × market for results.json: imports of the firm's HS
    codes, Taiwan's share, the export potential (None = not computable, with the reason and
    the crawl that fills it) and where the trade figures came from. None without HS codes."""
    codes = _hs_key(hs_codes)
    if not codes:
        return None
    pot = profile.potential
    reason = pot.reason if pot else None
    trade = profile.trade
    return {
        "hs_codes": list(codes),
        "imports_usd": profile.imports_usd,
        "imports_growth_5y": profile.imports_growth_5y,
        "taiwan_share": profile.taiwan_share,
        "potential_usd": pot.potential_usd if pot else None,
        "untapped_potential_usd": pot.untapped_potential_usd if pot else None,
        "utilisation": pot.utilisation if pot else None,
        "potential_year": pot.year if pot else None,
        "potential_status": (pot.status if pot else None) or "missing",
        "potential_reason": None if reason is None else {"zh-TW": reason.zh_TW, "en": reason.en},
        "potential_command": pot.command if pot else None,
        "potential_flags": list(pot.flags) if pot else [],
        "trade_source": None
        if trade is None
        else {
            "source": trade.source,
            "url": trade.url or None,
            "retrieved_at": _iso(trade.retrieved_at),
        },
    }
