"""``results.json``: the run as one JSON document, checked against the shipped JSON Schema.

Everything comes from the :class:`~exportkit.models.AssessmentRun`: names of modes and themes
from the recommendations, of bands and driver types from the run's questionnaire definition,
provenance from the market profiles the advice was made from. Schema 3: texts in the run's
``json_langs`` (one language by default), each rule text, name, staged path, provenance row,
product view, reason, ranking of the entry modes and list of provenance rows stated once in a
table
(``render/references.py``) and referred to by id, a market's fields at their schema default
left out; ``exportkit.results.load`` expands the references and puts the defaults back.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema

from exportkit import __version__
from exportkit.beside import beside
from exportkit.countries import name as country_name
from exportkit.errors import ExportkitError
from exportkit.models import (
    AssessmentRun,
    FirmAssessment,
    MarketProfile,
    MarketSummary,
    Recommendation,
    Text,
)
from exportkit.render.definition import band_text, driver_text
from exportkit.render.references import NUMBERED, TABLES, ResultTables
from exportkit.resources import data_file

# 2.0: one language per file by default, texts stated once in tables (exportkit.results.load)
# 3.0: reasons and rankings of the entry modes stated once (reasons, modes), defaults left out
SCHEMA_VERSION = "3.0"


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
    # 1,000-firm document. jsonschema is kept to explain a failure precisely. use_default=False:
    # it would otherwise write the schema's defaults into the document it checks, putting back
    # the fields the writer leaves out.
    return fastjsonschema.compile(results_schema(), handlers=_LOCAL_ONLY, use_default=False)


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


def _jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        # field by field: asdict would copy every nested value first, then be walked again
        return {f.name: _jsonable(getattr(value, f.name)) for f in fields(value)}
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
    return _indicator_rows(profile.indicators, codes) + [_tariff_row(t) for t in profile.tariffs]


def _indicator_rows(indicators: dict, codes: tuple[str, ...] | None) -> list[dict]:
    out = []
    wanted = None if codes is None else set(codes)
    for code, ind in sorted(indicators.items()):
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
    return out


def _tariff_row(t) -> dict:
    return {
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


def _usd(value: float | None) -> float | None:
    # whole dollars: the cents of an estimate of a market's imports are noise
    return None if value is None or value != value else float(round(value))


def product_record(
    profile: MarketProfile, tables: ResultTables | None = None
) -> dict[str, Any] | None:
    """The product view of one firm × market: imports of the firm's HS codes, Taiwan's share,
    the export potential (None = not computable, with the reason and the crawl that fills it)
    and where the trade figures came from. None without HS codes.

    With ``tables``, the reason (in ``texts``) and the trade source (in ``sources``) are
    references; without, both are inline and the reason is in both languages."""
    if not profile.hs_codes:
        return None
    pot = profile.potential
    reason = pot.reason if pot else None
    trade = profile.trade
    source = (
        None
        if trade is None
        else {
            "source": trade.source,
            "url": trade.url or None,
            "retrieved_at": _iso(trade.retrieved_at),
        }
    )
    if tables is None:
        why = None if reason is None else {"zh-TW": reason.zh_TW, "en": reason.en}
    else:
        why = None if reason is None else tables.interned("texts", reason)
        source = None if source is None else tables.interned("sources", source)
    return {
        "hs_codes": list(profile.hs_codes),
        "imports_usd": _usd(profile.imports_usd),
        "imports_growth_5y": _score(profile.imports_growth_5y),
        "taiwan_share": _score(profile.taiwan_share),
        "potential_usd": _usd(pot.potential_usd if pot else None),
        "untapped_potential_usd": _usd(pot.untapped_potential_usd if pot else None),
        "utilisation": None
        if pot is None or _score(pot.utilisation) is None
        else round(pot.utilisation, 4),
        "potential_year": pot.year if pot else None,
        "potential_status": (pot.status if pot else None) or "missing",
        "potential_reason": why,
        "potential_command": pot.command if pot else None,
        "potential_flags": list(pot.flags) if pot else [],
        "trade_source": source,
    }


def market_summary(summary: MarketSummary, tables: ResultTables) -> dict[str, Any]:
    """One market, once per run: attractiveness, the country facts used, and provenance."""
    iso3, score, facts = summary.iso3, summary.profile.score, summary.facts
    return {
        "iso3": iso3,
        "name": tables.text(country_text(iso3)),
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
            "view_label": None if score.view_label is None else tables.text(score.view_label),
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


def country_text(iso3: str) -> Text:
    """The country's name in both languages."""
    return Text(country_name(iso3, "zh-TW"), country_name(iso3, "en"))


def market_entry(
    rec: Recommendation,
    provenance: str,
    tables: ResultTables,
    product: dict[str, Any] | str | None = None,
    firm_theme: str | None = None,
) -> dict:
    """One ranked market of one firm (``product``: its product view, when HS codes given,
    or its id in ``products``).

    Names, rule texts, reasons, the ranking of the modes, the staged path and ``provenance``
    (the id of a list of rows) are references into ``tables``; the market's attractiveness (the same for
    every firm) is under the top-level markets. A field equal to its default in the schema
    (``excluded`` false, ``decided_by`` rules, no ``decision_note``, no ``fired_rules`` or
    ``not_evaluated``) is left out.
    """
    tables.label(f"country:{rec.iso3}", country_text(rec.iso3), rec.iso3)
    fit_reasons = [tables.reason(r) for r in rec.fit.reasons]
    fired = [tables.reason(r) for r in rec.fired]  # states the rules the modes refer to
    entry: dict[str, Any] = {"iso3": rec.iso3, "rank": rec.rank, "fit_score": rec.fit.fit_score}
    if rec.fit.excluded:
        entry["excluded"] = True
    entry["fit_reasons"] = fit_reasons
    entry["entry_modes"] = tables.modes(rec)  # best first: the rank is the position
    if rec.decided_by != "rules":
        entry["decided_by"] = rec.decided_by
    if any(rec.decision_note.get(lang) for lang in tables.langs):
        entry["decision_note"] = tables.interned("texts", rec.decision_note)
    entry["staged_path"] = tables.interned("texts", rec.staged_path)
    if fired:
        entry["fired_rules"] = fired
    if rec.not_evaluated:
        entry["not_evaluated"] = [tables.reason(r) for r in rec.not_evaluated]
    entry["provenance"] = provenance
    if rec.theme != firm_theme:  # the firm's theme is the same in every market: said once
        entry["theme"] = rec.theme
    if product is not None:  # the same for every firm with these HS codes: said once
        entry["product"] = (
            product if isinstance(product, str) else tables.interned("products", product)
        )
    return entry


def _theme(recs, tables: ResultTables) -> dict[str, Any]:
    """The firm's strategy theme (the same for every market: it follows from the firm)."""
    if not recs:
        return {"id": None, "reason": tables.text(Text("", ""))}
    rec = recs[0]
    if rec.theme is not None:
        tables.label(f"theme:{rec.theme}", rec.theme_label, rec.theme)
    return {"id": rec.theme, "reason": tables.text(rec.theme_reason)}


def _provenance_ref(profile: MarketProfile | None, run: AssessmentRun, tables: ResultTables) -> str:
    """The id in ``source_lists`` of the ids in ``sources`` of the rows ``provenance_rows``
    gives for this firm × market (an empty list without a profile).

    Every firm's profile of a market shares the market's indicators and tariff objects, so
    the rows are made once per market and set of tariffs, not once per firm."""
    if profile is None:
        return tables.interned("source_lists", [], ())
    key = ("provenance", id(profile.indicators), tuple(map(id, profile.tariffs)))
    known = tables.memo.get(key)
    if known is None:
        # the rows of provenance_rows, each made once: a market's indicators are the same
        # in every profile of it, a tariff row the same wherever the tariff is
        refs = tables.memo.get(("indicator rows", id(profile.indicators)))
        if refs is None:
            rows = _indicator_rows(profile.indicators, run.indicator_codes)
            refs = [tables.interned("sources", row) for row in rows]
            tables.memo[("indicator rows", id(profile.indicators))] = refs
        refs = list(refs)
        for t in profile.tariffs:
            ref = tables.memo.get(("tariff row", id(t)))
            if ref is None:
                ref = tables.memo[("tariff row", id(t))] = tables.interned(
                    "sources", _tariff_row(t)
                )
            refs.append(ref)
        known = tables.memo[key] = (tables.interned("source_lists", refs, tuple(refs)), refs)
    ref, refs = known
    tables.mark_used("sources", refs)
    return tables.mark_used("source_lists", [ref])[0]


def _product_ref(profile: MarketProfile, tables: ResultTables) -> str | None:
    """The id in ``products`` of the profile's product view (None without HS codes), made
    once per profile: every firm selling the same HS codes shares the market's profile."""
    made = tables.memo.get(("product of", id(profile)))
    if made is None:
        record = product_record(profile, tables)
        refs = []
        if record is not None:
            refs.append(("products", tables.interned("products", record)))
            for table, field in (("texts", "potential_reason"), ("sources", "trade_source")):
                if record[field] is not None:
                    refs.append((table, record[field]))
        made = tables.memo[("product of", id(profile))] = (record is not None, refs)
    present, refs = made
    for table, ref in refs:  # what the product view refers to is this firm's too
        tables.mark_used(table, [ref])
    return refs[0][1] if present else None


def firm_entry(item: FirmAssessment, run: AssessmentRun, tables: ResultTables) -> dict[str, Any]:
    """Everything about one firm: scores, change since last time, ranked markets.

    Names of the band, driver type, dimensions, theme, modes and countries are stated once in
    ``tables`` (``labels``) and referred to by their ids.
    """
    score = item.readiness
    previous = item.previous
    dimensions = {}
    for dim_id, dim in score.dimensions.items():
        before = previous.dimensions.get(dim_id) if previous else None
        tables.label(f"dimension:{dim_id}", dim.label, dim_id)
        dimensions[dim_id] = {
            "score": round(dim.score, 1),
            "weight": dim.weight,
            "answered": dim.answered,
            "items": dim.items,
        }
        if before is not None:  # a first assessment has nothing to compare with
            dimensions[dim_id]["previous"] = round(before.score, 1)
            dimensions[dim_id]["change"] = round(dim.score - before.score, 1)
    tables.label(f"band:{score.band}", band_text(run.definition, score.band), score.band)
    if score.driver_type is not None:
        driver = driver_text(run.definition, score.driver_type)
        tables.label(f"driver:{score.driver_type}", driver, score.driver_type)
    firm = item.firm
    markets = []
    for rec in item.recommendations:
        profile = item.profile(rec.iso3)
        markets.append(
            market_entry(
                rec,
                _provenance_ref(profile, run, tables),
                tables,
                None if profile is None else _product_ref(profile, tables),
                item.recommendations[0].theme,
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
        "coverage": score.coverage,
        "driver_type": score.driver_type,
        "percentile": score.percentile,
        "strengths": list(score.strengths),
        "gaps": list(score.gaps),
        "profile": _jsonable(firm),
        "dimensions": dimensions,
        "theme": _theme(item.recommendations, tables),
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


def result_langs(run: AssessmentRun) -> tuple[str, ...]:
    """The languages results.json is written in: ``settings.json_langs``, else ``--lang``."""
    return tuple(run.settings.json_langs) or (run.settings.lang,)


def _head(run: AssessmentRun, tables: ResultTables) -> dict[str, Any]:
    lang = run.settings.lang
    return {
        "schema_version": SCHEMA_VERSION,
        "exportkit_version": __version__,
        "generated_at": run.generated_at.isoformat(),
        "languages": list(tables.langs),
        "settings": record(run.settings),
        "data_vintage": record(run.data_vintage),
        "markets": [market_summary(m, tables) for m in run.markets],
        "firms": [],
        "errors": [error_entry(f, lang) for f in run.failures]
        + [error_entry(f, lang, "render") for f in run.document_failures],
    }


def build_results(run: AssessmentRun) -> dict[str, Any]:
    """The whole ``results.json`` document for ``run`` as one dict (for library use; the
    references are not expanded: ``exportkit.results.expand`` does that)."""
    tables = ResultTables(result_langs(run))
    doc = _head(run, tables)
    doc["firms"] = [firm_entry(item, run, tables) for item in run.firms]
    doc.update(tables.tables)
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
        use_default=False,
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _tables_json(part: dict[str, dict[str, Any]], rows: dict[str, dict[str, str]]) -> str:
    """``,"rules":{…},"labels":{…},…``: the tables as ``_dumps`` writes them, each row of a
    numbered table encoded once per run (a row never changes once stated; every firm's own
    file repeats hundreds of them)."""
    out = []
    for name, table in part.items():
        encoded = rows.get(name)
        if encoded is None:
            out.append(f",{_dumps(name)}:{_dumps(table)}")
            continue
        items = []
        for key, value in table.items():
            text = encoded.get(key)
            if text is None:
                text = encoded[key] = f"{_dumps(key)}:{_dumps(value)}"
            items.append(text)
        out.append(f",{_dumps(name)}:{{{','.join(items)}}}")
    return "".join(out)


def _firm_tables_json(
    tables: ResultTables, used: dict[str, set[str]], rows: dict[str, dict[str, str]]
) -> str:
    """``_tables_json`` of the part of the tables a firm's entry used (``tables.firm_keys``),
    joined straight from the rows already encoded, without building the part first."""
    out = []
    for name in TABLES:
        table, keys = tables.tables[name], tables.firm_keys(name, used[name])
        encoded = rows.get(name)
        if encoded is None:
            out.append(f",{_dumps(name)}:{_dumps({k: table[k] for k in keys})}")
            continue
        items = []
        for key in keys:
            text = encoded.get(key)
            if text is None:
                text = encoded[key] = f"{_dumps(key)}:{_dumps(table[key])}"
            items.append(text)
        out.append(f",{_dumps(name)}:{{{','.join(items)}}}")
    return "".join(out)


def _check_every_firm() -> bool:
    return os.environ.get("EXPORTKIT_CHECK_RESULTS", "").strip().casefold() == "all"


def write_results(
    run: AssessmentRun,
    path: Path,
    firms_dir: Path | None = None,
    *,
    check_firms: bool | None = None,
) -> Path:
    """Write ``results.json`` for ``run``, checked against the schema first.

    The head, the tables and the first firm's entry are always checked; every firm's entry
    with ``check_firms`` (default: when ``EXPORTKIT_CHECK_RESULTS=all``, as the tests run).
    Every entry is made by the same code, and checking them all cost a fifth of a
    1,000-firm run. Firms are built, checked and written one at a time, so a 1,000-firm run
    never holds the whole document in memory; the tables their entries refer to come last. With
    ``firms_dir``, each firm is also written to its own file (``run.firms[i].output_name``,
    relative to ``path``'s folder): a results document of that one firm with the part of the
    tables it refers to, so ``exportkit.results.load`` reads either.
    """
    tables = ResultTables(result_langs(run))
    head = _head(run, tables)
    validate_results({**head, **tables.tables})  # everything but the firms and tables
    check_firm = _firm_validator()
    check_all = _check_every_firm() if check_firms is None else check_firms
    errors = head.pop("errors")
    head.pop("firms")
    # a firm's own file: the head with each market's name and attractiveness only, and its
    # own workbook as the inputs (a file sent to one firm names no other firm's workbook)
    markets = [{**m, "market_facts": None, "provenance": []} for m in head["markets"]]
    settings = {**head["settings"], "inputs": _OWN_INPUT}
    firm_head = _dumps({**head, "settings": settings, "markets": markets})[:-1] + ',"firms":['
    rows: dict[str, dict[str, str]] = {name: {} for name in NUMBERED}
    own: list[_FirmFile] = []
    tmp = path.with_suffix(".json.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(_dumps(head)[:-1] + ',"firms":[')
        for i, item in enumerate(run.firms):
            tables.start_firm()
            entry = firm_entry(item, run, tables)
            try:
                if check_all or not i:
                    check_firm(entry)
            except fastjsonschema.JsonSchemaValueException:
                validate_results({**_head(run, tables), "firms": [entry], **tables.tables})
                raise
            text = _dumps(entry)
            fh.write(("," if i else "") + text)
            if firms_dir is not None and item.output_name:
                # written after the tables are complete (see firm_keys), half of them on the
                # other core
                own.append((path.parent / item.output_name, text, tables.used, item.readiness.file))
        validate_results({**head, "firms": [], "errors": errors, **tables.tables})
        fh.write('],"errors":' + _dumps(errors))
        fh.write(_tables_json(tables.tables, rows))  # also encodes every numbered row once
        fh.write("}")
    tmp.replace(path)
    _write_firm_files(own, tables, firm_head, rows)
    return path


# firms/<name>.json: its path, its entry's JSON, the table rows the entry used, its workbook
_FirmFile = tuple[Path, str, dict[str, set[str]], str]
# stands for a firm file's ``settings.inputs`` in the head all firm files share
_OWN_INPUT = "\x00own input\x00"

# firm files from which half of them are written in a forked child (``beside``): each costs
# ~1.2 ms (its part of the tables, ~100 KB written); below, the fork costs more than it saves
SPLIT_MIN_FIRM_FILES = 200


def _write_firm_files(
    files: list[_FirmFile],
    tables: ResultTables,
    head: str,
    rows: dict[str, dict[str, str]],
) -> None:
    """Each firm's own results document: ``head`` naming its workbook, its entry and its part
    of the tables."""
    before, after = head.split(_dumps(_OWN_INPUT), 1)

    def write(chunk: list[_FirmFile]) -> None:
        for target, entry, used, workbook in chunk:
            part = _firm_tables_json(tables, used, rows)
            own_head = f"{before}{_dumps([workbook] if workbook else [])}{after}"
            target.write_text(own_head + entry + '],"errors":[]' + part + "}", encoding="utf-8")

    if len(files) < SPLIT_MIN_FIRM_FILES:
        write(files)
        return
    half = len(files) // 2
    with beside(lambda: write(files[half:])) as rest:
        write(files[:half])
        rest()
