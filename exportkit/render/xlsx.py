"""``portfolio.xlsx``: one row per firm, a sheet per market, the rejected files, the run.

Written with XlsxWriter: 1,000 firms × 18 markets is ~260,000 cells, which openpyxl's
write-only mode wrote in 1.9–2.3 s and XlsxWriter in 1.2–1.3 s (the same run's cells, this
2-core machine; its row-by-row ``constant_memory`` mode took 1.7 s: every text is then
escaped inline, where the default states each distinct text once). Every value goes through
``_cells`` → ``neutralise``, and XlsxWriter is told never to read a text as a formula, a
number or a link, so no text a firm typed can become a formula.
Column headings are the ``workbook`` labels of ``reports/templates/labels.yaml``; modes and
themes are named by the recommendations, bands and driver types by the run's definition.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import xlsxwriter

from exportkit.countries import name as country_name
from exportkit.i18n import localise
from exportkit.models import AssessmentRun
from exportkit.render.definition import band_label, driver_text
from exportkit.render.labels import label_catalog, pick
from exportkit.render.results import record
from exportkit.render.xlsx_tables import text_lines, text_width
from exportkit.safe_output import neutralise

TOP_MARKETS = 3
HEADER = {"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E79", "pattern": 1}
HEADER |= {"text_wrap": True, "valign": "vcenter"}
RED = {"bg_color": "#F8CBAD", "pattern": 1}
# red → yellow → green over a 0–100 score, as the other workbooks colour theirs (xlsx_tables)
SCORE_SCALE = {
    "type": "3_color_scale",
    "min_type": "num",
    "min_value": 0,
    "min_color": "#F8696B",
    "mid_type": "num",
    "mid_value": 50,
    "mid_color": "#FFEB84",
    "max_type": "num",
    "max_value": 100,
    "max_color": "#63BE7B",
}
# XlsxWriter reads a text starting "=" as a formula, "http…" as a link and "12" as a number
# unless told not to; exportkit writes every value as what it is
PLAIN = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
A4 = 9  # the paper size code of the file format
PATH_COLUMN = 10  # a market sheet's staged path (0-based)


def _l(key: str, lang: str, **kw: Any) -> str:
    """A heading of the workbook in ``lang`` (``workbook:`` in labels.yaml)."""
    text = pick(label_catalog()["workbook"][key], lang)
    return text.format(**kw) if kw else text


def _cells(values: Iterable[Any]) -> list[Any]:
    """The single place values enter the workbook: text that could be a formula is made inert,
    a number that is not one (NaN) left blank."""
    return [None if v != v else neutralise(v) for v in values]


# Printable width of an A4 landscape page in column-width units at 100 % (27.7 cm of paper
# less margins ≈ 10.2 in; one unit ≈ 0.07 in), and the smallest scale still read comfortably.
PAGE_WIDTH_UNITS = 145
MIN_PRINT_SCALE = 0.7


def _print_setup(ws, widths: list[int]) -> None:
    """Landscape, the header row and first column on every page, and as few pages across as
    the table allows without shrinking the text below ``MIN_PRINT_SCALE``."""
    ws.set_landscape()
    ws.set_paper(A4)
    # a column is as wide as its text plus the cell padding XlsxWriter adds (5 of 7 pixels)
    printed = sum(widths) + len(widths) * 5 / 7
    ws.fit_to_pages(max(1, math.ceil(printed * MIN_PRINT_SCALE / PAGE_WIDTH_UNITS)), 0)
    ws.repeat_rows(0)
    if len(widths) > 1:
        ws.repeat_columns(0)


def _row_height(lines: int) -> float:
    """Points for a row of ``lines`` wrapped lines (409: the file format's most)."""
    return min(409, 15.5 * lines + 4)


class _Sheet:
    """One worksheet written row by row under a frozen, filtered, formatted header row.

    The ``wrap`` columns (0-based) wrap their text, and a row is as tall as its longest such
    text; every cell of such a sheet is top-aligned, so a row reads from its first line."""

    def __init__(
        self, wb, title: str, names: list[str], widths: list[int], style, wrap: tuple[int, ...] = ()
    ) -> None:
        self.ws, self.ncols, self.nrows = wb.add_worksheet(title), len(names), 0
        self.wrap = tuple((i, widths[i]) for i in wrap)
        self._lines: dict[str, int] = {}  # a text's line count (paths repeat across firms)
        headings = [
            _heading(name, widths[i] if i < len(widths) else 10) for i, name in enumerate(names)
        ]
        names = [text for text, _ in headings]
        widths = [max(w, headings[i][1]) if i < len(headings) else w for i, w in enumerate(widths)]
        lines = 1
        for i, name in enumerate(names):
            lines = max(lines, text_lines(name, widths[i] if i < len(widths) else 10))
        top = wb.add_format({"valign": "top"}) if wrap else None
        wrapped = wb.add_format({"valign": "top", "text_wrap": True}) if wrap else None
        for i, width in enumerate(widths):
            self.ws.set_column(i, i, width, wrapped if i in wrap else top)
        self.ws.freeze_panes(1, 1)
        _print_setup(self.ws, widths)
        # a wrapped heading shows whole
        self.ws.set_row(0, _row_height(lines))
        self.ws.write_row(0, 0, _cells(names), style)

    def append(self, values: list[Any]) -> None:
        self.nrows += 1
        self.ws.write_row(self.nrows, 0, _cells(values))
        lines = 1
        for i, width in self.wrap:
            text = values[i]
            if isinstance(text, str):
                found = self._lines.get(text)
                if found is None:
                    found = self._lines[text] = text_lines(text, width)
                lines = max(lines, found)
        if lines > 1:
            self.ws.set_row(self.nrows, _row_height(lines))

    def score_scale(self, column: int) -> None:
        """Colour a 0–100 score column (0-based) red → yellow → green."""
        if self.nrows:
            self.ws.conditional_format(1, column, self.nrows, column, SCORE_SCALE)

    def finish(self) -> None:
        self.ws.autofilter(0, 0, max(self.nrows, 1), self.ncols - 1)


# what a line may not be broken inside: a run of letters, digits and marks, or one CJK character
_WORD = re.compile(
    r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+"
)


def _longest_word(heading: str) -> int:
    """The width a heading needs so that wrapping it never breaks a word ("Sustainabilit/y"):
    its longest word in bold. Chinese wraps between any two characters, so each of its
    characters is a word of its own."""
    return max(map(_bold, _WORD.findall(heading) or [""]))


# where a Chinese heading may break: after a conjunction or an enumeration comma
_CJK_BREAKS = "與及、"


def _heading(heading: str, width: int) -> tuple[str, int]:
    """A heading and the width its column needs: its longest word whole (``_longest_word``).
    A Chinese heading too wide for the column is broken after its ``與`` (及, 、) nearest the
    middle and the column made as wide as its longer line, so it wraps there and not inside
    a word ("市場知/識", "循環經/濟")."""
    need = _longest_word(heading)
    if "\n" in heading or _bold(heading) <= width:
        return heading, need
    at = [i for i, ch in enumerate(heading[:-1]) if ch in _CJK_BREAKS and i]
    if not at:
        return heading, need
    middle = len(heading) / 2
    cut = min(at, key=lambda i: abs(i + 1 - middle)) + 1
    lines = (heading[:cut], heading[cut:])
    return "\n".join(lines), max(need, *map(_bold, lines))


def _bold(text: str) -> int:
    """The width ``text`` takes on one line in bold: about a tenth wider than the digits
    widths count, and the cell's padding."""
    return math.ceil(text_width(text) * 1.1) + 1


def _fitting(values: Iterable[Any], least: int, most: int) -> int:
    """A column width that shows the longest of ``values`` on one line, within bounds."""
    # a column of 1,000 firms holds a few distinct names: each is measured once
    longest = max((text_width(v) for v in set(values) if isinstance(v, str)), default=0)
    return max(least, min(most, longest + 2))


def _sheet_title(iso3: str, lang: str, taken: set[str]) -> str:
    title = f"{iso3} {country_name(iso3, lang)}"
    for ch in "[]:*?/\\":
        title = title.replace(ch, " ")
    title = title[:31].strip()
    while title.casefold() in taken:
        title = title[:28] + f"~{len(taken)}"
    taken.add(title.casefold())
    return title


def _run_field(key: str, lang: str) -> str:
    """A Run sheet row's name (``run_fields`` in labels.yaml; the field id if it has none)."""
    return pick(label_catalog()["run_fields"].get(key), lang, key)


def _run_value(key: str, value: Any, lang: str) -> str | None:
    """A setting as the consultant reads it: markets by name, yes/no, sources in the
    document's language one per line (a source's own name may hold a comma)."""
    zh = lang == "zh-TW"
    if value is None:
        return None
    if isinstance(value, bool):
        return _l("yes" if value else "no", lang)
    if key == "sources":
        return "\n".join(localise(str(v), lang) or str(v) for v in value)
    if key == "markets":
        value = [country_name(v, lang) for v in value]
    if isinstance(value, list | tuple):
        return ("、" if zh else ", ").join(map(str, value))
    return str(value)


def _dimension_ids(run: AssessmentRun) -> tuple[str, ...]:
    """The scored dimensions of the run's questionnaire, in its order (else as first scored)."""
    if run.definition is not None:
        return tuple(s.id for s in run.definition.dimensions)
    return tuple(dict.fromkeys(d for item in run.firms for d in item.readiness.dimensions))


def write_workbook(run: AssessmentRun, path: Path) -> Path:
    """Write the consultant's overview workbook (``portfolio.xlsx``) for ``run`` to ``path``."""
    lang = run.settings.lang
    tmp = path.with_suffix(".xlsx.tmp")
    wb = xlsxwriter.Workbook(str(tmp), PLAIN)
    header = wb.add_format(HEADER)
    yes, no = _l("yes", lang), _l("no", lang)

    def driver_label(driver_type: str | None) -> str | None:
        text = driver_text(run.definition, driver_type)
        return text.get(lang) if text else driver_type

    # -- one row per firm --------------------------------------------------------------------
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
    rows = []
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
        rows.append(row)
    driver_at = 6 + len(dimensions)

    def fitting(column: int, least: int, most: int) -> int:
        return _fitting([r[column] for r in rows], least, most)

    # the names in the driver, theme, market and mode columns show whole (widths bounded)
    widths = [28, 11, 24, 9, 16, 10] + [11] * len(dimensions)
    widths += [fitting(driver_at, 14, 24), fitting(driver_at + 1, 20, 40)]
    for n in range(TOP_MARKETS):
        at = driver_at + 2 + 3 * n
        widths += [fitting(at, 12, 24), fitting(at + 1, 20, 46), 9]
    portfolio = _l("portfolio", lang)
    ws = _Sheet(wb, portfolio, names, widths, header)
    for row in rows:
        ws.append(row)
    nfirms = len(run.firms)
    ws.score_scale(3)  # overall
    for i in range(len(dimensions)):
        ws.score_scale(6 + i)
    first_fit = driver_at + 2 + 2
    for n in range(TOP_MARKETS):
        ws.score_scale(first_fit + 3 * n)
    if nfirms:  # a fall since the previous assessment shows red
        red = wb.add_format(RED)
        ws.ws.conditional_format(
            1, 5, nfirms, 5, {"type": "cell", "criteria": "<", "value": 0, "format": red}
        )
    ws.finish()

    # -- one sheet per market ----------------------------------------------------------------
    taken: set[str] = {portfolio.casefold()}
    for iso3 in run.settings.markets:
        title = _sheet_title(iso3, lang, taken)
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
        widths = [28, 11, 10, 9, 8, mode_widths[0], 10, mode_widths[1], 10, 16, 60, 20, 24]
        # the staged path (a sentence of ~40–80 characters) wraps within its column
        ms = _Sheet(wb, title, cols, widths, header, wrap=(PATH_COLUMN,))
        for _, _, row in rows:
            ms.append(row)
        ms.score_scale(3)  # fit
        ms.score_scale(6)  # the recommended mode's score
        ms.finish()

    # -- rejected files ----------------------------------------------------------------------
    rejected = [_l("file", lang), _l("problem", lang)]
    rej = _Sheet(wb, _l("rejected", lang), rejected, [40, 120], header)
    for failure in run.failures:
        for message in failure.messages(lang) or ["?"]:
            for line in message.splitlines() or [message]:
                rej.append([failure.file, line])
    rej.finish()

    # -- the run: settings and data vintage --------------------------------------------------
    names = [_l("key", lang), _l("value", lang), _l("field", lang)]
    about = _Sheet(wb, _l("about", lang), names, [30, 100, 24], header, wrap=(1,))
    for section in (run.settings, run.data_vintage):
        for key, value in record(section).items():
            about.append([_run_field(key, lang), _run_value(key, value, lang), key])
    about.finish()

    wb.close()
    tmp.replace(path)
    return path
