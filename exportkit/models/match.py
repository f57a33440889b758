"""Matchmaking: firms as suppliers, their scored matches with overseas demands, meetings.

Produced by the engine (``exportkit.match``) and its orchestration (``exportkit.assess.match``,
``run_match``), read by every writer in ``exportkit.render`` (matches.json, matches.xlsx,
meetings.xlsx, the meeting plan, the brief's section). Every text a document prints travels here
as ``Text`` or ``Coded`` (entry-mode and theme names as the rule book gives them, band and
driver-type names as the questionnaire definition does), so writers need no rule book.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from exportkit.models.common import DocumentFailure, FileFailure, Text
from exportkit.models.demand import Coded, Demand

STRENGTHS: tuple[str, ...] = ("strong", "possible", "weak")
CRITERION_STATUSES: tuple[str, ...] = ("met", "partial", "unmet", "not_evaluated")


@dataclass(frozen=True, slots=True)
class ModeScore:
    """One entry mode and its score (0–100) for a firm in a market."""

    mode: Coded
    score: float


@dataclass(frozen=True, slots=True)
class MarketModes:
    """The entry modes advised for a firm in one market, best first (the recommendation's)."""

    iso3: str
    ranked: tuple[ModeScore, ...]
    excluded: bool = False
    note: Text | None = None  # why the market is excluded for the firm
    # ``ranked`` as plain ids and scores, filled in on creation: the matcher reads them for
    # a thousand firms × 18 markets at a time
    mode_ids: tuple[str, ...] = ()
    scores: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if not self.mode_ids:
            object.__setattr__(self, "mode_ids", tuple(m.mode.id for m in self.ranked))
            object.__setattr__(self, "scores", tuple(m.score for m in self.ranked))


@dataclass(frozen=True, slots=True)
class SupplierProfile:
    """What the matcher knows about one firm: products, certifications, capacity, readiness,
    driver type and strategy theme, target markets and its advised entry modes per market.

    ``key`` is unique within a run and safe as a file name. ``spare_capacity_usd`` is the
    yearly output value the firm could add for export (revenue × spare-capacity share, in US$;
    None when either is unknown). ``band_position`` is the band's place among the
    questionnaire's bands, 0 (lowest) to 1 (highest).
    """

    key: str
    name: str
    file: str
    tax_id: str | None = None
    industry: Coded | None = None
    hs_codes: tuple[str, ...] = ()
    certifications: tuple[Coded, ...] = ()
    spare_capacity_usd: float | None = None
    readiness: float | None = None
    band: Coded | None = None
    driver_type: Coded | None = None
    theme: Coded | None = None
    target_markets: tuple[str, ...] = ()
    current_markets: tuple[str, ...] = ()
    modes: tuple[MarketModes, ...] = ()
    definition_id: str = ""

    def modes_in(self, iso3: str) -> MarketModes | None:
        """The advised modes in ``iso3`` (None when the firm was not assessed there)."""
        return next((m for m in self.modes if m.iso3 == iso3), None)


@dataclass(frozen=True, slots=True)
class CriterionInfo:
    """A matching criterion as documented in the criteria file."""

    id: str
    title: Text
    weight: float  # share of the score (0–100); the product criterion is a factor, weight 0
    source: str
    heuristic: bool


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """How one criterion judged one firm × demand pair: points 0–1, a status and the reason."""

    id: str
    title: Text
    weight: float
    points: float
    status: str  # met | partial | unmet | not_evaluated
    reason: Text
    source: str = ""


@dataclass(frozen=True, slots=True)
class Gap:
    """Something the firm should close or prepare before meeting the respondent."""

    criterion: str
    text: Text


@dataclass(frozen=True, slots=True)
class Match:
    """One firm proposed for one demand, with its score (0–100), rank and explanation."""

    demand_id: str
    firm_key: str
    rank: int
    score: float
    strength: str  # strong | possible | weak (below the minimum: listed, not proposed)
    product_level: str  # hs6 | hs4 | hs2 | industry
    criteria: tuple[CriterionResult, ...]
    gaps: tuple[Gap, ...] = ()

    @property
    def proposed(self) -> bool:
        """True when the match reaches the minimum score and is put to the firm."""
        return self.strength != "weak"


@dataclass(frozen=True, slots=True)
class DemandOutcome:
    """A demand and its candidate firms, best first; ``unmatched`` says why none is proposed."""

    demand: Demand
    matches: tuple[Match, ...]
    status: str  # matched | unmatched
    reason: Text | None = None

    @property
    def proposed(self) -> tuple[Match, ...]:
        """The candidates put to the firms (those reaching the minimum score)."""
        return tuple(m for m in self.matches if m.proposed)


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The engine's answer for a set of firms and demands."""

    firms: tuple[SupplierProfile, ...]
    outcomes: tuple[DemandOutcome, ...]
    criteria: tuple[CriterionInfo, ...]
    criteria_version: str

    def firm(self, key: str) -> SupplierProfile:
        """The firm with ``key``."""
        return next(f for f in self.firms if f.key == key)

    def for_firm(self, key: str) -> list[tuple[Demand, Match]]:
        """Every demand the firm is a candidate for, best score first."""
        pairs = [(o.demand, m) for o in self.outcomes for m in o.matches if m.firm_key == key]
        return sorted(pairs, key=lambda p: (-p[1].score, p[0].id))


@dataclass(frozen=True, slots=True)
class AgendaItem:
    """One point of a meeting's agenda and the minutes it takes."""

    minutes: int
    text: Text


@dataclass(frozen=True, slots=True)
class MeetingInvite:
    """A firm invited to a meeting: the demands it is proposed for and what to prepare."""

    firm_key: str
    firm_name: str
    demand_ids: tuple[str, ...]
    scores: tuple[float, ...]
    prepare: tuple[Text, ...]


@dataclass(frozen=True, slots=True)
class Meeting:
    """An exchange meeting of the plan's 3(2): one market × strategy theme × driver type."""

    id: str
    market: str
    market_name: Text
    theme: Coded | None
    driver_type: Coded | None
    title: Text
    demand_ids: tuple[str, ...]
    invites: tuple[MeetingInvite, ...]
    agenda: tuple[AgendaItem, ...]


@dataclass(frozen=True, slots=True)
class BriefMatchmaking:
    """The matchmaking section of one firm's brief for one market."""

    iso3: str
    firm_key: str
    entries: tuple[tuple[Demand, Match], ...]
    meeting: Meeting | None = None


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """What the match run was asked to do (written to matches.json and matches.xlsx)."""

    firm_inputs: tuple[str, ...]
    demand_inputs: tuple[str, ...]
    lang: str
    formats: tuple[str, ...]
    meetings: bool
    database: str | None
    rules_version: str


@dataclass
class MatchRun:
    """What ``run_match`` did: firms read, demands read, matches, meetings, files refused,
    outputs written and documents that failed."""

    result: MatchResult
    demands: tuple[Demand, ...]
    meetings: tuple[Meeting, ...]
    failures: list[FileFailure]
    settings: MatchSettings
    generated_at: datetime
    outputs: dict[str, Path] = field(default_factory=dict)
    document_failures: list[DocumentFailure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every input was read and every document written."""
        return not self.failures and not self.document_failures

    @property
    def unmatched(self) -> tuple[DemandOutcome, ...]:
        """The demands no firm is proposed for (reported, never dropped)."""
        return tuple(o for o in self.result.outcomes if o.status == "unmatched")
