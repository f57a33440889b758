"""``exportkit gravity`` end to end on real files: table, JSON, CSV, Parquet, bad input."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from gravity_sim import simulate_panel, statsmodels_reference

from exportkit.cli import main

ARGS = ["--trade", "trade", "--exporter", "exp", "--importer", "imp", "--rhs", "ldist,cntg,lang"]


@pytest.fixture
def panel(tmp_path):
    df = simulate_panel(10, 10, 2, seed=21)
    path = tmp_path / "panel.csv"
    df.to_csv(path, index=False)
    return df, path


def test_json_output_matches_statsmodels(runner, panel):
    df, path = panel
    result = runner.invoke(
        main, ["gravity", str(path), *ARGS, "--year", "year", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["nobs"] == len(df)
    assert data["diagnostics"]["converged"] is True
    ref_b, ref_se = statsmodels_reference(df, ["ldist", "cntg", "lang"], "cluster")
    got_b = [data["coefficients"][k]["estimate"] for k in ("ldist", "cntg", "lang")]
    got_se = [data["coefficients"][k]["std_error"] for k in ("ldist", "cntg", "lang")]
    assert np.allclose(got_b, ref_b, rtol=1e-6)
    assert np.allclose(got_se, ref_se, rtol=1e-6)
    assert 0 <= data["coefficients"]["lang"]["p_value"] <= 1


def test_table_output_in_both_languages(runner, panel):
    _, path = panel
    en = runner.invoke(main, ["gravity", str(path), *ARGS, "--year", "year", "--se", "hc1"])
    assert en.exit_code == 0, en.output
    assert "ldist" in en.output and "p-value" in en.output and "N = 200" in en.output
    assert "Diagnostics" in en.output and "converged" in en.output
    zh = runner.invoke(main, ["--lang", "zh-TW", "gravity", str(path), *ARGS, "--year", "year"])
    assert zh.exit_code == 0
    assert "觀察值數 = 200" in zh.output and "診斷" in zh.output


def test_csv_output_and_parquet_input(runner, panel, tmp_path):
    df, _ = panel
    pq = tmp_path / "panel.parquet"
    df.to_parquet(pq)
    result = runner.invoke(
        main, ["gravity", str(pq), *ARGS, "--year", "year", "--format", "csv", "--se", "iid"]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["variable"] for r in rows] == ["ldist", "cntg", "lang"]
    ref_b, ref_se = statsmodels_reference(df, ["ldist", "cntg", "lang"], "iid")
    assert np.allclose([float(r["std_error"]) for r in rows], ref_se, rtol=1e-6)


def test_single_year_becomes_exporter_and_importer_effects(runner, tmp_path):
    df = simulate_panel(12, 12, 1, seed=22)
    path = tmp_path / "one.csv"
    df.to_csv(path, index=False)
    result = runner.invoke(
        main, ["gravity", str(path), *ARGS, "--year", "year", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["fixed_effects"] == ["exporter", "importer"]
    ref_b, _ = statsmodels_reference(
        df, ["ldist", "cntg", "lang"], "cluster", fe=("exporter", "importer")
    )
    assert np.allclose([data["coefficients"]["ldist"]["estimate"]], ref_b[:1], rtol=1e-6)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"rhs": "ldist,distance"}, "'distance'"),
        ({"trade": "value"}, "'value'"),
        ({"bad_value": "abc"}, "'trade' must be numeric"),
        ({"negative": True}, "'trade' (trade) must not be negative"),
    ],
)
def test_bad_input_is_a_usage_error_naming_the_column(runner, panel, tmp_path, change, expected):
    df, _ = panel
    args = dict(zip(ARGS[::2], ARGS[1::2], strict=True))
    if "rhs" in change:
        args["--rhs"] = change["rhs"]
    if "trade" in change:
        args["--trade"] = change["trade"]
    if "bad_value" in change:
        df = df.astype({"trade": object})
        df.loc[4, "trade"] = change["bad_value"]
    if "negative" in change:
        df.loc[4, "trade"] = -1.0
    path = tmp_path / "bad.csv"
    df.to_csv(path, index=False)
    flat = [x for kv in args.items() for x in kv]
    result = runner.invoke(main, ["gravity", str(path), *flat])
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output


def test_missing_file_is_reported(runner, tmp_path):
    result = runner.invoke(main, ["gravity", str(tmp_path / "none.csv"), *ARGS])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_stata_input(runner, panel, tmp_path):
    df, _ = panel
    path = tmp_path / "panel.dta"
    df.to_stata(path, write_index=False)
    result = runner.invoke(
        main, ["gravity", str(path), *ARGS, "--year", "year", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["nobs"] == len(df)


def test_fe_none_fits_an_intercept(runner, tmp_path):
    df = simulate_panel(12, 12, 2, seed=23, poisson=False, fe_sd=0.0)
    path = tmp_path / "nofe.csv"
    df.to_csv(path, index=False)
    result = runner.invoke(
        main, ["gravity", str(path), *ARGS, "--year", "year", "--fe", "none", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data["coefficients"]) == ["ldist", "cntg", "lang", "_cons"]
    ref_b, ref_se = statsmodels_reference(df, ["ldist", "cntg", "lang"], "cluster", fe=())
    got = [data["coefficients"][k]["estimate"] for k in ("ldist", "cntg", "lang", "_cons")]
    assert np.allclose(got, ref_b, rtol=1e-6)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ["ppmlhdfe vce(cluster) applies G/(G-1) only", "HC0", "inverse Fisher", "none"]),
        ("zh-TW", ["標準誤", "ppmlhdfe vce(cluster) 只乘 G/(G−1)", "HC0", "Fisher 資訊矩陣"]),
    ],
)
def test_help_says_what_each_se_option_computes(runner, lang, expected):
    result = runner.invoke(main, ["--lang", lang, "gravity", "--help"])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    for text in expected:
        assert " ".join(text.split()) in flat, text
