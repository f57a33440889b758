"""Weighted projections on high-dimensional fixed effects, for the PPML estimator.

The residual of a column v after weighted least squares on the fixed-effect dummies
D = [D_1 … D_k] is what every IRLS step of ``gravity.fit_ppml`` needs (Frisch–Waugh–Lovell).
With one fixed effect it is v minus its weighted group means, exactly. With more, the
effect with the most levels ("big", e.g. the exporter–importer pair) is eliminated exactly
and the normal equations of the others are solved on its Schur complement

    S β = R′ W M_big v,    S = R′ W M_big R,

with R the dummies of the other effects and M_big the weighted within-big demeaning, by
conjugate gradients with a diagonal (Jacobi) preconditioner, every column at once. S is
singular when the effects are redundant (one level per year with exporter-year and
importer-year effects); the system is consistent, so CG still converges to a solution and
the residual M_big (v − R β) is unique. The previous solution is a warm start: between two
IRLS iterations the weights and the working response change little, so a few CG steps are
left. Rows are kept sorted by the big effect, so its group sums are contiguous segments.

With two effects, R′W R is diagonal and S = diag(R′W R) − C′ diag(1/w_g) C, where
C = D_big′ W R is the sparse matrix of (big level, other level) cell weights: a CG step is two
sparse products. The work arrays of the n-row passes are kept on the ``FixedEffects`` object
(``scratch``) and reused by every IRLS iteration: fresh multi-megabyte arrays cost page
faults that were a fifth of a small fit.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

CG_MAX_ITER = 5_000


def stable_argsort(codes: np.ndarray, levels: int) -> np.ndarray:
    """``np.argsort(codes, kind="stable")`` for codes 0..levels-1; with fewer than 2**16
    levels on 16-bit keys, which numpy sorts by radix (linear time) instead of timsort."""
    if levels <= np.iinfo(np.uint16).max + 1:
        return np.argsort(codes.astype(np.uint16), kind="stable")
    return np.argsort(codes, kind="stable")


class FixedEffects:
    """Integer-coded fixed-effect groups (codes 0..L-1 per effect, every level present)."""

    def __init__(self, codes: list[np.ndarray], names: list[str]) -> None:
        self.codes = [np.asarray(c, dtype=np.int64) for c in codes]
        self.names = names
        self.n = len(self.codes[0]) if self.codes else 0
        self.levels = [int(c.max()) + 1 if len(c) else 0 for c in self.codes]
        # Full-rank hint from the caller (gravity knows when the panel is a full product).
        self.rank_hint: int | None = None
        self._buffers: dict[str, np.ndarray] = {}
        if len(self.codes) >= 2:
            self._setup_schur()

    def scratch(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A work array of ``shape``, the same memory on every call with the same name.

        The projections run once per IRLS iteration on arrays of the same shapes: reusing
        their buffers spares the page faults of fresh memory, which cost as much as the
        arithmetic on it here (glibc returns freed multi-megabyte blocks to the system).
        """
        size = math.prod(shape)
        buf = self._buffers.get(name)
        if buf is None or buf.size < size:  # one buffer per name, as large as needed yet
            buf = self._buffers[name] = np.empty(size)
        return buf[:size].reshape(shape)

    # ------------------------------------------------------------------ structure
    def _setup_schur(self) -> None:
        big = int(np.argmax(self.levels))
        self.big = big
        codes_big = self.codes[big]
        # gravity sorts its rows by the big effect beforehand: then no permutation is needed
        self.presorted = bool(np.all(codes_big[1:] >= codes_big[:-1]))
        if self.presorted:
            self.order = self.inverse = np.arange(self.n)
        else:
            self.order = stable_argsort(codes_big, self.levels[big])
            self.inverse = np.empty_like(self.order)
            self.inverse[self.order] = np.arange(self.n)
        big_sorted = codes_big if self.presorted else codes_big[self.order]
        self.big_sorted = big_sorted
        self.big_counts = np.bincount(big_sorted, minlength=self.levels[big])
        self.big_starts = np.concatenate([[0], np.cumsum(self.big_counts)[:-1]])
        # Every big group of the same size (a balanced panel: T years per pair): group sums
        # are a reshape, cheaper than reduceat/repeat.
        sizes = np.unique(self.big_counts)
        self.group_size = int(sizes[0]) if len(sizes) == 1 else 0
        self.others = [i for i in range(len(self.codes)) if i != big]
        offsets = np.cumsum([0] + [self.levels[i] for i in self.others])
        self.m = int(offsets[-1])
        # R's column index per row and effect, in the sorted row order.
        self.rest = [
            (self.codes[i] if self.presorted else self.codes[i][self.order]) + offsets[j]
            for j, i in enumerate(self.others)
        ]
        # (big level, other level) cells, for the diagonal of S: (row → cell or None when
        # every row is its own cell, other level per cell, big level per cell).
        self.cells = []
        for col in self.rest:
            key = big_sorted * self.m + col
            if np.all(key[1:] > key[:-1]):  # sorted and distinct: one row per cell
                self.cells.append((None, col, big_sorted))
                continue
            cell, first = np.unique(key, return_inverse=True)
            self.cells.append((first, cell % self.m, cell // self.m))
        # One other effect: S = diag(R′WR) − C′ diag(1/w_g) C with C = D_big′ W R, a sparse
        # G × m matrix of cell weights whose structure (CSR, cells sorted by big level, then
        # other level) is fixed here; each projector fills in its weights. Applying S is then
        # two sparse products instead of seven passes over the n rows.
        self.cross: tuple[np.ndarray, np.ndarray] | None = None
        if len(self.rest) == 1 and self.n < np.iinfo(np.int32).max:
            _, other, big_of_cell = self.cells[0]
            per_big = np.bincount(big_of_cell, minlength=self.levels[big])
            indptr = np.concatenate([[0], np.cumsum(per_big)])
            self.cross = (other.astype(np.int32), indptr.astype(np.int32))

    @property
    def r_t(self) -> sp.csr_matrix:
        """R′ (m × n) as a sparse matrix, for the rank computation (built on first use)."""
        if getattr(self, "_r_t", None) is None:
            rows = np.concatenate([np.arange(self.n)] * len(self.rest))
            cols = np.concatenate(self.rest)
            self._r_t = sp.csr_matrix((np.ones(len(rows)), (cols, rows)), shape=(self.m, self.n))
        return self._r_t

    def _big_means(self, values: np.ndarray, weights: np.ndarray, inv_w: np.ndarray):
        sums = np.add.reduceat(values * weights[:, None], self.big_starts, axis=0)
        return sums * inv_w[:, None]

    # ------------------------------------------------------------------ projections
    def projector(self, weights: np.ndarray) -> Projector:
        """The weighted projection for these weights (set-up reused for many columns)."""
        return Projector(self, np.asarray(weights, dtype=float))

    def demean(self, values: np.ndarray, weights: np.ndarray, tol: float = 1e-11):
        """Residuals of ``values`` (n × m) after weighted LS on the dummies; (resid, ok, iters)."""
        resid, _, ok, iters = self.projector(weights).residualize(values, tol=tol)
        return resid, ok, iters

    def recover(self, total: np.ndarray, tol: float = 1e-12) -> list[np.ndarray]:
        """Split ``total`` (a vector in the span of the dummies) into one effect per level."""
        if not self.codes:
            return []
        if len(self.codes) == 1:
            lv = self.levels[0]
            sums = np.bincount(self.codes[0], weights=total, minlength=lv)
            return [sums / np.bincount(self.codes[0], minlength=lv)]
        proj = self.projector(np.ones(self.n))
        _, beta, _, _ = proj.residualize(total[:, None], tol=tol)
        beta = beta[0]
        rest_part = sum(np.take(beta, col) for col in self.rest)
        big_eff = proj.big_means(total[self.order] - rest_part)
        effects: list[np.ndarray] = [np.zeros(0)] * len(self.codes)
        effects[self.big] = big_eff
        start = 0
        for i in self.others:
            effects[i] = beta[start : start + self.levels[i]]
            start += self.levels[i]
        return effects

    # ------------------------------------------------------------------ rank
    def rank(self) -> int:
        """Rank of the dummy matrix [D1 … Dk]: the number of fixed-effect parameters.

        One effect: its levels. Two: levels minus connected components of their bipartite
        graph (exact). A full-product gravity panel: the caller's closed form
        (``rank_hint``). Otherwise: levels of the biggest effect plus the numerical rank of
        the others' Schur complement (pivoted Cholesky).
        """
        if not self.codes:
            return 0
        if len(self.codes) == 1:
            return self.levels[0]
        if len(self.codes) == 2:
            a, b = self.codes
            la, lb = self.levels
            graph = sp.coo_matrix((np.ones(self.n), (a, b + la)), shape=(la + lb, la + lb))
            ncomp, _ = connected_components(graph, directed=False)
            return la + lb - ncomp
        if self.rank_hint is not None:
            return self.rank_hint
        return self.levels[self.big] + self._schur_rank()

    def _schur_rank(self) -> int:
        from scipy.linalg.lapack import dpstrf

        r_sorted = self.r_t.T.tocsr()
        big_sorted = np.repeat(np.arange(self.levels[self.big]), self.big_counts)
        d_big = sp.csr_matrix(
            (np.ones(self.n), (np.arange(self.n), big_sorted)),
            shape=(self.n, self.levels[self.big]),
        )
        cross = (d_big.T @ r_sorted).tocsr()
        gram = (self.r_t @ r_sorted).toarray()
        gram -= (cross.T @ sp.diags(1.0 / self.big_counts) @ cross).toarray()
        scale = max(float(np.abs(np.diag(gram)).max()), 1.0)
        _, _, rank, _ = dpstrf(gram, tol=scale * gram.shape[0] * np.finfo(float).eps * 100)
        return int(rank)


class Projector:
    """Weighted residualisation on the fixed effects of ``fe`` for one set of weights.

    Internally the columns are rows (p × n, each contiguous, in the big effect's order):
    numpy's element-wise and reduction loops on n × 3 arrays were 2–4 times slower.
    """

    def __init__(self, fe: FixedEffects, weights: np.ndarray) -> None:
        self.fe = fe
        self.w = weights
        if len(fe.codes) == 1:
            sums = np.bincount(fe.codes[0], weights=weights, minlength=fe.levels[0])
            self.inv_single = np.divide(1.0, sums, out=np.zeros_like(sums), where=sums > 0)
        elif len(fe.codes) >= 2:
            self.ws = weights if fe.presorted else weights[fe.order]
            wsum = self._group_sums(self.ws[None, :])[0]
            self.inv_big = np.divide(1.0, wsum, out=np.zeros_like(wsum), where=wsum > 0)
            diag = self._scatter(self.ws[None, :])[0]
            self.cross = None
            for first, other, big in fe.cells:
                cell_w = self.ws if first is None else np.bincount(first, weights=self.ws)
                if fe.cross is not None:  # one other effect (see FixedEffects._setup_schur)
                    self.rest_w = diag.copy()  # diag(R′WR)
                    indices, indptr = fe.cross
                    shape = (fe.levels[fe.big], fe.m)
                    self.cross = sp.csr_matrix((cell_w, indices, indptr), shape=shape)
                # Σ over the cells of a level: cell_w² / w_g
                term = np.multiply(cell_w, cell_w, out=fe.scratch("cell", cell_w.shape))
                term *= np.take(self.inv_big, big, mode="clip", out=fe.scratch("cell2", term.shape))
                diag -= np.bincount(other, weights=term, minlength=fe.m)
            self.inv_diag = np.divide(1.0, diag, out=np.zeros_like(diag), where=diag > 1e-14)

    # ------------------------------------------------------------------ building blocks
    def _group_sums(self, u: np.ndarray) -> np.ndarray:
        """Sums of each row of ``u`` (p × n, sorted) within the big groups: p × G."""
        size = self.fe.group_size
        if size:  # einsum: about twice as fast as .sum(axis=2) here
            return np.einsum("pgs->pg", u.reshape(u.shape[0], -1, size))
        return np.add.reduceat(u, self.fe.big_starts, axis=1)

    def _subtract_expanded(self, out: np.ndarray, per_group: np.ndarray, weighted: bool) -> None:
        """out −= each row's group value of ``per_group`` (p × G), times w if ``weighted``."""
        size = self.fe.group_size
        if size:  # balanced: broadcast over the reshaped rows, no p × n temporary
            view = out.reshape(out.shape[0], -1, size)
            if not weighted:
                view -= per_group[:, :, None]
                return
            tmp = self.fe.scratch("expand", out.shape).reshape(view.shape)
            np.multiply(per_group[:, :, None], self.ws.reshape(1, -1, size), out=tmp)
            view -= tmp
            return
        tmp = self.fe.scratch("expand", out.shape)
        np.take(per_group, self.fe.big_sorted, axis=1, mode="clip", out=tmp)
        if weighted:
            tmp *= self.ws
        out -= tmp

    def big_means(self, values_sorted: np.ndarray) -> np.ndarray:
        """Weighted means of a sorted-order vector within the big effect's groups."""
        return self._group_sums((values_sorted * self.ws)[None, :])[0] * self.inv_big

    def _minus_big_means(self, wu: np.ndarray) -> np.ndarray:
        """W M_big u from wu = W u (p × n), in place."""
        self._subtract_expanded(wu, self._group_sums(wu) * self.inv_big, weighted=True)
        return wu

    def _within_big(self, u: np.ndarray) -> np.ndarray:
        """M_big u, in place."""
        wu = np.multiply(u, self.ws, out=self.fe.scratch("wu", u.shape))
        self._subtract_expanded(u, self._group_sums(wu) * self.inv_big, weighted=False)
        return u

    def _r(self, beta: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """R β for β of shape p × m: p × n (into ``out``). np.take, not fancy indexing (ten
        times faster); mode "clip" (the codes are valid) lets it write into ``out`` directly."""
        shape = (beta.shape[0], self.fe.n)
        out = self.fe.scratch("r", shape) if out is None else out
        np.take(beta, self.fe.rest[0], axis=1, mode="clip", out=out)
        if len(self.fe.rest) > 1:
            tmp = self.fe.scratch("r2", shape)
            for col in self.fe.rest[1:]:
                out += np.take(beta, col, axis=1, mode="clip", out=tmp)
        return out

    def _scatter(self, u: np.ndarray) -> np.ndarray:
        """R′ u for u of shape p × n: p × m (one bincount per column and effect)."""
        out = np.empty((u.shape[0], self.fe.m))
        for j in range(u.shape[0]):
            out[j] = sum(
                np.bincount(col, weights=u[j], minlength=self.fe.m) for col in self.fe.rest
            )
        return out

    def _cross(self, beta: np.ndarray) -> np.ndarray:
        """C β = D_big′ W R β for β of shape p × m: p × G (one other effect)."""
        # scipy multiplies several vectors laid out as columns (m × p, C order)
        return np.ascontiguousarray((self.cross @ np.ascontiguousarray(beta.T)).T)

    def _cross_t(self, u: np.ndarray) -> np.ndarray:
        """C′ u = R′ W D_big u for u of shape p × G: p × m (one other effect)."""
        return np.ascontiguousarray((self.cross.T @ np.ascontiguousarray(u.T)).T)

    def _s(self, beta: np.ndarray) -> np.ndarray:
        """S β for β of shape p × m (the Schur complement of the big effect)."""
        if self.cross is not None:
            out = self.rest_w * beta
            out -= self._cross_t(self._cross(beta) * self.inv_big)
            return out
        wu = self._r(beta, out=self.fe.scratch("s", (beta.shape[0], self.fe.n)))
        wu *= self.ws
        return self._scatter(self._minus_big_means(wu))

    # ------------------------------------------------------------------ the projection
    def residualize(
        self, values: np.ndarray, tol: float = 1e-11, start: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray | None, bool, int]:
        """(residuals n × p, β of the other effects (p × m) for a warm start, converged, CG
        iterations).

        ``tol``: CG stops when every column's preconditioned residual norm is below ``tol``
        times that of its right-hand side.
        """
        v = np.asarray(values, dtype=float)
        if v.ndim == 1:
            v = v[:, None]
        rows, beta, ok, iters = self.residualize_rows(np.ascontiguousarray(v.T), tol, start)
        return rows.T, beta, ok, iters

    def residualize_rows(
        self,
        vt: np.ndarray,
        tol: float = 1e-11,
        start: np.ndarray | None = None,
        out: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray | None, bool, int]:
        """As ``residualize`` with the columns as rows: ``vt`` and the residuals are p × n.

        ``out``: an array (p × n, not ``vt``) to write the residuals into.
        """
        fe = self.fe
        if not fe.codes:
            if out is None:
                return vt.copy(), None, True, 0
            out[...] = vt
            return out, None, True, 0
        if len(fe.codes) == 1:
            code, lv = fe.codes[0], fe.levels[0]
            out = np.empty_like(vt) if out is None else out
            for j in range(vt.shape[0]):
                means = np.bincount(code, weights=self.w * vt[j], minlength=lv) * self.inv_single
                out[j] = vt[j] - np.take(means, code)
            return out, None, True, 1
        vs = vt if fe.presorted else np.take(vt, fe.order, axis=1)
        wv = np.multiply(vs, self.ws, out=fe.scratch("wv", vs.shape))
        if self.cross is not None:  # R′W M_big v = R′W v − C′ diag(1/w_g) D_big′ W v
            big_wv = self._group_sums(wv)
            rhs = self._scatter(wv)
            rhs -= self._cross_t(big_wv * self.inv_big)
        else:
            rhs = self._scatter(self._minus_big_means(wv))
        if start is None:
            beta, resid = np.zeros_like(rhs), rhs.copy()
        else:
            beta = start.copy()
            resid = rhs - self._s(beta)
        z = resid * self.inv_diag
        direction = z.copy()
        rz = np.einsum("ij,ij->i", resid, z)
        target = tol**2 * np.maximum(np.einsum("ij,ij->i", rhs, rhs * self.inv_diag), 1e-300)
        # Columns that have converged leave the active set: the others keep iterating alone.
        active = np.flatnonzero(rz > target)
        iters = 0
        while active.size and iters < CG_MAX_ITER:
            iters += 1
            d = direction[active]
            s_dir = self._s(d)
            curv = np.einsum("ij,ij->i", d, s_dir)
            alpha = np.divide(rz[active], curv, out=np.zeros_like(curv), where=curv > 0)
            beta[active] += d * alpha[:, None]
            resid[active] -= s_dir * alpha[:, None]
            z = resid[active] * self.inv_diag
            rz_new = np.einsum("ij,ij->i", resid[active], z)
            ratio = np.divide(rz_new, rz[active], out=np.zeros_like(rz_new), where=rz[active] > 0)
            direction[active] = z + d * ratio[:, None]
            rz[active] = rz_new
            active = active[rz_new > target[active]]
        converged = not active.size
        if not fe.presorted:
            res = fe.scratch("res", vs.shape)
        else:
            res = np.empty_like(vs) if out is None else out
        np.subtract(vs, self._r(beta, out=res), out=res)  # v − Rβ
        if self.cross is not None:  # the big effect's means of v − Rβ: (D′W v − C β) / w_g
            per_group = (big_wv - self._cross(beta)) * self.inv_big
            self._subtract_expanded(res, per_group, weighted=False)
        else:
            self._within_big(res)
        if fe.presorted:
            return res, beta, converged, iters
        if out is None:
            return np.take(res, fe.inverse, axis=1), beta, converged, iters
        return np.take(res, fe.inverse, axis=1, mode="clip", out=out), beta, converged, iters


def dummy_matrices(fe: FixedEffects) -> list[sp.csr_matrix]:
    """One sparse n × L dummy matrix per effect (for the separation linear programme)."""
    rows = np.arange(fe.n)
    return [
        sp.csr_matrix((np.ones(fe.n), (rows, c)), shape=(fe.n, lv))
        for c, lv in zip(fe.codes, fe.levels, strict=True)
    ]
