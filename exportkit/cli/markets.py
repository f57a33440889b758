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


@main.command()
@click.option(
    "--markets",
    "market_spec",
    default="nsp18",
    show_default=True,
    help="nsp6 (priority six), nsp18 (all New Southbound) or codes/names, e.g. TH,VN,印尼.",
)
@click.option("--hs", "hs", default="", help="HS codes for the product view, e.g. 8471,847130.")
@click.option(
    "--weights",
    "weights_file",
    type=click.Path(dir_okay=False),
    help="YAML/JSON file of dimension weights (summing to 100 or 1).",
)
@click.option(
    "--sensitivity",
    type=click.IntRange(0, 100_000),
    default=0,
    help="Re-rank with N random draws of weights, indicator set and normalisation; show how often each market is 1st / top 3.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for --sensitivity.")
@format_option("table", "Output: a table, CSV or JSON.", ("table", "csv", "json"))
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
    """Rank markets by attractiveness for Taiwanese exporters (offline, from the database)."""
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
