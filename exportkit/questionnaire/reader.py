"""Read a filled questionnaire workbook into validated ``Answers``.

Answers are found through the workbook defined names ``Q_<item_id>`` (never by position) and
read with python-calamine, only from the sheets that hold answers. Every problem in a file is
collected and raised together as one ``WorkbookErrors``.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from exportkit.errors import DefinitionError, InvalidAnswer, WorkbookError, WorkbookErrors
from exportkit.i18n import t
from exportkit.models import Answers, Firm
from exportkit.models.questionnaire import Definition, Item
from exportkit.questionnaire.answers import is_blank, readers
from exportkit.questionnaire.books import (
    AnswerCells,
    Cells,
    Grid,
    WholeSheets,
    answer_cells_book,
    formula_cells,
    percent_cells,
)
from exportkit.questionnaire.definition import load_definition
from exportkit.questionnaire.package import (
    MAX_FILE_BYTES,
    CellRef,
    XlsxPackage,
    open_package,
)
from exportkit.questionnaire.template import LISTS_SHEET, META_SHEET, answer_name

META_KEY = "exportkit_questionnaire"


def read_answers(path: str | Path, *, max_bytes: int = MAX_FILE_BYTES) -> Answers:
    """Read, check and type every answer of a filled questionnaire workbook.

    Raises ``WorkbookErrors`` listing every problem (each naming file, sheet, cell, item, what
    was expected and what was found). ``Answers.firm`` is filled from items with ``firm_field``.

    >>> from exportkit.resources import examples_dir
    >>> answers = read_answers(str(examples_dir() / "01-machine-tool-parts.xlsx"))
    >>> answers.firm.name, answers.get("mc_export_plan")
    ('宏進精密機械股份有限公司', 5)
    """
    file = str(path)
    pkg = open_package(path, max_bytes=max_bytes)
    # The answer cells alone when that is exact (books.py), else every sheet read whole.
    book: AnswerCells | WholeSheets | None = answer_cells_book(pkg, META_SHEET)
    try:
        book = book or WholeSheets(pkg)
    except Exception as exc:  # calamine raises its own error types for damaged parts
        raise WorkbookErrors(
            file,
            [
                WorkbookError(
                    file,
                    "an intact .xlsx workbook (the file is damaged; ask for it again)",
                    "完整的 .xlsx 活頁簿（檔案已損壞，請重新索取）",
                    got=str(exc)[:200],
                )
            ],
        ) from None
    definition, lang = _definition(pkg, book)
    values, errors = _read_items(pkg, book, definition, lang)
    if errors:
        raise WorkbookErrors(file, errors)
    return Answers(
        definition_id=definition.id,
        definition_version=definition.version,
        lang=lang,
        file=file,
        values=values,
        firm=build_firm(definition, values, fallback_name=Path(file).stem),
    )


def _not_template(file: str, got: str, got_zh: str, **kw: Any) -> WorkbookErrors:
    return WorkbookErrors(
        file,
        [
            WorkbookError(
                file,
                "a workbook made with `exportkit questionnaire template` (its hidden _meta "
                "sheet records the questionnaire)",
                "以 `exportkit questionnaire template` 產生的問卷（隱藏的 _meta 工作表記錄問卷資訊）",
                got=got,
                got_zh=got_zh,
                **kw,
            )
        ],
    )


def _definition(pkg: XlsxPackage, book: AnswerCells | WholeSheets) -> tuple[Definition, str]:
    file = pkg.file
    if META_SHEET not in pkg.sheets:
        raise _not_template(
            file,
            "no _meta sheet: not an exportkit questionnaire",
            "沒有 _meta 工作表：不是 exportkit 問卷",
        )
    pkg.check_sheet_size(META_SHEET, pkg.read_part(pkg.sheets[META_SHEET]))
    try:
        rows = book.rows(META_SHEET)
    except Exception:  # calamine's own error types: malformed sheet XML
        raise _not_template(
            file, "an unreadable _meta sheet", "無法讀取的 _meta 工作表", sheet=META_SHEET
        ) from None
    meta = {str(r[0]).strip(): str(r[1]).strip() for r in rows if len(r) >= 2 and r[0] != ""}
    def_id = meta.get(META_KEY)
    if not def_id:
        raise _not_template(
            file,
            "the _meta sheet does not name a questionnaire",
            "_meta 工作表沒有記錄問卷代碼",
            sheet=META_SHEET,
        )
    try:
        definition = load_definition(def_id)
    except DefinitionError:
        raise WorkbookErrors(
            file,
            [
                WorkbookError(
                    file,
                    "a questionnaire this version of exportkit knows",
                    "此版本 exportkit 支援的問卷",
                    sheet=META_SHEET,
                    cell="B1",
                    got=def_id,
                )
            ],
        ) from None
    version = meta.get("version", "")
    if version.split(".")[0] != definition.version.split(".")[0]:
        # Same major version = same item ids and meanings; anything else cannot be scored.
        raise WorkbookErrors(
            file,
            [
                WorkbookError(
                    file,
                    f"questionnaire {definition.id} version {definition.version.split('.')[0]}.x "
                    "(make a new template with this exportkit)",
                    f"問卷 {definition.id} 第 {definition.version.split('.')[0]}.x 版"
                    "（請以此版 exportkit 重新產生範本）",
                    sheet=META_SHEET,
                    cell="B2",
                    got=version or "(none)",
                    got_zh=version or "（無）",
                )
            ],
        )
    lang = meta.get("lang", "zh-TW")
    return definition, lang if lang in ("zh-TW", "en") else "zh-TW"


def _read_items(
    pkg: XlsxPackage, book: AnswerCells | WholeSheets, definition: Definition, lang: str
) -> tuple[dict[str, Any], list[WorkbookError]]:
    file = pkg.file
    errors: list[WorkbookError] = []
    refs: dict[str, CellRef] = {}
    for item in definition.items:
        ref = pkg.resolve(answer_name(item.id))
        if ref is None:
            errors.append(
                WorkbookError(
                    file,
                    f"the answer cell named {answer_name(item.id)} (the name or its sheet was "
                    "deleted; copy the answers into a new template)",
                    f"名為 {answer_name(item.id)} 的回答儲存格（名稱或其工作表已被刪除；"
                    "請將答案複製到新範本）",
                    sheet=definition.section(item.section).title.get(lang),
                    item=item.id,
                    got=pkg.names.get(answer_name(item.id), "(missing)"),
                    got_zh=pkg.names.get(answer_name(item.id), "（不存在）"),
                )
            )
            continue
        refs[item.id] = ref

    share_cells: dict[str, set[str]] = {}  # sheet → answer cells of % items
    for item in definition.items:
        if item.id in refs and is_percent_item(item):
            share_cells.setdefault(refs[item.id].sheet, set()).add(refs[item.id].cell)
    grids: dict[str, Grid | Cells] = {}
    formulas: dict[str, set[str]] = {}
    percents: dict[str, set[str]] = {}  # sheet → answer cells of % items shown as 0%
    for sheet in dict.fromkeys(r.sheet for r in refs.values()):
        part = pkg.sheets.get(sheet)
        if not part:
            missing = [i for i, r in refs.items() if r.sheet == sheet]
            renamed = renamed_sheets(pkg, definition).get(sheet)
            if renamed:
                errors.append(
                    WorkbookError(
                        file,
                        f"the questionnaire sheet {sheet!r} (it was renamed to {renamed!r}; "
                        f"rename it back to {sheet!r})",
                        f"問卷工作表「{sheet}」（已被改名為「{renamed}」；請改回「{sheet}」）",
                        sheet=sheet,
                        got=f"(sheet renamed to {renamed!r})",
                        got_zh=f"（工作表已改名為「{renamed}」）",
                    )
                )
                continue
            errors.append(
                WorkbookError(
                    file,
                    "the questionnaire sheet (it was deleted; copy the answers into a new "
                    "template)",
                    "問卷工作表（已被刪除；請將答案複製到新範本）",
                    sheet=sheet,
                    item=", ".join(missing[:5]) + (" …" if len(missing) > 5 else ""),
                    got="(sheet missing)",
                    got_zh="（工作表不存在）",
                )
            )
            continue
        xml = pkg.read_part(part)
        pkg.check_sheet_size(sheet, xml)
        cut = book.elements(sheet)  # the answer cells' own XML when read alone
        try:
            formulas[sheet] = formula_cells(pkg, xml, cut)
        except ElementTree.ParseError as exc:  # the sheet's XML itself is malformed
            errors.append(_damaged_sheet(file, sheet, exc))
            continue
        percents[sheet] = percent_cells(pkg, xml, cut, share_cells.get(sheet, set()))
        try:
            grids[sheet] = book.sheet(sheet)
        except Exception as exc:  # calamine's own error types: malformed sheet XML
            errors.append(_damaged_sheet(file, sheet, exc))

    item_readers = readers(definition)
    numbers = definition.question_numbers()
    values: dict[str, Any] = {}
    blank = 0  # required answers left empty
    for item in definition.items:
        ref = refs.get(item.id)
        if ref is None or ref.sheet not in grids:
            continue
        raw = grids[ref.sheet].value(ref)
        reader = item_readers[item.id]
        cell = ref.cell
        where = {
            "sheet": ref.sheet,
            "cell": cell,
            "item": item.id,
            "question": numbers[item.id],
        }
        if cell in formulas[ref.sheet]:
            errors.append(
                WorkbookError(
                    file,
                    f"a typed answer, not a formula ({reader.expected_en})",
                    f"直接輸入的答案，而非公式（{reader.expected_zh}）",
                    got="a formula",
                    got_zh="公式",
                    **where,
                )
            )
            continue
        if is_blank(raw):
            if item.required:
                blank += 1
                errors.append(
                    WorkbookError(
                        file,
                        "an answer (this question is required)",
                        "填答（此題為必填）",
                        got="(blank)",
                        got_zh="空白",
                        **where,
                    )
                )
            continue
        if (
            cell in percents[ref.sheet]
            and isinstance(raw, int | float)
            and not isinstance(raw, bool)
        ):
            # 60% typed into a percent-formatted cell is stored as 0.6; the item counts in %.
            raw = round(float(raw) * 100, 9)
        try:
            values[item.id] = reader.read(raw)
        except InvalidAnswer as bad:
            errors.append(WorkbookError(file, bad.expected_en, bad.expected_zh, got=raw, **where))
    if not values and blank and len(errors) == blank:
        # Nothing typed anywhere: one clear message instead of one per question.
        return values, [
            WorkbookError(
                file,
                "a filled-in questionnaire (every answer cell is empty)",
                "已填寫的問卷（所有作答儲存格都是空白）",
                got="(blank)",
                got_zh="空白",
            )
        ]
    return values, errors


def renamed_sheets(pkg: XlsxPackage, definition: Definition) -> dict[str, str]:
    """Expected sheet name → the name it was renamed to, for sheets the answer names point to
    that are gone while sheets the template never makes are there.

    A renamed sheet keeps its place (and its part in the zip), so missing and unknown sheets
    are paired in workbook order; when their numbers differ nothing is guessed.
    """
    expected = [r.sheet for r in map(pkg.resolve, pkg.names) if r is not None]
    missing = list(dict.fromkeys(s for s in expected if s not in pkg.sheets))
    known = {META_SHEET, LISTS_SHEET} | {
        text for lang in ("zh-TW", "en") for text in (t("qtpl_instructions_sheet", lang),)
    }
    known |= {s.title.get(lang) for s in definition.sections for lang in ("zh-TW", "en")}
    unknown = [name for name in pkg.sheets if name not in known and name not in expected]
    if not missing or len(unknown) != len(missing):
        return {}
    order = {
        s.title.get(lang): i for i, s in enumerate(definition.sections) for lang in ("zh-TW", "en")
    }
    missing.sort(key=lambda name: order.get(name, len(order)))
    return dict(zip(missing, unknown, strict=True))


_FIRM_FIELDS = {f.name: f.type for f in fields(Firm)}


def is_percent_item(item: Item) -> bool:
    """A number answered in per cent (unit ``%``): a percent-formatted cell is scaled ×100."""
    return item.type == "number" and item.unit is not None and item.unit.en.strip() == "%"


def build_firm(definition: Definition, values: dict[str, Any], fallback_name: str) -> Firm | None:
    """A ``Firm`` from the items that carry ``firm_field`` (None if the definition has none)."""
    mapped = {i.firm_field: i.id for i in definition.items if i.firm_field}
    if not mapped:
        return None
    kwargs: dict[str, Any] = {}
    for field_name, item_id in mapped.items():
        if item_id not in values:
            continue
        value = values[item_id]
        kind = str(_FIRM_FIELDS[field_name])
        if kind.startswith("tuple"):
            items = value if isinstance(value, tuple) else (value,)
            # "OTHER" in a country list means "somewhere not listed": no ISO3 to analyse.
            value = tuple(str(v) for v in items if v != "OTHER")
        elif kind.startswith("int"):
            value = int(value)
        elif kind.startswith("float"):
            value = float(value)
        elif kind.startswith("bool"):
            value = bool(value)
        elif kind.startswith("str"):
            value = "、".join(value) if isinstance(value, tuple) else str(value)
        kwargs[field_name] = value
    kwargs.setdefault("name", fallback_name)
    return Firm(**kwargs)


def _damaged_sheet(file: str, sheet: str, exc: Exception) -> WorkbookError:
    return WorkbookError(
        file,
        "a readable sheet (it is damaged; copy the answers into a new template)",
        "可讀取的工作表（已損壞；請將答案複製到新範本）",
        sheet=sheet,
        got=str(exc)[:200],
    )
