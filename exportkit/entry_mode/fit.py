"""Market fit: which markets suit this firm, combining attractiveness with the firm's situation.

The fit of a market (0–100) is the weighted mean of the components whose data exist —
market attractiveness, import demand for the firm's HS codes, its growth, Taiwan's share
and the tariff — plus adjustments for markets the firm already serves or wants, and a
penalty for psychically distant markets when the firm is inexperienced. A market whose
showstopper bars every product of the firm is excluded (rule R10). All weights, scales and
texts live in ``data/entry_mode_rules.yaml`` (``market_fit:``).

>>> from exportkit.countries import country
>>> from exportkit.models import Firm, MarketProfile
>>> winery = Firm("Acme Winery", hs_codes=("2204",), target_markets=("VNM",))
>>> fits = rank_fit(winery, None, [MarketProfile(country(c)) for c in ("BRN", "THA", "VNM")])
>>> [(f.iso3, f.fit_score, f.excluded) for f in fits]
[('VNM', 8.0, False), ('THA', 0.0, False), ('BRN', 0.0, True)]
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from exportkit.entry_mode.conditions import evaluate
from exportkit.entry_mode.explain import (
    _placeholder_names,
    fill_values,
    reads,
    template_values,
    text_key,
)
from exportkit.entry_mode.factors import PROFILE_FACTORS, FactorSet, collect_factors
from exportkit.entry_mode.rulebook import FitAdjustment, FitComponent, RuleBook, default_rulebook
from exportkit.models import FiredRule, Firm, MarketFit, MarketProfile, ReadinessScore, Text


def _component_score(component: FitComponent, value: float) -> float | None:
    if component.transform == "log10":
        if value <= 0:
            return 0.0
        value = math.log10(value)
    span = component.high - component.low
    share = (value - component.low) / span
    return max(0.0, min(100.0, share * 100.0))


def fit_from_factors(
    firm: Firm, factors: FactorSet, book: RuleBook, iso3: str, texts: dict | None = None
) -> MarketFit:
    """The MarketFit of one market from already collected factors.

    ``texts`` keeps the reasons made, for one rule book, by what they read (a component's
    value, the firm's HS codes): the firms of a run selling the same codes share them."""
    excluded, reasons, fit = fit_base(firm, factors, book, iso3, texts)
    if excluded is not None:
        return excluded
    return fit_adjusted(factors, book, iso3, reasons, fit, texts)


def fit_base(
    firm: Firm, factors: FactorSet, book: RuleBook, iso3: str, texts: dict | None = None
) -> tuple[MarketFit | None, tuple[FiredRule, ...], float]:
    """The part of the fit read from the market's figures and the firm's HS codes (the
    components and the showstopper): ``(the fit if the market is excluded, else None, the
    reasons, the weighted mean)``. It is the same for every firm selling the same codes in
    the market, which is why it is apart from the adjustments (``fit_adjusted``)."""
    reasons: list[FiredRule] = []
    hs = ", ".join(firm.hs_codes) if firm.hs_codes else "—"
    veto = next(r for r in book.rules if r.id == book.veto_rule)
    if factors.showstop.value is True:
        text, values = fill_values(veto.reason, book, factors)
        reasons.append(
            FiredRule(
                veto.id,
                text,
                "; ".join(factors.showstop.sources),
                text_id=veto.id,
                template=veto.reason,
                values=values,
            )
        )
        return MarketFit(iso3, 0.0, tuple(reasons), excluded=True), tuple(reasons), 0.0
    if factors.showstop.blocked:
        blocked = ", ".join(factors.showstop.blocked)
        why_zh = "；".join(r.zh_TW for r in factors.showstop.reasons)
        why_en = "; ".join(r.en for r in factors.showstop.reasons)
        template = book.messages["partial_showstopper"]
        reasons.append(
            FiredRule(
                veto.id,
                Text(
                    template.zh_TW.format(hs=blocked, why=why_zh),
                    template.en.format(hs=blocked, why=why_en),
                ),
                "; ".join(factors.showstop.sources),
                effect=0.0,
                text_id="messages.partial_showstopper",
                template=template,
                values=template_values(hs=Text(blocked, blocked), why=Text(why_zh, why_en)),
            )
        )

    total = weight = 0.0
    values = factors.values
    for component in book.fit_components:
        value = values.get(component.factor)
        if value is None:
            shown = hs if reads(component.missing, "hs") else ""
            key = _key(("fit.missing", component.id, shown), text_key(component.missing, factors))
            reason = _cached(texts, key, lambda c=component: _missing_reason(c, book, factors, hs))
            reasons.append(reason)
            continue
        ev = factors.evidence.get(component.factor)
        shown = hs if reads(component.reason, "hs") else ""
        key = _key(
            ("fit", component.id, shown, type(value), value, getattr(ev, "year", None)),
            text_key(component.reason, factors),
        )
        score, reason = _cached(
            texts, key, lambda c=component, v=value: _component_reason(c, v, book, factors, hs)
        )
        total += component.weight * score
        weight += component.weight
        reasons.append(reason)
    fit = total / weight if weight else 0.0
    if not weight:
        message = book.messages["no_market_data"]
        reasons.append(
            FiredRule("F0", message, text_id="messages.no_market_data", template=message)
        )
    return None, tuple(reasons), fit


def base_reads_market_only(book: RuleBook) -> bool:
    """True when every factor the components (and their texts) read is about the market, so
    ``fit_base`` is the same for every firm with the same HS codes (a rule book of one's own
    may word a component otherwise). The veto's showstopper is part of the key it is kept by."""
    veto = next((r for r in book.rules if r.id == book.veto_rule), None)
    texts = [] if veto is None else [veto.reason]
    names = set()
    for component in book.fit_components:
        names.add(component.factor)
        texts += [component.reason, component.missing]
    for text in texts:
        for lang_text in (text.zh_TW, text.en):
            read = _placeholder_names(lang_text)  # cached per template
            names.update(("?",) if read is None else read)  # "?": cannot be told, not shared
    kinds = {n: info.kind for n, info in book.factors.items()}
    return all(
        n in ("hs", "value", "showstopper")
        or kinds.get(n, "market" if n in PROFILE_FACTORS else "") == "market"
        for n in names
    )


def fit_adjusted(
    factors: FactorSet,
    book: RuleBook,
    iso3: str,
    reasons: tuple[FiredRule, ...],
    fit: float,
    texts: dict | None = None,
) -> MarketFit:
    """The fit of a market that is not excluded: ``fit_base``'s mean and reasons with the
    adjustments for this firm (the market it serves or wants, psychic distance)."""
    values = factors.values
    added = []
    for adj in book.fit_adjustments:
        outcome = evaluate(adj.when, values, book.thresholds)
        if outcome.value:
            fit += adj.points
            key = _key(("fit.adjust", adj.id), text_key(adj.reason, factors))
            added.append(_cached(texts, key, lambda a=adj: _adjustment_reason(a, book, factors)))
    return MarketFit(iso3, round(max(0.0, min(100.0, fit)), 1), (*reasons, *added))


def _key(head: tuple, read: tuple | None) -> tuple | None:
    return None if read is None else (*head, read)


def _cached(texts: dict | None, key: tuple | None, make):
    """``make()``, remembered in ``texts`` under ``key`` (None: what the reason reads
    cannot be told, so it is made every time)."""
    if texts is None or key is None:
        return make()
    try:
        found = texts.get(key)
    except TypeError:  # an unhashable value
        return make()
    if found is None:
        found = texts[key] = make()
    return found


def _missing_reason(component: FitComponent, book: RuleBook, factors: FactorSet, hs: str):
    text, values = fill_values(component.missing, book, factors, {"hs": hs})
    source = book.cite(component.source) if component.source else ""
    return FiredRule(
        component.id,
        text,
        source,
        effect=None,
        text_id=f"{component.id}.missing",
        template=component.missing,
        values=values,
    )


def _component_reason(
    component: FitComponent, value: Any, book: RuleBook, factors: FactorSet, hs: str
) -> tuple[float, FiredRule]:
    score = _component_score(component, float(value))
    text, values = fill_values(
        component.reason,
        book,
        factors,
        {"hs": hs, "value": _value_text(component.factor, value, book, factors)},
    )
    source = book.cite(component.source) if component.source else ""
    reason = FiredRule(
        component.id,
        text,
        source,
        effect=round(score, 1),
        text_id=component.id,
        template=component.reason,
        values=values,
    )
    return score, reason


def _adjustment_reason(adj: FitAdjustment, book: RuleBook, factors: FactorSet) -> FiredRule:
    points = f"{adj.points:+.0f}" if adj.points < 0 else f"{adj.points:.0f}"
    text, values = fill_values(adj.reason, book, factors, {"points": points})
    return FiredRule(
        adj.id,
        text,
        book.cite(adj.source),
        effect=adj.points,
        text_id=adj.id,
        template=adj.reason,
        values=values,
    )


def _value_text(factor: str, value: float, book: RuleBook, factors: FactorSet) -> Text:
    from exportkit.entry_mode.factors import display

    info = book.factors.get(factor)
    ev = factors.evidence.get(factor)
    return Text(
        display(factor, value, "zh-TW", info, evidence=ev),
        display(factor, value, "en", info, evidence=ev),
    )


def fit_market(
    firm: Firm,
    readiness: ReadinessScore | None,
    profile: MarketProfile,
    rules: RuleBook | None = None,
) -> MarketFit:
    """How well one market fits one firm (see the module docstring)."""
    book = rules or default_rulebook()
    factors = collect_factors(firm, readiness, profile, book)
    return fit_from_factors(firm, factors, book, profile.country.iso3)


def rank_fit(
    firm: Firm,
    readiness: ReadinessScore | None,
    profiles: Iterable[MarketProfile],
    rules: RuleBook | None = None,
) -> list[MarketFit]:
    """The firm's markets ranked by fit, best first; excluded markets come last.

    Ties keep the order of the attractiveness ranking (the order ``profiles`` came in).
    """
    book = rules or default_rulebook()
    fits = [fit_market(firm, readiness, p, book) for p in profiles]
    order = {id(f): i for i, f in enumerate(fits)}
    return sorted(fits, key=lambda f: (f.excluded, -f.fit_score, order[id(f)]))
