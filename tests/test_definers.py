"""Definers are recorded as the source says, whichever account loads it.

A database whose routines, views and triggers were created by ``root@localhost`` is the
common case on a real server.  A workspace loads SQL as an account of its own, so such a
definer stays ``root@localhost`` while an object created without a DEFINER has none, and
snapshot -> render -> snapshot is a fixpoint.  A database loaded by root is then read
live and revised like any other."""

from __future__ import annotations

import contextlib
import dataclasses

import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.diff.compare import diff
from schema_tools.migrate.commands import run_alembic
from schema_tools.migrate.revision import RevisionDir
from schema_tools.model import Snapshot
from schema_tools.dialect.ddl import render_schema
from schema_tools.sources.connection import parse_url
from schema_tools.sources.introspect import MULTI_STATEMENTS
from schema_tools.servers.local import LOADER_ACCOUNT
from schema_tools.sources.loader import load_text
from schema_tools.sources.resolve import snapshot_from_sql, snapshot_from_url, snapshot_offline
from schema_tools.migrate.seed import checksums, seed, surviving_columns

from .conftest import PROJECT_ROOT
from .feature_cases import CASES

pytestmark = pytest.mark.server

ROOT_DEFINED = """\
CREATE TABLE t (id int NOT NULL PRIMARY KEY, n int DEFAULT NULL);
CREATE DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW v_root AS SELECT id FROM t;
CREATE VIEW v_none AS SELECT n FROM t;
CREATE DEFINER=`bob`@`%` VIEW v_bob AS SELECT id, n FROM t;
DELIMITER ;;
CREATE DEFINER=`root`@`localhost` FUNCTION f_root(a int) RETURNS int DETERMINISTIC RETURN a + 1;;
CREATE DEFINER=root@localhost PROCEDURE p_root() READS SQL DATA SELECT * FROM t;;
CREATE PROCEDURE p_none() SELECT 1;;
CREATE DEFINER=CURRENT_USER PROCEDURE p_current() SELECT 2;;
CREATE DEFINER=`root`@`localhost` TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET NEW.n = 1;;
CREATE TRIGGER t_bu BEFORE UPDATE ON t FOR EACH ROW SET NEW.n = 2;;
DELIMITER ;
"""

EXPECTED = {
    "v_root": "root@localhost", "v_none": None, "v_bob": "bob@%", "f_root": "root@localhost",
    "p_root": "root@localhost", "p_none": None, "p_current": None, "t_bi": "root@localhost",
    "t_bu": None,
}


def _definers(schema) -> dict[str, str | None]:
    return {o.name: o.definer for o in (*schema.views, *schema.routines, *schema.triggers)}


def _round_trip(path, tmp_path, server_url=None) -> tuple[Snapshot, Snapshot]:
    first = snapshot_from_sql([path], server=server_url)
    rendered = tmp_path / "rendered.sql"
    rendered.write_text(render_schema(first.schema))
    return first, snapshot_from_sql([rendered], server=server_url)


@pytest.fixture
def root_defined(tmp_path):
    path = tmp_path / "root_defined.sql"
    path.write_text(ROOT_DEFINED)
    return path


def test_root_definers_survive_a_throwaway_workspace(root_defined, tmp_path):
    """The regression: loaded as root, every root@localhost definer was recorded as none
    and the rendered snapshot came back different."""
    first, again = _round_trip(root_defined, tmp_path)
    assert _definers(first.schema) == EXPECTED
    assert diff(first.schema, again.schema) == []
    assert again.fingerprint == first.fingerprint
    assert first.metadata["warnings"] == []


def test_offline_reading_records_the_same_definers(root_defined):
    live = snapshot_from_sql([root_defined])
    offline = snapshot_offline([root_defined])
    assert _definers(offline.schema) == EXPECTED
    assert diff(live.schema, offline.schema) == []


def test_root_definers_survive_a_workspace_on_an_existing_server(server, root_defined, tmp_path):
    """On an existing server, reached as root: the workspace loads as a scratch account
    of its own, dropped with the scratch database."""
    def scratch_accounts() -> set[str]:  # pooled databases of other tests keep theirs
        with contextlib.closing(server.connect()) as conn, conn.cursor() as cur:
            cur.execute("SELECT User FROM mysql.user WHERE User LIKE 'schema\\_tools\\_%'")
            return {row[0] for row in cur.fetchall()}

    before = scratch_accounts()
    first, again = _round_trip(root_defined, tmp_path, server.url())
    assert _definers(first.schema) == EXPECTED
    assert diff(first.schema, again.schema) == []
    assert first.metadata["warnings"] == []
    assert scratch_accounts() <= before, "the scratch account outlived its workspace"


def test_an_account_that_cannot_make_a_scratch_account_is_a_stated_limit(server, root_defined):
    """Without CREATE USER and GRANT OPTION the workspace loads as the URL's account:
    a definer equal to it reads as none, and the snapshot says so."""
    user = "st_definers_limited"
    with contextlib.closing(server.connect()) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE USER IF NOT EXISTS {user}@localhost IDENTIFIED BY 'Pw-1-limited'")
        cur.execute(f"GRANT ALL PRIVILEGES ON *.* TO {user}@localhost")  # no GRANT OPTION
    try:
        url = server.url().replace("root@", f"{user}:Pw-1-limited@")
        snap = snapshot_from_sql([root_defined], server=url)
        assert _definers(snap.schema) == EXPECTED  # root@localhost is not its account
        (note,) = snap.metadata["warnings"]
        assert f"definers equal to {user}@localhost" in note and "Pw-1-limited" not in note
    finally:
        with contextlib.closing(server.connect()) as conn, conn.cursor() as cur:
            cur.execute(f"DROP USER IF EXISTS {user}@localhost")


def test_the_loader_account_is_the_one_definer_read_as_none(tmp_path):
    """The account the throwaway server loads as is the one a DEFINER that names it
    is read as none, live and offline alike."""
    user, host = LOADER_ACCOUNT.split("@")
    path = tmp_path / "loader.sql"
    path.write_text(f"CREATE TABLE t (a int);\nCREATE DEFINER=`{user}`@`{host}` VIEW v AS SELECT a FROM t;\n")
    assert _definers(snapshot_from_sql([path]).schema) == {"v": None}
    assert _definers(snapshot_offline([path]).schema) == {"v": None}


# --------------------------------------------------------------------------- DLS loaded by root

REVISED = ["column added", "column rename", "procedure changed", "trigger changed"]


@pytest.fixture(scope="module")
def dls5_root_ddl():
    """DLS v5.0.0 with every view, routine and trigger defined by root@localhost."""
    schema = Snapshot.read(PROJECT_ROOT / "snapshots" / "dls-v5.0.0.json").schema

    def root(objs):
        return tuple(dataclasses.replace(o, definer="root@localhost") for o in objs)
    assert schema.routines and schema.triggers  # it has no views
    schema = dataclasses.replace(schema, views=root(schema.views), routines=root(schema.routines),
                                 triggers=root(schema.triggers), events=root(schema.events))
    return render_schema(schema)


def _root_loaded(server, ddl: str, change: str | None = None) -> str:
    """A new database on the test server, loaded by root (and changed by root)."""
    db = server.create_database()
    load_text(ddl, client=server.client_command(), database=db)
    if change:
        with contextlib.closing(server.connect(db, client_flag=MULTI_STATEMENTS)) as conn, \
                conn.cursor() as cur:
            cur.execute(change)
            while cur.nextset():
                pass
    return db


def _live(server, db: str):
    """The schema as a DBA reads it: ``schema-tools snapshot URL``, without rows."""
    return snapshot_from_url(server.url(db), data_tables=()).schema


@pytest.mark.parametrize("case", REVISED)
def test_revision_between_databases_loaded_by_root(case, server, dls5_root_ddl, tmp_path):
    """``revision --from URL --to URL`` on DLS v5.0.0 loaded by root: the scratch check
    reaches the target (it refused with 206 differences), and the revision converges on
    the live database, up and down, with the seeded rows kept."""
    seed_table, change = CASES[case]
    dbs = [_root_loaded(server, dls5_root_ddl), _root_loaded(server, dls5_root_ddl, change)]
    try:
        a_url, b_url = (server.url(db) for db in dbs)
        before_snap, after_snap = snapshot_from_url(a_url), snapshot_from_url(b_url)
        assert {o.definer for o in before_snap.schema.routines} == {"root@localhost"}
        assert diff(before_snap.schema, after_snap.schema), "the case must change something"
        rdir = RevisionDir(tmp_path / "revisions")
        result = CliRunner().invoke(cli, ["revision", "--from", a_url, "--to", b_url, "-m", case,
                                          "--dir", str(rdir.path)], catch_exceptions=False)
        assert result.exit_code == 0, result.output

        a, b = _live(server, dbs[0]), _live(server, dbs[1])
        conn = parse_url(a_url).connect(client_flag=MULTI_STATEMENTS)
        try:
            seed(conn, a, rows=5, tables=[seed_table])
            keep = {seed_table: surviving_columns(a, b).get(seed_table, [])}
            before = checksums(conn, a, keep)
            run_alembic(rdir, a_url, "upgrade", "head")
            up = _live(server, dbs[0])
            assert diff(up, b) == [], f"{case}: upgrade leaves differences"
            assert checksums(conn, up, keep) == before, f"{case}: rows changed by the upgrade"
            run_alembic(rdir, a_url, "downgrade", "base")
            down = _live(server, dbs[0])
            assert diff(down, a) == [], f"{case}: downgrade leaves differences"
            assert checksums(conn, down, keep) == before, f"{case}: rows changed by the downgrade"
        finally:
            conn.close()
    finally:
        for db in dbs:
            server.drop_database(db)
