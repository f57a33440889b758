"""``exportkit data``: inspect, share, and reset the market database."""

from __future__ import annotations

import click
from rich.table import Table

from exportkit.cli._output import echo_failures, table_console
from exportkit.cli.app import main
from exportkit.cli.console import Feedback
from exportkit.cli.options import db_option, format_option
from exportkit.i18n import t
from exportkit.ingest.baci import import_baci_files
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
        if not yes and not click.confirm(t("data_reset_confirm", feedback.lang, path=store.path)):
            feedback.info(t("data_reset_cancelled", feedback.lang))
            return
        counts = store.reset()
    feedback.info(t("data_reset_done", feedback.lang, path=store.path, rows=sum(counts.values())))


@data.command("import-baci")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--country-codes",
    type=click.Path(dir_okay=False),
    help="The release's country_codes_V….csv (for codes outside ISO 3166 and BACI's usual ones).",
)
@_DB
@click.pass_obj
def import_baci_cmd(feedback: Feedback, files, country_codes, db) -> None:
    """Import CEPII BACI year files (BACI_HS17_Y2022_V202401b.csv: t,i,j,k,v,q)."""
    batch = import_baci_files(files, country_codes=country_codes, db=db)
    for result in batch.imports:
        key = "baci_imported_totals" if result.totals else "baci_imported"
        click.echo(
            t(
                key,
                feedback.lang,
                file=result.file,
                source=result.release.source,
                rows=result.rows,
                flows=result.flows,
                products=result.products,
                skipped=result.skipped,
            )
        )
        for problem in result.problems[: None if feedback.verbosity > 0 else 3]:
            where = f"{result.file}:{problem.line}" if problem.line else result.file
            reason = t(
                "baci_problem_" + problem.kind.replace(" ", "_"),
                feedback.lang,
                columns=problem.columns,
                rows=problem.rows,
            )
            click.echo(f"    {where}: {reason}", err=True)
    echo_failures(batch.failures, feedback.lang)
    if not batch.ok:
        raise click.exceptions.Exit(1)
