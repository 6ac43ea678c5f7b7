"""The order in which MariaDB lists a table's indexes and CHECK constraints.

``SHOW CREATE TABLE`` lists the keys in the order of the table definition, which each
CREATE TABLE and ALTER TABLE re-sorts with ``sort_keys()`` (sql_table.cc): a stable sort
of the keys in creation order (after an ALTER: the existing keys in their order, then the
new ones in statement order) that puts

* unique keys (the primary key included) before the others; among them, long unique
  HASH keys last, then keys with a nullable part after those without, the primary key
  first, and keys with a prefix part after those without;
* FULLTEXT keys after the other non-unique keys;

ties keep their creation order.  CHECK constraints are listed in creation order.

The model keeps ``Table.indexes`` and ``Table.checks`` sorted by name and records the
server's order in ``Table.index_order`` and ``Table.check_order`` only when it is not
the default: the order the server gives a table created with its indexes in kind-then-name
order (:func:`default_index_order`) and its checks by name.  :func:`with_order` makes
that choice; :func:`index_order` and :func:`check_order` give the order in effect.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from .objects import Check, Index, Table

_KIND_RANK = {"primary": 0, "unique": 1, "index": 2, "fulltext": 3, "spatial": 4}


def is_long_hash(index: Index, table: Table) -> bool:
    """A long unique HASH key: a UNIQUE key the server implements as a hash of its
    columns (``USING HASH`` on an engine without native hash indexes)."""
    return index.kind == "unique" and index.using == "HASH" and table.engine != "MEMORY"


def sort_class(index: Index, table: Table, nullable: frozenset[str] = frozenset(),
               long_hash: bool = False) -> tuple[int, ...]:
    """The rank ``sort_keys()`` gives ``index`` before creation order breaks ties.
    ``nullable`` names columns to take as nullable whatever ``table`` says; ``long_hash``
    takes the key as a long unique HASH key."""
    if index.kind in ("primary", "unique"):
        hashed = long_hash or is_long_hash(index, table)
        # a long hash key is a key over its hidden hash column, which may be NULL
        has_null = hashed or any(p.name in nullable or ((c := table.column(p.name)) is not None and c.nullable)
                                 for p in index.columns)
        return (0, int(hashed), int(has_null), int(index.kind != "primary"),
                int(any(p.length is not None for p in index.columns)), 0)
    return (1, 0, 0, 0, 0, int(index.kind == "fulltext"))


def server_sorted(table: Table, names: Iterable[str], *, primary_at: int | None = None,
                  made_not_null: frozenset[str] = frozenset(),
                  was_hash: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The names of indexes of ``table`` (not the primary key), given in creation order,
    as the server lists them once a CREATE/ALTER TABLE has sorted its keys.  Unknown names
    are left out.

    The server takes a key's parts as nullable when it reads the key: a column the
    PRIMARY KEY makes NOT NULL is still nullable for the keys before it.  ``primary_at``
    is the place of the primary key among ``names`` (a key at a lower place comes before
    it) and ``made_not_null`` the columns it made NOT NULL.  ``was_hash`` names the
    UNIQUE keys an ALTER TABLE no longer shows ``USING HASH`` for: in that statement they
    still sort as long unique HASH keys."""
    by_name = {i.name: i for i in table.indexes}
    known = [n for n in names if n in by_name]
    early = set(known[:primary_at]) if primary_at is not None and made_not_null else set()

    def rank(n: str) -> tuple[int, ...]:
        return sort_class(by_name[n], table, made_not_null if n in early else frozenset(),
                          n in was_hash)

    return tuple(sorted(known, key=rank))


def default_index_order(table: Table) -> tuple[str, ...]:
    """The order of a table created with its indexes in kind-then-name order."""
    kinds = sorted(table.indexes, key=lambda i: (_KIND_RANK.get(i.kind, 9), i.name))
    return server_sorted(table, (i.name for i in kinds))


def index_order(table: Table) -> tuple[str, ...]:
    """The names of the indexes of ``table`` but the primary key, in the server's order.

    A recorded order is taken as it is when it names each index once.  One naming indexes
    the table no longer has, or missing some, still gives every index once: the missing
    ones come after, in the default order, and the whole is sorted as the server would."""
    if not table.index_order:
        return default_index_order(table)
    names = [i.name for i in table.indexes]
    if len(table.index_order) == len(names) and set(table.index_order) == set(names):
        return table.index_order
    recorded = [n for n in dict.fromkeys(table.index_order) if n in names]
    rest = [n for n in default_index_order(table) if n not in recorded]
    return server_sorted(table, recorded + rest)


def reproducible(table: Table) -> bool:
    """Whether a CREATE TABLE that lists the indexes of ``table`` in its order gives that
    order back.  Not always: the server sorts a key by what it is while the statement
    runs (a column the PRIMARY KEY after it makes NOT NULL, a UNIQUE key an ALTER TABLE
    no longer shows USING HASH for), and keeps that place until a later statement
    re-sorts the keys; the model, holding the table as it is, cannot say why."""
    order = index_order(table)
    return server_sorted(table, order) == order


def check_order(table: Table) -> tuple[str, ...]:
    """The names of the table checks of ``table``, in the server's order."""
    names = [c.name for c in table.checks]
    if not table.check_order:
        return tuple(names)
    recorded = [n for n in table.check_order if n in names]
    return tuple(recorded + [n for n in names if n not in recorded])


def ordered_indexes(table: Table) -> list[Index]:
    """The indexes of ``table`` (primary key first) in the server's order."""
    by_name = {i.name: i for i in table.indexes}
    first = [table.primary_key] if table.primary_key is not None else []
    return first + [by_name[n] for n in index_order(table)]


def ordered_checks(table: Table) -> list[Check]:
    by_name = {c.name: c for c in table.checks}
    return [by_name[n] for n in check_order(table)]


def with_order(table: Table, indexes: Sequence[str] | None = None,
               checks: Sequence[str] | None = None) -> Table:
    """``table`` with its indexes (but the primary key) and checks in the orders given, as
    the server lists them (``None``: the order ``table`` has), recorded only where they are
    not the default."""
    idx = tuple(n for n in (index_order(table) if indexes is None else indexes) if n != "PRIMARY")
    if idx == default_index_order(table) or sorted(idx) != sorted(i.name for i in table.indexes):
        idx = ()
    chk = tuple(check_order(table) if checks is None else checks)
    if list(chk) == [c.name for c in table.checks] or sorted(chk) != sorted(c.name for c in table.checks):
        chk = ()
    if idx == table.index_order and chk == table.check_order:
        return table
    return dataclasses.replace(table, index_order=idx, check_order=chk)
