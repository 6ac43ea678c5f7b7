"""What a rule sees: one schema change (a revision, or two states), its typed changes,
the two states, the revision's SQL text when there is a revision file, the target
flavour, and, when a database was given, the sizes of its tables and a probe that counts
its rows (:mod:`.data`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, TypeGuard

from ..diff.changes import Add, Change, Drop, Rename
from ..flavour import MARIADB, Flavour
from ..model.objects import Schema, Table
from ..render.change_lines import change_line, clean
from ..dialect.lexer import Tok, tokenize
from ..migrate.revfile import Call, RevisionFile

if TYPE_CHECKING:
    from .data import DataProbe


@dataclass(frozen=True)
class TableStats:
    """information_schema.TABLES for one table (``rows`` is the server's estimate)."""

    name: str
    rows: int
    bytes: int


@dataclass
class ReviewContext:
    label: str  # the revision id, or "A -> B" for two states
    before: Schema
    after: Schema
    changes: list[Change]
    revision: RevisionFile | None = None
    flavour: Flavour = MARIADB
    stats: dict[str, TableStats] | None = None
    data: DataProbe | None = None  # counts rows of the database, named as before the change
    notes: list[str] = field(default_factory=list)
    cache: dict = field(default_factory=dict)  # shared results of rules (computed once)

    # -- changes ------------------------------------------------------------------------

    def of(self, kind: str, *types: type) -> Iterator[Change]:
        """Changes of ``kind`` (``table``, ``column``...) and of the given classes."""
        for c in self.changes:
            if c.kind == kind and (not types or isinstance(c, types)):
                yield c

    @cached_property
    def added_tables(self) -> frozenset[str]:
        return frozenset(c.name for c in self.of("table", Add))

    @cached_property
    def dropped_tables(self) -> frozenset[str]:
        return frozenset(c.name for c in self.of("table", Drop))

    @cached_property
    def table_renames(self) -> dict[str, str]:
        """Old name -> new name."""
        return {c.old_name: c.name for c in self.of("table", Rename) if isinstance(c, Rename)}

    def is_existing(self, table: str | None) -> TypeGuard[str]:
        """Whether ``table`` (named as in the target) had rows before: it is not new."""
        return table is not None and table not in self.added_tables

    def before_table(self, table: str) -> Table | None:
        old = {v: k for k, v in self.table_renames.items()}.get(table, table)
        return self.before.table(old)

    def populated(self, table: str | None) -> bool:
        """Whether ``table`` may hold rows: it existed before, and the server (when one
        was given) does not report it empty."""
        if not self.is_existing(table):
            return False
        if self.stats is not None and self.before_name(table) in self.stats:
            return self.stats[self.before_name(table)].rows > 0
        return True

    def rows_note(self, table: str | None) -> str:
        if self.stats is None or table is None:
            return ""
        s = self.stats.get(self.before_name(table))
        if s is None:
            return ""
        return f" ({s.rows:,} rows, {_size(s.bytes)})"

    def before_name(self, table: str) -> str:
        return {v: k for k, v in self.table_renames.items()}.get(table, table)

    def before_column(self, table: str, column: str) -> str | None:
        """The name ``column`` of ``table`` (both named as in the target) had before the
        change; ``None`` when it is new (or its table is)."""
        renamed = [c for c in self.of("column", Rename) if isinstance(c, Rename) and c.table == table]
        for c in renamed:
            if c.name == column:
                return c.old_name
        if any(c.old_name == column for c in renamed):
            return None  # a new column under the name another one had
        old = self.before_table(table) if self.is_existing(table) else None
        if old is None:
            return None
        found = old.column(column) or next((c for c in old.columns if c.name.lower() == column.lower()), None)
        return found.name if found is not None else None

    def before_columns(self, table: str, columns: tuple[str, ...] | list[str]) -> tuple[str, ...] | None:
        """:meth:`before_column` of each, or ``None`` when one of them is new."""
        out = [self.before_column(table, c) for c in columns]
        names = tuple(n for n in out if n is not None)
        return names if len(names) == len(out) else None

    @cached_property
    def changes_rows(self) -> bool:
        """Whether the revision's upgrade runs a data statement (INSERT, UPDATE, DELETE...,
        SchemaStatus bookkeeping aside): rows counted before it may not be the rows its
        DDL meets."""
        from ..migrate.scripts import classify

        return any(classify(c.sql or "").kind == "data" for c in self.statements("upgrade"))

    # -- text ---------------------------------------------------------------------------

    @staticmethod
    def describe(change: Change) -> str:
        return change_line(change)

    @staticmethod
    def subject(change: Change) -> str:
        kind = change.kind.replace("_", " ")
        if isinstance(change, Rename):
            return clean(f"{kind} {change.table + '.' if change.table and change.kind != 'table' else ''}"
                         f"{change.old_name} -> {change.name}")
        return clean(f"{kind} {change.path}")

    def statements(self, which: str = "upgrade") -> list[Call]:
        """The revision's SQL statements (none for two states)."""
        return self.revision.statements(which) if self.revision else []

    @cached_property
    def statement_tokens(self) -> list[tuple[Call, list[Tok]]]:
        return [(c, tokenize(c.sql or "", lenient=True)) for c in self.statements("upgrade")]


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def excerpt(sql: str, limit: int = 100) -> str:
    """A statement on one line, shortened."""
    one = " ".join(sql.split())
    return clean(one if len(one) <= limit else one[:limit - 3] + "...")

