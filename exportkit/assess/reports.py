"""The HTML/PDF side of ``exportkit assess``: which markets get a brief, and the documents.

Each firm gets its readiness report and one country brief per target market: its top
``briefs`` ranked markets (excluded markets never count towards them) plus every assessed
market the firm itself named as a target — even one exportkit advises against, because the
firm will ask about it and the brief says why. The documents are written by
:func:`exportkit.render.portfolio.write_portfolio` (HTML here, PDFs across all cores).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from exportkit.models import Brief, Firm, MarketProfile, ReadinessScore, Recommendation

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


class BriefEvidence:
    """Trade provenance and import trend per market × HS codes, read and fitted once per run
    (firms selling the same products share them)."""

    def __init__(self, store) -> None:
        self.store = store
        self._cache: dict[tuple[str, tuple[str, ...]], tuple[Any, Any]] = {}

    def __call__(self, iso3: str, hs_codes: Sequence[str]) -> tuple[Any, Any]:
        from exportkit.render.workbook_brief import profile_codes, trade_evidence

        codes = profile_codes(hs_codes)
        key = (iso3, tuple(sorted(codes)))
        if key not in self._cache:
            self._cache[key] = trade_evidence(self.store, iso3, codes)
        return self._cache[key]


def firm_report(
    firm: Firm,
    score: ReadinessScore,
    recommendations: Sequence[Recommendation],
    profiles: dict[str, MarketProfile],
    evidence: BriefEvidence,
    *,
    lang: str,
    top: int,
    previous: ReadinessScore | None,
    folder: str,
):
    """One firm's ``FirmReport``: its readiness report and the briefs of its target markets."""
    from exportkit.render.portfolio import FirmReport
    from exportkit.render.workbook_brief import BriefInputs

    briefs = []
    for rec in brief_markets(recommendations, firm, top):
        source, trend = evidence(rec.iso3, firm.hs_codes)
        brief = Brief(firm, score, rec, profiles[rec.iso3], lang)
        briefs.append(BriefInputs(brief, trend, source, previous, len(recommendations)))
    return FirmReport(score, firm, tuple(briefs), previous, folder=folder)


@dataclass(frozen=True)
class DocumentFailure:
    """A failed document, shaped like ``FileFailure`` so summaries treat both alike."""

    file: str  # relative to the output folder
    problems: tuple[Exception, ...]

    def messages(self, lang: str = "en") -> list[str]:
        return [p.message(lang) for p in self.problems]  # type: ignore[attr-defined]
