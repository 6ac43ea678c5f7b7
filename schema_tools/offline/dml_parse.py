"""DML statements on tracked tables, read and parsed (see :mod:`.data`): the tokens are
those of the offline reader's lexer (:mod:`schema_tools.dialect.lexer`, which follows the session's sql_mode),
turned into the values the parser reads; the parser reads names and expressions (each
expression a tuple, which :mod:`.data` evaluates).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from ..dialect.lexer import Cursor, Modes, Tok
from .state import OfflineError, Session


# ---------------------------------------------------------------------------------------
# Tokens

# The operators the parser reads; the lexer's others (``<<``, ``->`` ...) are read as these.
_OP = re.compile(r"<=>|<>|!=|<=|>=|\|\||&&|:=|[(),=<>+\-*/.;@!%]")
_OPS = frozenset(("<=>", "<>", "!=", "<=", ">=", "||", "&&", ":=", *"(),=<>+-*/.;@!%"))
_INTRODUCERS = frozenset(("_utf8", "_utf8mb3", "_utf8mb4", "_latin1", "_binary", "_ascii"))
_INTRODUCER_NAME = re.compile(r"_[A-Za-z0-9]+")


class _Lit(Tok):
    """A literal token with its value: a string's text (adjacent strings joined, an
    introducer dropped), a hex or bit literal's bytes, a number as int, Decimal or float."""

    __slots__ = ("literal",)

    def __init__(self, kind: str, text: str, start: int, end: int, literal: Any) -> None:
        super().__init__(kind, text, start, end, text)
        self.literal = literal


def _tokenize(sql: str, session: Session) -> list[Tok]:
    """The lexer's tokens of a DML statement, literals with their values (:class:`_Lit`),
    operators as the parser reads them, introducers and a trailing ``;`` dropped."""
    cur = Cursor(sql, modes=Modes(session.sql_mode))
    out: list[Tok] = []
    while (t := cur.peek()) is not None:
        cur.i += 1
        kind = t.kind
        if kind == "string" or kind == "nstring":
            last = out[-1] if out else None
            if isinstance(last, _Lit) and last.kind == "string":  # 'a' 'b' is 'ab'
                out[-1] = _Lit("string", sql[last.start:t.end], last.start, t.end, last.literal + t.value)
            else:
                out.append(_Lit("string", t.text, t.start, t.end, t.value))
        elif kind == "hexbin":
            out.append(_Lit("hexbin", t.text, t.start, t.end, _literal_bytes(t.text)))
        elif kind == "number":
            out.append(_Lit("number", t.text, t.start, t.end, _number(t.text)))
        elif kind == "op":
            out.extend(_operators(sql, t, cur))
        elif kind == "qident":
            out.append(t)
        elif not _introducer(sql, t, cur.peek()):  # a word (an unknown introducer is one)
            out.append(t if kind == "word" else Tok("word", t.text, t.start, t.end, t.value))
    while out and out[-1].kind == "op" and out[-1].text == ";":
        out.pop()
    return out


def _introducer(sql: str, t: Tok, nxt: Tok | None) -> bool:
    """Whether the word ``t`` introduces the '...' string after it (refused unless it
    names one of the character sets the offline values are computed in)."""
    if nxt is None or nxt.kind != "string" or nxt.text[0] != "'" \
            or not _INTRODUCER_NAME.fullmatch(t.text) or sql[t.end:nxt.start].strip():
        return False
    if t.text.lower() not in _INTRODUCERS:
        raise OfflineError(f"character set introducer {t.text} is not supported offline")
    return True


def _operators(sql: str, t: Tok, cur: Cursor) -> list[Tok]:
    """The parser's operators for the lexer's ``t``: itself, or its characters read again
    with the ones after it (``<<=`` is ``<`` ``<=``), the tokens they take skipped."""
    if t.text in _OPS:
        return [t]
    ops: list[Tok] = []
    pos, end = t.start, t.end
    while pos < end:
        m = _OP.match(sql, pos)
        if m is None:
            raise OfflineError(f"syntax error near {sql[pos:pos + 20]!r}")
        ops.append(Tok("op", m.group(), pos, m.end(), m.group()))
        pos = m.end()
        while pos > end:
            end = cur.next().end
    return ops


def _literal_bytes(text: str) -> bytes:
    """The bytes of a hex (``x'4A'``, ``0x4A``) or bit (``b'01'``, ``0b01``) literal."""
    digits = text[2:-1] if text[1] == "'" else text[2:]
    if text[0] in "xX" or text.startswith("0x"):
        if len(digits) % 2:
            if text[1] == "'":
                raise OfflineError("syntax error: odd number of hex digits")
            digits = "0" + digits
        return bytes.fromhex(digits)
    return int(digits or "0", 2).to_bytes((len(digits) + 7) // 8, "big")


def _number(text: str) -> int | Decimal | float:
    if text.isdigit():
        return int(text)
    if "e" in text or "E" in text:
        return float(text)
    return Decimal(text)


class _Parser(Cursor):
    """The DML parser: a cursor over :func:`_tokenize`'s tokens."""

    def word(self, k: int = 0) -> str:
        """The upper-cased word ``k`` tokens ahead (a quoted name is no word), or ''."""
        t = self.peek(k)
        return t.value if t is not None and t.kind == "word" else ""

    def take_word(self, *words: str) -> str | None:
        """Accept one of ``words`` if it is next: the one accepted."""
        w = self.word()
        if w in words:
            self.i += 1
            return w
        return None

    def table_name(self) -> str:
        name = self.ident()
        if self.accept_op("."):
            name = self.ident()
        return name

    def column_ref(self) -> str:
        name = self.ident()
        while self.accept_op("."):  # t.c or db.t.c: the one table of the statement
            name = self.ident()
        return name

    # ---- expressions: tuples ("lit", v) ("col", name) ("default",) ("values", col)
    # ("func", NAME, args) ("trim", mode, remstr, e) ("not", e) ("and"/"or", a, b)
    # ("cmp", op, a, b) ("isnull", e, neg) ("in", e, items, neg) ("between", e, lo, hi, neg)
    # ("like", e, pattern, neg, escape) ("neg", e)

    def expr(self) -> tuple:
        left = self.and_expr()
        while self.take_word("OR", "XOR") or self.accept_op("||"):
            if self.word(-1) == "XOR":
                raise OfflineError("XOR is not computed offline")
            left = ("or", left, self.and_expr())
        return left

    def and_expr(self) -> tuple:
        left = self.not_expr()
        while self.take_word("AND") or self.accept_op("&&"):
            left = ("and", left, self.not_expr())
        return left

    def not_expr(self) -> tuple:
        if self.take_word("NOT") or self.accept_op("!"):
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
                while self.accept_op(","):
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
        if self.accept_op("-"):
            inner = self.unary()
            return ("neg", inner)
        if self.accept_op("+"):
            return self.unary()
        return self.primary()

    def primary(self) -> tuple:  # noqa: C901 - a recursive-descent rule, one branch per primary expression
        t = self.peek()
        if t is None:
            raise OfflineError("syntax error: unexpected end of statement")
        if isinstance(t, _Lit):
            self.i += 1
            return ("lit", t.literal)
        if t.kind == "op" and t.value == "(":
            self.i += 1
            if self.word() == "SELECT":
                raise OfflineError("a subquery is not computed offline")
            e = self.expr()
            if self.at_op(","):
                raise OfflineError("row constructors are not computed offline")
            self.expect_op(")")
            return e
        if t.kind == "op" and t.value == "@":
            raise OfflineError("variables are not computed offline")
        if not t.is_name:
            raise OfflineError(f"syntax error {self.near()}")
        w = self.word()
        if w in ("NULL",):
            self.i += 1
            return ("lit", None)
        if w in ("TRUE", "FALSE"):
            self.i += 1
            return ("lit", 1 if w == "TRUE" else 0)
        if w == "DEFAULT" and not self.at_op("(", 1):
            self.i += 1
            return ("default",)
        if w in ("SELECT", "EXISTS"):
            raise OfflineError("a subquery is not computed offline")
        if w in ("DATE", "TIME", "TIMESTAMP") and (nxt := self.peek(1)) is not None and nxt.kind == "string":
            raise OfflineError(f"{w} literals are not computed offline")
        if w in ("BINARY", "INTERVAL", "CASE", "ROW"):
            raise OfflineError(f"{w} is not computed offline")
        if self.at_op("(", 1) and t.kind == "word":
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
            if not self.at_op(")"):
                args.append(self.expr())
                while self.accept_op(","):
                    args.append(self.expr())
            self.expect_op(")")
            return ("func", w, args)
        self.i += 1
        name = t.name
        while self.accept_op("."):
            name = self.ident()
        return ("col", name)

    def trim(self) -> tuple:
        mode = self.take_word("BOTH", "LEADING", "TRAILING") or "BOTH"
        explicit_mode = self.word(-1) in ("BOTH", "LEADING", "TRAILING")
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
