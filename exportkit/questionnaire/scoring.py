"""Score validated answers: pure functions, no I/O except in ``score_files``.

Rules (from ``docs/questionnaire-format.md``):
- every answered scored item gives 0–100 points: likert 1→0 … 5→100 (``reverse`` flips);
  scale min→0 … max→100; choices by their option points (multi: capped sum); yes/no by
  ``points_yes``/``points_no``; numbers by ``points_by_range``;
- a dimension's score is the mean of its answered items; optional unanswered items are left
  out and reported in ``coverage`` and ``notes``;
- overall = weighted mean of the dimensions (a dimension with no answer at all is left out and
  the remaining weights are rescaled — said in ``notes``);
- strengths / gaps = the 3 highest / lowest dimensions (fewer when there are < 6); a strength also
  scores at least the definition's ``strength_min`` (a firm's best 48 is not a strength to
  build on); the band comes from the overall index;
- driver type: the definition's type whose dimensions have the highest mean (ties: first listed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from exportkit.errors import ExportkitError, WorkbookError
from exportkit.models import Answers, DimensionScore, FileFailure, ReadinessScore, Text
from exportkit.models.questionnaire import Definition, Item, Reliability, ScoreBatch
from exportkit.questionnaire.definition import load_definition
from exportkit.questionnaire.parallel import map_files
from exportkit.questionnaire.reader import read_answers
from exportkit.questionnaire.stats import cronbach_alpha, percentiles, standings

TOP_N = 3
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def item_points(item: Item, value: Any) -> float | None:
    """0–100 points for one answer, or ``None`` if the item is not scored."""
    if not item.scored or value is None:
        return None
    kind = item.type
    if kind in ("likert", "scale"):
        lo, hi = item.min or 1.0, item.max or 5.0
        share = (float(value) - lo) / (hi - lo)
        return 100.0 * (1.0 - share if item.reverse else share)
    if kind == "single_choice":
        return next(o.points for o in item.options if o.value == value)
    if kind == "multi_choice":
        return min(100.0, sum(o.points or 0.0 for o in item.options if o.value in value))
    if kind == "yes_no":
        return item.points_yes if value else item.points_no
    if kind in ("integer", "number"):
        for r in item.points_by_range:
            if r.min <= value < r.max:
                return r.points
        last = item.points_by_range[-1] if item.points_by_range else None
        return last.points if last and value == last.max else 0.0
    return None


def score_answers(answers: Answers) -> ReadinessScore:
    """Score one firm's validated answers (a pure function of ``answers`` and its definition).

    >>> from exportkit.questionnaire import read_answers
    >>> from exportkit.resources import examples_dir
    >>> score = score_answers(read_answers(str(examples_dir() / "01-machine-tool-parts.xlsx")))
    >>> score.overall, score.band, score.gaps
    (67.5, 'export_capable', ('digital_capability', 'sustainability', 'people_languages'))
    """
    d = load_definition(answers.definition_id)
    if not d.scored:
        raise not_scored(answers.file, d)
    dims: dict[str, DimensionScore] = {}
    notes: list[str] = []
    answered_total = scorable_total = 0
    for section in d.dimensions:
        points = []
        scorable = [i for i in section.items if i.scored]
        for item in scorable:
            p = item_points(item, answers.values.get(item.id))
            if p is not None:
                points.append(p)
            elif not item.required:
                notes.append(f"optional item {item.id} unanswered: left out of {section.id}")
        answered_total += len(points)
        scorable_total += len(scorable)
        dims[section.id] = DimensionScore(
            id=section.id,
            score=round(sum(points) / len(points), 1) if points else 0.0,
            weight=section.weight,
            answered=len(points),
            items=len(scorable),
            label=section.title,
        )
    rated = [s for s in dims.values() if s.answered]
    for s in dims.values():
        if not s.answered:
            notes.append(f"dimension {s.id} has no answers: left out, other weights rescaled")
    weight = sum(s.weight for s in rated)
    overall = round(sum(s.score * s.weight for s in rated) / weight, 1) if weight else 0.0
    band = d.band_for(overall)
    # Top/bottom 3, or fewer so that no dimension is both a strength and a gap.
    n = min(TOP_N, len(rated) // 2)
    best = sorted(rated, key=lambda s: (-s.score, s.id))[:n]
    strengths = tuple(s.id for s in best if s.score >= d.strength_min)
    gaps = tuple(s.id for s in sorted(rated, key=lambda s: (s.score, s.id))[:n])
    firm = answers.firm
    return ReadinessScore(
        definition_id=d.id,
        file=answers.file,
        firm=firm.name if firm else Path(answers.file).stem,
        tax_id=firm.tax_id if firm else None,
        overall=overall,
        band=band.id if band else "",
        dimensions=dims,
        strengths=strengths,
        gaps=gaps,
        coverage=round(answered_total / scorable_total, 3) if scorable_total else 1.0,
        driver_type=driver_type(d, dims),
        driver_scores=driver_scores(d, dims),
        notes=tuple(notes),
    )


def not_scored(file: str, d: Definition) -> WorkbookError:
    """The error for a survey workbook given where a scored questionnaire is expected."""
    usage = d.usage or Text(
        "請以 `exportkit questionnaire validate` 檢查",
        "check it with `exportkit questionnaire validate`",
    )
    return WorkbookError(
        file,
        "a scored questionnaire (such as the firm questionnaire); this workbook is "
        f'the survey "{d.title.en}", which has no score: {usage.en}',
        f"計分問卷（例如企業出口整備度問卷）；此檔案為不計分的調查問卷「{d.title.zh_TW}」：{usage.zh_TW}",
        sheet="_meta",
        cell="B1",
        got=d.id,
    )


def driver_scores(d: Definition, dims: dict[str, DimensionScore]) -> dict[str, float]:
    """The mean score of each driver type's answered dimensions (types with none left out)."""
    out = {}
    for dt in d.driver_types:
        scores = [dims[i].score for i in dt.dimensions if i in dims and dims[i].answered]
        if scores:
            out[dt.id] = round(sum(scores) / len(scores), 1)
    return out


def driver_type(d: Definition, dims: dict[str, DimensionScore]) -> str | None:
    """The definition's driver type whose listed dimensions have the highest mean score
    (a tie goes to the type listed first)."""
    best, best_mean = None, -1.0
    for type_id, mean in driver_scores(d, dims).items():
        if mean > best_mean:
            best, best_mean = type_id, mean
    return best


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, plus the workbooks inside any folder (sorted; Excel lock files skipped)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(
                f
                for f in p.iterdir()
                if f.suffix.lower() in WORKBOOK_SUFFIXES and not f.name.startswith(("~$", "."))
            )
        else:
            out.append(p)
    return out


def score_files(
    paths: Iterable[str | Path],
    progress: Callable[[int], Any] | None = None,
    *,
    workers: int | None = None,
) -> ScoreBatch:
    """Import, validate and score many workbooks; a bad file is recorded, never fatal.

    ``progress(1)`` is called after each file. In the batch each result gets its percentile
    among the firms scored with the same questionnaire, and each dimension its Cronbach's alpha.
    A large batch is read on every core (``workers``: processes, default every core; 1 keeps
    it in this process); the result is the same either way.
    """
    results: list[ReadinessScore] = []
    answers: list[Answers] = []
    failures: list[FileFailure] = []
    scored = map_files(_score_one, expand_paths(paths), workers=workers, progress=progress)
    for a, score, failure in scored:
        if failure is not None:
            failures.append(failure)
        else:
            results.append(score)
            answers.append(a)
    results = _with_percentiles(results)
    alpha, alpha_n, reliability = dimension_alphas(answers)
    return ScoreBatch(
        results, answers, failures, alpha=alpha, alpha_n=alpha_n, reliability=reliability
    )


def _score_one(path: Path) -> tuple[Answers | None, ReadinessScore | None, FileFailure | None]:
    """One workbook's answers and score, or why it failed (runs in a worker process)."""
    try:
        a = read_answers(path)
        return a, score_answers(a), None
    except (ExportkitError, OSError) as exc:
        return None, None, _failure(path, exc)
    except Exception as exc:  # noqa: BLE001 - a fault no check foresaw ends this file only
        return None, None, _unforeseen(path, exc)


def _read_one(path: Path) -> tuple[Answers | None, FileFailure | None]:
    """One workbook's answers, or why it could not be read (runs in a worker process)."""
    try:
        return read_answers(path), None
    except (ExportkitError, OSError) as exc:
        return None, _failure(path, exc)
    except Exception as exc:  # noqa: BLE001 - a fault no check foresaw ends this file only
        return None, _unforeseen(path, exc)


def _failure(path: Path, exc: Exception) -> FileFailure:
    if isinstance(exc, ExportkitError):
        return FileFailure(str(path), tuple(getattr(exc, "errors", None) or [exc]))
    # an OSError: the file vanished or became unreadable between listing and reading
    problem = WorkbookError(str(path), "a readable file", "可讀取的檔案", got=exc.strerror)
    return FileFailure(str(path), (problem,))


def _unforeseen(path: Path, exc: Exception) -> FileFailure:
    """A workbook that broke the reader in a way no check names: reported as that file's
    problem (with the fault, for a bug report), so the rest of a batch still completes."""
    problem = WorkbookError(
        str(path),
        "a workbook exportkit can read (please send this file to the exportkit maintainers)",
        "exportkit 可讀取的活頁簿（請將此檔案提供給 exportkit 維護者）",
        got=f"{type(exc).__name__}: {exc}"[:200],
    )
    return FileFailure(str(path), (problem,))


def _with_percentiles(results: list[ReadinessScore]) -> list[ReadinessScore]:
    by_def: dict[str, list[int]] = {}
    for i, r in enumerate(results):
        by_def.setdefault(r.definition_id, []).append(i)
    out = list(results)
    for idx in by_def.values():
        overall = [results[i].overall for i in idx]
        for i, p, st in zip(idx, percentiles(overall), standings(overall), strict=True):
            out[i] = replace(results[i], percentile=p, standing=st)
    return out


def dimension_alphas(
    answers: list[Answers],
) -> tuple[dict[str, float | None], dict[str, int], Reliability | None]:
    """Cronbach's alpha of each dimension over the firms of the batch (same questionnaire),
    how many firms each rests on, and the questionnaire's rule for showing it.

    Uses the firms that answered every scored item of the dimension (listwise deletion); an
    alpha from fewer firms than the definition's ``reliability.min_firms`` is ``None`` (too
    unstable to report); a definition without a ``reliability`` rule gets none. With several
    questionnaires in one batch, the most common one is used.
    """
    if not answers:
        return {}, {}, None
    ids = [a.definition_id for a in answers]
    def_id = max(set(ids), key=ids.count)
    d = load_definition(def_id)
    if d.reliability is None:
        return {}, {}, None
    minimum = d.reliability.min_firms
    out: dict[str, float | None] = {}
    counts: dict[str, int] = {}
    for section in d.dimensions:
        items = [i for i in section.items if i.scored]
        rows = []
        for a in answers:
            if a.definition_id != def_id:
                continue
            pts = [item_points(i, a.values.get(i.id)) for i in items]
            if all(p is not None for p in pts):
                rows.append(pts)
        counts[section.id] = len(rows)
        out[section.id] = cronbach_alpha(rows) if len(rows) >= minimum else None
    return out, counts, d.reliability


def validate_files(
    paths: Iterable[str | Path],
    progress: Callable[[int], Any] | None = None,
    *,
    workers: int | None = None,
) -> tuple[list[Answers], list[FileFailure]]:
    """Import and check many workbooks without scoring; returns (valid answers, failures).

    Read on every core for a large batch, as ``score_files``.
    """
    answers: list[Answers] = []
    failures: list[FileFailure] = []
    for a, failure in map_files(_read_one, expand_paths(paths), workers=workers, progress=progress):
        if failure is not None:
            failures.append(failure)
        else:
            answers.append(a)
    return answers, failures
