"""Generated schemas and mutations, as SQL the server runs.

A schema A is a parent table ``p``, a table ``t`` drawn over the column-type, index,
foreign-key, check and table-option space of the offline differential tests, and some of:
a view (and a view over it), a procedure, a function, a trigger, with their characteristics.  B is A followed
by one to three mutations (ALTER TABLE actions, objects added, dropped or re-defined).
"""

from __future__ import annotations

from hypothesis import strategies as st

from tests.test_offline_tables import COMMENTS, PARENT, _q, alter_action, create_table

VIEW_STRINGS = ["'x`y'", "'from `z`'", "\"`\"", "'it''s `v1`'", "_latin1'`'"]
VIEW_OPTIONS = ["", "ALGORITHM=MERGE ", "ALGORITHM=TEMPTABLE ", "SQL SECURITY INVOKER ",
                "ALGORITHM=UNDEFINED SQL SECURITY DEFINER "]
CHECK_OPTIONS = ["", " WITH CHECK OPTION", " WITH CASCADED CHECK OPTION", " WITH LOCAL CHECK OPTION"]
ROUTINE_CHARACTERISTICS = ["", " DETERMINISTIC", " NOT DETERMINISTIC", " READS SQL DATA", " NO SQL",
                           " CONTAINS SQL", " SQL SECURITY INVOKER", " COMMENT 'it''s a \\\\ comment'",
                           " MODIFIES SQL DATA", " COMMENT 'ünï'"]
PARAMS = ["", "p_id int", "IN p_id int unsigned", "OUT p_n bigint", "INOUT p_s varchar(20)",
          "p_id int, p_name varchar(45) CHARSET latin1", "IN `we``ird` decimal(10,2)",
          " IN  p_id  INT(10)  UNSIGNED ,p_x Varchar(45) charset utf8mb4 ", "IN `p_id` int(11)",
          "p_a int /* the id */, OUT p_b text"]


DEFINERS = ["", "", "", "DEFINER=root@localhost ", "DEFINER=`root`@`localhost` ", "DEFINER=CURRENT_USER ",
            "DEFINER=`bob`@`%` ", "DEFINER='we''ird'@'10.0.0.%' "]

PARTITIONED = [
    "CREATE TABLE pt (id int NOT NULL, k int NOT NULL DEFAULT 0, PRIMARY KEY (id, k)) "
    "PARTITION BY HASH (id) PARTITIONS 3",
    "CREATE TABLE pt (id int NOT NULL, k date NOT NULL, PRIMARY KEY (id, k)) PARTITION BY RANGE (year(k)) "
    "(PARTITION p0 VALUES LESS THAN (2020), PARTITION p1 VALUES LESS THAN MAXVALUE)",
    "CREATE TABLE pt (id int NOT NULL, k int NOT NULL, PRIMARY KEY (id, k)) PARTITION BY LIST (k) "
    "(PARTITION a VALUES IN (1, 2) COMMENT 'first', PARTITION b VALUES IN (3))",
    "CREATE TABLE pt (id int NOT NULL, k varchar(10) NOT NULL, PRIMARY KEY (id, k)) PARTITION BY KEY (k) PARTITIONS 2",
]
PARTITION_CHANGES = ["ALTER TABLE pt REMOVE PARTITIONING", "ALTER TABLE pt PARTITION BY HASH (id) PARTITIONS 5",
                     "ALTER TABLE pt COALESCE PARTITION 1", "ALTER TABLE pt ADD PARTITION PARTITIONS 2",
                     "ALTER TABLE pt ADD COLUMN note varchar(20)", "DROP TABLE pt"]


@st.composite
def view(draw, name: str, columns: list[str]):
    opts = draw(st.sampled_from(DEFINERS)) + draw(st.sampled_from(VIEW_OPTIONS))
    cols = draw(st.lists(st.sampled_from(columns), min_size=1, max_size=3, unique=True)) if columns else []
    select = ("SELECT " + ", ".join(cols) + " FROM t") if cols else "SELECT id, code FROM p"
    where = draw(st.sampled_from(["", " WHERE 1 = 1", " WHERE id > 0"])) if not cols else ""
    check = draw(st.sampled_from(CHECK_OPTIONS)) if "TEMPTABLE" not in opts else ""
    head = draw(st.sampled_from(["CREATE", "CREATE OR REPLACE"]))
    return f"{head} {opts}VIEW {name} AS {select}{where}{check}"


@st.composite
def procedure(draw, name: str):
    params = draw(st.sampled_from(PARAMS))
    chars = draw(st.sampled_from(ROUTINE_CHARACTERISTICS))
    body = draw(st.sampled_from(["SELECT 1", "BEGIN\n  SELECT COUNT(*) FROM p;\nEND",
                                 "BEGIN\n  -- a comment\n  DECLARE x int DEFAULT 0;\n  SET x = x + 1;\nEND",
                                 "SELECT 'it''s', \"dq\""]))
    return f"CREATE {draw(st.sampled_from(DEFINERS))}PROCEDURE {name}({params}){chars}\n{body}"


@st.composite
def function(draw, name: str):
    params = draw(st.sampled_from(["", "a int", "a int, b varchar(10)", "x decimal(10,2) unsigned",
                                   "`a` int(11)", " A  INTEGER ,b  CHAR(3) "]))
    returns = draw(st.sampled_from(["int", "varchar(20) CHARSET utf8mb4", "bigint unsigned", "text",
                                    "INTEGER  UNSIGNED", "Varchar(20)  charset latin1"]))
    chars = draw(st.sampled_from(["", " DETERMINISTIC", " NO SQL", " READS SQL DATA DETERMINISTIC"]))
    body = draw(st.sampled_from(["RETURN 1", "RETURN NULL", "BEGIN\n  RETURN 2;\nEND"]))
    return f"CREATE FUNCTION {name}({params}) RETURNS {returns}{chars}\n{body}"


@st.composite
def trigger(draw, name: str):
    timing = draw(st.sampled_from(["BEFORE", "AFTER"]))
    event = draw(st.sampled_from(["INSERT", "UPDATE", "DELETE"]))
    body = draw(st.sampled_from(["SET @x = 1", "BEGIN\n  SET @n = IFNULL(@n, 0) + 1;\nEND",
                                 "SET @s = 'it''s'"]))
    return f"CREATE {draw(st.sampled_from(DEFINERS))}TRIGGER {name} {timing} {event} ON p FOR EACH ROW {body}"


# column types beyond the offline grammar: MariaDB's own types, geometry
EXTRA_TYPES = ["inet4", "inet6", "uuid", "inet6 NOT NULL DEFAULT '::1'", "uuid DEFAULT NULL",
               "point", "geometry NOT NULL", "linestring", "polygon", "multipoint",
               "geometrycollection", "json CHECK (json_valid(x9))", "varchar(20) COMPRESSED",
               "blob COMPRESSED", "bit(3) DEFAULT b'101'", "year DEFAULT 2024",
               "datetime(3) DEFAULT current_timestamp(3) ON UPDATE current_timestamp(3)",
               "timestamp(6) NULL DEFAULT NULL", "double(10,3) unsigned zerofill",
               "enum('a','b','c') CHARSET latin1 NOT NULL DEFAULT 'b'", "set('x','y') DEFAULT ''",
               "varchar(10) INVISIBLE DEFAULT 'hid'", "int AS (1 + 1) PERSISTENT"]


@st.composite
def event(draw, name: str):
    schedule = draw(st.sampled_from(["ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00'",
                                     "ON SCHEDULE AT '2035-06-01 12:00:00'",
                                     "ON SCHEDULE EVERY 2 HOUR STARTS '2030-01-01 00:00:00' "
                                     "ENDS '2031-01-01 00:00:00'"]))
    options = draw(st.sampled_from(["", " ON COMPLETION PRESERVE", " DISABLE", " COMMENT 'ev''t'",
                                    " ON COMPLETION NOT PRESERVE ENABLE"]))
    body = draw(st.sampled_from(["DELETE FROM p WHERE id < 0", "BEGIN\n  SET @e = 1;\nEND"]))
    return f"CREATE {draw(st.sampled_from(DEFINERS))}EVENT {name} {schedule}{options} DO {body}"


@st.composite
def schema_a(draw):
    """(statements of A, the columns of t)."""
    sql, _, cols = draw(create_table())
    statements = [PARENT, sql]
    names = [c for c, _ in cols]
    if draw(st.integers(0, 2)) == 0:
        statements.append(draw(view("v1", [c for c in names if not c.startswith("`")])))
        if draw(st.integers(0, 2)) == 0:  # a view over it, named to sort first; a string holds a backquote
            statements.append(f"CREATE VIEW v0 AS SELECT {draw(st.sampled_from(VIEW_STRINGS))} AS q, v1.* FROM v1")
    if draw(st.integers(0, 2)) == 0:
        statements.append(draw(procedure("pr1")))
    if draw(st.integers(0, 3)) == 0:
        statements.append(draw(function("fn1")))
    if draw(st.integers(0, 3)) == 0:
        statements.append(draw(trigger("tr1")))
    if draw(st.integers(0, 5)) == 0:
        statements.append(draw(event("ev1")))
    if draw(st.integers(0, 5)) == 0:
        statements.append(draw(st.sampled_from(PARTITIONED)))
    if draw(st.integers(0, 3)) == 0:
        statements.append(f"ALTER TABLE t ADD COLUMN x9 {draw(st.sampled_from(EXTRA_TYPES))}")
    if draw(st.integers(0, 4)) == 0:  # a NULL-able column without a default
        statements.append(f"ALTER TABLE t ADD COLUMN x7 {draw(st.sampled_from(['int', 'text', 'varchar(5)']))}"
                          f"{draw(st.sampled_from(['', ' FIRST']))}, ALTER COLUMN x7 DROP DEFAULT")
    return statements, cols


@st.composite
def mutation(draw, cols):
    kind = draw(st.sampled_from(["alter", "alter", "alter", "alter", "view", "procedure", "function",
                                 "trigger", "drop", "comment", "event", "column", "partition"]))
    if kind == "event":
        return ["DROP EVENT IF EXISTS ev1", draw(event("ev1"))]
    if kind == "partition":
        return [draw(st.sampled_from(PARTITION_CHANGES))]
    if kind == "column":
        return [f"ALTER TABLE t ADD COLUMN x8 {draw(st.sampled_from(EXTRA_TYPES)).replace('x9', 'x8')}"
                + draw(st.sampled_from(["", " FIRST", " AFTER x9"]))]
    if kind == "alter":
        actions = draw(st.lists(alter_action(cols), min_size=1, max_size=2))
        return ["ALTER TABLE t " + ", ".join(actions)]
    if kind == "view":
        return [draw(view("v2", [c for c, _ in cols if not c.startswith("`")]))]
    if kind == "procedure":
        return ["DROP PROCEDURE IF EXISTS pr1", draw(procedure("pr1"))]
    if kind == "function":
        return [draw(function("fn2"))]
    if kind == "trigger":
        return ["DROP TRIGGER IF EXISTS tr1", draw(trigger("tr1"))]
    if kind == "comment":
        return [f"ALTER TABLE p COMMENT = {_q(draw(st.sampled_from(COMMENTS)))}"]
    return [draw(st.sampled_from(["DROP VIEW IF EXISTS v1", "DROP PROCEDURE IF EXISTS pr1",
                                  "DROP TABLE t", "DROP TRIGGER IF EXISTS tr1"]))]


@st.composite
def pair(draw):
    """(statements of A, statements of B): B is A and its mutations."""
    a, cols = draw(schema_a())
    more = []
    for _ in range(draw(st.integers(1, 3))):
        more += draw(mutation(cols))
    return a, a + more
