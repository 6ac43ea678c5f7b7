"""One ``ALTER TABLE`` through Percona Toolkit's ``pt-online-schema-change``.

pt-osc creates ``_<table>_new`` with the change, copies the rows in chunks sized to take
``--chunk-time`` seconds, keeps the copy current with triggers, then swaps the tables with
one atomic ``RENAME TABLE``.  Writers wait only for one chunk at a time (with
``innodb_autoinc_lock_mode=2``: tens of milliseconds), instead of for the whole copy.

What this module adds around it:

* a ``--dry-run`` first, then ``--execute``; ``--no-version-check`` (no network);
* the password in a private option file (``F=`` in the DSN), never on a command line;
* leftovers of an interrupted run (``_<table>_new`` and the ``pt_osc_*`` triggers)
  dropped before starting again;
* **foreign key names put back**: pt-osc renames the foreign keys of the table
  (``DataCollection_ibfk_1`` becomes ``_DataCollection_ibfk_1``; ``__x`` becomes ``x``) and,
  with ``rebuild_constraints``, those of its child tables too.  The recorded state has the
  original names, so each renamed key is dropped and re-created under its old name with
  ``foreign_key_checks=0``: an in-place, metadata-only change (no rows read, no rebuild,
  ``LOCK=NONE``), whatever the size of the table; it waits only for the metadata lock.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from typing import Callable

from ..errors import SchemaToolsError, ServerError
from ..render.ddl import quote_ident
from ..sources.connection import ConnectionSpec, scrub

PTOSC = "pt-online-schema-change"
INSTALL_HINT = "install it: apt-get install percona-toolkit"
FK_METHODS = ("auto", "rebuild_constraints", "drop_swap", "none")


class OnlineChangeFailed(SchemaToolsError):
    """pt-online-schema-change refused or failed."""

    exit_code = 1


@dataclass
class OnlineOptions:
    """How ``--online`` runs pt-online-schema-change."""

    threshold: int = 100_000  # rows: smaller tables are altered directly
    chunk_time: float = 0.1  # seconds per chunk (pt-osc adjusts the chunk size)
    chunk_size: int | None = None  # initial rows per chunk (pt-osc's default: 1000)
    fk_method: str = "auto"  # --alter-foreign-keys-method
    progress: str = "time,10"  # --progress
    extra_args: tuple[str, ...] = ()
    binary: str = PTOSC
    events: list[str] = field(default_factory=list)  # what was run, for reports and tests


def find_ptosc(binary: str = PTOSC) -> str:
    found = shutil.which(binary)
    if found is None:
        raise ServerError(f"{binary} not found (needed by --online)", hint=INSTALL_HINT)
    return found


def _dsn_value(value: str, what: str) -> str:
    if any(ch in value for ch in ",=\n"):
        raise OnlineChangeFailed(f"{what} {value!r} cannot be passed to {PTOSC} (its DSN has no quoting "
                                 "for ',' and '=')")
    return value


def _option_value(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@contextlib.contextmanager
def _defaults_file(spec: ConnectionSpec):
    """A private option file with the account (read by pt-osc through ``F=``)."""
    directory = tempfile.mkdtemp(prefix="schema-tools-ptosc-")
    path = os.path.join(directory, "client.cnf")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("[client]\n")
            if spec.user is not None:
                f.write(f"user={_option_value(spec.user)}\n")
            if spec.password is not None:
                f.write(f"password={_option_value(spec.password)}\n")
        yield path
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def dsn(spec: ConnectionSpec, table: str, defaults: str) -> str:
    parts = [f"F={defaults}"]
    if spec.socket:
        parts.append(f"S={_dsn_value(spec.socket, 'socket')}")
    else:
        parts.append(f"h={_dsn_value(spec.host or '127.0.0.1', 'host')}")
        parts.append(f"P={spec.port or 3306}")
    parts.append(f"D={_dsn_value(spec.database, 'database')}")
    parts.append(f"t={_dsn_value(table, 'table')}")
    return ",".join(parts)


def command(spec: ConnectionSpec, table: str, alter: str, options: OnlineOptions, defaults: str,
            mode: str) -> list[str]:
    argv = [find_ptosc(options.binary), "--no-version-check", f"--alter={alter}",
            f"--alter-foreign-keys-method={options.fk_method}", f"--chunk-time={options.chunk_time:g}",
            f"--progress={options.progress}"]
    if options.chunk_size:
        argv.append(f"--chunk-size={options.chunk_size}")
    argv += list(options.extra_args)
    argv += [mode, dsn(spec, table, defaults)]
    return argv


# ---------------------------------------------------------------------------------------
# foreign keys


def _foreign_keys(conn, database: str, table: str) -> list[tuple[str, str]]:
    """(table, constraint) of the foreign keys of ``table`` and of those referencing it."""
    with conn.cursor() as cur:
        cur.execute("SELECT TABLE_NAME, CONSTRAINT_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS "
                    "WHERE CONSTRAINT_SCHEMA = %s AND (TABLE_NAME = %s OR "
                    "(UNIQUE_CONSTRAINT_SCHEMA = %s AND REFERENCED_TABLE_NAME = %s))",
                    (database, table, database, table))
        return sorted((t, c) for t, c in cur.fetchall())


def ptosc_name(name: str) -> str:
    """The name pt-osc 3.x gives a foreign key it re-creates: ``__x`` -> ``x``, else ``_`` + name
    (cut to 64 characters)."""
    return name[2:] if name.startswith("__") else ("_" + name)[:64]


_CONSTRAINT_LINE = re.compile(r"^\s*CONSTRAINT `((?:[^`]|``)+)` (FOREIGN KEY .*?),?$", re.M)


def restore_foreign_key_names(conn, database: str, before: list[tuple[str, str]],
                              say: Callable[[str], None]) -> list[str]:
    """Rename the foreign keys pt-osc renamed back to the names in ``before``; return the
    statements run."""
    tables = sorted({t for t, _ in before})
    now: dict[str, set[str]] = {}
    with conn.cursor() as cur:
        for t in tables:
            cur.execute("SELECT CONSTRAINT_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS "
                        "WHERE CONSTRAINT_SCHEMA = %s AND TABLE_NAME = %s", (database, t))
            now[t] = {r[0] for r in cur.fetchall()}
    run = []
    for t in tables:
        renames = [(ptosc_name(o), o) for tt, o in before
                   if tt == t and o not in now[t] and ptosc_name(o) in now[t]]
        if not renames:
            continue
        with conn.cursor() as cur:
            cur.execute(f"SHOW CREATE TABLE {quote_ident(database)}.{quote_ident(t)}")
            ddl = cur.fetchone()[1]
        clauses = {m.group(1).replace("``", "`"): m.group(2) for m in _CONSTRAINT_LINE.finditer(ddl)}
        parts = []
        for current, original in renames:
            parts.append(f"DROP FOREIGN KEY {quote_ident(current)}")
            parts.append(f"ADD CONSTRAINT {quote_ident(original)} {clauses[current]}")
        sql = f"ALTER TABLE {quote_ident(database)}.{quote_ident(t)} " + ", ".join(parts)
        with conn.cursor() as cur:
            cur.execute("SET @schema_tools_fkc = @@SESSION.foreign_key_checks, SESSION foreign_key_checks = 0")
            try:
                cur.execute(sql + ", ALGORITHM=INPLACE, LOCK=NONE")
            finally:
                cur.execute("SET SESSION foreign_key_checks = @schema_tools_fkc")
        say(f"    foreign key names restored on {t}: "
            + ", ".join(f"{c} -> {o}" for c, o in renames))
        run.append(sql)
    return run


def drop_leftovers(conn, database: str, table: str, say: Callable[[str], None]) -> None:
    """Drop what an interrupted pt-osc run on ``table`` left: its triggers and ``_table_new``."""
    with conn.cursor() as cur:
        for suffix in ("ins", "upd", "del"):
            trigger = f"pt_osc_{database}_{table}_{suffix}"
            cur.execute("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s "
                        "AND TRIGGER_NAME = %s", (database, trigger))
            if cur.fetchone()[0]:
                cur.execute(f"DROP TRIGGER {quote_ident(database)}.{quote_ident(trigger)}")
                say(f"    dropped the trigger {trigger} left by an interrupted online change")
        new = f"_{table}_new"[:64]
        cur.execute("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
                    (database, new))
        if cur.fetchone()[0]:
            cur.execute(f"DROP TABLE {quote_ident(database)}.{quote_ident(new)}")
            say(f"    dropped the table {new} left by an interrupted online change")


def table_triggers(conn, database: str, table: str) -> list[str]:
    with conn.cursor() as cur:
        cur.execute("SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = %s "
                    "AND EVENT_OBJECT_TABLE = %s AND TRIGGER_NAME NOT LIKE 'pt\\_osc\\_%%'", (database, table))
        return [r[0] for r in cur.fetchall()]


def binlog_note(conn) -> str | None:
    """Why trigger creation may fail under binary logging, or None."""
    with conn.cursor() as cur:
        cur.execute("SELECT @@GLOBAL.log_bin, @@GLOBAL.log_bin_trust_function_creators")
        log_bin, trust = cur.fetchone()
    if int(log_bin or 0) and not int(trust or 0):
        return ("binary logging is on and log_bin_trust_function_creators is off: pt-online-schema-change "
                "creates triggers, which then needs the SUPER privilege")
    return None


# ---------------------------------------------------------------------------------------
# running it


def _run(argv: list[str], say: Callable[[str], None], secrets: list[str | None]) -> tuple[int, list[str]]:
    env = {k: v for k, v in os.environ.items() if k not in ("MYSQL_PWD",)}
    lines: list[str] = []
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          stdin=subprocess.DEVNULL, env=env) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = scrub(line.rstrip("\n"), secrets)
            lines.append(line)
            if line.strip():
                say(f"      pt-osc: {line}")
    return proc.returncode, lines


def run_online(conn, spec: ConnectionSpec, table: str, alter: str, options: OnlineOptions,
               say: Callable[[str], None]) -> None:
    """``ALTER TABLE table alter`` through pt-online-schema-change (dry run, then execute),
    with the foreign key names put back.  ``conn`` is a connection to the same database."""
    database = spec.database
    triggers = table_triggers(conn, database, table)
    if triggers:
        raise OnlineChangeFailed(f"{table} has triggers ({', '.join(triggers)}): {PTOSC} cannot alter it "
                                 "online", hint="mark the change online-forbidden to run it as a plain ALTER")
    note = binlog_note(conn)
    if note:
        say(f"    note: {note}")
    drop_leftovers(conn, database, table, say)
    before = _foreign_keys(conn, database, table)
    secrets = [spec.password]
    with _defaults_file(spec) as defaults:
        for mode in ("--dry-run", "--execute"):
            argv = command(spec, table, alter, options, defaults, mode)
            options.events.append(f"{mode} {table}: {alter}")
            say(f"    {PTOSC} {mode} on {table}")
            code, lines = _run(argv, say, secrets)
            if code != 0:
                tail = " | ".join(x.strip() for x in lines[-4:] if x.strip())
                raise OnlineChangeFailed(f"{PTOSC} {mode} failed on {table} (exit {code}): {tail}")
    for sql in restore_foreign_key_names(conn, database, before, say):
        options.events.append(f"restore {sql}")
