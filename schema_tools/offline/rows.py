"""The rows of the tracked lookup tables: read from a base schema, written back to the
schema of a state (ordered as ``read_data`` orders them), and carried through table DDL
(new columns get their default, renamed columns keep their values, changed types
convert, ``TRUNCATE`` empties).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..model.objects import Column, Schema, Table, TableData
from .state import OfflineError, Session, State, TableRows
from .values import _coll_key, _plain, _typed, default_text, implicit_default, to_text


# ---------------------------------------------------------------------------------------
# Row store


def _quoted(v: str | None) -> str:
    assert v is not None, "rows hold QUOTE() text, NULL as the text NULL"
    return v


def _existing(table: Table, name: str) -> Column:
    col = table.column(name)
    assert col is not None, f"a key names the column {name} of {table.name}"
    return col


def data_columns(table: Table) -> list[Column]:
    return [c for c in table.columns if c.generated is None]


def rows_from_schema(state: State, schema: Schema) -> None:
    """Rows of the tracked tables of a base schema (its :class:`TableData`)."""
    given = {d.table: d for d in schema.data}
    for name in state.tracked:
        table = state.tables.get(name)
        if table is None:
            continue
        data = given.get(name)
        if data is None:
            state.rows[name] = TableRows(unknown=f"the rows of `{name}` are not in the base schema")
            continue
        rows = [{c.lower(): _quoted(v) for c, v in zip(data.columns, r, strict=False)} for r in data.rows]
        store = TableRows(rows)
        store.auto_increment = _next_auto(table, store)
        state.rows[name] = store


def _next_auto(table: Table, store: TableRows, floor: int = 1) -> int:
    auto = next((c for c in table.columns if c.auto_increment), None)
    if auto is None:
        return floor
    high = 0
    for r in store.rows:
        v = _typed(auto, r.get(auto.name.lower(), "NULL"))
        if isinstance(v, (int, Decimal)) and v > high:
            high = int(v)
        elif isinstance(v, float) and v > high:
            high = int(v)
    return max(floor, high + 1)


def table_data(state: State) -> tuple[TableData, ...]:
    """The rows of every tracked table that exists, ordered as ``read_data`` orders them."""
    out = []
    for name in sorted(state.tracked):
        table = state.tables.get(name)
        store = state.rows.get(name)
        if table is None or store is None or store.unknown:
            continue
        cols = data_columns(table)
        rows = sorted(store.rows, key=_order_key(table))
        out.append(TableData(name, tuple(c.name for c in cols),
                             tuple(tuple(r.get(c.name.lower(), "NULL") for c in cols) for r in rows)))
    return tuple(out)


def _order_key(table: Table) -> Callable[[dict[str, str]], tuple]:
    if table.primary_key is not None:
        cols = [_existing(table, p.name) for p in table.primary_key.columns]
    else:
        cols = data_columns(table)

    def key(row: dict[str, str]) -> tuple:
        out: list[tuple[int, Any]] = []
        for c in cols:
            v = _typed(c, row.get(c.name.lower(), "NULL"))
            if v is None:
                out.append((0, 0))
            elif isinstance(v, str):
                out.append((1, _coll_key(v, c.collation)))
            else:
                out.append((1, v))
        return tuple(out)
    return key


def state_from_schema(schema: Schema, tracked: frozenset[str] = frozenset()) -> State:
    """The state a read starts from: ``schema``, with the rows of its ``tracked`` tables
    (without tracked tables, its rows are passed through as they are)."""
    state = State(
        tables={t.name: t for t in schema.tables}, views={v.name: v for v in schema.views},
        routines={(r.kind, r.name.lower()): r for r in schema.routines},
        triggers={t.name: t for t in schema.triggers}, events={e.name: e for e in schema.events},
        data={} if tracked else {d.table: d for d in schema.data}, tracked=tracked,
    )
    if tracked:
        rows_from_schema(state, schema)
    return state


def schema_of(state: State, session: Session) -> Schema:
    """The schema ``state`` holds, with the rows of its tracked tables."""
    return Schema(
        flavour=session.flavour.name, charset=session.db_charset,
        collation=session.db_collation, tables=tuple(state.tables.values()),
        views=tuple(state.views.values()), routines=tuple(state.routines.values()),
        triggers=tuple(state.triggers.values()), events=tuple(state.events.values()),
        data=table_data(state) if state.tracked else tuple(state.data.values()),
    )


# ---------------------------------------------------------------------------------------
# Table DDL: the rows follow


def after_table_ddl(state: State, before: dict[str, Table | None], session: Session) -> None:
    """Carry the tracked rows through the table DDL statement just applied."""
    events, state.ddl_events = state.ddl_events, []
    for i, ev in enumerate(events):
        kind = ev[0]
        if kind == "create":
            _, name, auto = ev
            if name in state.tracked:
                state.rows[name] = TableRows(auto_increment=auto or 1)
            else:
                state.rows.pop(name, None)
        elif kind == "rename":
            _, old, new = ev
            store = state.rows.pop(old, None)
            if new in state.tracked:
                if store is None:
                    store = TableRows(unknown=f"`{new}` was renamed from `{old}`, whose rows are "
                                              "not tracked")
                state.rows[new] = store
        elif kind == "alter":
            _, old, new, renamed, auto = ev
            store = state.rows.pop(old, None)
            if store is None:
                continue
            final = new
            for later in events[i + 1:]:
                if later[0] == "rename" and later[1] == final:
                    final = later[2]
            old_table, new_table = before.get(old), state.tables.get(final)
            if old_table is not None and new_table is not None and not store.unknown:
                store.rows = _convert_rows(store.rows, old_table, new_table, renamed)
                _check_unique(new_table, store)
                if auto is not None:
                    store.auto_increment = _next_auto(new_table, store, auto)
                elif any(c.auto_increment for c in new_table.columns) and not any(
                        c.auto_increment for c in old_table.columns):
                    store.auto_increment = _next_auto(new_table, store)
            state.rows[new] = store
        elif kind == "truncate":
            _, name = ev
            if name in state.rows:
                state.rows[name] = TableRows()
    for name in list(state.rows):
        if name not in state.tables or name not in state.tracked:
            del state.rows[name]


def _unique_keys(table: Table) -> list[tuple[str, list[tuple[Column, int | None]]]]:
    """The primary key and unique indexes: (name, [(column, prefix length)])."""
    keys = []
    by_low = {c.name.lower(): c for c in table.columns}
    if table.primary_key is not None:
        keys.append(("PRIMARY", [(by_low[c.name.lower()], c.length)
                                 for c in table.primary_key.columns]))
    for ix in table.indexes:
        if ix.kind == "unique":
            keys.append((ix.name, [(by_low[c.name.lower()], c.length) for c in ix.columns]))
    return keys


def _key_of(row: dict[str, str], parts: list[tuple[Column, int | None]]) -> tuple | None:
    """The comparison key of ``row`` for a unique key; None when a part is NULL."""
    out = []
    for col, length in parts:
        if col.generated is not None:
            raise OfflineError("a unique key on a generated column is not computed offline")
        v = _typed(col, row.get(col.name.lower(), "NULL"))
        if v is None:
            return None
        if isinstance(v, str):
            if length is not None:
                v = v[:length]
            v = _coll_key(v, col.collation)
        elif isinstance(v, bytes) and length is not None:
            v = v[:length]
        out.append(v)
    return tuple(out)


def _check_unique(table: Table, store: TableRows) -> None:
    """A unique key added to rows that repeat it fails on the server."""
    if len(store.rows) < 2:
        return
    for name, parts in _unique_keys(table):
        seen = set()
        for row in store.rows:
            k = _key_of(row, parts)
            if k is None:
                continue
            if k in seen:
                shown = "-".join(_plain(row[c.name.lower()]) for c, _ in parts)
                raise OfflineError(f"Duplicate entry '{shown}' for key '{name}'")
            seen.add(k)


def _convert_rows(rows: list[dict[str, str]], old: Table, new: Table,
                  renamed: dict[str, str]) -> list[dict[str, str]]:
    old_cols = {c.name.lower(): c for c in data_columns(old)}
    source: dict[str, str] = {}  # new column (lower) -> old column (lower)
    renamed_to = {v.lower(): k for k, v in renamed.items()}
    for c in data_columns(new):
        low = c.name.lower()
        if low in renamed_to:
            source[low] = renamed_to[low]
        elif low in old_cols and low not in renamed:
            source[low] = low
    if not rows:
        return rows
    out = []
    for row in rows:
        converted = {}
        for c in data_columns(new):
            low = c.name.lower()
            src = source.get(low)
            if src is None:
                if c.auto_increment:
                    raise OfflineError(f"numbering existing rows in new AUTO_INCREMENT column "
                                       f"'{c.name}' is not computed offline")
                converted[low] = (default_text(c) if c.default is not None or c.nullable
                                  else implicit_default(c))
                continue
            oc = old_cols[src]
            text = row.get(src, "NULL")
            if (oc.type, oc.charset, oc.collation) == (c.type, c.charset, c.collation):
                converted[low] = text
                continue
            if oc.type.name in ("float", "double", "real") and c.type.name != oc.type.name:
                raise OfflineError(f"converting the values of column '{c.name}' from "
                                   f"{oc.type.sql()} is not computed offline")
            value = _typed(oc, text)
            if value is None and not c.nullable:
                raise OfflineError(f"NULL values of column '{c.name}' in a NOT NULL column "
                                   "are not computed offline")
            converted[low] = to_text(c, value, True)
        out.append(converted)
    return out
