"""One ``ALTER TABLE`` through Percona Toolkit's ``pt-online-schema-change``.

pt-osc creates ``_<table>_new`` with the change, copies the rows in chunks sized to take
``--chunk-time`` seconds, keeps the copy current with triggers, then swaps the tables with
one atomic ``RENAME TABLE``.  Writers wait only for one chunk at a time (with
``innodb_autoinc_lock_mode=2``: tens of milliseconds), instead of for the whole copy.

What this module adds around it:

* a ``--dry-run`` first, then ``--execute``; ``--no-version-check`` (no network);
* the password in a private option file (``F=`` in the DSN), never on a command line;
* **pt-osc never outlives the upgrade** (:mod:`.child`): its own process group, a
  parent-death signal, and a copy of the advisory-lock connection's descriptor, so that
  the lock lasts as long as pt-osc can run.  A plugin (``--plugin``) makes pt-osc finish
  what it started once it begins to swap the tables (a signal there is noted, not obeyed:
  stopping between the swap and the foreign key update would leave child tables pointing
  at ``_<table>_old``), and reports its steps;
* **a durable record** of the step (:class:`~.resume.OnlineStep`: the table, pt-osc's
  table and trigger names, the foreign keys, the table's definition, the phase, pt-osc's
  process), through the ``record`` callback, before anything is created; when pt-osc
  stops early (killed, failed, the upgrade interrupted), what it left is finished at once
  when the server can be reached (:func:`.resume.finish`), and by the next upgrade
  otherwise;
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
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NoReturn

import pymysql

from ..errors import SchemaToolsError, ServerError
from ..sources.connection import ConnectionSpec, scrub
from . import child
from .resume import OnlineStep, describe, finish, inspect, ptosc_name, show_create

__all__ = ["OnlineChangeFailed", "OnlineInterrupted", "OnlineOptions", "OnlineStep", "ptosc_name", "run_online"]

PTOSC = "pt-online-schema-change"
INSTALL_HINT = "install it: apt-get install percona-toolkit"
FK_METHODS = ("auto", "rebuild_constraints", "drop_swap", "none")


class OnlineChangeFailed(SchemaToolsError):
    """pt-online-schema-change refused or failed before it changed anything."""

    exit_code = 1


class OnlineInterrupted(SchemaToolsError):
    """pt-online-schema-change stopped before the end (killed, failed, the upgrade
    interrupted, the server gone).  ``cause`` says why, ``now`` what is on the server;
    ``committed``: the change is complete (pt-osc had swapped the tables, and what it left
    was finished); ``lost``: the server could not be reached to look."""

    exit_code = 1

    def __init__(self, cause: str, *, now: str, committed: bool = False, lost: bool = False,
                 step: OnlineStep | None = None) -> None:
        super().__init__(f"{cause}; {now}")
        self.cause = cause
        self.now = now
        self.committed = committed
        self.lost = lost
        self.step = step


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
    parts.append(f"D={_dsn_value(spec.database_name, 'database')}")
    parts.append(f"t={_dsn_value(table, 'table')}")
    return ",".join(parts)


def command(spec: ConnectionSpec, table: str, alter: str, options: OnlineOptions, defaults: str,
            mode: str, plugin: str | None = None) -> list[str]:
    argv = [find_ptosc(options.binary), "--no-version-check", f"--alter={alter}",
            f"--alter-foreign-keys-method={options.fk_method}", f"--chunk-time={options.chunk_time:g}",
            f"--progress={options.progress}"]
    if options.chunk_size:
        argv.append(f"--chunk-size={options.chunk_size}")
    if plugin:
        argv.append(f"--plugin={plugin}")
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
# the plugin: finish once the swap begins, say where it is

MARK = "schema-tools-step: "

_PLUGIN = r"""package pt_online_schema_change_plugin;
# written by schema-tools: pt-osc finishes what it started once it begins to swap the
# tables (a signal is then noted, not obeyed), and says where it is
use strict;
use warnings;
use File::Path ();

my $deferred = '';
my $private = '@PRIVATE@';

sub new { my ($class, %args) = @_; return bless { %args }, $class; }
sub _mark { local $SIG{PIPE} = 'IGNORE'; print STDOUT "@MARK@$_[0]\n"; }
sub after_create_new_table { my ($self, %args) = @_; _mark("new-table $args{new_tbl}->{tbl}"); }
sub after_create_triggers { _mark("copying"); }
sub before_swap_tables {
    $SIG{$_} = sub { $deferred = $_[0]; } for qw(INT TERM HUP PIPE);
    _mark("swapping");
}
sub after_swap_tables { _mark("swapped"); }
sub after_update_foreign_keys { _mark("foreign-keys-updated"); }
sub before_exit { _mark("done" . ($deferred ? " (SIG$deferred noted while swapping)" : "")); }
# the option file holding the password goes with the last process that needs it
END { File::Path::rmtree($private) if $private && -d $private; }
1;
"""


def _plugin(directory: str) -> str:
    path = os.path.join(directory, "schema_tools_plugin.pm")
    text = _PLUGIN.replace("@PRIVATE@", directory.replace("\\", "\\\\").replace("'", "\\'")).replace("@MARK@", MARK)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    return path


# ---------------------------------------------------------------------------------------
# running it

_PHASE_OF_MARK = {"copying": "copying", "swapping": "swapping", "swapped": "swapped"}


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("MYSQL_PWD",)}


def _dry_run(argv: list[str], say: Callable[[str], None], secrets: list[str | None],
             hold: int | None) -> tuple[int, list[str], str | None]:
    """(exit status, output, why it was stopped: None unless a signal stopped it)."""
    lines: list[str] = []
    proc = child.spawn(argv, env=_env(), keep_open=() if hold is None else (hold,))
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = scrub(line.rstrip("\n"), secrets)
            lines.append(line)
            if line.strip():
                say(f"      pt-osc: {line}")
        return proc.wait(), lines, None
    except KeyboardInterrupt as exc:
        name = child.signal_name(getattr(exc, "signum", 2))
        return _stop(proc, lines, say, secrets), lines, f"{name} received during {PTOSC}'s dry run"


def _stop(proc, lines: list[str], say: Callable[[str], None], secrets: list[str | None]) -> int:
    """Stop pt-osc (SIGTERM to its group) and wait until it has exited, reading what it
    says; further signals meanwhile do not cut the wait short."""
    if proc.poll() is None:
        say(f"    stopping {PTOSC} (pid {proc.pid}) and waiting for it to exit")
        child.terminate(proc)
    while True:
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                line = scrub(line.rstrip("\n"), secrets)
                lines.append(line)
                if line.strip() and not line.startswith(MARK):
                    say(f"      pt-osc: {line}")
            return proc.wait()
        except KeyboardInterrupt:
            say(f"    still waiting for {PTOSC} (pid {proc.pid}) to exit")


def run_online(conn, spec: ConnectionSpec, table: str, alter: str, options: OnlineOptions,
               say: Callable[[str], None], *, record: Callable[[OnlineStep], None] | None = None,
               hold: int | None = None) -> OnlineStep:
    """``ALTER TABLE table alter`` through pt-online-schema-change (dry run, then execute),
    with the foreign key names put back.  ``conn`` is a connection to the same database;
    ``record(step)`` makes the step durable at each phase; ``hold`` is a descriptor pt-osc
    keeps open while it runs (the advisory-lock connection's).

    Raises :class:`OnlineChangeFailed` when pt-osc refuses (nothing changed) and
    :class:`OnlineInterrupted` when it stops part-way, after finishing what it left when the
    server can be reached."""
    database = spec.database_name
    record = record or (lambda step: None)
    triggers = table_triggers(conn, database, table)
    if triggers:
        raise OnlineChangeFailed(f"{table} has triggers ({', '.join(triggers)}): {PTOSC} cannot alter it "
                                 "online", hint="mark the change online-forbidden to run it as a plain ALTER")
    note = binlog_note(conn)
    if note:
        say(f"    note: {note}")
    create = show_create(conn, database, table)
    if create is None:
        raise OnlineChangeFailed(f"{table} does not exist: {PTOSC} cannot alter it")
    step = OnlineStep.planned(database, table, _foreign_keys(conn, database, table), create,
                              host=child.host(), tool_pid=os.getpid(), tool_started=child.start_time(os.getpid()))
    found = inspect(conn, database, step)  # what an earlier attempt may have left
    if found.state != "unchanged":
        raise OnlineChangeFailed(f"{table}: {describe(step, found)}; {PTOSC} cannot start",
                                 hint="see docs/dba-guide.md, section 5")
    finish(conn, database, step, found, say)
    record(step)
    secrets = [spec.password]
    with _defaults_file(spec) as defaults:
        argv = command(spec, table, alter, options, defaults, "--dry-run")
        options.events.append(f"--dry-run {table}: {alter}")
        say(f"    {PTOSC} --dry-run on {table}")
        code, lines, stopped = _dry_run(argv, say, secrets, hold)
        if stopped:
            _stopped(conn, database, step, stopped, say, record)
        if code != 0:
            # a dry run creates and drops _t_new: what it left goes
            finish(conn, database, step, _look(conn, database, step, f"{PTOSC} --dry-run failed"), say)
            raise OnlineChangeFailed(f"{PTOSC} --dry-run failed on {table} ({child.exit_words(code)}): "
                                     f"{_reason(lines)}")
        argv = command(spec, table, alter, options, defaults, "--execute",
                       plugin=_plugin(os.path.dirname(defaults)))
        options.events.append(f"--execute {table}: {alter}")
        say(f"    {PTOSC} --execute on {table}")
        step = _execute(conn, spec, step, argv, say, secrets, record, hold)
    return step


def _execute(conn, spec: ConnectionSpec, step: OnlineStep, argv: list[str], say, secrets, record,
             hold: int | None) -> OnlineStep:
    database = spec.database_name
    lines: list[str] = []
    proc = child.spawn(argv, env=_env(), keep_open=() if hold is None else (hold,))
    cause = None
    try:
        step = step.at("starting", pid=proc.pid, pid_started=child.start_time(proc.pid))
        record(step)
        assert proc.stdout is not None
        for line in proc.stdout:
            line = scrub(line.rstrip("\n"), secrets)
            lines.append(line)
            if line.startswith(MARK):
                word, _, rest = line[len(MARK):].partition(" ")
                if word == "new-table" and rest and rest != step.new_table:
                    step = step.at(step.phase, new_table=rest)
                    record(step)
                elif word in _PHASE_OF_MARK:
                    step = step.at(_PHASE_OF_MARK[word])
                    record(step)
                continue
            if line.strip():
                say(f"      pt-osc: {line}")
        status = proc.wait()
    except KeyboardInterrupt as exc:
        name = child.signal_name(getattr(exc, "signum", 2))
        cause = f"{name} received while {PTOSC} ran ({step.phase} {step.table})"
        status = _stop(proc, lines, say, secrets)
    except pymysql.MySQLError as exc:
        cause = f"the progress could not be recorded (ERROR {exc.args[0]}: {exc.args[-1]})"
        status = _stop(proc, lines, say, secrets)
    if cause is None and status == 0:
        step = step.at("swapped")
        with contextlib.suppress(pymysql.MySQLError):
            record(step)
        found = _look(conn, database, step, f"{PTOSC} finished")
        if found.state not in ("swapped", "unchanged") or (found.state == "unchanged" and not found.clean):
            # ("unchanged" and clean: an ALTER that changes nothing the definition shows)
            raise OnlineInterrupted(f"{PTOSC} finished, but the server is not in the state it leaves",
                                    now=describe(step, found), step=step)
        try:
            finish(conn, database, step, found, say)
        except pymysql.MySQLError as exc:
            raise OnlineInterrupted(
                f"{PTOSC} finished, but putting back what it renamed failed (ERROR {exc.args[0]}: {exc.args[-1]})",
                now=describe(step, found), step=step) from None
        step = step.at("foreign keys restored")
        with contextlib.suppress(pymysql.MySQLError):  # the statement is marked done next
            record(step)
        return step
    if cause is None:
        why = _reason(lines)
        cause = f"{PTOSC} stopped ({child.exit_words(status)}) while {step.phase} {step.table}" + \
            (f" ({why})" if why else "")
    _stopped(conn, database, step, cause, say, record)


def _stopped(conn, database: str, step: OnlineStep, cause: str, say, record) -> NoReturn:
    """pt-osc stopped early: finish what it left (the table unchanged and clean, or the change
    complete), and raise :class:`OnlineInterrupted` saying which."""
    found = _look(conn, database, step, cause)
    if found.state == "unknown":
        raise OnlineInterrupted(cause, now=f"{describe(step, found)}: left as it is", step=step)
    try:
        committed = finish(conn, database, step, found, say)
    except pymysql.MySQLError as exc:
        raise OnlineInterrupted(cause, now=f"{describe(step, found)}; finishing it failed "
                                f"(ERROR {exc.args[0]}: {exc.args[-1]})", step=step) from None
    if committed:
        now = f"pt-osc had swapped the tables: the change of {step.table} is complete"
        step = step.at("foreign keys restored")
        with contextlib.suppress(pymysql.MySQLError):
            record(step)
    else:
        now = (f"what it left was dropped ({', '.join(found.tables + found.triggers)}): {step.table} is unchanged"
               if found.tables or found.triggers else f"{step.table} is unchanged")
        step = step.at("stopped")
        with contextlib.suppress(pymysql.MySQLError):
            record(step)
    raise OnlineInterrupted(cause, now=now, committed=committed, step=step)


def _look(conn, database: str, step: OnlineStep, cause: str):
    try:
        return inspect(conn, database, step)
    except pymysql.MySQLError as exc:
        raise OnlineInterrupted(
            cause, lost=True, step=step,
            now=(f"the server cannot be reached (ERROR {exc.args[0]}), so what {PTOSC} left "
                 f"({step.new_table}, its triggers) is not known")) from None


_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d ")
_DETAIL = re.compile(r" \[for Statement .*| at \S+ line \d+\.?$")


def _reason(lines: list[str]) -> str:
    """pt-osc's last error, on one short line (no timestamps, statements or Perl lines)."""
    said = [x for x in lines if x.strip() and not x.startswith(MARK)]
    errors = [x for x in said if re.search(r"error|failed|died|cannot|can't", x, re.I)]
    text = _DETAIL.sub("", _TIMESTAMP.sub("", (errors or said or [""])[-1])).strip()
    return text[:200]
