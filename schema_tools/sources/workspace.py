"""A scratch database to load SQL into and introspect: the one code path after
"give me a server".

``Workspace`` wraps either a throwaway local server (the default) or an existing server
given by URL; a server in a new Docker container is used as an existing one.  On an
existing server it works in a scratch database with a unique name, which is dropped on
exit even when loading failed.

SQL is loaded, and the scratch database read, as an account of the workspace's own,
never one a schema can name: on a throwaway server :data:`~schema_tools.servers.local.LOADER_ACCOUNT`, on an
existing server a scratch account ``schema_tools_<hex>`` made for the workspace and
dropped with it.  An object created without a DEFINER gets that account, which
introspection records as no definer; a DEFINER the source states (``root@localhost``,
the account of the URL...) is recorded as stated, so a snapshot rendered and loaded again
gives the same snapshot.  Where the account of the URL may not create that scratch
account (it needs ``CREATE USER`` and, with ``GRANT OPTION``, every privilege on the
scratch database and those of :attr:`~schema_tools.flavour.Flavour.scratch_account_grants`),
the workspace loads as the URL's account, and a definer equal to it is recorded as none
(:attr:`Workspace.notes` says so).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import secrets
from collections.abc import Iterator, Sequence

import pymysql

from ..errors import ConnectionFailed
from ..flavour import detect
from ..model.objects import Schema, quote_string
from ..dialect.ddl import quote_ident, render_schema
from .connection import ConnectionSpec, parse_url, scrub
from .introspect import BOOKKEEPING_TABLES, MULTI_STATEMENTS, IntrospectionResult, introspect
from ..servers.local import LOADER_USER
from .loader import LoadReport, execute_text, load_files


class Workspace:
    """One scratch database on some server, and the account that loads it (module doc)."""

    def __init__(self, *, connect, client: Sequence[str], env: dict[str, str] | None,
                 database: str, describe: str, server_pid: int | None = None,
                 notes: Sequence[str] = (), create_accounts=None, reset=None) -> None:
        self._connect = connect
        self.server_pid = server_pid  # set for a throwaway server
        self.client = list(client)
        self.env = env or {}
        self.database = database
        self.describe = describe
        self.notes = list(notes)  # what limits the fidelity of this workspace
        # on a server of our own: creates the accounts that scripts name as DEFINER, as the
        # site that ran them has them (``create_accounts([(user, host), ...])``)
        self._create_accounts = create_accounts
        # a pooled database (see existing_workspace): the state it was kept at, if any,
        # how to empty it, and whether to keep it for the next command when done
        self.pooled = False
        self.reused: str | None = None
        self._reset = reset
        self.keep = False

    def connect(self, database: str | None = None) -> pymysql.connections.Connection:
        return self._connect(database)

    def load_files(self, paths) -> LoadReport:
        if self._create_accounts is not None:
            from ..dialect.sqlscript import read_sql_file

            self._create_accounts(sorted(set().union(*(definers_in(read_sql_file(p)) for p in paths))))
        return load_files(paths, client=self.client, env=self.env, database=self.database)

    def load_schema(self, schema: Schema, *, fingerprint: str | None = None) -> bool:
        """Load ``schema`` into the scratch database.  With ``fingerprint`` (the snapshot's)
        on a pooled workspace whose database was kept at that state by an earlier command,
        nothing is loaded: the database's rows are cleared instead, except those of the
        tables whose rows the schema tracks, and True is returned.  The caller must then
        check that the database reads back as ``schema``, and call :meth:`reset` and load
        again if it does not."""
        if fingerprint is not None and self.reused == fingerprint and self._clear_rows(schema):
            return True
        self._load(schema)
        return False

    def reset(self) -> None:
        """Empty the scratch database (drop it and create it again)."""
        if self._reset is None:
            raise RuntimeError("this workspace cannot be reset")
        self._reset()
        self.reused = None

    def _clear_rows(self, schema: Schema) -> bool:
        """Delete the rows of every table but those whose rows ``schema`` tracks, and drop the
        bookkeeping tables; False (nothing done) when a table cannot be emptied so (a
        system-versioned table keeps its history, a sequence its value)."""
        tracked = {d.table for d in schema.data}
        conn = self.connect(self.database)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES "
                            "WHERE TABLE_SCHEMA = %s", (self.database,))
                tables = cur.fetchall()
                if any(kind not in ("BASE TABLE", "VIEW") for _, kind in tables):
                    return False
                cur.execute("SELECT DISTINCT EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS "
                            "WHERE TRIGGER_SCHEMA = %s AND EVENT_MANIPULATION = 'DELETE'", (self.database,))
                triggered = {r[0] for r in cur.fetchall()}
                cur.execute("SET SESSION foreign_key_checks = 0")
                try:
                    for name, kind in tables:
                        if kind == "VIEW" or name in tracked:
                            continue
                        if name in BOOKKEEPING_TABLES:
                            cur.execute(f"DROP TABLE {quote_ident(name)}")
                        elif name in triggered:  # its triggers must not run
                            cur.execute(f"TRUNCATE TABLE {quote_ident(name)}")
                        else:
                            cur.execute(f"DELETE FROM {quote_ident(name)}")
                finally:
                    cur.execute("SET SESSION foreign_key_checks = 1")
        finally:
            conn.close()
        return True

    def _load(self, schema: Schema) -> None:
        if self._create_accounts is not None:
            named = {o.definer for kind in (schema.views, schema.routines, schema.triggers, schema.events)
                     for o in kind if o.definer}
            self._create_accounts(sorted(account_of(d) for d in named if "@" in d))
        conn = self.connect(self.database)
        try:
            execute_text(conn, render_schema(schema), source="<rendered snapshot>")
        finally:
            conn.close()

    def introspect(self, *, self_check: bool = True, data_tables=(),
                   only_tables=None) -> IntrospectionResult:
        conn = self.connect(self.database)
        try:
            with conn.cursor() as cur:  # the workspace's account: see the module's doc
                cur.execute("SELECT CURRENT_USER()")
                account = cur.fetchone()[0]
            return introspect(conn, self.database, self_check=self_check,
                              loader_account=account, data_tables=data_tables,
                              only_tables=only_tables)
        finally:
            conn.close()


_SYSTEM_DBS = {"mysql", "information_schema", "performance_schema", "sys"}


@contextlib.contextmanager
def local_workspace(*, sql_mode: str | None = None, database: str | None = None) -> Iterator[Workspace]:
    """A scratch database on a new throwaway local server.  ``database`` names it, for
    scripts that qualify names with the database they expect (``pydb.Movie``)."""
    from ..servers.local import LocalServer

    with LocalServer(sql_mode=sql_mode) as server:
        server.create_account(LOADER_USER)
        db = server.create_database(database)
        yield Workspace(
            connect=lambda database=None: server.connect(database, user=LOADER_USER,
                                                         client_flag=MULTI_STATEMENTS),
            client=server.client_command(user=LOADER_USER), env=None, database=db,
            describe=f"throwaway {server.flavour} {server.version}", server_pid=server.pid,
            create_accounts=lambda accounts: create_accounts(server, accounts),
        )


_NAME = r"(`(?:[^`]|``)+`|'(?:[^'\\]|''|\\.)+'|\"(?:[^\"]|\"\")+\"|[A-Za-z0-9_$.%-]+)"
_DEFINER = re.compile(r"\bDEFINER\s*=\s*" + _NAME + r"\s*@\s*" + _NAME, re.IGNORECASE)


def _unquote(name: str) -> str:
    if name[:1] in "`'\"":
        q = name[0]
        return name[1:-1].replace(q + q, q)
    return name


def definers_in(text: str) -> set[tuple[str, str]]:
    """The accounts ``DEFINER = user@host`` clauses of ``text`` name (a rough scan: a
    clause inside a string or comment counts too, which at worst creates one account more)."""
    return {(_unquote(m.group(1)), _unquote(m.group(2))) for m in _DEFINER.finditer(text)}


def account_of(definer: str) -> tuple[str, str]:
    user, _, host = definer.rpartition("@")
    return user, host


def create_accounts(server, accounts: Sequence[tuple[str, str]]) -> None:
    """Create each ``(user, host)`` account on the throwaway ``server``, with every
    privilege, unless it exists: a view, routine or trigger defined by it then works as on
    the site whose scripts name it."""
    if not accounts:
        return
    with contextlib.closing(server.connect()) as conn, conn.cursor() as cur:
        for user, host in accounts:
            account = f"{quote_string(user)}@{quote_string(host)}"
            cur.execute(f"CREATE USER IF NOT EXISTS {account}")
            cur.execute(f"GRANT ALL PRIVILEGES ON *.* TO {account}")


@contextlib.contextmanager
def existing_workspace(url: str, *, defaults_file=None, database: str | None = None,
                       pool: str | None = None) -> Iterator[Workspace]:
    """A scratch database on an existing server, dropped on exit.  ``database`` names it
    instead of a unique name: only for a server of our own, such as a new container.

    ``pool`` (the fingerprint of the state the caller will load; only for a warm server of
    our own) pools the scratch databases: one that an earlier command kept at that state
    (:attr:`Workspace.keep`) is taken, if one is free, with :attr:`Workspace.reused` set;
    a new one is kept in its turn when the caller sets ``keep``.  A pooled database is
    held with a named lock for as long as its workspace is open, so two commands never
    share one; at most :data:`POOL_SIZE` are kept."""
    spec: ConnectionSpec = parse_url(url, defaults_file=defaults_file).with_database(None)
    admin = spec.connect(None)
    db: str | None = None
    account = None
    ws: Workspace | None = None
    try:
        claimed = _claim_pooled(admin, spec, pool) if pool is not None and database is None else None
        if claimed is not None:
            db, account, loader = claimed
            notes: list[str] = []
        else:
            hexid = secrets.token_hex(6)
            name = database or (_pool_name(pool, hexid) if pool is not None else f"st_scratch_{hexid}")
            try:
                with admin.cursor() as cur:
                    if pool is not None and database is None:
                        cur.execute("SELECT GET_LOCK(%s, 0)", (name,))
                    cur.execute(f"CREATE DATABASE {quote_ident(name)}")
                db = name
            except pymysql.MySQLError as exc:
                raise ConnectionFailed(f"cannot create a scratch database on {spec.redacted()}: "
                                       f"{exc.args[-1]}") from None
            account, loader, notes = _scratch_account(admin, spec, db, hexid)

        def reset(db: str = db) -> None:
            with admin.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS {quote_ident(db)}")
                cur.execute(f"CREATE DATABASE {quote_ident(db)}")

        argv, env = loader.client_command()
        ws = Workspace(
            connect=lambda database=None: loader.connect(database, client_flag=MULTI_STATEMENTS),
            client=argv, env=env, database=db, describe=spec.redacted(), notes=notes, reset=reset,
        )
        ws.pooled = pool is not None and database is None and account is not None
        ws.reused = pool if claimed is not None else None
        yield ws
    finally:
        try:
            if ws is not None and ws.pooled and ws.keep:
                _trim_pool(admin, keep=ws.database)
            elif db is not None:
                _drop_scratch(admin, db, account)
        finally:
            admin.close()  # releases the pooled database's lock


POOL_PREFIX = "st_pool_"
POOL_SIZE = 4
"""Pooled scratch databases kept on a warm server, at most (beyond, free ones are dropped)."""


def _pool_name(fingerprint: str, hexid: str) -> str:
    """``st_pool_<start of the fingerprint>_<hex>``: the state it holds, in its name."""
    return f"{POOL_PREFIX}{fingerprint.partition(':')[2][:16]}_{hexid}"


def _pool_user(db: str) -> str:
    """The scratch account's user of a pooled database (the objects loaded by it name it as
    their definer, so it lives as long as the database)."""
    return "schema_tools_" + db.rpartition("_")[2]


def _pooled(admin: pymysql.connections.Connection, prefix: str) -> tuple[list[str], str]:
    """The pooled databases whose names start with ``prefix``, sorted, and the host part of
    the admin account (the one the scratch accounts share)."""
    pattern = _like_literal(prefix) + "%"
    with admin.cursor() as cur:
        cur.execute("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE %s "
                    "ORDER BY SCHEMA_NAME", (pattern,))
        names = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT CURRENT_USER()")
        host = cur.fetchone()[0].rpartition("@")[2]
    return names, host


def _account_sql(user: str, host: str) -> str:
    return f"{quote_string(user)}@{quote_string(host)}"


def _like_literal(text: str) -> str:
    """``text`` as a LIKE pattern (or a database-level grant) that matches only itself."""
    return text.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%")


def _claim_pooled(admin: pymysql.connections.Connection, spec: ConnectionSpec,
                  fingerprint: str) -> tuple[str, str, ConnectionSpec] | None:
    """A pooled database kept at ``fingerprint``, locked for this workspace, with its
    account (a new password) and the spec that connects as it; None when none is free."""
    names, host = _pooled(admin, _pool_name(fingerprint, ""))
    for db in names:
        user, password = _pool_user(db), f"St-{secrets.token_hex(16)}-Q"
        with admin.cursor() as cur:
            cur.execute("SELECT GET_LOCK(%s, 0)", (db,))
            if cur.fetchone()[0] != 1:
                continue  # another command holds it
            try:
                cur.execute(f"ALTER USER {_account_sql(user, host)} IDENTIFIED BY {quote_string(password)}")
            except pymysql.MySQLError:
                cur.execute("SELECT RELEASE_LOCK(%s)", (db,))
                continue
        return db, _account_sql(user, host), dataclasses.replace(spec, user=user, password=password)
    return None


def _trim_pool(admin: pymysql.connections.Connection, keep: str) -> None:
    """Leave at most :data:`POOL_SIZE` pooled databases: the free ones beyond, other than
    ``keep``, are dropped with their accounts."""
    names, host = _pooled(admin, POOL_PREFIX)
    others = [db for db in names if db != keep]
    for db in others[:max(0, len(others) + 1 - POOL_SIZE)]:
        with admin.cursor() as cur:
            cur.execute("SELECT IS_FREE_LOCK(%s)", (db,))
            if cur.fetchone()[0] == 1:
                _drop_scratch(admin, db, _account_sql(_pool_user(db), host))


def _drop_scratch(admin: pymysql.connections.Connection, db: str, account: str | None) -> None:
    """Drop the scratch database, then the scratch account, even when the first fails."""
    try:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {quote_ident(db)}")
    finally:
        if account is not None:
            with admin.cursor() as cur:
                cur.execute(f"DROP USER IF EXISTS {account}")


def _scratch_account(admin: pymysql.connections.Connection, spec: ConnectionSpec,
                     db: str, hexid: str) -> tuple[str | None, ConnectionSpec, list[str]]:
    """(the account made to load ``db`` as, the spec that connects as it, notes).

    The account has the host of the URL's own (so the server matches it to this client
    as it does the URL's), a random password that only travels like the URL's, every
    privilege on ``db`` and the flavour's :attr:`~schema_tools.flavour.Flavour.scratch_account_grants`.
    Where any step fails, nothing is left, and ``spec`` itself is returned with a note."""
    with admin.cursor() as cur:
        cur.execute("SELECT CURRENT_USER(), VERSION()")
        current, version = cur.fetchone()
    user, host = "schema_tools_" + hexid, current.rpartition("@")[2]
    password = f"St-{secrets.token_hex(16)}-Q"  # passes the usual password-strength plugins
    account = _account_sql(user, host)
    pattern = _like_literal(db)  # _ and % are wildcards in a database-level grant
    created = False
    try:
        with admin.cursor() as cur:
            cur.execute(f"CREATE USER {account} IDENTIFIED BY {quote_string(password)}")
            created = True
            cur.execute(f"GRANT ALL PRIVILEGES ON {quote_ident(pattern)}.* TO {account}")
            for grant in detect(version).scratch_account_grants:
                cur.execute(f"GRANT {grant} TO {account}")
        loader = dataclasses.replace(spec, user=user, password=password)
        with contextlib.closing(loader.connect(None)) as conn, conn.cursor() as cur:
            cur.execute("SELECT CURRENT_USER()")
            if cur.fetchone()[0] != f"{user}@{host}":  # another account matched first
                raise ConnectionFailed(f"the server takes {user}@{host} for another account")
    except (pymysql.MySQLError, ConnectionFailed) as exc:
        if created:
            with contextlib.suppress(pymysql.MySQLError), admin.cursor() as cur:
                cur.execute(f"DROP USER IF EXISTS {account}")
        reason = scrub(str(exc.message if isinstance(exc, ConnectionFailed) else exc.args[-1]),
                       [password])
        return None, spec, [f"definers equal to {current}, the account of {spec.redacted()}, "
                            f"are read as none: it cannot make a scratch account to load "
                            f"as ({reason})"]
    return account, loader, []


@contextlib.contextmanager
def docker_workspace(spec: str, *, database: str | None = None) -> Iterator[Workspace]:
    """A scratch database on a server in a new container (``docker:IMAGE[:TAG]``): the
    container is started, handed on as an existing server's URL, and removed on exit."""
    from ..servers.docker import DockerServer

    with DockerServer(spec) as server, \
            existing_workspace(server.url(), database=database) as ws:
        ws.describe = server.describe()
        yield ws


SERVER_ENV = "SCHEMA_TOOLS_SERVER"


def default_server() -> str | None:
    """The server to use when none is named: ``$SCHEMA_TOOLS_SERVER`` (a warm server kept
    between commands, for example by ``schema-tools server``), else None: a new throwaway
    server each time."""
    return os.environ.get(SERVER_ENV) or None


def open_workspace(server: str | None = None, *, defaults_file=None, database: str | None = None,
                   pool: str | None = None):
    """``server`` is ``None`` for the default (:func:`default_server`), ``"local"`` for a new
    throwaway server, ``docker[:IMAGE[:TAG]]`` for a server in a new container, or an
    existing server URL.

    ``database`` names the scratch database on a throwaway server or container (an
    existing server always gets a unique scratch name, so nothing of the server's own can
    be touched).  ``pool`` (a state's fingerprint) pools the scratch databases on the warm
    server of ``$SCHEMA_TOOLS_SERVER`` (see :func:`existing_workspace`); on any other
    server it is ignored."""
    from ..servers.docker import is_docker_spec

    own_name = database if database not in _SYSTEM_DBS else None
    warm = default_server() is not None and server in (None, "", default_server())
    if server in (None, ""):
        server = default_server()
    if server in (None, "", "local"):
        return local_workspace(database=own_name)
    if is_docker_spec(server):
        return docker_workspace(server, database=own_name)
    return existing_workspace(server, defaults_file=defaults_file, pool=pool if warm else None)
