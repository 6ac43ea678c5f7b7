"""The statement objects of table DDL, as :mod:`.ddl_parse` returns them.

Expressions (defaults, generated columns, checks) stay sqlglot trees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp


@dataclass
class TypeSpec:
    """A column type as written: ``name`` lower case, words joined by one space."""

    name: str
    args: tuple[str, ...] | None = None  # numeric arguments as written, None without parens
    values: tuple[str, ...] = ()  # enum/set values, unescaped
    charset: str | None = None
    collate: str | None = None
    # the attribute words written with the type, upper case: UNSIGNED, SIGNED, ZEROFILL,
    # BINARY (of a character type, ``varchar(5) binary``), ASCII, UNICODE, BYTE, COMPRESSED
    attributes: set[str] = field(default_factory=set)


@dataclass
class ColumnSpec:
    name: str
    type: TypeSpec
    null: bool | None = None  # True: NULL, False: NOT NULL, None: unspecified
    default: exp.Expr | None = None  # None: no DEFAULT clause
    on_update: exp.Expr | None = None
    auto_increment: bool = False
    comment: str | None = None
    generated: exp.Expr | None = None
    stored: bool = False
    invisible: bool = False
    compressed: bool = False
    check: exp.Expr | None = None
    key: str | None = None  # primary / unique (inline PRIMARY KEY, KEY, UNIQUE [KEY])
    unique_key: bool = False
    references: ForeignKeySpec | None = None
    serial_default_value: bool = False
    position: tuple[str, str | None] | None = None  # ("FIRST", None) / ("AFTER", col)


@dataclass
class KeyPart:
    column: str
    length: int | None = None
    descending: bool = False


@dataclass
class KeySpec:
    kind: str  # primary / unique / index / fulltext / spatial
    name: str | None
    parts: list[KeyPart]
    using: str | None = None
    comment: str | None = None
    if_not_exists: bool = False
    ignored: bool = False
    constraint: str | None = None  # CONSTRAINT name written before PRIMARY KEY / UNIQUE


@dataclass
class ForeignKeySpec:
    constraint: str | None
    index_name: str | None
    columns: list[str]
    ref_schema: str | None
    ref_table: str
    ref_columns: list[str]
    on_delete: str | None = None
    on_update: str | None = None
    if_not_exists: bool = False


@dataclass
class CheckSpec:
    name: str | None
    expr: exp.Expr
    if_not_exists: bool = False


@dataclass
class CreateTable:
    name: str
    schema: str | None
    or_replace: bool = False
    if_not_exists: bool = False
    temporary: bool = False
    elements: list[Any] = field(default_factory=list)  # ColumnSpec/KeySpec/ForeignKeySpec/CheckSpec
    options: list[tuple[str, Any]] = field(default_factory=list)
    like: tuple[str | None, str] | None = None
    select: bool = False
    partition: bool = False


@dataclass
class IndexStatement:
    """CREATE INDEX / DROP INDEX: the ALTER TABLE of one action on ``table`` it stands for."""

    table: str
    schema: str | None
    options: list[NoOp]  # ALGORITHM= / LOCK=

    def alter_table(self, action: Any) -> AlterTable:
        return AlterTable(self.table, self.schema, [action, *self.options])


@dataclass
class CreateIndex(IndexStatement):
    key: KeySpec
    or_replace: bool = False


@dataclass
class DropTable:
    tables: list[tuple[str | None, str]]
    if_exists: bool = False
    temporary: bool = False


@dataclass
class DropIndex(IndexStatement):
    name: str
    if_exists: bool = False


@dataclass
class RenameTable:
    pairs: list[tuple[tuple[str | None, str], tuple[str | None, str]]]


@dataclass
class Truncate:
    table: str
    schema: str | None


@dataclass
class AlterTable:
    name: str
    schema: str | None
    actions: list[Any] = field(default_factory=list)
    ignore: bool = False
    partition: bool = False
    online: bool = False


# ALTER TABLE actions


@dataclass
class AddColumn:
    column: ColumnSpec
    if_not_exists: bool = False


@dataclass
class ChangeColumn:
    old: str
    column: ColumnSpec
    if_exists: bool = False
    modify: bool = False


@dataclass
class DropColumn:
    name: str
    if_exists: bool = False


@dataclass
class RenameColumn:
    old: str
    new: str
    if_exists: bool = False


@dataclass
class AlterColumnDefault:
    name: str
    default: exp.Expr | None  # None: DROP DEFAULT
    if_exists: bool = False


@dataclass
class AddKey:
    key: KeySpec


@dataclass
class AddForeignKey:
    fk: ForeignKeySpec


@dataclass
class AddCheck:
    check: CheckSpec


@dataclass
class DropPrimaryKey:
    pass


@dataclass
class DropKey:
    name: str
    if_exists: bool = False


@dataclass
class DropForeignKey:
    name: str
    if_exists: bool = False


@dataclass
class DropConstraint:
    name: str
    if_exists: bool = False


@dataclass
class RenameKey:
    old: str
    new: str
    if_exists: bool = False


@dataclass
class AlterKeyIgnored:
    name: str
    ignored: bool


@dataclass
class RenameTo:
    schema: str | None
    name: str


@dataclass
class ConvertCharset:
    charset: str | None  # None: DEFAULT
    collate: str | None


@dataclass
class TableOption:
    key: str
    value: Any


@dataclass
class NoOp:
    what: str
