"""Plain tables to ``.xlsx`` for the matchmaking workbooks: a header row, widths, filters.

Every value passes through :func:`exportkit.safe_output.neutralise`, so text a respondent or a
firm typed (``=HYPERLINK(…)``) stays text. Sheet names are made valid (31 characters, no
``[]:*?/\\``) and unique. Long text wraps, and each row gets the height its longest cell
needs (spreadsheets do not refit rows a program wrote). Written atomically.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from exportkit.safe_output import neutralise

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
TITLE_FONT = Font(bold=True, size=12, color="1F3864")
WRAP = Alignment(wrap_text=True, vertical="top")
FORBIDDEN = "[]:*?/\\"


@dataclass
class Sheet:
    """One worksheet: an optional title line above a table with a header row."""

    title: str
    header: Sequence[str]
    widths: Sequence[int]
    rows: list[list[Any]] = field(default_factory=list)
    caption: str | None = None  # one line above the table (e.g. the demand it is about)
    score_columns: list[str] = field(default_factory=list)

    def row(self, values: Iterable[Any]) -> None:
        """Add a row of values (neutralised when written)."""
        self.rows.append(list(values))

    def scores(self, *columns: str) -> None:
        """Colour these columns red → yellow → green over 0–100."""
        self.score_columns += list(columns)


def sheet_name(text: str, taken: set[str]) -> str:
    """A valid, unique worksheet name from ``text``."""
    name = "".join(" " if ch in FORBIDDEN else ch for ch in text).strip().strip("'") or "Sheet"
    name = name[:31].strip()
    base, n = name, 2
    while name.casefold() in taken:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)].rstrip() + suffix
        n += 1
    taken.add(name.casefold())
    return name


def text_width(text: str) -> int:
    """Columns ``text`` takes on one line (a CJK character takes two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def text_lines(value: Any, width: float) -> int:
    """How many lines ``value`` wraps to in a column ``width`` wide (CJK characters: two)."""
    if not isinstance(value, str) or not value:
        return 1
    # widths count digits of the default font; CJK characters take two
    per_line = max(width - 1, 1)
    return sum(max(1, math.ceil(text_width(line) / per_line)) for line in value.split("\n"))


def _write(ws, row: int, values: Sequence[Any], widths: Sequence[int], **style: Any) -> None:
    lines = 1
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row, col, neutralise(value))
        cell.alignment = WRAP
        for key, v in style.items():
            setattr(cell, key, v)
        lines = max(lines, text_lines(value, widths[col - 1] if col <= len(widths) else 10))
    ws.row_dimensions[row].height = min(409, 15.5 * lines + 4)


def save_workbook(sheets: Sequence[Sheet], path: Path) -> Path:
    """Write ``sheets`` to ``path`` (``.xlsx``) atomically; returns the path."""
    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for sheet in sheets:
        ws = wb.create_sheet(sheet_name(sheet.title, taken))
        for i, width in enumerate(sheet.widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        first = 1
        if sheet.caption:
            ws.cell(1, 1, neutralise(sheet.caption)).font = TITLE_FONT
            first = 2
        ws.freeze_panes = f"A{first + 1}"
        _write(ws, first, sheet.header, sheet.widths, font=HEADER_FONT, fill=HEADER_FILL)
        for n, values in enumerate(sheet.rows, start=first + 1):
            _write(ws, n, values, sheet.widths)
        last_row = first + max(len(sheet.rows), 1)
        ws.auto_filter.ref = f"A{first}:{get_column_letter(len(sheet.header))}{last_row}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        for column in sheet.score_columns:
            score_scale(ws, column, first + 1, len(sheet.rows))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".xlsx.tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path


def score_scale(ws, column: str, first_row: int, nrows: int) -> None:
    """Colour a 0–100 score column red → yellow → green over ``nrows`` rows from ``first_row``."""
    if nrows:
        ws.conditional_formatting.add(
            f"{column}{first_row}:{column}{first_row + nrows - 1}",
            ColorScaleRule(
                start_type="num",
                start_value=0,
                start_color="F8696B",
                mid_type="num",
                mid_value=50,
                mid_color="FFEB84",
                end_type="num",
                end_value=100,
                end_color="63BE7B",
            ),
        )
