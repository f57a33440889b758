"""Where tables go: the terminal at its width, or a pipe/file at a width that keeps rows whole."""

from __future__ import annotations

import sys

from rich.console import Console


def table_console() -> Console:
    """A console for tables: the terminal's width, or 200 columns when piped (no wrapping)."""
    return Console(soft_wrap=False, width=None if sys.stdout.isatty() else 200)
