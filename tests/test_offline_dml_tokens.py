"""The tokens the offline DML parser reads (schema_tools.offline.dml_parse), taken from the
offline reader's lexer: values as the server reads them under each sql_mode."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from schema_tools.flavour import Flavour
from schema_tools.dialect.lexer import Modes, tokenize
from schema_tools.offline.dml_parse import _Lit, _tokenize
from schema_tools.offline.state import OfflineError, Session


_KINDS = {"string": "str", "hexbin": "hex", "number": "num", "word": "id", "qident": "id", "op": "op"}


def toks(sql: str, sql_mode: str = "") -> list[tuple]:
    """(kind, value[, "quoted"]): a literal's value, a name as the server reads it."""
    session = Session(Flavour("mariadb", (10, 11, 0)), sql_mode=sql_mode)
    return [(_KINDS[t.kind], t.literal if isinstance(t, _Lit) else t.name)
            + (("quoted",) if t.kind == "qident" else ()) for t in _tokenize(sql, session)]


@pytest.mark.parametrize("sql, sql_mode, expected", [
    (r"'a\'b' 'c'", "", [("str", "a'bc")]),
    (r"'a\'", "NO_BACKSLASH_ESCAPES", [("str", "a\\")]),
    (r"'\%\_\n\q'", "", [("str", "\\%\\_\nq")]),
    ("\"d\"\"e\"", "", [("str", 'd"e')]),
    ("\"d\"\"e\"", "ANSI_QUOTES", [("id", 'd"e', "quoted")]),
    ("`f``g` h", "", [("id", "f`g", "quoted"), ("id", "h")]),
    ("_utf8mb4 'x' N'y'", "", [("str", "xy")]),
    ("_latin1 0x41", "", [("id", "_latin1"), ("hex", b"A")]),
    ("x'4a' 0x14a b'101' 0b1 B''", "", [("hex", b"J"), ("hex", b"\x01\x4a"), ("hex", b"\x05"),
                                        ("hex", b"\x01"), ("hex", b"")]),
    ("0x1g 12 1.50 1e3 .5", "", [("id", "0x1g"), ("num", 12), ("num", Decimal("1.50")),
                                 ("num", 1000.0), ("num", Decimal(".5"))]),
    ("a=.5AND b", "", [("id", "a"), ("op", "="), ("num", Decimal(".5")), ("id", "AND"),
                       ("id", "b")]),
    (r""""a\" 'x'""", "ANSI_QUOTES", [("id", "a\\", "quoted"), ("str", "x")]),
    ("a->b <<= c;;", "", [("id", "a"), ("op", "-"), ("op", ">"), ("id", "b"), ("op", "<"),
                          ("op", "<="), ("id", "c")]),
])
def test_tokens_carry_the_values_the_parser_reads(sql, sql_mode, expected):
    assert toks(sql, sql_mode) == expected


@pytest.mark.parametrize("sql, message", [
    ("_cp1251'x'", "character set introducer _cp1251 is not supported offline"),
    ("x'4'", "syntax error: odd number of hex digits"),
    ("1 ^ 2", "syntax error near '^ 2'"),
])
def test_what_the_parser_cannot_read_is_refused(sql, message):
    with pytest.raises(OfflineError, match=re.escape(message)):
        toks(sql)


def test_quoted_hex_and_bit_literals_end_at_their_quote():
    kinds = [(t.kind, t.text) for t in tokenize("x'41'a b'1'c 0x41g 0x41é", Modes(""))]
    assert kinds == [("hexbin", "x'41'"), ("word", "a"), ("hexbin", "b'1'"), ("word", "c"),
                     ("word", "0x41g"), ("word", "0x41é")]
