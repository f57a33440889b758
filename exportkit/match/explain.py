"""Why a firm matches a demand: each criterion's points, status and reason, and the gaps.

Only the pairs a run lists are explained (the scoring itself is in ``engine``); the texts are the
criteria file's, filled with the pair's facts in both languages.
"""

from __future__ import annotations

from functools import lru_cache

from babel.numbers import format_decimal

from exportkit.match.criteria import MatchCriteria
from exportkit.match.engine import (
    capacity_points,
    capacity_ratio,
    certification_points,
    market_points,
    mode_fit,
    pair_points,
    product_level,
    readiness_points,
    required_certifications,
    sought_modes,
)
from exportkit.models import Text
from exportkit.models.demand import Demand
from exportkit.models.match import CriterionResult, Gap, Match, SupplierProfile

LANGS = ("zh-TW", "en")
# How each language groups large amounts: Chinese by 萬/億, English by million/billion. The
# reports' own formatter is in render/, which a stage below it cannot import; this is the same
# rule for the whole dollars the matcher states.
_SCALES = {
    "zh-TW": ((1e8, "億"), (1e4, "萬")),
    "en": ((1e9, "billion"), (1e6, "million")),
}
_LOCALES = {"zh-TW": "zh_Hant_TW", "en": "en_US"}


def _fill(template: Text, **values: object) -> Text:
    """``template`` with ``{placeholders}``; a value may be a ``Text`` (per language) or plain."""
    out = []
    for lang in LANGS:
        kw = {k: (v.get(lang) if isinstance(v, Text) else v) for k, v in values.items()}
        out.append(template.get(lang).format(**kw).strip())
    return Text(out[0], out[1])


def _join(labels: list[Text]) -> Text:
    return Text("、".join(t.zh_TW for t in labels), ", ".join(t.en for t in labels))


def _money(value: float) -> Text:
    # estimates: whole dollars (cents, or "US$0.00", would claim a precision they lack)
    return _whole_dollars(round(value))


def _dollars(value: int, lang: str) -> str:
    for size, word in _SCALES[lang]:
        if abs(value) >= size:
            scaled = value / size
            digits = 1 if abs(scaled) < 100 else 0
            number = format_decimal(round(scaled, digits), "#,##0.#", locale=_LOCALES[lang])
            return f"US${number} {word}"
    return f"US${format_decimal(value, '#,##0', locale=_LOCALES[lang])}"


@lru_cache(maxsize=8192)
def _whole_dollars(value: int) -> Text:
    # each firm's capacity and each demand's volume recur in many pairs: format them once
    return Text(_dollars(value, "zh-TW"), _dollars(value, "en"))


def _status(points: float) -> str:
    if points >= 1.0:
        return "met"
    return "partial" if points > 0 else "unmet"


def _certifications(firm: SupplierProfile, demand: Demand, book: MatchCriteria):
    c = book.criteria["certifications"]
    points, missing = certification_points(firm, demand)
    labels = {x.id: x.label for x in demand.certifications}
    required = required_certifications(demand)
    held = [labels[x] for x in required if x not in missing]
    none = Text("無", "none")
    gaps = [
        Gap(
            "certifications",
            _fill(
                c.gap,
                certification=labels[m],
                hint=book.certification_hints.get(m, Text("", "")),
            ),
        )
        for m in missing
    ]
    if demand.certifications_other:
        gaps.append(Gap("certifications", _fill(book.other_gap, other=demand.certifications_other)))
    if not required:
        key = "none_required"
    elif not missing:
        key = "all_held"
    else:
        key = "none_held" if not held else "some_missing"
    reason = _fill(
        c.reasons[key],
        held=_join(held) if held else none,
        missing=_join([labels[m] for m in missing]),
    )
    return CriterionResult(c.id, c.title, c.weight, points, _status(points), reason, c.source), gaps


def _capacity(firm: SupplierProfile, demand: Demand, book: MatchCriteria):
    c = book.criteria["capacity"]
    ratio = capacity_ratio(firm, demand)
    points, status = capacity_points(ratio, book)
    gaps = []
    if ratio is None:
        key = "no_volume" if not demand.annual_volume_usd else "no_capacity"
        reason = c.reasons[key]
    else:
        key = {"met": "enough", "partial": "partial"}.get(status, "short")
        facts = {
            "capacity": _money(firm.spare_capacity_usd or 0.0),
            "volume": _money(demand.annual_volume_usd or 0.0),
        }
        reason = _fill(c.reasons[key], **facts)
        if status != "met":
            gaps.append(Gap(c.id, _fill(c.gap, **facts)))
    return CriterionResult(c.id, c.title, c.weight, points, status, reason, c.source), gaps


def _readiness(firm: SupplierProfile, demand: Demand, book: MatchCriteria):
    c = book.criteria["readiness"]
    points, verdict = readiness_points(firm, demand, book)
    if verdict == "not_evaluated" or firm.band is None:
        return CriterionResult(
            c.id, c.title, c.weight, points, "not_evaluated", c.reasons["unknown"], c.source
        ), []
    overall = f"{firm.readiness:.0f}" if firm.readiness is not None else "—"
    expected = demand.supplier_experience
    if expected is None or book.min_band.get(expected.id) is None:
        reason = _fill(c.reasons["band"], band=firm.band.label, overall=overall)
        return CriterionResult(
            c.id, c.title, c.weight, points, _status(points), reason, c.source
        ), []
    key = "meets" if verdict == "meets" else "below"
    reason = _fill(c.reasons[key], band=firm.band.label, expected=expected.label)
    gaps = [Gap(c.id, _fill(c.gap, expected=expected.label))] if key == "below" else []
    status = _status(points) if key == "meets" else "unmet"
    return CriterionResult(c.id, c.title, c.weight, points, status, reason, c.source), gaps


def _entry_mode(firm: SupplierProfile, demand: Demand, book: MatchCriteria):
    c = book.criteria["entry_mode"]
    modes = firm.modes_in(demand.country)
    wanted = sought_modes(demand, book)
    points, verdict, rank = mode_fit(modes, wanted, book)
    sought = _join([p.label for p in demand.partnerships])
    if verdict == "unknown" or modes is None:
        return CriterionResult(
            c.id, c.title, c.weight, points, "not_evaluated", c.reasons["unknown"], c.source
        ), []
    best = modes.ranked[0]
    if verdict == "excluded":
        why = modes.note or Text("", "")
        reason = _fill(c.reasons["excluded"], why=why)
        return CriterionResult(c.id, c.title, c.weight, points, "unmet", reason, c.source), [
            Gap(c.id, reason)
        ]
    chosen = modes.ranked[rank] if rank is not None else None
    facts = {
        "sought": sought,
        "mode": chosen.mode.label if chosen else Text("、".join(wanted), ", ".join(wanted)),
        "rank": (rank or 0) + 1,
        "score": f"{chosen.score:.0f}" if chosen else "0",
        "best": best.mode.label,
    }
    reason = _fill(c.reasons[verdict], **facts)
    gaps = [] if verdict == "compatible" else [Gap(c.id, _fill(c.gap, **facts))]
    return CriterionResult(c.id, c.title, c.weight, points, _status(points), reason, c.source), gaps


def _market(firm: SupplierProfile, demand: Demand, book: MatchCriteria):
    c = book.criteria["target_market"]
    points, key = market_points(firm, demand, book)
    reason = _fill(c.reasons[key], country=demand.country_name)
    return CriterionResult(c.id, c.title, c.weight, points, _status(points), reason, c.source)


def product_reason(
    firm: SupplierProfile, demand: Demand, book: MatchCriteria
) -> tuple[str | None, CriterionResult]:
    """The product level and its explanation (a criterion with the level's factor as points)."""
    level, codes = product_level(firm, demand)
    p = book.product
    if level is None:
        return None, CriterionResult("product", p.title, 0.0, 0.0, "unmet", p.none, p.source)
    industry = demand.industry.label if demand.industry else Text("", "")
    reason = _fill(p.levels[level].reason, codes=", ".join(codes), industry=industry)
    factor = p.levels[level].factor
    return level, CriterionResult(
        "product", p.title, 0.0, factor, _status(factor), reason, p.source
    )


def explain(
    firm: SupplierProfile,
    demand: Demand,
    book: MatchCriteria,
    rank: int,
    score: float | None = None,
) -> Match:
    """The explained ``Match`` of one candidate pair (``rank`` is its place for the demand)."""
    level, product = product_reason(firm, demand, book)
    if level is None:
        raise ValueError(f"{firm.key} does not make what {demand.id} seeks")
    if score is None:
        score = pair_points(firm, demand, book).score
    certs, cert_gaps = _certifications(firm, demand, book)
    capacity, capacity_gaps = _capacity(firm, demand, book)
    ready, ready_gaps = _readiness(firm, demand, book)
    mode, mode_gaps = _entry_mode(firm, demand, book)
    market = _market(firm, demand, book)
    score = round(float(score), 1)
    strength = (
        "strong"
        if score >= book.strong_score
        else "possible"
        if score >= book.min_score
        else "weak"
    )
    return Match(
        demand_id=demand.id,
        firm_key=firm.key,
        rank=rank,
        score=score,
        strength=strength,
        product_level=level,
        criteria=(product, certs, capacity, ready, mode, market),
        gaps=tuple(cert_gaps + capacity_gaps + ready_gaps + mode_gaps),
    )
