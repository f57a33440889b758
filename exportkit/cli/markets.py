"""``exportkit markets``: rank target markets with the Market Potential Index."""

from __future__ import annotations

from pathlib import Path

import click

from exportkit.cli._output import table_console
from exportkit.cli.app import main
from exportkit.cli.console import Feedback
from exportkit.cli.options import db_option, format_option
from exportkit.i18n import t
from exportkit.markets import load_weights, rank_markets, validate_hs_codes
from exportkit.markets.report import to_csv, to_json, to_table
from exportkit.store import open_store


@main.command(help=t("markets_help", "en"))
@click.option(
    "--markets",
    "market_spec",
    default="nsp18",
    show_default=True,
    help=t("markets_help_market_spec", "en"),
)
@click.option("--hs", "hs", default="", help=t("markets_help_hs", "en"))
@click.option(
    "--weights",
    "weights_file",
    type=click.Path(dir_okay=False),
    help=t("markets_help_weights_file", "en"),
)
@click.option(
    "--sensitivity",
    type=click.IntRange(0, 100_000),
    default=0,
    help=t("markets_help_sensitivity", "en"),
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help=t("markets_help_seed", "en"),
)
@format_option("table", t("markets_help_fmt", "en"), ("table", "csv", "json"))
@db_option()
@click.pass_obj
def markets(
    feedback: Feedback,
    market_spec: str,
    hs: str,
    weights_file: str | None,
    sensitivity: int,
    seed: int,
    fmt: str,
    db: Path | None,
) -> None:
    """Rank markets (``rank_markets``) and print them; help: ``markets_help``."""
    codes = validate_hs_codes(hs)
    weights = load_weights(weights_file) if weights_file else None
    with open_store(db) as store:
        scores = rank_markets(store, market_spec, codes, weights, sensitivity, seed)
    if fmt == "json":
        click.echo(to_json(scores))
    elif fmt == "csv":
        click.echo(to_csv(scores), nl=False)
    else:
        table_console().print(to_table(scores, feedback.lang, codes))
        if sensitivity:
            feedback.info(
                t("markets_sensitivity_note", feedback.lang, draws=sensitivity, seed=seed)
            )
    if codes and all(s.product_year is None for s in scores):
        feedback.info(t("markets_no_product_data", feedback.lang, codes=",".join(codes)))
