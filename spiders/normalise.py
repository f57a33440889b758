"""Unit and period normalisation shared by the parsers: ROC years, thousands, number text."""

from __future__ import annotations

import math
import re
import unicodedata

ROC_OFFSET = 1911  # ROC year 1 = 1912 AD

_PERIOD = re.compile(r"^\s*(\d{2,4})\s*年\s*(?:(\d{1,2})\s*月)?\s*$")
_MISSING = {"", "-", "－", "—", "…", "...", "(D)", "（D）", "x", "X", "NA", "N/A", "..", "null"}


def to_ad_year(year: int) -> int:
    """ROC (民國) years are < 1911; anything larger is already AD."""
    return year + ROC_OFFSET if year < ROC_OFFSET else year


def parse_period(text: str) -> tuple[int, int | None] | None:
    """``"102年"`` → (2013, None); ``"115年 8月"`` → (2026, 8); ``"2026年8月"`` → (2026, 8);
    ``"2022/1"`` → (2022, 1). None when the text is not a period."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    match = _PERIOD.match(text)
    if match:
        month = int(match.group(2)) if match.group(2) else None
        return to_ad_year(int(match.group(1))), month
    match = re.match(r"^\s*(\d{2,4})\s*[/-]\s*(\d{1,2})\s*$", text)
    if match:
        return to_ad_year(int(match.group(1))), int(match.group(2))
    if re.fullmatch(r"\d{4}", text):
        return int(text), None
    return None


def parse_number(text: object) -> float | None:
    """Numbers as statistical tables write them: ``"1,234.5"``, full-width digits/commas,
    ``"－"``/``"(D)"`` for none/confidential (→ None, never 0)."""
    if text is None:
        return None
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return None if isinstance(text, float) and math.isnan(text) else float(text)
    cleaned = unicodedata.normalize("NFKC", str(text)).strip().replace(",", "").replace(" ", "")
    if cleaned in _MISSING:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return None if math.isnan(value) or math.isinf(value) else value


def thousands(value: float | None, multiplier: float = 1000.0) -> float | None:
    """A figure published in thousands (US$ 千元) in units."""
    return None if value is None else value * multiplier


def hs_from_ccc(code: str) -> str:
    """Taiwan's 11-digit CCC code (HS6 + 2 national + 1 statistical + check digit) → its HS
    part: 6 digits for codes of 6+ digits, else the 2/4-digit heading as given."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", code or ""))
    if len(digits) >= 6:
        return digits[:6]
    if len(digits) in (2, 4):
        return digits
    return ""
