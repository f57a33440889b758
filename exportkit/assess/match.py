"""``run_match``: firm and demand workbooks in; matches, a meeting plan and documents out.

The orchestration behind ``exportkit match``, beside ``run_assessment``: read and score the firm
workbooks (questionnaire) and read the demand workbooks (``assess.demands``); advise entry
modes per firm in every New Southbound market with the same profile builder (markets) and rule
book (entry_mode) as an assessment; match and plan the exchange meetings (the engine,
``exportkit.match``); write matches.json, matches.xlsx, meetings.xlsx, the meeting plan and each
firm's brief for the markets it is matched in (render). A bad workbook is reported, never fatal.

>>> import tempfile
>>> from exportkit.resources import demand_examples_dir, examples_dir
>>> out = tempfile.mkdtemp()
>>> run = run_match([examples_dir()], [demand_examples_dir()], out, meetings=True,
...                 db=f"{out}/market.duckdb")
>>> run.ok, sorted(run.outputs)
(True, ['json', 'meetings_xlsx', 'xlsx'])
>>> sorted({o.status for o in run.result.outcomes})
['matched', 'unmatched']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from exportkit import countries
from exportkit.assess.brief import with_market_facts
from exportkit.assess.demands import read_demands, wrong_kind
from exportkit.assess.inputs import expand_inputs, parse_formats
from exportkit.assess.reports import Trends
from exportkit.entry_mode import RuleBook, default_rulebook, recommend_markets
from exportkit.errors import DefinitionError, DocumentProblem, ExportkitError, RenderError
from exportkit.i18n import normalise_lang
from exportkit.markets import ProfileBuilder
from exportkit.match import MatchCriteria, default_criteria, match_demands, plan_meetings
from exportkit.models import (
    Answers,
    Brief,
    BriefMatchmaking,
    Coded,
    Definition,
    DocumentFailure,
    FileFailure,
    Firm,
    FirmReport,
    MatchResult,
    MatchRun,
    MatchSettings,
    Meeting,
    ReadinessScore,
    Recommendation,
    SupplierProfile,
    Text,
)
from exportkit.models.match import MarketModes, ModeScore
from exportkit.questionnaire import load_definition, score_answers, validate_files
from exportkit.questionnaire.vocabulary import vocabulary
from exportkit.render import (
    links_to,
    render_meeting_plan,
    write_html,
    write_matches_json,
    write_matches_xlsx,
    write_meetings_xlsx,
    write_pdf,
    write_portfolio,
)
from exportkit.render.labels import labels
from exportkit.safe_output import TakenNames, check_output_target, staged_folder, unique_name
from exportkit.store import open_store, shown_target

# progress(description, total) → context manager yielding advance(n=1), as run_assessment's
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


def checked_criteria(book: MatchCriteria) -> MatchCriteria:
    """``book``, refused with a ``DefinitionError`` if its certification hints name an id the
    shared certification vocabulary (both questionnaires' list) does not know."""
    known = {o.value for o in vocabulary("certifications")}
    unknown = sorted(set(book.certification_hints) - known)
    if unknown:
        raise DefinitionError(
            f"{book.path or 'match criteria'}: certification hints for {', '.join(unknown)}, "
            "which the certification vocabulary does not list",
            zh=f"{book.path or '媒合準則'}：{'、'.join(unknown)} 的認證提示不在認證詞彙表中",
        )
    return book


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
                wrong_kind(
                    a.file,
                    "a firm's questionnaire; this workbook is a market-demand survey: give it "
                    "after --demand",
                    "企業問卷；此檔案為海外市場需求調查，請放在 --demand 之後",
                    d.id,
                )
            )
        elif not d.scored or a.firm is None or not d.driver_types:
            failures.append(
                wrong_kind(
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


def _coded_choice(definition: Definition, firm_field: str, value: str | None) -> Coded | None:
    if value is None:
        return None
    item = next((i for i in definition.items if i.firm_field == firm_field), None)
    option = next((o for o in item.options if o.value == value), None) if item else None
    return Coded(value, option.label if option else Text(value, value))


def _named(id_: str, label: Text | None) -> Coded:
    return Coded(id_, label or Text(id_, id_))


def supplier_profile(item: _Firm, key: str, book: MatchCriteria) -> SupplierProfile:
    """What the matcher needs of one firm, every label included: band and driver type as the
    firm's questionnaire names them, entry modes and theme as the rule book that advised it."""
    firm, score, d = item.firm, item.score, item.definition
    spare = None
    answer = item.answers.get(book.capacity_item)
    if answer is not None and firm.revenue_ntd is not None:
        share = book.spare_share.get(int(answer))
        if share is not None:
            spare = firm.revenue_ntd * share / book.ntd_per_usd
    band = next((b for b in d.bands if b.id == score.band), None)
    driver = next((t for t in d.driver_types if t.id == score.driver_type), None)
    first = item.recommendations[0] if item.recommendations else None
    modes = tuple(
        MarketModes(
            iso3=rec.iso3,
            ranked=tuple(ModeScore(_named(m.mode, m.label), m.score) for m in rec.entry_modes),
            excluded=rec.fit.excluded,
            note=rec.staged_path if rec.fit.excluded else None,
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
        theme=_named(first.theme, first.theme_label) if first and first.theme else None,
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
    lang = normalise_lang(lang)
    fmt = parse_formats(formats)
    book = checked_criteria(criteria or default_criteria())
    rulebook = rules or default_rulebook()
    progress = progress or _no_progress
    firm_inputs, demand_inputs = [str(p) for p in firms], [str(p) for p in demands]
    out = Path(outdir)
    check_output_target(out)  # before any work: a file or the working folder is refused
    firm_paths, failures = expand_inputs(firm_inputs, exclude=[out])
    demand_paths, demand_failures = expand_inputs(demand_inputs, exclude=[out])
    failures += demand_failures
    read_firms, firm_failures = _read_firms(firm_paths, book, progress) if firm_paths else ([], [])
    read, bad_demands = read_demands(demand_paths, book, progress) if demand_paths else ([], [])
    failures += firm_failures + bad_demands
    markets = tuple(dict.fromkeys((*countries.NSB18, *(d.country for d in read))))
    want_documents = any(f in fmt for f in ("html", "pdf"))

    taken = TakenNames()
    with open_store(db) as store:
        data = ProfileBuilder(store, markets, [f.firm.hs_codes for f in read_firms])
        advised = []
        texts: dict = {}  # reasons the firms share (same HS codes, same market data)
        with progress("Recommending", len(read_firms)) as advance:
            for item in read_firms:
                profiles = [data.profile(iso3, item.firm.hs_codes) for iso3 in markets]
                recs = recommend_markets(item.firm, item.score, profiles, rulebook, texts=texts)
                advised.append(replace(item, recommendations=tuple(recs)))
                advance()
        suppliers = [
            supplier_profile(
                item, unique_name(item.score.firm or item.firm.name, taken, "firm"), book
            )
            for item in advised
        ]
        with progress("Matching", 1) as advance:
            result = match_demands(suppliers, read, book)
            planned = plan_meetings(result, book) if meetings else ()
            advance()
        reports = []
        if want_documents:
            reports = _firm_reports(result, planned, advised, suppliers, data, Trends(store), lang)

    run = MatchRun(
        result=result,
        demands=tuple(read),
        meetings=planned,
        failures=failures,
        settings=MatchSettings(
            firm_inputs=tuple(firm_inputs),
            demand_inputs=tuple(demand_inputs),
            lang=lang,
            formats=fmt,
            meetings=meetings,
            database=shown_target(db),
            rules_version=rulebook.version,
        ),
        generated_at=datetime.now(UTC).replace(microsecond=0),
    )
    definitions = {item.definition.id: item.definition for item in advised}
    definition = next(iter(definitions.values())) if len(definitions) == 1 else None
    with staged_folder(out) as stage:
        _write_outputs(run, stage, out, reports, definition, workers=workers, progress=progress)
    run.outputs = _rebased(run.outputs, stage, out)
    return run


def _rebased(outputs: dict[str, Path], stage: Path, out: Path) -> dict[str, Path]:
    """The outputs' paths in the output folder the staging folder became."""
    return {key: out / Path(path).relative_to(stage) for key, path in outputs.items()}


def _firm_reports(
    result: MatchResult,
    planned: tuple[Meeting, ...],
    advised: list[_Firm],
    suppliers: list[SupplierProfile],
    data: ProfileBuilder,
    trends: Trends,
    lang: str,
) -> list[FirmReport]:
    """One ``FirmReport`` per firm with a proposed match: its briefs for those markets."""
    sections = brief_sections(result, planned)
    reports = []
    for item, supplier in zip(advised, suppliers, strict=True):
        briefs = tuple(
            Brief(
                item.firm,
                item.score,
                rec,
                with_market_facts(data.profile(rec.iso3, item.firm.hs_codes)),
                lang,
                trend=trends(rec.iso3, item.firm.hs_codes),
                markets_assessed=len(item.recommendations),
                matchmaking=sections[(supplier.key, rec.iso3)],
            )
            for rec in item.recommendations
            if (supplier.key, rec.iso3) in sections
        )
        if briefs:
            reports.append(FirmReport(item.score, item.firm, briefs, folder=supplier.key))
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


def _document_failure(rel: str, error: str, error_zh: str | None = None) -> DocumentFailure:
    return DocumentFailure(rel, (DocumentProblem(rel, error, error_zh),))


def _write_outputs(
    run: MatchRun,
    out: Path,
    final: Path,
    reports: list[FirmReport],
    definition: Definition | None,
    *,
    workers: int | None,
    progress: Progress,
) -> None:
    """Every output in order: the workbooks, the meeting plan and briefs, then matches.json
    (last, so that it lists every document that failed). ``out`` is the staging folder that
    becomes ``final``; matches.json names the outputs as they will be."""
    fmt = run.settings.formats
    lang = run.settings.lang
    if "xlsx" in fmt:
        run.outputs["xlsx"] = write_matches_xlsx(run, out / "matches.xlsx")
        if run.settings.meetings:
            run.outputs["meetings_xlsx"] = write_meetings_xlsx(run, out / "meetings.xlsx")
    if any(f in fmt for f in ("html", "pdf")):
        if run.settings.meetings:
            html = render_meeting_plan(run, lang)
            if "html" in fmt:
                run.outputs["meetings_html"] = write_html(html, out / "meetings.html")
            if "pdf" in fmt:
                try:
                    run.outputs["meetings_pdf"] = write_pdf(html, out / "meetings.pdf")
                except RenderError as exc:
                    run.document_failures.append(
                        _document_failure("meetings.pdf", str(exc), exc.message("zh-TW"))
                    )
        result = write_portfolio(
            reports,
            out,
            [f for f in fmt if f in ("html", "pdf")],
            lang,
            workers=workers,
            stage_progress=progress,
            generated_on=run.generated_at.date(),
            definition=definition,
            links=links_to(_planned_names(run)),
            title=labels(lang).matches_title,
        )
        run.outputs["index"] = result.index
        for failed in result.failures:
            rel = Path(failed.path).relative_to(out).as_posix()
            run.document_failures.append(
                _document_failure(rel, failed.error or "unknown error", failed.error_zh)
            )
    if "json" in fmt:
        staged = run.outputs
        run.outputs = {**_rebased(staged, out, final), "json": final / "matches.json"}
        write_matches_json(run, out / "matches.json")
        run.outputs = {**staged, "json": out / "matches.json"}
