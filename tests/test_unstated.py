"""A definer or client charset one side leaves unstated matches any value ("unstated = any").

A snapshot of SQL files that state no DEFINER records none; the same schema loaded by root
and read live has ``root@localhost``.  ``diff``, ``matrix``, ``identify``, ``drift`` and
``stamp`` set such differences apart by default (counted in one line, not as changes);
``--strict-unstated`` compares them.  Revisions, verify and the upgrade checks compare
exactly: ``DiffOptions()`` is exact."""

from __future__ import annotations

import contextlib
import dataclasses
import json

import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.diff.changes import Alter
from schema_tools.diff.compare import DiffOptions, diff, diff_apart
from schema_tools.diff.matrix import build_matrix
from schema_tools.migrate.commands import generate
from schema_tools.migrate.revision import RevisionDir
from schema_tools.model.objects import (
    Column, DataType, Event, Parameter, Routine, Schema, Table, Trigger, View,
)
from schema_tools.model.snapshot import Snapshot
from schema_tools.dialect.ddl import render_schema
from schema_tools.render.diff_report import render_diff
from schema_tools.render.matrix_report import render_matrix
from schema_tools.sources.loader import load_text
from schema_tools.sources.resolve import snapshot_from_sql

from .conftest import PROJECT_ROOT

DLS5 = PROJECT_ROOT / "snapshots" / "dls-v5.0.0.json"
DLS4 = PROJECT_ROOT / "snapshots" / "dls-v4.0.0.json"
ANY = DiffOptions(unstated_any=True)


def _run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


def _objects(definer=None, charset_client=None, body="SELECT 1"):
    t = Table("t", (Column("id", DataType("int", 11)),))
    return Schema(
        tables=(t,),
        views=(View("v", "select 1 AS `x`", definer=definer, charset_client=charset_client),),
        routines=(Routine("p", "PROCEDURE", body, definer=definer, charset_client=charset_client),),
        triggers=(Trigger("tr", "t", "BEFORE", "INSERT", "SET NEW.id = 1", definer=definer,
                          charset_client=charset_client),),
        events=(Event("e", "DO 1", "EVERY 1 DAY", definer=definer, charset_client=charset_client),),
    )


# ---------------------------------------------------------------------------------------
# The comparison


def test_the_default_options_compare_exactly():
    """Revisions, verify and the upgrade checks build DiffOptions without the mode."""
    assert DiffOptions().unstated_any is False
    a, b = _objects(), _objects(definer="root@localhost")
    assert {c.kind for c in diff(a, b)} == {"view", "routine", "trigger", "event"}
    assert diff_apart(a, b) == (diff(a, b), [])


def test_an_unstated_definer_or_client_charset_is_set_apart():
    a = _objects()
    for b in (_objects(definer="root@localhost"), _objects(charset_client="utf8mb4"),
              _objects(definer="root@localhost", charset_client="latin1")):
        changes, apart = diff_apart(a, b, ANY)
        assert changes == [], changes
        assert sorted(c.kind for c in apart) == ["event", "routine", "trigger", "view"]
        assert all(isinstance(c, Alter) for c in apart)
        # symmetric: either side may be the unstated one
        back, back_apart = diff_apart(b, a, ANY)
        assert back == [] and len(back_apart) == 4


def test_two_stated_values_still_differ():
    changes, apart = diff_apart(_objects(definer="bob@%"), _objects(definer="root@localhost"), ANY)
    assert apart == [] and len(changes) == 4
    assert all(c.changed == ("definer",) for c in changes)


def test_other_differences_stay_without_the_unstated_attribute():
    changes, apart = diff_apart(_objects(), _objects(definer="root@localhost", body="SELECT 2"), ANY)
    (routine,) = [c for c in changes if c.kind == "routine"]
    assert routine.changed == ("body",) and apart == [c for c in apart if c.kind != "routine"]
    assert len(apart) == 3


def test_ignore_definer_leaves_nothing_to_set_apart():
    changes, apart = diff_apart(_objects(), _objects(definer="root@localhost"),
                                DiffOptions(ignore=frozenset({"definer"}), unstated_any=True))
    assert changes == [] and apart == []


def test_reports_count_what_was_set_apart():
    changes, apart = diff_apart(_objects(), _objects(definer="root@localhost"), ANY)
    text = render_diff(changes, a_label="a", b_label="b", apart=apart)
    assert "no differences" in text
    assert ("set apart: 4 objects (1 event, 1 procedure, 1 trigger, 1 view) differ only in a "
            "definer that one side leaves unstated (--strict-unstated shows them)") in text
    doc = json.loads(render_diff(changes, a_label="a", b_label="b", fmt="json", apart=apart))
    assert doc["identical"] is True
    assert doc["summary"]["unstated"] == {"mode": "any", "objects": 4, "attributes": {"definer": 4},
                                          "by_kind": {"view": 1, "routine": 1, "trigger": 1, "event": 1}}
    for fmt in ("markdown", "html"):
        assert "set apart: 4 objects" in render_diff(changes, a_label="a", b_label="b", fmt=fmt, apart=apart)
    exact = json.loads(render_diff(diff(_objects(), _objects()), a_label="a", b_label="b", fmt="json"))
    assert exact["summary"]["unstated"]["mode"] == "exact"
    assert "set apart" not in render_diff([], a_label="a", b_label="b", apart=[])


# ---------------------------------------------------------------------------------------
# The matrix


def test_matrix_sets_an_unstated_definer_apart():
    sites = {"A": _objects(), "B": _objects(definer="root@localhost"), "C": _objects()}
    m = build_matrix(sites, options=ANY)
    routine = m.get("routine:PROCEDURE p")
    assert routine.cls == "core" and routine.unstated == ("definer",)
    assert m.identical and m.unstated_counts() == {"view": 1, "routine": 1, "trigger": 1, "event": 1}
    assert m.conflict_reasons() == {}
    text = render_matrix(m, "text")
    assert "set apart: 4 objects (view 1, routine 1, trigger 1, event 1) agree but for a definer" in text
    strict = build_matrix(sites)
    assert strict.get("routine:PROCEDURE p").cls == "conflict"
    assert strict.conflict_reasons()["routine"] == {"conflicts": 1, "attributes": {"definer": 1}}
    # two stated definers: a conflict in either mode
    sites["C"] = _objects(definer="bob@%")
    assert build_matrix(sites, options=ANY).get("view:v").differs == ("definer",)


def test_matrix_summary_says_why_objects_conflict():
    base = _objects()
    body = dataclasses.replace(base, routines=(Routine("p", "PROCEDURE", "SELECT 2"),))
    params = dataclasses.replace(base, routines=(Routine("p", "PROCEDURE", "SELECT 1", parameters=(
        Parameter("a", "int(11)", "IN"),), param_list="IN a int"),))
    m = build_matrix({"A": base, "B": body, "C": params}, options=ANY)
    reasons = m.conflict_reasons()
    assert reasons == {"routine": {"conflicts": 1, "attributes": {"body": 1, "param_list": 1,
                                                                   "parameters": 1}}}
    assert "  routine conflicts: 1 (body 1, param_list 1, parameters 1)" in render_matrix(m, "text")
    doc = json.loads(render_matrix(m, "json"))
    assert doc["summary"]["conflicts"] == reasons and doc["options"]["unstated"] == "any"
    assert "routine conflicts: 1 (body 1" in render_matrix(m, "html")
    assert "routine conflicts: 1 (body 1" in render_matrix(m, "markdown")


def test_matrix_conflict_counts_on_the_dls_releases():
    """Every routine conflict between DLS v4.0.0 and v5.0.0 is one routine the diff alters,
    counted under each attribute that differs."""
    v4, v5 = Snapshot.read(DLS4).schema, Snapshot.read(DLS5).schema
    routines = [c for c in diff(v4, v5, ANY) if c.kind == "routine" and isinstance(c, Alter)]
    code, out = _run("matrix", DLS4, DLS5)
    assert code == 1
    body = sum("body" in c.changed for c in routines)
    assert body and f"  routine conflicts: {len(routines)} (body {body}," in out, out


# ---------------------------------------------------------------------------------------
# Site names


def test_sites_are_named_by_their_snapshots(tmp_path):
    a, b = tmp_path / "first.json", tmp_path / "second.json"
    Snapshot(_objects(), {"site": "Lab A"}).write(a)
    Snapshot(_objects(body="SELECT 2"), {"site": "Lab B"}).write(b)
    code, out = _run("diff", a, b)
    assert code == 1 and out.startswith("--- a: Lab A\n+++ b: Lab B\n"), out
    code, out = _run("matrix", a, b, "--reference", "second")
    assert code == 1 and "reference Lab B" in out and "first" not in out, out
    code, out = _run("matrix", a, b, "--name", "x", "--name", "y")
    assert "reference x" in out
    # one site name for two files: each told apart by its file name
    Snapshot(_objects(body="SELECT 2"), {"site": "Lab A"}).write(b)
    code, out = _run("matrix", a, b, "--format", "json")
    assert [s["name"] for s in json.loads(out)["sites"]] == ["Lab A (first)", "Lab A (second)"]
    # no site recorded: the file name
    bare = tmp_path / "bare.json"
    Snapshot(_objects()).write(bare)
    assert _run("diff", bare, a)[1].startswith("--- a: bare\n+++ b: Lab A\n")


# ---------------------------------------------------------------------------------------
# On a server: DLS v5.0.0 loaded by root


@pytest.fixture(scope="module")
def dls_root_db(server):
    """DLS v5.0.0 loaded into a new database by root, every routine and trigger stating
    ``DEFINER=root@localhost``; the release snapshot states none."""
    schema = Snapshot.read(DLS5).schema
    assert schema.routines and {r.definer for r in schema.routines} == {None}

    def root(objs):
        return tuple(dataclasses.replace(o, definer="root@localhost") for o in objs)
    schema = dataclasses.replace(schema, views=root(schema.views), routines=root(schema.routines),
                                 triggers=root(schema.triggers), events=root(schema.events))
    db = server.create_database()
    load_text(render_schema(schema), client=server.client_command(), database=db)
    yield db, len(schema.views) + len(schema.routines) + len(schema.triggers) + len(schema.events)
    server.drop_database(db)


@pytest.mark.server
def test_diff_of_a_database_loaded_by_root(server, dls_root_db):
    db, objects = dls_root_db
    url = server.url(db)
    code, out = _run("diff", DLS5, url)
    assert code == 0, out
    assert "no differences" in out and "definer (none)" not in out
    assert f"set apart: {objects} objects (" in out
    # the live side keeps its URL as its name; the snapshot is named by its site
    assert out.startswith("--- a: DLS v5.0.0\n+++ b: mariadb://root@")
    code, out = _run("diff", DLS5, url, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["identical"] and doc["summary"]["unstated"]["objects"] == objects
    code, out = _run("diff", DLS5, url, "--strict-unstated")
    assert code == 1
    definers = [line for line in out.splitlines() if "definer (none) -> root@localhost" in line]
    assert len(definers) == objects and "set apart" not in out
    code, out = _run("matrix", DLS5, url)
    assert code == 0, out
    assert "all sites identical" in out and f"set apart: {objects} objects" in out


READER = "st_unstated_reader"
PASSWORD = "Pw-unstated-1"
BASE_SQL = "CREATE TABLE t (id int NOT NULL PRIMARY KEY, n int DEFAULT NULL);\n"
OBJECTS_SQL = """\
CREATE {definer} VIEW v AS SELECT n FROM t;
DELIMITER ;;
CREATE {definer} PROCEDURE p() READS SQL DATA SELECT * FROM t;;
CREATE {definer} TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET NEW.n = 1;;
DELIMITER ;
"""


@pytest.fixture
def reader(server):
    """An account other than root, which reads the database: root's definers stay stated."""
    with contextlib.closing(server.connect()) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE USER IF NOT EXISTS {READER}@localhost IDENTIFIED BY '{PASSWORD}'")
        cur.execute(f"GRANT ALL PRIVILEGES ON *.* TO {READER}@localhost")
    yield lambda db: server.url(db).replace("root@", f"{READER}:{PASSWORD}@")
    with contextlib.closing(server.connect()) as conn, conn.cursor() as cur:
        cur.execute(f"DROP USER IF EXISTS {READER}@localhost")


@pytest.mark.server
def test_identify_drift_and_stamp_set_unstated_definers_apart(server, scratch_db, reader, tmp_path):
    base_sql, target_sql = tmp_path / "base.sql", tmp_path / "target.sql"
    base_sql.write_text(BASE_SQL)
    target_sql.write_text(BASE_SQL + OBJECTS_SQL.format(definer=""))
    base, target = snapshot_from_sql([base_sql], server=server.url()), snapshot_from_sql([target_sql],
                                                                                           server=server.url())
    assert {r.definer for r in target.schema.routines} == {None}
    rdir = RevisionDir(tmp_path / "revisions")
    rev = generate(rdir, source=base.schema, target=target.schema, message="objects",
                   server=server.url()).rev_id
    load_text(BASE_SQL + OBJECTS_SQL.format(definer="DEFINER=`root`@`localhost`"),
              client=server.client_command(), database=scratch_db)
    url_dir = ["--url", reader(scratch_db), "--dir", rdir.path]

    code, out = _run("identify", *url_dir, "--snapshots", tmp_path / "none")
    assert code == 0, out
    assert f"schema: the state of revision {rev}\n" in out
    assert "set apart: 3 objects (routine 1, trigger 1, view 1)" in out and PASSWORD not in out
    code, out = _run("identify", *url_dir, "--snapshots", tmp_path / "none", "--strict-unstated")
    assert code == 1 and "matches no recorded state" in out and "(1 routine, 1 trigger, 1 view)" in out

    code, out = _run("stamp", *url_dir, "--strict-unstated", "--auto")
    assert code == 2 and "matches no recorded state" in out and "Traceback" not in out
    code, out = _run("stamp", *url_dir, "--auto")
    assert code == 0 and f"at {rev}" in out and "set apart: 3 objects" in out, out
    code, out = _run("drift", *url_dir)
    assert code == 0 and f"no drift: the schema is the recorded state of {rev}" in out, out
    assert "set apart: 3 objects" in out
    code, out = _run("drift", *url_dir, "--strict-unstated")
    assert code == 1 and "drift from the recorded state" in out
    assert out.count("definer (none) -> root@localhost") == 3, out
