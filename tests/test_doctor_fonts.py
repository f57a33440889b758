"""`doctor` and PDF rendering without a CJK font (issue 16, found since 10): doctor says the
font is missing (it is required for Chinese PDFs) and checks the database; a PDF with Chinese
text is refused, not printed as boxes with exit 0."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from exportkit.cli import main
from exportkit.resources import examples_dir

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
EXPORTKIT = Path(sys.executable).with_name("exportkit")


@pytest.fixture
def no_cjk_env(tmp_path):
    """An environment whose fontconfig sees DejaVu only, as on a fresh machine."""
    if not shutil.which("fc-list") or not DEJAVU.is_dir():
        pytest.skip("needs fontconfig and the DejaVu fonts to simulate a machine without CJK")
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<fontconfig>\n'
        f"  <dir>{DEJAVU}</dir>\n  <cachedir>{tmp_path / 'fc-cache'}</cachedir>\n"
        "</fontconfig>\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "FONTCONFIG_FILE": str(conf),
        "EXPORTKIT_DB": str(tmp_path / "db.duckdb"),
        "EXPORTKIT_LANG": "en",
    }
    return env


def _run(env, *args, cwd):
    return subprocess.run(
        [str(EXPORTKIT), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=600
    )


def test_a_chinese_pdf_is_refused_without_a_cjk_font(no_cjk_env, tmp_path):
    out = tmp_path / "out"
    workbook = examples_dir() / "01-machine-tool-parts.xlsx"
    args = ["brief", str(workbook), "--market", "TH", "--format", "pdf", "-o", str(out)]
    done = _run(no_cjk_env, *args, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "no Chinese font (Noto Sans CJK TC)" in done.stderr
    assert "Traceback" not in done.stderr and not list(tmp_path.rglob("*.pdf"))
    zh = _run(no_cjk_env, "--lang", "zh-TW", *args, cwd=tmp_path)
    assert zh.returncode == 1 and "系統沒有中文字型" in zh.stderr


def test_doctor_says_the_cjk_font_is_missing_and_required(no_cjk_env, tmp_path):
    done = _run(no_cjk_env, "doctor", cwd=tmp_path)
    assert done.returncode == 1
    line = next(x for x in done.stdout.splitlines() if "Noto Sans CJK TC" in x)
    assert "required" in line and "missing" in line and "optional" not in line
    assert "fonts-noto-cjk" in done.stdout


def test_doctor_checks_the_database_and_speaks_chinese(runner, tmp_path):
    ok = runner.invoke(main, ["--lang", "zh-TW", "doctor"])
    assert "市場資料庫" in ok.output and "筆）" in ok.output
    assert "questionnaire definitions" not in ok.output and "問卷定義檔" in ok.output
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(b"this is not a database" * 100)
    bad = runner.invoke(main, ["doctor", "--db", str(broken)])
    assert bad.exit_code == 1 and "Traceback" not in bad.output
    line = next(x for x in bad.output.splitlines() if x.startswith("market database"))
    assert "problem" in line and "broken.duckdb" in bad.output


def test_a_batch_pdf_refused_for_the_font_says_so_in_chinese(no_cjk_env, tmp_path):
    workbook = examples_dir() / "01-machine-tool-parts.xlsx"
    args = ["--lang", "zh-TW", "assess", str(workbook), "--markets", "TH", "--briefs", "1"]
    done = _run(no_cjk_env, *args, "--format", "json,pdf", "-o", str(tmp_path / "o"), cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "無法產生 PDF" in done.stderr and "系統沒有中文字型" in done.stderr
    assert "Traceback" not in done.stderr and not list((tmp_path / "o").rglob("*.pdf"))
