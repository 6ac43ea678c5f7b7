"""The table DDL parser's tokens (offline/ddl_tokens.py): the dialect lexer's tokens typed
from sqlglot's MySQL tokenizer tables, compared with sqlglot's own tokenizer on the corpus
and on random text, and the places where the lexer's reading is the server's."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlglot.dialects.mysql import MySQL
from sqlglot.errors import TokenError
from sqlglot.tokens import Token, TokenType

from schema_tools.dialect.sqlscript import (
    client_strip, expand_executable_comments, read_sql_file, split_sql,
)
from schema_tools.offline.ddl_parse import MariaDB, parse_statement
from schema_tools.offline.ddl_tokens import sqlglot_tokens
from schema_tools.offline.state import OfflineError
from schema_tools.offline.tables import is_table_ddl


class _Reference(MySQL.Tokenizer):
    COMMANDS = MySQL.Tokenizer.COMMANDS - {TokenType.RENAME}


def _reference(sql: str) -> list[Token]:
    """sqlglot's own tokens for the MariaDB dialect, ``.5`` joined into one number."""
    tokens = _Reference(dialect=MariaDB).tokenize(sql)
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
                             tok.start, nxt.end))
            i += 2
            continue
        out.append(tok)
        i += 1
    return out


def _tuples(tokens: list[Token], lines: bool = True) -> list[tuple]:
    return [(t.token_type, t.text, t.start, t.end) + ((t.line, t.col) if lines else ())
            for t in tokens]


def _same_as_sqlglot(sql: str) -> None:
    try:
        expected = _reference(sql)
    except TokenError:
        return  # what sqlglot refuses, such as x'41''', the server may read
    # sqlglot counts no line break inside a keyword of several words (PRIMARY\nKEY)
    lines = not any(" " in t.text and "\n" in sql[t.start:t.end + 1] for t in expected
                    if t.token_type not in (TokenType.STRING, TokenType.IDENTIFIER))
    assert _tuples(sqlglot_tokens(sql), lines) == _tuples(expected, lines), sql


@pytest.mark.corpus
def test_tokens_of_the_corpus_table_statements_are_sqlglot_tokens(corpus):
    count = 0
    for path in sorted((corpus / "ispyb").rglob("*.sql")):
        for st_ in split_sql(read_sql_file(path)):
            sql = expand_executable_comments(client_strip(st_.sql), flavour="mariadb",
                                             version=(10, 11, 0)).strip()
            if is_table_ddl(sql):
                count += 1
                _same_as_sqlglot(sql)
    assert count > 1500


PIECES = ["CREATE", "TABLE", "`a`", "`b c`", "`x``y`", "'x'", "'it''s'", "'a\"b'", "\"q\"",
          " ", "\n", "\t", "\r\n", "(", ")", ",", "=", "-", "1", "1.5", "PRIMARY", "KEY",
          "primary  key", "PRIMARY\nKEY", "FOREIGN KEY", "unsigned", "UNSIGNED INTEGER",
          "CHARACTER SET", "character varying", "DOUBLE PRECISION", "N'a'", "n\"b\"", "x'41'",
          "B'01'", "0x41", "0b101", "0X4F", "0x4g", "1e5", ".5", "a.5", "->", "->>", "=>", "<=",
          "<=>", "<<", "!=", ":=", "::", "@", "@@", "@a", "REPLACE", ";", "current_timestamp()",
          "ON UPDATE", "_utf8'a'", "_latin1", "ü", "$x", "1a", "KEYS", "CHARA", "GROUP BY",
          "ORDER  BY", "'\\n'", "'\\%\\_\\0\\Z\\a\\''", "EXECUTE", "user-defined ", "RENAME",
          "LOCK TABLES", "START", "{%", "%}", "|", "||", "&&", "~", "?", "*", "/", "+", "'é'"]


# where sqlglot's number reading runs on into the next token and the server's does not:
# .5a, .5.5, 1e5.5, 1e5-1, 1$x, and a number after @ (split at its dot)
_NUMBER_RUNS_ON = re.compile(r"\.[0-9]+[.A-Za-z_$\u0080-\U0010ffff]|[0-9.][eE][0-9]+[-+.]"
                             r"|[0-9]\$|@\s*[0-9]")
# a comment after an operator ({%-- x): sqlglot reads the operator first; comments never
# reach the parser (the client strips them)
_COMMENT = re.compile(r"--(?:\s|$)")


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(["", " ", "\n"])),
                max_size=14))
def test_tokens_of_random_text_are_sqlglot_tokens(pieces):
    sql = "".join(a + b for a, b in pieces)
    assume(not _NUMBER_RUNS_ON.search(sql) and not _COMMENT.search(sql))
    try:
        _reference(sql)
    except TokenError:
        return
    if any(t.token_type in (TokenType.EXECUTE, TokenType.REPLACE, TokenType.COMMAND)
           for t in _reference(sql) if t.token_type != TokenType.STRING):
        # after a command word the rest is one string: same text, positions aside
        assert [(t.token_type, t.text) for t in sqlglot_tokens(sql)] \
            == [(t.token_type, t.text) for t in _reference(sql)]
        return
    _same_as_sqlglot(sql)


@pytest.mark.parametrize("sql, tokens", [
    # the server's lexer decides where a token ends
    ("1e", [(TokenType.VAR, "1e")]),
    ("12.5e3x", [(TokenType.NUMBER, "12.5e3"), (TokenType.VAR, "x")]),
    ("1.5a", [(TokenType.NUMBER, "1.5"), (TokenType.VAR, "a")]),
    ("a\u00a0b", [(TokenType.VAR, "a\u00a0b")]),
    # sqlglot swallows nothing into a keyword of several words
    ("CHARACTER SE (", [(TokenType.CHAR, "CHARACTER"), (TokenType.VAR, "SE"),
                        (TokenType.L_PAREN, "(")]),
    ("user-definedx", [(TokenType.VAR, "user"), (TokenType.DASH, "-"), (TokenType.VAR, "definedx")]),
    ("RENAME TABLE a TO b", [(TokenType.RENAME, "RENAME"), (TokenType.TABLE, "TABLE"),
                             (TokenType.VAR, "a"), (TokenType.VAR, "TO"), (TokenType.VAR, "b")]),
    ("(.5, a.5)", [(TokenType.L_PAREN, "("), (TokenType.NUMBER, ".5"), (TokenType.COMMA, ","),
                   (TokenType.VAR, "a"), (TokenType.DOT, "."), (TokenType.NUMBER, "5"),
                   (TokenType.R_PAREN, ")")]),
])
def test_tokens_where_the_lexer_reads_as_the_server(sql, tokens):
    assert [(t.token_type, t.text) for t in sqlglot_tokens(sql)] == tokens


def test_multi_word_keyword_positions():
    tok, = sqlglot_tokens("x\nPRIMARY\n  KEY")[1:]
    assert (tok.token_type, tok.text, tok.start, tok.end, tok.line, tok.col) \
        == (TokenType.PRIMARY_KEY, "PRIMARY KEY", 2, 14, 3, 5)


def test_unterminated_string_is_a_token_error_as_in_sqlglot():
    with pytest.raises(TokenError):
        sqlglot_tokens("CREATE TABLE t (a int COMMENT 'x)")
    with pytest.raises(OfflineError, match="cannot parse statement: Error tokenizing"):
        parse_statement("CREATE TABLE t (a int COMMENT 'x)")
