"""Recompute the derived rows of the bundled snapshot.

Run after editing ``exportkit/data/snapshot/indicators.csv``:
    python scripts/derive_snapshot.py
Derived rows come only from same-year pairs of sourced World Bank WDI rows:

* GDP per capita (NY.GDP.PCAP.CD) = GDP (NY.GDP.MKTP.CD) / population (SP.POP.TOTL);
* urban population (SP.URB.TOTL) = urban share (SP.URB.TOTL.IN.ZS) / 100 × population.

Each derived row says so in its unit and source, cites both inputs' URLs and keeps the first
input's date. The script is idempotent: derived rows are dropped and rebuilt on every run.
"""

from __future__ import annotations

import csv
from pathlib import Path

SNAPSHOT = Path(__file__).resolve().parents[1] / "exportkit" / "data" / "snapshot"

# derived code -> (first input, second input, combine, value format, unit, source)
DERIVATIONS = {
    "NY.GDP.PCAP.CD": (
        "NY.GDP.MKTP.CD",
        "SP.POP.TOTL",
        lambda gdp, pop: gdp / pop,
        "{:.2f}",
        "current US$ per person (derived: GDP / population, same year)",
        "exportkit (derived from World Bank WDI NY.GDP.MKTP.CD / SP.POP.TOTL)",
    ),
    "SP.URB.TOTL": (
        "SP.URB.TOTL.IN.ZS",
        "SP.POP.TOTL",
        lambda share, pop: share / 100 * pop,
        "{:.0f}",
        "persons (derived: urban % of total / 100 × population, same year)",
        "exportkit (derived from World Bank WDI SP.URB.TOTL.IN.ZS × SP.POP.TOTL)",
    ),
}
DERIVED_SOURCES = {spec[-1] for spec in DERIVATIONS.values()}


def main(snapshot: Path = SNAPSHOT) -> None:
    path = snapshot / "indicators.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["source"] not in DERIVED_SOURCES]
    fields = list(rows[0].keys())
    by_key = {(r["iso3"], r["indicator"], r["year"]): r for r in rows}
    derived = []
    for code, (first, second, combine, fmt, unit, source) in DERIVATIONS.items():
        for (iso3, in_code, year), a in sorted(by_key.items()):
            b = by_key.get((iso3, second, year))
            if in_code != first or b is None:
                continue
            value = combine(float(a["value"]), float(b["value"]))
            derived.append(
                {
                    **a,
                    "indicator": code,
                    "value": fmt.format(value),
                    "unit": unit,
                    "source": source,
                    "source_url": f"{a['source_url']} ; {b['source_url']}",
                }
            )
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows + derived)
    print(f"{path}: {len(rows)} sourced rows, {len(derived)} derived rows")


if __name__ == "__main__":
    main()
