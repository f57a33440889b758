"""Matchmaking engine: overseas demands (the market-demand survey) × firms as suppliers.

Pure, like ``entry_mode``: it reads only the model and its own data file. ``criteria`` (the
cited criteria book, ``data/match_criteria.yaml``), ``engine`` (vectorised scoring and its
plain-Python reference), ``explain`` (reasons and gaps in both languages), ``matching`` (rank
and explain), ``meetings`` (the exchange-meeting plan). Reading the workbooks, advising entry
modes and writing the outputs is orchestration: :func:`exportkit.assess.run_match`.

>>> from exportkit.match import default_criteria, match_demands
>>> book = default_criteria()
>>> book.demand_questionnaire, sum(c.weight for c in book.weighted)
('market-demand', 100.0)
>>> match_demands([], [], book).outcomes
()
"""

from exportkit.match.criteria import MatchCriteria, default_criteria, load_criteria
from exportkit.match.matching import match_demands
from exportkit.match.meetings import plan_meetings

__all__ = ["MatchCriteria", "default_criteria", "load_criteria", "match_demands", "plan_meetings"]
