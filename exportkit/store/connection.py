"""The DuckDB connection: opening, transactions, meta keys, bulk upserts and SQL dialect.

Everything that is particular to DuckDB lives here — how a file is opened and locked, how a
DataFrame is offered to SQL, the upsert statement, "one of these values" and "the latest
row per group" — so that a second backend (PostgreSQL) is added here, behind the same
:class:`Connection` methods, while the read queries (``queries``), the assessment history
(``history``) and the table definitions (``tables``) stay as they are.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import platformdirs
import pyarrow as pa

from exportkit.errors import StoreError
from exportkit.store.frames import chunks, records_frame
from exportkit.store.schema import migrate
from exportkit.store.tables import TableSpec

DB_ENV = "EXPORTKIT_DB"
DB_FILENAME = "market.duckdb"


def default_db_path() -> Path:
    """``$EXPORTKIT_DB`` if set, else ``market.duckdb`` in the platform's user-data folder."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("exportkit", appauthor=False)) / DB_FILENAME


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """Open the database file, turning DuckDB's errors into a ``StoreError`` a user can act on."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the folder for the market database {path}: {exc}"
        ) from None
    try:
        return duckdb.connect(str(path))
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            pid = re.search(r"PID (\d+)", text)
            holder = f" (process {pid.group(1)})" if pid else ""
            raise StoreError(
                f"the market database {path} is in use by another exportkit process{holder}; "
                "close it (or wait for it to finish) and try again"
            ) from None
        if "not a valid DuckDB database" in text:
            raise StoreError(
                f"{path} is not a valid market database (the file is corrupt or is some other "
                "kind of file); restore it from an export, or delete it to start from the "
                "bundled snapshot"
            ) from None
        raise StoreError(f"cannot open the market database {path}: {text}") from None
    except duckdb.Error as exc:
        raise StoreError(
            f"cannot open the market database {path} (is it corrupt?): {exc}"
        ) from None


def any_of(column: str) -> str:
    """SQL testing ``column`` against a list passed as one parameter."""
    return f"{column} IN (SELECT unnest(?))"


def filters(spec: dict[str, Iterable[object] | None]) -> tuple[str, list[object]]:
    """``AND col IN (...)`` clauses for the given non-None value lists, and their parameters."""
    clauses, params = [], []
    for column, values in spec.items():
        if values is None:
            continue
        clauses.append(f"AND {any_of(column)}")
        params.append(list(values))
    return " ".join(clauses), params


def latest_per(partition: str, order: str) -> str:
    """A clause keeping the first row per ``partition`` in ``order`` (after WHERE)."""
    return f"QUALIFY row_number() OVER (PARTITION BY {partition} ORDER BY {order}) = 1"


def utcnow() -> datetime:
    """Now, as the naive UTC timestamp the tables store."""
    return datetime.now(UTC).replace(tzinfo=None)


class Connection:
    """One open database: lifecycle, transactions, meta keys and the bulk upsert.

    Every ``upsert_*`` built on :meth:`upsert_frame` is idempotent (one row per natural key; on
    a clash the row retrieved last wins) and transactional (all or nothing, even if the
    process is killed midway).
    """

    #: rows converted and written per step of a bulk load (bounds memory, not atomicity)
    chunk_rows = 100_000

    def __init__(self, path: Path) -> None:
        self.path = path
        self._con: duckdb.DuckDBPyConnection | None = connect(path)
        self._depth = 0

    def _migrate(self) -> None:
        try:
            migrate(self.con, where=str(self.path))
        except duckdb.Error as exc:
            raise StoreError(f"cannot update the market database {self.path}: {exc}") from None

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection (``StoreError`` once closed)."""
        if self._con is None:
            raise StoreError(f"the market database {self.path} is closed")
        return self._con

    def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        """The highest migration applied to this database."""
        return self.con.execute("SELECT max(version) FROM schema_version").fetchall()[0][0]

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
        self.con.begin()
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            self.con.rollback()
            raise
        self._depth = 0
        try:
            self.con.commit()
        except duckdb.Error as exc:
            raise StoreError(f"could not save to the market database {self.path}: {exc}") from None

    @contextmanager
    def registered(self, name: str, frame: pd.DataFrame) -> Iterator[str]:
        """``frame`` readable as the table ``name`` inside the block."""
        self.con.register(name, frame)
        try:
            yield name
        finally:
            self.con.unregister(name)

    def rows(self, sql: str, params: list[object] | None = None) -> list[tuple]:
        """All rows of a query (fetched whole: DuckDB blocks a connection on a half-read one)."""
        return self.con.execute(sql, params or []).fetchall()

    def frame(self, sql: str, params: list[object] | None = None) -> pd.DataFrame:
        """A query's result as a DataFrame."""
        return self.con.execute(sql, params or []).df()

    def meta(self, key: str) -> str | None:
        """A value of the ``meta`` table (e.g. ``snapshot_loaded``), or None."""
        rows = self.rows("SELECT value FROM meta WHERE key = ?", [key])
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        """Set a value of the ``meta`` table."""
        self.rows(
            "INSERT INTO meta VALUES (?, ?) ON CONFLICT DO UPDATE SET value = excluded.value",
            [key, value],
        )

    def upsert_frame(self, spec: TableSpec, frame: pd.DataFrame) -> int:
        """Upsert a DataFrame already in ``spec``'s columns; returns the rows offered."""
        if frame.empty:
            return 0
        if spec.recency:
            # Within one batch, too, the row retrieved last wins (a key may appear twice).
            frame = frame.sort_values(spec.recency, kind="stable", na_position="first")
        frame = frame.drop_duplicates(list(spec.key), keep="last")
        with self.transaction(), self.registered("_incoming", frame):
            self._upsert_incoming(spec)
        return len(frame)

    def upsert_stream(self, spec: TableSpec, batches: pa.RecordBatchReader) -> int:
        """Upsert an Arrow stream in ``spec``'s columns, one key per row (a bulk file's rows
        reduced by key), read by DuckDB as it goes — no DataFrame; returns the rows offered.

        Same rules as :meth:`upsert_frame`. The rows are staged, then the keys already stored
        go through the upsert and the new ones through a plain insert (DuckDB's
        ``ON CONFLICT`` costs twice a plain insert on a bulk load of new keys).
        """
        cols = ", ".join(f'"{c}"' for c in spec.column_names)
        select = ", ".join(f'CAST("{c.name}" AS {c.sql_type}) AS "{c.name}"' for c in spec.columns)
        match = " AND ".join(f's."{k}" = t."{k}"' for k in spec.key)
        stored = f"EXISTS (SELECT 1 FROM {spec.name} t WHERE {match})"
        with self.transaction():
            self.con.register("_arrow", batches)
            try:
                self.rows(f"CREATE OR REPLACE TEMP TABLE _incoming AS SELECT {select} FROM _arrow")
            finally:
                self.con.unregister("_arrow")
            try:
                offered = self.rows("SELECT count(*) FROM _incoming")[0][0]
                self._upsert_incoming(spec, f"WHERE {stored}")
                self.rows(
                    f"INSERT INTO {spec.name} ({cols}) SELECT {cols} FROM _incoming s "
                    f"WHERE NOT {stored}"
                )
            except duckdb.Error as exc:
                raise StoreError(f"could not write {spec.name}: {exc}") from None
            finally:
                self.rows("DROP TABLE IF EXISTS _incoming")
        return offered

    def _upsert_incoming(self, spec: TableSpec, where: str = "") -> int:
        """The upsert of the rows of ``_incoming`` (those matching ``where``, aliased ``s``)."""
        cols = spec.column_names
        select = ", ".join(f'CAST("{c.name}" AS {c.sql_type}) AS "{c.name}"' for c in spec.columns)
        updates = ", ".join(f'"{c}" = excluded."{c}"' for c in cols if c not in spec.key)
        sql = (
            f"INSERT INTO {spec.name} ({', '.join(cols)}) SELECT {select} FROM _incoming s "
            f"{where} ON CONFLICT DO UPDATE SET {updates}"
        )
        if spec.recency:
            r = spec.recency
            floor = "TIMESTAMP '1900-01-01'"
            sql += f" WHERE coalesce(excluded.{r}, {floor}) >= coalesce({spec.name}.{r}, {floor})"
            if spec.measure:
                m = spec.measure
                sql += f" AND NOT (excluded.{m} IS NULL AND {spec.name}.{m} IS NOT NULL)"
        try:
            return self.rows(sql)[0][0]
        except duckdb.Error as exc:
            raise StoreError(f"could not write {spec.name}: {exc}") from None

    def upsert_records(self, spec: TableSpec, items: Iterable[object] | pd.DataFrame) -> int:
        """Upsert model dataclasses (or a DataFrame) in bounded chunks, in one transaction."""
        total = 0
        with self.transaction():
            for batch in chunks(items, self.chunk_rows):
                total += self.upsert_frame(spec, records_frame(batch, spec))
        return total
