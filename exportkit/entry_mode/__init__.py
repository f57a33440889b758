"""Entry mode: which markets fit a firm (``fit``) and how to enter each one (``recommend``).

Both read one rule book (``rulebook``: ``data/entry_mode_rules.yaml`` typed and checked),
named factors of the firm and the market (``factors``), and three-valued conditions
(``conditions``); reason sentences are filled in ``explain``.
"""

from exportkit.entry_mode.fit import fit_market, rank_fit
from exportkit.entry_mode.recommend import choose_theme, recommend, recommend_markets
from exportkit.entry_mode.rulebook import RuleBook, default_rulebook, load_rulebook

__all__ = [
    "RuleBook",
    "choose_theme",
    "default_rulebook",
    "fit_market",
    "load_rulebook",
    "rank_fit",
    "recommend",
    "recommend_markets",
]
