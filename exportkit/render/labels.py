"""Bilingual report labels and report content, read from ``reports/templates/*.yaml``.

Templates see a :class:`Labels` bound to the document's language as ``L``: ``{{ L.brief_title }}``.
An unknown key raises ``AttributeError``, which Jinja's ``StrictUndefined`` turns into a render
error instead of an empty string.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from exportkit.resources import load_yaml, templates_dir


@cache
def label_catalog() -> dict[str, Any]:
    """The parsed ``labels.yaml``: ``labels``, ``bands``, ``entry_modes``, ``themes`` …"""
    return load_yaml(templates_dir() / "labels.yaml")


@cache
def content() -> dict[str, Any]:
    """The parsed ``content.yaml``: snapshot indicators, crawl commands, advice, referrals."""
    return load_yaml(templates_dir() / "content.yaml")


def pick(entry: dict[str, str] | None, lang: str, default: str = "") -> str:
    """The ``lang`` text of a ``{zh-TW: …, en: …}`` entry, falling back to English."""
    if not entry:
        return default
    return entry.get(lang) or entry.get("en") or default


class Labels:
    """Interface strings of one language; attribute access for templates."""

    __slots__ = ("lang", "_labels")

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._labels = label_catalog()["labels"]

    def __getattr__(self, key: str) -> str:
        try:
            entry = self._labels[key]
        except KeyError:
            raise AttributeError(f"no report label {key!r} in labels.yaml") from None
        return pick(entry, self.lang)

    def __call__(self, key: str, **kwargs: object) -> str:
        text = getattr(self, key)
        return text.format(**kwargs) if kwargs else text

    def of(self, group: str, key: str | None) -> str:
        """A name from a group (``bands``, ``entry_modes``, ``themes`` …); unknown keys as given."""
        if key is None:
            return ""
        return pick(label_catalog().get(group, {}).get(key), self.lang, default=str(key))


@cache
def labels(lang: str) -> Labels:
    """The :class:`Labels` of ``lang`` (one per language per process)."""
    return Labels(lang)
