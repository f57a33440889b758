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
    reasons = [r for _, r in result.skipped]
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
