"""``exportkit assess``: score workbooks, rank markets, recommend entry modes, write outputs."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import click
from rich import box
from rich.table import Table

from exportkit.assess import results_schema, run_assessment
from exportkit.assess.summary import firm_lines
from exportkit.cli._output import table_console
from exportkit.cli.app import main
from exportkit.cli.console import Feedback
from exportkit.cli.options import db_option, format_option, lang_option
from exportkit.errors import UsageError
from exportkit.i18n import normalise_lang, t
from exportkit.ingest.fetch import MissingFetcher
from exportkit.resources import examples_dir


@main.command(help=t("assess_help", "en"))
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--markets",
    default="nsp18",
    show_default=True,
    help=t("assess_help_markets", "en"),
)
@lang_option(t("assess_help_lang", "en"))
@format_option("json,xlsx", t("assess_help_fmt", "en"))
@click.option(
    "--json-lang",
    type=click.Choice(["zh-TW", "en", "both"]),
    default=None,
    help=t("assess_help_json_lang", "en"),
)
@click.option(
    "--briefs",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help=t("assess_help_briefs", "en"),
)
@click.option(
    "-o",
    "--output",
    "outdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("exportkit-output"),
    show_default=True,
    help=t("assess_help_outdir", "en"),
)
@db_option()
@click.option("--fail-fast", is_flag=True, help=t("assess_help_fail_fast", "en"))
@click.option("--schema", is_flag=True, help=t("assess_help_schema", "en"))
@click.option("--examples", is_flag=True, help=t("assess_help_examples", "en"))
@click.option(
    "--assessed-on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    callback=lambda ctx, param, value: _not_in_future(value),
    help=t("assess_help_assessed_on", "en"),
)
@click.option("--fetch-missing", is_flag=True, help=t("assess_help_fetch_missing", "en"))
@click.option(
    "--comtrade-url",
    metavar="URL",
    default=None,
    help=t("assess_help_comtrade_url", "en"),
)
@click.pass_obj
def assess(
    feedback: Feedback,
    inputs: tuple[Path, ...],
    markets: str,
    lang: str | None,
    fmt: str,
    json_lang: str | None,
    briefs: int,
    outdir: Path,
    db: Path | None,
    fail_fast: bool,
    schema: bool,
    examples: bool,
    assessed_on: datetime | None,
    fetch_missing: bool,
    comtrade_url: str | None,
) -> None:
    """Assess filled questionnaires (``run_assessment``) and print what was found; the help
    text, in both languages, is ``assess_help`` in ``locales/messages.yaml``."""
    if schema:
        click.echo(json.dumps(results_schema(), ensure_ascii=False, indent=2))
        return
    if lang:
        feedback.lang = normalise_lang(lang)
    paths = list(inputs)
    if examples:
        paths.append(Path(str(examples_dir())))
    if not paths:
        raise UsageError(t("assess_no_inputs", "en"), zh=t("assess_no_inputs", "zh-TW"))

    # the one-line outcome goes to stderr as soon as the crawl is over
    fetch = (
        MissingFetcher(
            db=db,
            source_url=comtrade_url,
            lang=feedback.lang,
            notify=lambda line: click.echo(line, err=True),
        )
        if fetch_missing
        else None
    )

    labels = {
        "Checking": "assess_checking",
        "Scoring": "assess_scoring",
        "Recommending": "assess_recommending",
        "Rendering HTML": "assess_rendering_html",
        "Rendering PDF": "assess_rendering_pdf",
    }

    @contextmanager
    def progress(description: str, total: int):
        with feedback.progress(
            t(labels.get(description, description), feedback.lang), total
        ) as advance:
            yield advance

    run = run_assessment(
        paths,
        markets=markets,
        lang=feedback.lang,
        formats=fmt,
        outdir=outdir,
        db=db,
        fail_fast=fail_fast,
        progress=progress,
        assessed_on=assessed_on.date() if assessed_on else None,
        briefs=briefs,
        json_lang=json_lang,
        fetch=fetch,
    )
    lang_now = feedback.lang
    click.echo(
        t(
            "assess_summary",
            lang_now,
            firms=len(run.firms),
            markets=len(run.settings.markets),
            failed=len(run.failures),
        )
    )
    if run.firms and not feedback.quiet:
        table_console().print(_firm_table(run, lang_now))
    for failure in run.failures:
        click.echo(t("assess_failed_file", lang_now, file=failure.file), err=True)
        for message in failure.messages(lang_now):
            for line in message.splitlines():
                click.echo(f"  {line}", err=True)
    if "index" in run.outputs:
        click.echo(
            t(
                "assess_documents",
                lang_now,
                written=run.documents_written,
                failed=len(run.document_failures),
            )
        )
        for failure in run.document_failures:
            click.echo(t("assess_failed_document", lang_now, file=failure.file), err=True)
            for message in failure.messages(lang_now):
                click.echo(f"  {message}", err=True)
    outputs = [str(p) for key, p in run.outputs.items() if key not in ("firms", "index")]
    if outputs:
        click.echo(t("assess_outputs", lang_now, paths=", ".join(outputs)))
    if "index" in run.outputs:
        click.echo(t("assess_index", lang_now, path=str(run.outputs["index"])))
    if not run.ok:
        raise click.exceptions.Exit(1)


def _not_in_future(value: datetime | None) -> datetime | None:
    # A date after today would sort after every real assessment and become the "previous"
    # one of the firm's next run.
    if value is not None and value.date() > date.today():
        shown = value.date().isoformat()
        raise UsageError(
            f"--assessed-on {shown}: an assessment date cannot be in the future",
            zh=f"--assessed-on {shown}：評估日期不能晚於今天",
        )
    return value


def _firm_table(run, lang: str) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for key, justify in (
        ("assess_col_firm", "left"),
        ("assess_col_index", "right"),
        ("assess_col_band", "left"),
        ("assess_col_market", "left"),
        ("assess_col_mode", "left"),
    ):
        table.add_column(t(key, lang), justify=justify, overflow="fold")
    for line in firm_lines(run, lang):
        table.add_row(line.firm, f"{line.overall:.1f}", line.band, line.market, line.mode)
    return table
