"""results.json schema 3 (issue 14.3, size): each reason and each ranking of the entry modes is
stated once (``reasons``, ``modes``), a market's fields at their schema default are left out,
and ``exportkit.results.load`` gives back what the writer had — from a schema 3 document and
from the same document in its schema 2 form alike."""

from __future__ import annotations

import copy
import dataclasses
import json

import pytest
from results_expected import expanded_reason

from exportkit import results
from exportkit.assess import run_assessment
from exportkit.models import FiredRule, Text
from exportkit.render.references import ResultTables
from exportkit.render.results import (
    provenance_rows,
    results_schema,
    validate_results,
    write_results,
)
from exportkit.resources import examples_dir

LANGS = ("zh-TW", "en")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The examples over nsp18, with firm 0's first markets changed to the rarer cases (an
    excluded market without fired rules, a prior, a tie, a mode whose points the rules'
    ``adjust`` does not give), written again."""
    out = tmp_path_factory.mktemp("compact")
    run = run_assessment(
        [str(examples_dir())], markets="nsp18", outdir=out, db=out / "m.duckdb", json_lang="both"
    )
    item = run.firms[0]
    recs = list(item.recommendations)
    recs[0] = dataclasses.replace(
        recs[0],
        fit=dataclasses.replace(recs[0].fit, excluded=True),
        fired=(),
        not_evaluated=(),
        decided_by="prior",
        decision_note=Text("僅憑基礎分數領先。", "It leads on its base score alone."),
    )
    recs[1] = dataclasses.replace(recs[1], decided_by="tie", decision_note=Text("", "A tie."))
    top = recs[2].entry_modes[0]
    extra = FiredRule("X1", Text("測試", "test"), effect=3.0)
    recs[2] = dataclasses.replace(
        recs[2],
        entry_modes=(
            dataclasses.replace(top, reasons=(*top.reasons, extra)),
            *recs[2].entry_modes[1:],
        ),
    )
    run.firms[0] = dataclasses.replace(item, recommendations=tuple(recs))
    path = write_results(run, out / "changed.json")
    return run, path


def _reason(rule: FiredRule) -> dict:
    return expanded_reason(rule, LANGS)


def _text(text: Text) -> dict:
    return {lang: text.get(lang) for lang in LANGS}


def _expected(rec) -> dict:
    """What the writer had for one firm × market, in the form ``load`` gives it."""
    return {
        "iso3": rec.iso3,
        "rank": rec.rank,
        "fit_score": rec.fit.fit_score,
        "excluded": rec.fit.excluded,
        "fit_reasons": [_reason(r) for r in rec.fit.reasons],
        "entry_modes": [
            {
                "mode": m.mode,
                "rank": rank,
                "score": m.score,
                "label": _text(m.label),
                "reasons": [{"rule": r.id, "effect": r.effect or 0.0} for r in m.reasons],
            }
            for rank, m in enumerate(rec.entry_modes, start=1)
        ],
        "decided_by": rec.decided_by,
        "decision_note": _text(rec.decision_note),
        "staged_path": _text(rec.staged_path),
        "fired_rules": [_reason(r) for r in rec.fired],
        "not_evaluated": [_reason(r) for r in rec.not_evaluated],
        "recommended_mode": None if rec.fit.excluded else rec.entry_modes[0].mode,
        "theme": rec.theme,
    }


def _compare(doc: dict, run) -> None:
    assert len(doc["firms"]) == len(run.firms)
    for item, firm in zip(run.firms, doc["firms"], strict=True):
        for rec, market in zip(item.recommendations, firm["markets"], strict=True):
            expected = _expected(rec)
            assert {k: market[k] for k in expected} == expected, (item.firm.name, rec.iso3)
            rows = provenance_rows(item.profile(rec.iso3), run.indicator_codes)
            assert market["provenance"] == json.loads(json.dumps(rows))


def test_load_gives_back_what_the_writer_had(written):
    run, path = written
    _compare(results.load(path), run)


def test_reasons_and_rankings_are_stated_once_and_defaults_left_out(written):
    _, path = written
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["schema_version"] == "3.0"
    before = copy.deepcopy(raw)
    validate_results(raw)
    assert raw == before  # checking the document does not write the schema's defaults into it
    dumps = [json.dumps(v, sort_keys=True) for v in raw["reasons"].values()]
    assert len(set(dumps)) == len(dumps)
    for table in ("modes", "source_lists"):
        dumps = [json.dumps(v) for v in raw[table].values()]
        assert len(set(dumps)) == len(dumps), table
    markets = [m for f in raw["firms"] for m in f["markets"]]
    used = set()
    for market in markets:
        for key in ("fit_reasons", "fired_rules", "not_evaluated"):
            assert market.get(key, ["r1"]), key  # an empty list is left out
            used.update(market.get(key, []))
        assert market["entry_modes"] in raw["modes"]
        assert market.get("excluded", True) is True
        assert market.get("decided_by", "tie") != "rules"
        if "decision_note" in market:
            assert any(raw["texts"][market["decision_note"]].values())
    assert used == set(raw["reasons"])
    first = raw["firms"][0]["markets"]
    assert first[0]["excluded"] is True and "fired_rules" not in first[0]
    assert first[0]["decided_by"] == "prior" and first[1]["decided_by"] == "tie"
    assert len(raw["modes"][first[2]["entry_modes"]][0]) == 3  # its points stated inline
    # the defaults load() puts back are the schema's
    schema = results_schema()["definitions"]["market"]
    for key, default in results.MARKET_DEFAULTS.items():
        assert schema["properties"][key]["default"] == default
        assert key not in schema["required"]


def _as_schema_2(raw: dict) -> dict:
    """The schema 3 document ``raw`` in its schema 2 form: reasons, rankings and lists of
    provenance rows inline in each market, the defaults written out."""
    doc = copy.deepcopy(raw)
    doc["schema_version"] = "2.0"
    reasons, modes, lists = doc.pop("reasons"), doc.pop("modes"), doc.pop("source_lists")
    doc["texts"]["t0"] = dict.fromkeys(doc["languages"], "")
    for firm in doc["firms"]:
        for market in firm["markets"]:
            for key in ("fit_reasons", "fired_rules", "not_evaluated"):
                market[key] = [reasons[ref] for ref in market.get(key, [])]
            market["entry_modes"] = modes[market["entry_modes"]]
            market["provenance"] = lists[market["provenance"]]
            market.setdefault("excluded", False)
            market.setdefault("decided_by", "rules")
            market.setdefault("decision_note", "t0")
    return doc


def test_a_schema_2_document_loads_to_the_same(written):
    run, path = written
    raw = json.loads(path.read_text(encoding="utf-8"))
    old = results.expand(_as_schema_2(raw))
    _compare(old, run)
    assert old["firms"] == results.load(path)["firms"]


def test_a_firm_file_carries_the_reasons_and_rankings_it_refers_to(tmp_path):
    """Reasons first stated for an earlier firm are in a later firm's own file too, and only
    what the firm refers to."""
    run_assessment(
        [str(examples_dir())], markets="TH,VN", outdir=tmp_path, db=tmp_path / "m.duckdb"
    )
    doc = results.load(tmp_path / "results.json")
    for firm in doc["firms"]:
        own = json.loads((tmp_path / firm["output"]).read_text(encoding="utf-8"))
        validate_results(own)
        markets = own["firms"][0]["markets"]
        refs = {
            ref
            for m in markets
            for key in ("fit_reasons", "fired_rules", "not_evaluated")
            for ref in m.get(key, [])
        }
        assert refs == set(own["reasons"])
        assert {m["entry_modes"] for m in markets} == set(own["modes"])
        assert {m["provenance"] for m in markets} == set(own["source_lists"])
        rows = {ref for m in markets for ref in own["source_lists"][m["provenance"]]}
        trade = {p["trade_source"] for p in own["products"].values()} - {None}
        assert rows | trade == set(own["sources"])
        assert results.expand(own)["firms"] == [firm]


def test_a_firm_part_lists_numbered_ids_in_the_order_they_were_stated():
    """A firm file's tables read in the order of the run's: t2 before t10 before t100."""
    tables = ResultTables(("en",))
    refs = [tables.interned("texts", Text(f"甲{i}", f"text {i}")) for i in range(1, 121)]
    used = {refs[i] for i in (99, 9, 1, 119, 10)}
    assert tables.firm_keys("texts", used) == ["t2", "t10", "t11", "t100", "t120"]
    tables.label("mode:b", None, "b")
    tables.label("mode:a", None, "a")
    assert tables.firm_keys("labels", {"mode:a", "mode:b"}) == ["mode:b", "mode:a"]


def test_a_firm_file_names_only_its_own_workbook(tmp_path):
    """A firm's own file may be sent to that firm: its settings name its workbook, not the
    other firms' workbooks the batch was given (results.json names them all)."""
    books = sorted(str(p) for p in examples_dir().glob("*.xlsx"))
    run_assessment(books, markets="TH", outdir=tmp_path / "out", db=tmp_path / "m.duckdb")
    doc = results.load(tmp_path / "out" / "results.json")
    assert doc["settings"]["inputs"] == books
    for firm in doc["firms"]:
        own = json.loads((tmp_path / "out" / firm["output"]).read_text(encoding="utf-8"))
        validate_results(own)
        assert own["settings"]["inputs"] == [firm["file"]]
        assert firm["file"] in books
        assert {**own["settings"], "inputs": books} == doc["settings"]
