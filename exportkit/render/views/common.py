"""What every view shares: a figure as shown, its source row, a missing figure and the crawl
that fills it, band CSS classes and dimension names."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from exportkit.models import DimensionScore
from exportkit.render.labels import content


@dataclass(slots=True)
class Source:
    """One row of a brief's sources section."""

    figure: str
    indicator: str
    year: int | None
    source: str
    url: str
    retrieved: datetime | date | None


@dataclass(slots=True)
class Missing:
    """A figure the database lacks, and the command that would fill it."""

    figure: str
    command: str
    unsourced: bool = False
    hint: str = ""  # replaces "To fill it, run:" when the command is not a crawl


@dataclass(slots=True)
class Figure:
    """A figure as shown: its text, or ``missing`` with the command to fill it."""

    label: str
    text: str | None
    year: int | None = None
    source: str | None = None
    url: str | None = None
    code: str = ""
    missing: Missing | None = None


def band_class(band: str) -> str:
    """A CSS class for a band id (``nearly_ready`` → ``band-nearly-ready``)."""
    return "band-" + (re.sub(r"[^a-z0-9]+", "-", band.lower()).strip("-") or "none")


def dimension_label(dim: DimensionScore, lang: str) -> str:
    """The dimension's title in ``lang``, else its id made readable."""
    text = dim.label.get(lang) if dim.label else ""
    return text or dim.id.replace("_", " ").capitalize()


def crawl_command(kind: str, iso3: str, hs: Sequence[str] = (), indicator: str = "") -> str:
    """The exact ``exportkit crawl …`` that would fill a missing figure of ``kind``."""
    template = content()["crawl_commands"][kind]
    return template.format(iso3=iso3, hs=",".join(hs) or "CODE", indicator=indicator)
