"""Reading only the answer cells gives what reading whole sheets gave (issue 14.2): every
kind of value, shared or inline strings, rich text, dates in both date systems, percent
formats; anything unusual falls back to the whole sheets."""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import pytest
from openpyxl import load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from exportkit.errors import WorkbookErrors
from exportkit.questionnaire import read_answers, reader
from exportkit.questionnaire.books import WholeSheets, answer_cells_book
from exportkit.questionnaire.package import open_package
from exportkit.questionnaire.template import META_SHEET
from exportkit.resources import examples_dir

# Every kind of value a person (or a program) can leave in an answer cell.
ODD_VALUES = {
    "firm_name": CellRichText("測試", TextBlock(InlineFont(b=True), "精密"), ' & <股份> "有限"\''),
    "tax_id": 22099131,
    "employees": 45.0,
    "export_share": 0.375,
    "founded": dt.date(1998, 3, 1),
    "hs_codes": "  8466,\n846693  ",
    "targets": dt.datetime(2020, 1, 2, 3, 4, 5),
    "online": True,
    "certs": "#N/A",
    "customer_type": "",
    "a_plan": "=1+1",
    "a_risk": False,
    "a_budget": dt.time(12, 30),
    "a_staff": "😀 兼任",
    "b_rubric": 1e-7,
    "b_channels": None,
    "b_markets": 123456789.125,
}
FORMATS = {"export_share": "0.0%", "employees": "yyyy-mm-dd", "b_markets": '0.00" %"'}


def _answer_cell(wb, item_id):
    ((sheet, coord),) = list(wb.defined_names[f"Q_{item_id}"].destinations)
    return wb[sheet][coord.replace("$", "")]


def _odd(src, dst, epoch=None):
    wb = load_workbook(src)
    if epoch is not None:
        wb.epoch = epoch
    for item_id, value in ODD_VALUES.items():
        cell = _answer_cell(wb, item_id)
        cell.value = value
        if item_id == "certs":
            cell.data_type = "e"
        if item_id in FORMATS:
            cell.number_format = FORMATS[item_id]
    wb.save(dst)
    return dst


def _rewrite(src, dst, change) -> None:
    """Copy a workbook, passing every part's (name, bytes) through ``change``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        parts = {i.filename: zin.read(i) for i in zin.infolist()}
        for name, data in change(parts).items():
            zout.writestr(name, data)


_INLINE = re.compile(rb'(<c [^>]*?)t="inlineStr"([^>]*)><is>(.*?)</is>', re.S)


def _shared_strings(parts: dict) -> dict:
    """Inline strings → a shared string table, as Excel saves (an empty string first: calamine
    treats empty entries specially)."""
    table = [b"<t></t>"]

    def share(m):
        table.append(m.group(3))
        return m.group(1) + b't="s"' + m.group(2) + b"><v>%d</v>" % (len(table) - 1)

    out = {}
    for name, data in parts.items():
        out[name] = _INLINE.sub(share, data) if name.startswith("xl/worksheets/") else data
    sst = b"".join(b"<si>%s</si>" % t for t in table)
    out["xl/sharedStrings.xml"] = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'count="%d" uniqueCount="%d">%s</sst>' % (len(table), len(table), sst)
    )
    out["xl/_rels/workbook.xml.rels"] = out["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdSst" Target="sharedStrings.xml" Type="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>',
    )
    out["[Content_Types].xml"] = out["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
        b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    return out


def _assert_same_values(path) -> None:
    pkg = open_package(path)
    fast = answer_cells_book(pkg, META_SHEET)
    assert fast is not None, "the answer cells were not read the fast way"
    whole = WholeSheets(pkg)
    assert fast.rows(META_SHEET) == whole.rows(META_SHEET)
    seen = 0
    for name in pkg.names:
        ref = pkg.resolve(name) if name.startswith("Q_") else None
        if ref is None or ref.sheet not in pkg.sheets:
            continue
        got, want = fast.sheet(ref.sheet).value(ref), whole.sheet(ref.sheet).value(ref)
        assert (type(got), got) == (type(want), want), (name, ref)
        seen += 1
    assert seen


def _read_both(path, monkeypatch):
    """read_answers the fast way and the whole-sheet way: (answers or error messages) × 2."""

    def read():
        try:
            return read_answers(path)
        except WorkbookErrors as exc:
            return [(e.message("en"), e.message("zh-TW")) for e in exc.errors]

    fast = read()
    with monkeypatch.context() as m:
        m.setattr(reader, "answer_cells_book", lambda *args: None)
        whole = read()
    return fast, whole


@pytest.mark.parametrize("example", sorted(p.name for p in examples_dir().glob("*.xlsx")))
def test_the_examples_read_the_same_either_way(example, monkeypatch):
    path = examples_dir() / example
    _assert_same_values(path)
    fast, whole = _read_both(path, monkeypatch)
    assert fast == whole


@pytest.mark.parametrize("epoch", [None, CALENDAR_MAC_1904], ids=["1900", "1904"])
@pytest.mark.parametrize("strings", ["inline", "shared"])
def test_every_kind_of_value_reads_the_same_either_way(
    mini_filled, tmp_path, monkeypatch, epoch, strings
):
    path = _odd(mini_filled, tmp_path / "odd.xlsx", epoch)
    if strings == "shared":
        _rewrite(path, tmp_path / "shared.xlsx", _shared_strings)
        path = tmp_path / "shared.xlsx"
        assert b"sharedStrings" in path.read_bytes()
    _assert_same_values(path)
    fast, whole = _read_both(path, monkeypatch)
    assert fast == whole
    assert isinstance(fast, list) and len(fast) > 5  # the odd values are refused, one by one


def test_a_typical_filled_workbook_reads_the_same_with_shared_strings(
    mini_filled, tmp_path, monkeypatch
):
    _rewrite(mini_filled, tmp_path / "shared.xlsx", _shared_strings)
    _assert_same_values(tmp_path / "shared.xlsx")
    fast, whole = _read_both(tmp_path / "shared.xlsx", monkeypatch)
    assert fast == whole and not isinstance(fast, list)
    assert fast.values == read_answers(mini_filled).values


def _answer_part(path) -> str:
    pkg = open_package(path)
    ref = pkg.resolve("Q_a_plan")
    return pkg.sheets[ref.sheet]


def _without_r(data: bytes) -> bytes:
    return re.sub(rb'<c r="[A-Z]+[0-9]+"', b"<c", data)


def _prefixed(data: bytes) -> bytes:
    main = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    data = data.replace(b"<c ", b"<x:c ").replace(b"</c>", b"</x:c>")
    return data.replace(b"<worksheet ", b'<worksheet xmlns:x="%s" ' % main, 1)


@pytest.mark.parametrize(
    "change",
    [
        _without_r,  # calamine places such cells by their order
        _prefixed,  # as the OpenXML SDK can write: calamine matches them by local name
        lambda d: d.replace(b"<sheetData>", b"<sheetData><!-- a note -->", 1),
        lambda d: d[: len(d) // 2],  # cut short
        lambda d: d.replace(b"<c r=", b"<c  r=", 1),
    ],
    ids=["no-references", "prefixed", "comment", "truncated", "odd-tag"],
)
def test_an_unusual_sheet_is_read_whole(mini_filled, tmp_path, monkeypatch, change):
    part = _answer_part(mini_filled)
    path = tmp_path / "unusual.xlsx"
    _rewrite(mini_filled, path, lambda parts: {**parts, part: change(parts[part])})
    assert answer_cells_book(open_package(path), META_SHEET) is None
    fast, whole = _read_both(path, monkeypatch)
    assert fast == whole


def test_cells_without_references_are_read_where_calamine_places_them(mini_filled, tmp_path):
    part = _answer_part(mini_filled)
    path = tmp_path / "no-r.xlsx"
    _rewrite(mini_filled, path, lambda parts: {**parts, part: _without_r(parts[part])})
    assert read_answers(path).values == read_answers(mini_filled).values
