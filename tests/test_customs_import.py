"""`exportkit data import-customs`: the customs portal's CSV export into trade flows."""

from __future__ import annotations

from pathlib import Path

import pytest
from exportkit.spiders.normalise import hs_from_ccc, parse_number, parse_period

from exportkit.cli import main
from exportkit.errors import DataImportError
from exportkit.ingest.customs import read_customs_csv
from exportkit.store import open_store

EXPORT = Path(__file__).parent / "fixtures" / "customs" / "ga30_export_big5.csv"


def test_normalisers():
    assert parse_period("102年") == (2013, None)
    assert parse_period("102年 1月") == (2013, 1)
    assert parse_period("2026年8月") == (2026, 8)
    assert parse_period("2022/1") == (2022, 1)
    assert parse_period("合計") is None
    assert parse_number("１,234.5") == 1234.5  # full-width digits
    assert parse_number("－") is None and parse_number("(D)") is None and parse_number("") is None
    assert hs_from_ccc("84713000002") == "847130"
    assert hs_from_ccc("8471") == "8471" and hs_from_ccc("847") == ""


def test_read_export_sums_ccc_lines_into_hs6_and_converts_thousands():
    result = read_customs_csv(EXPORT, "泰國")
    flows = {(f.flow, f.hs_code, f.year): f.value_usd for f in result.flows}
    assert flows == {
        ("X", "847130", 2013): pytest.approx((1234.56789 + 100.5) * 1000),
        ("X", "854231", 2013): pytest.approx(98765.4321 * 1000),
        ("M", "854231", 2013): 4321000.0,
        ("X", "854231", 2015): pytest.approx(sum(m + 0.5 for m in range(1, 13)) * 1000),
    }
    assert all(f.reporter_iso3 == "TWN" and f.partner_iso3 == "THA" for f in result.flows)
    assert all(
        f.source == "customs_portal" and f.source_url.startswith("file://") for f in result.flows
    )
    reasons = [r.en for _, r in result.skipped]
    assert any("only 3 of 12 months" in r for r in reasons)  # 105年 is partial: not stored
    assert any("unknown commodity code" in r for r in reasons)


def test_not_the_portal_format(tmp_path):
    bad = tmp_path / "other.csv"
    bad.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(DataImportError, match="進出口別,日期,貨品號列"):
        read_customs_csv(bad)


def test_cli_imports_good_files_and_reports_bad_ones(runner, tmp_path):
    db = tmp_path / "m.duckdb"
    bad = tmp_path / "bad.csv"
    bad.write_text("not,the,export\n", encoding="utf-8")
    result = runner.invoke(
        main, ["data", "import-customs", str(bad), str(EXPORT), "--country", "THA", "--db", str(db)]
    )
    assert result.exit_code == 1
    assert "bad.csv" in result.output and "4 trade flows stored" in result.output
    with open_store(db) as store:
        rows = store.con.execute(
            "SELECT hs_code, year, flow, value_usd FROM trade_flows WHERE source = 'customs_portal' "
            "ORDER BY hs_code, year, flow"
        ).fetchall()
    assert len(rows) == 4 and rows[0][:3] == ("847130", 2013, "X")
    # importing again creates no duplicates
    runner.invoke(
        main, ["data", "import-customs", str(EXPORT), "--country", "THA", "--db", str(db)]
    )
    with open_store(db) as store:
        assert store.con.execute(
            "SELECT count(*) FROM trade_flows WHERE source = 'customs_portal'"
        ).fetchone() == (4,)


def test_bad_rows_are_skipped_with_reasons_never_stored_wrong(runner, tmp_path):
    # Issue 16, found since 8: −5, an unquoted 1,234.5 and ROC year 999 were stored as
    # −5000, 1000 and 2910 with "0 rows skipped".
    path = tmp_path / "careless.csv"
    path.write_text(
        "進出口別,日期,貨品號列,中文貨名,英文貨名,美元(千元)\n"
        "出口總值(含復出口),112年,84713000002,筆電,Laptops,100\n"
        "出口總值(含復出口),112年,84714100005,伺服器,Servers,-5\n"
        "出口總值(含復出口),112年,85423100003,處理器,Processors,1,234.5\n"
        "出口總值(含復出口),999年,85176200003,路由器,Routers,7\n"
        "出口總值(含復出口),112年 13月,85414300002,太陽能,Solar,7\n",
        encoding="utf-8",
    )
    db = tmp_path / "c.duckdb"
    result = runner.invoke(main, ["data", "import-customs", str(path), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "1 trade flows stored (4 rows skipped)" in result.output
    assert f"{path}:3: a negative value (-5)" in result.output
    assert f"{path}:4: 1 more cell(s) than the header" in result.output
    assert "is the year 2910, outside 1950" in result.output
    assert "no such month" in result.output
    with open_store(db) as store:
        flows = store.table_frame("trade_flows")
        mine = flows[flows["source"] == "customs_portal"]
    assert list(mine["hs_code"]) == ["847130"] and list(mine["value_usd"]) == [100_000.0]
    zh = runner.invoke(
        main, ["--lang", "zh-TW", "data", "import-customs", str(path), "--db", str(db)]
    )
    assert "金額為負數（-5）" in zh.output and "西元 2910 年" in zh.output
