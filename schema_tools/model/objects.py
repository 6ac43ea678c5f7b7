"""The canonical schema model: small immutable objects, one per kind of schema object.

Values are kept in the spelling the server flavour reports (for MariaDB: ``int(11)``,
``current_timestamp()``, ``'text'`` for a string default).  Everything that is
collection-like is a tuple, ordered canonically: columns in table order, every other
collection by name, so equal schemas give equal objects whatever the creation order.
The order the server lists a table's indexes and checks in is kept apart, in
``Table.index_order`` and ``Table.check_order`` (see :mod:`.order`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import Field, dataclass, field, fields
from typing import Any

# ---------------------------------------------------------------------------------------
# Column types


_TYPE_RE = re.compile(
    r"^(?P<name>[a-z0-9_ ]+?)(?:\((?P<args>.*)\))?(?P<attrs>(?: (?:signed|unsigned|zerofill))*)"
    r"(?P<compressed> /\*M!100301 COMPRESSED\*/)?$",
    re.IGNORECASE | re.DOTALL,
)
_STRING_TYPES = frozenset(
    "char varchar tinytext text mediumtext longtext enum set".split()
)


def _split_quoted_list(text: str) -> tuple[str, ...]:
    """Parse ``'a','b''c'`` (the server's enum/set spelling) into its values."""
    values: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] != "'":
            raise ValueError(f"bad enum/set value list: {text!r}")
        i += 1
        buf: list[str] = []
        while i < n:
            ch = text[i]
            if ch == "'" and i + 1 < n and text[i + 1] == "'":
                buf.append("'")
                i += 2
            elif ch == "\\" and i + 1 < n:
                buf.append(text[i + 1])
                i += 2
            elif ch == "'":
                i += 1
                break
            else:
                buf.append(ch)
                i += 1
        values.append("".join(buf))
        if i < n:
            if text[i] != ",":
                raise ValueError(f"bad enum/set value list: {text!r}")
            i += 1
    return tuple(values)


def quote_string(value: str) -> str:
    """Quote a string literal the way MariaDB's SHOW CREATE does."""
    out = value.replace("\\", "\\\\").replace("'", "''")
    out = out.replace("\0", "\\0").replace("\n", "\\n").replace("\r", "\\r").replace("\x1a", "\\Z")
    return f"'{out}'"


@dataclass(frozen=True)
class DataType:
    """A column type: base name, length/precision, scale, enum/set values, sign and fill.

    ``length`` is the display width of integer types as the flavour reports it, the
    length of string types, the precision of decimal types and the fractional-second
    precision of temporal types.
    """

    name: str
    length: int | None = None
    scale: int | None = None
    values: tuple[str, ...] = ()
    unsigned: bool = False
    zerofill: bool = False

    @classmethod
    def parse(cls, text: str) -> DataType:
        """Parse a server ``COLUMN_TYPE`` such as ``decimal(10,2) unsigned``."""
        m = _TYPE_RE.match(text.strip())
        if not m:
            raise ValueError(f"unrecognised column type: {text!r}")
        name = m.group("name").lower()
        args = m.group("args")
        attrs = (m.group("attrs") or "").lower().split()
        length = scale = None
        values: tuple[str, ...] = ()
        if args is not None:
            if name in ("enum", "set"):
                values = _split_quoted_list(args)
            else:
                parts = [p.strip() for p in args.split(",")]
                length = int(parts[0])
                if len(parts) > 1:
                    scale = int(parts[1])
        return cls(name, length, scale, values, "unsigned" in attrs, "zerofill" in attrs)

    @property
    def is_string(self) -> bool:
        return self.name in _STRING_TYPES

    def sql(self) -> str:
        """The type as the server spells it (``COLUMN_TYPE`` without ``COMPRESSED``)."""
        out = self.name
        if self.values or self.name in ("enum", "set"):
            out += "(" + ",".join(quote_string(v) for v in self.values) + ")"
        elif self.length is not None:
            out += f"({self.length}" + (f",{self.scale}" if self.scale is not None else "") + ")"
        if self.unsigned:
            out += " unsigned"
        if self.zerofill:
            out += " zerofill"
        return out

    def __str__(self) -> str:
        return self.sql()


# ---------------------------------------------------------------------------------------
# Tables


@dataclass(frozen=True)
class Column:
    """One column.

    ``default`` is the SQL text of the default as the server reports it: ``'abc'`` for a
    string literal, ``0`` or ``1.50`` or ``b'1'`` for other literals, ``NULL``, or an
    expression such as ``current_timestamp()``; ``None`` means the column has no DEFAULT.
    ``check`` is a column-level CHECK clause (MariaDB's implicit ``json_valid`` is one).
    ``generated`` is the expression of a generated column and ``generated_stored`` says
    whether it is STORED (otherwise VIRTUAL).
    """

    name: str
    type: DataType
    nullable: bool = True
    default: str | None = None
    auto_increment: bool = False
    on_update: str | None = None
    charset: str | None = None
    collation: str | None = None
    comment: str = ""
    generated: str | None = None
    generated_stored: bool = False
    invisible: bool = False
    compressed: bool = False
    check: str | None = None

    @property
    def default_kind(self) -> str | None:
        """``None`` (no default), ``"null"``, ``"literal"`` or ``"expression"``."""
        d = self.default
        if d is None:
            return None
        if d == "NULL":
            return "null"
        if d.startswith("'") or re.fullmatch(r"-?[0-9.]+(e[-+]?[0-9]+)?|[bx]'[0-9a-fA-F]*'", d, re.I):
            return "literal"
        return "expression"


@dataclass(frozen=True)
class IndexColumn:
    """One part of an index: a column (or an expression), with prefix length and order."""

    name: str
    length: int | None = None
    descending: bool = False


@dataclass(frozen=True)
class Index:
    """An index.  ``kind`` is ``primary``, ``unique``, ``index``, ``fulltext`` or ``spatial``.

    ``using`` is the algorithm written in the definition (``BTREE``/``HASH``), or ``None``
    when the definition does not name one.
    """

    name: str
    columns: tuple[IndexColumn, ...]
    kind: str = "index"
    using: str | None = None
    comment: str = ""
    ignored: bool = False

    @property
    def unique(self) -> bool:
        return self.kind in ("primary", "unique")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key.  ON DELETE/ON UPDATE are kept as the server reports them, so
    ``RESTRICT`` and ``NO ACTION`` stay distinct.  ``ref_schema`` is set only when the
    referenced table lives in another database."""

    name: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str = "RESTRICT"
    on_update: str = "RESTRICT"
    ref_schema: str | None = None


@dataclass(frozen=True)
class Check:
    """A table-level CHECK constraint."""

    name: str
    clause: str


@dataclass(frozen=True)
class Table:
    """A base table.  ``row_format`` is set only when the definition names one.
    ``options`` holds the remaining table options (``STATS_PERSISTENT=1``, Aria's
    ``PAGE_CHECKSUM=1`` ...) as ``SHOW CREATE TABLE`` prints them, in its order;
    ``partitioning`` the partitioning clause verbatim.

    ``index_order`` names the indexes other than the primary key in the order
    ``SHOW CREATE TABLE`` lists them, and ``check_order`` the table checks; each is empty
    when the order is the default one (:func:`~schema_tools.model.order.default_index_order`,
    checks by name), so that a table in the default order has the same snapshot (and
    fingerprint) as before the order was modelled."""

    name: str
    columns: tuple[Column, ...]
    primary_key: Index | None = None
    indexes: tuple[Index, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    checks: tuple[Check, ...] = ()
    engine: str | None = "InnoDB"
    charset: str | None = None
    collation: str | None = None
    row_format: str | None = None
    comment: str = ""
    options: str = ""
    partitioning: str | None = None
    index_order: tuple[str, ...] = ()
    check_order: tuple[str, ...] = ()

    def column(self, name: str) -> Column | None:
        for c in self.columns:
            if c.name == name:
                return c
        return None


# ---------------------------------------------------------------------------------------
# Views, routines, triggers, events


@dataclass(frozen=True)
class View:
    name: str
    definition: str
    algorithm: str = "UNDEFINED"
    security: str = "DEFINER"
    check_option: str = "NONE"
    definer: str | None = None
    charset_client: str | None = None
    collation_connection: str | None = None


@dataclass(frozen=True, kw_only=True)
class Stored:
    """What the server keeps with a routine, trigger or event besides its definition: the
    ``sql_mode``, the definer and the character sets of the session that created it, and
    the database's collation at the time.  Keyword-only, so that they come after the
    object's own attributes (:func:`model_fields`)."""

    sql_mode: str = ""
    definer: str | None = None
    charset_client: str | None = None
    collation_connection: str | None = None
    database_collation: str | None = None


@dataclass(frozen=True)
class Parameter:
    """A routine parameter.  ``mode`` is IN/OUT/INOUT (``None`` for functions)."""

    name: str
    type: str
    mode: str | None = "IN"


def canonical_param_list(kind: str, parameters: tuple[Parameter, ...]) -> str:
    """The parameter list in the tool's own spelling: ``IN `p_id` int(11), ...``."""
    return ", ".join(
        (f"{p.mode} " if kind == "PROCEDURE" and p.mode else "")
        + "`" + p.name.replace("`", "``") + "` " + p.type
        for p in parameters
    )


@dataclass(frozen=True)
class Routine(Stored):
    """A stored procedure or function; ``body`` is kept verbatim.

    ``param_list`` is the text between the parentheses of the parameter list as the
    source wrote it, which the server keeps and ``SHOW CREATE`` prints; ``None`` when it is
    the tool's own spelling of ``parameters`` (:func:`canonical_param_list`), to which
    equal text is normalised.  ``parameters`` holds what the server makes of that text.
    The ``RETURNS`` clause needs no such field: the server rewrites it into its own
    spelling, which ``returns`` holds.
    """

    name: str
    kind: str  # PROCEDURE or FUNCTION
    body: str
    parameters: tuple[Parameter, ...] = ()
    returns: str | None = None
    deterministic: bool = False
    data_access: str = "CONTAINS SQL"
    security: str = "DEFINER"
    comment: str = ""
    param_list: str | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        if self.param_list is not None and self.param_list == canonical_param_list(self.kind, self.parameters):
            object.__setattr__(self, "param_list", None)

    @property
    def key(self) -> str:
        return f"{self.kind} {self.name}"

    @property
    def param_text(self) -> str:
        """The parameter list as ``SHOW CREATE`` prints it."""
        if self.param_list is not None:
            return self.param_list
        return canonical_param_list(self.kind, self.parameters)


@dataclass(frozen=True)
class Trigger(Stored):
    name: str
    table: str
    timing: str  # BEFORE / AFTER
    event: str  # INSERT / UPDATE / DELETE
    statement: str
    order: int = 1


@dataclass(frozen=True)
class Event(Stored):
    name: str
    definition: str
    schedule: str  # "AT '...'" or "EVERY 1 DAY STARTS '...' [ENDS '...']"
    status: str = "ENABLED"
    on_completion: str = "NOT PRESERVE"
    comment: str = ""


@dataclass(frozen=True)
class TableData:
    """Rows of a small lookup table, tracked as part of the schema (e.g. ``AdminVar``).

    ``rows`` are tuples of the SQL literal text of each value (``QUOTE()`` of the server:
    ``'text'``, ``'1'``, ``NULL``), ordered by primary key."""

    table: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str | None, ...], ...] = ()


@dataclass(frozen=True)
class Row:
    """One row of a lookup table, for data changes: ``name`` is its key as text
    (``id=3``), ``values`` maps column names to SQL literal text."""

    name: str
    table: str
    key: tuple[tuple[str, str | None], ...]
    values: tuple[tuple[str, str | None], ...]

    def get(self, column: str) -> str | None:
        """The SQL literal of ``column`` in this row."""
        return dict(self.values).get(column)


@dataclass(frozen=True)
class Schema:
    """One database: its defaults and every object in it, keyed and sorted by name."""

    flavour: str = "mariadb"
    charset: str | None = None
    collation: str | None = None
    tables: tuple[Table, ...] = ()
    views: tuple[View, ...] = ()
    routines: tuple[Routine, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    events: tuple[Event, ...] = ()
    data: tuple[TableData, ...] = ()

    def __post_init__(self) -> None:
        # canonical order, whatever order the caller used
        object.__setattr__(self, "tables", tuple(sorted(self.tables, key=lambda t: t.name)))
        object.__setattr__(self, "views", tuple(sorted(self.views, key=lambda v: v.name)))
        object.__setattr__(
            self, "routines", tuple(sorted(self.routines, key=lambda r: (r.kind, r.name)))
        )
        object.__setattr__(self, "triggers", tuple(sorted(self.triggers, key=lambda t: t.name)))
        object.__setattr__(self, "events", tuple(sorted(self.events, key=lambda e: e.name)))
        object.__setattr__(self, "data", tuple(sorted(self.data, key=lambda d: d.table)))

    def table(self, name: str) -> Table | None:
        for t in self.tables:
            if t.name == name:
                return t
        return None

    @property
    def procedures(self) -> tuple[Routine, ...]:
        return tuple(r for r in self.routines if r.kind == "PROCEDURE")

    @property
    def functions(self) -> tuple[Routine, ...]:
        return tuple(r for r in self.routines if r.kind == "FUNCTION")

    def counts(self) -> Mapping[str, int]:
        """Object counts by kind, for summaries."""
        return {
            "tables": len(self.tables),
            "columns": sum(len(t.columns) for t in self.tables),
            "indexes": sum(len(t.indexes) + (t.primary_key is not None) for t in self.tables),
            "foreign_keys": sum(len(t.foreign_keys) for t in self.tables),
            "checks": sum(len(t.checks) + sum(c.check is not None for c in t.columns)
                          for t in self.tables),
            "views": len(self.views),
            "procedures": len(self.procedures),
            "functions": len(self.functions),
            "triggers": len(self.triggers),
            "events": len(self.events),
            "lookup_tables": len(self.data),
        }


_MODEL_FIELDS: dict[type, tuple[Field[Any], ...]] = {}


def model_fields(cls: type) -> tuple[Field[Any], ...]:
    """The attributes of a model class in their canonical order, which snapshot files and
    the diff's list of changed attributes follow: its constructor's order, the positional
    attributes first, then the keyword-only ones (those of :class:`Stored`, then the
    class's own).  Computed once per class."""
    known = _MODEL_FIELDS.get(cls)
    if known is None:
        every = fields(cls)
        known = _MODEL_FIELDS[cls] = (tuple(f for f in every if not f.kw_only)
                                      + tuple(f for f in every if f.kw_only))
    return known


__all__ = [
    "Check", "Column", "DataType", "Event", "ForeignKey", "Index",
    "IndexColumn", "Parameter", "Routine", "Row", "Schema", "Stored", "Table", "TableData", "Trigger",
    "View", "model_fields", "quote_string",
]

