"""``exportkit data import-customs``: the customs portal's hand-downloaded CSV → trade flows."""

from __future__ import annotations

import click

from exportkit.cli.console import Feedback
from exportkit.cli.data import data as data_group
from exportkit.errors import ExportkitError
from exportkit.i18n import t
from exportkit.ingest.customs import import_customs


@data_group.command("import-customs")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--country",
    default="WLD",
    show_default=True,
    metavar="ISO3",
    help="The partner country chosen in the portal query (WLD = all countries).",
)
@click.option("--db", type=click.Path(dir_okay=False), help="Market database file.")
@click.pass_obj
def import_customs_cmd(feedback: Feedback, files, country, db) -> None:
    """Import CSV exports of the customs portal (進出口別,日期,貨品號列,…,美元(千元))."""
    failed = False
    for file in files:
        try:
            result = import_customs(file, country=country, db=db)
        except ExportkitError as exc:
            failed = True
            click.echo(
                f"{t('error_prefix', feedback.lang)}: {exc.message(feedback.lang)}", err=True
            )
            continue
        click.echo(
            t(
                "customs_imported",
                feedback.lang,
                file=file,
                rows=result.rows,
                flows=len(result.flows),
                skipped=len(result.skipped),
            )
        )
        if feedback.verbosity > 0:
            for line, reason in result.skipped:
                click.echo(f"    {file}:{line}: {reason}", err=True)
    if failed:
        raise click.exceptions.Exit(1)
