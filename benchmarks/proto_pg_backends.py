"""Prototype + measurement: which engine should back a shared PostgreSQL store (issue 15)?

    python benchmarks/proto_pg_backends.py [--quick] [--attach-python PY]

Three backends, each in its own process (so peak RSS is its own), same data, same run:

  duckdb-file   the baseline: today's exportkit Store on an embedded DuckDB file
                (``store.upsert_trade_flows``, ``upsert_frame``, ``previous_assessments``,
                ``markets.product.load_import_flows``)
  psycopg       option (a): psycopg 3 + psycopg_pool on PostgreSQL; bulk loads are COPY into a
                temporary staging table, then ``INSERT … SELECT … ORDER BY key ON CONFLICT (key)
                DO UPDATE … WHERE`` (latest retrieved wins, a newer null never erases)
  duckdb-attach option (b): DuckDB + the ``postgres`` extension (``ATTACH … (TYPE postgres)``),
                today's DuckDB upsert and read SQL run against the attached tables. The
                extension must match DuckDB's exact version; the newest one on PyPI
                (``duckdb-extension-postgres`` 1.5.5) needs ``duckdb==1.5.5``, while exportkit
                runs DuckDB 2.0.x, so this backend runs in another venv given by
                ``--attach-python`` (``pip install duckdb==1.5.5 duckdb-extension-postgres==1.5.5
                pandas pyarrow psycopg[binary]``); without it, it is reported as unavailable.

Work per backend: load 540,000 SYNTHETIC trade-flow rows (benchmarks/bench_markets.py's
generator: 5 years × 18 NSB reporters × 1,000 HS6 codes × 6 partners; ``--quick``: 100 codes →
54,000 rows); re-load them as an idempotent upsert where half the rows were retrieved later
(new values; every tenth of those a null, which must not erase the known figure) and half
earlier (must lose); save 1,000 assessments and look up 1,000 firms' previous ones; 1,000
read queries of the market ranking's kind (``load_import_flows`` for one HS-code set of 1–10
codes, some at 4 digits, over the 18 markets). Every backend's results are checksummed and
compared with the expected figures computed in pandas.

Concurrency (PostgreSQL backends): two processes upsert overlapping key sets into the same
table at once (the later-retrieved rows must win whatever the commit order; nothing lost);
a reader polls while a writer holds a transaction open over a full re-load (every read must
see the state before or after, never a mix). The DuckDB file's answer is recorded too: a
second process cannot open it at all while the first holds it.

PostgreSQL runs as a throwaway cluster (tests/pg_server.py) with durable settings (fsync on),
so figures are what a real server does. The machine is shared (2 cores): indicative figures.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
NEWER = datetime(2025, 6, 1)
OLDER = datetime(2024, 6, 1)
BATCH = 100_000  # rows per staged COPY/upsert (as Store.chunk_rows)
PG_TYPES = {
    "VARCHAR": "TEXT",
    "DOUBLE": "DOUBLE PRECISION",
    "INTEGER": "INTEGER",
    "BIGINT": "BIGINT",
    "TIMESTAMP": "TIMESTAMP",
    "DATE": "DATE",
    "BOOLEAN": "BOOLEAN",
}
RETRYABLE = ("40001", "40P01")  # serialization_failure, deadlock_detected


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# =============================================================================================
# data (driver side; uses exportkit)
# =============================================================================================
def spec_json(spec) -> dict:
    return {
        "name": spec.name,
        "columns": [[c.name, c.sql_type, c.required] for c in spec.columns],
        "key": list(spec.key),
        "recency": spec.recency,
        "measure": spec.measure,
    }


def make_data(directory: Path, n_codes: int, n_sets: int) -> dict:
    sys.path.insert(0, str(HERE))
    from bench_markets import synthetic_flows

    from exportkit.store import tables

    flows, codes = synthetic_flows(n_codes)
    flows = flows.reset_index(drop=True)
    for col in ("hs_revision", "quantity", "quantity_unit"):
        flows[col] = None
    flows["quantity"] = flows["quantity"].astype("float64")
    flows = flows[list(tables.TRADE_FLOWS.column_names)]
    # the re-load: even rows retrieved later with new values (every tenth of them null), odd
    # rows retrieved earlier with other values (they must lose)
    reload = flows.copy()
    even = (np.arange(len(reload)) % 2) == 0
    nulls = (np.arange(len(reload)) % 20) == 0
    reload.loc[even, "value_usd"] = (reload.loc[even, "value_usd"] * 1.1).round(2)
    reload.loc[nulls, "value_usd"] = np.nan
    reload.loc[even, "retrieved_at"] = NEWER
    reload.loc[~even, "value_usd"] = reload.loc[~even, "value_usd"] * 0.5
    reload.loc[~even, "retrieved_at"] = OLDER
    reload["source_url"] = "about:synthetic-reload"
    expected_value = np.where(even & ~nulls, reload["value_usd"], flows["value_usd"])
    expected = {
        "rows": len(flows),
        "value_sum": float(np.nansum(expected_value)),
        "newer_rows": int((even & ~nulls).sum()),
    }
    flows.to_parquet(directory / "flows.parquet", index=False)
    reload.to_parquet(directory / "reload.parquet", index=False)

    rng = np.random.default_rng(7)
    assessments = pd.DataFrame(
        {
            "tax_id": [f"{10_000_000 + i * 7:08d}" for i in range(1000)],
            "assessed_on": [
                date(2025, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 300, 1000)
            ],  # fmt: skip
            "definition_id": "export-readiness",
            "file": [f"firm-{i:04d}.xlsx" for i in range(1000)],
            "firm": [f"測試企業{i:04d}股份有限公司" for i in range(1000)],
            "overall": rng.uniform(20, 95, 1000).round(2),
            "band": rng.choice(["起步", "發展", "成熟", "領先"], 1000),
            "coverage": 1.0,
            "dimensions": json.dumps(
                [
                    {
                        "id": f"D{k}",
                        "score": 50.0,
                        "weight": 1 / 6,
                        "answered": 5,
                        "items": 5,
                        "label_zh_TW": "構面",
                        "label_en": "Dimension",
                    }
                    for k in range(6)
                ],
                ensure_ascii=False,
            ),
            "details": json.dumps({"strengths": ["D1"], "gaps": ["D2"]}, ensure_ascii=False),
        }
    )
    assessments["assessed_on"] = pd.to_datetime(assessments["assessed_on"]).dt.date
    assessments.to_parquet(directory / "assessments.parquet", index=False)

    sets = []
    for _ in range(n_sets):
        chosen = [str(c) for c in rng.choice(codes, size=int(rng.integers(1, 11)), replace=False)]
        if rng.random() < 0.3:  # a 4-digit heading: sums the HS6 rows under it
            chosen[0] = chosen[0][:4]
        sets.append(sorted(set(chosen)))
    from exportkit.countries import NSB18

    meta = {
        "trade_flows": spec_json(tables.TRADE_FLOWS),
        "assessments": spec_json(tables.ASSESSMENTS),
        "markets": list(NSB18),
        "sets": sets,
        "expected": expected,
        "previous_requests": [
            [t, (d + timedelta(days=30)).isoformat()]
            for t, d in zip(assessments["tax_id"], assessments["assessed_on"], strict=True)
        ],
    }
    (directory / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return meta


def pg_ddl(spec: dict) -> str:
    """CREATE TABLE for PostgreSQL from a TableSpec (the one schema definition)."""
    cols = [
        f'"{n}" {PG_TYPES[t]}{" NOT NULL" if req or n in spec["key"] else ""}'
        for n, t, req in spec["columns"]
    ]
    cols.append(f"PRIMARY KEY ({', '.join(spec['key'])})")
    return f"CREATE TABLE {spec['name']} ({', '.join(cols)})"


def create_pg_schema(url: str, meta: dict) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute(pg_ddl(meta["trade_flows"]))
        con.execute(pg_ddl(meta["assessments"]))
        # the read path filters on hs_code; the natural key's index leads with the reporter
        con.execute("CREATE INDEX trade_flows_hs ON trade_flows (hs_code, reporter_iso3)")


# =============================================================================================
# shared frame preparation (as Store.upsert_frame does before writing)
# =============================================================================================
def prepare(frame: pd.DataFrame, spec: dict) -> pd.DataFrame:
    if spec["recency"]:
        frame = frame.sort_values(spec["recency"], kind="stable", na_position="first")
    return frame.drop_duplicates(spec["key"], keep="last")


def duckdb_upsert_sql(spec: dict, target: str) -> str:
    """Today's DuckDB upsert (exportkit/store/core.py), aimed at ``target``."""
    names = [c[0] for c in spec["columns"]]
    select = ", ".join(f'CAST("{n}" AS {t}) AS "{n}"' for n, t, _ in spec["columns"])
    updates = ", ".join(f'"{c}" = excluded."{c}"' for c in names if c not in spec["key"])
    sql = (
        f"INSERT INTO {target} ({', '.join(names)}) SELECT {select} FROM _incoming "
        f"ON CONFLICT DO UPDATE SET {updates}"
    )
    if spec["recency"]:
        r, floor = spec["recency"], "TIMESTAMP '1900-01-01'"
        sql += f" WHERE coalesce(excluded.{r}, {floor}) >= coalesce({target}.{r}, {floor})"
        if spec["measure"]:
            m = spec["measure"]
            sql += f" AND NOT (excluded.{m} IS NULL AND {target}.{m} IS NOT NULL)"
    return sql


def pg_upsert_sql(spec: dict, staging: str) -> str:
    """The PostgreSQL form: explicit conflict target, EXCLUDED, rows in key order (lock order:
    two writers upserting overlapping keys then wait for each other instead of deadlocking)."""
    names = [c[0] for c in spec["columns"]]
    t = spec["name"]
    updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in names if c not in spec["key"])
    sql = (
        f"INSERT INTO {t} ({', '.join(names)}) SELECT {', '.join(names)} FROM {staging} "
        f"ORDER BY {', '.join(spec['key'])} "
        f"ON CONFLICT ({', '.join(spec['key'])}) DO UPDATE SET {updates}"
    )
    if spec["recency"]:
        r, floor = spec["recency"], "TIMESTAMP '1900-01-01'"
        sql += f" WHERE coalesce(EXCLUDED.{r}, {floor}) >= coalesce({t}.{r}, {floor})"
        if spec["measure"]:
            m = spec["measure"]
            sql += f" AND NOT (EXCLUDED.{m} IS NULL AND {t}.{m} IS NOT NULL)"
    return sql


def duckdb_flows_sql(codes: list[str], table: str) -> str:
    """markets.product.load_import_flows' query, with its table name as a parameter."""
    parts = ["SELECT a.asked, t.* FROM t JOIN _asked a ON t.hs_code = a.asked"]
    for digits in sorted({len(c) for c in codes if len(c) < 6}):
        parts.append(
            f"SELECT a.asked, t.* FROM t JOIN _asked a ON length(a.asked) = {digits} "
            f"AND length(t.hs_code) = 6 AND left(t.hs_code, {digits}) = a.asked"
        )
    return (
        "WITH t AS (SELECT reporter_iso3, partner_iso3, hs_code, year, value_usd "
        f"FROM {table} WHERE flow = 'M' AND value_usd IS NOT NULL "
        "AND reporter_iso3 IN (SELECT unnest(?))) " + " UNION ALL ".join(parts)
    )


def pg_flows_sql(markets: list[str], codes: list[str]) -> tuple[str, list]:
    """load_import_flows' query for PostgreSQL: exact codes as ``= ANY``, each 2- or 4-digit
    code's HS6 children as a range of the hs_code index (``'8471'`` → ``'847100'``–``'847199'``:
    strings of digits of one length sort the same in every collation; a ``|| ':'`` bound or
    ``LIKE`` would depend on the database's collation)."""
    cols = "partner_iso3, hs_code, year, value_usd"
    where = "flow = 'M' AND value_usd IS NOT NULL AND reporter_iso3 = ANY(%s)"
    parts = [f"SELECT hs_code AS asked, reporter_iso3, {cols} FROM trade_flows "
             f"WHERE {where} AND hs_code = ANY(%s)"]  # fmt: skip
    params: list = [markets, codes]
    for code in codes:
        if len(code) < 6:
            pad = 6 - len(code)
            parts.append(
                f"SELECT %s AS asked, reporter_iso3, {cols} FROM trade_flows WHERE {where} "
                "AND length(hs_code) = 6 AND hs_code BETWEEN %s AND %s"
            )
            params += [code, markets, code + "0" * pad, code + "9" * pad]
    return " UNION ALL ".join(parts), params


PG_PREVIOUS_SQL = """
SELECT DISTINCT ON (w.tax_id, w.before) w.before, a.*
FROM unnest(%(tax_ids)s::text[], %(befores)s::date[]) AS w(tax_id, before)
JOIN assessments a ON a.tax_id = w.tax_id AND a.assessed_on < w.before
ORDER BY w.tax_id, w.before, a.assessed_on DESC
"""

DUCKDB_PREVIOUS_SQL = """
SELECT w.before, a.* FROM _wanted w JOIN {table} a
ON a.tax_id = w.tax_id AND a.assessed_on < CAST(w.before AS DATE)
QUALIFY row_number() OVER (PARTITION BY w.tax_id, w.before ORDER BY a.assessed_on DESC) = 1
"""

CHECK_SQL = (
    "SELECT count(*), sum(value_usd), sum(CASE WHEN retrieved_at = TIMESTAMP '2025-06-01' "
    "THEN 1 ELSE 0 END) FROM {table}"
)


# =============================================================================================
# backends (worker side; no exportkit import except in duckdb-file)
# =============================================================================================
class PsycopgBackend:
    name = "psycopg"

    def __init__(self, url: str) -> None:
        import psycopg_pool

        self.pool = psycopg_pool.ConnectionPool(url, min_size=1, max_size=4, open=True)
        self.retries = 0
        self.retry_reasons: list[str] = []

    def close(self) -> None:
        self.pool.close()

    def _copy(self, cur, staging: str, frame: pd.DataFrame) -> None:
        cols = ", ".join(frame.columns)
        with cur.copy(f"COPY {staging} ({cols}) FROM STDIN (FORMAT csv)") as copy:
            # pandas' C writer; an empty unquoted field is NULL in COPY's CSV format
            for start in range(0, len(frame), 20_000):
                copy.write(frame.iloc[start : start + 20_000].to_csv(index=False, header=False))

    def upsert(self, spec: dict, frame: pd.DataFrame, hold: float = 0.0) -> None:
        """One transaction (chunks staged and upserted in turn); retried whole on a
        serialization failure or deadlock."""
        import psycopg

        staging = f"_incoming_{spec['name']}"
        sql = pg_upsert_sql(spec, staging)
        for attempt in range(5):
            try:
                with self.pool.connection() as con, con.transaction(), con.cursor() as cur:
                    cur.execute(
                        f"CREATE TEMP TABLE IF NOT EXISTS {staging} "
                        f"(LIKE {spec['name']}) ON COMMIT DELETE ROWS"
                    )
                    for start in range(0, len(frame), BATCH):
                        chunk = prepare(frame.iloc[start : start + BATCH], spec)
                        self._copy(cur, staging, chunk)
                        cur.execute(sql)
                        cur.execute(f"TRUNCATE {staging}")
                    if hold:
                        time.sleep(hold)
                if len(frame) >= 50_000:  # fresh planner statistics after a bulk load
                    with self.pool.connection() as con:
                        con.execute(f"ANALYZE {spec['name']}")
                return
            except psycopg.Error as exc:
                if getattr(exc, "sqlstate", None) in RETRYABLE and attempt < 4:
                    self.retries += 1
                    self.retry_reasons.append(str(exc).splitlines()[0][:200])
                    continue
                raise

    def check(self) -> tuple:
        with self.pool.connection() as con:
            return con.execute(CHECK_SQL.format(table="trade_flows")).fetchone()

    def consistent_read(self) -> tuple:
        """Two statements in one REPEATABLE READ transaction: one snapshot for both."""
        import psycopg

        with self.pool.connection() as con:
            con.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            with con.transaction():
                a = con.execute(
                    "SELECT count(*), sum(value_usd) FROM trade_flows WHERE year < 2021"
                ).fetchone()
                time.sleep(0.05)
                b = con.execute(
                    "SELECT count(*), sum(value_usd) FROM trade_flows WHERE year >= 2021"
                ).fetchone()
            con.isolation_level = None
        return (a[0] + b[0], (a[1] or 0) + (b[1] or 0))

    def flows(self, markets: list[str], codes: list[str]) -> pd.DataFrame:
        with self.pool.connection() as con, con.cursor() as cur:
            cur.execute(*pg_flows_sql(markets, codes))
            names = [d.name for d in cur.description]
            return pd.DataFrame(cur.fetchall(), columns=names)

    def previous(self, requests: list[list[str]]) -> int:
        with self.pool.connection() as con:
            rows = con.execute(
                PG_PREVIOUS_SQL,
                {
                    "tax_ids": [t for t, _ in requests],
                    "befores": [date.fromisoformat(b) for _, b in requests],
                },
            ).fetchall()
        return len(rows)


class DuckdbAttachBackend:
    name = "duckdb-attach"

    def __init__(self, url: str) -> None:
        import duckdb
        import duckdb_extension_postgres

        ext = (
            Path(duckdb_extension_postgres.__file__).parent
            / "extensions"
            / f"v{duckdb.__version__}"
            / "postgres.duckdb_extension"
        )
        self.duckdb = duckdb
        self.con = duckdb.connect()
        ext_dir = tempfile.mkdtemp(prefix="duckdb-ext-")
        self.con.execute(f"SET extension_directory = '{ext_dir}'")
        self.con.execute(f"INSTALL '{ext}'")  # a local file: no download
        self.con.execute("LOAD postgres")
        self.con.execute(f"ATTACH '{url}' AS pg (TYPE postgres)")
        self.retries = 0
        self.retry_reasons: list[str] = []

    def close(self) -> None:
        self.con.close()

    def upsert(self, spec: dict, frame: pd.DataFrame, hold: float = 0.0) -> None:
        sql = duckdb_upsert_sql(spec, f"pg.{spec['name']}")
        for attempt in range(5):
            try:
                self.con.begin()
                for start in range(0, len(frame), BATCH):
                    chunk = prepare(frame.iloc[start : start + BATCH], spec)
                    self.con.register("_incoming", chunk)
                    try:
                        self.con.execute(sql).fetchall()
                    finally:
                        self.con.unregister("_incoming")
                if hold:
                    time.sleep(hold)
                self.con.commit()
                return
            except self.duckdb.Error as exc:
                with_retry = any(
                    s in str(exc)
                    for s in ("could not serialize", "deadlock detected", "duplicate key")
                )
                try:
                    self.con.rollback()
                except self.duckdb.Error:
                    pass
                if with_retry and attempt < 4:
                    self.retries += 1
                    self.retry_reasons.append(str(exc).splitlines()[0][:200])
                    continue
                raise

    def check(self) -> tuple:
        return self.con.execute(CHECK_SQL.format(table="pg.trade_flows")).fetchone()

    def consistent_read(self) -> tuple:
        self.con.begin()
        a = self.con.execute(
            "SELECT count(*), sum(value_usd) FROM pg.trade_flows WHERE year < 2021"
        ).fetchone()
        time.sleep(0.05)
        b = self.con.execute(
            "SELECT count(*), sum(value_usd) FROM pg.trade_flows WHERE year >= 2021"
        ).fetchone()
        self.con.commit()
        return (a[0] + b[0], (a[1] or 0) + (b[1] or 0))

    def flows(self, markets: list[str], codes: list[str]) -> pd.DataFrame:
        self.con.register("_asked", pd.DataFrame({"asked": codes}))
        try:
            return self.con.execute(duckdb_flows_sql(codes, "pg.trade_flows"), [markets]).df()
        finally:
            self.con.unregister("_asked")

    def previous(self, requests: list[list[str]]) -> int:
        wanted = pd.DataFrame(requests, columns=["tax_id", "before"])
        self.con.register("_wanted", wanted)
        try:
            sql = DUCKDB_PREVIOUS_SQL.format(table="pg.assessments")
            return len(self.con.execute(sql).fetchall())
        finally:
            self.con.unregister("_wanted")


class DuckdbFileBackend:
    """The baseline: exportkit's own Store API on a DuckDB file."""

    name = "duckdb-file"

    def __init__(self, path: str) -> None:
        from exportkit.store import open_store

        self.store = open_store(path, snapshot=False)
        self.retries = 0
        self.retry_reasons: list[str] = []

    def close(self) -> None:
        self.store.close()

    def upsert(self, spec: dict, frame: pd.DataFrame, hold: float = 0.0) -> None:
        from exportkit.store import tables

        self.store._upsert(tables.BY_NAME[spec["name"]], frame)

    def check(self) -> tuple:
        return self.store.con.execute(CHECK_SQL.format(table="trade_flows")).fetchone()

    def flows(self, markets: list[str], codes: list[str]) -> pd.DataFrame:
        from exportkit.markets.product import load_import_flows

        return load_import_flows(self.store.con, markets, codes)

    def previous(self, requests: list[list[str]]) -> int:
        got = self.store.previous_assessments(
            [(t, date.fromisoformat(b)) for t, b in requests], "export-readiness"
        )
        return len(got)


BACKENDS = {
    "psycopg": PsycopgBackend,
    "duckdb-attach": DuckdbAttachBackend,
    "duckdb-file": DuckdbFileBackend,
}


def run_worker(args) -> dict:
    data = Path(args.data)
    meta = json.loads((data / "meta.json").read_text(encoding="utf-8"))
    t0 = time.perf_counter()
    backend = BACKENDS[args.worker](args.url)
    out = {"backend": args.worker, "open_seconds": round(time.perf_counter() - t0, 3)}
    flows_spec, assess_spec = meta["trade_flows"], meta["assessments"]

    if args.mode == "writer":  # concurrency: upsert one file, optionally holding the transaction
        frame = pd.read_parquet(data / args.file)
        t0 = time.perf_counter()
        backend.upsert(flows_spec, frame, hold=args.hold)
        out.update(
            seconds=round(time.perf_counter() - t0, 3),
            retries=backend.retries,
            retry_reasons=backend.retry_reasons,
        )
        backend.close()
        return out
    if args.mode == "reader":  # concurrency: poll consistent reads until the stop file appears
        seen, stop = [], Path(args.file)
        deadline = time.monotonic() + 120
        while not stop.exists() and time.monotonic() < deadline:
            seen.append(backend.consistent_read())
        seen.append(backend.consistent_read())
        out.update(reads=len(seen), distinct=sorted({(n, round(s, 0)) for n, s in seen}))
        backend.close()
        return out

    flows = pd.read_parquet(data / "flows.parquet")
    reload = pd.read_parquet(data / "reload.parquet")
    if args.worker == "duckdb-file":
        from exportkit.store import tables
        from exportkit.store.frames import records_frame

        t0 = time.perf_counter()
        records_frame(flows, tables.TRADE_FLOWS)
        out["normalise_seconds"] = round(time.perf_counter() - t0, 3)  # baseline-only cost

    t0 = time.perf_counter()
    backend.upsert(flows_spec, flows)
    out["load_seconds"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    backend.upsert(flows_spec, reload)
    out["reload_seconds"] = round(time.perf_counter() - t0, 3)
    # a crawl writes 5,000-item batches (EXPORTKIT_STORE_BATCH), each its own transaction,
    # into a table that already holds everything: the cost per batch is what a crawl pays
    times = []
    for k in range(10):
        batch = reload.iloc[k * 5000 : (k + 1) * 5000]
        t0 = time.perf_counter()
        backend.upsert(flows_spec, batch)
        times.append(time.perf_counter() - t0)
    out["batch_5000_upsert_ms"] = round(float(np.median(times)) * 1000, 1)
    n, total, newer = backend.check()
    out["check"] = {"rows": n, "value_sum": float(total), "newer_rows": int(newer)}

    assessments = pd.read_parquet(data / "assessments.parquet")
    t0 = time.perf_counter()
    backend.upsert(assess_spec, assessments)
    out["assessments_save_seconds"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    out["previous_found"] = backend.previous(meta["previous_requests"])
    out["assessments_previous_seconds"] = round(time.perf_counter() - t0, 3)

    sets = meta["sets"][: args.read_sets] if args.read_sets else meta["sets"]
    rows = 0
    value = 0.0
    t0 = time.perf_counter()
    for codes in sets:
        frame = backend.flows(meta["markets"], codes)
        rows += len(frame)
        value += float(frame["value_usd"].sum()) if len(frame) else 0.0
    t_reads = time.perf_counter() - t0
    out.update(
        read_sets=len(sets),
        reads_seconds=round(t_reads, 3),
        read_ms_per_set=round(t_reads / len(sets) * 1000, 2),
        read_rows=rows,
        read_value_sum=value,
    )
    backend.close()
    out["peak_rss_mb"] = peak_rss_mb()
    return out


# =============================================================================================
# driver
# =============================================================================================
def worker(python: str, backend: str, data: Path, url: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [python, __file__, "--worker", backend, "--data", str(data), "--url", url, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def result_of(proc: subprocess.Popen, timeout: float = 1800) -> dict:
    out, err = proc.communicate(timeout=timeout)
    if proc.returncode != 0:
        return {"error": (err or out).strip().splitlines()[-1:] or ["?"], "stderr": err[-2000:]}
    return json.loads(out.strip().splitlines()[-1])


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1.0)


def concurrency(python: str, backend: str, data: Path, pg, meta: dict, tag: str) -> dict:
    """Two writers at once on overlapping keys; then a reader polling during a held write."""
    flows = pd.read_parquet(data / "flows.parquet")
    n = min(len(flows), 100_000)
    a = flows.iloc[: n // 2 * 2].copy()  # rows [0, n)
    b = flows.iloc[n // 2 : n // 2 + n].copy()  # rows [n/2, 3n/2): half overlaps a
    a["retrieved_at"], a["value_usd"] = datetime(2026, 1, 1), 1.0
    b["retrieved_at"], b["value_usd"] = datetime(2026, 2, 1), 2.0  # b retrieved later: wins
    a.to_parquet(data / f"w_a_{tag}.parquet", index=False)
    b.to_parquet(data / f"w_b_{tag}.parquet", index=False)
    url = pg.create_database(f"conc_{tag}")
    create_pg_schema(url, meta)
    procs = [
        worker(python, backend, data, url, "--mode", "writer", "--file", f"w_{x}_{tag}.parquet")
        for x in ("a", "b")
    ]
    writers = [result_of(p) for p in procs]
    import psycopg

    with psycopg.connect(url) as con:
        total, ones, twos = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE value_usd = 1), "
            "count(*) FILTER (WHERE value_usd = 2) FROM trade_flows"
        ).fetchone()
    union = len(pd.concat([a, b]).drop_duplicates(meta["trade_flows"]["key"]))
    only_a = union - len(b)
    two_writers = {
        "writers": writers,
        "rows": total,
        "expected_rows": union,
        "a_only_rows_kept": ones,
        "expected_a_only": only_a,
        "b_rows": twos,
        "expected_b": len(b),
        "ok": total == union and ones == only_a and twos == len(b),
    }

    # reader during a writer's transaction: load the flows, then re-load with a 3 s hold
    url2 = pg.create_database(f"snap_{tag}")
    create_pg_schema(url2, meta)
    loaded = result_of(worker(python, backend, data, url2, "--mode", "writer", "--file", "flows.parquet"))  # fmt: skip
    stop = data / f"stop_{tag}"
    reader = worker(python, backend, data, url2, "--mode", "reader", "--file", str(stop))
    time.sleep(1.0)
    writer = worker(python, backend, data, url2, "--mode", "writer", "--file", "reload.parquet", "--hold", "3")  # fmt: skip
    w = result_of(writer)
    stop.touch()
    r = result_of(reader)
    before = (len(flows), round(float(flows["value_usd"].sum()), 0))
    after = (meta["expected"]["rows"], round(meta["expected"]["value_sum"], 0))
    seen = [tuple(x) for x in r.get("distinct", [])]
    snapshot = {
        "load": loaded,
        "writer": w,
        "reader_reads": r.get("reads"),
        "distinct_states_seen": seen,
        "before": before,
        "after": after,
        "ok": bool(seen) and all(s in (before, after) for s in seen) and after in seen,
        **({"reader_error": r["error"]} if "error" in r else {}),
    }
    return {"two_writers": two_writers, "reader_during_write": snapshot}


def duckdb_file_second_writer(path: Path) -> str:
    """What a second process gets while one holds the DuckDB file open."""
    import duckdb

    holder = duckdb.connect(str(path))
    try:
        probe = subprocess.run(
            [sys.executable, "-c", f"import duckdb; duckdb.connect({str(path)!r})"],
            capture_output=True,
            text=True,
        )
    finally:
        holder.close()
    if probe.returncode == 0:
        return "opened"
    last = probe.stderr.strip().splitlines()[-1]
    return "refused: " + last[:160]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="54,000 rows and 100 sets")
    parser.add_argument("--attach-python", help="Python with duckdb==1.5.5 + the extension")
    parser.add_argument("--attach-read-sets", type=int, default=0, help="0 = all sets")
    parser.add_argument("--worker", choices=sorted(BACKENDS))
    parser.add_argument("--mode", default="bench", choices=["bench", "writer", "reader"])
    parser.add_argument("--data")
    parser.add_argument("--url")
    parser.add_argument("--file")
    parser.add_argument("--hold", type=float, default=0.0)
    parser.add_argument("--read-sets", type=int, default=0)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_worker(args), default=str))
        return

    sys.path.insert(0, str(HERE.parent / "tests"))
    from pg_server import DURABLE_SETTINGS, PostgresCluster, unavailable_reason

    reason = unavailable_reason()
    if reason:
        sys.exit(reason)
    import duckdb
    import psycopg

    n_codes, n_sets = (100, 100) if args.quick else (1000, 1000)
    results: dict = {"bench": "pg_backends", "quick": args.quick}
    with tempfile.TemporaryDirectory() as tmp, PostgresCluster(DURABLE_SETTINGS) as pg:
        data = Path(tmp)
        t0 = time.perf_counter()
        meta = make_data(data, n_codes, n_sets)
        results["generate_seconds"] = round(time.perf_counter() - t0, 1)
        expected = meta["expected"]
        with psycopg.connect(pg.url()) as con:
            results["postgres"] = con.info.server_version
        results["duckdb"] = duckdb.__version__

        runs = {}
        runs["duckdb-file"] = result_of(
            worker(sys.executable, "duckdb-file", data, str(data / "bench.duckdb"))
        )
        url = pg.create_database("bench_psycopg")
        create_pg_schema(url, meta)
        runs["psycopg"] = result_of(worker(sys.executable, "psycopg", data, url))
        attach_python = args.attach_python
        if attach_python:
            url = pg.create_database("bench_attach")
            create_pg_schema(url, meta)
            extra = ["--read-sets", str(args.attach_read_sets)] if args.attach_read_sets else []
            runs["duckdb-attach"] = result_of(
                worker(attach_python, "duckdb-attach", data, url, *extra)
            )
        else:
            runs["duckdb-attach"] = {
                "error": "not run: needs --attach-python (duckdb==1.5.5 venv; the extension "
                "on PyPI does not load into DuckDB " + duckdb.__version__ + ")"
            }
        for run in runs.values():
            if "check" in run:
                c = run["check"]
                run["correct"] = (
                    c["rows"] == expected["rows"]
                    and close(c["value_sum"], expected["value_sum"])
                    and c["newer_rows"] == expected["newer_rows"]
                    and run["previous_found"] == len(meta["previous_requests"])
                )
        for name, run in runs.items():
            if "error" in run:
                print(f"{name}: {run.get('stderr') or run['error']}", file=sys.stderr)
        base = runs["duckdb-file"]
        for name, run in runs.items():
            if name != "duckdb-file" and run.get("read_sets") and run["read_sets"] == base.get("read_sets"):  # fmt: skip
                run["reads_match_baseline"] = run["read_rows"] == base["read_rows"] and close(
                    run["read_value_sum"], base["read_value_sum"]
                )
        results["runs"] = runs
        results["concurrency"] = {
            "psycopg": concurrency(sys.executable, "psycopg", data, pg, meta, "psycopg"),
            "duckdb-file": {"second_process": duckdb_file_second_writer(data / "bench.duckdb")},
        }
        if attach_python:
            results["concurrency"]["duckdb-attach"] = concurrency(
                attach_python, "duckdb-attach", data, pg, meta, "attach"
            )
    results["rows"] = expected["rows"]
    results["sets"] = n_sets
    results["peak_rss_mb"] = peak_rss_mb()
    results["machine"] = "2 cores (shared)"
    for name, run in results["runs"].items():
        print(
            f"{name:14s} load {run.get('load_seconds')} s, reload {run.get('reload_seconds')} s, "
            f"assess save {run.get('assessments_save_seconds')} s / previous "
            f"{run.get('assessments_previous_seconds')} s, reads {run.get('reads_seconds')} s "
            f"({run.get('read_ms_per_set')} ms/set), 5,000-row crawl batch "
            f"{run.get('batch_5000_upsert_ms')} ms, peak {run.get('peak_rss_mb')} MB, "
            f"correct {run.get('correct')} {run.get('error', '')}"
        )
    for name, conc in results["concurrency"].items():
        summary = {k: v.get("ok", v) if isinstance(v, dict) else v for k, v in conc.items()}
        print(f"concurrency {name}: {summary}")
    print(json.dumps(results, default=str))
    failed = [n for n, r in results["runs"].items() if r.get("correct") is False]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
