"""Apply table DDL to the offline state exactly as MariaDB 10.11 does.

:func:`apply_table_ddl` is called by :mod:`.reader` for every statement; it returns False
for statements that are not table DDL.  Statements are parsed by :mod:`.ddl_parse`
(sqlglot, MariaDB dialect), column types and defaults resolved by :mod:`.types`,
expressions printed by :mod:`.exprs`.  A failing statement leaves the state unchanged
(except DROP TABLE, which, like the server, drops the tables that exist).

Server behaviour reproduced here, each rule read off a MariaDB 10.11 server and checked
against one by tests/test_offline_tables.py:

* keys: default names are the first column's name, then ``_2``, ``_3`` ... against the
  keys before it; PRIMARY KEY columns become NOT NULL (a NULL default goes, a column with
  ON UPDATE gets the zero date); a prefix as long as a CHAR/VARCHAR column is dropped;
  ``USING`` is kept only when written, an ALTER forgets it on existing UNIQUE keys, and a
  HASH key has no DESC; COMPACT/REDUNDANT InnoDB rows limit a key part to 767 bytes;
* foreign keys: unnamed ones are ``<table>_ibfk_<n>`` (numbered from 1 in CREATE TABLE,
  from the highest existing number + 1 in ALTER TABLE) and follow table renames; each
  FOREIGN KEY also asks for an index on its columns, named after the constraint, else the
  index name, else the first column.  That *generated* index is not created when an index
  starting with the same columns exists (one declared USING HASH does not count), and is
  silently dropped when such an index is added later (``state.implicit_indexes``
  remembers which indexes are generated).  ON DELETE/UPDATE not written is RESTRICT; SET
  DEFAULT reads as RESTRICT; an in-place ADD FOREIGN KEY (foreign_key_checks=0) stores
  RESTRICT/NO ACTION/SET DEFAULT as NO ACTION.  Non-InnoDB engines keep the index and
  drop the key.  Columns written by ON UPDATE CASCADE/SET NULL or ON DELETE SET NULL may
  not be read by CHECKs or STORED generated columns;
* checks: unnamed table checks are ``CONSTRAINT_<n>`` (n from 1, skipping names in use);
  a column CHECK is named after its column; ``json`` columns get
  ``CHECK (json_valid(col))`` unless they have their own CHECK; a table CHECK on dropped
  columns only is dropped with them;
* ALTER TABLE: existing columns keep their order, CHANGE/MODIFY without FIRST/AFTER keep
  the column's place, then added and moved columns are placed in statement order; renamed
  columns are renamed in indexes, foreign keys (also those of other tables referencing
  them), checks and generated columns; dropping a column shrinks plain indexes, and may
  not drop part of a UNIQUE/PRIMARY key; CONVERT TO CHARACTER SET converts every
  character column (TEXT types grow to keep their length in characters);
* ``IF [NOT] EXISTS`` forms that find nothing to do are no-ops (the server gives a note);
* table options are those SHOW CREATE TABLE shows: Aria always shows PAGE_CHECKSUM (1
  unless given), TRANSACTIONAL only when given; an ALTER TABLE of an Aria table writes its
  PAGE_CHECKSUM out (kept when the engine changes, even with PAGE_CHECKSUM=DEFAULT), one
  of another table (and CREATE TABLE ... LIKE) forgets it unless stated again.  An Aria
  row format the server would show differently (it shows the one it uses) is refused.

Whatever is not modelled raises :class:`OfflineError` saying "... not supported offline".
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from typing import Any

from sqlglot import exp

from ..dialect.types import (
    BLOB_TYPES, INTEGER_BYTES, LOB_MAX_BYTES, TEXT_LIMITS, TEXT_TYPES, VARCHAR_MAX_BYTES, type_kind,
)
from ..flavour import ENGINES_WRITING_PAGE_CHECKSUM, TABLE_OPTION_ORDER
from ..model.objects import Check, Column, DataType, ForeignKey, Index, IndexColumn, Table
from ..model.order import index_order, ordered_checks, ordered_indexes, server_sorted, with_order
from . import ddl_parse as P
from .exprs import DEFAULT_P, ExprContext, print_expression
from .state import (
    OfflineError, Session, State, charset_alias, charset_maxlen, charset_of, collation_alias,
    default_collation, resolve_charset,
)
from .types import InvalidDefault, ResolvedType, constant_of, literal_default, resolve_type

# ---------------------------------------------------------------------------------------
# Data tables (MariaDB 10.11)

ENGINES = {  # lower-case name or alias -> the server's spelling
    "innodb": "InnoDB", "myisam": "MyISAM", "aria": "Aria", "memory": "MEMORY",
    "heap": "MEMORY", "csv": "CSV", "mrg_myisam": "MRG_MyISAM", "merge": "MRG_MyISAM",
}
SUPPORTED_ENGINES = {"InnoDB", "MyISAM", "Aria", "MEMORY"}
ROW_FORMATS = {
    "InnoDB": {"REDUNDANT", "COMPACT", "DYNAMIC", "COMPRESSED"},
    "MyISAM": {"FIXED", "DYNAMIC", "COMPACT", "COMPRESSED", "REDUNDANT"},
    "Aria": {"PAGE", "FIXED", "DYNAMIC", "COMPACT"},
    "MEMORY": {"FIXED", "DYNAMIC"},
}
# the options of Table.options, in the order SHOW CREATE TABLE shows them; value normalisers
NUMERIC_OPTIONS = ("MIN_ROWS", "MAX_ROWS", "AVG_ROW_LENGTH")
OPTION_ORDER = tuple(o for o in TABLE_OPTION_ORDER if o != "ROW_FORMAT")
TRISTATE_OPTIONS = ("PACK_KEYS", "STATS_PERSISTENT", "STATS_AUTO_RECALC", "PAGE_CHECKSUM",
                    "TRANSACTIONAL")
BOOL_OPTIONS = ("CHECKSUM", "TABLE_CHECKSUM", "DELAY_KEY_WRITE")
MAX_KEY_LENGTH = {"InnoDB": 3072, "MyISAM": 1000, "Aria": 2300, "MEMORY": 3072}
IDENT_MAX = 64
COLUMN_COMMENT_MAX = 1024
TABLE_COMMENT_MAX = 2048
REF_ACTION_DEFAULT = "RESTRICT"
FK_INCORRECT = 'Foreign key constraint is incorrectly formed'


# ---------------------------------------------------------------------------------------
# Working copy of a table


class _Rebuild:
    """An action skipped by IF [NOT] EXISTS after which the server still rewrites the
    table definition."""


class _SkippedColumn:
    """ADD COLUMN IF NOT EXISTS of an existing column: only its inline keys remain."""

    def __init__(self, column: P.ColumnSpec) -> None:
        self.column = column


@dataclass(eq=False)
class _Key:
    name: str
    kind: str  # primary / unique / index / fulltext / spatial
    parts: list[IndexColumn]
    using: str | None = None
    comment: str = ""
    ignored: bool = False
    generated: bool = False
    new: bool = False
    dropped: bool = False


@dataclass
class _Work:
    name: str
    columns: list[Column]
    keys: list[_Key]
    fks: list[ForeignKey]
    checks: list[Check]
    engine: str
    charset: str
    collation: str
    row_format: str | None
    comment: str
    options: dict[str, str]
    partitioning: str | None = None
    # the columns this statement's PRIMARY KEY made NOT NULL (the keys before it in the
    # definition still take them as nullable when the server sorts the keys)
    made_not_null: set[str] = field(default_factory=set)
    # the UNIQUE keys whose USING HASH this statement forgot (they still sort as HASH keys)
    was_hash: set[int] = field(default_factory=set)  # id() of the keys

    def col(self, name: str) -> Column | None:
        low = name.lower()
        for c in self.columns:
            if c.name.lower() == low:
                return c
        return None

    def col_index(self, name: str) -> int:
        low = name.lower()
        for i, c in enumerate(self.columns):
            if c.name.lower() == low:
                return i
        return -1

    def key(self, name: str) -> _Key | None:
        low = name.lower()
        for k in self.keys:
            if k.name.lower() == low and not k.dropped:
                return k
        return None




def _work_of(table: Table, state: State) -> _Work:
    implicit = state.implicit_indexes.get(table.name, set())
    keys: list[_Key] = []
    if table.primary_key is not None:
        pk = table.primary_key
        keys.append(_Key("PRIMARY", "primary", list(pk.columns), pk.using, pk.comment,
                         pk.ignored))
    for ix in ordered_indexes(table)[table.primary_key is not None:]:
        keys.append(_Key(ix.name, ix.kind, list(ix.columns), ix.using, ix.comment, ix.ignored,
                         generated=ix.name in implicit))
    options: dict[str, str] = {}
    for opt in table.options.split():
        k, _, v = opt.partition("=")
        options[k] = v
    return _Work(table.name, list(table.columns), keys, list(table.foreign_keys),
                 ordered_checks(table), table.engine or "InnoDB", table.charset or "",
                 table.collation or "", table.row_format, table.comment, options,
                 table.partitioning)


def _table_of(w: _Work) -> tuple[Table, set[str]]:
    primary = None
    indexes = []
    implicit = set()
    for k in w.keys:
        if k.dropped:
            continue
        ix = Index(k.name, tuple(k.parts), k.kind, k.using, k.comment, k.ignored)
        if k.kind == "primary":
            primary = ix
        else:
            indexes.append(ix)
            if k.generated:
                implicit.add(k.name)
    options = []
    for key in OPTION_ORDER:
        if key in w.options:
            options.append(f"{key}={w.options[key]}")
    table = Table(
        name=w.name, columns=tuple(w.columns), primary_key=primary,
        indexes=tuple(sorted(indexes, key=lambda i: i.name)),
        foreign_keys=tuple(sorted(w.fks, key=lambda f: f.name)),
        checks=tuple(sorted(w.checks, key=lambda c: c.name)),
        engine=w.engine, charset=w.charset, collation=w.collation, row_format=w.row_format,
        comment=w.comment, options=" ".join(options), partitioning=w.partitioning,
    )
    # the keys in creation order, sorted as the server does after each CREATE/ALTER
    live = [k for k in w.keys if not k.dropped]
    primary_at = next((i for i, k in enumerate(live) if k.kind == "primary"), None)
    order = server_sorted(table, [k.name for k in live if k.kind != "primary"],
                          primary_at=primary_at, made_not_null=frozenset(w.made_not_null),
                          was_hash=frozenset(k.name for k in live if id(k) in w.was_hash))
    table = with_order(table, order, [c.name for c in w.checks])
    return table, implicit


def _store(state: State, w: _Work, old_name: str | None = None) -> None:
    table, implicit = _table_of(w)
    if old_name is not None and old_name != w.name:
        from .triggers import rename_table_triggers

        state.tables.pop(old_name, None)
        state.implicit_indexes.pop(old_name, None)
        rename_table_triggers(state, old_name, w.name)  # triggers follow their table
    state.tables[w.name] = table
    if implicit:
        state.implicit_indexes[w.name] = implicit
    else:
        state.implicit_indexes.pop(w.name, None)


# ---------------------------------------------------------------------------------------
# Entry point

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
        stmt = P.parse_statement(sql)
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


def _ident(name: str, what: str = "Identifier") -> str:
    if len(name) > IDENT_MAX:
        raise OfflineError(f"Identifier name '{name}' is too long")
    if name.endswith(" "):
        raise OfflineError(f"Incorrect {what.lower()} name '{name}'")
    if not name:
        raise OfflineError(f"Incorrect {what.lower()} name ''")
    return name


# ---------------------------------------------------------------------------------------
# The applier


class _Applier:
    def __init__(self, session: Session, state: State) -> None:
        self.session = session
        self.state = state
        # ALTER TABLE ADD FOREIGN KEY done in place (only with foreign_key_checks=0): InnoDB
        # then stores RESTRICT / NO ACTION / SET DEFAULT as NO ACTION
        self.inplace_fk = False
        # the AUTO_INCREMENT table option of the statement, and the column renames of an
        # ALTER: what the rows of tracked lookup tables need (see .data)
        self.auto_increment: int | None = None
        self.renamed: dict[str, str] = {}

    # ---- dispatch

    def apply(self, stmt: Any) -> None:
        if isinstance(stmt, P.CreateTable):
            self.create_table(stmt)
        elif isinstance(stmt, P.AlterTable):
            self.alter_table(stmt)
        elif isinstance(stmt, P.CreateIndex):
            self.require_plain(stmt.schema)
            self.alter_table(P.AlterTable(stmt.table, stmt.schema,
                                          [P.AddKey(stmt.key)] + list(stmt.options)),
                             create_index=stmt)
        elif isinstance(stmt, P.DropIndex):
            self.require_plain(stmt.schema)
            self.alter_table(P.AlterTable(stmt.table, stmt.schema,
                                          [P.DropKey(stmt.name, stmt.if_exists)]
                                          + list(stmt.options)),
                             drop_index=True)
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

    def table(self, name: str) -> Table:
        t = self.state.tables.get(name)
        if t is None:
            raise OfflineError(f"Table '{name}' doesn't exist")
        return t

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
        name = _ident(st.name, "table")
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
        _store(self.state, w)
        self.state.ddl_events.append(("create", name, self.auto_increment))

    def create_like(self, st: P.CreateTable, name: str, exists: bool) -> None:
        assert st.like is not None, "CREATE TABLE ... LIKE names its source"
        src_name = st.like[1]
        src = self.table(src_name)
        if exists:
            if src_name == name:
                raise OfflineError(f"Not unique table/alias: '{name}'")
            self.drop_one(name, replacing=True)
        w = _work_of(src, self.state)
        w.name = name
        w.fks = []
        _rebuild_effects(w)  # LIKE rewrites the definition as an ALTER does
        _store(self.state, w)
        self.state.ddl_events.append(("create", name, None))

    def table_defaults(self, options: list[tuple[str, Any]],
                       base: tuple[str, str] | None = None) -> tuple[str | None, str | None]:
        _no_conflict([("CHARACTER SET", v) for k, v in options if k == "CHARSET"])
        _no_conflict([("COLLATE", v) for k, v in options if k == "COLLATE"])
        cs = coll = None
        for key, value in options:
            if key == "CHARSET":
                cs = value
            elif key == "COLLATE":
                coll = value
        return cs, coll

    def build_table(self, name: str, st: P.CreateTable) -> _Work:
        s = self.session
        cs, coll = self.table_defaults(st.options)
        if cs is not None and cs.upper() == "DEFAULT":
            cs = s.db_charset
        if coll is not None and coll.upper() == "DEFAULT":
            coll = None
        table_cs, table_coll = resolve_charset(cs, coll, s.db_charset, s.db_collation)
        if cs is None and coll is None:
            table_cs, table_coll = s.db_charset, s.db_collation
        w = _Work(name, [], [], [], [], "InnoDB", table_cs, table_coll, None, "", {})
        self.apply_table_options(w, st.options, creating=True)
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
        new_keys: list[_Key] = []
        new_fks: list[tuple[P.ForeignKeySpec, _Key | None]] = []
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

    # ---- columns

    def make_column(self, spec: P.ColumnSpec, w: _Work, old: Column | None = None) -> Column:
        name = _ident(spec.name, "column")
        rt = resolve_type(spec.type, name, w.charset, w.collation, self.session.sql_mode)
        dtype = rt.type
        kind = type_kind(dtype.name)
        nullable = spec.null is not False
        if rt.serial:
            nullable = False
        compressed = spec.type.compressed or spec.compressed
        if spec.comment is not None and len(spec.comment) > COLUMN_COMMENT_MAX:
            raise OfflineError(f"Comment for field '{name}' is too long (max = {COLUMN_COMMENT_MAX})")
        auto_inc = spec.auto_increment
        if auto_inc and kind not in ("int", "float"):
            raise OfflineError(f"Incorrect column specifier for column '{name}'")
        generated = None
        default: str | None = None
        on_update = None
        if spec.generated is not None:
            if spec.auto_increment or spec.default is not None or spec.null is not None \
                    or spec.on_update is not None:
                raise OfflineError(f"syntax error in the definition of generated column '{name}'")
            ctx = ExprContext(self.column_names(w, extra=name), "GENERATED ALWAYS AS",
                              self.session_charset(), owner=name, year_columns=_year_columns(w))
            generated = print_expression(spec.generated, ctx)
            if name.lower() in {c.lower() for c in ctx.used_columns}:
                raise OfflineError(f"Function or expression '{name}' cannot be used in the "
                                   f"GENERATED ALWAYS AS clause of `{name}`")
            if spec.stored and _pad_sensitive(spec.generated, w):
                raise _vcol_error(generated, name)
            nullable = True
        else:
            default = self.default_of(spec, name, dtype, rt, nullable, w)
            if spec.on_update is not None:
                if dtype.name not in ("datetime", "timestamp"):
                    raise OfflineError(f"Invalid ON UPDATE clause for '{name}' column")
                on_update = self.now_text(spec.on_update, dtype, name, on_update=True)
        if generated is None and default is None and not nullable and not auto_inc:
            if on_update is not None:
                # NOT NULL with ON UPDATE and no DEFAULT: the zero date is the default
                fsp = dtype.length or 0
                default = "'0000-00-00 00:00:00" + ("." + "0" * fsp if fsp else "") + "'"
            elif compressed:
                # a NOT NULL COMPRESSED column without DEFAULT gets ''
                default = "''"
        check = None
        if spec.check is not None:
            ctx = ExprContext(self.column_names(w, extra=name), "CHECK", self.session_charset(),
                              owner=name, year_columns=_year_columns(w))
            check = print_expression(spec.check, ctx)
        elif rt.json:
            check = f"json_valid(`{name.replace('`', '``')}`)"
        if kind in ("string", "binary", "enum", "set") or rt.charset:
            charset, collation = rt.charset, rt.collation
        else:
            charset = collation = None
        if charset == "binary" and dtype.name not in ("enum", "set"):
            charset = collation = None
        return Column(
            name=name, type=dtype, nullable=nullable, default=default, auto_increment=auto_inc,
            on_update=on_update, charset=charset, collation=collation,
            comment=spec.comment or "", generated=generated,
            generated_stored=spec.stored if generated is not None else False,
            invisible=spec.invisible, compressed=compressed, check=check,
        )

    def session_charset(self) -> str:
        """character_set_connection (CAST(x AS CHAR) prints it)."""
        try:
            return charset_of(self.session.collation_connection)
        except OfflineError:
            return charset_alias(self.session.charset_client)

    @staticmethod
    def column_names(w: _Work, extra: str | None = None) -> dict[str, str]:
        names = {c.name.lower(): c.name for c in w.columns}
        if extra is not None:
            names.setdefault(extra.lower(), extra)
        return names

    def default_of(self, spec: P.ColumnSpec, name: str, dtype: DataType, rt: ResolvedType,
                   nullable: bool, w: _Work) -> str | None:
        if spec.default is None:
            if spec.auto_increment or rt.serial:
                return None
            return "NULL" if nullable else None
        if spec.auto_increment or rt.serial:
            raise InvalidDefault(f"Invalid default value for '{name}'")
        lit = constant_of(spec.default)
        if lit is not None and (dtype.name in TEXT_TYPES or dtype.name in BLOB_TYPES) \
                and lit.kind != "null":
            # BLOB/TEXT defaults are kept as expressions: printed, not converted
            ctx = ExprContext(self.column_names(w, extra=name), "DEFAULT", self.session_charset(),
                              allow_nondeterministic=True, owner=name, allow_hex=True, year_columns=_year_columns(w))
            return print_expression(spec.default, ctx, parent=DEFAULT_P)
        if lit is not None:
            if dtype.name in P_SPATIAL_OR_PLUGIN and lit.kind != "null":
                raise OfflineError(f"a default for {dtype.name} column '{name}' is not "
                                   f"supported offline")
            return literal_default(lit, dtype, rt.charset, name, nullable, rt.collation)
        e = spec.default
        while isinstance(e, exp.Paren):
            e = e.this
        if _is_now(e):
            return self.now_text(e, dtype, name)
        if dtype.name in P_SPATIAL_OR_PLUGIN:
            raise OfflineError(f"a default for {dtype.name} column '{name}' is not supported offline")
        ctx = ExprContext(self.column_names(w, extra=name), "DEFAULT", self.session_charset(),
                          allow_nondeterministic=True, owner=name, year_columns=_year_columns(w))
        text = print_expression(spec.default, ctx, parent=DEFAULT_P)
        if not ctx.used_columns and not _has_nondeterministic(e) and \
                dtype.name not in TEXT_TYPES and dtype.name not in BLOB_TYPES:
            # the server evaluates a constant expression default and checks its value
            value = _evaluate_constant(e)
            if value is None:
                raise OfflineError(f"the constant expression default of '{name}' is not "
                                   f"supported offline (its value cannot be checked)")
            literal_default(value, dtype, rt.charset, name, nullable, rt.collation)
        return text

    def now_text(self, e: exp.Expr, dtype: DataType, name: str, on_update: bool = False) -> str:
        while isinstance(e, exp.Paren):
            e = e.this
        if not _is_now(e):
            if on_update:
                raise OfflineError(f"Invalid ON UPDATE clause for '{name}' column")
            raise OfflineError("internal: not a CURRENT_TIMESTAMP")
        explicit = _now_precision(e)
        if explicit is not None and explicit > 6:
            raise OfflineError(f"Too big precision specified for '{name}'. Maximum is 6")
        if dtype.name in ("datetime", "timestamp"):
            fsp = dtype.length or 0
            p = fsp if explicit is None else min(explicit, fsp)
        else:
            p = explicit or 0
        return f"current_timestamp({p})" if p else "current_timestamp()"

    def column_keys(self, spec: P.ColumnSpec) -> list[_Key]:
        keys = []
        part = [IndexColumn(spec.name)]
        if spec.key == "primary":
            keys.append(_Key("", "primary", list(part), new=True))
        if spec.unique_key:
            keys.append(_Key("", "unique", list(part), new=True))
        return keys

    def key_of(self, spec: P.KeySpec) -> _Key:
        name = spec.name
        if spec.kind == "primary":
            name = ""
        elif name is not None:
            _ident(name, "index")
        if spec.comment is not None and len(spec.comment) > COLUMN_COMMENT_MAX:
            raise OfflineError(f"Comment for index '{name}' is too long (max = {COLUMN_COMMENT_MAX})")
        using = spec.using
        if using is not None and using not in ("BTREE", "HASH", "RTREE"):
            raise OfflineError(f"syntax error: USING {using}")
        parts = [IndexColumn(p.column, p.length, p.descending) for p in spec.parts]
        k = _Key(name or "", spec.kind, parts, using, spec.comment or "", spec.ignored, new=True)
        k.if_not_exists = spec.if_not_exists  # type: ignore[attr-defined]  # a mark for this statement, not a field
        return k

    def fk_key(self, fk: P.ForeignKeySpec) -> _Key:
        name = fk.constraint or fk.index_name or ""
        k = _Key(name, "index", [IndexColumn(c) for c in fk.columns], generated=True, new=True)
        k.fk_if_not_exists = fk.if_not_exists  # type: ignore[attr-defined]  # a mark for this statement, not a field
        return k

    # ---- the shared end of CREATE and ALTER: keys, foreign keys, checks

    def finish(self, w: _Work, defs: list[tuple[P.ColumnSpec, Column]], new_keys: list[_Key],
               new_fks: list[tuple[P.ForeignKeySpec, _Key | None]], checks: list[P.CheckSpec],
               *, creating: bool, ignore: bool) -> None:
        self.prepare_keys(w, new_keys)
        self.apply_primary_not_null(w, defs)
        self.check_keys(w)
        self.check_auto_increment(w)
        self.add_checks(w, checks, creating)
        self.add_foreign_keys(w, new_fks, creating)
        self.check_engine(w)
        self.check_invisible(w)
        self.check_auto_increment_refs(w)
        self.check_cascade_refs(w)

    @staticmethod
    def check_auto_increment_refs(w: _Work) -> None:
        """CHECK constraints and DEFAULT expressions may not read the AUTO_INCREMENT column."""
        autos = {c.name.lower(): c.name for c in w.columns if c.auto_increment}
        if not autos:
            return
        texts = [(c.clause, "CHECK") for c in w.checks]
        texts += [(c.check, "CHECK") for c in w.columns if c.check is not None]
        texts += [(c.default, "DEFAULT") for c in w.columns
                  if c.default is not None and "`" in c.default]
        for text, clause in texts:
            for ref in _referenced_columns(text):
                if ref in autos:
                    raise OfflineError(f"Function or expression 'AUTO_INCREMENT' cannot be used in "
                                       f"the {clause} clause of `{autos[ref]}`")

    @staticmethod
    def check_cascade_refs(w: _Work) -> None:
        """Columns a foreign key action writes (ON UPDATE CASCADE, ON UPDATE SET NULL,
        ON DELETE SET NULL) may not be read by a CHECK constraint or a STORED generated
        column (VIRTUAL ones, even indexed, are fine)."""
        fks = [(fk.columns, fk.on_delete, fk.on_update) for fk in w.fks]
        fks += getattr(w, "ignored_fks", [])
        changed = {c.lower() for cols, on_delete, on_update in fks
                   if on_update in ("CASCADE", "SET NULL") or on_delete == "SET NULL"
                   for c in cols}
        if not changed:
            return
        names = {c.name.lower(): c.name for c in w.columns}

        def fail(refs: set[str], clause: str, owner: str) -> None:
            hit = sorted(refs & changed)
            if hit:
                raise OfflineError(f"Function or expression '{names.get(hit[0], hit[0])}' cannot be "
                                   f"used in the {clause} clause of `{owner}`")

        for c in w.columns:
            if c.check is not None:
                fail(_referenced_columns(c.check), "CHECK", c.name)
            if c.generated is not None and c.generated_stored:
                fail(_referenced_columns(c.generated), "GENERATED ALWAYS AS", c.name)
        for ch in w.checks:
            fail(_referenced_columns(ch.clause), "CHECK", ch.name)

    @staticmethod
    def check_invisible(w: _Work) -> None:
        for c in w.columns:
            if c.invisible and not c.nullable and c.default is None and c.generated is None \
                    and not c.auto_increment:
                raise OfflineError(f"Invisible column `{c.name}` must have a default value")
        if not any(not c.invisible for c in w.columns):
            raise OfflineError("A table must have at least one visible column")

    def prepare_keys(self, w: _Work, new_keys: list[_Key]) -> None:
        """mysql_prepare_create_table: generated-key elimination, names, validation."""
        # IF NOT EXISTS keys whose name exists are skipped (note)
        for pos, k in enumerate(new_keys):
            if k.kind == "primary":
                name = "PRIMARY"
            else:
                name = k.name or (k.parts[0].name if k.parts else "")
            earlier = new_keys[:pos]
            earlier_names = {("PRIMARY" if o.kind == "primary" else
                              o.name or (o.parts[0].name if o.parts else "")).lower()
                             for o in earlier if not o.dropped}
            if getattr(k, "if_not_exists", False) and name and (
                    w.key(name) is not None or name.lower() in earlier_names):
                k.dropped = True
            if getattr(k, "if_not_exists", False) and k.kind == "primary" and any(
                    o.kind == "primary" and not o.dropped for o in w.keys):
                k.dropped = True
        all_keys = [k for k in w.keys if not k.dropped] + [k for k in new_keys if not k.dropped]
        ignored: set[int] = set()
        for i, key in enumerate(all_keys):
            for key2 in all_keys[:i]:
                if id(key2) in ignored:
                    continue
                if not _foreign_key_prefix(key, key2):
                    if not key2.generated or (key.generated and len(key.parts) < len(key2.parts)):
                        ignored.add(id(key))
                    else:
                        ignored.add(id(key2))
                    break
        kept: list[_Key] = []
        for key in all_keys:
            if id(key) in ignored:
                key.dropped = True
                continue
            if key.new:
                self.name_key(w, key, kept)
            kept.append(key)
        w.keys = kept

    def name_key(self, w: _Work, key: _Key, earlier: list[_Key]) -> None:
        if key.kind == "primary":
            if any(k.kind == "primary" for k in earlier):
                raise OfflineError("Multiple primary key defined")
            key.name = "PRIMARY"
        else:
            if key.name and key.name.upper() == "PRIMARY":
                raise OfflineError(f"Incorrect index name '{key.name}'")
            if not key.name:
                first = key.parts[0].name
                col = w.col(first)
                base = col.name if col is not None else first
                key.name = _unique_key_name(base, earlier)
        if any(k.name.lower() == key.name.lower() for k in earlier):
            raise OfflineError(f"Duplicate key name '{key.name}'")

    def apply_primary_not_null(self, w: _Work, defs: list[tuple[P.ColumnSpec, Column]]) -> None:
        """PRIMARY KEY columns become NOT NULL (even if declared NULL or DEFAULT NULL)
        and lose a NULL default."""
        for key in w.keys:
            if key.kind != "primary":
                continue
            for part in key.parts:
                idx = w.col_index(part.name)
                if idx < 0:
                    continue
                col = w.columns[idx]
                if col.generated is not None:
                    continue
                if col.nullable:
                    w.made_not_null.add(col.name)
                    default = None if col.default == "NULL" else col.default
                    if col.default == "NULL" and col.on_update:
                        # a column with ON UPDATE gets the zero default instead
                        fsp = col.type.length or 0
                        default = "'0000-00-00 00:00:00" + ("." + "0" * fsp if fsp else "") + "'"
                    w.columns[idx] = replace(col, nullable=False, default=default)

    def check_keys(self, w: _Work) -> None:  # noqa: C901 - the server's key checks, in its order
        maxlen = MAX_KEY_LENGTH.get(w.engine, 3072)
        for key in w.keys:
            if not key.parts:
                raise OfflineError("syntax error: empty key")
            seen = set()
            total = 0
            new_parts = []
            for part in key.parts:
                col = w.col(part.name)
                if col is None:
                    raise OfflineError(f"Key column '{part.name}' doesn't exist in table")
                if col.name.lower() in seen:
                    raise OfflineError(f"Duplicate column name '{col.name}'")
                seen.add(col.name.lower())
                part = IndexColumn(col.name, part.length, part.descending)
                kind = type_kind(col.type.name)
                is_lob = col.type.name in TEXT_TYPES or col.type.name in BLOB_TYPES
                if col.compressed:
                    raise OfflineError(f"Compressed column '{col.name}' can't be used in key "
                                       f"specification")
                if col.generated is not None and not col.generated_stored and \
                        _pad_sensitive(P.parse_expression(col.generated), w):
                    raise _vcol_error(col.generated, col.name)
                if key.kind == "fulltext":
                    if kind != "string" or part.length is not None:
                        raise OfflineError("Incorrect prefix key; the used key part isn't a string, "
                                           "the used length is longer than the key part, or the "
                                           "storage engine doesn't support unique prefix keys"
                                           if part.length is not None else
                                           f"Column '{col.name}' cannot be part of FULLTEXT index")
                    new_parts.append(part)
                    continue
                if key.kind == "spatial":
                    raise OfflineError("SPATIAL indexes are not supported offline")
                if col.type.name in P_SPATIAL_OR_PLUGIN and col.type.name not in ("uuid", "inet4", "inet6"):
                    raise OfflineError("indexes on geometry columns are not supported offline")
                mb = charset_maxlen(col.charset) if col.charset and col.charset != "binary" else 1
                if part.length is not None:
                    if kind not in ("string", "binary") or part.length == 0:
                        raise OfflineError("Incorrect prefix key; the used key part isn't a string, "
                                           "the used length is longer than the key part, or the "
                                           "storage engine doesn't support unique prefix keys")
                    if not is_lob and part.length > (col.type.length or 0):
                        raise OfflineError("Incorrect prefix key; the used key part isn't a string, "
                                           "the used length is longer than the key part, or the "
                                           "storage engine doesn't support unique prefix keys")
                    if not is_lob and part.length == col.type.length:
                        part = IndexColumn(col.name, None, part.descending)
                    elif is_lob:
                        limit = {"tinytext": 255, "tinyblob": 255, "text": 65535,
                                 "blob": 65535}.get(col.type.name, 2 ** 32)
                        assert part.length is not None, "inside the prefix-length branch"
                        if part.length * mb > limit:
                            raise OfflineError("Incorrect prefix key; the used key part isn't a "
                                               "string, the used length is longer than the key "
                                               "part, or the storage engine doesn't support "
                                               "unique prefix keys")
                elif is_lob:
                    # the server picks a prefix (or a long unique HASH key) itself
                    raise OfflineError(f"an index on BLOB/TEXT column '{col.name}' without a "
                                       f"prefix length is not supported offline")
                if col.generated is not None and key.kind == "primary" and not col.generated_stored:
                    raise OfflineError("Primary key cannot be defined upon a generated column")
                if col.generated is not None and not col.generated_stored and w.engine == "Aria":
                    raise OfflineError("Key/Index cannot be defined on a virtual generated column")
                if col.generated is not None and not col.generated_stored and \
                        _pad_sensitive(P.parse_expression(col.generated), w):
                    raise _vcol_error(col.generated, col.name)
                hash_key = key.using == "HASH" or (key.using is None and w.engine == "MEMORY"
                                                   and key.kind != "fulltext")
                if hash_key and part.descending:
                    part = IndexColumn(part.name, part.length, False)
                total += _key_part_bytes(col, part.length, mb)
                new_parts.append(part)
            if key.kind == "unique" and key.using == "HASH" and w.engine in ("InnoDB", "MyISAM"):
                # kept as a "long unique" hash of the columns (a hidden generated column)
                for part in new_parts:
                    col = w.col(part.name)
                    if col is not None and col.auto_increment:
                        raise OfflineError(f"Function or expression 'AUTO_INCREMENT' cannot be "
                                           f"used in the USING HASH clause of `{col.name}`")
            if w.engine == "InnoDB" and w.row_format in ("COMPACT", "REDUNDANT") \
                    and key.kind != "fulltext":
                for part in new_parts:
                    col = w.col(part.name)
                    assert col is not None, f"the key's column {part.name} is checked above"
                    mb = charset_maxlen(col.charset) if col.charset and col.charset != "binary" else 1
                    if _key_part_bytes(col, part.length, mb) > 767:
                        raise OfflineError("Index column size too large. The maximum column size "
                                           "is 767 bytes")
            if w.engine == "Aria" and key.kind == "unique" and key.using == "HASH":
                # Aria refuses UNIQUE ... USING HASH this way, whatever the key length
                raise OfflineError(f"Specified key was too long; max key length is {maxlen} bytes")
            if key.kind != "fulltext" and total > maxlen:
                # the server shortens a plain index, makes a UNIQUE one a long unique HASH
                raise OfflineError(f"an index longer than {maxlen} bytes is not supported offline")
            if key.kind == "fulltext" and w.engine == "MEMORY":
                raise OfflineError("The used table type doesn't support FULLTEXT indexes")
            if key.kind == "fulltext" and key.using is not None:
                raise OfflineError("FULLTEXT ... USING is not supported offline")
            key.parts = new_parts

    def check_auto_increment(self, w: _Work) -> None:
        autos = [c for c in w.columns if c.auto_increment]
        if len(autos) > 1:
            raise OfflineError("Incorrect table definition; there can be only one auto column and "
                               "it must be defined as a key")
        if autos:
            name = autos[0].name.lower()
            ok = any(k.parts and k.parts[0].name.lower() == name and k.kind != "fulltext"
                     for k in w.keys)
            if w.engine in ("MyISAM", "Aria"):
                ok = ok or any(name in (p.name.lower() for p in k.parts) for k in w.keys
                               if k.kind != "fulltext")
            if not ok:
                raise OfflineError("Incorrect table definition; there can be only one auto column "
                                   "and it must be defined as a key")

    def add_checks(self, w: _Work, checks: list[P.CheckSpec], creating: bool) -> None:
        names = [c.name for c in w.checks]
        column_check_names = {c.name.lower() for c in w.columns if c.check is not None}
        pending: list[tuple[str | None, P.CheckSpec]] = []
        for ch in checks:
            if ch.name is not None:
                _ident(ch.name, "constraint")
                if ch.if_not_exists and any(n.lower() == ch.name.lower() for n in names):
                    continue
                if any(n.lower() == ch.name.lower() for n in names) \
                        or ch.name.lower() in column_check_names:
                    raise OfflineError(f"Duplicate CHECK constraint name '{ch.name}'")
                names.append(ch.name)
            pending.append((ch.name, ch))
        nr = 1
        for name, ch in pending:
            if name is None:
                while True:
                    cand = f"CONSTRAINT_{nr}"
                    nr += 1
                    if not any(n.lower() == cand.lower() for n in names):
                        break
                name = cand
                names.append(name)
            ctx = ExprContext(self.column_names(w), "CHECK", self.session_charset(), owner=name,
                              year_columns=_year_columns(w))
            clause = print_expression(ch.expr, ctx)
            w.checks.append(Check(name, clause))

    # ---- foreign keys

    def add_foreign_keys(self, w: _Work, new_fks: list[tuple[P.ForeignKeySpec, _Key | None]],
                         creating: bool) -> None:
        if not new_fks:
            self.check_fk_indexes(w)
            return
        innodb = w.engine == "InnoDB"
        if not innodb:
            # other engines parse FOREIGN KEY and ignore it (the index stays); the SQL
            # layer still checks the columns its actions would write
            w.ignored_fks = [  # type: ignore[attr-defined]  # a mark for this statement (getattr), not a field
                (tuple(spec.columns), spec.on_delete or REF_ACTION_DEFAULT, spec.on_update or REF_ACTION_DEFAULT)
                for spec, _ in new_fks]
            return
        existing_names = {fk.name.lower() for t in self.state.tables.values()
                          if t.name != w.name for fk in t.foreign_keys}
        own = [fk.name.lower() for fk in w.fks]
        prefix = f"{w.name}_ibfk_"
        if creating:
            counter = 0
        else:
            counter = 0
            for fk in w.fks:
                if fk.name.lower().startswith(prefix.lower()):
                    tail = fk.name[len(prefix):]
                    if tail.isdigit():
                        counter = max(counter, int(tail))
        for spec, _ in new_fks:
            if spec.constraint is not None:
                name = spec.constraint
            elif spec.index_name is not None:
                name = spec.index_name
            else:
                counter += 1
                name = f"{prefix}{counter}"
            if spec.if_not_exists and name.lower() in own:
                continue
            _ident(name, "constraint")
            if name.lower() in own or name.lower() in existing_names:
                if creating:
                    raise OfflineError(f"Can't create table `{w.name}` (errno: 121 \"Duplicate key "
                                       f"on write or update\")")
                raise OfflineError(f"Duplicate FOREIGN KEY constraint name '{name}'")
            own.append(name.lower())
            fk = self.make_fk(w, spec, name)
            w.fks.append(fk)
        self.check_fk_indexes(w)

    def make_fk(self, w: _Work, spec: P.ForeignKeySpec, name: str) -> ForeignKey:
        cols = []
        for c in spec.columns:
            col = w.col(c)
            if col is None:
                raise OfflineError(f"Key column '{c}' doesn't exist in table")
            cols.append(col)
        ref_name = spec.ref_table
        checks = self.session.foreign_key_checks
        if ref_name == w.name:
            ref: _Work | None = w
        elif ref_name in self.state.tables:
            ref = _work_of(self.state.tables[ref_name], self.state)
        else:
            ref = None
        ref_cols_names = list(spec.ref_columns)
        if len(ref_cols_names) != len(cols):
            raise OfflineError(f"Incorrect foreign key definition for '{name}': Key reference and "
                               f"table reference don't match")
        ref_cols: list[Column | None] = []
        if ref is None:
            if checks:
                raise _fk_error(w.name)
            ref_cols = [None] * len(cols)
        else:
            if ref.engine != "InnoDB":
                raise _fk_error(w.name)
            for rc in ref_cols_names:
                col = ref.col(rc)
                if col is None and checks:
                    raise _fk_error(w.name)
                ref_cols.append(col)
        for col, rcol in zip(cols, ref_cols, strict=True):
            if col.generated is not None:
                raise OfflineError("foreign keys on generated columns are not supported offline")
            if rcol is not None and not _fk_types_compatible(col, rcol):
                raise _fk_error(w.name)
        on_delete = _ref_action(spec.on_delete, self.inplace_fk)
        on_update = _ref_action(spec.on_update, self.inplace_fk)
        if "SET NULL" in (on_delete, on_update):
            for col in cols:
                if not col.nullable:
                    raise OfflineError(f"Column '{col.name}' cannot be NOT NULL: needed in a "
                                       f"foreign key constraint '{name}' SET NULL")
        strict = any(m in self.session.sql_mode.upper().split(",")
                     for m in ("STRICT_TRANS_TABLES", "STRICT_ALL_TABLES"))
        if on_update == "CASCADE" and strict and any(rc is not None and rc.nullable and not col.nullable
                                                     for col, rc in zip(cols, ref_cols, strict=True)):
            # a NULL cascading into a NOT NULL column: refused in a strict sql_mode only
            raise _fk_error(w.name)
        if ref is not None and checks and all(rc is not None for rc in ref_cols) \
                and not _has_index_for(ref, [rc.name for rc in ref_cols if rc is not None]):
            raise _fk_error(w.name)
        final_ref_cols = tuple((rc.name if rc is not None else n)
                               for rc, n in zip(ref_cols, ref_cols_names, strict=True))
        return ForeignKey(name, tuple(c.name for c in cols), ref_name if ref is None else ref.name,
                          final_ref_cols, on_delete, on_update)

    def check_fk_indexes(self, w: _Work, dropped_index: str | None = None) -> None:
        """InnoDB needs an index starting with each foreign key's columns (with
        foreign_key_checks=0 it lets an ALTER drop it)."""
        if w.engine != "InnoDB":
            return
        if dropped_index is not None and not self.session.foreign_key_checks:
            return
        for fk in w.fks:
            if not _has_index_for(w, list(fk.columns)):
                if dropped_index is not None:
                    raise OfflineError(f"Cannot drop index '{dropped_index}': needed in a foreign "
                                       f"key constraint")
                raise _fk_error(w.name)
        if self.session.foreign_key_checks:
            for other in self.state.tables.values():
                if other.name == w.name:
                    continue
                for fk in other.foreign_keys:
                    if fk.ref_table != w.name:
                        continue
                    if not _has_index_for(w, list(fk.ref_columns)):
                        if dropped_index is not None:
                            raise OfflineError(f"Cannot drop index '{dropped_index}': needed in a "
                                               f"foreign key constraint")
                        raise _fk_error(w.name)
            for fk in w.fks:
                if fk.ref_table == w.name and not _has_index_for(w, list(fk.ref_columns)):
                    if dropped_index is not None:
                        raise OfflineError(f"Cannot drop index '{dropped_index}': needed in a "
                                           f"foreign key constraint")
                    raise _fk_error(w.name)

    def check_engine(self, w: _Work) -> None:
        if w.engine == "MEMORY":
            for c in w.columns:
                if c.type.name in TEXT_TYPES or c.type.name in BLOB_TYPES:
                    raise OfflineError("Storage engine MEMORY doesn't support BLOB/TEXT columns")
        if w.engine == "MEMORY" and any(c.generated is not None for c in w.columns):
            raise OfflineError("MEMORY storage engine does not support generated columns")
        # Aria shows the row format it uses, which is not always the one written (and
        # kept for a later change of engine): PAGE for TRANSACTIONAL=1, for COMPACT,
        # REDUNDANT and COMPRESSED, and for FIXED with BLOB/TEXT columns
        if w.engine == "Aria" and w.row_format not in (None, "PAGE") and (
                w.row_format not in ("FIXED", "DYNAMIC") or w.options.get("TRANSACTIONAL") == "1"
                or (w.row_format == "FIXED" and any(
                    c.type.name in TEXT_TYPES or c.type.name in BLOB_TYPES
                    or c.type.name in _GEOMETRY_TYPES for c in w.columns))):
            raise OfflineError(f"ROW_FORMAT={w.row_format} of this Aria table is not "
                               f"supported offline (the server shows another)")

    # ---- table options

    def apply_table_options(  # noqa: C901 - one branch per table option, as the server applies them
            self, w: _Work, options: list[tuple[str, Any]], *,
            creating: bool) -> None:
        old_engine, old_page_checksum = w.engine, w.options.get("PAGE_CHECKSUM")
        for key, value in options:
            if key in ("CHARSET", "COLLATE"):
                continue  # resolved by the caller
            if key == "ENGINE":
                engine = ENGINES.get(str(value).lower())
                if engine is None:
                    raise OfflineError(f"Unknown storage engine '{value}'")
                if engine not in SUPPORTED_ENGINES:
                    raise OfflineError(f"ENGINE={engine} is not supported offline")
                if not creating and engine != w.engine:
                    if w.engine == "MEMORY" and any(k.using is None for k in w.keys):
                        # MEMORY keeps a DESC it does not show on its HASH indexes
                        raise OfflineError("changing the engine of a MEMORY table with "
                                           "indexes is not supported offline")
                    if w.fks and engine != "InnoDB":
                        raise OfflineError("Cannot delete or update a parent row: a foreign key "
                                           "constraint fails")
                w.engine = engine
            elif key == "COMMENT":
                if len(value) > TABLE_COMMENT_MAX:
                    raise OfflineError(f"Comment for table '{w.name}' is too long "
                                       f"(max = {TABLE_COMMENT_MAX})")
                w.comment = value
            elif key == "AUTO_INCREMENT":
                kind, text = value if isinstance(value, tuple) else ("num", str(value))
                if kind == "num" and str(text).isdigit():
                    self.auto_increment = int(text)
                continue
            elif key == "ROW_FORMAT":
                text = str(value[1]).upper()
                w.row_format = None if text == "DEFAULT" else text
            elif key in NUMERIC_OPTIONS or key in ("STATS_SAMPLE_PAGES", "KEY_BLOCK_SIZE"):
                kind, text = value
                if kind == "word" and text.upper() == "DEFAULT":
                    w.options.pop(key, None)
                    continue
                if kind != "num":
                    raise OfflineError(f"syntax error: {key}={text}")
                n = int(text)
                if n == 0:
                    w.options.pop(key, None)
                else:
                    w.options[key] = str(n)
            elif key in TRISTATE_OPTIONS or key in BOOL_OPTIONS:
                kind, text = value
                name = "CHECKSUM" if key == "TABLE_CHECKSUM" else key
                if kind == "word" and text.upper() == "DEFAULT" and key in TRISTATE_OPTIONS:
                    w.options.pop(name, None)
                    continue
                if kind != "num" or text not in ("0", "1"):
                    raise OfflineError(f"syntax error: {key}={text}")
                if name in BOOL_OPTIONS and text == "0":
                    w.options.pop(name, None)
                else:
                    w.options[name] = text
            elif key in ("STORAGE", "TABLESPACE"):
                continue
            else:
                raise OfflineError(f"table option {key} is not supported offline")
        if w.row_format is not None and w.row_format not in ROW_FORMATS.get(w.engine, set()):
            raise OfflineError(f"ROW_FORMAT={w.row_format} for a {w.engine} table is not "
                               f"supported offline")
        if w.engine == "InnoDB" and "KEY_BLOCK_SIZE" in w.options and w.row_format not in (
                None, "COMPRESSED"):
            raise OfflineError(f"Can't create table `{w.name}` (errno: 140 \"Wrong create options\")")
        if not creating and old_engine in ENGINES_WRITING_PAGE_CHECKSUM \
                and "PAGE_CHECKSUM" not in w.options:
            # Aria's ALTER TABLE writes out the page checksum the statement leaves unset
            w.options["PAGE_CHECKSUM"] = old_page_checksum or "1"
        if w.engine == "Aria":
            # shown always: the server's default (aria_page_checksum) when not given
            w.options.setdefault("PAGE_CHECKSUM", "1")
        if "TRANSACTIONAL" in w.options and w.engine not in ("Aria", "InnoDB"):
            # refused by CREATE TABLE, shown as a comment after an ALTER TABLE
            raise OfflineError(f"TRANSACTIONAL for a {w.engine} table is not supported offline")

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
            _ident(new, "table")
            self.rename_table(old, new)

    def rename_table(self, old: str, new: str) -> None:
        w = _work_of(self.state.tables[old], self.state)
        w.name = new
        w.fks = [replace(fk, ref_table=new) if fk.ref_table == old else fk for fk in w.fks]
        # InnoDB renames the foreign keys named <old>_ibfk_... (case-sensitive prefix)
        prefix = f"{old}_ibfk_"
        w.fks = [replace(fk, name=f"{new}_ibfk_{fk.name[len(prefix):]}")
                 if fk.name.startswith(prefix) else fk for fk in w.fks]
        _store(self.state, w, old_name=old)
        self.state.ddl_events.append(("rename", old, new))
        for tname, t in list(self.state.tables.items()):
            if tname == new:
                continue
            if any(fk.ref_table == old for fk in t.foreign_keys):
                fks = tuple(replace(fk, ref_table=new) if fk.ref_table == old else fk
                            for fk in t.foreign_keys)
                self.state.tables[tname] = replace(t, foreign_keys=fks)

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

    # ---- ALTER TABLE

    def alter_table(  # noqa: C901 - mysql_alter_table's steps, in the server's order
            self, st: P.AlterTable, create_index: P.CreateIndex | None = None,
            drop_index: bool = False) -> None:
        if st.partition:
            raise OfflineError("partitioning is not supported offline")
        old = self.table(st.name)
        w = _work_of(old, self.state)
        old_columns = list(w.columns)
        old_keys = list(w.keys)
        actions = st.actions
        inplace = _alter_is_inplace(actions, old, self.session.sql_mode)
        self.inplace_fk = not self.session.foreign_key_checks and inplace
        self.check_algorithm(st, actions, inplace, old)
        self.check_fk_column_rename(old, actions, inplace)
        if create_index is not None and create_index.or_replace and create_index.key.if_not_exists:
            raise OfflineError("Incorrect usage of OR REPLACE and IF NOT EXISTS")
        if create_index is not None and create_index.or_replace:
            k = w.key(create_index.key.name or "")
            if k is not None:
                self.drop_key(w, k)
        # --- classify actions
        drops: list[P.DropColumn] = []
        changes: dict[str, P.ChangeColumn] = {}
        change_order: list[Any] = []  # ChangeColumn / AddColumn in statement order
        alter_defaults: dict[str, P.AlterColumnDefault] = {}
        new_keys: list[_Key] = []
        new_fks: list[tuple[P.ForeignKeySpec, _Key | None]] = []
        new_checks: list[P.CheckSpec] = []
        drop_keys: list[tuple[str, bool, str]] = []  # (name, if_exists, kind word)
        drop_fks: list[tuple[str, bool]] = []
        drop_constraints: list[tuple[str, bool]] = []
        drop_primary = False
        rename_keys: list[P.RenameKey] = []
        key_ignored: list[P.AlterKeyIgnored] = []
        options: list[tuple[str, Any]] = []
        convert: P.ConvertCharset | None = None
        rename_to: P.RenameTo | None = None
        actions = self.effective_actions(w, actions)
        rebuilds = not all(isinstance(a, (P.RenameTo, P.NoOp)) for a in actions) or any(
            isinstance(a, P.NoOp) and a.what == "FORCE" for a in actions)
        if rebuilds:
            _rebuild_effects(w)
        for a in actions:
            if isinstance(a, _Rebuild):
                continue
            if isinstance(a, _SkippedColumn):
                for k in self.column_keys(a.column):
                    k.if_not_exists = True  # type: ignore[attr-defined]  # a mark for this statement, not a field
                    new_keys.append(k)
                continue
            if isinstance(a, (P.AddColumn, P.ChangeColumn)):
                spec = a.column
                new_keys += self.column_keys(spec)
                if spec.references is not None:
                    gk = self.fk_key(spec.references)
                    new_fks.append((spec.references, gk))
                    new_keys.append(gk)
            if isinstance(a, P.AddColumn):
                change_order.append(a)
            elif isinstance(a, P.ChangeColumn):
                low = a.old.lower()
                if low in changes:
                    raise OfflineError(f"Unknown column '{a.old}' in '{w.name}'")
                changes[low] = a
                change_order.append(a)
            elif isinstance(a, P.DropColumn):
                drops.append(a)
            elif isinstance(a, P.RenameColumn):
                change_order.append(a)
            elif isinstance(a, P.AlterColumnDefault):
                alter_defaults[a.name.lower()] = a
                change_order.append(a)
            elif isinstance(a, P.AddKey):
                new_keys.append(self.key_of(a.key))
            elif isinstance(a, P.AddForeignKey):
                gk = self.fk_key(a.fk)
                new_fks.append((a.fk, gk))
                new_keys.append(gk)
            elif isinstance(a, P.AddCheck):
                new_checks.append(a.check)
            elif isinstance(a, P.DropPrimaryKey):
                drop_primary = True
                drop_keys.append(("PRIMARY", False, "INDEX"))
            elif isinstance(a, P.DropKey):
                drop_keys.append((a.name, a.if_exists, "INDEX"))
            elif isinstance(a, P.DropForeignKey):
                drop_fks.append((a.name, a.if_exists))
            elif isinstance(a, P.DropConstraint):
                drop_constraints.append((a.name, a.if_exists))
            elif isinstance(a, P.RenameKey):
                rename_keys.append(a)
            elif isinstance(a, P.AlterKeyIgnored):
                key_ignored.append(a)
            elif isinstance(a, P.TableOption):
                options.append((a.key, a.value))
            elif isinstance(a, P.ConvertCharset):
                convert = a
            elif isinstance(a, P.RenameTo):
                rename_to = a
            elif isinstance(a, P.NoOp):
                pass
            else:
                raise OfflineError(f"ALTER TABLE action {type(a).__name__} is not supported offline")

        # --- table options and defaults first (new columns inherit the new defaults);
        # CONVERT TO changes the columns, an explicit CHARACTER SET/COLLATE the default
        converts = [a for a in actions if isinstance(a, P.ConvertCharset)]
        _no_conflict([("CHARACTER SET", c.charset or "DEFAULT") for c in converts])
        if convert is not None:
            # the new default first (columns added by this statement inherit it); the
            # columns are converted once they are all in place
            s_ = self.session
            ccs = convert.charset if convert.charset is not None else s_.db_charset
            w.charset, w.collation = resolve_charset(ccs, convert.collate, s_.db_charset,
                                                     s_.db_collation)
            if convert.collate is None:
                w.collation = default_collation(w.charset)
        cs, coll = self.table_defaults(options)
        if cs is not None or coll is not None:
            if cs is not None and cs.upper() == "DEFAULT":
                cs = self.session.db_charset
            w.charset, w.collation = resolve_charset(cs, coll, w.charset, w.collation)
            if cs is not None and coll is None:
                w.collation = default_collation(charset_alias(cs))
        self.apply_table_options(w, options, creating=False)

        # --- drop foreign keys / constraints / keys
        for name, if_exists in drop_fks:
            fk = next((f for f in w.fks if f.name.lower() == name.lower()), None)
            if fk is None:
                if if_exists:
                    continue
                raise OfflineError(f"Can't DROP FOREIGN KEY `{name}`; check that it exists")
            w.fks.remove(fk)
        for name, if_exists in drop_constraints:
            fk = next((f for f in w.fks if f.name.lower() == name.lower()), None)
            ch = next((c for c in w.checks if c.name.lower() == name.lower()), None)
            key = w.key(name)
            if fk is not None:
                w.fks.remove(fk)
            elif ch is not None:
                w.checks.remove(ch)
            elif key is not None and key.kind in ("unique", "primary"):
                self.drop_key(w, key)
            elif not if_exists:
                raise OfflineError(f"Can't DROP CONSTRAINT `{name}`; check that it exists")
        dropped_index_names = []
        for name, if_exists, _word in drop_keys:
            key = w.key(name)
            if key is None:
                if if_exists:
                    continue
                if name == "PRIMARY" and drop_primary:
                    raise OfflineError("Can't DROP INDEX `PRIMARY`; check that it exists")
                raise OfflineError(f"Can't DROP INDEX `{name}`; check that it exists")
            self.drop_key(w, key)
            dropped_index_names.append(key.name)

        # --- columns
        table_default = (w.charset, w.collation)
        defs = self.alter_columns(w, old_columns, drops, change_order, alter_defaults)
        if convert is not None:
            self.convert_charset(w, convert)
            if cs is not None or coll is not None:
                w.charset, w.collation = table_default

        # --- rename keys
        for rk in rename_keys:
            key = w.key(rk.old)
            if key is None:
                if rk.if_exists:
                    continue
                raise OfflineError(f"Key '{rk.old}' doesn't exist in table '{w.name}'")
            if key.kind == "primary" or rk.new.upper() == "PRIMARY":
                raise OfflineError(f"Incorrect index name '{rk.new}'")
            other = w.key(rk.new)
            if other is not None and other is not key:
                raise OfflineError(f"Duplicate key name '{rk.new}'")
            key.name = _ident(rk.new, "index")
        for ki in key_ignored:
            key = w.key(ki.name)
            if key is None:
                raise OfflineError(f"Key '{ki.name}' doesn't exist in table '{w.name}'")
            if key.kind == "primary" and ki.ignored:
                raise OfflineError("A primary key cannot be marked as IGNORE")
            key.ignored = ki.ignored

        # --- keys, checks, foreign keys
        self.prepare_keys(w, new_keys)
        if any(k.new for k in w.keys) or len(w.keys) != len(old_keys):
            # read off the server: a statement that adds or drops keys makes the keys
            # anew, and a UNIQUE key that lost its USING HASH sorts as a plain one
            w.was_hash.clear()
        self.apply_primary_not_null(w, defs)
        self.check_keys(w)
        self.check_auto_increment(w)
        self.add_checks(w, new_checks, creating=False)
        dropped = dropped_index_names[0] if dropped_index_names else None
        if not new_fks:
            self.check_fk_indexes(w, dropped_index=dropped)
        else:
            self.add_foreign_keys(w, new_fks, creating=False)
        self.check_engine(w)
        self.check_invisible(w)
        self.check_auto_increment_refs(w)
        self.check_cascade_refs(w)
        self.check_referencing_types(w, old)
        _keep_unchanged_order(w, old, actions)

        # --- rename table
        old_name = w.name
        if rename_to is not None and rename_to.name != w.name:
            new = _ident(rename_to.name, "table")
            if new in self.state.tables:
                raise OfflineError(f"Table '{new}' already exists")
            adds_unique = any(
                (isinstance(a, P.AddKey) and a.key.kind in ("unique", "primary"))
                or (isinstance(a, (P.AddColumn, P.ChangeColumn))
                    and (a.column.unique_key or a.column.key)) for a in actions)
            copying = (not inplace or (st.ignore and adds_unique)) and w.engine == "InnoDB" \
                and any(not isinstance(a, (P.RenameTo, P.NoOp)) for a in actions)
            if copying:
                # read off the server: a copying ALTER that also renames the table loses
                # the table's foreign keys, and the keys of other tables still name the
                # old table
                w.fks = []
                w.name = new
                _store(self.state, w, old_name=old_name)
                self.state.ddl_events.append(("alter", old_name, new, self.renamed,
                                              self.auto_increment))
                return
            _store(self.state, w)
            self.state.ddl_events.append(("alter", old_name, old_name, self.renamed,
                                          self.auto_increment))
            self.rename_table(old_name, new)
            return
        _store(self.state, w)
        self.state.ddl_events.append(("alter", old_name, old_name, self.renamed,
                                      self.auto_increment))

    @staticmethod
    def effective_actions(w: _Work, actions: list[Any]) -> list[Any]:
        """The actions left once IF [NOT] EXISTS ones with nothing to do are removed (the
        server gives a note for each; with none left it does not touch the table)."""
        out: list[Any] = []
        added: set[str] = set()
        for a in actions:
            if isinstance(a, P.AddColumn) and a.if_not_exists and (
                    w.col(a.column.name) is not None or a.column.name.lower() in added):
                # the column is skipped, but its inline keys are still added (each with
                # IF NOT EXISTS), and a FIRST/AFTER still makes the server rewrite the table
                if a.column.key or a.column.unique_key:
                    out.append(_SkippedColumn(a.column))
                elif a.column.position is not None:
                    out.append(_Rebuild())
                continue
            if isinstance(a, P.AddColumn):
                added.add(a.column.name.lower())
            if isinstance(a, (P.DropColumn, P.ChangeColumn, P.RenameColumn, P.AlterColumnDefault)) \
                    and a.if_exists:
                name = a.name if isinstance(a, (P.DropColumn, P.AlterColumnDefault)) else a.old
                if w.col(name) is None:
                    continue
            if isinstance(a, P.DropKey) and a.if_exists and w.key(a.name) is None:
                continue
            if isinstance(a, P.RenameKey) and a.if_exists and w.key(a.old) is None:
                continue
            if isinstance(a, P.DropForeignKey) and a.if_exists and not any(
                    f.name.lower() == a.name.lower() for f in w.fks):
                continue
            if isinstance(a, P.DropConstraint) and a.if_exists and not any(
                    f.name.lower() == a.name.lower() for f in w.fks) and not any(
                    c.name.lower() == a.name.lower() for c in w.checks) and w.key(a.name) is None:
                out.append(_Rebuild())  # the server still rewrites the table
                continue
            if isinstance(a, P.AddKey) and a.key.if_not_exists and a.key.name and \
                    w.key(a.key.name) is not None:
                continue
            if isinstance(a, P.AddCheck) and a.check.if_not_exists and a.check.name and any(
                    c.name.lower() == a.check.name.lower() for c in w.checks):
                continue
            if isinstance(a, P.AddForeignKey) and a.fk.if_not_exists and a.fk.constraint and any(
                    f.name.lower() == a.fk.constraint.lower() for f in w.fks):
                continue
            out.append(a)
        return out

    def check_fk_column_rename(self, old: Table, actions: list[Any], inplace: bool) -> None:
        """InnoDB renames foreign key columns only in place: with a copying ALTER the
        server refuses."""
        if inplace or (old.engine or "InnoDB") != "InnoDB":
            return
        fk_cols = {c.lower() for fk in old.foreign_keys for c in fk.columns}
        for t in self.state.tables.values():
            for fk in t.foreign_keys:
                if fk.ref_table == old.name:
                    fk_cols |= {c.lower() for c in fk.ref_columns}
        for a in actions:
            if isinstance(a, P.ChangeColumn):
                before, after = a.old, a.column.name
            elif isinstance(a, P.RenameColumn):
                before, after = a.old, a.new
            else:
                continue
            if before.lower() != after.lower() and before.lower() in fk_cols:
                raise OfflineError("ALGORITHM=COPY is not supported. Reason: Columns "
                                   "participating in a foreign key are renamed. Try "
                                   "ALGORITHM=INPLACE")

    def check_algorithm(self, st: P.AlterTable, actions: list[Any], inplace: bool,
                        old: Table) -> None:
        """ALGORITHM= and LOCK= clauses.  COPY, SHARED, EXCLUSIVE and DEFAULT never fail.
        INSTANT and INPLACE are judged for the operations whose outcome was read off the
        server (see _instant_verdict/_inplace_verdict); anything else, and LOCK=NONE or
        ALTER ONLINE, depends on details not modelled and is refused offline."""
        hints = [a.what for a in actions if isinstance(a, P.NoOp) and "=" in a.what]
        algorithm, lock = "DEFAULT", "DEFAULT"
        for hint in hints:
            key, _, value = hint.partition("=")
            if key == "ALGORITHM":
                algorithm = value
            elif key == "LOCK":
                lock = value
        if lock not in ("DEFAULT", "SHARED", "EXCLUSIVE"):
            raise OfflineError(f"LOCK={lock} is not supported offline")
        if st.online:
            raise OfflineError("ALTER ONLINE TABLE is not supported offline")
        if algorithm in ("DEFAULT", "COPY"):
            return
        if (old.engine or "InnoDB") != "InnoDB":
            raise OfflineError(f"ALGORITHM={algorithm} on a {old.engine} table is not "
                               f"supported offline")
        real = [a for a in actions if not isinstance(a, P.NoOp)]
        if algorithm == "INSTANT":
            verdict = _instant_verdict(real, old, self.session.sql_mode)
        elif algorithm in ("INPLACE", "NOCOPY"):
            verdict = _inplace_verdict(real, old, self.session)
        else:
            raise OfflineError(f"syntax error: ALGORITHM={algorithm}")
        if verdict is None:
            raise OfflineError(f"ALGORITHM={algorithm} for this ALTER TABLE is not supported "
                               f"offline")
        if verdict is not True:
            raise OfflineError(verdict)

    def drop_key(self, w: _Work, key: _Key) -> None:
        key.dropped = True
        w.keys = [k for k in w.keys if k is not key]

    def convert_charset(self, w: _Work, conv: P.ConvertCharset) -> None:
        s = self.session
        cs = conv.charset if conv.charset is not None else s.db_charset
        if cs.lower() == "binary":
            raise OfflineError("CONVERT TO CHARACTER SET binary is not supported offline")
        cs, coll = resolve_charset(cs, conv.collate, s.db_charset, s.db_collation)
        if conv.collate is None:
            coll = default_collation(cs)
        new_mb = charset_maxlen(cs)
        columns = []
        for c in w.columns:
            if c.charset is None or c.charset == "binary":
                columns.append(c)
                continue
            old_mb = charset_maxlen(c.charset)
            dtype = c.type
            if dtype.name in TEXT_TYPES:
                idx = TEXT_TYPES.index(dtype.name)
                limits = (*TEXT_LIMITS, LOB_MAX_BYTES)
                chars = limits[idx] // old_mb
                need = chars * new_mb
                new_idx = next((i for i, lim in enumerate(limits) if need <= lim), 3)
                dtype = DataType(TEXT_TYPES[max(idx, new_idx)])
            elif dtype.name == "varchar":
                limit = VARCHAR_MAX_BYTES // new_mb
                if (dtype.length or 0) > limit:
                    raise OfflineError(f"Column length too big for column '{c.name}' "
                                       f"(max = {limit}); use BLOB or TEXT instead")
            if c.default is not None and c.default.startswith("'") and cs not in ("utf8mb4", "utf8mb3") \
                    and any(ord(ch) > 0x7F for ch in c.default):
                raise OfflineError("converting a non-ASCII default is not supported offline")
            columns.append(replace(c, type=dtype, charset=cs, collation=coll))
        w.columns = columns
        w.charset, w.collation = cs, coll

    def alter_columns(  # noqa: C901 - the server's column pass of ALTER TABLE, in its order
            self, w: _Work, old_columns: list[Column], drops: list[P.DropColumn],
            change_order: list[Any],
            alter_defaults: dict[str, P.AlterColumnDefault]) -> list[tuple[P.ColumnSpec, Column]]:
        defs: list[tuple[P.ColumnSpec, Column]] = []
        # drops
        drop_set: set[str] = set()
        for d in drops:
            col = w.col(d.name)
            if col is None or col.name.lower() in drop_set:
                if d.if_exists:
                    continue
                raise OfflineError(f"Can't DROP COLUMN `{d.name}`; check that it exists")
            drop_set.add(col.name.lower())
        # resolve CHANGE/MODIFY/RENAME COLUMN/ADD against the current column list
        current = [c for c in w.columns]
        by_low = {c.name.lower(): c for c in current}
        replaced: dict[str, tuple[Column, Any]] = {}  # old lower -> (new column, action)
        renamed: dict[str, str] = {}
        added: list[tuple[Any, Column | None]] = []
        for a in change_order:
            if isinstance(a, P.ChangeColumn):
                low = a.old.lower()
                old = by_low.get(low)
                if old is None or low in drop_set:
                    if a.if_exists:
                        continue
                    raise OfflineError(f"Unknown column '{a.old}' in '{w.name}'")
                if low in replaced:
                    raise OfflineError(f"Unknown column '{a.old}' in '{w.name}'")
                col = self.make_column(a.column, w, old=old)
                # a VIRTUAL column cannot become stored or plain, nor the reverse
                # (STORED <-> plain is fine)
                was_virtual = old.generated is not None and not old.generated_stored
                is_virtual = col.generated is not None and not col.generated_stored
                if was_virtual != is_virtual:
                    raise OfflineError("This is not yet supported for generated columns")
                defs.append((a.column, col))
                replaced[low] = (col, a)
                if col.name.lower() != low:
                    renamed[low] = col.name
            elif isinstance(a, P.RenameColumn):
                low = a.old.lower()
                old = by_low.get(low)
                if old is None or low in drop_set or low in replaced:
                    if a.if_exists:
                        continue
                    raise OfflineError(f"Unknown column '{a.old}' in '{w.name}'")
                _ident(a.new, "column")
                if old.check is not None and a.new != old.name:
                    # the server keeps the CHECK under the old column name, which
                    # information_schema then attaches to no column
                    raise OfflineError("renaming a column that has a column CHECK is not "
                                       "supported offline")
                replaced[low] = (replace(old, name=a.new), a)
                if a.new.lower() != low or a.new != old.name:
                    renamed[low] = a.new
            elif isinstance(a, P.AddColumn):
                added.append((a, None))  # built below (after renames are known)
            elif isinstance(a, P.AlterColumnDefault):
                pass
        # build the new list: existing columns in order
        new_cols: list[Column] = []
        moved: list[tuple[Any, Column]] = []
        for c in current:
            low = c.name.lower()
            if low in drop_set:
                continue
            if low in replaced:
                col, action = replaced[low]
                if isinstance(action, P.ChangeColumn) and action.column.position is not None:
                    moved.append((action, col))
                    continue
                new_cols.append(col)
            else:
                new_cols.append(c)
        # place moved and added columns in statement order
        w.columns = new_cols
        for a in change_order:
            if isinstance(a, P.ChangeColumn):
                entry = next(((act, col) for act, col in moved if act is a), None)
                if entry is None:
                    continue
                self.place(w, entry[1], a.column.position)
            elif isinstance(a, P.AddColumn):
                spec = a.column
                if w.col(spec.name) is not None:
                    if a.if_not_exists:
                        continue
                    raise OfflineError(f"Duplicate column name '{spec.name}'")
                if spec.name.lower() in (c.name.lower() for c in current) and \
                        spec.name.lower() not in drop_set and spec.name.lower() not in renamed:
                    raise OfflineError(f"Duplicate column name '{spec.name}'")
                col = self.make_column(spec, w)
                defs.append((spec, col))
                self.place(w, col, spec.position)
        # duplicate names after renames
        seen = set()
        for c in w.columns:
            if c.name.lower() in seen:
                raise OfflineError(f"Duplicate column name '{c.name}'")
            seen.add(c.name.lower())
        if not w.columns:
            raise OfflineError("You can't delete all columns with ALTER TABLE; use DROP TABLE "
                               "instead")
        # ALTER COLUMN SET/DROP DEFAULT
        defaults_done: set[str] = set()
        for a in change_order:
            if not isinstance(a, P.AlterColumnDefault):
                continue
            # ALTER COLUMN names a column of the table as it was before this statement,
            # which this statement neither drops, changes nor renames
            low = a.name.lower()
            idx = -1
            if low in by_low and low not in drop_set and low not in replaced \
                    and low not in defaults_done:
                idx = w.col_index(by_low[low].name)
            defaults_done.add(low)  # a second ALTER COLUMN of it finds nothing
            if idx < 0:
                if a.if_exists:
                    continue
                raise OfflineError(f"Unknown column '{a.name}' in '{w.name}'")
            col = w.columns[idx]
            if col.generated is not None:
                # the server checks the value, then ignores it
                if a.default is not None:
                    spec = P.ColumnSpec(col.name, P.TypeSpec("int"), null=True, default=a.default)
                    rt = ResolvedType(col.type, col.charset, col.collation)
                    self.default_of(spec, col.name, col.type, rt, True, w)
                continue
            if a.default is None:
                default = None if (not col.nullable or col.auto_increment) else "NULL"
                if col.type.name in TEXT_TYPES or col.type.name in BLOB_TYPES:
                    default = "NULL" if col.nullable else None
            else:
                spec = P.ColumnSpec(col.name, P.TypeSpec("int"), null=col.nullable,
                                    default=a.default)
                if col.auto_increment:
                    raise InvalidDefault(f"Invalid default value for '{col.name}'")
                rt = ResolvedType(col.type, col.charset, col.collation)
                default = self.default_of(spec, col.name, col.type, rt, col.nullable, w)
            w.columns[idx] = replace(col, default=default)
        # consequences of dropped/renamed columns
        self.after_column_changes(w, drop_set, renamed, replaced, old_columns)
        self.renamed = dict(renamed)
        return defs

    def place(self, w: _Work, col: Column, position: tuple[str, str | None] | None) -> None:
        if position is None:
            w.columns.append(col)
        elif position[0] == "FIRST":
            w.columns.insert(0, col)
        else:
            idx = w.col_index(position[1] or "")
            if idx < 0:
                raise OfflineError(f"Unknown column '{position[1]}' in '{w.name}'")
            w.columns.insert(idx + 1, col)

    def after_column_changes(  # noqa: C901 - the server's key fix-ups after column changes, in order
            self, w: _Work, drop_set: set[str], renamed: dict[str, str],
            replaced: dict[str, tuple[Column, Any]],
            old_columns: list[Column]) -> None:
        old_by_low = {c.name.lower(): c for c in old_columns}
        # expressions (checks, generated columns) referencing dropped or renamed columns
        # columns turned into or out of YEAR: the server re-reads expressions on them, and
        # constants compared with a YEAR column print as years
        retyped = {low for low, (col, _) in replaced.items()
                   if (old_by_low.get(low) is not None and col.type != old_by_low[low].type
                       and "year" in (col.type.name, old_by_low[low].type.name))}
        if drop_set or renamed or retyped:
            self.rewrite_expressions(w, drop_set, renamed, replaced, retyped)
        # keys: a plain index loses the dropped columns; a UNIQUE or PRIMARY key may not
        # lose only some of them
        for key in list(w.keys):
            if key.kind in ("unique", "primary"):
                gone = [p.name for p in key.parts if p.name.lower() in drop_set]
                if gone and len(gone) < len(key.parts):
                    raise OfflineError(f"Key column '{gone[0]}' doesn't exist in table")
            parts = []
            for part in key.parts:
                low = part.name.lower()
                if low in drop_set:
                    continue
                new_name = renamed.get(low)
                col = w.col(new_name or part.name)
                length = part.length
                if low in replaced and col is not None and length is not None:
                    old_col = old_by_low.get(low)
                    length = _adjust_prefix(old_col, col, length)
                parts.append(IndexColumn(col.name if col is not None else part.name, length,
                                         part.descending))
            if not parts:
                self.drop_key(w, key)
            else:
                key.parts = parts
        # foreign keys of this table
        new_fks = []
        for fk in w.fks:
            cols = []
            for c in fk.columns:
                low = c.lower()
                if low in drop_set:
                    raise OfflineError(f"Cannot drop column '{c}': needed in a foreign key "
                                       f"constraint '{fk.name}'")
                cols.append(renamed.get(low, c))
            ref_cols = fk.ref_columns
            if fk.ref_table == w.name:
                ref_cols = tuple(renamed.get(c.lower(), c) for c in fk.ref_columns)
                for c in fk.ref_columns:
                    if c.lower() in drop_set:
                        raise OfflineError(f"Cannot drop column '{c}': needed in a foreign key "
                                           f"constraint '{fk.name}'")
            new_fks.append(replace(fk, columns=tuple(cols), ref_columns=ref_cols))
        w.fks = new_fks
        # foreign keys of other tables referencing this one
        for tname, t in list(self.state.tables.items()):
            if tname == w.name:
                continue
            changed = False
            fks = []
            for fk in t.foreign_keys:
                if fk.ref_table == w.name:
                    for c in fk.ref_columns:
                        if c.lower() in drop_set and self.session.foreign_key_checks:
                            raise OfflineError(f"Cannot drop column '{c}': needed in a foreign "
                                               f"key constraint '{fk.name}' of table '{tname}'")
                    refs = tuple(renamed.get(c.lower(), c) for c in fk.ref_columns)
                    if refs != fk.ref_columns:
                        fk = replace(fk, ref_columns=refs)
                        changed = True
                fks.append(fk)
            if changed:
                self.state.tables[tname] = replace(t, foreign_keys=tuple(fks))

    def rewrite_expressions(self, w: _Work, drop_set: set[str], renamed: dict[str, str],
                            replaced: dict[str, tuple[Column, Any]],
                            retyped: AbstractSet[str] = frozenset()) -> None:
        """Checks and generated columns hold printed text; re-read and print them again
        with dropped columns unknown and renamed ones renamed."""
        names_after = {c.name.lower(): c.name for c in w.columns}

        def redo(text: str, clause: str, owner: str) -> str:
            refs = {m.replace("``", "`").lower() for m in re.findall(r"`((?:[^`]|``)+)`", text)}
            if not refs & (drop_set | set(renamed) | set(retyped)):
                return text
            for r in refs:
                if r in drop_set and r not in renamed:
                    raise OfflineError(f"Unknown column '{r}' in '{clause}'")
            tree = P.parse_expression(_rename_idents(text, renamed))
            ctx = ExprContext(names_after, clause, self.session_charset(), owner=owner,
                              allow_nondeterministic=clause == "DEFAULT",
                              year_columns=_year_columns(w))
            return print_expression(tree, ctx, parent=DEFAULT_P if clause == "DEFAULT" else 0)

        kept_checks = []
        for chk in w.checks:
            refs = _referenced_columns(chk.clause)
            if refs and refs <= drop_set:
                continue  # a table CHECK on dropped columns only goes with them
            kept_checks.append(replace(chk, clause=redo(chk.clause, "CHECK", chk.name)))
        w.checks = kept_checks
        cols = []
        for c in w.columns:
            changes: dict[str, Any] = {}
            replaced_here = c.name.lower() in {col.name.lower() for col, _ in replaced.values()
                                               if not isinstance(_, P.RenameColumn)}
            if c.generated is not None and not (replaced_here and c.name.lower() in
                                                {v.lower() for v in renamed.values()} and False):
                changes["generated"] = redo(c.generated, "GENERATED ALWAYS AS", c.name)
            if c.check is not None:
                changes["check"] = redo(c.check, "CHECK", c.name)
            if c.default is not None and c.default.startswith("(") or (
                    c.default is not None and "`" in c.default):
                changes["default"] = redo(c.default, "DEFAULT", c.name)
            cols.append(replace(c, **changes) if changes else c)
        w.columns = cols

    def check_referencing_types(self, w: _Work, old: Table) -> None:
        """A column used by a foreign key may not change type (not modelled offline)."""
        old_cols = {c.name.lower(): c for c in old.columns}
        fk_cols = {c.lower() for fk in w.fks for c in fk.columns}
        for t in self.state.tables.values():
            for fk in t.foreign_keys:
                if fk.ref_table == old.name:
                    fk_cols |= {c.lower() for c in fk.ref_columns}
        for c in w.columns:
            prev = old_cols.get(c.name.lower())
            if prev is None:
                continue
            if c.name.lower() in fk_cols and (prev.type != c.type or prev.collation != c.collation):
                raise OfflineError(f"changing the type of column '{c.name}' used in a foreign key "
                                   f"is not supported offline")


P_SPATIAL_OR_PLUGIN = {"geometry", "point", "linestring", "polygon", "multipoint",
                       "multilinestring", "multipolygon", "geometrycollection", "uuid", "inet4",
                       "inet6"}

_GEOMETRY_TYPES = P_SPATIAL_OR_PLUGIN - {"uuid", "inet4", "inet6"}


def _rebuild_effects(w: _Work) -> None:
    """What rewriting an existing definition (ALTER TABLE, CREATE TABLE ... LIKE) changes:
    Aria writes its page checksum out explicitly, other engines forget theirs (unless the
    statement states it again), and USING HASH is forgotten on UNIQUE keys (not on MEMORY
    tables, where HASH is native)."""
    if w.engine in ENGINES_WRITING_PAGE_CHECKSUM:
        w.options.setdefault("PAGE_CHECKSUM", "1")
    else:
        w.options.pop("PAGE_CHECKSUM", None)
    if w.engine != "MEMORY":
        for k in w.keys:
            if k.kind in ("primary", "unique") and k.using == "HASH":
                k.using = None
                w.was_hash.add(id(k))


def _keep_unchanged_order(w: _Work, old: Table, actions: list[Any]) -> None:
    """Read off the server: an in-place ALTER TABLE of an InnoDB table that changes
    nothing but the order of its keys (``DROP KEY k, ADD KEY k (...)`` with the same
    definition) keeps the table as it was, keys in their old places; FORCE,
    ALGORITHM=COPY and any other change write the keys in their new order."""
    if w.engine != "InnoDB" or old.engine != "InnoDB" or any(
            isinstance(a, P.NoOp) and a.what in ("FORCE", "ALGORITHM=COPY") for a in actions):
        return
    new, _ = _table_of(w)
    if replace(new, index_order=(), name=old.name) != replace(old, index_order=()):
        return
    place = {n: i for i, n in enumerate(index_order(old))}
    w.keys.sort(key=lambda k: -1 if k.kind == "primary" else place.get(k.name, len(place)))
    w.made_not_null.clear()
    w.was_hash.clear()


def _year_columns(w: _Work) -> set[str]:
    return {c.name.lower() for c in w.columns if c.type.name == "year" and c.type.length != 2}


def _has_nondeterministic(e: exp.Expr) -> bool:
    from .exprs import NONDETERMINISTIC
    for node in e.walk():
        if isinstance(node, (exp.CurrentTimestamp, exp.CurrentDate, exp.CurrentTime,
                             exp.CurrentUser, exp.Localtimestamp, exp.Localtime)):
            return True
        if isinstance(node, exp.Anonymous) and (node.name.lower() in NONDETERMINISTIC or
                                                node.name.lower() in (
                                                    "now", "localtime", "localtimestamp",
                                                    "session_user", "system_user", "schema",
                                                    "current_date", "current_time")):
            return True
    return False


def _evaluate_constant(e: exp.Expr):
    """The value of a small constant expression (string concatenation, integer
    arithmetic), as a types.Literal; None when it is not one of those."""
    from .types import Literal as Lit

    def ev(x: exp.Expr):
        while isinstance(x, exp.Paren):
            x = x.this
        lit = constant_of(x)
        if lit is not None:
            if lit.kind == "string":
                return lit.text
            if lit.kind == "int":
                return int(lit.text)
            return None
        if isinstance(x, exp.Anonymous) and x.name.lower() == "concat":
            parts = [ev(a) for a in x.expressions]
            if any(p is None for p in parts):
                return None
            return "".join(str(p) for p in parts)
        if isinstance(x, (exp.Add, exp.Sub, exp.Mul)):
            a, b = ev(x.this), ev(x.expression)
            if not isinstance(a, int) or not isinstance(b, int):
                return None
            return a + b if isinstance(x, exp.Add) else a - b if isinstance(x, exp.Sub) else a * b
        return None

    value = ev(e)
    if value is None:
        return None
    if isinstance(value, int):
        return Lit("int", str(value))
    return Lit("string", value)


def _no_conflict(specs: list[tuple[str, str]]) -> None:
    """Two different CHARACTER SET (or COLLATE) clauses in one statement are an error."""
    seen: str | None = None
    for word, value in specs:
        norm = charset_alias(value) if word == "CHARACTER SET" else collation_alias(value)
        if seen is not None and norm != seen:
            raise OfflineError(f"Conflicting declarations: '{word} {seen}' and '{word} {norm}'")
        seen = norm


def _referenced_columns(text: str) -> set[str]:
    """Lower-case names of the backquoted identifiers of a printed expression (string
    literals skipped)."""
    out = set()
    for m in re.finditer(r"'(?:[^'\\]|\\.|'')*'|`((?:[^`]|``)+)`", text, re.S):
        if m.group(1) is not None:
            out.add(m.group(1).replace("``", "`").lower())
    return out


def _rename_idents(text: str, renamed: dict[str, str]) -> str:
    def sub(m: re.Match) -> str:
        name = m.group(1).replace("``", "`")
        new = renamed.get(name.lower())
        if new is None:
            return m.group(0)
        return "`" + new.replace("`", "``") + "`"

    # only backquoted identifiers outside string literals
    out = []
    i = 0
    pattern = re.compile(r"'(?:[^'\\]|\\.|'')*'|`((?:[^`]|``)+)`", re.S)
    for m in pattern.finditer(text):
        out.append(text[i:m.start()])
        if m.group(0).startswith("'"):
            out.append(m.group(0))
        else:
            out.append(sub(m))
        i = m.end()
    out.append(text[i:])
    return "".join(out)


def _is_now(e: exp.Expr) -> bool:
    if isinstance(e, (exp.CurrentTimestamp, exp.Localtimestamp, exp.Localtime)):
        return True
    return isinstance(e, exp.Anonymous) and e.name.lower() in (
        "now", "current_timestamp", "localtime", "localtimestamp")


def _now_precision(e: exp.Expr) -> int | None:
    if isinstance(e, exp.Anonymous):
        args = list(e.expressions)
    else:
        args = [e.this] if e.this is not None else []
    if not args:
        return None
    a = args[0]
    if len(args) != 1 or not isinstance(a, exp.Literal) or a.is_string or not a.this.isdigit():
        raise OfflineError("syntax error in CURRENT_TIMESTAMP precision")
    return int(a.this)


def _unique_key_name(base: str, earlier: list[_Key]) -> str:
    names = {k.name.lower() for k in earlier}
    if base.lower() not in names and base.lower() != "primary":
        return base
    stem = base[:61]
    for i in range(2, 100):
        cand = f"{stem}_{i}"
        if cand.lower() not in names:
            return cand
    return "not_specified"


def _foreign_key_prefix(a: _Key, b: _Key) -> bool:
    """sql_table.cc foreign_key_prefix(): False when a generated key is a prefix of the
    other key (so one of them is not needed), True otherwise.  Read off the server: an
    index declared USING HASH never stands in for a foreign key's index."""
    if (not a.generated and a.using == "HASH") or (not b.generated and b.using == "HASH"):
        return True
    if a.generated:
        if b.generated and len(a.parts) > len(b.parts):
            a, b = b, a
    else:
        if not b.generated:
            return True
        a, b = b, a
    if len(a.parts) > len(b.parts):
        return True
    for p1, p2 in zip(a.parts, b.parts, strict=False):
        if p1.name.lower() != p2.name.lower() or (p1.length or 0) != (p2.length or 0):
            return True
    return False


def _has_index_for(w: _Work, columns: list[str]) -> bool:
    cols = [c.lower() for c in columns]
    for k in w.keys:
        if k.dropped or k.kind in ("fulltext", "spatial"):
            continue
        names = [p.name.lower() for p in k.parts]
        if len(names) >= len(cols) and names[:len(cols)] == cols and all(
                p.length is None for p in k.parts[:len(cols)]):
            return True
    return False


def _fk_types_compatible(a: Column, b: Column) -> bool:
    ta, tb = a.type, b.type
    ka, kb = type_kind(ta.name), type_kind(tb.name)
    if ka == "int" and kb == "int":
        return ta.name == tb.name and ta.unsigned == tb.unsigned
    if ka == "string" and kb == "string":
        if ta.name in TEXT_TYPES or tb.name in TEXT_TYPES:
            return False
        return a.collation == b.collation
    if ka == "binary" and kb == "binary":
        return ta.name in ("binary", "varbinary") and tb.name in ("binary", "varbinary")
    if ka == "decimal" and kb == "decimal":
        return (ta.length, ta.scale, ta.unsigned) == (tb.length, tb.scale, tb.unsigned)
    if ka == kb and ka in ("date", "datetime", "timestamp", "time", "year", "float"):
        return ta.name == tb.name and ta.unsigned == tb.unsigned
    return False


def _ref_action(written: str | None, inplace: bool) -> str:
    """The ON DELETE/ON UPDATE rule InnoDB stores.  Not written: RESTRICT.  The copying
    path (CREATE TABLE, copying ALTER) reads SET DEFAULT as RESTRICT; the in-place path
    (ALTER with foreign_key_checks=0) stores RESTRICT, NO ACTION and SET DEFAULT as
    NO ACTION."""
    if written is None:
        return REF_ACTION_DEFAULT
    if inplace and written in ("RESTRICT", "NO ACTION", "SET DEFAULT"):
        return "NO ACTION"
    if written == "SET DEFAULT":
        return "RESTRICT"
    return written


def _alter_is_inplace(actions: list[Any], old: Table, sql_mode: str) -> bool:
    """Whether InnoDB runs this ALTER TABLE in place (as far as foreign keys care).

    Read off the server: ADD CHECK, DROP PRIMARY KEY without a new one, CONVERT TO,
    ENGINE= another engine, ALGORITHM=COPY and column type changes (other than growing a
    VARCHAR within its length-byte class) make it copy the table."""
    adds_pk = any(isinstance(a, P.AddKey) and a.key.kind == "primary" for a in actions)
    for a in actions:
        if isinstance(a, P.AddCheck):
            return False
        if isinstance(a, P.ConvertCharset) and any(c.charset not in (None, "binary") for c in old.columns):
            return False
        if isinstance(a, P.DropPrimaryKey) and not adds_pk:
            return False
        if isinstance(a, P.NoOp) and a.what == "ALGORITHM=COPY":
            return False
        if isinstance(a, P.TableOption) and a.key == "ENGINE" \
                and ENGINES.get(str(a.value).lower()) != (old.engine or "InnoDB"):
            return False
        if isinstance(a, P.ChangeColumn):
            prev = next((c for c in old.columns if c.name.lower() == a.old.lower()), None)
            if prev is None:
                continue
            try:
                rt = resolve_type(a.column.type, a.column.name, old.charset or "",
                                  old.collation or "", sql_mode)
            except OfflineError:
                return False
            if rt.type == prev.type and (rt.collation or None) == (prev.collation or None):
                continue
            if (rt.type.name == prev.type.name == "varchar" and rt.collation == prev.collation
                    and (rt.type.length or 0) >= (prev.type.length or 0)):
                mb = charset_maxlen(prev.charset) if prev.charset else 1
                if ((prev.type.length or 0) * mb > 255) == ((rt.type.length or 0) * mb > 255):
                    continue
            return False
    return True


_PAD_SAFE_FUNCTIONS = {"trim", "rtrim"}


def _pad_sensitive(tree: exp.Expr, w: _Work) -> bool:
    """Whether a generated column's value depends on PAD_CHAR_TO_FULL_LENGTH: a CHAR
    column used for its string value (not compared, not trimmed).  MariaDB refuses such
    an expression in a STORED column or an indexed VIRTUAL one."""
    for node in tree.find_all(exp.Column):
        col = w.col(node.name)
        if col is None or col.type.name != "char" or col.charset in (None, "binary"):
            continue
        parent = node.parent
        while isinstance(parent, exp.Paren):
            parent = parent.parent
        if isinstance(parent, (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE,
                               exp.NullSafeEQ, exp.In, exp.Between, exp.Like, exp.Is)):
            continue
        if isinstance(parent, exp.Trim) or (isinstance(parent, exp.Anonymous)
                                            and parent.name.lower() in _PAD_SAFE_FUNCTIONS):
            continue
        return True
    # NO_UNSIGNED_SUBTRACTION changes a subtraction of an unsigned operand
    return any(_unsigned_operand(sub.this, w) or _unsigned_operand(sub.expression, w)
               for sub in tree.find_all(exp.Sub))


def _unsigned_operand(e: exp.Expr, w: _Work) -> bool:
    while isinstance(e, exp.Paren):
        e = e.this
    if isinstance(e, exp.Column):
        col = w.col(e.name)
        return col is not None and col.type.unsigned
    if isinstance(e, (exp.Add, exp.Mul, exp.IntDiv, exp.Mod)):
        return _unsigned_operand(e.this, w) or _unsigned_operand(e.expression, w)
    return False


def _vcol_error(text: str, name: str) -> OfflineError:
    return OfflineError(f"Function or expression '{text}' cannot be used in the GENERATED "
                        f"ALWAYS AS clause of `{name}`")


def _simple_added_column(a: Any) -> bool:
    if not isinstance(a, P.AddColumn):
        return False
    c = a.column
    return (not c.auto_increment and not c.key
            and not c.unique_key and c.references is None and not c.type.serial
            and not (c.generated is not None and c.stored))


def _instant_verdict(actions: list[Any], old: Table, sql_mode: str) -> bool | str | None:
    """Can InnoDB do this ALTER with ALGORITHM=INSTANT?  True, an error message, or None
    when unknown.  Read off the server: adding columns anywhere (not STORED, not
    AUTO_INCREMENT, no index), renaming columns, changing defaults and comments are
    instant, unless the table has a FULLTEXT index; adding an index or changing a type
    is not."""
    has_fulltext = any(i.kind == "fulltext" for i in old.indexes)
    for a in actions:
        if isinstance(a, (P.AddKey, P.AddForeignKey)):
            return "ALGORITHM=INSTANT is not supported. Reason: ADD INDEX. Try ALGORITHM=NOCOPY"
        if isinstance(a, P.AddColumn) and not _simple_added_column(a):
            return "ALGORITHM=INSTANT is not supported for this operation. Try ALGORITHM=COPY"
        if isinstance(a, P.ChangeColumn):
            prev = next((c for c in old.columns if c.name.lower() == a.old.lower()), None)
            if prev is None:
                return None
            try:
                rt = resolve_type(a.column.type, a.column.name, old.charset or "",
                                  old.collation or "", sql_mode)
            except OfflineError:
                return None
            if rt.type != prev.type or (rt.collation or None) != (prev.collation or None):
                return ("ALGORITHM=INSTANT is not supported. Reason: Cannot change column type. "
                        "Try ALGORITHM=COPY")
            return None
    for a in actions:
        if not (_simple_added_column(a) or isinstance(a, (P.RenameColumn, P.AlterColumnDefault))
                or (isinstance(a, P.TableOption) and a.key == "COMMENT")):
            return None
    if has_fulltext and any(isinstance(a, P.AddColumn) for a in actions):
        return "ALGORITHM=INSTANT is not supported for this operation. Try ALGORITHM=INPLACE"
    return True


def _inplace_verdict(actions: list[Any], old: Table, session: Session) -> bool | str | None:
    """Can InnoDB do this ALTER in place?  Read off the server: adding foreign keys needs
    foreign_key_checks=OFF; adding columns and plain indexes, dropping indexes and foreign
    keys, renames and default/comment changes are in place."""
    for a in actions:
        if isinstance(a, P.AddForeignKey) and session.foreign_key_checks:
            return ("ALGORITHM=INPLACE is not supported. Reason: Adding foreign keys needs "
                    "foreign_key_checks=OFF. Try ALGORITHM=COPY")
    for a in actions:
        ok = (_simple_added_column(a) or isinstance(a, (
            P.AddForeignKey, P.DropKey, P.DropForeignKey, P.RenameColumn, P.RenameKey,
            P.AlterColumnDefault)) or (isinstance(a, P.AddKey) and a.key.kind in (
                "index", "unique")) or (isinstance(a, P.TableOption) and a.key == "COMMENT"))
        if not ok:
            return None
    return True


def _fk_error(table: str) -> OfflineError:
    return OfflineError(f"Can't create table `{table}` (errno: 150 \"{FK_INCORRECT}\")")


def _key_part_bytes(col: Column, length: int | None, mb: int) -> int:
    t = col.type
    kind = type_kind(t.name)
    if length is not None:
        return length * (mb if kind == "string" else 1)
    if kind == "string" or t.name in ("binary", "varbinary"):
        return (t.length or 0) * (mb if kind == "string" else 1)
    if kind == "enum" or kind == "set":
        return 8
    return {**INTEGER_BYTES, "float": 4, "double": 8, "date": 3, "time": 6, "datetime": 8,
            "timestamp": 7, "year": 1, "bit": 8, "decimal": 32}.get(t.name, 16)


def _adjust_prefix(old: Column | None, new: Column, length: int) -> int | None:
    """mysql_prepare_alter_table: when a column in a key changes, a prefix that no longer
    makes sense is dropped (the whole column is used)."""
    kind = type_kind(new.type.name)
    if kind not in ("string", "binary"):
        return None
    is_lob = new.type.name in TEXT_TYPES or new.type.name in BLOB_TYPES
    if old is not None:
        old_lob = old.type.name in TEXT_TYPES or old.type.name in BLOB_TYPES
        if type_kind(old.type.name) not in ("string", "binary"):
            return None
        if not old_lob and (old.type.length or 0) == length:
            return None
    if not is_lob and (new.type.length or 0) <= length:
        return None
    return length


__all__ = ["apply_table_ddl", "is_table_ddl"]
