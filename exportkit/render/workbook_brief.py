"""One country brief straight from a filled questionnaire: ``exportkit brief FIRM.xlsx --market TH``.

Reads and scores the workbook (questionnaire), builds the market's profile from the market
database (store + markets), recommends entry modes (recommend), adds the product view's
evidence — the trade flows' provenance and their import trend (analytics) — and renders.
Those modules are imported when called, so the renderer itself depends on none of them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from exportkit import countries
from exportkit.errors import RenderError, UsageError
from exportkit.i18n import normalise_lang
from exportkit.models import Brief, Provenance, ReadinessScore
from exportkit.render.html import render_brief
from exportkit.render.pdf import write_html, write_pdf
from exportkit.safe_output import safe_name

FORMATS = ("html", "pdf")


@dataclass(frozen=True, slots=True)
class BriefInputs:
    """Everything one brief renders, with the product view's evidence."""

    brief: Brief
    trend: object | None  # exportkit.models.TrendFit (or a refusal)
    trade_source: Provenance | None
    previous: ReadinessScore | None = None
    markets_assessed: int | None = None  # markets the firm was ranked against (assess)


def trade_evidence(
    store, iso3: str, hs_codes: Sequence[str]
) -> tuple[Provenance | None, object | None]:
    """Provenance of the market's imports of ``hs_codes`` and their trend (``fit_trend``).

    The imports from the world are summed per year over the codes asked, as stored (codes
    match exactly, so a code is never counted twice at two levels). ``(None, None)`` when the
    database holds no such flows — the brief then prints the crawl command instead.
    """
    if not hs_codes:
        return None, None
    flows = store.trade_flows([iso3], list(hs_codes), flow="M")
    if flows.empty:
        return None, None
    flows = flows[flows["value_usd"].notna()]
    if flows.empty:
        return None, None
    newest = flows.sort_values("retrieved_at").iloc[-1]
    sources = sorted(set(flows["source"].astype(str)))
    provenance = Provenance(
        source=" + ".join(sources),
        url=str(newest["source_url"]),
        retrieved_at=newest["retrieved_at"].to_pydatetime()
        if hasattr(newest["retrieved_at"], "to_pydatetime")
        else newest["retrieved_at"],
        indicator=f"imports (M), HS {','.join(hs_codes)}, partners WLD/TWN",
    )
    world = flows[flows["partner_iso3"] == "WLD"].groupby("year")["value_usd"].sum().sort_index()
    trend = None
    if len(world):
        from exportkit.analytics.trends import fit_trend

        trend = fit_trend([int(y) for y in world.index], [float(v) for v in world.values])
    return provenance, trend


def brief_from_workbook(
    workbook: str | os.PathLike[str],
    market: str,
    *,
    lang: str | None = None,
    db: str | os.PathLike[str] | None = None,
    assessed_on: date | None = None,
) -> BriefInputs:
    """Score ``workbook`` and assemble the brief for ``market`` (ISO2/ISO3 or a name)."""
    try:
        from exportkit.entry_mode.recommend import recommend
        from exportkit.markets import market_profile
        from exportkit.questionnaire import read_answers, score_answers
        from exportkit.store import open_store
    except ImportError as exc:  # a build of the renderer alone, without the other layers
        raise RenderError(
            f"exportkit brief needs the questionnaire, market database and recommendation "
            f"modules, which this installation lacks ({exc.name})"
        ) from exc

    iso3 = countries.resolve(market)
    answers = read_answers(workbook)
    score = score_answers(answers)
    firm = answers.firm
    if firm is None:
        raise UsageError(f"{workbook}: not an export-readiness questionnaire (no firm profile)")
    with open_store(db) as store:
        profile = market_profile(store, iso3, firm.hs_codes)
        trade_source, trend = trade_evidence(store, iso3, profile_codes(firm.hs_codes))
        previous = None
        if score.tax_id:
            previous = store.previous_assessment(
                score.tax_id, assessed_on or answers.assessed_on or date.today()
            )
    recommendation = recommend(firm, score, profile)
    brief = Brief(
        firm=firm,
        readiness=score,
        recommendation=recommendation,
        market=profile,
        lang=normalise_lang(lang or answers.lang),
    )
    return BriefInputs(brief, trend, trade_source, previous)


def profile_codes(codes: Iterable[str]) -> tuple[str, ...]:
    """HS codes as the market database stores them (digits only: ``8471.30`` → ``847130``)."""
    return tuple(dict.fromkeys("".join(ch for ch in c if ch.isdigit()) for c in codes if c))


def write_brief(
    inputs: BriefInputs,
    outdir: str | os.PathLike[str],
    formats: Iterable[str] = ("html",),
    *,
    generated_on: date | None = None,
) -> list[Path]:
    """Write the brief as ``OUTDIR/<firm>-<ISO3>.html`` and/or ``.pdf``; returns the paths."""
    wanted = [f.strip().lower() for f in formats if f.strip()]
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown or not wanted:
        raise UsageError(
            f"unknown format {', '.join(unknown) or '(none)'}: use html, pdf or html,pdf"
        )
    b = inputs.brief
    html = render_brief(
        b, trend=inputs.trend, trade_source=inputs.trade_source, generated_on=generated_on
    )
    stem = f"{safe_name(b.firm.name, 'firm')}-{b.market.country.iso3}"
    written = []
    if "html" in wanted:
        written.append(write_html(html, Path(outdir) / f"{stem}.html"))
    if "pdf" in wanted:
        written.append(write_pdf(html, Path(outdir) / f"{stem}.pdf"))
    return written
