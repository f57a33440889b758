"""Workbooks as careless and hostile users make them (issue 16): percent cells, injected
text, entity expansion, zip bombs that lie about their size."""

from __future__ import annotations

import zipfile

import pytest
from openpyxl import load_workbook

from exportkit.cli import main
from exportkit.errors import WorkbookErrors
from exportkit.questionnaire import read_answers
from exportkit.resources import examples_dir

EXAMPLE = "01-machine-tool-parts.xlsx"


def _answers_of(example: str) -> dict:
    """item id → the value typed in a bundled example workbook."""
    wb = load_workbook(examples_dir() / example)
    out = {}
    for name, dn in wb.defined_names.items():
        if name.startswith("Q_"):
            ((sheet, coord),) = list(dn.destinations)
            out[name[2:]] = wb[sheet][coord.replace("$", "")].value
    return out


def _template_filled(runner, tmp_path, changes: dict, formats: dict | None = None):
    """A template made by `exportkit questionnaire template`, filled via openpyxl."""
    blank = tmp_path / "blank.xlsx"
    result = runner.invoke(main, ["questionnaire", "template", "-o", str(blank)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(blank)
    answers = {**_answers_of(EXAMPLE), **changes}
    for name, dn in wb.defined_names.items():
        if name.startswith("Q_") and name[2:] in answers:
            ((sheet, coord),) = list(dn.destinations)
            cell = wb[sheet][coord.replace("$", "")]
            cell.value = answers[name[2:]]
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # typed as text (Excel: a leading apostrophe)
            if formats and name[2:] in formats:
                cell.number_format = formats[name[2:]]
    path = tmp_path / "filled.xlsx"
    wb.save(path)
    return path


@pytest.mark.parametrize("fmt", ["0%", "0.0%", "#,##0.00%"])
def test_a_percent_formatted_share_is_read_as_percent(runner, tmp_path, fmt):
    # Excel and LibreOffice store a typed "60%" as 0.6 in a percent-formatted cell.
    path = _template_filled(
        runner,
        tmp_path,
        {"export_share": 0.6, "tacit_knowhow_share": 0.35},
        {"export_share": fmt, "tacit_knowhow_share": fmt},
    )
    answers = read_answers(path)
    assert answers.get("export_share") == pytest.approx(60.0)
    assert answers.get("tacit_knowhow_share") == pytest.approx(35.0)
    assert answers.firm.export_share == pytest.approx(60.0)


def test_a_plain_number_in_a_share_is_kept(runner, tmp_path):
    # A "%" in quotes is a literal sign: Excel shows 0.6 as "0.60 %", not 60 %.
    path = _template_filled(
        runner,
        tmp_path,
        {"export_share": 0.6, "tacit_knowhow_share": 35},
        {"export_share": '0.00" %"'},
    )
    answers = read_answers(path)
    assert answers.get("export_share") == pytest.approx(0.6)
    assert answers.get("tacit_knowhow_share") == pytest.approx(35.0)


def test_a_percent_cell_over_100_percent_is_refused(runner, tmp_path):
    path = _template_filled(runner, tmp_path, {"export_share": 1.5}, {"export_share": "0%"})
    with pytest.raises(WorkbookErrors) as info:
        read_answers(path)
    (e,) = info.value.errors
    assert e.item == "export_share" and "between 0 and 100" in e.message()


# --- hostile containers ---------------------------------------------------------------------

LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n"
)


def _rewrite(src, dst, part: str, change) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        assert part in zin.namelist()
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == part:
                data = change(data)
            zout.writestr(info.filename, data)


def _with_doctype(data: bytes) -> bytes:
    body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
    root = body.lstrip().split(b" ", 1)[0].split(b">", 1)[0][1:]
    return LAUGHS.replace(b"lolz", root) + body.lstrip()


def _refusal(path) -> str:
    with pytest.raises(WorkbookErrors) as info:
        read_answers(path)
    (e,) = info.value.errors
    assert e.file == str(path)
    return e.message()


@pytest.mark.parametrize(
    "part", ["xl/workbook.xml", "xl/styles.xml", "xl/worksheets/sheet3.xml", "[Content_Types].xml"]
)
def test_a_billion_laughs_in_any_part_is_refused(mini_filled, tmp_path, part):
    path = tmp_path / "laughs.xlsx"
    _rewrite(mini_filled, path, part, _with_doctype)
    message = _refusal(path)
    assert part in message and "DTD" in message


def test_parse_xml_refuses_a_dtd_even_without_entities():
    from exportkit.errors import HostileXML
    from exportkit.questionnaire.package import parse_xml

    with pytest.raises(HostileXML):
        parse_xml(b'<!DOCTYPE r SYSTEM "http://example.invalid/x.dtd"><r/>')
    with pytest.raises(HostileXML):
        parse_xml(LAUGHS + b"<lolz>&lol9;</lolz>")


def _understate(path, part: str, declared: int) -> None:
    """Patch the zip directory (central and local headers) to claim ``part`` inflates to
    ``declared`` bytes, as a hostile file does."""
    import struct

    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(part)
    name = part.encode()
    local = info.header_offset
    struct.pack_into("<I", data, local + 22, declared)
    central = data.find(b"PK\x01\x02", data.rfind(b"PK\x05\x06") - 200_000)
    while central != -1:
        (name_len,) = struct.unpack_from("<H", data, central + 28)
        if bytes(data[central + 46 : central + 46 + name_len]) == name:
            struct.pack_into("<I", data, central + 24, declared)
            break
        central = data.find(b"PK\x01\x02", central + 4)
    assert central != -1
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("part", ["xl/worksheets/sheet3.xml", "xl/styles.xml"])
def test_a_zip_bomb_that_understates_its_size_is_refused_while_inflating(
    mini_filled, tmp_path, part
):
    path = tmp_path / "liar.xlsx"
    padding = b"<!-- " + b"a" * (80 << 20) + b" -->"  # 80 MB inflated, ~80 KB on disk

    def pad(data: bytes) -> bytes:
        if data.startswith(b"<?xml"):
            head, body = data.split(b"?>", 1)
            return head + b"?>" + padding + body
        return padding + data

    _rewrite(mini_filled, path, part, pad)
    _understate(path, part, 40_000)
    assert path.stat().st_size < 1_000_000
    message = _refusal(path)
    assert "zip bomb" in message and part in message


# --- text a firm typed, in every output -----------------------------------------------------

PAYLOADS = {
    "firm_name": '=HYPERLINK("http://evil.invalid","click")',
    "contact_person": "<script>alert('contact')</script>",
    "contact_email": "@SUM(1+1)*cmd|' /C calc'!A0",
    "contact_phone": "+886-2-1234 <img src=x onerror=alert(1)>",
    "products": "-2+3 </td><script>alert('products')</script>",
}
FORMULA_START = ("=", "+", "-", "@", "＝", "＋", "－", "＠", "\t", "\r", "\n")


def test_every_text_field_stays_text_in_xlsx_and_inert_in_html(runner, tmp_path):
    from exportkit.assess import run_assessment

    path = _template_filled(runner, tmp_path, PAYLOADS)
    answers = read_answers(path)
    assert answers.get("contact_person") == PAYLOADS["contact_person"]  # kept as typed
    out = tmp_path / "out"
    run = run_assessment([path], formats="json,xlsx,html", outdir=out, lang="en", briefs=1)
    assert run.ok, run.failures
    xlsx_files = list(out.rglob("*.xlsx"))
    assert xlsx_files
    seen = set()
    for xlsx in xlsx_files:
        wb = load_workbook(xlsx)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (xlsx.name, ws.title, cell.coordinate)
                    if isinstance(cell.value, str):
                        assert not cell.value.startswith(FORMULA_START), (ws.title, cell.value)
                        seen.update(k for k, v in PAYLOADS.items() if v in cell.value)
    assert "firm_name" in seen, seen  # the portfolio does show the typed text, neutralised
    html_files = list(out.rglob("*.html"))
    shown = "".join(h.read_text(encoding="utf-8") for h in html_files)
    assert "&lt;script&gt;alert(&#39;products&#39;)" in shown  # shown, escaped
    for html in html_files:
        text = html.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img src=x" not in text, html.name
        assert "</td><script>" not in text, html.name


# --- small things a careless user meets -----------------------------------------------------


def test_a_number_is_shown_as_typed_not_as_a_float(mini_filled, tmp_path):
    wb = load_workbook(mini_filled)
    ((sheet, coord),) = list(wb.defined_names["Q_a_risk"].destinations)
    wb[sheet][coord.replace("$", "")] = 6  # a 1-5 item
    wb.save(tmp_path / "six.xlsx")
    (e,) = _errors(tmp_path / "six.xlsx")
    assert e.message().endswith("found 6") and "6.0" not in e.message()
    assert "實際為「6」" in e.message("zh-TW")


def _errors(path):
    with pytest.raises(WorkbookErrors) as info:
        read_answers(path)
    return info.value.errors


def test_an_ods_file_is_named_as_such(tmp_path):
    path = tmp_path / "firm.ods"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    (e,) = _errors(path)
    assert "OpenDocument spreadsheet (.ods)" in e.message() and "Save As" in e.message()
    assert "OpenDocument 試算表（.ods）" in e.message("zh-TW")


def test_a_renamed_sheet_is_reported_as_renamed(mini_filled, tmp_path):
    wb = load_workbook(mini_filled)
    wb["構面乙"].title = "Sheet B"
    wb.save(tmp_path / "renamed.xlsx")
    errors = _errors(tmp_path / "renamed.xlsx")
    (e,) = [e for e in errors if e.sheet == "構面乙"]
    assert "renamed to 'Sheet B'" in e.message() and "deleted" not in e.message()
    assert "已被改名為「Sheet B」" in e.message("zh-TW")


DEMAND_PAYLOADS = {
    "organisation": '=HYPERLINK("http://evil.invalid","buyer")',
    "city": "@SUM(1+1)",
    "products": "<script>alert('demand')</script>",
    "notes": "+cmd|' /C calc'!A0 <img src=x onerror=alert(1)>",
    "contact_name": "-2+3",
}


def test_every_text_field_of_a_demand_survey_stays_text_in_match_outputs(tmp_path):
    from exportkit.assess import run_match
    from exportkit.questionnaire.filling import fill_workbook
    from exportkit.resources import demand_examples_dir

    wb = load_workbook(demand_examples_dir() / "01-th-siam-precision-buyer.xlsx")
    fill_workbook(wb, DEMAND_PAYLOADS)
    demand = tmp_path / "demand.xlsx"
    wb.save(demand)
    out = tmp_path / "out"
    run = run_match(
        [examples_dir()], [demand], out, meetings=True, lang="en", formats="json,xlsx,html"
    )
    assert not run.failures, run.failures
    seen = set()
    for xlsx in out.rglob("*.xlsx"):
        for ws in load_workbook(xlsx).worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (xlsx.name, ws.title, cell.coordinate)
                    if isinstance(cell.value, str):
                        assert not cell.value.startswith(FORMULA_START), (ws.title, cell.value)
                        seen.update(k for k, v in DEMAND_PAYLOADS.items() if v in cell.value)
    assert "organisation" in seen, seen
    for html in out.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img src=x" not in text, html.name


def test_parts_checked_before_are_not_trusted_beyond_their_bytes(mini_filled, tmp_path):
    # Parts that passed the checks are remembered by their compressed bytes (workbooks of one
    # template share most parts); a file that differs in one part is still checked there.
    from exportkit.questionnaire import package

    first = read_answers(mini_filled)
    assert read_answers(mini_filled) == first  # its parts are remembered from now on
    assert package._CHECKED
    path = tmp_path / "laughs.xlsx"
    _rewrite(mini_filled, path, "xl/styles.xml", _with_doctype)
    message = _refusal(path)
    assert "xl/styles.xml" in message and "DTD" in message
    assert read_answers(mini_filled) == first
