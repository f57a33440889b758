"""The few SQL differences between DuckDB and PostgreSQL, in one place.

Every statement of the store is written once, in the SQL both engines understand; a
:class:`Dialect` fills in the handful of spots where they differ: a type name (``DOUBLE`` is
``DOUBLE PRECISION`` in PostgreSQL), "one of these values", an HS-code prefix test, and whether
an upsert writes its rows in key order. Placeholders are ``?`` everywhere (the PostgreSQL
engine turns them into psycopg's ``%s``).

>>> POSTGRESQL.ddl("CREATE TABLE t (v DOUBLE, n VARCHAR)")
'CREATE TABLE t (v DOUBLE PRECISION, n VARCHAR)'
>>> DUCKDB.any_of("iso3"), POSTGRESQL.any_of("iso3")
('iso3 IN (SELECT unnest(?))', 'iso3 = ANY(?)')
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_DOUBLE = re.compile(r"\bDOUBLE\b(?!\s+PRECISION)")


@dataclass(frozen=True)
class Dialect:
    """What one engine's SQL needs that the other's does not."""

    name: str
    #: DuckDB type names (as ``tables.Column.sql_type`` has them) → this engine's names
    types: dict[str, str] = field(default_factory=dict)
    #: write upserted rows in natural-key order: two writers then lock the same keys in the
    #: same order and wait for each other instead of deadlocking (PostgreSQL has row locks;
    #: DuckDB has one writer per file, so the sort would only cost time)
    ordered_upserts: bool = False
    #: a CTE referenced twice is computed once by PostgreSQL unless told otherwise (and then
    #: cannot use the indexes of the tables it reads)
    inline_cte: str = ""

    def sql_type(self, duckdb_type: str) -> str:
        """The engine's name for a column type of ``tables``."""
        return self.types.get(duckdb_type, duckdb_type)

    def ddl(self, statement: str) -> str:
        """A migration step (written with DuckDB's type names) for this engine."""
        if "DOUBLE" in self.types:
            statement = _DOUBLE.sub(self.types["DOUBLE"], statement)
        return statement

    def any_of(self, column: str) -> str:
        """SQL testing ``column`` against a list passed as one parameter."""
        if self.name == "postgresql":
            return f"{column} = ANY(?)"  # a Python list adapts to an array
        return f"{column} IN (SELECT unnest(?))"

    def hs_under(self, code: str, prefix: str, digits: int) -> str:
        """SQL: the HS6 ``code`` lies under the ``digits``-long ``prefix`` (``8471`` → ``847130``).

        DuckDB joins best on equality (``left(code, n) = prefix``: a hash join); PostgreSQL on
        a range of its ``hs_code`` index (``'847100'``–``'847199'``: strings of digits of one
        length sort alike in every collation, which ``LIKE`` or ``|| ':'`` would not).
        """
        if self.name == "postgresql":
            pad = 6 - digits
            return (
                f"{code} BETWEEN rpad({prefix}, 6, '0') AND rpad({prefix}, 6, '9')"
                if pad > 0
                else f"{code} = {prefix}"
            )
        return f"left({code}, {digits}) = {prefix}"

    def filters(self, spec: dict[str, Iterable[object] | None]) -> tuple[str, list[object]]:
        """``AND col IN (...)`` clauses for the given non-None value lists, and their parameters."""
        clauses, params = [], []
        for column, values in spec.items():
            if values is None:
                continue
            clauses.append(f"AND {self.any_of(column)}")
            params.append(list(values))
        return " ".join(clauses), params


DUCKDB = Dialect("duckdb")
POSTGRESQL = Dialect(
    "postgresql",
    {"DOUBLE": "DOUBLE PRECISION"},
    ordered_upserts=True,
    inline_cte="NOT MATERIALIZED ",
)


def latest_per(columns: str, body: str, partition: str, order: str, outer: str) -> str:
    """``SELECT outer`` of the first row per ``partition`` in ``order`` of ``SELECT columns
    body`` (DuckDB's ``QUALIFY`` is not PostgreSQL; a ranked subquery is both)."""
    return (
        f"SELECT {outer} FROM (SELECT {columns}, row_number() OVER (PARTITION BY {partition} "
        f"ORDER BY {order}) AS _rank {body}) ranked WHERE _rank = 1"
    )
