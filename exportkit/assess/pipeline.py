"""``run_assessment``: workbooks in; results.json, portfolio.xlsx and HTML/PDF reports out.

Import → validate → score (the questionnaire engine), rank the markets once and build each
firm's market profiles for its HS codes (markets), fit and recommend per firm × market
(entry_mode), compare with the firm's previous assessment (store), write the outputs (render)
into a staging folder that then replaces the output folder whole (the reports first, so a PDF
that fails is listed in results.json, then results.json and portfolio.xlsx), and only then
store this assessment in the history. One bad workbook or one failed PDF is reported and the
rest complete; an interrupted or failed write leaves the previous output and history as they
were.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from exportkit import countries
from exportkit.assess.inputs import expand_inputs, parse_formats
from exportkit.assess.reports import DEFAULT_BRIEFS, Trends, firm_report
from exportkit.beside import beside
from exportkit.entry_mode import RuleBook, default_rulebook, recommend_markets
from exportkit.entry_mode.factors import market_facts
from exportkit.errors import (
    DocumentProblem,
    InputProblem,
    UsageError,
    WorkbookError,
    WorkbookErrors,
)
from exportkit.gc_pause import collector_paused
from exportkit.i18n import normalise_lang
from exportkit.markets import ProfileBuilder
from exportkit.models import (
    Answers,
    AssessmentRun,
    DocumentFailure,
    FileFailure,
    Firm,
    FirmAssessment,
    FirmReport,
    MarketProfile,
    MarketSummary,
    ReadinessScore,
    Recommendation,
    RunSettings,
)
from exportkit.questionnaire import FIRM_QUESTIONNAIRE, load_definition
from exportkit.render import write_portfolio, write_results, write_workbook
from exportkit.render.related import IndexLink, related_documents
from exportkit.safe_output import TakenNames, check_output_target, staged_folder, unique_name
from exportkit.store import open_store, shown_target
from exportkit.store.snapshot import metadata as snapshot_metadata

# progress(description, total) → context manager yielding advance(n=1); the CLI passes
# ``Feedback.progress``. Library callers may pass nothing.
Progress = Callable[[str, int], Any]


@contextmanager
def _no_progress(description: str, total: int) -> Iterator[Callable[..., None]]:
    yield lambda n=1: None


def _score(paths: list[Path], fail_fast: bool, progress: Progress):
    from exportkit.questionnaire import score_files

    if fail_fast:
        # Stop at the first workbook that does not import: read them one by one first; the
        # batch below then scores them together (percentiles are computed within a batch).
        with progress("Checking", len(paths)) as advance:
            for path in paths:
                one = score_files([path])
                if one.failures:
                    raise _as_error(one.failures[0])
                advance()
    with progress("Scoring", len(paths)) as advance:
        batch = score_files(paths, progress=advance)
    results, answers, failures = list(batch.results), list(batch.answers), list(batch.failures)
    return results, answers, failures


def _json_langs(choice: str | None, lang: str) -> tuple[str, ...]:
    if choice is None:
        return (lang,)
    if choice == "both":
        return ("zh-TW", "en")
    if choice not in ("zh-TW", "en"):
        raise UsageError(
            f"--json-lang must be zh-TW, en or both, not {choice!r}",
            zh=f"--json-lang 須為 zh-TW、en 或 both，而非 {choice!r}。",
        )
    return (choice,)


def _as_error(failure: FileFailure) -> Exception:
    """One exception carrying every problem of a failed file (for --fail-fast)."""
    problems = list(failure.problems)
    if len(problems) > 1 and all(isinstance(p, WorkbookError) for p in problems):
        return WorkbookErrors(failure.file, problems)
    return problems[0]


def _not_export_readiness(score: ReadinessScore) -> InputProblem:
    return InputProblem(
        score.file,
        f"this workbook is the {score.definition_id!r} questionnaire; assessing markets and "
        "entry modes needs the export-readiness questionnaire",
        zh=f"此檔案為「{score.definition_id}」問卷，市場與進入模式評估需要出口整備度問卷"
        f"（{FIRM_QUESTIONNAIRE}）",
    )


def _firm_of(score: ReadinessScore, answers: Answers | None) -> Firm:
    if answers is not None and answers.firm is not None:
        return answers.firm
    return Firm(name=score.firm, tax_id=score.tax_id)


def run_assessment(
    inputs: Iterable[str | Path],
    markets: str | Iterable[str] = "nsp18",
    lang: str = "en",
    formats: str | Iterable[str] = ("json", "xlsx"),
    outdir: str | Path = "exportkit-output",
    db: str | Path | None = None,
    fail_fast: bool = False,
    progress: Progress | None = None,
    *,
    assessed_on: date | None = None,
    rules: RuleBook | None = None,
    briefs: int = DEFAULT_BRIEFS,
    workers: int | None = None,
    json_lang: str | None = None,
    fetch: Callable[[list[str], list[tuple[str, ...]]], object] | None = None,
) -> AssessmentRun:
    """Assess every firm in ``inputs`` (workbooks or folders) against ``markets``.

    Args:
        inputs: workbook files and/or folders (searched recursively for .xlsx).
        markets: ``"nsp6"``, ``"nsp18"``, a comma list (``"TH,VN"``) or ISO3 codes.
        lang: language of the portfolio workbook, of error messages and, unless
            ``json_lang`` says otherwise, of results.json (zh-TW or en).
        formats: any of ``json``, ``xlsx``, ``html``, ``pdf``. html/pdf write
            ``OUTDIR/index.html`` and, per firm, ``OUTDIR/<firm>/readiness`` and
            ``OUTDIR/<firm>/<ISO3>`` (one country brief per target market).
        outdir: folder for results.json, portfolio.xlsx, firms/<name>.json and the reports.
        db: market database path (default: $EXPORTKIT_DB, else the user data folder).
        fail_fast: stop at the first workbook that fails, raising its error.
        progress: ``progress(description, total)`` context manager yielding ``advance()``.
        assessed_on: the assessment date for history (default: the workbook's, else today).
        rules: a calibrated rule book (default: the shipped one); every output names entry
            modes and themes as this book does.
        briefs: country briefs per firm (html/pdf): its ``briefs`` best-fitting markets,
            plus any assessed market the firm named as a target.
        workers: processes rendering PDFs (default: every core).
        json_lang: the language of results.json and firms/*.json: ``zh-TW``, ``en`` or
            ``both`` (default: ``lang``).
        fetch: called as ``fetch(markets, [each firm's HS codes])`` once the batch is scored
            and before the market database is read, to fill its product gaps (the CLI's
            ``--fetch-missing`` passes ``exportkit.ingest.fetch.MissingFetcher``).

    Returns an ``AssessmentRun``; ``run.ok`` is False when any input or document failed.

    >>> import tempfile
    >>> from exportkit.resources import examples_dir
    >>> out = tempfile.mkdtemp()
    >>> run = run_assessment([str(examples_dir())], markets="TH,VN", outdir=out,
    ...                      db=f"{out}/market.duckdb")
    >>> run.ok, len(run.firms), sorted(run.outputs)
    (True, 6, ['firms', 'json', 'xlsx'])
    """
    with collector_paused():  # a batch's results are long-lived, not garbage (gc_pause)
        lang = normalise_lang(lang)
        json_langs = _json_langs(json_lang, lang)
        fmt = parse_formats(formats)
        spec = markets if isinstance(markets, str) else ",".join(markets)
        market_list = countries.resolve_markets(spec)
        progress = progress or _no_progress
        book = rules or default_rulebook()
        given = [str(p) for p in inputs]
        if briefs < 0:
            raise UsageError("--briefs must be 0 or more", zh="--briefs 不可為負數。")
        out = Path(outdir)
        check_output_target(out)  # before any work: a file or the working folder is refused
        paths, failures = expand_inputs(given, exclude=[out])
        if failures and fail_fast:
            raise _as_error(failures[0])

        results, answers, score_failures = (
            _score(paths, fail_fast, progress) if paths else ([], [], [])
        )
        failures += score_failures
        # Only the export-readiness questionnaire describes a firm the market engine can advise;
        # another questionnaire (e.g. the ecosystem evaluation) is reported, not misread.
        other = [r for r in results if r.definition_id != FIRM_QUESTIONNAIRE]
        if other and fail_fast:
            raise _not_export_readiness(other[0])
        failures += [FileFailure(r.file, (_not_export_readiness(r),)) for r in other]
        results = [r for r in results if r.definition_id == FIRM_QUESTIONNAIRE]
        results, duplicates = _without_shared_tax_ids(results)
        if duplicates and fail_fast:
            raise duplicates[0].problems[0]
        failures += duplicates
        by_file = {a.file: a for a in answers}
        pairs = [(r, by_file.get(r.file)) for r in results]
        firms = [_firm_of(r, a) for r, a in pairs]
        today = assessed_on or date.today()
        want_reports = any(f in fmt for f in ("html", "pdf"))
        reports: list[FirmReport] = []
        if fetch is not None and firms:
            fetch(list(market_list), [tuple(f.hs_codes) for f in firms])

        with open_store(db) as store:
            data = ProfileBuilder(store, market_list, [f.hs_codes for f in firms])
            dates = [
                assessed_on or (ans.assessed_on if ans and ans.assessed_on else today)
                for _, ans in pairs
            ]
            # history: one query for every firm's previous assessment, one write for all of them
            previous_by_key = store.previous_assessments(
                [(s.tax_id, d) for (s, _), d in zip(pairs, dates, strict=True) if s.tax_id],
                FIRM_QUESTIONNAIRE,
            )
            profiles_of = [
                tuple(data.profile(iso3, firm.hs_codes) for iso3 in market_list) for firm in firms
            ]
            snapshot = snapshot_metadata()
            vintage = data.vintage(
                str(snapshot.get("version")) if snapshot else None, store.meta("snapshot_loaded")
            )
            facts = market_facts()
            summaries = tuple(
                MarketSummary(
                    data.profile(iso3),
                    facts.countries.get(iso3),
                    f"exportkit/data/market_factors.yaml {facts.version}",
                )
                for iso3 in market_list
            )
        # the database is closed first: a forked child then copies none of its threads
        recs_of = _recommend_all(pairs, firms, profiles_of, book, progress)
        assessed: list[FirmAssessment] = []
        taken = TakenNames()
        to_save: list[tuple[ReadinessScore, date]] = []
        # the reports' import trends are read from the database again
        with open_store(db) if want_reports else nullcontext() as store:
            trends = Trends(store) if want_reports else None
            for (score, ans), firm, when, profiles, recs in zip(
                pairs, firms, dates, profiles_of, recs_of, strict=True
            ):
                previous = previous_by_key.get((score.tax_id, when))
                to_save.append((score, when))
                # one name per firm: firms/<name>.json and the <name>/ report folder
                stem = unique_name(score.firm or firm.name, taken, fallback="firm")
                if trends is not None:
                    reports.append(
                        firm_report(
                            firm,
                            score,
                            recs,
                            {p.country.iso3: p for p in profiles},
                            trends,
                            lang=lang,
                            top=briefs,
                            previous=previous,
                            folder=stem,
                        )
                    )
                assessed.append(
                    FirmAssessment(
                        firm=firm,
                        readiness=score,
                        answers=ans,
                        recommendations=tuple(recs),
                        assessed_on=when,
                        previous=previous,
                        output_name=f"firms/{stem}.json",
                        markets=profiles,
                    )
                )

        run = AssessmentRun(
            firms=assessed,
            failures=failures,
            settings=RunSettings(
                inputs=tuple(given),
                markets=tuple(market_list),
                markets_spec=spec,
                lang=lang,
                formats=tuple(fmt),
                briefs=briefs,
                database=shown_target(db),
                fail_fast=fail_fast,
                rules_version=book.version,
                market_factors_version=facts.version,
                json_langs=json_langs,
            ),
            data_vintage=vintage,
            scores=data.scores,
            markets=summaries,
            generated_at=datetime.now(UTC).replace(microsecond=0),
            definition=load_definition(FIRM_QUESTIONNAIRE),
            indicator_codes=tuple(
                dict.fromkeys(c for f in book.factors.values() for c in f.indicator_codes)
            ),
        )
        with staged_folder(out) as stage:
            # the index links the match outputs beside it in the real folder (carried over)
            links = related_documents(out)
            _write_outputs(
                run, stage, fmt, reports, workers=workers, progress=progress, links=links
            )
        run.outputs = {
            key: out / Path(path).relative_to(stage) for key, path in run.outputs.items()
        }
        # history last: a run whose outputs could not be written leaves the history as it was;
        # one write for the whole batch (per-firm upserts cost ~10 ms each)
        with open_store(db) as store, store.transaction():
            store.save_assessments(to_save)
        return run


# firm × market recommendations from which part of the firms are recommended in a forked
# process (below, the fork and the pickling cost more than they save): 100 firms × 18 markets
SPLIT_MIN_ROWS = 1800
# the share of the firms this process recommends itself: the child also pickles its part
# (~0.8 ms a firm against ~2.4 ms to recommend it) and this process loads it (~0.6 ms), so
# the two finish together near 57 % (at one half this process waited 0.7–0.8 s of 1.9 s)
OWN_SHARE = 0.57


def _recommend_all(
    pairs: list[tuple[ReadinessScore, Answers | None]],
    firms: list[Firm],
    profiles_of: list[tuple[MarketProfile, ...]],
    book: RuleBook,
    progress: Progress,
) -> list[list[Recommendation]]:
    """Every firm's recommendations; in a large run the last ``1 - OWN_SHARE`` of the firms in
    a forked child (``beside``) while this process does the others: the same recommendations."""

    def recommend(lo: int, hi: int, advance: Callable[..., None]) -> list[list[Recommendation]]:
        texts: dict = {}  # reasons the firms share (same HS codes, same market data)
        out = []
        for i in range(lo, hi):
            out.append(recommend_markets(firms[i], pairs[i][0], profiles_of[i], book, texts=texts))
            advance()
        return out

    n = len(firms)
    with progress("Recommending", n) as advance:
        rows = sum(len(p) for p in profiles_of)
        if rows < SPLIT_MIN_ROWS or n < 2:
            return recommend(0, n, advance)
        split = round(n * OWN_SHARE)
        with beside(lambda: recommend(split, n, lambda n=1: None)) as second:
            first = recommend(0, split, advance)
            rest = second()
        advance(n - split)
        return first + rest


def _without_shared_tax_ids(
    results: list[ReadinessScore],
) -> tuple[list[ReadinessScore], list[FileFailure]]:
    """Workbooks that share a tax ID are refused, every one of them: the history keeps one
    assessment per firm and date, so storing them would silently replace one with another."""
    files: dict[str, list[str]] = {}
    for score in results:
        if score.tax_id:
            files.setdefault(score.tax_id, []).append(score.file)
    shared = {tax_id: names for tax_id, names in files.items() if len(names) > 1}
    failures = []
    for score in results:
        if score.tax_id not in shared:
            continue
        others = [n for n in shared[score.tax_id] if n != score.file]
        problem = InputProblem(
            score.file,
            f"tax ID {score.tax_id} is also in {', '.join(others)}; one workbook per firm in "
            "a batch (not assessed, history unchanged)",
            zh=f"統一編號 {score.tax_id} 也出現在 {'、'.join(others)}；一批中每家企業只能有一份"
            "問卷（未評估，歷史紀錄未變更）",
        )
        failures.append(FileFailure(score.file, (problem,)))
    return [r for r in results if r.tax_id not in shared], failures


def _write_reports(
    run: AssessmentRun,
    out: Path,
    formats: tuple[str, ...],
    reports: list[FirmReport],
    *,
    workers: int | None,
    progress: Progress,
    links: tuple[IndexLink, ...] | None,
) -> None:
    result = write_portfolio(
        reports,
        out,
        [f for f in formats if f in ("html", "pdf")],
        run.settings.lang,
        workers=workers,
        stage_progress=progress,
        generated_on=run.generated_at.date(),
        definition=run.definition,
        links=links,
    )
    run.outputs["index"] = result.index
    run.documents_written = len(result.written) - 1  # the index is not a firm's document
    run.firms = [
        replace(item, documents=tuple(docs))
        for item, docs in zip(run.firms, result.documents, strict=True)
    ]
    for failed in result.failures:
        rel = Path(failed.path).relative_to(out).as_posix()
        problem = DocumentProblem(rel, failed.error or "unknown error", failed.error_zh)
        run.document_failures.append(DocumentFailure(rel, (problem,)))


def _write_outputs(
    run: AssessmentRun,
    out: Path,
    formats: tuple[str, ...],
    reports: list[FirmReport] | None = None,
    *,
    workers: int | None = None,
    progress: Progress = _no_progress,
    links: tuple[IndexLink, ...] | None = None,
) -> None:
    if "html" in formats or "pdf" in formats:
        _write_reports(
            run, out, formats, reports or [], workers=workers, progress=progress, links=links
        )
    both = "json" in formats and "xlsx" in formats
    large = sum(len(item.recommendations) for item in run.firms) >= BESIDE_MIN_ROWS
    workbook = beside if both and large else _after
    xlsx = out / "portfolio.xlsx"
    with workbook(lambda: write_workbook(run, xlsx)) as portfolio:
        if "json" in formats:
            firms_dir = out / "firms"
            firms_dir.mkdir(exist_ok=True)
            run.outputs["json"] = write_results(run, out / "results.json", firms_dir)
            run.outputs["firms"] = firms_dir
        if "xlsx" in formats:
            run.outputs["xlsx"] = portfolio()


# firm × market rows from which portfolio.xlsx is written beside results.json in a forked
# process (below, a fork costs more than it saves): 1,000 firms × 18 markets, each ~2 s
BESIDE_MIN_ROWS = 1800


@contextmanager
def _after(write: Callable[[], Path]) -> Iterator[Callable[[], Path]]:
    yield write
