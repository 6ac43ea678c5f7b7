"""Typed schema changes.

Each change is a small frozen dataclass that names the object it touches and, for an
alteration, what changed inside it.  Every change has a ``reverse()``, and
``diff(b, a)`` is exactly ``[c.reverse() for c in diff(a, b)]`` up to ordering, which
the property tests check.

Kinds: ``database``, ``table``, ``column``, ``index``, ``foreign_key``, ``check``,
``view``, ``routine``, ``trigger``, ``event``, ``data``.  Sub-objects of a table carry
the table's name in ``table``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

KIND_ORDER = ("database", "table", "column", "index", "foreign_key", "check", "view", "routine",
              "trigger", "event", "data")


def object_name(obj: Any) -> str:
    """The name of a model object (routines are keyed ``PROCEDURE name``)."""
    key = getattr(obj, "key", None)
    if isinstance(key, str):
        return key
    name = getattr(obj, "name", None)
    if name is not None:
        return str(name)
    return getattr(obj, "table", "")


@dataclass(frozen=True)
class Change:
    """Base of every change."""

    action: ClassVar[str] = ""
    kind: str
    table: str | None

    @property
    def name(self) -> str:
        raise NotImplementedError

    def reverse(self) -> Change:
        raise NotImplementedError

    @property
    def path(self) -> str:
        """``Table.column``-style address of the object, for reports."""
        return f"{self.table}.{self.name}" if self.table and self.kind != "table" else self.name

    def sort_key(self) -> tuple[str, int, str, str, str]:
        return (self.table or (self.name if self.kind == "table" else ""),
                KIND_ORDER.index(self.kind), self.name.lower(), self.name, self.action)


@dataclass(frozen=True)
class Add(Change):
    """An object present only in the target.  ``after`` places a column: the name of the
    column before it in the target, or ``None`` for the first position."""

    action: ClassVar[str] = "add"
    obj: Any = None
    after: str | None = None

    @property
    def name(self) -> str:
        return object_name(self.obj)

    def reverse(self) -> Drop:
        return Drop(self.kind, self.table, self.obj, self.after)


@dataclass(frozen=True)
class Drop(Change):
    """An object present only in the source.  ``after`` is its place in the source."""

    action: ClassVar[str] = "drop"
    obj: Any = None
    after: str | None = None

    @property
    def name(self) -> str:
        return object_name(self.obj)

    def reverse(self) -> Add:
        return Add(self.kind, self.table, self.obj, self.after)


@dataclass(frozen=True)
class Alter(Change):
    """An object present on both sides with a different definition.

    ``changed`` names the attributes that differ (``type``, ``nullable``, ``default``,
    ``charset``, ``collation``, ``comment``, ``position``, ``unsigned``, ``values`` ...).
    For a column whose place changed, ``old_after``/``new_after`` give its predecessor.
    """

    action: ClassVar[str] = "alter"
    old: Any = None
    new: Any = None
    changed: tuple[str, ...] = ()
    old_after: str | None = None
    new_after: str | None = None

    @property
    def name(self) -> str:
        return object_name(self.new)

    def reverse(self) -> Alter:
        return Alter(self.kind, self.table, self.new, self.old, self.changed,
                     self.new_after, self.old_after)


@dataclass(frozen=True)
class Rename(Change):
    """An object renamed, definition otherwise equal (other differences come as a
    separate :class:`Alter` under the new name).

    ``confirmed`` is True for a rename the tool is sure of (the names differ only in
    letter case, which MariaDB treats as the same column); a likely rename found by
    matching definitions is ``confirmed=False`` and must be confirmed by a person before
    a revision relies on it."""

    action: ClassVar[str] = "rename"
    old: Any = None
    new: Any = None
    confirmed: bool = True
    reason: str = field(default="", compare=True)

    @property
    def name(self) -> str:
        return object_name(self.new)

    @property
    def old_name(self) -> str:
        return object_name(self.old)

    def reverse(self) -> Rename:
        return Rename(self.kind, self.table, self.new, self.old, self.confirmed, self.reason)

    def sort_key(self) -> tuple[str, int, str, str, str]:
        # sort under the name both sides agree on (the lower of the two), so a rename and its
        # reverse land in the same place
        pair = sorted([object_name(self.old), object_name(self.new)])
        table = self.table or pair[0] if self.kind != "table" else pair[0]
        return (table, KIND_ORDER.index(self.kind), pair[0].lower(), pair[0], self.action)
