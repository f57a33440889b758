"""One exception hierarchy for every user-facing failure.

Library code raises these; the CLI turns them into a one-line message and an exit code in
exactly one place (``exportkit.cli._errors``). Messages are bilingual: each error keeps its
parts, and ``message(lang)`` composes the sentence in the user's language.
"""

from __future__ import annotations

from dataclasses import dataclass


class ExportkitError(Exception):
    """Base class: something the user can fix (bad input, missing data, locked file …).

    The first argument is the English message; ``zh=`` gives the Traditional Chinese one.
    """

    exit_code = 1

    def __init__(self, *args: object, zh: str | None = None) -> None:
        super().__init__(*args)
        self.zh = zh

    def message(self, lang: str = "en") -> str:
        """The message in ``lang`` (zh-TW when it has one, else English)."""
        zh = getattr(self, "zh", None)  # subclasses with their own __init__ may not set it
        return zh if lang == "zh-TW" and zh else str(self)

    def __reduce__(self):
        # Subclasses take their own constructor arguments, which pickle's default (calling the
        # class with ``args``) gets wrong; rebuild from the state, so an error can come back
        # whole from a worker process (the parallel questionnaire import).
        return (_rebuild_error, (type(self), self.args, self.__dict__))


def _rebuild_error(cls: type, args: tuple, state: dict) -> ExportkitError:
    err = cls.__new__(cls)
    Exception.__init__(err, *args)
    err.__dict__.update(state)
    return err


@dataclass
class Location:
    """Where in a workbook: file, sheet, cell, the questionnaire item id and the question's
    number as the workbook prints it (``1.8``)."""

    file: str
    sheet: str | None = None
    cell: str | None = None
    item: str | None = None
    question: str | None = None

    def describe(self, lang: str = "en") -> str:
        """``file, sheet 'X', cell B4, question 1.8 (Y)`` in ``lang`` (zh-TW: joined by ，)."""
        zh = lang == "zh-TW"
        parts = [self.file]
        if self.sheet:
            parts.append(f"工作表「{self.sheet}」" if zh else f"sheet '{self.sheet}'")
        if self.cell:
            parts.append(f"儲存格 {self.cell}" if zh else f"cell {self.cell}")
        if self.item and self.question:
            parts.append(
                f"第 {self.question} 題（{self.item}）"
                if zh
                else f"question {self.question} ({self.item})"
            )
        elif self.item:
            parts.append(f"題目 {self.item}" if zh else f"item {self.item}")
        return ("，" if zh else ", ").join(parts)


class WorkbookError(ExportkitError):
    """A problem in one workbook: names file, sheet, cell, item, what was expected and found."""

    def __init__(
        self,
        file: str,
        expected_en: str,
        expected_zh: str | None = None,
        *,
        sheet: str | None = None,
        cell: str | None = None,
        item: str | None = None,
        question: str | None = None,
        got: object = None,
        got_zh: str | None = None,
    ) -> None:
        self.location = Location(file, sheet, cell, item, question)
        self.expected_en = expected_en
        self.expected_zh = expected_zh or expected_en
        self.got = got
        self.got_zh = got_zh  # a description of what was found, when ``got`` is English prose
        super().__init__(self.message("en"))

    @property
    def file(self) -> str:
        return self.location.file

    @property
    def sheet(self) -> str | None:
        return self.location.sheet

    @property
    def cell(self) -> str | None:
        return self.location.cell

    @property
    def item(self) -> str | None:
        return self.location.item

    def message(self, lang: str = "en") -> str:
        """Where, what was expected and what was found, in ``lang``."""
        where = self.location.describe(lang)
        if lang == "zh-TW":
            text = f"{where}：應為{self.expected_zh}"
            if self.got_zh is not None:
                text += f"，實際為{self.got_zh}"
            elif self.got is not None:
                text += f"，實際為「{_shown(self.got)}」"
            return text
        text = f"{where}: expected {self.expected_en}"
        if self.got is not None:
            got = _shown(self.got)
            text += f", found {got!r}" if isinstance(got, str) else f", found {got}"
        return text


def _shown(value: object) -> object:
    """A cell value as the person typed it: 6, not 6.0 (calamine reads every number as a
    float)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


class WorkbookErrors(ExportkitError):
    """Every problem found in one workbook, reported together."""

    def __init__(self, file: str, errors: list[WorkbookError]) -> None:
        self.file = file
        self.errors = errors
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        """Every problem of the workbook, one per line, in ``lang``."""
        return "\n".join(e.message(lang) for e in self.errors)


class InvalidAnswer(ExportkitError):
    """A cell holds something its item does not accept; the reader turns it into a
    ``WorkbookError`` naming the file, sheet and cell."""

    def __init__(self, expected_en: str, expected_zh: str) -> None:
        super().__init__(expected_en, zh=expected_zh)
        self.expected_en = expected_en
        self.expected_zh = expected_zh


class HostileXML(ExportkitError, ValueError):
    """A workbook part with a DTD or entity declarations: never in a real workbook."""


class DefinitionError(ExportkitError):
    """A questionnaire definition (YAML) is malformed or unknown."""


class StoreError(ExportkitError):
    """The market database cannot be opened, is locked, corrupt, or lacks what was asked."""


class DataImportError(ExportkitError):
    """A directory or file given to ``exportkit data import`` is missing or malformed."""


class SourceError(ExportkitError):
    """A data source failed: an error answer (HTTP status or an error body), a timeout, a
    refused connection, a crash of the crawl, a failed write to the store.

    ``kind`` names what happened (``api_error``, ``timeout``, ``quota``, ``crash`` …); the crawl
    records every one in its run and reports it to the user.
    """

    def __init__(
        self,
        source: str,
        url: str = "",
        status: int | None = None,
        detail: str = "",
        *,
        kind: str = "error",
    ) -> None:
        self.source, self.url, self.status, self.detail, self.kind = (
            source,
            url or "",
            status,
            detail or "",
            kind,
        )
        super().__init__(self.message("en"), zh=self.message("zh-TW"))

    def describe(self) -> str:
        """One line: kind, HTTP status, URL and detail (as the crawl-runs table keeps it)."""
        status = f" {self.status}" if self.status else ""
        return f"{self.kind}{status} {self.url} {self.detail}".strip()

    def message(self, lang: str = "en") -> str:
        """``source: kind status url detail`` in ``lang``."""
        sep = "：" if lang == "zh-TW" else ": "
        return f"{self.source}{sep}{self.describe()}"

    def to_record(self) -> dict[str, object]:
        """A JSON-ready form, to cross from the crawl's child process to the caller."""
        return {
            "source": self.source,
            "kind": self.kind,
            "url": self.url,
            "status": self.status,
            "detail": self.detail,
        }

    @classmethod
    def from_record(cls, record: dict[str, object], source: str = "") -> SourceError:
        """The error back from :meth:`to_record`."""
        status = record.get("status")
        return cls(
            str(record.get("source") or source),
            str(record.get("url") or ""),
            int(status) if status not in (None, "") else None,
            str(record.get("detail") or ""),
            kind=str(record.get("kind") or "error"),
        )


class ScrapydError(ExportkitError):
    """A Scrapyd server cannot be reached, or refused a request (exportkit not deployed there,
    an unknown spider, a job it lost track of)."""


class UsageError(ExportkitError):
    """An option value that makes no sense (unknown country code, bad weights file …)."""

    exit_code = 2


class InputProblem(ExportkitError):
    """An input path that is missing, holds no workbook, or holds another questionnaire."""

    def __init__(self, path: str, en: str, *, zh: str) -> None:
        self.path = path
        super().__init__(f"{path}: {en}", zh=f"{path}：{zh}")


class DocumentProblem(ExportkitError):
    """A document (a PDF) that could not be written; the rest of the batch was."""

    def __init__(self, file: str, error: str, error_zh: str | None = None) -> None:
        self.file, self.error = file, error
        super().__init__(
            f"{file}: PDF could not be written ({error})",
            zh=f"{file}：無法產生 PDF（{error_zh or error}）",
        )


class OutputError(ExportkitError):
    """An output folder or file that cannot be written (full disk, read-only, not a folder …);
    ``path`` is the one the user gave, not a staging folder."""

    def __init__(self, path: str, en: str, *, zh: str) -> None:
        self.path = path
        super().__init__(en, zh=zh)


class RenderError(ExportkitError):
    """A report could not be rendered (template, font or PDF engine problem)."""


class RefusedURL(RenderError, ValueError):
    """A report tried to fetch something outside the package's static files."""
