"""The bundled New Southbound snapshot: offline facts shipped inside the package.

``exportkit/data/snapshot/`` holds ``indicators.csv`` and ``market_notes.yaml`` (each row with
its source, URL and retrieval date) and ``metadata.yaml`` (when and how it was assembled,
sources, licences). Countries come from ``exportkit.countries`` (18 NSB markets and Taiwan).
Loading is an upsert with "latest retrieved wins", so data crawled after the snapshot keeps
precedence when the snapshot is loaded again.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from exportkit import countries
from exportkit.errors import StoreError
from exportkit.resources import data_file, load_yaml
from exportkit.store import tables
from exportkit.store.frames import normalise, records_frame

SNAPSHOT_TABLES = ("indicators.csv", "market_notes.yaml")


@dataclass(frozen=True)
class SnapshotResult:
    """The snapshot version loaded and the rows offered per table."""

    version: str
    rows: dict[str, int]


def metadata() -> dict:
    """The snapshot's ``metadata.yaml`` (assembled when/how, sources, licence)."""
    return load_yaml(data_file("snapshot", "metadata.yaml"))


def country_rows() -> pd.DataFrame:
    """The 18 New Southbound countries and Taiwan, from ``exportkit.countries``."""
    items = [countries.country(iso3) for iso3 in (*countries.NSB18, "TWN")]
    return records_frame(items, tables.COUNTRIES)


def snapshot_frames() -> dict[str, pd.DataFrame]:
    """The snapshot's tables as validated DataFrames."""
    node = data_file("snapshot", "indicators.csv")
    with node.open("r", encoding="utf-8") as fh:
        indicators = pd.read_csv(fh, dtype=str, keep_default_na=False, na_values=[""])
    notes_doc = load_yaml(data_file("snapshot", "market_notes.yaml")) or {}
    notes = pd.DataFrame(notes_doc.get("notes", []))
    return {
        "countries": country_rows(),
        "indicators": normalise(indicators, tables.INDICATORS, where="snapshot/indicators.csv"),
        "market_notes": normalise(notes, tables.MARKET_NOTES, where="snapshot/market_notes.yaml"),
    }


def load_snapshot(store) -> SnapshotResult:
    """Upsert the bundled snapshot into ``store`` in one transaction; returns rows offered."""
    try:
        frames = snapshot_frames()
        version = str(metadata().get("version", "unknown"))
    except (OSError, KeyError, ValueError) as exc:
        raise StoreError(
            f"the bundled snapshot is unreadable: {exc}", zh=f"內建快照無法讀取：{exc}"
        ) from None
    rows = {}
    with store.transaction():
        for name, frame in frames.items():
            rows[name] = store.upsert_frame(tables.BY_NAME[name], frame)
        store.set_meta("snapshot_loaded", version)
    return SnapshotResult(version, rows)
