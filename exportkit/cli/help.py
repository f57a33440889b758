"""The command line in the user's language: every ``--help`` and click's own messages.

Every command and group of ``exportkit`` is a :class:`LocalizedCommand` / :class:`LocalizedGroup`
(``ExportkitGroup`` makes them the default class of its commands). Their help texts live in
``locales/messages.yaml``: ``<key>_help`` for the command and ``<key>_help_<option>`` (else the
shared ``cli_help_<option>``) for each option, where ``<key>`` is the command's path below
``exportkit`` (``assess``, ``data_export``, ``data_import_customs``; ``main`` for the group
itself). The English help is declared from the same entries (``help=t("assess_help", "en")``),
so both languages have one source. In zh-TW (``--lang zh-TW``, ``EXPORTKIT_LANG`` or the locale)
the Chinese texts replace them, with the headings and defaults in Chinese.

click's own messages ("No such option", "Missing argument", "Usage:", "Try … for help" …) go
through gettext; :func:`install_click_translations` points click's ``_``/``ngettext`` at the
zh-TW catalogue ``locales/click.yaml`` while an ``exportkit`` command line runs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import click

from exportkit.cli.console import Feedback
from exportkit.i18n import default_lang, normalise_lang, t
from exportkit.resources import load_yaml, package_file


class _CommandLine:
    """The language of the command line now running (``None`` while none runs), and the one
    it asks for with ``--lang`` (``None`` when it does not)."""

    lang: str | None = None
    asked: str | None = None


def start_command_line(args: list[str]) -> None:
    """Record the language of a command line about to be parsed: its ``--lang``, else the
    default, so even an error in parsing the options is shown in that language."""
    _CommandLine.asked = _lang_in(args)
    _CommandLine.lang = _CommandLine.asked or default_lang()


def end_command_line() -> None:
    """No command line runs any more: click's texts are English again (as declared)."""
    _CommandLine.lang = _CommandLine.asked = None


def set_command_line_lang(lang: str) -> None:
    """The user's language once the options are read (``--lang`` of a command)."""
    if _CommandLine.lang is not None:
        _CommandLine.lang = lang


def _lang_in(args: list[str]) -> str | None:
    """The last ``--lang`` of the command line (a command's own beats the group's)."""
    found = None
    args = [str(arg) for arg in args]  # CliRunner callers may pass paths
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            found = normalise_lang(args[i + 1])
        elif arg.startswith("--lang="):
            found = normalise_lang(arg.split("=", 1)[1])
        elif arg == "--":
            break
    return found


_VERBOSITY = re.compile(r"^(?:-v+|-q|--verbose|--quiet)$")
_GROUP_VALUE_OPTIONS = ("--lang",)


def hoist_verbosity(args: list[str]) -> list[str]:
    """``args`` with ``-v``/``-q`` given after the command moved before it, where the group
    reads them: ``exportkit assess x.xlsx -q`` means what ``exportkit -q assess x.xlsx``
    does (no command has options of those names).

    >>> hoist_verbosity(["--lang", "en", "assess", "x.xlsx", "-q"])
    ['--lang', 'en', '-q', 'assess', 'x.xlsx']
    >>> hoist_verbosity(["assess", "--", "-q"])
    ['assess', '--', '-q']
    """
    args = [str(arg) for arg in args]
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in _GROUP_VALUE_OPTIONS else 1
    head, rest = args[:i], args[i:]
    end = rest.index("--") if "--" in rest else len(rest)
    moved = [arg for arg in rest[:end] if _VERBOSITY.match(arg)]
    if not moved:
        return args
    kept = [arg for arg in rest[:end] if not _VERBOSITY.match(arg)]
    return [*head, *moved, *kept, *rest[end:]]


def help_lang(ctx: click.Context | None = None) -> str:
    """The language help and click's messages are shown in: the ``--lang`` of the command
    line, else the group's (``Feedback``), else the default."""
    if _CommandLine.asked:
        return _CommandLine.asked
    ctx = ctx or click.get_current_context(silent=True)
    feedback = ctx.find_object(Feedback) if ctx else None
    if feedback:
        return feedback.lang
    return _CommandLine.lang or default_lang()


# --- click's own messages --------------------------------------------------------------------

CLICK_MODULES = (
    "core",
    "decorators",
    "exceptions",
    "formatting",
    "parser",
    "termui",
    "types",
    "utils",
)


@cache
def click_catalogue() -> dict[str, str]:
    """click's English message → its zh-TW text (``locales/click.yaml``)."""
    return dict(load_yaml(package_file("exportkit", "locales", "click.yaml"))["zh-TW"])


def _gettext(message: str) -> str:
    if _CommandLine.lang is None or help_lang() != "zh-TW":
        return message  # outside a command line (declarations at import) and in English
    return click_catalogue().get(message, message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _gettext(singular if n == 1 else plural)


def install_click_translations() -> None:
    """Route click's gettext calls through the zh-TW catalogue (idempotent)."""
    import importlib

    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _gettext
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext


# --- help texts --------------------------------------------------------------------------------


def _zh(key: str, fallback: str | None) -> str | None:
    """The catalogue's zh-TW text of ``key``; ``fallback`` when the catalogue lacks it."""
    try:
        return t(key, "zh-TW")
    except KeyError:
        return fallback


def help_key(path: list[str]) -> str:
    """The catalogue key of a command from its names below ``exportkit``: ``data_export``."""
    return "_".join(p.replace("-", "_") for p in path) or "main"


def _path(ctx: click.Context) -> list[str]:
    names = []
    while ctx.parent is not None:
        names.append(ctx.command.name or "")
        ctx = ctx.parent
    return names[::-1]


def short_zh(text: str, limit: int = 45) -> str:
    """The first sentence of a Chinese help text, at most ``limit`` columns wide (a Han
    character takes two), for the list of commands."""
    first = text.split("\n\n", 1)[0].replace("\b", "").strip()
    first = re.split(r"(?<=[。；])", first, maxsplit=1)[0].rstrip("。；")
    out, width = "", 0
    for ch in first:
        width += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if width > limit - 1:
            return out + "…"
        out += ch
    return out


class _Localized:
    """What commands and groups share: the Chinese texts swapped in while help is written."""

    explicit_key: str | None = None

    def key(self, ctx: click.Context) -> str:
        """This command's catalogue key (``data_export``)."""
        if self.explicit_key:
            return self.explicit_key
        if ctx.parent is None and self.name not in (None, "main"):
            return help_key([self.name])  # a command's own context, outside the group
        return help_key(_path(ctx))

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        """The help option for this context's names. Click keeps the first one it made, so a
        command first run on its own (``--help`` only) would refuse ``-h`` ever after, even
        under the group that grants it."""
        cached = getattr(self, "_help_option", None)
        if cached is not None and sorted(cached.opts) != sorted(self.get_help_option_names(ctx)):
            self._help_option = None
        return super().get_help_option(ctx)

    def option_text(self, param: click.Parameter, ctx: click.Context) -> str | None:
        """An option's zh-TW help: the command's own entry, else the shared one, else its
        English help."""
        if param is self.get_help_option(ctx):
            return _zh("cli_help_help", param.help)
        own = _zh(f"{self.key(ctx)}_help_{param.name}", None)
        return own or _zh(f"cli_help_{param.name}", param.help)

    @contextmanager
    def _in_chinese(self, ctx: click.Context) -> Iterator[None]:
        options = [p for p in self.get_params(ctx) if isinstance(p, click.Option)]
        saved = (self.help, [(p, p.help, p.show_default) for p in options])
        self.help = _zh(f"{self.key(ctx)}_help", self.help)
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
        help_option = self.get_help_option(ctx)
        if help_option is not None:  # click made it once, in the language of that moment
            help_option.help = t("cli_help_help", "en")
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
        """The options, under ``Options:`` / ``選項：`` (a group's commands follow)."""
        if help_lang(ctx) != "zh-TW":
            return super().format_options(ctx, formatter)
        records = []
        for param in self.get_params(ctx):
            if not isinstance(param, click.Option):
                continue  # arguments are named in the usage line and the text
            record = param.get_help_record(ctx)
            if record:
                records.append(record)
        _write_section(formatter, "選項：", records)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        """The line shown in a group's list of commands, in the user's language."""
        ctx = click.get_current_context(silent=True)
        if ctx is not None and help_lang(ctx) == "zh-TW":
            key = self.explicit_key or help_key([*_path(ctx), self.name or ""])
            text = _zh(f"{key}_help", None)
            if text:
                return short_zh(text, limit)
        return super().get_short_help_str(limit)


def _write_section(formatter: click.HelpFormatter, heading: str, records) -> None:
    if not records:
        return
    formatter.write_paragraph()
    formatter.write(f"{'':>{formatter.current_indent}}{heading}\n")
    formatter.indent()
    try:
        formatter.write_dl(records)
    finally:
        formatter.dedent()


class LocalizedCommand(_Localized, click.Command):
    """A click command whose ``--help`` reads in Traditional Chinese for a zh-TW user."""

    def __init__(self, *args, help_key: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.explicit_key = help_key


class LocalizedGroup(_Localized, click.Group):
    """A click group (``data``, ``questionnaire``) whose help and list of commands read in
    Traditional Chinese for a zh-TW user; its commands are :class:`LocalizedCommand`."""

    command_class = LocalizedCommand

    def __init__(self, *args, help_key: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.explicit_key = help_key

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands, under ``Commands:`` / ``命令：``."""
        if help_lang(ctx) != "zh-TW":
            return super().format_commands(ctx, formatter)
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is None or cmd.hidden:
                continue
            rows.append((name, cmd.get_short_help_str(formatter.width - 6 - len(name))))
        _write_section(formatter, "命令：", rows)


LocalizedGroup.group_class = LocalizedGroup
