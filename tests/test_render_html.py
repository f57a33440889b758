"""What the HTML documents say: figures with sources, missing figures with crawl commands,
inert hostile names, self-containment. Built from TEST DATA (tests/report_samples.py)."""

from __future__ import annotations

import dataclasses
import html as htmllib
import re
from dataclasses import replace

import markupsafe
import pytest
import report_samples as S

from exportkit.errors import RenderError
from exportkit.render import IndexRow, render_brief, render_index, render_readiness
from exportkit.render.labels import label_catalog
from exportkit.render.views.brief import brief_view

HOSTILE = ["<script>alert(1)</script>", '=HYPERLINK("http://x")']


def text_of(doc: str) -> str:
    """Visible text, roughly: tags stripped, entities decoded."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", doc, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", body))


def assert_self_contained(doc: str) -> None:
    assert "<link" not in doc
    assert "@import" not in doc
    assert not re.search(r"\burl\(", doc)
    for src in re.findall(r'\bsrc="([^"]*)"', doc):
        assert src.startswith("data:image/svg+xml;base64,"), src
    assert "default-src 'none'" in doc


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_brief_shows_every_figure_with_its_source_and_year(lang):
    doc = render_brief(S.brief(lang=lang), trend=S.sample_trend(), trade_source=S.TRADE_SOURCE)
    text = text_of(doc)
    assert_self_contained(doc)
    assert ("US$5,100 億" if lang == "zh-TW" else "US$510 billion") in text  # GDP
    assert ("US$48 億" if lang == "zh-TW" else "US$4.8 billion") in text  # imports of the HS codes
    assert "11.5%" in text and "6.3%" in text
    if lang == "en":
        assert (
            "Taiwan supplies 11.5% of these imports; the largest supplier is China (41.0%)." in text
        )
        assert "MFN tariffs on these products range from 0.0% to 5.0%." in text
    assert "NY.GDP.MKTP.CD" in text and "2023" in text
    # Sources section lists the trade figures' provenance with its retrieval date.
    assert "https://example.invalid/test-fixture/comtrade" in text
    assert "2026-11-20" in text
    assert ("泰國" if lang == "zh-TW" else "Thailand") in text
    assert ("直接出口" if lang == "zh-TW" else "Direct export") in text
    assert S.recommendation().staged_path.en in text or S.recommendation().staged_path.zh_TW in text


def test_missing_figures_say_so_without_a_shell_command():
    # The brief is for the client: it names each gap and where the consultant finds how to
    # fill it, but shows no command (the commands go to the portfolio index and the terminal).
    # It names that page and its section by their own headings, so the consultant finds them.
    b = S.brief(lang="en", with_trade=False)
    text = text_of(render_brief(b))
    assert "Not in the market database yet" in text
    labels = label_catalog()["labels"]
    assert f'{labels["fill_title"]["en"]}" in the {labels["index_title"]["en"]}' in text
    assert "exportkit crawl" not in text and "exportkit data" not in text
    assert "crawler" not in text
    view = brief_view(b)
    commands = [c for c, _ in view.missing_commands]
    assert "exportkit crawl comtrade --countries THA --hs 8471,847330" in commands
    assert "exportkit crawl wits_tariffs --countries THA --hs 8471,847330" in commands
    zh = text_of(render_brief(S.brief(lang="zh-TW", with_trade=False)))
    assert "資料庫尚無此項資料" in zh and "exportkit crawl" not in zh and "爬蟲" not in zh
    assert f"「{labels['index_title']['zh-TW']}」的「{labels['fill_title']['zh-TW']}」" in zh
    assert "imported" not in text and "range from" not in text  # no finding without its figure
    # The product view without product data: no invented trade figure and no shell command,
    # one sentence on how the product view is obtained (issue 11.7)
    product = text.split("Product view", 2)[-1].split("Attractiveness rank and robustness")[0]
    assert "US$" not in product and "exportkit" not in product
    assert "CEPII's BACI or UN Comtrade" in product
    assert "crawl comtrade" not in text and "crawl wits_tariffs" not in text


def test_a_trade_figure_without_provenance_is_treated_as_missing():
    doc = render_brief(S.brief(lang="en"))  # figures present, but no trade_source given
    text = text_of(doc)
    assert "US$4.8 billion" not in text
    assert "CEPII's BACI or UN Comtrade" in text
    assert "exportkit crawl" not in text


def test_a_refused_trend_prints_its_reason():
    fit = S.sample_trend([2021, 2022, 2023], [1e9, 1.1e9, 1.2e9])
    assert not fit.ok
    text = text_of(render_brief(S.brief(lang="en"), trend=fit, trade_source=S.TRADE_SOURCE))
    assert "No trend drawn: too short: 3 years of data" in text
    zh = text_of(render_brief(S.brief(lang="zh-TW"), trend=fit, trade_source=S.TRADE_SOURCE))
    assert "資料點太少" in zh


def test_a_firm_without_hs_codes_gets_no_product_view():
    b = S.brief(lang="zh-TW")
    b = replace(b, firm=replace(b.firm, hs_codes=()))
    text = text_of(render_brief(b))
    assert "問卷未填產品 HS 代碼" in text
    assert "--hs CODE" not in text


def test_several_markets_make_one_document_with_a_table_of_contents():
    doc = render_brief(
        [S.brief("THA", lang="en"), S.brief("VNM", lang="en", rank=2)],
        trends=[S.sample_trend(), None],
        trade_sources=[S.TRADE_SOURCE, S.TRADE_SOURCE],
    )
    assert '<nav class="toc"' in doc
    assert 'href="#market-tha"' in doc and 'id="market-vnm"' in doc
    assert "Country brief: Vietnam" in doc


def test_a_single_market_has_no_table_of_contents():
    assert '<nav class="toc"' not in render_brief(S.brief(lang="en"))


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_firm_names_come_out_as_text(name):
    b = S.brief(lang="en", name=name)
    for doc in (
        render_brief(b, trend=S.sample_trend(), trade_source=S.TRADE_SOURCE),
        render_readiness(S.readiness(name), S.firm(name), "zh-TW"),
        render_index([IndexRow(S.readiness(name), S.firm(name), "x/r.html")], "en"),
    ):
        assert "<script>alert(1)" not in doc
        assert str(markupsafe.escape(name)) in doc
        assert 'http://x"' not in doc  # never a live attribute or link
        assert name in text_of(doc)


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_readiness_report_shows_band_percentile_change_and_referrals(lang):
    doc = render_readiness(S.readiness(), S.firm(), lang, previous=S.readiness(shift=-6))
    text = text_of(doc)
    assert_self_contained(doc)
    # the standing said in counts, exactly true: never "ahead of 72 %" for a mid-rank
    assert (
        "高於本批 6 家受評企業中的 4 家" if lang == "zh-TW" else "than 4 of the 6 firms"
    ) in text
    assert "P75" not in text
    assert "+6.0" in text  # change since the previous assessment
    assert ("發展中" if lang == "zh-TW" else "Developing") in text
    assert "www.iti.org.tw" in text  # referral for the people/languages gap
    assert ("永續經營" if lang == "zh-TW" else "Sustainability") in text
    assert "<svg" not in doc and "data:image/svg+xml;base64," in doc  # radar as an image


def test_readiness_without_previous_or_percentile_says_so():
    text = text_of(render_readiness(S.readiness(percentile=None), S.firm(), "en"))
    assert "first assessment" in text
    assert "Assessed on its own" in text


def test_index_lists_firms_with_links_and_band_distribution():
    rows = [
        IndexRow(
            S.readiness("甲公司"),
            S.firm("甲公司"),
            "甲公司/readiness.html",
            (("THA", "甲公司/THA.html"),),
            "THA",
        ),
        IndexRow(S.readiness("Beta Co", shift=15), S.firm("Beta Co"), "Beta-Co/readiness.html"),
    ]
    doc = render_index(rows, "zh-TW")
    assert 'href="甲公司/THA.html"' in doc and ">泰國</a>" in doc
    assert 'data-band="developing"' in doc and 'data-band="nearly_ready"' in doc
    assert "<script>" in doc and "fetch(" not in doc and "XMLHttpRequest" not in doc
    assert_self_contained(doc)


def test_render_brief_needs_a_brief():
    with pytest.raises(RenderError):
        render_brief([])


def test_band_names_come_from_the_questionnaire_definition_or_the_fallback_labels():
    from exportkit.questionnaire import load_definition
    from exportkit.render.definition import band_label, band_rank

    readiness = load_definition("export-readiness")
    assert band_label(readiness, "export_capable", "zh-TW") == "具出口實力"
    assert band_label(readiness, "export_capable", "en") == "Export capable"
    assert band_label(None, "mystery_band", "en") == "mystery_band"
    assert band_rank(readiness, "internationally_mature") < band_rank(readiness, "not_ready")


def test_an_excluded_unranked_market_says_so_instead_of_recommending():
    b = S.brief(lang="en", with_trade=False)
    rec = b.recommendation
    veto = S.FiredRule(
        "R10", S.Text("禁止輸入（測試資料）", "Product banned from import (test data)")
    )
    b = replace(
        b,
        recommendation=replace(rec, fit=replace(rec.fit, excluded=True, reasons=(veto,))),
        market=replace(b.market, score=None),
    )
    text = text_of(render_brief(b))
    assert "This market is excluded" in text
    assert "Product banned from import (test data)" in text
    assert "This market has not been ranked." in text
    assert "Talk to two or three trading companies" not in text  # no next steps for a mode


def test_rank_robustness_reads_the_rank_it_is_about():
    from exportkit.render.labels import Labels
    from exportkit.render.views.brief import _robustness

    L = Labels("en")
    assert _robustness(L, 0.95, 1) == L.robust_high  # a leader that stays in the top three
    assert _robustness(L, 0.3, 2) == L.robust_low  # a leader only under the default weights
    below = _robustness(L, 0.0, 6, "en")  # never top three: said as a fact, not "fragile"
    assert below != L.robust_low and "top three" in below and "0" in below
    assert _robustness(L, None, 6) == L.robust_unknown


def test_the_portfolio_index_lists_the_fill_commands_for_consultants():
    b = S.brief(lang="zh-TW", with_trade=False)
    row = IndexRow(b.readiness, b.firm, "r.html", (("THA", "THA.html"),), "THA")
    text = text_of(render_index([row], "zh-TW"))
    assert "資料補齊（顧問用）" in text
    assert "exportkit crawl comtrade --countries THA --hs 8471,847330" in text
    assert "exportkit crawl wits_tariffs --countries THA --hs 8471,847330" in text
    assert "exportkit data import DIR" in text


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_the_readiness_report_says_what_a_strength_is_and_credits_none_below_it(lang):
    # The SaaS example's best dimensions score 81, 52 and 48: one strength, and the report
    # states the rule, so "why is people & languages not a strength?" has its answer.
    from exportkit.questionnaire import load_definition, read_answers, score_answers
    from exportkit.render.labels import content
    from exportkit.resources import examples_dir

    answers = read_answers(str(examples_dir() / "06-software-saas.xlsx"))
    score = score_answers(answers)
    definition = load_definition(score.definition_id)
    text = text_of(render_readiness(score, answers.firm, lang, definition=definition))
    labels = label_catalog()["labels"]
    assert labels["strengths_rule"][lang].format(min="60") in text
    advice = content()["dimensions"]
    assert advice["digital_capability"]["strength"][lang] in text
    assert advice["people_languages"]["strength"][lang] not in text  # its 48 is no strength
    # no dimension reaches 60: the report names the best one and its score instead
    dims = dict(score.dimensions)
    dims["digital_capability"] = dataclasses.replace(dims["digital_capability"], score=55.0)
    weak = dataclasses.replace(score, dimensions=dims, strengths=())
    text = text_of(render_readiness(weak, answers.firm, lang, definition=definition))
    best = definition.section("digital_capability").title.get(lang)
    expected = labels["no_strengths_below"][lang].format(min="60", best=best, score="55")
    assert expected in text


def test_the_sources_table_shows_no_internal_ids():
    # A market note's row is named by its topic in the brief's language; its indicator cell
    # stays empty rather than showing exportkit's own topic id (foreign_ownership …).
    b = S.brief(lang="zh-TW")
    assert b.market.notes  # the sample has notes, so the check below can fail
    view = brief_view(b)
    codes = [s.indicator for s in view.sources]
    assert not [c for c in codes if re.fullmatch(r"[a-z]+(_[a-z]+)+", c or "")], codes
    topics = {n.topic for n in b.market.notes}
    assert not topics & set(codes)
