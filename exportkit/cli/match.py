"""``exportkit match FIRMS... --demand DEMANDS...``: match firms with overseas demands."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import click
from rich import box
from rich.table import Table

from exportkit.assess import matches_schema, run_match
from exportkit.cli._output import table_console
from exportkit.cli.app import main
from exportkit.cli.console import Feedback
from exportkit.cli.options import db_option, format_option, lang_option
from exportkit.errors import UsageError
from exportkit.i18n import normalise_lang, t
from exportkit.resources import demand_examples_dir, examples_dir

STAGES = {
    "Reading firms": "match_reading_firms",
    "Reading demands": "match_reading_demands",
    "Recommending": "match_recommending",
    "Matching": "match_matching",
    "Rendering HTML": "assess_rendering_html",
    "Rendering PDF": "assess_rendering_pdf",
}


@main.command(help=t("match_help", "en"))
@click.argument("firms", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--demand",
    "demands",
    multiple=True,
    type=click.Path(path_type=Path),
    help=t("match_help_demands", "en"),
)
@click.option(
    "-o",
    "--output",
    "outdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("exportkit-match"),
    show_default=True,
    help=t("match_help_outdir", "en"),
)
@click.option("--meetings", is_flag=True, help=t("match_help_meetings", "en"))
@lang_option(t("match_help_lang", "en"))
@format_option("json,xlsx", t("match_help_fmt", "en"))
@db_option()
@click.option("--examples", is_flag=True, help=t("match_help_examples", "en"))
@click.option("--schema", is_flag=True, help=t("match_help_schema", "en"))
@click.pass_obj
def match(
    feedback: Feedback,
    firms: tuple[Path, ...],
    demands: tuple[Path, ...],
    outdir: Path,
    meetings: bool,
    lang: str | None,
    fmt: str,
    db: Path | None,
    examples: bool,
    schema: bool,
) -> None:
    """Match firms with overseas demands (``run_match``) and print what was found; the help
    text, in both languages, is ``match_help`` in ``locales/messages.yaml``."""
    if schema:
        click.echo(json.dumps(matches_schema(), ensure_ascii=False, indent=2))
        return
    if lang:
        feedback.lang = normalise_lang(lang)
    firm_paths, demand_paths = list(firms), list(demands)
    if examples:
        firm_paths.append(Path(str(examples_dir())))
        demand_paths.append(Path(str(demand_examples_dir())))
    if not firm_paths:
        raise UsageError(t("match_no_firms", "en"), zh=t("match_no_firms", "zh-TW"))
    if not demand_paths:
        raise UsageError(t("match_no_demands", "en"), zh=t("match_no_demands", "zh-TW"))

    @contextmanager
    def progress(description: str, total: int):
        with feedback.progress(
            t(STAGES.get(description, description), feedback.lang), total
        ) as advance:
            yield advance

    run = run_match(
        firm_paths,
        demand_paths,
        outdir,
        lang=feedback.lang,
        formats=fmt,
        meetings=meetings,
        db=db,
        progress=progress,
    )
    lang_now = feedback.lang
    outcomes = run.result.outcomes
    click.echo(
        t(
            "match_summary",
            lang_now,
            firms=len(run.result.firms),
            demands=len(outcomes),
            matched=sum(1 for o in outcomes if o.status == "matched"),
            unmatched=len(run.unmatched),
            meetings=len(run.meetings),
            failed=len(run.failures),
        )
    )
    if outcomes and not feedback.quiet:
        table_console().print(_demand_table(run, lang_now))
    for failure in [*run.failures, *run.document_failures]:
        click.echo(t("match_failed_file", lang_now, file=failure.file), err=True)
        for message in failure.messages(lang_now):
            for line in message.splitlines():
                click.echo(f"  {line}", err=True)
    outputs = [str(p) for key, p in run.outputs.items() if key != "index"]
    if outputs:
        click.echo(t("match_outputs", lang_now, paths=", ".join(outputs)))
    if "index" in run.outputs:
        click.echo(t("match_index", lang_now, path=str(run.outputs["index"])))
    if not run.ok:
        raise click.exceptions.Exit(1)


def _demand_table(run, lang: str) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for key in ("match_col_demand", "match_col_country", "match_col_status", "match_col_best"):
        table.add_column(t(key, lang), overflow="fold")
    names = {f.key: f.name for f in run.result.firms}
    for o in run.result.outcomes:
        proposed = o.proposed
        status = (
            t("match_status_matched", lang, n=len(proposed))
            if o.status == "matched"
            else t("match_status_unmatched", lang)
        )
        best = f"{names[proposed[0].firm_key]} ({proposed[0].score:.0f})" if proposed else "—"
        table.add_row(o.demand.organisation, o.demand.country_name.get(lang), status, best)
    return table
