"""The order of a table's indexes and CHECK constraints, as SHOW CREATE TABLE lists it, is
part of the model: introspection records it, render writes it, the offline reader
reproduces it, diff reports it (``--ignore index-order`` hides it) and exact revisions
restore it, up and down (see schema_tools.model.order)."""

from __future__ import annotations

import pytest

from schema_tools.diff.compare import DiffOptions, diff
from schema_tools.diff.changes import Alter
from schema_tools.migrate.commands import generate, run_alembic
from schema_tools.migrate.revision import RevisionDir
from schema_tools.model import Snapshot
from schema_tools.model.objects import Check, Column, DataType, Index, IndexColumn, Table
from schema_tools.model.order import default_index_order, index_order, server_sorted, with_order
from schema_tools.offline.reader import OfflineReader
from schema_tools.dialect.ddl import create_table, render_schema
from schema_tools.migrate.plan import plan
from schema_tools.review.algorithms import change_ops
from schema_tools.sources.introspect import MULTI_STATEMENTS, introspect
from schema_tools.sources.loader import load_text

# indexes created out of name order, some moved by ALTERs, checks out of name order
ORDERED = """
CREATE TABLE p (id int NOT NULL PRIMARY KEY);
CREATE TABLE t (
  id int NOT NULL AUTO_INCREMENT, a int, b varchar(20) NOT NULL, c text, d int NOT NULL,
  PRIMARY KEY (id), KEY zeta (a), UNIQUE KEY ub (b), KEY alpha (d), FULLTEXT KEY ft (c),
  UNIQUE KEY ua (a), KEY mid (b(4)), CONSTRAINT fk_d FOREIGN KEY (d) REFERENCES p (id),
  CONSTRAINT z_positive CHECK (d > 0), CONSTRAINT a_small CHECK (d < 1000000)
) ENGINE=InnoDB;
ALTER TABLE t DROP INDEX zeta, ADD INDEX zeta (a, d);
ALTER TABLE t ADD INDEX beta (b, d), ADD UNIQUE KEY u0 (d);
ALTER TABLE t DROP CONSTRAINT a_small, ADD CONSTRAINT a_small CHECK (d < 999999);
"""


def _snap(server, db):
    conn = server.connect(db, client_flag=MULTI_STATEMENTS)
    try:
        return introspect(conn, db)
    finally:
        conn.close()


def _show_create(server, db, table="t"):
    conn = server.connect(db)
    try:
        with conn.cursor() as cur:
            cur.execute(f"SHOW CREATE TABLE `{table}`")
            return cur.fetchone()[1]
    finally:
        conn.close()


def _load(server, db, text):
    load_text(text, client=server.client_command(), database=db)


def _table(indexes, checks=(), **kw):
    cols = (Column("a", DataType("int")), Column("b", DataType("int"), nullable=False),
            Column("c", DataType("varchar", 20), nullable=False))
    return Table("t", cols, indexes=tuple(sorted(indexes, key=lambda i: i.name)),
                 checks=tuple(sorted(checks, key=lambda c: c.name)), **kw)


def test_sort_keys_port():
    ia = Index("ia", (IndexColumn("a"),), "unique")   # nullable part
    ib = Index("ib", (IndexColumn("b"),), "unique")
    ic = Index("ic", (IndexColumn("c", 4),), "unique")  # prefix
    hb = Index("hb", (IndexColumn("b"),), "unique", using="HASH")  # long unique HASH
    ft = Index("ft", (IndexColumn("c"),), "fulltext")
    k1, k2 = Index("k1", (IndexColumn("b"),)), Index("k2", (IndexColumn("a"),))
    table = _table([ia, ib, ic, hb, ft, k1, k2])
    assert server_sorted(table, ["ft", "k2", "hb", "ia", "ic", "k1", "ib"]) == \
        ("ib", "ic", "ia", "hb", "k2", "k1", "ft")
    # a key before the PRIMARY KEY of its statement takes the columns it made NOT NULL as nullable
    assert server_sorted(table, ["ib", "ic"], primary_at=2, made_not_null=frozenset({"b"})) == ("ic", "ib")
    assert default_index_order(table) == ("ib", "ic", "ia", "hb", "k1", "k2", "ft")


def test_the_default_order_is_not_recorded_and_keeps_the_fingerprint():
    k1, k2 = Index("k1", (IndexColumn("b"),)), Index("k2", (IndexColumn("a"),))
    table = _table([k1, k2], [Check("x", "`b` > 0"), Check("a", "`b` < 9")])
    assert with_order(table, ["k1", "k2"], ["a", "x"]) is table
    moved = with_order(table, ["k2", "k1"], ["x", "a"])
    assert moved.index_order == ("k2", "k1") and moved.check_order == ("x", "a")
    assert index_order(moved) == ("k2", "k1")
    text = create_table(moved)
    assert text.index("`k2`") < text.index("`k1`") and text.index("CONSTRAINT `x`") < text.index("CONSTRAINT `a`")
    assert Snapshot(_schema(table)).fingerprint != Snapshot(_schema(moved)).fingerprint
    assert '"index_order"' not in Snapshot(_schema(table)).to_json()


def _schema(*tables):
    from schema_tools.model.objects import Schema

    return Schema(tables=tables)


def test_diff_reports_the_order_and_ignores_it_on_request():
    k1, k2 = Index("k1", (IndexColumn("b"),)), Index("k2", (IndexColumn("a"),))
    a = _schema(_table([k1, k2]))
    b = _schema(with_order(_table([k1, k2]), ["k2", "k1"]))
    changes = diff(a, b)
    assert len(changes) == 1 and isinstance(changes[0], Alter) and changes[0].changed == ("index_order",)
    assert changes[0].before.index_order == ("k1", "k2") and changes[0].after.index_order == ("k2", "k1")
    assert diff(b, a) == [changes[0].reverse()]
    assert diff(a, b, DiffOptions(ignore=frozenset({"index-order"}))) == []
    # an index only one side has does not make an order difference
    k0 = Index("k0", (IndexColumn("c"),))
    assert diff(a, _schema(with_order(_table([k0, k1, k2]), ["k1", "k2", "k0"]))) != []
    assert all(c.kind == "index" for c in diff(a, _schema(_table([k0, k1, k2]))))
    # the plan restores the order in one statement, rated as indexes re-created
    steps = plan(changes, a, b)
    assert [s.sql for s in steps] == [
        "ALTER TABLE `t` DROP INDEX `k2`, DROP INDEX `k1`, ADD KEY `k2` (`a`), "
        "ADD KEY `k1` (`b`), FORCE"]
    assert ("reorder-indexes", "indexes re-created in another order") in change_ops(
        changes[0], a.tables[0], b.tables[0])


def test_round_trip_keeps_the_order(server, scratch_db):
    _load(server, scratch_db, ORDERED)
    original = _show_create(server, scratch_db)
    first = _snap(server, scratch_db)
    assert first.unsupported == []
    t = first.schema.table("t")
    assert t.index_order and t.check_order == ("z_positive", "a_small")
    other = server.create_database()
    try:
        _load(server, other, render_schema(first.schema))
        assert _show_create(server, other) == original
        second = _snap(server, other)
        assert Snapshot(second.schema).to_json() == Snapshot(first.schema).to_json()
    finally:
        server.drop_database(other)
    # the offline reader gives the same order
    reader = OfflineReader()
    reader.read_text(ORDERED)
    assert reader.result().schema.table("t") == t


def test_a_revision_restores_the_order_up_and_down(server, scratch_db, tmp_path):
    _load(server, scratch_db, ORDERED)
    source = _snap(server, scratch_db).schema
    before = _show_create(server, scratch_db)
    conn = server.connect(scratch_db)
    with conn.cursor() as cur:
        cur.execute("ALTER TABLE t DROP INDEX alpha, ADD INDEX alpha (d), "
                    "DROP CONSTRAINT z_positive, ADD CONSTRAINT z_positive CHECK (d > 0)")
    conn.close()
    target = _snap(server, scratch_db).schema
    after = _show_create(server, scratch_db)
    assert after != before
    changes = diff(source, target)
    assert [c.changed for c in changes] == [("check_order", "index_order")]
    assert diff(source, target, DiffOptions(ignore=frozenset({"index-order"}))) == []
    rdir = RevisionDir(tmp_path / "revisions")
    generate(rdir, source=source, target=target, message="order", server=server.url())
    db = server.create_database()
    try:
        _load(server, db, ORDERED)
        assert _show_create(server, db) == before
        run_alembic(rdir, server.url(db), "upgrade", "head")
        assert _show_create(server, db) == after
        run_alembic(rdir, server.url(db), "downgrade", "base")
        assert _show_create(server, db) == before
    finally:
        server.drop_database(db)


@pytest.mark.parametrize("statements", [
    "CREATE TABLE t (a int, b int NOT NULL, KEY k2 (a), KEY k1 (b), UNIQUE KEY u (a))",
    "CREATE TABLE t (a int, b int, UNIQUE KEY w (b), PRIMARY KEY (a), UNIQUE KEY u (a)); "
    "ALTER TABLE t ADD KEY k (b), ADD UNIQUE KEY a (b); ALTER TABLE t MODIFY b int NOT NULL",
])
def test_render_of_an_offline_table_loads_back_in_its_order(server, scratch_db, statements):
    reader = OfflineReader()
    reader.read_text(statements + ";")
    schema = reader.result().schema
    _load(server, scratch_db, render_schema(schema))
    assert _snap(server, scratch_db).schema.tables == schema.tables


def test_self_check_reports_an_order_no_create_table_gives(server, scratch_db):
    # the ALTER no longer shows USING HASH for uh, which keeps the place of a HASH key
    _load(server, scratch_db, "CREATE TABLE t (id int, a binary(4), UNIQUE KEY ua (a(1)), "
                              "UNIQUE KEY uh (id) USING HASH); ALTER TABLE t ADD COLUMN n1 int;")
    result = _snap(server, scratch_db)
    assert [(u.table, u.feature) for u in result.unsupported] == [("t", "index order")]
