"""The working copy of a table that one table DDL statement edits.

:func:`work_of` makes it from a stored :class:`Table`, :func:`store` puts it back (its
generated indexes recorded in ``state.implicit_indexes``), :func:`rename_table` renames a
stored table; the foreign keys that name it follow.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..flavour import TABLE_OPTION_ORDER
from ..model.objects import Check, Column, ForeignKey, Index, IndexColumn, Table
from ..model.order import ordered_checks, ordered_indexes, server_sorted, with_order
from .state import OfflineError, State

# the options of Table.options, in the order SHOW CREATE TABLE shows them
OPTION_ORDER = tuple(o for o in TABLE_OPTION_ORDER if o != "ROW_FORMAT")
IDENT_MAX = 64


@dataclass(eq=False)
class WorkKey:
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
class Work:
    name: str
    columns: list[Column]
    keys: list[WorkKey]
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

    def key(self, name: str) -> WorkKey | None:
        low = name.lower()
        for k in self.keys:
            if k.name.lower() == low and not k.dropped:
                return k
        return None


def work_of(table: Table, state: State) -> Work:
    implicit = state.implicit_indexes.get(table.name, set())
    keys: list[WorkKey] = []
    if table.primary_key is not None:
        pk = table.primary_key
        keys.append(WorkKey("PRIMARY", "primary", list(pk.columns), pk.using, pk.comment,
                         pk.ignored))
    for ix in ordered_indexes(table)[table.primary_key is not None:]:
        keys.append(WorkKey(ix.name, ix.kind, list(ix.columns), ix.using, ix.comment, ix.ignored,
                         generated=ix.name in implicit))
    options: dict[str, str] = {}
    for opt in table.options.split():
        k, _, v = opt.partition("=")
        options[k] = v
    return Work(table.name, list(table.columns), keys, list(table.foreign_keys),
                 ordered_checks(table), table.engine or "InnoDB", table.charset or "",
                 table.collation or "", table.row_format, table.comment, options,
                 table.partitioning)


def table_of(w: Work) -> tuple[Table, set[str]]:
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


def store(state: State, w: Work, old_name: str | None = None) -> None:
    table, implicit = table_of(w)
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


def rename_table(state: State, old: str, new: str) -> None:
    """RENAME TABLE of one table (its triggers and the foreign keys naming it follow)."""
    w = work_of(state.tables[old], state)
    w.name = new
    w.fks = [replace(fk, ref_table=new) if fk.ref_table == old else fk for fk in w.fks]
    # InnoDB renames the foreign keys named <old>_ibfk_... (case-sensitive prefix)
    prefix = f"{old}_ibfk_"
    w.fks = [replace(fk, name=f"{new}_ibfk_{fk.name[len(prefix):]}")
             if fk.name.startswith(prefix) else fk for fk in w.fks]
    store(state, w, old_name=old)
    state.ddl_events.append(("rename", old, new))
    for tname, t in list(state.tables.items()):
        if tname == new:
            continue
        if any(fk.ref_table == old for fk in t.foreign_keys):
            fks = tuple(replace(fk, ref_table=new) if fk.ref_table == old else fk
                        for fk in t.foreign_keys)
            state.tables[tname] = replace(t, foreign_keys=fks)


def ident(name: str, what: str = "Identifier") -> str:
    if len(name) > IDENT_MAX:
        raise OfflineError(f"Identifier name '{name}' is too long")
    if name.endswith(" "):
        raise OfflineError(f"Incorrect {what.lower()} name '{name}'")
    if not name:
        raise OfflineError(f"Incorrect {what.lower()} name ''")
    return name
