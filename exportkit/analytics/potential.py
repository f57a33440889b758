"""Export potential, ITC Export Potential Indicator style.

potential = supply × demand (market-access adjusted) × bilateral ease of trade;
unrealised = max(potential − actual, 0); utilisation = actual / potential.
Every term's formula and data source is in ``exportkit/data/export_potential.yaml``; this
module implements exactly that file. Pure functions over pandas DataFrames whose columns are
``exportkit.models.TradeFlow`` fields (and ``Tariff`` fields for tariffs): frames in, figures
out. ``exportkit.markets.potential`` reads those frames from the market database.

Data realities handled explicitly (see the YAML): Taiwan appears as partner 490 "Other Asia,
nes" in Comtrade mirror data (normalised to TWN); HS editions are never mixed in one
comparison (``hs_revision_break`` flag); re-export hubs (SGP, HKG) get net-import demand when
their exports are known, and are flagged either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from functools import cache

import numpy as np
import pandas as pd

from exportkit.models.analytics import ExportPotential, PotentialSummary
from exportkit.models.common import Text
from exportkit.models.market import TradeFlow
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


def taiwan_partner_aliases() -> frozenset[str]:
    """Partner codes read as Taiwan (``data/export_potential.yaml``: TWN, 490, …)."""
    return frozenset(_taiwan_aliases())


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
    inferred = df["year"].map({y: hs_edition(int(y)) for y in df["year"].unique()})
    df["hs_revision"] = df["hs_revision"].where(df["hs_revision"].notna(), inferred)
    return df


FLAGS = (
    "re_export_hub_net",
    "re_export_hub_unadjusted",
    "no_tariff_data",
    "supply_from_mirror",
    "no_exporter_supply_data",
    "supply_world_is_subset",
    "no_world_data",
    "supply_world_too_small",
    "mixed_hs_editions_in_supply",
    "no_ease_data",
    "ease_from_distance",
    "no_bilateral_row_assumed_zero",
    "hs_revision_break",
    "no_import_data",
    "competitor_preference",
    "re_export_hub_net_of_reexports",
)
_BIT = {name: np.int64(1) << i for i, name in enumerate(FLAGS)}


def flag_names(mask: int) -> tuple[str, ...]:
    """The flag names set in a bit mask of :data:`FLAGS`."""
    return tuple(name for name in FLAGS if int(mask) & int(_BIT[name]))


class _Dense:
    """Values summed into code × reporter × year arrays, with presence and HS-edition bits."""

    def __init__(self, rows: pd.DataFrame, codes, reporters, years, editions) -> None:
        shape = (len(codes), len(reporters), len(years))
        self.value = np.zeros(shape)
        self.present = np.zeros(shape, dtype=bool)
        self.editions = np.zeros(shape, dtype=np.int64)
        if len(rows):
            ci = pd.Index(codes).get_indexer(rows["hs_code"])
            ri = pd.Index(reporters).get_indexer(rows["reporter_iso3"])
            yi = pd.Index(years).get_indexer(rows["year"])
            ok = (ci >= 0) & (ri >= 0) & (yi >= 0)
            ci, ri, yi = ci[ok], ri[ok], yi[ok]
            np.add.at(self.value, (ci, ri, yi), rows["value_usd"].to_numpy(float)[ok])
            self.present[ci, ri, yi] = True
            bits = np.int64(1) << pd.Index(editions).get_indexer(
                rows["hs_revision"].astype(str)
            ).astype(np.int64)
            np.bitwise_or.at(self.editions, (ci, ri, yi), bits[ok])


def _or(a: np.ndarray, axis: int) -> np.ndarray:
    return (
        np.bitwise_or.reduce(a, axis=axis)
        if a.shape[axis]
        else np.zeros(a.shape[:axis] + a.shape[axis + 1 :], dtype=np.int64)
    )


def _popcount_gt1(bits: np.ndarray) -> np.ndarray:
    return (bits & (bits - 1)) != 0


def _consistent_share(m_exp: _Dense, m_wld: _Dense, x_wld: _Dense, exp_i: int, wld_i: int, subset):
    """The exporter's exports and the world's, per code × year, over the same countries.

    Where the exporter's own exports to the world (reporter = exporter, flow X) and world
    imports (reporter WLD) are both stored: those two. Elsewhere: the exporter's mirror
    exports (the reporting markets' imports from it) and those same markets' imports from the
    world, counting only markets that report their world imports.
    Returns (exporter, world, used_world, exporter_ok, world_ok, editions of each, n_markets).
    """
    own = x_wld.present[:, exp_i, :]
    world = m_wld.present[:, wld_i, :]
    use_world = own & world
    reports = m_wld.present[:, subset, :]  # the markets that count: world imports reported
    mirror_present = m_exp.present[:, subset, :] & reports
    mirror = np.where(mirror_present, m_exp.value[:, subset, :], 0.0).sum(axis=1)
    mirror_ok = mirror_present.any(axis=1)
    sub_world = np.where(reports, m_wld.value[:, subset, :], 0.0).sum(axis=1)
    sub_ok = reports.any(axis=1)
    ed_mirror = _or(np.where(mirror_present, m_exp.editions[:, subset, :], 0), axis=1)
    ed_sub = _or(np.where(reports, m_wld.editions[:, subset, :], 0), axis=1)
    exporter = np.where(use_world, x_wld.value[:, exp_i, :], mirror)
    total = np.where(use_world, m_wld.value[:, wld_i, :], sub_world)
    ed_x = np.where(use_world, x_wld.editions[:, exp_i, :], ed_mirror)
    ed_w = np.where(use_world, m_wld.editions[:, wld_i, :], ed_sub)
    # (a reporting market without a row from the exporter counts as 0 from it)
    return (
        exporter,
        total,
        use_world,
        use_world | mirror_ok,
        use_world | sub_ok,
        ed_x,
        ed_w,
        reports.sum(axis=1),
    )


@dataclass(frozen=True)
class PotentialCube:
    """Export potential of one exporter for HS codes × markets, as arrays (NaN = not known).

    ``year`` is the data year of each cell (0 = the market has no imports of the code);
    ``flags`` a bit mask of :data:`FLAGS` (see :func:`flag_names`).
    """

    exporter: str
    codes: tuple[str, ...]
    markets: tuple[str, ...]
    year: np.ndarray
    supply: np.ndarray
    demand: np.ndarray
    ease: np.ndarray
    potential: np.ndarray
    actual: np.ndarray
    unrealised: np.ndarray
    utilisation: np.ndarray
    flags: np.ndarray

    def results(self) -> list[ExportPotential]:
        """One :class:`ExportPotential` per code × market, largest unrealised first."""

        def val(a: np.ndarray, c: int, m: int) -> float | None:
            v = a[c, m]
            return None if not np.isfinite(v) else float(v)

        out = []
        for c, code in enumerate(self.codes):
            for m, market in enumerate(self.markets):
                out.append(
                    ExportPotential(
                        exporter=self.exporter,
                        market=market,
                        hs_code=code,
                        year=int(self.year[c, m]),
                        supply=val(self.supply, c, m),
                        demand=val(self.demand, c, m),
                        ease=val(self.ease, c, m),
                        potential=val(self.potential, c, m),
                        actual=val(self.actual, c, m),
                        unrealised=val(self.unrealised, c, m),
                        utilisation=val(self.utilisation, c, m),
                        flags=flag_names(self.flags[c, m]),
                    )
                )
        out.sort(key=lambda r: -(r.unrealised if r.unrealised is not None else -1.0))
        return out


def _prepare_tariffs(tariffs: pd.DataFrame | None, exporter: str) -> pd.DataFrame | None:
    if tariffs is None or tariffs.empty:
        return None
    tariffs = tariffs.copy()
    for col in ("reporter_iso3", "partner_iso3", "tariff_type", "hs_code"):
        tariffs[col] = tariffs[col].astype(str).str.strip().str.upper()
    if exporter == "TWN":
        aliases = {a.upper() for a in _taiwan_aliases()}
        tariffs.loc[tariffs["partner_iso3"].isin(aliases), "partner_iso3"] = "TWN"
    tariffs["year"] = tariffs["year"].astype(int)
    tariffs["rate"] = pd.to_numeric(tariffs["rate"], errors="coerce")
    return tariffs.dropna(subset=["rate"])


def _access(tariffs, codes, markets, year, exporter, sigma):
    """Market-access factor per code × market, whether tariffs were found, and whether a
    competitor's preference set the reference rate.

    A tariff line applies to the codes under it and a code asked at a heading takes the
    mean of the lines beneath (prefix match either way); per partner group the latest year
    ≤ the data year is used (mean of its rates)."""
    access = np.ones(year.shape)
    found = np.zeros(year.shape, dtype=bool)
    none = np.zeros(year.shape, dtype=bool)
    if tariffs is None:
        return access, found, none
    t = tariffs[tariffs["reporter_iso3"].isin(markets)]
    if t.empty:
        return access, found, none
    code_arr = np.array(codes, dtype=str)
    pieces = []
    for tcode, group in t.groupby("hs_code"):
        hit = np.nonzero(
            np.char.startswith(code_arr, tcode)
            | np.array([tcode.startswith(c) for c in codes], dtype=bool)
        )[0]
        if len(hit):
            pieces.append(group.merge(pd.DataFrame({"ci": hit}), how="cross"))
    if not pieces:
        return access, found, none
    rows = pd.concat(pieces, ignore_index=True)
    rows["mi"] = pd.Index(markets).get_indexer(rows["reporter_iso3"])
    rows["t"] = year[rows["ci"].to_numpy(), rows["mi"].to_numpy()]
    rows = rows[(rows["t"] > 0) & (rows["year"] <= rows["t"])]

    def pick(mask) -> pd.Series:
        sub = rows[mask]
        if sub.empty:
            return pd.Series(dtype=float)
        latest = sub.groupby(["ci", "mi"])["year"].transform("max")
        return sub[sub["year"] == latest].groupby(["ci", "mi"])["rate"].mean()

    def best_rival(mask) -> pd.Series:
        """Per code × market the lowest rate any competitor gets (its latest year each)."""
        sub = rows[mask]
        if sub.empty:
            return pd.Series(dtype=float)
        latest = sub.groupby(["ci", "mi", "partner_iso3"])["year"].transform("max")
        per = sub[sub["year"] == latest].groupby(["ci", "mi", "partner_iso3"])["rate"].mean()
        return per.groupby(level=[0, 1]).min()

    preferential = rows["tariff_type"].isin(["AHS", "PREF"])
    mfn = pick((rows["partner_iso3"] == WORLD) & (rows["tariff_type"] == "MFN"))
    applied = pick((rows["partner_iso3"] == exporter) & preferential)
    rival = best_rival(~rows["partner_iso3"].isin([WORLD, exporter]) & preferential)
    if mfn.empty:
        return access, found, np.zeros(year.shape, dtype=bool)
    both = pd.DataFrame({"mfn": mfn})
    both["applied"] = applied.reindex(both.index) if len(applied) else np.nan
    both["applied"] = both["applied"].fillna(both["mfn"])
    # the rate competitors face: the best preference one of them gets (ACFTA, ATIGA, RCEP …)
    # where the data have one below MFN, else MFN
    both["rival"] = rival.reindex(both.index) if len(rival) else np.nan
    both["ref"] = np.fmin(both["mfn"], both["rival"].fillna(both["mfn"]))
    ci = both.index.get_level_values(0).to_numpy()
    mi = both.index.get_level_values(1).to_numpy()
    access[ci, mi] = ((1 + both["applied"] / 100) / (1 + both["ref"] / 100)).to_numpy() ** (-sigma)
    found[ci, mi] = True
    preferred = np.zeros(year.shape, dtype=bool)
    preferred[ci, mi] = (both["ref"] < both["mfn"]).to_numpy()
    return access, found, preferred


def potential_cube(
    flows: pd.DataFrame,
    markets: Iterable[str],
    hs_codes: Iterable[str],
    *,
    exporter: str = "TWN",
    year: int | None = None,
    tariffs: pd.DataFrame | None = None,
    elasticity: float | None = None,
    distance_ease: Mapping[str, float] | None = None,
) -> PotentialCube:
    """ITC-style export potential of ``exporter`` for every code × market at once.

    Same inputs and arithmetic as :func:`export_potential` (which wraps this), computed as
    array operations over code × reporter × year, so thousands of products cost one pass.
    Reporters of imports other than the world and the exporter form the "world" when no WLD
    reporter is in ``flows``; with fewer than ``subset_world.min_reporters`` (YAML) of them
    the potential is left empty (``supply_world_too_small``). ``distance_ease`` (market →
    ease from distance, :func:`ease_from_distance`) stands in for the ease term where the
    all-goods totals are missing (flagged ``ease_from_distance`` instead of ``no_ease_data``).
    """
    cfg = method()
    hubs = set(cfg["terms"]["demand"]["re_export_hubs"]["markets"])
    sigma = elasticity if elasticity is not None else cfg["terms"]["demand"]["elasticity"]["value"]
    min_rep = int(cfg["terms"]["supply"]["subset_world"]["min_reporters"])
    markets = tuple(dict.fromkeys(str(m).upper() for m in markets))
    codes = tuple(dict.fromkeys(str(c).upper() for c in hs_codes))
    df = normalise_flows(flows, exporter)
    df = df[df["hs_code"].isin([*codes, TOTAL])]
    imports = df[df["flow"] == "M"]
    exports = df[df["flow"] == "X"]
    reporters = tuple(sorted(set(df["reporter_iso3"]) | set(markets) | {WORLD, exporter}))
    rindex = pd.Index(reporters)
    importers = set(imports["reporter_iso3"].unique())
    subset = np.array(
        [i for i, r in enumerate(reporters) if r in importers and r not in (WORLD, exporter)],
        dtype=int,
    )
    years = np.array(sorted(set(df["year"]) | ({year} if year else set())), dtype=int)
    if not len(years):
        years = np.array([0], dtype=int)  # no rows: one empty year keeps the shapes valid
    editions = sorted(set(df["hs_revision"].astype(str))) or ["-"]
    n_c, n_m = len(codes), len(markets)

    def dense(frame, code_list):
        return _Dense(frame, code_list, reporters, years, editions)

    m_wld = dense(imports[imports["partner_iso3"] == WORLD], codes)
    m_exp = dense(imports[imports["partner_iso3"] == exporter], codes)
    x_wld = dense(exports[exports["partner_iso3"] == WORLD], codes)
    reexports = df[df["flow"] == "RX"]
    rx_wld = dense(reexports[reexports["partner_iso3"] == WORLD], codes)
    tot = (TOTAL,)
    tm_wld = dense(imports[imports["partner_iso3"] == WORLD], tot)
    tm_exp = dense(imports[imports["partner_iso3"] == exporter], tot)
    tx_wld = dense(exports[exports["partner_iso3"] == WORLD], tot)
    wld_i = int(rindex.get_loc(WORLD))
    exp_i = int(rindex.get_loc(exporter))
    mk = rindex.get_indexer(list(markets))

    flags = np.zeros((n_c, n_m), dtype=np.int64)

    def flag(name: str, where: np.ndarray) -> None:
        flags[where] |= _BIT[name]

    # the data year of each code × market: the given one, or the latest with world imports
    mw_present = m_wld.present[:, mk, :]  # code × market × year
    if year is not None:
        yi = np.full((n_c, n_m), int(np.searchsorted(years, year)))
        has = mw_present[np.arange(n_c)[:, None], np.arange(n_m)[None, :], yi]
        t_year = np.full((n_c, n_m), int(year))
    else:
        has = mw_present.any(axis=2)
        yi = np.where(has, len(years) - 1 - np.argmax(mw_present[:, :, ::-1], axis=2), 0)
        t_year = np.where(has, years[yi] if len(years) else 0, 0)
    cc = np.arange(n_c)[:, None]
    mm = mk[None, :]

    # demand: the market's imports from the world, net of re-exports for hubs
    m_jk = np.where(has, m_wld.value[cc, mm, yi], np.nan)
    ed_market = np.where(has, m_wld.editions[cc, mm, yi], 0)
    is_hub = np.array([m in hubs for m in markets])[None, :]
    # net of re-exports where the source reports them (Comtrade flow RX); else of all exports
    # (apparent net imports: re-exports cannot exceed exports, so this nets at most that much)
    rx_present = rx_wld.present[cc, mm, yi] & has
    x_present = x_wld.present[cc, mm, yi] & has
    net_rx = is_hub & rx_present
    net_x = is_hub & x_present & ~rx_present
    m_jk = np.where(net_rx, np.maximum(m_jk - rx_wld.value[cc, mm, yi], 0.0), m_jk)
    m_jk = np.where(net_x, np.maximum(m_jk - x_wld.value[cc, mm, yi], 0.0), m_jk)
    ed_market |= np.where(net_rx, rx_wld.editions[cc, mm, yi], 0)
    ed_market |= np.where(net_x, x_wld.editions[cc, mm, yi], 0)
    flag("re_export_hub_net", net_rx | net_x)
    flag("re_export_hub_net_of_reexports", net_rx)
    flag("re_export_hub_unadjusted", is_hub & has & ~x_present & ~rx_present)
    access, found, rivals_preferred = _access(
        _prepare_tariffs(tariffs, exporter), codes, markets, t_year, exporter, sigma
    )
    flag("no_tariff_data", has & ~found)
    flag("competitor_preference", has & rivals_preferred)
    demand = m_jk * access

    # supply: the exporter's share of world exports of the product, per code × year.
    # Numerator and denominator over the same countries: the exporter's own exports to the
    # world over world imports (reporter WLD) when both are stored; otherwise its mirror
    # exports to the reporting markets over those same markets' imports — never its exports
    # to the whole world over a few markets' imports (shares above 100 %).
    x_i, x_w, use_world, x_i_ok, x_w_ok, ed_x, ed_w, n_rep = _consistent_share(
        m_exp, m_wld, x_wld, exp_i, wld_i, subset
    )
    w_subset = ~use_world & x_w_ok
    mirror = ~use_world & x_i_ok
    too_small = w_subset & (n_rep < min_rep)
    with np.errstate(invalid="ignore", divide="ignore"):
        supply_cy = np.where(x_i_ok & x_w_ok & (x_w != 0) & ~too_small, x_i / x_w, np.nan)
    pick = (cc, yi)
    flag("supply_from_mirror", has & mirror[pick])
    flag("no_exporter_supply_data", has & ~x_i_ok[pick])
    flag("supply_world_is_subset", has & w_subset[pick])
    flag("no_world_data", has & ~x_w_ok[pick])
    flag("supply_world_too_small", has & too_small[pick])
    flag("mixed_hs_editions_in_supply", has & _popcount_gt1(ed_x[pick] | ed_w[pick]))
    supply = np.where(has, supply_cy[pick], np.nan)

    # ease: bilateral ease of trade on total trade, per market × year (the exporter's total
    # exports and world imports over the same countries, as for supply)
    tx_i, tm_w, _, tx_i_ok, tm_w_ok, _, _, _ = _consistent_share(
        tm_exp, tm_wld, tx_wld, exp_i, wld_i, subset
    )
    tx_i, tm_w, tx_i_ok, tm_w_ok = tx_i[0], tm_w[0], tx_i_ok[0], tm_w_ok[0]
    x_ij, x_ij_ok = tm_exp.value[0][mk], tm_exp.present[0][mk]  # market × year
    m_j, m_j_ok = tm_wld.value[0][mk], tm_wld.present[0][mk]
    ok = x_ij_ok & m_j_ok & tx_i_ok[None, :] & tm_w_ok[None, :]
    ok &= (tx_i[None, :] != 0) & (m_j != 0) & (tm_w[None, :] != 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ease_my = np.where(ok, (x_ij / tx_i[None, :]) / (m_j / tm_w[None, :]), 1.0)
    ease = np.where(has, ease_my[np.arange(n_m)[None, :], yi], np.nan)
    no_total = has & ~ok[np.arange(n_m)[None, :], yi]
    by_distance = np.array([(distance_ease or {}).get(m, np.nan) for m in markets], dtype=float)
    known = np.isfinite(by_distance)[None, :] & no_total
    ease = np.where(known, by_distance[None, :], ease)
    flag("ease_from_distance", known)
    flag("no_ease_data", no_total & ~known)

    # actual: the market's imports from the exporter (mirror data)
    a_present = m_exp.present[cc, mm, yi] & has
    actual = np.where(a_present, m_exp.value[cc, mm, yi], np.where(has, 0.0, np.nan))
    ed_market |= np.where(a_present, m_exp.editions[cc, mm, yi], 0)
    flag("no_bilateral_row_assumed_zero", has & ~a_present)
    broken = has & _popcount_gt1(ed_market)
    flag("hs_revision_break", broken)  # never compare across HS editions

    potential = np.where(broken, np.nan, supply * demand * ease)
    unrealised = np.maximum(potential - actual, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        utilisation = np.where(potential > 0, actual / potential, np.nan)
    # no import data at all: nothing else is said about the cell
    flags = np.where(has, flags, _BIT["no_import_data"])
    t_out = np.where(has, t_year, year or 0)
    return PotentialCube(
        exporter,
        codes,
        markets,
        t_out.astype(int),
        supply,
        np.where(has, demand, np.nan),
        ease,
        potential,
        actual,
        unrealised,
        utilisation,
        flags,
    )


def ease_from_distance(
    distance_km: Mapping[str, float], exports: Mapping[str, float]
) -> dict[str, float]:
    """The ease term from distance alone, for markets whose all-goods totals are missing:
    ease_j = (d_j / d̄)^(−θ), θ the distance elasticity of trade (YAML ``terms.ease.distance``),
    d̄ the geometric mean distance weighted by the exporter's exports to the markets (Taiwan's
    own statistics), so a market at the exporter's typical distance gets 1.

    >>> e = ease_from_distance({"PHL": 1166.4, "AUS": 7272.5}, {"PHL": 1.0, "AUS": 1.0})
    >>> round(e["PHL"], 2), round(e["AUS"], 2), round(e["PHL"] * e["AUS"], 6)
    (2.34, 0.43, 1.0)
    """
    theta = float(method()["terms"]["ease"]["distance"]["elasticity"])
    both = [m for m in distance_km if distance_km[m] > 0 and exports.get(m, 0) > 0]
    if not both:
        return {}
    total = sum(exports[m] for m in both)
    log_mean = sum(exports[m] / total * np.log(distance_km[m]) for m in both)
    return {
        m: float(np.exp(-theta * (np.log(d) - log_mean))) for m, d in distance_km.items() if d > 0
    }


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
    potential (largest first). Computed by :func:`potential_cube`.
    """
    return potential_cube(
        flows,
        markets,
        hs_codes,
        exporter=exporter,
        year=year,
        tariffs=tariffs,
        elasticity=elasticity,
    ).results()


# --- summaries per market for sets of HS codes (exportkit markets, market profiles) ----------

ALL_GOODS = "*"


def potential_partners() -> list[str]:
    """The partners whose flows the potential reads: the world and Taiwan's aliases."""
    return [WORLD, *sorted({a.upper() for a in _taiwan_aliases()})]


def stored_codes(flows: pd.DataFrame) -> list[str]:
    """The product codes present in ``flows`` (not the ``TOTAL`` rows)."""
    # unique() first: iterating an Arrow-backed string column value by value is slow
    return sorted(set(flows["hs_code"].astype(str).unique()) - {TOTAL}) if len(flows) else []


def tariff_codes(codes: Sequence[str]) -> list[str]:
    """The codes whose tariffs the potential of ``codes`` needs: each and its headings."""
    return sorted({c[:k] for c in codes for k in (2, 4, 6) if len(c) >= k})


def _text(key: str, **kw: object) -> Text:
    return _text_cached(key, tuple(sorted(kw.items())))


@cache
def _text_cached(key: str, kw: tuple) -> Text:
    entry = method()["reporting"]["reasons"][key]
    args = dict(kw)
    return Text(zh_TW=entry["zh-TW"].format(**args), en=entry["en"].format(**args))


def _command(kind: str, **kw: object) -> str:
    return method()["reporting"]["commands"][kind].format(**kw)


class PotentialSets:
    """Export potential per market for many HS-code sets, computed once (one cube).

    The cube holds every stored product (code × market); each code asked maps per market to
    its own row if the market stores it, else to the HS6 rows under it (as the product view
    does); "all goods" (an empty set) maps to every product at the finest HS level the
    market stores. A set's figure sums its products.
    """

    def __init__(
        self,
        flows: pd.DataFrame,
        markets: Sequence[str],
        code_sets: Sequence[Sequence[str]],
        *,
        tariffs: pd.DataFrame | None = None,
        exporter: str = "TWN",
        distance_ease: Mapping[str, float] | None = None,
    ) -> None:
        """``flows``: every reporter's flows with the world and Taiwan for the codes of the
        sets (``exportkit.store`` ``potential_flows``); ``tariffs``: the markets' tariffs on
        them and their headings (:func:`tariff_codes`), or None; ``distance_ease``: the ease
        term from distance where all-goods totals are missing (:func:`ease_from_distance`)."""
        self.markets = tuple(markets)
        self.exporter = exporter
        all_goods = any(len(s) == 0 for s in code_sets)
        asked = sorted({c for s in code_sets for c in s})
        self.has_flows = bool(len(flows))
        stored = stored_codes(flows)
        if tariffs is not None and tariffs.empty:
            tariffs = None
        self.cube = potential_cube(
            flows,
            self.markets,
            stored,
            exporter=exporter,
            tariffs=tariffs,
            distance_ease=distance_ease,
        )
        self.asked = (*asked, ALL_GOODS) if all_goods else tuple(asked)
        self._aggregate()

    def _aggregate(self) -> None:
        cube = self.cube
        codes = np.array(cube.codes, dtype=str)
        n_a, n_m = len(self.asked), len(self.markets)
        shape = (n_a, n_m)
        self.pot = np.zeros(shape)
        self.act = np.zeros(shape)
        self.unr = np.zeros(shape)
        self.used = np.zeros(shape, dtype=int)
        self.with_imports = np.zeros(shape, dtype=int)
        self.year = np.zeros(shape, dtype=int)
        self.flags = np.zeros(shape, dtype=np.int64)
        self._index = {a: i for i, a in enumerate(self.asked)}
        if not len(codes):
            return
        has = cube.year > 0  # code × market
        ok = np.isfinite(cube.potential)
        lengths = np.char.str_len(codes)
        named = np.array([a for a in self.asked if a != ALL_GOODS], dtype=str)
        exact = named[:, None] == codes[None, :]
        child = np.zeros(exact.shape, dtype=bool)  # HS6 rows under a 2- or 4-digit code
        for k, a in enumerate(named):
            if len(a) < 6:
                child[k] = np.char.startswith(codes, a) & (lengths == 6)
        pot = np.where(ok, cube.potential, 0.0)
        act = np.where(ok, cube.actual, 0.0)
        unr = np.where(ok, cube.unrealised, 0.0)
        bits = [(np.int64(1) << i) for i in range(len(FLAGS))]
        for m in range(n_m):
            h = has[:, m]
            use_exact = (exact & h[None, :]).any(axis=1)
            rows = np.where(use_exact[:, None], exact, child) & h[None, :]
            if self.asked and self.asked[-1] == ALL_GOODS:
                finest = lengths[h].max() if h.any() else 0
                rows = np.vstack([rows, (h & (lengths == finest))[None, :]])
            w = rows.astype(float)
            self.pot[:, m] = w @ pot[:, m]
            self.act[:, m] = w @ act[:, m]
            self.unr[:, m] = w @ unr[:, m]
            self.used[:, m] = rows @ ok[:, m].astype(int)
            self.with_imports[:, m] = rows.sum(axis=1)
            self.year[:, m] = np.where(rows, cube.year[:, m][None, :], 0).max(axis=1)
            f = cube.flags[:, m]
            for b in bits:
                self.flags[(rows & ((f & b) != 0)[None, :]).any(axis=1), m] |= b

    def summaries(self, codes: Sequence[str]) -> list[PotentialSummary]:
        """One :class:`PotentialSummary` per market (in ``markets`` order) for ``codes``
        (empty: all goods stored)."""
        codes = tuple(codes)
        hs = ",".join(codes) if codes else "CODE"
        fill = _command("flows", hs=f"{hs},{TOTAL}")
        keep = list(codes)
        idx = [self._index[c] for c in keep] if codes else [self._index.get(ALL_GOODS, -1)]
        nothing = not self.has_flows or not len(self.cube.codes)
        if not nothing and not self.with_imports[idx].any():
            nothing = True  # no market stores these codes: as if the database had no flows
        if nothing:
            key = "no_trade_flows" if codes else "no_product_flows"
            reason = _text(key, hs=",".join(codes))
            return [PotentialSummary(m, reason=reason, command=fill) for m in self.markets]
        # per market: a code under another code of the set counts only where that other code
        # has no rows of its own (else it would be counted twice)
        w = np.ones((len(idx), len(self.markets)))
        for k, c in enumerate(keep if codes else ()):
            for o in keep:
                if o != c and c.startswith(o):
                    w[k] *= self.with_imports[self._index[o]] == 0
        pot, act, unr = ((a[idx] * w).sum(axis=0) for a in (self.pot, self.act, self.unr))
        used = (self.used[idx] * w).sum(axis=0).astype(int)
        total = (self.with_imports[idx] * w).sum(axis=0).astype(int)
        on = w > 0
        year = np.where(on, self.year[idx], 0).max(axis=0)
        flags = np.bitwise_or.reduce(np.where(on, self.flags[idx], 0), axis=0)
        return [
            self._summary(
                m, codes, hs, fill, pot[m], act[m], unr[m], used[m], total[m], year[m], flags[m]
            )
            for m in range(len(self.markets))
        ]

    def _summary(self, m, codes, hs, fill, pot, act, unr, used, total, year, flags):
        iso3 = self.markets[m]
        names = flag_names(flags)
        base = {
            "iso3": iso3,
            "codes_used": int(used),
            "codes_with_imports": int(total),
            "flags": names,
        }
        if total == 0:
            return PotentialSummary(**base, reason=_text("no_import_data", hs=hs), command=fill)
        if used == 0:
            for key in (
                "hs_revision_break",
                "no_exporter_supply_data",
                "no_world_data",
                "supply_world_too_small",
            ):
                if key in names:
                    n = method()["terms"]["supply"]["subset_world"]["min_reporters"]
                    return PotentialSummary(
                        **base, year=int(year) or None, reason=_text(key, hs=hs, n=n), command=fill
                    )
            return PotentialSummary(**base, reason=_text("no_import_data", hs=hs), command=fill)
        status = "ok" if used == total else "partial"
        reason, command = None, None
        if status == "partial":
            reason, command = _text("partial", used=int(used), total=int(total)), fill
        elif "no_ease_data" in names:
            reason, command = _text("no_ease_data"), _command("flows", hs=TOTAL)
        elif "ease_from_distance" in names:
            reason, command = _text("ease_from_distance"), _command("flows", hs=TOTAL)
        elif "no_tariff_data" in names:
            reason, command = _text("no_tariff_data"), _command("tariffs", iso3=iso3, hs=hs)
        return PotentialSummary(
            **base,
            potential_usd=float(pot),
            actual_usd=float(act),
            untapped_potential_usd=float(unr),
            utilisation=float(act / pot) if pot > 0 else None,
            year=int(year) or None,
            status=status,
            reason=reason,
            command=command,
        )
