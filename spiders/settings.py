"""Scrapy settings for exportkit's spiders: polite and robust by default.

Load with ``Settings().setmodule("exportkit.spiders.settings")`` (never from the working
directory). Per-source concurrency and delays come from ``data/politeness.yaml`` through each
spider's ``custom_settings``; any setting can be overridden with an environment variable
``EXPORTKIT_SCRAPY_<NAME>`` (applied by ``exportkit.spiders.runner``) or ``exportkit crawl -s``.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from exportkit import __version__

BOT_NAME = "exportkit"
SPIDER_MODULES = ["exportkit.spiders.sources"]
NEWSPIDER_MODULE = "exportkit.spiders.sources"

# An honest User-Agent: who we are, which version, where to read about us.
PROJECT_URL = "https://github.com/exportkit/exportkit"
USER_AGENT = f"exportkit/{__version__} (+{PROJECT_URL})"

ROBOTSTXT_OBEY = True

# Global ceilings; each source narrows them (data/politeness.yaml).
CONCURRENT_REQUESTS = 16
# Items of one response go through the (synchronous) pipelines one after another; Scrapy starts
# one asyncio task per concurrent item slot per response, so 100 (the default) costs CPU for
# nothing here (measured: cached World Bank crawl ~20 % faster with 8).
CONCURRENT_ITEMS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # ±50 % around the delay, so requests do not beat in step
DOWNLOAD_TIMEOUT = 60

AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Retries with back-off; 429 and 503 honour Retry-After (see middlewares.RetryAfterMiddleware).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [408, 429, 500, 502, 503, 504, 522, 524]
RETRY_BACKOFF_BASE = 1.0  # seconds; doubled per attempt when the server gives no Retry-After
RETRY_AFTER_MAX = 120.0  # a Retry-After longer than this (a daily quota) is not waited for
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "exportkit.spiders.middlewares.RetryAfterMiddleware": 550,
}

# A misbehaving spider is closed: after this many errors (failed downloads and error answers)
# the spider stops instead of hammering a broken host. CLOSESPIDER_ERRORCOUNT covers callback
# exceptions; EXPORTKIT_MAX_ERRORS covers errors the spiders record themselves.
CLOSESPIDER_ERRORCOUNT = 20
EXPORTKIT_MAX_ERRORS = 20

# HTTP cache in the user cache folder, so a repeated crawl costs no requests. Transient
# failures (408/429/5xx) are not cached; soft errors found by the spiders (an error body with
# HTTP 200, truncated JSON) are removed from the cache by the spider.
HTTPCACHE_ENABLED = True
HTTPCACHE_DIR = str(
    Path(os.environ.get("EXPORTKIT_CACHE_DIR") or platformdirs.user_cache_dir("exportkit"))
    / "httpcache"
)
HTTPCACHE_EXPIRATION_SECS = 7 * 24 * 3600  # statistics change slowly; refresh weekly
HTTPCACHE_IGNORE_HTTP_CODES = [408, 429, 500, 502, 503, 504, 522, 524]
HTTPCACHE_STORAGE = "scrapy.extensions.httpcache.FilesystemCacheStorage"
HTTPCACHE_POLICY = "scrapy.extensions.httpcache.DummyPolicy"

# Every item passes through each spider middleware's output hook; an API crawl yields thousands
# of items per minute and needs none of these (no link depth, no long URLs, no Referer to send).
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}

# Normalise first: validation checks canonical forms ("THA", "847130"), so a raw "tha" or
# " 847130 " must be repaired before it is judged, not dropped.
ITEM_PIPELINES = {
    "exportkit.spiders.pipelines.NormalisationPipeline": 100,
    "exportkit.spiders.pipelines.ValidationPipeline": 200,
    "exportkit.spiders.pipelines.StorePipeline": 900,
}
ITEM_PROCESSOR = "exportkit.spiders.pipelines.SyncPipelineManager"
LOG_FORMATTER = "exportkit.spiders.pipelines.QuietLogFormatter"
EXPORTKIT_STORE_BATCH = 5000  # items per store transaction (one DuckDB upsert each)
EXPORTKIT_DB = None  # None → exportkit.store.open_store's default ($EXPORTKIT_DB, user data dir)

EXTENSIONS = {
    "exportkit.spiders.extensions.ProgressReporter": 500,
    # Scrapy sends an item_scraped signal per item and runs one asyncio task per receiver;
    # with CoreStats and LogStats listening that was ~40 % of a cached World Bank crawl's CPU
    # (9,000 items, measured here). exportkit counts stored/dropped items in its pipelines and
    # reports progress itself, so neither is needed.
    "scrapy.extensions.corestats.CoreStats": None,
    "scrapy.extensions.logstats.LogStats": None,
}
EXPORTKIT_PROGRESS_INTERVAL = 0.5  # seconds between progress lines to the parent process
# True: progress lines go into the job's log (a Scrapyd job; `exportkit crawl --scrapyd` sets it)
EXPORTKIT_PROGRESS_LOG = False

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "WARNING"
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19 opens a local control port otherwise; not needed
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
