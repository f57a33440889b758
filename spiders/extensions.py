"""A Scrapy extension that reports live progress to whoever follows the crawl.

Run by ``exportkit crawl`` it writes one JSON object per line to the file descriptor named by
``EXPORTKIT_PROGRESS_FD`` (the runner sets it). On a Scrapyd server
(``exportkit crawl --scrapyd``, which schedules jobs with ``EXPORTKIT_PROGRESS_LOG=True``) it
writes the same objects into the job's log as ``exportkit-progress {…}`` lines, ending with the
``finished`` event the runner would send (status, counts, errors), which the client reads from
Scrapyd's log URL. Without either the extension is disabled. Handlers are bound methods kept
alive by the extension object: Scrapy's signal references are weak, a lambda would be lost.
"""

from __future__ import annotations

import json
import logging
import os

from exportkit.spiders.config import PROGRESS_LOG_MARKER as LOG_MARKER
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

logger = logging.getLogger("exportkit.progress")


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

    def __init__(self, crawler: Crawler, fd: int | None, interval: float):
        self.crawler = crawler
        # a pipe to the runner's parent, or None: lines into the log (a Scrapyd job)
        self.out = os.fdopen(os.dup(fd), "w", buffering=1, encoding="utf-8") if fd else None
        self.interval = interval
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressReporter:
        """The extension, or ``NotConfigured`` with neither a progress pipe nor
        ``EXPORTKIT_PROGRESS_LOG``."""
        fd = os.environ.get("EXPORTKIT_PROGRESS_FD")
        to_log = crawler.settings.getbool("EXPORTKIT_PROGRESS_LOG")
        if not fd and not to_log:
            raise NotConfigured
        interval = crawler.settings.getfloat("EXPORTKIT_PROGRESS_INTERVAL", 0.5)
        ext = cls(crawler, int(fd) if fd else None, interval)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        if ext.out is None:
            # after every spider_closed handler (the store pipeline records the status there)
            crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def write(self, line: dict) -> None:
        """One event: to the pipe, or as a marked line of the job's log."""
        text = json.dumps(line, default=str)
        if self.out is not None:
            self.out.write(text + "\n")
        else:
            logger.warning("%s%s", LOG_MARKER, text)  # WARNING: shown at the default LOG_LEVEL

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
        self.write(line)

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
        if self.out is not None:
            self.out.flush()

    def engine_stopped(self) -> None:
        """In a Scrapyd job: the ``finished`` event with the run's status, counts and errors."""
        from exportkit.spiders.runner import result_event

        spider = self.crawler.spider
        self.write(result_event(self.crawler, spider.name if spider else "?"))
