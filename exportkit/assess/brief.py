"""One country brief straight from a filled questionnaire: ``exportkit brief FIRM.xlsx --market TH``.

Reads and scores the workbook (questionnaire), builds the market's profile (markets — the same
builder an assessment uses), recommends entry modes (entry_mode), fits the import trend, looks
up the firm's previous assessment (store), and returns the :class:`~exportkit.models.Brief`
that ``exportkit.render.write_brief`` writes; :func:`write_brief_files` does both.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace

from exportkit import countries
from exportkit.entry_mode import RuleBook, recommend
from exportkit.entry_mode.factors import market_facts
from exportkit.errors import UsageError
from exportkit.i18n import normalise_lang
from exportkit.markets import import_trend, market_profile
from exportkit.models import Brief, BriefFiles, MarketNote, MarketProfile, Text
from exportkit.questionnaire import (
    FIRM_QUESTIONNAIRE,
    load_definition,
    read_answers,
    score_answers,
)
from exportkit.render import write_brief
from exportkit.render.documents import parse_formats
from exportkit.render.views.brief import brief_view
from exportkit.store import open_store


def with_market_facts(profile: MarketProfile) -> MarketProfile:
    """``profile`` with a foreign-ownership note from ``data/market_factors.yaml`` when the
    market database holds none, so a brief never says 「尚無」 for a market whose ownership rules
    the rule book already reads (the level, the law and the note, with the file as source)."""
    if any(n.topic == "foreign_ownership" for n in profile.notes):
        return profile
    book = market_facts()
    facts = book.countries.get(profile.country.iso3)
    if facts is None or facts.foreign_ownership is None:
        return profile
    level = book.level_labels.get(facts.foreign_ownership, Text(facts.foreign_ownership, ""))
    note = facts.foreign_ownership_note or Text("", "")
    law = facts.foreign_ownership_law
    note = MarketNote(
        profile.country.iso3,
        "foreign_ownership",
        Text(f"外資持股限制程度：{level.zh_TW}", f"Foreign-ownership restrictions: {level.en}"),
        Text(
            note.zh_TW,  # the law's name is English prose in the facts file: English only
            f"{note.en} (basis: {law})" if law else note.en,
        ),
        f"exportkit market_factors.yaml {book.version}",
        "",
    )
    return replace(profile, notes=(*profile.notes, note))


def brief_from_workbook(
    workbook: str | os.PathLike[str],
    market: str,
    *,
    lang: str | None = None,
    db: str | os.PathLike[str] | None = None,
    rules: RuleBook | None = None,
) -> Brief:
    """Score ``workbook`` and assemble its brief for ``market`` (ISO2/ISO3 or a name)."""
    iso3 = countries.resolve(market)
    answers = read_answers(workbook)
    if answers.definition_id != FIRM_QUESTIONNAIRE:
        # An ecosystem evaluation also names an organisation and scores 0-100, but its score
        # is not export readiness: presenting it as such would mislead the reader.
        raise UsageError(
            f"{workbook}: this workbook is the {answers.definition_id!r} questionnaire; a "
            f"brief needs the export-readiness questionnaire ({FIRM_QUESTIONNAIRE})",
            zh=f"{workbook}：此檔案為「{answers.definition_id}」問卷，國家簡報需要出口整備度問卷"
            f"（{FIRM_QUESTIONNAIRE}）",
        )
    score = score_answers(answers)
    firm = answers.firm
    if firm is None:
        raise UsageError(
            f"{workbook}: not an export-readiness questionnaire (no firm profile)",
            zh=f"{workbook}：不是出口整備度問卷（沒有企業基本資料）",
        )
    with open_store(db) as store:
        profile = market_profile(store, iso3, firm.hs_codes)
        trend = import_trend(store, iso3, profile.hs_codes)
    return Brief(
        firm=firm,
        readiness=score,
        recommendation=recommend(firm, score, profile, rules),
        market=with_market_facts(profile),
        lang=normalise_lang(lang or answers.lang),
        trend=trend,
    )


def write_brief_files(
    workbook: str | os.PathLike[str],
    market: str,
    outdir: str | os.PathLike[str],
    formats: Iterable[str] | str = ("html",),
    *,
    lang: str | None = None,
    db: str | os.PathLike[str] | None = None,
) -> BriefFiles:
    """The brief of ``workbook`` for ``market`` written as ``OUTDIR/<firm>-<ISO3>.html`` and/or
    ``.pdf`` (bands named by the questionnaire that scored it); returns the paths and the
    commands that fill the figures the brief lacks (the brief itself shows none)."""
    wanted = parse_formats(formats)  # refuse a bad format before any work
    brief = brief_from_workbook(workbook, market, lang=lang, db=db)
    definition = load_definition(brief.readiness.definition_id)
    paths = write_brief(brief, outdir, wanted, definition=definition)
    gaps = brief_view(brief, definition=definition).missing_commands
    return BriefFiles(tuple(paths), tuple((c, tuple(f)) for c, f in gaps))
