"""A throwaway server kept warm between commands: ``schema-tools server`` and
``$SCHEMA_TOOLS_SERVER``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[1]
ST = str(Path(sys.executable).with_name("schema-tools"))


def test_commands_use_the_warm_server_named_by_the_environment(tmp_path):
    proc = subprocess.Popen([ST, "server"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("export SCHEMA_TOOLS_SERVER="), line
        url = line.split("=", 1)[1].strip("'")
        env = dict(os.environ, SCHEMA_TOOLS_SERVER=url)
        out = tmp_path / "base.json"
        res = subprocess.run([ST, "snapshot", str(ROOT / "tests" / "fixtures" / "scripts" / "base.sql"),
                              "-o", str(out)], env=env, capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
        meta = json.loads(out.with_name("base.meta.json").read_text())
        # loaded on the warm server, not on a new throwaway one
        assert "throwaway" not in meta["loaded_on"] and "unix_socket" in meta["loaded_on"], meta["loaded_on"]
        # and without the variable, a new throwaway server as before
        env.pop("SCHEMA_TOOLS_SERVER")
        res = subprocess.run([ST, "snapshot", str(ROOT / "tests" / "fixtures" / "scripts" / "base.sql"),
                              "-o", str(out)], env=env, capture_output=True, text=True)
        assert res.returncode == 0, res.stderr
        assert "throwaway" in json.loads(out.with_name("base.meta.json").read_text())["loaded_on"]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    socket = url.split("unix_socket=")[1].split("&")[0]
    assert not Path(socket).exists(), "the warm server is cleaned up when it stops"


# --------------------------------------------------------------------------- pooled databases


def _pooled(server) -> list[str]:
    with server.connect() as conn, conn.cursor() as cur:
        cur.execute("SHOW DATABASES LIKE 'st\\_pool\\_%'")
        return sorted(r[0] for r in cur.fetchall())


@pytest.fixture
def warm(server, monkeypatch):
    """The session server as the warm server of ``$SCHEMA_TOOLS_SERVER``; the databases
    it pooled are dropped afterwards, with their accounts."""
    from schema_tools.sources.workspace import SERVER_ENV

    monkeypatch.setenv(SERVER_ENV, server.url())
    yield server
    with server.connect() as conn, conn.cursor() as cur:
        for db in _pooled(server):
            cur.execute(f"DROP DATABASE `{db}`")
            cur.execute(f"DROP USER IF EXISTS 'schema_tools_{db.rpartition('_')[2]}'@'localhost'")


def test_verify_on_the_warm_server_takes_the_database_an_earlier_verify_left(warm, tmp_path):
    from schema_tools.verify.runner import verify

    from .test_verify import ADD_BEAMLINE, _site

    rdir, snaps, info = _site(warm, tmp_path, ADD_BEAMLINE, "BLSession beamline")
    first = verify(rdir, snapshots=snaps, servers=[warm.url()], rows=12)
    assert first.ok, first.to_dict()
    (kept,) = _pooled(warm)  # kept at the baseline, named after its fingerprint
    assert kept.startswith("st_pool_" + rdir.state(None).fingerprint.partition(":")[2][:16])
    with warm.connect(kept) as conn, conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM `BLSession`")
        assert cur.fetchone()[0] == 12, "the seeded rows stay until the next verify clears them"

    second = verify(rdir, snapshots=snaps, servers=[warm.url()], rows=12)
    assert second.ok, second.to_dict()
    assert _pooled(warm) == [kept], "the same database, taken again"
    # the rows were cleared before seeding: the same rows as on a new database
    assert [(s.data.tables, s.data.rows) for s in second.sites[0].steps] == \
        [(s.data.tables, s.data.rows) for s in first.sites[0].steps] == [(2, 24), (2, 24)]

    # a database changed since is loaded anew, not trusted
    with warm.connect(kept) as conn, conn.cursor() as cur:
        cur.execute("ALTER TABLE `Proposal` ADD COLUMN `stray` int")
    third = verify(rdir, snapshots=snaps, servers=[warm.url()], rows=12)
    assert third.ok, third.to_dict()
    with warm.connect(kept) as conn, conn.cursor() as cur:
        cur.execute("SHOW COLUMNS FROM `Proposal` LIKE 'stray'")
        assert cur.fetchall() == ()


def test_only_the_warm_server_pools_and_a_failed_verify_keeps_nothing(warm, tmp_path, monkeypatch):
    from schema_tools.sources.workspace import SERVER_ENV
    from schema_tools.verify.runner import verify

    from .test_verify import NARROW_TITLE, _site

    rdir, snaps, _ = _site(warm, tmp_path, NARROW_TITLE, "narrow title")
    report = verify(rdir, snapshots=snaps, servers=[warm.url()], rows=12)
    assert not report.ok  # the seeded titles do not fit
    assert _pooled(warm) == [], "a database left at an unknown state is dropped"
    monkeypatch.delenv(SERVER_ENV)
    (tmp_path / "other").mkdir()
    rdir, snaps, _ = _site(warm, tmp_path / "other", "ALTER TABLE `Proposal` ADD COLUMN `code` int;", "code")
    assert verify(rdir, snapshots=snaps, servers=[warm.url()], rows=12).ok
    assert _pooled(warm) == [], "a server named by URL is not the warm server: nothing is kept there"


def test_revision_sql_on_the_warm_server_hands_the_head_state_to_verify(warm, tmp_path):
    """revision --sql with a data statement ends its check back at the head state: the
    database is kept, and the verify of the new revision (from that state) takes it."""
    from click.testing import CliRunner

    from schema_tools.cli.main import cli
    from schema_tools.review.ledger import record_approval
    from schema_tools.migrate.revfile import RevisionSet

    from .test_verify import ADD_BEAMLINE, _site

    rdir, snaps, first = _site(warm, tmp_path, ADD_BEAMLINE, "BLSession beamline")
    rset = RevisionSet(rdir.path)
    record_approval(rset, rset.by_id[first.rev_id], by="Jane", accepted=(), findings=())
    change = tmp_path / "change.sql"
    change.write_text("ALTER TABLE `Proposal` ADD COLUMN `code` varchar(20) DEFAULT NULL;\n"
                      "UPDATE `Proposal` SET `code` = LEFT(`title`, 20);\n")
    result = CliRunner().invoke(cli, ["revision", "--sql", str(change), "-m", "code", "--dir", str(rdir.path)])
    assert result.exit_code == 0, result.output
    head = rdir.state(first.rev_id).fingerprint.partition(":")[2][:16]
    (kept,) = _pooled(warm)
    assert kept.startswith("st_pool_" + head), "kept at the head state the script started from"
    result = CliRunner().invoke(cli, ["verify", "--dir", str(rdir.path), "--snapshots", str(snaps)])
    assert result.exit_code == 0, result.output
    assert f"from the state of {first.rev_id}" in result.output
    assert _pooled(warm) == [kept], "verify took the database revision --sql kept"
