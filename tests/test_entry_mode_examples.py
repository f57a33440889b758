"""The bundled example firms, offline: every top mode explained, every tie said, services
ranked on service modes, and a market's advice independent of the other markets assessed."""

from __future__ import annotations

import pytest

from exportkit.assess import run_assessment
from exportkit.entry_mode import default_rulebook
from exportkit.models import DECIDED_BY, SERVICE_MODES
from exportkit.resources import examples_dir
from exportkit.results import load


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = {}
    for markets in ("nsp18", "nsp6"):
        outdir = tmp_path_factory.mktemp(markets)
        out[markets] = run_assessment(
            [str(examples_dir())],
            markets=markets,
            outdir=outdir,
            formats="json",
            json_lang="both",
            db=tmp_path_factory.mktemp("db") / "market.duckdb",
        )
        out[markets + "_json"] = load(outdir / "results.json")
    return out


def _firm(run, prefix: str):
    return next(f for f in run.firms if f.firm.name.startswith(prefix))


def test_every_top_mode_has_a_reason_and_every_tie_is_said(runs):
    run = runs["nsp18"]
    assert len(run.firms) == 6
    for item in run.firms:
        for rec in item.recommendations:
            if rec.fit.excluded:
                continue
            top, second = rec.entry_modes[0], rec.entry_modes[1]
            where = f"{item.firm.name} {rec.iso3}"
            assert rec.decided_by in DECIDED_BY, where
            assert (top.score == second.score) == (rec.decided_by == "tie"), where
            if rec.decided_by == "rules":
                # a reason the consultant can read, with its citation
                readable = top.reasons or rec.decision_note.en
                assert readable, where
                assert all(r.source and r.reason.zh_TW and r.reason.en for r in top.reasons)
            else:
                assert rec.decision_note.en and rec.decision_note.zh_TW, where
                assert "What would decide it" in rec.decision_note.en or (
                    "No rule in the book separates" in rec.decision_note.en
                ), where


def test_results_json_says_how_each_top_mode_was_decided(runs):
    doc = runs["nsp18_json"]
    seen = set()
    for firm in doc["firms"]:
        for market in firm["markets"]:
            assert market["decided_by"] in DECIDED_BY
            assert set(market["decision_note"]) == {"zh-TW", "en"}
            seen.add(market["decided_by"])
            if market["decided_by"] != "rules":
                assert market["decision_note"]["en"]
    assert "rules" in seen


def test_the_software_firm_is_advised_service_modes(runs):
    cloud = _firm(runs["nsp18"], "CloudLedger")
    for rec in cloud.recommendations:
        assert rec.entry_modes[0].mode in SERVICE_MODES, rec.iso3
        assert {m.mode for m in rec.entry_modes} == set(SERVICE_MODES)
        assert any(f.id.startswith("S") for f in rec.fired)
    targets = [r for r in cloud.recommendations if r.iso3 in ("VNM", "PHL", "MYS")]
    assert all(r.entry_modes[0].mode == "online_direct" for r in targets)


def test_the_experienced_food_exporter_gets_its_own_channel(runs):
    food = _firm(runs["nsp18"], "好食在")
    for rec in food.recommendations:
        assert rec.entry_modes[0].mode == "direct_export", rec.iso3
        assert any(r.id == "R16" for r in rec.entry_modes[0].reasons), rec.iso3


def test_the_online_cosmetics_brand_is_advised_cross_border_ecommerce(runs):
    cosmetics = _firm(runs["nsp18"], "沐光")
    tha = next(r for r in cosmetics.recommendations if r.iso3 == "THA")
    assert "R3" in {f.id for f in tha.fired}
    assert tha.entry_modes[0].mode == "cross_border_ecommerce" and tha.decided_by == "rules"


def test_no_subsidiary_for_the_machine_maker_where_the_rule_of_law_is_weak(runs):
    book = default_rulebook()
    limit = book.thresholds["weak_rule_of_law"].value
    subsidiary = book.mode_labels["wholly_owned_subsidiary"]
    maker = _firm(runs["nsp18"], "宏進")
    profiles = {m.iso3: m for m in runs["nsp18"].markets}
    weak = []
    for rec in maker.recommendations:
        rl = profiles[rec.iso3].profile.indicators.get("RL.EST")
        if rl is not None and rl.value < limit:
            weak.append(rec)
    assert len(weak) >= 5
    for rec in weak:
        assert rec.entry_modes[0].mode != "wholly_owned_subsidiary", rec.iso3
        assert subsidiary.en not in rec.staged_path.en, rec.iso3
        assert "R7a" in {f.id for f in rec.fired}, rec.iso3


def test_a_markets_entry_modes_do_not_depend_on_the_other_markets_assessed(runs):
    for item18 in runs["nsp18"].firms:
        item6 = next(f for f in runs["nsp6"].firms if f.firm.name == item18.firm.name)
        assert len(item6.recommendations) == 6
        for rec6 in item6.recommendations:  # Thailand and the five other priority markets
            rec18 = next(r for r in item18.recommendations if r.iso3 == rec6.iso3)
            where = f"{item18.firm.name} {rec6.iso3}"
            assert [(m.mode, m.score) for m in rec18.entry_modes] == [
                (m.mode, m.score) for m in rec6.entry_modes
            ], where
            assert [f.id for f in rec18.fired] == [f.id for f in rec6.fired], where
            assert rec18.staged_path == rec6.staged_path, where
            assert rec18.decided_by == rec6.decided_by, where


def test_driver_type_and_strategy_theme_agree_for_every_example_firm(runs):
    book = default_rulebook()
    for item in runs["nsp18"].firms:
        driver = item.readiness.driver_type
        theme = item.recommendations[0].theme
        paired = next(t.id for t in book.themes if driver in t.driver_types)
        assert theme == paired, item.firm.name
        assert max(item.readiness.driver_scores, key=item.readiness.driver_scores.get) == driver
