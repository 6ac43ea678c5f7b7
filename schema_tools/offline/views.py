"""CREATE, ALTER and DROP VIEW, offline.

View definitions are rewritten by the server; a documented subset of SELECT (column
references, ``*``, aliases, joins with ON, simple WHERE/GROUP BY/ORDER BY/LIMIT, a list of
aliased literals without FROM) is reproduced, everything else is refused with
:class:`~.state.OfflineError`.  A view as mariadb-dump writes it holds the server's own
text, taken as it is where :mod:`.dump_views` can tell it is that text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NoReturn

from ..dialect.types import quote_ident
from ..model.objects import Table, View
from .dump_views import dumped_definition
from ..dialect.lexer import NAME_MAX, Cursor, Modes, tokenize
from .reserved import RESERVED
from .state import OfflineError, Session, State
from .statements import Head, accept_if_exists, accept_if_not_exists, definer_of, end_statement

# The server stores a view as its own rewrite of the SELECT.  The subset reproduced here
# was checked against MariaDB 10.11: column references, * and t.*, aliases, FROM with
# comma joins, [INNER|CROSS] JOIN and LEFT [OUTER] JOIN ... ON, WHERE/ON conditions made
# of comparisons, IS [NOT] NULL, [NOT] LIKE, [NOT] IN (literals), [NOT] BETWEEN, AND/OR
# and parentheses over columns and plain literals; GROUP BY and ORDER BY on columns;
# DISTINCT; LIMIT n.

_REFUSE_VIEW = "the server rewrites view definitions; this one cannot be reproduced offline"


class _ViewRefused(Exception):
    pass


def _print_string(value: str) -> str:
    """A string literal as the server prints it in a view (String::print)."""
    out = []
    for ch in value:
        out.append({"\\": "\\\\", "\0": "\\0", "'": "\\'", "\n": "\\n", "\r": "\\r",
                    "\x1a": "\\Z"}.get(ch, ch))
    return "'" + "".join(out) + "'"


_INT_LIT = re.compile(r"[0-9]{1,18}")
_DEC_LIT = re.compile(r"[0-9]{1,30}\.[0-9]{1,30}")


class _ViewParser:
    def __init__(self, cur: Cursor, state: State) -> None:
        self.cur = cur
        self.state = state
        self.sources: list[tuple[str, str, Table]] = []   # (qualifier, table name, table)
        self.outer_join = False

    # ---- helpers
    def refuse(self) -> NoReturn:
        raise _ViewRefused()

    def name_token(self) -> str:
        t = self.cur.peek()
        if t is None or t.kind not in ("word", "qident"):
            self.refuse()
        self.cur.i += 1
        return t.text if t.kind == "word" else t.value

    # ---- FROM
    def table_ref(self) -> str:
        name = self.name_token()
        if self.cur.at_op(".") or self.cur.at_op("("):
            self.refuse()
        table = self.state.tables.get(name)
        if table is None:
            if name in self.state.views:
                self.refuse()          # views over views: columns not tracked
            raise OfflineError(f"Table '{name}' doesn't exist")
        qualifier = name
        if self.cur.accept_kw("AS"):
            qualifier = self.name_token()
        elif (t := self.cur.peek()) is not None and t.kind == "qident":
            qualifier = self.name_token()
        elif (t := self.cur.peek()) is not None and t.kind == "word" and not t.is_kw(
                "JOIN", "INNER", "CROSS", "LEFT", "RIGHT", "NATURAL", "STRAIGHT_JOIN", "ON", "USING",
                "WHERE", "GROUP", "ORDER", "LIMIT", "HAVING", "WITH", "UNION", "WINDOW", "FOR",
                "LOCK", "INTO", "PROCEDURE", "USE", "IGNORE", "FORCE", "EXCEPT", "INTERSECT",
                "PARTITION"):
            qualifier = self.name_token()
        if any(q == qualifier for q, _, _ in self.sources):
            raise OfflineError(f"Not unique table/alias: '{qualifier}'")
        self.sources.append((qualifier, name, table))
        return quote_ident(name) + ("" if qualifier == name else " " + quote_ident(qualifier))

    def from_clause(self) -> str:
        text = self.table_ref()
        while True:
            cur = self.cur
            if cur.accept_op(","):
                text = f"({text} join {self.table_ref()})"
                continue
            left = False
            if cur.accept_kw("LEFT"):
                cur.accept_kw("OUTER")
                left = self.outer_join = True
                cur.expect_kw("JOIN")
            elif cur.accept_kw("INNER", "JOIN") or cur.accept_kw("CROSS", "JOIN") or cur.accept_kw("JOIN"):
                pass
            else:
                return text
            right = self.table_ref()
            if cur.accept_kw("ON"):
                cond = self.condition()
                text = f"({text} {'left join' if left else 'join'} {right} on({cond}))"
            elif left or cur.at_kw("USING"):
                self.refuse()
            else:
                text = f"({text} join {right})"

    # ---- columns
    def column(self) -> tuple[str, str]:
        """A column reference: (printed, name as written)."""
        first = self.name_token()
        if self.cur.accept_op("."):
            col = self.name_token()
            if self.cur.at_op("."):
                self.refuse()
            matches = [(q, t) for q, _, t in self.sources if q == first]
            if not matches:
                raise OfflineError(f"Unknown column '{first}.{col}'")
            q, table = matches[0]
            real = next((c.name for c in table.columns if c.name.lower() == col.lower()), None)
            if real is None:
                raise OfflineError(f"Unknown column '{first}.{col}'")
            return f"{quote_ident(q)}.{quote_ident(real)}", col
        found = [(q, c.name) for q, _, t in self.sources for c in t.columns
                 if c.name.lower() == first.lower()]
        if not found:
            raise OfflineError(f"Unknown column '{first}'")
        if len(found) > 1:
            raise OfflineError(f"Column '{first}' is ambiguous")
        q, real = found[0]
        return f"{quote_ident(q)}.{quote_ident(real)}", first

    def operand(self) -> str:
        cur = self.cur
        t = cur.peek()
        if t is None:
            self.refuse()
        if t.kind == "number":
            cur.i += 1
            return self.number(t.text, "")
        if t.kind == "op" and t.text == "-":
            n = cur.peek(1)
            if n is not None and n.kind == "number" and n.start == t.end:
                cur.i += 2
                return self.number(n.text, "-")
            self.refuse()
        if t.kind == "string":
            nxt = cur.peek(1)
            if nxt is not None and nxt.kind == "string":
                self.refuse()           # adjacent literals are concatenated
            cur.i += 1
            if not t.value.isascii():
                self.refuse()
            return _print_string(t.value)
        if t.is_kw("NULL"):
            cur.i += 1
            return "NULL"
        if t.is_kw("TRUE", "FALSE"):
            cur.i += 1
            return "1" if t.value == "TRUE" else "0"
        if t.kind in ("word", "qident"):
            nxt = cur.peek(1)
            if nxt is not None and nxt.kind == "op" and nxt.text == "(":
                self.refuse()
            return self.column()[0]
        self.refuse()
        return ""

    def number(self, text: str, sign: str) -> str:
        if _INT_LIT.fullmatch(text):
            return sign + str(int(text))
        if _DEC_LIT.fullmatch(text):
            return sign + text
        self.refuse()
        return ""

    # ---- conditions
    def condition(self) -> str:
        return self._print(self._or())

    def _or(self):
        return self._joined("or", self._and, lambda: self.cur.accept_kw("OR"))

    def _and(self):
        return self._joined("and", self._pred, lambda: self.cur.accept_kw("AND") or self.cur.accept_op("&&"))

    @staticmethod
    def _joined(op: str, operand: Callable[[], Any], accept: Callable[[], bool]):
        """``operand`` alone, or ``(op, [operands])`` for the operands joined by ``op``
        (``accept`` takes the operator), with a nested ``op`` flattened into it."""
        items = [operand()]
        while accept():
            items.append(operand())
        if len(items) == 1:
            return items[0]
        flat: list[Any] = []
        for it in items:
            flat.extend(it[1] if isinstance(it, tuple) and it[0] == op else [it])
        return (op, flat)

    def _print(self, node, parent: str = "") -> str:
        if isinstance(node, str):
            return node
        op, items = node
        text = f" {op} ".join(self._print(i, op) for i in items)
        return f"({text})" if parent == "and" and op == "or" else text

    def _pred(self):
        cur = self.cur
        if cur.accept_op("("):
            inner = self._or()
            cur.expect_op(")")
            return inner
        if cur.at_kw("NOT") or cur.at_op("!"):
            self.refuse()               # the server rewrites negations
        left = self.operand()
        t = cur.peek()
        if t is None:
            self.refuse()
        if t.kind == "op" and t.text in ("=", "<>", "!=", "<", ">", "<=", ">=", "<=>"):
            cur.i += 1
            right = self.operand()
            return f"{left} {'<>' if t.text == '!=' else t.text} {right}"
        if cur.accept_kw("IS"):
            if cur.accept_kw("NOT", "NULL"):
                return f"{left} is not null"
            cur.expect_kw("NULL")
            return f"{left} is null"
        negated = cur.accept_kw("NOT")
        if cur.accept_kw("LIKE"):
            pattern = cur.peek()
            if pattern is None or pattern.kind != "string":
                self.refuse()
            right = self.operand()
            if cur.at_kw("ESCAPE"):
                self.refuse()
            return f"{left}  not like {right}" if negated else f"{left} like {right}"
        if cur.accept_kw("IN"):
            cur.expect_op("(")
            values = [self.literal()]
            while cur.accept_op(","):
                values.append(self.literal())
            cur.expect_op(")")
            return f"{left} {'not in' if negated else 'in'} ({','.join(values)})"
        if cur.accept_kw("BETWEEN"):
            low = self.operand()
            cur.expect_kw("AND")
            high = self.operand()
            return f"{left} {'not between' if negated else 'between'} {low} and {high}"
        self.refuse()
        return ""

    def literal(self) -> str:
        t = self.cur.peek()
        if t is None or not (t.kind in ("number", "string") or (t.kind == "op" and t.text == "-")):
            self.refuse()
        return self.operand()


def _parse_view_select(  # noqa: C901 - the SELECT grammar of a view, one branch per clause
        cur: Cursor, state: State, columns: list[str] | None,
        name: str) -> tuple[str, bool, list[str], bool]:
    """(definition, mergeable, column names, has an outer join)."""
    p = _ViewParser(cur, state)
    if not cur.accept_kw("SELECT"):
        p.refuse()
    distinct = cur.accept_kw("DISTINCT")
    if not distinct:
        cur.accept_kw("ALL")
    # the select list is read after FROM (it refers to FROM's tables): find FROM first
    list_start = cur.i
    depth = 0
    while cur.peek() is not None and not (depth == 0 and cur.at_kw("FROM")):
        skipped = cur.next()
        if skipped.kind == "op" and skipped.text == "(":
            depth += 1
        elif skipped.kind == "op" and skipped.text == ")":
            depth -= 1
    if cur.peek() is None:
        return _literal_select(p, list_start, distinct, columns)
    list_end = cur.i
    cur.i += 1
    source = p.from_clause()
    after_from = cur.i
    items: list[tuple[str, str]] = []                  # (printed column, name)
    cur.i = list_start
    while True:
        t, nxt = cur.peek(), cur.peek(1)
        if t is not None and t.kind == "op" and t.text == "*":
            if items:
                raise OfflineError("syntax error: a bare * must come first in the select list")
            cur.i += 1
            for q, _, table in p.sources:
                items.extend((f"{quote_ident(q)}.{quote_ident(c.name)}", c.name) for c in table.columns)
        elif (t is not None and t.kind in ("word", "qident") and nxt is not None
              and nxt.kind == "op" and nxt.text == "." and (star := cur.peek(2)) is not None
              and star.kind == "op" and star.text == "*"):
            qual = t.text if t.kind == "word" else t.value
            cur.i += 3
            srcs = [s for s in p.sources if s[0] == qual]
            if not srcs:
                raise OfflineError(f"Unknown table '{qual}'")
            items.extend((f"{quote_ident(qual)}.{quote_ident(c.name)}", c.name) for c in srcs[0][2].columns)
        else:
            if t is None or t.kind not in ("word", "qident"):
                p.refuse()
            if nxt is not None and nxt.kind == "op" and nxt.text == "(":
                p.refuse()
            printed, written = p.column()
            alias = written
            if cur.accept_kw("AS"):
                a = cur.next()
                if a.kind not in ("word", "qident", "string"):
                    p.refuse()
                alias = a.text if a.kind == "word" else a.value
            elif (ahead := cur.peek()) is not None and (ahead.kind in ("qident", "string") or (
                    ahead.kind == "word" and cur.i < list_end)):
                a = cur.next()
                alias = a.text if a.kind == "word" else a.value
            items.append((printed, alias))
        if cur.i >= list_end:
            break
        if not cur.accept_op(",") or cur.i >= list_end:
            p.refuse()
    if cur.i != list_end:
        p.refuse()
    cur.i = after_from
    items, names = _named_items(p, items, columns)
    text = "select " + ("distinct " if distinct else "")
    text += ",".join(f"{pc} AS {quote_ident(n)}" for pc, n in items)
    text += f" from {source}"
    mergeable = not distinct
    if cur.accept_kw("WHERE"):
        text += " where " + p.condition()
    if cur.accept_kw("GROUP", "BY"):
        text += " group by " + ",".join(_order_items(p, items, allow_desc=False))
        mergeable = False
    if cur.at_kw("HAVING"):
        p.refuse()
    if cur.accept_kw("ORDER", "BY"):
        text += " order by " + ",".join(_order_items(p, items, allow_desc=True))
    if cur.accept_kw("LIMIT"):
        t = cur.next()
        if t.kind != "number" or not _INT_LIT.fullmatch(t.text):
            p.refuse()
        if cur.at_op(",") or cur.at_kw("OFFSET"):
            p.refuse()
        text += f" limit {int(t.text)}"
        mergeable = False
    return text, mergeable, names, p.outer_join


def _named_items(p: _ViewParser, items: list[tuple[str, str]],
                 columns: list[str] | None) -> tuple[list[tuple[str, str]], list[str]]:
    """The select list under the view's column names, and those names (checked)."""
    if columns is not None:
        if len(columns) != len(items):
            raise OfflineError("View's SELECT and view's field list have different column counts")
        items = [(pc, n) for (pc, _), n in zip(items, columns, strict=True)]
    names = [n for _, n in items]
    lowered = [n.lower() for n in names]
    for n in names:
        if lowered.count(n.lower()) > 1:
            raise OfflineError(f"Duplicate column name '{n}'")
        if not n or n.endswith(" ") or len(n) > NAME_MAX:
            p.refuse()
    return items, names


def _literal_select(p: _ViewParser, start: int, distinct: bool,
                    columns: list[str] | None) -> tuple[str, bool, list[str], bool]:
    """A SELECT of literals, each with its alias, and no FROM: mariadb-dump's stand-in
    for a view (``SELECT NULL AS `a`, NULL AS `b```).  No table: never mergeable."""
    cur = p.cur
    cur.i = start
    items: list[tuple[str, str]] = []
    while True:
        t = cur.peek()
        if t is not None and t.is_kw("NULL", "TRUE", "FALSE"):
            printed = p.operand()
        else:
            printed = p.literal()
        cur.accept_kw("AS")
        a = cur.peek()
        if a is None or a.kind not in ("word", "qident", "string") or (
                a.kind == "word" and a.value in RESERVED):
            p.refuse()      # no alias: the server names the column after the literal
        cur.i += 1
        items.append((printed, a.text if a.kind == "word" else a.value))
        if cur.done():
            break
        if not cur.accept_op(","):
            p.refuse()
    items, names = _named_items(p, items, columns)
    text = "select " + ("distinct " if distinct else "")
    return text + ",".join(f"{pc} AS {quote_ident(n)}" for pc, n in items), False, names, False


def _order_items(p: _ViewParser, items: list[tuple[str, str]], *, allow_desc: bool) -> list[str]:
    out = []
    while True:
        t = p.cur.peek()
        if t is None or t.kind not in ("word", "qident"):
            p.refuse()
        written = t.text if t.kind == "word" else t.value
        nxt = p.cur.peek(1)
        qualified = nxt is not None and nxt.kind == "op" and nxt.text == "."
        aliased = [pc for pc, n in items if n.lower() == written.lower()]
        if not qualified and aliased:
            if len(set(aliased)) > 1:
                p.refuse()
            p.cur.i += 1
            printed = aliased[0]
        else:
            printed, _ = p.column()
        if allow_desc and p.cur.accept_kw("DESC"):
            printed += " desc"
        elif allow_desc:
            p.cur.accept_kw("ASC")
        out.append(printed)
        if not p.cur.accept_op(","):
            return out


def create_view(cur: Cursor, head: Head, session: Session, state: State, modes: Modes) -> None:
    """CREATE [OR REPLACE] VIEW and ALTER VIEW."""
    if head.dumped is not None:
        _dumped_view(cur, head, session, state, modes)
        return
    alter = head.verb == "ALTER"
    if_not_exists = False if alter else accept_if_not_exists(cur, head)
    name = cur.object_name("view")
    columns = None
    if cur.accept_op("("):
        columns = [cur.ident("column name")]
        while cur.accept_op(","):
            columns.append(cur.ident("column name"))
        cur.expect_op(")")
    cur.expect_kw("AS")
    if name in state.tables:
        raise OfflineError(f"Table '{name}' already exists")
    old = state.views.get(name)
    if alter and old is None:
        raise OfflineError(f"Table '{name}' doesn't exist")
    if old is not None and not alter:
        if if_not_exists:
            return
        if not head.or_replace:
            raise OfflineError(f"Table '{name}' already exists")
    # the SELECT ends where WITH [CASCADED|LOCAL] CHECK OPTION starts
    check = "NONE"
    end = len(cur.toks)
    tail = [t.value for t in cur.toks[-4:]]
    if tail[-3:] == ["WITH", "CHECK", "OPTION"]:
        check, end = "CASCADED", end - 3
    elif tail[-4:] in (["WITH", "CASCADED", "CHECK", "OPTION"], ["WITH", "LOCAL", "CHECK", "OPTION"]):
        check, end = tail[-3], end - 4
    sub = Cursor(cur.sql, cur.toks[:end])
    sub.i = cur.i
    try:
        definition, mergeable, _names, outer = _parse_view_select(sub, state, columns, name)
        if not sub.done():
            raise _ViewRefused()
    except _ViewRefused:
        raise OfflineError(f"view {name}: {_REFUSE_VIEW}") from None
    algorithm = head.algorithm or (old.algorithm if alter and old is not None else "UNDEFINED")
    if algorithm == "MERGE" and not mergeable:
        algorithm = "UNDEFINED"
    updatable = algorithm != "TEMPTABLE" and mergeable and not outer
    if check != "NONE" and not updatable:
        raise OfflineError(f"CHECK OPTION on non-updatable view '{name}'")
    _mark_updatable(state, name, updatable)
    definer = definer_of(head) if (head.definer is not ... or not alter or old is None) else old.definer
    security = head.security or (old.security if alter and old is not None else "DEFINER")
    state.views[name] = View(
        name=name, definition=definition, algorithm=algorithm, security=security,
        check_option=check, definer=definer, charset_client=session.charset_client,
        collation_connection=session.collation_connection)


def _dumped_view(cur: Cursor, head: Head, session: Session, state: State, modes: Modes) -> None:
    """A view as mariadb-dump writes it: the definition is the server's own text."""
    dumped = head.dumped
    assert dumped is not None
    name = cur.object_name("view")
    if name in state.tables or name in state.views:
        raise OfflineError(f"Table '{name}' already exists")
    try:
        toks = tokenize(dumped.body, modes)
    except OfflineError as exc:
        raise OfflineError(f"view {name}: its definition is not as the server prints one "
                           f"({exc}); {_REFUSE_VIEW}") from None
    definition, reads = dumped_definition(dumped, toks, session, state)
    algorithm = head.algorithm or "UNDEFINED"
    # the server decides once, at creation, whether a view is updatable: not over a view
    # that is not (mariadb-dump's stand-ins are not; nor what was created over one).  Its
    # own SELECT is the one the dumped server decided on, with the views it read then.
    updatable = algorithm != "TEMPTABLE" and not (reads & state.not_updatable)
    if dumped.check_option != "NONE" and not updatable:
        raise OfflineError(f"CHECK OPTION on non-updatable view '{name}'")
    _mark_updatable(state, name, updatable)
    state.views[name] = View(
        name=name, definition=definition, algorithm=algorithm,
        security=head.security or "DEFINER", check_option=dumped.check_option,
        definer=definer_of(head), charset_client=session.charset_client,
        collation_connection=session.collation_connection)


def _mark_updatable(state: State, name: str, updatable: bool) -> None:
    if updatable:
        state.not_updatable.discard(name)
    else:
        state.not_updatable.add(name)


def drop_view(cur: Cursor, head: Head, session: Session, state: State, modes: Modes) -> None:
    """DROP VIEW of one or more views."""
    if_exists = accept_if_exists(cur)
    names = [cur.object_name("view")]
    while cur.accept_op(","):
        names.append(cur.object_name("view"))
    cur.accept_kw("RESTRICT") or cur.accept_kw("CASCADE")
    end_statement(cur)
    missing = []
    for n in names:
        if n in state.views:
            del state.views[n]
            state.not_updatable.discard(n)
        elif n in state.tables:
            raise OfflineError(f"'{n}' is not of type 'VIEW'")
        else:
            missing.append(n)
    if missing and not if_exists:
        raise OfflineError(f"Unknown VIEW: '{missing[0]}'")
