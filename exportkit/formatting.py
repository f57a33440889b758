"""Locale-aware number, money, percentage and date formatting (Babel), for zh-TW and English.

Large numbers follow each language's habit: Chinese groups by 萬 (10⁴), 億 (10⁸) and 兆 (10¹²),
English by million, billion and trillion.

>>> money(5.1e8, "USD", "zh-TW"), money(5.1e8, "USD", "en")
('US$5.1 億', 'US$510 million')
>>> percent(12.345, "en"), large_number(71_702_435, "zh-TW")
('12.3%', '7,170 萬')
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal

# Explicit symbols: Babel's zh-TW symbol for TWD is a bare "$", ambiguous next to US$.
CURRENCY_SYMBOLS = {"USD": "US$", "TWD": "NT$", "NTD": "NT$"}

_ZH_UNITS = ((1e12, "兆"), (1e8, "億"), (1e4, "萬"))
_EN_UNITS = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))
MINUS = "\u2212"  # a real minus sign; a hyphen looks like a dash in running text


@cache
def locale(lang: str) -> Locale:
    """The Babel locale for an exportkit language (``zh-TW`` → ``zh_Hant_TW``)."""
    return Locale.parse("zh_Hant_TW" if lang == "zh-TW" else "en_US")


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def decimal(value: float | None, lang: str, digits: int = 0) -> str:
    """A grouped number with ``digits`` decimals (``1,234.5``); an em dash when missing."""
    if _missing(value):
        return "—"
    if lang in ("zh-TW", "en"):
        # both group with "," and mark decimals with ".": Python's Decimal formats the number as
        # Babel does (from its shortest repr, half-even) in a tenth of the time; a 1,000-firm run
        # formats ~9,000 amounts in its reasons
        text = format(Decimal(str(value)), f",.{max(digits, 0)}f")
    else:
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        text = format_decimal(value, pattern, locale=locale(lang))
    return text.replace("-", MINUS)


def _scaled(value: float, lang: str) -> tuple[float, str]:
    units = _ZH_UNITS if lang == "zh-TW" else _EN_UNITS
    for size, word in units:
        if abs(value) >= size:
            return value / size, word
    return value, ""


def large_number(value: float | None, lang: str) -> str:
    """``5.1 億`` / ``510 million``: one decimal below 100 units, none above."""
    if _missing(value):
        return "—"
    scaled, word = _scaled(float(value), lang)
    if not word:
        return decimal(value, lang, 0)
    digits = 1 if abs(scaled) < 100 else 0
    text = decimal(round(scaled, digits), lang, digits)
    if digits and text.endswith(".0"):
        text = text[:-2]
    return f"{text} {word}"


def money(
    value: float | None, currency: str = "USD", lang: str = "en", compact: bool = True
) -> str:
    """``US$5.1 億`` / ``US$510 million`` / ``NT$1,234``; exact below a million when compact."""
    if _missing(value):
        return "—"
    symbol = CURRENCY_SYMBOLS.get(currency.upper(), currency.upper() + " ")
    threshold = 1e4 if lang == "zh-TW" else 1e6
    if compact and abs(float(value)) >= threshold:
        body = large_number(abs(float(value)), lang)
    else:
        amount = abs(float(value))
        # cents only where there are some: US$0 and US$12, not US$0.00 beside US$5,470 萬
        body = decimal(amount, lang, 0 if amount >= 100 or amount.is_integer() else 2)
    sign = MINUS if float(value) < 0 else ""
    return f"{sign}{symbol}{body}"


def percent(value: float | None, lang: str = "en", digits: int = 1) -> str:
    """A value already in percent (``12.3`` → ``12.3%``)."""
    if _missing(value):
        return "—"
    return decimal(value, lang, digits) + "%"


def share(value: float | None, lang: str = "en", digits: int = 0) -> str:
    """A fraction 0–1 as a percentage (``0.42`` → ``42%``)."""
    if _missing(value):
        return "—"
    return percent(float(value) * 100, lang, digits)


def signed(value: float | None, lang: str = "en", digits: int = 1) -> str:
    """A change with its sign (``+3.2`` / ``−1.5``); zero has no sign."""
    if _missing(value):
        return "—"
    rounded = round(float(value), digits)
    text = decimal(abs(rounded), lang, digits)
    if rounded > 0:
        return "+" + text
    if rounded < 0:
        return MINUS + text
    return text


def long_date(value: date | datetime | None, lang: str = "en") -> str:
    """``2026年11月26日`` / ``26 November 2026``."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.date()
    if lang == "zh-TW":
        return format_date(value, "long", locale=locale(lang))
    return format_date(value, "d MMMM y", locale=locale(lang))


def short_date(value: date | datetime | None, lang: str = "en") -> str:
    """``2026-11-26`` in both languages: compact enough for source tables."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat()


def indicator_value(value: float | None, kind: str, unit: str, lang: str) -> str:
    """Format an indicator by its kind: ``money_usd``, ``number``, ``percent`` or ``index``."""
    if _missing(value):
        return "—"
    if kind == "money_usd":
        return money(value, "USD", lang)
    if kind == "percent":
        return percent(value, lang)
    if kind == "index":
        return decimal(value, lang, 2)
    if kind == "number":
        return large_number(value, lang)
    # Unknown indicator: read its unit ("current US$", "% of GDP", "annual %"), but only
    # where the unit is about the value itself, not a note on how it was derived.
    head = (unit or "").split("(")[0].strip().lower()
    if "us$" in head:
        return money(value, "USD", lang)
    if head.startswith("%") or head.endswith("%") or head == "percent":
        return percent(value, lang)
    return large_number(value, lang) if abs(float(value)) >= 1e4 else decimal(value, lang, 2)
