"""World Bank spider callbacks on recorded responses (fake TextResponses)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from exportkit.spiders.sources.worldbank import WorldBankSpider
from spider_helpers import REAL_HOSTS, fake_response, fixture, make_spider, run_callback

from exportkit.models import Indicator

HOST = REAL_HOSTS["worldbank"]


def path(code: str, per_page: int = 1000, page: int = 1) -> str:
    return (
        f"/v2/country/THA;VNM/indicator/{code}?format=json&date=2021:2023"
        f"&per_page={per_page}&page={page}"
    )


def spider(**kwargs) -> WorldBankSpider:
    return make_spider(WorldBankSpider, countries="THA,VNM", years="2021:2023", **kwargs)


def start_requests(s) -> list:
    async def collect():
        return [r async for r in s.start()]

    return asyncio.run(collect())


def test_start_requests_use_real_paths_and_one_request_per_indicator():
    s = spider(indicators="NY.GDP.MKTP.CD,SP.POP.TOTL")
    urls = [r.url for r in start_requests(s)]
    assert urls == [HOST + path("NY.GDP.MKTP.CD"), HOST + path("SP.POP.TOTL")]


def test_source_url_replaces_scheme_and_host_only():
    s = spider(indicators="SP.POP.TOTL", source_url="http://127.0.0.1:8123")
    assert start_requests(s)[0].url == "http://127.0.0.1:8123" + path("SP.POP.TOTL")


def test_taiwan_is_not_asked_of_the_wdi():
    s = make_spider(
        WorldBankSpider, countries="TWN,THA", years="2021:2023", indicators="SP.POP.TOTL"
    )
    assert "/country/THA/" in start_requests(s)[0].url


def test_rows_become_indicators_with_provenance_and_nulls_kept_missing():
    s = spider(indicators="SP.POP.TOTL")
    url = HOST + path("SP.POP.TOTL")
    kwargs = {"indicator": "SP.POP.TOTL", "countries": "THA;VNM", "page": 1}
    items, requests = run_callback(
        s, fake_response(url, fixture("worldbank", path("SP.POP.TOTL")), kwargs)
    )
    assert requests == []
    assert len(items) == 6 and all(isinstance(i, Indicator) for i in items)
    first = items[0]
    assert (first.iso3, first.indicator, first.year, first.value) == (
        "THA",
        "SP.POP.TOTL",
        2023,
        71702435.0,
    )
    assert first.unit == "people"  # from the data file, the API's unit is ""
    assert first.source == "worldbank" and first.source_url == url
    assert first.retrieved_at == datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    missing = [i for i in items if i.iso3 == "VNM" and i.year == 2023]
    assert missing[0].value is None  # null stays missing, never 0


def test_error_as_200_is_recorded_not_parsed():
    s = spider(indicators="XX.BAD.CODE")
    url = HOST + path("XX.BAD.CODE")
    kwargs = {"indicator": "XX.BAD.CODE", "countries": "THA;VNM", "page": 1}
    items, requests = run_callback(
        s, fake_response(url, fixture("worldbank", path("XX.BAD.CODE")), kwargs)
    )
    assert items == [] and requests == []
    assert s.errors[0].kind == "api_error"
    assert "120 Invalid value" in s.errors[0].detail
    assert s.crawler.stats.get_value("exportkit/errors") == 1


def test_empty_result_is_not_an_error():
    s = spider(indicators="IC.BUS.EASE.XQ")
    url = HOST + path("IC.BUS.EASE.XQ")
    kwargs = {"indicator": "IC.BUS.EASE.XQ", "countries": "THA;VNM", "page": 1}
    items, _ = run_callback(
        s, fake_response(url, fixture("worldbank", path("IC.BUS.EASE.XQ")), kwargs)
    )
    assert items == [] and s.errors == []
    assert s.crawler.stats.get_value("exportkit/empty_results") == 1


def test_paging_fans_out_from_the_meta_element():
    s = spider(indicators="NE.IMP.GNFS.CD", per_page="4")
    url = HOST + path("NE.IMP.GNFS.CD", 4, 1)
    s.pages_requested[("NE.IMP.GNFS.CD", "THA;VNM")] = 1
    kwargs = {"indicator": "NE.IMP.GNFS.CD", "countries": "THA;VNM", "page": 1}
    items, requests = run_callback(
        s, fake_response(url, fixture("worldbank", path("NE.IMP.GNFS.CD", 4, 1)), kwargs)
    )
    assert len(items) == 4
    assert [r.url for r in requests] == [HOST + path("NE.IMP.GNFS.CD", 4, 2)]
    assert requests[0].cb_kwargs["page"] == 2


def test_total_changing_mid_crawl_rereads_the_series_once_then_records_an_error():
    s = spider(indicators="NE.IMP.GNFS.CD", per_page="4")
    key = ("NE.IMP.GNFS.CD", "THA;VNM")
    s.totals[key] = 6
    s.pages_requested[key] = 2
    body = (  # per_page/pages as strings, as the v1 API wrote them
        b'[{"page":"2","pages":"3","per_page":"4","total":9,"sourceid":"2",'
        b'"lastupdated":"2025-07-01"},[]]'
    )
    kwargs = {"indicator": "NE.IMP.GNFS.CD", "countries": "THA;VNM", "page": 2}
    url = HOST + path("NE.IMP.GNFS.CD", 4, 2)
    _, requests = run_callback(s, fake_response(url, body, kwargs))
    assert [r.cb_kwargs["page"] for r in requests] == [1, 2, 3]
    assert all(r.dont_filter and r.meta.get("dont_cache") for r in requests)
    assert s.errors == []
    changed_again = body.replace(b'"total":9', b'"total":10')
    run_callback(s, fake_response(url, changed_again, kwargs))
    assert s.errors[0].kind == "page_count_changed"


def test_html_and_truncated_bodies_are_errors_not_crashes():
    s = spider(indicators="SP.POP.TOTL")
    url = HOST + path("SP.POP.TOTL")
    kwargs = {"indicator": "SP.POP.TOTL", "countries": "THA;VNM", "page": 1}
    html = b"<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>"
    run_callback(s, fake_response(url, html, kwargs))
    truncated = fixture("worldbank", path("SP.POP.TOTL"))[:300]
    run_callback(s, fake_response(url, truncated, kwargs))
    assert [e.kind for e in s.errors] == ["not_json", "invalid_json"]
    assert "Service Unavailable" in s.errors[0].detail
