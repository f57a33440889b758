"""`exportkit data import-tariffs`: WITS/TRAINS tariff downloads into the tariffs table."""

from __future__ import annotations

import pandas as pd
import pytest

from exportkit.analytics.potential import export_potential
from exportkit.cli import main
from exportkit.ingest.tariffs import import_tariff_files, read_tariff_csv
from exportkit.store import open_store

# The Advanced Query's CSV as WITS writes it: ISO3 or numeric reporters, Taiwan as OAS,
# a group partner, an empty weighted average, a bad product code, a short row.
DOWNLOAD = """Selected Nomen,Native Nomen,Reporter,Reporter Name,Partner,Partner Name,Tariff Year,\
Trade Year,Trade Source,Product,Product Name,Duty Type,Simple Average,Weighted Average,\
Standard Deviation,Minimum Rate,Maximum Rate,Nbr of Total Lines
HS,H5,THA,Thailand,WLD,World,2022,2022,CMT,871493,Hubs,MFN,10,9.5,0,10,10,3
HS,H5,THA,Thailand,OAS,"Other Asia, nes",2022,2022,CMT,871493,Hubs,AHS,10,10,0,10,10,3
HS,H5,THA,Thailand,CHN,China,2022,2022,CMT,871493,Hubs,PRF,0,0,0,0,0,3
HS,H5,764,Thailand,JPN,Japan,2022,2022,CMT,871493,Hubs,PRF,5,,0,5,5,3
HS,H5,THA,Thailand,ASEAN,ASEAN,2022,2022,CMT,871493,Hubs,PRF,0,,0,0,0,3
HS,H5,THA,Thailand,CHN,China,2022,2022,CMT,87x493,Hubs,PRF,0,0,0,0,0,3
HS,H5,THA,Thailand,CHN,China,2022
"""


def _file(tmp_path, text=DOWNLOAD):
    path = tmp_path / "wits_tariffs.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_the_wits_layout(tmp_path):
    result = read_tariff_csv(_file(tmp_path))
    rates = {(t.partner_iso3, t.tariff_type): t.rate for t in result.tariffs}
    assert rates == {
        ("WLD", "MFN"): 10.0,
        ("WLD", "MFN_WEIGHTED"): 9.5,
        ("TWN", "AHS"): 10.0,  # OAS: Taiwan
        ("TWN", "AHS_WEIGHTED"): 10.0,
        ("CHN", "PREF"): 0.0,
        ("CHN", "PREF_WEIGHTED"): 0.0,
        ("JPN", "PREF"): 5.0,  # reporter given as 764
        ("ASEAN", "PREF"): 0.0,  # a WITS group stays a group
    }
    assert all(t.reporter_iso3 == "THA" and t.nomenclature == "H5" for t in result.tariffs)
    assert [line for line, _ in result.skipped] == [7, 8]


def test_not_a_wits_download(tmp_path):
    batch = import_tariff_files([_file(tmp_path, "a,b\n1,2\n")], db=tmp_path / "m.duckdb")
    assert "not a WITS tariff download" in batch.failures[0].messages()[0]


def test_cli_stores_the_rates(runner, tmp_path):
    db = tmp_path / "m.duckdb"
    result = runner.invoke(main, ["data", "import-tariffs", str(_file(tmp_path)), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "7 rows read, 8 tariff rates stored (2 rows skipped)" in result.output
    with open_store(db) as store:
        assert len(store.tariffs("THA", ["871493"])) == 8


def _flows():
    rows = []
    for market, world, tw in (("THA", 1000, 50), ("VNM", 600, 90), ("MYS", 400, 60)):
        rows += [(market, "WLD", world), (market, "TWN", tw)]
    return pd.DataFrame(
        [
            {"reporter_iso3": r, "partner_iso3": p, "hs_code": "871493", "year": 2022,
             "flow": "M", "value_usd": v}
            for r, p, v in rows
        ]
    )  # fmt: skip


def test_potential_sees_the_preference_competitors_get(tmp_path):
    tariffs = pd.DataFrame(
        [{f: getattr(t, f) for f in t.__dataclass_fields__}
         for t in read_tariff_csv(_file(tmp_path)).tariffs]
    )  # fmt: skip
    base = {r.market: r for r in export_potential(_flows(), ["THA"], ["871493"], elasticity=5)}
    res = {
        r.market: r
        for r in export_potential(_flows(), ["THA"], ["871493"], tariffs=tariffs, elasticity=5)
    }
    # Taiwan pays 10 % where China and ASEAN enter free: demand × (1.10 / 1.00) ** -5
    assert res["THA"].demand == pytest.approx(base["THA"].demand * 1.1**-5)
    assert "competitor_preference" in res["THA"].flags
