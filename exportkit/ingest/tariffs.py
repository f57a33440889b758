"""Import WITS/TRAINS tariff downloads (the Advanced Query's CSV) into the tariffs table.

Each row is a reporter × partner × product × year × duty type with its simple (and weighted)
average rate in percent. MFN rows are stored for partner ``WLD`` (MFN applies to all); a
preferential (``PRF``) or effectively applied (``AHS``) rate for a partner is stored for that
partner — Taiwan (``OAS``/490 in WITS) as ``TWN``, a competitor (China under ACFTA, an ASEAN
member under ATIGA, Japan or Korea under RCEP …) under its own code or WITS's group code —
so the potential and the brief can set Taiwan's rate against MFN and the best rate a
competitor gets. Columns, duty types and codes: ``exportkit/data/wits_tariff_files.yaml``.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from exportkit.countries import from_m49, try_resolve
from exportkit.errors import DataImportError, ExportkitError
from exportkit.models import FileBatch, FileFailure, Tariff
from exportkit.resources import data_file, load_yaml
from exportkit.store import open_store

MAX_BYTES = 200 * 1024 * 1024
_PRODUCT = re.compile(r"^\d{2}(\d{2}){0,2}$")


@cache
def layout() -> dict:
    """The WITS download layout (``data/wits_tariff_files.yaml``)."""
    return load_yaml(data_file("wits_tariff_files.yaml"))


def _norm(text: str) -> str:
    return re.sub(r"[\s_]+", "", text).lower()


@dataclass
class TariffImport:
    """What one file gave: rows read, tariffs stored, and each row skipped (line, reason)."""

    file: str
    rows: int = 0
    tariffs: list[Tariff] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


class TariffBatch(FileBatch[TariffImport]):
    """Several downloads imported: each good file's outcome, and each file refused and why."""


def _country(code: str) -> str | None:
    """ISO3 for a WITS reporter/partner code: ISO3, ISO numeric, or Taiwan's/world's codes."""
    code = code.strip()
    upper = code.upper()
    if upper in {str(c).upper() for c in layout()["world"]}:
        return "WLD"
    if upper in {str(c).upper() for c in layout()["taiwan"]}:
        return "TWN"
    if code.isdigit():
        return from_m49(int(code))
    return try_resolve(code)


def _partner(code: str) -> str | None:
    """A partner: a country's ISO3, else WITS's own group code as given (``ASEAN``, ``N37``)."""
    iso3 = _country(code)
    if iso3:
        return iso3
    upper = code.strip().upper()
    return upper if re.fullmatch(r"[A-Z0-9]{2,10}", upper) else None


def _rate(text: str | None) -> float | None:
    text = (text or "").strip()
    if not text or text.upper() in ("NA", "N/A", "-"):
        return None
    return float(text.replace(",", ""))


def read_tariff_csv(path: str | os.PathLike) -> TariffImport:
    """Parse one WITS tariff download into ``Tariff`` records."""
    path = Path(path)
    if not path.is_file():
        raise DataImportError(f"{path}: no such file", zh=f"{path}：找不到檔案")
    if path.stat().st_size > MAX_BYTES:
        raise DataImportError(
            f"{path}: larger than {MAX_BYTES // 2**20} MB; download fewer reporters at a time",
            zh=f"{path}：超過 {MAX_BYTES // 2**20} MB；請分批下載較少的申報國",
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # WITS' older exports
    rows = list(csv.reader(io.StringIO(text)))
    cfg = layout()
    header = [_norm(c) for c in rows[0]] if rows else []
    # per role the first of its accepted headers the file has (Native Nomen before Selected)
    at = {
        role: next((header.index(_norm(n)) for n in headers if _norm(n) in header), None)
        for role, headers in cfg["columns"].items()
    }
    lacking = [r for r in cfg["required"] if at[r] is None]
    if lacking:
        wanted = ", ".join(cfg["columns"][r][0] for r in lacking)
        raise DataImportError(
            f"{path}: not a WITS tariff download: no column {wanted} (expected Reporter, "
            "Partner, Product, Tariff Year, Duty Type, Simple Average, Weighted Average)",
            zh=f"{path}：不是 WITS 關稅下載檔：缺少欄位 {wanted}（應有 Reporter、Partner、Product、"
            "Tariff Year、Duty Type、Simple Average、Weighted Average）",
        )
    result = TariffImport(file=str(path))
    retrieved = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(
        microsecond=0, tzinfo=None
    )
    source, url = cfg["source"], path.resolve().as_uri()
    width = max(i for i in at.values() if i is not None)
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        result.rows += 1
        if len(row) <= width:
            result.skipped.append((line, "too few columns"))
            continue

        def cell(role: str, row: list[str] = row) -> str:
            return row[at[role]].strip() if at[role] is not None else ""

        reporter, partner = _country(cell("reporter")), _partner(cell("partner"))
        product = re.sub(r"[\s.]", "", cell("product"))
        kind = cfg["duty_types"].get(cell("duty_type").upper())
        try:
            year = int(float(cell("year")))
            simple, weighted = _rate(cell("simple")), _rate(cell("weighted"))
        except ValueError:
            result.skipped.append((line, "year or rate is not a number"))
            continue
        if reporter in (None, "WLD"):
            result.skipped.append((line, f"unknown reporter {cell('reporter')!r}"))
        elif partner is None:
            result.skipped.append((line, f"unknown partner {cell('partner')!r}"))
        elif not _PRODUCT.match(product):
            result.skipped.append((line, f"product {cell('product')!r} is not an HS code"))
        elif kind is None:
            result.skipped.append((line, f"unknown duty type {cell('duty_type')!r}"))
        else:
            partner = "WLD" if kind in ("MFN", "BND") else partner
            nomen = cell("nomenclature") or None
            for tariff_type, rate in ((kind, simple), (f"{kind}_WEIGHTED", weighted)):
                if rate is not None:
                    result.tariffs.append(
                        Tariff(reporter, partner, product, year, tariff_type, rate, source, url,
                               retrieved, nomen)
                    )  # fmt: skip
    if not result.tariffs:
        raise DataImportError(
            f"{path}: no usable rows ({len(result.skipped)} skipped)",
            zh=f"{path}：沒有可用的資料列（略過 {len(result.skipped)} 列）",
        )
    return result


def import_tariff_files(
    paths: Iterable[str | os.PathLike], db: str | os.PathLike | None = None
) -> TariffBatch:
    """Import each WITS tariff download; a bad file is reported and the others are imported
    (each file in one transaction)."""
    batch = TariffBatch()
    with open_store(db) as store:
        for path in paths:
            try:
                result = read_tariff_csv(path)
                store.upsert_tariffs(result.tariffs)
                batch.imports.append(result)
            except ExportkitError as exc:  # this file's problem; the others are still imported
                batch.failures.append(FileFailure(str(path), (exc,)))
    return batch
