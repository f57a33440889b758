"""Three-valued evaluation of rule conditions over named factors.

A clause over a factor whose value is unknown (``None``) is *unknown*, not false: the rule
then neither fires nor is silently dropped — the caller reports it as not evaluated, naming
the missing data. ``first`` lets a rule prefer one measure and fall back to another
(e.g. headcount, else revenue) without treating the absent one as a "no".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from exportkit.entry_mode.rulebook import COMBINATORS, Threshold


@dataclass(frozen=True, slots=True)
class Outcome:
    """``value`` is True, False or None (unknown); ``missing`` names the unknown factors."""

    value: bool | None
    missing: frozenset[str] = frozenset()
    used: frozenset[str] = frozenset()


def _norm(value: Any) -> Any:
    return value.strip().casefold() if isinstance(value, str) else value


def _leaf(node: Mapping[str, Any], factors: Mapping[str, Any], thresholds) -> Outcome:
    name = node["factor"]
    value = factors.get(name)
    if value is None:
        return Outcome(None, frozenset({name}))
    op = next(k for k in node if k != "factor")
    target = node[op]
    used = frozenset({name})
    if op in ("lt", "le", "gt", "ge"):
        limit = thresholds[target].value if isinstance(target, str) else float(target)
        v = float(value)
        result = {"lt": v < limit, "le": v <= limit, "gt": v > limit, "ge": v >= limit}[op]
    elif op == "eq":
        result = _norm(value) == _norm(target)
    elif op == "ne":
        result = _norm(value) != _norm(target)
    elif op == "in":
        result = _norm(value) in {_norm(t) for t in target}
    else:  # "is"
        result = bool(value) is bool(target)
    return Outcome(result, frozenset(), used)


def evaluate(
    node: Mapping[str, Any], factors: Mapping[str, Any], thresholds: Mapping[str, Threshold]
) -> Outcome:
    """Evaluate a condition tree (see ``data/entry_mode_rules.yaml`` for the grammar)."""
    comb = next((c for c in COMBINATORS if c in node), None)
    if comb is None:
        return _leaf(node, factors, thresholds)
    outcomes = [evaluate(child, factors, thresholds) for child in node[comb]]
    used = frozenset().union(*(o.used for o in outcomes))
    missing = frozenset().union(*(o.missing for o in outcomes))
    if comb == "first":
        for o in outcomes:
            if o.value is not None:
                return o
        return Outcome(None, missing, used)
    decisive = False if comb == "all" else True
    if any(o.value is decisive for o in outcomes):
        return Outcome(decisive, frozenset(), used)
    if any(o.value is None for o in outcomes):
        return Outcome(None, missing, used)
    return Outcome(not decisive, frozenset(), used)
