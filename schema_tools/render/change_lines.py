"""One change on one line, and the pieces every diff report format shares.

Hostile-text escaping (:func:`clean`), the deterministic order of changes and their
grouping per table, the display of altered values, :func:`change_line` and the summary
counts.  The writers in :mod:`schema_tools.render.diff_report` build on them.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from ..dialect.ddl import (
    check_definition, column_definition, foreign_key_definition, index_definition, quote_ident,
)
from ..diff.changes import KIND_ORDER, Add, Alter, Change, DatabaseDefaults, Drop, Rename
from ..model.objects import (
    Check, Column, DataType, ForeignKey, Index, IndexColumn, Parameter, Routine, Row, Table,
    Trigger, quote_string,
)
from ..model.snapshot import to_dict

ACTIONS = ("add", "drop", "alter", "rename")
_ACTION_ORDER = {"drop": 0, "rename": 1, "alter": 2, "add": 3}
_MARK = {"add": "+", "drop": "-", "alter": "~", "rename": ">"}
_LIKELY_MARK = "?"

# attributes whose values the column type breakdown reports; shown once, as ``type``
_TYPE_PARTS = {"type_name": "name", "length": "length", "scale": "scale", "values": "values",
               "unsigned": "unsigned", "zerofill": "zerofill"}
# display order of altered attributes (the rest follow alphabetically)
_ATTR_ORDER = ("type", "nullable", "default", "on_update", "auto_increment", "generated",
               "generated_stored", "charset", "collation", "comment", "position")
# a string value longer than _LONG_TEXT (or on several lines) is summarised on one line
# and shown as a unified diff where the format allows it; a list longer than _LONG shows
# only the items removed and added
_LONG = 80
_LONG_TEXT = 160

_DB_OBJECT_KINDS = ("view", "routine", "trigger", "event", "data")


# ---------------------------------------------------------------------------------------
# Hostile text


def _escape_char(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def clean(text: str, *, keep: str = "") -> str:
    """``text`` with control characters, invisible format characters (bidi overrides,
    zero-width spaces) and line/paragraph separators escaped, so that one name stays on
    one line and reads as what it is."""
    if text.isascii() and text.isprintable():  # nothing to escape: no control character
        return text
    return "".join(
        _escape_char(ch) if ch not in keep and unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")
        else ch
        for ch in text
    )


# ---------------------------------------------------------------------------------------
# Ordering and grouping


def change_object(change: Change) -> Any:
    """The object a change is about: as it is after the change, or the one it drops."""
    return change.before if change.after is None else change.after


def _group_of(change: Change) -> tuple[int, str, str]:
    """(section, key, name): section 0 database, 1 tables, 2 database-level objects."""
    if change.kind == "database":
        return (0, "", "")
    if change.kind == "table":
        return (1, change.name.lower(), change.name)
    if change.table:
        return (1, change.table.lower(), change.table)
    return (2, f"{_DB_OBJECT_KINDS.index(change.kind) if change.kind in _DB_OBJECT_KINDS else 99:02d}",
            change.kind)


def _change_key(change: Change) -> tuple:
    return (_group_of(change), KIND_ORDER.index(change.kind) if change.kind in KIND_ORDER else 99,
            change.name.lower(), change.name, _ACTION_ORDER.get(change.action, 9),
            getattr(change, "old_name", ""), raw_line(change))


_C = TypeVar("_C", bound=Change)


def order_changes(changes: Iterable[_C]) -> list[_C]:
    """The report order: total and independent of the input order."""
    return sorted(changes, key=_change_key)


def group_changes(changes: Sequence[Change]) -> list[tuple[tuple[int, str, str], list[Change]]]:
    out: list[tuple[tuple[int, str, str], list[Change]]] = []
    for c in changes:
        g = _group_of(c)
        if out and out[-1][0] == g:
            out[-1][1].append(c)
        else:
            out.append((g, [c]))
    return out


def lone_table_change(items: Sequence[Change]) -> bool:
    """A group that is only an added or dropped table: printed without a heading."""
    return len(items) == 1 and items[0].kind == "table" and items[0].action in ("add", "drop")


# ---------------------------------------------------------------------------------------
# Values


def unwrap(obj: Any) -> Any:
    """The Schema inside the database pseudo-object of a database-level change."""
    return obj.schema if isinstance(obj, DatabaseDefaults) else obj


def _attr_value(obj: Any, attr: str) -> Any:
    """The model value of ``attr`` (a name from ``Alter.changed``) on ``obj``."""
    obj = unwrap(obj)
    if isinstance(obj, Row):
        return obj.get(attr)  # a lookup row: ``attr`` is a column name
    if isinstance(obj, Column):
        if attr == "type":
            return obj.type
        if attr in _TYPE_PARTS:
            return getattr(obj.type, _TYPE_PARTS[attr])
    return getattr(obj, attr, None)


def side_values(change: Alter, side: str) -> dict[str, Any]:
    obj = change.before if side == "old" else change.after
    out = {}
    for attr in change.changed:
        if attr == "position":
            out[attr] = change.before_place if side == "old" else change.after_place
        else:
            out[attr] = _attr_value(obj, attr)
    return out


def _display_attrs(change: Alter) -> list[str]:
    attrs = [a for a in change.changed
             if not (a in _TYPE_PARTS and "type" in change.changed and isinstance(change.after, Column))]
    rank = {a: i for i, a in enumerate(_ATTR_ORDER)}
    return sorted(attrs, key=lambda a: (rank.get(a, len(rank)), a))


def _fmt_value(attr: str, value: Any) -> str:
    """One value, shown on one line, the way SQL spells it where it has a spelling."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, DataType):
        return value.sql()
    if isinstance(value, str):
        if attr == "comment":
            return quote_string(value)
        return value if value != "" else "''"
    if isinstance(value, tuple):
        if all(isinstance(v, IndexColumn) for v in value):
            return "(" + ",".join(quote_ident(p.name) + (f"({p.length})" if p.length is not None else "")
                                  + (" DESC" if p.descending else "") for p in value) + ")"
        if all(isinstance(v, Parameter) for v in value):
            return "(" + ", ".join((f"{p.mode} " if p.mode else "") + f"{quote_ident(p.name)} {p.type}"
                                   for p in value) + ")"
        if attr == "values":
            return "(" + ",".join(quote_string(v) for v in value) + ")"
        return "(" + ", ".join(quote_ident(v) if isinstance(v, str) else _fmt_value(attr, v)
                               for v in value) + ")"
    if dataclasses.is_dataclass(value):
        return json.dumps(to_dict(value), sort_keys=True, ensure_ascii=False)
    return str(value)


def _is_long(value: Any) -> bool:
    return isinstance(value, str) and (len(value) > _LONG_TEXT or "\n" in value)


def _long_summary(old: Any, new: Any) -> str:
    def size(v: Any) -> str:
        if not isinstance(v, str):
            return "(none)" if v is None else _fmt_value("", v)
        return f"{v.count(chr(10)) + 1} lines" if "\n" in v else f"{len(v)} chars"

    return f"changed ({size(old)} -> {size(new)})"


def _attr_change(change: Alter, attr: str) -> str:
    if attr == "position":
        def place(after):
            return "first" if after is None else f"after {after}"
        return f"position {place(change.before_place)} -> {place(change.after_place)}"
    old, new = _attr_value(change.before, attr), _attr_value(change.after, attr)
    if _is_long(old) or _is_long(new):
        return f"{attr} {_long_summary(old, new)}"
    a, b = _fmt_value(attr, old), _fmt_value(attr, new)
    if (isinstance(old, DataType) and isinstance(new, DataType) and len(a) + len(b) > 2 * _LONG
            and dataclasses.replace(old, values=new.values) == new):
        # a long enum/set whose values changed: show only the values removed and added
        return f"type {old.name} values {_tuple_delta('values', old.values, new.values)}"
    if isinstance(old, tuple) and isinstance(new, tuple) and len(a) + len(b) > 2 * _LONG:
        return f"{attr} {_tuple_delta(attr, old, new)}"
    return f"{attr} {a} -> {b}"


def _tuple_delta(attr: str, old: tuple, new: tuple) -> str:
    """``-(removed) +(added)``, or ``reordered`` when both hold the same items."""
    removed = tuple(v for v in old if v not in new)
    added = tuple(v for v in new if v not in old)
    if not (removed or added):
        return "reordered"
    return " ".join(([f"-{_fmt_value(attr, removed)}"] if removed else [])
                    + ([f"+{_fmt_value(attr, added)}"] if added else []))


def long_diffs(change: Alter) -> list[tuple[str, list[str]]]:
    """(attribute, unified diff lines) for every long text attribute an Alter changes."""
    out = []
    for attr in _display_attrs(change):
        if attr == "position":
            continue
        old, new = _attr_value(change.before, attr), _attr_value(change.after, attr)
        if not (_is_long(old) or _is_long(new)):
            continue
        a = "" if old is None else str(old)
        b = "" if new is None else str(new)
        lines = list(difflib.unified_diff(a.split("\n"), b.split("\n"), "a", "b", lineterm="", n=2))
        out.append((attr, lines[2:]))  # drop the ---/+++ header
    return out


# ---------------------------------------------------------------------------------------
# One change on one line (the text, Markdown and HTML formats share it)


def kind_label(change: Change) -> str:
    obj = change_object(change)
    if change.kind == "routine" and isinstance(obj, Routine):
        return obj.kind.lower()
    return change.kind.replace("_", " ")


def display_name(change: Change, name: str | None = None) -> str:
    """``Table.column`` for sub-objects, the bare name otherwise (routines without their
    PROCEDURE/FUNCTION prefix, which the kind label shows)."""
    name = change.name if name is None else name
    if change.kind == "routine":
        name = name.split(" ", 1)[-1]
    if change.table and change.kind != "table":
        return f"{change.table}.{name}"
    return name


# the definition of a table's index, foreign key or check, as CREATE TABLE writes it
_DEFINITIONS: dict[type, Callable[[Any], str]] = {
    Index: index_definition, ForeignKey: foreign_key_definition, Check: check_definition,
}


def _definition(change: Change, obj: Any) -> str:
    """A short definition of an added or dropped object."""
    if isinstance(obj, Column):
        text = column_definition(obj, Table(change.table or "", ()))
        if isinstance(change, (Add, Drop)):
            text += " FIRST" if change.place is None else f" AFTER {quote_ident(change.place)}"
        return text
    definition = _DEFINITIONS.get(type(obj))
    if definition is not None:
        return definition(obj)
    if isinstance(obj, Table):
        n_idx = len(obj.indexes) + (obj.primary_key is not None)
        parts = [f"{len(obj.columns)} column{'s' * (len(obj.columns) != 1)}"]
        if n_idx:
            parts.append(f"{n_idx} index{'es' * (n_idx != 1)}")
        if obj.foreign_keys:
            parts.append(f"{len(obj.foreign_keys)} foreign key{'s' * (len(obj.foreign_keys) != 1)}")
        return "(" + ", ".join(parts) + ")"
    if isinstance(obj, Routine):
        text = _fmt_value("parameters", obj.parameters)
        if len(text) > _LONG:  # a long signature is summarised; JSON and HTML have it all
            text = f"({count_word(len(obj.parameters), 'parameter')})"
        return text + (f" RETURNS {obj.returns}" if obj.returns else "")
    if isinstance(obj, Trigger):
        return f"{obj.timing} {obj.event} ON {quote_ident(obj.table)}"
    schedule = getattr(obj, "schedule", None)
    if isinstance(schedule, str):
        return f"ON SCHEDULE {schedule}"
    return ""


def _rename_note(change: Rename) -> str:
    if change.confirmed:
        if change.old_name.lower() == change.name.lower():
            return "(case only)"
        return f"({change.reason})" if change.reason else ""
    return f"(confirm: {change.reason})" if change.reason else "(confirm)"


def raw_line(change: Change) -> str:
    """The change on one line, unescaped (callers escape for their format)."""
    kind = kind_label(change)
    if isinstance(change, Rename):
        new = change.name.split(" ", 1)[-1] if change.kind == "routine" else change.name
        head = (f"{_MARK['rename']} rename" if change.confirmed else f"{_LIKELY_MARK} likely rename")
        return f"{head} {kind} {display_name(change, change.old_name)} -> {new} {_rename_note(change)}".rstrip()
    if isinstance(change, Alter):
        where = "" if change.kind == "database" else f" {display_name(change)}"
        return (f"{_MARK['alter']} {kind}{where}: "
                + "; ".join(_attr_change(change, a) for a in _display_attrs(change)))
    assert isinstance(change, (Add, Drop)), type(change).__name__
    definition = _definition(change, change_object(change))
    if change.kind == "table":
        sep = " "
    elif change.kind == "routine":
        sep = ""
    else:
        sep = ": " if definition and not definition.startswith("(") else " "
    text = f"{_MARK[change.action]} {kind} {display_name(change)}"
    return text + (sep + definition if definition else "")


def change_line(change: Change) -> str:
    """One change on one plain-text line, as the text report prints it."""
    return clean(raw_line(change))


# ---------------------------------------------------------------------------------------
# Summary


def summarize(changes: Sequence[Change]) -> dict[str, Any]:
    """Counts for reports: totals by action, by kind and action, unconfirmed renames."""
    by_action = Counter(c.action for c in changes)
    by_kind: dict[str, dict[str, int]] = {}
    kinds = sorted({c.kind for c in changes},
                   key=lambda k: (KIND_ORDER.index(k) if k in KIND_ORDER else 99, k))
    for kind in kinds:
        counts = Counter(c.action for c in changes if c.kind == kind)
        by_kind[kind] = {a: counts.get(a, 0) for a in ACTIONS}
    tables = {_group_of(c)[2] for c in changes if _group_of(c)[0] == 1}
    return {
        "changes": len(changes),
        **{a: by_action.get(a, 0) for a in ACTIONS},
        "confirmed_renames": sum(1 for c in changes if isinstance(c, Rename) and c.confirmed),
        "unconfirmed_renames": sum(1 for c in changes if isinstance(c, Rename) and not c.confirmed),
        "tables_affected": len(tables),
        "by_kind": by_kind,
    }


# the attributes an "unstated = any" comparison sets apart, in the words of the reports
_UNSTATED_WORDS = {"definer": "definer", "charset_client": "client charset",
                   "collation_connection": "client charset", "database_collation": "client charset"}


def summarize_apart(apart: Sequence[Alter] | None) -> dict[str, Any]:
    """Counts of the objects set apart as differing only in a definer or client charset
    that one side leaves unstated; ``mode`` is ``exact`` when nothing was set apart because
    the comparison was exact (``apart`` None)."""
    mode = "exact" if apart is None else "any"
    apart = list(apart or ())
    kinds = sorted({c.kind for c in apart}, key=lambda k: (KIND_ORDER.index(k) if k in KIND_ORDER else 99, k))
    attrs = Counter(a for c in apart for a in c.changed)
    return {
        "mode": mode,
        "objects": len(apart),
        "by_kind": {k: sum(1 for c in apart if c.kind == k) for k in kinds},
        "attributes": dict(sorted(attrs.items())),
    }


def apart_line(apart: Sequence[Alter] | None) -> str:
    """The one line that says how many objects were set apart; empty when none."""
    if not apart:
        return ""
    said = {_UNSTATED_WORDS.get(a, a) for c in apart for a in c.changed}
    words = [w for w in ("definer", "client charset") if w in said] + sorted(said - {"definer", "client charset"})
    kinds = Counter(kind_label(c) for c in apart)
    detail = ", ".join(f"{n} {k}{'s' * (n != 1)}" for k, n in sorted(kinds.items()))
    n = len(apart)
    return (f"set apart: {n} object{'s' * (n != 1)} ({detail}) differ{'s' * (n == 1)} only in "
            f"a {' or '.join(words)} that one side leaves unstated (--strict-unstated shows them)")


def summary_line(summary: dict[str, Any]) -> str:
    n = summary["changes"]
    head = f"summary: {n} change{'s' * (n != 1)}"
    if not n:
        return head
    totals = ", ".join(f"{a} {summary[a]}" for a in ACTIONS if summary[a])
    if summary["unconfirmed_renames"]:
        totals += f"; {summary['unconfirmed_renames']} rename(s) to confirm"
    kinds = "; ".join(f"{k.replace('_', ' ')}: " + ", ".join(f"{a} {v}" for a, v in counts.items() if v)
                      for k, counts in summary["by_kind"].items())
    return f"{head} ({totals}) -- {kinds}"


def count_word(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


__all__ = ["ACTIONS", "apart_line", "change_line", "clean", "order_changes", "summarize",
           "summarize_apart"]
