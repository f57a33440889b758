"""What the questionnaire definition says about a score: band names and meanings, advice and
referral programmes per dimension, driver-type names, the names of a firm's choices.

The writers are given the :class:`~exportkit.models.Definition` the firms answered (an
assessment run carries it) and name bands, driver types and industries from it, through the
functions here and nowhere else. ``reports/templates/{labels,content}.yaml`` are the fallback
for a score whose definition is not given (or does not know the band).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from exportkit.models import Definition, Programme, Text


@dataclass(frozen=True, slots=True)
class DefinitionContent:
    """A definition's texts, keyed for the reports."""

    bands: dict[str, Text] = field(default_factory=dict)  # best band first
    band_descriptions: dict[str, Text] = field(default_factory=dict)
    advice: dict[str, Text] = field(default_factory=dict)
    referrals: dict[str, tuple[str, ...]] = field(default_factory=dict)
    programmes: dict[str, Programme] = field(default_factory=dict)
    driver_types: dict[str, Text] = field(default_factory=dict)
    # firm profile field (e.g. "industry") → stored choice value → its label
    choices: dict[str, dict[str, Text]] = field(default_factory=dict)


# Content per definition object; the object is kept so that its id cannot be reused.
_CONTENT: dict[int, tuple[Definition, DefinitionContent]] = {}


def definition_content(definition: Definition | None) -> DefinitionContent | None:
    """The definition's own texts (None without a definition)."""
    if definition is None:
        return None
    entry = _CONTENT.get(id(definition))
    if entry is None or entry[0] is not definition:
        bands = sorted(definition.bands, key=lambda b: -b.min)
        content = DefinitionContent(
            bands={b.id: b.label for b in bands},
            band_descriptions={b.id: b.description for b in bands if b.description},
            advice={s.id: s.advice for s in definition.dimensions if s.advice},
            referrals={s.id: tuple(s.referrals) for s in definition.dimensions},
            programmes=dict(definition.programmes),
            driver_types={t.id: t.label for t in definition.driver_types},
            choices={
                i.firm_field: {o.value: o.label for o in i.options}
                for i in definition.items
                if i.firm_field and i.options
            },
        )
        entry = _CONTENT[id(definition)] = (definition, content)
    return entry[1]


def band_text(definition: Definition | None, band: str) -> Text:
    """A band's name: the definition's label, else ``labels.yaml``'s, else the id."""
    from exportkit.render.labels import label_catalog

    dc = definition_content(definition)
    if dc and band in dc.bands:
        return dc.bands[band]
    entry = label_catalog().get("bands", {}).get(band)
    if entry:
        return Text(entry.get("zh-TW") or band, entry.get("en") or band)
    return Text(band, band)


def band_label(definition: Definition | None, band: str, lang: str) -> str:
    """:func:`band_text` in ``lang``."""
    return band_text(definition, band).get(lang)


def band_rank(definition: Definition | None, band: str) -> int:
    """Sort key: 0 for the best band (the definition's order, else ``labels.yaml``'s)."""
    from exportkit.render.labels import label_catalog

    dc = definition_content(definition)
    order = list(dc.bands) if dc and band in dc.bands else list(label_catalog()["bands"])
    return order.index(band) if band in order else 99


def driver_text(definition: Definition | None, driver_type: str | None) -> Text | None:
    """A driver type's name from the definition (None: no driver type, or not in it)."""
    dc = definition_content(definition)
    if driver_type is None or dc is None:
        return None
    return dc.driver_types.get(driver_type)


def choice_label(
    definition: Definition | None, firm_field: str, value: str | None, lang: str
) -> str | None:
    """The questionnaire's label for a firm's stored choice (``industry="machinery"`` →
    "機械設備及零組件（含工具機）"); the value itself when the definition does not know it."""
    if not value:
        return None
    dc = definition_content(definition)
    text = dc.choices.get(firm_field, {}).get(value) if dc else None
    return text.get(lang) if text else value
