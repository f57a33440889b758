"""Where the reader gets cell values: calamine over the answer cells only, or over whole sheets.

``answer_cells_book`` is the fast way (see answer_cells.py): one calamine workbook of two
sheets, a small one holding every answer cell (found through the ``Q_`` defined names) and
``_meta`` kept whole, beside the file's own styles and shared strings; its workbook.xml names
just these two sheets and keeps the file's ``workbookPr`` (the 1904 date system). So the
values come out as from the full sheets. Whenever the workbook is not in the plain form that
makes this exact, or calamine raises anything, it returns ``None`` and the reader uses
``WholeSheets``, the way every file was read before, which also gives calamine's own error
for a damaged part.
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

import python_calamine

from exportkit.questionnaire.answer_cells import NS_MAIN, answers_sheet, cell_elements
from exportkit.questionnaire.package import (
    CellRef,
    XlsxPackage,
    column_index,
    parse_ref,
    plain_targets,
    sheet_size_ok,
)
from exportkit.questionnaire.stored_zip import stored_zip

ANSWER_PREFIX = "Q_"  # template.answer_name; not imported: the template imports the reader


class WholeSheets:
    """Every sheet read whole by calamine (from the checked parts, uncompressed)."""

    def __init__(self, pkg: XlsxPackage) -> None:
        # Raises calamine's own error types for a damaged workbook.
        self._book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(pkg.stored()))

    def rows(self, sheet: str) -> list[list[Any]]:
        """The sheet's values from A1 (raises calamine's error for a malformed sheet)."""
        return self._book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)

    def sheet(self, sheet: str) -> Grid:
        """The sheet's values, for ``Grid.value`` (raises as ``rows``)."""
        return Grid(self.rows(sheet))

    def elements(self, sheet: str) -> None:
        """No cell was cut out: the checks read the whole sheet XML."""
        return None


@dataclass(frozen=True, slots=True)
class Grid:
    """A sheet's values as calamine's rows from A1."""

    grid: list[list[Any]]

    def value(self, ref: CellRef) -> Any:
        """The value at ``ref`` (``""`` for an empty cell or one outside the used area)."""
        r, c = ref.row - 1, column_index(ref.column) - 1
        grid = self.grid
        return grid[r][c] if r < len(grid) and c < len(grid[r]) else ""


@dataclass(frozen=True, slots=True)
class Cells:
    """The answer cells of one sheet: cell (``C12``) → calamine's value."""

    values: dict[str, Any]

    def value(self, ref: CellRef) -> Any:
        """The value of ``ref`` (``""`` for an empty cell or one not in the sheet)."""
        return self.values.get(ref.cell, "")


@dataclass(frozen=True, slots=True)
class AnswerCells:
    """The ``_meta`` sheet and every answer cell, read by calamine in one small workbook."""

    meta: list[list[Any]]
    sheets: dict[str, dict[str, Any]]  # sheet → cell → value
    cut: dict[str, dict[str, bytes]]  # sheet → cell → its <c> element (absent: not in the XML)

    def rows(self, sheet: str) -> list[list[Any]]:
        """The rows of the ``_meta`` sheet (the only one kept whole)."""
        return self.meta

    def sheet(self, sheet: str) -> Cells:
        """The answer cells of ``sheet``."""
        return Cells(self.sheets.get(sheet, {}))

    def elements(self, sheet: str) -> dict[str, bytes] | None:
        """The ``<c>`` elements of the answer cells of ``sheet`` (by cell)."""
        return self.cut.get(sheet)


def answer_cells_book(pkg: XlsxPackage, meta_sheet: str) -> AnswerCells | None:
    """The answer cells and ``_meta`` read through one small calamine workbook, or ``None``
    when that would not be exactly what reading the whole sheets gives."""
    meta_part = pkg.sheets.get(meta_sheet)
    rels = pkg.parts.get("xl/_rels/workbook.xml.rels", b"")
    if meta_part not in pkg.parts or not plain_targets(rels):
        return None
    lower_names = {name.lower() for name in pkg.parts}
    if len(lower_names) != len(pkg.parts):
        return None  # calamine finds parts ignoring case: which one it took is unclear
    if not sheet_size_ok(pkg.parts[meta_part]):
        return None  # the reader refuses it before calamine sees it
    wanted = _answer_cells(pkg)
    if meta_sheet in wanted:
        return None
    found: list[tuple[str, str]] = []
    elements: list[bytes] = []
    cuts: dict[str, dict[str, bytes]] = {}
    for sheet, cells in wanted.items():
        xml = pkg.parts.get(pkg.sheets[sheet])
        cut = cell_elements(xml, cells) if xml is not None else None
        if cut is None:
            return None
        cuts[sheet] = {}
        for cell, element in zip(cells, cut, strict=True):
            if element is not None:
                found.append((sheet, cell))
                elements.append(element)
                cuts[sheet][cell] = element
    small = _small_workbook(
        pkg.parts.get(_CONTENT_TYPES),
        pkg.parts.get(_ROOT_RELS),
        pkg.parts[_WORKBOOK],
        rels,
        tuple(pkg.sheets),
        meta_sheet,
    )
    if small is None or {_ANSWERS_PART, _META_PART} & lower_names:
        return None
    sheet_parts = set(pkg.sheets.values())
    parts = [
        (name, data, pkg.crcs[name])
        for name, data in pkg.parts.items()
        if name not in sheet_parts and name not in (_WORKBOOK, _WORKBOOK_RELS)
    ]
    answers = answers_sheet(elements)
    for name, data in (
        (_WORKBOOK, small[0]),
        (_WORKBOOK_RELS, small[1]),
        (_ANSWERS_PART, answers),
        (_META_PART, pkg.parts[meta_part]),
    ):
        parts.append((name, data, zlib.crc32(data)))
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(stored_zip(parts)))
        meta = book.get_sheet_by_name(meta_sheet).to_python(skip_empty_area=False)
        column = book.get_sheet_by_name(_ANSWERS).to_python(skip_empty_area=False)
    except Exception:  # calamine's own error types: the whole way reports them precisely
        return None
    sheets: dict[str, dict[str, Any]] = {sheet: {} for sheet in wanted}
    for row, (sheet, cell) in enumerate(found):
        sheets[sheet][cell] = column[row][0] if row < len(column) and column[row] else ""
    return AnswerCells(meta, sheets, cuts)


_CONTENT_TYPES = "[Content_Types].xml"
_ROOT_RELS = "_rels/.rels"
_WORKBOOK = "xl/workbook.xml"
_WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
_ANSWERS = "exportkit answers"  # the small sheet's name (not a sheet name of the file: unused)
_ANSWERS_PART = "xl/worksheets/exportkit-answers.xml"
_META_PART = "xl/worksheets/exportkit-meta.xml"
_NS_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG = b"http://schemas.openxmlformats.org/package/2006/relationships"
_WORKBOOK_PR = re.compile(rb"<workbookPr\b[^<>]*/>")
_ANY_WORKBOOK_PR = re.compile(rb"workbookPr(?![A-Za-z])")


@lru_cache(maxsize=16)
def _small_workbook(
    content_types: bytes | None,
    root_rels: bytes | None,
    workbook: bytes,
    rels: bytes,
    sheets: tuple[str, ...],
    meta_sheet: str,
) -> tuple[bytes, bytes] | None:
    """A workbook.xml and its relationships naming only the two sheets read, with the file's
    own ``workbookPr`` (its 1904 date system), or ``None``.

    The file's workbook.xml lists every sheet and ~150 defined names, which calamine parsed
    for every file (~0.1 ms). Checked once per template instead: calamine opens the file's
    own workbook.xml (else it would refuse the file) and sees the sheets the package does.
    """
    own = [(_WORKBOOK, workbook), (_WORKBOOK_RELS, rels)]
    own += [(n, d) for n, d in ((_CONTENT_TYPES, content_types), (_ROOT_RELS, root_rels)) if d]
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(
            io.BytesIO(stored_zip((n, d, zlib.crc32(d)) for n, d in own))
        )
        if tuple(book.sheet_names) != sheets:
            return None
    except Exception:  # calamine's own error types: the whole way reports them
        return None
    found = len(_ANY_WORKBOOK_PR.findall(workbook))  # not workbookProtection
    pr = _WORKBOOK_PR.search(workbook) if found == 1 else None
    if found and pr is None:
        return None  # an unusual workbookPr (prefixed, with content): keep the file's own
    small = b'<workbook xmlns="%s" xmlns:r="%s">%s<sheets>%s%s</sheets></workbook>' % (
        NS_MAIN,
        _NS_REL,
        pr.group(0) if pr else b"",
        b'<sheet name="%s" sheetId="1" r:id="rId1"/>' % _ANSWERS.encode(),
        b'<sheet name="%s" sheetId="2" r:id="rId2"/>' % escape(meta_sheet).encode("utf-8"),
    )
    worksheet = _NS_REL + b"/worksheet"
    small_rels = b'<Relationships xmlns="%s">%s%s</Relationships>' % (
        _NS_PKG,
        b'<Relationship Id="rId1" Type="%s" Target="worksheets/exportkit-answers.xml"/>'
        % worksheet,
        b'<Relationship Id="rId2" Type="%s" Target="worksheets/exportkit-meta.xml"/>' % worksheet,
    )
    return small, small_rels


def formula_cells(pkg: XlsxPackage, xml: bytes, cut: dict[str, bytes] | None) -> set[str]:
    """The answer cells of this sheet that hold a formula (of all cells when not cut out).

    A cut-out element without ``<f`` or ``:f`` has no formula child; only when one has, the
    sheet is searched as a whole, exactly as before (two scans of every sheet saved).
    """
    if cut is not None and not any(b"<f" in e or b":f" in e for e in cut.values()):
        return set()
    return pkg.formula_cells(xml)


def percent_cells(
    pkg: XlsxPackage, xml: bytes, cut: dict[str, bytes] | None, cells: set[str]
) -> set[str]:
    """Those of ``cells`` whose number format is a percentage, from the cut-out cell tags
    when there are (the tag the whole-sheet search finds), else from the sheet XML."""
    if not cells:
        return set()
    if cut is None:
        return pkg.percent_cells(xml, cells)
    return pkg.percent_tags({c: cut[c][: cut[c].find(b">") + 1] for c in cells if c in cut})


def _answer_cells(pkg: XlsxPackage) -> dict[str, tuple[str, ...]]:
    """Sheet → the cells ``Q_`` names point to, in sheet order (row by row)."""
    return dict(_plan(tuple(pkg.sheets.items()), tuple(pkg.names.items())))


@lru_cache(maxsize=64)
def _plan(
    sheets: tuple[tuple[str, str], ...], names: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    # Cached on the workbook layout: every file of one template has the same answer cells.
    present = dict(sheets)
    refs: dict[str, list[CellRef]] = {}
    for name, raw in names:
        ref = parse_ref(raw) if name.startswith(ANSWER_PREFIX) else None
        if ref is not None and ref.sheet in present:
            refs.setdefault(ref.sheet, []).append(ref)
    return tuple(
        (sheet, tuple(dict.fromkeys(r.cell for r in sorted(rs, key=_order))))
        for sheet, rs in refs.items()
    )


def _order(ref: CellRef) -> tuple[int, int]:
    return ref.row, column_index(ref.column)
