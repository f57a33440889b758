"""The match run's workbooks: ``matches.xlsx`` for the consultant — every demand with its ranked
firms, every firm with its demands, the demands nobody serves, the files refused and the run —
and ``meetings.xlsx``, the exchange-meeting plan as a table.

This workbook is the consultant's own: it names every respondent and its contact whatever
the consent (the column "Consent to share" says what may be passed on). Formula-safe: every
value goes through ``neutralise`` (``xlsx_tables``).
"""

from __future__ import annotations

from pathlib import Path

from exportkit.models import Match, MatchRun
from exportkit.render.labels import Labels, labels
from exportkit.render.views.meetings import plan_view
from exportkit.render.xlsx_tables import Sheet, save_workbook


def _level(L: Labels, level: str) -> str:
    return getattr(L, f"level_{level}")


def _gaps(m: Match, lang: str) -> str:
    return "\n".join(f"• {g.text.get(lang)}" for g in m.gaps)


def _reasons(m: Match, lang: str) -> str:
    return "\n".join(f"• {c.reason.get(lang)}" for c in m.criteria)


def write_matches_xlsx(run: MatchRun, path: str | Path) -> Path:
    """Write the consultant's matchmaking workbook for ``run`` to ``path``."""
    lang = run.settings.lang
    L = labels(lang)
    yes, no = L.answer_yes, L.answer_no
    firms = {f.key: f for f in run.result.firms}
    criteria = [c for c in run.result.criteria if c.id != "product"]
    outcomes = run.result.outcomes

    overview = Sheet(
        L.demands_sheet,
        [
            L.demand_id,
            L.respondent,
            L.respondent_type,
            L.country,
            L.sought,
            L.hs_codes,
            L.annual_value,
            L.partnership,
            L.timing,
            L.consent,
            L.contact,
            L.status,
            L.candidates,
            L.best_firm,
            L.match_score,
            L.why,
        ],
        [16, 30, 18, 12, 40, 16, 12, 24, 14, 10, 34, 11, 10, 28, 10, 70],
    )
    sheets = [overview]
    for n, o in enumerate(outcomes, start=1):
        d = o.demand
        best = o.matches[0] if o.matches else None
        contact = " · ".join(
            p
            for p in ((d.contact.name, d.contact.email, d.contact.phone) if d.contact else ())
            if p
        )
        overview.row(
            [
                d.id,
                d.organisation,
                d.respondent_type.label.get(lang),
                d.country_name.get(lang),
                d.products,
                ", ".join(d.hs_codes),
                d.annual_volume_usd,
                L.list_sep.join(p.label.get(lang) for p in d.partnerships),
                d.timing.label.get(lang) if d.timing else None,
                yes if d.consent_to_share else no,
                contact,
                getattr(L, f"status_{o.status}"),
                len(o.matches),
                firms[best.firm_key].name if best else None,
                best.score if best else None,
                o.reason.get(lang) if o.reason else None,
            ]
        )
        sheet = Sheet(
            f"D{n:02d} {d.organisation}",
            [L.rank, L.firm, L.match_score, L.strength, L.product_level]
            + [c.title.get(lang) for c in criteria]
            + [L.gaps_to_close, L.reasons],
            [7, 30, 10, 14, 14] + [12] * len(criteria) + [60, 80],
            caption=f"{d.organisation} · {d.country_name.get(lang)} · {d.products}",
        )
        for m in o.matches:
            points = {c.id: c.points for c in m.criteria}
            sheet.row(
                [
                    m.rank,
                    firms[m.firm_key].name,
                    m.score,
                    L(f"strength_{m.strength}"),
                    _level(L, m.product_level),
                ]
                + [round(100 * points[c.id]) for c in criteria]
                + [_gaps(m, lang), _reasons(m, lang)]
            )
        if not o.matches and o.reason:
            sheet.row(["—", o.reason.get(lang)])
        sheet.scores("C", *[chr(ord("F") + i) for i in range(len(criteria))])
        sheets.append(sheet)

    demands = {o.demand.id: o.demand for o in outcomes}
    firm_overview = Sheet(
        L.firms_sheet,
        [
            L.firm,
            L.file,
            L.readiness_band,
            L.driver_type,
            L.theme,
            L.hs_codes,
            L.spare_capacity,
            L.candidates,
        ],
        [30, 26, 16, 16, 22, 22, 18, 10],
    )
    sheets.insert(1, firm_overview)
    for n, firm in enumerate(run.result.firms, start=1):
        pairs = run.result.for_firm(firm.key)
        firm_overview.row(
            [
                firm.name,
                Path(firm.file).name,
                firm.band.label.get(lang) if firm.band else None,
                firm.driver_type.label.get(lang) if firm.driver_type else None,
                firm.theme.label.get(lang) if firm.theme else None,
                ", ".join(firm.hs_codes),
                None if firm.spare_capacity_usd is None else round(firm.spare_capacity_usd),
                len(pairs),
            ]
        )
        sheet = Sheet(
            f"F{n:02d} {firm.name}",
            [
                L.demand_id,
                L.respondent,
                L.country,
                L.sought,
                L.match_score,
                L.strength,
                L.product_level,
                L.gaps_to_close,
            ],
            [16, 30, 12, 40, 10, 14, 14, 80],
            caption=firm.name,
        )
        for d, m in pairs:
            sheet.row(
                [
                    d.id,
                    demands[d.id].organisation,
                    d.country_name.get(lang),
                    d.products,
                    m.score,
                    L(f"strength_{m.strength}"),
                    _level(L, m.product_level),
                    _gaps(m, lang),
                ]
            )
        sheet.scores("E")
        sheets.append(sheet)

    rejected = Sheet(L.rejected_files, [L.file, L.problem], [40, 120])
    for failure in run.failures:
        for message in failure.messages(lang):
            for line in message.splitlines() or [message]:
                rejected.row([failure.file, line])
    about = Sheet(L.run_info, [L.setting, L.value], [28, 100])
    s = run.settings
    for key, value in (
        ("generated_at", run.generated_at.isoformat()),
        ("criteria_version", run.result.criteria_version),
        ("rules_version", s.rules_version),
        ("firm_inputs", ", ".join(s.firm_inputs)),
        ("demand_inputs", ", ".join(s.demand_inputs)),
        ("lang", s.lang),
        ("formats", ", ".join(s.formats)),
        ("meetings", str(s.meetings)),
        ("database", s.database or ""),
    ):
        about.row([key, value])
    sheets += [rejected, about]
    return save_workbook(sheets, Path(path))


def write_meetings_xlsx(run: MatchRun, path: str | Path) -> Path:
    """``meetings.xlsx``: the meetings, one row per invited firm × demand; the agendas; the
    demands without a supplier."""
    lang = run.settings.lang
    view = plan_view(run, lang)
    L = view.L
    demands = {d.id: d for d in run.demands}
    plan = Sheet(
        L.meetings_count,
        [
            L.meeting_plan_title,
            L.market,
            L.theme,
            L.driver_type,
            L.firm,
            L.respondent,
            L.sought,
            L.match_score,
            L.prepare,
        ],
        [34, 14, 22, 16, 28, 30, 40, 10, 90],
    )
    agenda = Sheet(L.agenda, [L.meeting_plan_title, L.duration, L.agenda], [34, 10, 110])
    for meeting, mv in zip(run.meetings, view.meetings, strict=True):
        for invite in meeting.invites:
            prepare = "\n".join(p.get(lang) for p in invite.prepare)
            for demand_id, score in zip(invite.demand_ids, invite.scores, strict=True):
                d = demands[demand_id]
                plan.row(
                    [
                        mv.title,
                        mv.market,
                        mv.theme,
                        mv.driver,
                        invite.firm_name,
                        d.shown(lang),
                        d.products,
                        score,
                        prepare,
                    ]
                )
        for duration, text in mv.agenda:
            agenda.row([mv.title, duration, text])
    plan.scores("H")
    unmatched = Sheet(L.unmatched_demands, [L.respondent, L.sought, L.why], [34, 50, 100])
    for respondent, products, why in view.unmatched:
        unmatched.row([respondent, products, why])
    return save_workbook([plan, agenda, unmatched], Path(path))
