"""Reading user panels and presenting analytics results (text table, JSON, CSV)."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from functools import cache
from pathlib import Path

import pandas as pd

from exportkit.errors import UsageError
from exportkit.models.analytics import GravityResult
from exportkit.resources import data_file, load_yaml

# A panel larger than this is almost certainly the wrong file; refuse it rather than
# exhaust memory (100 countries × 100 × 50 years of CSV is ~50 MB).
MAX_PANEL_BYTES = 2 * 1024**3


@cache
def _labels() -> dict[str, dict[str, str]]:
    return load_yaml(data_file("analytics_labels.yaml"))["labels"]


def label(key: str, lang: str = "en", **kwargs: object) -> str:
    """An analytics label in ``lang`` (zh-TW or en), formatted with ``kwargs``."""
    entry = _labels()[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**kwargs) if kwargs else text


def read_panel(path: str | Path) -> pd.DataFrame:
    """Read a CSV, Parquet or Stata panel; a clear UsageError for a missing, huge or unreadable file."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{path}: no such file", zh=f"{path}：找不到此檔案")
    if path.stat().st_size > MAX_PANEL_BYTES:
        raise UsageError(
            f"{path}: larger than {MAX_PANEL_BYTES // 1024**2} MB; refusing to read",
            zh=f"{path}：大於 {MAX_PANEL_BYTES // 1024**2} MB，不予讀取",
        )
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
        if suffix in (".csv", ".txt", ".gz"):
            return pd.read_csv(path)
        if suffix == ".dta":  # Stata: how the teaching panels (e.g. Yotov et al. 2016) ship
            return pd.read_stata(path)
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise UsageError(
            f"{path}: cannot be read as {suffix[1:].upper()}: {exc}",
            zh=f"{path}：無法以 {suffix[1:].upper()} 格式讀取：{exc}",
        ) from exc
    raise UsageError(
        f"{path}: expected a .csv, .parquet or .dta file",
        zh=f"{path}：應為 .csv、.parquet 或 .dta 檔",
    )


def _display_width(text: str) -> int:
    # Han characters take two terminal cells; pad by cells so zh-TW headers line up.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = True) -> str:
    fill = " " * max(width - _display_width(text), 0)
    return fill + text if right else text + fill


def _fmt(value: float, width: int, digits: int) -> str:
    return f"{value:>{width}.{digits}f}"


def gravity_table(result: GravityResult, lang: str = "en") -> str:
    """A regression table: coefficients, SEs, z, p-values, N, pseudo-R² and diagnostics."""
    lines = [label("gravity_title", lang)]
    fes = ", ".join(result.fixed_effects_used) or label("none", lang)
    lines.append(f"{label('fixed_effects', lang)}: {fes}")
    if result.se_type == "cluster":
        lines.append(
            label(
                "se_cluster",
                lang,
                cluster=result.columns.get("cluster") or label("pair", lang),
                n=result.n_clusters or 0,
            )
        )
    else:
        lines.append(label(f"se_{result.se_type}", lang))
    width = max([len(c.name) for c in result.coefficients] + [12])
    head = "  ".join(
        [
            _pad(label("variable", lang), width, right=False),
            _pad(label("estimate", lang), 12),
            _pad(label("std_error", lang), 12),
            _pad(label("z", lang), 9),
            _pad(label("p_value", lang), 9),
        ]
    )
    rule = "-" * _display_width(head)
    lines += ["", head, rule]
    for c in result.coefficients:
        lines.append(
            f"{c.name:<{width}}  {_fmt(c.estimate, 12, 6)}  {_fmt(c.std_error, 12, 6)}  "
            f"{_fmt(c.z, 9, 3)}  {_fmt(c.p_value, 9, 4)}"
        )
    lines.append(rule)
    lines.append(
        f"{label('nobs', lang)} = {result.nobs}   {label('pseudo_r2', lang)} = "
        f"{result.pseudo_r2:.4f}   {label('r2_corr', lang)} = {result.r2_corr:.4f}"
    )
    d = result.diagnostics
    lines += ["", f"{label('diagnostics', lang)}:"]
    key = "converged" if d.converged else "not_converged"
    lines.append("  " + label(key, lang, iterations=d.iterations, change=d.deviance_change))
    names = ", ".join(d.dropped_collinear) or label("none", lang)
    lines.append("  " + label("dropped_collinear", lang, names=names))
    lines.append(
        "  "
        + label("zero_groups", lang, groups=d.zero_groups_dropped, rows=d.zero_group_obs_dropped)
    )
    lines.append("  " + label("separated", lang, rows=d.separated_obs))
    if not d.separation_checked:
        lines.append("  " + label("separation_unchecked", lang))
    lines.append("  " + label("missing", lang, rows=d.missing_obs_dropped))
    lines += [f"  {note}" for note in d.notes]
    return "\n".join(lines)


def gravity_json(result: GravityResult) -> str:
    """The fit as a JSON document (``GravityResult.to_dict``)."""
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2)


def gravity_csv(result: GravityResult) -> str:
    """One row per regressor: variable, estimate, std_error, z, p_value, nobs, se_type."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["variable", "estimate", "std_error", "z", "p_value", "nobs", "se_type"])
    for c in result.coefficients:
        writer.writerow(
            [c.name, repr(c.estimate), repr(c.std_error), repr(c.z), repr(c.p_value)]
            + [result.nobs, result.se_type]
        )
    return buf.getvalue()
