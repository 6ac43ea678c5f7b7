"""Ask the server which ALTER algorithm and lock a statement needs.

The statement is run, with an explicit ``ALGORITHM=`` and ``LOCK=``, on an empty copy of
its table in a scratch database, cheapest first: ``INSTANT``; ``NOCOPY`` (MariaDB: in
place without rebuilding the table); ``INPLACE``; ``COPY``, each with ``LOCK=NONE``, then
``SHARED``, then ``EXCLUSIVE``.  The server refuses what it cannot do (errors 1845/1846)
before touching anything, so the first combination it accepts is the one the statement
needs.  An empty table changes nothing in that choice: the server decides from the
table's definition and the statement, never from the rows.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from dataclasses import dataclass

import pymysql

from ..errors import SchemaToolsError
from ..dialect.ddl import quote_ident
from ..review.algorithms import COPY, EXCLUSIVE, INPLACE, INSTANT, NONE, SHARED, Algorithm, probe_order
from .statements import TableDDL, parse_table_ddl

# "ALGORITHM=... is not supported for this operation", "LOCK=NONE is not supported. Reason: ..."
REFUSALS = frozenset({1845, 1846})
_COPY_IN_DISGUISE = "COPY algorithm requires a lock"


class ProbeError(SchemaToolsError):
    """The statement fails on the empty copy whatever the algorithm."""


@dataclass(frozen=True)
class Probed:
    """What the server accepted for one statement."""

    table: str
    algorithm: Algorithm
    lock: str
    refusals: tuple[str, ...] = ()  # the server's reasons for the cheaper combinations

    @property
    def blocks_writes(self) -> bool:
        return self.lock in (SHARED, EXCLUSIVE)


def _flavour_of(conn):
    from ..flavour import detect

    with conn.cursor() as cur:
        cur.execute("SELECT VERSION()")
        return detect(cur.fetchone()[0])


class Prober:
    """A scratch database on ``conn``'s server holding empty copies of tables, on which
    statements are probed one after another (an accepted statement stays applied, so a
    sequence of statements on the same table is probed as it will run).  Always dropped."""

    def __init__(self, conn, *, prefix: str = "st_probe_") -> None:
        self.conn = conn
        self.database = f"{prefix}{secrets.token_hex(6)}"
        self.flavour = _flavour_of(conn)
        self._previous_db: str | None = None
        self.tables: set[str] = set()

    def __enter__(self) -> Prober:
        with self.conn.cursor() as cur:
            cur.execute("SELECT DATABASE()")
            self._previous_db = cur.fetchone()[0]
            cur.execute(f"CREATE DATABASE {quote_ident(self.database)}")
            cur.execute(f"USE {quote_ident(self.database)}")
        return self

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(pymysql.MySQLError), self.conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {quote_ident(self.database)}")
            if self._previous_db:
                cur.execute(f"USE {quote_ident(self._previous_db)}")

    def create(self, *ddl: str) -> None:
        """Create tables (``CREATE TABLE`` statements, unqualified), foreign key checks off
        so that their parents need not exist."""
        with self.conn.cursor() as cur:
            cur.execute("SET @schema_tools_fkc = @@SESSION.foreign_key_checks, SESSION foreign_key_checks = 0")
            try:
                for sql in ddl:
                    cur.execute(sql)
                    m = re.match(r"\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(`(?:[^`]|``)+`|\S+)", sql, re.I)
                    if m:
                        self.tables.add(m.group(1).strip("`").replace("``", "`"))
            finally:
                cur.execute("SET SESSION foreign_key_checks = @schema_tools_fkc")

    def copy_from(self, database: str, tables) -> None:
        """Empty copies of ``database``'s ``tables`` (their ``SHOW CREATE TABLE``)."""
        ddl = []
        with self.conn.cursor() as cur:
            for name in tables:
                if name in self.tables:
                    continue
                cur.execute(f"SHOW CREATE TABLE {quote_ident(database)}.{quote_ident(name)}")
                ddl.append(_strip_auto_increment(cur.fetchone()[1]))
        self.create(*ddl)

    def probe(self, sql: str) -> Probed:
        """The cheapest algorithm and lock the server accepts for ``sql``, which is left
        applied to the copy."""
        target = parse_table_ddl(sql)
        if target is None:
            raise ProbeError(f"not a statement that alters a table in place: {sql.strip()[:80]}")
        return self.probe_parsed(target)

    def probe_parsed(self, target: TableDDL) -> Probed:
        refusals: list[str] = []
        with self.conn.cursor() as cur:
            for algorithm, lock in probe_order(self.flavour):
                try:
                    cur.execute(target.forced(algorithm, lock))
                except pymysql.MySQLError as exc:
                    code = exc.args[0] if exc.args else None
                    if code in REFUSALS:
                        refusals.append(f"{algorithm}/{lock}: {exc.args[-1]}")
                        continue
                    raise ProbeError(f"{target.table}: the statement fails on an empty copy: "
                                     f"ERROR {code}: {exc.args[-1]}") from None
                chosen = _as_algorithm(algorithm)
                if any(_COPY_IN_DISGUISE in r for r in refusals):
                    # MariaDB 10.11 accepts ALGORITHM=INSTANT for ENGINE=MyISAM, yet copies:
                    # its refusal of LOCK=NONE says so
                    chosen = Algorithm(COPY, False)
                return Probed(target.table, chosen, lock, tuple(refusals))
        raise ProbeError(f"{target.table}: the server refuses every algorithm and lock: "
                         + "; ".join(refusals[-2:]))


def _as_algorithm(name: str) -> Algorithm:
    if name == "NOCOPY":
        return Algorithm(INPLACE, False)
    if name == INPLACE:
        return Algorithm(INPLACE, True)
    return Algorithm(name, False)


def _strip_auto_increment(ddl: str) -> str:
    """The table options (last line of ``SHOW CREATE TABLE``) without the counter."""
    head, sep, options = ddl.rpartition("\n")
    return head + sep + re.sub(r" AUTO_INCREMENT=\d+", "", options)


def probe_algorithm(conn, table_ddl: str | list[str], alter_sql: str) -> tuple[Algorithm, str]:
    """(algorithm, lock) the server accepts for ``alter_sql`` on an empty copy of the table
    that ``table_ddl`` creates (a ``CREATE TABLE``, or a list of them: the table and the
    parents its foreign keys need), in a scratch database that is dropped afterwards.

    ``Algorithm.name`` is INSTANT, INPLACE or COPY, with ``rebuild`` set when the table is
    rewritten in place; the lock is NONE, SHARED or EXCLUSIVE.  Raises :class:`ProbeError`
    when the statement fails whatever the algorithm."""
    with Prober(conn) as prober:
        prober.create(*([table_ddl] if isinstance(table_ddl, str) else table_ddl))
        result = prober.probe(alter_sql)
    return result.algorithm, result.lock


__all__ = ["COPY", "EXCLUSIVE", "INPLACE", "INSTANT", "NONE", "SHARED", "ProbeError", "Probed", "Prober",
           "probe_algorithm"]
