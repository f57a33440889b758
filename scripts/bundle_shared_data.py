"""Rebuild the snapshot rows copied from the shared public copies (issue 11), then re-derive.

    python scripts/bundle_shared_data.py [SHARED_DATA_DIR] [--snapshot DIR]

``SHARED_DATA_DIR`` (default ``../shared/data`` next to the repository) holds one folder per
source, each with a CSV extract and its PROVENANCE.md. The WDI GDP and population re-take
comes from ``scripts/sources/wdi-4ebec5a/`` (same release as the WDI growth rows). Each input
is checked against the sha256 recorded in ``exportkit/data/snapshot/metadata.yaml`` and
against the spot checks its PROVENANCE.md states, so a changed input stops the build instead
of silently changing the snapshot.

Values are copied as printed, never rounded or filled in; the one conversion is Taiwan MOF
US$ million × 1,000,000 = US$ (exact, in decimal), which the unit says. The script is
idempotent: the rows it owns are dropped and rebuilt on every run, the other rows keep their
order, and ``derive_snapshot.py`` then recomputes GDP per capita and urban population.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from decimal import Decimal
from pathlib import Path

import yaml

from exportkit import countries

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "exportkit" / "data" / "snapshot"
WDI_RETAKE = ROOT / "scripts" / "sources" / "wdi-4ebec5a"
DEFAULT_SHARED = ROOT.parent / "shared" / "data"

# The date these figures were checked against their public copies (fixed, so a re-run is
# byte-identical; see metadata.yaml).
BUNDLED_AT = "2026-12-03T00:00:00"

WEO = "IMF World Economic Outlook, April 2025"
WEO_URL = "https://www.imf.org/en/Publications/WEO/weo-database/2025/April"
WDI_COPY = "World Bank WDI (public copy)"  # the release the growth rows come from
WDI_INTERNET = "World Bank WDI, IT.NET.USER.ZS bulk file (public copy)"
CEPII = "CEPII GeoDist (public copy)"
CEPII_URL = "http://www.cepii.fr/CEPII/en/bdd_modele/bdd_modele_item.asp?id=6"
MOF = "Taiwan Ministry of Finance, Table 12 exports (public copy)"
MOF_URL = "https://www.mof.gov.tw/Eng/htmlList/6685"

# WEO subject -> (units and scale the extract must print, unit stored with each figure)
WEO_SUBJECTS = {
    "NGDPD": ("U.S. dollars", "Billions", "US$ billion (current prices)"),
    "PPPGDP": (
        "Purchasing power parity; international dollars",
        "Billions",
        "international $ billion (PPP, current prices)",
    ),
    "PPPPC": (
        "Purchasing power parity; international dollars",
        "Units",
        "international $ per person (PPP, current prices)",
    ),
    "NGDP_RPCH": ("Percent change", "Units", "% change (real GDP, constant prices)"),
    "LP": ("Persons", "Millions", "million persons"),
    "PCPIPCH": ("Percent change", "Units", "% change (average consumer prices)"),
    "TM_RPCH": ("Percent change", "Units", "% change (volume of imports of goods and services)"),
    "TMG_RPCH": ("Percent change", "Units", "% change (volume of imports of goods)"),
}

# GeoDist column -> (indicator code: the pair Taiwan <-> market, unit)
CEPII_FIELDS = {
    "dist": ("CEPII.DIST.TWN", "km (between the two main cities)"),
    "distcap": ("CEPII.DISTCAP.TWN", "km (between the two capitals)"),
    "distw": ("CEPII.DISTW.TWN", "km (population-weighted)"),
    "contig": ("CEPII.CONTIG.TWN", "1 = share a land border, 0 = not"),
    "comlang_off": ("CEPII.COMLANG_OFF.TWN", "1 = common official language, 0 = not"),
    "comlang_ethno": (
        "CEPII.COMLANG_ETHNO.TWN",
        "1 = a language spoken by at least 9% of both populations, 0 = not",
    ),
}
# GeoDist has no data year; the table needs one, so the release year of the database
# documented in Mayer & Zignago (2011), CEPII WP 2011-25, is recorded.
CEPII_YEAR = "2011"

MOF_CODE = "MOF.TWN_EXPORTS"
MOF_UNIT = "US$ (MOF prints US$ million; multiplied by 1,000,000)"

RETAKEN = ("NY.GDP.MKTP.CD", "SP.POP.TOTL")  # replaced by the same-release WDI re-take
# Every row of these codes is rebuilt here, whatever source text an older run gave it.
OWNED_CODES = {
    *WEO_SUBJECTS,
    "IT.NET.USER.ZS",
    *(code for code, _ in CEPII_FIELDS.values()),
    MOF_CODE,
    *RETAKEN,
}
OWNED_SOURCES = {WEO, WDI_INTERNET, CEPII, MOF}

# The spot checks each PROVENANCE.md states (it prints some rounded: THA 89.54, SGP 94.29,
# IND 43.4, THA exports 11,820.2 million); a different input is refused.
SPOT_CHECKS = {
    ("VNM", "IT.NET.USER.ZS", "2023"): "78.08",
    ("THA", "IT.NET.USER.ZS", "2023"): "89.5352",
    ("SGP", "IT.NET.USER.ZS", "2023"): "94.2863",
    ("IND", "IT.NET.USER.ZS", "2020"): "43.4054",
    ("TWN", "NGDPD", "2023"): "757.335",
    ("TWN", "NGDPD", "2024"): "782.441",
    ("TWN", "NGDP_RPCH", "2025"): "2.854",
    ("VNM", MOF_CODE, "2022"): "14574219000",
    ("THA", MOF_CODE, "2024"): "11820231000",
    ("PHL", "CEPII.DIST.TWN", CEPII_YEAR): "1166.435",
    ("VNM", "CEPII.DIST.TWN", CEPII_YEAR): "1665.853",
    ("SGP", "CEPII.COMLANG_OFF.TWN", CEPII_YEAR): "1",
    ("KHM", "NY.GDP.MKTP.CD", "2023"): "42335646895.7984",
}


class InputError(Exception):
    """An input differs from what metadata.yaml and its PROVENANCE.md record."""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def row(
    iso3: str,
    code: str,
    year: str,
    value: str,
    unit: str,
    source: str,
    url: str,
    projection: str = "",
) -> dict[str, str]:
    return {
        "iso3": iso3,
        "indicator": code,
        "year": year,
        "value": value,
        "unit": unit,
        "source": source,
        "source_url": url,
        "retrieved_at": BUNDLED_AT,
        "is_projection": projection,
    }


def wdi_url(code: str, iso3: str) -> str:
    return f"https://data.worldbank.org/indicator/{code}?locations={countries.country(iso3).iso2}"


def weo_rows(path: Path) -> list[dict[str, str]]:
    wanted = {*countries.NSB18, "TWN"}
    out = []
    for r in read_csv(path):
        spec = WEO_SUBJECTS.get(r["subject_code"])
        if spec is None or r["iso3"] not in wanted or not r["value"]:
            continue  # other subjects, or missing upstream: left missing
        units, scale, unit = spec
        if (r["units"], r["scale"]) != (units, scale):
            raise InputError(f"{path}: {r['subject_code']} is in {r['units']} / {r['scale']}")
        flag = {"True": "true", "False": "false"}[r["is_projection"]]
        out.append(
            row(r["iso3"], r["subject_code"], r["year"], r["value"], unit, WEO, WEO_URL, flag)
        )
    return out


def internet_rows(path: Path) -> list[dict[str, str]]:
    # The World aggregate (WLD) is not a market and is not kept.
    return [
        row(
            r["iso3"],
            "IT.NET.USER.ZS",
            r["year"],
            r["value"],
            "% of population",
            WDI_INTERNET,
            wdi_url("IT.NET.USER.ZS", r["iso3"]),
        )
        for r in read_csv(path)
        if r["iso3"] in countries.NSB18 and r["value"]
    ]


def cepii_rows(path: Path) -> list[dict[str, str]]:
    out = []
    for r in read_csv(path):
        if r["iso_o"] != "TWN" or r["iso_d"] not in countries.NSB18:
            continue  # the reverse direction carries the same figures
        for field, (code, unit) in CEPII_FIELDS.items():
            out.append(row(r["iso_d"], code, CEPII_YEAR, r[field], unit, CEPII, CEPII_URL))
    return out


def mof_rows(path: Path) -> list[dict[str, str]]:
    out = []
    for r in read_csv(path):
        if (r["period_type"], r["measure"]) != ("year", "value"):
            continue  # months, year-to-date, printed growth and shares are not bundled
        if r["partner"] not in countries.NSB18:
            continue  # NSB18 / ASEAN10 / SOUTH_ASIA6 group totals
        if r["unit"] != "US$ million":
            raise InputError(f"{path}: {r['partner']} {r['period']} is in {r['unit']}")
        usd = Decimal(r["value"]) * 1_000_000
        text = format(usd.normalize(), "f") if usd == usd.to_integral() else str(usd)
        out.append(row(r["partner"], MOF_CODE, r["period"], text, MOF_UNIT, MOF, MOF_URL))
    return out


def wdi_retake_rows(path: Path, code: str, unit: str) -> list[dict[str, str]]:
    return [
        row(
            r["Country Code"],
            code,
            r["Year"],
            r["Value"],
            unit,
            WDI_COPY,
            wdi_url(code, r["Country Code"]),
        )
        for r in read_csv(path)
    ]


def inputs(shared: Path) -> dict[str, Path]:
    return {
        "imf-weo-apr2025": shared / "imf-weo-apr2025" / "weo_apr2025_nsb_twn.csv",
        "wdi-internet": shared / "wdi-internet" / "it_net_user_zs_nsb.csv",
        "cepii-geodist": shared / "cepii-geodist" / "dist_cepii_twn_nsb.csv",
        "taiwan-mof-nsb-exports": shared
        / "taiwan-mof-nsb-exports"
        / "twn_exports_to_nsb18_mof_table12.csv",
        "wdi-gdp-4ebec5a": WDI_RETAKE / "ny.gdp.mktp.cd_nsb18_2015-2025.csv",
        "wdi-pop-4ebec5a": WDI_RETAKE / "sp.pop.totl_nsb18_2015-2025.csv",
    }


def check_inputs(paths: dict[str, Path], snapshot: Path = SNAPSHOT) -> None:
    meta = yaml.safe_load((snapshot / "metadata.yaml").read_text(encoding="utf-8"))
    recorded = {e["input"]: e["sha256"] for s in meta["sources"] for e in s.get("extracts", [])}
    for name, path in paths.items():
        if not path.is_file():
            raise InputError(f"{path}: missing (give the shared data folder as the argument)")
        if recorded.get(name) != sha256(path):
            raise InputError(
                f"{path}: sha256 {sha256(path)} is not the one metadata.yaml records for "
                f"{name!r}; check the new extract and its PROVENANCE.md, then update metadata"
            )


def build(shared: Path, snapshot: Path = SNAPSHOT) -> list[dict[str, str]]:
    """The rows copied from the shared extracts, checked, in a stable order."""
    paths = inputs(shared)
    check_inputs(paths, snapshot)
    rows = [
        *weo_rows(paths["imf-weo-apr2025"]),
        *internet_rows(paths["wdi-internet"]),
        *cepii_rows(paths["cepii-geodist"]),
        *mof_rows(paths["taiwan-mof-nsb-exports"]),
        *wdi_retake_rows(paths["wdi-gdp-4ebec5a"], "NY.GDP.MKTP.CD", "current US$"),
        *wdi_retake_rows(paths["wdi-pop-4ebec5a"], "SP.POP.TOTL", "persons"),
    ]
    by_key = {(r["iso3"], r["indicator"], r["year"]): r["value"] for r in rows}
    for key, expected in SPOT_CHECKS.items():
        if by_key.get(key) != expected:
            raise InputError(f"spot check {key}: expected {expected}, got {by_key.get(key)}")
    if len(by_key) != len(rows):
        raise InputError("two input rows share a key (country, indicator, year)")
    return sorted(rows, key=lambda r: (r["source"], r["iso3"], r["indicator"], int(r["year"])))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared", nargs="?", type=Path, default=DEFAULT_SHARED)
    parser.add_argument(
        "--snapshot", type=Path, default=SNAPSHOT, help="snapshot folder to rewrite (tests)"
    )
    args = parser.parse_args(argv)
    try:
        new = build(args.shared, args.snapshot)
    except InputError as exc:
        sys.exit(f"bundle_shared_data: {exc}")
    path = args.snapshot / "indicators.csv"
    kept = [
        r
        for r in read_csv(path)
        if r["source"] not in OWNED_SOURCES and r["indicator"] not in OWNED_CODES
    ]
    clash = {(r["iso3"], r["indicator"], r["year"]) for r in kept} & {
        (r["iso3"], r["indicator"], r["year"]) for r in new
    }
    if clash:
        sys.exit(
            f"bundle_shared_data: rows already in the snapshot share keys: {sorted(clash)[:3]}"
        )
    fields = [*(kept[0].keys() if kept else new[0].keys())]
    if "is_projection" not in fields:
        fields.append("is_projection")
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows({f: r.get(f, "") for f in fields} for r in [*kept, *new])
    print(f"{path}: {len(kept)} rows kept, {len(new)} rows from the shared copies")

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import derive_snapshot  # the derived rows depend on the re-taken GDP and population

    derive_snapshot.main(args.snapshot)


if __name__ == "__main__":
    main()
