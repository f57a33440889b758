"""The shared PostgreSQL store with several processes at once, and the commands on it.

Against the throwaway cluster of tests/pg_server.py (skipped, with the reason, where PostgreSQL
is not installed). The processes are started together behind a "go" file, so their work
overlaps; what is asserted is the outcome (nothing lost, the rules kept), never a timing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from exportkit.cli import main
from exportkit.resources import examples_dir
from exportkit.store import open_store

pytestmark = pytest.mark.slow

EXAMPLES = Path(str(examples_dir()))


def _wait_for(path: Path, proc: subprocess.Popen | None = None, limit: float = 120.0) -> None:
    """Until ``path`` exists (the process reached that point) or the process ended."""
    deadline = time.monotonic() + limit
    while not path.exists() and time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.05)
    assert path.exists(), f"{path.name} never appeared"


def _behind_go(go: Path, body: str) -> str:
    """A child script that waits for the ``go`` file, then runs ``body``."""
    return textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        while not Path({str(go)!r}).exists():
            time.sleep(0.01)
        """
    ) + textwrap.dedent(body)


_WRITER = """
from datetime import datetime, timedelta
import pandas as pd
from exportkit.store import open_store

# keys 0..N-1, every one also written by the other process; on even keys this process's
# retrieval is newer, on odd keys the other's. Every 7th key this process lacks the figure.
N, me = {n}, {me}
base = datetime(2025, 1, 1)
rows = pd.DataFrame({{
    "reporter_iso3": "THA", "partner_iso3": "WLD",
    "hs_code": [f"{{i:06d}}" for i in range(N)], "year": 2023, "flow": "M",
    "value_usd": [None if i % 7 == me else float(1000 * me + i) for i in range(N)],
    "source": f"writer{{me}}", "source_url": "https://e/x",
    "retrieved_at": [base + timedelta(days=2 if (i + me) % 2 == 0 else 1) for i in range(N)],
}})
with open_store({url!r}, snapshot=False) as store:
    store.chunk_rows = 500  # many statements in one transaction: the writers interleave
    store.upsert_trade_flows(rows)
print("done", flush=True)
"""


def test_two_processes_upserting_the_same_keys_at_once_lose_nothing(tmp_path, pg_url):
    open_store(pg_url, snapshot=False).close()  # migrated; the writers race on the rows
    go, n = tmp_path / "go", 6000
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _behind_go(go, _WRITER.format(n=n, me=me, url=pg_url))],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for me in (0, 1)
    ]
    go.write_text("go")
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0 and "done" in out, err[-2000:]
    with open_store(pg_url, snapshot=False) as store:
        got = store.trade_flows(["THA"], None).set_index("hs_code")
    assert len(got) == n
    for i in (0, 1, 2, 3, 7, 8, 14, 15, n - 1):
        newer = 0 if i % 2 == 0 else 1  # whose retrieval is newer for this key
        row = got.loc[f"{i:06d}"]
        if i % 7 == newer:  # the newer row lacks the figure: the older figure stays
            assert (
                row["value_usd"] == 1000 * (1 - newer) + i and row["source"] == f"writer{1 - newer}"
            )
        else:  # latest retrieved wins, whichever process committed last
            assert row["value_usd"] == 1000 * newer + i and row["source"] == f"writer{newer}"
    expected = [
        1000 * (1 - w) + i if i % 7 == w else 1000 * w + i
        for i in range(n)
        for w in [0 if i % 2 == 0 else 1]
    ]
    assert got.sort_index()["value_usd"].tolist() == expected


def test_a_reader_sees_a_crawl_batch_whole_or_not_at_all(tmp_path, pg_url):
    """A write held open midway (like a crawl's batch) is invisible to a reader until it
    commits, and the reader is never blocked by it (DuckDB would refuse the second process)."""
    from exportkit.models import Indicator

    with open_store(pg_url, snapshot=False) as store:
        store.upsert_indicators(
            [Indicator("THA", "X", 2000 + i, 1.0, "u", "s", "u", _t(0)) for i in range(5)]
        )
    midway, go = tmp_path / "midway", tmp_path / "go"
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import time
                from datetime import datetime
                from pathlib import Path
                from exportkit.models import Indicator
                from exportkit.store import open_store

                def rows():
                    for i in range(400):
                        if i == 300:  # chunks already written inside the open transaction
                            Path({str(midway)!r}).write_text("x")
                            while not Path({str(go)!r}).exists():
                                time.sleep(0.01)
                        yield Indicator("THA", "X", 1700 + i, 2.0, "u", "crawl", "u",
                                        datetime(2026, 1, 1))

                with open_store({pg_url!r}, snapshot=False) as store:
                    store.chunk_rows = 100
                    store.upsert_indicators(rows())
                """
            ),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(midway, writer)
        with open_store(pg_url, snapshot=False) as reader:  # opens while the write is held
            during = (
                reader.counts()["indicators"],
                reader.rows("SELECT max(value) FROM indicators"),
            )
        go.write_text("go")
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err[-2000:]
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert during == (5, [(1.0,)])  # before: none of the held batch
    with open_store(pg_url, snapshot=False) as reader:
        assert reader.counts()["indicators"] == 5 + 400 - 5  # years 2000-2004 overlap
        assert reader.rows("SELECT count(*) FROM indicators WHERE value = 2.0") == [(400,)]


def _t(days: int):
    from datetime import datetime, timedelta

    return datetime(2025, 1, 1) + timedelta(days=days)


_ASSESS = """
import sys
from exportkit.cli import main
sys.argv = ["exportkit", "assess", {examples!r}, "-o", {out!r}, "--db", {url!r},
            "--assessed-on", {day!r}]
main()
"""


def test_two_consultants_assess_into_one_postgresql_at_once(tmp_path, pg_url, runner):
    """Two `exportkit assess` runs start together on a fresh shared database (both migrate it,
    load the snapshot and save their firms' histories): both succeed and every assessment is
    kept; the next run compares with them."""
    go = tmp_path / "go"
    runs = {"a": "2026-01-05", "b": "2026-02-05"}
    procs = {
        name: subprocess.Popen(
            [
                sys.executable,
                "-c",
                _behind_go(
                    go,
                    _ASSESS.format(
                        examples=str(EXAMPLES), out=str(tmp_path / name), url=pg_url, day=day
                    ),
                ),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**_env(), "EXPORTKIT_LANG": "en"},
        )
        for name, day in runs.items()
    }
    go.write_text("go")
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"{name}: {out[-1500:]}{err[-1500:]}"
        assert "Assessed 6 firm(s)" in out
    with open_store(pg_url) as store:
        assert store.counts()["assessments"] == 12
        assert store.schema_version == max(
            r[0] for r in store.rows("SELECT version FROM schema_version")
        )
        assert store.rows("SELECT count(*) FROM schema_version")[0][0] == store.schema_version
    doc = json.loads((tmp_path / "a" / "results.json").read_text(encoding="utf-8"))
    assert doc["settings"]["database"] == pg_url  # no password in this URL to hide

    # a third run, later, finds each firm's previous assessment in the shared history
    result = runner.invoke(
        main,
        ["assess", str(EXAMPLES), "-o", str(tmp_path / "c"), "--db", pg_url,
         "--assessed-on", "2026-03-05"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    firms = json.loads((tmp_path / "c" / "results.json").read_text(encoding="utf-8"))["firms"]
    assert len(firms) == 6
    assert all(f["previous_assessment"] for f in firms), [f["previous_assessment"] for f in firms]


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


def test_markets_ranks_from_postgresql_as_from_a_file(tmp_path, pg_url, runner):
    args = ["markets", "--markets", "nsp18", "--format", "json", "--db"]
    from_pg = runner.invoke(main, [*args, pg_url])
    assert from_pg.exit_code == 0, from_pg.output
    with open_store(pg_url) as store:  # the command loaded the snapshot into the server
        assert store.meta("snapshot_loaded") and store.counts()["indicators"] > 1000
    from_file = runner.invoke(main, [*args, str(tmp_path / "m.duckdb")])
    assert from_file.exit_code == 0, from_file.output
    ranked = json.loads(from_pg.output)
    assert len(ranked) == 18 and ranked == json.loads(from_file.output)


def _sample_flows(store) -> None:
    from datetime import datetime

    from exportkit.models import TradeFlow

    t = datetime(2025, 1, 1)
    store.upsert_trade_flows(
        [
            TradeFlow("THA", "WLD", "847130", 2023, "M", 100.0, "Comtrade", "https://c", t),
            TradeFlow("THA", "TWN", "847130", 2023, "M", 10.0, "Comtrade", "https://c", t),
        ]
    )


def test_data_export_from_postgresql_imports_into_a_file_and_back(tmp_path, pg_url, runner):
    """A team's shared database and a laptop's file exchange `data export/import` folders;
    `data status` reads either."""
    import pandas as pd

    with open_store(pg_url) as store:
        _sample_flows(store)
        run = store.start_crawl_run("comtrade")
        store.finish_crawl_run(run, "ok", {"trade_flows": 2})
        before = {n: store.table_frame(n) for n in ("indicators", "trade_flows", "market_notes")}
    out = tmp_path / "shared"
    result = runner.invoke(main, ["data", "export", str(out), "--db", pg_url])
    assert result.exit_code == 0, result.output
    laptop = tmp_path / "laptop.duckdb"
    for _ in range(2):  # importing twice changes nothing
        result = runner.invoke(main, ["data", "import", str(out), "--db", str(laptop)])
        assert result.exit_code == 0, result.output
    with open_store(laptop) as store:
        for name, frame in before.items():
            pd.testing.assert_frame_equal(store.table_frame(name), frame)
        assert len(store.crawl_runs()) == 1
        export_back = tmp_path / "back"
        from exportkit.store.transfer import export_tables

        export_tables(store, export_back)
    with open_store(pg_url) as store:
        store.clear()
    result = runner.invoke(main, ["data", "import", str(export_back), "--db", pg_url])
    assert result.exit_code == 0, result.output
    with open_store(pg_url) as store:
        for name, frame in before.items():
            pd.testing.assert_frame_equal(store.table_frame(name), frame)
    status = runner.invoke(main, ["data", "status", "--db", pg_url])
    assert status.exit_code == 0, status.output
    assert "Comtrade" in status.output and pg_url in status.output


def test_markets_product_view_from_flows_in_postgresql(pg_url, runner):
    with open_store(pg_url) as store:
        _sample_flows(store)
    for hs in ("847130", "8471", "84"):  # exact code, and HS6 rows under a 4/2-digit code
        args = ["markets", "--markets", "TH,VN", "--hs", hs, "--format", "json", "--db", pg_url]
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        tha = next(r for r in json.loads(result.output) if r["iso3"] == "THA")
        assert tha["imports_usd"] == 100.0 and tha["taiwan_share"] == 10.0, hs


def test_a_consultant_login_granted_the_owner_role_reads_and_writes(pg_cluster):
    """docs/team.md's set-up: the database belongs to one role, which creates the schema;
    each consultant's login is granted that role and only reads and writes."""
    import uuid

    from exportkit.errors import StoreError
    from exportkit.models import Indicator

    tag = uuid.uuid4().hex[:8]
    owner, ana, bob, db = f"own_{tag}", f"ana_{tag}", f"bob_{tag}", f"market_{tag}"
    for sql in (f"CREATE ROLE {owner} LOGIN", f"CREATE DATABASE {db} OWNER {owner}",
                f"CREATE ROLE {ana} LOGIN", f"GRANT {owner} TO {ana}", f"CREATE ROLE {bob} LOGIN"):  # fmt: skip
        pg_cluster.psql(sql)
    url = pg_cluster.url(db).replace("exportkit@", "{}@")
    try:
        with open_store(url.format(owner)) as store:
            assert store.meta("snapshot_loaded")
        with open_store(url.format(ana)) as store:
            store.upsert_indicators([Indicator("THA", "X", 2023, 1.0, "u", "s", "u", _t(0))])
            store.finish_crawl_run(store.start_crawl_run("worldbank"), "ok")
            assert store.counts()["crawl_runs"] == 1
        with pytest.raises(StoreError, match="permission denied"):
            open_store(url.format(bob))
    finally:
        from exportkit.store.postgres import close_pools

        close_pools()
        pg_cluster.drop_database(db)
