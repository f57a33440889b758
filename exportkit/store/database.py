"""The market database as one object: :class:`Store` = connection + writes + reads + history.

The same API over a DuckDB file or a PostgreSQL database (``exportkit.store.connection``).

>>> import tempfile, pathlib
>>> with open_store(pathlib.Path(tempfile.mkdtemp()) / "m.duckdb", snapshot=False) as store:
...     store.counts()["indicators"]
0
"""

from __future__ import annotations

import os

from exportkit.store import tables
from exportkit.store.history import History
from exportkit.store.queries import Queries
from exportkit.store.schema import SCHEMA_VERSION
from exportkit.store.upserts import Upserts


class Store(Upserts, Queries, History):
    """The market database. Use :func:`open_store`; close it (or use ``with``) when done."""

    def _setup(self, load_snapshot: bool) -> None:
        self._migrate()
        if load_snapshot and self.meta("snapshot_loaded") is None:
            from exportkit.store.snapshot import load_snapshot as _load

            _load(self)

    def clear(self, history: bool = True) -> None:
        """Delete every row of every shared table (the schema stays), in one transaction;
        ``history=False`` keeps the firms' assessment history."""
        with self.transaction():
            for spec in reversed(tables.SHARED):
                if spec is tables.ASSESSMENTS and not history:
                    continue
                self.rows(f"DELETE FROM {spec.name}")
            self.rows("DELETE FROM meta")

    def reset(self, snapshot: bool = True, *, history: bool = True) -> dict[str, int]:
        """Empty the database and reload the bundled snapshot, all in one transaction
        (``history=False`` keeps the firms' assessment history)."""
        from exportkit.store.snapshot import load_snapshot

        with self.transaction():
            self.clear(history=history)
            if snapshot:
                load_snapshot(self)
        return self.counts()

    def __repr__(self) -> str:
        return f"Store({self.location!r}, {self.backend}, schema v{SCHEMA_VERSION})"


def open_store(path: str | os.PathLike | None = None, *, snapshot: bool = True) -> Store:
    """Open (creating if needed) the market database and bring its schema up to date.

    ``path`` is the ``--db`` option: a DuckDB file, or a PostgreSQL URL
    (``postgresql://user@host/db``, a team's shared store); ``None`` uses ``$EXPORTKIT_DB``,
    else the user data folder's file. On first use the bundled New Southbound snapshot is
    loaded (``snapshot=False`` skips it, for tests and benchmarks). Raises ``StoreError`` for a
    corrupt file, one held by another process, or a server that cannot be reached.
    """
    store = Store(path)
    try:
        store._setup(load_snapshot=snapshot)
    except BaseException:
        store.close()
        raise
    return store
