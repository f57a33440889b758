"""Taiwan's export potential per market, read from the market database.

The arithmetic is ``exportkit.analytics.potential`` (frames in, figures out); this module only
asks the store for the frames it needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields

import pandas as pd

from exportkit.analytics.potential import (
    TOTAL,
    TRADE_COLUMNS,
    PotentialSets,
    ease_from_distance,
    export_potential,
    potential_partners,
    stored_codes,
    tariff_codes,
)
from exportkit.markets.inputs import taiwan_export_series
from exportkit.models import ExportPotential, PotentialSummary, Tariff
from exportkit.store import Store

DISTANCE = "CEPII.DIST.TWN"


def potential_sets(
    store: Store,
    markets: Sequence[str],
    code_sets: Sequence[Sequence[str]],
    *,
    exporter: str = "TWN",
) -> PotentialSets:
    """Export potential per market for many HS-code sets (an empty set: all goods stored),
    from one read of the flows every set needs and the markets' tariffs on them."""
    all_goods = any(len(s) == 0 for s in code_sets)
    asked = sorted({c for s in code_sets for c in s})
    flows = store.potential_flows(potential_partners(), None if all_goods else asked)
    stored = stored_codes(flows)
    tariffs = store.tariff_frame(markets, tariff_codes(stored)) if stored else None
    ease = distance_ease(store, markets) if stored and exporter == "TWN" else None
    return PotentialSets(
        flows, markets, code_sets, tariffs=tariffs, exporter=exporter, distance_ease=ease
    )


def distance_ease(store: Store, markets: Sequence[str]) -> dict[str, float]:
    """The ease term from distance (CEPII GeoDist, Taiwan ↔ market) weighted by Taiwan's
    exports to the markets (MOF), for markets whose all-goods totals are missing."""
    distances = store.latest_indicators(markets, [DISTANCE])
    series = taiwan_export_series(store, markets)
    exports = {m: float(f["value"].iloc[-1]) for m, f in series.items() if len(f)}
    km = {m: float(i.value) for (m, _), i in distances.items() if i.value is not None}
    return ease_from_distance(km, exports)


def market_potentials(
    store: Store, markets: Sequence[str], hs_codes: Sequence[str] = (), *, exporter: str = "TWN"
) -> list[PotentialSummary]:
    """Export potential per market for ``hs_codes`` summed (empty: all goods stored)."""
    sets = potential_sets(store, markets, [tuple(hs_codes)], exporter=exporter)
    return sets.summaries(tuple(hs_codes))


def potential_from_store(
    store: Store,
    markets: Sequence[str],
    hs_codes: Sequence[str],
    *,
    exporter: str = "TWN",
    year: int | None = None,
) -> list[ExportPotential]:
    """:func:`~exportkit.analytics.potential.export_potential` of ``hs_codes`` on the flows and
    tariffs of ``markets`` in the store.

    Reads ``trade_flows(reporters, hs_codes, partners=None, years=None)`` and
    ``tariffs(reporter, hs_codes)``. All markets in the store that report imports form the
    "world" when no WLD reporter row exists (flagged ``supply_world_is_subset``).
    """
    codes = list(dict.fromkeys([*hs_codes, TOTAL]))
    flows = store.trade_flows(list(markets), codes, partners=None, years=[year] if year else None)
    if flows is None or len(flows) == 0:
        flows = pd.DataFrame(columns=TRADE_COLUMNS)
    rows = [t for market in markets for t in store.tariffs(market, list(hs_codes))]
    tariffs = pd.DataFrame([{f.name: getattr(t, f.name) for f in fields(Tariff)} for t in rows])
    return export_potential(
        flows, markets, hs_codes, exporter=exporter, year=year, tariffs=tariffs if rows else None
    )
