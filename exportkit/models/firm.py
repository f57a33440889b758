"""A firm and its answers to a questionnaire."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class Firm:
    """The profile part of the export-readiness questionnaire, typed.

    Percentages are 0–100; money is NT$. ``tacit_knowhow_share`` is the share (0–100) of the
    product's value that lies in tacit know-how rather than codified IP/brand.
    """

    name: str
    tax_id: str | None = None
    contact: str | None = None
    industry: str | None = None
    founded: int | None = None
    employees: int | None = None
    revenue_ntd: float | None = None
    export_share: float | None = None
    hs_codes: tuple[str, ...] = ()
    products: str | None = None
    current_markets: tuple[str, ...] = ()  # ISO3
    target_markets: tuple[str, ...] = ()  # ISO3
    certifications: tuple[str, ...] = ()
    customer_type: str | None = None  # "b2c" | "b2b" | "both"
    sells_online: bool | None = None
    tacit_knowhow_share: float | None = None
    invest_willingness: int | None = None  # 1–5
    invest_budget_ntd: float | None = None
    after_sales_need: int | None = None  # 1–5


@dataclass(frozen=True, slots=True)
class Answers:
    """A validated questionnaire: item id → typed value, with where it came from."""

    definition_id: str
    definition_version: str
    lang: str
    file: str
    values: dict[str, Any] = field(default_factory=dict)
    firm: Firm | None = None
    assessed_on: date | None = None

    def get(self, item_id: str, default: Any = None) -> Any:
        """The typed answer to ``item_id`` (``default`` when unanswered)."""
        return self.values.get(item_id, default)
