"""Match firms with demands: score every pair, rank the candidates, explain the listed ones.

>>> from exportkit.models import Coded, Demand, SupplierProfile, Text
>>> iso = Coded("iso9001", Text("ISO 9001", "ISO 9001"))
>>> firm = SupplierProfile("acme", "Acme", "acme.xlsx", hs_codes=("846693",),
...                        certifications=(iso,), spare_capacity_usd=2e6, target_markets=("THA",))
>>> def wanted(id_, hs):
...     return Demand(id_, f"{id_}.xlsx", id_, Coded("buyer", Text("買主", "Buyer")), "THA",
...                   Text("泰國", "Thailand"), "parts", hs_codes=(hs,), certifications=(iso,),
...                   annual_volume_usd=5e5)
>>> result = match_demands([firm], [wanted("spindles", "846693"), wanted("tea", "090230")])
>>> [(o.demand.id, o.status, [(m.firm_key, m.product_level) for m in o.proposed])
...  for o in result.outcomes]
[('spindles', 'matched', [('acme', 'hs6')]), ('tea', 'unmatched', [])]
"""

from __future__ import annotations

from collections.abc import Sequence

from exportkit.match.criteria import MatchCriteria, default_criteria
from exportkit.match.engine import naive_score_matrix, ranked_candidates, score_matrix
from exportkit.match.explain import _fill, explain
from exportkit.models import Text
from exportkit.models.demand import Demand
from exportkit.models.match import DemandOutcome, MatchResult, SupplierProfile

METHODS = ("vector", "naive")


def unmatched_reason(demand: Demand, best: float | None, n: int, book: MatchCriteria) -> Text:
    """Why a demand has no proposed firm: nobody makes the product, or nobody scores enough."""
    if not n:
        industry = demand.industry.label if demand.industry else Text("產業未填", "no industry")
        codes = ", ".join(demand.hs_codes) or "—"
        return _fill(book.unmatched["no_product"], codes=codes, industry=industry)
    return _fill(
        book.unmatched["below_minimum"],
        n=n,
        best=f"{best:.0f}",
        minimum=f"{book.min_score:.0f}",
    )


def match_demands(
    firms: Sequence[SupplierProfile],
    demands: Sequence[Demand],
    criteria: MatchCriteria | None = None,
    *,
    method: str = "vector",
) -> MatchResult:
    """Every demand with its candidate firms (best first, at most ``max_candidates``), each
    explained; a demand no firm can serve is kept, as ``unmatched`` with the reason.

    ``method="naive"`` scores pair by pair in plain Python (same result, for comparison).
    """
    book = criteria or default_criteria()
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    firms, demands = list(firms), list(demands)
    scorer = score_matrix if method == "vector" else naive_score_matrix
    scores, levels = scorer(firms, demands, book)
    ranked = ranked_candidates(scores, levels, book.max_candidates)
    outcomes = []
    for d, (demand, columns) in enumerate(zip(demands, ranked, strict=True)):
        matches = tuple(
            explain(firms[f], demand, book, rank=r, score=scores[d, f])
            for r, f in enumerate(columns, start=1)
        )
        proposed = [m for m in matches if m.proposed]
        if proposed:
            outcomes.append(DemandOutcome(demand, matches, "matched"))
        else:
            best = matches[0].score if matches else None
            reason = unmatched_reason(demand, best, int((levels[d] > 0).sum()), book)
            outcomes.append(DemandOutcome(demand, matches, "unmatched", reason))
    return MatchResult(tuple(firms), tuple(outcomes), book.info(), book.version)
