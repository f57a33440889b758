"""Market fit: arithmetic on a hand-checked example, ranking, missing data and adjustments."""

from __future__ import annotations

import math

import pytest
from entry_mode_builders import firm, profile, readiness

from exportkit.entry_mode.fit import fit_market, rank_fit
from exportkit.entry_mode.recommend import recommend_markets


def ids(fit) -> set[str]:
    return {r.id for r in fit.reasons if r.effect is not None}


def test_fit_is_the_weighted_mean_of_components_on_a_hand_checked_example():
    # potential 60 → 60 (w .4); imports US$100m → log10 8 → 50 (w .2); growth 5% → 50 (w .1);
    # Taiwan share 10% → 50 (w .1); tariff 12.5% → 50 (w .1); distance 10^3.5 km ≈ 3,162 km
    # → 50 (w .1): (24+10+5+5+5+5)/1.0 = 54
    fit = fit_market(
        firm(),
        readiness(),
        profile(
            potential=60,
            imports_usd=1e8,
            growth=5.0,
            taiwan_share=10.0,
            tariff=12.5,
            distance_km=10**3.5,
        ),
    )
    assert fit.fit_score == pytest.approx(54.0)
    assert ids(fit) == {"F1", "F2", "F3", "F4", "F5", "F9"}
    distance = next(r for r in fit.reasons if r.id == "F9")
    assert "3,162 km" in distance.reason.en and "3,162 公里" in distance.reason.zh_TW
    demand = next(r for r in fit.reasons if r.id == "F2")
    assert (
        "US$100 million" in demand.reason.en
        and "US$1 億" in demand.reason.zh_TW
        and "8466" in demand.reason.en
    )


def test_missing_product_data_is_left_out_and_said_not_counted_as_zero():
    fit = fit_market(firm(), readiness(), profile(potential=60))
    assert fit.fit_score == pytest.approx(60.0)  # re-weighted over what exists
    missing = {r.id: r for r in fit.reasons if r.effect is None}
    assert set(missing) == {"F2", "F3", "F4", "F5", "F9"}
    assert "no import data for HS 8466" in missing["F2"].reason.en
    assert "未評估" in missing["F2"].reason.zh_TW


def test_a_market_with_no_data_at_all_ranks_last_and_says_why():
    fits = rank_fit(
        firm(), readiness(), [profile("LAO", potential=None), profile("THA", potential=30)]
    )
    assert [f.iso3 for f in fits] == ["THA", "LAO"]
    assert any(r.id == "F0" for r in fits[1].reasons)


@pytest.mark.parametrize(
    ("changes", "rs", "iso3", "rule", "points"),
    [
        (dict(current_markets=("THA",)), readiness(), "THA", "F6", 10),
        (dict(target_markets=("THA",)), readiness(), "THA", "F7", 8),
        ({}, readiness(international_experience=20), "IND", "F8", -10),
    ],
)
def test_fit_adjustments_fire_and_do_not_fire(changes, rs, iso3, rule, points):
    on = fit_market(firm(**changes), rs, profile(iso3, potential=50))
    off = fit_market(firm(), readiness(international_experience=70), profile(iso3, potential=50))
    assert rule in ids(on) and rule not in ids(off)
    assert on.fit_score - off.fit_score == pytest.approx(points)


def test_ranking_puts_served_and_wanted_markets_up_and_showstoppers_last():
    f = firm(hs_codes=("2204",), current_markets=("VNM",), target_markets=("MYS",))
    profiles = [
        profile("BRN", potential=90),
        profile("SGP", potential=70),
        profile("VNM", potential=65),
        profile("MYS", potential=64),
    ]
    fits = rank_fit(f, readiness(), profiles)
    assert [x.iso3 for x in fits] == ["VNM", "MYS", "SGP", "BRN"]
    assert fits[-1].excluded and fits[-1].fit_score == 0
    assert "alcohol" in fits[-1].reasons[0].reason.en


def test_recommend_markets_ranks_and_recommends_every_market():
    recs = recommend_markets(
        firm(), readiness(), [profile("THA", potential=40), profile("VNM", potential=80)]
    )
    assert [(r.iso3, r.rank) for r in recs] == [("VNM", 1), ("THA", 2)]
    assert all(len(r.entry_modes) == 6 for r in recs)


def test_distance_is_a_fit_factor_nearer_is_better():
    near = fit_market(firm(), readiness(), profile("PHL", potential=50, distance_km=1_200))
    far = fit_market(firm(), readiness(), profile("NZL", potential=50, distance_km=9_000))
    assert near.fit_score > far.fit_score
    assert {r.id: r.effect for r in near.reasons}["F9"] == pytest.approx(
        (4 - math.log10(1_200)) * 100, abs=0.1
    )
