"""Share a market database: export every table to CSV/Parquet files, import them back.

An import reads and validates every file before it writes anything, then loads them all in
one transaction, so a bad directory leaves the database exactly as it was.

Firms' assessment history (tax IDs, names, scores) is personal to a consultancy: an export
leaves it out unless asked (``include_assessments``). In CSV, text that a spreadsheet would
run as a formula is neutralised (a leading apostrophe), and an import takes it off again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from exportkit.errors import DataImportError, StoreError, UsageError
from exportkit.i18n import os_reason
from exportkit.safe_output import neutralise, restore_neutralised
from exportkit.store import tables
from exportkit.store.database import Store
from exportkit.store.frames import normalise
from exportkit.store.tables import TableSpec

FORMATS = ("csv", "parquet")
#: files a shared directory must hold; the others (crawl runs, assessments) are optional
REQUIRED_TABLES = ("countries", "indicators", "trade_flows", "tariffs", "market_notes")
#: refuse absurd inputs before reading them into memory
MAX_FILE_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class TransferResult:
    """The folder, the rows per table and the files written or read."""

    directory: Path
    rows: dict[str, int]
    files: tuple[Path, ...]


def export_tables(
    store: Store,
    directory: str | os.PathLike,
    fmt: str = "csv",
    *,
    include_assessments: bool = False,
) -> TransferResult:
    """Write one file per table (``indicators.csv`` …) into ``directory`` (created if needed).

    The assessment history is written only with ``include_assessments``; without it, an
    ``assessments`` file left there by an earlier export is removed, so the folder never
    carries firms' data the user did not ask to share.
    """
    if fmt not in FORMATS:
        raise UsageError(
            f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}",
            zh=f"不明的匯出格式 {fmt!r}；請用 {', '.join(FORMATS)}",
        )
    out = Path(directory)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the export folder {out}: {os_reason(exc, 'en')}",
            zh=f"無法建立匯出資料夾 {out}：{os_reason(exc, 'zh-TW')}",
        ) from None
    rows, files = {}, []
    for spec in tables.SHARED:
        path = out / f"{spec.name}.{fmt}"
        if spec.name == tables.ASSESSMENTS.name and not include_assessments:
            for stale in (out / f"{spec.name}.{f}" for f in FORMATS):
                stale.unlink(missing_ok=True)
            continue
        frame = store.table_frame(spec.name)
        tmp = path.with_suffix(path.suffix + ".part")
        try:
            if fmt == "csv":
                _formula_proof(frame).to_csv(
                    tmp, index=False, encoding="utf-8", date_format="%Y-%m-%dT%H:%M:%S"
                )
            else:
                frame.to_parquet(tmp, index=False)
            tmp.replace(path)  # no half-written file under the final name
        except OSError as exc:
            raise StoreError(
                f"cannot write {path}: {os_reason(exc, 'en')}",
                zh=f"無法寫入 {path}：{os_reason(exc, 'zh-TW')}",
            ) from None
        rows[spec.name] = len(frame)
        files.append(path)
    return TransferResult(out, rows, tuple(files))


def _formula_proof(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns with every formula-like value neutralised (``=…`` → ``'=…``)."""
    text = [
        c
        for c in frame.columns
        if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])
    ]
    if not text:
        return frame
    out = frame.copy()
    for col in text:
        out[col] = out[col].map(neutralise)
    return out


def read_table_file(path: Path, spec: TableSpec) -> pd.DataFrame:
    """Read and validate one exported file; raises ``DataImportError`` naming file and column."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DataImportError(
            f"{path}: cannot read the file: {os_reason(exc, 'en')}",
            zh=f"{path}：無法讀取檔案：{os_reason(exc, 'zh-TW')}",
        ) from None
    if size > MAX_FILE_BYTES:
        raise DataImportError(
            f"{path}: file is larger than {MAX_FILE_BYTES // 1024**3} GB",
            zh=f"{path}：檔案大於 {MAX_FILE_BYTES // 1024**3} GB",
        )
    try:
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(
                path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig"
            )
    except Exception as exc:  # pandas/pyarrow raise many kinds for a malformed file
        raise DataImportError(
            f"{path}: not a readable {path.suffix[1:]} file: {exc}",
            zh=f"{path}：不是可讀取的 {path.suffix[1:]} 檔：{exc}",
        ) from None
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if path.suffix != ".parquet":
        frame = frame.map(restore_neutralised)  # what export neutralised, back as it was
    missing = [c for c in spec.required if c not in frame.columns]
    if missing:
        raise DataImportError(
            f"{path}: missing column '{missing[0]}' (needs {', '.join(spec.required)})",
            zh=f"{path}：缺少欄位 '{missing[0]}'（需要 {', '.join(spec.required)}）",
        )
    try:
        return normalise(frame, spec, where=str(path))
    except StoreError as exc:
        raise DataImportError(str(exc), zh=exc.message("zh-TW")) from None


def read_directory(directory: str | os.PathLike) -> dict[str, pd.DataFrame]:
    """Every table file in ``directory``, validated; nothing is written anywhere."""
    src = Path(directory)
    if not src.is_dir():
        raise DataImportError(
            f"{src}: not a folder (give the folder `data export` wrote)",
            zh=f"{src}：不是資料夾（請指定 `data export` 寫出的資料夾）",
        )
    frames: dict[str, pd.DataFrame] = {}
    for spec in tables.SHARED:
        found = [
            src / f"{spec.name}.{fmt}" for fmt in FORMATS if (src / f"{spec.name}.{fmt}").exists()
        ]
        if len(found) > 1:
            raise DataImportError(
                f"{src}: both {found[0].name} and {found[1].name}; keep one",
                zh=f"{src}：同時有 {found[0].name} 與 {found[1].name}；請只保留一個",
            )
        if not found:
            if spec.name in REQUIRED_TABLES:
                raise DataImportError(
                    f"{src / (spec.name + '.csv')}: file missing (an export folder holds "
                    f"{', '.join(n + '.csv' for n in REQUIRED_TABLES)})",
                    zh=f"{src / (spec.name + '.csv')}：缺少檔案（匯出資料夾應有 {', '.join(n + '.csv' for n in REQUIRED_TABLES)}）",
                )
            continue
        frames[spec.name] = read_table_file(found[0], spec)
    return frames


def import_directory(store: Store, directory: str | os.PathLike) -> TransferResult:
    """Merge an exported directory into the store (latest retrieval wins per natural key)."""
    frames = read_directory(directory)
    rows = {}
    with store.transaction():
        for spec in tables.SHARED:
            frame = frames.get(spec.name)
            if frame is None:
                continue
            if spec.name == "crawl_runs":
                rows[spec.name] = _merge_crawl_runs(store, frame)
            else:
                rows[spec.name] = store.upsert_frame(spec, frame)
    return TransferResult(Path(directory), rows, ())


def _merge_crawl_runs(store: Store, frame: pd.DataFrame) -> int:
    return store.merge_crawl_runs(frame)
