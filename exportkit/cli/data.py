"""``exportkit data``: inspect, share, and reset the market database."""

from __future__ import annotations

import click
from rich.table import Table

from exportkit.cli._output import table_console
from exportkit.cli.app import main
from exportkit.cli.console import Feedback
from exportkit.cli.options import db_option, format_option
from exportkit.i18n import t
from exportkit.store import open_store
from exportkit.store.status import store_status
from exportkit.store.transfer import FORMATS, export_tables, import_directory

_DB = db_option()


@main.group()
def data() -> None:
    """The market database: status, export/import (to share), reset."""


@data.command()
@_DB
@click.pass_obj
def status(feedback: Feedback, db: str | None) -> None:
    """Show how many figures each source gave per country, how new, and what is stale."""
    with open_store(db) as store:
        report = store_status(store)
    lang = feedback.lang
    console = table_console()
    console.print(
        t(
            "data_status_header",
            lang,
            path=report.path,
            schema=report.schema_version,
            snapshot=report.snapshot or "–",
        ),
        highlight=False,
    )
    console.print(
        f"{t('data_status_counts', lang)}: "
        + ", ".join(f"{name} {n}" for name, n in report.counts.items()),
        highlight=False,
    )
    table = Table()
    for key in (
        "col_table",
        "col_source",
        "col_country",
        "col_figures",
        "col_years",
        "col_retrieved",
        "col_stale",
    ):
        table.add_column(t(key, lang))
    for row in report.rows:
        figures, years = str(row.figures), _years(row.oldest_year, row.newest_year)
        if row.projected:
            figures = t(
                "data_status_projected_figures", lang, figures=figures, projected=row.projected
            )
            years = t(
                "data_status_projected_years", lang, years=years, to=row.newest_projected_year
            )
        table.add_row(
            row.table,
            row.source,
            row.iso3,
            figures,
            years,
            row.retrieved.date().isoformat() if row.retrieved else "–",
            row.reason or "",
        )
    console.print(table)
    stale = sum(r.stale for r in report.rows)
    if stale:
        feedback.info(t("data_status_stale_summary", lang, stale=stale))


def _years(oldest: int | None, newest: int | None) -> str:
    if newest is None:
        return "–"
    return str(newest) if oldest in (None, newest) else f"{oldest}–{newest}"


@data.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
@format_option("csv", "File format of the tables.", FORMATS)
@_DB
@click.pass_obj
def export_(feedback: Feedback, directory: str, fmt: str, db: str | None) -> None:
    """Write every table to DIRECTORY, one file per table (indicators.csv, …)."""
    with open_store(db) as store:
        result = export_tables(store, directory, fmt)
    feedback.info(
        t(
            "data_export_done",
            feedback.lang,
            rows=sum(result.rows.values()),
            dir=directory,
            files=len(result.files),
        )
    )


@data.command("import")
@click.argument("directory", type=click.Path(file_okay=False))
@_DB
@click.pass_obj
def import_(feedback: Feedback, directory: str, db: str | None) -> None:
    """Merge a folder written by `data export` (all files are checked before anything is written)."""
    with open_store(db) as store:
        result = import_directory(store, directory)
    feedback.info(
        t("data_import_done", feedback.lang, rows=sum(result.rows.values()), dir=directory)
    )


@data.command()
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_DB
@click.pass_obj
def reset(feedback: Feedback, yes: bool, db: str | None) -> None:
    """Empty the database and reload the bundled snapshot."""
    with open_store(db) as store:
        if not yes and not click.confirm(
            t("data_reset_confirm", feedback.lang, path=store.location)
        ):
            feedback.info(t("data_reset_cancelled", feedback.lang))
            return
        counts = store.reset()
    feedback.info(
        t("data_reset_done", feedback.lang, path=store.location, rows=sum(counts.values()))
    )
