"""``assess --fetch-missing``: crawl the UN Comtrade imports a batch's HS codes lack, then assess.

The store says which market × code has no world-import row (flow M, partner WLD, at the code
or at HS6 codes under it); one Comtrade crawl asks for exactly those markets and codes. The
spider plans the calls (one per reporter × slice of codes, sized under the keyless preview's
500-record cap; the data endpoint when ``COMTRADE_API_KEY`` is set), is polite and answers a
repeated question from Scrapy's HTTP cache. A crawl that cannot reach the source, or a store
that cannot be opened, never stops the assessment: the result says in one line, in the
user's language, what is still missing and how to get it.

The assessment pipeline (``exportkit.assess``) may not import ``ingest``; the CLI hands a
``MissingFetcher`` to ``run_assessment(fetch=...)``, which calls it once the batch's codes
are known and before it reads the store.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from exportkit.errors import ExportkitError
from exportkit.i18n import t
from exportkit.ingest.crawl import CrawlResult, parse_source_urls, run_crawl
from exportkit.store import open_store

SOURCE = "comtrade"


@dataclass(frozen=True)
class FetchOutcome:
    """What ``--fetch-missing`` did: the market × code pairs missing before and after."""

    missing_before: Mapping[str, tuple[str, ...]]  # market → codes without world imports
    missing_after: Mapping[str, tuple[str, ...]]
    crawl: CrawlResult | None = None
    problem: str = ""  # why nothing could be fetched (unreachable source, store error …)

    @property
    def stored(self) -> int:
        """Rows the crawl stored."""
        if self.crawl is None:
            return 0
        return sum(int(r.counts.get("items_stored", 0)) for r in self.crawl.sources)

    @property
    def requests(self) -> int:
        """HTTP requests the crawl made (robots.txt included), cached ones too."""
        if self.crawl is None:
            return 0
        return sum(int(r.counts.get("requests", 0)) for r in self.crawl.sources)

    def line(self, lang: str = "en") -> str:
        """One line for the terminal, in ``lang``: what was fetched or what is missing and
        the command that gets it."""
        before, after = _pairs(self.missing_before), _pairs(self.missing_after)
        if not before:
            return t("fetch_nothing_missing", lang)
        if not after:
            return t(
                "fetch_done",
                lang,
                rows=self.stored,
                markets=len(self.missing_before),
                codes=len(_codes(self.missing_before)),
                requests=self.requests,
            )
        how = crawl_command(self.missing_after)
        if self.crawl is None or self.stored == 0:
            return t(
                "fetch_failed",
                lang,
                pairs=after,
                reason=self.problem or _reason(self.crawl),
                command=how,
            )
        return t("fetch_partial", lang, rows=self.stored, pairs=after, command=how)


def crawl_command(missing: Mapping[str, Sequence[str]]) -> str:
    """The ``exportkit crawl`` command that fetches ``missing`` later."""
    markets = ",".join(sorted(missing))
    return f"exportkit crawl comtrade --countries {markets} --hs {','.join(_codes(missing))}"


def missing_imports(
    db: str | os.PathLike | None, markets: Sequence[str], hs_codes: Iterable[str]
) -> dict[str, tuple[str, ...]]:
    """Market → the codes for which the store holds no world imports (flow M, partner WLD,
    with a value, at the code or at HS6 codes under it); markets lacking none are left out."""
    codes = sorted({c for c in hs_codes if c})
    if not codes or not markets:
        return {}
    with open_store(db) as store:
        flows = store.import_flows(list(markets), codes)
    world = flows[flows["partner_iso3"].str.upper() == "WLD"] if len(flows) else flows
    present = set(zip(world["reporter_iso3"], world["asked"], strict=True)) if len(world) else set()
    missing = {m: tuple(c for c in codes if (m, c) not in present) for m in markets}
    return {m: c for m, c in missing.items() if c}


@dataclass
class MissingFetcher:
    """Fill the product gaps of a batch from UN Comtrade (see the module's docstring).

    ``source_url`` sends the requests to a mirror or replay server (scheme and host);
    ``settings`` are Scrapy settings for the crawl (``DOWNLOAD_DELAY=0`` in tests);
    ``notify`` receives the one-line outcome in ``lang`` as soon as the crawl is over.
    Constructing checks ``source_url`` (raising ``UsageError``), before any work is done.
    """

    db: str | os.PathLike | None = None
    source_url: str | None = None
    settings: Sequence[str] | Mapping[str, Any] | None = None
    years: str | None = None
    lang: str = "en"
    notify: Callable[[str], None] | None = None
    outcomes: list[FetchOutcome] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._urls = parse_source_urls({SOURCE: self.source_url} if self.source_url else None)

    def __call__(self, markets: Sequence[str], hs_sets: Iterable[Iterable[str]]) -> FetchOutcome:
        """Crawl what the firms' ``hs_sets`` lack in ``markets``; return (and notify) the
        outcome. Never raises for a source or store failure: the assessment goes on."""
        codes = sorted({c for hs in hs_sets for c in hs})
        outcome = self._fetch(list(markets), codes)
        self.outcomes.append(outcome)
        if self.notify is not None:
            self.notify(outcome.line(self.lang))
        return outcome

    def _fetch(self, markets: list[str], codes: list[str]) -> FetchOutcome:
        try:
            before = missing_imports(self.db, markets, codes)
        except ExportkitError as exc:
            unknown = {m: tuple(codes) for m in markets} if codes else {}
            return FetchOutcome(unknown, unknown, problem=exc.message(self.lang))
        if not before:
            return FetchOutcome({}, {})
        try:
            # one crawl for every market and code missing anywhere: the spider's calls go per
            # reporter anyway, and a code a market already holds costs no extra call
            crawl = run_crawl(
                [SOURCE],
                countries=sorted(before),
                years=self.years,
                hs=_codes(before),
                db=self.db,
                source_urls=self._urls,
                settings=self.settings,
            )
            after = missing_imports(self.db, markets, codes)
        except (ExportkitError, OSError) as exc:
            text = exc.message(self.lang) if isinstance(exc, ExportkitError) else str(exc)
            return FetchOutcome(before, before, problem=text)
        return FetchOutcome(before, after, crawl)


def _codes(missing: Mapping[str, Sequence[str]]) -> list[str]:
    return sorted({c for codes in missing.values() for c in codes})


def _pairs(missing: Mapping[str, Sequence[str]]) -> int:
    return sum(len(codes) for codes in missing.values())


def _reason(crawl: CrawlResult | None) -> str:
    """The first error of the crawl, short (``connection_refused``, ``http_error 503`` …)."""
    for source in crawl.sources if crawl else ():
        if source.errors:
            error = source.errors[0]
            detail = error.detail.splitlines()[0][:120].rstrip(".") if error.detail else ""
            status = f" {error.status}" if error.status else ""
            return f"{error.kind}{status}{': ' + detail if detail else ''}"
        if source.reason:
            return source.reason
    return "no rows"
