"""Render the three documents to self-contained HTML strings.

Each string is a whole document: CSS inlined, charts as ``data:`` SVG images, no external
URL, a Content-Security-Policy that forbids fetching anything. The same HTML goes to
WeasyPrint for the PDF (:func:`exportkit.render.pdf.write_pdf`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from jinja2 import TemplateError

from exportkit.errors import RenderError
from exportkit.i18n import normalise_lang
from exportkit.models import Brief, Firm, Provenance, ReadinessScore
from exportkit.models.match import BriefMatchmaking
from exportkit.render import charts, formatting
from exportkit.render.definition import band_label, band_rank, choice_label
from exportkit.render.documents import band_class, brief_view, readiness_view
from exportkit.render.environment import environment
from exportkit.render.labels import Labels, labels
from exportkit.render.matchmaking import matchmaking_view
from exportkit.render.related import IndexLink


def _render(template: str, **context: object) -> str:
    try:
        return environment().get_template(template).render(**context)
    except TemplateError as exc:
        # A template bug or a label missing from labels.yaml: fail loudly, never ship half a page.
        raise RenderError(f"cannot render {template}: {exc}") from exc


def render_readiness(
    score: ReadinessScore,
    firm: Firm | None = None,
    lang: str = "zh-TW",
    *,
    previous: ReadinessScore | None = None,
    generated_on: date | None = None,
) -> str:
    """The firm's export-readiness report as one HTML document.

    ``previous`` is the firm's previous assessment (``Store.previous_assessment``), shown as the
    change per dimension. ``score.percentile`` is shown when the batch filled it in.

    >>> html = render_readiness(score, firm, "en")  # doctest: +SKIP
    """
    lang = normalise_lang(lang)
    view = readiness_view(score, firm, lang, previous=previous, generated_on=generated_on)
    return _render("readiness.html.j2", view=view, lang=lang, title=view.title)


def render_brief(
    brief: Brief | Sequence[Brief],
    *,
    lang: str | None = None,
    trend: object | None = None,
    trade_source: Provenance | None = None,
    trends: Sequence[object | None] | None = None,
    trade_sources: Sequence[Provenance | None] | None = None,
    generated_on: date | None = None,
    markets_assessed: int | None = None,
    matchmaking: BriefMatchmaking | Sequence[BriefMatchmaking | None] | None = None,
) -> str:
    """A country brief (one ``Brief``), or one document with several countries and a table of
    contents (a sequence of ``Brief`` for the same firm).

    ``trend`` is the import-trend fit for the firm's HS codes in that market (an
    ``exportkit.analytics.trends.fit_trend`` result, or any :class:`~exportkit.render.trend.TrendLike`);
    ``trade_source`` is the provenance of the trade figures. For several briefs pass ``trends``
    and ``trade_sources`` in the same order. ``lang`` defaults to ``brief.lang``.
    ``markets_assessed``: how many markets the firm was assessed against (the brief then
    states the market's fit rank among them). ``matchmaking`` (``exportkit match``) adds the
    section of the overseas demands the firm is proposed for in that market (one per brief);
    without it the brief is unchanged.
    """
    briefs = [brief] if isinstance(brief, Brief) else list(brief)
    if not briefs:
        raise RenderError("render_brief needs at least one Brief")
    if trends is None:
        trends = [trend] + [None] * (len(briefs) - 1)
    if trade_sources is None:
        trade_sources = [trade_source] * len(briefs)
    lang = normalise_lang(lang or briefs[0].lang)
    views = [
        brief_view(
            b,
            trend=t,
            trade_source=s,
            generated_on=generated_on,
            lang=lang,
            markets_assessed=markets_assessed,
        )
        for b, t, s in zip(briefs, trends, trade_sources, strict=True)
    ]
    title = (
        views[0].title if len(views) == 1 else f"{views[0].L.brief_title} — {briefs[0].firm.name}"
    )
    sections = matchmaking if isinstance(matchmaking, Sequence) else [matchmaking] * len(briefs)
    matchmaking_views = [matchmaking_view(m, lang) if m else None for m in sections]
    return _render(
        "brief.html.j2", views=views, lang=lang, title=title, matchmaking=matchmaking_views
    )


@dataclass(frozen=True, slots=True)
class IndexRow:
    """One firm of the portfolio index, with links relative to ``index.html``."""

    score: ReadinessScore
    firm: Firm | None = None
    readiness_href: str | None = None
    briefs: tuple[tuple[str, str], ...] = ()  # (ISO3, href)
    top_market: str | None = None  # ISO3
    pdf: bool = False  # each .html linked has a .pdf beside it (linked too) …
    failed_pdfs: frozenset[str] = frozenset()  # … except these (PDF hrefs that failed)


@dataclass(slots=True)
class _Row:
    name: str
    tax_id: str | None
    industry: str | None
    overall: float
    band: str
    band_label: str
    band_class: str
    band_order: int
    top_market: str | None
    readiness_href: str | None
    briefs: list[tuple[str, str]] = field(default_factory=list)
    readiness_pdf: str | None = None
    brief_pdfs: list[str | None] = field(default_factory=list)


@dataclass(slots=True)
class _IndexView:
    L: Labels
    mean_index: float | None
    title: str
    rows: list[_Row]
    bands: list[dict]
    band_chart: str
    generated_on: date
    links: list[tuple[str, str]] = field(default_factory=list)  # other documents: (label, href)


def _pdf_of(row: IndexRow, href: str | None) -> str | None:
    if not row.pdf or not href or not href.endswith(".html"):
        return None
    pdf = href[: -len(".html")] + ".pdf"
    return None if pdf in row.failed_pdfs else pdf


def render_index(
    rows: Sequence[IndexRow],
    lang: str = "zh-TW",
    *,
    title: str | None = None,
    generated_on: date | None = None,
    links: Sequence[IndexLink] = (),
) -> str:
    """The portfolio ``index.html``: a sortable, filterable table of firms and their band mix."""
    from exportkit import countries

    lang = normalise_lang(lang)
    L = labels(lang)
    view_rows = []
    for r in rows:
        s = r.score
        view_rows.append(
            _Row(
                name=r.firm.name if r.firm else s.firm,
                tax_id=s.tax_id,
                industry=choice_label(
                    s.definition_id, "industry", r.firm.industry if r.firm else None, lang
                ),
                overall=s.overall,
                band=s.band,
                band_label=band_label(s.definition_id, s.band, lang),
                band_class=band_class(s.band),
                band_order=band_rank(s.definition_id, s.band),
                top_market=countries.name(r.top_market, lang) if r.top_market else None,
                readiness_href=r.readiness_href,
                briefs=[(countries.name(iso3, lang), href) for iso3, href in r.briefs],
                readiness_pdf=_pdf_of(r, r.readiness_href),
                brief_pdfs=[_pdf_of(r, href) for _, href in r.briefs],
            )
        )
    counts = Counter(r.band for r in view_rows)
    first = {r.band: r for r in view_rows}
    bands_sorted = sorted(counts, key=lambda b: (first[b].band_order, b))
    bands = [{"id": b, "label": first[b].band_label, "count": counts[b]} for b in bands_sorted]
    total = max(1, len(view_rows))
    chart = charts.data_uri(
        charts.bars(
            [
                charts.Bar(
                    b["label"],
                    b["count"],
                    f"{b['count']} ({formatting.share(b['count'] / total, lang)})",
                    colour=charts.BAND_COLOURS.get(b["id"]),
                )
                for b in bands
            ],
            L.band_distribution,
            maximum=max([b["count"] for b in bands] or [1]),
        )
    )
    scores = [r.overall for r in view_rows]
    view = _IndexView(
        L=L,
        mean_index=sum(scores) / len(scores) if scores else None,
        title=title or L.index_title,
        rows=view_rows,
        bands=bands,
        band_chart=chart,
        generated_on=generated_on or date.today(),
        links=[(link.label.get(lang), link.href) for link in links],
    )
    return _render("index.html.j2", view=view, lang=lang, title=view.title)
