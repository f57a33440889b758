"""Write the Excel questionnaire a firm fills in (openpyxl).

Layout: an Instructions sheet, one sheet per section (No. | Question | Answer | How to answer |
Item id), a hidden ``_lists`` sheet with the drop-down choices and a hidden ``_meta`` sheet with
the definition id, version and language. Each answer cell has the workbook defined name
``Q_<item_id>``: the importer finds answers by name, never by position, so the layout can
change without breaking old files. Answer cells are unlocked; the sheets are protected without
a password so a firm cannot overwrite questions by accident.
"""

from __future__ import annotations

import math
import os
import unicodedata
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from exportkit import __version__, countries
from exportkit.errors import UsageError
from exportkit.i18n import normalise_lang, t
from exportkit.models.questionnaire import Definition, Item, Section
from exportkit.questionnaire.definition import load_definition
from exportkit.safe_output import output_error

META_SHEET = "_meta"
LISTS_SHEET = "_lists"
NAME_PREFIX = "Q_"
HEADER_ROW = 4
COLUMNS = {"A": 7, "B": 58, "C": 30, "D": 52, "E": 24}  # widths in characters

NAVY = "1F3864"
ANSWER_FILL = PatternFill("solid", fgColor="FFF2CC")
HEADER_FILL = PatternFill("solid", fgColor=NAVY)
BAND_FILL = PatternFill("solid", fgColor="D9E2F3")
THIN = Side(style="thin", color="A6A6A6")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
FONT = "Microsoft JhengHei"  # Traditional Chinese UI font on Windows; others substitute
# Points between two 10-pt lines of wrapped text: Microsoft JhengHei spaces them ~13.2 pt, the
# fonts it is replaced by elsewhere (Noto Sans CJK TC in LibreOffice, PingFang TC on a Mac)
# ~14.5 pt. Rows are sized for the larger, so no line is cut off (at 13.5 the industry list's
# last line was, in LibreOffice).
LINE_PT = 14.5


def answer_name(item_id: str) -> str:
    """The workbook defined name of an item's answer cell."""
    return f"{NAME_PREFIX}{item_id}"


def _safe(text: str) -> str:
    """Neutralise text that a spreadsheet would take for a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines(text: str, width_chars: float) -> int:
    return sum(
        max(1, math.ceil(_width(line) / max(width_chars - 1, 1))) for line in text.split("\n")
    )


def _fit_row(ws: Worksheet, row: int, texts: dict[str, str], minimum: int = 1) -> None:
    # openpyxl cannot autofit and Excel does not refit on open: estimate the wrapped height.
    # Column widths count 11-pt digits; about 1.15 times as many 10-pt characters fit.
    lines = max([minimum, *(_lines(v, COLUMNS.get(c, 12) * 1.15) for c, v in texts.items() if v)])
    ws.row_dimensions[row].height = min(409, LINE_PT * lines + 10)


def _num(x: float) -> str:
    """1e11 → "100,000,000,000" for people; integers without a decimal point."""
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,g}"


def write_template(
    definition_id: str, lang: str, path: str | Path, *, overwrite: bool = False
) -> Path:
    """Write a blank questionnaire workbook for ``definition_id`` in ``lang`` to ``path``.

    An existing file is refused unless ``overwrite`` (it may be a filled workbook); the file
    is written under a temporary name and renamed, so an interruption never truncates one.

    >>> write_template("export-readiness", "zh-TW", "firm.xlsx")
    PosixPath('firm.xlsx')
    """
    if lang not in ("zh-TW", "en"):
        raise UsageError(
            f"unknown language {lang!r} (use zh-TW or en)",
            zh=f"不明的語言 {lang!r}（請用 zh-TW 或 en）",
        )
    lang = normalise_lang(lang)
    definition = load_definition(definition_id)
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise UsageError(
            f"{path}: the template must be saved as .xlsx", zh=f"{path}：範本必須存成 .xlsx 檔"
        )
    if path.exists() and not overwrite:
        raise UsageError(
            t("q_template_exists", "en", path=path), zh=t("q_template_exists", "zh-TW", path=path)
        )
    wb = Workbook()
    _instructions(wb.active, definition, lang)
    lists = wb.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    list_col = 0
    for index, section in enumerate(definition.sections, start=1):
        ws = wb.create_sheet(section.title.get(lang))
        list_col = _section_sheet(wb, ws, lists, list_col, definition, section, index, lang)
    wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames))
    meta = wb.create_sheet(META_SHEET)
    for row, (key, value) in enumerate(
        [
            ("exportkit_questionnaire", definition.id),
            ("version", definition.version),
            ("lang", lang),
            ("generator", f"exportkit {__version__}"),
        ],
        start=1,
    ):
        meta.cell(row, 1, key)
        meta.cell(row, 2, value)
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    lists.protection.sheet = True
    # Lock the structure (no password): sheets cannot be deleted, renamed or unhidden by accident.
    wb.security.lockStructure = True
    wb.active = 0
    tmp = path.with_name(f".{path.name}.exportkit-{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        wb.save(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise output_error(path, exc) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _instructions(ws: Worksheet, d: Definition, lang: str) -> None:
    other = "en" if lang == "zh-TW" else "zh-TW"
    ws.title = t("qtpl_instructions_sheet", lang)
    ws.sheet_view.showGridLines = False
    for col, width in (("A", 4), ("B", 34), ("C", 12), ("D", 80)):
        ws.column_dimensions[col].width = width
    COLUMNS_INSTR = {"B": 126}
    ws["B2"] = d.title.get(lang)
    ws["B2"].font = Font(name=FONT, size=18, bold=True, color=NAVY)
    if not (lang == "en" and d.respondents == "overseas"):
        # the title in the other language, for the consultant; an overseas respondent reading
        # the English workbook gets no Chinese at all
        ws["B3"] = d.title.get(other)
        ws["B3"].font = Font(name=FONT, size=12, italic=True, color="595959")
    ws["B4"] = t("qtpl_generated", lang, id=d.id, version=d.version, tool=__version__)
    ws["B4"].font = Font(name=FONT, size=9, color="7F7F7F")
    row = 6
    for para in d.instructions.get(lang).strip().split("\n"):
        if not para.strip():
            continue
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=4)
        cell = ws.cell(row, 2, _safe(para.strip()))
        cell.alignment = WRAP_TOP
        heading = para.strip().endswith((":", "："))  # "How to fill it in:" reads as a heading
        cell.font = Font(name=FONT, size=11, bold=heading, color=NAVY if heading else "000000")
        ws.row_dimensions[row].height = 15 * _lines(para.strip(), COLUMNS_INSTR["B"]) + 4
        row += 1
    row += 1
    # The definition's instructions explain its answer types; this adds only the legend.
    legend = ws.cell(row, 2, t("qtpl_legend", lang))
    legend.fill = ANSWER_FILL
    legend.font = Font(name=FONT, size=11, bold=True, color=NAVY)
    ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=4)
    row += 2
    ws.cell(row, 2, t("qtpl_contents", lang)).font = Font(name=FONT, size=13, bold=True, color=NAVY)
    row += 1
    for col, key in ((2, "qtpl_col_sheet"), (3, "qtpl_col_questions"), (4, "qtpl_col_about")):
        cell = ws.cell(row, col, t(key, lang))
        cell.font = Font(name=FONT, bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.border = BOX
    first_table_row = row
    for section in d.sections:
        row += 1
        about = section.description.get(lang) if section.description else ""
        values = (section.title.get(lang), len(section.items), _safe(about))
        for col, value in zip((2, 3, 4), values, strict=True):
            cell = ws.cell(row, col, value)
            cell.alignment = WRAP_TOP
            cell.border = BOX
            cell.font = Font(name=FONT, size=10)
        ws.row_dimensions[row].height = LINE_PT * _lines(about, 80 * 1.15) + 6
    ws.print_area = f"A1:D{row}"
    ws.print_title_rows = f"{first_table_row}:{first_table_row}"
    _page_setup(ws)
    ws.protection.sheet = True


def _page_setup(ws: Worksheet) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5


def choices(item: Item, lang: str) -> list[str]:
    """Drop-down entries in ``lang`` (empty when the item is typed, not picked)."""
    if item.type == "likert":
        return [f"{a.low} – {a.label.get(lang)}" for a in item.anchors]
    if item.type == "single_choice":
        return [o.label.get(lang) for o in item.options]
    if item.type == "yes_no":
        return [t("qtpl_yes", lang), t("qtpl_no", lang)]
    return []


def _guidance(item: Item, lang: str) -> str:
    lines: list[str] = []
    kind = item.type
    lo = None if item.min is None else _num(item.min)
    hi = None if item.max is None else _num(item.max)
    if kind == "likert":
        lines.append(t("qtpl_pick", lang))
        lines += [f"{a.low} = {a.label.get(lang)}" for a in item.anchors]
    elif kind == "scale":
        lines.append(f"{t('qtpl_whole', lang)} {t('qtpl_range', lang, low=lo, high=hi)}")
        for a in item.anchors:
            span = f"{a.low}" if a.low == a.high else f"{a.low}–{a.high}"
            lines.append(f"{span}: {a.label.get(lang)}")
    elif kind == "single_choice":
        lines.append(t("qtpl_pick", lang))
        lines += [f"• {o.label.get(lang)}" for o in item.options]  # readable when printed
    elif kind == "multi_choice":
        lines.append(t("qtpl_multi", lang))
        lines.append(
            ("、" if lang == "zh-TW" else ", ").join(o.label.get(lang) for o in item.options)
        )
    elif kind in ("integer", "number"):
        text = t("qtpl_whole" if kind == "integer" else "qtpl_number", lang)
        if lo is not None and hi is not None:
            text += " " + t("qtpl_range", lang, low=lo, high=hi)
        lines.append(text)
    elif kind == "year":
        lines.append(t("qtpl_year", lang))
    elif kind == "yes_no":
        lines.append(t("qtpl_yes_no", lang))
    elif kind == "tax_id":
        lines.append(t("qtpl_tax_id", lang))
    elif kind == "hs_codes":
        lines.append(t("qtpl_hs", lang))
    elif kind == "countries":
        sep = "、" if lang == "zh-TW" else ", "
        names = sep.join(countries.name(c, lang) for c in countries.NSB18)
        lines.append(t("qtpl_countries", lang, names=names))
    if item.unit:
        lines.append(t("qtpl_unit", lang, unit=item.unit.get(lang)))
    if item.help:
        lines.append(item.help.get(lang))
    return "\n".join(lines)


def _prompt(item: Item, guidance: str) -> str:
    # Excel limits an input message to 255 characters.
    return guidance if len(guidance) <= 255 else guidance[:252] + "…"


def _section_sheet(
    wb: Workbook,
    ws: Worksheet,
    lists: Worksheet,
    list_col: int,
    d: Definition,
    section: Section,
    index: int,
    lang: str,
) -> int:
    ws.sheet_view.showGridLines = False
    ws.sheet_view.zoomScale = 100
    for col, width in COLUMNS.items():
        ws.column_dimensions[col].width = width
    ws.merge_cells("A1:E1")
    ws["A1"] = f"{index}. {section.title.get(lang)}"
    ws["A1"].font = Font(name=FONT, size=15, bold=True, color=NAVY)
    ws.row_dimensions[1].height = 26
    ws.merge_cells("A2:E2")
    desc = section.description.get(lang) if section.description else ""
    ws["A2"] = _safe(desc)
    ws["A2"].alignment = WRAP_TOP
    ws["A2"].font = Font(name=FONT, size=10, italic=True, color="404040")
    ws.row_dimensions[2].height = 16 * _lines(desc, sum(COLUMNS.values())) + 4 if desc else 6
    ws["A3"] = t("qtpl_required", lang)
    ws["A3"].font = Font(name=FONT, size=9, color="C00000")
    headers = (
        "qtpl_col_no",
        "qtpl_col_question",
        "qtpl_col_answer",
        "qtpl_col_guidance",
        "qtpl_col_id",
    )
    for col, key in enumerate(headers, start=1):
        cell = ws.cell(HEADER_ROW, col, t(key, lang))
        cell.font = Font(name=FONT, bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        cell.border = BOX
    ws.row_dimensions[HEADER_ROW].height = 22
    ws.freeze_panes = f"A{HEADER_ROW + 1}"

    row = HEADER_ROW
    sheet_ref = "'" + ws.title.replace("'", "''") + "'"
    for n, item in enumerate(section.items, start=1):
        row += 1
        label = item.label.get(lang) + ("  *" if item.required else "")
        guidance = _guidance(item, lang)
        # the number error messages name the question by (Definition.question_numbers)
        values = (f"{index}.{n}", _safe(label), None, _safe(guidance), item.id)
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row, col, value)
            cell.alignment = WRAP_TOP
            cell.border = BOX
            cell.font = Font(name=FONT, size=10, color="7F7F7F" if col == 5 else "000000")
        if row % 2 == 0:
            for col in (1, 2, 4):
                ws.cell(row, col).fill = BAND_FILL
        answer = ws.cell(row, 3)
        answer.fill = ANSWER_FILL
        answer.protection = Protection(locked=False)
        answer.font = Font(name=FONT, size=11, color="1F3864", bold=True)
        answer.alignment = Alignment(wrap_text=True, vertical="top")
        if item.type in ("tax_id", "hs_codes", "text", "countries", "multi_choice"):
            answer.number_format = "@"  # keep leading zeros and commas as typed
        elif item.type in ("integer", "number") and (item.max or 0) >= 10_000:
            answer.number_format = "#,##0"  # 820,000,000 reads better than 820000000
        _fit_row(ws, row, {"B": label, "D": guidance}, minimum=2)
        wb.defined_names[answer_name(item.id)] = DefinedName(
            answer_name(item.id), attr_text=f"{sheet_ref}!$C${row}"
        )
        list_col = _validation(wb, ws, lists, list_col, item, answer.coordinate, guidance, lang)
    ws.print_area = f"A1:E{row}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    _page_setup(ws)
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # let people widen a column to read a long answer
    ws.protection.formatRows = False
    return list_col


def _validation(
    wb: Workbook,
    ws: Worksheet,
    lists: Worksheet,
    list_col: int,
    item: Item,
    ref: str,
    guidance: str,
    lang: str,
) -> int:
    title = item.label.get(lang)
    title = title if len(title) <= 32 else title[:31] + "…"  # Excel's limit for prompt titles
    entries = choices(item, lang)
    if entries:
        # Lists live on a hidden sheet behind a defined name: inline lists are capped at 255
        # characters, which long anchors exceed.
        list_col += 1
        for r, choice in enumerate(entries, start=1):
            lists.cell(r, list_col, _safe(choice))
        col_letter = lists.cell(1, list_col).column_letter
        list_name = f"L_{item.id}"
        wb.defined_names[list_name] = DefinedName(
            list_name, attr_text=f"{LISTS_SHEET}!${col_letter}$1:${col_letter}${len(entries)}"
        )
        # "warning", not "stop": typing 4 or the other language's label is fine for the importer.
        dv = DataValidation(type="list", formula1=f"={list_name}", allow_blank=True)
        dv.errorStyle = "warning"
    elif item.type in ("likert", "scale", "integer", "year", "number"):
        kind = "decimal" if item.type == "number" else "whole"
        lo = -1e15 if item.min is None else item.min
        hi = 1e15 if item.max is None else item.max
        dv = DataValidation(
            type=kind,
            operator="between",
            formula1=_num(lo).replace(",", ""),
            formula2=_num(hi).replace(",", ""),
            allow_blank=True,
        )
        dv.errorStyle = "stop"
    elif item.type == "tax_id":
        dv = DataValidation(type="textLength", operator="equal", formula1="8", allow_blank=True)
        dv.errorStyle = "warning"
    else:
        dv = DataValidation(allow_blank=True)  # input message only
    dv.showInputMessage = True
    dv.promptTitle = title
    dv.prompt = _prompt(item, guidance)
    dv.showErrorMessage = True
    dv.errorTitle = title
    dv.error = t("qtpl_invalid", lang)  # short: the rule is in the input message and column D
    dv.add(ref)
    ws.add_data_validation(dv)
    return list_col
