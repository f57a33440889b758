"""The domain model shared by every layer: frozen dataclasses, no dicts of dicts.

Submodules group the model by area; import from here (``from exportkit.models import Firm``).
"""

from exportkit.models.analytics import (
    BENCHMARK_LABEL,
    Coefficient,
    Diagnostics,
    ExportPotential,
    GravityResult,
    PairBenchmark,
    PotentialSummary,
    TrendFit,
)
from exportkit.models.common import FileFailure, Lang, Provenance, Text
from exportkit.models.firm import Answers, Firm
from exportkit.models.market import (
    Country,
    Indicator,
    MarketNote,
    MarketProfile,
    MarketScore,
    Tariff,
    TradeFlow,
)
from exportkit.models.questionnaire import (
    Anchor,
    Band,
    Definition,
    DriverType,
    Item,
    Option,
    PointsRange,
    Programme,
    ScoreBatch,
    Section,
)
from exportkit.models.readiness import DimensionScore, ReadinessScore
from exportkit.models.recommendation import (
    ENTRY_MODES,
    Brief,
    EntryModeScore,
    FiredRule,
    MarketFit,
    Recommendation,
)

__all__ = [
    "Anchor",
    "Band",
    "Definition",
    "DriverType",
    "Item",
    "Option",
    "PointsRange",
    "Programme",
    "ScoreBatch",
    "Section",
    "BENCHMARK_LABEL",
    "Coefficient",
    "Diagnostics",
    "ExportPotential",
    "PotentialSummary",
    "GravityResult",
    "PairBenchmark",
    "TrendFit",
    "ENTRY_MODES",
    "Answers",
    "Brief",
    "Country",
    "DimensionScore",
    "EntryModeScore",
    "FiredRule",
    "FileFailure",
    "Firm",
    "Indicator",
    "Lang",
    "MarketFit",
    "MarketNote",
    "MarketProfile",
    "MarketScore",
    "Provenance",
    "ReadinessScore",
    "Recommendation",
    "Tariff",
    "Text",
    "TradeFlow",
]
