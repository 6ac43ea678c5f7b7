"""Generated Alembic revisions on a real server: every single feature, upgrade and downgrade,
with the data of surviving columns intact; and the big real migrations."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from schema_tools.diff.compare import diff
from schema_tools.migrate.commands import generate, revision_from_sql, run_alembic
from schema_tools.migrate.revision import RevisionDir, widen
from schema_tools.model import DataType, Snapshot
from schema_tools.dialect.ddl import render_schema
from schema_tools.sources.introspect import MULTI_STATEMENTS, introspect
from schema_tools.sources.loader import load_text
from schema_tools.migrate.seed import checksums, seed, surviving_columns

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.server

DLS5 = ROOT / "snapshots" / "dls-v5.0.0.json"

from tests.feature_cases import CASES  # noqa: E402 - after the marks, as the module reads


def _snap(conn, db):
    """Introspect as the account that ran the migrations: objects whose source named no
    DEFINER get that account, which the model records as "no definer"."""
    with conn.cursor() as cur:
        cur.execute("SELECT CURRENT_USER()")
        account = cur.fetchone()[0]
    return introspect(conn, db, loader_account=account).schema


def _connect(url):
    from schema_tools.sources.connection import parse_url

    return parse_url(url).connect(client_flag=MULTI_STATEMENTS)


@pytest.fixture(scope="module")
def dls5():
    return Snapshot.read(DLS5).schema


@pytest.fixture(scope="module")
def dls5_ddl(dls5):
    return render_schema(dls5)


@pytest.mark.parametrize("case", sorted(CASES))
def test_single_feature_revision(case, server, dls5, dls5_ddl, tmp_path):
    seed_table, change = CASES[case]
    rdir = RevisionDir(tmp_path / "revisions")
    # the upgrade below is the check, so the generation skips its own
    info = revision_from_sql(rdir, [_write(tmp_path, change)], message=case, server=server.url(),
                             source=dls5, check=False)
    target = Snapshot.read(rdir.states / f"{info.rev_id}.json").schema
    assert diff(dls5, target), "the case must change something"
    text = info.path.read_text()
    assert "def upgrade()" in text and "def downgrade()" in text

    db = server.create_database()
    try:
        load_text(dls5_ddl, client=server.client_command(), database=db)
        conn = _connect(server.url(db))
        seed(conn, dls5, rows=5, tables=[seed_table])
        keep = {seed_table: surviving_columns(dls5, target).get(seed_table, [])}
        before = checksums(conn, dls5, keep)
        assert before[seed_table][0] > 0 if keep[seed_table] else True
        url = server.url(db)
        run_alembic(rdir, url, "upgrade", "head")
        up = _snap(conn, db)
        assert diff(up, target) == [], f"{case}: upgrade leaves differences"
        after_up = checksums(conn, up, {seed_table: keep[seed_table]}) if up.table(seed_table) else before
        assert after_up == before, f"{case}: rows changed by the upgrade"
        run_alembic(rdir, url, "downgrade", "base")
        down = _snap(conn, db)
        assert diff(down, dls5) == [], f"{case}: downgrade leaves differences"
        assert checksums(conn, down, keep) == before, f"{case}: rows changed by the downgrade"
        conn.close()
    finally:
        server.drop_database(db)


def _write(tmp_path, sql):
    path = tmp_path / "change.sql"
    body = sql.replace("; ", ";\n")
    if "CREATE PROCEDURE" in body or "CREATE FUNCTION" in body or "CREATE TRIGGER" in body:
        body = "DELIMITER ;;\n" + body.replace(";\n", ";;\n") + ";;\nDELIMITER ;\n"
    else:
        body += ";\n"
    path.write_text(body)
    return path


def test_revision_file_is_deterministic(server, dls5, tmp_path):
    target = Snapshot.read(ROOT / "snapshots" / "dls-v4.0.0.json").schema
    paths = []
    for name in ("a", "b"):
        info = generate(RevisionDir(tmp_path / name), source=dls5, target=target, message="back to v4",
                        check=False)
        paths.append(info.path)
    assert paths[0].name == paths[1].name
    assert paths[0].read_text() == paths[1].read_text()
    text = paths[0].read_text()
    assert f"Expects schema: {Snapshot(dls5).fingerprint}" in text
    assert f"Produces schema: {Snapshot(target).fingerprint}" in text


@pytest.mark.parametrize("pair", [("dls-v4.0.0", "dls-v5.0.0"), ("esrf-pydb", "dls-v5.0.0")])
def test_real_migration_exact(pair, server, tmp_path):
    """The whole release step, and ESRF onto DLS: 0 errors, 0 residual differences, data
    of surviving columns kept.  The release step also comes back down exactly (ESRF's
    downgrade would re-create dropped tables empty under rows that reference them)."""
    a = Snapshot.read(ROOT / "snapshots" / f"{pair[0]}.json").schema
    b = Snapshot.read(ROOT / "snapshots" / f"{pair[1]}.json").schema
    rdir = RevisionDir(tmp_path / "revisions")
    generate(rdir, source=a, target=b, message=f"{pair[0]} to {pair[1]}", check=False)
    db = server.create_database()
    try:
        load_text(render_schema(a), client=server.client_command(), database=db)
        conn = _connect(server.url(db))
        seed(conn, a, rows=3, prefer=b)
        keep = surviving_columns(a, b)
        before = checksums(conn, a, keep)
        run_alembic(rdir, server.url(db), "upgrade", "head")
        assert diff(_snap(conn, db), b) == []
        after = checksums(conn, b, keep)
        assert after == {k: v for k, v in before.items() if k in after}
        if pair[0].startswith("dls"):
            run_alembic(rdir, server.url(db), "downgrade", "base")
            assert diff(_snap(conn, db), a) == []
        conn.close()
    finally:
        server.drop_database(db)


def test_additive_keeps_site_specific_objects_and_data(server, tmp_path):
    esrf = Snapshot.read(ROOT / "snapshots" / "esrf-pydb.json").schema
    dls = Snapshot.read(ROOT / "snapshots" / "dls-v5.0.0.json").schema
    rdir = RevisionDir(tmp_path / "revisions")
    info = generate(rdir, source=esrf, target=dls, message="converge additively", policy="additive",
                    server=server.url())
    expected = Snapshot.read(rdir.states / f"{info.rev_id}.json").schema
    # every ESRF table and column is still there (case-only renames keep their data)
    for t in esrf.tables:
        et = expected.table(t.name)
        assert et is not None, t.name
        names = {c.name.lower() for c in et.columns}
        assert all(c.name.lower() in names for c in t.columns), t.name
    # and everything of DLS's is there too
    assert {t.name for t in dls.tables} <= {t.name for t in expected.tables}
    # nothing of ESRF's is replaced: views, routines and triggers as they were, columns only
    # widened (defaults and NULL allowance kept), table defaults kept
    for kind in ("views", "routines", "triggers", "events"):
        mine = {o.name: o for o in getattr(expected, kind)}
        assert all(mine.get(o.name) == o for o in getattr(esrf, kind)), kind
    for t in esrf.tables:
        et = expected.table(t.name)
        assert (et.charset, et.collation, et.engine) == (t.charset, t.collation, t.engine), t.name
        for c in t.columns:
            ec = next(x for x in et.columns if x.name.lower() == c.name.lower())
            assert (ec.default, ec.nullable, ec.on_update) == (c.default, c.nullable, c.on_update), ec
            assert widen(ec.type, c.type) == ec.type, (t.name, c.name)
        # no constraint over the rows ESRF has
        assert {k.name for k in et.checks} == {k.name for k in t.checks}, t.name
    db = server.create_database()
    try:
        load_text(render_schema(esrf), client=server.client_command(), database=db)
        conn = _connect(server.url(db))
        seed(conn, esrf, rows=3, prefer=dls)
        keep = surviving_columns(esrf, esrf)
        before = checksums(conn, esrf, keep)
        run_alembic(rdir, server.url(db), "upgrade", "head")
        now = _snap(conn, db)
        assert diff(now, expected) == []
        # every ESRF row survives, in every ESRF column (renamed columns are read by new name)
        lower_keep = {}
        for table, cols in keep.items():
            actual = {c.name.lower(): c.name for c in now.table(table).columns}
            lower_keep[table] = [actual[c.lower()] for c in cols]
        after = checksums(conn, now, lower_keep)
        assert [v[0] for v in after.values()] == [v[0] for v in before.values()]
        run_alembic(rdir, server.url(db), "downgrade", "base")
        assert diff(_snap(conn, db), esrf) == [], "the downgrade does not come back to ESRF's schema"
        conn.close()
    finally:
        server.drop_database(db)


def test_widen():
    p = DataType.parse
    assert widen(p("int(10) unsigned"), p("int(11)")) == p("bigint(20)")
    assert widen(p("varchar(45)"), p("varchar(255)")) == p("varchar(255)")
    assert widen(p("enum('a','b')"), p("enum('b','c')")) == p("enum('a','b','c')")
    assert widen(p("float"), p("double")) == p("double")
    assert widen(p("int(11)"), p("varchar(10)")) == p("int(11)")


def test_plain_alembic_command_works_online_and_offline(server, tmp_path):
    dls4 = Snapshot.read(ROOT / "snapshots" / "dls-v4.0.0.json").schema
    dls5 = Snapshot.read(ROOT / "snapshots" / "dls-v5.0.0.json").schema
    rdir = RevisionDir(tmp_path / "rev")
    generate(rdir, source=dls4, target=dls5, message="v4 to v5", check=False)
    alembic = str(Path(sys.executable).with_name("alembic"))
    db = server.create_database()
    try:
        load_text(render_schema(dls4), client=server.client_command(), database=db)
        offline = subprocess.run([alembic, "-c", str(rdir.path / "alembic.ini"), "-x", f"url={server.url(db)}",
                                  "upgrade", "head", "--sql"], capture_output=True, text=True)
        assert offline.returncode == 0, offline.stderr
        assert "DELIMITER ;;" in offline.stdout and "CREATE TABLE `ProcessedTomogram`" in offline.stdout
        # the offline script loads with the mariadb client and gives the target
        load_text(offline.stdout, client=server.client_command(), database=db)
        conn = _connect(server.url(db))
        assert diff(_snap(conn, db), dls5) == []
        online = subprocess.run([alembic, "-c", str(rdir.path / "alembic.ini"), "-x", f"url={server.url(db)}",
                                 "downgrade", "base"], capture_output=True, text=True)
        assert online.returncode == 0, online.stderr
        assert diff(_snap(conn, db), dls4) == []
        conn.close()
    finally:
        server.drop_database(db)


def test_shipped_revisions_reach_their_recorded_states(server):
    """revisions/ (the ISPyB history shipped with the project): from the base state, every
    revision of the DLS line reaches the state it records, and the downgrades come back to
    base."""
    rdir = RevisionDir(ROOT / "revisions")
    base = rdir.state(None).schema
    head_id, head_snap = rdir.head_state("dls")
    head = head_snap.schema
    text = next(rdir.versions.glob(f"{head_id}_*.py")).read_text()
    assert f"Produces schema: {Snapshot(head).fingerprint}" in text
    db = server.create_database()
    try:
        load_text(render_schema(base), client=server.client_command(), database=db)
        conn = _connect(server.url(db))
        run_alembic(rdir, server.url(db), "upgrade", "dls@head")
        assert diff(_snap(conn, db), head) == []
        run_alembic(rdir, server.url(db), "downgrade", "base")
        assert diff(_snap(conn, db), base) == []
        conn.close()
    finally:
        server.drop_database(db)


def test_names_and_statements_cannot_escape_the_revision_file(tmp_path):
    """A hostile name in a rename comment stays a comment; any statement reads back from
    the file exactly (a quote at its end, a carriage return, a control character)."""
    import ast

    from schema_tools.diff.changes import Rename
    from schema_tools.migrate.revision import render_revision
    from schema_tools.model.objects import Column
    from schema_tools.migrate.plan import Step

    evil = "r\n    open('/tmp/pwned', 'w')#"
    rename = Rename("column", "t", Column("plain", DataType("int")), Column(evil, DataType("int")),
                    confirmed=False, reason="same definition")
    statements = ['CREATE PROCEDURE `p`()\nSELECT "x"', "CREATE TABLE `cr\rname` (\n  id int\n)",
                  "SELECT 'a\\\\b'\n", "SELECT '\x0b'\n", "SELECT '\u00a0é'\n"]
    steps = [Step("alter", "ALTER TABLE `t` RENAME COLUMN `plain` TO `x`", (rename,))]
    steps += [Step("create", sql) for sql in statements]
    path = tmp_path / "rev.py"
    path.write_text(render_revision(rev_id="r1", down_revision=None, message="m", branch_labels=None,
                                    before="sha256:a", after="sha256:b", policy="exact",
                                    upgrade=steps, downgrade=[]), encoding="utf-8")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    upgrade = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade")
    calls = [n.value.func.id for n in upgrade.body if isinstance(n, ast.Expr)]
    assert calls == ["run_sql"] * (1 + len(statements)), "no statement but the revision's own"
    assert [n.value.args[0].value for n in upgrade.body][1:] == statements
    assert "# CONFIRM: likely rename plain -> r\\n    open(" in path.read_text(encoding="utf-8")
