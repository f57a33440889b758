"""Bilingual reason sentences: rule texts from the rule book filled with factor values."""

from __future__ import annotations

import re
import string
from functools import cache
from typing import Any

from exportkit.countries import name as country_name
from exportkit.entry_mode.factors import FactorSet, display, market_facts
from exportkit.entry_mode.rulebook import GATE_FACTORS, RuleBook
from exportkit.models import Text


class _Values(dict):
    """format_map source that renders each placeholder lazily in one language (and keeps
    what it rendered: the values of a filled template)."""

    def __init__(self, book: RuleBook, factors: FactorSet, lang: str, extra: dict[str, str]):
        super().__init__()
        self.book, self.factors, self.lang, self.extra = book, factors, lang, extra

    def __missing__(self, key: str) -> str:
        value = self[key] = self._render(key)
        return value

    def _render(self, key: str) -> str:
        if key in self.extra:
            return self.extra[key]
        return display(
            key,
            self.factors.values.get(key),
            self.lang,
            self.book.factors.get(key),
            levels=market_facts().level_labels,
            evidence=self.factors.evidence.get(key),
            showstop=self.factors.showstop,
        )


def fill(
    text: Text, book: RuleBook, factors: FactorSet, extra: dict[str, Any] | None = None
) -> Text:
    """``text`` with ``{factor}`` placeholders replaced by formatted values, in both languages."""
    return fill_values(text, book, factors, extra)[0]


def fill_values(
    text: Text, book: RuleBook, factors: FactorSet, extra: dict[str, Any] | None = None
) -> tuple[Text, tuple[tuple[str, Text], ...]]:
    """``fill`` and the values it put in: ``(text, ((placeholder, Text), ...))``.

    ``text.get(lang).format_map`` of the values gives the filled text again.
    """
    extra = extra or {}
    out, used = [], []
    for lang, template in (("zh-TW", text.zh_TW), ("en", text.en)):
        per_lang = {k: (v.get(lang) if isinstance(v, Text) else str(v)) for k, v in extra.items()}
        values = _Values(book, factors, lang, per_lang)
        out.append(template.format_map(values))  # str.format, as string.Formatter reads it
        used.append(values)
    zh, en = used
    names = dict.fromkeys([*zh, *en])
    return Text(out[0], out[1]), tuple((k, Text(zh.get(k, ""), en.get(k, ""))) for k in names)


@cache
def _placeholder_names(template: str) -> tuple[str, ...] | None:
    """The names ``template`` reads (``{value}``, ``{rule_of_law:.1f}`` → ``rule_of_law``);
    None when they cannot all be told from the text (a nested ``{}`` in a format spec)."""
    names = []
    for _, field, spec, _ in string.Formatter().parse(template):
        if field is None:
            continue
        if not field or field.isdigit() or (spec and "{" in spec):
            return None
        names.append(re.split(r"[.\[]", field, maxsplit=1)[0])
    return tuple(dict.fromkeys(names))


def reads(text: Text, name: str) -> bool:
    """True when ``text`` may read the placeholder ``name`` (in either language)."""
    zh, en = _placeholder_names(text.zh_TW), _placeholder_names(text.en)
    return zh is None or en is None or name in zh or name in en


def text_key(text: Text, factors: FactorSet) -> tuple | None:
    """What ``fill_values(text, book, factors, extra)`` reads from ``factors``: each
    placeholder's value (and its type), data year and, for the showstopper, its reasons.
    Equal keys (with equal ``extra``) give the same filled text; None: not to be cached."""
    zh, en = _placeholder_names(text.zh_TW), _placeholder_names(text.en)
    if zh is None or en is None:
        return None
    values, ev = factors.values, factors.evidence
    out = []
    for name in dict.fromkeys((*zh, *en)):
        value = values.get(name)
        out.append((type(value), value, getattr(ev.get(name), "year", None)))
    if "showstopper" in zh or "showstopper" in en:
        out.append(factors.showstop.reasons)
    return tuple(out)


def template_values(**values: Text) -> tuple[tuple[str, Text], ...]:
    """Values given by name, in the shape ``fill_values`` returns."""
    return tuple(values.items())


def missing_text(book: RuleBook, names: frozenset[str] | set[str]) -> Text:
    """``"internet users, LPI"`` — the factors a rule could not be evaluated without."""
    ordered = sorted(names)
    zh = "、".join(book.factors[n].label.zh_TW if n in book.factors else n for n in ordered)
    en = "; ".join(book.factors[n].label.en if n in book.factors else n for n in ordered)
    return Text(zh, en)


def country_text(iso3: str) -> Text:
    """The country's name in both languages."""
    return Text(country_name(iso3, "zh-TW"), country_name(iso3, "en"))


def evidence(book: RuleBook, factors: FactorSet, used: frozenset[str] | set[str]) -> Text:
    """``"rule of law -1.00 (2023)"`` — the factors that decided a condition, with values."""
    parts = {"zh-TW": [], "en": []}
    for name in sorted(set(used) - GATE_FACTORS):
        info = book.factors.get(name)
        for lang in parts:
            label = info.label.get(lang) if info else name
            value = display(
                name,
                factors.values.get(name),
                lang,
                info,
                levels=market_facts().level_labels,
                evidence=factors.evidence.get(name),
                showstop=factors.showstop,
            )
            parts[lang].append(f"{label} {value}")
    return Text("、".join(parts["zh-TW"]), ", ".join(parts["en"]))
