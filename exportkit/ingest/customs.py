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

Every row that cannot be used is skipped with its line and a reason in both languages, never
stored as a wrong figure: a negative value, a row with more cells than the header (an unquoted
``1,234.5`` splits into ``1`` and ``234.5``), a year before 1950 or after this year (ROC year
999 read as 2910), a month outside 1–12.
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
from exportkit.models import FileBatch, FileFailure, Text, TradeFlow
from exportkit.spiders.normalise import hs_from_ccc, parse_number, parse_period
from exportkit.store import open_store

SOURCE = "customs_portal"
MAX_BYTES = 50 * 1024 * 1024
FIRST_YEAR = 1950  # the portal's series start decades later; anything earlier is a typo
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
    """What one file gave: the trade flows and every row skipped, with its line (0: the
    file as a whole) and the reason in both languages."""

    file: str
    rows: int = 0
    flows: list[TradeFlow] = field(default_factory=list)
    skipped: list[tuple[int, Text]] = field(default_factory=list)


def _norm(text: str) -> str:
    return "".join(text.split()).replace("（", "(").replace("）", ")").lower()


def _decode(path: Path, raw: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DataImportError(
        f"{path}: not a UTF-8 or Big5 text file (expected the portal's CSV export)",
        zh=f"{path}：不是 UTF-8 或 Big5 文字檔（應為關務署統計資料庫下載的 CSV）",
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
        raise DataImportError(f"{path}: no such file", zh=f"{path}：找不到此檔案")
    if path.stat().st_size > MAX_BYTES:
        raise DataImportError(
            f"{path}: larger than {MAX_BYTES // 2**20} MB; export a smaller query",
            zh=f"{path}：大於 {MAX_BYTES // 2**20} MB；請縮小查詢範圍後再下載",
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
            "進出口別,日期,貨品號列,中文貨名,英文貨名,美元(千元)",
            zh=f"{path}：應有關務署統計資料庫 CSV 的標題列 進出口別,日期,貨品號列,中文貨名,英文貨名,美元(千元)",
        )
    result = CustomsImport(file=str(path))
    annual: dict[tuple[str, str, int], float] = defaultdict(float)
    monthly: dict[tuple[str, str, int], dict[int, float]] = defaultdict(dict)
    for line_no, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(c.strip() for c in row):
            continue
        result.rows += 1
        reason = _row_problem(row, positions, len(rows[header_at]))
        if reason is not None:
            result.skipped.append((line_no, reason))
            continue
        flow = _flow_of(row[positions["flow"]])
        year, month = parse_period(row[positions["period"]])
        key = (flow, hs_from_ccc(row[positions["code"]]), year)
        value = parse_number(row[positions["value"]])
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
            result.skipped.append(
                (
                    0,
                    Text(
                        f"{key[2]} {key[1]}：只有 {len(months)} 個月（需 12 個月）",
                        f"{key[2]} {key[1]}: only {len(months)} of 12 months",
                    ),
                )
            )
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
        first = "; ".join(f"line {n}: {r.en}" for n, r in result.skipped[:3])
        first_zh = "；".join(f"第 {n} 行：{r.zh_TW}" for n, r in result.skipped[:3])
        raise DataImportError(
            f"{path}: no usable rows ({len(result.skipped)} skipped: {first})",
            zh=f"{path}：沒有可用的資料列（略過 {len(result.skipped)} 列：{first_zh}）",
        )
    return result


def _row_problem(row: list[str], positions: dict[str, int], width: int) -> Text | None:
    """Why a data row cannot be stored, or ``None`` when every cell makes sense."""
    if len(row) <= max(positions.values()):
        return Text("欄位太少", "too few columns")
    extra = [c for c in row[width:] if c.strip()]
    if extra:
        return Text(
            f"比標題多出 {len(extra)} 欄（數字中的千分位逗號未加引號？例如 1,234.5）",
            f"{len(extra)} more cell(s) than the header (a thousands separator in an unquoted "
            "number, such as 1,234.5?)",
        )
    cell = {role: row[i].strip() for role, i in positions.items()}
    if _flow_of(cell["flow"]) is None:
        return Text(f"不明的進出口別「{cell['flow']}」", f"unknown flow {cell['flow']!r}")
    period = parse_period(cell["period"])
    if period is None:
        return Text(f"不明的日期「{cell['period']}」", f"unknown period {cell['period']!r}")
    year, month = period
    this_year = datetime.now(UTC).year
    if not FIRST_YEAR <= year <= this_year:
        return Text(
            f"日期「{cell['period']}」為西元 {year} 年，不在 {FIRST_YEAR}–{this_year} 年之間",
            f"period {cell['period']!r} is the year {year}, outside {FIRST_YEAR}–{this_year}",
        )
    if month is not None and not 1 <= month <= 12:
        return Text(
            f"日期「{cell['period']}」的月份無效", f"period {cell['period']!r}: no such month"
        )
    if not hs_from_ccc(cell["code"]):
        return Text(f"不明的貨品號列「{cell['code']}」", f"unknown commodity code {cell['code']!r}")
    value = parse_number(cell["value"])
    if value is None:
        return Text("沒有金額", "no value")
    if value < 0:
        return Text(f"金額為負數（{cell['value']}）", f"a negative value ({cell['value']})")
    return None


def import_customs(
    path: str | os.PathLike, country: str = "WLD", db: str | os.PathLike | None = None
) -> CustomsImport:
    """Read one export and upsert its trade flows into the market database."""
    result = read_customs_csv(path, country)
    with open_store(db) as store:
        store.upsert_trade_flows(result.flows)
    return result


class CustomsBatch(FileBatch[CustomsImport]):
    """Several exports imported: what each good file gave, and each file refused and why."""


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
