"""Scores of a questionnaire: per dimension, overall, band."""

from __future__ import annotations

from dataclasses import dataclass, field

from exportkit.models.common import Text


@dataclass(frozen=True, slots=True)
class DimensionScore:
    """One scored dimension, 0–100, with how many of its items were answered; ``label`` is
    the dimension's title in the questionnaire definition that scored it."""

    id: str
    score: float
    weight: float
    answered: int
    items: int
    label: Text | None = None


@dataclass(frozen=True, slots=True)
class ReadinessScore:
    """A firm's scored questionnaire.

    ``overall`` is 0–100; ``dimensions`` maps dimension id → DimensionScore; ``strengths`` and
    ``gaps`` are dimension ids; ``coverage`` is the share (0–1) of scored items answered;
    ``percentile`` is filled in a batch (0–100) and stays ``None`` for a single firm.
    ``standing`` (batch only): ``(higher_than, tied_with, of)`` — how many other firms of the
    batch score lower, how many the same, and the batch size — so a report can say exactly
    "higher than 3 of 6 firms"; ``percentile`` is the mid-rank percentile of the same counts.
    ``driver_scores`` is the mean score of each driver type's dimensions (type id → 0–100):
    the highest is the ``driver_type``, and the rule book's strategy theme follows from it.
    """

    definition_id: str
    file: str
    firm: str
    tax_id: str | None
    overall: float
    band: str
    dimensions: dict[str, DimensionScore]
    strengths: tuple[str, ...] = ()
    gaps: tuple[str, ...] = ()
    coverage: float = 1.0
    driver_type: str | None = None
    percentile: float | None = None
    driver_scores: dict[str, float] = field(default_factory=dict)
    standing: tuple[int, int, int] | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
