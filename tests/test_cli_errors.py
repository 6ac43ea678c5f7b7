"""Bad input on the command line: one line, the documented exit code, no password shown,
and nothing written or changed by a command that fails."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.render.ddl import render_schema
from schema_tools.sources.loader import load_text

from .conftest import PROJECT_ROOT
from .test_dba import chain  # noqa: F401  (fixture)

SECRET = "S3cret-Pw"


def _run(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output  # stdout and stderr


def _one_error_line(out: str) -> str:
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("schema-tools: error: "), out
    assert "Traceback" not in out
    return lines[0]


@pytest.mark.parametrize("source", [
    f"mysq://aud:{SECRET}@127.0.0.1:3306/db",  # a misspelt scheme
    f"mariadb:/aud:{SECRET}@127.0.0.1/db",
    f"aud:{SECRET}@127.0.0.1/db",
])
def test_a_source_that_is_no_file_and_no_url_is_shown_without_its_password(source):
    code, out = _run("snapshot", source, "-o", "unused.json")
    line = _one_error_line(out)
    assert code == 2 and SECRET not in out
    assert "neither a SQL file nor a server URL" in line


def test_an_empty_source_is_refused_not_read_as_the_current_directory(tmp_path):
    sql = tmp_path / "ok.sql"
    sql.write_text("CREATE TABLE t (id int PRIMARY KEY);\n")
    code, out = _run("diff", str(sql), "")
    assert code == 2 and "an empty source" in _one_error_line(out)
    code, out = _run("diff", str(sql), f"{sql},")
    assert code == 2 and "between the commas" in _one_error_line(out)


def test_unreadable_or_malformed_snapshots_name_the_file(tmp_path):
    good = json.loads((PROJECT_ROOT / "snapshots" / "dls-v5.0.0.json").read_text())
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"format": "caf\xe9"}')
    code, out = _run("show", str(latin))
    assert code == 2 and f"{latin}: not a JSON snapshot: not UTF-8 text" in _one_error_line(out)
    no_schema = tmp_path / "noschema.json"
    no_schema.write_text(json.dumps({k: v for k, v in good.items() if k not in ("schema", "fingerprint")}))
    code, out = _run("show", str(no_schema))
    assert code == 2 and 'no "schema" object' in _one_error_line(out)
    bad_type = tmp_path / "badtype.json"
    good["schema"]["tables"][0]["columns"][0]["type"] = 5
    bad_type.write_text(json.dumps(good))
    code, out = _run("show", str(bad_type))
    assert code == 2 and f"{bad_type}: malformed snapshot" in _one_error_line(out)


@pytest.mark.parametrize("args, message", [
    (["snapshot", "x.sql", "--lenient"], "--lenient applies to --offline reading only"),
    (["snapshot", "x.sql", "--flavour", "mariadb:10.6"], "--flavour applies to --offline"),
    (["snapshot", "x.sql", "--offline", "--server", "mariadb://root@127.0.0.1:1/"], "--server does not apply"),
    (["snapshot", "x.sql", "--data", "AdminVar", "--no-data"], "give one of them"),
    (["snapshot", "x.json", "--then", "updates/"], "a snapshot (.json) is not one"),
    (["diff", "a.sql", "b.sql", "--lenient"], "--lenient applies to --offline reading only"),
    (["matrix", "a.sql", "b.sql", "--offline", "--server", "mariadb://root@127.0.0.1:1/"],
     "--server does not apply"),
    (["review", "--rehash", "--approve", "x", "--by", "me"], "give one of --approve and --rehash"),
    (["upgrade", "--url", "mariadb://root@127.0.0.1:1/db", "--sql", "--dry-run"], "does not combine"),
    (["diff", "--format", "bogus", "a", "b"], "diff --help`)"),
    (["upgrade", "--url", "mariadb://root@127.0.0.1:1/db", "--online", "--progress", "bogus"],
     "TYPE,VALUE expected"),
])
def test_options_that_contradict_each_other_are_refused(args, message):
    code, out = _run(*args)
    assert code == 2 and message in _one_error_line(out)


def test_an_output_path_that_cannot_be_written_is_one_line(tmp_path):
    snap = str(PROJECT_ROOT / "snapshots" / "dls-v5.0.0.json")
    code, out = _run("render", snap, "-o", str(tmp_path / "missing" / "x.sql"))
    assert code == 2 and "No such file or directory" in _one_error_line(out)


def test_a_reader_writes_nothing_into_a_directory_that_is_no_revision_directory(tmp_path):
    other = tmp_path / "notes"
    other.mkdir()
    (other / "todo.txt").write_text("x")
    code, out = _run("verify", "--dir", str(other), "--snapshots", str(PROJECT_ROOT / "snapshots"))
    assert code == 2 and "not a revision directory" in _one_error_line(out)
    assert sorted(p.name for p in other.iterdir()) == ["todo.txt"]


@pytest.mark.server
def test_verify_on_an_unreachable_server_is_an_error_and_hides_the_password(tmp_path):
    url = f"mariadb://aud:{SECRET}@127.0.0.1:1/"
    code, out = _run("verify", "--dir", str(PROJECT_ROOT / "revisions"), "--snapshots",
                     str(PROJECT_ROOT / "snapshots"), "--site", "dls-v5.0.0", "--server", url,
                     "--report", str(tmp_path / "r.json"), "--junit", str(tmp_path / "r.xml"))
    assert code == 2, out
    assert SECRET not in out
    assert SECRET not in (tmp_path / "r.json").read_text() + (tmp_path / "r.xml").read_text()
    assert "aud:***@127.0.0.1:1" in out
    code, out = _run("verify", "--dir", str(PROJECT_ROOT / "revisions"), "--report",
                     str(tmp_path / "missing" / "r.json"))
    assert code == 2 and "no such directory" in _one_error_line(out), "refused before the run"


@pytest.mark.server
def test_revision_refuses_an_id_that_exists(server, chain, tmp_path):  # noqa: F811
    rdir, (base, one, two), (r1, r2) = chain
    before = {p.name: p.read_bytes() for p in rdir.states.iterdir()}
    target = tmp_path / "three.json"
    two.write(target)
    code, out = _run("revision", "--dir", str(rdir.path), "--to", str(target), "-m", "again",
                     "--rev-id", r1.rev_id, "--server", server.url())
    assert code == 2 and f"revision {r1.rev_id} exists already" in _one_error_line(out)
    assert {p.name: p.read_bytes() for p in rdir.states.iterdir()} == before


@pytest.mark.server
def test_stamp_of_an_unknown_revision_changes_nothing(server, scratch_db, chain):  # noqa: F811
    rdir, (base, _, _), _ = chain
    load_text(render_schema(base.schema), client=server.client_command(), database=scratch_db)
    code, out = _run("stamp", "nosuchrev", "--force", "--url", server.url(scratch_db),
                     "--dir", str(rdir.path))
    assert code == 2 and "nosuchrev" in _one_error_line(out)
    conn = server.connect(scratch_db)
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW TABLES LIKE 'alembic_version'")
            assert cur.fetchall() == (), "no alembic_version left behind"
    finally:
        conn.close()


@pytest.mark.server
def test_upgrade_and_downgrade_sql_start_from_the_recorded_revision(server, scratch_db, chain):  # noqa: F811
    rdir, (base, one, _), (r1, r2) = chain
    load_text(render_schema(one.schema), client=server.client_command(), database=scratch_db)
    common = ["--url", server.url(scratch_db), "--dir", str(rdir.path)]
    code, out = _run("downgrade", *common, "--to", "base", "--sql")
    assert code == 2 and "no revision recorded" in _one_error_line(out)
    code, out = _run("stamp", r1.rev_id, *common)
    assert code == 0, out
    code, out = _run("upgrade", *common, "--sql")
    assert code == 0, out
    assert "`code`" in out, "the second revision's SQL"
    assert "beamLineName" not in out and "CREATE TABLE alembic_version" not in out, \
        "nothing of the revision already applied"
    code, out = _run("downgrade", *common, "--to", "base", "--sql")
    assert code == 0, out
    assert "beamLineName" in out and "`code`" not in out


@pytest.mark.server
def test_check_reports_a_broken_legacy_map(chain):  # noqa: F811
    rdir, _, (r1, _) = chain
    (rdir.path / "legacy.json").write_text('[{"script": "a.sql", "revision": ')
    code, out = _run("check", "--dir", str(rdir.path))
    assert code == 1 and "legacy.json: not valid JSON" in out
    (rdir.path / "legacy.json").write_text(json.dumps([{"script": "a.sql", "revision": "gone"},
                                                       {"script": "b.sql", "revision": r1.rev_id}]))
    code, out = _run("check", "--dir", str(rdir.path))
    assert "maps a.sql to gone, which is no revision here" in out and "b.sql" not in out
