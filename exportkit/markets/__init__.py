"""Market attractiveness: a Market Potential Index from Taiwan's point of view.

>>> from exportkit.store import open_store                            # doctest: +SKIP
>>> with open_store() as store:
...     for m in rank_markets(store, ("THA", "VNM", "MYS")):
...         print(m.rank, m.iso3, round(m.score, 1), f"{m.coverage:.0%}")

The method (dimensions, indicators, weights, normalisation) lives in
``exportkit/data/market_index.yaml`` and is explained in ``docs/markets.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from exportkit import countries
from exportkit.errors import UsageError
from exportkit.markets import scoring
from exportkit.markets.inputs import gather
from exportkit.markets.potential import potential_sets
from exportkit.markets.product import (
    FlowCube,
    ProductFigures,
    load_import_flows,
    top_suppliers,
    validate_hs_codes,
)
from exportkit.markets.spec import index_spec, load_weights, validate_weights
from exportkit.models import MarketProfile, MarketScore, PotentialSummary, Provenance
from exportkit.store import Store

__all__ = [
    "index_spec",
    "load_weights",
    "market_profile",
    "combine_provenance",
    "trade_provenance_many",
    "rank_markets",
    "rank_markets_many",
    "validate_hs_codes",
    "validate_weights",
]

_PRODUCT_CODES = {
    "product:imports": "imports",
    "product:growth": "growth",
    "product:taiwan_imports": "taiwan_imports",
}


def _markets(markets: Iterable[str] | str | None) -> tuple[str, ...]:
    if markets is None or isinstance(markets, str):
        return countries.resolve_markets(markets)
    resolved = tuple(dict.fromkeys(countries.resolve(m) for m in markets))
    if not resolved:
        raise UsageError("no markets to rank")
    return resolved


def _weights(weights: dict[str, float] | None) -> dict[str, float]:
    return index_spec().weights if weights is None else validate_weights(weights)


def rank_markets(
    store: Store,
    markets: Iterable[str] | str | None = None,
    hs_codes: Iterable[str] | str = (),
    weights: dict[str, float] | None = None,
    sensitivity: int = 0,
    seed: int = 0,
    *,
    potential: bool = True,
) -> list[MarketScore]:
    """Rank ``markets`` (ISO3 codes, names, or "nsp6"/"nsp18") best first.

    ``hs_codes`` adds the product view when the store holds trade flows for them.
    ``weights`` maps dimension id → weight (summing to 100 or 1; default: the index file).
    ``sensitivity`` > 0 draws that many perturbed weight vectors (seeded) and fills
    ``first_share``/``top3_share``. Missing figures re-weight the other dimensions; each
    result's ``coverage`` says how much of the index had data. ``potential`` adds Taiwan's
    ITC-style export potential per market (``MarketScore.potential``) for the codes, or for
    all goods stored when none are given (``exportkit.analytics.potential``).
    """
    codes = validate_hs_codes(hs_codes)
    return rank_markets_many(
        store, markets, [codes], weights, sensitivity, seed, potential=potential
    )[0]


def rank_markets_many(
    store: Store,
    markets: Iterable[str] | str | None,
    hs_code_sets: Sequence[Iterable[str]],
    weights: dict[str, float] | None = None,
    sensitivity: int = 0,
    seed: int = 0,
    *,
    suppliers: bool | None = None,
    potential: bool = True,
) -> list[list[MarketScore]]:
    """:func:`rank_markets` for many HS-code sets at once, reading the store once.

    Competing suppliers are listed only when ranking a single set (``suppliers=None``), as
    they are the one per-set figure that needs every partner's rows. The export potential
    (``potential=True``) is computed once for every product the sets need, then summed per
    set.
    """
    spec = index_spec()
    mkts = _markets(markets)
    w = _weights(weights)
    sets = [validate_hs_codes(s) for s in hs_code_sets]
    union = sorted({c for s in sets for c in s})
    flows = load_import_flows(store, mkts, union)
    cube = FlowCube(flows, mkts, spec.growth_years)
    want_suppliers = len(sets) == 1 if suppliers is None else suppliers
    pot = potential_sets(store, mkts, sets) if potential else None

    base_inds = spec.indicators(product=False)
    prod_inds = spec.indicators(product=True)
    raw_all = gather(store, mkts, prod_inds)  # product columns stay NaN here
    sources_by_view: dict[bool, dict[str, tuple]] = {}
    results = []
    for codes in sets:
        product = bool(codes) and bool(cube.codes)
        inds = prod_inds if product else base_inds
        cols = [k for k, pair in enumerate(prod_inds) if pair in inds]
        raw = raw_all.values[:, cols].copy()
        figures = cube.figures(codes) if product else None
        if figures is not None:
            for k, (_, ind) in enumerate(inds):
                if ind.code in _PRODUCT_CODES:
                    raw[:, k] = getattr(figures, _PRODUCT_CODES[ind.code])
        scored = scoring.score(raw, mkts, inds, spec, w)
        first = top3 = None
        if sensitivity:
            first, top3 = scoring.sensitivity(
                scored.dimension_scores,
                w,
                scored.dimension_ids,
                sensitivity,
                spec.concentration,
                seed,
            )
        summaries = pot.summaries(codes) if pot is not None else None
        if product not in sources_by_view:
            sources_by_view[product] = {
                iso3: tuple(
                    raw_all.provenance[(iso3, ind.code)]
                    for _, ind in inds
                    if (iso3, ind.code) in raw_all.provenance
                )
                for iso3 in mkts
            }
        sources = sources_by_view[product]
        results.append(
            _market_scores(
                scored, figures, first, top3, flows if want_suppliers else None, summaries, sources
            )
        )
    return results


def _num(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 2)


def _market_scores(
    scored: scoring.Scored,
    figures: ProductFigures | None,
    first: np.ndarray | None,
    top3: np.ndarray | None,
    flows,
    potentials: list[PotentialSummary] | None = None,
    sources: dict[str, tuple] | None = None,
) -> list[MarketScore]:
    out = []
    share = figures.taiwan_share if figures is not None else None
    for rank, m in enumerate(scored.order(), start=1):
        iso3 = scored.markets[m]
        extra = {}
        if figures is not None:
            year = int(figures.year[m]) or None
            extra = {
                "imports_usd": _num(figures.imports[m]),
                "imports_growth_5y": _num(figures.growth[m]),
                "taiwan_share": _num(share[m]),
                "product_year": year,
                "top_suppliers": top_suppliers(flows, iso3, year)
                if flows is not None and year
                else (),
            }
        out.append(
            MarketScore(
                iso3=iso3,
                rank=rank,
                score=float(round(scored.overall[m], 2))
                if np.isfinite(scored.overall[m])
                else float("nan"),
                dimensions={
                    d: _num(scored.dimension_scores[m, j])
                    for j, d in enumerate(scored.dimension_ids)
                },
                coverage=round(float(scored.coverage[m]), 3),
                first_share=None if first is None else round(float(first[m]), 4),
                top3_share=None if top3 is None else round(float(top3[m]), 4),
                potential=None if potentials is None else potentials[m],
                sources=(sources or {}).get(iso3, ()),
                **extra,
            )
        )
    return out


def market_profile(
    store: Store,
    iso3: str,
    hs_codes: Iterable[str] | str = (),
    markets: Iterable[str] | str | None = None,
) -> MarketProfile:
    """Everything known of one market: its index score among ``markets`` (default: all 18
    New Southbound markets), the indicators with provenance, the product view for
    ``hs_codes``, tariffs and market notes."""
    iso3 = countries.resolve(iso3)
    codes = validate_hs_codes(hs_codes)
    peers = _markets(markets)
    if iso3 not in peers:
        peers = (*peers, iso3)
    ranking = rank_markets(
        store, peers, codes, sensitivity=index_spec().assess_draws, seed=0, potential=False
    )
    mine = next(s for s in ranking if s.iso3 == iso3)
    pot = potential_sets(store, (iso3,), [codes]).summaries(codes)[0] if codes else None
    spec = index_spec()
    raw = gather(store, (iso3,), spec.indicators(product=False))
    return MarketProfile(
        country=countries.country(iso3),
        score=mine,
        indicators={code: ind for (_, code), ind in raw.provenance.items()},
        hs_codes=tuple(sorted(codes)),
        imports_usd=mine.imports_usd,
        imports_growth_5y=mine.imports_growth_5y,
        taiwan_share=mine.taiwan_share,
        top_suppliers=mine.top_suppliers,
        tariffs=tuple(store.tariffs(iso3, codes or None)),
        notes=tuple(store.notes(iso3)),
        trade=trade_provenance(store, iso3, codes),
        potential=pot,
    )


def trade_provenance(store: Store, iso3: str, hs_codes: Sequence[str]) -> Provenance | None:
    """Where the market's imports of ``hs_codes`` came from (the rows the product view uses:
    the codes, or the HS6 rows under them). None when no codes or no flows."""
    found = trade_provenance_many(store, (iso3,), hs_codes)
    return combine_provenance((found.get((iso3, c)) for c in hs_codes), hs_codes)


def trade_provenance_many(
    store: Store, markets: Sequence[str], hs_codes: Sequence[str]
) -> dict[tuple[str, str], tuple[frozenset[str], str | None, object]]:
    """Per (market, code asked): the sources of the rows used, the newest row's URL and
    retrieval time — one query for a whole run (see :func:`combine_provenance`)."""
    if not hs_codes or not markets:
        return {}
    rows = load_import_flows(store, tuple(markets), tuple(hs_codes), provenance=True)
    out = {}
    for (iso3, asked), group in rows.groupby(["reporter_iso3", "asked"]):
        newest = group.sort_values("retrieved_at").iloc[-1]
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
