"""Score every firm × demand pair by the criteria of ``data/match_criteria.yaml``.

Two implementations of one scoring: :func:`pair_points` judges one pair in plain Python (the
reference, also used to explain a pair), :func:`score_matrix` judges all pairs at once with
numpy — 1,000 firms × 500 demands in well under a second. Tests check that both agree on
every pair; ``benchmarks/bench_match.py`` times one against the other.

    score = 100 × product factor × Σ weight × points / Σ weight

The product factor (HS6 / HS4 / HS2, or the industry when one side has no HS code) gates the
pair: no product match, no candidate. Every other criterion gives 0–1 points.

>>> from exportkit.match.criteria import default_criteria
>>> hs_level(("846693",), ("8466", "848340"))
('hs4', ('8466',))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from exportkit.match.criteria import WEIGHTED, MatchCriteria
from exportkit.models.demand import Demand
from exportkit.models.match import MarketModes, SupplierProfile

LEVEL_CODES = {None: 0, "hs2": 1, "industry": 2, "hs4": 3, "hs6": 4}
LEVEL_NAMES = {code: name for name, code in LEVEL_CODES.items()}
OTHER = "other"  # the vocabulary's "other": a requirement named in free text, checked by hand


# --- one pair, in plain Python -----------------------------------------------------------------


def hs_level(
    demand_codes: Sequence[str], firm_codes: Sequence[str]
) -> tuple[str | None, tuple[str, ...]]:
    """The finest HS level at which the codes agree, and the shared codes at that level."""
    for level, digits in (("hs6", 6), ("hs4", 4), ("hs2", 2)):
        mine = {c[:digits] for c in firm_codes if len(c) >= digits}
        shared = sorted({c[:digits] for c in demand_codes if len(c) >= digits} & mine)
        if shared:
            return level, tuple(shared)
    return None, ()


def product_level(firm: SupplierProfile, demand: Demand) -> tuple[str | None, tuple[str, ...]]:
    """``hs6``/``hs4``/``hs2`` when both sides gave HS codes; ``industry`` when one side gave
    none and both name the same industry; ``None`` otherwise (not a candidate)."""
    if firm.hs_codes and demand.hs_codes:
        return hs_level(demand.hs_codes, firm.hs_codes)
    if firm.industry and demand.industry and firm.industry.id == demand.industry.id:
        return "industry", ()
    return None, ()


def required_certifications(demand: Demand) -> tuple[str, ...]:
    """The listed certifications the demand requires ("Other" is checked by hand, not here)."""
    return tuple(c.id for c in demand.certifications if c.id != OTHER)


def certification_points(firm: SupplierProfile, demand: Demand) -> tuple[float, tuple[str, ...]]:
    """Share of the required (listed) certifications held, and the missing ones."""
    required = required_certifications(demand)
    if not required:
        return 1.0, ()
    held = {c.id for c in firm.certifications}
    missing = tuple(c for c in required if c not in held)
    return 1.0 - len(missing) / len(required), missing


def capacity_ratio(firm: SupplierProfile, demand: Demand) -> float | None:
    """Spare export capacity ÷ the demand's yearly value (None when either is unknown)."""
    volume = demand.annual_volume_usd
    if firm.spare_capacity_usd is None or not volume or volume <= 0:
        return None
    return firm.spare_capacity_usd / volume


def capacity_points(ratio: float | None, book: MatchCriteria) -> tuple[float, str]:
    """Points and status of a capacity ratio, by the criteria's steps (unknown: their default)."""
    if ratio is None:
        return book.unknown_points["capacity"], "not_evaluated"
    for step in book.capacity_steps:
        if ratio >= step.min_ratio:
            return step.points, step.status
    return 0.0, "unmet"  # pragma: no cover - the last step starts at 0


def band_order(book: MatchCriteria) -> dict[str, int]:
    """Band id → its position in the criteria's band list (lowest first)."""
    return {band: i for i, band in enumerate(book.band_points)}


def readiness_points(
    firm: SupplierProfile, demand: Demand, book: MatchCriteria
) -> tuple[float, str]:
    """Points of the firm's readiness band, and ``meets``/``below`` the band the demand's
    expected supplier experience asks for (``not_evaluated`` without a known band)."""
    order = band_order(book)
    if firm.band is None or firm.band.id not in order:
        return book.unknown_points["readiness"], "not_evaluated"
    expected = demand.supplier_experience.id if demand.supplier_experience else None
    minimum = book.min_band.get(expected) if expected else None
    if minimum is not None and order[firm.band.id] < order[minimum]:
        return 0.0, "below"
    return book.band_points[firm.band.id], "meets"


def sought_modes(demand: Demand, book: MatchCriteria) -> tuple[str, ...]:
    """The entry modes the partnerships sought amount to (in the criteria's order)."""
    modes: list[str] = []
    for p in demand.partnerships:
        modes += [m for m in book.partnership_modes.get(p.id, ()) if m not in modes]
    return tuple(modes)


def mode_fit(
    modes: MarketModes | None, wanted: tuple[str, ...], book: MatchCriteria
) -> tuple[float, str, int | None]:
    """Points, status (compatible/acceptable/incompatible/excluded/unknown) and the rank
    (0-based) of the best-ranked wanted mode among the firm's advised modes in the market."""
    if modes is None or not modes.ranked or not wanted:
        return book.unknown_points["entry_mode"], "unknown", None
    ranks = [i for i, m in enumerate(modes.ranked) if m.mode.id in wanted]
    best = min(ranks) if ranks else None
    if modes.excluded:
        return book.mode_points["incompatible"], "excluded", best
    if best is None:
        return book.mode_points["incompatible"], "incompatible", None
    if best < book.top_modes:
        return book.mode_points["compatible"], "compatible", best
    if modes.ranked[best].score >= book.acceptable_score:
        return book.mode_points["acceptable"], "acceptable", best
    return book.mode_points["incompatible"], "incompatible", best


def market_points(firm: SupplierProfile, demand: Demand, book: MatchCriteria) -> tuple[float, str]:
    """Points for the demand's market being one the firm targets, already serves, or neither."""
    if demand.country in firm.target_markets:
        return book.market_points["target"], "target"
    if demand.country in firm.current_markets:
        return book.market_points["current"], "current"
    return book.market_points["neither"], "neither"


@dataclass(frozen=True, slots=True)
class PairScore:
    """One pair's product level, points per weighted criterion (0–1) and score (0–100)."""

    level: str | None
    points: dict[str, float]
    score: float


def pair_points(firm: SupplierProfile, demand: Demand, book: MatchCriteria) -> PairScore:
    """Score one firm × demand pair (the reference implementation; ``score_matrix`` must agree)."""
    level, _ = product_level(firm, demand)
    if level is None:
        return PairScore(None, {}, 0.0)
    points = {
        "certifications": certification_points(firm, demand)[0],
        "capacity": capacity_points(capacity_ratio(firm, demand), book)[0],
        "readiness": readiness_points(firm, demand, book)[0],
        "entry_mode": mode_fit(firm.modes_in(demand.country), sought_modes(demand, book), book)[0],
        "target_market": market_points(firm, demand, book)[0],
    }
    weights = {c.id: c.weight for c in book.weighted}
    total = sum(weights.values())
    weighted = sum(weights[c] * points[c] for c in WEIGHTED) / total
    return PairScore(level, points, 100.0 * book.product.levels[level].factor * weighted)


def naive_score_matrix(
    firms: Sequence[SupplierProfile], demands: Sequence[Demand], book: MatchCriteria
) -> tuple[np.ndarray, np.ndarray]:
    """Scores and product levels of every pair, one pair at a time (for comparison)."""
    scores = np.zeros((len(demands), len(firms)))
    levels = np.zeros((len(demands), len(firms)), dtype=np.int8)
    for d, demand in enumerate(demands):
        for f, firm in enumerate(firms):
            pair = pair_points(firm, demand, book)
            scores[d, f] = pair.score
            levels[d, f] = LEVEL_CODES[pair.level]
    return scores, levels


# --- every pair at once ------------------------------------------------------------------------


def _incidence(
    sets: Sequence[set[str]], index: dict[str, int], dtype: type = np.float32
) -> np.ndarray:
    out = np.zeros((len(sets), max(1, len(index))), dtype=dtype)
    for row, values in enumerate(sets):
        for v in values:
            out[row, index[v]] = 1.0
    return out


def _shared(demand_sets: Sequence[set[str]], firm_sets: Sequence[set[str]]) -> np.ndarray:
    """D × F: True where the demand's and the firm's sets intersect — a sparse 0/1 matrix
    product (a demand names a handful of codes out of thousands)."""
    index: dict[str, int] = {}
    matrices = []
    for sets in (demand_sets, firm_sets):
        rows, cols = [], []
        for row, values in enumerate(sets):
            for v in values:
                rows.append(row)
                cols.append(index.setdefault(v, len(index)))
        matrices.append((rows, cols, len(sets)))
    width = max(1, len(index))
    a, b = (
        sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(n, width))
        for rows, cols, n in matrices
    )
    return (a @ b.T).toarray() > 0


def _prefixes(codes: Sequence[str], digits: int) -> set[str]:
    return {c[:digits] for c in codes if len(c) >= digits}


BIG_RANK = 10_000  # "not among the firm's advised modes"


def _firm_market_arrays(
    firms: Sequence[SupplierProfile], m_index: dict[str, int], book: MatchCriteria
):
    """Per firm × market: each mode's rank and score, whether advice exists, whether the
    market is excluded, and whether it is a target or current market — collected in flat
    lists and placed with one fancy-index assignment (a loop of item writes is 10x slower).
    A mode appears once in a market's ranking (the recommendation ranks each mode once)."""
    k_index = {
        m: i
        for i, m in enumerate(sorted({m for ms in book.partnership_modes.values() for m in ms}))
    }
    block_f: list[int] = []  # one block per firm × market: its firm, market and length
    block_m: list[int] = []
    block_n: list[int] = []
    ids: list[str] = []
    scores: list[float] = []
    adv_f, adv_m, exc_f, exc_m = [], [], [], []
    tgt_f, tgt_m, cur_f, cur_m = [], [], [], []
    for fi, f in enumerate(firms):
        for mm in f.modes:
            mi = m_index.get(mm.iso3)
            if mi is None or not mm.mode_ids:
                continue
            adv_f.append(fi)
            adv_m.append(mi)
            if mm.excluded:
                exc_f.append(fi)
                exc_m.append(mi)
            block_f.append(fi)
            block_m.append(mi)
            block_n.append(len(mm.mode_ids))
            ids += mm.mode_ids
            scores += mm.scores
        for iso3 in f.target_markets:
            if iso3 in m_index:
                tgt_f.append(fi)
                tgt_m.append(m_index[iso3])
        for iso3 in f.current_markets:
            if iso3 in m_index:
                cur_f.append(fi)
                cur_m.append(m_index[iso3])
    for m in dict.fromkeys(ids):
        k_index.setdefault(m, len(k_index))
    lengths = np.array(block_n, dtype=np.int64)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    positions = np.arange(int(lengths.sum())) - starts  # each mode's rank within its block
    rows = np.repeat(np.array(block_f, dtype=np.int64), lengths)
    cols = np.repeat(np.array(block_m, dtype=np.int64), lengths)
    modes = np.array([k_index[m] for m in ids], dtype=np.int64)
    shape = (len(firms), len(m_index))
    rank = np.full((*shape, len(k_index)), BIG_RANK, dtype=np.int32)
    score = np.zeros((*shape, len(k_index)))
    rank[rows, cols, modes] = positions
    score[rows, cols, modes] = scores
    flags = []
    for fs, ms in ((adv_f, adv_m), (exc_f, exc_m), (tgt_f, tgt_m), (cur_f, cur_m)):
        flag = np.zeros(shape, dtype=bool)
        flag[fs, ms] = True
        flags.append(flag)
    return rank, score, *flags, k_index


def score_matrix(
    firms: Sequence[SupplierProfile], demands: Sequence[Demand], book: MatchCriteria
) -> tuple[np.ndarray, np.ndarray]:
    """Scores (D × F, 0–100) and product-level codes (``LEVEL_CODES``) of every pair, vectorised.

    Rows are demands, columns firms, in the order given. Agrees with :func:`pair_points`.
    """
    nd, nf = len(demands), len(firms)
    if nd == 0 or nf == 0:
        return np.zeros((nd, nf)), np.zeros((nd, nf), dtype=np.int8)

    # product level
    level = np.zeros((nd, nf), dtype=np.int8)
    d_has = np.array([bool(d.hs_codes) for d in demands])
    f_has = np.array([bool(f.hs_codes) for f in firms])
    for digits, code in ((2, LEVEL_CODES["hs2"]), (4, LEVEL_CODES["hs4"]), (6, LEVEL_CODES["hs6"])):
        shared = _shared(
            [_prefixes(d.hs_codes, digits) for d in demands],
            [_prefixes(f.hs_codes, digits) for f in firms],
        )
        level[shared] = code  # finer levels overwrite coarser ones
    both = d_has[:, None] & f_has[None, :]
    level[~both] = 0
    industries = {
        i: n
        for n, i in enumerate(sorted({x.industry.id for x in (*firms, *demands) if x.industry}))
    }
    d_ind = np.array([industries[d.industry.id] if d.industry else -1 for d in demands])
    f_ind = np.array([industries[f.industry.id] if f.industry else -2 for f in firms])
    same_industry = (d_ind[:, None] == f_ind[None, :]) & ~both
    level[same_industry] = LEVEL_CODES["industry"]
    factor_of = np.zeros(max(LEVEL_CODES.values()) + 1)
    for name, code in LEVEL_CODES.items():
        if name is not None:
            factor_of[code] = book.product.levels[name].factor
    # Only candidate pairs (a product match) are scored further: typically a tenth of all.
    di, fi = np.nonzero(level)
    factor = factor_of[level[di, fi]]

    # certifications: share of the required ones held
    certs = sorted({c for d in demands for c in required_certifications(d)})
    if certs:
        idx = {c: i for i, c in enumerate(certs)}
        required = _incidence([set(required_certifications(d)) for d in demands], idx, np.float64)
        held = _incidence(
            [{c.id for c in f.certifications if c.id in idx} for f in firms], idx, np.float64
        )
        n_required = required.sum(axis=1)
        missing = np.einsum("pk,pk->p", required[di], 1.0 - held[fi])
        cert = np.where(n_required[di] > 0, 1.0 - missing / np.maximum(n_required[di], 1), 1.0)
    else:
        cert = np.ones(len(di))

    # capacity: spare capacity ÷ yearly volume, in steps
    volume = np.array(
        [
            d.annual_volume_usd if d.annual_volume_usd and d.annual_volume_usd > 0 else np.nan
            for d in demands
        ]
    )
    spare = np.array(
        [np.nan if f.spare_capacity_usd is None else f.spare_capacity_usd for f in firms]
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = spare[fi] / volume[di]
    capacity = np.full(len(di), book.unknown_points["capacity"])
    known = ~np.isnan(ratio)
    assigned = np.zeros(len(di), dtype=bool)
    for step in book.capacity_steps:
        hit = known & ~assigned & (ratio >= step.min_ratio)
        capacity[hit] = step.points
        assigned |= hit

    # readiness band, with the demand's minimum
    order = band_order(book)
    f_rank = np.array([order.get(f.band.id, -1) if f.band else -1 for f in firms])
    f_band = np.array(
        [book.band_points[f.band.id] if f.band and f.band.id in order else np.nan for f in firms]
    )
    d_min = np.array(
        [
            order[book.min_band[d.supplier_experience.id]]
            if d.supplier_experience and book.min_band.get(d.supplier_experience.id) is not None
            else -1
            for d in demands
        ]
    )
    readiness = np.where(
        f_rank[fi] < 0,
        book.unknown_points["readiness"],
        np.where(f_rank[fi] < d_min[di], 0.0, f_band[fi]),
    )

    # entry mode: rank of the best wanted mode among the firm's advised modes in the market
    markets = sorted({d.country for d in demands})
    m_index = {m: i for i, m in enumerate(markets)}
    rank, score, advised, excluded, target, current, k_index = _firm_market_arrays(
        firms, m_index, book
    )
    big = BIG_RANK
    # the distinct sets of wanted modes are few (partnership combinations): reduce the mode
    # axis per set on firms × markets, then pick each pair's cell
    wanted_sets: dict[tuple[int, ...], int] = {}
    d_set = np.array(
        [
            wanted_sets.setdefault(
                tuple(sorted(k_index[m] for m in sought_modes(d, book))), len(wanted_sets)
            )
            for d in demands
        ]
    )
    best_rank_by_set = np.full((nf, len(m_index), len(wanted_sets)), big, dtype=np.int32)
    best_score_by_set = np.zeros((nf, len(m_index), len(wanted_sets)))
    for ks, w in wanted_sets.items():
        if not ks:
            continue
        sub = rank[:, :, list(ks)]
        best_k = sub.argmin(axis=2)[..., None]
        best_rank_by_set[:, :, w] = np.take_along_axis(sub, best_k, axis=2)[..., 0]
        best_score_by_set[:, :, w] = np.take_along_axis(score[:, :, list(ks)], best_k, axis=2)[
            ..., 0
        ]
    d_market = np.array([m_index[d.country] for d in demands])
    pm, ps = d_market[di], d_set[di]
    best_rank = best_rank_by_set[fi, pm, ps]
    best_score = best_score_by_set[fi, pm, ps]
    has_wanted = np.array([bool(ks) for ks in wanted_sets])[ps]
    points = book.mode_points
    entry = np.where(
        best_rank < book.top_modes,
        points["compatible"],
        np.where(
            (best_rank < big) & (best_score >= book.acceptable_score),
            points["acceptable"],
            points["incompatible"],
        ),
    )
    entry = np.where(excluded[fi, pm], points["incompatible"], entry)
    entry = np.where(advised[fi, pm] & has_wanted, entry, book.unknown_points["entry_mode"])

    # target market
    mp = book.market_points
    market = np.where(
        target[fi, pm], mp["target"], np.where(current[fi, pm], mp["current"], mp["neither"])
    )

    weights = {c.id: c.weight for c in book.weighted}
    total = sum(weights.values())
    parts = {
        "certifications": cert,
        "capacity": capacity,
        "readiness": readiness,
        "entry_mode": entry,
        "target_market": market,
    }
    weighted = sum(weights[c] * parts[c] for c in WEIGHTED) / total
    scores = np.zeros((nd, nf))
    scores[di, fi] = 100.0 * factor * weighted
    return scores, level


def ranked_candidates(scores: np.ndarray, levels: np.ndarray, limit: int) -> list[list[int]]:
    """Per demand: the firm columns with a product match, best score first (ties: input
    order), at most ``limit`` of them."""
    out = []
    for row_scores, row_levels in zip(scores, levels, strict=True):
        candidates = np.flatnonzero(row_levels > 0)
        # rounded: the two implementations may differ in the last bits, never in the ranking
        order = candidates[np.lexsort((candidates, -np.round(row_scores[candidates], 6)))]
        out.append(order[:limit].tolist())
    return out
