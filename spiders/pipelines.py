"""Item pipelines: normalise → validate → store (batched, transactional upserts, crawl run).

* ``NormalisationPipeline`` puts codes in canonical form (ISO3 upper case, HS digits, ``TOTAL``)
  first, so that validation judges the canonical form. Unit conversions (US$ thousands, ROC
  years) happen in the parsers, where the unit is known from the source's format
  (``exportkit.spiders.normalise``); values arrive here in units.
* ``ValidationPipeline`` drops a record missing its key fields with ``DropItem`` and counts the
  reason (stats ``exportkit/dropped/<reason>``).
* ``StorePipeline`` writes batches with the store's idempotent upserts (one transaction per
  batch), so a re-crawl creates no duplicates and a crawl killed midway leaves whole batches;
  it records the crawl run (status, counts, errors) in the crawl-runs table.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
from collections import defaultdict
from inspect import isawaitable
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.logformatter import LogFormatter
from scrapy.pipelines import ItemPipelineManager
from scrapy.utils.defer import ensure_awaitable
from scrapy.utils.misc import load_object
from twisted.internet.defer import Deferred

from exportkit.errors import SourceError
from exportkit.models import Indicator, MarketNote, Tariff, TradeFlow

logger = logging.getLogger(__name__)

_ISO3 = re.compile(r"^[A-Z]{3}$")
_HS = re.compile(r"^(TOTAL|\d{2}|\d{4}|\d{6})$")
FLOWS = {"M", "X", "RX"}  # imports, exports, re-exports (a hub's goods passing through)
TARIFF_TYPES = {"MFN", "AHS", "PREF", "BND"}
MIN_YEAR, MAX_YEAR = 1950, 2100


class Dropped(DropItem):
    """A ``DropItem`` carrying a short machine-readable reason for the counts."""

    def __init__(self, reason: str, item: Any) -> None:
        self.reason = reason
        super().__init__(f"{reason}: {item!r}"[:300])


def _valid_number(value: float | None) -> bool:
    return value is None or (isinstance(value, int | float) and math.isfinite(value))


def problem(item: Any) -> str | None:
    """Why ``item`` cannot be stored, or None. Missing *values* are fine (kept missing);
    missing *keys* are not."""
    if not dataclasses.is_dataclass(item) or not getattr(item, "source", None):
        return "no_source"
    if not getattr(item, "source_url", None):
        return "no_source_url"
    if isinstance(item, Indicator):
        if not _ISO3.match(item.iso3 or ""):
            return "bad_country"
        if not item.indicator:
            return "no_indicator"
        if not MIN_YEAR <= item.year <= MAX_YEAR:
            return "bad_year"
        if not _valid_number(item.value):
            return "bad_value"
    elif isinstance(item, TradeFlow):
        if not (_ISO3.match(item.reporter_iso3 or "") and _ISO3.match(item.partner_iso3 or "")):
            return "bad_country"
        if not _HS.match(item.hs_code or ""):
            return "bad_hs_code"
        if not MIN_YEAR <= item.year <= MAX_YEAR:
            return "bad_year"
        if item.flow not in FLOWS:
            return "unsupported_flow"
        if not _valid_number(item.value_usd) or (item.value_usd or 0) < 0:
            return "bad_value"
    elif isinstance(item, Tariff):
        if not (_ISO3.match(item.reporter_iso3 or "") and _ISO3.match(item.partner_iso3 or "")):
            return "bad_country"
        if not _HS.match(item.hs_code or "") and item.hs_code != "ALL":
            return "bad_hs_code"
        if not MIN_YEAR <= item.year <= MAX_YEAR:
            return "bad_year"
        if item.tariff_type not in TARIFF_TYPES:
            return "unsupported_tariff_type"
        if not _valid_number(item.rate) or (item.rate is not None and item.rate < 0):
            return "bad_value"
    elif isinstance(item, MarketNote):
        if not _ISO3.match(item.iso3 or ""):
            return "bad_country"
        # the store keys notes on the English title and needs a text in both languages
        if not (item.title and item.title.zh_TW and item.title.en):
            return "no_title"
        if not (item.text and item.text.zh_TW and item.text.en):
            return "no_text"
    else:
        return "unknown_item_type"
    return None


class _CountingPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        return cls(crawler)

    def drop(self, reason: str, item: Any) -> None:
        stats = self.crawler.stats
        stats.inc_value("exportkit/items_dropped")
        stats.inc_value(f"exportkit/dropped/{reason}")
        raise Dropped(reason, item)


class ValidationPipeline(_CountingPipeline):
    """Drops an item that cannot be stored (see :func:`problem`), counting the reason."""

    def process_item(self, item: Any) -> Any:
        """The item, or ``Dropped`` with the reason it cannot be stored."""
        reason = problem(item)
        if reason:
            self.drop(reason, item)
        return item


class NormalisationPipeline(_CountingPipeline):
    """Canonical codes: country codes upper case and trimmed, HS codes trimmed, whole numbers
    as floats. Runs before validation, so it takes raw items as they come."""

    def process_item(self, item: Any) -> Any:
        """The item with canonical codes (a changed copy only if needed)."""
        if not dataclasses.is_dataclass(item):
            return item  # validation reports it
        changes: dict[str, Any] = {}
        for name in ("iso3", "reporter_iso3", "partner_iso3"):
            value = getattr(item, name, None)
            if isinstance(value, str) and value != value.strip().upper():
                changes[name] = value.strip().upper()
        hs = getattr(item, "hs_code", None)
        if isinstance(hs, str) and hs != hs.strip().upper():
            changes["hs_code"] = hs.strip().upper()
        for name in ("value", "value_usd", "rate", "quantity"):
            value = getattr(item, name, None)
            if isinstance(value, int) and not isinstance(value, bool):
                changes[name] = float(value)
        # frozen dataclasses: a changed copy, and only when something changed (hot path)
        return dataclasses.replace(item, **changes) if changes else item


_UPSERTS = {
    Indicator: "upsert_indicators",
    TradeFlow: "upsert_trade_flows",
    Tariff: "upsert_tariffs",
    MarketNote: "upsert_notes",
}


def run_status(reason: str, errors: int, stored: int) -> str:
    """``ok`` (no errors), ``partial`` (errors, something stored) or ``failed``."""
    if reason != "finished":
        return "failed"
    if errors and not stored:
        return "failed"
    return "partial" if errors else "ok"


class StorePipeline(_CountingPipeline):
    """Batches items per type and upserts them into the market database."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.batch_size = settings.getint("EXPORTKIT_STORE_BATCH", 500)
        self.db_path = settings.get("EXPORTKIT_DB") or None
        self.open_store = load_object(
            settings.get("EXPORTKIT_STORE_FACTORY") or "exportkit.store.open_store"
        )
        self.buffers: dict[type, list[Any]] = defaultdict(list)
        self.store = None
        self.run_id = None
        self.store_error: str | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def open_spider(self) -> None:
        """Open the store and record the start of the crawl run."""
        self.store = self.open_store(self.db_path)
        self.run_id = self.store.start_crawl_run(self.crawler.spider.name)
        self.crawler.stats.set_value("exportkit/run_id", self.run_id)

    def process_item(self, item: Any) -> Any:
        """Buffer the item; write its type's batch when full."""
        buffer = self.buffers[type(item)]
        buffer.append(item)
        if len(buffer) >= self.batch_size:
            self.flush(type(item))
        return item

    def flush(self, kind: type) -> None:
        """Write the buffered items of one type in one transaction."""
        batch = self.buffers.pop(kind, [])
        if not batch:
            return
        getattr(self.store, _UPSERTS[kind])(batch)  # one transaction per batch (store contract)
        self.crawler.stats.inc_value("exportkit/items_stored", len(batch))

    def close_spider(self) -> None:
        # Runs before the spider_closed signal, which alone knows the close reason.
        """Write what is still buffered (a failure is recorded, not raised)."""
        if self.store is None:
            return
        try:
            for kind in list(self.buffers):
                self.flush(kind)
        except Exception as exc:  # the run must still be recorded, as failed
            self.store_error = str(exc)
            logger.exception("storing %s items failed", self.crawler.spider.name)

    def spider_closed(self, spider, reason: str) -> None:
        """Record how the run ended: status, counts and every error."""
        if self.store is None:
            return
        stats = self.crawler.stats
        errors: list[SourceError] = list(getattr(spider, "errors", []))
        if self.store_error:
            errors.append(SourceError(spider.name, detail=self.store_error, kind="store"))
            reason = "store_error"
        exceptions = int(stats.get_value("spider_exceptions/count", 0) or 0)
        if exceptions:
            errors.append(SourceError(spider.name, detail=str(exceptions), kind="spider_exception"))
        stored = int(stats.get_value("exportkit/items_stored", 0) or 0)
        status = run_status(reason, len(errors), stored)
        counts = {
            "requests": int(stats.get_value("downloader/request_count", 0) or 0),
            "responses": int(stats.get_value("downloader/response_count", 0) or 0),
            "cached": int(stats.get_value("httpcache/hit", 0) or 0),
            "items_stored": stored,
            "items_dropped": int(stats.get_value("exportkit/items_dropped", 0) or 0),
            "errors": len(errors),
        }
        for key, value in stats.get_stats().items():
            if key.startswith("exportkit/dropped/"):
                counts["dropped_" + key.rsplit("/", 1)[1]] = int(value)
        stats.set_value("exportkit/status", status)
        stats.set_value("exportkit/close_reason", reason)
        stats.set_value("exportkit/counts", counts)
        stats.set_value("exportkit/error_list", errors)
        try:
            self.store.finish_crawl_run(self.run_id, status, counts, [e.describe() for e in errors])
        finally:
            self.store.close()
            self.store = None


class SyncPipelineManager(ItemPipelineManager):
    """Scrapy's item-pipeline manager, calling synchronous ``process_item`` methods in a plain
    loop. The stock manager wraps every pipeline call of every item in an awaitable and names
    the method for a deprecation check: for thousands of small items per minute that was a
    large share of a crawl's CPU. Asynchronous pipelines are still awaited."""

    async def process_item_async(self, item: Any) -> Any:
        """Run the item through every pipeline in order."""
        spider_args = self._mw_methods_requiring_spider
        for method in self.methods["process_item"]:
            result = method(item, self._spider) if method in spider_args else method(item)
            if isawaitable(result) or isinstance(result, Deferred):
                result = await ensure_awaitable(result)
            item = result
        return item


class QuietLogFormatter(LogFormatter):
    """No per-item "Scraped from" record unless DEBUG logging is on (it is built per item)."""

    def scraped(self, item: Any, response: Any, spider: Any):
        """No log record per scraped item (thousands per minute)."""
        if logging.getLogger("scrapy.core.scraper").isEnabledFor(logging.DEBUG):
            return super().scraped(item, response, spider)
        return None
