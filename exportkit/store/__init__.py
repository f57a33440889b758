"""The market database (DuckDB): schema, idempotent loads, the bundled snapshot, import/export.

Public API: :func:`open_store`, :class:`Store`, :func:`default_db_path`.
"""

from exportkit.store.core import DB_ENV, Store, default_db_path, open_store
from exportkit.store.schema import SCHEMA_VERSION

__all__ = ["DB_ENV", "SCHEMA_VERSION", "Store", "default_db_path", "open_store"]
