"""What ``exportkit gravity`` checks around the estimator: column roles that make no sense
before the fit, and a fit whose numbers are not finite after it.

Kept apart from ``gravity.py`` (the estimator): these are checks of the user's request and of
what may be shown, not of the method. Every refusal is a ``UsageError`` in both languages.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np

from exportkit.analytics import gravity
from exportkit.errors import UsageError
from exportkit.models import GravityResult


def check_roles(
    *,
    trade: str,
    exporter: str,
    importer: str,
    rhs: Sequence[str],
    year: str | None = None,
    cluster: str | None = None,
) -> None:
    """Refuse column roles that cannot be meant: the dependent variable as a regressor, one
    column as two of trade / exporter / importer / year, a regressor given twice."""
    roles = {"--trade": trade, "--exporter": exporter, "--importer": importer}
    if year:
        roles["--year"] = year
    seen: dict[str, str] = {}
    for option, column in roles.items():
        if column in seen:
            raise UsageError(
                f"column {column!r} is given as both {seen[column]} and {option}; each role "
                "needs its own column",
                zh=f"欄位「{column}」同時被指定為 {seen[column]} 與 {option}；每個角色需要各自的欄位",
            )
        seen[column] = option
    for column in rhs:
        if column in seen:
            raise UsageError(
                f"column {column!r} is {seen[column]} and cannot also be a regressor (--rhs)"
                + (": the dependent variable cannot explain itself" if column == trade else ""),
                zh=f"欄位「{column}」已是 {seen[column]}，不能同時作為解釋變數（--rhs）"
                + ("：被解釋變數不能解釋自己" if column == trade else ""),
            )
    twice = sorted({c for c in rhs if list(rhs).count(c) > 1})
    if twice:
        raise UsageError(
            f"regressor(s) given twice in --rhs: {', '.join(twice)}",
            zh=f"--rhs 中重複的解釋變數：{', '.join(twice)}",
        )
    if cluster and cluster == trade:
        raise UsageError(
            f"the cluster column cannot be the trade column {trade!r}",
            zh=f"叢集欄位不能是貿易額欄位「{trade}」",
        )


def _finite(result: GravityResult) -> bool:
    numbers = [
        v for c in result.coefficients for v in (c.estimate, c.std_error, c.z, c.p_value)
    ] + [result.pseudo_r2, result.r2_corr, result.loglik, result.deviance]
    return all(math.isfinite(v) for v in numbers)


def fit_checked(path, *, trade: str, **kwargs) -> GravityResult:
    """``gravity.fit_ppml_file`` with the roles checked first and the result checked after:
    a fit whose estimates, standard errors or fit statistics are not finite numbers (trade
    values so large that the variance overflows, say) is refused, never printed as NaN."""
    check_roles(
        trade=trade,
        exporter=kwargs["exporter"],
        importer=kwargs["importer"],
        rhs=kwargs["rhs"],
        year=kwargs.get("year"),
        cluster=kwargs.get("cluster"),
    )
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # reported below as one clear error
        result = gravity.fit_ppml_file(path, trade=trade, **kwargs)
    if not _finite(result):
        raise UsageError(
            f"the fit gave no finite standard errors or statistics (NaN or infinity): the "
            f"values in {trade!r} are probably too large or too small to compute with; "
            "rescale them (for example to millions) and fit again",
            zh=f"估計結果的標準誤或統計量不是有限數值（NaN 或無限大）：「{trade}」的數值可能過大或"
            "過小而無法計算；請調整單位（例如改以百萬計）後重新估計",
        )
    return result
