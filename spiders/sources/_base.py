"""What every exportkit spider shares: crawl arguments, URL rebasing, provenance, error records."""

from __future__ import annotations

import email.utils
import json
import logging
import shutil
from datetime import UTC, datetime
from typing import Any

import scrapy
from exportkit.spiders.config import politeness, rebase_url, source_config, split_list
from scrapy.downloadermiddlewares.httpcache import HttpCacheMiddleware
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.error import ConnectionRefusedError, DNSLookupError, TCPTimedOutError
from twisted.internet.error import TimeoutError as TwistedTimeoutError
from twisted.python.failure import Failure

from exportkit.countries import NSB18, resolve
from exportkit.errors import SourceError

logger = logging.getLogger(__name__)

ERROR_DETAIL_MAX = 300  # characters of an error body kept in the crawl-run record


def running_engine(crawler):
    """The crawler's engine, or None outside a running crawl (callback unit tests)."""
    try:
        return crawler.engine if crawler is not None else None
    except RuntimeError:  # Crawler.engine is set only once the crawl starts
        return None


class SourceSpider(scrapy.Spider):
    """Base class: parses the crawl arguments every source understands.

    Arguments (all strings, as ``scrapy crawl -a`` passes them): ``countries`` (ISO3 comma list,
    default the 18 New Southbound countries), ``years`` (``2015:2024``), ``hs`` (HS codes or
    ``TOTAL``), ``indicators`` (source codes), ``source_url`` (a mirror / replay server whose
    scheme and host replace the source's; paths and queries stay the real ones).
    """

    config_name: str | None = None  # data file (spiders/data/<config_name>.yaml)

    def __init__(
        self,
        countries: str | None = None,
        years: str | None = None,
        hs: str | None = None,
        indicators: str | None = None,
        source_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.config = source_config(self.config_name or self.name)
        codes = split_list(countries)
        self.countries: tuple[str, ...] = (
            tuple(dict.fromkeys(resolve(c) for c in codes)) if codes else NSB18
        )
        self.years_spec = years
        self.hs_codes = [c.upper() if c.upper() == "TOTAL" else c for c in split_list(hs)]
        self.indicator_codes = split_list(indicators)
        self.source_url = source_url or None
        self.errors: list[SourceError] = []

    @classmethod
    def update_settings(cls, settings) -> None:
        """The project settings, then this source's politeness at spider priority."""
        super().update_settings(settings)
        # Per-source politeness at "spider" priority: `-s` on the command line still wins.
        settings.setdict(politeness(cls.name), priority="spider")
        # Scrapy 2.19's downloader starts every queued request of a slot in one pass before
        # any is counted as transferring, so CONCURRENT_REQUESTS_PER_DOMAIN alone does not cap
        # a burst (measured: 16 requests in flight with a per-domain limit of 2). One crawl
        # talks to one host, so the global limit, which the engine does enforce, is set to
        # the per-host one.
        per_host = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        if per_host > 0 and settings.getint("CONCURRENT_REQUESTS") > per_host:
            settings.set("CONCURRENT_REQUESTS", per_host, priority="cmdline")

    # -- URLs and provenance -------------------------------------------------------------
    def url(self, path_and_query: str) -> str:
        """The real URL (``base_url`` from the data file), rebased on ``source_url`` if given."""
        return rebase_url(self.config["base_url"].rstrip("/") + path_and_query, self.source_url)

    def request(self, url: str, callback, **kwargs: Any) -> Request:
        """A request whose failures are recorded by :meth:`on_failure`."""
        return Request(url, callback=callback, errback=self.on_failure, **kwargs)

    @staticmethod
    def retrieved_at(response: Response) -> datetime:
        """When the figure was fetched: the response's Date header (kept in the HTTP cache, so
        a cached answer keeps its original date), else now."""
        date = response.headers.get("Date")
        if date:
            try:
                when = email.utils.parsedate_to_datetime(date.decode("latin-1"))
                return when if when.tzinfo else when.replace(tzinfo=UTC)
            except (TypeError, ValueError):
                pass
        return datetime.now(UTC).replace(microsecond=0)

    def provenance(self, response: Response) -> dict[str, Any]:
        """Source, URL and retrieval time of a response, for its items."""
        return {
            "source": self.name,
            "source_url": response.url,
            "retrieved_at": self.retrieved_at(response),
        }

    # -- errors ----------------------------------------------------------------------------
    def record_error(
        self, kind: str, url: str, detail: str = "", status: int | None = None
    ) -> None:
        """Count and keep an error for the crawl-run record; close the spider after too many."""
        error = SourceError(self.name, url, status, detail[:ERROR_DETAIL_MAX], kind=kind)
        self.errors.append(error)
        logger.warning("%s: %s %s %s", self.name, kind, url, error.detail)
        crawler = getattr(self, "crawler", None)
        if crawler is None:
            return
        crawler.stats.inc_value("exportkit/errors")
        crawler.stats.inc_value(f"exportkit/errors/{kind}")
        limit = crawler.settings.getint("EXPORTKIT_MAX_ERRORS", 0)
        if limit and len(self.errors) >= limit:
            self.close_early("too_many_errors")

    def close_early(self, reason: str) -> None:
        """Stop the crawl (a misbehaving host, an exhausted quota); the run records why."""
        engine = running_engine(getattr(self, "crawler", None))
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason=reason))

    def forget_cached(self, response: Response) -> None:
        """Remove a soft-error answer (HTTP 200 with an error body, truncated JSON) from the
        HTTP cache, so the next crawl asks again instead of replaying the failure."""
        engine = running_engine(getattr(self, "crawler", None))
        if engine is None or response.request is None:
            return
        for mw in engine.downloader.middleware.middlewares:
            if isinstance(mw, HttpCacheMiddleware) and hasattr(mw.storage, "_get_request_path"):
                path = mw.storage._get_request_path(self, response.request)
                shutil.rmtree(path, ignore_errors=True)

    def on_failure(self, failure: Failure) -> None:
        """Errback: a download that failed after the retries (HTTP error, timeout, refused)."""
        request = failure.request if hasattr(failure, "request") else None
        url = request.url if request is not None else "?"
        if failure.check(HttpError):
            response = failure.value.response
            body = response.text if hasattr(response, "text") else ""
            kind = "quota" if self.is_quota_answer(response.status, body) else "http_error"
            self.record_error(kind, response.url, body.strip()[:200], status=response.status)
        elif failure.check(DownloadTimeoutError, TwistedTimeoutError, TCPTimedOutError):
            self.record_error("timeout", url, str(failure.value))
        elif failure.check(ResponseDataLossError):
            self.record_error("truncated", url, str(failure.value))
        elif failure.check(
            CannotResolveHostError,
            DownloadConnectionRefusedError,
            DNSLookupError,
            ConnectionRefusedError,
        ):
            self.record_error("connection", url, str(failure.value))
        else:
            self.record_error("download", url, f"{failure.type.__name__}: {failure.value}")

    def is_quota_answer(self, status: int, body: str) -> bool:
        """True when an error answer says the daily quota is used up."""
        return status in (403, 429) and "quota" in body.lower()

    # -- bodies ----------------------------------------------------------------------------
    def load_json(self, response: Response) -> Any | None:
        """The JSON body, or None after recording why it is not usable JSON."""
        body = response.body
        head = body.lstrip()[:1]
        ctype = response.headers.get("Content-Type", b"").decode("latin-1").lower()
        if not body.strip():
            self.record_error("empty_body", response.url, "", status=response.status)
            self.forget_cached(response)
            return None
        if head == b"<" or "html" in ctype:
            text = response.text if hasattr(response, "text") else body.decode("utf-8", "replace")
            self.record_error(
                "not_json", response.url, " ".join(text.split())[:200], status=response.status
            )
            self.forget_cached(response)
            return None
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            self.record_error("invalid_json", response.url, str(exc), status=response.status)
            self.forget_cached(response)
            return None
