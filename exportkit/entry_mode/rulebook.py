"""The entry-mode rule book: ``data/entry_mode_rules.yaml`` read, checked and typed.

The rules are data (thresholds, adjustments, bilingual texts, citations); this module only
loads them and refuses a file that is inconsistent, naming every problem at once.

>>> book = load_rulebook()
>>> [r.id for r in book.rules][:3]
['R1', 'R2', 'R3']
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from exportkit.errors import DefinitionError
from exportkit.i18n import load_user_yaml
from exportkit.models import Text
from exportkit.resources import data_file, load_yaml

NUMERIC_OPS = ("lt", "le", "gt", "ge")
VALUE_OPS = ("eq", "ne", "in", "is")
COMBINATORS = ("all", "any", "first")
# {evidence}: the factors that decided the condition, with their values (see explain.py)
RESERVED_PLACEHOLDERS = ("evidence",)
# Factors that only say which rules apply (goods or services firm): not evidence to quote.
GATE_FACTORS = frozenset({"services_firm"})


@dataclass(frozen=True, slots=True)
class Reference:
    """A source the rules cite: a short citation and the full reference."""

    key: str
    short: str
    full: str


@dataclass(frozen=True, slots=True)
class Mode:
    """An entry mode: its resource commitment (1 lowest), base score, name, and what it
    carries abroad (``offering``: ``goods``, ``services`` or both; a firm is ranked only on
    the modes for what it sells)."""

    id: str
    commitment: int
    base: float
    label: Text
    offering: tuple[str, ...] = ("goods",)


@dataclass(frozen=True, slots=True)
class Threshold:
    """A named limit the rules compare factors with, its unit, rationale and source."""

    name: str
    value: float
    unit: str
    rationale: Text
    source: str


@dataclass(frozen=True, slots=True)
class FactorInfo:
    """A factor the rules read: where it comes from, its unit and name."""

    name: str
    kind: str
    unit: str
    label: Text
    indicator_codes: tuple[str, ...] = ()
    dimension_keys: tuple[str, ...] = ()
    value_labels: dict[str, Text] = field(default_factory=dict)  # a text factor's values named


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: when it applies, the points it moves per mode, and why (with sources)."""

    id: str
    title: Text
    sources: tuple[str, ...]
    heuristic: bool
    when: dict[str, Any]
    adjust: dict[str, float]
    reason: Text
    veto: bool = False
    rests_on: tuple[tuple[str, Text], ...] = ()  # (reference key, what that source says)


@dataclass(frozen=True, slots=True)
class FitComponent:
    """One weighted part of the market fit: a factor scaled from ``low`` to ``high``."""

    id: str
    factor: str
    weight: float
    low: float
    high: float
    transform: str | None
    source: str
    title: Text
    reason: Text
    missing: Text


@dataclass(frozen=True, slots=True)
class FitAdjustment:
    """Points added to (or taken from) the market fit when a condition holds."""

    id: str
    points: float
    source: str
    when: dict[str, Any]
    reason: Text


@dataclass(frozen=True, slots=True)
class StagedStep:
    """From ``mode``, the possible next modes, each with the condition to move; ``once`` is
    the closing advice of a final mode (one with no next)."""

    mode: str
    next: tuple[tuple[str, Text], ...]
    once: Text | None = None


@dataclass(frozen=True, slots=True)
class Theme:
    """One of the programme's three strategy themes and the export driver type it follows
    from (``driver_types``: the questionnaire's type ids and names that select it)."""

    id: str
    label: Text
    description: Text
    driver_types: tuple[str, ...]
    driver_label: Text


@dataclass(frozen=True)
class RuleBook:
    """Everything the recommendation engine reads from the rules file."""

    version: str
    references: dict[str, Reference]
    modes: tuple[Mode, ...]
    factors: dict[str, FactorInfo]
    thresholds: dict[str, Threshold]
    rules: tuple[Rule, ...]
    fit_components: tuple[FitComponent, ...]
    fit_adjustments: tuple[FitAdjustment, ...]
    veto_rule: str
    min_next_score: float
    path_template: Text
    hold_text: Text
    final_template: Text
    staged: dict[str, StagedStep]
    themes: tuple[Theme, ...]
    theme_reason: Text
    theme_source: str
    theme_basis: Text = Text("", "")
    messages: dict[str, Text] = field(default_factory=dict)
    service_industries: tuple[str, ...] = ()
    path: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @cached_property
    def rule_sources(self) -> dict[str, str]:
        """Rule id → its short citation, marked "(heuristic)" where it is exportkit's own."""
        return {
            r.id: self.cite(r.sources) + (" (heuristic)" if r.heuristic else "") for r in self.rules
        }

    @cached_property
    def rule_factor_names(self) -> dict[str, tuple[str, ...]]:
        """Rule id → every factor its condition or reason text reads (for caching texts)."""
        out = {}
        for r in self.rules:
            names = {leaf["factor"] for leaf in condition_factors(r.when)}
            names |= (_placeholders(r.reason.zh_TW) | _placeholders(r.reason.en)) - set(
                RESERVED_PLACEHOLDERS
            )
            out[r.id] = tuple(sorted(names))
        return out

    @cached_property
    def market_rule_ids(self) -> frozenset[str]:
        """Rules that read market data only (whether the firm sells services aside): one
        outcome for every firm with the same market data."""
        kinds = {name: info.kind for name, info in self.factors.items()}
        return frozenset(
            r.id
            for r in self.rules
            if all(
                kinds.get(n) == "market" or n in GATE_FACTORS for n in self.rule_factor_names[r.id]
            )
        )

    @cached_property
    def firm_rule_ids(self) -> frozenset[str]:
        """Rules (the veto aside) that read the firm's own factors only: one outcome and one
        reason in every market of a firm."""
        kinds = {name: info.kind for name, info in self.factors.items()}
        return frozenset(
            r.id
            for r in self.rules
            if r.id != self.veto_rule
            and all(kinds.get(n) == "firm" for n in self.rule_factor_names[r.id])
        )

    @cached_property
    def mode_labels(self) -> dict[str, Text]:
        """Mode id → its name: the one name every output gives the mode."""
        return {m.id: m.label for m in self.modes}

    def modes_for(self, services: bool | None) -> tuple[Mode, ...]:
        """The modes a firm is ranked on: the services modes for a services firm, else goods."""
        offering = "services" if services else "goods"
        return tuple(m for m in self.modes if offering in m.offering)

    @cached_property
    def theme_labels(self) -> dict[str, Text]:
        """Strategy theme id → its name."""
        return {t.id: t.label for t in self.themes}

    def cite(self, keys: tuple[str, ...] | str) -> str:
        """Short citations for reference keys, e.g. ``"Root 1994; Hill, Hwang & Kim 1990"``."""
        keys = (keys,) if isinstance(keys, str) else keys
        return "; ".join(self.references[k].short for k in keys if k in self.references)


def _text(node: Any, where: str, problems: list[str]) -> Text:
    if not isinstance(node, dict):
        problems.append(f"{where}: expected zh_TW and en texts")
        return Text("", "")
    extra = set(node) - {"zh_TW", "en"}
    if extra:
        # usually an unquoted comma inside a YAML flow mapping splitting a text in two
        problems.append(f"{where}: unexpected keys {sorted(map(str, extra))} (quote the texts)")
    zh, en = node.get("zh_TW"), node.get("en")
    for lang, value in (("zh_TW", zh), ("en", en)):
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{where}: missing {lang} text")
    return Text(str(zh or ""), str(en or ""))


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def condition_factors(node: Any) -> list[dict[str, Any]]:
    """Every leaf clause of a condition tree (for validation and documentation)."""
    if isinstance(node, dict):
        for comb in COMBINATORS:
            if comb in node:
                return [leaf for child in node[comb] for leaf in condition_factors(child)]
        return [node]
    if isinstance(node, list):
        return [leaf for child in node for leaf in condition_factors(child)]
    return []


def _check_condition(
    node: Any, where: str, factors: dict, thresholds: dict, problems: list[str]
) -> None:
    if not isinstance(node, dict):
        problems.append(f"{where}: a condition must be a mapping")
        return
    combs = [c for c in COMBINATORS if c in node]
    if combs:
        if len(node) != 1 or not isinstance(node[combs[0]], list) or not node[combs[0]]:
            problems.append(f"{where}: {combs[0]} needs a non-empty list and nothing else")
            return
        for i, child in enumerate(node[combs[0]]):
            _check_condition(child, f"{where}.{combs[0]}[{i}]", factors, thresholds, problems)
        return
    name = node.get("factor")
    if name not in factors:
        problems.append(f"{where}: unknown factor {name!r}")
    ops = [k for k in node if k != "factor"]
    if len(ops) != 1 or ops[0] not in NUMERIC_OPS + VALUE_OPS:
        problems.append(f"{where}: needs exactly one operator of {NUMERIC_OPS + VALUE_OPS}")
        return
    op, value = ops[0], node[ops[0]]
    if op in NUMERIC_OPS:
        if isinstance(value, str) and value not in thresholds:
            problems.append(f"{where}: unknown threshold {value!r}")
        elif not isinstance(value, str | int | float) or isinstance(value, bool):
            problems.append(f"{where}: {op} needs a number or a threshold name")
    if op == "in" and not isinstance(value, list):
        problems.append(f"{where}: in needs a list")
    if op == "is" and not isinstance(value, bool):
        problems.append(f"{where}: is needs true or false")


def parse_rulebook(data: Any, path: str = "") -> RuleBook:
    """Check and type a parsed rules file; raises ``DefinitionError`` listing every problem."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise DefinitionError(
            f"{path}: the rules file must be a mapping", zh=f"{path}：規則檔必須是對照表（mapping）"
        )
    version = str(data.get("version") or "")
    if not version:
        problems.append("version: missing")

    refs = {}
    for key, ref in (data.get("references") or {}).items():
        if not isinstance(ref, dict) or not ref.get("short") or not ref.get("full"):
            problems.append(f"references.{key}: needs short and full")
            continue
        refs[key] = Reference(key, str(ref["short"]), str(ref["full"]))

    def need_source(keys: Any, where: str) -> tuple[str, ...]:
        keys = (keys,) if isinstance(keys, str) else tuple(keys or ())
        if not keys:
            problems.append(f"{where}: missing source")
        for key in keys:
            if key not in refs:
                problems.append(f"{where}: source {key!r} is not in references")
        return keys

    modes = []
    for i, m in enumerate(data.get("modes") or []):
        label = _text(m.get("label"), f"modes[{i}].label", problems)
        offering = tuple(str(o) for o in (m.get("offering") or ("goods",)))
        if set(offering) - set(OFFERINGS):
            problems.append(f"modes[{i}].offering: each must be one of {OFFERINGS}")
        modes.append(
            Mode(
                str(m.get("id")),
                int(m.get("commitment", 0)),
                float(m.get("base", 0)),
                label,
                offering,
            )
        )
    mode_ids = [m.id for m in modes]
    if len(set(mode_ids)) != len(mode_ids):
        problems.append("modes: duplicate ids")

    factors = {}
    for name, f in (data.get("factors") or {}).items():
        factors[name] = FactorInfo(
            name=name,
            kind=str(f.get("kind", "")),
            unit=str(f.get("unit", "")),
            label=_text(f.get("label"), f"factors.{name}.label", problems),
            indicator_codes=tuple(f.get("indicator_codes") or ()),
            dimension_keys=tuple(f.get("dimension_keys") or ()),
            value_labels={
                str(k): _text(v, f"factors.{name}.values.{k}", problems)
                for k, v in (f.get("values") or {}).items()
            },
        )
        if not f.get("from"):
            problems.append(f"factors.{name}: say where the value comes from (from:)")

    thresholds = {}
    for name, t in (data.get("thresholds") or {}).items():
        if not isinstance(t, dict) or not isinstance(t.get("value"), int | float):
            problems.append(f"thresholds.{name}: needs a numeric value")
            continue
        rationale = Text(str(t.get("rationale_zh_TW") or ""), str(t.get("rationale_en") or ""))
        if not rationale.zh_TW.strip() or not rationale.en.strip():
            problems.append(f"thresholds.{name}: needs rationale_zh_TW and rationale_en")
        if not t.get("unit"):
            problems.append(f"thresholds.{name}: needs a unit")
        need_source(t.get("source"), f"thresholds.{name}")
        thresholds[name] = Threshold(
            name, float(t["value"]), str(t.get("unit")), rationale, str(t.get("source"))
        )

    rules = []
    for i, r in enumerate(data.get("rules") or []):
        where = f"rules[{i}] ({r.get('id')})"
        if "heuristic" not in r or not isinstance(r["heuristic"], bool):
            problems.append(f"{where}: say heuristic: true or false")
        adjust = {str(k): float(v) for k, v in (r.get("adjust") or {}).items()}
        for mode in adjust:
            if mode not in mode_ids:
                problems.append(f"{where}: adjusts unknown mode {mode!r}")
        _check_condition(r.get("when"), f"{where}.when", factors, thresholds, problems)
        reason = _text(r.get("reason"), f"{where}.reason", problems)
        for name in _placeholders(reason.zh_TW) | _placeholders(reason.en):
            if name not in factors and name not in RESERVED_PLACEHOLDERS:
                problems.append(f"{where}.reason: placeholder {{{name}}} is not a factor")
        rests_on = []
        for j, basis in enumerate(r.get("rests_on") or []):
            key = basis.get("source") if isinstance(basis, dict) else None
            if key not in refs:
                problems.append(f"{where}.rests_on[{j}]: source {key!r} is not in references")
            says = _text((basis or {}).get("says"), f"{where}.rests_on[{j}].says", problems)
            rests_on.append((str(key), says))
        if not rests_on:
            problems.append(f"{where}: rests_on must say what each source says (source, says)")
        rules.append(
            Rule(
                id=str(r.get("id")),
                title=_text(r.get("title"), f"{where}.title", problems),
                sources=need_source(r.get("source"), where),
                heuristic=bool(r.get("heuristic")),
                when=r.get("when") or {},
                adjust=adjust,
                reason=reason,
                veto=bool(r.get("veto", False)),
                rests_on=tuple(rests_on),
            )
        )
    rule_ids = [r.id for r in rules]
    if len(set(rule_ids)) != len(rule_ids):
        problems.append("rules: duplicate ids")

    fit = data.get("market_fit") or {}
    components = []
    for i, c in enumerate(fit.get("components") or []):
        where = f"market_fit.components[{i}] ({c.get('id')})"
        scale = c.get("scale") or {}
        if c.get("factor") not in factors and c.get("factor") not in PRODUCT_FACTORS:
            problems.append(f"{where}: unknown factor {c.get('factor')!r}")
        if not isinstance(scale.get("low"), int | float) or not isinstance(
            scale.get("high"), int | float
        ):
            problems.append(f"{where}: scale needs numeric low and high")
            scale = {"low": 0, "high": 1}
        components.append(
            FitComponent(
                id=str(c.get("id")),
                factor=str(c.get("factor")),
                weight=float(c.get("weight", 0)),
                low=float(scale["low"]),
                high=float(scale["high"]),
                transform=c.get("transform"),
                source=need_source(c.get("source"), where)[0] if c.get("source") else "",
                title=_text(c.get("title"), f"{where}.title", problems),
                reason=_text(c.get("reason"), f"{where}.reason", problems),
                missing=_text(c.get("missing"), f"{where}.missing", problems),
            )
        )
    adjustments = []
    for i, a in enumerate(fit.get("adjustments") or []):
        where = f"market_fit.adjustments[{i}] ({a.get('id')})"
        _check_condition(a.get("when"), f"{where}.when", factors, thresholds, problems)
        adjustments.append(
            FitAdjustment(
                id=str(a.get("id")),
                points=float(a.get("points", 0)),
                source=need_source(a.get("source"), where)[0] if a.get("source") else "",
                when=a.get("when") or {},
                reason=_text(a.get("reason"), f"{where}.reason", problems),
            )
        )
    fit_ids = [c.id for c in components] + [a.id for a in adjustments]
    if len(set(fit_ids)) != len(fit_ids) or set(fit_ids) & set(rule_ids):
        problems.append("market_fit: ids must be unique and differ from rule ids")
    veto = str(fit.get("veto") or "")
    if veto not in rule_ids:
        problems.append(f"market_fit.veto: {veto!r} is not a rule id")

    paths = data.get("staged_paths") or {}
    staged = {}
    for mode, step in (paths.get("by_mode") or {}).items():
        where = f"staged_paths.by_mode.{mode}"
        if mode not in mode_ids:
            problems.append(f"staged_paths.by_mode: unknown mode {mode!r}")
        transitions = []
        for i, nxt in enumerate(step.get("next") or []):
            if not isinstance(nxt, dict) or nxt.get("mode") not in mode_ids:
                problems.append(f"{where}.next[{i}]: needs a known mode and its once: text")
                continue
            transitions.append(
                (nxt["mode"], _text(nxt.get("once"), f"{where}.next[{i}].once", problems))
            )
        final = None
        if not transitions:
            final = _text(step.get("once"), f"{where}.once", problems)
        staged[mode] = StagedStep(mode, tuple(transitions), final)
    for mode in mode_ids:
        if mode not in staged:
            problems.append(f"staged_paths.by_mode: no path for mode {mode!r}")

    theme_data = data.get("themes") or {}
    themes = []
    for i, th in enumerate(theme_data.get("items") or []):
        where = f"themes.items[{i}] ({th.get('id')})"
        driver_types = tuple(str(t) for t in th.get("driver_types") or ())
        if not driver_types:
            problems.append(f"{where}: name the driver types it follows from (driver_types)")
        themes.append(
            Theme(
                id=str(th.get("id")),
                label=_text(th.get("label"), f"{where}.label", problems),
                description=_text(th.get("description"), f"{where}.description", problems),
                driver_types=driver_types,
                driver_label=_text(th.get("driver_label"), f"{where}.driver_label", problems),
            )
        )
    claimed = [t for th in themes for t in th.driver_types]
    if len(set(claimed)) != len(claimed):
        problems.append("themes: a driver type may select one theme only")
    if len(themes) != 3:
        problems.append("themes: the plan has exactly three strategy themes")

    messages = {}
    for key in MESSAGE_KEYS:
        node = (data.get("messages") or {}).get(key)
        messages[key] = _text(node, f"messages.{key}", problems)

    if problems:
        raise DefinitionError(
            f"{path or 'entry-mode rules'}: " + "; ".join(problems),
            zh=f"{path or '進入模式規則'}：" + "；".join(problems),
        )
    return RuleBook(
        version=version,
        references=refs,
        modes=tuple(modes),
        factors=factors,
        thresholds=thresholds,
        rules=tuple(rules),
        fit_components=tuple(components),
        fit_adjustments=tuple(adjustments),
        veto_rule=veto,
        min_next_score=float(paths.get("min_next_score", 0)),
        path_template=_text(paths.get("template"), "staged_paths.template", problems),
        hold_text=_text(paths.get("hold"), "staged_paths.hold", problems),
        final_template=_text(paths.get("final_template"), "staged_paths.final_template", problems),
        staged=staged,
        themes=tuple(themes),
        theme_reason=_text(theme_data.get("reason"), "themes.reason", problems),
        theme_source=str(theme_data.get("source") or ""),
        theme_basis=_text(theme_data.get("basis"), "themes.basis", problems),
        messages=messages,
        service_industries=tuple(str(i) for i in data.get("service_industries") or ()),
        path=path,
        raw=data,
    )


# Sentences the engine wraps around rule texts (``messages:`` in the rules file).
MESSAGE_KEYS = (
    "not_evaluated",
    "no_market_data",
    "partial_showstopper",
    "no_theme",
    "decided_tie",
    "decided_prior",
    "decided_by_others",
    "would_decide",
    "would_decide_none",
)

# What a mode carries abroad: a firm selling goods is ranked on the goods modes, a services or
# software firm on the services modes (``Mode.offering``).
OFFERINGS = ("goods", "services")

# Product-view factors the market fit reads straight from the MarketProfile.
PRODUCT_FACTORS = ("imports_usd", "imports_growth_5y", "taiwan_share", "tariff")


@cache
def default_rulebook() -> RuleBook:
    """The rule book shipped with exportkit (``exportkit/data/entry_mode_rules.yaml``)."""
    return parse_rulebook(load_yaml(data_file("entry_mode_rules.yaml")), "entry_mode_rules.yaml")


def load_rulebook(path: str | Path | None = None) -> RuleBook:
    """The shipped rule book, or one from ``path`` (a consultant's calibrated copy)."""
    if path is None:
        return default_rulebook()
    data = load_user_yaml(path, "rules file", "規則檔")
    return parse_rulebook(data, str(path))
