"""The fast paths of the PPML fit give the results of the general ones they replace."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from gravity_sim import simulate_panel

from exportkit.analytics import gravity
from exportkit.analytics.gravity import _dense_codes, _factorize_ints, _weighted_lstsq, fit_ppml
from exportkit.analytics.hdfe import FixedEffects, dummy_matrices, stable_argsort

RHS = ["ldist", "cntg", "lang"]


def _svd_lstsq(dm, w):
    sw = np.sqrt(w)
    return np.linalg.lstsq((dm[:-1] * sw).T, dm[-1] * sw, rcond=None)[0]


@pytest.mark.parametrize("k", [1, 3, 6])
def test_normal_equations_equal_svd_least_squares(k):
    rng = np.random.default_rng(k)
    n = 2_000
    dm = rng.normal(size=(k + 1, n))
    dm[0] *= 1e4  # badly scaled columns: the scaling takes care of them
    dm[0] += 3e5
    w = rng.uniform(0.1, 50.0, size=n)
    np.testing.assert_allclose(_weighted_lstsq(dm, w), _svd_lstsq(dm, w), rtol=1e-10, atol=0)


@pytest.mark.parametrize("eps", [1e-5, 0.0])
def test_ill_conditioned_or_rank_deficient_x_takes_the_svd_least_squares(eps):
    rng = np.random.default_rng(0)
    n = 500
    dm = rng.normal(size=(4, n))
    dm[2] = 2.0 * dm[0] - dm[1] + eps * rng.normal(size=n)  # x_3 = 2 x_1 - x_2 (+ noise)
    w = rng.uniform(0.5, 2.0, size=n)
    np.testing.assert_allclose(_weighted_lstsq(dm, w), _svd_lstsq(dm, w), rtol=1e-12, atol=0)


# --------------------------------------------------------------------------- codes and order
@pytest.mark.parametrize("size", [7, 1_000, 10_000_000])
def test_integer_factorisation_equals_pandas_sorted_factorize(size):
    rng = np.random.default_rng(size)
    values = rng.integers(0, size, size=5_000)
    codes, keys = _factorize_ints(values, size)
    want_codes, want_keys = pd.factorize(values, sort=True)
    np.testing.assert_array_equal(codes, want_codes)
    np.testing.assert_array_equal(keys, want_keys)
    codes, keys = _dense_codes(values, size)
    np.testing.assert_array_equal(codes, want_codes)
    np.testing.assert_array_equal(keys, want_keys)


@pytest.mark.parametrize("levels", [300, 70_000])
def test_stable_argsort_equals_numpy_stable_argsort(levels):
    codes = np.random.default_rng(levels).integers(0, levels, size=100_000)
    np.testing.assert_array_equal(stable_argsort(codes, levels), np.argsort(codes, kind="stable"))


def _two_way_codes(ne, ni, nt, seed):
    e, i, t = (a.ravel() for a in np.meshgrid(*map(np.arange, (ne, ni, nt)), indexing="ij"))
    keep = np.random.default_rng(seed).uniform(size=len(e)) > 0.2  # unbalanced
    return e[keep] * nt + t[keep], i[keep] * nt + t[keep]


def test_projection_is_the_same_with_presorted_rows_and_one_row_per_cell_or_not():
    # Sorted by the big effect with one row per (big, other) cell: the shortcuts (no
    # permutation, no cell table). Shuffled, and with duplicated rows: the general paths.
    ey, iy = _two_way_codes(25, 20, 3, seed=1)  # ey has more levels: the big effect
    dense = lambda c: pd.factorize(c, sort=True)[0]  # noqa: E731
    ey, iy = dense(ey), dense(iy)
    order = np.lexsort((iy, ey))
    ey, iy = ey[order], iy[order]
    rng = np.random.default_rng(2)
    n = len(ey)
    values = rng.normal(size=(n, 3))
    weights = rng.uniform(0.2, 5.0, size=n)
    fe = FixedEffects([ey, iy], ["ey", "iy"])
    assert fe.presorted and all(first is None for first, _, _ in fe.cells)
    want, ok, _ = fe.demean(values, weights, tol=1e-13)
    assert ok
    perm = rng.permutation(n)
    shuffled = FixedEffects([ey[perm], iy[perm]], ["ey", "iy"])
    assert not shuffled.presorted
    got, ok, _ = shuffled.demean(values[perm], weights[perm], tol=1e-13)
    assert ok
    np.testing.assert_allclose(got, want[perm], rtol=0, atol=1e-9)
    # every row twice: two rows per cell, the cell table of np.unique
    doubled = FixedEffects([np.repeat(ey, 2), np.repeat(iy, 2)], ["ey", "iy"])
    assert doubled.presorted and all(first is not None for first, _, _ in doubled.cells)
    got, ok, _ = doubled.demean(np.repeat(values, 2, axis=0), np.repeat(weights, 2) / 2, tol=1e-13)
    assert ok
    np.testing.assert_allclose(got[::2], want, rtol=0, atol=1e-9)


def test_sparse_rank_matrix_is_built_on_demand():
    ey, iy = _two_way_codes(6, 5, 2, seed=3)
    fe = FixedEffects([pd.factorize(ey, sort=True)[0], pd.factorize(iy, sort=True)[0]], ["a", "b"])
    dense = np.zeros((fe.m, fe.n))
    for col in fe.rest:
        dense[col, np.arange(fe.n)] += 1.0
    np.testing.assert_array_equal(fe.r_t.toarray(), dense)
    # three effects without a closed form: the numerical Schur rank uses r_t
    pair = pd.factorize(ey // 2 * 100 + iy // 2, sort=True)[0]
    three = FixedEffects(
        [pd.factorize(ey, sort=True)[0], pd.factorize(iy, sort=True)[0], pair], ["a", "b", "c"]
    )
    dummies = np.hstack([m.toarray() for m in dummy_matrices(three)])
    assert three.rank() == np.linalg.matrix_rank(dummies)


# --------------------------------------------------------------------------- the whole fit
def _fit(df, **kw):
    kw.setdefault("rhs", RHS)
    kw.setdefault("year", "year")
    return fit_ppml(df, trade="trade", exporter="exp", importer="imp", **kw)


def _same_fit(a, b, rtol=1e-9):
    assert list(a.params) == list(b.params)
    np.testing.assert_allclose(list(a.params.values()), list(b.params.values()), rtol=rtol)
    np.testing.assert_allclose(list(a.std_errors.values()), list(b.std_errors.values()), rtol=rtol)
    assert a.nobs == b.nobs and a.diagnostics.fe_rank == b.diagnostics.fe_rank
    for name in a.fixed_effects_used:
        assert list(a.fixed_effects[name]) == list(b.fixed_effects[name])


def test_no_zero_trade_skips_the_separation_and_zero_group_checks_with_the_same_result(
    monkeypatch,
):
    # Without a zero, no group is all-zero and nothing can be separated: the fit skips both
    # checks; the general code, run on the same data, finds nothing either.
    df = simulate_panel(15, 12, 3, seed=21, poisson=False)
    assert (df["trade"] > 0).all()
    fast = _fit(df)
    calls = []
    real_drop, real_sep = gravity._drop_zero_groups, gravity._separated

    def drop(y, codes):
        calls.append("drop")
        return real_drop(y, codes)

    def sep(y, X, fe):
        calls.append("sep")
        return real_sep(y, X, fe)

    monkeypatch.setattr(gravity, "_drop_zero_groups", drop)
    monkeypatch.setattr(gravity, "_separated", sep)
    assert _fit(df).params == fast.params and not calls  # the shortcut is taken
    # what the general code says on these data: nothing to drop, nothing separated
    y = df["trade"].to_numpy()
    keep, groups = real_drop(y, [pd.factorize(df["exp"])[0], pd.factorize(df["imp"])[0]])
    assert keep.all() and groups == 0
    fe = FixedEffects([pd.factorize(df["exp"])[0], pd.factorize(df["imp"])[0]], ["e", "i"])
    got_sep, verdict = real_sep(y, df[RHS].to_numpy(), fe)
    assert verdict and not got_sep.any()
    d = fast.diagnostics
    assert d.separation_checked and d.separated_obs == 0 and d.zero_groups_dropped == 0


def test_rows_with_missing_values_give_the_fit_of_the_complete_rows():
    df = simulate_panel(15, 12, 3, seed=22, poisson=False)
    holed = df.copy()
    holed.loc[[3, 50, 51], "ldist"] = np.nan
    holed.loc[[7], "imp"] = None
    # every row of one exporter-year missing: its level is absent from the labels too
    holed.loc[(df["exp"] == "E004") & (df["year"] == df["year"].min()), "cntg"] = np.nan
    complete = holed.dropna().reset_index(drop=True)
    a, b = _fit(holed), _fit(complete)
    _same_fit(a, b)
    assert a.diagnostics.missing_obs_dropped == len(df) - len(complete)
    assert ("E004", int(df["year"].min())) not in a.fixed_effects["exporter-year"]
    kept = holed.index[holed.notna().all(axis=1)]
    assert list(a.rows_used) == kept.tolist()


def test_row_order_and_code_types_do_not_change_the_fit():
    df = simulate_panel(15, 12, 4, seed=23, poisson=False, time_varying=True)
    three = {"fe": ("exporter-year", "importer-year", "pair"), "rhs": ["rta", "ltariff"]}
    base3, base2 = _fit(df, **three), _fit(df)
    for variant in (
        df.sample(frac=1.0, random_state=5),
        df.assign(exp=df["exp"].astype("category"), imp=df["imp"].astype(object)),
    ):
        _same_fit(_fit(variant, **three), base3)
        _same_fit(_fit(variant), base2)
    ints = df.assign(exp=df["exp"].str[1:].astype(int), imp=df["imp"].str[1:].astype(int))
    got = _fit(ints)
    np.testing.assert_allclose(list(got.params.values()), list(base2.params.values()), rtol=1e-9)
    assert list(got.fixed_effects["exporter-year"])[:2] == [(0, 2000), (0, 2001)]


@pytest.mark.parametrize("copies", [1, 2])
def test_sparse_cross_products_give_the_projection_of_the_row_passes(copies):
    # Two effects: S is applied through the sparse matrix of cell weights C = D_big′ W R;
    # with it switched off the general code (passes over the rows) must agree.
    ey, iy = _two_way_codes(25, 20, 3, seed=4)
    ey, iy = (np.repeat(pd.factorize(c, sort=True)[0], copies) for c in (ey, iy))
    rng = np.random.default_rng(5)
    perm = rng.permutation(len(ey))  # not presorted either
    ey, iy = ey[perm], iy[perm]
    values = rng.normal(size=(len(ey), 4))
    weights = rng.uniform(0.2, 5.0, size=len(ey))
    fe = FixedEffects([ey, iy], ["ey", "iy"])
    assert fe.cross is not None
    got, _, ok, _ = fe.projector(weights).residualize(values, tol=1e-13)
    assert ok
    fe.cross = None
    want, want_beta, ok, _ = fe.projector(weights).residualize(values, tol=1e-13)
    assert ok
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    # and warm-started from the solution, both stop at once with the same residuals
    fe2 = FixedEffects([ey, iy], ["ey", "iy"])
    again, _, ok, iters = fe2.projector(weights).residualize(values, tol=1e-8, start=want_beta)
    assert ok and iters <= 1
    np.testing.assert_allclose(again, want, rtol=0, atol=1e-7)


# --------------------------------------------------------------------------- reused buffers
def _old_collinear(X, fe, first=None):
    """The QR version of gravity._collinear (before the Cholesky fast path)."""
    raw = np.maximum((X**2).sum(axis=0), 1e-300)
    xd, _, _ = fe.demean(X, np.ones(len(X)))
    order = list(range(X.shape[1]))
    if first is not None:
        order = [first] + [j for j in order if j != first]
    r_diag = np.abs(np.diag(np.linalg.qr(xd[:, order], mode="r")))
    if np.all(r_diag**2 > 1e3 * gravity.COLLINEARITY_TOL * raw[order]):
        return []
    dropped, kept = [], []
    for j in order:
        col = xd[:, j]
        if kept:
            coef, *_ = np.linalg.lstsq(xd[:, kept], col, rcond=None)
            col = col - xd[:, kept] @ coef
        (dropped if float(col @ col) <= gravity.COLLINEARITY_TOL * raw[j] else kept).append(j)
    return dropped


@pytest.mark.parametrize("case", ["clean", "fe_absorbed", "combination", "near", "constant"])
def test_collinearity_check_drops_what_the_qr_version_dropped(case):
    rng = np.random.default_rng(7)
    ey, iy = _two_way_codes(12, 10, 3, seed=8)
    ey, iy = pd.factorize(ey, sort=True)[0], pd.factorize(iy, sort=True)[0]
    n = len(ey)
    X = rng.normal(size=(n, 4))
    first = None
    if case == "fe_absorbed":
        X[:, 1] = rng.normal(size=ey.max() + 1)[ey]  # constant within exporter-year
    elif case == "combination":
        X[:, 3] = 2.0 * X[:, 0] - X[:, 2] + 1.0
    elif case == "near":
        X[:, 3] = X[:, 0] + 1e-4 * rng.normal(size=n)  # collinear-ish, but kept
    elif case == "constant":
        X[:, 2] = 1.0
        first = 2
    for fe in (FixedEffects([ey, iy], ["ey", "iy"]), FixedEffects([], [])):
        want = _old_collinear(X, fe, first)
        assert gravity._collinear(X, fe, first) == want
    if case in ("fe_absorbed", "combination"):
        assert gravity._collinear(X, FixedEffects([ey, iy], ["ey", "iy"]), first)


@pytest.mark.parametrize("zeros", [False, True])
def test_deviance_on_work_arrays_equals_the_plain_formula(zeros):
    rng = np.random.default_rng(9)
    y = rng.gamma(2.0, 3.0, size=1_000)
    if zeros:
        y[::7] = 0.0
    deviance = gravity._Deviance(y)
    for _ in range(3):  # the work arrays are reused
        mu = rng.uniform(0.5, 9.0, size=y.size)
        assert deviance(mu) == gravity._poisson_deviance(y, mu)


@pytest.mark.parametrize("effects", [2, 3])
@pytest.mark.parametrize("balanced", [True, False])
def test_repeated_projections_on_one_fixed_effects_object_are_independent(effects, balanced):
    # The FixedEffects object keeps work arrays between projections (the IRLS iterations):
    # a projection must give what a fresh object gives, whatever ran before it, and the
    # residuals returned must not be overwritten by the next projection.
    ne, ni, nt = 9, 8, 3
    e, i, t = (a.ravel() for a in np.meshgrid(*map(np.arange, (ne, ni, nt)), indexing="ij"))
    if not balanced:
        keep = np.random.default_rng(10).uniform(size=len(e)) > 0.25
        e, i, t = e[keep], i[keep], t[keep]
    codes = [e * nt + t, i * nt + t, e * ni + i][:effects]
    codes = [pd.factorize(c, sort=True)[0] for c in codes]
    rng = np.random.default_rng(11)
    n = len(e)
    shared = FixedEffects(codes, ["a", "b", "c"][:effects])
    results = []
    for p in (4, 3, 4, 1):
        values = rng.normal(size=(p, n))
        weights = rng.uniform(0.3, 3.0, size=n)
        out = np.empty_like(values)
        got, _, ok, _ = shared.projector(weights).residualize_rows(values, tol=1e-12, out=out)
        assert ok and got is out
        fresh, _, ok, _ = (
            FixedEffects(codes, ["a", "b", "c"][:effects])
            .projector(weights)
            .residualize_rows(values.copy(), tol=1e-12)
        )
        assert ok
        np.testing.assert_allclose(got, fresh, rtol=0, atol=1e-12)
        results.append((got.copy(), got))
    for kept, live in results:
        np.testing.assert_array_equal(kept, live)


def test_step_halving_on_work_arrays_gives_the_previous_fit(monkeypatch):
    # Heavy-tailed trade driven by a Cauchy regressor: full IRLS steps overshoot and are
    # halved. The pinned numbers are those of the implementation before the work arrays
    # (fresh arrays every iteration, SVD least squares).
    df = simulate_panel(8, 8, 2, seed=0, poisson=False, fe_sd=2.0)
    rng = np.random.default_rng(0)
    df["x"] = rng.standard_cauchy(size=len(df))
    df["trade"] = np.exp(2.0 * df["x"].clip(-8, 8)) * rng.lognormal(0, 2.0, size=len(df))
    calls = []
    real = gravity._Deviance.__call__

    def counted(self, mu):
        calls.append(1)
        return real(self, mu)

    monkeypatch.setattr(gravity._Deviance, "__call__", counted)
    res = _fit(df, rhs=["x", "ldist"])
    d = res.diagnostics
    assert d.converged and d.iterations == 18
    assert len(calls) > d.iterations + 1  # some steps were halved
    want = {"x": 1.3427500652277178, "ldist": -0.5370067105963403}
    np.testing.assert_allclose([res.params[k] for k in want], list(want.values()), rtol=1e-9)
