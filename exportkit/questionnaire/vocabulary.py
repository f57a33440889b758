"""Option lists shared by several questionnaire definitions (an item's ``vocabulary:``).

A vocabulary is one place for a list that two questionnaires must agree on value by value —
the certifications a firm holds and the certifications an overseas buyer requires, the
industry of a firm and of a demand — so ``exportkit match`` compares like with like. Files live
in ``exportkit.questionnaires/vocabularies/<id>.yaml``; ``nsb_markets`` is built in: the 18 New
Southbound markets with their ISO3 codes as values (names from ``exportkit.countries``).

>>> [o.value for o in vocabulary("certifications")][:3]
['iso9001', 'iso14001', 'iso45001']
>>> next(o for o in vocabulary("nsb_markets") if o.value == "THA").label.en
'Thailand'
"""

from __future__ import annotations

import re
from functools import cache

import yaml

from exportkit import countries
from exportkit.errors import DefinitionError
from exportkit.models import Text
from exportkit.models.questionnaire import Option
from exportkit.resources import vocabularies_dir

# libyaml's parser, when PyYAML was built with it: the same safe constructor, several times
# faster on the definitions and vocabularies, which every command and every worker process
# of a parallel import reads once.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

BUILT_IN = ("nsb_markets",)
VOCABULARY_ID = re.compile(r"^[a-z0-9_]+$")
# Han ideographs, CJK punctuation and full-width forms: what a reader without Chinese cannot read.
_CHINESE = re.compile(
    r"[\u2e80-\u2fdf\u3000-\u303f\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
)


def has_chinese(text: str | None) -> bool:
    """True when ``text`` holds a Chinese character or full-width punctuation.

    >>> has_chinese("Halal"), has_chinese("清真"), has_chinese("HS codes（4 or 6）")
    (False, True, True)
    """
    return bool(text and _CHINESE.search(text))


def list_vocabularies() -> list[str]:
    """Ids of every vocabulary (files first, then the built-in ones)."""
    node = vocabularies_dir()
    files = sorted(n.name[:-5] for n in node.iterdir() if n.name.endswith(".yaml"))
    return files + list(BUILT_IN)


@cache
def vocabulary(vocabulary_id: str) -> tuple[Option, ...]:
    """The options of vocabulary ``vocabulary_id`` (raises ``DefinitionError`` if unknown)."""
    if vocabulary_id == "nsb_markets":
        return tuple(
            Option(iso3, Text(countries.name(iso3, "zh-TW"), countries.name(iso3, "en")))
            for iso3 in countries.NSB18
        )
    if not VOCABULARY_ID.match(vocabulary_id or ""):
        raise DefinitionError(
            f"unknown vocabulary {vocabulary_id!r}", zh=f"不明的詞彙表 {vocabulary_id!r}"
        )
    node = vocabularies_dir() / f"{vocabulary_id}.yaml"
    if not node.is_file():
        known = ", ".join(list_vocabularies())
        raise DefinitionError(
            f"unknown vocabulary {vocabulary_id!r} (known: {known})",
            zh=f"不明的詞彙表 {vocabulary_id!r}（已知：{known}）",
        )
    with node.open("r", encoding="utf-8") as fh:
        try:
            data = yaml.load(fh, Loader=SAFE_LOADER)  # noqa: S506 (a safe loader)
        except yaml.YAMLError as exc:
            raise DefinitionError(
                f"{node.name}: not valid YAML: {exc}", zh=f"{node.name}：不是有效的 YAML：{exc}"
            ) from exc
    return _parse(data, node.name, vocabulary_id)


def _parse(data: object, where: str, vocabulary_id: str) -> tuple[Option, ...]:
    problems: list[str] = []
    if not isinstance(data, dict) or data.get("id") != vocabulary_id:
        raise DefinitionError(
            f"{where}: expected a mapping with id: {vocabulary_id}",
            zh=f"{where}：應為含 id: {vocabulary_id} 的對照表",
        )
    options = []
    for i, raw in enumerate(data.get("options") or []):
        label = raw.get("label") if isinstance(raw, dict) else None
        if not isinstance(raw, dict) or "value" not in raw or not isinstance(label, dict):
            problems.append(f"options[{i}]: expected {{value: ..., label: {{zh-TW, en}}}}")
            continue
        zh, en = label.get("zh-TW"), label.get("en")
        if not (isinstance(zh, str) and zh.strip() and isinstance(en, str) and en.strip()):
            problems.append(f"options.{raw['value']}: needs zh-TW and en labels")
            continue
        options.append(Option(str(raw["value"]), Text(zh.strip(), en.strip())))
    values = [o.value for o in options]
    if not options:
        problems.append("options: expected a non-empty list")
    if len(set(values)) != len(values):
        problems.append("options: duplicate values")
    if problems:
        raise DefinitionError(
            f"{where}: invalid vocabulary: " + "; ".join(problems),
            zh=f"{where}：詞彙表有誤：" + "；".join(problems),
        )
    return tuple(options)
