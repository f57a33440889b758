"""A batch's documents on disk: ``OUTDIR/index.html`` and, per firm, ``OUTDIR/<firm>/`` with
its readiness report and one brief per target market, as HTML and/or PDF.

This is what ``exportkit assess --format html,pdf`` writes. HTML is rendered in this process
(milliseconds per document); PDFs go to :func:`~exportkit.render.batch.render_batch`, across
all cores. A PDF that fails is reported in the result; the rest of the batch completes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from exportkit.errors import UsageError
from exportkit.models import Firm, ReadinessScore
from exportkit.render.batch import JobResult, RenderJob, render_batch
from exportkit.render.filenames import unique_name
from exportkit.render.html import IndexRow, render_brief, render_index, render_readiness
from exportkit.render.pdf import write_html
from exportkit.render.workbook_brief import FORMATS, BriefInputs


@dataclass(frozen=True, slots=True)
class FirmReport:
    """One firm's documents: its score, profile, previous assessment and country briefs."""

    score: ReadinessScore
    firm: Firm | None = None
    briefs: tuple[BriefInputs, ...] = ()
    previous: ReadinessScore | None = None


@dataclass(slots=True)
class PortfolioResult:
    """What was written, and the PDFs that failed (with their error)."""

    index: Path | None
    written: list[Path] = field(default_factory=list)
    failures: list[JobResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def write_portfolio(
    reports: Sequence[FirmReport],
    outdir: str | os.PathLike[str],
    formats: Iterable[str] = ("html",),
    lang: str = "zh-TW",
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    generated_on: date | None = None,
) -> PortfolioResult:
    """Write every firm's readiness report and briefs, and the portfolio ``index.html``.

    Folder names come from firm names made safe (:func:`~exportkit.render.unique_name`): no
    path separators, no ``..``, and two firms whose names differ only by punctuation never
    share a folder. ``progress(n)`` is called per PDF finished.
    """
    wanted = {f.strip().lower() for f in formats if f.strip()}
    if not wanted or wanted - set(FORMATS):
        raise UsageError(f"unknown format {', '.join(sorted(wanted - set(FORMATS))) or '(none)'}")
    out = Path(outdir)
    taken: set[str] = set()
    result = PortfolioResult(index=None)
    jobs: list[RenderJob] = []
    rows: list[IndexRow] = []

    def emit(html: str, path: Path) -> str:
        if "html" in wanted:
            result.written.append(write_html(html, path.with_suffix(".html")))
        if "pdf" in wanted:
            jobs.append(RenderJob(html, path.with_suffix(".pdf")))
        ext = ".html" if "html" in wanted else ".pdf"
        return path.relative_to(out).with_suffix(ext).as_posix()

    for report in reports:
        name = report.firm.name if report.firm else report.score.firm
        folder = out / unique_name(name, taken, fallback="firm")
        readiness = render_readiness(
            report.score, report.firm, lang, previous=report.previous, generated_on=generated_on
        )
        readiness_href = emit(readiness, folder / "readiness")
        brief_links = []
        for inputs in report.briefs:
            iso3 = inputs.brief.market.country.iso3
            html = render_brief(
                inputs.brief,
                lang=lang,
                trend=inputs.trend,
                trade_source=inputs.trade_source,
                generated_on=generated_on,
            )
            brief_links.append((iso3, emit(html, folder / iso3)))
        top = report.briefs[0].brief.market.country.iso3 if report.briefs else None
        rows.append(IndexRow(report.score, report.firm, readiness_href, tuple(brief_links), top))

    result.index = write_html(
        render_index(rows, lang, generated_on=generated_on), out / "index.html"
    )
    result.written.append(result.index)
    for job_result in render_batch(jobs, workers=workers, progress=progress):
        (result.written if job_result.ok else result.failures).append(
            job_result.path if job_result.ok else job_result
        )
    return result
