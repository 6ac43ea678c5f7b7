"""The MariaDB 10.11 lexer, and a cursor over its tokens: the one tokenizer of the package.

:func:`tokenize` reads a statement the way the server's lexer does (``sql_mode`` decides
what ``"`` quotes and whether ``\\`` escapes); :func:`server_preprocess` is the text the
server keeps of a statement the client sent, executable comments resolved; :class:`Cursor`
is the read position the offline statement parsers (stored programs, triggers, events,
views, the DML on tracked rows) move.  The quoted-literal patterns (:data:`QUOTED`,
:func:`quoted_end`) are the script splitter's too.

``tokenize(..., lenient=True)`` is the same lexer for text that is only scanned for
names (routine bodies and view definitions under review, revision statements, a dump's
qualified names): it never fails (unterminated quotes or comments end at the end of the
text), executable comments ``/*! ... */`` and ``/*M! ... */`` keep their content, as a
server that runs them would, and ``@x`` / ``@@x`` are one ``var`` token.  Introducers
(``_utf8mb4``) are known from the character sets of :mod:`.types`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import cache

from .types import charset_data


class UnreadableSql(Exception):
    """A statement the lexer, or a reader built on it, cannot read or apply.  The offline
    reader adds ``file:line``."""


WHITESPACE = " \t\n\r\x0b\x0c"
NAME_MAX = 64


class Tok:
    """One token: ``kind`` is word, qident, string, nstring, hexbin, number, op, intro
    or (lenient only) var; ``text`` the token as written; ``value`` for a word its
    upper-cased text, for a qident/string the unquoted value, else the text."""

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

    @property
    def is_name(self) -> bool:
        return self.kind == "word" or self.kind == "qident"

    @property
    def name(self) -> str:
        """A name as the server reads it: a word as written, a quoted name unquoted."""
        return self.value if self.kind == "qident" else self.text


_IDENT_CHARS = re.compile(r"[0-9A-Za-z_$\u0080-\U0010ffff]+")
_HOST_CHARS = re.compile(r"[0-9A-Za-z_$.\u0080-\U0010ffff]+")  # the server's host name after '@'
_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
# x'..' and b'..' end at their quote; 0x.. and 0b.. followed by a name character are a name
_HEXBIN = re.compile(r"[xX]'[0-9a-fA-F]*'|[bB]'[01]*'"
                     r"|(?:0x[0-9a-fA-F]+|0b[01]+)(?![0-9A-Za-z_$\u0080-\U0010ffff])")
_EXEC_MARKER = re.compile(r"/\*M?!(?:[0-9]{5,6})?")
_OPS = ("<=>", "->>", ":=", "<=", ">=", "<>", "!=", "||", "&&", "<<", ">>", "->")
_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}


class Modes:
    """The ``sql_mode`` flags the lexer and the type parser read."""

    def __init__(self, sql_mode: str) -> None:
        modes = set(sql_mode.split(","))
        self.ansi_quotes = "ANSI_QUOTES" in modes
        self.no_backslash = "NO_BACKSLASH_ESCAPES" in modes
        self.real_as_float = "REAL_AS_FLOAT" in modes
        self.oracle = "ORACLE" in modes


def _read_quoted(sql: str, i: int, escapes: bool, lenient: bool = False) -> tuple[str, int]:
    """Parse the quoted literal opening at ``sql[i]``: (value, end offset).  Unterminated,
    it is an error, or (``lenient``) ends at the end of the text."""
    q = sql[i]
    j = sql.find(q, i + 1)
    if j > 0 and sql[j + 1:j + 2] != q and not (escapes and sql.find("\\", i + 1, j) >= 0):
        return sql[i + 1:j], j + 1  # no doubled quote, no escape: the text as it is
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
    if lenient:
        return "".join(out), n
    raise UnreadableSql(f"unterminated quoted text: {sql[i:i + 30]}")


@cache
def _charset_names() -> frozenset[str]:
    return frozenset(charset_data()["charsets"]) | {"utf8"}


# A comment to the end of the line: ``#``, or ``--`` followed by a space or a control character
LINE_COMMENT = r"\#[^\n]*|--(?=[\x00-\x20\x7f]|\Z)[^\n]*"

# One alternative per token class, in the order the server's lexer tries them; quoted
# text, hex/bit literals, N'...' and words that start with a digit are finished in Python.
_SCAN = re.compile(
    r"(?P<ws>[ \t\n\r\x0b\x0c]+)"
    rf"|(?P<line>(?:{LINE_COMMENT})\n?)"
    r"|(?P<block>/\*(?![!]|M!)(?:[^*]|\*(?!/))*\*/)"
    r"|(?P<special>/\*|['\"`]|[nNxXbB]'|0[xb])"
    r"|(?P<word>[A-Za-z_$\u0080-\U0010ffff][0-9A-Za-z_$\u0080-\U0010ffff]*)"
    r"|(?P<digit>[0-9])"
    r"|(?P<number>\.[0-9]+(?:[eE][-+]?[0-9]+)?)"
    r"|(?P<op><=>|->>|:=|<=|>=|<>|!=|\|\||&&|<<|>>|->|[\s\S])"
)


_NO_MODES = Modes("")


def tokenize(sql: str, modes: Modes = _NO_MODES, *, lenient: bool = False) -> list[Tok]:
    """All the tokens of ``sql``, comments and white space left out (``lenient``: see the
    module's docstring)."""
    return list(_token_stream(sql, modes, lenient))


def token_stream(sql: str, modes: Modes = _NO_MODES, *, lenient: bool = False) -> Iterator[Tok]:
    """The tokens of ``sql`` one by one, read as far as they are taken."""
    return _token_stream(sql, modes, lenient)


def _token_stream(sql: str, modes: Modes, lenient: bool = False) -> Iterator[Tok]:  # noqa: C901 - one branch per token class
    """The tokens of ``sql``, one by one (a statement's head is read before its body is
    tokenized, and a procedure body is often never tokenized: see
    :func:`schema_tools.offline.statements._fast_body`)."""
    toks: list[Tok] = []
    n = len(sql)
    i = 0
    charsets = None
    scan = _SCAN.match
    name_end = -1  # where the last name ended: a '.' right after it is followed by a name
    while i < n:
        if toks:
            last = toks[-1]
            if last.kind == "qident" or last.kind == "word" or last.kind == "intro":
                name_end = last.end
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
            i = name_end = e
            continue
        if kind == "op":
            op = m.group(0)
            e = m.end()
            if lenient and op == "@":  # a variable (@x, @@x) or a host (@127.0.0.1): one token
                v = (_IDENT_CHARS if sql.startswith("@", e) else _HOST_CHARS).match(
                    sql, e + 1 if sql.startswith("@", e) else e)
                e = v.end() if v else e
                yield Tok("var", sql[i:e], i, e, sql[i:e])
                i = e
                continue
            if lenient and op == "*" and sql.startswith("/", e):
                i = e + 1  # the end of an executable comment
                continue
            yield Tok("op", op, i, e, op)
            i = e
            continue
        if kind == "number":
            e = m.end()
            text = m.group(0)
            if i == name_end:  # name.7days: after a name and its dot comes a name
                yield Tok("op", ".", i, i + 1, ".")
                w = _IDENT_CHARS.match(sql, i + 1)
                assert w is not None, "a digit follows the dot"
                word = w.group(0)
                yield Tok("word", word, i + 1, w.end(), word.upper())
                i = name_end = w.end()
                continue
            yield Tok("number", text, i, e, text)
            i = e
            continue
        i = _scan_special(sql, i, modes, toks, lenient)
    yield from toks


def _scan_special(sql: str, i: int, modes: Modes, toks: list[Tok], lenient: bool) -> int:
    """Tokens the scanner leaves to Python: comments that are not plain, quoted text,
    hex/bit literals, N'..', and what starts with a digit (a number or a word)."""
    c = sql[i]
    if c == "/" and sql.startswith("/*", i):
        if lenient:  # an executable comment's content counts; an open comment runs to the end
            marker = _EXEC_MARKER.match(sql, i)
            return marker.end() if marker else len(sql)
        if sql[i + 2:i + 3] == "!" or sql[i + 2:i + 4] == "M!":
            raise UnreadableSql("executable comment left in a stored program statement")
        raise UnreadableSql("unterminated comment")
    if c == "`" or (c == '"' and modes.ansi_quotes):
        value, e = _read_quoted(sql, i, False, lenient)
        toks.append(Tok("qident", sql[i:e], i, e, value))
        return e
    if c in "'\"":
        value, e = _read_quoted(sql, i, not modes.no_backslash, lenient)
        toks.append(Tok("string", sql[i:e], i, e, value))
        return e
    m = _HEXBIN.match(sql, i)
    if m:
        toks.append(Tok("hexbin", m.group(0), i, m.end(), m.group(0)))
        return m.end()
    if c in "nN" and sql[i + 1:i + 2] == "'":
        value, e = _read_quoted(sql, i + 1, not modes.no_backslash, lenient)
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
            e = quoted_end(sql, i, escapes)
            i = n if e < 0 else e
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
                raise UnreadableSql("nested executable comment in a stored program statement")
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
                    raise UnreadableSql("unterminated executable comment")
                i = pos = e + 2
            continue
        e = sql.find("*/", i + 2)
        i = n if e < 0 else e + 2
    out.append(sql[pos:])
    return "".join(out)


_PRE_SPECIAL = re.compile(r"['\"`]|/\*|\*/")
_VERSION_DIGITS = re.compile(r"[0-9]{5}[0-9]?")
QUOTED = {  # (quote, backslash escapes): a quote followed by another is doubled, never the end
    ("'", True): re.compile(r"'[^'\\]*(?:(?:\\[\s\S]|'')[^'\\]*)*'(?!')"),
    ('"', True): re.compile(r'"[^"\\]*(?:(?:\\[\s\S]|"")[^"\\]*)*"(?!")'),
    ("'", False): re.compile(r"'[^']*(?:''[^']*)*'(?!')"),
    ('"', False): re.compile(r'"[^"]*(?:""[^"]*)*"(?!")'),
    ("`", True): re.compile(r"`[^`]*(?:``[^`]*)*`(?!`)"),
    ("`", False): re.compile(r"`[^`]*(?:``[^`]*)*`(?!`)"),
}


def quoted_end(sql: str, i: int, escapes: bool = True) -> int:
    """The offset just after the quoted text opening at ``sql[i]`` (a back-quoted name
    never has escapes), or -1 where it is not closed."""
    m = QUOTED[(sql[i], escapes)].match(sql, i)
    return m.end() if m is not None else -1


# =======================================================================================
# A small recursive-descent cursor


def name_at(tokens: Sequence[Tok], i: int) -> tuple[str | None, int]:
    """The name, possibly ``db.``-qualified, that starts at ``tokens[i]``: its last part
    (None when no name starts there), and the index after it."""
    if i >= len(tokens) or not tokens[i].is_name:
        return None, i
    name, j = tokens[i].name, i + 1
    while j + 1 < len(tokens) and tokens[j].kind == "op" and tokens[j].text == "." and tokens[j + 1].is_name:
        name, j = tokens[j + 1].name, j + 2
    return name, j


class Cursor:
    """Tokens of one statement with a read position.  Built from a token list, or from
    the text and modes: then tokens are read as far as the parser looks (``toks``
    reads them all)."""

    def __init__(self, sql: str, toks: list[Tok] | None = None, modes: Modes | None = None) -> None:
        self.sql = sql
        self.i = 0
        self.modes = modes
        self._stream: Iterator[Tok] | None
        if toks is None:
            self._toks: list[Tok] = []
            self._stream = _token_stream(sql, modes or _NO_MODES)
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
            raise UnreadableSql("statement ends too early")
        self.i += 1
        return t

    def at_kw(self, *words: str) -> bool:
        t = self.peek()
        return t is not None and t.is_kw(*words)

    def at_op(self, op: str, k: int = 0) -> bool:
        t = self.peek(k)
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
            raise UnreadableSql(f"expected {' '.join(words)} {self.near()}")

    def expect_op(self, op: str) -> None:
        if not self.accept_op(op):
            raise UnreadableSql(f"expected '{op}' {self.near()}")

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
            raise UnreadableSql(f"expected a {what} {self.near()}")
        self.i += 1
        return t.text if t.kind == "word" else t.value

    def object_name(self, what: str) -> str:
        """``name`` or ``db.name``; a qualified name is refused (one database is read)."""
        name = self.ident(f"{what} name")
        if self.at_op("."):
            self.i += 1
            self.ident(f"{what} name")
            raise UnreadableSql(f"{what} name qualified with a database: offline reading "
                               f"reads one database and cannot tell which one that is")
        _check_name(name, what)
        return name

    def string(self, what: str) -> str:
        t = self.peek()
        if t is None or t.kind != "string":
            raise UnreadableSql(f"expected a string for {what} {self.near()}")
        self.i += 1
        return t.value


def _check_name(name: str, what: str) -> None:
    if not name or name.endswith(" "):
        raise UnreadableSql(f"Incorrect {what} name '{name}'")
    if len(name) > NAME_MAX:
        raise UnreadableSql(f"Identifier name '{name[:20]}...' is too long")
