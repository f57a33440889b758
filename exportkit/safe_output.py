"""Making outputs safe: spreadsheet text that cannot turn into a formula, and file names
derived from firm names that cannot escape the output folder or collide.

>>> neutralise('=HYPERLINK("http://x")')
'\\'=HYPERLINK("http://x")'
>>> safe_filename("ACME Co.") != safe_filename("ACME, Co")
True
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

# Characters that make Excel/LibreOffice read a cell as a formula (OWASP CSV injection list:
# = + - @, and tab / carriage return / line feed, which some programs strip before parsing).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")

_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}


def neutralise(value: Any) -> Any:
    """Text that starts like a formula gets a leading apostrophe; other values pass through.

    Used for every text cell exportkit writes to a workbook, so a firm called
    ``=HYPERLINK(...)`` stays text.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_filename(name: str, *, max_length: int = 60) -> str:
    """A file-name stem from ``name``: no separators, no ``..``, no control characters.

    Letters of any script (Chinese included) and digits are kept; everything else becomes
    ``_``. A short hash of the original name is appended, so two firms whose names differ only
    by punctuation ("ACME Co." / "ACME, Co") get different files.
    """
    original = name or ""
    text = unicodedata.normalize("NFKC", original)
    text = re.sub(r"[^\w\-]+", "_", text, flags=re.UNICODE)  # \w: letters/digits of any script
    text = re.sub(r"_+", "_", text).strip("._-")
    text = text[:max_length].rstrip("._-") or "firm"
    if text.upper() in _RESERVED:
        text = f"firm_{text}"
    digest = hashlib.sha256(original.encode("utf-8")).hexdigest()[:8]
    return f"{text}_{digest}"


def unique_filename(name: str, taken: set[str], suffix: str = "") -> str:
    """``safe_filename(name) + suffix``, numbered if the same name was used before."""
    stem = safe_filename(name)
    candidate, n = f"{stem}{suffix}", 2
    while candidate.casefold() in taken:
        candidate = f"{stem}_{n}{suffix}"
        n += 1
    taken.add(candidate.casefold())
    return candidate
