"""The exchange-meeting plan of the programme's 3(2): market × strategy theme × driver type.

Every proposed match puts its firm in the meeting of the demand's market and the firm's
strategy theme and export-driver type; the meeting's agenda lists the demands on the table, the
firms invited and the one-to-one talks, and each firm gets what to prepare — its gaps for
those demands, the presentation its theme calls for and the terms each partnership sought needs.
"""

from __future__ import annotations

from exportkit import countries
from exportkit.match.criteria import MatchCriteria, default_criteria
from exportkit.match.explain import _fill
from exportkit.models import Text
from exportkit.models.demand import Demand
from exportkit.models.match import (
    AgendaItem,
    Match,
    MatchResult,
    Meeting,
    MeetingInvite,
    SupplierProfile,
)


def _joined(texts: list[Text], zh_sep: str = "；", en_sep: str = "; ") -> Text:
    return Text(zh_sep.join(t.zh_TW for t in texts), en_sep.join(t.en for t in texts))


def _name(text: str) -> Text:
    return Text(text, text)


def _prepare(
    firm: SupplierProfile, pairs: list[tuple[Demand, Match]], book: MatchCriteria
) -> tuple[Text, ...]:
    out: list[Text] = []
    for _, match in pairs:
        out += [g.text for g in match.gaps]
    if firm.theme and firm.theme.id in book.prepare_by_theme:
        out.append(book.prepare_by_theme[firm.theme.id])
    seen: set[str] = set()
    for demand, _ in pairs:
        for p in demand.partnerships:
            if p.id not in seen and p.id in book.prepare_by_partnership:
                seen.add(p.id)
                out.append(book.prepare_by_partnership[p.id])
    products = _joined([_name(d.products) for d, _ in pairs])
    out.append(_fill(book.samples, products=products))
    return tuple(dict.fromkeys(out))  # a gap shared by two demands is said once


def _agenda(
    demands: list[Demand],
    invites: list[MeetingInvite],
    theme: Text,
    book: MatchCriteria,
    demand_names: dict[str, Text],
) -> tuple[AgendaItem, ...]:
    pairs = [(i, d) for i in invites for d in i.demand_ids]
    counts = {"demand": len(demands), "firm": len(invites), "pair": len(pairs)}
    lists = {
        "demand": _joined([demand_names[d.id] for d in demands], "、", "; "),
        "firm": _joined([_name(i.firm_name) for i in invites], "、", "; "),
        "pair": _joined(
            [
                Text(
                    f"{i.firm_name} × {demand_names[d].zh_TW}",
                    f"{i.firm_name} × {demand_names[d].en}",
                )
                for i, d in pairs
            ],
            "、",
            "; ",
        ),
    }
    items = []
    for step in book.agenda:
        n = counts[step.per] if step.per else 1
        text = _fill(
            step.text,
            n=n,
            theme=theme,
            demands=lists["demand"],
            firms=lists["firm"],
            pairs=lists["pair"],
        )
        items.append(AgendaItem(step.minutes * n, text))
    return tuple(items)


def plan_meetings(
    result: MatchResult, criteria: MatchCriteria | None = None
) -> tuple[Meeting, ...]:
    """One meeting per market × strategy theme × driver type with a proposed match."""
    book = criteria or default_criteria()
    groups: dict[tuple[str, str, str], dict[str, list[tuple[Demand, Match]]]] = {}
    firms = {f.key: f for f in result.firms}
    demand_order = {o.demand.id: i for i, o in enumerate(result.outcomes)}
    for outcome in result.outcomes:
        for match in outcome.proposed:
            firm = firms[match.firm_key]
            key = (
                outcome.demand.country,
                firm.theme.id if firm.theme else "",
                firm.driver_type.id if firm.driver_type else "",
            )
            groups.setdefault(key, {}).setdefault(firm.key, []).append((outcome.demand, match))
    market_order = {iso3: i for i, iso3 in enumerate(countries.NSB18)}
    meetings = []
    for (iso3, theme_id, driver_id), by_firm in sorted(
        groups.items(), key=lambda kv: (market_order.get(kv[0][0], 99), kv[0])
    ):
        sample = firms[next(iter(by_firm))]
        theme = sample.theme.label if sample.theme else book.no_theme
        driver = sample.driver_type.label if sample.driver_type else book.no_driver
        market_name = Text(countries.name(iso3, "zh-TW"), countries.name(iso3, "en"))
        demands: dict[str, Demand] = {}
        invites = []
        for key, pairs in sorted(
            by_firm.items(), key=lambda kv: (-max(m.score for _, m in kv[1]), kv[0])
        ):
            pairs.sort(key=lambda p: demand_order[p[0].id])
            for demand, _ in pairs:
                demands[demand.id] = demand
            invites.append(
                MeetingInvite(
                    firm_key=key,
                    firm_name=firms[key].name,
                    demand_ids=tuple(d.id for d, _ in pairs),
                    scores=tuple(m.score for _, m in pairs),
                    prepare=_prepare(firms[key], pairs, book),
                )
            )
        ordered = sorted(demands.values(), key=lambda d: demand_order[d.id])
        names = {d.id: Text(d.shown("zh-TW"), d.shown("en")) for d in ordered}
        meetings.append(
            Meeting(
                id=f"{iso3}-{theme_id or 'none'}-{driver_id or 'none'}",
                market=iso3,
                market_name=market_name,
                theme=sample.theme,
                driver_type=sample.driver_type,
                title=_fill(book.meeting_title, market=market_name, theme=theme, driver=driver),
                demand_ids=tuple(d.id for d in ordered),
                invites=tuple(invites),
                agenda=_agenda(ordered, invites, theme, book, names),
            )
        )
    return tuple(meetings)
