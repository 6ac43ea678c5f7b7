"""The mutable state of an offline read: the session a script runs in, and the schema so far.

Offline reading replays statements the way a server would, so it needs what a server
session has: the sql_mode, the client character set, the database defaults, and the
account that would become the DEFINER.  Defaults match the throwaway server that
``schema-tools snapshot FILE.sql`` loads into, so the offline snapshot of a file equals the
live one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..dialect.lexer import UnreadableSql
from ..dialect.types import charset_data
from ..errors import SqlError
from ..flavour import Flavour
from ..model.objects import Event, Routine, Table, TableData, Trigger, View
from ..servers.local import LOADER_ACCOUNT

if TYPE_CHECKING:
    from .dump_views import DumpOrigin

DEFAULT_SQL_MODE = "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION"


# A statement the offline reader cannot read or apply (the lexer's error is the reader's):
# the reader adds ``file:line``.
OfflineError = UnreadableSql


def charset_alias(name: str) -> str:
    """MariaDB 10.6+ reads ``utf8`` as ``utf8mb3`` (old_mode UTF8_IS_UTF8MB3)."""
    name = name.lower()
    return "utf8mb3" if name == "utf8" else name


def collation_alias(name: str) -> str:
    name = name.lower()
    return "utf8mb3" + name[4:] if name.startswith("utf8_") else name


def default_collation(charset: str) -> str:
    cs = charset_alias(charset)
    data = charset_data()["charsets"].get(cs)
    if data is None:
        raise OfflineError(f"unknown character set {charset!r}")
    return data["default_collation"]


def charset_of(collation: str) -> str:
    coll = collation_alias(collation)
    cs = charset_data()["collations"].get(coll)
    if cs is None:
        raise OfflineError(f"unknown collation {collation!r}")
    return cs


def charset_maxlen(charset: str) -> int:
    return charset_data()["charsets"][charset_alias(charset)]["maxlen"]


def resolve_charset(charset: str | None, collation: str | None,
                    default_charset: str, default_coll: str) -> tuple[str, str]:
    """The (charset, collation) pair a server derives from optional explicit values."""
    if collation:
        coll = collation_alias(collation)
        cs = charset_of(coll)
        if charset and charset_alias(charset) != cs:
            raise OfflineError(f"COLLATION '{coll}' is not valid for CHARACTER SET '{charset_alias(charset)}'")
        return cs, coll
    if charset:
        cs = charset_alias(charset)
        return cs, default_collation(cs)
    return default_charset, default_coll


@dataclass
class Session:
    """Server session variables that change what a statement creates."""

    flavour: Flavour
    sql_mode: str = DEFAULT_SQL_MODE
    charset_client: str = "utf8mb4"
    collation_connection: str = "utf8mb4_general_ci"
    db_charset: str = "utf8mb4"
    db_collation: str = "utf8mb4_general_ci"
    # the account a throwaway server loads the files as; a DEFINER naming it is recorded as
    # None, as the live snapshot of a scratch database does (any other is kept as stated)
    loader_account: str = LOADER_ACCOUNT
    foreign_key_checks: bool = True
    # the database the file being read is of, as it names it (its mariadb-dump header,
    # then USE), and what the header says of the dump (see .dump_views); None: unknown
    database: str | None = None
    dump: DumpOrigin | None = None


@dataclass
class TableRows:
    """The rows of one tracked table: per row, column name (lower case) -> QUOTE() text."""

    rows: list[dict[str, str]] = field(default_factory=list)
    auto_increment: int = 1
    # rows not known (a base snapshot without them, a rename from an untracked table)
    unknown: str | None = None


@dataclass
class State:
    """The schema being built, keyed for fast lookup.  Names are kept as written."""

    tables: dict[str, Table] = field(default_factory=dict)
    views: dict[str, View] = field(default_factory=dict)
    routines: dict[tuple[str, str], Routine] = field(default_factory=dict)
    triggers: dict[str, Trigger] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    # the base schema's rows, passed through as they are when no table is tracked (the
    # rows of tracked tables are in ``rows``)
    data: dict[str, TableData] = field(default_factory=dict)
    # per table, the names of indexes the server created implicitly for a foreign key;
    # the server drops such an index when another index can serve the key
    implicit_indexes: dict[str, set[str]] = field(default_factory=dict)
    # views the server made not updatable (it decides when it creates a view): a view
    # WITH CHECK OPTION cannot read one (see .routines, .dump_views)
    not_updatable: set[str] = field(default_factory=set)
    # the lookup tables whose rows are tracked (see .rows), their rows, and what the
    # last table DDL statement did that the rows follow (created, altered, renamed...)
    tracked: frozenset[str] = frozenset()
    rows: dict[str, TableRows] = field(default_factory=dict)
    ddl_events: list[tuple] = field(default_factory=list)

    def find_table(self, name: str) -> str | None:
        """The stored name of table ``name`` (table names are case-sensitive on Linux)."""
        return name if name in self.tables else None

    def require_table(self, name: str) -> Table:
        if name not in self.tables:
            raise OfflineError(f"Table '{name}' doesn't exist")
        return self.tables[name]


__all__ = ["OfflineError", "Session", "State", "TableRows", "SqlError", "resolve_charset", "default_collation",
           "charset_of", "charset_alias", "collation_alias", "charset_maxlen", "DEFAULT_SQL_MODE"]
