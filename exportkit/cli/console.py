"""Terminal feedback: a progress bar on a terminal, silence in pipes, and verbosity.

Commands never print progress themselves; they pass ``progress`` to the library function,
which calls it per unit of work. Library code stays usable without a terminal.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn


@dataclass
class Feedback:
    """How chatty the CLI is: ``verbosity`` -1 quiet, 0 normal, 1+ verbose."""

    verbosity: int = 0
    lang: str = "en"

    @property
    def quiet(self) -> bool:
        return self.verbosity < 0

    @property
    def err(self) -> Console:
        return Console(stderr=True, soft_wrap=True)

    def show_progress(self) -> bool:
        """True when progress bars should be drawn: a terminal, and not quiet."""
        return not self.quiet and sys.stderr.isatty()

    def info(self, text: str) -> None:
        """A line of information on stderr, unless quiet."""
        if not self.quiet:
            self.err.print(text, highlight=False)

    @contextmanager
    def progress(self, description: str, total: int | None) -> Iterator[callable]:
        """Yields ``advance(n=1)``; draws a bar only on a terminal and when not quiet."""
        if not self.show_progress():
            yield lambda n=1: None
            return
        bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=self.err,
            transient=True,
        )
        with bar:
            task = bar.add_task(description, total=total)
            yield lambda n=1: bar.advance(task, n)


def configure_logging(verbosity: int) -> None:
    """Route exportkit's log records to stderr at the level ``verbosity`` asks for."""
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    if verbosity < 0:
        level = logging.ERROR
    root = logging.getLogger("exportkit")
    root.handlers[:] = [RichHandler(console=Console(stderr=True), show_path=False, markup=False)]
    root.setLevel(level)
    root.propagate = False
