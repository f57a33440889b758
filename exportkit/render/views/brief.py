"""The country brief's view: every figure with its source or the crawl that would fill it,
the product view, tariffs, market rank and robustness, fit, entry modes and next steps.

Templates only lay out; every decision (which figure is missing, which source backs it, which
crawl would fill it, how robust a rank is) is made here, in Python, where it is tested.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from exportkit import countries, formatting
from exportkit.models import (
    Brief,
    Definition,
    Firm,
    Indicator,
    MarketProfile,
    Provenance,
    ReadinessScore,
)
from exportkit.models.market import TAIWAN_EXPORTS
from exportkit.render import charts
from exportkit.render.definition import band_label
from exportkit.render.labels import Labels, content, labels, pick
from exportkit.render.trend import TrendView, trend_view
from exportkit.render.views.common import (
    Figure,
    Missing,
    Source,
    band_class,
    crawl_command,
    localise_sources,
)


@dataclass(frozen=True, slots=True)
class TariffRow:
    """One tariff in the brief's table: the rate as shown and as a number, with its source."""

    hs: str
    type: str
    partner: str
    rate: str
    rate_value: float
    year: int
    source: str
    url: str


@dataclass(slots=True)
class TariffCompare:
    """One product's tariffs side by side: MFN, Taiwan's rate, the best rate a competitor
    gets (and which), in the latest year with an MFN rate, with the source."""

    hs: str
    year: int
    mfn: str
    taiwan: str | None
    rival: str | None
    rival_partner: str | None
    source: str
    url: str


@dataclass(slots=True)
class ModeRow:
    """One entry mode in the brief's table: its name, score and the reasons."""

    mode: str
    label: str
    score: float
    reasons: list[tuple[str, str]]  # (text, source)


@dataclass(slots=True)
class NoteView:
    """A market note as shown, in the brief's language."""

    topic: str
    title: str
    text: str
    source: str
    url: str
    published: date | None


@dataclass(slots=True)
class BriefView:
    """Everything one country brief shows."""

    lang: str
    L: Labels
    anchor: str
    firm: Firm
    readiness: ReadinessScore
    band_label: str
    band_class: str
    country_name: str
    iso3: str
    title: str
    hs_codes: tuple[str, ...]
    snapshot: list[Figure]
    imports: Figure
    growth: Figure
    taiwan_share: Figure
    potential: Figure | None
    potential_caveat: str
    competitors: str | None
    competitors_missing: Missing | None
    trend: TrendView | None
    trend_chart: str | None
    tariffs: list[TariffRow]
    tariffs_missing: Missing | None
    # product data stored for the firm's codes: else section 3 shows the country-level trade
    # facts (country_trade) and one sentence on how the product view is obtained (product_how)
    has_product_data: bool
    country_trade: list[Figure]
    product_how: str
    tariff_compare: list[TariffCompare]
    rank: int | None
    market_score: float | None
    coverage: float | None
    first_share: float | None
    top3_share: float | None
    robustness: str
    index_view: str  # what the index rests on, e.g. "a macro screen (no product trade data)"
    market_dimensions: str | None
    excluded: bool
    fit_score: float
    fit_reasons: list[tuple[str, str]]
    modes: list[ModeRow]
    modes_chart: str
    top_mode: str | None
    top_mode_label: str  # the recommended mode's name, as the mode table names it
    decided_by: str  # rules | tie | prior (Recommendation.decided_by)
    decision_note: str  # a tie or a prior said in words, with what would decide it
    staged_path: str
    theme: str
    notes: list[NoteView]
    notes_missing: list[Missing]
    next_steps: list[str]
    findings: list[str]
    sources: list[Source]
    missing: list[Missing]
    missing_commands: list[tuple[str, list[str]]]
    generated_on: date


def _top_label(L, modes: list[ModeRow], decided_by: str, lang: str) -> str:
    """The recommended mode's name; a tie names both modes, so no reader takes the first of
    two equal scores for a recommendation."""
    if decided_by != "tie" or len(modes) < 2:
        return modes[0].label
    sep = "／" if lang == "zh-TW" else " / "
    mark = f"（{L.tied}）" if lang == "zh-TW" else f" ({L.tied})"
    return f"{modes[0].label}{sep}{modes[1].label}{mark}"


def _indicator_figure(
    label: str, code: str, kind: str, crawl: str, ind: Indicator | None, iso3: str, lang: str
) -> Figure:
    if ind is None or ind.value is None:
        return Figure(
            label,
            None,
            code=code,
            missing=Missing(label, crawl_command(crawl, iso3, indicator=code)),
        )
    return Figure(
        label,
        formatting.indicator_value(ind.value, kind, ind.unit, lang),
        year=ind.year,
        source=ind.source,
        url=ind.source_url,
        code=code,
    )


def _robustness(L: Labels, top3: float | None, rank: int | None = None, lang: str = "en") -> str:
    if top3 is None:
        return L.robust_unknown
    if rank is not None and rank > 3:
        # A market ranked below third is not "fragile" for rarely reaching the top three:
        # say how often it does, and let the reader judge.
        return L.robust_outside.format(share=formatting.share(top3, lang))
    limits = content()["robustness"]
    if top3 >= limits["high_top3"]:
        return L.robust_high
    if top3 >= limits["mid_top3"]:
        return L.robust_mid
    return L.robust_low


def brief_view(
    brief: Brief,
    trend: object | None = None,
    trade_source: Provenance | None = None,
    generated_on: date | None = None,
    lang: str | None = None,
    markets_assessed: int | None = None,
    definition: Definition | None = None,
) -> BriefView:
    """Everything one country brief shows, with a source or a fill command for every figure.

    The product view's trade figures (imports, growth, Taiwan's share, competitors) are
    sourced by the profile's ``trade`` provenance (``trade_source`` replaces it); without one
    they count as unsourced and are shown as missing — exportkit never prints a figure it
    cannot attribute. ``trend`` and ``markets_assessed`` default to the brief's own;
    ``definition`` names the firm's readiness band.
    """
    lang = lang or brief.lang
    trend = trend if trend is not None else brief.trend
    if markets_assessed is None:
        markets_assessed = brief.markets_assessed
    L = labels(lang)
    profile: MarketProfile = brief.market
    iso3 = profile.country.iso3
    if trade_source is None:
        # the profile carries the provenance of its trade figures itself
        trade_source = profile.trade
    hs = brief.firm.hs_codes
    country_name = profile.country.name.get(lang)
    sources: list[Source] = []
    missing: list[Missing] = []

    snapshot: list[Figure] = []
    known = set()
    for spec in content()["snapshot_indicators"]:
        code = spec["code"]
        known.add(code)
        fig = _indicator_figure(
            pick(spec, lang),
            code,
            spec["format"],
            spec["crawl"],
            profile.indicators.get(code),
            iso3,
            lang,
        )
        snapshot.append(fig)
    extra_names = content()["extra_indicator_names"]
    for code, ind in sorted(profile.indicators.items()):
        if code in known or ind.value is None:
            continue
        spec = extra_names.get(code, {})
        label = pick(spec, lang, default=code)
        kind = spec.get("format", "")
        snapshot.append(_indicator_figure(label, code, kind, "worldbank", ind, iso3, lang))
    for fig in snapshot:
        if fig.missing:
            missing.append(fig.missing)
        else:
            ind = profile.indicators[fig.code]
            sources.append(
                Source(fig.label, fig.code, ind.year, ind.source, ind.source_url, ind.retrieved_at)
            )

    # Product view: trade figures need the firm's HS codes and a recorded source.
    has_product = bool(hs) and trade_source is not None and profile.imports_usd is not None

    def trade_figure(label: str, value: float | None, text: str) -> Figure:
        if not hs:
            return Figure(label, None)
        if value is None or trade_source is None:
            # section 3 says in words how the product view is obtained (L.product_how); the
            # command goes to the consultant (portfolio index, terminal), never the client
            miss = Missing(label, crawl_command("trade", iso3, hs), unsourced=value is not None)
            missing.append(miss)
            return Figure(label, None, missing=miss)
        sources.append(
            Source(
                label,
                "HS " + ",".join(hs),  # the row's label says what it is, in the brief's language
                None,
                trade_source.source,
                trade_source.url,
                trade_source.retrieved_at,
            )
        )
        return Figure(
            label,
            text,
            year=profile.product_year,
            source=trade_source.source,
            url=trade_source.url,
        )

    imports = trade_figure(
        L.imports_latest, profile.imports_usd, formatting.money(profile.imports_usd, "USD", lang)
    )
    growth = trade_figure(
        L.imports_growth,
        profile.imports_growth_5y,
        formatting.percent(profile.imports_growth_5y, lang),
    )
    tw_share = trade_figure(
        L.taiwan_share, profile.taiwan_share, formatting.percent(profile.taiwan_share, lang)
    )
    potential = _potential_figure(L, lang, profile, hs, trade_source, sources, missing)
    competitors = None
    competitors_missing = None
    if hs:
        comp_fig = trade_figure(L.top_competitors, 1.0 if profile.top_suppliers else None, "")
        if comp_fig.missing is None:
            rows = [
                charts.Bar(
                    countries.name(s_iso3, lang) if s_iso3 not in ("WLD",) else s_iso3,
                    s_share,
                    formatting.percent(s_share, lang),
                    highlight=s_iso3 == "TWN",
                )
                for s_iso3, s_share in profile.top_suppliers[:6]
            ]
            competitors = charts.data_uri(
                charts.bars(rows, L.top_competitors, maximum=max(r.value for r in rows))
            )
        else:
            competitors_missing = comp_fig.missing

    tview = trend_view(trend, lang)
    if tview is not None and tview.method:
        tview = replace(tview, method=L.of("trend_methods", tview.method))
    trend_chart = None
    if tview is not None and tview.series is not None:
        trend_chart = charts.data_uri(
            charts.trend(
                tview.series,
                L.trend_title,
                (L.trend_actual, L.trend_fitted, L.trend_forecast),
                lambda v: formatting.money(v, "USD", lang) if v else "0",
            )
        )

    tariffs = []
    for t in profile.tariffs:
        if t.rate is None:
            continue
        partner = (
            L.all_partners if t.partner_iso3 == "WLD" else countries.name(t.partner_iso3, lang)
        )
        tariffs.append(
            TariffRow(
                hs=t.hs_code,
                type=t.tariff_type,
                partner=partner,
                rate=formatting.percent(t.rate, lang, 1),
                rate_value=t.rate,
                year=t.year,
                source=t.source,
                url=t.source_url,
            )
        )
        sources.append(
            Source(
                f"{L.tariffs} HS {t.hs_code} {t.tariff_type}",
                t.nomenclature or t.tariff_type,
                t.year,
                t.source,
                t.source_url,
                t.retrieved_at,
            )
        )
    tariffs_missing = None
    if hs and not tariffs:
        tariffs_missing = Missing(L.tariffs, crawl_command("tariffs", iso3, hs))
        missing.append(tariffs_missing)
    tariff_compare = _tariff_compare(profile, lang)
    country_trade = _country_trade(L, lang, profile, sources)

    ms = profile.score
    market_dimensions = None
    if ms is not None and ms.dimensions:
        dim_rows = [
            charts.Bar(
                ms.dimension_labels[k].get(lang)
                if k in ms.dimension_labels
                else L.of("market_dimensions", k),
                v,
                formatting.decimal(v, lang, 0),
            )
            for k, v in ms.dimensions.items()
            if v is not None
        ]
        if dim_rows:
            market_dimensions = charts.data_uri(
                charts.bars(dim_rows, L.dimension_scores, maximum=100)
            )

    rec = brief.recommendation

    def reasons(rules) -> list[tuple[str, str]]:
        return [(r.reason.get(lang), r.source) for r in rules]

    modes = [
        ModeRow(m.mode, m.name(lang), m.score, reasons(m.reasons))
        for m in sorted(rec.entry_modes, key=lambda m: -m.score)
    ]
    top_score = max((m.score for m in modes), default=0.0)
    # Scores may be 0–1 or 0–100 depending on the rules file: keep two digits for the former.
    mode_digits = 2 if top_score <= 1 else 0
    modes_chart = charts.data_uri(
        charts.bars(
            [
                charts.Bar(
                    m.label,
                    max(m.score, 0.0),
                    formatting.decimal(m.score, lang, mode_digits),
                    highlight=i == 0,
                )
                for i, m in enumerate(modes)
            ],
            L.mode_ranking,
            maximum=max(top_score, 1.0) if top_score > 1 else 1.0,
        )
    )

    notes: list[NoteView] = []
    for n in profile.notes:
        notes.append(
            NoteView(
                n.topic,
                n.title.get(lang),
                n.text.get(lang),
                n.source,
                n.source_url,
                n.published,
            )
        )
        sources.append(
            Source(
                L.of("note_topics", n.topic),
                "",  # a note has no indicator code (its topic id is exportkit's own)
                n.published.year if n.published else None,
                n.source,
                n.source_url,
                n.retrieved_at,
            )
        )
    notes_missing = []
    topics = {n.topic for n in notes}
    for topic in ("foreign_ownership", "agreements_with_taiwan"):
        if topic not in topics:
            m = Missing(
                L.of("note_topics", topic), crawl_command("notes", iso3), hint=L.notes_fill_hint
            )
            notes_missing.append(m)
            missing.append(m)

    steps_data = content()
    top_mode = modes[0].mode if modes and not rec.fit.excluded else None
    next_steps = [pick(s, lang) for s in steps_data["next_steps"].get(top_mode or "", [])]
    if missing:
        next_steps += [pick(s, lang) for s in steps_data["common_next_steps"]["when_missing"]]
    next_steps += [pick(s, lang) for s in steps_data["common_next_steps"]["always"]]

    view = BriefView(
        lang=lang,
        L=L,
        anchor=f"market-{iso3.lower()}",
        firm=brief.firm,
        readiness=brief.readiness,
        band_label=band_label(definition, brief.readiness.band, lang),
        band_class=band_class(brief.readiness.band),
        country_name=country_name,
        iso3=iso3,
        title=f"{L.brief_title}：{country_name}"
        if lang == "zh-TW"
        else f"{L.brief_title}: {country_name}",
        hs_codes=hs,
        snapshot=snapshot,
        imports=imports,
        growth=growth,
        taiwan_share=tw_share,
        potential=potential,
        potential_caveat=L.potential_caveat,
        competitors=competitors,
        competitors_missing=competitors_missing,
        trend=tview,
        trend_chart=trend_chart,
        tariffs=tariffs,
        tariffs_missing=tariffs_missing,
        has_product_data=has_product,
        country_trade=country_trade,
        product_how=L.product_how,
        tariff_compare=tariff_compare,
        rank=ms.rank if ms else None,
        market_score=ms.score if ms else None,
        coverage=ms.coverage if ms else None,
        first_share=ms.first_share if ms else None,
        top3_share=ms.top3_share if ms else None,
        robustness=_robustness(L, ms.top3_share if ms else None, ms.rank if ms else None, lang),
        index_view=ms.view_label.get(lang) if ms and ms.view_label else "",
        market_dimensions=market_dimensions,
        excluded=rec.fit.excluded,
        fit_score=rec.fit.fit_score,
        fit_reasons=reasons(rec.fit.reasons),
        modes=modes,
        modes_chart=modes_chart,
        top_mode=top_mode,
        top_mode_label=_top_label(L, modes, rec.decided_by, lang) if top_mode else "",
        decided_by=rec.decided_by,
        decision_note=rec.decision_note.get(lang) if top_mode else "",
        staged_path=rec.staged_path.get(lang),
        theme=rec.theme_name(lang),
        notes=notes,
        notes_missing=notes_missing,
        next_steps=next_steps,
        findings=_findings(
            L,
            lang,
            country_name,
            hs,
            profile,
            imports,
            growth,
            tw_share,
            tariffs,
            fit=None if rec.fit.excluded else (rec.rank, rec.fit.fit_score),
            markets_assessed=markets_assessed,
        ),
        sources=sources,
        missing=missing,
        missing_commands=_by_command(missing),
        generated_on=generated_on or date.today(),
    )
    return localise_sources(view, lang)


def _country_trade(
    L: Labels, lang: str, profile: MarketProfile, sources: list[Source]
) -> list[Figure]:
    """Taiwan's exports to the market (MOF country totals, bundled) and their growth."""
    ind = profile.indicators.get(TAIWAN_EXPORTS)
    if ind is None or ind.value is None:
        return []
    out = [
        Figure(
            L.taiwan_exports,
            formatting.money(ind.value, "USD", lang),
            year=ind.year,
            source=ind.source,
            url=ind.source_url,
            code=TAIWAN_EXPORTS,
        )
    ]
    if profile.taiwan_exports_growth is not None and profile.taiwan_exports_span:
        out.append(
            Figure(
                L("taiwan_exports_growth", n=profile.taiwan_exports_span),
                formatting.percent(profile.taiwan_exports_growth, lang),
                year=ind.year,
                source=ind.source,
                url=ind.source_url,
                code=TAIWAN_EXPORTS,
            )
        )
    sources.append(
        Source(L.taiwan_exports, TAIWAN_EXPORTS, ind.year, ind.source, ind.source_url,
               ind.retrieved_at)
    )  # fmt: skip
    return out


def _tariff_compare(profile: MarketProfile, lang: str) -> list[TariffCompare]:
    """Per HS code: MFN, Taiwan's applied or preferential rate, and the lowest such rate a
    competitor gets, each in its latest year up to the MFN year (simple averages)."""
    rows: list[TariffCompare] = []
    by_code: dict[str, list] = {}
    for t in profile.tariffs:
        if t.rate is not None and t.tariff_type in ("MFN", "AHS", "PREF"):
            by_code.setdefault(t.hs_code, []).append(t)
    for hs, items in sorted(by_code.items()):
        mfn = [t for t in items if t.tariff_type == "MFN" and t.partner_iso3 == "WLD"]
        if not mfn:
            continue
        year = max(t.year for t in mfn)
        base = next(t for t in mfn if t.year == year)

        def latest(cands, year: int = year):
            cands = [t for t in cands if t.year <= year]
            top = max((t.year for t in cands), default=None)
            return [t for t in cands if t.year == top]

        taiwan = latest(t for t in items if t.partner_iso3 == "TWN" and t.tariff_type != "MFN")
        tw = min(taiwan, key=lambda t: t.rate) if taiwan else None
        rivals: dict[str, object] = {}
        for t in items:
            if t.partner_iso3 in ("WLD", "TWN") or t.tariff_type == "MFN" or t.year > year:
                continue
            old = rivals.get(t.partner_iso3)
            if old is None or (t.year, -t.rate) > (old.year, -old.rate):
                rivals[t.partner_iso3] = t
        best = min(rivals.values(), key=lambda t: t.rate) if rivals else None
        partner = None
        if best is not None:
            name = countries.try_resolve(best.partner_iso3)
            partner = countries.name(name, lang) if name else best.partner_iso3
        rows.append(
            TariffCompare(
                hs=hs,
                year=year,
                mfn=formatting.percent(base.rate, lang, 1),
                taiwan=formatting.percent(tw.rate, lang, 1) if tw else None,
                rival=formatting.percent(best.rate, lang, 1) if best else None,
                rival_partner=partner,
                source=base.source,
                url=base.source_url,
            )
        )
    return rows


def _potential_figure(
    L: Labels,
    lang: str,
    profile: MarketProfile,
    hs: Sequence[str],
    trade_source: Provenance | None,
    sources: list[Source],
    missing: list[Missing],
) -> Figure | None:
    """Taiwan's untapped export potential for the firm's codes (ITC method), or the command
    that would make it computable. None when the firm gave no HS codes."""
    if not hs:
        return None
    label = L.untapped_potential
    pot = profile.potential
    value = pot.untapped_potential_usd if pot else None
    if value is None or trade_source is None:
        command = (pot.command if pot else None) or crawl_command("trade", profile.country.iso3, hs)
        miss = Missing(label, command, unsourced=value is not None, hint=L.potential_not_yet)
        missing.append(miss)
        return Figure(label, None, missing=miss)
    text = formatting.money(value, "USD", lang)
    if pot.utilisation is not None:
        text += " · " + L(
            "potential_utilisation", share=formatting.percent(pot.utilisation * 100, lang, 0)
        )
    sources.append(
        Source(
            label,
            "HS " + ",".join(hs),
            pot.year,
            trade_source.source,
            trade_source.url,
            trade_source.retrieved_at,
        )
    )
    return Figure(label, text, year=pot.year, source=trade_source.source, url=trade_source.url)


def _findings(
    L: Labels,
    lang: str,
    country: str,
    hs: Sequence[str],
    profile: MarketProfile,
    imports: Figure,
    growth: Figure,
    tw_share: Figure,
    tariffs: list[TariffRow],
    fit: tuple[int, float] | None = None,
    markets_assessed: int | None = None,
) -> list[str]:
    """Two to five sentences from sourced figures only; a missing figure makes no sentence.

    ``fit`` is the market's rank and fit score for this firm (its recommendation): it leads,
    because it is why this brief was written — the attractiveness rank alone (the same for
    every firm) would leave a reader wondering why a market ranked fifth is the first choice.
    The fit rank is only stated when the firm was assessed against several markets
    (``markets_assessed``); a single brief (``exportkit brief``) has nothing to rank against.
    """
    out = []
    if fit is not None:
        score = formatting.decimal(fit[1], lang, 1)  # as the fit reasons' heading states it
        if markets_assessed and markets_assessed > 1:
            out.append(
                L("finding_fit", country=country, rank=fit[0], n=markets_assessed, fit=score)
            )
        else:
            out.append(L("finding_fit_only", country=country, fit=score))
    if imports.text and growth.text:
        out.append(
            L(
                "finding_imports",
                country=country,
                hs=", ".join(hs),
                imports=imports.text,
                growth=growth.text,
            )
        )
    if tw_share.text and profile.top_suppliers:
        top_iso3, top_share = max(profile.top_suppliers, key=lambda s: s[1])
        if top_iso3 == "TWN":
            out.append(L("finding_share_top", share=tw_share.text))
        else:
            out.append(
                L(
                    "finding_share",
                    share=tw_share.text,
                    top=countries.name(top_iso3, lang),
                    top_share=formatting.percent(top_share, lang),
                )
            )
    mfn = sorted({t.rate_value: t.rate for t in tariffs if t.type == "MFN"}.items())
    if len(mfn) == 1:
        out.append(L("finding_tariff_one", low=mfn[0][1]))
    elif mfn:
        out.append(L("finding_tariff", low=mfn[0][1], high=mfn[-1][1]))
    ms = profile.score
    if ms is not None:
        out.append(
            L(
                "finding_rank",
                country=country,
                rank=ms.rank,
                score=formatting.decimal(ms.score, lang, 0),
            )
        )
    return out


def _by_command(missing: list[Missing]) -> list[tuple[str, list[str]]]:
    """One row per crawl command, naming every figure it fills (in first-seen order)."""
    grouped: dict[str, list[str]] = {}
    for m in missing:
        figures = grouped.setdefault(m.command, [])
        if m.figure not in figures:
            figures.append(m.figure)
    return list(grouped.items())
