"""``exportkit questionnaire template|validate|score``: thin commands over exportkit.questionnaire."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click

from exportkit.cli._output import echo_failures
from exportkit.cli.app import main
from exportkit.cli.console import Feedback
from exportkit.cli.options import format_option, lang_option
from exportkit.errors import UsageError
from exportkit.i18n import t
from exportkit.questionnaire import (
    FIRM_QUESTIONNAIRE,
    expand_paths,
    score_files,
    validate_files,
    write_template,
)
from exportkit.questionnaire.summary import batch_record

FILES = click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))


@main.group(help=t("questionnaire_help", "en"))
def questionnaire() -> None:
    """The ``questionnaire`` group (help: ``questionnaire_help`` in messages.yaml)."""


@questionnaire.command(help=t("questionnaire_template_help", "en"))
@click.option(
    "--definition",
    "definition_id",
    default=FIRM_QUESTIONNAIRE,
    show_default=True,
    help=t("questionnaire_template_help_definition_id", "en"),
)
@lang_option(t("questionnaire_template_help_lang", "en"))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help=t("questionnaire_template_help_output", "en"),
)
@click.option("--force", is_flag=True, help=t("questionnaire_template_help_force", "en"))
@click.pass_obj
def template(
    feedback: Feedback, definition_id: str, lang: str | None, output: Path, force: bool
) -> None:
    """Write a blank template (``write_template``); help: ``questionnaire_template_help``."""
    path = write_template(definition_id, lang or feedback.lang, output, overwrite=force)
    feedback.info(t("q_template_written", feedback.lang, path=path))


def _files(paths: tuple[Path, ...], lang: str) -> list[Path]:
    files = expand_paths(paths)
    if not files:
        raise UsageError(
            t("q_no_files", lang, paths=", ".join(map(str, paths))),
            zh=t("q_no_files", "zh-TW", paths=", ".join(map(str, paths))),
        )
    return files


@questionnaire.command(help=t("questionnaire_validate_help", "en"))
@FILES
@click.pass_obj
def validate(feedback: Feedback, files: tuple[Path, ...]) -> None:
    """Validate workbooks (``validate_files``); help: ``questionnaire_validate_help``."""
    lang = feedback.lang
    paths = _files(files, lang)
    with feedback.progress(t("q_reading", lang), len(paths)) as advance:
        answers, failures = validate_files(paths, progress=advance)
    for a in answers:
        click.echo(f"✓ {a.file}: {t('q_valid', lang)}")
    for f in failures:
        messages = f.messages(lang)
        click.echo(f"✗ {f.file}: {t('q_invalid', lang, n=len(messages))}")
        for m in messages:
            click.echo(f"    {m}")
    feedback.info(t("q_summary", lang, ok=len(answers), bad=len(failures)))
    if failures:
        raise click.exceptions.Exit(1)


def _cell(value: object) -> object:
    # A firm name such as "=HYPERLINK(...)" must stay text when the CSV is opened in Excel.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


@questionnaire.command(help=t("questionnaire_score_help", "en"))
@FILES
@format_option("table", t("questionnaire_score_help_fmt", "en"), ("table", "json", "csv"))
@click.pass_obj
def score(feedback: Feedback, files: tuple[Path, ...], fmt: str) -> None:
    """Score workbooks (``score_files``); help: ``questionnaire_score_help``."""
    lang = feedback.lang
    paths = _files(files, lang)
    with feedback.progress(t("q_reading", lang), len(paths)) as advance:
        batch = score_files(paths, progress=advance)
    record = batch_record(batch, lang)
    if fmt == "json":
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(_csv(record), nl=False)
    else:
        _table(record, lang)
    if fmt != "json":
        echo_failures(batch.failures, lang)
    if batch.failures:
        raise click.exceptions.Exit(1)


def _csv(record: dict) -> str:
    dims = list(dict.fromkeys(d for r in record["results"] for d in r["dimensions"]))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    head = ["file", "firm", "tax_id", "overall", "band", "percentile", "driver_type", "coverage"]
    writer.writerow(head + dims)
    for r in record["results"]:
        row = [r[k] for k in head] + [r["dimensions"].get(d, "") for d in dims]
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def _table(record: dict, lang: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for key in (
        "q_col_firm",
        "q_col_overall",
        "q_col_band",
        "q_col_pct",
        "q_col_driver",
        "q_col_gaps",
        "q_col_file",
    ):
        table.add_column(
            t(key, lang), justify="right" if key in ("q_col_overall", "q_col_pct") else "left"
        )
    for r in record["results"]:
        table.add_row(
            r["firm"],
            f"{r['overall']:.1f}",
            r["band_label"],
            "" if r["percentile"] is None else f"{r['percentile']:.0f}",
            r["driver_label"] or "",
            ", ".join(g["label"] for g in r["gaps"]),
            Path(r["file"]).name,
        )
    console = Console(soft_wrap=False, width=160)
    console.print(table)
    if record["alpha_min_firms"] is not None and record["alpha_n"]:
        minimum = record["alpha_min_firms"]
        console.print(t("q_alpha", lang, min=minimum))
        for dim, alpha in record["alpha"].items():
            n = record["alpha_n"].get(dim, 0)
            if alpha is None:
                key = "q_alpha_few" if n < minimum else "q_alpha_na"
                shown = t(key, lang, n=n, min=minimum)
            else:
                shown = f"{alpha:.2f} (n = {n})"
            console.print(f"  {dim:<28} {shown}", highlight=False)
        console.print(record["alpha_note"], highlight=False, soft_wrap=True)
