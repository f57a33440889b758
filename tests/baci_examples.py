"""A CEPII BACI-layout fixture for the six example firms' HS codes (SYNTHETIC values).

The values are generated, not BACI's: each product family has the markets where its demand
is large and growing and where Taiwan is strong, so the ranking of an example firm depends
on its products. The layout is BACI's (``t,i,j,k,v,q``; codes: 490 Taiwan, 699 India …), so
the file goes through ``exportkit data import-baci`` like a real one. A WITS-layout tariff file
for the same codes comes with it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from exportkit.countries import NSB18, to_m49

YEARS = range(2018, 2023)
# HS6 codes of the example firms (8466 and 1905 are headings: their HS6 lines)
FAMILIES = {
    "machine_tools": (["846610", "846620", "846693", "848340"], ["IND", "VNM", "IDN"]),
    "food": (["190531", "190590", "170490", "190490"], ["PHL", "MYS", "KHM"]),
    "cosmetics": (["330499", "330410"], ["THA", "VNM", "BGD"]),
    "iot": (["851762", "903180", "847150"], ["AUS", "IND", "NZL"]),
    "bicycles": (["871494", "871493", "871499"], ["IDN", "PHL", "LKA"]),
}
# exporters (BACI codes): Taiwan, China, Japan, Korea, USA, Germany, Thailand, Vietnam
EXPORTERS = (490, 156, 392, 410, 842, 276, 764, 704)
OTHER_IMPORTERS = (842, 276, 392)  # importers outside the 18 (in world totals only)


def write_baci(folder: Path, seed: int = 11) -> Path:
    """The fixture year files' rows in one BACI-layout CSV per year; returns the folder."""
    rng = np.random.default_rng(seed)
    importers = [to_m49(m) for m in NSB18] + list(OTHER_IMPORTERS)
    by_code = {to_m49(m): m for m in NSB18}
    lines: dict[int, list[str]] = {y: [] for y in YEARS}
    for codes, hot in FAMILIES.values():
        for code in codes:
            for j in importers:
                iso3 = by_code.get(j)
                big = iso3 in hot
                level = rng.lognormal(10.5 if big else 8.0, 0.4)  # thousands of US$
                growth = rng.normal(0.12 if big else 0.0, 0.02)
                tw_share = rng.uniform(0.15, 0.3) if big else rng.uniform(0.01, 0.06)
                rivals = rng.dirichlet(np.ones(len(EXPORTERS) - 1))
                for k, year in enumerate(YEARS):
                    total = level * (1 + growth) ** k
                    for i, share in zip(EXPORTERS, [tw_share, *(rivals * (1 - tw_share))],
                                        strict=True):  # fmt: skip
                        if i == j:
                            continue
                        v = total * share
                        lines[year].append(f"{year},{i},{j},{int(code)},{v:.3f},{v / 7:.3f}")
    for year, rows in lines.items():
        path = folder / f"BACI_HS17_Y{year}_V202401b.csv"
        path.write_text("t,i,j,k,v,q\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return folder


def write_tariffs(path: Path, seed: int = 5) -> Path:
    """A WITS-layout tariff download for the codes: MFN, Taiwan's rate, China's ACFTA rate."""
    rng = np.random.default_rng(seed)
    head = (
        "Selected Nomen,Native Nomen,Reporter,Reporter Name,Partner,Partner Name,Tariff Year,"
        "Trade Year,Trade Source,Product,Product Name,Duty Type,Simple Average,Weighted Average"
    )
    rows = [head]
    for codes, hot in FAMILIES.values():
        for code in codes:
            for iso3 in NSB18:
                mfn = float(rng.choice([0, 5, 10, 20]))
                rows.append(f"HS,H5,{iso3},,WLD,World,2022,2022,CMT,{code},,MFN,{mfn},{mfn}")
                tw = mfn * (0.5 if iso3 in hot else 1.0)
                rows.append(f"HS,H5,{iso3},,OAS,Other Asia,2022,2022,CMT,{code},,AHS,{tw},{tw}")
                rows.append(f"HS,H5,{iso3},,CHN,China,2022,2022,CMT,{code},,PRF,0,0")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path
