"""Benchmark: exportkit's PPML (absorbed fixed effects) vs statsmodels GLM with dummies.

Simulated panel: 100 exporters × 100 importers × 5 years with exporter-year and
importer-year effects (``--quick``: 30 × 30 × 3). Both estimators run in this process on
the same data; the last line printed is one JSON object.

    python benchmarks/bench_gravity.py [--quick]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _machine import finish  # noqa: E402
from gravity_sim import simulate_panel  # noqa: E402

from exportkit.analytics.gravity import fit_ppml  # noqa: E402

RHS = ["ldist", "cntg", "lang"]


def dummy_design(df: pd.DataFrame) -> np.ndarray:
    """Regressors + all exporter-year dummies + importer-year dummies less one per year.

    The dropped importer per year is the rank condition DESIGN.md warns about.
    """
    ey = pd.factorize(df["exp"] + "_" + df["year"].astype(str), sort=True)[0]
    iy_labels = df["imp"] + "_" + df["year"].astype(str)
    first_imp = sorted(df["imp"].unique())[0]
    iy_codes, iy_uniques = pd.factorize(iy_labels, sort=True)
    keep_iy = np.array([not u.startswith(first_imp + "_") for u in iy_uniques])
    remap = np.cumsum(keep_iy) - 1
    n = len(df)
    X = np.zeros((n, len(RHS) + ey.max() + 1 + int(keep_iy.sum())))
    X[:, : len(RHS)] = df[RHS].to_numpy()
    X[np.arange(n), len(RHS) + ey] = 1.0
    rows = np.flatnonzero(keep_iy[iy_codes])
    X[rows, len(RHS) + ey.max() + 1 + remap[iy_codes[rows]]] = 1.0
    return X


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="30 × 30 × 3 instead of 100 × 100 × 5")
    args = parser.parse_args()
    ne, ni, nt = (30, 30, 3) if args.quick else (100, 100, 5)
    df = simulate_panel(ne, ni, nt, seed=2024, intercept=9.0, poisson=False)
    groups = pd.factorize(df["exp"] + "|" + df["imp"])[0]
    print(f"panel: {ne} exporters x {ni} importers x {nt} years = {len(df)} rows", flush=True)

    t0 = time.perf_counter()
    res_cl = fit_ppml(
        df, trade="trade", exporter="exp", importer="imp", year="year", rhs=RHS, se="cluster"
    )
    exportkit_s = time.perf_counter() - t0
    exportkit_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"exportkit fit_ppml (cluster SE): {exportkit_s:.3f} s, "
        f"{res_cl.diagnostics.iterations} IRLS iterations",
        flush=True,
    )

    t0 = time.perf_counter()
    X = dummy_design(df)
    model = sm.GLM(df["trade"].to_numpy(), X, family=sm.families.Poisson())
    ref = model.fit(cov_type="cluster", cov_kwds={"groups": groups})
    statsmodels_s = time.perf_counter() - t0
    print(f"statsmodels GLM with {X.shape[1]} dummy columns: {statsmodels_s:.3f} s", flush=True)

    ours_b = np.array([res_cl.params[k] for k in RHS])
    ours_se = np.array([res_cl.std_errors[k] for k in RHS])
    coef_diff = float(np.max(np.abs(ours_b / ref.params[: len(RHS)] - 1)))
    se_diff = float(np.max(np.abs(ours_se / ref.bse[: len(RHS)] - 1)))
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = {
        "panel": f"{ne}x{ni}x{nt}",
        "nobs": len(df),
        "fe_columns": int(X.shape[1] - len(RHS)),
        "exportkit_s": round(exportkit_s, 4),
        "statsmodels_dummies_s": round(statsmodels_s, 4),
        "speedup": round(statsmodels_s / exportkit_s, 1),
        "max_coef_rel_diff": coef_diff,
        "max_se_rel_diff": se_diff,
        "se_type": "cluster",
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "exportkit_peak_rss_mb": round(exportkit_rss_kb / 1024, 1),
    }
    finish(
        out,
        libs=["numpy", "scipy", "pandas", "statsmodels"],
        baseline="statsmodels GLM Poisson with dummy fixed effects, same data (statsmodels_dummies_s)",
    )


if __name__ == "__main__":
    main()
