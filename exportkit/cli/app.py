"""The ``exportkit`` group every command hangs on, and the one error boundary.

Errors from the library (``ExportkitError``) become a one-line message and an exit code here,
in ``ExportkitGroup.invoke``, and nowhere else.
"""

from __future__ import annotations

import signal
import threading

import click

from exportkit import __version__
from exportkit.cli._output import echo_error
from exportkit.cli.console import Feedback, configure_logging
from exportkit.cli.help import (
    LocalizedGroup,
    end_command_line,
    help_lang,
    hoist_verbosity,
    install_click_translations,
    set_command_line_lang,
    start_command_line,
)
from exportkit.cli.options import lang_option
from exportkit.errors import ExportkitError
from exportkit.i18n import default_lang, normalise_lang, t

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that the same clean-up runs (PDF workers and the crawl
    child stopped, a staging folder removed) instead of the process vanishing mid-write."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


def _ignore_further_interrupts() -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _signal_handlers() -> dict:
    if threading.current_thread() is not threading.main_thread():
        return {}
    found = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    return {sig: handler for sig, handler in found.items() if handler is not None}


def _catch_sigterm() -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)


install_click_translations()


class ExportkitGroup(LocalizedGroup):
    """A click group that turns every ``ExportkitError`` into a clean message and exit code,
    and speaks the user's language in every help page and in click's own errors."""

    def main(self, args=None, *rest, **kwargs):
        """Run a command line; click's messages follow its ``--lang`` (else the default)."""
        import sys

        held = _signal_handlers()
        self.interrupted = False
        args = hoist_verbosity(list(sys.argv[1:] if args is None else args))
        start_command_line(args)
        try:
            return super().main(args, *rest, **kwargs)
        finally:
            end_command_line()
            # Called in-process, leave the process as found; but an interrupted run is ending,
            # and a second Ctrl-C must not cut that short.
            if not self.interrupted:
                for sig, handler in held.items():
                    signal.signal(sig, handler)

    def invoke(self, ctx: click.Context):
        """Run the command; a library error is printed in the user's language, not raised."""
        try:
            return super().invoke(ctx)
        except ExportkitError as exc:
            feedback = ctx.find_object(Feedback) or Feedback(lang=default_lang())
            echo_error(exc.message(feedback.lang), feedback.lang)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt as exc:
            self.interrupted = True
            _ignore_further_interrupts()  # the clean-up ran; a second Ctrl-C changes nothing
            terminated = isinstance(exc, Terminated)
            lang = (ctx.find_object(Feedback) or Feedback(lang=default_lang())).lang
            click.echo(t("terminated" if terminated else "interrupted", lang), err=True)
            ctx.exit(143 if terminated else 130)


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(t("version_line", help_lang(ctx), version=__version__))
        ctx.exit()


@click.group(cls=ExportkitGroup, context_settings=CONTEXT_SETTINGS, help=t("main_help", "en"))
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help=t("cli_help_version", "en"),
)
@click.option("-v", "--verbose", count=True, help=t("main_help_verbose", "en"))
@click.option("-q", "--quiet", is_flag=True, help=t("main_help_quiet", "en"))
@lang_option(t("main_help_lang", "en"))
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool, lang: str | None) -> None:
    """The ``exportkit`` group: verbosity and language for every command (help: ``main_help``)."""
    _catch_sigterm()
    verbosity = -1 if quiet else verbose
    configure_logging(verbosity)
    ctx.obj = Feedback(verbosity=verbosity, lang=normalise_lang(lang) if lang else default_lang())
    set_command_line_lang(ctx.obj.lang)
