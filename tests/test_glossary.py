"""One glossary (exportkit/data/glossary.yaml): every user-facing text uses its words, every
mode, band, theme and dimension name is its name, and zh-TW documents name sources in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from exportkit.entry_mode import default_rulebook
from exportkit.i18n import glossary, localise
from exportkit.markets import index_spec
from exportkit.questionnaire import FIRM_QUESTIONNAIRE, load_definition

ROOT = Path(__file__).resolve().parents[1]

# Every file whose texts a user reads: document templates and their labels, interface
# messages, questionnaire definitions and vocabularies, the rule book, the market method and
# facts, the matching criteria, the bundled notes, the spiders' indicator names.
USER_FACING = [
    *sorted((ROOT / "reports" / "templates").glob("*.j2")),
    *sorted((ROOT / "reports" / "templates").glob("*.yaml")),
    ROOT / "exportkit" / "locales" / "messages.yaml",
    *sorted((ROOT / "questionnaires" / "definitions").glob("*.yaml")),
    *sorted((ROOT / "questionnaires" / "vocabularies").glob("*.yaml")),
    *(
        ROOT / "exportkit" / "data" / name
        for name in (
            "entry_mode_rules.yaml",
            "market_index.yaml",
            "market_factors.yaml",
            "match_criteria.yaml",
            "export_potential.yaml",
            "analytics_labels.yaml",
            "snapshot/market_notes.yaml",
        )
    ),
    ROOT / "spiders" / "data" / "worldbank_indicators.yaml",
]


def _text(path: Path) -> str:
    """The file without its comments (a comment is for maintainers, not users)."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.lstrip()
        if stripped.startswith("#") or stripped.startswith("{#"):
            continue
        if path.suffix == ".yaml":
            line = re.sub(r"\s+#\s.*$", "", line)
            line = re.sub(r"accepts: \[[^\]]*\]", "", line)  # earlier labels, read not shown
        lines.append(line)
    return "\n".join(lines)


def _offences(text: str) -> list[str]:
    g = glossary()
    for name in g["proper_names"]:
        text = text.replace(name, "")
    return [f"{v} → {fix}" for v, fix in g["variants"].items() if v in text]


@pytest.mark.parametrize("path", USER_FACING, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_variant_outside_the_glossary(path):
    assert path.exists(), path
    assert _offences(_text(path)) == []


def test_the_variant_check_can_fail():
    assert _offences("本報告說明出口準備度與人均 GDP 的數據") == [
        "出口準備度 → 出口整備度",
        "準備度 → 整備度",
        "人均 → 平均每人",
        "數據 → 資料（或「數值」）",
    ]
    # a registered name keeps its spelling; exportkit's own text does not
    assert _offences("參加台灣國際專業展") == [] and _offences("台灣廠商") == ["台灣 → 臺灣"]


def _same(kind: str, names: dict) -> None:
    g = glossary()[kind]
    for key, text in names.items():
        assert key in g, f"{kind}: {key} is not in the glossary"
        assert (text.zh_TW, text.en) == (g[key]["zh-TW"], g[key]["en"]), (kind, key)


def test_mode_theme_band_and_dimension_names_are_the_glossarys():
    book = default_rulebook()
    _same("entry_modes", book.mode_labels)
    _same("strategy_themes", book.theme_labels)
    _same("market_dimensions", {d.id: d.label for d in index_spec().dimensions})
    definition = load_definition(FIRM_QUESTIONNAIRE)
    _same("readiness_bands", {b.id: b.label for b in definition.bands})
    labels = yaml.safe_load((ROOT / "reports" / "templates" / "labels.yaml").read_text("utf-8"))
    dims = glossary()["market_dimensions"]
    for key, text in labels["market_dimensions"].items():
        if key in dims:
            assert text["zh-TW"] == dims[key]["zh-TW"], key


def test_the_programme_is_named_one_way():
    term = glossary()["terms"]["programme"]["zh-TW"]
    assert term == "「推動中小企業跨域創新增值計畫」"
    named = [p for p in USER_FACING if "跨域創新增值計畫" in _text(p)]
    assert named  # the definitions and the rule book name it
    for path in USER_FACING:
        text = _text(path)
        for match in re.finditer(r"[\w「」]{0,12}創新增值計畫", text):
            assert "推動中小企業跨域創新增值計畫" in match.group(0), (path, match.group(0))


@pytest.mark.parametrize(
    "english, chinese",
    [
        ("World Bank WDI (public copy)", "世界銀行 WDI（公開副本）"),
        ("Root 1994 (heuristic)", "Root 1994（經驗法則）"),
        (
            "exportkit (derived from World Bank WDI NY.GDP.MKTP.CD / SP.POP.TOTL)",
            "exportkit 推算（世界銀行 WDI NY.GDP.MKTP.CD / SP.POP.TOTL）",
        ),
        ("Ministry of Foreign Affairs (Taiwan), press release no. 061", "外交部新聞稿第 061 號"),
        ("Anderson & Gatignon 1986", "Anderson & Gatignon 1986"),  # citations stay as published
    ],
)
def test_sources_are_named_in_taiwanese_in_a_zh_tw_document(english, chinese):
    assert localise(english, "zh-TW") == chinese
    assert localise(english, "en") == english


def test_every_bundled_source_has_a_chinese_name(tmp_path):
    import csv

    rows = csv.DictReader(
        (ROOT / "exportkit" / "data" / "snapshot" / "indicators.csv").open(encoding="utf-8")
    )
    names = {r["source"] for r in rows}
    notes = yaml.safe_load(
        (ROOT / "exportkit" / "data" / "snapshot" / "market_notes.yaml").read_text("utf-8")
    )
    names |= {n["source"] for n in notes["notes"]}  # the foreign authorities' too
    for name in sorted(names):
        shown = localise(name, "zh-TW")
        # what is left in Latin letters is an acronym, a code or a database's own name
        words = set(re.findall(r"[A-Za-z]+[a-z]{3,}[A-Za-z]*", shown))
        assert words <= {"CEPII", "GeoDist", "Taiwan", "Today", "exportkit"}, (name, shown)


def test_every_rule_citation_reads_in_the_documents_language():
    # A rule's short citation is shown as written in an English document and through the
    # glossary in a zh-TW one: none is written in Chinese (an English brief cited
    # 「計畫書分項計畫三「成長創價」」), and each is named in Chinese, or is an author-year one.
    book = yaml.safe_load((ROOT / "exportkit" / "data" / "entry_mode_rules.yaml").read_text())
    cjk = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
    for key, ref in book["references"].items():
        short = ref["short"]
        assert not cjk.search(short), (key, short)
        shown = localise(short, "zh-TW")
        assert shown != short or re.search(r"\b(19|20)\d\d\b", short), (key, short)


def test_a_crawled_rows_spider_is_shown_as_its_source(tmp_path):
    from exportkit.i18n import source_ids
    from exportkit.ingest.crawl import SOURCES as SPIDERS

    assert set(SPIDERS) <= set(source_ids()), "name every spider's source in glossary.yaml"
    for spider in SPIDERS:
        for lang in ("en", "zh-TW"):
            assert spider not in localise(spider, lang)
        shown = localise(spider, "zh-TW")
        words = set(re.findall(r"[A-Za-z]+[a-z]{3,}[A-Za-z]*", shown))
        assert words <= {"Comtrade"}, (spider, shown)
    assert localise("comtrade + taiwan_customs", "zh-TW") == (
        "聯合國 Comtrade 貿易資料庫（API）；財政部關務署（貿易統計）"
    )
