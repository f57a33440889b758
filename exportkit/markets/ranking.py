"""Market attractiveness: rank markets with a Market Potential Index from Taiwan's point of view.

>>> import tempfile, pathlib
>>> from exportkit.store import open_store
>>> with open_store(pathlib.Path(tempfile.mkdtemp()) / "m.duckdb") as store:
...     ranked = rank_markets(store, ("THA", "VNM", "MYS"), potential=False)
>>> sorted(m.iso3 for m in ranked), [m.rank for m in ranked]
(['MYS', 'THA', 'VNM'], [1, 2, 3])

The method (dimensions, indicators, weights, normalisation) lives in
``exportkit/data/market_index.yaml`` and is explained in ``docs/markets.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields

import numpy as np

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
    top_suppliers_many,
    validate_hs_codes,
)
from exportkit.markets.spec import index_spec, validate_weights
from exportkit.models import MarketScore, PotentialSummary, Text
from exportkit.store import Store

_PRODUCT_CODES = {
    "product:imports": "imports",
    "product:growth": "growth",
    "product:taiwan_imports": "taiwan_imports",
}


def resolve_markets(markets: Iterable[str] | str | None) -> tuple[str, ...]:
    """ISO3 codes of ``markets`` (codes, names, "nsp6"/"nsp18"; None: all 18), in order."""
    if markets is None or isinstance(markets, str):
        return countries.resolve_markets(markets)
    resolved = tuple(dict.fromkeys(countries.resolve(m) for m in markets))
    if not resolved:
        raise UsageError("no markets to rank", zh="沒有可排序的市場")
    return countries.require_nsb18(resolved)


def _weights(weights: dict[str, float] | None) -> dict[str, float]:
    """The index weights: the index file's, or ``weights`` checked and scaled to 100."""
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
    gathered: dict | None = None,
) -> list[list[MarketScore]]:
    """:func:`rank_markets` for many HS-code sets at once, reading the store once.

    Competing suppliers are listed only when ranking a single set (``suppliers=None``), as
    they are the one per-set figure that needs every partner's rows. The export potential
    (``potential=True``) is computed once for every product the sets need, then summed per
    set. ``gathered``: a dict that calls on the same store contents share, keeping the
    markets' non-product figures (read once for both of :class:`ProfileBuilder`'s rankings).
    """
    if seed < 0:
        raise UsageError(
            f"--seed {seed}: the seed must be 0 or more", zh=f"--seed {seed}：亂數種子須為 0 或以上"
        )
    spec = index_spec()
    mkts = resolve_markets(markets)
    # The fixed reference markets come along in every read: the robustness analysis scales its
    # alternative normalisations over them, whichever markets are ranked.
    reference = countries.resolve_markets(spec.reference_markets)
    pool = tuple(dict.fromkeys((*mkts, *reference)))
    at = [pool.index(m) for m in mkts]
    ref_at = [pool.index(m) for m in reference]
    w = _weights(weights)
    sets = [validate_hs_codes(s) for s in hs_code_sets]
    union = sorted({c for s in sets for c in s})
    flows = load_import_flows(store, pool, union)
    cube = FlowCube(flows, pool, spec.growth_years)
    want_suppliers = len(sets) == 1 if suppliers is None else suppliers
    pot = potential_sets(store, mkts, sets) if potential else None

    base_inds = spec.indicators(product=False)
    prod_inds = spec.indicators(product=True)
    # product columns stay NaN here; ``gathered``: kept for another call on the same store
    raw_all = None if gathered is None else gathered.get(pool)
    if raw_all is None:
        raw_all = gather(store, pool, prod_inds, spec)
        if gathered is not None:
            gathered[pool] = raw_all
    sources_by_view: dict[bool, dict[str, tuple]] = {}
    # the rivals in each set's products only (the frame holds every set's)
    rivals = (
        top_suppliers_many(flows, [c if c and cube.codes else () for c in sets])
        if want_suppliers and len(flows)
        else [None] * len(sets)
    )
    results = []
    for codes, set_rivals in zip(sets, rivals, strict=True):
        product = bool(codes) and bool(cube.codes)
        inds = prod_inds if product else base_inds
        cols = [k for k, pair in enumerate(prod_inds) if pair in inds]
        raw = raw_all.values[:, cols].copy()
        pool_figures = cube.figures(codes) if product else None
        if pool_figures is not None:
            for k, (_, ind) in enumerate(inds):
                if ind.code in _PRODUCT_CODES:
                    raw[:, k] = getattr(pool_figures, _PRODUCT_CODES[ind.code])
        scored = scoring.score(raw[at], mkts, inds, spec, w)
        first = top3 = None
        if sensitivity:
            first, top3 = scoring.robustness(
                raw[at], inds, spec, w, sensitivity, seed, reference=raw[ref_at]
            )
        figures = None if pool_figures is None else _rows(pool_figures, at)
        summaries = pot.summaries(codes) if pot is not None else None
        if product not in sources_by_view:
            sources_by_view[product] = {
                iso3: tuple(
                    raw_all.provenance[(iso3, ind.key)]
                    for _, ind in inds
                    if (iso3, ind.key) in raw_all.provenance
                )
                for iso3 in mkts
            }
        sources = sources_by_view[product]
        view = ("product", ",".join(codes)) if product else ("macro", "")
        results.append(
            _market_scores(
                scored,
                figures,
                first,
                top3,
                None,
                summaries,
                sources,
                flags=raw_all.flags,
                view=view,
                rivals=set_rivals,
            )
        )
    return results


def _rows(figures: ProductFigures, at: Sequence[int]) -> ProductFigures:
    """The product figures of the markets ranked (rows ``at`` of the pool's)."""
    return ProductFigures(*(getattr(figures, f.name)[list(at)] for f in fields(figures)))


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
    *,
    flags: dict[str, tuple[str, ...]] | None = None,
    view: tuple[str, str] = ("macro", ""),
    rivals: dict[tuple[str, int], tuple] | None = None,
) -> list[MarketScore]:
    out = []
    spec = index_spec()
    labels = {d.id: d.label for d in spec.dimensions}
    template = spec.views[view[0]]
    view_label = Text(template.zh_TW.format(hs=view[1]), template.en.format(hs=view[1]))
    share = figures.taiwan_share if figures is not None else None
    if figures is None:
        suppliers = {}
    elif rivals is not None:  # worked out for many sets at once (top_suppliers_many)
        suppliers = rivals
    else:
        suppliers = top_suppliers(flows) if flows is not None else {}
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
                "top_suppliers": suppliers.get((iso3, year), ()),
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
                dimension_labels=labels,
                flags=(flags or {}).get(iso3, ()),
                view=view[0],
                view_label=view_label,
                **extra,
            )
        )
    return out
