"""WITS TRAINS tariffs: MFN and applied (AHS) simple-average rates per reporter, HS code, year.

Two answer formats (SOURCES.md §3):

* SDMX-ML 2.1 GenericData (the API's default): ``Series/SeriesKey/Value[@id,@value]`` (FREQ,
  DATATYPE, PRODUCTCODE, PARTNER, REPORTER) and ``Obs`` with ``ObsDimension`` (the year),
  ``ObsValue`` and ``Attributes/Value`` (TARIFFTYPE MFN/AHS/BND, NOMENCODE, line counts …).
* SDMX-JSON (``format=JSON``): ``dataSets[0].series`` keyed ``"0:0:1:0:0"`` — *indices* into
  ``structure.dimensions.series[*].values``, positioned by each dimension's ``keyPosition``
  (not by list order: for tariffs the two differ), observations ``{"0": [value, attr…]}``
  with attribute indices into ``structure.attributes.observation[*].values``.

Reporter and partner codes are ISO 3166 numeric (``000`` = the world).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from functools import cache
from typing import Any

import pycountry
from exportkit.spiders.config import parse_years
from exportkit.spiders.normalise import parse_number
from exportkit.spiders.sources._base import SourceSpider
from scrapy.http import Response

from exportkit.models import Tariff


@cache
def iso3_from_numeric(code: str) -> str:
    """The ISO3 code of a WITS numeric country code."""
    code = str(code).strip()
    if code in ("000", "0", "WLD"):
        return "WLD"
    if len(code) == 3 and code.isalpha():
        return code.upper()
    rec = pycountry.countries.get(numeric=code.zfill(3))
    return rec.alpha_3 if rec else ""


def numeric_from_iso3(iso3: str) -> str:
    """The WITS numeric code of an ISO3 country code."""
    rec = pycountry.countries.get(alpha_3=iso3)
    return rec.numeric if rec else ""


class WitsTariffsSpider(SourceSpider):
    """WITS TRAINS tariffs each market applies to the HS codes."""

    name = "wits_tariffs"

    def __init__(self, *args: Any, format: str | None = None, **kwargs: Any) -> None:  # noqa: A002
        super().__init__(*args, **kwargs)
        self.years = parse_years(self.years_spec, self.config["default_years"])
        # TRAINS tariffs are per HS6 line: 2/4-digit codes and TOTAL cannot be asked for.
        asked = self.hs_codes or [str(c) for c in self.config["hs_codes"]]
        self.products = [c for c in asked if len(c) == 6 and c.isdigit()]
        self.skipped_codes = [c for c in asked if c not in self.products]
        self.format_arg = format

    @property
    def format(self) -> str:
        """``-a format=``, else the ``WITS_FORMAT`` setting, else the data file (xml|json)."""
        settings = getattr(self, "settings", None)
        value = self.format_arg or (settings.get("WITS_FORMAT") if settings else None)
        return str(value or self.config.get("format") or "xml").lower()

    def query_url(self, reporter: str, partner: str, product: str, year: int) -> str:
        """The SDMX URL of one reporter × partner × product × year."""
        path = (
            f"/API/V1/SDMX/V21/datasource/trn/reporter/{reporter}/partner/{partner}"
            f"/product/{product}/year/{year}/datatype/{self.config['datatype']}"
        )
        return self.url(path + ("?format=JSON" if self.format == "json" else ""))

    async def start(self) -> AsyncIterator[Any]:
        """One request per market × partner × code × year."""
        if self.skipped_codes:
            self.logger.info("WITS tariffs need HS6 codes; not asked: %s", self.skipped_codes)
        for iso3 in self.countries:
            reporter = numeric_from_iso3(iso3)
            if not reporter or iso3 == "TWN":  # Taiwan's tariffs are not what exporters face
                continue
            for partner in self.config["partners"]:
                for product in self.products:
                    for year in self.years:
                        url = self.query_url(reporter, str(partner), product, year)
                        yield self.request(url, self.parse)

    def parse(self, response: Response) -> Iterator[Tariff]:
        """Tariffs from an XML or JSON answer (or the error it carries)."""
        head = response.body.lstrip()[:1]
        if head in (b"{", b"["):
            yield from self.parse_json(response)
        elif head == b"<":
            yield from self.parse_xml(response)
        elif not response.body.strip():
            self.record_error("empty_body", response.url, status=response.status)
            self.forget_cached(response)
        else:
            self.record_error("unexpected_shape", response.url, response.text[:200])
            self.forget_cached(response)

    # -- SDMX-ML 2.1 GenericData -------------------------------------------------------------
    def parse_xml(self, response: Response) -> Iterator[Tariff]:
        """Tariffs from an SDMX-ML answer."""
        sel = response.selector
        sel.remove_namespaces()
        root = sel.xpath("/*")
        root_name = root.xpath("name()").get() if root else ""
        if root_name == "html":
            self.record_error(
                "not_xml", response.url, " ".join(sel.xpath("//text()").getall())[:200]
            )
            self.forget_cached(response)
            return
        if root_name == "Error" or sel.xpath("//ErrorMessage"):
            code = sel.xpath("//ErrorMessage/@code").get() or ""
            text = " ".join(t.strip() for t in sel.xpath("//ErrorMessage//Text/text()").getall())
            if code == "100":  # SDMX "No results found": an empty answer, not a failure
                self.crawler.stats.inc_value("exportkit/empty_results")
                return
            self.record_error("api_error", response.url, f"{code} {text}".strip())
            self.forget_cached(response)
            return
        if root_name != "GenericData":
            self.record_error("unexpected_shape", response.url, f"root element {root_name!r}")
            self.forget_cached(response)
            return
        prov = self.provenance(response)
        for series in sel.xpath("//DataSet/Series"):
            key = {
                v.attrib.get("id"): v.attrib.get("value") for v in series.xpath("./SeriesKey/Value")
            }
            for obs in series.xpath("./Obs"):
                attrs = {
                    v.attrib.get("id"): v.attrib.get("value")
                    for v in obs.xpath("./Attributes/Value")
                }
                yield self.tariff(
                    key,
                    obs.xpath("./ObsDimension/@value").get(),
                    obs.xpath("./ObsValue/@value").get(),
                    attrs,
                    prov,
                )

    # -- SDMX-JSON -----------------------------------------------------------------------------
    def parse_json(self, response: Response) -> Iterator[Tariff]:
        """Tariffs from an SDMX-JSON answer."""
        data = self.load_json(response)
        if data is None:
            return
        try:
            structure = data["structure"]
            dims = sorted(
                structure["dimensions"]["series"], key=lambda d: int(d.get("keyPosition", 0))
            )
            time_values = structure["dimensions"]["observation"][0]["values"]
            obs_attrs = (structure.get("attributes") or {}).get("observation") or []
            series_map = data["dataSets"][0].get("series") or {}
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            if isinstance(data, dict) and "errors" in data:
                self.record_error("api_error", response.url, str(data["errors"])[:200])
            else:
                self.record_error("unexpected_shape", response.url, f"missing {exc}")
            self.forget_cached(response)
            return
        if not series_map:
            self.crawler.stats.inc_value("exportkit/empty_results")
        prov = self.provenance(response)
        for series_key, series in series_map.items():
            indices = [int(i) for i in series_key.split(":")]
            key = {
                dim["id"]: dim["values"][idx]["id"] for dim, idx in zip(dims, indices, strict=False)
            }
            for obs_index, obs in (series.get("observations") or {}).items():
                value = obs[0] if obs else None
                attrs = {}
                for attr, idx in zip(obs_attrs, obs[1:], strict=False):
                    if idx is not None and 0 <= int(idx) < len(attr.get("values", [])):
                        attrs[attr["id"]] = attr["values"][int(idx)]["id"]
                year = time_values[int(obs_index)]["id"]
                yield self.tariff(key, year, value, attrs, prov)

    def tariff(
        self, key: dict, year: str | None, value: Any, attrs: dict, prov: dict[str, Any]
    ) -> Tariff:
        """One ``Tariff`` with this answer's provenance."""
        tariff_type = (attrs.get("TARIFFTYPE") or key.get("TARIFFTYPE") or "").upper()
        year_text = str(year or "").strip()
        return Tariff(
            reporter_iso3=iso3_from_numeric(key.get("REPORTER", "")),
            partner_iso3=iso3_from_numeric(key.get("PARTNER", "")),
            hs_code=str(key.get("PRODUCTCODE", "")).strip(),
            year=int(year_text) if year_text.isdigit() else 0,
            tariff_type="PREF" if tariff_type == "PRF" else tariff_type,
            rate=parse_number(value),
            nomenclature=attrs.get("NOMENCODE"),
            **prov,
        )
