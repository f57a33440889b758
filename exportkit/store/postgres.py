"""PostgreSQL as the store: a team's shared database (``--db postgresql://user@host/db``).

psycopg 3 with a connection pool per URL and process (``psycopg_pool``; a process that opens
the store several times reuses its connections). Statements arrive written for both engines
(``?`` placeholders, DuckDB's type names mapped by :data:`~exportkit.store.dialect.POSTGRESQL`);
a DataFrame offered to SQL is copied (``COPY … FROM STDIN``) into a temporary table; results
come back as DataFrames with the dtypes DuckDB gives, so the layers above cannot tell the
engines apart.

Concurrency: every write runs in a READ COMMITTED transaction; the upsert's ``ON CONFLICT …
WHERE`` is re-checked against a row another writer has just committed, so "latest retrieved
wins" and "a newer null never erases a figure" hold whatever the commit order. Migrations
take an advisory lock, so two processes opening a fresh database do not both create it.

psycopg is in the ``team`` extra (``pip install 'exportkit[team]'``); without it a URL gives a
``StoreError`` saying so.
"""

from __future__ import annotations

import atexit
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import pandas as pd

from exportkit.errors import StoreError
from exportkit.store.dialect import POSTGRESQL

#: an advisory-lock key of exportkit's migrations (any constant; one per application)
SCHEMA_LOCK = 0x6578_706B  # "expk"
#: SQLSTATEs after which a whole transaction may simply be run again
RETRYABLE = {"40001", "40P01"}  # serialization failure, deadlock detected
CONNECT_TIMEOUT = 10  # seconds: a wrong host fails fast instead of hanging
POOL_SIZE = 4
NULL = "\\N"  # COPY's NULL marker: an empty string stays an empty string

# PostgreSQL type OIDs → the pandas dtype DuckDB's ``.df()`` gives the same column
_INTS = {21: "Int16", 23: "Int32", 20: "Int64"}
_FLOATS = {700, 701, 1700}
_TIMES = {1082, 1114, 1184}  # date, timestamp, timestamptz
_BOOL, _TEXTS = 16, {25, 1043, 1042, 19}

_pools: dict[str, object] = {}
_pools_lock = threading.Lock()
#: temporary tables made on each pooled connection (they live as long as the connection)
_temp_tables: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def redact(url: str) -> str:
    """The URL without its password, for messages and records.

    >>> redact("postgresql://ana:secret@db.office:5432/market")
    'postgresql://ana:***@db.office:5432/market'
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    netloc = f"{parts.username or ''}:***@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _drivers():
    try:
        import psycopg
        import psycopg_pool
    except ImportError:
        raise StoreError(
            "a postgresql:// database needs psycopg: pip install 'exportkit[team]'",
            zh="postgresql:// 資料庫需要 psycopg：pip install 'exportkit[team]'",
        ) from None
    return psycopg, psycopg_pool


def _pool(url: str):
    """The process's pool for ``url``; the first connection is made directly, so a wrong
    host, user or database name fails at once with PostgreSQL's own reason."""
    psycopg, psycopg_pool = _drivers()
    with _pools_lock:
        pool = _pools.get(url)
        if pool is not None:
            return pool
        try:
            psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT).close()
        except psycopg.Error as exc:
            reason = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
            raise StoreError(
                f"cannot connect to the market database {redact(url)}: "
                f"{reason.replace(url, redact(url)) or type(exc).__name__}",
                zh=f"無法連線至市場資料庫 {redact(url)}：{reason.replace(url, redact(url)) or type(exc).__name__}",
            ) from None
        pool = psycopg_pool.ConnectionPool(
            url,
            min_size=1,
            max_size=POOL_SIZE,
            kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT},
            check=psycopg_pool.ConnectionPool.check_connection,  # a server restart is survived
            open=False,
            name="exportkit-store",
        )
        pool.open(wait=True, timeout=CONNECT_TIMEOUT * 2)
        _pools[url] = pool
        return pool


@atexit.register
def close_pools() -> None:
    """Close every pool of this process (at exit; tests call it after stopping a server)."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()


def _placeholders(sql: str) -> str:
    # the store writes ``?`` (DuckDB's style) and never a literal ``%`` or ``?`` in SQL text
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresEngine:
    """One pooled psycopg connection (autocommit; transactions are explicit)."""

    dialect = POSTGRESQL

    def __init__(self, url: str) -> None:
        psycopg, _ = _drivers()
        self.errors: tuple[type[BaseException], ...] = (psycopg.Error,)
        self._psycopg = psycopg
        self.location = redact(url)
        self._pool = _pool(url)
        try:
            self.raw = self._pool.getconn(timeout=CONNECT_TIMEOUT * 2)
        except Exception as exc:  # PoolTimeout, or the server went away meanwhile
            raise StoreError(
                f"cannot connect to the market database {self.location}: {exc}",
                zh=f"無法連線至市場資料庫 {self.location}：{exc}",
            ) from None

    # -- statements ------------------------------------------------------------------------
    def _execute(self, cur, sql: str, params: Sequence[object]) -> None:
        try:
            cur.execute(_placeholders(sql), list(params) or None)
        except self._psycopg.OperationalError as exc:
            if getattr(exc, "sqlstate", None) in RETRYABLE:
                raise
            raise StoreError(
                f"lost the connection to the market database {self.location}: {exc}",
                zh=f"與市場資料庫 {self.location} 的連線中斷：{exc}",
            ) from None

    def rows(self, sql: str, params: Sequence[object]) -> list[tuple]:
        """All rows of a statement (none for one without a result)."""
        with self.raw.cursor() as cur:
            self._execute(cur, sql, params)
            return cur.fetchall() if cur.description is not None else []

    def frame(self, sql: str, params: Sequence[object]) -> pd.DataFrame:
        """A query's result with DuckDB's dtypes (Int32/int32, float64, str, datetime64[us]…)."""
        with self.raw.cursor() as cur:
            self._execute(cur, sql, params)
            names = [d.name for d in cur.description]
            oids = [d.type_code for d in cur.description]
            records = cur.fetchall()
        columns = list(zip(*records, strict=True)) if records else [()] * len(names)
        data = {
            n: _series(values, oid) for n, values, oid in zip(names, columns, oids, strict=True)
        }
        return pd.DataFrame(data, columns=names)

    # -- transactions ----------------------------------------------------------------------
    def begin(self) -> None:
        """Start a transaction (READ COMMITTED, the server's default)."""
        self.rows("BEGIN", [])

    def commit(self) -> None:
        """Commit the transaction."""
        self.rows("COMMIT", [])

    def rollback(self) -> None:
        """Roll back (and forget temporary tables the transaction created)."""
        _temp_tables.pop(self.raw, None)
        try:
            self.rows("ROLLBACK", [])
        except StoreError:
            pass  # the connection is gone: the server rolled back already

    def lock_schema(self) -> None:
        """Hold the migrations' advisory lock until the transaction ends."""
        self.rows("SELECT pg_advisory_xact_lock(?)", [SCHEMA_LOCK])

    def is_retryable(self, exc: BaseException) -> bool:
        """A deadlock or serialization failure: the transaction can be run again."""
        return getattr(exc, "sqlstate", None) in RETRYABLE

    def analyze(self, table: str) -> None:
        """Refresh the planner's statistics of ``table`` (after a bulk load)."""
        self.rows(f"ANALYZE {table}", [])

    # -- DataFrames ------------------------------------------------------------------------
    @contextmanager
    def registered(self, name: str, frame: pd.DataFrame, columns) -> Iterator[str]:
        """``frame`` as the temporary table ``name`` (``columns``: name, DuckDB type); the
        caller holds a transaction. Emptied afterwards for the next use on this connection."""
        made = _temp_tables.setdefault(self.raw, set())
        if name not in made:
            ddl = ", ".join(f'"{c}" {POSTGRESQL.sql_type(t)}' for c, t in columns)
            self.rows(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({ddl}) ON COMMIT DELETE ROWS", [])
            made.add(name)
        names = [c for c, _ in columns]
        copy_sql = f"COPY {name} ({', '.join(names)}) FROM STDIN (FORMAT csv, NULL '{NULL}')"
        with self.raw.cursor() as cur, cur.copy(copy_sql) as copy:
            step = 50_000
            for start in range(0, len(frame), step):
                part = frame.iloc[start : start + step][names]
                copy.write(part.to_csv(index=False, header=False, na_rep=NULL))
        yield name
        self.rows(f"TRUNCATE {name}", [])  # the next chunk of this transaction starts empty

    def close(self) -> None:
        """Give the connection back to the pool (rolled back if a transaction was left)."""
        if self.raw is not None:
            raw, self.raw = self.raw, None
            if raw.info.transaction_status != self._psycopg.pq.TransactionStatus.IDLE:
                _temp_tables.pop(raw, None)
            try:
                self._pool.putconn(raw)
            except Exception:  # the pool is closed (interpreter exit): just drop it
                raw.close()


def _series(values: Sequence[object], oid: int) -> pd.Series:
    """One result column with the dtype DuckDB's ``.df()`` gives it."""
    if oid in _INTS:
        series = pd.Series(values, dtype=_INTS[oid])
        return series if series.hasnans else series.astype(_INTS[oid].lower())
    if oid in _FLOATS:
        return pd.Series([None if v is None else float(v) for v in values], dtype="float64")
    if oid in _TIMES:
        series = pd.to_datetime(pd.Series(values, dtype=object), utc=oid == 1184)
        if oid == 1184:
            series = series.dt.tz_localize(None)
        return series.astype("datetime64[us]")
    if oid == _BOOL:
        series = pd.Series(values, dtype="boolean")
        return series if series.hasnans else series.astype(bool)
    if oid in _TEXTS:
        if all(v is None for v in values):
            return pd.Series(values, dtype=object)  # DuckDB: an all-NULL text column
        return pd.Series(values, dtype="str")
    return pd.Series(values, dtype=object)
