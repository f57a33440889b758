"""Export potential, ITC Export Potential Indicator style.

potential = supply × demand (market-access adjusted) × bilateral ease of trade;
unrealised = max(potential − actual, 0); utilisation = actual / potential.
Every term's formula and data source is in ``exportkit/data/export_potential.yaml``; this
module implements exactly that file. Pure functions over pandas DataFrames whose columns are
``exportkit.models.TradeFlow`` fields (and ``Tariff`` fields for tariffs); a thin adapter,
``potential_from_store``, reads them from a market database.

Data realities handled explicitly (see the YAML): Taiwan appears as partner 490 "Other Asia,
nes" in Comtrade mirror data (normalised to TWN); HS editions are never mixed in one
comparison (``hs_revision_break`` flag); re-export hubs (SGP, HKG) get net-import demand when
their exports are known, and are flagged either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from functools import cache

import numpy as np
import pandas as pd

from exportkit.models.analytics import ExportPotential
from exportkit.models.market import Tariff, TradeFlow
from exportkit.resources import data_file, load_yaml

TRADE_COLUMNS = [f.name for f in fields(TradeFlow)]
TOTAL = "TOTAL"
WORLD = "WLD"


@cache
def method() -> dict:
    """The documented method (``data/export_potential.yaml``)."""
    return load_yaml(data_file("export_potential.yaml"))


def _taiwan_aliases() -> set[str]:
    return {str(a) for a in method()["data_realities"]["taiwan_codes"]["partner_aliases"]}


def hs_edition(year: int) -> str:
    """The HS edition in force in ``year`` (from the YAML's WCO edition years)."""
    editions = method()["data_realities"]["hs_revisions"]["editions"]
    current = None
    for name, first in sorted(editions.items(), key=lambda kv: kv[1]):
        if year >= first:
            current = name
    return current or "pre-" + min(editions, key=editions.get)


def normalise_flows(flows: pd.DataFrame, exporter: str = "TWN") -> pd.DataFrame:
    """Clean trade-flow rows: Taiwan's partner codes (490 …) → TWN, HS edition filled in.

    Rows with a missing value are dropped (missing is not zero). Codes are upper-cased.
    """
    missing = [
        c for c in ("reporter_iso3", "partner_iso3", "hs_code", "year", "flow") if c not in flows
    ]
    if missing:
        raise ValueError(f"trade flows lack columns: {', '.join(missing)}")
    df = flows.copy()
    for col in ("reporter_iso3", "partner_iso3", "hs_code", "flow"):
        df[col] = df[col].astype(str).str.strip().str.upper()
    if exporter == "TWN":
        aliases = {a.upper() for a in _taiwan_aliases()}
        df.loc[df["partner_iso3"].isin(aliases), "partner_iso3"] = "TWN"
        df.loc[df["reporter_iso3"].isin(aliases), "reporter_iso3"] = "TWN"
    df["year"] = df["year"].astype(int)
    df["value_usd"] = pd.to_numeric(df["value_usd"], errors="coerce")
    df = df.dropna(subset=["value_usd"])
    if "hs_revision" not in df:
        df["hs_revision"] = None
    inferred = df["year"].map(hs_edition)
    df["hs_revision"] = df["hs_revision"].where(df["hs_revision"].notna(), inferred)
    return df


def _sum(df: pd.DataFrame, **eq: object) -> tuple[float | None, set[str]]:
    mask = np.ones(len(df), dtype=bool)
    for col, value in eq.items():
        mask &= (df[col] == value).to_numpy()
    sub = df.loc[mask]
    if sub.empty:
        return None, set()
    return float(sub["value_usd"].sum()), set(sub["hs_revision"].astype(str))


def _tariff_lookup(tariffs: pd.DataFrame | None, market: str, hs: str, year: int, exporter: str):
    """(applied tariff on the exporter, MFN) in percent, latest year ≤ ``year``."""
    if tariffs is None or tariffs.empty:
        return None, None
    t = tariffs[(tariffs["reporter_iso3"] == market) & (tariffs["year"] <= year)]
    # A tariff for an HS heading applies to the codes under it: match the longest prefix.
    prefix = np.array(
        [hs.startswith(str(code)) or str(code).startswith(hs) for code in t["hs_code"]], dtype=bool
    )
    t = t.loc[prefix] if len(t) else t
    t = t.dropna(subset=["rate"])
    if t.empty:
        return None, None
    t = t.sort_values("year")

    def pick(partner: str, kinds: Sequence[str]) -> float | None:
        rows = t[(t["partner_iso3"] == partner) & t["tariff_type"].isin(kinds)]
        return float(rows.groupby("year")["rate"].mean().iloc[-1]) if len(rows) else None

    mfn = pick(WORLD, ["MFN"])
    applied = pick(exporter, ["AHS", "PREF"])
    return (applied if applied is not None else mfn), mfn


def export_potential(
    flows: pd.DataFrame,
    markets: Iterable[str],
    hs_codes: Iterable[str],
    *,
    exporter: str = "TWN",
    year: int | None = None,
    tariffs: pd.DataFrame | None = None,
    elasticity: float | None = None,
) -> list[ExportPotential]:
    """ITC-style export potential of ``exporter`` in each market × HS code.

    ``flows``: rows with TradeFlow columns (imports "M" of each market from WLD and from the
    exporter, totals under hs_code "TOTAL", optionally exports "X" of hubs and of the
    exporter). ``tariffs``: rows with Tariff columns. ``year``: the data year (default: the
    latest year with the market's imports of that code). Returns one result per market ×
    code, with None where a term is missing and ``flags`` naming why, sorted by unrealised
    potential (largest first).
    """
    cfg = method()
    hubs = set(cfg["terms"]["demand"]["re_export_hubs"]["markets"])
    sigma = elasticity if elasticity is not None else cfg["terms"]["demand"]["elasticity"]["value"]
    df = normalise_flows(flows, exporter)
    if tariffs is not None and not tariffs.empty:
        tariffs = tariffs.copy()
        for col in ("reporter_iso3", "partner_iso3", "tariff_type"):
            tariffs[col] = tariffs[col].astype(str).str.upper()
        if exporter == "TWN":
            tariffs.loc[tariffs["partner_iso3"].isin(_taiwan_aliases()), "partner_iso3"] = "TWN"
    imports = df[df["flow"] == "M"]
    exports = df[df["flow"] == "X"]
    reporters = sorted(set(imports["reporter_iso3"]) - {WORLD, exporter})
    results: list[ExportPotential] = []
    for market in markets:
        for hs in hs_codes:
            hs = str(hs).upper()
            flags: list[str] = []
            mk = imports[(imports["reporter_iso3"] == market) & (imports["hs_code"] == hs)]
            mk_world = mk[mk["partner_iso3"] == WORLD]
            t = (
                year
                if year is not None
                else (int(mk_world["year"].max()) if len(mk_world) else None)
            )
            if t is None:
                results.append(_missing(exporter, market, hs, year, ["no_import_data"]))
                continue
            editions: set[str] = set()

            # demand: the market's imports from the world, net of re-exports for hubs
            m_jk, ed = _sum(imports, reporter_iso3=market, partner_iso3=WORLD, hs_code=hs, year=t)
            editions |= ed
            if m_jk is None:
                results.append(_missing(exporter, market, hs, t, ["no_import_data"]))
                continue
            if market in hubs:
                x_jk, ed = _sum(
                    exports, reporter_iso3=market, partner_iso3=WORLD, hs_code=hs, year=t
                )
                if x_jk is not None:
                    editions |= ed
                    m_jk = max(m_jk - x_jk, 0.0)
                    flags.append("re_export_hub_net")
                else:
                    flags.append("re_export_hub_unadjusted")
            applied, mfn = _tariff_lookup(tariffs, market, hs, t, exporter)
            if applied is None or mfn is None:
                access = 1.0
                flags.append("no_tariff_data")
            else:
                access = ((1 + applied / 100) / (1 + mfn / 100)) ** (-sigma)
            demand = m_jk * access

            # supply: the exporter's share of world exports of the product
            # (different reporters may report in different HS editions in the same year;
            # that only warns, a mismatch inside the market's own rows voids the result)
            supply, sup_flags, ed = _supply(df, imports, reporters, exporter, hs, t)
            flags += sup_flags
            if len(ed) > 1:
                flags.append("mixed_hs_editions_in_supply")

            # ease: bilateral ease of trade on total trade
            ease, ease_flags = _ease(df, imports, reporters, exporter, market, t)
            flags += ease_flags

            # actual: the market's imports from the exporter (mirror data)
            actual, ed = _sum(
                imports, reporter_iso3=market, partner_iso3=exporter, hs_code=hs, year=t
            )
            editions |= ed
            if actual is None:
                actual = 0.0 if m_jk is not None else None
                flags.append("no_bilateral_row_assumed_zero")

            if len(editions) > 1:
                flags.append("hs_revision_break")
            potential = supply * demand * ease if supply is not None else None
            if len(editions) > 1:
                potential = None  # never compare across HS editions
            unrealised = (
                max(potential - actual, 0.0)
                if potential is not None and actual is not None
                else None
            )
            utilisation = actual / potential if potential and actual is not None else None
            results.append(
                ExportPotential(
                    exporter=exporter,
                    market=market,
                    hs_code=hs,
                    year=t,
                    supply=supply,
                    demand=demand,
                    ease=ease,
                    potential=potential,
                    actual=actual,
                    unrealised=unrealised,
                    utilisation=utilisation,
                    flags=tuple(dict.fromkeys(flags)),
                )
            )
    results.sort(key=lambda r: -(r.unrealised if r.unrealised is not None else -1.0))
    return results


def _missing(
    exporter: str, market: str, hs: str, year: int | None, flags: list[str]
) -> ExportPotential:
    return ExportPotential(
        exporter=exporter,
        market=market,
        hs_code=hs,
        year=year or 0,
        supply=None,
        demand=None,
        ease=None,
        potential=None,
        actual=None,
        unrealised=None,
        utilisation=None,
        flags=tuple(flags),
    )


def _exporter_total(df, imports, reporters, exporter, hs, t):
    """The exporter's exports of ``hs`` to the world: own reporting, else mirror sum."""
    own, ed = _sum(
        df[df["flow"] == "X"], reporter_iso3=exporter, partner_iso3=WORLD, hs_code=hs, year=t
    )
    if own is not None:
        return own, [], ed
    mirror = imports[
        (imports["partner_iso3"] == exporter)
        & (imports["hs_code"] == hs)
        & (imports["year"] == t)
        & imports["reporter_iso3"].isin(reporters)
    ]
    if mirror.empty:
        return None, ["no_exporter_supply_data"], set()
    return (
        float(mirror["value_usd"].sum()),
        ["supply_from_mirror"],
        set(mirror["hs_revision"].astype(str)),
    )


def _world_total(imports, reporters, hs, t):
    own, ed = _sum(imports, reporter_iso3=WORLD, partner_iso3=WORLD, hs_code=hs, year=t)
    if own is not None:
        return own, [], ed
    rows = imports[
        (imports["partner_iso3"] == WORLD)
        & (imports["hs_code"] == hs)
        & (imports["year"] == t)
        & imports["reporter_iso3"].isin(reporters)
    ]
    if rows.empty:
        return None, ["no_world_data"], set()
    return (
        float(rows["value_usd"].sum()),
        ["supply_world_is_subset"],
        set(rows["hs_revision"].astype(str)),
    )


def _supply(df, imports, reporters, exporter, hs, t):
    x_i, f1, e1 = _exporter_total(df, imports, reporters, exporter, hs, t)
    x_w, f2, e2 = _world_total(imports, reporters, hs, t)
    if x_i is None or not x_w:
        return None, f1 + f2, e1 | e2
    return x_i / x_w, f1 + f2, e1 | e2


def _ease(df, imports, reporters, exporter, market, t):
    x_ij, _ = _sum(imports, reporter_iso3=market, partner_iso3=exporter, hs_code=TOTAL, year=t)
    x_i, _, _ = _exporter_total(df, imports, reporters, exporter, TOTAL, t)
    m_j, _ = _sum(imports, reporter_iso3=market, partner_iso3=WORLD, hs_code=TOTAL, year=t)
    m_w, _, _ = _world_total(imports, reporters, TOTAL, t)
    if None in (x_ij, x_i, m_j, m_w) or not x_i or not m_j or not m_w:
        return 1.0, ["no_ease_data"]
    return (x_ij / x_i) / (m_j / m_w), []


def potential_from_store(
    store,
    markets: Sequence[str],
    hs_codes: Sequence[str],
    *,
    exporter: str = "TWN",
    year: int | None = None,
) -> list[ExportPotential]:
    """Read flows and tariffs from a market database (``exportkit.store.Store``) and compute.

    Uses the store contract: ``trade_flows(reporters, hs_codes, partners=None, years=None)``
    → DataFrame with TradeFlow columns, and ``tariffs(reporter, hs_codes)`` → list[Tariff].
    All markets in the store that report imports form the "world" when no WLD reporter row
    exists (flagged ``supply_world_is_subset``).
    """
    codes = list(dict.fromkeys([*hs_codes, TOTAL]))
    flows = store.trade_flows(list(markets), codes, partners=None, years=[year] if year else None)
    if flows is None or len(flows) == 0:
        flows = pd.DataFrame(columns=TRADE_COLUMNS)
    tariff_rows: list[Tariff] = []
    for market in markets:
        tariff_rows += list(store.tariffs(market, list(hs_codes)))
    tariff_df = (
        pd.DataFrame([{f.name: getattr(t, f.name) for f in fields(Tariff)} for t in tariff_rows])
        if tariff_rows
        else None
    )
    return export_potential(
        flows, markets, hs_codes, exporter=exporter, year=year, tariffs=tariff_df
    )
