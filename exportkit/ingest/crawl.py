"""Run the spiders: ``run_crawl`` starts one child process and follows its progress.

The child (``python -P -m exportkit.spiders.runner``) owns the Twisted reactor (which cannot be
restarted in one process) and the database connection (DuckDB has one writer; this process
never opens the store during a crawl). Progress arrives as JSON lines on a pipe.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from exportkit.countries import resolve
from exportkit.errors import SourceError, UsageError
from exportkit.spiders.config import parse_years, split_list
from exportkit.store import is_url

SOURCES: tuple[str, ...] = (
    "worldbank",
    "comtrade",
    "wits_tariffs",
    "taiwan_customs",
    "imf_weo",
    "market_news",
)


@dataclass
class SourceResult:
    """One source's crawl: ``status`` is ok / partial / failed (as in the crawl-runs table),
    with every failure met on the way."""

    source: str
    status: str
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[SourceError] = field(default_factory=list)
    run_id: Any = None
    reason: str | None = None


@dataclass
class CrawlResult:
    """Every source's result and the crawl's log (warnings and errors of the child)."""

    sources: list[SourceResult]
    log: str = ""  # the child's log output (warnings and errors)

    @property
    def ok(self) -> bool:
        return bool(self.sources) and all(r.status == "ok" for r in self.sources)


ProgressCallback = Callable[[dict[str, Any]], None]


def parse_source_urls(specs: Sequence[str] | Mapping[str, str] | None) -> dict[str, str]:
    """``["worldbank=http://127.0.0.1:8000"]`` → ``{"worldbank": "http://127.0.0.1:8000"}``."""
    if not specs:
        return {}
    pairs = specs.items() if isinstance(specs, Mapping) else (s.partition("=")[::2] for s in specs)
    result: dict[str, str] = {}
    for source, url in pairs:
        source, url = source.strip(), url.strip()
        if source not in SOURCES:
            raise UsageError(
                f"--source-url {source}=…: unknown source (one of {', '.join(SOURCES)})",
                zh=f"--source-url {source}=…：不明的資料來源（可用：{', '.join(SOURCES)}）",
            )
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UsageError(
                f"--source-url {source}={url!r}: expected SOURCE=http(s)://HOST[:PORT]",
                zh=f"--source-url {source}={url!r}：格式應為 來源=http(s)://主機[:埠]",
            )
        result[source] = f"{parts.scheme}://{parts.netloc}"
    return result


def parse_settings(specs: Sequence[str] | Mapping[str, Any] | None) -> dict[str, Any]:
    """``["DOWNLOAD_DELAY=0"]`` → ``{"DOWNLOAD_DELAY": "0"}`` (Scrapy converts the types)."""
    if not specs:
        return {}
    if isinstance(specs, Mapping):
        return dict(specs)
    result = {}
    for spec in specs:
        name, sep, value = spec.partition("=")
        if not sep or not name.strip():
            raise UsageError(
                f"-s {spec!r}: expected NAME=VALUE", zh=f"-s {spec!r}：格式應為 名稱=值"
            )
        name = name.strip()
        if name not in known_settings() and not name.startswith(_OWN_PREFIXES):
            # A typo (DOWNLOAD_DELEY) would be ignored by Scrapy without a word.
            close = difflib.get_close_matches(name, sorted(known_settings()), n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            hint_zh = f"（您是指 {', '.join(close)} 嗎？）" if close else ""
            raise UsageError(
                f"-s {name}: not a setting Scrapy or exportkit knows{hint}",
                zh=f"-s {name}：Scrapy 與 exportkit 都沒有這個設定{hint_zh}",
            )
        result[name] = value
    return result


# Settings of exportkit's own and of its spiders (WORLDBANK_PER_PAGE, WITS_FORMAT …).
_OWN_PREFIXES = ("EXPORTKIT_", *(f"{source.upper()}_" for source in SOURCES))


@cache
def known_settings() -> frozenset[str]:
    """Names of Scrapy's settings and of exportkit's settings module."""
    from importlib import import_module

    from scrapy.settings import default_settings

    own = import_module("exportkit.spiders.settings")
    return frozenset(n for module in (default_settings, own) for n in vars(module) if n.isupper())


_HS_CODE = re.compile(r"\d{2}|\d{4}|\d{6}")


def check_hs(hs: str | Sequence[str] | None) -> None:
    """HS codes of 2, 4 or 6 digits, or ``TOTAL``: anything else would ask the sources for
    nothing and report success."""
    bad = [c for c in split_list(hs) if c.upper() != "TOTAL" and not _HS_CODE.fullmatch(c)]
    if bad:
        raise UsageError(
            f"--hs {', '.join(bad)}: expected HS codes of 2, 4 or 6 digits (e.g. 8471,847130) "
            "or TOTAL",
            zh=f"--hs {', '.join(bad)}：應為 2、4 或 6 位數 HS 代碼（例如 8471,847130）或 TOTAL",
        )


def build_job(
    sources: Sequence[str] = (),
    countries: str | Sequence[str] | None = None,
    years: str | None = None,
    hs: str | Sequence[str] | None = None,
    indicators: str | Sequence[str] | None = None,
    db: str | os.PathLike | None = None,
    use_cache: bool = True,
    source_urls: Sequence[str] | Mapping[str, str] | None = None,
    settings: Sequence[str] | Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Check the options (raising ``UsageError``) and build the runner's job description."""
    names = list(dict.fromkeys(sources)) or list(SOURCES)
    unknown = [s for s in names if s not in SOURCES]
    if unknown:
        raise UsageError(
            f"unknown source {unknown[0]!r} (one of {', '.join(SOURCES)})",
            zh=f"不明的資料來源「{unknown[0]}」（可用：{', '.join(SOURCES)}）",
        )
    iso3s = [resolve(c) for c in split_list(countries)]
    if years:
        parse_years(years, years)  # validates; spiders parse it again
    check_hs(hs)
    urls = parse_source_urls(source_urls)
    extra = parse_settings(settings)
    if db is not None:
        # a file is made absolute (the child may run elsewhere); a URL goes as it is
        extra["EXPORTKIT_DB"] = str(db) if is_url(str(db)) else str(Path(db).expanduser().resolve())
    if not use_cache:
        extra["HTTPCACHE_ENABLED"] = False
    common = {
        "countries": ",".join(iso3s) or None,
        "years": years or None,
        "hs": ",".join(split_list(hs)) or None,
        "indicators": ",".join(split_list(indicators)) or None,
    }
    spider_args = {
        name: {k: v for k, v in {**common, "source_url": urls.get(name)}.items() if v}
        for name in names
    }
    return {"sources": names, "spider_args": spider_args, "settings": extra}


def run_crawl(
    sources: Sequence[str] = (),
    countries: str | Sequence[str] | None = None,
    years: str | None = None,
    hs: str | Sequence[str] | None = None,
    indicators: str | Sequence[str] | None = None,
    db: str | os.PathLike | None = None,
    use_cache: bool = True,
    source_urls: Sequence[str] | Mapping[str, str] | None = None,
    settings: Sequence[str] | Mapping[str, Any] | None = None,
    progress: ProgressCallback | None = None,
) -> CrawlResult:
    """Crawl ``sources`` (default: all) into the market database and return each one's result.

    ``progress`` receives the child's events: ``{"event": "started"|"progress"|"finished",
    "source", "requests", "items", "dropped", "errors", …}``.
    """
    job = build_job(sources, countries, years, hs, indicators, db, use_cache, source_urls, settings)
    read_fd, write_fd = os.pipe()
    env = {**os.environ, "EXPORTKIT_PROGRESS_FD": str(write_fd)}
    with tempfile.TemporaryFile(mode="w+b") as log:
        try:
            child = subprocess.Popen(
                # -P: the working directory is not put first on sys.path, so a folder holding
                # an ``exportkit/`` directory (a source checkout) cannot shadow the install
                [sys.executable, "-P", "-m", "exportkit.spiders.runner", json.dumps(job)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=env,
                pass_fds=(write_fd,),
            )
        finally:
            os.close(write_fd)
        results: list[SourceResult] = []
        try:
            with os.fdopen(read_fd, "r", encoding="utf-8") as events:
                for line in events:
                    try:
                        event = json.loads(line)
                    except ValueError:
                        continue
                    if event.get("event") == "finished":
                        results.append(
                            SourceResult(
                                source=event["source"],
                                status=event.get("status") or "failed",
                                counts=event.get("counts") or {},
                                errors=[
                                    SourceError.from_record(e, event["source"])
                                    for e in event.get("errors") or []
                                ],
                                run_id=event.get("run_id"),
                                reason=event.get("reason"),
                            )
                        )
                    if progress is not None:
                        progress(event)
            child.wait()
        except BaseException:
            child.terminate()  # Ctrl-C: stop the crawl; finished batches stay stored
            child.wait()
            raise
        log.seek(0)
        text = log.read().decode("utf-8", "replace")
    done = {r.source for r in results}
    for name in job["sources"]:
        if name not in done:  # the child died before reporting this source
            tail = text.strip().splitlines()[-3:]
            results.append(
                SourceResult(
                    name,
                    "failed",
                    errors=[SourceError(name, detail=" ".join(tail), kind="crash")],
                )
            )
    return CrawlResult(results, text)
