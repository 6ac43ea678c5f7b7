"""The one lexer: its exact and lenient modes read well-formed text alike, and the script
splitter follows the same quoting and comment rules."""

from __future__ import annotations

import pytest

from schema_tools.dialect.lexer import Modes, UnreadableSql, quoted_end, tokenize
from schema_tools.dialect.sqlscript import client_strip, read_sql_file, split_sql


def _lenient_as_exact(toks):
    """The lenient tokens, with each ``var`` as the exact lexer reads its text."""
    out = []
    for t in toks:
        if t.kind == "var":
            out.extend((v.kind, v.value) for v in tokenize(t.text, Modes("")))
        else:
            out.append((t.kind, t.value))
    return out


def _corpus_statements(corpus):
    for path in sorted((corpus / "ispyb").rglob("*.sql")):
        for st in split_sql(read_sql_file(path), source=path.name):
            yield path.name, st.line, client_strip(st.sql)


def test_exact_and_lenient_agree_on_every_corpus_statement(corpus):
    read = 0
    for name, line, sql in _corpus_statements(corpus):
        try:
            exact = tokenize(sql, Modes(""))
        except UnreadableSql:
            continue  # executable comments: only the lenient mode reads them in place
        assert _lenient_as_exact(tokenize(sql, lenient=True)) == [(t.kind, t.value) for t in exact], \
            f"{name}:{line}"
        read += 1
    assert read > 1000


@pytest.mark.parametrize("text, end", [
    ("'a''b' x", 6), ("'a\\'b' x", 6), ("`a``b` x", 6), ("`a\\`b", 4), ("\"a\"\"\" x", 5),
    ("'open", -1), ("'a''", -1), ("'a\\'", -1),
])
def test_quoted_end_is_the_splitters_rule(text, end):
    assert quoted_end(text, 0) == end
    if end > 0:  # the splitter ends the statement after the literal, never inside it
        assert [st.sql for st in split_sql(text[:end] + ";SELECT 1")] == [text[:end], "SELECT 1"]


def test_line_comments_need_a_space_or_control_character():
    assert [t.text for t in tokenize("a --b\nc -- d\ne --\x7fz\nf #g\nh")] == \
        ["a", "-", "-", "b", "c", "e", "f", "h"]
    assert [st.sql for st in split_sql("SELECT 1 -- ;\n;SELECT 2 --;\n;")] == \
        ["SELECT 1 -- ;", "SELECT 2 --"]


@pytest.mark.parametrize("lenient", [False, True])
def test_after_a_name_and_its_dot_comes_a_name(lenient):
    """``db.7days`` names the table 7days (the server reads a name after ``name.``), where
    ``.5`` elsewhere is a number."""
    def read(sql):
        return [(t.kind, t.text) for t in tokenize(sql, lenient=lenient)]
    assert read("shop.7days") == [("word", "shop"), ("op", "."), ("word", "7days")]
    assert read("`s`.5") == [("qident", "`s`"), ("op", "."), ("word", "5")]
    assert read("a .5, (.5)") == [("word", "a"), ("number", ".5"), ("op", ","), ("op", "("),
                                  ("number", ".5"), ("op", ")")]


def test_names_after_a_dot_reach_every_reader():
    from schema_tools.migrate.scripts import classify, statement_renames
    from schema_tools.offline.ddl_parse import parse_statement
    from schema_tools.sources.loader import _qualifiers

    assert _qualifiers("SELECT * FROM shop.7days", "shop") == [(14, 18)]
    assert classify("UPDATE db.7days SET x = 1").writes == ("7days",)
    assert statement_renames("ALTER TABLE db.7days RENAME COLUMN a TO b") == [("column", "7days", "a", "b")]
    assert parse_statement("CREATE TABLE shop.3d (a int)").name == "3d"


def test_a_host_name_with_dots_is_one_token():
    from schema_tools.dialect.sqlscript import first_keywords

    assert first_keywords("CREATE DEFINER=app@10.0.0.1 VIEW v AS SELECT 1", 3) == ["CREATE", "DEFINER", "VIEW"]
    assert first_keywords("CREATE DEFINER=app@db.example.org PROCEDURE p()", 3) == \
        ["CREATE", "DEFINER", "PROCEDURE"]
