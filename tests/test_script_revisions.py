"""A developer's script becomes a revision as written: its data statements, its renames
and its bookkeeping, checked against what the ``mariadb`` client does with the same script
on the same seeded rows."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.diff.compare import DiffOptions, diff
from schema_tools.errors import InputError
from schema_tools.migrate.commands import run_alembic
from schema_tools.migrate.from_sql import ScriptAccount, ScriptFailed, revision_from_sql
from schema_tools.migrate.legacy import import_legacy
from schema_tools.migrate.revision import RevisionDir
from schema_tools.migrate.scripts import classify, stated_renames, undo_section
from schema_tools.model import Snapshot
from schema_tools.config import ISPYB_LOOKUP_TABLES
from schema_tools.dialect.ddl import quote_ident
from schema_tools.migrate.revfile import read_revision_file
from schema_tools.sources.introspect import MULTI_STATEMENTS, introspect
from schema_tools.sources.workspace import open_workspace
from schema_tools.migrate.seed import seed

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "scripts"
CREATE_AND_FILL = "2026_12_01_DetectorMode.sql"
RENAME_AND_MOVE = "2026_12_02_DataCollection_rename.sql"
FAILS_ON_ROWS = "2026_12_03_fails_on_rows.sql"


# ---------------------------------------------------------------------------------------
# reading a script without a server


def test_stated_renames_are_followed_through_one_another():
    sqls = ["ALTER TABLE t CHANGE a b int, CHANGE COLUMN `c` `d` int, RENAME INDEX i TO j",
            "ALTER TABLE t CHANGE b e int",
            "RENAME TABLE t TO u, x TO y",
            "ALTER TABLE u RENAME COLUMN f TO g",
            "ALTER TABLE y CHANGE k k bigint",  # same name: no rename
            "ALTER TABLE y CHANGE m n int", "ALTER TABLE y CHANGE n m int"]  # renamed back: none
    assert stated_renames(sqls) == (
        ("table", None, "t", "u"), ("table", None, "x", "y"),
        ("column", "u", "a", "e"), ("column", "u", "c", "d"), ("column", "u", "f", "g"),
        ("index", "u", "i", "j"))


def test_statements_are_classified_by_what_they_do_to_rows():
    assert classify("INSERT INTO t2 (a) SELECT a FROM t1 JOIN t3 USING (x)").writes == ("t2",)
    moved = classify("INSERT INTO t2 (a) SELECT a FROM t1 JOIN t3 USING (x)")
    assert moved.kind == "data" and moved.selects and moved.reads == ("t1", "t3")
    loop = classify("BEGIN NOT ATOMIC FOR r IN (SELECT id FROM src) DO "
                    "INSERT INTO dst (id) VALUES (r.id); END FOR; END")
    assert (loop.kind, loop.writes, loop.reads) == ("data", ("dst",), ("src",))
    assert classify("UPDATE SchemaStatus SET schemaStatus = 'DONE' WHERE scriptName = 'x'").kind \
        == "bookkeeping"
    assert classify("ALTER TABLE t ADD c int").kind == "schema"
    assert classify("SET FOREIGN_KEY_CHECKS = 0").kind == "session"


def test_the_undo_section_is_read_with_its_lines():
    undo = undo_section(FIXTURES / RENAME_AND_MOVE)
    assert [u.sql.split(None, 2)[:2] for u in undo] == [
        ["CREATE", "TABLE"], ["INSERT", "INTO"], ["DROP", "TABLE"], ["ALTER", "TABLE"], ["DELETE", "FROM"]]
    text = (FIXTURES / RENAME_AND_MOVE).read_text().splitlines()
    assert all(text[u.line - 1].lstrip("- ").startswith(u.sql.split("\n")[0]) for u in undo)
    assert undo_section(FIXTURES / CREATE_AND_FILL) is None


# ---------------------------------------------------------------------------------------
# on a server


@pytest.fixture(scope="module")
def base(server):
    with open_workspace(server.url()) as ws:
        ws.load_files([FIXTURES / "base.sql"])
        return ws.introspect(data_tables=ISPYB_LOOKUP_TABLES).schema


def _connect(url):
    from schema_tools.sources.connection import parse_url

    return parse_url(url).connect(client_flag=MULTI_STATEMENTS, autocommit=True)


def _rows(conn, table: str) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(f"SELECT * FROM {quote_ident(table)}")
        return sorted(tuple(str(v) for v in r) for r in cur.fetchall())


def _tables(conn) -> list[str]:
    with conn.cursor() as cur:
        cur.execute("SHOW TABLES")
        return sorted(r[0] for r in cur.fetchall())


def _show_create(conn) -> dict[str, str]:
    out = {}
    with conn.cursor() as cur:
        for t in _tables(conn):
            cur.execute(f"SHOW CREATE TABLE {quote_ident(t)}")
            out[t] = cur.fetchone()[1]
    return out


def _everything(conn) -> dict[str, list[tuple]]:
    """Every row of every table but SchemaStatus's time stamps."""
    out = {}
    for t in _tables(conn):
        if t == "alembic_version":
            continue
        if t == "SchemaStatus":
            with conn.cursor() as cur:
                cur.execute("SELECT scriptName, schemaStatus FROM SchemaStatus ORDER BY scriptName")
                out[t] = list(cur.fetchall())
        else:
            out[t] = _rows(conn, t)
    return out


def _seeded_db(server, base, *, rows: int = 5) -> str:
    """A database holding the base schema and the same deterministic rows every time."""
    db = server.create_database()
    subprocess.run(server.client_command(db), input=(FIXTURES / "base.sql").read_text(), text=True,
                   check=True)
    conn = _connect(server.url(db))
    seed(conn, base, rows=rows)
    conn.close()
    return db


def _client(server, db, script: Path) -> subprocess.CompletedProcess:
    return subprocess.run(server.client_command(db), input=script.read_text(), text=True,
                          capture_output=True)


def _schema(conn, db):
    with conn.cursor() as cur:
        cur.execute("SELECT CURRENT_USER()")
        account = cur.fetchone()[0]
    return introspect(conn, db, loader_account=account, data_tables=ISPYB_LOOKUP_TABLES).schema


def _revision(tmp_path, base, server, *scripts, **kw):
    rdir = RevisionDir(tmp_path / "revisions")
    account = ScriptAccount()
    info = revision_from_sql(rdir, [FIXTURES / s if isinstance(s, str) else s for s in scripts],
                             message="change", server=server.url(), source=base, account=account, **kw)
    return rdir, info, account


def test_a_table_created_and_filled_keeps_its_rows(server, base, tmp_path):
    rdir, info, account = _revision(tmp_path, base, server, CREATE_AND_FILL)
    state = Snapshot.read(rdir.states / f"{info.rev_id}.json").schema
    # rows of a table the script creates and fills are part of the state (reference data)
    assert len(next(d for d in state.data if d.table == "DetectorMode").rows) == 27
    assert any("27 row(s) affected" in e.line() for e in account.effects)
    by_client, by_tool = _seeded_db(server, base), _seeded_db(server, base)
    try:
        proc = _client(server, by_client, FIXTURES / CREATE_AND_FILL)
        assert proc.returncode == 0, proc.stderr
        run_alembic(rdir, server.url(by_tool), "upgrade", "head")
        a, b = _connect(server.url(by_client)), _connect(server.url(by_tool))
        assert len(_rows(b, "DetectorMode")) == 27
        assert _rows(b, "DetectorMode") == _rows(a, "DetectorMode")
        assert _everything(b) == _everything(a)
        assert {k: v for k, v in _show_create(b).items() if k != "alembic_version"} == _show_create(a)
        # drift and identify see the new reference table's rows
        runner = CliRunner()
        res = runner.invoke(cli, ["drift", "--url", server.url(by_tool), "--dir", str(rdir.path)])
        assert res.exit_code == 0, res.output
        with b.cursor() as cur:
            cur.execute("UPDATE DetectorMode SET description = 'changed' WHERE name = 'gated'")
        res = runner.invoke(cli, ["drift", "--url", server.url(by_tool), "--dir", str(rdir.path)])
        assert res.exit_code == 1 and "DetectorMode" in res.output, res.output
        with b.cursor() as cur:
            cur.execute("UPDATE DetectorMode SET description = 'Gated readout' WHERE name = 'gated'")
        run_alembic(rdir, server.url(by_tool), "downgrade", "base")
        assert "DetectorMode" not in _tables(b)
        assert diff(_schema(b, by_tool), base) == []
        a.close()
        b.close()
    finally:
        server.drop_database(by_client)
        server.drop_database(by_tool)


def test_renames_and_moved_rows_as_the_client_does_them_and_back(server, base, tmp_path):
    rdir, info, account = _revision(tmp_path, base, server, RENAME_AND_MOVE)
    text = info.path.read_text()
    # every statement kept as written, the loop and the INSERT ... SELECT included
    assert "BEGIN NOT ATOMIC" in text and "SELECT dataCollectionId, comments FROM DataCollection" in text
    assert account.kept == 7
    assert account.renames == (("column", "DataCollection", "imgDir", "imageDirectory"),
                               ("column", "DataCollection", "imgPrefix", "imagePrefix"),
                               ("column", "DataCollection", "imgSuffix", "imageSuffix"))
    assert account.downgrade.startswith("the undo section")
    assert [e.delta for e in account.effects] == [{"DataCollectionComment": 5}, {"DataCollectionComment": 5}]
    by_client, by_tool = _seeded_db(server, base), _seeded_db(server, base)
    try:
        a, b = _connect(server.url(by_client)), _connect(server.url(by_tool))
        seeded = _everything(b)
        assert seeded["DataCollectionNote"] and seeded["DataCollection"]
        proc = _client(server, by_client, FIXTURES / RENAME_AND_MOVE)
        assert proc.returncode == 0, proc.stderr
        run_alembic(rdir, server.url(by_tool), "upgrade", "head")
        assert _everything(b) == _everything(a)
        assert {k: v for k, v in _show_create(b).items() if k != "alembic_version"} == _show_create(a)
        # the seeded values sit under the new names (the columns keep their places)
        with b.cursor() as cur:
            cur.execute("SELECT imageDirectory, imagePrefix, imageSuffix FROM DataCollection")
            moved = sorted(tuple(map(str, r)) for r in cur.fetchall())
        assert moved == sorted(r[2:5] for r in seeded["DataCollection"])
        assert all(v != "None" for row in moved for v in row)
        assert len(_rows(b, "DataCollectionComment")) == 10
        # the script's SchemaStatus rows, as the client writes them
        assert ("2026_12_02_DataCollection_rename.sql", "DONE") in _everything(b)["SchemaStatus"]
        run_alembic(rdir, server.url(by_tool), "downgrade", "base")
        assert diff(_schema(b, by_tool), base) == []
        back = _everything(b)
        assert back == seeded  # the seeded rows, the notes table's included
        a.close()
        b.close()
    finally:
        server.drop_database(by_client)
        server.drop_database(by_tool)


def _without_undo(tmp_path) -> Path:
    text = (FIXTURES / RENAME_AND_MOVE).read_text()
    path = tmp_path / "2026_12_02_DataCollection_rename.sql"
    path.write_text(text[:text.index("-- To undo:")])
    return path


def test_down_sql_is_proven_on_the_seeded_rows(server, base, tmp_path):
    script = _without_undo(tmp_path)
    undo = tmp_path / "down.sql"
    undo.write_text("\n".join(line[3:] for line in (FIXTURES / RENAME_AND_MOVE).read_text().split("-- To undo:\n")[1]
                              .splitlines()) + "\n")
    rdir, info, account = _revision(tmp_path, base, server, script, down_sql=[undo])
    assert account.downgrade.startswith("--down-sql") and account.irreversible == []
    assert read_revision_file(info.path).values["irreversible_data"] == ()
    db = _seeded_db(server, base)
    try:
        conn = _connect(server.url(db))
        seeded = _everything(conn)
        run_alembic(rdir, server.url(db), "upgrade", "head")
        run_alembic(rdir, server.url(db), "downgrade", "base")
        assert diff(_schema(conn, db), base) == [] and _everything(conn) == seeded
        conn.close()
    finally:
        server.drop_database(db)
    # a downgrade that loses the notes is refused, and nothing is written
    bad = tmp_path / "bad.sql"
    bad.write_text(undo.read_text().replace("INSERT INTO DataCollectionNote", "-- INSERT INTO DataCollectionNote")
                   .replace("  SELECT noteId", "-- SELECT noteId"))
    other = RevisionDir(tmp_path / "other")
    with pytest.raises(InputError, match="rows of DataCollectionNote differ"):
        revision_from_sql(other, [script], message="x", server=server.url(), source=base, down_sql=[bad])
    assert not other.versions.exists() or not list(other.versions.glob("*.py"))


def test_data_statements_without_a_downgrade_are_an_error_finding_until_approved(server, base, tmp_path):
    script = _without_undo(tmp_path)
    rdir, info, account = _revision(tmp_path, base, server, script)
    # the renames are renamed back, never dropped and re-added
    text = info.path.read_text()
    down = text[text.index("def downgrade()"):]
    assert "CHANGE COLUMN `imageDirectory` `imgDir`" in down and "DROP COLUMN `imageDirectory`" not in down
    # the loop writes only the new table (dropped by the downgrade); the notes table is
    # dropped with its rows: DS101.  An UPDATE of existing rows cannot be undone: DS108
    assert account.irreversible == []
    changed = tmp_path / "2026_12_04_update.sql"
    changed.write_text("ALTER TABLE DataCollection ADD imageCount int unsigned DEFAULT NULL;\n"
                       "UPDATE DataCollection SET comments = CONCAT('moved: ', comments);\n")
    rdir2, info2, account2 = _revision(tmp_path / "u", base, server, changed)
    assert [s.where for s in account2.irreversible] == ["2026_12_04_update.sql:2"]
    runner = CliRunner()
    res = runner.invoke(cli, ["review", "--dir", str(rdir2.path), "--format", "json"])
    assert res.exit_code == 1
    assert '"DS108"' in res.output and "2026_12_04_update.sql:2" in res.output
    res = runner.invoke(cli, ["check", "--dir", str(rdir2.path)])
    assert res.exit_code == 1
    res = runner.invoke(cli, ["review", "--dir", str(rdir2.path), "--approve", info2.rev_id, "--by", "dev"])
    assert res.exit_code != 0 and "DS108" in res.output
    res = runner.invoke(cli, ["review", "--dir", str(rdir2.path), "--approve", info2.rev_id, "--by", "dev",
                              "--accept", "DS108"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["check", "--dir", str(rdir2.path)])
    assert res.exit_code == 0, res.output


def test_a_data_migration_that_fails_only_on_rows_is_refused(server, base, tmp_path):
    db = server.create_database()
    try:  # on empty tables, the client runs it without an error
        subprocess.run(server.client_command(db), input=(FIXTURES / "base.sql").read_text(), text=True,
                       check=True)
        assert _client(server, db, FIXTURES / FAILS_ON_ROWS).returncode == 0
    finally:
        server.drop_database(db)
    rdir = RevisionDir(tmp_path / "revisions")
    with pytest.raises(ScriptFailed) as err:
        revision_from_sql(rdir, [FIXTURES / FAILS_ON_ROWS], message="x", server=server.url(), source=base)
    message = str(err.value)
    assert message.startswith(f"{FAILS_ON_ROWS}:9: ERROR 1054") and "BEGIN NOT ATOMIC" in message
    assert not rdir.states.exists() or not list(rdir.states.iterdir())
    assert not rdir.versions.exists() or not list(rdir.versions.glob("*.py"))


def test_import_legacy_and_revision_sql_run_the_same_statements(server, base, tmp_path):
    folder = tmp_path / "updates"
    folder.mkdir()
    shutil.copy(FIXTURES / RENAME_AND_MOVE, folder)
    legacy = RevisionDir(tmp_path / "legacy")
    results = import_legacy(legacy, folder, base, server=server.url())
    assert [r.status for r in results] == ["imported"]
    legacy_file = next(legacy.versions.glob("*.py"))
    _, info, _ = _revision(tmp_path, base, server, RENAME_AND_MOVE)
    a = [c.sql for c in read_revision_file(legacy_file).statements("upgrade")]
    b = [c.sql for c in read_revision_file(info.path).statements("upgrade")]
    assert a == b and len(a) == 7
    # both rename back what the script renames
    for path in (legacy_file, info.path):
        down = path.read_text().split("def downgrade()")[1]
        assert "`imageDirectory` `imgDir`" in down or "imageDirectory imgDir" in down


def test_revision_command_prints_its_account(server, base, tmp_path):
    start = tmp_path / "base.json"
    Snapshot(base).write(start)
    res = CliRunner().invoke(cli, ["revision", "--dir", str(tmp_path / "r"), "--from", str(start),
                                   "--sql", str(FIXTURES / RENAME_AND_MOVE), "-m", "rename",
                                   "--server", server.url()])
    assert res.exit_code == 0, res.output
    out = res.output
    assert "statements kept as written: 7" in out
    assert "renames recognised: column DataCollection.imgDir -> imageDirectory" in out
    assert f"{RENAME_AND_MOVE}:20: INSERT INTO DataCollectionComment" in out and "+5 row(s)" in out
    assert "downgrade: the undo section" in out
    assert "lint: " in out


def test_stated_renames_pair_objects_in_the_diff(base):
    import dataclasses

    dc = base.table("DataCollection")
    cols = tuple(dataclasses.replace(c, name="imageDirectory") if c.name == "imgDir" else c for c in dc.columns)
    other = dataclasses.replace(base, tables=tuple(dataclasses.replace(t, columns=cols) if t is dc else t
                                                   for t in base.tables))
    plain = diff(base, other)
    assert {c.action for c in plain} == {"rename"} and not plain[0].confirmed  # a guess
    stated = diff(base, other, DiffOptions(renames=(("column", "DataCollection", "imgDir", "imageDirectory"),)))
    assert [(c.action, c.confirmed, c.reason) for c in stated] == [("rename", True, "renamed by the script")]


def test_verify_follows_stated_renames_and_lists_the_rows_each_data_statement_wrote(server, base, tmp_path):
    from schema_tools.verify.report import to_text
    from schema_tools.verify.runner import verify

    # the rename also widens a column: a plain diff sees a drop and an add there
    script = tmp_path / "2026_12_05_rename_widen.sql"
    script.write_text("ALTER TABLE DataCollection CHANGE imgSuffix imageSuffix varchar(100) DEFAULT NULL;\n"
                      "ALTER TABLE DataCollection ADD imageCount int unsigned DEFAULT NULL;\n"
                      "UPDATE DataCollection SET imageCount = 7 WHERE imgDir IS NOT NULL;\n"
                      "-- To undo:\n"
                      "-- ALTER TABLE DataCollection DROP imageCount;\n"
                      "-- ALTER TABLE DataCollection CHANGE imageSuffix imgSuffix varchar(45) DEFAULT NULL;\n")
    rdir, info, account = _revision(tmp_path, base, server, script)
    plain = diff(base, Snapshot.read(rdir.states / f"{info.rev_id}.json").schema)
    assert any(c.action == "drop" and c.kind == "column" for c in plain), "the case needs a stated rename"
    assert account.downgrade.startswith("the undo section")
    snaps = tmp_path / "snapshots"
    snaps.mkdir()
    Snapshot(base, {"site": "fixture"}).write(snaps / "fixture.json")
    report = verify(rdir, snapshots=snaps, servers=[server.url()], rows=6)
    up, down = report.sites[0].steps
    assert report.ok, to_text(report)
    # each step says where it starts and where it must arrive
    assert (up.span, down.span) == (f"upgrade base -> {info.rev_id}", f"downgrade {info.rev_id} -> base")
    assert f"upgrade   base -> {info.rev_id}: ok" in to_text(report)
    # the renamed column's seeded values were followed both ways, not dropped
    assert up.data.dropped == []
    assert [(d.column, d.accepted) for d in down.data.dropped] == [("imageCount", True)]
    assert up.statements == [{"statement": "UPDATE DataCollection SET imageCount = 7 WHERE imgDir IS NOT NULL",
                               "rows": 6}]
    assert "UPDATE DataCollection SET imageCount = 7 WHERE imgDir IS NOT NULL: 6 row(s)" in to_text(report)


def test_reference_tables_are_configuration(tmp_path):
    from schema_tools.config import configured_reference_tables

    assert configured_reference_tables(tmp_path) == ISPYB_LOOKUP_TABLES  # the default: ISPyB's
    (tmp_path / "pyproject.toml").write_text('[tool.schema_tools]\nreference_tables = ["Beamline", "Mode"]\n')
    deeper = tmp_path / "revisions"
    deeper.mkdir()
    assert configured_reference_tables(deeper) == ("Beamline", "Mode")  # found from below
    (tmp_path / "pyproject.toml").write_text('[tool.schema_tools]\nreference_tables = "Beamline"\n')
    with pytest.raises(InputError, match="pyproject.toml: \\[tool.schema_tools\\] reference_tables"):
        configured_reference_tables(deeper)


def test_a_script_without_data_statements_is_read_offline_with_the_same_result(server, base, tmp_path):
    script = tmp_path / "2026_12_06_ddl.sql"
    script.write_text("INSERT IGNORE INTO SchemaStatus (scriptName, schemaStatus) "
                      "VALUES ('2026_12_06_ddl.sql', 'ONGOING');\n"
                      "ALTER TABLE DataCollection CHANGE imgPrefix imagePrefix varchar(45) DEFAULT NULL,\n"
                      "  ADD COLUMN flux float DEFAULT NULL COMMENT 'photons/s', ADD KEY DataCollection_flux (flux);\n"
                      "UPDATE SchemaStatus SET schemaStatus = 'DONE' WHERE scriptName = '2026_12_06_ddl.sql';\n")
    offline = ScriptAccount()
    a = revision_from_sql(RevisionDir(tmp_path / "a"), [script], message="m", source=base, account=offline)
    assert any("read offline" in n for n in offline.notes)
    on_server = ScriptAccount()
    b = revision_from_sql(RevisionDir(tmp_path / "b"), [script], message="m", source=base,
                          server=server.url(), account=on_server)
    assert not any("read offline" in n for n in on_server.notes)
    assert (a.before, a.after) == (b.before, b.after)
    assert a.path.read_text() == b.path.read_text()
