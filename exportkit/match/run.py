"""``run_match``: firm and demand workbooks in; matches, a meeting plan and documents out.

Read the firm workbooks (questionnaire engine) and score their readiness; read the demand
workbooks (the market-demand survey); advise entry modes per firm in every New Southbound
market with the same market data and rule book as ``exportkit assess``; match (engine); plan the
exchange meetings; write matches.json, matches.xlsx, meetings.xlsx, the meeting plan and each
firm's brief for the markets it is matched in. A bad workbook is reported, never fatal.

>>> run = run_match(["firms/"], ["demands/"], "out", meetings=True)  # doctest: +SKIP
>>> [o.status for o in run.result.outcomes]                        # doctest: +SKIP
['matched', 'matched', 'unmatched']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from exportkit import countries

# Upstream stages, imported here and nowhere else in this package: after the package
# restructuring (issue 10) only these lines change.
from exportkit.assess.inputs import expand_inputs, parse_formats
from exportkit.assess.market_data import MarketData
from exportkit.entry_mode import RuleBook, default_rulebook
from exportkit.errors import ExportkitError, RenderError, WorkbookError
from exportkit.i18n import normalise_lang
from exportkit.match.criteria import MatchCriteria, default_criteria
from exportkit.match.demand import demand_from_answers
from exportkit.match.matching import match_demands
from exportkit.match.meetings import plan_meetings
from exportkit.models import Answers, FileFailure, Firm, ReadinessScore, Recommendation, Text
from exportkit.models.demand import Coded, Demand
from exportkit.models.match import (
    BriefMatchmaking,
    MarketModes,
    MatchResult,
    MatchRun,
    MatchSettings,
    Meeting,
    ModeScore,
    SupplierProfile,
)
from exportkit.models.questionnaire import Definition
from exportkit.questionnaire import load_definition, score_answers, validate_files
from exportkit.recommend import recommend_markets
from exportkit.safe_output import unique_name

Progress = Callable[[str, int], Any]


@contextmanager
def _no_progress(description: str, total: int) -> Iterator[Callable[..., None]]:
    yield lambda n=1: None


@dataclass(frozen=True)
class _Firm:
    """A firm read for matching: its workbook's answers, scores and advice."""

    firm: Firm
    score: ReadinessScore
    answers: Answers
    definition: Definition
    recommendations: tuple[Recommendation, ...] = ()


def _wrong_kind(file: str, expected_en: str, expected_zh: str, got: str) -> FileFailure:
    return FileFailure(
        file,
        (WorkbookError(file, expected_en, expected_zh, sheet="_meta", cell="B1", got=got),),
    )


def _read_firms(
    paths: list[Path], book: MatchCriteria, progress: Progress
) -> tuple[list[_Firm], list[FileFailure]]:
    with progress("Reading firms", len(paths)) as advance:
        answers, failures = validate_files(paths, progress=advance)
    firms = []
    for a in answers:
        d = load_definition(a.definition_id)
        if d.id == book.demand_questionnaire:
            failures.append(
                _wrong_kind(
                    a.file,
                    "a firm's questionnaire; this workbook is a market-demand survey: give it "
                    "after --demand",
                    "企業問卷；此檔案為海外市場需求調查，請放在 --demand 之後",
                    d.id,
                )
            )
        elif not d.scored or a.firm is None or not d.driver_types:
            failures.append(
                _wrong_kind(
                    a.file,
                    "a firm's readiness questionnaire (a firm profile, scored dimensions and "
                    "driver types), which matching needs",
                    "媒合所需的企業出口整備度問卷（含企業基本資料、計分構面與輸出模式）",
                    d.id,
                )
            )
        else:
            try:
                firms.append(_Firm(a.firm, score_answers(a), a, d))
            except ExportkitError as exc:
                failures.append(FileFailure(a.file, tuple(getattr(exc, "errors", None) or [exc])))
    return firms, failures


def _read_demands(
    paths: list[Path], book: MatchCriteria, progress: Progress
) -> tuple[list[Demand], list[FileFailure]]:
    with progress("Reading demands", len(paths)) as advance:
        answers, failures = validate_files(paths, progress=advance)
    demands: list[Demand] = []
    taken: set[str] = set()
    for a in answers:
        d = load_definition(a.definition_id)
        if d.id != book.demand_questionnaire:
            failures.append(
                _wrong_kind(
                    a.file,
                    f"a market-demand survey (questionnaire {book.demand_questionnaire}); "
                    "firm questionnaires go before --demand",
                    f"海外市場需求調查（問卷 {book.demand_questionnaire}）；企業問卷請放在 --demand 之前",
                    d.id,
                )
            )
            continue
        try:
            demands.append(demand_from_answers(a, d, book, taken))
        except ExportkitError as exc:
            failures.append(FileFailure(a.file, tuple(getattr(exc, "errors", None) or [exc])))
    return demands, failures


def _coded_choice(definition: Definition, firm_field: str, value: str | None) -> Coded | None:
    if value is None:
        return None
    item = next((i for i in definition.items if i.firm_field == firm_field), None)
    option = next((o for o in item.options if o.value == value), None) if item else None
    return Coded(value, option.label if option else Text(value, value))


def supplier_profile(
    item: _Firm, key: str, book: MatchCriteria, rules: RuleBook
) -> SupplierProfile:
    """What the matcher needs of one firm, every label included."""
    firm, score, d = item.firm, item.score, item.definition
    spare = None
    answer = item.answers.get(book.capacity_item)
    if answer is not None and firm.revenue_ntd is not None:
        share = book.spare_share.get(int(answer))
        if share is not None:
            spare = firm.revenue_ntd * share / book.ntd_per_usd
    band = next((b for b in d.bands if b.id == score.band), None)
    driver = next((t for t in d.driver_types if t.id == score.driver_type), None)
    modes_label = {m.id: m.label for m in rules.modes}
    theme_id = item.recommendations[0].theme if item.recommendations else None
    theme = next((t for t in rules.themes if t.id == theme_id), None)
    modes = tuple(
        MarketModes(
            iso3=rec.iso3,
            ranked=tuple(
                ModeScore(Coded(m.mode, modes_label.get(m.mode, Text(m.mode, m.mode))), m.score)
                for m in rec.entry_modes
            ),
            excluded=rec.fit.excluded,
            note=Text(rec.staged_path_zh_TW, rec.staged_path_en) if rec.fit.excluded else None,
        )
        for rec in item.recommendations
    )
    return SupplierProfile(
        key=key,
        name=firm.name,
        file=item.answers.file,
        tax_id=firm.tax_id,
        industry=_coded_choice(d, "industry", firm.industry),
        hs_codes=tuple(firm.hs_codes),
        certifications=tuple(
            c for x in firm.certifications if (c := _coded_choice(d, "certifications", x))
        ),
        spare_capacity_usd=spare,
        readiness=score.overall,
        band=Coded(band.id, band.label) if band else None,
        driver_type=Coded(driver.id, driver.label) if driver else None,
        theme=Coded(theme.id, theme.label) if theme else None,
        target_markets=tuple(firm.target_markets),
        current_markets=tuple(firm.current_markets),
        modes=modes,
        definition_id=d.id,
    )


def brief_sections(
    result: MatchResult, meetings: tuple[Meeting, ...]
) -> dict[tuple[str, str], BriefMatchmaking]:
    """(firm key, ISO3) → the matchmaking section of that firm's brief for that market."""
    out: dict[tuple[str, str], list] = {}
    for outcome in result.outcomes:
        for match in outcome.proposed:
            out.setdefault((match.firm_key, outcome.demand.country), []).append(
                (outcome.demand, match)
            )
    sections = {}
    for (key, iso3), entries in out.items():
        meeting = next(
            (m for m in meetings if m.market == iso3 and any(i.firm_key == key for i in m.invites)),
            None,
        )
        entries.sort(key=lambda e: -e[1].score)
        sections[(key, iso3)] = BriefMatchmaking(iso3, key, tuple(entries), meeting)
    return sections


def run_match(
    firms: Iterable[str | Path],
    demands: Iterable[str | Path],
    outdir: str | Path = "exportkit-match",
    *,
    lang: str = "en",
    formats: str | Iterable[str] = ("json", "xlsx"),
    meetings: bool = False,
    db: str | Path | None = None,
    criteria: MatchCriteria | None = None,
    rules: RuleBook | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> MatchRun:
    """Match the firms of ``firms`` (workbooks or folders) with the demands of ``demands``.

    Args:
        firms: filled firm questionnaires (the readiness questionnaire), files or folders.
        demands: filled market-demand surveys, files or folders.
        outdir: folder for matches.json, matches.xlsx and (html/pdf) the documents.
        lang: language of the workbooks and documents (JSON carries both languages).
        formats: any of json, xlsx, html, pdf. html/pdf write each firm's brief for every
            market it is matched in (with its matchmaking section) and index.html.
        meetings: also plan the exchange meetings (meetings.xlsx; with html/pdf the plan).
        db: market database (default: $EXPORTKIT_DB, else the user data folder).
        criteria: a calibrated criteria book (default: the shipped one).
        rules: a calibrated entry-mode rule book (default: the shipped one).
        progress: ``progress(description, total)`` context manager yielding ``advance()``.
        workers: processes rendering PDFs (default: every core).

    Returns a ``MatchRun``; ``run.ok`` is False when any input or document failed.
    """
    from exportkit.store import open_store

    lang = normalise_lang(lang)
    fmt = parse_formats(formats)
    book = criteria or default_criteria()
    rulebook = rules or default_rulebook()
    progress = progress or _no_progress
    firm_inputs, demand_inputs = [str(p) for p in firms], [str(p) for p in demands]
    firm_paths, failures = expand_inputs(firm_inputs)
    demand_paths, demand_failures = expand_inputs(demand_inputs)
    failures += demand_failures
    read_firms, firm_failures = _read_firms(firm_paths, book, progress) if firm_paths else ([], [])
    read_demands, bad_demands = (
        _read_demands(demand_paths, book, progress) if demand_paths else ([], [])
    )
    failures += firm_failures + bad_demands
    markets = tuple(dict.fromkeys((*countries.NSB18, *(d.country for d in read_demands))))
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    want_documents = any(f in fmt for f in ("html", "pdf"))

    taken: set[str] = set()
    with open_store(db) as store:
        data = MarketData(store, markets, [f.firm.hs_codes for f in read_firms])
        advised = []
        with progress("Recommending", len(read_firms)) as advance:
            for item in read_firms:
                profiles = [data.profile(iso3, item.firm.hs_codes) for iso3 in markets]
                recs = recommend_markets(item.firm, item.score, profiles, rulebook)
                advised.append(
                    _Firm(item.firm, item.score, item.answers, item.definition, tuple(recs))
                )
                advance()
        suppliers = [
            supplier_profile(
                item, unique_name(item.score.firm or item.firm.name, taken, "firm"), book, rulebook
            )
            for item in advised
        ]
        with progress("Matching", 1) as advance:
            result = match_demands(suppliers, read_demands, book)
            planned = plan_meetings(result, book) if meetings else ()
            advance()
        reports = []
        if want_documents:
            reports = _firm_reports(result, planned, advised, suppliers, data, store, lang)

    run = MatchRun(
        result=result,
        demands=tuple(read_demands),
        meetings=planned,
        failures=failures,
        settings=MatchSettings(
            firm_inputs=tuple(firm_inputs),
            demand_inputs=tuple(demand_inputs),
            lang=lang,
            formats=fmt,
            meetings=meetings,
            database=None if db is None else str(db),
            rules_version=rulebook.version,
        ),
        generated_at=datetime.now(UTC).replace(microsecond=0),
    )
    _write_outputs(run, out, reports, workers=workers, progress=progress)
    return run


def _firm_reports(result, planned, advised, suppliers, data, store, lang) -> list:
    """One ``FirmReport`` per firm with a proposed match: its briefs for those markets."""
    from exportkit.models import Brief
    from exportkit.render.portfolio import FirmReport
    from exportkit.render.workbook_brief import BriefInputs, profile_codes, trade_evidence

    sections = brief_sections(result, planned)
    reports = []
    for item, supplier in zip(advised, suppliers, strict=True):
        briefs = []
        for rec in item.recommendations:
            section = sections.get((supplier.key, rec.iso3))
            if section is None:
                continue
            source, trend = trade_evidence(store, rec.iso3, profile_codes(item.firm.hs_codes))
            profile = data.profile(rec.iso3, item.firm.hs_codes)
            brief = Brief(item.firm, item.score, rec, profile, lang)
            briefs.append(
                BriefInputs(
                    brief,
                    trend,
                    source,
                    markets_assessed=len(item.recommendations),
                    matchmaking=section,
                )
            )
        if briefs:
            reports.append(FirmReport(item.score, item.firm, tuple(briefs), folder=supplier.key))
    return reports


def _planned_names(run: MatchRun) -> list[str]:
    """The run's own files besides the briefs, for the links of its index.html."""
    fmt, meetings = run.settings.formats, run.settings.meetings
    names = []
    if meetings and "html" in fmt:
        names.append("meetings.html")
    if meetings and "pdf" in fmt and "meetings_pdf" in run.outputs:
        names.append("meetings.pdf")
    if "xlsx" in fmt:
        names += ["matches.xlsx"] + (["meetings.xlsx"] if meetings else [])
    if "json" in fmt:
        names.append("matches.json")
    return names


def _write_outputs(run: MatchRun, out: Path, reports: list, *, workers, progress) -> None:
    from exportkit.render.matches_json import write_matches_json
    from exportkit.render.matches_xlsx import write_matches_xlsx
    from exportkit.render.meetings import render_meeting_plan, write_meetings_xlsx
    from exportkit.render.pdf import write_html, write_pdf

    fmt = run.settings.formats
    lang = run.settings.lang
    if "xlsx" in fmt:
        run.outputs["xlsx"] = write_matches_xlsx(run, out / "matches.xlsx")
        if run.settings.meetings:
            run.outputs["meetings_xlsx"] = write_meetings_xlsx(run, out / "meetings.xlsx")
    if any(f in fmt for f in ("html", "pdf")):
        from exportkit.render.labels import labels
        from exportkit.render.portfolio import write_portfolio
        from exportkit.render.related import links_to

        if run.settings.meetings:
            html = render_meeting_plan(run, lang)
            if "html" in fmt:
                run.outputs["meetings_html"] = write_html(html, out / "meetings.html")
            if "pdf" in fmt:
                try:
                    run.outputs["meetings_pdf"] = write_pdf(html, out / "meetings.pdf")
                except RenderError as exc:
                    run.document_failures.append(FileFailure("meetings.pdf", (exc,)))
        written = [f for f in fmt if f in ("html", "pdf")]
        result = write_portfolio(
            reports,
            out,
            written,
            lang,
            workers=workers,
            stage_progress=progress,
            generated_on=run.generated_at.date(),
            links=links_to(_planned_names(run)),
            title=labels(lang).matches_title,
        )
        run.outputs["index"] = result.index
        for failed in result.failures:
            rel = Path(failed.path).relative_to(out).as_posix()
            run.document_failures.append(
                FileFailure(
                    rel, (ExportkitError(f"{rel}: PDF could not be written: {failed.error}"),)
                )
            )
    if "json" in fmt:
        run.outputs["json"] = write_matches_json(run, out / "matches.json")
