"""`exportkit assess` end to end on real workbooks, offline, with the bundled snapshot."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import jsonschema
import pytest
from openpyxl import load_workbook

from exportkit.assess import run_assessment
from exportkit.cli import main
from exportkit.countries import NSP6
from exportkit.models import ENTRY_MODES, SERVICE_MODES
from exportkit.questionnaire.definition import load_definition
from exportkit.questionnaire.filling import answers_for_levels, fill_workbook
from exportkit.resources import data_file, examples_dir
from exportkit.results import expand

EXAMPLES = Path(str(examples_dir()))
SCHEMA = json.loads(data_file("results.schema.json").read_text(encoding="utf-8"))


def assess(runner, *args: str):
    return runner.invoke(main, ["assess", *args], catch_exceptions=False)


def load_results(out: Path) -> dict:
    """results.json, checked against its schema, with its references expanded."""
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(doc)
    return expand(doc)


def example(name: str) -> Path:
    return next(EXAMPLES.glob(f"{name}*.xlsx"))


def edited_copy(src: Path, dest: Path, answers: dict) -> Path:
    """A copy of an example workbook with some answers typed differently (test fixtures)."""
    wb = load_workbook(src)
    fill_workbook(wb, answers)
    wb.save(dest)
    return dest


@pytest.fixture(scope="module")
def examples_run(tmp_path_factory):
    """One run over the bundled examples, shared by the tests that only read its outputs."""
    tmp = tmp_path_factory.mktemp("examples")
    out = tmp / "out"
    from click.testing import CliRunner

    mp = pytest.MonkeyPatch()
    mp.setenv("EXPORTKIT_DB", str(tmp / "db.duckdb"))
    mp.setenv("EXPORTKIT_LANG", "en")
    try:
        result = CliRunner().invoke(main, ["assess", str(EXAMPLES), "-o", str(out)])
    finally:
        mp.undo()
    return result, out


def test_the_run_ends_with_one_line_per_firm(examples_run):
    result, out = examples_run
    data = load_results(out)
    header = next(line for line in result.output.splitlines() if "Readiness" in line)
    assert "First market" in header and "Recommended entry mode" in header
    for firm in data["firms"]:
        line = next(line for line in result.output.splitlines() if firm["firm"][:12] in line)
        assert f"{firm['overall']:.1f}" in line
        first = next(m for m in firm["markets"] if not m["excluded"])
        assert first["name"]["en"] in line


def test_examples_produce_schema_valid_results_and_a_portfolio(examples_run):
    result, out = examples_run
    assert result.exit_code == 0, result.output
    assert "Assessed 6 firm(s) against 18 market(s); 0 file(s) failed." in result.output
    doc = load_results(out)
    assert len(doc["firms"]) == 6 and doc["errors"] == []
    assert doc["settings"]["rules_version"] and doc["data_vintage"]["snapshot_version"]
    for firm in doc["firms"]:
        assert [m["rank"] for m in firm["markets"]] == list(range(1, 19))
        fits = [m["fit_score"] for m in firm["markets"] if not m["excluded"]]
        assert fits == sorted(fits, reverse=True)
        # goods firms are ranked on the six goods modes, the software firm on the service modes
        expected = set(
            SERVICE_MODES if firm["profile"]["industry"] == "software_it_services" else ENTRY_MODES
        )
        for market in firm["markets"]:
            assert [m["rank"] for m in market["entry_modes"]] == list(range(1, len(expected) + 1))
            assert {m["mode"] for m in market["entry_modes"]} == expected
            assert market["decided_by"] in ("rules", "tie", "prior")
        assert (out / firm["output"]).is_file()
    # every market is described once with where its figures came from
    assert len(doc["markets"]) == 18
    assert all(p["source"] for m in doc["markets"] for p in m["provenance"])


def test_the_small_and_the_mature_example_firms_get_different_modes(examples_run):
    _, out = examples_run
    firms = {f["band"]: f for f in load_results(out)["firms"]}
    small, mature = firms["not_ready"], firms["internationally_mature"]
    # the not-ready firm is the small software house: online sales first, never a trading firm
    assert {m["recommended_mode"] for m in small["markets"]} == {"online_direct"}
    assert "S1" in {r["rule"] for r in small["markets"][0]["fired_rules"]}
    mature_modes = {m["recommended_mode"] for m in mature["markets"]}
    assert mature_modes & {"wholly_owned_subsidiary", "joint_venture"}
    assert "indirect_export" not in mature_modes


def test_portfolio_has_its_sheets_frozen_headers_filters_and_formatting(examples_run):
    _, out = examples_run
    wb = load_workbook(out / "portfolio.xlsx")
    assert wb.sheetnames[0] == "Portfolio"
    assert {"Rejected files", "Run"} <= set(wb.sheetnames)
    market_sheets = [s for s in wb.sheetnames if s[:3].isupper() and s[3:4] == " "]
    assert len(market_sheets) == 18 and "THA Thailand" in market_sheets
    ws = wb["Portfolio"]
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref.startswith("A1:")
    assert ws.max_row == 7  # header + 6 firms
    assert len(ws.conditional_formatting) > 0
    header = [c.value for c in ws[1]]
    assert header[:5] == ["Firm", "Tax ID", "File", "Export-readiness index", "Band"]
    assert "Market 1" in header and "Mode 1" in header
    assert wb["THA Thailand"].max_row == 7


def test_portfolio_colours_the_score_columns_and_only_those(examples_run):
    # red → yellow → green belongs on 0–100 scores (an earlier writer coloured the columns
    # of market names two to the right of the fit scores)
    _, out = examples_run
    wb = load_workbook(out / "portfolio.xlsx")
    ws = wb["Portfolio"]
    header = {c.column_letter: c.value for c in ws[1]}
    header_names = list(header.values())
    dimensions = header_names[6 : header_names.index("Export driver type")]
    scaled = {
        "".join(ch for ch in str(cf.sqref).split(":")[0] if ch.isalpha()): cf.rules[0].type
        for cf in ws.conditional_formatting
    }
    coloured = sorted(header[col] for col, kind in scaled.items() if kind == "colorScale")
    assert coloured == sorted(["Export-readiness index", *dimensions, "Fit 1", "Fit 2", "Fit 3"])
    assert [header[col] for col, kind in scaled.items() if kind == "cellIs"] == [
        "Change since last"
    ]
    tha = wb["THA Thailand"]
    header = {c.column_letter: c.value for c in tha[1]}
    assert sorted(header[str(cf.sqref)[0]] for cf in tha.conditional_formatting) == [
        "Fit score",
        "Mode score",
    ]


def _column_widths(ws) -> dict[str, float]:
    """Each column's width by letter: a file states neighbours of one width as one range."""
    from openpyxl.utils import get_column_letter

    return {
        get_column_letter(i): dim.width
        for dim in ws.column_dimensions.values()
        for i in range(dim.min, dim.max + 1)
    }


def test_portfolio_prints_readably(examples_run):
    # A consultant prints the workbook: landscape A4, the heading row and the firm column on
    # every page, no text shrunk below 70 %, headings and mode names shown whole.
    from exportkit.render.xlsx_tables import text_lines, text_width

    _, out = examples_run
    wb = load_workbook(out / "portfolio.xlsx")
    for ws in (wb["Portfolio"], wb["THA Thailand"]):
        setup = ws.page_setup
        assert setup.orientation == "landscape" and int(setup.paperSize) == int(ws.PAPERSIZE_A4)
        assert ws.sheet_properties.pageSetUpPr.fitToPage and int(setup.fitToHeight) == 0
        widths = _column_widths(ws)
        width = sum(widths[c.column_letter] for c in ws[1])
        assert int(setup.fitToWidth) >= width * 0.7 / 145 > int(setup.fitToWidth) - 1
        assert ws.print_title_rows == "$1:$1" and ws.print_title_cols == "$A:$A"
        lines = max(text_lines(c.value, widths[c.column_letter]) for c in ws[1])
        assert ws.row_dimensions[1].height >= 15 * lines
    tha = wb["THA Thailand"]
    mode = [c.value for c in tha[1]].index("Recommended mode") + 1
    column = tha.cell(1, mode).column_letter
    longest = max(text_width(tha.cell(r, mode).value or "") for r in range(2, tha.max_row + 1))
    assert _column_widths(tha)[column] >= min(46, longest + 2)
    # no heading word is broken over two lines ("Sustainabilit" / "y"): bold text is ~10 %
    # wider than the digits a width counts
    for ws in (wb["Portfolio"], tha):
        widths = _column_widths(ws)
        for cell in ws[1]:
            longest = max(text_width(word) for word in cell.value.split())
            assert widths[cell.column_letter] >= longest * 1.1, cell.value


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_portfolio_headings_break_between_words_and_names_show_whole(tmp_path, lang):
    """A Chinese heading too wide for its column wraps after its 與 ("行銷與 / 市場知識"), not
    inside a word ("市場知 / 識"), each line on one line of its column; the driver, theme,
    market and mode names of the Portfolio sheet show whole, not cut by the next column."""
    from exportkit.render.xlsx_tables import text_width

    run_assessment(
        [str(EXAMPLES)], lang=lang, formats="xlsx", outdir=tmp_path, db=tmp_path / "m.duckdb"
    )
    ws = load_workbook(tmp_path / "portfolio.xlsx").worksheets[0]  # the one row per firm
    widths = _column_widths(ws)
    broken = 0
    for cell in ws[1]:
        width = widths[cell.column_letter]
        if "\n" in cell.value:
            broken += 1
            first, second = cell.value.split("\n")
            assert first[-1] in "與及、" and second, cell.value
            assert all(text_width(line) * 1.1 <= width for line in (first, second)), cell.value
        elif lang == "zh-TW" and "與" in cell.value[1:-1]:
            assert text_width(cell.value) * 1.1 <= width, cell.value  # fits unbroken
    assert broken >= (7 if lang == "zh-TW" else 0)
    names = [c.value.replace("\n", "") for c in ws[1]]
    wanted = {
        "en": ["Export driver type", "Strategy theme", "Market 1", "Mode 1"],
        "zh-TW": ["企業輸出模式", "策略主題", "建議市場 1", "建議進入模式 1"],
    }[lang]
    for heading in wanted:
        column = ws.cell(1, names.index(heading) + 1).column_letter
        values = [ws[f"{column}{r}"].value for r in range(2, ws.max_row + 1)]
        assert any(values), heading
        assert all(text_width(v or "") + 1 <= widths[column] for v in values), heading


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_a_market_sheets_staged_path_wraps_in_a_row_as_tall_as_it(tmp_path, lang):
    """The staged path is a sentence of 40–80 characters: it wraps in its column, the row is
    tall enough for every line, and the row's other cells start at its top line (the path
    used to be cut off by the theme beside it)."""
    from exportkit.render.xlsx_tables import text_lines

    run_assessment(
        [str(EXAMPLES)], lang=lang, formats="xlsx", outdir=tmp_path, db=tmp_path / "m.duckdb"
    )
    ws = load_workbook(tmp_path / "portfolio.xlsx").worksheets[1]  # the first market's sheet
    names = [c.value.replace("\n", "") for c in ws[1]]
    path = ws.cell(1, names.index({"en": "Staged path", "zh-TW": "分階段路徑"}[lang]) + 1)
    width = _column_widths(ws)[path.column_letter]
    tall = 0
    for r in range(2, ws.max_row + 1):
        cell = ws.cell(r, path.column)
        assert cell.value and cell.alignment.wrap_text and cell.alignment.vertical == "top"
        assert ws.cell(r, 1).alignment.vertical == "top"
        lines = text_lines(cell.value, width)
        height = ws.row_dimensions[r].height
        if lines > 1:
            tall += 1
            assert height is not None and height >= 15 * lines, (cell.value, height)
    assert tall >= 1  # the examples' paths do not fit one line


def test_the_run_sheet_reads_in_the_workbooks_language(tmp_path):
    """Each setting is named for the consultant (the field id beside it), markets by name, a
    yes/no as 是/否, and the sources one per line in zh-TW (a source's own name may hold a
    comma: joined by commas they could not be told apart)."""
    run_assessment(
        [str(EXAMPLES)],
        markets="TH,VN",
        lang="zh-TW",
        formats="xlsx",
        outdir=tmp_path,
        db=tmp_path / "m.duckdb",
    )
    ws = load_workbook(tmp_path / "portfolio.xlsx")["執行資訊"]
    rows = {r[2]: (r[0], r[1]) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["markets"] == ("評估的市場", "泰國、越南")
    assert rows["fail_fast"] == ("遇未通過的問卷即停止", "否")
    name, sources = rows["sources"]
    assert name == "資料來源" and "\n" in sources
    assert "世界銀行 WDI（公開副本）" in sources.split("\n")
    assert "(public copy)" not in sources
    assert all(label != field for field, (label, _) in rows.items())  # every field named
    assert ws.cell(1, 3).value == "欄位代碼"


def test_schema_option_prints_the_schema_without_inputs(runner):
    result = assess(runner, "--schema")
    assert result.exit_code == 0
    assert json.loads(result.output)["title"] == "exportkit assess results"


@pytest.mark.parametrize(("lang", "text"), [("en", "unknown output format"), ("zh-TW", "不支援")])
def test_unknown_formats_are_refused(runner, tmp_path, lang, text):
    result = runner.invoke(
        main,
        ["--lang", lang, "assess", str(EXAMPLES), "--format", "json,docx", "-o", str(tmp_path)],
    )
    assert result.exit_code == 2 and text in result.output
    assert not (tmp_path / "results.json").exists()


def test_no_inputs_is_a_usage_error(runner):
    result = runner.invoke(main, ["assess"])
    assert result.exit_code == 2 and "--examples" in result.output


def _mixed_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(example("01"), folder / "good-1.xlsx")
    shutil.copy(example("06"), folder / "good-2.xlsx")
    (folder / "notes.xlsx").write_text("firm,score\nA,1\n", encoding="utf-8")  # CSV renamed
    (folder / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 600)  # legacy OLE file
    edited_copy(
        example("02"), folder / "bad-answers.xlsx", {"employees": "many", "tax_id": "12345678"}
    )
    (folder / "readme.txt").write_text("not a workbook", encoding="utf-8")  # ignored
    return folder


def test_a_folder_with_broken_workbooks_completes_the_good_ones(runner, tmp_path):
    out = tmp_path / "out"
    result = assess(runner, str(_mixed_folder(tmp_path)), "-o", str(out), "--markets", "nsp6")
    assert result.exit_code == 1
    assert "2 firm(s)" in result.output and "3 file(s) failed" in result.output
    doc = load_results(out)
    assert len(doc["firms"]) == 2
    failed = {Path(e["file"]).name: e for e in doc["errors"]}
    assert set(failed) == {"notes.xlsx", "old.xls", "bad-answers.xlsx"}
    assert any("employees" in m or "E" in m for m in failed["bad-answers.xlsx"]["messages"])
    assert failed["bad-answers.xlsx"]["messages_zh_TW"]
    rejected = load_workbook(out / "portfolio.xlsx")["Rejected files"]
    listed = {Path(r[0].value).name for r in rejected.iter_rows(min_row=2)}
    assert listed == {"notes.xlsx", "old.xls", "bad-answers.xlsx"}
    assert "bad-answers.xlsx" in result.output


def test_fail_fast_stops_at_the_first_bad_workbook(runner, tmp_path):
    out = tmp_path / "out"
    result = assess(runner, str(_mixed_folder(tmp_path)), "-o", str(out), "--fail-fast")
    assert result.exit_code == 1
    assert not (out / "results.json").exists()
    # the first bad workbook in name order, with every problem found in it
    assert "bad-answers.xlsx" in result.output and "employees" in result.output


def test_missing_input_is_reported_and_the_rest_completes(runner, tmp_path):
    out = tmp_path / "out"
    result = assess(
        runner,
        str(example("05")),
        str(tmp_path / "nope.xlsx"),
        "-o",
        str(out),
        "--markets",
        "TH,VN",
    )
    assert result.exit_code == 1
    doc = load_results(out)
    assert len(doc["firms"]) == 1 and "no such file" in doc["errors"][0]["messages"][0]
    assert doc["settings"]["markets"] == ["THA", "VNM"]


def test_a_formula_firm_name_stays_inert_text_in_the_portfolio(runner, tmp_path):
    evil = '=HYPERLINK("http://x")'
    src = edited_copy(example("03"), tmp_path / "evil.xlsx", {"firm_name": evil})
    out = tmp_path / "out"
    result = assess(runner, str(src), "-o", str(out), "--markets", "nsp6")
    assert result.exit_code == 0, result.output
    wb = load_workbook(out / "portfolio.xlsx")
    cell = wb["Portfolio"]["A2"]
    assert cell.value == "'" + evil and cell.data_type == "s"
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{ws.title}!{c.coordinate}"
                if isinstance(c.value, str):
                    assert not c.value.startswith(("=", "+", "-", "@")), (
                        f"{ws.title}!{c.coordinate}"
                    )
    with zipfile.ZipFile(out / "portfolio.xlsx") as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)
    doc = load_results(out)
    assert doc["firms"][0]["firm"] == evil  # JSON keeps the name as typed
    name = doc["firms"][0]["output"]
    assert "/" not in name.removeprefix("firms/") and ".." not in name and "=" not in name


def test_assessing_a_firm_again_shows_the_change_per_dimension(runner, tmp_path):
    first = tmp_path / "first"
    second = tmp_path / "second"
    src = example("04")
    r1 = assess(
        runner, str(src), "-o", str(first), "--markets", "nsp6", "--assessed-on", "2026-01-15"
    )
    assert r1.exit_code == 0
    assert load_results(first)["firms"][0]["previous_assessment"] is None
    # half a year later the firm has built its digital capability
    definition = load_definition("export-readiness")
    digital = next(s for s in definition.dimensions if s.id == "digital_capability")
    ids = {i.id for i in digital.items}
    better = {
        k: v
        for k, v in answers_for_levels(
            "export-readiness", {"digital_capability": 1.0}, lang="zh-TW"
        ).items()
        if k in ids
    }
    later = edited_copy(src, tmp_path / "later.xlsx", better)
    r2 = assess(
        runner, str(later), "-o", str(second), "--markets", "nsp6", "--assessed-on", "2026-07-15"
    )
    assert r2.exit_code == 0
    firm = load_results(second)["firms"][0]
    assert firm["previous_assessment"] is not None
    dims = firm["dimensions"]
    assert dims["digital_capability"]["change"] > 0
    assert dims["management_commitment"]["change"] == 0
    assert firm["previous_assessment"]["overall_change"] > 0
    change_col = [c.value for c in load_workbook(second / "portfolio.xlsx")["Portfolio"][1]].index(
        "Change since last"
    )
    assert load_workbook(second / "portfolio.xlsx")["Portfolio"].cell(2, change_col + 1).value > 0


def test_run_assessment_is_usable_from_python(tmp_path):
    run = run_assessment([example("01")], markets="nsp6", outdir=tmp_path, formats="json")
    assert run.ok and set(run.outputs) == {"json", "firms"}
    assert [r.iso3 for r in run.firms[0].recommendations] != [] and len(
        run.firms[0].recommendations
    ) == len(NSP6)
    assert not (tmp_path / "portfolio.xlsx").exists()


def test_zh_tw_portfolio_uses_chinese_headers_and_sheet_names(runner, tmp_path):
    result = runner.invoke(
        main,
        ["assess", str(example("02")), "-o", str(tmp_path), "--lang", "zh-TW", "--markets", "TH"],
    )
    assert result.exit_code == 0 and "已評估 1 家企業" in result.output
    wb = load_workbook(tmp_path / "portfolio.xlsx")
    assert wb.sheetnames == ["企業總覽", "THA 泰國", "未通過檔案", "執行資訊"]
    assert wb["企業總覽"]["A1"].value == "企業"
    assert wb["THA 泰國"]["J2"].value in ("依規則", "同分（未判定）", "僅起始分數")
    assert wb["THA 泰國"]["K2"].value.startswith("先以「")


def test_schema_validation_never_touches_the_network(examples_run, monkeypatch):
    import socket

    from exportkit.render import results

    def refuse(*args, **kwargs):
        raise AssertionError("network access during validation")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    results._fast_validator.cache_clear()
    results._firm_validator.cache_clear()
    _, out = examples_run
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    results.validate_results(doc)
    results._firm_validator()(doc["firms"][0])
    doc["firms"][0]["markets"][0]["fit_score"] = 101
    with pytest.raises(Exception, match="fit_score"):
        results.validate_results(doc)
