"""The figures bundled from the shared public copies (issue 11): WEO, internet use, GeoDist, MOF.

Offline on a fresh install every market has internet use (where WDI has it), WEO growth with
projections flagged, distance and Taiwan's exports to it, each with its source; the values
match the spot checks of each copy's PROVENANCE.md; `exportkit data status` lists them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import shutil
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from exportkit import countries
from exportkit.cli import main
from exportkit.models import Indicator
from exportkit.store import SCHEMA_VERSION, open_store
from exportkit.store.connection import Connection
from exportkit.store.schema import migrate
from exportkit.store.snapshot import metadata, snapshot_frames
from exportkit.store.transfer import export_tables, import_directory

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
NEEDS_SHARED = pytest.mark.skipif(
    not SHARED.is_dir(), reason="the shared public copies (../shared/data) are not on this machine"
)

WEO = "IMF World Economic Outlook, April 2025"
INTERNET = "World Bank WDI, IT.NET.USER.ZS bulk file (public copy)"
CEPII = "CEPII GeoDist (public copy)"
MOF = "Taiwan Ministry of Finance, Table 12 exports (public copy)"
NEW_SOURCES = (WEO, INTERNET, CEPII, MOF)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """Every indicator of a store created from the bundled snapshot alone (a fresh install)."""
    with open_store(tmp_path_factory.mktemp("fresh") / "market.duckdb") as store:
        frame = store.indicator_series()
        latest = store.latest_indicators()
        reported = store.latest_indicators(projections=False)
    return frame, latest, reported


def _value(frame: pd.DataFrame, iso3: str, code: str, year: int) -> pd.Series:
    hit = frame[(frame.iso3 == iso3) & (frame.indicator == code) & (frame.year == year)]
    assert len(hit) == 1, (iso3, code, year)
    return hit.iloc[0]


def test_every_market_has_internet_growth_distance_and_taiwan_exports(fresh):
    frame, latest, _ = fresh
    for iso3 in countries.NSB18:
        for code, source in (
            ("IT.NET.USER.ZS", INTERNET),
            ("NGDP_RPCH", WEO),
            ("CEPII.DISTW.TWN", CEPII),
            ("MOF.TWN_EXPORTS", MOF),
        ):
            fig = latest[(iso3, code)]
            assert fig.value is not None and fig.source == source, (iso3, code)
            assert fig.source_url.startswith("http"), (iso3, code)
            assert fig.retrieved_at == datetime(2026, 12, 3)
        exports = frame[(frame.iso3 == iso3) & (frame.indicator == "MOF.TWN_EXPORTS")]
        assert sorted(exports.year) == list(range(2015, 2025)), iso3
        growth = frame[(frame.iso3 == iso3) & (frame.indicator == "NGDP_RPCH")]
        assert growth.is_projection.eq(True).any() and growth.is_projection.eq(False).any(), iso3
        assert growth.is_projection.notna().all(), iso3
    internet_year = {iso3: latest[(iso3, "IT.NET.USER.ZS")].year for iso3 in countries.NSB18}
    assert internet_year["IND"] == 2020 and internet_year["MMR"] == 2021  # as the WDI copy has it
    assert latest[("THA", "IT.NET.USER.ZS")].source_url == (
        "https://data.worldbank.org/indicator/IT.NET.USER.ZS?locations=TH"
    )


def test_taiwan_has_weo_gdp_and_population_but_no_internet_row(fresh):
    frame, _, reported = fresh
    twn = frame[frame.iso3 == "TWN"]
    assert "IT.NET.USER.ZS" not in set(twn.indicator)  # neither WDI nor ITU publishes it
    gdp = _value(frame, "TWN", "NGDPD", 2023)
    assert (gdp.value, gdp.unit, bool(gdp.is_projection)) == (
        757.335,
        "US$ billion (current prices)",
        False,
    )
    assert _value(frame, "TWN", "NGDPD", 2024).value == 782.441
    pop = reported[("TWN", "LP")]
    assert (pop.year, pop.value, pop.unit) == (2024, 23.4, "million persons")
    # growth 2024 reported, 2025 the April 2025 projection
    assert (_value(frame, "TWN", "NGDP_RPCH", 2024).value, reported[("TWN", "NGDP_RPCH")].year) == (
        4.299,
        2024,
    )
    proj = _value(frame, "TWN", "NGDP_RPCH", 2025)
    assert (proj.value, bool(proj.is_projection)) == (2.854, True)
    assert set(twn.source) <= {WEO, *frame[frame.indicator.str.contains("WGI|EST|LPI")].source}


def test_values_match_the_spot_checks_of_each_provenance_note(fresh):
    frame, latest, _ = fresh
    assert _value(frame, "VNM", "IT.NET.USER.ZS", 2023).value == 78.08
    assert round(_value(frame, "THA", "IT.NET.USER.ZS", 2023).value, 2) == 89.54
    assert round(_value(frame, "SGP", "IT.NET.USER.ZS", 2023).value, 2) == 94.29
    assert round(_value(frame, "IND", "IT.NET.USER.ZS", 2020).value, 1) == 43.4
    vnm = _value(frame, "VNM", "MOF.TWN_EXPORTS", 2022)
    assert vnm.value == 14_574_219_000 and round(vnm.value / 1e6, 1) == 14_574.2
    assert vnm.unit.startswith("US$ ")
    assert round(_value(frame, "THA", "MOF.TWN_EXPORTS", 2024).value / 1e6, 1) == 11_820.2
    # the MOF country totals add up to the printed NSB18 total for 2024 (103,466.1 million)
    exports_2024 = frame[(frame.indicator == "MOF.TWN_EXPORTS") & (frame.year == 2024)]
    assert round(exports_2024.value.sum() / 1e6, 1) == 103_466.1
    distance = {i: latest[(i, "CEPII.DIST.TWN")].value for i in countries.NSB18}
    assert (round(distance["PHL"], 1), round(distance["VNM"], 1)) == (1166.4, 1665.9)
    assert (round(distance["SGP"], 1), round(distance["AUS"], 1)) == (3259.7, 7272.5)
    assert round(distance["NZL"], 1) == 9429.8
    common = {i for i in countries.NSB18 if latest[(i, "CEPII.COMLANG_OFF.TWN")].value == 1}
    assert common == {"SGP", "MYS"}
    assert all(latest[(i, "CEPII.CONTIG.TWN")].value == 0 for i in countries.NSB18)
    assert set(frame[frame.source == CEPII].year) == {2011}


def test_cambodia_gdp_per_capita_follows_the_retaken_gdp(fresh):
    frame, _, _ = fresh
    gdp = _value(frame, "KHM", "NY.GDP.MKTP.CD", 2023)
    pop = _value(frame, "KHM", "SP.POP.TOTL", 2023)
    per_capita = _value(frame, "KHM", "NY.GDP.PCAP.CD", 2023)
    assert round(gdp.value / 1e9, 1) == 42.3  # 31.8 bn in the older release bundled before
    assert abs(per_capita.value - gdp.value / pop.value) < 0.01
    assert abs(per_capita.value - 2430) < 1
    assert "derived" in per_capita.source
    assert _value(frame, "BTN", "NY.GDP.MKTP.CD", 2023).value == 3012896789.79753


def test_one_wdi_vintage_for_gdp_population_growth_and_urban_share():
    rows = snapshot_frames()["indicators"]
    family = ("NY.GDP.MKTP.CD", "SP.POP.TOTL", "NY.GDP.MKTP.KD.ZG", "SP.URB.TOTL.IN.ZS")
    assert set(rows[rows.indicator.isin(family)].source) == {"World Bank WDI (public copy)"}
    entry = next(s for s in metadata()["sources"] if s["name"] == "World Bank WDI (public copy)")
    assert set(family) <= set(entry["indicators"])
    commits = {re.search(r"@ ([0-9a-f]{40})", c).group(1) for c in entry["copied_from"]}
    assert commits == {"4ebec5a2273f531ba238a34dbe440394dc5a6c4b"}
    assert "World Bank WDI" not in set(rows.source)  # the older vintage is gone


def test_snapshot_has_one_row_per_key_and_projections_only_from_the_weo():
    rows = snapshot_frames()["indicators"]
    assert not rows.duplicated(["iso3", "indicator", "year"]).any()
    flagged = rows[rows.is_projection.notna()]
    assert set(flagged.source) == {WEO}
    assert rows[rows.source == WEO].is_projection.notna().all()
    assert set(rows.iso3) <= {*countries.NSB18, "TWN"}


def test_metadata_records_the_provenance_and_licence_caveats_of_the_new_sources():
    meta = metadata()
    by_name = {s["name"]: s for s in meta["sources"]}
    for name in NEW_SOURCES:
        entry = by_name[name]
        assert entry["url"].startswith("http") and entry["licence"], name
        assert re.search(r"@ [0-9a-f]{40}", entry["copied_from"]), name
        assert re.search(r"sha256 [0-9a-f]{64}", entry["copied_from"]) or name == CEPII, name
        assert all(re.fullmatch(r"[0-9a-f]{64}", e["sha256"]) for e in entry["extracts"]), name
    for name in (WEO, CEPII, MOF):  # "verify before bundling" in their PROVENANCE.md
        assert "NOT YET VERIFIED" in by_name[name]["licence"], name
    assert meta["version"] == "2026.12.03.1"
    rows = snapshot_frames()["indicators"]
    for name in NEW_SOURCES:
        codes = set(rows[rows.source == name].indicator)
        assert codes == set(by_name[name]["indicators"]), name


def test_the_wdi_retake_extracts_are_the_ones_metadata_records():
    recorded = {e["input"]: e for s in metadata()["sources"] for e in s.get("extracts", [])}
    for name in ("wdi-gdp-4ebec5a", "wdi-pop-4ebec5a"):
        path = ROOT / recorded[name]["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == recorded[name]["sha256"]


def _bundle_script():
    spec = importlib.util.spec_from_file_location(
        "bundle_shared_data", ROOT / "scripts" / "bundle_shared_data.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@NEEDS_SHARED
def test_bundle_script_rebuilds_the_committed_snapshot_byte_for_byte(tmp_path):
    snapshot = tmp_path / "snapshot"
    shutil.copytree(ROOT / "exportkit" / "data" / "snapshot", snapshot)
    committed = (snapshot / "indicators.csv").read_bytes()
    script = _bundle_script()
    script.main([str(SHARED), "--snapshot", str(snapshot)])
    assert (snapshot / "indicators.csv").read_bytes() == committed
    script.main([str(SHARED), "--snapshot", str(snapshot)])  # idempotent
    assert (snapshot / "indicators.csv").read_bytes() == committed


@NEEDS_SHARED
def test_bundle_script_refuses_an_input_that_differs_from_its_provenance(tmp_path):
    shared = tmp_path / "shared"
    shutil.copytree(SHARED, shared)
    snapshot = tmp_path / "snapshot"
    shutil.copytree(ROOT / "exportkit" / "data" / "snapshot", snapshot)
    before = (snapshot / "indicators.csv").read_bytes()
    internet = shared / "wdi-internet" / "it_net_user_zs_nsb.csv"
    internet.write_text(internet.read_text().replace(",2023,78.08", ",2023,79.0"))
    with pytest.raises(SystemExit) as exc:
        _bundle_script().main([str(shared), "--snapshot", str(snapshot)])
    assert "it_net_user_zs_nsb.csv" in str(exc.value) and "sha256" in str(exc.value)
    assert (snapshot / "indicators.csv").read_bytes() == before


def test_data_status_lists_the_new_sources_with_years_counts_and_projections(runner):
    result = runner.invoke(main, ["data", "status"])
    assert result.exit_code == 0, result.output
    out = result.output
    for name in NEW_SOURCES:
        assert name in out, name
    lines = out.splitlines()
    weo_twn = next(line for line in lines if WEO in line and " TWN " in line)
    assert "128 (50 estimates/projections)" in weo_twn
    assert "2015–2024; estimates/projections to 2030" in weo_twn
    mof_vnm = next(line for line in lines if MOF in line and " VNM " in line)
    assert "│ 10 " in mof_vnm and "2015–2024" in mof_vnm
    internet_ind = next(line for line in lines if INTERNET in line and " IND " in line)
    assert "2010–2020" in internet_ind
    cepii = [line for line in lines if CEPII in line]
    assert len(cepii) == 18 and all("│ 6 " in line and "newest year" not in line for line in cepii)
    # the WGI composite is still flagged by its data year, as before
    wgi = [line for line in lines if "World Bank WGI 2023 update (public copy)" in line]
    assert len(wgi) == 19 and all("newest year 2022" in line for line in wgi)
    zh = runner.invoke(main, ["--lang", "zh-TW", "data", "status"])
    assert "（其中 50 筆為推估值）" in zh.output and "推估至 2030" in zh.output


def test_a_v3_database_gains_the_projection_column_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.duckdb"
    with Connection(path) as con:
        migrate(con, target=3)
        with con.transaction():
            con.rows(
                "INSERT INTO indicators VALUES ('THA', 'X.OLD', 2020, 1.5, 'u', 's', "
                "'https://e/x', TIMESTAMP '2025-01-01')"
            )
    with open_store(path, snapshot=False) as store:
        assert store.schema_version == SCHEMA_VERSION >= 4
        old = store.latest_indicators(["THA"], ["X.OLD"])[("THA", "X.OLD")]
    assert (old.value, old.is_projection) == (1.5, None)


def test_latest_reported_figure_skips_projections(tmp_path):
    t = datetime(2026, 1, 1)
    with open_store(tmp_path / "p.duckdb", snapshot=False) as store:
        store.upsert_indicators(
            [
                Indicator("THA", "NGDP_RPCH", 2024, 2.5, "%", "s", "https://e", t, False),
                Indicator("THA", "NGDP_RPCH", 2025, 1.8, "%", "s", "https://e", t, True),
                Indicator("THA", "X.PLAIN", 2025, 7.0, "%", "s", "https://e", t),
            ]
        )
        every = store.latest_indicators(["THA"])
        reported = store.latest_indicators(["THA"], projections=False)
    assert every[("THA", "NGDP_RPCH")].year == 2025 and every[("THA", "NGDP_RPCH")].is_projection
    assert (reported[("THA", "NGDP_RPCH")].year, reported[("THA", "NGDP_RPCH")].value) == (
        2024,
        2.5,
    )
    assert reported[("THA", "X.PLAIN")].year == 2025  # unflagged figures count as reported


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_projection_flags_survive_export_and_import(tmp_path, fmt):
    with open_store(tmp_path / "a.duckdb") as store:
        export_tables(store, tmp_path / "out", fmt)
        before = store.table_frame("indicators")
    with open_store(tmp_path / "b.duckdb", snapshot=False) as store:
        import_directory(store, tmp_path / "out")
        after = store.table_frame("indicators")
    assert len(after) == len(before) == 3820
    assert after.is_projection.eq(True).sum() == before.is_projection.eq(True).sum() > 900
    assert after.is_projection.eq(False).sum() == before.is_projection.eq(False).sum() > 1000
    assert after.is_projection.isna().sum() == before.is_projection.isna().sum()


def test_an_export_without_the_projection_column_still_imports(tmp_path):
    with open_store(tmp_path / "a.duckdb") as store:
        export_tables(store, tmp_path / "out", "csv")
    indicators = pd.read_csv(tmp_path / "out" / "indicators.csv").drop(columns="is_projection")
    indicators.to_csv(tmp_path / "out" / "indicators.csv", index=False)  # as exportkit < v4 wrote
    with open_store(tmp_path / "b.duckdb", snapshot=False) as store:
        import_directory(store, tmp_path / "out")
        frame = store.table_frame("indicators")
    assert len(frame) == 3820 and frame.is_projection.isna().all()
