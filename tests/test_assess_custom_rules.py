"""A calibrated rule book passed to ``run_assessment(rules=...)`` names its modes and themes in
every output — results.json, portfolio.xlsx, the HTML briefs and the terminal summary — even a
mode the shipped book does not have."""

from __future__ import annotations

import copy
from pathlib import Path

from openpyxl import load_workbook

from exportkit.assess import run_assessment
from exportkit.assess.summary import firm_lines
from exportkit.entry_mode import default_rulebook
from exportkit.entry_mode.rulebook import parse_rulebook
from exportkit.resources import examples_dir
from exportkit.results import load

EXAMPLE = next(Path(str(examples_dir())).glob("01*.xlsx"))
FRANCHISING = {"zh_TW": "加盟授權（自訂規則）", "en": "Franchising (custom rules)"}


def custom_book():
    data = copy.deepcopy(default_rulebook().raw)
    # a seventh mode, scored 100 before any rule fires and first of any mode scored 100
    data["modes"].append(
        {"id": "franchising", "commitment": 0, "base": 100, "label": dict(FRANCHISING)}
    )
    data["staged_paths"]["by_mode"]["franchising"] = {
        "once": {"zh_TW": "逐步擴大加盟網絡（測試）", "en": "grow the franchise network (test)"}
    }
    for theme in data["themes"]["items"]:
        theme["label"] = {k: f"{v} (custom)" for k, v in theme["label"].items()}
    return parse_rulebook(data, "custom-rules.yaml")


def test_a_custom_rule_book_names_its_own_modes_and_themes_in_every_output(tmp_path):
    run = run_assessment(
        [EXAMPLE],
        markets="TH,VN",
        formats="json,xlsx,html",
        outdir=tmp_path,
        rules=custom_book(),
        briefs=1,
        json_lang="both",
    )
    assert run.ok and run.settings.rules_version == default_rulebook().version
    (item,) = run.firms
    assert item.recommendations[0].entry_modes[0].mode == "franchising"

    doc = load(tmp_path / "results.json")
    market = doc["firms"][0]["markets"][0]
    assert market["recommended_mode"] == "franchising"
    assert market["entry_modes"][0]["label"] == {
        "zh-TW": FRANCHISING["zh_TW"],
        "en": FRANCHISING["en"],
    }
    assert doc["firms"][0]["theme"]["label"]["en"].endswith("(custom)")

    sheet = load_workbook(tmp_path / "portfolio.xlsx")["Portfolio"]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert row["Mode 1"] == FRANCHISING["en"]
    assert row["Strategy theme"].endswith("(custom)")

    (brief,) = [d.html for d in item.documents if d.kind == "brief"]
    html = (tmp_path / brief).read_text(encoding="utf-8")
    assert FRANCHISING["en"] in html and "(custom)" in html

    (line,) = firm_lines(run, "zh-TW")
    assert line.mode == FRANCHISING["zh_TW"]
