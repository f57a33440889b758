"""The Market Potential Index: hand-checked arithmetic on fixed goalposts, missing data,
weights, robustness, scores that do not depend on the markets compared, and the product view
over trade flows."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from exportkit import countries
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
X = IndicatorSpec("X", "x", worst=10, best=30)
Y = IndicatorSpec("Y", "y", worst=3, best=1)  # lower is better
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
    # Goalposts x 10 → 0, 30 → 100: x = 10, 20, 30 → 0, 50, 100.
    # y (lower is better, 3 → 0, 1 → 100): 1, 3, missing → 100, 0, –.
    raw = np.array([[10.0, 1.0], [20.0, 3.0], [30.0, np.nan]])
    s = scoring.score(raw, ("THA", "VNM", "MYS"), INDS, SMALL, {"d1": 60, "d2": 40})
    assert s.dimension_scores[:, 0].tolist() == [0.0, 50.0, 100.0]
    assert s.dimension_scores[:2, 1].tolist() == [100.0, 0.0]
    # THA: (0×60 + 100×40)/100 = 40; VNM: (50×60 + 0×40)/100 = 30;
    # MYS has no y: its d1 score alone carries the index, (100×60)/60 = 100, coverage 60 %.
    assert s.overall.tolist() == pytest.approx([40.0, 30.0, 100.0])
    assert s.coverage.tolist() == pytest.approx([1.0, 1.0, 0.6])
    assert [s.markets[i] for i in s.order()] == ["MYS", "THA", "VNM"]


def test_goalposts_log_transform_and_clipping():
    log = IndicatorSpec("X", "x", transform="log", worst=9, best=999)
    # log10(1 + x): 1, 2, 3 → 0, 50, 100
    assert scoring.goalposts(np.array([9.0, 99.0, 999.0]), log).tolist() == [0.0, 50.0, 100.0]
    # outside the goalposts: clipped, never beyond 0–100; missing stays missing
    out = scoring.goalposts(np.array([1.0, 1e6, np.nan]), log)
    assert out[:2].tolist() == [0.0, 100.0] and np.isnan(out[2])
    assert scoring.goalposts(np.array([2.0]), Y).tolist() == [50.0]


def test_reference_schemes_scale_over_the_reference_not_the_markets_ranked():
    ref = np.array([0.0, 10.0, 20.0, 40.0])
    # min–max over the reference: 10 → 25 whichever values are scored alongside it
    assert scoring.min_max(np.array([10.0]), reference=ref).tolist() == [25.0]
    assert scoring.min_max(np.array([10.0, 20.0]), reference=ref).tolist() == [25.0, 50.0]
    assert scoring.min_max(np.array([5.0, 5.0, np.nan])).tolist()[:2] == [50.0, 50.0]
    # percentile rank among the reference: 0, 1/3, 2/3, 1 of the way; ties share
    assert scoring.percentile_rank(ref, reference=ref).tolist() == pytest.approx(
        [0.0, 100 / 3, 200 / 3, 100.0]
    )
    assert scoring.percentile_rank(np.array([10.0]), "lower", ref).tolist() == pytest.approx(
        [200 / 3]
    )


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


def _size(gdp: float) -> float:
    """The GDP score on the index's goalposts (US$ 1 bn → 0, 30 tn → 100, log10(1 + x))."""
    lo, hi = np.log10(1 + 1e9), np.log10(1 + 3e13)
    return (np.log10(1 + gdp) - lo) / (hi - lo) * 100


def test_missing_data_reweights_and_is_reported_never_zero(store):
    store.upsert_indicators(
        [
            _ind("THA", "NY.GDP.MKTP.CD", 500e9),
            _ind("VNM", "NY.GDP.MKTP.CD", 400e9),
            _ind("MYS", "NY.GDP.MKTP.CD", 300e9),
            _ind("THA", "LP.LPI.OVRL.XQ", 3.5),
            _ind("VNM", "LP.LPI.OVRL.XQ", 3.0),
            # MYS has no LPI: commercial infrastructure is missing for it, not zero
        ]
    )
    scores = {s.iso3: s for s in rank_markets(store, ["THA", "VNM", "MYS"])}
    mys = scores["MYS"]
    assert mys.dimensions["commercial_infrastructure"] is None
    assert mys.dimensions["market_growth"] is None
    assert mys.coverage < scores["THA"].coverage
    # MYS: only market size carries its score
    assert mys.score == pytest.approx(_size(300e9), abs=0.01)
    # VNM: size (weight 25; GDP is one of the dimension's three indicators, the only one with
    # data) and infrastructure (weight 10; LPI 3.0 on 1–5 → 50)
    vnm = scores["VNM"]
    assert vnm.dimensions["market_size"] == pytest.approx(_size(400e9), abs=0.01)
    assert vnm.dimensions["commercial_infrastructure"] == 50.0
    assert vnm.score == pytest.approx((_size(400e9) * 25 + 50 * 10) / 35, abs=0.01)


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


def test_default_weights_follow_globaledge_with_governance_counted_once():
    # globalEDGE: 25 / 15 / 12.5 / 12.5 / 10 / 10 / 7.5 / 7.5; its two governance dimensions
    # (economic freedom, country risk) are one here, carrying both weights.
    spec = index_spec()
    assert list(spec.weights.values()) == [25, 15, 12.5, 12.5, 10, 10, 15]
    governance = [
        (d.id, i.code) for d in spec.dimensions for i in d.indicators if i.code.endswith(".EST")
    ]
    assert {d for d, _ in governance} == {"country_risk"}
    assert sorted(c for _, c in governance) == ["PV.EST", "RL.EST", "RQ.EST"]
    codes = [i.code for d in spec.dimensions for i in d.indicators]
    assert "WGI.MEAN6.NORM" not in codes and "NE.IMP.GNFS.ZS" not in codes


A = IndicatorSpec("A", "a", worst=0, best=100)
B = IndicatorSpec("B", "b", worst=0, best=100)
B2 = IndicatorSpec("B2", "b2", worst=0, best=100)
TWO = IndexSpec(
    dimensions=(
        DimensionSpec("a", 60, Text("甲", "A"), (A,)),
        DimensionSpec("b", 40, Text("乙", "B"), (B, B2)),
    ),
    equal_values_score=50,
    concentration=50,
    growth_years=5,
    drop_probability=0.0,
    normalisations=("goalposts",),
)
TWO_INDS = [("a", A), ("b", B), ("b", B2)]


def test_robustness_shares_are_consistent_and_seeded():
    raw = np.array([[90.0, 90, 90], [50.0, 60, 60], [40.0, 20, 20], [10.0, 30, 30]])
    w = {"a": 60, "b": 40}
    first, top3 = scoring.robustness(raw, TWO_INDS, TWO, w, 2000, seed=1)
    assert first.sum() == pytest.approx(1.0) and top3.sum() == pytest.approx(3.0)
    assert first[0] == 1.0 and top3[0] == 1.0  # best on every indicator: always first
    assert top3[3] < top3[2] or top3[3] == 0
    again = scoring.robustness(raw, TWO_INDS, TWO, w, 2000, seed=1)
    assert np.array_equal(first, again[0])


def test_robustness_flips_close_markets_some_of_the_time():
    raw = np.array([[100.0, 0, 0], [0.0, 100, 100]])  # A wins on a, B on b; weights 55/45
    loose = IndexSpec(TWO.dimensions, 50, 10, 5, drop_probability=0.0)
    first, _ = scoring.robustness(raw, TWO_INDS, loose, {"a": 55, "b": 45}, 4000, seed=0)
    assert 0.5 < first[0] < 0.9 and first[0] + first[1] == pytest.approx(1.0)


def test_robustness_varies_the_indicator_set_and_the_normalisation():
    # Weights fixed in practice (huge concentration): only indicators and normalisation vary.
    # M0 leads on b (its b2 figure is far ahead); M1 is ahead on a. With every indicator and
    # goalposts M0 wins; leaving b2 out hands the lead to M1, and so does a percentile rank,
    # which ignores how far ahead M0 is on b2.
    raw = np.array([[50.0, 50, 100], [60.0, 60, 10], [0.0, 0, 0]])
    fixed = IndexSpec(TWO.dimensions, 50, 1e9, 5, drop_probability=0.0)
    w = {"a": 60, "b": 40}
    assert scoring.robustness(raw, TWO_INDS, fixed, w, 500, seed=0)[0][0] == 1.0
    dropping = IndexSpec(TWO.dimensions, 50, 1e9, 5, drop_probability=1.0)
    first, _ = scoring.robustness(raw, TWO_INDS, dropping, w, 3000, seed=0)
    assert 0.2 < first[1] < 0.5  # b2 left out in about a third of the draws
    ranks = IndexSpec(TWO.dimensions, 50, 1e9, 5, normalisations=("reference_rank",))
    first, _ = scoring.robustness(raw, TWO_INDS, ranks, w, 500, seed=0, reference=raw)
    assert first[1] == 1.0


def test_rank_markets_fills_robustness_fields(store):
    store.upsert_indicators(
        [_ind(c, "NY.GDP.MKTP.CD", v) for c, v in [("THA", 5e11), ("VNM", 4e11)]]
    )
    scores = rank_markets(store, "TH,VN", sensitivity=50, seed=3)
    assert scores[0].first_share == 1.0 and scores[1].first_share == 0.0
    assert all(s.top3_share == 1.0 for s in scores)


def test_a_market_scores_the_same_whichever_markets_are_compared(tmp_path):
    # The bundled snapshot, ranked among the six priority markets and among all 18: every
    # score and every dimension of a market is the same (fixed goalposts, not min–max).
    with open_store(tmp_path / "s.duckdb") as store:
        six = {s.iso3: s for s in rank_markets(store, "nsp6", potential=False)}
        all18 = {s.iso3: s for s in rank_markets(store, "nsp18", potential=False)}
        pair = {s.iso3: s for s in rank_markets(store, "TH,SG", potential=False)}
    assert len(six) == 6 and len(all18) == 18
    for iso3, s in six.items():
        assert s.score == all18[iso3].score and s.dimensions == all18[iso3].dimensions
        assert s.coverage == all18[iso3].coverage
    assert pair["THA"].score == all18["THA"].score
    assert all(s.view == "macro" for s in all18.values())
    assert all18["THA"].view_label.en.startswith("Macro screen")


def test_goalposts_are_wide_enough_for_every_market_and_taiwan(tmp_path):
    # No New Southbound market nor Taiwan is clipped on the bundled data, except where the
    # goalposts are the figure's own bounds (shares — Singapore is 100 % urban —, the LPI
    # scale, WGI's ±2.5).
    spec = index_spec()
    natural = {"SP.URB.TOTL.IN.ZS", "IT.NET.USER.ZS", "LP.LPI.OVRL.XQ"}
    with open_store(tmp_path / "s.duckdb") as store:
        from exportkit.markets.inputs import gather

        inds = spec.indicators(product=False)
        raw = gather(store, (*countries.NSB18, "TWN"), inds)
    for k, (_, ind) in enumerate(inds):
        if ind.code in natural or ind.code.endswith(".EST"):
            continue
        col = raw.values[:, k]
        col = col[np.isfinite(col)]
        scored = scoring.goalposts(col, ind)
        assert ((scored > 0) & (scored < 100)).all(), (ind.key, col, scored)


def test_singapore_is_flagged_as_a_re_export_hub_and_its_level_not_scored(tmp_path):
    with open_store(tmp_path / "s.duckdb") as store:
        scores = {s.iso3: s for s in rank_markets(store, "SG,MY", potential=False)}
    sgp, mys = scores["SGP"], scores["MYS"]
    assert sgp.flags == ("re_export_hub",) and mys.flags == ()
    per_capita = {i.indicator: i.value for i in sgp.sources}["taiwan:exports_per_capita"]
    assert per_capita > 5000  # reported with its source, but not scored
    assert sgp.coverage < mys.coverage


def test_growth_reads_weo_realised_and_projected_apart(tmp_path):
    with open_store(tmp_path / "s.duckdb") as store:
        (vnm,) = rank_markets(store, "VN", potential=False)
    growth = [i for i in vnm.sources if i.indicator == "NGDP_RPCH"]
    assert [(g.year, g.is_projection) for g in growth] == [(2024, False), (2029, True)]
    assert "projection" in growth[1].unit and "2025–2029" in growth[1].unit
    # intensity is a reported PPP level, never a 2030 projection
    ppp = {i.indicator: i for i in vnm.sources}["PPPPC"]
    assert ppp.year <= 2024


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
    # Only THA has imports from Taiwan (US$ 30, below the goalpost of US$ 10 thousand: 0);
    # VNM's receptivity stays missing, not zero.
    assert tha.dimensions["market_receptivity"] == 0.0
    assert vnm.dimensions["market_receptivity"] is None
    assert tha.view == "product" and "847130" in tha.view_label.en


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


def test_a_negative_seed_is_refused_cleanly(runner):
    for args in (["markets", "--seed", "-1"], ["markets", "--sensitivity", "10", "--seed", "-1"]):
        from exportkit.cli import main

        result = runner.invoke(main, args)
        assert result.exit_code == 2, result.output
        assert "--seed" in result.output and "Traceback" not in result.output
        assert not isinstance(result.exception, ValueError)


def test_rank_markets_refuses_a_negative_seed(tmp_path):
    with open_store(tmp_path / "m.duckdb") as store, pytest.raises(UsageError, match="--seed"):
        rank_markets(store, "TH,VN", sensitivity=5, seed=-1)


def test_top_suppliers_of_many_sets_match_one_pass_per_set():
    """The grouped pass over every set's rows gives each set exactly what a pass over its own
    rows gives: the same shares (ties in value keep the partners' order), the same order."""
    import random

    import pandas as pd

    from exportkit.markets.product import top_suppliers, top_suppliers_many

    rng = random.Random(7)
    codes = ["8466", "846693", "1905", "2204", "8471"]
    partners = ["WLD", "TWN", "CHN", "JPN", "KOR", "USA", "DEU", "FRA", "ITA"]
    rows = [
        (m, p, c, c, y, rng.choice([1e6, 2e6, rng.uniform(1, 1e7), np.nan]))
        for m in ("THA", "VNM")
        for c in codes
        for y in (2021, 2022)
        for p in partners
        if rng.random() < 0.85
    ]
    rng.shuffle(rows)
    flows = pd.DataFrame(
        rows, columns=["reporter_iso3", "partner_iso3", "hs_code", "asked", "year", "value_usd"]
    )
    sets = [tuple(rng.sample(codes, rng.randrange(1, 4))) for _ in range(15)] + [(), ("9999",)]
    for codes_asked, many in zip(sets, top_suppliers_many(flows, sets), strict=True):
        assert many == top_suppliers(flows[flows["asked"].isin(codes_asked)])
