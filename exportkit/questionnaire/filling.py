"""Fill a template programmatically, as a person would type: for examples, tests, benchmarks.

Answers go into the cells named ``Q_<item_id>`` and nowhere else, so a filled workbook is the
template plus typed answers — exactly what the importer sees from a real firm.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from exportkit.questionnaire.template import answer_name, write_template


def fill_workbook(wb: Workbook, answers: Mapping[str, Any]) -> Workbook:
    """Write ``answers`` (item id → cell value) into an openpyxl workbook made by the template.

    Values are written as given (``" ５ "``, ``"是"``, ``4``, ``"8471, 851712"``); ``None`` clears.
    """
    for item_id, value in answers.items():
        dn = wb.defined_names.get(answer_name(item_id))
        if dn is None:
            raise KeyError(f"the workbook has no answer cell for item {item_id!r}")
        ((sheet, coord),) = list(dn.destinations)
        cell = wb[sheet][coord.replace("$", "")]
        cell.value = value
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # an answer is never a formula (tests write those on purpose)
    return wb


def fill_template(
    definition_id: str, lang: str, answers: Mapping[str, Any], path: str | Path
) -> Path:
    """Make a template for ``definition_id`` in ``lang``, fill in ``answers`` and save it."""
    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        blank = write_template(definition_id, lang, Path(tmp) / "blank.xlsx")
        wb = load_workbook(blank)
    fill_workbook(wb, answers)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def answers_for_levels(
    definition_id: str,
    levels: Mapping[str, float],
    lang: str = "zh-TW",
    seed: int = 0,
    profile: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Plausible answers to every scored item, as a person would pick them in ``lang``.

    ``levels`` maps dimension id → 0..1 (how ready the firm is there); each item's answer is
    the option nearest that level, jittered by one step with a seeded RNG so items of one
    dimension do not all agree. ``profile`` (item id → value) is added as given.
    """
    import random

    from exportkit.questionnaire.definition import load_definition
    from exportkit.questionnaire.template import choices

    d = load_definition(definition_id)
    rng = random.Random(seed)
    out: dict[str, Any] = dict(profile or {})
    for section in d.dimensions:
        level = float(levels.get(section.id, 0.5))
        for item in section.items:
            if item.id in out:
                continue
            jitter = rng.choice((-1, 0, 0, 1))
            if item.type == "likert":
                entries = choices(item, lang)
                out[item.id] = entries[_step(level, len(entries), jitter)]
            elif item.type == "scale":
                lo, hi = int(item.min), int(item.max)
                out[item.id] = lo + _step(level, hi - lo + 1, jitter)
            elif item.type == "single_choice":
                ranked = sorted(item.options, key=lambda o: o.points or 0)
                out[item.id] = ranked[_step(level, len(ranked), jitter)].label.get(lang)
            elif item.type == "multi_choice":
                ranked = sorted(item.options, key=lambda o: o.points or 0)
                k = max(1, round(level * len(ranked)))
                chosen = [o for o in ranked[-k:] if (o.points or 0) > 0] or ranked[:1]
                sep = "、" if lang == "zh-TW" else ", "
                out[item.id] = sep.join(o.label.get(lang) for o in chosen)
            elif item.type == "yes_no":
                yes = level + 0.15 * jitter >= 0.5
                out[item.id] = (
                    ("是" if yes else "否") if lang == "zh-TW" else ("Yes" if yes else "No")
                )
            elif item.type in ("integer", "number") and item.points_by_range:
                r = item.points_by_range[_step(level, len(item.points_by_range), jitter)]
                out[item.id] = int(r.min) if item.type == "integer" else r.min
    return out


def _step(level: float, n: int, jitter: int) -> int:
    return min(n - 1, max(0, round(level * (n - 1)) + jitter))
