"""Names from a schema are hostile: a name that reads like SQL, a comment or a keyword
must stay a name wherever the tool writes or reads it."""

from __future__ import annotations

import pytest

from schema_tools.online.progress import tracked
from schema_tools.model.objects import Index, IndexColumn
from schema_tools.online.statements import statement_hint
from schema_tools.migrate.ops import AddIndex
from schema_tools.migrate.revfile import read_revision_file


@pytest.mark.parametrize("kind, expected", [
    ("index", "ADD KEY `new KEY idx` (`a`)"),
    ("unique", "ADD UNIQUE INDEX `new KEY idx` (`a`)"),
    ("fulltext", "ADD FULLTEXT INDEX `new KEY idx` (`a`)"),
])
def test_an_added_index_keeps_a_name_that_holds_key(kind, expected):
    assert AddIndex(Index("new KEY idx", (IndexColumn("a"),), kind=kind)).sql == expected


def test_only_alembics_own_version_table_statements_go_unrecorded():
    assert not tracked("INSERT INTO alembic_version (version_num) VALUES ('a1')")
    assert not tracked("UPDATE alembic_version SET version_num='b' WHERE alembic_version.version_num = 'a'")
    assert not tracked("DELETE FROM alembic_version WHERE alembic_version.version_num = 'a'")
    assert not tracked("CREATE TABLE alembic_version (\n    version_num VARCHAR(32) NOT NULL\n)")
    # a table of the schema merely named like it is a change like any other
    assert tracked("ALTER TABLE `alembic_version_log` ADD COLUMN `n` int")
    assert tracked("INSERT INTO alembic_version_log VALUES (1)")
    assert tracked("ALTER TABLE t ADD COLUMN c int COMMENT 'was in alembic_version'")
    assert not tracked("DESCRIBE `db`.`alembic_version`"), "SQLAlchemy looks the table up: a read"


def test_an_online_hint_is_a_comment_not_a_string_or_a_name():
    assert statement_hint("ALTER TABLE t /* online: required */ ADD x int") == "required"
    assert statement_hint("ALTER TABLE t ADD x int COMMENT 'see /* online: required */'") is None
    assert statement_hint('ALTER TABLE t ADD x int COMMENT "/* online: forbidden */"') is None
    assert statement_hint("ALTER TABLE `a/* online: forbidden */` ADD x int") is None
    assert statement_hint("ALTER TABLE t COMMENT 'it''s' /* online: auto */") == "auto"
    assert statement_hint("ALTER TABLE t ADD x int -- /* online: forbidden */") is None
    assert statement_hint("ALTER TABLE t ADD x int DEFAULT 1--/* online: forbidden */") == "forbidden"


def test_review_reads_op_calls_with_their_names_quoted(tmp_path):
    path = tmp_path / "r1_x.py"
    path.write_text(
        "revision = 'r1'\ndown_revision = None\n\n"
        "def upgrade():\n    op.drop_table('pydb`.`t')\n    op.rename_table('a`b', 'c')\n\n"
        "def downgrade():\n    pass\n", encoding="utf-8")
    rev = read_revision_file(path)
    assert [c.sql for c in rev.statements()] == ["DROP TABLE `pydb``.``t`", "RENAME TABLE `a``b` TO `c`"]


def test_a_view_is_created_after_the_views_it_reads_whatever_its_strings_hold():
    from schema_tools.dialect.ddl import view_order
    from schema_tools.model.objects import Schema, View

    views = (View("a", "select 'x`y' AS `col`,`b`.`id` AS `id` from `b`"), View("b", "select 1 AS `id`"),
             View("c", "select `a`.`id` AS `id` from `a` where 'from `z`' <> ''"), View("z", "select 1 AS `x`"))
    order = [v.name for v in view_order(Schema(views=views))]
    assert order.index("b") < order.index("a") < order.index("c")
