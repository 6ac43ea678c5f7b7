"""How schema-tools reaches an existing MariaDB/MySQL server.

A server is named by a URL::

    mariadb://ispyb:secret@127.0.0.1:3306/pydb
    mysql://ispyb@db.example.org/pydb
    mysql+pymysql://ispyb:p%40ss@[::1]:3307/pydb          (SQLAlchemy style)
    mariadb://ispyb@/pydb?unix_socket=/run/mysqld/mysqld.sock

User name, password and database are percent-decoded.  The only query parameters
understood are ``unix_socket`` and its alias ``socket``; anything else is an error.

Where the other values come from, highest priority first:

* **password**: the URL, then the environment variable ``MYSQL_PWD`` (an empty value
  counts as unset), then the option file.
* **user, host, port, database, socket**: the URL, then the option file.

The option file (MySQL/MariaDB ``.my.cnf`` syntax) is read **only** when
``defaults_file`` is passed to :func:`parse_url`; ``~/.my.cnf`` and ``/etc/my.cnf``
are never read implicitly, so the same URL means the same thing on every machine.
The groups ``[client]``, ``[client-server]``, ``[client-mariadb]``, ``[mysql]`` and
``[mariadb]`` are read; as in the client, options are applied in file order, so a
value later in the file overrides an earlier one.  ``!include FILE`` and
``!includedir DIR`` (files ending in ``.cnf``, in name order) are followed, relative
paths being resolved against the including file's directory.

Transport: a socket given in the URL wins over everything; a host (or port) given in
the URL makes it a TCP connection, and the option file's socket is ignored.  Without
either in the URL the option file decides, like the client: its socket is used when
its host is unset or ``localhost``.  When neither a host nor a socket is known, the
server is ``127.0.0.1:3306``; a host without a port gets port 3306.

The password never appears in ``repr()``/``str()`` of a :class:`ConnectionSpec`, in
:meth:`ConnectionSpec.redacted`, in error messages, or in the argv built by
:meth:`ConnectionSpec.client_command` (it is passed through ``MYSQL_PWD`` instead).
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, unquote, urlsplit

from schema_tools.errors import ConnectionFailed, InputError

__all__ = ["ConnectionSpec", "parse_url", "scrub", "is_url",
           "DEFAULT_HOST", "DEFAULT_PORT", "OPTION_GROUPS"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3306
CONNECT_TIMEOUT = 10

#: Option-file groups read, as the mariadb/mysql command-line client does.
OPTION_GROUPS = ("client", "client-server", "client-mariadb", "mysql", "mariadb")
#: Option-file keys used; every other key is ignored.
OPTION_KEYS = ("user", "password", "host", "port", "socket", "database")
#: Maximum nesting of ``!include``/``!includedir``.
MAX_INCLUDE_DEPTH = 10

_SOCKET_PARAMS = ("unix_socket", "socket")
_URL_RE = re.compile(r"^(mysql|mariadb)(\+[a-z][a-z0-9_]*)?://", re.IGNORECASE)
_USE_SPEC_DATABASE: Any = object()


# --------------------------------------------------------------------------- helpers

def is_url(text: str) -> bool:
    """True if *text* is a MariaDB/MySQL URL (``mysql://``, ``mariadb+pymysql://``...)."""
    return isinstance(text, str) and _URL_RE.match(text) is not None


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every non-empty secret, and its URL-encoded forms, in *text* by ``***``."""
    forms: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        forms.update({secret, quote(secret, safe=""), quote(secret), quote_plus(secret)})
    # Longest first, so that a secret containing another one is replaced whole.
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "***")
    return text


def redact_url(url: str) -> str:
    """Best-effort redaction of a URL that may not parse: hide anything password-like."""
    match = re.match(r"^([^:/?#]*://)(.*)$", url, re.DOTALL)
    if not match:
        # show short, harmless-looking text only: "user:pw@host" would leak the password
        harmless = len(url) <= 80 and "@" not in url and ":" not in url
        return _printable(url) if harmless else "<not shown>"
    scheme, rest = match.groups()
    at = rest.rfind("@")
    if at >= 0:
        userinfo, rest = rest[:at], rest[at + 1:]
        user = userinfo.split(":", 1)[0]
        prefix = f"{user}:***@" if ":" in userinfo else f"{user}@"
    else:
        prefix = ""
        authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
        if ":" in authority and not authority.startswith("["):
            port = authority.rsplit(":", 1)[1]
            if not port.isdigit():  # "user:password" without "@host": hide it
                rest = authority.rsplit(":", 1)[0] + ":***" + rest[len(authority):]
    if "?" in rest:  # query values other than the socket path may be secrets
        rest, query = rest.split("?", 1)
        shown = []
        for item in query.split("&"):
            key, eq, _value = item.partition("=")
            shown.append(item if key in _SOCKET_PARAMS or not eq else f"{key}=***")
        rest += "?" + "&".join(shown)
    return _printable(scheme + prefix + rest)


def _printable(text: str) -> str:
    """Keep messages on one line: show control characters escaped."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _decode(text: str, what: str, url: str, secrets: list[str]) -> str:
    try:
        return unquote(text, errors="strict")
    except UnicodeDecodeError:
        raise InputError(f"{what} in {scrub(redact_url(url), secrets)} is not valid "
                         "percent-encoded UTF-8") from None


def _format_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


# --------------------------------------------------------------------------- the spec

_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class ConnectionSpec:
    """Everything needed to reach one server.  The password is never shown."""

    flavour: str | None        # "mariadb", "mysql", or None while unknown
    host: str | None
    port: int | None
    user: str | None
    password: str | None = field(repr=False)
    database: str | None
    socket: str | None

    def __str__(self) -> str:
        return self.redacted()

    @property
    def database_name(self) -> str:
        """The database, where one is required: :class:`InputError` when the URL names none."""
        if not self.database:
            raise InputError(f"{self.redacted()}: the URL names no database")
        return self.database

    def redacted(self) -> str:
        """The spec as a URL, the password (if any) shown as ``***``."""
        scheme = self.flavour or "mysql"
        userinfo = ""
        if self.user is not None or self.password is not None:
            userinfo = quote(self.user or "", safe="")
            if self.password is not None:
                userinfo += ":***"
            userinfo += "@"
        hostport = _format_host(self.host) if self.host else ""
        if self.port is not None and (self.host or not self.socket):
            hostport += f":{self.port}"
        path = "/" + quote(self.database, safe="") if self.database else ""
        query = f"?unix_socket={quote(self.socket, safe='/')}" if self.socket else ""
        return f"{scheme}://{userinfo}{hostport}{path}{query}"

    def with_database(self, name: str | None) -> ConnectionSpec:
        """A copy of this spec naming another database (``None``: no default database)."""
        return dataclasses.replace(self, database=name)

    def connect(self, database: str | None = _USE_SPEC_DATABASE, **kw: Any):
        """Open a PyMySQL connection (utf8mb4, autocommit, 10 s connect timeout).

        *database* defaults to the spec's; pass ``None`` to connect without one.
        Extra keyword arguments go to :func:`pymysql.connect` and override the defaults.
        Raises :class:`ConnectionFailed` with a password-free one-line message.
        """
        import pymysql

        target = self if database is _USE_SPEC_DATABASE else self.with_database(database)
        params: dict[str, Any] = {
            "host": self.host or "localhost",
            "port": self.port or DEFAULT_PORT,
            "user": self.user,
            # bytes: PyMySQL would encode a str password as latin-1; the clients use UTF-8
            "password": (self.password or "").encode("utf-8"),
            "database": target.database,
            "unix_socket": self.socket,
            "charset": "utf8mb4",
            "autocommit": True,
            "connect_timeout": CONNECT_TIMEOUT,
        }
        if self.socket or (self.host or "localhost") in _LOOPBACK:
            # TLS protects nothing on the loopback and costs ~45 ms a connection
            params["ssl_disabled"] = True
        params.update(kw)
        try:
            return pymysql.connect(**params)
        except (pymysql.err.MySQLError, OSError) as exc:
            raise self._failure(target, exc) from None

    def _failure(self, target: ConnectionSpec, exc: BaseException) -> ConnectionFailed:
        args: tuple[Any, ...] = getattr(exc, "args", ())
        if len(args) >= 2 and isinstance(args[0], int):
            code, detail = args[0], str(args[1])
            reason = f"({code}) {detail}"
        else:
            code, reason = None, str(exc) or type(exc).__name__
        reason = " ".join(reason.split())  # one line
        message = scrub(f"cannot connect to {target.redacted()}: {reason}", [self.password])
        hint = {
            1045: "check the user name and password (URL, MYSQL_PWD or option file)",
            1049: "the database does not exist on that server",
            2003: "is the server running, and are the host and port right?",
        }.get(code) if code is not None else None
        return ConnectionFailed(message, hint=hint)

    def client_command(self, binary: str = "mariadb") -> tuple[list[str], dict[str, str]]:
        """Argv for the mariadb/mysql command-line client, and the extra environment.

        ``--no-defaults`` comes first so no option file changes what the spec says.  The
        password is only ever in the environment (``MYSQL_PWD``), never in argv.  The
        protocol is forced (``--protocol=SOCKET``/``TCP``) because the client would
        otherwise treat ``localhost`` as "use the default socket", unlike PyMySQL.
        """
        argv = [binary, "--no-defaults"]
        if self.socket:
            argv.append("--protocol=SOCKET")
            argv.append(f"--socket={self.socket}")
        else:
            argv.append("--protocol=TCP")
            argv.append(f"--host={self.host or DEFAULT_HOST}")
            argv.append(f"--port={self.port or DEFAULT_PORT}")
        if self.user is not None:
            argv.append(f"--user={self.user}")
        if self.database:
            argv.append(f"--database={self.database}")
        env: dict[str, str] = {}
        if self.password is not None:
            env["MYSQL_PWD"] = self.password
        return argv, env


# --------------------------------------------------------------------------- option files

def _strip_end_comment(line: str) -> str:
    """Cut a ``#`` comment that is not inside quotes (the client's remove_end_comment)."""
    quote_char = ""
    escape = False
    for i, ch in enumerate(line):
        if ch in "'\"" and not escape:
            if not quote_char:
                quote_char = ch
            elif quote_char == ch:
                quote_char = ""
        elif not quote_char and ch == "#":
            return line[:i]
        escape = bool(quote_char) and ch == "\\" and not escape
    return line


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "s": " ",
            '"': '"', "'": "'", "\\": "\\"}


def _unescape_value(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] in "'\"" and value[-1] == value[0]:
        value = value[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[0]), value, flags=re.DOTALL)


def _read_option_file(  # noqa: C901 - the option file syntax, line by line
        path: Path, options: dict[str, str], depth: int = 0) -> None:
    """Apply the relevant options of *path* to *options*, in file order."""
    if depth > MAX_INCLUDE_DEPTH:
        raise InputError(f"option file {path}: !include nested more than "
                         f"{MAX_INCLUDE_DEPTH} deep (a cycle?)")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"option file {path} does not exist") from None
    except UnicodeDecodeError:
        raise InputError(f"option file {path} is not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"cannot read option file {path}: "
                         f"{exc.strerror or type(exc).__name__}") from None

    group: str | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        where = f"{path}:{lineno}"
        if line.startswith("!"):
            directive, _, arg = line.partition(" ")
            arg = _strip_end_comment(arg).strip()
            if directive not in ("!include", "!includedir") or not arg:
                raise InputError(f"{where}: unknown or incomplete directive {directive!r}")
            target = Path(arg)
            if not target.is_absolute():
                target = path.parent / target
            if directive == "!include":
                _read_option_file(target, options, depth + 1)
            else:
                try:
                    names = sorted(p for p in os.listdir(target) if p.endswith(".cnf"))
                except OSError as exc:
                    raise InputError(f"{where}: cannot read !includedir {target}: "
                                     f"{exc.strerror or type(exc).__name__}") from None
                for name in names:
                    if (target / name).is_file():
                        _read_option_file(target / name, options, depth + 1)
            continue
        if line.startswith("["):
            line = _strip_end_comment(line).strip()
            if not line.endswith("]"):
                raise InputError(f"{where}: malformed group header")
            group = line[1:-1].strip().lower()
            continue
        if group is None:
            raise InputError(f"{where}: option before any [group]")
        if group not in OPTION_GROUPS:
            continue
        key, eq, value = line.partition("=")
        if not eq:
            continue  # a flag such as "skip-auto-rehash" or a bare "password"
        key = key.strip().lower().replace("_", "-")
        if key.startswith("loose-"):
            key = key[len("loose-"):]
        if key not in OPTION_KEYS:
            continue
        value = _unescape_value(_strip_end_comment(value))
        if key == "port" and not (value.isdigit() and 0 < int(value) < 65536):
            raise InputError(f"{where}: port {value!r} is not a valid port number")
        options[key] = value


def _option_file(defaults_file: str | os.PathLike) -> dict[str, str]:
    options: dict[str, str] = {}
    _read_option_file(Path(os.fspath(defaults_file)), options)
    return options


# --------------------------------------------------------------------------- parse_url

def parse_url(  # noqa: C901 - each URL part and its fallbacks, in precedence order
        url: str, *, defaults_file: str | os.PathLike | None = None,
        environ: Mapping[str, str] | None = None) -> ConnectionSpec:
    """Parse a MariaDB/MySQL URL into a :class:`ConnectionSpec` (see the module docs).

    *environ* defaults to :data:`os.environ` (only ``MYSQL_PWD`` is consulted).
    Raises :class:`InputError` (with the URL redacted) for anything malformed.
    """
    if not isinstance(url, str):
        raise TypeError(f"url must be a str, not {type(url).__name__}")
    if not is_url(url):
        raise InputError(f"not a MariaDB/MySQL URL: {redact_url(url)}",
                         hint="use mariadb://user@host:port/database or mysql://...")
    secrets: list[str] = []
    try:
        parts = urlsplit(url)
        raw_password = parts.password
    except ValueError:
        raise InputError(f"malformed URL: {redact_url(url)}") from None
    if raw_password is not None:
        secrets += [raw_password, unquote(raw_password)]

    def bad(problem: str) -> InputError:
        return InputError(f"{problem} in URL {scrub(redact_url(url), secrets)}")

    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise bad("whitespace or control character")
    if parts.fragment or url.endswith("#"):
        raise bad("unexpected '#fragment'")

    scheme = parts.scheme.lower().split("+", 1)[0]
    flavour = "mariadb" if scheme == "mariadb" else None

    url_user = parts.username
    user = _decode(url_user, "user name", url, secrets) if url_user else None
    password = (_decode(raw_password, "password", url, secrets)
                if raw_password is not None else None)
    host = parts.hostname or None
    try:
        port = parts.port
    except ValueError:
        raise bad("invalid port") from None
    if port is not None and not 0 < port < 65536:
        raise bad("invalid port")

    path = parts.path
    database: str | None = None
    if path not in ("", "/"):
        name = path[1:]
        if "/" in name:
            raise bad("path must be a single database name")
        database = _decode(name, "database name", url, secrets)

    socket: str | None = None
    if parts.query:
        seen: dict[str, str] = {}
        for item in parts.query.split("&"):
            if not item:
                continue
            key, eq, value = item.partition("=")
            key = unquote(key)
            if key not in _SOCKET_PARAMS:
                raise bad(f"unknown URL parameter {key!r} (known: socket, unix_socket)")
            if not eq or not value:
                raise bad(f"URL parameter {key!r} needs a value")
            if key in seen:
                raise bad(f"URL parameter {key!r} given twice")
            seen[key] = _decode(value, f"parameter {key!r}", url, secrets)
        if len(set(seen.values())) > 1:
            raise bad("'socket' and 'unix_socket' disagree")
        socket = next(iter(seen.values()))

    env = os.environ if environ is None else environ
    opts = _option_file(defaults_file) if defaults_file is not None else {}

    if password is None:
        password = env.get("MYSQL_PWD") or None
    if password is None and "password" in opts:
        password = opts["password"]
    user = user if user is not None else (opts.get("user") or None)
    database = database if database is not None else (opts.get("database") or None)

    opt_port = int(opts["port"]) if opts.get("port") else None
    if socket is not None:                 # URL socket: the URL decides everything
        pass
    elif host is not None or port is not None:   # URL says TCP
        host = host or opts.get("host") or None
        port = port if port is not None else opt_port
    else:                                  # the option file decides, like the client
        host = opts.get("host") or None
        port = opt_port
        socket = opts.get("socket") or None
        if socket is not None:
            if host is None or host == "localhost":
                host, port = None, None
            else:
                socket = None

    if host is None and socket is None:
        host = DEFAULT_HOST
    if host is not None and port is None and socket is None:
        port = DEFAULT_PORT

    return ConnectionSpec(flavour=flavour, host=host, port=port, user=user,
                          password=password, database=database, socket=socket)
