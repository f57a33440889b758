"""The spiders' data files (``spiders/data/*.yaml``) and crawl-argument parsing."""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit, urlunsplit

from exportkit.errors import UsageError
from exportkit.resources import load_yaml, package_file

#: the prefix of a progress line in a Scrapyd job's log: the ``ProgressReporter`` writes it,
#: ``exportkit.ingest.scrapyd`` reads it (here, so the reader need not import Scrapy)
PROGRESS_LOG_MARKER = "exportkit-progress "


@cache
def source_config(name: str) -> dict:
    """The parsed ``spiders/data/<name>.yaml``."""
    return load_yaml(package_file("exportkit.spiders", "data", f"{name}.yaml"))


def politeness(source: str) -> dict:
    """Concurrency and delay settings for one source (``politeness.yaml``), as Scrapy settings."""
    data = source_config("politeness")
    conf = {**data["default"], **data["sources"].get(source, {})}
    return {
        "AUTOTHROTTLE_ENABLED": bool(conf.get("autothrottle", True)),
        "CONCURRENT_REQUESTS_PER_DOMAIN": int(conf["concurrency"]),
        "DOWNLOAD_DELAY": float(conf["download_delay"]),
        "AUTOTHROTTLE_START_DELAY": float(conf["autothrottle_start_delay"]),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(conf["autothrottle_target_concurrency"]),
    }


def parse_years(spec: str | None, default: str) -> tuple[int, ...]:
    """``"2015:2024"`` → (2015, …, 2024); ``"2020,2022"`` → (2020, 2022)."""
    spec = (spec or default).strip()
    try:
        if ":" in spec:
            start, end = (int(p) for p in spec.split(":", 1))
            if end < start:
                start, end = end, start
            years = tuple(range(start, end + 1))
        else:
            years = tuple(sorted({int(p) for p in spec.split(",") if p.strip()}))
    except ValueError:
        raise UsageError(f"--years {spec!r}: expected YYYY:YYYY or a comma list of years") from None
    if not years or any(y < 1900 or y > 2100 for y in years):
        raise UsageError(f"--years {spec!r}: years must lie between 1900 and 2100")
    return years


def split_list(spec: str | list | tuple | None) -> list[str]:
    """A comma list (or an already split list) → stripped, de-duplicated, order kept."""
    if spec is None:
        return []
    parts = spec.split(",") if isinstance(spec, str) else list(spec)
    return list(dict.fromkeys(p.strip() for p in parts if p and p.strip()))


def rebase_url(url: str, base: str | None) -> str:
    """Replace the scheme and host of ``url`` by ``base``'s; path and query stay exactly."""
    if not base:
        return url
    new = urlsplit(base)
    old = urlsplit(url)
    return urlunsplit((new.scheme, new.netloc, old.path, old.query, old.fragment))
