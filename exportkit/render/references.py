"""The tables a results document states once, and the references its entries make to them.

A 1,000-firm × 18-market run repeats the same sentences and names hundreds of thousands of
times: a rule's reason (only its values change), a mode's name, a staged path, an indicator's
provenance, the product view of a set of HS codes in a market. results.json (schema 2) writes
each of those once, in ``rules``, ``labels``, ``texts``, ``sources`` and ``products``, and each
firm × market refers to them by id; the variable values of a reason stay inline. Schema 3 also
states each reason (rule, values, effect) once, in ``reasons`` — the fit reasons drawn from a
market's figures are the same for every firm with the same HS codes there —, each ranking
of the entry modes once, in ``modes`` (a few hundred rankings for 18,000 firm × markets), and
each list of provenance rows a firm × market rests on once, in ``source_lists``.
``exportkit.results.load`` puts the texts back.

Tables fill while the firms are written (a streaming writer cannot know them in advance); each
firm's ``firms/<name>.json`` gets the part of the tables its entry refers to (``used``).
"""

from __future__ import annotations

import json
from typing import Any

from exportkit.models import FiredRule, Recommendation, Text

TABLES = ("rules", "labels", "texts", "sources", "source_lists", "products", "reasons", "modes")
_PREFIX = {
    "texts": "t",
    "sources": "s",
    "source_lists": "l",
    "products": "p",
    "reasons": "r",
    "modes": "m",
}
# the tables whose rows are numbered and stated by content: a row never changes once stated
NUMBERED = tuple(_PREFIX)
LONG_VALUE = 40  # characters: a value longer than this is stated once, in ``texts``


class ResultTables:
    """Texts, names and provenance rows stated once, in the document's languages."""

    def __init__(self, langs: tuple[str, ...]) -> None:
        self.langs = langs
        self.tables: dict[str, dict[str, Any]] = {name: {} for name in TABLES}
        self._templates: dict[str, Text] = {}
        self._by_content: dict[str, dict[Any, str]] = {name: {} for name in _PREFIX}
        # a reason's id in ``reasons`` and the rules / texts entries it refers to, by reason
        self._reasons: dict[tuple[FiredRule, bool], tuple[str, tuple[tuple[str, str], ...]]] = {}
        self.used: dict[str, set[str]] = {name: set() for name in TABLES}
        # what the writer already worked out for an object of the run, by the object's id
        # (the run keeps every object alive while it is written, so an id is not reused)
        self.memo: dict[Any, Any] = {}
        self._reason_objects: dict[tuple[int, bool], tuple[FiredRule, Any]] = {}

    def text(self, value: Text) -> dict[str, str]:
        """A bilingual text in the document's languages: ``{"en": ...}``."""
        return {lang: value.get(lang) for lang in self.langs}

    def value(self, value: Text) -> str | dict[str, str]:
        """A reason's value: one string when it reads the same in every language of the
        document (a number, a code), else the text per language; a long one (the evidence
        sentence of a rule, "rule of law (WGI) -0.52 (2022), …", the same for every firm of a
        market or every market of a firm) is stated once in ``texts``: ``{"text": id}``."""
        texts = [value.get(lang) for lang in self.langs]
        if max(map(len, texts)) > LONG_VALUE:
            return {"text": self.interned("texts", value)}
        return texts[0] if len(set(texts)) == 1 else dict(zip(self.langs, texts, strict=True))

    def label(self, key: str, value: Text | None, fallback: str) -> None:
        """State the name ``key`` (``mode:direct_export``, ``country:THA`` …) once."""
        if key not in self.tables["labels"]:
            name = Text(fallback, fallback) if value is None else value
            self.tables["labels"][key] = self.text(name)
        self.used["labels"].add(key)

    def interned(self, table: str, value: Any, key: Any = None) -> str:
        """The id of ``value`` in ``table`` (``texts``: a Text; ``sources``: a provenance
        row; ``products``: a product view; ``reasons``, ``modes``, ``source_lists``: with
        their ``key``), adding it the first time it is seen."""
        if key is None:
            key = (value.zh_TW, value.en) if isinstance(value, Text) else _key(value)
        ids = self._by_content[table]
        ref = ids.get(key)
        if ref is None:
            ref = ids[key] = f"{_PREFIX[table]}{len(ids) + 1}"
            self.tables[table][ref] = self.text(value) if isinstance(value, Text) else value
        self.used[table].add(ref)
        return ref

    def reason(self, rule: FiredRule, *, effect: bool = True) -> str:
        """The id in ``reasons`` of one reason, stated there the first time it is seen."""
        # the firms of a run share reason objects: by identity first (hashing a reason's
        # texts for each of 18,000 firm × markets cost more than stating it)
        shared = self._reason_objects.get((id(rule), effect))
        known = shared[1] if shared is not None and shared[0] is rule else None
        if known is None:
            known = self._reasons.get((rule, effect))
        if known is None:
            stated = self._reason(rule, effect=effect)
            deps: list[tuple[str, str]] = []
            if "reason" not in stated:
                deps.append(("rules", stated.get("text", rule.id)))
            for value in stated.get("values", {}).values():
                if isinstance(value, dict) and "text" in value:
                    deps.append(("texts", value["text"]))
            key = json.dumps(stated, ensure_ascii=False, separators=(",", ":"))
            known = self._reasons[(rule, effect)] = (
                self.interned("reasons", stated, key),
                tuple(deps),
            )
        if shared is None or shared[0] is not rule:
            self._reason_objects[(id(rule), effect)] = (rule, known)
        ref, deps = known
        self.used["reasons"].add(ref)
        for table, dep in deps:  # a firm's own file needs what the reason refers to
            self.used[table].add(dep)
        return ref

    def _reason(self, rule: FiredRule, *, effect: bool = True) -> dict[str, Any]:
        """One reason: the rule, its template's id, its values inline (and effect, source).

        A reason not made from a template (or from one that differs from the template already
        stated under its id) keeps its whole text inline under ``reason``.
        """
        out: dict[str, Any] = {"rule": rule.id}
        stated = self._templates.get(rule.text_id) if rule.text_id else None
        if rule.template is not None and rule.text_id and stated is None:
            stated = self._templates[rule.text_id] = rule.template
            self.tables["rules"][rule.text_id] = {
                "rule": rule.id,
                "text": self.text(rule.template),
                "source": rule.source,
            }
        if stated is not None and (stated is rule.template or stated == rule.template):
            self.used["rules"].add(rule.text_id)
            if rule.text_id != rule.id:
                out["text"] = rule.text_id
            if rule.values:
                out["values"] = {k: self.value(v) for k, v in rule.values}
            if rule.source != self.tables["rules"][rule.text_id]["source"]:
                out["source"] = rule.source
        else:
            out["reason"] = self.text(rule.reason)
            if rule.source:
                out["source"] = rule.source
        if effect and rule.effect is not None:
            out["effect"] = rule.effect
        return out

    def modes(self, rec: Recommendation) -> str:
        """The id in ``modes`` of the ranked entry modes, best first: ``[mode, score]`` each.

        The points a fired rule gives each mode are the rule book's (``adjust``), the same in
        every market, so they are stated once, in the rule's ``rules`` entry (``adjust``);
        a mode's reasons (rule id → points) are added as a third item only when they cannot
        be read back from the fired rules that way.
        """
        out = []
        fired = [r.id for r in rec.fired]
        for m in rec.entry_modes:
            self.label(f"mode:{m.mode}", m.label, m.mode)
            points = [(r.id, r.effect or 0.0) for r in m.reasons]
            for rule, effect in points:
                stated = self.tables["rules"].get(rule)
                if stated is not None:
                    stated.setdefault("adjust", {}).setdefault(m.mode, effect)
            entry: list[Any] = [m.mode, m.score]
            if points != self._derived(fired, m.mode):
                entry.append(dict(points))
            out.append(entry)
        key = tuple((m[0], m[1], tuple(m[2].items()) if len(m) > 2 else ()) for m in out)
        return self.interned("modes", out, key)

    def _derived(self, fired: list[str], mode: str) -> list[tuple[str, float]]:
        rules = self.tables["rules"]
        return [
            (rule, rules[rule]["adjust"][mode])
            for rule in fired
            if mode in rules.get(rule, {}).get("adjust", {})
        ]

    def mark_used(self, table: str, refs: list[str]) -> list[str]:
        """Record that the current firm refers to ``refs`` of ``table`` (memoised refs)."""
        self.used[table].update(refs)
        return refs

    def start_firm(self) -> None:
        """Begin recording what the next firm's entry refers to."""
        self.used = {name: set() for name in TABLES}

    def firm_keys(self, name: str, used: set[str]) -> list[str]:
        """The keys of table ``name`` in ``used`` (what one firm's entry refers to, a past
        ``self.used[name]``), in the table's order: the part of the table its firm file carries.

        A part taken after later firms were written reads the same: a numbered row never
        changes once stated, and what later firms add to a rule's ``adjust`` (the rule book's
        points for a mode) holds for every firm.

        The numbered tables are read by the ids used, not scanned: they grow with the run
        (``reasons`` holds ~14,000 entries after 1,000 firms), a firm uses a few hundred.
        Their ids share a prefix and have no leading zeros, so sorting by length, then text,
        is numeric order (two sorts in C, no key function called per id)."""
        if name in _PREFIX:
            keys = sorted(used)
            keys.sort(key=len)
            return keys
        return [k for k in self.tables[name] if k in used]


def _key(row: dict[str, Any]) -> tuple:
    # rows of one writer share their key order; values are str, numbers, None or lists of str
    return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in row.items())
