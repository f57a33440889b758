"""Check exportkit's PPML against the published Yotov et al. (2016) Table 1 PPML column.

    python benchmarks/check_published_gravity.py PATH/1_TraditionalGravity_from_WTO_book.dta

The data file is not redistributed with exportkit (it ships with the book's Stata files);
give its path (.dta, .csv or .parquet with the book's column names: exporter, importer,
pair_id, year, trade, DIST or ln_DIST, CNTG, LANG, CLNY). The sample is the book's:
years 1986–2006 every four years, international flows only, zeros kept; exporter-year and
importer-year fixed effects; SEs clustered by pair_id. Estimates must agree with the
published three-decimal values to ±0.0015 (rounding), SEs within 5 % (Stata's cluster
correction is G/(G−1); exportkit follows statsmodels' G/(G−1)·(N−1)/(N−K), about 1.5 %
larger here). The last line printed is one JSON object; exit code 1 if a check fails.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import yaml

from exportkit.analytics.gravity import fit_ppml
from exportkit.analytics.report import gravity_table, read_panel

PUBLISHED = Path(__file__).with_name("published") / "yotov2016_table1.yaml"


def prepare(df):
    """The book's Application 1 sample: years every 4 years, international pairs only."""
    spec = yaml.safe_load(PUBLISHED.read_text(encoding="utf-8"))["sample"]
    cols = {c.lower(): c for c in df.columns}
    df = df.rename(
        columns={cols[k]: k.upper() for k in ("dist", "cntg", "lang", "clny") if k in cols}
    )
    df = df.rename(
        columns={
            cols[k]: k for k in ("exporter", "importer", "pair_id", "year", "trade") if k in cols
        }
    )
    if "ln_DIST" not in df.columns and "ln_dist" not in cols:
        df["ln_DIST"] = np.log(df["DIST"])
    elif "ln_dist" in cols and cols["ln_dist"] != "ln_DIST":
        df = df.rename(columns={cols["ln_dist"]: "ln_DIST"})
    df = df[df["year"].isin(spec["years"])]
    if spec["international_only"]:
        df = df[df["exporter"] != df["importer"]]
    return df.reset_index(drop=True)


def compare(result, published: dict) -> dict:
    rows = {}
    for name, pub in published["coefficients"].items():
        if name not in result.params:  # dropped (collinear): a failed check, not a crash
            rows[name] = {"estimate": None, "published": pub["estimate"], "estimate_ok": False}
            rows[name].update(std_error=None, published_se=pub["std_error"], se_ok=False)
            continue
        est, se = result.params[name], result.std_errors[name]
        rows[name] = {
            "estimate": round(est, 4),
            "published": pub["estimate"],
            "estimate_ok": abs(est - pub["estimate"]) <= 0.0015,
            "std_error": round(se, 4),
            "published_se": pub["std_error"],
            "se_ok": abs(se / pub["std_error"] - 1) <= 0.05,
        }
    return rows


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    published = yaml.safe_load(PUBLISHED.read_text(encoding="utf-8"))
    df = prepare(read_panel(argv[0]))
    result = fit_ppml(
        df,
        trade="trade",
        exporter="exporter",
        importer="importer",
        year="year",
        rhs=list(published["coefficients"]),
        cluster="pair_id",
    )
    print(gravity_table(result))
    rows = compare(result, published)
    ok = all(r["estimate_ok"] and r["se_ok"] for r in rows.values())
    ok = ok and result.nobs == published["sample"]["nobs"]
    print(
        json.dumps(
            {
                "nobs": result.nobs,
                "published_nobs": published["sample"]["nobs"],
                "ok": ok,
                "coefficients": rows,
            }
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
