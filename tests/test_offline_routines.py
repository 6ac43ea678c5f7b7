"""Offline reading of stored programs and views, checked against a live MariaDB server.

* ``client_strip``: what the ``mariadb`` client sends, against the server's general log.
* ``apply_routine_ddl``: procedures, functions, triggers, events and views read offline
  must equal what loading the same script through the client and introspecting gives
  (the oracle), byte for byte in the snapshot JSON; what cannot be reproduced must be
  refused with ``OfflineError``.
"""

from __future__ import annotations

import contextlib
import random
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from schema_tools.errors import SqlError
from schema_tools.flavour import Flavour
from schema_tools.model.objects import Column, DataType, Schema, Table
from schema_tools.model.snapshot import Snapshot
from schema_tools.dialect.lexer import server_preprocess
from schema_tools.offline.routines import apply_routine_ddl
from schema_tools.offline.state import OfflineError, Session, State, resolve_charset
from schema_tools.offline.triggers import drop_table_triggers, rename_table_triggers
from schema_tools.sources.introspect import MULTI_STATEMENTS, introspect
from schema_tools.servers.local import LOADER_ACCOUNT, LOADER_USER
from schema_tools.dialect.sqlscript import client_strip, split_sql

FLAVOUR = Flavour("mariadb", (10, 11, 0))
# server-backed property tests do not shrink: each example loads a script, and a failing
# example is reported as generated, which keeps the run time bounded
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)


def _reader(**kw):
    from schema_tools.offline.reader import OfflineReader
    return OfflineReader(**kw)


# =======================================================================================
# Helpers


def _part(schema: Schema) -> str:
    """The routines/triggers/events/views part of a schema as snapshot JSON."""
    s = Schema(flavour=schema.flavour, charset=schema.charset, collation=schema.collation,
               routines=schema.routines, triggers=schema.triggers, events=schema.events,
               views=schema.views)
    return Snapshot(s).to_json()


def _run_client(server, db: str, text: str, *, force: bool = False) -> subprocess.CompletedProcess:
    """Load ``text`` as a workspace does: as the loader account, not root."""
    server.create_account(LOADER_USER)
    argv = server.client_command(db, user=LOADER_USER) + (["--force"] if force else [])
    return subprocess.run(argv, input=text.encode("utf-8"), capture_output=True, check=False)


def _introspect(server, db: str) -> Schema:
    conn = server.connect(db, client_flag=MULTI_STATEMENTS)
    try:
        return introspect(conn, db, self_check=False, loader_account=LOADER_ACCOUNT).schema
    finally:
        conn.close()


def live(server, text: str, *, expect_ok: bool = True, db_options: str = "") -> Schema:
    db = server.create_database()
    try:
        if db_options:
            with contextlib.closing(server.connect()) as conn, conn.cursor() as cur:
                cur.execute(f"ALTER DATABASE `{db}` {db_options}")
        proc = _run_client(server, db, text)
        if expect_ok:
            assert proc.returncode == 0, proc.stderr.decode()
        return _introspect(server, db)
    finally:
        server.drop_database(db)


def offline(text: str, *, db_charset: str | None = None, db_collation: str | None = None,
            lenient: bool = False):
    r = _reader(lenient=lenient)
    if db_charset or db_collation:
        r.session.db_charset, r.session.db_collation = resolve_charset(
            db_charset, db_collation, r.session.db_charset, r.session.db_collation)
    r.read_text(text)
    return r.result()


def assert_same(server, text: str, **db) -> Schema:
    """Load ``text`` live and offline; the stored-program parts must be identical."""
    opts = ""
    if db.get("db_charset"):
        opts += f" CHARACTER SET {db['db_charset']}"
    if db.get("db_collation"):
        opts += f" COLLATE {db['db_collation']}"
    schema = live(server, text, db_options=opts)
    res = offline(text, **db)
    assert not res.skipped, res.skipped
    assert _part(res.schema) == _part(schema)
    return schema


def apply(sql: str, state: State | None = None, session: Session | None = None, **kw) -> State:
    state = state if state is not None else State()
    session = session or Session(FLAVOUR)
    assert apply_routine_ddl(sql, session, state, **kw) is True
    return state


def refused(sql: str, state: State | None = None, session: Session | None = None,
            match: str | None = None) -> str:
    with pytest.raises(OfflineError, match=match) as info:
        apply_routine_ddl(sql, session or Session(FLAVOUR), state if state is not None else State())
    assert "\n" not in str(info.value)
    return str(info.value)


def table_state(*names: str, columns=("a", "b")) -> State:
    st = State()
    for n in names:
        st.tables[n] = Table(n, tuple(Column(c, DataType("int")) for c in columns))
    return st


# =======================================================================================
# Task 1: client_strip


@pytest.mark.parametrize("sql, sent", [
    # line comments drop the rest of the line, the newline stays
    ("SELECT 1 /* a */ + 2 -- x\n, 3 # y", "SELECT 1  + 2 \n, 3"),
    ("BEGIN\n  -- note\n  SELECT 1;\nEND", "BEGIN\n  \n  SELECT 1;\nEND"),
    ("BEGIN\n# hash\nEND", "BEGIN\n\nEND"),
    ("SELECT 1 --not a comment", "SELECT 1 --not a comment"),
    ("SELECT 1 --", "SELECT 1"),
    ("SELECT 1--1", "SELECT 1--1"),
    # /* */ is dropped; a space goes in before the next character on the line
    ("SELECT 4/* x */5", "SELECT 4 5"),
    ("SELECT 1 /* multi\nline */ , 2\n/* whole\nline */\n, 3", "SELECT 1  , 2\n\n, 3"),
    ("SELECT 1 /*/ x */ 2", "SELECT 1  2"),
    # optimizer hints are plain comments to the client; executable comments stay
    ("SELECT /*+ hint */ 10, /*! 8 */ 1, /*M! 9 */ 2", "SELECT  10, /*! 8 */ 1, /*M! 9 */ 2"),
    ("SELECT /*!50003 1 */ + /*M!100100 2 */", "SELECT /*!50003 1 */ + /*M!100100 2 */"),
    # the client's quirk: within a line, a comment nested in /*! */ ends at the second */
    ("SELECT /*!50003 a /* b */ c */ d", "SELECT /*!50003 a  d"),
    ("SELECT /*M!50003 a /* b */ c */ d", "SELECT /*M!50003 a  c */ d"),
    ("SELECT 1 /* x /*! y */ z */ 3", "SELECT 1  3"),
    # strings and identifiers hide everything
    ("SELECT 'a -- b', \"c # d\", `e /* f */`, `a\\`", "SELECT 'a -- b', \"c # d\", `e /* f */`, `a\\`"),
    ("SELECT 'it''s -- x', 'b\\'c # y'", "SELECT 'it''s -- x', 'b\\'c # y'"),
    # a backslash ending a line inside a string is dropped; \N is kept
    ("SELECT 'x\\\ny'", "SELECT 'x\ny'"),
    ("SELECT \\N, 1", "SELECT \\N, 1"),
    # CR before LF is dropped (also in strings), a lone CR is kept
    ("SELECT 'a\r\nb' -- x\r\n, 2", "SELECT 'a\nb' \n, 2"),
    ("SELECT 'a\rb', 1\r, 2", "SELECT 'a\rb', 1\r, 2"),
    # a line starting with "delimiter" gets no newline
    ("SELECT 1\ndelimiter x\n, 2", "SELECT 1\ndelimiter x, 2"),
    # multi-byte characters are copied without a look: no space after a comment
    ("SELECT 1 /* a */é/* b */ 2", "SELECT 1 é 2"),
    ("SELECT 'é/* */', 1/* */é", "SELECT 'é/* */', 1é"),
    # trailing whitespace and control characters go
    ("SELECT 1 \x0b", "SELECT 1"),
    ("SELECT 'a' é", "SELECT 'a' é"),
])
def test_client_strip_cases(sql, sent):
    assert client_strip(sql) == sent


def test_client_strip_refuses_client_commands():
    for sql in ("SELECT 1 \\g", "SELECT 1 \\G", "SELECT /*! \\c */ 1", "SELECT 1 \\x"):
        with pytest.raises(SqlError, match="client command"):
            client_strip(sql)
    assert client_strip("SELECT 1 \\") == "SELECT 1"            # end of line: dropped
    with pytest.raises(SqlError):
        client_strip("SELECT '\0'")


def test_client_strip_sql_mode_flags():
    # with NO_BACKSLASH_ESCAPES a backslash in a string is an ordinary character
    assert client_strip("SELECT 'a\\' -- x") == "SELECT 'a\\' -- x"
    assert client_strip("SELECT 'a\\' -- x", no_backslash_escapes=True) == "SELECT 'a\\'"
    assert client_strip('SELECT "a\\" -- x', ansi_quotes=True) == 'SELECT "a\\"'


def test_client_strip_keeps_plain_text():
    text = "CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\nEND"
    assert client_strip(text) == text


# ---- against the real client: the server's general log shows what it received

@contextlib.contextmanager
def general_log(server):
    with contextlib.closing(server.connect()) as conn, conn.cursor() as cur:
        cur.execute("SELECT @@GLOBAL.log_output, @@GLOBAL.general_log")
        output, enabled = cur.fetchone()
        cur.execute("SET GLOBAL log_output='TABLE'")
        cur.execute("TRUNCATE mysql.general_log")
        cur.execute("SET GLOBAL general_log=ON")
        try:
            yield cur
        finally:
            cur.execute("SET GLOBAL general_log=OFF")
            cur.execute("TRUNCATE mysql.general_log")
            cur.execute(f"SET GLOBAL log_output='{output}'")
            cur.execute(f"SET GLOBAL general_log={int(enabled)}")


def _alloc_trim(text: str) -> str:
    # the server logs a query without leading space and trailing ';'/space
    text = text.lstrip(" \t\n\r\x0b\x0c")
    return text.rstrip(" \t\n\r\x0b\x0c;")


def client_sends(server, statements: list[str]) -> list[str | None]:
    """What the client sent for each single-statement input (None: it sent nothing)."""
    def run(i):
        text = f"SELECT 'mk{i}';\n" + statements[i]
        subprocess.run(server.client_command("mysql"), input=text.encode("utf-8"),
                       capture_output=True, check=False)

    with general_log(server) as cur:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(run, range(len(statements))))
        cur.execute("SET GLOBAL general_log=OFF")
        cur.execute("SELECT thread_id, argument FROM mysql.general_log "
                    "WHERE command_type = 'Query'")
        rows = cur.fetchall()
    by_thread: dict[int, list[str]] = {}
    for tid, arg in rows:
        by_thread.setdefault(tid, []).append(arg.decode("utf-8") if isinstance(arg, bytes) else arg)
    result: list[str | None] = [None] * len(statements)
    for queries in by_thread.values():
        for j, qtext in enumerate(queries):
            m = re.fullmatch(r"SELECT 'mk(\d+)'", qtext)
            if m:
                rest = [x for x in queries[j + 1:] if x != "SET NAMES utf8mb4"]
                result[int(m.group(1))] = rest[0] if rest else None
    return result


TRICKY = [
    "SELECT 1 /* a */ + 2 -- x\n, 3 # y",
    "SELECT /*+ hint */ 10, /*!50003 8 */, /*M!100100 9 */ 2",
    "SELECT 'x\\\ny', \"a\\\"b\" -- c",
    "SELECT 4/* x */5",
    "SELECT 'a -- b', \"c # d\", `e /* f */`, `a\\`",
    "SELECT 1 --not\n",
    "SELECT 1 /* multi\nline */ , 2\n/* whole\nline */\n, 3",
    "SELECT /*!50003 a /* b */ c */ d",
    "SELECT /*M!50003 a /* b */ c */ d",
    "SELECT 'é/* */', 1/* */é",
    "SELECT 'a\r\nb' -- x\r\n, 2",
    "SELECT 'a\rb', 1\r, 2",
    "SELECT 1\ndelimiter x\n, 2",
    "SELECT 1 /* x /*! y */ z */ 3",
    "SELECT\n  -- note\n  1 # x\n  /* c */ + 2\n",
]


@pytest.mark.server
def test_client_strip_matches_the_client(server):
    got = client_sends(server, TRICKY)
    assert [_alloc_trim(client_strip(s)) for s in TRICKY] == got


@pytest.mark.server
def test_client_strip_follows_the_sql_mode(server):
    """The client reads backslashes by the server's status flags (NO_BACKSLASH_ESCAPES,
    ANSI_QUOTES): so must client_strip, given the session's sql_mode."""
    script = ("SET sql_mode='ANSI_QUOTES';\nSELECT \"a\\\" -- x\n, 1;\n"
              "SET sql_mode='NO_BACKSLASH_ESCAPES';\nSELECT 'a\\' -- y\n, 2;\n"
              "SET sql_mode='';\nSELECT 'a\\' -- z\n, 3';\n")
    with general_log(server) as cur:
        subprocess.run(server.client_command("mysql") + ["--force"], input=script.encode(),
                       capture_output=True, check=False)
        cur.execute("SET GLOBAL general_log=OFF")
        cur.execute("SELECT argument FROM mysql.general_log WHERE command_type = 'Query'")
        got = [a.decode() if isinstance(a, bytes) else a for (a,) in cur.fetchall()]
    selects = [q for q in got if q.startswith("SELECT")]
    assert selects == [
        client_strip('SELECT "a\\" -- x\n, 1', ansi_quotes=True),
        client_strip("SELECT 'a\\' -- y\n, 2", no_backslash_escapes=True),
        client_strip("SELECT 'a\\' -- z\n, 3'"),
    ]


_FRAGMENTS = st.sampled_from([
    "SELECT", "1", "a", "x", "+", ",", "(", ")", "-", "--x", "\\N", "é", "delimiter",
    " ", "  ", "\t", "\n", "\r\n", "\n\n", " \n ", "\x0b",
    "-- c\n", "#c\n", "--\n", "--\tx\n", "/* c */", "/*+ h */", "/*\nm\n*/", "/**/",
    "'s'", "'it''s'", "'a\\'b'", "'x\\\ny'", "'a\r\nb'", "'-- x'", "'/* y */'", "'#'",
    '"d"', '"q""r"', '"e\\"f"', "`i`", "`j``k`", "`l\\`", "`-- m`",
])


@st.composite
def _statements(draw):
    parts = draw(st.lists(_FRAGMENTS, min_size=1, max_size=12))
    if draw(st.booleans()):
        inner = draw(st.lists(_FRAGMENTS.filter(lambda f: "/*" not in f and "*/" not in f),
                              max_size=4))
        marker = draw(st.sampled_from(["/*!", "/*!50003 ", "/*M!", "/*M!100100 "]))
        parts.insert(draw(st.integers(0, len(parts))), marker + "".join(inner) + "*/")
    return "SELECT " + "".join(parts)


@pytest.mark.server
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck),
          phases=NO_SHRINK)
@given(st.lists(_statements(), min_size=20, max_size=40))
def test_client_strip_hypothesis(server, statements):
    usable = []
    for s in statements:
        try:
            parts = split_sql(s)
            stripped = _alloc_trim(client_strip(s))
        except SqlError:
            continue
        # keep inputs the splitter and the client read as exactly one statement
        if len(parts) == 1 and parts[0].sql == s.rstrip(" \t\n\r\x0b\x0c"):
            usable.append((s, stripped))
    assume(usable)
    got = client_sends(server, [s for s, _ in usable])
    for (s, mine), theirs in zip(usable, got, strict=False):
        assert mine == (theirs if theirs is not None else ""), s


# =======================================================================================
# The server's pre-processing of stored program text


def test_server_preprocess():
    assert server_preprocess("SELECT 1/*!50003 +1*/+1") == "SELECT 1 +1+1"
    assert server_preprocess("SELECT /*!99999 hidden */ 2") == "SELECT  2"
    assert server_preprocess("SELECT 1/*!99999 x*/2") == "SELECT 12"
    assert server_preprocess("SELECT /*M!100100 3*/") == "SELECT  3"
    assert server_preprocess("SELECT /*M!999999 3*/") == "SELECT "
    assert server_preprocess("SELECT /*!80000 x*/ 1") == "SELECT  1"   # MySQL 5.7+ only
    assert server_preprocess("SELECT '/*!50003 x*/'") == "SELECT '/*!50003 x*/'"
    assert server_preprocess("/*!50003 CREATE*/ /*!50017 DEFINER=`u`@`h`*/ /*!50003 TRIGGER t") == \
        " CREATE  DEFINER=`u`@`h`  TRIGGER t"


def test_raw_text_gives_the_server_body():
    raw = "CREATE PROCEDURE p() BEGIN SELECT 1/*!50003 +1*/+1; SELECT /*M!100100 3*/; END"
    from schema_tools.dialect.sqlscript import expand_executable_comments
    sql = expand_executable_comments(raw, flavour="mariadb", version=(10, 11, 0))
    padded = apply(sql).routines[("PROCEDURE", "p")].body
    exact = apply(sql, raw=raw).routines[("PROCEDURE", "p")].body
    assert exact == "BEGIN SELECT 1 +1+1; SELECT  3; END"
    assert padded == "BEGIN SELECT 1 +1 +1; SELECT  3 ; END"


@pytest.mark.server
def test_raw_text_matches_the_server(server):
    script = ("DELIMITER ;;\nCREATE PROCEDURE p() BEGIN SELECT 1/*!50003 +1*/+1; "
              "SELECT /*!99999 hidden */ 2; SELECT /*M!100100 3*/; END;;\n")
    schema = live(server, script)
    raw = client_strip(split_sql(script)[0].sql)
    from schema_tools.dialect.sqlscript import expand_executable_comments
    sql = expand_executable_comments(raw, flavour="mariadb", version=(10, 11, 0)).strip()
    state = apply(sql, raw=raw)
    assert state.routines[("PROCEDURE", "p")].body == schema.routines[0].body


# =======================================================================================
# Parameter and RETURNS types (information_schema's DTD_IDENTIFIER + CHARSET/COLLATE)


TYPES = [
    ("integer", "int(11)"), ("int unsigned", "int(10) unsigned"), ("boolean", "tinyint(1)"),
    ("bool", "tinyint(1)"), ("varchar(45)", "varchar(45) CHARSET utf8mb4 COLLATE utf8mb4_general_ci"),
    ("enum('x','y''z')", "enum('x','y''z') CHARSET utf8mb4 COLLATE utf8mb4_general_ci"),
    ("float", "float"), ("decimal", "decimal(10,0)"), ("numeric(5)", "decimal(5,0)"),
    ("text", "text CHARSET utf8mb4 COLLATE utf8mb4_general_ci"),
    ("int(5) zerofill", "int(5) unsigned zerofill"), ("bigint", "bigint(20)"),
    ("bigint unsigned", "bigint(20) unsigned"), ("tinyint unsigned", "tinyint(3) unsigned"),
    ("smallint", "smallint(6)"), ("mediumint unsigned", "mediumint(8) unsigned"),
    ("int1", "tinyint(4)"), ("int8", "bigint(20)"), ("middleint", "mediumint(9)"),
    ("int(0)", "int(11)"), ("double precision", "double"), ("real", "double"),
    ("float(24)", "float"), ("float(25)", "double"), ("double(10,2)", "double(10,2)"),
    ("float(4,3) zerofill", "float(4,3) unsigned zerofill"), ("bit", "bit(1)"), ("bit(0)", "bit(1)"),
    ("year", "year(4)"), ("year(2)", "year(2)"), ("year(3)", "year(4)"), ("datetime(0)", "datetime"),
    ("timestamp(3)", "timestamp(3)"), ("time(2)", "time(2)"), ("date", "date"),
    ("char", "char(1) CHARSET utf8mb4 COLLATE utf8mb4_general_ci"),
    ("varchar(10) binary", "varchar(10) CHARSET utf8mb4 COLLATE utf8mb4_bin"),
    ("varchar(10) ascii", "varchar(10) CHARSET latin1 COLLATE latin1_swedish_ci"),
    ("varchar(10) unicode", "varchar(10) CHARSET ucs2 COLLATE ucs2_general_ci"),
    ("varchar(5) byte", "varbinary(5)"), ("char(3) byte", "binary(3)"),
    ("varchar(5) charset binary", "varbinary(5)"), ("text charset binary", "blob"),
    ("nvarchar(4)", "varchar(4) CHARSET utf8mb3 COLLATE utf8mb3_general_ci"),
    ("national char", "char(1) CHARSET utf8mb3 COLLATE utf8mb3_general_ci"),
    ("nchar varchar(3) binary", "varchar(3) CHARSET utf8mb3 COLLATE utf8mb3_bin"),
    ("varchar(10) charset utf8", "varchar(10) CHARSET utf8mb3 COLLATE utf8mb3_general_ci"),
    ("varchar(10) collate utf8_bin", "varchar(10) CHARSET utf8mb3 COLLATE utf8mb3_bin"),
    ("varchar(3) character set 'latin1'", "varchar(3) CHARSET latin1 COLLATE latin1_swedish_ci"),
    ("char(2) binary ascii", "char(2) CHARSET latin1 COLLATE latin1_bin"),
    ("varchar(3) collate default", "varchar(3) CHARSET utf8mb4 COLLATE utf8mb4_general_ci"),
    ("text(63)", "tinytext CHARSET utf8mb4 COLLATE utf8mb4_general_ci"),
    ("text(64)", "text CHARSET utf8mb4 COLLATE utf8mb4_general_ci"),
    ("text(16384)", "mediumtext CHARSET utf8mb4 COLLATE utf8mb4_general_ci"),
    ("blob(255)", "tinyblob"), ("blob(65536)", "mediumblob"), ("blob(16777216)", "longblob"),
    ("long", "mediumtext CHARSET utf8mb4 COLLATE utf8mb4_general_ci"),
    ("long varbinary", "mediumblob"), ("json", "longtext CHARSET utf8mb4 COLLATE utf8mb4_bin"),
    ("character varying(5)", "varchar(5) CHARSET utf8mb4 COLLATE utf8mb4_general_ci"),
    ("inet6", "inet6"), ("uuid", "uuid"), ("point", "point"),
    ("set('a ','b') collate utf8mb4_bin", "set('a','b') CHARSET utf8mb4 COLLATE utf8mb4_bin"),
    ("enum('g\\nh','k\\\\l','m\\Zn','  o')",
     "enum('g\\nh','k\\\\l','m\x1an','  o') CHARSET utf8mb4 COLLATE utf8mb4_general_ci"),
    ("decimal(65,30)", "decimal(65,30)"), ("varchar(16383)",
                                           "varchar(16383) CHARSET utf8mb4 COLLATE utf8mb4_general_ci"),
]


def _param_type(type_sql: str, session: Session | None = None) -> str:
    st_ = apply(f"CREATE PROCEDURE p(x {type_sql}) SELECT 1", session=session)
    return st_.routines[("PROCEDURE", "p")].parameters[0].type


@pytest.mark.parametrize("type_sql, expected", TYPES)
def test_parameter_types(type_sql, expected):
    assert _param_type(type_sql) == expected


@pytest.mark.parametrize("type_sql", [
    "varchar(16384)", "char(256)", "int(256)", "bit(65)", "float(54)", "decimal(66)",
    "decimal(10,31)", "time(7)", "varbinary(65533)", "binary(256)", "serial", "tinytext(5)",
    "int signed unsigned", "int zerofill zerofill", "nchar collate utf8mb3_bin",
    "varchar(10) binary collate latin1_bin", "varchar(3) charset latin1 collate utf8mb4_bin",
    "varchar", "enum('a','A')", "nosuchtype",
])
def test_invalid_parameter_types_are_refused(type_sql):
    refused(f"CREATE PROCEDURE p(x {type_sql}) SELECT 1")


def test_string_types_default_to_the_database_charset():
    s = Session(FLAVOUR)
    s.db_charset, s.db_collation = "latin1", "latin1_swedish_ci"
    s.charset_client, s.collation_connection = "utf8mb4", "utf8mb4_general_ci"
    assert _param_type("varchar(5)", s) == "varchar(5) CHARSET latin1 COLLATE latin1_swedish_ci"
    assert _param_type("varchar(5) binary", s) == "varchar(5) CHARSET latin1 COLLATE latin1_bin"
    assert _param_type("json", s) == "longtext CHARSET utf8mb4 COLLATE utf8mb4_bin"
    s.sql_mode = "REAL_AS_FLOAT"
    assert _param_type("real", s) == "float"


_TYPE_BASES = ["TINYINT", "SMALLINT", "MEDIUMINT", "INT", "INTEGER", "BIGINT", "INT1", "INT8",
               "BOOL", "BIT", "FLOAT", "DOUBLE", "DOUBLE PRECISION", "REAL", "DECIMAL", "NUMERIC",
               "DATE", "TIME", "DATETIME", "TIMESTAMP", "YEAR", "CHAR", "VARCHAR", "NCHAR",
               "NVARCHAR", "NATIONAL CHAR", "BINARY", "VARBINARY", "TINYTEXT", "TEXT",
               "MEDIUMTEXT", "LONGTEXT", "LONG", "LONG VARBINARY", "BLOB", "ENUM", "SET", "JSON",
               "INET6", "UUID", "CHARACTER VARYING"]
_TYPE_ATTRS = ["UNSIGNED", "SIGNED", "ZEROFILL", "BINARY", "ASCII", "UNICODE", "BYTE",
               "CHARACTER SET latin1", "CHARSET utf8mb4", "CHARSET utf8", "CHARSET binary",
               "COLLATE utf8mb4_bin", "COLLATE latin1_bin", "COLLATE utf8mb4_unicode_ci",
               "CHARSET latin1 COLLATE latin1_german1_ci", "COLLATE DEFAULT"]


@st.composite
def _type_sql(draw):
    base = draw(st.sampled_from(_TYPE_BASES))
    text = base
    if base in ("ENUM", "SET"):
        vals = draw(st.lists(st.sampled_from(["'a'", "'b'", "'c '", "'d''e'", "'x\\\\y'", "'é'",
                                              '"q"', "'  s'"]), min_size=1, max_size=3, unique=True))
        text += "(" + ",".join(vals) + ")"
    elif draw(st.booleans()):
        if base in ("FLOAT", "DOUBLE", "REAL", "DECIMAL", "NUMERIC") and draw(st.booleans()):
            text += f"({draw(st.sampled_from([0, 1, 10, 25, 53, 65]))},{draw(st.sampled_from([0, 2, 30, 31]))})"
        else:
            lengths = [0, 1, 2, 6, 7, 11, 24, 25, 63, 64, 255, 256, 16383, 16384, 65532, 70000]
            text += f"({draw(st.sampled_from(lengths))})"
    attrs = draw(st.lists(st.sampled_from(_TYPE_ATTRS), max_size=2))
    return " ".join([text] + attrs)


@pytest.mark.server
@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck),
          phases=NO_SHRINK)
@given(st.lists(_type_sql(), min_size=40, max_size=60, unique=True),
       st.sampled_from([None, ("latin1", None), ("utf8mb3", "utf8mb3_unicode_ci")]))
def test_types_hypothesis(server, type_list, dbcs):
    """A type offline either equals the server's, or is refused; a type the server rejects
    is refused offline too."""
    script = "".join(f"CREATE PROCEDURE p{i}(x {t}) SELECT 1;\n"
                     f"CREATE FUNCTION f{i}() RETURNS {t} RETURN NULL;\n"
                     for i, t in enumerate(type_list))
    db = server.create_database(charset=dbcs[0] if dbcs else None,
                                collation=dbcs[1] if dbcs else None)
    try:
        _run_client(server, db, script, force=True)
        schema = _introspect(server, db)
    finally:
        server.drop_database(db)
    live_types = {r.name: (r.parameters[0].type if r.kind == "PROCEDURE" else r.returns)
                  for r in schema.routines}
    session = Session(FLAVOUR)
    if dbcs:
        session.db_charset, session.db_collation = resolve_charset(dbcs[0], dbcs[1], "", "")
    for i, t in enumerate(type_list):
        for name, stmt in ((f"p{i}", f"CREATE PROCEDURE p{i}(x {t}) SELECT 1"),
                           (f"f{i}", f"CREATE FUNCTION f{i}() RETURNS {t} RETURN NULL")):
            state = State()
            try:
                apply_routine_ddl(stmt, session, state)
            except OfflineError:
                continue                    # a refusal is always allowed
            (r,) = state.routines.values()
            mine = r.parameters[0].type if r.kind == "PROCEDURE" else r.returns
            assert name in live_types, f"{stmt!r} is rejected by the server, accepted offline"
            assert mine == live_types[name], stmt


# =======================================================================================
# Procedures and functions


def test_routine_unit():
    st_ = apply("CREATE DEFINER=`bob`@`%` PROCEDURE `P x`(IN a int, OUT b varchar(3), INOUT c bool)"
                " COMMENT 'it''s\\n' LANGUAGE SQL DETERMINISTIC READS SQL DATA SQL SECURITY INVOKER"
                " BEGIN SELECT 1; END")
    r = st_.routines[("PROCEDURE", "p x")]
    assert r.name == "P x" and r.definer == "bob@%" and r.comment == "it's\n"
    assert r.deterministic and r.data_access == "READS SQL DATA" and r.security == "INVOKER"
    assert [(p.name, p.mode) for p in r.parameters] == [("a", "IN"), ("b", "OUT"), ("c", "INOUT")]
    assert r.body == "BEGIN SELECT 1; END"
    f = apply("CREATE FUNCTION f(IN a int) RETURNS int NO SQL RETURN a + 1;;").routines[("FUNCTION", "f")]
    assert f.parameters[0].mode is None and f.returns == "int(11)" and f.body == "RETURN a + 1"


@pytest.mark.parametrize("definer, expected", [
    ("`root`@`localhost`", "root@localhost"), ("'root'@'localhost'", "root@localhost"),
    ("root@localhost", "root@localhost"), ("`schema_tools_loader`@`localhost`", None),
    ("CURRENT_USER", None), ("CURRENT_USER()", None), ("`bob`@`%`", "bob@%"),
    ('"bob"@"10.0.0.%"', "bob@10.0.0.%"), ("bob@'%'", "bob@%"), ("`Bob`@`LocalHost`", "Bob@localhost"),
    ("bob", "bob@%"), ("`a``b`@`h`", "a`b@h"), ("'a''b'@'h'", "a'b@h"), ("'x' @'y'", "x@y"),
    ("x@y.z.com", "x@y.z.com"), ("x@127.0.0.1", "x@127.0.0.1"), ("''@''", "@%"),
    ("`root`@`127.0.0.1`", "root@127.0.0.1"), ("'ROOT'@'localhost'", "ROOT@localhost"),
])
def test_definer_forms(definer, expected):
    st_ = apply(f"CREATE DEFINER={definer} PROCEDURE p() SELECT 1")
    assert st_.routines[("PROCEDURE", "p")].definer == expected


def test_definer_refusals():
    refused("CREATE DEFINER='x'@ 'y' PROCEDURE p() SELECT 1", match="host")
    refused("CREATE DEFINER=CURRENT_ROLE PROCEDURE p() SELECT 1")


ROUTINES_SCRIPT = r"""
CREATE TABLE t (a int, b varchar(10));
DELIMITER ;;
CREATE DEFINER=`root`@`localhost` PROCEDURE d1() SELECT 1;;
CREATE DEFINER='root'@'localhost' PROCEDURE d2() SELECT 1;;
CREATE DEFINER=root@localhost PROCEDURE d3() SELECT 1;;
CREATE DEFINER=CURRENT_USER PROCEDURE d4() SELECT 1;;
CREATE DEFINER=CURRENT_USER() PROCEDURE d5() SELECT 1;;
CREATE DEFINER=`bob`@`%` PROCEDURE d6() SELECT 1;;
CREATE DEFINER="bob"@"10.0.0.%" PROCEDURE d7() SELECT 1;;
CREATE DEFINER=bob@'%' PROCEDURE d8() SELECT 1;;
CREATE DEFINER=`Bob`@`LocalHost` PROCEDURE d9() SELECT 1;;
CREATE DEFINER=bob PROCEDURE d10() SELECT 1;;
CREATE DEFINER=`a``b`@`h` PROCEDURE d11() SELECT 1;;
CREATE DEFINER='x' @'y' PROCEDURE d12() SELECT 1;;
CREATE DEFINER=x@y.z.com PROCEDURE d13() SELECT 1;;
CREATE DEFINER=''@'' PROCEDURE d14() SELECT 1;;
CREATE PROCEDURE c1() COMMENT 'a''b\nc\\d' LANGUAGE SQL NOT DETERMINISTIC NO SQL SQL SECURITY INVOKER SELECT 1;;
CREATE PROCEDURE c2() DETERMINISTIC READS SQL DATA DETERMINISTIC MODIFIES SQL DATA SELECT 1;;
CREATE PROCEDURE c3() CONTAINS SQL SQL SECURITY DEFINER COMMENT "dq" COMMENT 'second' SELECT 1;;
CREATE FUNCTION c4() RETURNS int NOT DETERMINISTIC DETERMINISTIC RETURN 1;;
CREATE FUNCTION c5(a int, b varchar(3) charset latin1) RETURNS varchar(10) charset latin1 collate latin1_bin
  READS SQL DATA
  RETURN concat(a, b);;
CREATE AGGREGATE FUNCTION agg(x int) RETURNS int
BEGIN
  DECLARE s int DEFAULT 0;
  DECLARE CONTINUE HANDLER FOR NOT FOUND RETURN s;
  LOOP
    FETCH GROUP NEXT ROW;
    SET s = s + x;
  END LOOP;
END;;
CREATE PROCEDURE b1() SELECT 1   ;;
CREATE PROCEDURE b2()
  COMMENT 'x'
  -- between
  BEGIN
    -- note
    SELECT 1; # hash
    SELECT 2 /* inline */ + 3;
    SELECT 4/* x */+5;
    /* multi
       line */ SELECT 6;
    SELECT 'a -- b', "c # d", `e /* f */`;
    SELECT 'x\\y', 'it''s', "q""r", 'tab	x';
    lbl: LOOP LEAVE lbl; END LOOP lbl;
    IF 1 THEN SELECT CASE WHEN 1 THEN 2 END; END IF;
    CASE 1 WHEN 1 THEN SELECT 1; END CASE;
  END
;;
CREATE PROCEDURE b3() /*!50003 BEGIN SELECT 1; END */;;
CREATE PROCEDURE b4() BEGIN SELECT 1; END/*!50003 */;;
CREATE PROCEDURE b5() lbl: BEGIN SELECT 1; END lbl ;;
CREATE PROCEDURE b6() IF 1 THEN SELECT 1; END IF;;
/*!50003 CREATE*/ /*!50020 DEFINER=`root`@`localhost`*/ /*!50003 PROCEDURE `b7`(p_id int)
BEGIN
  SELECT p_id;
END */;;
CREATE PROCEDURE b8()
BEGIN
  SELECT 1;
END;
;;
DELIMITER //
CREATE PROCEDURE b9() BEGIN SELECT 1; END; //
DELIMITER ;
SET NAMES latin1;
SET sql_mode = 'ANSI_QUOTES,NO_BACKSLASH_ESCAPES';
CREATE PROCEDURE s1(x varchar(3)) SELECT 'a\b', "col";
SET sql_mode = 'REAL_AS_FLOAT';
CREATE PROCEDURE s2(x real) SELECT 1;
SET NAMES utf8;
SET sql_mode = '';
CREATE PROCEDURE s3() COMMENT 'héllo' SELECT 'é';
SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE PROCEDURE s4() SELECT 1;
CREATE PROCEDURE IF NOT EXISTS s4() SELECT 2;
CREATE OR REPLACE PROCEDURE d14() SELECT 'replaced';
CREATE PROCEDURE gone() SELECT 1;
DROP PROCEDURE gone;
DROP PROCEDURE IF EXISTS gone;
DROP FUNCTION IF EXISTS nothing;
CREATE FUNCTION ff() RETURNS int RETURN 1;
DROP FUNCTION FF;
ALTER PROCEDURE c2 COMMENT 'altered' SQL SECURITY INVOKER CONTAINS SQL;
"""


@pytest.mark.server
def test_routines_match_the_server(server):
    schema = assert_same(server, ROUTINES_SCRIPT)
    names = {r.name for r in schema.routines}
    assert {"d1", "c5", "agg", "b2", "b7", "s1", "s4"} <= names and "gone" not in names


@pytest.mark.server
def test_routines_database_charset(server):
    script = ("SET NAMES utf8mb4;\nCREATE PROCEDURE p(a varchar(5), b text, c enum('x'), "
              "d char(2) binary) SELECT 1;\nCREATE FUNCTION f() RETURNS varchar(3) RETURN 'x';\n")
    assert_same(server, script, db_charset="latin1")
    assert_same(server, script, db_charset="utf8mb3", db_collation="utf8mb3_unicode_ci")


def test_routine_errors():
    st_ = apply("CREATE PROCEDURE p() SELECT 1")
    refused("CREATE PROCEDURE P() SELECT 2", st_, match="already exists")
    refused("DROP PROCEDURE q", st_, match="does not exist")
    refused("DROP FUNCTION p", st_, match="does not exist")
    refused("CREATE OR REPLACE PROCEDURE IF NOT EXISTS p() SELECT 1", match="OR REPLACE")
    refused("CREATE PROCEDURE x(a int, A int) SELECT 1", match="Duplicate parameter")
    refused("CREATE PROCEDURE db.p() SELECT 1", match="qualified")
    refused("CREATE PROCEDURE p() BEGIN SELECT 1", match="BEGIN without END")
    refused("CREATE PROCEDURE p() SELECT 1; SELECT 2", match="more than one statement")
    refused("CREATE PROCEDURE p() BEGIN SELECT 1; END; SELECT 2", match="more than one statement")
    refused("CREATE PROCEDURE p() IF 1 THEN SELECT 1", match="without END IF")
    refused("CREATE PROCEDURE p() BEGIN SELECT 1; END foo", match="label")
    refused("CREATE FUNCTION f RETURNS STRING SONAME 'x.so'", match="SONAME")
    refused("CREATE FUNCTION f() RETURNS int CHARSET latin1 RETURN 1", match="RETURNS")
    refused("ALTER PROCEDURE nope COMMENT 'x'", match="does not exist")
    s = Session(FLAVOUR)
    s.sql_mode = "ORACLE"
    refused("CREATE PROCEDURE p() AS BEGIN NULL; END", session=s, match="ORACLE")
    s = Session(FLAVOUR)
    s.charset_client = "latin1"
    refused("CREATE PROCEDURE p() SELECT 'é'", session=s, match="character_set_client")


def test_not_mine():
    for sql in ("CREATE TABLE t (a int)", "DROP TABLE t", "ALTER TABLE t ADD b int",
                "CREATE INDEX i ON t (a)", "CREATE USER x", "INSERT INTO t VALUES (1)",
                "CREATE OR REPLACE TABLE t (a int)", "CREATE DATABASE x", "SELECT 1"):
        assert apply_routine_ddl(sql, Session(FLAVOUR), State()) is False


def test_no_other_exception_escapes():
    rnd = random.Random(7)
    words = ["CREATE", "PROCEDURE", "FUNCTION", "TRIGGER", "VIEW", "EVENT", "DROP", "ALTER", "(", ")",
             "p", "'", "`", "BEGIN", "END", "DEFINER", "=", "@", "RETURNS", "int", "AS", "SELECT",
             "ON", "SCHEDULE", "EVERY", "1", ";", ",", "IF", "EXISTS", "\"", "x.y", "*", "FROM"]
    for _ in range(3000):
        sql = " ".join(rnd.choice(words) for _ in range(rnd.randint(1, 14)))
        state = table_state("p", "t")
        try:
            apply_routine_ddl(rnd.choice(["CREATE ", "DROP ", "ALTER "]) + sql, Session(FLAVOUR), state)
        except OfflineError as exc:
            assert "\n" not in str(exc)


# =======================================================================================
# Triggers


def test_trigger_order_unit():
    st_ = table_state("t", "u")
    for sql in ["CREATE TRIGGER t1 BEFORE INSERT ON t FOR EACH ROW SET @a=1",
                "CREATE TRIGGER t2 BEFORE INSERT ON t FOR EACH ROW SET @a=2",
                "CREATE TRIGGER t3 BEFORE INSERT ON t FOR EACH ROW FOLLOWS t1 SET @a=3",
                "CREATE TRIGGER t4 BEFORE INSERT ON t FOR EACH ROW PRECEDES t1 SET @a=4",
                "CREATE TRIGGER t5 AFTER INSERT ON t FOR EACH ROW SET @a=5",
                "DROP TRIGGER t1",
                "CREATE OR REPLACE TRIGGER t3 BEFORE INSERT ON t FOR EACH ROW SET @a=33",
                "CREATE TRIGGER IF NOT EXISTS t2 BEFORE INSERT ON t FOR EACH ROW SET @a=22",
                "CREATE TRIGGER T2 BEFORE INSERT ON u FOR EACH ROW SET @b=1"]:
        apply(sql, st_)
    order = sorted((t.table, t.timing, t.event, t.order, t.name, t.statement)
                   for t in st_.triggers.values())
    assert order == [("t", "AFTER", "INSERT", 1, "t5", "SET @a=5"),
                     ("t", "BEFORE", "INSERT", 1, "t4", "SET @a=4"),
                     ("t", "BEFORE", "INSERT", 2, "t2", "SET @a=2"),
                     ("t", "BEFORE", "INSERT", 3, "t3", "SET @a=33"),
                     ("u", "BEFORE", "INSERT", 1, "T2", "SET @b=1")]
    refused("CREATE TRIGGER t9 BEFORE INSERT ON u FOR EACH ROW FOLLOWS t2 SET @a=1", st_,
            match="Referenced trigger")
    refused("CREATE TRIGGER t2 BEFORE INSERT ON t FOR EACH ROW SET @a=1", st_, match="already exists")
    refused("CREATE OR REPLACE TRIGGER t2 BEFORE INSERT ON u FOR EACH ROW SET @a=1", st_,
            match="does not exist")
    refused("CREATE TRIGGER t9 BEFORE INSERT ON nosuch FOR EACH ROW SET @a=1", st_,
            match="doesn't exist")
    refused("DROP TRIGGER T9", st_, match="does not exist")
    apply("DROP TRIGGER IF EXISTS T9", st_)
    assert sorted(drop_table_triggers(st_, "t")) == ["t2", "t3", "t4", "t5"]
    rename_table_triggers(st_, "u", "w")
    assert st_.triggers["T2"].table == "w"


def test_trigger_statement_is_the_body_as_written():
    """Not information_schema's ACTION_STATEMENT, which rewrites string literals and loses
    backslashes ('a\\\\b' would come back as 'a\\b', another value)."""
    body = ("SET NEW.a = CONCAT(_latin1 'x', 'a\\\\b', 'q\\'r', \"x\"\"y\\\"z\", 'tab\tx', "
            "'nl\\nx', N'n\\\\m', X'41')")
    st_ = apply(f"CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW {body}", table_state("t"))
    assert st_.triggers["tr"].statement == body


TRIGGERS_SCRIPT = r"""
CREATE TABLE t (a varchar(20), b int);
CREATE TABLE u (a int);
CREATE TRIGGER t1 BEFORE INSERT ON t FOR EACH ROW SET @a=1;
CREATE TRIGGER t2 BEFORE INSERT ON t FOR EACH ROW SET @a=2;
CREATE TRIGGER t3 BEFORE INSERT ON t FOR EACH ROW FOLLOWS t1 SET @a=3;
CREATE TRIGGER t4 BEFORE INSERT ON t FOR EACH ROW PRECEDES t1 SET @a=4;
CREATE DEFINER=bob@'%' TRIGGER t5 AFTER INSERT ON t FOR EACH ROW SET @a=5;
CREATE TRIGGER t6 BEFORE UPDATE ON t FOR EACH ROW SET @a=6;
CREATE TRIGGER t7 BEFORE DELETE ON u FOR EACH ROW SET @a=7;
DROP TRIGGER t1;
CREATE OR REPLACE TRIGGER t3 BEFORE INSERT ON t FOR EACH ROW SET @a=33;
CREATE TRIGGER IF NOT EXISTS t2 BEFORE INSERT ON t FOR EACH ROW SET @a=22;
CREATE TRIGGER T2 BEFORE INSERT ON u FOR EACH ROW SET @b=1;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER tr1 BEFORE UPDATE ON t
FOR EACH ROW
BEGIN
    -- comment
    IF NEW.b <> OLD.b THEN
        SET NEW.a = CONCAT(_latin1 'x', 'a\\b', 'q\'r', "x""y\"z", 'tab	x', 'nl\nx', N'n\\m');
    END IF;
END */;;
/*!50003 CREATE*/ /*!50017 */ /*!50003 TRIGGER tr2 AFTER DELETE ON t FOR EACH ROW SET @x = 2  */;;
DELIMITER ;
SET sql_mode = 'NO_BACKSLASH_ESCAPES';
SET NAMES utf8;
CREATE TRIGGER tr3 AFTER UPDATE ON u FOR EACH ROW SET @y = 'a\b';
"""


@pytest.mark.server
def test_triggers_match_the_server(server):
    schema = assert_same(server, TRIGGERS_SCRIPT)
    assert len(schema.triggers) == 10


@pytest.mark.server
def test_dropped_table_drops_its_triggers(server):
    script = ("CREATE TABLE t (a int);\nCREATE TABLE u (a int);\n"
              "CREATE TRIGGER x BEFORE INSERT ON t FOR EACH ROW SET @a=1;\n"
              "CREATE TRIGGER y BEFORE INSERT ON u FOR EACH ROW SET @a=1;\n"
              "CREATE TABLE v (a int);\n"
              "CREATE TRIGGER x2 BEFORE INSERT ON v FOR EACH ROW SET @a=1;\n"
              "DROP TABLE t;\nRENAME TABLE u TO w;\n"
              "CREATE TRIGGER z BEFORE INSERT ON w FOR EACH ROW FOLLOWS y SET @a=2;\n"
              "CREATE OR REPLACE TABLE v (b int);\n"
              "CREATE TABLE q (a int);\n"
              "CREATE TRIGGER r BEFORE INSERT ON q FOR EACH ROW SET @a=1;\n"
              "ALTER TABLE q RENAME TO q2;\n")
    schema = assert_same(server, script)
    assert [(t.name, t.table) for t in schema.triggers] == [("r", "q2"), ("y", "w"), ("z", "w")]


# =======================================================================================
# Events


EVENTS_SCRIPT = r"""
SET time_zone = '+00:00';
CREATE EVENT e1 ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DO SELECT 1;
DELIMITER ;;
CREATE EVENT e2 ON SCHEDULE AT '2031-02-03 04:05:06' ON COMPLETION PRESERVE DISABLE COMMENT 'c''x'
  DO BEGIN SELECT 'a\\b', "q""r", _latin1'z\\z'; END;;
DELIMITER ;
CREATE DEFINER=bob@'%' EVENT e3 ON SCHEDULE EVERY 90 MINUTE STARTS '2030-01-01' ENDS '2030-02-01 12:00' DO SELECT 1;
CREATE EVENT e4 ON SCHEDULE EVERY 1 QUARTER STARTS '2030-01-01 00:00:00.5' DISABLE ON SLAVE DO SELECT 1;
CREATE EVENT e5 ON SCHEDULE AT '2001-01-01 00:00:00' DO SELECT 1;
CREATE EVENT e6 ON SCHEDULE AT '2001-01-01 00:00:00' ON COMPLETION PRESERVE DO SELECT 1;
CREATE EVENT e7 ON SCHEDULE EVERY 1 DAY STARTS '2001-01-01' ENDS '2002-01-01' DO SELECT 1;
CREATE EVENT e8 ON SCHEDULE EVERY 5 SECOND STARTS '2030-01-01' DO SELECT 1;
CREATE EVENT IF NOT EXISTS E8 ON SCHEDULE EVERY 6 SECOND STARTS '2030-01-01' DO SELECT 1;
CREATE OR REPLACE EVENT e1 ON SCHEDULE EVERY 2 WEEK STARTS '2030-01-01' DO SELECT 2;
SET sql_mode = 'ANSI';
ALTER EVENT e3 COMMENT 'new';
ALTER EVENT E2 ON SCHEDULE EVERY 1 HOUR STARTS '2030-05-05' ON COMPLETION NOT PRESERVE RENAME TO e2b ENABLE;
ALTER EVENT e8 DO SELECT 'x';
CREATE EVENT gone ON SCHEDULE AT '2031-01-01' DO SELECT 1;
DROP EVENT GONE;
DROP EVENT IF EXISTS gone;
"""


@pytest.mark.server
def test_events_match_the_server(server):
    schema = assert_same(server, EVENTS_SCRIPT)
    assert sorted(e.name for e in schema.events) == ["e1", "e2b", "e3", "e4", "e6", "e8"]


ALTER_SCRIPT = r"""
CREATE TABLE t (a int, b int);
CREATE VIEW v AS SELECT a FROM t;
CREATE VIEW v2 AS SELECT ALL a FROM t;
CREATE PROCEDURE p() SELECT 1;
CREATE FUNCTION f() RETURNS int RETURN 1;
CREATE DEFINER=bob@'%' EVENT e ON SCHEDULE AT '2031-01-01' DO SELECT 1;
CREATE EVENT e2 ON SCHEDULE AT '2031-01-01' DO SELECT 1;
SET NAMES latin1;
SET sql_mode = 'ANSI';
ALTER VIEW v AS SELECT b FROM t;
ALTER PROCEDURE p COMMENT 'x';
ALTER FUNCTION f NO SQL SQL SECURITY INVOKER;
ALTER EVENT e COMMENT 'y';
ALTER EVENT e2 DO SELECT 2;
"""


@pytest.mark.server
def test_alter_semantics_match_the_server(server):
    """ALTER VIEW/EVENT record the session's character sets; ALTER EVENT makes the
    altering account the definer and takes the sql_mode only with a new body; ALTER
    PROCEDURE/FUNCTION change the characteristics alone."""
    schema = assert_same(server, ALTER_SCRIPT)
    e = {x.name: x for x in schema.events}
    assert e["e"].definer is None and e["e"].charset_client == "latin1"
    assert "ANSI" not in e["e"].sql_mode and "ANSI" in e["e2"].sql_mode


def test_event_refusals():
    refused("CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO SELECT 1", match="STARTS")
    refused("CREATE EVENT e ON SCHEDULE AT CURRENT_TIMESTAMP DO SELECT 1", match="literal")
    refused("CREATE EVENT e ON SCHEDULE AT '2030-01-01' + INTERVAL 1 DAY DO SELECT 1",
            match="arithmetic")
    refused("CREATE EVENT e ON SCHEDULE EVERY '1:30' HOUR_MINUTE STARTS '2030-01-01' DO SELECT 1")
    refused("CREATE EVENT e ON SCHEDULE EVERY 1 DAY STARTS '2030-01-02' ENDS '2030-01-01' DO SELECT 1",
            match="ENDS")
    st_ = apply("CREATE EVENT e ON SCHEDULE AT '2031-01-01' DO SELECT 1")
    refused("CREATE EVENT E ON SCHEDULE AT '2031-01-01' DO SELECT 1", st_, match="already exists")
    refused("DROP EVENT nope", st_, match="Unknown event")


# =======================================================================================
# Views


VIEWS_SCRIPT = r"""
CREATE TABLE t (a int, b varchar(10), `c d` int, c int);
CREATE TABLE u (a int, x int);
CREATE TABLE w (x int, y int);
CREATE VIEW v1 AS SELECT a, b FROM t;
CREATE VIEW v2 AS SELECT * FROM t;
CREATE VIEW v3 AS SELECT a AS aa, b bb, t.`c d` FROM t WHERE a > 1 AND b = 'x';
CREATE VIEW v4 (p, q) AS SELECT a, b FROM t;
CREATE VIEW v5 AS SELECT t.a, u.x FROM t JOIN u ON t.a = u.a;
CREATE ALGORITHM=MERGE DEFINER=bob@'%' SQL SECURITY INVOKER VIEW v7 AS SELECT a FROM t WITH LOCAL CHECK OPTION;
CREATE VIEW v8 AS SELECT x.a FROM t AS x LEFT JOIN u y ON x.a = y.a WHERE y.x IS NULL ORDER BY x.a LIMIT 5;
CREATE VIEW v9 AS SELECT A, t.B AS bee FROM t WHERE a = 1 OR b = 'it''s' AND c <> 3 AND b IS NOT NULL AND (a > 1 OR c <= 2) AND c IS NULL;
CREATE VIEW v10 AS SELECT t.c FROM t, u, w WHERE t.a = u.a;
CREATE VIEW v11 AS SELECT t.c FROM t JOIN u ON t.a = u.a AND u.x > 0 OR t.c = 1 LEFT JOIN w ON u.x = w.x;
CREATE ALGORITHM=MERGE VIEW v12 AS SELECT DISTINCT a FROM t;
CREATE ALGORITHM=MERGE VIEW v13 AS SELECT a FROM t LIMIT 3;
CREATE ALGORITHM=MERGE VIEW v14 AS SELECT a FROM t GROUP BY a;
CREATE ALGORITHM=TEMPTABLE VIEW v15 AS SELECT a FROM t;
CREATE VIEW v16 AS SELECT a AS x, c FROM t ORDER BY x, c DESC;
CREATE VIEW v17 AS SELECT a AS 'str alias', b `bq` FROM t;
CREATE VIEW v18 AS SELECT a FROM t WHERE ((a = 1) AND (b = 'x' AND c = 2)) OR (a = 2 OR c = 3);
CREATE VIEW v19 AS SELECT t.a FROM t INNER JOIN u;
CREATE VIEW v20 AS SELECT t.B, c FROM t WHERE b NOT LIKE 'a%' AND a NOT IN (1,2) AND c NOT BETWEEN 1 AND 5
  AND a IN (007, -5, 1.50) AND b = 'q"\\Z\0' AND a <=> NULL AND a = FALSE AND b LIKE 'x\ny';
CREATE VIEW v21 AS SELECT u.* , w.y FROM u CROSS JOIN w;
CREATE OR REPLACE VIEW v1 AS SELECT b FROM t;
CREATE VIEW IF NOT EXISTS v2 AS SELECT a FROM t;
CREATE VIEW gone AS SELECT a FROM t;
CREATE VIEW gone2 AS SELECT a FROM t;
DROP VIEW gone, gone2;
DROP VIEW IF EXISTS gone, nothing;
CREATE ALGORITHM=MERGE DEFINER=bob@'%' SQL SECURITY INVOKER VIEW al AS SELECT a FROM t WITH CHECK OPTION;
ALTER VIEW al AS SELECT b FROM t;
CREATE ALGORITHM=MERGE DEFINER=bob@'%' SQL SECURITY INVOKER VIEW al2 AS SELECT a FROM t WITH CHECK OPTION;
ALTER DEFINER=CURRENT_USER VIEW al2 AS SELECT a FROM t WITH CASCADED CHECK OPTION;
SET NAMES latin1;
CREATE VIEW v22 AS SELECT a FROM t;
"""  # noqa: E501 - one statement a line


@pytest.mark.server
def test_views_match_the_server(server):
    schema = assert_same(server, VIEWS_SCRIPT)
    assert len(schema.views) == 23


@pytest.mark.parametrize("select", [
    "SELECT a + 1 FROM t", "SELECT count(*) FROM t", "SELECT a FROM t UNION SELECT a FROM u",
    "SELECT a FROM t WHERE NOT a = 1", "SELECT a FROM t WHERE b = 'x' COLLATE utf8mb4_bin",
    "SELECT a FROM t RIGHT JOIN u USING (a)", "SELECT a FROM (SELECT a FROM t) s",
    "SELECT a FROM t WHERE a IN (SELECT a FROM u)", "SELECT 1", "SELECT a FROM t LIMIT 1, 2",
    "SELECT a FROM t HAVING a > 1", "SELECT a FROM t WHERE a = 1e3", "SELECT a FROM t WHERE b = 'é'",
])
def test_views_refused(select):
    state = table_state("t", "u")
    msg = refused(f"CREATE VIEW v AS {select}", state)
    assert "cannot be reproduced offline" in msg
    assert "v" not in state.views


_VIEW_TABLES = "CREATE TABLE t (a int, b varchar(10), c int);\nCREATE TABLE u (a int, x int);\n"
_VIEW_COLS = {"t": ["a", "b", "c", "A"], "u": ["a", "x"]}


@st.composite
def _view_select(draw):
    tables = draw(st.sampled_from([["t"], ["u"], ["t", "u"], ["u", "t"]]))
    aliases = [draw(st.sampled_from([tb, tb, f"{tb}1", f"`{tb.upper()}`"])) for tb in tables]
    quals = [a.strip("`") for a in aliases]

    def col():
        k = draw(st.integers(0, len(tables) - 1))
        name = draw(st.sampled_from(_VIEW_COLS[tables[k]]))
        return f"{quals[k]}.{name}" if draw(st.booleans()) or len(tables) > 1 else name

    def operand():
        return draw(st.sampled_from([col(), col(), "1", "-5", "007", "2.50", "'x'", "'it''s'",
                                     "NULL", "TRUE"]))

    def pred(depth=0):
        kind = draw(st.integers(0, 7 if depth < 2 else 5))
        if kind <= 1:
            return f"{col()} {draw(st.sampled_from(['=', '<>', '!=', '<', '>=', '<=>']))} {operand()}"
        if kind == 2:
            return f"{col()} IS {draw(st.sampled_from(['', 'NOT ']))}NULL"
        if kind == 3:
            return f"{col()} {draw(st.sampled_from(['', 'NOT ']))}LIKE 'a%'"
        if kind == 4:
            return f"{col()} {draw(st.sampled_from(['', 'NOT ']))}IN (1, -2, 'z')"
        if kind == 5:
            return f"{col()} {draw(st.sampled_from(['', 'NOT ']))}BETWEEN 1 AND {operand()}"
        op = draw(st.sampled_from([" AND ", " OR "]))
        inner = op.join(pred(depth + 1) for _ in range(draw(st.integers(2, 3))))
        return f"({inner})" if draw(st.booleans()) else inner

    items = []
    for _ in range(draw(st.integers(1, 3))):
        k = draw(st.integers(0, 5))
        if k == 0:
            items.append("*")
        elif k == 1:
            items.append(f"{draw(st.sampled_from(quals))}.*")
        else:
            alias = draw(st.sampled_from(["", " AS z", " y", " `w w`", " AS 'q'"]))
            items.append(col() + alias)
    sel = "SELECT " + draw(st.sampled_from(["", "DISTINCT ", "ALL "])) + ", ".join(items)
    frm = f" FROM {tables[0]}" + ("" if aliases[0] == tables[0] else f" {aliases[0]}")
    if len(tables) > 1:
        join = draw(st.sampled_from([", ", " JOIN ", " INNER JOIN ", " LEFT JOIN ", " CROSS JOIN "]))
        frm += f"{join}{tables[1]}" + ("" if aliases[1] == tables[1] else f" AS {aliases[1]}")
        if join.strip() in ("JOIN", "INNER JOIN", "LEFT JOIN"):
            frm += f" ON {pred(1)}"
    text = sel + frm
    if draw(st.booleans()):
        text += " WHERE " + pred()
    if draw(st.integers(0, 3)) == 0:
        text += f" GROUP BY {col()}"
    if draw(st.booleans()):
        text += f" ORDER BY {col()}{draw(st.sampled_from(['', ' ASC', ' DESC']))}"
    if draw(st.integers(0, 3)) == 0:
        text += " LIMIT 3"
    head = draw(st.sampled_from(["CREATE", "CREATE ALGORITHM=MERGE", "CREATE ALGORITHM=TEMPTABLE",
                                 "CREATE SQL SECURITY INVOKER", "CREATE DEFINER=bob@'%'"]))
    tail = draw(st.sampled_from(["", "", " WITH CHECK OPTION", " WITH LOCAL CHECK OPTION"]))
    return head, text, tail


@pytest.mark.server
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck),
          phases=NO_SHRINK)
@given(st.lists(_view_select(), min_size=15, max_size=25))
def test_views_hypothesis(server, views):
    """A view offline equals the server's, or is refused; what the server rejects is
    refused offline too."""
    script = _VIEW_TABLES + "".join(f"{h} VIEW v{i} AS {s}{t};\n" for i, (h, s, t) in enumerate(views))
    db = server.create_database()
    try:
        _run_client(server, db, script, force=True)
        schema = _introspect(server, db)
    finally:
        server.drop_database(db)
    theirs = {v.name: v for v in schema.views}
    res = offline(script, lenient=True)
    for v in res.schema.views:
        assert v.name in theirs, f"accepted offline, rejected by the server: {views[int(v.name[1:])]}"
        assert v == theirs[v.name], views[int(v.name[1:])]


def test_view_errors():
    state = table_state("t", "u")
    refused("CREATE VIEW v AS SELECT a FROM nosuch", state, match="doesn't exist")
    refused("CREATE VIEW v AS SELECT a FROM t, u", state, match="ambiguous")
    refused("CREATE VIEW v AS SELECT t.a, u.a FROM t, u", state, match="Duplicate column")
    refused("CREATE VIEW v (x) AS SELECT a, b FROM t", state, match="column counts")
    refused("CREATE VIEW t AS SELECT a FROM u", state, match="already exists")
    refused("DROP VIEW t", state, match="not of type 'VIEW'")
    refused("DROP VIEW nosuch", state, match="Unknown VIEW")
    refused("ALTER VIEW nosuch AS SELECT a FROM t", state, match="doesn't exist")
    refused("CREATE ALGORITHM=TEMPTABLE VIEW v AS SELECT a FROM t WITH CHECK OPTION", state,
            match="CHECK OPTION")


# =======================================================================================
# Random stored programs against the server


_BODIES = [
    "SELECT 1",
    "BEGIN\n  -- note\n  SELECT 'a\\\\b', \"q\"\"r\"; # x\n  /* y */ SET @x = 1;\nEND",
    "BEGIN SELECT CASE WHEN 1 THEN 2 END; END",
    "lbl: BEGIN\n\tIF 1 THEN LEAVE lbl; END IF;\nEND lbl",
    "BEGIN\n  DECLARE v int DEFAULT 0;\n  WHILE v < 3 DO SET v = v + 1; END WHILE;\nEND",
    "SELECT 'it''s' /* c */ -- d\n",
    "/*!50003 BEGIN SELECT 1; END */",
]
_GAPS = st.sampled_from([" ", "\n", "  \n\t", " /* c */ ", " -- c\n", " #c\n", "\r\n"])
_PTYPES = st.sampled_from(["int", "integer unsigned", "varchar(10)", "text", "enum('a','b')",
                           "decimal(5,2)", "bool", "char(3) charset latin1", "datetime(3)"])
_DEFINERS = st.sampled_from(["", "DEFINER=`root`@`localhost` ", "DEFINER=CURRENT_USER ",
                             "DEFINER='bob'@'%' ", "DEFINER=bob@localhost "])
_CHISTICS = st.lists(st.sampled_from([
    "COMMENT 'c''x'", "LANGUAGE SQL", "DETERMINISTIC", "NOT DETERMINISTIC", "NO SQL",
    "CONTAINS SQL", "READS SQL DATA", "MODIFIES SQL DATA", "SQL SECURITY INVOKER",
    "SQL SECURITY DEFINER", 'COMMENT "d"']), max_size=3)
_SESSIONS = st.sampled_from(["", "SET NAMES utf8;\n", "SET NAMES latin1;\n",
                             "SET sql_mode='ANSI_QUOTES';\n", "SET sql_mode='';\n",
                             "SET NAMES utf8mb4 COLLATE utf8mb4_bin;\n"])


@st.composite
def _routine(draw, i):
    kind = draw(st.sampled_from(["PROCEDURE", "FUNCTION"]))
    gap = lambda: draw(_GAPS)  # noqa: E731 - a one-line local helper
    params = []
    for j in range(draw(st.integers(0, 3))):
        mode = draw(st.sampled_from(["", "IN ", "OUT ", "INOUT "])) if kind == "PROCEDURE" else ""
        params.append(f"{mode}p{j} {draw(_PTYPES)}")
    head = f"CREATE{gap()}{draw(_DEFINERS)}{kind}{gap()}r{i}({', '.join(params)})"
    if kind == "FUNCTION":
        head += f"{gap()}RETURNS {draw(_PTYPES)}"
        body = draw(st.sampled_from(["RETURN 1", "BEGIN\n  -- c\n  RETURN 'x''y';\nEND"]))
    else:
        body = draw(st.sampled_from(_BODIES))
    chistics = draw(_CHISTICS)
    text = head + "".join(gap() + c for c in chistics) + gap() + body
    if draw(st.booleans()):
        text = text.replace("CREATE", "/*!50003 CREATE*/", 1)
    return text


@st.composite
def _script(draw):
    parts = []
    for i in range(draw(st.integers(1, 6))):
        parts.append(draw(_SESSIONS) + "DELIMITER ;;\n" + draw(_routine(i)) + draw(_GAPS)
                     + ";;\nDELIMITER ;\n")
    return "".join(parts)


@pytest.mark.server
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck),
          phases=NO_SHRINK)
@given(_script())
def test_routines_hypothesis(server, script):
    db = server.create_database()
    try:
        _run_client(server, db, script, force=True)
        schema = _introspect(server, db)
    finally:
        server.drop_database(db)
    res = offline(script, lenient=True)
    mine = {(r.kind, r.name) for r in res.schema.routines}
    theirs = {(r.kind, r.name) for r in schema.routines}
    # nothing the server rejected is accepted offline; what offline refuses is reported
    assert mine <= theirs
    assert len(theirs - mine) <= len(res.skipped)
    kept = Schema(routines=tuple(r for r in schema.routines if (r.kind, r.name) in mine))
    assert _part(Schema(routines=res.schema.routines)) == _part(kept)


@st.composite
def _trigger_script(draw):
    lines = ["CREATE TABLE t (a int);", "CREATE TABLE u (a int);"]
    names: list[str] = []
    for i in range(draw(st.integers(1, 10))):
        action = draw(st.sampled_from(["create", "create", "create", "drop", "replace"]))
        table = draw(st.sampled_from(["t", "u"]))
        timing = draw(st.sampled_from(["BEFORE", "AFTER"]))
        event = draw(st.sampled_from(["INSERT", "UPDATE"]))
        if action == "drop" and names:
            victim = draw(st.sampled_from(names))
            names.remove(victim)
            lines.append(f"DROP TRIGGER {victim};")
            continue
        anchor = ""
        if names and draw(st.booleans()):
            anchor = f" {draw(st.sampled_from(['FOLLOWS', 'PRECEDES']))} {draw(st.sampled_from(names))}"
        if action == "replace" and names:
            name = draw(st.sampled_from(names))
            verb = "CREATE OR REPLACE"
        else:
            name = f"tr{i}"
            verb = "CREATE"
            names.append(name)
        lines.append(f"{verb} TRIGGER {name} {timing} {event} ON {table} FOR EACH ROW{anchor} "
                     f"SET @v = '{name}\\\\x';")
    return "\n".join(lines) + "\n"


@pytest.mark.server
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck),
          phases=NO_SHRINK)
@given(_trigger_script())
def test_triggers_hypothesis(server, script):
    db = server.create_database()
    try:
        proc = _run_client(server, db, script, force=True)
        schema = _introspect(server, db)
    finally:
        server.drop_database(db)
    # replay offline statement by statement; a statement the server rejected must be
    # rejected offline as well (the reader stops a strict read there)
    errors = set(int(n) for n in re.findall(r"at line (\d+)", proc.stderr.decode()))
    r = _reader(lenient=True)
    r.read_text(script)
    skipped = {int(s.location.rsplit(":", 1)[1]) for s in r.result().skipped}
    assert skipped == errors
    assert _part(r.result().schema) == _part(schema)


# =======================================================================================
# The ISPyB corpus: DLS routines.sql, offline == live


@pytest.mark.server
@pytest.mark.parametrize("release", ["v4.0.0", "v5.0.0"])
def test_dls_routines_equal_live(server, corpus, release):
    from schema_tools.sources.resolve import snapshot_from_sql

    folder = corpus / "ispyb" / "dls" / release
    paths = [folder / "tables.sql", folder / "routines.sql"]
    live_schema = snapshot_from_sql(paths, server=server.url()).schema
    r = _reader(lenient=True)
    r.read_file(paths[0])                      # tables: whatever the table DDL can do
    before = len(r.result().skipped)
    r.read_file(paths[1])
    res = r.result()
    assert res.skipped[before:] == []          # every routine statement understood
    assert len(res.schema.routines) == len(live_schema.routines) > 100
    assert len(res.schema.triggers) == len(live_schema.triggers) == 1
    assert _part(Schema(routines=res.schema.routines, triggers=res.schema.triggers)) == \
        _part(Schema(routines=live_schema.routines, triggers=live_schema.triggers))


# ---------------------------------------------------------------------------------------
# A procedure's BEGIN ... END body found without tokenizing it, as the token walk finds it


def _body_both_ways(text: str):
    from schema_tools.dialect import lexer
    from schema_tools.offline import routines, statements

    session = Session(Flavour("mariadb", (10, 11, 0)))
    out = []
    for fast in (True, False):
        cur = lexer.Cursor(text, modes=lexer.Modes(""))
        try:
            head = statements.read_head(cur, session)
            if head is None or head.kind not in ("PROCEDURE", "FUNCTION"):
                return None
            statements.accept_if_not_exists(cur, head)
            cur.object_name("procedure")
            cur.expect_op("(")
            depth = 1
            while depth:
                t = cur.next()
                depth += (t.kind == "op" and t.text == "(") - (t.kind == "op" and t.text == ")")
            if head.kind == "FUNCTION":
                cur.expect_kw("RETURNS")
                routines.parse_type(cur, session, lexer.Modes(""))
            routines._characteristics(cur, allow_deterministic=True)
            if not fast:
                _ = cur.toks  # every token read: the token walk
            out.append(statements.take_body(cur, "body", with_tokens=not fast)[0])
        except OfflineError as exc:
            out.append(("error", str(exc)))
    return out


@pytest.mark.corpus
def test_fast_procedure_bodies_equal_the_token_walk(corpus):
    from schema_tools.offline.routines import _alloc_trim

    rnd = random.Random(7)
    marks = ["END", "END;", "BEGIN", "CASE", "END CASE", "END IF", "x.END", "'", "`", "/*!5 x*/",
             "/* c */", "-- c\n", "lbl:", "END lbl", ";", "SELECT 1;", "\"", "\\", ". (", "N'a'"]
    compared = 0
    for path in sorted((corpus / "ispyb" / "dls").glob("v*/routines.sql")):
        for st_ in split_sql(path.read_text()):
            text = _alloc_trim(server_preprocess(client_strip(st_.sql)))
            if "PROCEDURE" not in text[:200].upper() and "FUNCTION" not in text[:200].upper():
                continue
            variants = [text] + [text[:k] + " " + rnd.choice(marks) + " " + text[k:]
                                 for k in (rnd.randrange(len(text)) for _ in range(3))]
            for v in variants:
                both = _body_both_ways(v)
                if both is not None:
                    compared += 1
                    assert both[0] == both[1], v[:300]
    assert compared > 1000
