"""The ALTER TABLE algorithm each change needs, by flavour and version.

``INSTANT`` changes only metadata; ``INPLACE`` works inside the storage engine while
reads and writes go on (``rebuild``: the whole table is rewritten in the background,
which takes time, space and I/O); ``COPY`` copies the table row by row into a new one
and blocks writes until it is done.

The tables below are data: one operation -> (algorithm, rebuild, since-version) list
per flavour, the last entry whose version the server reaches wins.  MariaDB 10.11
follows the MariaDB documentation ("InnoDB Online DDL Operations"); the MySQL 8.0
table is a first reading of the MySQL 8.0 manual ("Online DDL Operations") and is not
tested against a server yet.

Each operation also has a lock level (``LOCK=NONE``: reads and writes go on; ``SHARED``:
reads only; ``EXCLUSIVE``: nothing): ``LOCKS`` lists the exceptions to "NONE for INSTANT
and INPLACE, SHARED for COPY".  ``tests/test_online.py`` checks the MariaDB table against
the server for every single-feature change of ``tests/feature_cases.py``
(:func:`schema_tools.online.probe.probe_algorithm` runs each statement with an explicit
``ALGORITHM=`` and ``LOCK=`` on an empty copy of its table).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..dialect.types import INTEGER_NAMES
from ..diff.changes import Add, Alter, Change, Drop, Rename
from ..flavour import Flavour
from ..model.objects import Column, Table

INSTANT, INPLACE, COPY = "INSTANT", "INPLACE", "COPY"
NONE, SHARED, EXCLUSIVE = "NONE", "SHARED", "EXCLUSIVE"
_RANK = {INSTANT: 0, INPLACE: 1, COPY: 3}
_LOCK_RANK = {NONE: 0, SHARED: 1, EXCLUSIVE: 2}


@dataclass(frozen=True)
class Algorithm:
    name: str  # INSTANT, INPLACE or COPY
    rebuild: bool = False
    reason: str = ""

    @property
    def rank(self) -> int:
        """0 instant, 1 in place, 2 in place with a rebuild, 3 copy."""
        return _RANK[self.name] + (1 if self.rebuild and self.name == INPLACE else 0)

    def __str__(self) -> str:
        return self.name + (" (table rebuild)" if self.rebuild and self.name == INPLACE else "")


_I = (INSTANT, False)
_P = (INPLACE, False)
_R = (INPLACE, True)
_C = (COPY, False)

# operation -> [(since version, (algorithm, rebuild)), ...]
MARIADB: dict[str, list[tuple[tuple[int, int, int], tuple[str, bool]]]] = {
    "add-column": [((0, 0, 0), _R), ((10, 3, 2), _I)],
    "add-column-auto-increment": [((0, 0, 0), _C)],
    "add-column-stored": [((0, 0, 0), _C)],
    "drop-column": [((0, 0, 0), _R), ((10, 4, 0), _I)],
    "drop-column-indexed": [((0, 0, 0), _R)],
    "drop-column-primary": [((0, 0, 0), _C)],
    "rename-column": [((0, 0, 0), _P), ((10, 3, 0), _I)],
    "reorder-column": [((0, 0, 0), _R), ((10, 4, 0), _I)],
    "column-default": [((0, 0, 0), _I)],
    "column-comment": [((0, 0, 0), _P), ((10, 3, 0), _I)],
    "varchar-extend": [((0, 0, 0), _P), ((10, 4, 3), _I)],
    "varchar-extend-length-bytes": [((0, 0, 0), _C)],
    "enum-append": [((0, 0, 0), _I)],
    "enum-change": [((0, 0, 0), _C)],
    "to-nullable": [((0, 0, 0), _R)],  # instant only for ROW_FORMAT=REDUNDANT (below)
    "to-nullable-redundant": [((0, 0, 0), _R), ((10, 4, 3), _I)],
    "to-not-null": [((0, 0, 0), _R)],
    "type-change": [((0, 0, 0), _C)],
    "charset-extend": [((0, 0, 0), _C), ((10, 4, 3), _I)],  # utf8mb3 -> utf8mb4, not indexed
    "charset-change": [((0, 0, 0), _C)],
    "collation-change": [((0, 0, 0), _C), ((10, 4, 3), _I)],  # not indexed
    "collation-change-indexed": [((0, 0, 0), _C), ((10, 4, 3), _P)],  # the index is rebuilt, not the table
    "compressed": [((0, 0, 0), _C)],
    "generated": [((0, 0, 0), _C)],
    "auto-increment": [((0, 0, 0), _C)],
    "add-index": [((0, 0, 0), _P)],
    "add-fulltext-index": [((0, 0, 0), _R)],
    "add-spatial-index": [((0, 0, 0), _P)],
    "drop-index": [((0, 0, 0), _P)],
    "rename-index": [((0, 0, 0), _I)],
    # indexes dropped and added again as they were, to restore their order: the server
    # takes that for no change unless the statement says FORCE, which rebuilds the table
    "reorder-indexes": [((0, 0, 0), _R)],
    "add-primary-key": [((0, 0, 0), _R)],
    "drop-primary-key": [((0, 0, 0), _C)],
    "add-foreign-key": [((0, 0, 0), _C)],  # INPLACE only with foreign_key_checks=0
    "drop-foreign-key": [((0, 0, 0), _P), ((10, 3, 2), _I)],
    "add-check": [((0, 0, 0), _C)],
    "drop-check": [((0, 0, 0), _I)],
    "column-check": [((0, 0, 0), _C)],  # a column's own CHECK added, changed or removed by MODIFY
    "engine": [((0, 0, 0), _C)],
    "row-format": [((0, 0, 0), _R)],
    "table-comment": [((0, 0, 0), _I)],
    "table-default-charset": [((0, 0, 0), _I)],
    "table-options": [((0, 0, 0), _R)],
    "partitioning": [((0, 0, 0), _C)],
}

MYSQL: dict[str, list[tuple[tuple[int, int, int], tuple[str, bool]]]] = {
    **MARIADB,
    "add-column": [((0, 0, 0), _R), ((8, 0, 12), _I)],  # last position only before 8.0.29
    "drop-column": [((0, 0, 0), _R), ((8, 0, 29), _I)],
    "rename-column": [((0, 0, 0), _P), ((8, 0, 28), _I)],
    "reorder-column": [((0, 0, 0), _R)],
    "varchar-extend": [((0, 0, 0), _P)],
    "to-nullable": [((0, 0, 0), _R)],
    "to-nullable-redundant": [((0, 0, 0), _R)],
    "drop-foreign-key": [((0, 0, 0), _P)],
    "charset-extend": [((0, 0, 0), _C)],
    "collation-change": [((0, 0, 0), _C)],
    "collation-change-indexed": [((0, 0, 0), _C)],
    "column-comment": [((0, 0, 0), _I)],
    "drop-check": [((0, 0, 0), _P)],
}


# operation -> lock level, where it is not the algorithm's usual one (see lock_of)
LOCKS: dict[str, str] = {
    "add-fulltext-index": SHARED,
    "add-spatial-index": SHARED,
}
MYSQL_LOCKS: dict[str, str] = {**LOCKS}


def lock_of(flavour: Flavour, op: str) -> str:
    """The least lock the server allows for ``op``: NONE for INSTANT and INPLACE, SHARED
    (reads go on, writes wait) for COPY, unless ``LOCKS`` says otherwise."""
    name, _ = _lookup(flavour, op)
    table = LOCKS if flavour.is_mariadb else MYSQL_LOCKS
    return table.get(op, SHARED if name == COPY else NONE)


def probe_order(flavour: Flavour) -> list[tuple[str, str]]:
    """(ALGORITHM, LOCK) pairs from the cheapest to the dearest, as a server is asked for
    them.  MariaDB 10.3+ has ``NOCOPY``: in place without rebuilding the table."""
    algorithms = [INSTANT]
    if flavour.is_mariadb and flavour.version >= (10, 3, 7):
        algorithms.append("NOCOPY")
    algorithms += [INPLACE, COPY]
    out = []
    for a in algorithms:
        for lock in (NONE, SHARED, EXCLUSIVE):
            if a == COPY and lock == NONE:
                continue
            out.append((a, lock))
    return out


def _lookup(flavour: Flavour, op: str) -> tuple[str, bool]:
    table = MARIADB if flavour.is_mariadb else MYSQL
    chosen = table[op][0][1]
    for since, value in table[op]:
        if flavour.version >= since:
            chosen = value
    return chosen


def _length_bytes(col: Column, table: Table | None) -> int:
    """Bytes a VARCHAR value's length takes: 1 up to 255 bytes of data, else 2."""
    charset = col.charset or (table.charset if table else None) or "utf8mb4"
    per_char = {"utf8mb4": 4, "utf16": 4, "utf32": 4, "utf8mb3": 3, "utf8": 3, "ucs2": 2}.get(charset, 1)
    return 1 if (col.type.length or 0) * per_char <= 255 else 2


def _indexed(table: Table | None, column: str) -> bool:
    if table is None:
        return False
    idx = ([table.primary_key] if table.primary_key else []) + list(table.indexes)
    return any(column in i.column_names for i in idx)


def column_ops(c: Alter, table: Table | None) -> list[tuple[str, str]]:
    """(operation, what) pairs for a column alteration."""
    old, new, ch = c.before, c.after, set(c.changed)
    ops: list[tuple[str, str]] = []
    type_parts = ch & {"type", "type_name", "length", "scale", "values", "unsigned", "zerofill"}
    if type_parts:
        if ch & {"type_name", "scale", "unsigned", "zerofill"}:
            ops.append(("type-change", f"type {old.type} -> {new.type}"))
        elif "values" in ch:
            appended = new.type.values[:len(old.type.values)] == old.type.values and \
                (len(new.type.values) <= 255 or len(old.type.values) > 255)
            ops.append(("enum-append" if appended else "enum-change",
                        "values appended" if appended else "values removed or reordered"))
        elif "length" in ch:
            if old.type.name in ("varchar", "varbinary") and (new.type.length or 0) > (old.type.length or 0):
                same = _length_bytes(old, table) == _length_bytes(new, table)
                ops.append(("varchar-extend" if same else "varchar-extend-length-bytes",
                            f"{old.type} -> {new.type}"))
            elif old.type.name in INTEGER_NAMES:
                ops.append(("column-comment", "display width"))
            else:
                ops.append(("type-change", f"{old.type} -> {new.type}"))
    if "nullable" in ch:
        redundant = table is not None and (table.row_format or "").upper() == "REDUNDANT"
        ops.append(("to-nullable-redundant" if redundant else "to-nullable", "NULL allowed") if new.nullable
                   else ("to-not-null", "NOT NULL"))
    if "charset" in ch:
        extend = (old.charset in ("utf8mb3", "utf8") and new.charset == "utf8mb4"
                  and not _indexed(table, old.name))
        ops.append(("charset-extend" if extend else "charset-change",
                    f"character set {old.charset} -> {new.charset}"))
    elif "collation" in ch:
        ops.append(("collation-change-indexed" if _indexed(table, old.name) else "collation-change",
                    f"collation {old.collation} -> {new.collation}"))
    return ops + _attribute_ops(ch, _COLUMN_ATTRIBUTE_OPS)


# (attributes, operation, what): a change of any of the attributes is that one operation
_COLUMN_ATTRIBUTE_OPS = (
    ({"compressed"}, "compressed", "COMPRESSED"),
    ({"generated", "generated_stored"}, "generated", "generated column expression"),
    ({"auto_increment"}, "auto-increment", "AUTO_INCREMENT"),
    ({"default", "on_update"}, "column-default", "default"),
    ({"comment", "invisible"}, "column-comment", "comment"),
    ({"position"}, "reorder-column", "position"),
    ({"check"}, "column-check", "column CHECK"),
)
_TABLE_ATTRIBUTE_OPS = (
    ({"comment"}, "table-comment", "table comment"),
    ({"charset", "collation"}, "table-default-charset", "table default character set"),
    ({"options"}, "table-options", "table options"),
    ({"partitioning"}, "partitioning", "partitioning"),
)


def _attribute_ops(changed: set[str], table: tuple[tuple[set[str], str, str], ...]) -> list[tuple[str, str]]:
    """(operation, what) of each row of ``table`` whose attributes are among ``changed``."""
    return [(op, what) for attributes, op, what in table if changed & attributes]


def change_ops(  # noqa: C901 - one branch per change kind, as the server's algorithm table
        c: Change, before: Table | None, after: Table | None) -> list[tuple[str, str]]:
    """(operation, what) pairs for one change of an existing table."""
    if c.kind == "column":
        if isinstance(c, Add):
            col: Column = c.after
            if col.auto_increment:
                return [("add-column-auto-increment", "AUTO_INCREMENT column added")]
            if col.generated and col.generated_stored:
                return [("add-column-stored", "STORED generated column added")]
            return [("add-column", "column added")]
        if isinstance(c, Drop):
            if before is not None and before.primary_key and c.before.name in before.primary_key.column_names:
                return [("drop-column-primary", "primary key column dropped")]
            if _indexed(before, c.before.name):
                return [("drop-column-indexed", "indexed column dropped")]
            return [("drop-column", "column dropped")]
        if isinstance(c, Rename):
            return [("rename-column", "column renamed")]
        assert isinstance(c, Alter), type(c).__name__
        return column_ops(c, before)
    if c.kind == "index":
        if isinstance(c, Rename):
            return [("rename-index", "index renamed")]
        old, new = c.before, c.after
        ops = []
        if old is not None and old.kind == "primary":
            if new is not None and new.kind == "primary":
                return [("add-primary-key", "primary key changed")]
            ops.append(("drop-primary-key", "primary key dropped"))
        elif old is not None:
            ops.append(("drop-index", "index dropped"))
        if new is not None:
            op = {"primary": "add-primary-key", "fulltext": "add-fulltext-index",
                  "spatial": "add-spatial-index"}.get(new.kind, "add-index")
            ops.append((op, f"{new.kind} index added"))
        return ops
    if c.kind == "foreign_key":
        if isinstance(c, Drop):
            return [("drop-foreign-key", "foreign key dropped")]
        return [("add-foreign-key", "foreign key added" if isinstance(c, Add) else "foreign key re-created")]
    if c.kind == "check":
        if isinstance(c, Drop):
            return [("drop-check", "CHECK dropped")]
        return [("add-check", "CHECK added")]
    if c.kind == "table" and isinstance(c, Alter):
        ops = []
        ch = set(c.changed)
        if "engine" in ch:
            ops.append(("engine", f"engine {c.before.engine} -> {c.after.engine}"))
        if "row_format" in ch:
            ops.append(("row-format", f"ROW_FORMAT {c.before.row_format} -> {c.after.row_format}"))
        ops += _attribute_ops(ch, _TABLE_ATTRIBUTE_OPS)
        if "index_order" in ch:
            ops.append(("reorder-indexes", "indexes re-created in another order"))
            fulltext = {i.name for i in (after.indexes if after is not None else ()) if i.kind == "fulltext"}
            if fulltext & set(c.after.index_order):
                ops.append(("add-fulltext-index", "FULLTEXT index re-created in another order"))
        if "check_order" in ch:
            ops.append(("add-check", "CHECKs re-created in another order"))
        return ops
    return []


def algorithm(c: Change, before: Table | None, after: Table | None, flavour: Flavour) -> Algorithm:
    """The algorithm the server needs for ``c`` (the most expensive of its parts)."""
    best = Algorithm(INSTANT)
    for op, what in change_ops(c, before, after):
        name, rebuild = _lookup(flavour, op)
        candidate = Algorithm(name, rebuild, what)
        if candidate.rank > best.rank:
            best = candidate
    return best


@dataclass(frozen=True)
class Prediction:
    """The algorithm and lock a change (or a statement's changes) needs, with the
    operations that decided it."""

    algorithm: Algorithm
    lock: str = NONE
    ops: tuple[str, ...] = ()

    @property
    def blocks_writes(self) -> bool:
        return self.lock in (SHARED, EXCLUSIVE)

    def __str__(self) -> str:
        return f"{self.algorithm}, LOCK={self.lock}"


def predict(changes, before: Table | None, after: Table | None, flavour: Flavour) -> Prediction:
    """The most expensive algorithm and the strongest lock among ``changes`` (all of one
    existing table), from the tables above."""
    best, lock, ops = Algorithm(INSTANT), NONE, []
    for c in changes:
        for op, what in change_ops(c, before, after):
            ops.append(op)
            name, rebuild = _lookup(flavour, op)
            candidate = Algorithm(name, rebuild, what)
            if candidate.rank > best.rank:
                best = candidate
            op_lock = lock_of(flavour, op)
            if _LOCK_RANK[op_lock] > _LOCK_RANK[lock]:
                lock = op_lock
    return Prediction(best, lock, tuple(ops))
