"""The one lexer: its exact and lenient modes read well-formed text alike, and the script
splitter follows the same quoting and comment rules."""

from __future__ import annotations

import pytest

from schema_tools.dialect.lexer import Modes, UnreadableSql, quoted_end, tokenize
from schema_tools.dialect.sqlscript import client_strip, read_sql_file, split_sql


def _lenient_as_exact(toks):
    """The lenient tokens, with each ``var`` spelled the way the exact lexer reads it."""
    out = []
    for t in toks:
        if t.kind == "var":
            out.append(("op", "@"))
            if t.text.startswith("@@"):
                out.append(("op", "@"))
            rest = t.text.lstrip("@")
            if rest:
                out.append(("word", rest.upper()))
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
