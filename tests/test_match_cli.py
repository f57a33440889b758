"""`exportkit match` end to end on real workbooks, offline, with the bundled snapshot."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from exportkit.assess import run_match
from exportkit.cli import main
from exportkit.match.criteria import default_criteria
from exportkit.questionnaire.filling import answers_for_levels, fill_workbook
from exportkit.resources import data_file, demand_examples_dir, examples_dir

SCHEMA = json.loads(data_file("matches.schema.json").read_text(encoding="utf-8"))
DEMAND = default_criteria().demand_questionnaire
EXAMPLES = Path(str(examples_dir()))
DEMAND_EXAMPLES = Path(str(demand_examples_dir()))


def load_matches(out: Path) -> dict:
    doc = json.loads((out / "matches.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(SCHEMA).validate(doc)
    return doc


def from_template(runner: CliRunner, definition: str, lang: str, answers: dict, path: Path) -> Path:
    """A workbook made by `exportkit questionnaire template`, then typed into like a person."""
    blank = path.with_name(path.stem + "-blank.xlsx")
    result = runner.invoke(
        main,
        ["questionnaire", "template", "--definition", definition, "--lang", lang, "-o", str(blank)],
    )
    assert result.exit_code == 0, result.output
    wb = load_workbook(blank)
    fill_workbook(wb, answers)
    wb.save(path)
    return path


FIRM_PROFILE = {
    "firm_name": "測試精密工業股份有限公司",
    "tax_id": "53712041",
    "contact_person": "林先生 業務經理",
    "industry": "機械設備及零組件（含工具機）",
    "founded": 1990,
    "employees": 120,
    "revenue_ntd": 500_000_000,
    "export_share": 40,
    "products": "CNC 主軸座與精密零件",
    "hs_codes": "846693, 848340",
    "current_markets": "日本",
    "target_markets": "泰國, 越南",
    "certifications": "ISO 9001、CE",
    "customer_type": "企業或機構客戶（B2B）",
    "sells_online": "否",
    "tacit_knowhow_share": 50,
    "invest_willingness": "3",
    "after_sales_need": "4",
    "pr_spare_capacity": "4 – More than 30% spare capacity, or output can be raised substantially by rescheduling",
}

BUYER = {
    "organisation": "Bangkok Spindle Buyers Co., Ltd.",
    "respondent_type": "Buyer (manufacturer or end purchaser)",
    "country": "Thailand",
    "contact_name": "Anong, Procurement",
    "contact_email": "anong@example.com",
    "consent_to_share": "Yes",
    "products": "Spindle housings for CNC lathes",
    "hs_codes": "846693",
    "industry": "Machinery and components (incl. machine tools)",
    "annual_volume_usd": 300000,
    "partnerships": "Import and distribution",
    "timing": "Within 3 months",
    "certifications": "ISO 9001, Halal",
}

TEA = {
    **BUYER,
    "organisation": "Hanoi Tea Importers",
    "country": "Vietnam",
    "products": "Oolong tea",
    "hs_codes": "090230",
    "industry": "Agricultural, fishery and livestock products",
}


@pytest.fixture(scope="module")
def made_files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("files")
    runner = CliRunner()
    levels = {
        d: 0.7
        for d in (
            "management_commitment",
            "international_experience",
            "financial_resources",
            "product_competitiveness",
            "certifications_ip",
            "production_capacity",
            "marketing_knowledge",
            "people_languages",
            "digital_capability",
            "sustainability",
        )
    }
    firm_answers = answers_for_levels("export-readiness", levels, "zh-TW", seed=1, profile={})
    firm_answers = {**{k: v for k, v in firm_answers.items() if v != ""}, **FIRM_PROFILE}
    firm_answers["pr_spare_capacity"] = "4"
    firm = from_template(runner, "export-readiness", "zh-TW", firm_answers, tmp / "firm.xlsx")
    buyer = from_template(runner, DEMAND, "en", BUYER, tmp / "buyer.xlsx")
    tea = from_template(runner, DEMAND, "en", TEA, tmp / "tea.xlsx")
    return tmp, firm, buyer, tea


@pytest.mark.slow
def test_match_end_to_end_on_files_made_by_the_template(made_files, runner, tmp_path):
    _, firm, buyer, tea = made_files
    out = tmp_path / "out"
    result = runner.invoke(
        main,
        [
            "--lang",
            "en",
            "match",
            str(firm),
            "--demand",
            str(buyer),
            "--demand",
            str(tea),
            "--meetings",
            "--format",
            "json,xlsx,html",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "1 matched, 1 without a supplier yet; 1 meeting(s); 0 file(s) failed" in result.output
    doc = load_matches(out)
    buyer_doc, tea_doc = doc["demands"]
    assert buyer_doc["status"] == "matched"
    top = buyer_doc["matches"][0]
    assert top["firm"] == "測試精密工業股份有限公司" and top["product_level"] == "hs6"
    assert any("Halal" in g["text"]["en"] for g in top["gaps"])  # missing certification: a gap
    assert tea_doc["status"] == "unmatched" and tea_doc["matches"] == []
    assert doc["meetings"][0]["market"]["iso3"] == "THA"
    wb = load_workbook(out / "matches.xlsx")
    assert any(n.startswith("D01 Bangkok Spindle") for n in wb.sheetnames)
    assert any(n.startswith("F01 測試精密工業") for n in wb.sheetnames)
    assert (out / "meetings.xlsx").is_file() and (out / "meetings.html").is_file()
    brief = (out / "測試精密工業股份有限公司" / "THA.html").read_text("utf-8")
    assert "Matchmaking with overseas demand" in brief and "Bangkok Spindle Buyers" in brief
    index = (out / "index.html").read_text("utf-8")
    assert 'href="meetings.html"' in index and 'href="matches.xlsx"' in index
    assert 'href="測試精密工業股份有限公司/THA.html"' in index


@pytest.mark.slow
def test_bad_files_are_reported_and_the_rest_completes(made_files, runner, tmp_path):
    tmp, firm, buyer, tea = made_files
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip at all")
    bad_country = from_template(
        CliRunner(), DEMAND, "en", {**BUYER, "country": "Japan"}, tmp_path / "jp.xlsx"
    )
    out = tmp_path / "out"
    result = runner.invoke(
        main,
        [
            "--lang",
            "en",
            "match",
            str(firm),
            str(buyer),
            str(tmp_path / "missing.xlsx"),
            "--demand",
            str(buyer),
            "--demand",
            str(firm),
            "--demand",
            str(broken),
            "--demand",
            str(bad_country),
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    err = result.output
    assert "buyer.xlsx" in err and "give it after --demand" in err  # a demand given as a firm
    assert "firm.xlsx" in err and "firm questionnaires go before --demand" in err
    assert "broken.xlsx" in err and "missing.xlsx" in err
    assert "jp.xlsx, sheet 'Respondent', cell C" in err and "(country)" in err
    doc = load_matches(out)
    assert [d["status"] for d in doc["demands"]] == ["matched"]  # the good pair still matched
    assert len(doc["errors"]) == 5
    rejected = load_workbook(out / "matches.xlsx")["Rejected files"]
    assert rejected.max_row >= 6


@pytest.mark.slow
def test_the_examples_show_real_matches_an_unmatched_demand_and_meetings(tmp_path, monkeypatch):
    run = run_match([EXAMPLES], [DEMAND_EXAMPLES], tmp_path / "out", meetings=True, lang="zh-TW")
    assert run.ok, [f.messages() for f in run.failures]
    outcomes = {o.demand.id: o for o in run.result.outcomes}
    assert len(outcomes) >= 8
    assert sum(o.status == "matched" for o in outcomes.values()) >= 6
    tea = outcomes["08-vn-tea-trading-buyer"]
    assert tea.status == "unmatched" and not tea.matches  # nobody makes tea: reported, kept
    machine = outcomes["01-th-siam-precision-buyer"].proposed[0]
    assert machine.firm_key == "宏進精密機械股份有限公司" and machine.product_level == "hs6"
    markets = {m.market for m in run.meetings}
    assert len(markets) >= 4
    for meeting in run.meetings:
        firms = {f.key: f for f in run.result.firms}
        themes = {firms[i.firm_key].theme.id for i in meeting.invites}
        drivers = {firms[i.firm_key].driver_type.id for i in meeting.invites}
        assert len(themes) == 1 and len(drivers) == 1  # one theme × driver type per meeting
    load_matches(tmp_path / "out")


def test_usage_errors_and_schema(runner, tmp_path):
    result = runner.invoke(main, ["match", str(tmp_path)])
    assert result.exit_code == 2 and "--demand" in result.output
    result = runner.invoke(main, ["match", "--demand", str(tmp_path)])
    assert result.exit_code == 2
    result = runner.invoke(main, ["match", "--schema"])
    assert result.exit_code == 0 and json.loads(result.output)["title"] == "exportkit match results"
    result = runner.invoke(main, ["match", "x.xlsx", "--demand", "y.xlsx", "--format", "docx"])
    assert result.exit_code == 2 and "docx" in result.output


def test_help_reads_in_the_users_language(runner, monkeypatch):
    zh = runner.invoke(main, ["--lang", "zh-TW", "match", "--help"])
    assert zh.exit_code == 0
    assert zh.output.startswith("用法：main match") and "選項：" in zh.output
    assert "媒合企業與海外需求" in zh.output and "範例：" in zh.output
    assert "填妥的海外市場需求調查檔或其資料夾" in zh.output  # --demand
    assert "（預設：json,xlsx）" in zh.output and "顯示此說明後結束。" in zh.output
    assert "Match firms with overseas demands" not in zh.output and "[default:" not in zh.output
    en = runner.invoke(main, ["--lang", "en", "match", "--help"])
    assert en.output.startswith("Usage: main match") and "Options:" in en.output
    assert "A filled market-demand survey" in en.output and "[default: json,xlsx]" in en.output
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in en.output)
    monkeypatch.setenv("EXPORTKIT_LANG", "zh-TW")
    assert "媒合企業與海外需求" in runner.invoke(main, ["match", "-h"]).output
    # the English page is unchanged by having shown the Chinese one
    assert runner.invoke(main, ["--lang", "en", "match", "--help"]).output == en.output


def test_every_option_of_match_has_help_in_both_languages():
    import click

    from exportkit.i18n import t

    command = main.commands["match"]
    ctx = click.Context(command, info_name="match")
    for param in command.get_params(ctx):
        if isinstance(param, click.Option):
            zh = command.option_text(param, ctx)
            assert zh and zh != param.help, param.name  # a Chinese text of its own
            assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), param.name
    assert t("match_help", "en") == command.help


def test_usage_errors_in_both_languages(runner, tmp_path):
    zh = runner.invoke(main, ["--lang", "zh-TW", "match", str(tmp_path)])
    assert zh.exit_code == 2 and "錯誤" in zh.output and "請以 --demand 指定需求調查檔" in zh.output
    en = runner.invoke(main, ["--lang", "en", "match", str(tmp_path)])
    assert en.exit_code == 2 and "give demand surveys or folders with --demand" in en.output
    zh = runner.invoke(main, ["--lang", "zh-TW", "match", "--demand", str(tmp_path)])
    assert zh.exit_code == 2 and "請指定企業問卷檔或資料夾" in zh.output
    zh = runner.invoke(main, ["--lang", "zh-TW", "match", "a", "--demand", "b", "--format", "docx"])
    assert zh.exit_code == 2 and "不支援的輸出格式：docx" in zh.output
