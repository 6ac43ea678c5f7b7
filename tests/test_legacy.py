"""Legacy update scripts imported as revisions: run for real, up and down, SchemaStatus kept;
scripts that cannot run as written reported; the shipped ISPyB revisions."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.diff.compare import diff
from schema_tools.migrate.commands import run_alembic
from schema_tools.migrate.legacy import import_legacy, load_legacy_map, read_script, rev_id_for
from schema_tools.migrate.revision import RevisionDir
from schema_tools.model import Snapshot
from schema_tools.config import ISPYB_LOOKUP_TABLES
from schema_tools.dialect.ddl import render_schema
from schema_tools.sources.introspect import MULTI_STATEMENTS, introspect
from schema_tools.sources.loader import load_text
from schema_tools.sources.workspace import open_workspace

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "legacy"


@pytest.fixture(scope="module")
def base(server):
    with open_workspace(server.url()) as ws:
        ws.load_files([FIXTURES / "base.sql"])
        return ws.introspect(data_tables=ISPYB_LOOKUP_TABLES).schema


def _connect(url):
    from schema_tools.sources.connection import parse_url

    return parse_url(url).connect(client_flag=MULTI_STATEMENTS)


def _schema(conn, db):
    with conn.cursor() as cur:
        cur.execute("SELECT CURRENT_USER()")
        account = cur.fetchone()[0]
    return introspect(conn, db, loader_account=account, data_tables=ISPYB_LOOKUP_TABLES).schema


def _status(conn) -> dict[str, str]:
    with conn.cursor() as cur:
        cur.execute("SELECT scriptName, schemaStatus FROM SchemaStatus ORDER BY scriptName")
        return dict(cur.fetchall())


def test_read_script_finds_the_recorded_name_and_the_problems():
    ok = read_script(FIXTURES / "scripts" / "2024_03_05_Shipping_comments.sql")
    assert ok.recorded == ok.done == "2024_03_01_Shipping_comments.sql"
    assert ok.problems == () and len(ok.sql) == 3
    assert ok.warnings() == ["records '2024_03_01_Shipping_comments.sql' in SchemaStatus, not its file name"]
    use = read_script(FIXTURES / "unrunnable" / "2024_04_02_use_pydb.sql")
    assert use.problems and "USE pydb" in use.problems[0] and "line 1" in use.problems[0]
    view = read_script(FIXTURES / "unrunnable" / "2024_04_03_view_definer.sql")
    assert view.definers == ((3, "pxadmin", "%"),)
    none = read_script(FIXTURES / "unrunnable" / "2024_04_04_Shipping_label.sql")
    assert none.recorded is None and none.warnings() == ["records nothing in SchemaStatus"]


def test_revision_ids_are_readable_stable_and_fit_alembic_version():
    rev = rev_id_for("2025_04_29_DewarRegistry_fk_labContactId_on_delete_set_null.sql", "dls")
    assert rev == "dls_20250429_dewarregistry_fk_la" and len(rev) <= 32
    assert rev_id_for("2025_04_29_DewarRegistry_fk_labContactId_on_delete_set_null.sql", "dls") == rev
    other = rev_id_for("2025_04_29_DewarRegistry_fk_labContactId_other.sql", "dls", taken=[rev])
    assert other != rev and len(other) <= 32 and other.startswith("dls_20250429_")


def test_import_upgrade_downgrade_for_real(server, base, tmp_path):
    rdir = RevisionDir(tmp_path / "revisions")
    lines = []
    results = import_legacy(rdir, FIXTURES / "scripts", base, branch="site", server=server.url(),
                            progress=lambda r: lines.append(r.line()))
    assert [r.status for r in results] == ["imported"] * 3
    assert len(lines) == 3 and "warning: records '2024_03_01_Shipping_comments.sql'" in lines[2]
    entries = load_legacy_map(rdir)
    assert [e["script"] for e in entries] == [p.name for p in sorted((FIXTURES / "scripts").glob("*.sql"))]
    assert entries[2]["recorded"] == "2024_03_01_Shipping_comments.sql"
    assert [e["revision"] for e in entries] == [r.revision for r in results]
    text = next(rdir.versions.glob(f"{entries[2]['revision']}_*.py")).read_text()
    assert "legacy_script = '2024_03_05_Shipping_comments.sql'" in text
    assert "legacy_recorded = '2024_03_01_Shipping_comments.sql'" in text
    assert rdir.heads() == [entries[2]["revision"]]
    # the DML script changed the lookup row, and its state says so
    bumped = rdir.state(entries[1]["revision"]).schema
    assert diff(rdir.state(entries[0]["revision"]).schema, bumped)
    assert diff(base, rdir.state(None).schema) == []

    db = server.create_database()
    try:
        load_text(render_schema(base), client=server.client_command(), database=db)
        conn = _connect(server.url(db))
        run_alembic(rdir, server.url(db), "upgrade", "head")
        head = rdir.state(entries[2]["revision"])
        assert Snapshot(_schema(conn, db)).fingerprint == head.fingerprint
        assert _status(conn) == {e["recorded"]: "DONE" for e in entries}
        with conn.cursor() as cur:
            cur.execute("SELECT value FROM AdminVar WHERE name = 'schemaVersion'")
            assert cur.fetchone()[0] == "4.1.0"
        run_alembic(rdir, server.url(db), "downgrade", entries[0]["revision"])
        assert _status(conn) == {entries[0]["recorded"]: "DONE"}
        run_alembic(rdir, server.url(db), "downgrade", "base")
        assert Snapshot(_schema(conn, db)).fingerprint == Snapshot(base).fingerprint
        assert _status(conn) == {}
        conn.close()
    finally:
        server.drop_database(db)


def test_scripts_that_cannot_run_are_reported_and_not_imported(server, base, tmp_path):
    rdir = RevisionDir(tmp_path / "stop")
    results = import_legacy(rdir, FIXTURES / "unrunnable", base, server=server.url())
    by = {r.script: r for r in results}
    assert by["2024_04_01_Shipping_note.sql"].status == "imported"
    use = by["2024_04_02_use_pydb.sql"]
    assert use.status == "failed" and "USE pydb" in use.reason
    assert by["2024_04_03_view_definer.sql"].status == "not reached"
    assert [e["script"] for e in load_legacy_map(rdir)] == ["2024_04_01_Shipping_note.sql"]
    assert len(list(rdir.versions.glob("*.py"))) == 1

    rdir = RevisionDir(tmp_path / "skip")
    results = import_legacy(rdir, FIXTURES / "unrunnable", base, server=server.url(), skip_failed=True)
    by = {r.script: r for r in results}
    assert by["2024_04_02_use_pydb.sql"].status == "failed"
    definer = by["2024_04_03_view_definer.sql"]
    assert definer.status == "failed" and "DEFINER `pxadmin`@`%` does not exist" in definer.reason
    # a script that does not even split into statements is skipped the same way, with its line
    broken = by["2024_04_03_zz_unterminated.sql"]
    assert broken.status == "failed" and "2024_04_03_zz_unterminated.sql:2: unterminated string" in broken.reason
    last = by["2024_04_04_Shipping_label.sql"]
    assert last.status == "imported" and last.recorded is None
    assert [e["script"] for e in load_legacy_map(rdir)] == ["2024_04_01_Shipping_note.sql",
                                                            "2024_04_04_Shipping_label.sql"]
    # the skipped scripts left nothing behind: the last state has the label but no view
    head = rdir.state(last.revision).schema
    assert head.table("Shipping").column("label") is not None and not head.views
    assert head.table("Shipping").column("title") is None


def test_import_legacy_command(server, base, tmp_path):
    snap = tmp_path / "base.json"
    Snapshot(base).write(snap)
    out = tmp_path / "revisions"
    result = CliRunner().invoke(cli, ["import-legacy", str(FIXTURES / "unrunnable"), "--base", str(snap),
                                      "--dir", str(out), "--server", server.url()])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("2024_")]
    assert len(lines) == 5
    assert "NOT IMPORTED: line 1: hard-coded USE pydb" in lines[1]
    assert "not reached" in lines[2] and "Traceback" not in result.output


# ---------------------------------------------------------------------------------------
# the shipped revisions


SHIPPED = RevisionDir(ROOT / "revisions")


@pytest.mark.corpus
def test_shipped_trunk_ends_at_the_release_and_maps_every_script(corpus):
    scripts = sorted(p.name for p in (corpus / "ispyb" / "dls" / "updates-v4.0.0-to-v5.0.0").glob("*.sql"))
    assert len(scripts) == 71
    entries = load_legacy_map(SHIPPED)
    assert [e["script"] for e in entries] == scripts
    head, state = SHIPPED.head_state("dls")
    assert state.fingerprint == Snapshot.read(ROOT / "snapshots" / "dls-v5.0.0.json").fingerprint
    assert SHIPPED.state(None).fingerprint == Snapshot.read(ROOT / "snapshots" / "dls-v4.0.0.json").fingerprint
    script = SHIPPED.script()
    chain = [r.revision for r in script.iterate_revisions(head, "base")][::-1]
    assert chain[:-1] == [e["revision"] for e in entries] and chain[-1] == head
    for e in entries:
        module = script.get_revision(e["revision"]).module
        assert module.legacy_script == e["script"] and module.legacy_recorded == e["recorded"]
    assert "never touch the stored routines" in script.get_revision(head).module.__doc__


def test_shipped_esrf_branch_is_a_second_root():
    head, state = SHIPPED.head_state("esrf")
    script = SHIPPED.script()
    root = [r.revision for r in script.iterate_revisions(head, "base")][-1]
    assert root in SHIPPED.roots() and len(SHIPPED.roots()) == 2
    assert SHIPPED.root_state(root).fingerprint == \
        Snapshot.read(ROOT / "snapshots" / "esrf-pydb-ahead.json").fingerprint
    assert state.fingerprint != SHIPPED.root_state(root).fingerprint


@pytest.mark.corpus
def test_make_revisions_check(corpus):
    """Regenerating revisions/ from the corpus gives the committed files (about a minute)."""
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "make-revisions.sh"), "--check"], cwd=ROOT,
                          capture_output=True, text=True,
                          env={**os.environ, "SCHEMA_TOOLS_CORPUS": str(corpus)})
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_session_variables_a_script_sets_are_put_back(tmp_path):
    path = tmp_path / "2024_05_01_x.sql"
    path.write_text("SET SESSION foreign_key_checks=OFF;\nSET @@alter_algorithm='NOCOPY', sql_mode = '';\n"
                    "SET NAMES utf8mb4;\nSET @mine = 1;\nALTER TABLE t ADD c int;\n")
    from schema_tools.migrate.legacy import session_variables, upgrade_steps

    script = read_script(path)
    assert session_variables(script) == ["foreign_key_checks", "alter_algorithm", "sql_mode"]
    steps = [s.sql for s in upgrade_steps(script)]
    assert steps[0] == "SET @schema_tools_legacy_foreign_key_checks = @@SESSION.foreign_key_checks"
    assert steps[-1] == "SET SESSION sql_mode = @schema_tools_legacy_sql_mode"
    assert "ALTER TABLE t ADD c int" in steps


def test_the_tables_a_script_writes_are_read_as_the_server_would(tmp_path):
    path = tmp_path / "2024_05_02_x.sql"
    path.write_text("INSERT INTO `SchemaStatus` (scriptName, schemaStatus) VALUES ('x', 'ONGOING');\n"
                    "INSERT INTO pydb.`Shipping` (a) VALUES (1);\n"
                    "DELETE s FROM `Dewar` s JOIN Container c ON c.dewarId = s.dewarId WHERE 'UPDATE x' <> '';\n"
                    "/* a note */ UPDATE LOW_PRIORITY `Pro``tein` SET a = 1;\n"
                    "INSERT INTO BLSample SELECT * FROM Crystal ON DUPLICATE KEY UPDATE a = 1;\n"
                    "DELETE FROM Person WHERE x IN (SELECT y FROM Laboratory Person);\n"
                    "DELETE d.*, c FROM Dewar AS d, `Container` c WHERE 1;\n"
                    "DELETE FROM l USING Laboratory l JOIN Person p ON p.laboratoryId = l.laboratoryId;\n"
                    "ALTER TABLE t ADD c int;\n")
    from schema_tools.migrate.legacy import written_tables

    assert written_tables(read_script(path)) == ["SchemaStatus", "Shipping", "Dewar", "Pro`tein", "BLSample",
                                                  "Person", "Container", "Laboratory"]


def test_a_script_is_read_on_the_lexers_tokens(tmp_path):
    path = tmp_path / "2024_05_03_y.sql"
    path.write_text('INSERT IGNORE INTO `SchemaStatus` (`schemaStatus`, `scriptName`) '
                    'VALUES ("ONGOING", "2024_05_03_y.sql");\n'
                    "CREATE DEFINER=`ispyb`@`%` PROCEDURE p() SELECT 'DEFINER=`x`@`y`';\n"
                    "CREATE DEFINER=root@10.0.0.1 VIEW v AS SELECT 'USE x' AS a;\n"
                    "USE `py``db`;\n"
                    "SET @mine := 1, SESSION sql_mode = (SELECT CONCAT(@@sql_mode, ',x=1')), @@GLOBAL.a = 1;\n"
                    "UPDATE SchemaStatus SET schemaStatus = 'done' WHERE scriptName = \"2024_05_03_y.sql\";\n")
    from schema_tools.migrate.legacy import session_variables

    script = read_script(path)
    assert (script.recorded, script.done, script.warnings()) == ("2024_05_03_y.sql", "2024_05_03_y.sql", [])
    assert [(u, h) for _, u, h in script.definers] == [("ispyb", "%"), ("root", "10.0.0.1")]
    assert len(script.problems) == 1 and "hard-coded USE py`db" in script.problems[0]
    assert session_variables(script) == ["sql_mode"]
