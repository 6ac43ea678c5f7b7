"""What a DBA runs against a live database: identify, drift, stamp, and the hardened upgrade
(pre-flight drift check, advisory lock, durable progress, resume after a failure or a kill)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.migrate.commands import generate
from schema_tools.migrate.revision import RevisionDir
from schema_tools.dialect.ddl import render_schema
from schema_tools.sources.loader import load_text
from schema_tools.sources.resolve import snapshot_from_url
from schema_tools.migrate.seed import checksums, seed, surviving_columns

from .conftest import PROJECT_ROOT
from .test_verify import ADD_BEAMLINE, BASE_SQL, _insert_in_upgrade, _snapshot

SECOND = "ALTER TABLE `Proposal` ADD COLUMN `code` varchar(45) DEFAULT NULL;"

pytestmark = pytest.mark.server


def _run(*args, env=None):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False, env=env)
    return result.exit_code, result.output


@pytest.fixture
def chain(server, tmp_path):
    """A revision directory with two revisions over a small base, and the three states."""
    base = _snapshot(server, tmp_path, "base", BASE_SQL)
    one = _snapshot(server, tmp_path, "one", BASE_SQL + ADD_BEAMLINE)
    two = _snapshot(server, tmp_path, "two", BASE_SQL + ADD_BEAMLINE + SECOND)
    rdir = RevisionDir(tmp_path / "revisions")
    r1 = generate(rdir, source=base.schema, target=one.schema, message="BLSession beamline",
                  server=server.url())
    r2 = generate(rdir, target=two.schema, message="Proposal code", server=server.url())
    return rdir, (base, one, two), (r1, r2)


@pytest.fixture
def site_db(server, scratch_db, chain):
    """The base schema loaded into a database, with seeded rows."""
    _, (base, _, _), _ = chain
    load_text(render_schema(base.schema), client=server.client_command(), database=scratch_db)
    conn = server.connect(scratch_db)
    try:
        seed(conn, base.schema, rows=7)
    finally:
        conn.close()
    return scratch_db


def _fingerprint(server, db) -> str:
    return snapshot_from_url(server.url(db)).fingerprint


def _common(server, db, rdir):
    return ["--url", server.url(db), "--dir", str(rdir.path)]


def test_identify_stamp_drift_and_a_plain_upgrade(server, chain, site_db):
    rdir, (base, one, two), (r1, r2) = chain
    url_dir = _common(server, site_db, rdir)
    code, out = _run("identify", *url_dir)
    assert code == 0, out
    assert "schema: base (before " in out and "alembic_version: none" in out
    code, out = _run("drift", *url_dir)
    assert code == 2 and "not under revision control" in out
    code, out = _run("stamp", *url_dir, "--auto")
    assert code == 0 and "at base" in out
    code, out = _run("drift", *url_dir)
    assert code == 0 and "no drift" in out
    # the plan, then the run
    code, out = _run("upgrade", *url_dir, "--to", r1.rev_id, "--dry-run", "--allow-unreviewed")
    assert code == 0 and "dry run: nothing was changed" in out and r1.rev_id in out, out
    assert "BLSession (~" in out, "the plan shows the tables touched with their sizes"
    assert _fingerprint(server, site_db) == base.fingerprint
    code, out = _run("upgrade", *url_dir, "--yes", "--allow-unreviewed")
    assert code == 0, out
    assert _fingerprint(server, site_db) == two.fingerprint
    code, out = _run("identify", *url_dir)
    assert code == 0 and f"the state of revision {r2.rev_id}" in out
    # drift: a change by hand is reported, and upgrade refuses to go on from it
    conn = server.connect(site_db)
    with conn.cursor() as cur:
        cur.execute("ALTER TABLE `Proposal` ADD COLUMN `handmade` int")
    conn.close()
    code, out = _run("drift", *url_dir)
    assert code == 1 and "handmade" in out
    code, out = _run("identify", *url_dir)
    assert code == 1 and f"nearest: {r2.rev_id} (1 column)" in out
    code, out = _run("downgrade", *url_dir, "--to", r1.rev_id, "--yes", "--allow-unreviewed")
    assert code == 2 and "drifted" in out and "handmade" in out, "refused: nothing done"
    assert _run("stamp", *url_dir, "--auto")[0] == 2, "nothing to stamp when no state matches"
    # forced over the drift: the first revision's end check fails (the drift is still there),
    # so it is not recorded and the run stops
    code, out = _run("downgrade", *url_dir, "--to", "base", "--yes", "--allow-unreviewed", "--force")
    assert code == 1 and f"not the recorded state of {r1.rev_id}" in out, out
    assert f"alembic_version stays at {r2.rev_id}; the 1 revision(s) after it did not run" in out


def test_unapproved_revisions_are_refused(server, chain, site_db):
    rdir, _, _ = chain
    _run("stamp", *_common(server, site_db, rdir), "--auto")
    code, out = _run("upgrade", *_common(server, site_db, rdir), "--yes")
    assert code == 2 and "not approved" in out
    code, out = _run("upgrade", *_common(server, site_db, rdir), "--yes", "--allow-unreviewed")
    assert code == 0 and "WARNING" in out and "not approved" in out


def test_failed_revision_then_fix_then_resume_keeps_the_data(server, chain, site_db):
    rdir, (base, one, two), (r1, r2) = chain
    url_dir = _common(server, site_db, rdir)
    _run("stamp", *url_dir, "--auto")
    good = r1.path.read_text()
    _insert_in_upgrade(r1.path, ["run_sql('ALTER TABLE `NoSuchTable` ADD COLUMN `x` int')"],
                       after_first_statement=True)
    conn = server.connect(site_db)
    keep = surviving_columns(base.schema, two.schema)
    before = checksums(conn, base.schema, keep)
    conn.close()
    code, out = _run("upgrade", *url_dir, "--yes", "--allow-unreviewed")
    assert code == 1
    assert f"upgrade of revision {r1.rev_id} failed at statement 2: ERROR 1146" in out
    assert "statement(s) committed: 1;" in out
    # the fix: the statement is repaired; the committed first statement is not run again
    fixed = r1.path.read_text().replace("`NoSuchTable` ADD COLUMN `x` int", "`Proposal` ADD COLUMN `x` int")
    r1.path.write_text(fixed)
    code, out = _run("upgrade", *url_dir, "--to", r1.rev_id, "--yes", "--allow-unreviewed")
    # the fixed revision does more than recorded (column x): the final check says so
    assert "1 skipped (committed by an earlier run)" in out
    assert code == 1 and "not the recorded state" in out and "x" in out
    # restore the real revision: undo the stray column by hand, resume from the record
    conn = server.connect(site_db)
    with conn.cursor() as cur:
        cur.execute("ALTER TABLE `Proposal` DROP COLUMN `x`")
    conn.close()
    r1.path.write_text(good)
    code, out = _run("upgrade", *url_dir, "--yes", "--allow-unreviewed")
    assert code == 0, out
    assert _fingerprint(server, site_db) == two.fingerprint
    conn = server.connect(site_db)
    try:
        assert checksums(conn, two.schema, keep) == before, "seeded rows changed"
    finally:
        conn.close()


def _spawn_upgrade(url, rdir, *extra):
    env = dict(os.environ)
    return subprocess.Popen([sys.executable, "-m", "schema_tools.cli.main", "upgrade", "--url", url,
                             "--dir", str(rdir.path), "--yes", "--allow-unreviewed", *extra],
                            cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def _wait_for_progress(server, db, done: int, timeout: float = 30) -> None:
    """Until ``done`` statements of the running revision are recorded done."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = server.connect(db)
        try:
            with conn.cursor() as cur:
                try:
                    cur.execute("SELECT COUNT(*) FROM `schema_tools_progress` WHERE `status` = 'done'")
                    if cur.fetchone()[0] >= done:
                        return
                except Exception:
                    pass
        finally:
            conn.close()
        time.sleep(0.05)
    raise AssertionError("the upgrade never got that far")


def test_two_concurrent_upgrades_never_interleave(server, chain, site_db):
    rdir, (_, _, two), (r1, _) = chain
    _run("stamp", *_common(server, site_db, rdir), "--auto")
    _insert_in_upgrade(r1.path, ["run_sql('DO SLEEP(2)')"], after_first_statement=True)
    first = _spawn_upgrade(server.url(site_db), rdir)
    _wait_for_progress(server, site_db, 1)
    # a second run that does not wait stops cleanly, having changed nothing
    code, out = _run("upgrade", *_common(server, site_db, rdir), "--yes", "--allow-unreviewed")
    assert code == 2 and "another upgrade of this database is running" in out
    # one that waits finds nothing left to do
    second = _spawn_upgrade(server.url(site_db), rdir, "--lock-timeout", "60")
    out1, _ = first.communicate(timeout=60)
    out2, _ = second.communicate(timeout=60)
    assert first.returncode == 0, out1
    assert second.returncode == 0 and "nothing to do" in out2, out2
    assert _fingerprint(server, site_db) == two.fingerprint


def test_killed_mid_revision_resumes(server, chain, site_db):
    rdir, (_, _, two), (r1, _) = chain
    _run("stamp", *_common(server, site_db, rdir), "--auto")
    _insert_in_upgrade(r1.path, ["run_sql('DO SLEEP(5)')"], after_first_statement=True)
    proc = _spawn_upgrade(server.url(site_db), rdir)
    _wait_for_progress(server, site_db, 1)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    code, out = _run("identify", *_common(server, site_db, rdir))
    assert code == 1 and "matches no recorded state" in out, "the partial state is visible"
    code, out = _run("upgrade", *_common(server, site_db, rdir), "--yes", "--allow-unreviewed")
    assert code == 0, out
    assert f"part-way through {r1.rev_id}" in out and "1 skipped (committed by an earlier run)" in out
    assert _fingerprint(server, site_db) == two.fingerprint


def test_bad_credentials_and_unknown_revision_are_one_line_errors(server, chain, site_db):
    rdir, _, _ = chain
    _run("stamp", *_common(server, site_db, rdir), "--auto")
    secret = "n0t-the-passw0rd"
    bad = server.tcp_url(site_db).replace("root@", f"root:{secret}@")
    code, out = _run("upgrade", "--url", bad, "--dir", str(rdir.path), "--yes")
    assert code == 2 and secret not in out and out.count("\n") <= 3, out
    code, out = _run("upgrade", *_common(server, site_db, rdir), "--to", "nosuchrev", "--yes")
    assert code == 2 and "nosuchrev" in out and "Traceback" not in out
    code, out = _run("upgrade", "--url", "mariadb://root@127.0.0.1:1/x", "--dir", str(rdir.path), "--yes")
    assert code == 2 and "Traceback" not in out


@pytest.mark.corpus
def test_the_plan_of_the_shipped_revisions_shows_reviews_and_findings(server, corpus, scratch_db):
    rdir = RevisionDir(PROJECT_ROOT / "revisions")
    base = rdir.state(None)
    load_text(render_schema(base.schema), client=server.client_command(), database=scratch_db)
    url_dir = ["--url", server.url(scratch_db), "--dir", str(rdir.path)]
    code, out = _run("stamp", *url_dir, "--auto")
    assert code == 0 and "at base" in out, out
    script = rdir.script()
    (head,) = [h for h in rdir.heads()
               if rdir.root_state(list(script.iterate_revisions(h, "base"))[-1].revision).fingerprint
               == base.fingerprint]
    code, out = _run("upgrade", *url_dir, "--to", head, "--dry-run")
    assert code == 0, out
    assert "[NOT APPROVED]" not in out and "[approved]" in out
    assert "lint: DS102 error" in out and "accepted by" in out
    assert "dry run: nothing was changed" in out


def test_an_approved_revision_edited_by_one_character_is_refused(server, chain, site_db):
    rdir, _, (r1, r2) = chain
    url_dir = _common(server, site_db, rdir)
    for rev in (r1.rev_id, r2.rev_id):
        code, out = _run("review", "--dir", str(rdir.path), "--approve", rev, "--by", "A. Reviewer")
        assert code == 0, out
    assert _run("check", "--dir", str(rdir.path))[0] == 0
    _run("stamp", *url_dir, "--auto")
    code, out = _run("upgrade", *url_dir, "--dry-run")
    assert code == 0 and out.count("[approved]") == 2, out
    # one character: varchar(45) becomes varchar(46)
    text = r1.path.read_text()
    assert "varchar(45)" in text
    r1.path.write_text(text.replace("varchar(45)", "varchar(46)", 1))
    code, out = _run("check", "--dir", str(rdir.path))
    assert code == 1 and r1.rev_id in out
    code, out = _run("upgrade", *url_dir, "--yes")
    assert code == 2 and "not approved, or changed since" in out and r1.rev_id in out
    assert r2.rev_id not in out.split("changed since:")[1].split("\n")[0]


def test_progress_of_a_run_undone_by_hand_is_discarded(server, chain, site_db):
    """A failed run recorded statement 1 as committed; the DBA undid it by hand: the next run
    must run it again rather than trust the record."""
    rdir, (_, _, two), (r1, _) = chain
    url_dir = _common(server, site_db, rdir)
    _run("stamp", *url_dir, "--auto")
    good = r1.path.read_text()
    _insert_in_upgrade(r1.path, ["run_sql('ALTER TABLE `NoSuchTable` ADD COLUMN `x` int')"],
                       after_first_statement=True)
    code, out = _run("upgrade", *url_dir, "--yes", "--allow-unreviewed")
    assert code == 1 and "statement(s) committed: 1;" in out
    conn = server.connect(site_db)
    with conn.cursor() as cur:  # undo statement 1 (BLSession's column and index) by hand
        cur.execute("ALTER TABLE `BLSession` DROP INDEX `BLSession_idx_beamline`, DROP COLUMN `beamLineName`")
    conn.close()
    r1.path.write_text(good)
    code, out = _run("upgrade", *url_dir, "--yes", "--allow-unreviewed")
    assert code == 0, out
    assert "is discarded" in out and "skipped" not in out
    assert _fingerprint(server, site_db) == two.fingerprint


def test_a_dry_run_changes_nothing(server, chain, site_db):
    rdir, _, _ = chain
    url_dir = _common(server, site_db, rdir)
    _run("stamp", *url_dir, "--auto")
    code, out = _run("upgrade", *url_dir, "--dry-run", "--allow-unreviewed")
    assert code == 0
    conn = server.connect(site_db)
    with conn.cursor() as cur:
        cur.execute("SHOW TABLES LIKE 'schema_tools_progress'")
        assert cur.fetchall() == (), "a dry run must not create the progress table"
    conn.close()


def test_a_downgrade_plan_lints_the_downgrade(server, scratch_db, tmp_path):
    """The plan of a downgrade shows the findings of the change it makes (dropping a foreign
    key), not those of the upgrade (DD203, a new foreign key)."""
    add_fk = ("ALTER TABLE `BLSession` ADD CONSTRAINT `BLSession_fk_proposal2` "
              "FOREIGN KEY (`proposalId`) REFERENCES `Proposal` (`proposalId`);")
    base = _snapshot(server, tmp_path, "base", BASE_SQL)
    one = _snapshot(server, tmp_path, "one", BASE_SQL + add_fk)
    rdir = RevisionDir(tmp_path / "revisions")
    r1 = generate(rdir, source=base.schema, target=one.schema, message="second fk", server=server.url())
    load_text(render_schema(base.schema), client=server.client_command(), database=scratch_db)
    conn = server.connect(scratch_db)
    try:
        seed(conn, base.schema, rows=3)  # an empty table takes any new foreign key
    finally:
        conn.close()
    url_dir = _common(server, scratch_db, rdir)
    code, out = _run("upgrade", *url_dir, "--dry-run", "--allow-unreviewed")
    assert code == 0 and "DD203" in out and "none is without its parent now" in out, out
    code, out = _run("upgrade", *url_dir, "--yes", "--allow-unreviewed")
    assert code == 0, out
    code, out = _run("downgrade", *url_dir, "--to", "base", "--dry-run", "--allow-unreviewed")
    assert code == 0 and r1.rev_id in out, out
    assert "DD203" not in out and "new foreign key" not in out, out


def test_the_start_of_a_branch_is_named_by_its_line():
    """Alembic calls the start of every line ``base``; identify says which line starts
    there, so that the ESRF branch's start is not taken for the DLS line's."""
    from schema_tools.dba.identify import describe, identify

    rdir = RevisionDir(PROJECT_ROOT / "revisions")
    esrf_start = rdir.root_state("esrf_dls5_1").schema
    text = describe(identify(rdir, esrf_start, alembic=[]))
    assert "schema: base (the start of line esrf, before esrf_dls5_1)\n" in text, text
    dls_start = rdir.state(None).schema
    text = describe(identify(rdir, dls_start, alembic=[]))
    assert "schema: base (the start of line dls, before dls_20240109_adminvar_bump_versi)\n" in text, text
