"""Filled market-demand surveys → typed ``Demand`` objects (plus the checks across answers).

The questionnaire engine has already checked every answer on its own (required, choices, HS
codes, numbers). This adds what only the combination can say — "Other" certification chosen
but not named — as a ``WorkbookError`` naming file, sheet and cell like every other problem,
and refuses a firm questionnaire given where a survey is expected. A bad workbook becomes a
``FileFailure``; the others are read.
"""

from __future__ import annotations

from collections.abc import Callable, MutableSet, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from exportkit.errors import DefinitionError, ExportkitError, WorkbookError
from exportkit.match.criteria import MatchCriteria
from exportkit.match.engine import OTHER
from exportkit.models import Answers, Coded, Contact, Definition, Demand, FileFailure, Text
from exportkit.questionnaire import load_definition, validate_files
from exportkit.questionnaire.package import open_package
from exportkit.questionnaire.template import answer_name
from exportkit.safe_output import TakenNames, unique_name

# progress(description, total) → context manager yielding advance(n=1), as run_assessment's
Progress = Callable[[str, int], AbstractContextManager[Callable[..., None]]]

# Items of the demand questionnaire this module reads (its contract with market-demand.yaml).
REQUIRED_ITEMS = (
    "organisation",
    "respondent_type",
    "country",
    "products",
    "industry",
    "partnerships",
    "certifications",
    "certifications_other",
)


def _coded(definition: Definition, item_id: str, value: Any) -> Coded | None:
    if value is None:
        return None
    try:
        item = definition.item(item_id)
    except KeyError:
        return None
    option = next((o for o in item.options if o.value == value), None)
    return Coded(str(value), option.label if option else Text(str(value), str(value)))


def _codes(definition: Definition, item_id: str, values: Any) -> tuple[Coded, ...]:
    if not values:
        return ()
    values = values if isinstance(values, tuple) else (values,)
    return tuple(c for v in values if (c := _coded(definition, item_id, v)) is not None)


def _where(file: str, definition: Definition, item_id: str) -> dict[str, str | None]:
    """Sheet and cell of an item's answer, read from the workbook's defined name."""
    try:
        ref = open_package(file).resolve(answer_name(item_id))
    except Exception:  # the workbook was readable a moment ago; name the sheet at least
        ref = None
    sheet = definition.section(definition.item(item_id).section).title.get("en")
    return {"sheet": ref.sheet if ref else sheet, "cell": ref.cell if ref else None}


def check_definition(definition: Definition) -> None:
    """Refuse a demand questionnaire that lacks an item this module reads."""
    missing = [i for i in REQUIRED_ITEMS if i not in {x.id for x in definition.items}]
    if missing:
        raise DefinitionError(
            f"{definition.id}: a demand questionnaire needs the items {', '.join(missing)}",
            zh=f"{definition.id}：需求調查問卷必須有這些題目：{'、'.join(missing)}",
        )


def demand_from_answers(
    answers: Answers,
    definition: Definition,
    book: MatchCriteria,
    taken: MutableSet[str] | None = None,
) -> Demand:
    """The ``Demand`` of one validated market-demand workbook.

    Raises ``WorkbookError`` for answers that contradict each other. ``taken`` keeps demand ids
    unique within a run (the id comes from the file name).
    """
    check_definition(definition)
    v = answers.values
    file = answers.file
    certifications = _codes(definition, "certifications", v.get("certifications"))
    other = v.get("certifications_other")
    if any(c.id == OTHER for c in certifications) and not other:
        raise WorkbookError(
            file,
            'the other certification named (you chose "Other" under the certifications required)',
            "其他驗證的名稱（必要驗證選了「其他」）",
            item="certifications_other",
            got="(blank)",
            got_zh="空白",
            **_where(file, definition, "certifications_other"),
        )
    country = str(v["country"])
    country_name = next(o.label for o in definition.item("country").options if o.value == country)
    respondent_type = _coded(definition, "respondent_type", v["respondent_type"])
    consent = bool(v.get("consent_to_share", False))
    organisation = str(v["organisation"])
    if consent:
        display = Text(organisation, organisation)
    else:
        kind = book.anonymous_types.get(respondent_type.id, respondent_type.label)
        out = [
            book.anonymous.get(lang).format(type=kind.get(lang), country=country_name.get(lang))
            for lang in ("zh-TW", "en")
        ]
        display = Text(out[0], out[1])
    contact = None
    if v.get("contact_name"):
        contact = Contact(
            name=str(v["contact_name"]),
            email=v.get("contact_email"),
            phone=v.get("contact_phone"),
            website=v.get("website"),
        )
    volume = v.get("annual_volume_usd")
    return Demand(
        id=unique_name(Path(file).stem, taken, fallback="demand"),
        file=file,
        organisation=organisation,
        respondent_type=respondent_type,
        country=country,
        country_name=country_name,
        products=str(v["products"]),
        industry=_coded(definition, "industry", v.get("industry")),
        hs_codes=tuple(v.get("hs_codes") or ()),
        annual_volume_usd=None if volume is None else float(volume),
        quantity=v.get("quantity"),
        price_band=_coded(definition, "price_band", v.get("price_band")),
        partnerships=_codes(definition, "partnerships", v.get("partnerships")),
        timing=_coded(definition, "timing", v.get("timing")),
        certifications=certifications,
        certifications_other=other,
        supplier_experience=_coded(definition, "supplier_experience", v.get("supplier_experience")),
        notes=v.get("notes"),
        city=v.get("city"),
        contact=contact,
        consent_to_share=consent,
        display_name=display,
        lang=answers.lang,
    )


def wrong_kind(file: str, expected_en: str, expected_zh: str, got: str) -> FileFailure:
    """A workbook of the other questionnaire (a survey given as a firm, or the reverse),
    named at the cell that holds the questionnaire id."""
    return FileFailure(
        file,
        (WorkbookError(file, expected_en, expected_zh, sheet="_meta", cell="B1", got=got),),
    )


def read_demands(
    paths: Sequence[Path], book: MatchCriteria, progress: Progress
) -> tuple[list[Demand], list[FileFailure]]:
    """The demands of the survey workbooks ``paths`` and the files refused (a firm
    questionnaire among them, answers that contradict each other, any import problem)."""
    with progress("Reading demands", len(paths)) as advance:
        answers, failures = validate_files(list(paths), progress=advance)
    demands: list[Demand] = []
    taken = TakenNames()
    for a in answers:
        d = load_definition(a.definition_id)
        if d.id != book.demand_questionnaire:
            failures.append(
                wrong_kind(
                    a.file,
                    f"a market-demand survey (questionnaire {book.demand_questionnaire}); "
                    "firm questionnaires go before --demand",
                    f"海外市場需求調查（問卷 {book.demand_questionnaire}）；企業問卷請放在 --demand 之前",
                    d.id,
                )
            )
            continue
        try:
            demands.append(demand_from_answers(a, d, book, taken))
        except ExportkitError as exc:
            failures.append(FileFailure(a.file, tuple(getattr(exc, "errors", None) or [exc])))
    return demands, failures
