"""The matching criteria file agrees with the data it refers to, and a broken one is refused."""

from __future__ import annotations

import copy

import pytest
import yaml

from exportkit.assess import run_match
from exportkit.assess.match import checked_criteria
from exportkit.entry_mode import default_rulebook
from exportkit.errors import DefinitionError
from exportkit.match.criteria import WEIGHTED, default_criteria, load_criteria, parse_criteria
from exportkit.questionnaire import load_definition
from exportkit.questionnaire.vocabulary import vocabulary
from exportkit.resources import data_file, load_yaml

BOOK = default_criteria()
RAW = load_yaml(data_file("match_criteria.yaml"))


def test_weights_sum_to_100_and_every_criterion_cites_a_source():
    assert sum(c.weight for c in BOOK.weighted) == pytest.approx(100)
    assert [c.id for c in BOOK.weighted] == list(WEIGHTED)
    for info in BOOK.info():
        assert info.source and info.title.zh_TW and info.title.en
    assert BOOK.min_score <= BOOK.strong_score


def test_band_ids_and_capacity_item_are_those_of_the_firm_questionnaire():
    firm_bands = [b.id for b in load_definition("export-readiness").bands]
    assert list(BOOK.band_points) == firm_bands  # lowest first, as the definition lists them
    item = load_definition("export-readiness").item(BOOK.capacity_item)
    assert item.type == "likert" and set(BOOK.spare_share) == {1, 2, 3, 4, 5}
    assert list(BOOK.spare_share.values()) == sorted(BOOK.spare_share.values())


def test_partnerships_experience_and_respondent_types_are_those_of_the_demand_survey():
    survey = load_definition(BOOK.demand_questionnaire)
    assert {o.value for o in survey.item("partnerships").options} == set(BOOK.partnership_modes)
    assert {o.value for o in survey.item("supplier_experience").options} == set(BOOK.min_band)
    assert {o.value for o in survey.item("respondent_type").options} == set(BOOK.anonymous_types)


def test_modes_and_themes_are_those_of_the_entry_mode_rule_book():
    rules = default_rulebook()
    modes = {m.id for m in rules.modes}
    assert all(set(ms) <= modes for ms in BOOK.partnership_modes.values())
    assert set(BOOK.prepare_by_theme) == {t.id for t in rules.themes}


CERTIFICATIONS = {o.value for o in vocabulary("certifications")}


def test_certification_hints_name_vocabulary_ids():
    assert set(BOOK.certification_hints) <= CERTIFICATIONS
    assert checked_criteria(BOOK) is BOOK


def test_a_hint_outside_the_vocabulary_is_refused_where_the_run_checks_it(tmp_path):
    data = copy.deepcopy(RAW)
    data["criteria"]["certifications"]["hints"]["iso9999"] = {"zh-TW": "x", "en": "x"}
    unchecked = parse_criteria(data)  # the engine alone does not know the vocabulary …
    with pytest.raises(DefinitionError, match="iso9999"):
        checked_criteria(unchecked)  # … the orchestration refuses it before any work
    with pytest.raises(DefinitionError, match="iso9999"):
        run_match([tmp_path / "none"], [tmp_path / "none"], tmp_path, criteria=unchecked)


def test_heuristic_parts_say_so():
    assert RAW["product"]["heuristic"] is True
    for cid in ("capacity", "readiness", "entry_mode", "target_market"):
        assert RAW["criteria"][cid]["heuristic"] is True, cid


@pytest.mark.parametrize(
    "edit,message",
    [
        (lambda d: d["criteria"]["capacity"].update(weight=25), "weights sum to 105"),
        (lambda d: d["criteria"]["readiness"].update(source=["nobody2020"]), "nobody2020"),
        (lambda d: d["criteria"]["certifications"]["reasons"].pop("all_held"), "all_held"),
        (
            lambda d: d["criteria"]["certifications"]["hints"].update(
                iso9999={"zh-TW": "x", "en": "x"}
            ),
            "iso9999",
        ),
        (lambda d: d["product"]["levels"]["hs4"].update(factor=1.5), "hs4.factor"),
        (lambda d: d["criteria"]["readiness"]["min_band"].update(any="gold"), "gold"),
        (
            lambda d: d["meetings"]["prepare_by_partnership"].pop("licensing"),
            "one text per partnership",
        ),
        (lambda d: d["thresholds"]["strong_score"].update(value=10), "strong_score"),
    ],
)
def test_a_broken_criteria_file_is_refused_naming_the_problem(edit, message):
    data = copy.deepcopy(RAW)
    edit(data)
    with pytest.raises(DefinitionError, match=message):
        parse_criteria(data, certifications=CERTIFICATIONS)


def test_a_calibrated_copy_loads_from_a_file(tmp_path):
    data = copy.deepcopy(RAW)
    data["version"] = "1.0.1-calibrated"
    data["thresholds"]["min_score"]["value"] = 40
    path = tmp_path / "criteria.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    book = load_criteria(path)
    assert (book.version, book.min_score) == ("1.0.1-calibrated", 40)
    with pytest.raises(DefinitionError, match="cannot read"):
        load_criteria(tmp_path / "missing.yaml")
