"""The HTML/PDF side of ``exportkit assess``: which markets get a brief, and the briefs.

Each firm gets its readiness report and one country brief per target market: its top
``briefs`` ranked markets (excluded markets never count towards them) plus every assessed
market the firm itself named as a target — even one exportkit advises against, because the
firm will ask about it and the brief says why. The documents are written by
:func:`exportkit.render.write_portfolio` (HTML in this process, PDFs across all cores).
"""

from __future__ import annotations

from collections.abc import Sequence

from exportkit.assess.brief import with_market_facts
from exportkit.markets import import_trend
from exportkit.markets.profile import hs_key
from exportkit.models import (
    Brief,
    Firm,
    FirmReport,
    MarketProfile,
    ReadinessScore,
    Recommendation,
    TrendFit,
)
from exportkit.store import Store

DEFAULT_BRIEFS = 3


def brief_markets(
    recommendations: Sequence[Recommendation], firm: Firm, top: int = DEFAULT_BRIEFS
) -> list[Recommendation]:
    """The recommendations to write a brief for, in rank order: the ``top`` best-fitting
    markets that are not excluded, plus any market the firm named as a target."""
    ranked = sorted(recommendations, key=lambda r: r.rank)
    best = [r for r in ranked if not r.fit.excluded][: max(0, top)]
    chosen = {r.iso3 for r in best} | {r.iso3 for r in ranked if r.iso3 in firm.target_markets}
    return [r for r in ranked if r.iso3 in chosen]


class Trends:
    """The import trend per market × HS codes, fitted once per run (firms selling the same
    products share it) and only for markets that get a brief."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._cache: dict[tuple[str, tuple[str, ...]], TrendFit | None] = {}

    def __call__(self, iso3: str, hs_codes: Sequence[str]) -> TrendFit | None:
        """The trend of ``iso3``'s imports of ``hs_codes`` (None: no such flows stored)."""
        key = (iso3, hs_key(hs_codes))
        if key not in self._cache:
            self._cache[key] = import_trend(self.store, iso3, key[1])
        return self._cache[key]


def firm_report(
    firm: Firm,
    score: ReadinessScore,
    recommendations: Sequence[Recommendation],
    profiles: dict[str, MarketProfile],
    trends: Trends,
    *,
    lang: str,
    top: int,
    previous: ReadinessScore | None,
    folder: str,
) -> FirmReport:
    """One firm's ``FirmReport``: its readiness report and the briefs of its target markets."""
    briefs = tuple(
        Brief(
            firm,
            score,
            rec,
            with_market_facts(profiles[rec.iso3]),
            lang,
            trend=trends(rec.iso3, firm.hs_codes),
            markets_assessed=len(recommendations),
        )
        for rec in brief_markets(recommendations, firm, top)
    )
    return FirmReport(score, firm, briefs, previous, folder=folder)
