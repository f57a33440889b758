"""``results.json``: the run as one JSON document, checked against the shipped JSON Schema.

Everything comes from the :class:`~exportkit.models.AssessmentRun`: names of modes and themes
from the recommendations, of bands and driver types from the run's questionnaire definition,
provenance from the market profiles the advice was made from.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, fields, is_dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema

from exportkit import __version__
from exportkit.countries import name as country_name
from exportkit.errors import ExportkitError
from exportkit.models import (
    AssessmentRun,
    FiredRule,
    FirmAssessment,
    MarketProfile,
    MarketScore,
    MarketSummary,
    Recommendation,
    Text,
)
from exportkit.render.definition import band_text, driver_text
from exportkit.resources import data_file

SCHEMA_VERSION = "1.0"


@cache
def results_schema() -> dict[str, Any]:
    """The JSON Schema of ``results.json`` (``exportkit/data/results.schema.json``)."""
    with data_file("results.schema.json").open("r", encoding="utf-8") as fh:
        return json.load(fh)


def _no_fetch(uri: str) -> dict[str, Any]:
    # fastjsonschema resolves a schema's own $id by URL; never let it touch the network
    if uri.split("#")[0] == results_schema()["$id"]:
        return results_schema()
    raise ExportkitError(
        f"results schema refers to {uri}, which exportkit does not ship",
        zh=f"results 結構定義參照了 exportkit 未附的 {uri}",
    )


_LOCAL_ONLY = {"http": _no_fetch, "https": _no_fetch}


@cache
def _fast_validator():
    # fastjsonschema compiles the schema to Python: ~50x faster than jsonschema on a
    # 1,000-firm document. jsonschema is kept to explain a failure precisely.
    return fastjsonschema.compile(results_schema(), handlers=_LOCAL_ONLY)


def validate_results(doc: dict[str, Any]) -> None:
    """Raise ``ExportkitError`` naming the first place ``doc`` breaks the schema."""
    try:
        _fast_validator()(doc)
    except fastjsonschema.JsonSchemaValueException:
        validator = jsonschema.Draft7Validator(
            results_schema(), format_checker=jsonschema.FormatChecker()
        )
        error = jsonschema.exceptions.best_match(validator.iter_errors(doc))
        if error is None:  # the two validators disagree: report the fast one's finding
            raise
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ExportkitError(
            f"results.json does not match its schema at {where}: {error.message}",
            zh=f"results.json 不符合其結構定義（{where}）：{error.message}",
        ) from None


def _reason(rule: FiredRule) -> dict[str, Any]:
    out: dict[str, Any] = {"rule": rule.id, "zh-TW": rule.reason.zh_TW, "en": rule.reason.en}
    if rule.effect is not None:
        out["effect"] = rule.effect
    if rule.source:
        out["source"] = rule.source
    return out


def _text(zh: str, en: str) -> dict[str, str]:
    return {"zh-TW": zh, "en": en}


def _jsonable(value: Any) -> Any:
    if is_dataclass(value):
        return _jsonable(asdict(value))
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def _score(value: float | None) -> float | None:
    return None if value is None or value != value else value  # NaN: no index data


def _iso(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime) else str(value)


def provenance_rows(profile: MarketProfile, codes: tuple[str, ...] | None = None) -> list[dict]:
    """Where the profile's indicators (all, or ``codes``) and tariffs came from."""
    out = []
    wanted = None if codes is None else set(codes)
    for code, ind in sorted(profile.indicators.items()):
        if wanted is not None and code not in wanted:
            continue
        value = ind.value
        if value is not None and isinstance(value, float) and math.isnan(value):
            value = None
        out.append(
            {
                "indicator": code,
                "value": value,
                "unit": ind.unit or None,
                "year": ind.year,
                "source": ind.source or "",
                "url": ind.source_url or None,
                "retrieved_at": _iso(ind.retrieved_at) if ind.retrieved_at else None,
            }
        )
    for t in profile.tariffs:
        out.append(
            {
                "indicator": f"tariff:{t.tariff_type}:{t.hs_code}:{t.partner_iso3}",
                "value": t.rate,
                "unit": "percent",
                "year": t.year,
                "source": t.source or "",
                "url": t.source_url or None,
                "retrieved_at": t.retrieved_at.isoformat()
                if isinstance(t.retrieved_at, datetime)
                else None,
            }
        )
    return out


def product_record(profile: MarketProfile) -> dict[str, Any] | None:
    """The product view of one firm × market: imports of the firm's HS codes, Taiwan's share,
    the export potential (None = not computable, with the reason and the crawl that fills it)
    and where the trade figures came from. None without HS codes."""
    if not profile.hs_codes:
        return None
    pot = profile.potential
    reason = pot.reason if pot else None
    trade = profile.trade
    return {
        "hs_codes": list(profile.hs_codes),
        "imports_usd": profile.imports_usd,
        "imports_growth_5y": profile.imports_growth_5y,
        "taiwan_share": profile.taiwan_share,
        "potential_usd": pot.potential_usd if pot else None,
        "untapped_potential_usd": pot.untapped_potential_usd if pot else None,
        "utilisation": pot.utilisation if pot else None,
        "potential_year": pot.year if pot else None,
        "potential_status": (pot.status if pot else None) or "missing",
        "potential_reason": None if reason is None else {"zh-TW": reason.zh_TW, "en": reason.en},
        "potential_command": pot.command if pot else None,
        "potential_flags": list(pot.flags) if pot else [],
        "trade_source": None
        if trade is None
        else {
            "source": trade.source,
            "url": trade.url or None,
            "retrieved_at": _iso(trade.retrieved_at),
        },
    }


def market_summary(summary: MarketSummary) -> dict[str, Any]:
    """One market, once per run: attractiveness, the country facts used, and provenance."""
    iso3, score, facts = summary.iso3, summary.profile.score, summary.facts
    return {
        "iso3": iso3,
        "name": _text(country_name(iso3, "zh-TW"), country_name(iso3, "en")),
        "attractiveness": None
        if score is None
        else {
            "score": _score(score.score),
            "rank": score.rank,
            "coverage": score.coverage,
            "dimensions": _jsonable(score.dimensions),
            "first_share": score.first_share,
            "top3_share": score.top3_share,
            "view": score.view,
            "view_label": None
            if score.view_label is None
            else _text(score.view_label.zh_TW, score.view_label.en),
            "flags": list(score.flags),
        },
        "market_facts": None
        if facts is None
        else {
            "foreign_ownership": facts.foreign_ownership,
            "foreign_ownership_law": facts.foreign_ownership_law,
            "psychic_distance": facts.psychic_distance,
            "taiwanese_business": facts.taiwanese_business,
            "taiwanese_chamber": facts.taiwanese_chamber or None,
            "source": summary.facts_source,
        },
        "provenance": provenance_rows(summary.profile),
    }


def market_entry(
    rec: Recommendation,
    provenance: list[dict[str, Any]],
    attractiveness: MarketScore | None,
    product: dict[str, Any] | None = None,
) -> dict:
    """One ranked market of one firm (``product``: its product view, when HS codes given)."""
    modes = [
        {
            "mode": m.mode,
            "rank": i,
            "score": m.score,
            "label": _text(m.name("zh-TW"), m.name("en")),
            "reasons": [{"rule": r.id, "effect": r.effect or 0.0} for r in m.reasons],
        }
        for i, m in enumerate(rec.entry_modes, start=1)
    ]
    entry = {
        "iso3": rec.iso3,
        "name": _text(country_name(rec.iso3, "zh-TW"), country_name(rec.iso3, "en")),
        "rank": rec.rank,
        "fit_score": rec.fit.fit_score,
        "excluded": rec.fit.excluded,
        "attractiveness": None
        if attractiveness is None
        else {
            "score": _score(attractiveness.score),
            "rank": attractiveness.rank,
            "first_share": attractiveness.first_share,
            "top3_share": attractiveness.top3_share,
        },
        "fit_reasons": [_reason(r) for r in rec.fit.reasons],
        "entry_modes": modes,
        "recommended_mode": None if rec.fit.excluded else rec.entry_modes[0].mode,
        "decided_by": rec.decided_by,
        "decision_note": _text(rec.decision_note.zh_TW, rec.decision_note.en),
        "staged_path": _text(rec.staged_path.zh_TW, rec.staged_path.en),
        "theme": rec.theme,
        "fired_rules": [_reason(r) for r in rec.fired],
        "not_evaluated": [_reason(r) for r in rec.not_evaluated],
        "provenance": provenance,
    }
    if product is not None:
        entry["product"] = _jsonable(product)
    return entry


def _theme(recs) -> dict[str, Any]:
    """The firm's strategy theme (the same for every market: it follows from the firm)."""
    if not recs:
        return {"id": None, "label": None, "reason": _text("", "")}
    rec = recs[0]
    label = rec.theme_label
    return {
        "id": rec.theme,
        "label": None if label is None else _text(label.zh_TW, label.en),
        "reason": _text(rec.theme_reason.zh_TW, rec.theme_reason.en),
    }


def _label(text: Text | None, fallback: str) -> dict[str, str]:
    return _text(fallback, fallback) if text is None else _text(text.zh_TW, text.en)


def firm_entry(item: FirmAssessment, run: AssessmentRun) -> dict[str, Any]:
    """Everything about one firm: scores, change since last time, ranked markets."""
    score = item.readiness
    previous = item.previous
    dimensions = {}
    for dim_id, dim in score.dimensions.items():
        before = previous.dimensions.get(dim_id) if previous else None
        dimensions[dim_id] = {
            "score": round(dim.score, 1),
            "weight": dim.weight,
            "answered": dim.answered,
            "items": dim.items,
            "label": _label(dim.label, dim_id),
            "previous": None if before is None else round(before.score, 1),
            "change": None if before is None else round(dim.score - before.score, 1),
        }
    firm = item.firm
    markets = []
    for rec in item.recommendations:
        profile = item.profile(rec.iso3)
        markets.append(
            market_entry(
                rec,
                [] if profile is None else provenance_rows(profile, run.indicator_codes),
                run.scores.get(rec.iso3),
                None if profile is None else product_record(profile),
            )
        )
    return {
        "firm": score.firm or firm.name,
        "tax_id": score.tax_id,
        "file": score.file,
        "output": item.output_name,
        "assessed_on": item.assessed_on.isoformat(),
        "definition": score.definition_id,
        "overall": round(score.overall, 1),
        "band": score.band,
        "band_label": _label(band_text(run.definition, score.band), score.band),
        "coverage": score.coverage,
        "driver_type": score.driver_type,
        "driver_type_label": None
        if score.driver_type is None
        else _label(driver_text(run.definition, score.driver_type), score.driver_type),
        "percentile": score.percentile,
        "strengths": list(score.strengths),
        "gaps": list(score.gaps),
        "profile": _jsonable(firm),
        "dimensions": dimensions,
        "theme": _theme(item.recommendations),
        "previous_assessment": None
        if previous is None
        else {
            "overall": round(previous.overall, 1),
            "band": previous.band,
            "overall_change": round(score.overall - previous.overall, 1),
        },
        "markets": markets,
        "documents": _documents(item),
    }


def error_entry(failure, lang: str, stage: str = "input") -> dict[str, Any]:
    """A failed input file (``stage="input"``) or a document that could not be written
    (``stage="render"``, ``file`` relative to the output folder)."""
    zh, en = failure.messages("zh-TW"), failure.messages("en")
    messages = zh if lang == "zh-TW" else en
    return {
        "file": failure.file,
        "stage": stage,
        "messages": messages or ["(no detail)"],
        "messages_zh_TW": zh,
        "messages_en": en,
    }


def _documents(item: FirmAssessment) -> list[dict[str, Any]]:
    return [{"kind": d.kind, "iso3": d.iso3, "html": d.html, "pdf": d.pdf} for d in item.documents]


def record(value: object) -> dict[str, Any]:
    """A flat dataclass (``RunSettings``, ``DataVintage``) as JSON-ready fields, in order."""
    return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}


def _head(run: AssessmentRun) -> dict[str, Any]:
    lang = run.settings.lang
    return {
        "schema_version": SCHEMA_VERSION,
        "exportkit_version": __version__,
        "generated_at": run.generated_at.isoformat(),
        "settings": record(run.settings),
        "data_vintage": record(run.data_vintage),
        "markets": [market_summary(m) for m in run.markets],
        "firms": [],
        "errors": [error_entry(f, lang) for f in run.failures]
        + [error_entry(f, lang, "render") for f in run.document_failures],
    }


def build_results(run: AssessmentRun) -> dict[str, Any]:
    """The whole ``results.json`` document for ``run`` as one dict (for library use)."""
    doc = _head(run)
    doc["firms"] = [firm_entry(item, run) for item in run.firms]
    return doc


@cache
def _firm_validator():
    schema = results_schema()
    return fastjsonschema.compile(
        {
            "$schema": schema["$schema"],
            "$id": schema["$id"],
            "$ref": "#/definitions/firm",
            "definitions": schema["definitions"],
        },
        handlers=_LOCAL_ONLY,
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write_results(run: AssessmentRun, path: Path, firms_dir: Path | None = None) -> Path:
    """Write ``results.json`` for ``run``, each part checked against the schema first.

    Firms are built, validated and written one at a time, so a 1,000-firm run never holds the
    whole document in memory. With ``firms_dir``, each firm's entry is also written to its own
    file (``run.firms[i].output_name``, relative to ``path``'s folder).
    """
    head = _head(run)
    validate_results(head)  # everything but the firms
    check_firm = _firm_validator()
    errors = head.pop("errors")
    head.pop("firms")
    tmp = path.with_suffix(".json.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(_dumps(head)[:-1] + ',"firms":[')
        for i, item in enumerate(run.firms):
            entry = firm_entry(item, run)
            try:
                check_firm(entry)
            except fastjsonschema.JsonSchemaValueException:
                validate_results({**_head(run), "firms": [entry]})  # precise message
                raise
            text = _dumps(entry)
            fh.write(("," if i else "") + text)
            if firms_dir is not None and item.output_name:
                (path.parent / item.output_name).write_text(text, encoding="utf-8")
        fh.write('],"errors":' + _dumps(errors) + "}")
    tmp.replace(path)
    return path
