"""Helpers for callback unit tests: spiders bound to a test crawler and fake responses."""

from __future__ import annotations

import json
from pathlib import Path

from exportkit.spiders.runner import effective_settings
from scrapy import Request
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.test import get_crawler

FIXTURES = Path(__file__).parent / "fixtures" / "responses"
REAL_HOSTS = {
    "worldbank": "https://api.worldbank.org",
    "comtrade": "https://comtradeapi.un.org",
    "wits_tariffs": "https://wits.worldbank.org",
    "taiwan_customs": "https://service.mof.gov.tw",
    "imf_weo": "https://www.imf.org",
    "market_news": "https://www.trade.gov.tw",
}


def make_spider(cls, settings: dict | None = None, **kwargs):
    """A spider attached to a crawler (stats, settings) without running the reactor."""
    base = effective_settings(settings or {})
    values = {k: v for k, v in base.items()}
    values["TWISTED_REACTOR_ENABLED"] = False  # callbacks only: no reactor in unit tests
    crawler = get_crawler(cls, settings_dict=values)
    return crawler._create_spider(**kwargs)


def fixture(source: str, path_and_query: str) -> bytes:
    index = json.loads((FIXTURES / source / "index.json").read_text(encoding="utf-8"))
    return (FIXTURES / source / index[path_and_query]["file"]).read_bytes()


def fake_response(
    url: str,
    body: bytes,
    cb_kwargs: dict | None = None,
    headers: dict | None = None,
    html: bool = False,
    status: int = 200,
):
    """A response as the spider would receive it for ``url`` (built exactly as it asks)."""
    request = Request(url, cb_kwargs=cb_kwargs or {})
    cls = HtmlResponse if html else TextResponse
    return cls(
        url=url,
        body=body,
        encoding="utf-8",
        request=request,
        headers=headers or {"Date": "Thu, 26 Nov 2026 10:00:00 GMT"},
        status=status,
    )


def run_callback(spider, response, callback=None):
    """Items and follow-up requests the callback yields (with the request's cb_kwargs)."""
    cb = callback or spider.parse
    out = list(cb(response, **response.request.cb_kwargs) or [])
    items = [o for o in out if not isinstance(o, Request)]
    requests = [o for o in out if isinstance(o, Request)]
    return items, requests
