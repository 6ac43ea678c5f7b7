"""Bad input on the command line: one line, the documented exit code, no password shown,
and nothing written or changed by a command that fails."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.dialect.ddl import render_schema
from schema_tools.sources.loader import load_text

from .conftest import PROJECT_ROOT
from .test_dba import chain  # noqa: F401 - a fixture, used as an argument

SECRET = "S3cret-Pw"


def _run(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output  # stdout and stderr


def _one_error_line(out: str) -> str:
    """The error line of ``out``, which must be one line, or two with a hint."""
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines and lines[0].startswith("schema-tools: error: "), out
    assert len(lines) == 1 or (len(lines) == 2 and lines[1].startswith("  hint: ")), out
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
def test_revision_refuses_an_id_that_exists(server, chain, tmp_path):  # noqa: F811 - the chain fixture from test_dba
    rdir, (base, one, two), (r1, r2) = chain
    before = {p.name: p.read_bytes() for p in rdir.states.iterdir()}
    target = tmp_path / "three.json"
    two.write(target)
    code, out = _run("revision", "--dir", str(rdir.path), "--to", str(target), "-m", "again",
                     "--rev-id", r1.rev_id, "--server", server.url())
    assert code == 2 and f"revision {r1.rev_id} exists already" in _one_error_line(out)
    assert {p.name: p.read_bytes() for p in rdir.states.iterdir()} == before


@pytest.mark.server
def test_stamp_of_an_unknown_revision_changes_nothing(server, scratch_db, chain):  # noqa: F811 - the chain fixture from test_dba
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
def test_upgrade_and_downgrade_sql_start_from_the_recorded_revision(server, scratch_db, chain):  # noqa: F811 - the chain fixture from test_dba
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
def test_check_reports_a_broken_legacy_map(chain):  # noqa: F811 - the chain fixture from test_dba
    rdir, _, (r1, _) = chain
    (rdir.path / "legacy.json").write_text('[{"script": "a.sql", "revision": ')
    code, out = _run("check", "--dir", str(rdir.path))
    assert code == 1 and "legacy.json: not valid JSON" in out
    (rdir.path / "legacy.json").write_text(json.dumps([{"script": "a.sql", "revision": "gone"},
                                                       {"script": "b.sql", "revision": r1.rev_id}]))
    code, out = _run("check", "--dir", str(rdir.path))
    assert "maps a.sql to gone, which is no revision here" in out and "b.sql" not in out


# ---------------------------------------------------------------------------------------
# the DBA commands: a wrong or damaged revision directory, a wrong alembic_version


def _alembic_version(server, db) -> list[str] | None:
    conn = server.connect(db)
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW TABLES LIKE 'alembic_version'")
            if not cur.fetchall():
                return None
            cur.execute("SELECT version_num FROM alembic_version")
            return [r[0] for r in cur.fetchall()]
    finally:
        conn.close()


def _fingerprint(server, db) -> str:
    from schema_tools.sources.resolve import snapshot_from_url

    return snapshot_from_url(server.url(db)).fingerprint


def _dba_commands(rev: str) -> list[list[str]]:
    """Every DBA command, each run as a DBA would run it."""
    return [["identify"], ["drift"], ["stamp", "--auto"], ["stamp", rev, "--force"],
            ["upgrade", "--yes"], ["upgrade", "--dry-run"], ["upgrade", "--sql"],
            ["upgrade", "--to", rev, "--yes"], ["downgrade", "--to", "base", "--yes"],
            ["downgrade", "--to", "base", "--sql"]]


@pytest.mark.server
def test_outside_the_project_every_command_says_the_directory_is_wrong(server, scratch_db, chain,  # noqa: F811 - the chain fixture from test_dba
                                                                        tmp_path, monkeypatch):
    rdir, (base, _, _), (r1, _) = chain
    load_text(render_schema(base.schema), client=server.client_command(), database=scratch_db)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    before = _fingerprint(server, scratch_db)
    url = ["--url", server.url(scratch_db)]
    for args in _dba_commands(r1.rev_id) + [["check"], ["review"], ["verify"]]:
        argv = args + (url if args[0] not in ("check", "review", "verify") else [])
        code, out = _run(*argv)
        line = _one_error_line(out)
        assert code == 2 and line == "schema-tools: error: revisions: not a revision directory (no versions/)", \
            (args, out)
    assert list(elsewhere.iterdir()) == [], "nothing written"
    assert _alembic_version(server, scratch_db) is None and _fingerprint(server, scratch_db) == before


@pytest.mark.server
def test_an_unknown_revision_in_alembic_version_is_named_not_an_internal_error(
        server, scratch_db, chain):  # noqa: F811 - the chain fixture from test_dba
    rdir, (base, _, _), (r1, _) = chain
    load_text(render_schema(base.schema), client=server.client_command(), database=scratch_db)
    conn = server.connect(scratch_db)
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY)")
        cur.execute("INSERT INTO alembic_version VALUES ('deadbeef')")
    conn.commit()
    conn.close()
    before = _fingerprint(server, scratch_db)
    common = ["--url", server.url(scratch_db), "--dir", str(rdir.path)]
    for args in (["drift"], ["upgrade", "--yes", "--allow-unreviewed"], ["upgrade", "--dry-run"],
                 ["upgrade", "--sql"], ["upgrade", "--to", r1.rev_id, "--yes", "--allow-unreviewed"],
                 ["downgrade", "--to", "base", "--yes"], ["downgrade", "--to", "base", "--sql"]):
        code, out = _run(*args, *common)
        line = _one_error_line(out)
        assert code == 2 and "the table alembic_version" in line and "deadbeef" in line, (args, out)
        assert f"which is not a revision in {rdir.path}/" in line and "hint: " in out, out
    code, out = _run("identify", *common)
    assert code == 1 and "DISAGREE: alembic_version records deadbeef, which is not a revision" in out, out
    assert _alembic_version(server, scratch_db) == ["deadbeef"] and _fingerprint(server, scratch_db) == before


@pytest.mark.server
def test_a_revision_file_that_is_not_python_is_named_with_its_line(server, scratch_db, chain):  # noqa: F811 - the chain fixture from test_dba
    rdir, (base, _, _), (r1, _) = chain
    load_text(render_schema(base.schema), client=server.client_command(), database=scratch_db)
    lines = r1.path.read_text().splitlines()
    n = lines.index("def upgrade() -> None:") + 1
    lines[n - 1] = "def upgrade() -> None"  # the colon lost in an edit
    r1.path.write_text("\n".join(lines) + "\n")
    common = ["--url", server.url(scratch_db), "--dir", str(rdir.path)]
    for args in _dba_commands(r1.rev_id) + [["verify"]]:
        argv = [*args, *common] if args[0] != "verify" else ["verify", "--dir", str(rdir.path)]
        code, out = _run(*argv)
        line = _one_error_line(out)
        assert code == 2 and f"{r1.path}:{n}: a revision file that is not valid Python" in line, (args, out)
        assert "hint: fix the revision file, or restore it" in out
    code, out = _run("check", "--dir", str(rdir.path))
    assert code == 1 and f"{r1.path}:{n}: a revision file that is not valid Python" in out, out
    assert _alembic_version(server, scratch_db) is None


@pytest.mark.server
def test_a_truncated_state_file_is_reported_by_every_command_that_uses_states(
        server, scratch_db, chain, tmp_path):  # noqa: F811 - the chain fixture from test_dba
    rdir, (base, _, _), (r1, _) = chain
    load_text(render_schema(base.schema), client=server.client_command(), database=scratch_db)
    state = rdir.states / f"{r1.rev_id}.json"
    data = state.read_bytes()
    state.write_bytes(data[:len(data) // 2])
    common = ["--url", server.url(scratch_db), "--dir", str(rdir.path)]
    for args in _dba_commands(r1.rev_id) + [["verify"]]:
        argv = [*args, *common] if args[0] != "verify" else \
            ["verify", "--dir", str(rdir.path), "--snapshots", str(tmp_path)]
        code, out = _run(*argv)
        line = _one_error_line(out)
        assert code == 2 and f"damaged recorded state: {state}:" in line and "truncated" in line, (args, out)
    code, out = _run("check", "--dir", str(rdir.path))
    assert code == 1 and str(state) in out
    assert _alembic_version(server, scratch_db) is None


@pytest.mark.server
def test_upgrade_refuses_a_corrupted_integrity_file(server, scratch_db, chain):  # noqa: F811 - the chain fixture from test_dba
    rdir, (base, _, two), (r1, r2) = chain
    load_text(render_schema(base.schema), client=server.client_command(), database=scratch_db)
    for rev in (r1, r2):
        code, out = _run("review", "--dir", str(rdir.path), "--approve", rev.rev_id, "--by", "tester")
        assert code == 0, out
    common = ["--url", server.url(scratch_db), "--dir", str(rdir.path)]
    assert _run("stamp", *common, "--auto")[0] == 0
    sum_file = rdir.path / "revisions.sum"
    good = sum_file.read_text()
    header, rest = good.split("\n", 1)
    sum_file.write_text(header[:-1] + ("0" if header[-1] != "0" else "1") + "\n" + rest)
    before = _fingerprint(server, scratch_db)
    for args in (["upgrade", "--yes"], ["upgrade", "--dry-run"], ["downgrade", "--to", "base", "--yes"]):
        if args[0] == "downgrade":
            continue  # at base: nothing to downgrade, nothing to check
        code, out = _run(*args, *common)
        line = _one_error_line(out)
        assert code == 2 and "revisions.sum was edited by hand" in line and "nothing was changed" in line, out
        assert "hint: `schema-tools check`" in out
    assert _fingerprint(server, scratch_db) == before and _alembic_version(server, scratch_db) == []
    code, out = _run("check", "--dir", str(rdir.path))
    assert code == 1 and "revisions.sum was edited by hand" in out
    code, out = _run("upgrade", *common, "--yes", "--allow-unreviewed")
    assert code == 0 and "WARNING" in out and "revisions.sum" in out, out
    sum_file.write_text(good)
    code, out = _run("downgrade", *common, "--to", "base", "--yes")
    assert code == 0 and "WARNING" not in out, out


@pytest.mark.server
def test_a_live_server_read_offline_is_a_contradiction(server, scratch_db, tmp_path):
    conn = server.connect(scratch_db)
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE t (id int PRIMARY KEY)")
    conn.close()
    url = server.url(scratch_db)
    out_file = tmp_path / "live.json"
    code, out = _run("snapshot", url, "--offline", "-o", str(out_file))
    assert code == 2 and "is a live server, and --offline reads SQL files without one" in _one_error_line(out)
    assert not out_file.exists()
    code, out = _run("diff", url, url, "--offline")
    assert code == 2 and "--offline" in _one_error_line(out)
    code, out = _run("snapshot", url, "-o", str(out_file))
    assert code == 0 and out_file.exists(), "without --offline it reads the database"


@pytest.mark.server
def test_identify_counts_schemastatus_names_it_does_not_know(server, scratch_db, monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)
    from schema_tools.model.snapshot import Snapshot

    v5 = Snapshot.read(PROJECT_ROOT / "snapshots" / "dls-v5.0.0.json")
    load_text(render_schema(v5.schema), client=server.client_command(), database=scratch_db)
    legacy = json.loads((PROJECT_ROOT / "revisions" / "legacy.json").read_text())
    names = [f"2019_{i:03d}_old_script.sql" for i in range(300)] + [e["recorded"] or e["script"] for e in legacy]
    conn = server.connect(scratch_db)
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO SchemaStatus (scriptName, schemaStatus) VALUES (%s, 'DONE')",
                        [(n,) for n in names])
    conn.commit()
    conn.close()
    url = ["--url", server.url(scratch_db)]
    code, out = _run("identify", *url)
    assert code == 0, out
    assert "  300 name(s) that match no known script (--verbose lists them)" in out.splitlines(), out
    assert len(out.splitlines()) < 10 and "2019_000_old_script.sql" not in out
    code, out = _run("identify", *url, "--verbose")
    assert code == 0 and "    2019_299_old_script.sql" in out.splitlines()
    code, out = _run("identify", *url, "--format", "json")
    assert len(json.loads(out)["unknown_scripts"]) == 300


@pytest.mark.server
def test_a_drift_refusal_shows_the_first_differences_one_per_line(server, scratch_db, chain):  # noqa: F811 - the chain fixture from test_dba
    rdir, (_, _, two), (_, r2) = chain
    load_text(render_schema(two.schema), client=server.client_command(), database=scratch_db)
    common = ["--url", server.url(scratch_db), "--dir", str(rdir.path)]
    assert _run("stamp", *common, "--auto")[0] == 0
    conn = server.connect(scratch_db)
    with conn.cursor() as cur:
        cur.execute("ALTER TABLE `Proposal` " + ", ".join(f"ADD COLUMN `hand{i:02d}` int" for i in range(15)))
    conn.close()
    before = _fingerprint(server, scratch_db)
    code, out = _run("downgrade", *common, "--to", "base", "--yes", "--allow-unreviewed")
    lines = [line for line in out.splitlines() if line.strip()]
    assert code == 2 and "Traceback" not in out, out
    assert lines[0] == (f"schema-tools: error: the schema has drifted from the recorded state of {r2.rev_id}: "
                        f"15 difference(s); nothing was changed"), out
    assert [line.split()[:2] for line in lines[1:11]] == [["+", "column"]] * 10, out
    assert lines[11] == "  ... and 5 more (`schema-tools drift` lists them all)", out
    assert lines[12].startswith("  hint: ") and len(lines) == 13, out
    assert _fingerprint(server, scratch_db) == before and _alembic_version(server, scratch_db) == [r2.rev_id]
    code, out = _run("drift", *common)
    assert code == 1 and sum(line.startswith("  + column Proposal.hand") for line in out.splitlines()) == 15
