"""The versioned schema: ordered migrations, each a list of SQL steps run in one transaction.

One list for both engines: the steps use DuckDB's type names, which the engine's dialect maps
(``DOUBLE`` → ``DOUBLE PRECISION`` in PostgreSQL); a step one engine does not need names the
engines it is for.

``schema_version`` records every migration applied. A database is brought to
``SCHEMA_VERSION`` on open; a database from a newer exportkit is refused rather than guessed at.
Never edit a released migration: append a new one.
"""

from __future__ import annotations

from dataclasses import dataclass

from exportkit.errors import StoreError


@dataclass(frozen=True)
class Migration:
    """One step of the schema: its version, what it does and its SQL."""

    version: int
    description: str
    steps: tuple[str, ...]
    #: the engines whose databases need the steps (others only record the version)
    engines: tuple[str, ...] = ("duckdb", "postgresql")


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
    Migration(
        5,
        "trade flows indexed by HS code: PostgreSQL reads a product's rows through it "
        "(DuckDB scans its columns faster than it would maintain the index)",
        ("CREATE INDEX IF NOT EXISTS trade_flows_hs ON trade_flows (hs_code, reporter_iso3)",),
        engines=("postgresql",),
    ),
)

SCHEMA_VERSION = MIGRATIONS[-1].version

_VERSION_TABLE = """CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP DEFAULT now())"""


def current_version(con) -> int:
    """The highest migration applied (0 for an empty database); ``con`` is a store
    ``Connection``."""
    exists = con.rows(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_name = 'schema_version' AND table_schema = current_schema()"
    )[0][0]
    if not exists:
        return 0
    return con.rows("SELECT coalesce(max(version), 0) FROM schema_version")[0][0]


def migrate(con, target: int = SCHEMA_VERSION, *, where: str = "") -> list[int]:
    """Apply the migrations above the database's version up to ``target``; returns those applied.

    ``con`` is a store ``Connection`` (either engine; its dialect adapts the type names).
    Each migration and its ``schema_version`` row commit together, so a failure leaves the
    database at the previous version. Each step holds the engine's schema lock and reads the
    version again under it: two processes opening a fresh PostgreSQL database at once apply
    every migration exactly once.
    """
    applied = []
    while True:
        with con.transaction():
            con.engine.lock_schema()
            have = current_version(con)
            if have == 0:  # (a consultant's login may read and write, not create tables)
                con.rows(_VERSION_TABLE)
            if have > SCHEMA_VERSION:
                raise StoreError(
                    f"market database {where} has schema version {have}, newer than this "
                    f"exportkit understands ({SCHEMA_VERSION}); upgrade exportkit",
                    zh=f"市場資料庫 {where} 的結構版本為 {have}，比此版 exportkit 支援的（{SCHEMA_VERSION}）新；請升級 exportkit",
                )
            pending = [m for m in MIGRATIONS if have < m.version <= target]
            if not pending:
                return applied
            migration = pending[0]
            if con.dialect.name in migration.engines:
                for step in migration.steps:
                    con.rows(con.dialect.ddl(step))
            con.rows(
                "INSERT INTO schema_version (version, description) VALUES (?, ?)",
                [migration.version, migration.description],
            )
        applied.append(migration.version)
