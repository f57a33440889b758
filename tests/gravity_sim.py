"""Simulated gravity panels and the statsmodels dummy-variable reference (tests, benchmark)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm

TRUE_BETA = {"ldist": -0.8, "cntg": 0.5, "lang": 0.3}
# Time-varying regressors (``time_varying=True``): identified next to pair effects too.
TRUE_BETA_TV = {"rta": 0.4, "ltariff": -1.5}


def simulate_panel(
    n_exporters: int = 12,
    n_importers: int = 12,
    n_years: int = 3,
    seed: int = 0,
    intercept: float = 7.0,
    poisson: bool = True,
    time_varying: bool = False,
    fe_sd: float = 1.0,
) -> pd.DataFrame:
    """A gravity panel with exporter-year and importer-year effects and known slopes.

    ``poisson=True`` draws integer Poisson trade (zeros occur when ``intercept`` is low);
    otherwise a multiplicative gamma error with mean 1 (the PPML case in SST 2006).
    ``time_varying=True`` adds ``rta`` (a trade agreement that enters force in a random year
    for a quarter of the pairs) and ``ltariff`` (log(1 + tariff), drifting down), with slopes
    ``TRUE_BETA_TV``; the other columns and draws are unchanged. ``fe_sd`` scales the
    exporter-year and importer-year effects (0: none, so log E[trade] = intercept + slopes).
    """
    rng = np.random.default_rng(seed)
    ex = np.array([f"E{i:03d}" for i in range(n_exporters)])
    im = np.array([f"I{j:03d}" for j in range(n_importers)])
    a = fe_sd * rng.normal(size=(n_exporters, n_years))
    b = fe_sd * rng.normal(size=(n_importers, n_years))
    ldist = rng.uniform(5, 9, size=(n_exporters, n_importers))
    cntg = (rng.uniform(size=(n_exporters, n_importers)) < 0.15).astype(float)
    lang = (rng.uniform(size=(n_exporters, n_importers)) < 0.3).astype(float)
    ii, jj, tt = np.meshgrid(
        np.arange(n_exporters), np.arange(n_importers), np.arange(n_years), indexing="ij"
    )
    ii, jj, tt = ii.ravel(), jj.ravel(), tt.ravel()
    eta = (
        intercept
        + a[ii, tt]
        + b[jj, tt]
        + TRUE_BETA["ldist"] * ldist[ii, jj]
        + TRUE_BETA["cntg"] * cntg[ii, jj]
        + TRUE_BETA["lang"] * lang[ii, jj]
    )
    extra = {}
    if time_varying:
        start = rng.integers(0, max(n_years, 1) + 1, size=(n_exporters, n_importers))
        signed = rng.uniform(size=(n_exporters, n_importers)) < 0.25
        rta = (signed[ii, jj] & (tt >= start[ii, jj])).astype(float)
        base = rng.uniform(0.0, 0.15, size=(n_exporters, n_importers))
        ltariff = np.log1p(base[ii, jj] * np.exp(-0.1 * tt) + rng.uniform(0, 0.02, size=ii.size))
        eta = eta + TRUE_BETA_TV["rta"] * rta + TRUE_BETA_TV["ltariff"] * ltariff
        extra = {"rta": rta, "ltariff": ltariff}
    mu = np.exp(eta)
    trade = rng.poisson(mu).astype(float) if poisson else mu * rng.gamma(2.0, 0.5, size=mu.size)
    return pd.DataFrame(
        {
            "exp": ex[ii],
            "imp": im[jj],
            "year": 2000 + tt,
            "trade": trade,
            "ldist": ldist[ii, jj],
            "cntg": cntg[ii, jj],
            "lang": lang[ii, jj],
            **extra,
        }
    )


def dummy_design(df: pd.DataFrame, rhs: list[str], fe: tuple[str, ...]) -> pd.DataFrame:
    """Regressors plus a full-rank set of fixed-effect dummies, or a constant without them."""
    parts = {
        "exporter-year": df["exp"] + "_" + df["year"].astype(str),
        "importer-year": df["imp"] + "_" + df["year"].astype(str),
        "pair": df["exp"] + "_" + df["imp"],
        "exporter": df["exp"],
        "importer": df["imp"],
    }
    blocks = [df[rhs].reset_index(drop=True)]
    if not fe:
        blocks.append(pd.DataFrame({"_cons": np.ones(len(df))}))
    for name in fe:
        blocks.append(pd.get_dummies(parts[name], prefix=name, dtype=float).reset_index(drop=True))
    full = pd.concat(blocks, axis=1)
    # Keep a linearly independent subset of the dummies (regressors first, always kept), as
    # DESIGN.md warns: e.g. one importer dummy per year must go with exporter-year effects.
    # Greedy in column order (Gram–Schmidt), so the regressors come first and always stay.
    values = full.to_numpy()
    basis = np.zeros((len(values), 0))
    keep = []
    for j in range(values.shape[1]):
        col = values[:, j] - basis @ (basis.T @ values[:, j])
        norm = np.linalg.norm(col)
        if norm > 1e-8 * max(np.linalg.norm(values[:, j]), 1.0):
            basis = np.column_stack([basis, col / norm])
            keep.append(j)
    assert all(i in keep for i in range(len(rhs))), "a regressor is collinear with the FE"
    return full.iloc[:, keep]


def statsmodels_reference(
    df: pd.DataFrame,
    rhs: list[str],
    se: str,
    fe: tuple[str, ...] = ("exporter-year", "importer-year"),
):
    """Slopes and SEs from statsmodels' Poisson GLM with dummy variables.

    ``tol=1e-10`` instead of statsmodels' 1e-8: its non-robust covariance is taken from the
    last IRLS step's weights (one step before the final estimate), which at 1e-8 can differ
    from the covariance at the estimate by ~1e-7 relative; the robust ones use the final
    estimate either way.
    """
    X = dummy_design(df, rhs, fe)
    model = sm.GLM(df["trade"].to_numpy(), X, family=sm.families.Poisson())
    if se == "cluster":
        groups = pd.factorize(df["exp"] + "|" + df["imp"])[0]
        res = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, tol=1e-10)
    elif se == "hc1":
        res = model.fit(cov_type="HC1", tol=1e-10)
    else:
        res = model.fit(tol=1e-10)
    names = [*rhs, "_cons"] if not fe else rhs
    return res.params[names].to_numpy(), res.bse[names].to_numpy()
