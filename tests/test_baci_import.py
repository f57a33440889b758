"""`exportkit data import-baci`: CEPII BACI year files (t,i,j,k,v,q) into trade flows."""

from __future__ import annotations

import math

import pytest

from exportkit.cli import main
from exportkit.errors import DataImportError
from exportkit.ingest.baci import country_table, import_baci_files, parse_file_name
from exportkit.store import open_store

# BACI's layout as CEPII writes it: k loses its leading zero (010121 → 10121), q may be a
# padded NA, 490 is Taiwan, 699 India, 251 France (an importer outside the 18).
YEAR_FILE = """t,i,j,k,v,q
2022,490,764,10121,12.5,3.2
2022,156,764,10121,100.0,           NA
2022,490,764,847130,2000.125,50
2022,156,764,847130,5000,100
2022,392,764,847130,1000,20
2022,490,251,847130,300,2
2022,156,842,847130,9000,200
2022,490,699,847130,800,10
2022,156,699,847130,1200,10
2022,156,764,8471x0,1,1
2022,156,764
"""
NAME = "BACI_HS17_Y2022_V202401b.csv"


def _write(tmp_path, text=YEAR_FILE, name=NAME):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _flows(db):
    with open_store(db) as store:
        frame = store.frame(
            "SELECT reporter_iso3, partner_iso3, hs_code, flow, value_usd, quantity, source, "
            "hs_revision, source_url FROM trade_flows WHERE source LIKE 'CEPII BACI%'"
        )
    return {(r.reporter_iso3, r.partner_iso3, r.hs_code, r.flow): r for r in frame.itertuples()}


def test_file_name_gives_release_and_revision():
    release = parse_file_name("/data/BACI_HS17_Y2022_V202401b.csv")
    assert (release.revision, release.year, release.release) == ("17", 2022, "V202401b")
    assert release.hs_edition == "HS2017"
    assert release.source == "CEPII BACI V202401b, HS17"
    assert release.url.endswith("BACI_HS17_V202401b.zip")
    with pytest.raises(DataImportError, match="BACI_HS17_Y2022_V202401b"):
        parse_file_name("trade_2022.csv")


def test_import_reads_the_layout(tmp_path):
    db = tmp_path / "m.duckdb"
    batch = import_baci_files([_write(tmp_path)], db=db)
    assert batch.ok, batch.failures
    result = batch.imports[0]
    assert (result.rows, result.skipped, result.products, result.totals) == (11, 2, 2, False)
    assert [(p.line, p.kind) for p in result.problems] == [(11, "cast"), (12, "missing columns")]
    flows = _flows(db)
    # the leading zero is restored; Taiwan (490) and India (699) are named; v is thousands
    assert flows["THA", "TWN", "010121", "M"].value_usd == 12_500
    assert flows["THA", "TWN", "010121", "M"].quantity == 3.2
    assert math.isnan(flows["THA", "CHN", "010121", "M"].quantity)  # q "  NA": missing
    assert flows["IND", "TWN", "847130", "M"].value_usd == 800_000
    # world imports of a market = the sum over its exporters (one source)
    assert flows["THA", "WLD", "847130", "M"].value_usd == pytest.approx(8_000_125)
    # an importer outside the 18 is no reporter, but counts in Taiwan's and the world's totals
    assert not any(k[0] in ("FRA", "USA") for k in flows)
    assert flows["TWN", "WLD", "847130", "X"].value_usd == pytest.approx(3_100_125)
    assert flows["WLD", "WLD", "847130", "M"].value_usd == pytest.approx(19_300_125)
    row = flows["THA", "TWN", "847130", "M"]
    assert (row.source, row.hs_revision) == ("CEPII BACI V202401b, HS17", "HS2017")
    assert "BACI_HS17_V202401b" in row.source_url
    # loading again leaves one row per key
    count = len(flows)
    assert import_baci_files([_write(tmp_path)], db=db).ok
    assert len(_flows(db)) == count


def test_full_year_writes_all_goods_totals(tmp_path, monkeypatch):
    from exportkit.ingest import baci

    monkeypatch.setitem(baci.layout(), "totals_min_products", 2)
    db = tmp_path / "m.duckdb"
    assert import_baci_files([_write(tmp_path)], db=db).imports[0].totals
    flows = _flows(db)
    assert flows["THA", "WLD", "TOTAL", "M"].value_usd == pytest.approx(8_112_625)
    assert flows["THA", "TWN", "TOTAL", "M"].value_usd == pytest.approx(2_012_625)
    assert flows["TWN", "WLD", "TOTAL", "X"].value_usd == pytest.approx(3_112_625)


def test_wrong_layout_is_refused(tmp_path):
    path = _write(tmp_path, "year,exporter,importer,hs6,value\n2022,490,764,10121,1\n")
    batch = import_baci_files([path], db=tmp_path / "m.duckdb")
    assert not batch.ok
    assert "expected t,i,j,k,v,q" in batch.failures[0].messages()[0]


def test_unknown_country_code_is_refused_and_nothing_written(tmp_path):
    db = tmp_path / "m.duckdb"
    path = _write(tmp_path, YEAR_FILE + "2022,9999,764,847130,1,1\n")
    batch = import_baci_files([path], db=db)
    assert "unknown BACI country code(s) 9999" in batch.failures[0].messages()[0]
    assert "--country-codes" in batch.failures[0].messages()[0]
    assert _flows(db) == {}
    # the release's country-code file names it
    codes = tmp_path / "country_codes_V202401b.csv"
    codes.write_text(
        "country_code,country_name,country_iso2,country_iso3\n9999,Somewhere,XX,XXA\n",
        encoding="utf-8",
    )
    batch = import_baci_files([path], db=db, country_codes=codes)
    assert batch.ok, batch.failures
    assert ("THA", "XXA", "847130", "M") in _flows(db)


def test_country_code_file_of_older_releases():
    assert country_table()[699] == "IND" and country_table()[490] == "TWN"


def test_mixed_hs_revisions_are_refused(tmp_path):
    db = tmp_path / "m.duckdb"
    hs17, hs22 = _write(tmp_path), _write(tmp_path, name="BACI_HS22_Y2022_V202401b.csv")
    with pytest.raises(DataImportError, match="mix HS revisions"):
        import_baci_files([hs17, hs22], db=db)
    assert import_baci_files([hs17], db=db).ok
    with pytest.raises(DataImportError, match="already holds BACI rows in HS2017"):
        import_baci_files([hs22], db=db)


def test_year_of_rows_must_match_the_name(tmp_path):
    path = _write(tmp_path, YEAR_FILE.replace("2022,156,842", "2021,156,842"))
    batch = import_baci_files([path], db=tmp_path / "m.duckdb")
    message = batch.failures[0].messages()[0]
    assert "the file name says 2022 but the rows are of 2021, 2022" in message


def test_cli_reports_each_file(runner, tmp_path):
    db = tmp_path / "m.duckdb"
    result = runner.invoke(
        main,
        ["data", "import-baci", str(_write(tmp_path)), str(tmp_path / "x.csv"), "--db", str(db)],
    )
    assert result.exit_code == 1
    assert "11 rows read, 2 HS6 products" in result.output
    assert ":11: column k is not a number; row skipped" in result.output
    assert "x.csv: cannot tell the BACI release" in result.output
    assert "Traceback" not in result.output
    zh = runner.invoke(
        main, ["--lang", "zh-TW", "data", "import-baci", str(_write(tmp_path)), "--db", str(db)]
    )
    assert zh.exit_code == 0 and "讀取 11 列" in zh.output


def test_product_view_reads_the_import(tmp_path):
    from exportkit.markets import market_profile

    db = tmp_path / "m.duckdb"
    import_baci_files([_write(tmp_path)], db=db)
    with open_store(db) as store:
        profile = market_profile(store, "THA", ["847130"])
    assert profile.imports_usd == pytest.approx(8_000_125)
    assert profile.taiwan_share == pytest.approx(2_000.125 / 8_000.125 * 100, rel=1e-3)
    assert [p for p, _ in profile.top_suppliers][:2] == ["CHN", "JPN"]
    assert profile.trade.source == "CEPII BACI V202401b, HS17"


def test_an_older_file_never_overwrites_newer_figures(tmp_path):
    import os

    db = tmp_path / "m.duckdb"
    path = _write(tmp_path)
    assert import_baci_files([path], db=db).ok
    (tmp_path / "old").mkdir()
    older = _write(tmp_path / "old", YEAR_FILE.replace("2000.125", "1.0"))
    os.utime(older, (0, 0))  # retrieved in 1970: older than what is stored
    assert import_baci_files([older], db=db).ok
    assert _flows(db)["THA", "TWN", "847130", "M"].value_usd == pytest.approx(2_000_125)
