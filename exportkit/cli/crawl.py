"""``exportkit crawl``: refresh the market database from the public sources (thin command)."""

from __future__ import annotations

import sys
from functools import partial

import click

from exportkit.cli.app import main
from exportkit.cli.console import Feedback
from exportkit.cli.options import db_option
from exportkit.i18n import t
from exportkit.ingest.crawl import SOURCES, CrawlResult, run_crawl
from exportkit.ingest.scrapyd import run_scrapyd_crawl


class LiveProgress:
    """One status line per source on a terminal (rich), nothing in a pipe or with -q."""

    def __init__(self, feedback: Feedback) -> None:
        self.feedback = feedback
        self.rows: dict[str, dict] = {}
        self.live = None

    def __enter__(self) -> LiveProgress:
        if self.feedback.show_progress():
            from rich.live import Live

            self.live = Live(self.render(), console=self.feedback.err, transient=True)
            self.live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.live is not None:
            self.live.__exit__(*exc)

    def render(self):
        """The status table: one row per source with its counts so far."""
        from rich.table import Table

        lang = self.feedback.lang
        table = Table(box=None, show_header=True, header_style="bold")
        for key in (
            "crawl_col_source",
            "crawl_col_requests",
            "crawl_col_items",
            "crawl_col_dropped",
            "crawl_col_errors",
        ):
            table.add_column(t(key, lang), justify="left" if key == "crawl_col_source" else "right")
        for source, row in self.rows.items():
            table.add_row(
                source,
                str(row.get("requests", 0)),
                str(row.get("items", 0)),
                str(row.get("dropped", 0)),
                str(row.get("errors", 0)),
            )
        return table

    def __call__(self, event: dict) -> None:
        source = event.get("source")
        if not source:
            return
        row = self.rows.setdefault(source, {})
        if event.get("event") == "finished":
            counts = event.get("counts") or {}
            row.update(
                requests=counts.get("requests", row.get("requests", 0)),
                items=counts.get("items_stored", row.get("items", 0)),
                dropped=counts.get("items_dropped", row.get("dropped", 0)),
                errors=len(event.get("errors") or []),
            )
        else:
            row.update({k: event.get(k, 0) for k in ("requests", "items", "dropped", "errors")})
        if self.live is not None:
            self.live.update(self.render())


def print_summary(result: CrawlResult, feedback: Feedback) -> None:
    """One line per source (status, requests, items, drops, errors), then its errors."""
    lang = feedback.lang
    for r in result.sources:
        c = r.counts
        click.echo(
            t(
                "crawl_summary_line",
                lang,
                source=r.source,
                status=t(f"crawl_status_{r.status}", lang),
                requests=c.get("requests", 0),
                cached=c.get("cached", 0),
                items=c.get("items_stored", 0),
                dropped=c.get("items_dropped", 0),
                errors=len(r.errors),
            )
        )
        if not feedback.quiet:
            shown = r.errors if feedback.verbosity > 0 else r.errors[:5]
            for e in shown:
                click.echo(f"    {e.describe()}", err=True)
            if len(r.errors) > len(shown):
                click.echo(
                    "    " + t("crawl_more_errors", lang, n=len(r.errors) - len(shown)), err=True
                )


@main.command(help=t("crawl_help", "en"))
@click.argument("sources", nargs=-1, type=click.Choice(SOURCES))
@click.option("--countries", metavar="ISO3,...", help=t("crawl_help_countries", "en"))
@click.option("--years", metavar="FROM:TO", help=t("crawl_help_years", "en"))
@click.option("--hs", metavar="CODE,...|TOTAL", help=t("crawl_help_hs", "en"))
@click.option("--indicators", metavar="CODE,...", help=t("crawl_help_indicators", "en"))
@db_option()
@click.option("--no-cache", is_flag=True, help=t("crawl_help_no_cache", "en"))
@click.option(
    "--source-url",
    "source_urls",
    multiple=True,
    metavar="SOURCE=URL",
    help=t("crawl_help_source_urls", "en"),
)
@click.option(
    "--scrapyd",
    "scrapyd",
    metavar="URL",
    help=t("crawl_help_scrapyd", "en"),
)
@click.option(
    "-s",
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help=t("crawl_help_settings", "en"),
)
@click.pass_obj
def crawl(
    feedback: Feedback,
    sources,
    countries,
    years,
    hs,
    indicators,
    db,
    no_cache,
    source_urls,
    scrapyd,
    settings,
) -> None:
    """Refresh the market database (``run_crawl``); help: ``crawl_help`` in messages.yaml."""
    if feedback.verbosity > 0:
        settings = (*settings, "LOG_LEVEL=INFO" if feedback.verbosity == 1 else "LOG_LEVEL=DEBUG")
    with LiveProgress(feedback) as live:
        crawl_on = partial(run_scrapyd_crawl, scrapyd) if scrapyd else run_crawl
        result = crawl_on(
            sources,
            countries=countries,
            years=years,
            hs=hs,
            indicators=indicators,
            db=db,
            use_cache=not no_cache,
            source_urls=source_urls,
            settings=settings,
            progress=live,
        )
    print_summary(result, feedback)
    if feedback.verbosity > 1 and result.log:
        sys.stderr.write(result.log)
    if not result.ok:
        raise click.exceptions.Exit(1)
