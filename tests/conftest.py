"""Shared fixtures. Tests never touch the network."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

# The network guard, in this process and (through PYTHONPATH) in every Python process the
# tests start: see tests/netguard/sitecustomize.py.
NETGUARD = Path(__file__).parent / "netguard"
_spec = importlib.util.spec_from_file_location("_netguard", NETGUARD / "sitecustomize.py")
_netguard = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_netguard)
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(NETGUARD), os.environ.get("PYTHONPATH")) if p
)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path, monkeypatch):
    """Each test gets its own database and English messages unless it asks otherwise."""
    monkeypatch.setenv("EXPORTKIT_DB", str(tmp_path / "market.duckdb"))
    monkeypatch.setenv("EXPORTKIT_LANG", "en")
    # results.json: every firm's entry checked against the schema (a run checks the first)
    monkeypatch.setenv("EXPORTKIT_CHECK_RESULTS", "all")


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


# -- real servers for the team set-up (issue 15): started on first use, on 127.0.0.1 ------------
@pytest.fixture(scope="session")
def pg_cluster():
    """A PostgreSQL cluster of this test process (one per xdist worker), or a skip saying why
    none can be made here (see tests/pg_server.py)."""
    from pg_server import PostgresCluster, unavailable_reason

    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    with PostgresCluster() as cluster:
        yield cluster


@pytest.fixture
def pg_url(pg_cluster):
    """A fresh, empty database in ``pg_cluster`` for one test; its URL. Dropped afterwards."""
    import uuid

    name = f"t_{uuid.uuid4().hex[:16]}"
    url = pg_cluster.create_database(name)
    yield url
    from exportkit.store.postgres import close_pools

    close_pools()  # the store's pooled connections to this database, before it is dropped
    pg_cluster.drop_database(name)


@pytest.fixture(params=["duckdb", "postgresql"])
def store_url(request, tmp_path):
    """The ``--db`` of an empty store, once per engine: a DuckDB file, then a PostgreSQL
    database of ``pg_cluster`` (skipped, with the reason, where PostgreSQL is missing)."""
    if request.param == "duckdb":
        return str(tmp_path / "store.duckdb")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def scrapyd_factory(tmp_path):
    """``start(env)`` → a running ``ScrapydServer`` (tests/scrapyd_server.py) whose jobs see
    ``env``; every server started is stopped after the test. Skips when Scrapyd is missing."""
    from scrapyd_server import ScrapydServer, unavailable_reason

    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    servers = []

    def start(env: dict[str, str] | None = None) -> ScrapydServer:
        server = ScrapydServer(env, directory=tmp_path / f"scrapyd-{len(servers)}")
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()
