"""The Market Potential Index: hand-checked arithmetic, missing data, weights, sensitivity,
and the product view over trade flows."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from exportkit.errors import UsageError
from exportkit.markets import (
    index_spec,
    load_weights,
    market_profile,
    rank_markets,
    rank_markets_many,
    scoring,
    validate_hs_codes,
    validate_weights,
)
from exportkit.markets.spec import DimensionSpec, IndexSpec, IndicatorSpec
from exportkit.models import Indicator, Text, TradeFlow
from exportkit.store import open_store

T = datetime(2025, 1, 1)
X = IndicatorSpec("X", "x")
Y = IndicatorSpec("Y", "y", direction="lower")
SMALL = IndexSpec(
    dimensions=(
        DimensionSpec("d1", 60, Text("一", "D1"), (X,)),
        DimensionSpec("d2", 40, Text("二", "D2"), (Y,)),
    ),
    equal_values_score=50,
    concentration=50,
    growth_years=5,
)
INDS = [("d1", X), ("d2", Y)]


def test_index_arithmetic_on_a_hand_checked_example():
    # x: 10, 20, 30 → 0, 50, 100.  y (lower is better): 1, 3, missing → 100, 0, –.
    raw = np.array([[10.0, 1.0], [20.0, 3.0], [30.0, np.nan]])
    s = scoring.score(raw, ("THA", "VNM", "MYS"), INDS, SMALL, {"d1": 60, "d2": 40})
    assert s.dimension_scores[:, 0].tolist() == [0.0, 50.0, 100.0]
    assert s.dimension_scores[:2, 1].tolist() == [100.0, 0.0]
    # THA: (0×60 + 100×40)/100 = 40; VNM: (50×60 + 0×40)/100 = 30;
    # MYS has no y: its d1 score alone carries the index, (100×60)/60 = 100, coverage 60 %.
    assert s.overall.tolist() == pytest.approx([40.0, 30.0, 100.0])
    assert s.coverage.tolist() == pytest.approx([1.0, 1.0, 0.6])
    assert [s.markets[i] for i in s.order()] == ["MYS", "THA", "VNM"]


def test_log_transform_and_equal_values():
    log = IndicatorSpec("X", "x", transform="log")
    assert scoring.min_max(scoring.transform(np.array([9.0, 99.0, 999.0]), log)).tolist() == [
        0.0,
        50.0,
        100.0,
    ]
    assert scoring.min_max(np.array([5.0, 5.0, np.nan])).tolist()[:2] == [50.0, 50.0]
    assert np.isnan(scoring.min_max(np.array([np.nan, np.nan]))).all()


def test_a_market_with_no_data_at_all_ranks_last_without_a_score():
    raw = np.array([[1.0, 1.0], [2.0, 2.0], [np.nan, np.nan]])
    s = scoring.score(raw, ("THA", "VNM", "MYS"), INDS, SMALL, {"d1": 60, "d2": 40})
    assert np.isnan(s.overall[2]) and s.coverage[2] == 0
    assert s.markets[s.order()[-1]] == "MYS"


def _ind(iso3, code, value, year=2023):
    return Indicator(iso3, code, year, value, "u", "test", "https://e/x", T)


@pytest.fixture
def store(tmp_path):
    with open_store(tmp_path / "m.duckdb", snapshot=False) as s:
        yield s


def test_missing_data_reweights_and_is_reported_never_zero(store):
    store.upsert_indicators(
        [
            _ind("THA", "NY.GDP.MKTP.CD", 500e9),
            _ind("VNM", "NY.GDP.MKTP.CD", 400e9),
            _ind("MYS", "NY.GDP.MKTP.CD", 300e9),
            _ind("THA", "LP.LPI.OVRL.XQ", 3.5),
            _ind("VNM", "LP.LPI.OVRL.XQ", 3.3),
            # MYS has no LPI: commercial infrastructure is missing for it, not zero
        ]
    )
    scores = {s.iso3: s for s in rank_markets(store, ["THA", "VNM", "MYS"])}
    mys = scores["MYS"]
    assert mys.dimensions["commercial_infrastructure"] is None
    assert mys.dimensions["market_growth"] is None
    assert mys.coverage < scores["THA"].coverage
    # MYS: only market size (score 0, smallest GDP) → overall 0 from real data, not from gaps
    assert mys.score == 0.0
    # THA: size 100 (weight 25) and infrastructure 100 (weight 10) → 100
    assert scores["THA"].score == 100.0
    # VNM: size = (log 400e9 − log 300e9)/(log 500e9 − log 300e9) × 100; infra 0
    size = (
        (np.log10(1 + 400e9) - np.log10(1 + 300e9))
        / (np.log10(1 + 500e9) - np.log10(1 + 300e9))
        * 100
    )
    assert scores["VNM"].dimensions["market_size"] == pytest.approx(size, abs=0.01)
    assert scores["VNM"].score == pytest.approx((size * 25 + 0 * 10) / 35, abs=0.01)


def test_weights_override_changes_the_ranking(store):
    store.upsert_indicators(
        [
            _ind("THA", "NY.GDP.MKTP.CD", 500e9),
            _ind("SGP", "NY.GDP.MKTP.CD", 100e9),
            _ind("THA", "LP.LPI.OVRL.XQ", 3.5),
            _ind("SGP", "LP.LPI.OVRL.XQ", 4.3),
        ]
    )
    assert rank_markets(store, ["THA", "SGP"], weights={"market_size": 100})[0].iso3 == "THA"
    only_infra = {"commercial_infrastructure": 0.9, "market_size": 0.1}
    assert rank_markets(store, ["THA", "SGP"], weights=only_infra)[0].iso3 == "SGP"


@pytest.mark.parametrize(
    "weights, message",
    [
        ({"market_size": 50, "market_growth": 40}, "sum to 90"),
        ({"market_size": 100, "happiness": 0}, "unknown dimension 'happiness'"),
        ({"market_size": -5, "market_growth": 105}, "must be a number"),
        ([], "expected a mapping"),
    ],
)
def test_bad_weights_are_refused(weights, message):
    with pytest.raises(UsageError, match=message):
        validate_weights(weights)


def test_weights_file_yaml_and_json(tmp_path):
    y = tmp_path / "w.yaml"
    y.write_text("weights:\n  market_size: 0.5\n  country_risk: 0.5\n", encoding="utf-8")
    assert load_weights(y)["market_size"] == 50
    j = tmp_path / "w.json"
    j.write_text('{"market_size": 60, "market_growth": 30}', encoding="utf-8")
    with pytest.raises(UsageError, match=r"w\.json: weights sum to 90"):
        load_weights(j)
    with pytest.raises(UsageError, match="cannot read"):
        load_weights(tmp_path / "missing.yaml")


def test_default_weights_follow_globaledge():
    assert list(index_spec().weights.values()) == [25, 15, 12.5, 12.5, 10, 10, 7.5, 7.5]


def test_sensitivity_shares_are_consistent_and_seeded():
    dims = np.array([[90.0, 90.0], [50.0, 60.0], [40.0, 20.0], [10.0, 30.0]])
    w = {"a": 60, "b": 40}
    first, top3 = scoring.sensitivity(dims, w, ("a", "b"), 2000, 50, seed=1)
    assert first.sum() == pytest.approx(1.0) and top3.sum() == pytest.approx(3.0)
    assert first[0] == 1.0 and top3[0] == 1.0  # best on every dimension: always first
    assert top3[3] < top3[2] or top3[3] == 0
    again = scoring.sensitivity(dims, w, ("a", "b"), 2000, 50, seed=1)
    assert np.array_equal(first, again[0])


def test_sensitivity_flips_close_markets_some_of_the_time():
    dims = np.array([[100.0, 0.0], [0.0, 100.0]])  # A wins on a, B on b; weights 55/45
    first, _ = scoring.sensitivity(dims, {"a": 55, "b": 45}, ("a", "b"), 4000, 10, seed=0)
    assert 0.5 < first[0] < 0.9 and first[0] + first[1] == pytest.approx(1.0)


def test_rank_markets_fills_sensitivity_fields(store):
    store.upsert_indicators(
        [_ind(c, "NY.GDP.MKTP.CD", v) for c, v in [("THA", 5e11), ("VNM", 4e11)]]
    )
    scores = rank_markets(store, "TH,VN", sensitivity=50, seed=3)
    assert scores[0].first_share == 1.0 and scores[1].first_share == 0.0
    assert all(s.top3_share == 1.0 for s in scores)


@pytest.mark.parametrize("bad", ["84x1", "8471301", "77", "9901", "00"])
def test_unknown_hs_codes_are_refused(bad):
    with pytest.raises(UsageError, match="unknown HS code"):
        validate_hs_codes(bad)


def test_hs_codes_are_cleaned():
    assert validate_hs_codes("8471.30, 8471 ,8471.30") == ("847130", "8471")


def test_unknown_country_is_refused(store):
    with pytest.raises(UsageError, match="unknown country"):
        rank_markets(store, "TH,Atlantis")


def _flows(store):
    rows = []
    for year, world, tw, cn in [(2018, 100.0, 10.0, 40.0), (2023, 200.0, 30.0, 90.0)]:
        rows += [
            TradeFlow("THA", "WLD", "847130", year, "M", world, "test", "u", T),
            TradeFlow("THA", "TWN", "847130", year, "M", tw, "test", "u", T),
            TradeFlow("THA", "CHN", "847130", year, "M", cn, "test", "u", T),
            TradeFlow("THA", "JPN", "847130", year, "M", 20.0, "test", "u", T),
        ]
    rows += [
        TradeFlow("THA", "WLD", "847141", 2023, "M", 50.0, "test", "u", T),
        TradeFlow("VNM", "WLD", "847130", 2023, "M", 80.0, "test", "u", T),
        TradeFlow("VNM", "WLD", "8471", 2023, "M", 500.0, "test", "u", T),  # stored at 4 digits
        TradeFlow("VNM", "WLD", "847130", 2022, "M", 70.0, "test", "u", T),
    ]
    store.upsert_trade_flows(rows)


def test_product_view_imports_growth_taiwan_share_and_rivals(store):
    _flows(store)
    scores = {s.iso3: s for s in rank_markets(store, ["THA", "VNM"], hs_codes=["847130"])}
    tha = scores["THA"]
    assert tha.product_year == 2023 and tha.imports_usd == 200.0
    assert tha.imports_growth_5y == pytest.approx(((200 / 100) ** (1 / 5) - 1) * 100, abs=0.01)
    assert tha.taiwan_share == 15.0
    assert tha.top_suppliers == (("CHN", 45.0), ("JPN", 10.0))
    vnm = scores["VNM"]
    assert vnm.imports_growth_5y == pytest.approx((80 / 70 - 1) * 100, abs=0.01)
    assert vnm.taiwan_share is None  # no Taiwan row: unknown, not zero
    # Only THA has imports from Taiwan: one value cannot be compared, so it scores the neutral
    # 50 and VNM's receptivity stays missing.
    assert tha.dimensions["market_receptivity"] == 50.0
    assert vnm.dimensions["market_receptivity"] is None


def test_four_digit_code_uses_stored_level_or_sums_children(store):
    _flows(store)
    scores = {s.iso3: s for s in rank_markets(store, ["THA", "VNM"], hs_codes=["8471"])}
    assert scores["THA"].imports_usd == 250.0  # 847130 + 847141 (no 4-digit row for THA)
    assert scores["VNM"].imports_usd == 500.0  # its own 4-digit row, not its HS6 child too


def test_many_sets_match_one_at_a_time(store):
    _flows(store)
    sets = [("847130",), ("847141",), ("8471",), ()]
    many = rank_markets_many(store, ["THA", "VNM"], sets, suppliers=False)
    for codes, ranked in zip(sets, many, strict=True):
        single = rank_markets(store, ["THA", "VNM"], hs_codes=codes)

        def key(scores):
            return [(s.iso3, None if np.isnan(s.score) else s.score, s.imports_usd) for s in scores]

        assert key(ranked) == key(single)


def test_market_profile_gathers_score_indicators_and_notes(tmp_path):
    with open_store(tmp_path / "p.duckdb") as store:
        profile = market_profile(store, "泰國")
    assert profile.country.iso3 == "THA" and profile.score.iso3 == "THA"
    gdp = profile.indicators["NY.GDP.MKTP.CD"]  # the bundled WDI release runs to 2025
    assert (gdp.year, gdp.value) == (2025, 577009981112.015)
    assert {n.topic for n in profile.notes} >= {"foreign_ownership", "agreements_with_taiwan"}
