"""The market index definition (``data/market_index.yaml``) and user weight files."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from exportkit.errors import UsageError
from exportkit.i18n import os_reason
from exportkit.models import Text
from exportkit.resources import data_file, load_yaml


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator of a dimension, as ``data/market_index.yaml`` defines it."""

    code: str  # a stored code (WDI, WEO…), "taiwan:…" (Taiwan's exports) or "product:…" (--hs)
    label: str
    transform: str | None = None  # "log" → log10(1 + x)
    # The raw values scoring 0 and 100 (fixed goalposts; best < worst: lower is better).
    worst: float = 0.0
    best: float = 100.0
    # "mean_5y": mean of the latest five reported years; "mean_next_5y": mean of the first five
    # projected years after them (IMF WEO); None: the latest reported year.
    aggregate: str | None = None
    when: str | None = None  # "hs": only in the product view

    @property
    def product(self) -> bool:
        return self.when == "hs"

    @property
    def direction(self) -> str:
        """``higher`` when larger raw values score higher, else ``lower``."""
        return "higher" if self.best >= self.worst else "lower"

    @property
    def key(self) -> str:
        """The figure's key in provenance and raw data (code, plus the aggregate if any)."""
        return f"{self.code}@{self.aggregate}" if self.aggregate else self.code


@dataclass(frozen=True)
class DimensionSpec:
    """One dimension of the index: its weight, name, short heading and indicators."""

    id: str
    weight: float
    label: Text
    indicators: tuple[IndicatorSpec, ...]
    short_label: Text | None = None

    def short(self, lang: str = "en") -> str:
        """A column heading (falls back to the full label)."""
        text = self.short_label.get(lang) if self.short_label else ""
        return text or self.label.get(lang)


@dataclass(frozen=True)
class IndexSpec:
    """The whole index definition: dimensions, normalisation, robustness draws, views."""

    dimensions: tuple[DimensionSpec, ...]
    equal_values_score: float
    concentration: float
    growth_years: int
    assess_draws: int = 0
    drop_probability: float = 0.0  # chance that a robustness draw leaves one indicator out
    normalisations: tuple[str, ...] = ("goalposts",)  # schemes a robustness draw picks from
    reference_markets: str = "nsp18"  # the fixed set the alternative schemes scale over
    hubs: tuple[str, ...] = ()  # re-export hubs: their `hub_codes` figures are not scored
    hub_codes: tuple[str, ...] = ()
    hub_label: Text | None = None
    views: dict[str, Text] = field(default_factory=dict)  # "macro" / "product" → what it rests on

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(d.id for d in self.dimensions)

    @property
    def weights(self) -> dict[str, float]:
        return {d.id: d.weight for d in self.dimensions}

    def indicators(self, product: bool) -> list[tuple[str, IndicatorSpec]]:
        """(dimension id, indicator) pairs in use; product indicators only with HS codes."""
        return [
            (d.id, i) for d in self.dimensions for i in d.indicators if product or not i.product
        ]


@cache
def index_spec() -> IndexSpec:
    """The packaged index definition."""
    doc = load_yaml(data_file("market_index.yaml"))
    dims = tuple(
        DimensionSpec(
            id=d["id"],
            weight=float(d["weight"]),
            label=Text(d["label_zh_TW"], d["label_en"]),
            short_label=Text(d.get("short_zh_TW", ""), d.get("short_en", ""))
            if d.get("short_zh_TW") or d.get("short_en")
            else None,
            indicators=tuple(
                IndicatorSpec(
                    code=i["code"],
                    label=i.get("label", i["code"]),
                    transform=i.get("transform"),
                    worst=float(i["goalposts"]["worst"]),
                    best=float(i["goalposts"]["best"]),
                    aggregate=i.get("aggregate"),
                    when=i.get("when"),
                )
                for i in d["indicators"]
            ),
        )
        for d in doc["dimensions"]
    )
    robust, hubs = doc["robustness"], doc["re_export_hubs"]
    return IndexSpec(
        dimensions=dims,
        equal_values_score=float(doc["normalisation"]["equal_values_score"]),
        concentration=float(robust["concentration"]),
        assess_draws=int(robust.get("assess_draws", 0)),
        drop_probability=float(robust["drop_probability"]),
        normalisations=tuple(robust["normalisations"]),
        reference_markets=doc["normalisation"]["reference_markets"],
        growth_years=int(doc["product_view"]["growth_years"]),
        hubs=tuple(hubs["markets"]),
        hub_codes=tuple(hubs["not_scored"]),
        hub_label=Text(hubs["label"]["zh-TW"], hubs["label"]["en"]),
        views={k: Text(v["zh-TW"], v["en"]) for k, v in doc["views"].items()},
    )


def validate_weights(weights: dict[str, object], where: str = "weights") -> dict[str, float]:
    """Check names and sum (100, or 1 for shares); returns weights scaled to sum to 100.

    A dimension left out of the mapping gets weight 0 (dropped from the index).
    """
    spec = index_spec()
    if not isinstance(weights, dict) or not weights:
        raise UsageError(
            f"{where}: expected a mapping of dimension → weight, e.g. market_size: 25 "
            f"(dimensions: {', '.join(spec.ids)})",
            zh=f"{where}：應為「面向 → 權重」的對照表，例如 market_size: 25（面向：{', '.join(spec.ids)}）",
        )
    out: dict[str, float] = dict.fromkeys(spec.ids, 0.0)
    for name, value in weights.items():
        if name not in out:
            raise UsageError(
                f"{where}: unknown dimension {name!r}; known: {', '.join(spec.ids)}",
                zh=f"{where}：不明的構面「{name}」；可用：{', '.join(spec.ids)}",
            )
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise UsageError(
                f"{where}: weight of {name!r} must be a number ≥ 0, got {value!r}",
                zh=f"{where}：{name!r} 的權重必須是 0 以上的數字，實際為 {value!r}",
            )
        out[name] = float(value)
    total = sum(out.values())
    if abs(total - 100) <= 0.01:
        return out
    if abs(total - 1) <= 1e-4:
        return {k: v * 100 for k, v in out.items()}
    raise UsageError(
        f"{where}: weights sum to {total:g}; they must sum to 100 (or to 1)",
        zh=f"{where}：權重合計為 {total:g}，應合計為 100（或 1）",
    )


def load_weights(path: str | os.PathLike) -> dict[str, float]:
    """Read a YAML or JSON weights file (``{dimension: weight}``, optionally under ``weights:``)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"{file}: cannot read the weights file: {os_reason(exc, 'en')}",
            zh=f"{file}：無法讀取權重檔：{os_reason(exc, 'zh-TW')}",
        ) from None
    try:
        doc = json.loads(text) if file.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise UsageError(
            f"{file}: not valid {file.suffix[1:] or 'YAML'}: {exc}",
            zh=f"{file}：不是有效的 {file.suffix[1:] or 'YAML'}：{exc}",
        ) from None
    if isinstance(doc, dict) and isinstance(doc.get("weights"), dict):
        doc = doc["weights"]
    return validate_weights(doc, str(file))
