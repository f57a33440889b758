"""Benchmark: match 1,000 firms × 500 demands, vectorised vs. a naive pairwise Python loop.

    python benchmarks/bench_match.py [--quick] [--firms N] [--demands M]

Builds N synthetic supplier profiles and M demands (seeded; realistic mixes of HS codes at 4 and
6 digits, services without HS codes, certifications, capacities, readiness bands, advised entry
modes in all 18 markets), then times in one run over the same data:
  match_s    exportkit.match.engine.score_matrix + ranking (numpy, all pairs at once)
  naive_s    the same scoring pair by pair (engine.pair_points in a Python loop) + ranking
and checks that both give the same scores and rankings. ``full_s`` is the whole
``match_demands`` (scoring, ranking and the bilingual explanation of every listed candidate).
The last line is one JSON object with firms, demands, match_s, naive_s, speedup, full_s and
peak_rss_mb; the line before it describes the machine. Targets: speedup >= 20, match_s < 10,
peak RSS < 500 MB. --quick (200 × 100) runs in well under a minute.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time

import numpy as np
from _machine import finish

from exportkit import countries
from exportkit.match.criteria import default_criteria
from exportkit.match.engine import naive_score_matrix, ranked_candidates, score_matrix
from exportkit.match.matching import match_demands
from exportkit.models import Text
from exportkit.models.demand import Coded, Demand
from exportkit.models.match import MarketModes, ModeScore, SupplierProfile
from exportkit.questionnaire.vocabulary import vocabulary

MODES = (
    "indirect_export",
    "direct_export",
    "cross_border_ecommerce",
    "licensing_alliance",
    "joint_venture",
    "wholly_owned_subsidiary",
)
BANDS = ("not_ready", "export_potential", "export_capable", "internationally_mature")


def _label(x: str) -> Text:
    return Text(x, x)


def _hs_pool(rng: random.Random) -> list[str]:
    chapters = rng.sample(range(1, 97), 40)
    return [
        f"{c:02d}{rng.randrange(1, 99):02d}{rng.randrange(10, 99):02d}"
        for c in chapters
        for _ in range(8)
    ]


def _codes(rng: random.Random, pool: list[str], k: int) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c if rng.random() < 0.7 else c[:4] for c in rng.sample(pool, k)))


def synthetic(n_firms: int, n_demands: int, seed: int = 0):
    """Seeded supplier profiles and demands shaped like real ones."""
    rng = random.Random(seed)
    pool = _hs_pool(rng)
    certs = [o.value for o in vocabulary("certifications")]
    industries = [o.value for o in vocabulary("industries")]
    partnerships = list(default_criteria().partnership_modes)
    markets = countries.NSB18
    firms = []
    for i in range(n_firms):
        service = rng.random() < 0.1
        modes = []
        for iso3 in markets:
            scores = sorted(((rng.randrange(0, 100), m) for m in MODES), reverse=True)
            modes.append(
                MarketModes(
                    iso3,
                    tuple(ModeScore(Coded(m, _label(m)), float(s)) for s, m in scores),
                    excluded=rng.random() < 0.03,
                    note=_label("excluded") if rng.random() < 0.03 else None,
                )
            )
        band = rng.choice(BANDS)
        firms.append(
            SupplierProfile(
                key=f"F{i:05d}",
                name=f"Firm {i}",
                file=f"f{i}.xlsx",
                industry=Coded(rng.choice(industries), _label("industry")),
                hs_codes=() if service else _codes(rng, pool, rng.randint(1, 4)),
                certifications=tuple(
                    Coded(c, _label(c)) for c in rng.sample(certs, rng.randint(0, 4))
                ),
                spare_capacity_usd=None if rng.random() < 0.1 else rng.lognormvariate(13, 1.5),
                readiness=rng.uniform(20, 95),
                band=Coded(band, _label(band)),
                driver_type=Coded(
                    rng.choice(("innovation", "resource", "capability")), _label("d")
                ),
                theme=Coded(
                    rng.choice(
                        ("technology_fusion", "market_cocreation", "manufacturing_complement")
                    ),
                    _label("t"),
                ),
                target_markets=tuple(rng.sample(markets, rng.randint(0, 4))),
                current_markets=tuple(rng.sample(markets, rng.randint(0, 3))),
                modes=tuple(modes),
            )
        )
    demands = []
    for j in range(n_demands):
        service = rng.random() < 0.1
        iso3 = rng.choice(markets)
        required = rng.sample(certs, rng.randint(0, 3))
        demands.append(
            Demand(
                id=f"D{j:05d}",
                file=f"d{j}.xlsx",
                organisation=f"Respondent {j}",
                respondent_type=Coded("buyer", _label("buyer")),
                country=iso3,
                country_name=_label(iso3),
                products="products",
                industry=Coded(rng.choice(industries), _label("industry")),
                hs_codes=() if service else _codes(rng, pool, rng.randint(1, 3)),
                annual_volume_usd=None if rng.random() < 0.15 else rng.lognormvariate(12.5, 1.2),
                partnerships=tuple(
                    Coded(p, _label(p)) for p in rng.sample(partnerships, rng.randint(1, 2))
                ),
                certifications=tuple(Coded(c, _label(c)) for c in required),
                supplier_experience=Coded(
                    rng.choice(("any", "exporting", "established")), _label("x")
                ),
                consent_to_share=rng.random() < 0.5,
            )
        )
    return firms, demands


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 firms × 100 demands")
    parser.add_argument("--firms", type=int, default=None)
    parser.add_argument("--demands", type=int, default=None)
    args = parser.parse_args()
    n_firms = args.firms or (200 if args.quick else 1000)
    n_demands = args.demands or (100 if args.quick else 500)
    book = default_criteria()

    t0 = time.perf_counter()
    firms, demands = synthetic(n_firms, n_demands)
    build_s = time.perf_counter() - t0
    print(f"built {n_firms} firms × {n_demands} demands in {build_s:.1f} s", file=sys.stderr)

    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        scores, levels = score_matrix(firms, demands, book)
        ranked = ranked_candidates(scores, levels, book.max_candidates)
        best = min(best, time.perf_counter() - t0)
    match_s = best
    print(f"vectorised scoring + ranking: {match_s:.3f} s (best of 3)", file=sys.stderr)

    t0 = time.perf_counter()
    naive_scores, naive_levels = naive_score_matrix(firms, demands, book)
    naive_ranked = ranked_candidates(naive_scores, naive_levels, book.max_candidates)
    naive_s = time.perf_counter() - t0
    print(f"naive pairwise loop: {naive_s:.2f} s", file=sys.stderr)
    if not (np.array_equal(levels, naive_levels) and np.allclose(scores, naive_scores)):
        raise SystemExit("the vectorised and the naive scoring disagree")
    if ranked != naive_ranked:
        raise SystemExit("the vectorised and the naive ranking disagree")

    t0 = time.perf_counter()
    result = match_demands(firms, demands, book)
    full_s = time.perf_counter() - t0
    listed = sum(len(o.matches) for o in result.outcomes)
    print(
        f"match_demands (scoring, ranking, {listed} explanations): {full_s:.2f} s", file=sys.stderr
    )

    print(
        f"pairs={n_firms * n_demands} candidates={int((levels > 0).sum())} listed={listed}",
        file=sys.stderr,
    )
    finish(
        {
            "benchmark": "match",
            "firms": n_firms,
            "demands": n_demands,
            "match_s": round(match_s, 3),
            "naive_s": round(naive_s, 3),
            "speedup": round(naive_s / match_s, 1),
            "full_s": round(full_s, 3),
            "peak_rss_mb": round(rss_mb(), 1),
        },
        libs=["numpy"],
        baseline="the same scoring pair by pair in a Python loop, same data (naive_s)",
    )


if __name__ == "__main__":
    main()
