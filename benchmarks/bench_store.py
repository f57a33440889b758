"""Benchmark: the store on each engine — DuckDB file and PostgreSQL — in the same run.

    python benchmarks/bench_store.py [--quick] [--pg-url postgresql://…]

Per engine, through exportkit's own store API (``open_store``): load 540,000 SYNTHETIC
trade-flow rows (18 reporters × 6 partners × 1,000 HS6 codes × 5 years, bench_markets' data)
in one transaction; upsert one 5,000-row crawl batch (newer retrievals) into the full table;
save 1,000 assessments and look up the previous assessment of 1,000 firms; rank 18 markets
for 1,000 HS-code sets (``rank_markets_many``, one read for all sets) and read each set's
imports on its own (``Store.import_flows`` per set, 1,000 queries: what one consultant's
request costs). The results of both engines are compared.

PostgreSQL: a throwaway cluster (tests/pg_server.py, PostgreSQL's durable default settings)
unless ``--pg-url`` names a server (its database must be empty). Without PostgreSQL the
DuckDB figures are still reported, with the reason. ``--quick``: 54,000 rows, 100 of each.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

import numpy as np
from _machine import finish
from bench_markets import synthetic_flows

from exportkit.countries import NSB18
from exportkit.markets import rank_markets_many
from exportkit.models import DimensionScore, ReadinessScore, Text
from exportkit.store import open_store

TESTS = Path(__file__).resolve().parents[1] / "tests"


def assessments(n: int) -> list[tuple[ReadinessScore, date]]:
    rng = np.random.default_rng(7)
    out = []
    for i in range(n):
        dims = {
            d: DimensionScore(d, float(rng.uniform(20, 90)), 0.25, 4, 4, Text(d, d))
            for d in ("commitment", "product", "resources", "experience")
        }
        overall = float(np.mean([d.score for d in dims.values()]))
        score = ReadinessScore(
            "export-readiness", f"firm{i}.xlsx", f"Firm {i}", f"{10_000_000 + i}", overall,
            "developing", dims, coverage=1.0,
        )  # fmt: skip
        out.append((score, date(2025, 1 + i % 12, 1)))
    return out


def timed(fn):
    t0 = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - t0


def run_engine(target: str, flows, batch, scores, sets) -> dict:
    """Every measurement on one engine; figures in seconds, plus what the checks compare."""
    out: dict = {}
    store, out["open_s"] = timed(lambda: open_store(target))  # migrate + bundled snapshot
    with store:
        _, out["load_s"] = timed(lambda: store.upsert_trade_flows(flows))
        _, out["crawl_batch_5000_s"] = timed(lambda: store.upsert_trade_flows(batch))
        _, out["save_assessments_s"] = timed(lambda: store.save_assessments(scores))
        wanted = [(s.tax_id, d.replace(year=d.year + 1)) for s, d in scores]
        previous, out["previous_assessments_s"] = timed(lambda: store.previous_assessments(wanted))
        ranked, out["rank_sets_s"] = timed(
            lambda: rank_markets_many(store, NSB18, sets, suppliers=False)
        )
        reads, out["per_set_reads_s"] = timed(
            lambda: [len(store.import_flows(NSB18, list(s))) for s in sets]
        )
        out["per_set_read_ms"] = round(out["per_set_reads_s"] / len(sets) * 1000, 2)
        checks = {
            "counts": store.counts(),
            "value_sum": store.rows("SELECT sum(value_usd) FROM trade_flows")[0][0],
            "previous": len(previous),
            "ranking": [
                [(m.iso3, round(m.score, 6), m.imports_usd, m.taiwan_share) for m in r]
                for r in ranked
            ],
            "reads": reads,
        }
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}, checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="54,000 rows, 100 sets/firms")
    parser.add_argument(
        "--pg-url", help="an empty PostgreSQL database (default: a throwaway cluster)"
    )
    args = parser.parse_args()
    n_codes, n = (100, 100) if args.quick else (1000, 1000)

    flows, codes = synthetic_flows(n_codes)
    batch = flows.sample(5000, random_state=1).copy()
    batch["retrieved_at"] = datetime(2026, 1, 1)  # a later crawl: every row replaces its key
    batch["value_usd"] = batch["value_usd"] * 1.01
    rng = np.random.default_rng(42)
    sets = [
        tuple(rng.choice(codes, size=int(rng.integers(1, 11)), replace=False)) for _ in range(n)
    ]
    scores = assessments(n)
    print(f"{len(flows):,} flow rows, {n} assessments, {n} HS-code sets", file=sys.stderr)

    result: dict = {"bench": "store", "quick": args.quick, "flow_rows": len(flows), "sets": n}
    with tempfile.TemporaryDirectory() as tmp:
        duck, duck_checks = run_engine(str(Path(tmp) / "bench.duckdb"), flows, batch, scores, sets)
    result["duckdb"] = duck
    print(f"duckdb:     {duck}", file=sys.stderr)

    cluster, pg_reason = None, None
    url = args.pg_url
    if url is None:
        sys.path.insert(0, str(TESTS))
        from pg_server import DURABLE_SETTINGS, PostgresCluster, unavailable_reason

        pg_reason = unavailable_reason()
        if pg_reason is None:
            cluster = PostgresCluster(DURABLE_SETTINGS).start()
            url = cluster.create_database("bench_store")
    try:
        if url is not None:
            pg, pg_checks = run_engine(url, flows, batch, scores, sets)
            result["postgresql"] = pg
            print(f"postgresql: {pg}", file=sys.stderr)
            same = {k: duck_checks[k] == pg_checks[k] for k in duck_checks}
            same["value_sum"] = abs(duck_checks["value_sum"] - pg_checks["value_sum"]) < 1e-6 * abs(
                duck_checks["value_sum"]
            )
            result["identical"] = same
            result["ratio_pg_to_duckdb"] = {
                k: round(pg[k] / duck[k], 2) for k in duck if duck[k] and k != "per_set_read_ms"
            }
        else:
            result["postgresql"] = {"skipped": pg_reason}
    finally:
        if cluster is not None:
            from exportkit.store.postgres import close_pools

            close_pools()
            cluster.stop()
    ok = all(result.get("identical", {}).values())
    finish(
        result,
        libs=["duckdb", "psycopg", "psycopg-pool", "pandas"],
        baseline="the DuckDB file store, same data, same run (duckdb.*); PostgreSQL with durable "
        "settings (fsync on) on this machine, TCP on 127.0.0.1",
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
