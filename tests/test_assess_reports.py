"""`exportkit assess --format …,html,pdf` end to end: the real CLI on real workbooks writes
index.html, each firm's readiness report and country briefs, and reports failed PDFs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import jsonschema
import pytest
from openpyxl import load_workbook

from exportkit.assess import run_assessment
from exportkit.assess.reports import brief_markets
from exportkit.cli import main
from exportkit.questionnaire.filling import fill_workbook
from exportkit.resources import data_file, examples_dir
from exportkit.results import expand

EXAMPLES = Path(str(examples_dir()))
SCHEMA = json.loads(data_file("results.schema.json").read_text(encoding="utf-8"))
HOSTILE = ["<script>alert(1)</script>", '=HYPERLINK("http://x")', "../../etc"]


def example(name: str) -> Path:
    return next(EXAMPLES.glob(f"{name}*.xlsx"))


def results(out: Path) -> dict:
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(doc)
    return expand(doc)


def renamed(src: Path, dest: Path, firm_name: str) -> Path:
    """A copy of an example workbook with another firm name (test fixture)."""
    wb = load_workbook(src)
    fill_workbook(wb, {"firm_name": firm_name})
    wb.save(dest)
    return dest


def links(index: Path) -> list[str]:
    return re.findall(r'<a [^>]*href="([^"]+)"', index.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_zh_tw_reports_in_every_format_with_embedded_cjk_fonts(runner, tmp_path):
    out = tmp_path / "out"
    args = [example("01"), example("06")]
    result = runner.invoke(
        main,
        ["--lang", "zh-TW", "assess", *map(str, args), "--format", "json,xlsx,html,pdf"]
        + ["--markets", "TH", "--briefs", "1", "-o", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "已寫入 8 份報告；0 份 PDF 失敗。" in result.output
    assert f"受評企業總覽：{out / 'index.html'}" in result.output
    doc = results(out)
    assert doc["settings"]["briefs"] == 1 and doc["errors"] == []
    hrefs = links(out / "index.html")
    assert len(hrefs) == 2 * 2 * 2  # 2 firms × (readiness + THA) × (html + pdf)
    for href in hrefs:
        assert (out / href).is_file(), href
    for firm in doc["firms"]:
        folder = out / Path(firm["output"]).stem  # firms/<name>.json ↔ <name>/
        assert {p.name for p in folder.iterdir()} == {
            "readiness.html",
            "readiness.pdf",
            "THA.html",
            "THA.pdf",
        }
        kinds = [(d["kind"], d["iso3"]) for d in firm["documents"]]
        assert kinds == [("readiness", None), ("brief", "THA")]
        for d in firm["documents"]:
            assert (out / d["html"]).is_file() and (out / d["pdf"]).is_file()
    zh = out / "宏進精密機械股份有限公司"
    brief = (zh / "THA.html").read_text(encoding="utf-8")
    assert "泰國" in brief
    # the run ranks markets with a sensitivity analysis, so the brief says how robust it is
    assert "未執行敏感度分析" not in brief and ("穩健" in brief or "前三名" in brief)
    assert "泰國的市場適配度為" in brief  # one market assessed: no rank among them
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "機械設備及零組件（含工具機）" in index and ">machinery<" not in index  # a label
    assert "機械設備及零組件（含工具機）" in (zh / "readiness.html").read_text(encoding="utf-8")
    for pdf in (zh / "THA.pdf", zh / "readiness.pdf"):
        assert pdf.read_bytes().startswith(b"%PDF")
        if shutil.which("pdffonts") is None:
            pytest.skip("pdffonts not installed (apt-get install poppler-utils)")
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
        cjk = [line for line in fonts.splitlines() if "Noto-Sans-CJK-TC" in line]
        assert cjk, fonts
        assert all(line.split()[-5] == "yes" for line in cjk), fonts  # emb column: embedded
    text = subprocess.run(
        ["pdftotext", str(zh / "THA.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert "宏進精密機械股份有限公司" in text and "泰國" in text


def test_hostile_firm_names_are_inert_in_html_and_xlsx_and_get_safe_folders(runner, tmp_path):
    sources = [
        renamed(example(n), tmp_path / f"hostile-{i}.xlsx", name)
        for i, (n, name) in enumerate(zip(("01", "03", "05"), HOSTILE, strict=True))
    ]
    out = tmp_path / "out"
    result = runner.invoke(
        main,
        ["assess", *map(str, sources), "--format", "json,xlsx,html", "--markets", "TH"]
        + ["--briefs", "1", "-o", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    folders = [p for p in out.iterdir() if p.is_dir() and p.name != "firms"]
    assert len(folders) == 3
    for folder in folders:
        assert folder.resolve().parent == out.resolve()  # nothing escaped the output folder
        assert not set(folder.name) & set("<>/\\\"'=.:") and not folder.name.startswith("-")
    assert not (tmp_path / "etc").exists() and not (out.parent.parent / "etc").exists()
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    shown = 0
    for page in [out / "index.html", *out.glob("*/*.html")]:
        html = page.read_text(encoding="utf-8")
        assert "<script>alert(1)" not in html and '<a href="http://x"' not in html
        shown += escaped in html
    assert escaped in (out / "index.html").read_text(encoding="utf-8")
    assert shown == 3  # the index, that firm's readiness report and its brief
    for href in links(out / "index.html"):
        assert (out / href).is_file() and ".." not in href
    wb = load_workbook(out / "portfolio.xlsx")
    names = {c.value for c in wb.worksheets[0]["A"][1:]}
    assert "'" + HOSTILE[1] in names and HOSTILE[0] in names
    with zipfile.ZipFile(out / "portfolio.xlsx") as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)
    assert {f["firm"] for f in results(out)["firms"]} == set(HOSTILE)


def test_a_broken_workbook_fails_the_run_but_the_good_firms_get_their_reports(runner, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(example("02"), folder / "good-1.xlsx")
    shutil.copy(example("06"), folder / "good-2.xlsx")
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    out = tmp_path / "out"
    result = runner.invoke(
        main,
        ["assess", str(folder), "--format", "json,html", "--markets", "nsp6", "--briefs", "1"]
        + ["-o", str(out)],
    )
    assert result.exit_code == 1
    assert "2 firm(s)" in result.output and "1 file(s) failed" in result.output
    assert "broken.xlsx" in result.output
    doc = results(out)
    assert [Path(e["file"]).name for e in doc["errors"]] == ["broken.xlsx"]
    assert doc["errors"][0]["stage"] == "input"
    hrefs = links(out / "index.html")
    assert len([h for h in hrefs if h.endswith("/readiness.html")]) == 2
    for href in hrefs:
        assert (out / href).is_file(), href
    for firm in doc["firms"]:
        briefs = [d for d in firm["documents"] if d["kind"] == "brief"]
        # the best-fitting market, plus the markets the firm named (within nsp6)
        named = {m["iso3"] for m in firm["markets"]} & set(firm["profile"]["target_markets"])
        assert {d["iso3"] for d in briefs} == {firm["markets"][0]["iso3"]} | named
        assert all(d["pdf"] is None for d in firm["documents"])
        top = firm["markets"][0]
        html = (out / briefs[0]["html"]).read_text(encoding="utf-8")
        if briefs[0]["iso3"] == top["iso3"]:
            assert "No. 1 of the 6 markets assessed" in html  # why this market leads


@pytest.mark.slow
def test_a_pdf_that_fails_is_reported_and_the_exit_status_says_so(runner, tmp_path, monkeypatch):
    out = tmp_path / "out"
    from exportkit.render import pdf

    real = pdf.write_pdf

    def failing(html, path):
        # a folder where the readiness PDF should go: writing it fails, for real (the run
        # writes into a fresh staging folder, so the folder is made at the moment of writing)
        if Path(path).name == "readiness.pdf":
            Path(path).mkdir(parents=True)
        return real(html, path)

    # one PDF (--briefs 0, one firm) is rendered in this process, where the patch applies
    monkeypatch.setattr(pdf, "write_pdf", failing)
    result = runner.invoke(
        main,
        ["assess", str(example("01")), "--format", "json,html,pdf", "--markets", "TH"]
        + ["--briefs", "0", "-o", str(out)],
    )
    assert result.exit_code == 1, result.output
    assert "0 file(s) failed" in result.output and "1 PDF(s) failed" in result.output
    assert "宏進精密機械股份有限公司/readiness.pdf" in result.output
    doc = results(out)
    (error,) = doc["errors"]
    assert error["stage"] == "render" and error["file"] == "宏進精密機械股份有限公司/readiness.pdf"
    assert "PDF" in error["messages_en"][0] and "PDF" in error["messages_zh_TW"][0]
    (firm,) = doc["firms"]
    assert firm["documents"][0]["pdf"] is None and firm["documents"][0]["html"]
    assert links(out / "index.html") == ["宏進精密機械股份有限公司/readiness.html"]


def test_briefs_go_to_the_best_markets_and_the_ones_the_firm_named(tmp_path):
    stages = []

    def progress(description, total):
        from contextlib import nullcontext

        stages.append((description, total))
        return nullcontext(lambda n=1: None)

    run = run_assessment(
        [example("03")], markets="nsp6", formats="html", outdir=tmp_path, briefs=2,
        progress=progress,
    )  # fmt: skip
    assert run.ok and not (tmp_path / "results.json").exists()
    assert ("Rendering HTML", 1) in stages
    assert "Rendering PDF" not in {d for d, _ in stages}  # no PDF asked for: no empty bar
    (item,) = run.firms
    recs = item.recommendations
    chosen = [r.iso3 for r in brief_markets(recs, item.firm, 2)]
    top2 = [r.iso3 for r in recs if not r.fit.excluded][:2]
    assert set(top2) <= set(chosen)
    assert set(chosen) == set(top2) | (set(item.firm.target_markets) & {r.iso3 for r in recs})
    assert [r.iso3 for r in brief_markets(recs, item.firm, 0)] == [
        r.iso3 for r in recs if r.iso3 in item.firm.target_markets
    ]
    assert [d.iso3 for d in item.documents if d.kind == "brief"] == chosen
    for iso3 in chosen:
        assert (tmp_path / item.firm.name / f"{iso3}.html").is_file()


def test_briefs_must_not_be_negative(runner, tmp_path):
    result = runner.invoke(main, ["assess", "--examples", "--briefs", "-1", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "--briefs" in result.output
