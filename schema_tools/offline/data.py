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
"""

from __future__ import annotations

import calendar
import math
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ..dialect.types import BLOB_BYTES, INTEGER_BITS, TEXT_BYTES, format_real
from ..model.objects import Column, Schema, Table, TableData
from .state import OfflineError, Session, State

# ---------------------------------------------------------------------------------------
# Row store


@dataclass
class TableRows:
    """The rows of one tracked table: per row, column name (lower case) -> QUOTE() text."""

    rows: list[dict[str, str]] = field(default_factory=list)
    auto_increment: int = 1
    # rows not known (a base snapshot without them, a rename from an untracked table)
    unknown: str | None = None


def _quoted(v: str | None) -> str:
    assert v is not None, "rows hold QUOTE() text, NULL as the text NULL"
    return v


def _existing(table: Table, name: str) -> Column:
    col = table.column(name)
    assert col is not None, f"a key names the column {name} of {table.name}"
    return col


def data_columns(table: Table) -> list[Column]:
    return [c for c in table.columns if c.generated is None]


def rows_from_schema(state: State, schema: Schema) -> None:
    """Rows of the tracked tables of a base schema (its :class:`TableData`)."""
    given = {d.table: d for d in schema.data}
    for name in state.tracked:
        table = state.tables.get(name)
        if table is None:
            continue
        data = given.get(name)
        if data is None:
            state.rows[name] = TableRows(unknown=f"the rows of `{name}` are not in the base schema")
            continue
        rows = [{c.lower(): _quoted(v) for c, v in zip(data.columns, r, strict=False)} for r in data.rows]
        store = TableRows(rows)
        store.auto_increment = _next_auto(table, store)
        state.rows[name] = store


def _next_auto(table: Table, store: TableRows, floor: int = 1) -> int:
    auto = next((c for c in table.columns if c.auto_increment), None)
    if auto is None:
        return floor
    high = 0
    for r in store.rows:
        v = _typed(auto, r.get(auto.name.lower(), "NULL"))
        if isinstance(v, (int, Decimal)) and v > high:
            high = int(v)
        elif isinstance(v, float) and v > high:
            high = int(v)
    return max(floor, high + 1)


def table_data(state: State) -> tuple[TableData, ...]:
    """The rows of every tracked table that exists, ordered as ``read_data`` orders them."""
    out = []
    for name in sorted(state.tracked):
        table = state.tables.get(name)
        store = state.rows.get(name)
        if table is None or store is None or store.unknown:
            continue
        cols = data_columns(table)
        rows = sorted(store.rows, key=_order_key(table))
        out.append(TableData(name, tuple(c.name for c in cols),
                             tuple(tuple(r.get(c.name.lower(), "NULL") for c in cols) for r in rows)))
    return tuple(out)


def _order_key(table: Table) -> Callable[[dict[str, str]], tuple]:
    if table.primary_key is not None:
        cols = [_existing(table, p.name) for p in table.primary_key.columns]
    else:
        cols = data_columns(table)

    def key(row: dict[str, str]) -> tuple:
        out: list[tuple[int, Any]] = []
        for c in cols:
            v = _typed(c, row.get(c.name.lower(), "NULL"))
            if v is None:
                out.append((0, 0))
            elif isinstance(v, str):
                out.append((1, _coll_key(v, c.collation)))
            else:
                out.append((1, v))
        return tuple(out)
    return key


# ---------------------------------------------------------------------------------------
# Tokens


def _token_re(backslash: bool) -> re.Pattern:
    sq = r"'(?:[^'\\]|\\.|'')*'" if backslash else r"'(?:[^']|'')*'"
    dq = r'"(?:[^"\\]|\\.|"")*"' if backslash else r'"(?:[^"]|"")*"'
    return re.compile(
        r"(?P<ws>\s+)"
        r"|(?P<bq>`(?:[^`]|``)*`)"
        r"|(?P<hex>[xX]'[0-9a-fA-F]*'|0x[0-9a-fA-F]+(?![\w$]))"
        r"|(?P<bit>[bB]'[01]*'|0b[01]+(?![\w$]))"
        r"|(?P<intro>_[A-Za-z0-9]+(?=\s*')|[nN](?='))"
        rf"|(?P<sq>{sq})"
        rf"|(?P<dq>{dq})"
        r"|(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![\w$]))"
        r"|(?P<word>[A-Za-z0-9_$\u0080-\uffff]+)"
        r"|(?P<op><=>|<>|!=|<=|>=|\|\||&&|:=|[(),=<>+\-*/.;@!%])",
        re.S,
    )


_TOKENS = {True: _token_re(True), False: _token_re(False)}
_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a",
            "%": "\\%", "_": "\\_"}


def _unquote(text: str, backslash: bool) -> str:
    q = text[0]
    body = text[1:-1]
    if not backslash:
        return body.replace(q + q, q)
    out = []
    i, n = 0, len(body)
    while i < n:
        ch = body[i]
        if ch == "\\" and i + 1 < n:
            nxt = body[i + 1]
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
        elif ch == q and i + 1 < n and body[i + 1] == q:
            out.append(q)
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


@dataclass
class _Tok:
    kind: str  # str, hex, bit, num, id, op
    value: Any
    quoted: bool = False

    @property
    def word(self) -> str:
        return self.value.upper() if self.kind == "id" and not self.quoted else ""


def _tokenize(sql: str, session: Session) -> list[_Tok]:
    modes = set(session.sql_mode.split(","))
    backslash = "NO_BACKSLASH_ESCAPES" not in modes
    ansi = "ANSI_QUOTES" in modes
    out: list[_Tok] = []
    pos, n = 0, len(sql)
    rx = _TOKENS[backslash]
    while pos < n:
        m = rx.match(sql, pos)
        if m is None:
            raise OfflineError(f"syntax error near {sql[pos:pos + 20]!r}")
        pos = m.end()
        kind = m.lastgroup
        text = m.group()
        if kind in ("ws", "intro"):
            if kind == "intro" and text.startswith("_") and text.lower() not in (
                    "_utf8", "_utf8mb3", "_utf8mb4", "_latin1", "_binary", "_ascii"):
                raise OfflineError(f"character set introducer {text} is not supported offline")
            continue
        if kind == "bq":
            out.append(_Tok("id", text[1:-1].replace("``", "`"), True))
        elif kind == "dq" and ansi:
            out.append(_Tok("id", text[1:-1].replace('""', '"'), True))
        elif kind in ("sq", "dq"):
            s = _unquote(text, backslash)
            if out and out[-1].kind == "str":  # 'a' 'b' is 'ab'
                out[-1].value += s
            else:
                out.append(_Tok("str", s))
        elif kind == "hex":
            digits = text[2:-1] if text[1] == "'" else text[2:]
            if len(digits) % 2:
                if text[1] == "'":
                    raise OfflineError("syntax error: odd number of hex digits")
                digits = "0" + digits
            out.append(_Tok("hex", bytes.fromhex(digits)))
        elif kind == "bit":
            digits = text[2:-1] if text[1] == "'" else text[2:]
            value = int(digits or "0", 2)
            out.append(_Tok("hex", value.to_bytes((len(digits) + 7) // 8, "big")))
        elif kind == "num":
            if re.fullmatch(r"\d+", text):
                out.append(_Tok("num", int(text)))
            elif "e" in text.lower():
                out.append(_Tok("num", float(text)))
            else:
                out.append(_Tok("num", Decimal(text)))
        elif kind == "word":
            out.append(_Tok("id", text))
        else:
            out.append(_Tok("op", text))
    while out and out[-1].kind == "op" and out[-1].value == ";":
        out.pop()
    return out


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
    _Apply(session, state, table, store, _tokenize(sql, session)).run(head)
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


class _Parser:
    def __init__(self, toks: list[_Tok]) -> None:
        self.toks = toks
        self.i = 0

    def peek(self, k: int = 0) -> _Tok | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def word(self, k: int = 0) -> str:
        t = self.peek(k)
        return t.word if t is not None else ""

    def is_op(self, op: str, k: int = 0) -> bool:
        t = self.peek(k)
        return t is not None and t.kind == "op" and t.value == op

    def take_word(self, *words: str) -> str | None:
        w = self.word()
        if w in words:
            self.i += 1
            return w
        return None

    def take_op(self, op: str) -> bool:
        if self.is_op(op):
            self.i += 1
            return True
        return False

    def expect_op(self, op: str) -> None:
        if not self.take_op(op):
            raise OfflineError(f"syntax error: expected {op!r} {self.near()}")

    def near(self) -> str:
        t = self.peek()
        return "at the end" if t is None else f"near {t.value!r}"

    def ident(self) -> str:
        t = self.peek()
        if t is None or t.kind != "id":
            raise OfflineError(f"syntax error: expected a name {self.near()}")
        self.i += 1
        return t.value

    def table_name(self) -> str:
        name = self.ident()
        if self.take_op("."):
            name = self.ident()
        return name

    def column_ref(self) -> str:
        name = self.ident()
        while self.take_op("."):  # t.c or db.t.c: the one table of the statement
            name = self.ident()
        return name

    def at_end(self) -> bool:
        return self.i >= len(self.toks)

    # ---- expressions: tuples ("lit", v) ("col", name) ("default",) ("values", col)
    # ("func", NAME, args) ("trim", mode, remstr, e) ("not", e) ("and"/"or", a, b)
    # ("cmp", op, a, b) ("isnull", e, neg) ("in", e, items, neg) ("between", e, lo, hi, neg)
    # ("like", e, pattern, neg, escape) ("neg", e)

    def expr(self) -> tuple:
        left = self.and_expr()
        while self.take_word("OR", "XOR") or self.take_op("||"):
            if self.toks[self.i - 1].word == "XOR":
                raise OfflineError("XOR is not computed offline")
            left = ("or", left, self.and_expr())
        return left

    def and_expr(self) -> tuple:
        left = self.not_expr()
        while self.take_word("AND") or self.take_op("&&"):
            left = ("and", left, self.not_expr())
        return left

    def not_expr(self) -> tuple:
        if self.take_word("NOT") or self.take_op("!"):
            return ("not", self.not_expr())
        return self.predicate()

    def predicate(self) -> tuple:
        left = self.operand()
        while True:
            t = self.peek()
            if t is not None and t.kind == "op" and t.value in ("=", "<>", "!=", "<", ">", "<=", ">=", "<=>"):
                self.i += 1
                left = ("cmp", t.value, left, self.operand())
                continue
            if self.take_word("IS"):
                neg = bool(self.take_word("NOT"))
                w = self.take_word("NULL", "TRUE", "FALSE", "UNKNOWN")
                if w is None:
                    raise OfflineError(f"syntax error {self.near()}")
                if w == "NULL" or w == "UNKNOWN":
                    left = ("isnull", left, neg)
                else:
                    e = ("truth", left, w == "TRUE")
                    left = ("not", e) if neg else e
                continue
            neg = False
            if self.word() == "NOT" and self.word(1) in ("IN", "BETWEEN", "LIKE"):
                self.i += 1
                neg = True
            if self.take_word("IN"):
                self.expect_op("(")
                if self.word() == "SELECT":
                    raise OfflineError("a subquery is not computed offline")
                items = [self.expr()]
                while self.take_op(","):
                    items.append(self.expr())
                self.expect_op(")")
                left = ("in", left, items, neg)
                continue
            if self.take_word("BETWEEN"):
                lo = self.operand()
                if not self.take_word("AND"):
                    raise OfflineError(f"syntax error {self.near()}")
                left = ("between", left, lo, self.operand(), neg)
                continue
            if self.take_word("LIKE"):
                pattern = self.operand()
                escape = None
                if self.take_word("ESCAPE"):
                    escape = self.operand()
                left = ("like", left, pattern, neg, escape)
                continue
            if neg:
                raise OfflineError(f"syntax error {self.near()}")
            return left

    def operand(self) -> tuple:
        left = self.unary()
        t = self.peek()
        if t is not None and t.kind == "op" and t.value in ("+", "-", "*", "/", "%"):
            raise OfflineError("arithmetic is not computed offline")
        if self.word() in ("DIV", "MOD", "COLLATE", "REGEXP", "RLIKE", "SOUNDS"):
            raise OfflineError(f"{self.word()} is not computed offline")
        return left

    def unary(self) -> tuple:
        if self.take_op("-"):
            inner = self.unary()
            return ("neg", inner)
        if self.take_op("+"):
            return self.unary()
        return self.primary()

    def primary(self) -> tuple:  # noqa: C901 - a recursive-descent rule, one branch per primary expression
        t = self.peek()
        if t is None:
            raise OfflineError("syntax error: unexpected end of statement")
        if t.kind in ("str", "hex", "num"):
            self.i += 1
            return ("lit", t.value)
        if t.kind == "op" and t.value == "(":
            self.i += 1
            if self.word() == "SELECT":
                raise OfflineError("a subquery is not computed offline")
            e = self.expr()
            if self.is_op(","):
                raise OfflineError("row constructors are not computed offline")
            self.expect_op(")")
            return e
        if t.kind == "op" and t.value == "@":
            raise OfflineError("variables are not computed offline")
        if t.kind != "id":
            raise OfflineError(f"syntax error {self.near()}")
        w = t.word
        if w in ("NULL",):
            self.i += 1
            return ("lit", None)
        if w in ("TRUE", "FALSE"):
            self.i += 1
            return ("lit", 1 if w == "TRUE" else 0)
        if w == "DEFAULT" and not self.is_op("(", 1):
            self.i += 1
            return ("default",)
        if w in ("SELECT", "EXISTS"):
            raise OfflineError("a subquery is not computed offline")
        if w in ("DATE", "TIME", "TIMESTAMP") and (nxt := self.peek(1)) is not None and nxt.kind == "str":
            raise OfflineError(f"{w} literals are not computed offline")
        if w in ("BINARY", "INTERVAL", "CASE", "ROW"):
            raise OfflineError(f"{w} is not computed offline")
        if self.is_op("(", 1) and not t.quoted:
            self.i += 2
            if w == "TRIM":
                return self.trim()
            if w == "VALUES" or w == "VALUE":
                col = self.column_ref()
                self.expect_op(")")
                return ("values", col)
            if w == "DEFAULT":
                col = self.column_ref()
                self.expect_op(")")
                return ("defaultof", col)
            args = []
            if not self.is_op(")"):
                args.append(self.expr())
                while self.take_op(","):
                    args.append(self.expr())
            self.expect_op(")")
            return ("func", w, args)
        self.i += 1
        name = t.value
        while self.take_op("."):
            name = self.ident()
        return ("col", name)

    def trim(self) -> tuple:
        mode = self.take_word("BOTH", "LEADING", "TRAILING") or "BOTH"
        explicit_mode = self.toks[self.i - 1].word in ("BOTH", "LEADING", "TRAILING")
        remstr = None
        if explicit_mode and self.take_word("FROM"):
            e = self.expr()
        else:
            first = self.expr()
            if self.take_word("FROM"):
                remstr, e = first, self.expr()
            elif explicit_mode:
                raise OfflineError(f"syntax error {self.near()}")
            else:
                e = first
        self.expect_op(")")
        return ("trim", mode, remstr, e)


# ---------------------------------------------------------------------------------------
# Applying one statement


class _Apply:
    def __init__(self, session: Session, state: State, table: Table, store: TableRows,
                 toks: list[_Tok]) -> None:
        self.session = session
        self.state = state
        self.table = table
        self.store = store
        self.p = _Parser(toks)
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
        if not p.at_end():
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
            if p.is_op("(") and p.word(1) != "SELECT":
                p.i += 1
                targets = []
                if not p.is_op(")"):
                    targets.append(self.column(p.column_ref()))
                    while p.take_op(","):
                        targets.append(self.column(p.column_ref()))
                p.expect_op(")")
            if targets is None:
                targets = list(self.table.columns)
            if not p.take_word("VALUES", "VALUE"):
                raise OfflineError(f"INSERT ... {p.word() or p.near()} is not computed offline")
            while True:
                p.expect_op("(")
                values: list[tuple] = []
                if not p.is_op(")"):
                    values.append(p.expr())
                    while p.take_op(","):
                        values.append(p.expr())
                p.expect_op(")")
                if len(values) != len(targets):
                    raise OfflineError(f"Column count doesn't match value count at row {len(rows) + 1}")
                rows.append(list(zip(targets, values, strict=True)))
                if not p.take_op(","):
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
            if not (p.take_op("=") or p.take_op(":=")):
                raise OfflineError(f"syntax error {p.near()}")
            out.append((col, p.expr()))
            if not p.take_op(","):
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
            if col is auto:
                n = _typed(col, out[low])
                if isinstance(n, int) and n >= self.auto:
                    self.auto = n + 1
        return out

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
                self.replace_row(i, updated, ignore=False)
                return
            elif ignore:
                return
            else:
                raise OfflineError(self.duplicate_message(new, conflicts[0]))
        self.check_child(new)
        self.rows.append(new)
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


def _pick(ca: str | None, cb: str | None, ea: tuple, eb: tuple) -> str | None:
    """The collation of a comparison: a column's wins over a literal's."""
    if ea[0] == "col" or ea[0] == "trim" and ea[3][0] == "col":
        return ca
    if eb[0] == "col" or eb[0] == "trim" and eb[3][0] == "col":
        return cb
    return ca or cb


def _truth(v: Any) -> bool | None:
    if v is None:
        return None
    if isinstance(v, (int, Decimal, float)):
        return v != 0
    if isinstance(v, str):
        return _num_prefix(v) != 0
    if isinstance(v, bytes):
        return _num_prefix(v.decode("latin-1")) != 0
    return bool(v)


def _as_text(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Decimal):
        return _decimal_text(v)
    if isinstance(v, float):
        return format_double(v)
    if isinstance(v, bytes):
        try:
            return v.decode("utf-8")
        except UnicodeDecodeError:
            raise OfflineError("binary strings in text expressions are not computed offline") from None
    raise OfflineError("value not computed offline")


def _num_prefix(s: str) -> float:
    m = re.match(r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)", s)
    return float(m.group(1)) if m else 0.0


def _compare(op: str, a: Any, b: Any, coll: str | None) -> int | None:
    if op == "<=>":
        if a is None or b is None:
            return int(a is None and b is None)
        op = "="
    if a is None or b is None:
        return None
    x: Any
    y: Any
    if isinstance(a, bytes) or isinstance(b, bytes):
        if isinstance(a, bytes) and isinstance(b, bytes):
            x, y = a, b
        else:
            raise OfflineError("comparing binary strings is not computed offline")
    elif isinstance(a, str) and isinstance(b, str):
        x, y = _coll_key(a, coll), _coll_key(b, coll)
    else:
        x, y = _number(a), _number(b)
        if isinstance(x, float) or isinstance(y, float):
            x, y = float(x), float(y)
    if op == "=":
        return int(x == y)
    if op in ("<>", "!="):
        return int(x != y)
    if op == "<":
        return int(x < y)
    if op == ">":
        return int(x > y)
    if op == "<=":
        return int(x <= y)
    return int(x >= y)


def _number(v: Any) -> int | Decimal | float:
    if isinstance(v, str):
        if re.fullmatch(r"\s*[+-]?\d+\s*", v):
            return int(v)
        if re.fullmatch(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)\s*", v):
            return Decimal(v.strip())
        return _num_prefix(v)
    return v


def _equal(a: Any, b: Any, coll: str | None) -> bool:
    return _compare("=", a, b, coll) == 1


def _coll_key(s: str, coll: str | None) -> str:
    """The comparison key of ``s`` under ``coll``: exact for binary collations and for
    ASCII text under the case-insensitive ones; other text is not compared offline."""
    coll = (coll or "").lower()
    pad = "nopad" not in coll
    if pad:
        s = s.rstrip(" ")
    if coll.endswith("_bin") or coll == "binary" or not coll:
        return s
    if not coll.endswith("_ci"):
        raise OfflineError(f"comparing text under collation {coll} is not computed offline")
    if not s.isascii():
        raise OfflineError(f"comparing non-ASCII text under collation {coll} is not computed offline")
    return s.upper()


def _like(s: str, pat: str, esc: str, coll: str | None) -> bool:
    rx = []
    i = 0
    while i < len(pat):
        ch = pat[i]
        if ch == esc and i + 1 < len(pat):
            rx.append(re.escape(pat[i + 1]))
            i += 2
            continue
        rx.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    c = (coll or "").lower()
    if c.endswith("_ci"):
        if not (s.isascii() and pat.isascii()):
            raise OfflineError(f"LIKE on non-ASCII text under {c} is not computed offline")
        return re.fullmatch("".join(rx), s, re.S | re.I) is not None
    return re.fullmatch("".join(rx), s, re.S) is not None


# ---------------------------------------------------------------------------------------
# Values: QUOTE() texts to Python values and back

_INT_BITS = {**INTEGER_BITS, "integer": INTEGER_BITS["int"]}
_CODECS = {"latin1": "cp1252", "utf8mb4": "utf-8", "utf8mb3": "utf-8", "utf8": "utf-8",
           "ascii": "ascii"}


def quote(s: str) -> str:
    """MariaDB's QUOTE(): backslash, quote, NUL and Ctrl-Z escaped."""
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'").replace("\0", "\\0").replace(
        "\x1a", "\\Z") + "'"


def _unquote_text(text: str) -> str:
    body = text[1:-1]
    out = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append({"0": "\0", "Z": "\x1a"}.get(nxt, nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _plain(text: str) -> str:
    if text == "NULL":
        return "NULL"
    if text.startswith("x'"):
        return text[2:-1]
    return _unquote_text(text)


def _typed(col: Column, text: str) -> Any:
    """The Python value of a stored QUOTE() text in column ``col``."""
    if text == "NULL":
        return None
    name = col.type.name
    if text.startswith("x'") or text.startswith("X'"):
        return bytes.fromhex(text[2:-1])
    s = _unquote_text(text)
    if name in _INT_BITS:
        return int(s)
    if name in ("decimal", "numeric"):
        return Decimal(s)
    if name in ("float", "double", "real"):
        return float(s)
    return s


def to_text(col: Column, v: Any, strict: bool) -> str:  # noqa: C901 - one branch per column type family
    """The QUOTE() text the server stores for value ``v`` in column ``col``."""
    if v is None:
        return "NULL"
    t = col.type
    name = t.name
    adjusted = ("" if strict else " (the server would adjust it silently; not computed offline)")

    def out_of_range() -> OfflineError:
        return OfflineError(f"Out of range value for column '{col.name}' at row 1{adjusted}")

    def incorrect(kind: str) -> OfflineError:
        shown = v.hex() if isinstance(v, bytes) else _as_text(v)
        return OfflineError(f"Incorrect {kind} value: '{shown}' "
                            f"for column `{col.name}` at row 1{adjusted}")

    if name in _INT_BITS:
        n = _to_int(v, incorrect("integer"))
        bits = _INT_BITS[name]
        lo, hi = (0, 2 ** bits - 1) if t.unsigned else (-2 ** (bits - 1), 2 ** (bits - 1) - 1)
        if not lo <= n <= hi:
            raise out_of_range()
        text = str(n)
        if t.zerofill and t.length:
            text = text.zfill(t.length)
        return quote(text)
    if name in ("decimal", "numeric"):
        d = _to_decimal(v, incorrect("decimal"))
        p, s = t.length or 10, t.scale or 0
        q = d.quantize(Decimal(1).scaleb(-s), rounding=ROUND_HALF_UP)
        if abs(q) >= Decimal(10) ** (p - s) or (t.unsigned and q < 0):
            raise out_of_range()
        if q == 0:
            q = abs(q)
        text = f"{q:f}"
        if t.zerofill and t.length:
            raise OfflineError("ZEROFILL decimals are not computed offline")
        return quote(text)
    if name in ("float", "double", "real"):
        f = float(_to_decimal(v, incorrect("double"))) if not isinstance(v, float) else v
        if t.unsigned and f < 0:
            raise out_of_range()
        if t.zerofill:
            raise OfflineError("ZEROFILL floating-point columns are not computed offline")
        if t.scale is not None:
            if name == "float":
                f = _float32(f, out_of_range)
            d = Decimal(repr(f)).quantize(Decimal(1).scaleb(-t.scale), rounding=ROUND_HALF_UP)
            if abs(d) >= Decimal(10) ** ((t.length or 0) - t.scale):
                raise out_of_range()
            return quote(f"{abs(d) if d == 0 else d:f}")
        if name == "float":
            return quote(format_float(_float32(f, out_of_range)))
        if f in (float("inf"), float("-inf")) or f != f:
            raise out_of_range()
        return quote(format_double(f))
    if name in ("char", "varchar") or name in TEXT_BYTES:
        text = _to_str(v, col)
        if name in ("char", "varchar"):
            if len(text) > (t.length or 0):
                raise OfflineError(f"Data too long for column '{col.name}' at row 1{adjusted}")
        elif len(text.encode("utf-8")) > TEXT_BYTES[name]:
            raise OfflineError(f"Data too long for column '{col.name}' at row 1{adjusted}")
        if name == "char":
            text = text.rstrip(" ")
        return quote(text)
    if name == "enum":
        if isinstance(v, str):
            for member in t.values:
                if _coll_key(member, col.collation) == _coll_key(v, col.collation):
                    return quote(member)
            raise OfflineError(f"Data truncated for column '{col.name}' at row 1{adjusted}")
        n = _to_int(v, incorrect("enum"))
        if 1 <= n <= len(t.values):
            return quote(t.values[n - 1])
        raise OfflineError(f"Data truncated for column '{col.name}' at row 1{adjusted}")
    if name == "set":
        if not isinstance(v, str):
            raise OfflineError("numeric SET values are not computed offline")
        wanted = {_coll_key(p, col.collation) for p in v.split(",")} if v else set()
        chosen = [m for m in t.values if _coll_key(m, col.collation) in wanted]
        if len(chosen) != len(wanted):
            raise OfflineError(f"Data truncated for column '{col.name}' at row 1{adjusted}")
        return quote(",".join(chosen))
    if name in ("binary", "varbinary") or name in BLOB_BYTES:
        b = v if isinstance(v, bytes) else _as_text(v).encode("utf-8")
        limit = BLOB_BYTES.get(name, t.length or 0)
        if len(b) > limit:
            raise OfflineError(f"Data too long for column '{col.name}' at row 1{adjusted}")
        if name == "binary":
            b = b.ljust(t.length or 0, b"\0")
        return "x'" + b.hex().upper() + "'"
    if name in ("date", "datetime", "timestamp", "time", "year"):
        return quote(_temporal(col, v, adjusted))
    raise OfflineError(f"values of {name} columns are not computed offline")


def _to_int(v: Any, err: OfflineError) -> int:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, Decimal):
        return int(v.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            raise err
        return int(round(v))
    if isinstance(v, str) and re.fullmatch(r"[+-]?\d+", v):
        return int(v)
    if isinstance(v, str):
        raise OfflineError(f"{err} (text that is not a plain integer is not computed offline)")
    raise err


def _to_decimal(v: Any, err: OfflineError) -> Decimal:
    if isinstance(v, bool):
        return Decimal(int(v))
    if isinstance(v, (int, Decimal)):
        return Decimal(v)
    if isinstance(v, float):
        return Decimal(repr(v))
    if isinstance(v, str) and re.fullmatch(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", v):
        return Decimal(v)
    raise err


def _to_str(v: Any, col: Column) -> str:
    s = v.decode(_codec(col)) if isinstance(v, bytes) else _as_text(v)
    try:
        s.encode(_codec(col))
    except UnicodeEncodeError:
        raise OfflineError(f"Incorrect string value for column '{col.name}'") from None
    if col.charset in ("utf8mb3", "utf8") and any(ord(ch) > 0xFFFF for ch in s):
        raise OfflineError(f"Incorrect string value for column '{col.name}'")
    return s


def _codec(col: Column) -> str:
    codec = _CODECS.get((col.charset or "").lower())
    if codec is None:
        raise OfflineError(f"text in character set {col.charset} is not computed offline")
    return codec


def _float32(f: float, err: Callable[[], OfflineError]) -> float:
    try:
        return struct.unpack("f", struct.pack("f", f))[0]
    except OverflowError:
        raise err() from None


def format_double(f: float) -> str:
    """A DOUBLE as the server prints it (:func:`~schema_tools.dialect.types.format_real`);
    an infinity or a NaN is refused, as the server refuses the value."""
    if math.isinf(f) or math.isnan(f):
        raise OfflineError(f"the value {Decimal(repr(f))} is out of the DOUBLE range: not computed offline")
    return format_real(f)


def format_float(f: float) -> str:
    """A FLOAT as the server prints it: six significant digits."""
    if math.isinf(f) or math.isnan(f):
        raise OfflineError(f"the value {Decimal(repr(f))} is out of the DOUBLE range: not computed offline")
    return format_real(f, single=True)


def _decimal_text(d: Decimal) -> str:
    return f"{d:f}"


_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,6}))?")


def _temporal(col: Column, v: Any, adjusted: str) -> str:
    name = col.type.name
    if name == "year":
        n = _to_int(v, OfflineError(f"Incorrect year value for column '{col.name}'"))
        if isinstance(v, str) and len(v) != 4:
            raise OfflineError("two-digit years are not computed offline")
        if n == 0 or 1901 <= n <= 2155:
            return f"{n:04d}"
        raise OfflineError(f"Out of range value for column '{col.name}' at row 1{adjusted}")
    if not isinstance(v, str):
        raise OfflineError(f"numbers as {name} values are not computed offline")
    s = v.strip()
    fsp = col.type.length or 0
    bad = OfflineError(f"Incorrect {name} value: '{v}' for column `{col.name}` at row 1{adjusted}")
    if name == "time":
        m = re.fullmatch(r"(-?)(\d{1,3}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?", s)
        if m is None or int(m.group(3)) > 59 or int(m.group(4)) > 59 or int(m.group(2)) > 838:
            raise bad
        frac = m.group(5) or ""
        if len(frac.rstrip("0")) > fsp:
            raise OfflineError("fractional seconds beyond the column's precision are not computed offline")
        text = f"{m.group(1)}{int(m.group(2)):02d}:{m.group(3)}:{m.group(4)}"
        return text + ("." + frac.ljust(fsp, "0")[:fsp] if fsp else "")
    m = re.fullmatch(rf"{_DATE.pattern}(?:[ T]{_TIME.pattern})?", s)
    if m is None:
        raise bad
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if (y, mo, d) == (0, 0, 0) or mo == 0 or d == 0:
        raise OfflineError("zero dates are not computed offline")
    if mo > 12 or d > calendar.monthrange(y or 2000, mo)[1]:
        raise bad
    date = f"{y:04d}-{mo:02d}-{d:02d}"
    if name == "date":
        if m.group(4) is not None:
            raise OfflineError("a time in a DATE value is not computed offline")
        return date
    hh, mi, ss = (int(m.group(i)) if m.group(i) else 0 for i in (4, 5, 6))
    if hh > 23 or mi > 59 or ss > 59:
        raise bad
    frac = m.group(7) or ""
    if len(frac.rstrip("0")) > fsp:
        raise OfflineError("fractional seconds beyond the column's precision are not computed offline")
    text = f"{date} {hh:02d}:{mi:02d}:{ss:02d}" + ("." + frac.ljust(fsp, "0")[:fsp] if fsp else "")
    if name == "timestamp" and not ("1970-01-01 00:00:01" <= text[:19] <= "2038-01-19 03:14:07"):
        raise OfflineError("TIMESTAMP values near or outside the range depend on the time "
                           "zone: not computed offline")
    return text


def default_text(col: Column) -> str:
    """The QUOTE() text of a column's DEFAULT (the model's spelling of it)."""
    d = col.default
    if d is None or d == "NULL":
        return "NULL"
    if d.startswith("'") and d.endswith("'"):
        body = d[1:-1]
        out, i = [], 0
        while i < len(body):  # the model's quote_string(): '' and backslash escapes
            ch = body[i]
            if ch == "'" and body[i + 1:i + 2] == "'":
                out.append("'")
                i += 2
            elif ch == "\\" and i + 1 < len(body):
                out.append({"0": "\0", "n": "\n", "r": "\r", "Z": "\x1a"}.get(body[i + 1], body[i + 1]))
                i += 2
            else:
                out.append(ch)
                i += 1
        value: Any = "".join(out)
        if col.type.name in ("binary", "varbinary") or col.type.name in BLOB_BYTES:
            value = value.encode("utf-8")
        return to_text(col, value, True)
    if re.fullmatch(r"-?\d+", d):
        return to_text(col, int(d), True)
    if re.fullmatch(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", d):
        return to_text(col, Decimal(d) if "e" not in d.lower() else float(d), True)
    raise OfflineError(f"the default of column '{col.name}' ({d}) is not computed offline")


def implicit_default(col: Column) -> str:
    """The value the server gives a NOT NULL column without DEFAULT outside strict mode."""
    name = col.type.name
    if name in _INT_BITS or name in ("decimal", "numeric", "float", "double", "real"):
        return to_text(col, 0, True)
    if name in ("char", "varchar") or name in TEXT_BYTES:
        return "''"
    if name == "enum":
        return quote(col.type.values[0]) if col.type.values else "''"
    if name == "set":
        return "''"
    if name in ("binary", "varbinary") or name in BLOB_BYTES:
        return to_text(col, b"", True)
    raise OfflineError(f"the implicit default of column '{col.name}' is not computed offline")


# ---------------------------------------------------------------------------------------
# Table DDL: the rows follow


def after_table_ddl(state: State, before: dict[str, Table | None], session: Session) -> None:
    """Carry the tracked rows through the table DDL statement just applied."""
    events, state.ddl_events = state.ddl_events, []
    for i, ev in enumerate(events):
        kind = ev[0]
        if kind == "create":
            _, name, auto = ev
            if name in state.tracked:
                state.rows[name] = TableRows(auto_increment=auto or 1)
            else:
                state.rows.pop(name, None)
        elif kind == "rename":
            _, old, new = ev
            store = state.rows.pop(old, None)
            if new in state.tracked:
                if store is None:
                    store = TableRows(unknown=f"`{new}` was renamed from `{old}`, whose rows are "
                                              "not tracked")
                state.rows[new] = store
        elif kind == "alter":
            _, old, new, renamed, auto = ev
            store = state.rows.pop(old, None)
            if store is None:
                continue
            final = new
            for later in events[i + 1:]:
                if later[0] == "rename" and later[1] == final:
                    final = later[2]
            old_table, new_table = before.get(old), state.tables.get(final)
            if old_table is not None and new_table is not None and not store.unknown:
                store.rows = _convert_rows(store.rows, old_table, new_table, renamed)
                _check_unique(new_table, store)
                if auto is not None:
                    store.auto_increment = _next_auto(new_table, store, auto)
                elif any(c.auto_increment for c in new_table.columns) and not any(
                        c.auto_increment for c in old_table.columns):
                    store.auto_increment = _next_auto(new_table, store)
            state.rows[new] = store
        elif kind == "truncate":
            _, name = ev
            if name in state.rows:
                state.rows[name] = TableRows()
    for name in list(state.rows):
        if name not in state.tables or name not in state.tracked:
            del state.rows[name]


def _unique_keys(table: Table) -> list[tuple[str, list[tuple[Column, int | None]]]]:
    """The primary key and unique indexes: (name, [(column, prefix length)])."""
    keys = []
    by_low = {c.name.lower(): c for c in table.columns}
    if table.primary_key is not None:
        keys.append(("PRIMARY", [(by_low[c.name.lower()], c.length)
                                 for c in table.primary_key.columns]))
    for ix in table.indexes:
        if ix.kind == "unique":
            keys.append((ix.name, [(by_low[c.name.lower()], c.length) for c in ix.columns]))
    return keys


def _key_of(row: dict[str, str], parts: list[tuple[Column, int | None]]) -> tuple | None:
    """The comparison key of ``row`` for a unique key; None when a part is NULL."""
    out = []
    for col, length in parts:
        if col.generated is not None:
            raise OfflineError("a unique key on a generated column is not computed offline")
        v = _typed(col, row.get(col.name.lower(), "NULL"))
        if v is None:
            return None
        if isinstance(v, str):
            if length is not None:
                v = v[:length]
            v = _coll_key(v, col.collation)
        elif isinstance(v, bytes) and length is not None:
            v = v[:length]
        out.append(v)
    return tuple(out)


def _check_unique(table: Table, store: TableRows) -> None:
    """A unique key added to rows that repeat it fails on the server."""
    if len(store.rows) < 2:
        return
    for name, parts in _unique_keys(table):
        seen = set()
        for row in store.rows:
            k = _key_of(row, parts)
            if k is None:
                continue
            if k in seen:
                shown = "-".join(_plain(row[c.name.lower()]) for c, _ in parts)
                raise OfflineError(f"Duplicate entry '{shown}' for key '{name}'")
            seen.add(k)


def _convert_rows(rows: list[dict[str, str]], old: Table, new: Table,
                  renamed: dict[str, str]) -> list[dict[str, str]]:
    old_cols = {c.name.lower(): c for c in data_columns(old)}
    source: dict[str, str] = {}  # new column (lower) -> old column (lower)
    renamed_to = {v.lower(): k for k, v in renamed.items()}
    for c in data_columns(new):
        low = c.name.lower()
        if low in renamed_to:
            source[low] = renamed_to[low]
        elif low in old_cols and low not in renamed:
            source[low] = low
    if not rows:
        return rows
    out = []
    for row in rows:
        converted = {}
        for c in data_columns(new):
            low = c.name.lower()
            src = source.get(low)
            if src is None:
                if c.auto_increment:
                    raise OfflineError(f"numbering existing rows in new AUTO_INCREMENT column "
                                       f"'{c.name}' is not computed offline")
                converted[low] = (default_text(c) if c.default is not None or c.nullable
                                  else implicit_default(c))
                continue
            oc = old_cols[src]
            text = row.get(src, "NULL")
            if (oc.type, oc.charset, oc.collation) == (c.type, c.charset, c.collation):
                converted[low] = text
                continue
            if oc.type.name in ("float", "double", "real") and c.type.name != oc.type.name:
                raise OfflineError(f"converting the values of column '{c.name}' from "
                                   f"{oc.type.sql()} is not computed offline")
            value = _typed(oc, text)
            if value is None and not c.nullable:
                raise OfflineError(f"NULL values of column '{c.name}' in a NOT NULL column "
                                   "are not computed offline")
            converted[low] = to_text(c, value, True)
        out.append(converted)
    return out
