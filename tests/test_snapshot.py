"""The bundled snapshot: sourced figures only, loaded on first use, never beating newer data."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from exportkit import countries
from exportkit.models import Indicator
from exportkit.store import open_store
from exportkit.store.snapshot import load_snapshot, metadata, snapshot_frames

# The verified WDI figures of issue 3 (GDP current US$, population; 2023, Bhutan's GDP 2022).
VERIFIED = {
    "THA": (514944993834, 71702435),
    "IND": (3549918918778, 1438069596),
    "BTN": (2898227713, 786385),
    "NZL": (253465703232, 5200000),
}


def test_snapshot_loads_on_first_use_of_a_new_store(tmp_path):
    with open_store(tmp_path / "new.duckdb") as store:
        counts = store.counts()
        assert counts["countries"] == 19 and counts["indicators"] > 0
        assert counts["trade_flows"] == 0  # no real flows bundled
        assert store.meta("snapshot_loaded") == metadata()["version"]
        got = store.latest_indicators(VERIFIED, ["NY.GDP.MKTP.CD", "SP.POP.TOTL"])
    for iso3, (gdp, pop) in VERIFIED.items():
        assert got[(iso3, "NY.GDP.MKTP.CD")].value == gdp
        assert got[(iso3, "SP.POP.TOTL")].value == pop
    assert got[("BTN", "NY.GDP.MKTP.CD")].year == 2022
    assert got[("THA", "SP.POP.TOTL")].source_url.startswith(
        "https://api.worldbank.org/v2/country/THA/"
    )


def test_every_snapshot_figure_carries_its_provenance():
    frames = snapshot_frames()
    ind = frames["indicators"]
    for col in ("source", "source_url", "retrieved_at", "indicator", "year", "unit"):
        assert ind[col].notna().all(), col
    assert set(ind["iso3"]) <= {*countries.NSB18, "TWN"}
    notes = frames["market_notes"]
    assert notes["source_url"].str.startswith("http").all()
    assert (notes["text_zh_tw"].str.len() > 0).all() and (notes["text_en"].str.len() > 0).all()


def test_derived_gdp_per_capita_is_marked_and_consistent():
    ind = snapshot_frames()["indicators"].set_index(["iso3", "indicator", "year"])["value"]
    rows = snapshot_frames()["indicators"]
    derived = rows[rows["indicator"] == "NY.GDP.PCAP.CD"]
    assert derived["source"].str.contains("derived").all()
    for _, row in derived.iterrows():
        gdp = ind[(row.iso3, "NY.GDP.MKTP.CD", row.year)]
        pop = ind[(row.iso3, "SP.POP.TOTL", row.year)]
        assert abs(row.value - gdp / pop) < 0.01
    assert "BTN" not in set(derived["iso3"])  # GDP 2022 vs population 2023: no same-year pair


def test_derived_urban_population_is_marked_and_consistent():
    ind = snapshot_frames()["indicators"].set_index(["iso3", "indicator", "year"])["value"]
    rows = snapshot_frames()["indicators"]
    derived = rows[rows["indicator"] == "SP.URB.TOTL"]
    assert derived["source"].str.contains("derived").all()
    assert set(derived["iso3"]) == set(countries.NSB18)
    for _, row in derived.iterrows():
        share = ind[(row.iso3, "SP.URB.TOTL.IN.ZS", row.year)]
        pop = ind[(row.iso3, "SP.POP.TOTL", row.year)]
        assert abs(row.value - share / 100 * pop) <= 1


def test_public_copy_indicators_cover_all_18_markets():
    rows = snapshot_frames()["indicators"]
    for code in ("NY.GDP.MKTP.KD.ZG", "FP.CPI.TOTL.ZG", "SP.URB.TOTL.IN.ZS", "RQ.EST", "PV.EST"):
        got = rows[rows["indicator"] == code]
        assert set(countries.NSB18) <= set(got["iso3"]), code
        assert got["source"].str.contains("public copy").all(), code
    growth = rows[rows["indicator"] == "NY.GDP.MKTP.KD.ZG"]
    assert (growth.groupby("iso3")["year"].nunique() == 5).all()  # the index's 5-year mean
    wgi = rows[rows["indicator"].isin(["PV.EST", "RL.EST", "RQ.EST"])]
    assert wgi["value"].between(-2.5, 2.5).all() and "TWN" in set(wgi["iso3"])


def test_crawled_data_newer_than_the_snapshot_wins_when_it_is_reloaded(tmp_path):
    with open_store(tmp_path / "s.duckdb") as store:
        crawled = Indicator(
            "THA",
            "SP.POP.TOTL",
            2023,
            71_800_000.0,
            "persons",
            "World Bank WDI (crawl)",
            "https://api.worldbank.org/v2/country/THA/indicator/SP.POP.TOTL",
            datetime(2030, 1, 1),
        )
        store.upsert_indicators([crawled])
        before = store.counts()
        load_snapshot(store)
        assert store.counts() == before
        assert store.latest_indicators(["THA"], ["SP.POP.TOTL"])[("THA", "SP.POP.TOTL")] == crawled


def test_snapshot_is_not_reloaded_over_a_store_that_has_it(tmp_path):
    path = tmp_path / "s.duckdb"
    with open_store(path) as store:
        store.con.execute("DELETE FROM indicators WHERE iso3 = 'THA'")
    with open_store(path) as store:
        assert store.latest_indicators(["THA"], None) == {}
        assert isinstance(store.table_frame("indicators"), pd.DataFrame)
