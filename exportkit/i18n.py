"""Interface messages in Traditional Chinese and English, read from ``locales/messages.yaml``."""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

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


@cache
def glossary() -> dict:
    """The one glossary (``data/glossary.yaml``): terms, names, forbidden variants, sources."""
    return load_yaml(package_file("exportkit", "data", "glossary.yaml"))


@cache
def _source_rules() -> tuple[dict[str, str], list[tuple[re.Pattern, str]], list[tuple[str, str]]]:
    rules = glossary()["sources"]
    patterns = [(re.compile(p["en"]), p["zh-TW"]) for p in rules.get("patterns", [])]
    phrases = sorted(rules.get("phrases", {}).items(), key=lambda kv: -len(kv[0]))
    return dict(rules.get("exact", {})), patterns, phrases


_OS_REASONS = {
    "ENOSPC": "disk_full",
    "EDQUOT": "disk_full",
    "EROFS": "read_only",
    "EACCES": "permission",
    "EPERM": "permission",
    "ENOTDIR": "not_a_folder",
    "EEXIST": "not_a_folder",
    "ENOENT": "not_found",
    "EISDIR": "is_a_folder",
    "ENAMETOOLONG": "name_too_long",
    "EIO": "io_error",
}


def os_reason(exc: OSError, lang: str) -> str:
    """Why a file operation failed, in ``lang`` (an OSError's own text is English only).

    >>> os_reason(OSError(28, "No space left on device"), "zh-TW")
    '磁碟空間不足'
    >>> os_reason(FileNotFoundError(2, "No such file or directory", "a.yaml"), "en")
    'no such file or folder'
    """
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    key = _OS_REASONS.get(name, "other")
    return t(f"output_reason_{key}", lang, error=exc.strerror or str(exc))


def source_ids() -> dict[str, str]:
    """Spider name → the English name of the source it crawls (``comtrade`` → UN Comtrade)."""
    return dict(glossary()["sources"].get("ids", {}))


def localise(text: str | None, lang: str) -> str | None:
    """A source or citation name as a ``lang`` document shows it: a crawled row's spider name
    becomes its source's name; then unchanged in English, in zh-TW the glossary's name for it
    (whole names, then patterns, then phrases).

    >>> localise("comtrade + taiwan_customs", "en")
    'UN Comtrade (API); Taiwan Customs Administration (trade statistics)'

    >>> localise("World Bank WDI (public copy)", "zh-TW")
    '世界銀行 WDI（公開副本）'
    >>> localise("ITU / WDI IT.NET.USER.ZS; World Bank LPI (heuristic)", "zh-TW")
    '國際電信聯盟（ITU）／世界銀行 WDI IT.NET.USER.ZS；世界銀行 LPI（經驗法則）'
    >>> localise("World Bank WDI (public copy)", "en")
    'World Bank WDI (public copy)'
    """
    if not text:
        return text
    ids = source_ids()
    if any(name in ids for name in text.split(" + ")):
        text = "; ".join(ids.get(name, name) for name in text.split(" + "))
    if normalise_lang(lang) != "zh-TW":
        return text
    exact, patterns, phrases = _source_rules()
    parts = []
    for part in text.split("; "):
        if part in exact:
            parts.append(exact[part])
            continue
        for pattern, replacement in patterns:
            part = pattern.sub(replacement, part)
        for en, zh in phrases:
            part = part.replace(en, zh)
        parts.append(part)
    return "；".join(parts)


def load_user_yaml(path: str | os.PathLike[str], what: str, what_zh: str) -> Any:
    """A YAML file the user named (a calibrated rule book, criteria …), or a
    ``DefinitionError`` naming the file and why, in both languages (``what``: "rules file",
    ``what_zh``: 「規則檔」)."""
    from exportkit.errors import DefinitionError  # errors is the lower module; no cycle

    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise DefinitionError(
            f"{path}: cannot read the {what} ({os_reason(exc, 'en')})",
            zh=f"{path}：無法讀取{what_zh}（{os_reason(exc, 'zh-TW')}）",
        ) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if mark is None:
            raise DefinitionError(
                f"{path}: the {what} is not valid YAML ({problem})",
                zh=f"{path}：{what_zh}不是有效的 YAML",
            ) from exc
        line, column = mark.line + 1, mark.column + 1
        raise DefinitionError(
            f"{path}: the {what} is not valid YAML at line {line}, column {column} ({problem})",
            zh=f"{path}：{what_zh}不是有效的 YAML，第 {line} 行第 {column} 欄有誤",
        ) from exc
