"""Turn what a person typed into a cell into a typed answer, however they typed it.

Accepted: labels in either language, the option value, numbers typed as text, full-width
digits (``５``), surrounding spaces, thousands separators, ``是/否/Y/N/yes/no``, lists separated
by ``,``, ``，``, ``、``, ``;`` or new lines. Each item type has one parser; a parser returns the
typed value or raises ``InvalidAnswer`` with what was expected in both languages.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from exportkit import countries
from exportkit.errors import InvalidAnswer
from exportkit.models.questionnaire import Definition, Item

YES = {"是", "y", "yes", "true", "1", "有", "對", "t", "✓", "v", "o"}
NO = {"否", "n", "no", "false", "0", "無", "沒有", "不是", "f", "x"}
OTHER = {"other", "others", "其他", "其它"}
LIST_SPLIT = re.compile(r"[,，、;；/\n\r\t|]+")
TAX_ID_WEIGHTS = (1, 2, 1, 2, 1, 2, 4, 1)


def fold(text: str) -> str:
    """NFKC (full-width → ASCII), trimmed, case-folded, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def is_blank(raw: Any) -> bool:
    """True for an empty cell or one holding only spaces."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _as_text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def parse_number(raw: Any) -> float:
    """A number from a cell: 5, 5.0, " ５ ", "1,200", "35%", "NT$ 3,000,000"."""
    if isinstance(raw, bool):
        raise ValueError(raw)
    if isinstance(raw, int | float):
        if isinstance(raw, float) and not math.isfinite(raw):
            raise ValueError(raw)
        return float(raw)
    text = fold(str(raw))
    text = re.sub(r"^(nt\$|ntd|\$|新台幣|新臺幣)\s*", "", text)
    text = re.sub(r"\s*(%|元|ntd|人|年)$", "", text)
    text = text.replace(",", "").replace(" ", "")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([e][+-]?\d+)?", text):
        raise ValueError(raw)
    return float(text)


def valid_tax_id(digits: str) -> bool:
    """Taiwan 統一編號 checksum (Ministry of Finance rule, incl. the 2023 divisor-5 revision).

    Multiply digits by 1,2,1,2,1,2,4,1, add the digits of each product; the sum must be divisible
    by 5 (10 before 2023; 5 accepts both). When the 7th digit is 7, its product 28 → 2+8 = 10 may
    count as 1 or 0, so (sum + 1) divisible by 5 is also valid.
    """
    if not re.fullmatch(r"\d{8}", digits):
        return False
    total = 0
    for d, w in zip(digits, TAX_ID_WEIGHTS, strict=True):
        p = int(d) * w
        total += p // 10 + p % 10
    return total % 5 == 0 or (digits[6] == "7" and (total + 1) % 5 == 0)


@dataclass(frozen=True, slots=True)
class ItemReader:
    """A compiled parser for one item: ``read(raw)`` → typed value (or raises ``InvalidAnswer``)."""

    item: Item
    read: Callable[[Any], Any]
    expected_en: str
    expected_zh: str


_READERS: dict[tuple[str, str], dict[str, ItemReader]] = {}


def readers(definition: Definition) -> dict[str, ItemReader]:
    """item id → ItemReader, compiled once per definition (lookup tables built once)."""
    key = (definition.id, definition.version)
    if key not in _READERS:
        _READERS[key] = {item.id: _compile(item) for item in definition.items}
    return _READERS[key]


def _range_text(item: Item) -> tuple[str, str]:
    lo = (
        ""
        if item.min is None
        else (f"{item.min:,.0f}" if item.min.is_integer() else f"{item.min:g}")
    )
    hi = (
        ""
        if item.max is None
        else (f"{item.max:,.0f}" if item.max.is_integer() else f"{item.max:g}")
    )
    if lo and hi:
        return f" between {lo} and {hi}", f"（{lo} 至 {hi}）"
    if lo:
        return f" of at least {lo}", f"（至少 {lo}）"
    if hi:
        return f" of at most {hi}", f"（至多 {hi}）"
    return "", ""


def _compile(item: Item) -> ItemReader:
    kind = item.type
    if kind in ("likert", "scale"):
        return _anchored(item)
    if kind in ("integer", "year", "number"):
        return _numeric(item)
    if kind == "single_choice":
        return _choice(item, multi=False)
    if kind == "multi_choice":
        return _choice(item, multi=True)
    if kind == "yes_no":
        return ItemReader(item, _yes_no, "yes or no (是/否)", "是或否（Yes/No）")
    if kind == "tax_id":
        return ItemReader(
            item,
            _tax_id,
            "an 8-digit 統一編號 with a valid checksum",
            "8 位數且檢查碼正確的統一編號",
        )
    if kind == "hs_codes":
        return ItemReader(
            item,
            _hs_codes,
            "HS codes of 4 or 6 digits separated by commas (e.g. 8471, 851712)",
            "4 或 6 位數 HS 代碼，以逗號分隔（例如 8471, 851712）",
        )
    if kind == "countries":
        return ItemReader(
            item,
            _countries,
            "country names or codes separated by commas (e.g. 越南, TH, Malaysia, 其他)",
            "以逗號分隔的國家名稱或代碼（例如 越南, TH, Malaysia, 其他）",
        )
    return ItemReader(item, _text, "text", "文字")


def _anchored(item: Item) -> ItemReader:
    lo, hi = int(item.min or 1), int(item.max or 5)
    by_label: dict[str, int] = {}
    for a in item.anchors:
        if a.low == a.high:  # only single-point anchors identify one answer
            for text in (a.label.zh_TW, a.label.en, *a.accepts):
                by_label[fold(text)] = a.low
                by_label[fold(f"{a.low} - {text}")] = a.low
                by_label[fold(f"{a.low} – {text}")] = a.low
                by_label[fold(f"{a.low} — {text}")] = a.low
    en = f"a whole number from {lo} to {hi}"
    zh = f"{lo} 至 {hi} 的整數"
    if by_label:
        en += " or one of the listed answers"
        zh += "或清單中的選項"

    def read(raw: Any) -> int:
        if isinstance(raw, str):
            key = fold(raw)
            if key in by_label:
                return by_label[key]
            m = re.match(r"^(\d+)(?:\s*[-–—:：.、)]|\s|$)", key)  # "4 – Agree", "4."
            if m:
                raw = m.group(1)
        try:
            n = parse_number(raw)
        except ValueError:
            raise InvalidAnswer(en, zh) from None
        if not n.is_integer() or not lo <= n <= hi:
            raise InvalidAnswer(en, zh)
        return int(n)

    return ItemReader(item, read, en, zh)


def _numeric(item: Item) -> ItemReader:
    whole = item.type in ("integer", "year")
    r_en, r_zh = _range_text(item)
    en = ("a whole number" if whole else "a number") + r_en
    zh = ("整數" if whole else "數字") + r_zh

    def read(raw: Any) -> int | float:
        if isinstance(raw, datetime | date) and item.type == "year":
            raw = raw.year
        try:
            n = parse_number(raw)
        except ValueError:
            raise InvalidAnswer(en, zh) from None
        if whole and not n.is_integer():
            raise InvalidAnswer(en, zh)
        if (item.min is not None and n < item.min) or (item.max is not None and n > item.max):
            raise InvalidAnswer(en, zh)
        return int(n) if whole else n

    return ItemReader(item, read, en, zh)


def _choice(item: Item, multi: bool) -> ItemReader:
    table: dict[str, str] = {}
    for opt in item.options:
        for text in (opt.value, opt.label.zh_TW, opt.label.en, *opt.accepts):
            table.setdefault(fold(text), opt.value)
    names_en = ", ".join(o.label.en for o in item.options)
    names_zh = "、".join(o.label.zh_TW for o in item.options)
    if multi:
        en = f"one or more of: {names_en} (separated by commas)"
        zh = f"下列一項或多項（以逗號分隔）：{names_zh}"
    else:
        en, zh = f"one of: {names_en}", f"下列其中一項：{names_zh}"

    def read(raw: Any) -> str | tuple[str, ...]:
        text = _as_text(raw)
        if not multi:
            value = table.get(fold(text))
            if value is None:
                raise InvalidAnswer(en, zh)
            return value
        whole = table.get(fold(text))  # a label may itself contain a separator
        parts = [text] if whole else [p for p in LIST_SPLIT.split(text) if p.strip()]
        chosen = []
        for part in parts:
            value = table.get(fold(part))
            if value is None:
                raise InvalidAnswer(en, zh)
            chosen.append(value)
        return tuple(dict.fromkeys(chosen))

    return ItemReader(item, read, en, zh)


def _yes_no(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    key = fold(_as_text(raw))
    if key in YES:
        return True
    if key in NO:
        return False
    raise InvalidAnswer("yes or no (是/否)", "是或否（Yes/No）")


def _tax_id(raw: Any) -> str:
    text = fold(_as_text(raw)).replace(" ", "").replace("-", "")
    if re.fullmatch(r"\d{1,7}", text) and not isinstance(raw, str):
        text = text.zfill(8)  # typed as a number: Excel dropped the leading zeros
    if not valid_tax_id(text):
        raise InvalidAnswer(
            "an 8-digit 統一編號 with a valid checksum", "8 位數且檢查碼正確的統一編號"
        )
    return text


def _hs_codes(raw: Any) -> tuple[str, ...]:
    codes = []
    for part in LIST_SPLIT.split(fold(_as_text(raw))):
        code = part.strip().replace(".", "").replace(" ", "")
        if not code:
            continue
        if not code.isdigit():
            raise InvalidAnswer(
                "HS codes of 4 or 6 digits separated by commas (e.g. 8471, 851712)",
                "4 或 6 位數 HS 代碼，以逗號分隔（例如 8471, 851712）",
            )
        if len(code) in (3, 5):  # typed as a number: a leading zero (chapters 01–09) was lost
            code = "0" + code
        if len(code) not in (4, 6) or int(code[:2]) < 1 or int(code[:2]) > 97:
            raise InvalidAnswer(
                "HS codes of 4 or 6 digits separated by commas (e.g. 8471, 851712)",
                "4 或 6 位數 HS 代碼，以逗號分隔（例如 8471, 851712）",
            )
        codes.append(code)
    return tuple(dict.fromkeys(codes))


def _countries(raw: Any) -> tuple[str, ...]:
    out = []
    for part in LIST_SPLIT.split(_as_text(raw)):
        name = part.strip()
        if not name:
            continue
        if fold(name) in OTHER:
            out.append("OTHER")
            continue
        iso3 = countries.try_resolve(name)
        if iso3 is None:
            raise InvalidAnswer(
                f"country names or codes separated by commas; {name!r} is not a known country",
                f"以逗號分隔的國家名稱或代碼；無法辨識「{name}」",
            )
        out.append(iso3)
    return tuple(dict.fromkeys(out))


def _text(raw: Any) -> str:
    if isinstance(raw, datetime | date):
        return raw.isoformat()
    return " ".join(_as_text(raw).split()) if "\n" not in str(raw) else str(raw).strip()
