"""Crawl benchmark: the World Bank spider vs a plain sequential urllib loop, same URLs, same run.

A local replay server answers every request after 50 ms (a stand-in for network latency).
20 WDI indicators × the 18 New Southbound countries, 2000–2024, 50 rows per page (the API's
default page size, so each indicator takes 9 pages) → 180 requests. The spider runs at the
World Bank's configured politeness (spiders/data/politeness.yaml: 8 concurrent requests,
AutoThrottle on, no fixed delay); the baseline fetches page 1, reads the page count from the
meta element and fetches the other pages one by one, as client libraries such as wbgapi do.
Then the crawl is repeated with the same HTTP cache: it must make no request to the server;
and once more from a fresh cache with AutoThrottle on (target 8), to show what it costs.

    python benchmarks/bench_crawl.py [--quick]

The last line is one JSON object: crawl_s (spider open → close, from the child's events),
crawl_wall_s (including the child process start), sequential_s, speedup (sequential_s /
crawl_s), cached_crawl_s, cached_requests, crawl_autothrottle_s, requests, rows, peak_rss_mb.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _machine import finish

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))

from formats import wb_pages, wb_row  # noqa: E402
from replay_server import ReplayServer  # noqa: E402

from exportkit.countries import NSB18, country  # noqa: E402
from exportkit.ingest.crawl import run_crawl  # noqa: E402
from exportkit.store import open_store  # noqa: E402

INDICATORS = [
    "NY.GDP.MKTP.CD", "NY.GDP.MKTP.KD.ZG", "SP.POP.TOTL", "NY.GDP.PCAP.CD", "NE.IMP.GNFS.CD",
    "NE.IMP.GNFS.ZS", "FP.CPI.TOTL.ZG", "PA.NUS.FCRF", "LP.LPI.OVRL.XQ", "NE.EXP.GNFS.CD",
    "NE.EXP.GNFS.ZS", "BX.KLT.DINV.CD.WD", "NE.TRD.GNFS.ZS", "SP.URB.TOTL.IN.ZS",
    "IT.NET.USER.ZS", "NY.GNP.PCAP.CD", "SL.UEM.TOTL.ZS", "GC.DOD.TOTL.GD.ZS",
    "TM.TAX.MRCH.SM.AR.ZS", "NV.IND.MANF.ZS",
]  # fmt: skip
YEARS = (2000, 2024)
PER_PAGE = 50
LATENCY = 0.05


def build_fixtures(directory: Path, indicators: list[str]) -> list[str]:
    """World Bank pages in the API's format (synthetic figures); returns the page-1 paths."""
    countries = ";".join(NSB18)
    index, firsts = {}, []
    for code in indicators:
        rows = [
            wb_row((code, code), country(iso3).iso2, iso3, country(iso3).name.en, year,
                   None if (year + len(iso3)) % 17 == 0 else round(1000.0 + year * 1.5, 3))
            for iso3 in NSB18
            for year in range(YEARS[1], YEARS[0] - 1, -1)
        ]  # fmt: skip
        for page, body in enumerate(wb_pages(rows, PER_PAGE), start=1):
            path = (
                f"/v2/country/{countries}/indicator/{code}?format=json"
                f"&date={YEARS[0]}:{YEARS[1]}&per_page={PER_PAGE}&page={page}"
            )
            name = f"{code}_{page}.json"
            (directory / name).write_bytes(body)
            index[path] = {"file": name}
            if page == 1:
                firsts.append(path)
    (directory / "index.json").write_text(json.dumps(index), encoding="utf-8")
    return firsts


def sequential(base: str, firsts: list[str]) -> tuple[float, int]:
    """Page 1, then pages 2..n one at a time (the meta element gives n), parsing each."""
    started, rows = time.perf_counter(), 0
    for first in firsts:
        page, pages = 1, 1
        while page <= pages:
            url = base + first.replace("&page=1", f"&page={page}")
            with urllib.request.urlopen(url, timeout=30) as answer:
                meta, data = json.loads(answer.read())
            pages = int(meta["pages"])
            rows += len(data or [])
            page += 1
    return time.perf_counter() - started, rows


def crawl(
    server: ReplayServer, indicators: list[str], db: Path, extra: tuple[str, ...] = ()
) -> tuple[float, float, dict]:
    times: dict[str, float] = {}

    def progress(event: dict) -> None:
        if event.get("event") in ("started", "finished"):
            times.setdefault(event["event"], time.perf_counter())

    started = time.perf_counter()
    result = run_crawl(
        ["worldbank"],
        years=f"{YEARS[0]}:{YEARS[1]}",
        indicators=indicators,
        db=db,
        source_urls=[f"worldbank={server.url}"],
        settings=[f"WORLDBANK_PER_PAGE={PER_PAGE}", "LOG_LEVEL=ERROR", *extra],
        progress=progress,
    )
    wall = time.perf_counter() - started
    (source,) = result.sources
    if source.status != "ok":
        raise SystemExit(f"crawl failed: {source.errors[:3]}\n{result.log[-2000:]}")
    return times["finished"] - times["started"], wall, source.counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 indicators instead of 20")
    args = parser.parse_args()
    indicators = INDICATORS[:5] if args.quick else INDICATORS
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "worldbank").mkdir()
        firsts = build_fixtures(tmp_path / "worldbank", indicators)
        os.environ["EXPORTKIT_CACHE_DIR"] = str(tmp_path / "cache")
        # The database exists before the timed crawls (created once, with the bundled
        # snapshot), as it does for a consultant refreshing data.
        open_store(tmp_path / "market.duckdb").close()
        with ReplayServer(["worldbank"], root=tmp_path, delay=LATENCY) as server:
            sequential_s, seq_rows = sequential(server.url, firsts)
            seq_requests = len(server.log)
            before = len(server.log)
            crawl_s, crawl_wall_s, counts = crawl(server, indicators, tmp_path / "market.duckdb")
            crawl_requests = len(server.log) - before
            before = len(server.log)
            cached_s, cached_wall_s, cached_counts = crawl(
                server, indicators, tmp_path / "market.duckdb"
            )
            cached_requests = len(server.log) - before
            # The same crawl with AutoThrottle on (target 8 = the cap), fresh cache: its cost.
            os.environ["EXPORTKIT_CACHE_DIR"] = str(tmp_path / "cache-autothrottle")
            at_s, _, _ = crawl(
                server, indicators, tmp_path / "market.duckdb", ("AUTOTHROTTLE_ENABLED=True",)
            )
    peak_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    print(
        f"sequential urllib: {seq_requests} requests, {seq_rows} rows, {sequential_s:.2f} s\n"
        f"scrapy crawl:      {crawl_requests} requests (incl. robots.txt), "
        f"{counts.get('items_stored')} rows stored, {crawl_s:.2f} s ({crawl_wall_s:.2f} s with process start)\n"
        f"cached re-crawl:   {cached_requests} requests, {cached_counts.get('cached')} from cache, "
        f"{cached_s:.2f} s ({cached_wall_s:.2f} s with process start)\n"
        f"with AutoThrottle: {at_s:.2f} s",
        file=sys.stderr,
    )
    finish(
        {
            "bench": "crawl",
            "quick": args.quick,
            "indicators": len(indicators),
            "countries": len(NSB18),
            "requests": seq_requests,
            "rows": seq_rows,
            "latency_s": LATENCY,
            "crawl_s": round(crawl_s, 3),
            "crawl_wall_s": round(crawl_wall_s, 3),
            "sequential_s": round(sequential_s, 3),
            "speedup": round(sequential_s / crawl_s, 2),
            "speedup_wall": round(sequential_s / crawl_wall_s, 2),
            "cached_crawl_s": round(cached_s, 3),
            "crawl_autothrottle_s": round(at_s, 3),
            "speedup_autothrottle": round(sequential_s / at_s, 2),
            "cached_requests": cached_requests,
            "peak_rss_mb": round(peak_kb / 1024, 1),
        },
        libs=["scrapy", "twisted"],
        baseline="a sequential urllib loop over the same URLs and replay server (sequential_s)",
    )


if __name__ == "__main__":
    main()
