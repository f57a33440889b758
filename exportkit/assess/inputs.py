"""What ``exportkit assess`` is given: workbooks or folders of them, output formats, markets."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from exportkit.errors import InputProblem, UsageError
from exportkit.models import FileFailure
from exportkit.safe_output import is_output_folder

# Folders are searched for these; a legacy .xls or macro .xlsm is picked up so that the
# importer can say clearly why it is refused, instead of it being silently skipped.
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
FORMATS = ("json", "xlsx", "html", "pdf")


def parse_formats(formats: str | Iterable[str]) -> tuple[str, ...]:
    """``"json,xlsx,html,pdf"`` → ``("json", "xlsx", "html", "pdf")``, duplicates dropped;
    an unknown or empty format list is refused with a bilingual ``UsageError``."""
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    out = tuple(dict.fromkeys(f.strip().lower() for f in items if f and f.strip()))
    unknown = [f for f in out if f not in FORMATS]
    if unknown or not out:
        raise UsageError(
            f"unknown output format {', '.join(unknown) or '(none)'}; "
            "use any of json, xlsx, html, pdf",
            zh=f"不支援的輸出格式：{', '.join(unknown) or '（空白）'}；可用 json、xlsx、html、pdf。",
        )
    return out


def _workbooks_under(root: Path, exclude: set[Path]) -> list[Path]:
    """Workbooks below ``root``, not descending into an output folder (``exclude`` or one an
    exportkit run wrote or is writing): its portfolio.xlsx is never read back as input."""
    found = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = [
            d
            for d in dirs
            if not is_output_folder(here / d) and (here / d).resolve() not in exclude
        ]
        found += [
            here / f
            for f in files
            if Path(f).suffix.lower() in WORKBOOK_SUFFIXES
            and not f.startswith(("~$", "."))
            and (here / f).is_file()
        ]
    return sorted(found)


def expand_inputs(
    inputs: Iterable[str | Path], exclude: Iterable[str | Path] = ()
) -> tuple[list[Path], list[FileFailure]]:
    """Workbook paths from files and folders (searched recursively), in a stable order.

    A path that does not exist, or a folder without workbooks, becomes a ``FileFailure`` so
    the rest of the batch still runs. Excel lock files (``~$…``) and hidden files are skipped,
    and so are output folders (``exclude``, the run's own, and any exportkit wrote).
    """
    skipped = {Path(p).resolve() for p in exclude}
    paths: list[Path] = []
    failures: list[FileFailure] = []
    seen: set[Path] = set()
    given = list(inputs)
    if not given:
        raise UsageError(
            "give at least one workbook or folder to assess", zh="請指定至少一個問卷檔或資料夾。"
        )
    for raw in given:
        path = Path(raw)
        if path.is_dir():
            found = _workbooks_under(path, skipped)
            if not found:
                failures.append(
                    FileFailure(
                        str(path),
                        (
                            InputProblem(
                                str(path),
                                "the folder holds no workbook (.xlsx)",
                                zh="資料夾中沒有問卷檔（.xlsx）",
                            ),
                        ),
                    )
                )
            candidates = found
        elif path.exists():
            candidates = [path]
        else:
            failures.append(
                FileFailure(
                    str(path),
                    (InputProblem(str(path), "no such file or folder", zh="找不到此檔案或資料夾"),),
                )
            )
            continue
        for p in candidates:
            key = p.resolve()
            if key not in seen:
                seen.add(key)
                paths.append(p)
    return paths, failures
