"""The fast paths of the PPML fit give the results of the general ones they replace."""

from __future__ import annotations

import numpy as np
import pytest

from exportkit.analytics.gravity import _weighted_lstsq


@pytest.mark.parametrize("k", [1, 3, 6])
def test_qr_least_squares_equals_svd_least_squares(k):
    rng = np.random.default_rng(k)
    n = 2_000
    dm = rng.normal(size=(k + 1, n))
    dm[0] *= 1e4  # badly scaled columns
    sw = np.sqrt(rng.uniform(0.1, 50.0, size=n))
    want = np.linalg.lstsq((dm[:k] * sw).T, dm[k] * sw, rcond=None)[0]
    np.testing.assert_allclose(_weighted_lstsq(dm, sw), want, rtol=1e-10, atol=0)


def test_rank_deficient_least_squares_falls_back_to_the_minimum_norm_solution():
    rng = np.random.default_rng(0)
    n = 500
    dm = rng.normal(size=(4, n))
    dm[2] = 2.0 * dm[0] - dm[1]  # x_3 = 2 x_1 - x_2
    sw = np.ones(n)
    want = np.linalg.lstsq(dm[:3].T, dm[3], rcond=None)[0]
    np.testing.assert_allclose(_weighted_lstsq(dm, sw), want, rtol=1e-9, atol=1e-12)
