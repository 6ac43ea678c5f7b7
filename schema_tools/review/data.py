"""Rows a change would refuse or cut, counted in the database a review was given
(``review --url``, or an open connection passed to :func:`~.commands.review_directory`).

Each count is one ``SELECT`` that the server stops after a time limit
(:meth:`~schema_tools.flavour.Flavour.bounded_select`): ``count_timeout`` in
``[tool.schema_tools.lint]`` or ``review --count-timeout``, default
:data:`DEFAULT_COUNT_TIMEOUT` seconds.  A count past its limit is :class:`Count` with no
rows and the reason (``over 2 s on a table of ~1,200,000 rows``).  Tables and columns are
named as they are before the change, always backtick-quoted (names from a schema are
treated as hostile); the only other text in a query is integers computed here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from ..dialect.types import BLOB_TYPES, TEXT_TYPES
from ..flavour import Flavour, detect
from ..model.objects import DataType
from ..dialect.ddl import quote_ident as q
from .config import DEFAULT_COUNT_TIMEOUT
from .context import TableStats
from .stats import read_table_stats
from .types import INT_BITS, TEXT_BYTES, _decimal_digits, int_range


_NOT_THERE = frozenset({1054, 1146})  # unknown column, unknown table


@dataclass(frozen=True)
class Count:
    """What one count found: ``rows`` (``None`` when not counted, ``why_not`` says why),
    and for duplicate keys the number of ``groups`` of rows that share a key."""

    rows: int | None
    groups: int | None = None
    why_not: str = ""

    @property
    def counted(self) -> bool:
        return self.rows is not None

    def not_counted(self) -> str:
        return f"not counted ({self.why_not})"


@dataclass(frozen=True)
class Misfit:
    """The stored values a column change cannot keep: a condition on the column (SQL),
    what those values are (``longer than 20 characters``) and what happens to them."""

    condition: str
    values: str
    effect: str


CUT_OR_REFUSED = "the upgrade will fail at this statement (strict mode) or cut them"


class DataProbe:
    """Counts in one database through an open connection (whose default database is the
    one counted).  ``stats`` (the tables of that database with their sizes) says which
    tables exist and how big they are; each distinct query runs once."""

    def __init__(self, conn, *, timeout: float = DEFAULT_COUNT_TIMEOUT,
                 stats: dict[str, TableStats] | None = None, flavour: Flavour | None = None):
        self.conn = conn
        self.timeout = timeout
        self.stats = stats
        self._flavour = flavour
        self._done: dict[str, Count] = {}

    @property
    def flavour(self) -> Flavour:
        if self._flavour is None:
            with self.conn.cursor() as cur:
                cur.execute("SELECT VERSION()")
                self._flavour = detect(str(cur.fetchone()[0]))
        return self._flavour

    # -- the questions --------------------------------------------------------------------

    def orphans(self, child: str, columns: Sequence[str], parent: str, ref_columns: Sequence[str]) -> Count:
        """Rows of ``child`` whose ``columns`` are all non-NULL and match no row of
        ``parent`` (a foreign key's MATCH SIMPLE: a row with a NULL is not checked)."""
        not_null = " AND ".join(f"c.{q(a)} IS NOT NULL" for a in columns)
        match = " AND ".join(f"p.{q(b)} = c.{q(a)}" for a, b in zip(columns, ref_columns, strict=False))
        return self._count((child, parent),
                           f"SELECT COUNT(*) FROM {q(child)} AS c WHERE {not_null} AND NOT EXISTS "
                           f"(SELECT 1 FROM {q(parent)} AS p WHERE {match})")

    def duplicates(self, table: str, parts: Sequence[tuple[str, int | None]]) -> Count:
        """Groups of rows of ``table`` that share a key of (column, prefix length) parts,
        NULLs aside (a unique index lets rows with a NULL repeat); ``rows`` is the number
        of rows in those groups."""
        key = ", ".join(q(c) if n is None else f"LEFT({q(c)}, {int(n)})" for c, n in parts)
        not_null = " AND ".join(f"{q(c)} IS NOT NULL" for c, _ in parts)
        return self._count((table,),
                           f"SELECT COALESCE(SUM(d.n), 0), COUNT(*) FROM (SELECT COUNT(*) AS n "
                           f"FROM {q(table)} WHERE {not_null} GROUP BY {key} HAVING COUNT(*) > 1) AS d")

    def nulls(self, table: str, column: str) -> Count:
        """Rows of ``table`` whose ``column`` is NULL."""
        return self.where(table, f"{q(column)} IS NULL")

    def where(self, table: str, condition: str) -> Count:
        """Rows of ``table`` that meet ``condition`` (SQL built from quoted names)."""
        return self._count((table,), f"SELECT COUNT(*) FROM {q(table)} WHERE {condition}")

    # -- running one ----------------------------------------------------------------------

    def _count(self, tables: Sequence[str], select: str) -> Count:
        if select not in self._done:
            self._done[select] = self._run(tables, select)
        return self._done[select]

    def _run(self, tables: Sequence[str], select: str) -> Count:
        import pymysql

        for t in tables:
            if self.stats is not None and t not in self.stats:
                return Count(None, why_not=f"the database has no table {t}")
        try:
            with self.conn.cursor() as cur:
                cur.execute(self.flavour.bounded_select(select, self.timeout))
                row = cur.fetchone()
        except pymysql.MySQLError as exc:
            code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
            if code in self.flavour.timeout_errors:
                return Count(None, why_not=self._over(tables[0]))
            message = " ".join(str(exc.args[-1] if exc.args else exc).split())
            if code in _NOT_THERE:
                message += "; is the database at the change's starting state?"
            return Count(None, why_not=f"the server refused the count: {message}")
        return Count(int(row[0] or 0), int(row[1]) if len(row) > 1 else None)

    def _over(self, table: str) -> str:
        s = self.stats.get(table) if self.stats is not None else None
        return f"over {self.timeout:g} s" + (f" on a table of ~{s.rows:,} rows" if s is not None else "")


# ---------------------------------------------------------------------------------------
# the values a column change cannot keep, as conditions


_CHAR, _TEXTS = ("char", "varchar"), TEXT_TYPES
_VARBINARY, _BINARY_ALL = ("varbinary",), ("binary", "varbinary", *BLOB_TYPES)


def narrowing_misfit(column: str, old: DataType, new: DataType) -> Misfit | None:
    """The values of ``column`` that the narrowing ``old -> new`` (DS104) loses, where a
    cheap condition says which; ``None`` otherwise (a float's precision, another kind of
    value)."""
    c = q(column)
    a, b = old.name, new.name
    if a in INT_BITS and b in INT_BITS and old.unsigned == new.unsigned and INT_BITS[b] < INT_BITS[a]:
        return _outside(c, new)
    if a in (*INT_BITS, "decimal") and b == "decimal":
        (ib, fb) = _decimal_digits(new)
        ia, fa = _decimal_digits(old) if a == "decimal" else (len(str(2 ** INT_BITS[a])), 0)
        if ib < ia:
            rounded = f"ROUND({c}, {fb})" if fa > fb else c
            return Misfit(f"ABS({rounded}) >= 1{'0' * ib}", f"with more than {ib} integer digits",
                          CUT_OR_REFUSED)
        if fb < fa:
            return Misfit(f"{c} <> ROUND({c}, {fb})", f"with more than {fb} decimal places",
                          "they are rounded")
        return None
    if a in (*_CHAR, *_TEXTS, "enum", "set") and b in (*_CHAR, *_TEXTS):
        if b in _CHAR:
            return Misfit(f"CHAR_LENGTH({c}) > {new.length}", f"longer than {new.length} characters",
                          CUT_OR_REFUSED) if new.length is not None else None
        return Misfit(f"LENGTH({c}) > {TEXT_BYTES[b]}", f"longer than {TEXT_BYTES[b]:,} bytes", CUT_OR_REFUSED)
    if a in _BINARY_ALL and a != "binary" and b in _BINARY_ALL:  # binary(N) is padded to N bytes
        limit = TEXT_BYTES.get(b, new.length)
        return Misfit(f"LENGTH({c}) > {limit}", f"longer than {limit:,} bytes", CUT_OR_REFUSED) \
            if limit is not None else None
    if a == "datetime" and b == "date":
        return Misfit(f"{c} <> DATE({c})", "with a time of day", "they lose it")
    if a == b and a in ("datetime", "timestamp", "time") and (new.length or 0) < (old.length or 0):
        n = new.length or 0
        return Misfit(f"MICROSECOND({c}) MOD {10 ** (6 - n)} <> 0", f"with more than {n} fractional digits",
                      "they are rounded")
    if a == b == "bit" and (new.length or 1) < (old.length or 1):
        top = 2 ** (new.length or 1)
        return Misfit(f"{c} + 0 >= {top}", f"above {top - 1}", CUT_OR_REFUSED)
    return None


def sign_misfit(column: str, old: DataType, new: DataType) -> Misfit | None:
    """The values of ``column`` out of range after a change of sign (DS107)."""
    c = q(column)
    if old.name in INT_BITS and new.name in INT_BITS:
        return _outside(c, new)
    if new.unsigned:
        return Misfit(f"{c} < 0", "below 0", CUT_OR_REFUSED)
    return None


def removed_misfit(column: str, old: DataType, new: DataType) -> Misfit | None:
    """The rows of ``column`` holding an ENUM or SET value that ``new`` removes (DS105),
    found by the values' positions (no value text goes into the query)."""
    gone = [i for i, v in enumerate(old.values) if v not in new.values]
    if not gone:
        return None
    c = q(column)
    if old.name == "enum":
        return Misfit(f"{c} + 0 IN ({', '.join(str(i + 1) for i in gone)})", "the change removes",
                      "the upgrade will fail at this statement (strict mode) or make them ''")
    mask = sum(1 << i for i in gone)
    return Misfit(f"({c} + 0) & {mask} <> 0", "the change removes",
                  "the upgrade will fail at this statement (strict mode) or drop those values")


def _outside(c: str, new: DataType) -> Misfit:
    lo, hi = int_range(new)
    return Misfit(f"{c} < {lo} OR {c} > {hi}", f"outside {lo:,}..{hi:,}", CUT_OR_REFUSED)


# ---------------------------------------------------------------------------------------
# opening a database


@contextmanager
def live_database(url: str | None = None, *, conn=None, defaults_file=None,
                  count_timeout: float = DEFAULT_COUNT_TIMEOUT
                  ) -> Iterator[tuple[dict[str, TableStats] | None, DataProbe | None]]:
    """(table sizes, probe) of the database ``url`` names, or of the default database of
    the open connection ``conn`` (left open); ``(None, None)`` without either.  The probe
    is ``None`` when ``count_timeout`` is 0 (sizes only).  A connection opened here is
    closed on exit; no error message shows the password."""
    from ..errors import ConnectionFailed, InputError
    from ..sources.connection import parse_url

    if url is None and conn is None:
        yield None, None
        return
    owned = conn is None
    where = "the database"
    if owned:
        assert url is not None, "a URL, or an open connection"
        spec = parse_url(url, defaults_file=defaults_file)
        if not spec.database:
            raise InputError(f"{spec.redacted()}: the URL names no database")
        where = spec.redacted()
        # the server stops each count; the client's own limit is a backstop
        conn = spec.connect(read_timeout=int(count_timeout) + 30)
    try:
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT DATABASE()")
                database = cur.fetchone()[0]
            if not database:
                raise InputError(f"{where}: the connection has no default database")
            stats = read_table_stats(conn, database)
        except Exception as exc:  # pymysql errors: one line, no password
            if isinstance(exc, InputError):
                raise
            raise ConnectionFailed(f"{where}: cannot read table sizes: "
                                   f"{getattr(exc, 'args', [''])[-1]}") from None
        yield stats, (DataProbe(conn, timeout=count_timeout, stats=stats) if count_timeout > 0 else None)
    finally:
        if owned:
            conn.close()
