"""The readiness report's view: a firm's scored questionnaire, its strengths and gaps with
advice and referrals, and the change since its previous assessment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from exportkit.models import Definition, Firm, ReadinessScore
from exportkit.render import charts
from exportkit.render.definition import band_label, choice_label, definition_content
from exportkit.render.labels import Labels, content, labels, pick
from exportkit.render.views.common import band_class, dimension_label


@dataclass(slots=True)
class DimensionRow:
    """One dimension in the readiness table, with its change since last time."""

    id: str
    label: str
    score: float
    weight: float
    answered: int
    items: int
    previous: float | None = None
    delta: float | None = None
    strength: bool = False
    gap: bool = False


@dataclass(slots=True)
class Referral:
    """A programme a gap refers the firm to."""

    id: str
    name: str
    what: str
    url: str


@dataclass(slots=True)
class Advice:
    """A strength or gap with its advice text and referrals."""

    label: str
    score: float
    text: str
    referrals: list[Referral] = field(default_factory=list)


@dataclass(slots=True)
class ReadinessView:
    """Everything the readiness report shows."""

    lang: str
    L: Labels
    firm_name: str
    firm: Firm | None
    score: ReadinessScore
    band_label: str
    band_class: str
    band_description: str
    driver_type: str
    dimensions: list[DimensionRow]
    radar: str
    strengths: list[Advice]
    gaps: list[Advice]
    referrals: list[Referral]
    previous: ReadinessScore | None
    overall_delta: float | None
    generated_on: date
    title: str
    industry: str | None = None  # the questionnaire's label for the firm's industry
    strengths_rule: str = ""  # what makes a dimension a strength (its least score)
    no_strengths: str = ""  # said when no dimension is one, naming the best and its score


def _referral(ref_id: str, lang: str, programmes: dict | None = None) -> Referral | None:
    if programmes and ref_id in programmes:
        p = programmes[ref_id]
        what = p.description.get(lang) if p.description else ""
        return Referral(ref_id, p.name.get(lang), what, p.url)
    entry = content()["referrals"].get(ref_id)
    if entry is None:
        return None
    return Referral(ref_id, pick(entry["name"], lang), pick(entry["what"], lang), entry["source"])


def _gap_advice(dim_id: str, lang: str, dc) -> tuple[str, list[str], dict | None]:
    """Advice text and referral ids for a gap: the definition's when it has them."""
    fallback = content()["dimensions"].get(dim_id, {})
    if dc and dc.advice.get(dim_id):
        return dc.advice[dim_id].get(lang), list(dc.referrals.get(dim_id, ())), dc.programmes
    return pick(fallback.get("gap"), lang), list(fallback.get("referrals", [])), None


def readiness_view(
    score: ReadinessScore,
    firm: Firm | None,
    lang: str,
    previous: ReadinessScore | None = None,
    generated_on: date | None = None,
    definition: Definition | None = None,
) -> ReadinessView:
    """Everything the readiness report shows for one scored firm; band, driver-type and
    industry names, advice and referrals come from ``definition`` (the questionnaire the firm
    answered) where it has them."""
    L = labels(lang)
    advice = content()["dimensions"]
    rows: list[DimensionRow] = []
    for dim in score.dimensions.values():
        prev = previous.dimensions.get(dim.id) if previous else None
        rows.append(
            DimensionRow(
                id=dim.id,
                label=dimension_label(dim, lang),
                score=dim.score,
                weight=dim.weight,
                answered=dim.answered,
                items=dim.items,
                previous=prev.score if prev else None,
                delta=dim.score - prev.score if prev else None,
                strength=dim.id in score.strengths,
                gap=dim.id in score.gaps,
            )
        )
    by_id = {r.id: r for r in rows}
    strengths = [
        Advice(by_id[d].label, by_id[d].score, pick(advice.get(d, {}).get("strength"), lang))
        for d in score.strengths
        if d in by_id
    ]
    dc = definition_content(definition)
    gaps: list[Advice] = []
    referrals: dict[str, Referral] = {}
    for d in score.gaps:
        if d not in by_id:
            continue
        text, ref_ids, programmes = _gap_advice(d, lang, dc)
        refs = [r for r in (_referral(i, lang, programmes) for i in ref_ids) if r]
        for r in refs:
            referrals.setdefault(r.id, r)
        gaps.append(Advice(by_id[d].label, by_id[d].score, text, refs))
    floor = definition.strength_min if definition is not None else 0.0
    best = max(rows, key=lambda r: r.score, default=None)
    no_strengths = (
        L.no_strengths_below.format(min=f"{floor:.0f}", best=best.label, score=f"{best.score:.0f}")
        if best is not None and best.score < floor
        else L.no_strengths
    )
    radar = charts.data_uri(charts.radar([(r.label, r.score) for r in rows], L.radar_caption))
    return ReadinessView(
        lang=lang,
        L=L,
        firm_name=firm.name if firm else score.firm,
        firm=firm,
        score=score,
        band_label=band_label(definition, score.band, lang),
        band_class=band_class(score.band),
        band_description=(
            dc.band_descriptions[score.band].get(lang)
            if dc and score.band in dc.band_descriptions
            else ""
        ),
        driver_type=(
            dc.driver_types[score.driver_type].get(lang)
            if dc and score.driver_type in dc.driver_types
            else score.driver_type or ""
        ),
        dimensions=rows,
        radar=radar,
        strengths=strengths,
        strengths_rule=L.strengths_rule.format(min=f"{floor:.0f}") if floor else "",
        no_strengths=no_strengths,
        gaps=gaps,
        referrals=list(referrals.values()),
        previous=previous,
        overall_delta=score.overall - previous.overall if previous else None,
        generated_on=generated_on or date.today(),
        industry=choice_label(definition, "industry", firm.industry if firm else None, lang),
        title=f"{L.readiness_title} — {firm.name if firm else score.firm}",
    )
