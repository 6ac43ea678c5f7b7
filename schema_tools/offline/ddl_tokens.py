"""The tokens of the MariaDB dialect: the dialect lexer's tokens as the sqlglot tokens the
table DDL parser and sqlglot's expression parser read.

:func:`sqlglot_tokens` reads a statement with :func:`schema_tools.dialect.lexer.tokenize`
(the lexer of every other reader) and types each token from the tables of sqlglot's MySQL tokenizer:
``KEYWORDS`` for words, keywords of several words (``PRIMARY KEY``, ``DOUBLE PRECISION``:
words separated by white space only) and operators of several characters (``<=>``,
``@@``), ``SINGLE_TOKENS`` for the other punctuation.  Literals take sqlglot's shapes:
a string's text is its value, a hex or bit literal's text its digits.  Beyond sqlglot,
``.5`` is one number, and RENAME is no command (sqlglot reads the rest of a statement
after a command word as one string).  Positions follow sqlglot: ``start`` and ``end`` are
the offsets of the first and last character, ``line`` and ``col`` those of the last one.
"""

from __future__ import annotations

import re

from sqlglot.dialects.mysql import MySQL
from sqlglot.errors import TokenError
from sqlglot.tokens import Token, TokenType

from ..dialect.lexer import Modes, Tok, tokenize
from .state import OfflineError


class MariaDBTokenizer(MySQL.Tokenizer):
    """MySQL's tokenizer tables with RENAME no command; the tokens are :func:`sqlglot_tokens`."""

    COMMANDS = MySQL.Tokenizer.COMMANDS - {TokenType.RENAME}

    def tokenize(self, sql: str) -> list[Token]:
        return sqlglot_tokens(sql)


_KEYWORDS = MariaDBTokenizer.KEYWORDS
_SINGLE = MariaDBTokenizer.SINGLE_TOKENS
_COMMANDS = frozenset(MariaDBTokenizer.COMMANDS)
_COMMAND_PREFIXES = frozenset(MariaDBTokenizer.COMMAND_PREFIX_TOKENS)
_MODES = Modes("")  # sql_modes that change tokens are refused before parsing (tables.py)
_VAR = TokenType.VAR
_NUMBER = TokenType.NUMBER
_Phrase = tuple[tuple[str, ...], TokenType, str]  # pieces, token type, token text


def _compound_keywords() -> tuple[dict[str, TokenType], dict[str, list[_Phrase]]]:
    """The keywords of more than one lexer token: operators (``<=>``) by text, and the
    others (``PRIMARY KEY``, ``USER-DEFINED``) by first word, as pieces (a word, an
    operator, or ``" "`` for white space), longest first."""
    ops: dict[str, TokenType] = {}
    phrases: dict[str, list[_Phrase]] = {}
    for key, ttype in _KEYWORDS.items():
        if all(c in _SINGLE for c in key):
            if len(key) > 1:
                ops[key] = ttype
        elif " " in key or any(c in _SINGLE for c in key):
            pieces = tuple(re.findall(r"[0-9A-Z_$]+| |[^0-9A-Z_$ ]+", key.upper()))
            phrases.setdefault(pieces[0], []).append((pieces, ttype, key.upper()))
    for entries in phrases.values():
        entries.sort(key=lambda e: -len(e[0]))
    return ops, phrases


_OPS, _PHRASES = _compound_keywords()
_OP_MAX = max(map(len, _OPS))
_OP_TYPES = {**_SINGLE, **_OPS}
# the beginnings of operators: a lexer operator followed by one of these characters may
# start a longer operator of sqlglot's (|> is two operators to the lexer)
_OP_PREFIXES = frozenset(key[:k] for key in _OPS for k in range(2, len(key) + 1))


def sqlglot_tokens(sql: str) -> list[Token]:  # noqa: C901 - one loop, one branch per lexer token kind
    """The sqlglot tokens of ``sql`` (see the module doc); a text the lexer refuses (an
    unterminated string) raises :class:`TokenError`, as sqlglot's tokenizer does."""
    try:
        toks = tokenize(sql, _MODES)
    except OfflineError:
        n = len(sql)
        raise TokenError(f"Error tokenizing '{sql[max(n - 50, 0):n - 1]}'") from None
    out: list[Token] = []
    append = out.append
    keywords = _KEYWORDS
    op_types = _OP_TYPES
    dotted: list[Token] = []  # numbers written .5: their column is the dot's
    n = len(toks)
    i = 0
    while i < n:
        t = toks[i]
        kind = t.kind
        if kind == "word" or kind == "intro":
            phrases = _PHRASES.get(t.value)
            if phrases is not None:
                matched = _match_phrase(sql, toks, i, phrases)
                if matched is not None:
                    j, ttype, text = matched
                    append(Token(ttype, text, 1, 0, t.start, toks[j - 1].end - 1))
                    i = j
                    if ttype in _COMMANDS:
                        i = _command_rest(sql, toks, i, out)
                    continue
            text = t.text
            if t.value == "N" and i + 1 < n and toks[i + 1].start == t.end \
                    and toks[i + 1].kind == "string":
                # N"text": sqlglot's national strings take either quote
                nxt = toks[i + 1]
                append(Token(TokenType.NATIONAL_STRING, nxt.value, 1, 0, t.start, nxt.end - 1))
                i += 2
                continue
            if "0" <= text[0] <= "9":
                ttype = _digit_word(text)
                if ttype is TokenType.HEX_STRING or ttype is TokenType.BIT_STRING:
                    text = text[2:]
            elif out and out[-1].token_type is TokenType.PARAMETER:
                ttype = _VAR
            else:
                ttype = keywords.get(t.value, _VAR)
            append(Token(ttype, text, 1, 0, t.start, t.end - 1))
            i += 1
            if ttype in _COMMANDS:
                i = _command_rest(sql, toks, i, out)
            continue
        if kind == "op":
            text = t.text
            op_type = op_types.get(text)
            if op_type is None or (i + 1 < n and toks[i + 1].start == t.end
                                   and toks[i + 1].kind == "op"
                                   and text + toks[i + 1].text[0] in _OP_PREFIXES):
                i = _operators(toks, i, out)
                continue
            append(Token(op_type, text, 1, 0, t.start, t.end - 1))
        elif kind == "qident":
            append(Token(TokenType.IDENTIFIER, t.value, 1, 0, t.start, t.end - 1))
        elif kind == "string":
            append(Token(TokenType.STRING, t.value, 1, 0, t.start, t.end - 1))
        elif kind == "number":
            text = t.text
            if text[0] == ".":
                prev = out[-1] if out else None
                if prev is not None and prev.end + 1 == t.start \
                        and prev.token_type not in (TokenType.L_PAREN, TokenType.COMMA):
                    # sqlglot reads a dot and a number, joined unless the dot ends a name
                    append(Token(TokenType.DOT, ".", 1, 0, t.start, t.start))
                    append(Token(_NUMBER, text[1:], 1, 0, t.start + 1, t.end - 1))
                else:
                    append(Token(_NUMBER, text, 1, 0, t.start, t.end - 1))
                    dotted.append(out[-1])
            else:
                append(Token(_NUMBER, text, 1, 0, t.start, t.end - 1))
        elif kind == "hexbin":
            text = t.text
            if text[0] == "0":
                ttype = TokenType.HEX_STRING if text[1] == "x" else TokenType.BIT_STRING
                value = text[2:]
            else:
                ttype = TokenType.HEX_STRING if text[0] in "xX" else TokenType.BIT_STRING
                value = text[2:-1]
            append(Token(ttype, value, 1, 0, t.start, t.end - 1))
        else:  # nstring
            append(Token(TokenType.NATIONAL_STRING, t.value, 1, 0, t.start, t.end - 1))
        i += 1
    _place(sql, out)
    for tok in dotted:
        tok.line, tok.col = _line_col(sql, tok.start)
    return out


def _place(sql: str, tokens: list[Token]) -> None:
    """Set each token's line and column (from 1) of its last character; a line ends at
    ``\\n`` or at a ``\\r`` not followed by ``\\n``."""
    if "\n" not in sql and "\r" not in sql:
        for tok in tokens:
            tok.col = tok.end + 1
        return
    breaks = [m.start() for m in _BREAK.finditer(sql)]
    count = len(breaks)
    k = 0
    line_start = -1
    for tok in tokens:
        end = tok.end
        while k < count and breaks[k] < end:
            line_start = breaks[k]
            k += 1
        tok.line = k + 1
        tok.col = end - line_start


def _line_col(sql: str, offset: int) -> tuple[int, int]:
    breaks = [m.start() for m in _BREAK.finditer(sql, 0, offset)]
    return len(breaks) + 1, offset - (breaks[-1] if breaks else -1)


_BREAK = re.compile(r"\n|\r(?!\n)")


def _match_phrase(sql: str, toks: list[Tok], i: int,
                  phrases: list[_Phrase]) -> tuple[int, TokenType, str] | None:
    """The keyword of several tokens starting at ``toks[i]``: (index after it, type, text)."""
    n = len(toks)
    for pieces, ttype, text in phrases:
        j = i + 1
        pos = toks[i].end
        operator = False
        spaced = False
        for piece in pieces[1:]:
            if piece == " ":
                spaced = True
                continue
            if j >= n:
                break
            t = toks[j]
            gap = sql[pos:t.start]
            if not gap.isspace() if spaced else gap:
                break
            spaced = False
            if piece[0] in _SINGLE:
                operator = True
                k = j
                got = ""
                while k < n and toks[k].kind == "op" and len(got) < len(piece) \
                        and (k == j or toks[k].start == toks[k - 1].end):
                    got += toks[k].text
                    k += 1
                if got != piece:
                    break
                pos = toks[k - 1].end
                j = k
            else:
                if t.kind not in ("word", "intro") or t.value != piece:
                    break
                pos = t.end
                j += 1
        else:
            after = sql[pos:pos + 1]
            if operator or not after or after.isspace() or after in _SINGLE:
                return j, ttype, text
    return None


def _digit_word(text: str) -> TokenType:
    """A word starting with a digit: sqlglot reads ``0x..``/``0b..`` as a hex or bit
    literal, or a quoted name when the digits are not, and digits (``5``, ``5e3``) as a
    number; any other is a name."""
    if text[0] == "0" and len(text) > 1 and text[1] in "xXbB":
        base = 16 if text[1] in "xX" else 2
        try:
            int(text, base)
        except ValueError:
            return TokenType.IDENTIFIER
        return TokenType.HEX_STRING if base == 16 else TokenType.BIT_STRING
    if _DIGITS.fullmatch(text):  # a name after `name.`, which sqlglot reads as a number
        return _NUMBER
    return _VAR


_DIGITS = re.compile(r"[0-9]+(?:[eE][0-9]+)?")


def _operators(toks: list[Tok], i: int, out: list[Token]) -> int:
    """The tokens of the run of adjacent operators at ``toks[i]``, each the longest
    operator of sqlglot's keywords or one character; the index after the run."""
    n = len(toks)
    j = i + 1
    while j < n and toks[j].kind == "op" and toks[j].start == toks[j - 1].end:
        j += 1
    start = toks[i].start
    text = toks[i].text if j == i + 1 else "".join(t.text for t in toks[i:j])
    p = 0
    size = len(text)
    while p < size:
        for k in range(min(_OP_MAX, size - p), 1, -1):
            ttype = _OPS.get(text[p:p + k])
            if ttype is not None:
                break
        else:
            k = 1
            c = text[p]
            ttype = _SINGLE.get(c, _VAR)
            if c.isspace():  # sqlglot's white space beyond the server's
                p += 1
                continue
        end = start + p + k - 1
        out.append(Token(ttype, text[p:p + k], 1, 0, start + p, end))
        p += k
    return j


def _command_rest(sql: str, toks: list[Tok], i: int, out: list[Token]) -> int:
    """After a command word that starts a statement (sqlglot's COMMANDS: REPLACE, EXECUTE,
    ...), the text up to the next ``;`` is one string, as sqlglot reads it."""
    cmd = out[-1]
    if len(out) > 1 and out[-2].token_type not in _COMMAND_PREFIXES:
        return i
    if sql[cmd.end + 1:cmd.end + 2] == ";":
        return i
    j = i
    n = len(toks)
    while j < n and not (toks[j].kind == "op" and toks[j].text == ";"):
        j += 1
    stop = toks[j].start if j < n else len(sql)
    rest = sql[cmd.end + 1:stop]
    text = rest.strip()
    if text:
        first = cmd.end + 1 + len(rest) - len(rest.lstrip())
        last = first + len(text) - 1
        out.append(Token(TokenType.STRING, text, 1, 0, first, last))
    return j
