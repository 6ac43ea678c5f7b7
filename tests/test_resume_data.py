"""Resuming a failed revision whose committed statements changed data: the schema cannot show
that they ran, so their recorded progress is kept and they are never run twice."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.dba.upgrade_statements import changes_data
from schema_tools.migrate.commands import generate
from schema_tools.migrate.revision import RevisionDir
from schema_tools.dialect.ddl import render_schema
from schema_tools.sources.loader import load_text

from .conftest import PROJECT_ROOT
from .test_verify import _snapshot

TABLES_SQL = """
CREATE TABLE `t1` (
  `id` int(11) NOT NULL,
  `v` varchar(20) NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
CREATE TABLE `t2` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `v` varchar(20) NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
"""
ADD_NOTE = "ALTER TABLE `t2` ADD COLUMN `note` varchar(20) DEFAULT NULL;"
COPY = "INSERT INTO `t2` (`v`) SELECT `v` FROM `t1`"


def _run(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def _rows(server, db, table: str) -> int:
    conn = server.connect(db)
    try:
        with conn.cursor() as cur:
            cur.execute(f"SELECT COUNT(*) FROM `{table}`")
            return cur.fetchone()[0]
    finally:
        conn.close()


def _around_the_statement(path, *, before=(), after=()) -> None:
    """Add ``run_sql`` calls before and after the revision's only statement."""
    text = path.read_text().splitlines()
    start = text.index("def upgrade() -> None:")
    end = text.index("def downgrade() -> None:")
    (at,) = [i for i in range(start, end) if text[i].startswith(("    run_sql", "    op."))]
    text[at + 1:at + 1] = [f"    run_sql({sql!r})" for sql in after]
    text[at:at] = [f"    run_sql({sql!r})" for sql in before]
    path.write_text("\n".join(text) + "\n")


@pytest.mark.parametrize("statement, data", [
    ("INSERT INTO `t2` SELECT * FROM `t1`", True),
    ("/* a comment */ replace into t values (1)", True),
    ("UPDATE t SET n = n + 1", True),
    ("DELETE FROM t", True),
    ("LOAD DATA INFILE 'x' INTO TABLE t", True),
    ("CALL p()", True),
    ("BEGIN NOT ATOMIC UPDATE t SET a = 1; END", True),
    ("TRUNCATE TABLE t", True),
    ("GRANT SELECT ON *.* TO u", True),
    ("CREATE USER u", True),
    ("ALTER TABLE `t` ADD COLUMN `x` int", False),
    ("CREATE OR REPLACE TABLE t (a int)", False),
    ("DROP TABLE IF EXISTS `t`", False),
    ("RENAME TABLE a TO b", False),
    ("CREATE DEFINER=`u`@`%` TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 1; END", False),
    ("CREATE ALGORITHM=MERGE SQL SECURITY INVOKER VIEW v AS SELECT 1", False),
    ("ALTER ONLINE TABLE t ADD INDEX (a)", False),
])
def test_only_ddl_on_the_databases_own_objects_leaves_the_data_alone(statement, data):
    assert changes_data(statement) is data


@pytest.fixture
def site(server, tmp_path, scratch_db):
    """A revision adding a column to t2, and a database holding the state before it with three
    rows in t1, stamped at base."""
    base = _snapshot(server, tmp_path, "base", TABLES_SQL)
    target = _snapshot(server, tmp_path, "target", TABLES_SQL + ADD_NOTE)
    rdir = RevisionDir(tmp_path / "revisions")
    rev = generate(rdir, source=base.schema, target=target.schema, message="t2 note, rows of t1",
                   server=server.url())
    load_text(render_schema(base.schema), client=server.client_command(), database=scratch_db)
    conn = server.connect(scratch_db)
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO `t1` VALUES (1, 'a'), (2, 'b'), (3, 'c')")
        conn.commit()
    finally:
        conn.close()
    url_dir = ["--url", server.url(scratch_db), "--dir", str(rdir.path)]
    code, out = _run("stamp", *url_dir, "--auto")
    assert code == 0 and "at base" in out, out
    return rev, url_dir


@pytest.mark.server
def test_a_committed_insert_select_is_not_run_again_after_the_fix(server, scratch_db, site):
    """Statement 1 copies rows, statement 2 fails: the fixed revision resumes after 1."""
    rev, url_dir = site
    _around_the_statement(rev.path, before=[COPY])
    assert "`t2` ADD" in rev.path.read_text()
    rev.path.write_text(rev.path.read_text().replace("`t2` ADD", "`NoSuchTable` ADD"))
    code, out = _run("upgrade", *url_dir, "--yes", "--allow-unreviewed")
    assert code == 1, out
    assert f"upgrade of revision {rev.rev_id} failed at statement 2: ERROR 1146" in out
    assert "statement(s) committed: 1;" in out
    assert _rows(server, scratch_db, "t2") == 3
    # the fix: the second statement names the right table; the schema is still the state
    # before the revision, since an INSERT changes none
    rev.path.write_text(rev.path.read_text().replace("`NoSuchTable` ADD", "`t2` ADD"))
    code, out = _run("upgrade", *url_dir, "--yes", "--allow-unreviewed")
    assert code == 0, out
    assert _rows(server, scratch_db, "t2") == 3, "the INSERT ... SELECT ran twice"
    assert "is discarded" not in out
    assert (f"progress recorded for {rev.rev_id} by an earlier run is kept: statement(s) 1 "
            f"changed data, which the schema cannot show" in out), out
    assert "resuming after 1 committed" in out
    assert "1 statement(s) run, 1 skipped (committed by an earlier run)" in out
    conn = server.connect(scratch_db)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM `schema_tools_progress`")
            assert cur.fetchone()[0] == 0, "a finished revision leaves no progress behind"
    finally:
        conn.close()


@pytest.mark.server
def test_data_committed_with_ddl_undone_by_hand_is_refused(server, scratch_db, site):
    """Statements 1 (DDL) and 2 (a copy) commit, 3 fails; the DBA drops the column by hand: the
    schema says the run was undone, but not whether the rows were, so nothing runs."""
    rev, url_dir = site
    _around_the_statement(rev.path, after=[COPY, "ALTER TABLE `NoSuchTable` ADD COLUMN `x` int"])
    code, out = _run("upgrade", *url_dir, "--yes", "--allow-unreviewed")
    assert code == 1 and "failed at statement 3: ERROR 1146" in out, out
    assert "statement(s) committed: 1-2;" in out
    conn = server.connect(scratch_db)
    with conn.cursor() as cur:
        cur.execute("ALTER TABLE `t2` DROP COLUMN `note`")
    conn.close()
    # the fix: the failing statement is dropped from the revision
    rev.path.write_text(rev.path.read_text().replace(
        "\n    run_sql('ALTER TABLE `NoSuchTable` ADD COLUMN `x` int')", ""))
    for args in (["--dry-run"], ["--yes"]):
        code, out = _run("upgrade", *url_dir, *args, "--allow-unreviewed")
        assert code == 2, out
        assert (f"error: an earlier run of {rev.rev_id} committed statement(s) 1-2, of which 2 "
                f"changed data, but the schema is at the state of base, without the schema changes "
                f"of statement(s) 1: whether the data changes stayed cannot be told; nothing was "
                f"changed" in out), out
        assert "stamp --auto" in out and "Traceback" not in out and out.count("\n") == 2, out
    assert _rows(server, scratch_db, "t2") == 3
    # the way out the hint gives: the DBA removes the copied rows, forgets the progress
    conn = server.connect(scratch_db)
    with conn.cursor() as cur:
        cur.execute("DELETE FROM `t2`")
    conn.commit()
    conn.close()
    assert _run("stamp", *url_dir, "--auto")[0] == 0
    code, out = _run("upgrade", *url_dir, "--yes", "--allow-unreviewed")
    assert code == 0 and "2 statement(s) run" in out and "skipped" not in out, out
    assert _rows(server, scratch_db, "t2") == 3


SLOW = "UPDATE `t1` SET `v` = `v` WHERE SLEEP(1) = 0"


@pytest.mark.server
@pytest.mark.parametrize("every", [False, True], ids=["its-connection", "every-connection"])
def test_a_statement_running_when_its_connection_dies_is_named_and_resumed(server, scratch_db, site, every):
    """The connection running statement 2 is killed (``every``: so is the one holding the
    lock and the progress, as when the server restarts): the error names the revision and the
    statement, says it may have committed, and leaves it recorded as running."""
    rev, url_dir = site
    _around_the_statement(rev.path, before=[COPY, SLOW])
    proc = subprocess.Popen([sys.executable, "-m", "schema_tools.cli.main", "upgrade", *url_dir, "--yes",
                             "--allow-unreviewed"], cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        victim = None
        while victim is None and time.monotonic() < deadline:
            conn = server.connect()
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT `ID` FROM information_schema.PROCESSLIST "
                                "WHERE `INFO` LIKE 'UPDATE `t1`%%' AND `DB` = %s", (scratch_db,))
                    row = cur.fetchone()
                    if row is not None:
                        victim = row[0]
                        if every:  # the progress connection first, so that it is gone in time
                            cur.execute("SELECT `ID` FROM information_schema.PROCESSLIST "
                                        "WHERE `DB` = %s AND `ID` <> %s", (scratch_db, victim))
                            for (other,) in cur.fetchall():
                                cur.execute(f"KILL CONNECTION {int(other)}")
                        cur.execute(f"KILL CONNECTION {int(victim)}")
            finally:
                conn.close()
            time.sleep(0.05)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert victim is not None, "statement 2 never ran"
    assert proc.returncode == 1, out
    assert "Traceback" not in out
    (line,) = [x for x in out.splitlines() if x.startswith("schema-tools: error:")]
    assert line.startswith(f"schema-tools: error: upgrade of revision {rev.rev_id} failed at statement 2: "
                           f"ERROR 20"), line  # 2013 lost during the query, 2006 gone
    assert ("the connection was lost while statement 2 ran, so whether it committed is unknown: it "
            "stays recorded as running, and the next run runs it again (it changes data: check "
            "whether it did first)" in line), line
    if every:
        assert "schema_tools_progress cannot be read or written (ERROR 20" in line
        assert "statement(s) committed: unknown;" in line
    else:
        assert "cannot be read" not in line and "statement(s) committed: 1;" in line
    conn = server.connect(scratch_db)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT `statement`, `status` FROM `schema_tools_progress` ORDER BY 1")
            assert cur.fetchall() == ((1, "done"), (2, "running"))
    finally:
        conn.close()
    # the next run skips the copy, runs the interrupted statement again, then the rest
    code, out = _run("upgrade", *url_dir, "--yes", "--allow-unreviewed")
    assert code == 0, out
    assert "progress recorded for" in out and "is kept" in out
    assert "statement 2 was interrupted by an earlier run: run again" in out
    assert "2 statement(s) run, 1 skipped (committed by an earlier run)" in out, out
    assert _rows(server, scratch_db, "t2") == 3
