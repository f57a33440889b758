"""What the market database holds, per table, source and country, and what is getting old."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from exportkit.resources import data_file, load_yaml
from exportkit.store.database import Store


@dataclass(frozen=True)
class SourceStatus:
    """Figures of one source for one country in one table."""

    table: str
    source: str
    iso3: str
    figures: int
    newest_year: int | None
    retrieved: datetime | None
    stale: bool
    reason: str = ""
    oldest_year: int | None = None
    #: figures the source marks as estimates/projections (``is_projection``); ``newest_year``
    #: is then the newest reported year and ``newest_projected_year`` how far they reach
    projected: int = 0
    newest_projected_year: int | None = None


@dataclass(frozen=True)
class StoreStatus:
    """What ``exportkit data status`` shows: path, versions, counts, rows."""

    path: str
    schema_version: int
    snapshot: str | None
    counts: dict[str, int]
    rows: tuple[SourceStatus, ...]


# The tables whose figures carry a source and a retrieval date, in the order shown.
STATUS_TABLES = ("indicators", "trade_flows", "tariffs", "market_notes")


def _thresholds() -> dict:
    doc = load_yaml(data_file("freshness.yaml"))
    return {
        "default": doc["default"],
        "tables": doc.get("tables", {}),
        "sources": doc.get("sources", {}),
    }


def store_status(store: Store, today: date | None = None) -> StoreStatus:
    """Counts, years, retrieval date and a stale flag per (table, source, country).

    Thresholds come from ``exportkit/data/freshness.yaml`` (per table, overridden per source).
    Figures flagged as projections are counted apart; the year lag is measured on the newest
    reported year, so a forecast to 2030 never makes a source look fresh.
    """
    today = today or date.today()
    limits = _thresholds()
    rows = []
    for table in STATUS_TABLES:
        for (
            source,
            iso3,
            n,
            year,
            retrieved,
            oldest,
            projected,
            projected_to,
        ) in store.source_summary(table):
            # a source's own thresholds (freshness.yaml `sources:`) override its table's
            limit = {
                **limits["default"],
                **limits["tables"].get(table, {}),
                **limits["sources"].get(source, {}),
            }
            reasons = []
            if retrieved is not None and limit.get("retrieved_days") is not None:
                age = (today - retrieved.date()).days
                if age > limit["retrieved_days"]:
                    reasons.append(f"retrieved {age} days ago")
            if year is not None and limit.get("year_lag") is not None:
                lag = today.year - int(year)
                if lag > limit["year_lag"]:
                    reasons.append(f"newest year {year}")
            rows.append(
                SourceStatus(
                    table,
                    source,
                    iso3,
                    n,
                    year,
                    retrieved,
                    bool(reasons),
                    "; ".join(reasons),
                    oldest_year=oldest,
                    projected=projected,
                    newest_projected_year=projected_to,
                )
            )
    rows.sort(key=lambda r: (r.table, r.source, r.iso3))
    return StoreStatus(
        path=store.location,
        schema_version=store.schema_version,
        snapshot=store.meta("snapshot_loaded"),
        counts=store.counts(),
        rows=tuple(rows),
    )
