"""The matching engine: every criterion firing and not, the gates, vector = scalar, meetings."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest
from match_builders import DEFAULT_MODES, coded, demand, modes, supplier

from exportkit.match.criteria import default_criteria
from exportkit.match.engine import (
    LEVEL_CODES,
    hs_level,
    naive_score_matrix,
    pair_points,
    product_level,
    ranked_candidates,
    score_matrix,
)
from exportkit.match.explain import explain
from exportkit.match.matching import match_demands
from exportkit.match.meetings import plan_meetings

BOOK = default_criteria()


def criterion(match, cid):
    return next(c for c in match.criteria if c.id == cid)


def gaps(match, cid):
    return [g.text.en for g in match.gaps if g.criterion == cid]


# --- product: the gate, HS6 / HS4 / HS2 and the industry fallback ------------------------------


@pytest.mark.parametrize(
    "demand_codes,firm_codes,level,shared",
    [
        (("846693",), ("846693", "848340"), "hs6", ("846693",)),
        (("846699",), ("846693",), "hs4", ("8466",)),
        (("846693",), ("8466",), "hs4", ("8466",)),  # a 4-digit code matches at most at HS4
        (("847130",), ("846693",), "hs2", ("84",)),
        (("090230",), ("846693",), None, ()),
    ],
)
def test_hs_fallback_from_six_to_four_to_two_digits(demand_codes, firm_codes, level, shared):
    assert hs_level(demand_codes, firm_codes) == (level, shared)


def test_finer_product_match_scores_higher_all_else_equal():
    firm = supplier()
    scores = [
        pair_points(firm, demand(hs_codes=codes), BOOK).score
        for codes in (("846693",), ("846699",), ("847130",))
    ]
    assert scores[0] > scores[1] > scores[2] > 0
    factors = [BOOK.product.levels[x].factor for x in ("hs6", "hs4", "hs2")]
    assert scores[1] / scores[0] == pytest.approx(factors[1] / factors[0])


def test_no_product_match_is_no_candidate_whatever_else_fits():
    pair = pair_points(supplier(), demand(hs_codes=("090230",)), BOOK)
    assert pair.level is None and pair.score == 0


def test_industry_is_the_fallback_only_when_one_side_has_no_hs_code():
    saas = supplier(hs_codes=(), industry=coded("software_it_services"))
    wants_software = demand(hs_codes=(), industry=coded("software_it_services"))
    assert product_level(saas, wants_software) == ("industry", ())
    assert product_level(saas, demand(hs_codes=(), industry=coded("food_beverage")))[0] is None
    # both gave HS codes in different chapters: the same industry does not rescue the pair
    assert product_level(supplier(), demand(hs_codes=("090230",)))[0] is None
    m = explain(saas, wants_software, BOOK, rank=1)
    assert m.product_level == "industry" and "industry" in criterion(m, "product").reason.en


# --- certifications ----------------------------------------------------------------------------


def test_certifications_all_held_fire_fully():
    m = explain(supplier(), demand(certifications=(coded("iso9001"), coded("ce"))), BOOK, 1)
    c = criterion(m, "certifications")
    assert (c.points, c.status) == (1.0, "met") and not gaps(m, "certifications")
    assert "iso9001" in c.reason.en and "ce" in c.reason.en


def test_a_missing_required_certification_is_a_gap_not_a_silent_zero():
    d = demand(certifications=(coded("iso9001"), coded("halal")))
    m = explain(supplier(), d, BOOK, 1)
    c = criterion(m, "certifications")
    assert (c.points, c.status) == (0.5, "partial")
    assert "halal" in c.reason.en and "halal" in c.reason.zh_TW
    (gap,) = gaps(m, "certifications")
    assert "halal" in gap and BOOK.certification_hints["halal"].en in gap
    none_held = explain(supplier(certifications=()), d, BOOK, 1)
    assert criterion(none_held, "certifications").status == "unmet"
    assert len(gaps(none_held, "certifications")) == 2


def test_no_required_certification_scores_fully_and_other_needs_a_check():
    m = explain(supplier(certifications=()), demand(certifications=()), BOOK, 1)
    assert criterion(m, "certifications").points == 1.0 and not m.gaps
    other = demand(certifications=(coded("other"),), certifications_other="SNI for bicycles")
    m = explain(supplier(), other, BOOK, 1)
    assert criterion(m, "certifications").points == 1.0  # cannot be compared by machine …
    assert any("SNI for bicycles" in g for g in gaps(m, "certifications"))  # … so it is checked


# --- capacity ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spare,volume,points,status,gap",
    [
        (2_000_000.0, 500_000.0, 1.0, "met", False),
        (300_000.0, 500_000.0, 0.5, "partial", True),
        (100_000.0, 500_000.0, 0.0, "unmet", True),
        (100_000.0, None, 0.5, "not_evaluated", False),
        (None, 500_000.0, 0.5, "not_evaluated", False),
    ],
)
def test_capacity_against_the_yearly_volume(spare, volume, points, status, gap):
    m = explain(supplier(spare_capacity_usd=spare), demand(annual_volume_usd=volume), BOOK, rank=1)
    c = criterion(m, "capacity")
    assert (c.points, c.status) == (points, status)
    assert bool(gaps(m, "capacity")) is gap
    if status == "not_evaluated":
        key = "no_volume" if volume is None else "no_capacity"
        assert c.reason == BOOK.criteria["capacity"].reasons[key]
    else:
        assert "US$500,000" in c.reason.en and "50 萬" in c.reason.zh_TW


# --- readiness band ----------------------------------------------------------------------------


def test_readiness_band_meets_or_misses_the_experience_expected():
    capable = supplier(band=coded("export_capable"))
    m = explain(capable, demand(supplier_experience=coded("established")), BOOK, 1)
    assert criterion(m, "readiness").points == BOOK.band_points["export_capable"]
    assert not gaps(m, "readiness")
    beginner = supplier(band=coded("not_ready"))
    m = explain(beginner, demand(supplier_experience=coded("exporting")), BOOK, 1)
    assert (criterion(m, "readiness").points, criterion(m, "readiness").status) == (0.0, "unmet")
    assert gaps(m, "readiness")
    m = explain(
        supplier(band=coded("export_potential")), demand(supplier_experience=coded("any")), BOOK, 1
    )
    assert criterion(m, "readiness").points == BOOK.band_points["export_potential"]
    assert not gaps(m, "readiness")
    m = explain(supplier(band=None), demand(), BOOK, 1)
    assert criterion(m, "readiness").status == "not_evaluated"


# --- entry mode vs the partnership sought ------------------------------------------------------


def test_partnership_fits_an_advised_mode():
    m = explain(supplier(), demand(partnerships=(coded("oem_odm"),)), BOOK, 1)
    c = criterion(m, "entry_mode")
    assert (c.points, c.status) == (1.0, "met") and not gaps(m, "entry_mode")
    assert "Direct export" in c.reason.en


def test_partnership_possible_but_not_advised_is_half_and_a_gap():
    m = explain(supplier(), demand(partnerships=(coded("licensing"),)), BOOK, 1)
    c = criterion(m, "entry_mode")
    assert (c.points, c.status) == (0.5, "partial")  # licensing ranks 3rd with 40 points
    assert gaps(m, "entry_mode") and "Direct export" in gaps(m, "entry_mode")[0]


def test_partnership_against_the_advice_scores_nothing():
    m = explain(supplier(), demand(partnerships=(coded("joint_venture"),)), BOOK, 1)
    assert criterion(m, "entry_mode").points == 0.0 and gaps(m, "entry_mode")


def test_excluded_market_and_missing_advice():
    banned = supplier(modes=(modes(*DEFAULT_MODES, excluded=True),))
    m = explain(banned, demand(), BOOK, 1)
    assert criterion(m, "entry_mode").points == 0.0
    assert "bans the product" in criterion(m, "entry_mode").reason.en
    elsewhere = supplier(modes=(modes(*DEFAULT_MODES, iso3="VNM"),))
    m = explain(elsewhere, demand(), BOOK, 1)
    assert criterion(m, "entry_mode").status == "not_evaluated"


# --- the firm's own markets --------------------------------------------------------------------


def test_target_market_current_market_or_neither():
    d = demand()
    assert criterion(explain(supplier(), d, BOOK, 1), "target_market").points == 1.0
    current = supplier(target_markets=(), current_markets=("THA",))
    assert criterion(explain(current, d, BOOK, 1), "target_market").points == 1.0
    neither = explain(supplier(target_markets=("VNM",)), d, BOOK, 1)
    assert criterion(neither, "target_market").points == 0.0
    assert "confirm" in criterion(neither, "target_market").reason.en


def test_every_reason_and_gap_is_bilingual():
    m = explain(supplier(band=coded("not_ready"), certifications=()), demand(), BOOK, 1)
    for c in m.criteria:
        assert c.reason.zh_TW and c.reason.en and "{" not in c.reason.en + c.reason.zh_TW
    for g in m.gaps:
        assert g.text.zh_TW and g.text.en and "{" not in g.text.en + g.text.zh_TW


# --- vectorised = plain Python, on many varied pairs -------------------------------------------


def _varied(rng: random.Random):
    codes = ["846693", "846699", "8466", "847130", "871494", "8714", "190590", "330499", "090230"]
    certs = ["iso9001", "ce", "halal", "haccp_iso22000", "other"]
    bands = ["not_ready", "export_potential", "export_capable", "internationally_mature"]
    markets = ["THA", "VNM", "IDN"]
    firms, demands = [], []
    for i in range(40):
        ranked = DEFAULT_MODES if rng.random() < 0.5 else tuple(reversed(DEFAULT_MODES))
        firms.append(
            supplier(
                f"f{i}",
                hs_codes=tuple(rng.sample(codes, rng.randint(0, 3))),
                industry=coded(rng.choice(["machinery", "bicycle"])),
                certifications=tuple(coded(c) for c in rng.sample(certs, rng.randint(0, 3))),
                spare_capacity_usd=rng.choice([None, 1e5, 6e5, 3e6]),
                band=rng.choice([None, *map(coded, bands)]),
                target_markets=tuple(rng.sample(markets, rng.randint(0, 2))),
                current_markets=tuple(rng.sample(markets, rng.randint(0, 1))),
                modes=tuple(
                    modes(*ranked, iso3=m, excluded=rng.random() < 0.1)
                    for m in rng.sample(markets, rng.randint(0, 3))
                ),
            )
        )
    partnerships = list(BOOK.partnership_modes)
    for j in range(30):
        demands.append(
            demand(
                f"d{j}",
                country=rng.choice(markets),
                hs_codes=tuple(rng.sample(codes, rng.randint(0, 2))),
                industry=coded(rng.choice(["machinery", "bicycle"])),
                certifications=tuple(coded(c) for c in rng.sample(certs, rng.randint(0, 3))),
                annual_volume_usd=rng.choice([None, 0.0, 2e5, 1e6]),
                partnerships=tuple(coded(p) for p in rng.sample(partnerships, rng.randint(0, 2))),
                supplier_experience=rng.choice(
                    [None, coded("any"), coded("exporting"), coded("established")]
                ),
            )
        )
    return firms, demands


@pytest.mark.parametrize("seed", range(5))
def test_vectorised_scoring_equals_the_plain_python_reference(seed):
    firms, demands = _varied(random.Random(seed))
    scores, levels = score_matrix(firms, demands, BOOK)
    naive_scores, naive_levels = naive_score_matrix(firms, demands, BOOK)
    assert np.array_equal(levels, naive_levels)
    assert np.allclose(scores, naive_scores, atol=1e-9)
    assert (levels > 0).any() and (levels == 0).any() and (scores > 50).any()
    assert ranked_candidates(scores, levels, 25) == ranked_candidates(
        naive_scores, naive_levels, 25
    )
    for d, dem in enumerate(demands):
        for f, firm in enumerate(firms):
            if levels[d, f]:
                assert explain(firm, dem, BOOK, 1, score=scores[d, f]).score == pytest.approx(
                    round(pair_points(firm, dem, BOOK).score, 1)
                )


def test_empty_inputs_give_empty_results():
    assert score_matrix([], [demand()], BOOK)[0].shape == (1, 0)
    result = match_demands([], [demand()])
    assert result.outcomes[0].status == "unmatched"


# --- ranking and unmatched demands -------------------------------------------------------------


def test_candidates_are_ranked_and_weak_ones_listed_but_not_proposed():
    firms = [
        supplier("weak", hs_codes=("847130",), certifications=(), band=coded("not_ready")),
        supplier("best"),
        supplier("second", hs_codes=("8466",)),
        supplier("unrelated", hs_codes=("090230",)),
    ]
    (outcome,) = match_demands(firms, [demand()]).outcomes
    assert [m.firm_key for m in outcome.matches] == ["best", "second", "weak"]
    assert [m.rank for m in outcome.matches] == [1, 2, 3]
    assert [m.strength for m in outcome.matches] == ["strong", "strong", "weak"]
    assert [m.firm_key for m in outcome.proposed] == ["best", "second"]
    assert outcome.status == "matched" and outcome.reason is None


def test_a_demand_no_firm_makes_is_reported_unmatched_not_dropped():
    tea = demand("tea", hs_codes=("090230",), industry=coded("agriculture"))
    result = match_demands([supplier()], [demand(), tea])
    assert [o.demand.id for o in result.outcomes] == ["d1", "tea"]
    outcome = result.outcomes[1]
    assert outcome.status == "unmatched" and outcome.matches == ()
    assert "090230" in outcome.reason.en and "090230" in outcome.reason.zh_TW


def test_candidates_below_the_threshold_leave_the_demand_unmatched_with_the_reason():
    weak = supplier(hs_codes=("847130",), certifications=(), band=coded("not_ready"))
    (outcome,) = match_demands([weak], [demand()]).outcomes
    assert outcome.status == "unmatched" and len(outcome.matches) == 1
    assert f"{BOOK.min_score:.0f}" in outcome.reason.en


def test_at_most_max_candidates_are_listed():
    book = replace(BOOK, max_candidates=3)
    firms = [supplier(f"f{i}") for i in range(6)]
    (outcome,) = match_demands(firms, [demand()], book).outcomes
    assert [m.firm_key for m in outcome.matches] == ["f0", "f1", "f2"]  # ties: input order


def test_naive_method_gives_the_same_result():
    firms, demands = _varied(random.Random(9))
    assert match_demands(firms, demands) == match_demands(firms, demands, method="naive")


# --- the meeting plan: market × theme × driver type --------------------------------------------


def test_meetings_group_by_market_theme_and_driver_type():
    firms = [
        supplier("a"),
        supplier("b", hs_codes=("8466",)),  # same theme and driver as a
        supplier("c", driver_type=coded("capability")),
        supplier(
            "d",
            hs_codes=("330499",),
            theme=coded("market_cocreation"),
            modes=(modes(*DEFAULT_MODES, iso3="VNM"),),
            target_markets=("VNM",),
        ),
        supplier("weak", hs_codes=("847130",), certifications=(), band=coded("not_ready")),
    ]
    demands = [
        demand("th1"),
        demand("th2", hs_codes=("848340",), partnerships=(coded("oem_odm"),)),
        demand("vn1", country="VNM", hs_codes=("330499",)),
        demand("tea", hs_codes=("090230",)),
    ]
    result = match_demands(firms, demands)
    meetings = plan_meetings(result)
    keys = {(m.market, m.theme.id, m.driver_type.id): m for m in meetings}
    assert set(keys) == {
        ("THA", "technology_fusion", "innovation"),
        ("THA", "technology_fusion", "capability"),
        ("VNM", "market_cocreation", "innovation"),
    }
    th = keys[("THA", "technology_fusion", "innovation")]
    assert [i.firm_key for i in th.invites] == ["a", "b"]  # weak is not invited
    assert th.demand_ids == ("th1", "th2")  # the tea demand nobody serves is not on the table
    assert dict(zip(th.invites[0].demand_ids, th.invites[0].scores, strict=True)).keys() == {
        "th1",
        "th2",
    }
    assert "Thailand" in th.title.en and "泰國" in th.title.zh_TW
    assert "technology_fusion" in th.title.en and "innovation" in th.title.en  # the firms' labels
    steps = {s.per: s for s in BOOK.agenda}
    minutes = [a.minutes for a in th.agenda]
    assert steps["demand"].minutes * 2 in minutes and steps["firm"].minutes * 2 in minutes
    pairs = sum(len(i.demand_ids) for i in th.invites)
    assert pairs == 3  # a for th1 and th2, b (HS 8466) only for th1
    assert steps["pair"].minutes * pairs in minutes
    assert any("Buyer th1" in a.text.en for a in th.agenda)


def test_each_firm_is_told_what_to_prepare():
    firm = supplier(certifications=(coded("iso9001"),))
    d = demand(certifications=(coded("iso9001"), coded("ce")), partnerships=(coded("oem_odm"),))
    (meeting,) = plan_meetings(match_demands([firm], [d]))
    prepare = [p.en for p in meeting.invites[0].prepare]
    assert any("ce" in p and "certification" in p for p in prepare)  # the gap
    assert BOOK.prepare_by_theme["technology_fusion"].en in prepare
    assert BOOK.prepare_by_partnership["oem_odm"].en in prepare
    assert any("CNC spindle parts" in p for p in prepare)  # samples of what was asked for


def test_anonymous_respondent_is_named_by_type_and_country_in_the_plan():
    from exportkit.match.criteria import default_criteria as criteria

    book = criteria()
    d = demand(consent_to_share=False, display_name=None)
    assert d.shown("en") == "buyer"  # no display name: never the organisation without consent
    shown = replace(
        d,
        display_name=type(book.anonymous)(
            book.anonymous.zh_TW.format(type="買主", country="泰國"),
            book.anonymous.en.format(type="A buyer", country="Thailand"),
        ),
    )
    (meeting,) = plan_meetings(match_demands([supplier()], [shown]))
    text = " ".join(a.text.en for a in meeting.agenda)
    assert "Buyer d1" not in text and "A buyer in Thailand (anonymous)" in text


def test_no_meeting_without_a_proposed_match():
    assert plan_meetings(match_demands([supplier()], [demand(hs_codes=("090230",))])) == ()


def test_level_codes_rank_the_product_levels():
    assert LEVEL_CODES["hs6"] > LEVEL_CODES["hs4"] > LEVEL_CODES["hs2"] > LEVEL_CODES[None]
