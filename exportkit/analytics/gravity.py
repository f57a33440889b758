"""PPML gravity estimation with high-dimensional fixed effects.

Poisson pseudo-maximum likelihood (Santos Silva & Tenreyro 2006, "The Log of Gravity", REStat
88(4)) estimated by iteratively reweighted least squares, with the fixed effects absorbed by
weighted alternating projections (the within transformation) inside every IRLS step instead
of being estimated as dummy variables. By the Frisch–Waugh–Lovell theorem the slope estimates,
and the slope block of the covariance matrix, equal those of the Poisson GLM with one dummy
per fixed-effect level; ``tests/test_gravity.py`` checks this against statsmodels to 1e-6.

Standard errors follow statsmodels ``GLM(family=Poisson()).fit(cov_type=...)`` exactly:

* ``iid``: the inverse Fisher information (Poisson scale fixed at 1).
* ``hc1``: statsmodels' GLM "HC1", which is the plain sandwich *without* the n/(n-k) factor
  (GLM results have no ``cov_HC1``, so statsmodels falls back to ``cov_white_simple(...,
  use_correction=False)``). We keep its name and its numbers.
* ``cluster`` (default, by exporter–importer pair): CRV1 with statsmodels' default
  ``use_correction=True``: G/(G-1) · (n-1)/(n-k), where k counts every column of the dummy
  design — the regressors plus the rank of the fixed-effect dummies. p-values use the normal
  distribution (statsmodels GLM default ``use_t=False``), so ``df_correction`` does not matter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import gammaln
from scipy.stats import norm

from exportkit.analytics.hdfe import FixedEffects, dummy_matrices, stable_argsort
from exportkit.errors import UsageError
from exportkit.models.analytics import (
    BENCHMARK_LABEL,
    Coefficient,
    Diagnostics,
    GravityResult,
    PairBenchmark,
)
from exportkit.models.common import Text

FE_CHOICES = ("exporter-year", "importer-year", "pair", "exporter", "importer", "year")
SE_CHOICES = ("cluster", "hc1", "iid")
DEFAULT_FE = ("exporter-year", "importer-year")
# The constant added when there are no fixed effects (Stata's name for it).
INTERCEPT = "_cons"

# A regressor whose variation left after the fixed effects and earlier regressors is below
# this share of its own variation is treated as perfectly collinear and dropped.
COLLINEARITY_TOL = 1e-9


def _dense_codes(values: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted factorisation of integers 0 <= values < size: (codes 0..L-1, the L values).

    The same as ``pd.factorize(values, sort=True)``, by a presence table: linear time,
    several times faster than hashing for the small ranges of gravity's codes.
    """
    present = np.bincount(values, minlength=size) > 0
    keys = np.flatnonzero(present)
    if len(keys) == size:
        return values.astype(np.int64, copy=False), keys
    return (np.cumsum(present) - 1)[values], keys


def _factorize_ints(values: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted factorisation of integer codes 0 <= values < size (see ``_dense_codes``)."""
    if size <= 4 * len(values) + 65_536:
        return _dense_codes(values, size)
    codes, keys = pd.factorize(values, sort=True)  # hashing: faster than np.unique here
    return codes.astype(np.int64), np.asarray(keys)


def _group_codes(
    columns: dict[str, pd.Series], rows: np.ndarray | None, cols: list[str], cache: dict
) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes 0..L-1 for the combinations of ``cols`` (sorted) on the rows ``rows``
    (None: every row), and each level's key.

    Each column is factorised once (``cache``) and the combination is coded from the
    integer codes: a MultiIndex factorisation of 400,000 rows took seconds. The key of a
    level is its position among the combinations of the columns' levels; ``_level_labels``
    turns keys into labels, only for the levels the result reports.
    """
    for col in cols:
        if col not in cache:
            codes, uniques = pd.factorize(columns[col], sort=True)
            codes = codes.astype(np.int64, copy=False)
            uniques = pd.Index(uniques)
            if rows is not None:  # the levels of the kept rows only, still sorted
                codes, present = _dense_codes(codes[rows], len(uniques))
                uniques = uniques[present]
            cache[col] = (codes, uniques)
    if len(cols) == 1:
        codes, uniques = cache[cols[0]]
        return codes, np.arange(len(uniques))
    combined = np.zeros(len(cache[cols[0]][0]), dtype=np.int64)
    size = 1
    for col in cols:
        codes, uniques = cache[col]
        combined = combined * len(uniques) + codes
        size *= len(uniques)
    return _factorize_ints(combined, size)


def _level_labels(cache: dict, cols: list[str], keys: np.ndarray) -> pd.Index:
    """Labels of the levels ``keys`` (from ``_group_codes``): values, or tuples of values."""
    if len(cols) == 1:
        return cache[cols[0]][1][keys]
    parts = []
    for col in reversed(cols):
        size = len(cache[col][1])
        parts.append(cache[col][1][keys % size])
        keys = keys // size
    tuples = list(zip(*(part.tolist() for part in reversed(parts)), strict=True))
    return pd.Index(tuples, tupleize_cols=False)


def _fe_columns(name: str, exporter: str, importer: str, year: str | None) -> list[str]:
    parts = {
        "exporter-year": [exporter, year],
        "importer-year": [importer, year],
        "pair": [exporter, importer],
        "exporter": [exporter],
        "importer": [importer],
        "year": [year],
    }[name]
    return [p for p in parts if p is not None]


# --------------------------------------------------------------------------- input checks
def _full_product_rank(fe_names: list[str], factors: list[np.ndarray]) -> int | None:
    """Exact rank of the three-way gravity dummies when every exporter × importer × year
    cell is observed once (the usual panel with zeros kept), else None.

    Exporter-year, importer-year and pair effects: a(i,t) + b(j,t) + c(i,j) = 0 on every
    cell forces a = α_i + γ_t, b = β_j − γ_t, c = −α_i − β_j, an (E + I + T − 1)-dimensional
    null space, so the rank is ET + IT + EI − (E + I + T − 1). Exporter, importer and year
    effects: E + I + T − 2. Checked against the numerical rank in tests/test_gravity.py.
    """
    codes = []
    for f in factors:  # recode 0..L-1 in O(n): the kept rows may miss some levels
        present = np.bincount(f) > 0
        codes.append((np.cumsum(present) - 1)[f])
    e, i, t = (int(c.max()) + 1 for c in codes)
    cell = (codes[0] * i + codes[1]) * t + codes[2]
    if len(cell) != e * i * t or np.bincount(cell, minlength=e * i * t).max() != 1:
        return None
    if set(fe_names) == {"exporter-year", "importer-year", "pair"}:
        return e * t + i * t + e * i - (e + i + t - 1)
    if set(fe_names) == {"exporter", "importer", "year"}:
        return e + i + t - 2
    return None


def _check_columns(
    df: pd.DataFrame, trade: str, exporter: str, importer: str, year: str | None, rhs: list[str]
) -> None:
    for role, col in [("trade", trade), ("exporter", exporter), ("importer", importer)] + (
        [("year", year)] if year else []
    ):
        if col not in df.columns:
            raise UsageError(
                f"column {col!r} (--{role}) is not in the data; columns are: "
                + ", ".join(map(str, df.columns)),
                zh=f"資料中沒有欄位 {col!r}（--{role}）；現有欄位："
                + ", ".join(map(str, df.columns)),
            )
    if not rhs:
        raise UsageError(
            "give at least one regressor (--rhs)", zh="請至少指定一個解釋變數（--rhs）"
        )
    for col in rhs:
        if col not in df.columns:
            raise UsageError(
                f"regressor column {col!r} (--rhs) is not in the data; columns are: "
                + ", ".join(map(str, df.columns)),
                zh=f"資料中沒有解釋變數欄位 {col!r}（--rhs）；現有欄位："
                + ", ".join(map(str, df.columns)),
            )
    for col in [trade, *rhs]:
        if not pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_bool_dtype(df[col]):
            converted = pd.to_numeric(df[col], errors="coerce")
            bad = df[col][converted.isna() & df[col].notna()]
            if len(bad):
                raise UsageError(
                    f"column {col!r} must be numeric; found {str(bad.iloc[0])!r} "
                    f"in row {int(bad.index[0]) + 1}",
                    zh=f"欄位 {col!r} 必須是數字；第 {int(bad.index[0]) + 1} 列為 {str(bad.iloc[0])!r}",
                )
    values = pd.to_numeric(df[trade], errors="coerce")
    if (values < 0).any():
        row = int(np.flatnonzero((values < 0).to_numpy())[0])
        raise UsageError(
            f"column {trade!r} (trade) must not be negative; found {values.iloc[row]} "
            f"in row {row + 1}",
            zh=f"欄位 {trade!r}（貿易額）不能為負數；第 {row + 1} 列為 {values.iloc[row]}",
        )
    for col in [trade, *rhs]:
        finite = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
        if np.isinf(finite).any():
            raise UsageError(
                f"column {col!r} contains infinite values", zh=f"欄位 {col!r} 含有無限大的值"
            )


# --------------------------------------------------------------------------- the estimator
@dataclass
class _Prepared:
    y: np.ndarray
    X: np.ndarray
    names: list[str]
    fe: FixedEffects
    fe_labels: list[pd.Index]
    clusters: np.ndarray
    rows: np.ndarray  # positions of kept rows in the input frame, in the order of y
    rows_used: np.ndarray  # the same positions, increasing
    diagnostics: dict


def _poisson_deviance(y: np.ndarray, mu: np.ndarray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return float(2.0 * np.sum(term - (y - mu)))


class _Deviance:
    """``_poisson_deviance(y, mu)`` for one y and many mu, on work arrays kept between calls
    (the same operations, so the same numbers; fresh memory costs page faults here)."""

    def __init__(self, y: np.ndarray) -> None:
        self.y = y
        zero = ~(y > 0)
        self.zero = zero if zero.any() else None
        self.term = np.empty_like(y)
        self.diff = np.empty_like(y)

    def __call__(self, mu: np.ndarray) -> float:
        y, term = self.y, self.term
        with np.errstate(divide="ignore", invalid="ignore"):
            np.log(np.divide(y, mu, out=term), out=term)
            term *= y  # y · log(y / mu), 0 where y = 0
        if self.zero is not None:
            term[self.zero] = 0.0
        term -= np.subtract(y, mu, out=self.diff)
        return float(2.0 * np.sum(term))


def _poisson_loglik(y: np.ndarray, mu: np.ndarray, log_y_factorial: np.ndarray | None = None):
    """Poisson log-likelihood; ``log_y_factorial``: gammaln(y + 1), if already computed."""
    if log_y_factorial is None:
        log_y_factorial = gammaln(y + 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ylogmu = np.where(y > 0, y * np.log(mu), 0.0)
    return float(np.sum(ylogmu - mu - log_y_factorial))


def _drop_zero_groups(y: np.ndarray, codes: list[np.ndarray]) -> tuple[np.ndarray, int]:
    """Mask of rows to keep: drop fixed-effect groups whose trade is zero throughout."""
    keep = np.ones(len(y), dtype=bool)
    groups = 0
    changed = True
    while changed:  # one pass suffices in theory; loop in case a later rule removes rows
        changed = False
        for code in codes:
            totals = np.bincount(code[keep], weights=y[keep], minlength=code.max() + 1)
            present = np.bincount(code[keep], minlength=code.max() + 1) > 0
            dead = present & (totals <= 0)
            if dead.any():
                groups += int(dead.sum())
                keep &= ~dead[code]
                changed = True
    return keep, groups


def _sorted_effects(raw_codes, keep, fe_names):
    """(row order, codes, kept raw levels, FixedEffects) for the rows in ``keep``, the rows
    ordered by the effect with most levels (identity order with fewer than two effects).

    The kept raw levels of effect i are the raw codes its new codes 0..L-1 stand for.
    """
    everything = bool(keep.all())
    final_codes, kept_levels = [], []
    for c in raw_codes:
        levels = int(c.max()) + 1 if len(c) else 0
        if everything:  # raw codes are already 0..L-1 with every level present
            sub, uniq = c, np.arange(levels)
        else:
            sub, uniq = _dense_codes(c[keep], levels)
        final_codes.append(sub)
        kept_levels.append(uniq)
    n = int(keep.sum())
    order = np.arange(n)
    if len(final_codes) >= 2:
        sizes = [len(u) for u in kept_levels]
        big = int(np.argmax(sizes))
        order = stable_argsort(final_codes[big], sizes[big])
        final_codes = [c[order] for c in final_codes]
    return order, final_codes, kept_levels, FixedEffects(final_codes, fe_names)


def _collinear(X: np.ndarray, fe: FixedEffects, first: int | None = None) -> list[int]:
    """Indices of columns that are perfectly collinear with the FE and earlier columns.

    ``first`` is checked before the others (the intercept: a constant regressor is then the
    one dropped, as Stata does), the rest in their order.
    """
    if X.shape[1] == 0:
        return []
    raw = np.maximum(np.einsum("ij,ij->j", X, X), 1e-300)
    # without FE, X itself; the columns as rows (hdfe's layout)
    rows, _, _, _ = fe.projector(np.ones(len(X))).residualize_rows(np.ascontiguousarray(X.T))
    xd = rows.T
    order = list(range(X.shape[1]))
    if first is not None:
        order = [first] + [j for j in order if j != first]
    # Usual case, nothing collinear: one Cholesky factorisation of the Gram matrix in that
    # order; R_jj² is column j's variation left after the earlier ones (to ~1e-15 of its
    # raw variation, against a threshold of 1e-6). Otherwise the column-by-column check.
    if xd.shape[0] >= xd.shape[1]:
        gram = rows @ rows.T
        try:
            chol = np.linalg.cholesky(gram[np.ix_(order, order)])
        except np.linalg.LinAlgError:
            chol = None
        if chol is not None and np.all(np.diag(chol) ** 2 > 1e3 * COLLINEARITY_TOL * raw[order]):
            return []
    dropped: list[int] = []
    kept: list[int] = []
    for j in order:
        col = xd[:, j]
        if kept:
            basis = xd[:, kept]
            coef, *_ = np.linalg.lstsq(basis, col, rcond=None)
            col = col - basis @ coef
        if float(col @ col) <= COLLINEARITY_TOL * raw[j]:
            dropped.append(j)
        else:
            kept.append(j)
    return dropped


def _separated(y: np.ndarray, X: np.ndarray, fe: FixedEffects) -> tuple[np.ndarray, bool]:
    """Zero-trade rows whose zero is perfectly predicted by the regressors and fixed effects.

    A zero row i is separated when some linear combination z = Xb + Dα of the regressors
    and fixed-effect dummies is 0 on every positive-trade row, >= 0 on every zero row and
    > 0 on row i: its Poisson mean can then be pushed to 0 and the MLE does not exist
    (Santos Silva & Tenreyro 2010; Correia, Guimarães & Zylkin 2021, "Verifying the
    existence of maximum likelihood estimates for generalized linear models"). We find such
    a certificate with the linear programme of CGZ (their simplex check): maximise Σ z over
    zero rows subject to z = 0 on positive rows and 0 <= z <= 1 on zero rows, solved by
    HiGHS through ``scipy.optimize.milp``. The caller repeats the check after dropping the
    rows found, since one optimum need not reveal every separated row at once.
    Returns (mask of separated rows, whether the solver reached a verdict).
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    pos = y > 0
    zero = ~pos
    if not zero.any() or not pos.any():
        return np.zeros(len(y), dtype=bool), True
    scale = np.maximum(np.abs(X).max(axis=0), 1e-300) if X.shape[1] else np.ones(0)
    blocks = [sp.csr_matrix(X / scale)] if X.shape[1] else []
    blocks += dummy_matrices(fe)
    if not blocks:
        return np.zeros(len(y), dtype=bool), True
    design = sp.hstack(blocks).tocsr()
    a_pos, a_zero = design[pos], design[zero]
    objective = -np.asarray(a_zero.sum(axis=0)).ravel()
    res = milp(
        objective,
        constraints=[LinearConstraint(a_pos, 0.0, 0.0), LinearConstraint(a_zero, 0.0, 1.0)],
        bounds=Bounds(-np.inf, np.inf),
        options={"presolve": True},
    )
    if res.x is None or res.status != 0:
        return np.zeros(len(y), dtype=bool), False
    z = design @ res.x
    separated = zero & (z > 1e-6)
    return separated, True


def _prepare(
    df: pd.DataFrame,
    trade: str,
    exporter: str,
    importer: str,
    year: str | None,
    rhs: list[str],
    fe_names: list[str],
    cluster: str | None,
    check_separation: bool,
) -> _Prepared:
    used = [c for c in dict.fromkeys([trade, exporter, importer, year, *rhs, cluster]) if c]
    columns = {c: df[c] for c in used}
    numeric = {c: pd.to_numeric(columns[c], errors="coerce") for c in [trade, *rhs]}
    complete = np.ones(len(df), dtype=bool)
    for c in [trade, *rhs]:
        complete &= numeric[c].notna().to_numpy()
    for c in [exporter, importer, year, cluster]:
        if c:
            complete &= columns[c].notna().to_numpy()
    missing = int((~complete).sum())
    rows = np.flatnonzero(complete)
    subset = rows if missing else None  # None: every row

    def kept_values(c: str) -> np.ndarray:
        values = numeric[c].to_numpy(dtype=float)
        return values if subset is None else values[subset]

    y = kept_values(trade)
    X = np.column_stack([kept_values(c) for c in rhs])
    names = list(rhs)
    if not fe_names:
        # Without fixed effects nothing spans the constant: add one, or the slopes absorb
        # the mean of log trade (a distance elasticity of 1.77 against a true 0.5 was seen).
        X = np.column_stack([X, np.ones(len(rows))])
        names.append(INTERCEPT)

    raw_codes, level_keys, cache = [], [], {}
    fe_cols = [_fe_columns(name, exporter, importer, year) for name in fe_names]
    for cols in fe_cols:
        codes, keys = _group_codes(columns, subset, cols, cache)
        raw_codes.append(codes)
        level_keys.append(keys)
    cl_codes, _ = _group_codes(
        columns, subset, [cluster] if cluster else [exporter, importer], cache
    )

    notes: list[str] = []
    zero_groups = zero_obs = separated = 0
    separation_checked = True
    dropped_names: list[str] = []
    keep = np.ones(len(y), dtype=bool)

    def sorted_rows(values: np.ndarray, keep: np.ndarray, order: np.ndarray) -> np.ndarray:
        """values[keep][order], without the copy of values[keep] when every row is kept."""
        return values[order] if keep.all() else values[keep][order]

    for _round in range(50):  # until no zero group, collinearity or separation is left
        y_kept = y if keep.all() else y[keep]
        # A group with a positive trade is not all-zero: with no zero trade left, no group
        # can be dropped (_drop_zero_groups would find none).
        if not (y_kept > 0).all():
            k2, g = _drop_zero_groups(y_kept, [c[keep] for c in raw_codes])
            zero_groups += g
            zero_obs += int((~k2).sum())
            idx = np.flatnonzero(keep)
            keep[idx[~k2]] = False
        order, final_codes, kept_levels, fe = _sorted_effects(raw_codes, keep, fe_names)
        built_for = keep.copy()
        ys, Xs = sorted_rows(y, keep, order), sorted_rows(X, keep, order)
        cons = names.index(INTERCEPT) if INTERCEPT in names and not fe_names else None
        drop = sorted(_collinear(Xs, fe, first=cons))
        if drop:
            dropped_names += [names[j] for j in drop]
            X = np.delete(X, drop, axis=1)
            Xs = np.delete(Xs, drop, axis=1)
            names = [n for j, n in enumerate(names) if j not in drop]
        if not check_separation:
            separation_checked = False
            break
        if (ys > 0).all():  # separation needs zero-trade rows: none, nothing to check
            break
        sep, verdict = _separated(ys, Xs, fe)
        separation_checked = separation_checked and verdict
        if not sep.any():
            break
        separated += int(sep.sum())
        idx = np.flatnonzero(keep)[order]
        keep[idx[sep]] = False
    if not np.array_equal(built_for, keep):  # the 50 rounds ran out after a drop
        order, final_codes, kept_levels, fe = _sorted_effects(raw_codes, keep, fe_names)
        ys, Xs = sorted_rows(y, keep, order), sorted_rows(X, keep, order)
    if not separation_checked:
        notes.append("separation check inconclusive or skipped")
    if not names:
        raise UsageError(
            "every regressor is collinear with the fixed effects; nothing left to estimate: "
            + ", ".join(dropped_names),
            zh="所有解釋變數都與固定效果共線，沒有可估計的變數：" + "、".join(dropped_names),
        )
    # The rows sorted by the effect with most levels (hdfe eliminates it exactly; its group
    # sums are then contiguous). rows_used (increasing) is for the result.
    rows_used = rows[keep]
    rows_kept = rows_used[order]
    clusters = pd.factorize(sorted_rows(cl_codes, keep, order))[0]
    if year is not None and set(fe_names) in (
        {"exporter-year", "importer-year", "pair"},
        {"exporter", "importer", "year"},
    ):  # the closed forms of _full_product_rank
        factors = [sorted_rows(cache[c][0], keep, order) for c in (exporter, importer, year)]
        fe.rank_hint = _full_product_rank(fe_names, factors)
    final_labels = [
        _level_labels(cache, cols, keys[kept])
        for cols, keys, kept in zip(fe_cols, level_keys, kept_levels, strict=True)
    ]
    return _Prepared(
        y=ys,
        X=Xs,
        names=names,
        fe=fe,
        fe_labels=final_labels,
        clusters=clusters,
        rows=rows_kept,
        rows_used=rows_used,
        diagnostics={
            "dropped_collinear": tuple(dropped_names),
            "zero_groups_dropped": zero_groups,
            "zero_group_obs_dropped": zero_obs,
            "separated_obs": separated,
            "separation_checked": separation_checked,
            "missing_obs_dropped": missing,
            "notes": notes,
        },
    )


# The weighted least squares of an IRLS step solve the normal equations when their
# (column-scaled) condition number is below this; the relative error is then ~1e-10 at most.
# Worse-conditioned regressors go through LAPACK's SVD least squares.
NORMAL_EQUATIONS_MAX_COND = 1e6


def _weighted_lstsq(dm: np.ndarray, w: np.ndarray, work: np.ndarray | None = None) -> np.ndarray:
    """β minimising Σ w (dm[k] − dm[:k]′β)² for the rows ``dm`` = [x_1 … x_k, z] (k+1 × n).

    One pass over the data: the Gram matrix of [X, z] with weights w, whose X block is solved
    after scaling its columns to unit diagonal (Cholesky-type accuracy depends on the scaled
    condition number only). An SVD least squares, several passes over n × k copies, cost
    ten times more for the few regressors of a gravity equation. ``work``: an array of the
    shape of ``dm`` to use for dm · w.
    """
    k = dm.shape[0] - 1
    gram = np.multiply(dm, w, out=work) @ dm.T
    diag = np.diag(gram)[:k]
    if k and diag.min() > 0:
        scale = 1.0 / np.sqrt(diag)
        scaled = gram[:k, :k] * scale[:, None] * scale[None, :]
        if np.linalg.cond(scaled) < NORMAL_EQUATIONS_MAX_COND:
            return np.linalg.solve(scaled, gram[:k, k] * scale) * scale
    sw = np.sqrt(w)
    return np.linalg.lstsq((dm[:k] * sw).T, dm[k] * sw, rcond=None)[0]


def _irls(
    y: np.ndarray, X: np.ndarray, fe: FixedEffects, tol: float, max_iter: int, demean_tol: float
):
    """Poisson IRLS with the fixed effects partialled out of every weighted LS step.

    The projections start loose (1e-4, as ppmlhdfe) and tighten with the deviance change down to
    ``demean_tol``; convergence is only declared on an iteration solved at ``demean_tol``.
    Each projection starts from the previous one's solution (warm start).
    """
    mu = (y + y.mean()) / 2.0  # statsmodels' GLM starting values
    eta = np.log(mu)
    deviance = _Deviance(y)
    dev = deviance(mu)
    change = np.inf
    converged = False
    beta = np.zeros(X.shape[1])
    warm = None
    inner_tol = max(1e-4, demean_tol)
    it = 0
    notes: list[str] = []
    k = X.shape[1]
    # Work arrays for the whole loop (fresh ones would cost page faults every iteration).
    rows = np.empty((k + 1, len(y)))  # [X, z] with the columns as rows (hdfe)
    rows[:k] = X.T
    dm = np.empty_like(rows)  # their residuals on the fixed effects
    work = np.empty_like(rows)
    eta_new, mu_new = np.empty_like(y), np.empty_like(y)
    z = rows[k]
    for it in range(1, max_iter + 1):
        np.subtract(y, mu, out=z)
        z /= mu
        z += eta  # z = eta + (y − mu) / mu
        proj = fe.projector(mu)
        dm, warm, ok, _ = proj.residualize_rows(rows, tol=inner_tol, start=warm, out=dm)
        if not ok:
            notes.append(f"demeaning did not converge at IRLS iteration {it}")
        beta = _weighted_lstsq(dm, mu, work)
        np.matmul(dm[:k].T, beta, out=eta_new)
        np.subtract(dm[k], eta_new, out=eta_new)
        np.subtract(z, eta_new, out=eta_new)  # eta_new = z − (zd − xd β)
        np.exp(np.clip(eta_new, -700, 700, out=mu_new), out=mu_new)
        dev_new = deviance(mu_new)
        # Step-halving guards against the rare IRLS overshoot on badly scaled data.
        halvings = 0
        while dev_new > dev * (1 + 1e-12) + 1e-12 and halvings < 30 and it > 1:
            np.add(eta, eta_new, out=eta_new)
            eta_new /= 2  # (eta + eta_new) / 2
            np.exp(np.clip(eta_new, -700, 700, out=mu_new), out=mu_new)
            dev_new = deviance(mu_new)
            halvings += 1
        change = abs(dev_new - dev) / (0.1 + abs(dev_new))
        # the new values become the current ones; the old arrays are the next work arrays
        eta, eta_new = eta_new, eta
        mu, mu_new = mu_new, mu
        dev = dev_new
        if change < tol and it > 1 and inner_tol <= demean_tol:
            converged = True
            break
        inner_tol = min(inner_tol, max(demean_tol, 1e-3 * change))
    return beta, eta, mu, dev, change, it, converged, notes, warm


def fit_ppml(
    df: pd.DataFrame,
    *,
    trade: str,
    exporter: str,
    importer: str,
    rhs: Sequence[str],
    year: str | None = None,
    fe: Sequence[str] = DEFAULT_FE,
    se: str = "cluster",
    cluster: str | None = None,
    tol: float = 1e-12,
    max_iter: int = 200,
    demean_tol: float = 1e-11,
    check_separation: bool = True,
) -> GravityResult:
    """Fit a PPML gravity equation: trade = exp(rhs·β + fixed effects) × error.

    ``df`` has one row per exporter × importer (× year); zero trade is kept. ``fe`` lists
    fixed effects among ``FE_CHOICES``; without ``year`` (or with one year only)
    "exporter-year" means exporter effects. ``se`` is "cluster" (by ``cluster`` column, else
    by exporter–importer pair), "hc1" or "iid", computed as statsmodels' Poisson GLM with
    dummies computes them (see the module docstring). Rows with a missing value are dropped
    and counted; fixed-effect groups with only zero trade, separated zero rows and
    collinear regressors are dropped and reported in ``result.diagnostics``.
    """
    rhs = list(rhs)
    fe_names = list(dict.fromkeys(fe))
    if not fe_names and INTERCEPT in rhs:
        raise UsageError(
            f"{INTERCEPT!r} is added by exportkit without fixed effects; rename it",
            zh=f"沒有固定效果時 exportkit 會自動加入 {INTERCEPT!r}；請將此欄改名",
        )
    for name in fe_names:
        if name not in FE_CHOICES:
            raise UsageError(
                f"unknown fixed effect {name!r}; choose from {', '.join(FE_CHOICES)}",
                zh=f"不明的固定效果 {name!r}；可用：{', '.join(FE_CHOICES)}",
            )
    if se not in SE_CHOICES:
        raise UsageError(
            f"unknown standard-error type {se!r}; choose from {', '.join(SE_CHOICES)}",
            zh=f"不明的標準誤類型 {se!r}；可用：{', '.join(SE_CHOICES)}",
        )
    _check_columns(df, trade, exporter, importer, year, rhs)
    if cluster and cluster not in df.columns:
        raise UsageError(
            f"cluster column {cluster!r} is not in the data", zh=f"資料中沒有叢集欄位 {cluster!r}"
        )
    if year is None and "year" in fe_names:
        raise UsageError(
            "the 'year' fixed effect needs a year column (--year)",
            zh="year 固定效果需要年度欄位（--year）",
        )
    if len(df) == 0:
        raise UsageError("the data has no rows", zh="資料沒有任何列")
    if not (pd.to_numeric(df[trade], errors="coerce") > 0).any():
        raise UsageError(
            f"column {trade!r} (trade) has no positive value: nothing to estimate",
            zh=f"欄位 {trade!r}（貿易額）沒有任何正值，無從估計",
        )

    prep = _prepare(df, trade, exporter, importer, year, rhs, fe_names, cluster, check_separation)
    y, X, fe_obj = prep.y, prep.X, prep.fe
    n, k = X.shape
    if n == 0 or not (y > 0).any():
        raise UsageError(
            f"no positive trade left in column {trade!r} after dropping zero groups",
            zh=f"刪除全為零的群組後，欄位 {trade!r} 已沒有正的貿易額",
        )
    beta, eta, mu, dev, change, iters, converged, notes, warm = _irls(
        y, X, fe_obj, tol, max_iter, demean_tol
    )

    # Covariance at the final estimate: X partialled out with the final weights (FWL).
    start = None if warm is None else warm[:k]
    xd, _, _, _ = fe_obj.projector(mu).residualize(X, tol=demean_tol, start=start)
    hessian = (xd * mu[:, None]).T @ xd
    bread = np.linalg.inv(hessian)
    scores = xd * (y - mu)[:, None]
    fe_rank = fe_obj.rank()
    k_full = k + fe_rank
    n_clusters = None
    if se == "iid":
        cov = bread
    elif se == "hc1":
        cov = bread @ (scores.T @ scores) @ bread
    else:
        g = int(prep.clusters.max()) + 1
        n_clusters = g
        if g < 2:
            raise UsageError(
                "clustered standard errors need at least two clusters",
                zh="叢集標準誤至少需要兩個叢集",
            )
        summed = np.column_stack(
            [np.bincount(prep.clusters, weights=scores[:, j], minlength=g) for j in range(k)]
        )
        cov = bread @ (summed.T @ summed) @ bread
        cov *= g / (g - 1.0) * ((n - 1.0) / (n - k_full))
    cov = (cov + cov.T) / 2
    ses = np.sqrt(np.diag(cov))
    zs = beta / ses
    pvals = 2 * norm.sf(np.abs(zs))

    log_y_factorial = gammaln(y + 1.0)
    loglik = _poisson_loglik(y, mu, log_y_factorial)
    ll0 = _poisson_loglik(y, np.full(n, y.mean()), log_y_factorial)
    pseudo = 1.0 - loglik / ll0 if ll0 != 0 else float("nan")
    r2 = float(np.corrcoef(y, mu)[0, 1] ** 2) if n > 2 and mu.std() > 0 else float("nan")

    effects = fe_obj.recover(eta - X @ beta)
    fixed_effects = {
        name: dict(zip(labels.tolist(), eff.tolist(), strict=True))
        for name, labels, eff in zip(fe_names, prep.fe_labels, effects, strict=True)
    }
    diag = Diagnostics(
        converged=converged,
        iterations=iters,
        deviance=dev,
        deviance_change=float(change),
        fe_levels={nm: lv for nm, lv in zip(fe_names, fe_obj.levels, strict=True)},
        fe_rank=fe_rank,
        dropped_collinear=prep.diagnostics["dropped_collinear"],
        zero_groups_dropped=prep.diagnostics["zero_groups_dropped"],
        zero_group_obs_dropped=prep.diagnostics["zero_group_obs_dropped"],
        separated_obs=prep.diagnostics["separated_obs"],
        separation_checked=prep.diagnostics["separation_checked"],
        missing_obs_dropped=prep.diagnostics["missing_obs_dropped"],
        notes=tuple(prep.diagnostics["notes"] + notes),
    )
    return GravityResult(
        coefficients=tuple(
            Coefficient(nm, float(b), float(s), float(zv), float(p))
            for nm, b, s, zv, p in zip(prep.names, beta, ses, zs, pvals, strict=True)
        ),
        cov=tuple(tuple(float(v) for v in row) for row in cov),
        nobs=n,
        se_type=se,
        n_clusters=n_clusters,
        fixed_effects_used=tuple(fe_names),
        pseudo_r2=float(pseudo),
        r2_corr=r2,
        loglik=loglik,
        deviance=dev,
        diagnostics=diag,
        columns={
            "trade": trade,
            "exporter": exporter,
            "importer": importer,
            "year": year or "",
            "cluster": cluster or "",
        },
        fixed_effects=fixed_effects,
        rows_used=tuple(prep.rows_used.tolist()),
    )


def fit_ppml_file(path, *, year: str | None = None, **kwargs) -> GravityResult:
    """Read a CSV/Parquet panel and fit it (``exportkit gravity``).

    With a year column holding a single year, the exporter-year and importer-year effects
    are exporter and importer effects (the year adds nothing to them).
    """
    from exportkit.analytics.report import read_panel

    df = read_panel(path)
    if year is not None and year in df.columns and df[year].nunique(dropna=True) <= 1:
        fe = [f.replace("-year", "") for f in kwargs.pop("fe", DEFAULT_FE) if f != "year"]
        kwargs["fe"] = list(dict.fromkeys(fe))
    return fit_ppml(df, year=year, **kwargs)


# --------------------------------------------------------------------------- prediction
def predict(result: GravityResult, df: pd.DataFrame) -> pd.Series:
    """Predicted trade for the rows of ``df`` (same column names as the fit).

    A row whose fixed-effect levels were not estimated (a new exporter-year, a pair absent
    from the sample when pair effects are used …) gets NaN: it cannot be predicted.
    """
    cols = result.columns
    exporter, importer, year = cols["exporter"], cols["importer"], cols["year"] or None
    eta = np.zeros(len(df))
    for coef in result.coefficients:
        if coef.name == INTERCEPT and INTERCEPT not in df.columns:
            eta += coef.estimate
            continue
        if coef.name not in df.columns:
            raise UsageError(
                f"column {coef.name!r} is needed to predict", zh=f"預測需要欄位 {coef.name!r}"
            )
        eta += coef.estimate * pd.to_numeric(df[coef.name], errors="coerce").to_numpy(float)
    for name in result.fixed_effects_used:
        parts = _fe_columns(name, exporter, importer, year)
        table = result.fixed_effects[name]
        if len(parts) == 1:
            keys = df[parts[0]].tolist()
        else:
            keys = list(zip(*(df[p].tolist() for p in parts), strict=True))
        eta += np.array([table.get(key, np.nan) for key in keys], dtype=float)
    return pd.Series(np.exp(eta), index=df.index, name="predicted")


def benchmark_pairs(
    df: pd.DataFrame,
    *,
    exporter_code: str,
    importers: Sequence[str],
    trade: str,
    exporter: str,
    importer: str,
    rhs: Sequence[str],
    year: str | None = None,
    fe: Sequence[str] = DEFAULT_FE,
    se: str = "cluster",
) -> tuple[GravityResult, list[PairBenchmark]]:
    """Out-of-sample gravity benchmarks for ``exporter_code`` → each of ``importers``.

    The model is estimated on the reference sample — every pair except the ones of
    interest — and the pairs of interest are predicted from the estimated coefficients and
    fixed effects (the exporter's effects are identified by its trade with other markets).
    Reading in-sample residuals as "untapped potential" would be circular; this is not.
    The result is a benchmark, not a forecast.
    """
    if "pair" in fe:
        raise UsageError(
            "pair fixed effects cannot be predicted for pairs left out of the fit",
            zh="配對固定效果無法預測未納入估計的配對",
        )
    targets = (df[exporter] == exporter_code) & df[importer].isin(list(importers))
    reference = df.loc[~targets]
    result = fit_ppml(
        reference,
        trade=trade,
        exporter=exporter,
        importer=importer,
        rhs=rhs,
        year=year,
        fe=fe,
        se=se,
    )
    wanted = df.loc[targets]
    predicted = predict(result, wanted) if len(wanted) else pd.Series(dtype=float)
    out: list[PairBenchmark] = []
    for idx, row in wanted.iterrows():
        pred = float(predicted.loc[idx])
        actual = pd.to_numeric(pd.Series([row[trade]]), errors="coerce").iloc[0]
        actual = None if pd.isna(actual) else float(actual)
        ok = np.isfinite(pred)
        out.append(
            PairBenchmark(
                exporter=str(row[exporter]),
                importer=str(row[importer]),
                year=int(row[year]) if year else None,
                actual=actual,
                predicted=pred if ok else None,
                ratio=(actual / pred) if ok and actual is not None and pred > 0 else None,
                label=BENCHMARK_LABEL,
                reason=None
                if ok
                else Text(
                    zh_TW="參考樣本中缺少此出口國或進口國當年的固定效果，無法估計",
                    en="the exporter's or importer's fixed effect for that year is not in the "
                    "reference sample, so the pair cannot be predicted",
                ),
            )
        )
    return result, out
