"""TEST DATA for the report tests and benchmark: realistic model objects, NOT real figures.

Every value here is made up for rendering tests; every source says so and points to
``example.invalid``. Nothing in this module ships in the package or reaches a consultant.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from functools import cache

from exportkit import countries
from exportkit.entry_mode import default_rulebook
from exportkit.models import (
    Brief,
    DimensionScore,
    EntryModeScore,
    FiredRule,
    Firm,
    Indicator,
    MarketFit,
    MarketNote,
    MarketProfile,
    MarketScore,
    Provenance,
    ReadinessScore,
    Recommendation,
    Tariff,
    Text,
)

FAKE = "TEST FIXTURE (not real data)"
FAKE_URL = "https://example.invalid/test-fixture"
RETRIEVED = datetime(2026, 11, 20, 9, 30)

DIMENSIONS = [
    ("management_commitment", "經營層承諾", "Management commitment"),
    ("international_experience", "國際經驗", "International experience"),
    ("financial_resources", "財務資源", "Financial resources"),
    ("product_competitiveness", "產品競爭力", "Product competitiveness"),
    ("certifications_ip", "認證與智財", "Certifications and IP"),
    ("production_capacity", "生產能力", "Production capacity"),
    ("marketing_knowledge", "行銷知識", "Marketing knowledge"),
    ("people_languages", "人才與語言", "People and languages"),
    ("digital_capability", "數位能力", "Digital capability"),
    ("sustainability", "永續經營", "Sustainability"),
]


def firm(name: str = "台灣精密機械股份有限公司", **changes) -> Firm:
    base = Firm(
        name=name,
        tax_id="12345675",
        contact="王小明",
        industry="機械設備",
        founded=1998,
        employees=85,
        revenue_ntd=420_000_000,
        export_share=35,
        hs_codes=("8471", "847330"),
        products="工業電腦與周邊",
        current_markets=("JPN",),
        target_markets=("THA", "VNM"),
        certifications=("ISO 9001",),
        customer_type="b2b",
        sells_online=False,
        tacit_knowhow_share=40,
        invest_willingness=3,
        invest_budget_ntd=5_000_000,
        after_sales_need=4,
    )
    return replace(base, **changes)


def readiness(
    name: str = "台灣精密機械股份有限公司", shift: float = 0.0, percentile: float | None = 75.0
) -> ReadinessScore:
    scores = [78, 55, 62, 84, 70, 66, 48, 41, 58, 35]
    dims = {
        did: DimensionScore(
            id=did,
            score=max(0.0, min(100.0, s + shift)),
            weight=0.1,
            answered=4,
            items=4,
            label=Text(zh, en),
        )
        for (did, zh, en), s in zip(DIMENSIONS, scores, strict=True)
    }
    overall = sum(d.score for d in dims.values()) / len(dims)
    return ReadinessScore(
        definition_id="export-readiness",
        file=f"{name}.xlsx",
        firm=name,
        tax_id="12345675",
        overall=overall,
        band="developing" if overall < 60 else "nearly_ready",
        dimensions=dims,
        strengths=("product_competitiveness", "management_commitment"),
        gaps=("sustainability", "people_languages", "marketing_knowledge"),
        coverage=0.95,
        driver_type="capability",
        percentile=percentile,
        # ahead of 4 of a batch of 6: mid-rank percentile (4 + 0.5) / 6 = 75
        standing=None if percentile is None else (4, 0, 6),
    )


def _ind(iso3: str, code: str, year: int, value: float, unit: str) -> Indicator:
    return Indicator(iso3, code, year, value, unit, FAKE, f"{FAKE_URL}/{iso3}/{code}", RETRIEVED)


def profile(iso3: str = "THA", *, with_trade: bool = True, rank: int = 1) -> MarketProfile:
    c = countries.country(iso3)
    indicators = {
        "NY.GDP.MKTP.CD": _ind(iso3, "NY.GDP.MKTP.CD", 2023, 5.1e11, "current US$"),
        "SP.POP.TOTL": _ind(iso3, "SP.POP.TOTL", 2023, 7.2e7, "people"),
        "NY.GDP.PCAP.CD": _ind(iso3, "NY.GDP.PCAP.CD", 2023, 7180.0, "current US$"),
        "NY.GDP.MKTP.KD.ZG": _ind(iso3, "NY.GDP.MKTP.KD.ZG", 2023, 1.9, "%"),
        "FP.CPI.TOTL.ZG": _ind(iso3, "FP.CPI.TOTL.ZG", 2023, 1.2, "%"),
        "LP.LPI.OVRL.XQ": _ind(iso3, "LP.LPI.OVRL.XQ", 2022, 3.5, "1-5"),
    }
    tariffs = ()
    notes = (
        MarketNote(
            iso3,
            "foreign_ownership",
            Text("外資持股限制（測試資料）", "Foreign-ownership rules (test data)"),
            Text(
                "測試用說明文字：部分服務業外資持股上限 49%。",
                "Test text: foreign ownership capped at 49% in some services.",
            ),
            FAKE,
            FAKE_URL + "/notes",
            published=date(2025, 3, 1),
            retrieved_at=RETRIEVED,
        ),
    )
    if with_trade:
        tariffs = (
            Tariff(
                iso3, "WLD", "8471", 2023, "MFN", 0.0, FAKE, FAKE_URL + "/tariff", RETRIEVED, "H5"
            ),
            Tariff(
                iso3, "WLD", "847330", 2023, "MFN", 5.0, FAKE, FAKE_URL + "/tariff", RETRIEVED, "H5"
            ),
        )
    return MarketProfile(
        country=c,
        score=MarketScore(
            iso3=iso3,
            rank=rank,
            score=71.4,
            dimensions={
                "size": 80.0,
                "intensity": 62.0,
                "growth": 55.0,
                "consumption_capacity": 58.0,
                "commercial_infrastructure": 70.0,
                "receptivity": 66.0,
                "economic_freedom": 60.0,
                "country_risk": None,
            },
            coverage=0.88,
            first_share=0.62,
            top3_share=0.91,
        ),
        indicators=indicators,
        imports_usd=4.8e9 if with_trade else None,
        imports_growth_5y=6.3 if with_trade else None,
        taiwan_share=11.5 if with_trade else None,
        top_suppliers=(("CHN", 41.0), ("TWN", 11.5), ("JPN", 9.8), ("USA", 7.1), ("KOR", 6.0))
        if with_trade
        else (),
        tariffs=tariffs,
        notes=notes,
    )


def recommendation(iso3: str = "THA") -> Recommendation:
    rule = FiredRule(
        "R2",
        Text(
            "具部分出口經驗與中等資源，且當地臺商群聚（測試資料）",
            "Some export experience and moderate resources; Taiwanese business community present (test data)",
        ),
        "Uppsala model (Johanson & Vahlne 1977)",
    )
    # named as the recommendation engine names them: by the shipped rule book
    names = default_rulebook().mode_labels
    modes = (
        EntryModeScore("direct_export", 0.78, (rule,), names["direct_export"]),
        EntryModeScore("indirect_export", 0.61, (), names["indirect_export"]),
        EntryModeScore("cross_border_ecommerce", 0.44, (), names["cross_border_ecommerce"]),
        EntryModeScore("licensing_alliance", 0.32, (), names["licensing_alliance"]),
        EntryModeScore("joint_venture", 0.21, (), names["joint_venture"]),
        EntryModeScore("wholly_owned_subsidiary", 0.12, (), names["wholly_owned_subsidiary"]),
    )
    return Recommendation(
        iso3=iso3,
        rank=1,
        fit=MarketFit(iso3, 0.74, (rule,)),
        entry_modes=modes,
        staged_path=Text(
            "先透過當地經銷商直接出口；年銷售穩定後設立服務據點。（測試資料）",
            "Start with a local distributor; open a service office once sales are steady. (test data)",
        ),
        theme="技術加值融合",
    )


def brief(iso3: str = "THA", lang: str = "zh-TW", name: str | None = None, **kw) -> Brief:
    f = firm(name) if name else firm()
    return Brief(
        firm=f,
        readiness=readiness(f.name),
        recommendation=recommendation(iso3),
        market=profile(iso3, **kw),
        lang=lang,
    )


TRADE_SOURCE = Provenance(FAKE, FAKE_URL + "/comtrade", RETRIEVED, "imports, partner 490 and world")


def with_evidence(b: Brief, trend=None, trade: Provenance | None = TRADE_SOURCE) -> Brief:
    """``b`` with its product view's trade provenance and import trend, as an assessment gives
    them (test data)."""
    return replace(b, market=replace(b.market, trade=trade), trend=trend)


IMPORT_YEARS = list(range(2015, 2024))
IMPORT_VALUES = [3.1e9, 3.3e9, 3.2e9, 3.6e9, 3.9e9, 3.7e9, 4.2e9, 4.5e9, 4.8e9]


def sample_trend(years=IMPORT_YEARS, values=IMPORT_VALUES):
    """A real ``fit_trend`` result on the test series (test data, not real imports)."""
    return _fit(tuple(years), tuple(values))


@cache
def _fit(years: tuple[int, ...], values: tuple[float, ...]):
    from exportkit.analytics.trends import fit_trend

    return fit_trend(years, values)
