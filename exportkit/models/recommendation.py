"""Entry-mode recommendation and the brief that renders it."""

from __future__ import annotations

from dataclasses import dataclass

from exportkit.models.firm import Firm
from exportkit.models.market import MarketProfile
from exportkit.models.readiness import ReadinessScore

ENTRY_MODES: tuple[str, ...] = (
    "indirect_export",
    "direct_export",
    "cross_border_ecommerce",
    "licensing_alliance",
    "joint_venture",
    "wholly_owned_subsidiary",
)


@dataclass(frozen=True, slots=True)
class FiredRule:
    """A rule of the entry-mode table that applied, and why, in both languages."""

    id: str
    reason_zh_TW: str
    reason_en: str
    source: str = ""
    effect: float | None = None  # points this rule added to (or took from) the mode's score

    def reason(self, lang: str = "en") -> str:
        return self.reason_zh_TW if lang == "zh-TW" else self.reason_en


@dataclass(frozen=True, slots=True)
class EntryModeScore:
    mode: str
    score: float
    reasons: tuple[FiredRule, ...] = ()


@dataclass(frozen=True, slots=True)
class MarketFit:
    """How well one market fits one firm, with reasons (bilingual)."""

    iso3: str
    fit_score: float
    reasons: tuple[FiredRule, ...] = ()
    excluded: bool = False


@dataclass(frozen=True, slots=True)
class Recommendation:
    """One firm × market: fit, ranked entry modes, staged path and the plan's strategy theme."""

    iso3: str
    rank: int
    fit: MarketFit
    entry_modes: tuple[EntryModeScore, ...]
    staged_path_zh_TW: str = ""
    staged_path_en: str = ""
    theme: str | None = None  # 技術加值融合 / 市場商模共創 / 製造體系互補 (ids in the rules file)
    theme_reason_zh_TW: str = ""
    theme_reason_en: str = ""
    fired: tuple[FiredRule, ...] = ()  # every entry-mode rule that fired, in rule order
    not_evaluated: tuple[FiredRule, ...] = ()  # rules left out for missing data, naming it
    rules_version: str = ""


@dataclass(frozen=True, slots=True)
class Brief:
    """Everything a country brief renders for one firm × market."""

    firm: Firm
    readiness: ReadinessScore
    recommendation: Recommendation
    market: MarketProfile
    lang: str = "zh-TW"
