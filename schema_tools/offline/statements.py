"""What every stored-program and view statement shares: its head (``CREATE OR REPLACE
DEFINER=... SQL SECURITY ...``), ``IF [NOT] EXISTS``, the DEFINER account, the session
fields recorded with the object, and the body as the server cuts it.

* A routine body (``mysql.proc.body``) is the statement text from the first token of the
  body to the end of its last token, as the server's lexer "pre-processes" it: plain
  comments were already removed by the ``mariadb`` client (:func:`client_strip`), kept
  executable comments lose their markers (``/*!50003 x */`` gives `` x ``, no space is
  added around it), skipped ones disappear.  A trailing ``;`` belongs to no body.
* A trigger's body (from ``SHOW CREATE TRIGGER``) and an event's (``mysql.event.body``)
  are cut the same way.  Not ``ACTION_STATEMENT``/``EVENT_DEFINITION``: those are the
  server's "utf8 body", every string literal rewritten from its value, which loses
  backslashes (``'a\\\\b'`` reads ``'a\\b'``, another value).
* ``sql_mode``, ``character_set_client``, ``collation_connection`` and the database
  collation are those of the session at creation time; ``CURRENT_USER``, no DEFINER at
  all, or one naming the throwaway server's loading account
  (:data:`~schema_tools.servers.local.LOADER_ACCOUNT`) is recorded as ``None``, any
  other DEFINER (``root@localhost`` included) as stated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .dump_views import DumpedView
from ..dialect.lexer import QUOTED, WHITESPACE, Cursor, Tok
from .state import OfflineError, Session


# =======================================================================================
# DEFINER


def _parse_definer(cur: Cursor, session: Session) -> str | None:
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
# Stored program bodies

_COMPOUND = ("IF", "CASE", "LOOP", "WHILE", "REPEAT", "FOR")


def _is_kw_at(toks: list[Tok], k: int, *words: str) -> bool:
    """Token k is one of ``words`` used as a keyword (not ``x.word``)."""
    t = toks[k]
    if not t.is_kw(*words):
        return False
    return not (k > 0 and toks[k - 1].kind == "op" and toks[k - 1].text == ".")


def _body_end(cur: Cursor, what: str) -> int:  # noqa: C901 - one pass tracking compound statements and labels
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


def take_body(cur: Cursor, what: str, with_tokens: bool = True) -> tuple[str, list[Tok]]:
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


def _fast_body(cur: Cursor) -> str | None:
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
            if rest.strip(WHITESPACE + ";"):
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
        m = QUOTED[("`", False)].match(sql, pos)
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
class Head:
    """What comes before the object's name: verb, kind and the clauses in between."""

    verb: str                    # CREATE / ALTER / DROP
    kind: str                    # PROCEDURE FUNCTION TRIGGER EVENT VIEW
    or_replace: bool = False
    definer: object = ...        # ... = not given; else the account (None = loader)
    algorithm: str | None = None
    security: str | None = None
    aggregate: bool = False
    dumped: DumpedView | None = None    # a CREATE VIEW in mariadb-dump's form (.dump_views)


_KINDS = ("PROCEDURE", "FUNCTION", "TRIGGER", "EVENT", "VIEW")


def read_head(cur: Cursor, session: Session) -> Head | None:
    """The head up to the object kind; None when it is no routine, trigger, event or view
    statement (or one these modules leave to the table reader)."""
    verb = cur.next().value
    h = Head(verb, "")
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


def accept_if_not_exists(cur: Cursor, h: Head) -> bool:
    """Accept ``IF NOT EXISTS``, which ``OR REPLACE`` excludes."""
    if cur.accept_kw("IF", "NOT", "EXISTS"):
        if h.or_replace:
            raise OfflineError("Incorrect usage of OR REPLACE and IF NOT EXISTS")
        return True
    return False


def accept_if_exists(cur: Cursor) -> bool:
    """Accept ``IF EXISTS``."""
    return cur.accept_kw("IF", "EXISTS")


def end_statement(cur: Cursor) -> None:
    """The statement must end here (trailing ``;`` aside)."""
    while cur.accept_op(";"):
        pass
    if not cur.done():
        raise OfflineError(f"unexpected text {cur.near()}")


def session_fields(session: Session) -> dict:
    """The session settings recorded with a stored object."""
    return dict(sql_mode=session.sql_mode, charset_client=session.charset_client,
                collation_connection=session.collation_connection,
                database_collation=session.db_collation)


def definer_of(head: Head) -> str | None:
    """The DEFINER recorded: the account, or None for the loader or none given."""
    return head.definer if isinstance(head.definer, str) else None
