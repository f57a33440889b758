"""Documents on disk: one brief (:func:`write_brief`, what ``exportkit brief`` writes) or a
batch (:func:`write_portfolio`): ``OUTDIR/index.html`` and, per firm, ``OUTDIR/<firm>/`` with
its readiness report and one brief per target market, as HTML and/or PDF.

The batch is what ``exportkit assess --format html,pdf`` writes. HTML is rendered in this
process (milliseconds per document); PDFs go to :func:`~exportkit.render.batch.render_batch`,
across all cores. A PDF that fails is reported in the result; the rest of the batch completes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from exportkit.errors import UsageError
from exportkit.models import Brief, Definition, Document, FirmReport
from exportkit.render.batch import JobResult, RenderJob, render_batch
from exportkit.render.html import IndexRow, render_brief, render_index, render_readiness
from exportkit.render.pdf import write_html, write_pdf
from exportkit.render.related import IndexLink, related_documents
from exportkit.safe_output import TakenNames, safe_name, unique_name

FORMATS = ("html", "pdf")

# stage_progress(description, total) → context manager yielding advance(n=1): the same
# protocol as ``run_assessment``'s ``progress`` (the CLI draws one bar per stage).
StageProgress = Callable[[str, int], AbstractContextManager[Callable[..., None]]]


@contextmanager
def _no_stage(description: str, total: int) -> Iterator[Callable[..., None]]:
    yield lambda n=1: None


@dataclass(slots=True)
class PortfolioResult:
    """What was written, and the PDFs that failed (with their error)."""

    index: Path | None
    written: list[Path] = field(default_factory=list)
    failures: list[JobResult] = field(default_factory=list)
    # per report, in the order given: its folder and documents (a failed PDF is None)
    folders: list[str] = field(default_factory=list)
    documents: list[list[Document]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def _without(row: IndexRow, failed: frozenset[str]) -> IndexRow:
    """``row`` with no link to a PDF that failed (PDF-only batches link PDFs directly)."""
    return replace(
        row,
        failed_pdfs=failed,
        readiness_href=None if row.readiness_href in failed else row.readiness_href,
        briefs=tuple((iso3, href) for iso3, href in row.briefs if href not in failed),
    )


def write_portfolio(
    reports: Sequence[FirmReport],
    outdir: str | os.PathLike[str],
    formats: Iterable[str] = ("html",),
    lang: str = "zh-TW",
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    stage_progress: StageProgress | None = None,
    generated_on: date | None = None,
    definition: Definition | None = None,
    links: Sequence[IndexLink] | None = None,
    title: str | None = None,
) -> PortfolioResult:
    """Write every firm's readiness report and briefs, and the portfolio ``index.html``.

    Folder names come from firm names made safe (:func:`~exportkit.render.unique_name`): no
    path separators, no ``..``, and two firms whose names differ only by punctuation never
    share a folder (unless ``FirmReport.folder`` names it). ``progress(n)`` is called per PDF
    finished; ``stage_progress(description, total)`` (a context manager yielding
    ``advance(n=1)``) is entered for the stages "Rendering HTML" (per firm) and, when there are
    PDFs to write, "Rendering PDF" (per document). ``definition`` is the questionnaire the
    firms answered (it names their bands, driver types and industries). ``links`` are other
    documents the index lists; ``None``: the match outputs found in a subfolder of OUTDIR
    (:func:`~exportkit.render.related.related_documents`). ``title`` replaces the index's.
    """
    wanted = set(parse_formats(formats))
    out = Path(outdir)
    stage = stage_progress or _no_stage
    taken = TakenNames(r.folder for r in reports if r.folder)
    result = PortfolioResult(index=None)
    jobs: list[RenderJob] = []
    rows: list[IndexRow] = []

    def emit(html: str, path: Path, kind: str, iso3: str | None) -> str:
        rel = path.relative_to(out)
        html_rel = pdf_rel = None
        if "html" in wanted:
            result.written.append(write_html(html, path.with_suffix(".html")))
            html_rel = rel.with_suffix(".html").as_posix()
        if "pdf" in wanted:
            jobs.append(RenderJob(html, path.with_suffix(".pdf")))
            pdf_rel = rel.with_suffix(".pdf").as_posix()
        result.documents[-1].append(Document(kind, iso3, html_rel, pdf_rel))
        return html_rel or pdf_rel or ""

    with stage("Rendering HTML", len(reports)) as advance:
        for report in reports:
            name = report.firm.name if report.firm else report.score.firm
            folder_name = report.folder or unique_name(name, taken, fallback="firm")
            folder = out / folder_name
            result.folders.append(folder_name)
            result.documents.append([])
            readiness = render_readiness(
                report.score,
                report.firm,
                lang,
                previous=report.previous,
                generated_on=generated_on,
                definition=definition,
            )
            readiness_href = emit(readiness, folder / "readiness", "readiness", None)
            brief_links = []
            for brief in report.briefs:
                iso3 = brief.market.country.iso3
                html = render_brief(
                    brief, lang=lang, generated_on=generated_on, definition=definition
                )
                brief_links.append((iso3, emit(html, folder / iso3, "brief", iso3)))
            top = report.briefs[0].market.country.iso3 if report.briefs else None
            rows.append(
                IndexRow(
                    report.score,
                    report.firm,
                    readiness_href,
                    tuple(brief_links),
                    top,
                    pdf="html" in wanted and "pdf" in wanted,
                )
            )
            advance()

    failed: set[str] = set()
    if jobs:
        with stage("Rendering PDF", len(jobs)) as advance:

            def done(n: int = 1) -> None:
                advance(n)
                if progress:
                    progress(n)

            for job_result in render_batch(jobs, workers=workers, progress=done):
                if job_result.ok:
                    result.written.append(job_result.path)
                else:
                    result.failures.append(job_result)
                    failed.add(Path(job_result.path).relative_to(out).as_posix())
    # written last, so that it never links a PDF that failed
    gone = frozenset(failed)
    rows = [_without(r, gone) for r in rows]
    if links is None:
        links = related_documents(out)
    result.index = write_html(
        render_index(
            rows, lang, title=title, generated_on=generated_on, definition=definition, links=links
        ),
        out / "index.html",
    )
    result.written.append(result.index)
    if failed:
        # a PDF that failed is not offered as a document (its error is in ``failures``)
        result.documents = [
            [d if d.pdf not in failed else Document(d.kind, d.iso3, d.html, None) for d in docs]
            for docs in result.documents
        ]
    return result


def parse_formats(formats: Iterable[str] | str) -> list[str]:
    """``"html,pdf"`` → ``["html", "pdf"]``; an unknown or empty list is a ``UsageError``."""
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    wanted = list(dict.fromkeys(f.strip().lower() for f in items if f.strip()))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        shown = ", ".join(unknown) or "(none)"
        raise UsageError(
            f"unknown format {shown}: use html, pdf or html,pdf",
            zh=f"不支援的格式：{', '.join(unknown) or '（空白）'}；可用 html、pdf 或 html,pdf。",
        )
    return wanted


def write_brief(
    brief: Brief,
    outdir: str | os.PathLike[str],
    formats: Iterable[str] | str = ("html",),
    *,
    generated_on: date | None = None,
    definition: Definition | None = None,
) -> list[Path]:
    """Write one brief as ``OUTDIR/<firm>-<ISO3>.html`` and/or ``.pdf``; returns the paths."""
    wanted = parse_formats(formats)
    html = render_brief(brief, generated_on=generated_on, definition=definition)
    stem = f"{safe_name(brief.firm.name, 'firm')}-{brief.market.country.iso3}"
    written = []
    if "html" in wanted:
        written.append(write_html(html, Path(outdir) / f"{stem}.html"))
    if "pdf" in wanted:
        written.append(write_pdf(html, Path(outdir) / f"{stem}.pdf"))
    return written
