"""Between model dataclasses and DataFrames, the shape every bulk write takes.

Bulk loads go through DataFrames (DuckDB scans them directly), never row-by-row inserts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import fields
from itertools import islice

import pandas as pd

from exportkit.errors import StoreError
from exportkit.models import Text
from exportkit.store.tables import TableSpec


def _db_name(field_name: str) -> str:
    return field_name.lower()  # name_zh_TW → name_zh_tw (DuckDB folds identifiers)


def records_frame(items: Iterable[object], spec: TableSpec) -> pd.DataFrame:
    """A DataFrame of dataclass instances (or a DataFrame passed through) in ``spec``'s columns.

    A bilingual field (``Text``) becomes two columns, ``<name>_zh_tw`` and ``<name>_en``
    (``MarketNote.title`` → ``title_zh_tw``, ``title_en``).
    """
    if isinstance(items, pd.DataFrame):
        return normalise(items, spec)
    items = list(items)
    if not items:
        return normalise(pd.DataFrame(columns=list(spec.column_names)), spec)
    names = [f.name for f in fields(items[0])]
    bilingual = {n for n in names if isinstance(getattr(items[0], n), Text)}
    columns: list[str] = []
    for n in names:
        columns += [f"{n}_zh_tw", f"{n}_en"] if n in bilingual else [_db_name(n)]
    if not bilingual:
        rows = [tuple(getattr(item, n) for n in names) for item in items]
    else:
        rows = [tuple(_flat(item, names, bilingual)) for item in items]
    frame = pd.DataFrame.from_records(rows, columns=columns)
    return normalise(frame, spec)


def _flat(item: object, names: list[str], bilingual: set[str]) -> Iterator[object]:
    for n in names:
        value = getattr(item, n)
        if n in bilingual:
            yield from (value.zh_TW, value.en) if value is not None else (None, None)
        else:
            yield value


def chunks(items: Iterable[object], size: int) -> Iterator[object]:
    """Slices of ``items`` (a DataFrame is sliced by rows) so huge loads stay in bounded memory."""
    if isinstance(items, pd.DataFrame):
        for start in range(0, max(len(items), 1), size):
            yield items.iloc[start : start + size]
        return
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def normalise(frame: pd.DataFrame, spec: TableSpec, *, where: str | None = None) -> pd.DataFrame:
    """Columns in spec order with the right types; raises ``StoreError`` on a missing key value.

    Timestamps become naive UTC (aware ones are converted), so comparisons of ``retrieved_at``
    across sources are meaningful.
    """
    frame = frame.copy()
    frame.columns = [_db_name(str(c)) for c in frame.columns]
    for col in spec.columns:
        if col.name not in frame.columns:
            frame[col.name] = None
    frame = frame[list(spec.column_names)]
    for col in spec.columns:
        series = frame[col.name]
        try:
            frame[col.name] = _convert(series, col.sql_type)
        except (ValueError, TypeError) as exc:
            raise StoreError(
                f"{where or spec.name}: column '{col.name}' has a value that is not "
                f"{col.sql_type.lower()}: {exc}",
                zh=f"{where or spec.name}：欄位 '{col.name}' 有不是 {col.sql_type.lower()} 的值：{exc}",
            ) from None
    for name in spec.required:
        series = frame[name]
        empty = series.isna().to_numpy().copy()
        if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
            # vectorised: "" and whitespace-only count as empty too
            empty |= series.astype(str).str.strip().eq("").to_numpy()
        if empty.any():
            row = int(empty.nonzero()[0][0])
            raise StoreError(
                f"{where or spec.name}: column '{name}' is empty in row {row + 1} "
                f"(every row needs it)",
                zh=f"{where or spec.name}：第 {row + 1} 列的欄位 '{name}' 是空的（每列都需要）",
            )
    return frame


def _convert(series: pd.Series, sql_type: str) -> pd.Series:
    """One column to the type DuckDB will store; vectorised (bulk loads stay fast)."""
    if sql_type == "TIMESTAMP":
        if pd.api.types.is_datetime64_any_dtype(series):
            if getattr(series.dt, "tz", None) is not None:
                return series.dt.tz_convert("UTC").dt.tz_localize(None)
            return series
        return pd.to_datetime(series, utc=True, format="mixed").dt.tz_localize(None)
    if sql_type == "DATE":
        return pd.to_datetime(series, format="mixed").dt.date
    if sql_type in ("INTEGER", "BIGINT"):
        return pd.to_numeric(series).astype("Int64")
    if sql_type == "DOUBLE":
        return pd.to_numeric(series).astype("float64")
    if sql_type == "BOOLEAN":
        return series.map(_to_bool).astype("boolean")
    if pd.api.types.is_string_dtype(series) and not pd.api.types.is_object_dtype(series):
        return series  # pandas' own string dtype: DuckDB reads it (missing → NULL) as is
    # object columns (from dataclasses): keep None as None, other values as text
    values = [None if _missing(v) else v if isinstance(v, str) else str(v) for v in series]
    return pd.Series(values, index=series.index, dtype=object)


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _to_bool(value: object) -> bool | None:
    if _missing(value):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "y", "t"):
        return True
    if text in ("false", "0", "no", "n", "f"):
        return False
    raise ValueError(f"{value!r} is not true/false")
