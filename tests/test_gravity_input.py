"""`exportkit gravity` refuses what makes no sense (issue 16, found since 12): NaN standard
errors are an error, never invalid JSON with exit 0; the dependent variable as a regressor
and one column as exporter and importer are refused."""

from __future__ import annotations

import json

import pytest
from gravity_sim import simulate_panel

from exportkit.cli import main

BASE = ["--trade", "trade", "--exporter", "exp", "--importer", "imp", "--year", "year"]


@pytest.fixture
def panel(tmp_path):
    df = simulate_panel(10, 10, 2, seed=21)
    path = tmp_path / "panel.csv"
    df.to_csv(path, index=False)
    huge = df.assign(trade=df["trade"] * 1e300)
    huge_path = tmp_path / "huge.csv"
    huge.to_csv(huge_path, index=False)
    return path, huge_path


def test_a_fit_with_nan_standard_errors_is_an_error_not_invalid_json(runner, panel):
    _, huge = panel
    result = runner.invoke(
        main, ["gravity", str(huge), *BASE, "--rhs", "ldist,cntg,lang", "--format", "json"]
    )
    assert result.exit_code == 2, result.output
    assert "no finite standard errors" in result.output and "rescale" in result.output
    assert "NaN," not in result.output and "RuntimeWarning" not in result.output
    zh = runner.invoke(main, ["--lang", "zh-TW", "gravity", str(huge), *BASE, "--rhs", "ldist"])
    assert zh.exit_code == 2 and "請調整單位" in zh.output


def test_a_sound_fit_is_still_valid_json(runner, panel):
    path, _ = panel
    result = runner.invoke(
        main, ["gravity", str(path), *BASE, "--rhs", "ldist", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert doc["coefficients"]["ldist"]["std_error"] > 0


@pytest.mark.parametrize(
    ("args", "en", "zh"),
    [
        (
            ["--trade", "trade", "--exporter", "exp", "--importer", "imp", "--rhs", "ldist,trade"],
            "the dependent variable cannot explain itself",
            "被解釋變數不能解釋自己",
        ),
        (
            ["--trade", "trade", "--exporter", "exp", "--importer", "exp", "--rhs", "ldist"],
            "given as both --exporter and --importer",
            "同時被指定為 --exporter 與 --importer",
        ),
        (
            ["--trade", "trade", "--exporter", "exp", "--importer", "imp", "--rhs", "ldist,exp"],
            "'exp' is --exporter and cannot also be a regressor",
            "不能同時作為解釋變數",
        ),
        (
            ["--trade", "trade", "--exporter", "exp", "--importer", "imp", "--rhs", "cntg,cntg"],
            "given twice in --rhs: cntg",
            "重複的解釋變數",
        ),
    ],
)
def test_nonsense_roles_are_refused(runner, panel, args, en, zh):
    path, _ = panel
    result = runner.invoke(main, ["gravity", str(path), *args])
    assert result.exit_code == 2 and en in result.output, result.output
    chinese = runner.invoke(main, ["--lang", "zh-TW", "gravity", str(path), *args])
    assert chinese.exit_code == 2 and zh in chinese.output
