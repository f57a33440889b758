"""What the exchange-meeting plan shows (``render_meeting_plan`` in ``html``; ``meetings.xlsx``
in ``matches_xlsx`` reads the same view).

One section per meeting — market × strategy theme × driver type (the programme's 3(2)) — with
the demands on the table, the agenda, the firms invited and what each should prepare; then the
demands no firm can serve yet. Respondents are named only with their consent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from exportkit.models import Demand, MatchRun, Meeting
from exportkit.render.labels import Labels, labels
from exportkit.render.views.matchmaking import demand_facts


@dataclass(slots=True)
class DemandRow:
    """A demand on a meeting's table, as the plan shows it."""

    respondent: str
    kind: str
    products: str
    facts: list[tuple[str, str]]


@dataclass(slots=True)
class InviteRow:
    """A firm invited to a meeting: its band, the demands it is proposed for, what to prepare."""

    firm: str
    band: str
    proposed: list[str]  # "respondent (score)"
    prepare: list[str]


@dataclass(slots=True)
class MeetingView:
    """One meeting as the plan shows it."""

    anchor: str
    title: str
    market: str
    theme: str
    driver: str
    minutes: int
    demands: list[DemandRow]
    agenda: list[tuple[str, str]]  # (duration, text)
    invites: list[InviteRow]


@dataclass(slots=True)
class PlanView:
    """Everything the meeting plan shows."""

    L: Labels
    title: str
    generated_on: date
    facts: list[tuple[str, str]]
    meetings: list[MeetingView]
    unmatched: list[tuple[str, str, str]] = field(
        default_factory=list
    )  # (respondent, products, why)


def _demand_row(d: Demand, L: Labels, lang: str) -> DemandRow:
    return DemandRow(
        d.shown(lang), d.respondent_type.label.get(lang), d.products, demand_facts(d, L, lang)
    )


def _meeting_view(m: Meeting, run: MatchRun, L: Labels, lang: str) -> MeetingView:
    demands = {d.id: d for d in run.demands}
    firms = {f.key: f for f in run.result.firms}
    invites = []
    for i in m.invites:
        firm = firms[i.firm_key]
        invites.append(
            InviteRow(
                firm=i.firm_name,
                band=firm.band.label.get(lang) if firm.band else "",
                proposed=[
                    f"{demands[d].shown(lang)} ({s:.0f})"
                    for d, s in zip(i.demand_ids, i.scores, strict=True)
                ],
                prepare=[p.get(lang) for p in i.prepare],
            )
        )
    return MeetingView(
        anchor=m.id,
        title=m.title.get(lang),
        market=m.market_name.get(lang),
        theme=m.theme.label.get(lang) if m.theme else "—",
        driver=m.driver_type.label.get(lang) if m.driver_type else "—",
        minutes=sum(a.minutes for a in m.agenda),
        demands=[_demand_row(demands[d], L, lang) for d in m.demand_ids],
        agenda=[(L.minutes.format(n=a.minutes), a.text.get(lang)) for a in m.agenda],
        invites=invites,
    )


def plan_view(run: MatchRun, lang: str) -> PlanView:
    """Everything the meeting plan shows, in ``lang``."""
    L = labels(lang)
    outcomes = run.result.outcomes
    invited = {i.firm_key for m in run.meetings for i in m.invites}
    facts = [
        (L.meetings_count, str(len(run.meetings))),
        (L.demands_surveyed, str(len(outcomes))),
        (L.demands_matched, str(sum(1 for o in outcomes if o.status == "matched"))),
        (L.firms_invited, str(len(invited))),
    ]
    return PlanView(
        L=L,
        title=L.meeting_plan_title,
        generated_on=run.generated_at.date(),
        facts=facts,
        meetings=[_meeting_view(m, run, L, lang) for m in run.meetings],
        unmatched=[
            (o.demand.shown(lang), o.demand.products, o.reason.get(lang) if o.reason else "")
            for o in outcomes
            if o.status == "unmatched"
        ],
    )
