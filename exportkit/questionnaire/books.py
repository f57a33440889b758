"""Where the reader gets cell values: calamine over the answer cells only, or over whole sheets.

``answer_cells_book`` is the fast way (see answer_cells.py): one calamine workbook made of
the file's own parts, where the first answer sheet's part is replaced by a small sheet of
every answer cell (found through the ``Q_`` defined names) and ``_meta`` is kept whole.
Everything calamine reads besides (workbook.xml, its relationships, styles, shared strings)
is the file's own, so the values come out as from the full sheets. Whenever the workbook is
not in the plain form that makes this exact, or calamine raises anything, it returns
``None`` and the reader uses ``WholeSheets``, the way every file was read before, which
also gives calamine's own error for a damaged part.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import python_calamine

from exportkit.questionnaire.answer_cells import answers_sheet, cell_elements
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
    if len({name.lower() for name in pkg.parts}) != len(pkg.parts):
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
    answers_name = next(iter(wanted), None)
    answers_part = pkg.sheets[answers_name] if answers_name is not None else None
    if answers_part == meta_part:
        return None
    sheet_parts = set(pkg.sheets.values())
    parts = []
    for name, data in pkg.parts.items():
        if name == answers_part:
            data = answers_sheet(elements)
            parts.append((name, data, zlib.crc32(data)))
        elif name == meta_part or name not in sheet_parts:  # the other sheets are left out
            parts.append((name, data, pkg.crcs[name]))
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(stored_zip(parts)))
        if book.sheet_names != list(pkg.sheets):
            return None  # calamine sees other sheets than the package: read the whole way
        meta = book.get_sheet_by_name(meta_sheet).to_python(skip_empty_area=False)
        column = (
            book.get_sheet_by_name(answers_name).to_python(skip_empty_area=False)
            if answers_name is not None
            else []
        )
    except Exception:  # calamine's own error types: the whole way reports them precisely
        return None
    sheets: dict[str, dict[str, Any]] = {sheet: {} for sheet in wanted}
    for row, (sheet, cell) in enumerate(found):
        sheets[sheet][cell] = column[row][0] if row < len(column) and column[row] else ""
    return AnswerCells(meta, sheets, cuts)


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
