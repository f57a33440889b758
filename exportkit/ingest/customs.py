"""Import the customs portal's CSV export (關港貿單一窗口 GA30/GA30E) into trade flows.

The portal is behind a CAPTCHA and is never automated; users query it and download a CSV:
``進出口別,日期,貨品號列,中文貨名,英文貨名,美元(千元)`` (or the English export
``Imports/Exports,Time,Commodity Code,Description of Good,Value(USD$ 1000)``), with ROC periods
(``102年`` or ``102年 1月``; English ``2022/1``), 11-digit CCC codes, values in US$ thousands
with up to 5 decimals, leading spaces and full-width commas inside names.

The export names no partner country (it is chosen in the query form), so the caller says which
(``country``; ``WLD`` when the query was for all countries). CCC lines are summed into HS6
(codes of 2/4 digits stay headings). Monthly rows make a year only when all 12 months are in
the file: a partial year would look like a collapse.
"""

from __future__ import annotations

import csv
import io
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from exportkit.countries import resolve
from exportkit.errors import DataImportError, ExportkitError
from exportkit.models import FileFailure, TradeFlow
from exportkit.spiders.normalise import hs_from_ccc, parse_number, parse_period
from exportkit.store import open_store

SOURCE = "customs_portal"
MAX_BYTES = 50 * 1024 * 1024
ENCODINGS = ("utf-8-sig", "cp950", "big5hkscs")
# column role → accepted header spellings (Chinese and English exports)
COLUMNS = {
    "flow": ("進出口別", "Imports/Exports"),
    "period": ("日期", "Time"),
    "code": ("貨品號列", "Commodity Code"),
    "value": ("美元(千元)", "Value(USD$ 1000)", "Value(USD$1000)"),
}


@dataclass
class CustomsImport:
    """What one file gave: the trade flows and every row skipped, with its line and reason."""

    file: str
    rows: int = 0
    flows: list[TradeFlow] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def _norm(text: str) -> str:
    return "".join(text.split()).replace("（", "(").replace("）", ")").lower()


def _decode(path: Path, raw: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DataImportError(
        f"{path}: not a UTF-8 or Big5 text file (expected the portal's CSV export)"
    )


def _flow_of(label: str) -> str | None:
    text = label.strip().lower()
    if "出口" in text or "export" in text:
        return "X"
    if "進口" in text or "import" in text:
        return "M"
    return None


def read_customs_csv(path: str | os.PathLike, country: str = "WLD") -> CustomsImport:
    """Parse one portal CSV export into ``TradeFlow`` records (reporter TWN, partner ``country``)."""
    path = Path(path)
    if not path.is_file():
        raise DataImportError(f"{path}: no such file")
    if path.stat().st_size > MAX_BYTES:
        raise DataImportError(
            f"{path}: larger than {MAX_BYTES // 2**20} MB; export a smaller query"
        )
    partner = "WLD" if country.upper() == "WLD" else resolve(country)
    rows = list(csv.reader(io.StringIO(_decode(path, path.read_bytes()))))
    header_at, positions = None, {}
    for i, row in enumerate(rows[:20]):  # the export may start with title lines
        cells = [_norm(c) for c in row]
        found = {
            role: cells.index(_norm(name))
            for role, names in COLUMNS.items()
            for name in names
            if _norm(name) in cells
        }
        if len(found) == len(COLUMNS):
            header_at, positions = i, found
            break
    if header_at is None:
        raise DataImportError(
            f"{path}: expected the customs portal's CSV header "
            "進出口別,日期,貨品號列,中文貨名,英文貨名,美元(千元)"
        )
    result = CustomsImport(file=str(path))
    annual: dict[tuple[str, str, int], float] = defaultdict(float)
    monthly: dict[tuple[str, str, int], dict[int, float]] = defaultdict(dict)
    for line_no, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(c.strip() for c in row):
            continue
        result.rows += 1
        if len(row) <= max(positions.values()):
            result.skipped.append((line_no, "too few columns"))
            continue
        flow = _flow_of(row[positions["flow"]])
        period = parse_period(row[positions["period"]])
        hs = hs_from_ccc(row[positions["code"]])
        value = parse_number(row[positions["value"]])
        if flow is None:
            result.skipped.append((line_no, f"unknown flow {row[positions['flow']].strip()!r}"))
        elif period is None:
            result.skipped.append((line_no, f"unknown period {row[positions['period']].strip()!r}"))
        elif not hs:
            result.skipped.append(
                (line_no, f"unknown commodity code {row[positions['code']].strip()!r}")
            )
        elif value is None:
            result.skipped.append((line_no, "no value"))
        else:
            year, month = period
            key = (flow, hs, year)
            if month is None:
                annual[key] += value
            else:
                monthly[key][month] = monthly[key].get(month, 0.0) + value
    for key, months in monthly.items():
        if key in annual:
            continue  # the file has the year's own total
        if len(months) == 12:
            annual[key] = sum(months.values())
        else:
            result.skipped.append((0, f"{key[2]} {key[1]}: only {len(months)} of 12 months"))
    retrieved = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(microsecond=0)
    url = path.resolve().as_uri()
    for (flow, hs, year), thousands in sorted(annual.items()):
        result.flows.append(
            TradeFlow(
                reporter_iso3="TWN",
                partner_iso3=partner,
                hs_code=hs,
                year=year,
                flow=flow,
                value_usd=round(thousands * 1000, 2),  # US$ thousands → US$
                source=SOURCE,
                source_url=url,
                retrieved_at=retrieved,
                hs_revision=None,
            )
        )
    if not result.flows:
        raise DataImportError(f"{path}: no usable rows ({len(result.skipped)} skipped)")
    return result


def import_customs(
    path: str | os.PathLike, country: str = "WLD", db: str | os.PathLike | None = None
) -> CustomsImport:
    """Read one export and upsert its trade flows into the market database."""
    result = read_customs_csv(path, country)
    with open_store(db) as store:
        store.upsert_trade_flows(result.flows)
    return result


@dataclass
class CustomsBatch:
    """Several exports imported: what each good file gave, and each file refused and why."""

    imports: list[CustomsImport] = field(default_factory=list)
    failures: list[FileFailure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every file was imported."""
        return not self.failures


def import_customs_files(
    paths: Iterable[str | os.PathLike],
    country: str = "WLD",
    db: str | os.PathLike | None = None,
) -> CustomsBatch:
    """Import each export in ``paths``; a bad file is reported and the others are imported."""
    batch = CustomsBatch()
    for path in paths:
        try:
            batch.imports.append(import_customs(path, country=country, db=db))
        except ExportkitError as exc:  # this file's problem; the others are still imported
            batch.failures.append(FileFailure(str(path), (exc,)))
    return batch
