"""Untapped export potential in `exportkit markets`, MarketProfile, the brief and results.json.

The trade flows here are SYNTHETIC, hand-checked test data (never shipped): three markets
import HS 8471 from the world and from Taiwan — as partner TWN, and for Vietnam as UN
Comtrade partner 490 "Other Asia, nes" — plus all-goods totals (TOTAL) for the ease term.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest
import report_samples as S
from click.testing import CliRunner

from exportkit.analytics.potential import export_potential, method
from exportkit.cli import main
from exportkit.markets import market_profile, rank_markets, rank_markets_many
from exportkit.markets.potential import distance_ease, potential_sets
from exportkit.models import PotentialSummary, Provenance, Tariff, TradeFlow
from exportkit.render import render_brief
from exportkit.render.views.brief import brief_view
from exportkit.resources import data_file, examples_dir
from exportkit.results import expand
from exportkit.store import open_store

SRC, URL, WHEN = "test fixture (synthetic)", "https://example.invalid/fixture", datetime(2026, 1, 2)
SIGMA = method()["terms"]["demand"]["elasticity"]["value"]


def _f(reporter, partner, hs, value, flow="M", year=2022):
    return TradeFlow(reporter, partner, hs, year, flow, value, SRC, URL, WHEN)


FLOWS = [
    _f("THA", "WLD", "8471", 1000),
    _f("THA", "TWN", "8471", 50),
    _f("VNM", "WLD", "8471", 600),
    _f("VNM", "490", "8471", 90),  # Taiwan as Comtrade partner 490
    _f("SGP", "WLD", "8471", 400),
    _f("SGP", "TWN", "8471", 60),
    _f("SGP", "WLD", "8471", 300, flow="X"),  # a hub's exports: net imports 100
    _f("THA", "WLD", "TOTAL", 10000),
    _f("THA", "TWN", "TOTAL", 500),
    _f("VNM", "WLD", "TOTAL", 8000),
    _f("VNM", "490", "TOTAL", 800),
    _f("SGP", "WLD", "TOTAL", 6000),
    _f("SGP", "TWN", "TOTAL", 300),
    # an older year: the latest one (2022) is used
    _f("THA", "WLD", "8471", 900, year=2021),
    _f("THA", "TWN", "8471", 40, year=2021),
]
# Vietnam charges MFN 5 % and Taiwan 0 %: access = 1.05 ** sigma
TARIFFS = [
    Tariff("VNM", "WLD", "8471", 2021, "MFN", 5.0, SRC, URL, WHEN),
    Tariff("VNM", "TWN", "8471", 2021, "AHS", 0.0, SRC, URL, WHEN),
]
# Hand-checked: supply = (50 + 90 + 60) / (1000 + 600 + 400) = 0.1 (the "world" is the three
# reporting markets); ease = (X_ij / X_i) / (M_j / M_w) on totals, X_i = 1,600, M_w = 24,000:
# THA 0.75, VNM 1.5, SGP 0.75.
THA_POT = 0.1 * 1000 * 0.75  # 75, actual 50 → untapped 25, utilisation 2/3
VNM_POT = 0.1 * 600 * 1.05**SIGMA * 1.5  # actual 90
SGP_POT = 0.1 * 100 * 0.75  # 7.5, actual 60 → untapped 0, utilisation 8


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "potential.duckdb"
    with open_store(path) as store:
        store.upsert_trade_flows(FLOWS)
        store.upsert_tariffs(TARIFFS)
    return path


def _json(args) -> list[dict]:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return {r["iso3"]: r for r in json.loads(result.stdout)}


def test_markets_json_has_the_hand_checked_potential(db):
    out = _json(
        ["markets", "--markets", "TH,VN,SG,ID", "--hs", "8471", "--format", "json", "--db", db]
    )
    tha, vnm, sgp, idn = out["THA"], out["VNM"], out["SGP"], out["IDN"]
    assert tha["potential_usd"] == pytest.approx(THA_POT)
    assert tha["untapped_potential_usd"] == pytest.approx(25.0)
    assert tha["utilisation"] == pytest.approx(50 / 75, abs=1e-4)
    assert tha["potential_year"] == 2022 and tha["potential_status"] == "ok"
    assert tha["potential_label"]["en"] == "a benchmark, not a ceiling"
    # Taiwan's rows under partner 490 are Taiwan's: actual 90, and in the product view too
    assert vnm["taiwan_share"] == 15.0
    assert all(p["iso3"] != "490" for p in vnm["top_suppliers"])
    assert vnm["potential_usd"] == pytest.approx(round(VNM_POT))
    assert vnm["untapped_potential_usd"] == pytest.approx(round(VNM_POT - 90))
    assert vnm["potential_reason"] is None  # tariffs and totals known: no assumption
    assert sgp["untapped_potential_usd"] == 0.0 and sgp["utilisation"] == pytest.approx(8.0)
    assert "re_export_hub_net" in sgp["potential_flags"]
    assert "no_tariff_data" in sgp["potential_flags"]
    assert sgp["potential_reason"]["en"].startswith("no tariff data")
    assert sgp["potential_command"] == "exportkit crawl wits_tariffs --countries SGP --hs 8471"
    # Indonesia: no flows at all → null figures, a reason and the crawl that fills it
    assert idn["potential_usd"] is None and idn["untapped_potential_usd"] is None
    assert idn["utilisation"] is None and idn["potential_status"] == "missing"
    assert "no imports of HS 8471" in idn["potential_reason"]["en"]
    assert idn["potential_command"] == "exportkit crawl comtrade --hs 8471,TOTAL"


def test_markets_table_shows_the_column_and_footnote(db):
    args = ["markets", "--markets", "TH,VN,SG,ID", "--hs", "8471", "--db", str(db)]
    out = CliRunner().invoke(main, args).output
    assert "untapped US$" in out and "(utilised)" in out  # the header may wrap
    assert "25 (67%)" in out  # Thailand
    assert "a benchmark, not a ceiling" in out
    assert "IDN: the database holds no imports of HS 8471" in " ".join(out.split())
    assert "exportkit crawl comtrade --hs 8471,TOTAL" in " ".join(out.split())
    zh = CliRunner().invoke(main, ["--lang", "zh-TW", *args]).output
    assert "未開發潛力" in zh and "基準值，並非上限" in zh


def test_missing_flows_in_the_bundled_snapshot_say_why_and_what_to_crawl():
    db = os.environ["EXPORTKIT_DB"]  # a fresh database: the bundled snapshot only
    out = _json(["markets", "--markets", "nsp6", "--hs", "8471", "--format", "json", "--db", db])
    for rec in out.values():
        assert rec["potential_usd"] is None and rec["untapped_potential_usd"] is None
        assert rec["utilisation"] is None and rec["potential_status"] == "missing"
        assert "no trade flows for HS 8471" in rec["potential_reason"]["en"]
        assert rec["potential_command"] == "exportkit crawl comtrade --hs 8471,TOTAL"
    table = CliRunner().invoke(main, ["markets", "--hs", "8471", "--db", db]).output
    assert "—" in table and "exportkit crawl comtrade --hs 8471,TOTAL" in " ".join(table.split())
    # no HS code: all goods stored, and the snapshot stores no product-level flows
    out = _json(["markets", "--markets", "TH", "--format", "json", "--db", db])
    assert out["THA"]["potential_usd"] is None
    assert "no product-level trade flows" in out["THA"]["potential_reason"]["en"]


def test_all_goods_sums_the_products_stored(db):
    with open_store(db) as store:
        store.upsert_trade_flows(
            [
                _f("THA", "WLD", "8542", 200),
                _f("THA", "TWN", "8542", 10),
                _f("VNM", "WLD", "8542", 100),
                _f("VNM", "TWN", "8542", 30),
                _f("SGP", "WLD", "8542", 100),
                _f("SGP", "TWN", "8542", 0),
            ]
        )
        everything = {s.iso3: s.potential for s in rank_markets(store, ["THA", "VNM", "SGP"])}
        by_code = {
            c: {s.iso3: s.potential for s in rank_markets(store, ["THA", "VNM", "SGP"], c)}
            for c in ("8471", "8542")
        }
    # 8542: supply 40 / 400 = 0.1; THA 0.1 × 200 × 0.75 = 15, actual 10 → untapped 5
    assert by_code["8542"]["THA"].untapped_potential_usd == pytest.approx(5.0)
    tha = everything["THA"]
    assert tha.codes_used == 2 and tha.status == "ok"
    assert tha.potential_usd == pytest.approx(THA_POT + 15.0)
    assert tha.untapped_potential_usd == pytest.approx(25.0 + 5.0)
    assert tha.utilisation == pytest.approx(60 / 90)


def test_many_sets_match_one_set_at_a_time(db):
    sets = [("8471",), ("8471", "8542"), (), ("84",), ("8471", "84")]
    with open_store(db) as store:
        store.upsert_trade_flows([_f("THA", "WLD", "854231", 10), _f("THA", "TWN", "854231", 1)])
        many = rank_markets_many(store, ["THA", "VNM", "SGP"], sets, suppliers=False)
        one = [rank_markets(store, ["THA", "VNM", "SGP"], s) for s in sets]
    for a, b in zip(many, one, strict=True):
        assert [(s.iso3, s.potential) for s in a] == [(s.iso3, s.potential) for s in b]
    # "84" is stored only as 8471 in these markets: nothing at HS6 under 84, no exact row
    assert many[3][0].potential.status == "missing"
    # a code inside another code of the set is not counted twice
    pot = {s.iso3: s.potential for s in many[4]}
    assert pot["THA"].potential_usd == pytest.approx(THA_POT)


def test_too_few_reporting_markets_leave_the_potential_empty(tmp_path):
    with open_store(tmp_path / "one.duckdb") as store:
        store.upsert_trade_flows(FLOWS[:2])  # Thailand alone: supply would be its own share
        (p,) = potential_sets(store, ["THA"], [("8471",)]).summaries(("8471",))
    assert p.potential_usd is None and p.status == "missing"
    assert "supply_world_too_small" in p.flags
    assert "fewer than 3 markets" in p.reason.en
    assert p.command == "exportkit crawl comtrade --hs 8471,TOTAL"


def test_mfn_only_tariffs_mean_no_adjustment_and_vectorised_equals_documented():
    import pandas as pd

    rows = pd.DataFrame([{k: getattr(f, k) for k in f.__dataclass_fields__} for f in FLOWS])
    tariffs = pd.DataFrame(
        [{k: getattr(t, k) for k in t.__dataclass_fields__} for t in TARIFFS[:1]]
    )
    res = {r.market: r for r in export_potential(rows, ["VNM"], ["8471"], tariffs=tariffs)}
    # MFN only: Taiwan faces the MFN rate like everyone, access 1
    assert res["VNM"].potential == pytest.approx(0.1 * 600 * 1.5)
    assert "no_tariff_data" not in res["VNM"].flags


def test_market_profile_carries_potential_and_trade_provenance(db):
    with open_store(db) as store:
        p = market_profile(store, "THA", "8471", markets="TH,VN,SG")
        none = market_profile(store, "THA", (), markets="TH,VN,SG")
    assert p.potential.untapped_potential_usd == pytest.approx(25.0)
    assert p.potential.potential_usd == pytest.approx(THA_POT)
    assert p.potential.utilisation == pytest.approx(2 / 3)
    assert p.potential.year == 2022 and p.potential.status == "ok"
    assert p.trade.source == SRC and p.trade.url == URL
    assert p.trade.retrieved_at == WHEN
    assert none.potential is None and none.trade is None


def _with_potential(profile, **kw):
    return replace(profile, **kw)


def test_brief_shows_the_untapped_potential_with_its_caveat_and_source():
    brief = S.brief(lang="en")
    brief = replace(
        brief,
        market=replace(
            brief.market,
            potential=PotentialSummary(
                "THA",
                potential_usd=6.0e8,
                untapped_potential_usd=2.5e8,
                utilisation=0.583,
                year=2023,
                status="ok",
            ),
            trade=Provenance(S.FAKE, S.FAKE_URL + "/comtrade", S.RETRIEVED),
        ),
    )
    # the profile's own provenance stands for the trade figures: no separate trade_source
    doc = render_brief(brief)
    assert "Taiwan&#39;s untapped export potential" in doc
    assert "US$250 million" in doc and "58% realised" in doc
    assert "It is a benchmark, not a ceiling" in doc
    # listed in the sources: the row named in the brief's language, its codes beside it
    rows = [s for s in brief_view(brief).sources if s.indicator == "HS 8471,847330"]
    assert "Taiwan's untapped export potential" in [s.figure for s in rows]
    zh = render_brief(replace(brief, lang="zh-TW"))
    assert "臺灣未開發出口潛力" in zh and "這是基準值，並非上限" in zh
    assert "ITC export potential" not in zh and "imports (M)" not in zh  # no English left in


def test_brief_without_the_potential_says_so_without_a_command():
    brief = S.brief(lang="en")
    brief = replace(
        brief,
        market=replace(
            brief.market,
            potential=PotentialSummary(
                "THA", status="missing", command="exportkit crawl comtrade --hs 8471,847330,TOTAL"
            ),
        ),
    )
    doc = render_brief(brief, trade_source=S.TRADE_SOURCE)
    product = doc.split("Taiwan&#39;s untapped export potential", 1)[1][:600]
    assert "Not estimated yet" in product and "exportkit crawl" not in doc
    assert "US$" not in product.split("</p>")[0]
    # the consultant still gets the command (portfolio index, terminal)
    assert any("crawl comtrade" in c for c, _ in brief_view(brief).missing_commands)


EXAMPLE = next(Path(str(examples_dir())).glob("01*.xlsx"))  # HS 8466, 846693, 848340


def test_results_json_carries_the_product_view_and_stays_schema_valid(tmp_path):
    from exportkit.assess import run_assessment

    rows = []
    for iso3, world, taiwan in (("THA", 1000.0, 50.0), ("VNM", 600.0, 90.0), ("MYS", 400, 60)):
        rows += [
            _f(iso3, "WLD", "8466", world, year=2023),
            _f(iso3, "TWN", "8466", taiwan, year=2023),
        ]
    with open_store(os.environ["EXPORTKIT_DB"]) as store:
        store.upsert_trade_flows(rows)
    run = run_assessment([EXAMPLE], markets="TH,VN,MY,ID", outdir=tmp_path, formats="json")
    assert run.ok
    doc = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    schema = json.loads(data_file("results.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(doc)
    raw = json.loads(json.dumps(doc))
    markets = {m["iso3"]: m["product"] for m in expand(doc)["firms"][0]["markets"]}
    tha = markets["THA"]
    # supply 200 / 2000 = 0.1, no tariffs; no all-goods totals, so the ease term comes from
    # the distance to Taiwan (CEPII, bundled) weighted by Taiwan's exports (MOF, bundled):
    # 0.1 × 1000 × ease = 100 × ease, actual 50
    with open_store(os.environ["EXPORTKIT_DB"]) as store:
        ease = distance_ease(store, ("THA", "VNM", "MYS", "IDN"))["THA"]
    assert 0.5 < ease < 2
    assert tha["potential_usd"] == pytest.approx(100.0 * ease, abs=0.5)
    assert tha["untapped_potential_usd"] == pytest.approx(max(100.0 * ease - 50, 0), abs=0.5)
    assert tha["utilisation"] == pytest.approx(50 / (100 * ease), abs=1e-3)
    assert tha["trade_source"] == {"source": SRC, "url": URL, "retrieved_at": WHEN.isoformat()}
    assert "ease_from_distance" in tha["potential_flags"]
    assert "no_ease_data" not in tha["potential_flags"]
    idn = markets["IDN"]
    assert idn["potential_usd"] is None and idn["potential_status"] == "missing"
    assert idn["potential_command"].startswith("exportkit crawl comtrade --hs ")
    assert idn["trade_source"] is None
    # a product view with a negative potential is refused by the schema
    broken = raw
    broken["products"][broken["firms"][0]["markets"][0]["product"]]["potential_usd"] = -1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(broken)


def test_the_ease_term_falls_back_on_distance_weighted_by_taiwans_exports():
    from exportkit.analytics.potential import ease_from_distance

    # equal weights: the nearer market is as much easier as the farther one is harder
    ease = ease_from_distance({"PHL": 1000.0, "AUS": 4000.0}, {"PHL": 5.0, "AUS": 5.0})
    assert ease["PHL"] * ease["AUS"] == pytest.approx(1.0)
    assert ease["PHL"] == pytest.approx(2**0.93)  # (1000 / 2000) ** −0.93
    # a market Taiwan sells most to pulls the typical distance towards itself
    heavy = ease_from_distance({"PHL": 1000.0, "AUS": 4000.0}, {"PHL": 99.0, "AUS": 1.0})
    assert heavy["PHL"] == pytest.approx(1.0, abs=0.05) and heavy["AUS"] < ease["AUS"]
    assert ease_from_distance({"PHL": 1000.0}, {}) == {}  # no export weights: no estimate


@pytest.mark.parametrize(
    "urls",
    [("https://example.invalid/b", "https://example.invalid/a", None),
     ("https://example.invalid/a", "https://example.invalid/b", None),
     (None, "https://example.invalid/a", "https://example.invalid/b")],
)  # fmt: skip
def test_the_url_of_rows_retrieved_together_does_not_depend_on_their_order(tmp_path, urls):
    from exportkit.markets.profile import trade_provenance_many

    flows = [
        TradeFlow("THA", partner, "8471", 2022, "M", 100.0, SRC, url, WHEN)
        for partner, url in zip(("WLD", "CHN", "TWN"), urls, strict=True)
    ]
    with open_store(tmp_path / "m.duckdb") as store:
        store.upsert_trade_flows(flows)
        parts = trade_provenance_many(store, ("THA",), ("8471",))
    assert parts[("THA", "8471")][1] == "https://example.invalid/b"
