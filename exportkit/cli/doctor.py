"""``exportkit doctor``: what this installation can do (fonts for PDF, data files, database)."""

from __future__ import annotations

import click

from exportkit.cli.app import main
from exportkit.cli.console import Feedback
from exportkit.doctor import run_checks
from exportkit.i18n import t


@main.command(help=t("doctor_help", "en"))
@click.pass_obj
def doctor(feedback: Feedback) -> None:
    """Print the installation checks (``run_checks``); help: ``doctor_help``."""
    checks = run_checks()
    for check in checks:
        status = t("doctor_ok", feedback.lang) if check.ok else t("doctor_missing", feedback.lang)
        click.echo(f"{check.name:<28} {status:<8} {check.detail}")
    if not all(c.ok for c in checks if c.required):
        raise click.exceptions.Exit(1)
