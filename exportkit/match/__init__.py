"""Matchmaking: overseas demands (the market-demand survey) × firms (the readiness questionnaire).

The engine is pure: ``criteria`` (the data file), ``engine`` (vectorised scoring and its
plain-Python reference), ``explain`` (reasons and gaps), ``matching`` (rank and explain),
``meetings`` (the exchange-meeting plan). ``exportkit.match.run.run_match`` is the
orchestration behind ``exportkit match``: read workbooks, score readiness, advise entry modes,
match, plan meetings and write the outputs.

>>> from exportkit.match import default_criteria, match_demands
>>> default_criteria().demand_questionnaire
'market-demand'
"""

from exportkit.match.criteria import MatchCriteria, default_criteria, load_criteria
from exportkit.match.matching import match_demands

__all__ = ["MatchCriteria", "default_criteria", "load_criteria", "match_demands"]
