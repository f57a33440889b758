"""Scrapy items: the shared model dataclasses themselves (Scrapy accepts dataclass items).

Spiders yield ``Indicator``, ``TradeFlow``, ``Tariff`` and ``MarketNote`` from
``exportkit.models``; every one carries ``source``, ``source_url`` and ``retrieved_at``.
"""

from __future__ import annotations

from exportkit.models import Indicator, MarketNote, Tariff, TradeFlow

ITEM_TYPES = (Indicator, TradeFlow, Tariff, MarketNote)

__all__ = ["ITEM_TYPES", "Indicator", "MarketNote", "Tariff", "TradeFlow"]
