"""The versioned schema: ordered migrations, each a list of SQL steps run in one transaction.

``schema_version`` records every migration applied. A database is brought to
``SCHEMA_VERSION`` on open; a database from a newer exportkit is refused rather than guessed at.
Never edit a released migration: append a new one.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from exportkit.errors import StoreError


@dataclass(frozen=True)
class Migration:
    """One step of the schema: its version, what it does and its SQL."""

    version: int
    description: str
    steps: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "market tables: countries, indicators, trade flows, tariffs, notes, crawl runs",
        (
            """CREATE TABLE countries (
                iso3 VARCHAR PRIMARY KEY, iso2 VARCHAR NOT NULL, m49 INTEGER NOT NULL,
                name_en VARCHAR NOT NULL, name_zh_tw VARCHAR NOT NULL, region VARCHAR,
                new_southbound BOOLEAN NOT NULL, priority_group INTEGER)""",
            """CREATE TABLE indicators (
                iso3 VARCHAR NOT NULL, indicator VARCHAR NOT NULL, year INTEGER NOT NULL,
                value DOUBLE, unit VARCHAR, source VARCHAR NOT NULL, source_url VARCHAR,
                retrieved_at TIMESTAMP NOT NULL, PRIMARY KEY (iso3, indicator, year))""",
            """CREATE TABLE trade_flows (
                reporter_iso3 VARCHAR NOT NULL, partner_iso3 VARCHAR NOT NULL,
                hs_code VARCHAR NOT NULL, year INTEGER NOT NULL, flow VARCHAR NOT NULL,
                value_usd DOUBLE, source VARCHAR NOT NULL, source_url VARCHAR,
                retrieved_at TIMESTAMP NOT NULL, hs_revision VARCHAR, quantity DOUBLE,
                quantity_unit VARCHAR,
                PRIMARY KEY (reporter_iso3, partner_iso3, hs_code, year, flow))""",
            """CREATE TABLE tariffs (
                reporter_iso3 VARCHAR NOT NULL, partner_iso3 VARCHAR NOT NULL,
                hs_code VARCHAR NOT NULL, year INTEGER NOT NULL, tariff_type VARCHAR NOT NULL,
                rate DOUBLE, source VARCHAR NOT NULL, source_url VARCHAR,
                retrieved_at TIMESTAMP NOT NULL, nomenclature VARCHAR,
                PRIMARY KEY (reporter_iso3, partner_iso3, hs_code, year, tariff_type))""",
            """CREATE TABLE market_notes (
                iso3 VARCHAR NOT NULL, topic VARCHAR NOT NULL, title_zh_tw VARCHAR NOT NULL,
                title_en VARCHAR NOT NULL, text_zh_tw VARCHAR NOT NULL, text_en VARCHAR NOT NULL,
                source VARCHAR NOT NULL, source_url VARCHAR NOT NULL, published DATE,
                PRIMARY KEY (iso3, topic, title_en))""",
            "CREATE SEQUENCE crawl_run_ids START 1",
            """CREATE TABLE crawl_runs (
                run_id BIGINT PRIMARY KEY DEFAULT nextval('crawl_run_ids'),
                source VARCHAR NOT NULL, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP,
                status VARCHAR, counts VARCHAR, errors VARCHAR)""",
            "CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
        ),
    ),
    Migration(
        2,
        "assessments: a firm's scored questionnaires over time",
        (
            """CREATE TABLE assessments (
                tax_id VARCHAR NOT NULL, assessed_on DATE NOT NULL, definition_id VARCHAR NOT NULL,
                file VARCHAR, firm VARCHAR, overall DOUBLE, band VARCHAR, coverage DOUBLE,
                dimensions VARCHAR, details VARCHAR,
                PRIMARY KEY (tax_id, assessed_on, definition_id))""",
        ),
    ),
    Migration(
        3,
        "market notes keep when they were retrieved, so newer crawled notes win",
        ("ALTER TABLE market_notes ADD COLUMN retrieved_at TIMESTAMP",),
    ),
    Migration(
        4,
        "indicators say whether a figure is a projection (IMF WEO estimates and forecasts)",
        ("ALTER TABLE indicators ADD COLUMN is_projection BOOLEAN",),
    ),
)

SCHEMA_VERSION = MIGRATIONS[-1].version

_VERSION_TABLE = """CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP DEFAULT now())"""


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    """The highest migration applied (0 for an empty database)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchall()[0][0]
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0]


def migrate(
    con: duckdb.DuckDBPyConnection, target: int = SCHEMA_VERSION, *, where: str = ""
) -> list[int]:
    """Apply the migrations above the database's version up to ``target``; returns those applied.

    Each migration and its ``schema_version`` row commit together, so a failure leaves the
    database at the previous version.
    """
    con.execute(_VERSION_TABLE).fetchall()
    have = current_version(con)
    if have > SCHEMA_VERSION:
        raise StoreError(
            f"market database {where} has schema version {have}, newer than this exportkit "
            f"understands ({SCHEMA_VERSION}); upgrade exportkit"
        )
    applied = []
    for migration in MIGRATIONS:
        if have < migration.version <= target:
            con.begin()
            try:
                for step in migration.steps:
                    con.execute(step).fetchall()
                con.execute(
                    "INSERT INTO schema_version (version, description) VALUES (?, ?)",
                    [migration.version, migration.description],
                ).fetchall()
                con.commit()
            except Exception:
                con.rollback()
                raise
            applied.append(migration.version)
    return applied
