"""``exportkit doctor``: what this installation can do (fonts for PDF, data files, database)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from exportkit.cli._output import table_console
from exportkit.cli.app import main
from exportkit.cli.console import Feedback
from exportkit.cli.options import db_option
from exportkit.doctor import run_checks
from exportkit.i18n import t
from exportkit.store.health import database_check


@main.command(help=t("doctor_help", "en"))
@db_option()
@click.pass_obj
def doctor(feedback: Feedback, db: Path | None) -> None:
    """Print the installation checks (``run_checks``, ``database_check``); help:
    ``doctor_help``. Exit 1 when a required one fails."""
    lang = feedback.lang
    checks = [*run_checks(), database_check(db)]
    table = Table(box=None, show_header=False, pad_edge=False)
    for _ in range(3):
        table.add_column(overflow="fold")
    for check in checks:
        if check.ok:
            status = t("doctor_ok", lang)
        else:
            status = t(
                "doctor_problem"
                if check.key == "database"
                else "doctor_missing"
                if check.required
                else "doctor_optional_missing",
                lang,
            )
        table.add_row(t(f"doctor_check_{check.key}", lang), status, check.shown_detail(lang))
    table_console().print(table)
    failed = {c.key for c in checks if not c.ok}
    if failed & {"font_cjk", "font_thai", "harfbuzz_subset"}:
        click.echo(t("doctor_fonts_hint", lang))
    if any(c.required for c in checks if not c.ok):
        raise click.exceptions.Exit(1)
