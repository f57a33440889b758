"""The published-estimate checker (benchmarks/check_published_gravity.py) on a file in the
book's format: sample rules and tolerance logic (the book's data is not redistributed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import check_published_gravity as check  # noqa: E402

from exportkit.models.analytics import Coefficient, Diagnostics, GravityResult  # noqa: E402


def book_format_panel(n=8, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    codes = [f"C{i:02d}" for i in range(n)]
    rows = []
    for year in range(1986, 2007):
        for i, ex in enumerate(codes):
            for j, im in enumerate(codes):
                dist = 100.0 if i == j else float(rng.uniform(500, 15000))
                mu = np.exp(8 - 0.84 * np.log(dist) + rng.normal(0, 0.3))
                lang, clny = int((i + j) % 3 == 0), int((i * j) % 5 == 1)
                rows.append((ex, im, i * n + j, year, mu, dist, int(abs(i - j) == 1), lang, clny))
    return pd.DataFrame(
        rows,
        columns=[
            "exporter",
            "importer",
            "pair_id",
            "year",
            "trade",
            "DIST",
            "CNTG",
            "LANG",
            "CLNY",
        ],
    )


def test_prepare_applies_the_books_sample_rules():
    df = check.prepare(book_format_panel())
    assert sorted(df["year"].unique()) == [1986, 1990, 1994, 1998, 2002, 2006]
    assert (df["exporter"] != df["importer"]).all()
    assert np.allclose(df["ln_DIST"], np.log(df["DIST"]))


def _result(values: dict[str, tuple[float, float]]) -> GravityResult:
    coefs = tuple(Coefficient(k, b, s, b / s, 0.0) for k, (b, s) in values.items())
    return GravityResult(
        coefficients=coefs,
        cov=(),
        nobs=28152,
        se_type="cluster",
        n_clusters=1,
        fixed_effects_used=(),
        pseudo_r2=0.0,
        r2_corr=0.0,
        loglik=0.0,
        deviance=0.0,
        diagnostics=Diagnostics(True, 1, 0.0, 0.0),
    )


def test_compare_accepts_published_values_and_rejects_others():
    published = yaml.safe_load(check.PUBLISHED.read_text(encoding="utf-8"))
    exact = {
        k: (v["estimate"], v["std_error"] * 1.015) for k, v in published["coefficients"].items()
    }
    assert all(
        r["estimate_ok"] and r["se_ok"] for r in check.compare(_result(exact), published).values()
    )
    off = dict(exact, LANG=(0.26, exact["LANG"][1]))
    rows = check.compare(_result(off), published)
    assert not rows["LANG"]["estimate_ok"] and rows["CNTG"]["estimate_ok"]


def test_script_runs_end_to_end_on_a_book_format_file(tmp_path, capsys):
    path = tmp_path / "book.csv"
    book_format_panel().to_csv(path, index=False)
    code = check.main([str(path)])
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 1 and out["ok"] is False  # simulated data, not the book's numbers
    assert out["nobs"] == 6 * 8 * 7
    assert set(out["coefficients"]) == {"ln_DIST", "CNTG", "LANG", "CLNY"}
