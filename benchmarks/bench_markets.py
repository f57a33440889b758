"""Benchmark: rank 18 markets for many HS-code sets from a store of synthetic trade flows.

    python benchmarks/bench_markets.py [--quick]

Store: 5 years × 18 reporters × 1,000 HS6 codes × 6 partners (world, Taiwan, 4 rivals) of
SYNTHETIC imports in a temporary database (never shipped, never shown to a consultant).
Fast path: ``rank_markets_many`` (one query for the union of codes, a dense code × market ×
year array, per-set array sums), including the untapped export potential (one vectorised
``exportkit.analytics.potential`` cube over every product, summed per set); the same run
without the potential is timed too (``no_potential_seconds``). Baseline, same run: one ``rank_markets``-style pass per set
(its own SQL query and indicator reads), on a sample of the sets; results are compared (the
export potential to 1e-9 relative: the same sums in another order).
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import tempfile
import time
from dataclasses import fields
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from _machine import finish

from exportkit.countries import NSB18
from exportkit.markets import rank_markets_many
from exportkit.store import open_store

YEARS = range(2019, 2024)
PARTNERS = ("WLD", "TWN", "CHN", "JPN", "KOR", "USA")
POTENTIAL_REL_TOL = 1e-9  # a relative difference in the export potential that is a mismatch


def synthetic_flows(n_codes: int, seed: int = 0) -> tuple[pd.DataFrame, list[str]]:
    rng = np.random.default_rng(seed)
    codes = sorted({f"{c:06d}" for c in rng.integers(10_000, 970_000, size=n_codes * 2)})
    codes = [c for c in codes if c[:2] != "77"][:n_codes]
    rows = []
    for iso3 in NSB18:
        base = rng.lognormal(14, 2, size=len(codes))
        for i, year in enumerate(YEARS):
            world = base * (1 + rng.normal(0.04, 0.05, size=len(codes))) ** i
            shares = rng.dirichlet(np.ones(len(PARTNERS) - 1), size=len(codes))
            for p, partner in enumerate(PARTNERS):
                value = world if partner == "WLD" else world * shares[:, p - 1]
                rows.append(
                    pd.DataFrame(
                        {
                            "reporter_iso3": iso3,
                            "partner_iso3": partner,
                            "hs_code": codes,
                            "year": year,
                            "flow": "M",
                            "value_usd": value.round(0),
                        }
                    )
                )
    frame = pd.concat(rows, ignore_index=True)
    frame["source"] = "synthetic benchmark data"
    frame["source_url"] = "about:synthetic"
    frame["retrieved_at"] = datetime(2025, 1, 1)
    return frame, codes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 HS-code sets instead of 1,000")
    args = parser.parse_args()
    n_sets = 100 if args.quick else 1000
    n_baseline = 50 if args.quick else 200
    rng = np.random.default_rng(42)

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        flows, codes = synthetic_flows(1000)
        t_gen = time.perf_counter() - t0
        with open_store(Path(tmp) / "bench.duckdb") as store:
            t0 = time.perf_counter()
            store.upsert_trade_flows(flows)
            t_load = time.perf_counter() - t0
            t0 = time.perf_counter()
            store.upsert_trade_flows(flows)  # idempotent re-load of the same rows
            t_reload = time.perf_counter() - t0
            assert store.counts()["trade_flows"] == len(flows)

            sets = [
                tuple(rng.choice(codes, size=int(rng.integers(1, 11)), replace=False))
                for _ in range(n_sets)
            ]
            t0 = time.perf_counter()
            fast = rank_markets_many(store, NSB18, sets, suppliers=False)
            t_fast = time.perf_counter() - t0

            t0 = time.perf_counter()
            plain = rank_markets_many(store, NSB18, sets, suppliers=False, potential=False)
            t_plain = time.perf_counter() - t0
            assert [s.iso3 for s in plain[0]] == [s.iso3 for s in fast[0]]

            t0 = time.perf_counter()
            baseline = [
                rank_markets_many(store, NSB18, [s], suppliers=False)[0] for s in sets[:n_baseline]
            ]
            t_base = time.perf_counter() - t0

    def key(scores):
        return [(s.iso3, round(s.score, 6), s.imports_usd, s.taiwan_share) for s in scores]

    # the export potential is summed over one cube of every set's products here and over one
    # set's products in the baseline: the same sums in another order, equal to ~1e-15
    def potential_diff(a, b) -> float:
        if a is None or b is None:
            return 0.0 if a is b else math.inf
        worst = 0.0
        for f in fields(a):
            x, y = getattr(a, f.name), getattr(b, f.name)
            if isinstance(x, float) and isinstance(y, float):
                worst = max(worst, abs(x - y) / max(abs(x), abs(y), 1e-300))
            elif x != y:
                return math.inf
        return worst

    diffs = [
        max(
            (potential_diff(x.potential, y.potential) for x, y in zip(a, b, strict=True)), default=0
        )
        for a, b in zip(fast, baseline, strict=False)
    ]
    potential_max_rel_diff = max(diffs, default=0.0)
    mismatches = sum(
        key(a) != key(b) or d > POTENTIAL_REL_TOL
        for a, b, d in zip(fast, baseline, diffs, strict=False)
    )
    fast_ms = t_fast / n_sets * 1000
    base_ms = t_base / n_baseline * 1000
    print(f"synthetic flows: {len(flows):,} rows (generated in {t_gen:.1f} s)")
    print(f"load: {t_load:.2f} s; idempotent re-load: {t_reload:.2f} s")
    print(f"fast:     {n_sets} sets in {t_fast:.2f} s ({fast_ms:.2f} ms/set)")
    print(f"without the export potential: {t_plain:.2f} s")
    print(f"baseline: {n_baseline} sets in {t_base:.2f} s ({base_ms:.2f} ms/set, per-set SQL)")
    print(
        f"results equal on the {n_baseline} sets compared: {mismatches == 0} "
        f"(export potential to {potential_max_rel_diff:.1e} relative)"
    )
    result = {
        "bench": "markets",
        "quick": args.quick,
        "flow_rows": len(flows),
        "sets": n_sets,
        "load_seconds": round(t_load, 3),
        "reload_seconds": round(t_reload, 3),
        "seconds": round(t_fast, 3),
        "no_potential_seconds": round(t_plain, 3),
        "potential_overhead_seconds": round(t_fast - t_plain, 3),
        "markets_with_potential": sum(
            s.potential is not None and s.potential.untapped_potential_usd is not None
            for s in fast[0]
        ),
        "per_set_ms": round(fast_ms, 3),
        "baseline_sets": n_baseline,
        "baseline_per_set_ms": round(base_ms, 3),
        "speedup": round(base_ms / fast_ms, 1),
        "mismatches": mismatches,
        "potential_max_rel_diff": potential_max_rel_diff,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    finish(
        result,
        libs=["duckdb", "numpy", "pandas"],
        baseline="one rank_markets-style pass per set (own SQL query), on a sample (baseline_per_set_ms)",
    )
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
