"""Offline DDL for stored programs and views: procedures, functions, triggers, events, views.

:func:`apply_routine_ddl` applies one statement to the :class:`~.state.State` the way a
MariaDB 10.11 server would, so that the offline model equals what live introspection
(:mod:`schema_tools.sources.introspect`) reads back after loading the same script.

What the server stores, established against a live server:

* A routine body (``mysql.proc.body``) is the statement text from the first token of the
  body to the end of its last token, as the server's lexer "pre-processes" it: plain
  comments were already removed by the ``mariadb`` client (:func:`client_strip`), kept
  executable comments lose their markers (``/*!50003 x */`` gives `` x ``, no space is
  added around it), skipped ones disappear.  A trailing ``;`` belongs to no body.
* A trigger's body (from ``SHOW CREATE TRIGGER``) and an event's (``mysql.event.body``)
  are cut the same way.  Not ``ACTION_STATEMENT``/``EVENT_DEFINITION``: those are the
  server's "utf8 body", every string literal rewritten from its value, which loses
  backslashes (``'a\\\\b'`` reads ``'a\\b'``, another value).
* Parameter and RETURNS types are spelled as ``information_schema.PARAMETERS`` reports
  them (``integer`` is ``int(11)``, ``decimal`` is ``decimal(10,0)``, ``json`` is
  ``longtext CHARSET utf8mb4 COLLATE utf8mb4_bin``...), string types followed by
  `` CHARSET x COLLATE y`` where the default is the *database* default (not the
  connection's).
* ``sql_mode``, ``character_set_client``, ``collation_connection`` and the database
  collation are those of the session at creation time; ``CURRENT_USER``, no DEFINER at
  all, or one naming the throwaway server's loading account
  (:data:`~schema_tools.sources.loader.LOADER_ACCOUNT`) is recorded as ``None``, any
  other DEFINER (``root@localhost`` included) as stated.
* Trigger ``ACTION_ORDER`` counts per (table, timing, event) in creation order, adjusted
  by FOLLOWS/PRECEDES; ``CREATE OR REPLACE`` puts the trigger last; DROP renumbers.
* View definitions are rewritten by the server; a documented subset of SELECT (column
  references, ``*``, aliases, joins with ON, simple WHERE/GROUP BY/ORDER BY/LIMIT, a
  list of aliased literals without FROM) is reproduced, everything else is refused with
  :class:`OfflineError`.  A view as mariadb-dump writes it holds the server's own text,
  taken as it is where :mod:`.dump_views` can tell it is that text.

Anything that cannot be reproduced exactly raises :class:`OfflineError` with one line.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal, NoReturn, overload

from ..dialect.types import (
    BIT_MAX_LENGTH, BLOB_TYPES, CHAR_MAX_LENGTH, DECIMAL_MAX_PRECISION, DECIMAL_MAX_SCALE,
    DECIMAL_TYPES, DISPLAY_WIDTH, FLOAT_MAX_PRECISION, FLOAT_MAX_SCALE,
    FLOAT_SINGLE_MAX_PRECISION, INTEGER_TYPES, MAX_DISPLAY_WIDTH, MAX_FSP, PLUGIN_TYPES,
    SPATIAL_TYPES, TEMPORAL_FSP, TEXT_TO_BLOB, TEXT_TYPES, VARCHAR_MAX_BYTES, sized_lob,
)
from ..model.objects import Event, Parameter, Routine, Table, Trigger, View
from .dump_views import DumpedView, dumped_definition, match_dump_form
from .reserved import RESERVED
from .state import (
    OfflineError, Session, State, _charset_data, charset_alias, charset_maxlen,
    collation_alias, default_collation,
)

__all__ = ["apply_routine_ddl", "drop_table_triggers", "rename_table_triggers",
           "server_preprocess"]

_WS = " \t\n\r\x0b\x0c"
_NAME_MAX = 64


# =======================================================================================
# Lexer


class Tok:
    """One token: ``kind`` is word, qident, string, nstring, hexbin, number, op or intro;
    ``text`` the token as written; ``value`` for a word its upper-cased text, for a
    qident/string the unquoted value."""

    __slots__ = ("kind", "text", "start", "end", "value")

    def __init__(self, kind: str, text: str, start: int, end: int, value: str = "") -> None:
        self.kind = kind
        self.text = text
        self.start = start
        self.end = end
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tok) and (self.kind, self.text, self.start, self.end, self.value) \
            == (other.kind, other.text, other.start, other.end, other.value)

    __hash__ = None  # type: ignore[assignment]  # compared by value, never hashed (as object says)

    def __repr__(self) -> str:
        return f"Tok({self.kind!r}, {self.text!r}, {self.start}, {self.end}, {self.value!r})"

    def is_kw(self, *words: str) -> bool:
        return self.kind == "word" and self.value in words


_IDENT_CHARS = re.compile(r"[0-9A-Za-z_$\u0080-\U0010ffff]+")
_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_HEXBIN = re.compile(r"(?:[xX]'[0-9a-fA-F]*'|[bB]'[01]*'|0x[0-9a-fA-F]+|0b[01]+)(?![0-9A-Za-z_$])")
_OPS = ("<=>", "->>", ":=", "<=", ">=", "<>", "!=", "||", "&&", "<<", ">>", "->")
_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}


class _Modes:
    def __init__(self, sql_mode: str) -> None:
        modes = set(sql_mode.split(","))
        self.ansi_quotes = "ANSI_QUOTES" in modes
        self.no_backslash = "NO_BACKSLASH_ESCAPES" in modes
        self.real_as_float = "REAL_AS_FLOAT" in modes
        self.oracle = "ORACLE" in modes


def _read_quoted(sql: str, i: int, escapes: bool) -> tuple[str, int]:
    """Parse the quoted literal opening at ``sql[i]``: (value, end offset)."""
    q = sql[i]
    n = len(sql)
    out: list[str] = []
    j = i + 1
    while j < n:
        c = sql[j]
        if c == "\\" and escapes:
            if j + 1 >= n:
                break
            e = sql[j + 1]
            if e in _ESCAPES:
                out.append(_ESCAPES[e])
            elif e in "%_":
                out.append("\\" + e)
            else:
                out.append(e)
            j += 2
            continue
        if c == q:
            if j + 1 < n and sql[j + 1] == q:
                out.append(q)
                j += 2
                continue
            return "".join(out), j + 1
        out.append(c)
        j += 1
    raise OfflineError(f"unterminated quoted text: {sql[i:i + 30]}")


def _charset_names() -> set[str]:
    return set(_charset_data()["charsets"]) | {"utf8"}


# One alternative per token class, in the order the server's lexer tries them; quoted
# text, hex/bit literals, N'...' and words that start with a digit are finished in Python.
_SCAN = re.compile(
    r"(?P<ws>[ \t\n\r\x0b\x0c]+)"
    r"|(?P<line>#[^\n]*\n?|--(?:\Z|\n|[\x00-\x09\x0b-\x20][^\n]*\n?))"
    r"|(?P<block>/\*(?![!]|M!)(?:[^*]|\*(?!/))*\*/)"
    r"|(?P<special>/\*|['\"`]|[nNxXbB]'|0[xb])"
    r"|(?P<word>[A-Za-z_$\u0080-\U0010ffff][0-9A-Za-z_$\u0080-\U0010ffff]*)"
    r"|(?P<digit>[0-9])"
    r"|(?P<number>\.[0-9]+(?:[eE][-+]?[0-9]+)?)"
    r"|(?P<op><=>|->>|:=|<=|>=|<>|!=|\|\||&&|<<|>>|->|[\s\S])"
)


def tokenize(sql: str, modes: _Modes) -> list[Tok]:
    return list(_token_stream(sql, modes))


def _token_stream(sql: str, modes: _Modes):
    """The tokens of ``sql``, one by one (a statement's head is read before its body is
    tokenized, and a procedure body is often never tokenized: see :func:`_fast_body`)."""
    toks: list[Tok] = []
    n = len(sql)
    i = 0
    charsets = None
    scan = _SCAN.match
    while i < n:
        if toks:
            yield from toks
            toks.clear()
        m = scan(sql, i)
        assert m is not None, "the scanner's last alternative takes any character"
        kind = m.lastgroup
        if kind == "ws" or kind == "line" or kind == "block":
            i = m.end()
            continue
        if kind == "word":
            word = m.group(0)
            e = m.end()
            wkind = "word"
            if word[0] == "_":
                if charsets is None:
                    charsets = _charset_names()
                if word[1:].lower() in charsets:
                    wkind = "intro"
            yield Tok(wkind, word, i, e, word.upper())
            i = e
            continue
        if kind == "op":
            op = m.group(0)
            e = m.end()
            yield Tok("op", op, i, e, op)
            i = e
            continue
        if kind == "number":
            e = m.end()
            text = m.group(0)
            yield Tok("number", text, i, e, text)
            i = e
            continue
        i = _scan_special(sql, i, modes, toks)
    yield from toks


def _scan_special(sql: str, i: int, modes: _Modes, toks: list[Tok]) -> int:
    """Tokens the scanner leaves to Python: comments that are not plain, quoted text,
    hex/bit literals, N'..', and what starts with a digit (a number or a word)."""
    c = sql[i]
    if c == "/" and sql.startswith("/*", i):
        if sql[i + 2:i + 3] == "!" or sql[i + 2:i + 4] == "M!":
            raise OfflineError("executable comment left in a stored program statement")
        raise OfflineError("unterminated comment")
    if c == "`" or (c == '"' and modes.ansi_quotes):
        value, e = _read_quoted(sql, i, escapes=False)
        toks.append(Tok("qident", sql[i:e], i, e, value))
        return e
    if c in "'\"":
        value, e = _read_quoted(sql, i, escapes=not modes.no_backslash)
        toks.append(Tok("string", sql[i:e], i, e, value))
        return e
    m = _HEXBIN.match(sql, i)
    if m:
        toks.append(Tok("hexbin", m.group(0), i, m.end(), m.group(0)))
        return m.end()
    if c in "nN" and sql[i + 1:i + 2] == "'":
        value, e = _read_quoted(sql, i + 1, escapes=not modes.no_backslash)
        toks.append(Tok("nstring", sql[i:e], i, e, value))
        return e
    m = _IDENT_CHARS.match(sql, i)
    number = _NUMBER.match(sql, i)
    if m and not (c.isdigit() and number is not None and number.end() >= m.end()):
        word = m.group(0)
        kind = "word"
        if word.startswith("_") and word[1:].lower() in _charset_names():
            kind = "intro"
        toks.append(Tok(kind, word, i, m.end(), word.upper()))
        return m.end()
    assert number is not None, "what is left starts with a digit"
    toks.append(Tok("number", number.group(0), i, number.end(), number.group(0)))
    return number.end()


# =======================================================================================
# What the server makes of the text


def server_preprocess(sql: str, *, version: tuple[int, int, int] = (10, 11, 0),
                      no_backslash_escapes: bool = False) -> str:
    """The server lexer's pre-processed text of a statement the client sent.

    Executable comments that apply to MariaDB ``version`` lose their markers (the content
    stays, nothing is added around it: ``1/*!50003 +1*/+1`` gives ``1 +1+1``); the others
    disappear.  This is the text routine bodies are cut from.  (The offline reader's
    :func:`expand_executable_comments` adds a space where markers alone separated two
    tokens, which is right for parsing but not for stored bodies.)
    """
    current = version[0] * 10000 + version[1] * 100 + version[2]
    out: list[str] = []
    n = len(sql)
    pos = 0
    i = 0
    in_exec = False
    escapes = not no_backslash_escapes
    search = _PRE_SPECIAL.search
    while i < n:
        m = search(sql, i)
        if m is None:
            break
        i = m.start()
        c = m.group(0)
        if c in ("'", '"', "`"):
            i = _quoted_end(sql, i, escapes=escapes)
            continue
        if c == "*/":
            if in_exec:
                out.append(sql[pos:i])
                i += 2
                pos = i
                in_exec = False
            else:
                i += 1
            continue
        maria = sql[i + 2:i + 4] == "M!"
        if sql[i + 2:i + 3] == "!" or maria:
            if in_exec:
                raise OfflineError("nested executable comment in a stored program statement")
            j = i + (4 if maria else 3)
            m = _VERSION_DIGITS.match(sql, j)
            keep = True
            if m:
                v = int(m.group(0))
                keep = v <= current and (maria or not 50700 <= v <= 99999)
                j = m.end()
            out.append(sql[pos:i])
            if keep:
                in_exec = True
                i = pos = j
            else:
                e = sql.find("*/", j)
                if e < 0:
                    raise OfflineError("unterminated executable comment")
                i = pos = e + 2
            continue
        e = sql.find("*/", i + 2)
        i = n if e < 0 else e + 2
    out.append(sql[pos:])
    return "".join(out)


_PRE_SPECIAL = re.compile(r"['\"`]|/\*|\*/")
_VERSION_DIGITS = re.compile(r"[0-9]{5}[0-9]?")
_QUOTED = {  # a quote followed by another is a doubled quote, never the end
    ("'", True): re.compile(r"'(?:[^'\\]|\\[\s\S]|'')*'(?!')"),
    ('"', True): re.compile(r'"(?:[^"\\]|\\[\s\S]|"")*"(?!")'),
    ("'", False): re.compile(r"'(?:[^']|'')*'(?!')"),
    ('"', False): re.compile(r'"(?:[^"]|"")*"(?!")'),
    ("`", True): re.compile(r"`(?:[^`]|``)*`(?!`)"),
    ("`", False): re.compile(r"`(?:[^`]|``)*`(?!`)"),
}


def _quoted_end(sql: str, i: int, escapes: bool = True) -> int:
    q = sql[i]
    m = _QUOTED[(q, escapes)].match(sql, i)
    if m is not None:
        return m.end()
    j = i + 1
    n = len(sql)
    while j < n:
        c = sql[j]
        if c == "\\" and q != "`" and escapes:
            j += 2
            continue
        if c == q:
            if j + 1 < n and sql[j + 1] == q:
                j += 2
                continue
            return j + 1
        j += 1
    return n


# =======================================================================================
# A small recursive-descent cursor


class _Cursor:
    """Tokens of one statement with a read position.  Built from a token list, or from
    the text and modes: then tokens are read as far as the parser looks (``toks``
    reads them all)."""

    def __init__(self, sql: str, toks: list[Tok] | None = None, modes: _Modes | None = None) -> None:
        self.sql = sql
        self.i = 0
        self.modes = modes
        if toks is None:
            self._toks: list[Tok] = []
            self._stream = _token_stream(sql, modes or _Modes(""))
        else:
            self._toks = toks
            self._stream = None

    @property
    def toks(self) -> list[Tok]:
        if self._stream is not None:
            self._toks.extend(self._stream)
            self._stream = None
        return self._toks

    @toks.setter
    def toks(self, value: list[Tok]) -> None:
        self._toks = value
        self._stream = None

    def peek(self, k: int = 0) -> Tok | None:
        j = self.i + k
        toks = self._toks
        if j < len(toks):
            return toks[j]
        stream = self._stream
        if stream is None:
            return None
        for t in stream:
            toks.append(t)
            if j < len(toks):
                return t
        self._stream = None
        return None

    def next(self) -> Tok:
        t = self.peek()
        if t is None:
            raise OfflineError("statement ends too early")
        self.i += 1
        return t

    def at_kw(self, *words: str) -> bool:
        t = self.peek()
        return t is not None and t.is_kw(*words)

    def at_op(self, op: str) -> bool:
        t = self.peek()
        return t is not None and t.kind == "op" and t.text == op

    def accept_kw(self, *words: str) -> bool:
        """Accept the keyword sequence ``words`` if it is next."""
        for k, w in enumerate(words):
            t = self.peek(k)
            if t is None or not t.is_kw(w):
                return False
        self.i += len(words)
        return True

    def accept_op(self, op: str) -> bool:
        if self.at_op(op):
            self.i += 1
            return True
        return False

    def expect_kw(self, *words: str) -> None:
        if not self.accept_kw(*words):
            raise OfflineError(f"expected {' '.join(words)} {self.near()}")

    def expect_op(self, op: str) -> None:
        if not self.accept_op(op):
            raise OfflineError(f"expected '{op}' {self.near()}")

    def near(self) -> str:
        t = self.peek()
        if t is None:
            return "at the end of the statement"
        return f"near '{self.sql[t.start:t.start + 30]}'"

    def done(self) -> bool:
        return self.peek() is None

    def ident(self, what: str = "name") -> str:
        t = self.peek()
        if t is None or t.kind not in ("word", "qident"):
            raise OfflineError(f"expected a {what} {self.near()}")
        self.i += 1
        return t.text if t.kind == "word" else t.value

    def object_name(self, what: str) -> str:
        """``name`` or ``db.name``; a qualified name is refused (one database is read)."""
        name = self.ident(f"{what} name")
        if self.at_op("."):
            self.i += 1
            self.ident(f"{what} name")
            raise OfflineError(f"{what} name qualified with a database: offline reading "
                               f"reads one database and cannot tell which one that is")
        _check_name(name, what)
        return name

    def string(self, what: str) -> str:
        t = self.peek()
        if t is None or t.kind != "string":
            raise OfflineError(f"expected a string for {what} {self.near()}")
        self.i += 1
        return t.value


def _check_name(name: str, what: str) -> None:
    if not name or name.endswith(" "):
        raise OfflineError(f"Incorrect {what} name '{name}'")
    if len(name) > _NAME_MAX:
        raise OfflineError(f"Identifier name '{name[:20]}...' is too long")


# =======================================================================================
# DEFINER


def _parse_definer(cur: _Cursor, session: Session) -> str | None:
    """After ``DEFINER =``: the account as the server records it, None for the loader."""
    t = cur.next()
    if t.is_kw("CURRENT_USER"):
        if cur.accept_op("("):
            cur.expect_op(")")
        return None
    if t.is_kw("CURRENT_ROLE"):
        raise OfflineError("DEFINER=CURRENT_ROLE depends on the loading session's role")
    if t.kind == "word":
        user = t.text
    elif t.kind in ("qident", "string"):
        user = t.value
    else:
        raise OfflineError(f"DEFINER not understood {cur.near()}")
    host = "%"
    at = cur.peek()
    if at is not None and at.kind == "op" and at.text == "@":
        cur.i += 1
        h = cur.peek()
        if h is None or h.start != at.end:
            raise OfflineError("DEFINER: the host must follow '@' directly")
        if h.kind in ("qident", "string"):
            cur.i += 1
            host = h.value
        else:
            # a bare host name: letters, digits and . _ $ % - (the lexer's host state)
            m = re.compile(r"[0-9A-Za-z_$.%\-]+").match(cur.sql, h.start)
            if not m:
                raise OfflineError(f"DEFINER host not understood {cur.near()}")
            while (ahead := cur.peek()) is not None and ahead.start < m.end():
                cur.i += 1
            host = m.group(0)
        host = host.lower() or "%"
    account = f"{user}@{host}"
    return None if account == session.loader_account else account


# =======================================================================================
# Data types of parameters and RETURNS


_SIMPLE_TYPES = {  # as written: the type
    "DATE": "date", "TINYBLOB": "tinyblob", "MEDIUMBLOB": "mediumblob", "LONGBLOB": "longblob",
    **{name.upper(): name for name in (*SPATIAL_TYPES, *PLUGIN_TYPES)},
}


@overload
def _length(cur: _Cursor, *, required: Literal[True]) -> int: ...
@overload
def _length(cur: _Cursor, *, required: bool = False) -> int | None: ...


def _length(cur: _Cursor, *, required: bool = False) -> int | None:
    if not cur.accept_op("("):
        if required:
            raise OfflineError(f"a length is required {cur.near()}")
        return None
    t = cur.next()
    if t.kind != "number" or not t.text.isdigit():
        raise OfflineError(f"type length not understood {cur.near()}")
    cur.expect_op(")")
    return int(t.text)


def _precision(cur: _Cursor) -> tuple[int | None, int | None]:
    if not cur.accept_op("("):
        return None, None
    t = cur.next()
    if t.kind != "number" or not t.text.isdigit():
        raise OfflineError(f"type precision not understood {cur.near()}")
    m, d = int(t.text), None
    if cur.accept_op(","):
        t = cur.next()
        if t.kind != "number" or not t.text.isdigit():
            raise OfflineError(f"type scale not understood {cur.near()}")
        d = int(t.text)
    cur.expect_op(")")
    return m, d


def _num_attrs(cur: _Cursor) -> tuple[bool, bool]:
    """SIGNED | UNSIGNED | ZEROFILL | UNSIGNED ZEROFILL | ZEROFILL UNSIGNED (or nothing)."""
    if cur.accept_kw("SIGNED"):
        return False, False
    if cur.accept_kw("UNSIGNED"):
        return True, cur.accept_kw("ZEROFILL")
    if cur.accept_kw("ZEROFILL"):
        cur.accept_kw("UNSIGNED")
        return True, True
    return False, False


def _num_suffix(unsigned: bool, zerofill: bool) -> str:
    return (" unsigned" if unsigned else "") + (" zerofill" if zerofill else "")


def _charset_name(cur: _Cursor) -> str:
    t = cur.next()
    if t.kind in ("word", "qident", "string"):
        name = (t.text if t.kind == "word" else t.value).lower()
        if t.kind == "word" and t.value == "BINARY":
            return "binary"
        return charset_alias(name)
    raise OfflineError(f"character set name expected {cur.near()}")


def _bin_collation(cs: str) -> str:
    if cs == "binary":
        raise OfflineError("BINARY attribute with the binary character set")
    coll = f"{cs}_bin"
    if coll not in _charset_data()["collations"]:
        raise OfflineError(f"character set {cs} has no binary collation")
    return coll


def _known_charset(cs: str) -> str:
    if cs not in _charset_data()["charsets"]:
        raise OfflineError(f"Unknown character set: '{cs}'")
    return cs


def _string_attrs(  # noqa: C901 - the CHARSET/COLLATE/BINARY/ASCII/UNICODE grammar in one loop
        cur: _Cursor, session: Session, national: bool) -> tuple[str, str]:
    """The character set and collation a string type gets (MariaDB 10.11 grammar)."""
    binary = False
    cs: str | None = "utf8mb3" if national else None
    coll: str | None = None
    if national:                       # NATIONAL types take BINARY and nothing else
        assert cs is not None, "utf8mb3, set above"
        return cs, (_bin_collation(cs) if cur.accept_kw("BINARY") else default_collation(cs))

    def charset_clause() -> bool:
        nonlocal cs
        if cur.accept_kw("CHARACTER", "SET") or cur.accept_kw("CHARSET") or cur.accept_kw("CHAR", "SET"):
            if national:
                raise OfflineError("NATIONAL types take no CHARACTER SET")
            cs = _known_charset(_charset_name(cur))
            return True
        return False

    if cur.accept_kw("BINARY"):
        binary = True
        if not charset_clause():
            if cur.accept_kw("ASCII"):
                cs = "latin1"
            elif cur.accept_kw("UNICODE"):
                cs = "ucs2"
    elif charset_clause():
        if cur.accept_kw("BINARY"):
            binary = True
        elif cur.accept_kw("COLLATE"):
            coll = _collation_name(cur, session)
    elif cur.accept_kw("ASCII"):
        cs = "latin1"
        binary = cur.accept_kw("BINARY")
    elif cur.accept_kw("UNICODE"):
        cs = "ucs2"
        binary = cur.accept_kw("BINARY")
    elif cur.accept_kw("BYTE"):
        cs = "binary"
    elif cur.accept_kw("COLLATE"):
        coll = _collation_name(cur, session)
    if coll == "":              # COLLATE DEFAULT: the default collation of the charset
        cs = cs or session.db_charset
        coll = default_collation(cs)
    if coll:
        coll = collation_alias(coll)
        owner = _charset_data()["collations"].get(coll)
        if owner is None:
            raise OfflineError(f"Unknown collation: '{coll}'")
        if cs is not None and owner != cs:
            raise OfflineError(f"COLLATION '{coll}' is not valid for CHARACTER SET '{cs}'")
        return owner, coll
    if cs is None:
        cs = session.db_charset
        if binary:
            return cs, _bin_collation(cs)
        return cs, session.db_collation
    if binary:
        return cs, _bin_collation(cs)
    return cs, default_collation(cs)


def _collation_name(cur: _Cursor, session: Session) -> str:
    t = cur.next()
    if t.is_kw("DEFAULT"):
        return ""
    if t.kind in ("word", "qident", "string"):
        return (t.text if t.kind == "word" else t.value).lower()
    raise OfflineError(f"collation name expected {cur.near()}")


def _quote_value(value: str) -> str:
    """An ENUM/SET value as SHOW and information_schema print it (append_unescaped)."""
    out = value.replace("\\", "\\\\").replace("'", "''")
    out = out.replace("\0", "\\0").replace("\n", "\\n").replace("\r", "\\r")
    return f"'{out}'"


def _values(cur: _Cursor) -> list[str]:
    cur.expect_op("(")
    values = []
    while True:
        t = cur.next()
        if t.kind != "string":
            raise OfflineError(f"ENUM/SET value not understood {cur.near()}")
        values.append(t.value)
        if cur.accept_op(")"):
            return values
        cur.expect_op(",")


def parse_type(  # noqa: C901 - the data type grammar of routines, one branch per type family
        cur: _Cursor, session: Session, modes: _Modes) -> str:
    """A data type, spelled as information_schema's DTD_IDENTIFIER plus
    `` CHARSET x COLLATE y`` for string types (what introspection records)."""
    t = cur.next()
    if t.kind != "word":
        raise OfflineError(f"data type expected {cur.near()}")
    w = t.value

    def string_type(base: str, length: int | None, national: bool = False) -> str:
        cs, coll = _string_attrs(cur, session, national)
        maxlen = charset_maxlen(cs)
        if base in ("char", "varchar"):
            if base == "char" and length is not None and length > CHAR_MAX_LENGTH:
                raise OfflineError(f"Column length too big (max = {CHAR_MAX_LENGTH}); "
                                   f"use BLOB or TEXT instead")
            if base == "varchar" and (length or 0) * maxlen > VARCHAR_MAX_BYTES:
                raise OfflineError(f"Column length too big (max = {VARCHAR_MAX_BYTES // maxlen});"
                                   f" use BLOB or TEXT instead")
            if cs == "binary":
                return f"{'binary' if base == 'char' else 'varbinary'}({length})"
            return f"{base}({length}) CHARSET {cs} COLLATE {coll}"
        if base == "text" and length:            # TEXT(n): the smallest type that fits
            base = sized_lob(length * maxlen, TEXT_TYPES)
        if base in TEXT_TO_BLOB:
            if cs == "binary":
                return TEXT_TO_BLOB[base]
            return f"{base} CHARSET {cs} COLLATE {coll}"
        raise AssertionError(base)

    if w in ("BOOL", "BOOLEAN"):
        return "tinyint(1)"
    if w.lower() in INTEGER_TYPES:
        name = INTEGER_TYPES[w.lower()]
        length = _length(cur)
        unsigned, zerofill = _num_attrs(cur)
        if length is not None and length > MAX_DISPLAY_WIDTH:
            raise OfflineError(f"Display width out of range (max = {MAX_DISPLAY_WIDTH})")
        width = length or DISPLAY_WIDTH[name][unsigned]
        return f"{name}({width}){_num_suffix(unsigned, zerofill)}"
    if w == "BIT":
        length = _length(cur)
        if length is not None and length > BIT_MAX_LENGTH:
            raise OfflineError(f"Display width out of range (max = {BIT_MAX_LENGTH})")
        return f"bit({length or 1})"
    if w in ("FLOAT", "DOUBLE", "REAL"):
        if w == "DOUBLE":
            cur.accept_kw("PRECISION")
        m, d = _precision(cur)
        unsigned, zerofill = _num_attrs(cur)
        suffix = _num_suffix(unsigned, zerofill)
        name = "float" if w == "FLOAT" or (w == "REAL" and modes.real_as_float) else "double"
        if d is None:
            if m is not None and w == "FLOAT":
                if m > FLOAT_MAX_PRECISION:
                    raise OfflineError("Incorrect column specifier")
                name = "float" if m <= FLOAT_SINGLE_MAX_PRECISION else "double"
            elif m is not None:
                raise OfflineError(f"{w}({m}) not understood")
            return name + suffix
        assert m is not None, "a scale comes with a precision"
        if m > MAX_DISPLAY_WIDTH or d > FLOAT_MAX_SCALE:
            raise OfflineError("Too big precision or scale")
        if m < d:
            raise OfflineError("For float(M,D), double(M,D) or decimal(M,D), M must be >= D")
        if m == 0:                        # (0,0): as if no precision was given
            return name + suffix
        return f"{name}({m},{d}){suffix}"
    if w.lower() in DECIMAL_TYPES:
        m, d = _precision(cur)
        unsigned, zerofill = _num_attrs(cur)
        m = 10 if m is None else m
        d = 0 if d is None else d
        if m > DECIMAL_MAX_PRECISION:
            raise OfflineError(f"Too big precision specified. Maximum is {DECIMAL_MAX_PRECISION}")
        if d > DECIMAL_MAX_SCALE:
            raise OfflineError(f"Too big scale specified. Maximum is {DECIMAL_MAX_SCALE}")
        if m < d:
            raise OfflineError("For float(M,D), double(M,D) or decimal(M,D), M must be >= D")
        return f"decimal({m or 10},{d}){_num_suffix(unsigned, zerofill)}"
    if w.lower() in TEMPORAL_FSP:
        fsp = _length(cur)
        if fsp is not None and fsp > MAX_FSP:
            raise OfflineError(f"Too big precision specified. Maximum is {MAX_FSP}")
        return w.lower() + (f"({fsp})" if fsp else "")
    if w == "YEAR":
        length = _length(cur)
        _num_attrs(cur)
        return "year(2)" if length == 2 else "year(4)"
    if w.lower() in PLUGIN_TYPES or w.lower() in SPATIAL_TYPES:
        _length(cur)                      # accepted and ignored by the server
        return _SIMPLE_TYPES[w]
    if w in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[w]
    if w == "JSON":
        return "longtext CHARSET utf8mb4 COLLATE utf8mb4_bin"
    if w == "BLOB":
        length = _length(cur)
        if length:
            return sized_lob(length, BLOB_TYPES)
        return "blob"
    if w == "BINARY":
        length = _default1(_length(cur))
        if length > CHAR_MAX_LENGTH:
            raise OfflineError(f"Column length too big (max = {CHAR_MAX_LENGTH}); "
                               f"use BLOB or TEXT instead")
        return f"binary({length})"
    if w == "VARBINARY":
        length = _length(cur, required=True)
        if length > VARCHAR_MAX_BYTES:
            raise OfflineError(f"Column length too big (max = {VARCHAR_MAX_BYTES}); "
                               f"use BLOB or TEXT instead")
        return f"varbinary({length})"
    if w == "LONG":
        if cur.accept_kw("VARBINARY"):
            return "mediumblob"
        # LONG, LONG VARCHAR, LONG CHAR VARYING, LONG CHARACTER VARYING: all mediumtext
        cur.accept_kw("VARCHAR") or cur.accept_kw("CHAR", "VARYING") or cur.accept_kw("CHARACTER", "VARYING")
        return string_type("mediumtext", None)
    if w.lower() in TEXT_TYPES:
        length = _length(cur) if w == "TEXT" else None
        return string_type(w.lower(), length)
    if w in ("NCHAR", "NATIONAL", "NVARCHAR"):
        if w == "NATIONAL":
            if not (cur.accept_kw("CHAR") or cur.accept_kw("CHARACTER") or cur.accept_kw("VARCHAR")):
                raise OfflineError(f"NATIONAL type not understood {cur.near()}")
            w2 = cur.toks[cur.i - 1].value
        else:
            w2 = w
        varying = w2 in ("NVARCHAR", "VARCHAR") or cur.accept_kw("VARYING") or cur.accept_kw("VARCHAR")
        length = _length(cur, required=varying)
        return string_type("varchar" if varying else "char",
                           length if varying else _default1(length), national=True)
    if w in ("CHAR", "CHARACTER", "VARCHAR", "VARCHARACTER"):
        varying = w in ("VARCHAR", "VARCHARACTER") or cur.accept_kw("VARYING")
        length = _length(cur, required=varying)
        return string_type("varchar" if varying else "char",
                           length if varying else _default1(length))
    if w in ("ENUM", "SET"):
        values = _values(cur)
        cs, coll = _string_attrs(cur, session, False)
        if cs != "binary":                # trailing spaces go, except for binary strings
            values = [v.rstrip(" ") for v in values]
        folded = [v if coll.endswith("_bin") else v.lower() for v in values]
        if len(set(folded)) != len(folded):
            raise OfflineError(f"{w} has duplicated values")
        return (f"{w.lower()}(" + ",".join(_quote_value(v) for v in values)
                + f") CHARSET {cs} COLLATE {coll}")
    raise OfflineError(f"data type {t.text} is not supported offline")


# words that can only continue a data type, never start a characteristic or a body
_TYPE_TAIL = ("CHARACTER", "CHARSET", "CHAR", "COLLATE", "BINARY", "ASCII", "UNICODE", "BYTE",
              "SIGNED", "UNSIGNED", "ZEROFILL", "PRECISION", "VARYING")


def _default1(length: int | None) -> int:
    return 1 if length is None else length


# =======================================================================================
# Stored program bodies

_COMPOUND = ("IF", "CASE", "LOOP", "WHILE", "REPEAT", "FOR")


def _is_kw_at(toks: list[Tok], k: int, *words: str) -> bool:
    """Token k is one of ``words`` used as a keyword (not ``x.word``)."""
    t = toks[k]
    if not t.is_kw(*words):
        return False
    return not (k > 0 and toks[k - 1].kind == "op" and toks[k - 1].text == ".")


def _body_end(cur: _Cursor, what: str) -> int:  # noqa: C901 - one pass tracking compound statements and labels
    """From the body's first token: the index of the token after the body's last one.

    Refuses bodies followed by another statement (a script missing its DELIMITER) and
    BEGIN blocks without their END, which the server would not accept either."""
    toks = cur.toks
    n = len(toks)
    k = cur.i
    if k >= n:
        raise OfflineError(f"{what} has no body")
    label = None
    if (toks[k].kind in ("word", "qident") and k + 1 < n and toks[k + 1].kind == "op"
            and toks[k + 1].text == ":"):
        label = toks[k].value if toks[k].kind == "word" else toks[k].value.upper()
        k += 2
        if k >= n:
            raise OfflineError(f"{what}: label without a statement")
    if _is_kw_at(toks, k, "BEGIN"):
        stack: list[str] = []
        j = k
        while j < n:
            if _is_kw_at(toks, j, "BEGIN"):
                stack.append("BEGIN")
            elif _is_kw_at(toks, j, "CASE") and not (j > 0 and _is_kw_at(toks, j - 1, "END")):
                stack.append("CASE")
            elif _is_kw_at(toks, j, "END"):
                if j + 1 < n and _is_kw_at(toks, j + 1, *_COMPOUND):
                    if toks[j + 1].value == "CASE" and (not stack or stack.pop() != "CASE"):
                        raise OfflineError(f"{what}: END CASE without CASE")
                    j += 2
                    continue
                if not stack:
                    raise OfflineError(f"{what}: END without BEGIN")
                stack.pop()
                if not stack:
                    end = j + 1
                    if end < n and toks[end].kind in ("word", "qident"):
                        if label is None or toks[end].value.upper() != label:
                            raise OfflineError(f"{what}: end label without a matching label")
                        end += 1
                    return end
            j += 1
        raise OfflineError(f"{what}: BEGIN without END (a script missing its DELIMITER?)")
    if _is_kw_at(toks, k, *_COMPOUND):
        end = n
        while end > k and toks[end - 1].kind == "op" and toks[end - 1].text == ";":
            end -= 1
        kw = toks[k].value
        last = [t for t in toks[k:end]]
        tail = last[-3:] if len(last) >= 3 else last
        ok = (len(last) >= 2 and last[-2].is_kw("END") and last[-1].is_kw(kw)) or (
            len(last) >= 3 and tail[0].is_kw("END") and tail[1].is_kw(kw) and label is not None
            and tail[2].value.upper() == label)
        if not ok:
            raise OfflineError(f"{what}: {kw} without END {kw} (a script missing its DELIMITER?)")
        return end
    depth = 0
    j = k
    while j < n:
        t = toks[j]
        if t.kind == "op":
            if t.text == "(":
                depth += 1
            elif t.text == ")":
                depth -= 1
            elif t.text == ";" and depth <= 0:
                break
        j += 1
    return j


def _take_body(cur: _Cursor, what: str, with_tokens: bool = True) -> tuple[str, list[Tok]]:
    """The body text (as the server cuts it) and its tokens (relative to the body, when
    ``with_tokens``); the cursor is left at the end."""
    if not with_tokens:
        text = _fast_body(cur)
        if text is not None:
            return text, []
    start = cur.i
    end = _body_end(cur, what)
    for t in cur.toks[end:]:
        if not (t.kind == "op" and t.text == ";"):
            raise OfflineError(f"{what}: more than one statement in one query "
                               f"(a script missing its DELIMITER?)")
    first, last = cur.toks[start], cur.toks[end - 1]
    text = cur.sql[first.start:last.end]
    off = first.start
    toks = [Tok(t.kind, t.text, t.start - off, t.end - off, t.value)
            for t in cur.toks[start:end]] if with_tokens else []
    cur.i = len(cur.toks)
    return text, toks


# BEGIN ... END bodies without tokens: what the token walk of _body_end needs is only
# where BEGIN, END and CASE are used as keywords (not after a '.'), and the token after
# each END.  _SKIP passes over everything else in one regex step; whatever it does not
# know (an executable comment, unterminated text, a '.' before something unusual) sends
# the body back to the token walk, which then reports as before.
_NAME_CHARS = r"[0-9A-Za-z_$\u0080-\U0010ffff]"
_SKIP = re.compile(
    r"(?:[ \t\n\r\x0b\x0c]+"
    r"|'(?:[^'\\]|\\[\s\S]|'')*'(?!')"
    r"|\"(?:[^\"\\]|\\[\s\S]|\"\")*\"(?!\")"
    r"|`(?:[^`]|``)*`(?!`)"
    r"|#[^\n]*\n?|--(?:\n|[\x00-\x09\x0b-\x20][^\n]*\n?)"
    r"|/\*(?![!]|M!)(?:[^*]|\*(?!/))*\*/"
    rf"|\.[ \t\n\r]*(?:{_NAME_CHARS}+|`(?:[^`]|``)*`(?!`)|\*)"
    rf"|(?!(?:BEGIN|END|CASE)(?!{_NAME_CHARS})){_NAME_CHARS}+"
    r"|/(?!\*)|[-+*%<>=!|&^~(),;:@?{}\[\]]"
    r")*",
    re.I,
)
_KEYWORD = re.compile(rf"(BEGIN|END|CASE)(?!{_NAME_CHARS})", re.I)


def _fast_body(cur: _Cursor) -> str | None:
    """The body of a procedure or function that is a BEGIN ... END block, found without
    tokenizing it; None when the token walk must decide (any other body, any doubt)."""
    modes = cur.modes
    if cur._stream is None or modes is None or modes.ansi_quotes or modes.no_backslash:
        return None
    first = cur.peek()
    if first is None:
        return None
    label = None
    second = cur.peek(1)
    start_tok = first
    if first.kind in ("word", "qident") and second is not None and second.kind == "op" \
            and second.text == ":":
        label = first.value if first.kind == "word" else first.value.upper()
        third = cur.peek(2)
        if third is None:
            return None
        start_tok = third
    if not start_tok.is_kw("BEGIN"):
        return None
    sql = cur.sql
    n = len(sql)
    pos = start_tok.start
    depth: list[str] = []
    while True:
        skipped = _SKIP.match(sql, pos)
        assert skipped is not None, "the pattern matches the empty string"
        pos = skipped.end()
        if pos >= n:
            return None
        m = _KEYWORD.match(sql, pos)
        if m is None:
            return None
        word = m.group(1).upper()
        pos = m.end()
        if word == "BEGIN":
            depth.append("BEGIN")
        elif word == "CASE":
            depth.append("CASE")
        else:
            after = _next_token(sql, pos)
            if after is None:
                return None
            if after[0] == "word" and after[1] in _COMPOUND:
                if after[1] == "CASE" and (not depth or depth.pop() != "CASE"):
                    return None
                pos = after[3]
                continue
            if not depth:
                return None
            depth.pop()  # END closes a BEGIN, or a CASE expression
            if depth:
                continue
            end = pos
            if after[0] in ("word", "qident"):
                if label is None or after[2].upper() != label:
                    return None
                end = after[3]
            rest = sql[end:]
            if rest.strip(_WS + ";"):
                return None  # something follows: the token walk reports it
            cur.toks = cur._toks[:cur.i]
            return sql[first.start:end]


def _next_token(sql: str, pos: int) -> tuple[str, str, str, int] | None:
    """(kind, upper text, value, end) of the token at or after ``pos``: a word, a quoted
    name, 'end' at the end of the text, 'other' for anything else; None if unsure."""
    m = _WS_OR_COMMENT.match(sql, pos)
    assert m is not None, "the pattern matches the empty string"
    pos = m.end()
    if pos >= len(sql):
        return ("end", "", "", pos)
    m = _WORD_AT.match(sql, pos)
    if m is not None:
        if m.group(0)[0].isdigit() or m.group(0)[0] == "_" or sql[m.end():m.end() + 1] == "'":
            return None
        return ("word", m.group(0).upper(), m.group(0), m.end())
    if sql[pos] == "`":
        m = _QUOTED[("`", False)].match(sql, pos)
        if m is None:
            return None
        return ("qident", "", m.group(0)[1:-1].replace("``", "`"), m.end())
    if sql[pos] in ";),":
        return ("other", sql[pos], sql[pos], pos + 1)
    return None


_WS_OR_COMMENT = re.compile(
    r"(?:[ \t\n\r\x0b\x0c]+|#[^\n]*\n?|--(?:\n|[\x00-\x09\x0b-\x20][^\n]*\n?)"
    r"|/\*(?![!]|M!)(?:[^*]|\*(?!/))*\*/)*")
_WORD_AT = re.compile(rf"{_NAME_CHARS}+")


# =======================================================================================
# Statement heads


@dataclass
class _Head:
    verb: str                    # CREATE / ALTER / DROP
    kind: str                    # PROCEDURE FUNCTION TRIGGER EVENT VIEW
    or_replace: bool = False
    definer: object = ...        # ... = not given; else the account (None = loader)
    algorithm: str | None = None
    security: str | None = None
    aggregate: bool = False
    dumped: DumpedView | None = None    # a CREATE VIEW in mariadb-dump's form (.dump_views)


_KINDS = ("PROCEDURE", "FUNCTION", "TRIGGER", "EVENT", "VIEW")


def _head(cur: _Cursor, session: Session) -> _Head | None:
    verb = cur.next().value
    h = _Head(verb, "")
    if verb == "CREATE" and cur.accept_kw("OR", "REPLACE"):
        h.or_replace = True
    while True:
        if cur.accept_kw("ALGORITHM"):
            cur.expect_op("=")
            t = cur.next()
            if not t.is_kw("UNDEFINED", "MERGE", "TEMPTABLE"):
                return None
            h.algorithm = t.value
        elif cur.accept_kw("DEFINER"):
            cur.expect_op("=")
            h.definer = _parse_definer(cur, session)
        elif cur.accept_kw("SQL", "SECURITY"):
            t = cur.next()
            if not t.is_kw("DEFINER", "INVOKER"):
                raise OfflineError(f"SQL SECURITY {t.text} not understood")
            h.security = t.value
        elif cur.accept_kw("AGGREGATE"):
            h.aggregate = True
        else:
            break
    kind = cur.peek()
    if kind is None or not kind.is_kw(*_KINDS):
        return None
    h.kind = cur.next().value
    if (h.algorithm or h.security) and h.kind != "VIEW":
        return None
    if h.aggregate and h.kind != "FUNCTION":
        return None
    if h.definer is not ... and h.kind == "PROCEDURE" and verb == "ALTER":
        return None
    return h


def _if_not_exists(cur: _Cursor, h: _Head) -> bool:
    if cur.accept_kw("IF", "NOT", "EXISTS"):
        if h.or_replace:
            raise OfflineError("Incorrect usage of OR REPLACE and IF NOT EXISTS")
        return True
    return False


def _if_exists(cur: _Cursor) -> bool:
    return cur.accept_kw("IF", "EXISTS")


def _end(cur: _Cursor) -> None:
    while cur.accept_op(";"):
        pass
    if not cur.done():
        raise OfflineError(f"unexpected text {cur.near()}")


# =======================================================================================
# Entry point


def apply_routine_ddl(sql: str, session: Session, state: State, *, raw: str | None = None) -> bool:
    """Apply a view/routine/trigger/event statement; False if ``sql`` is none of those.

    ``sql`` is the statement after the client's comment stripping and the reader's
    expansion of executable comments.  ``raw``, when given, is the same statement before
    that expansion (what the client sends): stored bodies are then cut from the server's
    own pre-processing of it, exact even when an executable comment touches a token
    inside a body (``1/*!50003 +1*/``), which the reader's expansion pads with a space.
    """
    try:
        return _apply(sql, session, state, raw)
    except OfflineError as exc:
        message = str(exc)
        if "\n" in message or "\r" in message:   # one line, whatever the quoted text held
            raise OfflineError(" ".join(message.split())) from None
        raise
    except RecursionError:
        raise OfflineError("statement too deeply nested to read") from None
    except Exception as exc:  # never let a parsing slip escape as anything else
        detail = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise OfflineError(f"statement not understood offline ({detail})") from None


def _alloc_trim(text: str) -> str:
    """What the server keeps of a query: no leading space, no trailing ';' or space."""
    text = text.lstrip(_WS)
    end = len(text)
    while end and (text[end - 1] == ";" or text[end - 1] in _WS):
        end -= 1
    return text[:end]


_FIRST = re.compile(r"\s*(CREATE|ALTER|DROP)\b", re.I)


def _apply(sql: str, session: Session, state: State, raw: str | None) -> bool:
    if not _FIRST.match(sql):
        return False
    modes = _Modes(session.sql_mode)
    if raw is not None:
        text = server_preprocess(raw, version=session.flavour.version,
                                 no_backslash_escapes=modes.no_backslash)
    else:
        text = sql
    text = _alloc_trim(text)
    cur = _Cursor(text, modes=modes)
    head = _head(cur, session)
    if head is None:
        return False
    if modes.oracle:
        raise OfflineError("sql_mode=ORACLE stored programs are not supported offline")
    if session.flavour.name != "mariadb":
        raise OfflineError(f"{head.kind.lower()}s are read offline for MariaDB only")
    _check_charset(text, session)
    if head.kind == "VIEW" and head.verb == "CREATE" and raw is not None:
        head.dumped = match_dump_form(raw)
    handler = _HANDLERS.get((head.verb, head.kind))
    if handler is None:
        return False
    handler(cur, head, session, state, modes)
    return True


def _check_charset(text: str, session: Session) -> None:
    """Text is kept as the client sent it: exact only when its character set is UTF-8."""
    cs = charset_alias(session.charset_client)
    if cs == "utf8mb4" or text.isascii():
        return
    if cs == "utf8mb3" and all(ord(c) <= 0xFFFF for c in text):
        return
    raise OfflineError(f"non-ASCII text sent with character_set_client={cs}: the server "
                       f"would convert it; not reproducible offline")


def _session_fields(session: Session) -> dict:
    return dict(sql_mode=session.sql_mode, charset_client=session.charset_client,
                collation_connection=session.collation_connection,
                database_collation=session.db_collation)


def _definer(head: _Head) -> str | None:
    return head.definer if isinstance(head.definer, str) else None


# ---------------------------------------------------------------------------- routines


def _create_routine(cur: _Cursor, head: _Head, session: Session, state: State, modes: _Modes) -> None:
    kind = head.kind
    if_not_exists = _if_not_exists(cur, head)
    name = cur.object_name(kind.lower())
    if not cur.at_op("("):
        raise OfflineError(f"{kind} {name}: loadable functions (SONAME) and bodies without a "
                           f"parameter list are not supported offline")
    open_paren = cur.peek()
    assert open_paren is not None, "at the ( just checked"
    cur.expect_op("(")
    params: list[Parameter] = []
    seen: set[str] = set()
    if cur.at_op(")"):
        close_paren = cur.next()
    else:
        while True:
            mode = None
            t = cur.peek()
            if t is not None and t.is_kw("IN", "OUT", "INOUT") and (after := cur.peek(1)) is not None \
                    and after.kind in ("word", "qident"):
                mode = cur.next().value
            pname = cur.ident("parameter name")
            if pname.lower() in seen:
                raise OfflineError(f"Duplicate parameter: {pname}")
            seen.add(pname.lower())
            ptype = parse_type(cur, session, modes)
            params.append(Parameter(pname, ptype, (mode or "IN") if kind == "PROCEDURE" else None))
            if cur.at_op(")"):
                close_paren = cur.next()
                break
            cur.expect_op(",")
    # the server keeps the parameter list as written (mysql.proc.param_list)
    param_list = cur.sql[open_paren.end:close_paren.start]
    returns = None
    if kind == "FUNCTION":
        cur.expect_kw("RETURNS")
        returns = parse_type(cur, session, modes)
        if cur.at_kw(*_TYPE_TAIL) or cur.at_op("("):
            raise OfflineError(f"FUNCTION {name}: RETURNS type not understood {cur.near()}")
    chars = _characteristics(cur, allow_deterministic=True)
    body, _ = _take_body(cur, f"{kind} {name}", with_tokens=False)
    key = (kind, name.lower())
    if key in state.routines:
        if if_not_exists:
            return
        if not head.or_replace:
            raise OfflineError(f"{kind} {state.routines[key].name} already exists")
    state.routines[key] = Routine(
        name=name, kind=kind, body=body, parameters=tuple(params), returns=returns, param_list=param_list,
        deterministic=chars.get("deterministic", False),
        data_access=chars.get("data_access", "CONTAINS SQL"),
        security=chars.get("security", "DEFINER"), comment=chars.get("comment", ""),
        definer=_definer(head), **_session_fields(session),
    )


def _characteristics(cur: _Cursor, *, allow_deterministic: bool) -> dict:
    out: dict = {}
    while True:
        if cur.accept_kw("COMMENT"):
            out["comment"] = cur.string("COMMENT")
        elif cur.accept_kw("LANGUAGE", "SQL"):
            pass
        elif cur.accept_kw("NO", "SQL"):
            out["data_access"] = "NO SQL"
        elif cur.accept_kw("CONTAINS", "SQL"):
            out["data_access"] = "CONTAINS SQL"
        elif cur.accept_kw("READS", "SQL", "DATA"):
            out["data_access"] = "READS SQL DATA"
        elif cur.accept_kw("MODIFIES", "SQL", "DATA"):
            out["data_access"] = "MODIFIES SQL DATA"
        elif cur.accept_kw("SQL", "SECURITY"):
            t = cur.next()
            if not t.is_kw("DEFINER", "INVOKER"):
                raise OfflineError(f"SQL SECURITY {t.text} not understood")
            out["security"] = t.value
        elif allow_deterministic and cur.accept_kw("NOT", "DETERMINISTIC"):
            out["deterministic"] = False
        elif allow_deterministic and cur.accept_kw("DETERMINISTIC"):
            out["deterministic"] = True
        else:
            return out


def _alter_routine(cur: _Cursor, head: _Head, session: Session, state: State, modes: _Modes) -> None:
    name = cur.object_name(head.kind.lower())
    chars = _characteristics(cur, allow_deterministic=False)
    _end(cur)
    key = (head.kind, name.lower())
    if key not in state.routines:
        raise OfflineError(f"{head.kind} {name} does not exist")
    changes = {k: v for k, v in chars.items() if k in ("comment", "data_access", "security")}
    state.routines[key] = replace(state.routines[key], **changes)


def _drop_routine(cur: _Cursor, head: _Head, session: Session, state: State, modes: _Modes) -> None:
    if_exists = _if_exists(cur)
    name = cur.object_name(head.kind.lower())
    _end(cur)
    key = (head.kind, name.lower())
    if key not in state.routines:
        if if_exists:
            return
        raise OfflineError(f"{head.kind} {name} does not exist")
    del state.routines[key]


# ---------------------------------------------------------------------------- triggers


def _group(state: State, table: str, timing: str, event: str) -> list[Trigger]:
    return sorted((t for t in state.triggers.values()
                   if t.table == table and t.timing == timing and t.event == event),
                  key=lambda t: t.order)


def _renumber(state: State, group: list[Trigger]) -> None:
    for i, t in enumerate(group, 1):
        state.triggers[t.name] = replace(t, order=i)


def _create_trigger(cur: _Cursor, head: _Head, session: Session, state: State, modes: _Modes) -> None:
    if_not_exists = _if_not_exists(cur, head)
    name = cur.object_name("trigger")
    t = cur.next()
    if not t.is_kw("BEFORE", "AFTER"):
        raise OfflineError(f"trigger {name}: BEFORE or AFTER expected")
    timing = t.value
    t = cur.next()
    if not t.is_kw("INSERT", "UPDATE", "DELETE"):
        raise OfflineError(f"trigger {name}: INSERT, UPDATE or DELETE expected")
    event = t.value
    cur.expect_kw("ON")
    table = cur.object_name("table")
    cur.expect_kw("FOR", "EACH", "ROW")
    anchor = None
    if cur.at_kw("FOLLOWS", "PRECEDES"):
        anchor = (cur.next().value, cur.ident("trigger name"))
    body, _ = _take_body(cur, f"trigger {name}", with_tokens=False)
    if table not in state.tables:
        if table in state.views:
            raise OfflineError(f"'{table}' is not BASE TABLE")
        raise OfflineError(f"Table '{table}' doesn't exist")
    old = state.triggers.get(name)
    if old is not None:
        if if_not_exists:
            return
        if not head.or_replace:
            raise OfflineError(f"Trigger '{name}' already exists")
        if old.table != table:
            raise OfflineError("Trigger does not exist")  # what the server says, oddly
    # the anchor is looked up before an old trigger of the same name is replaced
    if anchor is not None and not any(g.name == anchor[1] for g in _group(state, table, timing, event)):
        raise OfflineError(f"Referenced trigger '{anchor[1]}' for the given action time and "
                           f"event type does not exist")
    if old is not None:
        del state.triggers[name]
        _renumber(state, _group(state, old.table, old.timing, old.event))
    group = _group(state, table, timing, event)
    position = len(group)
    if anchor is not None:
        how, other = anchor
        idx = next((i for i, g in enumerate(group) if g.name == other), None)
        if idx is not None:              # None: it anchored on itself; it goes last
            position = idx + 1 if how == "FOLLOWS" else idx
    trigger = Trigger(name=name, table=table, timing=timing, event=event,
                      statement=body, order=0, definer=_definer(head),
                      **_session_fields(session))
    group.insert(position, trigger)
    _renumber(state, group)


def _drop_trigger(cur: _Cursor, head: _Head, session: Session, state: State, modes: _Modes) -> None:
    if_exists = _if_exists(cur)
    name = cur.object_name("trigger")
    _end(cur)
    old = state.triggers.get(name)
    if old is None:
        if if_exists:
            return
        raise OfflineError("Trigger does not exist")
    del state.triggers[name]
    _renumber(state, _group(state, old.table, old.timing, old.event))


def drop_table_triggers(state: State, table: str) -> list[str]:
    """Remove the triggers of ``table`` (the server drops them with the table); returns
    their names.  For the table DDL's DROP TABLE / CREATE OR REPLACE TABLE."""
    names = [t.name for t in state.triggers.values() if t.table == table]
    for n in names:
        del state.triggers[n]
    return names


def rename_table_triggers(state: State, old: str, new: str) -> None:
    """Triggers follow their table through RENAME TABLE / ALTER TABLE ... RENAME."""
    for t in list(state.triggers.values()):
        if t.table == old:
            state.triggers[t.name] = replace(t, table=new)


# ---------------------------------------------------------------------------- events

_EVENT_UNITS = ("YEAR", "QUARTER", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND")
_TS = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d{0,6})?)?)?")
# how far from "now" a time must be to tell past from future whatever the time zone
_NOW_MARGIN = _dt.timedelta(days=2)


def _timestamp(cur: _Cursor, what: str) -> _dt.datetime:
    t = cur.next()
    if t.kind != "string":
        raise OfflineError(f"event {what}: only a literal 'YYYY-MM-DD hh:mm:ss' time is "
                           f"supported offline (an expression depends on when it is run)")
    m = _TS.fullmatch(t.value.strip())
    if not m:
        raise OfflineError(f"event {what}: time {t.text} not understood")
    year, month, day, hour, minute, second = (int(p) if p else 0 for p in m.groups())
    try:
        value = _dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise OfflineError(f"event {what}: invalid time {t.text}") from None
    if cur.at_op("+") or cur.at_op("-"):
        raise OfflineError(f"event {what}: time arithmetic is not supported offline")
    return value


def _past(value: _dt.datetime) -> bool:
    now = _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)
    if abs(value - now) < _NOW_MARGIN:
        raise OfflineError("event time too close to now to tell whether it is past")
    return value < now


def _fmt_ts(value: _dt.datetime) -> str:
    return "'" + value.strftime("%Y-%m-%d %H:%M:%S") + "'"


def _schedule(cur: _Cursor) -> tuple[str, bool]:
    """After ON SCHEDULE: (the schedule as introspection spells it, whether it is over)."""
    if cur.accept_kw("AT"):
        at = _timestamp(cur, "AT")
        return f"AT {_fmt_ts(at)}", _past(at)
    cur.expect_kw("EVERY")
    t = cur.next()
    if t.kind != "number" or not t.text.isdigit() or int(t.text) == 0:
        raise OfflineError("event EVERY: only a positive whole number is supported offline")
    value = str(int(t.text))
    u = cur.next()
    if not u.is_kw(*_EVENT_UNITS):
        raise OfflineError(f"event EVERY: interval unit {u.text} is not supported offline")
    starts = ends = None
    if cur.accept_kw("STARTS"):
        starts = _timestamp(cur, "STARTS")
    if cur.accept_kw("ENDS"):
        ends = _timestamp(cur, "ENDS")
    if starts is None:
        raise OfflineError("event EVERY without STARTS starts when it is created; "
                           "not reproducible offline")
    if ends is not None and ends < starts:
        raise OfflineError("ENDS is either invalid or before STARTS")
    text = f"EVERY {value} {u.value} STARTS {_fmt_ts(starts)}"
    if ends is not None:
        text += f" ENDS {_fmt_ts(ends)}"
    return text, (ends is not None and _past(ends))


def _find_event(state: State, name: str) -> str | None:
    low = name.lower()
    return next((k for k in state.events if k.lower() == low), None)


def _event_options(cur: _Cursor, out: dict, *, alter: bool) -> None:
    if cur.accept_kw("ON", "SCHEDULE"):
        out["schedule"] = _schedule(cur)
    if cur.accept_kw("ON", "COMPLETION"):
        out["on_completion"] = "NOT PRESERVE" if cur.accept_kw("NOT") else "PRESERVE"
        cur.expect_kw("PRESERVE")
    if alter and cur.accept_kw("RENAME", "TO"):
        out["rename"] = cur.object_name("event")
    if cur.accept_kw("ENABLE"):
        out["status"] = "ENABLED"
    elif cur.accept_kw("DISABLE"):
        out["status"] = "SLAVESIDE_DISABLED" if (cur.accept_kw("ON", "SLAVE")
                                                 or cur.accept_kw("ON", "REPLICA")) else "DISABLED"
    if cur.accept_kw("COMMENT"):
        out["comment"] = cur.string("COMMENT")


def _create_event(cur: _Cursor, head: _Head, session: Session, state: State, modes: _Modes) -> None:
    if_not_exists = _if_not_exists(cur, head)
    name = cur.object_name("event")
    opts: dict = {}
    if not cur.at_kw("ON"):
        raise OfflineError(f"event {name}: ON SCHEDULE expected")
    _event_options(cur, opts, alter=False)
    if "schedule" not in opts:
        raise OfflineError(f"event {name}: ON SCHEDULE expected")
    cur.expect_kw("DO")
    body, _ = _take_body(cur, f"event {name}", with_tokens=False)
    existing = _find_event(state, name)
    if existing is not None:
        if if_not_exists:
            return
        if not head.or_replace:
            raise OfflineError(f"Event '{name}' already exists")
        del state.events[existing]
    schedule, over = opts["schedule"]
    on_completion = opts.get("on_completion", "NOT PRESERVE")
    status = opts.get("status", "ENABLED")
    if over:
        if on_completion == "NOT PRESERVE":
            return   # "The event was dropped immediately after creation"
        status = "DISABLED"
    state.events[name] = Event(
        name=name, definition=body, schedule=schedule, status=status,
        on_completion=on_completion, comment=opts.get("comment", ""), definer=_definer(head),
        **_session_fields(session))


def _alter_event(cur: _Cursor, head: _Head, session: Session, state: State, modes: _Modes) -> None:
    name = cur.object_name("event")
    opts: dict = {}
    _event_options(cur, opts, alter=True)
    body = None
    if cur.accept_kw("DO"):
        body, _ = _take_body(cur, f"event {name}", with_tokens=False)
    _end(cur)
    if not opts and body is None:
        raise OfflineError("ALTER EVENT without a change")
    key = _find_event(state, name)
    if key is None:
        raise OfflineError(f"Unknown event '{name}'")
    old = state.events[key]
    # ALTER EVENT makes the altering account the definer and records the session's
    # character sets; the sql_mode only changes with a new body
    changes: dict = {"definer": _definer(head), "charset_client": session.charset_client,
                     "collation_connection": session.collation_connection,
                     "database_collation": session.db_collation}
    if "schedule" in opts:
        changes["schedule"], over = opts["schedule"]
        if over:
            raise OfflineError("ALTER EVENT to a schedule in the past is not supported offline")
    for k in ("on_completion", "status", "comment"):
        if k in opts:
            changes[k] = opts[k]
    if body is not None:
        changes["definition"] = body
        changes["sql_mode"] = session.sql_mode
    new_name = opts.get("rename", old.name)
    if new_name != old.name:
        if _find_event(state, new_name) not in (None, key):
            raise OfflineError(f"Event '{new_name}' already exists")
        changes["name"] = new_name
    del state.events[key]
    state.events[new_name] = replace(old, **changes)


def _drop_event(cur: _Cursor, head: _Head, session: Session, state: State, modes: _Modes) -> None:
    if_exists = _if_exists(cur)
    name = cur.object_name("event")
    _end(cur)
    key = _find_event(state, name)
    if key is None:
        if if_exists:
            return
        raise OfflineError(f"Unknown event '{name}'")
    del state.events[key]


# ---------------------------------------------------------------------------- views
#
# The server stores a view as its own rewrite of the SELECT.  The subset reproduced here
# was checked against MariaDB 10.11: column references, * and t.*, aliases, FROM with
# comma joins, [INNER|CROSS] JOIN and LEFT [OUTER] JOIN ... ON, WHERE/ON conditions made
# of comparisons, IS [NOT] NULL, [NOT] LIKE, [NOT] IN (literals), [NOT] BETWEEN, AND/OR
# and parentheses over columns and plain literals; GROUP BY and ORDER BY on columns;
# DISTINCT; LIMIT n.

_REFUSE_VIEW = "the server rewrites view definitions; this one cannot be reproduced offline"


class _ViewRefused(Exception):
    pass


def _qi(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


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
    def __init__(self, cur: _Cursor, state: State) -> None:
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
        return _qi(name) + ("" if qualifier == name else " " + _qi(qualifier))

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
            return f"{_qi(q)}.{_qi(real)}", col
        found = [(q, c.name) for q, _, t in self.sources for c in t.columns
                 if c.name.lower() == first.lower()]
        if not found:
            raise OfflineError(f"Unknown column '{first}'")
        if len(found) > 1:
            raise OfflineError(f"Column '{first}' is ambiguous")
        q, real = found[0]
        return f"{_qi(q)}.{_qi(real)}", first

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
        items = [self._and()]
        while self.cur.accept_kw("OR"):
            items.append(self._and())
        if len(items) == 1:
            return items[0]
        flat: list[Any] = []
        for it in items:
            flat.extend(it[1] if isinstance(it, tuple) and it[0] == "or" else [it])
        return ("or", flat)

    def _and(self):
        items = [self._pred()]
        while self.cur.accept_kw("AND") or self.cur.accept_op("&&"):
            items.append(self._pred())
        if len(items) == 1:
            return items[0]
        flat: list[Any] = []
        for it in items:
            flat.extend(it[1] if isinstance(it, tuple) and it[0] == "and" else [it])
        return ("and", flat)

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
        cur: _Cursor, state: State, columns: list[str] | None,
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
                items.extend((f"{_qi(q)}.{_qi(c.name)}", c.name) for c in table.columns)
        elif (t is not None and t.kind in ("word", "qident") and nxt is not None
              and nxt.kind == "op" and nxt.text == "." and (star := cur.peek(2)) is not None
              and star.kind == "op" and star.text == "*"):
            qual = t.text if t.kind == "word" else t.value
            cur.i += 3
            srcs = [s for s in p.sources if s[0] == qual]
            if not srcs:
                raise OfflineError(f"Unknown table '{qual}'")
            items.extend((f"{_qi(qual)}.{_qi(c.name)}", c.name) for c in srcs[0][2].columns)
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
    text += ",".join(f"{pc} AS {_qi(n)}" for pc, n in items)
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
        if not n or n.endswith(" ") or len(n) > _NAME_MAX:
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
    return text + ",".join(f"{pc} AS {_qi(n)}" for pc, n in items), False, names, False


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


def _view(cur: _Cursor, head: _Head, session: Session, state: State, modes: _Modes) -> None:
    if head.dumped is not None:
        _dumped_view(cur, head, session, state, modes)
        return
    alter = head.verb == "ALTER"
    if_not_exists = False if alter else _if_not_exists(cur, head)
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
    sub = _Cursor(cur.sql, cur.toks[:end])
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
    definer = _definer(head) if (head.definer is not ... or not alter or old is None) else old.definer
    security = head.security or (old.security if alter and old is not None else "DEFINER")
    state.views[name] = View(
        name=name, definition=definition, algorithm=algorithm, security=security,
        check_option=check, definer=definer, charset_client=session.charset_client,
        collation_connection=session.collation_connection)


def _dumped_view(cur: _Cursor, head: _Head, session: Session, state: State, modes: _Modes) -> None:
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
        definer=_definer(head), charset_client=session.charset_client,
        collation_connection=session.collation_connection)


def _mark_updatable(state: State, name: str, updatable: bool) -> None:
    if updatable:
        state.not_updatable.discard(name)
    else:
        state.not_updatable.add(name)


def _drop_view(cur: _Cursor, head: _Head, session: Session, state: State, modes: _Modes) -> None:
    if_exists = _if_exists(cur)
    names = [cur.object_name("view")]
    while cur.accept_op(","):
        names.append(cur.object_name("view"))
    cur.accept_kw("RESTRICT") or cur.accept_kw("CASCADE")
    _end(cur)
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


_HANDLERS: dict[tuple[str, str], Callable] = {
    ("CREATE", "PROCEDURE"): _create_routine, ("CREATE", "FUNCTION"): _create_routine,
    ("ALTER", "PROCEDURE"): _alter_routine, ("ALTER", "FUNCTION"): _alter_routine,
    ("DROP", "PROCEDURE"): _drop_routine, ("DROP", "FUNCTION"): _drop_routine,
    ("CREATE", "TRIGGER"): _create_trigger, ("DROP", "TRIGGER"): _drop_trigger,
    ("CREATE", "EVENT"): _create_event, ("ALTER", "EVENT"): _alter_event,
    ("DROP", "EVENT"): _drop_event,
    ("CREATE", "VIEW"): _view, ("ALTER", "VIEW"): _view, ("DROP", "VIEW"): _drop_view,
}
