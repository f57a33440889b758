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
from exportkit.ingest.tariffs import import_tariff_files
from exportkit.store import open_store
from exportkit.store.status import store_status
from exportkit.store.transfer import FORMATS, export_tables, import_directory

_DB = db_option()


@main.group(help=t("data_help", "en"))
def data() -> None:
    """The ``data`` group (help: ``data_help`` in messages.yaml)."""


@data.command(help=t("data_status_help", "en"))
@_DB
@click.pass_obj
def status(feedback: Feedback, db: str | None) -> None:
    """Print the database's figures per source and country (help: ``data_status_help``)."""
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


@data.command("export", help=t("data_export_help", "en"))
@click.argument("directory", type=click.Path(file_okay=False))
@format_option("csv", t("data_export_help_fmt", "en"), FORMATS)
@click.option(
    "--include-assessments", is_flag=True, help=t("data_export_help_include_assessments", "en")
)
@_DB
@click.pass_obj
def export_(
    feedback: Feedback, directory: str, fmt: str, include_assessments: bool, db: str | None
) -> None:
    """Export the tables (``export_tables``); help: ``data_export_help``."""
    with open_store(db) as store:
        result = export_tables(store, directory, fmt, include_assessments=include_assessments)
    feedback.info(
        t(
            "data_export_done",
            feedback.lang,
            rows=sum(result.rows.values()),
            dir=directory,
            files=len(result.files),
        )
    )
    key = "data_export_with_assessments" if include_assessments else "data_export_no_assessments"
    feedback.info(t(key, feedback.lang, rows=result.rows.get("assessments", 0)))


@data.command("import", help=t("data_import_help", "en"))
@click.argument("directory", type=click.Path(file_okay=False))
@_DB
@click.pass_obj
def import_(feedback: Feedback, directory: str, db: str | None) -> None:
    """Merge an exported folder (``import_directory``); help: ``data_import_help``."""
    with open_store(db) as store:
        result = import_directory(store, directory)
    lang = feedback.lang
    click.echo(t("data_import_done", lang, rows=sum(result.rows.values()), dir=directory))
    for table, rows in result.rows.items():
        click.echo(t("data_import_table", lang, table=table, rows=rows))
    if "assessments" in result.rows:
        click.echo(t("data_import_assessments", lang, rows=result.rows["assessments"]))


@data.command(help=t("data_reset_help", "en"))
@click.option("--yes", is_flag=True, help=t("data_reset_help_yes", "en"))
@click.option("--history", is_flag=True, help=t("data_reset_help_history", "en"))
@_DB
@click.pass_obj
def reset(feedback: Feedback, yes: bool, history: bool, db: str | None) -> None:
    """Reset the database to the snapshot; help: ``data_reset_help``."""
    with open_store(db) as store:
        key = "data_reset_confirm_history" if history else "data_reset_confirm"
        assessments = store.counts().get("assessments", 0)
        if not yes and not click.confirm(
            t(key, feedback.lang, path=store.location, assessments=assessments)
        ):
            feedback.info(t("data_reset_cancelled", feedback.lang))
            return
        counts = store.reset(history=history)
    feedback.info(
        t("data_reset_done", feedback.lang, path=store.location, rows=sum(counts.values()))
    )


@data.command("import-baci", help=t("data_import_baci_help", "en"))
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--country-codes",
    type=click.Path(dir_okay=False),
    help=t("data_import_baci_help_country_codes", "en"),
)
@_DB
@click.pass_obj
def import_baci_cmd(feedback: Feedback, files, country_codes, db) -> None:
    """Import BACI files (``import_baci_files``); help: ``data_import_baci_help``."""
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


@data.command("import-tariffs", help=t("data_import_tariffs_help", "en"))
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@_DB
@click.pass_obj
def import_tariffs_cmd(feedback: Feedback, files, db) -> None:
    """Import tariff downloads (``import_tariff_files``); help: ``data_import_tariffs_help``."""
    batch = import_tariff_files(files, db=db)
    for result in batch.imports:
        click.echo(
            t(
                "tariffs_imported",
                feedback.lang,
                file=result.file,
                rows=result.rows,
                tariffs=len(result.tariffs),
                skipped=len(result.skipped),
            )
        )
        for line, reason in result.skipped[: None if feedback.verbosity > 0 else 3]:
            click.echo(f"    {result.file}:{line}: {reason}", err=True)
    echo_failures(batch.failures, feedback.lang)
    if not batch.ok:
        raise click.exceptions.Exit(1)
