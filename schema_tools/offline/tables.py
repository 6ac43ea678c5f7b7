"""Apply table DDL to the offline state exactly as MariaDB 10.11 does.

:func:`apply_table_ddl` is called by :mod:`.reader` for every statement; it returns False
for statements that are not table DDL.  Statements are parsed by :mod:`.ddl_parse`
(sqlglot, MariaDB dialect), column types and defaults resolved by :mod:`.types`,
expressions printed by :mod:`.exprs`.  A failing statement leaves the state unchanged
(except DROP TABLE, which, like the server, drops the tables that exist).

This module runs CREATE TABLE (and ... LIKE), DROP, RENAME and TRUNCATE TABLE; the
statement applier is built up from :mod:`.columns` (column definitions), :mod:`.keys`
(keys, foreign keys, checks), :mod:`.alter_columns` and :mod:`.alter` (ALTER TABLE, CREATE
and DROP INDEX), with table options in :mod:`.options` and the working copy of a table in
:mod:`.work`.  Each rule was read off a MariaDB 10.11 server and is checked against one by
tests/test_offline_tables.py.  ``IF [NOT] EXISTS`` forms that find nothing to do are
no-ops (the server gives a note).

Whatever is not modelled raises :class:`OfflineError` saying "... not supported offline".
"""

from __future__ import annotations

import re
from typing import Any

from ..model.objects import Column
from . import ddl_objects as P
from .alter import AlterApplier
from .ddl_parse import parse_statement
from .options import apply_table_options, check_engine, rebuild_effects, table_defaults
from .state import OfflineError, Session, State, resolve_charset
from .work import Work, WorkKey, ident, rename_table, store, work_of

_DDL_HEAD = re.compile(
    r"^\s*(?:CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMPORARY\s+)?TABLE\b"
    r"|CREATE\s+(?:OR\s+REPLACE\s+)?(?:ONLINE\s+|OFFLINE\s+)?(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX\b"
    r"|DROP\s+(?:TEMPORARY\s+)?TABLES?\b|DROP\s+(?:ONLINE\s+|OFFLINE\s+)?INDEX\b"
    r"|RENAME\s+TABLES?\b|TRUNCATE\b|ALTER\s+(?:ONLINE\s+|OFFLINE\s+)?(?:IGNORE\s+)?TABLE\b)",
    re.I,
)


def is_table_ddl(sql: str) -> bool:
    return bool(_DDL_HEAD.match(sql))


def apply_table_ddl(sql: str, session: Session, state: State) -> bool:
    """Apply ``sql`` if it is table DDL; return False for any other statement."""
    if not is_table_ddl(sql):
        return False
    try:
        _check_session(sql, session)
        stmt = parse_statement(sql)
        applier = _Applier(session, state)
        # the statement is applied to a copy: a failing statement changes nothing (except
        # DROP TABLE, which drops the tables that exist before reporting the others)
        before = (dict(state.tables), {k: set(v) for k, v in state.implicit_indexes.items()})
        try:
            applier.apply(stmt)
        except OfflineError:
            if not isinstance(stmt, P.DropTable):
                state.tables.clear()
                state.tables.update(before[0])
                state.implicit_indexes.clear()
                state.implicit_indexes.update(before[1])
            raise
    except OfflineError:
        raise
    except RecursionError:
        raise OfflineError("statement too deeply nested to read") from None
    except Exception as exc:  # never let another exception type escape
        raise OfflineError(f"cannot apply statement offline ({type(exc).__name__}: {exc})") from None
    return True


def _check_session(sql: str, session: Session) -> None:
    mode = session.sql_mode.upper()
    if "ANSI_QUOTES" in mode and '"' in sql:
        raise OfflineError("sql_mode ANSI_QUOTES is not supported offline")
    if "NO_BACKSLASH_ESCAPES" in mode and "\\" in sql:
        raise OfflineError("sql_mode NO_BACKSLASH_ESCAPES is not supported offline")
    if "PIPES_AS_CONCAT" in mode and "||" in sql:
        raise OfflineError("sql_mode PIPES_AS_CONCAT is not supported offline")


class _Applier(AlterApplier):
    """Applies one statement."""

    def apply(self, stmt: Any) -> None:
        if isinstance(stmt, P.CreateTable):
            self.create_table(stmt)
        elif isinstance(stmt, P.AlterTable):
            self.alter_table(stmt)
        elif isinstance(stmt, P.CreateIndex):
            self.require_plain(stmt.schema)
            self.alter_table(stmt.alter_table(P.AddKey(stmt.key)), create_index=stmt)
        elif isinstance(stmt, P.DropIndex):
            self.require_plain(stmt.schema)
            self.alter_table(stmt.alter_table(P.DropKey(stmt.name, stmt.if_exists)))
        elif isinstance(stmt, P.DropTable):
            self.drop_tables(stmt)
        elif isinstance(stmt, P.RenameTable):
            self.rename_tables(stmt)
        elif isinstance(stmt, P.Truncate):
            self.truncate(stmt)
        else:
            raise OfflineError("statement not understood offline")

    def require_plain(self, schema: str | None) -> None:
        """Qualified names are read as names in the one database being read."""

    # ---- CREATE TABLE

    def create_table(self, st: P.CreateTable) -> None:
        if st.temporary:
            # a temporary table is not part of the schema; statements on it would be
            # applied to a base table of the same name by mistake
            raise OfflineError("CREATE TEMPORARY TABLE is not supported offline")
        if st.select:
            raise OfflineError("CREATE TABLE ... SELECT is not supported offline")
        if st.partition:
            raise OfflineError("partitioning is not supported offline")
        name = ident(st.name, "table")
        exists = name in self.state.tables
        if st.or_replace and st.if_not_exists:
            raise OfflineError("Incorrect usage of OR REPLACE and IF NOT EXISTS")
        if exists and st.if_not_exists:
            return  # note 1050: table already exists
        if exists and not st.or_replace:
            raise OfflineError(f"Table '{name}' already exists")
        if st.like is not None:
            self.create_like(st, name, exists)
            return
        if exists:
            self.drop_one(name, replacing=True)
        self.auto_increment = None
        w = self.build_table(name, st)
        store(self.state, w)
        self.state.ddl_events.append(("create", name, self.auto_increment))

    def create_like(self, st: P.CreateTable, name: str, exists: bool) -> None:
        assert st.like is not None, "CREATE TABLE ... LIKE names its source"
        src_name = st.like[1]
        src = self.table(src_name)
        if exists:
            if src_name == name:
                raise OfflineError(f"Not unique table/alias: '{name}'")
            self.drop_one(name, replacing=True)
        w = work_of(src, self.state)
        w.name = name
        w.fks = []
        rebuild_effects(w)  # LIKE rewrites the definition as an ALTER does
        store(self.state, w)
        self.state.ddl_events.append(("create", name, None))

    def build_table(self, name: str, st: P.CreateTable) -> Work:
        s = self.session
        cs, coll = table_defaults(st.options)
        if cs is not None and cs.upper() == "DEFAULT":
            cs = s.db_charset
        if coll is not None and coll.upper() == "DEFAULT":
            coll = None
        table_cs, table_coll = resolve_charset(cs, coll, s.db_charset, s.db_collation)
        if cs is None and coll is None:
            table_cs, table_coll = s.db_charset, s.db_collation
        w = Work(name, [], [], [], [], "InnoDB", table_cs, table_coll, None, "", {})
        self.auto_increment = apply_table_options(w, st.options, creating=True)
        specs = [e for e in st.elements if isinstance(e, P.ColumnSpec)]
        if not specs:
            raise OfflineError("A table must have at least 1 column")
        # columns
        defs: list[tuple[P.ColumnSpec, Column]] = []
        for spec in specs:
            if w.col(spec.name) is not None:
                raise OfflineError(f"Duplicate column name '{spec.name}'")
            col = self.make_column(spec, w)
            w.columns.append(col)
            defs.append((spec, col))
        # keys, foreign keys, checks in statement order
        new_keys: list[WorkKey] = []
        new_fks: list[tuple[P.ForeignKeySpec, WorkKey | None]] = []
        checks: list[P.CheckSpec] = []
        for el in st.elements:
            if isinstance(el, P.ColumnSpec):
                new_keys += self.column_keys(el)
                if el.references is not None:
                    gk = self.fk_key(el.references)
                    new_fks.append((el.references, gk))
                    new_keys.append(gk)
            elif isinstance(el, P.KeySpec):
                new_keys.append(self.key_of(el))
            elif isinstance(el, P.ForeignKeySpec):
                gk = self.fk_key(el)
                new_fks.append((el, gk))
                new_keys.append(gk)
            elif isinstance(el, P.CheckSpec):
                checks.append(el)
        self.finish(w, defs, new_keys, new_fks, checks, creating=True, ignore=False)
        return w

    def finish(self, w: Work, defs: list[tuple[P.ColumnSpec, Column]], new_keys: list[WorkKey],
               new_fks: list[tuple[P.ForeignKeySpec, WorkKey | None]], checks: list[P.CheckSpec],
               *, creating: bool, ignore: bool) -> None:
        self.prepare_keys(w, new_keys)
        self.apply_primary_not_null(w, defs)
        self.check_keys(w)
        self.check_auto_increment(w)
        self.add_checks(w, checks, creating)
        self.add_foreign_keys(w, new_fks, creating)
        check_engine(w)
        self.check_invisible(w)
        self.check_auto_increment_refs(w)
        self.check_cascade_refs(w)

    # ---- DROP / RENAME / TRUNCATE

    def drop_tables(self, st: P.DropTable) -> None:
        if st.temporary:
            raise OfflineError("DROP TEMPORARY TABLE is not supported offline")
        missing = []
        names = []
        for _schema, name in st.tables:
            if name not in self.state.tables:
                missing.append(name)
            elif name not in names:
                names.append(name)
        if self.session.foreign_key_checks:
            for name in names:
                for other in self.state.tables.values():
                    if other.name in names:
                        continue
                    if any(fk.ref_table == name for fk in other.foreign_keys):
                        raise OfflineError("Cannot delete or update a parent row: a foreign key "
                                           "constraint fails")
        for name in names:
            self.drop_one(name)
        if missing and not st.if_exists:
            raise OfflineError("Unknown table " + ",".join(f"'{m}'" for m in missing))

    def drop_one(self, name: str, replacing: bool = False) -> None:
        if replacing and self.session.foreign_key_checks:
            for other in self.state.tables.values():
                if other.name != name and any(fk.ref_table == name for fk in other.foreign_keys):
                    raise OfflineError("Cannot delete or update a parent row: a foreign key "
                                       "constraint fails")
        from .triggers import drop_table_triggers

        self.state.tables.pop(name, None)
        self.state.implicit_indexes.pop(name, None)
        drop_table_triggers(self.state, name)  # the server drops a table's triggers with it

    def rename_tables(self, st: P.RenameTable) -> None:
        for (_, old), (_, new) in st.pairs:
            if old not in self.state.tables:
                raise OfflineError(f"Table '{old}' doesn't exist")
            if new in self.state.tables:
                raise OfflineError(f"Table '{new}' already exists")
            ident(new, "table")
            rename_table(self.state, old, new)

    def truncate(self, st: P.Truncate) -> None:
        name = st.table
        if name not in self.state.tables:
            raise OfflineError(f"Table '{name}' doesn't exist")
        if self.session.foreign_key_checks:
            for other in self.state.tables.values():
                if other.name != name and any(fk.ref_table == name for fk in other.foreign_keys):
                    raise OfflineError("Cannot truncate a table referenced in a foreign key "
                                       "constraint")
        self.state.ddl_events.append(("truncate", name))


__all__ = ["apply_table_ddl", "is_table_ddl"]
