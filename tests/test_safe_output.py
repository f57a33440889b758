"""Neutralising spreadsheet text and deriving safe, collision-free file and folder names.

One implementation (``exportkit.safe_output``) serves assess (firms/<name>.json, report
folders) and the renderer (``exportkit brief``, ``write_portfolio``); these checks merge the
two earlier test sets (safe_filename and render's safe_name / unique_name).
"""

from __future__ import annotations

import pytest

from exportkit.safe_output import MAX_BYTES, TakenNames, neutralise, safe_name, unique_name


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://x")', "+1-555", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "＝1", "＋1"],
)
def test_formula_like_text_gets_a_leading_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["ACME", "宏進精密", "a=b", "", None, 12, -3.5, True])
def test_other_values_pass_through(value):
    assert neutralise(value) == value


HOSTILE = [
    "../../etc/passwd",
    "../../etc",
    "a/b\\c",
    "..",
    ".",
    "CON",
    "nul",
    "LPT1",
    "a\x00b",
    "line\nbreak\r\x1b[31m",
    "  ",
    "",
    "x" * 300,
    "台" * 300,
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://x")',
    "<script>alert(1)</script>",
    "A#B?c=%20&d",
    "\u2028sep\u2029",
]


@pytest.mark.parametrize("name", HOSTILE)
@pytest.mark.parametrize("make", [safe_name, unique_name])
def test_names_cannot_escape_or_misbehave(name, make):
    stem = make(name)
    assert stem and "/" not in stem and "\\" not in stem and ".." not in stem
    assert not any(ord(c) < 32 or c in "\x7f\u2028\u2029" for c in stem)
    # nothing that would break a relative link in index.html or a shell command
    assert not any(c in stem for c in "<>:\"|?*#%&'= .")
    assert not stem.startswith(("-", "_-")) and len(stem.encode("utf-8")) <= MAX_BYTES + 9
    assert stem.split("-")[0].upper() not in {"CON", "NUL", "LPT1"}


def test_examples_of_safe_names():
    assert safe_name("../../etc/passwd") == "etc-passwd"
    assert safe_name("台灣 精密/機械") == "台灣-精密-機械"
    assert safe_name("CON") == "_CON" and safe_name("nul") == "_nul"
    assert safe_name("", "firm") == "firm" and safe_name("../..", "firm") == "firm"


def test_letters_of_every_script_stay_readable():
    assert safe_name("宏進精密機械股份有限公司") == "宏進精密機械股份有限公司"
    assert unique_name("宏進精密機械股份有限公司") == "宏進精密機械股份有限公司"  # no hash needed
    assert safe_name("บริษัท ไทย") == "บริษัท-ไทย"  # Thai vowel marks are kept
    assert safe_name("Công ty Việt") == "Công-ty-Việt"


def test_long_names_are_cut_on_a_character_boundary():
    name = safe_name("台" * 300)
    assert len(name.encode("utf-8")) <= MAX_BYTES and name == "台" * (MAX_BYTES // 3)


def test_names_differing_only_by_punctuation_do_not_collide():
    names = ["ACME Co.", "ACME, Co", "ACME-Co", "ACME  Co", "acme co", "ACME/Co", "ACME_Co"]
    taken: set[str] = set()
    assert len({unique_name(n).casefold() for n in names}) == len(names)  # even without taken
    assert len({unique_name(n, taken).casefold() for n in names}) == len(names)


def test_a_name_made_safe_carries_a_hash_and_is_stable():
    assert unique_name("ACME Co.") == unique_name("ACME Co.")
    stem, digest = unique_name("ACME Co.").rsplit("-", 1)
    assert stem == "ACME-Co" and len(digest) == 8


def test_the_same_name_twice_gets_a_different_name():
    taken: set[str] = set()
    first = unique_name("Same Firm", taken, suffix=".json")
    second = unique_name("Same Firm", taken, suffix=".json")
    third = unique_name("Same Firm", taken, suffix=".json")
    assert len({first, second, third}) == 3 and all(n.endswith(".json") for n in (first, third))
    assert {first, second, third} <= taken


def test_collisions_are_case_insensitive():
    taken: set[str] = set()
    assert unique_name("ACME", taken) == "ACME"
    assert unique_name("acme", taken).startswith("acme-")  # same folder on macOS / Windows


def test_taken_names_give_the_names_a_plain_set_gives():
    names = ["ACME", "acme", "ACME Co.", "ACME, Co", "Acme", "宏進", "宏進", "", None, "ACME"]
    plain, taken = set(), TakenNames(["acme-2"])
    plain.add("acme-2")
    given = [unique_name(n, plain, "firm") for n in names]
    assert [unique_name(n, taken, "firm") for n in names] == given
    assert taken == plain and taken.folded == {n.casefold() for n in plain}
    assert len({g.casefold() for g in given}) == len(given)  # unique, case-insensitively
