"""The portfolio index's view: every firm with its band, links to its documents, the band mix,
and the other documents of the output folder (a match run's outputs)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from exportkit import countries, formatting
from exportkit.models import Definition, Firm, ReadinessScore
from exportkit.render import charts
from exportkit.render.definition import band_label, band_rank, choice_label
from exportkit.render.labels import Labels, labels
from exportkit.render.related import IndexLink
from exportkit.render.views.common import band_class, crawl_command


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
class Row:
    """One firm as the index shows it."""

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
class IndexView:
    """Everything the index shows."""

    L: Labels
    mean_index: float | None
    title: str
    rows: list[Row]
    bands: list[dict]
    band_chart: str
    generated_on: date
    links: list[tuple[str, str]] = field(default_factory=list)  # other documents: (label, href)
    # The consultants' appendix: per firm, the commands that fill its briefs' data gaps (the
    # client-facing briefs name the gaps but show no command).
    fill_steps: list[tuple[str, list[str]]] = field(default_factory=list)


def fill_steps(rows: Sequence[IndexRow]) -> list[tuple[str, list[str]]]:
    """(firm, commands) for every firm with briefs: product trade flows and tariffs for its HS
    codes in its briefed markets (a firm without HS codes needs none), and the country
    figures and regulatory notes every brief can lack."""
    out = []
    for r in rows:
        markets = ",".join(iso3 for iso3, _ in r.briefs)
        if not markets:
            continue
        hs = r.firm.hs_codes if r.firm else ()
        commands = []
        if hs:
            commands += [crawl_command("trade", markets, hs), crawl_command("tariffs", markets, hs)]
        commands += [crawl_command("worldbank_all", markets), crawl_command("notes", markets)]
        out.append((r.firm.name if r.firm else r.score.firm, commands))
    return out


def _pdf_of(row: IndexRow, href: str | None) -> str | None:
    if not row.pdf or not href or not href.endswith(".html"):
        return None
    pdf = href[: -len(".html")] + ".pdf"
    return None if pdf in row.failed_pdfs else pdf


def index_view(
    rows: Sequence[IndexRow],
    lang: str,
    *,
    title: str | None = None,
    generated_on: date | None = None,
    definition: Definition | None = None,
    links: Sequence[IndexLink] = (),
) -> IndexView:
    """The index of ``rows``: bands and industries named by ``definition``, bands best first;
    ``links`` to other documents, labelled in ``lang``."""
    L = labels(lang)
    view_rows = []
    for r in rows:
        s = r.score
        view_rows.append(
            Row(
                name=r.firm.name if r.firm else s.firm,
                tax_id=s.tax_id,
                industry=choice_label(
                    definition, "industry", r.firm.industry if r.firm else None, lang
                ),
                overall=s.overall,
                band=s.band,
                band_label=band_label(definition, s.band, lang),
                band_class=band_class(s.band),
                band_order=band_rank(definition, s.band),
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
    return IndexView(
        L=L,
        mean_index=sum(scores) / len(scores) if scores else None,
        title=title or L.index_title,
        rows=view_rows,
        bands=bands,
        band_chart=chart,
        generated_on=generated_on or date.today(),
        links=[(link.label.get(lang), link.href) for link in links],
        fill_steps=fill_steps(rows),
    )
