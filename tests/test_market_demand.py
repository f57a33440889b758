"""The market-demand survey on the questionnaire engine: a survey kind, shared vocabularies,
an English workbook without Chinese, strict validation with file/sheet/cell errors, examples."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from exportkit.assess.demands import demand_from_answers
from exportkit.cli import main
from exportkit.errors import DefinitionError, WorkbookError, WorkbookErrors
from exportkit.match.criteria import default_criteria
from exportkit.questionnaire import load_definition, read_answers, score_answers, write_template
from exportkit.questionnaire.definition import parse_definition
from exportkit.questionnaire.filling import fill_template
from exportkit.questionnaire.template import META_SHEET
from exportkit.questionnaire.vocabulary import has_chinese, vocabulary
from exportkit.resources import definitions_dir, demand_examples_dir, examples_dir

ROOT = Path(__file__).resolve().parents[1]
DEMAND = default_criteria().demand_questionnaire
RAW = yaml.safe_load((Path(str(definitions_dir())) / f"{DEMAND}.yaml").read_text("utf-8"))

ANSWERS_EN = {
    "organisation": "Siam Test Buyer Co., Ltd.",
    "respondent_type": "Buyer (manufacturer or end purchaser)",
    "country": "Thailand",
    "contact_name": "Somchai, Buyer",
    "contact_email": "somchai@example.com",
    "consent_to_share": "No",
    "products": "CNC spindle housings",
    "hs_codes": "846693",
    "industry": "Machinery and components (incl. machine tools)",
    "annual_volume_usd": "250,000",
    "partnerships": "OEM or ODM manufacturing, Import and distribution",
    "timing": "In 3 to 6 months",
    "certifications": "ISO 9001, Halal",
    "supplier_experience": "Has exported before",
}


def filled(tmp_path: Path, lang: str = "en", **changes) -> Path:
    answers = {**ANSWERS_EN, **changes}
    return fill_template(DEMAND, lang, answers, tmp_path / f"demand-{len(changes)}-{lang}.xlsx")


def errors_of(path: Path) -> list[WorkbookError]:
    with pytest.raises(WorkbookErrors) as info:
        read_answers(path)
    return info.value.errors


# --- the definition ----------------------------------------------------------------------------


def test_the_demand_survey_is_a_survey_for_overseas_respondents():
    d = load_definition(DEMAND)
    assert (d.kind, d.respondents, d.scored) == ("survey", "overseas", False)
    assert not d.dimensions and not d.bands and not d.driver_types
    required = {i.id for i in d.items if i.required}
    assert {"organisation", "respondent_type", "country", "products", "partnerships"} <= required


def test_certifications_and_industries_are_one_list_shared_with_the_firm_questionnaire():
    firm, survey = load_definition("export-readiness"), load_definition(DEMAND)
    for firm_item, vocab in (("certifications", "certifications"), ("industry", "industries")):
        survey_item = "certifications" if vocab == "certifications" else "industry"
        assert firm.item(firm_item).options == survey.item(survey_item).options
        assert firm.item(firm_item).options == vocabulary(vocab)
    assert [o.value for o in survey.item("country").options] == list(
        __import__("exportkit").countries.NSB18
    )


def test_english_texts_of_the_survey_contain_no_chinese():
    d = load_definition(DEMAND)
    texts = [d.title.en, d.instructions.en]
    for s in d.sections:
        texts += [s.title.en, s.description.en if s.description else ""]
        for i in s.items:
            texts += [i.label.en, i.help.en if i.help else ""] + [o.label.en for o in i.options]
    assert not [t for t in texts if has_chinese(t)]


def test_an_overseas_definition_with_chinese_in_english_is_refused():
    data = copy.deepcopy(RAW)
    data["sections"][0]["items"][0]["label"]["en"] = "Organisation name (單位名稱)"
    with pytest.raises(DefinitionError, match=r"items.organisation.label.en.*no Chinese"):
        parse_definition(data)


@pytest.mark.parametrize(
    "edit,message",
    [
        (lambda d: d.update(kind="assessment"), "assessment needs at least one scored section"),
        (lambda d: d.update(kind="poll"), "kind"),
        (lambda d: d.update(respondents="martians"), "respondents"),
        (
            lambda d: d["sections"][2]["items"][0].update(
                options=[{"value": "x", "label": {"zh-TW": "x", "en": "x"}}]
            ),
            "options or a vocabulary",
        ),
        (lambda d: d["sections"][2]["items"][0].update(vocabulary="stamps"), "unknown vocabulary"),
    ],
)
def test_inconsistent_survey_definitions_are_refused(edit, message):
    data = copy.deepcopy(RAW)
    edit(data)
    with pytest.raises(DefinitionError, match=message):
        parse_definition(data)


# --- the English-only workbook -----------------------------------------------------------------


def visible_texts(path: Path) -> list[str]:
    wb = load_workbook(path)
    texts = []
    for ws in wb.worksheets:
        if ws.title == META_SHEET:
            continue  # hidden, machine-read: id, version, language
        texts.append(ws.title)
        for row in ws.iter_rows():
            texts += [c.value for c in row if isinstance(c.value, str)]
        for dv in ws.data_validations.dataValidation:
            texts += [t for t in (dv.prompt, dv.promptTitle, dv.error, dv.errorTitle) if t]
    return texts


def test_the_english_template_is_readable_without_any_chinese(tmp_path):
    path = write_template(DEMAND, "en", tmp_path / "demand-en.xlsx")
    texts = visible_texts(path)
    assert "Overseas market demand survey" in texts
    assert not [t for t in texts if has_chinese(t)]


def test_the_zh_template_and_the_firm_questionnaire_keep_their_bilingual_title(tmp_path):
    zh = load_workbook(write_template(DEMAND, "zh-TW", tmp_path / "demand-zh.xlsx"))
    assert zh.worksheets[0]["B3"].value == "Overseas market demand survey"
    firm = load_workbook(write_template("export-readiness", "en", tmp_path / "firm-en.xlsx"))
    assert has_chinese(firm.worksheets[0]["B3"].value)  # domestic respondents: unchanged


# --- reading and strict validation -------------------------------------------------------------


def test_a_filled_english_survey_reads_into_a_demand(tmp_path):
    answers = read_answers(filled(tmp_path))
    demand = demand_from_answers(answers, load_definition(DEMAND), default_criteria())
    assert demand.country == "THA" and demand.hs_codes == ("846693",)
    assert [p.id for p in demand.partnerships] == ["oem_odm", "import_distribution"]
    assert [c.id for c in demand.certifications] == ["iso9001", "halal"]
    assert demand.annual_volume_usd == 250_000
    assert demand.consent_to_share is False
    assert demand.shown("en") == "A buyer in Thailand (anonymous)"
    assert demand.shown("zh-TW") == "泰國的買主（不具名）"


def test_a_survey_typed_in_chinese_reads_the_same(tmp_path):
    zh = {
        **ANSWERS_EN,
        "respondent_type": "買主（製造商或終端採購者）",
        "country": "泰國",
        "consent_to_share": "是",
        "partnerships": "代工生產（OEM 或 ODM）、進口經銷",
        "certifications": "ISO 9001、清真",
    }
    answers = read_answers(fill_template(DEMAND, "zh-TW", zh, tmp_path / "zh.xlsx"))
    demand = demand_from_answers(answers, load_definition(DEMAND), default_criteria())
    assert demand.country == "THA" and demand.consent_to_share
    assert [c.id for c in demand.certifications] == ["iso9001", "halal"]
    assert demand.shown("en") == "Siam Test Buyer Co., Ltd."


@pytest.mark.parametrize(
    "item,value,sheet",
    [
        ("country", "Japan", "Respondent"),  # not one of the 18 markets
        ("hs_codes", "84A1", "Demand"),
        ("partnerships", "Franchising", "Demand"),
        ("annual_volume_usd", "lots", "Demand"),
        ("certifications", "ISO 27001", "Supplier requirements"),
        ("consent_to_share", "maybe", "Respondent"),
    ],
)
def test_bad_answers_are_named_by_file_sheet_and_cell(tmp_path, item, value, sheet):
    path = filled(tmp_path, **{item: value})
    (error,) = errors_of(path)
    assert (error.file, error.sheet, error.item) == (str(path), sheet, item)
    assert error.cell and error.cell.startswith("C")
    assert error.got == value
    assert "工作表" in error.message("zh-TW") and "sheet" in error.message("en")


def test_a_required_answer_left_blank_is_named(tmp_path):
    (error,) = errors_of(filled(tmp_path, products=None))
    assert error.item == "products" and "required" in error.message("en")


def test_other_certification_without_its_name_is_an_error_at_that_cell(tmp_path):
    answers = read_answers(filled(tmp_path, certifications="ISO 9001, Other"))
    with pytest.raises(WorkbookError) as info:
        demand_from_answers(answers, load_definition(DEMAND), default_criteria())
    error = info.value
    assert (error.sheet, error.item) == ("Supplier requirements", "certifications_other")
    assert error.cell and error.cell.startswith("C")
    assert "其他" in error.message("zh-TW")


def test_a_survey_is_not_scored_and_says_where_it_belongs(tmp_path):
    answers = read_answers(filled(tmp_path))
    with pytest.raises(WorkbookError) as info:
        score_answers(answers)
    assert info.value.sheet == META_SHEET and "exportkit match --demand" in info.value.message("en")
    assert "exportkit match --demand" in info.value.message("zh-TW")


def test_questionnaire_commands_on_a_survey(tmp_path, runner):
    path = filled(tmp_path)
    ok = runner.invoke(main, ["questionnaire", "validate", str(path)])
    assert ok.exit_code == 0, ok.output
    scored = runner.invoke(main, ["questionnaire", "score", str(path)])
    assert scored.exit_code == 1
    assert "exportkit match --demand" in scored.output
    assert "Traceback" not in scored.output
    tpl = runner.invoke(
        main,
        [
            "questionnaire",
            "template",
            "--definition",
            DEMAND,
            "--lang",
            "en",
            "-o",
            str(tmp_path / "t.xlsx"),
        ],
    )
    assert tpl.exit_code == 0 and (tmp_path / "t.xlsx").is_file()


# --- the shipped examples ----------------------------------------------------------------------


def _script():
    spec = importlib.util.spec_from_file_location(
        "make_demand_examples", ROOT / "scripts" / "make_demand_examples.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_demand_examples_match_the_script_and_cover_the_respondents(tmp_path):
    module = _script()
    shipped = {p.name: p for p in demand_examples_dir().iterdir() if p.name.endswith(".xlsx")}
    assert {d["file"] for d in module.DEMANDS} == set(shipped)
    assert len(shipped) >= 8
    definition, book = load_definition(DEMAND), default_criteria()
    demands = []
    for fresh in module.make_demand_examples(tmp_path):
        answers = read_answers(shipped[fresh.name])
        assert read_answers(fresh).values == answers.values, fresh.name
        demands.append(demand_from_answers(answers, definition, book))
    assert len({d.country for d in demands}) >= 4
    assert {d.respondent_type.id for d in demands} == {
        "buyer",
        "distributor",
        "association",
        "government",
        "system_integrator",
    }
    assert {d.lang for d in demands} == {"en", "zh-TW"}
    assert any(not d.consent_to_share for d in demands)


@pytest.mark.slow
def test_assess_reports_a_survey_and_assesses_the_rest(tmp_path, runner):
    firm = next(p for p in Path(str(examples_dir())).iterdir() if p.name.endswith(".xlsx"))
    result = runner.invoke(
        main,
        [
            "assess",
            str(firm),
            str(filled(tmp_path)),
            "--markets",
            "TH",
            "-o",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 1
    assert "Assessed 1 firm(s)" in result.output
    assert "exportkit match --demand" in result.output and "Traceback" not in result.output
