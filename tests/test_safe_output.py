"""Neutralising spreadsheet text and deriving safe, collision-free file names."""

from __future__ import annotations

import pytest

from exportkit.safe_output import neutralise, safe_filename, unique_filename


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://x")', "+1-555", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "＝1", "＋1"],
)
def test_formula_like_text_gets_a_leading_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["ACME", "宏進精密", "a=b", "", None, 12, -3.5, True])
def test_other_values_pass_through(value):
    assert neutralise(value) == value


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "a/b\\c",
        "..",
        ".",
        "CON",
        "nul",
        "a\x00b",
        "  ",
        "x" * 300,
        "=cmd|' /C calc'!A0",
    ],
)
def test_file_names_cannot_escape_or_misbehave(name):
    stem = safe_filename(name)
    assert "/" not in stem and "\\" not in stem and ".." not in stem and "\x00" not in stem
    assert not stem.startswith((".", "-")) and len(stem) <= 70
    assert stem.split("_")[0].upper() not in {"CON", "NUL"}


def test_chinese_names_stay_readable():
    assert safe_filename("宏進精密機械股份有限公司").startswith("宏進精密機械股份有限公司_")


def test_names_differing_only_by_punctuation_do_not_collide():
    names = ["ACME Co.", "ACME, Co", "ACME-Co", "ACME  Co", "acme co"]
    assert len({safe_filename(n).casefold() for n in names}) == len(names)


def test_the_same_name_twice_is_numbered():
    taken: set[str] = set()
    first = unique_filename("Same Firm", taken, ".json")
    second = unique_filename("Same Firm", taken, ".json")
    assert first != second and second.endswith("_2.json")
