"""Downloader middleware: retries with back-off that honour ``Retry-After`` (429/503)."""

from __future__ import annotations

import asyncio
import email.utils
import logging
from datetime import UTC, datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings
from scrapy.utils.response import response_status_message

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retry middleware plus waiting: ``Retry-After`` when the server gives one,
    otherwise ``RETRY_BACKOFF_BASE × 2^attempt`` seconds.

    A ``Retry-After`` longer than ``RETRY_AFTER_MAX`` (a daily quota, typically) is not waited
    for: the response goes to the spider, which records the error instead of sleeping for hours.
    """

    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 120.0)

    def _backoff(self, request: Request) -> float:
        return self.backoff_base * (2 ** request.meta.get("retry_times", 0))

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        """Retry a retryable answer after its Retry-After (or a back-off)."""
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        delay = retry_after_seconds(response.headers.get("Retry-After"))
        if delay is not None and delay > self.retry_after_max:
            logger.warning("%s asks to wait %.0f s (Retry-After); not retrying", request.url, delay)
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        wait = delay if delay is not None else self._backoff(request)
        if wait > 0:
            self.crawler.stats.inc_value("exportkit/retry_wait_s", wait)
            await asyncio.sleep(wait)
        return retry

    async def process_exception(
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        """Retry a failed download with back-off, like a retryable answer."""
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry"):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        wait = self._backoff(request)
        if wait > 0:
            await asyncio.sleep(wait)
        return retry
