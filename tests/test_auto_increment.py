"""AUTO_INCREMENT counters across a generated revision's upgrade and downgrade: rows the
upgrade inserts with explicit ids move the counter; the downgrade deletes them and sets the
counter the table had before the upgrade, so ``SHOW CREATE TABLE`` is as it was."""

from __future__ import annotations

import contextlib

import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.migrate.commands import generate
from schema_tools.migrate.revision import RevisionDir
from schema_tools.sources.introspect import AUTO_INCREMENT_TABLE
from schema_tools.sources.loader import load_text

from .test_verify import _snapshot

pytestmark = pytest.mark.server

LOOKUP = """
CREATE TABLE `ExperimentType` (
  `experimentTypeId` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `name` varchar(100) DEFAULT NULL,
  PRIMARY KEY (`experimentTypeId`)
) ENGINE=InnoDB AUTO_INCREMENT=100 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
INSERT INTO `ExperimentType` (`experimentTypeId`, `name`) VALUES (1, 'SAD'), (2, 'MAD');
"""
NEW_ROWS = "INSERT INTO `ExperimentType` (`experimentTypeId`, `name`) VALUES (150, 'Mesh'), (151, 'Tomo');\n"


def _run(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def _query(server, db, sql):
    with contextlib.closing(server.connect(db)) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def _show_create(server, db):
    return _query(server, db, "SHOW CREATE TABLE `ExperimentType`")[0][1]


@pytest.fixture
def lookup_revision(server, tmp_path):
    base = _snapshot(server, tmp_path, "base", LOOKUP)
    after = _snapshot(server, tmp_path, "after", LOOKUP + NEW_ROWS)
    rdir = RevisionDir(tmp_path / "revisions")
    rev = generate(rdir, source=base.schema, target=after.schema, message="two experiment types",
                   server=server.url())
    return rdir, rev


def test_a_downgrade_restores_the_counter_the_upgrade_moved(server, scratch_db, lookup_revision):
    rdir, rev = lookup_revision
    text = rev.path.read_text()
    assert f"REPLACE INTO `{AUTO_INCREMENT_TABLE}`" in text.partition("def downgrade()")[0]
    assert "AUTO_INCREMENT = " in text.partition("def downgrade()")[2]
    load_text(LOOKUP, client=server.client_command(), database=scratch_db)
    before = _show_create(server, scratch_db)
    assert "AUTO_INCREMENT=100 " in before
    url_dir = ["--url", server.url(scratch_db), "--dir", str(rdir.path)]
    assert _run("stamp", *url_dir, "--auto")[0] == 0
    code, out = _run("upgrade", *url_dir, "--yes", "--allow-unreviewed")
    assert code == 0, out
    assert "AUTO_INCREMENT=152 " in _show_create(server, scratch_db)
    code, out = _run("downgrade", *url_dir, "--to", "base", "--yes", "--allow-unreviewed")
    assert code == 0, out
    assert _show_create(server, scratch_db) == before
    assert _query(server, scratch_db, "SELECT `experimentTypeId` FROM `ExperimentType` ORDER BY 1") == ((1,), (2,))
    assert _query(server, scratch_db, f"SELECT COUNT(*) FROM `{AUTO_INCREMENT_TABLE}`") == ((0,),)
    # a second round trip: the counter is saved again, and restored again
    code, out = _run("upgrade", *url_dir, "--yes", "--allow-unreviewed")
    assert code == 0 and "AUTO_INCREMENT=152 " in _show_create(server, scratch_db), out
    code, out = _run("downgrade", *url_dir, "--to", "base", "--yes", "--allow-unreviewed")
    assert code == 0 and _show_create(server, scratch_db) == before, out


def test_the_sql_of_a_downgrade_restores_the_counter_offline(server, lookup_revision):
    """``downgrade --sql``: the statements load with the mariadb client as printed."""
    rdir, rev = lookup_revision
    code, out = _run("downgrade", "--url", server.url("nosuchdb"), "--dir", str(rdir.path),
                     "--to", f"{rev.rev_id}:base", "--sql")
    assert code == 0, out
    assert f"PREPARE `{AUTO_INCREMENT_TABLE}` FROM @{AUTO_INCREMENT_TABLE};" in out
    assert f"EXECUTE `{AUTO_INCREMENT_TABLE}`;" in out
    assert out.index("DELETE FROM `ExperimentType`") < out.index(f"EXECUTE `{AUTO_INCREMENT_TABLE}`")
