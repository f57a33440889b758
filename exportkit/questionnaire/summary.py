"""Plain-data views of scores (for JSON/CSV/table output and reports), in one language."""

from __future__ import annotations

from typing import Any

from exportkit.models import ReadinessScore
from exportkit.models.questionnaire import ScoreBatch
from exportkit.questionnaire.definition import load_definition


def score_record(score: ReadinessScore, lang: str = "en") -> dict[str, Any]:
    """One firm's score as JSON-ready data, with band label, gaps' advice and referrals."""
    d = load_definition(score.definition_id)
    band = next((b for b in d.bands if b.id == score.band), None)
    driver = next((t for t in d.driver_types if t.id == score.driver_type), None)

    def dimension(dim_id: str) -> dict[str, Any]:
        section = d.section(dim_id)
        return {
            "id": dim_id,
            "label": section.title.get(lang),
            "score": score.dimensions[dim_id].score,
        }

    gaps = []
    for dim_id in score.gaps:
        section = d.section(dim_id)
        gaps.append(
            {
                **dimension(dim_id),
                "advice": section.advice.get(lang) if section.advice else "",
                "referrals": [
                    {"name": d.programmes[p].name.get(lang), "url": d.programmes[p].url}
                    for p in section.referrals
                ],
            }
        )
    return {
        "file": score.file,
        "firm": score.firm,
        "tax_id": score.tax_id,
        "definition": score.definition_id,
        "overall": score.overall,
        "band": score.band,
        "band_label": band.label.get(lang) if band else "",
        "dimensions": {k: v.score for k, v in score.dimensions.items()},
        "answered": {k: f"{v.answered}/{v.items}" for k, v in score.dimensions.items()},
        "coverage": score.coverage,
        "driver_type": score.driver_type,
        "driver_label": driver.label.get(lang) if driver else None,
        "percentile": score.percentile,
        "standing": None
        if score.standing is None
        else dict(zip(("higher_than", "tied_with", "of"), score.standing, strict=True)),
        "strengths": [dimension(s) for s in score.strengths],
        "gaps": gaps,
        "notes": list(score.notes),
    }


def batch_record(batch: ScoreBatch, lang: str = "en") -> dict[str, Any]:
    """``{"results": [...], "errors": [...], "alpha": {...}, "alpha_n": {...}, ...}`` for a
    whole batch: ``alpha`` per dimension (``null`` below the definition's minimum number of
    firms), ``alpha_n`` the firms each rests on, ``alpha_min_firms`` that minimum and
    ``alpha_note`` what alpha cannot say (formative, checklist-style dimensions)."""
    rel = batch.reliability
    return {
        "results": [score_record(r, lang) for r in batch.results],
        "errors": [{"file": f.file, "messages": f.messages(lang)} for f in batch.failures],
        "alpha": batch.alpha,
        "alpha_n": batch.alpha_n,
        "alpha_min_firms": rel.min_firms if rel else None,
        "alpha_note": rel.note.get(lang) if rel else None,
    }
