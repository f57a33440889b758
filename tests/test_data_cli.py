"""`exportkit data` and `exportkit markets` end to end, through the real CLI (offline)."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import pytest

from exportkit.cli import main
from exportkit.errors import DataImportError
from exportkit.models import TradeFlow
from exportkit.store import SCHEMA_VERSION, open_store
from exportkit.store.transfer import export_tables, import_directory, read_directory


def test_markets_nsp18_ranks_from_the_bundled_snapshot(runner):
    result = runner.invoke(main, ["markets", "--markets", "nsp18", "--format", "json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.output)
    assert len(records) == 18 and [r["rank"] for r in records] == list(range(1, 19))
    for rec in records:
        assert {"iso3", "rank", "score", "dimensions", "coverage"} <= rec.keys()
        assert 0 < rec["coverage"] <= 1 and 0 <= rec["score"] <= 100
        assert len(rec["dimensions"]) == 7
        assert rec["view"] == "macro" and rec["view_label"]["en"].startswith("Macro screen")
    assert records == sorted(records, key=lambda r: -r["score"])
    rank = {r["iso3"]: r["rank"] for r in records}
    assert rank["SGP"] < rank["LAO"] and rank["AUS"] < rank["KHM"]  # sanity of the ordering
    # Offline, every market has WEO growth (realised and projected), WEO GDP per capita PPP,
    # internet use, governance and Taiwan's exports to it (MOF) with their growth. Still missing:
    # private consumption % of GDP (not bundled: 7.5 % of the index), and the LPI for
    # BRN/MMR/NPL/PAK (another 5 %). Singapore, a re-export hub, is not scored on Taiwan's
    # exports per inhabitant (5 %).
    coverage = {r["iso3"]: r["coverage"] for r in records}
    assert {iso3 for iso3, c in coverage.items() if c == 0.875} == {
        "SGP",
        "BRN",
        "MMR",
        "NPL",
        "PAK",
    }
    assert all(c == 0.925 for c in coverage.values() if c != 0.875)
    sgp = next(r for r in records if r["iso3"] == "SGP")
    assert sgp["flags"] == ["re_export_hub"]
    # every figure says where it came from
    tha = next(r for r in records if r["iso3"] == "THA")
    gdp = next(s for s in tha["sources"] if s["indicator"] == "NY.GDP.MKTP.CD")
    assert (gdp["year"], gdp["value"], gdp["source"]) == (
        2025,
        577009981112.015,
        "World Bank WDI (public copy)",
    )
    assert gdp["source_url"] == "https://data.worldbank.org/indicator/NY.GDP.MKTP.CD?locations=TH"
    assert all(s["source"] and s["retrieved_at"] for r in records for s in r["sources"])


def test_markets_table_and_csv(runner):
    table = runner.invoke(main, ["markets", "--markets", "nsp6", "--sensitivity", "100"])
    assert table.exit_code == 0 and "Thailand (THA)" in table.output and "top 3" in table.output
    zh = runner.invoke(main, ["--lang", "zh-TW", "markets", "--markets", "TH,VN"])
    assert "泰國 (THA)" in zh.output and "資料涵蓋" in zh.output
    csv = runner.invoke(main, ["markets", "--markets", "TH,VN", "--format", "csv"])
    lines = csv.output.strip().splitlines()
    assert lines[0].startswith("rank,iso3,name_en,name_zh_TW,score,coverage,market_size")
    assert len(lines) == 3


@pytest.mark.parametrize(
    "args, message",
    [
        (["--markets", "TH,Narnia"], "unknown country 'Narnia'"),
        (["--hs", "84x1"], "unknown HS code '84x1'"),
    ],
)
def test_markets_bad_input_is_one_clear_line(runner, args, message):
    result = runner.invoke(main, ["markets", *args])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_markets_weights_file(runner, tmp_path):
    good = tmp_path / "w.yaml"
    good.write_text("market_size: 100\n", encoding="utf-8")
    result = runner.invoke(main, ["markets", "--weights", str(good), "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.output)[0]["iso3"] == "IND"  # largest market wins on size alone
    bad = tmp_path / "bad.yaml"
    bad.write_text("market_size: 50\nluck: 50\n", encoding="utf-8")
    result = runner.invoke(main, ["markets", "--weights", str(bad)])
    assert result.exit_code == 2 and "unknown dimension 'luck'" in result.output


def test_an_unreadable_file_is_explained_in_chinese_too(runner, tmp_path):
    # The operating system's reason ("No such file or directory") is English only.
    gone = tmp_path / "w.yaml"
    result = runner.invoke(main, ["--lang", "zh-TW", "markets", "--weights", str(gone)])
    assert result.exit_code == 2
    assert f"{gone}：無法讀取權重檔：找不到此檔案或資料夾" in result.output, result.output
    assert "directory" not in result.output.lower()
    result = runner.invoke(main, ["markets", "--weights", str(gone)])
    assert "cannot read the weights file: no such file or folder" in result.output


def test_markets_hs_without_flows_says_so(runner):
    result = runner.invoke(main, ["markets", "--markets", "nsp6", "--hs", "8471"])
    assert result.exit_code == 0 and "no trade flows for 8471" in result.output


def test_data_status_shows_sources(runner):
    result = runner.invoke(main, ["data", "status"])
    assert result.exit_code == 0
    assert "World Bank WDI" in result.output and "THA" in result.output
    assert f"schema v{SCHEMA_VERSION}" in result.output


def _sample_flows(store):
    t = datetime(2025, 1, 1)
    store.upsert_trade_flows(
        [
            TradeFlow("THA", "WLD", "847130", 2023, "M", 100.0, "Comtrade", "https://c", t),
            TradeFlow("THA", "TWN", "847130", 2023, "M", 10.0, "Comtrade", "https://c", t),
        ]
    )


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_import_round_trip(runner, tmp_path, fmt, store_url):
    """A colleague's DuckDB export, imported into either engine (the team's shared store)."""
    src = tmp_path / "a.duckdb"
    with open_store(src) as store:
        _sample_flows(store)
        run = store.start_crawl_run("comtrade")
        store.finish_crawl_run(run, "ok", {"trade_flows": 2})
        before = {n: store.table_frame(n) for n in ("indicators", "trade_flows", "market_notes")}
    out = tmp_path / "shared"
    result = runner.invoke(main, ["data", "export", "--format", fmt, str(out), "--db", str(src)])
    assert result.exit_code == 0, result.output
    for name in ("countries", "indicators", "trade_flows", "tariffs", "market_notes"):
        assert (out / f"{name}.{fmt}").exists()
    if fmt == "csv":
        cols = pd.read_csv(out / "indicators.csv").columns
        assert {
            "iso3",
            "indicator",
            "year",
            "value",
            "unit",
            "source",
            "source_url",
            "retrieved_at",
        } <= set(cols)
        cols = pd.read_csv(out / "trade_flows.csv").columns
        assert {
            "reporter_iso3",
            "partner_iso3",
            "hs_code",
            "year",
            "flow",
            "value_usd",
            "source",
        } <= set(cols)
        cols = pd.read_csv(out / "tariffs.csv").columns
        assert {
            "reporter_iso3",
            "partner_iso3",
            "hs_code",
            "year",
            "tariff_type",
            "rate",
            "source",
        } <= set(cols)
    dst = store_url
    open_store(dst, snapshot=False).close()
    for _ in range(2):  # importing twice changes nothing
        result = runner.invoke(main, ["data", "import", str(out), "--db", str(dst)])
        assert result.exit_code == 0, result.output
    with open_store(dst) as store:
        for name, frame in before.items():
            pd.testing.assert_frame_equal(store.table_frame(name), frame, check_dtype=False)
        assert len(store.crawl_runs()) == 1


def _export(tmp_path):
    with open_store(tmp_path / "src.duckdb") as store:
        _sample_flows(store)
        export_tables(store, tmp_path / "dir")
    return tmp_path / "dir"


def test_import_missing_file_names_it_and_changes_nothing(runner, tmp_path):
    directory = _export(tmp_path)
    (directory / "tariffs.csv").unlink()
    db = tmp_path / "target.duckdb"
    with open_store(db) as store:
        before = store.counts()
    result = runner.invoke(main, ["data", "import", str(directory), "--db", str(db)])
    assert result.exit_code == 1 and "tariffs.csv: file missing" in result.output
    with open_store(db) as store:
        assert store.counts() == before


def test_import_malformed_value_names_file_and_column(tmp_path):
    directory = _export(tmp_path)
    flows = pd.read_csv(directory / "trade_flows.csv", dtype=str)
    flows.loc[0, "year"] = "twenty"
    flows.to_csv(directory / "trade_flows.csv", index=False)
    with open_store(tmp_path / "t.duckdb") as store:
        before = store.counts()
        with pytest.raises(DataImportError, match=r"trade_flows\.csv: column 'year'"):
            import_directory(store, directory)
        assert store.counts() == before


def test_import_missing_column_and_garbage_file(tmp_path):
    directory = _export(tmp_path)
    ind = pd.read_csv(directory / "indicators.csv", dtype=str).drop(columns=["source"])
    ind.to_csv(directory / "indicators.csv", index=False)
    with pytest.raises(DataImportError, match=r"indicators\.csv: missing column 'source'"):
        read_directory(directory)
    (directory / "indicators.csv").unlink()
    (directory / "indicators.parquet").write_bytes(b"not parquet")
    with pytest.raises(DataImportError, match=r"indicators\.parquet: not a readable parquet"):
        read_directory(directory)
    with pytest.raises(DataImportError, match="not a folder"):
        read_directory(tmp_path / "nowhere")


def test_reset_asks_and_yes_skips(runner, tmp_path):
    db = tmp_path / "r.duckdb"
    with open_store(db) as store:
        _sample_flows(store)
    declined = runner.invoke(main, ["data", "reset", "--db", str(db)], input="n\n")
    assert declined.exit_code == 0 and "Nothing changed" in declined.output
    with open_store(db) as store:
        assert store.counts()["trade_flows"] == 2
    done = runner.invoke(main, ["data", "reset", "--yes", "--db", str(db)])
    assert done.exit_code == 0, done.output
    with open_store(db) as store:
        counts = store.counts()
        assert counts["trade_flows"] == 0 and counts["indicators"] > 0


def test_corrupt_database_is_a_clear_cli_error(runner, tmp_path):
    db = tmp_path / "bad.duckdb"
    db.write_bytes(b"\x00garbage" * 512)
    result = runner.invoke(main, ["data", "status", "--db", str(db)])
    assert result.exit_code == 1
    assert "not a valid market database" in result.output and "Traceback" not in result.output


def test_markets_product_view_from_stored_flows(runner, tmp_path):
    db = tmp_path / "p.duckdb"
    with open_store(db) as store:
        _sample_flows(store)
    args = ["markets", "--markets", "TH,VN", "--hs", "847130", "--format", "json", "--db", str(db)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    tha = next(r for r in json.loads(result.output) if r["iso3"] == "THA")
    assert tha["imports_usd"] == 100.0 and tha["taiwan_share"] == 10.0
    assert tha["product_year"] == 2023
    table = runner.invoke(
        main, ["markets", "--markets", "TH,VN", "--hs", "847130", "--db", str(db)]
    )
    assert "Taiwan share" in table.output and "10.0%" in table.output
