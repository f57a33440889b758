"""The matchmaking book: ``data/match_criteria.yaml`` read, checked and typed.

Criteria, weights, thresholds and every text of the matcher are data; this module only loads
them and refuses a file that is inconsistent, naming every problem at once. The certification
ids the file names are checked against ``certifications`` when the caller passes the shared
vocabulary (``exportkit.assess.match`` does: the vocabulary belongs to the questionnaires).

>>> book = default_criteria()
>>> sum(c.weight for c in book.weighted), book.product.levels["hs6"].factor
(100.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from exportkit.errors import DefinitionError
from exportkit.i18n import load_user_yaml
from exportkit.models import Text
from exportkit.models.match import CriterionInfo
from exportkit.resources import data_file, load_yaml

PRODUCT_LEVELS = ("hs6", "hs4", "hs2", "industry")
WEIGHTED = ("certifications", "capacity", "readiness", "entry_mode", "target_market")
REASON_KEYS = {
    "certifications": ("none_required", "all_held", "some_missing", "none_held"),
    "capacity": ("enough", "partial", "short", "no_volume", "no_capacity"),
    "readiness": ("band", "meets", "below", "unknown"),
    "entry_mode": ("compatible", "acceptable", "incompatible", "excluded", "unknown"),
    "target_market": ("target", "current", "neither"),
}
HAS_GAP = ("certifications", "capacity", "readiness", "entry_mode")


@dataclass(frozen=True, slots=True)
class ProductLevel:
    """One level of product match (HS6, HS4, HS2, industry): its factor and reason."""

    factor: float
    reason: Text


@dataclass(frozen=True, slots=True)
class ProductRule:
    """The product criterion: a factor on the score, by the level the codes match at."""

    title: Text
    source: str
    heuristic: bool
    levels: dict[str, ProductLevel]
    none: Text


@dataclass(frozen=True, slots=True)
class Criterion:
    """One weighted criterion; ``params`` holds its own numbers (steps, maps, thresholds)."""

    id: str
    title: Text
    weight: float
    source: str
    heuristic: bool
    reasons: dict[str, Text]
    gap: Text | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CapacityStep:
    """Points for spare capacity of at least ``min_ratio`` × the demand's yearly value."""

    min_ratio: float
    points: float
    status: str


@dataclass(frozen=True, slots=True)
class AgendaStep:
    """One point of a meeting's agenda; its minutes may count per demand, firm or pair."""

    text: Text
    minutes: int = 0
    per: str | None = None  # "demand" | "firm" | "pair": minutes are per one of those


@dataclass(frozen=True)
class MatchCriteria:
    """Everything the matcher reads from the criteria file."""

    version: str
    demand_questionnaire: str
    references: dict[str, str]
    min_score: float
    strong_score: float
    max_candidates: int
    product: ProductRule
    criteria: dict[str, Criterion]
    capacity_item: str
    spare_share: dict[int, float]
    ntd_per_usd: float
    capacity_steps: tuple[CapacityStep, ...]
    band_points: dict[str, float]
    min_band: dict[str, str | None]
    partnership_modes: dict[str, tuple[str, ...]]
    top_modes: int
    acceptable_score: float
    mode_points: dict[str, float]
    market_points: dict[str, float]
    unknown_points: dict[str, float]
    other_gap: Text
    certification_hints: dict[str, Text]
    unmatched: dict[str, Text]
    anonymous: Text
    anonymous_types: dict[str, Text]
    meeting_title: Text
    no_theme: Text
    no_driver: Text
    agenda: tuple[AgendaStep, ...]
    prepare_by_theme: dict[str, Text]
    prepare_by_partnership: dict[str, Text]
    samples: Text
    meeting_source: str
    path: str = ""

    @property
    def weighted(self) -> tuple[Criterion, ...]:
        return tuple(self.criteria[c] for c in WEIGHTED)

    def cite(self, keys: tuple[str, ...] | list[str] | str) -> str:
        """The short references of ``keys``, joined (unknown keys are left out)."""
        keys = (keys,) if isinstance(keys, str) else keys
        return "; ".join(self.references[k] for k in keys if k in self.references)

    def info(self) -> tuple[CriterionInfo, ...]:
        """The criteria as outputs document them (the product factor first, weight 0)."""
        product = CriterionInfo(
            "product", self.product.title, 0.0, self.product.source, self.product.heuristic
        )
        return (product,) + tuple(
            CriterionInfo(c.id, c.title, c.weight, c.source, c.heuristic) for c in self.weighted
        )


class _Reader:
    def __init__(self, where: str, references: dict[str, str]) -> None:
        self.where = where
        self.problems: list[str] = []
        self.references = references

    def text(self, node: Any, path: str) -> Text:
        if not isinstance(node, dict):
            self.problems.append(f"{path}: expected {{zh-TW: ..., en: ...}}")
            return Text("", "")
        extra = set(node) - {"zh-TW", "en"}
        if extra:
            self.problems.append(f"{path}: unexpected keys {sorted(map(str, extra))}")
        zh, en = node.get("zh-TW"), node.get("en")
        for lang, value in (("zh-TW", zh), ("en", en)):
            if not isinstance(value, str) or not value.strip():
                self.problems.append(f"{path}: missing {lang} text")
        return Text(str(zh or "").strip(), str(en or "").strip())

    def number(self, node: Any, path: str, low: float = 0.0, high: float = 1.0) -> float:
        if isinstance(node, bool) or not isinstance(node, int | float) or not low <= node <= high:
            self.problems.append(
                f"{path}: expected a number from {low:g} to {high:g}, found {node!r}"
            )
            return 0.0
        return float(node)

    def source(self, node: Any, path: str) -> str:
        keys = [node] if isinstance(node, str) else list(node or [])
        if not keys:
            self.problems.append(f"{path}: missing source")
        for key in keys:
            if key not in self.references:
                self.problems.append(f"{path}: source {key!r} is not in references")
        return "; ".join(self.references.get(k, k) for k in keys)

    def heuristic(self, node: Any, path: str) -> bool:
        if not isinstance(node, bool):
            self.problems.append(f"{path}: say heuristic: true or false")
        return bool(node)


def parse_criteria(
    data: Any,
    where: str = "match_criteria.yaml",
    *,
    certifications: Collection[str] | None = None,
) -> MatchCriteria:
    """Check and type a parsed criteria file; ``DefinitionError`` lists every problem.

    ``certifications``: the ids of the shared certification vocabulary; a hint for any other
    id is a problem (None: not checked).
    """
    if not isinstance(data, dict):
        raise DefinitionError(
            f"{where}: the criteria file must be a mapping",
            zh=f"{where}：準則檔必須是對照表（mapping）",
        )
    refs = {}
    for key, ref in (data.get("references") or {}).items():
        if isinstance(ref, dict) and ref.get("short") and ref.get("full"):
            refs[str(key)] = str(ref["short"])
    r = _Reader(where, refs)
    for key in data.get("references") or {}:
        if str(key) not in refs:
            r.problems.append(f"references.{key}: needs short and full")
    version = str(data.get("version") or "")
    if not version:
        r.problems.append("version: missing")
    demand_questionnaire = str(data.get("demand_questionnaire") or "")
    if not demand_questionnaire:
        r.problems.append("demand_questionnaire: name the market-demand questionnaire id")

    thresholds = data.get("thresholds") or {}
    limits = {}
    for name, high in (("min_score", 100), ("strong_score", 100), ("max_candidates", 10_000)):
        t = thresholds.get(name) or {}
        limits[name] = r.number(t.get("value"), f"thresholds.{name}.value", 0, high)
        r.text(t.get("rationale"), f"thresholds.{name}.rationale")
        r.source(t.get("source"), f"thresholds.{name}.source")
    if limits["strong_score"] < limits["min_score"]:
        r.problems.append("thresholds: strong_score must be at least min_score")

    raw_product = data.get("product") or {}
    levels = {}
    for level in PRODUCT_LEVELS:
        node = (raw_product.get("levels") or {}).get(level) or {}
        levels[level] = ProductLevel(
            r.number(node.get("factor"), f"product.levels.{level}.factor"),
            r.text(node.get("reason"), f"product.levels.{level}.reason"),
        )
    if not levels["hs6"].factor >= levels["hs4"].factor >= levels["hs2"].factor > 0:
        r.problems.append("product.levels: factors must fall from hs6 to hs4 to hs2 and stay > 0")
    product = ProductRule(
        title=r.text(raw_product.get("title"), "product.title"),
        source=r.source(raw_product.get("source"), "product.source"),
        heuristic=r.heuristic(raw_product.get("heuristic"), "product.heuristic"),
        levels=levels,
        none=r.text(raw_product.get("none"), "product.none"),
    )

    raw = data.get("criteria") or {}
    if set(raw) != set(WEIGHTED):
        r.problems.append(f"criteria: expected exactly {', '.join(WEIGHTED)}")
    criteria = {}
    for cid in WEIGHTED:
        node = raw.get(cid) or {}
        where_c = f"criteria.{cid}"
        reasons = {
            key: r.text((node.get("reasons") or {}).get(key), f"{where_c}.reasons.{key}")
            for key in REASON_KEYS[cid]
        }
        criteria[cid] = Criterion(
            id=cid,
            title=r.text(node.get("title"), f"{where_c}.title"),
            weight=r.number(node.get("weight"), f"{where_c}.weight", 0, 100),
            source=r.source(node.get("source"), f"{where_c}.source"),
            heuristic=r.heuristic(node.get("heuristic"), f"{where_c}.heuristic"),
            reasons=reasons,
            gap=r.text(node.get("gap"), f"{where_c}.gap") if cid in HAS_GAP else None,
            params=dict(node),
        )
    total = sum(c.weight for c in criteria.values())
    if abs(total - 100) > 1e-6:
        r.problems.append(f"criteria: weights sum to {total:g}, expected 100")

    cert = raw.get("certifications") or {}
    hints = {}
    for cid, node in (cert.get("hints") or {}).items():
        if certifications is not None and cid not in certifications:
            r.problems.append(f"criteria.certifications.hints.{cid}: not in the vocabulary")
        hints[str(cid)] = r.text(node, f"criteria.certifications.hints.{cid}")

    cap = raw.get("capacity") or {}
    spare = {}
    for key, share in (cap.get("spare_share") or {}).items():
        spare[int(key)] = r.number(share, f"criteria.capacity.spare_share.{key}")
    if sorted(spare) != [1, 2, 3, 4, 5]:
        r.problems.append("criteria.capacity.spare_share: needs answers 1 to 5")
    fx = cap.get("ntd_per_usd") or {}
    ntd_per_usd = r.number(fx.get("value"), "criteria.capacity.ntd_per_usd.value", 1, 1000)
    r.source(fx.get("source"), "criteria.capacity.ntd_per_usd.source")
    r.text(fx.get("rationale"), "criteria.capacity.ntd_per_usd.rationale")
    steps = []
    for i, step in enumerate(cap.get("steps") or []):
        steps.append(
            CapacityStep(
                r.number(step.get("min_ratio"), f"criteria.capacity.steps[{i}].min_ratio", 0, 1e6),
                r.number(step.get("points"), f"criteria.capacity.steps[{i}].points"),
                str(step.get("status")),
            )
        )
    if (
        not steps
        or steps[-1].min_ratio != 0
        or any(a.min_ratio <= b.min_ratio for a, b in zip(steps, steps[1:], strict=False))
    ):
        r.problems.append("criteria.capacity.steps: falling min_ratio, the last one 0")

    ready = raw.get("readiness") or {}
    band_points = {
        str(k): r.number(v, f"criteria.readiness.band_points.{k}")
        for k, v in (ready.get("band_points") or {}).items()
    }
    min_band = {
        str(k): (None if v is None else str(v)) for k, v in (ready.get("min_band") or {}).items()
    }
    for key, band in min_band.items():
        if band is not None and band not in band_points:
            r.problems.append(f"criteria.readiness.min_band.{key}: unknown band {band!r}")

    mode = raw.get("entry_mode") or {}
    partnership_modes = {
        str(k): tuple(str(m) for m in v) for k, v in (mode.get("partnership_modes") or {}).items()
    }
    if not partnership_modes or not all(partnership_modes.values()):
        r.problems.append("criteria.entry_mode.partnership_modes: every partnership needs modes")
    mode_points = {
        k: r.number((mode.get("points") or {}).get(k), f"criteria.entry_mode.points.{k}")
        for k in ("compatible", "acceptable", "incompatible")
    }
    market = raw.get("target_market") or {}
    market_points = {
        k: r.number((market.get("points") or {}).get(k), f"criteria.target_market.points.{k}")
        for k in ("target", "current", "neither")
    }
    unknown = {
        cid: r.number((raw.get(cid) or {}).get("unknown_points"), f"criteria.{cid}.unknown_points")
        for cid in ("capacity", "readiness", "entry_mode")
    }

    unmatched = {
        k: r.text((data.get("unmatched") or {}).get(k), f"unmatched.{k}")
        for k in ("no_product", "below_minimum")
    }
    anon = data.get("anonymous") or {}
    anonymous_types = {
        str(k): r.text(v, f"anonymous.types.{k}") for k, v in (anon.get("types") or {}).items()
    }
    meet = data.get("meetings") or {}
    agenda = []
    for i, step in enumerate(meet.get("agenda") or []):
        per = next((p for p in ("demand", "firm", "pair") if f"minutes_per_{p}" in step), None)
        minutes = step.get(f"minutes_per_{per}") if per else step.get("minutes")
        if not isinstance(minutes, int) or minutes <= 0:
            r.problems.append(f"meetings.agenda[{i}]: needs minutes (or minutes_per_…) > 0")
            minutes = 0
        agenda.append(
            AgendaStep(r.text(step.get("text"), f"meetings.agenda[{i}].text"), minutes, per)
        )
    if not agenda:
        r.problems.append("meetings.agenda: expected a non-empty list")
    by_partnership = {
        str(k): r.text(v, f"meetings.prepare_by_partnership.{k}")
        for k, v in (meet.get("prepare_by_partnership") or {}).items()
    }
    if set(by_partnership) != set(partnership_modes):
        r.problems.append("meetings.prepare_by_partnership: one text per partnership")

    if r.problems:
        shown = "\n  ".join(r.problems[:30])
        raise DefinitionError(
            f"{where}: invalid matching criteria:\n  {shown}",
            zh=f"{where}：媒合準則有誤：\n  {shown}",
        )
    return MatchCriteria(
        version=version,
        demand_questionnaire=demand_questionnaire,
        references=refs,
        min_score=limits["min_score"],
        strong_score=limits["strong_score"],
        max_candidates=max(1, int(limits["max_candidates"])),
        product=product,
        criteria=criteria,
        capacity_item=str(cap.get("item") or ""),
        spare_share=spare,
        ntd_per_usd=ntd_per_usd,
        capacity_steps=tuple(steps),
        band_points=band_points,
        min_band=min_band,
        partnership_modes=partnership_modes,
        top_modes=int(mode.get("top_modes") or 1),
        acceptable_score=float(mode.get("acceptable_score") or 0),
        mode_points=mode_points,
        market_points=market_points,
        unknown_points=unknown,
        other_gap=r.text(cert.get("other_gap"), "criteria.certifications.other_gap"),
        certification_hints=hints,
        unmatched=unmatched,
        anonymous=r.text(anon.get("template"), "anonymous.template"),
        anonymous_types=anonymous_types,
        meeting_title=r.text(meet.get("title"), "meetings.title"),
        no_theme=r.text(meet.get("no_theme"), "meetings.no_theme"),
        no_driver=r.text(meet.get("no_driver"), "meetings.no_driver"),
        agenda=tuple(agenda),
        prepare_by_theme={
            str(k): r.text(v, f"meetings.prepare_by_theme.{k}")
            for k, v in (meet.get("prepare_by_theme") or {}).items()
        },
        prepare_by_partnership=by_partnership,
        samples=r.text(meet.get("samples"), "meetings.samples"),
        meeting_source=r.source(meet.get("source"), "meetings.source"),
        path=where,
    )


@cache
def default_criteria() -> MatchCriteria:
    """The criteria shipped with exportkit (``exportkit/data/match_criteria.yaml``)."""
    return parse_criteria(load_yaml(data_file("match_criteria.yaml")), "match_criteria.yaml")


def load_criteria(
    path: str | Path | None = None, *, certifications: Collection[str] | None = None
) -> MatchCriteria:
    """The shipped criteria, or a consultant's calibrated copy at ``path`` (its certification
    hints checked against ``certifications`` when given)."""
    if path is None:
        return default_criteria()
    data = load_user_yaml(path, "criteria file", "準則檔")
    return parse_criteria(data, str(path), certifications=certifications)
