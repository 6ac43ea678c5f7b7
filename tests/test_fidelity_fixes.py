"""Fidelity defects found with schema pairs from other projects' test suites, each checked
against the real server:

* a SPATIAL index must not get the prefix length information_schema invents for it;
* every table option must be reversible, up and down (no ``DELAY_KEY_WRITE=DEFAULT``);
* Aria's ``PAGE_CHECKSUM`` and ``TRANSACTIONAL`` are table options like the others: Aria
  tables pass the self-check, and states that differ only in them differ;
* an ``IGNORED`` index converges, and leaves the fingerprint of other snapshots alone.

Each schema is loaded on the server and read back (the self-check must pass); a round trip
(render, load, read) must be a fixpoint; a generated revision must reach the target state
on upgrade and come back exactly on downgrade.
"""

from __future__ import annotations

import pytest

from schema_tools.diff.compare import diff
from schema_tools.migrate.commands import generate, run_alembic
from schema_tools.migrate.revision import RevisionDir
from schema_tools.model import Snapshot
from schema_tools.model.objects import Index, IndexColumn, Schema, Table
from schema_tools.model.snapshot import to_dict
from schema_tools.dialect.ddl import render_schema
from schema_tools.sources.introspect import MULTI_STATEMENTS, introspect
from schema_tools.sources.loader import load_text
from tests.test_offline_tables import Case

pytestmark = pytest.mark.server


# ---------------------------------------------------------------------------------------
# helpers


def _read(server, db: str) -> Schema:
    """The schema of ``db``, after a self-check that must find nothing unsupported."""
    conn = server.connect(db, client_flag=MULTI_STATEMENTS)
    try:
        result = introspect(conn, db)
    finally:
        conn.close()
    assert [str(u) for u in result.unsupported] == []
    return result.schema


def _schema_of(server, sql: str) -> Schema:
    """Load ``sql`` into a scratch database and read it back."""
    db = server.create_database()
    try:
        load_text(sql, client=server.client_command(), database=db)
        return _read(server, db)
    finally:
        server.drop_database(db)


def _round_trip(server, sql: str) -> Schema:
    """``sql`` loaded and read, then rendered, loaded and read again: the same schema."""
    first = _schema_of(server, sql)
    second = _schema_of(server, render_schema(first))
    assert diff(first, second) == []
    assert Snapshot(second).fingerprint == Snapshot(first).fingerprint
    return first


def _converges(server, tmp_path, sql_a: str, sql_b: str) -> tuple[Schema, Schema]:
    """The revision from A to B, generated, then applied up (must give B exactly) and down
    (must give A exactly) on the server."""
    a, b = _schema_of(server, sql_a), _schema_of(server, sql_b)
    assert diff(a, b), "the two states must differ"
    rdir = RevisionDir(tmp_path / "revisions")
    generate(rdir, source=a, target=b, message="fidelity", check=False)
    db = server.create_database()
    try:
        load_text(render_schema(a), client=server.client_command(), database=db)
        assert diff(_read(server, db), a) == []
        run_alembic(rdir, server.url(db), "upgrade", "head")
        assert diff(_read(server, db), b) == [], "the upgrade does not reach B"
        run_alembic(rdir, server.url(db), "downgrade", "base")
        assert diff(_read(server, db), a) == [], "the downgrade does not come back to A"
    finally:
        server.drop_database(db)
    return a, b


def _both_ways(server, tmp_path, sql_a: str, sql_b: str) -> None:
    _converges(server, tmp_path / "ab", sql_a, sql_b)
    _converges(server, tmp_path / "ba", sql_b, sql_a)


# ---------------------------------------------------------------------------------------
# 1. SPATIAL indexes have no prefix length

SPATIAL = ("CREATE TABLE g (id int PRIMARY KEY, p geometry NOT NULL, q point NOT NULL{}) "
           "ENGINE={}")


@pytest.mark.parametrize("engine", ["InnoDB", "MyISAM", "Aria"])
def test_spatial_index_round_trip(server, engine):
    schema = _round_trip(server, SPATIAL.format(", SPATIAL INDEX sp (p), SPATIAL KEY (q)", engine) + ";")
    table = schema.table("g")
    assert {i.name: i for i in table.indexes} == {
        "sp": Index("sp", (IndexColumn("p"),), "spatial"),
        "q": Index("q", (IndexColumn("q"),), "spatial"),
    }


def test_spatial_index_added_and_dropped(server, tmp_path):
    _both_ways(server, tmp_path, SPATIAL.format("", "InnoDB") + ";",
               SPATIAL.format(", SPATIAL INDEX sp (p)", "InnoDB") + ";")


# ---------------------------------------------------------------------------------------
# 2. every table option is reversible

OPTION_CASES = {
    # engine, options of A, options of B
    "myisam checksum": ("MyISAM", "", "CHECKSUM=1"),
    "myisam delay_key_write": ("MyISAM", "", "DELAY_KEY_WRITE=1"),
    "myisam row_format": ("MyISAM", "", "ROW_FORMAT=FIXED"),
    "myisam row_format, checksum, delay_key_write": (
        "MyISAM", "ROW_FORMAT=DYNAMIC", "CHECKSUM=1 DELAY_KEY_WRITE=1 ROW_FORMAT=FIXED"),
    "myisam pack_keys": ("MyISAM", "PACK_KEYS=0", "PACK_KEYS=1"),
    "myisam rows": ("MyISAM", "MAX_ROWS=5", "MIN_ROWS=5 MAX_ROWS=100 AVG_ROW_LENGTH=10"),
    "innodb stats": ("InnoDB", "STATS_PERSISTENT=1",
                     "STATS_PERSISTENT=0 STATS_AUTO_RECALC=1 STATS_SAMPLE_PAGES=20"),
    # each index keeps the block size it was made with: the indexes are re-created
    "innodb compressed": ("InnoDB", "", "ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=8"),
    "innodb block size": ("InnoDB", "ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=4",
                          "ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=8"),
    "innodb redundant": ("InnoDB", "ROW_FORMAT=COMPACT", "ROW_FORMAT=REDUNDANT"),
    "innodb page_checksum and transactional": ("InnoDB", "", "PAGE_CHECKSUM=1 TRANSACTIONAL=1"),
}


def _options_table(engine: str, options: str) -> str:
    return f"CREATE TABLE t (id int PRIMARY KEY, v varchar(20), KEY v (v)) ENGINE={engine} {options};"


def test_table_options_round_trip(server):
    _round_trip(server, "\n".join(
        _options_table(engine, b).replace("TABLE t ", f"TABLE t{i} ")
        for i, (engine, _, b) in enumerate(OPTION_CASES.values())))


@pytest.mark.parametrize("case", list(OPTION_CASES))
def test_table_options_reversible(server, tmp_path, case):
    engine, a, b = OPTION_CASES[case]
    _converges(server, tmp_path, _options_table(engine, a), _options_table(engine, b))


# ---------------------------------------------------------------------------------------
# 3. Aria: PAGE_CHECKSUM and TRANSACTIONAL

ARIA = {
    "plain": "ENGINE=Aria",
    "no checksum, not transactional": "ENGINE=Aria PAGE_CHECKSUM=0 TRANSACTIONAL=0",
    "transactional": "ENGINE=Aria TRANSACTIONAL=1",
    "page rows, transactional": "ENGINE=Aria PAGE_CHECKSUM=1 ROW_FORMAT=PAGE TRANSACTIONAL=1",
    "dynamic rows": "ENGINE=Aria ROW_FORMAT=DYNAMIC",
    "fixed rows": "ENGINE=Aria ROW_FORMAT=FIXED TRANSACTIONAL=0",
    # the server shows the row format it uses
    "compact rows": "ENGINE=Aria ROW_FORMAT=COMPACT",
    "commented": "ENGINE=Aria TRANSACTIONAL=0 COMMENT='TRANSACTIONAL=1 ROW_FORMAT=PAGE'",
}


def _aria(options: str, name: str = "t") -> str:
    return f"CREATE TABLE {name} (id int PRIMARY KEY, v varchar(20), n int, KEY (n)) {options};"


def test_aria_tables_snapshot_and_round_trip(server):
    schema = _round_trip(server, "\n".join(_aria(o, f"t{i}") for i, o in enumerate(ARIA.values())))
    options = {t.name: (t.row_format, t.options) for t in schema.tables}
    assert options == {
        "t0": (None, "PAGE_CHECKSUM=1"),
        "t1": (None, "PAGE_CHECKSUM=0 TRANSACTIONAL=0"),
        "t2": (None, "PAGE_CHECKSUM=1 TRANSACTIONAL=1"),
        "t3": ("PAGE", "PAGE_CHECKSUM=1 TRANSACTIONAL=1"),
        "t4": ("DYNAMIC", "PAGE_CHECKSUM=1"),
        "t5": ("FIXED", "PAGE_CHECKSUM=1 TRANSACTIONAL=0"),
        "t6": ("PAGE", "PAGE_CHECKSUM=1"),
        "t7": (None, "PAGE_CHECKSUM=1 TRANSACTIONAL=0"),
    }


def test_aria_states_that_differ_in_options_differ(server):
    """information_schema says ``transactional=1`` for both; SHOW CREATE TABLE does not."""
    plain = _schema_of(server, _aria(ARIA["plain"]))
    transactional = _schema_of(server, _aria(ARIA["transactional"]))
    assert Snapshot(plain).fingerprint != Snapshot(transactional).fingerprint
    assert [c.changed for c in diff(plain, transactional)] == [("options",)]


ARIA_PAIRS = {
    "innodb to aria": ("ENGINE=InnoDB", ARIA["plain"]),
    "innodb to transactional aria": ("ENGINE=InnoDB", ARIA["page rows, transactional"]),
    "aria options": (ARIA["plain"], ARIA["no checksum, not transactional"]),
    "aria row formats": (ARIA["dynamic rows"], ARIA["fixed rows"]),
    "aria transactional": (ARIA["dynamic rows"], ARIA["transactional"]),
    "aria to myisam": (ARIA["plain"], "ENGINE=MyISAM CHECKSUM=1"),
    "unchecked aria to innodb": (ARIA["no checksum, not transactional"], "ENGINE=InnoDB"),
}


@pytest.mark.parametrize("pair", list(ARIA_PAIRS))
def test_aria_revisions_converge(server, tmp_path, pair):
    a, b = ARIA_PAIRS[pair]
    _both_ways(server, tmp_path, _aria(a), _aria(b))


def test_page_checksum_of_other_engines_round_trip(server):
    """MariaDB's ALTER TABLE forgets the page checksum of a non-Aria table unless it states
    it: the foreign keys of a cycle, added last, must state it."""
    _round_trip(server, "SET foreign_key_checks = 0;\n"
                "CREATE TABLE a (id int PRIMARY KEY, b_id int, CONSTRAINT ab FOREIGN KEY (b_id) "
                "REFERENCES b (id)) ENGINE=InnoDB PAGE_CHECKSUM=1;\n"
                "CREATE TABLE b (id int PRIMARY KEY, a_id int, CONSTRAINT ba FOREIGN KEY (a_id) "
                "REFERENCES a (id)) ENGINE=InnoDB PAGE_CHECKSUM=0 TRANSACTIONAL=1;")


PARENT = "CREATE TABLE p (id int PRIMARY KEY) ENGINE=InnoDB;\n"
CHILD = ("CREATE TABLE c (id int PRIMARY KEY, p_id int{}, CONSTRAINT cp FOREIGN KEY (p_id) "
         "REFERENCES p (id)) ENGINE=InnoDB PAGE_CHECKSUM=1{};")


@pytest.mark.parametrize("a, b", [
    (PARENT, PARENT + CHILD.format("", "")),
    (PARENT + CHILD.format("", ""), PARENT + CHILD.format(", n int", " COMMENT 'n'")),
    (PARENT + CHILD.format("", ""), PARENT + CHILD.format(", n int", "").replace(
        "CONSTRAINT cp FOREIGN KEY (p_id)", "CONSTRAINT cn FOREIGN KEY (n)")),
    (_aria(ARIA["transactional"]), _aria("ENGINE=InnoDB PAGE_CHECKSUM=1")),
], ids=["table with a foreign key added", "column added", "foreign key replaced",
        "aria to innodb"])
def test_page_checksum_of_other_engines_kept(server, tmp_path, a, b):
    _both_ways(server, tmp_path, a, b)


ARIA_OFFLINE = {
    "aria tables as the server shows them": [
        "CREATE TABLE t1 (a int) ENGINE=Aria",
        "CREATE TABLE t2 (a int) ENGINE=Aria PAGE_CHECKSUM=0 TRANSACTIONAL=0",
        "CREATE TABLE t3 (a int) ENGINE=Aria TRANSACTIONAL=1 PAGE_CHECKSUM=DEFAULT",
        "CREATE TABLE t4 (a int, v varchar(5)) ENGINE=Aria ROW_FORMAT=FIXED",
        "CREATE TABLE t5 (a int) ENGINE=Aria ROW_FORMAT=PAGE TRANSACTIONAL=0",
        "CREATE TABLE t6 LIKE t3",
    ],
    "aria options through ALTER TABLE": [
        "CREATE TABLE t1 (a int) ENGINE=Aria PAGE_CHECKSUM=0",
        "ALTER TABLE t1 PAGE_CHECKSUM=DEFAULT, ADD b int",
        "ALTER TABLE t1 TRANSACTIONAL=1", "ALTER TABLE t1 TRANSACTIONAL=DEFAULT",
        "ALTER TABLE t1 ROW_FORMAT=DYNAMIC", "ALTER TABLE t1 PAGE_CHECKSUM=1, ROW_FORMAT=DEFAULT",
    ],
    "engines changed to and from aria": [
        "CREATE TABLE t1 (a int) ENGINE=Aria", "ALTER TABLE t1 ENGINE=InnoDB",
        "CREATE TABLE t2 (a int) ENGINE=Aria TRANSACTIONAL=1",
        "ALTER TABLE t2 ENGINE=InnoDB, PAGE_CHECKSUM=DEFAULT",
        "CREATE TABLE t3 (a int) ENGINE=Aria PAGE_CHECKSUM=0", "ALTER TABLE t3 ENGINE=MyISAM",
        "CREATE TABLE t4 (a int) ENGINE=InnoDB", "ALTER TABLE t4 ENGINE=Aria",
        "CREATE TABLE t5 (a int) ENGINE=MyISAM PAGE_CHECKSUM=0", "ALTER TABLE t5 ENGINE=Aria",
        "ALTER TABLE t1 PAGE_CHECKSUM=DEFAULT",
        "CREATE TABLE t6 (a int) ENGINE=Aria ROW_FORMAT=DYNAMIC", "ALTER TABLE t6 ENGINE=InnoDB",
    ],
    "a rewrite forgets the page checksum of other engines": [
        "CREATE TABLE t1 (a int, b int) ENGINE=InnoDB PAGE_CHECKSUM=1", "ALTER TABLE t1 ADD c int",
        "CREATE TABLE t3 (a int) ENGINE=InnoDB PAGE_CHECKSUM=1", "ALTER TABLE t3 RENAME TO t4",
        "RENAME TABLE t4 TO t5",
        "CREATE TABLE t6 (a int) ENGINE=MyISAM PAGE_CHECKSUM=1 CHECKSUM=1", "CREATE TABLE t7 LIKE t6",
        "ALTER TABLE t6 COMMENT 'x', PAGE_CHECKSUM=0",
        "CREATE TABLE t8 (a int) ENGINE=InnoDB PAGE_CHECKSUM=0 TRANSACTIONAL=1",
        "CREATE INDEX a ON t8 (a)",
    ],
    "options in the order the server shows them": [
        "CREATE TABLE t1 (a int) ENGINE=InnoDB KEY_BLOCK_SIZE=4 ROW_FORMAT=COMPRESSED "
        "TRANSACTIONAL=1 PAGE_CHECKSUM=1 STATS_PERSISTENT=0",
        "CREATE TABLE t2 (a int) ENGINE=MyISAM DELAY_KEY_WRITE=1 CHECKSUM=1 ROW_FORMAT=FIXED "
        "PAGE_CHECKSUM=0",
    ],
}


@pytest.fixture(scope="module")
def case(server):
    c = Case(server)
    yield c
    c.close()


@pytest.mark.parametrize("name", list(ARIA_OFFLINE))
def test_offline_reader_agrees_on_aria_options(case, name):
    """The offline reader gives the options the server shows, and the server's own read
    of each of these tables passes the self-check."""
    case.check(ARIA_OFFLINE[name], allow_gaps=False)
    assert [str(u) for u in introspect(case.conn, case.db).unsupported] == []


# ---------------------------------------------------------------------------------------
# 4. IGNORED indexes

IGNORED = "CREATE TABLE t (id int PRIMARY KEY, c int, d int{}) ENGINE=InnoDB;"


def test_ignored_index_round_trip(server):
    schema = _round_trip(server, IGNORED.format(", KEY i (c) IGNORED, KEY j (d)"))
    table = schema.table("t")
    assert [(i.name, i.ignored) for i in table.indexes] == [("i", True), ("j", False)]


@pytest.mark.parametrize("a, b", [
    ("", ", KEY i (c) IGNORED"),
    (", KEY i (c)", ", KEY i (c) IGNORED"),
    (", KEY i (c), KEY j (d) IGNORED", ", KEY i (c) IGNORED, KEY j (d)"),
], ids=["added", "made ignored", "swapped"])
def test_ignored_index_converges(server, tmp_path, a, b):
    _converges(server, tmp_path, IGNORED.format(a), IGNORED.format(b))


def test_ignored_leaves_other_fingerprints_alone():
    """A visible index (the default) writes no ``ignored`` attribute: snapshots taken
    before IGNORED was modelled keep their content and fingerprint."""
    index = Index("i", (IndexColumn("c"),))
    assert "ignored" not in to_dict(index)
    assert to_dict(Index("i", (IndexColumn("c"),), ignored=True))["ignored"] is True
    table = Table("t", (), indexes=(index,))
    assert "options" not in to_dict(table) and "row_format" not in to_dict(table)


# ---------------------------------------------------------------------------------------
# 6. UNIQUE ... USING HASH survives the ALTER TABLE statements of a revision
#
# Any ALTER TABLE makes a UNIQUE ... USING HASH key over columns an ordinary index can
# hold an ordinary unique key; the plan states such keys again in the table's last ALTER.

HASHED = ("CREATE TABLE p (id int PRIMARY KEY);\n"
          "CREATE TABLE t (id int PRIMARY KEY, pid int, a int, e int, note text{}, "
          "UNIQUE KEY ae (a, e) USING HASH, UNIQUE KEY n (note) USING HASH{}) ENGINE=InnoDB{};")


@pytest.mark.parametrize("a, b", [
    (HASHED.format("", "", ""), HASHED.format(", z int", "", "")),
    (HASHED.format("", "", ""), HASHED.format("", "", " COMMENT='changed'")),
    (HASHED.format("", "", ""), HASHED.format("", ", KEY pid (pid), FOREIGN KEY (pid) REFERENCES p (id)", "")),
    ("CREATE TABLE p (id int PRIMARY KEY);", HASHED.format("", ", FOREIGN KEY (pid) REFERENCES p (id)", "")),
], ids=["column added", "comment changed", "foreign key added", "table created with a foreign key"])
def test_hash_unique_keys_survive_alter_table(server, tmp_path, a, b):
    _, target = _both_ways_states(server, tmp_path, a, b)
    assert _index(target.table("t"), "ae").using == "HASH"


def _index(table: Table, name: str) -> Index:
    return next(i for i in table.indexes if i.name == name)


def _both_ways_states(server, tmp_path, sql_a: str, sql_b: str) -> tuple[Schema, Schema]:
    _converges(server, tmp_path / "ba", sql_b, sql_a)
    return _converges(server, tmp_path / "ab", sql_a, sql_b)


def test_an_alter_table_forgets_hash_on_the_server(server):
    """What the plan works around, read off the server: keep it true, or drop the work-around."""
    db = server.create_database()
    try:
        load_text(HASHED.format("", "", "") + "\nALTER TABLE t COMMENT 'x';", client=server.client_command(),
                  database=db)
        table = _read(server, db).table("t")
        assert _index(table, "ae").using is None  # short columns: forgotten
        assert _index(table, "n").using == "HASH"  # a whole TEXT column: a hash key by necessity
    finally:
        server.drop_database(db)


# ---------------------------------------------------------------------------------------
# 7. A routine's parameter list is kept as written, as the server keeps it

ROUTINES = ("CREATE TABLE t (id int PRIMARY KEY);\n"
            "DELIMITER ;;\n"
            "CREATE PROCEDURE p( IN  p_id INT(10)  UNSIGNED ,p_name Varchar(45) /* who */)\n"
            "SELECT p_id, p_name{};;\n"
            "CREATE FUNCTION f(x  INTEGER) RETURNS  VARCHAR(20)  CHARSET utf8mb4 DETERMINISTIC RETURN 'a';;\n"
            "DELIMITER ;\n")


def _show_create_routines(server, db: str) -> dict[str, str]:
    conn = server.connect(db)
    try:
        with conn.cursor() as cur:
            out = {}
            for kind, name in (("PROCEDURE", "p"), ("FUNCTION", "f")):
                cur.execute(f"SHOW CREATE {kind} `{name}`")
                out[name] = cur.fetchone()[2]
            return out
    finally:
        conn.close()


def test_parameter_lists_as_written_survive_a_revision(server, tmp_path):
    a_sql, b_sql = ROUTINES.format(""), ROUTINES.format(", 1")
    a, b = _converges(server, tmp_path, a_sql, b_sql)
    # as the client sent it (it drops the comment)
    assert next(r for r in b.routines if r.name == "p").param_list.startswith(
        " IN  p_id INT(10)  UNSIGNED ,p_name Varchar(45)")
    # the upgrade re-creates p: SHOW CREATE equals the target's, parameter list included
    want = server.create_database()
    got = server.create_database()
    try:
        load_text(b_sql, client=server.client_command(), database=want)
        load_text(a_sql, client=server.client_command(), database=got)
        rdir = RevisionDir(tmp_path / "again")
        generate(rdir, source=a, target=b, message="again", check=False)
        run_alembic(rdir, server.url(got), "upgrade", "head")
        assert _show_create_routines(server, got) == _show_create_routines(server, want)
    finally:
        server.drop_database(want)
        server.drop_database(got)
