"""Definitions: every shipped one loads and is structurally sound; broken ones are refused."""

from __future__ import annotations

import copy

import pytest
import yaml
from conftest import FIXTURES

from exportkit.errors import DefinitionError
from exportkit.questionnaire import list_definitions, load_definition
from exportkit.questionnaire.definition import parse_definition
from exportkit.resources import definitions_dir

SHIPPED = sorted(n.name[:-5] for n in definitions_dir().iterdir() if n.name.endswith(".yaml"))
READINESS_DIMENSIONS = {
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
}


def mini() -> dict:
    return yaml.safe_load((FIXTURES / "questionnaires" / "mini-test.yaml").read_text("utf-8"))


@pytest.mark.parametrize("definition_id", SHIPPED)
def test_every_shipped_definition_loads_and_checks(definition_id):
    d = load_definition(definition_id)
    assert d.id == definition_id
    ids = [s.id for s in d.sections] + [i.id for i in d.items]
    assert len(ids) == len(set(ids))
    for item in d.items:
        assert item.label.zh_TW and item.label.en, item.id
        for option in item.options:
            assert option.label.zh_TW and option.label.en, (item.id, option.value)
        for anchor in item.anchors:
            assert anchor.label.zh_TW and anchor.label.en, item.id
    if d.kind == "assessment":
        assert sum(s.weight for s in d.dimensions) == pytest.approx(100)
        assert d.bands[0].min == 0 and d.bands[-1].max == 100
    else:  # a survey (the market-demand survey) records answers and scores nothing
        assert d.kind == "survey"
        assert not d.dimensions and not d.bands and not d.driver_types
        assert not any(i.scored for i in d.items)


def test_both_programme_questionnaires_ship():
    assert {"export-readiness", "ecosystem-evaluation"} <= set(list_definitions())


def test_export_readiness_has_the_fixed_dimension_ids_and_fills_a_firm():
    d = load_definition("export-readiness")
    assert {s.id for s in d.dimensions} == READINESS_DIMENSIONS
    assert all(3 <= len(s.items) <= 6 for s in d.dimensions)
    fields = {i.firm_field for i in d.items if i.firm_field}
    assert {"name", "tax_id", "hs_codes", "target_markets", "tacit_knowhow_share"} <= fields
    assert d.driver_types


def test_the_test_definition_loads_from_the_search_path(mini_definition):
    d = load_definition(mini_definition)
    assert [s.id for s in d.dimensions] == ["dim_a", "dim_b"]
    assert not d.item("b_optional").required and d.item("a_plan").required


def test_unknown_definition_is_a_clear_error():
    with pytest.raises(DefinitionError, match="unknown questionnaire definition 'nope'"):
        load_definition("nope")


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda d: d["sections"][1].update(weight=50), "sum to 90"),
        (lambda d: d["sections"][1]["items"][0]["label"].pop("en"), "missing en text"),
        (
            lambda d: d["sections"][2]["items"].append(copy.deepcopy(d["sections"][1]["items"][0])),
            "duplicate id",
        ),
        (lambda d: d["bands"][1].update(min=55), "gap or overlap"),
        (lambda d: d["bands"][1].update(max=90), "end at 100"),
        (lambda d: d["sections"][1].update(source=["nobody"]), "unknown methodology key"),
        (lambda d: d["sections"][1].update(referrals=["nowhere"]), "unknown programme"),
        (lambda d: d["sections"][1]["items"][0].update(type="slider"), "expected one of"),
        (lambda d: d["sections"][0]["items"][0].update(firm_field="ceo"), "unknown Firm field"),
        (lambda d: d["sections"][1]["items"][0]["anchors"].pop(3), "anchors for 1, 2, 3, 4"),
    ],
)
def test_structural_problems_are_refused_with_a_clear_message(break_it, message):
    data = mini()
    break_it(data)
    with pytest.raises(DefinitionError, match=message) as info:
        parse_definition(data, "broken.yaml")
    assert "broken.yaml" in str(info.value)
