"""What every view shares: a figure as shown, its source row, a missing figure and the crawl
that fills it, band CSS classes and dimension names."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import date, datetime
from typing import TypeVar

from exportkit.i18n import localise
from exportkit.models import DimensionScore
from exportkit.render.labels import content

T = TypeVar("T")


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


def localise_sources(view: T, lang: str) -> T:
    """``view`` with every source name (fields ``source``, and the second item of
    ``(text, source)`` reasons) in the glossary's words for ``lang``: a zh-TW document names
    「世界銀行 WDI（公開副本）」, not "World Bank WDI (public copy)", and no document names a
    spider (``comtrade``) instead of its source."""
    return _localised(view, lang)


def _localised(value, lang):
    if is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in fields(value):
            if f.name in ("L", "firm", "readiness"):
                continue  # labels and models: not view rows
            item = getattr(value, f.name)
            if f.name == "source" and isinstance(item, str):
                changes[f.name] = localise(item, lang)
            elif isinstance(item, list | tuple) or is_dataclass(item):
                changes[f.name] = _localised(item, lang)
        return replace(value, **changes) if changes else value
    if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return (value[0], localise(value[1], lang))  # a (text, source) reason
    if isinstance(value, list):
        return [_localised(v, lang) for v in value]
    if isinstance(value, tuple):
        return tuple(_localised(v, lang) for v in value)
    return value
