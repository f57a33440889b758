"""UN Comtrade API v1: New Southbound reporters' imports from the world and from Taiwan.

* Without ``COMTRADE_API_KEY``: the public preview (``/public/v1/preview/C/A/HS``), capped at
  500 records per call and ignoring ``maxRecords``; queries are sized to stay under the cap
  and a full 500-row answer is recorded as possibly truncated.
* With the key: the data endpoint (``/data/v1/get/C/A/HS``); the key travels in the
  ``Ocp-Apim-Subscription-Key`` header, never in the URL, so it is not stored as provenance.
* Codes as Comtrade uses them: India reports as 699, Taiwan is partner 490 ("Other Asia, nes")
  and the world is 0; ``primaryValue`` is the value (CIF for imports, FOB for exports).
* A re-export hub (``re_export_hubs`` in the data file: Singapore) is also asked for its
  re-exports to the world (flowCode RX), so its demand can be netted of goods passing through.
* Every record returned is kept with its own keys (other partners, more years): quota spent is
  not thrown away. Queries are canonical (sorted) and de-duplicated, so equal queries share one
  HTTP-cache entry; 429 answers are retried after ``Retry-After``; a quota answer stops the
  spider instead of burning more calls.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Any, NamedTuple

from exportkit.spiders.config import parse_years
from exportkit.spiders.sources._base import SourceSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from exportkit.countries import from_m49, to_m49
from exportkit.models import TradeFlow


class Query(NamedTuple):
    """One API call: a reporter's flows with some partners, for some years and codes."""

    reporter: int
    years: tuple[int, ...]
    cmds: tuple[str, ...]
    partners: tuple[int, ...]
    flows: tuple[str, ...]


class ComtradeSpider(SourceSpider):
    """UN Comtrade: each market's imports of the HS codes from the world and Taiwan (and a
    re-export hub's re-exports to the world)."""

    name = "comtrade"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.years = parse_years(self.years_spec, self.config["default_years"])
        self.cmd_codes = self.hs_codes or [str(c) for c in self.config["hs_codes"]]
        self.partners = sorted(int(p) for p in self.config["partners"])
        self.flows = sorted(self.config["flows"])
        self.api_key = os.environ.get(self.config["api_key_env"]) or None
        self.reporters = sorted(
            {to_m49(iso3) for iso3 in self.countries if iso3 not in ("TWN", "WLD")}
        )
        self.hubs = {to_m49(iso3) for iso3 in self.config.get("re_export_hubs", [])}
        self.queries_seen: set[tuple] = set()

    @property
    def path(self) -> str:
        return self.config["data_path"] if self.api_key else self.config["preview_path"]

    def queries(self) -> Iterator[Query]:
        """Slices small enough for one preview call: per reporter its imports from the world
        and Taiwan, and for a re-export hub also its re-exports to the world."""
        cmds = sorted(set(self.cmd_codes))
        for reporter in self.reporters:
            asks = [(tuple(self.partners), tuple(self.flows))]
            if reporter in self.hubs:
                asks.append(((0,), ("RX",)))
            for partners, flows in asks:
                size = self._slice(partners, flows)
                for i in range(0, len(cmds), size):
                    yield Query(reporter, self.years, tuple(cmds[i : i + size]), partners, flows)

    def _slice(self, partners: tuple[int, ...], flows: tuple[str, ...]) -> int:
        if self.api_key:
            return max(1, len(self.cmd_codes))
        per_cmd = len(self.years) * len(partners) * len(flows)
        return max(1, int(self.config["preview_max_records"]) // max(1, per_cmd))

    def query_url(self, query: Query) -> str:
        """The API URL (preview, or data with a key) for one query."""
        return self.url(
            f"{self.path}?reporterCode={query.reporter}"
            f"&period={','.join(str(y) for y in query.years)}"
            f"&partnerCode={','.join(str(p) for p in query.partners)}"
            f"&cmdCode={','.join(query.cmds)}"
            f"&flowCode={','.join(query.flows)}"
            "&includeDesc=True"
        )

    async def start(self) -> AsyncIterator[Any]:
        """One request per query (duplicates skipped)."""
        headers = {"Ocp-Apim-Subscription-Key": self.api_key} if self.api_key else {}
        for query in self.queries():
            key = (query, self.path)
            if key in self.queries_seen:  # de-duplicate: the free quota is small
                continue
            self.queries_seen.add(key)
            yield self.request(self.query_url(query), self.parse, headers=headers)

    def on_failure(self, failure: Failure) -> None:
        """Record the failure; an exhausted quota stops the crawl."""
        super().on_failure(failure)
        if self.errors and self.errors[-1].kind == "quota":
            # The daily quota is gone: every further call would fail the same way.
            self.close_early("quota_exhausted")

    def parse(self, response: Response) -> Iterator[TradeFlow]:
        """Trade flows from one answer (or the error it carries, recorded)."""
        data = self.load_json(response)
        if data is None:
            return
        if not isinstance(data, dict) or "data" not in data:
            detail = data.get("message", "") if isinstance(data, dict) else str(data)[:200]
            self.record_error("unexpected_shape", response.url, str(detail))
            self.forget_cached(response)
            return
        if data.get("error"):
            self.record_error("api_error", response.url, str(data["error"]))
            self.forget_cached(response)
            return
        records = data.get("data") or []
        if not self.api_key and len(records) >= int(self.config["preview_max_records"]):
            self.record_error(
                "preview_cap",
                response.url,
                f"{len(records)} records: the preview's cap; some may be missing "
                "(set COMTRADE_API_KEY to use the data endpoint)",
            )
        prov = self.provenance(response)
        for record in records:
            yield self.flow_from_record(record, prov)

    @staticmethod
    def flow_from_record(record: dict, prov: dict[str, Any]) -> TradeFlow:
        """One Comtrade record as a ``TradeFlow`` (partner 490 is Taiwan)."""
        reporter = from_m49(record.get("reporterCode", -1)) or record.get("reporterISO") or ""
        partner = from_m49(record.get("partnerCode", -1)) or record.get("partnerISO") or ""
        qty = record.get("qty")
        unit = record.get("qtyUnitAbbr")
        value = record.get("primaryValue")
        return TradeFlow(
            reporter_iso3=reporter,
            partner_iso3=partner,
            hs_code=str(record.get("cmdCode") or "").strip(),
            year=int(record.get("refYear") or 0),
            flow=str(record.get("flowCode") or "").strip(),
            value_usd=None if value is None else float(value),
            hs_revision=record.get("classificationCode"),
            quantity=None if qty is None else float(qty),
            quantity_unit=unit if qty is not None and unit not in (None, "N/A") else None,
            **prov,
        )
