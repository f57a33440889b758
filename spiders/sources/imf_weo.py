"""IMF World Economic Outlook forecasts from the DataMapper API v1 (GDP growth, inflation).

``/external/datamapper/api/v1/{INDICATOR}/{ISO3}/{ISO3}…?periods=2024,2025`` answers
``{"values": {"NGDP_RPCH": {"THA": {"2024": 2.5, …}}}, "api": {…}}``; an unknown
indicator/country combination answers just ``{"api": {…}}`` (an empty result, not an error).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from exportkit.spiders.config import parse_years
from exportkit.spiders.normalise import parse_number
from exportkit.spiders.sources._base import SourceSpider
from scrapy.http import Response

from exportkit.models import Indicator


class ImfWeoSpider(SourceSpider):
    """IMF World Economic Outlook indicators for the markets."""

    name = "imf_weo"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.years = parse_years(self.years_spec, self.config["default_years"])
        known = {i["code"]: i for i in self.config["indicators"]}
        codes = self.indicator_codes or list(known)
        self.units = {code: known.get(code, {}).get("unit", "") for code in codes}

    def query_url(self, indicator: str) -> str:
        """The DataMapper API URL of one indicator for the markets."""
        countries = "/".join(self.countries)
        periods = ",".join(str(y) for y in self.years)
        return self.url(f"{self.config['path']}/{indicator}/{countries}?periods={periods}")

    async def start(self) -> AsyncIterator[Any]:
        """One request per indicator."""
        for indicator in self.units:
            yield self.request(
                self.query_url(indicator), self.parse, cb_kwargs={"indicator": indicator}
            )

    def parse(self, response: Response, indicator: str = "") -> Iterator[Indicator]:
        """Indicator values of one answer."""
        data = self.load_json(response)
        if data is None:
            return
        if not isinstance(data, dict) or "api" not in data and "values" not in data:
            self.record_error("unexpected_shape", response.url, str(data)[:200])
            self.forget_cached(response)
            return
        values = data.get("values") or {}
        if not values:
            self.crawler.stats.inc_value("exportkit/empty_results")
            return
        prov = self.provenance(response)
        for code, by_country in values.items():
            for iso3, by_year in (by_country or {}).items():
                for year, value in (by_year or {}).items():
                    yield Indicator(
                        iso3=iso3,
                        indicator=code,
                        year=int(year) if str(year).isdigit() else 0,
                        value=parse_number(value),
                        unit=self.units.get(code, ""),
                        **prov,
                    )
