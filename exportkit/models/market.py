"""Market facts (as stored and as scored)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from exportkit.models.analytics import PotentialSummary
from exportkit.models.common import Provenance, Text


@dataclass(frozen=True, slots=True)
class Country:
    """A country's codes and name (pycountry, CLDR and ``data/countries.yaml``)."""

    iso3: str
    iso2: str
    m49: int  # the code UN Comtrade uses (India is 699, Taiwan as partner is 490)
    name: Text
    region: str
    new_southbound: bool = False
    priority_group: int | None = None  # 1 = first priority (TH, VN, MY, IN, ID, PH)


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator value of one country and year, with its source."""

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
    """One reported trade value: reporter × partner × HS code × year × flow."""

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
    """One tariff rate a reporter applies to a partner on an HS code."""

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
    """A sourced note on a market (ownership rules, agreements with Taiwan, news …)."""

    iso3: str
    topic: str  # e.g. "foreign_ownership", "agreements_with_taiwan", "taiwanese_chambers", "news"
    title: Text
    text: Text
    source: str
    source_url: str
    published: date | None = None
    retrieved_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Showstopper:
    """Products (HS prefixes) a market bars, with the reason and its source."""

    hs_prefixes: tuple[str, ...]
    reason: Text
    source: str


@dataclass(frozen=True, slots=True)
class MarketFacts:
    """One country's entry of ``data/market_factors.yaml``: facts that are not figures in the
    market database (ownership rules, psychic distance, Taiwanese business, showstoppers)."""

    iso3: str
    foreign_ownership: str | None = None
    foreign_ownership_law: str = ""
    foreign_ownership_note: Text | None = None
    psychic_distance: str | None = None
    psychic_distance_evidence: Text | None = None
    taiwanese_business: str | None = None
    taiwanese_chamber: str = ""
    taiwanese_source: str = ""
    showstoppers: tuple[Showstopper, ...] = ()


@dataclass(frozen=True, slots=True)
class MarketScore:
    """A market's attractiveness: 0–100 per dimension and overall, with data coverage (0–1)."""

    iso3: str
    rank: int
    score: float
    dimensions: dict[str, float | None]
    coverage: float
    first_share: float | None = (
        None  # robustness draws (weights, indicators, normalisation): share ranked first
    )
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
    # The dimensions' names, as the index definition gives them (one name in every output).
    dimension_labels: dict[str, Text] = field(default_factory=dict)
    # What the ranking rests on: "macro" (country figures only: a macro screen) or "product"
    # (with trade flows for the firm's HS codes), and its name for a reader.
    view: str = "macro"
    view_label: Text | None = None
    # Data conditions the reader must know, e.g. "re_export_hub" (levels not scored).
    flags: tuple[str, ...] = ()


#: the indicator of Taiwan's exports to a market, all goods (MOF country totals, bundled)
TAIWAN_EXPORTS = "MOF.TWN_EXPORTS"


@dataclass(frozen=True, slots=True)
class MarketProfile:
    """What the analysis knows of one market for one set of HS codes, with provenance.

    ``hs_codes`` are the codes of the product view (cleaned, sorted; empty: none given).
    ``trade`` is where the product view's trade figures (imports, growth, Taiwan's share,
    suppliers) came from: None without flows, and then those figures are never shown.
    ``potential`` is Taiwan's ITC-style export potential for the codes (a benchmark, not a
    ceiling); None when it was not asked (no HS codes).
    """

    country: Country
    score: MarketScore | None = None
    indicators: dict[str, Indicator] = field(default_factory=dict)
    hs_codes: tuple[str, ...] = ()
    imports_usd: float | None = None  # imports of the HS codes asked, latest year
    imports_growth_5y: float | None = None  # CAGR, percent
    taiwan_share: float | None = None  # percent of imports
    top_suppliers: tuple[tuple[str, float], ...] = ()  # (iso3, share %)
    tariffs: tuple[Tariff, ...] = ()
    notes: tuple[MarketNote, ...] = ()
    trade: Provenance | None = None
    potential: PotentialSummary | None = None
    product_year: int | None = None  # the year of imports_usd and taiwan_share
    # Taiwan's exports to the market, all goods (MOF country totals): compound annual growth
    # (%) over ``taiwan_exports_span`` years to the latest year — the country-level trade fact
    # a brief shows when no product data are stored.
    taiwan_exports_growth: float | None = None
    taiwan_exports_span: int = 0
