"""Render the documents to self-contained HTML strings: readiness report, country brief,
portfolio index and (``exportkit match``) the exchange-meeting plan.

Each string is a whole document: CSS inlined, charts as ``data:`` SVG images, no external
URL, a Content-Security-Policy that forbids fetching anything. The same HTML goes to
WeasyPrint for the PDF (:func:`exportkit.render.pdf.write_pdf`). Band, driver-type and
industry names come from ``definition`` (the questionnaire the firms answered), entry-mode and
theme names from the recommendation itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from jinja2 import TemplateError

from exportkit.errors import RenderError
from exportkit.i18n import normalise_lang
from exportkit.models import Brief, Definition, Firm, Provenance, ReadinessScore
from exportkit.models.match import MatchRun
from exportkit.render.environment import environment
from exportkit.render.related import IndexLink
from exportkit.render.views.brief import brief_view
from exportkit.render.views.index import IndexRow, index_view
from exportkit.render.views.matchmaking import matchmaking_view
from exportkit.render.views.meetings import plan_view
from exportkit.render.views.readiness import readiness_view

__all__ = [
    "IndexRow",
    "render_brief",
    "render_index",
    "render_meeting_plan",
    "render_readiness",
]


def _render(template: str, **context: object) -> str:
    try:
        return environment().get_template(template).render(**context)
    except TemplateError as exc:
        # A template bug or a label missing from labels.yaml: fail loudly, never ship half a page.
        raise RenderError(
            f"cannot render {template}: {exc}", zh=f"無法產生 {template}：{exc}"
        ) from exc


def render_readiness(
    score: ReadinessScore,
    firm: Firm | None = None,
    lang: str = "zh-TW",
    *,
    previous: ReadinessScore | None = None,
    generated_on: date | None = None,
    definition: Definition | None = None,
) -> str:
    """The firm's export-readiness report as one HTML document.

    ``previous`` is the firm's previous assessment (``Store.previous_assessment``), shown as the
    change per dimension. ``score.percentile`` is shown when the batch filled it in.
    """
    lang = normalise_lang(lang)
    view = readiness_view(
        score, firm, lang, previous=previous, generated_on=generated_on, definition=definition
    )
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
    definition: Definition | None = None,
) -> str:
    """A country brief (one ``Brief``), or one document with several countries and a table of
    contents (a sequence of ``Brief`` for the same firm).

    Each brief's import trend and trade provenance are its own (``Brief.trend``,
    ``Brief.market.trade``); ``trend``/``trade_source`` (``trends``/``trade_sources`` for
    several briefs, in the same order) replace them — any
    :class:`~exportkit.render.trend.TrendLike` will do. ``lang`` defaults to ``brief.lang``.
    ``markets_assessed``: how many markets the firm was assessed against (the brief then
    states the market's fit rank among them). A brief with ``Brief.matchmaking`` (``exportkit
    match``) has a section on the overseas demands of its market the firm is proposed for;
    without it the brief is unchanged.
    """
    briefs = [brief] if isinstance(brief, Brief) else list(brief)
    if not briefs:
        raise RenderError(
            "render_brief needs at least one Brief", zh="render_brief 至少需要一份簡報（Brief）"
        )
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
            definition=definition,
        )
        for b, t, s in zip(briefs, trends, trade_sources, strict=True)
    ]
    title = (
        views[0].title if len(views) == 1 else f"{views[0].L.brief_title} — {briefs[0].firm.name}"
    )
    matchmaking = [matchmaking_view(b.matchmaking, lang) if b.matchmaking else None for b in briefs]
    return _render("brief.html.j2", views=views, lang=lang, title=title, matchmaking=matchmaking)


def render_index(
    rows: Sequence[IndexRow],
    lang: str = "zh-TW",
    *,
    title: str | None = None,
    generated_on: date | None = None,
    definition: Definition | None = None,
    links: Sequence[IndexLink] = (),
) -> str:
    """The portfolio ``index.html``: a sortable, filterable table of firms and their band mix;
    ``links`` are other documents it lists (a match run's meeting plan, workbooks, JSON)."""
    lang = normalise_lang(lang)
    view = index_view(
        rows, lang, title=title, generated_on=generated_on, definition=definition, links=links
    )
    return _render("index.html.j2", view=view, lang=lang, title=view.title)


def render_meeting_plan(run: MatchRun, lang: str = "zh-TW") -> str:
    """The exchange-meeting plan of a match run as one HTML document (the briefs' style)."""
    lang = normalise_lang(lang)
    view = plan_view(run, lang)
    return _render("meetings.html.j2", view=view, lang=lang, title=view.title)
