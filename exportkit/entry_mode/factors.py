"""Named factors the rules read: from the firm, its readiness scores and the market profile.

Every factor is either a value with a known origin or ``None`` (unknown). Nothing is guessed:
a market without an LPI figure has ``lpi = None`` and the rules that need it say so.
Country facts that are not numbers in the market database (foreign-ownership restrictions,
psychic distance, Taiwanese business presence, showstoppers) come from
``data/market_factors.yaml``, each with its citation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from exportkit.entry_mode.rulebook import FactorInfo, RuleBook
from exportkit.formatting import money
from exportkit.models import (
    Firm,
    MarketFacts,
    MarketProfile,
    ReadinessScore,
    Showstopper,
    Text,
)
from exportkit.resources import data_file, load_yaml


@dataclass(frozen=True)
class MarketFactsBook:
    """The parsed ``data/market_factors.yaml``: facts per country, level names, sources."""

    version: str
    countries: dict[str, MarketFacts]
    level_labels: dict[str, Text]
    sources: dict[str, str]
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


def _text(node: Any) -> Text | None:
    if not isinstance(node, dict):
        return None
    return Text(str(node.get("zh_TW") or ""), str(node.get("en") or ""))


def parse_market_facts(data: Mapping[str, Any]) -> MarketFactsBook:
    """Type a parsed ``market_factors.yaml``."""
    countries = {}
    for iso3, c in (data.get("countries") or {}).items():
        fo, pd, tb = (
            c.get("foreign_ownership") or {},
            c.get("psychic_distance") or {},
            c.get("taiwanese_business") or {},
        )
        stoppers = tuple(
            Showstopper(
                tuple(str(p) for p in s.get("hs_prefixes") or ()),
                _text(s.get("reason")) or Text("", ""),
                str(s.get("source") or ""),
            )
            for s in c.get("showstoppers") or ()
        )
        countries[iso3] = MarketFacts(
            iso3=iso3,
            foreign_ownership=fo.get("level"),
            foreign_ownership_law=str(fo.get("law") or ""),
            foreign_ownership_note=_text(fo.get("note")),
            psychic_distance=pd.get("level"),
            psychic_distance_evidence=_text(pd.get("evidence")),
            taiwanese_business=tb.get("level"),
            taiwanese_chamber=str(tb.get("chamber") or ""),
            taiwanese_source=str(tb.get("source") or ""),
            showstoppers=stoppers,
        )
    labels = {k: _text(v) or Text(k, k) for k, v in (data.get("level_labels") or {}).items()}
    return MarketFactsBook(
        str(data.get("version") or ""), countries, labels, dict(data.get("sources") or {}), data
    )


@cache
def market_facts() -> MarketFactsBook:
    """The shipped ``data/market_factors.yaml``."""
    return parse_market_facts(load_yaml(data_file("market_factors.yaml")))


def _customer_type(raw: str | None) -> str | None:
    if not raw:
        return None
    v = str(raw).strip().casefold()
    if v in ("both", "b2b+b2c", "b2c+b2b", "兩者", "皆有", "兩者皆有") or (
        "b2b" in v and "b2c" in v
    ):
        return "both"
    if "b2c" in v or "consumer" in v or "消費" in v:
        return "b2c"
    if "b2b" in v or "industrial" in v or "工業" in v or "企業" in v:
        return "b2b"
    return v


def is_services_firm(firm: Firm, service_industries: tuple[str, ...]) -> bool:
    """True for a software or services firm: its industry is a service industry of the rule
    book, or it names no HS code at all (nothing to ship); a firm with HS codes of another
    industry sells goods."""
    if firm.industry and firm.industry in service_industries:
        return True
    return not firm.hs_codes


def firm_factors(
    firm: Firm, readiness: ReadinessScore | None, service_industries: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Factors about the firm alone (see ``factors:`` in the rules file)."""
    # A dimension the firm was not scored on is simply absent: rules reading it see None.
    values: dict[str, Any] = {}
    if readiness is not None:
        values["readiness_overall"] = readiness.overall
        values["driver_type"] = readiness.driver_type
        for dim_id, dim in readiness.dimensions.items():
            # A dimension with no answered items has no score worth reasoning from.
            values[dim_id] = dim.score if dim.answered > 0 else None
    else:
        values["readiness_overall"] = None
        values["driver_type"] = None
    ctype = _customer_type(firm.customer_type)
    known_markets = bool(firm.current_markets) or firm.export_share is not None
    values.update(
        employees=firm.employees,
        revenue_ntd=firm.revenue_ntd,
        export_share=firm.export_share,
        current_markets_count=len(firm.current_markets) if known_markets else None,
        tacit_knowhow_share=firm.tacit_knowhow_share,
        invest_willingness=firm.invest_willingness,
        invest_budget_ntd=firm.invest_budget_ntd,
        after_sales_need=firm.after_sales_need,
        sells_online=firm.sells_online,
        customer_type=ctype,
        consumer_goods=None if ctype is None else ctype in ("b2c", "both"),
        services_firm=is_services_firm(firm, service_industries),
    )
    return values


def _indicator(profile: MarketProfile, codes: tuple[str, ...]) -> tuple[float | None, Any]:
    for code in codes:
        ind = profile.indicators.get(code)
        if ind is not None and ind.value is not None:
            return float(ind.value), ind
    return None, None


def average_tariff(profile: MarketProfile) -> float | None:
    """Mean applied tariff on the firm's products: Taiwan-specific rates first, else MFN."""
    rates = [t for t in profile.tariffs if t.rate is not None]
    for pick in (
        lambda t: t.partner_iso3 == "TWN" and t.tariff_type in ("AHS", "PREF"),
        lambda t: t.tariff_type == "AHS",
        lambda t: t.tariff_type == "MFN",
        lambda t: True,
    ):
        chosen = [t.rate for t in rates if pick(t)]
        if chosen:
            return sum(chosen) / len(chosen)
    return None


@dataclass(frozen=True)
class Showstop:
    """How the market's showstoppers meet the firm's products."""

    value: bool | None
    blocked: tuple[str, ...] = ()
    reasons: tuple[Text, ...] = ()
    sources: tuple[str, ...] = ()


def showstopper(
    firm: Firm, profile: MarketProfile, facts: MarketFacts | None, services: bool = False
) -> Showstop:
    """True when every product of the firm is barred (or a note bars the market outright).

    Some products barred → False, with the barred codes listed so the fit can warn. No HS
    codes while the market has product bans → unknown.
    """
    notes = [n for n in profile.notes if n.topic == "showstopper"]
    if notes:
        return Showstop(
            True,
            (),
            tuple(Text(n.text.zh_TW or n.title.zh_TW, n.text.en or n.title.en) for n in notes),
            tuple(n.source_url or n.source for n in notes),
        )
    stoppers = facts.showstoppers if facts else ()
    if not stoppers:
        return Showstop(False)
    if not firm.hs_codes:
        # product bans are by HS code: a firm that ships no goods is not barred by them, a
        # goods firm that named no code cannot be checked
        return Showstop(False if services else None)
    blocked, reasons, sources = [], [], []
    for code in firm.hs_codes:
        for s in stoppers:
            if any(code.startswith(p) for p in s.hs_prefixes):
                blocked.append(code)
                if s.reason not in reasons:
                    reasons.append(s.reason)
                    sources.append(s.source)
                break
    return Showstop(
        len(blocked) == len(firm.hs_codes), tuple(blocked), tuple(reasons), tuple(sources)
    )


# what ``market_factors`` sets besides the rule book's market indicators
PROFILE_FACTORS = frozenset(
    {
        "market_potential",
        "country_risk",
        "foreign_ownership",
        "psychic_distance",
        "taiwanese_presence",
        "imports_usd",
        "imports_growth_5y",
        "taiwan_share",
        "tariff",
    }
)


def market_factors(
    profile: MarketProfile, book: RuleBook, facts: MarketFacts | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Factors about the market, and the Indicator behind each indicator-based one."""
    values: dict[str, Any] = {}
    evidence: dict[str, Any] = {}
    score = profile.score
    # A market with no index data at all scores NaN in the ranking: unknown, not a number.
    potential = score.score if score is not None else None
    values["market_potential"] = None if potential is None or math.isnan(potential) else potential
    risk_info = book.factors.get("country_risk")
    values["country_risk"] = None
    if score is not None and risk_info is not None:
        for key in risk_info.dimension_keys:
            dim = score.dimensions.get(key)
            if dim is not None and not math.isnan(dim):
                values["country_risk"] = 100.0 - float(dim)
                break
    for name, info in book.factors.items():
        if info.kind == "market" and info.indicator_codes:
            values[name], evidence[name] = _indicator(profile, info.indicator_codes)
    values["foreign_ownership"] = facts.foreign_ownership if facts else None
    values["psychic_distance"] = facts.psychic_distance if facts else None
    values["taiwanese_presence"] = facts.taiwanese_business if facts else None
    values["imports_usd"] = profile.imports_usd
    values["imports_growth_5y"] = profile.imports_growth_5y
    values["taiwan_share"] = profile.taiwan_share
    values["tariff"] = average_tariff(profile)
    return values, evidence


@dataclass(frozen=True)
class FactorSet:
    """All factors for one firm × market, plus what is needed to explain them."""

    values: dict[str, Any]
    evidence: dict[str, Any]
    showstop: Showstop
    facts: MarketFacts | None


def collect_factors(
    firm: Firm,
    readiness: ReadinessScore | None,
    profile: MarketProfile,
    book: RuleBook,
    facts_book: MarketFactsBook | None = None,
    firm_values: dict[str, Any] | None = None,
    memo: dict | None = None,
) -> FactorSet:
    """Every factor for ``firm`` in the market of ``profile``.

    ``firm_values`` (from ``firm_factors``) saves recomputing the firm's side per market;
    ``memo`` (a dict the firms of a run share) keeps the market's side per profile object
    and the showstopper per profile and HS codes: the firms selling the same codes share
    their markets' profiles.
    """
    facts_book = facts_book or market_facts()
    facts = facts_book.countries.get(profile.country.iso3)
    if firm_values is None:
        firm_values = firm_factors(firm, readiness, book.service_industries)
    values = dict(firm_values)
    services = bool(values.get("services_firm"))
    market, evidence, stop = _market_side(firm, profile, book, facts, services, memo)
    values.update(market)
    iso3 = profile.country.iso3
    values["serves_market"] = iso3 in firm.current_markets
    values["targets_market"] = iso3 in firm.target_markets
    values["showstopper"] = stop.value
    return FactorSet(values, evidence, stop, facts)


def _market_side(
    firm: Firm,
    profile: MarketProfile,
    book: RuleBook,
    facts: MarketFacts | None,
    services: bool,
    memo: dict | None,
) -> tuple[dict[str, Any], dict[str, Any], Showstop]:
    """``market_factors`` and ``showstopper`` of a profile, kept in ``memo`` by the profile's
    identity (the entry holds the profile and the facts, so the id is not reused)."""
    if memo is None:
        market, evidence = market_factors(profile, book, facts)
        return market, evidence, showstopper(firm, profile, facts, services)
    key = ("market side", id(profile), id(book), firm.hs_codes, services)
    found = memo.get(key)
    if found is None or found[0] is not profile or found[1] is not facts:
        market, evidence = market_factors(profile, book, facts)
        stop = showstopper(firm, profile, facts, services)
        found = memo[key] = (profile, facts, book, market, evidence, stop)
    return found[3], found[4], found[5]


def display(
    name: str,
    value: Any,
    lang: str,
    info: FactorInfo | None,
    *,
    levels: Mapping[str, Text] | None = None,
    evidence: Any = None,
    showstop: Showstop | None = None,
) -> str:
    """A factor's value as it reads in a reason sentence, in ``lang``."""
    zh = lang == "zh-TW"
    if name == "showstopper" and showstop is not None and showstop.reasons:
        return (
            "；".join(r.zh_TW for r in showstop.reasons)
            if zh
            else "; ".join(r.en for r in showstop.reasons)
        )
    if value is None:
        return "無資料" if zh else "no data"
    unit = info.unit if info else ""
    if name == "imports_usd" or unit == "usd":
        # as the documents write money (US$5,470 萬 / US$54.7 million), one style a page
        text = money(float(value), "USD", lang)
    elif name == "imports_growth_5y":
        text = f"{float(value):+.1f}%"
    elif unit == "score":
        text = f"{float(value):.0f}/100"
    elif unit == "km":
        text = f"{float(value):,.0f} 公里" if zh else f"{float(value):,.0f} km"
    elif unit == "count":
        text = f"{int(value):,}"
    elif unit == "ntd":
        text = money(float(value), "TWD", lang)
    elif unit == "percent" or name in ("taiwan_share", "tariff"):
        v = float(value)
        text = f"{v:.1f}%" if abs(v) < 10 else f"{v:.0f}%"
    elif unit == "likert":
        text = f"{float(value):.0f}"
    elif unit == "estimate":
        text = f"{float(value):+.2f}"
    elif unit == "index":
        text = f"{float(value):.2f}"
    elif unit == "level":
        label = (levels or {}).get(str(value))
        text = label.get(lang) if label else str(value)
    elif info is not None and str(value) in info.value_labels:
        text = info.value_labels[str(value)].get(lang)
    elif unit == "flag":
        text = ("是" if value else "否") if zh else ("yes" if value else "no")
    else:
        text = str(value)
    year = getattr(evidence, "year", None)
    if year:
        text += f"（{year}）" if zh else f" ({year})"
    return text
