"""Babel-backed report formatting in zh-TW and English."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from exportkit import formatting as f


@pytest.mark.parametrize(
    ("value", "currency", "lang", "expected"),
    [
        (5.1e8, "USD", "zh-TW", "US$5.1 億"),
        (5.1e8, "USD", "en", "US$510 million"),
        (5.149e11, "USD", "zh-TW", "US$5,149 億"),
        (5.149e11, "USD", "en", "US$515 billion"),
        (1.37e12, "USD", "zh-TW", "US$1.4 兆"),
        (7890, "USD", "en", "US$7,890"),
        (12.5, "USD", "en", "US$12.50"),
        (0.0, "USD", "zh-TW", "US$0"),  # no cents where there are none (was US$0.00)
        (12.0, "USD", "en", "US$12"),
        (3.2e7, "TWD", "zh-TW", "NT$3,200 萬"),
        (3.2e7, "TWD", "en", "NT$32 million"),
        (-3e6, "USD", "en", "\u2212US$3 million"),
    ],
)
def test_money_is_compact_in_each_languages_units(value, currency, lang, expected):
    assert f.money(value, currency, lang) == expected


def test_large_numbers_group_by_wan_and_yi_in_chinese_and_by_million_in_english():
    assert f.large_number(71_702_435, "zh-TW") == "7,170 萬"
    assert f.large_number(71_702_435, "en") == "71.7 million"
    assert f.large_number(1_438_069_596, "zh-TW") == "14.4 億"
    assert f.large_number(1_438_069_596, "en") == "1.4 billion"
    assert f.large_number(458_949, "en") == "458,949"
    assert f.large_number(5_000_000, "en") == "5 million"


def test_percentages_shares_and_signed_changes():
    assert f.percent(12.345, "en") == "12.3%"
    assert f.percent(12.345, "zh-TW", 0) == "12%"
    assert f.share(0.42, "en") == "42%"
    assert f.signed(3.24, "en") == "+3.2"
    assert f.signed(-1.26, "zh-TW") == "\u22121.3"
    assert f.signed(0.01, "en") == "0.0"


def test_dates_read_naturally_in_each_language():
    d = date(2026, 1, 5)
    assert f.long_date(d, "zh-TW") == "2026年1月5日"
    assert f.long_date(d, "en") == "5 January 2026"
    assert f.long_date(datetime(2026, 1, 5, 13, 0), "en") == "5 January 2026"
    assert f.short_date(datetime(2026, 11, 20, 9, 30), "zh-TW") == "2026-11-20"


@pytest.mark.parametrize("fn", [f.percent, f.share, f.signed, f.large_number, f.long_date])
def test_missing_values_print_a_dash_never_zero(fn):
    assert fn(None, "en") == "—"
    assert f.money(None, "USD", "zh-TW") == "—"
    assert f.money(float("nan"), "USD", "en") == "—"


def test_indicator_values_follow_their_kind():
    assert f.indicator_value(5.1e11, "money_usd", "current US$", "en") == "US$510 billion"
    assert f.indicator_value(3.456, "index", "1-5", "en") == "3.46"
    assert f.indicator_value(1.9, "percent", "%", "zh-TW") == "1.9%"
    assert f.indicator_value(4.2, "", "% of GDP", "en") == "4.2%"
    assert f.indicator_value(1.9, "", "annual %", "en") == "1.9%"
    # A derivation note mentioning % does not make a head count a percentage.
    derived = "persons (derived: urban % of total / 100 × population)"
    assert f.indicator_value(38_264_181, "", derived, "en") == "38.3 million"


def test_a_reason_writes_money_as_the_documents_do():
    # one style a page: the rule engine's reasons and the brief's figures format money alike
    from exportkit.entry_mode.factors import display
    from exportkit.entry_mode.rulebook import FactorInfo
    from exportkit.models import Text

    for value, unit, currency in ((5.47e7, "usd", "USD"), (3e7, "ntd", "TWD")):
        for lang in ("zh-TW", "en"):
            info = FactorInfo("x", "firm", unit, Text("x", "x"))
            assert display("x", value, lang, info) == f.money(value, currency, lang)


def test_decimal_writes_what_babel_writes_for_both_languages():
    # the fast path (Python's Decimal) against Babel's own formatting, ties and signs included
    import random

    from babel.numbers import format_decimal

    rng = random.Random(7)
    values = [2.675, 0.125, -1234.5, 0.0, 1e15, 999.95]
    values += [rng.uniform(-1e7, 1e7) for _ in range(300)]
    values += [round(rng.uniform(0, 1000), 3) for _ in range(300)]
    for lang, babel in (("zh-TW", "zh_Hant_TW"), ("en", "en")):
        for digits in (0, 1, 2):
            pattern = "#,##0" + ("." + "0" * digits if digits else "")
            for v in values:
                expected = format_decimal(v, pattern, locale=babel).replace("-", f.MINUS)
                assert f.decimal(v, lang, digits) == expected, (v, lang, digits)
