"""Importing filled workbooks: what people type is accepted; every bad file is named precisely."""

from __future__ import annotations

import io
import shutil
import zipfile

import pytest
from conftest import MINI_ANSWERS
from openpyxl import Workbook, load_workbook

from exportkit.errors import WorkbookErrors
from exportkit.questionnaire import read_answers, score_answers
from exportkit.questionnaire.answers import valid_tax_id
from exportkit.questionnaire.filling import fill_template, fill_workbook


def problems(path, **kw) -> list:
    with pytest.raises(WorkbookErrors) as info:
        read_answers(path, **kw)
    assert info.value.errors, "WorkbookErrors without any error"
    for e in info.value.errors:
        assert e.file == str(path)
    return info.value.errors


def refill(src, dst, **changes):
    """Copy a filled workbook, changing some answers as a person would (via openpyxl)."""
    wb = load_workbook(src)
    fill_workbook(wb, changes)
    wb.save(dst)
    return dst


def cell_of(path, item_id):
    wb = load_workbook(path)
    ((sheet, coord),) = list(wb.defined_names[f"Q_{item_id}"].destinations)
    return wb, sheet, coord.replace("$", "")


# --- what a person types -------------------------------------------------------------------


def test_answers_typed_like_a_person_are_accepted(mini_definition, tmp_path):
    typed = {
        **MINI_ANSWERS,
        "tax_id": " 22099131 ",
        "employees": " ４５ ",  # full-width digits and spaces
        "export_share": "30%",
        "founded": "1998",
        "hs_codes": "8466，846693 ",
        "targets": "Vietnam、泰國",
        "online": "N",
        "certs": "iso 9001, Halal",
        "customer_type": "Businesses (B2B)",  # English label in a zh-TW workbook
        "a_plan": "Mostly",  # anchor text in the other language
        "a_risk": " ２ ",
        "a_budget": "yes",
        "a_staff": "Part-time",
        "b_rubric": "7",
        "b_channels": "Agent; 網路平台",
        "b_markets": "3",
    }
    path = fill_template(mini_definition, "zh-TW", typed, tmp_path / "typed.xlsx")
    a = read_answers(path)
    assert a.values["employees"] == 45 and a.values["export_share"] == 30.0
    assert a.values["targets"] == ("VNM", "THA") and a.values["online"] is False
    assert a.values["certs"] == ("iso9001", "halal")
    assert a.values["a_plan"] == 4 and a.values["a_risk"] == 2 and a.values["b_markets"] == 3
    assert a.firm.name == "測試精密股份有限公司" and a.firm.hs_codes == ("8466", "846693")
    assert a.firm.target_markets == ("VNM", "THA") and a.firm.sells_online is False
    assert (
        score_answers(a).overall
        == score_answers(
            read_answers(
                fill_template(mini_definition, "zh-TW", MINI_ANSWERS, tmp_path / "plain.xlsx")
            )
        ).overall
    )


def test_a_person_fills_the_real_template_and_it_scores(tmp_path):
    """The export-readiness template, filled by someone who never read the code."""
    from exportkit.questionnaire.filling import answers_for_levels

    scored = answers_for_levels("export-readiness", {}, "en", seed=3)
    person = {
        "firm_name": "  台灣好物股份有限公司 ",
        "tax_id": "04595257",
        "contact_person": "王小明",
        "industry": "食品及飲料",  # Chinese label in an English workbook
        "founded": "２００５",
        "employees": " ５０ ",
        "revenue_ntd": "NT$ 120,000,000",
        "export_share": "15%",
        "products": "茶飲與伴手禮",
        "hs_codes": "8471, 851712",
        "current_markets": "Japan, 香港",
        "target_markets": "越南、Thailand, MY, other",
        "certifications": "ISO 9001、Halal",
        "customer_type": "兩者皆有",
        "sells_online": "是",
        "tacit_knowhow_share": " 40 ",
        "invest_willingness": "3",
        "after_sales_need": 2,
        "mc_export_goal": "4",
        "su_policy": "Y",
    }
    path = fill_template("export-readiness", "en", {**scored, **person}, tmp_path / "p.xlsx")
    a = read_answers(path)
    assert a.firm.name == "台灣好物股份有限公司" and a.firm.employees == 50
    assert a.firm.revenue_ntd == 120_000_000 and a.firm.hs_codes == ("8471", "851712")
    assert a.firm.target_markets == ("VNM", "THA", "MYS") and a.firm.industry == "food_beverage"
    assert a.firm.sells_online is True and a.values["su_policy"] is True
    score = score_answers(a)
    assert 0 <= score.overall <= 100 and score.coverage > 0.9 and score.band


def test_likert_labels_of_the_other_language_are_accepted(tmp_path):
    from exportkit.questionnaire import load_definition

    item = next(i for i in load_definition("export-readiness").items if i.type == "likert")
    en_label = f"5 – {item.anchors[-1].label.en}"
    scored = __import__("exportkit.questionnaire.filling", fromlist=["x"]).answers_for_levels(
        "export-readiness", {}, "zh-TW"
    )
    path = fill_template(
        "export-readiness",
        "zh-TW",
        {**scored, **MINI_PROFILE_ZH, item.id: en_label},
        tmp_path / "l.xlsx",
    )
    assert read_answers(path).values[item.id] == 5


def test_a_workbook_filled_with_an_earlier_wording_still_reads(tmp_path):
    # Labels were reworded to the glossary (台灣 → 臺灣, 數據 → 資料); a workbook filled before
    # holds the old text in its cells, and must read as it did.
    from exportkit.questionnaire import load_definition
    from exportkit.questionnaire.filling import answers_for_levels

    definition = load_definition("export-readiness")
    fairs = next(i for i in definition.items if i.id == "ie_trade_fairs")
    (old_option,) = [o for o in fairs.options if o.accepts]
    assert old_option.accepts == ("曾在台灣舉辦的國際專業展參展",)
    likert = next(i for i in definition.items if any(a.accepts for a in i.anchors))
    (old_anchor,) = [a for a in likert.anchors if a.accepts]
    assert "數據" in old_anchor.accepts[0] and "資料" in old_anchor.label.zh_TW
    answers = answers_for_levels("export-readiness", {}, "zh-TW")
    answers.update(MINI_PROFILE_ZH)
    answers[fairs.id] = old_option.accepts[0]
    answers[likert.id] = old_anchor.accepts[0]
    path = fill_template("export-readiness", "zh-TW", answers, tmp_path / "old.xlsx")
    values = read_answers(path).values
    assert values[fairs.id] == old_option.value
    assert values[likert.id] == old_anchor.low


MINI_PROFILE_ZH = {
    "firm_name": "甲",
    "tax_id": "22099131",
    "contact_person": "乙",
    "industry": "其他",
    "founded": 2000,
    "employees": 5,
    "export_share": 0,
    "products": "丙",
    "customer_type": "兩者皆有",
    "sells_online": "否",
    "tacit_knowhow_share": 10,
    "invest_willingness": 1,
    "after_sales_need": 1,
}


def test_tax_id_checksum():
    assert valid_tax_id("22099131") and valid_tax_id("04595257")
    assert not valid_tax_id("22099132") and not valid_tax_id("1234567")
    assert valid_tax_id("10458574")  # 7th digit 7: the (sum + 1) rule


# --- bad values: sheet, cell and item are named --------------------------------------------


def test_every_bad_answer_in_a_file_is_reported_at_once(mini_filled, tmp_path):
    bad = refill(
        mini_filled,
        tmp_path / "bad.xlsx",
        b_rubric=11,  # out of range
        employees="many",  # wrong type
        a_plan=None,  # required, blank
        tax_id="22099132",  # checksum
        hs_codes="84",  # too short
        targets="Atlantis",
        a_staff="sometimes",
    )
    errors = problems(bad)
    by_item = {e.item: e for e in errors}
    assert set(by_item) == {
        "b_rubric",
        "employees",
        "a_plan",
        "tax_id",
        "hs_codes",
        "targets",
        "a_staff",
    }
    for item_id, e in by_item.items():
        _, sheet, cell = cell_of(bad, item_id)
        assert (e.sheet, e.cell) == (sheet, cell)
    assert "1 to 10" in by_item["b_rubric"].message("en") and "11" in by_item["b_rubric"].message()
    assert "1 至 10" in by_item["b_rubric"].message("zh-TW")
    assert "required" in by_item["a_plan"].message("en") and "必填" in by_item["a_plan"].message(
        "zh-TW"
    )
    assert "'many'" in by_item["employees"].message("en")


def test_a_formula_in_an_answer_cell_is_refused(mini_filled, tmp_path):
    wb, sheet, cell = cell_of(mini_filled, "a_plan")
    wb[sheet][cell] = "=2+2"
    wb.save(tmp_path / "f.xlsx")
    (e,) = problems(tmp_path / "f.xlsx")
    assert (e.sheet, e.cell, e.item) == (sheet, cell, "a_plan") and "formula" in e.message()


def test_an_empty_template_is_one_clear_problem(mini_definition, tmp_path):
    from exportkit.questionnaire import write_template

    path = write_template(mini_definition, "en", tmp_path / "blank.xlsx")
    (e,) = problems(path)
    assert "every answer cell is empty" in e.message("en")


# --- bad files: the file (and sheet/cell where there is one) is named ----------------------


def test_a_csv_renamed_to_xlsx_is_refused(tmp_path):
    path = tmp_path / "answers.xlsx"
    path.write_text("firm,score\nA,3\n", encoding="utf-8")
    (e,) = problems(path)
    assert str(path) in e.message() and "not an Excel file" in e.message()


def test_a_legacy_xls_is_refused(tmp_path):
    path = tmp_path / "old.xls"
    # An OLE2 compound file header with a "Workbook" stream name, as Excel 97–2003 writes.
    path.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "Workbook".encode("utf-16-le")
    )
    (e,) = problems(path)
    assert str(path) in e.message() and ".xls" in e.message() and "as .xlsx" in e.message()


def test_an_encrypted_workbook_is_refused(mini_filled, tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    path = tmp_path / "locked.xlsx"
    with open(mini_filled, "rb") as src, open(path, "wb") as dst:
        OOXMLFile(src).encrypt("secret", dst)
    (e,) = problems(path)
    assert str(path) in e.message() and "password" in e.message()
    assert "密碼" in e.message("zh-TW")


def test_a_corrupt_zip_is_refused(mini_filled, tmp_path):
    data = mini_filled.read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    (e,) = problems(path)
    assert str(path) in e.message() and "damaged" in e.message()


def test_a_damaged_part_inside_the_zip_is_refused(mini_filled, tmp_path):
    data = bytearray(mini_filled.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("xl/workbook.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 10, start + 40):
        data[i] ^= 0xFF
    path = tmp_path / "crc.xlsx"
    path.write_bytes(bytes(data))
    (e,) = problems(path)
    assert str(path) in e.message() and "damaged" in e.message()


def test_a_part_whose_checksum_does_not_match_is_refused(mini_filled, tmp_path):
    # Intact deflate data but a wrong CRC-32 in both headers: calamine would not notice.
    import struct

    data = bytearray(mini_filled.read_bytes())
    part = "xl/worksheets/sheet3.xml"
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo(part)
    struct.pack_into("<I", data, info.header_offset + 14, info.CRC ^ 1)
    central = data.find(b"PK\x01\x02")
    while bytes(data[central + 46 : central + 46 + len(part)]) != part.encode():
        central = data.find(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 16, info.CRC ^ 1)
    path = tmp_path / "crc32.xlsx"
    path.write_bytes(bytes(data))
    (e,) = problems(path)
    assert part in e.message() and "checksum" in e.message() and "damaged" in e.message()


def test_a_workbook_not_made_from_a_template_is_refused(tmp_path):
    wb = Workbook()
    wb.active["A1"] = "firm"
    wb.save(tmp_path / "own.xlsx")
    (e,) = problems(tmp_path / "own.xlsx")
    assert "exportkit questionnaire template" in e.message()


def test_an_unknown_definition_version_is_refused(mini_filled, tmp_path):
    wb = load_workbook(mini_filled)
    wb["_meta"]["B2"] = "9.0.0"
    wb.save(tmp_path / "v9.xlsx")
    (e,) = problems(tmp_path / "v9.xlsx")
    assert (e.sheet, e.cell) == ("_meta", "B2") and "9.0.0" in e.message()


def test_an_unknown_definition_id_is_refused(mini_filled, tmp_path):
    wb = load_workbook(mini_filled)
    wb["_meta"]["B1"] = "tax-return"
    wb.save(tmp_path / "other.xlsx")
    (e,) = problems(tmp_path / "other.xlsx")
    assert (e.sheet, e.cell) == ("_meta", "B1") and "tax-return" in e.message()


def test_a_deleted_sheet_is_named(mini_filled, tmp_path):
    wb = load_workbook(mini_filled)
    del wb["構面乙"]
    wb.save(tmp_path / "nosheet.xlsx")
    errors = problems(tmp_path / "nosheet.xlsx")
    assert any(e.sheet == "構面乙" and "deleted" in e.message() for e in errors)


def test_a_deleted_defined_name_is_named(mini_filled, tmp_path):
    wb = load_workbook(mini_filled)
    del wb.defined_names["Q_a_budget"]
    wb.save(tmp_path / "noname.xlsx")
    (e,) = problems(tmp_path / "noname.xlsx")
    assert e.item == "a_budget" and e.sheet == "構面甲" and "Q_a_budget" in e.message()


def test_a_file_over_the_size_limit_is_refused(mini_filled):
    (e,) = problems(mini_filled, max_bytes=1000)
    assert str(mini_filled) in e.message() and "MB" in e.message()


def test_a_zip_bomb_is_refused_from_the_zip_directory(mini_filled, tmp_path):
    path = tmp_path / "bomb.xlsx"
    shutil.copy(mini_filled, path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("xl/media/padding.bin", "w", force_zip64=True) as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(60):
                fh.write(chunk)
    assert path.stat().st_size < 1_000_000  # small on disk, 60 MB inflated
    (e,) = problems(path)
    assert "uncompressed" in e.message() and "zip bomb" in e.message()


def test_an_absurd_cell_range_is_refused_before_reading(mini_filled, tmp_path):
    wb, sheet, _ = cell_of(mini_filled, "a_plan")
    wb[sheet]["XFD1048576"] = "x"
    wb.save(tmp_path / "huge.xlsx")
    (e,) = problems(tmp_path / "huge.xlsx")
    assert e.sheet == sheet and "normal size" in e.message()


def test_a_macro_workbook_is_refused(mini_filled, tmp_path):
    path = tmp_path / "macro.xlsm"
    shutil.copy(mini_filled, path)
    (e,) = problems(path)
    assert str(path) in e.message() and "macros" in e.message()


def test_xml_entities_in_the_workbook_are_refused(mini_filled, tmp_path):
    path = tmp_path / "entities.xlsx"
    with zipfile.ZipFile(mini_filled) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/workbook.xml":
                body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
                data = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>' + body
            dst.writestr(info, data)
    (e,) = problems(path)
    assert str(path) in e.message() and "entity" in e.message()


def test_a_malformed_answer_sheet_is_named(mini_filled, tmp_path):
    _, sheet, _ = cell_of(mini_filled, "a_plan")
    part = "xl/worksheets/sheet3.xml"  # openpyxl numbers parts by sheet order: 構面甲 is 3rd
    path = tmp_path / "broken-sheet.xlsx"
    with zipfile.ZipFile(mini_filled) as src, zipfile.ZipFile(path, "w") as dst:
        assert part in src.namelist()
        for info in src.infolist():
            data = src.read(info)
            if info.filename == part:
                data = data[: len(data) // 2]  # cut mid-element: not well-formed XML
            dst.writestr(info, data)
    errors = problems(path)
    assert any(e.sheet == sheet == "構面甲" and "damaged" in e.message() for e in errors), errors


def test_a_malformed_answer_sheet_with_formulas_is_named(mini_filled, tmp_path):
    # formulas in the answer cells send the reader to the whole sheet's XML, which is broken
    # after its cells: a clear error for that sheet, not an XML parser's traceback
    _, sheet, _ = cell_of(mini_filled, "a_plan")
    part = "xl/worksheets/sheet3.xml"
    path = tmp_path / "broken-formulas.xlsx"
    with zipfile.ZipFile(mini_filled) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == part:
                assert b"<is>" in data  # the answers are inline strings
                data = data.replace(b"<is>", b'<f>"x"</f><is>')
                data = data.replace(b"</sheetData>", b"</sheetData><broken", 1)
            dst.writestr(info, data)
    errors = problems(path)
    assert any(e.sheet == sheet and "damaged" in e.message() for e in errors), errors
    assert any(e.sheet == sheet and "損壞" in e.message("zh-TW") for e in errors)
