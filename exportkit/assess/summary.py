"""The run at a glance: one line per firm for the terminal (firm, index, band, first market,
recommended mode), in the user's language, named as every other output names them."""

from __future__ import annotations

from dataclasses import dataclass

from exportkit.countries import name as country_name
from exportkit.models import AssessmentRun
from exportkit.render.definition import band_label


@dataclass(frozen=True)
class FirmLine:
    """One firm's line of the summary table."""

    firm: str
    overall: float
    band: str
    market: str
    mode: str


def firm_lines(run: AssessmentRun, lang: str) -> list[FirmLine]:
    """One ``FirmLine`` per assessed firm, best readiness first."""
    lines = []
    for item in run.firms:
        score = item.readiness
        first = next((r for r in item.recommendations if not r.fit.excluded), None)
        lines.append(
            FirmLine(
                firm=score.firm or item.firm.name,
                overall=round(score.overall, 1),
                band=band_label(run.definition, score.band, lang),
                market=country_name(first.iso3, lang) if first else "—",
                mode=first.entry_modes[0].name(lang) if first else "—",
            )
        )
    return sorted(lines, key=lambda line: -line.overall)
