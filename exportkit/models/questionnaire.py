"""A questionnaire definition (read from YAML) and the result of scoring a batch of workbooks.

The definition format is documented in ``docs/questionnaire-format.md``; these dataclasses are
its typed, validated form (see ``exportkit.questionnaire.definition``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from exportkit.models.common import FileFailure, Text
from exportkit.models.firm import Answers
from exportkit.models.readiness import ReadinessScore

ITEM_TYPES: tuple[str, ...] = (
    "likert",
    "scale",
    "single_choice",
    "multi_choice",
    "integer",
    "number",
    "yes_no",
    "text",
    "tax_id",
    "hs_codes",
    "countries",
    "year",
)


@dataclass(frozen=True, slots=True)
class Option:
    """One choice of a single/multi choice item; ``points`` (0–100) only for scored items.
    ``accepts``: earlier wordings of the label, still read from workbooks filled with them."""

    value: str
    label: Text
    points: float | None = None
    accepts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Anchor:
    """A labelled point (likert ``1``) or range (scale ``"4-7"``) of an anchored item."""

    low: int
    high: int
    label: Text
    accepts: tuple[str, ...] = ()  # earlier wordings of the label, still read


@dataclass(frozen=True, slots=True)
class PointsRange:
    """Numeric scoring: an answer in ``[min, max)`` earns ``points`` (0–100)."""

    min: float
    max: float
    points: float


@dataclass(frozen=True, slots=True)
class Item:
    """One question. ``scored`` items give 0–100 points (see ``docs/questionnaire-format.md``)."""

    id: str
    type: str
    label: Text
    section: str
    required: bool
    scored: bool
    help: Text | None = None
    anchors: tuple[Anchor, ...] = ()
    options: tuple[Option, ...] = ()
    min: float | None = None
    max: float | None = None
    unit: Text | None = None
    reverse: bool = False
    points_yes: float | None = None
    points_no: float | None = None
    points_by_range: tuple[PointsRange, ...] = ()
    firm_field: str | None = None


@dataclass(frozen=True, slots=True)
class Section:
    """One worksheet; a scored section is a readiness dimension with a weight."""

    id: str
    title: Text
    scored: bool
    items: tuple[Item, ...]
    weight: float = 0.0
    source: tuple[str, ...] = ()
    description: Text | None = None
    advice: Text | None = None
    referrals: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Band:
    """A band of the overall index: ``min`` inclusive, ``max`` exclusive (except 100)."""

    id: str
    min: float
    max: float
    label: Text
    description: Text | None = None


@dataclass(frozen=True, slots=True)
class Programme:
    """A public programme a consultant can refer a firm to."""

    id: str
    name: Text
    url: str
    description: Text | None = None


@dataclass(frozen=True, slots=True)
class DriverType:
    """A firm's export driver type and the dimensions that define it."""

    id: str
    label: Text
    dimensions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Reliability:
    """When a batch's internal consistency (Cronbach's alpha) is worth showing, and what it
    cannot say: ``min_firms`` complete answer sets per dimension at least, ``rationale`` why,
    ``note`` the caveat shown with every alpha (checklist-style, formative dimensions)."""

    min_firms: int
    rationale: Text
    note: Text


DEFINITION_KINDS: tuple[str, ...] = ("assessment", "survey")
RESPONDENTS: tuple[str, ...] = ("domestic", "overseas")


@dataclass(frozen=True, slots=True)
class Definition:
    """A whole questionnaire: sections (worksheets), bands, programmes, driver-type rule.

    ``kind`` is ``assessment`` (scored sections, bands: a readiness index) or ``survey``
    (answers recorded, nothing scored, e.g. the market-demand survey). ``respondents`` is
    ``overseas`` when the people filling it in may read no Chinese: every English text is then
    checked to contain none, and the English workbook shows no Chinese at all.
    """

    id: str
    version: str
    title: Text
    instructions: Text
    sections: tuple[Section, ...]
    bands: tuple[Band, ...] = ()
    programmes: dict[str, Programme] = field(default_factory=dict)
    methodology: dict[str, str] = field(default_factory=dict)
    driver_rule: Text | None = None
    driver_types: tuple[DriverType, ...] = ()
    kind: str = "assessment"
    respondents: str = "domestic"
    usage: Text | None = None  # what to do with a filled workbook (said when it is misused)
    reliability: Reliability | None = None  # when to show Cronbach's alpha (scored ones)
    strength_min: float = 0.0  # the least score of a dimension called a strength

    @property
    def scored(self) -> bool:
        """True for a questionnaire that yields a score (``kind: assessment``)."""
        return self.kind == "assessment"

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    @property
    def dimensions(self) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if s.scored)

    def question_numbers(self) -> dict[str, str]:
        """Item id → the number the workbook prints beside its question: ``"1.8"`` is the
        8th question of the first sheet."""
        return {
            item.id: f"{s}.{n}"
            for s, section in enumerate(self.sections, start=1)
            for n, item in enumerate(section.items, start=1)
        }

    def item(self, item_id: str) -> Item:
        """The item ``item_id`` (``KeyError`` if there is none)."""
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def section(self, section_id: str) -> Section:
        """The section ``section_id`` (``KeyError`` if there is none)."""
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)

    def band_for(self, overall: float) -> Band | None:
        """The band an overall index falls in (None outside every band)."""
        for band in self.bands:
            if band.min <= overall < band.max or (band.max >= 100 and overall >= band.min):
                return band
        return None


@dataclass(frozen=True, slots=True)
class ScoreBatch:
    """Scores of many workbooks: one result per good file, one failure per bad file.

    ``alpha`` maps dimension id → Cronbach's alpha across the batch (``None`` when fewer than
    ``reliability.min_firms`` firms answered every item of the dimension, or the answers do not
    vary); ``alpha_n`` how many firms it was (or would be) computed from; ``reliability`` the
    questionnaire's rule and caveat for showing it.
    """

    results: list[ReadinessScore]
    answers: list[Answers]
    failures: list[FileFailure]
    alpha: dict[str, float | None] = field(default_factory=dict)
    alpha_n: dict[str, int] = field(default_factory=dict)
    reliability: Reliability | None = None

    @property
    def ok(self) -> bool:
        return not self.failures
