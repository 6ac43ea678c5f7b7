"""Typed schema changes.

Each change is a small frozen dataclass that holds the object it touches as it is
``before`` and ``after`` the change (None on the side where it does not exist) and, for an
alteration, what changed inside it.  Every change has a ``reverse()``, and
``diff(b, a)`` is exactly ``[c.reverse() for c in diff(a, b)]`` up to ordering, which
the property tests check.

Kinds: ``database``, ``table``, ``column``, ``index``, ``foreign_key``, ``check``,
``view``, ``routine``, ``trigger``, ``event``, ``data``.  Sub-objects of a table carry
the table's name in ``table``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic

from typing_extensions import TypeVar

from ..model.objects import Check, Column, Event, ForeignKey, Index, Routine, Row, Schema, Table, Trigger, View

KIND_ORDER = ("database", "table", "column", "index", "foreign_key", "check", "view", "routine",
              "trigger", "event", "data")


@dataclass(frozen=True)
class DatabaseDefaults:
    """The object of a ``database`` change: the database's default character set and
    collation, held as a :class:`Schema` with nothing else in it."""

    schema: Schema
    name: str = "(database)"


# what a change can be about: a table's shell (``table``), one of its parts, a database-level
# object, a row of lookup data (``data``) or the database defaults
ModelObject = (Table | Column | Index | ForeignKey | Check | View | Routine | Trigger | Event | Row
               | DatabaseDefaults)
# the type of the object a change is about; a list of mixed changes is ``list[Change]``,
# whose objects are told apart by ``kind``
Obj = TypeVar("Obj", bound=ModelObject, default=Any)


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
class Change(Generic[Obj]):
    """Base of every change: the object ``before`` it (None for an :class:`Add`) and
    ``after`` it (None for a :class:`Drop`)."""

    action: ClassVar[str] = ""
    kind: str
    table: str | None

    if TYPE_CHECKING:
        # each subclass has them as fields, or as a class attribute None on the side an
        # Add or a Drop lacks (a dataclass field cannot take the place of a property it
        # inherits), so the base declares them to the type checker only
        @property
        def before(self) -> Obj | None: ...

        @property
        def after(self) -> Obj | None: ...

    @property
    def name(self) -> str:
        """The object's name: on the side it exists on, the new one for a rename."""
        return object_name(self.before if self.after is None else self.after)

    def reverse(self) -> Change[Obj]:
        raise NotImplementedError

    @property
    def path(self) -> str:
        """``Table.column``-style address of the object, for reports."""
        return f"{self.table}.{self.name}" if self.table and self.kind != "table" else self.name

    def sort_key(self) -> tuple[str, int, str, str, str]:
        return (self.table or (self.name if self.kind == "table" else ""),
                KIND_ORDER.index(self.kind), self.name.lower(), self.name, self.action)


@dataclass(frozen=True)
class Add(Change[Obj]):
    """An object present only in the target.  ``place`` places a column: the name of the
    column before it in the target, or ``None`` for the first position."""

    action: ClassVar[str] = "add"
    before = None
    after: Obj
    place: str | None = None

    def reverse(self) -> Drop[Obj]:
        return Drop(self.kind, self.table, self.after, self.place)


@dataclass(frozen=True)
class Drop(Change[Obj]):
    """An object present only in the source.  ``place`` is its place in the source."""

    action: ClassVar[str] = "drop"
    before: Obj
    after = None
    place: str | None = None

    def reverse(self) -> Add[Obj]:
        return Add(self.kind, self.table, self.before, self.place)


@dataclass(frozen=True)
class Alter(Change[Obj]):
    """An object present on both sides with a different definition.

    ``changed`` names the attributes that differ (``type``, ``nullable``, ``default``,
    ``charset``, ``collation``, ``comment``, ``position``, ``unsigned``, ``values`` ...).
    For a column whose place changed, ``before_place``/``after_place`` give its predecessor.
    """

    action: ClassVar[str] = "alter"
    before: Obj
    after: Obj
    changed: tuple[str, ...] = ()
    before_place: str | None = None
    after_place: str | None = None

    def reverse(self) -> Alter[Obj]:
        return Alter(self.kind, self.table, self.after, self.before, self.changed,
                     self.after_place, self.before_place)


@dataclass(frozen=True)
class Rename(Change[Obj]):
    """An object renamed, definition otherwise equal (other differences come as a
    separate :class:`Alter` under the new name).

    ``confirmed`` is True for a rename the tool is sure of (the names differ only in
    letter case, which MariaDB treats as the same column); a likely rename found by
    matching definitions is ``confirmed=False`` and must be confirmed by a person before
    a revision relies on it."""

    action: ClassVar[str] = "rename"
    before: Obj
    after: Obj
    confirmed: bool = True
    reason: str = field(default="", compare=True)

    @property
    def old_name(self) -> str:
        return object_name(self.before)

    def reverse(self) -> Rename[Obj]:
        return Rename(self.kind, self.table, self.after, self.before, self.confirmed, self.reason)

    def sort_key(self) -> tuple[str, int, str, str, str]:
        # sort under the name both sides agree on (the lower of the two), so a rename and its
        # reverse land in the same place
        pair = sorted([object_name(self.before), object_name(self.after)])
        table = self.table or pair[0] if self.kind != "table" else pair[0]
        return (table, KIND_ORDER.index(self.kind), pair[0].lower(), pair[0], self.action)
