"""results.json schema 2: one language by default, texts stated once, and
``exportkit.results.load`` gives back every text the run made (issue 14.3)."""

from __future__ import annotations

import json

import pytest
from results_expected import expanded_reason

from exportkit import results
from exportkit.assess import run_assessment
from exportkit.render.results import product_record, provenance_rows, validate_results
from exportkit.resources import examples_dir

MARKETS = "TH,VN,ID,MY"


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    out = tmp_path_factory.mktemp("both")
    run = run_assessment(
        [str(examples_dir())], markets=MARKETS, outdir=out, db=out / "m.duckdb", json_lang="both"
    )
    return run, out


def test_load_gives_back_every_text_of_the_run(both):
    run, out = both
    doc = results.load(out / "results.json")
    langs = ("zh-TW", "en")
    assert doc["languages"] == list(langs)
    assert len(doc["firms"]) == len(run.firms) == 6
    for item, firm in zip(run.firms, doc["firms"], strict=True):
        assert firm["band_label"]["en"] and firm["band_label"]["zh-TW"] != firm["band_label"]["en"]
        for dim_id, dim in item.readiness.dimensions.items():
            assert firm["dimensions"][dim_id]["label"] == {
                "zh-TW": dim.label.zh_TW,
                "en": dim.label.en,
            }
        rec0 = item.recommendations[0]
        assert firm["theme"]["label"] == {
            "zh-TW": rec0.theme_label.zh_TW,
            "en": rec0.theme_label.en,
        }
        for rec, market in zip(item.recommendations, firm["markets"], strict=True):
            assert market["iso3"] == rec.iso3
            score = run.scores[rec.iso3]
            assert market["attractiveness"]["rank"] == score.rank
            assert market["attractiveness"]["first_share"] == score.first_share
            assert market["fit_reasons"] == [expanded_reason(r, langs) for r in rec.fit.reasons]
            assert market["fired_rules"] == [expanded_reason(r, langs) for r in rec.fired]
            assert market["not_evaluated"] == [expanded_reason(r, langs) for r in rec.not_evaluated]
            assert market["staged_path"] == {
                "zh-TW": rec.staged_path.zh_TW,
                "en": rec.staged_path.en,
            }
            assert [m["rank"] for m in market["entry_modes"]] == list(
                range(1, len(rec.entry_modes) + 1)
            )
            for mode, entry in zip(rec.entry_modes, market["entry_modes"], strict=True):
                assert entry["mode"] == mode.mode and entry["score"] == mode.score
                assert entry["label"] == {"zh-TW": mode.label.zh_TW, "en": mode.label.en}
                assert entry["reasons"] == [
                    {"rule": r.id, "effect": r.effect or 0.0} for r in mode.reasons
                ]
            profile = item.profile(rec.iso3)
            assert market["provenance"] == provenance_rows(profile, run.indicator_codes)
            assert market.get("product") == json.loads(json.dumps(product_record(profile)))


def test_texts_are_stated_once_and_the_document_matches_its_schema(both):
    _, out = both
    raw = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert raw["schema_version"] == "3.0"
    validate_results(raw)
    text = (out / "results.json").read_text(encoding="utf-8")
    for stated in raw["rules"].values():
        # a template without placeholders appears exactly once: in the rules table
        if "{" not in stated["text"]["en"]:
            assert text.count(json.dumps(stated["text"]["en"], ensure_ascii=False)) == 1
    for key, label in raw["labels"].items():
        if key.startswith("mode:"):
            assert text.count(json.dumps(label["en"], ensure_ascii=False)) == 1
    market = raw["firms"][0]["markets"][0]
    assert isinstance(market["staged_path"], str) and market["staged_path"] in raw["texts"]
    assert all(ref in raw["sources"] for ref in raw["source_lists"][market["provenance"]])


def test_a_firm_file_is_a_results_document_of_that_firm(both):
    _, out = both
    doc = results.load(out / "results.json")
    for firm in doc["firms"]:
        own = json.loads((out / firm["output"]).read_text(encoding="utf-8"))
        validate_results(own)
        assert results.expand(own)["firms"] == [firm]


def test_one_language_by_default(tmp_path):
    run_assessment(
        [str(examples_dir() / "03-cosmetics.xlsx")],
        markets="TH",
        lang="zh-TW",
        outdir=tmp_path,
        db=tmp_path / "m.duckdb",
    )
    raw = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert raw["languages"] == ["zh-TW"] and raw["settings"]["json_langs"] == ["zh-TW"]
    assert '"en":' not in (tmp_path / "results.json").read_text(encoding="utf-8")
    market = results.load(tmp_path / "results.json")["firms"][0]["markets"][0]
    assert market["name"] == {"zh-TW": "泰國"}
    assert set(market["fit_reasons"][0]) >= {"rule", "zh-TW"}


def test_a_schema_1_document_is_returned_as_it_is():
    old = {"schema_version": "1.0", "firms": [{"markets": []}]}
    assert results.expand(old) is old
