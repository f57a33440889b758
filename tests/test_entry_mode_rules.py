"""Every entry-mode rule, shown firing and not firing, and the engine's behaviour as a whole."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from entry_mode_builders import firm, profile, readiness

from exportkit.entry_mode import default_rulebook
from exportkit.entry_mode.recommend import choose_theme, recommend
from exportkit.entry_mode.rulebook import condition_factors
from exportkit.models import ENTRY_MODES, SERVICE_MODES, MarketNote, Text


def fired(rec) -> set[str]:
    return {r.id for r in rec.fired}


def scores(rec) -> dict[str, float]:
    return {m.mode: m.score for m in rec.entry_modes}


# A large (GDP US$600 billion) and growing (5 %) market: "high potential" on raw measures.
BIG = dict(gdp_usd=600e9, gdp_growth=5.0)
# A software firm: its industry is a service industry and it ships no goods.
SOFTWARE = dict(industry="software_it_services", hs_codes=())

# rule id → (firing case, non-firing case); each case is (firm changes, readiness, profile).
CASES = {
    "R1": (
        (dict(export_share=0.0, employees=10), readiness(overall=30), profile()),
        (dict(export_share=0.0, employees=120), readiness(overall=30), profile()),
    ),
    "R2": (
        ({}, readiness(financial_resources=50), profile("MYS")),
        ({}, readiness(financial_resources=50), profile("IND")),
    ),
    "R3": (
        (dict(sells_online=True), readiness(digital_capability=70), profile(internet=90, lpi=4.0)),
        (dict(sells_online=True), readiness(digital_capability=70), profile(internet=90, lpi=2.5)),
    ),
    "R4": (
        (dict(tacit_knowhow_share=20.0), readiness(certifications_ip=70), profile("PHL")),
        (dict(tacit_knowhow_share=20.0), readiness(certifications_ip=70), profile("SGP")),
    ),
    "R5": (
        (dict(tacit_knowhow_share=80.0), readiness(product_competitiveness=75), profile()),
        (
            dict(tacit_knowhow_share=80.0),
            readiness(product_competitiveness=40, certifications_ip=40),
            profile(),
        ),
    ),
    "R6": (
        (dict(employees=500), readiness(international_experience=80), profile(**BIG)),
        (dict(employees=500), readiness(international_experience=80), profile(gdp_growth=1.0)),
    ),
    "R7a": (
        ({}, readiness(), profile(rule_of_law=-1.0)),
        ({}, readiness(), profile(rule_of_law=0.5, political_stability=0.5, safety=10)),
    ),
    "R7b": (
        (
            dict(tacit_knowhow_share=80.0),
            readiness(product_competitiveness=75),
            profile(rule_of_law=-1.0),
        ),
        (
            dict(tacit_knowhow_share=30.0),
            readiness(product_competitiveness=75),
            profile(rule_of_law=-1.0),
        ),
    ),
    "R8": (
        ({}, readiness(), profile("PHL", **BIG)),
        ({}, readiness(), profile("SGP", **BIG)),
    ),
    "R9": (
        ({}, readiness(international_experience=20), profile("IND")),
        ({}, readiness(international_experience=70), profile("IND")),
    ),
    "R10": (
        (dict(hs_codes=("2204",)), readiness(), profile("BRN")),
        (dict(hs_codes=("8466",)), readiness(), profile("BRN")),
    ),
    "R11": (
        (dict(after_sales_need=5), readiness(), profile()),
        (dict(after_sales_need=2), readiness(), profile()),
    ),
    "R12": (
        (dict(invest_willingness=1), readiness(), profile()),
        (dict(invest_willingness=3, invest_budget_ntd=10_000_000), readiness(), profile()),
    ),
    "R13": (
        (dict(invest_willingness=5, invest_budget_ntd=50_000_000), readiness(), profile()),
        (dict(invest_willingness=5, invest_budget_ntd=10_000_000), readiness(), profile()),
    ),
    "R14": (
        (dict(customer_type="b2b"), readiness(), profile()),
        (dict(customer_type="both"), readiness(), profile()),
    ),
    "R15": (
        (dict(current_markets=("JPN", "SGP")), readiness(), profile("SGP")),
        (dict(current_markets=("JPN",)), readiness(), profile("SGP")),
    ),
    "R16": (
        ({}, readiness(international_experience=70), profile()),
        (dict(employees=300), readiness(international_experience=70), profile()),
    ),
    "S1": (
        (SOFTWARE, readiness(digital_capability=70), profile()),
        (SOFTWARE, readiness(digital_capability=30), profile()),
    ),
    "S2": (
        ({**SOFTWARE, "customer_type": "b2b"}, readiness(international_experience=20), profile()),
        ({**SOFTWARE, "customer_type": "b2b"}, readiness(international_experience=70), profile()),
    ),
    "S3": (
        ({**SOFTWARE, "tacit_knowhow_share": 80.0}, readiness(), profile()),
        ({**SOFTWARE, "tacit_knowhow_share": 30.0}, readiness(), profile()),
    ),
}


def _rule_order(rule_id: str) -> tuple:
    return (rule_id[0], int("".join(c for c in rule_id[1:] if c.isdigit())), rule_id)


def test_the_neutral_case_fires_no_rule_and_misses_no_data():
    rec = recommend(firm(), readiness(), profile())
    assert fired(rec) == set()
    assert rec.not_evaluated == ()
    base = {m.id: m.base for m in default_rulebook().modes_for(services=False)}
    assert scores(rec) == base


def test_every_rule_in_the_rule_book_has_a_firing_and_a_non_firing_case():
    assert {r.id for r in default_rulebook().rules} == set(CASES)


@pytest.mark.parametrize("rule_id", sorted(CASES, key=_rule_order))
def test_rule_fires(rule_id):
    changes, rs, prof = CASES[rule_id][0]
    rec = recommend(firm(**changes), rs, prof)
    assert rule_id in fired(rec)
    rule = next(r for r in default_rulebook().rules if r.id == rule_id)
    reason = next(r for r in rec.fired if r.id == rule_id)
    assert reason.reason.en and reason.reason.zh_TW and reason.source
    assert "no data" not in reason.reason.en
    # The fired rule moved each mode it names by its adjustment (before clipping), among the
    # modes the firm is ranked on (goods or services).
    base = {m.id: m.base for m in default_rulebook().modes}
    ranked = {m.mode for m in rec.entry_modes}
    assert any(mode in ranked for mode in rule.adjust) or rule.veto
    for mode, points in rule.adjust.items():
        if mode not in ranked:
            continue
        entry = next(m for m in rec.entry_modes if m.mode == mode)
        assert any(r.id == rule_id and r.effect == points for r in entry.reasons)
        if points > 0:
            assert entry.score > base[mode] or entry.score == 100
        else:
            assert entry.score < base[mode] or entry.score == 0


@pytest.mark.parametrize("rule_id", sorted(CASES, key=_rule_order))
def test_rule_does_not_fire(rule_id):
    changes, rs, prof = CASES[rule_id][1]
    rec = recommend(firm(**changes), rs, prof)
    assert rule_id not in fired(rec)
    assert rule_id not in {r.id for r in rec.not_evaluated}
    for entry in rec.entry_modes:
        assert rule_id not in {r.id for r in entry.reasons}


def test_investment_risk_without_the_estimates_falls_back_to_the_wgi_mean():
    rec = recommend(firm(), readiness(), profile(rule_of_law=None, governance=0.30, safety=90))
    assert "R7a" in fired(rec)
    rec = recommend(firm(), readiness(), profile(rule_of_law=None, governance=0.60, safety=10))
    assert "R7a" not in fired(rec)


def test_investment_risk_is_never_read_from_the_relative_risk_index():
    # no WGI figure at all: the rule says it lacks data instead of reading the index's risk
    # dimension, which depends on the markets compared
    market = profile(rule_of_law=None, political_stability=None, safety=5)
    rec = recommend(firm(), readiness(), market)
    assert "R7a" not in fired(rec)
    assert "R7a" in {r.id for r in rec.not_evaluated}


def test_no_entry_mode_rule_reads_a_score_relative_to_the_markets_compared():
    book = default_rulebook()
    relative = {"market_potential", "country_risk"}
    for rule in book.rules:
        assert not relative & {leaf["factor"] for leaf in condition_factors(rule.when)}, rule.id


def test_investment_risk_penalises_equity_only_and_contract_risk_only_reorders_equity():
    book = {r.id: r for r in default_rulebook().rules}
    assert all(points < 0 for points in book["R7a"].adjust.values())
    assert set(book["R7a"].adjust) == {"joint_venture", "wholly_owned_subsidiary", "local_entity"}
    assert set(book["R7b"].adjust) == {"joint_venture"}  # never raises a subsidiary
    # R7b holds only with R5's tacit know-how condition
    risky = profile(rule_of_law=-1.0)
    tacit = recommend(firm(tacit_knowhow_share=80.0), readiness(product_competitiveness=75), risky)
    assert {"R5", "R7a", "R7b"} <= fired(tacit)
    s = scores(tacit)
    assert s["wholly_owned_subsidiary"] > s["joint_venture"]
    assert (
        s["wholly_owned_subsidiary"]
        < scores(
            recommend(
                firm(tacit_knowhow_share=80.0), readiness(product_competitiveness=75), profile()
            )
        )["wholly_owned_subsidiary"]
    )


def test_missing_market_data_leaves_the_rule_unfired_and_says_what_is_missing():
    rec = recommend(
        firm(sells_online=True), readiness(digital_capability=70), profile(internet=None, lpi=None)
    )
    assert "R3" not in fired(rec)
    skipped = next(r for r in rec.not_evaluated if r.id == "R3")
    assert "internet users" in skipped.reason.en and "logistics performance" in skipped.reason.en
    assert "網路使用人口比例" in skipped.reason.zh_TW
    assert scores(rec)["cross_border_ecommerce"] == 40  # base, untouched


def test_missing_firm_data_is_reported_not_guessed():
    rec = recommend(
        firm(employees=None, revenue_ntd=None, export_share=0.0), readiness(overall=30), profile()
    )
    skipped = {r.id: r for r in rec.not_evaluated}
    assert "R1" in skipped and "employees" in skipped["R1"].reason.en


def test_showstopper_excludes_the_market_and_zeroes_every_mode():
    rec = recommend(firm(hs_codes=("2204",)), readiness(), profile("BRN"))
    assert rec.fit.excluded and rec.fit.fit_score == 0
    assert all(m.score == 0 for m in rec.entry_modes)
    assert "alcohol" in rec.staged_path.en and "酒" in rec.staged_path.zh_TW


def test_showstopper_note_in_the_market_database_excludes_too():
    note = MarketNote(
        "SGP",
        "showstopper",
        Text("禁令", "Ban"),
        Text("測試禁令", "test ban"),
        "test",
        "https://example.org",
        date(2025, 1, 1),
    )
    rec = recommend(firm(), readiness(), profile(notes=[note]))
    assert "R10" in fired(rec) and rec.fit.excluded


def test_a_partly_barred_product_range_keeps_the_market_with_a_warning():
    rec = recommend(firm(hs_codes=("2204", "8466")), readiness(), profile("BRN"))
    assert not rec.fit.excluded and "R10" not in fired(rec)
    warning = next(r for r in rec.fit.reasons if r.id == "R10")
    assert "2204" in warning.reason.en and "8466" not in warning.reason.en.split("cannot")[0]


SMALL = dict(
    employees=8,
    revenue_ntd=20_000_000,
    export_share=0.0,
    current_markets=(),
    invest_willingness=1,
    invest_budget_ntd=500_000,
    tacit_knowhow_share=30.0,
    after_sales_need=1,
)
LARGE = dict(
    employees=900,
    revenue_ntd=6_000_000_000,
    export_share=70.0,
    current_markets=("VNM", "USA", "JPN", "DEU"),
    invest_willingness=5,
    invest_budget_ntd=300_000_000,
    tacit_knowhow_share=75.0,
    after_sales_need=4,
)


def test_small_inexperienced_and_large_experienced_firms_get_different_advice():
    market = profile("THA", potential=75, safety=55, **BIG)
    small = recommend(
        firm(**SMALL),
        readiness(overall=28, international_experience=10, financial_resources=15),
        market,
    )
    large = recommend(
        firm(**LARGE),
        readiness(
            overall=82,
            international_experience=85,
            financial_resources=80,
            product_competitiveness=85,
        ),
        market,
    )
    assert small.entry_modes[0].mode == "indirect_export"
    assert large.entry_modes[0].mode in (
        "wholly_owned_subsidiary",
        "joint_venture",
        "direct_export",
    )
    s, big = scores(small), scores(large)
    assert big["wholly_owned_subsidiary"] - s["wholly_owned_subsidiary"] >= 40
    assert s["indirect_export"] > big["indirect_export"]
    assert {"R1", "R12"} <= fired(small) and {"R6", "R13"} <= fired(large)
    # the small firm's staged path starts low and climbs; the large one's ends in investment
    assert small.staged_path.en.startswith("Start with Indirect export")
    large_modes = [m.mode for m in large.entry_modes[:3]]
    assert "wholly_owned_subsidiary" in large_modes


def test_low_and_high_risk_markets_get_different_advice():
    mid = firm(employees=250, export_share=45.0, invest_willingness=4, invest_budget_ntd=40_000_000)
    rs = readiness(overall=70, international_experience=70, financial_resources=65)
    safe = recommend(mid, rs, profile("SGP", rule_of_law=1.7, **BIG))
    risky = recommend(
        mid, rs, profile("MMR", rule_of_law=-1.2, political_stability=-2.0, safety=10, **BIG)
    )
    assert "R7a" in fired(risky) and "R7a" not in fired(safe)
    assert "R8" not in fired(risky)  # no joint venture pushed where investing is itself risky
    a, b = scores(safe), scores(risky)
    assert b["joint_venture"] < a["joint_venture"]
    assert b["wholly_owned_subsidiary"] < a["wholly_owned_subsidiary"]
    assert safe.entry_modes[0].mode == "wholly_owned_subsidiary"
    assert risky.entry_modes[0].mode not in ("wholly_owned_subsidiary", "joint_venture")


def test_modes_are_ranked_with_ties_going_to_lower_commitment():
    rec = recommend(firm(), readiness(), profile())
    order = [m.mode for m in rec.entry_modes]
    assert order[:2] == ["indirect_export", "direct_export"]  # both 50: lower commitment first
    # ... and the tie is said, never decided silently
    assert rec.decided_by == "tie"
    assert "score the same (50)" in rec.decision_note.en and "同分" in rec.decision_note.zh_TW
    assert "What would decide it: R" in rec.decision_note.en
    assert [m.score for m in rec.entry_modes] == sorted(
        (m.score for m in rec.entry_modes), reverse=True
    )
    assert len(order) == 6 and rec.rules_version == default_rulebook().version


def test_staged_path_names_start_next_and_condition_in_both_languages():
    rec = recommend(
        firm(**SMALL), readiness(overall=28, international_experience=10), profile("VNM")
    )
    assert rec.staged_path.en.startswith("Start with Indirect export")
    assert "Vietnam" in rec.staged_path.en and "once" in rec.staged_path.en
    assert rec.staged_path.zh_TW.startswith("先以「間接出口") and "越南" in rec.staged_path.zh_TW


@pytest.mark.parametrize(
    ("driver", "expected"),
    [
        ("innovation", "technology_fusion"),
        ("resource", "market_cocreation"),
        ("capability", "manufacturing_complement"),
        ("創新驅動", "technology_fusion"),
    ],
)
def test_theme_follows_the_driver_type_it_is_paired_with(driver, expected):
    # strengths that would suggest another theme do not override the one rule
    rs = replace(
        readiness(driver_type=driver, production_capacity=95, marketing_knowledge=90),
        driver_scores={"innovation": 70.0, "resource": 60.0, "capability": 50.0},
    )
    theme, reason = choose_theme(firm(customer_type="b2b"), rs)
    assert theme == expected
    book_theme = next(t for t in default_rulebook().themes if t.id == expected)
    assert book_theme.label.zh_TW in reason.zh_TW and book_theme.label.en in reason.en
    assert book_theme.driver_label.en in reason.en and "Innovation-driven 70" in reason.en
    assert "創新驅動 70" in reason.zh_TW


def test_theme_without_scores_is_none_with_a_reason():
    theme, reason = choose_theme(firm(), None)
    assert theme is None and "Too few" in reason.en
    theme, _ = choose_theme(firm(), readiness(driver_type=None))
    assert theme is None


def test_the_move_condition_belongs_to_the_next_mode_chosen():
    # direct export first (R2); no appetite to invest (R12) leaves licensing as the next step
    rec = recommend(firm(invest_willingness=1), readiness(financial_resources=50), profile("MYS"))
    assert rec.entry_modes[0].mode == "direct_export"
    assert "move to Licensing / strategic alliance" in rec.staged_path.en
    assert "under licence" in rec.staged_path.en and "授權" in rec.staged_path.zh_TW


def test_without_a_viable_next_mode_the_path_says_to_hold():
    # a joint venture leads (R8, R13) and a subsidiary is out (capped ownership): no next step
    rec = recommend(
        firm(invest_willingness=5, invest_budget_ntd=50_000_000),
        readiness(),
        profile("PHL", **BIG),
    )
    assert rec.entry_modes[0].mode == "joint_venture"
    assert "review the next step at the next assessment" in rec.staged_path.en
    assert "下次評估" in rec.staged_path.zh_TW


def test_a_software_firm_is_ranked_on_service_modes_with_its_own_rules():
    rec = recommend(
        firm(**SOFTWARE, customer_type="b2b", sells_online=True),
        readiness(international_experience=20, digital_capability=80),
        profile("VNM"),
    )
    assert {m.mode for m in rec.entry_modes} == set(SERVICE_MODES)
    assert rec.entry_modes[0].mode == "online_direct" and rec.decided_by == "rules"
    assert {"S1", "S2"} <= fired(rec) and not {"R1", "R3", "R14"} & fired(rec)
    assert "Local reseller or system-integrator partner" in rec.staged_path.en
    top = rec.entry_modes[0]
    assert top.reasons and all(r.source for r in top.reasons)


def test_a_goods_firm_without_hs_codes_counts_as_services_but_one_with_codes_does_not():
    assert recommend(firm(hs_codes=()), readiness(), profile()).entry_modes[0].mode in SERVICE_MODES
    rec = recommend(firm(industry="software_it_services"), readiness(), profile())
    assert rec.entry_modes[0].mode in SERVICE_MODES  # the industry says so, codes or not
    assert recommend(firm(), readiness(), profile()).entry_modes[0].mode in ENTRY_MODES


def test_an_experienced_mid_size_exporter_gets_its_own_channel_not_a_trading_company():
    # experience 62, 42-199 employees, exporting already: between R2 (< 60) and R6 (>= 200)
    rec = recommend(
        firm(employees=120, export_share=12.0, current_markets=("HKG", "SGP")),
        readiness(international_experience=62, financial_resources=56),
        profile("IND"),
    )
    assert "R16" in fired(rec) and rec.entry_modes[0].mode == "direct_export"
    assert rec.decided_by == "rules"
    assert any(r.id == "R16" for r in rec.entry_modes[0].reasons)


def test_a_prior_lead_is_said_with_what_would_decide_it():
    # a services firm nothing moves: online sales lead on their base score only
    rec = recommend(
        firm(**SOFTWARE, customer_type="b2c"), readiness(digital_capability=30), profile()
    )
    assert rec.decided_by == "prior" and not rec.entry_modes[0].reasons
    assert "starting score" in rec.decision_note.en and "起始分數" in rec.decision_note.zh_TW
    assert "S1" in rec.decision_note.en and "digital capability" in rec.decision_note.en


def test_every_rule_says_what_its_sources_say():
    book = default_rulebook()
    for rule in book.rules:
        cited = {key for key, _ in rule.rests_on}
        assert cited == set(rule.sources), rule.id
        for _, says in rule.rests_on:
            assert len(says.en) > 40 and says.zh_TW, rule.id
