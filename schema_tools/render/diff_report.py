"""Diff reports: a list of typed changes as text, JSON, Markdown or HTML.

``render_diff(changes, a_label=..., b_label=..., fmt=...)`` is the one entry point.

Every format shows the same changes in the same order: first a database-level change
(default charset/collation), then one group per table (by name, case-insensitively), then
the database-level objects (views, routines, triggers, events).  Inside a group, changes
are ordered by kind, name and action, so the output is byte-identical across runs and
does not depend on the order of ``changes``.

Names come from schemas and are treated as hostile: control and invisible formatting
characters (newlines, bidi overrides, zero-width spaces) are shown as ``\\uXXXX`` escapes
in text, Markdown and HTML, Markdown puts names in code spans or fenced blocks, and HTML
escapes everything and forbids every network fetch and every script but its own through
a Content-Security-Policy.  The JSON format (documented in ``docs/diff-json.md``) keeps
the values exactly.
"""

from __future__ import annotations

import base64
import dataclasses
import difflib
import hashlib
import html
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from ..diff.changes import KIND_ORDER, Add, Alter, Change, DatabaseDefaults, Drop, Rename
from ..model.objects import Row
from ..model.objects import (
    Check, Column, DataType, ForeignKey, Index, IndexColumn, Parameter, Routine, Table, Trigger,
    quote_string,
)
from ..model.snapshot import encode_value, to_dict
from ..dialect.ddl import (
    column_definition, create_event, create_routine, create_table, create_trigger, create_view,
    foreign_key_definition, index_definition, quote_ident,
)

FORMATS = ("text", "json", "markdown", "html")
JSON_FORMAT = "schema-tools-diff"
JSON_VERSION = 1

ACTIONS = ("add", "drop", "alter", "rename")
_ACTION_ORDER = {"drop": 0, "rename": 1, "alter": 2, "add": 3}
_MARK = {"add": "+", "drop": "-", "alter": "~", "rename": ">"}
_LIKELY_MARK = "?"
_ACTION_WORDS = {"add": "added", "drop": "dropped", "alter": "altered", "rename": "renamed"}

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
_COLLAPSE = 10  # Markdown: lists longer than this go into <details>

_DB_OBJECT_KINDS = ("view", "routine", "trigger", "event", "data")
_DB_OBJECT_TITLES = {"view": "Views", "routine": "Routines", "trigger": "Triggers",
                     "event": "Events", "data": "Lookup data"}


# ---------------------------------------------------------------------------------------
# Hostile text


def _escape_char(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def clean(text: str, *, keep: str = "") -> str:
    """``text`` with control characters, invisible format characters (bidi overrides,
    zero-width spaces) and line/paragraph separators escaped, so that one name stays on
    one line and reads as what it is."""
    return "".join(
        _escape_char(ch) if ch not in keep and unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")
        else ch
        for ch in text
    )


# ---------------------------------------------------------------------------------------
# Ordering and grouping


def _obj(change: Change) -> Any:
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
            getattr(change, "old_name", ""), _line(change))


_C = TypeVar("_C", bound=Change)


def order_changes(changes: Iterable[_C]) -> list[_C]:
    """The report order: total and independent of the input order."""
    return sorted(changes, key=_change_key)


def _groups(changes: Sequence[Change]) -> list[tuple[tuple[int, str, str], list[Change]]]:
    out: list[tuple[tuple[int, str, str], list[Change]]] = []
    for c in changes:
        g = _group_of(c)
        if out and out[-1][0] == g:
            out[-1][1].append(c)
        else:
            out.append((g, [c]))
    return out


def _lone_table_change(items: Sequence[Change]) -> bool:
    """A group that is only an added or dropped table: printed without a heading."""
    return len(items) == 1 and items[0].kind == "table" and items[0].action in ("add", "drop")


# ---------------------------------------------------------------------------------------
# Values


def _unwrap(obj: Any) -> Any:
    """The Schema inside the database pseudo-object of a database-level change."""
    return obj.schema if isinstance(obj, DatabaseDefaults) else obj


def _attr_value(obj: Any, attr: str) -> Any:
    """The model value of ``attr`` (a name from ``Alter.changed``) on ``obj``."""
    obj = _unwrap(obj)
    if isinstance(obj, Row):
        return obj.get(attr)  # a lookup row: ``attr`` is a column name
    if isinstance(obj, Column):
        if attr == "type":
            return obj.type
        if attr in _TYPE_PARTS:
            return getattr(obj.type, _TYPE_PARTS[attr])
    return getattr(obj, attr, None)


def _side_values(change: Alter, side: str) -> dict[str, Any]:
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


def _long_diffs(change: Alter) -> list[tuple[str, list[str]]]:
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


def _kind_label(change: Change) -> str:
    obj = _obj(change)
    if change.kind == "routine" and isinstance(obj, Routine):
        return obj.kind.lower()
    return change.kind.replace("_", " ")


def _display_name(change: Change, name: str | None = None) -> str:
    """``Table.column`` for sub-objects, the bare name otherwise (routines without their
    PROCEDURE/FUNCTION prefix, which the kind label shows)."""
    name = change.name if name is None else name
    if change.kind == "routine":
        name = name.split(" ", 1)[-1]
    if change.table and change.kind != "table":
        return f"{change.table}.{name}"
    return name


def _definition(change: Change, obj: Any) -> str:
    """A short definition of an added or dropped object."""
    if isinstance(obj, Column):
        text = column_definition(obj, Table(change.table or "", ()))
        if isinstance(change, (Add, Drop)):
            text += " FIRST" if change.place is None else f" AFTER {quote_ident(change.place)}"
        return text
    if isinstance(obj, Index):
        return index_definition(obj)
    if isinstance(obj, ForeignKey):
        return foreign_key_definition(obj)
    if isinstance(obj, Check):
        return f"CONSTRAINT {quote_ident(obj.name)} CHECK ({obj.clause})"
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
            text = f"({_count_word(len(obj.parameters), 'parameter')})"
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


def _line(change: Change) -> str:
    """The change on one line, unescaped (callers escape for their format)."""
    kind = _kind_label(change)
    if isinstance(change, Rename):
        new = change.name.split(" ", 1)[-1] if change.kind == "routine" else change.name
        head = (f"{_MARK['rename']} rename" if change.confirmed else f"{_LIKELY_MARK} likely rename")
        return f"{head} {kind} {_display_name(change, change.old_name)} -> {new} {_rename_note(change)}".rstrip()
    if isinstance(change, Alter):
        where = "" if change.kind == "database" else f" {_display_name(change)}"
        return (f"{_MARK['alter']} {kind}{where}: "
                + "; ".join(_attr_change(change, a) for a in _display_attrs(change)))
    assert isinstance(change, (Add, Drop)), type(change).__name__
    definition = _definition(change, _obj(change))
    if change.kind == "table":
        sep = " "
    elif change.kind == "routine":
        sep = ""
    else:
        sep = ": " if definition and not definition.startswith("(") else " "
    text = f"{_MARK[change.action]} {kind} {_display_name(change)}"
    return text + (sep + definition if definition else "")


def change_line(change: Change) -> str:
    """One change on one plain-text line, as the text report prints it."""
    return clean(_line(change))


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
    kinds = Counter(_kind_label(c) for c in apart)
    detail = ", ".join(f"{n} {k}{'s' * (n != 1)}" for k, n in sorted(kinds.items()))
    n = len(apart)
    return (f"set apart: {n} object{'s' * (n != 1)} ({detail}) differ{'s' * (n == 1)} only in "
            f"a {' or '.join(words)} that one side leaves unstated (--strict-unstated shows them)")


def _summary_line(summary: dict[str, Any]) -> str:
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


# ---------------------------------------------------------------------------------------
# Text


def _render_text(changes: list[Change], a_label: str, b_label: str,
                 apart: Sequence[Alter] | None = None) -> str:
    out = [f"--- a: {clean(a_label)}", f"+++ b: {clean(b_label)}", ""]
    if not changes:
        out += ["no differences", ""]
    headed = False
    for (section, _, name), items in _groups(changes):
        if section == 0 or (section == 1 and _lone_table_change(items)):
            # added/dropped tables (and the database defaults) one per line, no heading
            if headed:
                out.append("")
            out += [clean(_line(c)) for c in items]
            headed = False
        else:
            if out[-1] != "":
                out.append("")
            title = f"table {name}" if section == 1 else _DB_OBJECT_TITLES.get(name, name).lower()
            out.append(clean(title))
            out += ["  " + clean(_line(c)) for c in items]
            out.append("")
            headed = True
    if out[-1] != "":
        out.append("")
    if apart:
        out.append(apart_line(apart))
    out.append(_summary_line(summarize(changes)))
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------
# JSON


def _json_object(obj: Any) -> dict[str, Any]:
    return to_dict(_unwrap(obj))


def _json_change(change: Change) -> dict[str, Any]:
    table = change.name if change.kind == "table" else (change.table or None)
    out: dict[str, Any] = {"action": change.action, "kind": change.kind, "table": table,
                           "name": change.name, "path": change.path}
    if isinstance(change, Rename):
        out["old_name"] = change.old_name
        out["confirmed"] = change.confirmed
        out["reason"] = change.reason
    elif isinstance(change, Alter):
        out["changed"] = list(change.changed)
        out["old"] = {k: encode_value(k, v) for k, v in _side_values(change, "old").items()}
        out["new"] = {k: encode_value(k, v) for k, v in _side_values(change, "new").items()}
    else:
        assert isinstance(change, (Add, Drop)), type(change).__name__
        if change.kind == "column":
            out["after"] = change.place
        out["old" if change.action == "drop" else "new"] = _json_object(_obj(change))
    return out


def _render_json(changes: list[Change], a_label: str, b_label: str,
                 apart: Sequence[Alter] | None = None) -> str:
    doc = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "a": a_label,
        "b": b_label,
        "identical": not changes,
        "summary": dict(summarize(changes), unstated=summarize_apart(apart)),
        "changes": [_json_change(c) for c in changes],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------------------
# Markdown


def _md_code(text: str) -> str:
    """An inline code span that holds ``text`` whatever backticks it contains."""
    text = clean(text)
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_block(lines: list[str], lang: str = "diff") -> list[str]:
    """A fenced block.  Lines are escaped (one name stays on one line) and the fence is
    longer than any run of backticks inside, so no line can close it early."""
    body = [clean(line, keep="\t") for line in lines]
    longest = max((len(m) for line in body for m in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + lang, *body, fence]


def _md_collapsible(summary_html: str, block: list[str], collapse: bool) -> list[str]:
    if not collapse:
        return block + [""]
    return [f"<details><summary>{summary_html}</summary>", "", *block, "", "</details>", ""]


def _md_long_diffs(items: Sequence[Change]) -> list[str]:
    out = []
    for c in items:
        if not isinstance(c, Alter):
            continue
        for attr, lines in _long_diffs(c):
            title = html.escape(clean(f"{attr} of {_kind_label(c)} {_display_name(c)}"))
            out += _md_collapsible(title, _md_block(lines), True)
    return out


def _count_word(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def _render_markdown(changes: list[Change], a_label: str, b_label: str,
                     apart: Sequence[Alter] | None = None) -> str:
    summary = summarize(changes)
    out = [f"## Schema diff: {_md_code(a_label)} -> {_md_code(b_label)}", ""]
    note = [html.escape(apart_line(apart), quote=False), ""] if apart else []
    if not changes:
        out += ["No differences.", ""] + note
        return "\n".join(out)
    head = f"**{_count_word(summary['changes'], 'change')}**: " + ", ".join(
        f"{summary[a]} {_ACTION_WORDS[a]}" for a in ACTIONS)
    if summary["unconfirmed_renames"]:
        head += f"; **{summary['unconfirmed_renames']} likely rename(s) to confirm**"
    out += [head + ".", ""] + note
    out += ["| kind | added | dropped | altered | renamed |", "|:--|--:|--:|--:|--:|"]
    for kind, counts in summary["by_kind"].items():
        out.append(f"| {kind.replace('_', ' ')} | " + " | ".join(str(counts[a]) for a in ACTIONS) + " |")
    out.append("| **total** | " + " | ".join(f"**{summary[a]}**" for a in ACTIONS) + " |")
    out.append("")

    likely = [c for c in changes if isinstance(c, Rename) and not c.confirmed]
    if likely:
        out += [f"### Likely renames to confirm ({len(likely)})", ""]
        out += _md_block([_line(c) for c in likely]) + [""]

    groups = _groups(changes)
    database = [c for (s, _, _), items in groups if s == 0 for c in items]
    if database:
        out += ["### Database", ""] + _md_block([_line(c) for c in database]) + [""]

    lone = [items[0] for (s, _, _), items in groups if s == 1 and _lone_table_change(items)]
    for action, label in (("add", b_label), ("drop", a_label)):
        tables = [c for c in lone if c.action == action]
        if tables:
            out += [f"### Tables only in {_md_code(label)} ({len(tables)})", ""]
            out += _md_collapsible(_count_word(len(tables), "table"),
                                   _md_block([_line(c) for c in tables]), len(tables) > _COLLAPSE)

    changed = [(name, items) for (s, _, name), items in groups if s == 1 and not _lone_table_change(items)]
    if changed:
        out += [f"### Changed tables ({len(changed)})", ""]
        for name, items in changed:
            out += [f"#### {_md_code(name)} ({_count_word(len(items), 'change')})", ""]
            out += _md_collapsible(_count_word(len(items), "change"),
                                   _md_block([_line(c) for c in items]), len(items) > _COLLAPSE)
            out += _md_long_diffs(items)

    objects = [(kind, items) for (s, _, kind), items in groups if s == 2]
    if objects:
        out += ["### Database objects", ""]
        for kind, items in objects:
            out += [f"#### {_DB_OBJECT_TITLES.get(kind, kind)} ({_count_word(len(items), 'change')})", ""]
            out += _md_collapsible(_count_word(len(items), "change"),
                                   _md_block([_line(c) for c in items]), len(items) > _COLLAPSE)
            out += _md_long_diffs(items)
    return "\n".join(out)


# ---------------------------------------------------------------------------------------
# HTML

_CSS = """
:root { color-scheme: light dark; --add: #1a7f37; --drop: #cf222e; --alter: #9a6700;
  --rename: #0969da; --likely: #8250df; --muted: #6e7781; --line: #d0d7de; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
  max-width: 78rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid var(--line); }
code, pre { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { white-space: pre-wrap; word-break: break-all; margin: .25rem 0 .5rem 1.5rem; padding: .5rem;
  border: 1px solid var(--line); border-radius: 4px; }
table.summary { border-collapse: collapse; margin: 1rem 0; }
table.summary th, table.summary td { border: 1px solid var(--line); padding: .2rem .6rem; }
table.summary td { text-align: right; }
table.summary th[scope=row] { text-align: left; font-weight: normal; }
#controls { position: sticky; top: 0; padding: .5rem 0; background: Canvas;
  border-bottom: 1px solid var(--line); }
#controls input[type=search] { width: 20rem; max-width: 100%; }
#controls label { margin-left: 1rem; }
details.group { margin: .4rem 0; }
details.group > summary { cursor: pointer; font-weight: 600; }
.count { color: var(--muted); font-weight: normal; }
ul.changes { list-style: none; margin: .2rem 0; padding-left: 1.2rem; }
ul.changes li { margin: .1rem 0; word-break: break-word; }
.mark { display: inline-block; width: 1.2em; font-weight: bold; font-family: monospace; }
li.add .mark { color: var(--add); } li.drop .mark { color: var(--drop); }
li.alter .mark { color: var(--alter); } li.rename .mark { color: var(--rename); }
li.likely .mark { color: var(--likely); }
li.likely { background: color-mix(in srgb, var(--likely) 10%, transparent); }
pre .ins { color: var(--add); } pre .del { color: var(--drop); } pre .hunk { color: var(--muted); }
.muted { color: var(--muted); }
"""

_JS = """
(function () {
  "use strict";
  var input = document.getElementById("filter");
  var boxes = Array.prototype.slice.call(document.querySelectorAll("#controls input[type=checkbox]"));
  var items = Array.prototype.slice.call(document.querySelectorAll("li.change"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("details.group"));
  var none = document.getElementById("nomatch");
  function apply() {
    var q = input.value.toLowerCase();
    var on = {};
    boxes.forEach(function (b) { on[b.getAttribute("data-action")] = b.checked; });
    items.forEach(function (li) {
      var text = li.getAttribute("data-text");
      li.hidden = !(on[li.getAttribute("data-action")] && text.indexOf(q) !== -1);
    });
    var shown = 0;
    groups.forEach(function (g) {
      var any = g.querySelector("li.change:not([hidden])") !== null;
      g.hidden = !any;
      if (any) { shown += 1; if (q) { g.open = true; } }
    });
    none.hidden = shown > 0;
  }
  input.addEventListener("input", apply);
  boxes.forEach(function (b) { b.addEventListener("change", apply); });
})();
"""


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _h(text: str, *, keep: str = "") -> str:
    """Escape hostile text for HTML content and attribute values.  ``://`` is written as
    ``&#58;//`` so that no text taken from a schema reads as a link to anything."""
    return html.escape(clean(text, keep=keep), quote=True).replace("://", "&#58;//")


def _html_line(change: Change) -> str:
    line = _line(change)
    mark, rest = line[:1], line[2:]
    return f'<span class="mark">{_h(mark)}</span><code>{_h(rest)}</code>'


def _html_details(change: Change) -> list[str]:
    """Extra detail under a change: unified diffs of long text, full added/dropped DDL."""
    out = []
    if isinstance(change, Alter):
        for attr, lines in _long_diffs(change):
            cls = {"+": "ins", "-": "del", "@": "hunk"}
            body = "\n".join(f'<span class="{cls[line[:1]]}">{_h(line, keep=chr(9))}</span>'
                              if line[:1] in cls else _h(line, keep=chr(9)) for line in lines)
            out.append(f"<details><summary>{_h(attr)} diff</summary><pre>{body}</pre></details>")
    elif isinstance(change, (Add, Drop)):
        ddl = _full_ddl(_obj(change))
        if ddl:
            out.append(f"<details><summary>definition</summary><pre>{_h(ddl, keep=chr(9) + chr(10))}</pre>"
                       "</details>")
    return out


def _full_ddl(obj: Any) -> str:
    try:
        if isinstance(obj, Table):
            return create_table(obj)
        if isinstance(obj, Routine):
            return create_routine(obj)
        if isinstance(obj, Trigger):
            return create_trigger(obj)
        name = obj.__class__.__name__
        if name == "View":
            return create_view(obj)
        if name == "Event":
            return create_event(obj)
    except Exception:  # noqa: BLE001 - a report must not fail on an odd object
        return ""
    return ""


def _html_item(change: Change) -> str:
    likely = isinstance(change, Rename) and not change.confirmed
    classes = f"change {change.action}" + (" likely" if likely else "")
    search = _h(_line(change).lower())
    extra = "".join(_html_details(change))
    return (f'<li class="{classes}" data-action="{change.action}" data-kind="{_h(change.kind)}" '
            f'data-text="{search}">{_html_line(change)}{extra}</li>')


def _html_group(title: str, items: Sequence[Change], open_: bool, *, count: bool = True) -> list[str]:
    """A collapsible group of changes; ``title`` is HTML, already escaped."""
    counter = f' <span class="count">({_count_word(len(items), "change")})</span>' if count else ""
    return [f'<details class="group"{" open" if open_ else ""}><summary>{title}{counter}</summary>',
            '<ul class="changes">', *(_html_item(c) for c in items), "</ul></details>"]


def _render_html(changes: list[Change], a_label: str, b_label: str,
                 apart: Sequence[Alter] | None = None) -> str:
    summary = summarize(changes)
    csp = (f"default-src 'none'; style-src {_csp_hash(_CSS)}; script-src {_csp_hash(_JS)}; "
           "img-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'")
    title = f"Schema diff: {a_label} -> {b_label}"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_h(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<h1>Schema diff</h1>",
        f'<p>a: <code>{_h(a_label)}</code> &rarr; b: <code>{_h(b_label)}</code></p>',
    ]
    note = [f'<p class="muted" id="set-apart">{_h(apart_line(apart))}</p>'] if apart else []
    if not changes:
        out += ["<p>No differences.</p>", *note, "</body>", "</html>", ""]
        return "\n".join(out)
    line = f"<p><strong>{_count_word(summary['changes'], 'change')}</strong>: " + ", ".join(
        f"{summary[a]} {_ACTION_WORDS[a]}" for a in ACTIONS)
    if summary["unconfirmed_renames"]:
        line += f"; <strong>{summary['unconfirmed_renames']} likely rename(s) to confirm</strong>"
    out.append(line + ".</p>")
    out += note
    out += ['<table class="summary">',
            "<thead><tr><th>kind</th>" + "".join(f"<th>{_ACTION_WORDS[a]}</th>" for a in ACTIONS)
            + "</tr></thead>", "<tbody>"]
    for kind, counts in summary["by_kind"].items():
        out.append(f'<tr><th scope="row">{_h(kind.replace("_", " "))}</th>'
                   + "".join(f"<td>{counts[a]}</td>" for a in ACTIONS) + "</tr>")
    out.append('<tr><th scope="row"><strong>total</strong></th>'
               + "".join(f"<td><strong>{summary[a]}</strong></td>" for a in ACTIONS) + "</tr>")
    out += ["</tbody>", "</table>"]
    out += ['<div id="controls">',
            '<input id="filter" type="search" placeholder="filter by name or text" '
            'aria-label="filter changes">']
    out += [f'<label><input type="checkbox" data-action="{a}" checked> {_ACTION_WORDS[a]}</label>'
            for a in ACTIONS]
    out += ["</div>", '<p id="nomatch" class="muted" hidden>No change matches the filter.</p>']

    groups = _groups(changes)
    sections: list[tuple[str, list[str]]] = []
    database = [c for (s, _, _), items in groups if s == 0 for c in items]
    if database:
        sections.append(("Database", _html_group("database defaults", database, True)))
    lone = [items[0] for (s, _, _), items in groups if s == 1 and _lone_table_change(items)]
    for action, label in (("add", b_label), ("drop", a_label)):
        tables = [c for c in lone if c.action == action]
        if tables:
            sections.append((f"Tables only in <code>{_h(label)}</code> ({len(tables)})",
                             _html_group(_count_word(len(tables), "table"), tables,
                                         len(tables) <= _COLLAPSE, count=False)))
    changed = [(name, items) for (s, _, name), items in groups if s == 1 and not _lone_table_change(items)]
    if changed:
        body: list[str] = []
        for name, items in changed:
            body += _html_group(f"<code>{_h(name)}</code>", items, len(items) <= _COLLAPSE)
        sections.append((f"Changed tables ({len(changed)})", body))
    objects = [(kind, items) for (s, _, kind), items in groups if s == 2]
    if objects:
        body = []
        for kind, items in objects:
            body += _html_group(_h(_DB_OBJECT_TITLES.get(kind, kind)), items, len(items) <= _COLLAPSE)
        sections.append(("Database objects", body))
    for head, body in sections:
        out += ["<section>", f"<h2>{head}</h2>", *body, "</section>"]
    out += [f'<p class="muted">{_h(_summary_line(summary))}</p>',
            f"<script>{_JS}</script>", "</body>", "</html>", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------

_RENDERERS: dict[str, Callable[[list[Change], str, str, Sequence[Alter] | None], str]] = {
    "text": _render_text,
    "json": _render_json,
    "markdown": _render_markdown,
    "html": _render_html,
}


def render_diff(changes: Iterable[Change], *, a_label: str, b_label: str, fmt: str = "text",
                apart: Sequence[Alter] | None = None) -> str:
    """The changes that turn ``a`` into ``b`` as a report in ``fmt`` (see :data:`FORMATS`).

    ``apart``: the objects an "unstated = any" comparison set apart
    (:func:`~schema_tools.diff.compare.diff_apart`), counted in one line; None for an exact
    comparison.  Deterministic: the same set of changes gives byte-identical output
    whatever its order.
    """
    try:
        renderer = _RENDERERS[fmt]
    except KeyError:
        from ..errors import InputError

        raise InputError(f"unknown diff format {fmt!r}; choose from {', '.join(FORMATS)}") from None
    return renderer(order_changes(changes), a_label, b_label,
                    None if apart is None else order_changes(apart))


__all__ = ["FORMATS", "JSON_FORMAT", "JSON_VERSION", "apart_line", "clean", "order_changes",
           "render_diff", "summarize", "summarize_apart"]
