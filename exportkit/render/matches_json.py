"""``matches.json``: a match run as one JSON document, checked against the shipped schema.

Every text is given in both languages (``{"zh-TW": …, "en": …}``); the schema is
``exportkit/data/matches.schema.json`` (``exportkit match --schema`` prints it).
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from exportkit import __version__
from exportkit.errors import ExportkitError
from exportkit.models import Coded, Demand, Match, MatchRun, Meeting, SupplierProfile, Text
from exportkit.resources import data_file

SCHEMA_VERSION = "1.0"


@cache
def matches_schema() -> dict[str, Any]:
    """The JSON Schema of ``matches.json``."""
    with data_file("matches.schema.json").open("r", encoding="utf-8") as fh:
        return json.load(fh)


def validate_matches(doc: dict[str, Any]) -> None:
    """Raise ``ExportkitError`` naming the first place ``doc`` breaks the schema."""
    validator = jsonschema.Draft7Validator(matches_schema())
    error = next(iter(sorted(validator.iter_errors(doc), key=lambda e: list(e.path))), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(document)"
        raise ExportkitError(
            f"matches.json does not match its schema at {where}: {error.message}",
            zh=f"matches.json 不符合其結構定義（{where}）：{error.message}",
        )


def _text(t: Text | None) -> dict[str, str] | None:
    return None if t is None else {"zh-TW": t.zh_TW, "en": t.en}


def _coded(c: Coded | None) -> dict[str, Any] | None:
    return None if c is None else {"id": c.id, "label": _text(c.label)}


def _demand(d: Demand) -> dict[str, Any]:
    return {
        "id": d.id,
        "file": d.file,
        "organisation": d.organisation,
        "display_name": _text(d.display_name),
        "respondent_type": _coded(d.respondent_type),
        "country": {"iso3": d.country, "name": _text(d.country_name)},
        "city": d.city,
        "products": d.products,
        "industry": _coded(d.industry),
        "hs_codes": list(d.hs_codes),
        "annual_volume_usd": d.annual_volume_usd,
        "quantity": d.quantity,
        "price_band": _coded(d.price_band),
        "partnerships": [_coded(p) for p in d.partnerships],
        "timing": _coded(d.timing),
        "certifications": [_coded(c) for c in d.certifications],
        "certifications_other": d.certifications_other,
        "supplier_experience": _coded(d.supplier_experience),
        "notes": d.notes,
        "consent_to_share": d.consent_to_share,
        "contact": None
        if d.contact is None
        else {
            "name": d.contact.name,
            "email": d.contact.email,
            "phone": d.contact.phone,
            "website": d.contact.website,
        },
        "lang": d.lang,
    }


def _match(m: Match) -> dict[str, Any]:
    return {
        "firm": m.firm_key,
        "rank": m.rank,
        "score": m.score,
        "strength": m.strength,
        "product_level": m.product_level,
        "criteria": [
            {
                "id": c.id,
                "weight": c.weight,
                "points": round(c.points, 4),
                "status": c.status,
                "reason": _text(c.reason),
                "source": c.source,
            }
            for c in m.criteria
        ],
        "gaps": [{"criterion": g.criterion, "text": _text(g.text)} for g in m.gaps],
    }


def _firm(f: SupplierProfile) -> dict[str, Any]:
    return {
        "key": f.key,
        "name": f.name,
        "file": f.file,
        "tax_id": f.tax_id,
        "definition": f.definition_id,
        "industry": _coded(f.industry),
        "hs_codes": list(f.hs_codes),
        "certifications": [_coded(c) for c in f.certifications],
        "spare_capacity_usd": None
        if f.spare_capacity_usd is None
        else round(f.spare_capacity_usd, 2),
        "readiness": f.readiness,
        "band": _coded(f.band),
        "driver_type": _coded(f.driver_type),
        "theme": _coded(f.theme),
        "target_markets": list(f.target_markets),
        "current_markets": list(f.current_markets),
    }


def _meeting(m: Meeting) -> dict[str, Any]:
    return {
        "id": m.id,
        "market": {"iso3": m.market, "name": _text(m.market_name)},
        "theme": _coded(m.theme),
        "driver_type": _coded(m.driver_type),
        "title": _text(m.title),
        "demands": list(m.demand_ids),
        "invites": [
            {
                "firm": i.firm_key,
                "name": i.firm_name,
                "demands": list(i.demand_ids),
                "scores": list(i.scores),
                "prepare": [_text(p) for p in i.prepare],
            }
            for i in m.invites
        ],
        "agenda": [{"minutes": a.minutes, "text": _text(a.text)} for a in m.agenda],
        "minutes": sum(a.minutes for a in m.agenda),
    }


def matches_document(run: MatchRun) -> dict[str, Any]:
    """The run as the JSON document ``matches.json`` holds (not yet validated)."""
    s = run.settings
    return {
        "schema_version": SCHEMA_VERSION,
        "exportkit_version": __version__,
        "generated_at": run.generated_at.isoformat(),
        "criteria_version": run.result.criteria_version,
        "rules_version": s.rules_version,
        "settings": {
            "firms": list(s.firm_inputs),
            "demands": list(s.demand_inputs),
            "lang": s.lang,
            "formats": list(s.formats),
            "meetings": s.meetings,
            "database": s.database,
        },
        "criteria": [
            {
                "id": c.id,
                "title": _text(c.title),
                "weight": c.weight,
                "source": c.source,
                "heuristic": c.heuristic,
            }
            for c in run.result.criteria
        ],
        "firms": [_firm(f) for f in run.result.firms],
        "demands": [
            {
                **_demand(o.demand),
                "status": o.status,
                "unmatched_reason": _text(o.reason),
                "matches": [_match(m) for m in o.matches],
            }
            for o in run.result.outcomes
        ],
        "meetings": [_meeting(m) for m in run.meetings],
        "outputs": {k: os.fspath(v) for k, v in sorted(run.outputs.items())},
        "errors": [
            {
                "file": f.file,
                "messages": {"zh-TW": f.messages("zh-TW"), "en": f.messages("en")},
            }
            for f in [*run.failures, *run.document_failures]
        ],
    }


def write_matches_json(run: MatchRun, path: str | Path) -> Path:
    """Validate and write ``matches.json`` (atomically); returns the path."""
    doc = matches_document(run)
    validate_matches(doc)
    target = Path(path)
    tmp = target.with_name(target.name + ".part")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(target)
    return target
