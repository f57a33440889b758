"""The result of an assessment run, and every type a writer of its outputs reads.

``run_assessment`` (``exportkit.assess``) builds these; the writers in ``exportkit.render``
(results.json, portfolio.xlsx, HTML and PDF documents) read nothing else, so they never import
the orchestrator or query the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from exportkit.models.common import DocumentFailure, FileFailure, Lang
from exportkit.models.firm import Answers, Firm
from exportkit.models.market import MarketFacts, MarketProfile, MarketScore
from exportkit.models.questionnaire import Definition
from exportkit.models.readiness import ReadinessScore
from exportkit.models.recommendation import Brief, Recommendation


@dataclass(frozen=True, slots=True)
class RunSettings:
    """What the run was asked to do (written to results.json and the portfolio's Run sheet)."""

    inputs: tuple[str, ...]
    markets: tuple[str, ...]
    markets_spec: str
    lang: Lang
    formats: tuple[str, ...]
    briefs: int
    database: str | None
    fail_fast: bool
    rules_version: str
    market_factors_version: str
    json_langs: tuple[Lang, ...] = ()  # languages of results.json; () = (lang,)


@dataclass(frozen=True, slots=True)
class DataVintage:
    """When the market figures used are from: years, retrieval dates and sources."""

    snapshot_version: str | None
    snapshot_loaded: str | None
    newest_indicator_year: int | None
    oldest_indicator_year: int | None
    last_retrieved_at: datetime | None
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MarketSummary:
    """One market, once per run: its profile without products (attractiveness, indicators and
    their provenance) and the country facts the rules read, with where those come from."""

    profile: MarketProfile
    facts: MarketFacts | None = None
    facts_source: str = ""

    @property
    def iso3(self) -> str:
        """The market's ISO3 code."""
        return self.profile.country.iso3


@dataclass(frozen=True, slots=True)
class Document:
    """One document of a firm, as paths relative to the output folder (None: not written)."""

    kind: str  # "readiness" | "brief"
    iso3: str | None
    html: str | None
    pdf: str | None


@dataclass(frozen=True, slots=True)
class FirmReport:
    """One firm's documents to write: its readiness report and its country briefs."""

    score: ReadinessScore
    firm: Firm | None = None
    briefs: tuple[Brief, ...] = ()
    previous: ReadinessScore | None = None
    # The firm's folder under the output folder, already made safe and unique (so that it
    # matches the firm's other outputs); None: the writer derives it from the firm's name.
    folder: str | None = None


@dataclass(frozen=True)
class FirmAssessment:
    """One firm's outcome: its scores, the previous assessment, ranked recommendations and the
    market profiles (for its HS codes) they were made from, in the run's market order."""

    firm: Firm
    readiness: ReadinessScore
    answers: Answers | None
    recommendations: tuple[Recommendation, ...]
    assessed_on: date
    previous: ReadinessScore | None = None
    output_name: str | None = None
    markets: tuple[MarketProfile, ...] = ()
    documents: tuple[Document, ...] = ()  # the firm's HTML/PDF documents, when written

    def profile(self, iso3: str) -> MarketProfile | None:
        """The profile of market ``iso3`` this firm was advised on."""
        return next((p for p in self.markets if p.country.iso3 == iso3), None)

    def change(self) -> dict[str, float]:
        """Change per dimension since the previous assessment (dimensions in both only)."""
        if self.previous is None:
            return {}
        return {
            d: round(s.score - self.previous.dimensions[d].score, 1)
            for d, s in self.readiness.dimensions.items()
            if d in self.previous.dimensions
        }


@dataclass
class AssessmentRun:
    """What ``run_assessment`` did: firms assessed, files refused, outputs written, and the
    documents (PDFs) that could not be written.

    ``definition`` is the questionnaire the firms answered: every output names bands, driver
    types and industries from it. ``indicator_codes`` are the indicators the entry-mode rules
    read, whose provenance results.json lists per market.
    """

    firms: list[FirmAssessment]
    failures: list[FileFailure]
    settings: RunSettings
    data_vintage: DataVintage
    scores: dict[str, MarketScore]
    markets: tuple[MarketSummary, ...]
    generated_at: datetime
    definition: Definition | None = None
    indicator_codes: tuple[str, ...] = ()
    outputs: dict[str, Path] = field(default_factory=dict)
    document_failures: list[DocumentFailure] = field(default_factory=list)
    documents_written: int = 0

    @property
    def ok(self) -> bool:
        """True when every input was assessed and every document written."""
        return not self.failures and not self.document_failures
