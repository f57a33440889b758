"""World Bank Indicators API v2 (JSON): WDI series for the crawl's countries and years.

Answer shape (SOURCES.md §1): ``[meta, rows]`` where ``meta`` has ``page``/``pages``/
``per_page``/``total`` (``per_page`` may be a string), rows come newest year first with ``date``
as a string and ``value`` a number or ``null`` (kept missing, never 0). Errors come back as
HTTP 200 ``[{"message": [{"id", "key", "value"}]}]`` and are recorded, not parsed as data.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from exportkit.spiders.config import parse_years
from exportkit.spiders.sources._base import SourceSpider
from scrapy.http import Response

from exportkit.countries import try_resolve
from exportkit.models import Indicator

NO_WDI_DATA = {"TWN"}  # the WDI has no Taiwan series (SOURCES.md §1)


class WorldBankSpider(SourceSpider):
    """World Bank WDI (and WGI) indicators for the markets, page by page."""

    name = "worldbank"
    config_name = "worldbank_indicators"

    def __init__(self, *args: Any, per_page: str | int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.years = parse_years(self.years_spec, self.config["default_years"])
        self.per_page_arg = per_page
        known = {i["code"]: i for i in self.config["indicators"]}
        codes = self.indicator_codes or list(known)
        self.units = {code: known.get(code, {}).get("unit", "") for code in codes}
        self.wb_countries = [c for c in self.countries if c not in NO_WDI_DATA]
        # per (indicator, country list): the highest page requested, the total first seen, and
        # whether the series was re-read because its total changed mid-crawl
        self.pages_requested: dict[tuple[str, str], int] = {}
        self.totals: dict[tuple[str, str], int] = {}
        self.restarted: set[tuple[str, str]] = set()

    def series_url(self, indicator: str, countries: str, page: int) -> str:
        """The API URL of one indicator for the countries, one page."""
        return self.url(
            f"/v2/country/{countries}/indicator/{indicator}"
            f"?format=json&date={self.years[0]}:{self.years[-1]}"
            f"&per_page={self.per_page}&page={page}"
        )

    def page_request(self, indicator: str, countries: str, page: int, fresh: bool = False):
        """The request of one page (``fresh``: bypass the HTTP cache)."""
        key = (indicator, countries)
        self.pages_requested[key] = max(self.pages_requested.get(key, 0), page)
        return self.request(
            self.series_url(indicator, countries, page),
            self.parse,
            cb_kwargs={"indicator": indicator, "countries": countries, "page": page},
            # a re-read must reach the server: past the duplicate filter and the HTTP cache
            dont_filter=fresh,
            meta={"dont_cache": True} if fresh else {},
        )

    @property
    def per_page(self) -> int:
        """``-a per_page=``, else the ``WORLDBANK_PER_PAGE`` setting, else the data file."""
        settings = getattr(self, "settings", None)
        value = self.per_page_arg or (settings.get("WORLDBANK_PER_PAGE") if settings else None)
        return int(value or self.config["per_page"])

    async def start(self) -> AsyncIterator[Any]:
        """The first page of every indicator."""
        size = max(1, int(self.config.get("countries_per_request", 18)))
        for indicator in self.units:
            for i in range(0, len(self.wb_countries), size):
                countries = ";".join(self.wb_countries[i : i + size])
                yield self.page_request(indicator, countries, 1)

    def parse(
        self, response: Response, indicator: str = "", countries: str = "", page: int = 1
    ) -> Iterator[Any]:
        """Indicator values of one page, and requests for the other pages."""
        data = self.load_json(response)
        if data is None:
            return
        if isinstance(data, list) and data and isinstance(data[0], dict) and "message" in data[0]:
            messages = data[0]["message"] or [{}]
            detail = "; ".join(
                f"{m.get('id', '')} {m.get('key', '')}: {m.get('value', '')}".strip()
                for m in messages
            )
            self.record_error("api_error", response.url, detail, status=response.status)
            self.forget_cached(response)
            return
        if not (isinstance(data, list) and len(data) >= 1 and isinstance(data[0], dict)):
            self.record_error("unexpected_shape", response.url, str(data)[:200])
            self.forget_cached(response)
            return
        meta = data[0]
        rows = data[1] if len(data) > 1 and isinstance(data[1], list) else []
        pages = int(meta.get("pages") or 0)  # per_page/pages may be strings (v1 habit)
        total = int(meta.get("total") or 0)
        key = (indicator, countries)
        if not rows and total == 0:
            self.crawler.stats.inc_value("exportkit/empty_results")
        first_total = self.totals.setdefault(key, total)
        if total != first_total:
            # The series changed while we paged through it: rows shifted across page
            # boundaries, so pages already read may have missed some. Read it all again, once,
            # fresh (not from the cache); a second change is recorded as an error.
            if key in self.restarted:
                self.record_error(
                    "page_count_changed",
                    response.url,
                    f"total went from {first_total} to {total} again; rows may be missing",
                )
            else:
                self.restarted.add(key)
                self.totals[key] = total
                self.crawler.stats.inc_value("exportkit/worldbank/series_reread")
                self.pages_requested[key] = 0
                for again in range(1, pages + 1):
                    yield self.page_request(indicator, countries, again, fresh=True)
        else:
            # Fan out: every page not requested yet, all at once, so they run in parallel.
            for next_page in range(self.pages_requested.get(key, page) + 1, pages + 1):
                yield self.page_request(indicator, countries, next_page)
        prov = self.provenance(response)
        for row in rows:
            item = self.indicator_from_row(row, indicator, prov)
            if item is not None:
                yield item

    def indicator_from_row(
        self, row: dict, indicator: str, prov: dict[str, Any]
    ) -> Indicator | None:
        """One WDI row as an ``Indicator``."""
        iso3 = row.get("countryiso3code") or ""
        if not iso3:
            # Aggregates have "" here; country.id is ISO-2 or an aggregate code (1A, S3 …)
            iso3 = try_resolve((row.get("country") or {}).get("id") or "") or ""
        code = (row.get("indicator") or {}).get("id") or indicator
        date = str(row.get("date") or "")
        year = int(date) if date.isdigit() else 0  # 0 → dropped by validation, counted
        value = row.get("value")
        return Indicator(
            iso3=iso3,
            indicator=code,
            year=year,
            value=None if value is None else float(value),
            unit=self.units.get(code) or row.get("unit") or "",
            **prov,
        )
