"""A throwaway MariaDB/MySQL server started from the installed binaries.

Each :class:`LocalServer` lives in one temporary directory
``<tmp>/schema-tools-server-<random>/`` holding its datadir, socket, error log and two
pid files (``owner.pid``: the Python process, ``server.pid``: the server).  The datadir
is copied from a template initialised once per server version in
``$XDG_CACHE_HOME/schema-tools/templates``, so a server is ready in well under a second.

Servers never outlive their owner: they are stopped by :meth:`LocalServer.stop`, by the
context manager, at interpreter exit, on SIGINT/SIGTERM, and (Linux) by
``PR_SET_PDEATHSIG`` if the owner is killed outright.  Directories left by a killed owner
are swept by the next :meth:`LocalServer.start`.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import functools
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

import pymysql
from typing_extensions import Self

from schema_tools.dialect.types import quote_ident
from schema_tools.errors import ServerError
from schema_tools.processes import bound_to
from schema_tools.servers.lifecycle import Startable

DEFAULT_SQL_MODE = (
    "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION"
)
"""MariaDB 10.11's compiled-in default (``mariadbd --verbose --help``)."""

LOADER_USER = "schema_tools_loader"
LOADER_ACCOUNT = f"{LOADER_USER}@localhost"
"""The account SQL is loaded as on a throwaway server (every privilege, root's equal: see
:meth:`LocalServer.create_account`).  An object a script creates without a DEFINER gets
it, and introspection records that as no definer; a DEFINER the script states,
``root@localhost`` included, is kept as stated.  Offline reading
(:mod:`schema_tools.offline`) records the same."""

DIR_PREFIX = "schema-tools-server-"
SERVER_HINT = "install it: apt-get install mariadb-server"
CLIENT_HINT = "install it: apt-get install mariadb-client"

_SEARCH_DIRS = ("/usr/sbin", "/usr/local/sbin", "/usr/local/bin", "/usr/local/mysql/bin")
# durability is worthless for a throwaway server; speed of DDL is what matters
_INNODB_ARGS = ("--innodb-buffer-pool-size=64M", "--innodb-log-file-size=8M",
                "--skip-innodb-doublewrite", "--innodb-flush-method=nosync")
_STOP_TIMEOUT = 10.0
_STALE_AGE = 60.0  # a directory without owner.pid younger than this may be starting up


# --------------------------------------------------------------------------- binaries

@functools.cache
def find_server_binaries() -> dict:
    """Locate the server, its datadir initialiser and the command-line client.

    Returns a dict with ``server`` (path), ``install`` (argv prefix that initialises a
    datadir), ``client`` (path or ``None``), ``flavour`` (``"mariadb"``/``"mysql"``) and
    ``version`` (from ``--version``).  Raises :class:`ServerError` with an install hint
    when no server is installed.
    """
    server = _which("mariadbd", "mysqld")
    if server is None:
        raise ServerError("no MariaDB or MySQL server binary (mariadbd/mysqld) found",
                          hint=SERVER_HINT)
    out = subprocess.run([server, "--no-defaults", "--version"], capture_output=True,
                         text=True, timeout=30).stdout
    match = re.search(r"Ver\s+(\S+)", out)
    if not match:
        raise ServerError(f"cannot read the version of {server}: {out.strip()!r}",
                          hint=SERVER_HINT)
    version = match.group(1)
    flavour = "mariadb" if "mariadb" in out.lower() else "mysql"
    if flavour == "mariadb":
        install_db = _which("mariadb-install-db", "mysql_install_db")
        if install_db is None:
            raise ServerError("mariadb-install-db not found", hint=SERVER_HINT)
        install = [install_db, "--no-defaults"]
        client = _which("mariadb", "mysql")
    else:
        install = [server, "--no-defaults", "--initialize-insecure"]
        client = _which("mysql")
    return {"server": server, "install": install, "client": client,
            "flavour": flavour, "version": version}


def server_available() -> bool:
    """True when a MariaDB/MySQL server and its initialiser are installed."""
    try:
        find_server_binaries()
    except ServerError:
        return False
    return True


def _which(*names: str) -> str | None:
    path = os.pathsep.join([os.environ.get("PATH", ""), *_SEARCH_DIRS])
    for name in names:
        found = shutil.which(name, path=path)
        if found:
            return found
    return None


# --------------------------------------------------------------------------- server

class LocalServer(Startable):
    """A private MariaDB/MySQL server in a temporary directory, root without password.

    Use as a context manager, or call :meth:`start` and :meth:`stop`.  ``sql_mode=None``
    means the server's default (:data:`DEFAULT_SQL_MODE` on MariaDB).  ``extra_args`` are
    appended to the server's command line.  ``innodb_autoinc_lock_mode=2`` ("interleaved")
    lets inserts into a table proceed while a bulk ``INSERT ... SELECT`` (pt-online-schema-change's
    row copy) runs; ``None`` keeps the server's default.
    """

    host: str = "127.0.0.1"

    def __init__(self, *, sql_mode: str | None = None, charset: str = "utf8mb4",
                 collation: str | None = None, extra_args: Sequence[str] = (),
                 startup_timeout: float = 60.0, innodb_autoinc_lock_mode: int | None = None) -> None:
        self.sql_mode = sql_mode
        self.charset = charset
        self.collation = collation
        self.extra_args = tuple(extra_args)
        self.startup_timeout = startup_timeout
        self.innodb_autoinc_lock_mode = innodb_autoinc_lock_mode
        self.port = 0
        self.socket = ""
        self.datadir = ""
        self.directory = ""  # the schema-tools-server-* directory holding everything
        self.version = ""
        self.flavour = ""
        self.version_tuple: tuple[int, int, int] = (0, 0, 0)
        self._proc: subprocess.Popen | None = None
        self._owner = os.getpid()

    # ---- lifecycle

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs, else ``None``."""
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        """True while the server process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> Self:
        """Start the server (no-op if already running) and return ``self``."""
        if self.running:
            return self
        if self._proc is not None or self.directory:
            self.stop()  # died on its own: clean up before starting afresh
        binaries = find_server_binaries()
        sweep_stale_directories()
        _install_cleanup_hooks()
        template = _template_datadir(binaries)
        self.directory = tempfile.mkdtemp(prefix=DIR_PREFIX, dir=tempfile.gettempdir())
        self._owner = os.getpid()
        _LIVE.add(self)
        try:
            Path(self.directory, "owner.pid").write_text(_owner_record(self._owner))
            self._prepare_directory(template)
            self._launch(binaries)
            self._read_version()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and remove its directory. Idempotent."""
        proc, self._proc = self._proc, None
        if proc is not None:
            _terminate(proc)
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = ""
        _LIVE.discard(self)

    def __repr__(self) -> str:
        state = f"pid={self.pid} port={self.port}" if self.running else "stopped"
        return f"<LocalServer {self.flavour or '?'} {self.version or ''} {state}>"

    # ---- using it

    def connect(self, database: str | None = None, **kw) -> pymysql.connections.Connection:
        """A PyMySQL connection as root over the unix socket (utf8mb4, autocommit).

        Keyword arguments override the defaults; pass ``host=`` to use TCP instead.
        """
        self._require_running()
        params = {"user": "root", "password": "", "charset": "utf8mb4", "autocommit": True,
                  "database": database, "ssl_disabled": True}
        if "host" in kw:
            params["port"] = self.port
        else:
            params["unix_socket"] = self.socket
        params.update(kw)
        return pymysql.connect(**params)

    def client_command(self, database: str | None = None, *, user: str = "root") -> list[str]:
        """argv for the ``mariadb``/``mysql`` client connected over the socket as ``user``
        (root, or an account made by :meth:`create_account`)."""
        self._require_running()
        client = find_server_binaries()["client"]
        if client is None:
            raise ServerError("no mariadb/mysql client binary found", hint=CLIENT_HINT)
        argv = [client, "--no-defaults", f"--socket={self.socket}", "--protocol=socket",
                f"--user={user}", "--default-character-set=utf8mb4"]
        if database is not None:
            argv.append(f"--database={database}")
        return argv

    def url(self, database: str | None = None) -> str:
        """``mariadb://root@localhost/db?unix_socket=PATH`` (``mysql://`` for MySQL).

        Over the socket, like :meth:`connect` and :meth:`client_command`, so every
        connection is the same account (``root@localhost``) and objects created through
        any of them get the same DEFINER."""
        self._require_running()
        url = f"{self.flavour}://root@localhost/{quote(database, safe='') if database else ''}"
        return f"{url}?unix_socket={quote(self.socket, safe='/')}"

    def tcp_url(self, database: str | None = None) -> str:
        """``mariadb://root@127.0.0.1:PORT/db``, for clients that need TCP."""
        self._require_running()
        url = f"{self.flavour}://root@{self.host}:{self.port}"
        return f"{url}/{quote(database, safe='')}" if database else url

    def create_database(self, name: str | None = None, charset: str | None = None,
                        collation: str | None = None) -> str:
        """Create a database (a unique ``st_<hex>`` scratch name by default); return its name."""
        name = name or f"st_{secrets.token_hex(6)}"
        sql = f"CREATE DATABASE {quote_ident(name)}"
        if charset:
            sql += f" CHARACTER SET {_word(charset)}"
        if collation:
            sql += f" COLLATE {_word(collation)}"
        self._execute(sql)
        return name

    def drop_database(self, name: str) -> None:
        """Drop a database if it exists."""
        self._execute(f"DROP DATABASE IF EXISTS {quote_ident(name)}")

    def create_account(self, user: str) -> str:
        """Create ``user@localhost`` without a password and with every privilege, root's
        equal (``WITH GRANT OPTION``, ``SET USER`` included), unless it exists; return
        ``user@localhost``.  Connect as it with ``connect(user=...)`` and
        ``client_command(user=...)``: objects created without a DEFINER get it."""
        account = f"{quote_ident(user)}@'localhost'"
        self._execute(f"CREATE USER IF NOT EXISTS {account}")
        self._execute(f"GRANT ALL PRIVILEGES ON *.* TO {account} WITH GRANT OPTION")
        return f"{user}@localhost"

    # ---- private

    def _require_running(self) -> None:
        if not self.running:
            raise ServerError("the local server is not running", hint="call start() first")

    def _execute(self, sql: str) -> None:
        with contextlib.closing(self.connect()) as conn, conn.cursor() as cur:
            cur.execute(sql)

    def _prepare_directory(self, template: Path) -> None:
        root = Path(self.directory)
        self.datadir = str(root / "data")
        self.socket = str(root / "mysqld.sock")
        if len(self.socket.encode()) > 100:
            raise ServerError(f"socket path too long for a unix socket: {self.socket}",
                              hint="set TMPDIR to a shorter directory")
        shutil.copytree(template, self.datadir, symlinks=True)
        (root / "tmp").mkdir()

    def _command(self, binaries: dict) -> list[str]:
        root = self.directory
        sql_mode = self.sql_mode
        if sql_mode is None and binaries["flavour"] == "mariadb":
            sql_mode = DEFAULT_SQL_MODE
        argv = [binaries["server"], "--no-defaults", f"--datadir={self.datadir}",
                f"--socket={self.socket}", f"--port={self.port}", "--bind-address=127.0.0.1",
                f"--pid-file={root}/mysqld.pid", f"--log-error={root}/error.log",
                f"--tmpdir={root}/tmp", "--skip-log-bin", "--skip-name-resolve",
                "--log-bin-trust-function-creators=1", f"--character-set-server={self.charset}",
                *_INNODB_ARGS, "--innodb-flush-log-at-trx-commit=0", "--max-connections=200"]
        if self.collation:
            argv.append(f"--collation-server={self.collation}")
        if self.innodb_autoinc_lock_mode is not None:
            argv.append(f"--innodb-autoinc-lock-mode={int(self.innodb_autoinc_lock_mode)}")
        if sql_mode is not None:
            argv.append(f"--sql-mode={sql_mode}")
        if binaries["flavour"] == "mysql":
            argv.append("--mysqlx=OFF")  # its port 33060 would clash between servers
        if os.geteuid() == 0:
            argv.append("--user=root")
        return argv + list(self.extra_args)

    def _launch(self, binaries: dict) -> None:
        log = Path(self.directory, "error.log")
        for _attempt in range(3):  # the free port may be taken before the server binds it
            self.port = _free_port()
            with open(log, "ab") as out:
                self._proc = subprocess.Popen(
                    self._command(binaries), stdin=subprocess.DEVNULL, stdout=out,
                    stderr=subprocess.STDOUT, start_new_session=True,
                    preexec_fn=_die_with_parent(os.getpid()))
            Path(self.directory, "server.pid").write_text(f"{self._proc.pid}\n")
            if self._wait_ready(log):
                return
            if "Address already in use" not in _tail(log, 10):
                break
        assert self._proc is not None, "started in the loop above"
        raise ServerError(f"{binaries['server']} exited with code {self._proc.returncode}: "
                          f"{_tail(log)}")

    def _wait_ready(self, log: Path) -> bool:
        """Poll a connection until it succeeds (True) or the server exits (False)."""
        assert self._proc is not None, "called once the server process is started"
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                return False
            try:
                with socket.socket(socket.AF_UNIX) as probe:  # pymysql leaks failed sockets
                    probe.connect(self.socket)
                pymysql.connect(unix_socket=self.socket, user="root", password="",
                                connect_timeout=2).close()
                return True
            except (pymysql.err.MySQLError, OSError):
                time.sleep(0.02)
        raise ServerError(f"server did not accept connections within "
                          f"{self.startup_timeout:g}s: {_tail(log)}",
                          hint="raise startup_timeout or check the server's error log")

    def _read_version(self) -> None:
        with contextlib.closing(self.connect()) as conn, conn.cursor() as cur:
            cur.execute("SELECT VERSION()")
            self.version = cur.fetchone()[0]
        self.flavour = "mariadb" if "mariadb" in self.version.lower() else "mysql"
        numbers = re.match(r"(\d+)\.(\d+)\.(\d+)", self.version)
        self.version_tuple = (int(numbers[1]), int(numbers[2]), int(numbers[3])) if numbers else (0, 0, 0)


def _word(value: str) -> str:
    if not re.fullmatch(r"\w+", value):
        raise ServerError(f"invalid character set or collation name: {value!r}")
    return value


# --------------------------------------------------------------------------- template datadir

def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base, "schema-tools", "templates")


def _template_datadir(binaries: dict) -> Path:
    """The initialised datadir for this server version, created once.

    Initialisation holds a lock file, works in a temporary directory and renames the
    result into place, so racing processes wait for one another and a killed one
    leaves no half-made template.
    """
    cache = _cache_dir()
    name = re.sub(r"[^\w.+-]", "_", f"{binaries['flavour']}-{binaries['version']}")
    final = cache / name
    if final.is_dir():
        return final
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not final.is_dir():
            for leftover in cache.glob(".tmp-*"):  # from an initialiser killed under the lock
                shutil.rmtree(leftover, ignore_errors=True)
            work = Path(tempfile.mkdtemp(prefix=".tmp-", dir=cache))
            try:
                _initialise(binaries, work / "data", work / "tmp")
                os.rename(work / "data", final)
            finally:
                shutil.rmtree(work, ignore_errors=True)
    return final


def _initialise(binaries: dict, datadir: Path, tmpdir: Path) -> None:
    tmpdir.mkdir()
    argv = [*binaries["install"], f"--datadir={datadir}", f"--tmpdir={tmpdir}", *_INNODB_ARGS]
    if binaries["flavour"] == "mariadb":
        basedir = Path(os.path.realpath(binaries["server"])).parent.parent
        argv += [f"--basedir={basedir}", "--auth-root-authentication-method=normal",
                 "--skip-test-db", "--skip-name-resolve"]
    if os.geteuid() == 0:
        argv.append("--user=root")
    result = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                            timeout=300, start_new_session=True)
    if result.returncode != 0:
        lines = (result.stdout + result.stderr).strip().splitlines()[-5:]
        raise ServerError(f"initialising a datadir failed ({argv[0]} exit "
                          f"{result.returncode}): {' | '.join(lines)}")


# --------------------------------------------------------------------------- processes

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent(parent: int):
    """preexec_fn: have the kernel SIGKILL the server when its parent dies (Linux)."""
    return bound_to(parent, signal.SIGKILL, exit_code=1)


def _terminate(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()
    try:
        proc.wait(_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(5)


def _start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (tells a reused pid apart), None if not running."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] in ("Z", "X") else fields[19]  # zombies count as dead


def _pid_alive(pid: int) -> bool:
    if os.path.isdir("/proc"):
        return _start_time(pid) is not None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _owner_record(pid: int) -> str:
    return f"{pid} {_start_time(pid) or ''}\n"


def _owner_alive(record: str) -> bool:
    parts = record.split()
    if not parts or not parts[0].isdigit():
        return False
    pid = int(parts[0])
    if len(parts) > 1 and os.path.isdir("/proc"):
        return _start_time(pid) == parts[1]
    return _pid_alive(pid)


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


def _tail(log: Path, count: int = 5) -> str:
    lines = (_read(log) or "").strip().splitlines()[-count:]
    return " | ".join(line.strip() for line in lines) or "(empty error log)"


def sweep_stale_directories() -> list[str]:
    """Remove ``schema-tools-server-*`` directories whose owner process is gone.

    A server still running in such a directory is killed first.  Returns the removed paths.
    """
    removed = []
    for path in Path(tempfile.gettempdir()).glob(DIR_PREFIX + "*"):
        owner = _read(path / "owner.pid")
        if owner is None:
            with contextlib.suppress(OSError):
                if time.time() - path.stat().st_mtime < _STALE_AGE:
                    continue  # probably being created right now
        elif _owner_alive(owner):
            continue
        _kill_stale_server(path)
        shutil.rmtree(path, ignore_errors=True)
        removed.append(str(path))
    return removed


def _kill_stale_server(path: Path) -> None:
    record = (_read(path / "server.pid") or "").strip()
    if not record.isdigit():
        return
    pid = int(record)
    cmdline = _read(Path(f"/proc/{pid}/cmdline")) or ""
    if str(path) not in cmdline or not _pid_alive(pid):
        return  # gone, or the pid now belongs to something else
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)


# --------------------------------------------------------------------------- cleanup hooks

class _Registered(Protocol):
    """A server :func:`stop_all` stops: a local one, or a docker one."""

    _owner: int

    def stop(self) -> None: ...


_LIVE: set[_Registered] = set()
_HOOKS_LOCK = threading.Lock()
_HOOKS = {"atexit": False}
_PREVIOUS_HANDLERS: dict[int, object] = {}


def stop_all() -> None:
    """Stop every server this process started and has not stopped yet."""
    for server in list(_LIVE):
        if server._owner == os.getpid():  # a forked child must not stop its parent's servers
            server.stop()


def _install_cleanup_hooks() -> None:
    with _HOOKS_LOCK:
        if not _HOOKS["atexit"]:
            atexit.register(stop_all)
            _HOOKS["atexit"] = True
        if _PREVIOUS_HANDLERS or threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be installed from the main thread
        for signum in (signal.SIGINT, signal.SIGTERM):
            _PREVIOUS_HANDLERS[signum] = signal.getsignal(signum)
            signal.signal(signum, _on_signal)


def _on_signal(signum: int, frame) -> None:
    """Stop all servers, then do what the previous handler would have done."""
    stop_all()
    previous = _PREVIOUS_HANDLERS.get(signum)
    if callable(previous):
        previous(signum, frame)
    elif previous != signal.SIG_IGN:  # default action: die by this signal
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
