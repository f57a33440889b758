"""With trade flows and tariffs in the database, market fit uses the firm's products."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

from exportkit.assess import run_assessment
from exportkit.models import DimensionScore, ReadinessScore, Tariff, TradeFlow
from exportkit.resources import examples_dir
from exportkit.results import load
from exportkit.store import open_store

EXAMPLE = next(Path(str(examples_dir())).glob("01*.xlsx"))  # HS 8466, 846693, 848340
SRC, URL, WHEN = "test fixture (synthetic)", "https://example.invalid/fixture", datetime(2026, 1, 1)


def _flows(iso3: str, world: float, growth: float, taiwan_share: float) -> list[TradeFlow]:
    rows = []
    for k, year in enumerate(range(2018, 2024)):
        value = world * (1 + growth) ** k
        rows.append(TradeFlow(iso3, "WLD", "8466", year, "M", value, SRC, URL, WHEN))
        rows.append(TradeFlow(iso3, "TWN", "8466", year, "M", value * taiwan_share, SRC, URL, WHEN))
    return rows


def test_product_data_enters_the_fit_with_its_provenance(tmp_path):
    db = os.environ["EXPORTKIT_DB"]
    with open_store(db) as store:
        store.upsert_trade_flows(_flows("THA", 5e8, 0.08, 0.15) + _flows("VNM", 2e7, -0.03, 0.02))
        store.upsert_tariffs([Tariff("THA", "WLD", "8466", 2023, "MFN", 5.0, SRC, URL, WHEN)])
    run = run_assessment([EXAMPLE], markets="TH,VN", outdir=tmp_path, formats="json")
    assert run.ok
    doc = load(tmp_path / "results.json")
    markets = {m["iso3"]: m for m in doc["firms"][0]["markets"]}
    tha = {r["rule"]: r for r in markets["THA"]["fit_reasons"]}
    assert tha["F2"]["effect"] is not None and "HS 8466" in tha["F2"]["en"]
    assert tha["F3"]["effect"] is not None and tha["F4"]["effect"] is not None
    assert tha["F5"]["effect"] == 80.0  # 5% tariff on the 0-25% scale
    vnm = {r["rule"]: r for r in markets["VNM"]["fit_reasons"]}
    assert vnm["F5"].get("effect") is None and "No tariff data" in vnm["F5"]["en"]
    # bigger, growing demand with a larger Taiwanese share: Thailand ranks first
    assert markets["THA"]["rank"] == 1 and markets["THA"]["fit_score"] > markets["VNM"]["fit_score"]
    tariff_prov = [p for p in markets["THA"]["provenance"] if p["indicator"].startswith("tariff:")]
    assert tariff_prov and tariff_prov[0]["source"] == SRC and tariff_prov[0]["url"] == URL


def _score(tax_id: str, overall: float) -> ReadinessScore:
    dims = {"digital_capability": DimensionScore("digital_capability", overall, 1.0, 3, 3)}
    return ReadinessScore("export-readiness", "f.xlsx", "Firm", tax_id, overall, "b", dims)


def test_history_is_read_and_written_in_bulk():
    with open_store(os.environ["EXPORTKIT_DB"]) as store:
        assert (
            store.save_assessments(
                [(_score("11111111", 40), date(2026, 1, 1)), (_score(None, 1), date(2026, 1, 1))]
            )
            == 1
        )
        store.save_assessments(
            [(_score("11111111", 50), date(2026, 3, 1)), (_score("22222222", 70), date(2026, 3, 1))]
        )
        found = store.previous_assessments(
            [
                ("11111111", date(2026, 6, 1)),
                ("11111111", date(2026, 2, 1)),
                ("22222222", date(2026, 3, 1)),
                ("33333333", date(2027, 1, 1)),
            ],
            "export-readiness",
        )
        assert found[("11111111", date(2026, 6, 1))].overall == 50
        assert found[("11111111", date(2026, 2, 1))].overall == 40
        assert ("22222222", date(2026, 3, 1)) not in found  # strictly before
        assert ("33333333", date(2027, 1, 1)) not in found
        # a single save right after a lookup works (no half-read result left on the connection)
        assert store.previous_assessment("11111111", date(2026, 6, 1)).overall == 50
        assert store.save_assessment(_score("11111111", 60), date(2026, 6, 1))
