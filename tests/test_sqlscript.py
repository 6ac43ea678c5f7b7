"""Tests for schema_tools.dialect.sqlscript (no server needed)."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schema_tools.errors import InputError, SqlError
from schema_tools.dialect.sqlscript import (
    Statement,
    expand_executable_comments,
    first_keywords,
    read_sql_file,
    split_sql,
    strip_comments,
)


def sqls(text: str) -> list[str]:
    return [s.sql for s in split_sql(text)]


# --------------------------------------------------------------------------- quotes

def test_quotes_with_escapes_and_doubling_hide_delimiters():
    text = (
        "SELECT 'a;b\\'c;', \"x\"\"y;\", 'it''s;', `we``ird;`, '\\\\';\n"
        "SELECT 2;"
    )
    assert sqls(text) == [
        "SELECT 'a;b\\'c;', \"x\"\"y;\", 'it''s;', `we``ird;`, '\\\\'",
        "SELECT 2",
    ]


def test_backslash_does_not_escape_in_backticks():
    # `a\` is a complete identifier: the backslash is not an escape there
    assert sqls("SELECT `a\\`; SELECT 2") == ["SELECT `a\\`", "SELECT 2"]


def test_comment_markers_inside_strings_are_text():
    assert sqls("SELECT '-- x; # y; /* z */';SELECT 2") == [
        "SELECT '-- x; # y; /* z */'", "SELECT 2"]


# --------------------------------------------------------------------------- comments

def test_comments_hide_delimiters_and_are_not_statements():
    text = (
        "-- leading; comment\n"
        "# hash; comment\n"
        "/* block; comment */\n"
        "SELECT 1 /* inner; */ + 2 -- tail;\n"
        ", 3;\n"
        "-- only comments after; \n/* ; */\n"
    )
    stmts = split_sql(text)
    assert [s.sql for s in stmts] == ["SELECT 1 /* inner; */ + 2 -- tail;\n, 3"]
    assert stmts[0].line == 4


def test_double_dash_needs_whitespace():
    assert sqls("SELECT 1--1;\nSELECT 2") == ["SELECT 1--1", "SELECT 2"]
    assert sqls("SELECT 1 --\tc;\n;SELECT 2") == ["SELECT 1 --\tc;", "SELECT 2"]
    assert sqls("SELECT 1 --") == ["SELECT 1 --"]   # comment at end of input
    assert sqls("SELECT 1 --\n;SELECT 2") == ["SELECT 1 --", "SELECT 2"]   # ends at its newline


def test_double_dash_at_statement_start_is_comment_like_the_client():
    assert sqls("--------\nSELECT 1;") == ["SELECT 1"]


def test_comment_only_chunks_produce_nothing():
    assert split_sql("  \n-- a\n# b\n/* c */ ;\n;;\n") == []


# --------------------------------------------------------------------------- executable comments

def test_executable_comments_are_kept():
    text = (
        "/*!40101 SET @OLD=@@CHARACTER_SET_CLIENT */;\n"
        "/*!50003 SET sql_mode = '' */ ;\n"
        "/*M!100100 SET x=1 */;\n"
        "CREATE TABLE t (a int) /*!50100 PARTITION BY HASH(a) */;\n"
    )
    assert sqls(text) == [
        "/*!40101 SET @OLD=@@CHARACTER_SET_CLIENT */",
        "/*!50003 SET sql_mode = '' */",
        "/*M!100100 SET x=1 */",
        "CREATE TABLE t (a int) /*!50100 PARTITION BY HASH(a) */",
    ]


def test_trigger_in_executable_comments_not_split_under_double_semicolon():
    text = (
        "DELIMITER ;;\n"
        "/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`%`*/ /*!50003 TRIGGER t BEFORE UPDATE ON c\n"
        "FOR EACH ROW\nBEGIN\n  IF 1 THEN\n    SET NEW.a = now();\n  END IF;\nEND */;;\n"
        "DELIMITER ;\n"
        "SELECT 1;\n"
    )
    stmts = split_sql(text)
    assert len(stmts) == 2
    assert stmts[0].sql.startswith("/*!50003 CREATE*/")
    assert stmts[0].sql.endswith("END IF;\nEND */")
    assert stmts[0].delimiter == ";;"
    assert (stmts[0].line, stmts[0].end_line) == (2, 8)
    assert first_keywords(stmts[0].sql) == ["CREATE", "DEFINER", "TRIGGER"]
    assert stmts[1].sql == "SELECT 1" and stmts[1].delimiter == ";"


def test_delimiter_inside_executable_comment_is_an_error():
    # the mariadb/mysql clients would cut the statement there (verified in
    # client/mysql.cc add_line): we refuse rather than send half a statement
    with pytest.raises(SqlError) as exc:
        split_sql("SELECT 1;\n/*!50003 CREATE TRIGGER t BEGIN SET a=1; END */;", source="t.sql")
    assert exc.value.location == "t.sql:2"


def test_sandbox_line_is_skipped():
    text = "/*M!999999\\- enable the sandbox mode */ \n\n/*!40101 SET NAMES utf8 */;\n"
    stmts = split_sql(text)
    assert [s.sql for s in stmts] == ["/*!40101 SET NAMES utf8 */"]
    assert stmts[0].line == 3


# --------------------------------------------------------------------------- DELIMITER

def test_delimiter_blocks_with_semicolons_inside_bodies():
    text = (
        "DROP PROCEDURE IF EXISTS p;\n"
        "delimiter $$\n"
        "CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT ';$$';\nEND$$\n"
        "DELIMITER ;;  \n"
        "CREATE FUNCTION f() RETURNS int\nBEGIN\n  RETURN 1;\nEND ;;\n"
        "DELIMITER ;\n"
        "SELECT 2;\n"
    )
    stmts = split_sql(text)
    assert [s.sql for s in stmts] == [
        "DROP PROCEDURE IF EXISTS p",
        "CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT ';$$';\nEND",
        "CREATE FUNCTION f() RETURNS int\nBEGIN\n  RETURN 1;\nEND",
        "SELECT 2",
    ]
    assert [s.delimiter for s in stmts] == [";", "$$", ";;", ";"]


def test_delimiter_without_argument_is_an_error():
    with pytest.raises(SqlError) as exc:
        split_sql("SELECT 1;\nDELIMITER   \nSELECT 2;", source="d.sql")
    assert exc.value.location == "d.sql:2"
    assert "DELIMITER" in str(exc.value)


# --------------------------------------------------------------------------- positions

def test_line_numbers_and_offsets():
    text = "\n-- c\n  SELECT 1,\n    2;   SELECT\n3\n\n;\n\nSELECT 4"
    stmts = split_sql(text, source="f.sql")
    assert [(s.sql, s.line, s.end_line) for s in stmts] == [
        ("SELECT 1,\n    2", 3, 4),
        ("SELECT\n3", 4, 5),
        ("SELECT 4", 9, 9),
    ]
    for s in stmts:
        assert text[s.start:s.end] == s.sql
    assert stmts[0].location == "f.sql:3"
    assert stmts[0].source == "f.sql"


def test_missing_final_delimiter():
    stmts = split_sql("SELECT 1;\nSELECT 2  \n\n")
    assert [s.sql for s in stmts] == ["SELECT 1", "SELECT 2"]
    assert stmts[1].delimiter == ";"


def test_statement_is_frozen():
    s = split_sql("SELECT 1")[0]
    assert isinstance(s, Statement)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.sql = "x"  # type: ignore[misc]  # frozen: the assignment is what is tested


# --------------------------------------------------------------------------- errors

@pytest.mark.parametrize("text, line, what, excerpt", [
    ("SELECT 1;\nSELECT 'abc;\nSELECT 2;", 2, "string", "'abc;"),
    ('SELECT "x\\"', 1, "string", '"x\\"'),
    ("SELECT 1;\n\nSELECT `col", 3, "identifier", "`col"),
    ("SELECT 1 /* never closed;\n", 1, "comment", "/* never closed;"),
    ("SELECT 1;\n/*!40101 SET x=1", 2, "executable comment", "/*!40101 SET x=1"),
])
def test_unterminated_constructs(text, line, what, excerpt):
    with pytest.raises(SqlError) as exc:
        split_sql(text, source="bad.sql")
    err = exc.value
    assert err.location == f"bad.sql:{line}"
    assert str(err).startswith(f"bad.sql:{line}: unterminated")
    assert what in str(err)
    assert err.excerpt == excerpt
    assert "\n" not in str(err)


def test_read_sql_file(tmp_path):
    good = tmp_path / "ok.sql"
    good.write_bytes("\ufeffSELECT 'é';\r\n".encode("utf-8"))
    assert read_sql_file(good) == "SELECT 'é';\r\n"
    bad = tmp_path / "bad.sql"
    bad.write_bytes(b"SELECT 1;\nSELECT 2;\nSELECT '\xff';\n")
    with pytest.raises(SqlError) as exc:
        read_sql_file(bad)
    assert str(exc.value) == f"{bad}: not valid UTF-8 at line 3"
    with pytest.raises(InputError):
        read_sql_file(tmp_path / "missing.sql")


# --------------------------------------------------------------------------- helpers

SAMPLE = ("SET a=1 /*!40101 ,b=2 */ /*!50700 ,c=3*/ /*M!100100 ,d=4 */ /*!,e=5*/"
          " /*!80000 ,f=6*/ '/*!40101 s*/' /* p */")


def test_expand_executable_comments_mariadb():
    out = expand_executable_comments(SAMPLE, flavour="mariadb", version=(10, 6, 0))
    assert out == "SET a=1  ,b=2    ,d=4  ,e=5  '/*!40101 s*/' /* p */"
    # older server: the 10.1 comment is dropped; 6-digit versions compare numerically
    old = expand_executable_comments("/*M!100100 x*/ /*!100000 y*/", flavour="mariadb",
                                     version=(10, 0, 5))
    assert old == "  y"


def test_expand_executable_comments_mysql():
    out = expand_executable_comments(SAMPLE, flavour="mysql", version=(8, 0, 30))
    assert out == "SET a=1  ,b=2   ,c=3  ,e=5  ,f=6 '/*!40101 s*/' /* p */"
    assert expand_executable_comments("SELECT 1/*!90000 x*/+2", flavour="mysql",
                                      version=(8, 0, 0)) == "SELECT 1 +2"


def test_expand_keeps_tokens_apart():
    # the markers separate tokens on the server; the expanded text must too
    assert expand_executable_comments("a/*!x*/b", flavour="mariadb", version=(10, 6, 0)) == "a x b"


def test_expand_rejects_unknown_flavour():
    with pytest.raises(ValueError):
        expand_executable_comments("x", flavour="postgres", version=(1, 0, 0))


def test_strip_comments():
    sql = "SELECT/*c*/1, '/*s*/ -- t' -- tail\n , /*!40101 x /* in */ */ # h\nFROM `a#b`"
    assert strip_comments(sql) == "SELECT 1, '/*s*/ -- t' \n , /*!40101 x /* in */ */ \nFROM `a#b`"


def test_first_keywords():
    assert first_keywords("-- c\n/* x */ create table `t` (a int)") == ["CREATE", "TABLE"]
    assert first_keywords("CREATE TABLE IF NOT EXISTS t") == ["CREATE", "TABLE", "IF"]
    assert first_keywords("/*!50003 CREATE*/ /*!50020 DEFINER=`u`@`%`*/ /*!50003 TRIGGER t") == [
        "CREATE", "DEFINER", "TRIGGER"]
    assert first_keywords("/*!50003 CREATE*/ /*!50017 */ /*!50003 TRIGGER t", 2) == [
        "CREATE", "TRIGGER"]
    assert first_keywords("CREATE DEFINER=CURRENT_USER() PROCEDURE p()", 3) == [
        "CREATE", "DEFINER", "PROCEDURE"]
    assert first_keywords("SET @x = 1") == ["SET"]
    assert first_keywords("") == []


# --------------------------------------------------------------------------- property

PIECES = ["'", '"', "`", "\\", ";", ";;", "-", "--", "-- ", "#", "/", "*", "/*", "*/",
          "/*!", "/*!50003 ", "/*M!", "!", "\n", " ", "\t", "a", "SELECT", "M", "1",
          "DELIMITER ;;\n", "DELIMITER ;\n", "\nDELIMITER $$\n", "DELIMITER", "$$"]


def _check(text: str) -> None:
    try:
        stmts = split_sql(text, source="h.sql")
    except SqlError as exc:
        assert exc.location is not None and exc.location.startswith("h.sql:")
        return
    prev_end = 0
    for s in stmts:
        assert 0 <= prev_end <= s.start < s.end <= len(text)
        assert text[s.start:s.end] == s.sql
        assert s.sql == s.sql.strip(" \t\n\r\x0b\x0c")
        assert s.line == text.count("\n", 0, s.start) + 1
        assert s.end_line == text.count("\n", 0, s.end - 1) + 1
        prev_end = s.end
        # helpers never raise on what the splitter produced
        strip_comments(s.sql)
        first_keywords(s.sql)
        expand_executable_comments(s.sql, flavour="mariadb", version=(10, 6, 0))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=60).map("".join))
def test_property_sql_alphabet(text):
    _check(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_property_arbitrary_text(text):
    _check(text)


# --------------------------------------------------------------------------- corpus

def _corpus() -> Path | None:
    env = os.environ.get("SCHEMA_TOOLS_CORPUS")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[1].parent / "shared" / "corpus")
    for c in candidates:
        for p in (c / "ispyb", c):
            if (p / "dls" / "v5.0.0" / "routines.sql").is_file():
                return p
    return None


CORPUS = _corpus()
corpus = pytest.mark.skipif(CORPUS is None, reason="ISPyB corpus not found")


def _split_corpus(rel: str) -> tuple[str, list[Statement]]:
    assert CORPUS is not None
    text = read_sql_file(CORPUS / rel)
    stmts = split_sql(text, source=rel)
    for s in stmts:
        assert text[s.start:s.end] == s.sql
    return text, stmts


def _count(stmts, *kw: str) -> int:
    return sum(1 for s in stmts if first_keywords(s.sql, len(kw)) == list(kw))


@pytest.mark.corpus
@corpus
def test_corpus_tables():
    _, stmts = _split_corpus("dls/v5.0.0/tables.sql")
    assert _count(stmts, "CREATE", "TABLE") == 203
    assert _count(stmts, "DROP", "TABLE") == 203
    assert stmts[0].sql.startswith("/*!40101 SET @OLD_CHARACTER_SET_CLIENT")
    assert stmts[0].line == 3


@pytest.mark.corpus
@corpus
def test_corpus_routines():
    text, stmts = _split_corpus("dls/v5.0.0/routines.sql")
    assert _count(stmts, "CREATE", "PROCEDURE") == 191
    assert _count(stmts, "CREATE", "FUNCTION") == 14
    triggers = [s for s in stmts if first_keywords(s.sql, 2) == ["CREATE", "TRIGGER"]]
    assert len(triggers) == 1
    trig = triggers[0]
    assert trig.sql.startswith("/*!50003 CREATE*/ /*!50017 */ /*!50003 TRIGGER Container_sc_loc_update")
    assert trig.sql.endswith("END */") and trig.delimiter == ";;"
    assert text.splitlines()[trig.line - 1].startswith("/*!50003 CREATE*/")
    assert text.splitlines()[trig.end_line - 1] == "END */;;"
    for s in stmts:
        if first_keywords(s.sql, 1) == ["CREATE"]:
            assert s.delimiter == ";;"
            assert text.splitlines()[s.end_line - 1].rstrip().endswith(";;")


@pytest.mark.corpus
@corpus
def test_corpus_phpmyadmin_and_updates():
    _, stmts = _split_corpus("esrf/pydb.sql")
    assert _count(stmts, "CREATE", "TABLE") == 236
    assert stmts[0].sql == 'SET SQL_MODE = "NO_AUTO_VALUE_ON_ZERO"'   # header comments stripped
    for path in sorted(CORPUS.glob("*/updates*/*.sql")) + sorted(CORPUS.glob("esrf/ahead/*.sql")):
        _split_corpus(str(path.relative_to(CORPUS)))


@pytest.mark.corpus
@corpus
def test_corpus_routines_is_fast():
    text = read_sql_file(CORPUS / "dls/v5.0.0/routines.sql")
    best = min(_timed(lambda: split_sql(text)) for _ in range(3))
    assert best < 0.1


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0
