"""``exportkit gravity``: fit a PPML gravity equation on a user's CSV/Parquet panel."""

from __future__ import annotations

import click

from exportkit.analytics import gravity, gravity_input, report
from exportkit.cli.app import main
from exportkit.cli.console import Feedback
from exportkit.cli.help import LocalizedCommand
from exportkit.cli.options import format_option
from exportkit.i18n import t

# ``--fe none``: no fixed effects (the estimator then adds the intercept ``_cons``).
NO_FE = "none"


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _fixed_effects(value: str) -> list[str]:
    names = _split(value)
    return [] if [n.lower() for n in names] == [NO_FE] else names


@main.command("gravity", cls=LocalizedCommand, help_key="gravity", help=t("gravity_help", "en"))
@click.argument("data", type=click.Path(dir_okay=False))
@click.option("--trade", required=True, help=t("gravity_help_trade", "en"))
@click.option("--exporter", required=True, help=t("gravity_help_exporter", "en"))
@click.option("--importer", required=True, help=t("gravity_help_importer", "en"))
@click.option("--year", default=None, help=t("gravity_help_year", "en"))
@click.option("--rhs", required=True, help=t("gravity_help_rhs", "en"))
@click.option(
    "--fe",
    default="exporter-year,importer-year",
    show_default=True,
    help=t("gravity_help_fe", "en"),
)
@click.option(
    "--se",
    type=click.Choice(gravity.SE_CHOICES),
    default="cluster",
    show_default=True,
    help=t("gravity_help_se", "en"),
)
@click.option("--cluster", default=None, help=t("gravity_help_cluster", "en"))
@format_option("table", t("gravity_help_fmt", "en"), ("table", "json", "csv"))
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
    """Fit the panel and print it (the help text is ``gravity_help`` in messages.yaml)."""
    result = gravity_input.fit_checked(
        data,
        trade=trade,
        exporter=exporter,
        importer=importer,
        year=year,
        rhs=_split(rhs),
        fe=_fixed_effects(fe),
        se=se,
        cluster=cluster,
    )
    if fmt == "json":
        click.echo(report.gravity_json(result))
    elif fmt == "csv":
        click.echo(report.gravity_csv(result), nl=False)
    else:
        click.echo(report.gravity_table(result, feedback.lang))
