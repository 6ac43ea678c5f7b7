"""Split MariaDB/MySQL SQL scripts into statements the way the ``mariadb`` client does.

Handles what real dumps and hand-written update scripts contain: mariadb-dump,
mysqldump and phpMyAdmin output, ``DELIMITER ;;`` blocks around routines and
triggers, and executable comments (``/*!50003 ... */``, ``/*M!100100 ... */``).

This is the client's scan (its ``add_line``: it finds where a statement ends, and
what the client strips before sending it), not the server's lexer, which reads the
statement then sent (:mod:`.lexer`).  The two agree on quoted text and comments, and
the rules for them are written once, in :mod:`.lexer` (:data:`~.lexer.QUOTED`,
:data:`~.lexer.LINE_COMMENT`); this module adds what only the client knows: the
delimiter, ``DELIMITER`` and the other client commands.  :func:`first_keywords`
reads the lexer's tokens.

Lexing rules:

* ``'...'`` and ``"..."`` are strings with backslash escapes and doubled quotes;
  ```...``` is an identifier with doubled backticks and no backslash escapes.
  Nothing inside them is special.
* ``-- `` (two dashes followed by whitespace, a control character or the end of the
  input), ``#`` to end of line and ``/* ... */`` are plain comments.  As the client
  does, ``--`` at the very start of a statement is a comment even without the
  space.  ``SELECT 1--1`` is not a comment.
* ``/*! ... */``, ``/*!NNNNN ... */``, ``/*M! ... */`` and ``/*M!NNNNNN ... */`` are
  executable comments: they are statement text and stay in :attr:`Statement.sql`.
  Inside them strings and comments are lexed as usual; a nested ``/* */`` ends at
  its first ``*/`` (the server allows one level of nesting).
* A delimiter *inside* an executable comment: the real ``mariadb`` and ``mysql``
  clients end the statement there anyway (they only track strings and plain
  comments), which sends a truncated statement to the server, so such a file never
  loads.  Rather than silently cut the statement (as the client does) or silently
  keep it whole (which would load a file the client cannot), :func:`split_sql`
  raises :class:`SqlError` at that delimiter.  Dumps avoid the case by switching
  to ``DELIMITER ;;`` around triggers, whose bodies are in executable comments.
* ``DELIMITER xx`` at the start of a statement (case-insensitive) is a client
  command: the first word of the rest of its line (or a quoted string) becomes
  the delimiter; it produces no statement.
* mariadb-dump's first line ``/*M!999999\\- enable the sandbox mode */`` is a
  client command too and is skipped.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

from schema_tools.errors import InputError, SqlError

from .lexer import LINE_COMMENT, QUOTED, quoted_end, token_stream

__all__ = [
    "Statement",
    "split_sql",
    "read_sql_file",
    "expand_executable_comments",
    "strip_comments",
    "first_keywords",
    "client_strip",
    "find_stand_ins",
]

_WS = " \t\n\r\x0b\x0c"
_EXCERPT_LEN = 60


@dataclass(frozen=True)
class Statement:
    """One statement of a script.

    ``sql`` is ``text[start:end]`` of the source: without the trailing delimiter,
    without surrounding whitespace and leading plain comments; inner comments
    (and executable comments anywhere) are kept verbatim.
    """

    sql: str
    line: int        # 1-based line of the first character of ``sql``
    end_line: int    # line of the last character of ``sql``
    start: int       # offset of sql's first character in the source text
    end: int         # offset just after sql's last character
    delimiter: str   # delimiter in force when the statement ended
    source: str      # file name given to split_sql

    @property
    def location(self) -> str:
        return f"{self.source}:{self.line}"


# --------------------------------------------------------------------------- helpers

def _is_dash_comment(text: str, i: int) -> bool:
    """``--`` at *i* starts a comment: followed by whitespace/control char or end."""
    j = i + 2
    if j >= len(text):
        return True
    c = text[j]
    return c in _WS or ord(c) < 32 or c == "\x7f"


def _exec_marker_len(text: str, i: int) -> int:
    """Length of ``/*!`` or ``/*M!`` at *i* (0 if neither); *i* points at ``/*``."""
    c = text[i + 2:i + 3]
    if c == "!":
        return 3
    if c == "M" and text[i + 3:i + 4] == "!":
        return 4
    return 0


_VERSION_RE = re.compile(r"[0-9]{5}([0-9]?)")


def _version_at(text: str, j: int) -> tuple[int | None, int]:
    """Version number right after an executable-comment marker: (version, end)."""
    m = _VERSION_RE.match(text, j)
    if not m:
        return None, j
    return int(m.group(0)), m.end()


class _Lines:
    def __init__(self, text: str) -> None:
        self._nl = [m.start() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_left(self._nl, offset) + 1


def _excerpt(text: str, i: int) -> str:
    e = text.find("\n", i)
    if e < 0:
        e = len(text)
    s = text[i:min(e, i + _EXCERPT_LEN)].rstrip("\r")
    return s + ("..." if e > i + _EXCERPT_LEN else "")


_NAMES = {"'": "string '...'", '"': 'string "..."', "`": "identifier `...`"}

# Skippable tokens are consumed whole by the regex; what is left for Python is
# the delimiter, an executable-comment boundary or an unterminated construct.
_STRINGS = "|".join(QUOTED[(q, True)].pattern for q in "'\"`")

_pattern_cache: dict[tuple[str, bool], re.Pattern[str]] = {}


def _body_pattern(delimiter: str, in_exec: bool) -> re.Pattern[str]:
    key = (delimiter, in_exec)
    p = _pattern_cache.get(key)
    if p is None:
        alts = [
            f"(?P<d>{re.escape(delimiter)})",
            f"(?P<skip>{_STRINGS}|{LINE_COMMENT}"
            + (r"|/\*[\s\S]*?\*/" if in_exec else r"|/\*(?!!|M!)[\s\S]*?\*/") + ")",
            r"(?P<q>['\"`])",                      # unterminated string/identifier
            r"(?P<x>/\*(?:!|M!))" if not in_exec else r"(?P<x>\*/)",
            r"(?P<u>/\*)",                         # unterminated comment
        ]
        # a leading class of possible first characters lets the engine skip
        # ordinary text quickly instead of trying every alternative everywhere
        first = set("'\"`#-/" + delimiter[0] + ("*" if in_exec else ""))
        lead = "(?=[" + "".join(re.escape(c) for c in sorted(first)) + "])"
        p = re.compile(lead + "(?:" + "|".join(alts) + ")")
        _pattern_cache[key] = p
    return p


_DELIMITER_RE = re.compile(r"delimiter(?=[ \t\r\n]|\Z)", re.IGNORECASE)
_SANDBOX_RE = re.compile(r"/\*M!999999\\-[^\n]*?\*/[ \t\r]*(?:\n|\Z)")
_WS_RE = re.compile(r"[ \t\n\r\x0b\x0c]+")


# --------------------------------------------------------------------------- split

def split_sql(  # noqa: C901 - one character pass: quotes, comments, DELIMITER, client commands
        text: str, *, source: str = "<string>") -> list[Statement]:
    """Split a script into :class:`Statement` objects (see the module docstring).

    Raises :class:`SqlError` (location ``source:line``) for an unterminated string,
    identifier or comment, a ``DELIMITER`` without argument, or a delimiter inside
    an executable comment.
    """
    n = len(text)
    lines = _Lines(text)
    out: list[Statement] = []
    delim = ";"
    pos = 0

    def fail(message: str, at: int) -> SqlError:
        return SqlError(message, location=f"{source}:{lines.line(at)}",
                        excerpt=_excerpt(text, at))

    while pos < n:
        # ---- statement start: skip whitespace, plain comments, empty statements
        m = _WS_RE.match(text, pos)
        if m:
            pos = m.end()
            continue
        if text.startswith(delim, pos):          # empty statement
            pos += len(delim)
            continue
        c = text[pos]
        if c == "#" or text.startswith("--", pos):   # client: `--` always a comment here
            e = text.find("\n", pos)
            pos = n if e < 0 else e + 1
            continue
        if text.startswith("/*", pos):
            if (sandbox := _SANDBOX_RE.match(text, pos)) is not None:
                pos = sandbox.end()
                continue
            if not _exec_marker_len(text, pos):
                e = text.find("*/", pos + 2)
                if e < 0:
                    raise fail("unterminated /* comment", pos)
                pos = e + 2
                continue
        m = _DELIMITER_RE.match(text, pos)
        if m:
            e = text.find("\n", m.end())
            if e < 0:
                e = n
            arg = text[m.end():e].strip(_WS)
            if arg[:1] in ("'", '"', "`"):
                q = arg.find(arg[0], 1)
                arg = arg[1:q] if q > 0 else arg[1:]
            else:
                arg = _WS_RE.split(arg, maxsplit=1)[0]   # first word, as the client
            if not arg:
                raise fail("DELIMITER must be followed by a delimiter string", pos)
            if "\\" in arg:
                raise fail("DELIMITER cannot contain a backslash", pos)
            delim = arg
            pos = e + 1
            continue

        # ---- statement body
        start = pos
        in_exec = False
        exec_start = -1
        end = -1
        search = _body_pattern(delim, False).search
        while True:
            m = search(text, pos)
            if m is None:
                if in_exec:
                    raise fail("unterminated executable comment", exec_start)
                end = n
                pos = n
                break
            kind = m.lastgroup
            if kind == "skip":
                pos = m.end()
                continue
            i = m.start()
            if kind == "d":
                if in_exec:
                    raise fail(
                        f"delimiter {delim!r} inside executable comment "
                        f"(the mariadb client would cut the statement here); "
                        f"use DELIMITER to change it", i)
                end = i
                pos = i + len(delim)
                break
            if kind == "x":
                in_exec = not in_exec
                exec_start = i
                search = _body_pattern(delim, in_exec).search
                pos = m.end()
            elif kind == "q":
                raise fail(f"unterminated {_NAMES[m.group(0)]}", i)
            else:
                raise fail("unterminated /* comment", i)
        # trailing whitespace off (start is never whitespace, so end > start)
        while end > start and text[end - 1] in _WS:
            end -= 1
        out.append(Statement(
            sql=text[start:end], line=lines.line(start), end_line=lines.line(end - 1),
            start=start, end=end, delimiter=delim, source=source))
    return out


# --------------------------------------------------------------------------- file

def read_sql_file(path: str | PathLike[str]) -> str:
    """Read a script as UTF-8 (a leading BOM is dropped; line ends are kept as is)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SqlError(f"not valid UTF-8 at line {line}", location=str(path)) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


# --------------------------------------------------------------------------- token walk
# A small lenient lexer shared by the helpers below: it never raises; an
# unterminated construct extends to the end of the text.

_HELPER_RE = re.compile(r"['\"`#]|--|/\*|\*/")


def _skip_exec_body(sql: str, j: int) -> tuple[int, int]:
    """From inside an executable comment at *j*: (offset of closing ``*/`` or len, after)."""
    n = len(sql)
    while True:
        m = _HELPER_RE.search(sql, j)
        if m is None:
            return n, n
        i, tok = m.start(), m.group(0)
        if tok == "*/":
            return i, i + 2
        if tok in ("'", '"', "`"):
            e = quoted_end(sql, i)
            j = n if e < 0 else e
        elif tok == "#" or (tok == "--" and _is_dash_comment(sql, i)):
            e = sql.find("\n", i)
            j = n if e < 0 else e
        elif tok == "--":
            j = i + 1
        else:                                       # nested comment: first */ ends it
            e = sql.find("*/", i + 2)
            j = n if e < 0 else e + 2


def _walk(sql: str, keep_exec) -> str:
    """Copy *sql*: with keep_exec None remove plain comments, else resolve
    executable comments with keep_exec(maria_only, version) -> bool."""
    parts: list[str] = []
    n = len(sql)
    pos = 0
    strip_plain = keep_exec is None

    def drop(upto: int, resume: int) -> None:
        # text before the removed piece, then a space if removal would join tokens
        parts.append(sql[pos:upto])
        before = next((p[-1] for p in reversed(parts) if p), "")
        after = sql[resume:resume + 1]
        if before and after and before not in _WS and after not in _WS:
            parts.append(" ")

    while pos < n:
        m = _HELPER_RE.search(sql, pos)
        if m is None:
            break
        i, tok = m.start(), m.group(0)
        if tok in ("'", '"', "`"):
            e = quoted_end(sql, i)
            e = n if e < 0 else e
            parts.append(sql[pos:e])
            pos = e
        elif tok == "#" or (tok == "--" and _is_dash_comment(sql, i)):
            e = sql.find("\n", i)
            e = n if e < 0 else e
            parts.append(sql[pos:i] if strip_plain else sql[pos:e])
            pos = e
        elif tok in ("--", "*/"):
            parts.append(sql[pos:i + 1])
            pos = i + 1
        else:                                   # "/*"
            k = _exec_marker_len(sql, i)
            if k:
                close, after = _skip_exec_body(sql, i + k)
                if strip_plain:
                    parts.append(sql[pos:after])
                else:
                    version, body = _version_at(sql, i + k)
                    content = sql[body:close]
                    if content and keep_exec(k == 4, version):
                        # the markers separate tokens: keep them apart as text too
                        drop(i, body)
                        parts.append(content)
                        if content[-1] not in _WS and sql[after:after + 1] not in ("", *_WS):
                            parts.append(" ")
                    else:
                        drop(i, after)
                pos = after
            else:
                e = sql.find("*/", i + 2)
                e = n if e < 0 else e + 2
                if strip_plain:
                    drop(i, e)
                else:
                    parts.append(sql[pos:e])
                pos = e
    parts.append(sql[pos:])
    return "".join(parts)


# --------------------------------------------------------------------------- public helpers

def expand_executable_comments(sql: str, *, flavour: str,
                               version: tuple[int, int, int]) -> str:
    """Resolve executable comments as a server of *flavour* and *version* would.

    ``version`` is (major, minor, patch), compared as major*10000+minor*100+patch
    with the 5- or 6-digit number after the marker (``40101`` = 4.1.1,
    ``100100`` = 10.1.0).  A kept comment is replaced by its content (the text
    between the version number and ``*/``, spaces included: ``/*!40101 x */``
    gives `` x ``); a dropped one is removed.  Where the markers alone kept two
    tokens apart (``a/*!x*/b``, ``1/*!99999 x*/2``) a single space is put in.

    * ``"mariadb"``: ``/*!x*/`` and ``/*M!x*/`` are kept; ``/*!NNNNN x*/`` and
      ``/*M!NNNNNN x*/`` are kept when NNNNN <= version.  As the MariaDB server
      does, ``/*!NNNNN`` with 50700 <= NNNNN <= 99999 (MySQL 5.7+ only syntax) is
      always dropped; ``/*M!`` is exempt from that rule.
    * ``"mysql"``: ``/*M!...*/`` is always dropped (a plain comment to MySQL);
      ``/*!...*/`` as above, without the 50700 rule.

    Plain comments and string literals are left untouched; a comment nested in an
    executable comment is part of its content.
    """
    if flavour not in ("mariadb", "mysql"):
        raise ValueError(f"flavour must be 'mariadb' or 'mysql', not {flavour!r}")
    major, minor, patch = version
    current = major * 10000 + minor * 100 + patch

    if "/*!" not in sql and "/*M!" not in sql:
        return sql  # no executable comment: nothing changes

    def keep(maria_only: bool, v: int | None) -> bool:
        if flavour == "mysql":
            return not maria_only and (v is None or v <= current)
        if v is None:
            return True
        if v > current:
            return False
        return maria_only or not (50700 <= v <= 99999)

    return _walk(sql, keep)


def strip_comments(sql: str) -> str:
    """Remove plain comments (``-- ``, ``#``, ``/* */``) from *sql*.

    Executable comments are kept verbatim (including anything nested in them),
    string literals and quoted identifiers are left intact.  A ``/* */`` comment
    between two tokens is replaced by one space so they do not join; a line
    comment is removed up to (not including) its newline.  Lenient: an
    unterminated construct extends to the end of *sql*.
    """
    return _walk(sql, None)


def first_keywords(sql: str, n: int = 3) -> list[str]:
    """Up to *n* leading bare words of *sql*, upper-cased: ``["CREATE", "TABLE"]``.

    * Plain comments and whitespace are skipped anywhere among the words.
    * Executable-comment markers are transparent, whatever their version:
      ``/*!50003 CREATE*/ /*!50017 DEFINER=`u`@`%`*/ /*!50003 TRIGGER t`` gives
      ``["CREATE", "DEFINER", "TRIGGER"]``.
    * A word followed by ``= value`` (``DEFINER=`u`@`h```, ``ALGORITHM=MERGE``,
      ``DEFINER=CURRENT_USER()``) is reported as the word alone and its value is
      skipped, so the next word (e.g. ``TRIGGER``, ``VIEW``) is still reached.
    * The scan stops at the first other token (a quoted name, ``(``, ``@``, a
      number...), so ``CREATE TABLE `x` (...)`` gives ``["CREATE", "TABLE"]``.
    """
    words: list[str] = []
    toks = token_stream(sql, lenient=True)
    t = next(toks, None)
    while t is not None and t.kind == "word" and len(words) < n:
        words.append(t.value)
        t = next(toks, None)
        if t is None or t.kind != "op" or t.text != "=":
            continue
        t = next(toks, None)  # the value: a name, string or number, ``@host``, ``()``
        if t is not None and t.kind in _VALUE_KINDS:
            t = next(toks, None)
        if t is not None and t.kind == "var":
            host = t.text == "@"
            t = next(toks, None)
            if host and t is not None and t.kind in _VALUE_KINDS:
                t = next(toks, None)
        if t is not None and t.kind == "op" and t.text == "(":
            t = next(toks, None)
            if t is None or t.kind != "op" or t.text != ")":
                break  # a call with arguments: the scan stops at its '('
            t = next(toks, None)
    return words


_VALUE_KINDS = frozenset({"word", "qident", "string", "number"})


# --------------------------------------------------------------------------- client

_CLIENT_WS = " \t\n\r\x0b\x0c"       # my_isspace() of the client's utf8mb4 ctype
_CLIENT_SPECIAL = re.compile(r"[#\-/*\\'\"`]")
_CLIENT_SPECIAL_CHARS = frozenset("#-/*\\'\"`")


# a statement without comment markers, backslashes, carriage returns, control characters,
# trailing blanks on a line or a line starting with "delimiter" goes through the client as
# is: it is plain when none of these occurs
_NOT_PLAIN = re.compile(r"--|#|/\*|\\|\r|[ \t]\n|[ \t]$|(?:^|\n)\s*delimiter|[\x00-\x08\x0b-\x1f\x7f]",
                        re.I)


def client_strip(  # noqa: C901 - one character pass reproducing the client's comment stripping
        sql: str, *, no_backslash_escapes: bool = False,
        ansi_quotes: bool = False) -> str:
    """The text the ``mariadb`` client (10.11, without ``--comments``) sends for *sql*.

    *sql* is one statement as :func:`split_sql` returns it (no delimiter).  The rules
    reproduce the behaviour of the client's line reader, established against the
    server's general log:

    * The input is read line by line; a ``\\r`` before ``\\n`` is dropped (also inside
      string literals), every line gets ``\\n`` back, except a line whose kept text
      starts with ``delimiter`` (outside strings and comments).
    * ``#`` and ``-- `` (``--`` then whitespace or the end of the line) drop the rest
      of the line, the newline stays: a body line ``  -- note`` becomes ``  ``.
    * ``/* ... */`` is dropped; after it, a space is put in before the next ASCII
      non-space character on the same line (``4/* x */5`` gives ``4 5``).  A comment
      spanning lines also loses the newlines inside it.  ``/*+ hints */`` are plain
      comments to the client and are dropped too.  ``/*! */`` and ``/*M! */`` are
      kept, with a quirk reproduced as is: within a line, a plain ``/* */`` nested in
      ``/*! */`` ends only at the second ``*/``.
    * In a string, a backslash at the end of a line is dropped.  Outside strings,
      ``\\N`` is kept and any other backslash command (``\\g``, ``\\G``, ``\\c`` ...)
      raises :class:`SqlError`: the client would execute it or stop.
    * Non-ASCII characters are copied without looking at them (as the client does
      for multi-byte characters), trailing whitespace and control characters are
      removed.

    ``no_backslash_escapes`` and ``ansi_quotes`` reflect the session's sql_mode
    (the client follows the server status flags): then a backslash in a string,
    respectively in a ``"..."`` string, is an ordinary character.
    """
    if "\0" in sql:
        raise SqlError("ASCII '\\0' appeared in the statement; the mariadb client refuses it")
    if not _NOT_PLAIN.search(sql):
        return sql  # nothing the client would change: no comment, backslash, CR or delimiter line
    buffer: list[str] = []              # text handed over so far (the client's glob_buffer)
    in_string = ""
    ml_comment = False
    lines = sql.split("\n")
    last_index = len(lines) - 1
    for index, line in enumerate(lines):
        last = index == last_index
        if not last and line.endswith("\r"):
            line = line[:-1]
        if not line and not buffer:
            continue
        out: list[str] = []
        need_space = False
        ss_comment = False
        n = len(line)
        i = 0
        if not _CLIENT_SPECIAL.search(line):
            # nothing on this line changes the state: it is copied (or, inside a comment,
            # dropped) as a whole, as the character loop below would do
            if ml_comment:
                n = 0
            elif not buffer and not in_string:
                i = len(line) - len(line.lstrip(_CLIENT_WS))
            if i < n:
                out.append(line[i:])
            i = n
        while i < n:
            c = line[i]
            if c not in _CLIENT_SPECIAL_CHARS and (ml_comment or (not need_space and (out or buffer))):
                # a run of characters that change nothing: copied (dropped in a comment)
                # up to the next special character, as the loop would one by one
                m = _CLIENT_SPECIAL.search(line, i)
                j = n if m is None else m.start()
                if not ml_comment:
                    out.append(line[i:j])
                i = j
                continue
            if c in _CLIENT_WS and not out and not buffer:
                i += 1
                continue
            if c >= "\x80":                 # a multi-byte character: copied as is
                if not ml_comment:
                    out.append(c)
                i += 1
                continue
            nxt = line[i + 1] if i + 1 < n else ""
            if (c == "\\" and not ml_comment and in_string != "`"
                    and not (in_string == '"' and ansi_quotes)
                    and not (in_string and no_backslash_escapes)):
                if not nxt:                 # at the end of the line: dropped
                    break
                if in_string or nxt == "N":
                    out.append(c + nxt)
                    i += 2
                    continue
                raise SqlError(f"'\\{nxt}' outside a string is a mariadb client command; "
                               f"it is not supported here")
            if not ml_comment and not in_string and (
                    c == "#" or (c == "-" and nxt == "-" and (
                        i + 2 >= n or line[i + 2] in _CLIENT_WS or (not buffer and not out)))):
                buffer.extend(out)
                out = []
                break
            if (not in_string and c == "/" and nxt == "*"
                    and not (line[i + 2:i + 3] == "!" or line[i + 2:i + 4] == "M!")):
                ml_comment = True
                buffer.extend(out)
                out = []
                i += 2
                continue
            if ml_comment and not ss_comment and c == "*" and nxt == "/":
                ml_comment = False
                buffer.extend(out)
                out = []
                need_space = True
                i += 2
                continue
            if not in_string and c == "/" and nxt == "*" and line[i + 2:i + 3] == "!":
                ss_comment = True
            elif not in_string and ss_comment and c == "*" and nxt == "/":
                ss_comment = False
            if c == in_string:
                in_string = ""
            elif not ml_comment and not in_string and c in "'\"`":
                in_string = c
            if not ml_comment:
                if need_space and c not in _CLIENT_WS:
                    out.append(" ")
                need_space = False
                out.append(c)
            i += 1
        if last:
            buffer.extend(out)
        elif out or buffer:
            kept = "".join(out)
            if not (len(kept) >= 9 and kept[:9].lower() == "delimiter") or in_string or ml_comment:
                out.append("\n")
            if not ml_comment:
                buffer.extend(out)
    text = "".join(buffer)
    end = len(text)
    while end and (text[end - 1] <= " " or text[end - 1] == "\x7f"):
        end -= 1
    return text[:end]


# phpMyAdmin's comment before the stand-in table of a view
_STAND_IN = re.compile(r"Stand-in structure for view `((?:[^`]|``)+)`", re.I)


def _unquoted(token: str) -> str:
    return token[1:-1].replace("``", "`") if token.startswith("`") else token


def find_stand_ins(text: str, statements: Sequence[Statement]) -> tuple[dict[str, Statement], list[str]]:
    """phpMyAdmin's stand-in tables for views, by view name, and the views among them
    whose definition the dump lacks."""
    stand_ins: dict[str, Statement] = {}
    created_views: set[str] = set()
    prev_end = 0
    for st in statements:
        gap = text[prev_end:st.start]
        prev_end = st.end
        head = st.sql.lstrip()
        m = _STAND_IN.search(gap)
        if m and re.match(r"CREATE\s+TABLE", head, re.I):
            stand_ins[m.group(1).replace("``", "`")] = st
        elif re.match(r"CREATE\b.*?\bVIEW\s", head[:300], re.I | re.S):
            vm = re.search(r"\bVIEW\s+(`(?:[^`]|``)+`|\w+)", head, re.I)
            if vm:
                created_views.add(_unquoted(vm.group(1)))
    return stand_ins, sorted(n for n in stand_ins if n not in created_views)
