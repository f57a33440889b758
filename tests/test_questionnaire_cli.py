"""End-to-end: the real `exportkit questionnaire` commands on real files."""

from __future__ import annotations

import csv
import io
import json

from conftest import MINI_ANSWERS
from openpyxl import load_workbook

from exportkit.cli import main
from exportkit.questionnaire.filling import fill_template


def test_template_command_writes_a_workbook_in_the_chosen_language(runner, tmp_path):
    out = tmp_path / "blank.xlsx"
    result = runner.invoke(
        main,
        [
            "questionnaire",
            "template",
            "--definition",
            "export-readiness",
            "--lang",
            "en",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    assert wb.sheetnames[0] == "Instructions" and wb["_meta"]["B3"].value == "en"


def test_template_command_names_an_unknown_definition(runner, tmp_path):
    result = runner.invoke(
        main, ["questionnaire", "template", "--definition", "nope", "-o", str(tmp_path / "x.xlsx")]
    )
    assert result.exit_code == 1 and "unknown questionnaire definition 'nope'" in result.output
    assert "Traceback" not in result.output


def _batch(tmp_path, definition):
    good = fill_template(definition, "zh-TW", MINI_ANSWERS, tmp_path / "good.xlsx")
    bad = fill_template(
        definition, "zh-TW", {**MINI_ANSWERS, "b_rubric": 11}, tmp_path / "bad.xlsx"
    )
    (tmp_path / "text.xlsx").write_text("hello")
    return good, bad


def test_validate_reports_every_file_and_exits_1(runner, tmp_path, mini_definition):
    good, bad = _batch(tmp_path, mini_definition)
    result = runner.invoke(main, ["questionnaire", "validate", str(tmp_path)])
    assert result.exit_code == 1
    assert f"✓ {good}" in result.output
    # the question by the number the workbook prints beside it, and its item id
    assert f"{bad}, sheet '構面乙', cell C5, question 3.1 (b_rubric)" in result.output
    assert "text.xlsx: expected an Excel .xlsx workbook" in result.output
    ok = runner.invoke(main, ["questionnaire", "validate", str(good)])
    assert ok.exit_code == 0, ok.output


def test_validate_speaks_the_users_language(runner, tmp_path, mini_definition):
    _, bad = _batch(tmp_path, mini_definition)
    result = runner.invoke(main, ["--lang", "zh-TW", "questionnaire", "validate", str(bad)])
    assert (
        result.exit_code == 1
        and "工作表「構面乙」" in result.output
        and "，儲存格 C5，第 3.1 題（b_rubric）：" in result.output
    )


def test_score_json_has_results_and_errors(runner, tmp_path, mini_definition):
    good, bad = _batch(tmp_path, mini_definition)
    result = runner.invoke(main, ["questionnaire", "score", str(tmp_path), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    (firm,) = data["results"]
    assert firm["file"] == str(good) and firm["firm"] == MINI_ANSWERS["firm_name"]
    assert 0 <= firm["overall"] <= 100 and firm["band"] == "high"
    assert set(firm["dimensions"]) == {"dim_a", "dim_b"}
    assert firm["gaps"][0]["advice"] == "Improve B"
    assert {e["file"] for e in data["errors"]} == {str(bad), str(tmp_path / "text.xlsx")}
    assert all(e["messages"] for e in data["errors"])


def test_score_csv_and_table(runner, tmp_path, mini_definition):
    good = fill_template(mini_definition, "en", MINI_ANSWERS, tmp_path / "good.xlsx")
    result = runner.invoke(main, ["questionnaire", "score", str(good), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0]["firm"] == MINI_ANSWERS["firm_name"] and float(rows[0]["dim_a"]) == 75.0
    table = runner.invoke(main, ["questionnaire", "score", str(good)])
    assert table.exit_code == 0 and MINI_ANSWERS["firm_name"] in table.stdout


def test_csv_neutralises_formula_like_firm_names(runner, tmp_path, mini_definition):
    values = {**MINI_ANSWERS, "firm_name": '=HYPERLINK("http://x")'}
    path = fill_template(mini_definition, "en", values, tmp_path / "f.xlsx")
    result = runner.invoke(main, ["questionnaire", "score", str(path), "--format", "csv"])
    assert "'=HYPERLINK" in result.stdout


def test_score_with_no_workbooks_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(main, ["questionnaire", "score", str(tmp_path)])
    assert result.exit_code == 2 and "no .xlsx files" in result.output
