"""End-to-end crawls (a child process, as `exportkit crawl` runs them) against the local replay
server, with injected faults. Each test asserts what was stored, what was dropped and the run's
status. Only 127.0.0.1 is contacted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from replay_server import LoggedRequest, ReplayServer

from exportkit.errors import SourceError
from exportkit.ingest.crawl import run_crawl
from exportkit.markets import market_profile
from exportkit.store import open_store

pytestmark = pytest.mark.slow

FAST = [
    "AUTOTHROTTLE_ENABLED=False",
    "DOWNLOAD_DELAY=0",
    "DOWNLOAD_DELAY_JITTER=0",
    "RETRY_BACKOFF_BASE=0",
]
WB_PATH = (
    "/v2/country/THA;VNM/indicator/{code}?format=json&date=2021:2023&per_page={pp}&page={page}"
)
GDP, POP, IMP = "NY.GDP.MKTP.CD", "SP.POP.TOTL", "NE.IMP.GNFS.CD"


def wb(code: str, pp: int = 1000, page: int = 1) -> str:
    return WB_PATH.format(code=code, pp=pp, page=page)


@pytest.fixture(scope="module")
def server():
    with ReplayServer(
        ["worldbank", "comtrade", "wits_tariffs", "taiwan_customs", "imf_weo", "market_news"]
    ) as s:
        yield s


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Each crawl gets its own HTTP cache and database."""
    monkeypatch.setenv("EXPORTKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    return tmp_path


def crawl_wb(server, db: Path, indicators: str, settings=(), **kwargs):
    return run_crawl(
        ["worldbank"],
        countries="THA,VNM",
        years="2021:2023",
        indicators=indicators,
        db=db,
        source_urls=[f"worldbank={server.url}"],
        settings=[*FAST, *settings],
        **kwargs,
    )


def stored(db: Path, sql: str, params=()) -> list[tuple]:
    with open_store(db) as store:
        return store.con.execute(sql, list(params)).fetchall()


def last_run(db: Path, source: str) -> dict:
    with open_store(db) as store:
        return store.crawl_runs(source).iloc[0].to_dict()


def test_requests_since_a_mark_are_those_of_the_path_after_it():
    """The log position is an index into the whole log, not into one path's requests."""
    s = ReplayServer()
    s.log += [LoggedRequest("GET", p, 200, "") for p in ("/a", "/b", "/b", "/a")]
    mark = s.mark()
    s.log.append(LoggedRequest("GET", "/a", 200, ""))
    assert len(s.requests_for("/a", since=mark)) == 1
    assert s.requests_for("/b", since=mark) == []
    assert len(s.requests_for("/a")) == 3


def test_cli_crawl_end_to_end_then_cached_rerun(server, env):
    db = env / "market.duckdb"
    cmd = [
        sys.executable,
        "-m",
        "exportkit",
        "crawl",
        "worldbank",
        "--countries",
        "THA,VNM",
        "--years",
        "2021:2023",
        "--indicators",
        f"{GDP},{POP},IC.BUS.EASE.XQ",
        "--source-url",
        f"worldbank={server.url}",
        "--db",
        str(db),
        *[a for s in FAST for a in ("-s", s)],
    ]
    before = len(server.log)
    done = subprocess.run(cmd, capture_output=True, text=True, env=os.environ, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "worldbank: ok" in done.stdout and "12 stored" in done.stdout
    requests = server.log[before:]
    assert {r.path for r in requests} >= {wb(GDP), wb(POP), wb("IC.BUS.EASE.XQ"), "/robots.txt"}
    assert all(r.user_agent.startswith("exportkit/") and "(+" in r.user_agent for r in requests)

    rows = stored(
        db,
        "SELECT iso3, indicator, year, value, source_url, retrieved_at FROM indicators "
        "WHERE source = 'worldbank' ORDER BY iso3, indicator, year",
    )
    # 12 stored; the empty series stored nothing and is not an error, and VNM's 2023 null did
    # not erase the snapshot's verified population for that year
    assert len(rows) == 11
    assert rows[0][:4] == ("THA", GDP, 2021, 506256299257.04)
    assert all(r[4] == server.url + wb(r[1]) and r[5] is not None for r in rows)
    assert ("VNM", POP, 2023) not in [r[:3] for r in rows]  # null kept missing, not 0
    assert stored(
        db,
        f"SELECT value, source FROM indicators WHERE iso3='VNM' AND indicator='{POP}' AND year=2023",
    ) == [(100352192.0, "World Bank WDI (public copy)")]
    # the crawl's 2023 GDP replaced the snapshot's figure for that year (same key, retrieved
    # later); the snapshot's own newer years (its WDI release runs to 2025) stay
    assert stored(
        db,
        f"SELECT source FROM indicators WHERE iso3='THA' AND indicator='{GDP}' AND year=2023",
    ) == [("worldbank",)]
    assert stored(
        db, f"SELECT max(year) FROM indicators WHERE iso3='THA' AND indicator='{GDP}'"
    ) == [(2025,)]
    run = last_run(db, "worldbank")
    assert run["status"] == "ok" and '"items_stored": 12' in run["counts"]

    # `exportkit markets` reads the crawled figures when they are the newest year: drop the
    # snapshot's 2024-2025 GDP for THA (as with a release ending in 2023), and the profile's
    # provenance names the crawl's request.
    with open_store(db) as store:
        store.con.execute(
            f"DELETE FROM indicators WHERE iso3='THA' AND indicator='{GDP}' AND year > 2023"
        ).fetchall()
        gdp = market_profile(store, "THA", markets="THA,VNM").indicators[GDP]
    assert (gdp.source, gdp.year, gdp.value) == ("worldbank", 2023, 514968699239.38)
    assert gdp.source_url == server.url + wb(GDP)
    ranked = subprocess.run(
        [
            sys.executable,
            "-m",
            "exportkit",
            "markets",
            "--markets",
            "THA,VNM",
            "--format",
            "json",
            "--db",
            str(db),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ranked.returncode == 0, ranked.stderr
    tha = next(m for m in json.loads(ranked.stdout) if m["iso3"] == "THA")
    shown = next(s for s in tha["sources"] if s["indicator"] == GDP)
    assert (shown["source"], shown["value"]) == ("worldbank", 514968699239.38)
    assert shown["source_url"] == server.url + wb(GDP)  # provenance shows the crawl

    # A repeated crawl is answered from the HTTP cache: no request reaches the server,
    # and upserts create no duplicates.
    before = len(server.log)
    again = subprocess.run(cmd, capture_output=True, text=True, env=os.environ, timeout=60)
    assert again.returncode == 0, again.stderr
    assert server.log[before:] == []
    assert "(4 from cache)" in again.stdout
    assert stored(db, "SELECT count(*) FROM indicators WHERE source = 'worldbank'") == [(11,)]
    assert stored(db, "SELECT count(*) FROM crawl_runs WHERE source = 'worldbank'") == [(2,)]


def test_429_with_retry_after_and_500_then_success(server, env):
    db = env / "market.duckdb"
    rate_limited = (
        b'{ "statusCode": 429, "message": "Rate limit is exceeded. Try again in 1 seconds." }'
    )
    server.fault(wb(GDP), status=429, headers={"Retry-After": "1"}, body=rate_limited)
    server.fault(wb(POP), status=500, body=b"Internal Server Error", content_type="text/plain")
    events: list[dict] = []
    result = crawl_wb(server, db, f"{GDP},{POP}", progress=events.append)
    assert result.ok, result.sources[0].errors
    # live progress reached the parent: started, (progress …), finished with the counts
    assert events[0]["event"] == "started" and events[-1]["event"] == "finished"
    assert any(e["event"] == "progress" and e["items"] == 12 for e in events)
    assert [r.status for r in server.requests_for(wb(GDP))][-2:] == [429, 200]
    assert [r.status for r in server.requests_for(wb(POP))][-2:] == [500, 200]
    assert stored(db, "SELECT count(*) FROM indicators WHERE source = 'worldbank'") == [(11,)]
    assert last_run(db, "worldbank")["status"] == "ok"


def test_500s_exhausting_retries_and_a_timeout_make_a_partial_run(server, env):
    db = env / "market.duckdb"
    server.fault(wb(GDP), times=2, status=500, body=b"<html>Internal error</html>")
    server.fault(wb(POP), times=2, delay=2.5)  # stalls longer than DOWNLOAD_TIMEOUT
    result = crawl_wb(
        server, db, f"{GDP},{POP},{IMP}", settings=["RETRY_TIMES=1", "DOWNLOAD_TIMEOUT=1"]
    )
    (source,) = result.sources
    assert source.status == "partial" and not result.ok
    kinds = {(e.kind, e.status) for e in source.errors}
    assert kinds == {("http_error", 500), ("timeout", None)}
    assert len(server.requests_for(wb(GDP))) >= 2  # retried once, then gave up
    rows = stored(db, "SELECT DISTINCT indicator FROM indicators WHERE source = 'worldbank'")
    assert rows == [(IMP,)]
    assert source.counts["items_stored"] == 6 and source.counts["items_dropped"] == 0
    run = last_run(db, "worldbank")
    assert run["status"] == "partial" and "timeout" in run["errors"]


def test_soft_errors_are_recorded_and_not_cached(server, env):
    db = env / "market.duckdb"
    body = (
        Path(__file__).parent / "fixtures/responses/worldbank/NY.GDP.MKTP.CD_p1.json"
    ).read_bytes()
    server.fault(wb(GDP), body=body[: len(body) // 2])  # truncated JSON, consistent length
    server.fault(
        wb(POP),
        body=b"<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>",
        content_type="text/html",
    )
    server.fault(wb(IMP), truncate=100)  # connection closed mid-body: retried by Scrapy
    result = crawl_wb(server, db, f"{GDP},{POP},{IMP},XX.BAD.CODE")
    (source,) = result.sources
    assert source.status == "partial"
    assert sorted(e.kind for e in source.errors) == ["api_error", "invalid_json", "not_json"]
    assert all(isinstance(e, SourceError) and e.source == "worldbank" for e in source.errors)
    assert stored(db, "SELECT DISTINCT indicator FROM indicators WHERE source='worldbank'") == [
        (IMP,)
    ]

    # The next crawl asks again for what failed (soft errors were not cached) and the
    # good answer comes from the cache.
    before = len(server.log)
    result = crawl_wb(server, db, f"{GDP},{POP},{IMP},XX.BAD.CODE")
    asked = {r.path for r in server.log[before:]}
    assert wb(GDP) in asked and wb(POP) in asked and wb("XX.BAD.CODE") in asked
    assert wb(IMP) not in asked
    assert [e.kind for e in result.sources[0].errors] == ["api_error"]
    assert stored(db, "SELECT count(*) FROM indicators WHERE source='worldbank'") == [
        (17,)
    ]  # VNM's 2023 null kept the snapshot value


def test_page_count_that_grows_mid_crawl_is_followed(server, env):
    db = env / "market.duckdb"
    old_first_page = (
        Path(__file__).parent / "fixtures/responses/worldbank/cpi_old_p1.json"
    ).read_bytes()
    cpi = "FP.CPI.TOTL.ZG"
    server.fault(wb(cpi, 4, 1), body=old_first_page)  # page 1 answered before the series grew
    before = len(server.log)
    result = crawl_wb(server, db, f"{IMP},{cpi}", settings=["WORLDBANK_PER_PAGE=4"])
    assert result.ok, result.sources[0].errors
    asked = [r.path for r in server.log[before:] if cpi in r.path]
    # page 2 reported 3 pages: the series was read again from page 1, fresh, up to page 3
    assert sorted(asked) == sorted(
        [wb(cpi, 4, 1), wb(cpi, 4, 2), wb(cpi, 4, 1), wb(cpi, 4, 2), wb(cpi, 4, 3)]
    )
    counts = dict(
        stored(
            db,
            "SELECT indicator, count(*) FROM indicators WHERE source='worldbank' GROUP BY 1",
        )
    )
    assert counts == {IMP: 6, "FP.CPI.TOTL.ZG": 9}


def test_the_per_host_concurrency_cap_holds_at_the_server(server, env):
    db = env / "market.duckdb"
    codes = [GDP, POP, IMP, "FP.CPI.TOTL.ZG"]
    for code in codes:
        server.fault(wb(code), delay=0.3)  # slow answers: a burst would pile up
    server.max_in_flight = 0
    result = crawl_wb(server, db, ",".join(codes), settings=["CONCURRENT_REQUESTS_PER_DOMAIN=2"])
    assert result.ok, result.sources[0].errors
    assert server.max_in_flight == 2  # never more than the configured cap in flight
    assert result.sources[0].counts["items_stored"] == 24


def test_a_crawl_killed_midway_leaves_a_consistent_resumable_database(server, env):
    db = env / "market.duckdb"
    server.fault(wb(POP), delay=30)  # stalls: the crawl is killed while waiting for it
    cmd = [
        sys.executable, "-m", "exportkit", "crawl", "worldbank", "--countries", "THA,VNM",
        "--years", "2021:2023", "--indicators", f"{GDP},{POP}", "--db", str(db),
        "--source-url", f"worldbank={server.url}", *[a for x in FAST for a in ("-s", x)],
    ]  # fmt: skip
    before = server.mark()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # generous: on a loaded machine the two interpreters take long to start
        deadline = time.monotonic() + 120
        while not server.requests_for(wb(POP), since=before) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert server.requests_for(wb(POP), since=before), "killed before it asked for the page"
    finally:
        # killed in every case, so a failure here never leaves a crawl hitting the server
        killed = psutil_children(child.pid)
        for proc in killed:
            os.kill(proc, signal.SIGKILL)  # the crawl child, mid-crawl
        child.kill()
        child.wait(timeout=30)
    _wait_gone(killed)  # SIGKILL is asynchronous: the database lock goes when the process does
    runs = stored(db, "SELECT source, status FROM crawl_runs WHERE source = 'worldbank'")
    assert runs == [("worldbank", "running")]  # the interrupted run is visible as such
    server.faults.clear()
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stdout + again.stderr
    assert stored(db, "SELECT count(*) FROM indicators WHERE source = 'worldbank'") == [(11,)]


def _wait_gone(pids: list[int], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    for pid in pids:
        status = Path(f"/proc/{pid}/status")
        while time.monotonic() < deadline:
            try:
                if "State:\tZ" in status.read_text():
                    break
            except OSError:
                break
            time.sleep(0.05)


def psutil_children(pid: int) -> list[int]:
    """Child process ids of ``pid`` (Linux /proc), to kill the crawl process itself."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


def test_other_sources_store_what_the_source_says(server, env):
    db = env / "market.duckdb"
    preview_tha = (
        "/public/v1/preview/C/A/HS?reporterCode=764&period=2022,2023&partnerCode=0,490"
        "&cmdCode=8471,847130,TOTAL&flowCode=M&includeDesc=True"
    )
    server.fault(
        preview_tha,
        status=429,
        headers={"Retry-After": "1"},
        body=(Path(__file__).parent / "fixtures/responses/comtrade/rate_limited.json").read_bytes(),
    )
    sources = ["comtrade", "wits_tariffs", "taiwan_customs", "imf_weo", "market_news"]
    result = run_crawl(
        sources,
        countries="THA,IND",
        years="2022:2023",
        hs="TOTAL,8471,847130",
        db=db,
        source_urls=[f"{s}={server.url}" for s in sources],
        settings=FAST,
    )
    by = {r.source: r for r in result.sources}
    assert {s: r.status for s, r in by.items()} == dict.fromkeys(sources, "ok"), {
        s: r.errors for s, r in by.items()
    }

    # Comtrade: India is 699, Taiwan is partner 490, extra partners kept, re-imports dropped.
    assert by["comtrade"].counts["items_stored"] == 26
    assert by["comtrade"].counts["dropped_unsupported_flow"] == 2
    flows = stored(
        db,
        "SELECT reporter_iso3, partner_iso3, hs_code, year, value_usd FROM trade_flows "
        "WHERE source='comtrade' AND reporter_iso3='IND' AND partner_iso3='TWN' AND hs_code='TOTAL' "
        "ORDER BY year",
    )
    assert flows == [
        ("IND", "TWN", "TOTAL", 2022, 8246135432.0),
        ("IND", "TWN", "TOTAL", 2023, 7218806254.0),
    ]
    assert stored(
        db, "SELECT count(*) FROM trade_flows WHERE source='comtrade' AND partner_iso3='CHN'"
    ) == [(2,)]
    assert [r.status for r in server.requests_for(preview_tha)][-2:] == [429, 200]

    # WITS (SDMX-ML): MFN and applied rates; the "No Records Found" year is empty, not an error.
    tariffs = stored(
        db,
        "SELECT reporter_iso3, partner_iso3, hs_code, year, tariff_type, rate, nomenclature "
        "FROM tariffs WHERE source='wits_tariffs' ORDER BY 1, 5",
    )
    assert tariffs == [
        ("IND", "WLD", "847130", 2022, "AHS", 10.5, "H6"),
        ("IND", "WLD", "847130", 2022, "MFN", 20.0, "H6"),
        ("THA", "WLD", "847130", 2022, "AHS", 0.0, "H6"),
        ("THA", "WLD", "847130", 2022, "MFN", 0.0, "H6"),
    ]

    # Taiwan customs: the Big5 export file and the UTF-8 import file, US$ thousands → US$.
    assert stored(
        db,
        "SELECT value_usd FROM trade_flows WHERE source='taiwan_customs' AND flow='X' "
        "AND partner_iso3='THA' AND year=2023",
    ) == [(9_123_456_000.0,)]
    assert stored(
        db,
        "SELECT value_usd FROM trade_flows WHERE source='taiwan_customs' AND flow='X' "
        "AND partner_iso3='NZL' AND year=2021",
    ) == [(None,)]  # "－" = none reported: missing, not 0
    assert by["taiwan_customs"].counts["items_stored"] == 3 * 14 + 14

    # IMF DataMapper: values kept; the indicator without data is an empty result.
    assert stored(
        db, "SELECT iso3, year, value FROM indicators WHERE source='imf_weo' ORDER BY 1, 2"
    ) == [("IND", 2022, 7.0), ("IND", 2023, 8.2), ("THA", 2022, 2.5), ("THA", 2023, 1.9)]

    # News: two list pages; the entry naming no country is dropped and counted.
    notes = stored(
        db,
        "SELECT iso3, published, source_url FROM market_notes WHERE source='market_news' ORDER BY 1",
    )
    assert [n[0] for n in notes] == ["IND", "THA", "VNM"]
    assert by["market_news"].counts["dropped_bad_country"] == 1
    assert all(n[2].startswith(server.url + "/News.aspx?nodeID=45&pid=") for n in notes)


def crawl_comtrade(server, db: Path, countries: str):
    """The Comtrade crawl of the recorded codes and years for ``countries``; its result."""
    result = run_crawl(
        ["comtrade"],
        countries=countries,
        years="2022:2023",
        hs="TOTAL,8471,847130",
        db=db,
        source_urls=[f"comtrade={server.url}"],
        settings=FAST,
    )
    (source,) = result.sources
    return source


def test_a_hubs_re_exports_are_stored_and_net_its_demand(server, env):
    from exportkit.analytics.potential import export_potential
    from exportkit.store import open_store

    db = env / "market.duckdb"
    source = crawl_comtrade(server, db, "SGP")
    assert source.status == "ok", source.errors
    assert stored(
        db,
        "SELECT flow, count(*) FROM trade_flows WHERE reporter_iso3='SGP' GROUP BY 1 ORDER BY 1",
    ) == [("M", 13), ("RX", 6)]  # re-imports (RM) are dropped, as for every reporter
    with open_store(db) as store:
        flows = store.trade_flows(["SGP"], ["847130"], partners=None)
    (row,) = export_potential(flows, ["SGP"], ["847130"], exporter="TWN")
    m, rx = (
        flows[
            (flows.flow == f) & (flows.partner_iso3 == "WLD") & (flows.year == 2023)
        ].value_usd.iloc[0]
        for f in ("M", "RX")
    )
    assert row.year == 2023 and row.demand == pytest.approx(m - rx)
    assert "re_export_hub_net_of_reexports" in row.flags


def test_comtrade_quota_answer_stops_the_spider(server, env):
    db = env / "market.duckdb"
    path_ind = (
        "/public/v1/preview/C/A/HS?reporterCode=699&period=2022,2023&partnerCode=0,490"
        "&cmdCode=8471,847130,TOTAL&flowCode=M&includeDesc=True"
    )
    quota = (Path(__file__).parent / "fixtures/responses/comtrade/quota.json").read_bytes()
    server.fault(path_ind, status=403, body=quota)
    before = len(server.log)
    source = crawl_comtrade(server, db, "THA,IND")
    assert source.status == "failed" and source.reason == "quota_exhausted"
    assert [e.kind for e in source.errors] == ["quota"]
    asked = [r for r in server.log[before:] if r.path.startswith("/public/v1/")]
    assert [r.status for r in asked if r.path == path_ind] == [403]  # not retried
    assert len(asked) <= 2  # the quota answer stopped the crawl (one other call at most)
    assert last_run(db, "comtrade")["status"] == "failed"


def test_too_many_errors_close_the_spider(server, env):
    db = env / "market.duckdb"
    for code in (GDP, POP, IMP):
        server.fault(wb(code), status=503, body=b"<html>Service Unavailable</html>")
    result = crawl_wb(
        server,
        db,
        f"{GDP},{POP},{IMP},FP.CPI.TOTL.ZG",
        settings=["RETRY_TIMES=0", "EXPORTKIT_MAX_ERRORS=2", "CONCURRENT_REQUESTS_PER_DOMAIN=1"],
    )
    (source,) = result.sources
    assert source.status == "failed" and source.reason == "too_many_errors"
    assert [e.status for e in source.errors][:2] == [503, 503]
    assert last_run(db, "worldbank")["status"] == "failed"
    server.faults.clear()  # faults for requests never made must not leak into other tests


def test_cli_crawl_starts_from_a_folder_holding_a_decoy_exportkit_package(server, env):
    """The runner child must import the installed package, not an ``exportkit/`` folder in the
    working directory (the repository root with a non-editable install is such a folder)."""
    decoy = env / "work"
    (decoy / "exportkit").mkdir(parents=True)
    (decoy / "exportkit" / "__init__.py").write_text(
        "raise ImportError('decoy exportkit imported from the working directory')\n"
    )
    console = Path(sys.executable).with_name("exportkit")
    cmd = [
        str(console),
        "crawl",
        "worldbank",
        "--countries",
        "THA,VNM",
        "--years",
        "2021:2023",
        "--indicators",
        f"{GDP},{POP}",
        "--source-url",
        f"worldbank={server.url}",
        "--db",
        str(env / "market.duckdb"),
        *[a for s in FAST for a in ("-s", s)],
    ]
    done = subprocess.run(cmd, cwd=decoy, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "worldbank: ok" in done.stdout
    assert "decoy" not in done.stdout + done.stderr
    assert stored(
        env / "market.duckdb", "SELECT count(*) FROM indicators WHERE source = 'worldbank'"
    ) == [(11,)]  # 2 indicators × 2 countries × 3 years, less one null
