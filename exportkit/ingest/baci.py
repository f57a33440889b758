"""Import CEPII BACI bulk files (``BACI_HS17_Y2022_V202401b.csv``) into trade flows.

A year file holds every bilateral flow of every product (~10 million rows ``t,i,j,k,v,q``:
year, exporter, importer, HS6, thousands of US$, tonnes). It is never read into pandas: a
separate in-memory DuckDB streams the CSV once and reduces it (one ``GROUPING SETS`` scan) to
what exportkit uses, which is then written in bounded chunks in one transaction:

- every import of the markets (the 18 New Southbound ones) by HS6 and exporter, and their
  imports from the world (the sum over exporters) — world totals, Taiwan's share and the
  competitors come from one source;
- Taiwan's (490) exports to the world by HS6, the markets' own exports to the world (re-export
  hubs) and world imports of each product (``WLD``), so the supply term of the export
  potential has a numerator and a denominator over the same countries;
- all-goods totals (``TOTAL``) when the file covers the nomenclature (``data/baci.yaml``).

Layout, code table and thresholds: ``exportkit/data/baci.yaml``.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd
import pycountry

from exportkit.countries import NSB18
from exportkit.errors import DataImportError, ExportkitError
from exportkit.models import FileFailure
from exportkit.resources import data_file, load_yaml
from exportkit.store import Store, open_store

TAIWAN_CODE = 490
#: how many problem lines an import reports (the count is always complete)
MAX_REPORTED = 20
#: memory the CSV reduction may use before DuckDB spills to disk (keeps peak RSS bounded)
SCAN_MEMORY = "400MB"
# column types of t,i,j,k,v,q: a value that does not parse makes its row a reported reject
# (q is text: BACI writes a missing quantity as a padded "NA")
_TYPES = ("INTEGER", "INTEGER", "INTEGER", "INTEGER", "DOUBLE", "VARCHAR")


@cache
def layout() -> dict:
    """The BACI layout, code table and thresholds (``data/baci.yaml``)."""
    return load_yaml(data_file("baci.yaml"))


@dataclass(frozen=True)
class BaciRelease:
    """What a BACI file name says: HS revision (``17``), year and release (``V202401b``)."""

    revision: str
    year: int
    release: str

    @property
    def hs_edition(self) -> str:
        """The HS edition name the potential compares (``HS2017``)."""
        return layout()["hs_revisions"][self.revision]

    @property
    def source(self) -> str:
        """The ``source`` of every row: release and revision (``CEPII BACI V202401b, HS17``)."""
        return f"{layout()['source']} {self.release}, HS{self.revision}"

    @property
    def url(self) -> str:
        """The release archive at CEPII."""
        return layout()["url"].format(rev=self.revision, release=self.release)


def parse_file_name(path: str | os.PathLike) -> BaciRelease:
    """The release of a BACI file from its name (``BACI_HS17_Y2022_V202401b.csv``).

    >>> parse_file_name("BACI_HS17_Y2022_V202401b.csv")
    BaciRelease(revision='17', year=2022, release='V202401b')
    """
    name = Path(path).name
    match = re.search(layout()["file_name"], name)
    if not match or match["rev"] not in layout()["hs_revisions"]:
        raise DataImportError(
            f"{path}: cannot tell the BACI release and HS revision from the file name; keep "
            "CEPII's name, e.g. BACI_HS17_Y2022_V202401b.csv",
            zh=f"{path}：無法從檔名判斷 BACI 版本與 HS 版本；請保留 CEPII 的原檔名，例如 "
            "BACI_HS17_Y2022_V202401b.csv",
        )
    return BaciRelease(match["rev"], int(match["year"]), "V" + match["release"])


def country_table(path: str | os.PathLike | None = None) -> dict[int, str]:
    """BACI country code → ISO3: ISO 3166 numeric, BACI's departures (``data/baci.yaml``),
    then the release's own ``country_codes_V….csv`` when given (490 stays Taiwan)."""
    table = {int(c.numeric): c.alpha_3 for c in pycountry.countries}
    table.update({int(k): v for k, v in layout()["codes"].items()})
    if path is not None:
        table.update(_read_country_codes(Path(path)))
    table[TAIWAN_CODE] = "TWN"
    return table


def _read_country_codes(path: Path) -> dict[int, str]:
    if not path.is_file():
        raise DataImportError(f"{path}: no such file", zh=f"{path}：找不到檔案")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    names = {c.strip().lower(): c for c in (rows[0].keys() if rows else ())}
    code_col = names.get("country_code")
    iso_col = names.get("country_iso3") or names.get("iso_3digit_alpha")
    if not code_col or not iso_col:
        raise DataImportError(
            f"{path}: expected BACI's country code file with columns country_code and "
            "country_iso3 (or iso_3digit_alpha)",
            zh=f"{path}：應為 BACI 的國家代碼檔，需有 country_code 與 country_iso3"
            "（或 iso_3digit_alpha）欄",
        )
    table = {}
    for line, row in enumerate(rows, start=2):
        code, iso3 = (row.get(code_col) or "").strip(), (row.get(iso_col) or "").strip().upper()
        if not code.isdigit() or not re.fullmatch(r"[A-Z0-9]{3}", iso3):
            raise DataImportError(
                f"{path}, line {line}: country_code {code!r} / ISO3 {iso3!r} is not a code pair",
                zh=f"{path}，第 {line} 列：country_code「{code}」／ISO3「{iso3}」不是代碼",
            )
        table[int(code)] = iso3
    return table


# DuckDB's reject kinds that messages.yaml words (baci_problem_*); any other is "malformed"
_REJECT_KINDS = frozenset(
    {"cast", "missing columns", "too many columns", "unquoted value", "invalid unicode",
     "line size over maximum"}
)  # fmt: skip


@dataclass(frozen=True)
class Problem:
    """Rows of a file that were not used: the line (None: several rows), what was wrong
    (``cast``: a value is not a number; ``missing columns``; ``too many columns``; ``empty``:
    an empty field or an HS code of more than six digits), the columns, and how many rows."""

    line: int | None
    kind: str
    columns: str = ""
    rows: int = 1


@dataclass
class BaciImport:
    """What one file gave: rows read, flows written, and the rows it could not use."""

    file: str
    release: BaciRelease
    rows: int = 0
    flows: int = 0
    products: int = 0
    totals: bool = False
    skipped: int = 0
    problems: list[Problem] = field(default_factory=list)


@dataclass
class BaciBatch:
    """Several files imported: each good file's outcome, and each file refused and why."""

    imports: list[BaciImport] = field(default_factory=list)
    failures: list[FileFailure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every file was imported."""
        return not self.failures


def _check_header(path: Path) -> None:
    if not path.is_file():
        raise DataImportError(f"{path}: no such file", zh=f"{path}：找不到檔案")
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        first = fh.readline()
    header = [c.strip().strip('"').lower() for c in first.strip().split(",")]
    if header != layout()["columns"]:
        want = ",".join(layout()["columns"])
        raise DataImportError(
            f"{path}: not a BACI file: the header is {first.strip()[:80]!r}, expected {want}",
            zh=f"{path}：不是 BACI 檔：標題列為「{first.strip()[:80]}」，應為 {want}",
        )


class _Scan:
    """One file reduced in a private in-memory DuckDB: ``agg`` per (year, HS6, market
    importer or -1 for any other, exporter), ``importers`` the importer codes, ``rejects``."""

    def __init__(self, path: Path, markets: dict[int, str], known: set[int], spill: str) -> None:
        self.path = path
        self.db = duckdb.connect(
            ":memory:",
            config={
                "memory_limit": SCAN_MEMORY,
                "temp_directory": spill,
                "threads": min(os.cpu_count() or 1, 4),
            },
        )
        self.db.execute("SET enable_progress_bar = false")
        markets_sql = ", ".join(str(c) for c in sorted(markets)) or "NULL"
        exporters_sql = ", ".join(str(c) for c in sorted({*markets, TAIWAN_CODE}))
        # a table, not an IN list: DuckDB tests a 250-value list value by value (3× slower)
        self.db.register("known", pd.DataFrame({"code": sorted(known)}, dtype="int32"))
        types = dict(zip(layout()["columns"], _TYPES, strict=True))
        cols = ", ".join(f"'{c}': '{t}'" for c, t in types.items())
        # Integer group keys (k stays a number until the output), and countries that matter
        # nowhere collapsed into -1: the reduced table is ~the markets' rows, not the file's.
        # A code not in the table is kept, so that it can be reported.
        self.db.execute(
            f"""
            CREATE TABLE reduced AS
            WITH typed AS (
                SELECT t, i, j, k, v, TRY_CAST(q AS DOUBLE) AS q,
                       i IN (SELECT code FROM known) AS i_known,
                       j IN (SELECT code FROM known) AS j_known,
                       (t IS NULL OR i IS NULL OR j IS NULL OR v IS NULL OR k IS NULL
                        OR k NOT BETWEEN 0 AND 999999) AS bad
                FROM read_csv(?, header = true, columns = {{{cols}}}, delim = ',',
                              quote = '"', ignore_errors = true, store_rejects = true)
            ), keyed AS (
                SELECT *, CASE WHEN j IN ({markets_sql}) OR NOT j_known THEN j
                               ELSE -1 END AS jj
                FROM typed
            )
            SELECT bad, t, k, jj,
                   CASE WHEN jj <> -1 OR i IN ({exporters_sql}) OR NOT i_known
                        THEN i ELSE -1 END AS ii,
                   sum(v) AS v, sum(q) AS q, count(*) AS n
            FROM keyed
            GROUP BY ALL
            """,
            [str(path)],
        )

    def rejects(self) -> list[Problem]:
        """The rows DuckDB's CSV reader refused, one per line (kind: ``cast``,
        ``missing columns``, ``too many columns`` …; the columns concerned)."""
        rows = self.db.execute(
            "SELECT line, lower(replace(any_value(error_type)::VARCHAR, '_', ' ')), "
            "string_agg(DISTINCT column_name, ', ' ORDER BY column_name) "
            "FROM reject_errors GROUP BY line ORDER BY line"
        ).fetchall()
        return [
            Problem(int(line), kind if kind in _REJECT_KINDS else "malformed", cols or "")
            for line, kind, cols in rows
        ]

    def close(self) -> None:
        self.db.close()


def _codes_known(scan: _Scan, table: dict[int, str]) -> None:
    codes = scan.db.execute(
        "SELECT ii FROM reduced WHERE NOT bad UNION SELECT jj FROM reduced WHERE NOT bad"
    ).fetchall()
    unknown = sorted(c for (c,) in codes if c != -1 and c not in table)
    if unknown:
        listed = ", ".join(str(c) for c in unknown[:10]) + (" …" if len(unknown) > 10 else "")
        raise DataImportError(
            f"{scan.path}: unknown BACI country code(s) {listed}; pass the release's "
            "country_codes_V….csv with --country-codes",
            zh=f"{scan.path}：不明的 BACI 國家代碼 {listed}；請以 --country-codes 指定該版本的 "
            "country_codes_V….csv",
        )


def _flows_sql(release: BaciRelease, totals: bool) -> str:
    """The trade-flow rows (``tables.TRADE_FLOWS`` columns) from ``reduced`` and ``iso``."""
    mult = float(layout()["value_multiplier"])
    unit = layout()["quantity_unit"]
    ok = "NOT r.bad"
    k6 = "lpad(r.k::VARCHAR, 6, '0')"  # BACI writes 010121 as 10121
    v = f"sum(r.v) * {mult}"
    parts = [
        # the markets' imports by exporter
        # (summed per ISO3: a country-code file may give two codes one country)
        f"SELECT m.iso3, e.iso3, {k6}, r.t, 'M', {v}, sum(r.q), "
        f"CASE WHEN sum(r.q) IS NOT NULL THEN '{unit}' END FROM reduced r "
        f"JOIN iso m ON m.code = r.jj JOIN iso e ON e.code = r.ii WHERE {ok} GROUP BY ALL",
        # the markets' imports from the world
        f"SELECT m.iso3, 'WLD', {k6}, r.t, 'M', {v}, NULL, NULL FROM reduced r "
        f"JOIN iso m ON m.code = r.jj WHERE {ok} GROUP BY ALL",
        # Taiwan's and the markets' exports to the world
        f"SELECT e.iso3, 'WLD', {k6}, r.t, 'X', {v}, NULL, NULL FROM reduced r "
        f"JOIN iso e ON e.code = r.ii WHERE {ok} "
        f"AND (r.ii = {TAIWAN_CODE} OR r.ii IN (SELECT code FROM market_codes)) GROUP BY ALL",
        # world imports of each product (the denominator of Taiwan's world share)
        f"SELECT 'WLD', 'WLD', {k6}, r.t, 'M', {v}, NULL, NULL FROM reduced r WHERE {ok} "
        "GROUP BY ALL",
    ]
    if totals:
        parts += [
            f"SELECT m.iso3, 'WLD', 'TOTAL', r.t, 'M', {v}, NULL, NULL FROM reduced r "
            f"JOIN iso m ON m.code = r.jj WHERE {ok} GROUP BY ALL",
            f"SELECT m.iso3, 'TWN', 'TOTAL', r.t, 'M', {v}, NULL, NULL FROM reduced r "
            f"JOIN iso m ON m.code = r.jj WHERE {ok} AND r.ii = {TAIWAN_CODE} GROUP BY ALL",
            f"SELECT 'TWN', 'WLD', 'TOTAL', r.t, 'X', {v}, NULL, NULL FROM reduced r "
            f"WHERE {ok} AND r.ii = {TAIWAN_CODE} GROUP BY ALL",
            f"SELECT 'WLD', 'WLD', 'TOTAL', r.t, 'M', {v}, NULL, NULL FROM reduced r "
            f"WHERE {ok} GROUP BY ALL",
        ]
    body = " UNION ALL ".join(f"({p})" for p in parts)
    return (
        "SELECT reporter_iso3, partner_iso3, hs_code, year, flow, value_usd, "
        "? AS source, ? AS source_url, ?::TIMESTAMP AS retrieved_at, ? AS hs_revision, "
        "quantity, quantity_unit FROM ("
        f"{body}) AS f(reporter_iso3, partner_iso3, hs_code, year, flow, value_usd, quantity, "
        "quantity_unit)"
    )


def import_baci(
    store: Store,
    path: str | os.PathLike,
    *,
    countries: dict[int, str] | None = None,
    markets: Sequence[str] = NSB18,
) -> BaciImport:
    """Stream one BACI file into ``store`` (one transaction: all its flows or none)."""
    path = Path(path)
    release = parse_file_name(path)
    _check_header(path)
    table = countries if countries is not None else country_table()
    wanted = set(markets)
    market_codes = {c: iso for c, iso in table.items() if iso in wanted}
    result = BaciImport(file=str(path), release=release)
    with tempfile.TemporaryDirectory(prefix="exportkit-baci-") as spill:
        scan = _Scan(path, market_codes, set(table), spill)
        try:
            _codes_known(scan, table)
            db = scan.db
            stats = db.execute(
                "SELECT coalesce(sum(n), 0), coalesce(sum(n) FILTER (WHERE bad), 0), "
                "count(DISTINCT k) FILTER (WHERE NOT bad) FROM reduced WHERE TRUE"
            ).fetchone()
            rejected = scan.rejects()
            result.rows = int(stats[0]) + len(rejected)
            result.skipped = int(stats[1]) + len(rejected)
            result.products = int(stats[2])
            result.problems = rejected[:MAX_REPORTED]
            if stats[1]:
                result.problems.append(Problem(None, "empty", rows=int(stats[1])))
            if result.rows - result.skipped == 0:
                raise DataImportError(
                    f"{path}: no usable rows ({result.skipped} skipped)",
                    zh=f"{path}：沒有可用的資料列（略過 {result.skipped} 列）",
                )
            years = [y for (y,) in db.execute(
                "SELECT DISTINCT t FROM reduced WHERE TRUE AND NOT bad"
            ).fetchall()]  # fmt: skip
            if years != [release.year]:
                raise DataImportError(
                    f"{path}: the file name says {release.year} but the rows are of "
                    f"{', '.join(str(y) for y in sorted(years))}",
                    zh=f"{path}：檔名為 {release.year} 年，資料列卻是 "
                    f"{', '.join(str(y) for y in sorted(years))} 年",
                )
            db.register("iso", pd.DataFrame({"code": list(table), "iso3": list(table.values())}))
            db.register("market_codes", pd.DataFrame({"code": sorted(market_codes)}, dtype=int))
            result.totals = result.products >= int(layout()["totals_min_products"])
            retrieved = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(
                microsecond=0, tzinfo=None
            )
            flows = db.sql(
                _flows_sql(release, result.totals),
                params=[release.source, release.url, retrieved, release.hs_edition],
            )
            # an Arrow stream from the scan's DuckDB into the store's: bounded batches
            result.flows = store.upsert_trade_flow_stream(flows.to_arrow_reader(store.chunk_rows))
        finally:
            scan.close()
    return result


def import_baci_files(
    paths: Iterable[str | os.PathLike],
    *,
    country_codes: str | os.PathLike | None = None,
    db: str | os.PathLike | None = None,
    markets: Sequence[str] = NSB18,
) -> BaciBatch:
    """Import each BACI file; a bad file is reported and the others are imported.

    All files of one call, and the BACI rows already stored, must share one HS revision
    (values of a code are not comparable across revisions): else nothing is imported.
    """
    batch = BaciBatch()
    named: list[tuple[Path, BaciRelease]] = []
    for path in map(Path, paths):
        try:
            named.append((path, parse_file_name(path)))
        except ExportkitError as exc:
            batch.failures.append(FileFailure(str(path), (exc,)))
    table = country_table(country_codes)
    revisions = sorted({r.revision for _, r in named})
    if len(revisions) > 1:
        raise DataImportError(
            f"the files mix HS revisions (HS{', HS'.join(revisions)}); import one revision "
            "(the same BACI_HS.. series for every year)",
            zh=f"檔案混用不同 HS 版本（HS{'、HS'.join(revisions)}）；請只匯入同一 HS 版本的 BACI 檔",
        )
    if not named:
        return batch
    with open_store(db) as store:
        stored = store.source_revisions(layout()["source"] + " %")
        edition = named[0][1].hs_edition
        other = sorted(set(stored) - {edition})
        if other:
            raise DataImportError(
                f"the market database already holds BACI rows in {', '.join(other)}; these "
                f"files are {edition}: keep one HS revision (`exportkit data reset` empties it)",
                zh=f"市場資料庫已有 {', '.join(other)} 的 BACI 資料，這些檔案為 {edition}："
                "請維持同一 HS 版本（`exportkit data reset` 可清空）",
            )
        for path, _ in named:
            try:
                batch.imports.append(import_baci(store, path, countries=table, markets=markets))
            except ExportkitError as exc:  # this file's problem; the others are still imported
                batch.failures.append(FileFailure(str(path), (exc,)))
    return batch
