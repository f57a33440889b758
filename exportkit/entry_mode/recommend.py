"""Entry-mode recommendation for one firm × market, from rules kept as data.

A firm is ranked on the modes for what it sells (six for goods; four for a software or
services firm). Each starts at its base score; every rule of ``data/entry_mode_rules.yaml``
whose condition holds adds its adjustments (towards) or takes them away (away from); scores
are clipped to 0–100 and ranked. The result names each rule that fired with its reason in
zh-TW and English and its citation, lists the rules that could not be evaluated for missing
data, says how the top mode was decided (``decided_by``: the rules, a tie, or the base
score alone, with what would decide it), gives a staged path ("start with X; move to Y once
Z") and picks one of the programme's three strategy themes.

>>> from exportkit.countries import country
>>> from exportkit.models import Firm, MarketProfile
>>> acme = Firm("Acme", employees=12, export_share=5, hs_codes=("8466",))
>>> rec = recommend(acme, None, MarketProfile(country("THA")))
>>> rec.entry_modes[0].mode, rec.decided_by, rec.staged_path.en
('indirect_export', 'tie', 'Start with Indirect export (via a trading ...) in Thailand; move to ...')
>>> rec.decision_note.en
'Indirect export (...) and Direct export via agent/distributor score the same (50): ...'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from exportkit.entry_mode.conditions import evaluate
from exportkit.entry_mode.decision import decide
from exportkit.entry_mode.explain import (
    country_text,
    evidence,
    fill_values,
    missing_text,
    template_values,
)
from exportkit.entry_mode.factors import FactorSet, collect_factors, firm_factors
from exportkit.entry_mode.fit import (
    base_reads_market_only,
    fit_adjusted,
    fit_base,
    fit_from_factors,
)
from exportkit.entry_mode.rulebook import Rule, RuleBook, default_rulebook
from exportkit.models import (
    EntryModeScore,
    FiredRule,
    Firm,
    MarketFit,
    MarketProfile,
    ReadinessScore,
    Recommendation,
    Text,
)

__all__ = ["recommend", "recommend_markets", "choose_theme"]


def _reason_key(rule: Rule, factors: FactorSet, names: tuple[str, ...]) -> tuple:
    """What a rule's reason text depends on: the values (and data years) of its factors."""
    values = factors.values
    ev = factors.evidence
    return (
        "rule",
        rule.id,
        tuple((type(v := values.get(n)), v, getattr(ev.get(n), "year", None)) for n in names),
        factors.showstop.reasons if "showstopper" in names else (),
    )


@dataclass
class _Scored:
    """The rules applied to one firm × market: scores per mode and what moved them."""

    scores: dict[str, float]
    by_mode: dict[str, list[FiredRule]]
    fired: list[FiredRule] = field(default_factory=list)
    skipped: list[FiredRule] = field(default_factory=list)
    missing: dict[str, frozenset[str]] = field(default_factory=dict)
    vetoed: bool = False


def _score_modes(
    book: RuleBook,
    factors: FactorSet,
    texts: dict | None = None,
    outcomes: dict | None = None,
    firm_rules: dict | None = None,
) -> _Scored:
    """Apply every rule to the factors, on the modes for what the firm sells. ``texts``
    keeps the reasons made (for one rule book) by the values they read, ``outcomes`` the
    conditions' outcomes: a rule on firm factors only reads the same in all 18 markets, a
    rule on market data the same for every firm with those values. ``firm_rules`` (one
    firm's) keeps what each rule on the firm's own factors gave in its first market."""
    texts = {} if texts is None else texts
    outcomes = texts if outcomes is None else outcomes
    firm_rules = {} if firm_rules is None else firm_rules
    firm_only = book.firm_rule_ids
    modes = book.modes_for(factors.values.get("services_firm"))
    scores = {m.id: m.base for m in modes}
    by_mode: dict[str, list[FiredRule]] = {m.id: [] for m in modes}
    fired: list[FiredRule] = []
    skipped: list[FiredRule] = []
    missing_by_rule: dict[str, frozenset[str]] = {}
    vetoed = False
    sources = book.rule_sources
    names = book.rule_factor_names
    shared = book.market_rule_ids
    for rule in book.rules:
        known = firm_rules.get(rule.id) if rule.id in firm_only else None
        if known is None:
            known = _apply(rule, book, factors, texts, outcomes, shared, sources, names)
            if rule.id in firm_only:
                firm_rules[rule.id] = known
        kind, made = known
        if kind == "missing":
            missing_by_rule[rule.id] = made[0]
            skipped.append(made[1])
            continue
        if kind == "no":
            continue
        reason, effects = made
        fired.append(reason)
        if rule.veto:
            vetoed = True
        for mode, points, with_effect in effects:
            if mode not in scores:  # a mode for the other kind of firm (goods vs services)
                continue
            scores[mode] += points
            by_mode[mode].append(with_effect)
    if vetoed:
        scores = dict.fromkeys(scores, 0.0)
    scores = {m: max(0.0, min(100.0, s)) for m, s in scores.items()}
    return _Scored(scores, by_mode, fired, skipped, missing_by_rule, vetoed)


def _apply(
    rule: Rule,
    book: RuleBook,
    factors: FactorSet,
    texts: dict,
    outcomes: dict,
    shared: frozenset[str],
    sources: dict[str, str],
    names: dict[str, tuple[str, ...]],
) -> tuple[str, Any]:
    """What one rule gives for these factors: ``("missing", (missing factors, note))``,
    ``("no", None)`` or ``("fired", (reason, per-mode effects))``."""
    rule_names = names[rule.id]
    # a rule on market data only has the same outcome for every firm: kept for the run
    kept = texts if rule.id in shared else outcomes
    outcome = _outcome(rule, rule_names, book, factors, kept)
    if outcome.value is None:
        key = ("missing", rule.id, outcome.missing)
        note = texts.get(key)
        if note is None:
            missing = missing_text(book, outcome.missing)
            template = book.messages["not_evaluated"]
            note = texts[key] = FiredRule(
                rule.id,
                Text(
                    template.zh_TW.format(title=rule.title.zh_TW, missing=missing.zh_TW),
                    template.en.format(title=rule.title.en, missing=missing.en),
                ),
                sources[rule.id],
                text_id=f"{rule.id}.not_evaluated",
                template=_not_evaluated_template(template, rule.title),
                values=template_values(missing=missing),
            )
        return "missing", (outcome.missing, note)
    if not outcome.value:
        return "no", None
    key = _reason_key(rule, factors, rule_names)
    made = texts.get(key)
    if made is None:
        made = texts[key] = _fired(rule, book, factors, outcome, sources[rule.id])
    return "fired", made


def _fired(rule: Rule, book: RuleBook, factors: FactorSet, outcome, source: str):
    """A fired rule's reason, and per mode it adjusts the same reason with its points."""
    extra = {"evidence": evidence(book, factors, outcome.used)}
    text, values = fill_values(rule.reason, book, factors, extra)
    parts = {"text_id": rule.id, "template": rule.reason, "values": values}
    effects = tuple(
        (mode, points, FiredRule(rule.id, text, source, effect=points, **parts))
        for mode, points in rule.adjust.items()
    )
    return FiredRule(rule.id, text, source, **parts), effects


def _outcome(rule: Rule, names: tuple[str, ...], book: RuleBook, factors: FactorSet, cache: dict):
    """The rule's condition on the factors, cached per firm on the values it reads: a rule on
    firm factors only has one outcome in all 18 markets."""
    values = factors.values
    try:
        key = ("outcome", rule.id, tuple(map(values.get, names)))
        outcome = cache.get(key)
    except TypeError:  # an unhashable factor value: evaluate it every time
        return evaluate(rule.when, values, book.thresholds)
    if outcome is None:
        outcome = cache[key] = evaluate(rule.when, values, book.thresholds)
    return outcome


def _not_evaluated_template(template: Text, title: Text) -> Text:
    """The "not evaluated" message with the rule's title in it: ``{missing}`` stays open."""

    def one(text: str, name: str) -> str:
        literal = name.replace("{", "{{").replace("}", "}}")
        return text.format(title=literal, missing="{missing}")

    return Text(one(template.zh_TW, title.zh_TW), one(template.en, title.en))


def _staged_path(book: RuleBook, ranked: list[EntryModeScore], iso3: str) -> Text:
    start = ranked[0].mode
    step = book.staged[start]
    scores = {m.mode: m.score for m in ranked}
    commitment = {m.id: m.commitment for m in book.modes}
    candidates = [(m, once) for m, once in step.next if scores.get(m, 0) >= book.min_next_score]
    labels = {m.id: m.label for m in book.modes}
    extra: dict[str, Text] = {"start": labels[start], "country": country_text(iso3)}
    if candidates:
        nxt, once = max(candidates, key=lambda c: (scores[c[0]], -commitment[c[0]]))
        template = book.path_template
        extra.update(next=labels[nxt], once=once)
    else:
        template = book.final_template
        extra["once"] = step.once or book.hold_text
    out = []
    for lang, tmpl in (("zh-TW", template.zh_TW), ("en", template.en)):
        out.append(tmpl.format(**{k: v.get(lang) for k, v in extra.items()}))
    return Text(out[0], out[1])


def choose_theme(
    firm: Firm, readiness: ReadinessScore | None, rules: RuleBook | None = None
) -> tuple[str | None, Text]:
    """The plan's strategy theme for a firm: the one its export driver type is paired with.

    One rule decides both (see ``themes:`` in the rules file), so the driver type and the
    theme always agree. Returns the theme id (``None`` when the firm has no driver type, or
    one no theme names) and the reason.
    """
    book = rules or default_rulebook()
    driver = readiness.driver_type if readiness is not None else None
    theme = next(
        (
            t
            for t in book.themes
            if driver is not None and _norm(driver) in map(_norm, t.driver_types)
        ),
        None,
    )
    if theme is None:
        return None, book.messages["no_theme"]
    by_id = {t.driver_types[0]: t.driver_label for t in book.themes}
    scores = readiness.driver_scores if readiness is not None else {}
    out = []
    for lang in ("zh-TW", "en"):
        sep = "、" if lang == "zh-TW" else ", "
        shown = sep.join(
            f"{by_id[k].get(lang) if k in by_id else k} {v:.0f}" for k, v in scores.items()
        )
        basis = book.theme_basis.get(lang).format(scores=shown) if shown else ""
        out.append(
            book.theme_reason.get(lang).format(
                label=theme.label.get(lang),
                description=theme.description.get(lang),
                driver=theme.driver_label.get(lang),
                basis=basis,
            )
        )
    return theme.id, Text(out[0], out[1])


def _norm(value: str) -> str:
    return str(value).strip().casefold()


def recommend(
    firm: Firm,
    readiness: ReadinessScore | None,
    profile: MarketProfile,
    rules: RuleBook | None = None,
    *,
    fit: MarketFit | None = None,
    rank: int = 1,
) -> Recommendation:
    """Score the six entry modes for ``firm`` in the market of ``profile``.

    Args:
        firm: the firm's profile (from the questionnaire).
        readiness: its scored questionnaire (dimension scores feed the rules); may be None.
        profile: the market (attractiveness score, indicators, product view, notes).
        rules: a rule book (default: the shipped ``entry_mode_rules.yaml``).
        fit: the market's fit if already computed (``rank_fit``), else computed here.
        rank: the market's rank for this firm (1 = best), recorded in the result.

    Returns a ``Recommendation``: modes ranked best first (ties → lower commitment first),
    the fired rules with bilingual reasons and citations, the rules not evaluated for missing
    data, a staged path and the strategy theme.
    """
    book = rules or default_rulebook()
    factors = collect_factors(firm, readiness, profile, book)
    return _recommend(book, firm, readiness, profile, factors, fit, rank, None)


def _recommend(
    book: RuleBook,
    firm: Firm,
    readiness: ReadinessScore | None,
    profile: MarketProfile,
    factors: FactorSet,
    fit: MarketFit | None,
    rank: int,
    theme: tuple[str | None, Text] | None,
    texts: dict | None = None,
    outcomes: dict | None = None,
    firm_rules: dict | None = None,
) -> Recommendation:
    iso3 = profile.country.iso3
    if fit is None:
        fit = fit_from_factors(firm, factors, book, iso3, texts)
    scored = _score_modes(book, factors, texts, outcomes, firm_rules)
    services = bool(factors.values.get("services_firm"))
    modes = book.modes_for(services)
    commitment = {m.id: m.commitment for m in modes}
    ranked = sorted(
        (
            EntryModeScore(
                m.id, round(scored.scores[m.id], 1), tuple(scored.by_mode[m.id]), m.label
            )
            for m in modes
        ),
        key=lambda e: (-e.score, commitment[e.mode]),
    )
    fired = scored.fired
    if scored.vetoed or fit.excluded:
        veto = next(f for f in fired if f.id == book.veto_rule) if scored.vetoed else fit.reasons[0]
        path = veto.reason
        decided_by, note = "rules", Text("", "")
    else:
        key = ("path", iso3, tuple((m.mode, m.score) for m in ranked))
        path = None if texts is None else texts.get(key)
        if path is None:
            path = _staged_path(book, ranked, iso3)
            if texts is not None:
                texts[key] = path
        decided_by, note = decide(
            book,
            ranked,
            {m.id: m.base for m in modes},
            {f.id for f in fired},
            scored.skipped,
            services,
            scored.missing,
            factors,
        )
    theme_id, theme_reason = theme or choose_theme(firm, readiness, book)
    return Recommendation(
        iso3=iso3,
        rank=rank,
        fit=fit,
        entry_modes=tuple(ranked),
        staged_path=path,
        theme=theme_id,
        theme_label=book.theme_labels.get(theme_id) if theme_id else None,
        theme_reason=theme_reason,
        fired=tuple(fired),
        not_evaluated=tuple(scored.skipped),
        rules_version=book.version,
        decided_by=decided_by,
        decision_note=note,
    )


def recommend_markets(
    firm: Firm,
    readiness: ReadinessScore | None,
    profiles: Iterable[MarketProfile],
    rules: RuleBook | None = None,
    *,
    texts: dict | None = None,
) -> list[Recommendation]:
    """Recommendations for every market, ranked by market fit (excluded markets last).

    The firm's own factors and strategy theme are worked out once, not once per market.
    ``texts``: a dict the firms of one run (and one rule book) share, keeping each reason
    made by what it reads, so the firms selling the same HS codes share their markets'
    reasons (``run_assessment`` passes one; default: one for this firm).
    """
    book = rules or default_rulebook()
    texts = {} if texts is None else texts
    firm_values = firm_factors(firm, readiness, book.service_industries)
    theme = choose_theme(firm, readiness, book)
    shared_base = base_reads_market_only(book)
    services = bool(firm_values.get("services_firm"))
    items = []
    for i, profile in enumerate(profiles):
        factors = collect_factors(
            firm, readiness, profile, book, firm_values=firm_values, memo=texts
        )
        iso3 = profile.country.iso3
        if shared_base:  # the same for every firm selling these codes (in this order) here
            key = ("fit base", id(profile), firm.hs_codes, services)
            found = texts.get(key)
            if found is None or found[0] is not profile:
                found = texts[key] = (profile, fit_base(firm, factors, book, iso3, texts))
            excluded, reasons, mean = found[1]
        else:
            excluded, reasons, mean = fit_base(firm, factors, book, iso3, texts)
        fit = excluded or fit_adjusted(factors, book, iso3, reasons, mean, texts)
        items.append((fit.excluded, -fit.fit_score, i, profile, fit, factors))
    items.sort(key=lambda t: t[:3])
    outcomes: dict = {}  # this firm's: most keys hold its own answers
    firm_rules: dict = {}  # this firm's rules on its own factors: one outcome in every market
    return [
        _recommend(
            book, firm, readiness, profile, factors, fit, rank, theme, texts, outcomes, firm_rules
        )
        for rank, (_, _, _, profile, fit, factors) in enumerate(items, start=1)
    ]
