"""The statements and ``ALTER TABLE`` clauses a migration plan is made of.

Each operation is a small frozen dataclass that renders itself (``sql``), has a
``reverse()`` where the operation alone knows it (an added index is dropped; a dropped
column cannot be re-created from its name: the reverses are listed in one table), and says
in ``unsafe`` what it can lose.
:mod:`schema_tools.migrate.plan` decides which operations a list of changes needs and in
what order; the views, routines, triggers and events are handled per kind by the
:data:`DEPENDENTS` table.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeGuard, TypeVar

from ..diff.changes import Add, Alter, Change, Drop, Rename
from ..flavour import table_option_reset
from ..model.objects import Check, Column, ForeignKey, Index, Row, Table, quote_string
from ..dialect.ddl import (
    alter_database, column_definition, create_event, create_routine, create_table, create_trigger, create_view,
    add_index_clause, foreign_key_definition, quote_ident,
)


def _q(name: str) -> str:
    return quote_ident(name)


@dataclass(frozen=True)
class Op:
    """One statement, or one clause of an ``ALTER TABLE``."""

    # what the operation can lose, for a reader of the plan; empty when it loses nothing
    unsafe: ClassVar[str] = ""

    @property
    def sql(self) -> str:
        raise NotImplementedError

    def reverse(self) -> Op | None:
        """The operation that undoes this one (:data:`_REVERSES`), or None when this one alone
        cannot tell."""
        undo = _REVERSES.get(type(self))
        return None if undo is None else undo(self)


@dataclass(frozen=True)
class _Dropped(Op):
    """``DROP <what> `name```: a column, a check or a table, by name."""

    what: ClassVar[str]
    name: str

    @property
    def sql(self) -> str:
        return f"DROP {self.what} {_q(self.name)}"


@dataclass(frozen=True)
class _Renamed(Op):
    """``RENAME <what> `old_name` TO `name```: an index or a table."""

    what: ClassVar[str]
    old_name: str
    name: str

    @property
    def sql(self) -> str:
        return f"RENAME {self.what} {_q(self.old_name)} TO {_q(self.name)}"


# -- ALTER TABLE clauses ---------------------------------------------------------------------

def position(place: str | None) -> str:
    """`` FIRST`` or `` AFTER `col```: where a column goes, given the one before it."""
    return " FIRST" if place is None else f" AFTER {_q(place)}"


@dataclass(frozen=True)
class AddColumn(Op):
    """``ADD COLUMN``; ``table`` gives the definition its context (its character set)."""

    column: Column
    table: Table
    place: str | None

    @property
    def sql(self) -> str:
        return f"ADD COLUMN {column_definition(self.column, self.table)}{position(self.place)}"


class DropColumn(_Dropped):
    unsafe = "drops the column's values"
    what = "COLUMN"


@dataclass(frozen=True)
class ModifyColumn(Op):
    """``MODIFY COLUMN`` with the column's full definition, and its new place if ``moved``."""

    column: Column
    table: Table
    place: str | None = None
    moved: bool = False

    @property
    def sql(self) -> str:
        return f"MODIFY COLUMN {column_definition(self.column, self.table)}{position(self.place) if self.moved else ''}"


@dataclass(frozen=True)
class DropDefault(Op):
    """``ALTER COLUMN ... DROP DEFAULT`` after the ADD, or the MODIFY with its place, of a
    NULL-able column in the same statement: the one way MariaDB leaves such a column
    without a default (:func:`~schema_tools.dialect.ddl.lacks_default`)."""

    name: str

    @property
    def sql(self) -> str:
        return f"ALTER COLUMN {_q(self.name)} DROP DEFAULT"


@dataclass(frozen=True)
class RenameColumn(Op):
    """``CHANGE COLUMN old new``, keeping the column's definition (and so its data)."""

    old_name: str
    column: Column
    table: Table

    @property
    def sql(self) -> str:
        return f"CHANGE COLUMN {_q(self.old_name)} {column_definition(self.column, self.table)}"


@dataclass(frozen=True)
class AddIndex(Op):
    index: Index

    @property
    def sql(self) -> str:
        return add_index_clause(self.index)


@dataclass(frozen=True)
class DropIndex(Op):
    index: Index

    @property
    def sql(self) -> str:
        return "DROP PRIMARY KEY" if self.index.kind == "primary" else f"DROP INDEX {_q(self.index.name)}"


@dataclass(frozen=True)
class IgnoreIndex(Op):
    """``ALTER INDEX ... [NOT] IGNORED``: the index as ``index`` has it."""

    index: Index

    @property
    def sql(self) -> str:
        return f"ALTER INDEX {_q(self.index.name)} " + ("IGNORED" if self.index.ignored else "NOT IGNORED")


class RenameIndex(_Renamed):
    what = "INDEX"


@dataclass(frozen=True)
class AddCheck(Op):
    check: Check

    @property
    def sql(self) -> str:
        return f"ADD CONSTRAINT {_q(self.check.name)} CHECK ({self.check.clause})"


class DropCheck(_Dropped):
    what = "CONSTRAINT"


def option_values(table: Table) -> dict[str, str]:
    """The table options (``KEY_BLOCK_SIZE=8 PAGE_CHECKSUM=1``) by name."""
    return dict(o.partition("=")[::2] for o in table.options.split())


@dataclass(frozen=True)
class TableOptions(Op):
    """The table options ``changed`` (names from :attr:`Alter.changed`) from ``before`` to
    ``after``: one clause each (:attr:`clauses`)."""

    before: Table
    after: Table
    changed: tuple[str, ...]

    @property
    def clauses(self) -> list[str]:
        new, changed = self.after, self.changed
        out = []
        if "engine" in changed and new.engine:
            out.append(f"ENGINE={new.engine}")
        if "charset" in changed or "collation" in changed:
            out.append(f"DEFAULT CHARSET={new.charset} COLLATE={new.collation}")
        if "row_format" in changed:
            out.append(f"ROW_FORMAT={new.row_format or 'DEFAULT'}")
        if "comment" in changed:
            out.append(f"COMMENT={quote_string(new.comment)}")
        if "options" in changed:
            old_opts, new_opts = option_values(self.before), option_values(new)
            for key in sorted(set(old_opts) - set(new_opts)):
                out.append(f"{key}={table_option_reset(key)}")
            for key, value in new_opts.items():
                if old_opts.get(key) != value:
                    out.append(f"{key}={value}" if value else key)
        if "partitioning" in changed:
            out.append(new.partitioning or "REMOVE PARTITIONING")
        return out

    @property
    def sql(self) -> str:
        return joined(self.clauses)


_PARTITIONING = re.compile(r"\s*(?:/\*!\d*\s*)?(?:PARTITION BY|REMOVE PARTITIONING)\b", re.IGNORECASE)


def joined(clauses: Sequence[str]) -> str:
    """The clauses of one ALTER TABLE: the others separated by commas, then the partitioning
    (``PARTITION BY ...``, ``REMOVE PARTITIONING``), which the grammar takes last and
    without a comma."""
    partitioning = [c for c in clauses if _PARTITIONING.match(c)]
    rest = ", ".join(c for c in clauses if c not in partitioning)
    return " ".join(x for x in [rest, *partitioning] if x)


# -- statements ------------------------------------------------------------------------------

@dataclass(frozen=True)
class AlterDatabase(Op):
    """The database's default character set and collation."""

    charset: str | None
    collation: str | None

    @property
    def sql(self) -> str:
        return alter_database(self.charset, self.collation)


@dataclass(frozen=True)
class CreateTable(Op):
    """``CREATE TABLE`` without its foreign keys (added once every table exists)."""

    table: Table

    @property
    def sql(self) -> str:
        return create_table(self.table, foreign_keys=False)


class DropTable(_Dropped):
    unsafe = "drops the table with its rows"
    what = "TABLE"


class RenameTable(_Renamed):
    what = "TABLE"


@dataclass(frozen=True)
class AddForeignKey(Op):
    table: str
    fk: ForeignKey

    @property
    def sql(self) -> str:
        return f"ALTER TABLE {_q(self.table)} ADD {foreign_key_definition(self.fk)}"


@dataclass(frozen=True)
class DropForeignKey(Op):
    table: str
    name: str

    @property
    def sql(self) -> str:
        return f"ALTER TABLE {_q(self.table)} DROP FOREIGN KEY {_q(self.name)}"


def _where(row: Row) -> str:
    return " AND ".join(f"{_q(k)} = {v}" if v != "NULL" else f"{_q(k)} IS NULL" for k, v in row.key)


@dataclass(frozen=True)
class DeleteRow(Op):
    """A row of lookup data, deleted by its key."""

    unsafe: ClassVar[str] = "deletes the row"
    table: str
    row: Row

    @property
    def sql(self) -> str:
        return f"DELETE FROM {_q(self.table)} WHERE {_where(self.row)}"


@dataclass(frozen=True)
class UpdateRow(Op):
    """The ``changed`` columns of a row of lookup data, from ``before`` to ``after``."""

    unsafe: ClassVar[str] = "overwrites the row's values"
    table: str
    before: Row
    after: Row
    changed: tuple[str, ...]

    @property
    def sql(self) -> str:
        sets = ", ".join(f"{_q(col)} = {self.after.get(col)}" for col in self.changed)
        return f"UPDATE {_q(self.table)} SET {sets} WHERE {_where(self.before)}"


@dataclass(frozen=True)
class InsertRow(Op):
    """A row of lookup data; ``columns``, when known, are the table's: values of others are
    left out."""

    table: str
    row: Row
    columns: frozenset[str] | None = None

    @property
    def sql(self) -> str:
        pairs = [(k, v) for k, v in self.row.values if self.columns is None or k in self.columns]
        values = [v for _, v in pairs]
        assert None not in values, f"the values of a row of {self.table} are SQL literals"
        return (f"INSERT INTO {_q(self.table)} (" + ", ".join(_q(k) for k, _ in pairs)
                + ") VALUES (" + ", ".join(v for v in values if v is not None) + ")")


# -- reverses --------------------------------------------------------------------------------

_O = TypeVar("_O", bound=Op)


def _undone(op: type[_O], by: Callable[[_O], Op]) -> tuple[type[Op], Callable[[Any], Op]]:
    return op, by


# how each operation that can tell is undone; the others (a column or a table dropped, a
# column modified...) are not reversible from themselves
_REVERSES = dict([
    _undone(AddColumn, lambda op: DropColumn(op.column.name)),
    _undone(RenameColumn, lambda op: RenameColumn(op.column.name, dataclasses.replace(op.column, name=op.old_name),
                                                   op.table)),
    _undone(AddIndex, lambda op: DropIndex(op.index)),
    _undone(DropIndex, lambda op: AddIndex(op.index)),
    _undone(IgnoreIndex, lambda op: IgnoreIndex(dataclasses.replace(op.index, ignored=not op.index.ignored))),
    _undone(RenameIndex, lambda op: RenameIndex(op.name, op.old_name)),
    _undone(AddCheck, lambda op: DropCheck(op.check.name)),
    _undone(TableOptions, lambda op: TableOptions(op.after, op.before, op.changed)),
    _undone(CreateTable, lambda op: DropTable(op.table.name)),
    _undone(RenameTable, lambda op: RenameTable(op.name, op.old_name)),
    _undone(AddForeignKey, lambda op: DropForeignKey(op.table, op.fk.name)),
    _undone(DeleteRow, lambda op: InsertRow(op.table, op.row)),
    _undone(UpdateRow, lambda op: UpdateRow(op.table, op.after, op.before, op.changed)),
    _undone(InsertRow, lambda op: DeleteRow(op.table, op.row)),
])


# -- views, routines, triggers and events, per kind -----------------------------------------------

@dataclass(frozen=True)
class Dependent:
    """How the objects of one dependent kind are dropped and created: a plan drops those
    that go away or change first (``dropped_by``: the change classes that do) and creates
    the new and changed ones last (``created_by``)."""

    kind: str
    dropped_by: tuple[type[Drop | Alter | Rename], ...]
    created_by: tuple[type[Add | Alter | Rename], ...]
    drop: Callable[[Any], str]
    create: Callable[[Any], str]
    # whether it is created under its own sql_mode (a view keeps none)
    has_sql_mode: bool = True

    def dropped(self, c: Change) -> TypeGuard[Drop | Alter | Rename]:
        return c.kind == self.kind and isinstance(c, self.dropped_by)

    def created(self, c: Change) -> TypeGuard[Add | Alter | Rename]:
        return c.kind == self.kind and isinstance(c, self.created_by)


DEPENDENTS = {d.kind: d for d in (
    Dependent("view", (Drop, Alter), (Add, Alter), lambda v: f"DROP VIEW IF EXISTS {_q(v.name)}", create_view,
              has_sql_mode=False),
    # a routine renamed (in letter case) is dropped and created under its new name
    Dependent("routine", (Drop, Alter, Rename), (Add, Alter, Rename),
              lambda r: f"DROP {r.kind} IF EXISTS {_q(r.name)}", create_routine),
    Dependent("trigger", (Drop, Alter), (Add, Alter), lambda t: f"DROP TRIGGER IF EXISTS {_q(t.name)}",
              create_trigger),
    # an event renamed is created under its new name, and its old name is not dropped
    Dependent("event", (Drop, Alter), (Add, Alter, Rename), lambda e: f"DROP EVENT IF EXISTS {_q(e.name)}",
              create_event),
)}
