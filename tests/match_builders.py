"""Small builders of suppliers and demands for the matching tests (no workbooks, no database)."""

from __future__ import annotations

from exportkit import countries
from exportkit.entry_mode import default_rulebook
from exportkit.models import Text
from exportkit.models.demand import Coded, Demand
from exportkit.models.match import MarketModes, ModeScore, SupplierProfile


def coded(value: str) -> Coded:
    return Coded(value, Text(f"{value}（中）", value))


def modes(*ranked: tuple[str, float], iso3: str = "THA", excluded: bool = False) -> MarketModes:
    labels = {m.id: m.label for m in default_rulebook().modes}
    return MarketModes(
        iso3,
        tuple(ModeScore(Coded(m, labels[m]), s) for m, s in ranked),
        excluded=excluded,
        note=Text("此市場禁止此產品進口。", "This market bans the product.") if excluded else None,
    )


# A firm advised direct export first, then indirect export, in Thailand.
DEFAULT_MODES = (
    ("direct_export", 70.0),
    ("indirect_export", 55.0),
    ("licensing_alliance", 40.0),
    ("cross_border_ecommerce", 35.0),
    ("joint_venture", 30.0),
    ("wholly_owned_subsidiary", 20.0),
)


def supplier(key: str = "acme", **kw) -> SupplierProfile:
    """A firm that fits a Thai buyer of CNC parts on every criterion unless told otherwise."""
    base = dict(
        key=key,
        name=kw.pop("name", f"{key} Co."),
        file=f"{key}.xlsx",
        industry=coded("machinery"),
        hs_codes=("846693", "848340"),
        certifications=(coded("iso9001"), coded("ce")),
        spare_capacity_usd=2_000_000.0,
        readiness=75.0,
        band=coded("export_capable"),
        driver_type=coded("innovation"),
        theme=coded("technology_fusion"),
        target_markets=("THA",),
        current_markets=(),
        modes=(modes(*DEFAULT_MODES),),
    )
    base.update(kw)
    return SupplierProfile(**base)


def demand(demand_id: str = "d1", **kw) -> Demand:
    country = kw.pop("country", "THA")
    base = dict(
        id=demand_id,
        file=f"{demand_id}.xlsx",
        organisation=f"Buyer {demand_id}",
        respondent_type=coded("buyer"),
        country=country,
        country_name=Text(countries.name(country, "zh-TW"), countries.name(country, "en")),
        products="CNC spindle parts",
        industry=coded("machinery"),
        hs_codes=("846693",),
        annual_volume_usd=500_000.0,
        partnerships=(coded("import_distribution"),),
        timing=coded("within_6_months"),
        certifications=(coded("iso9001"),),
        supplier_experience=coded("exporting"),
        consent_to_share=True,
    )
    base.update(kw)
    return Demand(**base)
