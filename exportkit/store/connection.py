"""The store's connection: which engine, transactions, meta keys and the bulk upsert.

A database is a DuckDB file (the embedded default) or a PostgreSQL URL
(``postgresql://user@host/db``, a team's shared store: ``exportkit.store.postgres``). Both sit
behind the same :class:`Connection` methods — ``rows``, ``frame``, ``transaction``,
``registered``, ``upsert_frame`` — and one :class:`~exportkit.store.dialect.Dialect` fills in
the few spots where their SQL differs, so the read queries (``queries``), the assessment
history (``history``), the table definitions (``tables``) and the migrations (``schema``) are
written once.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import platformdirs
import pyarrow as pa

from exportkit.errors import StoreError
from exportkit.i18n import default_lang, os_reason, t
from exportkit.store.dialect import DUCKDB, Dialect
from exportkit.store.frames import chunks, records_frame
from exportkit.store.postgres import redact
from exportkit.store.schema import migrate
from exportkit.store.tables import TableSpec

DB_ENV = "EXPORTKIT_DB"
#: seconds a command waits for a DuckDB file another process holds (then a clear error)
WAIT_ENV = "EXPORTKIT_DB_WAIT"
DEFAULT_WAIT = 10.0
log = logging.getLogger(__name__)
DB_FILENAME = "market.duckdb"
URL_SCHEMES = ("postgresql://", "postgres://")
#: a bulk load at least this big refreshes the planner's statistics (PostgreSQL)
ANALYZE_ROWS = 50_000


def is_url(target: object) -> bool:
    """True for a PostgreSQL URL (``postgresql://…``), False for a DuckDB file path."""
    return isinstance(target, str) and target.startswith(URL_SCHEMES)


def shown_target(target: str | os.PathLike | None) -> str | None:
    """A ``--db`` as it may be printed or recorded (results.json): a URL loses its password.

    >>> shown_target("postgresql://ana:secret@db.office/market")
    'postgresql://ana:***@db.office/market'
    """
    if target is None:
        return None
    return redact(str(target)) if is_url(str(target)) else str(target)


def default_db_path() -> Path:
    """The default DuckDB file: ``$EXPORTKIT_DB`` (when it is a path), else ``market.duckdb``
    in the platform's user-data folder. See :func:`default_target` for URLs too."""
    env = os.environ.get(DB_ENV)
    if env and not is_url(env):
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("exportkit", appauthor=False)) / DB_FILENAME


def default_target() -> str | Path:
    """What ``--db`` means when it is not given: ``$EXPORTKIT_DB`` (a file or a URL), else
    :func:`default_db_path`."""
    env = os.environ.get(DB_ENV)
    return env if is_url(env) else default_db_path()


def resolve_target(target: str | os.PathLike | None) -> str | Path:
    """A ``--db`` value as the engine sees it: a URL unchanged, a file path expanded."""
    if target is None or str(target) == "":
        return default_target()
    if is_url(str(target)):
        return str(target)
    return Path(target).expanduser()


def lock_wait() -> float:
    """How long to wait for a held DuckDB file: ``$EXPORTKIT_DB_WAIT`` seconds, else 10."""
    try:
        return max(0.0, float(os.environ.get(WAIT_ENV, DEFAULT_WAIT)))
    except ValueError:
        return DEFAULT_WAIT


def _holder(text: str) -> tuple[str, str]:
    """The process holding the file, from DuckDB's message and /proc: (English, zh-TW)."""
    found = re.search(r"PID (\d+)", text)
    if not found:
        return t("db_holder_unknown", "en"), t("db_holder_unknown", "zh-TW")
    pid = found.group(1)
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        words = " ".join(a.decode("utf-8", "replace") for a in argv if a).split()
        command = " ".join(words)[:120]  # one line, even for a `python -c` program
    except OSError:
        command = ""
    command = command or "?"
    return tuple(t("db_holder_process", lang, pid=pid, command=command) for lang in ("en", "zh-TW"))


def _bilingual(key: str, **kwargs: object) -> StoreError:
    def text(lang: str) -> str:
        values = {k: v[lang == "zh-TW"] if isinstance(v, tuple) else v for k, v in kwargs.items()}
        return t(key, lang, **values)

    return StoreError(text("en"), zh=text("zh-TW"))


def corrupt_error(path: object, exc: BaseException) -> StoreError:
    """The one message for a DuckDB file that cannot be read (truncated, overwritten)."""
    detail = str(exc).splitlines()[0][:200]
    return _bilingual("db_corrupt", path=path, detail=detail)


def _damaged(text: str) -> bool:
    lowered = text.lower()
    return any(
        sign in lowered
        for sign in ("not a valid duckdb database", "corrupt", "could not read enough bytes",
                     "checksum", "failed to read", "invalid block")
    )  # fmt: skip


def connect(path: Path, wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open the database file, turning DuckDB's errors into a ``StoreError`` a user can act on.

    A file another process holds (DuckDB has one writing process) is waited for, up to
    ``wait`` seconds (default :func:`lock_wait`), with one warning naming that process; then a
    bilingual error names the file and the process.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the folder for the market database {path}: {os_reason(exc, 'en')}",
            zh=f"無法建立市場資料庫的資料夾 {path}：{os_reason(exc, 'zh-TW')}",
        ) from None
    wait = lock_wait() if wait is None else wait
    deadline = time.monotonic() + wait
    warned = False
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" not in text.lower():
                raise _open_error(path, text) from None
            holder = _holder(text)
            if time.monotonic() >= deadline:
                raise _bilingual("db_in_use", path=path, holder=holder, wait=f"{wait:g}") from None
            if not warned:
                shown = holder[default_lang() == "zh-TW"]
                log.warning(
                    t("db_waiting", default_lang(), path=path, holder=shown, wait=f"{wait:g}")
                )
                warned = True
            time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))
        except duckdb.Error as exc:
            if _damaged(str(exc)):
                raise corrupt_error(path, exc) from None
            raise StoreError(
                f"cannot open the market database {path} (is it corrupt?): {exc}",
                zh=f"無法開啟市場資料庫 {path}（檔案是否損壞？）：{exc}",
            ) from None


def _open_error(path: Path, text: str) -> StoreError:
    """A DuckDB I/O error on opening that is not a lock."""
    if "not a valid DuckDB database" in text:
        return _bilingual("db_not_a_database", path=path)
    if _damaged(text):
        return corrupt_error(path, text)
    return StoreError(
        f"cannot open the market database {path}: {text}", zh=f"無法開啟市場資料庫 {path}：{text}"
    )


def utcnow() -> datetime:
    """Now, as the naive UTC timestamp the tables store."""
    return datetime.now(UTC).replace(tzinfo=None)


class DuckDBEngine:
    """A DuckDB file: the embedded default (one writing process at a time)."""

    dialect = DUCKDB
    errors: tuple[type[BaseException], ...] = (duckdb.Error,)

    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)
        self.raw: duckdb.DuckDBPyConnection | None = connect(path)

    def rows(self, sql: str, params: Sequence[object]) -> list[tuple]:
        """All rows (fetched whole: DuckDB blocks a connection on a half-read result)."""
        with self._reading():
            return self.raw.execute(sql, list(params)).fetchall()

    def frame(self, sql: str, params: Sequence[object]) -> pd.DataFrame:
        """A query's result as a DataFrame (DuckDB's own conversion)."""
        with self._reading():
            return self.raw.execute(sql, list(params)).df()

    @contextmanager
    def _reading(self) -> Iterator[None]:
        # a truncated or overwritten file passes the open and fails at the first block read
        try:
            yield
        except duckdb.Error as exc:
            if _damaged(str(exc)):
                raise corrupt_error(self.path, exc) from None
            raise

    def begin(self) -> None:
        """Start a transaction."""
        self.raw.begin()

    def commit(self) -> None:
        """Commit the transaction."""
        self.raw.commit()

    def rollback(self) -> None:
        """Roll the transaction back."""
        self.raw.rollback()

    def lock_schema(self) -> None:
        """Nothing to do: a DuckDB file has one writing process (its file lock)."""

    @contextmanager
    def registered(self, name: str, frame: pd.DataFrame, columns) -> Iterator[str]:
        """``frame`` readable as the table ``name`` (DuckDB scans the DataFrame itself)."""
        self.raw.register(name, frame)
        try:
            yield name
        finally:
            self.raw.unregister(name)

    def analyze(self, table: str) -> None:
        """Nothing to do: DuckDB keeps its statistics as it writes."""

    def is_retryable(self, exc: BaseException) -> bool:
        """DuckDB writers never race inside one file."""
        return False

    def close(self) -> None:
        """Close the file."""
        if self.raw is not None:
            self.raw.close()
            self.raw = None


def _plain(value: object) -> object:
    """A value psycopg can send: missing values as None (pandas' NA/NaT/NaN are not)."""
    return None if pd.isna(value) else value


def open_engine(target: str | Path):
    """The engine for a resolved target: PostgreSQL for a URL, else a DuckDB file."""
    if is_url(target):
        from exportkit.store.postgres import PostgresEngine

        return PostgresEngine(str(target))
    return DuckDBEngine(Path(target))


class Connection:
    """One open database: lifecycle, transactions, meta keys and the bulk upsert.

    Every ``upsert_*`` built on :meth:`upsert_frame` is idempotent (one row per natural key; on
    a clash the row retrieved last wins, and a newer row lacking the figure keeps the known
    one) and transactional (all or nothing, even if the process is killed midway). On
    PostgreSQL several processes may write at once: each key's row is decided by the same
    rule whatever the commit order.
    """

    #: rows converted and written per step of a bulk load (bounds memory, not atomicity)
    chunk_rows = 100_000

    def __init__(self, target: str | os.PathLike | None) -> None:
        self._engine = open_engine(resolve_target(target))
        self.dialect: Dialect = self._engine.dialect
        #: where the data lives, for messages (a PostgreSQL URL without its password)
        self.location: str = self._engine.location
        #: the DuckDB file, or for PostgreSQL the location
        self.path = getattr(self._engine, "path", self.location)
        self._depth = 0

    def _migrate(self) -> None:
        try:
            migrate(self, where=self.location)
        except self._engine.errors as exc:
            raise StoreError(
                f"cannot update the market database {self.location}: {exc}",
                zh=f"無法更新市場資料庫 {self.location}：{exc}",
            ) from None

    @property
    def engine(self):
        """The engine (``DuckDBEngine`` or ``PostgresEngine``); ``StoreError`` once closed."""
        if self._engine.raw is None:
            raise StoreError(
                f"the market database {self.location} is closed",
                zh=f"市場資料庫 {self.location} 已關閉",
            )
        return self._engine

    @property
    def con(self):
        """The driver's own connection (DuckDB or psycopg), for tests and benchmarks."""
        return self.engine.raw

    @property
    def backend(self) -> str:
        """``"duckdb"`` or ``"postgresql"``."""
        return self.dialect.name

    def close(self) -> None:
        """Close the connection (idempotent; a PostgreSQL one goes back to its pool)."""
        self._engine.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        """The highest migration applied to this database."""
        return self.rows("SELECT max(version) FROM schema_version")[0][0]

    @contextmanager
    def transaction(self):
        """Group several writes into one all-or-nothing transaction (nesting is allowed)."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        engine = self.engine
        engine.begin()
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            engine.rollback()
            raise
        self._depth = 0
        try:
            engine.commit()
        except engine.errors as exc:
            raise StoreError(
                f"could not save to the market database {self.location}: {exc}",
                zh=f"無法儲存至市場資料庫 {self.location}：{exc}",
            ) from None

    @contextmanager
    def registered(
        self, name: str, frame: pd.DataFrame, columns: Sequence[tuple[str, str]]
    ) -> Iterator[str]:
        """``frame`` readable as the table ``name`` inside the block.

        ``columns`` are its (name, type) pairs in DuckDB's type names: PostgreSQL copies the
        frame into a temporary table of that shape (inside a transaction, which this opens).
        """
        with self.transaction(), self.engine.registered(name, frame, columns):
            yield name

    @contextmanager
    def offered(
        self,
        name: str,
        frame: pd.DataFrame,
        columns: Sequence[tuple[str, str]],
        alias: str | None = None,
    ) -> Iterator[tuple[str, list[object]]]:
        """A small ``frame`` for one read query: ``(from_item, params)`` to put in a ``FROM``
        (``SELECT … FROM {from_item}``, named ``alias`` or ``name`` there) with ``params``
        first among the query's parameters.

        DuckDB scans the registered DataFrame; PostgreSQL gets the columns as arrays
        (``unnest(?::VARCHAR[], …) AS name(…)``): no temporary table, so a read writes nothing
        and needs no transaction.
        """
        if self.dialect.name == "postgresql":
            arrays = ", ".join(f"?::{self.dialect.sql_type(t)}[]" for _, t in columns)
            names = ", ".join(f'"{c}"' for c, _ in columns)
            params = [[_plain(v) for v in frame[c].tolist()] for c, _ in columns]
            yield f"unnest({arrays}) AS {alias or name}({names})", params
            return
        with self.engine.registered(name, frame, columns):
            yield (f"{name} AS {alias}" if alias else name), []

    def rows(self, sql: str, params: Sequence[object] | None = None) -> list[tuple]:
        """All rows of a query (an empty list for a statement without a result)."""
        return self.engine.rows(sql, params or [])

    def frame(self, sql: str, params: Sequence[object] | None = None) -> pd.DataFrame:
        """A query's result as a DataFrame (the same dtypes from either engine)."""
        return self.engine.frame(sql, params or [])

    def meta(self, key: str) -> str | None:
        """A value of the ``meta`` table (e.g. ``snapshot_loaded``), or None."""
        rows = self.rows("SELECT value FROM meta WHERE key = ?", [key])
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        """Set a value of the ``meta`` table."""
        self.rows(
            "INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    def upsert_sql(self, spec: TableSpec, incoming: str) -> str:
        """The upsert of ``spec`` from the registered table ``incoming`` (both engines)."""
        cols = spec.column_names
        select = ", ".join(
            f'CAST("{c.name}" AS {self.dialect.sql_type(c.sql_type)}) AS "{c.name}"'
            for c in spec.columns
        )
        updates = ", ".join(f'"{c}" = excluded."{c}"' for c in cols if c not in spec.key)
        order = f" ORDER BY {', '.join(spec.key)}" if self.dialect.ordered_upserts else ""
        sql = (
            f"INSERT INTO {spec.name} ({', '.join(cols)}) SELECT {select} FROM {incoming}{order} "
            f"ON CONFLICT ({', '.join(spec.key)}) DO UPDATE SET {updates}"
        )
        if spec.recency:
            r, t = spec.recency, spec.name
            floor = "TIMESTAMP '1900-01-01'"
            newer = f"coalesce(excluded.{r}, {floor}) >= coalesce({t}.{r}, {floor})"
            if spec.measure:
                # A row with the figure beats one without; between two alike the later
                # retrieval wins. A total order, so the outcome is the same whatever order the
                # rows arrive or concurrent writers commit in: a known figure is never lost to
                # a null, newer or not.
                m = spec.measure
                sql += (
                    f" WHERE (excluded.{m} IS NOT NULL AND {t}.{m} IS NULL)"
                    f" OR ((excluded.{m} IS NULL) = ({t}.{m} IS NULL) AND {newer})"
                )
            else:
                sql += f" WHERE {newer}"
        return sql

    def upsert_frame(self, spec: TableSpec, frame: pd.DataFrame) -> int:
        """Upsert a DataFrame already in ``spec``'s columns; returns the rows offered."""
        if frame.empty:
            return 0
        if spec.recency:
            # Within one batch, too, the same rule as between batches (a key may appear twice;
            # in PostgreSQL one statement may not touch a row twice): rows with the figure
            # first, then the row retrieved last.
            order = [spec.recency]
            if spec.measure:
                frame = frame.assign(_known=frame[spec.measure].notna())
                order = ["_known", spec.recency]
            frame = frame.sort_values(order, kind="stable", na_position="first")
        frame = frame.drop_duplicates(list(spec.key), keep="last")
        frame = frame.drop(columns="_known", errors="ignore")
        incoming = f"_incoming_{spec.name}"
        columns = [(c.name, c.sql_type) for c in spec.columns]
        with self.registered(incoming, frame, columns):
            try:
                self.rows(self.upsert_sql(spec, incoming))
            except self.engine.errors as exc:
                if self.engine.is_retryable(exc):
                    raise  # the outermost transaction retries (upsert_records)
                raise StoreError(
                    f"could not write {spec.name}: {exc}", zh=f"無法寫入 {spec.name}：{exc}"
                ) from None
        return len(frame)

    def upsert_stream(self, spec: TableSpec, batches: pa.RecordBatchReader) -> int:
        """Upsert an Arrow stream in ``spec``'s columns, one key per row (a bulk file's rows
        reduced by key), in one transaction; returns the rows offered. Same rules as
        :meth:`upsert_frame`.

        DuckDB reads the stream itself (no DataFrame): the rows are staged, the keys already
        stored go through the upsert and the new ones through a plain insert (``ON
        CONFLICT`` costs twice a plain insert on a bulk load of new keys). PostgreSQL gets
        the stream batch by batch through :meth:`upsert_frame`.
        """
        if self.backend != "duckdb":
            total = 0
            with self.transaction():
                for batch in batches:
                    total += self.upsert_frame(spec, records_frame(batch.to_pandas(), spec))
            return total
        con = self.engine.raw
        cols = ", ".join(f'"{c}"' for c in spec.column_names)
        select = ", ".join(f'CAST("{c.name}" AS {c.sql_type}) AS "{c.name}"' for c in spec.columns)
        match = " AND ".join(f's."{k}" = t."{k}"' for k in spec.key)
        stored = f"EXISTS (SELECT 1 FROM {spec.name} t WHERE {match})"
        with self.transaction():
            try:
                con.register("_arrow", batches)
                try:
                    self.rows(
                        f"CREATE OR REPLACE TEMP TABLE _staged AS SELECT {select} FROM _arrow"
                    )
                finally:
                    con.unregister("_arrow")
                offered = self.rows("SELECT count(*) FROM _staged")[0][0]
                self.rows(self.upsert_sql(spec, f"_staged s WHERE {stored}"))
                self.rows(
                    f"INSERT INTO {spec.name} ({cols}) SELECT {cols} FROM _staged s "
                    f"WHERE NOT {stored}"
                )
                self.rows("DROP TABLE _staged")
            except duckdb.Error as exc:
                raise StoreError(
                    f"could not write {spec.name}: {exc}", zh=f"無法寫入 {spec.name}：{exc}"
                ) from None
        return offered

    def upsert_records(self, spec: TableSpec, items: Iterable[object] | pd.DataFrame) -> int:
        """Upsert model dataclasses (or a DataFrame) in bounded chunks, in one transaction.

        On PostgreSQL a write that meets a deadlock or serialization failure from another
        writer is retried whole (when this call owns the transaction and ``items`` can be
        read again); nothing is lost or half-written either way.
        """
        replayable = self._depth == 0 and isinstance(items, pd.DataFrame | list | tuple)
        for attempt in range(3 if replayable else 1):
            try:
                total = 0
                with self.transaction():
                    for batch in chunks(items, self.chunk_rows):
                        total += self.upsert_frame(spec, records_frame(batch, spec))
                break
            except self.engine.errors as exc:
                if not self.engine.is_retryable(exc):
                    raise StoreError(
                        f"could not write {spec.name}: {exc}", zh=f"無法寫入 {spec.name}：{exc}"
                    ) from None
                if attempt == 2 or not replayable:
                    raise StoreError(
                        f"could not write {spec.name}: another process kept conflicting "
                        f"with this write ({exc}); run it again",
                        zh=f"無法寫入 {spec.name}：另一個程序持續與此寫入衝突（{exc}）；請再執行一次",
                    ) from None
        if self._depth == 0 and total >= ANALYZE_ROWS:
            self.engine.analyze(spec.name)  # fresh planner statistics after a bulk load
        return total
