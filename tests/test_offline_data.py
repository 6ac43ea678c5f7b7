"""Rows of tracked lookup tables read offline (schema_tools.offline.data) against the server.

The oracle is the server: each script runs on the session server and its rows are read
with ``read_data`` (QUOTE() of every value, ordered by key); the offline reader must give
the same rows, and must refuse what it cannot compute instead of guessing.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schema_tools.errors import SqlError
from schema_tools.offline.reader import OfflineReader, read_offline
from schema_tools.sources.introspect import introspect
from schema_tools.dialect.sqlscript import split_sql

from .test_offline_tables import Case as ServerCase

pytestmark = pytest.mark.server

TRACKED = ("t", "u", "p", "c", "t2")


class Case(ServerCase):
    """The server side of tests/test_offline_tables.py, with the default sql_mode per case
    and the rows committed."""

    def reset(self) -> None:
        super().reset()
        with self.conn.cursor() as cur:
            cur.execute("SET SESSION sql_mode = DEFAULT")

    def server_run(self, statements: list[str]) -> tuple[int | None, str | None]:
        failed = super().server_run(statements)
        if failed[0] is None:
            self.conn.commit()
        return failed

    def server_data(self):
        return introspect(self.conn, self.db, self_check=False, data_tables=TRACKED).schema.data

    @staticmethod
    def offline_run(statements: list[str]):
        reader = OfflineReader(data_tables=TRACKED)
        for i, sql in enumerate(statements):
            try:
                for st_ in split_sql(sql + ";"):
                    reader.apply(st_)
            except SqlError as exc:
                return i, exc.message, reader.result().schema.data
        return None, None, reader.result().schema.data

    def check(self, statements: list[str]) -> tuple:
        """Both sides agree: same failing statement (or offline refuses to compute one the
        server accepts, saying so) and, if nothing was refused, the same rows."""
        self.reset()
        s_fail, s_msg = self.server_run(statements)
        o_fail, o_msg, o_data = self.offline_run(statements)
        script = ";\n".join(statements)
        if o_fail is not None and (s_fail is None or o_fail < s_fail):
            assert "not computed offline" in o_msg or "not evaluated offline" in o_msg, (
                f"offline refused statement {o_fail} ({o_msg}), the server did not\n{script}")
            return o_fail, o_msg
        assert s_fail == o_fail, (
            f"server failed at {s_fail} ({s_msg}), offline at {o_fail} ({o_msg})\n{script}")
        if s_fail is None:
            s_data = self.server_data()
            assert o_data == s_data, f"different rows for:\n{script}\nserver:  {s_data}\noffline: {o_data}"
            return None, s_data
        return s_fail, s_msg


@pytest.fixture(scope="module")
def case(server):
    c = Case(server)
    yield c
    c.close()


# ---------------------------------------------------------------------------------------
# Column types

TYPES_TABLE = (
    "CREATE TABLE t (id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, "
    "ti tinyint(1) DEFAULT 1, si smallint NOT NULL DEFAULT -3, bi bigint unsigned, "
    "z int(5) unsigned zerofill, de decimal(8,3) DEFAULT 1.5, fl float, db double, "
    "fm float(7,2), dm double(9,3), vc varchar(12) CHARACTER SET latin1 DEFAULT 'x''y', "
    "ch char(5), u8 varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, tx text, "
    "en enum('alpha','Beta','gamma ') DEFAULT 'Beta', st set('r','w','x'), "
    "da date, dt datetime, dt3 datetime(3), tm time, ts timestamp NULL DEFAULT NULL, yr year, "
    "bn binary(4), vb varbinary(8), bl blob) AUTO_INCREMENT=7"
)

TYPE_SCRIPTS = {
    "numbers": [
        TYPES_TABLE,
        "INSERT INTO t (ti, si, bi, z, de, fl, db, fm, dm) VALUES "
        "(0, 5, 18446744073709551615, 42, 1.2345, 0.172, 0.1, 1.005, 2.5), "
        "(true, -32768, 0, 0, -0.0005, 1234567, 1e15, 123.456, 1e-5), "
        "(-1, 7, 3, 1, 99999.9994, 3.4e38, 12345678901234567890, 0.1, 0.0001), "
        "('8', '9', '10', '11', '12.5', '0.5', '-2.5e-5', '5', '6')",
        "INSERT INTO t (de, fl, db) VALUES (2.0005, 1e-5, 1.5e-10), (-7, 16777216, 123456.78901234567)",
    ],
    "strings": [
        TYPES_TABLE,
        "INSERT INTO t (vc, ch, u8, tx) VALUES ('it''s', 'ab  ', 'ünïcödé', 'back\\\\slash'), "
        "(\"dq\", 'a', 'Q\\'q', 'tab\\there\\nnew'), (1.50, 2, 3e2, -0), "
        "('', '', '', NULL), ('nul\\0z\\Z', 'x', 'x\\\\y', 'percent\\%under\\_'), "
        "('con' 'cat', _latin1'intro', N'national', x'414243')",
    ],
    "enum set": [
        TYPES_TABLE,
        "INSERT INTO t (en, st) VALUES ('ALPHA', 'w,r'), ('beta', ''), (3, 'x,w,r'), ('gamma', 'W')",
        "INSERT INTO t (en) VALUES ('delta')",
    ],
    "temporal": [
        TYPES_TABLE,
        "INSERT INTO t (da, dt, dt3, tm, ts, yr) VALUES ('2024-1-5', '2024-01-05 3:04:05', "
        "'2024-01-05 03:04:05.12', '12:00:01', '2000-02-29 23:59:59', 2024), "
        "('1999-12-31', '1999-12-31', '1999-12-31 23:59:59', '-838:59:59', NULL, '1999')",
        "INSERT INTO t (da) VALUES ('2023-02-29')",
    ],
    "binary": [
        TYPES_TABLE,
        "INSERT INTO t (bn, vb, bl) VALUES ('ab', x'00FF', 'blob'), (x'01020304', '', NULL), "
        "(b'1000001', 0x4142, x'')",
    ],
    "defaults and DEFAULT": [
        TYPES_TABLE,
        "INSERT INTO t () VALUES ()",
        "INSERT INTO t (id, ti, vc) VALUES (DEFAULT, DEFAULT, DEFAULT)",
        "INSERT INTO t SET si = 4, en = DEFAULT",
        "INSERT INTO t VALUES (NULL, 1, 2, 3, 4, 5, 6, 7, 8, 9, 'a', 'b', 'c', 'd', 'alpha', 'r', "
        "'2020-01-01', '2020-01-01 00:00:00', '2020-01-01 00:00:00.5', '01:02:03', NULL, 2020, "
        "'a', 'b', 'c')",
    ],
    "too long": [TYPES_TABLE, "INSERT INTO t (vc) VALUES ('0123456789abc')"],
    "out of range": [TYPES_TABLE, "INSERT INTO t (ti) VALUES (128)"],
    "unsigned": [TYPES_TABLE, "INSERT INTO t (bi) VALUES (-1)"],
    "not null": [TYPES_TABLE, "INSERT INTO t (si) VALUES (NULL)"],
    "latin1": [TYPES_TABLE, "INSERT INTO t (vc) VALUES ('€uro')", "INSERT INTO t (vc) VALUES ('ā')"],
    "zero date": [TYPES_TABLE, "INSERT INTO t (da) VALUES ('0000-00-00')"],
}


@pytest.mark.parametrize("name", sorted(TYPE_SCRIPTS))
def test_values_of_each_column_type_print_as_the_server_prints_them(case, name):
    case.check(TYPE_SCRIPTS[name])


# ---------------------------------------------------------------------------------------
# Statement forms

LOOKUP = ("CREATE TABLE u (id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, "
          "name varchar(20) NOT NULL, kind enum('mx','em') DEFAULT 'mx', active tinyint(1) DEFAULT 1, "
          "capacity int DEFAULT NULL, UNIQUE KEY u_name (name)) ENGINE=InnoDB DEFAULT CHARSET=latin1")
SEED = ("INSERT INTO u (id, name, kind, capacity) VALUES (3, 'Puck', 'mx', 16), "
        "(1, 'Plate', 'em', NULL), (2, 'Grid', 'em', 4)")

FORMS = {
    "insert auto_increment": [LOOKUP, SEED, "INSERT INTO u (name) VALUES ('a'), ('b')",
                              "INSERT INTO u (id, name) VALUES (10, 'c')",
                              "INSERT INTO u (id, name) VALUES (0, 'd'), (NULL, 'e')"],
    "auto_increment table option": [LOOKUP + " AUTO_INCREMENT=40", SEED,
                                    "INSERT INTO u (name) VALUES ('a')",
                                    "ALTER TABLE u AUTO_INCREMENT = 100",
                                    "INSERT INTO u (name) VALUES ('b')"],
    "no auto value on zero": [LOOKUP, "SET sql_mode = 'NO_AUTO_VALUE_ON_ZERO'",
                              "INSERT INTO u (id, name) VALUES (0, 'zero'), (5, 'five')",
                              "INSERT INTO u (name) VALUES ('next')"],
    "insert ignore": [LOOKUP, SEED, "INSERT IGNORE INTO u (id, name) VALUES (3, 'dup'), (4, 'PUCK'), "
                      "(20, 'x')", "INSERT IGNORE INTO u (name) VALUES ('grid'), ('new')",
                      "INSERT INTO u (name) VALUES ('after')"],
    # a row IGNORE skips leaves the counter where it was, whatever id it gave
    "insert ignore of a given id": [LOOKUP, SEED, "INSERT IGNORE INTO u (id, name) VALUES (50, 'Puck')",
                                    "INSERT INTO u (name) VALUES ('after')"],
    "generated values and duplicates": [
        LOOKUP, SEED, "INSERT IGNORE INTO u (name) VALUES ('Grid')",
        "INSERT INTO u (name, capacity) VALUES ('Grid', 1), ('new', 2) ON DUPLICATE KEY UPDATE capacity = 99",
        "REPLACE INTO u (name, capacity) VALUES ('Puck', 1), ('new2', 2)",
        "INSERT INTO u (name) VALUES ('after')"],
    "mixed auto_increment": [LOOKUP, SEED, "INSERT INTO u (id, name) VALUES (NULL, 'a'), (9, 'b')"],
    "duplicate key fails": [LOOKUP, SEED, "INSERT INTO u (name) VALUES ('puck ')"],
    "replace": [LOOKUP, SEED, "REPLACE INTO u (id, name, capacity) VALUES (2, 'Grid2', 9), (7, 'plate', 1)"],
    "on duplicate key update": [LOOKUP, SEED,
                                "INSERT INTO u (id, name, capacity) VALUES (3, 'Puck', 1), (9, 'New', 2) "
                                "ON DUPLICATE KEY UPDATE capacity = VALUES(capacity), kind = 'em'"],
    "insert set": [LOOKUP, SEED, "INSERT INTO u SET name = 'Set', capacity = 3, kind = 2"],
    "insert without columns": [LOOKUP, "INSERT INTO u VALUES (NULL, 'a', 'em', 0, 7), "
                                       "(8, 'b', DEFAULT, DEFAULT, NULL)"],
    "update": [LOOKUP, SEED,
               "UPDATE u SET capacity = 12, active = 0 WHERE name = 'PUCK'",
               "UPDATE u SET name = \"renamed\" WHERE id = 1",
               "UPDATE u SET capacity = id WHERE capacity IS NULL",
               "UPDATE u SET kind = 'mx' WHERE id IN (1, 2) AND NOT active = 0 OR capacity > 100",
               "UPDATE u SET name = CONCAT(name, '-x') WHERE name LIKE 'G%' OR id BETWEEN 3 AND 3",
               "UPDATE u SET name = TRIM(TRAILING 'x' FROM name), capacity = DEFAULT WHERE id <> 1"],
    "update trim": [LOOKUP, "INSERT INTO u (name) VALUES ('P21'), ('P1211'), ('xx ab xx'), ('  sp  ')",
                    "UPDATE u SET name = trim(trailing '1' FROM name) WHERE id in (1, 2)",
                    "UPDATE u SET name = TRIM(BOTH 'x' FROM name) WHERE id = 3",
                    "UPDATE u SET name = TRIM(name) WHERE id = 4"],
    "update key clash": [LOOKUP, SEED, "UPDATE u SET name = 'grid' WHERE id = 1"],
    "update numeric string": [LOOKUP, SEED, "UPDATE u SET capacity = '15' WHERE id = '2'"],
    "delete": [LOOKUP, SEED, "DELETE FROM u WHERE kind = 'em' AND capacity IS NOT NULL",
               "INSERT INTO u (name) VALUES ('again')", "DELETE FROM u WHERE id = 99"],
    "delete all and truncate": [LOOKUP, SEED, "DELETE FROM u", "INSERT INTO u (name) VALUES ('a')",
                                "TRUNCATE TABLE u", "INSERT INTO u (name) VALUES ('b')"],
    "ddl carries rows": [LOOKUP, SEED,
                         "ALTER TABLE u ADD COLUMN note varchar(10) NOT NULL DEFAULT 'n/a', "
                         "ADD COLUMN extra int NOT NULL, DROP COLUMN active",
                         "ALTER TABLE u CHANGE capacity cap varchar(5), MODIFY kind enum('mx','em','xx')",
                         "ALTER TABLE u MODIFY name varchar(30) CHARACTER SET utf8mb4",
                         "INSERT INTO u (name, cap, extra) VALUES ('after', '3', 1)",
                         "RENAME TABLE u TO p", "INSERT INTO p (name) VALUES ('renamed')",
                         "ALTER TABLE p RENAME TO c, ADD COLUMN k int DEFAULT 5"],
    "create or replace and drop": [LOOKUP, SEED, "CREATE OR REPLACE " + LOOKUP[len("CREATE "):],
                                   "INSERT INTO u (name) VALUES ('fresh')",
                                   "CREATE TABLE t2 LIKE u", "INSERT INTO t2 (name) VALUES ('x')",
                                   "DROP TABLE t2"],
    "foreign keys": ["CREATE TABLE p (id int PRIMARY KEY, name varchar(5))",
                     "CREATE TABLE c (id int PRIMARY KEY, pid int, FOREIGN KEY (pid) REFERENCES p (id))",
                     "INSERT INTO p VALUES (1, 'a'), (2, 'b')",
                     "INSERT INTO c VALUES (1, 1), (2, NULL)",
                     "DELETE FROM p WHERE id = 2",
                     "INSERT INTO c VALUES (3, 5)"],
    "no primary key": ["CREATE TABLE t2 (a varchar(5), b int)",
                       "INSERT INTO t2 VALUES ('b', 2), ('a', 3), ('B', 1), ('a', 1), (NULL, 0)"],
    "string key order": ["CREATE TABLE t2 (a varchar(5) PRIMARY KEY, b int)",
                         "INSERT INTO t2 VALUES ('b', 2), ('A', 3), ('_', 1), ('a ', 1), ('Z', 0), ('', 9)"],
    "strict off": ["SET sql_mode = ''", "CREATE TABLE t2 (a int NOT NULL, b varchar(3) NOT NULL, "
                   "e enum('x','y') NOT NULL, PRIMARY KEY (a))", "INSERT INTO t2 (a) VALUES (1)"],
    "untracked tables are ignored": ["CREATE TABLE other (a int)", "INSERT INTO other VALUES (1)",
                                     "UPDATE other SET a = 2", "DELETE FROM other",
                                     LOOKUP, "INSERT INTO u (name) SELECT 'x'"],
}


@pytest.mark.parametrize("name", sorted(FORMS))
def test_statement_forms_give_the_server_rows(case, name):
    case.check(FORMS[name])


def test_the_server_refusals_are_refused_offline(case):
    for name in ("too long", "out of range", "unsigned", "not null", "latin1", "temporal",
                 "enum set"):
        failed, _ = case.check(TYPE_SCRIPTS[name])
        assert failed == len(TYPE_SCRIPTS[name]) - 1, name
    for name in ("duplicate key fails", "update key clash"):
        failed, message = case.check(FORMS[name])
        assert failed == 2 and "Duplicate entry" in message, name
    failed, message = case.check(FORMS["foreign keys"])
    assert failed == 5 and "foreign key constraint fails" in message  # no parent row 5
    failed, message = case.check(FORMS["foreign keys"][:4] + ["DELETE FROM p WHERE id = 1"])
    assert failed == 4  # a referenced parent row: refused on both sides
    failed, message = case.check(FORMS["mixed auto_increment"])
    assert failed == 2 and "not computed offline" in message


# ---------------------------------------------------------------------------------------
# What is not computed stops the read (or makes it partial)

NOT_COMPUTED = [
    "UPDATE u SET name = UPPER(name) WHERE id = 1",
    "UPDATE u SET capacity = capacity + 1",
    "UPDATE u SET capacity = (SELECT 1) WHERE id = 1",
    "DELETE FROM u WHERE id IN (SELECT id FROM other)",
    "INSERT INTO u (name) VALUES (NOW())",
    "INSERT INTO u (name) SELECT name FROM other",
    "UPDATE u SET name = 'x' WHERE id = 1 LIMIT 1",
    "UPDATE u SET name = @v",
    "UPDATE u JOIN other ON other.a = u.id SET u.name = 'x'",
    "DELETE u FROM u JOIN other ON other.a = u.id",
    "INSERT INTO u (name) VALUES ('a'), ('b') ON DUPLICATE KEY UPDATE name = CONCAT(name, id + 1)",
]


@pytest.mark.parametrize("sql", NOT_COMPUTED)
def test_what_is_not_computed_stops_with_the_location(tmp_path, sql):
    path = tmp_path / "script.sql"
    path.write_text(f"CREATE TABLE other (a int);\n{LOOKUP};\n{SEED};\n{sql};\n")
    with pytest.raises(SqlError) as err:
        read_offline([path], data_tables=TRACKED)
    assert err.value.location == f"{path}:4"
    lenient = read_offline([path], data_tables=TRACKED, lenient=True)
    assert lenient.partial and lenient.skipped[0].location == f"{path}:4"
    # the rows stay as they were before the statement
    assert [r[1] for r in lenient.schema.data[0].rows] == ["'Plate'", "'Grid'", "'Puck'"]


def test_a_trigger_on_a_tracked_table_is_not_guessed(tmp_path):
    path = tmp_path / "trigger.sql"
    path.write_text(f"{LOOKUP};\nCREATE TRIGGER tr BEFORE INSERT ON u FOR EACH ROW SET NEW.capacity = 1;\n"
                    "INSERT INTO u (name) VALUES ('x');\n")
    with pytest.raises(SqlError, match="trigger"):
        read_offline([path], data_tables=TRACKED)


def test_untracked_dml_is_listed_as_ignored_and_tracked_dml_is_not(tmp_path):
    path = tmp_path / "mixed.sql"
    path.write_text(f"CREATE TABLE other (a int);\n{LOOKUP};\nINSERT INTO other VALUES (1);\n"
                    "INSERT INTO u (name) VALUES ('x');\n")
    result = read_offline([path], data_tables=TRACKED)
    assert [line.split(": ")[0] for line in result.ignored] == [f"{path}:3"]
    assert result.schema.data[0].rows == (("'1'", "'x'", "'mx'", "'1'", "NULL"),)
    # with no tracked tables, every DML statement is listed, and no rows are kept
    untracked = read_offline([path], data_tables=())
    assert len(untracked.ignored) == 2 and untracked.schema.data == ()


# ---------------------------------------------------------------------------------------
# Random statements against the server

WORDS = ["a", "A", "b", "ab", "b ", "it's", "x\\y", "", "Zed", "_"]
NUMS = ["0", "1", "-1", "2.5", "'7'", "NULL", "1e2", "127", "300"]


@st.composite
def _statement(draw) -> str:
    kind = draw(st.sampled_from(["insert", "insert", "ignore", "replace", "update", "delete"]))
    word = draw(st.sampled_from(WORDS)).replace("\\", "\\\\").replace("'", "''")
    num = draw(st.sampled_from(NUMS))
    key = draw(st.sampled_from(["NULL", "1", "2", "3", "0"]))
    if kind in ("insert", "ignore", "replace"):
        verb = {"insert": "INSERT", "ignore": "INSERT IGNORE", "replace": "REPLACE"}[kind]
        return f"{verb} INTO t2 (id, w, n, d) VALUES ({key}, '{word}', {num}, {num})"
    pred = draw(st.sampled_from([f"id = {key}", f"w = '{word}'", "n IS NULL", f"n > {num}",
                                 f"w LIKE '{word}%'", f"id IN ({key}, 2)", f"NOT d <=> {num}"]))
    if kind == "update":
        col, val = draw(st.sampled_from([("w", f"'{word}'"), ("n", num), ("d", num), ("id", key),
                                         ("w", "TRIM(LEADING 'a' FROM w)")]))
        return f"UPDATE t2 SET {col} = {val} WHERE {pred}"
    return f"DELETE FROM t2 WHERE {pred}"


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_statement(), min_size=1, max_size=8))
def test_random_statements_match_the_server(case, statements):
    create = ("CREATE TABLE t2 (id tinyint NOT NULL AUTO_INCREMENT PRIMARY KEY, "
              "w varchar(3) DEFAULT 'd', n tinyint unsigned, d decimal(4,1), UNIQUE KEY (w))")
    case.check([create] + statements)


# ---------------------------------------------------------------------------------------
# Writes to tracked rows through other tables

INDIRECT = {
    "a trigger on another table": [
        "CREATE TRIGGER tr AFTER INSERT ON other FOR EACH ROW UPDATE u SET capacity = 0",
        "INSERT INTO other VALUES (1)"],
    "a view": ["CREATE VIEW v AS SELECT id, name FROM u", "UPDATE v SET name = 'x'"],
    "a cascading foreign key": [
        "CREATE TABLE par (id int PRIMARY KEY)", "INSERT INTO par VALUES (16)",
        "ALTER TABLE u ADD FOREIGN KEY (capacity) REFERENCES par (id) ON DELETE SET NULL",
        "DELETE FROM par"],
    "a procedure": ["CREATE PROCEDURE p1() UPDATE u SET capacity = 1", "CALL p1()"],
    "a unique key over repeated values": ["ALTER TABLE u ADD UNIQUE KEY (kind)"],
}


@pytest.mark.parametrize("name", sorted(INDIRECT))
def test_writes_through_other_objects_are_not_guessed(tmp_path, name):
    statements = ["CREATE TABLE other (a int)", LOOKUP,
                  "INSERT INTO u (id, name, kind, capacity) VALUES (3, 'Puck', 'mx', NULL), "
                  "(1, 'Plate', 'em', 16), (2, 'Grid', 'em', 4)"] + INDIRECT[name]
    path = tmp_path / "indirect.sql"
    path.write_text("".join(s + ";\n" for s in statements))
    with pytest.raises(SqlError) as err:
        read_offline([path], data_tables=TRACKED)
    assert err.value.location == f"{path}:{len(statements)}"
    assert "not computed offline" in err.value.message or "Duplicate entry" in err.value.message
