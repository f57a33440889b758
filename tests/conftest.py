"""Shared fixtures. Tests never touch the network."""

from __future__ import annotations

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
