"""Ranked markets as plain records (JSON/CSV) and as a terminal table."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence

from rich.table import Table

from exportkit import countries
from exportkit.i18n import t
from exportkit.markets.spec import index_spec
from exportkit.models import MarketScore, PotentialSummary


def _clean(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def to_records(scores: Sequence[MarketScore]) -> list[dict]:
    """One JSON-ready dict per market: iso3, names, rank, score, dimensions, coverage, …"""
    out = []
    for s in scores:
        c = countries.country(s.iso3)
        rec = {
            "iso3": s.iso3,
            "name_en": c.name.en,
            "name_zh_TW": c.name.zh_TW,
            "rank": s.rank,
            "score": _clean(s.score),
            "coverage": s.coverage,
            "dimensions": {k: _clean(v) for k, v in s.dimensions.items()},
            "view": s.view,
            "flags": list(s.flags),
        }
        if s.view_label is not None:
            rec["view_label"] = {"zh-TW": s.view_label.zh_TW, "en": s.view_label.en}
        if s.first_share is not None:
            rec["first_share"] = s.first_share
            rec["top3_share"] = s.top3_share
        if s.product_year is not None or s.imports_usd is not None:
            rec.update(
                imports_usd=s.imports_usd,
                imports_growth_5y=s.imports_growth_5y,
                taiwan_share=s.taiwan_share,
                product_year=s.product_year,
                top_suppliers=[{"iso3": p, "share": v} for p, v in s.top_suppliers],
            )
        if s.potential is not None:
            rec.update(potential_record(s.potential))
        rec["sources"] = [
            {
                "indicator": i.indicator,
                "year": i.year,
                "value": i.value,
                "unit": i.unit,
                "source": i.source,
                "source_url": i.source_url,
                "retrieved_at": i.retrieved_at.isoformat() if i.retrieved_at else None,
            }
            for i in s.sources
        ]
        out.append(rec)
    return out


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def potential_record(p: PotentialSummary) -> dict:
    """The export-potential fields of one market's JSON record (None = not computable)."""
    return {
        "potential_usd": _round(p.potential_usd, 0),
        "untapped_potential_usd": _round(p.untapped_potential_usd, 0),
        "utilisation": _round(p.utilisation, 4),
        "potential_year": p.year,
        "potential_status": p.status,
        "potential_reason": None
        if p.reason is None
        else {"zh-TW": p.reason.zh_TW, "en": p.reason.en},
        "potential_command": p.command,
        "potential_flags": list(p.flags),
        "potential_products": {"used": p.codes_used, "with_imports": p.codes_with_imports},
        "potential_label": {"zh-TW": p.label.zh_TW, "en": p.label.en},
    }


def potential_notes(scores: Sequence[MarketScore], hs_codes: Sequence[str], lang: str) -> list[str]:
    """Footnotes of the untapped-potential column: the method, then one line per distinct
    reason a figure is missing or rests on an assumption, with the command that fills it."""
    with_pot = [s for s in scores if s.potential is not None]
    if not with_pot:
        return []
    basis = (
        t("markets_potential_basis_hs", lang, codes=",".join(hs_codes))
        if hs_codes
        else t("markets_potential_basis_all", lang)
    )
    lines = [t("markets_potential_note", lang, basis=basis)]
    grouped: dict[tuple[str, str], list[str]] = {}
    for s in with_pot:
        p = s.potential
        if p.reason is None:
            continue
        reason = p.reason.zh_TW if lang == "zh-TW" else p.reason.en
        grouped.setdefault((reason, p.command or ""), []).append(s.iso3)
    for (reason, command), isos in grouped.items():
        lines.append(
            t(
                "markets_potential_missing",
                lang,
                markets=",".join(isos),
                reason=reason,
                command=command,
            )
        )
    return lines


def to_json(scores: Sequence[MarketScore]) -> str:
    """The ranking as a JSON document (see :func:`to_records`)."""
    return json.dumps(to_records(scores), ensure_ascii=False, indent=2)


def to_csv(scores: Sequence[MarketScore]) -> str:
    """Flat CSV: one row per market, one column per dimension (blank = no data)."""
    dims = index_spec().ids
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    head = ["rank", "iso3", "name_en", "name_zh_TW", "score", "coverage", *dims]
    extra = [
        "first_share",
        "top3_share",
        "imports_usd",
        "imports_growth_5y",
        "taiwan_share",
        "product_year",
        "top_suppliers",
    ]
    pot_cols = ["potential_usd", "untapped_potential_usd", "utilisation", "potential_status"]
    writer.writerow(head + extra + pot_cols + ["potential_reason", "potential_command"])
    for rec in to_records(scores):
        rivals = ";".join(f"{p['iso3']}:{p['share']}" for p in rec.get("top_suppliers", []))
        row = [
            rec["rank"],
            rec["iso3"],
            rec["name_en"],
            rec["name_zh_TW"],
            rec["score"],
            rec["coverage"],
            *(rec["dimensions"].get(d) for d in dims),
        ]
        row += [rec.get(k) for k in extra[:-1]] + [rivals]
        reason = rec.get("potential_reason")
        row += [rec.get(k) for k in pot_cols]
        row += [reason["en"] if reason else None, rec.get("potential_command")]
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue()


def _fmt(value: float | None, pattern: str = "{:.1f}") -> str:
    return (
        "–"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else pattern.format(value)
    )


def to_table(
    scores: Sequence[MarketScore], lang: str = "en", hs_codes: Sequence[str] = ()
) -> Table:
    """A rich table: rank, market, score, coverage, each dimension (– = no data), extras.

    The untapped-potential column shows "—" where it cannot be computed; the caption says
    why and which crawl would fill it (:func:`potential_notes`)."""
    spec = index_spec()
    hubs = [s.iso3 for s in scores if "re_export_hub" in s.flags]
    hub_note = (
        [t("markets_hub_note", lang, markets=",".join(hubs), label=spec.hub_label.get(lang))]
        if hubs and spec.hub_label
        else []
    )
    caption = "\n".join(
        [t("markets_coverage_note", lang), *hub_note, *potential_notes(scores, hs_codes, lang)]
    )
    label = next((s.view_label for s in scores if s.view_label is not None), None)
    title = t("markets_title", lang, view=label.get(lang) if label else "")
    table = Table(title=title, caption=caption, caption_justify="left")
    table.add_column(t("col_rank", lang), justify="right")
    table.add_column(t("col_market", lang))
    table.add_column(t("col_score", lang), justify="right")
    table.add_column(t("col_coverage", lang), justify="right")
    for dim in spec.dimensions:
        table.add_column(f"{dim.short(lang)}\n{dim.weight:g}%", justify="right")
    sens = any(s.first_share is not None for s in scores)
    product = any(s.product_year is not None for s in scores)
    if sens:
        table.add_column(t("col_first", lang), justify="right")
        table.add_column(t("col_top3", lang), justify="right")
    if product:
        for key in ("col_imports", "col_growth", "col_taiwan_share", "col_rivals"):
            table.add_column(t(key, lang), justify="right" if key != "col_rivals" else "left")
    pot = any(s.potential is not None for s in scores)
    if pot:
        table.add_column(t("col_untapped", lang), justify="right")
    for s in scores:
        row = [
            str(s.rank),
            f"{countries.name(s.iso3, lang)} ({s.iso3})",
            _fmt(s.score),
            f"{s.coverage:.0%}",
            *(_fmt(s.dimensions.get(d)) for d in spec.ids),
        ]
        if sens:
            row += [_fmt(s.first_share, "{:.0%}"), _fmt(s.top3_share, "{:.0%}")]
        if product:
            row += [
                _fmt(s.imports_usd, "{:,.0f}"),
                _fmt(s.imports_growth_5y, "{:+.1f}%"),
                _fmt(s.taiwan_share, "{:.1f}%"),
                ", ".join(f"{p} {v:.0f}%" for p, v in s.top_suppliers[:3]) or "–",
            ]
        if pot:
            p = s.potential
            known = p is not None and p.untapped_potential_usd is not None
            util = f" ({p.utilisation:.0%})" if known and p.utilisation is not None else ""
            row.append(f"{p.untapped_potential_usd:,.0f}{util}" if known else "—")
        table.add_row(*row)
    return table
