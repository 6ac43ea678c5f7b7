"""The tokenizer of the MariaDB dialect: sqlglot's MySQL tokenizer with a few fixes, and a
fast path for the plain text of a dump's CREATE TABLE.
"""

from __future__ import annotations

import re

from sqlglot.dialects.mysql import MySQL
from sqlglot.tokens import Token, TokenType


class MariaDBTokenizer(MySQL.Tokenizer):
    """MySQL's tokenizer, plus ``.5`` read as one number (sqlglot splits it), and RENAME
    tokenized normally (sqlglot swallows the rest of a RENAME statement as one string)."""

    COMMANDS = MySQL.Tokenizer.COMMANDS - {TokenType.RENAME}

    def tokenize(self, sql: str) -> list[Token]:
        tokens = _fast_tokens(sql)
        if tokens is None:
            tokens = super().tokenize(sql)
        if "." not in sql:
            return tokens  # no '.5' to join
        out: list[Token] = []
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            prev = out[-1] if out else None
            if (tok.token_type == TokenType.DOT and nxt is not None
                    and nxt.token_type == TokenType.NUMBER and nxt.start == tok.end + 1
                    and nxt.text[:1].isdigit()
                    and not (prev is not None and prev.end + 1 == tok.start
                             and prev.token_type not in (TokenType.L_PAREN, TokenType.COMMA))):
                out.append(Token(TokenType.NUMBER, "." + nxt.text, tok.line, tok.col,
                                 tok.start, nxt.end, tok.comments))
                i += 2
                continue
            out.append(tok)
            i += 1
        return out


# ---------------------------------------------------------------------------------------
# A fast path for the tokenizer: the plain text of a dump's CREATE TABLE (words, `names`,
# 'strings' without escapes, integers and decimals, punctuation) gives exactly the tokens
# of sqlglot's tokenizer (type, text, line, col, start, end), several times faster.  Any
# other text returns None and goes to sqlglot's tokenizer.

_FAST_PIECE = re.compile(
    r"(?P<ws>[ \t\n]+)"
    r"|(?P<word>[A-Za-z_$\u0080-\uffff][0-9A-Za-z_$\u0080-\uffff]*)"
    r"|`(?P<ident>(?:[^`\\\n\r]|``)*)`(?!`)"
    r"|'(?P<string>(?:[^'\"\\\n\r]|'')*)'(?!')"
    r"|(?P<number>[0-9]+(?:\.[0-9]+)?)"
    r"|(?P<punct>[(),.;=+\-*/<>!%&|^~:\[\]{}?])"
)
_FAST_DELIM = frozenset(" \t\n(),;=")


def _fast_setup():
    tok = MariaDBTokenizer
    keywords = tok.KEYWORDS
    single = tok.SINGLE_TOKENS
    trie = tok._KEYWORD_TRIE
    quotes = set(tok._QUOTES) | set(tok._FORMAT_STRINGS) | set(tok._COMMENTS)
    # the words whose letters all follow a path of the trie: only these can start a
    # keyword the trie finds (PRIMARY KEY); any other word ends the walk inside itself
    paths: set[str] = set()

    def collect(node: dict, prefix: str) -> None:
        for ch, sub in node.items():
            if isinstance(ch, str) and (ch.isalnum() or ch in "_$"):
                paths.add(prefix + ch)
                collect(sub, prefix + ch)
    collect(trie, "")
    return keywords, single, trie, quotes, tok.COMMANDS, tok.COMMAND_PREFIX_TOKENS, paths


_FAST: tuple | None = None
_UPPER = {chr(i): chr(i).upper() for i in range(97, 123)}


def _walk_keyword(sql: str, start: int, trie: dict, single_tokens: dict) -> tuple:
    """sqlglot's keyword trie walk from ``start`` (TokenizerCore._scan_keywords):
    (longest keyword, chars read, ended on a space, saw a single token, last char)."""
    size = 0
    word = None
    chars = sql[start]
    char = chars
    prev_space = False
    skip = False
    single_token = char in single_tokens
    n = len(sql)
    current = start + 1
    while chars:
        if not skip:
            sub = trie.get(_UPPER.get(char, char))
            if sub is None:
                break
            trie = sub
            if 0 in trie:
                word = chars
        end = current + size
        size += 1
        if end < n:
            char = sql[end]
            single_token = single_token or char in single_tokens
            is_space = char.isspace()
            if not is_space or not prev_space:
                if is_space:
                    char = " "
                chars += char
                prev_space = is_space
                skip = False
            else:
                skip = True
        else:
            char = ""
            break
    return word, size, prev_space, single_token, char


def _fast_tokens(sql: str) -> list[Token] | None:  # noqa: C901 - one regex pass, one branch per token kind
    global _FAST
    if _FAST is None:
        _FAST = _fast_setup()
    keywords, single, trie, quotes, commands, prefixes, paths = _FAST
    if "\r" in sql:
        return None
    out: list[Token] = []
    n = len(sql)
    pos = 0
    line = 1
    line_start = -1  # index of the last newline before pos
    match = _FAST_PIECE.match
    var = TokenType.VAR
    while pos < n:
        m = match(sql, pos)
        if m is None:
            return None
        kind = m.lastgroup
        end = m.end()
        if kind == "ws":
            nl = sql.count("\n", pos, end)
            if nl:
                line += nl
                line_start = sql.rindex("\n", pos, end)
            pos = end
            continue
        last = end - 1
        if kind == "word":
            if end < n and sql[end] not in _FAST_DELIM:
                return None
            if m.group("word").upper() in paths:
                word, size, prev_space, single_token, char = _walk_keyword(sql, pos, trie, single)
                if word:
                    if word in quotes or word.upper() in quotes:
                        return None
                    if prev_space or single_token or not char:
                        upper = word.upper()
                        if upper in keywords:
                            # one keyword, maybe of several words (PRIMARY KEY)
                            kw_last = pos + size - 1
                            if kw_last < last or "\n" in sql[pos:kw_last + 1]:
                                return None
                            out.append(Token(keywords[upper], upper, line, kw_last - line_start,
                                             pos, kw_last, []))
                            pos = kw_last + 1
                            continue
            text = m.group("word")
            ttype = keywords.get(text.upper(), var)
            if ttype in commands and (not out or out[-1].token_type in prefixes):
                return None
            out.append(Token(ttype, text, line, last - line_start, pos, last, []))
        elif kind == "ident":
            out.append(Token(TokenType.IDENTIFIER, m.group("ident").replace("``", "`"), line,
                             last - line_start, pos, last, []))
        elif kind == "string":
            out.append(Token(TokenType.STRING, m.group("string").replace("''", "'"), line,
                             last - line_start, pos, last, []))
        elif kind == "number":
            if end < n and sql[end] not in _FAST_DELIM:
                return None
            out.append(Token(TokenType.NUMBER, m.group("number"), line, last - line_start,
                             pos, last, []))
        else:
            c = m.group("punct")
            sub = trie.get(c)
            if sub is not None:
                nxt = sql[end] if end < n else ""
                if 0 in sub or (" " if nxt.isspace() else _UPPER.get(nxt, nxt)) in sub:
                    return None
            ttype = single.get(c)
            if ttype is None:
                return None
            out.append(Token(ttype, c, line, last - line_start, pos, last, []))
        pos = end
    return out
