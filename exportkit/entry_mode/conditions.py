"""Three-valued evaluation of rule conditions over named factors.

A clause over a factor whose value is unknown (``None``) is *unknown*, not false: the rule
then neither fires nor is silently dropped — the caller reports it as not evaluated, naming
the missing data. ``first`` lets a rule prefer one measure and fall back to another
(e.g. headcount, else revenue) without treating the absent one as a "no".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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


Check = Callable[[Mapping[str, Any]], Outcome]


def _compile_leaf(node: Mapping[str, Any], thresholds: Mapping[str, Threshold]) -> Check:
    name = node["factor"]
    op = next(k for k in node if k != "factor")
    target = node[op]
    missing = Outcome(None, frozenset({name}))
    used = frozenset({name})
    yes, no = Outcome(True, frozenset(), used), Outcome(False, frozenset(), used)
    if op in ("lt", "le", "gt", "ge"):
        limit = thresholds[target].value if isinstance(target, str) else float(target)
        compare = {
            "lt": lambda v: v < limit,
            "le": lambda v: v <= limit,
            "gt": lambda v: v > limit,
            "ge": lambda v: v >= limit,
        }[op]

        def check(factors: Mapping[str, Any]) -> Outcome:
            value = factors.get(name)
            if value is None:
                return missing
            return yes if compare(float(value)) else no

        return check
    if op == "in":
        allowed = {_norm(t) for t in target}
        test = lambda v: _norm(v) in allowed  # noqa: E731
    elif op == "eq":
        wanted = _norm(target)
        test = lambda v: _norm(v) == wanted  # noqa: E731
    elif op == "ne":
        wanted = _norm(target)
        test = lambda v: _norm(v) != wanted  # noqa: E731
    else:  # "is"
        flag = bool(target)
        test = lambda v: bool(v) is flag  # noqa: E731

    def check_value(factors: Mapping[str, Any]) -> Outcome:
        value = factors.get(name)
        if value is None:
            return missing
        return yes if test(value) else no

    return check_value


def compile_condition(node: Mapping[str, Any], thresholds: Mapping[str, Threshold]) -> Check:
    """A condition tree turned into a function of the factors (see ``evaluate``)."""
    comb = next((c for c in COMBINATORS if c in node), None)
    if comb is None:
        return _compile_leaf(node, thresholds)
    children = [compile_condition(child, thresholds) for child in node[comb]]

    def merged(outcomes: list[Outcome]) -> tuple[frozenset[str], frozenset[str]]:
        used = frozenset().union(*(o.used for o in outcomes))
        missing = frozenset().union(*(o.missing for o in outcomes))
        return used, missing

    # A node's outcome follows from its children's, and every outcome a check returns is one
    # of a few shared objects (a leaf's yes/no/missing, or one of these memos): the outcome
    # is looked up by the children's identities instead of merging sets for every firm ×
    # market. Each entry keeps the child outcomes its key names, so no id in a key is reused.
    memo: dict[tuple[int, ...], tuple[Outcome, tuple[Outcome, ...]]] = {}

    if comb == "first":

        def first(factors: Mapping[str, Any]) -> Outcome:
            outcomes = []
            for child in children:
                o = child(factors)
                if o.value is not None:
                    return o
                outcomes.append(o)
            key = tuple(map(id, outcomes))
            entry = memo.get(key)
            if entry is None:
                used, missing = merged(outcomes)
                entry = memo[key] = (Outcome(None, missing, used), tuple(outcomes))
            return entry[0]

        return first
    decisive = comb != "all"

    def combine(factors: Mapping[str, Any]) -> Outcome:
        outcomes = [child(factors) for child in children]
        key = tuple(map(id, outcomes))
        entry = memo.get(key)
        if entry is not None:
            return entry[0]
        used, missing = merged(outcomes)
        if any(o.value is decisive for o in outcomes):
            found = Outcome(decisive, frozenset(), used)
        elif any(o.value is None for o in outcomes):
            found = Outcome(None, missing, used)
        else:
            found = Outcome(not decisive, frozenset(), used)
        memo[key] = (found, tuple(outcomes))
        return found

    return combine


# Compiled conditions, keyed by the identity of the node and of its thresholds; the objects
# are kept in the entry so an id cannot be reused while it is cached.
_COMPILED: dict[tuple[int, int], tuple[Any, Any, Check]] = {}


def evaluate(
    node: Mapping[str, Any], factors: Mapping[str, Any], thresholds: Mapping[str, Threshold]
) -> Outcome:
    """Evaluate a condition tree (see ``data/entry_mode_rules.yaml`` for the grammar)."""
    key = (id(node), id(thresholds))
    entry = _COMPILED.get(key)
    if entry is None or entry[0] is not node or entry[1] is not thresholds:
        entry = (node, thresholds, compile_condition(node, thresholds))
        _COMPILED[key] = entry
    return entry[2](factors)
