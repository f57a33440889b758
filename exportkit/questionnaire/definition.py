"""Load questionnaire definitions (YAML) into typed dataclasses and check their structure.

Definitions ship in ``exportkit.questionnaires/definitions/<id>.yaml``. Extra directories can
be listed in ``EXPORTKIT_QUESTIONNAIRE_PATH`` (``os.pathsep``-separated) so a consultant can use
a questionnaire of their own without rebuilding the package; shipped ids take precedence.

>>> d = load_definition("export-readiness")
>>> len(d.dimensions), sum(s.weight for s in d.dimensions)
(10, 100.0)
"""

from __future__ import annotations

import os
import re
from dataclasses import fields
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from exportkit.errors import DefinitionError
from exportkit.i18n import os_reason
from exportkit.models import Firm, Text
from exportkit.models.questionnaire import (
    DEFINITION_KINDS,
    ITEM_TYPES,
    RESPONDENTS,
    Anchor,
    Band,
    Definition,
    DriverType,
    Item,
    Option,
    PointsRange,
    Programme,
    Reliability,
    Section,
)
from exportkit.questionnaire.vocabulary import SAFE_LOADER, has_chinese, vocabulary
from exportkit.resources import definitions_dir

ID_RE = re.compile(r"^[a-z0-9_]+$")
DEF_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
SHEET_FORBIDDEN = set("[]:*?/\\")
FIRM_FIELDS = frozenset(f.name for f in fields(Firm))
# Item types whose answers can earn points in a scored section.
SCORABLE = {"likert", "scale", "single_choice", "multi_choice", "yes_no", "integer", "number"}
SEARCH_PATH_ENV = "EXPORTKIT_QUESTIONNAIRE_PATH"
# The questionnaire that describes a firm the market and entry-mode engines can advise.
FIRM_QUESTIONNAIRE = "export-readiness"


def _extra_dirs() -> tuple[Path, ...]:
    raw = os.environ.get(SEARCH_PATH_ENV, "")
    return tuple(Path(p) for p in raw.split(os.pathsep) if p.strip())


def list_definitions() -> list[str]:
    """Ids of every available definition (shipped first, then ``EXPORTKIT_QUESTIONNAIRE_PATH``)."""
    ids: list[str] = []
    shipped = definitions_dir()
    if shipped.is_dir():
        ids += sorted(n.name[:-5] for n in shipped.iterdir() if n.name.endswith(".yaml"))
    for directory in _extra_dirs():
        if directory.is_dir():
            ids += sorted(p.stem for p in directory.glob("*.yaml"))
    return list(dict.fromkeys(ids))


def load_definition(definition_id: str) -> Definition:
    """The checked ``Definition`` with this id (raises ``DefinitionError`` if unknown/invalid).

    Parsed once per process and search path: importing a thousand workbooks reads the YAML once.
    """
    return _load_cached(definition_id, _extra_dirs())


@cache
def _load_cached(definition_id: str, extra: tuple[Path, ...]) -> Definition:
    if not DEF_ID_RE.match(definition_id or ""):
        raise DefinitionError(
            f"unknown questionnaire definition {definition_id!r}",
            zh=f"不明的問卷定義 {definition_id!r}",
        )
    node = definitions_dir() / f"{definition_id}.yaml"
    if node.is_file():
        with node.open("r", encoding="utf-8") as fh:
            return parse_definition(_safe_load(fh.read(), node.name), node.name)
    for directory in extra:
        path = directory / f"{definition_id}.yaml"
        if path.is_file():
            return load_definition_file(path)
    available = ", ".join(list_definitions()) or "none"
    raise DefinitionError(
        f"unknown questionnaire definition {definition_id!r} (available: {available})",
        zh=f"不明的問卷定義 {definition_id!r}（可用：{available}）",
    )


def load_definition_file(path: str | Path) -> Definition:
    """Load and check a definition from any YAML file (for authoring and tests)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DefinitionError(
            f"{path}: cannot read definition: {os_reason(exc, 'en')}",
            zh=f"{path}：無法讀取問卷定義：{os_reason(exc, 'zh-TW')}",
        ) from exc
    return parse_definition(_safe_load(text, str(path)), str(path))


def _safe_load(text: str, where: str) -> Any:
    try:
        return yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        raise DefinitionError(
            f"{where}: not valid YAML: {exc}", zh=f"{where}：不是有效的 YAML：{exc}"
        ) from exc


class _Checker:
    """Builds the dataclasses while collecting every structural problem with its YAML path."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.problems: list[str] = []

    def fail(self, path: str, what: str) -> None:
        self.problems.append(f"{path}: {what}")

    def text(self, value: Any, path: str, required: bool = True) -> Text | None:
        if value is None and not required:
            return None
        if not isinstance(value, dict):
            self.fail(path, "expected a bilingual text {zh-TW: ..., en: ...}")
            return Text("", "")
        zh, en = value.get("zh-TW"), value.get("en")
        for lang, v in (("zh-TW", zh), ("en", en)):
            if not isinstance(v, str) or not v.strip():
                self.fail(path, f"missing {lang} text")
        return Text(str(zh or "").strip(), str(en or "").strip())

    def accepts(self, value: Any, path: str) -> tuple[str, ...]:
        """Earlier wordings of a label (``accepts: [...]``) that filled workbooks may hold."""
        found = value.get("accepts") if isinstance(value, dict) else None
        if found is None:
            return ()
        if not isinstance(found, list) or not all(isinstance(v, str) and v.strip() for v in found):
            self.fail(path, "accepts: expected a list of earlier labels")
            return ()
        return tuple(v.strip() for v in found)

    def number(self, value: Any, path: str) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(path, f"expected a number, found {value!r}")
            return None
        return float(value)

    def points(self, value: Any, path: str) -> float | None:
        n = self.number(value, path)
        if n is not None and not 0 <= n <= 100:
            self.fail(path, f"points must be 0..100, found {value!r}")
        return n


def parse_definition(data: Any, where: str = "<definition>") -> Definition:
    """Check a parsed YAML mapping and build a ``Definition``; ``DefinitionError`` lists every
    structural problem (ids, weights, bilingual texts, bands, sources, referrals)."""
    c = _Checker(where)
    if not isinstance(data, dict):
        raise DefinitionError(
            f"{where}: expected a mapping at the top level",
            zh=f"{where}：最上層應為對照表（mapping）",
        )
    def_id = data.get("id")
    if not isinstance(def_id, str) or not DEF_ID_RE.match(def_id):
        c.fail("id", f"expected a lower-case id, found {def_id!r}")
    version = data.get("version")
    if not isinstance(version, str) or not re.match(r"^\d+\.\d+(\.\d+)?$", version):
        c.fail("version", f'expected a version string such as "1.0.0", found {version!r}')
    title = c.text(data.get("title"), "title")
    instructions = c.text(data.get("instructions"), "instructions")
    methodology = data.get("methodology") or {}
    if not isinstance(methodology, dict):
        c.fail("methodology", "expected a mapping of citation keys to references")
        methodology = {}
    programmes = _programmes(c, data.get("programmes") or {})

    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        c.fail("sections", "expected a non-empty list")
        raw_sections = []
    sections = [_section(c, s, f"sections[{i}]") for i, s in enumerate(raw_sections)]
    sections = [s for s in sections if s is not None]

    seen: dict[str, str] = {}
    sheet_titles: dict[str, set[str]] = {"zh-TW": set(), "en": set()}
    for s in sections:
        if s.id in seen:
            c.fail(f"sections.{s.id}", "duplicate section id")
        seen[s.id] = "section"
        for lang in ("zh-TW", "en"):
            name = s.title.get(lang)
            if len(name) > 31 or SHEET_FORBIDDEN & set(name):
                c.fail(
                    f"sections.{s.id}.title.{lang}", "sheet names: at most 31 chars, no []:*?/\\"
                )
            if name.casefold() in sheet_titles[lang]:
                c.fail(f"sections.{s.id}.title.{lang}", f"two sections share the title {name!r}")
            sheet_titles[lang].add(name.casefold())
        for item in s.items:
            if item.id in seen:
                c.fail(f"sections.{s.id}.items.{item.id}", "duplicate id (ids are global)")
            seen[item.id] = "item"
            if item.firm_field and item.firm_field not in FIRM_FIELDS:
                c.fail(f"items.{item.id}.firm_field", f"unknown Firm field {item.firm_field!r}")
        if s.scored:
            for key in s.source:
                if key not in methodology:
                    c.fail(f"sections.{s.id}.source", f"unknown methodology key {key!r}")
            for ref in s.referrals:
                if ref not in programmes:
                    c.fail(f"sections.{s.id}.referrals", f"unknown programme {ref!r}")
    scored = [s for s in sections if s.scored]
    if scored:
        total = sum(s.weight for s in scored)
        if abs(total - 100) > 1e-6:
            c.fail("sections", f"weights of scored sections sum to {total:g}, expected 100")
    kind = data.get("kind", "assessment" if scored else "survey")
    if kind not in DEFINITION_KINDS:
        c.fail("kind", f"expected one of {', '.join(DEFINITION_KINDS)}, found {kind!r}")
    elif kind == "assessment" and not scored:
        c.fail("kind", "an assessment needs at least one scored section")
    elif kind == "survey" and (scored or data.get("bands") or data.get("driver_type")):
        c.fail("kind", "a survey has no scored sections, bands or driver types")
    respondents = data.get("respondents", "domestic")
    if respondents not in RESPONDENTS:
        c.fail("respondents", f"expected one of {', '.join(RESPONDENTS)}, found {respondents!r}")
    bands = _bands(c, data.get("bands"), required=bool(scored))
    strength_min = c.points(data.get("strength_min", 0), "strength_min")
    driver_rule, driver_types = _driver(c, data.get("driver_type"), {s.id for s in scored})
    if respondents == "overseas":
        _english_only(c, title, instructions, sections)

    if c.problems:
        shown = "\n  ".join(c.problems[:30])
        more = f"\n  … and {len(c.problems) - 30} more" if len(c.problems) > 30 else ""
        raise DefinitionError(
            f"{where}: invalid questionnaire definition:\n  {shown}{more}",
            zh=f"{where}：問卷定義有誤：\n  {shown}{more}",
        )
    return Definition(
        id=def_id,
        version=version,
        title=title,
        instructions=instructions,
        sections=tuple(sections),
        bands=tuple(bands),
        programmes=programmes,
        methodology={str(k): str(v) for k, v in methodology.items()},
        driver_rule=driver_rule,
        driver_types=tuple(driver_types),
        kind=str(kind),
        respondents=str(respondents),
        usage=c.text(data.get("usage"), "usage", required=False),
        reliability=_reliability(c, data.get("reliability")),
        strength_min=strength_min or 0.0,
    )


def _reliability(c: _Checker, raw: Any) -> Reliability | None:
    """``reliability: {min_firms, rationale, note}`` — when Cronbach's alpha is shown."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        c.fail("reliability", "expected {min_firms: N, rationale: ..., note: ...}")
        return None
    minimum = raw.get("min_firms")
    if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 3:
        c.fail("reliability.min_firms", "expected a whole number of at least 3")
        minimum = 3
    return Reliability(
        minimum,
        c.text(raw.get("rationale"), "reliability.rationale"),
        c.text(raw.get("note"), "reliability.note"),
    )


def _english_only(c: _Checker, title: Text, instructions: Text, sections: list[Section]) -> None:
    """Overseas respondents may read no Chinese: every English text they see must have none."""
    texts: list[tuple[str, Text | None]] = [("title", title), ("instructions", instructions)]
    for s in sections:
        texts += [
            (f"sections.{s.id}.title", s.title),
            (f"sections.{s.id}.description", s.description),
        ]
        for i in s.items:
            texts += [(f"items.{i.id}.label", i.label), (f"items.{i.id}.help", i.help)]
            texts += [(f"items.{i.id}.unit", i.unit)]
            texts += [(f"items.{i.id}.options.{o.value}", o.label) for o in i.options]
            texts += [(f"items.{i.id}.anchors.{a.low}", a.label) for a in i.anchors]
    for path, text in texts:
        if text is not None and has_chinese(text.en):
            c.fail(f"{path}.en", "respondents: overseas — the English text must contain no Chinese")


def _programmes(c: _Checker, raw: Any) -> dict[str, Programme]:
    if not isinstance(raw, dict):
        c.fail("programmes", "expected a mapping of programme ids")
        return {}
    out = {}
    for pid, p in raw.items():
        path = f"programmes.{pid}"
        if not isinstance(p, dict):
            c.fail(path, "expected a mapping")
            continue
        url = p.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            c.fail(f"{path}.url", f"expected an http(s) URL, found {url!r}")
        out[str(pid)] = Programme(
            id=str(pid),
            name=c.text(p.get("name"), f"{path}.name"),
            url=str(url or ""),
            description=c.text(p.get("description"), f"{path}.description", required=False),
        )
    return out


def _section(c: _Checker, raw: Any, path: str) -> Section | None:
    if not isinstance(raw, dict):
        c.fail(path, "expected a mapping")
        return None
    sid = raw.get("id")
    if not isinstance(sid, str) or not ID_RE.match(sid):
        c.fail(f"{path}.id", f"expected [a-z0-9_]+, found {sid!r}")
        sid = str(sid)
    path = f"sections.{sid}"
    scored = bool(raw.get("scored", False))
    weight = c.number(raw.get("weight"), f"{path}.weight") or 0.0
    source = raw.get("source") or []
    source = [source] if isinstance(source, str) else list(source)
    if scored:
        if weight <= 0:
            c.fail(f"{path}.weight", "a scored section needs a positive weight")
        if not source:
            c.fail(f"{path}.source", "a scored section needs at least one source key")
    raw_items = raw.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        c.fail(f"{path}.items", "expected a non-empty list of items")
        raw_items = []
    items = [_item(c, it, f"{path}.items[{i}]", sid, scored) for i, it in enumerate(raw_items)]
    items = [i for i in items if i is not None]
    if scored and not any(i.scored for i in items):
        c.fail(f"{path}.items", "a scored section needs at least one scorable item")
    referrals = raw.get("referrals") or []
    return Section(
        id=sid,
        title=c.text(raw.get("title"), f"{path}.title"),
        scored=scored,
        items=tuple(items),
        weight=weight,
        source=tuple(str(s) for s in source),
        description=c.text(raw.get("description"), f"{path}.description", required=False),
        advice=c.text(raw.get("advice"), f"{path}.advice", required=scored),
        referrals=tuple(str(r) for r in referrals),
    )


def _anchor_range(key: Any) -> tuple[int, int] | None:
    text = str(key).strip()
    m = re.match(r"^(\d+)\s*(?:-\s*(\d+))?$", text)
    if not m:
        return None
    low = int(m.group(1))
    return low, int(m.group(2) or low)


def _item(c: _Checker, raw: Any, path: str, section: str, section_scored: bool) -> Item | None:
    if not isinstance(raw, dict):
        c.fail(path, "expected a mapping")
        return None
    iid = raw.get("id")
    if not isinstance(iid, str) or not ID_RE.match(iid):
        c.fail(f"{path}.id", f"expected [a-z0-9_]+, found {iid!r}")
        iid = str(iid)
    path = f"items.{iid}"
    kind = raw.get("type")
    if kind not in ITEM_TYPES:
        c.fail(f"{path}.type", f"expected one of {', '.join(ITEM_TYPES)}, found {kind!r}")
    anchors: list[Anchor] = []
    for key, label in (raw.get("anchors") or {}).items():
        rng = _anchor_range(key)
        if rng is None:
            c.fail(f"{path}.anchors", f"anchor key {key!r} is not a number or a range like 4-7")
            continue
        where = f"{path}.anchors.{key}"
        anchors.append(Anchor(rng[0], rng[1], c.text(label, where), c.accepts(label, where)))
    anchors.sort(key=lambda a: a.low)
    options = []
    raw_options = raw.get("options") or []
    if raw.get("vocabulary") is not None:
        if raw_options:
            c.fail(f"{path}.options", "give options or a vocabulary, not both")
        try:
            options = list(vocabulary(str(raw["vocabulary"])))
        except DefinitionError as exc:
            c.fail(f"{path}.vocabulary", str(exc))
    for j, opt in enumerate(raw_options):
        if not isinstance(opt, dict) or "value" not in opt:
            c.fail(f"{path}.options[{j}]", "expected {value: ..., label: ...}")
            continue
        options.append(
            Option(
                value=str(opt["value"]),
                label=c.text(opt.get("label"), f"{path}.options.{opt['value']}"),
                points=c.points(opt.get("points"), f"{path}.options.{opt['value']}.points"),
                accepts=c.accepts(opt, f"{path}.options.{opt['value']}"),
            )
        )
    if len({o.value for o in options}) != len(options):
        c.fail(f"{path}.options", "duplicate option values")
    ranges = []
    for j, r in enumerate(raw.get("points_by_range") or []):
        lo, hi = c.number(r.get("min"), path), c.number(r.get("max"), path)
        pts = c.points(r.get("points"), f"{path}.points_by_range[{j}].points")
        if lo is None or hi is None or pts is None:
            c.fail(f"{path}.points_by_range[{j}]", "expected {min, max, points}")
            continue
        ranges.append(PointsRange(lo, hi, pts))
    lo, hi = c.number(raw.get("min"), f"{path}.min"), c.number(raw.get("max"), f"{path}.max")
    if kind == "likert":
        lo, hi = 1.0, 5.0
        if {a.low for a in anchors} != {1, 2, 3, 4, 5}:
            c.fail(f"{path}.anchors", "a likert item needs anchors for 1, 2, 3, 4 and 5")
    if kind == "scale":
        if lo is None or hi is None or hi <= lo:
            c.fail(path, "a scale item needs min < max")
        elif anchors and (
            anchors[0].low != lo
            or anchors[-1].high != hi
            or any(a.low != b.high + 1 for b, a in zip(anchors, anchors[1:], strict=False))
        ):
            c.fail(f"{path}.anchors", f"anchor ranges must cover {lo:g}..{hi:g} without gaps")
    if kind in ("single_choice", "multi_choice") and not options:
        c.fail(f"{path}.options", "a choice item needs options")
    if lo is not None and hi is not None and hi < lo:
        c.fail(path, "min is greater than max")
    scored = section_scored and kind in SCORABLE
    if scored and kind in ("single_choice", "multi_choice"):
        if any(o.points is None for o in options):
            c.fail(f"{path}.options", "every option of a scored choice item needs points")
    if scored and kind == "yes_no":
        if raw.get("points_yes") is None or raw.get("points_no") is None:
            c.fail(path, "a scored yes_no item needs points_yes and points_no")
    if kind in ("integer", "number") and not ranges:
        scored = False  # a number without points_by_range is asked, not scored
    required = raw.get("required")
    return Item(
        id=iid,
        type=str(kind),
        label=c.text(raw.get("label"), f"{path}.label"),
        section=section,
        required=bool(scored if required is None else required),
        scored=scored,
        help=c.text(raw.get("help"), f"{path}.help", required=False),
        anchors=tuple(anchors),
        options=tuple(options),
        min=lo,
        max=hi,
        unit=c.text(raw.get("unit"), f"{path}.unit", required=False)
        if isinstance(raw.get("unit"), dict) or raw.get("unit") is None
        else Text(str(raw["unit"]), str(raw["unit"])),
        reverse=bool(raw.get("reverse", False)),
        points_yes=c.points(raw.get("points_yes"), f"{path}.points_yes"),
        points_no=c.points(raw.get("points_no"), f"{path}.points_no"),
        points_by_range=tuple(ranges),
        firm_field=raw.get("firm_field"),
    )


def _bands(c: _Checker, raw: Any, required: bool) -> list[Band]:
    if raw is None and not required:
        return []
    if not isinstance(raw, list) or not raw:
        c.fail("bands", "expected a list of bands covering 0..100")
        return []
    bands = []
    for i, b in enumerate(raw):
        if not isinstance(b, dict):
            c.fail(f"bands[{i}]", "expected a mapping")
            continue
        bid = str(b.get("id"))
        lo, hi = (
            c.number(b.get("min"), f"bands.{bid}.min"),
            c.number(b.get("max"), f"bands.{bid}.max"),
        )
        if lo is None or hi is None or hi <= lo:
            c.fail(f"bands.{bid}", "expected min < max")
            continue
        bands.append(
            Band(
                id=bid,
                min=lo,
                max=hi,
                label=c.text(b.get("label"), f"bands.{bid}.label"),
                description=c.text(b.get("description"), f"bands.{bid}.description", False),
            )
        )
    if bands:
        if bands[0].min != 0 or bands[-1].max != 100:
            c.fail("bands", "bands must start at 0 and end at 100")
        for prev, nxt in zip(bands, bands[1:], strict=False):
            if nxt.min != prev.max:
                c.fail("bands", f"gap or overlap between {prev.id!r} and {nxt.id!r}")
        if len({b.id for b in bands}) != len(bands):
            c.fail("bands", "duplicate band ids")
    return bands


def _driver(c: _Checker, raw: Any, dimensions: set[str]) -> tuple[Text | None, list[DriverType]]:
    if raw is None:
        return None, []
    if not isinstance(raw, dict):
        c.fail("driver_type", "expected {rule: ..., types: [...]}")
        return None, []
    types = []
    for i, t in enumerate(raw.get("types") or []):
        tid = str(t.get("id")) if isinstance(t, dict) else f"[{i}]"
        if not isinstance(t, dict):
            c.fail(f"driver_type.types{tid}", "expected a mapping")
            continue
        dims = tuple(str(d) for d in t.get("dimensions") or [])
        if not dims:
            c.fail(f"driver_type.{tid}.dimensions", "expected at least one dimension")
        for d in dims:
            if d not in dimensions:
                c.fail(f"driver_type.{tid}.dimensions", f"unknown dimension {d!r}")
        types.append(DriverType(tid, c.text(t.get("label"), f"driver_type.{tid}.label"), dims))
    if not types:
        c.fail("driver_type.types", "expected at least one type")
    return c.text(raw.get("rule"), "driver_type.rule"), types
