"""A scratch database to load SQL into and introspect: the one code path after
"give me a server".

``Workspace`` wraps either a throwaway local server (the default) or an existing server
given by URL; a server in a new Docker container is used as an existing one.  On an
existing server it works in a scratch database with a unique name, which is dropped on
exit even when loading failed.
"""

from __future__ import annotations

import contextlib
import secrets
from typing import Iterator, Sequence

import pymysql

from ..errors import ConnectionFailed
from ..model.objects import Schema
from ..render.ddl import quote_ident, render_schema
from .connection import ConnectionSpec, parse_url
from .introspect import MULTI_STATEMENTS, IntrospectionResult, introspect
from .loader import LoadReport, load_files, load_text


class Workspace:
    """One scratch database on some server."""

    def __init__(self, *, connect, client: Sequence[str], env: dict[str, str] | None,
                 database: str, describe: str, server_pid: int | None = None) -> None:
        self._connect = connect
        self.server_pid = server_pid  # set for a throwaway server
        self.client = list(client)
        self.env = env or {}
        self.database = database
        self.describe = describe

    def connect(self, database: str | None = None) -> pymysql.connections.Connection:
        return self._connect(database)

    def load_files(self, paths) -> LoadReport:
        return load_files(paths, client=self.client, env=self.env, database=self.database)

    def load_schema(self, schema: Schema) -> None:
        load_text(render_schema(schema), client=self.client, env=self.env,
                  database=self.database, source="<rendered snapshot>")

    def introspect(self, *, self_check: bool = True, data_tables=(),
                   only_tables=None) -> IntrospectionResult:
        conn = self.connect(self.database)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT CURRENT_USER()")
                account = cur.fetchone()[0]
            return introspect(conn, self.database, self_check=self_check,
                              loader_account=account, data_tables=data_tables,
                              only_tables=only_tables)
        finally:
            conn.close()


_SYSTEM_DBS = {"mysql", "information_schema", "performance_schema", "sys"}


def _scratch_name() -> str:
    return "st_scratch_" + secrets.token_hex(6)


@contextlib.contextmanager
def local_workspace(*, sql_mode: str | None = None, database: str | None = None) -> Iterator[Workspace]:
    """A scratch database on a new throwaway local server.  ``database`` names it, for
    scripts that qualify names with the database they expect (``pydb.Movie``)."""
    from ..servers.local import LocalServer

    with LocalServer(sql_mode=sql_mode) as server:
        db = server.create_database(database)
        yield Workspace(
            connect=lambda database=None: server.connect(database, client_flag=MULTI_STATEMENTS),
            client=server.client_command(), env=None, database=db,
            describe=f"throwaway {server.flavour} {server.version}", server_pid=server.pid,
        )


@contextlib.contextmanager
def existing_workspace(url: str, *, defaults_file=None,
                       database: str | None = None) -> Iterator[Workspace]:
    """A scratch database on an existing server, dropped on exit.  ``database`` names it
    instead of a unique name: only for a server of our own, such as a new container."""
    spec: ConnectionSpec = parse_url(url, defaults_file=defaults_file).with_database(None)
    db = database or _scratch_name()
    admin = spec.connect(None)
    try:
        with admin.cursor() as cur:
            cur.execute(f"CREATE DATABASE {quote_ident(db)}")
    except pymysql.MySQLError as exc:
        admin.close()
        raise ConnectionFailed(f"cannot create a scratch database on {spec.redacted()}: "
                               f"{exc.args[-1]}") from None
    argv, env = spec.client_command()
    try:
        yield Workspace(
            connect=lambda database=None: spec.connect(database, client_flag=MULTI_STATEMENTS),
            client=argv, env=env, database=db, describe=spec.redacted(),
        )
    finally:
        try:
            with admin.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS {quote_ident(db)}")
        finally:
            admin.close()


@contextlib.contextmanager
def docker_workspace(spec: str, *, database: str | None = None) -> Iterator[Workspace]:
    """A scratch database on a server in a new container (``docker:IMAGE[:TAG]``): the
    container is started, handed on as an existing server's URL, and removed on exit."""
    from ..servers.docker import DockerServer

    with DockerServer(spec) as server, \
            existing_workspace(server.url(), database=database) as ws:
        ws.describe = server.describe()
        yield ws


def open_workspace(server: str | None = None, *, defaults_file=None, database: str | None = None):
    """``server`` is ``None``/``"local"`` for a throwaway server, ``docker[:IMAGE[:TAG]]``
    for a server in a new container, or an existing server URL.

    ``database`` names the scratch database on a throwaway server or container (an
    existing server always gets a unique scratch name, so nothing of the server's own can
    be touched)."""
    from ..servers.docker import is_docker_spec

    own_name = database if database not in _SYSTEM_DBS else None
    if server in (None, "", "local"):
        return local_workspace(database=own_name)
    if is_docker_spec(server):
        return docker_workspace(server, database=own_name)
    return existing_workspace(server, defaults_file=defaults_file)
