"""Can the market database be opened and read? The check ``exportkit doctor`` shows."""

from __future__ import annotations

import os

from exportkit.doctor import Check
from exportkit.errors import ExportkitError
from exportkit.store.database import open_store


def database_check(db: str | os.PathLike | None = None) -> Check:
    """Open the database (created with the bundled snapshot when missing, as every command
    does) and count its rows; a locked, corrupt or unreadable one is a failed check naming
    the problem, never a traceback."""
    try:
        with open_store(db) as store:
            total = sum(store.counts().values())
            path = store.path
    except ExportkitError as exc:
        return Check("database", False, exc.message("en"), detail_zh=exc.message("zh-TW"))
    except Exception as exc:  # damage the store does not name yet: still a failed check
        return Check("database", False, f"{type(exc).__name__}: {exc}")
    return Check("database", True, f"{path} ({total} rows)", detail_zh=f"{path}（{total} 筆）")
