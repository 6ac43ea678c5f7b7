"""The throwaway local server: it works, and it never outlives its owner."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pymysql
import pytest

from schema_tools.errors import ServerError
from schema_tools.servers.local import DEFAULT_SQL_MODE, DIR_PREFIX, LocalServer

pytestmark = pytest.mark.server

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def alive(pid: int) -> bool:
    """True if ``pid`` runs (a zombie waiting for its reaper counts as dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def wait_dead(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not alive(pid)


def query(conn, sql: str):
    with conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def databases(server) -> set[str]:
    with server.connect() as conn:
        return {row[0] for row in query(conn, "SHOW DATABASES")}


# --------------------------------------------------------------------------- the session server

def test_reports_flavour_and_version(server):
    assert server.flavour in ("mariadb", "mysql")
    with server.connect() as conn:
        assert query(conn, "SELECT VERSION()")[0][0] == server.version
    assert server.version.startswith(".".join(map(str, server.version_tuple)))
    assert server.version_tuple >= (5, 7, 0)
    assert server.tcp_url("db") == f"{server.flavour}://root@127.0.0.1:{server.port}/db"
    assert server.url("db") == f"{server.flavour}://root@localhost/db?unix_socket={server.socket}"


def test_socket_and_tcp_connections(server):
    with server.connect() as conn:
        assert query(conn, "SELECT @@socket, @@port") == ((server.socket, server.port),)
        assert query(conn, "SELECT CURRENT_USER()")[0][0] == "root@localhost"
    with pymysql.connect(host="127.0.0.1", port=server.port, user="root", password="") as conn:
        assert query(conn, "SELECT CURRENT_USER()")[0][0] == "root@127.0.0.1"
    with server.connect(host="127.0.0.1") as conn:
        assert query(conn, "SELECT @@bind_address")[0][0] == "127.0.0.1"


def test_server_settings(server):
    with server.connect() as conn:
        (row,) = query(conn, "SELECT @@sql_mode, @@character_set_server, @@log_bin, "
                             "@@log_bin_trust_function_creators, @@datadir, @@autocommit")
    sql_mode, charset, log_bin, trust, datadir, autocommit = row
    if server.flavour == "mariadb":
        assert sql_mode == DEFAULT_SQL_MODE
    assert charset == "utf8mb4"
    assert (log_bin, trust, autocommit) == (0, 1, 1)
    assert Path(datadir) == Path(server.datadir)
    assert Path(server.directory).name.startswith(DIR_PREFIX)


def test_create_and_drop_databases(server):
    name = server.create_database()
    assert name.startswith("st_") and name in databases(server)
    server.drop_database(name)
    assert name not in databases(server)

    odd = server.create_database("st odd`name", charset="latin1", collation="latin1_bin")
    with server.connect() as conn:
        assert query(conn, "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM "
                           f"information_schema.SCHEMATA WHERE SCHEMA_NAME = '{odd}'") \
            == (("latin1", "latin1_bin"),)
    server.drop_database(odd)
    assert odd not in databases(server)
    with pytest.raises(ServerError):
        server.create_database(charset="utf8mb4; DROP DATABASE mysql")


def test_scratch_db_fixture(server, scratch_db):
    with server.connect(scratch_db) as conn:
        query(conn, "CREATE TABLE t (id INT PRIMARY KEY)")
        assert query(conn, "SELECT DATABASE()")[0][0] == scratch_db


def test_client_command(server, scratch_db):
    argv = server.client_command(scratch_db)
    assert "--no-defaults" in argv and f"--socket={server.socket}" in argv
    out = subprocess.run([*argv, "--batch", "--skip-column-names", "-e", "SELECT DATABASE()"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == scratch_db


# --------------------------------------------------------------------------- lifecycle

def test_stop_removes_process_and_directory():
    srv = LocalServer(sql_mode="ANSI_QUOTES", collation="utf8mb4_unicode_ci")
    with pytest.raises(ServerError):
        srv.connect()
    assert srv.start() is srv
    pid, directory = srv.pid, srv.directory
    assert srv.start().pid == pid  # starting a running server is a no-op
    with srv.connect() as conn:
        assert query(conn, "SELECT @@sql_mode, @@collation_server") \
            == (("ANSI_QUOTES", "utf8mb4_unicode_ci"),)
    srv.stop()
    assert not alive(pid)
    assert not os.path.exists(directory)
    assert srv.pid is None
    srv.stop()  # a second stop is harmless


def test_failed_start_reports_log_and_cleans_up(tmp_path):
    srv = LocalServer(extra_args=["--no-such-option-here"])
    before = set(Path(tempfile.gettempdir()).glob(DIR_PREFIX + "*"))
    with pytest.raises(ServerError) as info:
        srv.start()
    assert "no-such-option-here" in str(info.value)
    assert "\n" not in str(info.value)
    assert srv.pid is None and srv.directory == ""
    assert set(Path(tempfile.gettempdir()).glob(DIR_PREFIX + "*")) <= before


# --------------------------------------------------------------------------- owner dies

OWNER_SCRIPT = """
import json, os, sys, time
from schema_tools.servers.local import LocalServer
srv = LocalServer().start()
tmp = sys.argv[1] + ".tmp"
with open(tmp, "w") as f:
    json.dump({"pid": srv.pid, "dir": srv.directory}, f)
os.rename(tmp, sys.argv[1])
if sys.argv[2] == "raise":
    raise RuntimeError("owner fails")
time.sleep(60)
"""


def start_owner(tmp_path: Path, mode: str) -> tuple[subprocess.Popen, dict]:
    record = tmp_path / "record.json"
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", OWNER_SCRIPT, str(record), mode], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not record.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"owner process failed: {proc.communicate()[1]}")
        time.sleep(0.02)
    return proc, json.loads(record.read_text())


def test_owner_raising_leaves_nothing(tmp_path):
    proc, info = start_owner(tmp_path, "raise")
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 1 and "RuntimeError: owner fails" in err
    assert not alive(info["pid"])
    assert not os.path.exists(info["dir"])


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_owner_signalled_leaves_nothing(tmp_path, signum):
    proc, info = start_owner(tmp_path, "sleep")
    assert alive(info["pid"])
    proc.send_signal(signum)
    proc.communicate(timeout=30)
    assert proc.returncode == -signum  # the default action still happened after cleanup
    assert not alive(info["pid"])
    assert not os.path.exists(info["dir"])


def test_owner_killed_server_dies_and_dir_is_swept(tmp_path):
    proc, info = start_owner(tmp_path, "sleep")
    proc.kill()
    proc.communicate(timeout=30)
    assert wait_dead(info["pid"]), "server survived its owner's SIGKILL"
    assert os.path.isdir(info["dir"])  # nobody could clean up...
    with LocalServer():  # ...until the next start() sweeps it
        assert not os.path.exists(info["dir"])


# --------------------------------------------------------------------------- failed tests

INNER_TEST = """
import json, os, pytest
from schema_tools.servers.local import LocalServer

def record(srv):
    with open(os.environ["ST_RECORD"], "a") as f:
        f.write(json.dumps({"pid": srv.pid, "dir": srv.directory}) + "\\n")

@pytest.fixture
def srv():
    with LocalServer() as s:
        yield s

def test_with_fixture(srv):
    record(srv)
    assert srv.version == "deliberately wrong"

def test_leaking_a_server():
    record(LocalServer().start())
    raise RuntimeError("deliberate failure, server never stopped")
"""


def test_no_server_outlives_a_failed_test(tmp_path):
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(INNER_TEST))
    record = tmp_path / "servers.jsonl"
    env = {**os.environ, "ST_RECORD": str(record), "PYTHONPATH": str(PROJECT_ROOT)}
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "test_inner.py"], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "2 failed" in out.stdout
    servers = [json.loads(line) for line in record.read_text().splitlines()]
    assert len(servers) == 2
    for info in servers:
        assert not alive(info["pid"])
        assert not os.path.exists(info["dir"])
