"""Options and inputs that used to be accepted and give a wrong result (issue 16, found since
7, 13 and 16): each is refused with a clear message in both languages."""

from __future__ import annotations

import pytest

from exportkit.cli import main
from exportkit.questionnaire.definition import load_definition
from exportkit.questionnaire.filling import answers_for_levels, fill_template
from exportkit.resources import examples_dir


def _ecosystem_workbook(tmp_path):
    d = load_definition("ecosystem-evaluation")
    answers = answers_for_levels(d.id, {s.id: 0.7 for s in d.dimensions}, "en", seed=1)
    profile = {
        i.id: i.options[0].label.en if i.options else (i.min if i.min is not None else "Demo")
        for i in d.items
        if i.required and i.id not in answers
    }
    return fill_template(d.id, "en", {**answers, **profile}, tmp_path / "eco.xlsx")


def test_brief_refuses_an_ecosystem_evaluation(runner, tmp_path):
    eco = _ecosystem_workbook(tmp_path)
    result = runner.invoke(main, ["brief", str(eco), "--market", "TH", "-o", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "ecosystem-evaluation" in result.output and "export-readiness" in result.output
    assert not list(tmp_path.glob("*.html"))
    zh = runner.invoke(
        main, ["--lang", "zh-TW", "brief", str(eco), "--market", "TH", "-o", str(tmp_path)]
    )
    assert zh.exit_code == 2 and "出口整備度問卷" in zh.output


@pytest.mark.parametrize("command", ["markets", "assess"])
@pytest.mark.parametrize(
    ("spec", "en", "zh"),
    [
        ("US,CN,JP", "not one of the 18 New Southbound markets", "不在 exportkit 具備資料"),
        ("TH,US", "United States (USA)", "美國（USA）"),
        ("", "give nsp6, nsp18 or country codes", "請指定 nsp6、nsp18"),
        (" , ", "give nsp6, nsp18 or country codes", "請指定 nsp6、nsp18"),
    ],
)
def test_markets_outside_the_18_or_none_are_refused(runner, tmp_path, command, spec, en, zh):
    args = [command, "--markets", spec]
    if command == "assess":
        args += [str(examples_dir() / "01-machine-tool-parts.xlsx"), "-o", str(tmp_path / "o")]
    result = runner.invoke(main, args)
    assert result.exit_code == 2 and en in result.output, result.output
    assert not (tmp_path / "o" / "results.json").exists()
    chinese = runner.invoke(main, ["--lang", "zh-TW", *args])
    assert chinese.exit_code == 2 and zh in chinese.output, chinese.output


def test_a_future_assessment_date_is_refused(runner, tmp_path):
    from datetime import date, timedelta

    future = (date.today() + timedelta(days=2)).isoformat()
    args = ["assess", "--examples", "--assessed-on", future, "-o", str(tmp_path / "o")]
    result = runner.invoke(main, args)
    assert result.exit_code == 2 and "cannot be in the future" in result.output, result.output
    assert not (tmp_path / "o").exists()
    zh = runner.invoke(main, ["--lang", "zh-TW", *args])
    assert zh.exit_code == 2 and "評估日期不能晚於今天" in zh.output


@pytest.mark.parametrize(
    ("args", "en", "zh"),
    [
        (["--hs", "abc"], "--hs abc: expected HS codes of 2, 4 or 6 digits", "應為 2、4 或 6 位數"),
        (["--hs", "8471,12345"], "--hs 12345:", "HS 代碼"),
        (["-s", "NOSUCH=1"], "-s NOSUCH: not a setting Scrapy or exportkit knows", "沒有這個設定"),
        (["-s", "DOWNLOAD_DELEY=1"], "did you mean DOWNLOAD_DELAY", "您是指 DOWNLOAD_DELAY"),
    ],
)
def test_crawl_refuses_bad_hs_codes_and_unknown_settings(runner, args, en, zh):
    # refused before any crawl starts (no child process, no network)
    result = runner.invoke(main, ["crawl", "worldbank", *args])
    assert result.exit_code == 2 and en in result.output, result.output
    chinese = runner.invoke(main, ["--lang", "zh-TW", "crawl", "worldbank", *args])
    assert chinese.exit_code == 2 and zh in chinese.output


def test_crawl_still_accepts_real_settings_and_codes():
    from exportkit.ingest.crawl import build_job

    job = build_job(
        ["worldbank"],
        hs="TOTAL,84,8471,847130",
        settings=["DOWNLOAD_DELAY=2", "WORLDBANK_PER_PAGE=4", "EXPORTKIT_MAX_ERRORS=3"],
    )
    assert job["settings"]["WORLDBANK_PER_PAGE"] == "4"
