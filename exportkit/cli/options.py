"""Options several commands share, declared once: ``--db``, ``--lang`` and ``--format``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from exportkit.i18n import t
from exportkit.store import is_url


class LangChoice(click.ParamType):
    """``zh-TW`` or ``en``, typed in any case (``zh-tw``, ``EN``); shown as ``zh-TW|en``."""

    name = "lang"

    def get_metavar(self, param, ctx=None) -> str:  # click < 8.2 passes no ctx
        """The metavar shown in ``--help``."""
        return "[zh-TW|en]"

    def convert(self, value, param, ctx):
        """``zh-TW`` or ``en`` from any spelling of them, else a bilingual refusal."""
        text = str(value).strip()
        if text.lower() in ("zh-tw", "zh_tw"):
            return "zh-TW"
        if text.lower() == "en":
            return "en"
        self.fail(f"{value!r} is not zh-TW or en / 請用 zh-TW 或 en", param, ctx)


LANG = LangChoice()


class DatabaseTarget(click.ParamType):
    """A DuckDB file (a ``Path``) or a PostgreSQL URL (kept as text: a path would fold its
    ``//``)."""

    name = "db"

    def get_metavar(self, param, ctx=None) -> str:  # click < 8.2 passes no ctx
        """The metavar shown in ``--help``."""
        return "FILE|postgresql://…"

    def convert(self, value, param, ctx):
        """A URL unchanged; anything else a file path (refused when it names a folder)."""
        if isinstance(value, Path) or not is_url(str(value)):
            path = Path(value)
            if path.is_dir():
                self.fail(f"{value!r} is a folder, not a database file / 這是資料夾", param, ctx)
            return path
        return str(value)


def db_option():
    """``--db FILE|URL``: the market database — a DuckDB file or a PostgreSQL URL (default:
    ``EXPORTKIT_DB`` or the user data folder's file)."""
    return click.option(
        "--db",
        "db",
        type=DatabaseTarget(),
        help=t("cli_help_db", "en"),
    )


def lang_option(help: str | None = None):
    """``--lang zh-TW|en``, in any case; ``None`` when not given."""
    return click.option(
        "--lang", "lang", type=LANG, default=None, help=help or t("cli_help_lang", "en")
    )


def format_option(default: str, help: str, choices: Sequence[str] | None = None):
    """``--format``: one of ``choices``, or (without choices) a comma-separated list that the
    library checks (``json,xlsx,html,pdf``)."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)) if choices else str,
        default=default,
        show_default=True,
        help=help,
    )
