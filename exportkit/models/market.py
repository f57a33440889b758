"""Market facts (as stored and as scored)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from exportkit.models.common import Text

if TYPE_CHECKING:
    from exportkit.models.analytics import PotentialSummary


@dataclass(frozen=True, slots=True)
class Country:
    iso3: str
    iso2: str
    m49: int  # the code UN Comtrade uses (India is 699, Taiwan as partner is 490)
    name_en: str
    name_zh_TW: str
    region: str
    new_southbound: bool = False
    priority_group: int | None = None  # 1 = first priority (TH, VN, MY, IN, ID, PH)


@dataclass(frozen=True, slots=True)
class Indicator:
    iso3: str
    indicator: str
    year: int
    value: float | None
    unit: str
    source: str
    source_url: str
    retrieved_at: datetime
    # True for a source's estimate or projection (IMF WEO years after "estimates start after"),
    # False for a reported figure, None when the source does not say.
    is_projection: bool | None = None


@dataclass(frozen=True, slots=True)
class TradeFlow:
    reporter_iso3: str
    partner_iso3: str  # "WLD" for the world; "TWN" for Taiwan (Comtrade partner 490)
    hs_code: str  # "TOTAL" or 2/4/6 digits
    year: int
    flow: str  # "M" imports | "X" exports
    value_usd: float | None
    source: str
    source_url: str
    retrieved_at: datetime
    hs_revision: str | None = None
    quantity: float | None = None
    quantity_unit: str | None = None


@dataclass(frozen=True, slots=True)
class Tariff:
    reporter_iso3: str
    partner_iso3: str  # "WLD" for MFN
    hs_code: str
    year: int
    tariff_type: str  # "MFN" | "PREF" | "AHS" (applied)
    rate: float | None  # simple average, percent
    source: str
    source_url: str
    retrieved_at: datetime
    nomenclature: str | None = None


@dataclass(frozen=True, slots=True)
class MarketNote:
    iso3: str
    topic: str  # e.g. "foreign_ownership", "agreements_with_taiwan", "taiwanese_chambers", "news"
    title_zh_TW: str
    title_en: str
    text_zh_TW: str
    text_en: str
    source: str
    source_url: str
    published: date | None = None
    retrieved_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class MarketScore:
    """A market's attractiveness: 0–100 per dimension and overall, with data coverage (0–1)."""

    iso3: str
    rank: int
    score: float
    dimensions: dict[str, float | None]
    coverage: float
    first_share: float | None = None  # from --sensitivity: share of draws ranked first
    top3_share: float | None = None
    # The product view (HS codes given and trade flows stored): imports of the codes from the
    # world in ``product_year``, their 5-year CAGR (%), Taiwan's share (%) and top rivals.
    imports_usd: float | None = None
    imports_growth_5y: float | None = None
    taiwan_share: float | None = None
    product_year: int | None = None
    top_suppliers: tuple[tuple[str, float], ...] = ()
    # ITC-style export potential of Taiwan for the HS codes (all goods stored when none):
    # None when the ranking was asked without it.
    potential: PotentialSummary | None = None
    # Where each index figure came from (one stored row per indicator code used).
    sources: tuple[Indicator, ...] = ()


@dataclass(frozen=True, slots=True)
class MarketProfile:
    """What the analysis knows of one market for one set of HS codes, with provenance."""

    country: Country
    score: MarketScore | None = None
    indicators: dict[str, Indicator] = field(default_factory=dict)
    imports_usd: float | None = None  # imports of the HS codes asked, latest year
    imports_growth_5y: float | None = None  # CAGR, percent
    taiwan_share: float | None = None  # percent of imports
    top_suppliers: tuple[tuple[str, float], ...] = ()  # (iso3, share %)
    tariffs: tuple[Tariff, ...] = ()
    notes: tuple[MarketNote, ...] = ()
    # Provenance of the trade figures above (the flows of the HS codes used): source names
    # joined with " + ", the newest row's URL and retrieval time. None without flows.
    trade_source: str | None = None
    trade_source_url: str | None = None
    trade_retrieved_at: datetime | None = None
    # ITC-style export potential of Taiwan for the HS codes, US$ (a benchmark, not a ceiling):
    # None when not computable, with ``potential_reason`` and the ``potential_command`` that
    # would fill it (or the assumption it rests on).
    potential_usd: float | None = None
    untapped_potential_usd: float | None = None
    potential_utilisation: float | None = None  # actual / potential
    potential_year: int | None = None
    potential_status: str | None = None  # ok | partial | missing; None = not asked (no HS)
    potential_reason: Text | None = None
    potential_command: str | None = None
    potential_flags: tuple[str, ...] = ()
