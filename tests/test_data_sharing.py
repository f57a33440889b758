"""`data export` / `data import` with firms' data (issue 16, found since 6): assessments stay
out unless asked, formulas are neutralised in CSV, and an import says what it merges."""

from __future__ import annotations

import csv

from openpyxl import load_workbook

from exportkit.assess import run_assessment
from exportkit.cli import main
from exportkit.questionnaire.filling import fill_workbook
from exportkit.resources import examples_dir
from exportkit.store import open_store

HOSTILE = '=HYPERLINK("http://evil.invalid","x")'


def _assessed_db(tmp_path):
    wb = load_workbook(examples_dir() / "01-machine-tool-parts.xlsx")
    fill_workbook(wb, {"firm_name": HOSTILE})
    path = tmp_path / "hostile.xlsx"
    wb.save(path)
    db = tmp_path / "src.duckdb"
    run = run_assessment([path], formats="json", outdir=tmp_path / "out", db=db, lang="en")
    assert run.ok, run.failures
    with open_store(db) as store:
        assert len(store.table_frame("assessments")) == 1
    return db


def test_export_leaves_assessments_out_unless_asked(runner, tmp_path):
    db = _assessed_db(tmp_path)
    out = tmp_path / "shared"
    plain = runner.invoke(main, ["data", "export", str(out), "--db", str(db)])
    assert plain.exit_code == 0, plain.output
    assert not (out / "assessments.csv").exists()
    assert "--include-assessments" in plain.output
    assert "indicators.csv" in {p.name for p in out.iterdir()}

    full = runner.invoke(
        main, ["data", "export", str(out), "--include-assessments", "--db", str(db)]
    )
    assert full.exit_code == 0, full.output
    assert "tax IDs" in full.output
    with open(out / "assessments.csv", encoding="utf-8") as fh:
        firms = [row["firm"] for row in csv.DictReader(fh)]
    assert firms == ["'" + HOSTILE]  # a spreadsheet shows it as text, never runs it

    again = runner.invoke(main, ["data", "export", str(out), "--db", str(db)])
    assert again.exit_code == 0
    assert not (out / "assessments.csv").exists()  # an earlier export's firms are not left


def test_import_says_what_it_merges_and_restores_neutralised_text(runner, tmp_path):
    db = _assessed_db(tmp_path)
    out = tmp_path / "shared"
    args = ["data", "export", str(out), "--include-assessments", "--db", str(db)]
    assert runner.invoke(main, args).exit_code == 0
    dst = tmp_path / "colleague.duckdb"
    open_store(dst, snapshot=False).close()
    result = runner.invoke(main, ["data", "import", str(out), "--db", str(dst)])
    assert result.exit_code == 0, result.output
    assert "assessments: 1 rows" in result.output and "indicators:" in result.output
    assert "assessment(s) of firms" in result.output and "tax IDs" in result.output
    with open_store(dst) as store:
        assert list(store.table_frame("assessments")["firm"]) == [HOSTILE]
    zh = runner.invoke(main, ["--lang", "zh-TW", "data", "import", str(out), "--db", str(dst)])
    assert "企業評估歷程" in zh.output
