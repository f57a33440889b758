"""Rendering of reports: one Jinja2 environment, charts, self-contained HTML and PDF.

>>> from exportkit.render import render_brief, write_pdf          # doctest: +SKIP
>>> html = render_brief(brief, trend=fit, trade_source=provenance)  # doctest: +SKIP
>>> write_pdf(html, "out/acme/THA.pdf")                              # doctest: +SKIP

Public API: :func:`render_readiness`, :func:`render_brief`, :func:`render_index` (HTML strings),
:func:`write_html`, :func:`write_pdf`, :func:`render_batch` (PDFs in parallel),
:func:`write_portfolio` (a batch: index.html and every firm's documents). Output file names
come from :mod:`exportkit.safe_output` (``safe_name``, ``unique_name``).
"""

from exportkit.render.batch import JobResult, RenderJob, render_batch
from exportkit.render.html import IndexRow, render_brief, render_index, render_readiness
from exportkit.render.pdf import pdf_bytes, write_html, write_pdf
from exportkit.render.portfolio import FirmReport, PortfolioResult, write_portfolio
from exportkit.render.trend import TrendLike

__all__ = [
    "FirmReport",
    "IndexRow",
    "PortfolioResult",
    "JobResult",
    "RenderJob",
    "TrendLike",
    "pdf_bytes",
    "render_batch",
    "render_brief",
    "render_index",
    "render_readiness",
    "write_html",
    "write_pdf",
    "write_portfolio",
]
