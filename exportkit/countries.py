"""Country codes and names: ISO3/ISO2, UN Comtrade codes, English and Traditional Chinese names.

pycountry gives codes and English names, Babel (CLDR) gives zh-TW names; ``data/countries.yaml``
adds the New Southbound list, Comtrade's own codes (India 699, Taiwan 490) and local spellings.

>>> resolve("泰國"), resolve("th"), resolve("Viet Nam")
('THA', 'THA', 'VNM')
>>> resolve_markets("nsp6")
('THA', 'VNM', 'MYS', 'IND', 'IDN', 'PHL')
"""

from __future__ import annotations

import unicodedata
from functools import cache

import pycountry
from babel import Locale

from exportkit.errors import UsageError
from exportkit.models import Country, Text
from exportkit.resources import data_file, load_yaml


@cache
def _data() -> dict:
    return load_yaml(data_file("countries.yaml"))


@cache
def _zh_names() -> dict[str, str]:
    return dict(Locale.parse("zh_Hant_TW").territories)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


@cache
def country(iso3: str) -> Country:
    """The ``Country`` for an ISO3 code (raises ``UsageError`` if unknown)."""
    rec = pycountry.countries.get(alpha_3=iso3.upper())
    if rec is None:
        raise UsageError(f"unknown country code {iso3!r}", zh=f"不明的國家代碼「{iso3}」")
    nsb = {c["iso3"]: c for c in _data()["new_southbound"]}
    extra = {**_data()["overrides"].get(rec.alpha_3, {}), **nsb.get(rec.alpha_3, {})}
    return Country(
        iso3=rec.alpha_3,
        iso2=rec.alpha_2,
        m49=int(extra.get("comtrade", rec.numeric)),
        name=Text(
            zh_TW=extra.get("name_zh_TW") or _zh_names().get(rec.alpha_2, rec.name),
            en=extra.get("name_en") or getattr(rec, "common_name", None) or rec.name,
        ),
        region=extra.get("region", ""),
        new_southbound=rec.alpha_3 in nsb,
        priority_group=extra.get("priority"),
    )


def name(iso3: str, lang: str = "en") -> str:
    """The country's name in ``lang`` (zh-TW or English)."""
    c = country(iso3)
    return c.name.get(lang)


NSB18: tuple[str, ...] = tuple(c["iso3"] for c in _data()["new_southbound"])
NSP6: tuple[str, ...] = tuple(
    c["iso3"] for c in _data()["new_southbound"] if c.get("priority") == 1
)


@cache
def _lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for rec in pycountry.countries:
        for key in (
            rec.alpha_2,
            rec.alpha_3,
            rec.name,
            getattr(rec, "common_name", None),
            getattr(rec, "official_name", None),
        ):
            if key:
                table.setdefault(_fold(key), rec.alpha_3)
    for alpha2, zh in _zh_names().items():
        rec = pycountry.countries.get(alpha_2=alpha2) if len(alpha2) == 2 else None
        if rec:
            table.setdefault(_fold(zh), rec.alpha_3)
    for iso3 in {*NSB18, *_data()["overrides"]}:
        c = country(iso3)
        table[_fold(c.name.en)] = iso3
        table[_fold(c.name.zh_TW)] = iso3
    for alias, iso3 in _data()["aliases"].items():
        table[_fold(alias)] = iso3
    return table


def resolve(text: str) -> str:
    """ISO3 for a code (ISO2/ISO3), an English name or a Traditional Chinese name."""
    iso3 = _lookup().get(_fold(text))
    if iso3 is None:
        raise UsageError(
            f"unknown country {text!r} (use an ISO code such as TH or THA, or a name)",
            zh=f"不明的國家「{text}」（請用 ISO 代碼如 TH 或 THA，或國名如「泰國」）",
        )
    return iso3


def try_resolve(text: str) -> str | None:
    """Like :func:`resolve`, but ``None`` instead of an error for an unknown name."""
    return _lookup().get(_fold(text))


def resolve_markets(spec: str | None) -> tuple[str, ...]:
    """``nsp6`` (first priority), ``nsp18`` (all New Southbound; also ``None``) or a comma list
    of codes or names among the 18.

    The market data, the index and the entry-mode rules cover the 18 New Southbound countries
    only: another country would be ranked and fitted on no data at all, so it is refused, as
    is an empty list (which used to mean nsp18 silently).
    """
    if spec is None or spec.strip().lower() == "nsp18":
        return NSB18
    if spec.strip().lower() == "nsp6":
        return NSP6
    codes = tuple(dict.fromkeys(resolve(part) for part in spec.split(",") if part.strip()))
    if not codes:
        raise UsageError(
            f"--markets {spec!r}: give nsp6, nsp18 or country codes such as TH,VN",
            zh=f"--markets「{spec}」：請指定 nsp6、nsp18 或國家代碼，例如 TH,VN",
        )
    return require_nsb18(codes)


def require_nsb18(codes: tuple[str, ...]) -> tuple[str, ...]:
    """``codes`` when all are New Southbound countries, else a refusal naming the others."""
    outside = [c for c in codes if c not in NSB18]
    if outside:
        names = ", ".join(f"{country(c).name.en} ({c})" for c in outside)
        names_zh = "、".join(f"{country(c).name.zh_TW}（{c}）" for c in outside)
        allowed = ",".join(NSB18)
        raise UsageError(
            f"{names}: not one of the 18 New Southbound markets exportkit has data and rules "
            f"for ({allowed})",
            zh=f"{names_zh}：不在 exportkit 具備資料與規則的 18 個新南向市場之內（{allowed}）",
        )
    return codes


@cache
def _by_m49() -> dict[int, str]:
    table = {int(rec.numeric): rec.alpha_3 for rec in pycountry.countries}
    for iso3 in {*NSB18, *_data()["overrides"]}:
        table[country(iso3).m49] = iso3
    table[0] = "WLD"
    return table


def from_m49(code: int) -> str | None:
    """ISO3 for a UN Comtrade reporter/partner code (699 → IND, 490 → TWN, 0 → WLD)."""
    return _by_m49().get(int(code))


def to_m49(iso3: str) -> int:
    """The code UN Comtrade uses for a country (India 699, Taiwan as partner 490)."""
    return 0 if iso3 == "WLD" else country(iso3).m49
