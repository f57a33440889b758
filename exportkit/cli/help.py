"""``--help`` in the user's language: a command's help texts in zh-TW from ``messages.yaml``.

A command declared with ``cls=LocalizedCommand, help_key="match"`` keeps its English help as
click shows it; in zh-TW (``--lang zh-TW`` before the command, ``EXPORTKIT_LANG`` or the
locale) it shows ``<help_key>_help`` for the command and, for each option,
``<help_key>_help_<option>`` (else the shared ``cli_help_<option>``) instead, with the headings
and defaults in Chinese. A text missing from the catalogue stays English, never blank. Declare
the English help from the same entries (``help=t("match_help", "en")``): one source for both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from exportkit.cli.console import Feedback
from exportkit.i18n import default_lang, t


def _zh(key: str, fallback: str | None) -> str | None:
    """The catalogue's zh-TW text of ``key``; ``fallback`` when the catalogue lacks it."""
    try:
        return t(key, "zh-TW")
    except KeyError:
        return fallback


def help_lang(ctx: click.Context) -> str:
    """The language ``--help`` is shown in: the group's ``--lang``, else the default."""
    feedback = ctx.find_object(Feedback)
    return feedback.lang if feedback else default_lang()


class LocalizedCommand(click.Command):
    """A click command whose ``--help`` reads in Traditional Chinese for a zh-TW user."""

    def __init__(self, *args, help_key: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.help_key = help_key

    def option_text(self, param: click.Parameter, ctx: click.Context) -> str | None:
        """An option's zh-TW help: the command's own entry, else the shared one, else its
        English help."""
        if param is self.get_help_option(ctx):
            return _zh("cli_help_help", param.help)
        own = _zh(f"{self.help_key}_help_{param.name}", None)
        return own or _zh(f"cli_help_{param.name}", param.help)

    @contextmanager
    def _in_chinese(self, ctx: click.Context) -> Iterator[None]:
        options = [p for p in self.get_params(ctx) if isinstance(p, click.Option)]
        saved = (self.help, [(p, p.help, p.show_default) for p in options])
        self.help = _zh(f"{self.help_key}_help", self.help)
        for param in options:
            text = self.option_text(param, ctx)
            if param.show_default and param.default not in (None, False, ()):
                text = f"{text}（預設：{param.default}）"
                param.show_default = False
            param.help = text
        try:
            yield
        finally:
            self.help = saved[0]
            for param, text, show_default in saved[1]:
                param.help, param.show_default = text, show_default

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The help page; in zh-TW with the catalogue's texts."""
        if help_lang(ctx) != "zh-TW":
            return super().format_help(ctx, formatter)
        with self._in_chinese(ctx):
            super().format_help(ctx, formatter)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """``Usage:`` / ``用法：`` and the command line."""
        if help_lang(ctx) != "zh-TW":
            return super().format_usage(ctx, formatter)
        pieces = self.collect_usage_pieces(ctx)
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix="用法：")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The options, under ``Options:`` / ``選項：``."""
        if help_lang(ctx) != "zh-TW":
            return super().format_options(ctx, formatter)
        records = []
        for param in self.get_params(ctx):
            if not isinstance(param, click.Option):
                continue  # arguments are named in the usage line and the text
            record = param.get_help_record(ctx)
            if record:
                records.append(record)
        if records:
            formatter.write_paragraph()
            formatter.write(f"{'':>{formatter.current_indent}}選項：\n")
            formatter.indent()
            try:
                formatter.write_dl(records)
            finally:
                formatter.dedent()
