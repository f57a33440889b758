"""Markets: how attractive each market is (``ranking``), what is known of it for a firm's
products (``profile``, the one MarketProfile builder), the product view (``product``) and
Taiwan's export potential (``potential``), all read from the market database.

The index method (dimensions, indicators, weights, normalisation) lives in
``exportkit/data/market_index.yaml`` (``spec``) and is explained in ``docs/markets.md``;
its arithmetic is in ``scoring`` (pure functions).
"""

from exportkit.markets.product import validate_hs_codes
from exportkit.markets.profile import (
    ProfileBuilder,
    combine_provenance,
    import_trend,
    market_profile,
    trade_evidence,
    trade_provenance,
    trade_provenance_many,
)
from exportkit.markets.ranking import rank_markets, rank_markets_many, resolve_markets
from exportkit.markets.spec import index_spec, load_weights, validate_weights

__all__ = [
    "ProfileBuilder",
    "combine_provenance",
    "import_trend",
    "index_spec",
    "load_weights",
    "market_profile",
    "rank_markets",
    "rank_markets_many",
    "resolve_markets",
    "trade_evidence",
    "trade_provenance",
    "trade_provenance_many",
    "validate_hs_codes",
    "validate_weights",
]
