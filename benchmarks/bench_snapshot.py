"""Benchmark: start-up cost of the bundled snapshot (issue 11 made it ~10× larger).

    python benchmarks/bench_snapshot.py [--quick]

Measured, median of N interleaved runs, each in a fresh temporary database:

* ``fresh_open``: ``open_store`` on a new file (schema + reading, validating and loading the
  whole snapshot), what the first command of a fresh install pays once;
* ``reopen``: ``open_store`` on a database that already holds the snapshot, what every later
  command pays (the snapshot is not reloaded);
* ``parse``: reading and validating the snapshot files (``snapshot_frames``).

Baseline, same run, same code path: the snapshot as it was before issue 11 (version
2026.11.26.3, 395 indicator rows), read from git history; when git or that commit is not
available, the current snapshot without the issue-11 sources stands in (said in the JSON).
Peer, same run: DuckDB's own ``read_csv`` inserting the current ``indicators.csv`` into a
migrated database (no pandas, no validation), the fastest plain load of that file.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import io
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd
from _machine import finish

import exportkit.store.snapshot as snapshot_module
from exportkit.resources import data_file
from exportkit.store import open_store, tables
from exportkit.store.connection import Connection
from exportkit.store.frames import normalise
from exportkit.store.schema import migrate

ROOT = Path(__file__).resolve().parents[1]
# the last commit whose snapshot predates issue 11 (snapshot version 2026.11.26.3)
BASELINE_COMMIT = "3f9ecbe"
ISSUE_11_SOURCES = {
    "IMF World Economic Outlook, April 2025",
    "World Bank WDI, IT.NET.USER.ZS bulk file (public copy)",
    "CEPII GeoDist (public copy)",
    "Taiwan Ministry of Finance, Table 12 exports (public copy)",
}


def baseline_csv() -> tuple[str, str]:
    """(indicators.csv text of the pre-issue-11 snapshot, how it was obtained)."""
    try:
        text = subprocess.run(
            ["git", "show", f"{BASELINE_COMMIT}:exportkit/data/snapshot/indicators.csv"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return text, f"git {BASELINE_COMMIT}"
    except (OSError, subprocess.CalledProcessError):
        current = data_file("snapshot", "indicators.csv").read_text(encoding="utf-8")
        frame = pd.read_csv(io.StringIO(current), dtype=str, keep_default_na=False)
        frame = frame[~frame["source"].isin(ISSUE_11_SOURCES)]
        return frame.to_csv(index=False), "current snapshot without the issue-11 sources"


def frames_from(csv_text: str):
    """``snapshot_frames`` reading ``indicators.csv`` from ``csv_text`` (same parsing path)."""
    original = snapshot_module.snapshot_frames

    def frames() -> dict[str, pd.DataFrame]:
        out = original()
        raw = pd.read_csv(io.StringIO(csv_text), dtype=str, keep_default_na=False, na_values=[""])
        out["indicators"] = normalise(raw, tables.INDICATORS, where="baseline indicators.csv")
        return out

    return frames


def seconds_of(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 runs per measure instead of 15")
    runs = 3 if parser.parse_args().quick else 15
    text, baseline_from = baseline_csv()
    current_frames = snapshot_module.snapshot_frames
    baseline_frames = frames_from(text)
    csv_path = Path(str(data_file("snapshot", "indicators.csv")))
    samples: dict[str, list[float]] = {}

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        counter = iter(range(10**6))

        def fresh(frames):
            def run() -> None:
                snapshot_module.snapshot_frames = frames
                try:
                    open_store(tmp / f"f{next(counter)}.duckdb").close()
                finally:
                    snapshot_module.snapshot_frames = current_frames

            return run

        def loaded(frames) -> Path:
            path = tmp / f"loaded{next(counter)}.duckdb"
            snapshot_module.snapshot_frames = frames
            try:
                open_store(path).close()
            finally:
                snapshot_module.snapshot_frames = current_frames
            return path

        loaded_current, loaded_baseline = loaded(current_frames), loaded(baseline_frames)

        def peer() -> None:
            con = Connection(tmp / f"p{next(counter)}.duckdb")  # the store's own, unmigrated
            migrate(con)
            con.engine.raw.execute(
                "INSERT INTO indicators SELECT * FROM read_csv(?, header = true, columns = {"
                "'iso3': 'VARCHAR', 'indicator': 'VARCHAR', 'year': 'INTEGER', "
                "'value': 'DOUBLE', 'unit': 'VARCHAR', 'source': 'VARCHAR', "
                "'source_url': 'VARCHAR', 'retrieved_at': 'TIMESTAMP', "
                "'is_projection': 'BOOLEAN'})",
                [str(csv_path)],
            ).fetchall()
            con.close()

        measures = {
            "fresh_open": fresh(current_frames),
            "baseline_fresh_open": fresh(baseline_frames),
            "reopen": lambda: open_store(loaded_current).close(),
            "baseline_reopen": lambda: open_store(loaded_baseline).close(),
            "parse": current_frames,
            "baseline_parse": baseline_frames,
            "empty_open": lambda: open_store(
                tmp / f"e{next(counter)}.duckdb", snapshot=False
            ).close(),
            "peer_duckdb_read_csv": peer,
        }
        for _ in range(runs):  # interleaved, so drift on a shared machine hits all alike
            for name, fn in measures.items():
                samples.setdefault(name, []).append(seconds_of(fn))
    seconds = {name: statistics.median(values) for name, values in samples.items()}
    rows = {
        "snapshot_indicators": len(current_frames()["indicators"]),
        "baseline_indicators": len(baseline_frames()["indicators"]),
    }
    print(
        f"indicators: {rows['snapshot_indicators']} rows; baseline {rows['baseline_indicators']} ({baseline_from})"
    )
    for name, value in seconds.items():
        print(f"{name:>22}: {value * 1000:8.1f} ms")
    load = seconds["fresh_open"] - seconds["empty_open"]
    ratios = {
        "fresh_open_vs_baseline": round(seconds["fresh_open"] / seconds["baseline_fresh_open"], 2),
        "reopen_vs_baseline": round(seconds["reopen"] / seconds["baseline_reopen"], 2),
        "snapshot_load_vs_peer": round(
            load / max(seconds["peer_duckdb_read_csv"] - seconds["empty_open"], 1e-6), 2
        ),
    }
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finish(
        {
            "benchmark": "snapshot",
            "runs": runs,
            "rows": rows,
            "seconds": {k: round(v, 4) for k, v in seconds.items()},
            "ratios": ratios,
            "peak_rss_mb": round(peak, 1),
        },
        libs=["duckdb", "pandas"],
        baseline=f"the snapshot before issue 11, same code path ({baseline_from}); "
        "DuckDB read_csv as the peer (peer_duckdb_read_csv)",
    )


if __name__ == "__main__":
    main()
