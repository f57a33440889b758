"""PPML gravity: recovery of known slopes, exact match with statsmodels' dummy GLM,
diagnostics for zero-only groups, collinear regressors and separated observations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from gravity_sim import TRUE_BETA, simulate_panel, statsmodels_reference

from exportkit.analytics.gravity import benchmark_pairs, fit_ppml, predict
from exportkit.errors import UsageError

RHS = ["ldist", "cntg", "lang"]


def _fit(df, **kw):
    kw.setdefault("rhs", RHS)
    kw.setdefault("year", "year")
    return fit_ppml(df, trade="trade", exporter="exp", importer="imp", **kw)


def _rel(a, b):
    return float(np.max(np.abs(np.asarray(a) / np.asarray(b) - 1.0)))


@pytest.mark.parametrize("se", ["cluster", "hc1", "iid"])
def test_matches_statsmodels_dummy_glm_two_way(se):
    df = simulate_panel(12, 11, 3, seed=1)
    res = _fit(df, se=se)
    ref_b, ref_se = statsmodels_reference(df, RHS, se)
    assert res.diagnostics.converged
    assert res.diagnostics.zero_groups_dropped == 0
    assert _rel([res.params[k] for k in RHS], ref_b) < 1e-6
    assert _rel([res.std_errors[k] for k in RHS], ref_se) < 1e-6


@pytest.mark.parametrize("se", ["cluster", "hc1"])
def test_matches_statsmodels_with_pair_effects(se):
    # With pair effects the time-invariant regressors are absorbed; use a time-varying one.
    df = simulate_panel(8, 8, 4, seed=2, poisson=False)
    rng = np.random.default_rng(5)
    df["tariff"] = rng.normal(size=len(df))
    df["trade"] *= np.exp(-0.4 * df["tariff"])
    fe = ("exporter-year", "importer-year", "pair")
    res = _fit(df, rhs=["tariff"], se=se, fe=fe)
    ref_b, ref_se = statsmodels_reference(df, ["tariff"], se, fe=fe)
    assert _rel([res.params["tariff"]], ref_b) < 1e-6
    assert _rel([res.std_errors["tariff"]], ref_se) < 1e-6
    assert res.diagnostics.fe_rank == 8 * 4 + 8 * 4 + 8 * 8 - 4 - 8 - 8 + 1


def _tariff_panel(ne, ni, nt, seed):
    df = simulate_panel(ne, ni, nt, seed=seed, poisson=False)
    df["tariff"] = np.random.default_rng(seed + 3).normal(size=len(df))
    df["trade"] *= np.exp(-0.4 * df["tariff"])
    return df


@pytest.mark.parametrize("se", ["cluster", "iid"])
def test_unbalanced_three_way_panel_matches_statsmodels(se):
    # Rows missing at random: no closed form for the rank of the dummies, so it comes from
    # the Schur complement (numerical), and the fixed effects are solved by CG, not sweeps.
    df = _tariff_panel(8, 8, 4, seed=17)
    df = df.drop(np.random.default_rng(17).choice(len(df), 25, replace=False))
    df = df.reset_index(drop=True)
    fe = ("exporter-year", "importer-year", "pair")
    res = _fit(df, rhs=["tariff"], se=se, fe=fe)
    ref_b, ref_se = statsmodels_reference(df, ["tariff"], se, fe=fe)
    assert _rel([res.params["tariff"]], ref_b) < 1e-6
    assert _rel([res.std_errors["tariff"]], ref_se) < 1e-6
    assert res.diagnostics.converged


def test_closed_form_rank_of_a_full_three_way_panel_equals_the_numerical_rank():
    from exportkit.analytics.hdfe import FixedEffects

    df = _tariff_panel(9, 7, 4, seed=18)
    codes = [
        pd.factorize(df["exp"] + df["year"].astype(str))[0],
        pd.factorize(df["imp"] + df["year"].astype(str))[0],
        pd.factorize(df["exp"] + df["imp"])[0],
    ]
    numerical = FixedEffects(codes, ["ey", "iy", "pair"]).rank()  # no hint: Schur complement
    res = _fit(df, fe=("exporter-year", "importer-year", "pair"), rhs=["tariff"], se="iid")
    assert numerical == 9 * 4 + 7 * 4 + 9 * 7 - (9 + 7 + 4 - 1)
    assert res.diagnostics.fe_rank == numerical


def test_single_year_uses_exporter_and_importer_effects():
    df = simulate_panel(15, 15, 1, seed=3)
    res = fit_ppml(df, trade="trade", exporter="exp", importer="imp", rhs=RHS)
    ref_b, ref_se = statsmodels_reference(df, RHS, "cluster", fe=("exporter", "importer"))
    assert _rel([res.params[k] for k in RHS], ref_b) < 1e-6
    assert _rel([res.std_errors[k] for k in RHS], ref_se) < 1e-6


def test_recovers_known_coefficients():
    df = simulate_panel(40, 40, 2, seed=4, poisson=False)
    res = _fit(df)
    for name, true in TRUE_BETA.items():
        coef = next(c for c in res.coefficients if c.name == name)
        assert abs(coef.estimate - true) < 4 * coef.std_error + 0.02, (name, coef)


@pytest.mark.parametrize("se", ["cluster", "hc1", "iid"])
def test_no_fixed_effects_fits_an_intercept_and_recovers_the_slopes(se):
    # Issue 12: without fixed effects the model had no constant and ldist came out 1.77
    # against a true -0.8. The simulated panel has no exporter/importer effects here, so
    # log E[trade] = 5 + x'beta exactly (the gamma error has mean 1).
    df = simulate_panel(40, 40, 2, seed=15, intercept=5.0, poisson=False, fe_sd=0.0)
    res = _fit(df, fe=(), se=se)
    names = [c.name for c in res.coefficients]
    assert names == [*RHS, "_cons"]
    for coef in res.coefficients:
        true = TRUE_BETA.get(coef.name, 5.0)
        assert abs(coef.estimate - true) < 4 * coef.std_error + 0.02, coef
    ref_b, ref_se = statsmodels_reference(df, RHS, se, fe=())
    assert _rel([res.params[k] for k in names], ref_b) < 1e-6
    assert _rel([res.std_errors[k] for k in names], ref_se) < 1e-6
    assert res.diagnostics.fe_rank == 0
    # Prediction uses the intercept although the data has no "_cons" column.
    mean_fit = float(predict(res, df).mean())
    assert mean_fit == pytest.approx(float(df["trade"].mean()), rel=1e-8)


def test_constant_regressor_without_fixed_effects_is_dropped_not_the_intercept():
    df = simulate_panel(10, 10, 2, seed=16, poisson=False, fe_sd=0.0).assign(one=1.0)
    res = _fit(df, fe=(), rhs=["one", *RHS])
    assert res.diagnostics.dropped_collinear == ("one",)
    assert list(res.params) == [*RHS, "_cons"]


def test_zero_only_groups_are_dropped_and_counted():
    df = simulate_panel(10, 10, 2, seed=6)
    mask = (df["exp"] == "E003") & (df["year"] == 2001)
    df.loc[mask, "trade"] = 0.0
    res = _fit(df)
    assert res.diagnostics.zero_groups_dropped == 1
    assert res.diagnostics.zero_group_obs_dropped == int(mask.sum())
    assert res.nobs == len(df) - int(mask.sum())
    ref_b, ref_se = statsmodels_reference(df.loc[~mask].reset_index(drop=True), RHS, "cluster")
    assert _rel([res.params[k] for k in RHS], ref_b) < 1e-6
    assert _rel([res.std_errors[k] for k in RHS], ref_se) < 1e-6


def test_collinear_regressor_is_dropped_and_named():
    df = simulate_panel(10, 10, 2, seed=7)
    df["ldist_km"] = 2.0 * df["ldist"] + 1.0  # perfectly collinear with ldist (+ FE)
    df["exp_size"] = df["exp"].str[1:].astype(float)  # constant within exporter-year
    res = _fit(df, rhs=[*RHS, "ldist_km", "exp_size"])
    assert res.diagnostics.dropped_collinear == ("ldist_km", "exp_size")
    assert set(res.params) == set(RHS)


def test_separated_observation_is_detected_and_dropped():
    df = simulate_panel(10, 10, 2, seed=8)
    df["sep"] = 0.0
    df.loc[5, "sep"] = 1.0  # a dummy that is 1 only on one zero-trade row
    df.loc[5, "trade"] = 0.0
    res = _fit(df, rhs=[*RHS, "sep"])
    assert res.diagnostics.separated_obs == 1
    assert res.diagnostics.separation_checked
    assert "sep" in res.diagnostics.dropped_collinear
    assert res.nobs == len(df) - 1
    assert res.diagnostics.converged


@pytest.mark.parametrize("se", ["cluster", "iid"])
def test_separation_through_the_fixed_effects_is_found(se):
    # Two trading blocks; block-1 exporters have zero trade with block-2 importers, and the
    # reverse rows are absent. z = 1{exporter in block 1} - 1{importer in block 1} is 0 on
    # every positive row and 1 on those 9 zeros: they are separated although no exporter or
    # importer group is all-zero, so only a real separation check can find them.
    df = simulate_panel(6, 6, 1, seed=13, poisson=False)
    df["tariff"] = np.random.default_rng(13).normal(size=len(df))
    e = df["exp"].str[1:].astype(int)
    i = df["imp"].str[1:].astype(int)
    df = df[~((e >= 3) & (i < 3))].reset_index(drop=True)
    cross = ((df["exp"].str[1:].astype(int) < 3) & (df["imp"].str[1:].astype(int) >= 3)).to_numpy()
    df.loc[cross, "trade"] = 0.0
    rhs = ["ldist", "tariff"]
    res = fit_ppml(df, trade="trade", exporter="exp", importer="imp", rhs=rhs, se=se)
    d = res.diagnostics
    assert d.separated_obs == 9 and d.zero_groups_dropped == 0 and d.separation_checked
    assert sorted(set(range(len(df))) - set(res.rows_used)) == np.flatnonzero(cross).tolist()
    kept = df.iloc[list(res.rows_used)].reset_index(drop=True)
    ref_b, ref_se = statsmodels_reference(kept, rhs, se, fe=("exporter", "importer"))
    assert _rel([res.params[k] for k in rhs], ref_b) < 1e-6
    assert _rel([res.std_errors[k] for k in rhs], ref_se) < 1e-6


def test_sparse_panel_has_zero_groups_but_no_false_separation():
    # Many zeros and missing rows: zero-only groups exist, but (verified with statsmodels,
    # whose fit on the remaining rows converges with every mean > 1e-4) nothing is separated.
    df = simulate_panel(25, 25, 2, seed=0, intercept=3.0)
    df = df[np.random.default_rng(0).uniform(size=len(df)) > 0.4].reset_index(drop=True)
    res = _fit(df)
    assert res.diagnostics.zero_groups_dropped > 0
    assert res.diagnostics.separated_obs == 0 and res.diagnostics.separation_checked


def test_no_separation_flagged_on_clean_data_with_zeros():
    df = simulate_panel(10, 10, 2, seed=9, intercept=2.5)
    assert (df["trade"] == 0).mean() > 0.2
    res = _fit(df)
    assert res.diagnostics.separated_obs == 0
    assert res.diagnostics.separation_checked


def test_bad_input_names_the_column():
    df = simulate_panel(5, 5, 1)
    with pytest.raises(UsageError, match="'nope'"):
        fit_ppml(df, trade="trade", exporter="exp", importer="imp", rhs=["nope"])
    bad = df.assign(trade=df["trade"].astype(object))
    bad.loc[3, "trade"] = "n/a"
    with pytest.raises(UsageError, match="'trade' must be numeric"):
        fit_ppml(bad, trade="trade", exporter="exp", importer="imp", rhs=["ldist"])
    with pytest.raises(UsageError, match="no positive value"):
        fit_ppml(df.assign(trade=0.0), trade="trade", exporter="exp", importer="imp", rhs=["ldist"])
    neg = df.assign(trade=df["trade"] - df["trade"].max() - 1)
    with pytest.raises(UsageError, match="must not be negative"):
        fit_ppml(neg, trade="trade", exporter="exp", importer="imp", rhs=["ldist"])


def test_prediction_reproduces_fitted_values_and_benchmarks_left_out_pairs():
    df = simulate_panel(12, 12, 2, seed=10, poisson=False)
    res = _fit(df)
    fitted = predict(res, df)
    # In-sample prediction from recovered fixed effects equals the model's fit: the
    # first-order conditions make fitted and actual totals equal per exporter-year.
    totals = df.assign(f=fitted).groupby(["exp", "year"])[["trade", "f"]].sum()
    assert np.allclose(totals["trade"], totals["f"], rtol=1e-8)

    result, bench = benchmark_pairs(
        df,
        exporter_code="E000",
        importers=["I001", "I002"],
        trade="trade",
        exporter="exp",
        importer="imp",
        rhs=RHS,
        year="year",
    )
    assert result.nobs == len(df) - 4
    assert len(bench) == 4
    for b in bench:
        assert b.predicted is not None and b.predicted > 0
        assert b.label.en == "a benchmark, not a forecast"
        assert b.ratio == pytest.approx(b.actual / b.predicted)
    # Within a factor of the multiplicative noise of the simulation: a sanity bound.
    assert all(0.05 < b.ratio < 20 for b in bench)


def test_missing_values_are_dropped_and_counted():
    df = simulate_panel(8, 8, 2, seed=11)
    df.loc[[1, 2], "ldist"] = np.nan
    res = _fit(df)
    assert res.diagnostics.missing_obs_dropped == 2
    assert res.nobs == len(df) - 2


def test_to_dict_is_json_ready():
    import json

    res = _fit(simulate_panel(6, 6, 1, seed=12), year=None)
    data = json.loads(json.dumps(res.to_dict()))
    assert set(data["coefficients"]["ldist"]) >= {"estimate", "std_error", "p_value"}
    assert data["nobs"] == 36
    assert data["diagnostics"]["fe_levels"] == {"exporter-year": 6, "importer-year": 6}


def test_unidentified_pairs_get_no_prediction_and_a_reason():
    df = simulate_panel(8, 8, 1, seed=14, poisson=False)
    # E000 trades only with the two target markets: its exporter effect is not identified.
    df = df[(df["exp"] != "E000") | df["imp"].isin(["I001", "I002"])].reset_index(drop=True)
    _, bench = benchmark_pairs(
        df,
        exporter_code="E000",
        importers=["I001", "I002"],
        trade="trade",
        exporter="exp",
        importer="imp",
        rhs=RHS,
        fe=("exporter", "importer"),
    )
    assert [b.predicted for b in bench] == [None, None]
    assert all("fixed effect" in b.reason.en and b.reason.zh_TW for b in bench)
    with pytest.raises(UsageError, match="pair fixed effects"):
        benchmark_pairs(
            df,
            exporter_code="E000",
            importers=["I001"],
            trade="trade",
            exporter="exp",
            importer="imp",
            rhs=RHS,
            fe=("exporter", "importer", "pair"),
        )
