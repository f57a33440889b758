"""The throwaway PostgreSQL cluster the team-store tests run against (tests/pg_server.py):
its own folder, port and user, isolated databases, gone after stop, a clear skip reason when
PostgreSQL is not installed."""

from __future__ import annotations

import os
import pwd
import socket
from pathlib import Path

import pytest
from pg_server import PostgresCluster, PostgresError, unavailable_reason


def _uid_of(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("Uid:")[1].split()[0])


def test_cluster_serves_isolated_databases(pg_cluster, pg_url):
    psycopg = pytest.importorskip("psycopg", reason="psycopg is in the 'team' extra")
    with psycopg.connect(pg_url) as con:
        assert con.info.server_version >= 150000
        assert con.info.port == pg_cluster.port != 5432  # never the system cluster
        con.execute("CREATE TABLE t (k text PRIMARY KEY, v double precision)")
        con.execute("INSERT INTO t VALUES ('a', 1.5)")
        con.commit()
        assert con.execute("SELECT v FROM t").fetchall() == [(1.5,)]
        assert con.execute("SHOW fsync").fetchone() == ("off",)  # test settings applied
    other = pg_cluster.create_database("t_isolation_check")
    try:
        with psycopg.connect(other) as con:
            found = con.execute("SELECT count(*) FROM pg_tables WHERE tablename = 't'")
            assert found.fetchone() == (0,)
    finally:
        pg_cluster.drop_database("t_isolation_check")
    # PostgreSQL refuses root: as root the server runs as the 'postgres' (or 'nobody') user
    expected = pwd.getpwnam(pg_cluster.user).pw_uid if os.geteuid() == 0 else os.geteuid()
    assert _uid_of(pg_cluster.process.pid) == expected
    assert pg_cluster.dir.stat().st_uid == expected
    assert str(pg_cluster.dir).startswith("/") and "exportkit-pg-" in pg_cluster.dir.name


def test_stop_ends_the_server_and_removes_its_folder():
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    cluster = PostgresCluster().start()
    folder, port, pid = cluster.dir, cluster.port, cluster.process.pid
    assert cluster.psql("SELECT 40 + 2") == "42"
    cluster.stop()
    cluster.stop()  # idempotent
    assert not folder.exists()
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


def test_missing_binaries_give_a_reason_naming_the_package(tmp_path, monkeypatch):
    monkeypatch.setenv("EXPORTKIT_PG_BINDIR", str(tmp_path))  # no initdb in there
    reason = unavailable_reason()
    assert reason and "initdb" in reason and "apt-get install" in reason and "postgresql" in reason
    with pytest.raises(PostgresError, match="not found"):
        PostgresCluster()


def test_database_names_are_checked(pg_cluster):
    with pytest.raises(ValueError, match="plain database name"):
        pg_cluster.create_database('x"; DROP DATABASE postgres; --')
