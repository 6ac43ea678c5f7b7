"""Deterministic synthetic rows, and checksums to prove that they survive a migration.

Rows are made from the model: every value fits its column's type (lengths, enum values,
unsigned ranges; strings are digits, which are valid JSON and convert to numbers, so the
rows survive a later JSON check or a change to a numeric type), generated columns are left
to the server,
and foreign keys are satisfied by seeding parents first with matching ids (row ``i`` of
every table has id ``i``).  Rows a unique key or a CHECK refuses are skipped
(``INSERT IGNORE``), so seeding never fails on a valid schema.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import cast

import pymysql

from ..dialect.types import BLOB_TYPES, INTEGER_NAMES, TEXT_TYPES
from ..model.objects import Column, Schema, Table
from ..dialect.ddl import quote_ident, table_order


_SPATIAL = frozenset({"geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
                      "multipolygon", "geometrycollection"})
_STRINGS = frozenset({"char", "varchar", "binary", "varbinary", *TEXT_TYPES, *BLOB_TYPES})


def value_for(col: Column, i: int, prefer: Column | None = None, wide: bool = False) -> str | None:
    """SQL literal for row ``i`` (1-based) of column ``col``; None to leave it out.
    ``prefer`` is the same column in a schema the rows must also fit (an enum value both
    sides know is chosen).  ``wide`` fills strings up to 12 characters (``100000000007``),
    so that a narrowing of the column shows in the data, unless ``prefer`` is not a
    string (the value must convert)."""
    t = col.type
    if col.generated is not None:
        return None
    name = t.name
    if name in INTEGER_NAMES or name == "integer":
        if t.length == 1 and name == "tinyint":
            return str(i % 2)
        return str(i)
    if name in ("decimal", "numeric"):
        whole = (t.length or 10) - (t.scale or 0)
        return str(i % (10 ** min(whole, 6))) if whole > 0 else "0"
    if name in ("float", "double", "real"):
        return f"{i}.5"
    if name == "bit":
        return f"b'{i % 2}'"
    if name in ("enum", "set"):
        if not t.values:
            return None
        common = [v for v in t.values if prefer is not None and v in prefer.type.values]
        return "'" + (common or list(t.values))[0].replace("'", "''") + "'"
    if name == "date":
        return f"'2024-01-{(i % 28) + 1:02d}'"
    if name in ("datetime", "timestamp"):
        return f"'2024-01-{(i % 28) + 1:02d} 10:00:00'"
    if name == "time":
        return f"'10:00:{i % 60:02d}'"
    if name == "year":
        return "2024"
    if col.check and "json_valid" in col.check:
        return f"'{{\"i\": {i}}}'"
    # strings are digits: valid JSON (a JSON CHECK may come later) and convertible to numbers
    if name in ("char", "varchar", "binary", "varbinary"):
        width = min(t.length or 1, 12)
        if wide and width > len(str(i)) and (prefer is None or prefer.type.name in _STRINGS):
            return "'1" + f"{i:0{width - 1}d}'"
        text = str(i)[: t.length or 1]
        return f"'{text}'"
    if name.endswith("text") or name.endswith("blob"):
        return f"'{i}'"
    if name in ("json",):
        return f"'{{\"i\": {i}}}'"
    return None


def with_parents(schema: Schema, tables: Iterable[str]) -> set[str]:
    """``tables`` and every table they reference, directly or not."""
    by_name = {t.name: t for t in schema.tables}
    out: set[str] = set()
    todo = [t for t in tables if t in by_name]
    while todo:
        name = todo.pop()
        if name in out:
            continue
        out.add(name)
        todo += [fk.ref_table for fk in by_name[name].foreign_keys
                 if fk.ref_schema is None and fk.ref_table in by_name]
    return out


def seed_statements(schema: Schema, rows: int = 10, tables: Iterable[str] | None = None,
                    prefer: Schema | None = None, wide: bool = False) -> list[str]:
    """``INSERT IGNORE`` statements, parents before children.  With ``tables``, the tables
    they reference are seeded too, so that every foreign key holds."""
    wanted = with_parents(schema, tables) if tables is not None else None
    tracked = {d.table for d in schema.data}
    data = {d.table: d for d in schema.data}
    order, _ = table_order(schema)
    out = []
    for table in order:
        if wanted is not None and table.name not in wanted:
            continue
        if table.name in tracked:
            continue  # lookup rows are part of the schema, loaded with it
        other = prefer.table(table.name) if prefer is not None else None
        twin = {c.name.lower(): c for c in other.columns} if other is not None else {}
        # a nullable column that only the other schema makes a foreign key is left NULL:
        # its referenced table may be new, and empty
        own_fk = {c.lower() for fk in table.foreign_keys for c in fk.columns}
        new_fk = {c.lower() for fk in (other.foreign_keys if other is not None else ())
                  for c in fk.columns} - own_fk
        # a column referencing a lookup table takes that table's keys, in turn
        lookup_keys: dict[str, list[str | None]] = {}
        for fk in table.foreign_keys:
            parent = data.get(fk.ref_table)
            if parent is not None and len(fk.columns) == 1:
                pos = parent.columns.index(fk.ref_columns[0]) if fk.ref_columns[0] in parent.columns else None
                lookup_keys[fk.columns[0]] = [r[pos] for r in parent.rows] if pos is not None else []
        if any(not keys and (col := table.column(c)) is not None and not col.nullable
               for c, keys in lookup_keys.items()):
            continue  # nothing to reference
        cols = [c for c in table.columns if value_for(c, 1) is not None
                and not (c.nullable and c.name.lower() in new_fk)
                and not (c.name in lookup_keys and not lookup_keys[c.name])]

        def value(c: Column, i: int, lookup_keys: dict[str, list[str | None]] = lookup_keys,
                  twin: dict[str, Column] = twin) -> str:
            # a column kept in ``cols`` has a value in every row
            keys = lookup_keys.get(c.name)
            if keys:
                return cast(str, keys[(i - 1) % len(keys)])
            return cast(str, value_for(c, i, twin.get(c.name.lower()), wide))

        if not cols:
            continue
        values = []
        for i in range(1, rows + 1):
            values.append("(" + ", ".join(value(c, i) for c in cols) + ")")
        out.append(f"INSERT IGNORE INTO {quote_ident(table.name)} ("
                   + ", ".join(quote_ident(c.name) for c in cols) + ") VALUES " + ", ".join(values))
    return out


def seed(conn: pymysql.connections.Connection, schema: Schema, rows: int = 10,
         tables: Iterable[str] | None = None, prefer: Schema | None = None,
         wide: bool = False) -> None:
    with conn.cursor() as cur:
        cur.execute("SET SESSION foreign_key_checks = 0")
        try:
            for statement in seed_statements(schema, rows, tables, prefer, wide):
                cur.execute(statement)
        finally:
            cur.execute("SET SESSION foreign_key_checks = 1")


def _order_by(table: Table, columns: Sequence[str]) -> str:
    if table.primary_key is not None and all(p.name in columns for p in table.primary_key.columns):
        keys = [p.name for p in table.primary_key.columns]
    else:
        keys = list(columns)
    return ", ".join(quote_ident(k) for k in keys)


def table_checksum(conn: pymysql.connections.Connection, table: Table, columns: Sequence[str]) -> tuple[int, str]:
    """(row count, sha256 of the rows' values in ``columns``, ordered by primary key)."""
    if not columns:
        return 0, ""
    spatial = {c.name for c in table.columns if c.type.name in _SPATIAL}
    # a geometry value has no text cast (ERROR 4079): its well-known binary, in hex
    sql = ("SELECT " + ", ".join(f"HEX(ST_AsBinary({quote_ident(c)}))" if c in spatial
                                 else f"CAST({quote_ident(c)} AS CHAR)" for c in columns)
           + f" FROM {quote_ident(table.name)} ORDER BY {_order_by(table, columns)}")
    h = hashlib.sha256()
    n = 0
    with conn.cursor() as cur:
        cur.execute(sql)
        for row in cur.fetchall():
            h.update(repr(row).encode())
            n += 1
    return n, h.hexdigest()


def checksums(conn: pymysql.connections.Connection, schema: Schema,
              columns_of: dict[str, Sequence[str]]) -> dict[str, tuple[int, str]]:
    """Checksums of ``columns_of[table]`` for each table named there."""
    by_name = {t.name: t for t in schema.tables}
    return {name: table_checksum(conn, by_name[name], cols)
            for name, cols in sorted(columns_of.items()) if name in by_name}


def surviving_columns(a: Schema, b: Schema) -> dict[str, list[str]]:
    """Columns present, under the same name, in the same table of both schemas, whose type
    keeps every value (the same type, or a lossless widening such as ``int`` to ``bigint``).
    A conversion that can change values (an enum to ``tinyint``) is a documented loss, not a
    surviving column.  Lookup tables whose rows the schemas track are left out: revisions
    change those rows."""
    from ..migrate.revision import widen
    out = {}
    bt = {t.name: t for t in b.tables}
    tracked = {d.table for d in a.data} | {d.table for d in b.data}
    for t in a.tables:
        other = bt.get(t.name)
        if other is None or t.name in tracked:
            continue
        twins = {c.name: c for c in other.columns if c.generated is None}
        out[t.name] = [c.name for c in t.columns if c.name in twins and c.generated is None
                       and (c.type == twins[c.name].type or widen(c.type, twins[c.name].type) == twins[c.name].type)]
    return out
