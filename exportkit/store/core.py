"""The market database: an embedded DuckDB file with provenance on every figure.

>>> with open_store("/tmp/market.duckdb") as store:          # doctest: +SKIP
...     gdp = store.latest_indicators(["THA"], ["NY.GDP.MKTP.CD"])
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import platformdirs

from exportkit.errors import StoreError
from exportkit.models import (
    DimensionScore,
    Indicator,
    MarketNote,
    ReadinessScore,
    Tariff,
    TradeFlow,
)
from exportkit.store import tables
from exportkit.store.frames import chunks, records_frame
from exportkit.store.schema import SCHEMA_VERSION, migrate
from exportkit.store.tables import TableSpec

DB_ENV = "EXPORTKIT_DB"
DB_FILENAME = "market.duckdb"


def default_db_path() -> Path:
    """``$EXPORTKIT_DB`` if set, else ``market.duckdb`` in the platform's user-data folder."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("exportkit", appauthor=False)) / DB_FILENAME


def open_store(path: str | os.PathLike | None = None, *, snapshot: bool = True) -> Store:
    """Open (creating if needed) the market database and bring its schema up to date.

    ``path`` is the ``--db`` option; ``None`` uses :func:`default_db_path`. On first use the
    bundled New Southbound snapshot is loaded (``snapshot=False`` skips it, for tests and
    benchmarks). Raises ``StoreError`` for a corrupt file or one held by another process.
    """
    store = Store(Path(path).expanduser() if path else default_db_path())
    try:
        store._setup(load_snapshot=snapshot)
    except BaseException:
        store.close()
        raise
    return store


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
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


class Store:
    """The market database. Use :func:`open_store`; close it (or use ``with``) when done.

    Every ``upsert_*`` is idempotent (one row per natural key; on a clash the row retrieved
    last wins) and transactional (all or nothing, even if the process is killed midway).
    """

    #: rows converted and written per step of a bulk load (bounds memory, not atomicity)
    chunk_rows = 100_000

    def __init__(self, path: Path) -> None:
        self.path = path
        self._con: duckdb.DuckDBPyConnection | None = _connect(path)
        self._depth = 0

    # -- lifecycle ---------------------------------------------------------------------------
    def _setup(self, load_snapshot: bool) -> None:
        try:
            migrate(self.con, where=str(self.path))
        except duckdb.Error as exc:
            raise StoreError(f"cannot update the market database {self.path}: {exc}") from None
        if load_snapshot and self.meta("snapshot_loaded") is None:
            from exportkit.store.snapshot import load_snapshot as _load

            _load(self)

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            raise StoreError(f"the market database {self.path} is closed")
        return self._con

    def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self.con.execute("SELECT max(version) FROM schema_version").fetchall()[0][0]

    @contextmanager
    def transaction(self) -> Iterator[Store]:
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

    def meta(self, key: str) -> str | None:
        # fetchall, not fetchone: DuckDB keeps a partly read result open and blocks the connection
        rows = self.con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute(
            "INSERT INTO meta VALUES (?, ?) ON CONFLICT DO UPDATE SET value = excluded.value",
            [key, value],
        ).fetchall()

    # -- writes ------------------------------------------------------------------------------
    def upsert_frame(self, spec: TableSpec, frame: pd.DataFrame) -> int:
        """Upsert a DataFrame already in ``spec``'s columns; returns the rows offered."""
        if frame.empty:
            return 0
        if spec.recency:
            # Within one batch, too, the row retrieved last wins (a key may appear twice).
            frame = frame.sort_values(spec.recency, kind="stable", na_position="first")
        frame = frame.drop_duplicates(list(spec.key), keep="last")
        cols = spec.column_names
        select = ", ".join(f'CAST("{c.name}" AS {c.sql_type}) AS "{c.name}"' for c in spec.columns)
        updates = ", ".join(f'"{c}" = excluded."{c}"' for c in cols if c not in spec.key)
        sql = (
            f"INSERT INTO {spec.name} ({', '.join(cols)}) SELECT {select} FROM _incoming "
            f"ON CONFLICT DO UPDATE SET {updates}"
        )
        if spec.recency:
            r = spec.recency
            floor = "TIMESTAMP '1900-01-01'"
            sql += f" WHERE coalesce(excluded.{r}, {floor}) >= coalesce({spec.name}.{r}, {floor})"
            if spec.measure:
                m = spec.measure
                sql += f" AND NOT (excluded.{m} IS NULL AND {spec.name}.{m} IS NOT NULL)"
        with self.transaction():
            self.con.register("_incoming", frame)
            try:
                # fetch: DuckDB keeps an unread result open and blocks the connection
                self.con.execute(sql).fetchall()
            except duckdb.Error as exc:
                raise StoreError(f"could not write {spec.name}: {exc}") from None
            finally:
                self.con.unregister("_incoming")
        return len(frame)

    def _upsert(self, spec: TableSpec, items: Iterable[object] | pd.DataFrame) -> int:
        total = 0
        with self.transaction():
            for batch in chunks(items, self.chunk_rows):
                total += self.upsert_frame(spec, records_frame(batch, spec))
        return total

    def upsert_indicators(self, items: Iterable[Indicator] | pd.DataFrame) -> int:
        """Insert or update indicator values (natural key: iso3, indicator, year)."""
        return self._upsert(tables.INDICATORS, items)

    def upsert_trade_flows(self, items: Iterable[TradeFlow] | pd.DataFrame) -> int:
        """Insert or update trade flows (key: reporter, partner, HS code, year, flow)."""
        return self._upsert(tables.TRADE_FLOWS, items)

    def upsert_tariffs(self, items: Iterable[Tariff] | pd.DataFrame) -> int:
        """Insert or update tariff rates (key: reporter, partner, HS code, year, type)."""
        return self._upsert(tables.TARIFFS, items)

    def upsert_notes(self, items: Iterable[MarketNote] | pd.DataFrame) -> int:
        """Insert or update market notes (key: iso3, topic, English title)."""
        return self._upsert(tables.MARKET_NOTES, items)

    def upsert_countries(self, items: Iterable[object] | pd.DataFrame) -> int:
        """Insert or update ``Country`` rows (key: iso3)."""
        return self._upsert(tables.COUNTRIES, items)

    # -- crawl runs --------------------------------------------------------------------------
    def start_crawl_run(self, source: str) -> int:
        """Record that a crawl of ``source`` started; returns its run id."""
        with self.transaction():
            return self.con.execute(
                "INSERT INTO crawl_runs (source, started_at, status) VALUES (?, ?, 'running') "
                "RETURNING run_id",
                [source, _utcnow()],
            ).fetchall()[0][0]

    def finish_crawl_run(
        self,
        run_id: int,
        status: str,
        counts: dict[str, int] | None = None,
        errors: Sequence[str] | int | None = None,
    ) -> None:
        """Record how a crawl ended: status ("ok", "partial", "failed"), counts and errors."""
        with self.transaction():
            updated = self.con.execute(
                "UPDATE crawl_runs SET finished_at = ?, status = ?, counts = ?, errors = ? "
                "WHERE run_id = ? RETURNING run_id",
                [
                    _utcnow(),
                    status,
                    json.dumps(counts or {}, ensure_ascii=False),
                    json.dumps(errors if isinstance(errors, int) else list(errors or [])),
                    run_id,
                ],
            ).fetchall()
        if not updated:
            raise StoreError(f"no crawl run {run_id} in {self.path}")

    def crawl_runs(self, source: str | None = None) -> pd.DataFrame:
        """Crawl runs, newest first (optionally of one source)."""
        sql = "SELECT * FROM crawl_runs"
        params: list[object] = []
        if source:
            sql += " WHERE source = ?"
            params.append(source)
        return self.con.execute(sql + " ORDER BY started_at DESC, run_id DESC", params).df()

    # -- reads -------------------------------------------------------------------------------
    def latest_indicators(
        self,
        iso3s: Iterable[str] | None = None,
        codes: Iterable[str] | None = None,
        *,
        projections: bool = True,
    ) -> dict[tuple[str, str], Indicator]:
        """The most recent non-missing value of each (country, indicator code) asked for.

        ``projections=False`` skips figures flagged as estimates/projections (``is_projection``),
        so an IMF WEO series yields its latest reported year instead of 2030.
        """
        where, params = _filters({"iso3": iso3s, "indicator": codes})
        if not projections:
            where += " AND is_projection IS NOT TRUE"
        rows = self.con.execute(
            f"SELECT {', '.join(tables.INDICATORS.column_names)} FROM indicators "
            f"WHERE value IS NOT NULL {where} "
            "QUALIFY row_number() OVER (PARTITION BY iso3, indicator ORDER BY year DESC) = 1",
            params,
        ).fetchall()
        return {(r[0], r[1]): Indicator(*r) for r in rows}

    def indicator_series(
        self, iso3s: Iterable[str] | None = None, codes: Iterable[str] | None = None
    ) -> pd.DataFrame:
        """Every stored year of the indicators asked for (for trends and growth averages)."""
        where, params = _filters({"iso3": iso3s, "indicator": codes})
        return self.con.execute(
            f"SELECT * FROM indicators WHERE TRUE {where} ORDER BY iso3, indicator, year", params
        ).df()

    def trade_flows(
        self,
        reporters: Iterable[str] | None,
        hs_codes: Iterable[str] | None,
        partners: Iterable[str] | None = None,
        years: Iterable[int] | None = None,
        flow: str | None = None,
    ) -> pd.DataFrame:
        """Trade flows as a DataFrame with the ``TradeFlow`` fields as columns.

        ``hs_codes`` match exactly (``"8471"`` finds rows stored at 4 digits, not their HS6
        children); ``None`` means any code. ``flow`` is "M" or "X".
        """
        where, params = _filters(
            {
                "reporter_iso3": reporters,
                "hs_code": hs_codes,
                "partner_iso3": partners,
                "year": years,
                "flow": [flow] if flow else None,
            }
        )
        return self.con.execute(
            f"SELECT {', '.join(tables.TRADE_FLOWS.column_names)} FROM trade_flows "
            f"WHERE TRUE {where} ORDER BY reporter_iso3, hs_code, year, partner_iso3, flow",
            params,
        ).df()

    def tariffs(self, reporter: str, hs_codes: Iterable[str] | None = None) -> list[Tariff]:
        """Tariff rates a reporter applies to the HS codes asked for, newest year first."""
        where, params = _filters({"reporter_iso3": [reporter], "hs_code": hs_codes})
        rows = self.con.execute(
            f"SELECT {', '.join(tables.TARIFFS.column_names)} FROM tariffs WHERE TRUE {where} "
            "ORDER BY hs_code, year DESC, tariff_type, partner_iso3",
            params,
        ).fetchall()
        return [Tariff(*r) for r in rows]

    def notes(self, iso3: str, topic: str | None = None) -> list[MarketNote]:
        """Market notes on one country (optionally one topic), newest first."""
        where, params = _filters({"iso3": [iso3], "topic": [topic] if topic else None})
        rows = self.con.execute(
            f"SELECT {', '.join(tables.MARKET_NOTES.column_names)} FROM market_notes "
            f"WHERE TRUE {where} ORDER BY topic, published DESC NULLS LAST, title_en",
            params,
        ).fetchall()
        return [MarketNote(*r) for r in rows]

    def table_frame(self, name: str) -> pd.DataFrame:
        """A whole shared table as a DataFrame (for export)."""
        spec = tables.BY_NAME[name]
        order = ", ".join(spec.key)
        return self.con.execute(
            f"SELECT {', '.join(spec.column_names)} FROM {name} ORDER BY {order}"
        ).df()

    def counts(self) -> dict[str, int]:
        """Rows per shared table."""
        return {
            spec.name: self.con.execute(f"SELECT count(*) FROM {spec.name}").fetchall()[0][0]
            for spec in tables.SHARED
        }

    # -- assessments -------------------------------------------------------------------------
    def save_assessment(self, score: ReadinessScore, assessed_on: date) -> bool:
        """Keep a firm's score to compare with its next assessment.

        Keyed on (tax ID, date, questionnaire); a firm without a tax ID cannot be recognised
        later, so it is not stored and ``False`` is returned.
        """
        return self.save_assessments([(score, assessed_on)]) == 1

    def save_assessments(self, items: Iterable[tuple[ReadinessScore, date]]) -> int:
        """``save_assessment`` for many firms in one write (a batch of 1,000 in one upsert).

        Returns how many were stored (firms without a tax ID are skipped).
        """
        rows = []
        for score, assessed_on in items:
            if not score.tax_id:
                continue
            dims = [asdict(d) for d in score.dimensions.values()]
            details = {
                "strengths": list(score.strengths),
                "gaps": list(score.gaps),
                "driver_type": score.driver_type,
                "percentile": score.percentile,
                "notes": list(score.notes),
            }
            rows.append(
                {
                    "tax_id": score.tax_id,
                    "assessed_on": assessed_on,
                    "definition_id": score.definition_id,
                    "file": score.file,
                    "firm": score.firm,
                    "overall": score.overall,
                    "band": score.band,
                    "coverage": score.coverage,
                    "dimensions": json.dumps(dims, ensure_ascii=False),
                    "details": json.dumps(details, ensure_ascii=False),
                }
            )
        if rows:
            self._upsert(tables.ASSESSMENTS, pd.DataFrame(rows))
        return len(rows)

    def previous_assessment(
        self, tax_id: str, before: date, definition_id: str | None = None
    ) -> ReadinessScore | None:
        """The firm's latest assessment strictly before ``before`` (``None`` if there is none)."""
        if not tax_id:
            return None
        sql = (
            f"SELECT {', '.join(tables.ASSESSMENTS.column_names)} FROM assessments "
            "WHERE tax_id = ? AND assessed_on < ?"
        )
        params: list[object] = [tax_id, before]
        if definition_id:
            sql += " AND definition_id = ?"
            params.append(definition_id)
        # fetchall, not fetchone: a half-read result blocks the next register() on this
        # connection (DuckDB ResourceInUseException when saving right after this query)
        rows = self.con.execute(sql + " ORDER BY assessed_on DESC LIMIT 1", params).fetchall()
        return _assessment(rows[0]) if rows else None

    def previous_assessments(
        self, requests: Iterable[tuple[str, date]], definition_id: str | None = None
    ) -> dict[tuple[str, date], ReadinessScore]:
        """``previous_assessment`` for many (tax ID, before) pairs in one query.

        Returns only the pairs that have a previous assessment.
        """
        wanted = pd.DataFrame(
            [(t, b) for t, b in dict.fromkeys(requests) if t], columns=["tax_id", "before"]
        )
        if wanted.empty:
            return {}
        cols = ", ".join(f"a.{c}" for c in tables.ASSESSMENTS.column_names)
        sql = (
            f"SELECT w.before, {cols} FROM _wanted w JOIN assessments a "
            "ON a.tax_id = w.tax_id AND a.assessed_on < CAST(w.before AS DATE)"
        )
        params: list[object] = []
        if definition_id:
            sql += " WHERE a.definition_id = ?"
            params.append(definition_id)
        sql += " QUALIFY row_number() OVER (PARTITION BY w.tax_id, w.before ORDER BY a.assessed_on DESC) = 1"
        self.con.register("_wanted", wanted)
        try:
            rows = self.con.execute(sql, params).fetchall()
        finally:
            self.con.unregister("_wanted")
        out = {}
        for row in rows:
            before = row[0]
            if isinstance(before, datetime):
                before = before.date()
            elif isinstance(before, str):
                before = date.fromisoformat(before[:10])
            score = _assessment(row[1:])
            out[(score.tax_id, before)] = score
        return out

    # -- maintenance -------------------------------------------------------------------------
    def clear(self) -> None:
        """Delete every row of every shared table (the schema stays), in one transaction."""
        with self.transaction():
            for spec in reversed(tables.SHARED):
                self.con.execute(f"DELETE FROM {spec.name}").fetchall()
            self.con.execute("DELETE FROM meta").fetchall()

    def reset(self, snapshot: bool = True) -> dict[str, int]:
        """Empty the database and reload the bundled snapshot, all in one transaction."""
        from exportkit.store.snapshot import load_snapshot

        with self.transaction():
            self.clear()
            if snapshot:
                load_snapshot(self)
        return self.counts()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r}, schema v{SCHEMA_VERSION})"


def _filters(spec: dict[str, Iterable[object] | None]) -> tuple[str, list[object]]:
    """``AND col IN (...)`` clauses for the given non-None value lists, and their parameters."""
    clauses, params = [], []
    for column, values in spec.items():
        if values is None:
            continue
        values = list(values)
        clauses.append(f"AND {column} IN (SELECT unnest(?))")
        params.append(values)
    return " ".join(clauses), params


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _assessment(row: Sequence[object]) -> ReadinessScore:
    """A stored assessment row back as a ReadinessScore."""
    rec = dict(zip(tables.ASSESSMENTS.column_names, row, strict=True))
    dims = [DimensionScore(**d) for d in json.loads(rec["dimensions"] or "[]")]
    details = json.loads(rec["details"] or "{}")
    return ReadinessScore(
        definition_id=rec["definition_id"],
        file=rec["file"] or "",
        firm=rec["firm"] or "",
        tax_id=rec["tax_id"],
        overall=rec["overall"],
        band=rec["band"] or "",
        dimensions={d.id: d for d in dims},
        strengths=tuple(details.get("strengths", ())),
        gaps=tuple(details.get("gaps", ())),
        coverage=rec["coverage"] if rec["coverage"] is not None else 1.0,
        driver_type=details.get("driver_type"),
        percentile=details.get("percentile"),
        notes=tuple(details.get("notes", ())),
    )
