"""ALTER TABLE: each clause is filed by its handler (:data:`_CLAUSE_HANDLERS`, keyed by
clause kind), then the statement's steps run in the server's order: table options, drops
of keys and constraints, the column pass (:mod:`.alter_columns`), key renames, new keys,
checks and foreign keys, RENAME TO.

``IF [NOT] EXISTS`` clauses that find nothing to do are dropped first (the server gives a
note); some still make the server rewrite the table definition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ..model.objects import Column, Table
from ..model.order import index_order
from . import ddl_objects as P
from .algorithm import alter_is_inplace, check_algorithm, check_fk_column_rename
from .alter_columns import ColumnAlterApplier
from .keys import KeyApplier
from .options import apply_table_options, check_engine, no_conflict, rebuild_effects, table_defaults
from .state import OfflineError, charset_alias, default_collation, resolve_charset
from .work import Work, WorkKey, ident, rename_table, store, table_of, work_of


class _Rebuild:
    """An action skipped by IF [NOT] EXISTS after which the server still rewrites the
    table definition."""


class _SkippedColumn:
    """ADD COLUMN IF NOT EXISTS of an existing column: only its inline keys remain."""

    def __init__(self, column: P.ColumnSpec) -> None:
        self.column = column


@dataclass
class _Clauses:
    """The clauses of one ALTER TABLE, sorted by the step of the statement that applies them."""

    drops: list[P.DropColumn] = field(default_factory=list)
    changes: dict[str, P.ChangeColumn] = field(default_factory=dict)
    # AddColumn / ChangeColumn / RenameColumn / AlterColumnDefault in statement order
    change_order: list[Any] = field(default_factory=list)
    alter_defaults: dict[str, P.AlterColumnDefault] = field(default_factory=dict)
    new_keys: list[WorkKey] = field(default_factory=list)
    new_fks: list[tuple[P.ForeignKeySpec, WorkKey | None]] = field(default_factory=list)
    new_checks: list[P.CheckSpec] = field(default_factory=list)
    drop_keys: list[tuple[str, bool, str]] = field(default_factory=list)  # (name, if_exists, kind word)
    drop_fks: list[tuple[str, bool]] = field(default_factory=list)
    drop_constraints: list[tuple[str, bool]] = field(default_factory=list)
    drop_primary: bool = False
    rename_keys: list[P.RenameKey] = field(default_factory=list)
    key_ignored: list[P.AlterKeyIgnored] = field(default_factory=list)
    options: list[tuple[str, Any]] = field(default_factory=list)
    convert: P.ConvertCharset | None = None
    rename_to: P.RenameTo | None = None


# ---------------------------------------------------------------------------------------
# One handler per clause kind: it files the clause in _Clauses


def _inline_keys(ap: KeyApplier, c: _Clauses, spec: P.ColumnSpec) -> None:
    """The keys and the foreign key written in a column definition."""
    c.new_keys += ap.column_keys(spec)
    if spec.references is not None:
        gk = ap.fk_key(spec.references)
        c.new_fks.append((spec.references, gk))
        c.new_keys.append(gk)


def _skipped_column(ap: KeyApplier, w: Work, c: _Clauses, a: _SkippedColumn) -> None:
    for k in ap.column_keys(a.column):
        k.if_not_exists = True  # type: ignore[attr-defined]  # a mark for this statement, not a field
        c.new_keys.append(k)


def _add_column(ap: KeyApplier, w: Work, c: _Clauses, a: P.AddColumn) -> None:
    _inline_keys(ap, c, a.column)
    c.change_order.append(a)


def _change_column(ap: KeyApplier, w: Work, c: _Clauses, a: P.ChangeColumn) -> None:
    _inline_keys(ap, c, a.column)
    low = a.old.lower()
    if low in c.changes:
        raise OfflineError(f"Unknown column '{a.old}' in '{w.name}'")
    c.changes[low] = a
    c.change_order.append(a)


def _drop_column(ap: KeyApplier, w: Work, c: _Clauses, a: P.DropColumn) -> None:
    c.drops.append(a)


def _rename_column(ap: KeyApplier, w: Work, c: _Clauses, a: P.RenameColumn) -> None:
    c.change_order.append(a)


def _alter_column_default(ap: KeyApplier, w: Work, c: _Clauses, a: P.AlterColumnDefault) -> None:
    c.alter_defaults[a.name.lower()] = a
    c.change_order.append(a)


def _add_key(ap: KeyApplier, w: Work, c: _Clauses, a: P.AddKey) -> None:
    c.new_keys.append(ap.key_of(a.key))


def _add_foreign_key(ap: KeyApplier, w: Work, c: _Clauses, a: P.AddForeignKey) -> None:
    gk = ap.fk_key(a.fk)
    c.new_fks.append((a.fk, gk))
    c.new_keys.append(gk)


def _add_check(ap: KeyApplier, w: Work, c: _Clauses, a: P.AddCheck) -> None:
    c.new_checks.append(a.check)


def _drop_primary_key(ap: KeyApplier, w: Work, c: _Clauses, a: P.DropPrimaryKey) -> None:
    c.drop_primary = True
    c.drop_keys.append(("PRIMARY", False, "INDEX"))


def _drop_key(ap: KeyApplier, w: Work, c: _Clauses, a: P.DropKey) -> None:
    c.drop_keys.append((a.name, a.if_exists, "INDEX"))


def _drop_foreign_key(ap: KeyApplier, w: Work, c: _Clauses, a: P.DropForeignKey) -> None:
    c.drop_fks.append((a.name, a.if_exists))


def _drop_constraint(ap: KeyApplier, w: Work, c: _Clauses, a: P.DropConstraint) -> None:
    c.drop_constraints.append((a.name, a.if_exists))


def _rename_key(ap: KeyApplier, w: Work, c: _Clauses, a: P.RenameKey) -> None:
    c.rename_keys.append(a)


def _alter_key_ignored(ap: KeyApplier, w: Work, c: _Clauses, a: P.AlterKeyIgnored) -> None:
    c.key_ignored.append(a)


def _table_option(ap: KeyApplier, w: Work, c: _Clauses, a: P.TableOption) -> None:
    c.options.append((a.key, a.value))


def _convert_charset(ap: KeyApplier, w: Work, c: _Clauses, a: P.ConvertCharset) -> None:
    c.convert = a


def _rename_to(ap: KeyApplier, w: Work, c: _Clauses, a: P.RenameTo) -> None:
    c.rename_to = a


def _nothing(ap: KeyApplier, w: Work, c: _Clauses, a: Any) -> None:
    """Clauses that change nothing by themselves (FORCE, ALGORITHM=, LOCK= ...)."""


_CLAUSE_HANDLERS: dict[type, Callable[[KeyApplier, Work, _Clauses, Any], None]] = {
    _Rebuild: _nothing,
    _SkippedColumn: _skipped_column,
    P.AddColumn: _add_column,
    P.ChangeColumn: _change_column,
    P.DropColumn: _drop_column,
    P.RenameColumn: _rename_column,
    P.AlterColumnDefault: _alter_column_default,
    P.AddKey: _add_key,
    P.AddForeignKey: _add_foreign_key,
    P.AddCheck: _add_check,
    P.DropPrimaryKey: _drop_primary_key,
    P.DropKey: _drop_key,
    P.DropForeignKey: _drop_foreign_key,
    P.DropConstraint: _drop_constraint,
    P.RenameKey: _rename_key,
    P.AlterKeyIgnored: _alter_key_ignored,
    P.TableOption: _table_option,
    P.ConvertCharset: _convert_charset,
    P.RenameTo: _rename_to,
    P.NoOp: _nothing,
}


# ---------------------------------------------------------------------------------------
# The statement


class AlterApplier(ColumnAlterApplier):
    """ALTER TABLE, and CREATE INDEX / DROP INDEX (run as one)."""

    def alter_table(self, st: P.AlterTable, create_index: P.CreateIndex | None = None) -> None:
        """mysql_alter_table's steps, in the server's order."""
        if st.partition:
            raise OfflineError("partitioning is not supported offline")
        old = self.table(st.name)
        w = work_of(old, self.state)
        old_columns = list(w.columns)
        old_keys = list(w.keys)
        inplace = alter_is_inplace(st.actions, old, self.session.sql_mode)
        self.inplace_fk = not self.session.foreign_key_checks and inplace
        check_algorithm(st, st.actions, old, self.session)
        check_fk_column_rename(self.state, old, st.actions, inplace)
        if create_index is not None and create_index.or_replace and create_index.key.if_not_exists:
            raise OfflineError("Incorrect usage of OR REPLACE and IF NOT EXISTS")
        if create_index is not None and create_index.or_replace:
            k = w.key(create_index.key.name or "")
            if k is not None:
                self.drop_key(w, k)
        actions = self.effective_actions(w, st.actions)
        rebuilds = not all(isinstance(a, (P.RenameTo, P.NoOp)) for a in actions) or any(
            isinstance(a, P.NoOp) and a.what == "FORCE" for a in actions)
        if rebuilds:
            rebuild_effects(w)
        clauses = _Clauses()
        for a in actions:
            handler = _CLAUSE_HANDLERS.get(type(a))
            if handler is None:
                raise OfflineError(f"ALTER TABLE action {type(a).__name__} is not supported offline")
            handler(self, w, clauses, a)
        cs, coll = self.alter_options(w, clauses, actions)
        dropped_index_names = self.drop_constraints(w, clauses)
        table_default = (w.charset, w.collation)
        defs = self.alter_columns(w, old_columns, clauses.drops, clauses.change_order,
                                  clauses.alter_defaults)
        if clauses.convert is not None:
            self.convert_charset(w, clauses.convert)
            if cs is not None or coll is not None:
                w.charset, w.collation = table_default
        self.rename_keys(w, clauses)
        self.finish_alter(w, clauses, defs, dropped_index_names, old, old_keys, actions)
        self.store_altered(st, w, clauses.rename_to, actions, inplace)

    def alter_options(self, w: Work, c: _Clauses,
                      actions: list[Any]) -> tuple[str | None, str | None]:
        """Table options and defaults come first (new columns inherit the new defaults);
        CONVERT TO changes the columns, an explicit CHARACTER SET/COLLATE the default.
        Returns the CHARACTER SET and COLLATE written."""
        converts = [a for a in actions if isinstance(a, P.ConvertCharset)]
        no_conflict([("CHARACTER SET", x.charset or "DEFAULT") for x in converts])
        convert = c.convert
        if convert is not None:
            # the new default first (columns added by this statement inherit it); the
            # columns are converted once they are all in place
            s_ = self.session
            ccs = convert.charset if convert.charset is not None else s_.db_charset
            w.charset, w.collation = resolve_charset(ccs, convert.collate, s_.db_charset,
                                                     s_.db_collation)
            if convert.collate is None:
                w.collation = default_collation(w.charset)
        cs, coll = table_defaults(c.options)
        if cs is not None or coll is not None:
            if cs is not None and cs.upper() == "DEFAULT":
                cs = self.session.db_charset
            w.charset, w.collation = resolve_charset(cs, coll, w.charset, w.collation)
            if cs is not None and coll is None:
                w.collation = default_collation(charset_alias(cs))
        self.auto_increment = apply_table_options(w, c.options, creating=False)
        return cs, coll

    def drop_constraints(self, w: Work, c: _Clauses) -> list[str]:
        """DROP FOREIGN KEY, DROP CONSTRAINT, DROP INDEX / PRIMARY KEY; returns the names
        of the indexes dropped."""
        for name, if_exists in c.drop_fks:
            fk = next((f for f in w.fks if f.name.lower() == name.lower()), None)
            if fk is None:
                if if_exists:
                    continue
                raise OfflineError(f"Can't DROP FOREIGN KEY `{name}`; check that it exists")
            w.fks.remove(fk)
        for name, if_exists in c.drop_constraints:
            fk = next((f for f in w.fks if f.name.lower() == name.lower()), None)
            ch = next((x for x in w.checks if x.name.lower() == name.lower()), None)
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
        for name, if_exists, _word in c.drop_keys:
            key = w.key(name)
            if key is None:
                if if_exists:
                    continue
                if name == "PRIMARY" and c.drop_primary:
                    raise OfflineError("Can't DROP INDEX `PRIMARY`; check that it exists")
                raise OfflineError(f"Can't DROP INDEX `{name}`; check that it exists")
            self.drop_key(w, key)
            dropped_index_names.append(key.name)
        return dropped_index_names

    def rename_keys(self, w: Work, c: _Clauses) -> None:
        """RENAME KEY and ALTER KEY ... [NOT] IGNORED."""
        for rk in c.rename_keys:
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
            key.name = ident(rk.new, "index")
        for ki in c.key_ignored:
            key = w.key(ki.name)
            if key is None:
                raise OfflineError(f"Key '{ki.name}' doesn't exist in table '{w.name}'")
            if key.kind == "primary" and ki.ignored:
                raise OfflineError("A primary key cannot be marked as IGNORE")
            key.ignored = ki.ignored

    def finish_alter(self, w: Work, c: _Clauses, defs: list[tuple[P.ColumnSpec, Column]],
                     dropped_index_names: list[str], old: Table, old_keys: list[WorkKey],
                     actions: list[Any]) -> None:
        """Keys, checks and foreign keys of the altered table, then the checks of the
        whole definition."""
        self.prepare_keys(w, c.new_keys)
        if any(k.new for k in w.keys) or len(w.keys) != len(old_keys):
            # read off the server: a statement that adds or drops keys makes the keys
            # anew, and a UNIQUE key that lost its USING HASH sorts as a plain one
            w.was_hash.clear()
        self.apply_primary_not_null(w, defs)
        self.check_keys(w)
        self.check_auto_increment(w)
        self.add_checks(w, c.new_checks, creating=False)
        dropped = dropped_index_names[0] if dropped_index_names else None
        if not c.new_fks:
            self.check_fk_indexes(w, dropped_index=dropped)
        else:
            self.add_foreign_keys(w, c.new_fks, creating=False)
        check_engine(w)
        self.check_invisible(w)
        self.check_auto_increment_refs(w)
        self.check_cascade_refs(w)
        self.check_referencing_types(w, old)
        _keep_unchanged_order(w, old, actions)

    def store_altered(self, st: P.AlterTable, w: Work, rename_to: P.RenameTo | None,
                      actions: list[Any], inplace: bool) -> None:
        """Store the altered table, renamed by RENAME TO."""
        old_name = w.name
        if rename_to is not None and rename_to.name != w.name:
            new = ident(rename_to.name, "table")
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
                store(self.state, w, old_name=old_name)
                self.state.ddl_events.append(("alter", old_name, new, self.renamed,
                                              self.auto_increment))
                return
            store(self.state, w)
            self.state.ddl_events.append(("alter", old_name, old_name, self.renamed,
                                          self.auto_increment))
            rename_table(self.state, old_name, new)
            return
        store(self.state, w)
        self.state.ddl_events.append(("alter", old_name, old_name, self.renamed,
                                      self.auto_increment))

    @staticmethod
    def effective_actions(w: Work, actions: list[Any]) -> list[Any]:
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


def _keep_unchanged_order(w: Work, old: Table, actions: list[Any]) -> None:
    """Read off the server: an in-place ALTER TABLE of an InnoDB table that changes
    nothing but the order of its keys (``DROP KEY k, ADD KEY k (...)`` with the same
    definition) keeps the table as it was, keys in their old places; FORCE,
    ALGORITHM=COPY and any other change write the keys in their new order."""
    if w.engine != "InnoDB" or old.engine != "InnoDB" or any(
            isinstance(a, P.NoOp) and a.what in ("FORCE", "ALGORITHM=COPY") for a in actions):
        return
    new, _ = table_of(w)
    if replace(new, index_order=(), name=old.name) != replace(old, index_order=()):
        return
    place = {n: i for i, n in enumerate(index_order(old))}
    w.keys.sort(key=lambda k: -1 if k.kind == "primary" else place.get(k.name, len(place)))
    w.made_not_null.clear()
    w.was_hash.clear()
