"""A server on MariaDB's upstream defaults (latin1 server character set, as a non-Debian
install gives): a database created there has the default latin1 / latin1_swedish_ci, where
the recorded states have utf8mb4 / utf8mb4_general_ci.  Such a database is snapshotted,
identified, stamped, diffed, upgraded and downgraded; the database default is part of what
revisions reach."""

from __future__ import annotations

import json
import secrets
import time

import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.dba import identify as identify_module
from schema_tools.dba.identify import read_live, tracked_tables
from schema_tools.errors import ServerError
from schema_tools.migrate.commands import generate
from schema_tools.migrate.revision import RevisionDir
from schema_tools.model.snapshot import Snapshot
from schema_tools.dialect.ddl import quote_ident, render_schema
from schema_tools.servers.local import LocalServer, find_server_binaries
from schema_tools.sources.connection import parse_url
from schema_tools.sources.loader import load_text
from schema_tools.sources.resolve import snapshot_from_sql

from .conftest import PROJECT_ROOT, _missing
from .test_verify import BASE_SQL

pytestmark = pytest.mark.server

DLS = PROJECT_ROOT / "snapshots" / "dls-v5.0.0.json"
REVISIONS = PROJECT_ROOT / "revisions"
HEAD = "dls_v5_0_0"
START = "dls_20260420_ligand_name"  # three revisions below the head of the DLS line
RECORDED = ("utf8mb4", "utf8mb4_general_ci")
UPSTREAM = ("latin1", "latin1_swedish_ci")
FIX = "CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;"
DATABASE_LINE = "~ database: charset utf8mb4 -> latin1; collation utf8mb4_general_ci -> latin1_swedish_ci"


@pytest.fixture(scope="module")
def latin1_server():
    try:
        find_server_binaries()
    except ServerError as exc:
        _missing(f"no MariaDB/MySQL server: {exc} ({exc.hint})")
    with LocalServer(charset=UPSTREAM[0], collation=UPSTREAM[1]) as srv:
        yield srv


def _run(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def _default(server, db) -> tuple[str, str]:
    conn = server.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME "
                        "FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s", (db,))
            return tuple(cur.fetchone())
    finally:
        conn.close()


def _execute(server, db, sql) -> None:
    conn = server.connect(db)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def _fresh(server, name: str | None = None) -> str:
    """A database created as a DBA creates it: the server's default, which is latin1 here."""
    db = server.create_database(name)
    assert _default(server, db) == UPSTREAM
    return db


def _load_at_server_default(server, db, snap: Snapshot) -> None:
    """``snap`` loaded into ``db``, whose default is then the server's again: the rendered DDL
    states the recorded default (ALTER DATABASE), which a release's own scripts do not.  Every
    table states its own charset: the database default is all that differs."""
    load_text(render_schema(snap.schema), client=server.client_command(), database=db)
    _execute(server, db, f"ALTER DATABASE {quote_ident(db)} CHARACTER SET latin1 COLLATE latin1_swedish_ci")
    assert _default(server, db) == UPSTREAM


@pytest.fixture
def dls_db(latin1_server):
    """DLS v5.0.0 in a fresh database on the latin1 server; a name that needs quoting."""
    db = _fresh(latin1_server, f"ispyb-{secrets.token_hex(4)}")
    _load_at_server_default(latin1_server, db, Snapshot.read(DLS))
    yield db
    latin1_server.drop_database(db)


def _live(server, db, rdir):
    """The live schema as identify, drift and upgrade read it (routines the connecting
    account created carry no definer)."""
    return read_live(parse_url(server.url(db)), tracked_tables(rdir))[0]


def _url_dir(server, db):
    return ["--url", server.url(db), "--dir", str(REVISIONS)]


def test_identify_names_the_revision_and_the_database_default(latin1_server, dls_db, monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)
    url_dir = _url_dir(latin1_server, dls_db)
    statement = f"ALTER DATABASE {quote_ident(dls_db)} {FIX}"

    # fast: the state is found by fingerprint, with no nearest-state search (which parses
    # and diffs every recorded state)
    def no_nearest_search(rdir):
        raise AssertionError("identify searched for the nearest state")

    with monkeypatch.context() as m:
        m.setattr(identify_module, "recorded_states", no_nearest_search)
        t0 = time.monotonic()
        code, out = _run("identify", *url_dir)
        took = time.monotonic() - t0
    assert code == 1, out  # not the recorded state exactly
    assert f"schema: the state of revision {HEAD}, except the database default\n" in out, out
    assert "database default: latin1 / latin1_swedish_ci; the recorded state has utf8mb4 / " \
           "utf8mb4_general_ci" in out
    assert statement in out and "nearest" not in out
    assert "equals, except the database default, snapshot(s): dls-v5.0.0" in out

    code, out = _run("identify", *url_dir, "--format", "json")
    doc = json.loads(out)
    assert doc["revision"] == HEAD and doc["nearest"] is None
    assert doc["database_default"] == {"charset": "latin1", "collation": "latin1_swedish_ci",
                                       "recorded_charset": "utf8mb4",
                                       "recorded_collation": "utf8mb4_general_ci", "statement": statement}

    # the statement it shows, run as shown, makes the database the recorded state exactly;
    # identify then takes about as long as before
    load_text(statement, client=latin1_server.client_command(), database=dls_db)
    t0 = time.monotonic()
    code, out = _run("identify", *url_dir)
    exact = time.monotonic() - t0
    assert f"schema: the state of revision {HEAD}\n" in out and "equals snapshot(s): dls-v5.0.0" in out
    assert "database default" not in out
    assert took < 3 * exact + 1.0, (took, exact)


def test_diff_reports_the_database_default_as_one_change(latin1_server, dls_db):
    # the live side names the account that loaded the routines as their definer, which the
    # release does not (identify and drift read that account as none; diff is told)
    url = latin1_server.url(dls_db)
    code, out = _run("diff", str(DLS), url, "--ignore", "definer")
    assert code == 1, out
    changes = [line for line in out.splitlines() if line.lstrip()[:2] in ("+ ", "- ", "~ ", "> ", "? ")]
    assert changes == [DATABASE_LINE], out
    assert "summary: 1 change" in out, out
    code, out = _run("diff", str(DLS), url, "--ignore", "definer,charset")
    assert code == 0, out


def test_stamp_records_the_revision_and_upgrade_sets_the_default(latin1_server, dls_db, monkeypatch):
    """stamp --auto stamps the revision the schema otherwise is and says what it leaves (it
    runs no DDL); drift reports the default as one difference; upgrade, at the head, sets
    the recorded default and nothing else."""
    monkeypatch.chdir(PROJECT_ROOT)
    url_dir = _url_dir(latin1_server, dls_db)
    statement = f"ALTER DATABASE {quote_ident(dls_db)} {FIX}"
    code, out = _run("stamp", *url_dir, "--auto")
    assert code == 0 and f"at {HEAD}" in out, out
    assert "except the database default" in out and statement in out
    assert _default(latin1_server, dls_db) == UPSTREAM, "stamp changes nothing but alembic_version"

    code, out = _run("drift", *url_dir)
    assert code == 1 and "1 difference(s)" in out and DATABASE_LINE in out and statement in out, out

    code, out = _run("upgrade", *url_dir, "--dry-run")
    assert code == 0 and "first, the recorded database default" in out and statement in out, out
    assert _default(latin1_server, dls_db) == UPSTREAM
    code, out = _run("upgrade", *url_dir, "--sql")
    assert code == 0 and statement in out, out
    code, out = _run("upgrade", *url_dir, "--yes")
    assert code == 0, out
    assert "database default set to utf8mb4 / utf8mb4_general_ci" in out
    assert f"the schema is the recorded state of {HEAD}" in out
    assert _default(latin1_server, dls_db) == RECORDED
    code, out = _run("drift", *url_dir)
    assert code == 0 and "no drift" in out, out
    code, out = _run("upgrade", *url_dir, "--yes")
    assert code == 0 and f"nothing to do: the database is at {HEAD}" in out, out


def test_upgrade_from_below_the_head_and_back(latin1_server, monkeypatch):
    """Three revisions below the head, at the latin1 default: the upgrade sets the recorded
    default first, then runs the revisions (each end state checked); the downgrade returns."""
    monkeypatch.chdir(PROJECT_ROOT)
    rdir = RevisionDir(REVISIONS)
    db = _fresh(latin1_server)
    try:
        _load_at_server_default(latin1_server, db, rdir.state(START))
        url_dir = _url_dir(latin1_server, db)
        code, out = _run("stamp", *url_dir, "--auto")
        assert code == 0 and f"at {START}" in out, out
        code, out = _run("upgrade", *url_dir, "--yes")
        assert code == 0 and "database default set to utf8mb4" in out, out
        assert f"the schema is the recorded state of {HEAD}" in out
        assert _default(latin1_server, db) == RECORDED
        code, out = _run("drift", *url_dir)
        assert code == 0 and f"no drift: the schema is the recorded state of {HEAD}" in out, out
        code, out = _run("downgrade", *url_dir, "--to", START, "--yes")
        assert code == 0 and f"the schema is the recorded state of {START}" in out, out
        code, out = _run("drift", *url_dir)
        assert code == 0 and "no drift" in out, out
    finally:
        latin1_server.drop_database(db)


PROCEDURE = """
DELIMITER ;;
CREATE PROCEDURE `{name}`(IN `x` varchar(10)) BEGIN SELECT x; END;;
DELIMITER ;
"""


UNDER_ANOTHER = f"ALTER DATABASE {FIX}\n" + PROCEDURE.format(name="new_proc") + \
    "ALTER DATABASE CHARACTER SET latin1 COLLATE latin1_swedish_ci;\n"
TARGETS = {
    # B has the recorded default, and every procedure was created under it
    "default": (f"ALTER DATABASE {FIX}\n" + BASE_SQL + PROCEDURE.format(name="old_proc")
                + PROCEDURE.format(name="new_proc"),
                RECORDED, {"old_proc": "utf8mb4_general_ci", "new_proc": "utf8mb4_general_ci"}),
    # B keeps latin1, and has a procedure created while the default was utf8mb4
    "routine-collation": (BASE_SQL + PROCEDURE.format(name="old_proc") + UNDER_ANOTHER,
                          UPSTREAM, {"old_proc": "latin1_swedish_ci", "new_proc": "utf8mb4_general_ci"}),
}


@pytest.mark.parametrize("case", sorted(TARGETS))
def test_a_revision_between_database_defaults_goes_there_and_back(latin1_server, tmp_path, case):
    """A (latin1, a procedure) -> B: the revision sets B's default before it creates anything
    (a procedure takes the database collation in effect), and creates a procedure recorded
    under another collation under that one; the upgrade reaches B exactly, the downgrade A."""
    b_sql, b_default, b_collations = TARGETS[case]
    (tmp_path / "a.sql").write_text(BASE_SQL + PROCEDURE.format(name="old_proc"))
    (tmp_path / "b.sql").write_text(b_sql)
    a = snapshot_from_sql([tmp_path / "a.sql"], server=latin1_server.url())
    b = snapshot_from_sql([tmp_path / "b.sql"], server=latin1_server.url())
    assert (a.schema.charset, a.schema.collation) == UPSTREAM
    assert (b.schema.charset, b.schema.collation) == b_default
    assert {r.name: r.database_collation for r in b.schema.routines} == b_collations
    rdir = RevisionDir(tmp_path / "revisions")
    info = generate(rdir, source=a.schema, target=b.schema, message="database default",
                    server=latin1_server.url())  # checked on a scratch database: reaches B
    code = info.path.read_text()
    upgrade = code[code.index("def upgrade()"):code.index("def downgrade()")]
    downgrade = code[code.index("def downgrade()"):]
    create = upgrade.index("CREATE PROCEDURE `new_proc`")
    if case == "default":
        assert upgrade.index(f"ALTER DATABASE {FIX[:-1]}") < upgrade.index("CREATE PROCEDURE")
        assert "ALTER DATABASE CHARACTER SET latin1 COLLATE latin1_swedish_ci" in downgrade
    else:
        assert upgrade.index("ALTER DATABASE COLLATE utf8mb4_general_ci") < create \
            < upgrade.index("ALTER DATABASE CHARACTER SET latin1 COLLATE latin1_swedish_ci")
        assert "ALTER DATABASE" not in downgrade

    db = _fresh(latin1_server)
    try:
        load_text(render_schema(a.schema), client=latin1_server.client_command(), database=db)
        url_dir = ["--url", latin1_server.url(db), "--dir", str(rdir.path)]
        assert _run("stamp", *url_dir, "--auto")[0] == 0
        code, out = _run("upgrade", *url_dir, "--yes", "--allow-unreviewed")
        assert code == 0, out
        assert _default(latin1_server, db) == b_default
        live = _live(latin1_server, db, rdir)
        assert {r.name: r.database_collation for r in live.routines} == b_collations
        assert Snapshot(live).fingerprint == b.fingerprint
        code, out = _run("downgrade", *url_dir, "--to", "base", "--yes", "--allow-unreviewed")
        assert code == 0, out
        assert _default(latin1_server, db) == UPSTREAM
        assert Snapshot(_live(latin1_server, db, rdir)).fingerprint == a.fingerprint
    finally:
        latin1_server.drop_database(db)


def test_snapshot_and_round_trip_on_the_latin1_server(latin1_server, dls_db, tmp_path):
    """snapshot URL of the latin1-default database records that default (and its routines'
    own database collation, utf8mb4_general_ci); render it, load it into a fresh database on
    the same server, snapshot again: the same file.  The recorded DLS v5.0.0 makes the same
    round trip there, as SQL files loaded by the tool (--server)."""
    first = tmp_path / "site.json"
    code, out = _run("snapshot", latin1_server.url(dls_db), "-o", str(first), "--reproducible")
    assert code == 0, out
    site = Snapshot.read(first)
    assert (site.schema.charset, site.schema.collation) == UPSTREAM
    assert {r.database_collation for r in site.schema.routines} == {"utf8mb4_general_ci"}
    db = _fresh(latin1_server)
    try:
        load_text(render_schema(site.schema), client=latin1_server.client_command(), database=db)
        again = tmp_path / "again.json"
        code, out = _run("snapshot", latin1_server.url(db), "-o", str(again), "--reproducible")
        assert code == 0, out
        assert Snapshot.read(again).fingerprint == site.fingerprint
        assert again.read_bytes() == first.read_bytes()
    finally:
        latin1_server.drop_database(db)

    rendered = tmp_path / "dls.sql"
    rendered.write_text(render_schema(Snapshot.read(DLS).schema))
    code, out = _run("snapshot", str(rendered), "--server", latin1_server.url(), "-o", str(tmp_path / "dls.json"))
    assert code == 0, out
    assert Snapshot.read(tmp_path / "dls.json").fingerprint == Snapshot.read(DLS).fingerprint


def test_a_dls_v4_database_at_the_latin1_default_follows_the_dls_line(latin1_server, monkeypatch):
    """Nothing in alembic_version, and a schema that is the DLS line's starting state but for
    the database default: the line is still the DLS one (--sql shows it, the default first)."""
    monkeypatch.chdir(PROJECT_ROOT)
    db = _fresh(latin1_server)
    try:
        _load_at_server_default(latin1_server, db, Snapshot.read(PROJECT_ROOT / "snapshots" / "dls-v4.0.0.json"))
        url = ["--url", latin1_server.url(db)]
        code, out = _run("stamp", *url, "--auto")
        assert code == 0 and "at base" in out, out
        code, out = _run("drift", *url)
        assert code == 1 and "1 difference(s)" in out and DATABASE_LINE in out, out
        result = CliRunner().invoke(cli, ["upgrade", *url, "--sql"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        sql = result.stdout
        assert sql.index(f"ALTER DATABASE {quote_ident(db)} {FIX}") < sql.index("INSERT IGNORE INTO SchemaStatus")
        assert f"version_num='{HEAD}'" in sql and "esrf" not in sql
    finally:
        latin1_server.drop_database(db)


def test_alter_database_is_ddl_whose_effect_the_schema_shows():
    """The database default is part of the schema: an interrupted run that committed only an
    ALTER DATABASE, undone by hand, is seen as not started (no data statement to keep)."""
    from schema_tools.dba.upgrade_statements import changes_data
    from schema_tools.dialect.ddl import alter_database

    assert changes_data(alter_database("utf8mb4", "utf8mb4_general_ci")) is False
    assert changes_data("ALTER SCHEMA `x` COLLATE latin1_swedish_ci") is False
    assert changes_data("CREATE DATABASE `other`") is True
    assert alter_database(None, "utf8mb4_bin", "a`b") == "ALTER DATABASE `a``b` COLLATE utf8mb4_bin"
