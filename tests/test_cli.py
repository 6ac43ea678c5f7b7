"""The command line: exit codes, one-line errors, and passwords that never show."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.errors import InputError
from schema_tools.model import Snapshot

from .conftest import PROJECT_ROOT

PASSWORD = "s3cr:t@pw/%" + secrets.token_hex(3)


def run(*args, env=None):
    runner = CliRunner()
    result = runner.invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def example_snapshot(tmp_path):
    from tests.test_model import _sample_schema

    return Snapshot(_sample_schema(), {"site": "X"}).write(tmp_path / "x.json")


def test_show_prints_counts_and_fingerprint(example_snapshot):
    code, out = run("show", str(example_snapshot))
    assert code == 0
    assert f"fingerprint: {Snapshot.read(example_snapshot).fingerprint}" in out
    assert "tables:" in out and "procedures:" in out


def test_render_writes_ddl(example_snapshot, tmp_path):
    code, _ = run("render", str(example_snapshot), "-o", str(tmp_path / "x.sql"))
    text = (tmp_path / "x.sql").read_text()
    assert code == 0 and "CREATE TABLE `Parent`" in text and "DELIMITER ;;" in text
    # parents before children
    assert text.index("CREATE TABLE `Parent`") < text.index("CREATE TABLE `Child`")


@pytest.mark.parametrize("args, message", [
    (["show", "missing.json"], "cannot read snapshot"),
    (["snapshot", "missing.sql"], "missing.sql: no such SQL file"),
    (["snapshot", "a.json", "b.sql"], "cannot be combined"),
])
def test_bad_input_exits_2_with_one_line(args, message):
    code, out = run(*args)
    assert code == 2
    assert message in out
    assert "Traceback" not in out
    assert len([line for line in out.splitlines() if line.startswith("schema-tools: error")]) == 1


def test_debug_reraises():
    with pytest.raises(InputError):
        CliRunner().invoke(cli, ["--debug", "show", "missing.json"], catch_exceptions=False)


def test_unreachable_server_never_shows_password(free_port):
    from urllib.parse import quote

    url = f"mariadb://ispyb:{quote(PASSWORD, safe='')}@127.0.0.1:{free_port}/db"
    code, out = run("snapshot", url)
    assert code == 2
    assert "cannot connect" in out
    assert "***" in out
    assert PASSWORD not in out and "s3cr" not in out


@pytest.fixture
def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- against the session's server ---------------------------------------------------


@pytest.fixture
def user_with_password(server, scratch_db):
    user = "st_u_" + secrets.token_hex(3)
    conn = server.connect()
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE USER '{user}'@'%%' IDENTIFIED BY %s", (PASSWORD,))
            cur.execute(f"GRANT ALL ON `{scratch_db}`.* TO '{user}'@'%'")
            cur.execute(f"CREATE TABLE `{scratch_db}`.t (id int PRIMARY KEY)")
        yield user
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP USER IF EXISTS '{user}'@'%'")
        conn.close()


@pytest.mark.server
@pytest.mark.parametrize("via", ["url", "env", "defaults-file"])
def test_password_sources_work_and_never_show(server, scratch_db, user_with_password, tmp_path, via):
    from urllib.parse import quote

    base = f"mariadb://{user_with_password}@127.0.0.1:{server.port}/{scratch_db}"
    args, env = [], {}
    if via == "url":
        url = f"mariadb://{user_with_password}:{quote(PASSWORD, safe='')}@127.0.0.1:{server.port}/{scratch_db}"
    elif via == "env":
        url, env = base, {"MYSQL_PWD": PASSWORD}
    else:
        cnf = tmp_path / "my.cnf"
        cnf.write_text(f"[client]\npassword=\"{PASSWORD}\"\n")
        url, args = base, ["--defaults-file", str(cnf)]
    out_file = tmp_path / "s.json"
    code, out = run("snapshot", url, *args, "-o", str(out_file), env=env)
    assert code == 0, out
    assert PASSWORD not in out
    snap = Snapshot.read(out_file)
    assert [t.name for t in snap.schema.tables] == ["t"]
    meta_text = (tmp_path / "s.meta.json").read_text()
    assert PASSWORD not in meta_text and quote(PASSWORD, safe="") not in meta_text
    # whatever the password's source, the URL is recorded redacted
    assert json.loads(meta_text)["source"] == [
        f"mariadb://{user_with_password}:***@127.0.0.1:{server.port}/{scratch_db}"]


@pytest.mark.server
def test_wrong_password_is_one_line_without_password(server, scratch_db, user_with_password):
    url = f"mariadb://{user_with_password}:wrong{secrets.token_hex(2)}@127.0.0.1:{server.port}/{scratch_db}"
    code, out = run("snapshot", url)
    assert code == 2
    assert "Access denied" in out and "wrong" not in out


@pytest.mark.server
def test_sql_error_names_file_and_line(server, tmp_path):
    bad = tmp_path / "bad.sql"
    bad.write_text("CREATE TABLE a (id int);\n\n-- comment\nCREATE TABLE b (id int,,);\n")
    code, out = run("snapshot", str(bad), "--server", server.url())
    assert code == 2
    assert f"{bad}:4: ERROR 1064" in out
    assert "CREATE TABLE b (id int,,);" in out  # the excerpt


@pytest.mark.server
def test_snapshot_on_existing_server_drops_its_scratch_database(server, tmp_path):
    sql = tmp_path / "one.sql"
    sql.write_text("CREATE TABLE t (id int unsigned NOT NULL, PRIMARY KEY (id));\n")
    conn = server.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW DATABASES")
            before = {r[0] for r in cur.fetchall()}
            code, out = run("snapshot", str(sql), "--server", server.url(), "-o", str(tmp_path / "o.json"))
            cur.execute("SHOW DATABASES")
            after = {r[0] for r in cur.fetchall()}
    finally:
        conn.close()
    assert code == 0, out
    assert before == after
    assert Snapshot.read(tmp_path / "o.json").schema.table("t").columns[0].type.unsigned


def test_python_dash_m_is_the_command():
    """``python -m schema_tools`` runs the same command, under the same name and exit codes."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    ok = subprocess.run([sys.executable, "-m", "schema_tools", "--version"], env=env,
                        capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stdout.startswith("schema-tools, version "), ok.stderr
    bad = subprocess.run([sys.executable, "-m", "schema_tools", "show", "missing.json"], env=env,
                         capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("schema-tools: error: missing.json"), bad.stderr


def test_the_package_says_it_is_typed():
    assert (PROJECT_ROOT / "schema_tools" / "py.typed").is_file()
