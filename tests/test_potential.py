"""Export potential: hand-checked arithmetic, Taiwan as partner 490, HS breaks, hubs, store."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from exportkit.analytics.potential import export_potential, hs_edition, method
from exportkit.markets.potential import potential_from_store
from exportkit.models import Tariff

NOW = datetime(2024, 1, 1)


def flow(reporter, partner, hs, value, flow="M", year=2022, revision=None):
    return {
        "reporter_iso3": reporter,
        "partner_iso3": partner,
        "hs_code": hs,
        "year": year,
        "flow": flow,
        "value_usd": value,
        "source": "test",
        "source_url": "http://127.0.0.1/",
        "retrieved_at": NOW,
        "hs_revision": revision,
    }


def example_flows() -> pd.DataFrame:
    rows = [
        flow("THA", "WLD", "8471", 1000),
        flow("THA", "TWN", "8471", 50),
        flow("VNM", "WLD", "8471", 600),
        flow("VNM", "490", "8471", 90),  # Taiwan as Comtrade partner 490
        flow("SGP", "WLD", "8471", 400),
        flow("SGP", "TWN", "8471", 60),
        flow("SGP", "WLD", "8471", 300, flow="X"),  # hub's exports → net imports 100
        flow("THA", "WLD", "TOTAL", 10000),
        flow("THA", "TWN", "TOTAL", 500),
        flow("VNM", "WLD", "TOTAL", 8000),
        flow("VNM", "490", "TOTAL", 800),
        flow("SGP", "WLD", "TOTAL", 6000),
        flow("SGP", "TWN", "TOTAL", 300),
    ]
    return pd.DataFrame(rows)


def tariff(reporter, partner, kind, rate, hs="8471", year=2021):
    return Tariff(reporter, partner, hs, year, kind, rate, "test", "http://127.0.0.1/", NOW)


TARIFFS = [
    tariff("THA", "WLD", "MFN", 10.0),
    tariff("THA", "TWN", "AHS", 10.0),
    tariff("VNM", "WLD", "MFN", 5.0),
    tariff("VNM", "TWN", "AHS", 0.0),
]


def tariff_frame(items=TARIFFS):
    return pd.DataFrame([{f: getattr(t, f) for f in Tariff.__dataclass_fields__} for t in items])


def test_hand_checked_example():
    res = export_potential(
        example_flows(), ["THA", "VNM", "SGP"], ["8471"], tariffs=tariff_frame(), elasticity=5.0
    )
    by = {r.market: r for r in res}
    # supply: Taiwan's mirror exports 50+90+60 = 200 of world (subset) 1000+600+400 = 2000
    assert by["THA"].supply == pytest.approx(0.1)
    # ease: (X_ij/X_i)/(M_j/M_w) on totals: X_i = 1600, M_w = 24000
    assert by["THA"].ease == pytest.approx((500 / 1600) / (10000 / 24000))  # 0.75
    assert by["VNM"].ease == pytest.approx(1.5)
    assert by["SGP"].ease == pytest.approx(0.75)
    # THA: equal tariffs, access 1: 0.1 × 1000 × 0.75 = 75; actual 50
    assert by["THA"].potential == pytest.approx(75.0)
    assert by["THA"].unrealised == pytest.approx(25.0)
    assert by["THA"].utilisation == pytest.approx(50 / 75)
    # VNM: Taiwan pays 0 vs MFN 5 %: access = 1.05**5; 0.1 × 600 × 1.2762815625 × 1.5
    assert by["VNM"].demand == pytest.approx(600 * 1.2762815625)
    assert by["VNM"].potential == pytest.approx(114.865340625)
    assert by["VNM"].actual == pytest.approx(90.0)  # read from partner "490"
    # SGP: hub, demand = imports − exports = 100; no tariffs: 0.1 × 100 × 0.75 = 7.5
    assert by["SGP"].demand == pytest.approx(100.0)
    assert by["SGP"].potential == pytest.approx(7.5)
    assert by["SGP"].unrealised == 0.0
    assert by["SGP"].utilisation == pytest.approx(8.0)
    assert {"re_export_hub_net", "no_tariff_data"} <= set(by["SGP"].flags)
    assert "supply_world_is_subset" in by["THA"].flags
    assert [r.market for r in res] == ["THA", "VNM", "SGP"]  # by unrealised potential
    assert res[0].label.en == "a benchmark, not a ceiling"


def test_hs_revision_break_voids_the_comparison():
    df = example_flows()
    df.loc[
        (df.reporter_iso3 == "THA") & (df.hs_code == "8471") & (df.partner_iso3 == "WLD"),
        "hs_revision",
    ] = "H6"
    df.loc[
        (df.reporter_iso3 == "THA") & (df.hs_code == "8471") & (df.partner_iso3 == "TWN"),
        "hs_revision",
    ] = "H5"
    res = {r.market: r for r in export_potential(df, ["THA", "VNM"], ["8471"])}
    assert "hs_revision_break" in res["THA"].flags
    assert res["THA"].potential is None and res["THA"].unrealised is None
    assert "hs_revision_break" not in res["VNM"].flags


def test_hs_editions_from_the_data_file():
    assert hs_edition(2016) == "HS2012" and hs_edition(2017) == "HS2017"
    assert hs_edition(2023) == "HS2022"
    assert "Decreux" in method()["method"]["source"]


def test_hub_without_export_data_is_flagged_unadjusted():
    df = example_flows()
    df = df[~((df.reporter_iso3 == "SGP") & (df.flow == "X"))]
    res = {r.market: r for r in export_potential(df, ["SGP"], ["8471"])}
    assert "re_export_hub_unadjusted" in res["SGP"].flags
    assert res["SGP"].demand == pytest.approx(400.0)


def test_missing_market_data_gives_none_not_zero():
    res = export_potential(example_flows(), ["IDN"], ["8471"])
    assert res[0].potential is None and res[0].flags == ("no_import_data",)


def test_default_elasticity_is_the_documented_one():
    res = {
        r.market: r
        for r in export_potential(example_flows(), ["VNM"], ["8471"], tariffs=tariff_frame())
    }
    sigma = method()["terms"]["demand"]["elasticity"]["value"]
    assert res["VNM"].demand == pytest.approx(600 * 1.05**sigma)


class FakeStore:
    """Implements the two Store methods the adapter uses (the issue-3 contract)."""

    def __init__(self):
        self.calls = []

    def trade_flows(self, reporters, hs_codes, partners=None, years=None):
        self.calls.append((tuple(reporters), tuple(hs_codes)))
        df = example_flows()
        return df[df.reporter_iso3.isin(reporters) & df.hs_code.isin(hs_codes)]

    def tariffs(self, reporter, hs_codes):
        return [t for t in TARIFFS if t.reporter_iso3 == reporter and t.hs_code in hs_codes]


def test_store_adapter_matches_the_pure_function():
    store = FakeStore()
    via_store = potential_from_store(store, ["THA", "VNM", "SGP"], ["8471"])
    direct = export_potential(
        example_flows(), ["THA", "VNM", "SGP"], ["8471"], tariffs=tariff_frame()
    )
    assert store.calls == [(("THA", "VNM", "SGP"), ("8471", "TOTAL"))]
    assert [(r.market, r.potential) for r in via_store] == [(r.market, r.potential) for r in direct]


def test_adapter_on_a_real_store(tmp_path):
    from exportkit.models import TradeFlow
    from exportkit.store import open_store

    flows = [TradeFlow(**row) for row in example_flows().to_dict("records")]
    with open_store(tmp_path / "market.duckdb", snapshot=False) as store:
        store.upsert_trade_flows(flows)
        store.upsert_tariffs(TARIFFS)
        res = {r.market: r for r in potential_from_store(store, ["THA", "VNM", "SGP"], ["8471"])}
    sigma = method()["terms"]["demand"]["elasticity"]["value"]
    assert res["THA"].potential == pytest.approx(75.0)
    assert res["VNM"].potential == pytest.approx(0.1 * 600 * 1.05**sigma * 1.5)
    assert res["VNM"].actual == pytest.approx(90.0)  # stored under partner "490"
    assert res["SGP"].potential == pytest.approx(7.5)


def test_supply_numerator_and_denominator_cover_the_same_countries():
    """Taiwan's customs totals to the whole world over three markets' imports gave supply
    shares above 100 %; the share is now over the same countries."""
    df = pd.concat(
        [example_flows(), pd.DataFrame([flow("TWN", "WLD", "8471", 3000, flow="X")])],
        ignore_index=True,
    )
    by = {r.market: r for r in export_potential(df, ["THA", "VNM", "SGP"], ["8471"])}
    # no world (WLD reporter) row: Taiwan's mirror exports to the three over their imports
    assert by["THA"].supply == pytest.approx(200 / 2000)
    assert {"supply_world_is_subset", "supply_from_mirror"} <= set(by["THA"].flags)
    # with world imports (BACI's WLD rows), Taiwan's own world exports over them
    world = pd.DataFrame([flow("WLD", "WLD", "8471", 50_000)])
    by = {r.market: r for r in export_potential(pd.concat([df, world]), ["THA"], ["8471"])}
    assert by["THA"].supply == pytest.approx(3000 / 50_000)
    assert not {"supply_world_is_subset", "supply_from_mirror"} & set(by["THA"].flags)


def test_supply_is_a_share_on_any_mix_of_rows():
    rng = np.random.default_rng(7)
    for _ in range(50):
        rows = []
        for market in ("THA", "VNM", "MYS", "IDN"):
            world = float(rng.uniform(100, 1000))
            rows.append(flow(market, "WLD", "8471", world))
            if rng.random() < 0.8:
                rows.append(flow(market, "TWN", "8471", world * rng.uniform(0, 1)))
        if rng.random() < 0.5:
            rows.append(flow("TWN", "WLD", "8471", float(rng.uniform(1, 10_000)), flow="X"))
        if rng.random() < 0.5:
            rows.append(flow("WLD", "WLD", "8471", float(rng.uniform(20_000, 50_000))))
        res = export_potential(pd.DataFrame(rows), ["THA", "VNM"], ["8471"])
        assert all(r.supply is None or 0 <= r.supply <= 1 for r in res)


def test_hub_is_netted_against_reported_reexports_first():
    df = pd.concat(
        [example_flows(), pd.DataFrame([flow("SGP", "WLD", "8471", 120, flow="RX")])],
        ignore_index=True,
    )
    by = {r.market: r for r in export_potential(df, ["THA", "VNM", "SGP"], ["8471"])}
    # re-exports reported (120): demand = 400 − 120, not 400 − 300 (all exports)
    assert by["SGP"].demand == pytest.approx(280.0)
    assert {"re_export_hub_net", "re_export_hub_net_of_reexports"} <= set(by["SGP"].flags)
    plain = {r.market: r for r in export_potential(example_flows(), ["SGP"], ["8471"])}
    assert plain["SGP"].demand == pytest.approx(100.0)
    assert "re_export_hub_net_of_reexports" not in plain["SGP"].flags
