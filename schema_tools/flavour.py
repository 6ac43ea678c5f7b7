"""Every MariaDB/MySQL difference the tool knows about, in one place.

The canonical model uses the spelling of the flavour that produced it.  Supported and
tested: MariaDB 10.11.  MySQL 8 code paths exist where they are cheap but are not
tested here; where MySQL behaves differently and the tool does not handle it yet, the
self-check of introspection reports the table as unsupported rather than guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Flavour:
    name: str  # "mariadb" or "mysql"
    version: tuple[int, int, int] = (0, 0, 0)

    @property
    def is_mariadb(self) -> bool:
        return self.name == "mariadb"

    @property
    def client_binary(self) -> str:
        return "mariadb" if self.is_mariadb else "mysql"

    @property
    def dump_binary(self) -> str:
        return "mariadb-dump" if self.is_mariadb else "mysqldump"

    @property
    def reports_display_width(self) -> bool:
        """MariaDB always shows int display widths; MySQL 8.0.19+ drops them."""
        return self.is_mariadb or self.version < (8, 0, 19)

    @property
    def has_check_level(self) -> bool:
        """MariaDB 10.5.10+ says in CHECK_CONSTRAINTS.LEVEL whether a check is per column."""
        return self.is_mariadb and self.version >= (10, 5, 10)

    @property
    def has_index_ignored(self) -> bool:
        return self.is_mariadb and self.version >= (10, 6, 0)

    @property
    def has_view_algorithm_column(self) -> bool:
        return self.is_mariadb

    @property
    def scratch_account_grants(self) -> tuple[str, ...]:
        """What an account that loads SQL into a scratch database needs beyond that
        database: creating objects for another DEFINER (MariaDB 10.5.2 split ``SET USER``
        off ``SUPER``; MySQL 8.0 has ``SET_USER_ID``, 8.2 ``SET_ANY_DEFINER``), and reading
        the catalog tables introspection and the legacy import read (MariaDB keeps stored
        program bodies as written in ``mysql.proc`` and ``mysql.event``)."""
        if self.is_mariadb:
            definer = "SET USER" if self.version >= (10, 5, 2) else "SUPER"
            return (f"{definer} ON *.*", "SELECT ON mysql.proc", "SELECT ON mysql.event",
                    "SELECT ON mysql.user")
        if self.version >= (8, 2, 0):
            definer = "SET_ANY_DEFINER"
        else:
            definer = "SET_USER_ID" if self.version >= (8, 0, 0) else "SUPER"
        return (f"{definer} ON *.*", "SELECT ON mysql.user")

    def bounded_select(self, select: str, seconds: float) -> str:
        """``select`` (a statement that starts with ``SELECT``) stopped by the server after
        ``seconds`` (at least a microsecond): MariaDB 10.1+ runs it under ``SET STATEMENT
        max_statement_time=S FOR``, MySQL 5.7.8+ with the ``MAX_EXECUTION_TIME(ms)`` hint.
        The server then fails it with one of :attr:`timeout_errors`."""
        if self.is_mariadb:
            return f"SET STATEMENT max_statement_time={max(seconds, 1e-6):.6f} FOR {select}"
        ms = max(1, round(seconds * 1000))
        return f"SELECT /*+ MAX_EXECUTION_TIME({ms}) */ {select[len('SELECT '):]}"

    @property
    def timeout_errors(self) -> frozenset[int]:
        """The error numbers of a statement stopped by :meth:`bounded_select`
        (ER_STATEMENT_TIMEOUT on MariaDB, ER_QUERY_TIMEOUT on MySQL)."""
        return frozenset({1969}) if self.is_mariadb else frozenset({3024})

    def normalize_default(self, default: str | None, extra: str, data_type: str) -> str | None:
        """The COLUMN_DEFAULT of information_schema, in the model's spelling.

        MariaDB 10.2.7+ already reports SQL text (quoted literals, ``NULL``, expressions).
        MySQL reports the bare value and flags expressions with DEFAULT_GENERATED.
        """
        if self.is_mariadb:
            return default
        if default is None:
            return None
        if "DEFAULT_GENERATED" in extra.upper():
            return default if default.endswith(")") else f"{default.lower()}()"
        if re.fullmatch(r"-?[0-9.]+", default) and data_type not in ("char", "varchar", "text",
                                                                    "enum", "set"):
            return default
        return "'" + default.replace("\\", "\\\\").replace("'", "''") + "'"


def detect(version_string: str) -> Flavour:
    """Flavour and version from ``SELECT VERSION()``, e.g. ``10.11.19-MariaDB-0+deb12u1``."""
    m = re.match(r"(\d+)\.(\d+)\.(\d+)", version_string)
    version = (int(m[1]), int(m[2]), int(m[3])) if m else (0, 0, 0)
    name = "mariadb" if "mariadb" in version_string.lower() else "mysql"
    return Flavour(name, version)


MARIADB = Flavour("mariadb", (10, 11, 0))


def parse_flavour(text: str) -> Flavour:
    """``mariadb``, ``mariadb:10.11``, ``mysql:8.0.36`` -> :class:`Flavour`."""
    from .errors import InputError

    name, _, version = text.partition(":")
    name = name.strip().lower()
    if name not in ("mariadb", "mysql"):
        raise InputError(f"unknown flavour {text!r}: use mariadb[:VERSION] or mysql[:VERSION]")
    parts = version.split(".") if version else (["10", "11", "0"] if name == "mariadb" else ["8", "0", "0"])
    try:
        nums = tuple(int(p) for p in parts) + (0, 0, 0)
    except ValueError:
        raise InputError(f"bad flavour version in {text!r}") from None
    return Flavour(name, (nums[0], nums[1], nums[2]))


# ---------------------------------------------------------------------------------------
# Table options (MariaDB 10.11)

TABLE_OPTION_ORDER = (
    "MIN_ROWS", "MAX_ROWS", "AVG_ROW_LENGTH", "PACK_KEYS", "STATS_PERSISTENT",
    "STATS_AUTO_RECALC", "STATS_SAMPLE_PAGES", "CHECKSUM", "PAGE_CHECKSUM", "DELAY_KEY_WRITE",
    "ROW_FORMAT", "TRANSACTIONAL", "KEY_BLOCK_SIZE",
)
"""The plain table options, in the order ``SHOW CREATE TABLE`` prints them (after ENGINE and
the default charset, before COMMENT).  The model keeps ROW_FORMAT apart
(``Table.row_format``) and the others in ``Table.options``, in this order."""

AFTER_ROW_FORMAT = frozenset(TABLE_OPTION_ORDER[TABLE_OPTION_ORDER.index("ROW_FORMAT") + 1:])
"""The options ``SHOW CREATE TABLE`` prints after ROW_FORMAT."""

_TABLE_OPTION_RESET = {"MIN_ROWS": "0", "MAX_ROWS": "0", "AVG_ROW_LENGTH": "0", "CHECKSUM": "0",
                       "DELAY_KEY_WRITE": "0", "KEY_BLOCK_SIZE": "0"}


def table_option_reset(key: str) -> str:
    """The value that takes table option ``key`` out of a definition in ALTER TABLE: ``0``
    for the numeric options and the flags (which refuse ``DEFAULT``: ERROR 1064), else
    ``DEFAULT``."""
    return _TABLE_OPTION_RESET.get(key.upper(), "DEFAULT")


ENGINES_WRITING_PAGE_CHECKSUM = frozenset({"Aria"})
"""Engines whose ALTER TABLE writes the table's page checksum into the definition when the
statement leaves it unset, ``PAGE_CHECKSUM=DEFAULT`` included.  Aria always shows
PAGE_CHECKSUM; a table altered to another engine keeps it, and only a later
``ALTER TABLE ... PAGE_CHECKSUM=DEFAULT`` removes it."""


# the flavours whose information_schema tells a NULL-able column without a default
# (COLUMN_DEFAULT NULL) from one with DEFAULT NULL (the text 'NULL'): MariaDB 10.2.7 on;
# MySQL reports NULL for both, so its snapshots hold no column without a default to make
NULL_DEFAULT_KNOWN = frozenset({"mariadb"})
