"""The entry-mode engine's parts: the rule book (data), factors, and condition evaluation.

The public entry points are ``exportkit.recommend.recommend`` and
``exportkit.market_fit.rank_fit``.
"""

from exportkit.entry_mode.rulebook import RuleBook, default_rulebook, load_rulebook

__all__ = ["RuleBook", "default_rulebook", "load_rulebook"]
