"""What commands print: tables at the right width, and errors and failed files in one shape."""

from __future__ import annotations

import sys
from collections.abc import Iterable

import click
from rich.console import Console

from exportkit.i18n import t
from exportkit.models import FileFailure


def table_console() -> Console:
    """A console for tables: the terminal's width, or 200 columns when piped (no wrapping)."""
    return Console(soft_wrap=False, width=None if sys.stdout.isatty() else 200)


def echo_error(message: str, lang: str) -> None:
    """One error line on stderr, as every command prints it (``Error: …`` / ``錯誤：…``)."""
    sep = "：" if lang == "zh-TW" else ": "
    click.echo(f"{t('error_prefix', lang)}{sep}{message}", err=True)


def echo_failures(failures: Iterable[FileFailure], lang: str) -> None:
    """Every problem of every failed file of a batch, one error line each."""
    for failure in failures:
        for message in failure.messages(lang):
            echo_error(message, lang)
