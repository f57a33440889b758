"""The market database: schema, idempotent loads, the bundled snapshot, import/export.

A DuckDB file (the embedded default) or a shared PostgreSQL database (a URL), one API.
``connection`` (engines, transactions, the upsert), ``dialect`` (the few SQL differences),
``postgres`` (the PostgreSQL engine), ``upserts`` (writes), ``queries`` (reads),
``history`` (assessments over time), ``tables`` (what each table holds), ``schema``
(migrations), ``snapshot``, ``transfer`` (export/import) and ``status``.

Public API: :func:`open_store`, :class:`Store`, :func:`default_db_path`, :func:`is_url`.
"""

from exportkit.store.connection import DB_ENV, default_db_path, is_url, shown_target
from exportkit.store.database import Store, open_store
from exportkit.store.schema import SCHEMA_VERSION

__all__ = [
    "DB_ENV",
    "SCHEMA_VERSION",
    "Store",
    "default_db_path",
    "is_url",
    "open_store",
    "shown_target",
]
