"""How the top entry mode was decided, said in words: by the rules, a tie, or the prior.

A ranking always has a first mode, but it is not always the rules that put it there: two
modes can score the same, or the leader can lead on its base score alone (the prior that an
SME little is known about should start low). Neither is hidden: ``decide`` names the case
(``decided_by``) and writes a sentence saying so and, for a tie or a prior, which rules —
with the data or answers they read — would decide it.
"""

from __future__ import annotations

from collections.abc import Iterable

from exportkit.entry_mode.conditions import evaluate
from exportkit.entry_mode.explain import missing_text
from exportkit.entry_mode.factors import FactorSet, display, market_facts
from exportkit.entry_mode.rulebook import COMBINATORS, Rule, RuleBook, condition_factors
from exportkit.models import EntryModeScore, FiredRule, Text

_OPS = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥", "eq": "=", "ne": "≠"}

# rules named in a "what would decide it" sentence, at most
MAX_DECIDERS = 3


def _applies(rule: Rule, services: bool) -> bool:
    """False for a rule written only for the other kind of firm (goods vs services)."""
    for leaf in condition_factors(rule.when):
        if leaf.get("factor") == "services_firm" and "is" in leaf:
            return bool(leaf["is"]) is services
    return True


def _format(template: Text, **values: Text | str) -> Text:
    out = []
    for lang, tmpl in (("zh-TW", template.zh_TW), ("en", template.en)):
        out.append(
            tmpl.format(**{k: v.get(lang) if isinstance(v, Text) else v for k, v in values.items()})
        )
    return Text(out[0], out[1])


def _leaf_text(book: RuleBook, leaf: dict, factors: FactorSet, lang: str) -> str:
    name = leaf["factor"]
    info = book.factors.get(name)
    op = next(k for k in leaf if k != "factor")
    target = leaf[op]
    if isinstance(target, str) and target in book.thresholds:
        target = book.thresholds[target].value
    levels = market_facts().level_labels

    def shown(value) -> str:
        return display(name, value, lang, info, levels=levels)

    if op == "in":
        wanted = ("、" if lang == "zh-TW" else " or ").join(shown(v) for v in target)
    elif op == "is":
        wanted = shown(bool(target))
    else:
        wanted = f"{_OPS[op]} {shown(target)}" if op in _OPS else shown(target)
    label = info.label.get(lang) if info else name
    now = shown(factors.values.get(name))
    return f"{label} {wanted}（目前 {now}）" if lang == "zh-TW" else f"{label} {wanted} (now {now})"


def _unmet(book: RuleBook, rule: Rule, factors: FactorSet) -> list[dict]:
    """The clauses of the rule's condition that do not hold for these factors."""
    children = rule.when.get("all", [rule.when]) if isinstance(rule.when, dict) else []
    return [
        child
        for child in children
        if evaluate(child, factors.values, book.thresholds).value is False
    ]


def _market_only(book: RuleBook, clause: dict) -> bool:
    kinds = {
        book.factors[leaf["factor"]].kind if leaf["factor"] in book.factors else "market"
        for leaf in condition_factors(clause)
    }
    return kinds <= {"market"}


def _clause_text(book: RuleBook, clause: dict, factors: FactorSet, lang: str) -> str:
    comb = next((c for c in COMBINATORS if c in clause), None)
    if comb is None:
        return _leaf_text(book, clause, factors, lang)
    if comb == "first":  # the first known measure decided: name that one only
        for child in clause["first"]:
            if evaluate(child, factors.values, book.thresholds).value is not None:
                return _clause_text(book, child, factors, lang)
    joiner = "或" if lang == "zh-TW" else " or "
    return joiner.join(_leaf_text(book, leaf, factors, lang) for leaf in condition_factors(clause))


class _Plan:
    """What ``would_decide`` asks of a rule book again and again, worked out once: whether a
    rule applies to goods / services firms, each rule's position, and whether a clause reads
    market facts only (clauses by identity: the book keeps them alive)."""

    def __init__(self, book: RuleBook) -> None:
        self.applies = {(r.id, s): _applies(r, s) for r in book.rules for s in (False, True)}
        self.index = {r.id: i for i, r in enumerate(book.rules)}
        self.market_only: dict[int, bool] = {}
        for rule in book.rules:
            children = rule.when.get("all", [rule.when]) if isinstance(rule.when, dict) else []
            for child in children:
                self.market_only[id(child)] = _market_only(book, child)


_PLANS: dict[int, tuple[RuleBook, _Plan]] = {}


def _plan(book: RuleBook) -> _Plan:
    entry = _PLANS.get(id(book))
    if entry is None or entry[0] is not book:
        entry = _PLANS[id(book)] = (book, _Plan(book))
    return entry[1]


def would_decide(
    book: RuleBook,
    modes: tuple[str, str],
    fired: set[str],
    skipped: Iterable[FiredRule],
    services: bool,
    missing: dict[str, frozenset[str]],
    factors: FactorSet,
) -> Text:
    """The sentence naming the rules that would separate ``modes``, closest to holding first,
    with the data they lack or the answers that would have to change."""
    skipped_ids = {s.id for s in skipped}
    plan = _plan(book)
    applies = plan.applies
    a, b = modes
    candidates = [
        r
        for r in book.rules
        if r.id not in fired
        and not r.veto
        and applies[(r.id, services)]
        and r.adjust.get(a, 0.0) != r.adjust.get(b, 0.0)
    ]
    unmet = {r.id: _unmet(book, r, factors) for r in candidates}
    market_only = plan.market_only

    def only_market(clause: dict) -> bool:
        found = market_only.get(id(clause))
        return _market_only(book, clause) if found is None else found

    # a rule held back only by facts of the market (its psychic distance, its laws) cannot be
    # decided by an answer or by data to collect: it is not what "would decide it"
    candidates = [
        r
        for r in candidates
        if r.id in missing or not unmet[r.id] or not all(only_market(c) for c in unmet[r.id])
    ]
    # rules held back by missing data first (filling the data is the quickest way to decide),
    # then the rules with the fewest clauses short of holding
    index = plan.index
    candidates.sort(key=lambda r: (r.id not in skipped_ids, len(unmet[r.id]), index[r.id]))
    items_zh, items_en = [], []
    for rule in candidates[:MAX_DECIDERS]:
        zh, en = f"{rule.id}「{rule.title.zh_TW}」", f"{rule.id} ({rule.title.en})"
        if rule.id in missing:
            need = missing_text(book, missing[rule.id])
            zh += f"（缺：{need.zh_TW}）"
            en += f" — needs {need.en}"
        elif unmet[rule.id]:
            zh += "，需" + "；".join(
                _clause_text(book, c, factors, "zh-TW") for c in unmet[rule.id]
            )
            en += " — would need " + "; ".join(
                _clause_text(book, c, factors, "en") for c in unmet[rule.id]
            )
        items_zh.append(zh)
        items_en.append(en)
    if not items_en:
        return book.messages["would_decide_none"]
    items = Text("；".join(items_zh), "; ".join(items_en))
    return _format(book.messages["would_decide"], items=items)


def decide(
    book: RuleBook,
    ranked: list[EntryModeScore],
    base: dict[str, float],
    fired: set[str],
    skipped: Iterable[FiredRule],
    services: bool,
    missing: dict[str, frozenset[str]],
    factors: FactorSet,
) -> tuple[str, Text]:
    """``(decided_by, note)`` for a ranking, best first (see the module docstring)."""
    skipped = tuple(skipped)
    if len(ranked) < 2:
        top = ranked[0]
        return ("rules" if top.reasons else "prior"), Text("", "")
    top, second = ranked[0], ranked[1]
    names = {"first": Text(top.name("zh-TW"), top.name("en"))}
    if top.score == second.score:
        would = would_decide(
            book, (top.mode, second.mode), fired, skipped, services, missing, factors
        )
        note = _format(
            book.messages["decided_tie"],
            **names,
            second=Text(second.name("zh-TW"), second.name("en")),
            score=f"{top.score:.0f}",
            would=would,
        )
        return "tie", note
    if top.reasons:
        return "rules", Text("", "")
    if base[top.mode] > base[second.mode]:
        would = would_decide(
            book, (top.mode, second.mode), fired, skipped, services, missing, factors
        )
        return "prior", _format(book.messages["decided_prior"], **names, would=would)
    # the leader kept its base score while rules took points from the modes level with it
    lowered = sorted({r.id for m in ranked[1:] for r in m.reasons if (r.effect or 0) < 0})
    return "rules", _format(book.messages["decided_by_others"], **names, rules=", ".join(lowered))
