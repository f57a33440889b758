"""A Scrapy extension that reports live progress to the parent ``exportkit crawl`` process.

It writes one JSON object per line to the file descriptor named by ``EXPORTKIT_PROGRESS_FD``
(the runner sets it; without it the extension is disabled). Handlers are bound methods kept
alive by the extension object: Scrapy's signal references are weak, a lambda would be lost.
"""

from __future__ import annotations

import json
import os

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task


def snapshot(stats: dict, spider_errors: int = 0) -> dict:
    """Counts the CLI shows, taken from Scrapy's stats."""
    return {
        "requests": int(stats.get("downloader/request_count", 0)),
        "responses": int(stats.get("downloader/response_count", 0)),
        "cached": int(stats.get("httpcache/hit", 0)),
        "items": int(stats.get("exportkit/items_stored", 0)),
        "dropped": int(stats.get("exportkit/items_dropped", 0)),
        "errors": int(stats.get("exportkit/errors", 0)) + spider_errors,
    }


class ProgressReporter:
    """Writes the crawl's progress as JSON lines to the parent process."""

    def __init__(self, crawler: Crawler, fd: int, interval: float):
        self.crawler = crawler
        self.out = os.fdopen(os.dup(fd), "w", buffering=1, encoding="utf-8")
        self.interval = interval
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressReporter:
        """The extension, or ``NotConfigured`` when no progress pipe is set."""
        fd = os.environ.get("EXPORTKIT_PROGRESS_FD")
        if not fd:
            raise NotConfigured
        ext = cls(crawler, int(fd), crawler.settings.getfloat("EXPORTKIT_PROGRESS_INTERVAL", 0.5))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def emit(self, event: str, **extra: object) -> None:
        """Write one progress event with the current counts."""
        spider = self.crawler.spider
        stats = self.crawler.stats.get_stats()
        line = {
            "event": event,
            "source": spider.name if spider else None,
            **snapshot(stats, int(stats.get("spider_exceptions/count", 0) or 0)),
            **extra,
        }
        self.out.write(json.dumps(line, default=str) + "\n")

    def spider_opened(self, spider) -> None:
        """Report the start, then progress every ``interval`` seconds."""
        self.emit("started")
        self.loop = task.LoopingCall(self.emit, "progress")
        self.loop.start(self.interval, now=False)

    def spider_closed(self, spider, reason: str) -> None:
        """Stop the periodic reports and send the last counts."""
        if self.loop and self.loop.running:
            self.loop.stop()
        self.emit("progress")
        self.out.flush()
