"""Rows of the tracked lookup tables, kept offline the way the server keeps them.

``INSERT`` (with or without a column list, ``VALUES`` or ``SET``, ``IGNORE``, ``ON
DUPLICATE KEY UPDATE``), ``REPLACE``, ``UPDATE ... SET c = expr WHERE pred`` and
``DELETE FROM ... WHERE pred`` are applied to the rows of tracked tables; table DDL
carries the rows along (new columns get their default, renamed columns keep their
values, changed types convert, ``TRUNCATE`` empties).  Every value is kept as the text
``QUOTE()`` gives on the server (``x'..'`` for binary columns, as
:func:`schema_tools.sources.introspect.read_data` reads them): numbers as the column type
prints them, enum members in their declared spelling, ``NULL``.

What the server would compute but this module does not (a subquery, a function other
than TRIM/CONCAT/REPLACE, a trigger, a CHECK, a cascade, a value the server would
silently adjust) raises :class:`OfflineError`: the reader stops with ``file:line``, or
under ``--lenient`` skips the statement and marks the snapshot partial.  A wrong row is
never kept silently.

This module applies the statements; :mod:`.dml_parse` reads them, :mod:`.values` converts
and compares values, :mod:`.rows` keeps the rows and carries them through table DDL.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from ..model.objects import Column, Table
from .dml_parse import _Parser, _tokenize
from .rows import _existing, _key_of, _unique_keys, data_columns
from .state import OfflineError, Session, State, TableRows
from .values import (
    _as_text, _compare, _equal, _like, _pick, _plain, _truth, _typed, default_text, implicit_default, to_text,
)


# ---------------------------------------------------------------------------------------
# Statements

_NAME = r"(?:`(?:[^`]|``)+`|[A-Za-z0-9_$]+)"
_QNAME = rf"({_NAME})(?:\s*\.\s*({_NAME}))?"
_HEADS = {
    "INSERT": re.compile(rf"INSERT\s+(?:(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY|IGNORE)\s+)*"
                         rf"(?:INTO\s+)?{_QNAME}", re.I),
    "REPLACE": re.compile(rf"REPLACE\s+(?:(?:LOW_PRIORITY|DELAYED)\s+)*(?:INTO\s+)?{_QNAME}", re.I),
    "UPDATE": re.compile(rf"UPDATE\s+(?:(?:LOW_PRIORITY|IGNORE)\s+)*{_QNAME}", re.I),
    "DELETE": re.compile(rf"DELETE\s+(?:(?:LOW_PRIORITY|QUICK|IGNORE)\s+)*FROM\s+{_QNAME}", re.I),
}
_STRINGS = re.compile(r"'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.|\"\")*\"", re.S)


def _unbq(name: str) -> str:
    return name[1:-1].replace("``", "`") if name.startswith("`") else name


def dml_table(sql: str, head: str) -> str | None:
    """The table a single-table DML statement writes, or None if not that form."""
    m = _HEADS[head].match(sql)
    if m is None:
        return None
    return _unbq(m.group(2) or m.group(1))


def apply_dml(sql: str, head: str, session: Session, state: State) -> bool:
    """Apply a DML statement to the tracked rows.  False: it writes no tracked table."""
    if not state.tracked:
        return False
    name = dml_table(sql, head)
    if name is None or name not in state.tracked:
        # a multi-table UPDATE/DELETE could still write a tracked table
        if head in ("UPDATE", "DELETE") or name is None:
            bare = _STRINGS.sub("''", sql)
            for t in state.tracked:
                if t in state.tables and re.search(rf"(?<![\w$]){re.escape(t)}(?![\w$])", bare) \
                        and (name is None or head in ("UPDATE", "DELETE") and _multi_table(bare, head)):
                    raise OfflineError(f"{head} of the tracked table `{t}`: this form is "
                                       "not computed offline")
        if name is not None:
            _check_indirect_writes(name, head, session, state)
        return False
    table = state.tables.get(name)
    if table is None:
        raise OfflineError(f"Table '{name}' doesn't exist")
    store = state.rows.get(name)
    if store is None:
        store = state.rows[name] = TableRows()
    if store.unknown:
        raise OfflineError(f"{head} on `{name}` is not computed offline: {store.unknown}")
    _Apply(session, state, table, store, _Parser(sql, _tokenize(sql, session))).run(head)
    return True


def _mentions_tracked(text: str, state: State) -> str | None:
    bare = _STRINGS.sub("''", text)
    for t in sorted(state.tracked):
        if t in state.tables and re.search(rf"(?<![\w$]){re.escape(t)}(?![\w$])", bare):
            return t
    return None


def _check_indirect_writes(name: str, head: str, session: Session, state: State) -> None:
    """DML on an untracked table that could still change tracked rows: through a view,
    a trigger, or a foreign key that cascades into a tracked table."""
    view = state.views.get(name)
    if view is not None:
        t = _mentions_tracked(view.definition, state)
        if t is not None:
            raise OfflineError(f"{head} through view `{name}` of the tracked table `{t}` is not "
                               "computed offline")
    events = {"INSERT": ("INSERT",), "REPLACE": ("INSERT", "DELETE"), "UPDATE": ("UPDATE",),
              "DELETE": ("DELETE",)}[head]
    for tr in state.triggers.values():
        if tr.table == name and tr.event in events:
            t = _mentions_tracked(tr.statement, state)
            if t is not None:
                raise OfflineError(f"{head} on `{name}` fires trigger `{tr.name}`, which names the "
                                   f"tracked table `{t}`: not computed offline")
    if head == "INSERT" or not session.foreign_key_checks:
        return
    for child in sorted(state.tracked):
        table, store = state.tables.get(child), state.rows.get(child)
        if table is None or store is None:
            continue
        for fk in table.foreign_keys:
            action = fk.on_update if head == "UPDATE" else fk.on_delete
            if fk.ref_table != name or action not in ("CASCADE", "SET NULL", "SET DEFAULT"):
                continue
            if store.unknown or any(all(r.get(c.lower(), "NULL") != "NULL" for c in fk.columns)
                                    for r in store.rows):
                raise OfflineError(f"{head} on `{name}` may change rows of the tracked table "
                                   f"`{child}` (foreign key `{fk.name}` ON "
                                   f"{'UPDATE' if head == 'UPDATE' else 'DELETE'} {action}): "
                                   "not computed offline")


def check_call(sql: str, state: State) -> None:
    """A CALL is not executed offline: refuse it when the procedure could write tracked
    rows (its body names a tracked table, or calls another procedure)."""
    if not state.tracked:
        return
    m = re.match(rf"CALL\s+{_QNAME}", sql, re.I)
    if m is None:
        return
    proc = state.routines.get(("PROCEDURE", _unbq(m.group(2) or m.group(1)).lower()))
    if proc is None:
        return
    t = _mentions_tracked(proc.body, state)
    if t is not None or re.search(r"(?<![\w$])CALL(?![\w$])", _STRINGS.sub("''", proc.body), re.I):
        raise OfflineError(f"CALL {proc.name}: the procedure could change rows of the tracked "
                           f"table `{t or '...'}`: not computed offline")


def _multi_table(bare: str, head: str) -> bool:
    m = _HEADS[head].match(bare)
    if m is None:
        return True
    rest = bare[m.end():].lstrip()
    return bool(re.match(r"(?:,|(?:AS\s+)?\w+\s*,|(?:INNER|LEFT|RIGHT|CROSS|STRAIGHT_JOIN|"
                         r"JOIN|NATURAL|USING)\b)", rest, re.I)) or head == "DELETE" and bool(
        re.match(r"USING\b", rest, re.I))


# ---------------------------------------------------------------------------------------
# Applying one statement


class _Apply:
    def __init__(self, session: Session, state: State, table: Table, store: TableRows,
                 parser: _Parser) -> None:
        self.session = session
        self.state = state
        self.table = table
        self.store = store
        self.p = parser
        modes = set(session.sql_mode.split(","))
        self.strict = bool({"STRICT_TRANS_TABLES", "STRICT_ALL_TABLES"} & modes)
        self.no_auto_on_zero = "NO_AUTO_VALUE_ON_ZERO" in modes
        self.cols = data_columns(table)
        self.by_low = {c.name.lower(): c for c in table.columns}
        # work on a copy: a failing statement changes nothing
        self.rows = [dict(r) for r in store.rows]
        self.auto = store.auto_increment

    # ---- helpers

    def column(self, name: str) -> Column:
        c = self.by_low.get(name.lower())
        if c is None:
            raise OfflineError(f"Unknown column '{name}' in 'field list'")
        return c

    def refuse_features(self, event: str) -> None:
        name = self.table.name
        for tr in self.state.triggers.values():
            if tr.table == name and tr.event == event:
                raise OfflineError(f"{event} on `{name}` fires trigger `{tr.name}`, which is "
                                   "not computed offline")
        if self.table.checks:
            raise OfflineError(f"{event} on `{name}`: CHECK constraints are not evaluated offline")

    def fail(self, message: str) -> OfflineError:
        """An error of the server; outside strict mode (or under IGNORE) the server
        adjusts the value or skips the row instead, which is not computed offline."""
        if not self.strict:
            message += " (the server would adjust the value or skip the row; not computed offline)"
        return OfflineError(message)

    def commit(self) -> None:
        self.store.rows = self.rows
        self.store.auto_increment = self.auto

    # ---- dispatch

    def run(self, head: str) -> None:
        p = self.p
        p.i = 1
        if head in ("INSERT", "REPLACE"):
            mods = set()
            while p.word() in ("LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "IGNORE"):
                mods.add(p.word())
                p.i += 1
            p.take_word("INTO")
            p.table_name()
            self.strict = self.strict and "IGNORE" not in mods
            self.insert(replace=head == "REPLACE", ignore="IGNORE" in mods)
        elif head == "UPDATE":
            ignore = False
            while p.word() in ("LOW_PRIORITY", "IGNORE"):
                ignore = ignore or p.word() == "IGNORE"
                p.i += 1
            p.table_name()
            self.strict = self.strict and not ignore
            self.update(ignore)
        else:
            while p.word() in ("LOW_PRIORITY", "QUICK", "IGNORE"):
                p.i += 1
            p.take_word("FROM")
            p.table_name()
            self.delete()
        if not p.done():
            raise OfflineError(f"this form of {head} is not computed offline ({p.near()})")
        self.commit()

    # ---- INSERT / REPLACE

    def insert(self, *, replace: bool, ignore: bool) -> None:
        p = self.p
        if p.word() == "PARTITION":
            raise OfflineError("INSERT ... PARTITION is not computed offline")
        self.refuse_features("INSERT")
        if replace:
            self.refuse_features("DELETE")
        rows: list[list[tuple[Column, tuple]]] = []
        if p.word() == "SET":
            p.i += 1
            rows.append([(self.column(c), e) for c, e in self.assignments()])
        else:
            targets: list[Column] | None = None
            if p.at_op("(") and p.word(1) != "SELECT":
                p.i += 1
                targets = []
                if not p.at_op(")"):
                    targets.append(self.column(p.column_ref()))
                    while p.accept_op(","):
                        targets.append(self.column(p.column_ref()))
                p.expect_op(")")
            if targets is None:
                targets = list(self.table.columns)
            if not p.take_word("VALUES", "VALUE"):
                raise OfflineError(f"INSERT ... {p.word() or p.near()} is not computed offline")
            while True:
                p.expect_op("(")
                values: list[tuple] = []
                if not p.at_op(")"):
                    values.append(p.expr())
                    while p.accept_op(","):
                        values.append(p.expr())
                p.expect_op(")")
                if len(values) != len(targets):
                    raise OfflineError(f"Column count doesn't match value count at row {len(rows) + 1}")
                rows.append(list(zip(targets, values, strict=True)))
                if not p.accept_op(","):
                    break
        odku = None
        if p.word() == "ON" and p.word(1) == "DUPLICATE":
            p.i += 2
            if not p.take_word("KEY") or not p.take_word("UPDATE"):
                raise OfflineError(f"syntax error {p.near()}")
            self.refuse_features("UPDATE")
            odku = [(self.column(c), e) for c, e in self.assignments()]
        if p.word() == "RETURNING":
            raise OfflineError("INSERT ... RETURNING is not computed offline")
        auto = next((c for c in self.table.columns if c.auto_increment), None)
        built = [self.build_row(r) for r in rows]
        generated = [auto is not None and self.needs_auto(auto, r) for r in built]
        if any(generated) and not all(generated):
            raise OfflineError("a multi-row INSERT that gives some AUTO_INCREMENT values and "
                               "leaves others to the server is not computed offline")
        # InnoDB reserves one value per row up front (innodb_autoinc_lock_mode=1); a row
        # that is not inserted (IGNORE, ON DUPLICATE KEY UPDATE) hands its value to the next
        reserved_end = self.auto + sum(generated)
        self.next_generated = self.auto
        for row in built:
            self.insert_row(row, auto, replace=replace, ignore=ignore, odku=odku)
        self.auto = max(self.auto, reserved_end)

    def assignments(self) -> list[tuple[str, tuple]]:
        p = self.p
        out = []
        while True:
            col = p.column_ref()
            if not (p.accept_op("=") or p.accept_op(":=")):
                raise OfflineError(f"syntax error {p.near()}")
            out.append((col, p.expr()))
            if not p.accept_op(","):
                return out

    def build_row(self, given: list[tuple[Column, tuple]]) -> dict[str, Any]:
        """The values of a new row, typed (before conversion): given or default."""
        row: dict[str, Any] = {}
        explicit: dict[str, Any] = {}
        seen = set()
        for col, e in given:
            low = col.name.lower()
            if low in seen:
                raise OfflineError(f"Column '{col.name}' specified twice")
            seen.add(low)
            if col.generated is not None:
                if e != ("default",):
                    raise OfflineError(f"The value specified for generated column '{col.name}' "
                                       f"in table '{self.table.name}' has been ignored")
                continue
            if e == ("default",):
                continue
            explicit[low] = self.eval(e, {}, row_values=row)
            row[low] = explicit[low]
        return {"explicit": explicit}

    def needs_auto(self, auto: Column, built: dict[str, Any]) -> bool:
        v = built["explicit"].get(auto.name.lower(), _MISSING)
        if v is _MISSING or v is None:
            return True
        return self.is_zero(v) and not self.no_auto_on_zero

    @staticmethod
    def is_zero(v: Any) -> bool:
        try:
            return v == 0 or (isinstance(v, str) and Decimal(v.strip() or "x") == 0)
        except InvalidOperation:
            return False

    def complete(self, built: dict[str, Any], auto: Column | None) -> dict[str, str]:
        """Convert a built row to QUOTE() texts, with defaults and AUTO_INCREMENT."""
        explicit = built["explicit"]
        out: dict[str, str] = {}
        for col in self.cols:
            low = col.name.lower()
            if col is auto and self.needs_auto(auto, built):
                out[low] = to_text(col, self.next_generated, True)
                continue
            if low in explicit:
                v = explicit[low]
                if v is None and not col.nullable:
                    raise self.fail(f"Column '{col.name}' cannot be null")
                out[low] = to_text(col, v, self.strict)
            else:
                out[low] = self.default_text(col)
        return out

    def note_given_auto(self, row: dict[str, str], auto: Column | None) -> None:
        """A row stored with an AUTO_INCREMENT value of its own moves the counter past it
        (a row IGNORE skips does not)."""
        if auto is not None:
            n = _typed(auto, row[auto.name.lower()])
            if isinstance(n, int) and n >= self.auto:
                self.auto = n + 1

    def default_text(self, col: Column) -> str:
        if col.default is None:
            if col.nullable:
                return "NULL"
            if self.strict:
                raise OfflineError(f"Field '{col.name}' doesn't have a default value")
            return implicit_default(col)
        return default_text(col)

    def insert_row(self, built: dict[str, Any], auto: Column | None, *, replace: bool,
                   ignore: bool, odku: list | None) -> None:
        new = self.complete(built, auto)
        generated = auto is not None and self.needs_auto(auto, built)
        conflicts = self.conflicts(new, exclude=None)
        if conflicts:
            if replace:
                self.check_parent_change([self.rows[i] for i in conflicts], None)
                for i in sorted(set(conflicts), reverse=True):
                    del self.rows[i]
            elif odku is not None:
                i = conflicts[0]
                old = self.rows[i]
                updated = dict(old)
                env_new = {k: _typed(self.by_low[k], v) for k, v in new.items()}
                for col, e in odku:
                    value = self.eval(e, self.typed_row(updated), row_values=env_new)
                    if value is None and not col.nullable:
                        raise self.fail(f"Column '{col.name}' cannot be null")
                    updated[col.name.lower()] = to_text(col, value, self.strict)
                self.note_given_auto(new, auto)
                self.replace_row(i, updated, ignore=False)
                return
            elif ignore:
                return
            else:
                raise OfflineError(self.duplicate_message(new, conflicts[0]))
        self.check_child(new)
        self.rows.append(new)
        self.note_given_auto(new, auto)
        if generated:
            self.next_generated += 1

    def replace_row(self, i: int, updated: dict[str, str], *, ignore: bool) -> bool:
        if updated == self.rows[i]:
            return True
        clash = self.conflicts(updated, exclude=i)
        if clash:
            if ignore:
                return False
            raise OfflineError(self.duplicate_message(updated, clash[0]))
        self.check_parent_change([self.rows[i]], updated)
        self.check_child(updated)
        self.rows[i] = updated
        return True

    # ---- keys

    def unique_keys(self) -> list[tuple[str, list[tuple[Column, int | None]]]]:
        return _unique_keys(self.table)

    @staticmethod
    def key_of(row: dict[str, str], parts: list[tuple[Column, int | None]]) -> tuple | None:
        return _key_of(row, parts)

    def conflicts(self, row: dict[str, str], exclude: int | None) -> list[int]:
        found = []
        for _, parts in self.unique_keys():
            k = self.key_of(row, parts)
            if k is None:
                continue
            for i, other in enumerate(self.rows):
                if i != exclude and i not in found and self.key_of(other, parts) == k:
                    found.append(i)
        return found

    def duplicate_message(self, row: dict[str, str], i: int) -> str:
        for name, parts in self.unique_keys():
            k = self.key_of(row, parts)
            if k is not None and self.key_of(self.rows[i], parts) == k:
                shown = "-".join(_plain(row[c.name.lower()]) for c, _ in parts)
                return f"Duplicate entry '{shown}' for key '{name}'"
        return "Duplicate entry"

    # ---- foreign keys between tracked tables

    def check_child(self, row: dict[str, str]) -> None:
        if not self.session.foreign_key_checks:
            return
        for fk in self.table.foreign_keys:
            parent = self.state.tables.get(fk.ref_table)
            pstore = self.state.rows.get(fk.ref_table)
            if parent is None or fk.ref_table not in self.state.tracked or pstore is None \
                    or pstore.unknown:
                continue  # rows of an untracked parent are not known: assumed present
            values = [_typed(self.column(c), row.get(c.lower(), "NULL")) for c in fk.columns]
            if any(v is None for v in values):
                continue
            prows = self.rows if fk.ref_table == self.table.name else pstore.rows
            pcols = [_existing(parent, c) for c in fk.ref_columns]
            if not any(all(_equal(v, _typed(pc, pr.get(pc.name.lower(), "NULL")), pc.collation)
                           for v, pc in zip(values, pcols, strict=False)) for pr in prows):
                raise self.fail("Cannot add or update a child row: a foreign key constraint "
                                f"fails (`{self.table.name}`, CONSTRAINT `{fk.name}`)")

    def check_parent_change(self, old_rows: list[dict[str, str]],
                            new_row: dict[str, str] | None) -> None:
        """Deleting or re-keying rows that tracked rows of other tables reference: the
        server would refuse or cascade; neither is computed offline."""
        if not self.session.foreign_key_checks:
            return
        for cname, child in self.state.tables.items():
            for fk in child.foreign_keys:
                if fk.ref_table != self.table.name:
                    continue
                if new_row is not None and all(
                        new_row.get(c.lower()) == old.get(c.lower())
                        for old in old_rows for c in fk.ref_columns):
                    continue
                cstore = self.state.rows.get(cname) if cname in self.state.tracked else None
                if cstore is None:
                    continue  # rows of an untracked child are not known
                crows = self.rows if cname == self.table.name else cstore.rows
                ccols = [_existing(child, c) for c in fk.columns]
                pcols = [self.column(c) for c in fk.ref_columns]
                for old in old_rows:
                    key = [_typed(pc, old.get(pc.name.lower(), "NULL")) for pc in pcols]
                    for cr in crows:
                        if cr is old:
                            continue
                        if all(_equal(_typed(cc, cr.get(cc.name.lower(), "NULL")), k, cc.collation)
                               for cc, k in zip(ccols, key, strict=False)):
                            raise OfflineError(f"rows of `{cname}` reference the changed rows of "
                                               f"`{self.table.name}` (foreign key `{fk.name}`): "
                                               "not computed offline")

    # ---- UPDATE / DELETE

    def where(self) -> tuple | None:
        p = self.p
        pred = None
        if p.take_word("WHERE"):
            pred = p.expr()
        if p.word() in ("ORDER", "LIMIT", "RETURNING"):
            raise OfflineError(f"{p.word()} in this statement is not computed offline")
        return pred

    def matches(self, pred: tuple | None, row: dict[str, str]) -> bool:
        if pred is None:
            return True
        return _truth(self.eval(pred, self.typed_row(row))) is True

    def typed_row(self, row: dict[str, str]) -> dict[str, Any]:
        return {k: _typed(self.by_low[k], v) for k, v in row.items() if k in self.by_low}

    def update(self, ignore: bool) -> None:
        p = self.p
        if not p.take_word("SET"):
            raise OfflineError("this form of UPDATE is not computed offline")
        self.refuse_features("UPDATE")
        sets = [(self.column(c), e) for c, e in self.assignments()]
        if len(sets) > 1 and "SIMULTANEOUS_ASSIGNMENT" in self.session.sql_mode.split(","):
            raise OfflineError("UPDATE under sql_mode SIMULTANEOUS_ASSIGNMENT is not computed offline")
        pred = self.where()
        for col, _ in sets:
            if col.generated is not None:
                raise OfflineError(f"The value specified for generated column '{col.name}' in "
                                   f"table '{self.table.name}' has been ignored")
        for i in range(len(self.rows)):
            row = self.rows[i]
            if not self.matches(pred, row):
                continue
            updated = dict(row)
            for col, e in sets:  # assignments see the values assigned before them
                if e == ("default",):
                    updated[col.name.lower()] = self.default_text(col)
                    continue
                value = self.eval(e, self.typed_row(updated))
                if value is None and not col.nullable:
                    raise self.fail(f"Column '{col.name}' cannot be null")
                updated[col.name.lower()] = to_text(col, value, self.strict)
            auto = next((c for c in self.cols if c.auto_increment), None)
            if self.replace_row(i, updated, ignore=ignore) and auto is not None:
                n = _typed(auto, updated[auto.name.lower()])
                if isinstance(n, int) and n >= self.auto:
                    self.auto = n + 1

    def delete(self) -> None:
        self.refuse_features("DELETE")
        pred = self.where()
        keep: list[dict[str, str]] = []
        gone: list[dict[str, str]] = []
        for row in self.rows:
            (gone if self.matches(pred, row) else keep).append(row)
        if gone:
            self.check_parent_change(gone, None)
        self.rows = keep

    # ---- expressions

    def eval(self, e: tuple, row: dict[str, Any], row_values: dict[str, Any] | None = None) -> Any:
        return _Eval(self, row, row_values or {}).value(e)


_MISSING = object()


class _Eval:
    """Evaluates an expression to a Python value (None, int, Decimal, float, str, bytes);
    ``coll`` tracks the collation of string operands (a column's, else the connection's)."""

    def __init__(self, ap: _Apply, row: dict[str, Any], new_values: dict[str, Any]) -> None:
        self.ap = ap
        self.row = row
        self.new_values = new_values

    def value(self, e: tuple) -> Any:
        return self.ev(e)[0]

    def ev(self, e: tuple) -> tuple[Any, str | None]:  # noqa: C901 - one branch per expression node kind
        kind = e[0]
        conn = self.ap.session.collation_connection
        if kind == "lit":
            return e[1], conn
        if kind == "col":
            col = self.ap.column(e[1])
            low = col.name.lower()
            if low not in self.row:
                raise OfflineError(f"reading column '{col.name}' here is not computed offline")
            return self.row[low], col.collation or conn
        if kind == "values":
            col = self.ap.column(e[1])
            return self.new_values.get(col.name.lower()), col.collation or conn
        if kind in ("default", "defaultof"):
            raise OfflineError("DEFAULT in an expression is not computed offline")
        if kind == "neg":
            v, _ = self.ev(e[1])
            if v is None:
                return None, conn
            if isinstance(v, (int, Decimal, float)) and not isinstance(v, bool):
                return -v, conn
            raise OfflineError("arithmetic is not computed offline")
        if kind == "not":
            t = _truth(self.ev(e[1])[0])
            return (None if t is None else int(not t)), conn
        if kind in ("and", "or"):
            a = _truth(self.ev(e[1])[0])
            b = _truth(self.ev(e[2])[0])
            if kind == "and":
                if a is False or b is False:
                    return 0, conn
                return (None if a is None or b is None else 1), conn
            if a is True or b is True:
                return 1, conn
            return (None if a is None or b is None else 0), conn
        if kind == "truth":
            t = _truth(self.ev(e[1])[0])
            return int(t is e[2]), conn
        if kind == "isnull":
            v, _ = self.ev(e[1])
            return int((v is None) != e[2]), conn
        if kind == "cmp":
            (a, ca), (b, cb) = self.ev(e[2]), self.ev(e[3])
            return _compare(e[1], a, b, _pick(ca, cb, e[2], e[3])), conn
        if kind == "in":
            v, cv = self.ev(e[1])
            results = []
            for item in e[2]:
                w, cw = self.ev(item)
                results.append(_compare("=", v, w, _pick(cv, cw, e[1], item)))
            if 1 in results:
                return int(not e[3]), conn
            if None in results:
                return None, conn
            return int(e[3]), conn
        if kind == "between":
            v, cv = self.ev(e[1])
            lo, cl = self.ev(e[2])
            hi, ch = self.ev(e[3])
            above = _compare(">=", v, lo, _pick(cv, cl, e[1], e[2]))
            below = _compare("<=", v, hi, _pick(cv, ch, e[1], e[3]))
            r = None if above is None or below is None else int(above and below)
            if r is not None and e[4]:
                r = int(not r)
            return r, conn
        if kind == "like":
            v, cv = self.ev(e[1])
            pat, cp = self.ev(e[2])
            esc = "\\"
            if e[4] is not None:
                esc = self.ev(e[4])[0]
                if not isinstance(esc, str) or len(esc) != 1:
                    raise OfflineError("this LIKE ... ESCAPE is not computed offline")
            if v is None or pat is None:
                return None, conn
            r = _like(_as_text(v), _as_text(pat), esc, _pick(cv, cp, e[1], e[2]))
            return int(r != e[3]), conn
        if kind == "trim":
            v, cv = self.ev(e[3])
            rem = " "
            if e[2] is not None:
                rem = self.ev(e[2])[0]
            if v is None or rem is None:
                return None, cv
            s, removed = _as_text(v), _as_text(rem)
            if removed:
                if e[1] in ("BOTH", "LEADING"):
                    while s.startswith(removed):
                        s = s[len(removed):]
                if e[1] in ("BOTH", "TRAILING"):
                    while s.endswith(removed):
                        s = s[:-len(removed)]
            return s, cv
        if kind == "func":
            return self.func(e[1], e[2])
        raise OfflineError("expression not computed offline")

    def func(self, name: str, args: list[tuple]) -> tuple[Any, str | None]:
        values = [self.ev(a) for a in args]
        coll = next((c for _, c in values if c), self.ap.session.collation_connection)
        if name == "CONCAT":
            if not values:
                raise OfflineError("Incorrect parameter count in the call to native function 'CONCAT'")
            if any(v is None for v, _ in values):
                return None, coll
            return "".join(_as_text(v) for v, _ in values), coll
        if name in ("LTRIM", "RTRIM") and len(values) == 1:
            v = values[0][0]
            if v is None:
                return None, coll
            s = _as_text(v)
            return (s.lstrip(" ") if name == "LTRIM" else s.rstrip(" ")), coll
        if name == "REPLACE" and len(values) == 3:
            if any(v is None for v, _ in values):
                return None, coll
            s, a, b = (_as_text(v) for v, _ in values)
            return (s.replace(a, b) if a else s), coll
        raise OfflineError(f"function {name}() is not computed offline")
