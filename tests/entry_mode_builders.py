"""Builders for entry-mode tests: a neutral firm and market on which no rule fires.

Each test changes only what its rule looks at, so a firing rule is caused by that change.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from exportkit.countries import country
from exportkit.models import (
    DimensionScore,
    Firm,
    Indicator,
    MarketProfile,
    MarketScore,
    ReadinessScore,
    Tariff,
)

NEUTRAL_DIMENSIONS = {
    "management_commitment": 55.0,
    "international_experience": 50.0,
    "financial_resources": 30.0,
    "product_competitiveness": 50.0,
    "certifications_ip": 50.0,
    "production_capacity": 50.0,
    "marketing_knowledge": 50.0,
    "people_languages": 50.0,
    "digital_capability": 40.0,
    "sustainability": 50.0,
}


def firm(**changes) -> Firm:
    """A mid-sized firm with some export experience and no strong leaning."""
    base = Firm(
        name="Neutral Industries 中性工業",
        tax_id="12345675",
        employees=100,
        revenue_ntd=500_000_000,
        export_share=20.0,
        hs_codes=("8466",),
        current_markets=("JPN",),
        customer_type="both",
        sells_online=False,
        tacit_knowhow_share=50.0,
        invest_willingness=3,
        invest_budget_ntd=10_000_000,
        after_sales_need=3,
    )
    return replace(base, **changes)


def readiness(
    overall: float = 55.0, driver_type: str | None = None, **dims: float
) -> ReadinessScore:
    scores = {**NEUTRAL_DIMENSIONS, **dims}
    return ReadinessScore(
        definition_id="export-readiness",
        file="neutral.xlsx",
        firm="Neutral Industries 中性工業",
        tax_id="12345675",
        overall=overall,
        band="potential",
        dimensions={k: DimensionScore(k, v, 0.1, 3, 3) for k, v in scores.items()},
        driver_type=driver_type,
    )


def _indicator(iso3: str, code: str, value: float) -> Indicator:
    return Indicator(
        iso3, code, 2023, value, "", "World Bank WDI", "https://example.org", datetime(2025, 1, 1)
    )


def profile(
    iso3: str = "SGP",
    *,
    potential: float | None = 50.0,
    safety: float | None = 70.0,
    rule_of_law: float | None = 1.0,
    political_stability: float | None = 1.0,
    governance: float | None = None,
    gdp_usd: float | None = 200e9,
    gdp_growth: float | None = 2.0,
    internet: float | None = 80.0,
    lpi: float | None = 3.5,
    imports_usd: float | None = None,
    growth: float | None = None,
    taiwan_share: float | None = None,
    tariff: float | None = None,
    distance_km: float | None = None,
    notes=(),
) -> MarketProfile:
    """A market profile; ``safety`` is the index's country-risk dimension (100 = safest).

    By default a mid-sized (GDP US$200 billion), slowly growing (2 %) market with sound
    institutions (WGI estimates +1.0): no market rule fires on it."""
    indicators = {}
    for code, value in (
        ("RL.EST", rule_of_law),
        ("PV.EST", political_stability),
        ("WGI.MEAN6.NORM", governance),
        ("NY.GDP.MKTP.CD", gdp_usd),
        ("NY.GDP.MKTP.KD.ZG", gdp_growth),
        ("IT.NET.USER.ZS", internet),
        ("LP.LPI.OVRL.XQ", lpi),
        ("CEPII.DISTW.TWN", distance_km),
    ):
        if value is not None:
            indicators[code] = _indicator(iso3, code, value)
    score = None
    if potential is not None:
        dims = {"market_size": potential}
        if safety is not None:
            dims["country_risk"] = safety
        score = MarketScore(iso3, 1, potential, dims, 1.0)
    tariffs = ()
    if tariff is not None:
        tariffs = (
            Tariff(
                iso3,
                "WLD",
                "8466",
                2023,
                "MFN",
                tariff,
                "WITS",
                "https://example.org",
                datetime(2025, 1, 1),
            ),
        )
    return MarketProfile(
        country=country(iso3),
        score=score,
        indicators=indicators,
        imports_usd=imports_usd,
        imports_growth_5y=growth,
        taiwan_share=taiwan_share,
        tariffs=tariffs,
        notes=tuple(notes),
    )
