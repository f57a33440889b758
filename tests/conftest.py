"""Shared fixtures. Tests never touch the network."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path, monkeypatch):
    """Each test gets its own database and English messages unless it asks otherwise."""
    monkeypatch.setenv("EXPORTKIT_DB", str(tmp_path / "market.duckdb"))
    monkeypatch.setenv("EXPORTKIT_LANG", "en")


FIXTURES = Path(__file__).parent / "fixtures"

# A complete, valid set of answers to tests/fixtures/questionnaires/mini-test.yaml.
MINI_ANSWERS = {
    "firm_name": "測試精密股份有限公司",
    "tax_id": "22099131",
    "employees": 45,
    "export_share": 30,
    "founded": 1998,
    "hs_codes": "8466, 846693",
    "targets": "越南, TH",
    "online": "否",
    "certs": "ISO 9001",
    "customer_type": "企業客戶",
    "a_plan": "4 – 大致",
    "a_risk": "2 – 不同意",
    "a_budget": "是",
    "a_staff": "兼任",
    "b_rubric": 7,
    "b_channels": "代理商、網路平台",
    "b_markets": 3,
}


@pytest.fixture
def mini_definition(monkeypatch):
    """Make the test definition ``mini-test`` loadable (via EXPORTKIT_QUESTIONNAIRE_PATH)."""
    monkeypatch.setenv("EXPORTKIT_QUESTIONNAIRE_PATH", str(FIXTURES / "questionnaires"))
    return "mini-test"


@pytest.fixture
def mini_filled(tmp_path, mini_definition):
    """A correctly filled mini-test workbook (zh-TW template)."""
    from exportkit.questionnaire.filling import fill_template

    return fill_template(mini_definition, "zh-TW", MINI_ANSWERS, tmp_path / "mini.xlsx")
