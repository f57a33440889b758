"""The Excel template: sheets, named answer cells, drop-downs, protection, print setup."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from exportkit.questionnaire import load_definition, write_template
from exportkit.questionnaire.template import LISTS_SHEET, META_SHEET


@pytest.fixture(scope="module")
def zh_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("tpl") / "export-readiness-zh.xlsx"
    write_template("export-readiness", "zh-TW", path)
    return path


def test_template_has_instructions_then_one_sheet_per_section_and_hidden_meta(zh_template):
    d = load_definition("export-readiness")
    wb = load_workbook(zh_template)
    assert wb.sheetnames[0] == "填寫說明"
    assert wb.sheetnames[1 : 1 + len(d.sections)] == [s.title.zh_TW for s in d.sections]
    meta = wb[META_SHEET]
    assert meta.sheet_state == "hidden" and wb[LISTS_SHEET].sheet_state == "hidden"
    assert [meta["B1"].value, meta["B2"].value, meta["B3"].value] == [d.id, d.version, "zh-TW"]


def test_every_item_has_one_named_unlocked_answer_cell(zh_template):
    d = load_definition("export-readiness")
    wb = load_workbook(zh_template)
    for item in d.items:
        dn = wb.defined_names[f"Q_{item.id}"]
        ((sheet, coord),) = list(dn.destinations)
        cell = wb[sheet][coord.replace("$", "")]
        assert sheet == d.section(item.section).title.zh_TW
        assert cell.protection.locked is False, item.id
        assert wb[sheet].protection.sheet is True
        assert not wb[sheet].protection.password


def test_choices_are_drop_downs_in_the_workbook_language_with_visible_arrows(tmp_path):
    d = load_definition("export-readiness")
    for lang in ("zh-TW", "en"):
        path = write_template("export-readiness", lang, tmp_path / f"{lang}.xlsx")
        wb = load_workbook(path)
        item = next(i for i in d.items if i.type == "single_choice")
        ((sheet, coord),) = list(wb.defined_names[f"Q_{item.id}"].destinations)
        ws = wb[sheet]
        dv = next(
            v for v in ws.data_validations.dataValidation if coord.replace("$", "") in v.sqref
        )
        assert dv.type == "list" and not dv.showDropDown  # showDropDown=True hides the arrow
        ((lsheet, lrange),) = list(wb.defined_names[dv.formula1.lstrip("=")].destinations)
        shown = [c.value for row in wb[lsheet][lrange.replace("$", "")] for c in row]
        assert shown == [o.label.get(lang) for o in item.options]


def test_numbers_have_range_validation_with_an_input_message(zh_template):
    wb = load_workbook(zh_template)
    ((sheet, coord),) = list(wb.defined_names["Q_employees"].destinations)
    ws = wb[sheet]
    dv = next(v for v in ws.data_validations.dataValidation if coord.replace("$", "") in v.sqref)
    assert dv.type == "whole" and dv.operator == "between"
    assert (dv.formula1, dv.formula2) == ("1", "100000")
    assert dv.showInputMessage and "100,000" in dv.prompt


def test_sheets_are_print_ready_with_frozen_headers(zh_template):
    wb = load_workbook(zh_template)
    ws = wb[load_definition("export-readiness").sections[1].title.zh_TW]
    assert ws.freeze_panes == "A5"
    assert ws.print_area and ws.print_title_rows
    assert ws.column_dimensions["B"].width > 40 and ws["B5"].alignment.wrap_text
    assert wb.security.lockStructure


def test_template_refuses_an_unknown_language_or_a_non_xlsx_name(tmp_path):
    from exportkit.errors import UsageError

    with pytest.raises(UsageError):
        write_template("export-readiness", "fr", tmp_path / "x.xlsx")
    with pytest.raises(UsageError):
        write_template("export-readiness", "en", tmp_path / "x.xls")


def test_the_ecosystem_rubric_goes_through_the_same_engine(tmp_path):
    from exportkit.questionnaire import read_answers, score_answers
    from exportkit.questionnaire.filling import answers_for_levels, fill_template

    d = load_definition("ecosystem-evaluation")
    levels = {s.id: 0.7 for s in d.dimensions}
    answers = answers_for_levels(d.id, levels, "en", seed=1)
    required_profile = {
        i.id: i.options[0].label.en if i.options else (i.min if i.min is not None else "Demo")
        for i in d.items
        if i.required and i.id not in answers
    }
    path = fill_template(d.id, "en", {**answers, **required_profile}, tmp_path / "eco.xlsx")
    score = score_answers(read_answers(path))
    assert set(score.dimensions) == {s.id for s in d.dimensions}
    assert 0 <= score.overall <= 100 and score.band


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_every_question_row_is_tall_enough_for_its_wrapped_text(tmp_path, lang):
    # Rows are sized for 14.5 pt a line, the spacing of the fonts Microsoft JhengHei is
    # replaced by outside Windows (LibreOffice's Noto Sans CJK TC): at 13.5 pt the last line of
    # the industry list (19 lines) was cut off.
    from exportkit.questionnaire.template import COLUMNS, _lines

    path = write_template("export-readiness", lang, tmp_path / "t.xlsx")
    wb = load_workbook(path)
    checked = 0
    for section in load_definition("export-readiness").sections:
        ws = wb[section.title.get(lang)]
        for r in range(1, ws.max_row + 1):
            texts = {k: ws[f"{k}{r}"].value for k in ("B", "D")}
            if not isinstance(texts["D"], str) or ws[f"A{r}"].value is None:
                continue
            lines = max(_lines(v, COLUMNS[k] * 1.15) for k, v in texts.items() if v)
            height = ws.row_dimensions[r].height
            assert height >= 14.5 * lines, (section.id, ws[f"A{r}"].value, height, lines)
            checked += 1
    assert checked > 40


def test_error_messages_number_each_question_as_the_workbook_prints_it(zh_template):
    # Definition.question_numbers is what an error names ("第 1.8 題（employees）"); the
    # template prints its own numbers beside each question: they must be the same.
    d = load_definition("export-readiness")
    numbers = d.question_numbers()
    wb = load_workbook(zh_template)
    printed = {}
    for section in d.sections:
        ws = wb[section.title.zh_TW]
        for r in range(1, ws.max_row + 1):
            if ws[f"E{r}"].value in numbers:
                printed[ws[f"E{r}"].value] = ws[f"A{r}"].value
    assert printed == numbers and numbers["employees"] == "1.8"
