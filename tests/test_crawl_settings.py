"""The crawl's effective settings, the retry middleware, the pipelines and option parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from exportkit.spiders.config import parse_years, rebase_url
from exportkit.spiders.middlewares import retry_after_seconds
from exportkit.spiders.pipelines import (
    Dropped,
    NormalisationPipeline,
    StorePipeline,
    ValidationPipeline,
    problem,
    run_status,
)
from exportkit.spiders.runner import effective_settings
from exportkit.spiders.sources.comtrade import ComtradeSpider
from exportkit.spiders.sources.worldbank import WorldBankSpider
from scrapy.crawler import Crawler
from scrapy.settings import Settings
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

from exportkit import __version__
from exportkit.errors import SourceError, UsageError
from exportkit.ingest.crawl import build_job, parse_source_urls
from exportkit.models import Indicator, MarketNote, Tariff, Text, TradeFlow

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
PROV = {"source": "worldbank", "source_url": "https://api.worldbank.org/v2/x", "retrieved_at": NOW}


def test_effective_project_settings_are_polite():
    s = Settings()
    s.setmodule("exportkit.spiders.settings")
    assert s.get("SPIDER_MODULES") == ["exportkit.spiders.sources"]
    assert s.getbool("ROBOTSTXT_OBEY") is True
    assert s.getbool("AUTOTHROTTLE_ENABLED") is True
    assert s.get("USER_AGENT").startswith(f"exportkit/{__version__} (+https://")
    assert {429, 500, 503} <= {int(c) for c in s.getlist("RETRY_HTTP_CODES")}
    assert s.getint("RETRY_TIMES") >= 2
    assert s.getbool("HTTPCACHE_ENABLED") is True
    assert s.get("HTTPCACHE_DIR").endswith("httpcache")
    assert 429 in [int(c) for c in s.getlist("HTTPCACHE_IGNORE_HTTP_CODES")]
    assert s.getint("CLOSESPIDER_ERRORCOUNT") > 0 and s.getint("EXPORTKIT_MAX_ERRORS") > 0
    assert s.get("TWISTED_REACTOR").endswith("AsyncioSelectorReactor")


def test_effective_crawler_settings_keep_the_extensions_and_middlewares_enabled():
    """Merged with Scrapy's defaults and a spider's politeness: nothing silently disabled."""
    settings = effective_settings({"TWISTED_REACTOR_ENABLED": False})
    crawler = Crawler(WorldBankSpider, settings)  # as the runner builds it: priorities kept
    crawler._apply_settings()
    eff = crawler.settings
    assert (
        eff.getwithbase("EXTENSIONS").get("scrapy.extensions.closespider.CloseSpider") is not None
    )
    assert eff.getwithbase("EXTENSIONS").get("scrapy.extensions.throttle.AutoThrottle") is not None
    mws = eff.getwithbase("DOWNLOADER_MIDDLEWARES")
    assert mws["scrapy.downloadermiddlewares.retry.RetryMiddleware"] is None
    assert mws["exportkit.spiders.middlewares.RetryAfterMiddleware"] == 550
    assert mws["scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"] is not None
    assert mws["scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware"] is not None
    assert eff.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 8  # worldbank's, from politeness.yaml
    assert eff.getfloat("DOWNLOAD_DELAY") == 0.0
    assert eff.getbool("AUTOTHROTTLE_ENABLED") is False  # the cap of 8 is its politeness
    assert eff.getint("CONCURRENT_REQUESTS") == 8  # the cap the engine really enforces
    comtrade = Crawler(ComtradeSpider, settings)
    comtrade._apply_settings()
    assert comtrade.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert comtrade.settings.getfloat("DOWNLOAD_DELAY") >= 1.0
    assert comtrade.settings.getbool("AUTOTHROTTLE_ENABLED") is True


def test_command_line_and_environment_overrides_win_over_a_spiders_politeness(monkeypatch):
    monkeypatch.setenv("EXPORTKIT_SCRAPY_DOWNLOAD_TIMEOUT", "7")
    settings = effective_settings({"DOWNLOAD_DELAY": "0", "TWISTED_REACTOR_ENABLED": False})
    crawler = Crawler(ComtradeSpider, settings)
    crawler._apply_settings()
    assert crawler.settings.getfloat("DOWNLOAD_DELAY") == 0.0
    assert crawler.settings.getint("DOWNLOAD_TIMEOUT") == 7


def test_retry_after_header_forms():
    assert retry_after_seconds(b"120") == 120.0
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    later = format_datetime(NOW + timedelta(seconds=30), usegmt=True)
    assert retry_after_seconds(later, now=NOW) == pytest.approx(30.0)
    assert (
        retry_after_seconds(format_datetime(NOW - timedelta(hours=1), usegmt=True), now=NOW) == 0.0
    )


def test_validation_keeps_missing_values_but_drops_missing_keys():
    assert problem(Indicator("THA", "SP.POP.TOTL", 2023, None, "people", **PROV)) is None
    assert problem(Indicator("", "SP.POP.TOTL", 2023, 1.0, "", **PROV)) == "bad_country"
    assert problem(Indicator("THA", "SP.POP.TOTL", 0, 1.0, "", **PROV)) == "bad_year"
    assert problem(Indicator("THA", "X", 2023, float("nan"), "", **PROV)) == "bad_value"
    flow = dict(
        reporter_iso3="IND", partner_iso3="TWN", hs_code="8471", year=2023, value_usd=1.0, **PROV
    )
    assert problem(TradeFlow(flow="M", **flow)) is None
    assert problem(TradeFlow(flow="RM", **flow)) == "unsupported_flow"
    assert problem(TradeFlow(flow="M", **{**flow, "hs_code": "84713"})) == "bad_hs_code"
    assert (
        problem(Tariff("THA", "WLD", "847130", 2022, "XYZ", 1.0, **PROV))
        == "unsupported_tariff_type"
    )
    note = MarketNote(
        "THA",
        "news",
        Text("標題", "標題"),
        Text("內文", "內文"),
        "market_news",
        "https://x",
        None,
        NOW,
    )
    assert problem(note) is None
    assert (
        problem(MarketNote("THA", "news", Text("標題", ""), Text("內文", "內文"), "m", "https://x"))
        == "no_title"
    )
    assert (
        problem(MarketNote("THA", "news", Text("標題", "標題"), Text("", ""), "m", "https://x"))
        == "no_text"
    )
    assert (
        problem(Indicator("THA", "X", 2023, 1.0, "", source="", source_url="u", retrieved_at=NOW))
        == "no_source"
    )


def test_validation_pipeline_counts_the_reason():
    crawler = get_crawler(settings_dict={"TWISTED_REACTOR_ENABLED": False})
    crawler._apply_settings()
    pipe = ValidationPipeline.from_crawler(crawler)
    with pytest.raises(Dropped):
        pipe.process_item(Indicator("", "X", 2023, 1.0, "", **PROV))
    assert crawler.stats.get_value("exportkit/dropped/bad_country") == 1
    assert crawler.stats.get_value("exportkit/items_dropped") == 1
    normalised = NormalisationPipeline.from_crawler(crawler).process_item(
        TradeFlow("ind", "twn", " 8471 ", 2023, "M", 5, **PROV)
    )
    assert (normalised.reporter_iso3, normalised.partner_iso3, normalised.hs_code) == (
        "IND",
        "TWN",
        "8471",
    )
    assert isinstance(normalised.value_usd, float)


class FakeStore:
    """Stands in for the store to observe batching (the real store is used end to end)."""

    def __init__(self):
        self.batches: list[list] = []
        self.runs: list[tuple] = []
        self.closed = False

    def start_crawl_run(self, source):
        return 7

    def upsert_indicators(self, items):
        self.batches.append(list(items))

    def finish_crawl_run(self, run_id, status, counts, errors):
        self.runs.append((run_id, status, counts, errors))

    def close(self):
        self.closed = True


def test_store_pipeline_batches_and_records_the_run(monkeypatch):
    store = FakeStore()
    monkeypatch.setattr("exportkit.spiders.pipelines.load_object", lambda path: lambda db: store)
    crawler = get_crawler(
        WorldBankSpider,
        settings_dict={"TWISTED_REACTOR_ENABLED": False, "EXPORTKIT_STORE_BATCH": 2},
    )
    crawler._apply_settings()
    crawler.spider = crawler._create_spider()
    pipe = StorePipeline.from_crawler(crawler)
    pipe.open_spider()
    for year in (2021, 2022, 2023):
        pipe.process_item(Indicator("THA", "SP.POP.TOTL", year, 1.0, "", **PROV))
    assert [len(b) for b in store.batches] == [2]  # a full batch is written at once
    crawler.spider.errors.append(SourceError("worldbank", "u", kind="timeout"))
    pipe.close_spider()
    pipe.spider_closed(crawler.spider, "finished")
    assert [len(b) for b in store.batches] == [2, 1]
    ((run_id, status, counts, errors),) = store.runs
    assert (run_id, status, counts["items_stored"], errors) == (7, "partial", 3, ["timeout u"])
    assert store.closed


def test_the_effective_pipeline_chain_normalises_before_it_validates(monkeypatch):
    """A real crawl's chain (the effective ITEM_PIPELINES, in their order): a lower-case
    country and a padded HS code are repaired, not dropped, and reach the store."""
    store = FakeStore()
    store.upsert_trade_flows = store.upsert_indicators
    monkeypatch.setattr("exportkit.spiders.pipelines.load_object", lambda path: lambda db: store)
    settings = effective_settings({"TWISTED_REACTOR_ENABLED": False})
    crawler = Crawler(WorldBankSpider, settings)
    crawler._apply_settings()
    crawler.spider = crawler._create_spider()
    chain = [
        load_object(path).from_crawler(crawler)
        for path in build_component_list(crawler.settings.getwithbase("ITEM_PIPELINES"))
    ]
    assert [type(p).__name__ for p in chain][-1] == "StorePipeline"
    for pipe in chain:
        if hasattr(pipe, "open_spider"):
            pipe.open_spider()
    item = TradeFlow("tha", "twn", " 847130 ", 2023, "M", 5, **PROV)
    for pipe in chain:
        item = pipe.process_item(item)
    chain[-1].close_spider()
    ((stored,),) = store.batches
    assert (stored.reporter_iso3, stored.partner_iso3, stored.hs_code) == ("THA", "TWN", "847130")
    assert crawler.stats.get_value("exportkit/items_dropped") is None


def test_run_status():
    assert run_status("finished", 0, 0) == "ok"
    assert run_status("finished", 2, 10) == "partial"
    assert run_status("finished", 2, 0) == "failed"
    assert run_status("too_many_errors", 20, 10) == "failed"


def test_option_parsing():
    assert parse_years("2015:2017", "x") == (2015, 2016, 2017)
    assert parse_years(None, "2020,2018") == (2018, 2020)
    with pytest.raises(UsageError):
        parse_years("15-17", "x")
    assert rebase_url("https://api.worldbank.org/v2/a;b?x=1&y=2", "http://127.0.0.1:9/") == (
        "http://127.0.0.1:9/v2/a;b?x=1&y=2"
    )
    assert parse_source_urls(["worldbank=http://127.0.0.1:8000/ignored"]) == {
        "worldbank": "http://127.0.0.1:8000"
    }
    with pytest.raises(UsageError):
        parse_source_urls(["nosuch=http://127.0.0.1:1"])
    with pytest.raises(UsageError):
        parse_source_urls(["worldbank=127.0.0.1:1"])
    job = build_job(["worldbank"], countries="泰國,VN", hs="TOTAL", use_cache=False, db="x.duckdb")
    assert job["spider_args"]["worldbank"]["countries"] == "THA,VNM"
    assert job["settings"]["HTTPCACHE_ENABLED"] is False and job["settings"][
        "EXPORTKIT_DB"
    ].endswith("x.duckdb")
    with pytest.raises(UsageError):
        build_job(["nosuch"])
    with pytest.raises(UsageError):
        build_job(countries="ZZZ")


def test_cli_rejects_bad_options_before_crawling(runner):
    from exportkit.cli import main

    result = runner.invoke(main, ["crawl", "worldbank", "--countries", "Atlantis"])
    assert result.exit_code == 2 and "Atlantis" in result.output
    result = runner.invoke(main, ["crawl", "worldbank", "--source-url", "worldbank"])
    assert result.exit_code == 2


def test_retry_after_middleware_waits_or_gives_up():
    import asyncio

    from exportkit.spiders.middlewares import RetryAfterMiddleware
    from scrapy import Request
    from scrapy.http import Response

    crawler = get_crawler(
        WorldBankSpider,
        settings_dict={"TWISTED_REACTOR_ENABLED": False, "RETRY_TIMES": 1, "RETRY_AFTER_MAX": 60},
    )
    crawler._apply_settings()
    crawler.spider = crawler._create_spider()
    mw = RetryAfterMiddleware.from_crawler(crawler)
    request = Request("https://api.worldbank.org/v2/x")

    def answer(status: int, retry_after: str | None = None):
        headers = {"Retry-After": retry_after} if retry_after else {}
        return Response(request.url, status=status, headers=headers, request=request)

    retried = asyncio.run(mw.process_response(request, answer(429, "0")))
    assert isinstance(retried, Request) and retried.meta["retry_times"] == 1
    # a daily quota (Retry-After far beyond RETRY_AFTER_MAX) is handed to the spider, not waited
    quota = answer(429, "86400")
    assert asyncio.run(mw.process_response(request, quota)) is quota
    # retries exhausted: the error answer goes to the spider's errback
    last = answer(503, "0")
    assert asyncio.run(mw.process_response(retried, last)) is last
    ok = answer(200)
    assert asyncio.run(mw.process_response(request, ok)) is ok
