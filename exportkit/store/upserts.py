"""Writes of market data and crawl runs: typed upserts over :meth:`Connection.upsert_records`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import pandas as pd
import pyarrow as pa

from exportkit.errors import StoreError
from exportkit.models import Indicator, MarketNote, Tariff, TradeFlow
from exportkit.store import tables
from exportkit.store.connection import Connection, utcnow


class Upserts(Connection):
    """Idempotent, transactional writes of the shared tables, and the crawl-runs record."""

    def upsert_indicators(self, items: Iterable[Indicator] | pd.DataFrame) -> int:
        """Insert or update indicator values (natural key: iso3, indicator, year)."""
        return self.upsert_records(tables.INDICATORS, items)

    def upsert_trade_flows(self, items: Iterable[TradeFlow] | pd.DataFrame) -> int:
        """Insert or update trade flows (key: reporter, partner, HS code, year, flow)."""
        return self.upsert_records(tables.TRADE_FLOWS, items)

    def upsert_trade_flow_stream(self, batches: pa.RecordBatchReader) -> int:
        """Upsert trade flows from an Arrow stream in ``tables.TRADE_FLOWS`` columns, one row
        per key (a bulk import's reduced rows); returns the rows written."""
        return self.upsert_stream(tables.TRADE_FLOWS, batches)

    def upsert_tariffs(self, items: Iterable[Tariff] | pd.DataFrame) -> int:
        """Insert or update tariff rates (key: reporter, partner, HS code, year, type)."""
        return self.upsert_records(tables.TARIFFS, items)

    def upsert_notes(self, items: Iterable[MarketNote] | pd.DataFrame) -> int:
        """Insert or update market notes (key: iso3, topic, English title)."""
        return self.upsert_records(tables.MARKET_NOTES, items)

    # -- crawl runs --------------------------------------------------------------------------
    def start_crawl_run(self, source: str) -> int:
        """Record that a crawl of ``source`` started; returns its run id."""
        with self.transaction():
            return self.rows(
                "INSERT INTO crawl_runs (source, started_at, status) VALUES (?, ?, 'running') "
                "RETURNING run_id",
                [source, utcnow()],
            )[0][0]

    def finish_crawl_run(
        self,
        run_id: int,
        status: str,
        counts: dict[str, int] | None = None,
        errors: Sequence[str] | int | None = None,
    ) -> None:
        """Record how a crawl ended: status ("ok", "partial", "failed"), counts and errors."""
        with self.transaction():
            updated = self.rows(
                "UPDATE crawl_runs SET finished_at = ?, status = ?, counts = ?, errors = ? "
                "WHERE run_id = ? RETURNING run_id",
                [
                    utcnow(),
                    status,
                    json.dumps(counts or {}, ensure_ascii=False),
                    json.dumps(errors if isinstance(errors, int) else list(errors or [])),
                    run_id,
                ],
            )
        if not updated:
            raise StoreError(
                f"no crawl run {run_id} in {self.location}",
                zh=f"{self.location} 中沒有爬取紀錄 {run_id}",
            )

    def merge_crawl_runs(self, frame: pd.DataFrame) -> int:
        """Add crawl runs from another database (``data import``); returns the rows added.

        Run ids are local to each database: imported runs get new ids, and a run already
        present (same source and start time) is not duplicated.
        """
        columns = [(c.name, c.sql_type) for c in tables.CRAWL_RUNS.columns if c.name != "run_id"]
        with self.registered("_runs", frame.drop(columns=["run_id"]), columns):
            return len(
                self.rows(
                    "INSERT INTO crawl_runs (source, started_at, finished_at, status, counts, "
                    "errors) SELECT r.source, r.started_at, r.finished_at, r.status, r.counts, "
                    "r.errors FROM _runs r WHERE NOT EXISTS (SELECT 1 FROM crawl_runs c "
                    "WHERE c.source = r.source AND c.started_at = r.started_at) RETURNING run_id"
                )
            )
