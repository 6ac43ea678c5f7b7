"""An online upgrade interrupted every way it can be, on a real server with a writer going:
the upgrade killed (``SIGKILL``) during the copy, pt-online-schema-change killed during the
copy, the upgrade killed after pt-osc swapped the tables, pt-osc still running when the
next upgrade starts, the server gone.  Each time, no pt-osc outlives the upgrade (or it
holds the lock while it runs, and is named), the next plain ``upgrade`` finishes without
``--force``, the tables end exactly as after an uninterrupted upgrade (``SHOW CREATE
TABLE``, foreign key names included), and no row the writer committed is lost.  And a
revision whose end state is not its recorded one never moves ``alembic_version``.

Tables are sized for CI: 200,000 rows, copied by pt-osc in chunks of ~10 ms (a few seconds).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from schema_tools.online import child
from schema_tools.servers.local import LocalServer, find_server_binaries

from .conftest import PROJECT_ROOT, _missing
from .test_dba import _common, _run, chain, site_db  # noqa: F401 - fixtures, used as arguments
from .test_online import Writer, build_database, make_revision, upgrade
from .test_verify import _insert_in_upgrade

pytestmark = [pytest.mark.server, pytest.mark.online]

ROWS = 200_000
ONLINE = ("--online", "--online-threshold", "1000", "--chunk-time", "0.01", "--chunk-size", "500",
          "--progress", "time,1")


@pytest.fixture(scope="module")
def srv():
    if shutil.which("pt-online-schema-change") is None:
        _missing("pt-online-schema-change not found (apt-get install percona-toolkit)")
    with LocalServer(innodb_autoinc_lock_mode=2) as server:
        yield server


@pytest.fixture(scope="module")
def reference(srv, tmp_path_factory):
    """(revision directory, SHOW CREATE TABLE of every table after an uninterrupted upgrade)."""
    db = build_database(srv, rows=1000)
    rdir = make_revision(srv, tmp_path_factory.mktemp("revs"), db)
    code, out = upgrade(srv.url(db), rdir)
    assert code == 0, out
    shown = show_create(srv, db)
    srv.drop_database(db)
    return rdir, shown


@pytest.fixture
def site(srv):
    """A database of ROWS rows and a writer inserting and updating from the start."""
    db = build_database(srv, rows=ROWS)
    writer = Writer(lambda: srv.connect(db), ROWS)
    writer.start()
    time.sleep(0.3)
    yield db, writer
    writer.stop()
    with contextlib.suppress(Exception):
        srv.drop_database(db)


def show_create(server, db) -> dict[str, str]:
    with contextlib.closing(server.connect(db)) as conn, conn.cursor() as cur:
        cur.execute("SHOW FULL TABLES WHERE Table_type = 'BASE TABLE'")
        tables = sorted(r[0] for r in cur.fetchall() if r[0] not in ("alembic_version", "schema_tools_progress"))
        out = {}
        for t in tables:
            cur.execute(f"SHOW CREATE TABLE `{t}`")
            out[t] = re.sub(r" AUTO_INCREMENT=\d+", "", cur.fetchone()[1])
        return out


def spawn(url, rdir, *extra) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "schema_tools.cli.main", "upgrade", "--url", url,
                             "--dir", str(rdir.path), "--yes", "--allow-unreviewed", *ONLINE, *extra],
                            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def online_step(server, db) -> dict | None:
    with contextlib.closing(server.connect(db)) as conn, conn.cursor() as cur:
        try:
            cur.execute("SELECT `online` FROM `schema_tools_progress` WHERE `online` IS NOT NULL")
        except Exception:
            return None
        row = cur.fetchone()
        return json.loads(row[0]) if row else None


def wait_for_phase(server, db, phase: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        step = online_step(server, db)
        if step and step.get("phase") == phase and step.get("pid"):
            return step
        time.sleep(0.02)
    raise AssertionError(f"the online step never reached {phase!r}: {online_step(server, db)}")


def ptosc_processes(db: str) -> list[int]:
    """pt-online-schema-change processes working on ``db`` (zombies do not count)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "pt-online-schema-change" in cmdline and f"D={db}," in cmdline \
                and child.start_time(int(entry.name)) is not None:
            out.append(int(entry.name))
    return out


def check_end_state(server, db, writer, shown):
    """The same tables as the uninterrupted upgrade, nothing left behind, no write lost."""
    time.sleep(0.3)
    writer.stop()
    assert writer.operations > 50
    assert show_create(server, db) == shown
    with contextlib.closing(server.connect(db)) as conn, conn.cursor() as cur:
        assert writer.lost(conn) == []
        cur.execute("SELECT COUNT(*) FROM DataCollection WHERE dataCollectionId <= %s", (ROWS,))
        assert cur.fetchone()[0] == ROWS
        cur.execute("SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s", (db,))
        assert cur.fetchall() == ()
        cur.execute("SELECT COUNT(*) FROM schema_tools_progress")
        assert cur.fetchone()[0] == 0
        cur.execute("SELECT version_num FROM alembic_version")
        assert len(cur.fetchall()) == 1


def error_line(out: str) -> str:
    lines = [x for x in out.splitlines() if x.startswith("schema-tools:")]
    assert len(lines) == 1, out
    assert "internal error" not in out and "Traceback" not in out, out
    return lines[0]


# ---------------------------------------------------------------------------------------


def test_upgrade_killed_during_the_copy(srv, reference, site):
    rdir, shown = reference
    db, writer = site
    proc = spawn(srv.url(db), rdir)
    step = wait_for_phase(srv, db, "copying")
    time.sleep(0.3)  # well inside the copy (~3 s here)
    proc.kill()
    proc.wait(10)
    # pt-osc got SIGTERM from the kernel when the upgrade died: it stops at once
    assert child.wait_gone(step["pid"], 10), f"pt-osc {step['pid']} outlived the upgrade"
    assert ptosc_processes(db) == []
    # what pt-osc left is not drift, but anything else still is
    with contextlib.closing(srv.connect(db)) as conn, conn.cursor() as cur:
        cur.execute("SHOW TABLES LIKE '\\_DataCollection\\_new'")
        assert cur.fetchall() != ()
        cur.execute("ALTER TABLE DataCollectionGroup ADD COLUMN handmade int")
    code, out = upgrade(srv.url(db), rdir, *ONLINE)
    assert code == 2 and "1 difference(s)" in out and "handmade" in out, out
    assert "_DataCollection_new" not in out.split("schema-tools: error:")[1]
    # a state the interrupted change never passes through is refused, naming what is there
    with contextlib.closing(srv.connect(db)) as conn, conn.cursor() as cur:
        cur.execute("ALTER TABLE DataCollectionGroup DROP COLUMN handmade")
        cur.execute("CREATE TABLE _DataCollection_old (id int PRIMARY KEY)")
    code, out = upgrade(srv.url(db), rdir, *ONLINE)
    assert code == 2, out
    assert "DataCollection is unchanged, yet _DataCollection_old is there" in error_line(out)
    with contextlib.closing(srv.connect(db)) as conn, conn.cursor() as cur:
        cur.execute("DROP TABLE _DataCollection_old")
    code, out = upgrade(srv.url(db), rdir, *ONLINE)
    assert code == 0, out
    assert "statement 1 of" in out and "interrupted (recorded phase: copying)" in out
    assert "dropped the table _DataCollection_new left by the interrupted online change" in out
    assert "runs again" in out and "--force" not in out
    check_end_state(srv, db, writer, shown)


def test_upgrade_killed_late_in_the_copy(srv, reference, site):
    """Killed once pt-osc has copied most of the rows: the same resume."""
    rdir, shown = reference
    db, writer = site
    proc = spawn(srv.url(db), rdir)
    step = wait_for_phase(srv, db, "copying")
    deadline = time.monotonic() + 30
    copied = 0
    with contextlib.closing(srv.connect(db)) as conn, conn.cursor() as cur:
        while time.monotonic() < deadline and copied < ROWS * 0.7:
            conn.commit()  # a fresh snapshot each time
            try:
                cur.execute("SELECT COUNT(*) FROM _DataCollection_new")
                copied = cur.fetchone()[0]
            except Exception:  # noqa: BLE001 - the table appears once the copy starts
                copied = 0
            time.sleep(0.02)
    assert copied >= ROWS * 0.7, f"the copy never got far: {copied} rows"
    assert online_step(srv, db)["phase"] == "copying"
    proc.kill()
    proc.wait(10)
    assert child.wait_gone(step["pid"], 10), f"pt-osc {step['pid']} outlived the upgrade"
    assert ptosc_processes(db) == []
    code, out = upgrade(srv.url(db), rdir, *ONLINE)
    assert code == 0, out
    assert "interrupted (recorded phase: copying)" in out and "--force" not in out, out
    check_end_state(srv, db, writer, shown)


def test_ptosc_killed_during_the_copy(srv, reference, site):
    rdir, shown = reference
    db, writer = site
    proc = spawn(srv.url(db), rdir)
    step = wait_for_phase(srv, db, "copying")
    time.sleep(0.3)  # well inside the copy (~3 s here)
    os.kill(step["pid"], signal.SIGKILL)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1, out
    line = error_line(out)
    assert re.search(r"upgrade of revision \w+ interrupted at statement 1 \(ALTER TABLE `DataCollection`", line)
    assert "pt-online-schema-change stopped (killed by SIGKILL) while copying DataCollection" in line
    assert "DataCollection is unchanged" in line and "_DataCollection_new" in line
    assert "the next `upgrade` resumes at statement 1" in line
    code, out = upgrade(srv.url(db), rdir, *ONLINE)
    assert code == 0, out
    check_end_state(srv, db, writer, shown)


def test_upgrade_stopped_by_sigterm_during_the_copy(srv, reference, site):
    """SIGTERM (a Ctrl-C, a service stop): the upgrade stops pt-osc, drops what it left, and
    says so in one line (exit 1)."""
    rdir, shown = reference
    db, writer = site
    proc = spawn(srv.url(db), rdir)
    step = wait_for_phase(srv, db, "copying")
    time.sleep(0.3)  # well inside the copy (~3 s here)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1, out
    line = error_line(out)
    assert "SIGTERM received while pt-online-schema-change ran (copying DataCollection)" in line
    assert "what it left was dropped (_DataCollection_new, pt_osc_" in line and "DataCollection is unchanged" in line
    assert "the next `upgrade` resumes at statement 1" in line
    assert not child.running(step["pid"]) and ptosc_processes(db) == []
    with contextlib.closing(srv.connect(db)) as conn, conn.cursor() as cur:
        cur.execute("SHOW TABLES LIKE '\\_%'")
        assert cur.fetchall() == ()
    code, out = upgrade(srv.url(db), rdir, *ONLINE)
    assert code == 0, out
    assert "interrupted (recorded phase: stopped): DataCollection is unchanged: the statement runs again" in out
    check_end_state(srv, db, writer, shown)


def test_upgrade_killed_after_ptosc_swapped(srv, reference, site):
    """pt-osc finishes on its own (the upgrade stopped, then killed): the next run puts the
    foreign key names back, and counts the statement as committed."""
    rdir, shown = reference
    db, writer = site
    proc = spawn(srv.url(db), rdir)
    step = wait_for_phase(srv, db, "copying")
    proc.send_signal(signal.SIGSTOP)
    try:
        assert child.wait_gone(step["pid"], 60), "pt-osc did not finish"
    finally:
        proc.kill()
        proc.wait(10)
    with contextlib.closing(srv.connect(db)) as conn, conn.cursor() as cur:
        cur.execute("SHOW CREATE TABLE DataCollection")
        assert "_DataCollection_ibfk_1" in cur.fetchone()[1]  # what pt-osc leaves
        cur.execute("SELECT COUNT(*) FROM alembic_version")
        assert cur.fetchone()[0] == 0
    code, out = upgrade(srv.url(db), rdir, *ONLINE)
    assert code == 0, out
    assert "pt-osc had swapped the tables" in out
    assert "foreign key names restored on DataCollection: _DataCollection_ibfk_1 -> DataCollection_ibfk_1" in out
    assert "1 skipped (committed by an earlier run)" in out
    assert "pt-online-schema-change --execute" not in out
    check_end_state(srv, db, writer, shown)


def test_a_copy_still_running_is_named_then_waited_for(srv, reference, site):
    rdir, shown = reference
    db, writer = site
    proc = spawn(srv.url(db), rdir)
    step = wait_for_phase(srv, db, "copying")
    pid = step["pid"]
    os.kill(pid, signal.SIGSTOP)  # pt-osc cannot act on the SIGTERM the upgrade's death sends
    try:
        proc.kill()
        proc.wait(10)
        code, out = upgrade(srv.url(db), rdir, *ONLINE)
        assert code == 2, out
        line = error_line(out)
        assert "another upgrade of this database is running" in line
        assert f"pt-online-schema-change (pid {pid} on {child.host()}) runs the online change of DataCollection" in line
        assert "the upgrade that started it is gone" in line and "nothing was changed" in line
        waiting = spawn(srv.url(db), rdir, "--lock-timeout", "60")
        time.sleep(1.0)
        assert waiting.poll() is None, "the second run waits for the lock"
    finally:
        os.kill(pid, signal.SIGCONT)
    out, _ = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, out
    assert "interrupted (recorded phase: copying)" in out
    assert ptosc_processes(db) == []
    check_end_state(srv, db, writer, shown)


def test_server_gone_during_the_copy(reference, tmp_path):
    """The server dies during the copy: one line and exit 1, no internal error; back up, the
    next plain upgrade finishes.  (Commits made durable, as on a production server: the test
    servers' default, innodb_flush_log_at_trx_commit=0, may lose the progress record.)"""
    rdir, shown = reference
    with LocalServer(innodb_autoinc_lock_mode=2, extra_args=["--innodb-flush-log-at-trx-commit=1"]) as server:
        db = build_database(server, rows=ROWS)
        proc = spawn(server.url(db), rdir)
        wait_for_phase(server, db, "copying")
        time.sleep(0.3)
        mysqld = server.pid
        os.kill(mysqld, signal.SIGKILL)
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 1, out
        line = error_line(out)
        assert re.search(r"upgrade of revision \w+ interrupted at statement 1 "
                         r"\(ALTER TABLE `DataCollection`", line), out
        assert "the next `upgrade` resumes at statement 1" in line, out
        assert ptosc_processes(db) == [], out
        server._proc.wait(10)
        server._launch(find_server_binaries())  # the same data directory, after crash recovery
        code, out = upgrade(server.url(db), rdir, *ONLINE)
        assert code == 0, out
        assert show_create(server, db) == shown


# ---------------------------------------------------------------------------------------
# alembic_version moves only once the revision's end state is checked


def _versions(server, db) -> list[str]:
    with contextlib.closing(server.connect(db)) as conn, conn.cursor() as cur:
        cur.execute("SELECT version_num FROM alembic_version")
        return [r[0] for r in cur.fetchall()]


def test_a_failed_end_check_never_records_the_revision(server, chain, site_db):  # noqa: F811 - the chain and site_db fixtures from test_dba
    rdir, (_, one, two), (r1, r2) = chain
    url_dir = _common(server, site_db, rdir)
    assert _run("stamp", *url_dir, "--auto")[0] == 0
    # the revision does more than its recorded state: its end check fails
    _insert_in_upgrade(r1.path, ["run_sql('ALTER TABLE `Proposal` ADD COLUMN `x` int')"], after_first_statement=True)
    code, out = _run("upgrade", *url_dir, "--yes", "--allow-unreviewed")
    assert code == 1 and f"upgrade of revision {r1.rev_id} ran, but the schema is not the recorded state" in out
    assert "alembic_version stays at base" in out
    assert _versions(server, site_db) == []
    # the schema made the recorded state by hand: the next run records the revision, running nothing again
    with contextlib.closing(server.connect(site_db)) as conn, conn.cursor() as cur:
        cur.execute("ALTER TABLE `Proposal` DROP COLUMN `x`")
    code, out = _run("upgrade", *url_dir, "--to", r1.rev_id, "--yes", "--allow-unreviewed")
    assert code == 0, out
    assert "3 skipped (committed by an earlier run)" in out
    assert _versions(server, site_db) == [r1.rev_id]


def test_forced_over_drift_a_failed_end_check_is_not_recorded(server, chain, site_db):  # noqa: F811 - the chain and site_db fixtures from test_dba
    """--force on a drifted schema starts the run, but a revision whose end check fails is
    never recorded, in the middle of the run or at its end: the run stops there (exit 1, one
    error line), alembic_version stays at the revision before, nothing after it runs."""
    rdir, _, (r1, r2) = chain
    url_dir = _common(server, site_db, rdir)
    assert _run("stamp", *url_dir, "--auto")[0] == 0
    with contextlib.closing(server.connect(site_db)) as conn, conn.cursor() as cur:
        cur.execute("ALTER TABLE `Proposal` ADD COLUMN `handmade` int")
    for extra in (["--to", r1.rev_id], []):  # r1 the last revision of the run, then in its middle
        code, out = _run("upgrade", *url_dir, *extra, "--yes", "--allow-unreviewed", "--force")
        assert code == 1, out
        errors = [x for x in out.splitlines() if x.startswith("schema-tools: error:")]
        assert len(errors) == 1 and "Traceback" not in out, out
        assert f"upgrade of revision {r1.rev_id} ran, but the schema is not the recorded state of {r1.rev_id}" \
            in errors[0] and "alembic_version stays at base" in errors[0], out
        assert "recorded anyway" not in out and f"[2/2] upgrade {r2.rev_id}" not in out
        assert _versions(server, site_db) == []
        assert ("the 1 revision(s) after it did not run" in errors[0]) == (not extra), out
    with contextlib.closing(server.connect(site_db)) as conn, conn.cursor() as cur:
        cur.execute("SHOW COLUMNS FROM `Proposal` LIKE 'code'")
        assert cur.fetchall() == (), f"{r2.rev_id} never ran"
    # the drift undone: the next plain run records r1 without running it again, then runs r2
    with contextlib.closing(server.connect(site_db)) as conn, conn.cursor() as cur:
        cur.execute("ALTER TABLE `Proposal` DROP COLUMN `handmade`")
    code, out = _run("upgrade", *url_dir, "--yes", "--allow-unreviewed")
    assert code == 0, out
    assert f"every statement of {r1.rev_id} ran in an earlier run" in out
    assert _versions(server, site_db) == [r2.rev_id]


def test_a_progress_table_of_an_earlier_version_gets_the_online_column(server, scratch_db):
    from schema_tools.online.progress import ProgressLog

    with contextlib.closing(server.connect(scratch_db)) as conn:
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE schema_tools_progress (`revision` varchar(64) NOT NULL, "
                        "`direction` varchar(10) NOT NULL, `statement` int NOT NULL, `digest` char(64) NOT NULL, "
                        "`status` varchar(10) NOT NULL, `sql_text` mediumtext, `error` text, "
                        "`updated` timestamp(6) NOT NULL DEFAULT current_timestamp(6), "
                        "PRIMARY KEY (`revision`, `direction`, `statement`))")
            cur.execute("INSERT INTO schema_tools_progress (revision, direction, statement, digest, status, sql_text) "
                        "VALUES ('r1', 'upgrade', 1, 'd', 'done', 'ALTER TABLE t ADD c int')")
        before = ProgressLog(conn, create=False)  # a pre-flight reads it as it is
        assert before.read("r1", "upgrade")[1].online is None and before.interrupted_online() == []
        log = ProgressLog(conn)
        log.mark_online("r1", "upgrade", 1, '{"table": "t"}')
        assert log.read("r1", "upgrade")[1].online == '{"table": "t"}'
        log.mark("r1", "upgrade", 1, "d", "running", "ALTER TABLE t ADD c int")
        assert log.interrupted_online() == [("r1", "upgrade", 1, "running", '{"table": "t"}')]
