"""Recompute the derived rows of the bundled snapshot (GDP per capita = GDP / population).

Run after editing ``exportkit/data/snapshot/indicators.csv``:
    python scripts/derive_snapshot.py
Only same-year pairs of the verified WDI GDP (NY.GDP.MKTP.CD) and population (SP.POP.TOTL)
are divided; the derived row says so in its unit and source, and keeps the GDP row's date.
"""

from __future__ import annotations

import csv
from pathlib import Path

SNAPSHOT = Path(__file__).resolve().parents[1] / "exportkit" / "data" / "snapshot"
DERIVED_CODE = "NY.GDP.PCAP.CD"
DERIVED_SOURCE = "exportkit (derived from World Bank WDI NY.GDP.MKTP.CD / SP.POP.TOTL)"


def main() -> None:
    path = SNAPSHOT / "indicators.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["source"] != DERIVED_SOURCE]
    fields = list(rows[0].keys())
    by_key = {(r["iso3"], r["indicator"], r["year"]): r for r in rows}
    derived = []
    for (iso3, code, year), gdp in sorted(by_key.items()):
        pop = by_key.get((iso3, "SP.POP.TOTL", year))
        if code != "NY.GDP.MKTP.CD" or pop is None:
            continue
        value = float(gdp["value"]) / float(pop["value"])
        derived.append(
            {
                **gdp,
                "indicator": DERIVED_CODE,
                "value": f"{value:.2f}",
                "unit": "current US$ per person (derived: GDP / population, same year)",
                "source": DERIVED_SOURCE,
                "source_url": f"{gdp['source_url']} ; {pop['source_url']}",
            }
        )
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows + derived)
    print(f"{path}: {len(rows)} sourced rows, {len(derived)} derived rows")


if __name__ == "__main__":
    main()
