"""``exportkit brief FIRM.xlsx --market TH``, end to end on a bundled example workbook.

Needs the questionnaire, store, markets and recommend modules (other branches of the
project); skipped, saying so, in a build without them.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

pytest.importorskip("exportkit.questionnaire.reader", reason="needs the questionnaire module")
store_module = pytest.importorskip(
    "exportkit.store", reason="needs the market database (store) module"
)
pytest.importorskip("exportkit.markets", reason="needs the markets module")
pytest.importorskip("exportkit.entry_mode.recommend", reason="needs the recommend module")

from exportkit.cli import main  # noqa: E402
from exportkit.models import TradeFlow  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK = ROOT / "questionnaires" / "examples" / "01-machine-tool-parts.xlsx"
TEST_SOURCE = "TEST FIXTURE (not real data)"


def _store_test_flows(db: Path) -> None:
    """Thailand's imports of HS 8466 from the world and Taiwan, 2015–2023 (TEST DATA)."""
    flows = []
    for k, year in enumerate(range(2015, 2024)):
        for partner, base in (("WLD", 9.0e8), ("TWN", 1.1e8)):
            flows.append(
                TradeFlow(
                    "THA",
                    partner,
                    "8466",
                    year,
                    "M",
                    base * (1.05**k) * (1 + 0.02 * (k % 3)),
                    TEST_SOURCE,
                    "https://example.invalid/comtrade",
                    datetime(2026, 11, 20, 9, 0),
                )
            )
    with store_module.open_store(db) as store:
        store.upsert_trade_flows(flows)


def test_brief_without_trade_flows_prints_the_crawl_command_not_in_the_brief(
    runner, tmp_path, monkeypatch
):
    monkeypatch.setenv("EXPORTKIT_DB", str(tmp_path / "m.duckdb"))
    out = tmp_path / "out"
    result = runner.invoke(
        main, ["--lang", "en", "brief", str(WORKBOOK), "--market", "TH", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    [html] = list(out.glob("*.html"))
    assert html.name.endswith("-THA.html")
    doc = html.read_text(encoding="utf-8")
    assert "Country brief: Thailand" in doc
    assert "exportkit crawl" not in doc  # the client's brief names the gap, no command
    assert re.search(r"to fill: exportkit crawl comtrade --countries THA --hs \d", result.output)
    # the product section: Taiwan's exports to the market (MOF, bundled) and a sentence on how
    # the product view is obtained (issue 11.7)
    assert "Taiwan Ministry of Finance" in doc and "CEPII" in doc
    assert "World Bank" in doc  # snapshot indicators carry their source


def test_brief_with_stored_flows_shows_imports_trend_and_their_source(
    runner, tmp_path, monkeypatch
):
    db = tmp_path / "m.duckdb"
    monkeypatch.setenv("EXPORTKIT_DB", str(db))
    runner.invoke(main, ["doctor"])  # any command; the store is created on first open below
    _store_test_flows(db)
    out = tmp_path / "out"
    result = runner.invoke(
        main,
        [
            "--lang",
            "zh-TW",
            "brief",
            str(WORKBOOK),
            "--market",
            "泰國",
            "--format",
            "html,pdf",
            "-o",
            str(out),
            "--db",
            str(db),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "已寫入" in result.output
    doc = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert "進口趨勢與預測" in doc and "data:image/svg+xml;base64," in doc
    assert "https://example.invalid/comtrade" in doc  # the trade figures' provenance
    assert next(out.glob("*.pdf")).read_bytes().startswith(b"%PDF")


def test_unknown_market_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(
        main, ["brief", str(WORKBOOK), "--market", "Atlantis", "-o", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "Atlantis" in result.output


def test_unknown_format_is_refused(runner, tmp_path):
    result = runner.invoke(
        main, ["brief", str(WORKBOOK), "--market", "TH", "--format", "docx", "-o", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "docx" in result.output


def test_trade_evidence_gives_provenance_and_a_real_trend(tmp_path):
    from exportkit.markets import trade_evidence

    db = tmp_path / "m.duckdb"
    _store_test_flows(db)
    with store_module.open_store(db) as store:
        provenance, trend = trade_evidence(store, "THA", ["8466"])
        assert trade_evidence(store, "THA", ["0101"]) == (None, None)
    assert provenance.source == TEST_SOURCE
    assert provenance.retrieved_at == datetime(2026, 11, 20, 9, 0)
    assert trend.ok and trend.years == tuple(range(2015, 2024))
    assert trend.forecast_years == (2024, 2025, 2026)
