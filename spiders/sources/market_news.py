"""Market news for the New Southbound countries from one HTML list page (CSS/XPath selectors).

Source and selectors are data (``spiders/data/market_news.yaml``): the Trade Administration's
「全球商情」 reports from Taiwan's overseas missions. Each list entry gives a title, a date
(AD ``2026-08-31`` or ROC ``115-08-31``), the reporting unit
(``亞太地區/越南/駐越南代表處經濟組``, which names the country) and a summary. Every entry is
kept (whatever the crawl's countries); one whose country cannot be told is dropped by
validation (counted), not guessed.

A note's ``source_url`` is the article's own address (absolute), found on the list page.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any

from exportkit.spiders.config import rebase_url
from exportkit.spiders.normalise import to_ad_year
from exportkit.spiders.sources._base import SourceSpider
from scrapy.http import Response

from exportkit.countries import NSB18, country, try_resolve
from exportkit.models import MarketNote, Text

_DATE = re.compile(r"(\d{2,4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def parse_date(text: str | None) -> date | None:
    """The first date written in ``text`` (2025-03-01, 2025/3/1, 114年3月1日 …; ROC years
    converted), or None."""
    match = _DATE.search(text or "")
    if not match:
        return None
    try:
        return date(to_ad_year(int(match.group(1))), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def country_of(*texts: str | None) -> str | None:
    """The country a news entry is about: a path part of the reporting unit that names a
    country (``亞太地區/越南/…``), else the first New Southbound country named in the text."""
    for text in texts:
        for part in re.split(r"[/／|]", text or ""):
            iso3 = try_resolve(part.strip()) if part.strip() else None
            if iso3:
                return iso3
    joined = " ".join(t for t in texts if t)
    for iso3 in NSB18:
        c = country(iso3)
        if c.name.zh_TW in joined or c.name.en in joined:
            return iso3
    return None


class MarketNewsSpider(SourceSpider):
    """Market news from the trade-promotion portal's listing pages."""

    name = "market_news"

    async def start(self) -> AsyncIterator[Any]:
        """The first page of every listing."""
        for path in self.config["list_paths"]:
            yield self.request(self.url(path), self.parse, cb_kwargs={"page": 1})

    def parse(self, response: Response, page: int = 1) -> Iterator[Any]:
        """One ``MarketNote`` per entry, then the next page."""
        if not hasattr(response, "css"):
            self.record_error("not_html", response.url, status=response.status)
            self.forget_cached(response)
            return
        sel = self.config["selectors"]
        entries = response.css(sel["item"])
        if not entries:
            self.record_error("no_entries", response.url, "the item selector matched nothing")
            self.forget_cached(response)
            return
        retrieved = self.retrieved_at(response)
        for entry in entries:
            title = (
                entry.css(sel["title"]).get() or entry.css(sel["title_text"]).get() or ""
            ).strip()
            link = entry.css(sel["link"]).get()
            unit = " ".join(entry.css(sel["unit"]).getall()).strip()
            # an entry without a summary is still news: its title stands as the text
            summary = " ".join(" ".join(entry.css(sel["summary"]).getall()).split()) or title
            iso3 = country_of(unit, title) or ""
            yield MarketNote(
                iso3=iso3,
                topic="news",
                # The source is Chinese only; the store keys notes on the English title and
                # needs both languages, so the original text stands in (never a made-up
                # translation).
                title=Text(title, title),
                text=Text(summary, summary),
                source=self.name,
                source_url=response.urljoin(link) if link else response.url,
                published=parse_date(" ".join(entry.css(sel["date"]).getall())),
                retrieved_at=retrieved,
            )
        next_href = response.xpath(sel["next_page"]).get()
        if next_href and page < int(self.config.get("max_pages", 1)):
            url = rebase_url(response.urljoin(next_href), self.source_url)
            yield self.request(url, self.parse, cb_kwargs={"page": page + 1})
