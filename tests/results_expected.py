"""What ``exportkit.results.load`` gives back for the objects of a run (the tests' expectations)."""

from __future__ import annotations

from exportkit.models import FiredRule


def expanded_reason(rule: FiredRule, langs: tuple[str, ...]) -> dict:
    """One reason as ``load`` expands it: the rule, its text per language, effect, source."""
    out = {"rule": rule.id, **{lang: rule.reason.get(lang) for lang in langs}}
    if rule.effect is not None:
        out["effect"] = rule.effect
    if rule.source:
        out["source"] = rule.source
    return out
