"""What the matchmaking section of a country brief shows (``exportkit match``), as a view.

The brief lists the overseas demands of its market the firm is proposed for: who asks (named
only with the respondent's consent), what, how much, on which terms, why the firm fits, what
to prepare, and the exchange meeting it is invited to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from exportkit import formatting
from exportkit.models import BriefMatchmaking, Demand, Match
from exportkit.render.labels import Labels, labels

STATUS_MARK = {"met": "✓", "partial": "◐", "unmet": "✗", "not_evaluated": "?"}


@dataclass(slots=True)
class EntryView:
    """One demand of the section: who asks, what, on which terms, why the firm fits."""

    respondent: str
    kind: str
    products: str
    facts: list[tuple[str, str]]
    score: float
    strength: str
    strength_label: str
    reasons: list[tuple[str, str]]  # (mark, text)
    gaps: list[str]
    contact: str


@dataclass(slots=True)
class MatchmakingView:
    """Everything the brief's matchmaking section shows."""

    L: Labels
    intro: str
    entries: list[EntryView]
    meeting_title: str | None = None
    meeting_prepare: list[str] = field(default_factory=list)


def strength_label(L: Labels, strength: str) -> str:
    """The name of a match strength (``strong`` → "Strong match") in ``L``'s language."""
    return getattr(L, f"strength_{strength}")


def demand_facts(demand: Demand, L: Labels, lang: str) -> list[tuple[str, str]]:
    """The demand's terms as (label, value) rows; what the respondent left blank says so."""
    sep = L.list_sep
    rows = [
        (L.hs_codes, ", ".join(demand.hs_codes) or L.not_given),
        (
            L.annual_value,
            formatting.money(demand.annual_volume_usd, "USD", lang)
            if demand.annual_volume_usd
            else L.not_given,
        ),
    ]
    if demand.quantity:
        rows.append((L.quantity, demand.quantity))
    rows += [
        (L.partnership, sep.join(p.label.get(lang) for p in demand.partnerships) or L.not_given),
        (L.timing, demand.timing.label.get(lang) if demand.timing else L.not_given),
        (
            L.certifications_required,
            sep.join(
                [c.label.get(lang) for c in demand.certifications if c.id != "other"]
                + ([demand.certifications_other] if demand.certifications_other else [])
            )
            or L.none,
        ),
    ]
    if demand.price_band:
        rows.append((L.price_band, demand.price_band.label.get(lang)))
    return rows


def contact_line(demand: Demand, L: Labels) -> str:
    """The contact a firm may see: only with the respondent's consent."""
    if not demand.consent_to_share or demand.contact is None:
        return L.contact_via_consultant
    parts = [demand.contact.name] + [p for p in (demand.contact.email, demand.contact.phone) if p]
    return " · ".join(parts)


def entry_view(demand: Demand, match: Match, L: Labels, lang: str) -> EntryView:
    """One demand × the firm's match, as the section shows it."""
    return EntryView(
        respondent=demand.shown(lang),
        kind=demand.respondent_type.label.get(lang),
        products=demand.products,
        facts=demand_facts(demand, L, lang),
        score=match.score,
        strength=match.strength,
        strength_label=strength_label(L, match.strength),
        reasons=[(STATUS_MARK.get(c.status, ""), c.reason.get(lang)) for c in match.criteria],
        gaps=[g.text.get(lang) for g in match.gaps],
        contact=contact_line(demand, L),
    )


def matchmaking_view(section: BriefMatchmaking, lang: str) -> MatchmakingView:
    """The brief's matchmaking section for one firm × market."""
    L = labels(lang)
    entries = [entry_view(d, m, L, lang) for d, m in section.entries]
    country = section.entries[0][0].country_name.get(lang) if section.entries else section.iso3
    intro = L.matchmaking_intro_one if len(entries) == 1 else L.matchmaking_intro
    view = MatchmakingView(L, intro.format(country=country, n=len(entries)), entries)
    if section.meeting is not None:
        invite = next((i for i in section.meeting.invites if i.firm_key == section.firm_key), None)
        view.meeting_title = section.meeting.title.get(lang)
        view.meeting_prepare = [p.get(lang) for p in invite.prepare] if invite else []
    return view
