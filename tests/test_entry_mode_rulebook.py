"""The rule book and the market-factors file are complete, cited, bilingual and consistent."""

from __future__ import annotations

import copy

import pytest

from exportkit.countries import NSB18
from exportkit.entry_mode.factors import market_facts
from exportkit.entry_mode.rulebook import (
    condition_factors,
    default_rulebook,
    load_rulebook,
    parse_rulebook,
)
from exportkit.errors import DefinitionError
from exportkit.models import ENTRY_MODES, SERVICE_MODES
from exportkit.resources import data_file, load_yaml


@pytest.fixture(scope="module")
def raw() -> dict:
    return load_yaml(data_file("entry_mode_rules.yaml"))


def test_shipped_rule_book_loads_with_a_version():
    book = default_rulebook()
    assert book.version and len(book.rules) >= 10


def test_modes_are_the_six_of_the_model_in_commitment_order():
    book = default_rulebook()
    goods = sorted(book.modes_for(services=False), key=lambda m: m.commitment)
    assert tuple(m.id for m in goods) == ENTRY_MODES


def test_a_services_firm_has_service_modes_of_its_own():
    services = default_rulebook().modes_for(services=True)
    assert tuple(m.id for m in sorted(services, key=lambda m: m.commitment)) == SERVICE_MODES


def test_rule_ids_are_unique_and_cover_the_table_r1_to_r10_with_r7_split():
    ids = [r.id for r in default_rulebook().rules]
    assert len(ids) == len(set(ids))
    table = {f"R{i}" for i in range(1, 11)} - {"R7"} | {"R7a", "R7b"}
    assert table <= set(ids) and "R7" not in ids


def test_every_rule_is_cited_bilingual_and_says_whether_it_is_heuristic():
    book = default_rulebook()
    for rule in book.rules:
        assert rule.sources and all(s in book.references for s in rule.sources), rule.id
        for text in (rule.title, rule.reason):
            assert text.zh_TW.strip() and text.en.strip(), rule.id
        assert isinstance(rule.heuristic, bool)
        assert rule.adjust or rule.veto, f"{rule.id} changes nothing"
    assert any(r.heuristic for r in book.rules) and any(not r.heuristic for r in book.rules)


def test_every_threshold_is_documented_and_used():
    book = default_rulebook()
    used = set()
    for node in [r.when for r in book.rules] + [a.when for a in book.fit_adjustments]:
        used |= {
            v
            for leaf in condition_factors(node)
            for k, v in leaf.items()
            if k != "factor" and isinstance(v, str)
        }
    for name, t in book.thresholds.items():
        assert t.rationale.en.strip() and t.rationale.zh_TW.strip() and t.unit, name
        assert t.source in book.references, name
        assert name in used, f"threshold {name} is never used"


def test_the_papers_the_method_rests_on_are_cited():
    refs = " ".join(r.full for r in default_rulebook().references.values())
    for author in ("Root", "Anderson", "Hill", "Agarwal", "Johanson", "Blomstermo", "Ekeledo"):
        assert author in refs


def test_three_themes_and_staged_paths_for_every_mode():
    book = default_rulebook()
    assert {t.label.zh_TW for t in book.themes} == {"技術加值融合", "市場商模共創", "製造體系互補"}
    assert set(book.staged) == set(ENTRY_MODES) | set(SERVICE_MODES)
    assert book.theme_source in book.references


def test_market_fit_components_are_weighted_and_cited():
    book = default_rulebook()
    assert abs(sum(c.weight for c in book.fit_components) - 1.0) < 1e-9
    for c in book.fit_components:
        assert c.source in book.references and c.reason.en and c.missing.zh_TW


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["rules"].append(copy.deepcopy(d["rules"][0])), "duplicate ids"),
        (lambda d: d["rules"][0]["reason"].pop("en"), "missing en text"),
        (lambda d: d["rules"][0].update(source=["nobody2024"]), "not in references"),
        (
            lambda d: d["rules"][0]["when"]["all"][1].update(lt="no_such_threshold"),
            "unknown threshold",
        ),
        (
            lambda d: d["rules"][0]["when"]["all"].append({"factor": "shoe_size", "gt": 3}),
            "unknown factor",
        ),
        (lambda d: d["rules"][0]["adjust"].update(franchise=10), "unknown mode"),
        (lambda d: d["thresholds"]["small_employees"].pop("rationale_zh_TW"), "rationale"),
        (lambda d: d["thresholds"]["small_employees"].pop("source"), "missing source"),
        (lambda d: d["rules"][0].pop("heuristic"), "heuristic"),
        (lambda d: d["rules"][1]["reason"].update(en="see {nonsense}"), "placeholder"),
        (lambda d: d["staged_paths"]["by_mode"]["indirect_export"]["next"][0].pop("once"), "once"),
        (
            lambda d: d["staged_paths"]["by_mode"]["direct_export"]["next"].append(
                {"mode": "franchise"}
            ),
            "known mode",
        ),
        (lambda d: d["messages"].pop("no_theme"), "messages.no_theme"),
        (lambda d: d["rules"][0].pop("rests_on"), "rests_on must say"),
        (lambda d: d["rules"][0]["rests_on"][0].update(source="nobody2024"), "rests_on"),
        (lambda d: d["modes"][0].update(offering=["franchises"]), "offering"),
    ],
)
def test_a_broken_rule_book_is_refused_with_the_problem_named(raw, mutate, message):
    data = copy.deepcopy(raw)
    mutate(data)
    with pytest.raises(DefinitionError, match=message):
        parse_rulebook(data, "custom.yaml")


def test_a_custom_rules_file_can_be_loaded(tmp_path, raw):
    import yaml

    data = copy.deepcopy(raw)
    data["version"] = "9.9.9-test"
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert load_rulebook(path).version == "9.9.9-test"
    with pytest.raises(DefinitionError, match="cannot read"):
        load_rulebook(tmp_path / "missing.yaml")


def test_market_factors_cover_every_new_southbound_country_with_citations():
    book = market_facts()
    levels = book.raw["levels"]
    assert book.version
    assert set(book.countries) == set(NSB18)
    for iso3, facts in book.countries.items():
        assert facts.foreign_ownership in levels["foreign_ownership"], iso3
        assert facts.foreign_ownership_law, f"{iso3}: cite the law"
        assert (
            facts.foreign_ownership_note
            and facts.foreign_ownership_note.zh_TW
            and facts.foreign_ownership_note.en
        )
        assert facts.psychic_distance in levels["psychic_distance"], iso3
        assert facts.psychic_distance_evidence and facts.psychic_distance_evidence.en, iso3
        unverified = book.raw["countries"][iso3]["taiwanese_business"].get("unverified", False)
        assert facts.taiwanese_business in levels["taiwanese_business"] or (
            facts.taiwanese_business is None and unverified
        ), iso3
        assert facts.taiwanese_source in book.sources, iso3
        for stop in facts.showstoppers:
            assert stop.hs_prefixes and stop.source and stop.reason.zh_TW and stop.reason.en
            assert all(p.isdigit() and len(p) in (4, 6) for p in stop.hs_prefixes)
    for level in {v for vs in levels.values() for v in vs}:
        assert book.level_labels[level].zh_TW and book.level_labels[level].en


def test_no_oecd_figure_is_recorded_without_a_checked_value():
    # Figures are recorded only when checked; the file says none is yet, so none may appear.
    for iso3, entry in market_facts().raw["countries"].items():
        assert "oecd_fdi_rri" not in entry.get("foreign_ownership", {}), iso3


def _text_nodes(node, path=""):
    if isinstance(node, dict):
        if "zh_TW" in node or "en" in node:
            yield path, node
        for key, value in node.items():
            yield from _text_nodes(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _text_nodes(value, f"{path}[{i}]")


@pytest.mark.parametrize("name", ["entry_mode_rules.yaml", "market_factors.yaml"])
def test_every_bilingual_text_is_whole(name):
    # An unquoted comma in a YAML flow mapping silently splits a text; catch it here.
    for path, node in _text_nodes(load_yaml(data_file(name))):
        assert set(node) == {"zh_TW", "en"}, path
        for text in node.values():
            assert isinstance(text, str) and text.strip(), path
            assert text.count("(") == text.count(")"), path
            assert text.count("（") == text.count("）"), path


def test_every_driver_type_of_the_questionnaire_selects_one_theme_by_its_own_name():
    from exportkit.questionnaire.definition import load_definition

    definition = load_definition("export-readiness")
    themes = default_rulebook().themes
    for dt in definition.driver_types:
        (theme,) = [t for t in themes if dt.id in t.driver_types]
        assert theme.driver_label.zh_TW == dt.label.zh_TW and theme.driver_label.en == dt.label.en


def test_a_calibrated_copy_that_cannot_be_read_names_the_file_and_why(tmp_path):
    from exportkit.entry_mode.rulebook import load_rulebook
    from exportkit.errors import DefinitionError

    gone = tmp_path / "rules.yaml"
    with pytest.raises(DefinitionError) as missing:
        load_rulebook(gone)
    assert missing.value.message("zh-TW") == f"{gone}：無法讀取規則檔（找不到此檔案或資料夾）"
    assert (
        missing.value.message("en")
        == f"{gone}: cannot read the rules file (no such file or folder)"
    )
    gone.write_text("modes:\n  - [direct,\n", encoding="utf-8")
    with pytest.raises(DefinitionError) as broken:
        load_rulebook(gone)
    assert broken.value.message("zh-TW") == f"{gone}：規則檔不是有效的 YAML，第 3 行第 1 欄有誤"
    assert f"{gone}: the rules file is not valid YAML at line 3, column 1 (" in (
        broken.value.message("en")
    )
