"""The operations a plan is made of: what each renders, and that its reverse undoes it on a
real server (the schema and the rows come back as they were)."""

from __future__ import annotations

import dataclasses
import subprocess

import pytest

from schema_tools.diff.compare import diff
from schema_tools.migrate.ops import (
    AddCheck, AddColumn, AddForeignKey, AddIndex, CreateTable, DeleteRow, DropColumn, DropForeignKey, DropIndex,
    DropTable, IgnoreIndex, InsertRow, ModifyColumn, Op, RenameColumn, RenameIndex, RenameTable,
    TableOptions, UpdateRow,
)
from schema_tools.model.objects import (
    Check, Column, DataType, ForeignKey, Index, IndexColumn, Row, Table,
)
from schema_tools.sources.introspect import introspect

_INT = DataType.parse("int(11)")
_NAME = DataType.parse("varchar(20)")
PARENT = Table("par ent", (Column("id", _INT, nullable=False), Column("na`me", _NAME)),
               primary_key=Index("PRIMARY", (IndexColumn("id"),), kind="primary"),
               indexes=(Index("by name", (IndexColumn("na`me"),)),))
CHILD = Table("child", (Column("id", _INT, nullable=False), Column("parent", _INT)),
              primary_key=Index("PRIMARY", (IndexColumn("id"),), kind="primary"),
              indexes=(Index("parent", (IndexColumn("parent"),)),))
ROW = Row("id=1", "par ent", (("id", "1"),), (("id", "1"), ("na`me", "'one'")))
ROW_CHANGED = Row("id=1", "par ent", (("id", "1"),), (("id", "1"), ("na`me", "'uno'")))
NEW_ROW = Row("id=2", "par ent", (("id", "2"),), (("id", "2"), ("na`me", "'two'")))


def _clause(op: Op) -> bool:
    """Whether ``op`` is a clause of an ALTER TABLE of PARENT (rather than a statement)."""
    return not isinstance(op, (AddForeignKey, DropForeignKey, CreateTable, DropTable, RenameTable, InsertRow, DeleteRow,
                               UpdateRow))


REVERSIBLE = [
    AddColumn(Column("added", _NAME, default="'x'"), PARENT, "id"),
    RenameColumn("na`me", Column("renamed", _NAME), PARENT),
    AddIndex(Index("new KEY idx", (IndexColumn("id"), IndexColumn("na`me")), kind="unique")),
    DropIndex(PARENT.indexes[0]),
    IgnoreIndex(dataclasses.replace(PARENT.indexes[0], ignored=True)),
    RenameIndex("by name", "by; name"),
    AddCheck(Check("positive", "`id` > 0")),
    TableOptions(PARENT, dataclasses.replace(PARENT, comment="it's", options="STATS_PERSISTENT=1"),
                 ("comment", "options")),
    CreateTable(Table("new`table", (Column("a", _INT),))),
    RenameTable("par ent", "parent table"),
    AddForeignKey("child", ForeignKey("to parent", ("parent",), "par ent", ("id",))),
    DeleteRow("par ent", ROW),
    UpdateRow("par ent", ROW, ROW_CHANGED, ("na`me",)),
    InsertRow("par ent", NEW_ROW),
]


@pytest.mark.parametrize("op", REVERSIBLE, ids=lambda op: type(op).__name__)
def test_a_reverse_undoes_the_operation_on_the_server(op, server, scratch_db):
    from schema_tools.dialect.ddl import create_table

    conn = server.connect(scratch_db, autocommit=True)
    try:
        with conn.cursor() as cur:
            for t in (PARENT, CHILD):
                cur.execute(create_table(t))
            cur.execute("INSERT INTO `par ent` VALUES (1, 'one')")
            before = introspect(conn, scratch_db).schema
            undo = op.reverse()
            assert undo is not None
            for step in (op, undo):
                cur.execute(("ALTER TABLE `par ent` " if _clause(step) else "") + step.sql)
            cur.execute("SELECT `id`, `na``me` FROM `par ent` ORDER BY `id`")
            rows = cur.fetchall()
        after = introspect(conn, scratch_db).schema
    finally:
        conn.close()
    assert diff(before, after) == [], f"{op.sql} then {undo.sql}"
    assert rows == ((1, "one"),)


@pytest.mark.parametrize("op", [op for op in REVERSIBLE if not isinstance(op, (AddColumn, AddCheck, CreateTable,
                                                                                AddForeignKey))],
                         ids=lambda op: type(op).__name__)
def test_the_reverse_of_the_reverse_is_the_operation(op):
    undo = op.reverse()
    assert undo is not None and undo != op
    assert undo.reverse() == op


def test_an_operation_that_loses_what_it_drops_has_no_reverse_and_says_so():
    for op in (DropColumn("na`me"), DropTable("par ent"), ModifyColumn(Column("id", _INT), PARENT)):
        assert op.reverse() is None
    assert DropColumn("x").unsafe and DropTable("x").unsafe and DeleteRow("t", ROW).unsafe
    assert not AddIndex(PARENT.indexes[0]).unsafe
    assert AddColumn(Column("c", _INT), PARENT, None).reverse() == DropColumn("c")


def test_a_null_able_column_without_a_default_is_made_and_rendered_as_the_server_keeps_it(server, scratch_db):
    """``ALTER COLUMN ... DROP DEFAULT`` leaves a NULL-able column without a default (an INSERT
    that leaves it out fails in strict mode); a column definition alone cannot say so."""
    from schema_tools.diff.compare import reverse_changes
    from schema_tools.dialect.ddl import render_schema
    from schema_tools.migrate.apply import apply_steps
    from schema_tools.migrate.plan import plan

    conn = server.connect(scratch_db, autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE t (id int, a int, b varchar(5))")
            before = introspect(conn, scratch_db).schema
            cur.execute("ALTER TABLE t MODIFY a int FIRST, ALTER a DROP DEFAULT, ADD c text, ALTER c DROP DEFAULT, "
                        "RENAME COLUMN b TO `b b`")
            cur.execute("ALTER TABLE t MODIFY `b b` varchar(5) AFTER id, ALTER `b b` DROP DEFAULT")
            cur.execute("CREATE TABLE u (id int, x int)")
            cur.execute("ALTER TABLE u MODIFY x int AFTER id, ALTER x DROP DEFAULT")
            after = introspect(conn, scratch_db).schema
            assert [c.default for c in after.table("t").columns] == [None, "NULL", None, None]
            changes = diff(before, after)
            down = plan(reverse_changes(changes), after, before)
            apply_steps(conn, down)
            assert diff(introspect(conn, scratch_db).schema, before) == []
            apply_steps(conn, plan(changes, before, after))
            assert diff(introspect(conn, scratch_db).schema, after) == []
            for t in ("t", "u"):
                cur.execute(f"DROP TABLE {t}")
        subprocess.run(server.client_command(scratch_db), input=render_schema(after).encode(), check=True)
        assert diff(introspect(conn, scratch_db).schema, after) == []
    finally:
        conn.close()


def test_rendering_a_column_without_a_default_keeps_the_hash_keys(server, scratch_db):
    from schema_tools.dialect.ddl import render_schema

    conn = server.connect(scratch_db, autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE h (id int, x int, v varchar(10), UNIQUE KEY u (id) USING HASH, "
                        "UNIQUE KEY u2 (v) USING HASH) PAGE_CHECKSUM=1")
            cur.execute("ALTER TABLE h MODIFY x int AFTER id, ALTER x DROP DEFAULT, DROP INDEX u, "
                        "ADD UNIQUE KEY u (id) USING HASH, DROP INDEX u2, ADD UNIQUE KEY u2 (v) USING HASH")
            table = introspect(conn, scratch_db).schema
            assert [(i.name, i.using) for i in table.table("h").indexes] == [("u", "HASH"), ("u2", "HASH")]
            cur.execute("DROP TABLE h")
        subprocess.run(server.client_command(scratch_db), input=render_schema(table).encode(), check=True)
        assert diff(introspect(conn, scratch_db).schema, table) == []
    finally:
        conn.close()


def test_a_mysql_schema_has_no_column_without_a_default_to_make():
    from schema_tools.dialect.ddl import default_drops, lacks_default

    col = Column("x", _INT)  # as MySQL reports a NULL-able column: no default text either way
    table = Table("t", (Column("id", _INT, default="NULL"), col))
    assert lacks_default(col) and default_drops(table) is not None
    assert not lacks_default(col, "mysql") and default_drops(table, "mysql") is None
