"""``exportkit gravity``: fit a PPML gravity equation on a user's CSV/Parquet panel."""

from __future__ import annotations

import click

from exportkit.analytics import gravity, report
from exportkit.cli.app import main
from exportkit.cli.console import Feedback
from exportkit.cli.options import format_option


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


@main.command("gravity")
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--trade", required=True, help="Column with bilateral trade (zeros kept).")
@click.option("--exporter", required=True, help="Column with the exporter code.")
@click.option("--importer", required=True, help="Column with the importer code.")
@click.option("--year", default=None, help="Column with the year (omit for a cross-section).")
@click.option("--rhs", required=True, help="Regressor columns, comma-separated.")
@click.option(
    "--fe",
    default="exporter-year,importer-year",
    show_default=True,
    help="Fixed effects, comma-separated: " + ", ".join(gravity.FE_CHOICES) + ".",
)
@click.option(
    "--se",
    type=click.Choice(gravity.SE_CHOICES),
    default="cluster",
    show_default=True,
    help="Standard errors: cluster (by pair), hc1 or iid.",
)
@click.option("--cluster", default=None, help="Cluster column (default: exporter–importer pair).")
@format_option("table", "Output: a table, JSON or CSV.", ("table", "json", "csv"))
@click.pass_obj
def gravity_command(
    feedback: Feedback,
    data: str,
    trade: str,
    exporter: str,
    importer: str,
    year: str | None,
    rhs: str,
    fe: str,
    se: str,
    cluster: str | None,
    fmt: str,
) -> None:
    """Fit a PPML gravity model (Santos Silva & Tenreyro 2006) with absorbed fixed effects.

    \b
    Example:
      exportkit gravity panel.csv --trade trade --exporter exporter --importer importer \\
        --year year --rhs ln_DIST,CNTG,LANG,CLNY

    With a single year (or no --year), exporter-year effects are exporter effects.
    """
    result = gravity.fit_ppml_file(
        data,
        trade=trade,
        exporter=exporter,
        importer=importer,
        year=year,
        rhs=_split(rhs),
        fe=_split(fe),
        se=se,
        cluster=cluster,
    )
    if fmt == "json":
        click.echo(report.gravity_json(result))
    elif fmt == "csv":
        click.echo(report.gravity_csv(result), nl=False)
    else:
        click.echo(report.gravity_table(result, feedback.lang))
