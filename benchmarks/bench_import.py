"""Benchmark: load a CEPII BACI-layout year file into the market database.

    python benchmarks/bench_import.py [--quick] [--rows N]

The file is SYNTHETIC (generated here, never shipped): BACI's layout ``t,i,j,k,v,q`` with
N rows (10 million by default, a real year file's size; 1 million with ``--quick``), ~230
country codes (490 Taiwan, 699 India …), 5,000 HS6 codes of which some lose their leading
zero, quantities partly ``NA``. Each loader runs in its own child process, which reports its
wall time and peak RSS:

- ``exportkit``: ``exportkit.ingest.baci.import_baci_files`` (DuckDB streams the CSV; only
  the reduced rows reach pandas, in chunks);
- baseline, same run: ``pandas.read_csv`` of the whole file, the same reduction in pandas,
  and the same store upsert.

The two databases are compared (row counts and value sums per flow). The last line is one
JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pycountry
from _machine import finish

FILE_NAME = "BACI_HS17_Y2022_V202401b.csv"


def generate(path: Path, rows: int, seed: float = 0.42) -> None:
    """A BACI-layout CSV of ``rows`` random flows, written by DuckDB (fast, streaming)."""
    skip = {356, 840, 250, 578, 756, 158}  # BACI uses 699, 842, 251, 579, 757; 490 for Taiwan
    codes = sorted({int(c.numeric) for c in pycountry.countries} - skip | {490, 699, 842, 251})
    con = duckdb.connect()
    con.execute(f"SELECT setseed({seed})")
    con.execute(
        f"""
        COPY (
            WITH c AS (SELECT {codes}::INTEGER[] AS codes),
                 h AS (SELECT list(10000 + (x * 1931) % 960000 ORDER BY x) AS hs
                       FROM range(5000) t(x))
            SELECT 2022 AS t,
                   codes[1 + floor(random() * len(codes))::INTEGER] AS i,
                   codes[1 + floor(random() * len(codes))::INTEGER] AS j,
                   hs[1 + floor(random() * 5000)::INTEGER] AS k,
                   round(random() * 2000, 3) AS v,
                   CASE WHEN random() < 0.05 THEN '          NA'
                        ELSE round(random() * 100, 3)::VARCHAR END AS q
            FROM range({rows}), c, h
        ) TO '{path}' (HEADER, DELIMITER ',', QUOTE '')
        """
    )
    con.close()


def run_exportkit(path: str, db: str) -> dict:
    from exportkit.ingest.baci import import_baci_files

    batch = import_baci_files([path], db=db)
    if not batch.ok:
        raise SystemExit(batch.failures[0].messages()[0])
    return {"flows": batch.imports[0].flows, "rows": batch.imports[0].rows}


def run_pandas(path: str, db: str) -> dict:
    """The obvious way: the whole file in pandas, reduced there, then the same upsert."""
    from datetime import datetime

    import pandas as pd

    from exportkit.countries import NSB18
    from exportkit.ingest.baci import country_table, parse_file_name
    from exportkit.store import open_store

    release = parse_file_name(path)
    table = country_table()
    raw = pd.read_csv(path)
    raw["q"] = pd.to_numeric(raw["q"], errors="coerce")
    raw["k"] = raw["k"].astype(str).str.zfill(6)
    raw["exporter"] = raw["i"].map(table)
    raw["importer"] = raw["j"].map(table)
    mine = raw[raw["importer"].isin(NSB18)]
    # the generated file may repeat an (exporter, importer, product): summed, as the loader does
    pairs = mine.groupby(["importer", "exporter", "k", "t"], as_index=False).agg(
        v=("v", "sum"), q=("q", "sum"), q_n=("q", "count")
    )
    pairs["q"] = pairs["q"].where(pairs["q_n"] > 0)
    pair = pd.DataFrame(
        {
            "reporter_iso3": pairs["importer"],
            "partner_iso3": pairs["exporter"],
            "hs_code": pairs["k"],
            "year": pairs["t"],
            "flow": "M",
            "value_usd": pairs["v"] * 1000,
            "quantity": pairs["q"],
            "quantity_unit": pairs["q"].notna().map({True: "t", False: None}),
        }
    )
    world = mine.groupby(["importer", "k", "t"], as_index=False)["v"].sum()
    world = world.rename(columns={"importer": "reporter_iso3"}).assign(partner_iso3="WLD", flow="M")
    out = raw[raw["exporter"].isin([*NSB18, "TWN"])]
    exp = out.groupby(["exporter", "k", "t"], as_index=False)["v"].sum()
    exp = exp.rename(columns={"exporter": "reporter_iso3"}).assign(partner_iso3="WLD", flow="X")
    wld = raw.groupby(["k", "t"], as_index=False)["v"].sum()
    wld = wld.assign(reporter_iso3="WLD", partner_iso3="WLD", flow="M")
    parts = [world, exp, wld]
    if raw["k"].nunique() >= 4000:  # a whole year: all-goods totals as the loader writes them
        tw = mine[mine["exporter"] == "TWN"]
        parts += [
            mine.groupby(["importer", "t"], as_index=False)["v"]
            .sum()
            .rename(columns={"importer": "reporter_iso3"})
            .assign(partner_iso3="WLD", flow="M"),
            tw.groupby(["importer", "t"], as_index=False)["v"]
            .sum()
            .rename(columns={"importer": "reporter_iso3"})
            .assign(partner_iso3="TWN", flow="M"),
            raw[raw["exporter"] == "TWN"]
            .groupby("t", as_index=False)["v"]
            .sum()
            .assign(reporter_iso3="TWN", partner_iso3="WLD", flow="X"),
            raw.groupby("t", as_index=False)["v"]
            .sum()
            .assign(reporter_iso3="WLD", partner_iso3="WLD", flow="M"),
        ]
        for part in parts[3:]:
            part["k"] = "TOTAL"
    sums = pd.concat(parts, ignore_index=True)
    sums = sums.rename(columns={"k": "hs_code", "t": "year"})
    sums["value_usd"] = sums.pop("v") * 1000
    frame = pd.concat([pair, sums], ignore_index=True)
    frame["source"] = release.source
    frame["source_url"] = release.url
    frame["retrieved_at"] = datetime(2025, 1, 1)
    frame["hs_revision"] = release.hs_edition
    with open_store(db) as store:  # as the loader: the snapshot is loaded first
        flows = store.upsert_trade_flows(frame)
    return {"flows": flows, "rows": len(raw)}


def child(kind: str, path: str, db: str) -> None:
    t0 = time.perf_counter()
    out = (run_exportkit if kind == "exportkit" else run_pandas)(path, db)
    out["seconds"] = round(time.perf_counter() - t0, 2)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(out))


def measure(kind: str, path: Path, db: Path) -> dict:
    env = {**os.environ, "EXPORTKIT_DB": str(db)}
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path), str(db)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"{kind} loader failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def summary(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "SELECT flow, reporter_iso3 = 'WLD', hs_code = 'TOTAL', count(*), "
            "sum(value_usd) "
            "FROM trade_flows WHERE source LIKE 'CEPII BACI%' GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()


def _same(a: list[tuple], b: list[tuple]) -> bool:
    """Same groups and row counts, value sums equal to 1e-9 (summation order differs)."""
    return len(a) == len(b) and all(
        x[:-1] == y[:-1] and abs(x[-1] - y[-1]) <= 1e-9 * max(abs(x[-1]), 1)
        for x, y in zip(a, b, strict=True)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 million rows instead of 10")
    parser.add_argument("--rows", type=int, help="rows of the generated file")
    parser.add_argument("--no-baseline", action="store_true", help="skip the pandas baseline")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    rows = args.rows or (1_000_000 if args.quick else 10_000_000)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / FILE_NAME
        t0 = time.perf_counter()
        generate(path, rows)
        gen_seconds = time.perf_counter() - t0
        ours = measure("exportkit", path, Path(tmp) / "ours.duckdb")
        result = {
            "bench": "import_baci",
            "quick": args.quick,
            "rows": rows,
            "file_mb": round(path.stat().st_size / 2**20, 1),
            "generate_seconds": round(gen_seconds, 2),
            "seconds": ours["seconds"],
            "peak_rss_mb": ours["peak_rss_mb"],
            "flows_stored": ours["flows"],
            "target": "< 60 s, < 1024 MB",
        }
        if not args.no_baseline:
            base = measure("pandas", path, Path(tmp) / "base.duckdb")
            same = _same(summary(Path(tmp) / "ours.duckdb"), summary(Path(tmp) / "base.duckdb"))
            result.update(
                {
                    "baseline_seconds": base["seconds"],
                    "baseline_peak_rss_mb": base["peak_rss_mb"],
                    "speedup": round(base["seconds"] / ours["seconds"], 1),
                    "same_result": same,
                }
            )
    finish(
        result,
        libs=["duckdb", "pandas"],
        baseline="pandas.read_csv of the whole file, the same reduction and upsert, same run "
        "(baseline_seconds; skipped with --no-baseline)",
    )


if __name__ == "__main__":
    main()
