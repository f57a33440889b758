"""Making outputs safe: spreadsheet text that cannot turn into a formula, and file or folder
names derived from firm names that cannot escape the output folder or collide.

This is the one place exportkit turns user text into a path component: ``exportkit assess``
(``firms/<name>.json``, ``<name>/`` report folders) and the renderer (``exportkit brief``,
``write_portfolio``) all use :func:`safe_name` / :func:`unique_name`.

>>> neutralise('=HYPERLINK("http://x")')
'\\'=HYPERLINK("http://x")'
>>> safe_name("../../etc/passwd"), safe_name("台灣 精密/機械"), safe_name("CON")
('etc-passwd', '台灣-精密-機械', '_CON')
>>> unique_name("ACME Co.") != unique_name("ACME, Co")
True
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import MutableSet
from typing import Any

# Characters that make Excel/LibreOffice read a cell as a formula (OWASP CSV injection list:
# = + - @, and tab / carriage return / line feed, which some programs strip before parsing).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")

WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)
}
# Well under the 255-byte limit of common filesystems, leaving room for the hash, a suffix and
# the folder it sits in (a Chinese character is 3 bytes: ~26 of them).
MAX_BYTES = 80
HASH_LENGTH = 8


def neutralise(value: Any) -> Any:
    """Text that starts like a formula gets a leading apostrophe; other values pass through.

    Used for every text cell exportkit writes to a workbook, so a firm called
    ``=HYPERLINK(...)`` stays text.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def restore_neutralised(value: Any) -> Any:
    """The text :func:`neutralise` protected, as it was (``'=SUM(1)`` → ``=SUM(1)``)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def _kept(ch: str) -> bool:
    # Letters, combining marks (Thai vowels, Vietnamese tones) and digits of any script, and
    # "_"/"-". Everything else — separators, dots, quotes, "#", "%", "?", "&", control
    # characters — would break a path or a relative link in index.html.
    return ch in "_-" or unicodedata.category(ch)[0] in "LMN"


def safe_name(text: str | None, fallback: str = "document") -> str:
    """A path component from ``text``: no separators, no ``..``, no control characters.

    Letters of any script (Chinese, Thai, Vietnamese) and digits are kept; runs of anything
    else become one ``-``; length is bounded (:data:`MAX_BYTES` UTF-8 bytes); Windows device
    names (``CON``, ``NUL`` …) get a leading ``_``. Empty results become ``fallback``.
    """
    name = unicodedata.normalize("NFKC", text or "")
    name = "".join(ch if _kept(ch) else "-" for ch in name)
    while "--" in name:
        name = name.replace("--", "-")
    name = name.strip("-_")
    while len(name.encode("utf-8")) > MAX_BYTES:
        name = name[:-1]
    name = name.rstrip("-_")
    if not name:
        return fallback
    if name.upper() in WINDOWS_RESERVED:
        name = "_" + name
    return name


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def unique_name(
    text: str | None,
    taken: MutableSet[str] | None = None,
    fallback: str = "document",
    suffix: str = "",
) -> str:
    """``safe_name(text)`` (+ ``suffix``), made unique.

    A short hash of the original text is added when making it safe changed it, so two names
    that differ only by punctuation ("ACME Co." / "ACME, Co") never share a file or folder;
    a name left as typed ("台灣精密") stays readable. With ``taken`` (compared
    case-insensitively, for case-insensitive filesystems) a name already used gets the hash,
    then a number; the returned name is added to ``taken``.
    """
    original = text or ""
    base = safe_name(original, fallback)
    seen = {t.casefold() for t in taken} if taken is not None else set()
    hashed = f"{base}-{_digest(original)}"
    candidate = base
    if (
        base != unicodedata.normalize("NFKC", original).strip()
        or (base + suffix).casefold() in seen
    ):
        candidate = hashed
    n = 2
    while (candidate + suffix).casefold() in seen:
        candidate = f"{hashed}-{n}"
        n += 1
    name = candidate + suffix
    if taken is not None:
        taken.add(name)
    return name
