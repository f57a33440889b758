"""Interface messages in Traditional Chinese and English, read from ``locales/messages.yaml``."""

from __future__ import annotations

import os
from functools import cache

from exportkit.resources import load_yaml, package_file


def normalise_lang(value: str | None) -> str:
    """Map ``zh``, ``zh_TW.UTF-8``, ``zh-Hant``, ``EN`` … to ``zh-TW`` or ``en``."""
    if not value:
        return "en"
    v = value.strip().lower().replace("_", "-")
    if v.startswith("zh"):
        return "zh-TW"
    return "en"


def default_lang() -> str:
    """``EXPORTKIT_LANG``, else the locale (``LC_ALL``/``LANG``), else English."""
    for var in ("EXPORTKIT_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(var):
            return normalise_lang(os.environ[var])
    return "en"


@cache
def _catalog() -> dict[str, dict[str, str]]:
    data = load_yaml(package_file("exportkit", "locales", "messages.yaml"))
    return data["messages"]


def t(key: str, lang: str = "en", **kwargs: object) -> str:
    """The message ``key`` in ``lang``, formatted with ``kwargs``."""
    entry = _catalog()[key]
    text = entry.get(normalise_lang(lang)) or entry["en"]
    return text.format(**kwargs) if kwargs else text
