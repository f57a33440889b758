"""Every writer of exportkit's outputs, reading only the model (``exportkit.models``).

Documents: :func:`render_readiness`, :func:`render_brief`, :func:`render_index` (HTML strings,
``html``; what each shows is computed in ``views/``), :func:`write_html`, :func:`write_pdf`
(``pdf``), :func:`render_batch` (PDFs in parallel, ``batch``), :func:`write_brief` and
:func:`write_portfolio` (one brief, or a batch with its index.html, ``documents``).
Data: :func:`write_results` (results.json, ``results``), :func:`write_workbook`
(portfolio.xlsx, ``xlsx``). A match run (``exportkit match``): :func:`write_matches_json`
(``matches_json``), :func:`write_matches_xlsx` and :func:`write_meetings_xlsx`
(``matches_xlsx``), :func:`render_meeting_plan` (``html``), the brief's matchmaking section
(``views/matchmaking``) and the index's links to these (``related``). Output file names come
from :mod:`exportkit.safe_output`.

>>> from exportkit.models import ReadinessScore
>>> score = ReadinessScore("export-readiness", "acme.xlsx", "Acme", None, 62.0, "export_potential", {})
>>> html = render_readiness(score, lang="en")
>>> html.startswith("<!DOCTYPE html>"), "Acme" in html
(True, True)
>>> write_pdf(html, "out/acme/readiness.pdf")
PosixPath('out/acme/readiness.pdf')
"""

from exportkit.render.batch import JobResult, RenderJob, render_batch
from exportkit.render.documents import PortfolioResult, write_brief, write_portfolio
from exportkit.render.html import (
    IndexRow,
    render_brief,
    render_index,
    render_meeting_plan,
    render_readiness,
)
from exportkit.render.matches_json import matches_schema, validate_matches, write_matches_json
from exportkit.render.matches_xlsx import write_matches_xlsx, write_meetings_xlsx
from exportkit.render.pdf import pdf_bytes, write_html, write_pdf
from exportkit.render.related import IndexLink, links_to, related_documents
from exportkit.render.results import build_results, results_schema, validate_results, write_results
from exportkit.render.trend import TrendLike
from exportkit.render.xlsx import write_workbook

__all__ = [
    "IndexLink",
    "IndexRow",
    "JobResult",
    "PortfolioResult",
    "RenderJob",
    "TrendLike",
    "build_results",
    "links_to",
    "matches_schema",
    "pdf_bytes",
    "render_batch",
    "render_brief",
    "render_index",
    "render_meeting_plan",
    "render_readiness",
    "related_documents",
    "results_schema",
    "validate_matches",
    "validate_results",
    "write_brief",
    "write_html",
    "write_matches_json",
    "write_matches_xlsx",
    "write_meetings_xlsx",
    "write_pdf",
    "write_portfolio",
    "write_results",
    "write_workbook",
]
