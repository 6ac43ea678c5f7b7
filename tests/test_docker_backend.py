"""The docker server backend: ``--server docker:IMAGE[:TAG]``.

The containers run the image built from Debian's packages by
scripts/build-mariadb-image.sh, with host networking.  Few containers are started: one
for the session (``docker_server``) and one per test that must watch a container's
whole life.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pymysql
import pytest
from click.testing import CliRunner

from schema_tools.cli.main import cli
from schema_tools.errors import InputError, SqlError
from schema_tools.model.snapshot import Snapshot
from schema_tools.servers.docker import (
    OWNER_LABEL,
    DockerServer,
    is_docker_spec,
    parse_docker_spec,
    sweep_stale_containers,
)
from schema_tools.sources.workspace import open_workspace

PROJECT_ROOT = Path(__file__).resolve().parent.parent

SMALL_SQL = """\
CREATE TABLE Person (
  personId int(10) unsigned NOT NULL AUTO_INCREMENT,
  login varchar(45) DEFAULT NULL COMMENT 'user name',
  created timestamp NOT NULL DEFAULT current_timestamp(),
  PRIMARY KEY (personId),
  UNIQUE KEY Person_login (login)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE `Session` (
  sessionId int(10) unsigned NOT NULL AUTO_INCREMENT,
  personId int(10) unsigned DEFAULT NULL,
  status enum('open','closed') NOT NULL DEFAULT 'open',
  PRIMARY KEY (sessionId),
  KEY Session_fk (personId),
  CONSTRAINT Session_fk FOREIGN KEY (personId) REFERENCES Person (personId) ON DELETE CASCADE
) ENGINE=InnoDB;
CREATE VIEW v_open AS SELECT sessionId, personId FROM `Session` WHERE status = 'open';
DELIMITER ;;
CREATE PROCEDURE count_sessions(IN p int unsigned, OUT n int)
BEGIN
  SELECT COUNT(*) INTO n FROM `Session` WHERE personId = p;
END;;
DELIMITER ;
"""

BAD_SQL = "CREATE TABLE ok (a int);\nCREATE TABLE broken (x no_such_type);\n"


@pytest.fixture
def small_sql(tmp_path) -> Path:
    path = tmp_path / "small.sql"
    path.write_text(SMALL_SQL)
    return path


@pytest.fixture
def started(monkeypatch, docker_spec):
    """Every DockerServer started during the test, in order (the real start runs); after
    the test, no container of this process may be left but those that were there before."""
    before = set(containers_of_this_process())
    servers: list[DockerServer] = []
    real_start = DockerServer.start

    def start(self):
        servers.append(self)
        return real_start(self)

    monkeypatch.setattr(DockerServer, "start", start)
    yield servers
    assert set(containers_of_this_process()) <= before


def container_exists(container_id: str) -> bool:
    import docker

    client = docker.from_env()
    try:
        client.containers.get(container_id)
        return True
    except docker.errors.NotFound:
        return False
    finally:
        client.close()


def containers_of_this_process() -> list[str]:
    """Ids of the containers, running or not, whose owner label names this process."""
    import docker

    client = docker.from_env()
    try:
        containers = client.containers.list(all=True, filters={"label": OWNER_LABEL})
        pid = str(os.getpid())
        return [c.id for c in containers if c.labels[OWNER_LABEL].split()[1:2] == [pid]]
    finally:
        client.close()


def run_cli(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def fingerprint(path: Path) -> str:
    return Snapshot.read(path).fingerprint


# --------------------------------------------------------------------------- specs (no Docker)

@pytest.mark.parametrize("text, image, flavour", [
    ("docker", "mariadb:10.11", "mariadb"),
    ("docker:mariadb", "mariadb:10.11", "mariadb"),
    ("docker:mysql", "mysql:8.0", "mysql"),
    ("docker:mariadb:10.6", "mariadb:10.6", "mariadb"),
    ("docker:mysql:8.0", "mysql:8.0", "mysql"),
    ("docker:schema-tools/mariadb:10.11-local", "schema-tools/mariadb:10.11-local", "mariadb"),
    ("docker:127.0.0.1:5000/db/mysql-server:8.0", "127.0.0.1:5000/db/mysql-server:8.0",
     "mysql"),
    ("docker:percona:8.0?flavour=mysql", "percona:8.0", "mysql"),
    ("docker?flavour=mysql", "mysql:8.0", "mysql"),
])
def test_spec_images_and_flavours(text, image, flavour):
    spec = parse_docker_spec(text, environ={})
    assert (spec.image, spec.flavour) == (image, flavour)
    assert is_docker_spec(text)


def test_spec_options_and_environment():
    spec = parse_docker_spec("docker:mariadb:10.11?network=host&ryuk=off&timeout=30", environ={})
    assert (spec.network, spec.ryuk, spec.timeout) == ("host", False, 30.0)
    assert parse_docker_spec("docker", environ={}).network == "auto"
    assert parse_docker_spec("docker", environ={}).ryuk is None
    env = {"SCHEMA_TOOLS_DOCKER_NETWORK": "bridge"}
    assert parse_docker_spec("docker", environ=env).network == "bridge"
    assert parse_docker_spec("docker?network=host", environ=env).network == "host"


@pytest.mark.parametrize("text", [
    "docker:mariadb?network=wifi", "docker:mariadb?ryuk=maybe", "docker:mariadb?colour=blue",
    "docker:mariadb?timeout=never", "docker:mariadb?network=host&network=host",
    "docker:mariadb?network=", "docker:bad image", "docker:?flavour=oracle", "docker:a//b",
])
def test_spec_errors_are_input_errors(text):
    with pytest.raises(InputError):
        parse_docker_spec(text, environ={})


@pytest.mark.parametrize("text", ["local", "mariadb://root@127.0.0.1/", "dockerhub:x", None, ""])
def test_other_servers_are_not_docker_specs(text):
    assert not is_docker_spec(text)


# --------------------------------------------------------------------------- apt sources

def _apt_sources():
    path = PROJECT_ROOT / "scripts" / "apt_sources.py"
    spec = importlib.util.spec_from_file_location("apt_sources", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("apt_sources", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_apt_sources_deb822_and_one_line(tmp_path):
    apt = _apt_sources()
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(textwrap.dedent("""\
        Types: deb deb-src
        URIs: file:///srv/mirror/debian
        Suites: trixie trixie-updates
        Components: main contrib
        Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

        Types: deb
        URIs: file:///srv/mirror/debian-security
        Suites: trixie-security
        Components: main

        Types: deb
        Enabled: no
        URIs: file:///srv/other/debian
        Suites: trixie
        Components: main
        """))
    (tmp_path / "sources.list.d" / "extra.list").write_text(
        "# a comment\ndeb [arch=amd64] file:///srv/third/repo stable main\n"
        "deb file:///srv/mirror/debian trixie-backports main\n")
    assert apt.main(["apt_sources.py", str(tmp_path)]) == 0
    entries = apt.read_entries(str(tmp_path))
    assert apt.base_suite(entries) == "trixie"
    assert apt.archive_lines(entries, "trixie") == [
        "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
        "file:///srv/mirror/debian trixie main contrib",
        "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
        "file:///srv/mirror/debian trixie-updates main contrib",
        "deb file:///srv/mirror/debian-security trixie-security main",
    ]


def test_apt_sources_classic_sources_list(tmp_path):
    apt = _apt_sources()
    (tmp_path / "sources.list").write_text(
        "deb file:///srv/mirror/debian/ bookworm main\n"
        "deb-src file:///srv/mirror/debian/ bookworm main\n"
        "deb file:///srv/security/ bookworm-security main  # security\n")
    entries = apt.read_entries(str(tmp_path))
    assert apt.base_suite(entries) == "bookworm"
    assert apt.archive_lines(entries, "bookworm") == [
        "deb file:///srv/mirror/debian/ bookworm main",
        "deb file:///srv/security/ bookworm-security main",
    ]
    assert apt.main(["apt_sources.py", str(tmp_path / "empty")]) == 1


# --------------------------------------------------------------------------- the session container

@pytest.mark.docker
def test_session_container_runs_the_image_with_host_networking(docker_server, docker_spec):
    import docker

    assert docker_server.network == "host"
    assert docker_server.host == "127.0.0.1"
    assert "MariaDB" in docker_server.version and docker_server.version.startswith("10.11.")
    client = docker.from_env()
    try:
        container = client.containers.get(docker_server.container_id)
        assert container.attrs["HostConfig"]["NetworkMode"] == "host"
        assert container.image.tags[0] == parse_docker_spec(docker_spec).image
        owner = container.labels[OWNER_LABEL].split()
        assert owner[1] == str(os.getpid())
    finally:
        client.close()
    url = docker_server.url()
    assert docker_server._password in url
    assert docker_server._password not in docker_server.redacted_url()
    assert docker_server._password not in repr(docker_server) + docker_server.describe()


@pytest.mark.docker
def test_entrypoint_leaves_only_password_protected_root(docker_server):
    conn = pymysql.connect(host=docker_server.host, port=docker_server.port, user="root",
                           password=docker_server._password)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT user, host FROM mysql.user ORDER BY user, host")
            accounts = set(cur.fetchall())
            cur.execute("SELECT @@port, @@bind_address")
            port, bind = cur.fetchone()
    finally:
        conn.close()
    assert accounts == {("mariadb.sys", "localhost"), ("root", "%"), ("root", "localhost")}
    assert (port, bind) == (docker_server.port, "127.0.0.1")
    with pytest.raises(pymysql.err.OperationalError) as info:
        pymysql.connect(host="127.0.0.1", port=docker_server.port, user="root", password="")
    assert info.value.args[0] == 1045  # access denied


@pytest.mark.docker
def test_entrypoint_takes_the_official_variables(docker_spec):
    """MYSQL_ aliases, a hostile database name, a user, and /docker-entrypoint-initdb.d."""
    import gzip
    import io
    import tarfile

    import docker

    from schema_tools.servers.docker import _free_port

    database, password = "st db`1", "p'w\\\"x"
    files = {
        "01-table.sql": b"CREATE TABLE t (a int); INSERT INTO t VALUES (41);",
        "02-more.sql.gz": gzip.compress(b"INSERT INTO t VALUES (42);"),
        "03-marker.sh": b"echo sourced > /tmp/initdb-ran\n",
        "04-ignored.txt": b"not SQL",
    }
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    port = _free_port()
    client = docker.from_env()
    container = client.containers.create(
        parse_docker_spec(docker_spec).image, network="host",
        environment={"MYSQL_ROOT_PASSWORD": password, "MARIADB_DATABASE": database,
                     "MYSQL_USER": "app", "MARIADB_PASSWORD": password,
                     "MARIADB_INITDB_SKIP_TZINFO": "1", "MARIADB_PORT": str(port),
                     "MARIADB_BIND_ADDRESS": "127.0.0.1"})
    try:
        container.put_archive("/docker-entrypoint-initdb.d", archive.getvalue())
        container.start()
        conn = None
        for _ in range(600):
            try:
                conn = pymysql.connect(host="127.0.0.1", port=port, user="app",
                                       password=password, database=database)
                break
            except pymysql.MySQLError:
                container.reload()
                assert container.status == "running", container.logs()[-2000:]
                time.sleep(0.1)
        assert conn is not None, container.logs()[-2000:]
        with conn.cursor() as cur:
            cur.execute("SELECT a FROM t ORDER BY a")
            assert [row[0] for row in cur.fetchall()] == [41, 42]
            cur.execute("SHOW DATABASES")
            assert {row[0] for row in cur.fetchall()} == {database, "information_schema"}
        conn.close()
        pymysql.connect(host="127.0.0.1", port=port, user="root", password=password).close()
        assert container.exec_run(["cat", "/tmp/initdb-ran"]).output == b"sourced\n"
        logs = container.logs().decode()
        assert "ignoring /docker-entrypoint-initdb.d/04-ignored.txt" in logs
        assert password not in logs
    finally:
        container.remove(force=True, v=True)
        client.close()


@pytest.mark.docker
def test_snapshot_on_the_container_as_an_existing_server(docker_server_url, small_sql, tmp_path):
    from schema_tools.sources.connection import parse_url

    password = parse_url(docker_server_url).password
    out = tmp_path / "existing.json"
    result = run_cli("snapshot", str(small_sql), "--server", docker_server_url, "-o", str(out))
    assert result.exit_code == 0, result.output
    local = tmp_path / "local.json"
    assert run_cli("snapshot", str(small_sql), "-o", str(local)).exit_code == 0
    assert fingerprint(out) == fingerprint(local)
    assert password not in result.output
    assert password not in Path(str(out).replace(".json", ".meta.json")).read_text()


# --------------------------------------------------------------------------- whole lives

@pytest.mark.docker
def test_cli_snapshot_on_docker_equals_local(docker_spec, small_sql, tmp_path, started):
    docker_out, local_out = tmp_path / "docker.json", tmp_path / "local.json"
    result = run_cli("snapshot", str(small_sql), "--server", docker_spec, "-o", str(docker_out))
    assert result.exit_code == 0, result.output
    assert run_cli("snapshot", str(small_sql), "-o", str(local_out)).exit_code == 0

    assert fingerprint(docker_out) == fingerprint(local_out)
    snap = Snapshot.read(docker_out).schema
    assert {t.name for t in snap.tables} == {"Person", "Session"}
    meta = json.loads((tmp_path / "docker.meta.json").read_text())
    assert meta["loaded_on"].startswith(f"docker {parse_docker_spec(docker_spec).image} (10.11.")

    assert len(started) == 1
    server = started[0]
    assert server.container_id is None and not server.running
    assert server._password not in result.output
    assert server._password not in (tmp_path / "docker.meta.json").read_text()


@pytest.mark.docker
def test_failing_load_removes_the_container_and_hides_the_password(docker_spec, tmp_path,
                                                                    started):
    bad = tmp_path / "bad.sql"
    bad.write_text(BAD_SQL)
    ids = []
    with pytest.raises(SqlError) as info, open_workspace(docker_spec) as ws:
        password = ws.env["MYSQL_PWD"]
        ids.append(started[0].container_id)
        assert container_exists(ids[0])
        ws.load_files([bad])
    assert "no_such_type" in str(info.value) and "bad.sql:2" in str(info.value)
    assert password not in str(info.value)
    assert not container_exists(ids[0])

    result = run_cli("snapshot", str(bad), "--server", docker_spec, "-o", str(tmp_path / "x.json"))
    assert result.exit_code == 2
    assert "bad.sql:2" in result.output and "Traceback" not in result.output
    assert started[1]._password not in result.output
    assert not (tmp_path / "x.json").exists()


@pytest.mark.docker
def test_container_of_a_killed_owner_is_swept(docker_spec, tmp_path):
    script = textwrap.dedent(f"""
        import sys, time
        from schema_tools.servers.docker import DockerServer
        server = DockerServer({docker_spec!r}).start()
        print(server.container_id, flush=True)
        time.sleep(600)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            cwd=PROJECT_ROOT)
    try:
        container_id = proc.stdout.readline().strip()
        assert container_id and container_exists(container_id)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        proc.stdout.close()
    assert container_exists(container_id)  # nothing ran in the killed process
    assert container_id in sweep_stale_containers()
    assert not container_exists(container_id)


@pytest.mark.docker
def test_sigterm_removes_the_container(docker_spec):
    script = textwrap.dedent(f"""
        import time
        from schema_tools.servers.docker import DockerServer
        server = DockerServer({docker_spec!r}).start()
        print(server.container_id, flush=True)
        time.sleep(600)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            cwd=PROJECT_ROOT)
    try:
        container_id = proc.stdout.readline().strip()
        assert container_id and container_exists(container_id)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == -signal.SIGTERM
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
        proc.stdout.close()
    assert not container_exists(container_id)


@pytest.mark.docker
def test_missing_image_is_one_line_error(docker_spec, tmp_path, small_sql, started):
    spec = docker_spec.replace(parse_docker_spec(docker_spec).image, "schema-tools/no-such-image:0")
    result = run_cli("snapshot", str(small_sql), "--server", spec, "-o", str(tmp_path / "x.json"))
    assert result.exit_code == 2
    assert "schema-tools/no-such-image:0" in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) <= 2  # the error and its hint

