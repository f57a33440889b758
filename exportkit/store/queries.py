"""Read queries: every SELECT the library runs on the market data, in one place.

Results are model dataclasses (``Indicator``, ``Tariff``, ``MarketNote``) or DataFrames whose
columns are a model's fields, so the layers above (``markets``, ``analytics``) compute on
frames and never write SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from exportkit.models import Indicator, MarketNote, Tariff, Text
from exportkit.store import tables
from exportkit.store.connection import Connection
from exportkit.store.dialect import latest_per

IMPORT_FLOW_COLUMNS = ["asked", "reporter_iso3", "partner_iso3", "hs_code", "year", "value_usd"]
POTENTIAL_FLOW_COLUMNS = [
    "reporter_iso3",
    "partner_iso3",
    "hs_code",
    "year",
    "flow",
    "value_usd",
    "hs_revision",
]


def _note(row: Sequence[object]) -> MarketNote:
    """A ``market_notes`` row (columns of ``tables.MARKET_NOTES``) as a MarketNote."""
    iso3, topic, title_zh, title_en, text_zh, text_en, source, url, published, retrieved = row
    return MarketNote(
        iso3, topic, Text(title_zh, title_en), Text(text_zh, text_en), source, url, published,
        retrieved,
    )  # fmt: skip


class Queries(Connection):
    """The reads: indicators, trade flows, tariffs, notes, whole tables and counts."""

    def latest_indicators(
        self,
        iso3s: Iterable[str] | None = None,
        codes: Iterable[str] | None = None,
        *,
        projections: bool = True,
    ) -> dict[tuple[str, str], Indicator]:
        """The most recent non-missing value of each (country, indicator code) asked for.

        ``projections=False`` skips figures flagged as estimates/projections (``is_projection``),
        so an IMF WEO series yields its latest reported year instead of 2030.
        """
        where, params = self.dialect.filters({"iso3": iso3s, "indicator": codes})
        if not projections:
            where += " AND is_projection IS NOT TRUE"
        cols = ", ".join(tables.INDICATORS.column_names)
        rows = self.rows(
            latest_per(
                cols,
                f"FROM indicators WHERE value IS NOT NULL {where}",
                "iso3, indicator",
                "year DESC",
                outer=cols,
            ),
            params,
        )
        return {(r[0], r[1]): Indicator(*r) for r in rows}

    def indicator_series(
        self, iso3s: Iterable[str] | None = None, codes: Iterable[str] | None = None
    ) -> pd.DataFrame:
        """Every stored year of the indicators asked for (for trends and growth averages)."""
        where, params = self.dialect.filters({"iso3": iso3s, "indicator": codes})
        return self.frame(
            f"SELECT * FROM indicators WHERE TRUE {where} ORDER BY iso3, indicator, year", params
        )

    def trade_flows(
        self,
        reporters: Iterable[str] | None,
        hs_codes: Iterable[str] | None,
        partners: Iterable[str] | None = None,
        years: Iterable[int] | None = None,
        flow: str | None = None,
    ) -> pd.DataFrame:
        """Trade flows as a DataFrame with the ``TradeFlow`` fields as columns.

        ``hs_codes`` match exactly (``"8471"`` finds rows stored at 4 digits, not their HS6
        children); ``None`` means any code. ``flow`` is "M" or "X".
        """
        where, params = self.dialect.filters(
            {
                "reporter_iso3": reporters,
                "hs_code": hs_codes,
                "partner_iso3": partners,
                "year": years,
                "flow": [flow] if flow else None,
            }
        )
        return self.frame(
            f"SELECT {', '.join(tables.TRADE_FLOWS.column_names)} FROM trade_flows "
            f"WHERE TRUE {where} ORDER BY reporter_iso3, hs_code, year, partner_iso3, flow",
            params,
        )

    def import_flows(
        self, markets: Sequence[str], hs_codes: Sequence[str], *, provenance: bool = False
    ) -> pd.DataFrame:
        """Imports (flow M, with a value) of ``markets`` for each code asked, tagged ``asked``:
        the rows stored at that code, and for a 2- or 4-digit code also the HS6 rows under
        it (the caller keeps one level per market; see ``exportkit.markets.product``).
        ``provenance`` adds the rows' source, source_url and retrieved_at."""
        if not hs_codes or not markets:
            return pd.DataFrame(columns=IMPORT_FLOW_COLUMNS)
        asked = pd.DataFrame({"asked": list(hs_codes)})
        # Equi-joins only (exact code; HS6 rows under a 2- or 4-digit code), not one join on an
        # OR/prefix condition, which DuckDB can only run as a nested loop.
        # (PostgreSQL: a range of its hs_code index instead, see ``Dialect.hs_under``.)
        # The exact codes as a filter, not a join: PostgreSQL then reads them through its
        # hs_code index whatever it guesses about the list.
        parts = [f"SELECT t.hs_code AS asked, t.* FROM t WHERE {self.dialect.any_of('t.hs_code')}"]
        for digits in sorted({len(c) for c in hs_codes if len(c) < 6}):
            under = self.dialect.hs_under("t.hs_code", "a.asked", digits)
            parts.append(
                f"SELECT a.asked, t.* FROM t JOIN asked a ON length(a.asked) = {digits} "
                f"AND length(t.hs_code) = 6 AND {under}"
            )
        extra = ", source, source_url, retrieved_at" if provenance else ""
        with self.offered("_asked", asked, [("asked", "VARCHAR")]) as (codes, params):
            return self.frame(
                f"WITH asked AS (SELECT asked FROM {codes}), "
                f"t AS {self.dialect.inline_cte}(SELECT reporter_iso3, partner_iso3, "
                f"hs_code, year, value_usd{extra} FROM trade_flows WHERE flow = 'M' "
                f"AND value_usd IS NOT NULL AND {self.dialect.any_of('reporter_iso3')}) "
                + " UNION ALL ".join(parts),
                [*params, list(markets), list(dict.fromkeys(hs_codes))],
            )

    def potential_flows(
        self, partners: Sequence[str], hs_codes: Sequence[str] | None
    ) -> pd.DataFrame:
        """Every reporter's flows (M and X, with a value) with ``partners`` (upper-cased match)
        for ``hs_codes``, the HS6 codes under a 2- or 4-digit one and the ``TOTAL`` rows;
        ``None``: every code stored. Columns: ``POTENTIAL_FLOW_COLUMNS``."""
        cols = ", ".join(POTENTIAL_FLOW_COLUMNS)
        where = f"value_usd IS NOT NULL AND {self.dialect.any_of('upper(partner_iso3)')}"
        params: list[object] = [list(partners)]
        if hs_codes is not None:
            codes = sorted(set(hs_codes))
            short = sorted({c for c in codes if len(c) < 6})
            where += (
                f" AND ({self.dialect.any_of('hs_code')} OR hs_code = 'TOTAL'"
                f" OR (length(hs_code) = 6 AND ({self.dialect.any_of('left(hs_code, 2)')}"
                f" OR {self.dialect.any_of('left(hs_code, 4)')})))"
            )
            params += [codes, [c for c in short if len(c) == 2], [c for c in short if len(c) == 4]]
        frame = self.frame(f"SELECT {cols} FROM trade_flows WHERE {where}", params)
        if frame.empty:
            return pd.DataFrame(columns=POTENTIAL_FLOW_COLUMNS)
        return frame

    def tariffs(self, reporter: str, hs_codes: Iterable[str] | None = None) -> list[Tariff]:
        """Tariff rates a reporter applies to the HS codes asked for, newest year first."""
        where, params = self.dialect.filters({"reporter_iso3": [reporter], "hs_code": hs_codes})
        rows = self.rows(
            f"SELECT {', '.join(tables.TARIFFS.column_names)} FROM tariffs WHERE TRUE {where} "
            "ORDER BY hs_code, year DESC, tariff_type, partner_iso3",
            params,
        )
        return [Tariff(*r) for r in rows]

    def tariff_frame(self, reporters: Sequence[str], hs_codes: Sequence[str]) -> pd.DataFrame:
        """The tariffs of every reporter on ``hs_codes``, as a frame of ``Tariff`` fields."""
        rows = [t for r in reporters for t in self.tariffs(r, list(hs_codes))]
        return pd.DataFrame(
            [tuple(getattr(t, c) for c in tables.TARIFFS.column_names) for t in rows],
            columns=list(tables.TARIFFS.column_names),
        )

    def notes(self, iso3: str, topic: str | None = None) -> list[MarketNote]:
        """Market notes on one country (optionally one topic), newest first."""
        where, params = self.dialect.filters({"iso3": [iso3], "topic": [topic] if topic else None})
        rows = self.rows(
            f"SELECT {', '.join(tables.MARKET_NOTES.column_names)} FROM market_notes "
            f"WHERE TRUE {where} ORDER BY topic, published DESC NULLS LAST, title_en",
            params,
        )
        return [_note(r) for r in rows]

    def crawl_runs(self, source: str | None = None) -> pd.DataFrame:
        """Crawl runs, newest first (optionally of one source)."""
        where, params = self.dialect.filters({"source": [source] if source else None})
        return self.frame(
            f"SELECT * FROM crawl_runs WHERE TRUE {where} ORDER BY started_at DESC, run_id DESC",
            params,
        )

    def table_frame(self, name: str) -> pd.DataFrame:
        """A whole shared table as a DataFrame (for export)."""
        spec = tables.BY_NAME[name]
        order = ", ".join(spec.key)
        return self.frame(f"SELECT {', '.join(spec.column_names)} FROM {name} ORDER BY {order}")

    def counts(self) -> dict[str, int]:
        """Rows per shared table."""
        return {
            spec.name: self.rows(f"SELECT count(*) FROM {spec.name}")[0][0]
            for spec in tables.SHARED
        }

    def source_revisions(self, source_like: str) -> list[str]:
        """The HS revisions of the trade flows whose source matches ``source_like`` (SQL LIKE)."""
        rows = self.rows(
            "SELECT DISTINCT hs_revision FROM trade_flows WHERE source LIKE ? "
            "AND hs_revision IS NOT NULL ORDER BY 1",
            [source_like],
        )
        return [r[0] for r in rows]

    def source_summary(self, table: str) -> list[tuple]:
        """Per (source, country) of ``table``: rows, newest reported year (None for notes),
        newest retrieval time, oldest year, figures flagged as projections and the newest
        projected year — what ``exportkit data status`` shows."""
        country = {"indicators": "iso3", "market_notes": "iso3"}.get(table, "reporter_iso3")
        if table == "market_notes":
            years = "NULL, max(retrieved_at), NULL, 0, NULL"
        elif table == "indicators":
            years = (
                "max(year) FILTER (WHERE is_projection IS NOT TRUE), max(retrieved_at), "
                "min(year), count(*) FILTER (WHERE is_projection), "
                "max(year) FILTER (WHERE is_projection)"
            )
        else:
            years = "max(year), max(retrieved_at), min(year), 0, NULL"
        return self.rows(f"SELECT source, {country}, count(*), {years} FROM {table} GROUP BY 1, 2")
