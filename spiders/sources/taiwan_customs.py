"""Taiwan's exports and imports by country from the Ministry of Finance open-data CSV files.

``u2010ex.csv`` / ``u2010im.csv`` (data.gov.tw 15392, SOURCES.md §5.1): Big5 or UTF-8, one
column per country or continent (Traditional Chinese names → ISO3 with
``exportkit.countries``), the first column a period — ``2001年`` (annual total) or
``2026年8月`` (month); ROC years (``115年``) are converted too. Values are US$ thousands.

Annual rows become trade flows (reporter TWN). Month rows are not summed into years: the
current year would be partial and look like a collapse; they are counted and skipped.
The CAPTCHA-protected customs portal is never automated (``exportkit data import-customs``
reads its hand-downloaded CSV instead).
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterator
from typing import Any

from exportkit.spiders.normalise import parse_number, parse_period, thousands
from exportkit.spiders.sources._base import SourceSpider
from scrapy.http import Response

from exportkit.countries import try_resolve
from exportkit.models import TradeFlow

ENCODINGS = ("utf-8-sig", "cp950", "big5hkscs")
TOTAL_NAMES = {"總計", "總額", "合計", "全球", "總值"}


def decode_csv(body: bytes) -> tuple[str, str] | None:
    """(text, encoding): UTF-8 (with or without BOM) first, then Big5 (cp950 and HKSCS)."""
    for encoding in ENCODINGS:
        try:
            return body.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return None


def partner_of(header: str) -> str | None:
    """The ISO3 code of a country column of the customs CSV (None for others)."""
    name = header.strip().strip('"')
    if name in TOTAL_NAMES:
        return "WLD"
    return try_resolve(name)


class TaiwanCustomsSpider(SourceSpider):
    """Taiwan's customs statistics: exports and imports by partner country."""

    name = "taiwan_customs"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.multiplier = float(self.config.get("unit_multiplier", 1000))
        # Every country column is kept ("store what the source says"); --countries narrows
        # nothing here because one file holds all partners at no extra cost.

    async def start(self) -> AsyncIterator[Any]:
        """One request per file of the data file (one per flow: exports, imports)."""
        for entry in self.config["files"]:
            yield self.request(
                self.url(entry["path"]), self.parse, cb_kwargs={"flow": entry["flow"]}
            )

    def parse(self, response: Response, flow: str = "X") -> Iterator[TradeFlow]:
        """Trade flows from one customs CSV (UTF-8 or Big5)."""
        decoded = decode_csv(response.body)
        if decoded is None:
            self.record_error("encoding", response.url, "neither UTF-8 nor Big5")
            self.forget_cached(response)
            return
        text, encoding = decoded
        if text.lstrip().startswith("<"):
            self.record_error("not_csv", response.url, " ".join(text.split())[:200])
            self.forget_cached(response)
            return
        self.crawler.stats.set_value(f"exportkit/taiwan_customs/encoding/{flow}", encoding)
        rows = list(csv.reader(io.StringIO(text)))
        header_at = next(
            (i for i, row in enumerate(rows) if sum(1 for c in row[1:] if partner_of(c)) >= 2),
            None,
        )
        if header_at is None:
            self.record_error("unexpected_shape", response.url, "no header row with country names")
            self.forget_cached(response)
            return
        header = rows[header_at]
        columns = [(i, partner_of(name)) for i, name in enumerate(header) if i > 0]
        columns = [(i, iso3) for i, iso3 in columns if iso3 and iso3 != "TWN"]
        prov = self.provenance(response)
        for row in rows[header_at + 1 :]:
            if not row or not row[0].strip():
                continue
            period = parse_period(row[0])
            if period is None:
                continue  # notes and footers under the table
            year, month = period
            if month is not None:
                self.crawler.stats.inc_value("exportkit/taiwan_customs/month_rows_skipped")
                continue
            for i, iso3 in columns:
                if i >= len(row):
                    continue
                yield TradeFlow(
                    reporter_iso3="TWN",
                    partner_iso3=iso3,
                    hs_code="TOTAL",
                    year=year,
                    flow=flow,
                    value_usd=thousands(parse_number(row[i]), self.multiplier),
                    **prov,
                )
