"""The market database (DuckDB): schema, idempotent loads, the bundled snapshot, import/export.

``connection`` (DuckDB and its SQL dialect), ``upserts`` (writes), ``queries`` (reads),
``history`` (assessments over time), ``tables`` (what each table holds), ``schema``
(migrations), ``snapshot``, ``transfer`` (export/import) and ``status``.

Public API: :func:`open_store`, :class:`Store`, :func:`default_db_path`.
"""

from exportkit.store.connection import DB_ENV, default_db_path
from exportkit.store.database import Store, open_store
from exportkit.store.schema import SCHEMA_VERSION

__all__ = ["DB_ENV", "SCHEMA_VERSION", "Store", "default_db_path", "open_store"]
