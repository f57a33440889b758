"""What each table of the market database holds: columns, natural key and recency column.

One description drives the schema's upserts, the export/import files and their validation, so
a column added here is added everywhere. Column names are the dataclass field names in
``exportkit.models.market`` (lower-cased where DuckDB folds case: ``name_zh_tw``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One column: name, DuckDB type, and whether every row needs a value."""

    name: str
    sql_type: str  # DuckDB type
    required: bool = False  # must be present and non-empty in every row


@dataclass(frozen=True)
class TableSpec:
    """One table: columns, natural key, and which column decides on a clash."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # natural key: one row per key
    recency: str | None = None  # on a key clash the row retrieved last wins
    # The figure itself: a row that lacks it (a source answering null) never replaces a value
    # known for the same key, even a newer row; a row with it replaces a stored null, even an
    # older one. So the outcome does not depend on the order rows arrive (or commit) in.
    measure: str | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


def _c(name: str, sql_type: str = "VARCHAR", required: bool = False) -> Column:
    return Column(name, sql_type, required)


COUNTRIES = TableSpec(
    "countries",
    (
        _c("iso3", required=True),
        _c("iso2", required=True),
        _c("m49", "INTEGER", required=True),
        _c("name_en", required=True),
        _c("name_zh_tw", required=True),
        _c("region"),
        _c("new_southbound", "BOOLEAN", required=True),
        _c("priority_group", "INTEGER"),
    ),
    key=("iso3",),
)

INDICATORS = TableSpec(
    "indicators",
    (
        _c("iso3", required=True),
        _c("indicator", required=True),
        _c("year", "INTEGER", required=True),
        _c("value", "DOUBLE"),
        _c("unit"),
        _c("source", required=True),
        _c("source_url"),
        _c("retrieved_at", "TIMESTAMP", required=True),
        # True: the source marks the figure as an estimate/projection beyond its last reported
        # year (IMF WEO "estimates start after"); False: reported; empty: the source does not say.
        _c("is_projection", "BOOLEAN"),
    ),
    key=("iso3", "indicator", "year"),
    recency="retrieved_at",
    measure="value",
)

TRADE_FLOWS = TableSpec(
    "trade_flows",
    (
        _c("reporter_iso3", required=True),
        _c("partner_iso3", required=True),
        _c("hs_code", required=True),
        _c("year", "INTEGER", required=True),
        _c("flow", required=True),
        _c("value_usd", "DOUBLE"),
        _c("source", required=True),
        _c("source_url"),
        _c("retrieved_at", "TIMESTAMP", required=True),
        _c("hs_revision"),
        _c("quantity", "DOUBLE"),
        _c("quantity_unit"),
    ),
    key=("reporter_iso3", "partner_iso3", "hs_code", "year", "flow"),
    recency="retrieved_at",
    measure="value_usd",
)

TARIFFS = TableSpec(
    "tariffs",
    (
        _c("reporter_iso3", required=True),
        _c("partner_iso3", required=True),
        _c("hs_code", required=True),
        _c("year", "INTEGER", required=True),
        _c("tariff_type", required=True),
        _c("rate", "DOUBLE"),
        _c("source", required=True),
        _c("source_url"),
        _c("retrieved_at", "TIMESTAMP", required=True),
        _c("nomenclature"),
    ),
    key=("reporter_iso3", "partner_iso3", "hs_code", "year", "tariff_type"),
    recency="retrieved_at",
    measure="rate",
)

MARKET_NOTES = TableSpec(
    "market_notes",
    (
        _c("iso3", required=True),
        _c("topic", required=True),
        _c("title_zh_tw", required=True),
        _c("title_en", required=True),
        _c("text_zh_tw", required=True),
        _c("text_en", required=True),
        _c("source", required=True),
        _c("source_url", required=True),
        _c("published", "DATE"),
        _c("retrieved_at", "TIMESTAMP"),
    ),
    key=("iso3", "topic", "title_en"),
    recency="retrieved_at",
)

CRAWL_RUNS = TableSpec(
    "crawl_runs",
    (
        _c("run_id", "BIGINT", required=True),
        _c("source", required=True),
        _c("started_at", "TIMESTAMP", required=True),
        _c("finished_at", "TIMESTAMP"),
        _c("status"),
        _c("counts"),  # JSON text
        _c("errors"),  # JSON text
    ),
    key=("run_id",),
)

ASSESSMENTS = TableSpec(
    "assessments",
    (
        _c("tax_id", required=True),
        _c("assessed_on", "DATE", required=True),
        _c("definition_id", required=True),
        _c("file"),
        _c("firm"),
        _c("overall", "DOUBLE"),
        _c("band"),
        _c("coverage", "DOUBLE"),
        _c("dimensions"),  # JSON text: list of DimensionScore fields
        _c("details"),  # JSON text: strengths, gaps, driver_type, notes
    ),
    key=("tax_id", "assessed_on", "definition_id"),
)

# The tables a team shares with ``exportkit data export/import``, in load order.
SHARED: tuple[TableSpec, ...] = (
    COUNTRIES,
    INDICATORS,
    TRADE_FLOWS,
    TARIFFS,
    MARKET_NOTES,
    CRAWL_RUNS,
    ASSESSMENTS,
)
BY_NAME: dict[str, TableSpec] = {t.name: t for t in SHARED}
