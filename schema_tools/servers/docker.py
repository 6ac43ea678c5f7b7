"""A throwaway MariaDB/MySQL server in a Docker container: ``--server docker:IMAGE[:TAG]``.

The container is started with testcontainers (the ``docker`` extra), waited for until it
accepts connections, and then known only by its URL: everything after "give me a server"
is the code that handles an existing server.  The container is removed afterwards,
also when loading failed, at interpreter exit and on SIGINT/SIGTERM; containers left by
a process killed outright are removed by the next start on the same machine.

Spec syntax::

    docker                         mariadb:10.11
    docker:mariadb  docker:mysql   mariadb:10.11, mysql:8.0 (the official images)
    docker:IMAGE[:TAG]             any image that takes the official images' variables
    docker:IMAGE?network=host&ryuk=off

Options (after ``?``, ``&``-separated; also from the environment):

``network``
    ``bridge`` (published port), ``host`` (the container shares the host's network and
    the server listens on a free port of 127.0.0.1: for sandboxes without a bridge
    network), or ``auto`` (default: ``bridge`` when the daemon has a bridge network,
    else ``host``).  Environment: ``SCHEMA_TOOLS_DOCKER_NETWORK``.
``ryuk``
    ``on``/``off``: testcontainers' reaper container, which removes containers even when
    this process is killed outright.  Default: testcontainers' own setting
    (``TESTCONTAINERS_RYUK_DISABLED``), but ``off`` with host networking, where the
    reaper cannot be reached.
``flavour``
    ``mariadb``/``mysql`` (default: from the image name).
``timeout``
    seconds to wait for the server (default 180; a first pull takes longer than a start).

The root password is random, lives only in this process and the container's
environment, and is never printed: :meth:`DockerServer.redacted_url` hides it, and error
messages are scrubbed of it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from typing_extensions import Self

from schema_tools.errors import InputError, ServerError
from schema_tools.servers.lifecycle import Startable

__all__ = ["DEFAULT_IMAGES", "DockerSpec", "DockerServer", "is_docker_spec",
           "parse_docker_spec", "sweep_stale_containers"]

DEFAULT_IMAGES = {"mariadb": "mariadb:10.11", "mysql": "mysql:8.0"}
"""The image a bare ``docker`` / ``docker:FLAVOUR`` means."""

OWNER_LABEL = "org.schema-tools.owner"
"""Container label: ``HOSTNAME PID START-TIME`` of the process that owns the container."""

EXTRA_HINT = "install the docker extra: pip install 'schema-tools[docker]'"
DAEMON_HINT = "is the Docker daemon running, and may this user reach it (DOCKER_HOST)?"
_SERVER_PORT = 3306
_NETWORKS = ("auto", "bridge", "host")
_SWITCH = {"on": True, "true": True, "yes": True, "1": True,
           "off": False, "false": False, "no": False, "0": False}
_IMAGE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@+-]*$")


# --------------------------------------------------------------------------- the spec

@dataclass(frozen=True)
class DockerSpec:
    """What ``--server docker:...`` asks for."""

    image: str
    flavour: str               # "mariadb" or "mysql"
    network: str = "auto"      # "auto", "bridge" or "host"
    ryuk: bool | None = None   # None: testcontainers' own setting
    timeout: float = 180.0

    def __str__(self) -> str:
        return f"docker:{self.image}"


def is_docker_spec(text: str | None) -> bool:
    """True for ``docker`` and ``docker:...`` (a ``--server`` value for this backend)."""
    return isinstance(text, str) and (text == "docker" or text.startswith(("docker:", "docker?")))


def parse_docker_spec(text: str, environ: Mapping[str, str] | None = None) -> DockerSpec:
    """Parse ``docker[:IMAGE[:TAG]][?OPTIONS]`` (see the module docs).

    Raises :class:`InputError` for anything malformed.
    """
    env = os.environ if environ is None else environ
    if not is_docker_spec(text):
        raise InputError(f"not a docker server spec: {text!r}",
                         hint="use docker, docker:mariadb:10.11, docker:mysql:8.0 or docker:IMAGE")
    body, _, query = text[len("docker"):].partition("?")
    image = body[1:] if body.startswith(":") else body
    options = _options(query, text)
    flavour = options.pop("flavour", None)
    if flavour is not None and flavour not in DEFAULT_IMAGES:
        raise InputError(f"unknown flavour {flavour!r} in {text!r} (known: mariadb, mysql)")
    if not image:
        image = DEFAULT_IMAGES[flavour or "mariadb"]
    elif image in DEFAULT_IMAGES:
        image = DEFAULT_IMAGES[image]
    if not _IMAGE_RE.match(image) or "//" in image:
        raise InputError(f"not a Docker image name: {image!r}")
    flavour = flavour or _guess_flavour(image)

    network = options.pop("network", None) or env.get("SCHEMA_TOOLS_DOCKER_NETWORK") or "auto"
    if network not in _NETWORKS:
        raise InputError(f"unknown network {network!r} for {text!r} (known: auto, bridge, host)")
    ryuk = None
    if "ryuk" in options:
        ryuk = _SWITCH.get(options.pop("ryuk").lower())
        if ryuk is None:
            raise InputError(f"ryuk takes on or off in {text!r}")
    timeout = 180.0
    if "timeout" in options:
        try:
            timeout = float(options.pop("timeout"))
        except ValueError:
            timeout = -1.0
        if not 0 < timeout < 86400:
            raise InputError(f"timeout takes a number of seconds in {text!r}")
    if options:
        raise InputError(f"unknown option {sorted(options)[0]!r} in {text!r} "
                         "(known: network, ryuk, flavour, timeout)")
    return DockerSpec(image=image, flavour=flavour, network=network, ryuk=ryuk,
                      timeout=timeout)


def _options(query: str, text: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for item in filter(None, query.split("&")):
        key, eq, value = item.partition("=")
        if not eq or not value:
            raise InputError(f"option {key!r} needs a value in {text!r}")
        if key in options:
            raise InputError(f"option {key!r} given twice in {text!r}")
        options[key] = value
    return options


def _guess_flavour(image: str) -> str:
    """``mysql`` when the image's repository name says so, else ``mariadb``."""
    name = image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0].lower()
    return "mysql" if "mysql" in name and "mariadb" not in name else "mariadb"


# --------------------------------------------------------------------------- the server

class DockerServer(Startable):
    """A MariaDB/MySQL server in a container, reached as ``root`` with a random password.

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(self, spec: DockerSpec | str) -> None:
        self.spec = parse_docker_spec(spec) if isinstance(spec, str) else spec
        self.host = ""
        self.port = 0
        self.network = ""          # the network mode used: "bridge" or "host"
        self.version = ""          # SELECT VERSION() once started
        self._password = secrets.token_urlsafe(18)
        self._container: Any = None
        self._owner = os.getpid()

    # ---- lifecycle

    @property
    def running(self) -> bool:
        return self._container is not None

    @property
    def container_id(self) -> str | None:
        """The container's id while it exists, else ``None``."""
        container = self._container
        wrapped = getattr(container, "_container", None) if container is not None else None
        return getattr(wrapped, "id", None)

    def start(self) -> Self:
        """Start the container and wait until the server accepts connections."""
        if self.running:
            return self
        client = docker_client()
        try:
            sweep_stale_containers(client)
            self.network = self._network_mode(client)
            _configure_ryuk(self.spec.ryuk, self.network)
            _register(self)
            try:
                self._start_container(client)
            except BaseException:
                self.stop()
                raise
        finally:
            client.close()
        return self

    def stop(self) -> None:
        """Remove the container (and its anonymous volumes). Idempotent."""
        from . import local

        container, self._container = self._container, None
        _LIVE.discard(self)
        local._LIVE.discard(self)
        if container is None:
            return
        with contextlib.suppress(Exception):
            wrapped = container._container
            if wrapped is not None:
                wrapped.remove(force=True, v=True)
        with contextlib.suppress(Exception):
            container.get_docker_client().client.close()

    def __repr__(self) -> str:
        state = f"{self.host}:{self.port}" if self.running else "stopped"
        return f"<DockerServer {self.spec.image} {state}>"

    # ---- using it

    def url(self, database: str | None = None) -> str:
        """``mariadb://root:PASSWORD@HOST:PORT[/db]``: keep it out of any output."""
        self._require_running()
        return self._url(quote(self._password, safe=""), database)

    def redacted_url(self, database: str | None = None) -> str:
        """The URL with the password shown as ``***``."""
        self._require_running()
        return self._url("***", database)

    def describe(self) -> str:
        """``docker mariadb:10.11 (10.11.9-MariaDB...)``, for metadata and messages."""
        return f"docker {self.spec.image} ({self.version})" if self.version else str(self.spec)

    # ---- private

    def _url(self, password: str, database: str | None) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        url = f"{self.spec.flavour}://root:{password}@{host}:{self.port}/"
        return url + (quote(database, safe="") if database else "")

    def _require_running(self) -> None:
        if not self.running:
            raise ServerError(f"the container for {self.spec} is not running",
                              hint="call start() first")

    def _network_mode(self, client) -> str:
        if self.spec.network != "auto":
            return self.spec.network
        try:
            names = {net.name for net in client.networks.list()}
        except Exception as exc:  # the daemon went away between two calls
            raise ServerError(f"cannot list Docker networks: {_one_line(exc)}",
                              hint=DAEMON_HINT) from None
        return "bridge" if "bridge" in names else "host"

    def _start_container(self, client) -> None:
        _pull_if_missing(client, self.spec)
        attempts = 3 if self.network == "host" else 1
        for _attempt in range(attempts):
            port = _free_port() if self.network == "host" else _SERVER_PORT
            self._container = _make_container(self.spec, self._password, self.network, port)
            try:
                _run(self._container, self.spec)
                self.host = self._container.get_container_host_ip()
                self.port = int(self._container.get_exposed_port(_SERVER_PORT))
                self.version = self._wait_ready()
                return
            except _PortTaken:
                self.stop()
                _register(self)
            except ServerError as exc:
                raise ServerError(_scrub(exc.message, self._password), hint=exc.hint) from None
        raise ServerError(f"{self.spec}: no free port could be bound on 127.0.0.1")

    def _wait_ready(self) -> str:
        """Poll a root connection until it works; return the server's version."""
        import pymysql

        deadline = time.monotonic() + self.spec.timeout
        last = ""
        while True:
            try:
                conn = pymysql.connect(host=self.host, port=self.port, user="root",
                                       password=self._password, connect_timeout=5,
                                       ssl_disabled=True)
                try:
                    with conn.cursor() as cur:
                        cur.execute("SELECT VERSION()")
                        return cur.fetchone()[0]
                finally:
                    conn.close()
            except (pymysql.MySQLError, OSError) as exc:
                last = _one_line(exc)
            status = _status(self._container)
            if status not in ("created", "running", "restarting"):
                if self.network == "host" and "already in use" in _log_tail(self._container, 20):
                    raise _PortTaken()  # another process took the free port first
                raise ServerError(_scrub(f"{self.spec}: the container stopped ({status}) before "
                                         f"the server was ready: {_log_tail(self._container)}",
                                         self._password))
            if time.monotonic() > deadline:
                raise ServerError(_scrub(f"{self.spec}: the server did not accept connections "
                                         f"within {self.spec.timeout:g} s ({last})",
                                         self._password),
                                  hint="raise it with ?timeout=SECONDS")
            time.sleep(0.1)


class _PortTaken(Exception):
    """The server in a host-network container could not bind its port."""


def docker_client():
    """A docker-py client from the environment (``DOCKER_HOST``...), checked with a ping."""
    try:
        import docker

        _mysql_container_class()
    except ImportError as exc:
        raise ServerError(f"the docker backend needs testcontainers ({exc.name} is missing)",
                          hint=EXTRA_HINT) from None
    try:
        client = docker.from_env()
        client.ping()
    except Exception as exc:
        raise ServerError(f"cannot reach the Docker daemon: {_one_line(exc)}",
                          hint=DAEMON_HINT) from None
    return client


def _configure_ryuk(ryuk: bool | None, network: str) -> None:
    from testcontainers.core.config import testcontainers_config

    if ryuk is None and network == "host":
        ryuk = False  # the reaper is reached through a published port: not in host mode
    if ryuk is not None:
        testcontainers_config.ryuk_disabled = not ryuk


def _make_container(spec: DockerSpec, password: str, network: str, port: int):
    """The testcontainers object for ``spec``: not started yet."""
    MySqlContainer = _mysql_container_class()  # noqa: N806 - a class, named as one

    class _ServerContainer(MySqlContainer):  # type: ignore[valid-type, misc]  # imported when used: optional
        def _configure(self) -> None:
            # the official images' variables; the MARIADB_ ones win on MariaDB images
            self.with_env("MYSQL_ROOT_PASSWORD", password)
            self.with_env("MARIADB_ROOT_PASSWORD", password)
            self.with_env("MYSQL_INITDB_SKIP_TZINFO", "1")
            self.with_env("MARIADB_INITDB_SKIP_TZINFO", "1")

        def _connect(self) -> None:
            pass  # DockerServer._wait_ready polls a real connection instead of the logs

        if network == "host":
            def get_container_host_ip(self) -> str:
                return "127.0.0.1"  # the container shares this machine's loopback

            def get_exposed_port(self, _port: int) -> int:
                return port

    container = _ServerContainer(spec.image, username="root", password=password,
                                 root_password=password, dbname="unused", port=_SERVER_PORT)
    owner = f"{socket.gethostname()} {os.getpid()} {_start_time(os.getpid()) or ''}".strip()
    kwargs: dict[str, Any] = {"labels": {OWNER_LABEL: owner}}
    command = []
    if spec.flavour == "mysql":
        command.append("--mysqlx=OFF")  # X protocol's port 33060 is never used here
    if network == "host":
        container.ports = {}  # docker-py rejects port bindings with host networking
        kwargs["network"] = "host"
        # through the environment (the locally built image and MYSQL_TCP_PORT for the
        # servers themselves) and as server options (the official images' entrypoints)
        for name in ("MARIADB_PORT", "MYSQL_TCP_PORT"):
            container.with_env(name, str(port))
        for name in ("MARIADB_BIND_ADDRESS", "MYSQL_BIND_ADDRESS"):
            container.with_env(name, "127.0.0.1")
        command += [f"--port={port}", "--bind-address=127.0.0.1"]
    if command:
        container.with_command(command)
    container._kwargs = {**container._kwargs, **kwargs}
    return container


def _pull_if_missing(client, spec: DockerSpec) -> None:
    """Pull the image unless it is present: a missing image is an error of its own."""
    import docker.errors

    try:
        client.images.get(spec.image)
        return
    except docker.errors.ImageNotFound:
        pass
    except docker.errors.APIError as exc:
        raise ServerError(f"{spec}: cannot inspect image {spec.image}: {_api_error(exc)}",
                          hint=DAEMON_HINT) from None
    try:
        client.images.pull(spec.image)
    except docker.errors.APIError as exc:
        raise ServerError(f"{spec}: image {spec.image} is not present and cannot be pulled: "
                          f"{_api_error(exc)}",
                          hint="pull or build it first (docker pull, or "
                               "scripts/build-mariadb-image.sh without a registry)") from None


def _mysql_container_class():
    try:
        from testcontainers.community.mysql import MySqlContainer
    except ImportError:  # testcontainers before the community modules
        from testcontainers.mysql import MySqlContainer
    return MySqlContainer


def _run(container, spec: DockerSpec) -> None:
    """Create and start the container."""
    import docker.errors
    from testcontainers.core.config import testcontainers_config

    try:
        container.start()
    except docker.errors.APIError as exc:
        raise ServerError(f"{spec}: Docker refused the container: {_api_error(exc)}") from None
    except Exception as exc:
        hint = DAEMON_HINT
        if not testcontainers_config.ryuk_disabled:
            hint = ("testcontainers' reaper (Ryuk) may be what failed: add ?ryuk=off or set "
                    "TESTCONTAINERS_RYUK_DISABLED=true")
        raise ServerError(f"{spec}: cannot start the container: {_one_line(exc)}",
                          hint=hint) from None


def _status(container) -> str:
    try:
        wrapped = container.get_wrapped_container()
        wrapped.reload()
        return wrapped.status
    except Exception:
        return "gone"


def _log_tail(container, count: int = 5) -> str:
    try:
        text = container.get_wrapped_container().logs(tail=count).decode("utf-8", "replace")
    except Exception:
        return "(no logs)"
    lines = [line.strip() for line in text.strip().splitlines()[-count:]]
    return " | ".join(lines) or "(empty log)"


def _api_error(exc) -> str:
    return _one_line(getattr(exc, "explanation", None) or exc)


def _one_line(exc: object) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _scrub(text: str, password: str) -> str:
    for form in {password, quote(password, safe="")}:
        text = text.replace(form, "***")
    return text


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_time(pid: int) -> str | None:
    from .local import _start_time as start_time

    return start_time(pid)


# --------------------------------------------------------------------------- cleanup

_LIVE: set[DockerServer] = set()
_LOCK = threading.Lock()
_HOOKED: list[bool] = []


def _register(server: DockerServer) -> None:
    """Remove the container at interpreter exit and on SIGINT/SIGTERM (as LocalServer)."""
    from . import local

    server._owner = os.getpid()
    _LIVE.add(server)
    with _LOCK:
        if not _HOOKED:
            atexit.register(_stop_all)
            _HOOKED.append(True)
    local._LIVE.add(server)  # local's signal handlers stop every registered server
    local._install_cleanup_hooks()


def _stop_all() -> None:
    for server in list(_LIVE):
        if server._owner == os.getpid():
            server.stop()


def sweep_stale_containers(client=None) -> list[str]:
    """Remove containers of this machine whose owning process is gone; return their ids."""
    from .local import _owner_alive

    client = client or docker_client()
    hostname = socket.gethostname()
    removed: list[str] = []
    try:
        containers = client.containers.list(all=True, filters={"label": OWNER_LABEL})
    except Exception:
        return removed
    for container in containers:
        host, _, record = (container.labels.get(OWNER_LABEL) or "").partition(" ")
        if host != hostname or _owner_alive(record):
            continue
        with contextlib.suppress(Exception):
            container.remove(force=True, v=True)
            removed.append(container.id)
    return removed

