"""Entry-mode recommendation and the brief that renders it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from exportkit.models.analytics import TrendFit
from exportkit.models.common import Text, pickled_by_fields
from exportkit.models.firm import Firm
from exportkit.models.market import MarketProfile
from exportkit.models.match import BriefMatchmaking
from exportkit.models.readiness import ReadinessScore

ENTRY_MODES: tuple[str, ...] = (
    "indirect_export",
    "direct_export",
    "cross_border_ecommerce",
    "licensing_alliance",
    "joint_venture",
    "wholly_owned_subsidiary",
)
# the modes of a software or services firm in the shipped rule book (licensing is shared)
SERVICE_MODES: tuple[str, ...] = (
    "online_direct",
    "local_partner",
    "licensing_alliance",
    "local_entity",
)
DECIDED_BY: tuple[str, ...] = ("rules", "tie", "prior")


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class FiredRule:
    """A rule of the entry-mode table that applied, and why, in both languages.

    ``reason`` is the rule book's sentence ``template`` (its id in the book: ``text_id``)
    filled with ``values`` (placeholder → its text in both languages); results.json states
    each template once and keeps only the values per firm × market.
    """

    id: str
    reason: Text
    source: str = ""
    effect: float | None = None  # points this rule added to (or took from) the mode's score
    text_id: str = ""  # "" when the reason was not made from a rule-book template
    template: Text | None = None
    values: tuple[tuple[str, Text], ...] = ()


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class EntryModeScore:
    """One entry mode's score for a firm × market, the rules that moved it, and its name as
    the rule book that scored it gives it (every output names the mode by this ``label``)."""

    mode: str
    score: float
    reasons: tuple[FiredRule, ...] = ()
    label: Text | None = None

    def name(self, lang: str) -> str:
        """The mode's name in ``lang`` (its id when the rule book gave none)."""
        return self.label.get(lang) if self.label else self.mode


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class MarketFit:
    """How well one market fits one firm, with reasons (bilingual)."""

    iso3: str
    fit_score: float
    reasons: tuple[FiredRule, ...] = ()
    excluded: bool = False


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Recommendation:
    """One firm × market: fit, ranked entry modes, staged path and the plan's strategy theme."""

    iso3: str
    rank: int
    fit: MarketFit
    entry_modes: tuple[EntryModeScore, ...]
    staged_path: Text = Text("", "")
    theme: str | None = None  # 技術加值融合 / 市場商模共創 / 製造體系互補 (ids in the rules file)
    theme_label: Text | None = None  # the theme's name in the rule book that chose it
    theme_reason: Text = Text("", "")
    fired: tuple[FiredRule, ...] = ()  # every entry-mode rule that fired, in rule order
    not_evaluated: tuple[FiredRule, ...] = ()  # rules left out for missing data, naming it
    rules_version: str = ""
    # how the top mode was decided: "rules" (rules set it apart), "tie" (the top two score the
    # same) or "prior" (it leads on its base score alone); the note says so and, for a tie or
    # a prior, what data or answer would decide it ("" when the rules decided plainly)
    decided_by: str = "rules"
    decision_note: Text = Text("", "")

    def theme_name(self, lang: str) -> str:
        """The strategy theme's name in ``lang`` ("" when no theme was chosen)."""
        if self.theme_label is not None:
            return self.theme_label.get(lang)
        return self.theme or ""


@dataclass(frozen=True, slots=True)
class Brief:
    """Everything a country brief renders for one firm × market.

    ``trend`` is the fitted trend of the market's imports of the firm's HS codes (or a refusal
    with its reason); ``markets_assessed`` how many markets the firm was ranked against (the
    brief then states the market's fit rank); ``matchmaking`` the overseas demands of this
    market the firm is proposed for (``exportkit match``; None: the brief has no such section).
    """

    firm: Firm
    readiness: ReadinessScore
    recommendation: Recommendation
    market: MarketProfile
    lang: str = "zh-TW"
    trend: TrendFit | None = None
    markets_assessed: int | None = None
    matchmaking: BriefMatchmaking | None = None


@dataclass(frozen=True, slots=True)
class BriefFiles:
    """One brief written to disk: its files, and the commands that would fill the data it
    lacks (for the consultant's terminal — the client-facing brief names the gaps only)."""

    paths: tuple[Path, ...]
    fill_commands: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (command, figures it fills)
