"""What the questionnaire definition says about a score: band names and meanings, advice and
referral programmes per dimension, driver-type names.

The questionnaire definition (``exportkit.questionnaire``) is the authority for these, so the
reports read it when it can be loaded; ``reports/templates/{labels,content}.yaml`` are the
fallback (a score from another definition, or a build without the questionnaire module).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from exportkit.errors import ExportkitError
from exportkit.models import Programme, Text


@dataclass(frozen=True, slots=True)
class DefinitionContent:
    bands: dict[str, Text] = field(default_factory=dict)  # best band first
    band_descriptions: dict[str, Text] = field(default_factory=dict)
    advice: dict[str, Text] = field(default_factory=dict)
    referrals: dict[str, tuple[str, ...]] = field(default_factory=dict)
    programmes: dict[str, Programme] = field(default_factory=dict)
    driver_types: dict[str, Text] = field(default_factory=dict)
    # firm profile field (e.g. "industry") → stored choice value → its label
    choices: dict[str, dict[str, Text]] = field(default_factory=dict)


@cache
def definition_content(definition_id: str) -> DefinitionContent | None:
    """The definition's own texts, or ``None`` when it cannot be loaded."""
    try:
        from exportkit.questionnaire import load_definition
    except ImportError:
        return None
    try:
        d = load_definition(definition_id)
        bands = sorted(d.bands, key=lambda b: -b.min)
        return DefinitionContent(
            bands={b.id: b.label for b in bands},
            band_descriptions={b.id: b.description for b in bands if b.description},
            advice={s.id: s.advice for s in d.dimensions if s.advice},
            referrals={s.id: tuple(s.referrals) for s in d.dimensions},
            programmes=dict(d.programmes),
            driver_types={t.id: t.label for t in d.driver_types},
            choices={
                i.firm_field: {o.value: o.label for o in i.options}
                for i in d.items
                if getattr(i, "firm_field", None) and getattr(i, "options", None)
            },
        )
    except (ExportkitError, AttributeError, KeyError, TypeError):
        # An unknown id, or a definition of another shape: use the reports' fallback texts.
        return None


def band_label(definition_id: str, band: str, lang: str) -> str:
    """The display name of a band: the definition's label, else ``labels.yaml``, else the id."""
    from exportkit.render.labels import labels

    dc = definition_content(definition_id)
    if dc and band in dc.bands:
        return dc.bands[band].get(lang)
    return labels(lang).of("bands", band)


def band_rank(definition_id: str, band: str) -> int:
    """Sort key: 0 for the best band (the definition's order, else ``labels.yaml``'s)."""
    from exportkit.render.labels import label_catalog

    dc = definition_content(definition_id)
    order = list(dc.bands) if dc and band in dc.bands else list(label_catalog()["bands"])
    return order.index(band) if band in order else 99


def choice_label(definition_id: str, firm_field: str, value: str | None, lang: str) -> str | None:
    """The questionnaire's label for a firm's stored choice (``industry="machinery"`` →
    "機械設備及零組件（含工具機）"); the value itself when the definition does not know it."""
    if not value:
        return None
    dc = definition_content(definition_id)
    text = dc.choices.get(firm_field, {}).get(value) if dc else None
    return text.get(lang) if text else value
