"""The ``exportkit`` command: thin click commands over the library.

Errors from the library (``ExportkitError``) become a one-line message and an exit code here,
in ``ExportkitGroup.invoke``, and nowhere else.
"""

from __future__ import annotations

import sys

import click

from exportkit import __version__
from exportkit.cli.console import Feedback, configure_logging
from exportkit.errors import ExportkitError
from exportkit.i18n import default_lang, normalise_lang, t

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class LangChoice(click.ParamType):
    """``zh-TW`` or ``en``, typed in any case (``zh-tw``, ``EN``); shown as ``zh-TW|en``."""

    name = "lang"

    def get_metavar(self, param, ctx=None) -> str:  # click < 8.2 passes no ctx
        return "[zh-TW|en]"

    def convert(self, value, param, ctx):
        text = str(value).strip()
        if text.lower() in ("zh-tw", "zh_tw"):
            return "zh-TW"
        if text.lower() == "en":
            return "en"
        self.fail(f"{value!r} is not zh-TW or en / 請用 zh-TW 或 en", param, ctx)


LANG = LangChoice()


class ExportkitGroup(click.Group):
    """A click group that turns every ``ExportkitError`` into a clean message and exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ExportkitError as exc:
            feedback = ctx.find_object(Feedback) or Feedback(lang=default_lang())
            click.echo(
                f"{t('error_prefix', feedback.lang)}: {exc.message(feedback.lang)}", err=True
            )
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo(t("interrupted", default_lang()), err=True)
            ctx.exit(130)


@click.group(cls=ExportkitGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "--version", prog_name="exportkit")
@click.option("-v", "--verbose", count=True, help="More detail (-vv for debug logs).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors; no progress bars.")
@click.option(
    "--lang",
    type=LANG,
    default=None,
    help="Language of messages and reports (default: EXPORTKIT_LANG or the system locale).",
)
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool, lang: str | None) -> None:
    """exportkit — export-readiness assessment and New Southbound market advice.

    \b
    Typical use:
      exportkit questionnaire template -o firm.xlsx     blank questionnaire for a firm
      exportkit assess filled/ -o out/                  score, rank markets, recommend entry modes
      exportkit markets --markets nsp6                  rank the priority markets
    """
    verbosity = -1 if quiet else verbose
    configure_logging(verbosity)
    ctx.obj = Feedback(verbosity=verbosity, lang=normalise_lang(lang) if lang else default_lang())


def _register() -> None:
    # Each command module adds itself to ``main``; import order is the order in --help.
    # (customs adds `data import-customs` to the `data` group, which it imports itself)
    from exportkit.cli import (  # noqa: F401
        assess,
        brief,
        crawl,
        customs,
        data,
        doctor,
        gravity,
        markets,
        questionnaire,
    )


_register()


def run() -> None:  # pragma: no cover - console-script shim
    sys.exit(main())
