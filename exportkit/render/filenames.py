"""Safe output file names from firm and market names.

A firm name is user input: it may hold path separators, ``..``, control characters, names
Windows reserves (``CON``, ``NUL``) or be 300 characters long. :func:`safe_name` keeps the
readable part (Chinese characters stay); :func:`unique_name` adds a short hash of the original
so that two firms whose names differ only by punctuation never share a folder.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import MutableSet

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*\u2028\u2029]+')
_SPACES = re.compile(r"[\s_]+")
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)
}
MAX_BYTES = 120  # well under the 255-byte limit of common filesystems, leaving room for suffixes


def safe_name(text: str, fallback: str = "document") -> str:
    """A file-name-safe form of ``text``: no separators, no leading dots, bounded length.

    >>> safe_name("../../etc/passwd"), safe_name("台灣 精密/機械"), safe_name("CON")
    ('etc-passwd', '台灣-精密-機械', '_CON')
    """
    name = unicodedata.normalize("NFKC", text or "")
    name = _UNSAFE.sub("-", name)
    name = _SPACES.sub("-", name)
    name = re.sub(r"-{2,}", "-", name).strip("-. ")
    name = name.lstrip(".")
    while len(name.encode("utf-8")) > MAX_BYTES:
        name = name[:-1]
    name = name.strip("-. ")
    if not name:
        return fallback
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        name = "_" + name
    return name


def unique_name(text: str, taken: MutableSet[str] | None = None, fallback: str = "document") -> str:
    """``safe_name`` plus a 6-hex hash of ``text`` when the safe form changed it or collides.

    ``taken`` (compared case-insensitively) is updated with the returned name.
    """
    name = safe_name(text, fallback)
    seen = {t.casefold() for t in taken} if taken is not None else set()
    if name != unicodedata.normalize("NFKC", text or "").strip() or name.casefold() in seen:
        digest = hashlib.sha1((text or "").encode("utf-8")).hexdigest()
        candidate, n = f"{name}-{digest[:6]}", 6
        while candidate.casefold() in seen and n < 40:
            n += 2
            candidate = f"{name}-{digest[:n]}"
        name = candidate
    if taken is not None:
        taken.add(name)
    return name
