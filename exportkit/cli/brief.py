"""``exportkit brief FIRM.xlsx --market TH``: one country brief straight from a questionnaire."""

from __future__ import annotations

from pathlib import Path

import click

from exportkit.cli.app import main
from exportkit.cli.console import Feedback
from exportkit.cli.options import db_option, format_option
from exportkit.i18n import t


@main.command(help=t("brief_help", "en"))
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--market", "-m", required=True, help=t("brief_help_market", "en"))
@format_option("html", t("brief_help_fmt", "en"))
@click.option(
    "-o",
    "--output",
    "outdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help=t("brief_help_outdir", "en"),
)
@db_option()
@click.pass_obj
def brief(
    feedback: Feedback, workbook: Path, market: str, fmt: str, outdir: Path, db: Path | None
) -> None:
    """Render one firm's brief for one market (help: ``brief_help`` in messages.yaml)."""
    from exportkit.assess.brief import write_brief_files

    written = write_brief_files(workbook, market, outdir, fmt, lang=feedback.lang, db=db)
    for path in written.paths:
        click.echo(t("brief_written", feedback.lang, path=str(path)))
    for command, figures in written.fill_commands:
        click.echo(
            t(
                "brief_fill",
                feedback.lang,
                figures=("、" if feedback.lang == "zh-TW" else ", ").join(figures),
                command=command,
            )
        )
