"""``exportkit data import-customs``: the customs portal's hand-downloaded CSV → trade flows."""

from __future__ import annotations

import click

from exportkit.cli._output import echo_failures
from exportkit.cli.console import Feedback
from exportkit.cli.data import data as data_group
from exportkit.cli.options import db_option
from exportkit.i18n import t
from exportkit.ingest.customs import import_customs_files

SHOWN_SKIPPED = 10  # skipped rows listed without -v


@data_group.command("import-customs", help=t("data_import_customs_help", "en"))
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--country",
    default="WLD",
    show_default=True,
    metavar="ISO3",
    help=t("data_import_customs_help_country", "en"),
)
@db_option()
@click.pass_obj
def import_customs_cmd(feedback: Feedback, files, country, db) -> None:
    """Import customs CSVs (``import_customs_files``); help: ``data_import_customs_help``."""
    batch = import_customs_files(files, country=country, db=db)
    for result in batch.imports:
        click.echo(
            t(
                "customs_imported",
                feedback.lang,
                file=result.file,
                rows=result.rows,
                flows=len(result.flows),
                skipped=len(result.skipped),
            )
        )
        shown = result.skipped if feedback.verbosity > 0 else result.skipped[:SHOWN_SKIPPED]
        for line, reason in shown:
            where = f"{result.file}:{line}" if line else result.file
            click.echo(f"    {where}: {reason.get(feedback.lang)}", err=True)
        if len(result.skipped) > len(shown):
            more = len(result.skipped) - len(shown)
            click.echo("    " + t("customs_more_skipped", feedback.lang, n=more), err=True)
    echo_failures(batch.failures, feedback.lang)
    if not batch.ok:
        raise click.exceptions.Exit(1)
