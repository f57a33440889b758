"""Child-process entry point of ``exportkit crawl``: ``python -P -m exportkit.spiders.runner JOB``.

A Twisted reactor cannot be restarted, and DuckDB allows one writer, so every crawl runs in a
fresh process (``exportkit.ingest.crawl.run_crawl`` starts it). The sources run one after another in
one reactor run; each one's result goes to the parent as a JSON line on the progress pipe.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any

from exportkit.errors import SourceError

ENV_PREFIX = "EXPORTKIT_SCRAPY_"


def effective_settings(overrides: dict[str, Any] | None = None):
    """The project settings, then ``EXPORTKIT_SCRAPY_<NAME>`` environment overrides, then
    ``overrides`` (``-s`` options), each at a higher priority than the spiders' own."""
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("exportkit.spiders.settings", priority="project")
    env = {k[len(ENV_PREFIX) :]: v for k, v in os.environ.items() if k.startswith(ENV_PREFIX)}
    settings.setdict(env, priority="cmdline")
    settings.setdict(overrides or {}, priority="cmdline")
    return settings


def _emit(out, event: dict[str, Any]) -> None:
    if out is not None:
        out.write(json.dumps(event, default=str) + "\n")
        out.flush()


def result_event(crawler, source: str, failure: str | None = None) -> dict[str, Any]:
    """The ``finished`` event of one source: status, close reason, run id, counts, errors."""
    stats = crawler.stats.get_stats() if crawler is not None else {}
    errors = list(stats.get("exportkit/error_list") or [])
    if failure:
        errors.append(SourceError(source, detail=failure[-500:], kind="crash"))
    return {
        "event": "finished",
        "source": source,
        "status": "failed" if failure else stats.get("exportkit/status", "failed"),
        "reason": stats.get("exportkit/close_reason") or stats.get("finish_reason"),
        "run_id": stats.get("exportkit/run_id"),
        "counts": stats.get("exportkit/counts") or {},
        "errors": [e.to_record() for e in errors],  # SourceError.from_record in the parent
    }


def main(argv: list[str] | None = None) -> int:
    """Run the job's sources in one reactor run; exit 0 when all succeeded."""
    argv = sys.argv[1:] if argv is None else argv
    job = json.loads(argv[0] if argv else sys.stdin.read())
    from scrapy.utils.reactor import install_reactor

    settings = effective_settings(job.get("settings"))
    install_reactor(settings["TWISTED_REACTOR"])

    from scrapy.crawler import CrawlerRunner
    from scrapy.utils.log import configure_logging
    from twisted.internet import defer, reactor

    configure_logging(settings)
    # Scrapy filters by level in its handler only (and resets the root logger to NOTSET for
    # every crawler), so every item's DEBUG "Scraped from" record would still be built and
    # thrown away — costly per item. A level on the "scrapy" logger stops that at the source.
    logging.getLogger("scrapy").setLevel(settings.get("LOG_LEVEL") or "WARNING")
    fd = os.environ.get("EXPORTKIT_PROGRESS_FD")
    out = os.fdopen(os.dup(int(fd)), "w", encoding="utf-8") if fd else None
    runner = CrawlerRunner(settings)
    results: list[dict[str, Any]] = []

    @defer.inlineCallbacks
    def crawl_all():
        try:
            for source in job["sources"]:
                crawler = runner.create_crawler(source)
                failure = None
                try:
                    yield runner.crawl(crawler, **job.get("spider_args", {}).get(source, {}))
                except Exception as exc:  # report and go on with the next source
                    failure = f"{type(exc).__name__}: {exc}"
                result = result_event(crawler, source, failure)
                results.append(result)
                _emit(out, result)
        finally:
            reactor.stop()

    reactor.callWhenRunning(crawl_all)
    reactor.run()
    if out is None:  # run by hand: print the results
        print(json.dumps(results, default=str, indent=1))
    return 0 if results and all(r["status"] == "ok" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
