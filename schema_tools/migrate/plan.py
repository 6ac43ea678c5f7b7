"""Turn a list of changes into SQL statements, in an order that never fails on a server.

The order, in phases (``Step.phase``):

0. ``database``: the database's default charset and collation, first: the routines,
   triggers and events created later take its collation (their "database collation");
1. ``drop-dependents``: views, triggers and routines that go away or change; foreign keys
   that go away or change, and those on columns whose type changes (MariaDB refuses to
   change a column an FK uses, and refuses to drop the index an FK needs);
2. ``rename-tables``;
3. ``create-tables`` (without their foreign keys: cycles need no special case);
4. ``alter-tables``: per table, column renames first (``CHANGE COLUMN`` keeps the data,
   case-only renames included), then one ``ALTER TABLE`` with column drops, column
   adds/changes in target order (``AFTER``/``FIRST``), new and replacement indexes before
   the drops of old ones, index renames, checks and table options;
5. ``add-foreign-keys``: new, changed and temporarily dropped FKs;
6. ``drop-tables``: children before parents;
7. ``create-dependents``: views in dependency order, routines, triggers, events.

Each statement and ``ALTER TABLE`` clause is an operation of :mod:`schema_tools.migrate.ops`
that renders itself; this module only chooses them and orders them.  Every identifier is
quoted; definitions come from :mod:`schema_tools.dialect.ddl`, so a ``MODIFY`` always
carries the column's full definition and never drops an attribute.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from ..model.objects import Check, ForeignKey, Index, Schema, Table
from ..diff.changes import Add, Alter, Change, Drop, Rename
from ..model.order import check_order, index_order, server_sorted
from ..dialect.ddl import (
    DatabaseCollation, default_drops, forgotten_hash_keys, lacks_default, page_checksum_clause, quote_ident,
    session_statements, table_order, trigger_order, view_order,
)
from ..model.objects import quote_string
from ..flavour import ENGINES_WRITING_PAGE_CHECKSUM
from .ops import (
    DEPENDENTS, AddCheck, AddColumn, AddForeignKey, AddIndex, AlterDatabase, CreateTable, DeleteRow, DropCheck,
    DropColumn, DropDefault, DropForeignKey, DropIndex, DropTable, IgnoreIndex, InsertRow, ModifyColumn, Op,
    RenameColumn, RenameIndex, RenameTable, TableOptions, UpdateRow, joined, option_values,
)

PHASES = ("database", "drop-dependents", "rename-tables", "create-tables", "alter-tables", "data",
          "add-foreign-keys", "drop-tables", "create-dependents")


@dataclass(frozen=True)
class Step:
    """One SQL statement of a plan, with the changes it carries out."""

    phase: str
    sql: str
    changes: tuple[Change, ...] = ()
    table: str | None = None
    session: tuple[str, ...] = ()  # SET statements the statement needs first (sql_mode...)


def _q(name: str) -> str:
    return quote_ident(name)


def _table_by_name(schema: Schema) -> dict[str, Table]:
    return {t.name: t for t in schema.tables}


_A = TypeVar("_A", bound=Change)
_B = TypeVar("_B", bound=Change)
_C = TypeVar("_C", bound=Change)


@overload
def _of(changes: Sequence[Change], kind: str, a: type[_A], /) -> list[_A]: ...
@overload
def _of(changes: Sequence[Change], kind: str, a: type[_A], b: type[_B], /) -> list[_A | _B]: ...
@overload
def _of(changes: Sequence[Change], kind: str, a: type[_A], b: type[_B], c: type[_C], /) -> list[_A | _B | _C]: ...


def _of(changes: Sequence[Change], kind: str, *classes: type[Change]) -> list[Any]:
    """The changes of ``kind`` that are of one of ``classes``, in their order."""
    return [c for c in changes if c.kind == kind and isinstance(c, classes)]


def _clauses(ops: Sequence[Op]) -> list[str]:
    return [op.sql for op in ops]


def _recreated(index: Index) -> list[Op]:
    """Drop and add ``index`` again, in one statement."""
    return [DropIndex(index), AddIndex(index)]


def _table_of(c: Change) -> str:
    """The table of a change of a sub-object (a column, index, foreign key, check, rows)."""
    assert c.table is not None, f"a {c.kind} change names its table"
    return c.table


def _page_checksum_written(old: Table, new: Table) -> bool:
    """Whether the ALTER TABLE that changes ``old`` into ``new`` leaves a page checksum
    that ``new`` does not have: the engine changes from one that writes it out, and
    ``new`` has none (see :data:`~schema_tools.flavour.ENGINES_WRITING_PAGE_CHECKSUM`)."""
    return (old.engine in ENGINES_WRITING_PAGE_CHECKSUM and new.engine != old.engine
            and "PAGE_CHECKSUM" not in option_values(new))


def _block_size_rebuilds(changes: Sequence[Change], target: Table | None) -> list[Index]:
    """The indexes of ``target`` to re-create when the table's KEY_BLOCK_SIZE changes from
    a value: each index keeps the block size it was made with, and shows it once it differs
    from the table's (``PRIMARY KEY (id) KEY_BLOCK_SIZE=8``).  A re-created index takes the
    table's.  Indexes that change in the same statement are re-created anyway."""
    alter = next((c for c in changes if c.kind == "table" and isinstance(c, Alter)), None)
    if target is None or alter is None or "options" not in alter.changed:
        return []
    old = option_values(alter.before).get("KEY_BLOCK_SIZE")
    if old is None or old == option_values(alter.after).get("KEY_BLOCK_SIZE"):
        return []
    touched = {c.name for c in changes if c.kind == "index"}
    touched |= {c.old_name for c in changes if c.kind == "index" and isinstance(c, Rename)}
    indexes = ([target.primary_key] if target.primary_key is not None else []) + list(target.indexes)
    return [i for i in indexes if i.name not in touched]


def _fk_index_rebuilds(changes: Sequence[Change], before: Table | None) -> list[Index]:
    """The indexes of ``before`` that may be the server's own index of a foreign key, to
    re-create in a statement that adds an index.  MariaDB makes an index for a foreign key
    declared without one, and such an index goes away when another index can serve the key,
    and is listed after the others once one is added; an index written out (as a dump or a
    rendered schema has it) stays, in its place.  ``SHOW CREATE TABLE`` shows both alike, so
    a database a site built with its own scripts would end where a copy loaded from a dump
    does not: re-created in the statement, the index is written out on both."""
    if before is None:
        return []
    new = [c.after for c in changes
           if c.kind == "index" and isinstance(c, (Add, Alter))]
    if not new:
        return []
    touched = {c.name for c in changes if c.kind == "index"}
    touched |= {c.old_name for c in changes if c.kind == "index" and isinstance(c, Rename)}
    fk_columns = {tuple(fk.columns) for fk in before.foreign_keys}
    dropped = {c.before.name for c in changes if c.kind == "column" and isinstance(c, Drop)}
    return [i for i in before.indexes
            if i.kind == "index" and i.name not in touched and i.column_names in fk_columns
            and not set(i.column_names) & dropped
            and all(c.length is None and not c.descending for c in i.columns)]


def _fk_columns_touched(changes: Sequence[Change]) -> set[tuple[str, str]]:
    """(table, column) pairs whose definition changes in a way an FK cares about."""
    touched = set()
    for c in changes:
        if c.kind == "column" and isinstance(c, Alter) and (
                set(c.changed) & {"type", "charset", "collation", "length", "unsigned", "nullable",
                                  "type_name", "scale", "zerofill", "values"}):
            touched.add((_table_of(c), c.before.name))
            touched.add((_table_of(c), c.after.name))
    return touched


def plan(changes: Sequence[Change], source: Schema, target: Schema, *, reorder: bool = True,
         counters: bool = False) -> list[Step]:
    """Statements that turn ``source`` into ``target``, given ``changes = diff(source, target)``.
    ``reorder=False`` (a selection of the changes, which does not reach ``target``) leaves
    the indexes and checks of existing tables in the order the statements give them.
    ``counters``: keep AUTO_INCREMENT counters across a round trip (see :func:`_counter_steps`):
    the plan saves the counter of each existing table it inserts rows into, and restores the
    one saved for its target state in each table it deletes rows from."""
    steps: list[Step] = []
    tgt_tables = _table_by_name(target)
    table_renames = {c.old_name: c.name for c in changes if isinstance(c, Rename) and c.kind == "table"}
    rev_table_renames = {v: k for k, v in table_renames.items()}

    # -- 0. database: before anything a revision creates (routines take its collation) -----
    for db in _of(changes, "database", Alter):
        defaults = db.after.schema
        if defaults.charset:  # a state without one sets none
            steps.append(Step("database", AlterDatabase(defaults.charset, defaults.collation).sql, (db,)))

    # -- 1. drop dependents --------------------------------------------------------------
    steps += _drop_dependents(changes)
    fk_steps, readd_fk = _drop_foreign_keys(changes, source, tgt_tables, table_renames, rev_table_renames)
    steps += fk_steps

    # -- 2. rename tables ------------------------------------------------------------------
    for r in _of(changes, "table", Rename):
        steps.append(Step("rename-tables", RenameTable(r.old_name, r.name).sql, (r,), r.name))

    # -- 3. create tables ----------------------------------------------------------------------
    added_tables = [c for c in changes if c.kind == "table" and isinstance(c, Add)]
    for c in added_tables:
        steps.append(Step("create-tables", CreateTable(c.after).sql, (c,), c.name))
        drops = default_drops(c.after, target.flavour)
        if drops:
            steps.append(Step("create-tables", drops, (), c.name))

    # -- 4. alter tables -------------------------------------------------------------------------
    stated: set[int] = set()  # the steps that state a table's page checksum
    steps += _alter_tables(changes, source, tgt_tables, rev_table_renames,
                           {c.name for c in added_tables}, stated, reorder=reorder, flavour=target.flavour)

    # -- 4b. lookup data: rows deleted, updated, inserted, by primary key ------------------
    steps += _data_steps(changes, tgt_tables, _counter_steps(changes, source, target) if counters else None)

    # -- 5. foreign keys -------------------------------------------------------------------------
    steps += _add_foreign_keys(changes, added_tables, readd_fk)
    steps += _page_checksums_restated(steps, tgt_tables, stated)

    # -- 6. drop tables, children first ----------------------------------------------------------
    order, _ = table_order(source)
    position = {t.name: i for i, t in enumerate(order)}
    for d in sorted(_of(changes, "table", Drop), key=lambda d: -position.get(d.name, 0)):
        steps.append(Step("drop-tables", DropTable(d.name).sql, (d,), d.name))

    # -- 7. create dependents ---------------------------------------------------------------------
    steps += _create_dependents(changes, source, target)
    return steps


def _drop_dependents(changes: Sequence[Change]) -> list[Step]:
    """Views, triggers, routines and events that go away or change: dropped first."""
    steps: list[Step] = []
    for c in changes:
        kind = DEPENDENTS.get(c.kind)
        if kind is not None and kind.dropped(c):
            steps.append(Step("drop-dependents", kind.drop(c.before), (c,)))
    return steps


def _drop_foreign_keys(changes: Sequence[Change], source: Schema, tgt_tables: dict[str, Table],
                       table_renames: dict[str, str], rev_table_renames: dict[str, str]
                       ) -> tuple[list[Step], list[tuple[str, ForeignKey]]]:
    """The foreign keys to drop: dropped, changed, renamed, or on/to a column whose type
    changes; and those of them to add back afterwards, as (table, foreign key)."""
    def target_name(table: str) -> str:
        return table_renames.get(table, table)

    steps: list[Step] = []
    touched = _fk_columns_touched(changes)
    dropped_fk: set[tuple[str, str]] = set()
    readd_fk: list[tuple[str, ForeignKey]] = []
    fk_changes = {(c.table, c.name): c for c in changes if c.kind == "foreign_key"}
    for c in _of(changes, "foreign_key", Drop, Alter, Rename):
        table = _table_of(c)
        src_table = rev_table_renames.get(table, table)
        steps.append(Step("drop-dependents", DropForeignKey(src_table, c.before.name).sql, (c,), table))
        dropped_fk.add((table, c.before.name))
    dropped_tables = {c.name for c in _of(changes, "table", Drop)}
    for t in source.tables:
        if t.name in dropped_tables:
            # a table that goes away lets go of its parents first, so that they can change
            for fk in t.foreign_keys:
                steps.append(Step("drop-dependents", DropForeignKey(t.name, fk.name).sql, (), t.name))
            continue
        for fk in t.foreign_keys:
            tt = target_name(t.name)
            if (tt, fk.name) in dropped_fk:
                continue
            uses = {(tt, col) for col in fk.columns} | {(target_name(fk.ref_table), col) for col in fk.ref_columns}
            if uses & touched and (tt, fk.name) not in fk_changes:
                steps.append(Step("drop-dependents", DropForeignKey(t.name, fk.name).sql, (), tt))
                # re-created as the target has it (with its renamed columns); one the target
                # lacks or defines otherwise, which a selection of the changes (the additive
                # policy) leaves as it is, as it was
                target_fk = (next((f for f in tgt_tables[tt].foreign_keys if f.name == fk.name), None)
                             if tt in tgt_tables else None)
                if target_fk is None or (target_fk.on_delete, target_fk.on_update, len(target_fk.columns),
                                         target_fk.ref_table) != (fk.on_delete, fk.on_update, len(fk.columns),
                                                                  target_name(fk.ref_table)):
                    target_fk = fk
                readd_fk.append((tt, target_fk))
    return steps, readd_fk


def _alter_tables(changes: Sequence[Change], source: Schema, tgt_tables: dict[str, Table],
                  rev_table_renames: dict[str, str], added: set[str], stated: set[int], *,
                  reorder: bool, flavour: str) -> list[Step]:
    """The ALTER TABLE statements of each table, in name order (``added``: the tables
    created by the plan; ``stated`` collects the steps that state a page checksum)."""
    steps: list[Step] = []
    by_table: dict[str, list[Change]] = {}
    for c in changes:
        if c.table and c.kind in ("column", "index", "check"):
            by_table.setdefault(c.table, []).append(c)
        elif c.kind == "table" and isinstance(c, Alter):
            by_table.setdefault(c.name, []).append(c)
    src_tables = _table_by_name(source)
    for name in sorted(set(by_table) | set(tgt_tables)):
        table_changes = by_table.get(name, [])
        before = src_tables.get(rev_table_renames.get(name, name))
        table_steps = _alter_table(name, table_changes, tgt_tables.get(name), stated,
                                   before if name not in added else None, flavour)
        if reorder and before is not None and name in tgt_tables and name not in added:
            table_steps += _reorder(name, table_changes, before, tgt_tables[name], table_steps, stated)
        steps += table_steps
    return steps


def _add_foreign_keys(changes: Sequence[Change], added_tables: Sequence[Add],
                      readd_fk: Sequence[tuple[str, ForeignKey]]) -> list[Step]:
    """The foreign keys of new tables, new or changed ones, and those dropped to be re-added."""
    steps: list[Step] = []
    for c in added_tables:
        for fk in c.after.foreign_keys:
            steps.append(Step("add-foreign-keys", AddForeignKey(c.name, fk).sql, (c,), c.name))
    for f in _of(changes, "foreign_key", Add, Alter, Rename):
        steps.append(Step("add-foreign-keys", AddForeignKey(_table_of(f), f.after).sql, (f,), f.table))
    for table, fk in readd_fk:
        steps.append(Step("add-foreign-keys", AddForeignKey(table, fk).sql, (), table))
    return steps


def _create_dependents(changes: Sequence[Change], source: Schema, target: Schema) -> list[Step]:
    """Views, routines, events and triggers that are new or changed, created last: views
    in dependency order, then routines and events, then triggers in their order."""
    steps: list[Step] = []

    def create(c: Change, obj: Any, table: str | None = None) -> None:
        kind = DEPENDENTS[c.kind]
        session = session_statements(obj.sql_mode if kind.has_sql_mode else None, obj.charset_client,
                                     obj.collation_connection)
        steps.append(Step("create-dependents", kind.create(obj), (c,), table, session=session))

    views = DEPENDENTS["view"]
    wanted_views = {c.name for c in changes if views.created(c)}
    for view in view_order(target):
        if view.name in wanted_views:
            create(next(c for c in changes if c.kind == "view" and c.name == view.name), view)
    # each is created under its own database collation: the default in effect now is the
    # target's when this plan changes it, else the source's
    in_effect = target if any(c.kind == "database" for c in changes) else source
    under = DatabaseCollation(in_effect.charset, in_effect.collation)

    def switch_for(obj: Any) -> None:
        sql = under.switch(obj)
        if sql:
            steps.append(Step("create-dependents", sql))

    for c in changes:
        if c.kind in ("routine", "event") and DEPENDENTS[c.kind].created(c):
            switch_for(c.after)
            create(c, c.after)
    new_triggers = [c for c in changes if DEPENDENTS["trigger"].created(c)]
    # in their order among the triggers of the same table, timing and event (each is created last)
    for c in sorted(new_triggers, key=lambda c: trigger_order(c.after)):
        switch_for(c.after)
        create(c, c.after, c.after.table)
    restore = under.restore()
    if restore:
        steps.append(Step("create-dependents", restore))
    return steps


_DATA_SESSION = ("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_AUTO_VALUE_ON_ZERO')",)


def _counter_steps(changes: Sequence[Change], source: Schema, target: Schema) -> tuple[list[Step], list[Step]]:
    """(steps before the data statements, steps after them) that keep AUTO_INCREMENT counters.

    The counter is state, not schema: rows inserted with explicit ids move it, and deleting
    them does not move it back.  So a plan that inserts rows into a table that exists before
    it saves the table's counter first (``information_schema.TABLES.AUTO_INCREMENT``) in
    ``schema_tools_auto_increment``, keyed by the fingerprint of its source state; a plan
    that deletes rows from a table that exists after it (a downgrade: its target is that
    source state) sets the counter saved for its target state, if any, once the rows are
    gone (the server keeps it above the largest id left), then forgets it."""
    from ..model.snapshot import fingerprint
    from ..sources.introspect import AUTO_INCREMENT_TABLE

    data = [c for c in changes if c.kind == "data"]
    # the tables on both sides that have a counter (an AUTO_INCREMENT column)
    counted = {t.name for t in source.tables if any(c.auto_increment for c in t.columns)}
    counted &= {t.name for t in target.tables}
    saved = sorted({c.table for c in data if isinstance(c, Add) and c.table in counted})
    restored = sorted({c.table for c in data if isinstance(c, Drop) and c.table in counted})
    book = _q(AUTO_INCREMENT_TABLE)
    create = Step("data", f"CREATE TABLE IF NOT EXISTS {book} (`state` varchar(80) CHARACTER SET ascii NOT NULL, "
                          "`table_name` varchar(64) NOT NULL, `auto_increment` bigint unsigned NOT NULL, "
                          "PRIMARY KEY (`state`, `table_name`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 "
                          "COLLATE=utf8mb4_bin")
    before: list[Step] = []
    after: list[Step] = []
    if saved:
        state = quote_string(fingerprint(source))
        before = [create, Step("data", f"REPLACE INTO {book} (`state`, `table_name`, `auto_increment`) "
                                       f"SELECT {state}, `TABLE_NAME`, `AUTO_INCREMENT` FROM "
                                       f"`information_schema`.`TABLES` WHERE `TABLE_SCHEMA` = DATABASE() "
                                       f"AND `TABLE_NAME` IN ({', '.join(quote_string(t) for t in saved)}) "
                                       f"AND `AUTO_INCREMENT` IS NOT NULL")]
    if restored:
        state = quote_string(fingerprint(target))
        variable = "@" + AUTO_INCREMENT_TABLE
        if not before:
            before.append(create)
        for table in restored:
            # ALTER TABLE takes no expression: the statement is made, prepared and executed
            # (PREPARE and SET change the session only; 'DO 0' when nothing was saved)
            alter = quote_string(f"ALTER TABLE {_q(table)} AUTO_INCREMENT = ")
            after.append(Step("data", f"EXECUTE {book}", (), table, session=(
                f"SET {variable} = COALESCE((SELECT CONCAT({alter}, `auto_increment`) FROM {book} "
                f"WHERE `state` = {state} AND `table_name` = {quote_string(table)}), 'DO 0')",
                f"PREPARE {book} FROM {variable}")))
        after.append(Step("data", f"DELETE FROM {book} WHERE `state` = {state}"))
    return before, after


def _data_steps(changes: Sequence[Change], tables: dict[str, Table],
                counters: tuple[list[Step], list[Step]] | None = None) -> list[Step]:
    steps: list[Step] = []
    depth: dict[str, int] = {}

    def level(name: str, seen: frozenset[str] = frozenset()) -> int:
        # parents (tables a foreign key references) before children
        if name not in depth:
            table = tables.get(name)
            refs = {fk.ref_table for fk in table.foreign_keys} - {name} - seen if table else set()
            depth[name] = 1 + max((level(r, seen | {name}) for r in refs), default=-1)
        return depth[name]

    changed = [c for c in changes if c.kind == "data"]
    drops: list[Change] = sorted((c for c in changed if isinstance(c, Drop)), key=lambda c: -level(_table_of(c)))
    adds = sorted((c for c in changed if isinstance(c, Add)), key=lambda c: level(_table_of(c)))
    data = drops + [c for c in changed if not isinstance(c, (Add, Drop))] + adds

    for c in data:
        if isinstance(c, Drop) and c.table in tables:
            steps.append(Step("data", DeleteRow(c.table, c.before).sql, (c,), c.table))
    for c in data:
        if isinstance(c, Alter):
            steps.append(Step("data", UpdateRow(_table_of(c), c.before, c.after, c.changed).sql, (c,), c.table,
                              session=_DATA_SESSION))
    for c in data:
        if isinstance(c, Add):
            table = tables.get(_table_of(c))
            known = frozenset(col.name for col in table.columns) if table else None
            steps.append(Step("data", InsertRow(_table_of(c), c.after, known).sql, (c,), c.table,
                              session=_DATA_SESSION))
    if counters is not None:
        steps = counters[0] + steps + counters[1]
    return steps


def _page_checksums_restated(steps: Sequence[Step], tables: dict[str, Table],
                             stated: set[int]) -> list[Step]:
    """One more ``ALTER TABLE`` for each table whose last ALTER TABLE in ``steps`` loses
    what the table must keep: its page checksum (see :func:`page_checksum_clause`), and
    ``USING HASH`` on its UNIQUE keys (any ALTER TABLE forgets it where the key fits an
    ordinary index), which are dropped and added again in that statement."""
    last: dict[str, Step] = {}
    for step in steps:
        if step.table is not None and step.sql.startswith("ALTER TABLE "):
            last[step.table] = step
    out = []
    for name in sorted(last):
        table = tables.get(name)
        if table is None:
            continue
        clauses = []
        readded = {i.name for i in table.indexes if AddIndex(i).sql in last[name].sql}
        for index in forgotten_hash_keys(table, readded):
            clauses += _clauses(_recreated(index))
        clause = page_checksum_clause(table)
        if clause is not None and (id(last[name]) not in stated or clauses):
            clauses.append(clause)
        if clauses:
            out.append(Step("add-foreign-keys", f"ALTER TABLE {_q(name)} " + joined(clauses), (), name))
    return out


def _alter_table(table: str, changes: list[Change], target: Table | None,
                 stated: set[int] | None = None, before: Table | None = None,
                 flavour: str = "mariadb") -> list[Step]:
    """The ALTER TABLE statements of one table: its column renames, then one statement
    with the other changes of its columns, indexes, checks and options."""
    steps: list[Step] = []
    renames = _of(changes, "column", Rename)
    if renames:
        # a rename keeps the old definition; other differences follow in the next statement
        assert target is not None, f"the target has the table {table} whose columns are renamed"
        keep = dataclasses.replace(target, charset=None, collation=None)
        renamed = [RenameColumn(c.before.name, dataclasses.replace(c.before, name=c.after.name), keep)
                   for c in renames]
        steps.append(Step("alter-tables", f"ALTER TABLE {_q(table)} " + ", ".join(_clauses(renamed)),
                          tuple(renames), table))
    ops, carried = _alter_ops(changes, target, before, flavour)
    clauses = [clause for op in ops for clause in (op.clauses if isinstance(op, TableOptions) else [op.sql])]
    kept = page_checksum_clause(target) if target is not None else None
    if clauses and kept is not None and kept not in clauses:
        clauses.append(kept)
    if clauses:
        steps.append(Step("alter-tables", f"ALTER TABLE {_q(table)} " + joined(clauses),
                          tuple(carried), table))
        if kept is not None and stated is not None:
            stated.add(id(steps[-1]))
    for t in _of(changes, "table", Alter):
        if _page_checksum_written(t.before, t.after):
            steps.append(Step("alter-tables", f"ALTER TABLE {_q(table)} PAGE_CHECKSUM=DEFAULT",
                              (), table))
    return steps


def _alter_ops(changes: list[Change], target: Table | None, before: Table | None,
               flavour: str = "mariadb") -> tuple[list[Op], list[Change]]:
    """The clauses of a table's ALTER TABLE, in the order the server needs, and the
    changes they carry out."""
    ops: list[Op] = []
    carried: list[Change] = []
    # drops of columns come first, then adds and changes in target column order
    for c in _of(changes, "column", Drop):
        ops.append(DropColumn(c.before.name))
        carried.append(c)
    if target is not None:
        _column_ops(changes, target, ops, carried, flavour)
    # indexes: new and replacement indexes are added before old ones are dropped
    for i in _of(changes, "index", Alter):
        # the server takes a drop and add of the same definition for no change
        ops += [IgnoreIndex(i.after)] if i.changed == ("ignored",) else [DropIndex(i.before), AddIndex(i.after)]
        carried.append(i)
    block_size = _block_size_rebuilds(changes, target)
    for index in block_size:
        ops += _recreated(index)
    for index in _fk_index_rebuilds(changes, before):
        if index.name not in {i.name for i in block_size}:
            ops += _recreated(index)
    for a in _of(changes, "index", Add):
        ops.append(AddIndex(a.after))
        carried.append(a)
    for d in _of(changes, "index", Drop):
        ops.append(DropIndex(d.before))
        carried.append(d)
    for r in _of(changes, "index", Rename):
        ops.append(RenameIndex(r.old_name, r.name))
        carried.append(r)
    for gone in _of(changes, "check", Drop, Alter, Rename):
        ops.append(DropCheck(gone.before.name))
        carried.append(gone)
    for new in _of(changes, "check", Add, Alter, Rename):
        ops.append(AddCheck(new.after))
        if new not in carried:
            carried.append(new)
    for t in _of(changes, "table", Alter):
        if set(t.changed) - set(_ORDER_ATTRS):
            ops.append(TableOptions(t.before, t.after, t.changed))
            carried.append(t)
    return ops, carried


def _column_ops(changes: list[Change], target: Table, ops: list[Op], carried: list[Change],
                flavour: str) -> None:
    """The ADD and MODIFY COLUMN clauses of a table, in its target column order."""
    column_changes = {c.name: c for c in _of(changes, "column", Add, Alter)}
    # explicit character sets: the table's default may change in the same statement
    explicit = dataclasses.replace(target, charset=None, collation=None)
    renamed = {r.name for r in _of(changes, "column", Rename)}
    for k, col in enumerate(target.columns):
        change = column_changes.get(col.name)
        if isinstance(change, Add):
            ops.append(AddColumn(change.after, explicit, change.place))
        elif isinstance(change, Alter):
            if "position" in change.changed:
                ops.append(ModifyColumn(change.after, explicit, change.after_place, True))
            else:  # placed where it is when its default goes (DropDefault)
                ops.append(ModifyColumn(change.after, explicit, _before(target, k), lacks_default(col, flavour)))
        elif col.name in renamed and lacks_default(col, flavour):
            # the rename's CHANGE COLUMN gave it DEFAULT NULL
            ops += [ModifyColumn(col, explicit, _before(target, k), True), DropDefault(col.name)]
            continue
        else:
            continue
        if lacks_default(col, flavour):
            ops.append(DropDefault(col.name))
        carried.append(change)


def _before(table: Table, k: int) -> str | None:
    """The column before the ``k``-th of ``table`` (None for the first): where it is placed."""
    return table.columns[k - 1].name if k else None


_ORDER_ATTRS = ("index_order", "check_order")


def _predicted_orders(changes: Sequence[Change], before: Table, target: Table,
                      redo: Sequence[str] = (), redo_checks: Sequence[str] = ()
                      ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The order of the indexes and of the checks once :func:`_alter_table` has run, with
    the indexes ``redo`` and checks ``redo_checks`` dropped and added again at its end:
    the server keeps the existing ones in their order (renamed ones in their place),
    appends those the statement adds (changed ones are dropped and added again) in
    statement order, and sorts the keys (:func:`~schema_tools.model.order.server_sorted`)."""
    renamed = {c.old_name: c.name for c in changes if c.kind == "index" and isinstance(c, Rename)}
    readded = [c.after.name for c in changes if c.kind == "index" and isinstance(c, Alter)
               and c.changed != ("ignored",)]
    readded += [i.name for i in _block_size_rebuilds(changes, target)]
    readded += [i.name for i in _fk_index_rebuilds(changes, before) if i.name not in readded]
    added = [c.after.name for c in changes if c.kind == "index" and isinstance(c, Add)]
    dropped = {c.before.name for c in changes if c.kind == "index" and isinstance(c, Drop)}
    kept = [renamed.get(n, n) for n in index_order(before) if n not in dropped]
    new = [n for n in readded + added if n not in redo] + list(redo)
    kept = [n for n in kept if n not in new]
    indexes = server_sorted(target, [n for n in kept + new if n != "PRIMARY"])
    gone = {(c.before).name for c in changes
            if c.kind == "check" and isinstance(c, (Drop, Alter, Rename))}
    new_checks = [(c.after).name for c in changes
                  if c.kind == "check" and isinstance(c, (Add, Alter, Rename))]
    new_checks = [n for n in new_checks if n not in redo_checks] + list(redo_checks)
    checks = tuple(n for n in check_order(before) if n not in gone and n not in new_checks)
    return indexes, checks + tuple(new_checks)


def _out_of_place(have: Sequence[str], want: Sequence[str]) -> tuple[str, ...]:
    """``want`` from the first place where ``have`` differs from it on."""
    first = next((i for i, (a, b) in enumerate(zip(have, want, strict=False)) if a != b), None)
    if first is None:
        first = min(len(have), len(want)) if tuple(have) != tuple(want) else len(want)
    return tuple(want[first:])


def _reorder(table: str, changes: Sequence[Change], before: Table, target: Table,
             steps: list[Step], stated: set[int] | None = None) -> list[Step]:
    """Put the indexes and checks of ``table`` in the target's order when the statements
    before leave them in another: drop and re-add, in the target order, each from the
    first one out of place on.

    When the table has an ALTER TABLE of its own (the last of ``steps``) and the clauses
    added to it give the target's order, they go there: the keys it changes make the
    server write them all anew.  Otherwise one more ALTER TABLE does it, with FORCE: an
    in-place ALTER TABLE that drops and re-adds InnoDB keys as they were and changes
    nothing else keeps them where they were (the table is rebuilt, in place)."""
    want_indexes, want_checks = index_order(target), check_order(target)
    indexes, checks = _predicted_orders(changes, before, target)
    redo = _out_of_place(indexes, want_indexes)
    redo_checks = _out_of_place(checks, want_checks)
    if not redo and not redo_checks:
        return []
    by_name = {i.name: i for i in target.indexes}
    checks_by_name = {c.name: c for c in target.checks}
    carried = tuple(c for c in changes if c.kind == "table" and isinstance(c, Alter)
                    and set(c.changed) & set(_ORDER_ATTRS))
    main = steps[-1] if steps and steps[-1].table == table and steps[-1].changes else None
    if main is not None and main.sql.startswith(f"ALTER TABLE {_q(table)} "):
        added = {c.after.name for c in changes if c.kind == "index" and isinstance(c, Add)}
        added |= {c.name for c in changes if c.kind == "index" and isinstance(c, (Alter, Rename))}
        added |= {i.name for i in _fk_index_rebuilds(changes, before)}  # re-created there already
        fold = tuple(n for n in redo if n not in added)
        new_checks = {c.name for c in changes if c.kind == "check" and not isinstance(c, Drop)}
        fold_checks = tuple(n for n in redo_checks if n not in new_checks)
        if _predicted_orders(changes, before, target, fold, fold_checks) == (want_indexes, want_checks):
            redo_checks = fold_checks
            clauses = _clauses(_redone(fold, redo_checks, by_name, checks_by_name))
            folded = dataclasses.replace(
                main, sql=", ".join([main.sql] + clauses),
                changes=main.changes + tuple(c for c in carried if c not in main.changes))
            steps[-1] = folded
            if stated is not None and id(main) in stated:
                stated.add(id(folded))
            return []
    clauses = _clauses(_redone(redo, redo_checks, by_name, checks_by_name))
    if redo:
        clauses.append("FORCE")
    kept = page_checksum_clause(target)
    if kept is not None:
        clauses.append(kept)
    step = Step("alter-tables", f"ALTER TABLE {_q(table)} " + joined(clauses), carried, table)
    if kept is not None and stated is not None:
        stated.add(id(step))
    return [step]


def _redone(indexes: Sequence[str], checks: Sequence[str], index_by_name: dict[str, Index],
            check_by_name: dict[str, Check]) -> list[Op]:
    """Drop the ``indexes`` and ``checks`` (names), then add them again in that order."""
    ops: list[Op] = [DropIndex(index_by_name[n]) for n in indexes]
    ops += [AddIndex(index_by_name[n]) for n in indexes]
    ops += [DropCheck(n) for n in checks]
    ops += [AddCheck(check_by_name[n]) for n in checks]
    return ops


def render_script(steps: Sequence[Step]) -> str:
    """The plan as a script for the ``mariadb`` client."""
    out = ["SET @OLD_SQL_MODE = @@SQL_MODE;"]
    for step in steps:
        out += [s + ";" for s in step.session]
        if "\n" in step.sql and step.phase == "create-dependents" and not step.sql.startswith("CREATE ALGORITHM"):
            out += ["DELIMITER ;;", step.sql + ";;", "DELIMITER ;"]
        else:
            out.append(step.sql + ";")
        if step.session:
            out.append("SET SESSION sql_mode = @OLD_SQL_MODE;")
    return "\n".join(out) + "\n"
