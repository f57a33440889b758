"""``portfolio.xlsx``: one row per firm, a sheet per market, the rejected files, the run.

Written with openpyxl in write-only mode (fast for 1,000 firms × 18 markets). Every value
goes through ``_cells`` → ``neutralise``, so no text a firm typed can become a formula.
Column headings are the ``workbook`` labels of ``reports/templates/labels.yaml``; modes and
themes are named by the recommendations, bands and driver types by the run's definition.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from exportkit.countries import name as country_name
from exportkit.models import AssessmentRun
from exportkit.render.definition import band_label, driver_text
from exportkit.render.labels import label_catalog, pick
from exportkit.render.results import record
from exportkit.render.xlsx_tables import score_scale, text_lines, text_width
from exportkit.safe_output import neutralise

TOP_MARKETS = 3
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
RED = PatternFill("solid", fgColor="F8CBAD")


def _l(key: str, lang: str, **kw: Any) -> str:
    """A heading of the workbook in ``lang`` (``workbook:`` in labels.yaml)."""
    text = pick(label_catalog()["workbook"][key], lang)
    return text.format(**kw) if kw else text


def _cells(values: Iterable[Any]) -> list[Any]:
    """The single place values enter the workbook: text that could be a formula is made inert."""
    return [neutralise(v) for v in values]


# Printable width of an A4 landscape page in column-width units at 100 % (27.7 cm of paper
# less margins ≈ 10.2 in; one unit ≈ 0.07 in), and the smallest scale still read comfortably.
PAGE_WIDTH_UNITS = 145
MIN_PRINT_SCALE = 0.7


def _print_setup(ws, widths: list[int]) -> None:
    """Landscape, the header row and first column on every page, and as few pages across as
    the table allows without shrinking the text below ``MIN_PRINT_SCALE``."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = max(1, math.ceil(sum(widths) * MIN_PRINT_SCALE / PAGE_WIDTH_UNITS))
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "1:1"
    if len(widths) > 1:
        ws.print_title_cols = "A:A"


def _header(ws, names: list[str], widths: list[int]) -> None:
    from openpyxl.cell import WriteOnlyCell

    row, lines = [], 1
    for i, name in enumerate(_cells(names)):
        lines = max(lines, text_lines(name, widths[i] if i < len(widths) else 10))
        cell = WriteOnlyCell(ws, value=name)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        row.append(cell)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "B2"
    _print_setup(ws, widths)
    ws.row_dimensions[1].height = min(409, 15.5 * lines + 4)  # a wrapped heading shows whole
    ws.append(row)


def _fitting(values: Iterable[Any], least: int, most: int) -> int:
    """A column width that shows the longest of ``values`` on one line, within bounds."""
    # a column of 1,000 firms holds a few distinct names: each is measured once
    longest = max((text_width(v) for v in set(values) if isinstance(v, str)), default=0)
    return max(least, min(most, longest + 2))


def _finish(ws, ncols: int, nrows: int) -> None:
    last = get_column_letter(ncols)
    ws.auto_filter.ref = f"A1:{last}{max(nrows + 1, 2)}"


def _score_scale(ws, column: str, nrows: int) -> None:
    score_scale(ws, column, 2, nrows)


def _sheet_title(iso3: str, lang: str, taken: set[str]) -> str:
    title = f"{iso3} {country_name(iso3, lang)}"
    for ch in "[]:*?/\\":
        title = title.replace(ch, " ")
    title = title[:31].strip()
    while title.casefold() in taken:
        title = title[:28] + f"~{len(taken)}"
    taken.add(title.casefold())
    return title


def _dimension_ids(run: AssessmentRun) -> tuple[str, ...]:
    """The scored dimensions of the run's questionnaire, in its order (else as first scored)."""
    if run.definition is not None:
        return tuple(s.id for s in run.definition.dimensions)
    return tuple(dict.fromkeys(d for item in run.firms for d in item.readiness.dimensions))


def write_workbook(run: AssessmentRun, path: Path) -> Path:
    """Write the consultant's overview workbook (``portfolio.xlsx``) for ``run`` to ``path``."""
    lang = run.settings.lang
    wb = Workbook(write_only=True)
    yes, no = _l("yes", lang), _l("no", lang)

    def driver_label(driver_type: str | None) -> str | None:
        text = driver_text(run.definition, driver_type)
        return text.get(lang) if text else driver_type

    # -- one row per firm --------------------------------------------------------------------
    ws = wb.create_sheet(_l("portfolio", lang))
    dimensions = _dimension_ids(run)
    dim_labels = []
    for dim in dimensions:
        label = dim
        for item in run.firms:
            d = item.readiness.dimensions.get(dim)
            if d is not None:
                label = (d.label.get(lang) if d.label else "") or dim
                break
        dim_labels.append(label)
    names = [_l(k, lang) for k in ("firm", "tax_id", "file", "overall", "band", "change")]
    names += dim_labels + [_l("driver", lang), _l("theme", lang)]
    for n in range(1, TOP_MARKETS + 1):
        names += [_l("market_n", lang, n=n), _l("mode_n", lang, n=n), _l("fit_n", lang, n=n)]
    widths = [28, 11, 24, 9, 16, 10] + [11] * len(dimensions) + [14, 20]
    widths += [16, 26, 9] * TOP_MARKETS
    _header(ws, names, widths)
    for item in run.firms:
        score = item.readiness
        prev = item.previous
        row = [
            score.firm or item.firm.name,
            score.tax_id,
            Path(score.file).name,
            round(score.overall, 1),
            band_label(run.definition, score.band, lang),
            None if prev is None else round(score.overall - prev.overall, 1),
        ]
        row += [
            round(score.dimensions[d].score, 1) if d in score.dimensions else None
            for d in dimensions
        ]
        first = item.recommendations[0] if item.recommendations else None
        row += [
            driver_label(score.driver_type),
            (first.theme_name(lang) or None) if first else None,
        ]
        top = [r for r in item.recommendations if not r.fit.excluded][:TOP_MARKETS]
        for rec in top:
            row += [
                country_name(rec.iso3, lang),
                rec.entry_modes[0].name(lang),
                rec.fit.fit_score,
            ]
        row += [None] * (3 * (TOP_MARKETS - len(top)))
        ws.append(_cells(row))
    nfirms = len(run.firms)
    for col in range(4, 4 + 1):
        _score_scale(ws, get_column_letter(col), nfirms)
    for i in range(len(dimensions)):
        _score_scale(ws, get_column_letter(7 + i), nfirms)
    first_fit = 7 + len(dimensions) + 2 + 3
    for n in range(TOP_MARKETS):
        _score_scale(ws, get_column_letter(first_fit + 3 * n), nfirms)
    if nfirms:
        change = get_column_letter(6)
        ws.conditional_formatting.add(
            f"{change}2:{change}{nfirms + 1}",
            CellIsRule(operator="lessThan", formula=["0"], fill=RED),
        )
    _finish(ws, len(names), nfirms)

    # -- one sheet per market ----------------------------------------------------------------
    taken: set[str] = {ws.title.casefold()}
    for iso3 in run.settings.markets:
        ms = wb.create_sheet(_sheet_title(iso3, lang, taken))
        cols = [
            _l(k, lang)
            for k in (
                "firm",
                "tax_id",
                "rank",
                "fit",
                "excluded",
                "mode",
                "mode_score",
                "second",
                "second_score",
                "decided",
                "path",
                "theme",
                "rules",
            )
        ]
        rows = []
        for item in run.firms:
            rec = next((r for r in item.recommendations if r.iso3 == iso3), None)
            if rec is None:
                continue
            best, second = rec.entry_modes[0], rec.entry_modes[1]
            rows.append(
                (
                    rec.fit.excluded,
                    -rec.fit.fit_score,
                    [
                        item.readiness.firm or item.firm.name,
                        item.readiness.tax_id,
                        rec.rank,
                        rec.fit.fit_score,
                        yes if rec.fit.excluded else no,
                        None if rec.fit.excluded else best.name(lang),
                        best.score,
                        None if rec.fit.excluded else second.name(lang),
                        second.score,
                        None if rec.fit.excluded else _l(f"decided_{rec.decided_by}", lang),
                        rec.staged_path.get(lang),
                        rec.theme_name(lang) or None,
                        ", ".join(r.id for r in rec.fired),
                    ],
                )
            )
        rows.sort(key=lambda r: (r[0], r[1]))
        mode_widths = [_fitting([r[2][i] for r in rows], 26, 46) for i in (5, 7)]
        widths = [28, 11, 10, 9, 8, mode_widths[0], 10, mode_widths[1], 10, 16, 70, 20, 24]
        _header(ms, cols, widths)
        for _, _, row in rows:
            ms.append(_cells(row))
        _score_scale(ms, "D", len(rows))
        _score_scale(ms, "G", len(rows))
        _finish(ms, len(cols), len(rows))

    # -- rejected files ----------------------------------------------------------------------
    rej = wb.create_sheet(_l("rejected", lang))
    _header(rej, [_l("file", lang), _l("problem", lang)], [40, 120])
    nrej = 0
    for failure in run.failures:
        for message in failure.messages(lang) or ["?"]:
            for line in message.splitlines() or [message]:
                rej.append(_cells([failure.file, line]))
                nrej += 1
    _finish(rej, 2, nrej)

    # -- the run: settings and data vintage --------------------------------------------------
    about = wb.create_sheet(_l("about", lang))
    _header(about, [_l("key", lang), _l("value", lang)], [28, 100])
    n = 0
    for section in (run.settings, run.data_vintage):
        for key, value in record(section).items():
            text = ", ".join(map(str, value)) if isinstance(value, list | tuple) else value
            about.append(_cells([key, None if text is None else str(text)]))
            n += 1
    _finish(about, 2, n)

    tmp = path.with_suffix(".xlsx.tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path
