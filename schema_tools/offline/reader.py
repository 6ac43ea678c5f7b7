"""Read SQL files into the model without a server, the way a server would.

Each statement goes through what the ``mariadb`` client and the server do to it: the
client strips plain comments, the server expands executable comments for its flavour and
version.  Then it is dispatched: session statements (``SET``, ``USE``, database
defaults) change the :class:`~.state.Session`; table DDL goes to :mod:`.tables`;
views, routines, triggers and events go to :mod:`.routines`; DML on the tracked lookup
tables goes to :mod:`.data`, DML on other tables is reported as ignored.

A statement that is not understood stops the read with ``file:line: message`` (exit 2),
unless ``lenient`` is set: then it is skipped, listed, and the result marked partial.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..errors import SqlError
from ..flavour import Flavour
from ..config import ISPYB_LOOKUP_TABLES
from ..model.objects import Schema
from ..dialect.lexer import token_stream
from ..dialect.sqlscript import (
    Statement, client_strip, expand_executable_comments, find_stand_ins, read_sql_file, split_sql,
)
from .data import apply_dml, check_call
from .dump_views import read_dump_header
from .rows import after_table_ddl, schema_of, state_from_schema
from .state import OfflineError, Session, State, charset_alias, resolve_charset

DEFAULT_FLAVOUR = Flavour("mariadb", (10, 11, 0))

_DML = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_NO_SCHEMA_EFFECT = ("LOCK", "UNLOCK", "START", "BEGIN", "COMMIT", "ROLLBACK", "FLUSH",
                     "ANALYZE", "OPTIMIZE", "CHECK", "SELECT", "DO", "SHOW", "SAVEPOINT",
                     "RELEASE", "XA")
_USE = re.compile(r"USE\s+(`(?:[^`]|``)+`|[0-9A-Za-z_$\u0080-\U0010ffff]+)\s*;?\s*$", re.I)
_ACCOUNT = ("GRANT", "REVOKE", "CREATE USER", "DROP USER", "ALTER USER", "CREATE ROLE", "DROP ROLE")


@dataclass
class Skipped:
    location: str
    reason: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


@dataclass
class OfflineResult:
    schema: Schema
    skipped: list[Skipped] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    missing_views: list[str] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return bool(self.skipped)


def _excerpt(sql: str) -> str:
    first = sql.strip().splitlines()[0] if sql.strip() else ""
    return first[:200]


def _keywords(sql: str, n: int = 3) -> list[str]:
    """The first ``n`` bare words of ``sql``, upper-cased; the punctuation, quoted names and
    literals between them are passed over (``(SELECT`` gives ``SELECT``)."""
    words = (t.value for t in token_stream(sql, lenient=True) if t.kind == "word")
    return list(itertools.islice(words, n))


class OfflineReader:
    """Replays statements against a :class:`State`.  Reusable across files, so update
    scripts can be applied on top of a release."""

    def __init__(self, *, flavour: Flavour = DEFAULT_FLAVOUR, lenient: bool = False,
                 base: Schema | None = None,
                 data_tables: Sequence[str] = ISPYB_LOOKUP_TABLES) -> None:
        self.session = Session(flavour)
        tracked = frozenset(data_tables)
        if base is not None:
            self.session.db_charset = base.charset or self.session.db_charset
            self.session.db_collation = base.collation or self.session.db_collation
            self.state = state_from_schema(base, tracked)
        else:
            self.state = State(tracked=tracked)
        self.lenient = lenient
        self.result_skipped: list[Skipped] = []
        self.ignored: list[str] = []
        self.notes: list[str] = []
        self.missing_views: list[str] = []
        self.user_vars: dict[str, str | None] = {}

    # -- entry points -----------------------------------------------------------------

    def read_file(self, path: str | os.PathLike) -> None:
        path = Path(path)
        self.read_text(read_sql_file(path), source=str(path))

    def read_text(self, text: str, *, source: str = "<string>") -> None:
        statements = split_sql(text, source=source)
        stand_ins, missing = find_stand_ins(text, statements)
        for name in missing:
            self.missing_views.append(name)
            self.notes.append(f"{stand_ins[name].location}: view {name}: the dump has only a "
                              f"stand-in table, not the view definition; the view is not loaded")
        skip = {id(st) for st in stand_ins.values()}
        # per-script session: each file is one client invocation
        saved = (self.session.sql_mode, self.session.charset_client,
                 self.session.collation_connection, self.session.foreign_key_checks,
                 self.session.database, self.session.dump)
        # a dump's header says which server printed it and which database it is of
        self.session.dump = read_dump_header(text)
        self.session.database = self.session.dump.database if self.session.dump else None
        try:
            for st in statements:
                if id(st) not in skip:
                    self.apply(st)
        finally:
            (self.session.sql_mode, self.session.charset_client,
             self.session.collation_connection, self.session.foreign_key_checks,
             self.session.database, self.session.dump) = saved

    def result(self) -> OfflineResult:
        return OfflineResult(schema_of(self.state, self.session), list(self.result_skipped),
                             list(self.ignored), list(self.notes), list(self.missing_views))

    # -- one statement ----------------------------------------------------------------

    def apply(self, st: Statement) -> None:
        flavour = self.session.flavour
        try:
            modes = set(self.session.sql_mode.split(","))
            raw = client_strip(st.sql, no_backslash_escapes="NO_BACKSLASH_ESCAPES" in modes,
                               ansi_quotes="ANSI_QUOTES" in modes)
            sql = expand_executable_comments(raw, flavour=flavour.name, version=flavour.version).strip()
            if not sql:
                return
            self._dispatch(sql, st, raw)
        except (OfflineError, SqlError) as exc:
            message = exc.message if isinstance(exc, SqlError) else str(exc)
            self._fail(st, message)
        except RecursionError:
            self._fail(st, "statement too deeply nested to read")

    def _fail(self, st: Statement, message: str) -> None:
        if self.lenient:
            self.result_skipped.append(Skipped(st.location, message, _excerpt(st.sql)))
            return
        raise SqlError(message, location=st.location, excerpt=_excerpt(st.sql))

    def _dispatch(self, sql: str, st: Statement, raw: str | None = None) -> None:
        from .routines import apply_routine_ddl

        kw = _keywords(sql)
        head = kw[0] if kw else ""
        two = " ".join(kw[:2])
        if head == "SET":
            self._set(sql)
        elif head == "USE":
            m = _USE.match(sql)
            self.session.database = (m.group(1)[1:-1].replace("``", "`") if m.group(1)[0] == "`"
                                     else m.group(1)) if m else None
            self.notes.append(f"{st.location}: {sql.strip()} ignored: one database is read")
        elif two in ("CREATE DATABASE", "CREATE SCHEMA", "ALTER DATABASE", "ALTER SCHEMA"):
            self._database_defaults(sql, st)
        elif two in ("DROP DATABASE", "DROP SCHEMA"):
            raise OfflineError("DROP DATABASE is not supported offline")
        elif head in _DML:
            if not apply_dml(sql, head, self.session, self.state):
                self.ignored.append(f"{st.location}: {head} ignored (the table's rows are not "
                                    f"tracked): {_excerpt(sql)[:80]}")
        elif head in _NO_SCHEMA_EFFECT or (head == "CALL"):
            if head == "CALL":
                check_call(sql, self.state)
                self.ignored.append(f"{st.location}: CALL ignored: {_excerpt(sql)[:80]}")
        elif any(" ".join(kw[:len(a.split())]) == a for a in _ACCOUNT):
            self.notes.append(f"{st.location}: account statement ignored: {head}")
        elif self._table_ddl(sql):
            pass
        elif apply_routine_ddl(sql, self.session, self.state, raw=raw):
            pass
        else:
            raise OfflineError(f"statement not understood offline: {' '.join(kw) or _excerpt(sql)[:40]}")

    def _table_ddl(self, sql: str) -> bool:
        from .tables import apply_table_ddl, is_table_ddl

        tracked = self.state.tracked
        if not tracked or not is_table_ddl(sql):
            try:
                return apply_table_ddl(sql, self.session, self.state)
            finally:
                self.state.ddl_events.clear()
        before = {name: self.state.tables.get(name) for name in tracked.union(self.state.rows)}
        self.state.ddl_events.clear()
        try:
            apply_table_ddl(sql, self.session, self.state)
        except BaseException:
            self.state.ddl_events.clear()
            raise
        after_table_ddl(self.state, before, self.session)
        return True

    # -- session statements -----------------------------------------------------------

    _ASSIGN = re.compile(
        r"""\s*(@@(?:SESSION\.|GLOBAL\.|LOCAL\.)?|@|SESSION\s+|GLOBAL\s+|LOCAL\s+)?"""
        r"""([A-Za-z_][A-Za-z0-9_$]*)\s*:?=\s*"""
        r"""('(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|@@[A-Za-z_.]+|@\w+|[^,]+?)\s*(?:,|$)""",
        re.S | re.I,
    )

    def _value(self, token: str) -> str | None:
        token = token.strip()
        if token[:1] in ("'", '"'):
            q = token[0]
            return token[1:-1].replace(q + q, q).replace("\\\\", "\\")
        if token.startswith("@@"):
            return self._get_var(token[2:].split(".")[-1])
        if token.startswith("@"):
            return self.user_vars.get(token[1:].lower())
        if token.upper() == "NULL":
            return None
        return token

    def _get_var(self, name: str) -> str | None:
        s = self.session
        return {
            "sql_mode": s.sql_mode, "character_set_client": s.charset_client,
            "collation_connection": s.collation_connection,
            "foreign_key_checks": "1" if s.foreign_key_checks else "0",
            "character_set_results": s.charset_client,
        }.get(name.lower())

    def _set(self, sql: str) -> None:
        body = sql.strip()[3:].strip()
        m = re.match(r"NAMES\s+('?)(\w+)\1(?:\s+COLLATE\s+('?)(\w+)\3)?\s*$", body, re.I)
        if m:
            cs, coll = resolve_charset(m.group(2), m.group(4), "", "")
            self.session.charset_client, self.session.collation_connection = cs, coll
            return
        m = re.match(r"(?:CHARACTER\s+SET|CHARSET)\s+('?)(\w+)\1\s*$", body, re.I)
        if m:
            self.session.charset_client = charset_alias(m.group(2))
            return
        pos = 0
        while pos < len(body):
            m = self._ASSIGN.match(body, pos)
            if not m:
                raise OfflineError(f"SET statement not understood: {body[:60]}")
            pos = m.end()
            prefix, name, value = (m.group(1) or "").strip(), m.group(2), self._value(m.group(3))
            if prefix == "@":
                self.user_vars[name.lower()] = value
                continue
            self._set_var(name.lower(), value)

    def _set_var(self, name: str, value: str | None) -> None:
        s = self.session
        if name == "sql_mode":
            s.sql_mode = _normalize_sql_mode(value or "")
        elif name == "character_set_client":
            s.charset_client = charset_alias(value or s.charset_client)
        elif name == "collation_connection":
            s.collation_connection = resolve_charset(None, value, "", "")[1] if value else s.collation_connection
        elif name == "foreign_key_checks":
            s.foreign_key_checks = str(value).upper() not in ("0", "OFF", "FALSE")
        # other variables (time_zone, unique_checks, sql_notes, ...) do not change the schema

    def _database_defaults(self, sql: str, st: Statement) -> None:
        cs = re.search(r"(?:DEFAULT\s+)?(?:CHARACTER\s+SET|CHARSET)\s*=?\s*'?(\w+)'?", sql, re.I)
        coll = re.search(r"(?:DEFAULT\s+)?COLLATE\s*=?\s*'?(\w+)'?", sql, re.I)
        if cs or coll:
            s = self.session
            s.db_charset, s.db_collation = resolve_charset(
                cs.group(1) if cs else None, coll.group(1) if coll else None,
                s.db_charset, s.db_collation)
        if sql.upper().startswith("CREATE"):
            self.notes.append(f"{st.location}: CREATE DATABASE read as the database defaults")


_SQL_MODE_COMBOS = {
    "TRADITIONAL": "STRICT_TRANS_TABLES,STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
                   "ERROR_FOR_DIVISION_BY_ZERO,TRADITIONAL,NO_AUTO_CREATE_USER",
    "ANSI": "REAL_AS_FLOAT,PIPES_AS_CONCAT,ANSI_QUOTES,IGNORE_SPACE,ANSI",
}
_SQL_MODE_ORDER = [
    "REAL_AS_FLOAT", "PIPES_AS_CONCAT", "ANSI_QUOTES", "IGNORE_SPACE", "IGNORE_BAD_TABLE_OPTIONS",
    "ONLY_FULL_GROUP_BY", "NO_UNSIGNED_SUBTRACTION", "NO_DIR_IN_CREATE", "POSTGRESQL", "ORACLE",
    "MSSQL", "DB2", "MAXDB", "NO_KEY_OPTIONS", "NO_TABLE_OPTIONS", "NO_FIELD_OPTIONS", "MYSQL323",
    "MYSQL40", "ANSI", "NO_AUTO_VALUE_ON_ZERO", "NO_BACKSLASH_ESCAPES", "STRICT_TRANS_TABLES",
    "STRICT_ALL_TABLES", "NO_ZERO_IN_DATE", "NO_ZERO_DATE", "ALLOW_INVALID_DATES",
    "ERROR_FOR_DIVISION_BY_ZERO", "TRADITIONAL", "NO_AUTO_CREATE_USER", "HIGH_NOT_PRECEDENCE",
    "NO_ENGINE_SUBSTITUTION", "PAD_CHAR_TO_FULL_LENGTH", "EMPTY_STRING_IS_NULL",
    "SIMULTANEOUS_ASSIGNMENT", "TIME_ROUND_FRACTIONAL",
]


@lru_cache(maxsize=256)
def _normalize_sql_mode(value: str) -> str:
    """The server's spelling of a sql_mode: upper case, canonical order, combos expanded."""
    modes: set[str] = set()
    for part in value.split(","):
        part = part.strip().upper()
        if not part:
            continue
        modes.update(_SQL_MODE_COMBOS.get(part, part).split(","))
    unknown = modes - set(_SQL_MODE_ORDER)
    if unknown:
        raise OfflineError(f"Variable 'sql_mode' can't be set to the value of '{sorted(unknown)[0]}'")
    return ",".join(m for m in _SQL_MODE_ORDER if m in modes)


def read_offline(paths: Sequence[str | os.PathLike], *, flavour: Flavour = DEFAULT_FLAVOUR,
                 lenient: bool = False, base: Schema | None = None,
                 data_tables: Sequence[str] = ISPYB_LOOKUP_TABLES) -> OfflineResult:
    """Read ``paths`` in order (optionally on top of ``base``) into a schema; the rows of
    the tables ``data_tables`` are tracked, as a live snapshot reads them."""
    reader = OfflineReader(flavour=flavour, lenient=lenient, base=base, data_tables=data_tables)
    for path in paths:
        reader.read_file(path)
    return reader.result()
