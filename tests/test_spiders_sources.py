"""Callback unit tests for the Comtrade, WITS, Taiwan customs, IMF and news spiders, on the
recorded responses (fake Scrapy responses, no network, no reactor)."""

from __future__ import annotations

import asyncio

import pytest
from exportkit.spiders.sources.comtrade import ComtradeSpider
from exportkit.spiders.sources.imf_weo import ImfWeoSpider
from exportkit.spiders.sources.market_news import MarketNewsSpider, country_of, parse_date
from exportkit.spiders.sources.taiwan_customs import TaiwanCustomsSpider, decode_csv
from exportkit.spiders.sources.wits_tariffs import WitsTariffsSpider
from spider_helpers import FIXTURES, REAL_HOSTS, fake_response, fixture, make_spider, run_callback

from exportkit.models import MarketNote, Tariff, TradeFlow

PREVIEW_IND = (
    "/public/v1/preview/C/A/HS?reporterCode=699&period=2022,2023&partnerCode=0,490"
    "&cmdCode=8471,847130,TOTAL&flowCode=M&includeDesc=True"
)
TRN = "/API/V1/SDMX/V21/datasource/trn/reporter/{r}/partner/000/product/847130/year/{y}/datatype/reported"


def starts(spider) -> list:
    async def collect():
        return [r async for r in spider.start()]

    return asyncio.run(collect())


# -- Comtrade ------------------------------------------------------------------------------
def comtrade(monkeypatch, key: str | None = None) -> ComtradeSpider:
    if key:
        monkeypatch.setenv("COMTRADE_API_KEY", key)
    else:
        monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    return make_spider(
        ComtradeSpider, countries="THA,IND,TWN", years="2022:2023", hs="TOTAL,8471,847130,8471"
    )


def test_comtrade_preview_queries_use_comtrade_codes_and_are_deduplicated(monkeypatch):
    requests = starts(comtrade(monkeypatch))
    assert [r.url for r in requests] == [
        REAL_HOSTS["comtrade"] + PREVIEW_IND,
        REAL_HOSTS["comtrade"] + PREVIEW_IND.replace("reporterCode=699", "reporterCode=764"),
    ]  # India is 699; Taiwan is no reporter; the duplicate 8471 is asked once
    assert all("Ocp-Apim-Subscription-Key" not in r.headers for r in requests)


def test_comtrade_key_uses_the_data_endpoint_and_keeps_the_key_out_of_the_url(monkeypatch):
    requests = starts(comtrade(monkeypatch, key="secret-key"))
    assert requests[0].url.startswith(
        REAL_HOSTS["comtrade"] + "/data/v1/get/C/A/HS?reporterCode=699"
    )
    assert "secret" not in requests[0].url
    assert requests[0].headers["Ocp-Apim-Subscription-Key"] == b"secret-key"


def test_comtrade_preview_slices_stay_under_the_500_record_cap(monkeypatch):
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    codes = ",".join(f"{c:02d}" for c in range(1, 98))
    spider = make_spider(ComtradeSpider, countries="THA", years="2014:2023", hs=codes)
    slices = list(spider.queries())
    assert all(len(q.years) * len(q.partners) * len(q.cmds) <= 500 for q in slices)
    assert sum(len(q.cmds) for q in slices) == 97


def test_comtrade_asks_a_re_export_hub_for_its_re_exports_too(monkeypatch):
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    spider = make_spider(ComtradeSpider, countries="SGP,THA", years="2022:2023", hs="TOTAL,8471")
    urls = [r.url for r in starts(spider)]
    hub = REAL_HOSTS["comtrade"] + (
        "/public/v1/preview/C/A/HS?reporterCode=702&period=2022,2023&partnerCode={p}"
        "&cmdCode=8471,TOTAL&flowCode={f}&includeDesc=True"
    )
    assert hub.format(p="0,490", f="M") in urls and hub.format(p="0", f="RX") in urls
    assert [u for u in urls if "flowCode=RX" in u] == [hub.format(p="0", f="RX")]  # hubs only


def test_comtrade_records_map_codes_and_keep_everything_returned(monkeypatch):
    spider = comtrade(monkeypatch)
    url = REAL_HOSTS["comtrade"] + PREVIEW_IND
    items, _ = run_callback(spider, fake_response(url, fixture("comtrade", PREVIEW_IND)))
    assert len(items) == 14 and all(isinstance(i, TradeFlow) for i in items)
    tw = [i for i in items if i.partner_iso3 == "TWN" and i.hs_code == "TOTAL" and i.year == 2022][
        0
    ]
    assert (tw.reporter_iso3, tw.flow, tw.value_usd, tw.hs_revision) == (
        "IND",
        "M",
        8246135432.0,
        "H6",
    )
    assert tw.source == "comtrade" and tw.source_url == url
    assert {i.partner_iso3 for i in items} == {"WLD", "TWN", "CHN"}  # more than asked: kept
    assert any(i.flow == "RM" for i in items)  # left to validation (dropped and counted there)
    laptops = [i for i in items if i.hs_code == "847130" and i.partner_iso3 == "WLD"][0]
    assert laptops.quantity_unit == "kg" and laptops.quantity is not None


def test_comtrade_error_field_and_full_preview_are_recorded(monkeypatch):
    spider = comtrade(monkeypatch)
    url = REAL_HOSTS["comtrade"] + PREVIEW_IND
    body = b'{"elapsedTime":"0.01 secs","count":0,"data":[],"error":"Invalid reporterCode"}'
    items, _ = run_callback(spider, fake_response(url, body))
    assert items == [] and spider.errors[0].kind == "api_error"
    empty = b'{"elapsedTime":"0.02 secs","count":0,"data":[],"error":""}'
    items, _ = run_callback(spider, fake_response(url, empty))
    assert items == [] and len(spider.errors) == 1  # an empty result is not an error


# -- WITS ----------------------------------------------------------------------------------
def test_wits_requests_use_iso_numeric_codes_and_only_hs6():
    spider = make_spider(
        WitsTariffsSpider, countries="THA,IND", years="2022", hs="TOTAL,8471,847130"
    )
    assert [r.url for r in starts(spider)] == [
        REAL_HOSTS["wits_tariffs"] + TRN.format(r="764", y=2022),
        REAL_HOSTS["wits_tariffs"] + TRN.format(r="356", y=2022),  # ISO numeric, not 699
    ]
    json_spider = make_spider(
        WitsTariffsSpider, countries="THA", years="2022", hs="847130", format="json"
    )
    assert starts(json_spider)[0].url.endswith("/datatype/reported?format=JSON")


def test_wits_sdmx_ml_generic_data():
    spider = make_spider(WitsTariffsSpider, countries="IND", years="2022")
    path = TRN.format(r="356", y=2022)
    url = REAL_HOSTS["wits_tariffs"] + path
    items, _ = run_callback(spider, fake_response(url, fixture("wits_tariffs", path)))
    assert [
        (t.reporter_iso3, t.partner_iso3, t.hs_code, t.year, t.tariff_type, t.rate, t.nomenclature)
        for t in items
    ] == [
        ("IND", "WLD", "847130", 2022, "MFN", 20.0, "H6"),
        ("IND", "WLD", "847130", 2022, "AHS", 10.5, "H6"),
    ]
    assert all(isinstance(t, Tariff) and t.source_url == url for t in items)


def test_wits_no_records_is_an_empty_result():
    spider = make_spider(WitsTariffsSpider, countries="IND", years="2023")
    path = TRN.format(r="356", y=2023)
    items, _ = run_callback(
        spider, fake_response(REAL_HOSTS["wits_tariffs"] + path, fixture("wits_tariffs", path))
    )
    assert items == [] and spider.errors == []
    assert spider.crawler.stats.get_value("exportkit/empty_results") == 1


def test_wits_sdmx_json_series_keys_are_decoded_by_key_position():
    spider = make_spider(WitsTariffsSpider, countries="THA", years="2022", format="json")
    json_body = (FIXTURES / "wits_tariffs" / "trn_764_2022.json").read_bytes()
    url = REAL_HOSTS["wits_tariffs"] + TRN.format(r="764", y=2022) + "?format=JSON"
    items, _ = run_callback(spider, fake_response(url, json_body))
    got = sorted(
        (t.reporter_iso3, t.partner_iso3, t.hs_code, t.year, t.tariff_type, t.rate) for t in items
    )
    # dimensions are listed FREQ, REPORTER, PARTNER, PRODUCTCODE, DATATYPE but keyed by position
    assert got == [
        ("THA", "WLD", "847110", 2022, "MFN", 10.0),
        ("THA", "WLD", "847130", 2022, "AHS", 5.0),
    ]


def test_wits_html_answer_is_an_error():
    spider = make_spider(WitsTariffsSpider, countries="THA", years="2022")
    url = REAL_HOSTS["wits_tariffs"] + TRN.format(r="764", y=2022)
    html = b"<html><head><title>Error</title></head><body>Server Error</body></html>"
    items, _ = run_callback(spider, fake_response(url, html, html=True))
    assert items == [] and spider.errors[0].kind == "not_xml"


# -- Taiwan customs --------------------------------------------------------------------------
def test_customs_big5_file_annual_rows_in_us_dollars():
    spider = make_spider(TaiwanCustomsSpider)
    path = "/public/data/statistic/trade/u2010ex.csv"
    body = fixture("taiwan_customs", path)
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")  # really Big5
    url = REAL_HOSTS["taiwan_customs"] + path
    items, _ = run_callback(spider, fake_response(url, body, cb_kwargs={"flow": "X"}))
    assert len(items) == 3 * 14  # 3 annual rows × 14 columns that name a country (or 總計)
    tha = {i.year: i.value_usd for i in items if i.partner_iso3 == "THA"}
    assert tha == {2023: 9_123_456_000.0, 2022: 10_234_567_000.0, 2021: 8_901_234_000.0}
    assert {i.partner_iso3 for i in items} >= {"WLD", "CHN", "HKG", "AUS", "NZL", "VNM", "IND"}
    assert all(i.reporter_iso3 == "TWN" and i.flow == "X" and i.hs_code == "TOTAL" for i in items)
    assert spider.crawler.stats.get_value("exportkit/taiwan_customs/month_rows_skipped") == 1


def test_customs_utf8_with_bom_and_roc_periods():
    spider = make_spider(TaiwanCustomsSpider)
    text = '\ufeff年月,總計,泰國,越南\r\n112年,"1,000.5",(D),－\r\n112年 1月,1,2,3\r\n'
    assert decode_csv(text.encode("utf-8"))[1] == "utf-8-sig"
    url = REAL_HOSTS["taiwan_customs"] + "/public/data/statistic/trade/u2010im.csv"
    items, _ = run_callback(
        spider, fake_response(url, text.encode("utf-8"), cb_kwargs={"flow": "M"})
    )
    assert [(i.partner_iso3, i.year, i.value_usd) for i in items] == [
        ("WLD", 2023, 1_000_500.0),
        ("THA", 2023, None),  # (D) confidential: missing
        ("VNM", 2023, None),  # － none: missing
    ]


# -- IMF DataMapper --------------------------------------------------------------------------
def test_imf_values_and_the_empty_answer():
    spider = make_spider(ImfWeoSpider, countries="THA,IND", years="2022:2023")
    urls = [r.url for r in starts(spider)]
    assert (
        urls[0]
        == REAL_HOSTS["imf_weo"] + "/external/datamapper/api/v1/NGDP_RPCH/THA/IND?periods=2022,2023"
    )
    path = "/external/datamapper/api/v1/NGDP_RPCH/THA/IND?periods=2022,2023"
    items, _ = run_callback(
        spider,
        fake_response(
            REAL_HOSTS["imf_weo"] + path, fixture("imf_weo", path), {"indicator": "NGDP_RPCH"}
        ),
    )
    assert sorted((i.iso3, i.year, i.value, i.unit) for i in items) == [
        ("IND", 2022, 7.0, "%"),
        ("IND", 2023, 8.2, "%"),
        ("THA", 2022, 2.5, "%"),
        ("THA", 2023, 1.9, "%"),
    ]
    empty = "/external/datamapper/api/v1/PCPIPCH/THA/IND?periods=2022,2023"
    items, _ = run_callback(
        spider,
        fake_response(
            REAL_HOSTS["imf_weo"] + empty, fixture("imf_weo", empty), {"indicator": "PCPIPCH"}
        ),
    )
    assert items == [] and spider.errors == []


# -- market news ----------------------------------------------------------------------------
def test_news_list_page_with_selectors_and_next_page():
    spider = make_spider(MarketNewsSpider)
    path = "/Pages/List.aspx?nodeID=45"
    url = REAL_HOSTS["market_news"] + path
    items, requests = run_callback(
        spider, fake_response(url, fixture("market_news", path), {"page": 1}, html=True)
    )
    assert all(isinstance(n, MarketNote) for n in items)
    assert [(n.iso3, str(n.published)) for n in items] == [
        ("VNM", "2026-08-28"),  # ROC date 115-08-28
        ("THA", "2026-08-25"),
        ("", "2026-08-20"),  # no country named: validation drops it
    ]
    assert items[0].title.zh_TW == "越南電子零組件進口需求持續成長"
    assert items[0].source_url == REAL_HOSTS["market_news"] + "/News.aspx?nodeID=45&pid=801234"
    assert [r.url for r in requests] == [
        REAL_HOSTS["market_news"] + "/Pages/List.aspx?nodeID=45&page=2"
    ]


def test_news_helpers():
    assert parse_date("115/08/15") is not None and parse_date("115/08/15").year == 2026
    assert parse_date("no date") is None
    assert country_of("亞太地區/印尼/駐印尼代表處經濟組", "") == "IDN"
    assert country_of("總部", "澳大利亞再生能源政策") == "AUS"


@pytest.mark.parametrize(
    "cls",
    [ComtradeSpider, ImfWeoSpider, MarketNewsSpider, TaiwanCustomsSpider, WitsTariffsSpider],
)
def test_defaults_from_the_data_files_ask_the_real_hosts(cls, monkeypatch):
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    spider = make_spider(cls)
    requests = starts(spider)
    assert requests and all(r.url.startswith(REAL_HOSTS[spider.name] + "/") for r in requests)
    assert all(r.errback is not None for r in requests)  # failures are recorded, not lost
