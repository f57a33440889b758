"""Scoring: item points, dimension means, weighted overall, band, driver type, batch stats."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import MINI_ANSWERS

from exportkit.models import Answers
from exportkit.questionnaire import load_definition, score_answers, score_files
from exportkit.questionnaire.filling import fill_template
from exportkit.questionnaire.scoring import item_points
from exportkit.questionnaire.stats import cronbach_alpha, percentiles, standings

VALUES = {
    "firm_name": "甲公司",
    "a_plan": 4,  # 75
    "a_risk": 2,  # reverse: 75
    "a_budget": True,  # 100
    "a_staff": "part",  # 50
    "b_rubric": 7,  # (7-1)/9 = 66.67
    "b_channels": ("agent", "online"),  # 80
    "b_markets": 3,  # 50
}


def answers(values=VALUES, def_id="mini-test") -> Answers:
    return Answers(def_id, "1.2.0", "zh-TW", "x.xlsx", dict(values))


def test_item_points_follow_the_documented_rules(mini_definition):
    d = load_definition(mini_definition)
    assert item_points(d.item("a_plan"), 1) == 0 and item_points(d.item("a_plan"), 5) == 100
    assert item_points(d.item("a_risk"), 5) == 0  # reverse-scored
    assert item_points(d.item("b_rubric"), 10) == 100 and item_points(d.item("b_rubric"), 1) == 0
    assert item_points(d.item("b_channels"), ("agent", "online", "branch")) == 100  # capped
    assert item_points(d.item("b_markets"), 0) == 0 and item_points(d.item("b_markets"), 7) == 100
    assert item_points(d.item("a_budget"), False) == 0
    assert item_points(d.item("employees"), 40) is None  # profile: not scored


def test_dimension_means_weighted_overall_band_and_driver(mini_definition):
    s = score_answers(answers())
    assert s.dimensions["dim_a"].score == 75.0
    assert s.dimensions["dim_b"].score == pytest.approx((200 / 3 + 80 + 50) / 3, abs=0.05)
    assert s.overall == pytest.approx(0.6 * 75 + 0.4 * 65.56, abs=0.05)
    assert s.band == "high" and s.driver_type == "type_a"
    assert s.strengths == ("dim_a",) and s.gaps == ("dim_b",)
    assert s.firm == "x"  # no Firm attached: the file name stands in


def test_unanswered_optional_items_are_left_out_and_reported(mini_definition):
    s = score_answers(answers())
    assert s.dimensions["dim_b"].answered == 3 and s.dimensions["dim_b"].items == 4
    assert s.coverage == pytest.approx(7 / 8)
    assert any("b_optional" in note for note in s.notes)
    with_optional = score_answers(answers({**VALUES, "b_optional": 5}))
    assert with_optional.coverage == 1.0
    assert with_optional.dimensions["dim_b"].score > s.dimensions["dim_b"].score


def test_low_answers_fall_in_the_low_band(mini_definition):
    low = {**VALUES, "a_plan": 1, "a_risk": 5, "a_budget": False, "a_staff": "none"}
    s = score_answers(answers(low))
    assert s.dimensions["dim_a"].score == 0 and s.band == "low" and s.driver_type == "type_b"


def test_percentiles_are_mid_ranks():
    assert percentiles([10, 20, 20, 40]) == [12.5, 50.0, 50.0, 87.5]
    assert percentiles([55]) == [50.0]


def test_cronbach_alpha_matches_a_hand_computation():
    rows = [[1, 2], [2, 3], [3, 3], [4, 5]]
    # item variances 1.6667 and 1.5833; total variance 6.25 → 2 × (1 − 3.25/6.25) = 0.96
    assert cronbach_alpha(rows) == pytest.approx(0.96, abs=1e-3)
    assert cronbach_alpha(rows[:2]) is None  # fewer than 3 firms
    assert cronbach_alpha([[3, 3], [3, 3], [3, 3]]) is None  # no variance


def test_a_batch_scores_good_files_and_records_bad_ones(mini_definition, tmp_path):
    files = []
    for n, level in enumerate((1, 3, 5)):
        values = {**MINI_ANSWERS, "a_plan": level, "a_risk": 6 - level, "firm_name": f"F{n}"}
        files.append(fill_template(mini_definition, "en", values, tmp_path / f"f{n}.xlsx"))
    (tmp_path / "notes.xlsx").write_text("not a workbook")
    ticks = []
    batch = score_files([tmp_path], progress=ticks.append)
    assert len(ticks) == 4 and len(batch.results) == 3 and len(batch.answers) == 3
    (failure,) = batch.failures
    assert failure.file.endswith("notes.xlsx") and "not an Excel file" in failure.messages()[0]
    assert [r.percentile for r in batch.results] == [16.7, 50.0, 83.3]
    assert batch.alpha["dim_a"] is not None and batch.alpha["dim_b"] is None  # dim_b constant


def test_score_answers_is_pure(mini_definition):
    a = answers()
    before = dataclasses.replace(a, values=dict(a.values))
    assert score_answers(a) == score_answers(a) and a == before


def test_standing_counts_say_exactly_how_many_firms_scored_lower():
    assert standings([10, 20, 20, 40]) == [(0, 0, 4), (1, 1, 4), (1, 1, 4), (3, 0, 4)]


def test_alpha_is_shown_only_from_the_definitions_minimum_with_n_and_the_caveat():
    from exportkit.questionnaire.summary import batch_record
    from exportkit.resources import examples_dir

    batch = score_files([str(examples_dir())])
    rel = batch.reliability
    assert rel is not None and rel.min_firms == 30
    # six firms: every dimension has its n, none an alpha
    assert set(batch.alpha_n.values()) == {6} and set(batch.alpha.values()) == {None}
    record = batch_record(batch, "en")
    assert record["alpha_min_firms"] == 30 and "formative" in record["alpha_note"]
    assert [r["standing"]["of"] for r in record["results"]] == [6] * 6
    assert sorted(r["standing"]["higher_than"] for r in record["results"]) == [0, 1, 2, 3, 4, 5]


def test_a_strength_is_a_best_dimension_that_reaches_the_definitions_least_score():
    # The SaaS example's three best dimensions are 81, 52 and 48: only the 81 is a strength
    # (export-readiness.yaml: strength_min, the lower bound of the export-capable band).
    from exportkit.questionnaire import read_answers
    from exportkit.resources import examples_dir

    assert load_definition("export-readiness").strength_min == 60
    score = score_answers(read_answers(str(examples_dir() / "06-software-saas.xlsx")))
    best = sorted(score.dimensions.values(), key=lambda s: -s.score)[:3]
    assert [round(s.score) for s in best] == [81, 52, 48]
    assert score.strengths == (best[0].id,)
    assert len(score.gaps) == 3  # the gaps are still the three lowest


def test_a_definition_refuses_a_strength_minimum_outside_0_to_100(tmp_path):
    import yaml

    from exportkit.errors import DefinitionError
    from exportkit.questionnaire.definition import load_definition_file
    from exportkit.resources import definitions_dir

    data = yaml.safe_load((definitions_dir() / "export-readiness.yaml").read_text("utf-8"))
    data["strength_min"] = 160
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DefinitionError, match="strength_min"):
        load_definition_file(path)
