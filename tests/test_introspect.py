"""Live introspection on a real server: fidelity, self-check, determinism, fixpoint."""

from __future__ import annotations

import dataclasses
import re

import pytest

from schema_tools.model import Snapshot
from schema_tools.dialect.ddl import create_table, render_schema
from schema_tools.sources.introspect import MULTI_STATEMENTS, introspect
from schema_tools.sources.loader import load_text
from schema_tools.sources.show_create import trigger_body

pytestmark = pytest.mark.server

FEATURES = r"""
CREATE TABLE p (id int unsigned PRIMARY KEY, code varchar(10) UNIQUE);
CREATE TABLE x (
 id int(10) unsigned zerofill NOT NULL AUTO_INCREMENT COMMENT 'pk''s \\ back',
 a varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT 'a\\b''c',
 b varchar(20) COLLATE latin1_bin NOT NULL DEFAULT '',
 c text COMPRESSED,
 c2 text,
 d varchar(20) AS (concat(a,'x')) VIRTUAL INVISIBLE,
 e int AS (m+1) STORED,
 f json,
 g timestamp NULL DEFAULT current_timestamp ON UPDATE current_timestamp,
 h decimal(10,2) DEFAULT 1.5 CHECK (h > 0),
 i enum('x','y''z') NOT NULL DEFAULT 'x',
 j bit(3) DEFAULT b'101',
 k float(7,3) unsigned,
 l datetime(6) DEFAULT current_timestamp(6),
 m int INVISIBLE DEFAULT 3,
 n varchar(20) DEFAULT current_user(),
 o varchar(20) CHARACTER SET utf8mb4,
 pid int unsigned,
 q double unsigned NOT NULL,
 PRIMARY KEY (id),
 UNIQUE KEY uk (a(5) DESC, b),
 KEY k2 (b) USING HASH COMMENT 'idx c',
 FULLTEXT KEY ft (c2),
 KEY kpid (pid),
 CONSTRAINT fk1 FOREIGN KEY (pid) REFERENCES p (id) ON DELETE SET NULL ON UPDATE NO ACTION,
 CONSTRAINT chk CHECK (e > 0 OR e IS NULL)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC COMMENT 'tbl' STATS_PERSISTENT=1 DEFAULT CHARSET=latin1;
CREATE TABLE y (a int, KEY (a)) PARTITION BY HASH(a) PARTITIONS 2;
CREATE TABLE r (id int PRIMARY KEY, pid int unsigned,
  CONSTRAINT r_fk FOREIGN KEY (pid) REFERENCES p (id) ON DELETE RESTRICT ON UPDATE RESTRICT)
  ENGINE=InnoDB;
CREATE VIEW v AS SELECT id, code FROM p WHERE p.id > 1 WITH CHECK OPTION;
CREATE SQL SECURITY INVOKER VIEW v2 AS SELECT * FROM v;
DELIMITER ;;
CREATE PROCEDURE pr(IN p_id int, OUT p_out varchar(20) CHARSET latin1)
  COMMENT 'say ''hi'''
  READS SQL DATA
BEGIN
  -- a comment kept verbatim
  SELECT REGEXP_REPLACE('ab', '(a)', '\\1') INTO p_out;
END;;
CREATE FUNCTION fn(p int) RETURNS varchar(255) CHARSET latin1 DETERMINISTIC
RETURN concat('v', p);;
CREATE TRIGGER trg BEFORE INSERT ON r FOR EACH ROW SET NEW.id = NEW.id + 1;;
CREATE EVENT ev ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE DO DELETE FROM r;;
DELIMITER ;
"""


def _snap(server, db):
    conn = server.connect(db, client_flag=MULTI_STATEMENTS)
    try:
        return introspect(conn, db)
    finally:
        conn.close()


def _load(server, db, text):
    load_text(text, client=server.client_command(), database=db)


@pytest.fixture
def features_db(server, scratch_db):
    _load(server, scratch_db, FEATURES)
    return scratch_db


def test_every_feature_is_in_the_model(server, features_db):
    result = _snap(server, features_db)
    assert result.unsupported == []
    x = result.schema.table("x")
    col = {c.name: c for c in x.columns}
    assert col["id"].type.zerofill and col["id"].type.unsigned and col["id"].type.length == 10
    assert col["id"].comment == "pk's \\ back"
    assert col["a"].default == "'a\\\\b''c'" and col["a"].collation == "utf8mb4_bin"
    assert col["c"].compressed
    assert col["d"].generated == "concat(`a`,'x')" and col["d"].invisible and not col["d"].generated_stored
    assert col["e"].generated_stored
    assert col["f"].check == "json_valid(`f`)"
    assert col["g"].on_update == "current_timestamp()" and col["g"].default == "current_timestamp()"
    assert col["h"].default == "1.50" and col["h"].check == "`h` > 0"
    assert col["i"].type.values == ("x", "y'z") and not col["i"].nullable
    assert col["l"].default == "current_timestamp(6)"
    assert col["n"].default == "current_user()" and col["n"].default_kind == "expression"
    assert col["q"].type.sql() == "double unsigned"
    assert [c.name for c in x.columns][:3] == ["id", "a", "b"]
    idx = {i.name: i for i in x.indexes}
    assert idx["uk"].columns[0].length == 5 and idx["uk"].columns[0].descending
    assert idx["uk"].kind == "unique" and idx["ft"].kind == "fulltext"
    assert idx["k2"].using == "HASH" and idx["k2"].comment == "idx c"
    fk = x.foreign_keys[0]
    assert (fk.on_delete, fk.on_update) == ("SET NULL", "NO ACTION")
    r_fk = result.schema.table("r").foreign_keys[0]
    assert (r_fk.on_delete, r_fk.on_update) == ("RESTRICT", "RESTRICT")
    assert x.checks[0].name == "chk"
    assert x.row_format == "DYNAMIC" and x.options == "STATS_PERSISTENT=1" and x.comment == "tbl"
    assert "PARTITION BY HASH" in result.schema.table("y").partitioning
    views = {v.name: v for v in result.schema.views}
    assert views["v"].check_option == "CASCADED" and views["v2"].security == "INVOKER"
    pr = next(r for r in result.schema.routines if r.name == "pr")
    # the body is kept as the server stores it: string escapes intact, and plain
    # comments removed by the mariadb client, as for any load through the client
    assert "'\\\\1'" in pr.body and "a comment kept verbatim" not in pr.body
    assert [p.mode for p in pr.parameters] == ["IN", "OUT"]
    assert pr.comment == "say 'hi'" and pr.data_access == "READS SQL DATA"
    fn = next(r for r in result.schema.routines if r.name == "fn")
    assert fn.deterministic and fn.returns.startswith("varchar(255) CHARSET latin1")
    assert result.schema.triggers[0].table == "r" and result.schema.events[0].name == "ev"


def test_regenerated_create_table_equals_show_create(server, features_db):
    schema = _snap(server, features_db).schema
    conn = server.connect(features_db)
    try:
        with conn.cursor() as cur:
            for table in schema.tables:
                cur.execute(f"SHOW CREATE TABLE `{table.name}`")
                actual = re.sub(r" AUTO_INCREMENT=\d+", "", cur.fetchone()[1])
                # the server orders keys by kind, then creation order; compare line sets
                assert sorted(create_table(table).split("\n")) == sorted(actual.split("\n"))
    finally:
        conn.close()


def test_self_check_reports_what_the_model_cannot_hold(server, scratch_db):
    _load(server, scratch_db,
          "CREATE TABLE ok (id int PRIMARY KEY);"
          "CREATE TABLE hist (id int PRIMARY KEY) WITH SYSTEM VERSIONING;"
          "CREATE SEQUENCE seq;")
    result = _snap(server, scratch_db)
    flagged = {u.table for u in result.unsupported}
    assert flagged == {"hist", "seq"}
    assert any("SYSTEM VERSIONED" in u.feature for u in result.unsupported)


def test_two_snapshots_are_byte_identical(server, features_db):
    first = Snapshot(_snap(server, features_db).schema).to_json()
    second = Snapshot(_snap(server, features_db).schema).to_json()
    assert first == second


def test_fixpoint_render_load_snapshot(server, features_db):
    first = Snapshot(_snap(server, features_db).schema)
    # the rendered DDL must not depend on the database it came from
    server.drop_database(features_db)
    other = server.create_database()
    try:
        _load(server, other, render_schema(first.schema))
        second = Snapshot(_snap(server, other).schema)
    finally:
        server.drop_database(other)
    assert second.to_json() == first.to_json()


def test_render_breaks_foreign_key_cycles(server, scratch_db):
    _load(server, scratch_db,
          "SET FOREIGN_KEY_CHECKS=0;"
          "CREATE TABLE a (id int PRIMARY KEY, bid int, FOREIGN KEY (bid) REFERENCES b (id));"
          "CREATE TABLE b (id int PRIMARY KEY, aid int, FOREIGN KEY (aid) REFERENCES a (id));")
    first = Snapshot(_snap(server, scratch_db).schema)
    text = render_schema(first.schema)
    assert "ADD CONSTRAINT" in text
    other = server.create_database()
    try:
        # the rendered script must load with foreign-key checks ON
        _load(server, other, text.replace("FOREIGN_KEY_CHECKS = 0", "FOREIGN_KEY_CHECKS = 1"))
        assert Snapshot(_snap(server, other).schema).to_json() == first.to_json()
    finally:
        server.drop_database(other)


ON_UPDATE = """
CREATE TABLE t (
 id int PRIMARY KEY,
 ts timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp() INVISIBLE,
 ts3 timestamp(3) NOT NULL DEFAULT current_timestamp(3) ON UPDATE current_timestamp(3) INVISIBLE,
 dt6 datetime(6) NULL DEFAULT NULL ON UPDATE current_timestamp(6) INVISIBLE COMMENT 'on update x, y',
 d0 datetime ON UPDATE now() COMMENT 'plain',
 v timestamp(3) NOT NULL DEFAULT current_timestamp(3) ON UPDATE current_timestamp(3)
);
"""


def test_on_update_followed_by_other_attributes(server, scratch_db):
    # information_schema's EXTRA reads "on update current_timestamp(3), INVISIBLE"
    _load(server, scratch_db, ON_UPDATE)
    result = _snap(server, scratch_db)
    assert result.unsupported == []
    col = {c.name: c for c in result.schema.table("t").columns}
    assert col["ts"].on_update == "current_timestamp()" and col["ts"].invisible
    assert col["ts"].default == "current_timestamp()" and not col["ts"].nullable
    assert col["ts3"].on_update == "current_timestamp(3)" and col["ts3"].invisible
    assert col["ts3"].default == "current_timestamp(3)"
    assert col["dt6"].on_update == "current_timestamp(6)" and col["dt6"].invisible
    assert col["dt6"].default == "NULL" and col["dt6"].comment == "on update x, y"
    assert col["d0"].on_update == "current_timestamp()" and not col["d0"].invisible
    assert col["v"].on_update == "current_timestamp(3)" and not col["v"].invisible


def test_on_update_model_loads_back_identically(server, scratch_db):
    _load(server, scratch_db, ON_UPDATE)
    first = Snapshot(_snap(server, scratch_db).schema)
    other = server.create_database()
    try:
        _load(server, other, render_schema(first.schema))
        assert Snapshot(_snap(server, other).schema).to_json() == first.to_json()
    finally:
        server.drop_database(other)


RENAMED_CHECKS = """
CREATE TABLE t (id int PRIMARY KEY, a int CHECK (a > 0), j longtext CHECK (json_valid(j)),
  c int, CONSTRAINT cc CHECK (c < 5));
ALTER TABLE t RENAME COLUMN a TO b;
ALTER TABLE t RENAME COLUMN j TO k;
ALTER TABLE t ADD COLUMN a int;
"""


def test_column_check_of_a_renamed_column(server, scratch_db):
    _load(server, scratch_db, RENAMED_CHECKS)
    conn = server.connect(scratch_db)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
                        "WHERE CONSTRAINT_SCHEMA = %s AND LEVEL = 'Column' ORDER BY 1", (scratch_db,))
            # the server keeps each column CHECK under the column's old name
            assert cur.fetchall() == (("a", "`b` > 0"), ("j", "json_valid(`k`)"))
    finally:
        conn.close()
    result = _snap(server, scratch_db)
    assert result.unsupported == []
    col = {c.name: c for c in result.schema.table("t").columns}
    assert col["b"].check == "`b` > 0"
    assert col["k"].check == "json_valid(`k`)"
    assert col["a"].check is None and col["c"].check is None
    assert [c.name for c in result.schema.table("t").checks] == ["cc"]


def test_offline_reader_agrees_or_declines_on_a_renamed_column_check(server, scratch_db,
                                                                     tmp_path):
    # the offline reader must give the table introspection gives, or say it cannot:
    # never a model where the CHECK quietly sits elsewhere
    from schema_tools.errors import SchemaToolsError
    from schema_tools.offline.reader import read_offline

    _load(server, scratch_db, RENAMED_CHECKS)
    live = _snap(server, scratch_db).schema.table("t")
    sql = tmp_path / "renamed.sql"
    sql.write_text(RENAMED_CHECKS)
    try:
        offline = read_offline([sql]).schema.table("t")
    except SchemaToolsError as exc:
        assert "CHECK" in str(exc)
    else:
        assert offline == live
    lenient = read_offline([sql], lenient=True)
    assert lenient.partial or lenient.schema.table("t") == live


def test_self_check_reports_a_misplaced_column_check(server, scratch_db):
    # a model whose column CHECK sits on the wrong column is reported, never kept quietly
    from dataclasses import replace

    from schema_tools.sources.show_create import self_check_tables

    _load(server, scratch_db, RENAMED_CHECKS)
    result = _snap(server, scratch_db)
    table = result.schema.table("t")
    moved = tuple(replace(c, check=None) if c.name == "b" else
                  replace(c, check="`b` > 0") if c.name == "a" else c for c in table.columns)
    schema = replace(result.schema, tables=(replace(table, columns=moved),))
    conn = server.connect(scratch_db)
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW CREATE TABLE t")
            creates = {"t": cur.fetchone()[1]}
    finally:
        conn.close()
    assert {u.feature for u in self_check_tables(schema, creates)} == {"column `a`", "column `b`"}


def test_read_many_reads_urls_concurrently_as_read_one_does(server, features_db, scratch_db,
                                                            tmp_path):
    from schema_tools.errors import SchemaToolsError
    from schema_tools.sources.resolve import read_many, read_one

    _load(server, scratch_db, ON_UPDATE)
    urls = [server.url(features_db), server.tcp_url(scratch_db)]
    many = read_many(urls)
    one = [read_one(u) for u in urls]
    assert [s.schema for s in many] == [s.schema for s in one]
    assert [s.metadata["source"] for s in many] == [s.metadata["source"] for s in one]
    assert all(s.metadata["unsupported"] == [] for s in many)
    assert many[0].schema.table("x") is not None and many[1].schema.table("t") is not None
    # a snapshot file among the URLs keeps its place
    snap_file = tmp_path / "a.json"
    snap_file.write_text(one[1].to_json())
    mixed = read_many([urls[0], str(snap_file), urls[1]])
    assert [s.schema for s in mixed] == [one[0].schema, one[1].schema, one[1].schema]
    # the first failing source, in the order given, is the error raised
    missing = [server.url("no_such_db_1"), server.url("no_such_db_2")]
    with pytest.raises(SchemaToolsError, match="no_such_db_1"):
        read_many([urls[0]] + missing)
    with pytest.raises(SchemaToolsError, match="no_such_db_2"):
        read_many([urls[0], missing[1], urls[1]])


def test_cli_diff_of_two_urls(server, scratch_db):
    from click.testing import CliRunner

    from schema_tools.cli.main import cli

    other = server.create_database()
    try:
        _load(server, scratch_db, "CREATE TABLE t (id int PRIMARY KEY, a int);")
        _load(server, other, "CREATE TABLE t (id int PRIMARY KEY, a int, b varchar(5));")
        a, b = server.url(scratch_db), server.tcp_url(other)
        result = CliRunner().invoke(cli, ["diff", a, b])
        assert result.exit_code == 1 and "t.b" in result.stdout
        result = CliRunner().invoke(cli, ["diff", a, server.tcp_url(scratch_db)])
        assert result.exit_code == 0 and "no differences" in result.stdout
        result = CliRunner().invoke(cli, ["diff", a, server.url("no_such_db_3")])
        assert result.exit_code == 2 and "no_such_db_3" in result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) <= 2
    finally:
        server.drop_database(other)


def test_a_partial_read_is_the_full_read_of_what_it_names(server, features_db):
    """What a partial read returns is exactly what a full read says of those objects."""
    full = _snap(server, features_db).schema
    conn = server.connect(features_db, client_flag=MULTI_STATEMENTS)
    try:
        part = introspect(conn, features_db, only_tables=["r", "p", "no_such_table"],
                          only_routines=["fn"]).schema
        bare = introspect(conn, features_db, only_tables=["x"], only_routines=[],
                          events=False, triggers=False).schema
    finally:
        conn.close()
    assert [t.name for t in part.tables] == ["p", "r"]
    assert part.tables == (full.table("p"), full.table("r"))
    assert part.views == full.views and len(part.views) == 2, "the views are always read"
    assert [r.name for r in part.routines] == ["fn"] and part.routines[0] in full.routines
    assert part.triggers == full.triggers, "r's trigger comes with r"
    assert part.events == full.events
    assert bare.tables == (full.table("x"),) and bare.views == full.views
    assert bare.routines == () and bare.triggers == () and bare.events == ()


def test_a_view_over_a_table_named_like_its_database_keeps_the_table(server, scratch_db):
    """SHOW CREATE VIEW qualifies names with the database; only that qualifier goes."""
    db = scratch_db
    _load(server, db, f"CREATE TABLE `{db}` (id int PRIMARY KEY); CREATE TABLE y (id int PRIMARY KEY);\n"
                      f"CREATE VIEW v AS SELECT `{db}`.id AS a, y.id AS b FROM `{db}` JOIN y ON `{db}`.id = y.id;\n")
    (view,) = _snap(server, db).schema.views
    assert f"`{db}`.`id` AS `a`" in view.definition and f"from (`{db}` join `y`" in view.definition
    elsewhere = server.connect(client_flag=MULTI_STATEMENTS)  # no default database: names qualified
    try:
        assert introspect(elsewhere, db).schema.views == (view,)
    finally:
        elsewhere.close()
    other = server.create_database()
    try:  # the body creates the same view elsewhere
        _load(server, other, f"CREATE TABLE `{db}` (id int PRIMARY KEY); CREATE TABLE y (id int PRIMARY KEY);\n"
                             f"CREATE VIEW v AS {view.definition};\n")
        assert _snap(server, other).schema.views[0].definition == view.definition
    finally:
        server.drop_database(other)


BACKSLASHES = r"""
CREATE TABLE r (id int PRIMARY KEY, s varchar(40));
DELIMITER ;;
CREATE TRIGGER `tr``g` BEFORE INSERT ON r FOR EACH ROW
  SET NEW.s = CONCAT('tr''g\\x', "a\"b", 'tab\tx');;
CREATE TRIGGER t2 BEFORE INSERT ON r FOR EACH ROW FOLLOWS `tr``g` SET NEW.s = 'for each row';;
CREATE EVENT ev ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE DO UPDATE r SET s = 'e\\v';;
DELIMITER ;
"""


def test_trigger_and_event_bodies_keep_their_backslashes(server, scratch_db, tmp_path):
    """information_schema rewrites the strings of trigger and event bodies ('g\\\\x' comes
    back as 'g\\x', another value); the bodies are read as written, the same offline."""
    from schema_tools.offline.reader import read_offline

    _load(server, scratch_db, BACKSLASHES)
    live = _snap(server, scratch_db).schema
    triggers = {t.name: t.statement for t in live.triggers}
    assert triggers == {"tr`g": "SET NEW.s = CONCAT('tr''g\\\\x', \"a\\\"b\", 'tab\\tx')",
                        "t2": "SET NEW.s = 'for each row'"}
    assert live.events[0].definition == "UPDATE r SET s = 'e\\\\v'"
    path = tmp_path / "b.sql"
    path.write_text(BACKSLASHES)
    offline = read_offline([path]).schema

    def anyone(objects):  # loaded by the client's account; offline, no DEFINER was written
        return [dataclasses.replace(o, definer=None) for o in objects]

    assert offline.triggers == tuple(anyone(live.triggers)) and offline.events == tuple(anyone(live.events))
    again = server.create_database()
    try:  # rendered back, the same bodies
        _load(server, again, render_schema(live))
        copy = _snap(server, again).schema
        assert copy.triggers == live.triggers and copy.events == live.events
    finally:
        server.drop_database(again)


@pytest.mark.parametrize("create, body", [
    ("CREATE DEFINER=`root`@`localhost` TRIGGER `t` BEFORE INSERT ON `T` FOR EACH ROW SET NEW.a = 1",
     "SET NEW.a = 1"),
    ("CREATE TRIGGER `for each row` AFTER UPDATE ON `T` for each row\n  -- why\nBEGIN END",
     "-- why\nBEGIN END"),
    ("CREATE TRIGGER t2 BEFORE INSERT ON T FOR EACH ROW FOLLOWS `t1` /* c */ SET NEW.a = 'FOR EACH ROW'",
     "/* c */ SET NEW.a = 'FOR EACH ROW'"),
    ("CREATE TRIGGER t BEFORE INSERT ON T FOR EACH ROW", None),
    ("CREATE TRIGGER t BEFORE INSERT ON T", None),
])
def test_trigger_body_is_the_text_after_for_each_row(create, body):
    assert trigger_body(create) == body
