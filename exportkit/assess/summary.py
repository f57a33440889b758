"""The run at a glance: one line per firm for the terminal (firm, index, band, first market,
recommended mode), in the user's language."""

from __future__ import annotations

from dataclasses import dataclass

from exportkit.assess.pipeline import AssessmentRun
from exportkit.countries import name as country_name
from exportkit.questionnaire import load_definition


@dataclass(frozen=True)
class FirmLine:
    firm: str
    overall: float
    band: str
    market: str
    mode: str


def firm_lines(run: AssessmentRun, lang: str) -> list[FirmLine]:
    """One ``FirmLine`` per assessed firm, best readiness first."""
    bands = {b.id: b.label.get(lang) for b in load_definition("export-readiness").bands}
    lines = []
    for item in run.firms:
        score = item.readiness
        first = next((r for r in item.recommendations if not r.fit.excluded), None)
        lines.append(
            FirmLine(
                firm=score.firm or item.firm.name,
                overall=round(score.overall, 1),
                band=bands.get(score.band, score.band),
                market=country_name(first.iso3, lang) if first else "—",
                mode=first.entry_modes[0].name(lang) if first else "—",
            )
        )
    return sorted(lines, key=lambda line: -line.overall)
