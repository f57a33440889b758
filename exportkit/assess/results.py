"""``results.json``: the run as one JSON document, checked against the shipped JSON Schema."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import fastjsonschema
import jsonschema

from exportkit import __version__
from exportkit.countries import name as country_name
from exportkit.entry_mode.factors import market_facts
from exportkit.errors import ExportkitError
from exportkit.models import FiredRule, Recommendation
from exportkit.resources import data_file

if TYPE_CHECKING:
    from exportkit.assess.pipeline import AssessmentRun, FirmAssessment

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
    raise ExportkitError(f"results schema refers to {uri}, which exportkit does not ship")


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
            f"results.json does not match its schema at {where}: {error.message}"
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


def market_summary(iso3: str, score, provenance: list[dict[str, Any]]) -> dict[str, Any]:
    """One market, once per run: attractiveness, the country facts used, and provenance."""
    facts = market_facts().countries.get(iso3)
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
        },
        "market_facts": None
        if facts is None
        else {
            "foreign_ownership": facts.foreign_ownership,
            "foreign_ownership_law": facts.foreign_ownership_law,
            "psychic_distance": facts.psychic_distance,
            "taiwanese_business": facts.taiwanese_business,
            "taiwanese_chamber": facts.taiwanese_chamber or None,
            "source": "exportkit/data/market_factors.yaml " + market_facts().version,
        },
        "provenance": provenance,
    }


def market_entry(
    rec: Recommendation,
    provenance: list[dict[str, Any]],
    attractiveness,
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


@cache
def _questionnaire_labels() -> tuple[dict[str, Any], dict[str, Any]]:
    from exportkit.questionnaire import load_definition

    definition = load_definition("export-readiness")
    return (
        {b.id: b.label for b in definition.bands},
        {t.id: t.label for t in definition.driver_types},
    )


def _label(text, fallback: str) -> dict[str, str]:
    return _text(fallback, fallback) if text is None else _text(text.zh_TW, text.en)


def firm_entry(item: FirmAssessment, scores: dict[str, Any]) -> dict[str, Any]:
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
    bands, drivers = _questionnaire_labels()
    return {
        "firm": score.firm or firm.name,
        "tax_id": score.tax_id,
        "file": score.file,
        "output": item.output_name,
        "assessed_on": item.assessed_on.isoformat(),
        "definition": score.definition_id,
        "overall": round(score.overall, 1),
        "band": score.band,
        "band_label": _label(bands.get(score.band), score.band),
        "coverage": score.coverage,
        "driver_type": score.driver_type,
        "driver_type_label": None
        if score.driver_type is None
        else _label(drivers.get(score.driver_type), score.driver_type),
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
        "markets": [
            market_entry(
                rec,
                item.provenance.get(rec.iso3, []),
                scores.get(rec.iso3),
                item.products.get(rec.iso3),
            )
            for rec in item.recommendations
        ],
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


def _head(run: AssessmentRun) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "exportkit_version": __version__,
        "generated_at": run.generated_at.isoformat(),
        "settings": run.settings,
        "data_vintage": run.data_vintage,
        "markets": run.market_summaries,
        "firms": [],
        "errors": [error_entry(f, run.settings["lang"]) for f in run.failures]
        + [error_entry(f, run.settings["lang"], "render") for f in run.document_failures],
    }


def build_results(run: AssessmentRun) -> dict[str, Any]:
    """The whole ``results.json`` document for ``run`` as one dict (for library use)."""
    doc = _head(run)
    doc["firms"] = [firm_entry(item, run.scores) for item in run.firms]
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
            entry = firm_entry(item, run.scores)
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
