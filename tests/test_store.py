"""The market database: schema migrations, idempotent and atomic loads, provenance, errors.

Every test taking ``store`` or ``store_url`` runs twice: on a DuckDB file and on a PostgreSQL
database of the test cluster (tests/pg_server.py; skipped with the reason when PostgreSQL is
not installed). The ``*_file_*`` tests are about DuckDB files only."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import date, datetime

import pytest

from exportkit.errors import StoreError
from exportkit.models import (
    DimensionScore,
    Indicator,
    MarketNote,
    ReadinessScore,
    Tariff,
    Text,
    TradeFlow,
)
from exportkit.store import SCHEMA_VERSION, open_store
from exportkit.store.connection import Connection
from exportkit.store.schema import migrate

T0 = datetime(2024, 1, 1)
T1 = datetime(2025, 6, 1)


def ind(iso3="THA", code="X.TEST", year=2023, value=1.0, retrieved=T0, source="test"):
    return Indicator(iso3, code, year, value, "unit", source, "https://example.org/x", retrieved)


def flow(reporter="THA", partner="WLD", hs="847130", year=2023, value=100.0, retrieved=T0):
    return TradeFlow(reporter, partner, hs, year, "M", value, "test", "https://e/x", retrieved)


@pytest.fixture
def store(store_url):
    with open_store(store_url, snapshot=False) as s:
        yield s


def test_new_store_is_at_current_schema_version(store):
    assert store.schema_version == SCHEMA_VERSION
    versions = [r[0] for r in store.rows("SELECT version FROM schema_version ORDER BY 1")]
    assert versions == list(range(1, SCHEMA_VERSION + 1))


def test_the_migrated_schema_is_the_one_tables_describes(store):
    """One schema definition: the migrations build, on either engine, exactly the columns
    (names, order-independent, and types) that ``tables`` describes."""
    from exportkit.store import tables

    found: dict[str, dict[str, str]] = {}
    for table, column, kind in store.rows(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema()"
    ):
        found.setdefault(table, {})[column] = kind.upper()
    same = {"DOUBLE PRECISION": "DOUBLE", "CHARACTER VARYING": "VARCHAR", "TEXT": "VARCHAR",
            "TIMESTAMP WITHOUT TIME ZONE": "TIMESTAMP"}  # fmt: skip
    for spec in tables.SHARED:
        got = {c: same.get(k, k) for c, k in found[spec.name].items()}
        assert got == {c.name: c.sql_type for c in spec.columns}, spec.name


def test_v1_database_is_migrated_to_current_keeping_its_rows(store_url):
    with Connection(store_url) as con:
        assert migrate(con, target=1) == [1]
        con.rows(
            "INSERT INTO market_notes VALUES ('THA','foreign_ownership','標題','Title','內文',"
            "'Text','src','https://e/x', DATE '2020-01-01')"
        )
    with open_store(store_url, snapshot=False) as s:
        assert s.schema_version == SCHEMA_VERSION
        notes = s.notes("THA")
        assert [n.title.en for n in notes] == ["Title"] and notes[0].retrieved_at is None
        s.save_assessment(_score(), date(2025, 1, 1))  # table added by migration 2
        assert s.previous_assessment("12345678", date(2026, 1, 1)) is not None


def test_database_from_a_newer_exportkit_is_refused(store_url):
    with open_store(store_url, snapshot=False) as s:
        s.rows("INSERT INTO schema_version (version, description) VALUES (999, 'future')")
    with pytest.raises(StoreError, match="newer than this exportkit"):
        open_store(store_url, snapshot=False)


def test_reloading_the_same_data_creates_no_duplicates(store):
    rows = [flow(year=y) for y in (2021, 2022, 2023)] + [flow(partner="TWN")]
    store.upsert_trade_flows(rows)
    store.upsert_trade_flows(rows)
    store.upsert_indicators([ind(), ind()])  # a duplicate inside one batch as well
    store.upsert_indicators([ind()])
    assert store.counts()["trade_flows"] == 4
    assert store.counts()["indicators"] == 1


def test_latest_retrieved_value_wins_in_either_load_order(store):
    store.upsert_indicators([ind(value=2.0, retrieved=T1)])
    store.upsert_indicators([ind(value=1.0, retrieved=T0)])  # older: ignored
    assert store.latest_indicators(["THA"], ["X.TEST"])[("THA", "X.TEST")].value == 2.0
    store.upsert_indicators([ind(value=3.0, retrieved=datetime(2026, 1, 1), source="crawl")])
    got = store.latest_indicators(["THA"], ["X.TEST"])[("THA", "X.TEST")]
    assert (got.value, got.source) == (3.0, "crawl")


def test_a_newer_null_never_erases_a_known_value(store):
    store.upsert_indicators([ind(value=2.0, retrieved=T0, source="snapshot")])
    store.upsert_indicators([ind(value=None, retrieved=T1, source="crawl")])
    got = store.latest_indicators(["THA"], ["X.TEST"])[("THA", "X.TEST")]
    assert (got.value, got.source) == (2.0, "snapshot")
    store.upsert_trade_flows([flow(value=100.0, retrieved=T0)])
    store.upsert_trade_flows([flow(value=None, retrieved=T1)])
    assert store.trade_flows(["THA"], ["847130"])["value_usd"].tolist() == [100.0]
    # a newer real figure still replaces it
    store.upsert_indicators([ind(value=5.0, retrieved=T1, source="crawl")])
    assert store.latest_indicators(["THA"], ["X.TEST"])[("THA", "X.TEST")].value == 5.0


def test_the_null_rule_does_not_depend_on_the_load_order(store):
    """The null arrives first (a colleague's older export is imported later, or a concurrent
    writer commits the other way round): the known figure still ends up stored."""
    store.upsert_trade_flows([flow(value=None, retrieved=T1)])
    store.upsert_trade_flows([flow(value=100.0, retrieved=T0)])
    assert store.trade_flows(["THA"], ["847130"])["value_usd"].tolist() == [100.0]
    # the same within one batch
    store.upsert_indicators([ind(value=2.0, retrieved=T0), ind(value=None, retrieved=T1)])
    assert store.latest_indicators(["THA"], ["X.TEST"])[("THA", "X.TEST")].value == 2.0
    # between two rows with a figure the later retrieval still wins, in either order
    store.upsert_trade_flows([flow(value=300.0, retrieved=datetime(2026, 1, 1))])
    store.upsert_trade_flows([flow(value=200.0, retrieved=T1)])
    assert store.trade_flows(["THA"], ["847130"])["value_usd"].tolist() == [300.0]


def test_latest_indicators_picks_newest_year_with_a_value(store):
    store.upsert_indicators([ind(year=2021, value=1.0), ind(year=2022, value=2.0)])
    store.upsert_indicators([ind(year=2023, value=None)])
    assert store.latest_indicators(["THA"], ["X.TEST"])[("THA", "X.TEST")].year == 2022
    assert store.latest_indicators(["VNM"], ["X.TEST"]) == {}


def test_a_load_that_raises_midway_leaves_previous_data_intact(store):
    store.chunk_rows = 10
    store.upsert_indicators([ind(year=2000 + i, value=1.0) for i in range(5)])

    def rows():
        for i in range(50):
            if i == 35:
                raise RuntimeError("source broke")
            yield ind(year=2000 + i, value=99.0, retrieved=T1)

    with pytest.raises(RuntimeError):
        store.upsert_indicators(rows())
    assert store.counts()["indicators"] == 5
    assert store.rows("SELECT DISTINCT value FROM indicators") == [(1.0,)]


def test_a_load_killed_midway_leaves_previous_data_intact(tmp_path, store_url):
    path = store_url
    with open_store(path, snapshot=False) as s:
        s.upsert_indicators([ind(year=2000 + i, value=1.0) for i in range(5)])
    marker = tmp_path / "midway"
    script = textwrap.dedent(
        f"""
        import time
        from datetime import datetime
        from pathlib import Path
        from exportkit.models import Indicator
        from exportkit.store import open_store

        def rows():
            for i in range(1000):
                if i == 500:  # after several chunks are written inside the transaction
                    Path({str(marker)!r}).write_text("x")
                    time.sleep(60)
                yield Indicator("THA", "X.TEST", 1000 + i, 99.0, "u", "s", "u",
                                datetime(2030, 1, 1))

        store = open_store({str(path)!r}, snapshot=False)
        store.chunk_rows = 100
        store.upsert_indicators(rows())
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        for _ in range(600):
            if marker.exists() or proc.poll() is not None:
                break
            import time

            time.sleep(0.05)
        assert marker.exists(), "the loader never reached the middle of its load"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    with open_store(path, snapshot=False) as s:
        assert s.counts()["indicators"] == 5
        assert s.rows("SELECT max(value) FROM indicators")[0][0] == 1.0


def test_missing_key_value_is_refused_with_the_column_named(store):
    with pytest.raises(StoreError, match="'iso3'"):
        store.upsert_indicators([ind(iso3="")])


def test_corrupt_database_file_gives_a_clear_error(tmp_path):  # DuckDB files only
    path = tmp_path / "bad.duckdb"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="not a valid market database"):
        open_store(path)


def test_database_file_held_by_another_process_gives_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("EXPORTKIT_DB_WAIT", "0")  # no wait (tests/test_store_faults.py waits)
    path = tmp_path / "held.duckdb"
    open_store(path, snapshot=False).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys, time; c = duckdb.connect({str(path)!r}); print('ok', flush=True);"
            " time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(StoreError, match="in use by another process"):
            open_store(path, snapshot=False)
    finally:
        holder.kill()
        holder.wait()


def test_trade_flows_filter_and_return_tradeflow_columns(store):
    store.upsert_trade_flows([flow(), flow(partner="TWN"), flow(reporter="VNM"), flow(hs="8471")])
    df = store.trade_flows(["THA"], ["847130"], partners=["TWN"])
    assert list(df.columns)[:6] == [
        "reporter_iso3",
        "partner_iso3",
        "hs_code",
        "year",
        "flow",
        "value_usd",
    ]
    assert df[["reporter_iso3", "partner_iso3", "hs_code"]].values.tolist() == [
        ["THA", "TWN", "847130"]
    ]
    assert len(store.trade_flows(None, None)) == 4


def test_tariffs_and_notes_round_trip_as_dataclasses(store):
    tariff = Tariff("THA", "WLD", "847130", 2023, "MFN", 5.0, "WITS", "https://w", T0, "H5")
    note = MarketNote(
        "THA",
        "foreign_ownership",
        Text("外人經營事業法", "FBA"),
        Text("文", "text"),
        "DBD",
        "https://dbd",
        date(1999, 11, 24),
        T0,
    )
    store.upsert_tariffs([tariff, tariff])
    store.upsert_notes([note])
    assert store.tariffs("THA", ["847130"]) == [tariff]
    assert store.notes("THA", "foreign_ownership") == [note]
    assert store.notes("THA", "news") == []


def test_crawl_runs_are_recorded(store):
    run = store.start_crawl_run("worldbank")
    store.finish_crawl_run(run, "ok", {"indicators": 10}, ["one warning"])
    runs = store.crawl_runs("worldbank")
    assert runs.loc[0, "status"] == "ok" and '"indicators": 10' in runs.loc[0, "counts"]
    with pytest.raises(StoreError):
        store.finish_crawl_run(run + 100, "ok")


def _score(overall=55.0, tax_id="12345678"):
    dim = DimensionScore("management_commitment", 60.0, 0.1, 4, 4, Text("管理承諾", "Commitment"))
    return ReadinessScore(
        "export-readiness",
        "a.xlsx",
        "Firm",
        tax_id,
        overall,
        "B",
        {dim.id: dim},
        strengths=("management_commitment",),
        coverage=0.9,
    )


def test_previous_assessment_returns_the_latest_before_a_date(store):
    store.save_assessment(_score(40.0), date(2024, 1, 1))
    store.save_assessment(_score(50.0), date(2025, 1, 1))
    store.save_assessment(_score(50.0), date(2025, 1, 1))  # idempotent
    store.save_assessment(_score(70.0), date(2026, 1, 1))
    prev = store.previous_assessment("12345678", date(2026, 1, 1))
    assert prev == _score(50.0)
    assert store.previous_assessment("12345678", date(2024, 1, 1)) is None
    assert store.save_assessment(_score(tax_id=None), date(2025, 1, 1)) is False
    assert store.counts()["assessments"] == 3


def test_both_engines_return_the_same_frames(tmp_path, pg_url):
    """The layers above cannot tell the engines apart: the same rows read back as equal
    DataFrames (values and dtypes) from DuckDB and from PostgreSQL."""
    import pandas as pd

    stores = [open_store(tmp_path / "same.duckdb"), open_store(pg_url)]
    try:
        for s in stores:
            s.upsert_trade_flows(
                [flow(), flow(hs="847150", value=None), flow(partner="TWN", year=2022),
                 flow(reporter="VNM", hs="8471"), flow(hs="TOTAL", value=7.5)]
            )  # fmt: skip
            s.upsert_indicators([ind(), ind(year=2024, value=None)])
            s.save_assessment(_score(), date(2025, 1, 1))
        reads = [
            lambda s: s.trade_flows(None, None),
            lambda s: s.import_flows(["THA", "VNM"], ["8471", "847130"], provenance=True),
            lambda s: s.potential_flows(["WLD", "TWN"], ["84"]),
            lambda s: s.indicator_series(["THA"], None),
            lambda s: s.crawl_runs(),
            *[lambda s, n=spec: s.table_frame(n) for spec in ("countries", "assessments")],
        ]
        for read in reads:
            duck, pg = (read(s) for s in stores)
            sort = list(duck.columns)
            pd.testing.assert_frame_equal(
                duck.sort_values(sort).reset_index(drop=True),
                pg.sort_values(sort).reset_index(drop=True),
            )
        assert stores[0].counts() == stores[1].counts()
        assert stores[0].latest_indicators() == stores[1].latest_indicators()
        assert sorted(stores[0].source_summary("indicators")) == sorted(
            stores[1].source_summary("indicators")
        )
    finally:
        for s in stores:
            s.close()


def test_an_unreachable_server_gives_a_clear_error_without_the_password():
    from loopback import free_port

    url = f"postgresql://ana:s3cret@127.0.0.1:{free_port()}/market"
    with pytest.raises(StoreError, match="cannot connect to the market database") as caught:
        open_store(url)
    assert "s3cret" not in str(caught.value) and "ana:***@127.0.0.1" in str(caught.value)


def test_a_missing_database_on_the_server_is_named(pg_cluster):
    with pytest.raises(StoreError, match='"no_such_db" does not exist'):
        open_store(pg_cluster.url("no_such_db"))


def test_a_database_url_is_never_taken_for_a_file(tmp_path, monkeypatch, pg_url):
    from exportkit.cli.options import DatabaseTarget

    assert DatabaseTarget().convert(pg_url, None, None) == pg_url  # not Path("postgresql:/…")
    monkeypatch.setenv("EXPORTKIT_DB", pg_url)
    with open_store() as s:  # $EXPORTKIT_DB names the server
        assert s.backend == "postgresql" and s.location == pg_url
    monkeypatch.chdir(tmp_path)
    assert not any(tmp_path.iterdir())  # no file made from the URL


def test_the_snapshot_loads_once_and_never_overrides_a_newer_crawl(store_url):
    from exportkit.store.snapshot import load_snapshot

    with open_store(store_url) as s:  # first use: the bundled snapshot
        first = s.counts()
        assert s.meta("snapshot_loaded") and first["indicators"] > 1000 and first["countries"] == 19
        s.upsert_indicators(
            [ind("THA", "SP.POP.TOTL", 2023, 71_800_000.0, datetime(2030, 1, 1), "crawl")]
        )
        load_snapshot(s)  # reloaded: latest retrieval still wins
        got = s.indicator_series(["THA"], ["SP.POP.TOTL"]).set_index("year").loc[2023]
        assert (got["value"], got["source"]) == (71_800_000.0, "crawl")
        s.rows("DELETE FROM indicators WHERE iso3 = 'THA'")
    with open_store(store_url) as s:  # not loaded again over a store that has it
        assert s.latest_indicators(["THA"], None) == {}
        counts = s.reset()  # empty it and reload, in one transaction
        assert counts == first
        assert s.latest_indicators(["THA"], ["SP.POP.TOTL"])


@pytest.mark.parametrize("label", [None, Text("國際經驗", "International experience")])
def test_a_stored_dimension_row_is_what_asdict_gives(label):
    from dataclasses import asdict

    from exportkit.models import DimensionScore
    from exportkit.store.history import _dimension_row

    dim = DimensionScore("international_experience", 62.5, 0.15, 4, 5, label)
    assert _dimension_row(dim) == asdict(dim)
