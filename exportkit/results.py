"""Read a ``results.json`` (or a ``firms/<name>.json``) with every reference expanded.

Schema 2 states each rule's text, each name, each provenance row and each product view once
(``rules``, ``labels``, ``texts``, ``sources``, ``products``) and refers to them by id; schema 3
also each reason, each ranking of the entry modes and each list of provenance rows (``reasons``,
``modes``, ``source_lists``), and leaves out a market's fields that equal their default. This
puts everything back where it is used, so Python code reads a firm × market as a whole, the
same from a schema 2 or a schema 3 document:

- a reason gets its text per language (``reason["en"]``) filled from its ``values``, and its
  ``source``;
- a market gets its ``name``, ``attractiveness``, ``recommended_mode``, ``theme``, its
  ``staged_path`` and ``decision_note`` texts (an empty one when left out), its ``provenance``
  rows and its ``product`` view, and ``excluded``, ``decided_by``, ``fired_rules`` and
  ``not_evaluated`` when left out at their defaults (false, ``"rules"``, ``[]``, ``[]``); each
  entry mode (``[mode, score]``) becomes
  ``{"mode", "rank", "score", "label", "reasons": [{"rule", "effect"}]}``;
- a firm gets ``band_label``, ``driver_type_label``, its dimensions' and theme's ``label``
  (and a dimension ``previous`` / ``change``: ``None`` on a first assessment).

Texts are in the document's ``languages`` (``doc["languages"]``). A schema 1 document (both
languages, nothing referred to) is returned as it is.

The defaults of a schema 3 market (``MARKET_DEFAULTS``) are the schema's ``default`` values.

>>> import tempfile
>>> from exportkit.assess import run_assessment
>>> from exportkit.resources import examples_dir
>>> out = tempfile.mkdtemp()
>>> run = run_assessment([str(examples_dir() / "01-machine-tool-parts.xlsx")], markets="TH",
...                      outdir=out, db=f"{out}/market.duckdb")
>>> doc = load(f"{out}/results.json")
>>> doc["languages"], doc["firms"][0]["markets"][0]["name"]
(['en'], {'en': 'Thailand'})
>>> reason = doc["firms"][0]["markets"][0]["fit_reasons"][0]
>>> reason["rule"], reason["en"].startswith("Market attractiveness index")
('F1', True)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_SCORE = ("score", "rank", "first_share", "top3_share")  # a market's attractiveness, per firm
# a schema 3 market's fields left out at these values (``decision_note``: an empty text)
MARKET_DEFAULTS: dict[str, Any] = {
    "excluded": False,
    "decided_by": "rules",
    "fired_rules": [],
    "not_evaluated": [],
}


def load(path: str | Path) -> dict[str, Any]:
    """The results document at ``path`` with its references expanded (see the module)."""
    with Path(path).open("r", encoding="utf-8") as fh:
        return expand(json.load(fh))


def expand(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` (a parsed results document, changed in place) with references expanded."""
    if not str(doc.get("schema_version", "")).startswith(("2.", "3.")):
        return doc
    refs = _References(doc)
    for firm in doc.get("firms", []):
        refs.firm(firm)
    return doc


class _References:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.langs = list(doc["languages"])
        self.rules = doc.get("rules", {})
        self.labels = doc.get("labels", {})
        self.texts = doc.get("texts", {})
        self.sources = doc.get("sources", {})
        self.products = doc.get("products", {})
        self.reasons = doc.get("reasons", {})
        self.modes = doc.get("modes", {})
        self.source_lists = doc.get("source_lists", {})
        self.attractiveness = {m["iso3"]: m["attractiveness"] for m in doc.get("markets", [])}

    def label(self, key: str, fallback: str) -> dict[str, str]:
        return dict(self.labels.get(key) or dict.fromkeys(self.langs, fallback))

    def reason(self, reason: dict[str, Any] | str) -> dict[str, Any]:
        if isinstance(reason, str):  # schema 3: an id in ``reasons``
            reason = self.reasons[reason]
        out: dict[str, Any] = {"rule": reason["rule"]}
        if "reason" in reason:  # a text made from no template
            out.update(reason["reason"])
            source = reason.get("source", "")
        else:
            stated = self.rules[reason.get("text", reason["rule"])]
            values = reason.get("values", {})
            for lang in self.langs:
                filled = {k: self.value(v, lang) for k, v in values.items()}
                out[lang] = stated["text"][lang].format_map(filled)
            source = reason.get("source", stated["source"])
        if "effect" in reason:
            out["effect"] = reason["effect"]
        if source:
            out["source"] = source
        return out

    def value(self, value: Any, lang: str) -> str:
        """A reason's value: one string for every language, a text per language, or a long
        one stated once in ``texts`` (``{"text": id}``)."""
        if isinstance(value, str):
            return value
        if "text" in value:
            return self.texts[value["text"]][lang]
        return value[lang]

    def market(self, market: dict[str, Any], theme: str | None) -> None:
        iso3 = market["iso3"]
        for key, default in MARKET_DEFAULTS.items():
            if key not in market:
                market[key] = list(default) if isinstance(default, list) else default
        market["name"] = self.label(f"country:{iso3}", iso3)
        market["staged_path"] = dict(self.texts[market["staged_path"]])
        note = market.get("decision_note")
        market["decision_note"] = (
            dict.fromkeys(self.langs, "") if note is None else dict(self.texts[note])
        )
        rows = market["provenance"]
        if isinstance(rows, str):  # schema 3: an id in ``source_lists``
            rows = self.source_lists[rows]
        market["provenance"] = [dict(self.sources[ref]) for ref in rows]
        for key in ("fit_reasons", "fired_rules", "not_evaluated"):
            market[key] = [self.reason(r) for r in market[key]]
        fired = [r["rule"] for r in market["fired_rules"]]
        modes = market["entry_modes"]
        if isinstance(modes, str):  # schema 3: an id in ``modes``
            modes = self.modes[modes]
        market["entry_modes"] = [
            {
                "mode": m[0],
                "rank": rank,
                "score": m[1],
                "label": self.label(f"mode:{m[0]}", m[0]),
                "reasons": self.mode_reasons(m, fired),
            }
            for rank, m in enumerate(modes, start=1)
        ]
        score = self.attractiveness.get(iso3)
        market["attractiveness"] = None if score is None else {k: score.get(k) for k in _SCORE}
        market["recommended_mode"] = (
            None if market["excluded"] else market["entry_modes"][0]["mode"]
        )
        market["theme"] = market.get("theme", theme)
        if "product" in market:
            product = market["product"] = dict(self.products[market["product"]])
            if isinstance(product.get("potential_reason"), str):
                product["potential_reason"] = dict(self.texts[product["potential_reason"]])
            if isinstance(product.get("trade_source"), str):
                product["trade_source"] = dict(self.sources[product["trade_source"]])

    def mode_reasons(self, mode: list[Any], fired: list[str]) -> list[dict[str, Any]]:
        """The rules that moved a mode: inline, or the fired rules' points from ``rules``."""
        if len(mode) > 2:
            return [{"rule": r, "effect": e} for r, e in mode[2].items()]
        out = []
        for rule in fired:
            adjust = self.rules.get(rule, {}).get("adjust", {})
            if mode[0] in adjust:
                out.append({"rule": rule, "effect": adjust[mode[0]]})
        return out

    def firm(self, firm: dict[str, Any]) -> None:
        firm["band_label"] = self.label(f"band:{firm['band']}", firm["band"])
        driver = firm.get("driver_type")
        firm["driver_type_label"] = (
            None if driver is None else self.label(f"driver:{driver}", driver)
        )
        for dim_id, dim in firm["dimensions"].items():
            dim["label"] = self.label(f"dimension:{dim_id}", dim_id)
            dim.setdefault("previous", None)
            dim.setdefault("change", None)
        theme = firm["theme"]
        theme["label"] = (
            None if theme["id"] is None else self.label(f"theme:{theme['id']}", theme["id"])
        )
        for market in firm["markets"]:
            self.market(market, theme["id"])
